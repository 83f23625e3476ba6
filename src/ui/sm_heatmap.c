#include "sm_heatmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Hermite weights of one output pixel along one axis: value = w00 * y[k0] + w10 * m[k0] + w01 *
 * y[k1] + w11 * m[k1]. Precomputed per axis because every row (column) uses the same ones. */
typedef struct {
    int k0, k1;
    float w00, w10, w01, w11;
} axis_weight;

struct sm_heatmap {
    int rows, cols, factor; /* geometry of the last upsample */
    int axes_rows, axes_cols, axes_factor;
    axis_weight wx[SM_HEATMAP_MAX_SIDE], wy[SM_HEATMAP_MAX_SIDE];
    float in[SM_MAX_CELLS];                        /* normalised input */
    float mrow[SM_MAX_COLS];                       /* slopes along one row */
    float tmp[SM_MAX_ROWS * SM_HEATMAP_MAX_SIDE];  /* horizontal pass: rows x out_w */
    float mcol[SM_MAX_ROWS * SM_HEATMAP_MAX_SIDE]; /* its slopes along the rows */
    float out[SM_HEATMAP_MAX_SIDE * SM_HEATMAP_MAX_SIDE];
    /* sm_heatmap_render: any output size, so its buffers follow the largest size asked for. */
    int r_rows, r_cols, r_w, r_h; /* geometry of the weights in rwx, rwy */
    int cap_w, cap_h;
    axis_weight *rwx, *rwy; /* cap_w, cap_h */
    float *rtmp, *rmcol;    /* SM_MAX_ROWS x cap_w */
    int32_t *ridx;          /* one output row of LUT indices */
    int r_whole;            /* rtmp and rmcol hold a whole horizontal pass at this geometry */
};

sm_heatmap_t *sm_heatmap_create(void)
{
    return calloc(1, sizeof(sm_heatmap_t));
}

void sm_heatmap_destroy(sm_heatmap_t *h)
{
    if (!h)
        return;
    free(h->rwx);
    free(h->rwy);
    free(h->rtmp);
    free(h->rmcol);
    free(h->ridx);
    free(h);
}

int sm_heatmap_factor(int rows, int cols)
{
    int n = rows > cols ? rows : cols;
    if (n < 1)
        n = 1;
    int f = SM_HEATMAP_MAX_SIDE / n;
    if (f > 16)
        f = 16;
    if (f < 4)
        f = 4;
    return f;
}

/* n cells over n_out pixels. With n_out = n * factor this is exactly (p + 0.5) / factor - 0.5:
 * (p + 0.5) * n and n_out are exact, so both divisions round the same rational number. */
static void axis_weights(axis_weight *w, int n, int n_out)
{
    for (int p = 0; p < n_out; p++) {
        /* Position of the pixel centre in cell-centre coordinates (cell i's centre is at i). */
        double u = (p + 0.5) * n / n_out - 0.5;
        int k;
        double t;
        if (u <= 0.0 || n == 1) {
            k = 0, t = 0.0;
        } else if (u >= n - 1) {
            k = n - 2, t = 1.0;
        } else {
            k = (int)u;
            t = u - k;
        }
        double t2 = t * t, t3 = t2 * t;
        w[p].k0 = k;
        w[p].k1 = k + 1 < n ? k + 1 : n - 1;
        w[p].w00 = (float)(2 * t3 - 3 * t2 + 1);
        w[p].w10 = (float)(t3 - 2 * t2 + t);
        w[p].w01 = (float)(-2 * t3 + 3 * t2);
        w[p].w11 = (float)(t3 - t2);
    }
}

/* Fritsch-Butland slopes for unit spacing: harmonic mean of the neighbouring secants when they
 * agree in sign, else 0 (a local extremum stays an extremum: no overshoot). The ends get slope 0,
 * matching the flat half cell beyond the outermost centres. `stride` walks rows or columns. */
static void pchip_slopes(const float *y, size_t stride, int n, float *m, size_t mstride)
{
    m[0] = 0.0f;
    if (n > 1)
        m[(size_t)(n - 1) * mstride] = 0.0f;
    for (int i = 1; i < n - 1; i++) {
        float d0 = y[(size_t)i * stride] - y[(size_t)(i - 1) * stride];
        float d1 = y[(size_t)(i + 1) * stride] - y[(size_t)i * stride];
        m[(size_t)i * mstride] = d0 * d1 > 0.0f ? 2.0f * d0 * d1 / (d0 + d1) : 0.0f;
    }
}

/* Horizontal pass: each of `rows` input rows to ow samples in tmp (rows x ow), then the slopes
 * down every column of that result into mcol, ready for the vertical pass. */
static void horizontal_pass(const float *in, int rows, int cols, const axis_weight *wx, int ow,
                            float *mrow, float *tmp, float *mcol)
{
    for (int r = 0; r < rows; r++) {
        const float *y = in + (size_t)r * cols;
        float *t = tmp + (size_t)r * ow;
        pchip_slopes(y, 1, cols, mrow, 1);
        for (int p = 0; p < ow; p++) {
            const axis_weight *w = &wx[p];
            t[p] =
                w->w00 * y[w->k0] + w->w10 * mrow[w->k0] + w->w01 * y[w->k1] + w->w11 * mrow[w->k1];
        }
    }
    /* pchip_slopes down every column, a row of columns at a time (contiguous, vectorises). */
    memset(mcol, 0, (size_t)ow * sizeof *mcol);
    if (rows > 1)
        memset(mcol + (size_t)(rows - 1) * ow, 0, (size_t)ow * sizeof *mcol);
    for (int i = 1; i < rows - 1; i++) {
        const float *a = tmp + (size_t)(i - 1) * ow, *b = a + ow, *c = b + ow;
        float *m = mcol + (size_t)i * ow;
        for (int p = 0; p < ow; p++) {
            float d0 = b[p] - a[p], d1 = c[p] - b[p];
            m[p] = d0 * d1 > 0.0f ? 2.0f * d0 * d1 / (d0 + d1) : 0.0f;
        }
    }
}

int sm_heatmap_upsample(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int factor,
                        double scale)
{
    if (!h || !cells || rows < 1 || cols < 1 || rows > SM_MAX_ROWS || cols > SM_MAX_COLS ||
        factor < 1 || factor > 16 || rows * factor > SM_HEATMAP_MAX_SIDE ||
        cols * factor > SM_HEATMAP_MAX_SIDE || !(scale > 0.0) || !isfinite(scale))
        return -1;
    if (h->axes_rows != rows || h->axes_cols != cols || h->axes_factor != factor) {
        axis_weights(h->wx, cols, cols * factor);
        axis_weights(h->wy, rows, rows * factor);
        h->axes_rows = rows, h->axes_cols = cols, h->axes_factor = factor;
    }
    h->rows = rows, h->cols = cols, h->factor = factor;
    const int ow = cols * factor, oh = rows * factor;
    const float inv = (float)(1.0 / scale);

    for (int i = 0; i < rows * cols; i++)
        h->in[i] = cells[i] * inv;
    horizontal_pass(h->in, rows, cols, h->wx, ow, h->mrow, h->tmp, h->mcol);
    /* Vertical pass one output row at a time so the inner loop runs along contiguous memory. */
    for (int q = 0; q < oh; q++) {
        const axis_weight *w = &h->wy[q];
        const float *y0 = h->tmp + (size_t)w->k0 * ow, *y1 = h->tmp + (size_t)w->k1 * ow;
        const float *m0 = h->mcol + (size_t)w->k0 * ow, *m1 = h->mcol + (size_t)w->k1 * ow;
        float *o = h->out + (size_t)q * ow;
        for (int p = 0; p < ow; p++)
            o[p] = w->w00 * y0[p] + w->w10 * m0[p] + w->w01 * y1[p] + w->w11 * m1[p];
    }
    return 0;
}

/* Makes room for out_w x out_h; keeps the old buffers when memory runs out. */
static int reserve(sm_heatmap_t *h, int out_w, int out_h)
{
    if (out_w > h->cap_w) {
        axis_weight *wx = malloc((size_t)out_w * sizeof *wx);
        float *tmp = malloc((size_t)SM_MAX_ROWS * out_w * sizeof *tmp);
        float *mcol = malloc((size_t)SM_MAX_ROWS * out_w * sizeof *mcol);
        int32_t *idx = malloc((size_t)out_w * sizeof *idx);
        if (!wx || !tmp || !mcol || !idx) {
            free(wx), free(tmp), free(mcol), free(idx);
            return -1;
        }
        free(h->rwx), free(h->rtmp), free(h->rmcol), free(h->ridx);
        h->rwx = wx, h->rtmp = tmp, h->rmcol = mcol, h->ridx = idx;
        h->cap_w = out_w;
        h->r_w = 0; /* weights gone with the old buffer */
    }
    if (out_h > h->cap_h) {
        axis_weight *wy = malloc((size_t)out_h * sizeof *wy);
        if (!wy)
            return -1;
        free(h->rwy);
        h->rwy = wy;
        h->cap_h = out_h;
        h->r_h = 0;
    }
    return 0;
}

/* Checks the arguments, makes room and brings the weights and the horizontal pass up to date for
 * cells at out_w x out_h. 0, or -1. */
static int first_at(const axis_weight *w, int n, int k);

/* The pixels [*p0, *p1) of the first run of set bits (intervals) in *bits, which loses them.
 * 0 when no bit is left. */
static int next_run(const sm_heatmap_t *h, int out_w, uint64_t *bits, int *p0, int *p1)
{
    while (*bits) {
        int lo = __builtin_ctzll(*bits), hi = lo;
        while (hi + 1 < 64 && (*bits >> (hi + 1) & 1u))
            hi++;
        *bits &= hi + 1 >= 64 ? 0 : ~0ull << (hi + 1);
        *p0 = first_at(h->rwx, out_w, lo), *p1 = first_at(h->rwx, out_w, hi + 1);
        if (*p1 > *p0)
            return 1;
    }
    return 0;
}

/* The horizontal pass where the intervals in dirty (one row of bits per interval row) need it:
 * an interval row a reads rows a - 1 .. a + 2 of tmp and rows a, a + 1 of the slopes down the
 * columns, each column on its own. The same numbers as horizontal_pass, where computed. */
static void horizontal_some(sm_heatmap_t *h, int rows, int cols, int ow, const uint64_t *dirty)
{
    float *tmp = h->rtmp, *mcol = h->rmcol;
    for (int r = 0; r < rows; r++) {
        uint64_t need = 0;
        for (int a = r - 2 < 0 ? 0 : r - 2; a <= r + 1 && a < rows; a++)
            need |= dirty[a];
        if (!need)
            continue;
        const float *y = h->in + (size_t)r * cols;
        float *t = tmp + (size_t)r * ow;
        pchip_slopes(y, 1, cols, h->mrow, 1);
        int p0, p1;
        while (next_run(h, ow, &need, &p0, &p1))
            for (int p = p0; p < p1; p++) {
                const axis_weight *w = &h->rwx[p];
                t[p] = w->w00 * y[w->k0] + w->w10 * h->mrow[w->k0] + w->w01 * y[w->k1] +
                       w->w11 * h->mrow[w->k1];
            }
    }
    memset(mcol, 0, (size_t)ow * sizeof *mcol);
    if (rows > 1)
        memset(mcol + (size_t)(rows - 1) * ow, 0, (size_t)ow * sizeof *mcol);
    for (int i = 1; i < rows - 1; i++) {
        uint64_t need = dirty[i - 1] | dirty[i];
        const float *a = tmp + (size_t)(i - 1) * ow, *b = a + ow, *c = b + ow;
        float *m = mcol + (size_t)i * ow;
        int p0, p1;
        while (next_run(h, ow, &need, &p0, &p1))
            for (int p = p0; p < p1; p++) {
                float d0 = b[p] - a[p], d1 = c[p] - b[p];
                m[p] = d0 * d1 > 0.0f ? 2.0f * d0 * d1 / (d0 + d1) : 0.0f;
            }
    }
}

/* dirty NULL: the whole horizontal pass; else only where those intervals need it (the buffers
 * must hold a whole pass at this geometry already, h->r_whole). */
static int render_setup(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int out_w,
                        int out_h, double scale, const uint32_t *lut, int lut_n, const void *pixels,
                        int pitch, const uint64_t *dirty)
{
    if (!h || !cells || !lut || !pixels || rows < 1 || cols < 1 || rows > SM_MAX_ROWS ||
        cols > SM_MAX_COLS || out_w < 1 || out_h < 1 || out_w > SM_HEATMAP_MAX_OUT ||
        out_h > SM_HEATMAP_MAX_OUT || lut_n < 1 || pitch < out_w * 4 || !(scale > 0.0) ||
        !isfinite(scale))
        return -1;
    int cap_w = h->cap_w, cap_h = h->cap_h;
    if (reserve(h, out_w, out_h) != 0)
        return -1;
    if (h->cap_w != cap_w || h->cap_h != cap_h)
        h->r_whole = 0;
    if (h->r_cols != cols || h->r_w != out_w) {
        axis_weights(h->rwx, cols, out_w);
        h->r_cols = cols, h->r_w = out_w;
        h->r_whole = 0;
    }
    if (h->r_rows != rows || h->r_h != out_h) {
        axis_weights(h->rwy, rows, out_h);
        h->r_rows = rows, h->r_h = out_h;
        h->r_whole = 0;
    }
    const float inv = (float)(1.0 / scale);
    for (int i = 0; i < rows * cols; i++)
        h->in[i] = cells[i] * inv;
    if (dirty && h->r_whole) {
        horizontal_some(h, rows, cols, out_w, dirty);
    } else {
        horizontal_pass(h->in, rows, cols, h->rwx, out_w, h->mrow, h->rtmp, h->rmcol);
        h->r_whole = 1;
    }
    return 0;
}

/* Output row q, pixels [p0, p1), from the horizontal pass. A row whose weights are the row
 * above's (the outer half cells are flat) copies it: the caller draws the same span there. */
static void render_row(sm_heatmap_t *h, int q, int p0, int p1, int out_w, const uint32_t *lut,
                       int lut_n, void *pixels, int pitch)
{
    const axis_weight *w = &h->rwy[q];
    uint32_t *px = (uint32_t *)((unsigned char *)pixels + (size_t)q * pitch);
    if (q > 0 && memcmp(w, w - 1, sizeof *w) == 0) {
        memcpy(px + p0, (unsigned char *)(px + p0) - pitch, (size_t)(p1 - p0) * sizeof *px);
        return;
    }
    const int ow = out_w;
    const float top = (float)(lut_n - 1);
    const float *y0 = h->rtmp + (size_t)w->k0 * ow, *y1 = h->rtmp + (size_t)w->k1 * ow;
    const float *m0 = h->rmcol + (size_t)w->k0 * ow, *m1 = h->rmcol + (size_t)w->k1 * ow;
    const float w00 = w->w00, w10 = w->w10, w01 = w->w01, w11 = w->w11;
    int32_t *idx = h->ridx;
    /* Same arithmetic as upsample + colorize (so the same pixels at the same size), split in
     * two loops: the first vectorises, the second is the table look-up. */
    for (int p = p0; p < p1; p++) {
        float v = w00 * y0[p] + w10 * m0[p] + w01 * y1[p] + w11 * m1[p];
        float x = v * top + 0.5f;
        x = x > 0.0f ? x : 0.0f;
        x = x < top ? x : top;
        idx[p] = (int32_t)x;
    }
    for (int p = p0; p < p1; p++)
        px[p] = lut[idx[p]];
}

int sm_heatmap_render(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int out_w,
                      int out_h, double scale, const uint32_t *lut, int lut_n, void *pixels,
                      int pitch)
{
    if (render_setup(h, cells, rows, cols, out_w, out_h, scale, lut, lut_n, pixels, pitch, NULL) !=
        0)
        return -1;
    for (int q = 0; q < out_h; q++)
        render_row(h, q, 0, out_w, out_w, lut, lut_n, pixels, pitch);
    return 0;
}

/* First pixel p (of n) whose interval wx[p].k0 is at least k: the intervals grow with p. */
static int first_at(const axis_weight *w, int n, int k)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w[mid].k0 < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds r to the n parts in rects: joined to a part just above it with the same columns, else a
 * part of its own, else (no room) merged into the last. Returns the new count. */
static int add_part(sm_heatmap_rect_t *rects, int n, int max, sm_heatmap_rect_t r)
{
    for (int i = n - 1; i >= 0; i--)
        if (rects[i].x == r.x && rects[i].w == r.w && rects[i].y + rects[i].h == r.y) {
            rects[i].h += r.h;
            return n;
        }
    if (n < max) {
        rects[n] = r;
        return n + 1;
    }
    sm_heatmap_rect_t *last = &rects[n - 1];
    int x0 = last->x < r.x ? last->x : r.x;
    int x1 = last->x + last->w > r.x + r.w ? last->x + last->w : r.x + r.w;
    int y0 = last->y < r.y ? last->y : r.y;
    int y1 = last->y + last->h > r.y + r.h ? last->y + last->h : r.y + r.h;
    *last = (sm_heatmap_rect_t){x0, y0, x1 - x0, y1 - y0};
    return n;
}

int sm_heatmap_render_changed(sm_heatmap_t *h, const uint16_t *cells, const uint16_t *prev,
                              int rows, int cols, int out_w, int out_h, double scale,
                              const uint32_t *lut, int lut_n, void *pixels, int pitch,
                              sm_heatmap_rect_t *rects, int max_rects)
{
    if (!rects || max_rects < 1)
        return -1;
    if (!prev) {
        if (sm_heatmap_render(h, cells, rows, cols, out_w, out_h, scale, lut, lut_n, pixels,
                              pitch) != 0)
            return -1;
        rects[0] = (sm_heatmap_rect_t){0, 0, out_w, out_h};
        return 1;
    }
    /* A pixel between cell centres k0 and k0 + 1 (along each axis) is made from those two cells
     * and their slopes, which look one cell further each way: cells k0 - 1 .. k0 + 2. So a
     * changed cell (r, c) redraws the intervals r - 2 .. r + 1 by c - 2 .. c + 1: one bit per
     * interval, a row of them per interval row (SM_MAX_COLS is 64). */
    uint64_t dirty[SM_MAX_ROWS] = {0};
    int any = 0;
    for (int r = 0; r < rows && rows * cols <= SM_MAX_CELLS; r++)
        for (int c = 0; c < cols; c++) {
            if (cells[r * cols + c] == prev[r * cols + c])
                continue;
            any = 1;
            int c0 = c - 2 < 0 ? 0 : c - 2, c1 = c + 1 < cols ? c + 1 : cols - 1;
            uint64_t bits = (c1 - c0 + 1 >= 64 ? ~0ull : ((1ull << (c1 - c0 + 1)) - 1)) << c0;
            for (int a = r - 2 < 0 ? 0 : r - 2; a <= r + 1 && a < rows; a++)
                dirty[a] |= bits;
        }
    if (!any)
        return 0;
    if (render_setup(h, cells, rows, cols, out_w, out_h, scale, lut, lut_n, pixels, pitch, dirty) !=
        0)
        return -1;
    int n = 0;
    for (int q = 0; q < out_h;) {
        int a = h->rwy[q].k0, q1 = q;
        while (q1 < out_h && h->rwy[q1].k0 == a)
            q1++;
        /* each run of dirty intervals along the interval row: its pixels, then one part */
        uint64_t bits = dirty[a];
        int p0, p1;
        while (next_run(h, out_w, &bits, &p0, &p1)) {
            for (int y = q; y < q1; y++)
                render_row(h, y, p0, p1, out_w, lut, lut_n, pixels, pitch);
            n = add_part(rects, n, max_rects, (sm_heatmap_rect_t){p0, q, p1 - p0, q1 - q});
        }
        q = q1;
    }
    return n;
}

const float *sm_heatmap_values(const sm_heatmap_t *h, int *out_w, int *out_h)
{
    *out_w = h->cols * h->factor;
    *out_h = h->rows * h->factor;
    return h->out;
}

void sm_heatmap_colorize(const sm_heatmap_t *h, const uint32_t *lut, int lut_n, void *pixels,
                         int pitch)
{
    const int ow = h->cols * h->factor, oh = h->rows * h->factor;
    const float top = (float)(lut_n - 1);
    for (int q = 0; q < oh; q++) {
        const float *v = h->out + (size_t)q * ow;
        uint32_t *px = (uint32_t *)((unsigned char *)pixels + (size_t)q * pitch);
        for (int p = 0; p < ow; p++) {
            float x = v[p] * top + 0.5f;
            /* Written so NaN lands on 0: comparisons with NaN are false. */
            int i = x > 0.0f ? (x < top ? (int)x : lut_n - 1) : 0;
            px[p] = lut[i];
        }
    }
}
