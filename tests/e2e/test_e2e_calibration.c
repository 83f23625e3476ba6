/* The calibration workflow as a maker runs it, on the simulated mat with known ground truth:
 * record the guided loads, fit, then check fresh loads in newtons against the truth. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_calib_steps.h"
#include "sm_session.h"
#include "sm_sim.h"
#include "testsupport.h"

static const char *dir;
static char session[512], steps[512], calfile[512];

/* The effects the simulated mat runs with in these tests. */
#define EFFECTS "all"

static int setup(void **state)
{
    (void)state;
    dir = ts_tempdir();
    snprintf(session, sizeof session, "%s", ts_path(dir, "cal.smsession"));
    snprintf(steps, sizeof steps, "%s", ts_path(dir, "cal.steps"));
    snprintf(calfile, sizeof calfile, "%s", ts_path(dir, "cal.json"));
    const char *rec[] = {"steadymat",  "live",       "--sim",   "calibration-steps",
                         "--effects",  EFFECTS,      "--speed", "60",
                         "--headless", "--duration", "486",     "--record",
                         session,      NULL};
    char *err = NULL;
    if (ts_run_steadymat(rec, 120, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err ? err : "");
        free(err);
        return -1;
    }
    free(err);
    const char *st[] = {"steadymat",         "sim",           "--scenario",
                        "calibration-steps", "--print-steps", NULL};
    char *out = NULL;
    if (ts_run_steadymat(st, 30, &out, NULL) != 0 || !out)
        return -1;
    int ok = ts_write_file(steps, out, strlen(out)) == 0;
    free(out);
    return ok ? 0 : -1;
}

static void fit_finds_dead_cells_and_passes_verification(void **state)
{
    (void)state;
    const char *a[] = {"steadymat", "calibrate", "--from", session,  "--steps",
                       steps,       "--out",     calfile,  "--json", NULL};
    int rc;
    json_object *j = ts_run_json(a, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object *v;
    assert_true(json_object_object_get_ex(j, "verify", &v));
    json_object *pass;
    assert_true(json_object_object_get_ex(v, "pass", &pass));
    assert_true(json_object_get_boolean(pass));
    /* The cells the simulator broke are the ones the calibration masked. */
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "calibration-steps";
    sm_sim_t *sim;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    int dead = 0, stuck = 0;
    for (int r = 0; r < cfg.rows; r++)
        for (int c = 0; c < cfg.cols; c++) {
            int k = sm_sim_cell_fault(sim, r, c);
            dead += k == SM_SIM_CELL_DEAD;
            stuck += k == SM_SIM_CELL_STUCK;
        }
    sm_sim_destroy(sim);
    assert_true(dead + stuck > 0);
    assert_int_equal((int)ts_json_num(j, "dead_cells"), dead);
    assert_int_equal((int)ts_json_num(j, "stuck_cells"), stuck);
    json_object_put(j);
}

/* Fresh loads the fit never saw (the scenario's check steps), in newtons, against m * g. */
static void fresh_loads_within_five_percent(void **state)
{
    (void)state;
    sm_calib_data_t *d = malloc(sizeof *d);
    char err[256];
    assert_int_equal(sm_calib_file_load(calfile, NULL, d, err, sizeof err), SM_OK);
    sm_calib_t *cal;
    assert_int_equal(sm_calib_create(d, &cal, err, sizeof err), SM_OK);
    free(d);
    sm_calib_creep_t *cr; /* as the live view does: a constant load reads constant */
    assert_int_equal(sm_calib_creep_create(cal, &cr), SM_OK);
    size_t len;
    char *text = ts_read_file(steps, &len);
    sm_calib_steps_t *st = malloc(sizeof *st);
    assert_int_equal(sm_calib_steps_parse(text, len, st, err, sizeof err), SM_OK);
    free(text);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(session, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    static float kpa[SM_MAX_CELLS];
    double sum[SM_CALIB_MAX_STEPS] = {0};
    int n[SM_CALIB_MAX_STEPS] = {0};
    uint64_t first = 0;
    int have_first = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (rec.kind != SM_REC_FRAME)
            continue;
        if (!have_first) {
            first = rec.frame.t_us;
            have_first = 1;
        }
        double t = (rec.frame.t_us - first) / 1e6;
        assert_int_equal(sm_calib_apply(cal, &rec.frame, kpa), SM_OK);
        sm_calib_creep_correct(cr, t, kpa);
        for (size_t k = 0; k < st->n; k++)
            if (st->step[k].kind == SM_CALIB_STEP_CHECK && t >= st->step[k].start_s + 2 &&
                t < st->step[k].end_s) {
                sum[k] += sm_calib_force_n(cal, kpa);
                n[k]++;
            }
    }
    sm_session_reader_close(r);
    int checked = 0;
    for (size_t k = 0; k < st->n; k++) {
        if (st->step[k].kind != SM_CALIB_STEP_CHECK || !n[k])
            continue;
        double truth = st->step[k].mass_kg * SM_CALIB_G;
        double err_pct = 100 * (sum[k] / n[k] - truth) / truth;
        print_message("check %.1f kg: %+.2f %%\n", st->step[k].mass_kg, err_pct);
        assert_true(fabs(err_pct) < 5.0);
        checked++;
    }
    assert_true(checked >= 4);
    free(st);
    sm_calib_creep_destroy(cr);
    sm_calib_destroy(cal);
}

static json_object *replay_json(const char *path, const char *const *extra)
{
    const char *a[16] = {"steadymat", "replay",     path, "--headless", "--speed",
                         "100",       "--duration", "40", "--json"};
    int k = 9;
    for (int i = 0; extra && extra[i]; i++)
        a[k++] = extra[i];
    a[k] = NULL;
    int rc;
    json_object *j = ts_run_json(a, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    return j;
}

static int calibrated(json_object *j)
{
    json_object *v;
    assert_true(json_object_object_get_ex(j, "calibrated", &v));
    return json_object_get_boolean(v);
}

static void saved_by_mat_id_and_found_automatically(void **state)
{
    (void)state;
    const char *data = ts_path(dir, "xdg");
    const char *was = getenv("XDG_DATA_HOME");
    char *saved = was ? strdup(was) : NULL;
    setenv("XDG_DATA_HOME", data, 1);
    const char *a[] = {"steadymat", "calibrate", "--from", session, "--steps", steps, NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(a, 120, NULL, &err), 0);
    assert_non_null(strstr(err, data)); /* it says where it saved */
    free(err);
    json_object *j = replay_json(session, NULL);
    assert_true(calibrated(j));
    json_object *u;
    assert_true(json_object_object_get_ex(j, "units", &u));
    assert_string_equal(json_object_get_string(u), "kPa");
    json_object_put(j);
    const char *mm[] = {"--units", "mmhg", NULL};
    j = replay_json(session, mm);
    assert_true(json_object_object_get_ex(j, "units", &u));
    assert_string_equal(json_object_get_string(u), "mmHg");
    json_object_put(j);
    const char *raw[] = {"--no-calibration", NULL};
    j = replay_json(session, raw);
    assert_false(calibrated(j));
    json_object_put(j);
    if (saved)
        setenv("XDG_DATA_HOME", saved, 1);
    else
        unsetenv("XDG_DATA_HOME");
    free(saved);
}

static void bad_or_foreign_calibration_keeps_running_uncalibrated(void **state)
{
    (void)state;
    /* damaged */
    const char *bad = ts_path(dir, "bad.json");
    assert_int_equal(
        ts_write_file(bad, "{\"format\": \"steadymat-calibration\", \"version\": 1, ", 48), 0);
    const char *e1[] = {"--calibration", bad, NULL};
    json_object *j = replay_json(session, e1);
    assert_false(calibrated(j));
    json_object *m;
    assert_true(json_object_object_get_ex(j, "calibration", &m));
    assert_non_null(strstr(json_object_get_string(m), "Uncalibrated"));
    assert_true(ts_json_num(j, "frames") > 100); /* the session went on */
    json_object_put(j);
    /* another mat size */
    const char *small = ts_path(dir, "small.smsession");
    const char *rec[] = {
        "steadymat", "live", "--sim",      "ball-steady", "--rows", "16",       "--cols", "16",
        "--speed",   "20",   "--headless", "--duration",  "5",      "--record", small,    NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(rec, 60, NULL, &err), 0);
    free(err);
    const char *e2[] = {"--calibration", calfile, NULL};
    j = replay_json(small, e2);
    assert_false(calibrated(j));
    assert_true(json_object_object_get_ex(j, "calibration", &m));
    assert_non_null(strstr(json_object_get_string(m), "16"));
    json_object_put(j);
}

/* The coach on calibrated kPa: a saturated ball contact must not blow up to thousands of kPa
 * and hide the tool. */
static void coach_works_on_calibrated_pressure(void **state)
{
    (void)state;
    const char *ball = ts_path(dir, "ball.smsession");
    const char *rec[] = {"steadymat",  "live",       "--sim", "ball-steady", "--speed", "25",
                         "--headless", "--duration", "75",    "--record",    ball,      NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(rec, 60, NULL, &err), 0);
    free(err);
    const char *e[] = {"--calibration", calfile, NULL};
    const char *a[16] = {"steadymat", "replay", ball, "--headless", "--speed", "50", "--json"};
    int k = 7;
    for (int i = 0; e[i]; i++)
        a[k++] = e[i];
    a[k] = NULL;
    int rc;
    json_object *j = ts_run_json(a, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_true(calibrated(j));
    assert_true(ts_json_num(j, "peak_max") < 500); /* kPa: a real ball, not a divergent cell */
    json_object *holds;
    assert_true(json_object_object_get_ex(j, "holds", &holds));
    assert_int_equal(json_object_array_length(holds), 1);
    json_object *met;
    assert_true(
        json_object_object_get_ex(json_object_array_get_idx(holds, 0), "release_met", &met));
    assert_true(json_object_get_boolean(met));
    json_object_put(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_finds_dead_cells_and_passes_verification),
        cmocka_unit_test(fresh_loads_within_five_percent),
        cmocka_unit_test(saved_by_mat_id_and_found_automatically),
        cmocka_unit_test(bad_or_foreign_calibration_keeps_running_uncalibrated),
        cmocka_unit_test(coach_works_on_calibrated_pressure),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
