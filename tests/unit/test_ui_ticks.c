/* Axis ticks of the report and progress plots: round numbers over sane ranges, and nothing (never
 * a spinning loop) over the absurd ranges a damaged file could give. */
#include <math.h>

#include "sm_report_draw_internal.h"
#include "testsupport.h"

static void ticks_over_ordinary_ranges(void **state)
{
    (void)state;
    long k0, k1;
    assert_int_equal(rd_ticks(0, 10, 2, &k0, &k1), 6); /* 0 2 4 6 8 10 */
    assert_true(k0 == 0 && k1 == 5);
    assert_int_equal(rd_ticks(-0.25, 1.3, 0.5, &k0, &k1), 3); /* 0 0.5 1 */
    assert_true(k0 == 0 && k1 == 2);
    assert_int_equal(rd_ticks(0.1, 0.9, 1, &k0, &k1), 0); /* none inside */
    double step = rd_nice_step(60, 4);
    assert_true(rd_ticks(0, 60, step, &k0, &k1) >= 4 && rd_ticks(0, 60, step, &k0, &k1) <= 8);
}

static void no_ticks_over_absurd_ranges(void **state)
{
    (void)state;
    long k0, k1;
    /* a pitch of 1e300 mm once made the spectrum axes add a step too small to change v */
    assert_int_equal(rd_ticks(1e300, 1.0000001e300, 1, &k0, &k1), 0);
    assert_int_equal(rd_ticks(0, 1e300, rd_nice_step(1e300, 4) / 1e20, &k0, &k1), 0);
    assert_int_equal(rd_ticks(0, INFINITY, 1, &k0, &k1), 0);
    assert_int_equal(rd_ticks(NAN, 1, 1, &k0, &k1), 0);
    assert_int_equal(rd_ticks(0, 1, 0, &k0, &k1), 0);
    assert_int_equal(rd_ticks(0, 1, -1, &k0, &k1), 0);
    assert_int_equal(rd_ticks(5, 1, 1, &k0, &k1), 0);
    assert_true(k0 > k1); /* a loop from k0 to k1 runs no time */
    assert_int_equal(rd_ticks(0, RD_MAX_TICKS * 10.0, 1, &k0, &k1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ticks_over_ordinary_ranges),
        cmocka_unit_test(no_ticks_over_absurd_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
