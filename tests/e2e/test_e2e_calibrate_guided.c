/* The guided calibration run unattended: `steadymat calibrate --sim calibration-steps --headless`
 * walks through every step by load detection, fits, saves and verifies; a mat that is not empty
 * for the zero step is reported ("redo") and the run stops instead of hanging. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

#include "sm_sim.h"
#include "testsupport.h"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = ts_tempdir();
    return dir ? 0 : -1;
}

static void sim_faults(int *dead, int *stuck)
{
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "calibration-steps";
    sm_sim_t *sim;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    *dead = *stuck = 0;
    for (int r = 0; r < cfg.rows; r++)
        for (int c = 0; c < cfg.cols; c++) {
            int k = sm_sim_cell_fault(sim, r, c);
            *dead += k == SM_SIM_CELL_DEAD;
            *stuck += k == SM_SIM_CELL_STUCK;
        }
    sm_sim_destroy(sim);
}

static const char *const step_names[] = {"condition", "zero",  "equalise",
                                         "load",      "creep", "verify"};

static void unattended_run_passes_and_masks_the_faulty_cells(void **state)
{
    (void)state;
    char cal[512];
    snprintf(cal, sizeof cal, "%s", ts_path(dir, "guided.json"));
    const char *a[] = {"steadymat",
                       "calibrate",
                       "--sim",
                       "calibration-steps",
                       "--speed",
                       "40",
                       "--headless",
                       "--masses",
                       "5,10,20,20,10",
                       "--verify-mass",
                       "15",
                       "--out",
                       cal,
                       "--json",
                       NULL};
    int rc;
    char *err = NULL;
    json_object *j = ts_run_json(a, 180, &rc, &err);
    assert_non_null(j);
    if (rc != 0)
        fprintf(stderr, "%s\n", err ? err : "");
    assert_int_equal(rc, 0);
    json_object *v, *pass, *saved;
    assert_true(json_object_object_get_ex(j, "verify", &v));
    assert_true(json_object_object_get_ex(v, "pass", &pass));
    assert_true(json_object_get_boolean(pass));
    assert_true(json_object_object_get_ex(j, "saved", &saved));
    assert_true(json_object_get_boolean(saved));
    int dead, stuck;
    sim_faults(&dead, &stuck);
    assert_true(dead + stuck > 0);
    assert_int_equal((int)ts_json_num(j, "dead_cells"), dead);
    assert_int_equal((int)ts_json_num(j, "stuck_cells"), stuck);
    /* Every step ran once and was accepted: 1 + 1 + 9 + 5 + 1 + 1. */
    json_object *steps;
    assert_true(json_object_object_get_ex(j, "steps", &steps));
    assert_int_equal((int)json_object_array_length(steps), 18);
    for (size_t i = 0; i < json_object_array_length(steps); i++) {
        json_object *s = json_object_array_get_idx(steps, i), *ok;
        assert_true(json_object_object_get_ex(s, "ok", &ok));
        assert_true(json_object_get_boolean(ok));
    }
    /* With --json the log goes to stderr: it still names every step. */
    assert_non_null(err);
    for (size_t i = 0; i < sizeof step_names / sizeof step_names[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "ok: %s", step_names[i]);
        if (strcmp(step_names[i], "load") && strcmp(step_names[i], "verify"))
            assert_non_null(strstr(err, want));
    }
    free(err);
    json_object_put(j);
    char *text = ts_read_file(cal, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "steadymat-calibration"));
    free(text);
}

static void step_log_on_stdout_mentions_every_step(void **state)
{
    (void)state;
    char cal[512];
    snprintf(cal, sizeof cal, "%s", ts_path(dir, "guided2.json"));
    const char *a[] = {
        "steadymat",  "calibrate", "--sim",         "calibration-steps", "--speed", "80",
        "--headless", "--masses",  "5,10,20,20,10", "--verify-mass",     "15",      "--out",
        cal,          NULL};
    char *out = NULL, *err = NULL;
    int rc = ts_run_steadymat(a, 180, &out, &err);
    if (rc != 0)
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(out);
    static const char *const want[] = {"Step 1 of 18 - Condition the mat",
                                       "Step 2 of 18 - Zero: Take everything off the mat",
                                       "Even load 1 of 9",
                                       "Even load 9 of 9",
                                       "Put the 5 kg plate in the middle",
                                       "Known load 5 of 5",
                                       "Step 17 of 18 - Creep",
                                       "Step 18 of 18 - Verify",
                                       "ok: condition",
                                       "ok: zero",
                                       "ok: equalise: placement 9",
                                       "ok: 5.0 kg",
                                       "ok: creep",
                                       "ok: 15.0 kg",
                                       "verification: 15.0 kg",
                                       "PASS",
                                       "saved "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(out, want[i]))
            fprintf(stderr, "missing '%s' in:\n%s\n", want[i], out);
        assert_non_null(strstr(out, want[i]));
    }
    assert_null(strstr(out, "Redo"));
    free(out);
    free(err);
}

/* Load a PNG as ARGB8888 (the test fails when it cannot). */
static SDL_Surface *load_png(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    if (!raw)
        fail_msg("IMG_Load %s: %s", path, IMG_GetError());
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    assert_non_null(s);
    return s;
}

/* Pixels in the top sixth of the picture (the title) that are green or red. */
static void title_colours(SDL_Surface *s, int *green, int *red)
{
    *green = *red = 0;
    for (int y = 0; y < s->h / 6; y++)
        for (int x = 0; x < s->w; x++) {
            Uint32 p = ((const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch))[x];
            int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
            *green += g > 180 && r < 90 && b < 140;
            *red += r > 200 && g < 80 && b < 80;
        }
}

/* The window's screens, headless: first what to prepare (listed on stdout too, with the masses
 * the steps will ask for), at the end the result with its verdict in green; --no-wait in a
 * window (SDL's dummy driver here) goes through both without a key and ends. */
static void need_and_result_screens(void **state)
{
    (void)state;
    char cal[512], need[512], res[512];
    snprintf(cal, sizeof cal, "%s", ts_path(dir, "screens.json"));
    snprintf(need, sizeof need, "%s", ts_path(dir, "need.png"));
    snprintf(res, sizeof res, "%s", ts_path(dir, "result.png"));
    const char *a[] = {"steadymat",
                       "calibrate",
                       "--sim",
                       "calibration-steps",
                       "--speed",
                       "80",
                       "--headless",
                       "--masses",
                       "5,10,20,20,10",
                       "--verify-mass",
                       "15",
                       "--out",
                       cal,
                       "--screenshot",
                       need,
                       "--screenshot-step",
                       "0",
                       NULL};
    char *out = NULL, *err = NULL;
    int rc = ts_run_steadymat(a, 180, &out, &err);
    if (rc != 0)
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "You will need:"));
    assert_non_null(strstr(out, "30 x 40 cm with about 75 kg"));
    assert_non_null(strstr(out, "10 x 10 cm"));
    assert_non_null(strstr(out, "5, 10 and 20 kg for 5 load steps"));
    assert_non_null(strstr(out, "A fresh 15 kg test load"));
    /* the list comes before the first step */
    assert_true(strstr(out, "You will need:") < strstr(out, "Step 1 of 18"));
    free(out);
    free(err);
    SDL_Surface *s = load_png(need);
    int green, red;
    title_colours(s, &green, &red);
    assert_int_equal(green + red, 0); /* a list, no verdict */
    SDL_FreeSurface(s);

    const char *b[] = {"steadymat", "calibrate", "--sim",    "calibration-steps", "--speed",
                       "80",        "--no-wait", "--masses", "5,10,20,20,10",     "--verify-mass",
                       "15",        "--out",     cal,        "--force",           "--screenshot",
                       res,         NULL};
    out = err = NULL;
    rc = ts_run_steadymat(b, 180, &out, &err);
    if (rc != 0)
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out ? out : "", err ? err : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "PASS"));
    free(out);
    free(err);
    s = load_png(res);
    title_colours(s, &green, &red);
    assert_true(green > 2000); /* "Calibration PASSED" in green */
    assert_true(red < green / 20);
    SDL_FreeSurface(s);
}

static void mat_not_empty_for_zero_says_redo_and_fails(void **state)
{
    (void)state;
    char cal[512];
    snprintf(cal, sizeof cal, "%s", ts_path(dir, "never.json"));
    const char *a[] = {"steadymat", "calibrate",  "--sim",    "ball-steady", "--speed",
                       "40",        "--headless", "--masses", "5,10,20",     "--verify-mass",
                       "15",        "--out",      cal,        NULL};
    char *out = NULL, *err = NULL;
    int rc = ts_run_steadymat(a, 60, &out, &err);
    assert_int_equal(rc, 1);
    assert_non_null(out);
    assert_non_null(err);
    assert_non_null(strstr(out, "Step 2 of 16 - Zero: Take everything off the mat"));
    assert_non_null(strstr(out, "Redo this step"));
    assert_non_null(strstr(out, "the mat was not empty"));
    assert_non_null(strstr(err, "timed out"));
    assert_non_null(strstr(err, "nothing on the mat"));
    assert_int_equal(ts_read_file(cal, NULL) == NULL, 1); /* nothing saved */
    free(out);
    free(err);
}

static void usage_errors(void **state)
{
    (void)state;
    const char *no_masses[] = {"steadymat",         "calibrate",  "--sim",
                               "calibration-steps", "--headless", NULL};
    char *err = NULL;
    /* stdin is not a terminal (the tests give /dev/null): nobody to ask, a usage error. */
    assert_int_equal(ts_run_steadymat(no_masses, 30, NULL, &err), 2);
    assert_non_null(strstr(err, "--masses"));
    free(err);
    const char *two[] = {"steadymat",  "calibrate", "--sim", "calibration-steps",
                         "--headless", "--masses",  "5,10",  "--verify-mass",
                         "15",         NULL};
    err = NULL;
    assert_int_equal(ts_run_steadymat(two, 30, NULL, &err), 2);
    assert_non_null(strstr(err, "at least three"));
    free(err);
    const char *both[] = {"steadymat", "calibrate", "--sim", "x", "--from", "y", NULL};
    err = NULL;
    assert_int_equal(ts_run_steadymat(both, 30, NULL, &err), 2);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unattended_run_passes_and_masks_the_faulty_cells),
        cmocka_unit_test(step_log_on_stdout_mentions_every_step),
        cmocka_unit_test(need_and_result_screens),
        cmocka_unit_test(mat_not_empty_for_zero_says_redo_and_fails),
        cmocka_unit_test(usage_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
