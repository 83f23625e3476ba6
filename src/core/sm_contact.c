#include "sm_contact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sm_contact {
    sm_contact_settings_t set;
    int rows, cols, n;
    size_t ncell; /* rows * cols, for sizes */
    double pitch;
    float *in;      /* u16 conversion buffer */
    float *w;       /* cleaned frame */
    float *prev;    /* last raw frame, for the static-cell test */
    float *since;   /* session time the cell last changed */
    float *scratch; /* quickselect */
    uint8_t *label; /* SM_CONTACT_* */
    uint8_t *mark;  /* flood fill visited */
    int *stack;     /* flood fill */
    double floor;   /* smoothed estimate */
    int have_floor; /* floor initialised */
    int have_prev;
    double t_prev;
    /* track */
    int tracking;
    uint32_t track_id;
    double tx_mm, ty_mm; /* last tool position */
    double t_seen;       /* last time the tool was present */
};

void sm_contact_settings_default(sm_contact_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->posture = SM_POSTURE_PRONE;
    s->noise_floor = 0.0;
    s->noise_k = 4.0;
    s->floor_peak_frac = 0.01;
    s->floor_tau_s = 2.0;
    s->tool_peak_ratio = 4.0;
    s->tool_floor_ratio = 6.0;
    s->tool_frac = 0.15;
    s->spike_ratio = 20.0;
    s->stuck_s = 0.25;
    s->lone_ratio = 12.0;
    s->track_gate_mm = 60.0;
    s->track_keep_ratio = 0.5;
    s->lost_s = 0.5;
    s->tip_radius_mm = 20.0;
    s->near_mm = 50.0;
}

const char *sm_side_name(sm_side_t s)
{
    return s == SM_SIDE_RIGHT ? "right" : s == SM_SIDE_LEFT ? "left" : "unknown";
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
    ct->since = malloc(n * sizeof *ct->since);
    ct->scratch = malloc(n * sizeof *ct->scratch);
    ct->label = malloc(n);
    ct->mark = malloc(n);
    ct->stack = malloc(n * sizeof *ct->stack);
    if (!ct->in || !ct->w || !ct->prev || !ct->since || !ct->scratch || !ct->label || !ct->mark ||
        !ct->stack) {
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
    free(ct->since);
    free(ct->scratch);
    free(ct->label);
    free(ct->mark);
    free(ct->stack);
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
}

void sm_contact_set_posture(sm_contact_t *ct, sm_posture_t p)
{
    ct->set.posture = p;
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

/* Median of the up to 8 neighbours of cell (r, c) in v, and their maximum / how many exceed thr. */
static float neigh_stats(const float *v, int rows, int cols, int r, int c, float thr, float *mx,
                         int *nloaded)
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
    return k ? select_k(buf, k, k / 2) : 0.0f;
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
    for (int i = 0; i < ct->n; i++) {
        if (!ct->have_prev || raw[i] != ct->prev[i])
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
                float med = neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl);
                (void)med;
                if (v > s->spike_ratio * (mx > fl ? mx : fl))
                    spike = 1;
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
                (void)neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl);
                if (nl >= 6)
                    dead = 1;
                if (dead)
                    o->dead_cells++;
            }
            if (spike || dead) {
                float mx;
                int nl;
                ct->w[i] = neigh_stats(raw, rows, cols, r, c, fl, &mx, &nl);
                ct->label[i] = SM_CONTACT_FAULT;
            }
        }
    memcpy(ct->prev, raw, (size_t)ct->n * sizeof *raw);
    ct->have_prev = 1;
}

/* Flood fill (8-connected) from seed over cells of w >= thr not yet marked; marks with tag and
 * returns the cell count; sums into the accumulators. */
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

static void process(sm_contact_t *ct, const float *raw, double t_s, sm_contact_frame_t *o)
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
        float med = neigh_stats(ct->w, rows, cols, seed / cols, seed % cols, fl, &mx, &nlo);
        int lone = cnt == 1 && (nlo <= 2 || tpk > s->lone_ratio * mx);
        /* Concentrated: the peak stands far above the typical loaded cell around it (the
         * body); a tool alone on a small pad has no body around it and passes. */
        int nb = 0;
        for (int i = 0; i < n; i++)
            if (!ct->mark[i] && ct->w[i] > fl)
                ct->scratch[nb++] = ct->w[i];
        double level = nb >= 4 ? select_k(ct->scratch, nb, nb / 2) : 0.0;
        if (!lone && tpk < s->tool_peak_ratio * level) {
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
        o->row = br / load;
        o->col = bc / load;
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
    }

    /* Body: loaded cells outside the tool blob; outline from cells with 2+ loaded neighbours so
     * a lone noisy cell does not stretch it. */
    double bl = 0, bcs = 0;
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
            float mx;
            int nlo;
            (void)neigh_stats(ct->w, rows, cols, r, c, fl, &mx, &nlo);
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
    } else {
        o->body_r0 = o->body_r1 = o->body_c0 = o->body_c1 = -1;
    }

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
        o->track_id = ct->track_id;
        if (o->body_r0 >= 0) {
            o->tool_offset_mm = o->x_mm - o->midline_x_mm;
            int high = o->tool_offset_mm > 0;
            if (s->posture == SM_POSTURE_PRONE)
                o->side = high ? SM_SIDE_LEFT : SM_SIDE_RIGHT;
            else
                o->side = high ? SM_SIDE_RIGHT : SM_SIDE_LEFT; /* supine; side-lying: front */
        }
    } else if (ct->tracking && t_s - ct->t_seen > s->lost_s) {
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

void sm_contact_update_u16(sm_contact_t *ct, const uint16_t *cells, double t_s,
                           sm_contact_frame_t *out)
{
    for (int i = 0; i < ct->n; i++)
        ct->in[i] = (float)cells[i];
    process(ct, ct->in, t_s, out);
}
