/* The guided calibration's plan and load detection (src/core/sm_calflow.h) on synthetic frames. */
#include <string.h>

#include "sm_calflow.h"
#include "testsupport.h"

static void plan_needs_three_masses_and_a_verify_load(void **state)
{
    (void)state;
    static sm_calflow_step_t st[SM_CALFLOW_MAX_STEPS];
    double m[] = {5, 10, 20};
    sm_calflow_plan_config_t c;
    memset(&c, 0, sizeof c);
    c.masses = m;
    c.nmasses = 3;
    c.verify_kg = 15;
    assert_int_equal(sm_calflow_plan(&c, st, SM_CALFLOW_MAX_STEPS), 16);
    assert_int_equal(st[1].kind, SM_CALIB_STEP_ZERO);
    assert_string_equal(st[1].instruction, "Take everything off the mat");
    assert_string_equal(st[11].instruction, "Put the 5 kg plate in the middle");
    assert_int_equal(st[14].kind, SM_CALIB_STEP_CREEP);
    assert_true(st[14].mass_kg == 20);
    c.nmasses = 2;
    assert_int_equal(sm_calflow_plan(&c, st, SM_CALFLOW_MAX_STEPS), 0);
    c.nmasses = 3;
    c.verify_kg = 0;
    assert_int_equal(sm_calflow_plan(&c, st, SM_CALFLOW_MAX_STEPS), 0);
}

static void frame_at(sm_frame_t *f, double t, int load)
{
    memset(f, 0, sizeof *f);
    f->rows = 8;
    f->cols = 8;
    f->t_us = (uint64_t)(t * 1e6);
    for (int i = 0; i < 64; i++)
        f->cells[i] = 2;
    for (int r = 2; load && r < 6; r++)
        for (int c = 2; c < 6; c++)
            f->cells[r * 8 + c] = (uint16_t)load;
}

static void zero_waits_for_an_empty_mat_and_breaks_on_a_load(void **state)
{
    (void)state;
    sm_calflow_step_t st[2];
    memset(st, 0, sizeof st);
    st[0].kind = SM_CALIB_STEP_ZERO;
    st[0].want = SM_CALFLOW_WANT_EMPTY;
    st[0].duration_s = 10;
    st[0].min_frac = 0.6;
    st[1] = st[0];
    st[1].kind = SM_CALIB_STEP_LOAD;
    st[1].want = SM_CALFLOW_WANT_LOADED;
    sm_calflow_t *fl;
    assert_int_equal(sm_calflow_create(8, 8, 1023, st, 2, 5, &fl), SM_OK);
    static sm_frame_t f;
    sm_calflow_out_t o;
    double t = 0;
    int begun = -1, timeouts = 0;
    for (; t < 7; t += 0.02) { /* loaded: never begins, times out after 5 s */
        frame_at(&f, t, 500);
        sm_calflow_frame(fl, &f, &o);
        assert_int_not_equal(o.event, SM_CALFLOW_EV_BEGIN);
        timeouts += o.event == SM_CALFLOW_EV_TIMEOUT;
    }
    assert_int_equal(timeouts, 1);
    for (; t < 12; t += 0.02) { /* empty: begins after 1 s */
        frame_at(&f, t, 0);
        sm_calflow_frame(fl, &f, &o);
        if (o.event == SM_CALFLOW_EV_BEGIN && begun < 0)
            begun = (int)((t - 7) * 100);
    }
    assert_true(begun >= 95 && begun <= 110);
    int aborted = 0;
    for (; t < 13; t += 0.02) { /* a load 4 s in: too early, redo */
        frame_at(&f, t, 500);
        sm_calflow_frame(fl, &f, &o);
        aborted += o.event == SM_CALFLOW_EV_ABORT;
    }
    assert_int_equal(aborted, 1);
    assert_int_equal(sm_calflow_state_of(fl), SM_CALFLOW_WAITING);
    int ended = 0;
    for (; t < 26; t += 0.02) { /* empty again: a full zero step */
        frame_at(&f, t, 0);
        sm_calflow_frame(fl, &f, &o);
        if (o.event == SM_CALFLOW_EV_END) {
            ended++;
            sm_calflow_result(fl, 1);
        }
    }
    assert_int_equal(ended, 1);
    assert_int_equal(sm_calflow_current(fl), 1);
    sm_calflow_destroy(fl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_needs_three_masses_and_a_verify_load),
        cmocka_unit_test(zero_waits_for_an_empty_mat_and_breaks_on_a_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
