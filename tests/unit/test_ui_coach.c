/* The coach, clinician and presenter parts of the live view, judged from their pictures the way
 * a person would notice them (the timer ticks, the meter turns red, the tool is outlined, the
 * template and the no-go zone sit where they belong, presenter text is bigger, side-by-side maps
 * match, calibrated values colour like counts), and the keys and mouse drags that drive them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>
#include <SDL_image.h>

#include "sm_colormap.h"
#include "sm_view.h"

/* ---- helpers ------------------------------------------------------------------------- */

static sm_frame_t *new_frame(int rows, int cols)
{
    sm_frame_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->rows = (uint16_t)rows;
    f->cols = (uint16_t)cols;
    return f;
}

static sm_view_model_t model_for(const sm_frame_t *f)
{
    sm_view_model_t m = {0};
    m.frame = f;
    m.pitch_mm = 20.0;
    m.scale_max = 1023.0;
    m.units = "raw counts (uncalibrated)";
    m.source_label = "test";
    m.fps = 50.0;
    return m;
}

static void coach_on(sm_view_model_t *m)
{
    m->coach = 1;
    m->phase = "Hold";
    m->instruction = "Hold still - breathe slowly";
    m->steady_s = 42.0;
    m->target_s = 60.0;
    m->meter = 0.9;
    m->side = "right";
    m->breath_bpm = 9;
    m->volume = 0.7;
}

static const char *tmp;

/* Render, save as PNG (the app's screenshot path), load it back as ARGB8888. */
static SDL_Surface *picture(sm_view_t *v, const sm_view_model_t *m)
{
    assert_int_equal(sm_view_render(v, m), SM_OK);
    const char *path = ts_path(tmp, "coach.png");
    char err[256] = "";
    if (sm_view_screenshot(v, path, err, sizeof err) != SM_OK)
        fail_msg("screenshot: %s", err);
    SDL_Surface *raw = IMG_Load(path);
    if (!raw)
        fail_msg("IMG_Load %s: %s", path, IMG_GetError());
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    assert_non_null(s);
    return s;
}

static void px(const SDL_Surface *s, int x, int y, unsigned char rgb[3])
{
    assert_true(x >= 0 && y >= 0 && x < s->w && y < s->h);
    uint32_t p = ((const uint32_t *)((const unsigned char *)s->pixels + (size_t)y * s->pitch))[x];
    rgb[0] = (unsigned char)(p >> 16);
    rgb[1] = (unsigned char)(p >> 8);
    rgb[2] = (unsigned char)p;
}

typedef int (*pred_fn)(const unsigned char c[3]);

static int count_in(const SDL_Surface *s, int x0, int y0, int x1, int y1, pred_fn p)
{
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < s->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < s->w; x++) {
            unsigned char c[3];
            px(s, x, y, c);
            n += p(c);
        }
    return n;
}

static int is_green(const unsigned char c[3])
{
    return c[1] > 170 && c[0] < 100 && c[2] < 150;
}

static int is_warm(const unsigned char c[3])
{
    return c[0] > 200 && c[1] < 150 && c[2] < 130;
}

static int is_white(const unsigned char c[3])
{
    return c[0] > 235 && c[1] > 235 && c[2] > 235;
}

static int is_magenta(const unsigned char c[3])
{
    return c[0] > 200 && c[1] < 130 && c[2] > 160;
}

static int is_red(const unsigned char c[3])
{
    return c[0] > 200 && c[1] < 80 && c[2] < 80;
}

/* Bounding box of the pixels that differ between two pictures inside a region. */
static int diff_box(const SDL_Surface *a, const SDL_Surface *b, SDL_Rect area, SDL_Rect *box)
{
    int x0 = a->w, y0 = a->h, x1 = -1, y1 = -1, n = 0;
    for (int y = area.y; y < area.y + area.h; y++)
        for (int x = area.x; x < area.x + area.w; x++) {
            unsigned char p[3], q[3];
            px(a, x, y, p);
            px(b, x, y, q);
            if (memcmp(p, q, 3) == 0)
                continue;
            n++;
            x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
        }
    *box = n ? (SDL_Rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1} : (SDL_Rect){0, 0, 0, 0};
    return n;
}

static void cell_px(const int rect[4], const sm_frame_t *f, double r, double c, int *x, int *y)
{
    *x = (int)(rect[0] + c * rect[2] / f->cols);
    *y = (int)(rect[1] + r * rect[3] / f->rows);
}

static int fonts_installed(void)
{
    FILE *fp = fopen("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "rb");
    if (!fp)
        return 0;
    fclose(fp);
    return 1;
}

/* ---- pictures ------------------------------------------------------------------------ */

/* The hold timer ticks: 42 s and 43 s differ in the panel, in a region as tall as big text,
 * and nowhere on the map. */
static void test_timer_changes_in_panel(void **state)
{
    (void)state;
    if (!fonts_installed())
        skip();
    sm_frame_t *f = new_frame(32, 24);
    f->cells[20 * 24 + 8] = 900;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    SDL_Surface *a = picture(v, &m);
    m.steady_s = 43.0;
    SDL_Surface *b = picture(v, &m);
    SDL_Rect panel = {1280 * 2 / 3, 0, 1280 / 3, 800}, box;
    assert_true(diff_box(a, b, panel, &box) > 300);
    assert_true(box.h > 800 / 12); /* the digits are big: more than a twelfth of the window */
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    SDL_Rect map = {rect[0], rect[1], rect[2], rect[3]};
    assert_int_equal(diff_box(a, b, map, &box), 0);
    /* release met: "Release!" in the success colour */
    m.steady_s = 61;
    m.release_met = 1;
    SDL_Surface *c = picture(v, &m);
    assert_true(count_in(c, panel.x, 0, 1280, 400, is_green) > 2000);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    SDL_FreeSurface(c);
    sm_view_destroy(v);
    free(f);
}

/* Still: the meter is green. Moving: it turns warm (red, pulsing) and green disappears. */
static void test_meter_turns_warm_when_moving(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    SDL_Surface *still = picture(v, &m);
    int x0 = 1280 * 2 / 3;
    int g0 = count_in(still, x0, 0, 1280, 800, is_green);
    int w0 = count_in(still, x0, 0, 1280, 800, is_warm);
    m.moving = 1;
    m.meter = 0.2;
    m.instruction = "Hold still";
    int w_min = 1 << 30, w_max = 0, g1 = 0;
    for (int k = 0; k < 4; k++) { /* across the pulse */
        m.now_s = 10.0 + k * 0.125;
        SDL_Surface *moving = picture(v, &m);
        int w = count_in(moving, x0, 0, 1280, 800, is_warm);
        g1 += count_in(moving, x0, 0, 1280, 800, is_green);
        w_min = w < w_min ? w : w_min;
        w_max = w > w_max ? w : w_max;
        SDL_FreeSurface(moving);
    }
    assert_true(g0 > 5000); /* a big green bar */
    assert_true(w0 < 100);
    assert_true(w_min > 5000); /* a big warm bar in every phase of the pulse */
    assert_true(g1 < 100);
    SDL_FreeSurface(still);
    sm_view_destroy(v);
    free(f);
}

/* A labelled tool blob gets a white contour around it, close to its edge, and nothing white
 * appears there without labels. */
static void test_tool_contour(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    static uint8_t labels[32 * 24];
    memset(labels, 0, sizeof labels);
    for (int r = 14; r <= 17; r++)
        for (int c = 9; c <= 12; c++) {
            f->cells[r * 24 + c] = 700;
            labels[r * 24 + c] = 2;
        }
    f->cells[5 * 24 + 5] = 300; /* a body cell */
    labels[5 * 24 + 5] = 1;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    SDL_Surface *plain = picture(v, &m);
    m.labels = labels;
    SDL_Surface *lab = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int ax, ay, bx, by;
    cell_px(rect, f, 13.0, 8.0, &ax, &ay); /* one cell around the blob */
    cell_px(rect, f, 19.0, 14.0, &bx, &by);
    assert_int_equal(count_in(plain, ax, ay, bx, by, is_white), 0);
    int white = count_in(lab, ax, ay, bx, by, is_white);
    double cell = (double)rect[2] / f->cols;
    assert_true(white > 4 * 4 * cell * 0.8); /* a line all round: about the perimeter x 2 px */
    /* on the blob's edge: the inside (centre) and far outside stay free of it */
    int cx, cy;
    cell_px(rect, f, 16.0, 11.0, &cx, &cy);
    assert_int_equal(count_in(lab, cx - 3, cy - 3, cx + 3, cy + 3, is_white), 0);
    /* the body cell gets no outline */
    cell_px(rect, f, 4.5, 4.5, &ax, &ay);
    cell_px(rect, f, 6.5, 6.5, &bx, &by);
    assert_int_equal(count_in(lab, ax, ay, bx, by, is_white), 0);
    SDL_FreeSurface(plain);
    SDL_FreeSurface(lab);
    sm_view_destroy(v);
    free(f);
}

/* The template's footprint shows as a magenta outline where the mask is, and nowhere else. */
static void test_template_outline(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    static uint8_t mask[32 * 24];
    memset(mask, 0, sizeof mask);
    for (int r = 20; r <= 23; r++)
        for (int c = 4; c <= 7; c++)
            mask[r * 24 + c] = 1;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    m.template_mask = mask;
    m.template_text = "right ASIS: move the ball 1.5 cm toward your feet";
    m.clinician = 1; /* templates are the clinician's */
    SDL_Surface *s = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int ax, ay, bx, by;
    cell_px(rect, f, 19.0, 3.0, &ax, &ay);
    cell_px(rect, f, 25.0, 9.0, &bx, &by);
    int near = count_in(s, ax, ay, bx, by, is_magenta);
    assert_true(near > 100);
    /* the rest of the map: none (the top half and the right half) */
    assert_int_equal(
        count_in(s, rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3] / 2, is_magenta), 0);
    cell_px(rect, f, 0, 12.0, &ax, &ay);
    assert_int_equal(count_in(s, ax, rect[1], rect[0] + rect[2], rect[1] + rect[3], is_magenta), 0);
    /* the offset text below the map, in the template's colour */
    if (fonts_installed())
        assert_true(count_in(s, 0, rect[1] + rect[3], rect[0] + rect[2] + 200, 780, is_magenta) >
                    300);
    SDL_FreeSurface(s);
    sm_view_destroy(v);
    free(f);
}

/* A zone given in mat mm lands on the right cells; the alert shows a red banner. */
static void test_zone_position_and_alert(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f); /* pitch 20 mm */
    SDL_Surface *none = picture(v, &m);
    /* cells 5..9 across (100..200 mm), 15..19 along (300..400 mm) */
    sm_view_zone_t z = {0, 100.0, 300.0, 200.0, 400.0, 0};
    m.zones = &z;
    m.n_zones = 1;
    SDL_Surface *with = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int x, y;
    unsigned char a[3], b[3];
    cell_px(rect, f, 17.2, 7.3, &x, &y); /* inside, between hatch lines or on one */
    px(none, x, y, a);
    px(with, x, y, b);
    assert_true(b[0] > a[0] + 30 && b[0] > b[1] + 30); /* reddened */
    /* border near the zone's edges (thick red), untouched a cell outside */
    cell_px(rect, f, 17.0, 5.0, &x, &y); /* on the left edge */
    assert_true(count_in(with, x - 3, y - 3, x + 4, y + 4, is_red) > 5);
    cell_px(rect, f, 17.0, 3.5, &x, &y);
    px(none, x, y, a);
    px(with, x, y, b);
    assert_memory_equal(a, b, 3);
    cell_px(rect, f, 21.5, 7.0, &x, &y);
    px(none, x, y, a);
    px(with, x, y, b);
    assert_memory_equal(a, b, 3);
    /* the tool is in it: a big red banner over the top of the map */
    m.zone_alert = 1;
    z.active = 1;
    SDL_Surface *alarm = picture(v, &m);
    int banner =
        count_in(alarm, rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3] / 3, is_warm);
    assert_true(banner > rect[2] * rect[3] / 3 / 5);
    SDL_FreeSurface(none);
    SDL_FreeSurface(with);
    SDL_FreeSurface(alarm);
    sm_view_destroy(v);
    free(f);
}

/* Presenter mode: the instruction is much larger (its text's bounding box), on black. */
static void test_presenter_larger_instruction(void **state)
{
    (void)state;
    if (!fonts_installed())
        skip();
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    int heights[2];
    for (int p = 0; p < 2; p++) {
        sm_view_model_t m = model_for(f);
        coach_on(&m);
        m.presenter = p;
        m.breath_bpm = 0; /* nothing below the instruction moves up without it */
        m.instruction = NULL;
        SDL_Surface *without = picture(v, &m);
        m.instruction = "Hold";
        SDL_Surface *with = picture(v, &m);
        SDL_Rect all = {0, 0, 1280, 800}, box;
        assert_true(diff_box(without, with, all, &box) > 100);
        heights[p] = box.h;
        if (p) { /* high contrast: black around the text, white text */
            unsigned char c[3];
            px(with, 2, 2, c);
            assert_true(c[0] < 5 && c[1] < 5 && c[2] < 5);
            assert_true(count_in(with, box.x, box.y, box.x + box.w, box.y + box.h, is_white) > 100);
        }
        SDL_FreeSurface(without);
        SDL_FreeSurface(with);
    }
    assert_true(heights[0] > 800 / 30);             /* big already */
    assert_true(heights[1] > heights[0] * 13 / 10); /* and much bigger presenting */
    sm_view_destroy(v);
    free(f);
}

/* Extent of the run of pixels equal to the one at (x, y), along a row (dx) or column. */
static int run_len(const SDL_Surface *s, int x, int y, int horizontal)
{
    unsigned char c0[3], c[3];
    px(s, x, y, c0);
    int a = 0, b = 0;
    for (;;) {
        int xx = horizontal ? x - a - 1 : x, yy = horizontal ? y : y - a - 1;
        if (xx < 0 || yy < 0)
            break;
        px(s, xx, yy, c);
        if (memcmp(c, c0, 3) != 0)
            break;
        a++;
    }
    for (;;) {
        int xx = horizontal ? x + b + 1 : x, yy = horizontal ? y : y + b + 1;
        if (xx >= s->w || yy >= s->h)
            break;
        px(s, xx, yy, c);
        if (memcmp(c, c0, 3) != 0)
            break;
        b++;
    }
    return a + b + 1;
}

/* Side by side: two maps of the same size, the compare map left of the live one, labels above. */
static void test_side_by_side_equal_maps(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24), *g = new_frame(32, 24);
    for (int i = 0; i < 32 * 24; i++) {
        f->cells[i] = 500; /* uniform: each map is one block of colour */
        g->cells[i] = 800;
    }
    sm_view_t *v = ts_headless_view(1920, 1080);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    m.presenter = 1;
    m.compare_frame = g;
    m.compare_label = "Template";
    m.live_label = "Live";
    SDL_Surface *s = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int lx = rect[0] + rect[2] / 2, ly = rect[1] + rect[3] / 2;
    int lw = run_len(s, lx, ly, 1), lh = run_len(s, lx, ly, 0);
    assert_true(abs(lw - rect[2]) <= 2 && abs(lh - rect[3]) <= 2);
    /* the compare map: left of the live one, same colour scale (800 is higher than 500) */
    int cx = rect[0] - rect[2] / 2 - 20, found = 0;
    for (int x = rect[0] - 5; x > 0 && !found; x--) {
        unsigned char c[3];
        px(s, x, ly, c);
        if (sm_colormap_nearest(c, NULL) > 180) {
            cx = x - 3;
            found = 1;
        }
    }
    assert_true(found);
    int cw = run_len(s, cx, ly, 1), ch = run_len(s, cx, ly, 0);
    assert_true(abs(cw - lw) <= 2);
    assert_true(abs(ch - lh) <= 2);
    assert_true(rect[2] > 1920 / 6); /* both still big */
    if (fonts_installed())           /* labels above the maps */
        assert_true(count_in(s, rect[0], rect[1] - 50, rect[0] + rect[2], rect[1] - 2, is_white) >
                    50);
    SDL_FreeSurface(s);
    sm_view_destroy(v);
    free(f);
    free(g);
}

/* Calibrated values colour the map exactly like the raw counts they came from (same position on
 * the scale): kPa = counts x 0.2 with the scale 0.2 x 1023. */
static void test_values_colour_like_counts(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    static float vals[32 * 24];
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            int x = (r * 37 + c * 11) % 900 * ((r / 4 + c / 3) % 2);
            f->cells[r * 24 + c] = (uint16_t)x;
            vals[r * 24 + c] = 0.2f * (float)x;
        }
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    SDL_Surface *raw = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    m.values = vals;
    m.scale_max = 0.2 * 1023.0;
    m.units = "kPa";
    SDL_Surface *cal = picture(v, &m);
    int rc[4]; /* the legend's labels differ in width: the map may shift, not change size */
    assert_int_equal(sm_view_heatmap_rect(v, rc), 1);
    assert_int_equal(rc[2], rect[2]);
    assert_int_equal(rc[3], rect[3]);
    int worst = 0, off = 0, n = 0;
    for (int y = 1; y < rect[3] - 1; y++)
        for (int x = 1; x < rect[2] - 1; x++) {
            unsigned char a[3], b[3];
            px(raw, rect[0] + x, rect[1] + y, a);
            px(cal, rc[0] + x, rc[1] + y, b);
            for (int k = 0; k < 3; k++) {
                int d = abs(a[k] - b[k]);
                worst = d > worst ? d : worst;
                off += d > 2;
                n++;
            }
        }
    /* at most one step of the 1024-entry colour table (steepest where the scale fades into the
     * background), and almost everywhere the same colour */
    assert_true(worst <= 6);
    assert_true(off < n / 200);
    /* and the legend says kPa: the picture differs outside the map (the units) */
    SDL_Rect legend = {rc[0] + rc[2], rc[1], 160, rc[3]}, box;
    if (fonts_installed())
        assert_true(diff_box(raw, cal, legend, &box) > 50);
    SDL_FreeSurface(raw);
    SDL_FreeSurface(cal);
    sm_view_destroy(v);
    free(f);
}

/* Overlays, the coach and side by side in every window shape: each picture is still exactly what
 * a fresh view draws (nothing left over from the previous, opaque fills cover everything). */
static void test_overlays_picture_independent(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 800}, {700, 900}, {480, 320}};
    sm_frame_t *f = new_frame(32, 24);
    static uint8_t labels[32 * 24], ghosts[32 * 24];
    for (int i = 0; i < 32 * 24; i++) {
        f->cells[i] = (uint16_t)((i * 37) % 700);
        labels[i] = (uint8_t)(i % 5 == 0 ? 2 : i % 7 == 0 ? 3 : 0);
        ghosts[i] = i % 11 == 0;
    }
    sm_view_zone_t z = {1, 50, 60, 300, 200, 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sm_view_t *v = ts_headless_view(sizes[i][0], sizes[i][1]);
        sm_view_model_t m = model_for(f);
        coach_on(&m);
        m.presenter = 1;
        m.compare_frame = f;
        m.labels = labels;
        m.ghosts = ghosts;
        m.zones = &z;
        m.n_zones = 1;
        m.zone_alert = 1;
        m.template_mask = ghosts;
        m.template_text = "on target";
        m.clinician = 1;
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        sm_view_model_t last = model_for(f);
        coach_on(&last);
        SDL_Surface *after = picture(v, &last);
        sm_view_t *fresh = ts_headless_view(sizes[i][0], sizes[i][1]);
        SDL_Surface *alone = picture(fresh, &last);
        for (int y = 0; y < after->h; y++)
            assert_memory_equal((const unsigned char *)after->pixels + (size_t)y * after->pitch,
                                (const unsigned char *)alone->pixels + (size_t)y * alone->pitch,
                                (size_t)after->w * 4);
        SDL_FreeSurface(after);
        SDL_FreeSurface(alone);
        sm_view_destroy(fresh);
        sm_view_destroy(v);
    }
    free(f);
}

static int is_cyan(const unsigned char c[3])
{
    return c[0] < 80 && c[1] > 200 && c[2] > 220;
}

static int is_light_text(const unsigned char c[3])
{
    return c[0] > 90 && c[1] > 90 && c[2] > 90;
}

/* Two audiences: the patient view (the default) shows no ghost boxes, no replaced-cell marks, no
 * template outline, no link counters and no total / area / peak row; the clinician view shows
 * them all. The tool's outline is in both. */
static void test_patient_and_clinician_views(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    static uint8_t labels[32 * 24], ghosts[32 * 24], mask[32 * 24];
    memset(labels, 0, sizeof labels);
    memset(ghosts, 0, sizeof ghosts);
    memset(mask, 0, sizeof mask);
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            int d2 = (r - 20) * (r - 20) + (c - 6) * (c - 6);
            f->cells[r * 24 + c] = (uint16_t)(d2 < 9 ? 800 : 150);
            labels[r * 24 + c] = d2 < 9 ? 2 : 1;
            mask[r * 24 + c] = (r - 8) * (r - 8) + (c - 16) * (c - 16) < 6;
        }
    labels[3 * 24 + 20] = 3;
    ghosts[28 * 24 + 18] = ghosts[28 * 24 + 19] = 1;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    m.labels = labels, m.ghosts = ghosts, m.template_mask = mask;
    m.template_text = "right ASIS: move the ball 1.5 cm toward your feet";
    m.crc_errors = 4;
    sm_metrics_t mt;
    sm_metrics_compute(f, m.pitch_mm, 50, &mt);
    m.metrics = &mt;
    SDL_Surface *pat = picture(v, &m);
    m.clinician = 1;
    SDL_Surface *cli = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int x1 = rect[0] + rect[2], y1 = rect[1] + rect[3];
    /* ghosts (cyan) and the template (magenta) only for the clinician */
    assert_int_equal(count_in(pat, rect[0], rect[1], x1, y1, is_cyan), 0);
    assert_true(count_in(cli, rect[0], rect[1], x1, y1, is_cyan) > 20);
    assert_int_equal(count_in(pat, rect[0], rect[1], x1, y1, is_magenta), 0);
    assert_true(count_in(cli, rect[0], rect[1], x1, y1, is_magenta) > 50);
    /* the tool's white outline in both */
    assert_true(count_in(pat, rect[0], rect[1], x1, y1, is_white) > 50);
    assert_true(count_in(cli, rect[0], rect[1], x1, y1, is_white) > 50);
    /* the status line: the link counters (amber: CRC errors) only for the clinician */
    assert_int_equal(count_in(pat, 0, 800 - 30, 1280, 800, is_warm), 0);
    assert_true(count_in(cli, 0, 800 - 30, 1280, 800, is_warm) +
                    count_in(cli, 0, 800 - 30, 1280, 800, is_light_text) >
                count_in(pat, 0, 800 - 30, 1280, 800, is_light_text));
    /* the numbers row under the map (below its scale bar): text there only for the clinician */
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    y1 = rect[1] + rect[3];
    int foot_pat = count_in(pat, 0, y1 + 35, 1280 * 65 / 100, 800 - 30, is_light_text);
    int foot_cli = count_in(cli, 0, y1 + 35, 1280 * 65 / 100, 800 - 30, is_light_text);
    assert_true(foot_cli > foot_pat + 500);
    SDL_FreeSurface(pat);
    SDL_FreeSurface(cli);
    sm_view_destroy(v);
    free(f);
}

/* The pressure on the tool in words, large in the coach's panel: green when firm, red when too
 * hard, nothing when the app has no word (uncalibrated). */
static void test_pressure_in_words(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    m.meter = 0.5; /* the meter amber, not green: green below is the word */
    int panel_x = 1280 * 65 / 100;
    SDL_Surface *none = picture(v, &m);
    int green0 = count_in(none, panel_x, 500, 1280, 760, is_green);
    int red0 = count_in(none, panel_x, 500, 1280, 760, is_warm);
    m.pressure_text = "firm", m.pressure_level = 2;
    SDL_Surface *firm = picture(v, &m);
    int green1 = count_in(firm, panel_x, 500, 1280, 760, is_green);
    m.pressure_text = "too hard", m.pressure_level = 3;
    SDL_Surface *hard = picture(v, &m);
    int red2 = count_in(hard, panel_x, 500, 1280, 760, is_warm);
    /* a word in the coach's face: at least a few hundred pixels of its colour */
    assert_true(green1 > green0 + 300);
    assert_true(red2 > red0 + 300);
    SDL_FreeSurface(none);
    SDL_FreeSurface(firm);
    SDL_FreeSurface(hard);
    sm_view_destroy(v);
    free(f);
}

/* A stuck cell at full scale, replaced by the coach, is drawn with its neighbours' value: no
 * bright blob where nobody presses. */
static void test_replaced_cell_drawn_as_its_replacement(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    static uint8_t labels[32 * 24];
    for (int i = 0; i < 32 * 24; i++) {
        f->cells[i] = 300;
        labels[i] = 1;
    }
    f->cells[10 * 24 + 10] = 1023;
    labels[10 * 24 + 10] = 3;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    SDL_Surface *raw = picture(v, &m); /* without labels: the reading itself */
    m.labels = labels;
    SDL_Surface *fixed = picture(v, &m);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int x, y, nx, ny;
    cell_px(rect, f, 10.5, 10.5, &x, &y);
    cell_px(rect, f, 10.5, 14.5, &nx, &ny);
    unsigned char c0[3], c1[3], cn[3];
    px(raw, x, y, c0);
    px(fixed, x, y, c1);
    px(fixed, nx, ny, cn);
    int d_raw = abs(c0[0] - cn[0]) + abs(c0[1] - cn[1]) + abs(c0[2] - cn[2]);
    int d_fixed = abs(c1[0] - cn[0]) + abs(c1[1] - cn[1]) + abs(c1[2] - cn[2]);
    assert_true(d_raw > 150);  /* the stuck reading: yellow on blue */
    assert_true(d_fixed < 12); /* replaced: the colour of the cells around it */
    SDL_FreeSurface(raw);
    SDL_FreeSurface(fixed);
    sm_view_destroy(v);
    free(f);
}

static int is_bright(const unsigned char c[3])
{
    return c[0] > 150 && c[1] > 150 && c[2] > 150;
}

/* The rightmost bright pixel in the strip above the map's left quarter: where its words end. */
static int corner_text_end(const SDL_Surface *s, const int rect[4])
{
    int end = -1;
    for (int y = rect[1] - 40; y < rect[1]; y++)
        for (int x = rect[0]; x < rect[0] + rect[2] / 4; x++) {
            unsigned char c[3];
            px(s, x, y, c);
            if (is_bright(c) && x > end)
                end = x;
        }
    return end;
}

/* "your right" and "your left" along the top of the map, on the side the person's right is: face
 * down (the frame of sm_contact.h, column 0 the person's right) "your right" at the left corner,
 * face up "your left" there; side-lying or unknown, neither. */
static void test_your_right_your_left(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    int rect[4];
    SDL_Surface *none = picture(v, &m);
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    assert_int_equal(
        count_in(none, rect[0], rect[1] - 40, rect[0] + rect[2] / 4, rect[1], is_bright), 0);
    m.right_edge = 1;
    SDL_Surface *prone = picture(v, &m);
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int end_prone = corner_text_end(prone, rect);
    m.right_edge = 2;
    SDL_Surface *supine = picture(v, &m);
    int end_supine = corner_text_end(supine, rect);
    assert_true(end_prone > rect[0] + 40);
    assert_true(end_supine > rect[0] + 30);
    /* "your right" is longer than "your left": the left corner says which */
    assert_true(end_prone > end_supine + 3);
    SDL_FreeSurface(none);
    SDL_FreeSurface(prone);
    SDL_FreeSurface(supine);
    sm_view_destroy(v);
    free(f);
}

/* One state at a time: in a no-go zone the panel's instruction turns into the zone's, in red,
 * not "Hold still" beside a red banner. A key's toast shows over the bottom of the map. */
static void test_nogo_wins_the_panel_and_toasts_show(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f);
    coach_on(&m);
    int panel_x = 1280 * 65 / 100;
    SDL_Surface *calm = picture(v, &m);
    int red0 = count_in(calm, panel_x, 300, 1280, 480, is_warm);
    m.zone_alert = 1;
    m.alert = "Out of the hip fold - move the tool now";
    SDL_Surface *nogo = picture(v, &m);
    int red1 = count_in(nogo, panel_x, 300, 1280, 480, is_warm);
    assert_int_equal(red0, 0);
    assert_true(red1 > 2000); /* two lines of the coach's face in red */
    m.zone_alert = 0, m.alert = NULL;
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int y0 = rect[1] + rect[3] * 3 / 4, y1 = rect[1] + rect[3];
    int text0 = count_in(calm, rect[0], y0, rect[0] + rect[2], y1, is_white);
    m.toast = "Sound off (m turns it on)";
    SDL_Surface *t = picture(v, &m);
    int text1 = count_in(t, rect[0], y0, rect[0] + rect[2], y1, is_white);
    assert_true(text1 > text0 + 300);
    SDL_FreeSurface(calm);
    SDL_FreeSurface(nogo);
    SDL_FreeSurface(t);
    sm_view_destroy(v);
    free(f);
}

/* ---- keys and mouse ------------------------------------------------------------------ */

static void push_key(SDL_Keycode k, Uint16 mod, int repeat)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.repeat = (Uint8)repeat;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_text(const char *s)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", s);
    assert_int_equal(SDL_PushEvent(&e), 1);
}

/* A key as a keyboard sends it while text input is on: the press, then its text. */
static void type_key(SDL_Keycode k, const char *text)
{
    push_key(k, 0, 0);
    if (text)
        push_text(text);
}

static void push_mouse(Uint32 type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == SDL_MOUSEMOTION) {
        e.motion.x = x;
        e.motion.y = y;
        e.motion.state = SDL_BUTTON_LMASK;
    } else {
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
        e.button.x = x;
        e.button.y = y;
    }
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static void drain(sm_view_t *v)
{
    sm_view_event_t ev;
    while (sm_view_poll_event(v, &ev) != SM_ACT_NONE) {
    }
}

static sm_view_t *windowed(int w, int h)
{
    char err[256] = "";
    sm_view_config_t cfg = {.width = w, .height = h, .title = "SteadyMat coach test"};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    if (!v)
        fail_msg("windowed view under SDL_VIDEODRIVER=%s: %s", getenv("SDL_VIDEODRIVER"), err);
    return v;
}

static void test_keys_give_actions(void **state)
{
    (void)state;
    sm_view_t *v = windowed(900, 600);
    drain(v);
    static const struct {
        SDL_Keycode key;
        Uint16 mod;
        int repeat;
        sm_action_t act;
        int value;
    } keys[] = {
        {SDLK_m, 0, 0, SM_ACT_MUTE, 0},
        {SDLK_m, 0, 1, SM_ACT_NONE, 0},
        {SDLK_LEFTBRACKET, 0, 0, SM_ACT_VOL_DOWN, 0},
        {SDLK_RIGHTBRACKET, 0, 1, SM_ACT_VOL_UP, 0},
        {SDLK_h, 0, 0, SM_ACT_PIVOT, 0},
        {SDLK_0, 0, 0, SM_ACT_SORENESS, 0},
        {SDLK_7, 0, 0, SM_ACT_SORENESS, 7},
        {SDLK_KP_3, 0, 0, SM_ACT_SORENESS, 3},
        {SDLK_KP_0, 0, 0, SM_ACT_SORENESS, 0},
        {SDLK_QUOTE, 0, 0, SM_ACT_SORENESS, 10},
        {SDLK_g, 0, 0, SM_ACT_TEMPLATE_NEXT, 0},
        {SDLK_g, KMOD_LSHIFT, 0, SM_ACT_TEMPLATE_MIRROR, 0},
        {SDLK_z, 0, 0, SM_ACT_ZONE_CLEAR, 0},
        {SDLK_F10, 0, 0, SM_ACT_PRESENTER, 0},
        {SDLK_p, 0, 0, SM_ACT_PRESENTER, 0},
        {SDLK_p, 0, 1, SM_ACT_NONE, 0},
        {SDLK_v, 0, 0, SM_ACT_CLINICIAN, 0},
        {SDLK_v, 0, 1, SM_ACT_NONE, 0},
        {SDLK_c, 0, 0, SM_ACT_COMPARE, 0},
        {SDLK_RETURN, 0, 0, SM_ACT_NEXT, 0},
        {SDLK_KP_ENTER, 0, 0, SM_ACT_NEXT, 0},
        {SDLK_RETURN, 0, 1, SM_ACT_NONE, 0},
        {SDLK_r, 0, 0, SM_ACT_REDO, 0},
        {SDLK_BACKSPACE, 0, 0, SM_ACT_REDO, 0},
        {SDLK_SPACE, 0, 0, SM_ACT_PAUSE, 0},
        {SDLK_q, 0, 0, SM_ACT_QUIT, 0},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        push_key(keys[i].key, keys[i].mod, keys[i].repeat);
        sm_view_event_t ev;
        sm_action_t got = sm_view_poll_event(v, &ev);
        if (got != keys[i].act || ev.action != got)
            fail_msg("key %s (mod %d, repeat %d): action %d, want %d", SDL_GetKeyName(keys[i].key),
                     keys[i].mod, keys[i].repeat, got, keys[i].act);
        if (got == SM_ACT_SORENESS)
            assert_int_equal(ev.value, keys[i].value);
        drain(v);
    }
    /* stray text input (a keyboard sends it with every letter) is no action by itself */
    push_text("m");
    assert_int_equal(sm_view_poll(v), SM_ACT_NONE);
    sm_view_destroy(v);
}

/* t opens the name box; letters then type the name (q does not quit, m does not mute, digits do
 * not rate), Backspace deletes, Enter saves with the name; Esc cancels without an action. */
static void test_template_name_typing(void **state)
{
    (void)state;
    sm_view_t *v = windowed(900, 600);
    sm_frame_t *f = new_frame(24, 24);
    sm_view_model_t m = model_for(f);
    drain(v);
    assert_int_equal(sm_view_text_entry(v), 0);
    type_key(SDLK_t, NULL); /* text input was off: no "t" arrives with it */
    sm_view_event_t ev;
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    assert_int_equal(sm_view_text_entry(v), 1);
    type_key(SDLK_h, "h");
    type_key(SDLK_i, "i");
    type_key(SDLK_p, "p");
    type_key(SDLK_SPACE, " ");
    type_key(SDLK_q, "q");
    type_key(SDLK_m, "m");
    type_key(SDLK_3, "3");
    type_key(SDLK_z, "z");
    push_key(SDLK_BACKSPACE, 0, 0);
    push_key(SDLK_BACKSPACE, 0, 1);
    push_text("\xc3\xa9"); /* é: UTF-8 kept whole */
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    /* the name box is on screen meanwhile */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    push_key(SDLK_RETURN, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_TEMPLATE_SAVE);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_string_equal(ev.text, "hip qm\xc3\xa9");
    assert_int_equal(sm_view_text_entry(v), 0);
    /* keys work again */
    push_key(SDLK_m, 0, 0);
    assert_int_equal(sm_view_poll(v), SM_ACT_MUTE);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    /* Esc cancels: no save, no quit */
    type_key(SDLK_t, NULL);
    type_key(SDLK_x, "x");
    push_key(SDLK_ESCAPE, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    assert_int_equal(sm_view_text_entry(v), 0);
    /* Enter on an empty name saves nothing and keeps the box open */
    type_key(SDLK_t, NULL);
    push_key(SDLK_RETURN, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    assert_int_equal(sm_view_text_entry(v), 1);
    /* a very long name is cut at a character boundary below 64 bytes */
    for (int i = 0; i < 40; i++)
        push_text("\xc3\xa9");
    push_key(SDLK_KP_ENTER, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_TEMPLATE_SAVE);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_true(strlen(ev.text) <= 63 && strlen(ev.text) % 2 == 0 && strlen(ev.text) >= 60);
    /* closing the window still quits while typing */
    type_key(SDLK_t, NULL);
    SDL_Event q;
    memset(&q, 0, sizeof q);
    q.type = SDL_QUIT;
    SDL_PushEvent(&q);
    assert_int_equal(sm_view_poll(v), SM_ACT_QUIT);
    sm_view_destroy(v);
    free(f);
}

/* n opens the patient's name box with the name so far (the model's patient at the last render);
 * typing edits it without triggering keys, Enter gives SM_ACT_PATIENT with the name, an erased
 * name gives "" (no name), Esc keeps the old one; names up to 127 bytes. The name shows in the
 * status line. */
static void test_patient_name_typing(void **state)
{
    (void)state;
    sm_view_t *v = windowed(900, 600);
    sm_frame_t *f = new_frame(24, 24);
    sm_view_model_t m = model_for(f);
    m.patient = "Ann";
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    drain(v);
    type_key(SDLK_n, NULL);
    sm_view_event_t ev;
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    assert_int_equal(sm_view_text_entry(v), 1);
    type_key(SDLK_SPACE, " ");
    type_key(SDLK_q, "q");
    type_key(SDLK_7, "7");
    push_key(SDLK_BACKSPACE, 0, 0);
    push_text("\xc3\x9c"); /* Ü */
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    assert_int_equal(sm_view_render(v, &m), SM_OK); /* the box is drawn meanwhile */
    push_key(SDLK_RETURN, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_PATIENT);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_string_equal(ev.text, "Ann q\xc3\x9c");
    assert_int_equal(sm_view_text_entry(v), 0);
    /* the next box starts with what the app now shows */
    m.patient = "Ann q\xc3\x9c";
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    type_key(SDLK_n, NULL);
    for (int i = 0; i < 5; i++) /* Ü is one character */
        push_key(SDLK_BACKSPACE, 0, 0);
    push_key(SDLK_RETURN, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_PATIENT);
    drain(v);
    assert_string_equal(ev.text, "A");
    for (int i = 0; i < 2; i++) { /* erased: no name (Enter works on an empty name) */
        type_key(SDLK_n, NULL);
        for (int k = 0; k < 8; k++)
            push_key(SDLK_BACKSPACE, 0, 0);
        if (i == 0) {
            push_key(SDLK_ESCAPE, 0, 0); /* Esc: nothing changes, no quit */
            assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
            assert_int_equal(sm_view_text_entry(v), 0);
            continue;
        }
        push_key(SDLK_RETURN, 0, 0);
        assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_PATIENT);
        drain(v);
        assert_string_equal(ev.text, "");
    }
    /* a long name is kept to 127 bytes, whole characters */
    m.patient = NULL;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    type_key(SDLK_n, NULL);
    for (int i = 0; i < 80; i++)
        push_text("\xc3\xa9");
    push_key(SDLK_RETURN, 0, 0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_PATIENT);
    drain(v);
    assert_int_equal(strlen(ev.text), 126);
    sm_view_destroy(v);
    /* the status line names the patient */
    sm_view_t *hv = ts_headless_view(1280, 800);
    m.patient = NULL;
    SDL_Surface *none = picture(hv, &m);
    m.patient = "Ann Example";
    SDL_Surface *named = picture(hv, &m);
    int y0 = 800 - 40;
    assert_true(count_in(named, 0, y0, 640, 800, is_white) >
                count_in(none, 0, y0, 640, 800, is_white) + 100);
    SDL_FreeSurface(none);
    SDL_FreeSurface(named);
    sm_view_destroy(hv);
    free(f);
}

/* Dragging on the map gives a zone in mat mm within a cell of where the mouse went; shift gives
 * an ellipse; a click or a drag off the map gives nothing; the box shows while dragging. */
static void test_mouse_drag_zone(void **state)
{
    (void)state;
    sm_view_t *v = windowed(900, 600);
    sm_frame_t *f = new_frame(24, 24);
    sm_view_model_t m = model_for(f); /* pitch 20 mm: the mat is 480 x 480 mm */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    drain(v);
    int ow, oh, ww, wh;
    sm_view_output_size(v, &ow, &oh);
    ww = ow, wh = oh; /* the dummy driver has no HiDPI: window = output pixels */
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int x0, y0, x1, y1;
    cell_px(rect, f, 5.5, 4.5, &x0, &y0);   /* 90 mm across, 110 mm along */
    cell_px(rect, f, 10.5, 12.5, &x1, &y1); /* 250 mm across, 210 mm along */
    (void)ww, (void)wh;
    SDL_SetModState(KMOD_NONE);
    push_mouse(SDL_MOUSEBUTTONDOWN, x0, y0);
    push_mouse(SDL_MOUSEMOTION, (x0 + x1) / 2, (y0 + y1) / 2);
    push_mouse(SDL_MOUSEMOTION, x1, y1);
    sm_view_event_t ev;
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_NONE);
    /* while dragging, the box is drawn */
    SDL_Surface *s = picture(v, &m);
    int reddish = 0;
    for (int y = y0 + 6; y < y1 - 6; y += 3)
        for (int x = x0 + 6; x < x1 - 6; x += 3) {
            unsigned char c[3];
            px(s, x, y, c);
            reddish += c[0] > c[1] + 25 && c[0] > c[2] + 15;
        }
    assert_true(reddish > 20);
    SDL_FreeSurface(s);
    push_mouse(SDL_MOUSEBUTTONUP, x1, y1);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_ZONE_ADD);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_int_equal(ev.zone.ellipse, 0);
    assert_true(fabs(ev.zone.x0 - 90.0) < 20.0 && fabs(ev.zone.y0 - 110.0) < 20.0);
    assert_true(fabs(ev.zone.x1 - 250.0) < 20.0 && fabs(ev.zone.y1 - 210.0) < 20.0);
    /* dragged backwards with shift: an ellipse, corners sorted */
    SDL_SetModState(KMOD_LSHIFT);
    push_mouse(SDL_MOUSEBUTTONDOWN, x1, y1);
    push_mouse(SDL_MOUSEMOTION, x0, y0);
    push_mouse(SDL_MOUSEBUTTONUP, x0, y0);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_ZONE_ADD);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_int_equal(ev.zone.ellipse, 1);
    assert_true(ev.zone.x0 < ev.zone.x1 && ev.zone.y0 < ev.zone.y1);
    assert_true(fabs(ev.zone.x0 - 90.0) < 20.0 && fabs(ev.zone.y1 - 210.0) < 20.0);
    SDL_SetModState(KMOD_NONE);
    /* dragging past the mat's edge stops at the edge */
    push_mouse(SDL_MOUSEBUTTONDOWN, x0, y0);
    push_mouse(SDL_MOUSEBUTTONUP, rect[0] + rect[2] + 100, rect[1] + rect[3] + 100);
    assert_int_equal(sm_view_poll_event(v, &ev), SM_ACT_ZONE_ADD);
    drain(v); /* SDL ends a poll round with a sentinel: finish it */
    assert_true(fabs(ev.zone.x1 - 480.0) < 1.0 && fabs(ev.zone.y1 - 480.0) < 1.0);
    /* a click is not a zone; a press off the map is not a drag; Esc drops a drag */
    push_mouse(SDL_MOUSEBUTTONDOWN, x0, y0);
    push_mouse(SDL_MOUSEBUTTONUP, x0 + 1, y0);
    assert_int_equal(sm_view_poll(v), SM_ACT_NONE);
    push_mouse(SDL_MOUSEBUTTONDOWN, rect[0] - 20, y0);
    push_mouse(SDL_MOUSEBUTTONUP, x1, y1);
    assert_int_equal(sm_view_poll(v), SM_ACT_NONE);
    push_mouse(SDL_MOUSEBUTTONDOWN, x0, y0);
    push_mouse(SDL_MOUSEMOTION, x1, y1);
    push_key(SDLK_ESCAPE, 0, 0);
    push_mouse(SDL_MOUSEBUTTONUP, x1, y1);
    assert_int_equal(sm_view_poll(v), SM_ACT_NONE);
    sm_view_destroy(v);
    free(f);
}

int main(void)
{
    if (!getenv("SDL_VIDEODRIVER"))
        setenv("SDL_VIDEODRIVER", "dummy", 1);
    tmp = ts_tempdir();
    assert_non_null(tmp);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_changes_in_panel),
        cmocka_unit_test(test_meter_turns_warm_when_moving),
        cmocka_unit_test(test_tool_contour),
        cmocka_unit_test(test_template_outline),
        cmocka_unit_test(test_zone_position_and_alert),
        cmocka_unit_test(test_presenter_larger_instruction),
        cmocka_unit_test(test_patient_and_clinician_views),
        cmocka_unit_test(test_pressure_in_words),
        cmocka_unit_test(test_replaced_cell_drawn_as_its_replacement),
        cmocka_unit_test(test_your_right_your_left),
        cmocka_unit_test(test_nogo_wins_the_panel_and_toasts_show),
        cmocka_unit_test(test_side_by_side_equal_maps),
        cmocka_unit_test(test_values_colour_like_counts),
        cmocka_unit_test(test_overlays_picture_independent),
        cmocka_unit_test(test_keys_give_actions),
        cmocka_unit_test(test_template_name_typing),
        cmocka_unit_test(test_patient_name_typing),
        cmocka_unit_test(test_mouse_drag_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
