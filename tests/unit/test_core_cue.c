/* Cue synthesis: every cue is audible, clipping-free, and sounds different from the others; the
 * wiggle buzz follows the amount of movement. */
#include "testsupport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cue.h"

#define RATE 44100

static float buf[SM_CUE_KINDS][RATE * 3];
static size_t len[SM_CUE_KINDS];

static double rms(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? sqrt(s / n) : 0;
}

/* Energy in 12 log-spaced bands 100 Hz..6.4 kHz (Goertzel at each band's centre and edges)
 * and in 6 time segments: a coarse fingerprint of how a cue sounds. */
static void fingerprint(const float *x, size_t n, double *v)
{
    for (int b = 0; b < 12; b++) {
        double e = 0;
        for (int q = 0; q < 3; q++) {
            double f = 100.0 * pow(2.0, (b + q / 3.0) / 2.0);
            double w = 2 * M_PI * f / RATE, c = 2 * cos(w), s1 = 0, s2 = 0;
            for (size_t i = 0; i < n; i++) {
                double s0 = x[i] + c * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            e += s1 * s1 + s2 * s2 - c * s1 * s2;
        }
        v[b] = sqrt(e / n);
    }
    for (int k = 0; k < 6; k++)
        v[12 + k] = rms(x + k * n / 6, n / 6);
    /* pitch and rhythm weigh the same */
    double a = 0, b = 0;
    for (int i = 0; i < 12; i++)
        a += v[i] * v[i];
    for (int i = 12; i < 18; i++)
        b += v[i] * v[i];
    for (int i = 0; i < 18; i++)
        v[i] /= sqrt(i < 12 ? a : b);
}

static double cosine(const double *a, const double *b, int n)
{
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

static int setup(void **state)
{
    (void)state;
    for (int k = 0; k < SM_CUE_KINDS; k++)
        len[k] = sm_cue_render((sm_cue_kind_t)k, 0.7, RATE, buf[k], RATE * 3);
    return 0;
}

static void test_audible_and_clean(void **state)
{
    (void)state;
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        assert_int_equal(len[k], sm_cue_length((sm_cue_kind_t)k, RATE));
        assert_true(len[k] >= RATE / 50 && len[k] <= 2 * RATE + 1); /* 20 ms .. 2 s */
        assert_true(rms(buf[k], len[k]) > 0.02);                    /* not silent */
        float peak = 0;
        for (size_t i = 0; i < len[k]; i++) {
            assert_true(isfinite(buf[k][i]));
            if (fabsf(buf[k][i]) > peak)
                peak = fabsf(buf[k][i]);
        }
        assert_true(peak <= SM_CUE_PEAK);
        /* soft edges: no click at the start or the end */
        assert_true(fabsf(buf[k][0]) < 0.05f);
        assert_true(fabsf(buf[k][len[k] - 1]) < 0.05f);
        int16_t s16[RATE * 3];
        size_t n16 = sm_cue_render_s16((sm_cue_kind_t)k, 0.7, RATE, s16, RATE * 3);
        assert_int_equal(n16, len[k]);
        for (size_t i = 0; i < n16; i++)
            assert_true(s16[i] > -32767 && s16[i] < 32767);
    }
}

static void test_distinct(void **state)
{
    (void)state;
    double fp[SM_CUE_KINDS][18];
    for (int k = 0; k < SM_CUE_KINDS; k++)
        fingerprint(buf[k], len[k], fp[k]);
    for (int a = 0; a < SM_CUE_KINDS; a++)
        for (int b = a + 1; b < SM_CUE_KINDS; b++) {
            if (a == SM_CUE_WIGGLE_START && b == SM_CUE_WIGGLE)
                continue; /* the same buzz on purpose */
            double c = cosine(fp[a], fp[b], 18);
            if (c > 0.95)
                fail_msg("%s and %s sound alike (%.3f)", sm_cue_kind_name((sm_cue_kind_t)a),
                         sm_cue_kind_name((sm_cue_kind_t)b), c);
        }
}

/* Pulses per second of the buzz: count rises of its envelope through half its peak. */
static int pulses(const float *x, size_t n)
{
    int count = 0, above = 0;
    double env = 0, top = 0;
    double *e = malloc(n * sizeof *e);
    for (size_t i = 0; i < n; i++) {
        env += 0.003 * (fabs(x[i]) - env); /* ~8 ms: follows the pulses, not the tone */
        e[i] = env;
        if (env > top)
            top = env;
    }
    for (size_t i = 0; i < n; i++) {
        if (!above && e[i] > 0.5 * top) {
            above = 1;
            count++;
        } else if (above && e[i] < 0.3 * top) {
            above = 0;
        }
    }
    free(e);
    return count;
}

static void test_wiggle_follows_intensity(void **state)
{
    (void)state;
    static float lo[RATE], hi[RATE];
    size_t nl = sm_cue_render(SM_CUE_WIGGLE, 0.1, RATE, lo, RATE);
    size_t nh = sm_cue_render(SM_CUE_WIGGLE, 1.0, RATE, hi, RATE);
    assert_int_equal(nl, nh);
    assert_true(rms(hi, nh) > 2.0 * rms(lo, nl)); /* louder */
    assert_true(pulses(hi, nh) > pulses(lo, nl)); /* faster */
    /* out-of-range intensities are clamped, not amplified */
    static float over[RATE];
    sm_cue_render(SM_CUE_WIGGLE, 7.0, RATE, over, RATE);
    assert_memory_equal(over, hi, nh * sizeof *hi);
}

static void test_edges(void **state)
{
    (void)state;
    float small[10];
    assert_int_equal(sm_cue_length(SM_CUE_FOUND, 100), 0);
    assert_int_equal(sm_cue_render(SM_CUE_FOUND, 1, 100, small, 10), 0);
    assert_int_equal(sm_cue_length(SM_CUE_KINDS, RATE), 0);
    assert_int_equal(sm_cue_render(SM_CUE_THRESHOLD, 1, RATE, small, 10), 10); /* truncated */
    assert_int_equal(sm_cue_render(SM_CUE_THRESHOLD, NAN, RATE, small, 10), 10);
    assert_true(sm_cue_length(SM_CUE_THRESHOLD, 8000) > sm_cue_length(SM_CUE_STEADY, 8000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audible_and_clean),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_wiggle_follows_intensity),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
