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
};

sm_heatmap_t *sm_heatmap_create(void)
{
    return calloc(1, sizeof(sm_heatmap_t));
}

void sm_heatmap_destroy(sm_heatmap_t *h)
{
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

static void axis_weights(axis_weight *w, int n, int factor)
{
    for (int p = 0; p < n * factor; p++) {
        /* Position of the pixel centre in cell-centre coordinates (cell i's centre is at i). */
        double u = (p + 0.5) / factor - 0.5;
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

int sm_heatmap_upsample(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int factor,
                        double scale)
{
    if (!h || !cells || rows < 1 || cols < 1 || rows > SM_MAX_ROWS || cols > SM_MAX_COLS ||
        factor < 1 || factor > 16 || rows * factor > SM_HEATMAP_MAX_SIDE ||
        cols * factor > SM_HEATMAP_MAX_SIDE || !(scale > 0.0) || !isfinite(scale))
        return -1;
    if (h->axes_rows != rows || h->axes_cols != cols || h->axes_factor != factor) {
        axis_weights(h->wx, cols, factor);
        axis_weights(h->wy, rows, factor);
        h->axes_rows = rows, h->axes_cols = cols, h->axes_factor = factor;
    }
    h->rows = rows, h->cols = cols, h->factor = factor;
    const int ow = cols * factor, oh = rows * factor;
    const float inv = (float)(1.0 / scale);

    for (int i = 0; i < rows * cols; i++)
        h->in[i] = cells[i] * inv;

    /* Horizontal pass: each input row to ow samples. */
    for (int r = 0; r < rows; r++) {
        const float *y = h->in + (size_t)r * cols;
        float *t = h->tmp + (size_t)r * ow;
        pchip_slopes(y, 1, cols, h->mrow, 1);
        for (int p = 0; p < ow; p++) {
            const axis_weight *w = &h->wx[p];
            t[p] = w->w00 * y[w->k0] + w->w10 * h->mrow[w->k0] + w->w01 * y[w->k1] +
                   w->w11 * h->mrow[w->k1];
        }
    }
    /* Vertical pass: slopes down every column of the horizontal result, then one output row at a
     * time so the inner loop runs along contiguous memory. */
    for (int p = 0; p < ow; p++)
        pchip_slopes(h->tmp + p, (size_t)ow, rows, h->mcol + p, (size_t)ow);
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
