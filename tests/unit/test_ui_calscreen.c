/* The calibration's full screens, judged on their pixels: the "you will need" list is drawn; the
 * result shows its verdict in its colour (PASS green, FAIL red), the fitted curve rising from
 * zero counts to full scale with the known loads on it, and the masked cells where they are on the
 * mat. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>

#include "sm_view_internal.h"

static void rgb(const sm_view_t *v, int x, int y, Uint8 *r, Uint8 *g, Uint8 *b)
{
    const SDL_Surface *s = v->target;
    Uint32 p = ((const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch))[x];
    SDL_GetRGB(p, s->format, r, g, b);
}

static int count(const sm_view_t *v, SDL_Rect box, SDL_Color c)
{
    int n = 0;
    for (int y = box.y; y < box.y + box.h; y++)
        for (int x = box.x; x < box.x + box.w; x++) {
            Uint8 r, g, b;
            rgb(v, x, y, &r, &g, &b);
            n += r == c.r && g == c.g && b == c.b;
        }
    return n;
}

/* Render a model with only the calibration screen (no frame: it comes before the first one). */
static void render(sm_view_t *v, const sm_view_calscreen_t *cs, sm_calscreen_rects_t *r)
{
    sm_view_model_t m = {0};
    m.units = "raw counts (calibrating)";
    m.source_label = "test";
    m.calscreen = cs;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    sm_layout_t L;
    sm_view_ctx_t c;
    sm_view_prepare(v, &m, &L, &c);
    sm_view_calscreen_rects(v, &L, cs, r);
}

static void test_need_list_is_drawn(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    static const char *const lines[] = {"A stiff, flat board of 30 x 40 cm with about 75 kg on it",
                                        "A flat plate of 10 x 10 cm",
                                        "Known masses of 5, 10 and 20 kg"};
    sm_view_calscreen_t cs = {
        .title = "You will need", .lines = lines, .n_lines = 3, .hint = "Enter: start"};
    sm_calscreen_rects_t r;
    render(v, &cs, &r);
    assert_int_equal(r.chart.w, 0);
    /* text in the list, line after line: ink in three separate bands */
    int text = count(v, r.list, SM_PAL_NORMAL.text);
    assert_true(text > 1500);
    int bands = 0, in = 0;
    for (int y = r.list.y; y < r.list.y + r.list.h; y++) {
        int ink = count(v, (SDL_Rect){r.list.x, y, r.list.w, 1}, SM_PAL_NORMAL.text) > 0;
        bands += ink && !in;
        in = ink;
    }
    assert_int_equal(bands, 3);
    assert_true(count(v, r.title, SM_PAL_NORMAL.text) > 500);
    sm_view_destroy(v);
}

/* A curve like a Velostat fit: kPa rising with counts, capped at the top. */
static void curve(double *x, double *y, int n, double full)
{
    for (int i = 0; i < n; i++) {
        x[i] = full * i / (n - 1);
        double u = x[i] / (full - fmin(x[i], full - 0.5));
        y[i] = fmin(60.0 * pow(u, 0.75), 160.0);
    }
}

static void test_result_shows_verdict_curve_and_mask(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    enum { N = 64, R = 32, C = 24 };
    double x[N], y[N], lx[3] = {100, 250, 400}, ly[3];
    curve(x, y, N, 1023);
    for (int i = 0; i < 3; i++) {
        double u = lx[i] / (1023 - lx[i]);
        ly[i] = 60.0 * pow(u, 0.75);
    }
    static uint8_t mask[R * C];
    memset(mask, 0, sizeof mask);
    mask[5 * C + 3] = 1;   /* dead, top left */
    mask[30 * C + 20] = 2; /* stuck, bottom right */
    static const char *const lines[] = {"Verification: 15.0 kg read as 14.9 kg (-0.7 %)",
                                        "Masked cells: 1 dead, 1 stuck"};
    sm_view_calscreen_t cs = {.title = "Calibration PASSED",
                              .verdict = 1,
                              .lines = lines,
                              .n_lines = 2,
                              .hint = "Enter: close",
                              .curve_counts = x,
                              .curve_kpa = y,
                              .curve_n = N,
                              .counts_max = 1023,
                              .fit_lo_kpa = 0,
                              .fit_hi_kpa = 80,
                              .load_counts = lx,
                              .load_kpa = ly,
                              .n_loads = 3,
                              .mask = mask,
                              .mask_rows = R,
                              .mask_cols = C};
    sm_calscreen_rects_t r;
    render(v, &cs, &r);
    assert_true(r.chart.w > 200 && r.chart.h > 150);
    /* PASS in green, no red title */
    assert_true(count(v, r.title, C_GOOD) > 1000);
    assert_int_equal(count(v, r.title, C_BAD), 0);
    /* the curve, green where fitted, rises: its pixels further right are higher up */
    double sy[2] = {0, 0};
    int sn[2] = {0, 0};
    for (int yy = r.chart.y; yy < r.chart.y + r.chart.h; yy++)
        for (int xx = r.chart.x; xx < r.chart.x + r.chart.w; xx++) {
            Uint8 cr, cg, cb;
            rgb(v, xx, yy, &cr, &cg, &cb);
            if (cr == C_GOOD.r && cg == C_GOOD.g && cb == C_GOOD.b) {
                int half = xx >= r.chart.x + r.chart.w / 4;
                sy[half] += yy, sn[half]++;
            }
        }
    assert_true(sn[0] > 50 && sn[1] > 50);
    assert_true(sy[1] / sn[1] < sy[0] / sn[0] - 20);
    /* three known loads as amber dots on it */
    assert_true(count(v, r.chart, C_AMBER) > 3 * 30);
    /* the mask map: the dead cell red in its top-left part, the stuck one amber bottom right */
    SDL_Rect tl = {r.mask.x, r.mask.y, r.mask.w / 2, r.mask.h / 2};
    SDL_Rect br = {r.mask.x + r.mask.w / 2, r.mask.y + r.mask.h / 2, r.mask.w / 2, r.mask.h / 2};
    assert_true(count(v, tl, C_BAD) > 4);
    assert_int_equal(count(v, br, C_BAD), 0);
    assert_true(count(v, br, C_AMBER) > 4);

    /* FAIL: the same screen in red */
    cs.title = "Calibration FAILED", cs.verdict = -1;
    render(v, &cs, &r);
    assert_true(count(v, r.title, C_BAD) > 1000);
    assert_int_equal(count(v, r.title, C_GOOD), 0);
    sm_view_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_need_list_is_drawn),
        cmocka_unit_test(test_result_shows_verdict_curve_and_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
