/* Issue 17: no two cue sounds overlap. The scheduler's rule as a table of situations a person
 * on the mat meets (a tick due as the check-in starts, a wiggle during the bell, the alarm
 * during the bell, a long buzz), and the rule held over a whole simulated session. */
#include "testsupport.h"

#include <math.h>
#include <stdlib.h>

#include "sm_cue.h"
#include "sm_cuesched.h"
#include "sm_pipeline.h"
#include "sm_sim.h"

typedef struct {
    sm_cue_kind_t kind;
    double due;
    sm_cuesched_action_t want;
    double start; /* expected start (PLAY, WAIT, CUT) */
} step_t;

static void run(const step_t *steps, int n)
{
    sm_cuesched_t s;
    sm_cuesched_init(&s);
    for (int i = 0; i < n; i++) {
        sm_cuesched_decision_t d =
            sm_cuesched_place(&s, steps[i].kind, steps[i].due, sm_cue_duration_s(steps[i].kind));
        if (d.action != steps[i].want)
            fail_msg("step %d (%s at %.2f): action %d, want %d", i, sm_cue_kind_name(steps[i].kind),
                     steps[i].due, d.action, steps[i].want);
        if (d.action <= SM_CUESCHED_CUT && fabs(d.start_s - steps[i].start) > 1e-9)
            fail_msg("step %d (%s): starts at %.3f, want %.3f", i, sm_cue_kind_name(steps[i].kind),
                     d.start_s, steps[i].start);
    }
}

static void test_tick_and_checkin_same_instant(void **state)
{
    (void)state;
    /* issue 17's session: at 32.5 s both were due; either order, one sound */
    const step_t a[] = {{SM_CUE_STEADY, 32.5, SM_CUESCHED_PLAY, 32.5},
                        {SM_CUE_CHECKIN, 32.5, SM_CUESCHED_CUT, 32.5 + SM_CUESCHED_FADE_S}};
    run(a, 2);
    const step_t b[] = {{SM_CUE_CHECKIN, 32.5, SM_CUESCHED_PLAY, 32.5},
                        {SM_CUE_STEADY, 32.5, SM_CUESCHED_MERGED, 0}};
    run(b, 2);
}

static void test_waits_behind_the_bell(void **state)
{
    (void)state;
    double bell = sm_cue_duration_s(SM_CUE_THRESHOLD);
    const step_t a[] = {
        {SM_CUE_THRESHOLD, 60.0, SM_CUESCHED_PLAY, 60.0},
        {SM_CUE_WIGGLE_START, 60.5, SM_CUESCHED_WAIT, 60.0 + bell + SM_CUESCHED_GAP_S},
        /* the buzz pulses while its start waits: one buzz */
        {SM_CUE_WIGGLE, 60.75, SM_CUESCHED_MERGED, 0},
        {SM_CUE_STEADY, 61.0, SM_CUESCHED_MERGED, 0},
        /* the alarm does not wait: it cuts the bell and the waiting buzz */
        {SM_CUE_NOGO, 61.2, SM_CUESCHED_CUT, 61.2 + SM_CUESCHED_FADE_S},
        /* a second alarm while the first sounds is the same alarm */
        {SM_CUE_NOGO, 61.5, SM_CUESCHED_MERGED, 0},
        /* mat lost during the alarm: same priority, waits */
        {SM_CUE_MAT_LOST, 61.6, SM_CUESCHED_WAIT,
         61.2 + SM_CUESCHED_FADE_S + sm_cue_duration_s(SM_CUE_NOGO) + SM_CUESCHED_GAP_S},
    };
    run(a, 7);
    /* the release bell does not wait behind an ordinary cue (or its spoken phrase): it cuts it */
    const step_t b[] = {
        {SM_CUE_WIGGLE_STOP, 74.0, SM_CUESCHED_PLAY, 74.0},
        {SM_CUE_THRESHOLD, 74.1, SM_CUESCHED_CUT, 74.1 + SM_CUESCHED_FADE_S},
    };
    run(b, 2);
}

static void test_buzz_pulses_back_to_back(void **state)
{
    (void)state;
    double p = sm_cue_duration_s(SM_CUE_WIGGLE);
    const step_t a[] = {
        {SM_CUE_WIGGLE_START, 10.0, SM_CUESCHED_PLAY, 10.0},
        {SM_CUE_WIGGLE, 10.0 + p, SM_CUESCHED_PLAY, 10.0 + p},         /* no gap, no drift */
        {SM_CUE_WIGGLE, 10.0 + 2 * p, SM_CUESCHED_PLAY, 10.0 + 2 * p}, /* (frame times land */
        {SM_CUE_WIGGLE, 10.0 + 3 * p + 0.01, SM_CUESCHED_PLAY, 10.0 + 3 * p + 0.01}, /* late) */
        /* settled: the glide follows the last pulse after the gap */
        {SM_CUE_WIGGLE_STOP, 10.0 + 4 * p, SM_CUESCHED_WAIT,
         10.0 + 4 * p + 0.01 + SM_CUESCHED_GAP_S},
        /* the tick never delays anything: a cue due during it cuts it */
        {SM_CUE_STEADY, 20.0, SM_CUESCHED_PLAY, 20.0},
        {SM_CUE_WIGGLE_START, 20.1, SM_CUESCHED_CUT, 20.1 + SM_CUESCHED_FADE_S},
        /* free again as soon as it ends: no cue is delayed for a gap it did not wait for */
        {SM_CUE_FOUND, 30.0, SM_CUESCHED_PLAY, 30.0},
        {SM_CUE_STEADY, 30.0 + sm_cue_duration_s(SM_CUE_FOUND) + 0.01, SM_CUESCHED_PLAY,
         30.0 + sm_cue_duration_s(SM_CUE_FOUND) + 0.01},
        /* a tick due while the found sound still plays is merged into it */
        {SM_CUE_FOUND, 40.0, SM_CUESCHED_PLAY, 40.0},
        {SM_CUE_STEADY, 40.1, SM_CUESCHED_MERGED, 0},
        /* a pulse due a frame (20 ms) before the one sounding ends follows it: the buzz does
         * not stop for a pulse */
        {SM_CUE_WIGGLE_START, 50.0, SM_CUESCHED_PLAY, 50.0},
        {SM_CUE_WIGGLE, 50.0 + p - 0.02, SM_CUESCHED_WAIT, 50.0 + p},
        {SM_CUE_WIGGLE, 50.0 + 2 * p - 0.02, SM_CUESCHED_WAIT, 50.0 + 2 * p},
    };
    run(a, 14);
}

static void test_stale_cue_dropped(void **state)
{
    (void)state;
    /* a queue longer than the longest wait: the last one would mislead, it is dropped */
    sm_cuesched_t s;
    sm_cuesched_init(&s);
    sm_cuesched_place(&s, SM_CUE_THRESHOLD, 0.0, 2.0);
    assert_int_equal(sm_cuesched_place(&s, SM_CUE_CHECKIN, 0.1, 0.62).action, SM_CUESCHED_WAIT);
    assert_int_equal(sm_cuesched_place(&s, SM_CUE_PHASE, 0.2, 0.54).action, SM_CUESCHED_WAIT);
    sm_cuesched_decision_t d = sm_cuesched_place(&s, SM_CUE_LIFTOFF, 0.3, 0.5);
    assert_int_equal(d.action, SM_CUESCHED_STALE);
}

/* A whole simulated session with wiggles through the real pipeline: every sound ends before
 * the next begins, and nothing the coach said was lost without the rule saying so. */
static void test_session_never_overlaps(void **state)
{
    (void)state;
    const char *scen[] = {"ball-wiggle", "ball-steady", "ball-relocate"};
    for (int sc = 0; sc < 3; sc++) {
        sm_sim_config_t cfg;
        sm_sim_config_default(&cfg);
        cfg.scenario = scen[sc];
        sm_sim_t *sim = NULL;
        assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
        sm_pipeline_config_t pc = {
            cfg.rows, cfg.cols, cfg.pitch_mm, SM_PROTO_BALL_RELEASE, 0, 8000, 0.8f, 0, 0};
        sm_pipeline_t *p = NULL;
        assert_int_equal(sm_pipeline_create(&pc, &p), SM_OK);
        static sm_frame_t f;
        static int16_t pcm[8000];
        double dur = sm_sim_duration(sim) + 10;
        for (int k = 0; k <= (int)(dur * 50); k++) {
            f.t_us = (uint64_t)k * 20000u;
            f.seq = (uint32_t)k;
            f.rows = (uint16_t)cfg.rows;
            f.cols = (uint16_t)cfg.cols;
            sm_sim_render(sim, f.t_us, f.cells);
            sm_pipeline_frame(p, &f, NULL);
            while (sm_mix_render(sm_pipeline_mix(p), f.t_us / 1e6, pcm, 8000) > 0) {
            }
        }
        size_t n, nl;
        const sm_pipeline_played_t *pl = sm_pipeline_played(p, &n);
        sm_pipeline_cue_log(p, &nl);
        assert_int_equal(n, nl);
        assert_true(n > 10);
        int played = 0;
        double end = -1;
        for (size_t i = 0; i < n; i++) {
            if (!pl[i].played)
                continue;
            played++;
            if (pl[i].start_s < end - 1e-9)
                fail_msg("%s: %s at %.3f starts before the last sound ends (%.3f)", scen[sc],
                         sm_cue_kind_name(pl[i].kind), pl[i].start_s, end);
            assert_true(pl[i].start_s >= pl[i].due_s - 1e-9);
            assert_true(pl[i].start_s - pl[i].due_s <= SM_CUESCHED_MAX_WAIT_S + 1e-9);
            end = pl[i].end_s;
        }
        assert_true(played > 5);
        sm_pipeline_destroy(p);
        sm_sim_destroy(sim);
    }
}

/* The alarm cuts the bell in the sound too: after the cut the bell is silent, the alarm plays,
 * and the log says the bell ended there. */
static void test_cut_in_the_mix(void **state)
{
    (void)state;
    sm_pipeline_config_t pc = {32, 24, 25.0, SM_PROTO_BALL_RELEASE, 0, 8000, 1.0f, 0, 0};
    sm_pipeline_t *p = NULL;
    assert_int_equal(sm_pipeline_create(&pc, &p), SM_OK);
    sm_coach_cue_t c[] = {
        {SM_CUE_THRESHOLD, 60.0, 1.0}, {SM_CUE_STEADY, 61.0, 0.6}, {SM_CUE_NOGO, 61.2, 1.0}};
    static int16_t pcm[8000 * 70];
    sm_mix_render(sm_pipeline_mix(p), 59.0, pcm, 8000 * 70);
    for (int i = 0; i < 3; i++)
        sm_pipeline_cue(p, &c[i]);
    size_t n = sm_mix_render(sm_pipeline_mix(p), 66.0, pcm, 8000 * 70);
    assert_int_equal(n, 8000 * 7);
    /* the alarm's samples are exactly the alarm's: nothing of the bell under them */
    static float nogo[8000];
    size_t nn = sm_cue_render(SM_CUE_NOGO, 1.0, 8000, nogo, 8000);
    size_t at = (size_t)((61.2 + SM_CUESCHED_FADE_S - 59.0) * 8000 + 0.5);
    for (size_t i = 0; i < nn; i++)
        assert_true(abs(pcm[at + i] - (int)lrintf(nogo[i] * 32767.0f)) <= 1);
    /* and after it, silence: the bell's tail is gone */
    for (size_t i = at + nn; i < n; i++)
        assert_int_equal(pcm[i], 0);
    size_t np;
    const sm_pipeline_played_t *pl = sm_pipeline_played(p, &np);
    assert_int_equal(np, 3);
    assert_true(pl[0].played && pl[0].end_s <= pl[2].start_s + 1e-9);
    assert_false(pl[1].played);
    assert_true(pl[2].played);
    sm_pipeline_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_and_checkin_same_instant),
        cmocka_unit_test(test_waits_behind_the_bell),
        cmocka_unit_test(test_buzz_pulses_back_to_back),
        cmocka_unit_test(test_stale_cue_dropped),
        cmocka_unit_test(test_session_never_overlaps),
        cmocka_unit_test(test_cut_in_the_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
