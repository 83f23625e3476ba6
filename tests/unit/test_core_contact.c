/* Tool contact detection on simulated mats: the ball or hook is found and followed, faults are
 * never taken for it, and the side of the body comes out right. */
#include "testsupport.h"

#include <math.h>
#include <string.h>

#include "sm_contact.h"
#include "sm_sim.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))
/* a tool there from the first frame is found by then (confirm_s plus the first frames' floor) */
#define CONFIRM_S 2.0

typedef struct {
    int frames, present, truth_present, missed;
    double first_found; /* s, -1 never: a tool there from the first frame is confirmed first */
    double max_err_mm, sum_err_mm;
    int on_stuck;      /* frames whose tool peak is a stuck cell */
    int right, left;   /* side votes */
    int stuck_flagged; /* frames with a stuck cell replaced */
} contact_run_t;

static sm_sim_t *make_sim(const char *scenario, int rows, int cols, double pitch)
{
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.scenario = scenario;
    c.rows = rows;
    c.cols = cols;
    c.pitch_mm = pitch;
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_OK);
    return s;
}

/* Run a scenario at 50 Hz for dur_s; mirror = flip the columns (the other side of the body);
 * kpa = feed the true pressure instead of counts. */
static void run(const char *scenario, sm_posture_t posture, int rows, int cols, double pitch,
                double dur_s, int mirror, int kpa, contact_run_t *r)
{
    memset(r, 0, sizeof *r);
    r->first_found = -1;
    sm_sim_t *sim = make_sim(scenario, rows, cols, pitch);
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.posture = posture;
    cs.tool = strncmp(scenario, "hook", 4) == 0 ? SM_TOOL_HOOK : SM_TOOL_BALL;
    sm_contact_t *ct = NULL;
    assert_int_equal(sm_contact_create(rows, cols, pitch, &cs, &ct), SM_OK);
    static uint16_t cells[4096], flipped[4096];
    static float fcells[4096];
    for (int k = 0; k <= (int)(dur_s * 50); k++) {
        double t = k / 50.0;
        sm_sim_render(sim, US(t), cells);
        sm_sim_truth_t tr;
        sm_sim_truth(sim, &tr);
        const double *p = sm_sim_pressure(sim);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int src = i * cols + (mirror ? cols - 1 - j : j);
                flipped[i * cols + j] = cells[src];
                fcells[i * cols + j] = (float)p[src];
            }
        sm_contact_frame_t f;
        if (kpa)
            sm_contact_update(ct, fcells, t, &f);
        else
            sm_contact_update_u16(ct, flipped, t, &f);
        r->frames++;
        r->truth_present += tr.tool_present;
        r->stuck_flagged += f.stuck_cells > 0;
        if (!f.present) {
            /* a tool on the mat from the first frame must be seen for confirm_s (1.5 s) first */
            r->missed += tr.tool_present && t >= CONFIRM_S;
            continue;
        }
        if (r->first_found < 0)
            r->first_found = t;
        r->present++;
        double tc = mirror ? cols - tr.tool_col : tr.tool_col;
        double e = hypot(f.x_mm - tc * pitch, f.y_mm - tr.tool_row * pitch);
        r->sum_err_mm += e;
        if (e > r->max_err_mm)
            r->max_err_mm = e;
        int pc = mirror ? cols - 1 - f.peak_col : f.peak_col;
        if (sm_sim_cell_fault(sim, f.peak_row, pc) == SM_SIM_CELL_STUCK)
            r->on_stuck++;
        r->right += f.side == SM_SIDE_RIGHT;
        r->left += f.side == SM_SIDE_LEFT;
        /* the blob is labelled for the view */
        assert_int_equal(sm_contact_labels(ct)[f.peak_row * cols + f.peak_col], SM_CONTACT_TOOL);
        assert_true(f.share > 0.0 && f.share <= 1.0);
        assert_true(f.area_mm2 > 0.0);
    }
    sm_contact_destroy(ct);
    sm_sim_destroy(sim);
}

static void test_ball_found_and_followed(void **state)
{
    (void)state;
    contact_run_t r;
    run("ball-steady", SM_POSTURE_PRONE, 32, 24, 25.0, 30, 0, 0, &r);
    assert_int_equal(r.missed, 0);
    assert_true(r.first_found >= 1.0 && r.first_found <= CONFIRM_S); /* seen for a moment first */
    assert_true(r.present >= r.frames - (int)(CONFIRM_S * 50));
    /* the centroid of a 5 cm ball on 25 mm cells: within a third of a cell on average */
    assert_true(r.sum_err_mm / r.present < 8.0);
    assert_true(r.max_err_mm < 15.0);
    assert_int_equal(r.on_stuck, 0);
    assert_true(r.stuck_flagged > 0);        /* the simulated stuck cell was seen and replaced */
    assert_true(r.right > 0.95 * r.present); /* ball under the right ASIS, prone */
}

static void test_mirrored_is_left(void **state)
{
    (void)state;
    contact_run_t r;
    run("ball-steady", SM_POSTURE_PRONE, 32, 24, 25.0, 20, 1, 0, &r);
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 15.0);
    assert_true(r.left > 0.95 * r.present);
}

static void test_hook_and_back_sides(void **state)
{
    (void)state;
    contact_run_t r;
    run("hook-two-phase", SM_POSTURE_SIDE, 32, 24, 25.0, 60, 0, 0, &r);
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 12.0);
    assert_int_equal(r.on_stuck, 0);
    assert_true(r.right > 0.95 * r.present); /* lying on the right side */
    run("hook-two-phase", SM_POSTURE_SIDE, 32, 24, 25.0, 20, 1, 0, &r);
    assert_true(r.left > 0.95 * r.present);
    run("back-of-hip", SM_POSTURE_SUPINE, 32, 24, 25.0, 55, 0, 0, &r);
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 15.0);
    assert_true(r.right > 0.95 * r.present);
}

static void test_empty_and_stuck_never_tool(void **state)
{
    (void)state;
    contact_run_t r;
    run("empty", SM_POSTURE_PRONE, 32, 24, 25.0, 20, 0, 0, &r);
    assert_int_equal(r.present, 0);
    run("weights-ghost", SM_POSTURE_PRONE, 32, 24, 25.0, 10, 0, 0, &r);
    assert_int_equal(r.on_stuck, 0);
}

static void test_kpa_and_big_mat(void **state)
{
    (void)state;
    contact_run_t r;
    run("ball-steady", SM_POSTURE_PRONE, 32, 24, 25.0, 10, 0, 1, &r); /* kPa floats */
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 15.0);
    run("ball-wiggle", SM_POSTURE_PRONE, 64, 64, 25.0, 30, 0, 0, &r); /* head to shins */
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 15.0);
    assert_int_equal(r.on_stuck, 0);
    assert_true(r.right > 0.95 * r.present);
    run("ball-steady", SM_POSTURE_PRONE, 16, 16, 10.0, 10, 0, 0, &r); /* small fine pad */
    assert_int_equal(r.missed, 0);
    assert_true(r.max_err_mm < 8.0);
}

static void test_hostile_input(void **state)
{
    (void)state;
    sm_contact_t *ct = NULL;
    assert_int_equal(sm_contact_create(0, 24, 25, NULL, &ct), SM_ERR_ARG);
    assert_null(ct);
    assert_int_equal(sm_contact_create(32, 65, 25, NULL, &ct), SM_ERR_ARG);
    assert_int_equal(sm_contact_create(8, 8, 0, NULL, &ct), SM_ERR_ARG);
    assert_int_equal(sm_contact_create(8, 8, 20, NULL, &ct), SM_OK);
    float cells[64];
    uint64_t rng = 7;
    sm_contact_frame_t f;
    for (int k = 0; k < 200; k++) {
        for (int i = 0; i < 64; i++) {
            uint64_t x = ts_rand(&rng);
            cells[i] = (x & 15) == 0 ? NAN : (x & 15) == 1 ? INFINITY : (float)(x % 1000);
        }
        sm_contact_update(ct, cells, k * 0.02, &f);
        assert_true(f.total >= 0 && isfinite(f.total));
        if (f.present)
            assert_true(isfinite(f.x_mm) && isfinite(f.y_mm));
    }
    /* all zero: nothing */
    memset(cells, 0, sizeof cells);
    sm_contact_update(ct, cells, 5.0, &f);
    assert_int_equal(f.present, 0);
    assert_int_equal(f.has_load, 0);
    assert_string_equal(sm_side_name(SM_SIDE_LEFT), "left");
    sm_contact_destroy(ct);
    sm_contact_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ball_found_and_followed),
        cmocka_unit_test(test_mirrored_is_left),
        cmocka_unit_test(test_hook_and_back_sides),
        cmocka_unit_test(test_empty_and_stuck_never_tool),
        cmocka_unit_test(test_kpa_and_big_mat),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
