#include "sm_coach.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI        3.14159265358979323846
#define BREATH_DT 0.1 /* breathing analysis bin, s */

/* 2nd-order Butterworth high-pass, direct form I; coefficients follow the frame interval. */
typedef struct {
    double fc, dt;
    double b0, b1, b2, a1, a2;
    double x1, x2, y1, y2;
} hpf_t;

static void hpf_design(hpf_t *h, double dt)
{
    double fc = h->fc;
    if (fc * dt > 0.45)
        fc = 0.45 / dt;
    double k = tan(PI * fc * dt), q = 1.0 / sqrt(2.0);
    double norm = 1.0 / (1.0 + k / q + k * k);
    h->dt = dt;
    h->b0 = norm;
    h->b1 = -2.0 * norm;
    h->b2 = norm;
    h->a1 = 2.0 * (k * k - 1.0) * norm;
    h->a2 = (1.0 - k / q + k * k) * norm;
}

static void hpf_reset(hpf_t *h, double x)
{
    h->x1 = h->x2 = x;
    h->y1 = h->y2 = 0.0;
}

static double hpf_step(hpf_t *h, double x, double dt)
{
    if (dt <= 0.0)
        return h->y1;
    if (h->dt <= 0.0 || fabs(dt - h->dt) > 0.1 * h->dt)
        hpf_design(h, dt);
    double y = h->b0 * x + h->b1 * h->x1 + h->b2 * h->x2 - h->a1 * h->y1 - h->a2 * h->y2;
    h->x2 = h->x1;
    h->x1 = x;
    h->y2 = h->y1;
    h->y1 = y;
    return y;
}

static double ema_a(double dt, double tau)
{
    return tau > 0.0 ? 1.0 - exp(-(dt > 0.0 ? dt : 0.0) / tau) : 1.0;
}

/* Sliding time window of 2D samples with O(1) running sums (posturography measures). */
typedef struct {
    double *t, *x, *y, *step;
    size_t cap, head, n, pushes;
    double span;
    double x0, y0; /* offset for numerical stability */
    double sx, sy, sxx, syy, sxy, path;
} win_t;

static int win_alloc(win_t *w, size_t cap, double span)
{
    memset(w, 0, sizeof *w);
    w->t = malloc(cap * sizeof *w->t);
    w->x = malloc(cap * sizeof *w->x);
    w->y = malloc(cap * sizeof *w->y);
    w->step = malloc(cap * sizeof *w->step);
    w->cap = cap;
    w->span = span;
    return w->t && w->x && w->y && w->step;
}

static void win_free(win_t *w)
{
    free(w->t);
    free(w->x);
    free(w->y);
    free(w->step);
}

static void win_clear(win_t *w)
{
    w->head = w->n = w->pushes = 0;
    w->sx = w->sy = w->sxx = w->syy = w->sxy = w->path = 0.0;
}

static void win_pop(win_t *w)
{
    size_t i = w->head;
    double x = w->x[i], y = w->y[i];
    w->sx -= x;
    w->sy -= y;
    w->sxx -= x * x;
    w->syy -= y * y;
    w->sxy -= x * y;
    w->head = (w->head + 1) % w->cap;
    w->n--;
    if (w->n) {
        w->path -= w->step[w->head];
        w->step[w->head] = 0.0;
    }
}

/* Exact sums again, so add/subtract rounding never accumulates over a long session. */
static void win_resum(win_t *w)
{
    w->sx = w->sy = w->sxx = w->syy = w->sxy = w->path = 0.0;
    for (size_t k = 0; k < w->n; k++) {
        size_t i = (w->head + k) % w->cap;
        double x = w->x[i], y = w->y[i];
        w->sx += x;
        w->sy += y;
        w->sxx += x * x;
        w->syy += y * y;
        w->sxy += x * y;
        if (k)
            w->path += w->step[i];
    }
}

static void win_push(win_t *w, double t, double xa, double ya)
{
    if (w->n == 0 && w->pushes == 0) {
        w->x0 = xa;
        w->y0 = ya;
    }
    double x = xa - w->x0, y = ya - w->y0;
    while (w->n && (w->n == w->cap || w->t[w->head] < t - w->span))
        win_pop(w);
    size_t i = (w->head + w->n) % w->cap;
    double st = 0.0;
    if (w->n) {
        size_t p = (w->head + w->n - 1) % w->cap;
        st = hypot(x - w->x[p], y - w->y[p]);
    }
    w->t[i] = t;
    w->x[i] = x;
    w->y[i] = y;
    w->step[i] = st;
    w->n++;
    w->sx += x;
    w->sy += y;
    w->sxx += x * x;
    w->syy += y * y;
    w->sxy += x * y;
    w->path += st;
    if (++w->pushes % w->cap == 0)
        win_resum(w);
}

static void win_stats(const win_t *w, sm_coach_sway_t *o)
{
    memset(o, 0, sizeof *o);
    o->n = w->n;
    if (w->n < 3)
        return;
    double n = (double)w->n;
    double mx = w->sx / n, my = w->sy / n;
    double vx = w->sxx / n - mx * mx, vy = w->syy / n - my * my, cxy = w->sxy / n - mx * my;
    if (vx < 0)
        vx = 0;
    if (vy < 0)
        vy = 0;
    size_t last = (w->head + w->n - 1) % w->cap;
    o->duration_s = w->t[last] - w->t[w->head];
    o->path_length_mm = w->path;
    o->mean_velocity_mm_s = o->duration_s > 0 ? w->path / o->duration_s : 0.0;
    o->rms_distance_mm = sqrt(vx + vy);
    /* sample covariances for the prediction ellipse; F(0.05; 2, m) exactly for 2 dof */
    double c = n / (n - 1.0), m = n - 2.0;
    double f95 = m / 2.0 * (pow(0.05, -2.0 / m) - 1.0);
    double det = (vx * c) * (vy * c) - (cxy * c) * (cxy * c);
    o->ellipse95_area_mm2 = det > 0 ? 2.0 * PI * f95 * sqrt(det) : 0.0;
}

typedef struct {
    int open, pending;
    double start, end, peak, quiet_since, pending_until, next_pulse;
    int had_wiggle;
    double x0, y0, x1, y1; /* extent of the (median-filtered) position during the episode */
    double sx, sy;         /* slow position when it started */
} episode_t;

#define MED_CAP 64 /* most samples in the glitch median */

struct sm_coach {
    sm_coach_settings_t set;
    sm_coach_state_t state;
    double t_prev;
    int started;
    /* tool signal */
    int tracking;
    double t_seen, cand_start, t_found;
    double lx, ly, speed; /* slow position, its speed */
    /* glitch median: the last samples within median_s */
    double med_t[MED_CAP], med_x[MED_CAP], med_y[MED_CAP], med_tmp[MED_CAP];
    int med_head, med_n;
    double mx, my; /* median-filtered position */
    /* velocity of the low-passed position, its smoothed second moments */
    double p1x, p1y, p2x, p2y, vx, vy, vxx, vyy, vxy;
    double level, level_mv; /* movement / its threshold (1 = on); the part of it not slides */
    double level_fast;      /* the same over fast_window_s */
    /* excursion: the position (low-passed) against its average over exc_tau_s */
    double qx, qy; /* the position low-passed at exc_lp_hz */
    double rx, ry, level_exc, t_exc_act, exc_from, exc_since;
    int exc_above;
    double dt_typ; /* typical frame interval, s (the gap test) */
    /* personal baseline: velocity covariance and fast-band mean square while still */
    double bl_xx, bl_yy, bl_xy, bl_hf, bl_w;
    /* the recent-movement level's own square while still (sensor noise), and this frame's */
    double bl_lf, lf_raw;
    double bl_exx, bl_eyy, bl_exy; /* excursion second moments while still */
    /* excursion x velocity moments while still: the part of the across excursion that moves
     * with the breath (its path is a loop, not a line) is predicted from the along excursion
     * and the along speed, ex_b and ex_g, and only the rest is judged */
    double bl_exvx, bl_exvy, bl_eyvx, bl_eyvy;
    double ex_b, ex_g;
    int learned;
    double ux, uy;               /* breathing direction (unit) */
    double thr_u, thr_v, thr_hf; /* current on levels: along, across (mm/s), fast (mm) */
    double thr_eu, thr_ev;       /* excursion on levels along, across, mm */
    double thr_ev0; /* across, against the whole of the breathing's across excursion, mm */
    /* gaps */
    int gap_pending, lost, lost_cued, refilter;
    double gap_until;
    int nogo;     /* the tool is in a no-go zone (SM_COACH_IN_NOGO): the hold pauses */
    double mid_x; /* body midline, mm (last seen) */
    int have_mid;
    double fx, fy;          /* wiggle-band low-pass */
    hpf_t hx, hy, hx2, hy2; /* two cascaded sections: 4th order */
    double ms;              /* wiggle-band mean square */
    double bpx, bpy;
    double load_lp, t_loaded0;
    int mv;
    double act_first, act_last;
    win_t tool_w, body_w;
    /* the hold */
    int phase, spot;
    double quiet_since;
    double anchor_x, anchor_y, t_near, drift_since;
    double t_home; /* last time the contact was within a fifth of relocate_mm of the spot */
    double ref_sum, ref_n, ref;
    double next_tick;
    int checkin_done, votes_r, votes_l;
    double checkin_t, ease_t;
    episode_t ep;
    double meter;
    /* breathing */
    float *bins, *bins_x, *bins_y;
    size_t bins_cap, bins_n, bins_head;
    double bin_t0, bin_sum, bin_sx, bin_sy;
    int bin_cnt;
    double *acf_buf;
    double *acf_y;
    double breath_next, bpm, bconf, bpm_sum;
    int bpm_cnt;
    /* realignment */
    double rl_slow, rl_amp, rl_t0, rl_next_push, rl_next_relax, rl_start;
    int rl_init, rl_push, reps;
    /* records */
    sm_coach_hold_t *holds;
    size_t nholds, cur; /* cur: index of the open hold, or SIZE_MAX */
    sm_coach_event_t *events;
    size_t nevents, dropped;
    int spots_done;
    /* output being built; cues raised between updates (keys) wait here for the next one */
    sm_coach_out_t *out;
    sm_coach_cue_t later[SM_COACH_MAX_CUES];
    int nlater;
};

#define NO_HOLD ((size_t)-1)

static void baseline_thresholds(sm_coach_t *co);

sm_posture_t sm_coach_posture(sm_protocol_t p)
{
    return p == SM_PROTO_HIP_HOOK       ? SM_POSTURE_SIDE
           : p == SM_PROTO_BALL_RELEASE ? SM_POSTURE_PRONE
                                        : SM_POSTURE_SUPINE;
}

void sm_coach_settings_default(sm_coach_settings_t *s, sm_protocol_t protocol)
{
    memset(s, 0, sizeof *s);
    s->protocol = protocol;
    s->release_s = 60;
    s->hook_phase_s = 30;
    s->hook_phase_max_s = 90;
    s->spots_target = 3;
    s->found_s = 0.5;
    s->settle_s = 2.0;
    s->liftoff_s = 1.0;
    s->checkin_s = 30;
    s->steady_tick_s = 5;
    s->wiggle_pulse_s = 0.25;
    s->median_s = 0.12;
    s->glitch_s = 0.03;
    s->wiggle_lo_hz = 0.8;
    s->wiggle_hi_hz = 4.0;
    s->wiggle_tau_s = 0.25;
    s->wiggle_on_mm = 0.6;
    s->hf_k = 3.5;
    s->hf_default_mm = 2.0;
    s->vel_lp_hz = 1.0;
    s->vel_tau_s = 0.3;
    s->fast_window_s = 0.3;
    s->learn_s = 15;
    s->adapt_tau_s = 20;
    s->along_k = 2.5;
    s->across_k = 4.0;
    s->vel_margin_mm_s = 1.5;
    s->vel_default_mm_s = 16;
    s->off_ratio = 0.7;
    s->slide_tau_s = 0.5;
    s->quiet_s = 0.2;
    s->classify_s = 1.0;
    s->relocate_mm = 25;
    s->sink_mm_min = 10;
    s->pivot_mm = 8;
    s->wiggle_full_mm = 10;
    s->exc_tau_s = 2.0;
    s->exc_lp_hz = 2.5;
    s->exc_k_along = 2.6;
    s->exc_k_across = 3.0;
    s->exc_margin_mm = 0.35;
    s->exc_default_mm = 6.0;
    s->exc_hold_s = 0.6;
    s->exc_sustain_s = 0.06;
    s->gap_s = 0.5;
    s->gap_frames = 5;
    s->gap_settle_s = 1.0;
    s->ref_s = 3;
    s->load_tau_s = 1;
    s->load_drop = 0.3;
    s->creep_per_decade = 0.05;
    s->breath_lo_hz = 0.1;
    s->breath_hi_hz = 0.4;
    s->breath_window_s = 30;
    s->breath_min_s = 15;
    s->breath_min_corr = 0.3;
    s->sway_window_s = 5;
    s->max_rate_hz = 200;
    s->push_s = 2;
    s->relax_s = 2;
    s->reps_target = 10;
    s->rep_min_rel = 0.02;
    s->max_holds = 128;
    s->max_events = 512;
}

static int settings_ok(const sm_coach_settings_t *s)
{
    return s->protocol >= SM_PROTO_BALL_RELEASE && s->protocol <= SM_PROTO_REALIGN &&
           s->release_s > 0 && s->hook_phase_s > 0 && s->wiggle_lo_hz > 0 &&
           s->wiggle_hi_hz > s->wiggle_lo_hz && s->wiggle_on_mm > 0 && s->median_s > 0 &&
           s->glitch_s >= 0 && s->glitch_s <= 0.5 * s->median_s && s->vel_lp_hz > 0 &&
           s->vel_tau_s > 0 && s->fast_window_s > 0 && s->learn_s > 0 && s->adapt_tau_s > 0 &&
           s->along_k > 0 && s->across_k > 0 && s->vel_margin_mm_s >= 0 &&
           s->vel_default_mm_s > 0 && s->off_ratio > 0 && s->off_ratio <= 1 &&
           s->sink_mm_min >= 0 && s->gap_s >= 0 && s->gap_frames >= 1 && s->gap_settle_s >= 0 &&
           s->exc_tau_s > 0 && s->exc_lp_hz > 0 && s->exc_k_along > 0 && s->exc_k_across > 0 &&
           s->exc_margin_mm >= 0 && s->exc_default_mm > 0 && s->exc_hold_s >= 0 &&
           s->exc_sustain_s >= 0 && s->hf_k > 0 && s->hf_default_mm >= s->wiggle_on_mm &&
           s->breath_lo_hz > 0 && s->breath_hi_hz > s->breath_lo_hz &&
           s->breath_window_s >= 2.5 / s->breath_lo_hz && s->breath_window_s <= 600 &&
           s->sway_window_s > 0 && s->sway_window_s <= 600 && s->max_rate_hz > 0 &&
           s->max_rate_hz <= 10000 && s->max_holds > 0 && s->max_events > 0 && s->push_s > 0 &&
           s->relax_s > 0 && s->relocate_mm > 0 && s->steady_tick_s > 0 && s->wiggle_pulse_s > 0;
}

static void coach_reset_tool(sm_coach_t *co)
{
    co->tracking = 0;
    co->mv = 0;
    co->ms = 0;
    co->speed = 0;
    co->cand_start = -1;
    memset(&co->ep, 0, sizeof co->ep);
    win_clear(&co->tool_w);
    co->bins_n = co->bins_head = 0;
    co->bin_cnt = 0;
    co->bin_sum = co->bin_sx = co->bin_sy = 0;
}

sm_status sm_coach_create(const sm_coach_settings_t *s, sm_coach_t **out)
{
    *out = NULL;
    sm_coach_settings_t def;
    if (!s) {
        sm_coach_settings_default(&def, SM_PROTO_BALL_RELEASE);
        s = &def;
    }
    if (!settings_ok(s))
        return SM_ERR_ARG;
    sm_coach_t *co = calloc(1, sizeof *co);
    if (!co)
        return SM_ERR_NOMEM;
    co->set = *s;
    size_t wcap = (size_t)ceil(s->sway_window_s * s->max_rate_hz) + 2;
    co->bins_cap = (size_t)ceil(s->breath_window_s / BREATH_DT) + 1;
    co->bins = malloc(co->bins_cap * sizeof *co->bins);
    co->bins_x = malloc(co->bins_cap * sizeof *co->bins_x);
    co->bins_y = malloc(co->bins_cap * sizeof *co->bins_y);
    co->acf_buf = malloc(co->bins_cap * sizeof *co->acf_buf);
    co->acf_y = malloc(co->bins_cap * sizeof *co->acf_y);
    co->holds = calloc(s->max_holds, sizeof *co->holds);
    co->events = calloc(s->max_events, sizeof *co->events);
    int ok = win_alloc(&co->tool_w, wcap, s->sway_window_s);
    ok = win_alloc(&co->body_w, wcap, s->sway_window_s) && ok;
    if (!ok || !co->bins || !co->bins_x || !co->bins_y || !co->acf_buf || !co->acf_y ||
        !co->holds || !co->events) {
        sm_coach_destroy(co);
        return SM_ERR_NOMEM;
    }
    co->hx.fc = co->hy.fc = co->hx2.fc = co->hy2.fc = s->wiggle_lo_hz;
    co->cur = NO_HOLD;
    co->state = s->protocol == SM_PROTO_REALIGN ? SM_STATE_REALIGN : SM_STATE_SEARCH;
    co->gap_until = -1e300;
    coach_reset_tool(co);
    baseline_thresholds(co);
    *out = co;
    return SM_OK;
}

void sm_coach_destroy(sm_coach_t *co)
{
    if (!co)
        return;
    win_free(&co->tool_w);
    win_free(&co->body_w);
    free(co->bins);
    free(co->bins_x);
    free(co->bins_y);
    free(co->acf_buf);
    free(co->acf_y);
    free(co->holds);
    free(co->events);
    free(co);
}

/* ---- records and cues ---- */

static void cue(sm_coach_t *co, sm_cue_kind_t k, double t, double intensity)
{
    sm_coach_out_t *o = co->out;
    if (!o) {
        if (co->nlater < SM_COACH_MAX_CUES) {
            sm_coach_cue_t *c = &co->later[co->nlater++];
            c->kind = k;
            c->t_s = t;
            c->intensity = (float)(intensity < 0 ? 0 : intensity > 1 ? 1 : intensity);
        }
        return;
    }
    if (o->n_cues >= SM_COACH_MAX_CUES)
        return;
    o->cues[o->n_cues].kind = k;
    o->cues[o->n_cues].t_s = t;
    o->cues[o->n_cues].intensity = (float)(intensity < 0 ? 0 : intensity > 1 ? 1 : intensity);
    o->n_cues++;
}

static void add_event(sm_coach_t *co, sm_coach_event_kind_t k, double a, double b, double size)
{
    if (co->nevents >= co->set.max_events) {
        co->dropped++;
        return;
    }
    sm_coach_event_t *e = &co->events[co->nevents++];
    e->kind = k;
    e->start_s = a;
    e->end_s = b < a ? a : b;
    e->size = size;
}

static double target_s(const sm_coach_t *co)
{
    return co->set.protocol == SM_PROTO_HIP_HOOK ? co->set.hook_phase_s : co->set.release_s;
}

static double creep_rel(const sm_coach_t *co, double loaded_s)
{
    if (loaded_s < 0)
        loaded_s = 0;
    if (co->set.creep)
        return co->set.creep(co->set.creep_ctx, loaded_s);
    return co->set.creep_per_decade * log10(1.0 + loaded_s);
}

static void start_hold(sm_coach_t *co, double t, double found, int phase_cue)
{
    co->state = SM_STATE_HOLD;
    co->anchor_x = co->lx;
    co->anchor_y = co->ly;
    co->t_near = t;
    co->t_home = t;
    co->drift_since = -1;
    co->ref_sum = co->ref_n = 0;
    co->ref = 0;
    co->next_tick = co->set.steady_tick_s;
    co->checkin_done = 0;
    co->checkin_t = -1;
    co->votes_r = co->votes_l = 0;
    memset(&co->ep, 0, sizeof co->ep);
    if (co->nholds >= co->set.max_holds) {
        co->dropped++;
        co->cur = NO_HOLD;
    } else {
        co->cur = co->nholds++;
        sm_coach_hold_t *h = &co->holds[co->cur];
        memset(h, 0, sizeof *h);
        h->phase = co->phase;
        h->spot = co->spot;
        h->found_s = found;
        h->start_s = t;
        h->time_to_settle_s = t - found;
        h->soreness = -1;
        h->x_mm = co->lx;
        h->y_mm = co->ly;
    }
    cue(co, phase_cue ? SM_CUE_PHASE : SM_CUE_FOUND, t, 1.0);
}

/* A new spot (or lying down again) changes how breathing moves the tool: learn it afresh. */
static void baseline_forget(sm_coach_t *co)
{
    co->learned = 0;
    co->bl_xx = co->bl_yy = co->bl_xy = co->bl_hf = co->bl_w = co->bl_lf = 0;
    co->bl_exx = co->bl_eyy = co->bl_exy = 0;
    co->bl_exvx = co->bl_exvy = co->bl_eyvx = co->bl_eyvy = 0;
    baseline_thresholds(co);
}

static void end_hold(sm_coach_t *co, double t_end)
{
    if (co->cur != NO_HOLD) {
        sm_coach_hold_t *h = &co->holds[co->cur];
        h->end_s = t_end < h->start_s ? h->start_s : t_end;
        h->side = co->votes_r > co->votes_l   ? SM_SIDE_RIGHT
                  : co->votes_l > co->votes_r ? SM_SIDE_LEFT
                                              : SM_SIDE_UNKNOWN;
    }
    co->cur = NO_HOLD;
    memset(&co->ep, 0, sizeof co->ep);
}

/* Decide what the movement episode that just ended was, from where the contact settled. */
static void classify(sm_coach_t *co, double t)
{
    const sm_coach_settings_t *s = &co->set;
    episode_t *e = &co->ep;
    double dx = co->lx - co->anchor_x, dy = co->ly - co->anchor_y, d = hypot(dx, dy);
    int hook0 = s->protocol == SM_PROTO_HIP_HOOK && co->phase == 0;
    double e_start = e->start, e_end = e->end;
    e->open = e->pending = 0;
    if (d >= s->relocate_mm) {
        /* a move starts when the contact leaves the spot, which may be before it looked fast */
        if (co->t_home < e_start)
            e_start = co->t_home;
        add_event(co, SM_EV_RELOCATION, e_start, e_end, d);
        end_hold(co, e_start);
        co->spot++;
        baseline_forget(co);
        co->phase = 0;
        co->state = SM_STATE_SETTLE;
        co->t_found = e_end;
        co->quiet_since = e_end;
        return;
    }
    /* The handle press pivots the load along the base towards the tip, which points into the
     * body: the centroid shifts towards the body's line without the tool leaving the spot. */
    if (hook0 && d >= s->pivot_mm && (!co->have_mid || dx * (co->mid_x - co->anchor_x) > 0)) {
        add_event(co, SM_EV_PHASE_CHANGE, e_start, e_end, d);
        end_hold(co, e_start);
        co->phase = 1;
        co->t_found = e_end;
        start_hold(co, t, e_end, 1);
        return;
    }
    double moved = hypot(co->lx - e->sx, co->ly - e->sy);
    if (e->had_wiggle || moved >= s->pivot_mm || (hook0 && d >= s->pivot_mm)) {
        double ext = 0.5 * hypot(e->x1 - e->x0, e->y1 - e->y0);
        add_event(co, SM_EV_WIGGLE, e_start, e_end, ext > e->peak ? ext : e->peak);
        if (co->cur != NO_HOLD)
            co->holds[co->cur].wiggles++;
    }
    /* The person has been still since e_end; the filters and this check only took a moment
     * to say so: give that time back to the hold. */
    if (co->cur != NO_HOLD && t > e_end && e_end > 0 && !co->nogo)
        co->holds[co->cur].steady_s += t - e_end;
    /* The spot stays where the hold settled (a wiggle that ends a little off it still counts
     * towards a relocation); only the hook's psoas phase takes its new rest as the reference
     * for the handle press. */
    if (hook0) {
        co->anchor_x = co->lx;
        co->anchor_y = co->ly;
    }
    co->t_near = t;
}

/* ---- breathing ---- */

static void breath_push(sm_coach_t *co, double t, double load, double x, double y)
{
    /* bins on the absolute 0.1 s grid; a gap in the frames repeats the last value */
    double idx = floor(t / BREATH_DT);
    if (co->bin_cnt > 0 && idx != co->bin_t0) {
        float v = (float)(co->bin_sum / co->bin_cnt);
        float vx = (float)(co->bin_sx / co->bin_cnt), vy = (float)(co->bin_sy / co->bin_cnt);
        double nb = idx - co->bin_t0;
        if (nb < 1)
            nb = 1; /* time went backwards: one bin */
        if (nb > (double)co->bins_cap)
            nb = (double)co->bins_cap;
        for (int k = 0; k < (int)nb; k++) {
            size_t i = (co->bins_head + co->bins_n) % co->bins_cap;
            co->bins[i] = v;
            co->bins_x[i] = vx;
            co->bins_y[i] = vy;
            if (co->bins_n < co->bins_cap)
                co->bins_n++;
            else
                co->bins_head = (co->bins_head + 1) % co->bins_cap;
        }
        co->bin_cnt = 0;
        co->bin_sum = co->bin_sx = co->bin_sy = 0;
    }
    if (co->bin_cnt == 0)
        co->bin_t0 = idx;
    co->bin_sum += load;
    /* relative to the bin's grid origin would do as well; mm values are small enough */
    co->bin_sx += x;
    co->bin_sy += y;
    co->bin_cnt++;
}

/* Copy ring b into x, remove its straight-line trend; returns its energy. */
static double detrend(const sm_coach_t *co, const float *b, double *x)
{
    size_t n = co->bins_n;
    double st = 0, sx = 0, stt = 0, stx = 0;
    for (size_t k = 0; k < n; k++) {
        x[k] = b[(co->bins_head + k) % co->bins_cap];
        st += (double)k;
        sx += x[k];
        stt += (double)k * (double)k;
        stx += (double)k * x[k];
    }
    double dn = (double)n, den = dn * stt - st * st;
    double bb = den > 0 ? (dn * stx - st * sx) / den : 0, a = (sx - bb * st) / dn;
    double e0 = 0;
    for (size_t k = 0; k < n; k++) {
        x[k] -= a + bb * (double)k;
        e0 += x[k] * x[k];
    }
    return e0;
}

/* Breathing period (in bins) from the autocorrelation of one or two detrended signals (two:
 * the 2D movement, whatever its direction): the first strong peak in the breathing band (the
 * first, so a double period never wins over the true one). 0 = none; *conf its height. */
static double acf_period(const sm_coach_t *co, const double *x, const double *y, double e0,
                         double *conf)
{
    const sm_coach_settings_t *s = &co->set;
    size_t n = co->bins_n;
    *conf = 0;
    if (!(e0 > 1e-12))
        return 0;
    /* search a little beyond the band: a rate wandering around its edge is still breathing */
    int l0 = (int)floor(0.8 / s->breath_hi_hz / BREATH_DT);
    int l1 = (int)ceil(1.25 / s->breath_lo_hz / BREATH_DT);
    if (l1 >= (int)n - 2)
        l1 = (int)n - 3;
    if (l0 < 2)
        l0 = 2;
    if (l1 <= l0 + 1)
        return 0;
    double r[1024];
    int m = l1 - l0 + 3;
    if (m > 1024)
        return 0;
    double dn = (double)n;
    for (int j = 0; j < m; j++) {
        int lag = l0 - 1 + j;
        double acc = 0;
        for (size_t k = 0; k + (size_t)lag < n; k++) {
            acc += x[k] * x[k + (size_t)lag];
            if (y)
                acc += y[k] * y[k + (size_t)lag];
        }
        r[j] = acc / e0 * dn / (dn - lag);
    }
    double gmax = -1;
    for (int j = 1; j < m - 1; j++)
        if (r[j] > gmax)
            gmax = r[j];
    int best = -1;
    for (int j = 1; j < m - 1; j++)
        if (r[j] >= r[j - 1] && r[j] >= r[j + 1] && r[j] >= 0.85 * gmax) {
            best = j;
            break;
        }
    if (best < 0 || r[best] < s->breath_min_corr) {
        *conf = gmax > 0 ? (gmax > 1 ? 1 : gmax) : 0;
        return 0;
    }
    double y0 = r[best - 1], y1 = r[best], y2 = r[best + 1];
    double dd = y0 - 2 * y1 + y2, off = dd < 0 ? 0.5 * (y0 - y2) / dd : 0;
    *conf = y1 > 1 ? 1 : y1;
    return l0 - 1 + best + off;
}

/* The breathing rate from the tool's movement and from its load: the more confident one, or
 * both weighted by confidence when they agree within 15 %. */
static void breath_estimate(sm_coach_t *co)
{
    const sm_coach_settings_t *s = &co->set;
    if ((double)co->bins_n * BREATH_DT < s->breath_min_s)
        return;
    double cm, cl;
    double ex = detrend(co, co->bins_x, co->acf_buf);
    double ey = detrend(co, co->bins_y, co->acf_y);
    double lm = acf_period(co, co->acf_buf, co->acf_y, ex + ey, &cm);
    double el = detrend(co, co->bins, co->acf_buf);
    double ll = acf_period(co, co->acf_buf, NULL, el, &cl);
    double lag = 0, conf = cm > cl ? cm : cl;
    if (lm > 0 && ll > 0 && fabs(lm - ll) <= 0.15 * (lm < ll ? lm : ll))
        lag = (lm * cm + ll * cl) / (cm + cl);
    else if (lm > 0 && (ll <= 0 || cm >= cl))
        lag = lm, conf = cm;
    else if (ll > 0)
        lag = ll, conf = cl;
    co->bconf = conf;
    if (lag <= 0)
        return;
    co->bpm = 60.0 / (lag * BREATH_DT);
    co->bpm_sum += co->bpm;
    co->bpm_cnt++;
}

/* ---- realignment: push/relax repetitions from the whole-frame load ---- */

static void realign_update(sm_coach_t *co, const sm_contact_frame_t *f, double dt)
{
    const sm_coach_settings_t *s = &co->set;
    double t = f->t_s, cyc = s->push_s + s->relax_s;
    if (!co->rl_init) {
        if (!f->has_load)
            return;
        co->rl_init = 1;
        co->rl_t0 = t;
        co->rl_slow = f->total;
        co->rl_amp = 0;
        co->rl_next_push = t;
        co->rl_next_relax = t + s->push_s;
    }
    if (co->reps < s->reps_target) {
        if (t >= co->rl_next_push) {
            cue(co, SM_CUE_PUSH, co->rl_next_push, 1.0);
            co->rl_next_push += cyc;
        }
        if (t >= co->rl_next_relax) {
            cue(co, SM_CUE_RELAX, co->rl_next_relax, 1.0);
            co->rl_next_relax += cyc;
        }
    }
    double slow_tau = 1.5 * cyc;
    co->rl_slow += ema_a(dt, slow_tau) * (f->total - co->rl_slow);
    double y = co->rl_slow > 0 ? f->total / co->rl_slow - 1.0 : 0.0;
    co->rl_amp += ema_a(dt, cyc) * (fabs(y) - co->rl_amp);
    double thr = 0.5 * co->rl_amp;
    if (co->rl_amp < 0.5 * s->rep_min_rel)
        thr = 1e9; /* too small a swing to be a push */
    if (!co->rl_push && y > thr) {
        co->rl_push = 1;
        co->rl_start = t;
    } else if (co->rl_push && y < 0) {
        co->rl_push = 0;
        add_event(co, SM_EV_REP, co->rl_start, t, 0);
        co->reps++;
        if (co->reps == s->reps_target)
            cue(co, SM_CUE_THRESHOLD, t, 1.0);
    }
}

/* ---- the frame ---- */

static const char *instruction(const sm_coach_t *co, double t, const sm_coach_out_t *o)
{
    const sm_coach_settings_t *s = &co->set;
    int hook = s->protocol == SM_PROTO_HIP_HOOK;
    switch (co->state) {
    case SM_STATE_SEARCH:
        return hook                                  ? "Place the hook tip inside the hip bone"
               : s->protocol == SM_PROTO_BACK_OF_HIP ? "Place the ball beside the tailbone"
                                                     : "Place the ball inside the hip bone";
    case SM_STATE_SETTLE:
        return "Settle onto it - let go";
    case SM_STATE_REALIGN:
        if (co->reps >= s->reps_target)
            return "Done - well done";
        return fmod(t - co->rl_t0, s->push_s + s->relax_s) < s->push_s ? "Push" : "Relax";
    case SM_STATE_HOLD:
        break;
    }
    if (!o->moving && o->load_rel < -s->load_drop)
        return "Let your weight sink in";
    if (o->moving)
        return "Stay on the spot - don't wiggle";
    if (co->checkin_t >= 0 && t - co->checkin_t < 8 && !o->release_met)
        return "Is it easing? If not, move to another spot";
    if (o->release_met) {
        if (hook && co->phase == 0)
            return "Now press the handle down";
        if (s->protocol == SM_PROTO_BACK_OF_HIP)
            return co->spots_done >= s->spots_target ? "Done - check the other side"
                                                     : "Released - move to the next spot";
        return "Released - ease off, then the other side";
    }
    return "Hold still - breathe slowly";
}

static const char *phase_name(const sm_coach_t *co)
{
    const sm_coach_settings_t *s = &co->set;
    switch (co->state) {
    case SM_STATE_SEARCH:
        return "Find the spot";
    case SM_STATE_SETTLE:
        return "Settle";
    case SM_STATE_REALIGN:
        return "Realignment";
    case SM_STATE_HOLD:
        break;
    }
    if (s->protocol == SM_PROTO_HIP_HOOK)
        return co->phase ? "Iliacus" : "Psoas";
    return "Hold";
}

/* Median of the last samples within median_s (3 at least): an outlier shorter than half the
 * window never reaches the filters behind it. */
static void median_push(sm_coach_t *co, double t, double x, double y)
{
    const sm_coach_settings_t *s = &co->set;
    int i = (co->med_head + co->med_n) % MED_CAP;
    if (co->med_n == MED_CAP) {
        co->med_head = (co->med_head + 1) % MED_CAP;
        co->med_n--;
    }
    co->med_t[i] = t;
    co->med_x[i] = x;
    co->med_y[i] = y;
    co->med_n++;
    while (co->med_n > 3 && co->med_t[co->med_head] <= t - s->median_s) {
        co->med_head = (co->med_head + 1) % MED_CAP;
        co->med_n--;
    }
    double *v = co->med_tmp;
    for (int pass = 0; pass < 2; pass++) {
        const double *src = pass ? co->med_y : co->med_x;
        int n = co->med_n;
        for (int k = 0; k < n; k++) { /* insertion sort: a few samples */
            double w = src[(co->med_head + k) % MED_CAP];
            int j = k;
            while (j > 0 && v[j - 1] > w) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = w;
        }
        double m = n & 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        if (pass)
            co->my = m;
        else
            co->mx = m;
    }
}

/* Start every filter from the position now (a new track, or frames back after a gap). */
static void filters_start(sm_coach_t *co, const sm_contact_frame_t *f, int after_gap)
{
    double x = f->x_mm, y = f->y_mm;
    co->med_n = co->med_head = 0;
    co->mx = x;
    co->my = y;
    co->lx = co->fx = co->p1x = co->p2x = co->qx = x;
    co->ly = co->fy = co->p1y = co->p2y = co->qy = y;
    co->vx = co->vy = co->vxx = co->vyy = co->vxy = 0;
    co->speed = 0;
    co->ms = 0;
    co->bpx = co->bpy = 0;
    co->level = co->level_mv = 0;
    /* where it has lately been: here (after a gap, the excursion waits for it to be learned
     * again: exc_from) */
    co->rx = x;
    co->ry = y;
    co->exc_from = after_gap ? f->t_s + co->set.gap_settle_s + co->set.exc_tau_s : -1e300;
    co->level_exc = 0;
    co->exc_above = 0;
    co->exc_since = -1;
    co->t_exc_act = -1e9;
    hpf_reset(&co->hx, x);
    hpf_reset(&co->hy, y);
    hpf_reset(&co->hx2, 0.0);
    hpf_reset(&co->hy2, 0.0);
    co->load_lp = f->load;
    co->act_first = co->act_last = -1e9;
}

/* The on levels from the personal baseline (or the defaults until it is learned). */
static void baseline_thresholds(sm_coach_t *co)
{
    const sm_coach_settings_t *s = &co->set;
    if (!co->learned) {
        co->ux = 0;
        co->uy = 1;
        co->thr_u = co->thr_v = s->vel_default_mm_s;
        co->thr_hf = s->hf_default_mm; /* the sensor's noise is not known yet */
        co->thr_eu = co->thr_ev = co->thr_ev0 = s->exc_default_mm;
        co->ex_b = co->ex_g = 0;
        return;
    }
    double w = co->bl_w > 0 ? co->bl_w : 1;
    double a = co->bl_xx / w, d = co->bl_yy / w, b = co->bl_xy / w;
    double mid = 0.5 * (a + d), r = sqrt(0.25 * (a - d) * (a - d) + b * b);
    double l1 = mid + r, l2 = mid - r > 0 ? mid - r : 0;
    double th = 0.5 * atan2(2 * b, a - d);
    co->ux = cos(th);
    co->uy = sin(th);
    /* never more tolerant than the defaults: a baseline learned from fidgeting stays bounded */
    co->thr_u = s->along_k * sqrt(l1) + s->vel_margin_mm_s;
    if (co->thr_u > s->vel_default_mm_s)
        co->thr_u = s->vel_default_mm_s;
    co->thr_v = s->across_k * sqrt(l2) + s->vel_margin_mm_s;
    if (co->thr_v > s->vel_default_mm_s)
        co->thr_v = s->vel_default_mm_s;
    co->thr_hf = s->hf_k * sqrt(co->bl_hf / w);
    if (co->thr_hf < s->wiggle_on_mm)
        co->thr_hf = s->wiggle_on_mm;
    if (co->thr_hf > s->hf_default_mm)
        co->thr_hf = s->hf_default_mm;
    /* the breathing's own excursion along and across its direction */
    double ea = co->bl_exx / w, ed = co->bl_eyy / w, eb = co->bl_exy / w;
    double eu = co->ux * co->ux * ea + 2 * co->ux * co->uy * eb + co->uy * co->uy * ed;
    double ev = co->uy * co->uy * ea - 2 * co->ux * co->uy * eb + co->ux * co->ux * ed;
    /* across = b * along + g * along speed + the rest (least squares over the baseline) */
    double ux = co->ux, uy = co->uy;
    double euv = -ux * uy * ea + (ux * ux - uy * uy) * eb + ux * uy * ed;
    double ww = ux * ux * a + 2 * ux * uy * b + uy * uy * d;
    double cxx = co->bl_exvx / w, cxy = co->bl_exvy / w, cyx = co->bl_eyvx / w,
           cyy = co->bl_eyvy / w;
    double euw = ux * ux * cxx + ux * uy * (cxy + cyx) + uy * uy * cyy;
    double evw = -uy * ux * cxx - uy * uy * cxy + ux * ux * cyx + ux * uy * cyy;
    double det = eu * ww - euw * euw;
    co->ex_b = co->ex_g = 0;
    double rest = ev;
    if (det > 1e-9 * (eu * ww + 1e-12)) {
        co->ex_b = (euv * ww - evw * euw) / det;
        co->ex_g = (evw * eu - euv * euw) / det;
        rest = ev - co->ex_b * euv - co->ex_g * evw;
        if (!(rest >= 0))
            rest = 0;
        if (rest > ev)
            rest = ev;
    }
    co->thr_eu = s->exc_k_along * sqrt(eu > 0 ? eu : 0) + s->exc_margin_mm;
    co->thr_ev = s->exc_k_across * sqrt(rest > 0 ? rest : 0) + s->exc_margin_mm;
    co->thr_ev0 = s->exc_k_across * sqrt(ev > 0 ? ev : 0) + s->exc_margin_mm;
    if (co->thr_ev0 > s->exc_default_mm)
        co->thr_ev0 = s->exc_default_mm;
    if (co->thr_eu > s->exc_default_mm)
        co->thr_eu = s->exc_default_mm;
    if (co->thr_ev > s->exc_default_mm)
        co->thr_ev = s->exc_default_mm;
}

/* Learn this person's breathing while they are still: the first learn_s as a plain mean, then
 * an exponential average over adapt_tau_s. */
static void baseline_learn(sm_coach_t *co, double dt)
{
    const sm_coach_settings_t *s = &co->set;
    if (dt <= 0)
        return;
    double hf2 = co->bpx * co->bpx + co->bpy * co->bpy;
    double ex = co->qx - co->rx, ey = co->qy - co->ry;
    if (!co->learned) {
        co->bl_exx += dt * ex * ex;
        co->bl_eyy += dt * ey * ey;
        co->bl_exy += dt * ex * ey;
        co->bl_exvx += dt * ex * co->vx;
        co->bl_exvy += dt * ex * co->vy;
        co->bl_eyvx += dt * ey * co->vx;
        co->bl_eyvy += dt * ey * co->vy;
        co->bl_xx += dt * co->vx * co->vx;
        co->bl_yy += dt * co->vy * co->vy;
        co->bl_xy += dt * co->vx * co->vy;
        co->bl_hf += dt * hf2;
        co->bl_lf += dt * co->lf_raw * co->lf_raw;
        co->bl_w += dt;
        if (co->bl_w >= s->learn_s) {
            co->learned = 1;
            baseline_thresholds(co);
        }
        return;
    }
    double a = ema_a(dt, s->adapt_tau_s), w = co->bl_w;
    co->bl_xx += a * (w * co->vx * co->vx - co->bl_xx);
    co->bl_yy += a * (w * co->vy * co->vy - co->bl_yy);
    co->bl_xy += a * (w * co->vx * co->vy - co->bl_xy);
    co->bl_hf += a * (w * hf2 - co->bl_hf);
    co->bl_lf += a * (w * co->lf_raw * co->lf_raw - co->bl_lf);
    co->bl_exx += a * (w * ex * ex - co->bl_exx);
    co->bl_eyy += a * (w * ey * ey - co->bl_eyy);
    co->bl_exy += a * (w * ex * ey - co->bl_exy);
    co->bl_exvx += a * (w * ex * co->vx - co->bl_exvx);
    co->bl_exvy += a * (w * ex * co->vy - co->bl_exvy);
    co->bl_eyvx += a * (w * ey * co->vx - co->bl_eyvx);
    co->bl_eyvy += a * (w * ey * co->vy - co->bl_eyvy);
    baseline_thresholds(co);
}

/* Movement over its on level (1 = on) from fast-band mean square ms (mm^2) and velocity
 * second moments (mm^2/s^2): the largest of along, across the breathing, and the fast band. */
static double level_of(const sm_coach_t *co, double ms, double vxx, double vyy, double vxy)
{
    double ux = co->ux, uy = co->uy, lv;
    if (co->learned) {
        double along = ux * ux * vxx + 2 * ux * uy * vxy + uy * uy * vyy;
        double across = uy * uy * vxx - 2 * ux * uy * vxy + ux * ux * vyy;
        double la = sqrt(along > 0 ? along : 0) / co->thr_u;
        double lc = sqrt(across > 0 ? across : 0) / co->thr_v;
        lv = la > lc ? la : lc;
    } else {
        double tot = vxx + vyy;
        lv = sqrt(tot > 0 ? tot : 0) / co->set.vel_default_mm_s;
    }
    double lh = sqrt(ms > 0 ? ms : 0) / co->thr_hf;
    return lv > lh ? lv : lh;
}

/* Movement over the last fast_window_s only, as the distance travelled along and across the
 * breathing over that time against the same levels: it falls as soon as the tool rests, where
 * the averages above still remember the last swing (the end of an episode is heard promptly). */
static double level_recent(const sm_coach_t *co, double t)
{
    const win_t *w = &co->tool_w;
    double ux = co->learned ? co->ux : 0, uy = co->learned ? co->uy : 1;
    double a0 = 1e300, a1 = -1e300, c0 = 1e300, c1 = -1e300, t0 = t;
    for (size_t k = w->n; k-- > 0;) {
        size_t i = (w->head + k) % w->cap;
        if (w->t[i] < t - co->set.fast_window_s)
            break;
        double a = ux * w->x[i] + uy * w->y[i], c = -uy * w->x[i] + ux * w->y[i];
        a0 = a < a0 ? a : a0;
        a1 = a > a1 ? a : a1;
        c0 = c < c0 ? c : c0;
        c1 = c > c1 ? c : c1;
        t0 = w->t[i];
    }
    double span = t - t0 > 0.5 * co->set.fast_window_s ? t - t0 : co->set.fast_window_s;
    if (a1 < a0)
        return 0;
    double tu = co->learned ? co->thr_u : co->set.vel_default_mm_s;
    double tv = co->learned ? co->thr_v : co->set.vel_default_mm_s;
    double la = (a1 - a0) / span / tu, lc = (c1 - c0) / span / tv;
    return la > lc ? la : lc;
}

static void track_tool(sm_coach_t *co, const sm_contact_frame_t *f, double dt)
{
    const sm_coach_settings_t *s = &co->set;
    double t = f->t_s;
    if (!co->tracking || co->refilter) {
        int after_gap = co->tracking;
        if (!co->tracking) {
            win_clear(&co->tool_w);
            co->bins_n = co->bins_head = 0;
            co->bin_cnt = 0;
            co->bin_sum = co->bin_sx = co->bin_sy = 0;
            co->t_loaded0 = t;
        }
        co->tracking = 1;
        co->refilter = 0;
        filters_start(co, f, after_gap);
        dt = 0;
    }
    median_push(co, t, f->x_mm, f->y_mm);
    double x = co->mx, y = co->my;
    /* fast band: low-pass at the top of the band, 4th-order high-pass at the bottom */
    double a = ema_a(dt, 1.0 / (2.0 * PI * s->wiggle_hi_hz));
    co->fx += a * (x - co->fx);
    co->fy += a * (y - co->fy);
    co->bpx = hpf_step(&co->hx2, hpf_step(&co->hx, co->fx, dt), dt);
    co->bpy = hpf_step(&co->hy2, hpf_step(&co->hy, co->fy, dt), dt);
    double inst2 = co->bpx * co->bpx + co->bpy * co->bpy;
    co->ms += ema_a(dt, s->wiggle_tau_s) * (inst2 - co->ms);
    /* velocity of the position low-passed twice (critically damped) at vel_lp_hz */
    double av = ema_a(dt, 1.0 / (2.0 * PI * s->vel_lp_hz));
    double ox = co->p2x, oy = co->p2y;
    co->p1x += av * (x - co->p1x);
    co->p1y += av * (y - co->p1y);
    co->p2x += av * (co->p1x - co->p2x);
    co->p2y += av * (co->p1y - co->p2y);
    if (dt > 0) {
        co->vx = (co->p2x - ox) / dt;
        co->vy = (co->p2y - oy) / dt;
        double ak = ema_a(dt, s->vel_tau_s);
        co->vxx += ak * (co->vx * co->vx - co->vxx);
        co->vyy += ak * (co->vy * co->vy - co->vyy);
        co->vxy += ak * (co->vx * co->vy - co->vxy);
    }
    /* slow position and its speed (slides) */
    double px = co->lx, py = co->ly, as = ema_a(dt, s->slide_tau_s);
    co->lx += as * (x - co->lx);
    co->ly += as * (y - co->ly);
    if (dt > 0)
        co->speed += as * (hypot(co->lx - px, co->ly - py) / dt - co->speed);
    co->load_lp += ema_a(dt, s->load_tau_s) * (f->load - co->load_lp);
    /* movement against the baseline: along and across the breathing, the fast band; the
     * slow averages start an episode, the fast ones end it (so the end is heard promptly) */
    win_push(&co->tool_w, t, x, y);
    double lvel = level_of(co, co->ms, co->vxx, co->vyy, co->vxy);
    /* the recent movement less what the sensor's noise alone gives it at rest (in quadrature),
     * so noise does not keep the buzz going once the person has settled */
    double lfast = co->lf_raw = level_recent(co, t);
    if (co->learned && co->bl_w > 0) {
        double l2 = lfast * lfast - co->bl_lf / co->bl_w;
        lfast = l2 > 0 ? sqrt(l2) : 0;
    }
    /* excursion: the (low-passed) position against where it has lately been, along and
     * across the breathing, against how far this person's breathing takes it */
    double aq = ema_a(dt, 1.0 / (2.0 * PI * s->exc_lp_hz));
    co->qx += aq * (x - co->qx);
    co->qy += aq * (y - co->qy);
    double ex = co->qx - co->rx, ey = co->qy - co->ry;
    double ux = co->learned ? co->ux : 0, uy = co->learned ? co->uy : 1;
    double e_u = ux * ex + uy * ey, w_u = ux * co->vx + uy * co->vy;
    double eu = fabs(e_u) / co->thr_eu;
    /* at rest, across the breathing less the part that moves with the breath: a small rock
     * starts an episode; once moving, the whole across excursion keeps it open (the buzz stops
     * promptly when the person rests a little off where they were) */
    double ev = co->mv ? fabs(-uy * ex + ux * ey) / co->thr_ev0
                       : fabs(-uy * ex + ux * ey - co->ex_b * e_u - co->ex_g * w_u) / co->thr_ev;
    double lexc = eu > ev ? eu : ev;
    double ar = ema_a(dt, s->exc_tau_s);
    co->rx += ar * (co->qx - co->rx);
    co->ry += ar * (co->qy - co->ry);
    /* a slide is movement in the velocity (any speed above the breathing's); a slow one that
     * never looks like movement is a relocation once far enough from the spot (hold_update) */
    if (t < co->gap_until)
        lvel = lexc = lfast = 0; /* the reconnect transient */
    if (t < co->exc_from)
        lexc = 0;
    co->level = co->level_mv = lvel > lexc ? lvel : lexc;
    co->level_exc = lexc;
    /* An episode starts on speed (averaged, and still there now) or on an excursion; it goes on
     * while the tool moves, or while it stays out on an excursion that began (or moved) within
     * exc_hold_s - the turn of a slow rock - and ends when neither holds. */
    /* an excursion counts once it has lasted exc_sustain_s (a noise spike does not) */
    if (lexc < 1.0)
        co->exc_since = -1;
    else if (co->exc_since < 0)
        co->exc_since = t;
    if (lexc >= 1.0 && t - co->exc_since < s->exc_sustain_s)
        lexc = 0.99;
    int edge = lexc >= 1.0 && !co->exc_above;
    co->exc_above = lexc >= 1.0 ? 1 : lexc < s->off_ratio ? 0 : co->exc_above;
    if (edge || lfast >= s->off_ratio)
        co->t_exc_act = t;
    int was = co->mv;
    if (!co->mv)
        co->mv = (lvel >= 1.0 && lfast >= 1.0) || lexc >= 1.0;
    else
        co->mv =
            lfast >= s->off_ratio || (lexc >= s->off_ratio && t - co->t_exc_act < s->exc_hold_s);
    if (was && !co->mv) { /* at rest again: where it rests is "lately" from now on */
        co->rx = co->qx;
        co->ry = co->qy;
        co->exc_above = 0;
    }
    co->level_fast = lfast;
    if (co->level_fast >= s->off_ratio) {
        if (t - co->act_last > s->quiet_s)
            co->act_first = t;
        co->act_last = t;
    }
    /* Learn while still; once learned, only from movement well inside the pattern (a rock or
     * rub just under the levels must not teach the coach that it is breathing). */
    if (!co->mv && t >= co->gap_until && !co->ep.open && !co->ep.pending &&
        (!co->learned || co->level_mv < s->off_ratio))
        baseline_learn(co, dt);
    /* a wiggle is not breathing: while one goes on, the rate sees where the tool rests */
    breath_push(co, t, f->near_load, co->mv ? co->rx : x, co->mv ? co->ry : y);
}

static void hold_update(sm_coach_t *co, const sm_contact_frame_t *f, double dt, sm_coach_out_t *o)
{
    const sm_coach_settings_t *s = &co->set;
    double t = f->t_s;
    episode_t *e = &co->ep;
    sm_coach_hold_t *h = co->cur != NO_HOLD ? &co->holds[co->cur] : NULL;
    double rms = sqrt(co->ms);
    double inten = rms / s->wiggle_full_mm;
    if (co->level_mv / 4.0 > inten)
        inten = co->level_mv / 4.0;

    if (f->present && hypot(co->lx - co->anchor_x, co->ly - co->anchor_y) < 0.2 * s->relocate_mm)
        co->t_home = t;

    /* movement episodes */
    if (f->present && co->mv && !e->open) {
        if (!e->pending)
            e->start = t - co->act_first < 1.5 ? co->act_first : t;
        if (!e->pending) {
            e->peak = 0;
            e->had_wiggle = 0;
            e->x0 = e->x1 = co->mx;
            e->y0 = e->y1 = co->my;
            e->sx = co->lx;
            e->sy = co->ly;
        }
        e->open = 1;
        e->pending = 0;
        e->quiet_since = -1;
        e->next_pulse = t + s->wiggle_pulse_s;
        cue(co, SM_CUE_WIGGLE_START, t, inten);
    }
    if (e->open) {
        if (rms > e->peak)
            e->peak = rms;
        if (co->level_mv >= 1.0)
            e->had_wiggle = 1;
        e->x0 = co->mx < e->x0 ? co->mx : e->x0;
        e->x1 = co->mx > e->x1 ? co->mx : e->x1;
        e->y0 = co->my < e->y0 ? co->my : e->y0;
        e->y1 = co->my > e->y1 ? co->my : e->y1;
        if (t >= e->next_pulse) {
            cue(co, SM_CUE_WIGGLE, t, inten);
            e->next_pulse += s->wiggle_pulse_s;
            if (e->next_pulse < t)
                e->next_pulse = t + s->wiggle_pulse_s;
        }
        if (f->present && !co->mv) {
            if (e->quiet_since < 0)
                e->quiet_since = t;
            if (t - e->quiet_since >= s->quiet_s) {
                e->open = 0;
                e->pending = 1;
                e->end = co->act_last > e->start ? co->act_last : e->quiet_since;
                e->pending_until = t + s->classify_s;
                cue(co, SM_CUE_WIGGLE_STOP, t, 1.0);
            }
        } else {
            e->quiet_since = -1;
        }
    } else if (e->pending && t >= e->pending_until) {
        classify(co, t);
        if (co->state != SM_STATE_HOLD || co->cur == NO_HOLD)
            return;
        h = &co->holds[co->cur];
    } else if (!e->pending && f->present) {
        /* a slow shift that never looked like movement: same decision once it has stayed */
        double d = hypot(co->lx - co->anchor_x, co->ly - co->anchor_y);
        double thr =
            s->protocol == SM_PROTO_HIP_HOOK && co->phase == 0 ? s->pivot_mm : s->relocate_mm;
        if (d < 0.4 * thr)
            co->t_near = t;
        if (d >= thr) {
            if (co->drift_since < 0)
                co->drift_since = t;
            if (t - co->drift_since >= s->classify_s) {
                e->start = co->t_near;
                e->end = co->drift_since;
                e->peak = 0;
                e->had_wiggle = 0;
                classify(co, t);
                if (co->state != SM_STATE_HOLD || co->cur == NO_HOLD)
                    return;
                h = &co->holds[co->cur];
            }
        } else {
            co->drift_since = -1;
        }
        if (!e->open && !e->pending) {
            /* the spot follows sinking into the ball, never a move: at most sink_mm_min */
            double step = s->sink_mm_min / 60.0 * dt,
                   dd = hypot(co->lx - co->anchor_x, co->ly - co->anchor_y);
            double k = dd > step ? step / dd : 1.0;
            co->anchor_x += k * (co->lx - co->anchor_x);
            co->anchor_y += k * (co->ly - co->anchor_y);
        }
    }

    /* load against the hold's reference, creep divided out */
    double loaded = t - co->t_loaded0;
    double lnorm = co->load_lp / (1.0 + creep_rel(co, loaded));
    if (h && t - h->start_s < s->ref_s) {
        if (f->present) {
            co->ref_sum += lnorm;
            co->ref_n += 1;
        }
    } else if (co->ref <= 0 && co->ref_n > 0) {
        co->ref = co->ref_sum / co->ref_n;
    }
    double ref = co->ref > 0 ? co->ref : (co->ref_n > 0 ? co->ref_sum / co->ref_n : 0);
    o->load_rel = ref > 0 && f->present ? lnorm / ref - 1.0 : 0.0;
    int load_ok = o->load_rel >= -s->load_drop;

    o->moving = e->open;
    o->wiggle_intensity = e->open ? (inten < 0.05 ? 0.05 : inten > 1 ? 1 : inten) : 0.0;
    if (!h)
        return;
    if (f->present && f->side == SM_SIDE_RIGHT)
        co->votes_r++;
    else if (f->present && f->side == SM_SIDE_LEFT)
        co->votes_l++;
    if (f->present && !e->open && !e->pending && load_ok && t >= co->gap_until && !co->nogo)
        h->steady_s += dt;
    double tgt = target_s(co);
    while (h->steady_s >= co->next_tick) {
        if (co->next_tick < tgt - 0.5 * s->steady_tick_s || h->release_met)
            cue(co, SM_CUE_STEADY, t, 0.6);
        co->next_tick += s->steady_tick_s;
    }
    if (!co->checkin_done && s->checkin_s < tgt && h->steady_s >= s->checkin_s) {
        co->checkin_done = 1;
        co->checkin_t = t;
        cue(co, SM_CUE_CHECKIN, t, 1.0);
    }
    if (!h->release_met && h->steady_s >= tgt) {
        h->release_met = 1;
        h->release_s = t;
        co->spots_done++;
        cue(co, SM_CUE_THRESHOLD, t, 1.0);
    }
}

/* What the panel shows, from the state after this frame (f NULL: no frame, the link is down). */
static void view(sm_coach_t *co, double t, double dt, const sm_contact_frame_t *f,
                 sm_coach_out_t *out)
{
    const sm_coach_settings_t *s = &co->set;
    int present = f && f->present;
    out->state = co->state;
    out->phase_name = co->lost ? "Mat lost" : phase_name(co);
    out->mat_lost = co->lost;
    out->target_s = target_s(co);
    out->hold_index = -1;
    if (co->cur != NO_HOLD) {
        const sm_coach_hold_t *h = &co->holds[co->cur];
        out->hold_index = (int)co->cur;
        out->steady_s = h->steady_s;
        out->release_met = h->release_met;
        out->side = co->votes_r >= co->votes_l ? (co->votes_r ? SM_SIDE_RIGHT : SM_SIDE_UNKNOWN)
                                               : SM_SIDE_LEFT;
    } else if (present) {
        out->side = f->side;
    }
    out->spots_done = co->spots_done;
    out->reps = co->reps;
    out->reps_target = s->reps_target;
    if (s->protocol == SM_PROTO_REALIGN)
        out->target_s = 0;
    out->wiggle_rms_mm = co->tracking ? sqrt(co->ms) : 0;
    out->baseline_learned = co->learned;
    if (co->lost)
        out->moving = 0;
    /* The meter follows the movement level, with the coach's own hysteresis: while steady
     * time is being counted it stays in the "still" zone (>= 0.7), and it only drops below
     * while movement or a load drop pauses the count. */
    double u = 1.0;
    int counting = 0;
    if (present && co->tracking && !co->lost) {
        u = co->level;
        if (-out->load_rel / s->load_drop > u)
            u = -out->load_rel / s->load_drop;
        if (co->state == SM_STATE_HOLD)
            counting =
                !co->ep.open && out->load_rel >= -s->load_drop && t >= co->gap_until && !co->nogo;
        else if (co->state == SM_STATE_SETTLE)
            counting = !co->mv;
    }
    double target_m = u >= 1 ? 0 : 1 - u;
    if (counting)
        target_m = 0.7 + 0.3 * target_m;
    else if (target_m > 0.69)
        target_m = 0.69;
    if (!co->lost) { /* while the mat is lost the meter holds (the view reads it as paused) */
        co->meter += ema_a(dt, 0.3) * (target_m - co->meter);
        if (counting && co->meter < 0.7)
            co->meter = 0.7;
        if (!counting && co->meter >= 0.7)
            co->meter = 0.69;
        if (co->state == SM_STATE_SEARCH || co->state == SM_STATE_REALIGN)
            co->meter = target_m; /* nothing to be steady on */
    }
    out->meter = co->meter < 0 ? 0 : co->meter > 1 ? 1 : co->meter;
    out->breath_bpm = co->bpm;
    out->breath_conf = co->bconf;
    win_stats(&co->tool_w, &out->tool_sway);
    win_stats(&co->body_w, &out->body_sway);
    out->instruction =
        co->lost ? "Mat lost - check the cable; the hold is paused" : instruction(co, t, out);
}

/* An episode open when the link went down ends where the frames stopped. */
static void close_for_gap(sm_coach_t *co, double t0)
{
    if (co->state == SM_STATE_HOLD && (co->ep.open || co->ep.pending)) {
        if (co->ep.open) {
            co->ep.end = co->act_last > co->ep.start && co->act_last <= t0 ? co->act_last : t0;
            cue(co, SM_CUE_WIGGLE_STOP, t0, 1.0);
        }
        classify(co, t0);
    }
    co->mv = 0;
}

/* Frames again after a gap (t0: the last frame before it): the filters start over from the
 * next tool position and nothing counts as movement while the link settles. */
static void gap_resume(sm_coach_t *co, double t0, double t)
{
    const sm_coach_settings_t *s = &co->set;
    co->gap_pending = 0;
    if (!co->lost_cued && co->state != SM_STATE_REALIGN)
        cue(co, SM_CUE_MAT_LOST, t, 1.0);
    if (!co->lost)
        close_for_gap(co, t0);
    co->lost = co->lost_cued = 0;
    co->gap_until = t + s->gap_settle_s;
    co->refilter = 1;
    co->mv = 0;
    co->level = co->level_mv = 0;
    if (co->tracking)
        co->t_seen = t; /* the gap is not time without the tool */
    if (co->state == SM_STATE_SETTLE)
        co->quiet_since = t;
    if (co->state == SM_STATE_SEARCH)
        co->cand_start = -1;
}

void sm_coach_gap(sm_coach_t *co)
{
    co->gap_pending = 1;
}

void sm_coach_link_lost(sm_coach_t *co, double t_s, sm_coach_out_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < co->nlater; i++)
        out->cues[out->n_cues++] = co->later[i];
    co->nlater = 0;
    co->out = out;
    if (!co->lost) {
        co->lost = 1;
        if (co->state != SM_STATE_REALIGN) {
            cue(co, SM_CUE_MAT_LOST, t_s, 1.0);
            co->lost_cued = 1;
        }
        close_for_gap(co, co->started ? co->t_prev : t_s);
        co->gap_pending = 1;
    }
    view(co, t_s, 0.0, NULL, out);
    co->out = NULL;
}

void sm_coach_update(sm_coach_t *co, const sm_contact_frame_t *f, sm_coach_out_t *out)
{
    const sm_coach_settings_t *s = &co->set;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < co->nlater; i++)
        out->cues[out->n_cues++] = co->later[i];
    co->nlater = 0;
    co->out = out;
    double t = f->t_s;
    double dt = co->started ? t - co->t_prev : 0.0;
    if (dt < 0)
        dt = 0;
    double t_before = co->t_prev;
    /* a jump in time is a lost link when it is long in seconds and in frames (a mat sending one
     * frame a second is not lost at every frame) */
    int gap = co->gap_pending || (co->started && s->gap_s > 0 && dt > s->gap_s &&
                                  (co->dt_typ <= 0 || dt > s->gap_frames * co->dt_typ));
    if (co->started && dt > 0 && !gap)
        co->dt_typ = co->dt_typ > 0 ? co->dt_typ + 0.05 * (dt - co->dt_typ) : dt;
    co->started = 1;
    co->t_prev = t;
    out->hold_index = -1;
    out->target_s = target_s(co);
    if (gap) {
        gap_resume(co, t_before, t);
        dt = 0; /* nothing is counted over a gap */
    }

    if (f->has_load)
        win_push(&co->body_w, t, f->cop_x_mm, f->cop_y_mm);
    if (f->body_r0 >= 0) {
        co->mid_x = f->midline_x_mm;
        co->have_mid = 1;
    }

    if (co->state == SM_STATE_REALIGN) {
        realign_update(co, f, dt);
    } else {
        if (f->present) {
            track_tool(co, f, dt);
            co->t_seen = t;
        }
        int gone = !f->present && (!co->tracking || t - co->t_seen >= s->liftoff_s);
        switch (co->state) {
        case SM_STATE_SEARCH:
            if (f->present) {
                if (co->cand_start < 0)
                    co->cand_start = t;
                if (t - co->cand_start >= s->found_s) {
                    co->state = SM_STATE_SETTLE;
                    co->t_found = co->cand_start;
                    co->quiet_since = t;
                }
            } else {
                co->cand_start = -1;
            }
            break;
        case SM_STATE_SETTLE:
            if (gone) {
                co->state = SM_STATE_SEARCH;
                co->cand_start = -1;
                coach_reset_tool(co);
                break;
            }
            if (co->mv || !f->present)
                co->quiet_since = t;
            if (t - co->quiet_since >= s->settle_s)
                start_hold(co, t, co->t_found, s->protocol == SM_PROTO_HIP_HOOK && co->phase > 0);
            break;
        case SM_STATE_HOLD:
            if (gone) {
                if (co->ep.open || co->ep.pending) {
                    co->ep.end = co->t_seen;
                    classify(co, t); /* may end the hold itself (relocation) */
                }
                if (co->state == SM_STATE_HOLD) {
                    add_event(co, SM_EV_LIFTOFF, co->t_seen, t, 0);
                    end_hold(co, co->t_seen);
                    cue(co, SM_CUE_LIFTOFF, t, 1.0);
                }
                co->state = SM_STATE_SEARCH;
                co->phase = 0;
                co->spot++;
                baseline_forget(co);
                co->cand_start = -1;
                coach_reset_tool(co);
                break;
            }
            hold_update(co, f, dt, out);
            break;
        case SM_STATE_REALIGN:
            break;
        }
        if (co->tracking && co->state == SM_STATE_SETTLE)
            out->moving = co->mv;
        if (co->tracking && t >= co->breath_next) {
            breath_estimate(co);
            co->breath_next = t + 1.0;
        }
    }

    view(co, t, dt, f, out);
    co->out = NULL;
}

sm_status sm_coach_input(sm_coach_t *co, double t_s, sm_coach_input_t in, int value)
{
    switch (in) {
    case SM_COACH_IN_PIVOT:
        if (co->set.protocol != SM_PROTO_HIP_HOOK || co->phase != 0)
            return SM_OK;
        if (co->state == SM_STATE_HOLD) {
            add_event(co, SM_EV_PHASE_CHANGE, t_s, t_s, 0);
            end_hold(co, t_s);
            co->phase = 1;
            start_hold(co, t_s, t_s, 1);
        } else {
            co->phase = 1;
        }
        return SM_OK;
    case SM_COACH_IN_SORENESS:
        if (value < 0 || value > 10)
            return SM_ERR_ARG;
        if (co->cur != NO_HOLD)
            co->holds[co->cur].soreness = value;
        else if (co->nholds)
            co->holds[co->nholds - 1].soreness = value;
        return SM_OK;
    case SM_COACH_IN_RESET:
        if (co->state == SM_STATE_HOLD)
            end_hold(co, t_s);
        co->phase = 0;
        co->reps = 0;
        co->rl_init = 0;
        co->spots_done = 0;
        co->state = co->set.protocol == SM_PROTO_REALIGN ? SM_STATE_REALIGN : SM_STATE_SEARCH;
        coach_reset_tool(co);
        return SM_OK;
    case SM_COACH_IN_NOGO:
        if (value != 0 && value != 1)
            return SM_ERR_ARG;
        co->nogo = value;
        return SM_OK;
    }
    return SM_ERR_ARG;
}

void sm_coach_finish(sm_coach_t *co, double t_s)
{
    if (co->state == SM_STATE_HOLD) {
        if (co->ep.open || co->ep.pending) {
            if (co->ep.open)
                co->ep.end = t_s;
            classify(co, t_s);
        }
        if (co->state == SM_STATE_HOLD)
            end_hold(co, t_s);
    }
    if (co->rl_push) {
        co->rl_push = 0;
        add_event(co, SM_EV_REP, co->rl_start, t_s, 0);
    }
    co->state = co->set.protocol == SM_PROTO_REALIGN ? SM_STATE_REALIGN : SM_STATE_SEARCH;
}

const sm_coach_hold_t *sm_coach_holds(const sm_coach_t *co, size_t *n)
{
    *n = co->nholds;
    return co->holds;
}

const sm_coach_event_t *sm_coach_events(const sm_coach_t *co, size_t *n)
{
    *n = co->nevents;
    return co->events;
}

size_t sm_coach_dropped(const sm_coach_t *co)
{
    return co->dropped;
}

void sm_coach_side_summary(const sm_coach_t *co, sm_side_t side, sm_coach_side_summary_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < co->nholds; i++) {
        const sm_coach_hold_t *h = &co->holds[i];
        if (h->side != side)
            continue;
        out->holds++;
        out->released += h->release_met;
        out->steady_s += h->steady_s;
        out->wiggles += h->wiggles;
    }
}

double sm_coach_breath_bpm(const sm_coach_t *co)
{
    return co->bpm_cnt ? co->bpm_sum / co->bpm_cnt : 0.0;
}

const char *sm_coach_event_kind_name(sm_coach_event_kind_t k)
{
    static const char *const names[] = {"wiggle", "relocation", "phase_change", "lift_off", "rep"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

const char *sm_cue_kind_name(sm_cue_kind_t k)
{
    static const char *const names[] = {
        "found", "steady", "wiggle_start", "wiggle", "wiggle_stop", "checkin", "threshold", "phase",
        "push",  "relax",  "lift_off",     "closer", "on_target",   "nogo",    "mat_lost"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

const char *sm_protocol_name(sm_protocol_t p)
{
    static const char *const names[] = {"ball-release", "hip-hook", "back-of-hip", "realignment"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}
