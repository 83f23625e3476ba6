/* `steadymat calibrate --port PATH | --sim SCENARIO`: the guided calibration. Frames from a
 * source go to the step detector (sm_calflow) and then to the builder (sm_calib); the window
 * shows the step on the coach panel, headless prints it. */
#include "sm_calguide.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_calflow.h"
#include "sm_clock.h"
#include "sm_metrics.h"
#include "sm_source.h"
#include "sm_view.h"

#define USAGE           2
#define MAX_ATTEMPTS    3   /* headless: a step that fails this often stops the calibration */
#define FRAMES_PER_TURN 256 /* keep the window responsive when the simulator races ahead */

static void help(void)
{
    printf("usage: steadymat calibrate [--port PATH | --sim SCENARIO] [options]\n\n"
           "The guided calibration: condition (load and unload the mat), zero (nothing on it),\n"
           "an even load (a board with weights) in several places, at least three known loads,\n"
           "creep (one load held 90 s) and a verification load. Each step starts when its load\n"
           "has been steady for 1 s (or on Enter) and ends after its time; r or Backspace\n"
           "redoes the running step; Esc stops. Exit status 0 when the verification passed.\n\n"
           "  --port PATH           the mat (binary protocol; --baud N, default 1000000)\n"
           "  --sim SCENARIO        the built-in simulator (calibration-steps plays the steps)\n"
           "  --speed X             simulator speed (default 1)\n"
           "  --seed N              simulator seed\n"
           "  --headless            no window: the steps and results go to stdout\n"
           "  --masses LIST         the known loads in kg, at least three: 5,10,20\n"
           "  --verify-mass KG      the verification load (a fresh one, e.g. 15)\n"
           "  --creep-mass KG       the load held for creep (default the largest known load)\n"
           "  --placements N        places for the even load (default 9: 3 x 3 over the mat)\n"
           "  --timeout S           seconds to wait for a step's load before saying so (60)\n"
           "  --out FILE            where to save (default: by the mat's id)\n"
           "  --force               save even when the verification failed\n"
           "  --json                print the result as JSON on stdout (the log goes to stderr)\n"
           "  --screenshot FILE     save a picture of the result screen at the end (or of\n"
           "                        --screenshot-step N)\n"
           "  --screenshot-step N   take it half-way through step N (1-based) instead; 0: the\n"
           "                        'you will need' screen before the first step\n"
           "  --no-wait             in the window, go on by itself from the 'you will need' and\n"
           "                        result screens (scripts); --headless never waits\n"
           "The window first lists what to prepare (Enter or space starts) and ends on the\n"
           "result (PASS or FAIL, masked cells, the fitted curve) until Enter, space or Esc.\n"
           "Without --masses or --verify-mass they are asked on the terminal.\n");
}

static int parse_masses(const char *s, double *out, size_t cap, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !isfinite(v) || v <= 0 || v > 10000 || *n >= cap)
            return 0;
        out[(*n)++] = v;
        if (*end == 'k' && end[1] == 'g')
            end += 2;
        if (*end == ',')
            end++;
        else if (*end)
            return 0;
        s = end;
    }
    return *n > 0;
}

static int ask_number(const char *prompt, double *out)
{
    char line[64];
    printf("%s", prompt);
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return -1;
    char *end;
    double v = strtod(line, &end);
    while (*end == ' ' || *end == 'k' || *end == 'g' || *end == '\n' || *end == '\r')
        end++;
    if (end == line || line[0] == '\n')
        return 0;
    if (*end || !isfinite(v) || v <= 0 || v > 10000)
        return 0;
    *out = v;
    return 1;
}

#define NEED_LINES 10
#define CURVE_N    64

/* Which full screen the window shows over the steps. */
enum { SCREEN_NONE = 0, SCREEN_NEED, SCREEN_RESULT };

typedef struct {
    /* options */
    int headless, json, no_wait;
    const char *screenshot;
    int shot_step; /* -1: the result at the end; 0: the "you will need" screen; N: step N */
    /* state */
    sm_source_t *src;
    sm_source_status_t st;
    sm_view_t *view;
    sm_calflow_t *fl;
    sm_calib_builder_t *b;
    sm_frame_t frame;
    int have_frame;
    sm_calflow_out_t o;
    FILE *log;
    size_t shown_step;
    int shown_attempt, attempts;
    int failed_steps;
    char result[200];
    int result_ok;
    char alert[224];
    char phase[96];
    json_object *steps;
    int shot_taken;
    double fps, fps_t0;
    unsigned long fps_n;
    /* the full screens: what to prepare, and the result */
    int screen;
    sm_view_calscreen_t cs;
    char text[NEED_LINES][200];
    const char *lines[NEED_LINES];
    char title[64];
    sm_calib_data_t *res; /* the fitted calibration, for the result screen */
    sm_calibrate_outcome_t outcome;
    double curve_x[CURVE_N], curve_y[CURVE_N];
    double load_x[SM_CALIB_MAX_LOADS], load_y[SM_CALIB_MAX_LOADS];
    uint8_t labels[SM_MAX_CELLS]; /* the stuck cells, for the map */
    float vals[SM_MAX_CELLS];     /* the frame without them, for total / area / peak */
} guide_t;

static const sm_calflow_step_t *cur_step(const guide_t *g)
{
    return sm_calflow_step(g->fl, sm_calflow_current(g->fl));
}

static void log_step(guide_t *g, const sm_calflow_step_t *s, int ok, const char *msg, double t)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "step", json_object_new_string(sm_calib_step_name(s->kind)));
    json_object_object_add(j, "title", json_object_new_string(s->title));
    json_object_object_add(j, "ok", json_object_new_boolean(ok));
    json_object_object_add(j, "message", json_object_new_string(msg));
    json_object_object_add(j, "end_s", json_object_new_double(t));
    json_object_array_add(g->steps, j);
}

/* Say what to do now, once per step and attempt. */
static void announce(guide_t *g)
{
    if (sm_calflow_state_of(g->fl) == SM_CALFLOW_DONE)
        return;
    size_t k = sm_calflow_current(g->fl);
    if (k == g->shown_step && g->attempts == g->shown_attempt)
        return;
    g->shown_step = k;
    g->shown_attempt = g->attempts;
    const sm_calflow_step_t *s = cur_step(g);
    fprintf(g->log, ">> Step %zu of %zu - %s: %s%s\n", k + 1, sm_calflow_count(g->fl), s->title,
            s->instruction, g->attempts ? " (again)" : "");
    fflush(g->log);
}

/* A step failed (the builder said redo, it ended too early, or its load never came). Returns 1
 * when the calibration must stop (headless, too many attempts or a timeout). */
static int step_failed(guide_t *g, const char *msg, double t, int timeout)
{
    const sm_calflow_step_t *s = cur_step(g);
    fprintf(g->log, "   Redo this step: %s: %s\n", s->title, msg);
    fflush(g->log);
    snprintf(g->alert, sizeof g->alert, "Redo this step: %s", msg);
    g->result[0] = '\0';
    log_step(g, s, 0, msg, t);
    g->failed_steps++;
    if (!timeout)
        g->attempts++;
    if (g->headless && (timeout || g->attempts >= MAX_ATTEMPTS)) {
        fprintf(stderr, "steadymat calibrate: step %zu (%s) %s: %s; %s\n",
                sm_calflow_current(g->fl) + 1, s->title,
                timeout ? "timed out" : "failed three times", msg,
                timeout ? "check the mat and start again" : "check the loads and start again");
        return 1;
    }
    return 0;
}

/* One frame: detector first, then the builder. Returns 1 to stop with a failure. */
static int take_frame(guide_t *g)
{
    const sm_frame_t *f = &g->frame;
    double t = f->t_us / 1e6;
    sm_calflow_frame(g->fl, f, &g->o);
    const sm_calflow_step_t *s = cur_step(g);
    sm_calib_step_report_t rep;
    switch (g->o.event) {
    case SM_CALFLOW_EV_BEGIN:
        if (sm_calib_builder_begin(g->b, s->kind, s->mass_kg) != SM_OK) {
            sm_calflow_redo(g->fl);
            if (step_failed(g, "cannot start this step yet", t, 0))
                return 1;
            break;
        }
        g->alert[0] = '\0';
        fprintf(g->log, "   started at %.1f s (%.0f s)\n", t, s->duration_s);
        break;
    case SM_CALFLOW_EV_END:
        sm_calib_builder_end(g->b, &rep);
        if (rep.ok) {
            fprintf(g->log, "   ok: %s\n", rep.message);
            snprintf(g->result, sizeof g->result, "ok: %s", rep.message);
            g->result_ok = 1;
            log_step(g, s, 1, rep.message, t);
            g->attempts = 0;
            sm_calflow_result(g->fl, 1);
        } else {
            sm_calflow_result(g->fl, 0);
            if (step_failed(g, rep.message, t, 0))
                return 1;
        }
        break;
    case SM_CALFLOW_EV_ABORT:
        sm_calib_builder_discard(g->b);
        if (step_failed(g, g->o.message, t, 0))
            return 1;
        break;
    case SM_CALFLOW_EV_TIMEOUT:
        if (step_failed(g, g->o.message, t, 1))
            return 1;
        break;
    default:
        break;
    }
    sm_calib_builder_frame(g->b, f);
    announce(g);
    return 0;
}

static int add_line(guide_t *g, int n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_line(guide_t *g, int n, const char *fmt, ...)
{
    if (n >= NEED_LINES)
        return n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->text[n], sizeof g->text[n], fmt, ap);
    va_end(ap);
    g->lines[n] = g->text[n];
    return n + 1;
}

/* "5, 10 and 20 kg" */
static void list_masses(const double *m, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%g",
                              i == 0       ? ""
                              : i + 1 == n ? " and "
                                           : ", ",
                              m[i]);
    if (k < cap)
        snprintf(buf + k, cap - k, " kg");
}

/* The "you will need" screen, from the plan's steps (sm_calflow_needs), also printed. */
static void needs_screen(guide_t *g, const sm_calflow_step_t *plan, size_t nplan)
{
    sm_calflow_needs_t nd;
    sm_calflow_needs(plan, nplan, &nd);
    char masses[160];
    list_masses(nd.masses_kg, nd.nmasses, masses, sizeof masses);
    int n = 0;
    n = add_line(g, n, "The mat on a firm, flat floor, with nothing on it");
    if (nd.board_steps)
        n = add_line(g, n,
                     "A stiff, flat board of %g x %g cm with about %g kg on it (weights, or you)",
                     nd.board_w_cm, nd.board_h_cm, nd.board_kg);
    if (nd.plate_w_cm > 0)
        n = add_line(g, n, "A flat plate of %g x %g cm to carry the known masses", nd.plate_w_cm,
                     nd.plate_h_cm);
    if (nd.nmasses)
        n = add_line(g, n, "Known masses of %s for %d load steps (weighed: the fit trusts them)",
                     masses, nd.load_steps);
    if (nd.creep_kg > 0)
        n = add_line(g, n, "%g kg on the plate left still for %.0f s (creep)", nd.creep_kg,
                     nd.creep_s);
    if (nd.verify_kg > 0)
        n = add_line(g, n, "A fresh %g kg test load for the verification", nd.verify_kg);
    n = add_line(g, n, "%zu steps, about %.0f minutes; each starts when its load is steady",
                 nd.nsteps, ceil((nd.total_s + 10.0 * (double)nd.nsteps) / 60.0));
    memset(&g->cs, 0, sizeof g->cs);
    g->cs.title = "You will need";
    g->cs.lines = g->lines;
    g->cs.n_lines = n;
    g->cs.hint = "Enter or space: start the first step    Esc: stop";
    fprintf(g->log, "You will need:\n");
    for (int i = 0; i < n; i++)
        fprintf(g->log, "  - %s\n", g->text[i]);
    fflush(g->log);
}

/* Counts above zero at which a typical cell reads kpa (bisection on the monotone curve); -1 when
 * the curve never gets there. */
static double counts_for(const sm_calib_data_t *d, double kpa)
{
    double lo = 0, hi = d->sample_max;
    if (sm_calib_typical_kpa(d, hi) < kpa)
        return -1;
    for (int i = 0; i < 40; i++) {
        double mid = 0.5 * (lo + hi);
        if (sm_calib_typical_kpa(d, mid) < kpa)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static int count_cells(const sm_calib_data_t *d, int kind)
{
    int n = 0;
    for (int i = 0; i < d->rows * d->cols; i++)
        n += d->mask[i] == kind;
    return n;
}

/* The result screen: the verdict, the numbers, the curve and the masked cells. */
static void result_screen(guide_t *g)
{
    const sm_calib_data_t *d = g->res;
    const sm_calibrate_outcome_t *oc = &g->outcome;
    memset(&g->cs, 0, sizeof g->cs);
    int n = 0;
    if (!oc->fitted) {
        g->cs.verdict = -1;
        snprintf(g->title, sizeof g->title, "Calibration FAILED");
        n = add_line(g, n, "No calibration could be fitted: %s", oc->why);
        n = add_line(g, n, "Nothing was saved: check the loads and start again");
    } else {
        int pass = d->verify.done && d->verify.pass;
        g->cs.verdict = !d->verify.done ? 2 : pass ? 1 : -1;
        snprintf(g->title, sizeof g->title, "%s",
                 !d->verify.done ? "Calibration not verified"
                 : pass          ? "Calibration PASSED"
                                 : "Calibration FAILED");
        if (d->verify.done)
            n = add_line(g, n,
                         "Verification: %.1f kg read as %.1f kg (%+.1f %%; %s within %.0f %%)",
                         d->verify.mass_kg, sm_n_to_kg(d->verify.measured_n), d->verify.error_pct,
                         pass ? "pass" : "fail: must be", d->verify.tolerance_pct);
        else
            n = add_line(g, n, "No verification load: the calibration is untested");
        n = add_line(g, n, "Masked cells: %d dead, %d stuck, %d other, of %d",
                     count_cells(d, SM_CALIB_CELL_DEAD), count_cells(d, SM_CALIB_CELL_STUCK),
                     count_cells(d, SM_CALIB_CELL_FILLED), d->rows * d->cols);
        n = add_line(g, n, "Curve: %.1f kPa \xc3\x97 u^%.3f + %.2f kPa onset", d->curve.a_kpa,
                     d->curve.b, d->curve.onset_kpa);
        n = add_line(g, n, "The %d known loads fit within %.1f %% (RMS)", d->nloads,
                     d->curve.rms_pct);
        n = add_line(g, n, "Creep: %.1f %% per decade of loaded time", 100 * d->creep.per_decade);
        if (g->failed_steps)
            n = add_line(g, n, "Steps redone: %d", g->failed_steps);
        if (oc->saved)
            n = add_line(g, n, "Saved: %s", oc->path);
        else
            n = add_line(g, n, "Not saved%s%s", oc->why[0] ? ": " : ": redo the load steps",
                         oc->why[0] ? oc->why : " (--force saves anyway)");
        for (int i = 0; i < CURVE_N; i++) {
            g->curve_x[i] = d->sample_max * (double)i / (CURVE_N - 1);
            g->curve_y[i] = sm_calib_typical_kpa(d, g->curve_x[i]);
        }
        g->cs.curve_counts = g->curve_x;
        g->cs.curve_kpa = g->curve_y;
        g->cs.curve_n = CURVE_N;
        g->cs.counts_max = d->sample_max;
        g->cs.fit_lo_kpa = d->curve.lo_kpa;
        g->cs.fit_hi_kpa = d->curve.hi_kpa;
        int nl = 0;
        for (int i = 0; i < d->nloads && i < SM_CALIB_MAX_LOADS; i++) {
            double x = counts_for(d, d->loads[i].pressure_kpa);
            if (x >= 0) {
                g->load_x[nl] = x;
                g->load_y[nl++] = d->loads[i].pressure_kpa;
            }
        }
        g->cs.load_counts = g->load_x;
        g->cs.load_kpa = g->load_y;
        g->cs.n_loads = nl;
        g->cs.mask = d->mask;
        g->cs.mask_rows = d->rows;
        g->cs.mask_cols = d->cols;
    }
    g->cs.title = g->title;
    g->cs.lines = g->lines;
    g->cs.n_lines = n;
    g->cs.hint = "Enter, space or Esc: close";
}

static void render(guide_t *g)
{
    if (!g->view)
        return;
    sm_view_model_t vm;
    memset(&vm, 0, sizeof vm);
    sm_metrics_t m;
    double full = g->st.mat.sample_max ? g->st.mat.sample_max : 1023;
    const unsigned char *stuck = sm_calflow_stuck(g->fl);
    int ncell = g->frame.rows * g->frame.cols;
    if (g->have_frame && stuck && ncell <= SM_MAX_CELLS) {
        /* total, area and peak of the load, not of the stuck cells */
        for (int i = 0; i < ncell; i++)
            g->vals[i] = stuck[i] ? 0.0f : (float)g->frame.cells[i];
        sm_metrics_compute_values(g->vals, g->frame.rows, g->frame.cols,
                                  g->st.mat.pitch_mm > 0 ? g->st.mat.pitch_mm : 25, 0.02 * full,
                                  &m);
    } else if (g->have_frame) {
        sm_metrics_compute(&g->frame, g->st.mat.pitch_mm > 0 ? g->st.mat.pitch_mm : 25, 0.02 * full,
                           &m);
    }
    if (g->have_frame) {
        vm.frame = &g->frame;
        vm.metrics = &m;
        vm.now_s = g->frame.t_us / 1e6;
    }
    vm.pitch_mm = g->st.mat.pitch_mm > 0 ? g->st.mat.pitch_mm : 25;
    vm.scale_max = full;
    vm.units = "raw counts (calibrating)";
    vm.source_label = g->st.label;
    vm.banner = "Calibration - Enter: start the step now   r: redo the step   Esc: stop";
    vm.alert = g->alert[0] ? g->alert : (g->st.message[0] ? g->st.message : NULL);
    vm.notice = g->result[0] ? g->result : NULL;
    vm.coach = 1;     /* no sound during calibration: the speaker shows 0 bars */
    vm.clinician = 1; /* for the maker: link counters, total / area / peak */
    /* Cells found stuck by the zero step are drawn as their neighbours (a stuck cell is the
     * brightest thing on the map and would pass for the load). */
    if (stuck && g->have_frame && ncell <= SM_MAX_CELLS) {
        for (int i = 0; i < g->frame.rows * g->frame.cols; i++)
            g->labels[i] = stuck[i] ? 3 : 0; /* sm_view.h: 3, a replaced faulty cell */
        vm.labels = g->labels;
    }
    vm.fps = g->fps;
    if (g->fl) {
        const sm_calflow_step_t *s = cur_step(g);
        if (sm_calflow_state_of(g->fl) == SM_CALFLOW_DONE) {
            vm.phase = "Done";
            vm.instruction = "Calibration steps complete - fitting";
            vm.release_met = 1;
            vm.meter = 1;
        } else {
            int running = sm_calflow_state_of(g->fl) == SM_CALFLOW_RUNNING;
            snprintf(g->phase, sizeof g->phase, "Step %zu/%zu %s%s", sm_calflow_current(g->fl) + 1,
                     sm_calflow_count(g->fl), s->title, running ? " - measuring" : "");
            vm.phase = g->phase;
            vm.instruction = s->instruction;
            vm.target_s = s->duration_s;
            vm.steady_s = running ? g->o.elapsed_s : 0;
            vm.meter = running ? 1.0 : g->o.progress;
            vm.release_met = running && g->o.progress >= 1;
        }
    } else {
        vm.phase = "Calibration";
        vm.instruction = "Waiting for the mat...";
    }
    if (g->screen)
        vm.calscreen = &g->cs;
    sm_view_render(g->view, &vm);
}

static void screenshot(guide_t *g)
{
    char err[256];
    render(g);
    if (sm_view_screenshot(g->view, g->screenshot, err, sizeof err) != SM_OK)
        fprintf(stderr, "steadymat calibrate: %s\n", err);
    else
        fprintf(stderr, "steadymat calibrate: screenshot %s\n", g->screenshot);
    g->shot_taken = 1;
}

int sm_calguide_main(int argc, char **argv)
{
    const char *port = NULL, *sim = NULL, *out = NULL;
    double speed = 1, seed = -1, verify_kg = 0, creep_kg = 0, timeout_s = 60, baud = 1000000;
    double masses[SM_CALIB_MAX_LOADS];
    size_t nmasses = 0;
    int placements = 0, force = 0;
    guide_t *g = calloc(1, sizeof *g);
    if (!g)
        return 1;
    g->shot_step = -1;
    int rc = USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            free(g);
            return 0;
        }
        static const char *const with_value[] = {
            "--port",    "--sim",         "--speed",      "--seed",
            "--masses",  "--verify-mass", "--creep-mass", "--placements",
            "--timeout", "--out",         "--screenshot", "--screenshot-step",
            "--baud"};
        int hv = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            hv |= !strcmp(a, with_value[k]);
        if (hv && i + 1 >= argc) {
            fprintf(stderr,
                    "steadymat calibrate: %s needs a value (see 'steadymat calibrate --help')\n",
                    a);
            goto done;
        }
        const char *v = hv ? argv[++i] : NULL;
        char *end = NULL;
        double x = v ? strtod(v, &end) : 0;
        int isnum = v && end != v && !*end && isfinite(x);
        if (!strcmp(a, "--port"))
            port = v;
        else if (!strcmp(a, "--sim"))
            sim = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--screenshot"))
            g->screenshot = v;
        else if (!strcmp(a, "--masses")) {
            if (!parse_masses(v, masses, SM_CALIB_MAX_LOADS, &nmasses) || nmasses < 3) {
                fprintf(stderr,
                        "steadymat calibrate: --masses takes at least three masses in kg, "
                        "e.g. 5,10,20 (at most %d), not '%s'\n",
                        SM_CALIB_MAX_LOADS, v);
                goto done;
            }
        } else if (hv) {
            struct {
                const char *name;
                double lo, hi, *out;
            } nums[] = {{"--speed", 0.01, 1000, &speed},
                        {"--seed", 0, 4294967295.0, &seed},
                        {"--verify-mass", 0.001, 10000, &verify_kg},
                        {"--creep-mass", 0.001, 10000, &creep_kg},
                        {"--timeout", 1, 1e6, &timeout_s},
                        {"--baud", 1200, 1e8, &baud}};
            double pl = 0, ss = 0;
            double *dst = !strcmp(a, "--placements")        ? &pl
                          : !strcmp(a, "--screenshot-step") ? &ss
                                                            : NULL;
            double lo = dst == &ss ? 0 : 1,
                   hi = dst == &pl ? SM_CALIB_MAX_EQ : SM_CALFLOW_MAX_STEPS;
            for (size_t k = 0; !dst && k < sizeof nums / sizeof nums[0]; k++)
                if (!strcmp(a, nums[k].name)) {
                    dst = nums[k].out;
                    lo = nums[k].lo;
                    hi = nums[k].hi;
                }
            if (!isnum || x < lo || x > hi) {
                fprintf(stderr, "steadymat calibrate: %s takes a number from %g to %g, not '%s'\n",
                        a, lo, hi, v);
                goto done;
            }
            *dst = x;
            if (dst == &pl)
                placements = (int)x;
            if (dst == &ss)
                g->shot_step = (int)x;
        } else if (!strcmp(a, "--headless"))
            g->headless = 1;
        else if (!strcmp(a, "--no-wait"))
            g->no_wait = 1;
        else if (!strcmp(a, "--json"))
            g->json = 1;
        else if (!strcmp(a, "--force"))
            force = 1;
        else {
            fprintf(stderr,
                    "steadymat calibrate: unknown option '%s' (see 'steadymat calibrate --help')\n",
                    a);
            goto done;
        }
    }
    if (port && sim) {
        fprintf(stderr, "steadymat calibrate: give --port or --sim, not both\n");
        goto done;
    }
    g->log = g->json ? stderr : stdout;
    int tty = isatty(0);
    if (nmasses == 0 && tty) {
        printf("The known loads: type each mass in kg and Enter; an empty line when done "
               "(at least three).\n");
        while (nmasses < SM_CALIB_MAX_LOADS) {
            double m;
            char prompt[48];
            snprintf(prompt, sizeof prompt, "mass of load %zu, kg: ", nmasses + 1);
            int r = ask_number(prompt, &m);
            if (r < 0 || (r == 0 && nmasses >= 3))
                break;
            if (r == 0)
                printf("  a mass in kg, e.g. 10 (at least three loads)\n");
            else
                masses[nmasses++] = m;
        }
    }
    if (verify_kg <= 0 && tty) {
        while (verify_kg <= 0) {
            int r = ask_number("mass of the verification load (a fresh one), kg: ", &verify_kg);
            if (r < 0)
                break;
        }
    }
    if (nmasses < 3 || verify_kg <= 0) {
        fprintf(stderr, "steadymat calibrate: give the known loads and the verification load: "
                        "--masses 5,10,20 --verify-mass 15 (at least three loads, in kg)\n");
        goto done;
    }
    sm_calflow_plan_config_t pc;
    memset(&pc, 0, sizeof pc);
    pc.masses = masses;
    pc.nmasses = nmasses;
    pc.verify_kg = verify_kg;
    pc.creep_kg = creep_kg;
    pc.placements = placements;
    static sm_calflow_step_t plan[SM_CALFLOW_MAX_STEPS];
    size_t nplan = sm_calflow_plan(&pc, plan, SM_CALFLOW_MAX_STEPS);
    if (!nplan) {
        fprintf(stderr, "steadymat calibrate: these masses and placements make no calibration\n");
        goto done;
    }

    char err[256];
    sm_status s;
    if (sim) {
        sm_simsrc_config_t sc;
        memset(&sc, 0, sizeof sc);
        sm_sim_config_default(&sc.sim);
        sc.sim.scenario = sim;
        if (seed >= 0)
            sc.sim.seed = (uint32_t)seed;
        sc.rate_hz = 50;
        sc.speed = speed;
        s = sm_sim_source_create(&sc, &g->src, err, sizeof err);
    } else {
        sm_wire_config_t wc;
        sm_wire_config_default(&wc);
        wc.path = port;
        wc.baud = (int)baud;
        s = sm_wire_source_create(&wc, &g->src, err, sizeof err);
    }
    if (s != SM_OK) {
        fprintf(stderr, "steadymat calibrate: %s\n", err);
        rc = s == SM_ERR_ARG ? USAGE : 1;
        goto done;
    }
    rc = 1;
    sm_source_status(g->src, &g->st);
    if (!g->headless || g->screenshot) {
        sm_view_config_t vc;
        memset(&vc, 0, sizeof vc);
        vc.width = 1280;
        vc.height = 800;
        vc.headless = g->headless;
        vc.title = "SteadyMat - calibration";
        vc.no_readback = g->screenshot == NULL;
        g->view = sm_view_create(&vc, err, sizeof err);
        if (!g->view) {
            fprintf(stderr, "steadymat calibrate: %s (try --headless)\n", err);
            goto done;
        }
    }
    g->steps = json_object_new_array();
    g->shown_step = (size_t)-1;
    g->res = calloc(1, sizeof *g->res);
    if (!g->res || !g->steps)
        goto done;
    fprintf(g->log, "Calibration of %s: %zu steps\n", g->st.label, nplan);
    /* First what to prepare: the window waits on it (Enter or space), scripts do not. */
    needs_screen(g, plan, nplan);
    if (g->view && g->screenshot && g->shot_step == 0) {
        g->screen = SCREEN_NEED;
        screenshot(g);
    }
    g->screen = g->view && !g->headless && !g->no_wait ? SCREEN_NEED : SCREEN_NONE;
    uint64_t start = sm_clock_now_us(), last_render = 0;
    int quit = 0, stop = 0;
    while (!quit && !stop) {
        uint64_t wall = sm_clock_now_us() - start;
        sm_view_event_t ev;
        sm_action_t act;
        while (g->view && !g->headless && (act = sm_view_poll_event(g->view, &ev)) != SM_ACT_NONE) {
            if (act == SM_ACT_QUIT)
                quit = 1;
            else if (g->screen == SCREEN_NEED) {
                if (act == SM_ACT_NEXT || act == SM_ACT_PAUSE) {
                    g->screen = SCREEN_NONE;
                    if (sim) { /* the simulated session starts now, not while reading */
                        start = sm_clock_now_us();
                        wall = 0;
                        last_render = 0;
                    }
                }
            } else if (act == SM_ACT_NEXT && g->fl)
                sm_calflow_start(g->fl);
            else if (act == SM_ACT_REDO && g->fl) {
                if (sm_calflow_redo(g->fl)) {
                    sm_calib_builder_discard(g->b);
                    fprintf(g->log, "   redo (r): %s\n", cur_step(g)->title);
                    snprintf(g->alert, sizeof g->alert, "Redo this step: %s",
                             cur_step(g)->instruction);
                    g->result[0] = '\0';
                } else {
                    snprintf(g->alert, sizeof g->alert,
                             "r redoes a step while it runs; the steps done so far are kept");
                }
            }
        }
        int n = 0;
        if (g->screen == SCREEN_NEED) {
            /* a mat's frames are read and dropped (nothing is measured yet); the simulator
             * waits */
            while (!sim && n < FRAMES_PER_TURN && sm_source_next(g->src, wall, &g->frame) == SM_OK)
                n++, g->have_frame = 1;
            if (sim)
                n = FRAMES_PER_TURN; /* nothing to wait for but keys */
        }
        while (!stop && !g->screen && n < FRAMES_PER_TURN &&
               sm_source_next(g->src, wall, &g->frame) == SM_OK) {
            n++;
            g->have_frame = 1;
            double ft = g->frame.t_us / 1e6;
            g->fps_n++;
            if (ft - g->fps_t0 >= 1.0 || ft < g->fps_t0) {
                g->fps = ft > g->fps_t0 ? g->fps_n / (ft - g->fps_t0) : 0;
                g->fps_t0 = ft;
                g->fps_n = 0;
            }
            if (!g->fl) {
                sm_source_status(g->src, &g->st);
                int full = g->st.mat.sample_max ? g->st.mat.sample_max : 1023;
                double pitch = g->st.mat.pitch_mm > 0 ? g->st.mat.pitch_mm : 25;
                if (sm_calib_builder_create(g->frame.rows, g->frame.cols, pitch, full, &g->b) !=
                        SM_OK ||
                    sm_calflow_create(g->frame.rows, g->frame.cols, full, plan, nplan, timeout_s,
                                      &g->fl) != SM_OK) {
                    fprintf(stderr, "steadymat calibrate: a %ux%u mat cannot be calibrated\n",
                            g->frame.rows, g->frame.cols);
                    goto done;
                }
                announce(g);
            }
            if (take_frame(g))
                stop = 1;
            else if (sm_calflow_state_of(g->fl) == SM_CALFLOW_DONE)
                quit = 2;
            if (g->screenshot && g->shot_step > 0 && !g->shot_taken && g->view &&
                (int)sm_calflow_current(g->fl) + 1 == g->shot_step &&
                sm_calflow_state_of(g->fl) == SM_CALFLOW_RUNNING && g->o.progress >= 0.5)
                screenshot(g);
            if (quit)
                break;
        }
        sm_source_status(g->src, &g->st);
        if (!g->st.ever_connected && wall > 5000000 && g->headless) {
            fprintf(stderr, "steadymat calibrate: %s\n",
                    g->st.message[0] ? g->st.message : "no frames arrived: is the mat running?");
            goto done;
        }
        uint64_t now = sm_clock_now_us() - start;
        if (g->view && !g->headless && now - last_render > 33000) {
            render(g);
            last_render = now;
        }
        int wait_ms = sm_source_due_ms(g->src, now);
        if (wait_ms < 0 || wait_ms > 30)
            wait_ms = 30;
        if (g->screen == SCREEN_NEED && sim)
            sm_io_wait(-1, 30); /* only keys to wait for */
        else if (n < FRAMES_PER_TURN && wait_ms > 0 && !quit && !stop)
            sm_io_wait(sm_source_fd(g->src), wait_ms);
    }
    if (stop) {
        if (g->screenshot && !g->shot_taken && g->view)
            screenshot(g);
        goto done;
    }
    if (quit == 1) {
        fprintf(stderr, "steadymat calibrate: stopped before the last step: nothing saved\n");
        goto done;
    }
    fprintf(g->log, "All steps done: fitting the calibration\n");
    fflush(g->log);
    if (g->view && !g->headless)
        render(g); /* "fitting", while it fits */
    sm_calibrate_finish_t fin;
    memset(&fin, 0, sizeof fin);
    fin.uid = g->st.mat.uid;
    fin.out = out;
    fin.force = force;
    fin.json = g->json;
    fin.failed_steps = g->failed_steps;
    fin.no_uid = "the mat did not give its id";
    fin.steps_json = g->steps;
    fin.log = g->log;
    fin.result = g->res;
    fin.outcome = &g->outcome;
    rc = sm_calibrate_finish(g->b, &fin);
    /* The result stays on screen until it has been read (Enter, space or Esc). */
    if (g->view) {
        result_screen(g);
        g->screen = SCREEN_RESULT;
        if (g->screenshot && !g->shot_taken)
            screenshot(g);
        int closed = g->headless || g->no_wait;
        while (!closed) {
            render(g);
            sm_view_event_t ev;
            sm_action_t act;
            while ((act = sm_view_poll_event(g->view, &ev)) != SM_ACT_NONE)
                closed |= act == SM_ACT_QUIT || act == SM_ACT_NEXT || act == SM_ACT_PAUSE;
            if (!closed)
                sm_io_wait(-1, 50);
        }
    }
done:
    sm_view_destroy(g->view);
    sm_source_destroy(g->src);
    sm_calflow_destroy(g->fl);
    sm_calib_builder_destroy(g->b);
    if (g->steps)
        json_object_put(g->steps);
    free(g->res);
    free(g);
    return rc;
}
