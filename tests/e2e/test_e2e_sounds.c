/* Issue 17, end to end: `steadymat sounds --audio-out` holds every cue once, in order, written
 * safely; `--voice` puts speech at the coaching moments of a simulated session with the tones
 * kept underneath; the first live session with a window offers the sounds once. */
#include <ebur128.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_cue.h"
#include "sm_wav.h"
#include "testsupport.h"

static int16_t *read_wav(const char *path, size_t *n, int *rate)
{
    int16_t *pcm = NULL;
    char err[256];
    if (sm_wav_read(path, &pcm, n, rate, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    return pcm;
}

typedef struct {
    size_t a, b; /* sample range [a, b) */
} seg_t;

/* Sounds separated by at least 0.5 s of digital silence. */
static int segments(const int16_t *x, size_t n, int rate, seg_t *seg, int max)
{
    int k = 0;
    size_t i = 0, quiet = (size_t)rate / 2;
    while (i < n && k < max) {
        while (i < n && x[i] == 0)
            i++;
        if (i >= n)
            break;
        size_t a = i, last = i, run = 0;
        for (; i < n; i++) {
            if (x[i] != 0) {
                last = i;
                run = 0;
            } else if (++run >= quiet) {
                break;
            }
        }
        seg[k++] = (seg_t){a, last + 1};
    }
    return k;
}

static double lufs(const int16_t *x, size_t n, int rate)
{
    size_t m = n < (size_t)rate * 4 / 10 ? (size_t)rate * 4 / 10 : n;
    float *p = calloc(m, sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[(m - n) / 2 + i] = x[i] / 32768.0f;
    ebur128_state *st = ebur128_init(1, (unsigned long)rate, EBUR128_MODE_I);
    assert_non_null(st);
    ebur128_add_frames_float(st, p, m);
    double l = -HUGE_VAL;
    ebur128_loudness_global(st, &l);
    ebur128_destroy(&st);
    free(p);
    return l;
}

static void sounds_file_holds_every_cue_once(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *wav = ts_path(dir, "sounds.wav");
    const char *argv[] = {"steadymat", "sounds", "--audio-out", wav, NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(ts_run_steadymat(argv, 60, &out, &err), 0);
    struct stat st;
    assert_int_equal(stat(wav, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* private, like every file SteadyMat writes */
    size_t n;
    int rate;
    int16_t *pcm = read_wav(wav, &n, &rate);
    seg_t seg[64];
    int ns = segments(pcm, n, rate, seg, 64);
    assert_int_equal(ns, SM_CUE_KINDS);
    /* each sound is that cue, in order: the same samples as the cue rendered alone */
    static float ref[44100 * 3];
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        size_t m = sm_cue_render((sm_cue_kind_t)k, sm_cue_typical_intensity((sm_cue_kind_t)k), rate,
                                 ref, 44100 * 3);
        size_t len = seg[k].b - seg[k].a;
        if (!(len <= m && len + (size_t)rate / 10 >= m)) /* only silent edges trimmed */
            fail_msg("sound %d lasts %zu samples, %s %zu", k, len,
                     sm_cue_kind_name((sm_cue_kind_t)k), m);
        double e = 0, d = 0;
        size_t off = 0; /* the first non-zero sample of the render */
        while (off < m && lrintf(ref[off] * 32767.0f) == 0)
            off++;
        for (size_t i = 0; i < len && off + i < m; i++) {
            double r = ref[off + i] * 32767.0;
            e += r * r;
            d += (pcm[seg[k].a + i] - r) * (pcm[seg[k].a + i] - r);
        }
        if (!(d < 1e-4 * e))
            fail_msg("sound %d is not %s", k, sm_cue_kind_name((sm_cue_kind_t)k));
        /* the printed line names it and says what it means */
        assert_non_null(strstr(out, sm_cue_title((sm_cue_kind_t)k)));
        assert_non_null(strstr(out, sm_cue_meaning((sm_cue_kind_t)k)));
    }
    free(pcm);
    free(out);
    free(err);
    /* never written over without --force */
    assert_int_equal(ts_run_steadymat(argv, 60, NULL, &err), 1);
    assert_non_null(strstr(err, "--force"));
    free(err);
    const char *force[] = {"steadymat", "sounds", "--audio-out", wav, "--force", NULL};
    assert_int_equal(ts_run_steadymat(force, 60, NULL, NULL), 0);
}

/* Energy above 6 kHz (three RBJ biquad high-passes at 6 kHz, 36 dB an octave): speech's
 * fricatives (s, f, th) live there; the cues have almost nothing there. */
static double hf_energy(const int16_t *x, size_t n, int rate, double t0, double t1)
{
    double w = 2 * M_PI * 6000.0 / rate, al = sin(w) / (2 * 0.7071), c = cos(w);
    double b0 = (1 + c) / 2, b1 = -(1 + c), b2 = (1 + c) / 2, a0 = 1 + al, a1 = -2 * c, a2 = 1 - al;
    double z[3][4] = {{0}};
    size_t a = (size_t)(t0 * rate), b = (size_t)(t1 * rate);
    if (b > n)
        b = n;
    double e = 0;
    for (size_t i = a > 2 * (size_t)rate / 100 ? a - 2 * (size_t)rate / 100 : 0; i < b; i++) {
        double v = x[i];
        for (int s = 0; s < 3; s++) {
            double y = (b0 * v + b1 * z[s][0] + b2 * z[s][1] - a1 * z[s][2] - a2 * z[s][3]) / a0;
            z[s][1] = z[s][0];
            z[s][0] = v;
            z[s][3] = z[s][2];
            z[s][2] = y;
            v = y;
        }
        if (i >= a)
            e += v * v;
    }
    return b > a ? e / (double)(b - a) : 0;
}

static double rms(const int16_t *x, size_t n, int rate, double t0, double t1)
{
    size_t a = (size_t)(t0 * rate), b = (size_t)(t1 * rate);
    if (b > n)
        b = n;
    double s = 0;
    for (size_t i = a; i < b; i++)
        s += (double)x[i] * x[i];
    return b > a ? sqrt(s / (double)(b - a)) : 0;
}

static json_object *session(const char *wav, int voice)
{
    const char *argv[20] = {"steadymat",
                            "live",
                            "--sim",
                            "ball-wiggle",
                            "--speed",
                            "25",
                            "--headless",
                            "--duration",
                            "90",
                            "--json",
                            "--audio-out",
                            wav,
                            voice ? "--voice" : NULL,
                            NULL};
    int rc;
    json_object *j = ts_run_json(argv, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    return j;
}

static void voice_speaks_at_the_cues(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *tw = ts_path(dir, "tones.wav"), *vw = ts_path(dir, "voice.wav");
    json_object *jt = session(tw, 0), *jv = session(vw, 1);
    size_t nt, nv;
    int rate;
    int16_t *tones = read_wav(tw, &nt, &rate), *voice = read_wav(vw, &nv, &rate);
    json_object *cues = NULL;
    assert_true(json_object_object_get_ex(jv, "cues", &cues));
    int spoken = 0;
    for (size_t i = 0; i < json_object_array_length(cues); i++) {
        json_object *c = json_object_array_get_idx(cues, i), *k = NULL, *t = NULL;
        assert_true(json_object_object_get_ex(c, "kind", &k));
        assert_true(json_object_object_get_ex(c, "t_s", &t));
        int kind = -1;
        for (int q = 0; q < SM_CUE_KINDS; q++)
            if (!strcmp(json_object_get_string(k), sm_cue_kind_name((sm_cue_kind_t)q)))
                kind = q;
        double ts = json_object_get_double(t);
        if (kind < 0 || !sm_cue_phrase((sm_cue_kind_t)kind, "en"))
            continue;
        /* speech within the phrase's time after the cue (it may wait for a sound that plays) */
        double hv = hf_energy(voice, nv, rate, ts, ts + 3.5);
        double ht = hf_energy(tones, nt, rate, ts, ts + 3.5);
        printf("%-13s at %6.2f s: energy above 6 kHz %.0f with --voice, %.0f without\n",
               sm_cue_kind_name((sm_cue_kind_t)kind), ts, hv, ht);
        if (!(hv > 4 * ht + 500))
            fail_msg("no speech after %s at %.2f s", sm_cue_kind_name((sm_cue_kind_t)kind), ts);
        spoken++;
    }
    assert_true(spoken >= 4); /* found, wiggle start and stop, check-in, release at least */
    /* the tones stay: the release bell is still there, under the words */
    json_object *h =
        json_object_array_get_idx(json_object_object_get_ex(jv, "holds", &cues) ? cues : NULL, 0);
    json_object *rs = NULL;
    assert_true(json_object_object_get_ex(h, "release_s", &rs));
    double bell = json_object_get_double(rs);
    assert_true(rms(voice, nv, rate, bell, bell + 0.1) >
                0.3 * rms(tones, nt, rate, bell, bell + 0.1));
    /* away from the cues the two are the same session: silence stays silence */
    free(tones);
    free(voice);
    json_object_put(jt);
    json_object_put(jv);
}

static void voice_phrases_are_level_with_the_tones(void **state)
{
    (void)state;
    const char *wav = ts_path(ts_tempdir(), "sv.wav");
    const char *argv[] = {"steadymat", "sounds", "--voice", "--audio-out", wav, NULL};
    char *out = NULL;
    assert_int_equal(ts_run_steadymat(argv, 60, &out, NULL), 0);
    size_t n;
    int rate;
    int16_t *pcm = read_wav(wav, &n, &rate);
    seg_t seg[64];
    int ns = segments(pcm, n, rate, seg, 64);
    assert_int_equal(ns, SM_CUE_KINDS);
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        const char *ph = sm_cue_phrase((sm_cue_kind_t)k, "en");
        double l = lufs(pcm + seg[k].a, seg[k].b - seg[k].a, rate);
        printf("%-13s %5.2f s %6.1f LUFS %s%s%s\n", sm_cue_kind_name((sm_cue_kind_t)k),
               (double)(seg[k].b - seg[k].a) / rate, l, ph ? "\"" : "", ph ? ph : "",
               ph ? "\"" : "");
        if (ph) {
            assert_non_null(strstr(out, ph));
            /* a phrase is short (under 3 s) and as loud as the cues (-18 LUFS, 3 LU either way) */
            assert_true((double)(seg[k].b - seg[k].a) / rate < 3.0);
            assert_true(l > -21.0 && l < -15.0);
        }
    }
    free(pcm);
    free(out);
}

/* The phrases are in the locale's language when there are phrases and an espeak-ng voice for
 * it; otherwise English. */
static void voice_language_follows_the_locale(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    const char *langs[][2] = {
        {"de_DE.UTF-8", "de"}, {"fr_FR.UTF-8", "fr"}, {"ja_JP.UTF-8", "en"}, {"C", "en"}};
    for (int i = 0; i < 4; i++) {
        setenv("LANG", langs[i][0], 1);
        const char *argv[] = {
            "steadymat", "sounds", "--voice", "--audio-out", ts_path(dir, langs[i][0]), NULL};
        char *out = NULL;
        assert_int_equal(ts_run_steadymat(argv, 60, &out, NULL), 0);
        const char *want = sm_cue_phrase(SM_CUE_FOUND, langs[i][1]);
        if (!strstr(out, want))
            fail_msg("LANG=%s: \"%s\" not said", langs[i][0], want);
        free(out);
    }
    unsetenv("LANG");
}

/* live --help names every sound, says how to hear them and how to hear words instead */
static void live_help_names_the_sounds(void **state)
{
    (void)state;
    const char *argv[] = {"steadymat", "live", "--help", NULL};
    char *out = NULL;
    assert_int_equal(ts_run_steadymat(argv, 30, &out, NULL), 0);
    const char *words[] = {"steadymat sounds", "--voice",  "found", "steady",     "buzz",
                           "settled",          "check-in", "bell",  "next phase", "lift-off",
                           "push/relax",       "closer",   "no-go", "mat lost"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strstr(out, words[i]))
            fail_msg("live --help does not mention %s", words[i]);
    free(out);
}

static void first_live_session_offers_the_sounds_once(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    setenv("XDG_DATA_HOME", dir, 1);
    const char *argv[] = {"steadymat", "live",       "--sim", "ball-steady", "--speed",
                          "20",        "--duration", "2",     NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(argv, 60, NULL, &err), 0);
    assert_non_null(strstr(err, "press s"));
    free(err);
    struct stat st;
    assert_int_equal(stat(ts_path(dir, "steadymat/once/sounds-offered"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ts_run_steadymat(argv, 60, NULL, &err), 0);
    assert_null(strstr(err, "press s")); /* once */
    free(err);
    /* without a window nothing can be pressed: a fresh place, headless, no offer, no marker */
    const char *dir2 = ts_tempdir();
    setenv("XDG_DATA_HOME", dir2, 1);
    const char *headless[] = {"steadymat", "live",       "--sim", "ball-steady", "--speed",
                              "20",        "--duration", "2",     "--headless",  NULL};
    assert_int_equal(ts_run_steadymat(headless, 60, NULL, &err), 0);
    assert_null(strstr(err, "press s"));
    assert_int_not_equal(stat(ts_path(dir2, "steadymat/once/sounds-offered"), &st), 0);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sounds_file_holds_every_cue_once),
        cmocka_unit_test(voice_phrases_are_level_with_the_tones),
        cmocka_unit_test(voice_speaks_at_the_cues),
        cmocka_unit_test(voice_language_follows_the_locale),
        cmocka_unit_test(live_help_names_the_sounds),
        cmocka_unit_test(first_live_session_offers_the_sounds_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
