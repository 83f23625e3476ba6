/*
 * Issue 11's battery: the coach on centre-of-pressure traces it was never tuned on, with known
 * truth (tests/support/cop_gen.h), through both user paths:
 *   steadymat analyze --cop-csv FILE --rate HZ --json
 *   steadymat live --sim ball-steady --cop-trace FILE --rate HZ --speed X --headless
 *                  --duration S --json
 * scored per category (tests/support/coach_score.h) and printed as a table, then held to the
 * issue's targets, each a test of its own so the output says which hold:
 *   - recall >= 95 % for wiggles of 2.5 mm or more (peak-to-peak) at 0.3-3 Hz lasting 2 s or
 *     more (the wiggle and rock categories);
 *   - no false alarm on breathing up to 8 mm at 6-24/min, drift up to 1 cm/min, glitches, and
 *     (analyze) 1 s gaps;
 *   - breathing rate within 1/min from movement alone (90th percentile over those traces);
 *   - buzz start within 1.0 s and stop within 0.8 s of the truth (90th percentile);
 *   - a slide of 3 cm, fast or slow, is a relocation;
 *   - live and analyze give the same events (gap traces aside).
 * A gap is a jump in the CSV's time column. analyze can see it (when it takes the sample times
 * from that column); the simulator plays a trace by index, so in live a gap is a step in
 * position with no pause, not a disconnect: live's gap row is reported, not asserted. Also
 * reported only: wiggles just outside the target (wiggle-edge).
 * Live runs on the first traces of each category only (its cost is per mat frame); the n column
 * says how many.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coach_score.h"
#include "cop_gen.h"
#include "testsupport.h"

typedef struct {
    copgen_category_t c;
    int n_analyze, n_live; /* traces (seeds 1..n); live on the first n_live of them */
} plan_t;

static const plan_t plans[] = {
    {COPGEN_BREATH, 8, 2},      {COPGEN_BREATH_DEEP, 8, 3}, {COPGEN_DRIFT, 6, 2},
    {COPGEN_GLITCH, 6, 2},      {COPGEN_GAP, 6, 2},         {COPGEN_WIGGLE, 10, 3},
    {COPGEN_WIGGLE_EDGE, 6, 2}, {COPGEN_ROCK, 8, 3},        {COPGEN_SLIDE_FAST, 6, 2},
    {COPGEN_SLIDE_SLOW, 6, 2},
};
#define NPLANS (sizeof plans / sizeof plans[0])

enum { PATH_ANALYZE = 0, PATH_LIVE = 1, NPATHS };
static const char *const path_names[NPATHS] = {"analyze", "live"};

/* The battery's result, shared by the target tests. */
static score_acc_t acc[COPGEN_CATEGORIES][NPATHS];
static int live_frames_short; /* live runs that lost frames even at the slowest speed */
static int live_missing;      /* live runs not made within LIVE_BUDGET_S */
static int live_failed;       /* live runs that gave no JSON */

/* Wall time the live runs may take together. About 40 s on an idle 2-core machine; on a machine
 * so busy that it runs out, the runs left are reported as not made (and the agreement test
 * fails), so that the table still comes out before ctest's timeout. */
#define LIVE_BUDGET_S 400.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- reading what the program reported ------------------------------------------------------ */

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static void to_run(json_object *j, score_run_t *r)
{
    memset(r, 0, sizeof *r);
    json_object *ev = get(j, "events");
    assert_non_null(ev);
    for (size_t i = 0; i < json_object_array_length(ev) && r->n_ev < SCORE_MAX_EVENTS; i++) {
        json_object *e = json_object_array_get_idx(ev, i);
        const char *k = json_object_get_string(get(e, "kind"));
        score_event_t *s = &r->ev[r->n_ev++];
        s->kind = !strcmp(k, "wiggle")       ? SCORE_EV_WIGGLE
                  : !strcmp(k, "relocation") ? SCORE_EV_RELOCATION
                                             : SCORE_EV_OTHER;
        s->start_s = json_object_get_double(get(e, "start_s"));
        s->end_s = json_object_get_double(get(e, "end_s"));
        s->size_mm = json_object_get_double(get(e, "size_mm"));
    }
    json_object *cues = get(j, "cues");
    r->has_cues = cues != NULL;
    for (size_t i = 0; cues && i < json_object_array_length(cues) && r->n_cue < SCORE_MAX_CUES;
         i++) {
        json_object *c = json_object_array_get_idx(cues, i);
        const char *k = json_object_get_string(get(c, "kind"));
        int start = !strcmp(k, "wiggle_start"), stop = !strcmp(k, "wiggle_stop");
        if (!start && !stop)
            continue;
        r->cue[r->n_cue].kind = start ? SCORE_CUE_WIGGLE_START : SCORE_CUE_WIGGLE_STOP;
        r->cue[r->n_cue++].t_s = json_object_get_double(get(c, "t_s"));
    }
    json_object *b = get(j, "breathing_rate_bpm");
    r->bpm = b && !json_object_is_type(b, json_type_null) ? json_object_get_double(b) : 0;
}

static void run_analyze(const char *csv, double rate, score_run_t *r)
{
    char rs[32];
    snprintf(rs, sizeof rs, "%g", rate);
    const char *argv[] = {"steadymat", "analyze", "--cop-csv", csv, "--rate", rs, "--json", NULL};
    int rc;
    json_object *j = ts_run_json(argv, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    to_run(j, r);
    json_object_put(j);
}

static int live_whole(json_object *j, double rate, double duration)
{
    json_object *f = get(j, "frames"), *l = get(j, "frames_lost");
    return f && l && json_object_get_int64(l) == 0 &&
           (double)json_object_get_int64(f) >= floor(duration * rate) - 1;
}

/* One live run, its JSON written to out_path. The simulator's clock runs at --speed times the
 * wall clock, and when the machine cannot keep up the simulator skips frames: *fps is the rate
 * of mat frames a second this machine sustains (a guess at first), the speed follows it, and a
 * run that lost frames is made again slower. Runs in the forked child: no cmocka here. */
static void live_to_file(const char *csv, double rate, double duration, const char *out_path,
                         double *fps)
{
    for (int attempt = 0;; attempt++) {
        double speed = floor(0.8 * *fps / rate);
        speed = speed < 1 ? 1 : speed > 1000 ? 1000 : speed;
        char rs[32], ss[32], ds[32];
        snprintf(rs, sizeof rs, "%g", rate);
        snprintf(ss, sizeof ss, "%g", speed);
        snprintf(ds, sizeof ds, "%.2f", duration);
        const char *argv[] = {"steadymat",  "live",       "--sim", "ball-steady", "--cop-trace",
                              csv,          "--rate",     rs,      "--speed",     ss,
                              "--headless", "--duration", ds,      "--json",      NULL};
        char *out = NULL, *err = NULL;
        int rc = ts_run_steadymat(argv, 120, &out, &err);
        if (rc != 0) { /* a failure, not a slow machine: say so, and leave no JSON behind */
            size_t len = err ? strlen(err) : 0;
            fprintf(stderr, "battery: live on %s failed (exit %d): %s\n", csv, rc,
                    err ? err + (len > 800 ? len - 800 : 0) : "");
            ts_write_file(out_path, "failed", 6);
            free(out);
            free(err);
            return;
        }
        json_object *j = out ? json_tokener_parse(out) : NULL;
        int whole = j && live_whole(j, rate, duration);
        json_object *f = j ? get(j, "frames") : NULL, *w = j ? get(j, "wall_s") : NULL;
        double sustained = f && w && json_object_get_double(w) > 0
                               ? json_object_get_double(f) / json_object_get_double(w)
                               : 0;
        if (j)
            json_object_put(j);
        if (whole)
            *fps = fmin(*fps * 1.25, 4000); /* try a little faster next time */
        else if (sustained > 0)
            *fps = fmin(0.7 * sustained, 0.5 * *fps);
        else
            *fps *= 0.5;
        if (whole || attempt == 4 || speed <= 1) {
            ts_write_file(out_path, out ? out : "", out ? strlen(out) : 0);
            free(out);
            free(err);
            return;
        }
        fprintf(stderr, "battery: live lost frames at --speed %g (a busy machine), slower\n",
                speed);
        free(out);
        free(err);
    }
}

/* ---- the battery ---------------------------------------------------------------------------- */

typedef struct {
    copgen_category_t c;
    uint64_t seed;
    int live;
    char csv[512], live_json[512];
} job_t;

static int run_battery(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    memset(acc, 0, sizeof acc);
    size_t nj = 0;
    for (size_t p = 0; p < NPLANS; p++)
        nj += (size_t)plans[p].n_analyze;
    job_t *jobs = calloc(nj, sizeof *jobs);
    assert_non_null(jobs);
    nj = 0;
    for (size_t p = 0; p < NPLANS; p++)
        for (int k = 0; k < plans[p].n_analyze; k++) {
            job_t *jb = &jobs[nj++];
            jb->c = plans[p].c;
            jb->seed = (uint64_t)k + 1;
            jb->live = k < plans[p].n_live;
            char name[64];
            snprintf(name, sizeof name, "%s-%d", copgen_category_name(jb->c), k + 1);
            snprintf(jb->csv, sizeof jb->csv, "%s/%s.csv", dir, name);
            snprintf(jb->live_json, sizeof jb->live_json, "%s/%s.live.json", dir, name);
            copgen_trace_t tr;
            assert_int_equal(copgen_make(jb->c, jb->seed, 0, 0, &tr), 0);
            assert_int_equal(copgen_write_csv(&tr, jb->csv), 0);
            copgen_free(&tr);
        }
    /* Live in a child process while analyze runs here: the simulator's clock is the wall clock,
     * so live takes its time however idle the machine is. */
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        /* Seed by seed across the categories, so that a budget cut leaves every category some. */
        double fps = 2500, t0 = now_s();
        for (size_t round = 0; round < nj; round++)
            for (size_t i = 0; i < nj; i++) {
                if (!jobs[i].live || jobs[i].seed != round + 1 || now_s() - t0 > LIVE_BUDGET_S)
                    continue;
                copgen_trace_t tr;
                if (copgen_make(jobs[i].c, jobs[i].seed, 0, 0, &tr) != 0)
                    _exit(1);
                live_to_file(jobs[i].csv, tr.rate_hz, floor(tr.duration_s), jobs[i].live_json,
                             &fps);
                copgen_free(&tr);
            }
        fflush(NULL);
        _exit(0); /* not exit(): the parent owns the temporary directory and its clean-up */
    }
    fprintf(stderr,
            "\nMisses and false alarms (at most %d per category and path; make a trace again "
            "with build/tests/steadymat-copgen CATEGORY SEED OUT.csv --truth OUT.json):\n",
            SCORE_LOG_LINES);
    score_run_t *an = calloc(nj, sizeof *an), *lv = calloc(1, sizeof *lv);
    assert_non_null(an);
    assert_non_null(lv);
    for (size_t i = 0; i < nj; i++) {
        copgen_trace_t tr;
        assert_int_equal(copgen_make(jobs[i].c, jobs[i].seed, 0, 0, &tr), 0);
        run_analyze(jobs[i].csv, tr.rate_hz, &an[i]);
        score_trace(&tr, &an[i], &acc[jobs[i].c][PATH_ANALYZE], stderr, "analyze");
        copgen_free(&tr);
    }
    int status = ts_wait(kid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (size_t i = 0; i < nj; i++) {
        if (!jobs[i].live)
            continue;
        copgen_trace_t tr;
        assert_int_equal(copgen_make(jobs[i].c, jobs[i].seed, 0, 0, &tr), 0);
        char *text = ts_read_file(jobs[i].live_json, NULL);
        if (!text) { /* not made: out of time */
            live_missing++;
            copgen_free(&tr);
            continue;
        }
        json_object *j = json_tokener_parse(text);
        if (!j) { /* it failed: its stderr is in the log above */
            live_failed++;
            free(text);
            copgen_free(&tr);
            continue;
        }
        live_frames_short += !live_whole(j, tr.rate_hz, floor(tr.duration_s));
        to_run(j, lv);
        json_object_put(j);
        free(text);
        score_trace(&tr, lv, &acc[jobs[i].c][PATH_LIVE], stderr, "live");
        score_agree(&an[i], lv, &acc[jobs[i].c][PATH_LIVE]);
        copgen_free(&tr);
    }
    free(an);
    free(lv);
    free(jobs);
    fprintf(stderr,
            "\nCoach battery (issue 11). Sizes are peak-to-peak mm; latencies in s "
            "(from the wiggle_start/stop cues when the JSON has cues, else event start/end);\n"
            "recall = target wiggles caught (>= 2.5 mm, 0.3-3 Hz, >= 2 s); edge = just outside "
            "it; FA(tr) = false alarms (traces with one);\n"
            "bpm err = |reported - true mean| breaths/min (null = no rate); reloc = slides found "
            "as relocation; live=an = traces where live and analyze gave the same events;\n"
            "size l/a = median live/analyze wiggle size.\n\n");
    score_print_header(stderr);
    score_acc_t total[NPATHS];
    memset(total, 0, sizeof total);
    for (int path = 0; path < NPATHS; path++)
        for (size_t p = 0; p < NPLANS; p++) {
            score_print_row(stderr, copgen_category_name(plans[p].c), path_names[path],
                            &acc[plans[p].c][path]);
            score_add(&total[path], &acc[plans[p].c][path]);
        }
    for (int path = 0; path < NPATHS; path++)
        score_print_row(stderr, "ALL", path_names[path], &total[path]);
    if (live_frames_short)
        fprintf(stderr, "battery: %d live runs lost frames even at the slowest speed\n",
                live_frames_short);
    if (live_failed)
        fprintf(stderr, "battery: %d live runs failed\n", live_failed);
    if (live_missing)
        fprintf(stderr, "battery: %d live runs not made within %.0f s (a busy machine)\n",
                live_missing, LIVE_BUDGET_S);
    fprintf(stderr, "\n");
    return 0;
}

/* ---- the targets ------------------------------------------------------------------------------
 */

static void pool(const copgen_category_t *cats, size_t n, int path, score_acc_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++)
        score_add(out, &acc[cats[i]][path]);
}

static const copgen_category_t moving[] = {COPGEN_WIGGLE, COPGEN_ROCK};
/* Nothing but breathing (and sinking, glitches, gaps): per path, see the top. */
static const copgen_category_t still[] = {COPGEN_BREATH, COPGEN_BREATH_DEEP, COPGEN_DRIFT,
                                          COPGEN_GLITCH, COPGEN_GAP};
static size_t n_still(int path)
{
    return path == PATH_LIVE ? 4 : 5;
}

/* The targets are printed as TARGET lines when missed; where the coach does not meet
 * one yet, the level it has reached (measured 2026-12-05, on this battery) is what is asserted,
 * so no change can fall back while the target is worked on. Issue 11 stays open until every
 * TARGET holds; then the FLOOR constants go. */
#define FLOOR_RECALL      0.95 /* the target */
#define FLOOR_START_P90_S 2.0  /* target 1.0 */
#define FLOOR_LIVE_STOP_P90_S                                                                      \
    2.5                          /* target 0.8 (analyze and the coach battery meet it; live sees   \
                                    the trace through the simulated mat's 25 mm cells) */
#define FLOOR_LIVE_FA_TRACES 3   /* target 0 (analyze meets it) */
#define FLOOR_AGREE_FRACTION 0.4 /* target 1 */

static void wiggles_are_caught(void **state)
{
    (void)state;
    int bad = 0;
    for (int path = 0; path < NPATHS; path++) {
        score_acc_t a;
        pool(moving, 2, path, &a);
        assert_true(a.target_eps > 0);
        double recall = (double)a.target_caught / a.target_eps;
        if (recall < 0.95)
            fprintf(stderr, "TARGET %s: recall %d/%d = %.0f %% < 95 %%\n", path_names[path],
                    a.target_caught, a.target_eps, 100 * recall);
        if (recall < FLOOR_RECALL)
            bad++;
    }
    assert_int_equal(bad, 0);
}

static void no_false_alarms_when_still(void **state)
{
    (void)state;
    int bad = 0, live_fa_traces = 0;
    for (int path = 0; path < NPATHS; path++)
        for (size_t i = 0; i < n_still(path); i++) {
            const score_acc_t *a = &acc[still[i]][path];
            if (a->fa) {
                fprintf(stderr, "TARGET %s %s: %d false alarms in %d of %d traces\n",
                        path_names[path], copgen_category_name(still[i]), a->fa, a->fa_traces,
                        a->traces);
                if (path == PATH_LIVE)
                    live_fa_traces += a->fa_traces;
                else
                    bad++; /* analyze meets the target: held */
            }
        }
    assert_int_equal(bad, 0);
    assert_true(live_fa_traces <= FLOOR_LIVE_FA_TRACES);
}

static void breathing_rate_from_movement(void **state)
{
    (void)state;
    int bad = 0;
    for (int path = 0; path < NPATHS; path++) {
        score_acc_t a;
        pool(still, n_still(path), path, &a);
        double p90 = score_percentile(a.bpm_err, a.n_bpm, 0.9);
        if (a.bpm_missing || !(p90 <= 1.0)) {
            fprintf(stderr,
                    "TARGET %s: breathing rate error p90 %.2f /min (> 1), %d traces "
                    "without a rate\n",
                    path_names[path], p90, a.bpm_missing);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void buzz_starts_and_stops_promptly(void **state)
{
    (void)state;
    int bad = 0;
    for (int path = 0; path < NPATHS; path++) {
        score_acc_t a;
        pool(moving, 2, path, &a);
        double on = score_percentile(a.start_lat, a.n_start, 0.9);
        double off = score_percentile(a.stop_lat, a.n_stop, 0.9);
        if (!(on <= 1.0) || !(off <= 0.8) || a.stop_missing)
            fprintf(stderr,
                    "TARGET %s: start p90 %.2f s (<= 1.0), stop p90 %.2f s (<= 0.8), %d buzzes "
                    "that never stopped\n",
                    path_names[path], on, off, a.stop_missing);
        double off_floor = path == PATH_ANALYZE ? 0.8 : FLOOR_LIVE_STOP_P90_S;
        if (!(on <= FLOOR_START_P90_S) || !(off <= off_floor) || a.stop_missing)
            bad++; /* held at the floors; analyze's stop target holds */
    }
    assert_int_equal(bad, 0);
}

static void slides_are_relocations(void **state)
{
    (void)state;
    int bad = 0;
    const copgen_category_t slides[] = {COPGEN_SLIDE_FAST, COPGEN_SLIDE_SLOW};
    for (int path = 0; path < NPATHS; path++)
        for (size_t i = 0; i < 2; i++) {
            const score_acc_t *a = &acc[slides[i]][path];
            if (a->reloc_found < a->reloc_true) {
                fprintf(stderr, "TARGET %s %s: %d of %d slides found as a relocation\n",
                        path_names[path], copgen_category_name(slides[i]), a->reloc_found,
                        a->reloc_true);
                bad++;
            }
        }
    assert_int_equal(bad, 0);
}

static void live_and_analyze_agree(void **state)
{
    (void)state;
    score_acc_t a;
    memset(&a, 0, sizeof a);
    for (size_t p = 0; p < NPLANS; p++)
        if (plans[p].c != COPGEN_GAP)
            score_add(&a, &acc[plans[p].c][PATH_LIVE]);
    if (a.agree < a.agree_of)
        fprintf(stderr, "TARGET live=analyze: the same events on %d of %d traces\n", a.agree,
                a.agree_of);
    assert_int_equal(live_frames_short, 0);
    assert_int_equal(live_missing, 0);
    assert_int_equal(live_failed, 0);
    assert_true(a.agree >= FLOOR_AGREE_FRACTION * a.agree_of);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wiggles_are_caught),
        cmocka_unit_test(no_false_alarms_when_still),
        cmocka_unit_test(breathing_rate_from_movement),
        cmocka_unit_test(buzz_starts_and_stops_promptly),
        cmocka_unit_test(slides_are_relocations),
        cmocka_unit_test(live_and_analyze_agree),
    };
    return cmocka_run_group_tests(tests, run_battery, NULL);
}
