/* Centre-of-pressure traces with known truth (see cop_gen.h): the physics of a person lying on a
 * ball, written apart from the coach it is used to score. */
#include "cop_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ---- randomness: splitmix64, reproducible on every platform ------------------------------ */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uni(rng_t *r, double lo, double hi) /* [lo, hi) */
{
    return lo + (hi - lo) * ((double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0));
}

static int coin(rng_t *r, double p)
{
    return uni(r, 0, 1) < p;
}

static double gauss(rng_t *r)
{
    double u = uni(r, 1e-12, 1), v = uni(r, 0, 1);
    return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

static double smooth01(double u) /* 0 before 0, 1 after 1, C1 in between */
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return 1;
    return u * u * (3 - 2 * u);
}

static double minjerk(double u) /* a hand's point-to-point move: 0..1, zero speed at both ends */
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return 1;
    return u * u * u * (10 - 15 * u + 6 * u * u);
}

static double deg2rad(double d)
{
    return d * PI / 180.0;
}

/* ---- names ----------------------------------------------------------------------------------- */

static const char *const cat_names[COPGEN_CATEGORIES] = {
    "breath", "breath-deep", "drift", "glitch",     "gap",
    "wiggle", "wiggle-edge", "rock",  "slide-fast", "slide-slow"};

const char *copgen_category_name(copgen_category_t c)
{
    return (int)c >= 0 && c < COPGEN_CATEGORIES ? cat_names[c] : NULL;
}

int copgen_category_parse(const char *name)
{
    for (int i = 0; name && i < COPGEN_CATEGORIES; i++)
        if (!strcmp(name, cat_names[i]))
            return i;
    return -1;
}

const char *copgen_ep_kind_name(copgen_ep_kind_t k)
{
    static const char *const names[] = {"rub", "circle", "jiggle", "rock", "slide"};
    return (int)k >= 0 && k <= COPGEN_EP_SLIDE ? names[k] : "?";
}

/* ---- the person ---------------------------------------------------------------------------- */

/* Everything about one person and session that is drawn once; the samples then follow. */
typedef struct {
    /* breathing */
    double f0_hz, wander;  /* centre rate, relative depth of the wander */
    double wp[2], wth[2];  /* wander periods (s) and phases */
    double harm, harm_ph;  /* second harmonic: exhaling is slower than inhaling */
    double wmid, wspan;    /* normalisation of the waveform to peak-to-peak 1 */
    double dp[2], dth[2];  /* depth modulation periods and phases */
    double ell;            /* elliptic component across the breathing axis */
    double ax, ay, px, py; /* breathing axis and its perpendicular (unit vectors) */
    /* heartbeat, slow postural wander */
    double hb_hz, hb_pp, hb_ax, hb_ph;
    double sw_f[3], sw_a[3], sw_ph[3], sw_ax[3];
    /* episodes' private parameters */
    double ep_f2[COPGEN_MAX_EPS][2];                       /* rub: frequency jitter */
    double ep_perp[COPGEN_MAX_EPS], ep_ph[COPGEN_MAX_EPS]; /* side component, phase */
    double ep_ramp[COPGEN_MAX_EPS];                        /* ramp in / out, s */
    double jf[COPGEN_MAX_EPS][8], ja[COPGEN_MAX_EPS][8], jp[COPGEN_MAX_EPS][8];
    double jq[COPGEN_MAX_EPS][8]; /* jiggle across: phases */
    double jscale[COPGEN_MAX_EPS];
} person_t;

static double breath_wave(const person_t *p, double ph)
{
    return sin(ph) + p->harm * sin(2 * ph + p->harm_ph);
}

static double breath_rate_hz(const person_t *p, double t)
{
    double w =
        0.6 * sin(2 * PI * t / p->wp[0] + p->wth[0]) + 0.4 * sin(2 * PI * t / p->wp[1] + p->wth[1]);
    return p->f0_hz * (1.0 + p->wander * w);
}

static double breath_depth(const person_t *p, double t) /* 0.7 .. 1 of the deepest breath */
{
    double u = 0.5 + 0.5 * (0.6 * sin(2 * PI * t / p->dp[0] + p->dth[0]) +
                            0.4 * sin(2 * PI * t / p->dp[1] + p->dth[1]));
    return 1.0 - 0.3 * u;
}

/* Displacement of episode e at time t, mm (x across, y along). */
static void episode_at(const copgen_trace_t *tr, const person_t *p, size_t e, double t, double *dx,
                       double *dy)
{
    const copgen_episode_t *ep = &tr->ep[e];
    double a = deg2rad(ep->angle_deg);
    double ux = sin(a), uy = cos(a), vx = cos(a), vy = -sin(a); /* main axis, its normal */
    double along = 0, across = 0;
    double tl = t - ep->start_s, len = ep->end_s - ep->start_s;
    if (ep->kind == COPGEN_EP_SLIDE) {
        along = ep->size_mm * minjerk(tl / len);
    } else if (tl > 0 && tl < len) {
        double r = p->ep_ramp[e];
        double env = smooth01(tl / r) * smooth01((len - tl) / r);
        double half = 0.5 * ep->size_mm;
        if (ep->kind == COPGEN_EP_JIGGLE) {
            for (int k = 0; k < 8; k++) {
                along += p->ja[e][k] * sin(2 * PI * p->jf[e][k] * tl + p->jp[e][k]);
                across += p->ja[e][k] * sin(2 * PI * p->jf[e][k] * tl + p->jq[e][k]);
            }
            along *= env * p->jscale[e];
            across *= env * p->jscale[e] * p->ep_perp[e];
        } else {
            /* the frequency wanders a little: a hand is no metronome */
            double f = ep->freq_hz, j = p->ep_f2[e][0], jp = p->ep_f2[e][1];
            double ph =
                2 * PI * f * tl + j * f / 0.2 * (1 - cos(2 * PI * 0.2 * tl + jp)) + p->ep_ph[e];
            if (ep->kind == COPGEN_EP_CIRCLE) {
                along = half * env * cos(ph);
                across = half * p->ep_perp[e] * env * sin(ph);
            } else {
                along = half * env * sin(ph);
                across = half * p->ep_perp[e] * env * sin(ph + 0.5);
            }
        }
    }
    *dx = along * ux + across * vx;
    *dy = along * uy + across * vy;
}

/* Jiggle: scale the random sum so that its max - min along the main axis is the size. */
static void jiggle_scale(copgen_trace_t *tr, person_t *p, size_t e)
{
    const copgen_episode_t *ep = &tr->ep[e];
    p->jscale[e] = 1.0;
    double a = deg2rad(ep->angle_deg), lo = 0, hi = 0;
    for (double t = ep->start_s; t < ep->end_s; t += 0.005) {
        double dx, dy;
        episode_at(tr, p, e, t, &dx, &dy);
        double along = dx * sin(a) + dy * cos(a);
        lo = along < lo ? along : lo;
        hi = along > hi ? along : hi;
    }
    p->jscale[e] = hi > lo ? ep->size_mm / (hi - lo) : 0;
}

/* A wiggle or rocking the person could tell from their own breathing: at another rhythm (not
 * within a factor 2 of the breathing rate), across it, or clearly larger. A slow movement along
 * the breathing and no larger than it is breathing as far as the body can tell. */
static void make_distinct(rng_t *r, const copgen_trace_t *tr, const person_t *p,
                          copgen_episode_t *ep)
{
    double fb_max = p->f0_hz * (1 + p->wander);
    if (ep->kind == COPGEN_EP_JIGGLE || ep->freq_hz >= 2.0 * fb_max)
        return;
    if (ep->kind != COPGEN_EP_ROCK && 1.5 * tr->breath_pp_mm <= 10.0 && coin(r, 0.4)) {
        if (ep->size_mm < 1.5 * tr->breath_pp_mm)
            ep->size_mm = uni(r, 1.5 * tr->breath_pp_mm, 10.0);
        return;
    }
    ep->angle_deg = tr->breath_angle_deg + 90.0 + uni(r, -25, 25);
}

static void add_wiggle(rng_t *r, copgen_trace_t *tr, person_t *p, double start, int edge)
{
    copgen_episode_t *ep = &tr->ep[tr->n_ep];
    memset(ep, 0, sizeof *ep);
    double u = uni(r, 0, 3);
    ep->kind = u < 1 ? COPGEN_EP_RUB : u < 2 ? COPGEN_EP_CIRCLE : COPGEN_EP_JIGGLE;
    double dur = uni(r, 2.0, 6.0);
    ep->size_mm = uni(r, 2.5, 10.0);
    if (edge) { /* just outside the target: too small, or too short */
        if (coin(r, 0.5))
            ep->size_mm = uni(r, 2.0, 2.45);
        else
            dur = uni(r, 1.0, 1.9);
    }
    /* log-uniform 0.3-3 Hz: as many slow rubs as fast jiggles */
    ep->freq_hz = ep->kind == COPGEN_EP_JIGGLE ? uni(r, 0.8, 2.2) : 0.3 * pow(10.0, uni(r, 0, 1));
    ep->angle_deg = uni(r, 0, 180);
    ep->start_s = start;
    ep->end_s = start + dur;
    make_distinct(r, tr, p, ep);
    size_t e = tr->n_ep++;
    p->ep_ramp[e] = uni(r, 0.15, 0.3);
    p->ep_perp[e] = ep->kind == COPGEN_EP_CIRCLE ? uni(r, 0.5, 1.0) : uni(r, 0.05, 0.3);
    p->ep_ph[e] = uni(r, 0, 2 * PI);
    p->ep_f2[e][0] = uni(r, 0.0, 0.08);
    p->ep_f2[e][1] = uni(r, 0, 2 * PI);
    if (ep->kind == COPGEN_EP_JIGGLE) {
        /* band-limited noise around the centre frequency, within 0.3-3 Hz */
        double lo = fmax(0.3, ep->freq_hz * 0.5), hi = fmin(3.0, ep->freq_hz * 1.6);
        for (int k = 0; k < 8; k++) {
            p->jf[e][k] = uni(r, lo, hi);
            p->ja[e][k] = uni(r, 0.3, 1.0);
            p->jp[e][k] = uni(r, 0, 2 * PI);
            p->jq[e][k] = uni(r, 0, 2 * PI);
        }
        jiggle_scale(tr, p, e);
    }
    ep->in_target = ep->size_mm >= 2.5 && ep->freq_hz >= 0.3 && ep->freq_hz <= 3.0 && dur >= 2.0;
}

static void add_rock(rng_t *r, copgen_trace_t *tr, person_t *p, double start)
{
    copgen_episode_t *ep = &tr->ep[tr->n_ep];
    memset(ep, 0, sizeof *ep);
    ep->kind = COPGEN_EP_ROCK;
    ep->freq_hz = uni(r, 0.3, 0.5);
    ep->size_mm = uni(r, 3.0, 5.0);
    ep->start_s = start;
    ep->end_s = start + uni(r, 4.5, 5.5);
    ep->angle_deg = tr->breath_angle_deg + 90.0 + uni(r, -25, 25); /* side to side */
    size_t e = tr->n_ep++;
    p->ep_ramp[e] = uni(r, 0.3, 0.5);
    p->ep_perp[e] = uni(r, 0.0, 0.15);
    p->ep_ph[e] = uni(r, 0, 2 * PI);
    p->ep_f2[e][0] = uni(r, 0.0, 0.05);
    p->ep_f2[e][1] = uni(r, 0, 2 * PI);
    ep->in_target = 1;
}

static void add_slide(rng_t *r, copgen_trace_t *tr, double start, double dur)
{
    copgen_episode_t *ep = &tr->ep[tr->n_ep++];
    memset(ep, 0, sizeof *ep);
    ep->kind = COPGEN_EP_SLIDE;
    ep->size_mm = uni(r, 28.0, 35.0);
    ep->angle_deg = uni(r, 0, 360);
    ep->start_s = start;
    ep->end_s = start + dur;
    ep->relocation = ep->size_mm >= COPGEN_RELOCATE_MM;
}

static void draw_person(rng_t *r, copgen_trace_t *tr, person_t *p)
{
    memset(p, 0, sizeof *p);
    copgen_category_t c = tr->category;
    /* breathing rate: centre 6-24/min; the wander stays inside 6-24 */
    double lo = c == COPGEN_ROCK ? 12.0 : 6.3; /* rocking is hardest at breathing's own pace */
    double bpm = uni(r, lo, 23.0);
    double w = uni(r, 0.05, 0.15);
    w = fmin(w, fmin(1.0 - 6.0 / bpm, 24.0 / bpm - 1.0));
    p->f0_hz = bpm / 60.0;
    p->wander = w;
    for (int k = 0; k < 2; k++) {
        p->wp[k] = uni(r, 40, 120);
        p->wth[k] = uni(r, 0, 2 * PI);
        p->dp[k] = k ? uni(r, 7, 13) : uni(r, 15, 30);
        p->dth[k] = uni(r, 0, 2 * PI);
    }
    p->harm = uni(r, 0, 0.25);
    p->harm_ph = uni(r, 0, 2 * PI);
    double mn = 1e9, mx = -1e9;
    for (int i = 0; i < 720; i++) {
        double v = breath_wave(p, 2 * PI * i / 720.0);
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
    }
    p->wmid = 0.5 * (mx + mn);
    p->wspan = mx - mn;
    /* depth (the deepest breath's peak-to-peak) */
    tr->breath_pp_mm = c == COPGEN_BREATH        ? uni(r, 1.0, 4.0)
                       : c == COPGEN_BREATH_DEEP ? uni(r, 4.0, 8.0)
                                                 : uni(r, 1.0, 8.0);
    /* direction: mostly along the body, one person in four more across */
    double ang = coin(r, 0.75) ? uni(r, -25, 25) : (coin(r, 0.5) ? 1 : -1) * uni(r, 30, 70);
    tr->breath_angle_deg = ang;
    p->ax = sin(deg2rad(ang));
    p->ay = cos(deg2rad(ang));
    p->px = cos(deg2rad(ang));
    p->py = -sin(deg2rad(ang));
    p->ell = uni(r, 0.05, 0.2);
    /* heartbeat and the slow wander of a body at rest */
    p->hb_hz = uni(r, 50, 80) / 60.0;
    p->hb_pp = uni(r, 0.1, 0.3);
    p->hb_ax = uni(r, 0, PI);
    p->hb_ph = uni(r, 0, 2 * PI);
    for (int k = 0; k < 3; k++) {
        p->sw_f[k] = uni(r, 0.01, 0.05);
        p->sw_a[k] = uni(r, 0.05, 0.15);
        p->sw_ph[k] = uni(r, 0, 2 * PI);
        p->sw_ax[k] = uni(r, 0, PI);
    }
    tr->noise_mm = uni(r, 0.2, 0.5);
    /* sinking into the ball: a little for everyone, up to 1 cm/min in the drift category */
    tr->drift_mm_min = c == COPGEN_DRIFT ? uni(r, 3.0, 10.0) : uni(r, 0.0, 2.0);
    tr->drift_angle_deg = uni(r, 0, 360);
}

static void plan(rng_t *r, copgen_trace_t *tr, person_t *p, double *dur)
{
    copgen_category_t c = tr->category;
    double t = COPGEN_LEAD_S + uni(r, 0, 5);
    switch (c) {
    case COPGEN_WIGGLE:
    case COPGEN_WIGGLE_EDGE:
        for (int k = 0; k < 3; k++) {
            add_wiggle(r, tr, p, t, c == COPGEN_WIGGLE_EDGE);
            t = tr->ep[tr->n_ep - 1].end_s + COPGEN_SPACING_S + uni(r, 0, 4);
        }
        break;
    case COPGEN_ROCK:
        for (int k = 0; k < 2; k++) {
            add_rock(r, tr, p, t);
            t = tr->ep[tr->n_ep - 1].end_s + COPGEN_SPACING_S + uni(r, 0, 4);
        }
        break;
    case COPGEN_SLIDE_FAST:
        add_slide(r, tr, t, uni(r, 0.8, 1.2));
        t = tr->ep[0].end_s + 2 * COPGEN_SPACING_S;
        break;
    case COPGEN_SLIDE_SLOW:
        add_slide(r, tr, t, uni(r, 15.0, 20.0));
        t = tr->ep[0].end_s + 2 * COPGEN_SPACING_S;
        break;
    default:
        t = 90;
        break;
    }
    *dur = t > 60 ? t : 60;
    if (c == COPGEN_GLITCH) {
        size_t n = (size_t)uni(r, 3, 6);
        double span = (*dur - 5 - COPGEN_LEAD_S / 2) / (double)n;
        for (size_t k = 0; k < n; k++) {
            copgen_glitch_t *g = &tr->glitch[tr->n_glitch++];
            g->t_s = COPGEN_LEAD_S / 2 + span * (double)k + uni(r, 0, span - 2);
            int maxs = (int)floor(0.030 * tr->rate_hz + 1e-9);
            g->samples = maxs > 1 ? 1 + (int)uni(r, 0, maxs) : 1;
            g->size_mm = uni(r, 40, 50);
        }
    }
    if (c == COPGEN_GAP) {
        size_t n = coin(r, 0.5) ? 2 : 1;
        for (size_t k = 0; k < n; k++) {
            copgen_gap_t *g = &tr->gap[tr->n_gap++];
            g->start_s = COPGEN_LEAD_S + 25.0 * (double)k + uni(r, 0, 15);
            g->end_s = g->start_s + 1.0;
        }
    }
}

static const double rates[] = {20, 25, 30, 40, 50, 60, 80, 100};

void copgen_free(copgen_trace_t *tr)
{
    if (!tr)
        return;
    free(tr->t_s);
    free(tr->x_mm);
    free(tr->y_mm);
    free(tr->present);
    free(tr->breath_bpm);
    memset(tr, 0, sizeof *tr);
}

int copgen_make(copgen_category_t c, uint64_t seed, double rate_hz, double duration_s,
                copgen_trace_t *out)
{
    memset(out, 0, sizeof *out);
    if ((int)c < 0 || c >= COPGEN_CATEGORIES || rate_hz < 0 || rate_hz > 1000 ||
        (rate_hz > 0 && rate_hz < 1) || duration_s < 0 || duration_s > 3600)
        return -1;
    rng_t r = {seed * 0x2545F4914F6CDD1Dull + (uint64_t)c * 0x9E3779B97F4A7C15ull + 1};
    out->category = c;
    out->seed = seed;
    if (rate_hz == 0) {
        size_t lo = c == COPGEN_GLITCH ? 3 : 0; /* one sample must last 30 ms or less */
        rate_hz = rates[lo + (size_t)uni(&r, 0, (double)(sizeof rates / sizeof rates[0] - lo))];
    }
    out->rate_hz = rate_hz;
    person_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    draw_person(&r, out, p);
    double dur;
    plan(&r, out, p, &dur);
    if (duration_s > 0)
        dur = duration_s;
    out->duration_s = dur;
    size_t n = (size_t)floor(dur * rate_hz) + 1;
    out->n = n;
    out->t_s = malloc(n * sizeof *out->t_s);
    out->x_mm = malloc(n * sizeof *out->x_mm);
    out->y_mm = malloc(n * sizeof *out->y_mm);
    out->breath_bpm = malloc(n * sizeof *out->breath_bpm);
    out->present = malloc(n);
    if (!out->t_s || !out->x_mm || !out->y_mm || !out->breath_bpm || !out->present) {
        free(p);
        copgen_free(out);
        return -1;
    }
    double ph = uni(&r, 0, 2 * PI), dt = 1.0 / rate_hz, sum = 0;
    double dra = deg2rad(out->drift_angle_deg);
    double slide_x = 0, slide_y = 0;
    out->breath_bpm_min = 1e9;
    out->breath_bpm_max = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * dt;
        out->t_s[i] = t;
        double f = breath_rate_hz(p, t);
        out->breath_bpm[i] = 60.0 * f;
        sum += 60.0 * f;
        out->breath_bpm_min = fmin(out->breath_bpm_min, 60.0 * f);
        out->breath_bpm_max = fmax(out->breath_bpm_max, 60.0 * f);
        double b = 0.5 * out->breath_pp_mm * breath_depth(p, t);
        double along = b * 2.0 * (breath_wave(p, ph) - p->wmid) / p->wspan;
        double across = b * p->ell * cos(ph);
        double x = along * p->ax + across * p->px, y = along * p->ay + across * p->py;
        ph += 2 * PI * f * dt;
        double hb = 0.5 * p->hb_pp * sin(2 * PI * p->hb_hz * t + p->hb_ph);
        x += hb * cos(p->hb_ax);
        y += hb * sin(p->hb_ax);
        for (int k = 0; k < 3; k++) {
            double s = p->sw_a[k] * sin(2 * PI * p->sw_f[k] * t + p->sw_ph[k]);
            x += s * cos(p->sw_ax[k]);
            y += s * sin(p->sw_ax[k]);
        }
        double d = out->drift_mm_min * t / 60.0;
        x += d * sin(dra);
        y += d * cos(dra);
        slide_x = slide_y = 0;
        for (size_t e = 0; e < out->n_ep; e++) {
            double dx, dy;
            episode_at(out, p, e, t, &dx, &dy);
            slide_x += dx;
            slide_y += dy;
        }
        x += slide_x + out->noise_mm * gauss(&r);
        y += slide_y + out->noise_mm * gauss(&r);
        out->present[i] = 1;
        for (size_t g = 0; g < out->n_gap; g++)
            if (t >= out->gap[g].start_s && t < out->gap[g].end_s)
                out->present[i] = 0;
        out->x_mm[i] = x;
        out->y_mm[i] = y;
    }
    out->breath_bpm_mean = sum / (double)n;
    /* Outliers replace the samples (a bad read), they do not add to them. */
    for (size_t g = 0; g < out->n_glitch; g++) {
        copgen_glitch_t *gl = &out->glitch[g];
        size_t i0 = (size_t)ceil(gl->t_s * rate_hz);
        gl->t_s = (double)i0 * dt;
        double a = uni(&r, 0, 2 * PI);
        for (int k = 0; k < gl->samples && i0 + (size_t)k < n; k++) {
            out->x_mm[i0 + (size_t)k] += gl->size_mm * cos(a);
            out->y_mm[i0 + (size_t)k] += gl->size_mm * sin(a);
        }
    }
    free(p);
    return 0;
}

double copgen_breath_bpm_between(const copgen_trace_t *tr, double t0, double t1)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < tr->n; i++)
        if (tr->t_s[i] >= t0 && tr->t_s[i] < t1) {
            s += tr->breath_bpm[i];
            k++;
        }
    return k ? s / (double)k : 0;
}

int copgen_write_csv(const copgen_trace_t *tr, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "Time[s],COPx[mm],COPy[mm]\n");
    for (size_t i = 0; i < tr->n; i++)
        if (tr->present[i])
            fprintf(f, "%.5f,%.4f,%.4f\n", tr->t_s[i], tr->x_mm[i], tr->y_mm[i]);
    return fclose(f) == 0 ? 0 : -1;
}

int copgen_write_truth_json(const copgen_trace_t *tr, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "{\"category\":\"%s\",\"seed\":%llu,\"rate_hz\":%g,\"duration_s\":%.3f,"
            "\"size_convention\":\"peak-to-peak mm along the main axis\","
            "\"breathing\":{\"pp_mm\":%.3f,\"angle_deg\":%.1f,\"bpm_mean\":%.3f,\"bpm_min\":%.3f,"
            "\"bpm_max\":%.3f},\"drift_mm_min\":%.3f,\"drift_angle_deg\":%.1f,"
            "\"noise_mm\":%.3f,\"episodes\":[",
            copgen_category_name(tr->category), (unsigned long long)tr->seed, tr->rate_hz,
            tr->duration_s, tr->breath_pp_mm, tr->breath_angle_deg, tr->breath_bpm_mean,
            tr->breath_bpm_min, tr->breath_bpm_max, tr->drift_mm_min, tr->drift_angle_deg,
            tr->noise_mm);
    for (size_t e = 0; e < tr->n_ep; e++) {
        const copgen_episode_t *ep = &tr->ep[e];
        fprintf(f,
                "%s{\"kind\":\"%s\",\"start_s\":%.3f,\"end_s\":%.3f,\"size_mm\":%.3f,"
                "\"freq_hz\":%.3f,\"angle_deg\":%.1f,\"in_target\":%s,\"relocation\":%s}",
                e ? "," : "", copgen_ep_kind_name(ep->kind), ep->start_s, ep->end_s, ep->size_mm,
                ep->freq_hz, ep->angle_deg, ep->in_target ? "true" : "false",
                ep->relocation ? "true" : "false");
    }
    fprintf(f, "],\"glitches\":[");
    for (size_t g = 0; g < tr->n_glitch; g++)
        fprintf(f, "%s{\"t_s\":%.4f,\"samples\":%d,\"size_mm\":%.2f}", g ? "," : "",
                tr->glitch[g].t_s, tr->glitch[g].samples, tr->glitch[g].size_mm);
    fprintf(f, "],\"gaps\":[");
    for (size_t g = 0; g < tr->n_gap; g++)
        fprintf(f, "%s{\"start_s\":%.3f,\"end_s\":%.3f}", g ? "," : "", tr->gap[g].start_s,
                tr->gap[g].end_s);
    fprintf(f, "]}\n");
    return fclose(f) == 0 ? 0 : -1;
}
