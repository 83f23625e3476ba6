/* The calibration workflow's estimators: frames in, step by step; the fit at the end. */
#include "sm_calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib_internal.h"

#define PRE_ZERO_THR 0.02 /* before the zero step, loaded = above 2 % of full scale */
#define CREEP_SKIP_S 2.0  /* creep fit starts this long into the hold (the load settles) */
#define CREEP_BIN_S  0.25
#define CREEP_BINS   2048 /* 512 s of hold */
#define CREEP_CELLS  64   /* cells whose per-bin means are kept (crosstalk removal) */
#define LOADED_K     4.0  /* "clearly loaded": this many thresholds above offset */
#define GAIN_MIN     0.2
#define GAIN_MAX     5.0
#define RECOVERY_S   20.0
#define XT_MAX       0.6  /* crosstalk share searched up to this */
#define XT_STEP      0.02 /* ... in these steps (force-consistency fallback) */
#define XT_MIN_GAIN  0.7  /* the fallback's share is kept if its force rms is below this x none */

typedef struct {
    double mass_kg;
    float *x, *L; /* mean counts above offset, mean log10(1 + loaded time) */
} slot_t;

typedef struct {
    double s[2], L, n; /* response sums (divider, linear), sum of mean L, frames */
} bin_t;

struct sm_calib_builder {
    int rows, cols, n;
    double pitch, full;
    double *tau;
    double t_prev;
    int started;
    /* zero */
    int zero_done, zero_frames;
    float *off, *noise;
    uint8_t *zmask;
    /* the open step */
    sm_calib_step_kind kind;
    double mass;
    unsigned long frames;
    double t_first, t_last;
    double *ax, *aL, *asq;
    uint16_t *amax;
    int creep_sel;
    uint8_t *creep_m;
    bin_t *bins; /* the open creep step */
    /* kept steps */
    int neq, nload, have_verify, have_creep;
    slot_t eq[SM_CALIB_MAX_EQ], load[SM_CALIB_MAX_LOADS], verify;
    bin_t *creep_bins;
    double creep_hold_s;
    /* per-cell means of the creep bins, so that crosstalk can be removed after the fit of its
     * share: the open step's and the kept ones, their cells, and the kept step's mean frame */
    float *cx, *creep_cx;
    int cidx[CREEP_CELLS], nc, creep_cidx[CREEP_CELLS], creep_nc;
    slot_t creep;
    double creep_rho[CREEP_CELLS]; /* de-ghosted / measured, per kept cell (share > 0) */
    int creep_rho_on;
    float *store; /* backing for the slots */
    /* scratch */
    double *w1, *w2;
    int *iw;
    uint8_t *mask;
};

static double thr_of(const sm_calib_builder_t *b, int i)
{
    return b->zero_done ? sm_calib_threshold(b->noise[i]) : PRE_ZERO_THR * b->full;
}

sm_status sm_calib_builder_create(int rows, int cols, double pitch_mm, int sample_max,
                                  sm_calib_builder_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (rows < 1 || rows > SM_MAX_ROWS || cols < 1 || cols > SM_MAX_COLS || !(pitch_mm >= 0.1) ||
        pitch_mm > 1000.0 || sample_max < 2 || sample_max > 65535)
        return SM_ERR_RANGE;
    sm_calib_builder_t *b = calloc(1, sizeof *b);
    if (!b)
        return SM_ERR_NOMEM;
    size_t n = (size_t)rows * (size_t)cols;
    b->rows = rows;
    b->cols = cols;
    b->n = (int)n;
    b->pitch = pitch_mm;
    b->full = sample_max;
    b->tau = calloc(n, sizeof *b->tau);
    b->off = calloc(n, sizeof *b->off);
    b->noise = calloc(n, sizeof *b->noise);
    b->zmask = calloc(n, 1);
    b->mask = calloc(n, 1);
    b->ax = calloc(n, sizeof *b->ax);
    b->aL = calloc(n, sizeof *b->aL);
    b->asq = calloc(n, sizeof *b->asq);
    b->amax = calloc(n, sizeof *b->amax);
    b->creep_m = calloc(n, 1);
    b->bins = calloc(CREEP_BINS, sizeof *b->bins);
    b->creep_bins = calloc(CREEP_BINS, sizeof *b->creep_bins);
    b->cx = calloc((size_t)CREEP_BINS * CREEP_CELLS, sizeof *b->cx);
    b->creep_cx = calloc((size_t)CREEP_BINS * CREEP_CELLS, sizeof *b->creep_cx);
    size_t nslots = SM_CALIB_MAX_EQ + SM_CALIB_MAX_LOADS + 2;
    b->store = calloc(nslots * 2 * n, sizeof *b->store);
    b->w1 = calloc(n * SM_CALIB_MAX_EQ + n, sizeof *b->w1);
    b->w2 = calloc(n * SM_CALIB_MAX_EQ + n, sizeof *b->w2);
    b->iw = calloc(n * SM_CALIB_MAX_EQ + n, sizeof *b->iw);
    if (!b->tau || !b->off || !b->noise || !b->zmask || !b->mask || !b->ax || !b->aL || !b->asq ||
        !b->amax || !b->creep_m || !b->bins || !b->creep_bins || !b->cx || !b->creep_cx ||
        !b->store || !b->w1 || !b->w2 || !b->iw) {
        sm_calib_builder_destroy(b);
        return SM_ERR_NOMEM;
    }
    float *p = b->store;
    for (int k = 0; k < SM_CALIB_MAX_EQ; k++, p += 2 * n) {
        b->eq[k].x = p;
        b->eq[k].L = p + n;
    }
    for (int k = 0; k < SM_CALIB_MAX_LOADS; k++, p += 2 * n) {
        b->load[k].x = p;
        b->load[k].L = p + n;
    }
    b->verify.x = p;
    b->verify.L = p + n;
    p += 2 * n;
    b->creep.x = p;
    b->creep.L = p + n;
    *out = b;
    return SM_OK;
}

void sm_calib_builder_destroy(sm_calib_builder_t *b)
{
    if (!b)
        return;
    free(b->tau);
    free(b->off);
    free(b->noise);
    free(b->zmask);
    free(b->mask);
    free(b->ax);
    free(b->aL);
    free(b->asq);
    free(b->amax);
    free(b->creep_m);
    free(b->bins);
    free(b->creep_bins);
    free(b->cx);
    free(b->creep_cx);
    free(b->store);
    free(b->w1);
    free(b->w2);
    free(b->iw);
    free(b);
}

static void clear_open(sm_calib_builder_t *b)
{
    size_t n = (size_t)b->n;
    b->kind = SM_CALIB_STEP_NONE;
    b->frames = 0;
    memset(b->ax, 0, n * sizeof *b->ax);
    memset(b->aL, 0, n * sizeof *b->aL);
    memset(b->asq, 0, n * sizeof *b->asq);
    memset(b->amax, 0, n * sizeof *b->amax);
    memset(b->creep_m, 0, n);
    memset(b->bins, 0, CREEP_BINS * sizeof *b->bins);
    b->creep_sel = 0;
}

void sm_calib_builder_discard(sm_calib_builder_t *b)
{
    if (b)
        clear_open(b);
}

sm_status sm_calib_builder_begin(sm_calib_builder_t *b, sm_calib_step_kind kind, double mass_kg)
{
    if (!b || kind <= SM_CALIB_STEP_NONE || kind > SM_CALIB_STEP_CHECK)
        return SM_ERR_ARG;
    if ((kind == SM_CALIB_STEP_LOAD || kind == SM_CALIB_STEP_VERIFY) &&
        !(mass_kg > 0.0 && mass_kg <= 10000.0))
        return SM_ERR_ARG;
    if (b->kind != SM_CALIB_STEP_NONE)
        (void)sm_calib_builder_end(b, NULL);
    if (kind >= SM_CALIB_STEP_EQUALISE && kind <= SM_CALIB_STEP_VERIFY && !b->zero_done)
        return SM_ERR_RANGE;
    if ((kind == SM_CALIB_STEP_EQUALISE && b->neq >= SM_CALIB_MAX_EQ) ||
        (kind == SM_CALIB_STEP_LOAD && b->nload >= SM_CALIB_MAX_LOADS))
        return SM_ERR_RANGE;
    clear_open(b);
    b->kind = kind;
    b->mass = mass_kg > 0.0 ? mass_kg : 0.0;
    return SM_OK;
}

static void creep_frame(sm_calib_builder_t *b, const sm_frame_t *f, double t)
{
    double ts = t - b->t_first;
    if (!b->creep_sel) {
        if (ts < CREEP_SKIP_S)
            return;
        /* The cells well under the load: above half the strongest. */
        double mx = 0.0;
        for (int i = 0; i < b->n; i++) {
            double x = f->cells[i] - b->off[i];
            if (b->zmask[i] == SM_CALIB_CELL_OK && x > mx)
                mx = x;
        }
        int cnt = 0;
        for (int i = 0; i < b->n; i++) {
            double x = f->cells[i] - b->off[i];
            b->creep_m[i] =
                b->zmask[i] == SM_CALIB_CELL_OK && x > 0.5 * mx && x > LOADED_K * thr_of(b, i);
            cnt += b->creep_m[i];
        }
        if (cnt == 0)
            return;
        b->creep_sel = 1;
        b->nc = 0;
        for (int i = 0; i < b->n && b->nc < CREEP_CELLS; i++)
            if (b->creep_m[i])
                b->cidx[b->nc++] = i;
        memset(b->cx, 0, (size_t)CREEP_BINS * CREEP_CELLS * sizeof *b->cx);
    }
    long k = (long)(ts / CREEP_BIN_S);
    if (k < 0 || k >= CREEP_BINS)
        return;
    double s0 = 0.0, s1 = 0.0, L = 0.0;
    int cnt = 0;
    for (int i = 0; i < b->n; i++) {
        if (!b->creep_m[i])
            continue;
        double x = f->cells[i] - b->off[i];
        s0 += sm_calib_readout(SM_CALIB_READOUT_DIVIDER, x, b->full);
        s1 += sm_calib_readout(SM_CALIB_READOUT_LINEAR, x, b->full);
        L += log10(1.0 + b->tau[i]);
        cnt++;
    }
    float *cx = b->cx + (size_t)k * CREEP_CELLS;
    for (int j = 0; j < b->nc; j++)
        cx[j] += (float)(f->cells[b->cidx[j]] - b->off[b->cidx[j]]);
    bin_t *bn = &b->bins[k];
    bn->s[0] += s0;
    bn->s[1] += s1;
    bn->L += L / cnt;
    bn->n += 1.0;
}

sm_status sm_calib_builder_frame(sm_calib_builder_t *b, const sm_frame_t *f)
{
    if (!b || !f)
        return SM_ERR_ARG;
    if (f->rows != b->rows || f->cols != b->cols)
        return SM_ERR_MISMATCH;
    double t = (double)f->t_us / 1e6;
    double dt = b->started ? t - b->t_prev : 0.0;
    if (!(dt > 0.0))
        dt = 0.0;
    if (!b->started || t > b->t_prev)
        b->t_prev = t;
    b->started = 1;
    /* Loaded time per cell, as the sensor's creep sees it (see sm_calib.h). */
    double decay = exp(-dt / RECOVERY_S);
    for (int i = 0; i < b->n; i++) {
        double x = f->cells[i] - b->off[i];
        if (x > thr_of(b, i))
            b->tau[i] += dt;
        else
            b->tau[i] *= decay;
    }
    if (b->kind == SM_CALIB_STEP_NONE)
        return SM_OK;
    if (b->frames == 0)
        b->t_first = t;
    b->t_last = t;
    b->frames++;
    if (b->kind == SM_CALIB_STEP_CONDITION || b->kind == SM_CALIB_STEP_CHECK)
        return SM_OK;
    for (int i = 0; i < b->n; i++) {
        double r = f->cells[i];
        b->ax[i] += r;
        if (b->kind == SM_CALIB_STEP_ZERO) {
            b->asq[i] += r * r;
            if (f->cells[i] > b->amax[i])
                b->amax[i] = f->cells[i];
        } else {
            b->aL[i] += log10(1.0 + b->tau[i]);
        }
    }
    if (b->kind == SM_CALIB_STEP_CREEP)
        creep_frame(b, f, t);
    return SM_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int count_masked(const sm_calib_builder_t *b, const uint8_t *mask, int what)
{
    int c = 0;
    for (int i = 0; i < b->n; i++)
        c += mask[i] == what;
    return c;
}

/* Connected region (8-neighbours) of cells above threshold around the strongest unmasked cell.
 * in[i] = 1 for members; returns the member count. x: counts above offset. */
static int footprint(const sm_calib_builder_t *b, const float *x, const uint8_t *mask, uint8_t *in,
                     int *stack)
{
    int best = -1;
    double mx = 0.0;
    memset(in, 0, (size_t)b->n);
    for (int i = 0; i < b->n; i++)
        if (mask[i] == SM_CALIB_CELL_OK && x[i] > thr_of(b, i) && x[i] > mx) {
            mx = x[i];
            best = i;
        }
    if (best < 0)
        return 0;
    int sp = 0, cnt = 0;
    stack[sp++] = best;
    in[best] = 1;
    while (sp) {
        int i = stack[--sp];
        cnt++;
        int r = i / b->cols, c = i % b->cols;
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if (rr < 0 || cc < 0 || rr >= b->rows || cc >= b->cols)
                    continue;
                int j = rr * b->cols + cc;
                if (in[j] || mask[j] != SM_CALIB_CELL_OK || !(x[j] > thr_of(b, j)))
                    continue;
                in[j] = 1;
                stack[sp++] = j;
            }
    }
    return cnt;
}

static void report(sm_calib_step_report_t *rep, const char *fmt, double a, double c, double d,
                   double e)
{
    if (rep)
        snprintf(rep->message, sizeof rep->message, fmt, a, c, d, e);
}

static sm_status fail(sm_calib_builder_t *b, sm_calib_step_report_t *rep)
{
    if (rep)
        rep->ok = 0;
    clear_open(b);
    return SM_ERR_RANGE;
}

static sm_status end_zero(sm_calib_builder_t *b, sm_calib_step_report_t *rep)
{
    double fr = (double)b->frames;
    if (b->frames < 10) {
        report(rep, "zero: only %.0f frames: keep the mat empty for a few seconds", fr, 0, 0, 0);
        return fail(b, rep);
    }
    int high = 0;
    for (int i = 0; i < b->n; i++)
        high += b->ax[i] / fr > 0.25 * b->full;
    if (high > (b->n / 50 > 4 ? b->n / 50 : 4)) {
        report(rep,
               "zero: %.0f cells read over a quarter of full scale: the mat is not empty; take "
               "everything off it and redo",
               high, 0, 0, 0);
        return fail(b, rep);
    }
    double *sd = b->w1;
    size_t m = 0;
    for (int i = 0; i < b->n; i++) {
        double mean = b->ax[i] / fr, var = b->asq[i] / fr - mean * mean;
        b->w2[i] = sqrt(var > 0.0 ? var : 0.0);
        if (mean <= 0.25 * b->full)
            sd[m++] = b->w2[i];
    }
    double med = median(sd, m);
    for (int i = 0; i < b->n; i++) {
        double mean = b->ax[i] / fr, s = b->w2[i];
        uint8_t mk = SM_CALIB_CELL_OK;
        if (mean > 0.25 * b->full)
            mk = SM_CALIB_CELL_STUCK;
        else if (b->amax[i] == 0 && med > 0.3)
            mk = SM_CALIB_CELL_DEAD; /* silent while its neighbours show noise */
        else if (s > 10.0 * med && s > 3.0)
            mk = SM_CALIB_CELL_FILLED;
        b->zmask[i] = mk;
        b->off[i] = (float)(mk == SM_CALIB_CELL_OK ? mean : 0.0);
        b->noise[i] = (float)(s > 0.5 ? s : 0.5);
    }
    b->zero_done = 1;
    b->zero_frames = (int)b->frames;
    /* What was loaded before the zero used a guessed threshold: start creep state afresh. */
    memset(b->tau, 0, (size_t)b->n * sizeof *b->tau);
    if (rep) {
        rep->ok = 1;
        rep->cells = b->n;
        rep->stuck = count_masked(b, b->zmask, SM_CALIB_CELL_STUCK);
        rep->dead = count_masked(b, b->zmask, SM_CALIB_CELL_DEAD);
        report(rep, "zero: %.0f frames, noise %.1f counts, %.0f stuck and %.0f dead cells masked",
               fr, med, rep->stuck, rep->dead);
    }
    clear_open(b);
    return SM_OK;
}

static void means(const sm_calib_builder_t *b, slot_t *s)
{
    double fr = (double)b->frames;
    for (int i = 0; i < b->n; i++) {
        s->x[i] = (float)(b->ax[i] / fr - b->off[i]);
        s->L[i] = (float)(b->aL[i] / fr);
    }
    s->mass_kg = b->mass;
}

sm_status sm_calib_builder_end(sm_calib_builder_t *b, sm_calib_step_report_t *rep)
{
    if (rep) {
        memset(rep, 0, sizeof *rep);
        if (b) {
            rep->kind = b->kind;
            rep->frames = b->frames;
            rep->mass_kg = b->mass;
        }
    }
    if (!b || b->kind == SM_CALIB_STEP_NONE)
        return SM_EMPTY;
    double fr = (double)b->frames;
    switch (b->kind) {
    case SM_CALIB_STEP_ZERO:
        return end_zero(b, rep);
    case SM_CALIB_STEP_CONDITION:
    case SM_CALIB_STEP_CHECK:
        if (rep) {
            rep->ok = 1;
            snprintf(rep->message, sizeof rep->message, "%s: %lu frames",
                     sm_calib_step_name(b->kind), b->frames);
        }
        clear_open(b);
        return SM_OK;
    default:
        break;
    }
    if (b->frames < 5) {
        report(rep, "only %.0f frames: hold the load still for a few seconds", fr, 0, 0, 0);
        return fail(b, rep);
    }
    slot_t *s;
    if (b->kind == SM_CALIB_STEP_EQUALISE)
        s = &b->eq[b->neq];
    else if (b->kind == SM_CALIB_STEP_LOAD)
        s = &b->load[b->nload];
    else
        s = &b->verify; /* verify; creep keeps its curve in the bins, the means go here too */
    if (b->kind == SM_CALIB_STEP_CREEP) {
        if (!b->creep_sel || b->t_last - b->t_first < 20.0) {
            report(rep, "creep: the hold lasted %.0f s: hold one load still for 90 s",
                   b->t_last - b->t_first, 0, 0, 0);
            return fail(b, rep);
        }
        memcpy(b->creep_bins, b->bins, CREEP_BINS * sizeof *b->bins);
        memcpy(b->creep_cx, b->cx, (size_t)CREEP_BINS * CREEP_CELLS * sizeof *b->cx);
        memcpy(b->creep_cidx, b->cidx, sizeof b->cidx);
        b->creep_nc = b->nc;
        means(b, &b->creep);
        b->have_creep = 1;
        b->creep_hold_s = b->t_last - b->t_first;
        if (rep) {
            rep->ok = 1;
            report(rep, "creep: held %.0f s", b->creep_hold_s, 0, 0, 0);
        }
        clear_open(b);
        return SM_OK;
    }
    means(b, s);
    int loaded = 0;
    double mx = 0.0;
    for (int i = 0; i < b->n; i++) {
        if (b->zmask[i] != SM_CALIB_CELL_OK)
            continue;
        if (s->x[i] > LOADED_K * thr_of(b, i))
            loaded++;
        if (s->x[i] > mx)
            mx = s->x[i];
    }
    if (b->kind == SM_CALIB_STEP_EQUALISE) {
        if (loaded < 4) {
            report(rep,
                   "equalise: only %.0f cells loaded: put the board with its weights on the "
                   "mat",
                   loaded, 0, 0, 0);
            return fail(b, rep);
        }
        b->neq++;
        if (rep) {
            rep->ok = 1;
            rep->cells = loaded;
            report(rep, "equalise: placement %.0f, %.0f cells loaded", b->neq, loaded, 0, 0);
        }
        clear_open(b);
        return SM_OK;
    }
    if (loaded < 1) {
        report(rep, "%.0f kg reads too little on this mat: use a heavier mass or a smaller plate",
               b->mass, 0, 0, 0);
        return fail(b, rep);
    }
    int cells = footprint(b, s->x, b->zmask, b->mask, b->iw);
    double area = cells * b->pitch * b->pitch / 100.0; /* cm^2, coarse: whole cells */
    double p = b->mass * SM_CALIB_G / (area * 100.0) * 1000.0;
    if (b->kind == SM_CALIB_STEP_LOAD)
        b->nload++;
    else
        b->have_verify = 1;
    if (rep) {
        rep->ok = 1;
        rep->cells = cells;
        rep->area_cm2 = area;
        rep->pressure_kpa = p;
        report(rep, "%.1f kg: footprint %.0f cells, about %.0f cm2, about %.1f kPa", b->mass, cells,
               area, p);
    }
    clear_open(b);
    return SM_OK;
}

sm_status sm_calib_builder_feed(sm_calib_builder_t *b, const sm_calib_steps_t *steps,
                                const sm_frame_t *f, sm_calib_step_report_t *rep)
{
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->kind = SM_CALIB_STEP_NONE;
    }
    if (!b || !steps || !f)
        return SM_ERR_ARG;
    double t = (double)f->t_us / 1e6;
    const sm_calib_step_t *cur = NULL;
    for (size_t i = 0; i < steps->n && i < SM_CALIB_MAX_STEPS; i++)
        if (t >= steps->step[i].start_s && t < steps->step[i].end_s) {
            cur = &steps->step[i];
            break;
        }
    /* The open step ends when the frame leaves it; a new table row starts a new step. */
    if (b->kind != SM_CALIB_STEP_NONE && (!cur || cur->kind != b->kind || cur->mass_kg != b->mass ||
                                          (b->frames && b->t_last < cur->start_s)))
        (void)sm_calib_builder_end(b, rep);
    if (cur && b->kind == SM_CALIB_STEP_NONE) {
        sm_status st = sm_calib_builder_begin(b, cur->kind, cur->mass_kg);
        if (st != SM_OK && rep && rep->kind == SM_CALIB_STEP_NONE) {
            rep->kind = cur->kind;
            rep->ok = 0;
            snprintf(rep->message, sizeof rep->message, "%s step at %.1f s skipped: %s",
                     sm_calib_step_name(cur->kind), cur->start_s,
                     st == SM_ERR_RANGE ? "it needs a zero step first (or too many steps)"
                                        : "bad mass");
        }
    }
    return sm_calib_builder_frame(b, f);
}

/* ---------------------------------------------------------------------------------------- */
/* The fit */

sm_status sm_calib_fit_creep(const double *t_s, const double *s, size_t n,
                             sm_calib_creep_model_t *out)
{
    /* s = s0 + s0 c L, L = log10(1 + t): ordinary least squares in (L, s). */
    double sl = 0, ss = 0, sll = 0, sls = 0, lmin = 1e300, lmax = -1e300;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t_s[i]) || !isfinite(s[i]) || t_s[i] < 0.0 || !(s[i] > 0.0))
            continue;
        double L = log10(1.0 + t_s[i]);
        sl += L;
        ss += s[i];
        sll += L * L;
        sls += L * s[i];
        lmin = L < lmin ? L : lmin;
        lmax = L > lmax ? L : lmax;
        m++;
    }
    if (m < 5 || !(lmax - lmin > 0.1))
        return SM_ERR_RANGE;
    double den = (double)m * sll - sl * sl;
    double slope = ((double)m * sls - sl * ss) / den;
    double icpt = (ss - slope * sl) / (double)m;
    if (!(icpt > 0.0))
        return SM_ERR_RANGE;
    double rr = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t_s[i]) || !isfinite(s[i]) || t_s[i] < 0.0 || !(s[i] > 0.0))
            continue;
        double e = (icpt + slope * log10(1.0 + t_s[i])) / s[i] - 1.0;
        rr += e * e;
    }
    out->fitted = 1;
    out->per_decade = slope / icpt;
    out->t0_s = 1.0;
    out->rms_pct = 100.0 * sqrt(rr / (double)m);
    return SM_OK;
}

/* For fixed b and onset, the a that minimises sum ((F_k - W_k) / W_k)^2 and that sum. */
static double solve_a(const double *S, const double *cnt, const double *w, size_t n, double area,
                      double onset, double *a_out)
{
    double cd = 0.0, dd = 0.0;
    for (size_t k = 0; k < n; k++) {
        double c = (area * cnt[k] * onset - w[k]) / w[k];
        double d = area * S[k] / w[k];
        cd += c * d;
        dd += d * d;
    }
    double a = dd > 0.0 ? -cd / dd : 0.0;
    if (!(a > 0.0))
        return 1e300;
    double r = 0.0;
    for (size_t k = 0; k < n; k++) {
        double e = (area * (cnt[k] * onset + a * S[k]) - w[k]) / w[k];
        r += e * e;
    }
    *a_out = a;
    return r;
}

static double eval_b(const double *u, const size_t *off, const size_t *m, const double *w, size_t n,
                     double area, double bexp, double onset_max, double *a_out, double *on_out)
{
    double S[SM_CALIB_MAX_LOADS + 64], cnt[SM_CALIB_MAX_LOADS + 64];
    for (size_t k = 0; k < n; k++) {
        S[k] = 0.0;
        cnt[k] = 0.0;
        for (size_t j = 0; j < m[k]; j++) {
            double v = u[off[k] + j];
            if (v > 0.0) {
                S[k] += pow(v, bexp);
                cnt[k] += 1.0;
            }
        }
    }
    double best = 1e300;
    for (int q = 0; q <= 20; q++) {
        double on = onset_max * q / 20.0, a = 0.0;
        double r = solve_a(S, cnt, w, n, area, on, &a);
        if (r < best) {
            best = r;
            *a_out = a;
            *on_out = on;
        }
        if (onset_max <= 0.0)
            break;
    }
    return best;
}

sm_status sm_calib_fit_power(const double *u, const size_t *off, const size_t *m, const double *w_n,
                             size_t n, double cell_area_mm2, sm_calib_curve_t *curve)
{
    if (n < 2 || n > SM_CALIB_MAX_LOADS + 64 || !(cell_area_mm2 > 0.0))
        return SM_ERR_RANGE;
    double area = cell_area_mm2 / 1000.0; /* kPa -> N */
    double wmin = 1e300, wmax = 0.0, pmin = 1e300;
    for (size_t k = 0; k < n; k++) {
        if (!(w_n[k] > 0.0) || m[k] == 0)
            return SM_ERR_RANGE;
        wmin = w_n[k] < wmin ? w_n[k] : wmin;
        wmax = w_n[k] > wmax ? w_n[k] : wmax;
        double p = w_n[k] / (area * (double)m[k]);
        pmin = p < pmin ? p : pmin;
    }
    (void)wmin;
    (void)wmax;
    /* Onset cannot exceed a fraction of the lowest mean pressure seen. */
    double onset_max = 0.3 * pmin;
    if (onset_max > 5.0)
        onset_max = 5.0;
    double best = 1e300, bb = 1.0, ba = 0.0, bon = 0.0;
    for (double be = 0.2; be <= 2.0001; be += 0.02) {
        double a, on;
        double r = eval_b(u, off, m, w_n, n, area, be, onset_max, &a, &on);
        if (r < best) {
            best = r;
            bb = be;
            ba = a;
            bon = on;
        }
    }
    for (double be = bb - 0.02; be <= bb + 0.02001; be += 0.001) {
        if (be < 0.05)
            continue;
        double a, on;
        double r = eval_b(u, off, m, w_n, n, area, be, onset_max, &a, &on);
        if (r < best) {
            best = r;
            bb = be;
            ba = a;
            bon = on;
        }
    }
    if (!(best < 1e299) || !(ba > 0.0))
        return SM_ERR_RANGE;
    curve->a_kpa = ba;
    curve->b = bb;
    curve->onset_kpa = bon;
    curve->rms_pct = 100.0 * sqrt(best / (double)n);
    return SM_OK;
}

typedef struct {
    int readout;
    double c; /* creep per decade */
    sm_calib_creep_model_t creep;
} fitctx_t;

/* Per-cell kPa from step means, exactly as sm_calib_apply (+ creep correction) would give on
 * average; returns the total force, N. */
static double step_kpa(const sm_calib_builder_t *b, const sm_calib_data_t *d, const fitctx_t *fc,
                       const slot_t *s, double *kpa)
{
    for (int i = 0; i < b->n; i++) {
        double x = s->x[i];
        kpa[i] = 0.0;
        if (d->mask[i] != SM_CALIB_CELL_OK || !(x > sm_calib_threshold(d->noise[i])))
            continue;
        double u = d->gain[i] * sm_calib_readout(fc->readout, x, b->full);
        u /= 1.0 + fc->c * s->L[i];
        kpa[i] = sm_calib_curve_kpa(&d->curve, u);
    }
    double tot = 0.0;
    for (int i = 0; i < b->n; i++) {
        if (d->mask[i] != SM_CALIB_CELL_OK) {
            int r = i / b->cols, c = i % b->cols, q = 0;
            double sum = 0.0;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if ((dr || dc) && rr >= 0 && cc >= 0 && rr < b->rows && cc < b->cols &&
                        d->mask[rr * b->cols + cc] == SM_CALIB_CELL_OK) {
                        sum += kpa[rr * b->cols + cc];
                        q++;
                    }
                }
            kpa[i] = q ? sum / q : 0.0;
        }
    }
    for (int i = 0; i < b->n; i++)
        tot += kpa[i];
    return tot * b->pitch * b->pitch / 1000.0;
}

static void fit_gains(sm_calib_builder_t *b, sm_calib_data_t *d, const fitctx_t *fc)
{
    int n = b->n;
    /* observations: cell, placement, log response (creep-corrected) */
    double *l = b->w1;
    int *ci = b->iw;
    double *obs_k = b->w2;
    size_t no = 0;
    for (int k = 0; k < b->neq; k++) {
        const slot_t *s = &b->eq[k];
        for (int i = 0; i < n; i++) {
            if (d->mask[i] != SM_CALIB_CELL_OK || !(s->x[i] > LOADED_K * thr_of(b, i)))
                continue;
            int r = i / b->cols, c = i % b->cols, ok = 1;
            for (int dr = -1; dr <= 1 && ok; dr++)
                for (int dc = -1; dc <= 1 && ok; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if (rr < 0 || cc < 0 || rr >= b->rows || cc >= b->cols)
                        continue;
                    int j = rr * b->cols + cc;
                    if (d->mask[j] == SM_CALIB_CELL_OK && !(s->x[j] > LOADED_K * thr_of(b, j)))
                        ok = 0;
                }
            if (!ok)
                continue; /* at the edge of the load: partly covered */
            double u = sm_calib_readout(fc->readout, s->x[i], b->full) / (1.0 + fc->c * s->L[i]);
            l[no] = log(u);
            ci[no] = i;
            obs_k[no] = k;
            no++;
        }
    }
    double sk[SM_CALIB_MAX_EQ] = {0}, nk[SM_CALIB_MAX_EQ] = {0};
    double *g = calloc((size_t)n, sizeof *g), *gn = calloc((size_t)n, sizeof *gn);
    if (!g || !gn) {
        free(g);
        free(gn);
        return;
    }
    for (size_t o = 0; o < no; o++) {
        sk[(int)obs_k[o]] += l[o];
        nk[(int)obs_k[o]] += 1.0;
    }
    for (int k = 0; k < b->neq; k++)
        sk[k] = nk[k] > 0 ? sk[k] / nk[k] : 0.0;
    /* Alternating least squares of l = s_k + g_i: placements may differ in load (and carry
     * different creep); overlapping placements tie their scales together. */
    for (int it = 0; it < 30; it++) {
        memset(g, 0, (size_t)n * sizeof *g);
        memset(gn, 0, (size_t)n * sizeof *gn);
        for (size_t o = 0; o < no; o++) {
            g[ci[o]] += l[o] - sk[(int)obs_k[o]];
            gn[ci[o]] += 1.0;
        }
        for (int i = 0; i < n; i++)
            g[i] = gn[i] > 0 ? g[i] / gn[i] : 0.0;
        double s2[SM_CALIB_MAX_EQ] = {0};
        for (size_t o = 0; o < no; o++)
            s2[(int)obs_k[o]] += l[o] - g[ci[o]];
        for (int k = 0; k < b->neq; k++)
            sk[k] = nk[k] > 0 ? s2[k] / nk[k] : 0.0;
    }
    double *tmp = calloc((size_t)n, sizeof *tmp);
    size_t m = 0;
    if (tmp) {
        for (int i = 0; i < n; i++)
            if (gn[i] > 0)
                tmp[m++] = g[i];
    }
    double med = tmp ? median(tmp, m) : 0.0;
    free(tmp);
    for (int i = 0; i < n; i++) {
        double gain = gn[i] > 0 ? exp(-(g[i] - med)) : 1.0;
        if (d->mask[i] == SM_CALIB_CELL_OK && (gain < GAIN_MIN || gain > GAIN_MAX)) {
            d->mask[i] = SM_CALIB_CELL_FILLED;
            gain = 1.0;
        }
        d->gain[i] = (float)gain;
    }
    free(g);
    free(gn);
}

/* Cells that stay silent under an even load while their neighbours respond: dead. */
static void find_dead(sm_calib_builder_t *b, uint8_t *mask)
{
    for (int k = 0; k < b->neq; k++) {
        const slot_t *s = &b->eq[k];
        for (int i = 0; i < b->n; i++) {
            if (mask[i] != SM_CALIB_CELL_OK)
                continue;
            int r = i / b->cols, c = i % b->cols, q = 0, all = 1;
            double nb[8];
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if ((!dr && !dc) || rr < 0 || cc < 0 || rr >= b->rows || cc >= b->cols)
                        continue;
                    int j = rr * b->cols + cc;
                    if (mask[j] != SM_CALIB_CELL_OK)
                        continue;
                    if (!(s->x[j] > LOADED_K * thr_of(b, j)))
                        all = 0;
                    nb[q++] = s->x[j];
                }
            if (!all || q < 3)
                continue;
            double med = median(nb, (size_t)q);
            if (s->x[i] < 0.15 * med)
                mask[i] = SM_CALIB_CELL_DEAD;
        }
    }
}

static void fit_load_stats(sm_calib_builder_t *b, sm_calib_data_t *d, const fitctx_t *fc,
                           const slot_t *s, sm_calib_load_t *L, double *kpa)
{
    memset(L, 0, sizeof *L);
    L->mass_kg = s->mass_kg;
    L->expected_n = s->mass_kg * SM_CALIB_G;
    L->force_n = step_kpa(b, d, fc, s, kpa);
    L->error_pct = 100.0 * (L->force_n / L->expected_n - 1.0);
    uint8_t *in = b->mask;
    L->cells = footprint(b, s->x, d->mask, in, b->iw);
    /* Interior cells: all 8 neighbours in the footprint (or off the mat). */
    double *pi = b->w2;
    size_t np = 0;
    for (int i = 0; i < b->n; i++) {
        if (!in[i])
            continue;
        int r = i / b->cols, c = i % b->cols, ok = 1;
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if (rr >= 0 && cc >= 0 && rr < b->rows && cc < b->cols && !in[rr * b->cols + cc] &&
                    d->mask[rr * b->cols + cc] == SM_CALIB_CELL_OK)
                    ok = 0;
            }
        if (ok)
            pi[np++] = kpa[i];
    }
    double pint = 0.0;
    if (np) {
        double *cp = b->w1;
        memcpy(cp, pi, np * sizeof *cp);
        pint = median(cp, np);
    } else {
        for (int i = 0; i < b->n; i++)
            if (in[i] && kpa[i] > pint)
                pint = kpa[i];
    }
    double cov = 0.0;
    for (int i = 0; i < b->n; i++)
        if (in[i] && pint > 0.0)
            cov += kpa[i] / pint < 1.0 ? kpa[i] / pint : 1.0;
    L->area_cm2 = cov * b->pitch * b->pitch / 100.0;
    L->pressure_kpa = L->area_cm2 > 0 ? L->expected_n / (L->area_cm2 * 100.0) * 1000.0 : 0.0;
    double rr = 0.0;
    for (size_t j = 0; j < np; j++) {
        double e = pi[j] / L->pressure_kpa - 1.0;
        rr += e * e;
    }
    L->points = (int)np;
    L->rms_cell_pct = np ? 100.0 * sqrt(rr / (double)np) : 0.0;
}

static sm_status fit_readout(sm_calib_builder_t *b, int readout, sm_calib_data_t *d,
                             const uint8_t *mask0, char *err, size_t errlen)
{
    fitctx_t fc;
    memset(&fc, 0, sizeof fc);
    fc.readout = readout;
    d->readout = readout;
    memcpy(d->mask, mask0, (size_t)b->n);
    for (int i = 0; i < b->n; i++) {
        d->offset[i] = b->off[i];
        d->noise[i] = b->noise[i];
        d->gain[i] = 1.0f;
    }
    d->creep.per_decade = 0.05;
    d->creep.t0_s = 1.0;
    d->creep.recovery_s = RECOVERY_S;
    d->creep.fitted = 0;
    if (b->have_creep) {
        double *t = b->w1, *sv = b->w2;
        size_t m = 0;
        for (int k = 0; k < CREEP_BINS; k++) {
            const bin_t *bn = &b->creep_bins[k];
            if (bn->n <= 0)
                continue;
            double L = bn->L / bn->n;
            t[m] = pow(10.0, L) - 1.0;
            sv[m] = bn->s[readout] / bn->n;
            if (b->creep_rho_on) {
                /* Crosstalk inflates the held cells by a share that grows with their level,
                 * and the readout turns that into extra apparent creep: the response of the
                 * de-ghosted cell means instead. */
                const float *cx = b->creep_cx + (size_t)k * CREEP_CELLS;
                sv[m] = 0.0;
                for (int j = 0; j < b->creep_nc; j++)
                    sv[m] += sm_calib_readout(readout, b->creep_rho[j] * cx[j] / bn->n, b->full);
            }
            m++;
        }
        sm_calib_creep_model_t cm = d->creep;
        if (sm_calib_fit_creep(t, sv, m, &cm) == SM_OK) {
            cm.recovery_s = RECOVERY_S;
            cm.hold_s = b->creep_hold_s;
            d->creep = cm;
        }
    }
    /* An unmeasured creep is only the coach's guess: the fit does not correct for it. */
    fc.c = d->creep.fitted ? d->creep.per_decade : 0.0;
    if (b->neq > 0)
        fit_gains(b, d, &fc);

    /* The load steps' footprints -> the force-consistent curve fit. */
    size_t tot = 0;
    for (int k = 0; k < b->nload; k++)
        tot += (size_t)b->n;
    double *u = calloc(tot ? tot : 1, sizeof *u);
    double *kpa = calloc((size_t)b->n, sizeof *kpa);
    uint8_t *in = calloc((size_t)b->n, 1);
    if (!u || !kpa || !in) {
        free(u);
        free(kpa);
        free(in);
        return SM_ERR_NOMEM;
    }
    size_t off[SM_CALIB_MAX_LOADS], m[SM_CALIB_MAX_LOADS];
    double w[SM_CALIB_MAX_LOADS];
    size_t p = 0;
    for (int k = 0; k < b->nload; k++) {
        const slot_t *s = &b->load[k];
        footprint(b, s->x, d->mask, in, b->iw);
        off[k] = p;
        for (int i = 0; i < b->n; i++) {
            double v = 0.0;
            if (in[i]) {
                v = d->gain[i] * sm_calib_readout(readout, s->x[i], b->full) /
                    (1.0 + fc.c * s->L[i]);
            } else if (d->mask[i] != SM_CALIB_CELL_OK) {
                /* A masked cell inside or at the edge of the footprint: the mean of its
                 * neighbours, as sm_calib_apply fills it. */
                int r = i / b->cols, c = i % b->cols, q = 0, qin = 0;
                double sum = 0.0;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++) {
                        int rr = r + dr, cc = c + dc;
                        if ((!dr && !dc) || rr < 0 || cc < 0 || rr >= b->rows || cc >= b->cols)
                            continue;
                        int j = rr * b->cols + cc;
                        if (d->mask[j] != SM_CALIB_CELL_OK)
                            continue;
                        q++;
                        if (in[j]) {
                            qin++;
                            sum += d->gain[j] * sm_calib_readout(readout, s->x[j], b->full) /
                                   (1.0 + fc.c * s->L[j]);
                        }
                    }
                if (qin > 0)
                    v = sum / q;
            }
            if (v > 0.0)
                u[p++] = v;
        }
        m[k] = p - off[k];
        w[k] = s->mass_kg * SM_CALIB_G;
    }
    sm_status st =
        sm_calib_fit_power(u, off, m, w, (size_t)b->nload, b->pitch * b->pitch, &d->curve);
    free(u);
    if (st != SM_OK) {
        snprintf(err, errlen,
                 "the known loads could not be fitted: use at least 3 loads with "
                 "different masses, each clearly read by the mat");
        free(kpa);
        free(in);
        return SM_ERR_RANGE;
    }
    d->nloads = b->nload;
    double lo = 1e300, hi = 0.0;
    for (int k = 0; k < b->nload; k++) {
        fit_load_stats(b, d, &fc, &b->load[k], &d->loads[k], kpa);
        double pk = d->loads[k].pressure_kpa;
        if (pk > 0 && pk < lo)
            lo = pk;
        if (pk > hi)
            hi = pk;
    }
    d->curve.lo_kpa = lo < 1e299 ? lo : 0.0;
    d->curve.hi_kpa = hi;
    memset(&d->verify, 0, sizeof d->verify);
    d->verify.tolerance_pct = SM_CALIB_TOLERANCE_PCT;
    if (b->have_verify) {
        sm_calib_verify_t *v = &d->verify;
        v->done = 1;
        v->mass_kg = b->verify.mass_kg;
        v->expected_n = v->mass_kg * SM_CALIB_G;
        v->measured_n = step_kpa(b, d, &fc, &b->verify, kpa);
        v->error_pct = 100.0 * (v->measured_n / v->expected_n - 1.0);
        v->pass = fabs(v->error_pct) <= v->tolerance_pct;
    }
    free(kpa);
    free(in);
    return SM_OK;
}

/* ---- crosstalk ---- */

typedef struct {
    slot_t *sl[SM_CALIB_MAX_EQ + SM_CALIB_MAX_LOADS + 1];
    int ns;
    float *orig;   /* the slots' step means as measured, ns * n */
    float *thr;    /* per-cell threshold, counts */
    float *g;      /* ghosts of one slot */
    uint8_t *keep; /* stuck cells */
    sm_calib_xt_t *xt;
} xtfit_t;

static void xtfit_free(xtfit_t *x)
{
    free(x->orig);
    free(x->thr);
    free(x->g);
    free(x->keep);
    sm_calib_xt_destroy(x->xt);
}

static sm_status xtfit_init(sm_calib_builder_t *b, const uint8_t *mask0, xtfit_t *x)
{
    memset(x, 0, sizeof *x);
    for (int k = 0; k < b->neq; k++)
        x->sl[x->ns++] = &b->eq[k];
    for (int k = 0; k < b->nload; k++)
        x->sl[x->ns++] = &b->load[k];
    if (b->have_verify)
        x->sl[x->ns++] = &b->verify;
    size_t n = (size_t)b->n;
    x->orig = malloc((size_t)x->ns * n * sizeof *x->orig + 1);
    x->thr = malloc(n * sizeof *x->thr);
    x->g = malloc(n * sizeof *x->g);
    x->keep = malloc(n);
    if (!x->orig || !x->thr || !x->g || !x->keep ||
        sm_calib_xt_create(b->rows, b->cols, &x->xt) != SM_OK) {
        xtfit_free(x);
        return SM_ERR_NOMEM;
    }
    for (int k = 0; k < x->ns; k++)
        memcpy(x->orig + (size_t)k * n, x->sl[k]->x, n * sizeof *x->orig);
    for (size_t i = 0; i < n; i++) {
        x->thr[i] = (float)thr_of(b, (int)i);
        x->keep[i] = mask0[i] == SM_CALIB_CELL_STUCK;
    }
    return SM_OK;
}

/* The slots' means with crosstalk of this share removed (0: as measured). */
static void xtfit_apply(const sm_calib_builder_t *b, xtfit_t *x, double share)
{
    size_t n = (size_t)b->n;
    for (int k = 0; k < x->ns; k++)
        sm_calib_xt_remove(x->xt, x->orig + (size_t)k * n, x->thr, x->keep, share, x->sl[k]->x);
}

/* A cell on a stuck cell's line that only a ghost can load: unmasked, and the cells beside it
 * across the line (off the mat, or unmasked and below threshold) unloaded. */
static int across_unloaded(const sm_calib_builder_t *b, const uint8_t *mask, const float *xm,
                           const float *thr, int r, int c, int dr, int dc)
{
    if (mask[r * b->cols + c] != SM_CALIB_CELL_OK)
        return 0;
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        int rr = r + sgn * dr, cc = c + sgn * dc;
        if (rr < 0 || cc < 0 || rr >= b->rows || cc >= b->cols)
            continue;
        int j = rr * b->cols + cc;
        if (mask[j] != SM_CALIB_CELL_OK || xm[j] > thr[j])
            return 0;
    }
    return 1;
}

/* Phantom load along stuck cells' rows and columns: such a cell reads share * G(v), v the
 * de-ghosted frame. Least squares for the share, iterated to its fixed point (v depends on the
 * share). Returns the number of phantom cells used (0: no evidence). */
static int xt_fit_lines(sm_calib_builder_t *b, const uint8_t *mask0, xtfit_t *x,
                        sm_calib_xtalk_t *out)
{
    size_t n = (size_t)b->n;
    double share = 0.0, syg = 0.0, sgg = 0.0, syy = 0.0;
    int pts = 0;
    for (int it = 0; it < 20; it++) {
        xtfit_apply(b, x, share);
        syg = sgg = syy = 0.0;
        pts = 0;
        for (int k = 0; k < x->ns; k++) {
            const float *xm = x->orig + (size_t)k * n;
            sm_calib_xt_ghost(x->xt, x->sl[k]->x, x->thr, NULL, x->g);
            for (int s = 0; s < b->n; s++) {
                if (mask0[s] != SM_CALIB_CELL_STUCK)
                    continue;
                int rs = s / b->cols, cs = s % b->cols;
                for (int line = 0; line < 2; line++) {
                    int len = line ? b->cols : b->rows;
                    for (int t = 0; t < len; t++) {
                        int r = line ? rs : t, c = line ? t : cs;
                        if ((line ? c : r) == (line ? cs : rs))
                            continue;
                        int i = r * b->cols + c;
                        if (!(x->g[i] > LOADED_K * x->thr[i]) ||
                            !across_unloaded(b, mask0, xm, x->thr, r, c, line, !line))
                            continue;
                        syg += (double)xm[i] * x->g[i];
                        sgg += (double)x->g[i] * x->g[i];
                        syy += (double)xm[i] * xm[i];
                        pts++;
                    }
                }
            }
        }
        if (pts == 0 || !(sgg > 0.0))
            break;
        double next = syg / sgg;
        next = next < 0.0 ? 0.0 : next > 1.0 ? 1.0 : next;
        int done = fabs(next - share) < 1e-5;
        share = next;
        if (done)
            break;
    }
    if (pts == 0 || !(sgg > 0.0))
        return 0;
    double rss = syy - 2.0 * share * syg + share * share * sgg;
    /* Below 1 % the mat has no measurable crosstalk: no compensation, no cost per frame. */
    out->share = share >= 0.01 ? share : 0.0;
    out->fitted = SM_CALIB_XT_LINES;
    out->points = pts;
    out->rms_counts = sqrt((rss > 0.0 ? rss : 0.0) / pts);
    return pts;
}

static sm_status fit_readout(sm_calib_builder_t *b, int readout, sm_calib_data_t *d,
                             const uint8_t *mask0, char *err, size_t errlen);

/* No phantom lines to measure: the share whose de-ghosted fit makes the known loads' forces
 * most consistent, if clearly better than none. */
static void xt_fit_force(sm_calib_builder_t *b, const uint8_t *mask0, xtfit_t *x,
                         sm_calib_data_t *tmp, sm_calib_xtalk_t *out)
{
    char e[8];
    double rms0 = -1.0, best = 1e300, bs = 0.0;
    for (int q = 0; q * XT_STEP <= XT_MAX + 1e-9; q++) {
        double share = q * XT_STEP;
        xtfit_apply(b, x, share);
        if (fit_readout(b, SM_CALIB_READOUT_DIVIDER, tmp, mask0, e, sizeof e) != SM_OK)
            continue;
        double r = tmp->curve.rms_pct;
        if (q == 0)
            rms0 = r;
        if (r < best) {
            best = r;
            bs = share;
        }
    }
    if (bs > 0.0 && rms0 >= 0.0 && best < XT_MIN_GAIN * rms0) {
        out->share = bs;
        out->fitted = SM_CALIB_XT_FORCE;
    }
}

sm_status sm_calib_builder_finish(sm_calib_builder_t *b, sm_calib_data_t *out, char *err,
                                  size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    if (!b || !out)
        return SM_ERR_ARG;
    if (b->kind != SM_CALIB_STEP_NONE)
        (void)sm_calib_builder_end(b, NULL);
    sm_status st = sm_calib_data_init(out, b->rows, b->cols, b->pitch, (int)b->full);
    if (st != SM_OK)
        return st;
    if (!b->zero_done) {
        snprintf(err, errlen, "no zero step: calibration needs a few seconds of the empty mat");
        return SM_ERR_RANGE;
    }
    if (b->nload < 3) {
        snprintf(err, errlen, "%d known load%s: calibration needs at least 3", b->nload,
                 b->nload == 1 ? "" : "s");
        return SM_ERR_RANGE;
    }
    uint8_t *mask0 = malloc((size_t)b->n);
    sm_calib_data_t *alt = malloc(sizeof *alt);
    if (!mask0 || !alt) {
        free(mask0);
        free(alt);
        return SM_ERR_NOMEM;
    }
    memcpy(mask0, b->zmask, (size_t)b->n);
    find_dead(b, mask0);
    *alt = *out;
    /* Crosstalk first: everything after it (gains, curve, verification) sees de-ghosted step
     * means, exactly as sm_calib_apply will see de-ghosted frames. */
    xtfit_t xf;
    if (xtfit_init(b, mask0, &xf) != SM_OK) {
        free(alt);
        free(mask0);
        return SM_ERR_NOMEM;
    }
    sm_calib_xtalk_t xt;
    memset(&xt, 0, sizeof xt);
    if (xt_fit_lines(b, mask0, &xf, &xt) == 0)
        xt_fit_force(b, mask0, &xf, alt, &xt);
    xtfit_apply(b, &xf, xt.share);
    b->creep_rho_on = 0;
    if (b->have_creep && xt.share > 0.0 && b->creep_nc > 0) {
        float *v = xf.g; /* free here: the de-ghosted mean frame of the hold */
        sm_calib_xt_remove(xf.xt, b->creep.x, xf.thr, xf.keep, xt.share, v);
        for (int j = 0; j < b->creep_nc; j++) {
            int i = b->creep_cidx[j];
            b->creep_rho[j] = b->creep.x[i] > 0.0f && v[i] > 0.0f ? v[i] / b->creep.x[i] : 1.0;
        }
        b->creep_rho_on = 1;
    }
    *alt = *out;
    sm_status s1 = fit_readout(b, SM_CALIB_READOUT_DIVIDER, out, mask0, err, errlen);
    sm_status s2 = fit_readout(b, SM_CALIB_READOUT_LINEAR, alt, mask0, err, errlen);
    /* Prefer the divider (the usual wiring) unless linear fits clearly better. */
    if (s2 == SM_OK && (s1 != SM_OK || alt->curve.rms_pct < 0.7 * out->curve.rms_pct))
        *out = *alt;
    out->xtalk = xt;
    xtfit_apply(b, &xf, 0.0); /* the slots as measured again: finish may be called twice */
    xtfit_free(&xf);
    free(alt);
    free(mask0);
    if (s1 != SM_OK && s2 != SM_OK)
        return s1;
    err[0] = 0;
    int pos = snprintf(out->method, sizeof out->method, "zero");
    if (b->neq && pos > 0 && (size_t)pos < sizeof out->method)
        pos +=
            snprintf(out->method + pos, sizeof out->method - (size_t)pos, ", equalise x%d", b->neq);
    if (pos > 0 && (size_t)pos < sizeof out->method)
        pos +=
            snprintf(out->method + pos, sizeof out->method - (size_t)pos, ", %d loads", b->nload);
    if (b->have_creep && pos > 0 && (size_t)pos < sizeof out->method)
        pos += snprintf(out->method + pos, sizeof out->method - (size_t)pos, ", creep %.0f s",
                        b->creep_hold_s);
    if (b->have_verify && pos > 0 && (size_t)pos < sizeof out->method)
        snprintf(out->method + pos, sizeof out->method - (size_t)pos, ", verify");
    return SM_OK;
}
