/* Calibration files: round trip, the default path, the reference profile, and hostile files
 * (random bytes, every truncation, wrong types, bad numbers, huge arrays, the wrong mat). */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_calib_steps.h"
#include "sm_sim.h"

#ifndef SM_REPO_DIR
#define SM_REPO_DIR SM_TEST_DATA "/../.."
#endif

static sm_calib_data_t d1, d2;
static sm_frame_t frame;

/* The calibration-steps scenario through the builder (the whole workflow, all effects). */
static void calibrate_sim(sm_calib_data_t *d)
{
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "calibration-steps";
    sm_sim_t *sim = NULL;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    const sm_sim_step_t *ss;
    size_t ns = sm_sim_steps(sim, &ss);
    static sm_calib_steps_t steps;
    steps.n = 0;
    for (size_t i = 0; i < ns; i++) {
        if (ss[i].start_s > 340)
            break; /* the checks are not needed here */
        sm_calib_step_t *s = &steps.step[steps.n++];
        s->kind = sm_calib_step_from_name(ss[i].kind);
        s->start_s = ss[i].start_s;
        s->end_s = ss[i].end_s;
        s->mass_kg = ss[i].mass_kg;
    }
    sm_calib_builder_t *b = NULL;
    assert_int_equal(sm_calib_builder_create(32, 24, 25.0, 1023, &b), SM_OK);
    frame.rows = 32;
    frame.cols = 24;
    for (long k = 0; k / 25.0 < 340; k++) {
        frame.t_us = (uint64_t)(k * 40000);
        sm_sim_render(sim, frame.t_us, frame.cells);
        sm_calib_step_report_t rep;
        assert_int_equal(sm_calib_builder_feed(b, &steps, &frame, &rep), SM_OK);
    }
    char err[160];
    assert_int_equal(sm_calib_builder_finish(b, d, err, sizeof err), SM_OK);
    sm_calib_builder_destroy(b);
    sm_sim_destroy(sim);
}

static char *valid_text(size_t *len)
{
    sm_calib_data_init(&d1, 4, 3, 15.0, 4095);
    strcpy(d1.uid, "0123456789abcdef");
    strcpy(d1.created, "2025-01-31T10:00:00Z");
    strcpy(d1.method, "test \"quoted\" / slash");
    d1.gain[2] = 1.25f;
    d1.offset[5] = 3.5f;
    d1.mask[7] = SM_CALIB_CELL_DEAD;
    d1.nloads = 1;
    d1.loads[0].mass_kg = 5;
    d1.loads[0].cells = 16;
    char *t = NULL;
    char err[160];
    assert_int_equal(sm_calib_file_format(&d1, &t, err, sizeof err), SM_OK);
    *len = strlen(t);
    return t;
}

static void test_round_trip(void **state)
{
    (void)state;
    calibrate_sim(&d1);
    strcpy(d1.uid, "00a1b2c3d4e5f607");
    strcpy(d1.created, "2025-01-31T10:00:00Z");
    char *t1 = NULL, *t2 = NULL;
    char err[200];
    assert_int_equal(sm_calib_file_format(&d1, &t1, err, sizeof err), SM_OK);
    assert_int_equal(sm_calib_file_parse(t1, strlen(t1), NULL, &d2, err, sizeof err), SM_OK);
    assert_int_equal(sm_calib_file_format(&d2, &t2, err, sizeof err), SM_OK);
    assert_string_equal(t1, t2); /* stable after one write */
    assert_string_equal(d2.uid, d1.uid);
    assert_int_equal(d2.rows, 32);
    assert_true(fabs(d2.curve.b - d1.curve.b) < 1e-6);
    /* crosstalk: measured on the simulator (share 0.3), kept by the file */
    printf("crosstalk share %.4f (%d phantom cells)\n", d1.xtalk.share, d1.xtalk.points);
    assert_true(fabs(d1.xtalk.share - 0.3) < 0.02);
    assert_int_equal(d1.xtalk.fitted, SM_CALIB_XT_LINES);
    assert_true(fabs(d2.xtalk.share - d1.xtalk.share) < 1e-6);
    assert_int_equal(d2.xtalk.fitted, d1.xtalk.fitted);
    assert_int_equal(d2.xtalk.points, d1.xtalk.points);
    /* a file without the member (written before crosstalk compensation): no compensation */
    {
        char *x = strstr(t1, "\"crosstalk\"");
        assert_non_null(x);
        char *e = strstr(x, "},");
        assert_non_null(e);
        memmove(x, e + 2, strlen(e + 2) + 1);
        assert_int_equal(sm_calib_file_parse(t1, strlen(t1), NULL, &d2, err, sizeof err), SM_OK);
        assert_true(d2.xtalk.share == 0.0);
        assert_int_equal(d2.xtalk.fitted, SM_CALIB_XT_NONE);
        free(t1);
        assert_int_equal(sm_calib_file_format(&d1, &t1, err, sizeof err), SM_OK);
        /* and a malformed one is refused with a message */
        char *bad = malloc(strlen(t1) + 1);
        assert_non_null(bad);
        static const char *const from[] = {"\"stuck-lines\"", "\"rectangle-min\""};
        static const char *const to[] = {"\"stuck-linez\"", "\"rectangle-max\""};
        for (int k = 0; k < 2; k++) {
            strcpy(bad, t1);
            char *q = strstr(bad, from[k]);
            assert_non_null(q);
            memcpy(q, to[k], strlen(to[k]));
            assert_int_equal(sm_calib_file_parse(bad, strlen(bad), NULL, &d2, err, sizeof err),
                             SM_ERR_FORMAT);
            printf("bad crosstalk: %s\n", err);
            assert_non_null(strstr(err, "crosstalk"));
        }
        strcpy(bad, t1);
        char *q = strstr(bad, "\"share\": ");
        assert_non_null(q);
        q += strlen("\"share\": ");
        memcpy(q, "-1.0", 4); /* "-1.0xxx" is not a number: still a clear refusal */
        assert_int_equal(sm_calib_file_parse(bad, strlen(bad), NULL, &d2, err, sizeof err),
                         SM_ERR_FORMAT);
        printf("bad share: %s\n", err);
        free(bad);
        assert_int_equal(sm_calib_file_parse(t1, strlen(t1), NULL, &d2, err, sizeof err), SM_OK);
    }
    for (int i = 0; i < 768; i++) {
        assert_int_equal(d2.mask[i], d1.mask[i]);
        assert_true(fabsf(d2.gain[i] - d1.gain[i]) < 1e-5f);
        assert_true(fabsf(d2.offset[i] - d1.offset[i]) < 1e-3f);
    }
    /* save / load through the file system, into a directory that does not exist yet */
    const char *path = ts_path(ts_tempdir(), "a/b/cal.json");
    assert_int_equal(sm_calib_file_save(path, &d1, err, sizeof err), SM_OK);
    sm_mat_info_t mi;
    memset(&mi, 0, sizeof mi);
    mi.rows = 32;
    mi.cols = 24;
    strcpy(mi.uid, "00A1B2C3D4E5F607");
    assert_int_equal(sm_calib_file_load(path, &mi, &d2, err, sizeof err), SM_OK);
    /* the wrong mat */
    strcpy(mi.uid, "1111111111111111");
    assert_int_equal(sm_calib_file_load(path, &mi, &d2, err, sizeof err), SM_ERR_MISMATCH);
    printf("wrong uid: %s\n", err);
    assert_non_null(strstr(err, "this mat is 1111111111111111"));
    mi.uid[0] = 0;
    mi.rows = 16;
    assert_int_equal(sm_calib_file_load(path, &mi, &d2, err, sizeof err), SM_ERR_MISMATCH);
    printf("wrong size: %s\n", err);
    assert_int_equal(
        sm_calib_file_load(ts_path(ts_tempdir(), "none.json"), NULL, &d2, err, sizeof err),
        SM_ERR_IO);
    printf("missing: %s\n", err);
    /* the reference profile: regenerate with SM_WRITE_REFERENCE=1, else check it parses */
    const char *ref = SM_REPO_DIR "/calibration/reference-mat-32x24.json";
    /* A default for any mat of this design: the fitted curve and creep, typical per-cell values
     * (offset 1.5, noise 2 counts, gain 1, nothing masked), no verification. */
    for (int i = 0; i < 768; i++) {
        d1.offset[i] = 1.5f;
        d1.noise[i] = 2.0f;
        d1.gain[i] = 1.0f;
        d1.mask[i] = SM_CALIB_CELL_OK;
    }
    memset(&d1.verify, 0, sizeof d1.verify);
    d1.verify.tolerance_pct = SM_CALIB_TOLERANCE_PCT;
    d1.uid[0] = 0;
    strcpy(d1.created, "2025-01-31T00:00:00Z");
    char m[96];
    snprintf(m, sizeof m, "default: simulator fit (calibration-steps, seed 1): %.50s", d1.method);
    strcpy(d1.method, m);
    if (getenv("SM_WRITE_REFERENCE"))
        assert_int_equal(sm_calib_file_save(ref, &d1, err, sizeof err), SM_OK);
    sm_status st = sm_calib_file_load(ref, NULL, &d2, err, sizeof err);
    if (st != SM_OK)
        printf("reference: %s\n", err);
    assert_int_equal(st, SM_OK);
    assert_int_equal(d2.rows, 32);
    assert_int_equal(d2.cols, 24);
    sm_calib_t *cal = NULL;
    assert_int_equal(sm_calib_create(&d2, &cal, err, sizeof err), SM_OK);
    sm_calib_destroy(cal);
    free(t1);
    free(t2);
}

static void test_paths(void **state)
{
    (void)state;
    char buf[256];
    assert_int_equal(sm_calib_path_for("/x/data", "/home/u", "0123456789abcdef", buf, sizeof buf),
                     SM_OK);
    assert_string_equal(buf, "/x/data/steadymat/calibration/0123456789abcdef.json");
    assert_int_equal(sm_calib_path_for("", "/home/u", "0123456789abcdef", buf, sizeof buf), SM_OK);
    assert_string_equal(buf, "/home/u/.local/share/steadymat/calibration/0123456789abcdef.json");
    assert_int_equal(sm_calib_path_for("relative", "/home/u", "0123456789abcdef", buf, sizeof buf),
                     SM_OK);
    assert_non_null(strstr(buf, "/home/u/.local/share"));
    assert_int_equal(sm_calib_path_for(NULL, NULL, "0123456789abcdef", buf, sizeof buf),
                     SM_ERR_ARG);
    assert_int_equal(sm_calib_path_for(NULL, "/h", "../../etc/passwd", buf, sizeof buf),
                     SM_ERR_ARG);
    assert_int_equal(sm_calib_path_for(NULL, "/h", "0123456789abcdeg", buf, sizeof buf),
                     SM_ERR_ARG);
    assert_int_equal(sm_calib_path_for(NULL, "/h", "0123456789abcdef", buf, 10), SM_ERR_RANGE);
    assert_int_equal(sm_calib_default_path("0123456789abcdef", buf, sizeof buf), SM_OK);
}

static void expect_reject(const char *text, size_t n, const char *why)
{
    char err[200];
    memset(err, 'x', sizeof err);
    char *copy = malloc(n ? n : 1); /* exact size: reading past the end is caught */
    assert_non_null(copy);
    memcpy(copy, text, n);
    sm_status st = sm_calib_file_parse(copy, n, NULL, &d2, err, sizeof err);
    free(copy);
    if (st == SM_OK)
        printf("accepted (%s)\n", why);
    assert_true(st < 0);
    assert_non_null(memchr(err, 0, sizeof err));
    assert_true(strlen(err) > 0 && !strchr(err, '\n'));
}

/* Not inlined: gcc -O2 otherwise mistakes the caller's buffer for a dangling pointer. */
__attribute__((noinline)) static char *replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    assert_non_null(p);
    size_t a = (size_t)(p - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
    char *o = malloc(n - fl + tl + 1);
    assert_non_null(o);
    memcpy(o, text, a);
    memcpy(o + a, to, tl);
    memcpy(o + a + tl, p + fl, n - a - fl + 1);
    return o;
}

/* text with the number of member key set to value (the first such member). */
static char *set_member(const char *text, const char *key, const char *value)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t k = strcspn(p, ",\n}");
    char old[64];
    assert_true(k < sizeof old);
    memcpy(old, p, k);
    old[k] = 0;
    char from[160], to[160];
    snprintf(from, sizeof from, "%s%s", pat, old);
    snprintf(to, sizeof to, "%s%s", pat, value);
    return replace(text, from, to);
}

/* Parseable but physically wrong: refused with the member named, never trusted. */
static void test_physical_sense(void **state)
{
    (void)state;
    size_t len;
    char *t = valid_text(&len);
    char err[200];
    const char *bad[][3] = {
        {"a_kpa", "1e-320", "a_kpa"},
        {"a_kpa", "0", "a_kpa"},
        {"a_kpa", "1e300", "a_kpa"},
        {"hi_kpa", "0", "hi_kpa"},
        {"hi_kpa", "1e-320", "hi_kpa"},
        {"lo_kpa", "1e9", "lo_kpa"},
        {"t0_s", "1e-320", "t0_s"},
        {"recovery_s", "1e-320", "recovery_s"},
        {"b", "1e-320", "exponent b"},
        {"onset_kpa", "-1", "onset_kpa"},
        {"per_decade", "1e300", "per_decade"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *e = set_member(t, bad[i][0], bad[i][1]);
        sm_status st = sm_calib_file_parse(e, strlen(e), NULL, &d2, err, sizeof err);
        printf("%s = %s -> %d: %s\n", bad[i][0], bad[i][1], st, err);
        assert_int_equal(st, SM_ERR_FORMAT);
        assert_non_null(strstr(err, bad[i][2]));
        free(e);
    }
    /* lo above hi, with both in range on their own */
    char *e1 = set_member(t, "hi_kpa", "50");
    char *e2 = set_member(e1, "lo_kpa", "80");
    assert_int_equal(sm_calib_file_parse(e2, strlen(e2), NULL, &d2, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "lo_kpa"));
    free(e1);
    free(e2);
    free(t);
}

static void test_hostile(void **state)
{
    (void)state;
    size_t len;
    char *t = valid_text(&len);
    char err[200];
    assert_int_equal(sm_calib_file_parse(t, len, NULL, &d2, err, sizeof err), SM_OK);
    /* every truncation */
    for (size_t n = 0; n < len; n++) {
        int only_ws = 1;
        for (size_t i = n; i < len; i++)
            if (!strchr(" \t\r\n", t[i]))
                only_ws = 0;
        if (!only_ws)
            expect_reject(t, n, "truncated");
    }
    sm_calib_file_parse(t, len / 2, NULL, &d2, err, sizeof err);
    printf("truncated: %s\n", err);
    /* random bytes, and random bit flips of the valid file */
    uint64_t rng = 99;
    char *junk = malloc(len);
    assert_non_null(junk);
    for (int k = 0; k < 3000; k++) {
        size_t n = ts_rand(&rng) % len;
        for (size_t i = 0; i < n; i++)
            junk[i] = (char)ts_rand(&rng);
        expect_reject(junk, n, "random");
        memcpy(junk, t, len);
        for (int f = 0; f < 3; f++)
            junk[ts_rand(&rng) % len] ^= (char)(1u << (ts_rand(&rng) % 8));
        (void)sm_calib_file_parse(junk, len, NULL, &d2, err, sizeof err); /* no crash */
    }
    free(junk);
    /* targeted edits */
    const char *edits[][3] = {
        {"\"version\": 1", "\"version\": 2", "newer version"},
        {"\"version\": 1", "\"version\": \"1\"", "version as a string"},
        {"\"format\": \"steadymat-calibration\"", "\"format\": \"other\"", "format"},
        {"\"rows\": 4", "\"rows\": 65", "rows"},
        {"\"rows\": 4", "\"rows\": 5", "array length"},
        {"\"rows\": 4", "\"rows\": 4.5", "fractional rows"},
        {"\"uid\": \"0123456789abcdef\"", "\"uid\": \"0123\"", "short uid"},
        {"\"uid\": \"0123456789abcdef\"", "\"uid\": 12", "uid type"},
        {"1.25000", "-1.25000", "negative gain"},
        {"1.25000", "NaN", "NaN gain"},
        {"1.25000", "1e999", "huge gain"},
        {"1.25000", "\"1.25\"", "gain as a string"},
        {"1.25000", "[1.25]", "gain as an array"},
        {"\"readout\": \"divider\"", "\"readout\": \"magic\"", "readout"},
        {"\"model\": \"power-onset\"", "\"model\": \"spline\"", "curve model"},
        {"\"pass\": false", "\"pass\": 0", "pass type"},
        {"\"cells\": {", "\"cells\": [], \"x\": {", "cells type"},
        {"\"mask\": [", "\"mask\": [ 7,", "mask value and length"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *e = replace(t, edits[i][0], edits[i][1]);
        sm_status st = sm_calib_file_parse(e, strlen(e), NULL, &d2, err, sizeof err);
        printf("%-24s -> %d: %s\n", edits[i][2], st, err);
        assert_true(st == SM_ERR_FORMAT || st == SM_ERR_VERSION);
        if (i == 0)
            assert_int_equal(st, SM_ERR_VERSION);
        free(e);
    }
    /* the wrong mat, from memory */
    sm_mat_info_t mi;
    memset(&mi, 0, sizeof mi);
    strcpy(mi.uid, "ffffffffffffffff");
    assert_int_equal(sm_calib_file_parse(t, len, &mi, &d2, err, sizeof err), SM_ERR_MISMATCH);
    mi.uid[0] = 0;
    mi.rows = 3;
    mi.cols = 4;
    assert_int_equal(sm_calib_file_parse(t, len, &mi, &d2, err, sizeof err), SM_ERR_MISMATCH);
    /* a huge array and deep nesting */
    size_t big = 200000;
    char *h = malloc(big * 2 + 64);
    assert_non_null(h);
    strcpy(h, "{\"format\":\"steadymat-calibration\",\"version\":1,\"x\":[");
    size_t p = strlen(h);
    for (size_t i = 0; i < big; i++) {
        h[p++] = '1';
        h[p++] = ',';
    }
    strcpy(h + p, "1]}");
    expect_reject(h, strlen(h), "huge array");
    p = 0;
    for (int i = 0; i < 10000; i++)
        h[p++] = '[';
    expect_reject(h, p, "deep nesting");
    free(h);
    /* trailing garbage */
    char *g = malloc(len + 8);
    assert_non_null(g);
    memcpy(g, t, len);
    memcpy(g + len, " {}", 3);
    expect_reject(g, len + 3, "trailing");
    free(g);
    free(t);
    (void)d1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_physical_sense),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
