/*
 * Steadiness measures of a centre-of-pressure (CoP) trace: the posturography set of Prieto et
 * al. (1996, IEEE Trans Biomed Eng 43(9):956-966) plus spectral measures (kissfft). Pure: samples
 * in, numbers out; no I/O, no clock. Samples are taken as given (no smoothing) and assumed
 * uniformly spaced at rate_hz (resample upstream if the source jitters).
 *
 * Axes: ap = antero-posterior (along the mat's rows, head to feet), ml = medio-lateral (across).
 * Units follow the input (mm in, mm out; rate in Hz; the comments below say mm).
 *
 * Definitions, for n samples x[i] (ml), y[i] (ap), i = 0 .. n-1, at rate fs:
 *   ML[i] = x[i] - mean(x), AP[i] = y[i] - mean(y)          (mean removed)
 *   RD[i] = sqrt(AP[i]^2 + ML[i]^2)                          resultant distance, mm
 *   T     = (n - 1) / fs                                     duration_s (time the path covers)
 *   MDIST = (1/n) sum RD[i]                                  mean_distance, mm
 *   RDIST = sqrt((1/n) sum RD[i]^2)                          rms_distance, mm
 *   TOTEX = sum_{i=1}^{n-1} sqrt((AP[i]-AP[i-1])^2 + (ML[i]-ML[i-1])^2)   path_length, mm
 *   MVELO = TOTEX / T                                        mean_velocity, mm/s
 *   range_ap = max AP - min AP, range_ml = max ML - min ML   mm
 *   s_ap^2 = (1/n) sum AP^2, s_ml^2 = (1/n) sum ML^2, s_apml = (1/n) sum AP*ML   (as Prieto)
 *   AREA  = 2*pi*F(0.05;2,n-2)*sqrt(s_ap^2*s_ml^2 - s_apml^2)   ellipse95_area, mm^2
 *           (s_apml^2 is the squared covariance; F from sm_sway_f95)
 *   MFREQ = MVELO / (2*pi*MDIST)                             mean_frequency, Hz (0 if MDIST = 0)
 *
 * Spectral measures come from the one-sided power spectral density G(f) of RD (mm^2/Hz), by
 * Welch's method: segments of L samples (L = the largest even 2-3-5-smooth length not above
 * min(n, segment_s * fs)), as few as cover the whole trace with at least 50 % overlap (spread
 * evenly: the first starts at sample 0, the last ends at sample n-1), each with its own mean
 * removed and a periodic Hann window w, transformed with kiss_fftr (float), and
 *   G(f_k) = 2 * avg_seg |X_k|^2 / (fs * sum w^2),  f_k = k * fs / L,  k = 0 .. L/2,
 * taken as constant over each bin [f_k - df/2, f_k + df/2] clipped to [0, fs/2] (df = fs/L; the
 * DC and Nyquist bins are half bins), so that the integral of G over 0 .. fs/2 is exactly
 * sum (x w)^2 / sum w^2 averaged over the segments: the variance of RD (Parseval).
 * A trace shorter than segment_s is one Hann-windowed, mean-removed periodogram of the trace.
 * G is integrated exactly over the band B = [max(f_lo, 0), min(f_hi, fs/2)]:
 *   m_j   = integral over B of f^j G(f) df                  (j = 0, 1, 2)
 *   POWER = m_0                                              total_power, mm^2 (~ variance of
 *                                                            RD within the band)
 *   f50, f95: the frequencies in B below which 50 % / 95 % of m_0 lies (exact for the
 *           piecewise-constant G, so they interpolate within a bin), Hz
 *   CFREQ = sqrt(m_2 / m_0)                                  centroid_frequency, Hz
 *   FREQD = sqrt(1 - m_1^2 / (m_0 * m_2))                    frequency_dispersion, 0 .. 1
 *           (0 for a pure tone; about 0.5 for a spectrum flat over a band starting near 0)
 * When B is empty or holds no power (a still trace) every spectral measure is 0.
 * Prieto sums bins (m_j = sum (k df)^j G(k df) df); the integral above differs from that by
 * at most a bin width in the frequencies and converges to the same values as df -> 0.
 *
 * Example: a 0.5 Hz sinusoid along one axis has |sin| as RD, whose spectrum holds 95.3 % of its
 * power at 1 Hz (and the rest at 2, 3, 4 .. Hz): f50 ~ 1.0 Hz, CFREQ ~ 1.1 Hz for RD.
 *
 * Numerics: computed in double (the FFT in float) after an exact power-of-two rescaling, so
 * any finite input gives finite results unless the results themselves overflow.
 */
#ifndef SM_SWAY_H
#define SM_SWAY_H

#include <stddef.h>

#include "sm_status.h"

typedef struct {
    size_t n;                  /* samples used */
    double duration_s;         /* (n - 1) / rate */
    double mean_distance;      /* MDIST: mean of the resultant distance from the mean CoP, mm */
    double rms_distance;       /* RDIST, mm */
    double path_length;        /* TOTEX: sum of distances between consecutive points, mm */
    double mean_velocity;      /* MVELO = path_length / duration, mm/s */
    double range_ap, range_ml; /* max - min along each axis, mm */
    double ellipse95_area;     /* 2*pi*F(0.05;2,n-2)*sqrt(s_ap^2*s_ml^2 - s_apml^2), mm^2 */
    double mean_frequency;     /* MFREQ = MVELO / (2*pi*MDIST), Hz */
    /* spectral, from the power spectrum of the resultant distance over [f_lo, f_hi] */
    double total_power;          /* POWER: area under the PSD within the band, mm^2 */
    double f50, f95;             /* frequencies below which 50 % / 95 % of the power lies, Hz */
    double centroid_frequency;   /* CFREQ = sqrt(m2 / m0), Hz */
    double frequency_dispersion; /* FREQD = sqrt(1 - m1^2 / (m0 * m2)), 0..1 */
} sm_sway_t;

typedef struct {
    double rate_hz;    /* sampling rate of the trace, Hz, > 0 */
    double f_lo, f_hi; /* spectral band, Hz (default 0.15 .. 5, as Prieto; capped at Nyquist) */
    double segment_s;  /* Welch segment length, s (default 20: 0.05 Hz bins); <= 0: whole trace */
} sm_sway_config_t;

/* Defaults: the given rate, band 0.15 .. 5 Hz, 20 s segments. */
void sm_sway_config_default(sm_sway_config_t *cfg, double rate_hz);

/* Computes every measure of x[i] (ml), y[i] (ap), i < n. n >= 3 needed; cfg, x, y, out not
 * NULL; rate_hz finite and > 0 (SM_ERR_ARG otherwise). Non-finite samples give SM_ERR_FORMAT.
 * A NaN band (f_lo, f_hi) or segment_s gives SM_ERR_ARG. On any error *out is zeroed.
 * Allocates its FFT work buffers internally per call (SM_ERR_NOMEM when that fails); this is the
 * whole-trace analysis, not the per-frame path (60 s at 100 Hz takes well under a millisecond).
 * Thread-safe (no shared state). */
sm_status sm_sway_compute(const sm_sway_config_t *cfg, const double *x, const double *y, size_t n,
                          sm_sway_t *out);

/* The power spectral density of the resultant distance that the spectral measures integrate:
 * G(f_k) in mm^2/Hz at f_k = k * fs / L, k = 0 .. L/2, with the segments, window and L of
 * sm_sway_compute (the band f_lo .. f_hi is not applied: every bin is given). Writes
 * min(cap, L/2 + 1) bins into f (Hz) and psd, and sets *nbins = L/2 + 1 (call again with a larger
 * buffer when it exceeds cap). Errors as sm_sway_compute (*nbins 0). For plots and reports;
 * allocates its work buffers per call. Thread-safe. */
sm_status sm_sway_spectrum(const sm_sway_config_t *cfg, const double *x, const double *y, size_t n,
                           double *f, double *psd, size_t cap, size_t *nbins);

/* The zero-phase low-pass Prieto et al. applied before the measures (a 4th-order Butterworth
 * at 5 Hz, run forward and backward): a 2nd-order Butterworth low-pass at fc_hz run forward, then
 * backward over the result, so the phase cancels and the magnitude is that of a 4th-order
 * filter (-6 dB at fc_hz). Each pass starts from the steady state of its first sample, so a
 * trace that starts or ends at rest has no edge transient. In place on v[0..n). Off by default
 * everywhere: measures are computed on the samples as given unless the user asks
 * (`analyze --lowpass HZ`). SM_ERR_ARG: v NULL, n < 3, rate_hz or fc_hz not finite and > 0, or
 * fc_hz at or above half the rate (nothing to remove). Allocates nothing. */
sm_status sm_sway_lowpass(double *v, size_t n, double rate_hz, double fc_hz);

/* F(0.05; 2, n-2), the 95 % quantile of the F distribution with 2 and n-2 degrees of freedom:
 * exact for 2 numerator degrees of freedom, F = (d/2)*(0.05^(-2/d) - 1), d = n - 2
 * (F(0.05;2,10) = 4.10; -> ln 20 = 3.00 as n grows). 0 for n < 3 (undefined). */
double sm_sway_f95(size_t n);

/*
 * Sliding window for the live coach: the last `capacity` CoP samples in a ring buffer, with the
 * time-domain measures kept up to date in O(1) (amortised) per sample: running sums for mean,
 * variance and covariance; a running sum of the step lengths for the path; monotonic deques for
 * the ranges. Sums are taken relative to an anchor sample and rebuilt exactly from the buffer
 * once per `capacity` samples, so rounding does not accumulate over a long session.
 * Cost: about 70 ns per push and 15 ns per get (x86-64, -O2), whatever the window length.
 * Memory: allocated at create, never per sample. Not thread-safe: one writer, read from the
 * same thread (or copy out under the caller's lock).
 */
typedef struct sm_sway_window sm_sway_window_t;

/* A window of round(window_s * rate_hz) samples (at least 3). NULL when rate_hz or window_s is
 * not finite and positive, the window is absurdly large (over 2^26 samples), or memory runs out. */
sm_sway_window_t *sm_sway_window_create(double rate_hz, double window_s);
/* NULL-safe. */
void sm_sway_window_destroy(sm_sway_window_t *w);
/* Forget every sample (for a new hold or after a gap). */
void sm_sway_window_reset(sm_sway_window_t *w);
/* Append one sample x (ml), y (ap), mm; the oldest drops out once the window is full.
 * SM_ERR_ARG for w NULL; SM_ERR_FORMAT (sample ignored) when x or y is not finite. */
sm_status sm_sway_window_push(sm_sway_window_t *w, double x, double y);
/* Samples held now (0 .. capacity) and the capacity. 0 for NULL. */
size_t sm_sway_window_count(const sm_sway_window_t *w);
size_t sm_sway_window_capacity(const sm_sway_window_t *w);

/* The O(1) measures of the samples in the window, with the definitions of sm_sway_compute and
 * its rate: n, duration_s, rms_distance, path_length, mean_velocity, range_ap, range_ml,
 * ellipse95_area. mean_distance, mean_frequency and the spectral fields are set to 0 here (they
 * need a pass over the samples: sm_sway_window_mean_distance, or sm_sway_window_copy and
 * sm_sway_compute at a lower rate). Fewer than 2 samples: all zero except n. out not NULL. */
void sm_sway_window_get(const sm_sway_window_t *w, sm_sway_t *out);

/* MDIST of the window, O(n) without allocation; 0 when empty. Fill mean_frequency from it with
 * mean_velocity / (2*pi*MDIST) when wanted. */
double sm_sway_window_mean_distance(const sm_sway_window_t *w);

/* Copy up to max samples, oldest first, into x and y; returns how many were copied (the newest
 * max when the window holds more). */
size_t sm_sway_window_copy(const sm_sway_window_t *w, double *x, double *y, size_t max);

#endif
