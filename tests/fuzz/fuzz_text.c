/* libFuzzer: the plain-text mat parser with arbitrary bytes, geometry and chunking. Checks that
 * the chunking never changes the result and that every frame is well formed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_textfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    unsigned long frames;
    uint32_t hash; /* FNV-1a over the cells of every frame */
    sm_text_counters_t c;
} result_t;

static sm_text_parser_t parser;
static sm_frame_t frame;

static void take(result_t *r, const sm_frame_t *f, uint16_t rows, uint16_t cols)
{
    if (f->rows != rows || f->cols != cols)
        abort();
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        r->hash = (r->hash ^ f->cells[i]) * 16777619u;
    }
    r->frames++;
}

/* chunk_seed 0: all at once; else pseudo-random chunk sizes from the seed. */
static result_t run(const uint8_t *d, size_t n, uint16_t rows, uint16_t cols, uint32_t seed)
{
    result_t r = {0, 2166136261u, {0}};
    if (sm_text_parser_init(&parser, rows, cols) != SM_OK)
        abort();
    size_t off = 0;
    while (off < n) {
        size_t len = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            len = 1 + (seed >> 16) % 64;
            if (len > n - off)
                len = n - off;
        }
        size_t used = 0;
        while (used < len) {
            int got;
            size_t k = sm_text_parser_feed(&parser, d + off + used, len - used, &frame, &got);
            if (k > len - used || (!got && k != len - used))
                abort();
            if (got)
                take(&r, &frame, rows, cols);
            used += k;
        }
        off += len;
    }
    if (sm_text_parser_finish(&parser, &frame))
        take(&r, &frame, rows, cols);
    r.c = parser.c;
    if (r.c.frames != r.frames || r.c.last_error[sizeof r.c.last_error - 1] != 0)
        abort();
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint16_t rows = (uint16_t)(1 + data[0] % 64), cols = (uint16_t)(1 + data[1] % 64);
    /* Small mats make frames likely; large ones exercise the limits. */
    if (data[0] & 0x80) {
        rows = (uint16_t)(1 + data[0] % 4);
        cols = (uint16_t)(1 + data[1] % 4);
    }
    uint32_t seed = data[2] | 1u;
    result_t a = run(data + 3, size - 3, rows, cols, 0);
    result_t b = run(data + 3, size - 3, rows, cols, seed);
    if (a.frames != b.frames || a.hash != b.hash || a.c.lines != b.c.lines ||
        a.c.bad_lines != b.c.bad_lines || a.c.last_bad_line != b.c.last_bad_line ||
        strcmp(a.c.last_error, b.c.last_error) != 0)
        abort();
    return 0;
}
