/* libFuzzer: the raw binary mat parser (sm_rawfmt.h) with an arbitrary frame description and
 * bytes, fed whole and in random chunks. Checks
 * that the chunking never changes the result, that counters add up and samples stay in range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_rawfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_raw_parser_t parser;

typedef struct {
    unsigned long frames;
    uint32_t hash;
    sm_raw_counters_t c;
} result_t;

static result_t run(const sm_raw_spec_t *s, const uint8_t *d, size_t n, uint32_t seed)
{
    result_t r = {0, 2166136261u, {0}};
    if (sm_raw_parser_init(&parser, s) != SM_OK)
        abort();
    size_t cells = (size_t)s->rows * s->cols;
    uint16_t full = sm_raw_full_scale(s);
    size_t off = 0;
    while (off < n) {
        size_t len = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            len = 1 + (seed >> 16) % 97;
            if (len > n - off)
                len = n - off;
        }
        size_t used = 0;
        while (used < len) {
            int got;
            size_t k = sm_raw_parser_feed(&parser, d + off + used, len - used, &got);
            if (k > len - used || (!got && k != len - used) || (got && k == 0))
                abort();
            used += k;
            if (got) {
                for (size_t i = 0; i < cells; i++) {
                    if (parser.cells[i] > full)
                        abort();
                    r.hash = (r.hash ^ parser.cells[i]) * 16777619u;
                }
                r.frames++;
            }
        }
        off += len;
    }
    r.c = parser.c;
    if (r.c.frames != r.frames || r.c.suspect > r.c.frames)
        abort();
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    sm_raw_spec_t s;
    memset(&s, 0, sizeof s);
    s.rows = (uint16_t)(1 + data[0] % 8);
    s.cols = (uint16_t)(1 + data[1] % 8);
    if (data[0] & 0x80) { /* sometimes the largest mats */
        s.rows = (uint16_t)(57 + data[0] % 8);
        s.cols = (uint16_t)(57 + data[1] % 8);
    }
    s.sample = (sm_raw_sample)(data[2] & 3);
    s.col_order = (data[2] >> 2) & 1;
    s.header_len = (uint8_t)((data[3] & 7) % 4);
    s.trailer_len = (uint8_t)((data[3] >> 3) & 7) % 5;
    s.poll = (data[3] & 0x80) ? 6 : -1;
    s.max = (data[2] & 0x10) ? (uint16_t)(data[4] | 1) : 0;
    if (s.sample == SM_RAW_U8 && s.max > 255)
        s.max = 255;
    size_t k = 5;
    for (size_t i = 0; i < s.header_len && k < size; i++)
        s.header[i] = data[k++];
    for (size_t i = 0; i < s.trailer_len && k < size; i++)
        s.trailer[i] = data[k++];
    if (sm_raw_spec_check(&s) != SM_OK)
        return 0;
    result_t a = run(&s, data + k, size - k, 0);
    result_t b = run(&s, data + k, size - k, data[4] | 1u);
    if (a.frames != b.frames || a.hash != b.hash || memcmp(&a.c, &b.c, sizeof a.c) != 0)
        abort();
    return 0;
}
