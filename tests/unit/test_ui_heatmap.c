/* The heatmap upscaler and the colour scale: values pass through the cell centres, never
 * overshoot (no false peaks, no dark rings), and the colour table is viridis. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

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
        cmocka_unit_test(test_factor_table),        cmocka_unit_test(test_exact_at_cell_centres),
        cmocka_unit_test(test_no_overshoot),        cmocka_unit_test(test_single_cell_blob),
        cmocka_unit_test(test_colorize_uses_lut),   cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_colormap_is_viridis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
