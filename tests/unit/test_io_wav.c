/* --audio-out files: what the mixer schedules is what a player hears, at the right time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_mix.h"
#include "sm_wav.h"
#include "testsupport.h"

static void tone(float *buf, size_t n, double hz, int rate)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = 0.5f * (float)sin(2 * M_PI * hz * (double)i / rate);
}

/* First sample index at or after `from` whose magnitude exceeds thr. */
static size_t onset(const int16_t *pcm, size_t n, size_t from, int thr)
{
    for (size_t i = from; i < n; i++)
        if (abs(pcm[i]) > thr)
            return i;
    return n;
}

static void cues_land_at_their_session_times(void **state)
{
    (void)state;
    const int rate = 44100;
    sm_mix_t *m;
    assert_int_equal(sm_mix_create(rate, 5.0, &m), SM_OK);
    static float beep[4410];
    tone(beep, 4410, 880, rate);
    const char *path = ts_path(ts_tempdir(), "cues.wav");
    sm_wav_writer_t *w;
    char err[256];
    assert_int_equal(sm_wav_open(path, rate, &w, err, sizeof err), SM_OK);
    static int16_t out[8192];
    /* Cues at 1.0 s and 2.5 s, rendered in uneven steps as a live loop would. */
    sm_mix_add(m, 1.0, beep, 4410, 1.0f);
    double t = 0;
    int added = 0;
    while (t < 4.0) {
        t += 0.013;
        if (!added && t > 2.0) {
            sm_mix_add(m, 2.5, beep, 4410, 0.5f);
            added = 1;
        }
        size_t k;
        while ((k = sm_mix_render(m, t, out, 8192)) > 0)
            assert_int_equal(sm_wav_write(w, out, k, err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_wav_close(w, err, sizeof err), SM_OK);
    sm_mix_destroy(m);

    int16_t *pcm;
    size_t n;
    int r;
    assert_int_equal(sm_wav_read(path, &pcm, &n, &r, err, sizeof err), SM_OK);
    assert_int_equal(r, rate);
    assert_true(n >= (size_t)(3.99 * rate) && n <= (size_t)(4.02 * rate));
    size_t a = onset(pcm, n, 0, 1000);
    size_t b = onset(pcm, n, a + 4410, 1000);
    assert_true(labs((long)a - rate) < 10);               /* first cue at 1.0 s */
    assert_true(labs((long)b - (long)(2.5 * rate)) < 10); /* second at 2.5 s */
    int peak_a = 0, peak_b = 0;
    for (size_t i = a; i < a + 4000; i++)
        peak_a = abs(pcm[i]) > peak_a ? abs(pcm[i]) : peak_a;
    for (size_t i = b; i < b + 4000 && i < n; i++)
        peak_b = abs(pcm[i]) > peak_b ? abs(pcm[i]) : peak_b;
    assert_true(abs(peak_a - 16383) < 200);          /* 0.5 amplitude */
    assert_true(abs(peak_b - 8191) < 200);           /* at half gain */
    assert_int_equal(onset(pcm, n, b + 4410, 0), n); /* silence after */
    free(pcm);
}

static void mute_and_volume(void **state)
{
    (void)state;
    sm_mix_t *m;
    assert_int_equal(sm_mix_create(8000, 2.0, &m), SM_OK);
    float one[100];
    for (int i = 0; i < 100; i++)
        one[i] = 1.0f;
    int16_t out[2000];
    sm_mix_set_volume(m, 0.25f);
    sm_mix_add(m, 0.0, one, 100, 1.0f);
    assert_int_equal(sm_mix_render(m, 0.1, out, 2000), 800);
    assert_true(abs(out[50] - 8192) < 2);
    sm_mix_set_mute(m, 1);
    sm_mix_add(m, 0.1, one, 100, 1.0f);
    assert_int_equal(sm_mix_render(m, 0.2, out, 2000), 800);
    assert_int_equal(out[50], 0);
    /* Overlapping loud cues clip instead of wrapping round. */
    sm_mix_set_mute(m, 0);
    sm_mix_set_volume(m, 1.0f);
    sm_mix_add(m, 0.2, one, 100, 1.0f);
    sm_mix_add(m, 0.2, one, 100, 1.0f);
    assert_int_equal(sm_mix_render(m, 0.3, out, 2000), 800);
    assert_int_equal(out[10], 32767);
    sm_mix_destroy(m);
}

static void unwritable_path_is_reported(void **state)
{
    (void)state;
    sm_wav_writer_t *w;
    char err[256];
    assert_int_equal(sm_wav_open("/nonexistent-dir/x.wav", 44100, &w, err, sizeof err), SM_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent-dir/x.wav"));
    assert_int_equal(sm_wav_open("/dev/full", 44100, &w, err, sizeof err), SM_OK);
    static int16_t z[100000];
    sm_status s = SM_OK;
    for (int i = 0; i < 10 && s == SM_OK; i++)
        s = sm_wav_write(w, z, 100000, err, sizeof err);
    sm_status c = sm_wav_close(w, err, sizeof err);
    assert_true(s == SM_ERR_IO || c == SM_ERR_IO); /* the full disk is noticed, never a crash */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cues_land_at_their_session_times),
        cmocka_unit_test(mute_and_volume),
        cmocka_unit_test(unwritable_path_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
