/* The guided calibration's plan and load detection (src/core/sm_calflow.h) on synthetic frames. */
#include <math.h>
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

/* The "you will need" list comes from the steps themselves: the board of the condition and even
 * load steps, the plate and every mass the load, creep and verify steps ask for, so what the
 * user prepares is what the steps then ask for. */
static void needs_are_gathered_from_the_steps(void **state)
{
    (void)state;
    static sm_calflow_step_t st[SM_CALFLOW_MAX_STEPS];
    double m[] = {20, 5, 10, 20, 10};
    sm_calflow_plan_config_t c;
    memset(&c, 0, sizeof c);
    c.masses = m;
    c.nmasses = 5;
    c.verify_kg = 15;
    c.placements = 4;
    size_t n = sm_calflow_plan(&c, st, SM_CALFLOW_MAX_STEPS);
    assert_int_equal(n, 2 + 4 + 5 + 2);
    sm_calflow_needs_t nd;
    sm_calflow_needs(st, n, &nd);
    assert_int_equal(nd.nsteps, n);
    /* defaults: a 30 x 40 cm board with 75 kg, a 10 x 10 cm plate */
    assert_true(nd.board_w_cm == 30 && nd.board_h_cm == 40 && nd.board_kg == 75);
    assert_int_equal(nd.board_steps, 1 + 4);
    assert_true(nd.plate_w_cm == 10 && nd.plate_h_cm == 10);
    /* each mass once, ascending; five load steps */
    assert_int_equal(nd.nmasses, 3);
    assert_true(nd.masses_kg[0] == 5 && nd.masses_kg[1] == 10 && nd.masses_kg[2] == 20);
    assert_int_equal(nd.load_steps, 5);
    assert_true(nd.creep_kg == 20 && nd.creep_s == 90);
    assert_true(nd.verify_kg == 15);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += st[i].duration_s;
    assert_true(fabs(nd.total_s - total) < 1e-9);
    /* another board and plate, and a creep mass of its own: the list follows */
    c.board_w_cm = 50, c.board_h_cm = 50, c.board_kg = 40, c.plate_cm = 5, c.creep_kg = 12;
    n = sm_calflow_plan(&c, st, SM_CALFLOW_MAX_STEPS);
    sm_calflow_needs(st, n, &nd);
    assert_true(nd.board_w_cm == 50 && nd.board_h_cm == 50 && nd.board_kg == 40);
    assert_true(nd.plate_w_cm == 5 && nd.creep_kg == 12);
    for (size_t i = 0; i < n; i++)
        if (st[i].kind == SM_CALIB_STEP_LOAD || st[i].kind == SM_CALIB_STEP_VERIFY)
            assert_true(st[i].item == SM_CALFLOW_ITEM_PLATE && st[i].item_kg == st[i].mass_kg);
    /* a plan without a verify step (a steps list of one's own) has none to prepare */
    sm_calflow_needs(st, n - 1, &nd);
    assert_true(nd.verify_kg == 0);
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
        cmocka_unit_test(needs_are_gathered_from_the_steps),
        cmocka_unit_test(zero_waits_for_an_empty_mat_and_breaks_on_a_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
