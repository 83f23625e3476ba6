/* Template files: save/load/mirror round trips through the user's data directory, safe file
 * names, list and delete, and hostile files rejected with one clear line. */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_contact.h"
#include "sm_sim.h"
#include "sm_template.h"
#include "sm_template_file.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))

/* A real template: captured from the simulated hook patient, with two zones. */
static void make_template(sm_template_t *t, const char *name)
{
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.scenario = "hook-two-phase";
    sm_sim_t *sim = NULL;
    assert_int_equal(sm_sim_create(&c, &sim), SM_OK);
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.posture = SM_POSTURE_SIDE;
    cs.tool = SM_TOOL_HOOK;
    sm_contact_t *ct = NULL;
    assert_int_equal(sm_contact_create(c.rows, c.cols, c.pitch_mm, &cs, &ct), SM_OK);
    static uint16_t cells[4096];
    sm_contact_frame_t f;
    for (int k = 0; k <= 100; k++) {
        sm_sim_render(sim, US(10 + k / 50.0), cells);
        sm_contact_update_u16(ct, cells, 10 + k / 50.0, &f);
    }
    sm_mat_view_t v = {&f, sm_contact_labels(ct), NULL, cells, c.rows, c.cols, c.pitch_mm};
    assert_int_equal(sm_template_capture(&v, name, SM_PROTO_HIP_HOOK, SM_POSTURE_SIDE, t), SM_OK);
    sm_template_loc_t loc;
    sm_template_locate(t, &v, NULL, NULL, &loc);
    t->nzones = 2;
    assert_int_equal(
        sm_zone_from_mat(SM_ZONE_ELLIPSE, 300, 600, 360, 650, &loc.frame, &t->zones[0]), SM_OK);
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, 10, 20, 60, 90, NULL, &t->zones[1]), SM_OK);
    t->zones[1].body = 0;
    sm_contact_destroy(ct);
    sm_sim_destroy(sim);
}

static void assert_same(const sm_template_t *a, const sm_template_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->protocol, b->protocol);
    assert_int_equal(a->posture, b->posture);
    assert_int_equal(a->side, b->side);
    assert_int_equal(a->mirrored, b->mirrored);
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->cols, b->cols);
    assert_int_equal(a->has_tool, b->has_tool);
    assert_int_equal(a->ncells, b->ncells);
    assert_int_equal(a->nzones, b->nzones);
    assert_int_equal(a->body.present, b->body.present);
    assert_int_equal(a->body.nx, b->body.nx);
    assert_int_equal(a->body.ny, b->body.ny);
    /* numbers are written to 0.01 mm (0.001 for the reference) */
    assert_true(fabs(a->tool_x_mm - b->tool_x_mm) < 0.006 &&
                fabs(a->rel_y_mm - b->rel_y_mm) < 0.006);
    assert_true(fabs(a->fp_angle_rad - b->fp_angle_rad) < 1e-3);
    assert_true(fabs(a->body.ref_y_mm - b->body.ref_y_mm) < 6e-4);
    for (int i = 0; i < a->body.nx; i++)
        assert_true(fabs(a->body.px[i] - b->body.px[i]) <= 1e-3 * (1 + a->body.px[i]));
    for (int i = 0; i < a->nzones; i++) {
        assert_int_equal(a->zones[i].kind, b->zones[i].kind);
        assert_int_equal(a->zones[i].body, b->zones[i].body);
        assert_true(fabs(a->zones[i].x0 - b->zones[i].x0) < 0.006);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *dir = ts_path(ts_tempdir(), "data/steadymat/templates");
    sm_template_t t, back, m, mback;
    make_template(&t, "Left hook – psoas");
    char err[256];
    assert_int_equal(sm_template_store_save(dir, &t, err, sizeof err), SM_OK);
    char path[512];
    assert_int_equal(sm_template_path(dir, t.name, path, sizeof path), SM_OK);
    assert_string_equal(strrchr(path, '/'), "/left-hook-psoas.json");
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* a person's placement is private */
    assert_int_equal(sm_template_store_load(dir, "left hook  psoas", &back, err, sizeof err),
                     SM_OK);
    assert_same(&t, &back);
    /* saving what was loaded writes the same text again (apart from the time) */
    char *a = NULL, *b = NULL;
    assert_int_equal(sm_template_file_format(&back, "x", &a, err, sizeof err), SM_OK);
    sm_template_t again;
    assert_int_equal(sm_template_file_parse(a, strlen(a), &again, err, sizeof err), SM_OK);
    assert_int_equal(sm_template_file_format(&again, "x", &b, err, sizeof err), SM_OK);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* mirrored: saved under its own name, loads mirrored, and mirrors back to the original */
    sm_template_mirror(&t, &m);
    snprintf(m.name, sizeof m.name, "Right hook - psoas");
    assert_int_equal(sm_template_store_save(dir, &m, err, sizeof err), SM_OK);
    assert_int_equal(sm_template_store_load(dir, "Right hook - psoas", &mback, err, sizeof err),
                     SM_OK);
    assert_true(mback.mirrored && mback.side != t.side);
    assert_same(&m, &mback);
    sm_template_mirror(&mback, &mback);
    snprintf(mback.name, sizeof mback.name, "%s", t.name);
    assert_same(&t, &mback);
    /* a zones-only template (no placement) too */
    sm_template_t z = t;
    z.has_tool = 0;
    snprintf(z.name, sizeof z.name, "fold only");
    assert_int_equal(sm_template_store_save(dir, &z, err, sizeof err), SM_OK);
    assert_int_equal(sm_template_store_load(dir, "fold only", &back, err, sizeof err), SM_OK);
    assert_false(back.has_tool);
    assert_int_equal(back.nzones, 2);

    /* list, sorted by name; a foreign file is skipped and reported */
    assert_int_equal(ts_write_file(ts_path(dir, "junk.json"), "{}", 2), 0);
    assert_int_equal(ts_write_file(ts_path(dir, "notes.txt"), "hi", 2), 0);
    sm_template_entry_t e[8];
    size_t n = 0, bad = 0;
    assert_int_equal(sm_template_store_list(dir, e, 8, &n, &bad, err, sizeof err), SM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(bad, 1);
    assert_non_null(strstr(err, "junk.json"));
    assert_string_equal(e[0].name, "Left hook – psoas");
    assert_string_equal(e[1].name, "Right hook - psoas");
    assert_string_equal(e[2].name, "fold only");
    assert_true(e[1].mirrored && e[0].has_tool && !e[2].has_tool && e[2].nzones == 2);
    assert_string_equal(e[0].file, "left-hook-psoas.json");
    /* delete */
    assert_int_equal(sm_template_store_delete(dir, "fold only", err, sizeof err), SM_OK);
    assert_int_equal(sm_template_store_delete(dir, "fold only", err, sizeof err), SM_ERR_IO);
    assert_non_null(strstr(err, "no template named"));
    assert_int_equal(sm_template_store_load(dir, "fold only", &back, err, sizeof err), SM_ERR_IO);
    assert_int_equal(sm_template_store_list(dir, e, 8, &n, NULL, err, sizeof err), SM_OK);
    assert_int_equal(n, 2);
    /* a missing directory is an empty store */
    assert_int_equal(sm_template_store_list(ts_path(dir, "none"), e, 8, &n, &bad, err, sizeof err),
                     SM_OK);
    assert_int_equal(n, 0);
}

static void test_names_and_paths(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"Right ASIS / 2", "right-asis-2"},
        {"../../etc/passwd", "etc-passwd"},
        {"  spaced  out  ", "spaced-out"},
        {"Hüfte links", "h-fte-links"},
        {"a--b__c", "a-b__c"},
        {"-x-", "x"},
        {"UPPER", "upper"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(sm_template_file_name(rows[i].in, buf, sizeof buf), SM_OK);
        if (strcmp(buf, rows[i].out) != 0)
            fail_msg("\"%s\" -> \"%s\", expected \"%s\"", rows[i].in, buf, rows[i].out);
    }
    assert_int_equal(sm_template_file_name("..", buf, sizeof buf), SM_ERR_ARG);
    assert_int_equal(sm_template_file_name("///", buf, sizeof buf), SM_ERR_ARG);
    assert_int_equal(sm_template_file_name("", buf, sizeof buf), SM_ERR_ARG);
    assert_int_equal(sm_template_file_name("abcdef", buf, 4), SM_ERR_RANGE);
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(sm_template_file_name(longname, buf, sizeof buf), SM_OK);
    assert_int_equal(strlen(buf), SM_TEMPLATE_FILE_STEM);
    char p[256];
    assert_int_equal(sm_template_dir_for("/x/data", "/home/u", p, sizeof p), SM_OK);
    assert_string_equal(p, "/x/data/steadymat/templates");
    assert_int_equal(sm_template_dir_for("relative", "/home/u", p, sizeof p), SM_OK);
    assert_string_equal(p, "/home/u/.local/share/steadymat/templates");
    assert_int_equal(sm_template_dir_for(NULL, NULL, p, sizeof p), SM_ERR_ARG);
    assert_int_equal(sm_template_dir_for("/x", NULL, p, 5), SM_ERR_RANGE);
    assert_int_equal(sm_template_path("/d", "My spot", p, sizeof p), SM_OK);
    assert_string_equal(p, "/d/my-spot.json");
    /* the default store follows $XDG_DATA_HOME */
    const char *dir = ts_tempdir();
    setenv("XDG_DATA_HOME", dir, 1);
    sm_template_t t;
    make_template(&t, "env");
    char err[200];
    assert_int_equal(sm_template_store_save(NULL, &t, err, sizeof err), SM_OK);
    struct stat sb;
    assert_int_equal(stat(ts_path(dir, "steadymat/templates/env.json"), &sb), 0);
    char bad_name[8] = "...";
    snprintf(t.name, sizeof t.name, "%s", bad_name);
    assert_int_equal(sm_template_store_save(NULL, &t, err, sizeof err), SM_ERR_ARG);
    assert_non_null(strstr(err, "no letters or digits"));
}

/* Every hostile input gives an error with one line that says what is wrong. */
static void expect_bad(const char *text, size_t n, sm_status want, const char *words)
{
    sm_template_t t;
    char err[256];
    sm_status st = sm_template_file_parse(text, n, &t, err, sizeof err);
    if (st == SM_OK)
        fail_msg("accepted: %.80s", text);
    if (want && st != want)
        fail_msg("status %d for %.60s: %s", st, text, err);
    assert_true(err[0] && !strchr(err, '\n'));
    if (words && !strstr(err, words))
        fail_msg("message \"%s\" lacks \"%s\"", err, words);
    assert_int_equal(t.has_tool, 0); /* zeroed */
    assert_int_equal(t.name[0], 0);
}

/* The good text with the first occurrence of from replaced by to. */
static char *edit(const char *good, const char *from, const char *to)
{
    const char *p = strstr(good, from);
    assert_non_null(p);
    size_t n = strlen(good) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    size_t k = (size_t)(p - good);
    memcpy(s, good, k);
    strcpy(s + k, to);
    strcat(s, p + strlen(from));
    return s;
}

static void test_hostile(void **state)
{
    (void)state;
    sm_template_t t;
    make_template(&t, "hostile");
    char *good = NULL, err[256];
    assert_int_equal(sm_template_file_format(&t, "2025-01-01T00:00:00Z", &good, err, sizeof err),
                     SM_OK);
    size_t n = strlen(good);
    sm_template_t ok;
    assert_int_equal(sm_template_file_parse(good, n, &ok, err, sizeof err), SM_OK);
    /* every truncation */
    for (size_t k = 0; k < n - 2; k += 1 + k / 50)
        expect_bad(good, k, SM_ERR_FORMAT, NULL);
    expect_bad(good, n - 3, SM_ERR_FORMAT, "truncated");
    /* random bit flips: never a crash; when still accepted, valid */
    uint64_t rng = 42;
    char *copy = malloc(n);
    for (int it = 0; it < 2000; it++) {
        memcpy(copy, good, n);
        for (int f = 0; f < 3; f++) {
            size_t at = ts_rand(&rng) % n;
            copy[at] ^= (char)(1u << (ts_rand(&rng) % 8));
        }
        sm_template_t x;
        if (sm_template_file_parse(copy, n, &x, err, sizeof err) == SM_OK)
            assert_int_equal(sm_template_validate(&x, err, sizeof err), SM_OK);
        else
            assert_true(err[0] && !strchr(err, '\n'));
    }
    free(copy);
    static const struct {
        const char *from, *to, *words;
        sm_status st;
    } edits[] = {
        {"\"steadymat-template\"", "\"steadymat-calibration\"", "not a SteadyMat template", 0},
        {"\"version\": 1", "\"version\": 7", "newer", SM_ERR_VERSION},
        {"\"version\": 1", "\"version\": 1.5", "version", 0},
        {"\"protocol\": \"hip-hook\"", "\"protocol\": \"yoga\"", "protocol", 0},
        {"\"posture\": \"side\"", "\"posture\": 3", "posture", 0},
        {"\"mirrored\": false", "\"mirrored\": 0", "mirrored", 0},
        {"\"rows\": 32", "\"rows\": 65", "rows", 0},
        {"\"pitch_mm\": 25", "\"pitch_mm\": -25", "mat", 0},
        {"\"x_mm\": ", "\"x_mm\": 1e300, \"old\": ", "range", 0},
        {"\"name\": \"hostile\"", "\"name\": \"\"", "name", 0},
        {"\"name\": \"hostile\"", "\"name\": \"a\\u0000b\"", "name", 0},
        {"\"name\": \"hostile\"", "\"name\": \"tab\\there\"", "control", 0},
        {"\"shape\": \"ellipse\"", "\"shape\": \"star\"", "zones[0]", 0},
        {"\"frame\": \"mat\"", "\"frame\": \"moon\"", "zones[1]", 0},
        {"\"body\": {", "\"body\": null, \"was\": {", "no body", 0},
        {"\"across\": [", "\"across\": [-5, ", "body", 0},
        {"\"zones\": [", "\"zones\": {\"a\": [", NULL, 0},
        {"\"placement\": {", "\"placement\": 5, \"p\": {", "placement", 0},
        {"\"cells\": [", "\"cells\": [[1], ", "cells[0]", 0},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *s = edit(good, edits[i].from, edits[i].to);
        expect_bad(s, strlen(s), edits[i].st, edits[i].words);
        free(s);
    }
    /* structural: not an object, trailing bytes, too many zones, too big, empty */
    expect_bad("[1,2]", 5, SM_ERR_FORMAT, "object");
    char *trail = malloc(n + 3);
    memcpy(trail, good, n);
    memcpy(trail + n, "{}", 3);
    expect_bad(trail, n + 2, SM_ERR_FORMAT, NULL); /* json-c may see it first */
    free(trail);
    expect_bad("", 0, SM_ERR_FORMAT, "empty");
    expect_bad(good, SM_TEMPLATE_FILE_MAX + 1, SM_ERR_FORMAT, "more than");
    char zones[4096] = "\"zones\": [";
    for (int i = 0; i < 17; i++)
        strcat(zones, "{\"shape\": \"rect\", \"frame\": \"mat\", \"x0_mm\": 0, \"y0_mm\": 0, "
                      "\"x1_mm\": 5, \"y1_mm\": 5},");
    char *many = edit(good, "\"zones\": [", zones);
    expect_bad(many, strlen(many), SM_ERR_FORMAT, "at most 16");
    free(many);
    /* the loader names the file; a file too large is refused before parsing */
    const char *dir = ts_tempdir();
    const char *p = ts_path(dir, "big.json");
    char *big = calloc(1, SM_TEMPLATE_FILE_MAX + 10);
    memset(big, ' ', SM_TEMPLATE_FILE_MAX + 9);
    assert_int_equal(ts_write_file(p, big, SM_TEMPLATE_FILE_MAX + 9), 0);
    free(big);
    assert_int_equal(sm_template_file_load(p, &t, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "big.json"));
    assert_int_equal(sm_template_file_load(ts_path(dir, "missing.json"), &t, err, sizeof err),
                     SM_ERR_IO);
    assert_non_null(strstr(err, "missing.json"));
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_names_and_paths),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
