/* Raw binary mats (sm_rawfmt.h): frames found by header, trailer or poll, in any chunking, with
 * noise, cut frames and glitches counted the way a user is told about them. */
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include "sm_rawfmt.h"

static sm_raw_parser_t parser;

/* One frame of a rows x cols mat: cell (r, c) = base + r * 16 + c (fits u8 for small mats). */
static size_t encode(const sm_raw_spec_t *s, int base, uint8_t *out)
{
    size_t k = 0;
    memcpy(out, s->header, s->header_len);
    k += s->header_len;
    size_t cells = (size_t)s->rows * s->cols;
    for (size_t i = 0; i < cells; i++) {
        size_t r = s->col_order ? i % s->rows : i / s->cols;
        size_t c = s->col_order ? i / s->rows : i % s->cols;
        unsigned v = (unsigned)(base + r * 16 + c);
        if (s->sample == SM_RAW_U8) {
            out[k++] = (uint8_t)v;
        } else if (s->sample == SM_RAW_U16BE) {
            out[k++] = (uint8_t)(v >> 8);
            out[k++] = (uint8_t)v;
        } else {
            out[k++] = (uint8_t)v;
            out[k++] = (uint8_t)(v >> 8);
        }
    }
    memcpy(out + k, s->trailer, s->trailer_len);
    return k + s->trailer_len;
}

/* Feeds in chunks of `chunk` bytes (0: all at once); returns frames, checks each one's cells. */
static int feed_all(const uint8_t *d, size_t n, size_t chunk, int *bases, int max)
{
    int frames = 0;
    size_t off = 0;
    while (off < n) {
        size_t len = chunk ? (chunk < n - off ? chunk : n - off) : n - off;
        size_t used = 0;
        while (used < len) {
            int got;
            size_t k = sm_raw_parser_feed(&parser, d + off + used, len - used, &got);
            assert_true(k <= len - used);
            used += k;
            if (got) {
                if (frames < max)
                    bases[frames] = parser.cells[0];
                /* row-major: cell (r, c) = base + 16 r + c whatever the wire order */
                const sm_raw_spec_t *s = &parser.spec;
                int r = s->rows - 1, c = s->cols - 1;
                assert_int_equal(parser.cells[r * s->cols + c], parser.cells[0] + 16 * r + c);
                frames++;
            }
        }
        off += len;
    }
    return frames;
}

static void test_m1616_header_with_noise(void **state)
{
    (void)state;
    sm_raw_spec_t s = {.header = {0xAA, 0xAB, 0xAC},
                       .header_len = 3,
                       .sample = SM_RAW_U16BE,
                       .poll = -1,
                       .rows = 16,
                       .cols = 16};
    static uint8_t stream[20000];
    size_t n = 0;
    static uint8_t fr[600];
    for (int f = 0; f < 10; f++) {
        if (f % 3 == 1) { /* noise between frames, including a lone AA and AA AA */
            const uint8_t noise[] = {0x13, 0xAA, 0x00, 0xAA, 0xAA, 0x42};
            memcpy(stream + n, noise, sizeof noise);
            n += sizeof noise;
        }
        n += encode(&s, 1000 + f, stream + n);
    }
    for (size_t chunk = 0; chunk < 8; chunk += 7) {
        assert_int_equal(sm_raw_parser_init(&parser, &s), SM_OK);
        int bases[16];
        /* A frame is handed out when the next header follows it at once: the last one waits,
         * and the three followed by junk (0, 3, 6) may have been longer than they should. */
        assert_int_equal(feed_all(stream, n, chunk, bases, 16), 6);
        const int want[] = {1001, 1002, 1004, 1005, 1007, 1008};
        for (int f = 0; f < 6; f++)
            assert_int_equal(bases[f], want[f]);
        assert_int_equal(parser.c.length_errors, 3);
        assert_int_equal(parser.c.last_len, 512 + 6);
        assert_true(parser.c.bytes_skipped >= 3 * 6 - 2);
    }
    /* The mat sends 16 x 16 but --cols says 20: the next header is inside the frame. */
    sm_raw_spec_t wide = s;
    wide.cols = 20;
    assert_int_equal(sm_raw_parser_init(&parser, &wide), SM_OK);
    int b2[4];
    n = 0;
    for (int f = 0; f < 6; f++)
        n += encode(&s, 7, stream + n);
    assert_int_equal(feed_all(stream, n, 0, b2, 4), 0);
    assert_true(parser.c.length_errors >= 2);
    assert_int_equal(parser.c.last_len, 512);
    (void)fr;
}

static void test_trailer_u8_cut_frame_and_size(void **state)
{
    (void)state;
    sm_raw_spec_t s = {.trailer = {0xFF, 0xFE, 0xFE, 0xFF},
                       .trailer_len = 4,
                       .sample = SM_RAW_U8,
                       .poll = -1,
                       .rows = 4,
                       .cols = 6};
    static uint8_t stream[4096];
    size_t n = 0;
    const uint8_t junk[] = {1, 2, 3}; /* the middle of a frame at connect time */
    memcpy(stream, junk, 3);
    n = 3;
    stream[n++] = 0xFF, stream[n++] = 0xFE, stream[n++] = 0xFE, stream[n++] = 0xFF;
    for (int f = 0; f < 8; f++) {
        size_t k = encode(&s, 10 * f, stream + n);
        if (f == 4) { /* a frame cut short by 5 bytes: its trailer comes early */
            memmove(stream + n + k - 9, stream + n + k - 4, 4);
            k -= 5;
        }
        n += k;
    }
    assert_int_equal(sm_raw_parser_init(&parser, &s), SM_OK);
    int bases[16];
    int frames = feed_all(stream, n, 5, bases, 16);
    /* The cut frame is lost, and the frame after it (which the resync costs at most). */
    assert_true(frames >= 6 && frames <= 7);
    assert_true(parser.c.length_errors >= 1);
    assert_int_equal(parser.c.last_len, 4 * 6 - 5);
    assert_int_equal(bases[0], 0);
    assert_int_equal(bases[frames - 1], 70);

    /* The mat is 4 x 5 but --cols says 6: every frame has the wrong length, and says so. */
    sm_raw_spec_t small = s;
    small.cols = 5;
    n = 0;
    for (int f = 0; f < 6; f++)
        n += encode(&small, 0, stream + n);
    assert_int_equal(sm_raw_parser_init(&parser, &s), SM_OK);
    assert_int_equal(feed_all(stream, n, 0, bases, 16), 0);
    assert_true(parser.c.length_errors >= 2);
    assert_int_equal(parser.c.last_len, 4 * 5);
}

static void test_trailer_bytes_inside_a_frame(void **state)
{
    (void)state;
    /* Samples that happen to spell the trailer (a saturated u8 mat) do not split a frame. */
    sm_raw_spec_t s = {.trailer = {0xFF, 0xFE},
                       .trailer_len = 2,
                       .sample = SM_RAW_U8,
                       .poll = -1,
                       .rows = 1,
                       .cols = 6,
                       .max = 255};
    const uint8_t d[] = {0xFF, 0xFE, 1,    0xFF, 0xFE, 2, 3, 4,    0xFF,
                         0xFE, 5,    0xFF, 0xFE, 6,    7, 8, 0xFF, 0xFE};
    assert_int_equal(sm_raw_parser_init(&parser, &s), SM_OK);
    int got, frames = 0;
    size_t off = 0;
    while (off < sizeof d) {
        off += sm_raw_parser_feed(&parser, d + off, sizeof d - off, &got);
        if (got) {
            frames++;
            assert_int_equal(parser.cells[1], 0xFF);
            assert_int_equal(parser.cells[2], 0xFE);
        }
    }
    assert_int_equal(frames, 2);
    assert_int_equal(parser.c.length_errors, 0);
}

static void test_poll_u16le_cols_and_restart(void **state)
{
    (void)state;
    sm_raw_spec_t s = {.sample = SM_RAW_U12LE, .col_order = 1, .poll = 6, .rows = 3, .cols = 5};
    static uint8_t fr[256];
    assert_int_equal(sm_raw_parser_init(&parser, &s), SM_OK);
    int bases[4];
    size_t k = encode(&s, 300, fr);
    assert_int_equal(feed_all(fr, k, 4, bases, 4), 1);
    assert_int_equal(bases[0], 300);
    /* Half an answer, then the host polls again: the half is a length error. */
    assert_int_equal(feed_all(fr, k / 2, 0, bases, 4), 0);
    sm_raw_parser_restart(&parser);
    assert_int_equal(parser.c.length_errors, 1);
    assert_int_equal(feed_all(fr, k, 0, bases, 4), 1);
    /* u12: a sample above 4095 drops the frame as out of range. */
    fr[1] = 0x10;
    sm_raw_parser_restart(&parser);
    assert_int_equal(feed_all(fr, k, 0, bases, 4), 0);
    assert_int_equal(parser.c.range_errors, 1);
}

static void test_glitch_between_neighbours_is_suspect(void **state)
{
    (void)state;
    sm_plaus_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    sm_plaus_init(p, 4095);
    static uint16_t body[256], moved[256], junk[256];
    for (int i = 0; i < 256; i++) {
        body[i] = (uint16_t)(i % 16 > 4 && i % 16 < 10 ? 1500 : 40);
        moved[i] = (uint16_t)(body[i] + 30); /* a person settling: small steps */
        junk[i] = (uint16_t)((i * 2654435761u) >> 20 & 4095);
    }
    int flagged = 0;
    for (int k = 0; k < 30; k++)
        flagged += sm_plaus_push(p, k % 2 ? moved : body, 256);
    assert_int_equal(flagged, 0);
    /* Getting onto the mat: a big change that stays is not a glitch. */
    static uint16_t empty[256];
    for (int k = 0; k < 3; k++)
        flagged += sm_plaus_push(p, empty, 256);
    for (int k = 0; k < 3; k++)
        flagged += sm_plaus_push(p, body, 256);
    assert_int_equal(flagged, 0);
    /* A misread frame that comes and goes is. */
    flagged += sm_plaus_push(p, junk, 256);
    flagged += sm_plaus_push(p, body, 256);
    assert_int_equal(flagged, 1);
    assert_int_equal(p->suspect, 1);
    free(p);
}

static void test_spec_check(void **state)
{
    (void)state;
    sm_raw_spec_t s = {.sample = SM_RAW_U8, .poll = -1, .rows = 4, .cols = 4};
    assert_int_equal(sm_raw_spec_check(&s), SM_ERR_ARG); /* nothing marks a frame */
    s.poll = 6;
    assert_int_equal(sm_raw_spec_check(&s), SM_OK);
    s.rows = 65;
    assert_int_equal(sm_raw_spec_check(&s), SM_ERR_RANGE);
    assert_int_equal(sm_raw_parser_init(&parser, &s), SM_ERR_RANGE);
    int got;
    const uint8_t d[4] = {0};
    assert_int_equal(sm_raw_parser_feed(&parser, d, 4, &got), 4);
    assert_int_equal(got, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_m1616_header_with_noise),
        cmocka_unit_test(test_trailer_u8_cut_frame_and_size),
        cmocka_unit_test(test_trailer_bytes_inside_a_frame),
        cmocka_unit_test(test_poll_u16le_cols_and_restart),
        cmocka_unit_test(test_glitch_between_neighbours_is_suspect),
        cmocka_unit_test(test_spec_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
