/* Calibration data, validation, the compiled per-frame form, creep and ghosts. The workflow's
 * estimators are in sm_calib_builder.c. */
#include "sm_calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib_internal.h"

static const char *const step_names[] = {NULL,   "condition", "zero",   "equalise",
                                         "load", "creep",     "verify", "check"};

const char *sm_calib_step_name(sm_calib_step_kind kind)
{
    if ((int)kind <= 0 || (size_t)kind >= sizeof step_names / sizeof step_names[0])
        return NULL;
    return step_names[kind];
}

sm_calib_step_kind sm_calib_step_from_name(const char *name)
{
    if (!name)
        return SM_CALIB_STEP_NONE;
    if (strcmp(name, "equalize") == 0)
        return SM_CALIB_STEP_EQUALISE;
    for (size_t i = 1; i < sizeof step_names / sizeof step_names[0]; i++)
        if (strcmp(name, step_names[i]) == 0)
            return (sm_calib_step_kind)i;
    return SM_CALIB_STEP_NONE;
}

static int geometry_ok(int rows, int cols, double pitch_mm, int sample_max)
{
    return rows >= 1 && rows <= SM_MAX_ROWS && cols >= 1 && cols <= SM_MAX_COLS &&
           pitch_mm >= 0.1 && pitch_mm <= 1000.0 && sample_max >= 2 && sample_max <= 65535;
}

sm_status sm_calib_data_init(sm_calib_data_t *d, int rows, int cols, double pitch_mm,
                             int sample_max)
{
    memset(d, 0, sizeof *d);
    if (!geometry_ok(rows, cols, pitch_mm, sample_max))
        return SM_ERR_RANGE;
    d->version = SM_CALIB_VERSION;
    d->rows = rows;
    d->cols = cols;
    d->pitch_mm = pitch_mm;
    d->sample_max = sample_max;
    d->readout = SM_CALIB_READOUT_DIVIDER;
    d->curve.a_kpa = 60.0;
    d->curve.b = 1.0 / 1.4;
    d->curve.lo_kpa = 0.0;
    d->curve.hi_kpa = 500.0; /* until a fit measures it: reports are capped at 1000 kPa */
    d->creep.per_decade = 0.05;
    d->creep.t0_s = 1.0;
    d->creep.recovery_s = 20.0;
    d->xtalk.share = 0.0;
    d->xtalk.fitted = SM_CALIB_XT_NONE;
    d->verify.tolerance_pct = SM_CALIB_TOLERANCE_PCT;
    for (int i = 0; i < rows * cols; i++) {
        d->offset[i] = 0.0f;
        d->noise[i] = 1.0f;
        d->gain[i] = 1.0f;
        d->mask[i] = SM_CALIB_CELL_OK;
    }
    return SM_OK;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        return SM_ERR_FORMAT;                                                                      \
    } while (0)

static int fin(double x)
{
    return isfinite(x);
}

sm_status sm_calib_data_validate(const sm_calib_data_t *d, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!d)
        FAIL("no calibration");
    if (d->version < 1 || d->version > SM_CALIB_VERSION)
        FAIL("calibration version %d is not supported (this SteadyMat reads 1..%d)", d->version,
             SM_CALIB_VERSION);
    if (!geometry_ok(d->rows, d->cols, d->pitch_mm, d->sample_max))
        FAIL("mat geometry %dx%d at %g mm, full scale %d is out of range (1..64 cells, "
             "0.1..1000 mm, 2..65535)",
             d->rows, d->cols, d->pitch_mm, d->sample_max);
    size_t ul = 0;
    while (ul < sizeof d->uid && d->uid[ul])
        ul++;
    if (ul == sizeof d->uid)
        FAIL("mat uid is not terminated");
    if (ul != 0 && (ul != 16 || strspn(d->uid, "0123456789abcdefABCDEF") != 16))
        FAIL("mat uid '%.16s' must be 16 hex digits", d->uid);
    if (d->readout != SM_CALIB_READOUT_DIVIDER && d->readout != SM_CALIB_READOUT_LINEAR)
        FAIL("unknown readout %d", d->readout);
    const sm_calib_curve_t *c = &d->curve;
    /* Ranges, not just signs: a denormal scale or time (1e-320) is "positive" but turns every
     * reading into nonsense, so each is a normal number in a physical range. */
    if (!fin(c->a_kpa) || c->a_kpa < SM_CALIB_A_MIN_KPA || c->a_kpa > SM_CALIB_A_MAX_KPA)
        FAIL("curve a_kpa %g must be in %g..%g kPa", c->a_kpa, SM_CALIB_A_MIN_KPA,
             SM_CALIB_A_MAX_KPA);
    if (!fin(c->b) || c->b < 0.05 || c->b > 5.0)
        FAIL("curve exponent b %g must be in 0.05..5", c->b);
    if (!fin(c->onset_kpa) || c->onset_kpa < 0.0 || c->onset_kpa > 1000.0)
        FAIL("curve onset_kpa %g must be in 0..1000", c->onset_kpa);
    if (!fin(c->hi_kpa) || c->hi_kpa < SM_CALIB_HI_MIN_KPA || c->hi_kpa > SM_CALIB_HI_MAX_KPA)
        FAIL("curve hi_kpa %g must be in %g..%g kPa", c->hi_kpa, SM_CALIB_HI_MIN_KPA,
             SM_CALIB_HI_MAX_KPA);
    if (!fin(c->lo_kpa) || c->lo_kpa < 0 || c->lo_kpa >= c->hi_kpa)
        FAIL("curve lo_kpa %g must be in 0..hi_kpa (%g kPa)", c->lo_kpa, c->hi_kpa);
    if (!fin(c->rms_pct) || c->rms_pct < 0)
        FAIL("curve rms_pct %g must be a non-negative number", c->rms_pct);
    const sm_calib_creep_model_t *k = &d->creep;
    if (!fin(k->per_decade) || k->per_decade < -0.5 || k->per_decade > 1.0)
        FAIL("creep per_decade %g must be in -0.5..1", k->per_decade);
    if (!fin(k->t0_s) || k->t0_s < SM_CALIB_TIME_MIN_S || k->t0_s > 1e4)
        FAIL("creep t0_s %g must be in %g..10000 s", k->t0_s, SM_CALIB_TIME_MIN_S);
    if (!fin(k->recovery_s) || k->recovery_s < SM_CALIB_TIME_MIN_S || k->recovery_s > 1e5)
        FAIL("creep recovery_s %g must be in %g..100000 s", k->recovery_s, SM_CALIB_TIME_MIN_S);
    if (!fin(k->hold_s) || !fin(k->rms_pct) || k->hold_s < 0 || k->rms_pct < 0)
        FAIL("creep hold_s or rms is not a non-negative number");
    const sm_calib_xtalk_t *xt = &d->xtalk;
    if (!fin(xt->share) || xt->share < 0.0 || xt->share > 1.0)
        FAIL("crosstalk share %g must be in 0..1", xt->share);
    if (xt->fitted < SM_CALIB_XT_NONE || xt->fitted > SM_CALIB_XT_FORCE || xt->points < 0 ||
        !fin(xt->rms_counts) || xt->rms_counts < 0)
        FAIL("crosstalk fit source, points or rms is out of range");
    const sm_calib_verify_t *v = &d->verify;
    if (!fin(v->mass_kg) || !fin(v->expected_n) || !fin(v->measured_n) || !fin(v->error_pct) ||
        !fin(v->tolerance_pct) || v->tolerance_pct < 0 || v->mass_kg < 0)
        FAIL("verification holds a value that is not a number");
    if (d->nloads < 0 || d->nloads > SM_CALIB_MAX_LOADS)
        FAIL("%d load steps (at most %d)", d->nloads, SM_CALIB_MAX_LOADS);
    for (int i = 0; i < d->nloads; i++) {
        const sm_calib_load_t *l = &d->loads[i];
        if (!fin(l->mass_kg) || !fin(l->expected_n) || !fin(l->force_n) || !fin(l->error_pct) ||
            !fin(l->area_cm2) || !fin(l->pressure_kpa) || !fin(l->rms_cell_pct) || l->mass_kg < 0 ||
            l->cells < 0 || l->points < 0)
            FAIL("load step %d holds a value that is not a number", i + 1);
    }
    int n = d->rows * d->cols;
    for (int i = 0; i < n; i++) {
        int r = i / d->cols, col = i % d->cols;
        if (!fin(d->offset[i]) || d->offset[i] < 0.0f || d->offset[i] > (float)d->sample_max)
            FAIL("offset of cell %d (row %d, col %d) is %g: must be 0..%d", i, r, col,
                 (double)d->offset[i], d->sample_max);
        if (!fin(d->noise[i]) || d->noise[i] < 0.0f || d->noise[i] > (float)d->sample_max)
            FAIL("noise of cell %d (row %d, col %d) is %g: must be 0..%d", i, r, col,
                 (double)d->noise[i], d->sample_max);
        if (!fin(d->gain[i]) || d->gain[i] < 1e-3f || d->gain[i] > 1000.0f)
            FAIL("gain of cell %d (row %d, col %d) is %g: must be 0.001..1000", i, r, col,
                 (double)d->gain[i]);
        if (d->mask[i] > SM_CALIB_CELL_FILLED)
            FAIL("mask of cell %d (row %d, col %d) is %d: must be 0..3", i, r, col, d->mask[i]);
    }
    return SM_OK;
}

/* ---- readout ---- */

double sm_calib_readout(int readout, double x, double full)
{
    if (x <= 0.0)
        return 0.0;
    if (readout == SM_CALIB_READOUT_LINEAR)
        return x / full;
    /* The divider saturates at full scale; half a count below it keeps u finite. */
    if (x > full - 0.5)
        x = full - 0.5;
    return x / (full - x);
}

/* 2.7 sigma (+1 count of quantisation): lower lets noise cells add the curve's onset pressure
 * everywhere (+29 % on a light load at 2 sigma); higher drops the faint edge cells of a light,
 * small load (-5 % for 3 kg on 5 x 5 cm at 3 sigma). Measured on the calibration scenario. */
double sm_calib_threshold(double noise)
{
    return 2.7 * noise + 1.0;
}

double sm_calib_curve_kpa(const sm_calib_curve_t *c, double u)
{
    if (u <= 0.0)
        return 0.0;
    return c->onset_kpa + c->a_kpa * pow(u, c->b);
}

double sm_calib_typical_kpa(const sm_calib_data_t *d, double counts)
{
    if (!d || !(counts > 0) || d->sample_max < 2)
        return 0.0;
    double p = sm_calib_curve_kpa(&d->curve, sm_calib_readout(d->readout, counts, d->sample_max));
    double cap = 2.0 * d->curve.hi_kpa;
    return cap > 0 && p > cap ? cap : p;
}

/* ---- compiled form ---- */

struct sm_calib {
    sm_calib_data_t d;
    int n;
    double area_mm2;
    float onset;
    float cap;       /* highest pressure reported: twice the top of the fitted range */
    float lut_scale; /* table entries per count */
    float lut[SM_CALIB_LUT + 1];
    float *off, *thr, *k;
    int nmasked;
    int *masked; /* masked cell indices */
    int *nb;     /* 8 unmasked neighbour indices per masked cell, -1 = none */
    /* crosstalk compensation (share > 0): scratch for one frame */
    sm_calib_xt_t *xt;
    float *x;      /* counts above offset, then de-ghosted */
    uint8_t *keep; /* stuck cells: full-scale corners, left as they are */
};

sm_status sm_calib_create(const sm_calib_data_t *d, sm_calib_t **out, char *err, size_t errlen)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    sm_status st = sm_calib_data_validate(d, err, errlen);
    if (st != SM_OK)
        return st;
    sm_calib_t *c = calloc(1, sizeof *c);
    if (!c)
        return SM_ERR_NOMEM;
    c->d = *d;
    int n = d->rows * d->cols;
    c->n = n;
    c->area_mm2 = d->pitch_mm * d->pitch_mm;
    c->off = malloc((size_t)n * sizeof *c->off);
    c->thr = malloc((size_t)n * sizeof *c->thr);
    c->k = malloc((size_t)n * sizeof *c->k);
    int nm = 0;
    for (int i = 0; i < n; i++)
        nm += d->mask[i] != SM_CALIB_CELL_OK;
    c->masked = malloc((size_t)(nm ? nm : 1) * sizeof *c->masked);
    c->nb = malloc((size_t)(nm ? nm : 1) * 8 * sizeof *c->nb);
    if (!c->off || !c->thr || !c->k || !c->masked || !c->nb) {
        sm_calib_destroy(c);
        return SM_ERR_NOMEM;
    }
    if (d->xtalk.share > 0.0) {
        c->x = malloc((size_t)n * sizeof *c->x);
        c->keep = malloc((size_t)n);
        if (!c->x || !c->keep || sm_calib_xt_create(d->rows, d->cols, &c->xt) != SM_OK) {
            sm_calib_destroy(c);
            return SM_ERR_NOMEM;
        }
        for (int i = 0; i < n; i++)
            c->keep[i] = d->mask[i] == SM_CALIB_CELL_STUCK;
    }
    double full = d->sample_max, b = d->curve.b;
    c->onset = (float)d->curve.onset_kpa;
    /* Near full scale a divider readout explodes (u = x / (full - x)): a saturated cell would
     * read thousands of kPa. Beyond twice the highest pressure the fit saw, the number means
     * nothing; report that ceiling instead (the raw frame's SATURATED flag says why). */
    c->cap = (float)(d->curve.hi_kpa > 0 ? 2.0 * d->curve.hi_kpa : 1000.0);
    c->lut_scale = (float)(SM_CALIB_LUT - 1) / (float)full;
    for (int j = 0; j <= SM_CALIB_LUT; j++) {
        double x = (double)j / c->lut_scale;
        double u = sm_calib_readout(d->readout, x, full);
        c->lut[j] = (float)(u > 0.0 ? pow(u, b) : 0.0);
    }
    for (int i = 0; i < n; i++) {
        c->off[i] = d->offset[i];
        c->thr[i] = (float)sm_calib_threshold(d->noise[i]);
        c->k[i] = (float)(d->curve.a_kpa * pow(d->gain[i], b));
    }
    for (int i = 0; i < n; i++) {
        if (d->mask[i] == SM_CALIB_CELL_OK)
            continue;
        int r = i / d->cols, col = i % d->cols, q = 0;
        int *nb = c->nb + 8 * c->nmasked;
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = col + dc;
                if ((dr || dc) && rr >= 0 && cc >= 0 && rr < d->rows && cc < d->cols &&
                    d->mask[rr * d->cols + cc] == SM_CALIB_CELL_OK)
                    nb[q++] = rr * d->cols + cc;
            }
        while (q < 8)
            nb[q++] = -1;
        c->masked[c->nmasked++] = i;
    }
    *out = c;
    return SM_OK;
}

void sm_calib_destroy(sm_calib_t *cal)
{
    if (!cal)
        return;
    free(cal->off);
    free(cal->thr);
    free(cal->k);
    free(cal->masked);
    free(cal->nb);
    sm_calib_xt_destroy(cal->xt);
    free(cal->x);
    free(cal->keep);
    free(cal);
}

const sm_calib_data_t *sm_calib_data(const sm_calib_t *cal)
{
    return &cal->d;
}

sm_status sm_calib_apply(const sm_calib_t *cal, const sm_frame_t *f, float *kpa_out)
{
    int n = cal->n;
    if (f->rows != cal->d.rows || f->cols != cal->d.cols) {
        memset(kpa_out, 0, (size_t)n * sizeof *kpa_out);
        return SM_ERR_MISMATCH;
    }
    const float *lut = cal->lut;
    const float sc = cal->lut_scale, on = cal->onset;
    float *xs = cal->x;
    if (cal->xt) {
        for (int i = 0; i < n; i++)
            xs[i] = (float)f->cells[i] - cal->off[i];
        sm_calib_xt_remove(cal->xt, xs, cal->thr, cal->keep, cal->d.xtalk.share, xs);
    }
    for (int i = 0; i < n; i++) {
        float x = xs ? xs[i] : (float)f->cells[i] - cal->off[i];
        float p = 0.0f;
        if (x > cal->thr[i]) {
            float idx = x * sc;
            int j = (int)idx;
            float t;
            if (j >= SM_CALIB_LUT - 1)
                t = lut[SM_CALIB_LUT - 1];
            else
                t = lut[j] + (idx - (float)j) * (lut[j + 1] - lut[j]);
            p = on + cal->k[i] * t;
            if (p > cal->cap)
                p = cal->cap;
        }
        kpa_out[i] = p;
    }
    for (int m = 0; m < cal->nmasked; m++) {
        const int *nb = cal->nb + 8 * m;
        float s = 0.0f;
        int q = 0;
        while (q < 8 && nb[q] >= 0)
            s += kpa_out[nb[q++]];
        kpa_out[cal->masked[m]] = q ? s / (float)q : 0.0f;
    }
    return SM_OK;
}

double sm_calib_force_n(const sm_calib_t *cal, const float *kpa)
{
    double s = 0.0;
    for (int i = 0; i < cal->n; i++)
        s += kpa[i];
    return s * cal->area_mm2 / 1000.0;
}

double sm_calib_cell_area_mm2(const sm_calib_t *cal)
{
    return cal->area_mm2;
}

/* ---- creep ---- */

double sm_calib_creep_factor(const sm_calib_data_t *d, double loaded_s)
{
    if (!(loaded_s > 0.0))
        return 1.0;
    double f = 1.0 + d->creep.per_decade * log10(1.0 + loaded_s / d->creep.t0_s);
    if (f < 0.1)
        f = 0.1;
    return pow(f, d->curve.b);
}

struct sm_calib_creep {
    const sm_calib_t *cal;
    double *tau;
    double t_prev;
    int started;
};

sm_status sm_calib_creep_create(const sm_calib_t *cal, sm_calib_creep_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (!cal)
        return SM_ERR_ARG;
    sm_calib_creep_t *cr = calloc(1, sizeof *cr);
    if (!cr)
        return SM_ERR_NOMEM;
    cr->cal = cal;
    cr->tau = calloc((size_t)cal->n, sizeof *cr->tau);
    if (!cr->tau) {
        free(cr);
        return SM_ERR_NOMEM;
    }
    *out = cr;
    return SM_OK;
}

void sm_calib_creep_destroy(sm_calib_creep_t *cr)
{
    if (!cr)
        return;
    free(cr->tau);
    free(cr);
}

void sm_calib_creep_reset(sm_calib_creep_t *cr)
{
    memset(cr->tau, 0, (size_t)cr->cal->n * sizeof *cr->tau);
    cr->started = 0;
}

void sm_calib_creep_correct(sm_calib_creep_t *cr, double t_s, float *kpa)
{
    const sm_calib_data_t *d = &cr->cal->d;
    double dt = cr->started ? t_s - cr->t_prev : 0.0;
    if (!(dt > 0.0))
        dt = 0.0;
    if (!cr->started || t_s > cr->t_prev)
        cr->t_prev = t_s;
    cr->started = 1;
    double decay = exp(-dt / d->creep.recovery_s);
    double c = d->creep.per_decade, t0 = d->creep.t0_s, b = d->curve.b;
    for (int i = 0; i < cr->cal->n; i++) {
        if (kpa[i] > 0.0f) {
            cr->tau[i] += dt;
            double f = 1.0 + c * log10(1.0 + cr->tau[i] / t0);
            if (f < 0.1)
                f = 0.1;
            kpa[i] = (float)(kpa[i] / pow(f, b));
        } else {
            cr->tau[i] *= decay;
        }
    }
}

double sm_calib_creep_loaded_s(const sm_calib_creep_t *cr, int cell)
{
    return cell >= 0 && cell < cr->cal->n ? cr->tau[cell] : 0.0;
}

/* ---- ghosts ---- */

int sm_calib_ghosts(const float *val, int rows, int cols, float loaded_min, float ratio,
                    uint8_t *flags)
{
    int n = rows * cols, count = 0;
    memset(flags, 0, (size_t)n);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            float v = val[r * cols + c];
            if (!(v > loaded_min))
                continue;
            int ghost = 0, near_strong = 0;
            /* A weak cell right next to a strong one is the edge of a real contact. */
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if ((dr || dc) && rr >= 0 && cc >= 0 && rr < rows && cc < cols &&
                        ratio * val[rr * cols + cc] > v)
                        near_strong = 1;
                }
            if (near_strong)
                continue;
            /* A corner (r, c1) in this row and (r1, c) in this column, both loaded and at least
             * two cells away, and the opposite corner (r1, c1) loaded too. */
            for (int c1 = 0; c1 < cols && !ghost; c1++) {
                if (abs(c1 - c) < 2)
                    continue;
                float a = val[r * cols + c1];
                if (!(a > loaded_min) || !(v <= ratio * a))
                    continue;
                for (int r1 = 0; r1 < rows; r1++) {
                    if (abs(r1 - r) < 2)
                        continue;
                    float bb = val[r1 * cols + c], d = val[r1 * cols + c1];
                    if (bb > loaded_min && d > loaded_min && v <= ratio * bb && v <= ratio * d) {
                        ghost = 1;
                        break;
                    }
                }
            }
            if (ghost) {
                flags[r * cols + c] = 1;
                count++;
            }
        }
    return count;
}

/* ---- crosstalk ---- */

#ifndef XT_PASSES
#define XT_PASSES 3 /* of the fixed point v = x - share G(v) */
#endif

struct sm_calib_xt {
    int rows, cols;
    float *m1, *m2; /* best and second-best min over rows, per column pair c1 < c2 */
    uint8_t *m1row; /* the row of m1 */
    uint8_t *lidx;  /* loaded columns per row, ascending */
    int *nl;        /* how many per row */
    uint8_t *tidx;  /* the columns that get a ghost, per row, ascending */
    int *tnl;       /* how many per row */
    uint8_t ord[SM_MAX_COLS]; /* one row's loaded columns, strongest first */
    float *g, *v;   /* ghosts and the first pass's estimate */
};

sm_status sm_calib_xt_create(int rows, int cols, sm_calib_xt_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (rows < 1 || rows > SM_MAX_ROWS || cols < 1 || cols > SM_MAX_COLS)
        return SM_ERR_RANGE;
    sm_calib_xt_t *w = calloc(1, sizeof *w);
    if (!w)
        return SM_ERR_NOMEM;
    size_t n = (size_t)rows * (size_t)cols, pairs = (size_t)cols * (size_t)cols;
    w->rows = rows;
    w->cols = cols;
    w->m1 = calloc(pairs, sizeof *w->m1);
    w->m2 = calloc(pairs, sizeof *w->m2);
    w->m1row = calloc(pairs, 1);
    w->lidx = calloc(n, 1);
    w->nl = calloc((size_t)rows, sizeof *w->nl);
    w->tidx = calloc(n, 1);
    w->tnl = calloc((size_t)rows, sizeof *w->tnl);
    w->g = calloc(n, sizeof *w->g);
    w->v = calloc(n, sizeof *w->v);
    if (!w->m1 || !w->m2 || !w->m1row || !w->lidx || !w->nl || !w->tidx || !w->tnl || !w->g ||
        !w->v) {
        sm_calib_xt_destroy(w);
        return SM_ERR_NOMEM;
    }
    *out = w;
    return SM_OK;
}

void sm_calib_xt_destroy(sm_calib_xt_t *w)
{
    if (!w)
        return;
    free(w->m1);
    free(w->m2);
    free(w->m1row);
    free(w->lidx);
    free(w->nl);
    free(w->tidx);
    free(w->tnl);
    free(w->g);
    free(w->v);
    free(w);
}

/* Per row, the columns where x is above its threshold, ascending, and how many. */
static void loaded_columns(int R, int C, const float *x, const float *thr, uint8_t *idx, int *nl)
{
    for (int r = 0; r < R; r++) {
        const float *xr = x + r * C, *tr = thr + r * C;
        uint8_t *li = idx + r * C;
        int k = 0;
        for (int c = 0; c < C; c++) {
            li[k] = (uint8_t)c; /* kept when loaded: no branch to mispredict on noise */
            k += xr[c] > tr[c];
        }
        nl[r] = k;
    }
}

/* The ghosts of x (see sm_calib_xt_ghost) at the columns listed per row in tidx/tnl, or at
 * every cell when tidx is NULL; 0 elsewhere. */
static void ghost(sm_calib_xt_t *w, const float *x, const float *thr, const uint8_t *tidx,
                  const int *tnl, float *g)
{
    const int R = w->rows, C = w->cols;
    float *m1 = w->m1, *m2 = w->m2;
    uint8_t *m1row = w->m1row;
    /* Loaded corners, and per row the pairs of them: for each column pair the strongest
     * two-corner path min(x[r1][c1], x[r1][c]) over rows r1, keeping the second-best row so
     * that the target's own row can be left out. Only pairs touched here are read later, so
     * clearing them afterwards (below) keeps the cost with the loaded cells. */
    loaded_columns(R, C, x, thr, w->lidx, w->nl);
    for (int r = 0; r < R; r++) {
        const float *xr = x + r * C;
        const uint8_t *li = w->lidx + r * C;
        int k = w->nl[r];
        for (int i = 0; i < k; i++) {
            float vi = xr[li[i]];
            for (int j = i + 1; j < k; j++) {
                float vj = xr[li[j]], m = vi < vj ? vi : vj;
                size_t q = (size_t)li[i] * (size_t)C + li[j];
                if (m > m1[q]) {
                    m2[q] = m1[q];
                    m1[q] = m;
                    m1row[q] = (uint8_t)r;
                } else if (m > m2[q]) {
                    m2[q] = m;
                }
            }
        }
    }
    for (int r = 0; r < R; r++) {
        const float *xr = x + r * C;
        const uint8_t *li = w->lidx + r * C;
        int k = w->nl[r];
        float *gr = g + r * C;
        memset(gr, 0, (size_t)C * sizeof *gr);
        if (k == 0) /* a ghost needs a loaded corner in its row */
            continue;
        /* The row's loaded corners, strongest first: a path through corner c1 is at most
         * xr[c1], so the search for a cell's strongest path stops at the first corner that
         * cannot beat it. The same maximum as trying them all. */
        uint8_t *ord = w->ord;
        for (int i = 0; i < k; i++) {
            uint8_t c1 = li[i];
            int j = i;
            for (; j > 0 && xr[ord[j - 1]] < xr[c1]; j--)
                ord[j] = ord[j - 1];
            ord[j] = c1;
        }
        int nt = tidx ? tnl[r] : C;
        for (int t = 0; t < nt; t++) {
            int c = tidx ? tidx[r * C + t] : t;
            float best = 0.0f;
            for (int i = 0; i < k; i++) {
                int c1 = ord[i];
                float a = xr[c1];
                if (!(a > best))
                    break;
                if (c1 == c)
                    continue;
                size_t q = c1 < c ? (size_t)c1 * (size_t)C + (size_t)c
                                  : (size_t)c * (size_t)C + (size_t)c1;
                float m = m1row[q] == r ? m2[q] : m1[q];
                float wv = a < m ? a : m;
                if (wv > best)
                    best = wv;
            }
            gr[c] = best;
        }
    }
    for (int r = 0; r < R; r++) {
        const uint8_t *li = w->lidx + r * C;
        int k = w->nl[r];
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) {
                size_t q = (size_t)li[i] * (size_t)C + li[j];
                m1[q] = m2[q] = 0.0f;
            }
    }
}

void sm_calib_xt_ghost(sm_calib_xt_t *w, const float *x, const float *thr, const float *tx,
                       float *g)
{
    if (tx)
        loaded_columns(w->rows, w->cols, tx, thr, w->tidx, w->tnl);
    ghost(w, x, thr, tx ? w->tidx : NULL, w->tnl, g);
}

void sm_calib_xt_remove(sm_calib_xt_t *w, const float *x, const float *thr, const uint8_t *keep,
                        double share, float *out)
{
    int n = w->rows * w->cols;
    if (!(share > 0.0)) {
        if (out != x)
            memcpy(out, x, (size_t)n * sizeof *out);
        return;
    }
    /* Inside a contact every corner is itself inflated by about (1 + share), so G(x) / (1 + share)
     * is close to G(v); the next passes take G from the previous estimate (v -> x - share G(v)
     * contracts by share, so each pass shrinks the error by share again; on the simulator a
     * fourth pass changes check forces by < 0.3 %). Every pass puts ghosts only where x itself
     * is loaded: those cells are listed once. */
    float *g = w->g, *v = w->v;
    float q1 = (float)(share / (1.0 + share)), s = (float)share;
    loaded_columns(w->rows, w->cols, x, thr, w->tidx, w->tnl);
    ghost(w, x, thr, w->tidx, w->tnl, g);
    for (int pass = 1;; pass++) {
        float q = pass == 1 ? q1 : s;
        float *dst = pass == XT_PASSES ? out : v;
        /* (keep asked once, not per cell: each loop vectorises) */
        if (keep)
            for (int i = 0; i < n; i++) {
                float e = keep[i] ? x[i] : x[i] - q * g[i];
                dst[i] = g[i] > 0.0f && e < 0.0f ? 0.0f : e;
            }
        else
            for (int i = 0; i < n; i++) {
                float e = x[i] - q * g[i];
                dst[i] = g[i] > 0.0f && e < 0.0f ? 0.0f : e;
            }
        if (pass == XT_PASSES)
            break;
        ghost(w, v, thr, w->tidx, w->tnl, g);
    }
}
