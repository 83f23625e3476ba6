/* `steadymat calibrate --from SESSION --steps FILE`: fit a calibration from a recorded session
 * and its step annotations, save it where live sessions find it, and say how good it is. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_calib_steps.h"
#include "sm_calguide.h"
#include "sm_cli.h"
#include "sm_report.h"
#include "sm_clock.h"
#include "sm_file.h"
#include "sm_session.h"

#define USAGE 2

static void help(void)
{
    printf(
        "usage: steadymat calibrate [--port PATH | --sim SCENARIO [--speed X]] [--headless]\n"
        "                           [--no-wait]\n"
        "                           [--masses 5,10,20 --verify-mass 15] [--out FILE] [--json]\n"
        "       steadymat calibrate --from SESSION --steps FILE [--out FILE] [--force] [--json]\n\n"
        "Guided (--port or --sim): big instructions for each step, a progress bar, the result of\n"
        "each step; a step starts when its load is steady for 1 s (or on Enter) and ends after\n"
        "its time; r or Backspace redoes the running step, Esc stops. The window first lists\n"
        "what to prepare and ends on the result (PASS or FAIL, the curve) until Enter;\n"
        "--no-wait goes on by itself. --headless prints the\n"
        "same on stdout and goes on by itself (masses from --masses/--verify-mass, or asked\n"
        "on the terminal); 'steadymat calibrate --sim x --help' lists the guided options.\n"
        "Exit status 0 when the verification passed, 1 otherwise.\n\n"
        "Offline (--from): "
        "Fits a calibration (raw counts -> kPa) from a recorded calibration session and a\n"
        "steps file saying which seconds were which step (see calibration/README.md):\n"
        "  condition, zero (nothing on the mat), equalise (an even load), at least three\n"
        "  load steps with known masses on a flat plate, creep (one load held 90 s),\n"
        "  verify (a fresh known load).\n"
        "The result goes to $XDG_DATA_HOME/steadymat/calibration/<mat id>.json, where\n"
        "'steadymat live' loads it automatically when that mat connects, or to --out.\n"
        "A calibration that fails its verification is not saved unless --force is given.\n\n"
        "  --from SESSION        the recorded session (steadymat live --record ...)\n"
        "  --steps FILE          the step annotations\n"
        "  --out FILE            where to save (default: by the mat's id, as above)\n"
        "  --force               save even when the verification failed\n"
        "  --json                print the result as JSON on stdout\n"
        "To try it without a mat:\n"
        "  steadymat live --sim calibration-steps --speed 20 --headless --duration 485 \\\n"
        "      --record cal.smsession\n"
        "  steadymat sim --scenario calibration-steps --print-steps > cal.steps\n"
        "  steadymat calibrate --from cal.smsession --steps cal.steps --out cal.json\n");
}

static void iso_now(char *buf, size_t n)
{
    time_t t = (time_t)(sm_clock_unix_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int count_mask(const sm_calib_data_t *d, int kind)
{
    int n = 0;
    for (int i = 0; i < d->rows * d->cols; i++)
        n += d->mask[i] == kind;
    return n;
}

static void print_json(const sm_calib_data_t *d, const char *path, int saved, json_object *steps)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object_object_add(o, "saved", json_object_new_boolean(saved));
    json_object_object_add(o, "uid", json_object_new_string(d->uid));
    json_object_object_add(o, "rows", json_object_new_int(d->rows));
    json_object_object_add(o, "cols", json_object_new_int(d->cols));
    json_object *c = json_object_new_object();
    json_object_object_add(c, "a_kpa", json_object_new_double(d->curve.a_kpa));
    json_object_object_add(c, "b", json_object_new_double(d->curve.b));
    json_object_object_add(c, "onset_kpa", json_object_new_double(d->curve.onset_kpa));
    json_object_object_add(c, "rms_pct", json_object_new_double(d->curve.rms_pct));
    json_object_object_add(o, "curve", c);
    json_object_object_add(o, "dead_cells", json_object_new_int(count_mask(d, SM_CALIB_CELL_DEAD)));
    json_object_object_add(o, "stuck_cells",
                           json_object_new_int(count_mask(d, SM_CALIB_CELL_STUCK)));
    json_object_object_add(o, "creep_per_decade", json_object_new_double(d->creep.per_decade));
    json_object *loads = json_object_new_array();
    for (int i = 0; i < d->nloads; i++) {
        json_object *l = json_object_new_object();
        json_object_object_add(l, "mass_kg", json_object_new_double(d->loads[i].mass_kg));
        json_object_object_add(l, "error_pct", json_object_new_double(d->loads[i].error_pct));
        json_object_object_add(l, "area_cm2", json_object_new_double(d->loads[i].area_cm2));
        json_object_array_add(loads, l);
    }
    json_object_object_add(o, "loads", loads);
    json_object *v = json_object_new_object();
    json_object_object_add(v, "done", json_object_new_boolean(d->verify.done));
    json_object_object_add(v, "mass_kg", json_object_new_double(d->verify.mass_kg));
    json_object_object_add(v, "error_pct", json_object_new_double(d->verify.error_pct));
    json_object_object_add(v, "tolerance_pct", json_object_new_double(d->verify.tolerance_pct));
    json_object_object_add(v, "pass", json_object_new_boolean(d->verify.pass));
    json_object_object_add(o, "verify", v);
    if (steps)
        json_object_object_add(o, "steps", json_object_get(steps));
    sm_report_print_json(o, "calibrate");
    json_object_put(o);
}

int sm_calibrate_finish(sm_calib_builder_t *b, const sm_calibrate_finish_t *c)
{
    FILE *log = c->log ? c->log : stderr;
    char err[256];
    sm_calibrate_outcome_t dummy, *oc = c->outcome ? c->outcome : &dummy;
    memset(oc, 0, sizeof *oc);
    sm_calib_data_t *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "steadymat calibrate: out of memory\n");
        return 1;
    }
    sm_status s = sm_calib_builder_finish(b, d, err, sizeof err);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat calibrate: cannot fit a calibration: %s\n", err);
        snprintf(oc->why, sizeof oc->why, "%s", err);
        free(d);
        return 1;
    }
    snprintf(d->uid, sizeof d->uid, "%s", c->uid ? c->uid : "");
    iso_now(d->created, sizeof d->created);
    if (c->method)
        snprintf(d->method, sizeof d->method, "%s", c->method);
    char path[1024];
    if (c->out)
        snprintf(path, sizeof path, "%s", c->out);
    else if (sm_calib_default_path(d->uid, path, sizeof path) != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s: give --out FILE\n",
                c->no_uid ? c->no_uid : "the mat has no id");
        snprintf(oc->why, sizeof oc->why, "%s: give --out FILE",
                 c->no_uid ? c->no_uid : "the mat has no id");
        free(d);
        return 1;
    }
    oc->fitted = 1;
    if (c->result)
        *c->result = *d;
    int pass = !d->verify.done || d->verify.pass;
    int save = pass || c->force;
    fprintf(
        log,
        "calibration: curve %.1f kPa * u^%.3f (+%.2f kPa onset), load steps within %.1f %% RMS; "
        "%d dead and %d stuck cells masked; creep %.1f %% per decade\n",
        d->curve.a_kpa, d->curve.b, d->curve.onset_kpa, d->curve.rms_pct,
        count_mask(d, SM_CALIB_CELL_DEAD), count_mask(d, SM_CALIB_CELL_STUCK),
        100 * d->creep.per_decade);
    if (d->verify.done)
        fprintf(log, "verification: %.1f kg read as %.1f kg (%+.1f %%, tolerance %.0f %%): %s\n",
                d->verify.mass_kg, sm_n_to_kg(d->verify.measured_n), d->verify.error_pct,
                d->verify.tolerance_pct, d->verify.pass ? "PASS" : "FAIL");
    else
        fprintf(log, "verification: no verify step: the calibration is untested\n");
    int rc = 0, saved = 0;
    if (save) {
        if (sm_calib_file_save(path, d, err, sizeof err) != SM_OK) {
            fprintf(stderr, "steadymat calibrate: %s\n", err);
            snprintf(oc->why, sizeof oc->why, "%s", err);
            rc = 1;
        } else {
            fprintf(log, "saved %s\n", path);
            saved = 1;
            oc->saved = 1;
            snprintf(oc->path, sizeof oc->path, "%s", path);
        }
    }
    if (!pass) {
        fprintf(stderr, "steadymat calibrate: verification failed: %s; redo the load steps%s\n",
                save ? "saved anyway (--force)" : "not saved",
                c->failed_steps ? " and the steps marked REDO" : "");
        rc = 1;
    }
    if (c->json)
        print_json(d, path, saved, c->steps_json);
    free(d);
    return rc;
}

int sm_cmd_calibrate(int argc, char **argv)
{
    const char *from = NULL, *steps_path = NULL, *out = NULL;
    int force = 0, json = 0;
    int guided = 0, offline = 0;
    for (int i = 1; i < argc; i++) {
        guided |= !strcmp(argv[i], "--port") || !strcmp(argv[i], "--sim");
        offline |= !strcmp(argv[i], "--from") || !strcmp(argv[i], "--steps");
    }
    if (guided && offline) {
        fprintf(stderr, "steadymat calibrate: --from/--steps (offline) and --port/--sim (guided) "
                        "do not go together (see 'steadymat calibrate --help')\n");
        return USAGE;
    }
    if (guided)
        return sm_calguide_main(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        int has_value = !strcmp(a, "--from") || !strcmp(a, "--steps") || !strcmp(a, "--out");
        if (has_value && i + 1 >= argc) {
            fprintf(stderr,
                    "steadymat calibrate: %s needs a value (see 'steadymat calibrate --help')\n",
                    a);
            return USAGE;
        }
        if (!strcmp(a, "--from"))
            from = argv[++i];
        else if (!strcmp(a, "--steps"))
            steps_path = argv[++i];
        else if (!strcmp(a, "--out"))
            out = argv[++i];
        else if (!strcmp(a, "--force"))
            force = 1;
        else if (!strcmp(a, "--json"))
            json = 1;
        else {
            fprintf(stderr,
                    "steadymat calibrate: unknown option '%s' (see 'steadymat calibrate --help')\n",
                    a);
            return USAGE;
        }
    }
    if (!from || !steps_path) {
        fprintf(
            stderr,
            "steadymat calibrate: give --port PATH or --sim SCENARIO for the guided calibration, "
            "or --from SESSION and --steps FILE (see 'steadymat calibrate --help')\n");
        return USAGE;
    }
    char err[256];
    char *text = NULL;
    size_t n = 0;
    static sm_calib_steps_t steps;
    if (sm_file_read(steps_path, 1u << 20, &text, &n, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s\n", err);
        return 1;
    }
    sm_status s = sm_calib_steps_parse(text, n, &steps, err, sizeof err);
    free(text);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s: %s\n", steps_path, err);
        return 1;
    }
    sm_session_reader_t *r = NULL;
    if (sm_session_reader_open(from, &r, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s\n", err);
        return 1;
    }
    static sm_session_header_t hdr; /* kept after the reader closes */
    hdr = *sm_session_reader_header(r);
    const sm_session_header_t *h = &hdr;
    sm_calib_builder_t *b = NULL;
    if (sm_calib_builder_create(h->mat.rows, h->mat.cols,
                                h->mat.pitch_mm > 0 ? h->mat.pitch_mm : 25,
                                h->mat.sample_max ? h->mat.sample_max : 1023, &b) != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s: mat geometry %ux%u cannot be calibrated\n", from,
                h->mat.rows, h->mat.cols);
        sm_session_reader_close(r);
        return 1;
    }
    static sm_session_record_t rec;
    int failed_steps = 0;
    uint64_t first = 0;
    int have_first = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (rec.kind != SM_REC_FRAME)
            continue;
        /* Step times count from the session's first frame, as replay shows them. */
        if (!have_first) {
            first = rec.frame.t_us;
            have_first = 1;
        }
        rec.frame.t_us = rec.frame.t_us >= first ? rec.frame.t_us - first : 0;
        sm_calib_step_report_t rep;
        sm_calib_builder_feed(b, &steps, &rec.frame, &rep);
        if (rep.kind != SM_CALIB_STEP_NONE) {
            fprintf(stderr, "%s %s\n", rep.ok ? "  ok  " : "  REDO", rep.message);
            failed_steps += !rep.ok;
        }
    }
    sm_session_reader_close(r);
    sm_calibrate_finish_t fin;
    memset(&fin, 0, sizeof fin);
    fin.uid = h->mat.uid;
    char method[96];
    snprintf(method, sizeof method, "steadymat calibrate --from (%s)", h->source);
    fin.method = method;
    fin.out = out;
    fin.force = force;
    fin.json = json;
    fin.failed_steps = failed_steps;
    fin.no_uid = "the session does not name its mat (no id)";
    fin.log = stderr;
    int rc = sm_calibrate_finish(b, &fin);
    sm_calib_builder_destroy(b);
    return rc;
}
