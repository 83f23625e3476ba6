#include "sm_calflow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEADY_S     1.0  /* the load must be steady this long before a step starts */
#define STEADY_TOL   0.04 /* total within 4 % ... */
#define STEADY_MOVE  1.0  /* ... and centre within a cell */
#define CHANGE_TOL   0.08 /* running: total 8 % off its slow average ends the step */
#define CHANGE_MOVE  1.5  /* or the centre moving 1.5 cells */
#define CHANGE_TAU_S 3.0  /* the slow average's time constant (creep is slower) */
#define REARM_TOL    0.20 /* the next load step waits for a 20 % change ... */
#define REARM_MOVE   2.0  /* ... or a move of 2 cells, or the mat empty */
#define EMPTY_BREAK  3    /* zero: this many non-empty frames in a row end it */
#define PRE_ZERO_THR 0.05 /* fraction of full scale: loaded before the zero step */
#define LOADED_MIN   3    /* cells */

struct sm_calflow {
    int rows, cols, n, full;
    sm_calflow_step_t steps[SM_CALFLOW_MAX_STEPS];
    size_t nsteps, cur;
    double timeout_s;
    sm_calflow_state state;
    int force; /* Enter: start with the next frame */
    /* waiting */
    double wait_t0;  /* session time the wait began (< 0: at the next frame) */
    double still_t0; /* the load has been steady since */
    int still_ok;
    double still_total, still_r, still_c;
    int armed; /* loaded steps: the previous load was changed */
    double prev_total, prev_r, prev_c;
    /* running */
    double run_t0, ref_total, ref_r, ref_c, last_t;
    int breaks;
    /* zero baseline (our own, for detection) */
    int have_base;
    double *zsum, *zsq;
    unsigned long zn;
    float *base, *thr;
    unsigned char *stuck;
};

static const char *place_names[9] = {"top left",    "bottom right", "top right",
                                     "bottom left", "middle",       "top edge",
                                     "bottom edge", "left edge",    "right edge"};

static double dflt(double v, double d)
{
    return v > 0 ? v : d;
}

static void set_item(sm_calflow_step_t *s, sm_calflow_item item, double w_cm, double h_cm,
                     double kg)
{
    s->item = item;
    s->item_w_cm = w_cm;
    s->item_h_cm = h_cm;
    s->item_kg = kg;
}

static void set_step(sm_calflow_step_t *s, sm_calib_step_kind kind, sm_calflow_want want,
                     double mass, double dur, double min_frac)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->want = want;
    s->mass_kg = mass;
    s->duration_s = dur;
    s->min_frac = min_frac;
    s->index = s->count = 1;
}

size_t sm_calflow_plan(const sm_calflow_plan_config_t *c, sm_calflow_step_t *out, size_t cap)
{
    if (!c || !out || !c->masses || c->nmasses < 3 || c->nmasses > SM_CALIB_MAX_LOADS ||
        !(c->verify_kg > 0 && c->verify_kg <= 10000))
        return 0;
    int np = c->placements > 0 ? c->placements : 9;
    if (np > SM_CALIB_MAX_EQ)
        return 0;
    double creep = c->creep_kg;
    for (size_t i = 0; i < c->nmasses; i++) {
        if (!(c->masses[i] > 0 && c->masses[i] <= 10000))
            return 0;
        if (c->creep_kg <= 0 && c->masses[i] > creep)
            creep = c->masses[i];
    }
    double bw = dflt(c->board_w_cm, 30), bh = dflt(c->board_h_cm, 40), bkg = dflt(c->board_kg, 75);
    double pl = dflt(c->plate_cm, 10);
    if (bw > 1000 || bh > 1000 || bkg > 10000 || pl > 1000)
        return 0;
    size_t need = 2 + (size_t)np + c->nmasses + 2;
    if (need > cap || need > SM_CALFLOW_MAX_STEPS)
        return 0;
    size_t k = 0;
    sm_calflow_step_t *s = &out[k++];
    set_step(s, SM_CALIB_STEP_CONDITION, SM_CALFLOW_WANT_ANY, 0, dflt(c->condition_s, 20), 0);
    set_item(s, SM_CALFLOW_ITEM_BOARD, bw, bh, bkg);
    snprintf(s->title, sizeof s->title, "Condition the mat");
    snprintf(s->instruction, sizeof s->instruction,
             "Put the board with its weights on the mat and take it off again, a few times");
    s = &out[k++];
    set_step(s, SM_CALIB_STEP_ZERO, SM_CALFLOW_WANT_EMPTY, 0, dflt(c->zero_s, 10), 0.6);
    snprintf(s->title, sizeof s->title, "Zero");
    snprintf(s->instruction, sizeof s->instruction, "Take everything off the mat");
    for (int i = 0; i < np; i++) {
        s = &out[k++];
        set_step(s, SM_CALIB_STEP_EQUALISE, SM_CALFLOW_WANT_LOADED, 0, dflt(c->equalise_s, 6), 0.5);
        set_item(s, SM_CALFLOW_ITEM_BOARD, bw, bh, bkg);
        s->index = i + 1;
        s->count = np;
        snprintf(s->title, sizeof s->title, "Even load %d of %d", i + 1, np);
        if (np == 9)
            snprintf(s->instruction, sizeof s->instruction,
                     "Put the board with its weights at the %s of the mat", place_names[i]);
        else
            snprintf(s->instruction, sizeof s->instruction,
                     "Move the board with its weights to a new place (%d of %d)", i + 1, np);
    }
    for (size_t i = 0; i < c->nmasses; i++) {
        s = &out[k++];
        set_step(s, SM_CALIB_STEP_LOAD, SM_CALFLOW_WANT_LOADED, c->masses[i], dflt(c->load_s, 10),
                 0.5);
        set_item(s, SM_CALFLOW_ITEM_PLATE, pl, pl, c->masses[i]);
        s->index = (int)i + 1;
        s->count = (int)c->nmasses;
        snprintf(s->title, sizeof s->title, "Known load %zu of %zu", i + 1, c->nmasses);
        snprintf(s->instruction, sizeof s->instruction, "Put the %g kg plate in the middle",
                 c->masses[i]);
    }
    s = &out[k++];
    set_step(s, SM_CALIB_STEP_CREEP, SM_CALFLOW_WANT_LOADED, creep, dflt(c->creep_s, 90), 0.8);
    set_item(s, SM_CALFLOW_ITEM_PLATE, pl, pl, creep);
    snprintf(s->title, sizeof s->title, "Creep");
    snprintf(s->instruction, sizeof s->instruction,
             "Put the %g kg plate in the middle and leave it for %.0f s", creep, s->duration_s);
    s = &out[k++];
    set_step(s, SM_CALIB_STEP_VERIFY, SM_CALFLOW_WANT_LOADED, c->verify_kg, dflt(c->load_s, 10),
             0.5);
    set_item(s, SM_CALFLOW_ITEM_PLATE, pl, pl, c->verify_kg);
    snprintf(s->title, sizeof s->title, "Verify");
    snprintf(s->instruction, sizeof s->instruction, "Put the %g kg test load in the middle",
             c->verify_kg);
    return k;
}

void sm_calflow_needs(const sm_calflow_step_t *steps, size_t n, sm_calflow_needs_t *o)
{
    memset(o, 0, sizeof *o);
    if (!steps)
        return;
    o->nsteps = n;
    for (size_t i = 0; i < n; i++) {
        const sm_calflow_step_t *s = &steps[i];
        o->total_s += s->duration_s;
        if (s->item == SM_CALFLOW_ITEM_BOARD) {
            o->board_steps++;
            /* the largest board and load asked for is the one to prepare */
            if (s->item_w_cm * s->item_h_cm > o->board_w_cm * o->board_h_cm) {
                o->board_w_cm = s->item_w_cm;
                o->board_h_cm = s->item_h_cm;
            }
            if (s->item_kg > o->board_kg)
                o->board_kg = s->item_kg;
        } else if (s->item == SM_CALFLOW_ITEM_PLATE &&
                   s->item_w_cm * s->item_h_cm > o->plate_w_cm * o->plate_h_cm) {
            o->plate_w_cm = s->item_w_cm;
            o->plate_h_cm = s->item_h_cm;
        }
        if (s->kind == SM_CALIB_STEP_LOAD && s->mass_kg > 0) {
            o->load_steps++;
            size_t k = 0;
            while (k < o->nmasses && o->masses_kg[k] < s->mass_kg)
                k++;
            if ((k == o->nmasses || o->masses_kg[k] != s->mass_kg) &&
                o->nmasses < SM_CALIB_MAX_LOADS) {
                memmove(&o->masses_kg[k + 1], &o->masses_kg[k],
                        (o->nmasses - k) * sizeof o->masses_kg[0]);
                o->masses_kg[k] = s->mass_kg;
                o->nmasses++;
            }
        } else if (s->kind == SM_CALIB_STEP_CREEP) {
            o->creep_kg = s->mass_kg;
            o->creep_s = s->duration_s;
        } else if (s->kind == SM_CALIB_STEP_VERIFY) {
            o->verify_kg = s->mass_kg;
        }
    }
}

sm_status sm_calflow_create(int rows, int cols, int sample_max, const sm_calflow_step_t *steps,
                            size_t n, double timeout_s, sm_calflow_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (!steps || n == 0 || n > SM_CALFLOW_MAX_STEPS || rows < 1 || cols < 1 ||
        rows * cols > SM_MAX_CELLS || sample_max < 2)
        return SM_ERR_ARG;
    sm_calflow_t *fl = calloc(1, sizeof *fl);
    if (!fl)
        return SM_ERR_NOMEM;
    fl->rows = rows;
    fl->cols = cols;
    fl->n = rows * cols;
    fl->full = sample_max;
    memcpy(fl->steps, steps, n * sizeof *steps);
    fl->nsteps = n;
    fl->timeout_s = timeout_s > 0 ? timeout_s : 60;
    fl->wait_t0 = -1;
    fl->armed = 1;
    size_t nn = (size_t)fl->n;
    fl->zsum = calloc(nn, sizeof *fl->zsum);
    fl->zsq = calloc(nn, sizeof *fl->zsq);
    fl->base = calloc(nn, sizeof *fl->base);
    fl->thr = calloc(nn, sizeof *fl->thr);
    fl->stuck = calloc(nn, 1);
    if (!fl->zsum || !fl->zsq || !fl->base || !fl->thr || !fl->stuck) {
        sm_calflow_destroy(fl);
        return SM_ERR_NOMEM;
    }
    *out = fl;
    return SM_OK;
}

void sm_calflow_destroy(sm_calflow_t *fl)
{
    if (!fl)
        return;
    free(fl->zsum);
    free(fl->zsq);
    free(fl->base);
    free(fl->thr);
    free(fl->stuck);
    free(fl);
}

/* Loaded cells, their total above offset and their centre (row, col). */
static void measure(const sm_calflow_t *fl, const sm_frame_t *f, int *nl, double *total, double *cr,
                    double *cc)
{
    int cnt = 0;
    double s = 0, sr = 0, sc = 0;
    for (int i = 0; i < fl->n; i++) {
        double x;
        if (fl->have_base) {
            if (fl->stuck[i])
                continue;
            x = f->cells[i] - fl->base[i];
            if (x <= fl->thr[i])
                continue;
        } else {
            x = f->cells[i];
            if (x <= PRE_ZERO_THR * fl->full)
                continue;
        }
        cnt++;
        s += x;
        sr += x * (i / fl->cols);
        sc += x * (i % fl->cols);
    }
    *nl = cnt;
    *total = s;
    *cr = s > 0 ? sr / s : 0;
    *cc = s > 0 ? sc / s : 0;
}

static int is_empty(const sm_calflow_t *fl, int nl)
{
    int lim = fl->have_base ? 2 : (fl->n / 50 > 4 ? fl->n / 50 : 4);
    return nl <= lim;
}

static void wait_again(sm_calflow_t *fl)
{
    fl->state = SM_CALFLOW_WAITING;
    fl->wait_t0 = -1;
    fl->still_ok = 0;
    fl->force = 0;
}

static void begin_zero_sums(sm_calflow_t *fl)
{
    memset(fl->zsum, 0, (size_t)fl->n * sizeof *fl->zsum);
    memset(fl->zsq, 0, (size_t)fl->n * sizeof *fl->zsq);
    fl->zn = 0;
}

static const char *want_text(sm_calflow_want w)
{
    return w == SM_CALFLOW_WANT_EMPTY    ? "nothing on the mat"
           : w == SM_CALFLOW_WANT_LOADED ? "a steady load on the mat"
                                         : "something put on the mat";
}

void sm_calflow_frame(sm_calflow_t *fl, const sm_frame_t *f, sm_calflow_out_t *o)
{
    sm_calflow_out_t dummy;
    if (!o)
        o = &dummy;
    memset(o, 0, sizeof *o);
    if (!fl || !f)
        return;
    o->state = fl->state;
    o->step = fl->cur;
    if (f->rows != fl->rows || f->cols != fl->cols)
        return;
    double t = f->t_us / 1e6;
    int nl;
    double tot, cr, cc;
    measure(fl, f, &nl, &tot, &cr, &cc);
    int empty = is_empty(fl, nl), loaded = nl >= LOADED_MIN;
    o->n_loaded = nl;
    o->total = tot;
    o->empty = empty;
    o->loaded = loaded;
    if (fl->state == SM_CALFLOW_DONE)
        return;
    const sm_calflow_step_t *st = &fl->steps[fl->cur];
    double dt = fl->last_t > 0 && t > fl->last_t ? t - fl->last_t : 0;
    fl->last_t = t;

    if (fl->state == SM_CALFLOW_RUNNING) {
        double el = t - fl->run_t0;
        o->elapsed_s = el;
        o->progress = st->duration_s > 0 ? el / st->duration_s : 1;
        if (o->progress > 1)
            o->progress = 1;
        const char *why = NULL;
        if (st->want == SM_CALFLOW_WANT_EMPTY) {
            fl->breaks = empty ? 0 : fl->breaks + 1;
            if (fl->breaks >= EMPTY_BREAK)
                why = "the mat was not empty: something was put on it";
        } else if (st->want == SM_CALFLOW_WANT_LOADED) {
            double a = dt > 0 ? 1 - exp(-dt / CHANGE_TAU_S) : 0;
            if (!loaded)
                why = "the load was taken off";
            else if (fabs(tot - fl->ref_total) > CHANGE_TOL * fl->ref_total ||
                     hypot(cr - fl->ref_r, cc - fl->ref_c) > CHANGE_MOVE)
                why = "the load moved or changed";
            fl->ref_total += a * (tot - fl->ref_total);
        }
        if (!why && el < st->duration_s) {
            if (st->kind == SM_CALIB_STEP_ZERO)
                for (int i = 0; i < fl->n; i++) {
                    fl->zsum[i] += f->cells[i];
                    fl->zsq[i] += (double)f->cells[i] * f->cells[i];
                }
            fl->zn += st->kind == SM_CALIB_STEP_ZERO;
            return;
        }
        /* The step is over: by time, or by a change (long enough, or too short: redo). */
        fl->prev_total = fl->ref_total;
        fl->prev_r = fl->ref_r;
        fl->prev_c = fl->ref_c;
        fl->armed = st->want != SM_CALFLOW_WANT_LOADED || !loaded;
        if (why && el < st->min_frac * st->duration_s) {
            o->event = SM_CALFLOW_EV_ABORT;
            fl->armed = 1; /* redo with the load as it is now */
            snprintf(o->message, sizeof o->message, "%s after %.1f s (it needs %.0f s)", why, el,
                     st->duration_s);
            wait_again(fl);
        } else {
            o->event = SM_CALFLOW_EV_END;
            fl->state = SM_CALFLOW_WAITING; /* until sm_calflow_result */
            fl->wait_t0 = -1;
            fl->still_ok = 0;
        }
        o->state = fl->state;
        return;
    }

    /* Waiting for the step's load. */
    if (fl->wait_t0 < 0)
        fl->wait_t0 = t;
    o->elapsed_s = t - fl->wait_t0;
    if (!fl->armed && st->want == SM_CALFLOW_WANT_LOADED &&
        (empty || fabs(tot - fl->prev_total) > REARM_TOL * fl->prev_total ||
         hypot(cr - fl->prev_r, cc - fl->prev_c) > REARM_MOVE))
        fl->armed = 1;
    int want_ok = st->want == SM_CALFLOW_WANT_EMPTY    ? empty
                  : st->want == SM_CALFLOW_WANT_LOADED ? loaded && fl->armed
                                                       : loaded;
    if (!want_ok) {
        fl->still_ok = 0;
    } else if (!fl->still_ok || (st->want == SM_CALFLOW_WANT_LOADED &&
                                 (fabs(tot - fl->still_total) > STEADY_TOL * fl->still_total ||
                                  hypot(cr - fl->still_r, cc - fl->still_c) > STEADY_MOVE))) {
        fl->still_ok = 1;
        fl->still_t0 = t;
        fl->still_total = tot;
        fl->still_r = cr;
        fl->still_c = cc;
    }
    double steady = fl->still_ok ? t - fl->still_t0 : 0;
    double need = st->want == SM_CALFLOW_WANT_ANY ? 0 : STEADY_S;
    o->progress = need > 0 ? (steady > need ? 1 : steady / need) : (fl->still_ok ? 1 : 0);
    if (fl->force || (fl->still_ok && steady >= need)) {
        fl->force = 0;
        fl->state = SM_CALFLOW_RUNNING;
        fl->run_t0 = t;
        fl->ref_total = tot;
        fl->ref_r = cr;
        fl->ref_c = cc;
        fl->breaks = 0;
        if (st->kind == SM_CALIB_STEP_ZERO)
            begin_zero_sums(fl);
        o->event = SM_CALFLOW_EV_BEGIN;
        o->state = fl->state;
        o->progress = 0;
        o->elapsed_s = 0;
        if (st->kind == SM_CALIB_STEP_ZERO) {
            for (int i = 0; i < fl->n; i++) {
                fl->zsum[i] += f->cells[i];
                fl->zsq[i] += (double)f->cells[i] * f->cells[i];
            }
            fl->zn++;
        }
        return;
    }
    if (o->elapsed_s >= fl->timeout_s) {
        o->event = SM_CALFLOW_EV_TIMEOUT;
        if (st->want == SM_CALFLOW_WANT_EMPTY)
            snprintf(o->message, sizeof o->message,
                     "the mat was not empty: waited %.0f s for nothing on the mat, but %d cells "
                     "stayed loaded",
                     o->elapsed_s, nl);
        else if (st->want == SM_CALFLOW_WANT_LOADED && loaded && !fl->armed)
            snprintf(o->message, sizeof o->message,
                     "waited %.0f s for %s: the previous load is still there, unchanged",
                     o->elapsed_s, want_text(st->want));
        else if (st->want == SM_CALFLOW_WANT_LOADED && loaded)
            snprintf(o->message, sizeof o->message,
                     "waited %.0f s for %s: the load did not keep still for %.0f s", o->elapsed_s,
                     want_text(st->want), STEADY_S);
        else
            snprintf(o->message, sizeof o->message, "waited %.0f s for %s: the mat stayed empty",
                     o->elapsed_s, want_text(st->want));
        fl->wait_t0 = t;
        return;
    }
    snprintf(o->message, sizeof o->message, "waiting for %s", want_text(st->want));
}

void sm_calflow_result(sm_calflow_t *fl, int ok)
{
    if (!fl || fl->state == SM_CALFLOW_DONE)
        return;
    const sm_calflow_step_t *st = &fl->steps[fl->cur];
    if (ok && st->kind == SM_CALIB_STEP_ZERO && fl->zn > 0) {
        /* Our own baseline for detection (the builder keeps its own for the fit). */
        for (int i = 0; i < fl->n; i++) {
            double m = fl->zsum[i] / fl->zn, v = fl->zsq[i] / fl->zn - m * m;
            double sd = sqrt(v > 0 ? v : 0);
            fl->stuck[i] = m > 0.25 * fl->full;
            fl->base[i] = (float)m;
            fl->thr[i] = (float)(4 * (sd > 0.5 ? sd : 0.5) + 3);
        }
        fl->have_base = 1;
        fl->armed = 1;
    }
    if (ok && ++fl->cur >= fl->nsteps) {
        fl->state = SM_CALFLOW_DONE;
        return;
    }
    wait_again(fl);
}

void sm_calflow_start(sm_calflow_t *fl)
{
    if (fl && fl->state == SM_CALFLOW_WAITING)
        fl->force = 1;
}

int sm_calflow_redo(sm_calflow_t *fl)
{
    if (!fl || fl->state != SM_CALFLOW_RUNNING)
        return 0;
    wait_again(fl);
    return 1;
}

const sm_calflow_step_t *sm_calflow_step(const sm_calflow_t *fl, size_t i)
{
    return fl && i < fl->nsteps ? &fl->steps[i] : NULL;
}

size_t sm_calflow_count(const sm_calflow_t *fl)
{
    return fl ? fl->nsteps : 0;
}

sm_calflow_state sm_calflow_state_of(const sm_calflow_t *fl)
{
    return fl ? fl->state : SM_CALFLOW_DONE;
}

size_t sm_calflow_current(const sm_calflow_t *fl)
{
    return fl ? fl->cur : 0;
}

const unsigned char *sm_calflow_stuck(const sm_calflow_t *fl)
{
    return fl && fl->have_base ? fl->stuck : NULL;
}
