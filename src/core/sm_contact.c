#include "sm_contact.h"
#include "sm_frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOP_SUP 16 /* supported peaks kept per frame for judging dominance */

struct sm_contact {
    sm_contact_settings_t set;
    int rows, cols, n;
    size_t ncell; /* rows * cols, for sizes */
    double pitch;
    float *in;        /* u16 conversion buffer */
    float *w;         /* cleaned frame */
    float *prev;      /* last raw frame, for the static-cell test */
    float *since;     /* session time the cell last changed */
    float *scratch;   /* quickselect */
    uint8_t *label;   /* SM_CONTACT_* */
    uint8_t *mark;    /* 1 = cell of the tool */
    uint8_t *foot;    /* footprint flood marks (all 0 between uses) */
    int *stack;       /* flood fill (hook) */
    double *ii;       /* integral image of the loaded cells, (rows+1)*(cols+1) */
    double *wins;     /* find_candidates: the load in the window centred on each cell, with a
                         border of -inf all round ((rows + 2) x (cols + 2)) */
    float zero[SM_MAX_COLS]; /* a row of nothing: the rows past the mat's edges */
    int top[TOP_SUP]; /* the cells of the strongest supported peaks (ct->sup), strongest first */
    int n_top;        /* how many; fewer than TOP_SUP: every cell with a supported peak */
    float *sup;       /* second-highest cell of each 3x3 block: a contact's supported peak */
    float *slow;      /* recent level of each cell (onset), input units */
    double slow_tot;
    double rawtot; /* load of the frame as read (cells above the floor) */
    int have_slow;
    double floor;   /* smoothed estimate */
    int have_floor; /* floor initialised */
    int have_prev;
    float *cnt;          /* the sensor's counts of this frame (sm_contact_update_sensor) */
    const float *sensor; /* cnt during sm_contact_update_sensor, else NULL */
    double t_prev;
    /* track */
    int tracking;
    uint32_t track_id;
    double tx_mm, ty_mm;       /* last tool position */
    double t_seen;             /* last time the tool was present */
    int onset;                 /* the current track was seen arriving */
    double cand_since;         /* a new candidate above the threshold since (s), -1 none */
    double cx_mm, cy_mm;       /* ... where */
    sm_tool_kind_t track_kind; /* the tool model of the current track */
    double kx_mm, ky_mm;       /* where its candidate was (cand_pos) */
};

void sm_contact_settings_default(sm_contact_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->posture = SM_POSTURE_AUTO;
    s->tool = SM_TOOL_BALL;
    s->evidence = 1;
    s->ball_mm = SM_TOOL_BALL_MM_DEF;
    s->conf_on = 0.5;
    s->conf_on_cold = 0.8;
    s->confirm_s = 1.5;
    s->conf_keep = 0.35;
    s->share_lo = 0.07;
    s->share_hi = 0.15;
    s->share_max = 0.6;
    s->contrast_lo = 3.0;
    s->contrast_hi = 8.0;
    s->dom_lo = 1.0;
    s->dom_hi = 1.6;
    s->spill_lo = 0.35;
    s->spill_hi = 0.7;
    s->onset_tau_s = 4.0;
    s->onset_bonus = 0.1;
    s->side_sigma_mm = 0.0;
    s->noise_floor = 0.0;
    s->noise_k = 4.0;
    s->floor_peak_frac = 0.01;
    s->floor_tau_s = 2.0;
    s->tool_floor_ratio = 6.0;
    s->tool_frac = 0.15;
    s->spike_ratio = 20.0;
    s->stuck_s = 0.25;
    s->lone_ratio = 4.0;
    s->track_gate_mm = 60.0;
    s->track_keep_ratio = 0.5;
    s->lost_s = 0.5;
    s->tip_radius_mm = 20.0;
    s->near_mm = 50.0;
    s->hook_sd_lo = 15.0;
    s->hook_sd_hi = 25.0;
    s->hook_off_lo = 10.0;
    s->hook_off_hi = 25.0;
    s->hook_base_lo = 0.1;
    s->hook_base_hi = 0.25;
    s->hook_contrast_hi = 6.0;
    s->hook_lw_lo = 1.6;
    s->hook_lw_hi = 2.0;
}

const char *sm_side_name(sm_side_t s)
{
    return s == SM_SIDE_RIGHT ? "right" : s == SM_SIDE_LEFT ? "left" : "unknown";
}

const char *sm_tool_seen_name(sm_tool_seen_t t)
{
    return t == SM_SEEN_BALL ? "ball" : t == SM_SEEN_HOOK ? "hip-hook" : NULL;
}

const char *sm_notool_text(sm_notool_t r)
{
    switch (r) {
    case SM_NOTOOL_NONE:
        return "";
    case SM_NOTOOL_EMPTY:
        return "nothing on the mat";
    case SM_NOTOOL_SHARE:
        return "no compact contact carries a tool's share of the weight";
    case SM_NOTOOL_BROAD:
        return "the strongest contact is broader than the tool";
    case SM_NOTOOL_FLAT:
        return "no contact stands out from the body around it";
    case SM_NOTOOL_PEAK:
        return "no contact presses harder than the body's bony contacts";
    case SM_NOTOOL_WEAK:
        return "only weak signs of a tool";
    case SM_NOTOOL_CONFIRM:
        return "a contact looks like the tool: checking that it stays";
    case SM_NOTOOL_SHAPE:
        return "no contact has the Hip Hook's tip and base";
    }
    return "";
}

const char *sm_side_basis(sm_posture_t posture, sm_side_t side)
{
    if (side != SM_SIDE_RIGHT && side != SM_SIDE_LEFT)
        return "";
    if (posture == SM_POSTURE_SIDE)
        return side == SM_SIDE_RIGHT ? "lying on the right side" : "lying on the left side";
    return side == SM_SIDE_RIGHT ? "tool right of the spine" : "tool left of the spine";
}

double sm_contact_tool_radius_mm(const sm_contact_settings_t *s)
{
    if (s->tool == SM_TOOL_HOOK)
        return 12.0; /* the hook's tip: a rounded end about 2.5 cm across */
    double d = s->ball_mm;
    if (!(d >= SM_TOOL_BALL_MM_MIN))
        d = SM_TOOL_BALL_MM_MIN;
    if (d > SM_TOOL_BALL_MM_MAX)
        d = SM_TOOL_BALL_MM_MAX;
    /* Hertz: a = (3 F R / 4 E*)^(1/3); 21 mm for a 10 cm ball of a firm rubber (E* about
     * 1 MPa with the mat's cover) under 200 N; the load range of a pelvis (100-300 N) moves
     * it by -20/+15 %, which the size test allows for. */
    return 21.0 * cbrt(d / 100.0);
}

sm_status sm_contact_create(int rows, int cols, double pitch_mm, const sm_contact_settings_t *s,
                            sm_contact_t **out)
{
    *out = NULL;
    if (rows < 1 || rows > 64 || cols < 1 || cols > 64 || !(pitch_mm > 0.0))
        return SM_ERR_ARG;
    sm_contact_t *ct = calloc(1, sizeof *ct);
    if (!ct)
        return SM_ERR_NOMEM;
    if (s)
        ct->set = *s;
    else
        sm_contact_settings_default(&ct->set);
    ct->rows = rows;
    ct->cols = cols;
    ct->n = rows * cols;
    ct->ncell = (size_t)rows * (size_t)cols;
    ct->pitch = pitch_mm;
    size_t n = (size_t)ct->n;
    ct->in = malloc(n * sizeof *ct->in);
    ct->w = malloc(n * sizeof *ct->w);
    ct->prev = malloc(n * sizeof *ct->prev);
    ct->cnt = malloc(n * sizeof *ct->cnt);
    ct->since = malloc(n * sizeof *ct->since);
    ct->scratch = malloc(n * sizeof *ct->scratch);
    ct->label = malloc(n);
    ct->mark = malloc(n);
    ct->foot = calloc(n, 1);
    ct->stack = malloc(n * sizeof *ct->stack);
    ct->ii = malloc((size_t)(rows + 1) * (size_t)(cols + 1) * sizeof *ct->ii);
    ct->sup = malloc(n * sizeof *ct->sup);
    ct->slow = malloc(n * sizeof *ct->slow);
    ct->wins = malloc((size_t)(rows + 2) * (size_t)(cols + 2) * sizeof *ct->wins);
    if (!ct->in || !ct->w || !ct->prev || !ct->cnt || !ct->since || !ct->scratch || !ct->label ||
        !ct->mark || !ct->foot || !ct->stack || !ct->ii || !ct->sup || !ct->slow || !ct->wins) {
        sm_contact_destroy(ct);
        return SM_ERR_NOMEM;
    }
    sm_contact_reset(ct);
    *out = ct;
    return SM_OK;
}

void sm_contact_destroy(sm_contact_t *ct)
{
    if (!ct)
        return;
    free(ct->in);
    free(ct->w);
    free(ct->prev);
    free(ct->cnt);
    free(ct->since);
    free(ct->scratch);
    free(ct->label);
    free(ct->mark);
    free(ct->foot);
    free(ct->stack);
    free(ct->ii);
    free(ct->sup);
    free(ct->slow);
    free(ct->wins);
    free(ct);
}

void sm_contact_reset(sm_contact_t *ct)
{
    size_t n = (size_t)ct->n;
    memset(ct->label, 0, n);
    memset(ct->w, 0, n * sizeof *ct->w);
    ct->have_floor = 0;
    ct->have_prev = 0;
    ct->floor = 0.0;
    ct->tracking = 0;
    ct->track_id = 0;
    ct->t_seen = -1e9;
    ct->onset = 0;
    ct->cand_since = -1;
    ct->have_slow = 0;
    ct->slow_tot = 0.0;
    memset(ct->slow, 0, n * sizeof *ct->slow);
}

void sm_contact_set_posture(sm_contact_t *ct, sm_posture_t p)
{
    ct->set.posture = p;
}

void sm_contact_set_tool(sm_contact_t *ct, sm_tool_kind_t tool, double ball_mm)
{
    ct->set.tool = tool == SM_TOOL_HOOK || tool == SM_TOOL_AUTO ? tool : SM_TOOL_BALL;
    ct->set.ball_mm = ball_mm > 0 ? ball_mm : SM_TOOL_BALL_MM_DEF;
    ct->set.evidence = 1;
}

const uint8_t *sm_contact_labels(const sm_contact_t *ct)
{
    return ct->label;
}

/* k-th smallest of a[0..n) (reorders a). */
static float select_k(float *a, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float p = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                float t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* The maximum of the up to 8 neighbours of cell (r, c) in v and how many exceed thr; their median
 * too when med is not NULL (a selection, the costly part: most callers need only the first two). */
static void neigh_stats(const float *v, int rows, int cols, int r, int c, float thr, float *mx,
                        int *nloaded, float *med)
{
    float buf[8];
    int k = 0, nl = 0;
    float m = 0.0f;
    for (int dr = -1; dr <= 1; dr++)
        for (int dc = -1; dc <= 1; dc++) {
            int rr = r + dr, cc = c + dc;
            if ((dr == 0 && dc == 0) || rr < 0 || rr >= rows || cc < 0 || cc >= cols)
                continue;
            float x = v[rr * cols + cc];
            buf[k++] = x;
            if (x > m)
                m = x;
            if (x > thr)
                nl++;
        }
    *mx = m;
    *nloaded = nl;
    if (med)
        *med = k ? select_k(buf, k, k / 2) : 0.0f;
}

static void estimate_floor(sm_contact_t *ct, const float *v, double t_s, double peak)
{
    const sm_contact_settings_t *s = &ct->set;
    if (s->noise_floor > 0.0) {
        ct->floor = s->noise_floor;
        ct->have_floor = 1;
        return;
    }
    memcpy(ct->scratch, v, (size_t)ct->n * sizeof *v);
    float q50 = select_k(ct->scratch, ct->n, ct->n / 2);
    float q05 = select_k(ct->scratch, ct->n / 2 + 1, ct->n / 20);
    double f = q50 + s->noise_k * (q50 - q05) + s->floor_peak_frac * peak;
    if (!ct->have_floor) {
        ct->floor = f;
        ct->have_floor = 1;
    } else {
        double dt = t_s - ct->t_prev;
        double a = s->floor_tau_s > 0 ? 1.0 - exp(-(dt > 0 ? dt : 0) / s->floor_tau_s) : 1.0;
        ct->floor += a * (f - ct->floor);
    }
}

/* Replace stuck, dead and spike cells in w by their neighbours' median; label them. */
static void clean_faults(sm_contact_t *ct, const float *raw, double t_s, sm_contact_frame_t *o)
{
    const sm_contact_settings_t *s = &ct->set;
    int rows = ct->rows, cols = ct->cols;
    float fl = (float)ct->floor;
    memcpy(ct->w, raw, (size_t)ct->n * sizeof *raw);
    /* static: the sensor's reading unchanged (its counts when the values are calibrated: a
     * creep correction keeps a stuck cell's kPa drifting) */
    const float *rd = ct->sensor ? ct->sensor : raw;
    for (int i = 0; i < ct->n; i++) {
        if (!ct->have_prev || rd[i] != ct->prev[i])
            ct->since[i] = (float)t_s;
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int i = r * cols + c;
            float v = raw[i];
            int is_static = t_s - ct->since[i] >= s->stuck_s;
            int spike = 0, dead = 0;
            if (v > fl) {
                float mx;
                int nl;
                neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl, NULL);
                /* (with the evidence model, a cell that carries a tool's share of the load
                 * may be a small ball centred on a coarse cell: the share decides) */
                if (v > s->spike_ratio * (mx > fl ? mx : fl) &&
                    !(s->evidence && v >= s->share_lo * ct->rawtot && nl > 0))
                    spike = 1; /* (a ball's footprint, 3.5 cm and more across, always loads a
                                  neighbour of a 25 mm cell: a lone cell is never one) */
                else if (is_static && v > 2.0f * mx)
                    spike = 1; /* static and isolated: stuck */
                if (spike) {
                    if (is_static)
                        o->stuck_cells++;
                    else
                        o->spikes++;
                }
            } else if (is_static) {
                float mx;
                int nl;
                neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl, NULL);
                if (nl >= 6)
                    dead = 1;
                if (dead)
                    o->dead_cells++;
            }
            if (spike || dead) {
                float mx;
                int nl;
                neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl, &ct->w[i]);
                ct->label[i] = SM_CONTACT_FAULT;
            }
        }
    memcpy(ct->prev, rd, (size_t)ct->n * sizeof *rd);
    ct->have_prev = 1;
}

/* Flood fill (8-connected) from seed over cells of w >= thr not yet marked; marks with tag and
 * returns the cell count; sums into the accumulators. */
#define HOOK_PEAK_RATIO 4.0
#define HOOK_LONE_RATIO 12.0

static int flood(sm_contact_t *ct, int seed, float thr, uint8_t tag, double *load, double *sr,
                 double *sc)
{
    int rows = ct->rows, cols = ct->cols, top = 0, count = 0;
    if (ct->mark[seed] || ct->w[seed] < thr)
        return 0;
    ct->mark[seed] = tag;
    ct->stack[top++] = seed;
    while (top) {
        int i = ct->stack[--top];
        int r = i / cols, c = i % cols;
        double v = ct->w[i];
        count++;
        *load += v;
        *sr += v * (r + 0.5);
        *sc += v * (c + 0.5);
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if (rr < 0 || rr >= rows || cc < 0 || cc >= cols)
                    continue;
                int j = rr * cols + cc;
                if (!ct->mark[j] && ct->w[j] >= thr) {
                    ct->mark[j] = tag;
                    ct->stack[top++] = j;
                }
            }
    }
    return count;
}

/* Which tool the footprint around the peak cell shows (see sm_contact_frame_t.tool_seen):
 * flood over the cells at FOOT_FRAC of the peak or more within FOOT_MM of it, then the
 * load-weighted covariance of those cells. Uses ct->stack; leaves ct->mark as it was. */
#define FOOT_FRAC      0.25
#define FOOT_MM        100.0
#define FOOT_HOOK_SD   25.0 /* a 12 cm base spreads 35 mm (uniform), a ball's contact 10-15 */
#define FOOT_HOOK_OFFS 25.0 /* the hook's tip lies 5 cm from the base's middle */
#define HOOK_BASE_BODY 1.5  /* a base cell stands this far above the body around the tool */

typedef struct {
    double sd_mm;     /* load-weighted spread along the long axis */
    double sd2_mm;    /* ... across it */
    double offset_mm; /* the peak cell's distance from the centroid along the long axis */
    double base;      /* load of the cells 2+ cells from the peak cell (the base), share of all */
} foot_t;

/* The footprint: the cells at thr and more connected to seed within FOOT_MM of it; marked 1
 * in mark when not NULL. */
static void foot_stats(sm_contact_t *ct, int seed, float thr, foot_t *fs, uint8_t *mark)
{
    const int rows = ct->rows, cols = ct->cols;
    const double p = ct->pitch;
    if (thr < (float)ct->floor)
        thr = (float)ct->floor;
    int lim = (int)(FOOT_MM / p);
    int r0 = seed / cols, c0 = seed % cols, top = 0, cnt = 0;
    double sw = 0, sr = 0, sc = 0, srr = 0, scc = 0, src = 0, far = 0;
    ct->stack[top++] = seed;
    ct->foot[seed] = 1;
    int seen = 0; /* cells to clear afterwards are ct->stack[0..seen) (kept below top) */
    while (seen < top) {
        int i = ct->stack[seen++];
        int r = i / cols, c = i % cols;
        double v = ct->w[i], y = (r + 0.5) * p, x = (c + 0.5) * p;
        cnt++;
        sw += v;
        sr += v * y;
        sc += v * x;
        srr += v * y * y;
        scc += v * x * x;
        src += v * x * y;
        if (abs(r - r0) >= 2 || abs(c - c0) >= 2)
            far += v;
        for (int dr = -1; dr <= 1; dr++)
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if (rr < 0 || rr >= rows || cc < 0 || cc >= cols || abs(rr - r0) > lim ||
                    abs(cc - c0) > lim)
                    continue;
                int j = rr * cols + cc;
                if (!ct->foot[j] && ct->w[j] >= thr && top < ct->n) {
                    ct->foot[j] = 1;
                    ct->stack[top++] = j;
                }
            }
    }
    for (int k = 0; k < top; k++) {
        ct->foot[ct->stack[k]] = 0;
        if (mark)
            mark[ct->stack[k]] = 1;
    }
    memset(fs, 0, sizeof *fs);
    if (sw > 0 && cnt > 1) {
        double my = sr / sw, mx = sc / sw;
        double vyy = srr / sw - my * my, vxx = scc / sw - mx * mx, vxy = src / sw - mx * my;
        /* the long axis: the larger eigenvalue of the 2x2 covariance and its direction */
        double tr = vxx + vyy, det = vxx * vyy - vxy * vxy;
        double disc = tr * tr / 4 - det;
        double l1 = tr / 2 + sqrt(disc > 0 ? disc : 0), l2 = tr - l1;
        double ex = vxy, ey = l1 - vxx;
        if (fabs(ex) + fabs(ey) < 1e-9) {
            ex = vxx >= vyy ? 1 : 0;
            ey = vxx >= vyy ? 0 : 1;
        }
        double en = sqrt(ex * ex + ey * ey);
        double px = (c0 + 0.5) * p - mx, py = (r0 + 0.5) * p - my;
        fs->sd_mm = sqrt(l1 > 0 ? l1 : 0);
        fs->sd2_mm = sqrt(l2 > 0 ? l2 : 0);
        fs->offset_mm = fabs(px * ex + py * ey) / en;
        fs->base = far / sw;
    }
}

static void footprint(sm_contact_t *ct, sm_contact_frame_t *o, int seed, double tpk)
{
    foot_t fs;
    foot_stats(ct, seed, (float)(FOOT_FRAC * tpk), &fs, NULL);
    o->foot_sd_mm = fs.sd_mm;
    o->foot_offset_mm = fs.offset_mm;
    o->tool_seen = o->foot_sd_mm >= FOOT_HOOK_SD && o->foot_offset_mm >= FOOT_HOOK_OFFS
                       ? SM_SEEN_HOOK
                       : SM_SEEN_BALL;
}

/* The tool's numbers from its marked blob (ct->mark == 1): its position, peak, share, area, the
 * tip around the peak cell and the load near it. One description for every way the tool is
 * found. The position is the load centroid over a disc around the blob that holds all of the
 * tool's footprint (its radius from the blob's area plus a cell; load above the floor fl,
 * tapered over the last cell): each cell integrates the pressure over its area, so the centroid
 * of the whole footprint follows the tool within a few per cent of a cell, where the centroid of
 * the cells above a fraction of the peak jumps by a millimetre or more whenever an edge cell
 * crosses that fraction (the coach would hear it as a wiggle). */
/* The tool's numbers from its cells (ct->mark): load and cnt as read; the centre from br, bc
 * over wl and the disc's size from soft_cnt, both weighted so that a cell crossing the blob's
 * threshold enters or leaves gradually (a cell on the threshold weighs nothing), so the position
 * does not jump by a cell's share when the footprint's edge flickers. */
static void describe_tool(sm_contact_t *ct, sm_contact_frame_t *o, int seed, double tpk, double fl,
                          double load, double wl, double br, double bc, int cnt, double soft_cnt,
                          double tot)
{
    const sm_contact_settings_t *s = &ct->set;
    const int rows = ct->rows, cols = ct->cols;
    const double p = ct->pitch;
    double r0 = wl > 0 ? br / wl : seed / cols + 0.5, c0 = wl > 0 ? bc / wl : seed % cols + 0.5;
    double fr = sqrt(soft_cnt / 3.14159265358979) + 1.0;
    if (fr < 1.5)
        fr = 1.5;
    /* the body's level around the footprint (the ring just outside the disc) is not the tool */
    int ri = (int)ceil(fr + 0.5), nring = 0;
    for (int r = (int)floor(r0) - ri - 1; r <= (int)floor(r0) + ri + 1; r++)
        for (int c = (int)floor(c0) - ri - 1; c <= (int)floor(c0) + ri + 1; c++) {
            double d = hypot(r + 0.5 - r0, c + 0.5 - c0);
            if (r >= 0 && r < rows && c >= 0 && c < cols && d > fr + 0.5 && d <= fr + 1.5 &&
                nring < ct->n)
                ct->scratch[nring++] = ct->w[r * cols + c];
        }
    double bg = nring >= 4 ? select_k(ct->scratch, nring, nring / 2) : 0.0;
    if (bg > fl)
        fl = bg;
    double xl = 0, xr = 0, xc = 0;
    for (int r = (int)floor(r0) - ri; r <= (int)floor(r0) + ri; r++)
        for (int c = (int)floor(c0) - ri; c <= (int)floor(c0) + ri; c++) {
            if (r < 0 || r >= rows || c < 0 || c >= cols)
                continue;
            double v = ct->w[r * cols + c] - fl;
            double d = hypot(r + 0.5 - r0, c + 0.5 - c0);
            double k = d <= fr - 0.5 ? 1.0 : d >= fr + 0.5 ? 0.0 : fr + 0.5 - d;
            if (v <= 0 || k <= 0)
                continue;
            xl += k * v;
            xr += k * v * (r + 0.5);
            xc += k * v * (c + 0.5);
        }
    o->row = xl > 0 ? xr / xl : r0;
    o->col = xl > 0 ? xc / xl : c0;
    o->x_mm = o->col * p;
    o->y_mm = o->row * p;
    o->peak = tpk;
    o->peak_row = seed / cols;
    o->peak_col = seed % cols;
    o->load = load;
    o->share = tot > 0 ? load / tot : 0;
    o->cells = cnt;
    o->area_mm2 = cnt * p * p;
    /* tip: the cells of the blob within tip_radius of the peak cell's centre */
    double rad = s->tip_radius_mm / p;
    int rr = (int)ceil(rad);
    double tl = 0, tr_ = 0, tc = 0;
    for (int dr = -rr; dr <= rr; dr++)
        for (int dc = -rr; dc <= rr; dc++) {
            int r = o->peak_row + dr, c = o->peak_col + dc;
            if (r < 0 || r >= rows || c < 0 || c >= cols || dr * dr + dc * dc > rad * rad)
                continue;
            int i = r * cols + c;
            if (ct->mark[i] != 1)
                continue;
            tl += ct->w[i];
            tr_ += ct->w[i] * (r + 0.5);
            tc += ct->w[i] * (c + 0.5);
        }
    int nr = (int)ceil(s->near_mm / p - 0.5);
    double near = 0;
    for (int r = o->peak_row - nr; r <= o->peak_row + nr; r++)
        for (int c = o->peak_col - nr; c <= o->peak_col + nr; c++)
            if (r >= 0 && r < rows && c >= 0 && c < cols)
                near += ct->w[r * cols + c];
    o->near_load = near;
    o->tip_x_mm = tl > 0 ? tc / tl * p : (o->peak_col + 0.5) * p;
    o->tip_y_mm = tl > 0 ? tr_ / tl * p : (o->peak_row + 0.5) * p;
    footprint(ct, o, seed, tpk);
}

/* The body: loaded cells outside the tool blob (ct->mark), labelled; its outline from cells with
 * 2+ loaded neighbours so a lone noisy cell does not stretch it; its load-weighted midline; and
 * its spread across (body_sigma_mm) when the mat sees a good part of it. One description for
 * both detection paths. */
static void describe_body(sm_contact_t *ct, sm_contact_frame_t *o, float fl)
{
    const int rows = ct->rows, cols = ct->cols;
    const double p = ct->pitch;
    double bl = 0, bcs = 0, bcc = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int i = r * cols + c;
            if (ct->mark[i]) {
                ct->label[i] = SM_CONTACT_TOOL;
                continue;
            }
            if (ct->w[i] <= fl)
                continue;
            if (ct->label[i] != SM_CONTACT_FAULT)
                ct->label[i] = SM_CONTACT_BODY;
            bl += ct->w[i];
            bcs += ct->w[i] * (c + 0.5);
            bcc += ct->w[i] * (c + 0.5) * (c + 0.5);
            float mx;
            int nlo;
            neigh_stats(ct->w, rows, cols, r, c, fl, &mx, &nlo, NULL);
            if (nlo < 2)
                continue;
            if (o->body_r0 < 0) {
                o->body_r0 = o->body_r1 = r;
                o->body_c0 = o->body_c1 = c;
            }
            if (r > o->body_r1)
                o->body_r1 = r;
            if (c < o->body_c0)
                o->body_c0 = c;
            if (c > o->body_c1)
                o->body_c1 = c;
        }
    if (bl > 0 && o->body_r0 >= 0) {
        o->midline_col = bcs / bl;
        o->midline_x_mm = o->midline_col * p;
        double var = bcc / bl - o->midline_col * o->midline_col;
        /* the spread is only meaningful when the mat sees a good part of the body */
        if ((o->body_c1 - o->body_c0 + 1) * p >= 300.0 &&
            (o->body_r1 - o->body_r0 + 1) * p >= 400.0)
            o->body_sigma_mm = sqrt(var > 0 ? var : 0) * p;
    } else {
        o->body_r0 = o->body_r1 = o->body_c0 = o->body_c1 = -1;
    }
}

/* The hottest compact contact, joined to what surrounds it above tool_frac of its peak: the
 * rule before issue 18, used only when `evidence` is 0 (kept for comparison). */
static void process_hottest(sm_contact_t *ct, const float *raw, double t_s, sm_contact_frame_t *o)
{
    const sm_contact_settings_t *s = &ct->set;
    int rows = ct->rows, cols = ct->cols, n = ct->n;
    double p = ct->pitch;
    memset(o, 0, sizeof *o);
    o->t_s = t_s;
    o->body_r0 = o->body_r1 = o->body_c0 = o->body_c1 = -1;
    memset(ct->label, 0, ct->ncell);

    double rawpeak = 0.0;
    for (int i = 0; i < n; i++)
        if (raw[i] > rawpeak)
            rawpeak = raw[i];
    /* The floor from the frame as read; a stuck cell's peak only raises it by 1 % of itself. */
    estimate_floor(ct, raw, t_s, rawpeak);
    clean_faults(ct, raw, t_s, o);
    ct->t_prev = t_s;
    float fl = (float)ct->floor;
    o->floor = ct->floor;

    /* Whole frame: total, CoP, peak, the typical loaded cell. */
    double tot = 0, sr = 0, sc = 0, peak = 0;
    int ipk = -1, nl = 0;
    for (int i = 0; i < n; i++) {
        float v = ct->w[i];
        if (v > peak) {
            peak = v;
            ipk = i;
        }
        if (v <= fl)
            continue;
        nl++;
        tot += v;
        sr += v * (i / cols + 0.5);
        sc += v * (i % cols + 0.5);
    }
    o->total = tot;
    o->loaded_cells = nl;
    o->has_load = nl > 0 && tot > 0;
    if (o->has_load) {
        o->cop_row = sr / tot;
        o->cop_col = sc / tot;
        o->cop_x_mm = o->cop_col * p;
        o->cop_y_mm = o->cop_row * p;
    }

    /* The tool seed: the global peak, unless the tracked tool is still there and strong. */
    int seed = ipk;
    int tracked = ct->tracking && t_s - ct->t_seen <= s->lost_s;
    if (tracked && ipk >= 0) {
        double best = 0;
        int bi = -1;
        double gate = s->track_gate_mm / p;
        double gr = ct->ty_mm / p, gc = ct->tx_mm / p;
        int r0 = (int)floor(gr - gate), r1 = (int)ceil(gr + gate);
        int c0 = (int)floor(gc - gate), c1 = (int)ceil(gc + gate);
        for (int r = r0 < 0 ? 0 : r0; r <= r1 && r < rows; r++)
            for (int c = c0 < 0 ? 0 : c0; c <= c1 && c < cols; c++) {
                double dr = r + 0.5 - gr, dc = c + 0.5 - gc;
                if (dr * dr + dc * dc > gate * gate)
                    continue;
                if (ct->w[r * cols + c] > best) {
                    best = ct->w[r * cols + c];
                    bi = r * cols + c;
                }
            }
        if (bi >= 0 && best >= s->track_keep_ratio * peak)
            seed = bi;
    }

    memset(ct->mark, 0, ct->ncell);
    int present = 0;
    for (int attempt = 0; attempt < 4 && !present && seed >= 0; attempt++) {
        double tpk = ct->w[seed];
        if (!(tpk > fl && tpk >= s->tool_floor_ratio * (fl > 0 ? fl : 0)))
            break;
        float thr = (float)(s->tool_frac * tpk);
        if (thr < fl)
            thr = fl;
        double load = 0, br = 0, bc = 0;
        int cnt = flood(ct, seed, thr, 1, &load, &br, &bc);
        /* A lone cell with little loaded around it, or towering over everything around it,
         * is a fault, not a tool: real tools press into tissue and spread over their
         * neighbours (even a ball centred on a coarse cell gives each about a tenth). Such a
         * cell is replaced like a stuck one and the search goes on. */
        float mx;
        int nlo;
        float med;
        neigh_stats(ct->w, rows, cols, seed / cols, seed % cols, fl, &mx, &nlo, &med);
        int lone = cnt == 1 && (nlo <= 2 || tpk > HOOK_LONE_RATIO * mx);
        /* Concentrated: the peak stands far above the typical loaded cell around it (the
         * body); a tool alone on a small pad has no body around it and passes. */
        int nb = 0;
        for (int i = 0; i < n; i++)
            if (!ct->mark[i] && ct->w[i] > fl)
                ct->scratch[nb++] = ct->w[i];
        double level = nb >= 4 ? select_k(ct->scratch, nb, nb / 2) : 0.0;
        if (!lone && tpk < HOOK_PEAK_RATIO * level) {
            memset(ct->mark, 0, ct->ncell);
            break;
        }
        if (cnt <= 0 || load <= 0 || lone) {
            memset(ct->mark, 0, ct->ncell);
            if (!lone)
                break;
            o->spikes++;
            ct->w[seed] = med;
            ct->label[seed] = SM_CONTACT_FAULT;
            seed = -1;
            double pk = 0;
            for (int i = 0; i < n; i++)
                if (ct->w[i] > pk) {
                    pk = ct->w[i];
                    seed = i;
                }
            continue;
        }
        present = 1;
        describe_tool(ct, o, seed, tpk, fl, load, load, br, bc, cnt, cnt, tot);
    }

    describe_body(ct, o, fl);

    /* Tracking: a new id after an absence or a jump beyond the gate. */
    if (present) {
        double dx = o->x_mm - ct->tx_mm, dy = o->y_mm - ct->ty_mm;
        if (!tracked || dx * dx + dy * dy > s->track_gate_mm * s->track_gate_mm)
            ct->track_id++;
        ct->tracking = 1;
        ct->tx_mm = o->x_mm;
        ct->ty_mm = o->y_mm;
        ct->t_seen = t_s;
        o->present = 1;
        o->confidence = 1.0;
        o->track_id = ct->track_id;
        if (o->body_r0 >= 0) {
            o->tool_offset_mm = o->x_mm - o->midline_x_mm;
            int high = o->tool_offset_mm > 0;
            o->posture = s->posture == SM_POSTURE_PRONE || s->posture == SM_POSTURE_SUPINE
                             ? s->posture
                             : SM_POSTURE_SIDE;
            if (s->posture == SM_POSTURE_PRONE)
                o->side = high ? SM_SIDE_LEFT : SM_SIDE_RIGHT;
            else
                o->side = high ? SM_SIDE_RIGHT : SM_SIDE_LEFT; /* supine; side-lying: front */
        }
    } else {
        o->no_tool = o->has_load ? SM_NOTOOL_FLAT : SM_NOTOOL_EMPTY;
        if (ct->tracking && t_s - ct->t_seen > s->lost_s)
            ct->tracking = 0;
    }
}

static double ramp(double x, double lo, double hi)
{
    if (!(hi > lo))
        return x >= hi ? 1.0 : 0.0;
    double u = (x - lo) / (hi - lo);
    return u < 0 ? 0 : u > 1 ? 1 : u;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

/* One candidate window centred on (r, c), half-width h cells, and what it scores. */
typedef struct {
    int r, c, h;
    sm_tool_kind_t kind; /* the tool model it is judged for */
    int pk;              /* peak cell index */
    double peak, load, share, conf, onset_share;
    double body; /* the body's level around the window (75th percentile of the ring) */
    double s_share, s_size, s_contrast, s_dom, s_shape;
} cand_t;

/* The Hip Hook's footprint threshold: the base is the cells that stand above the body around
 * (body: its level), or at FOOT_FRAC of the tip: a tip pressed hard (the handle) leaves the
 * base far below it. */
static float hook_base_thr(double peak, double body)
{
    double thr = FOOT_FRAC * peak;
    if (body > 0 && HOOK_BASE_BODY * body < thr)
        thr = HOOK_BASE_BODY * body;
    return (float)thr;
}

/* The Hip Hook's shape (0..1): a compact tip with a longer, lighter base beside it. The
 * footprint around the peak (hook_base_thr, within FOOT_MM) spreads along its long axis like
 * the base (a 12 cm base spreads 35 mm; a ball's contact 10-15 mm), the peak lies towards one
 * end of it (the tip 5 cm from the base's middle; a ball's peak is in its middle) or it is
 * clearly longer than wide, and the base away from the peak carries a real part of its load (a
 * lone peak with a faint rim is no base). A body contact can be long, but then the window
 * spill, the contrast or another contact's peak speak against it. */
static double hook_shape(sm_contact_t *ct, const cand_t *k)
{
    const sm_contact_settings_t *s = &ct->set;
    foot_t fs;
    foot_stats(ct, k->pk, hook_base_thr(k->peak, k->body), &fs, NULL);
    /* the tip at one end, or a base clearly longer than wide (12 x 6 cm): on coarse cells a tip
     * split over two cells need not top the base cells */
    double off = ramp(fs.offset_mm, s->hook_off_lo, s->hook_off_hi);
    double lw = fs.sd2_mm > 0 ? ramp(fs.sd_mm / fs.sd2_mm, s->hook_lw_lo, s->hook_lw_hi) : 1.0;
    return ramp(fs.sd_mm, s->hook_sd_lo, s->hook_sd_hi) * (off > lw ? off : lw) *
           ramp(fs.base, s->hook_base_lo, s->hook_base_hi);
}

/* Keeps cell i among the TOP_SUP strongest supported peaks of the frame (ct->top). */
static void keep_top(sm_contact_t *ct, int i)
{
    float v = ct->sup[i];
    if (!(v > 0) || (ct->n_top == TOP_SUP && !(v > ct->sup[ct->top[TOP_SUP - 1]])))
        return;
    int at = ct->n_top < TOP_SUP ? ct->n_top++ : TOP_SUP - 1;
    for (; at > 0 && ct->sup[ct->top[at - 1]] < v; at--)
        ct->top[at] = ct->top[at - 1];
    ct->top[at] = i;
}

/* Dominance: the strongest other contact, the highest supported peak (a peak with a neighbour
 * near it: a lone hot cell is none) at least `clear` cells from (r, c) in either direction
 * (blocks clear of the window; the ring just outside it is the spill test's). From the frame's
 * strongest peaks when one of them is that far, else from every cell. */
static double strongest_other(const sm_contact_t *ct, int r, int c, int clear)
{
    const int cols = ct->cols;
    for (int j = 0; j < ct->n_top; j++) {
        int i = ct->top[j];
        if (imax(abs(i / cols - r), abs(i % cols - c)) >= clear)
            return ct->sup[i];
    }
    if (ct->n_top < TOP_SUP)
        return 0.0; /* every supported peak was near */
    double other = 0;
    for (int rr = 0; rr < ct->rows; rr++)
        for (int cc = 0; cc < cols; cc++)
            if (imax(abs(rr - r), abs(cc - c)) >= clear && ct->sup[rr * cols + cc] > other)
                other = ct->sup[rr * cols + cc];
    return other;
}

static void judge(sm_contact_t *ct, cand_t *k, double tot, float fl)
{
    const sm_contact_settings_t *s = &ct->set;
    const int h = k->h;
    int rows = ct->rows, cols = ct->cols;
    double P = 0.0;
    int pk = -1;
    for (int r = imax(k->r - h, 0); r <= imin(k->r + h, rows - 1); r++)
        for (int c = imax(k->c - h, 0); c <= imin(k->c + h, cols - 1); c++)
            if (ct->w[r * cols + c] > P) {
                P = ct->w[r * cols + c];
                pk = r * cols + c;
            }
    k->pk = pk;
    k->peak = P;
    double thr = s->tool_frac * P > fl ? s->tool_frac * P : fl;
    double load = 0, slow = 0;
    for (int r = imax(k->r - h, 0); r <= imin(k->r + h, rows - 1); r++)
        for (int c = imax(k->c - h, 0); c <= imin(k->c + h, cols - 1); c++)
            if (ct->w[r * cols + c] >= thr && ct->w[r * cols + c] > fl) {
                load += ct->w[r * cols + c];
                slow += ct->slow[r * cols + c];
            }
    k->load = load;
    k->share = tot > 0 ? load / tot : 0;
    /* A peak cell that jumps far above its recent level while the rest of the contact does not
     * is a sensor glitch (real mats show one cell doubling for a frame); a tool arriving lifts
     * its whole contact. Judge such a contact by its recent peak. */
    if (ct->have_slow && pk >= 0 && P > 1.2 * ct->slow[pk] &&
        load - P < 1.2 * (slow - ct->slow[pk])) {
        double p2 = 0;
        for (int r = imax(k->r - h, 0); r <= imin(k->r + h, rows - 1); r++)
            for (int c = imax(k->c - h, 0); c <= imin(k->c + h, cols - 1); c++)
                if (r * cols + c != pk && ct->w[r * cols + c] > p2)
                    p2 = ct->w[r * cols + c];
        double cap = 1.2 * ct->slow[pk] > p2 ? 1.2 * ct->slow[pk] : p2;
        if (P > cap)
            P = cap;
    }
    k->onset_share = ct->slow_tot > 0 ? slow / ct->slow_tot : 0;
    /* spill: the strongest cell just past the window; contrast: the body 1-10 cm beyond it;
     * dominance: the strongest other contact (supported peaks) anywhere past the window */
    int ring = (int)ceil(100.0 / ct->pitch);
    double spill = 0;
    double other = strongest_other(ct, k->r, k->c, h + 2);
    int nr = 0, far = h + 1 + ring;
    const int c0 = imax(k->c - far, 0), c1 = imin(k->c + far, cols - 1);
    float *body = ct->scratch;
    for (int r = imax(k->r - far, 0); r <= imin(k->r + far, rows - 1); r++) {
        /* Along each row, in order: the body left of the window's ring, the ring (and the
         * window), the body right of it. The same cells, in the same order, as asking each
         * cell how far it is. */
        const float *wr = ct->w + r * cols;
        int dr = abs(r - k->r);
        int ring_lo = dr >= h + 2 ? c1 + 1 : imax(k->c - h - 1, c0);
        int ring_hi = dr >= h + 2 ? c1 : imin(k->c + h + 1, c1);
        for (int c = c0; c < ring_lo; c++) { /* no branch: most of these are loaded */
            body[nr] = wr[c];
            nr += wr[c] > fl;
        }
        for (int c = ring_lo; c <= ring_hi; c++)
            if (imax(dr, abs(c - k->c)) == h + 1 && wr[c] > spill)
                spill = wr[c];
        for (int c = ring_hi + 1 > c0 ? ring_hi + 1 : c0; c <= c1; c++) {
            body[nr] = wr[c];
            nr += wr[c] > fl;
        }
    }
    double lvl = nr >= 4 ? select_k(ct->scratch, nr, (3 * nr) / 4) : 0.0;
    k->body = lvl;
    double contrast = lvl > 0 ? P / lvl : s->contrast_hi;
    double dom = other > 0 ? P / other : s->dom_hi;
    /* the body carries the rest: a contact with most of the load is nobody on a tool (on a
     * mat that sees a body's worth of it; a small pad may see little more than the tool) */
    int body_mat = ct->rows * ct->pitch >= 400.0 && ct->cols * ct->pitch >= 300.0;
    k->s_share =
        k->share > s->share_max && body_mat ? 0.0 : ramp(k->share, s->share_lo, s->share_hi);
    /* the hook's base carries most of its load, so its tip stands less far above the body
     * than a ball that carries all of it on a few square centimetres */
    k->s_contrast = ramp(contrast, s->contrast_lo,
                         k->kind == SM_TOOL_HOOK ? s->hook_contrast_hi : s->contrast_hi);
    k->s_dom = ramp(dom, s->dom_lo, s->dom_hi);
    k->s_size = 1.0 - ramp(P > 0 ? spill / P : 1, s->spill_lo, s->spill_hi);
    k->s_shape = k->kind == SM_TOOL_HOOK && k->s_share * k->s_size * k->s_contrast * k->s_dom > 0
                     ? hook_shape(ct, k)
                     : 1.0;
    double g = k->s_share * k->s_size * k->s_contrast * k->s_dom * k->s_shape;
    k->conf = g > 0 ? sqrt(g) : 0.0;
}

static sm_notool_t why_not(const cand_t *k)
{
    double m = k->s_share;
    sm_notool_t r = SM_NOTOOL_SHARE;
    if (k->s_size < m) {
        m = k->s_size;
        r = SM_NOTOOL_BROAD;
    }
    if (k->s_contrast < m) {
        m = k->s_contrast;
        r = SM_NOTOOL_FLAT;
    }
    if (k->s_dom < m) {
        m = k->s_dom;
        r = SM_NOTOOL_PEAK;
    }
    if (k->s_shape < m) {
        m = k->s_shape;
        r = SM_NOTOOL_SHAPE;
    }
    return m > 0.5 ? SM_NOTOOL_WEAK : r;
}

#define MAX_CAND 6

/* Where a candidate is, for following it from frame to frame, mm: the ball's window centre;
 * the hook's tip (its window spans the body around it too and moves with the body's load). */
static void cand_pos(const cand_t *k, int cols, double p, double *x, double *y)
{
    int hook = k->kind == SM_TOOL_HOOK && k->pk >= 0;
    *x = ((hook ? k->pk % cols : k->c) + 0.5) * p;
    *y = ((hook ? k->pk / cols : k->r) + 0.5) * p;
}

/* The window's half-width for a tool model, cells: the ball's contact (1.5 radii), or the Hip
 * Hook's whole footprint (tip and 12 cm base in any direction: 6.5 cm). */
static int window_h(const sm_contact_t *ct, sm_tool_kind_t kind)
{
    sm_contact_settings_t s = ct->set;
    s.tool = kind;
    double a = sm_contact_tool_radius_mm(&s);
    int h = kind == SM_TOOL_HOOK ? (int)ceil(65.0 / ct->pitch - 0.5)
                                 : (int)ceil(1.5 * a / ct->pitch - 0.5);
    return h < 0 ? 0 : h;
}

/* The up to MAX_CAND strongest local maxima of the load in windows of the tool model's size,
 * strongest first, into out; returns how many. Needs the integral image (ct->ii). */
static int find_candidates(sm_contact_t *ct, sm_tool_kind_t kind, double tot, cand_t *cand)
{
    const int rows = ct->rows, cols = ct->cols, h = window_h(ct, kind);
    int nc = 0;
    if (!(tot > 0))
        return 0;
    /* Each window's load once, not once per neighbour asking: the load of the loaded cells in
     * the window (clipped to the mat, once per row and column) from the integral image's four
     * corners. */
    const int pw = cols + 2; /* win has a border that no window beats */
    double *win = ct->wins;
    for (int c = 0; c < pw; c++)
        win[c] = win[(size_t)(rows + 1) * pw + c] = -INFINITY;
    int c_lo[SM_MAX_COLS], c_hi[SM_MAX_COLS];
    for (int c = 0; c < cols; c++)
        c_lo[c] = imax(c - h, 0), c_hi[c] = imin(c + h, cols - 1) + 1;
    const int iw = cols + 1;
    for (int r = 0; r < rows; r++) {
        const double *top = ct->ii + (size_t)imax(r - h, 0) * iw;
        const double *bot = ct->ii + (size_t)(imin(r + h, rows - 1) + 1) * iw;
        double *wr = win + (size_t)(r + 1) * pw + 1;
        wr[-1] = wr[cols] = -INFINITY;
        for (int c = 0; c < cols; c++)
            wr[c] = bot[c_hi[c]] - top[c_hi[c]] - bot[c_lo[c]] + top[c_lo[c]];
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            const double *q = win + (size_t)(r + 1) * pw + c + 1;
            /* the centre itself may be unloaded (a window straddling two cells' gap) */
            double wsum = *q;
            if (!(wsum > 0))
                continue;
            /* a local maximum; ties go to the first in scan order: the neighbours before it
             * must be lower, those after it not higher */
            int is_max = (q[-pw - 1] < wsum) & (q[-pw] < wsum) & (q[-pw + 1] < wsum) &
                         (q[-1] < wsum) & (q[1] <= wsum) & (q[pw - 1] <= wsum) &
                         (q[pw] <= wsum) & (q[pw + 1] <= wsum);
            if (!is_max)
                continue;
            cand_t k;
            memset(&k, 0, sizeof k);
            k.r = r;
            k.c = c;
            k.h = h;
            k.kind = kind;
            k.load = wsum;
            int at;
            if (nc < MAX_CAND)
                at = nc++;
            else if (wsum > cand[MAX_CAND - 1].load)
                at = MAX_CAND - 1;
            else
                continue;
            cand[at] = k;
            for (int j = at; j > 0 && cand[j].load > cand[j - 1].load; j--) {
                cand_t t = cand[j];
                cand[j] = cand[j - 1];
                cand[j - 1] = t;
            }
        }
    return nc;
}

static void process(sm_contact_t *ct, const float *raw, double t_s, sm_contact_frame_t *o)
{
    if (!ct->set.evidence) {
        process_hottest(ct, raw, t_s, o);
        return;
    }
    const sm_contact_settings_t *s = &ct->set;
    int rows = ct->rows, cols = ct->cols, n = ct->n;
    double p = ct->pitch;
    memset(o, 0, sizeof *o);
    o->t_s = t_s;
    o->body_r0 = o->body_r1 = o->body_c0 = o->body_c1 = -1;
    memset(ct->label, 0, ct->ncell);

    double rawpeak = 0.0;
    for (int i = 0; i < n; i++)
        if (raw[i] > rawpeak)
            rawpeak = raw[i];
    /* The floor from the frame as read; a stuck cell's peak only raises it by 1 % of itself. */
    estimate_floor(ct, raw, t_s, rawpeak);
    ct->rawtot = 0;
    for (int i = 0; i < n; i++)
        if (raw[i] > ct->floor)
            ct->rawtot += raw[i];
    clean_faults(ct, raw, t_s, o);
    double dt = ct->have_slow ? t_s - ct->t_prev : 0.0;
    ct->t_prev = t_s;
    float fl = (float)ct->floor;
    o->floor = ct->floor;

    /* Hot cells: one cell far above all eight neighbours that carries less than a tool's share
     * of the load cannot be a tool (a tool that small would have to carry it); a fault. */
    double tot0 = 0;
    for (int i = 0; i < n; i++)
        if (ct->w[i] > fl)
            tot0 += ct->w[i];
    for (int i = 0; i < n; i++) {
        float v = ct->w[i];
        if (v <= fl || ct->label[i] == SM_CONTACT_FAULT)
            continue;
        float mx;
        int nlo;
        neigh_stats(ct->w, rows, cols, i / cols, i % cols, fl, &mx, &nlo, NULL);
        float ref = mx > fl ? mx : fl;
        if (v > s->lone_ratio * ref && v < s->share_lo * tot0) {
            neigh_stats(ct->w, rows, cols, i / cols, i % cols, fl, &mx, &nlo, &ct->w[i]);
            ct->label[i] = SM_CONTACT_FAULT;
            o->spikes++;
        }
    }

    /* Whole frame: total, CoP. */
    double tot = 0, sr = 0, sc = 0;
    int nl = 0;
    for (int i = 0; i < n; i++) {
        float v = ct->w[i];
        if (v <= fl)
            continue;
        nl++;
        tot += v;
        sr += v * (i / cols + 0.5);
        sc += v * (i % cols + 0.5);
    }
    o->total = tot;
    o->loaded_cells = nl;
    o->has_load = nl > 0 && tot > 0;
    if (o->has_load) {
        o->cop_row = sr / tot;
        o->cop_col = sc / tot;
        o->cop_x_mm = o->cop_col * p;
        o->cop_y_mm = o->cop_row * p;
    }

    /* Integral image of the loaded cells and each 3x3 block's second-highest cell. */
    int iw = cols + 1;
    for (int c = 0; c <= cols; c++)
        ct->ii[c] = 0.0;
    for (int r = 0; r < rows; r++) {
        double run = 0.0;
        ct->ii[(r + 1) * iw] = 0.0;
        for (int c = 0; c < cols; c++) {
            float v = ct->w[r * cols + c];
            run += v > fl ? v : 0.0;
            ct->ii[(r + 1) * iw + c + 1] = ct->ii[r * iw + c + 1] + run;
        }
    }
    /* Each 3x3 block's second-highest cell, counting from 0 (a block's two highest with two
     * zeros among them: cells past the mat's edge count as 0, which changes neither). The two
     * highest of a block are the two highest of its three columns' two highest (of three cells
     * each): worked out once per column and row, then merged, pairs at a time, without a
     * branch (the cells are finite, see sm_contact_update). */
    ct->n_top = 0;
    for (int r = 0; r < rows; r++) {
        float col1[SM_MAX_COLS + 2], col2[SM_MAX_COLS + 2];
        const float *up = r > 0 ? ct->w + (r - 1) * cols : ct->zero;
        const float *mid = ct->w + r * cols;
        const float *dn = r + 1 < rows ? ct->w + (r + 1) * cols : ct->zero;
        col1[0] = col2[0] = col1[cols + 1] = col2[cols + 1] = 0.0f;
        for (int c = 0; c < cols; c++) {
            float a = up[c] > 0.0f ? up[c] : 0.0f, b = mid[c] > 0.0f ? mid[c] : 0.0f;
            float d = dn[c] > 0.0f ? dn[c] : 0.0f;
            float hi = a > b ? a : b, lo = a > b ? b : a;
            col1[c + 1] = hi > d ? hi : d;
            float m = hi > d ? d : hi;
            col2[c + 1] = lo > m ? lo : m;
        }
        for (int c = 0; c < cols; c++) {
            float m1 = col1[c], m2 = col2[c];
            for (int k = 1; k <= 2; k++) {
                float y1 = col1[c + k], y2 = col2[c + k];
                float lo1 = m1 > y1 ? y1 : m1, hi2 = m2 > y2 ? m2 : y2;
                m1 = m1 > y1 ? m1 : y1;
                m2 = lo1 > hi2 ? lo1 : hi2;
            }
            ct->sup[r * cols + c] = m2;
        }
        for (int c = 0; c < cols; c++)
            keep_top(ct, r * cols + c);
    }

    /* Candidates: the local maxima of the load in a window of the tool's size, for each tool
     * model: both when the footprint decides, and the hook's for a ball too, so that a Hip
     * Hook under a ball coach is not taken for a ball (below), whatever units the values
     * are in. */
    cand_t cand[2 * MAX_CAND];
    int nc = 0;
    for (int kind = SM_TOOL_BALL; kind <= SM_TOOL_HOOK; kind++) {
        if (s->tool == SM_TOOL_HOOK && kind != SM_TOOL_HOOK)
            continue;
        nc += find_candidates(ct, (sm_tool_kind_t)kind, tot, cand + nc);
    }
    int tracked = ct->tracking && t_s - ct->t_seen <= s->lost_s;
    int best = -1, keep = -1;
    for (int j = 0; j < nc; j++) {
        judge(ct, &cand[j], tot, fl);
        if (!(cand[j].peak > fl && cand[j].peak >= s->tool_floor_ratio * (fl > 0 ? fl : 0)))
            cand[j].conf = 0.0;
        /* load moving onto it while the body was already on the mat */
        int on = ct->have_slow && ct->slow_tot > 0.7 * tot && ct->slow_tot < 1.3 * tot &&
                 cand[j].share >= s->share_lo && cand[j].share >= 1.5 * cand[j].onset_share + 0.02;
        double bonus = on || (tracked && ct->onset) ? s->onset_bonus : 0.0;
        if (cand[j].conf > 0)
            cand[j].conf = cand[j].conf + bonus > 1 ? 1 : cand[j].conf + bonus;
        cand[j].onset_share = on; /* reused: the onset flag */
    }
    /* Either tool: a contact with the Hip Hook's tip and base is not a ball (a ball's contact
     * scores no hook shape, so the other way round needs nothing) */
    for (int j = 0; j < nc; j++)
        for (int q = 0; q < nc && cand[j].kind == SM_TOOL_BALL; q++) {
            const cand_t *hk = &cand[q];
            if (hk->kind != SM_TOOL_HOOK || hk->pk < 0 || cand[j].pk < 0 ||
                abs(cand[j].pk / cols - hk->r) > hk->h || abs(cand[j].pk % cols - hk->c) > hk->h)
                continue;
            cand[j].conf *= 1.0 - hk->s_shape * (hk->conf > 0);
        }
    for (int j = 0; j < nc; j++) /* the hook's candidates only judged the ball's */
        if (s->tool != SM_TOOL_AUTO && (int)s->tool != (int)cand[j].kind)
            cand[j].conf = 0.0;
    for (int j = 0; j < nc; j++) {
        if (best < 0 || cand[j].conf > cand[best].conf)
            best = j;
        if (tracked) {
            double cx, cy;
            cand_pos(&cand[j], cols, p, &cx, &cy);
            double dx = cx - ct->kx_mm, dy = cy - ct->ky_mm;
            if (dx * dx + dy * dy <= s->track_gate_mm * s->track_gate_mm &&
                cand[j].kind == ct->track_kind && cand[j].conf >= s->conf_keep &&
                (keep < 0 || cand[j].conf > cand[keep].conf))
                keep = j;
        }
    }
    /* a new track needs conf_on after an onset (load seen moving onto it), conf_on_cold
     * without one (there from the start, or a body contact changing) */
    int pick = keep >= 0 ? keep
               : best >= 0 && cand[best].conf >=
                                  (cand[best].onset_share > 0 ? s->conf_on : s->conf_on_cold)
                   ? best
                   : -1;
    /* a new track must hold for confirm_s: a one-frame transient (a contact jumping for a
     * moment, a glitch frame) is not a tool settling */
    int confirming = 0;
    if (pick >= 0 && keep < 0) {
        double cx, cy;
        cand_pos(&cand[pick], cols, p, &cx, &cy);
        double dx = cx - ct->cx_mm, dy = cy - ct->cy_mm;
        if (ct->cand_since < 0 || dx * dx + dy * dy > s->track_gate_mm * s->track_gate_mm) {
            ct->cand_since = t_s;
            ct->cx_mm = cx;
            ct->cy_mm = cy;
        }
        if (t_s - ct->cand_since < s->confirm_s) {
            pick = -1;
            confirming = 1;
        }
    } else if (keep < 0) {
        ct->cand_since = -1;
    }
    memset(ct->mark, 0, ct->ncell);
    int present = pick >= 0;
    if (best >= 0) {
        const cand_t *k = &cand[pick >= 0 ? pick : best];
        o->confidence = k->conf;
        o->s_share = k->s_share;
        o->s_size = k->s_size;
        o->s_contrast = k->s_contrast;
        o->s_dom = k->s_dom;
        o->s_shape = k->s_shape;
    }
    o->no_tool = present      ? SM_NOTOOL_NONE
                 : best < 0   ? SM_NOTOOL_EMPTY
                 : confirming ? SM_NOTOOL_CONFIRM
                              : why_not(&cand[best]);
    if (present) {
        const cand_t *k = &cand[pick];
        double tpk = k->peak;
        int seed = k->pk;
        float thr = (float)(s->tool_frac * tpk);
        if (thr < fl)
            thr = fl;
        double load = 0, wl = 0, br = 0, bc = 0, soft = 0;
        int cnt = 0;
        /* the ball: its window; the hook: its footprint (tip and base) */
        const int h = k->h;
        foot_t fs;
        double edge = thr; /* the level a cell enters the blob at */
        if (k->kind == SM_TOOL_HOOK) {
            float bt = hook_base_thr(tpk, k->body);
            edge = bt > fl ? bt : fl;
            foot_stats(ct, seed, bt, &fs, ct->mark);
        }
        /* the hook's whole footprint, wherever its window's centre falls (the window moves
         * by a cell when the load shifts a little; the footprint does not) */
        int hook = k->kind == SM_TOOL_HOOK;
        int ra = hook ? 0 : imax(k->r - h, 0), rb = hook ? rows - 1 : imin(k->r + h, rows - 1);
        int ca = hook ? 0 : imax(k->c - h, 0), cb = hook ? cols - 1 : imin(k->c + h, cols - 1);
        for (int r = ra; r <= rb; r++)
            for (int c = ca; c <= cb; c++) {
                int i = r * cols + c;
                double v = ct->w[i];
                if (hook ? !ct->mark[i] : v < thr || v <= fl)
                    continue;
                ct->mark[i] = 1;
                cnt++;
                load += v;
                double wv = v - edge > 0 ? v - edge : 0;
                wl += wv;
                br += wv * (r + 0.5);
                bc += wv * (c + 0.5);
                soft += edge > 0 && wv < edge ? wv / edge : 1.0;
            }
        if (k->onset_share > 0)
            ct->onset = 1;
        else if (!(tracked && keep == pick))
            ct->onset = 0;
        o->onset = ct->onset;
        o->tool_kind = k->kind;
        cand_pos(k, cols, p, &ct->kx_mm, &ct->ky_mm);
        describe_tool(ct, o, seed, tpk, fl, load, wl, br, bc, cnt, soft, tot);
        /* the model that found it says which tool it is (it judged the shape) */
        o->tool_seen = k->kind == SM_TOOL_HOOK ? SM_SEEN_HOOK : SM_SEEN_BALL;
    }

    /* Recent level of every cell, for the onset test. */
    {
        double al = ct->have_slow && s->onset_tau_s > 0
                        ? 1.0 - exp(-(dt > 0 ? dt : 0) / s->onset_tau_s)
                        : 1.0;
        double st = 0;
        for (int i = 0; i < n; i++) {
            float v = ct->w[i] > fl ? ct->w[i] : 0.0f;
            /* the first frame is the level: never a blend with what was there before */
            ct->slow[i] = ct->have_slow ? ct->slow[i] + (float)(al * (v - ct->slow[i])) : v;
            st += ct->slow[i];
        }
        ct->slow_tot = st;
        ct->have_slow = 1;
    }

    describe_body(ct, o, fl);

    /* Tracking: a new id after an absence or a jump beyond the gate. */
    if (present) {
        double dx = o->x_mm - ct->tx_mm, dy = o->y_mm - ct->ty_mm;
        if (!tracked || dx * dx + dy * dy > s->track_gate_mm * s->track_gate_mm)
            ct->track_id++;
        ct->tracking = 1;
        ct->track_kind = o->tool_kind;
        ct->tx_mm = o->x_mm;
        ct->ty_mm = o->y_mm;
        ct->t_seen = t_s;
        o->present = 1;
        o->track_id = ct->track_id;
        if (o->body_r0 >= 0) {
            o->tool_offset_mm = o->x_mm - o->midline_x_mm;
            int high = o->tool_offset_mm > 0;
            /* one rule for every protocol: side-lying from the pattern, else flat (the hint
             * only tells face up from face down) */
            sm_posture_t pos =
                s->posture == SM_POSTURE_SUPINE ? SM_POSTURE_SUPINE : SM_POSTURE_PRONE;
            if (o->body_sigma_mm > 0 && o->body_sigma_mm < s->side_sigma_mm)
                pos = SM_POSTURE_SIDE;
            /* the Hip Hook is used lying on the side (unless the hint says flat) */
            if (o->tool_kind == SM_TOOL_HOOK && s->posture != SM_POSTURE_PRONE &&
                s->posture != SM_POSTURE_SUPINE)
                pos = SM_POSTURE_SIDE;
            o->posture = pos;
            if (pos == SM_POSTURE_PRONE)
                o->side = high ? SM_SIDE_LEFT : SM_SIDE_RIGHT;
            else
                o->side = high ? SM_SIDE_RIGHT : SM_SIDE_LEFT; /* supine; side-lying: front */
        }
    } else {
        ct->onset = 0;
        if (ct->tracking && t_s - ct->t_seen > s->lost_s)
            ct->tracking = 0;
    }
}

void sm_contact_update(sm_contact_t *ct, const float *cells, double t_s, sm_contact_frame_t *out)
{
    /* Non-finite values read as 0 (copy only when needed: the common case is clean). */
    const float *v = cells;
    for (int i = 0; i < ct->n; i++)
        if (!isfinite(cells[i])) {
            for (int j = 0; j < ct->n; j++)
                ct->in[j] = isfinite(cells[j]) ? cells[j] : 0.0f;
            v = ct->in;
            break;
        }
    process(ct, v, t_s, out);
}

void sm_contact_update_sensor(sm_contact_t *ct, const float *values, const uint16_t *counts,
                              double t_s, sm_contact_frame_t *out)
{
    for (int i = 0; i < ct->n; i++)
        ct->cnt[i] = (float)counts[i];
    ct->sensor = ct->cnt;
    sm_contact_update(ct, values, t_s, out);
    ct->sensor = NULL;
}

void sm_contact_update_u16(sm_contact_t *ct, const uint16_t *cells, double t_s,
                           sm_contact_frame_t *out)
{
    for (int i = 0; i < ct->n; i++)
        ct->in[i] = (float)cells[i];
    process(ct, ct->in, t_s, out);
}
