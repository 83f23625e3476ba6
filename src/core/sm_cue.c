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
        return 0.12;
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
        return 0.06;
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
        return 0.55 * seq(f, 2, len, t);
    }
    case SM_CUE_STEADY: {
        double e = (t < 0.004 ? t / 0.004 : 1.0) * exp(-t / 0.03) * env_ar(t, len, 0.0001, 0.02);
        return 0.35 * e * sin(2 * PI * 220.0 * t);
    }
    case SM_CUE_WIGGLE_START:
    case SM_CUE_WIGGLE: {
        /* buzz: a band-limited sawtooth at 140 Hz, pulsed at 6..18 Hz by the intensity */
        double saw = 0;
        for (int h = 1; h <= 8; h++)
            saw += sin(2 * PI * 140.0 * h * t) / h;
        saw /= 1.8;
        double rate = 6.0 + 12.0 * x;
        double am = 0.5 - 0.5 * cos(2 * PI * rate * t);
        double loud = 0.2 + 0.55 * x;
        return loud * am * saw * env_ar(t, len, 0.01, 0.02);
    }
    case SM_CUE_WIGGLE_STOP: {
        double f0 = 600, f1 = 400, ph = 2 * PI * (f0 * t + (f1 - f0) * t * t / (2 * len));
        return 0.3 * env_ar(t, len, 0.01, 0.08) * sin(ph);
    }
    case SM_CUE_CHECKIN: {
        /* G4 short, then C5 bending up a little: a question */
        double d1 = 0.22;
        if (t < d1)
            return 0.5 * env_ar(t, d1 * 0.9, 0.01, 0.05) * tone(392.0, t);
        double lt = t - d1, d2 = len - d1;
        double ph = 2 * PI * (523.25 * lt + 30.0 * lt * lt / (2 * d2));
        return 0.5 * env_ar(lt, d2, 0.01, 0.1) *
               (sin(ph) + 0.25 * sin(2 * ph) + 0.1 * sin(3 * ph)) / 1.35;
    }
    case SM_CUE_THRESHOLD: {
        /* a bell: inharmonic partials, the higher ones dying away faster */
        static const double ratio[] = {1.0, 2.0, 2.76, 5.40, 8.93};
        static const double amp[] = {1.0, 0.6, 0.45, 0.25, 0.12};
        static const double tau[] = {0.9, 0.6, 0.45, 0.25, 0.15};
        double s = 0;
        for (int i = 0; i < 5; i++)
            s += amp[i] * exp(-t / tau[i]) * sin(2 * PI * 660.0 * ratio[i] * t);
        return 0.33 * s * env_ar(t, len, 0.002, 0.1);
    }
    case SM_CUE_PHASE: {
        static const double f[] = {392.0, 523.25, 659.26}; /* G4 C5 E5 */
        return 0.5 * seq(f, 3, len, t);
    }
    case SM_CUE_PUSH:
    case SM_CUE_RELAX: {
        double f = k == SM_CUE_PUSH ? 1200.0 : 600.0;
        return 0.5 * exp(-t / 0.012) * env_ar(t, len, 0.0005, 0.01) * sin(2 * PI * f * t);
    }
    case SM_CUE_LIFTOFF: {
        /* low and falling, pure (no harmonics): the opposite of "found" */
        double d = len / 2;
        int i = t < d ? 0 : 1;
        double lt = t - i * d, f = i ? 261.63 : 392.0; /* G4 C4 */
        return 0.5 * env_ar(lt, d * 0.9, 0.02, 0.12) * sin(2 * PI * f * lt);
    }
    case SM_CUE_CLOSER: {
        /* a pure blip gliding up a fourth; its start pitch says how near the target is */
        double f0 = 700.0 * pow(2.0, x), f1 = f0 * 4.0 / 3.0;
        double ph = 2 * PI * (f0 * t + (f1 - f0) * t * t / (2 * len));
        return 0.45 * env_ar(t, len, 0.005, 0.03) * sin(ph);
    }
    case SM_CUE_ON_TARGET: {
        /* two identical strikes of a small high bell (E6 with a bright octave-and-fifth) */
        double d = len / 2;
        int i = t < d ? 0 : 1;
        double lt = t - i * d, w = 2 * PI * 1318.5 * lt;
        double s = exp(-lt / 0.09) * (sin(w) + 0.35 * sin(3.0 * w) * exp(-lt / 0.04));
        return 0.5 * env_ar(lt, d, 0.002, 0.03) * s;
    }
    case SM_CUE_NOGO: {
        /* alternating tones like a siren's two notes, square-ish but only odd harmonics up to
         * the 5th, so it is urgent without the harshness of a full square wave */
        double seg = 1.0 / 8.0;
        int i = (int)(t / seg);
        double lt = t - i * seg, f = (i & 1) ? 660.0 : 880.0, w = 2 * PI * f * lt;
        double sq = (sin(w) + sin(3 * w) / 3 + sin(5 * w) / 5) / 1.2;
        return 0.4 * env_ar(lt, seg, 0.004, 0.01) * env_ar(t, len, 0.01, 0.05) * sq;
    }
    case SM_CUE_MAT_LOST: {
        /* three low notes sliding down and breaking off, like a line going dead: unlike
         * anything about the body (no buzz, no chime), so "it's the equipment" */
        double d = len / 3;
        int i = (int)(t / d);
        if (i > 2)
            i = 2;
        double lt = t - i * d, f0 = 330.0 * pow(0.84, i), f1 = f0 * 0.7;
        double ph = 2 * PI * (f0 * lt + (f1 - f0) * lt * lt / (2 * d));
        double trem = 0.75 + 0.25 * sin(2 * PI * 9.0 * lt);
        return 0.5 * trem * env_ar(lt, d * 0.8, 0.01, 0.08) * (sin(ph) + 0.3 * sin(3 * ph)) / 1.3;
    }
    case SM_CUE_KINDS:
        break;
    }
    return 0.0;
}

size_t sm_cue_render(sm_cue_kind_t kind, double intensity, int rate_hz, float *out, size_t cap)
{
    size_t n = sm_cue_length(kind, rate_hz);
    if (n > cap)
        n = cap;
    double x = intensity != intensity ? 0.0 : intensity < 0 ? 0.0 : intensity > 1 ? 1.0 : intensity;
    int wig = kind == SM_CUE_WIGGLE || kind == SM_CUE_WIGGLE_START;
    double gain = wig ? 1.0 : 0.7 + 0.3 * x; /* the others: loudness follows gently */
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
    int wig = kind == SM_CUE_WIGGLE || kind == SM_CUE_WIGGLE_START;
    double gain = wig ? 1.0 : 0.7 + 0.3 * x;
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
