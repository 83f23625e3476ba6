/* Plain-text mat parser: layouts, separators, chunking, rejected lines, real PmatData frames. */
#include "testsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_sim.h"
#include "sm_textfmt.h"

#define MAX_OUT 128

/* Everything a run produced: frames (cells only) and the final counters. */
typedef struct {
    size_t nframes;
    uint16_t rows, cols;
    uint16_t *cells; /* nframes * rows * cols */
    sm_text_counters_t c;
} run_t;

static void run_free(run_t *r)
{
    free(r->cells);
    r->cells = NULL;
}

static void collect(run_t *r, const sm_frame_t *f)
{
    size_t cells = (size_t)r->rows * r->cols;
    assert_int_equal(f->rows, r->rows);
    assert_int_equal(f->cols, r->cols);
    assert_int_equal(f->t_us, 0);
    assert_int_equal(f->seq, 0);
    assert_int_equal(f->flags, 0);
    r->cells = realloc(r->cells, (r->nframes + 1) * cells * sizeof(uint16_t));
    assert_non_null(r->cells);
    memcpy(r->cells + r->nframes * cells, f->cells, cells * sizeof(uint16_t));
    r->nframes++;
}

/* Feeds text in chunks: chunk > 0 fixed size, chunk == 0 random sizes (seeded). */
static run_t run(const char *text, size_t len, uint16_t rows, uint16_t cols, size_t chunk,
                 uint64_t seed)
{
    static sm_text_parser_t p;
    static sm_frame_t f;
    run_t r = {0, rows, cols, NULL, {0}};
    assert_int_equal(sm_text_parser_init(&p, rows, cols), SM_OK);
    size_t off = 0;
    while (off < len) {
        size_t n = chunk ? chunk : 1 + ts_rand(&seed) % 97;
        if (n > len - off)
            n = len - off;
        size_t used = 0;
        while (used < n) {
            int got = -1;
            size_t k =
                sm_text_parser_feed(&p, (const uint8_t *)text + off + used, n - used, &f, &got);
            assert_true(got == 0 || got == 1);
            assert_true(k <= n - used);
            if (got)
                collect(&r, &f);
            else
                assert_int_equal(k, n - used); /* without a frame everything is consumed */
            used += k;
        }
        off += n;
    }
    if (sm_text_parser_finish(&p, &f))
        collect(&r, &f);
    r.c = p.c;
    return r;
}

static run_t run_str(const char *text, uint16_t rows, uint16_t cols)
{
    return run(text, strlen(text), rows, cols, 4096, 0);
}

/* ---- table: layouts and separators ---- */
typedef struct {
    const char *name;
    const char *text;
    uint16_t rows, cols;
    size_t frames;
    unsigned long bad_lines, last_bad_line, lines;
    const uint16_t *first; /* expected cells of frame 0 (NULL: not checked) */
} text_case;

static const uint16_t V123456[] = {1, 2, 3, 4, 5, 6};

static const text_case cases[] = {
    {"frame per line, commas", "1,2,3,4,5,6\n", 2, 3, 1, 0, 0, 1, V123456},
    {"frame per line, spaces", "1 2 3 4 5 6\n", 2, 3, 1, 0, 0, 1, V123456},
    {"frame per line, tabs, trailing tab", "1\t2\t3\t4\t5\t6\t\n", 2, 3, 1, 0, 0, 1, V123456},
    {"frame per line, semicolons", "1;2;3;4;5;6\n", 2, 3, 1, 0, 0, 1, V123456},
    {"mixed separators and runs", "  1, 2;\t3 ,  4 ,5; 6 ;\n", 2, 3, 1, 0, 0, 1, V123456},
    {"whitespace runs of any length", "  1  2\t 3 4   5\t6\t\n", 2, 3, 1, 0, 0, 1, V123456},
    /* plausibility: noise turning a digit into a separator ("1,24,3" -> "1,2,,3", "1 24 3" ->
     * "1 2, 3", "1,245,3" -> "1,2 5,3") */
    {"empty value is damage", "1,2,,4,5,6\n1,2,3,4,5,6\n", 2, 3, 1, 1, 1, 2, V123456},
    {"comma among spaces is damage", "1 2 3, 4 5 6\n", 2, 3, 0, 1, 1, 1, NULL},
    {"space among commas is damage", "1,2,3 4,5,6\n", 2, 3, 0, 1, 1, 1, NULL},
    /* checksums */
    {"good checksums", "1,2,3,4,5,6*2B\r\n1,2,3,4,5,6*2B\n", 2, 3, 2, 0, 0, 2, V123456},
    {"lower-case hex", "1,2,3,4,5,6*2b\n", 2, 3, 1, 0, 0, 1, V123456},
    {"bad checksum drops the line", "1,2,3,4,5,7*2B\n1,2,3,4,5,6*2B\n", 2, 3, 1, 1, 1, 2, V123456},
    {"once seen, a line without one is dropped", "1,2,3,4,5,6*2B\n1,2,3,4,5,6\n", 2, 3, 1, 1, 2, 2,
     V123456},
    {"row per line with checksums", "1 2 3*30\n4 5 6*37\n", 2, 3, 1, 0, 0, 2, V123456},
    {"CRLF", "1,2,3,4,5,6\r\n1,2,3,4,5,6\r\n", 2, 3, 2, 0, 0, 2, V123456},
    {"no final newline", "1,2,3,4,5,6", 2, 3, 1, 0, 0, 1, V123456},
    {"row per line", "1 2 3\n4 5 6\n", 2, 3, 1, 0, 0, 2, V123456},
    {"row per line, CRLF and blank separators", "1 2 3\r\n4 5 6\r\n\r\n1 2 3\r\n4 5 6\r\n", 2, 3, 2,
     0, 0, 5, V123456},
    {"row per line, last row without newline", "1 2 3\n4 5 6", 2, 3, 1, 0, 0, 2, V123456},
    {"blank line cuts a frame short and resyncs", "9 9 9\n\n1 2 3\n4 5 6\n", 2, 3, 1, 1, 1, 4,
     V123456},
    {"frame cut short by end of input", "1 2 3\n4 5 6\n7 8 9\n", 2, 3, 1, 1, 3, 3, V123456},
    {"wrong count rejected", "1 2 3 4\n1 2 3 4 5 6\n", 2, 3, 1, 1, 1, 2, V123456},
    {"wrong count inside a row frame drops it", "1 2 3\n1 2\n1 2 3\n4 5 6\n", 2, 3, 1, 2, 2, 4,
     V123456},
    {"whole-frame line drops pending rows", "7 7 7\n1 2 3 4 5 6\n", 2, 3, 1, 1, 1, 2, V123456},
    {"non-number", "1 2 x 4 5 6\n1,2,3,4,5,6\n", 2, 3, 1, 1, 1, 2, V123456},
    {"negative", "1 2 -3 4 5 6\n", 2, 3, 0, 1, 1, 1, NULL},
    {"above 65535", "1 2 65536 4 5 6\n", 2, 3, 0, 1, 1, 1, NULL},
    {"65535 is fine", "65535 0 0 0 0 0\n", 2, 3, 1, 0, 0, 1, NULL},
    {"floats round to nearest", "0.5 1.49 2.5 3. .9 5.99999\n", 2, 3, 1, 0, 0, 1,
     (const uint16_t[]){1, 1, 3, 3, 1, 6}},
    {"65535.5 rounds above range", "65535.5 0 0 0 0 0\n", 2, 3, 0, 1, 1, 1, NULL},
    {"exponent and sign are not numbers", "1e3 0 0 0 0 0\n+1 0 0 0 0 0\n", 2, 3, 0, 2, 2, 2, NULL},
    {"lone dot is not a number", ". 0 0 0 0 0\n", 2, 3, 0, 1, 1, 1, NULL},
    {"blank lines only", "\n \n\t\r\n;,\n", 2, 3, 0, 0, 0, 4, NULL},
    {"1 x N mat: every line a frame", "1 2 3\n4 5 6\n", 1, 3, 2, 0, 0, 2, V123456},
    {"leading zeros and long digit strings", "0001 2 3 4 5 0000000000000000006\n", 2, 3, 1, 0, 0, 1,
     V123456},
    {"huge digit string is above range", "99999999999999999999999 0 0 0 0 0\n", 2, 3, 0, 1, 1, 1,
     NULL},
    {"NUL byte in a line", "1 2 3\0 4 5 6\n", 2, 3, 0, 1, 1, 1, NULL},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const text_case *tc = &cases[i];
        /* The NUL case needs its real length. */
        size_t len = strlen(tc->text);
        if (strcmp(tc->name, "NUL byte in a line") == 0)
            len = 13;
        run_t r = run(tc->text, len, tc->rows, tc->cols, 4096, 0);
        if (r.nframes != tc->frames || r.c.bad_lines != tc->bad_lines ||
            r.c.last_bad_line != tc->last_bad_line || r.c.lines != tc->lines)
            fail_msg("case '%s': frames %zu bad %lu last %lu lines %lu (%s)", tc->name, r.nframes,
                     r.c.bad_lines, r.c.last_bad_line, r.c.lines, r.c.last_error);
        assert_int_equal(r.c.frames, r.nframes);
        if (tc->first && r.nframes)
            assert_memory_equal(r.cells, tc->first, (size_t)tc->rows * tc->cols * 2);
        if (tc->bad_lines == 0)
            assert_string_equal(r.c.last_error, "");
        run_free(&r);
    }
}

/* ---- messages a user reads ---- */
static void expect_error(const char *text, uint16_t rows, uint16_t cols, const char *msg)
{
    run_t r = run_str(text, rows, cols);
    assert_string_equal(r.c.last_error, msg);
    run_free(&r);
}

static void test_messages(void **state)
{
    (void)state;
    /* The PmatData case: a partial line of a 64 x 32 mat. */
    char *line = malloc(2040 * 2 + 1);
    assert_non_null(line);
    for (int i = 0; i < 2040; i++)
        memcpy(line + 2 * i, "0\t", 2);
    line[2 * 2040] = 0;
    char *text = malloc(2040 * 2 + 32);
    snprintf(text, 2040 * 2 + 32, "\n\n%s\n", line);
    expect_error(text, 64, 32, "line 3: 2040 values, expected 2048 (64 x 32) or 32");
    free(text);
    free(line);

    expect_error("1 2 3 4\n", 1, 3, "line 1: 4 values, expected 3");
    expect_error("1 2 12a 4 5 6\n", 2, 3, "line 1: value 3 is not a number (\"12a\")");
    expect_error("1 2 3 4 -5 6\n", 2, 3, "line 1: value 5 is negative (\"-5\")");
    expect_error("1 2 3 4 5 70000\n", 2, 3, "line 1: value 6 is above 65535 (\"70000\")");
    expect_error("1 2 3\n4 5 6\n1 2 3\n\n", 2, 3, "line 3: frame ended after 1 of 2 rows");
    expect_error("1 2 3\nabc\n", 2, 3, "line 2: value 1 is not a number (\"abc\")");
    /* Binary garbage is quoted harmlessly and cut short. */
    expect_error("1 \x01\x02\xff\"zzzzzzzzzzzzzzzzzzzzz\n", 1, 2,
                 "line 1: value 2 is not a number (\"????zzzzzzzz..\")");
}

static void test_overlong_line(void **state)
{
    (void)state;
    size_t big = SM_TEXT_MAX_LINE + 100;
    char *text = malloc(big + 64);
    assert_non_null(text);
    for (size_t i = 0; i < big; i++)
        text[i] = (i % 2) ? ' ' : '1';
    size_t n = big;
    n += (size_t)sprintf(text + n, "\n1 2 3 4 5 6\n");
    for (size_t chunk = 1; chunk <= 65537; chunk = chunk * 7 + 1) {
        run_t r = run(text, n, 2, 3, chunk, 0);
        assert_int_equal(r.nframes, 1);
        assert_int_equal(r.c.bad_lines, 1);
        assert_string_equal(r.c.last_error, "line 1: longer than 65536 bytes");
        assert_memory_equal(r.cells, V123456, sizeof V123456);
        run_free(&r);
    }
    /* Exactly SM_TEXT_MAX_LINE bytes is still a line. */
    memset(text, ' ', SM_TEXT_MAX_LINE);
    memcpy(text, "1 2 3 4 5 6", 11);
    text[SM_TEXT_MAX_LINE] = '\n';
    run_t r = run(text, SM_TEXT_MAX_LINE + 1, 2, 3, 1000, 0);
    assert_int_equal(r.nframes, 1);
    assert_int_equal(r.c.bad_lines, 0);
    run_free(&r);
    free(text);
}

static void test_init_range(void **state)
{
    (void)state;
    static sm_text_parser_t p;
    assert_int_equal(sm_text_parser_init(&p, 0, 3), SM_ERR_RANGE);
    assert_int_equal(sm_text_parser_init(&p, 3, 65), SM_ERR_RANGE);
    assert_int_equal(sm_text_parser_init(&p, 65, 1), SM_ERR_RANGE);
    assert_int_equal(sm_text_parser_init(NULL, 1, 1), SM_ERR_ARG);
    /* A parser whose init failed swallows input without frames. */
    sm_frame_t *f = malloc(sizeof *f);
    int got = 1;
    assert_int_equal(sm_text_parser_feed(&p, (const uint8_t *)"1\n", 2, f, &got), 2);
    assert_int_equal(got, 0);
    assert_int_equal(sm_text_parser_finish(&p, f), 0);
    assert_int_equal(sm_text_parser_init(&p, 64, 64), SM_OK);
    free(f);
}

/* Feed stops right after the line that completes a frame. */
static void test_stops_after_frame(void **state)
{
    (void)state;
    static sm_text_parser_t p;
    static sm_frame_t f;
    const char *t = "1 2\n3 4\n5 6\n";
    assert_int_equal(sm_text_parser_init(&p, 1, 2), SM_OK);
    int got;
    size_t k = sm_text_parser_feed(&p, (const uint8_t *)t, strlen(t), &f, &got);
    assert_int_equal(got, 1);
    assert_int_equal(k, 4);
    assert_int_equal(f.cells[0], 1);
    k += sm_text_parser_feed(&p, (const uint8_t *)t + k, strlen(t) - k, &f, &got);
    assert_int_equal(got, 1);
    assert_int_equal(k, 8);
    assert_int_equal(f.cells[1], 4);
    assert_int_equal(sm_text_parser_feed(&p, (const uint8_t *)t, 0, &f, &got), 0);
    assert_int_equal(got, 0);
}

/* ---- every chunking gives the same result ---- */
static void same_run(const run_t *a, const run_t *b)
{
    assert_int_equal(a->nframes, b->nframes);
    assert_int_equal(a->c.lines, b->c.lines);
    assert_int_equal(a->c.bad_lines, b->c.bad_lines);
    assert_int_equal(a->c.last_bad_line, b->c.last_bad_line);
    assert_string_equal(a->c.last_error, b->c.last_error);
    if (a->nframes)
        assert_memory_equal(a->cells, b->cells,
                            a->nframes * (size_t)a->rows * a->cols * sizeof(uint16_t));
}

static void test_every_chunking(void **state)
{
    (void)state;
    const char *texts[] = {
        "1,2,3,4,5,6\r\n7 8 9\r\n10 11 12\r\n\r\n1 2\n13;14;15;16;17;18;\n"
        "x y\n19 20 21\n22 23 24",
        "  1 2 3\t\n\n4 5 6\n7 8 9\n10 11 12 13 14 15 \n 1.5 2.5 3.5 4.5 5.5 6.5\r\n\n\n",
    };
    for (size_t t = 0; t < 2; t++) {
        size_t len = strlen(texts[t]);
        run_t whole = run(texts[t], len, 2, 3, len, 0);
        assert_true(whole.nframes >= 3);
        for (size_t chunk = 1; chunk <= len; chunk++) {
            run_t r = run(texts[t], len, 2, 3, chunk, 0);
            same_run(&whole, &r);
            run_free(&r);
        }
        for (uint64_t seed = 1; seed < 200; seed++) {
            run_t r = run(texts[t], len, 2, 3, 0, seed);
            same_run(&whole, &r);
            run_free(&r);
        }
        run_free(&whole);
    }
}

/* ---- random bytes: no crash, counters consistent ---- */
/* Issue 14: at 1e-4 per-byte line noise (each byte hit with that probability, XORed with a
 * random non-zero value, as `steadymat sim --corrupt` does) text frames of the simulated person
 * (32 x 24, 10-bit) through the parser: with the `*HH` checksum no accepted frame may differ
 * from the one sent; without it (plausibility checks only) the count is printed. Each accepted
 * frame is matched against the frames sent, in order. */
static void noisy_text(int checksum, unsigned long *accepted, unsigned long *wrong,
                       unsigned long *lost, unsigned long *sent)
{
    enum { N = 3000, ROWS = 32, COLS = 24 };
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "ball-wiggle";
    sm_sim_t *sim;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    assert_int_equal(cfg.rows * cfg.cols, ROWS * COLS);
    static uint16_t sent_cells[N][ROWS * COLS];
    static char line[ROWS * COLS * 6 + 8];
    static sm_text_parser_t p;
    static sm_frame_t f;
    sm_text_parser_init(&p, ROWS, COLS);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    size_t next_match = 0;
    *accepted = *wrong = 0;
    for (size_t k = 0; k < N; k++) {
        sm_sim_render(sim, k * 10000u, sent_cells[k]);
        size_t n = sm_text_format_frame(sent_cells[k], ROWS, COLS, checksum, line, sizeof line);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++)
            if (ts_rand(&rng) % 10000u == 0)
                line[i] ^= (char)(1u + ts_rand(&rng) % 255u);
        size_t off = 0;
        while (off < n) {
            int got = 0;
            off += sm_text_parser_feed(&p, (const uint8_t *)line + off, n - off, &f, &got);
            if (!got)
                continue;
            (*accepted)++;
            /* the frame it came from: one of the last few sent, not earlier than the last match */
            int found = 0;
            for (size_t j = next_match; j <= k && !found; j++)
                if (memcmp(f.cells, sent_cells[j], sizeof sent_cells[j]) == 0) {
                    found = 1;
                    next_match = j + 1;
                }
            *wrong += !found;
        }
    }
    *lost = p.c.frames_lost;
    *sent = N;
    sm_sim_destroy(sim);
}

static void test_noise_and_checksums(void **state)
{
    (void)state;
    unsigned long acc, wrong, lost, sent;
    noisy_text(1, &acc, &wrong, &lost, &sent);
    print_message("1e-4 noise, with *HH: %lu of %lu frames accepted, %lu with a wrong cell, %lu "
                  "counted lost\n",
                  acc, sent, wrong, lost);
    assert_int_equal(wrong, 0);
    assert_true(acc > sent * 3 / 5); /* noise costs frames, not the link */
    /* every frame is either accepted or counted lost, up to noise splitting or merging lines */
    assert_true(acc + lost >= sent - sent / 100 && acc + lost <= sent + sent / 100);
    noisy_text(0, &acc, &wrong, &lost, &sent);
    print_message("1e-4 noise, no checksum (plausibility only): %lu of %lu frames accepted, %lu "
                  "with a wrong cell, %lu counted lost\n",
                  acc, sent, wrong, lost);
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint64_t s = 42;
    char *buf = malloc(20000);
    assert_non_null(buf);
    for (int it = 0; it < 200; it++) {
        size_t n = ts_rand(&s) % 20000;
        /* Mostly text-like bytes so that frames sometimes form. */
        static const char alphabet[] = "0123456789 ,;\t\r\n.-x";
        for (size_t i = 0; i < n; i++) {
            uint64_t v = ts_rand(&s);
            buf[i] = (v & 0x100) ? alphabet[v % (sizeof alphabet - 1)] : (char)v;
        }
        uint16_t rows = (uint16_t)(1 + ts_rand(&s) % 3), cols = (uint16_t)(1 + ts_rand(&s) % 4);
        run_t r = run(buf, n, rows, cols, 0, (uint64_t)it + 1);
        run_t w = run(buf, n, rows, cols, n ? n : 1, 0);
        same_run(&r, &w);
        assert_true(r.c.bad_lines <= 2 * r.c.lines + 1);
        run_free(&r);
        run_free(&w);
    }
    free(buf);
}

/* ---- the real PmatData file ---- */
/* Counts the values of each line independently of the parser: tokens between tabs/spaces,
 * each all digits. Returns the number of lines with exactly `want` valid values; *lines gets
 * the number of non-empty lines. */
static size_t count_good_lines(char *text, size_t want, size_t *lines)
{
    size_t good = 0;
    *lines = 0;
    char *save_line = NULL;
    for (char *ln = strtok_r(text, "\n", &save_line); ln; ln = strtok_r(NULL, "\n", &save_line)) {
        (*lines)++;
        size_t n = 0;
        int ok = 1;
        char *save_tok = NULL;
        for (char *tok = strtok_r(ln, "\t \r", &save_tok); tok;
             tok = strtok_r(NULL, "\t \r", &save_tok)) {
            for (char *c = tok; *c; c++)
                if (*c < '0' || *c > '9')
                    ok = 0;
            if (strtoul(tok, NULL, 10) > 65535)
                ok = 0;
            n++;
        }
        if (ok && n == want)
            good++;
    }
    return good;
}

static void test_pmatdata(void **state)
{
    (void)state;
    const char *names[] = {"pmatdata/1.txt", "pmatdata/2.txt", "pmatdata/3.txt"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *text = ts_read_file(ts_data(names[i]), &len);
        if (!text && i > 0)
            continue; /* 1.txt is required, the others are a bonus */
        assert_non_null(text);
        run_t r = run(text, len, 64, 32, 65536, 0);
        run_t small = run(text, len, 64, 32, 0, 7); /* random chunks up to 97 bytes */
        same_run(&r, &small);
        run_free(&small);

        char *copy = malloc(len + 1);
        memcpy(copy, text, len + 1);
        size_t lines;
        size_t good = count_good_lines(copy, 2048, &lines);
        free(copy);
        assert_true(good > 0);
        assert_int_equal(r.nframes, good);
        assert_int_equal(r.c.bad_lines, lines - good);
        assert_int_equal(r.c.lines, lines);
        if (i == 0) /* PhysioNet pmd 1.0.0 subject 1, 1.txt: 82 lines, all 2048 values */
            assert_int_equal(r.nframes, 82);

        /* First accepted frame equals the first line read with strtoul; row-major 64 x 32. */
        char *p = text;
        for (size_t k = 0; k < 2048; k++) {
            char *end;
            unsigned long v = strtoul(p, &end, 10);
            assert_true(end != p);
            assert_int_equal(r.cells[k], v);
            p = end;
        }
        run_free(&r);
        free(text);
    }
}

/* A row-per-line rendering of the real data must give the same frames. */
static void test_pmatdata_as_rows(void **state)
{
    (void)state;
    size_t len;
    char *text = ts_read_file(ts_data("pmatdata/1.txt"), &len);
    assert_non_null(text);
    run_t lines = run(text, len, 64, 32, 65536, 0);
    char *rows = malloc(len * 2 + 1);
    size_t o = 0;
    int col = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == '\t') {
            if (++col == 32) {
                col = 0;
                rows[o++] = '\r';
                rows[o++] = '\n';
                continue;
            }
            rows[o++] = ',';
            continue;
        }
        if (ch == '\n') {
            rows[o++] = '\n'; /* blank line between frames */
            col = 0;
            continue;
        }
        rows[o++] = ch;
    }
    run_t r = run(rows, o, 64, 32, 0, 3);
    assert_int_equal(r.nframes, lines.nframes);
    assert_int_equal(r.c.bad_lines, 0);
    assert_memory_equal(r.cells, lines.cells, r.nframes * 2048 * sizeof(uint16_t));
    assert_int_equal(r.c.lines, lines.c.lines * 65);
    run_free(&r);
    run_free(&lines);
    free(rows);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_init_range),
        cmocka_unit_test(test_stops_after_frame),
        cmocka_unit_test(test_every_chunking),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_noise_and_checksums),
        cmocka_unit_test(test_pmatdata),
        cmocka_unit_test(test_pmatdata_as_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
