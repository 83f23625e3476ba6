#include "sm_cue.h"

#include <math.h>

#define PI 3.14159265358979323846

/* Durations, s. */
static double cue_dur(sm_cue_kind_t k)
{
    switch (k) {
    case SM_CUE_FOUND:
        return 0.36;
    case SM_CUE_STEADY:
        return 0.25;
    case SM_CUE_WIGGLE_START:
    case SM_CUE_WIGGLE:
        return 0.25;
    case SM_CUE_WIGGLE_STOP:
        return 0.18;
    case SM_CUE_CHECKIN:
        return 0.62;
    case SM_CUE_THRESHOLD:
        return 2.0;
    case SM_CUE_PHASE:
        return 0.54;
    case SM_CUE_PUSH:
    case SM_CUE_RELAX:
        return 0.15;
    case SM_CUE_LIFTOFF:
        return 0.5;
    case SM_CUE_CLOSER:
        return 0.09;
    case SM_CUE_ON_TARGET:
        return 0.6;
    case SM_CUE_NOGO:
        return 0.75;
    case SM_CUE_MAT_LOST:
        return 1.2;
    case SM_CUE_KINDS:
        break;
    }
    return 0.0;
}

double sm_cue_typical_intensity(sm_cue_kind_t kind)
{
    if (kind == SM_CUE_STEADY)
        return 0.6;
    if (kind == SM_CUE_WIGGLE || kind == SM_CUE_WIGGLE_START || kind == SM_CUE_CLOSER)
        return 0.5;
    return 1.0;
}

double sm_cue_duration_s(sm_cue_kind_t kind)
{
    return cue_dur(kind);
}

typedef struct {
    const char *title, *meaning, *todo;
} cue_text_t;

static const cue_text_t texts[SM_CUE_KINDS] = {
    [SM_CUE_FOUND] = {"Found", "The tool is found and the hold has started.",
                      "Stay on it, let your weight sink in and hold still."},
    [SM_CUE_STEADY] = {"Steady tick", "Every 5 s of steady time: you are doing it right.",
                       "Keep going: lie still and breathe slowly."},
    [SM_CUE_WIGGLE_START] = {"Moving",
                             "You started moving (rubbing, rocking, sliding); the count pauses.",
                             "Stop moving and let the body rest on the tool."},
    [SM_CUE_WIGGLE] = {"Still moving",
                       "You are still moving; the faster the pulses, the more you move.",
                       "Settle: keep still until the buzz stops."},
    [SM_CUE_WIGGLE_STOP] = {"Settled", "You have settled again; the count goes on.",
                            "Stay still and breathe slowly."},
    [SM_CUE_CHECKIN] = {"Check-in", "30 s of steady time: is the tension easing?",
                        "If it is, stay; if not, move the tool to another spot."},
    [SM_CUE_THRESHOLD] = {"Release bell", "The release threshold is reached on this spot.",
                          "Ease off the tool slowly, or move on to the next spot."},
    [SM_CUE_PHASE] = {"Next phase", "The next phase has started (Hip Hook: the iliacus).",
                      "Hold still in the new position."},
    [SM_CUE_PUSH] = {"Push", "Realignment metronome: push.", "Press gently for 2 s."},
    [SM_CUE_RELAX] = {"Relax", "Realignment metronome: relax.", "Let go for 2 s."},
    [SM_CUE_LIFTOFF] = {"Lift-off", "The tool came off: the hold ended.",
                        "Place the tool again when you are ready."},
    [SM_CUE_CLOSER] = {"Closer",
                       "The tool moved closer to the saved placement; higher means nearer.",
                       "Keep moving the same way."},
    [SM_CUE_ON_TARGET] = {"On target", "The tool is on the saved placement.",
                          "Stop there and settle."},
    [SM_CUE_NOGO] = {"No-go alarm", "The tool is in a no-go zone (the hip fold).",
                     "Move the tool off it at once."},
    [SM_CUE_MAT_LOST] = {"Mat lost", "The mat stopped sending (cable, power); coaching is paused.",
                         "Check the cable; the hold continues when the mat is back."},
};

const char *sm_cue_title(sm_cue_kind_t kind)
{
    return (unsigned)kind < SM_CUE_KINDS ? texts[kind].title : "";
}

const char *sm_cue_meaning(sm_cue_kind_t kind)
{
    return (unsigned)kind < SM_CUE_KINDS ? texts[kind].meaning : "";
}

const char *sm_cue_todo(sm_cue_kind_t kind)
{
    return (unsigned)kind < SM_CUE_KINDS ? texts[kind].todo : "";
}

/* The coaching moments that speak: found, wiggle start, wiggle stop, check-in, release, mat. */
typedef struct {
    const char *lang;
    const char *found, *moving, *settled, *checkin, *release, *mat_lost;
} phrases_t;

static const phrases_t phrases[] = {
    {"en", "found it - hold still", "keep still", "breathe slowly",
     "thirty seconds - is it easing?", "release reached - ease off", "mat disconnected"},
    {"de", "gefunden - halte still", "halte still", "langsam atmen",
     "dreißig Sekunden - lässt es nach?", "Lösung erreicht - lass locker", "Matte getrennt"},
    {"fr", "trouvé - ne bouge plus", "reste immobile", "respire lentement",
     "trente secondes - est-ce que ça se détend ?", "relâchement atteint - relâche",
     "tapis déconnecté"},
    {"es", "encontrado - quédate quieto", "quédate quieto", "respira despacio",
     "treinta segundos - ¿se está aflojando?", "liberación alcanzada - afloja",
     "esterilla desconectada"},
};

static const phrases_t *phrase_set(const char *lang)
{
    for (size_t i = 0; lang && i < sizeof phrases / sizeof phrases[0]; i++)
        if (lang[0] == phrases[i].lang[0] && lang[1] == phrases[i].lang[1])
            return &phrases[i];
    return NULL;
}

int sm_cue_phrase_lang(const char *lang)
{
    return phrase_set(lang) != NULL;
}

const char *sm_cue_phrase(sm_cue_kind_t kind, const char *lang)
{
    const phrases_t *p = phrase_set(lang);
    if (!p)
        p = &phrases[0];
    switch (kind) {
    case SM_CUE_FOUND:
        return p->found;
    case SM_CUE_WIGGLE_START:
        return p->moving;
    case SM_CUE_WIGGLE_STOP:
        return p->settled;
    case SM_CUE_CHECKIN:
        return p->checkin;
    case SM_CUE_THRESHOLD:
        return p->release;
    case SM_CUE_MAT_LOST:
        return p->mat_lost;
    default:
        return NULL;
    }
}

size_t sm_cue_length(sm_cue_kind_t kind, int rate_hz)
{
    if (rate_hz < 8000 || rate_hz > 192000)
        return 0;
    return (size_t)(cue_dur(kind) * rate_hz + 0.5);
}

/* Attack/release envelope: linear ramps of a and r seconds inside a note of length len. */
static double env_ar(double t, double len, double a, double r)
{
    if (t < 0 || t >= len)
        return 0.0;
    double e = 1.0;
    if (t < a)
        e = t / a;
    if (len - t < r)
        e *= (len - t) / r;
    return e;
}

/* A soft tone with a little second and third harmonic (warmer than a sine). */
static double tone(double f, double t)
{
    double w = 2 * PI * f * t;
    return (sin(w) + 0.25 * sin(2 * w) + 0.1 * sin(3 * w)) / 1.35;
}

/* One note of a sequence: index i of n equal notes over len seconds, with a small gap. */
static double seq(const double *f, int n, double len, double t)
{
    double d = len / n;
    int i = (int)(t / d);
    if (i < 0 || i >= n)
        return 0.0;
    double lt = t - i * d;
    return env_ar(lt, d * 0.9, 0.01, 0.06) * tone(f[i], lt);
}

static double sample(sm_cue_kind_t k, double x, double t, double len)
{
    switch (k) {
    case SM_CUE_FOUND: {
        static const double f[] = {523.25, 783.99}; /* C5 G5 */
        return 0.31 * seq(f, 2, len, t);
    }
    case SM_CUE_STEADY: {
        /* a soft marimba-like tock (C6 with a bright 3rd partial dying away fast): in
         * the band small speakers play, short, and never sharp */
        double w = 2 * PI * 1046.5 * t;
        double s = sin(w) + 0.3 * sin(3.0 * w) * exp(-t / 0.02);
        return 0.6 * exp(-t / 0.07) * env_ar(t, len, 0.003, 0.04) * s;
    }
    case SM_CUE_WIGGLE_START:
    case SM_CUE_WIGGLE: {
        /* buzz: a band-limited sawtooth at 220 Hz with its two lowest harmonics turned down (the
         * ear still hears 220 Hz, but small speakers get the energy), pulsed at 6..18 Hz by the
         * intensity, each pulse starting at its loudest so even a faint wiggle's buzz is heard
         * at once */
        double saw = 0;
        for (int h = 1; h <= 16; h++) /* Schroeder phases: the same buzz with a lower peak */
            saw += sin(2 * PI * 220.0 * h * t + PI * h * h / 16.0) / h *
                   (h == 1   ? 0.15
                    : h == 2 ? 0.5
                             : 1.0);
        double rate = 6.0 + 12.0 * x;
        double am = 0.2 + 0.8 * (0.5 + 0.5 * cos(2 * PI * rate * t));
        double loud = 0.3 + 0.5 * x;
        return 0.86 * loud * am * saw * env_ar(t, len, 0.01, 0.02);
    }
    case SM_CUE_WIGGLE_STOP: {
        double f0 = 900, f1 = 600, ph = 2 * PI * (f0 * t + (f1 - f0) * t * t / (2 * len));
        return 0.34 * env_ar(t, len, 0.01, 0.08) * sin(ph);
    }
    case SM_CUE_CHECKIN: {
        /* D5 short, then G5 bending up a little: a question */
        double d1 = 0.22;
        if (t < d1)
            return 0.26 * env_ar(t, d1 * 0.9, 0.01, 0.05) * tone(587.33, t);
        double lt = t - d1, d2 = len - d1;
        double ph = 2 * PI * (783.99 * lt + 45.0 * lt * lt / (2 * d2));
        return 0.26 * env_ar(lt, d2, 0.01, 0.1) *
               (sin(ph) + 0.25 * sin(2 * ph) + 0.1 * sin(3 * ph)) / 1.35;
    }
    case SM_CUE_THRESHOLD: {
        /* a bell: inharmonic partials, the higher ones dying away faster */
        static const double ratio[] = {1.0, 2.0, 2.76, 5.40, 8.93};
        static const double amp[] = {1.0, 0.6, 0.45, 0.25, 0.12};
        static const double tau[] = {1.2, 0.8, 0.55, 0.25, 0.15};
        double s = 0;
        for (int i = 0; i < 5; i++)
            s += amp[i] * exp(-t / tau[i]) * sin(2 * PI * 660.0 * ratio[i] * t);
        return 0.36 * s * env_ar(t, len, 0.002, 0.1);
    }
    case SM_CUE_PHASE: {
        static const double f[] = {523.25, 659.26, 783.99}; /* C5 E5 G5 */
        return 0.30 * seq(f, 3, len, t);
    }
    case SM_CUE_PUSH:
    case SM_CUE_RELAX: {
        /* woodblock: a high or low knock with a short ring */
        double f = k == SM_CUE_PUSH ? 1600.0 : 620.0, a = k == SM_CUE_PUSH ? 0.6 : 0.74;
        return a * exp(-t / 0.045) * env_ar(t, len, 0.001, 0.03) * sin(2 * PI * f * t);
    }
    case SM_CUE_LIFTOFF: {
        /* falling and pure (no harmonics), each note sagging: the opposite of "found" */
        double d = len / 2;
        int i = t < d ? 0 : 1;
        double lt = t - i * d, f = i ? 554.37 : 698.46; /* F5 C#5 */
        double ph = 2 * PI * (f * lt - 0.06 * f * lt * lt / (2 * d));
        return 0.265 * env_ar(lt, d * 0.9, 0.03, 0.12) * sin(ph);
    }
    case SM_CUE_CLOSER: {
        /* a pure blip gliding up a fourth; its start pitch says how near the target is */
        double f0 = 700.0 * pow(2.0, x), f1 = f0 * 4.0 / 3.0;
        double ph = 2 * PI * (f0 * t + (f1 - f0) * t * t / (2 * len));
        return 0.42 * env_ar(t, len, 0.005, 0.03) * sin(ph);
    }
    case SM_CUE_ON_TARGET: {
        /* two identical strikes of a small high bell (E6 with a bright octave-and-fifth) */
        double d = len / 2;
        int i = t < d ? 0 : 1;
        double lt = t - i * d, w = 2 * PI * 1318.5 * lt;
        double s = exp(-lt / 0.09) * (sin(w) + 0.35 * sin(3.0 * w) * exp(-lt / 0.04));
        return 0.42 * env_ar(lt, d, 0.002, 0.03) * s;
    }
    case SM_CUE_NOGO: {
        /* alternating tones like a siren's two notes, square-ish but only odd harmonics up to
         * the 5th, so it is urgent without the harshness of a full square wave */
        double seg = 1.0 / 8.0;
        int i = (int)(t / seg);
        double lt = t - i * seg, f = (i & 1) ? 660.0 : 880.0, w = 2 * PI * f * lt;
        double sq = (sin(w) + sin(3 * w) / 3 + sin(5 * w) / 5) / 1.2;
        return 0.32 * env_ar(lt, seg, 0.004, 0.01) * env_ar(t, len, 0.01, 0.05) * sq;
    }
    case SM_CUE_MAT_LOST: {
        /* three notes sliding down and breaking off, like a line going dead: unlike anything
         * about the body (no buzz, no chime), so "it's the equipment" */
        double d = len / 3;
        int i = (int)(t / d);
        if (i > 2)
            i = 2;
        double lt = t - i * d, f0 = 784.0 * pow(0.84, i), f1 = f0 * 0.7;
        double ph = 2 * PI * (f0 * lt + (f1 - f0) * lt * lt / (2 * d));
        double trem = 0.75 + 0.25 * sin(2 * PI * 9.0 * lt);
        return 0.37 * trem * env_ar(lt, d * 0.8, 0.01, 0.08) *
               (sin(ph) + 0.5 * sin(2 * ph) + 0.3 * sin(3 * ph)) / 1.5;
    }
    case SM_CUE_KINDS:
        break;
    }
    return 0.0;
}

/* The buzz follows the intensity in its own way and the blip in pitch; the others' loudness
 * follows it gently. */
static double gain_of(sm_cue_kind_t kind, double x)
{
    if (kind == SM_CUE_WIGGLE || kind == SM_CUE_WIGGLE_START || kind == SM_CUE_CLOSER)
        return 1.0;
    return 0.7 + 0.3 * x;
}

size_t sm_cue_render(sm_cue_kind_t kind, double intensity, int rate_hz, float *out, size_t cap)
{
    size_t n = sm_cue_length(kind, rate_hz);
    if (n > cap)
        n = cap;
    double x = intensity != intensity ? 0.0 : intensity < 0 ? 0.0 : intensity > 1 ? 1.0 : intensity;
    double gain = gain_of(kind, x);
    double len = cue_dur(kind);
    for (size_t i = 0; i < n; i++) {
        double v = gain * sample(kind, x, (double)i / rate_hz, len);
        if (v > SM_CUE_PEAK)
            v = SM_CUE_PEAK;
        if (v < -SM_CUE_PEAK)
            v = -SM_CUE_PEAK;
        out[i] = (float)v;
    }
    return n;
}

size_t sm_cue_render_s16(sm_cue_kind_t kind, double intensity, int rate_hz, int16_t *out,
                         size_t cap)
{
    size_t n = sm_cue_length(kind, rate_hz);
    if (n > cap)
        n = cap;
    double x = intensity != intensity ? 0.0 : intensity < 0 ? 0.0 : intensity > 1 ? 1.0 : intensity;
    double gain = gain_of(kind, x);
    double len = cue_dur(kind);
    for (size_t i = 0; i < n; i++) {
        double v = gain * sample(kind, x, (double)i / rate_hz, len);
        if (v > SM_CUE_PEAK)
            v = SM_CUE_PEAK;
        if (v < -SM_CUE_PEAK)
            v = -SM_CUE_PEAK;
        out[i] = (int16_t)lrint(v * 32767.0);
    }
    return n;
}
