/* Issue 17: the cues measured as a listener's ear and a small speaker take them. Each cue is
 * rendered alone at the intensity the coach plays it and measured with EBU R128 (libebur128:
 * integrated loudness, the cue centred in at least one 400 ms block, so a short click counts
 * as short) and with a spectrum (share of its energy between 500 Hz and 4 kHz, the band laptop
 * and phone speakers reproduce). The table is printed (ctest -V). */
#include "testsupport.h"

#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kiss_fftr.h"
#include "sm_cue.h"

#define RATE 44100
#define CAP  (RATE * 3)

/* The intensity the coach plays each cue with: STEADY 0.6 (sm_coach), the buzz and the closer
 * blip vary (measured at the middle; their extremes in test_buzz_range), the rest 1. */
static double played_at(sm_cue_kind_t k)
{
    if (k == SM_CUE_STEADY)
        return 0.6;
    if (k == SM_CUE_WIGGLE || k == SM_CUE_WIGGLE_START || k == SM_CUE_CLOSER)
        return 0.5;
    return 1.0;
}

static double lufs(const float *x, size_t n)
{
    size_t m = n < RATE * 4 / 10 ? RATE * 4 / 10 : n;
    float *pad = calloc(m, sizeof *pad);
    assert_non_null(pad);
    for (size_t i = 0; i < n; i++)
        pad[(m - n) / 2 + i] = x[i];
    ebur128_state *st = ebur128_init(1, RATE, EBUR128_MODE_I);
    assert_non_null(st);
    assert_int_equal(ebur128_add_frames_float(st, pad, m), EBUR128_SUCCESS);
    double l = -HUGE_VAL;
    assert_int_equal(ebur128_loudness_global(st, &l), EBUR128_SUCCESS);
    ebur128_destroy(&st);
    free(pad);
    return l;
}

/* Share of the energy between lo and hi Hz (power spectrum of the whole cue, zero-padded). */
static double band_share(const float *x, size_t n, double lo, double hi)
{
    int L = 1024;
    while ((size_t)L < 2 * n)
        L *= 2;
    kiss_fft_scalar *in = calloc((size_t)L, sizeof *in);
    kiss_fft_cpx *sp = malloc(((size_t)L / 2 + 1) * sizeof *sp);
    kiss_fftr_cfg cfg = kiss_fftr_alloc(L, 0, NULL, NULL);
    assert_true(in && sp && cfg);
    for (size_t i = 0; i < n; i++)
        in[i] = x[i];
    kiss_fftr(cfg, in, sp);
    double e = 0, tot = 0;
    for (int k = 1; k <= L / 2; k++) {
        double f = (double)k * RATE / L, pw = (double)sp[k].r * sp[k].r + (double)sp[k].i * sp[k].i;
        tot += pw;
        if (f >= lo && f <= hi)
            e += pw;
    }
    kiss_fftr_free(cfg);
    free(in);
    free(sp);
    return tot > 0 ? e / tot : 0;
}

static float buf[SM_CUE_KINDS][CAP];
static size_t len[SM_CUE_KINDS];
static double loud[SM_CUE_KINDS], share[SM_CUE_KINDS];

static int setup(void **state)
{
    (void)state;
    printf("%-13s %8s %10s %8s\n", "cue", "LUFS", "500-4k Hz", "s");
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        len[k] = sm_cue_render((sm_cue_kind_t)k, played_at((sm_cue_kind_t)k), RATE, buf[k], CAP);
        loud[k] = lufs(buf[k], len[k]);
        share[k] = band_share(buf[k], len[k], 500, 4000);
        printf("%-13s %8.1f %9.0f%% %8.2f\n", sm_cue_kind_name((sm_cue_kind_t)k), loud[k],
               100 * share[k], (double)len[k] / RATE);
    }
    return 0;
}

static int louder_by_design(int k)
{
    return k == SM_CUE_THRESHOLD || k == SM_CUE_NOGO;
}

/* Small speakers roll off below about 500 Hz: a cue living there is not heard on a laptop. */
static void test_energy_in_speaker_band(void **state)
{
    (void)state;
    for (int k = 0; k < SM_CUE_KINDS; k++)
        if (!(share[k] > 0.5))
            fail_msg("%s has only %.0f %% of its energy in 500-4000 Hz",
                     sm_cue_kind_name((sm_cue_kind_t)k), 100 * share[k]);
}

/* One loudness for all: within 3 LU of each other; the bell and the alarm may be louder (by at
 * most 6 LU: urgent, not painful) but never softer; the steady tick is the soft end. */
static void test_loudness_matched(void **state)
{
    (void)state;
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        assert_true(isfinite(loud[k]));
        if (louder_by_design(k))
            continue;
        lo = loud[k] < lo ? loud[k] : lo;
        hi = loud[k] > hi ? loud[k] : hi;
    }
    if (hi - lo > 3.0)
        fail_msg("the cues span %.1f LU (%.1f .. %.1f LUFS)", hi - lo, lo, hi);
    for (int k = 0; k < SM_CUE_KINDS; k++)
        if (louder_by_design(k) && (loud[k] < lo || loud[k] > hi + 6.0))
            fail_msg("%s at %.1f LUFS, the others %.1f .. %.1f", sm_cue_kind_name((sm_cue_kind_t)k),
                     loud[k], lo, hi);
    /* soft but audible: not louder than the middle of the others, in the range */
    int below = 0, n = 0;
    for (int k = 0; k < SM_CUE_KINDS; k++)
        if (!louder_by_design(k) && k != SM_CUE_STEADY) {
            n++;
            below += loud[k] < loud[SM_CUE_STEADY];
        }
    if (below > n / 2)
        fail_msg("the steady tick (%.1f LUFS) is louder than most cues", loud[SM_CUE_STEADY]);
    /* ...and loud enough to hear at all: the old tick was 15 LU below the rest */
    assert_true(loud[SM_CUE_STEADY] > -30.0 && loud[SM_CUE_STEADY] >= lo);
}

/* The buzz grows with the movement but stays in the others' range give or take its growth. */
static void test_buzz_range(void **state)
{
    (void)state;
    static float b[CAP];
    size_t n = sm_cue_render(SM_CUE_WIGGLE, 0.05, RATE, b, CAP);
    double soft = lufs(b, n);
    n = sm_cue_render(SM_CUE_WIGGLE, 1.0, RATE, b, CAP);
    double strong = lufs(b, n);
    printf("buzz at intensity 0.05: %.1f LUFS, at 1: %.1f LUFS\n", soft, strong);
    assert_true(strong > soft + 4.0);                      /* more movement, clearly louder */
    assert_true(fabs(soft - loud[SM_CUE_WIGGLE]) < 6.0);   /* never drowned out */
    assert_true(fabs(strong - loud[SM_CUE_WIGGLE]) < 6.0); /* never a blast */
    for (double x = 0; x <= 1.0; x += 0.5) {
        n = sm_cue_render(SM_CUE_CLOSER, x, RATE, b, CAP);
        assert_true(band_share(b, n, 500, 4000) > 0.5);
        assert_true(fabs(lufs(b, n) - loud[SM_CUE_CLOSER]) < 1.5); /* pitch says nearness */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_energy_in_speaker_band),
        cmocka_unit_test(test_loudness_matched),
        cmocka_unit_test(test_buzz_range),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
