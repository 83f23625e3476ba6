/* The heatmap upscaler and the colour scale: values pass through the cell centres, never
 * overshoot (no false peaks, no dark rings), and the colour table is viridis. The picture made
 * straight at its size on screen looks like the fixed-factor one scaled there by the display. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include <SDL.h>

#include "sm_colormap.h"
#include "sm_heatmap.h"

static uint16_t cells[SM_MAX_CELLS];

/* Value at the output pixel whose centre is cell (r, c)'s centre; needs an odd factor. */
static float at_centre(const sm_heatmap_t *h, int factor, int r, int c)
{
    int w, hh;
    const float *v = sm_heatmap_values(h, &w, &hh);
    int x = c * factor + factor / 2, y = r * factor + factor / 2;
    return v[(size_t)y * w + x];
}

static void test_factor_table(void **state)
{
    (void)state;
    static const struct {
        int rows, cols, want;
    } t[] = {
        {1, 1, 16},   {16, 16, 16}, {32, 24, 16}, {24, 32, 16}, {33, 10, 15},
        {48, 48, 10}, {64, 32, 8},  {64, 64, 8},  {0, 0, 16},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int f = sm_heatmap_factor(t[i].rows, t[i].cols);
        assert_int_equal(f, t[i].want);
        int n = t[i].rows > t[i].cols ? t[i].rows : t[i].cols;
        assert_true(n * f <= SM_HEATMAP_MAX_SIDE);
    }
}

static void test_exact_at_cell_centres(void **state)
{
    (void)state;
    sm_heatmap_t *h = sm_heatmap_create();
    assert_non_null(h);
    uint64_t seed = 7;
    const int rows = 20, cols = 13, factor = 9;
    for (int i = 0; i < rows * cols; i++)
        cells[i] = (uint16_t)(ts_rand(&seed) % 1024);
    assert_int_equal(sm_heatmap_upsample(h, cells, rows, cols, factor, 1023.0), 0);
    int w, hh;
    sm_heatmap_values(h, &w, &hh);
    assert_int_equal(w, cols * factor);
    assert_int_equal(hh, rows * factor);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            assert_float_equal(at_centre(h, factor, r, c), cells[r * cols + c] / 1023.0, 1e-5);
    sm_heatmap_destroy(h);
}

/* Random frames with sharp features: every output value lies within the input's range, and
 * within the range of the 2x2 block of cells around it (no ringing next to a hot cell). */
static void test_no_overshoot(void **state)
{
    (void)state;
    sm_heatmap_t *h = sm_heatmap_create();
    uint64_t seed = 99;
    for (int round = 0; round < 20; round++) {
        int rows = 1 + (int)(ts_rand(&seed) % 40), cols = 1 + (int)(ts_rand(&seed) % 40);
        int factor = sm_heatmap_factor(rows, cols);
        for (int i = 0; i < rows * cols; i++)
            cells[i] = (ts_rand(&seed) % 3 == 0) ? (uint16_t)(ts_rand(&seed) % 1024) : 0;
        assert_int_equal(sm_heatmap_upsample(h, cells, rows, cols, factor, 1023.0), 0);
        int w, hh;
        const float *v = sm_heatmap_values(h, &w, &hh);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < w; x++) {
                /* the 2x2 neighbourhood of cell centres around this pixel */
                double u = (x + 0.5) / factor - 0.5, t = (y + 0.5) / factor - 0.5;
                int c0 = (int)floor(u), r0 = (int)floor(t);
                float lo = 2, hi = -1;
                for (int dr = 0; dr <= 1; dr++)
                    for (int dc = 0; dc <= 1; dc++) {
                        int r = r0 + dr < 0 ? 0 : r0 + dr >= rows ? rows - 1 : r0 + dr;
                        int c = c0 + dc < 0 ? 0 : c0 + dc >= cols ? cols - 1 : c0 + dc;
                        float cv = cells[r * cols + c] / 1023.0f;
                        lo = cv < lo ? cv : lo;
                        hi = cv > hi ? cv : hi;
                    }
                float val = v[(size_t)y * w + x];
                if (val < lo - 1e-5f || val > hi + 1e-5f)
                    fail_msg("%dx%d f%d: pixel (%d,%d) = %f outside [%f, %f]", rows, cols, factor,
                             x, y, val, lo, hi);
            }
    }
    sm_heatmap_destroy(h);
}

/* One hot cell is a round, symmetric blob peaking at that cell, reaching zero one cell away. */
static void test_single_cell_blob(void **state)
{
    (void)state;
    sm_heatmap_t *h = sm_heatmap_create();
    memset(cells, 0, sizeof cells);
    const int n = 9, factor = 11;
    cells[4 * n + 4] = 1000;
    assert_int_equal(sm_heatmap_upsample(h, cells, n, n, factor, 1000.0), 0);
    int w, hh;
    const float *v = sm_heatmap_values(h, &w, &hh);
    int cx = 4 * factor + factor / 2;
    assert_float_equal(v[(size_t)cx * w + cx], 1.0, 1e-6);
    for (int d = 1; d < factor; d++) {
        float right = v[(size_t)cx * w + cx + d], left = v[(size_t)cx * w + cx - d];
        float down = v[(size_t)(cx + d) * w + cx];
        assert_float_equal(right, left, 1e-5);
        assert_float_equal(right, down, 1e-5);
        assert_true(right <= v[(size_t)cx * w + cx + d - 1] + 1e-6); /* falls off monotonically */
    }
    assert_float_equal(v[(size_t)cx * w + cx + factor], 0.0, 1e-6);
    sm_heatmap_destroy(h);
}

static void test_colorize_uses_lut(void **state)
{
    (void)state;
    sm_heatmap_t *h = sm_heatmap_create();
    const int rows = 2, cols = 3;
    uint16_t in[6] = {0, 500, 1000, 2000, 250, 750};
    assert_int_equal(sm_heatmap_upsample(h, in, rows, cols, 1, 1000.0), 0);
    uint32_t lut[5] = {10, 11, 12, 13, 14};
    uint32_t px[2][4];
    memset(px, 0xff, sizeof px);
    sm_heatmap_colorize(h, lut, 5, px, (int)sizeof px[0]);
    /* factor 1: outputs are the cells; above scale clamps to the top entry */
    assert_int_equal(px[0][0], 10);
    assert_int_equal(px[0][1], 12);
    assert_int_equal(px[0][2], 14);
    assert_int_equal(px[1][0], 14);
    assert_int_equal(px[1][1], 11);
    assert_int_equal(px[1][2], 13);
    assert_int_equal(px[0][3], 0xffffffffu); /* nothing written past the row */
    sm_heatmap_destroy(h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    sm_heatmap_t *h = sm_heatmap_create();
    assert_int_equal(sm_heatmap_upsample(h, cells, 0, 4, 4, 1.0), -1);
    assert_int_equal(sm_heatmap_upsample(h, cells, 65, 4, 4, 1.0), -1);
    assert_int_equal(sm_heatmap_upsample(h, cells, 4, 4, 0, 1.0), -1);
    assert_int_equal(sm_heatmap_upsample(h, cells, 64, 64, 16, 1.0), -1); /* too big a picture */
    assert_int_equal(sm_heatmap_upsample(h, cells, 4, 4, 4, 0.0), -1);
    assert_int_equal(sm_heatmap_upsample(h, cells, 4, 4, 4, NAN), -1);
    assert_int_equal(sm_heatmap_upsample(NULL, cells, 4, 4, 4, 1.0), -1);
    sm_heatmap_destroy(h);
    sm_heatmap_destroy(NULL);
}

/* ---- sm_heatmap_render: straight to the size on screen ---------------------------------- */

#define LUT_N 1024

/* The live view's colour table: viridis, faded into the mat's colour below 2-4 % of the scale
 * (the fade is where the picture has its sharpest colour edges). */
static void view_lut(uint32_t *lut)
{
    static const int mat[3] = {27, 30, 38};
    for (int i = 0; i < LUT_N; i++) {
        double t = (double)i / (LUT_N - 1), s = (t - 0.02) / 0.02;
        s = s < 0 ? 0 : s > 1 ? 1 : s;
        double a = s * s * (3 - 2 * s);
        unsigned char rgb[3];
        sm_colormap_rgb(t, rgb);
        uint32_t px = 0xFF000000u;
        for (int k = 0; k < 3; k++)
            px |= (uint32_t)floor(mat[k] + (rgb[k] - mat[k]) * a + 0.5) << (16 - 8 * k);
        lut[i] = px;
    }
}

/* A person-like frame: soft blobs of several sizes, a saturated cell, a lone hot cell. */
static void person(uint16_t *out, int rows, int cols)
{
    static const double blob[][4] = {/* row, col (fractions), radius (cells), peak */
                                     {0.25, 0.5, 3.5, 300},
                                     {0.6, 0.4, 1.8, 700},
                                     {0.65, 0.65, 2.5, 250},
                                     {0.15, 0.1, 1.0, 1023}};
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double v = 0;
            for (size_t b = 0; b < sizeof blob / sizeof blob[0]; b++) {
                double dr = r - blob[b][0] * rows, dc = c - blob[b][1] * cols;
                v += blob[b][3] * exp(-(dr * dr + dc * dc) / (blob[b][2] * blob[b][2]));
            }
            out[r * cols + c] = (uint16_t)(v > 1023 ? 1023 : v);
        }
    if (rows >= 2 && cols >= 3)
        out[(rows - 2) * cols + cols - 3] = 900;
}

/* At out = cells x factor the pixels are exactly sm_heatmap_upsample + sm_heatmap_colorize, and
 * nothing is written past out_w in a row (the texture's pitch may be wider). */
static void test_render_equals_upsample_at_native_size(void **state)
{
    (void)state;
    static const int geo[][2] = {{32, 24}, {24, 32}, {16, 16}, {1, 5}, {5, 1}, {64, 64}, {7, 3}};
    static uint32_t lut[LUT_N];
    view_lut(lut);
    sm_heatmap_t *h = sm_heatmap_create();
    for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        int rows = geo[g][0], cols = geo[g][1], k = sm_heatmap_factor(rows, cols);
        int w = cols * k, hh = rows * k, stride = w + 3;
        person(cells, rows, cols);
        uint32_t *want = malloc((size_t)w * hh * 4), *got = malloc((size_t)stride * hh * 4);
        assert_non_null(want);
        assert_non_null(got);
        assert_int_equal(sm_heatmap_upsample(h, cells, rows, cols, k, 1023.0), 0);
        sm_heatmap_colorize(h, lut, LUT_N, want, w * 4);
        memset(got, 0xAB, (size_t)stride * hh * 4);
        assert_int_equal(
            sm_heatmap_render(h, cells, rows, cols, w, hh, 1023.0, lut, LUT_N, got, stride * 4), 0);
        for (int y = 0; y < hh; y++) {
            assert_memory_equal(got + (size_t)y * stride, want + (size_t)y * w, (size_t)w * 4);
            for (int x = w; x < stride; x++)
                assert_int_equal(got[(size_t)y * stride + x], 0xABABABABu);
        }
        free(want);
        free(got);
    }
    sm_heatmap_destroy(h);
}

typedef struct {
    double mean;  /* mean absolute difference per channel, 0-255 */
    double over8; /* fraction of pixels with a channel more than 8 apart */
    int max;      /* largest channel difference */
} diff_t;

static diff_t compare(const SDL_Surface *a, const SDL_Surface *b)
{
    diff_t d = {0, 0, 0};
    long over = 0;
    for (int y = 0; y < a->h; y++) {
        const uint32_t *pa = (const uint32_t *)((const unsigned char *)a->pixels + y * a->pitch);
        const uint32_t *pb = (const uint32_t *)((const unsigned char *)b->pixels + y * b->pitch);
        for (int x = 0; x < a->w; x++) {
            int m = 0;
            for (int k = 0; k < 24; k += 8) {
                int e = abs((int)(pa[x] >> k & 255) - (int)(pb[x] >> k & 255));
                d.mean += e;
                m = e > m ? e : m;
            }
            over += m > 8;
            d.max = m > d.max ? m : d.max;
        }
    }
    d.mean /= 3.0 * a->w * a->h;
    d.over8 = (double)over / ((double)a->w * a->h);
    return d;
}

/* The view used to colour the frame at sm_heatmap_factor pixels a cell and let the renderer
 * scale that texture to the map with linear filtering; now it colours the frame at the map's
 * own size. At the map sizes of common windows (and one smaller than the old texture) the two
 * must look the same: tiny differences only, at the sharp edge where the colour scale fades
 * into the background (measured: mean 0.03-0.27 levels, 0.02-0.05 % of pixels more than 8
 * levels off, at most 25). The same picture one pixel to the side fails these bounds. */
static void test_render_looks_like_scaled_texture(void **state)
{
    (void)state;
    static const int geo[][4] = {
        /* rows, cols, map w, map h: 1280x800, 1920x1080, 2560x1440, 640x480 windows */
        {32, 24, 516, 688}, {32, 24, 699, 932}, {32, 24, 1044, 1392},
        {32, 24, 255, 340}, {16, 16, 333, 333}, {64, 64, 700, 700},
    };
    static uint32_t lut[LUT_N];
    view_lut(lut);
    sm_heatmap_t *h = sm_heatmap_create();
    for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        int rows = geo[g][0], cols = geo[g][1], w = geo[g][2], hh = geo[g][3];
        int k = sm_heatmap_factor(rows, cols);
        person(cells, rows, cols);
        SDL_Surface *tex =
            SDL_CreateRGBSurfaceWithFormat(0, cols * k, rows * k, 32, SDL_PIXELFORMAT_ARGB8888);
        SDL_Surface *old = SDL_CreateRGBSurfaceWithFormat(0, w, hh, 32, SDL_PIXELFORMAT_ARGB8888);
        SDL_Surface *now = SDL_CreateRGBSurfaceWithFormat(0, w, hh, 32, SDL_PIXELFORMAT_ARGB8888);
        SDL_Surface *shifted =
            SDL_CreateRGBSurfaceWithFormat(0, w, hh, 32, SDL_PIXELFORMAT_ARGB8888);
        assert_true(tex && old && now && shifted);
        assert_int_equal(sm_heatmap_upsample(h, cells, rows, cols, k, 1023.0), 0);
        sm_heatmap_colorize(h, lut, LUT_N, tex->pixels, tex->pitch);
        assert_int_equal(SDL_SoftStretchLinear(tex, NULL, old, NULL), 0);
        assert_int_equal(sm_heatmap_render(h, cells, rows, cols, w, hh, 1023.0, lut, LUT_N,
                                           now->pixels, now->pitch),
                         0);
        diff_t d = compare(old, now);
        print_message("%dx%d cells at %dx%d: mean %.3f, >8 %.4f %%, max %d\n", rows, cols, w, hh,
                      d.mean, 100 * d.over8, d.max);
        assert_true(d.mean < 0.4);
        assert_true(d.over8 < 0.0008);
        assert_true(d.max <= 32);

        SDL_Rect src = {0, 0, w - 1, hh}, dst = {1, 0, w - 1, hh};
        SDL_BlitSurface(now, NULL, shifted, NULL);
        SDL_SetSurfaceBlendMode(now, SDL_BLENDMODE_NONE);
        SDL_BlitSurface(now, &src, shifted, &dst);
        diff_t ds = compare(old, shifted);
        assert_true(ds.mean >= 0.4 || ds.over8 >= 0.0008 || ds.max > 32);

        SDL_FreeSurface(tex);
        SDL_FreeSurface(old);
        SDL_FreeSurface(now);
        SDL_FreeSurface(shifted);
    }
    sm_heatmap_destroy(h);
}

/* Window resizes: larger, smaller, larger again; every size is drawn whole, edge to edge. */
static void test_render_follows_resizes(void **state)
{
    (void)state;
    static const int sizes[][2] = {{100, 130}, {1500, 2000}, {37, 49}, {1501, 1999}, {1, 1}};
    static uint32_t lut[LUT_N];
    for (int i = 0; i < LUT_N; i++)
        lut[i] = 0xFF000000u | (uint32_t)i;
    uint32_t *px = malloc((size_t)1501 * 2000 * 4);
    assert_non_null(px);
    sm_heatmap_t *h = sm_heatmap_create();
    person(cells, 32, 24);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int w = sizes[i][0], hh = sizes[i][1];
        memset(px, 0, (size_t)w * hh * 4);
        assert_int_equal(sm_heatmap_render(h, cells, 32, 24, w, hh, 1023.0, lut, LUT_N, px, w * 4),
                         0);
        for (size_t p = 0; p < (size_t)w * hh; p++)
            assert_true(px[p] >> 24 == 0xFF); /* every pixel written from the table */
        /* The lone hot cell near the bottom-right corner is where it belongs. */
        if (w >= 100) {
            int x = (int)((24 - 3 + 0.5) * w / 24), y = (int)((32 - 2 + 0.5) * hh / 32);
            assert_true((px[(size_t)y * w + x] & 0x3FF) >= 850);
        }
    }
    sm_heatmap_destroy(h);
    free(px);
}

static void test_render_bad_arguments(void **state)
{
    (void)state;
    uint32_t lut[2] = {1, 2}, px[16];
    sm_heatmap_t *h = sm_heatmap_create();
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 1.0, lut, 2, px, 16), 0);
    assert_int_equal(sm_heatmap_render(NULL, cells, 4, 4, 4, 4, 1.0, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 0, 4, 4, 4, 1.0, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 65, 4, 4, 1.0, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 0, 4, 1.0, lut, 2, px, 16), -1);
    assert_int_equal(
        sm_heatmap_render(h, cells, 4, 4, 4, SM_HEATMAP_MAX_OUT + 1, 1.0, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 1.0, lut, 2, px, 15), -1); /* pitch */
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 0.0, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, NAN, lut, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 1.0, NULL, 2, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 1.0, lut, 0, px, 16), -1);
    assert_int_equal(sm_heatmap_render(h, cells, 4, 4, 4, 4, 1.0, lut, 2, NULL, 16), -1);
    sm_heatmap_destroy(h);
}

/* Redrawing only what changed gives the very pixels of a full redraw, frame after frame, at
 * sizes that are and are not whole multiples of the cells: a breathing body (a few cells),
 * noise on scattered cells, a cell at every edge and corner, a frame with nothing changed, and
 * another map drawn by the same object in between (the compare pane). A lone changed cell
 * redraws a small part of the picture, and nothing outside the parts it reports. */
static void test_render_changed_equals_full(void **state)
{
    (void)state;
    static const int geo[][4] = {{32, 24, 480, 640}, {24, 32, 500, 371}, {5, 7, 70, 50},
                                 {1, 6, 61, 9},      {6, 1, 9, 61},      {64, 64, 512, 512}};
    static uint16_t cur[SM_MAX_CELLS], prev[SM_MAX_CELLS];
    uint32_t lut[LUT_N];
    view_lut(lut);
    srand(7);
    for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        int rows = geo[g][0], cols = geo[g][1], w = geo[g][2], hh = geo[g][3], n = rows * cols;
        uint32_t *kept = malloc((size_t)w * hh * 4), *full = malloc((size_t)w * hh * 4);
        uint32_t *before = malloc((size_t)w * hh * 4);
        assert_non_null(kept), assert_non_null(full), assert_non_null(before);
        sm_heatmap_t *a = sm_heatmap_create(), *b = sm_heatmap_create();
        person(cur, rows, cols);
        sm_heatmap_rect_t rc[8];
        assert_int_equal(sm_heatmap_render_changed(a, cur, NULL, rows, cols, w, hh, 1023.0, lut,
                                                   LUT_N, kept, w * 4, rc, 8),
                         1);
        assert_true(rc[0].x == 0 && rc[0].y == 0 && rc[0].w == w && rc[0].h == hh);
        for (int step = 0; step < 40; step++) {
            memcpy(prev, cur, (size_t)n * sizeof cur[0]);
            memcpy(before, kept, (size_t)w * hh * 4);
            int kind = step % 4;
            if (kind == 0) { /* breathing: a patch of cells grows a little */
                int r0 = rand() % rows, c0 = rand() % cols;
                for (int r = r0; r < r0 + 3 && r < rows; r++)
                    for (int c = c0; c < c0 + 3 && c < cols; c++)
                        cur[r * cols + c] = (uint16_t)(cur[r * cols + c] + 40);
            } else if (kind == 1) { /* noise on scattered cells */
                for (int k = 0; k < n / 10 + 1; k++)
                    cur[rand() % n] = (uint16_t)(rand() % 1024);
            } else if (kind == 2) { /* one cell, at a corner or an edge or anywhere */
                int corner = rand() % 3;
                int r = corner == 0 ? rows - 1 : corner == 1 ? 0 : rand() % rows;
                int c = corner == 0 ? cols - 1 : rand() % cols;
                cur[r * cols + c] = (uint16_t)((cur[r * cols + c] + 333) % 1024);
            }                    /* kind 3: nothing changed */
            if (step % 5 == 4) { /* the same object draws another map in between (compare) */
                static uint16_t other[SM_MAX_CELLS];
                for (int i = 0; i < n; i++)
                    other[i] = (uint16_t)(rand() % 1024);
                assert_int_equal(
                    sm_heatmap_render(a, other, rows, cols, w, hh, 1023.0, lut, LUT_N, full, w * 4),
                    0);
            }
            int nr = sm_heatmap_render_changed(a, cur, prev, rows, cols, w, hh, 1023.0, lut, LUT_N,
                                               kept, w * 4, rc, 8);
            assert_in_range(nr, kind == 3 ? 0 : 1, kind == 3 ? 0 : 8);
            assert_int_equal(
                sm_heatmap_render(b, cur, rows, cols, w, hh, 1023.0, lut, LUT_N, full, w * 4), 0);
            long drawn = 0;
            for (int y = 0; y < hh; y++)
                for (int x = 0; x < w; x++) {
                    if (kept[y * w + x] != full[y * w + x])
                        fail_msg("%dx%d cells at %dx%d, step %d: pixel (%d,%d) differs from a "
                                 "full redraw",
                                 rows, cols, w, hh, step, x, y);
                    int inside = 0;
                    for (int k = 0; k < nr; k++)
                        inside |= x >= rc[k].x && x < rc[k].x + rc[k].w && y >= rc[k].y &&
                                  y < rc[k].y + rc[k].h;
                    drawn += inside;
                    if (!inside && kept[y * w + x] != before[y * w + x])
                        fail_msg("step %d: pixel (%d,%d) changed outside the parts reported", step,
                                 x, y);
                }
            /* one cell of a large mat: at most a 4 x 4 block of cells is drawn again */
            if (kind == 2 && rows >= 24 && cols >= 24)
                assert_true(drawn <= (long)w * hh * 16 / (rows * cols) + 2 * (w + hh));
        }
        sm_heatmap_destroy(a);
        sm_heatmap_destroy(b);
        free(kept), free(full), free(before);
    }
}

/* The generated table is matplotlib's viridis: known end points and middle, lightness and the
 * green channel rising all the way (the view's tests rely on "greener = higher"). */
static void test_colormap_is_viridis(void **state)
{
    (void)state;
    static const unsigned char first[3] = {68, 1, 84}, mid[3] = {33, 145, 140},
                               last[3] = {253, 231, 37};
    assert_memory_equal(sm_colormap_viridis[0], first, 3);
    assert_memory_equal(sm_colormap_viridis[128], mid, 3);
    assert_memory_equal(sm_colormap_viridis[255], last, 3);
    for (int i = 1; i < SM_COLORMAP_N; i++) {
        assert_true(sm_colormap_viridis[i][1] >= sm_colormap_viridis[i - 1][1]);
        const unsigned char *a = sm_colormap_viridis[i - 1], *b = sm_colormap_viridis[i];
        int la = 299 * a[0] + 587 * a[1] + 114 * a[2], lb = 299 * b[0] + 587 * b[1] + 114 * b[2];
        assert_true(lb >= la - 300); /* lightness never drops by more than rounding */
    }
    unsigned char rgb[3];
    sm_colormap_rgb(0.0, rgb);
    assert_memory_equal(rgb, first, 3);
    sm_colormap_rgb(1.0, rgb);
    assert_memory_equal(rgb, last, 3);
    sm_colormap_rgb(7.0, rgb);
    assert_memory_equal(rgb, last, 3);
    sm_colormap_rgb(NAN, rgb);
    assert_memory_equal(rgb, first, 3);
    for (int i = 0; i < SM_COLORMAP_N; i += 17) {
        int d2;
        assert_int_equal(sm_colormap_nearest(sm_colormap_viridis[i], &d2), i);
        assert_int_equal(d2, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factor_table),
        cmocka_unit_test(test_exact_at_cell_centres),
        cmocka_unit_test(test_no_overshoot),
        cmocka_unit_test(test_single_cell_blob),
        cmocka_unit_test(test_colorize_uses_lut),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_colormap_is_viridis),
        cmocka_unit_test(test_render_equals_upsample_at_native_size),
        cmocka_unit_test(test_render_looks_like_scaled_texture),
        cmocka_unit_test(test_render_follows_resizes),
        cmocka_unit_test(test_render_bad_arguments),
        cmocka_unit_test(test_render_changed_equals_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
