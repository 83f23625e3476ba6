/*
 * Issue 11's battery at the coach's own seam: generated traces with known truth
 * (tests/support/cop_gen.h) fed straight into sm_coach as tool-contact frames, the way
 * `steadymat analyze --cop-csv` feeds it, but with more traces per category, the cues (the
 * sounds) scored directly, and gaps as they really reach the coach: no frames for a second (a
 * cable pull), then frames again with the tool on the same spot.
 * The same targets as test_e2e_coach_battery, plus: a gap makes no event.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coach_score.h"
#include "cop_gen.h"
#include "sm_coach.h"
#include "testsupport.h"

#define SEEDS 16 /* traces per category */

/* SM_BATTERY_SEEDS=N and SM_BATTERY_FIRST=K run seeds K..K+N-1 instead of 1..16: the same
 * table on traces the coach was never looked at with (a held-out check, not in CI). */
static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end && x > 0 ? (uint64_t)x : def;
}

static score_acc_t acc[COPGEN_CATEGORIES];

/* A tool contact at the trace's position with a constant load: the movement is all there is. */
static void frame_at(const copgen_trace_t *tr, size_t i, sm_contact_frame_t *f)
{
    memset(f, 0, sizeof *f);
    f->t_s = tr->t_s[i];
    f->has_load = f->present = 1;
    f->total = f->load = f->near_load = f->peak = f->share = 1;
    f->loaded_cells = f->cells = 1;
    f->x_mm = f->tip_x_mm = f->cop_x_mm = tr->x_mm[i];
    f->y_mm = f->tip_y_mm = f->cop_y_mm = tr->y_mm[i];
    f->body_r0 = f->body_r1 = f->body_c0 = f->body_c1 = -1;
}

static void run_coach(const copgen_trace_t *tr, score_run_t *r)
{
    sm_coach_settings_t st;
    sm_coach_settings_default(&st, SM_PROTO_BALL_RELEASE);
    sm_coach_t *co = NULL;
    assert_int_equal(sm_coach_create(&st, &co), SM_OK);
    memset(r, 0, sizeof *r);
    r->has_cues = 1;
    sm_contact_frame_t f;
    sm_coach_out_t out;
    for (size_t i = 0; i < tr->n; i++) {
        if (!tr->present[i])
            continue; /* the mat is gone: no frame at all */
        frame_at(tr, i, &f);
        sm_coach_update(co, &f, &out);
        for (int k = 0; k < out.n_cues && r->n_cue < SCORE_MAX_CUES; k++) {
            sm_cue_kind_t kind = out.cues[k].kind;
            if (kind != SM_CUE_WIGGLE_START && kind != SM_CUE_WIGGLE_STOP)
                continue;
            r->cue[r->n_cue].kind =
                kind == SM_CUE_WIGGLE_START ? SCORE_CUE_WIGGLE_START : SCORE_CUE_WIGGLE_STOP;
            r->cue[r->n_cue++].t_s = out.cues[k].t_s;
        }
    }
    sm_coach_finish(co, tr->t_s[tr->n - 1]);
    size_t n;
    const sm_coach_event_t *e = sm_coach_events(co, &n);
    for (size_t i = 0; i < n && r->n_ev < SCORE_MAX_EVENTS; i++) {
        score_event_t *s = &r->ev[r->n_ev++];
        s->kind = e[i].kind == SM_EV_WIGGLE       ? SCORE_EV_WIGGLE
                  : e[i].kind == SM_EV_RELOCATION ? SCORE_EV_RELOCATION
                                                  : SCORE_EV_OTHER;
        s->start_s = e[i].start_s;
        s->end_s = e[i].end_s;
        s->size_mm = e[i].size;
    }
    r->bpm = sm_coach_breath_bpm(co);
    sm_coach_destroy(co);
}

static int run_battery(void **state)
{
    (void)state;
    memset(acc, 0, sizeof acc);
    uint64_t seeds = env_u64("SM_BATTERY_SEEDS", SEEDS), first = env_u64("SM_BATTERY_FIRST", 1);
    fprintf(stderr,
            "\nMisses and false alarms (at most %d per category and path; make a trace again "
            "with build/tests/steadymat-copgen CATEGORY SEED OUT.csv --truth OUT.json):\n",
            SCORE_LOG_LINES);
    score_run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    for (int c = 0; c < COPGEN_CATEGORIES; c++)
        for (uint64_t seed = first; seed < first + seeds; seed++) {
            copgen_trace_t tr;
            assert_int_equal(copgen_make((copgen_category_t)c, seed, 0, 0, &tr), 0);
            run_coach(&tr, r);
            score_trace(&tr, r, &acc[c], stderr, "coach");
            copgen_free(&tr);
        }
    free(r);
    fprintf(stderr,
            "\nCoach battery at the coach (issue 11), %d traces per category; see "
            "test_e2e_coach_battery for the columns (latencies from the cues).\n\n",
            (int)seeds);
    score_print_header(stderr);
    score_acc_t total;
    memset(&total, 0, sizeof total);
    for (int c = 0; c < COPGEN_CATEGORIES; c++) {
        score_print_row(stderr, copgen_category_name((copgen_category_t)c), "coach", &acc[c]);
        score_add(&total, &acc[c]);
    }
    score_print_row(stderr, "ALL", "coach", &total);
    fprintf(stderr, "\n");
    return 0;
}

static void pool(const copgen_category_t *cats, size_t n, score_acc_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++)
        score_add(out, &acc[cats[i]]);
}

static const copgen_category_t moving[] = {COPGEN_WIGGLE, COPGEN_ROCK};
static const copgen_category_t still[] = {COPGEN_BREATH, COPGEN_BREATH_DEEP, COPGEN_DRIFT,
                                          COPGEN_GLITCH, COPGEN_GAP};

/* The targets are printed as TARGET lines when missed. Recall, false alarms (gaps
 * included: a jump in time is a lost link) and the stop hold on these traces and on 3 x 1000
 * held-out ones (SM_BATTERY_FIRST=1000, 5000); the start is held at the level reached (p90 1.0 -
 * 1.14 s on the held-out sets), so no change can fall back. */
#define FLOOR_RECALL      0.95 /* the target */
#define FLOOR_START_P90_S 1.2  /* target 1.0 */

static void wiggles_are_caught(void **state)
{
    (void)state;
    score_acc_t a;
    pool(moving, 2, &a);
    assert_true(a.target_eps > 0);
    if (a.target_caught < 0.95 * a.target_eps)
        fprintf(stderr, "TARGET coach: recall %d/%d < 95 %%\n", a.target_caught, a.target_eps);
    assert_true(a.target_caught >= FLOOR_RECALL * a.target_eps);
}

static void no_false_alarms_when_still(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof still / sizeof still[0]; i++) {
        const score_acc_t *a = &acc[still[i]];
        if (a->fa) {
            fprintf(stderr, "TARGET coach %s: %d false alarms in %d of %d traces\n",
                    copgen_category_name(still[i]), a->fa, a->fa_traces, a->traces);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void breathing_rate_from_movement(void **state)
{
    (void)state;
    score_acc_t a;
    pool(still, sizeof still / sizeof still[0], &a);
    double p90 = score_percentile(a.bpm_err, a.n_bpm, 0.9);
    if (a.bpm_missing || !(p90 <= 1.0))
        fprintf(stderr,
                "TARGET coach: breathing rate error p90 %.2f /min (> 1), %d traces "
                "without a rate\n",
                p90, a.bpm_missing);
    assert_int_equal(a.bpm_missing, 0);
    assert_true(p90 <= 1.0);
}

static void buzz_starts_and_stops_promptly(void **state)
{
    (void)state;
    score_acc_t a;
    pool(moving, 2, &a);
    double on = score_percentile(a.start_lat, a.n_start, 0.9);
    double off = score_percentile(a.stop_lat, a.n_stop, 0.9);
    if (!(on <= 1.0) || !(off <= 0.8) || a.stop_missing)
        fprintf(stderr,
                "TARGET coach: start p90 %.2f s (<= 1.0), stop p90 %.2f s (<= 0.8), %d buzzes "
                "that never stopped\n",
                on, off, a.stop_missing);
    assert_true(on <= FLOOR_START_P90_S);
    assert_true(off <= 0.8);
    assert_int_equal(a.stop_missing, 0);
}

static void slides_are_relocations(void **state)
{
    (void)state;
    int bad = 0;
    const copgen_category_t slides[] = {COPGEN_SLIDE_FAST, COPGEN_SLIDE_SLOW};
    for (size_t i = 0; i < 2; i++) {
        const score_acc_t *a = &acc[slides[i]];
        if (a->reloc_found < a->reloc_true) {
            fprintf(stderr, "TARGET coach %s: %d of %d slides found as a relocation\n",
                    copgen_category_name(slides[i]), a->reloc_found, a->reloc_true);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wiggles_are_caught),
        cmocka_unit_test(no_false_alarms_when_still),
        cmocka_unit_test(breathing_rate_from_movement),
        cmocka_unit_test(buzz_starts_and_stops_promptly),
        cmocka_unit_test(slides_are_relocations),
    };
    return cmocka_run_group_tests(tests, run_battery, NULL);
}
