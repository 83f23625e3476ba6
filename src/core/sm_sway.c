#include "sm_sway.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiss_fftr.h"

#define PI 3.14159265358979323846

/* kiss_fftr takes an int length; a segment this long is already 46 h at 100 Hz. */
#define MAX_SEGMENT ((size_t)1 << 24)
/* Band power below this fraction of RDIST^2 is rounding noise (a centred circle's RD is
 * constant up to 1e-16): the spectral measures of noise would be meaningless numbers. */
#define POWER_FLOOR 1e-20

void sm_sway_config_default(sm_sway_config_t *cfg, double rate_hz)
{
    if (!cfg)
        return;
    cfg->rate_hz = rate_hz;
    cfg->f_lo = 0.15;
    cfg->f_hi = 5.0;
    cfg->segment_s = 20.0;
}

double sm_sway_f95(size_t n)
{
    if (n < 3)
        return 0.0;
    double d = (double)(n - 2);
    /* F = (d/2) (alpha^(-2/d) - 1); expm1 keeps it exact as d grows (limit ln(1/alpha)). */
    return 0.5 * d * expm1(2.0 / d * log(20.0));
}

/* The power of two p with p <= a < 2p (a > 0, finite). Dividing by it is exact, and brings
 * every coordinate into [-2, 2) so no square or sum can overflow, whatever the input units. */
static double pow2_scale(double a)
{
    int e;
    (void)frexp(a, &e);
    return ldexp(1.0, e - 1);
}

static int is_smooth235(size_t m)
{
    while (m % 2 == 0)
        m /= 2;
    while (m % 3 == 0)
        m /= 3;
    while (m % 5 == 0)
        m /= 5;
    return m == 1;
}

/* Largest even 2-3-5-smooth length <= m (m >= 2): kissfft is fast for those radices and
 * quadratic for a large prime factor, which a fuzzed or odd-length trace would otherwise hit. */
static size_t fft_length(size_t m)
{
    if (m > MAX_SEGMENT)
        m = MAX_SEGMENT;
    m &= ~(size_t)1;
    while (m > 2 && !is_smooth235(m))
        m -= 2;
    return m < 2 ? 2 : m;
}

typedef struct {
    double m0, m1, m2; /* moments in bin-index units: frequency = index * df */
} moments_t;

/* Overlap of bin k (interval [k - 1/2, k + 1/2] clipped to [0, L/2]) with the band [lo, hi],
 * all in bin-index units. Returns 0 when they do not overlap. */
static int bin_overlap(size_t k, size_t half, double lo, double hi, double *a, double *b)
{
    double e0 = k == 0 ? 0.0 : (double)k - 0.5;
    double e1 = k == half ? (double)half : (double)k + 0.5;
    *a = e0 > lo ? e0 : lo;
    *b = e1 < hi ? e1 : hi;
    return *b > *a;
}

/* Welch segment length for n samples (as documented in the header). */
static size_t segment_length(const sm_sway_config_t *cfg, size_t n)
{
    double seg = cfg->segment_s * cfg->rate_hz;
    size_t want = (seg > 0 && seg < (double)n) ? (size_t)seg : n;
    size_t L = fft_length(want < 2 ? 2 : want);
    if (L > n)
        L = fft_length(n);
    return L;
}

/* As few segments as cover the trace with >= 50 % overlap, spread evenly. */
static size_t segments(size_t n, size_t L)
{
    size_t nseg = 1;
    if (n > L) {
        size_t hop = L / 2;
        nseg = (n - L + hop - 1) / hop + 1;
    }
    return nseg;
}

static double hann(size_t i, size_t L)
{
    return 0.5 - 0.5 * cos(2.0 * PI * (double)i / (double)L); /* periodic Hann */
}

static double hann_sum2(size_t L)
{
    double wsum2 = 0;
    for (size_t i = 0; i < L; i++)
        wsum2 += hann(i, L) * hann(i, L);
    return wsum2;
}

/* acc[k] += |X_k|^2 of every mean-removed, Hann-windowed segment of rd (k = 0 .. L/2). */
static sm_status welch(const double *rd, size_t n, size_t L, size_t nseg, double *acc)
{
    size_t half = L / 2;
    float *in = malloc(L * sizeof *in);
    double *win = malloc(L * sizeof *win);
    kiss_fft_cpx *spec = malloc((half + 1) * sizeof *spec);
    kiss_fftr_cfg fft = kiss_fftr_alloc((int)L, 0, NULL, NULL);
    sm_status st = SM_ERR_NOMEM;
    if (!in || !win || !spec || !fft)
        goto done;
    for (size_t i = 0; i < L; i++)
        win[i] = hann(i, L);
    for (size_t s = 0; s < nseg; s++) {
        size_t start = nseg == 1 ? 0 : (size_t)((double)s * (double)(n - L) / (double)(nseg - 1));
        if (start > n - L || s == nseg - 1)
            start = n - L;
        const double *seg_rd = rd + start;
        double mean = 0;
        for (size_t i = 0; i < L; i++)
            mean += seg_rd[i];
        mean /= (double)L;
        for (size_t i = 0; i < L; i++)
            in[i] = (float)((seg_rd[i] - mean) * win[i]);
        kiss_fftr(fft, in, spec);
        for (size_t k = 0; k <= half; k++)
            acc[k] += (double)spec[k].r * spec[k].r + (double)spec[k].i * spec[k].i;
    }

    st = SM_OK;
done:
    free(in);
    free(win);
    free(spec);
    kiss_fftr_free(fft);
    return st;
}

/* Spectral measures of rd[0..n) (normalised units) into out (normalised power; frequencies in
 * Hz). Returns SM_ERR_NOMEM when the work buffers cannot be had. */
static sm_status spectral(const sm_sway_config_t *cfg, const double *rd, size_t n, double rdist2,
                          sm_sway_t *out)
{
    const double fs = cfg->rate_hz;
    size_t L = segment_length(cfg, n);
    size_t half = L / 2;
    double df = fs / (double)L;
    /* Band in bin-index units; computed as f / df so a huge rate cannot overflow a product. */
    double lo = cfg->f_lo > 0 ? cfg->f_lo / df : 0.0;
    double hi = cfg->f_hi / df;
    if (!(hi < (double)half))
        hi = (double)half;
    if (!(hi > lo))
        return SM_OK;

    size_t nseg = segments(n, L);

    double *acc = calloc(half + 1, sizeof *acc);
    sm_status st = SM_ERR_NOMEM;
    if (!acc || welch(rd, n, L, nseg, acc) != SM_OK)
        goto done;

    /* Power of bin k (G times its width): 2 |X|^2 / (L sum w^2) for a full bin, half of it for
     * the half bins at DC and Nyquist, which sums to sum (x w)^2 / sum w^2 by Parseval. */
    const double norm = 2.0 / ((double)L * hann_sum2(L) * (double)nseg);
    moments_t m = {0, 0, 0};
    for (size_t k = 0; k <= half; k++) {
        double a, b;
        if (!bin_overlap(k, half, lo, hi, &a, &b))
            continue;
        double g = acc[k] * norm; /* density per bin-index unit */
        m.m0 += g * (b - a);
        m.m1 += g * (b * b - a * a) / 2.0;
        m.m2 += g * (b * b * b - a * a * a) / 3.0;
    }
    st = SM_OK;
    if (!(m.m0 > POWER_FLOOR * rdist2) || !(m.m2 > 0))
        goto done;

    out->total_power = m.m0;
    out->centroid_frequency = df * sqrt(m.m2 / m.m0);
    double d = 1.0 - m.m1 * m.m1 / (m.m0 * m.m2);
    out->frequency_dispersion = d > 0 ? sqrt(d) : 0.0;

    /* The cumulative power is piecewise linear in f: find where it crosses q * m0. */
    const double q[2] = {0.5, 0.95};
    double *fq[2] = {&out->f50, &out->f95};
    for (int j = 0; j < 2; j++) {
        double target = q[j] * m.m0, cum = 0, at = hi;
        for (size_t k = 0; k <= half; k++) {
            double a, b;
            if (!bin_overlap(k, half, lo, hi, &a, &b))
                continue;
            double p = acc[k] * norm * (b - a);
            if (p > 0 && cum + p >= target) {
                at = a + (target - cum) / p * (b - a);
                break;
            }
            cum += p;
        }
        *fq[j] = df * at;
    }

done:
    free(acc);
    return st;
}

sm_status sm_sway_compute(const sm_sway_config_t *cfg, const double *x, const double *y, size_t n,
                          sm_sway_t *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!cfg || !x || !y || !out || n < 3 || !isfinite(cfg->rate_hz) || !(cfg->rate_hz > 0) ||
        isnan(cfg->f_lo) || isnan(cfg->f_hi) || isnan(cfg->segment_s))
        return SM_ERR_ARG;

    double amax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return SM_ERR_FORMAT;
        double ax = fabs(x[i]), ay = fabs(y[i]);
        if (ax > amax)
            amax = ax;
        if (ay > amax)
            amax = ay;
    }
    const double T = (double)(n - 1) / cfg->rate_hz;
    if (amax == 0) { /* all at the origin: nothing moved */
        out->n = n;
        out->duration_s = T;
        return SM_OK;
    }
    double *rd = malloc(n * sizeof *rd);
    if (!rd)
        return SM_ERR_NOMEM;

    /* Everything below is in units of s (exact power-of-two scaling), restored at the end. */
    const double s = pow2_scale(amax);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i] / s;
        my += y[i] / s;
    }
    mx /= (double)n;
    my /= (double)n;

    double srd = 0, srd2 = 0, sml2 = 0, sap2 = 0, sapml = 0, path = 0;
    double ml_min = 0, ml_max = 0, ap_min = 0, ap_max = 0, pml = 0, pap = 0;
    for (size_t i = 0; i < n; i++) {
        double ml = x[i] / s - mx, ap = y[i] / s - my;
        double r2 = ml * ml + ap * ap;
        rd[i] = sqrt(r2);
        srd += rd[i];
        srd2 += r2;
        sml2 += ml * ml;
        sap2 += ap * ap;
        sapml += ml * ap;
        if (i == 0) {
            ml_min = ml_max = ml;
            ap_min = ap_max = ap;
        } else {
            double dml = ml - pml, dap = ap - pap;
            path += sqrt(dml * dml + dap * dap);
            ml_min = ml < ml_min ? ml : ml_min;
            ml_max = ml > ml_max ? ml : ml_max;
            ap_min = ap < ap_min ? ap : ap_min;
            ap_max = ap > ap_max ? ap : ap_max;
        }
        pml = ml;
        pap = ap;
    }
    const double dn = (double)n;
    double mdist = srd / dn;
    double rdist2 = srd2 / dn;
    double det = (sap2 / dn) * (sml2 / dn) - (sapml / dn) * (sapml / dn);

    out->n = n;
    out->duration_s = T;
    out->mean_distance = mdist * s;
    out->rms_distance = sqrt(rdist2) * s;
    out->path_length = path * s;
    out->mean_velocity = out->path_length / T;
    out->range_ap = (ap_max - ap_min) * s;
    out->range_ml = (ml_max - ml_min) * s;
    out->ellipse95_area = 2.0 * PI * sm_sway_f95(n) * sqrt(det > 0 ? det : 0.0) * s * s;
    /* MVELO / (2 pi MDIST) taken in scaled units: the ratio does not depend on s. */
    out->mean_frequency = mdist > 0 ? (path / T) / (2.0 * PI * mdist) : 0.0;

    sm_status st = spectral(cfg, rd, n, rdist2, out);
    free(rd);
    if (st != SM_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    out->total_power *= s * s;
    return SM_OK;
}

sm_status sm_sway_spectrum(const sm_sway_config_t *cfg, const double *x, const double *y, size_t n,
                           double *f, double *psd, size_t cap, size_t *nbins)
{
    if (nbins)
        *nbins = 0;
    if (!cfg || !x || !y || !nbins || (cap && (!f || !psd)) || n < 3 || !isfinite(cfg->rate_hz) ||
        !(cfg->rate_hz > 0) || isnan(cfg->segment_s))
        return SM_ERR_ARG;
    double amax = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return SM_ERR_FORMAT;
        amax = fmax(amax, fmax(fabs(x[i]), fabs(y[i])));
    }
    size_t L = segment_length(cfg, n), half = L / 2;
    *nbins = half + 1;
    size_t m = *nbins < cap ? *nbins : cap;
    double df = cfg->rate_hz / (double)L;
    for (size_t k = 0; k < m; k++) {
        f[k] = (double)k * df;
        psd[k] = 0;
    }
    if (amax == 0 || m == 0)
        return SM_OK;
    double *rd = malloc(n * sizeof *rd);
    double *acc = calloc(half + 1, sizeof *acc);
    sm_status st = SM_ERR_NOMEM;
    if (!rd || !acc)
        goto done;
    /* The same scaled resultant distance as sm_sway_compute. */
    const double s = pow2_scale(amax);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i] / s;
        my += y[i] / s;
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double ml = x[i] / s - mx, ap = y[i] / s - my;
        rd[i] = sqrt(ml * ml + ap * ap);
    }
    size_t nseg = segments(n, L);
    st = welch(rd, n, L, nseg, acc);
    if (st != SM_OK)
        goto done;
    /* G(f_k) = 2 avg|X_k|^2 / (fs sum w^2), back in mm^2/Hz. */
    const double norm = 2.0 / ((double)nseg * cfg->rate_hz * hann_sum2(L)) * s * s;
    for (size_t k = 0; k < m; k++)
        psd[k] = acc[k] * norm;
done:
    free(rd);
    free(acc);
    return st;
}

/* ---- sliding window ---------------------------------------------------------------------- */

/* Monotonic deque of sample sequence numbers (a ring of cap entries): the front is the
 * extreme of the window; entries never outnumber the samples held. */
typedef struct {
    size_t *q;
    size_t head, len;
} deque_t;

struct sm_sway_window {
    double rate_hz;
    size_t cap;
    double *x, *y; /* ring of samples relative to the anchor (ax, ay), slot = seq % cap */
    double *step;  /* step[slot(q)]: distance from sample q-1 to sample q */
    deque_t dq[4]; /* max x, min x, max y, min y */
    size_t count;  /* samples held */
    size_t seq;    /* sequence number of the next sample */
    size_t since_rebuild;
    double ax, ay;
    double sx, sy, sxx, syy, sxy, spath;
};

#define MAX_WINDOW ((size_t)1 << 26)

sm_sway_window_t *sm_sway_window_create(double rate_hz, double window_s)
{
    if (!isfinite(rate_hz) || !(rate_hz > 0) || !isfinite(window_s) || !(window_s > 0))
        return NULL;
    double want = floor(rate_hz * window_s + 0.5);
    if (!(want <= (double)MAX_WINDOW))
        return NULL;
    size_t cap = want < 3 ? 3 : (size_t)want;
    sm_sway_window_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->rate_hz = rate_hz;
    w->cap = cap;
    w->x = malloc(cap * sizeof *w->x);
    w->y = malloc(cap * sizeof *w->y);
    w->step = malloc(cap * sizeof *w->step);
    int ok = w->x && w->y && w->step;
    for (int i = 0; i < 4; i++) {
        w->dq[i].q = malloc(cap * sizeof *w->dq[i].q);
        ok = ok && w->dq[i].q;
    }
    if (!ok) {
        sm_sway_window_destroy(w);
        return NULL;
    }
    sm_sway_window_reset(w);
    return w;
}

void sm_sway_window_destroy(sm_sway_window_t *w)
{
    if (!w)
        return;
    free(w->x);
    free(w->y);
    free(w->step);
    for (int i = 0; i < 4; i++)
        free(w->dq[i].q);
    free(w);
}

void sm_sway_window_reset(sm_sway_window_t *w)
{
    if (!w)
        return;
    for (int i = 0; i < 4; i++)
        w->dq[i].head = w->dq[i].len = 0;
    w->count = w->seq = w->since_rebuild = 0;
    w->ax = w->ay = 0;
    w->sx = w->sy = w->sxx = w->syy = w->sxy = w->spath = 0;
}

static double dq_value(const sm_sway_window_t *w, int which, size_t seq)
{
    size_t slot = seq % w->cap;
    return which < 2 ? w->x[slot] : w->y[slot];
}

static size_t dq_at(const sm_sway_window_t *w, const deque_t *d, size_t i)
{
    return d->q[(d->head + i) % w->cap];
}

/* Add sample seq (already stored) to deque `which`, after dropping entries older than oldest. */
static void dq_push(sm_sway_window_t *w, int which, size_t seq, size_t oldest)
{
    deque_t *d = &w->dq[which];
    while (d->len && dq_at(w, d, 0) < oldest) {
        d->head = (d->head + 1) % w->cap;
        d->len--;
    }
    double v = dq_value(w, which, seq);
    int is_max = (which % 2) == 0;
    while (d->len) {
        double b = dq_value(w, which, dq_at(w, d, d->len - 1));
        if (is_max ? b > v : b < v)
            break;
        d->len--;
    }
    d->q[(d->head + d->len) % w->cap] = seq;
    d->len++;
}

/* Re-anchor on the oldest sample and recompute every sum from the buffer: bounds the rounding
 * of the running sums (O(cap), once per cap samples). */
static void rebuild(sm_sway_window_t *w)
{
    size_t oldest = w->seq - w->count;
    size_t o = oldest % w->cap;
    double dx = w->x[o], dy = w->y[o];
    w->ax += dx;
    w->ay += dy;
    w->sx = w->sy = w->sxx = w->syy = w->sxy = w->spath = 0;
    for (size_t q = oldest; q < w->seq; q++) {
        size_t k = q % w->cap;
        w->x[k] -= dx;
        w->y[k] -= dy;
        w->sx += w->x[k];
        w->sy += w->y[k];
        w->sxx += w->x[k] * w->x[k];
        w->syy += w->y[k] * w->y[k];
        w->sxy += w->x[k] * w->y[k];
        if (q > oldest)
            w->spath += w->step[k];
    }
    w->since_rebuild = 0;
}

sm_status sm_sway_window_push(sm_sway_window_t *w, double x, double y)
{
    if (!w)
        return SM_ERR_ARG;
    if (!isfinite(x) || !isfinite(y))
        return SM_ERR_FORMAT;
    if (w->count == 0) {
        w->ax = x;
        w->ay = y;
    }
    double rx = x - w->ax, ry = y - w->ay;
    size_t slot = w->seq % w->cap;
    if (w->count == w->cap) { /* the oldest leaves; it shares the new sample's slot */
        double ox = w->x[slot], oy = w->y[slot];
        w->sx -= ox;
        w->sy -= oy;
        w->sxx -= ox * ox;
        w->syy -= oy * oy;
        w->sxy -= ox * oy;
        w->spath -= w->step[(w->seq + 1) % w->cap]; /* the step out of it */
        w->count--;
    }
    double st = 0;
    if (w->count > 0) {
        size_t prev = (w->seq - 1) % w->cap;
        double dx = rx - w->x[prev], dy = ry - w->y[prev];
        st = sqrt(dx * dx + dy * dy);
    }
    w->x[slot] = rx;
    w->y[slot] = ry;
    w->step[slot] = st;
    w->sx += rx;
    w->sy += ry;
    w->sxx += rx * rx;
    w->syy += ry * ry;
    w->sxy += rx * ry;
    w->spath += st;
    w->count++;
    w->seq++;
    size_t oldest = w->seq - w->count;
    for (int i = 0; i < 4; i++)
        dq_push(w, i, w->seq - 1, oldest);
    if (++w->since_rebuild >= w->cap)
        rebuild(w);
    return SM_OK;
}

size_t sm_sway_window_count(const sm_sway_window_t *w)
{
    return w ? w->count : 0;
}

size_t sm_sway_window_capacity(const sm_sway_window_t *w)
{
    return w ? w->cap : 0;
}

void sm_sway_window_get(const sm_sway_window_t *w, sm_sway_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    size_t n = w->count;
    out->n = n;
    if (n < 2)
        return;
    const double dn = (double)n;
    double mx = w->sx / dn, my = w->sy / dn;
    double vx = w->sxx / dn - mx * mx, vy = w->syy / dn - my * my;
    double cxy = w->sxy / dn - mx * my;
    vx = vx > 0 ? vx : 0;
    vy = vy > 0 ? vy : 0;
    out->duration_s = (dn - 1) / w->rate_hz;
    out->rms_distance = sqrt(vx + vy);
    out->path_length = w->spath > 0 ? w->spath : 0;
    out->mean_velocity = out->path_length / out->duration_s;
    out->range_ml = dq_value(w, 0, dq_at(w, &w->dq[0], 0)) - dq_value(w, 1, dq_at(w, &w->dq[1], 0));
    out->range_ap = dq_value(w, 2, dq_at(w, &w->dq[2], 0)) - dq_value(w, 3, dq_at(w, &w->dq[3], 0));
    double det = vx * vy - cxy * cxy;
    out->ellipse95_area = 2.0 * PI * sm_sway_f95(n) * sqrt(det > 0 ? det : 0.0);
}

double sm_sway_window_mean_distance(const sm_sway_window_t *w)
{
    if (!w || w->count == 0)
        return 0.0;
    const double dn = (double)w->count;
    double mx = w->sx / dn, my = w->sy / dn, sum = 0;
    for (size_t q = w->seq - w->count; q < w->seq; q++) {
        size_t k = q % w->cap;
        double dx = w->x[k] - mx, dy = w->y[k] - my;
        sum += sqrt(dx * dx + dy * dy);
    }
    return sum / dn;
}

size_t sm_sway_window_copy(const sm_sway_window_t *w, double *x, double *y, size_t max)
{
    if (!w || !x || !y)
        return 0;
    size_t m = w->count < max ? w->count : max;
    size_t first = w->seq - m;
    for (size_t i = 0; i < m; i++) {
        size_t k = (first + i) % w->cap;
        x[i] = w->x[k] + w->ax;
        y[i] = w->y[k] + w->ay;
    }
    return m;
}

/* One pass of a 2nd-order Butterworth low-pass (bilinear, prewarped), direct form I, from the
 * steady state of the first sample; dir -1 runs from the end. */
static void lp_pass(double *v, size_t n, double k, int dir)
{
    double q = 1.0 / sqrt(2.0), norm = 1.0 / (1.0 + k / q + k * k);
    double b0 = k * k * norm, b1 = 2.0 * b0, b2 = b0;
    double a1 = 2.0 * (k * k - 1.0) * norm, a2 = (1.0 - k / q + k * k) * norm;
    size_t i0 = dir > 0 ? 0 : n - 1;
    double x1 = v[i0], x2 = v[i0], y1 = v[i0], y2 = v[i0];
    for (size_t j = 0; j < n; j++) {
        size_t i = dir > 0 ? j : n - 1 - j;
        double x = v[i], y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        v[i] = y;
    }
}

sm_status sm_sway_lowpass(double *v, size_t n, double rate_hz, double fc_hz)
{
    if (!v || n < 3 || !isfinite(rate_hz) || !(rate_hz > 0) || !isfinite(fc_hz) || !(fc_hz > 0) ||
        fc_hz >= 0.5 * rate_hz)
        return SM_ERR_ARG;
    double k = tan(PI * fc_hz / rate_hz);
    lp_pass(v, n, k, 1);
    lp_pass(v, n, k, -1);
    return SM_OK;
}
