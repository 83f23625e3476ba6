#include "sm_voice.h"

#include <ctype.h>
#include <espeak-ng/speak_lib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cue.h"

#define SPEECH_RMS  0.12f /* about -18 dBFS over the phrase: level with the cues */
#define SPEECH_PEAK 0.8f
#define WPM         150 /* a little slower than espeak's 175: a person lying down, listening */

struct sm_voice {
    char lang[3];
    float *pcm[SM_CUE_KINDS];
    size_t n[SM_CUE_KINDS];
};

/* espeak-ng hands the synthesised samples to one global callback. */
static struct {
    int16_t *buf;
    size_t n, cap;
    int failed;
} collect;

static int on_samples(short *wav, int n, espeak_EVENT *ev)
{
    (void)ev;
    if (!wav || n <= 0)
        return 0;
    if (collect.n + (size_t)n > collect.cap) {
        size_t cap = (collect.cap ? collect.cap * 2 : 65536) + (size_t)n;
        int16_t *b = realloc(collect.buf, cap * sizeof *b);
        if (!b) {
            collect.failed = 1;
            return 1; /* stop */
        }
        collect.buf = b;
        collect.cap = cap;
    }
    memcpy(collect.buf + collect.n, wav, (size_t)n * sizeof *wav);
    collect.n += (size_t)n;
    return 0;
}

/* The locale's language, two letters, or "" ("C", "POSIX" and unset say nothing). */
static void locale_lang(char out[3])
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    out[0] = 0;
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v)
            continue;
        if (isalpha((unsigned char)v[0]) && isalpha((unsigned char)v[1]) &&
            (v[2] == 0 || v[2] == '_' || v[2] == '.' || v[2] == '@')) {
            out[0] = (char)tolower((unsigned char)v[0]);
            out[1] = (char)tolower((unsigned char)v[1]);
            out[2] = 0;
        }
        return; /* the first one set decides, as for the C library */
    }
}

/* Speech has sharp peaks far above its level: a soft knee above half scale rounds them off
 * (never beyond SPEECH_PEAK) instead of turning the whole phrase down for them. */
static double soft_limit(double v)
{
    double a = fabs(v), knee = 0.5;
    if (a <= knee)
        return v;
    a = knee + (SPEECH_PEAK - knee) * tanh((a - knee) / (SPEECH_PEAK - knee));
    return v < 0 ? -a : a;
}

/* Trim the silence around the speech, resample linearly to rate and set its level. */
static float *finish(const int16_t *x, size_t n, int in_rate, int rate, size_t *out_n)
{
    size_t a = 0, b = n;
    while (a < b && abs(x[a]) < 300)
        a++;
    while (b > a && abs(x[b - 1]) < 300)
        b--;
    *out_n = 0;
    if (b - a < 16)
        return NULL;
    size_t m = (size_t)((double)(b - a) * rate / in_rate);
    float *y = malloc((m ? m : 1) * sizeof *y);
    if (!y)
        return NULL;
    double sum = 0;
    for (size_t i = 0; i < m; i++) {
        double pos = (double)i * in_rate / rate, fr = pos - floor(pos);
        size_t k = a + (size_t)pos;
        double v0 = x[k], v1 = k + 1 < b ? x[k + 1] : 0;
        y[i] = (float)((v0 + (v1 - v0) * fr) / 32768.0);
        sum += (double)y[i] * y[i];
    }
    double rms = sqrt(sum / (double)m), g = rms > 0 ? SPEECH_RMS / rms : 1.0;
    /* 5 ms fades: no click where the trimmed speech begins and ends */
    size_t fade = (size_t)(rate / 200);
    for (size_t i = 0; i < m; i++) {
        double e = 1.0;
        if (i < fade)
            e = (double)i / fade;
        if (m - 1 - i < fade)
            e = (double)(m - 1 - i) / fade;
        y[i] = (float)(soft_limit(y[i] * g) * e);
    }
    *out_n = m;
    return y;
}

sm_status sm_voice_create(const char *lang, int rate_hz, sm_voice_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (rate_hz < 8000 || rate_hz > 192000) {
        snprintf(err, errlen, "voice: bad sample rate %d", rate_hz);
        return SM_ERR_ARG;
    }
    sm_voice_t *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    int in_rate =
        espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, NULL, espeakINITIALIZE_DONT_EXIT);
    if (in_rate <= 0) {
        snprintf(err, errlen, "no voice: espeak-ng cannot start (is espeak-ng-data installed?)");
        free(v);
        return SM_ERR_IO;
    }
    char want[3] = "";
    if (lang && strlen(lang) >= 2) {
        want[0] = (char)tolower((unsigned char)lang[0]);
        want[1] = (char)tolower((unsigned char)lang[1]);
        want[2] = 0;
    } else {
        locale_lang(want);
    }
    /* Our phrases in that language and an espeak-ng voice for it, else English. */
    if (!want[0] || !sm_cue_phrase_lang(want) || espeak_SetVoiceByName(want) != EE_OK)
        snprintf(want, sizeof want, "en");
    if (espeak_SetVoiceByName(want) != EE_OK) {
        snprintf(err, errlen, "no voice: espeak-ng has no '%s' voice", want);
        espeak_Terminate();
        free(v);
        return SM_ERR_IO;
    }
    memcpy(v->lang, want, sizeof v->lang);
    espeak_SetParameter(espeakRATE, WPM, 0);
    espeak_SetSynthCallback(on_samples);
    sm_status s = SM_OK;
    for (int k = 0; k < SM_CUE_KINDS && s == SM_OK; k++) {
        const char *ph = sm_cue_phrase((sm_cue_kind_t)k, v->lang);
        if (!ph)
            continue;
        /* " - " is a pause: a comma to the synthesiser */
        char text[160];
        size_t j = 0;
        for (size_t i = 0; ph[i] && j + 1 < sizeof text; i++) {
            if (ph[i] == ' ' && ph[i + 1] == '-' && ph[i + 2] == ' ') {
                text[j++] = ',';
                i += 1;
                continue;
            }
            text[j++] = ph[i];
        }
        text[j] = 0;
        collect.n = 0;
        collect.failed = 0;
        if (espeak_Synth(text, j + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL) != EE_OK ||
            collect.failed) {
            snprintf(err, errlen, "no voice: espeak-ng could not say '%s'", ph);
            s = SM_ERR_IO;
            break;
        }
        v->pcm[k] = finish(collect.buf, collect.n, in_rate, rate_hz, &v->n[k]);
        if (!v->pcm[k]) {
            snprintf(err, errlen, "no voice: '%s' came out silent", ph);
            s = SM_ERR_IO;
        }
    }
    espeak_Terminate();
    free(collect.buf);
    memset(&collect, 0, sizeof collect);
    if (s != SM_OK) {
        sm_voice_destroy(v);
        return s;
    }
    *out = v;
    return SM_OK;
}

void sm_voice_destroy(sm_voice_t *v)
{
    if (!v)
        return;
    for (int k = 0; k < SM_CUE_KINDS; k++)
        free(v->pcm[k]);
    free(v);
}

const char *sm_voice_lang(const sm_voice_t *v)
{
    return v->lang;
}

const float *const *sm_voice_pcm(const sm_voice_t *v)
{
    return (const float *const *)v->pcm;
}

const size_t *sm_voice_len(const sm_voice_t *v)
{
    return v->n;
}
