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

int sm_heatmap_render(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int out_w,
                      int out_h, double scale, const uint32_t *lut, int lut_n, void *pixels,
                      int pitch)
{
    if (!h || !cells || !lut || !pixels || rows < 1 || cols < 1 || rows > SM_MAX_ROWS ||
        cols > SM_MAX_COLS || out_w < 1 || out_h < 1 || out_w > SM_HEATMAP_MAX_OUT ||
        out_h > SM_HEATMAP_MAX_OUT || lut_n < 1 || pitch < out_w * 4 || !(scale > 0.0) ||
        !isfinite(scale))
        return -1;
    if (reserve(h, out_w, out_h) != 0)
        return -1;
    if (h->r_cols != cols || h->r_w != out_w) {
        axis_weights(h->rwx, cols, out_w);
        h->r_cols = cols, h->r_w = out_w;
    }
    if (h->r_rows != rows || h->r_h != out_h) {
        axis_weights(h->rwy, rows, out_h);
        h->r_rows = rows, h->r_h = out_h;
    }
    const float inv = (float)(1.0 / scale), top = (float)(lut_n - 1);
    for (int i = 0; i < rows * cols; i++)
        h->in[i] = cells[i] * inv;
    const int ow = out_w;
    horizontal_pass(h->in, rows, cols, h->rwx, ow, h->mrow, h->rtmp, h->rmcol);

    int32_t *idx = h->ridx;
    for (int q = 0; q < out_h; q++) {
        const axis_weight *w = &h->rwy[q];
        uint32_t *px = (uint32_t *)((unsigned char *)pixels + (size_t)q * pitch);
        /* The outer half cells are flat: their rows repeat the one above. */
        if (q > 0 && memcmp(w, w - 1, sizeof *w) == 0) {
            memcpy(px, (unsigned char *)px - pitch, (size_t)ow * sizeof *px);
            continue;
        }
        const float *y0 = h->rtmp + (size_t)w->k0 * ow, *y1 = h->rtmp + (size_t)w->k1 * ow;
        const float *m0 = h->rmcol + (size_t)w->k0 * ow, *m1 = h->rmcol + (size_t)w->k1 * ow;
        const float w00 = w->w00, w10 = w->w10, w01 = w->w01, w11 = w->w11;
        /* Same arithmetic as upsample + colorize (so the same pixels at the same size), split in
         * two loops: the first vectorises, the second is the table look-up. */
        for (int p = 0; p < ow; p++) {
            float v = w00 * y0[p] + w10 * m0[p] + w01 * y1[p] + w11 * m1[p];
            float x = v * top + 0.5f;
            x = x > 0.0f ? x : 0.0f;
            x = x < top ? x : top;
            idx[p] = (int32_t)x;
        }
        for (int p = 0; p < ow; p++)
            px[p] = lut[idx[p]];
    }
    return 0;
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
