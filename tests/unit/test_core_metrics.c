/* The numbers the live view shows: total, area, peak, centre of pressure, trail, colour scale. */
#include <string.h>

#include "sm_metrics.h"
#include "testsupport.h"

static sm_frame_t f;

static void blank(int rows, int cols)
{
    memset(&f, 0, sizeof f);
    f.rows = (uint16_t)rows;
    f.cols = (uint16_t)cols;
}

static void single_cell_cop_is_its_centre(void **state)
{
    (void)state;
    blank(32, 24);
    f.cells[5 * 24 + 7] = 800;
    sm_metrics_t m;
    sm_metrics_compute(&f, 25.0, 20, &m);
    assert_true(m.has_contact);
    assert_float_equal(m.cop_row, 5.5, 1e-9);
    assert_float_equal(m.cop_col, 7.5, 1e-9);
    assert_int_equal(m.contact_cells, 1);
    assert_float_equal(m.area_cm2, 6.25, 1e-9); /* one 2.5 cm cell */
    assert_float_equal(m.peak, 800, 0);
    assert_int_equal(m.peak_row, 5);
    assert_int_equal(m.peak_col, 7);
}

static void cop_is_load_weighted_and_noise_ignored(void **state)
{
    (void)state;
    blank(16, 16);
    f.cells[2 * 16 + 2] = 300; /* 3:1 load between two cells on one row */
    f.cells[2 * 16 + 10] = 100;
    f.cells[15 * 16 + 15] = 10; /* below threshold: noise */
    sm_metrics_t m;
    sm_metrics_compute(&f, 10.0, 20, &m);
    assert_float_equal(m.cop_col, (300 * 2.5 + 100 * 10.5) / 400.0, 1e-9);
    assert_float_equal(m.cop_row, 2.5, 1e-9);
    assert_float_equal(m.total, 400, 0);
    assert_int_equal(m.contact_cells, 2);
}

static void empty_frame_has_no_contact(void **state)
{
    (void)state;
    blank(8, 8);
    f.cells[3] = 5;
    sm_metrics_t m;
    sm_metrics_compute(&f, 25.0, 20, &m);
    assert_false(m.has_contact);
    assert_float_equal(m.total, 0, 0);
}

static void summary_means(void **state)
{
    (void)state;
    sm_summary_t s;
    sm_summary_init(&s);
    sm_metrics_t a = {.total = 100, .peak = 50, .has_contact = 1, .cop_row = 2, .cop_col = 4};
    sm_metrics_t b = {.total = 300, .peak = 90, .has_contact = 1, .cop_row = 4, .cop_col = 8};
    sm_metrics_t c = {.total = 0, .peak = 3, .has_contact = 0};
    sm_summary_add(&s, 1.0, &a);
    sm_summary_add(&s, 2.0, &b);
    sm_summary_add(&s, 3.0, &c);
    assert_int_equal(s.frames, 3);
    assert_int_equal(s.cop_frames, 2);
    assert_float_equal(s.total_sum / s.frames, 400.0 / 3, 1e-9);
    assert_float_equal(s.cop_col_sum / s.cop_frames, 6, 1e-9);
    assert_float_equal(s.peak_max, 90, 0);
    assert_float_equal(s.t_last_s - s.t_first_s, 2.0, 0);
}

static void trail_keeps_the_newest_points_in_order(void **state)
{
    (void)state;
    static sm_trail_t tr;
    sm_trail_init(&tr);
    for (int i = 0; i < SM_TRAIL_MAX + 10; i++)
        sm_trail_push(&tr, i, i, -i);
    assert_int_equal(tr.count, SM_TRAIL_MAX);
    double t, r, c;
    assert_true(sm_trail_get(&tr, 0, &t, &r, &c));
    assert_float_equal(t, 10, 0); /* the 10 oldest were dropped */
    assert_true(sm_trail_get(&tr, SM_TRAIL_MAX - 1, &t, &r, &c));
    assert_float_equal(t, SM_TRAIL_MAX + 9, 0);
    assert_false(sm_trail_get(&tr, SM_TRAIL_MAX, &t, &r, &c));
}

static void nice_scale_numbers(void **state)
{
    (void)state;
    const double in[] = {0.7, 1, 1.2, 2.2, 3, 999, 1001, 1222, 3841, 4095, 60000};
    const double want[] = {1, 1, 2, 2.5, 5, 1000, 2000, 2000, 5000, 5000, 100000};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        assert_float_equal(sm_nice_ceil(in[i]), want[i], 1e-9);
}

static void autoscale_rises_at_once_and_falls_after_the_window(void **state)
{
    (void)state;
    sm_autoscale_t a;
    sm_autoscale_init(&a, 10.0, 1023);
    assert_float_equal(sm_autoscale_update(&a, 0.0, 300), 500, 0);
    assert_float_equal(sm_autoscale_update(&a, 1.0, 1800), 2000, 0); /* a spike shows at once */
    assert_float_equal(sm_autoscale_update(&a, 5.0, 300), 2000, 0);  /* and is kept a while */
    assert_float_equal(sm_autoscale_update(&a, 10.5, 300), 2000, 0); /* window held the spike */
    assert_float_equal(sm_autoscale_update(&a, 21.0, 300), 500, 0);  /* a quiet window later */
    assert_float_equal(sm_autoscale_update(&a, 2.0, 900), 1000, 0);  /* replay jumped back */
}

/* The colour scale's peak: a stuck cell at full scale (labelled a fault, or standing alone) does
 * not set it; the ball's contact (a peak with loaded neighbours) does. */
static void robust_peak_ignores_faults_and_lone_cells(void **state)
{
    (void)state;
    enum { R = 8, C = 6 };
    float v[R * C];
    uint8_t labels[R * C];
    for (int i = 0; i < R * C; i++)
        v[i] = 20.0f, labels[i] = 1;
    /* the ball: 150 in the middle of a 3x3 patch at 90 */
    for (int r = 4; r <= 6; r++)
        for (int c = 1; c <= 3; c++)
            v[r * C + c] = 90.0f;
    v[5 * C + 2] = 150.0f;
    /* a stuck cell at full scale, labelled */
    v[1 * C + 4] = 1023.0f;
    labels[1 * C + 4] = 3;
    assert_float_equal(sm_metrics_robust_peak(v, labels, 3, R, C), 150.0, 1e-6);
    /* unlabelled, it stands alone (neighbours 20 < 30 % of 1023): still ignored */
    assert_float_equal(sm_metrics_robust_peak(v, NULL, 3, R, C), 150.0, 1e-6);
    /* two hot neighbours are a contact, not a lone fault */
    v[1 * C + 5] = 600.0f;
    assert_float_equal(sm_metrics_robust_peak(v, NULL, 3, R, C), 1023.0, 1e-6);
    /* nothing spread over two cells: none */
    float lone[R * C] = {0};
    lone[10] = 50.0f;
    assert_true(sm_metrics_robust_peak(lone, NULL, 3, R, C) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_cell_cop_is_its_centre),
        cmocka_unit_test(cop_is_load_weighted_and_noise_ignored),
        cmocka_unit_test(empty_frame_has_no_contact),
        cmocka_unit_test(summary_means),
        cmocka_unit_test(trail_keeps_the_newest_points_in_order),
        cmocka_unit_test(nice_scale_numbers),
        cmocka_unit_test(autoscale_rises_at_once_and_falls_after_the_window),
        cmocka_unit_test(robust_peak_ignores_faults_and_lone_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
