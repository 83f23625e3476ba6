/* The live view, judged from its pictures: render headless, save a PNG, load it back and check
 * what a person looking at the screen would notice (where the hot spot is, that the floor is
 * dark, that the CoP marker and an alert are visible, that the mat keeps its shape). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>
#include <SDL_image.h>

#include "sm_colormap.h"
#include "sm_view.h"

#define UNITS "raw counts (uncalibrated)"

static const char *tmp;

/* ---- helpers ------------------------------------------------------------------------- */

static sm_frame_t *new_frame(int rows, int cols)
{
    sm_frame_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->rows = (uint16_t)rows;
    f->cols = (uint16_t)cols;
    return f;
}

static void set_cell(sm_frame_t *f, int r, int c, int val)
{
    f->cells[r * f->cols + c] = (uint16_t)val;
}

static sm_view_model_t model_for(const sm_frame_t *f, const sm_metrics_t *mt)
{
    sm_view_model_t m = {0};
    m.frame = f;
    m.metrics = mt;
    m.pitch_mm = 15.0;
    m.scale_max = 1023.0;
    m.units = UNITS;
    m.source_label = "test";
    m.fps = 50.0;
    return m;
}

/* Render, save as PNG, load it back as ARGB8888. */
static SDL_Surface *shoot(sm_view_t *v, const sm_view_model_t *m, const char *name)
{
    assert_int_equal(sm_view_render(v, m), SM_OK);
    const char *path = ts_path(tmp, name);
    char err[256] = "";
    if (sm_view_screenshot(v, path, err, sizeof err) != SM_OK)
        fail_msg("screenshot: %s", err);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
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

static int lum(const unsigned char rgb[3])
{
    return (299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2]) / 1000;
}

static void cell_centre(const int rect[4], const sm_frame_t *f, double r, double c, int *x, int *y)
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

/* ---- tests --------------------------------------------------------------------------- */

/* One hot cell: the most yellow pixel of the picture is on that cell, it really is the top of
 * the scale, and the mat far away from it stays dark (no colour smeared over unloaded cells). */
static void test_hot_spot_where_the_cell_is(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    const int hr = 9, hc = 17;
    set_cell(f, hr, hc, 1000);
    set_cell(f, hr, hc - 1, 400); /* a realistic shoulder */
    set_cell(f, hr + 1, hc, 300);
    /* Noise at ~1 % of the scale must read as background, not as the scale's low colour. */
    for (int r = 20; r < 30; r++)
        for (int c = 2; c < 8; c++)
            set_cell(f, r, c, 10);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f, NULL);
    SDL_Surface *s = shoot(v, &m, "hot.png");
    assert_int_equal(s->w, 1280);
    assert_int_equal(s->h, 800);

    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    /* viridis' green channel rises monotonically with the value: the greenest pixel inside the
     * map is the hottest-looking one. */
    int bx = -1, by = -1, bg = -1;
    for (int y = rect[1]; y < rect[1] + rect[3]; y++)
        for (int x = rect[0]; x < rect[0] + rect[2]; x++) {
            unsigned char c[3];
            px(s, x, y, c);
            if (c[1] > bg)
                bg = c[1], bx = x, by = y;
        }
    unsigned char hot[3];
    px(s, bx, by, hot);
    int d2;
    int idx = sm_colormap_nearest(hot, &d2);
    assert_true(d2 < 40);                        /* a colour of the scale, not text or marker */
    assert_true(idx >= (1000 * 255) / 1023 - 6); /* near the top: yellow */
    int ex, ey;
    cell_centre(rect, f, hr + 0.5, hc + 0.5, &ex, &ey);
    double cell_px = (double)rect[2] / f->cols;
    assert_true(abs(bx - ex) <= 0.5 * cell_px);
    assert_true(abs(by - ey) <= 0.5 * cell_px);

    /* Far corners and the noisy patch: the mat's dark background. */
    unsigned char bgc[3];
    px(s, rect[0] + 3, rect[1] + rect[3] - 4, bgc);
    assert_true(lum(bgc) < 45);
    int nx, ny;
    cell_centre(rect, f, 25.0, 5.0, &nx, &ny);
    unsigned char noise[3];
    px(s, nx, ny, noise);
    assert_int_equal(noise[0], bgc[0]);
    assert_int_equal(noise[1], bgc[1]);
    assert_int_equal(noise[2], bgc[2]);
    /* The window around the map is dark too. */
    unsigned char win[3];
    px(s, 2, rect[1] + rect[3] / 2, win);
    assert_true(lum(win) < 30);

    SDL_FreeSurface(s);
    sm_view_destroy(v);
    free(f);
}

/* Heatmap is smooth (interpolated values), not blocks: along a row from a hot cell to an empty
 * one the colour steps through many values, not two. */
static void test_heatmap_is_smooth(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(16, 16);
    set_cell(f, 8, 8, 1023);
    sm_view_t *v = ts_headless_view(1000, 800);
    sm_view_model_t m = model_for(f, NULL);
    SDL_Surface *s = shoot(v, &m, "smooth.png");
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int y, x0, x1;
    cell_centre(rect, f, 8.5, 8.5, &x0, &y);
    cell_centre(rect, f, 8.5, 10.5, &x1, &y);
    int distinct = 0, last = -1;
    for (int x = x0; x <= x1; x++) {
        unsigned char c[3];
        px(s, x, y, c);
        int g = c[1];
        if (g != last)
            distinct++;
        last = g;
        (void)c;
    }
    assert_true(distinct > 12);
    SDL_FreeSurface(s);
    sm_view_destroy(v);
    free(f);
}

/* The CoP marker: light and black pixels appear at the CoP (here between two loads, over the
 * dark floor), and nowhere near it when there is no contact. It is context, not the point: never
 * the tool's pure white. */
static void test_cop_marker(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    set_cell(f, 10, 4, 800);
    set_cell(f, 10, 19, 800);
    sm_metrics_t mt = {0};
    mt.total = 1600;
    mt.peak = 800;
    mt.contact_cells = 2;
    mt.area_cm2 = 2 * 2.25;
    mt.cop_row = 10.5;
    mt.cop_col = 12.0;
    mt.has_contact = 1;
    sm_trail_t tr;
    sm_trail_init(&tr);
    for (int i = 0; i <= 60; i++) /* last 2 s drifting from the left towards the CoP */
        sm_trail_push(&tr, 8.0 + i / 30.0, 10.5, 8.0 + 4.0 * i / 60.0);

    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f, &mt);
    m.trail = &tr;
    m.now_s = 10.0;
    SDL_Surface *with = shoot(v, &m, "cop.png");
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int cx, cy;
    cell_centre(rect, f, mt.cop_row, mt.cop_col, &cx, &cy);
    int white = 0, light = 0, black = 0, rad = 40;
    for (int y = cy - rad; y <= cy + rad; y++)
        for (int x = cx - rad; x <= cx + rad; x++) {
            unsigned char c[3];
            px(with, x, y, c);
            if (c[0] > 235 && c[1] > 235 && c[2] > 235)
                white++;
            if (lum(c) > 140)
                light++;
            if (c[0] < 12 && c[1] < 12 && c[2] < 12)
                black++;
        }
    assert_true(light > 60);
    assert_true(black > 30);
    assert_int_equal(white, 0);
    /* The trail: an unbroken line along the path well left of the marker (age ~1.5 s), its
     * white core light where its segments join, across a whole cell of the path. */
    int tx0, tx1, ty, trail_white = 0;
    cell_centre(rect, f, 10.5, 8.5, &tx0, &ty);
    cell_centre(rect, f, 10.5, 9.5, &tx1, &ty);
    for (int x = tx0; x <= tx1; x++) {
        int brightest = 0;
        for (int y = ty - 4; y <= ty + 4; y++) {
            unsigned char c[3];
            px(with, x, y, c);
            brightest = lum(c) > brightest ? lum(c) : brightest;
        }
        assert_true(brightest > 60); /* the map there is dark: 27 */
        trail_white += brightest > 120;
    }
    assert_true(trail_white > 0);

    mt.has_contact = 0;
    m.trail = NULL;
    SDL_Surface *without = shoot(v, &m, "nocop.png");
    int bright = 0;
    for (int y = cy - rad; y <= cy + rad; y++)
        for (int x = cx - rad; x <= cx + rad; x++) {
            unsigned char c[3];
            px(without, x, y, c);
            if (lum(c) > 120)
                bright++;
        }
    assert_int_equal(bright, 0);
    SDL_FreeSurface(with);
    SDL_FreeSurface(without);
    sm_view_destroy(v);
    free(f);
}

/* An alert covers the middle of the map with a big amber box. */
static void test_alert_is_visible(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    set_cell(f, 16, 12, 600);
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(f, NULL);
    SDL_Surface *calm = shoot(v, &m, "calm.png");
    m.alert = "Mat disconnected - plug it back in; reconnecting...";
    SDL_Surface *alarm = shoot(v, &m, "alert.png");
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    int changed = 0, amber = 0, n = 0;
    for (int y = rect[1] + rect[3] * 2 / 5; y < rect[1] + rect[3] * 3 / 5; y++)
        for (int x = rect[0] + rect[2] / 4; x < rect[0] + rect[2] * 3 / 4; x++) {
            unsigned char a[3], b[3];
            px(calm, x, y, a);
            px(alarm, x, y, b);
            n++;
            if (memcmp(a, b, 3) != 0)
                changed++;
            if (b[0] > 230 && b[1] > 160 && b[1] < 220 && b[2] < 60)
                amber++;
        }
    assert_true(changed > n / 2);
    assert_true(amber > n / 4);
    SDL_FreeSurface(calm);
    SDL_FreeSurface(alarm);
    sm_view_destroy(v);
    free(f);
}

/* No frame yet: a calm waiting screen (no heatmap, some text in the middle, no error). */
static void test_waiting_screen(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = model_for(NULL, NULL);
    m.source_label = "/dev/ttyUSB0";
    SDL_Surface *s = shoot(v, &m, "waiting.png");
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 0);
    int text = 0, loud = 0;
    for (int y = 300; y < 500; y++)
        for (int x = 200; x < 1080; x++) {
            unsigned char c[3];
            px(s, x, y, c);
            if (lum(c) > 100)
                text++;
            /* calm: nothing saturated (no red, amber or yellow) */
            int mx = c[0] > c[1] ? (c[0] > c[2] ? c[0] : c[2]) : (c[1] > c[2] ? c[1] : c[2]);
            int mn = c[0] < c[1] ? (c[0] < c[2] ? c[0] : c[2]) : (c[1] < c[2] ? c[1] : c[2]);
            if (mx - mn > 80)
                loud++;
        }
    if (fonts_installed())
        assert_true(text > 500);
    assert_int_equal(loud, 0);
    SDL_FreeSurface(s);
    sm_view_destroy(v);
}

/* Any window shape and any mat: square cells (the map keeps rows:cols), inside the picture. */
static void test_aspect_ratio_kept(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 800}, {800, 1000}, {1920, 1080},
                                   {640, 480},  {1000, 400}, {480, 800}};
    static const int mats[][2] = {{32, 24}, {64, 32}, {16, 48}, {64, 64}, {1, 8}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sm_view_t *v = ts_headless_view(sizes[i][0], sizes[i][1]);
        int ow, oh;
        sm_view_output_size(v, &ow, &oh);
        assert_int_equal(ow, sizes[i][0]);
        assert_int_equal(oh, sizes[i][1]);
        for (size_t k = 0; k < sizeof mats / sizeof mats[0]; k++) {
            sm_frame_t *f = new_frame(mats[k][0], mats[k][1]);
            set_cell(f, 0, 0, 500);
            sm_view_model_t m = model_for(f, NULL);
            assert_int_equal(sm_view_render(v, &m), SM_OK);
            int rect[4];
            assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
            double want = (double)f->cols / f->rows, got = (double)rect[2] / rect[3];
            /* within one pixel of rounding on either side */
            assert_true(fabs(got - want) <= want * (1.0 / rect[2] + 1.0 / rect[3]) + 1e-9);
            assert_true(rect[0] >= 0 && rect[1] >= 0);
            assert_true(rect[0] + rect[2] <= ow && rect[1] + rect[3] <= oh);
            /* the map is the main thing on screen */
            assert_true((double)rect[2] * rect[3] > 0.04 * ow * oh);
            free(f);
        }
        /* and the picture saved has the window's size */
        sm_view_model_t m0 = model_for(NULL, NULL);
        SDL_Surface *s = shoot(v, &m0, "size.png");
        assert_int_equal(s->w, sizes[i][0]);
        assert_int_equal(s->h, sizes[i][1]);
        SDL_FreeSurface(s);
        sm_view_destroy(v);
    }
}

/* Each picture is drawn whole: only the parts nothing opaque covers get the window colour, so
 * a picture that follows others (waiting screen, alert, banner, badges, another mat, another
 * scale) must be pixel for pixel the picture a fresh view draws, in any window shape. */
static void test_picture_independent_of_the_previous(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 800}, {700, 900}, {480, 320}, {64, 64}};
    sm_frame_t *f = new_frame(32, 24), *g = new_frame(16, 48);
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++)
            set_cell(f, r, c, (r * 37 + c * 11) % 700);
    set_cell(g, 8, 40, 1023);
    sm_metrics_t mt = {0};
    mt.has_contact = 1;
    mt.total = 12345;
    mt.peak = 700;
    mt.area_cm2 = 321;
    mt.cop_row = 12.3;
    mt.cop_col = 9.7;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sm_view_t *v = ts_headless_view(sizes[i][0], sizes[i][1]);
        sm_view_model_t m = model_for(NULL, NULL);
        m.alert = "Mat disconnected - plug it back in; reconnecting...";
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        m = model_for(g, &mt);
        m.banner = "No mat found: showing the simulator";
        m.notice = "Recording failed: disk full";
        m.paused = m.recording = 1;
        m.scale_max = 4095;
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        m.alert = "Mat disconnected - plug it back in; reconnecting...";
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        sm_view_model_t last = model_for(f, &mt);
        SDL_Surface *after = shoot(v, &last, "after_others.png");
        sm_view_t *fresh = ts_headless_view(sizes[i][0], sizes[i][1]);
        SDL_Surface *alone = shoot(fresh, &last, "alone.png");
        assert_int_equal(after->w, alone->w);
        assert_int_equal(after->h, alone->h);
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
    free(g);
}

/* A long session: thousands of pictures with changing values and numbers do not grow the text
 * cache (LeakSanitizer checks the rest at exit). */
static void test_many_renders_bounded(void **state)
{
    (void)state;
    sm_frame_t *f = new_frame(32, 24);
    sm_metrics_t mt = {0};
    mt.has_contact = 1;
    sm_trail_t tr;
    sm_trail_init(&tr);
    sm_view_t *v = ts_headless_view(640, 400);
    sm_view_model_t m = model_for(f, &mt);
    m.trail = &tr;
    int max_entries = 0;
    size_t max_bytes = 0;
    for (int i = 0; i < 2000; i++) {
        for (int k = 0; k < 5; k++)
            set_cell(f, (i + k * 5) % 32, (i * 3 + k) % 24, (i * 37 + k * 101) % 1024);
        mt.total = 1000.0 + i;
        mt.peak = i % 1024;
        mt.area_cm2 = i * 0.25;
        mt.cop_row = 16 + 3 * sin(i * 0.05);
        mt.cop_col = 12 + 3 * cos(i * 0.05);
        sm_trail_push(&tr, i / 50.0, mt.cop_row, mt.cop_col);
        m.now_s = i / 50.0;
        m.fps = 40 + i % 20;
        m.crc_errors = (unsigned long)i / 7;
        m.paused = (i / 100) % 2;
        m.alert = (i / 250) % 2 ? "Mat disconnected - plug it back in; reconnecting..." : NULL;
        m.frame = i % 400 == 399 ? NULL : f;
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        int entries;
        size_t bytes;
        sm_view_cache_stats(v, &entries, &bytes);
        if (entries > max_entries)
            max_entries = entries;
        if (bytes > max_bytes)
            max_bytes = bytes;
    }
    assert_true(max_entries <= 64);
    assert_true(max_bytes < 16u * 1024 * 1024);
    sm_view_destroy(v);
    free(f);
}

static void test_bad_input_is_not_fatal(void **state)
{
    (void)state;
    char err[256] = "";
    sm_view_t *v = ts_headless_view(640, 400);
    /* nothing drawn yet */
    assert_int_not_equal(sm_view_screenshot(v, ts_path(tmp, "early.png"), err, sizeof err), SM_OK);
    assert_true(strlen(err) > 0);
    /* odd models: no units, zero scale, too large a frame, NaN CoP */
    sm_frame_t *f = new_frame(8, 8);
    set_cell(f, 3, 3, 4000);
    sm_metrics_t mt = {0};
    mt.has_contact = 1;
    mt.cop_row = NAN;
    mt.cop_col = 2;
    sm_view_model_t m = {0};
    m.frame = f;
    m.metrics = &mt;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    f->rows = 200;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_equal(sm_view_render(v, NULL), SM_ERR_ARG);
    assert_int_equal(sm_view_render(NULL, &m), SM_ERR_ARG);
    /* a path that cannot be written */
    assert_int_equal(sm_view_screenshot(v, "/nonexistent-dir/x.png", err, sizeof err), SM_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent-dir/x.png"));
    sm_view_destroy(v);
    sm_view_destroy(NULL);
    free(f);
}

/* A real window (under the dummy video driver in the tests): renders, keeps a copy for
 * screenshots, and maps keys to actions. */
static void test_window_and_keys(void **state)
{
    (void)state;
    char err[256] = "";
    sm_view_config_t cfg = {.width = 900, .height = 600, .title = "SteadyMat test"};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    if (!v)
        fail_msg("windowed view under SDL_VIDEODRIVER=%s: %s", getenv("SDL_VIDEODRIVER"), err);
    sm_frame_t *f = new_frame(24, 24);
    set_cell(f, 12, 12, 900);
    sm_view_model_t m = model_for(f, NULL);
    SDL_Surface *s = shoot(v, &m, "window.png");
    int ow, oh;
    sm_view_output_size(v, &ow, &oh);
    assert_int_equal(s->w, ow);
    assert_int_equal(s->h, oh);
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    unsigned char c[3];
    int cx, cy;
    cell_centre(rect, f, 12.5, 12.5, &cx, &cy);
    px(s, cx, cy, c);
    assert_true(sm_colormap_nearest(c, NULL) > 200);
    SDL_FreeSurface(s);

    while (sm_view_poll(v) != SM_ACT_NONE) {
    }
    static const struct {
        SDL_Keycode key;
        int repeat;
        sm_action_t act;
    } keys[] = {
        {SDLK_ESCAPE, 0, SM_ACT_QUIT},     {SDLK_q, 0, SM_ACT_QUIT},
        {SDLK_SPACE, 0, SM_ACT_PAUSE},     {SDLK_SPACE, 1, SM_ACT_NONE},
        {SDLK_LEFT, 0, SM_ACT_SEEK_BACK},  {SDLK_RIGHT, 1, SM_ACT_SEEK_FWD},
        {SDLK_DOWN, 0, SM_ACT_SLOWER},     {SDLK_MINUS, 0, SM_ACT_SLOWER},
        {SDLK_KP_MINUS, 0, SM_ACT_SLOWER}, {SDLK_UP, 0, SM_ACT_FASTER},
        {SDLK_PLUS, 0, SM_ACT_FASTER},     {SDLK_EQUALS, 0, SM_ACT_FASTER},
        {SDLK_KP_PLUS, 0, SM_ACT_FASTER},  {SDLK_HOME, 0, SM_ACT_HOME},
        {SDLK_a, 0, SM_ACT_NONE},          {SDLK_F11, 0, SM_ACT_NONE},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.state = SDL_PRESSED;
        e.key.repeat = (Uint8)keys[i].repeat;
        e.key.keysym.sym = keys[i].key;
        assert_int_equal(SDL_PushEvent(&e), 1);
        sm_action_t got = sm_view_poll(v);
        if (got != keys[i].act)
            fail_msg("key %s (repeat %d): action %d, want %d", SDL_GetKeyName(keys[i].key),
                     keys[i].repeat, got, keys[i].act);
        while (sm_view_poll(v) != SM_ACT_NONE) {
        }
    }
    /* after F11 (fullscreen toggled inside) the view still renders at the new size */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    /* the renderer lost its textures (Direct3D after sleep): the next picture is whole again */
    SDL_Event reset;
    memset(&reset, 0, sizeof reset);
    reset.type = SDL_RENDER_DEVICE_RESET;
    SDL_PushEvent(&reset);
    assert_int_equal(sm_view_poll(v), SM_ACT_NONE);
    s = shoot(v, &m, "after-reset.png");
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    cell_centre(rect, f, 12.5, 12.5, &cx, &cy);
    px(s, cx, cy, c);
    assert_true(sm_colormap_nearest(c, NULL) > 200);
    SDL_FreeSurface(s);
    SDL_Event q;
    memset(&q, 0, sizeof q);
    q.type = SDL_QUIT;
    SDL_PushEvent(&q);
    assert_int_equal(sm_view_poll(v), SM_ACT_QUIT);
    sm_view_destroy(v);

    /* Opting out of the per-render copy: screenshot explains why it cannot. */
    cfg.no_readback = 1;
    v = sm_view_create(&cfg, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_not_equal(sm_view_screenshot(v, ts_path(tmp, "x.png"), err, sizeof err), SM_OK);
    assert_non_null(strstr(err, "no_readback"));
    sm_view_destroy(v);
    free(f);
}

/* No font anywhere: the view still shows the heatmap, marker and legend bar, just no text. */
static void test_runs_without_fonts(void **state)
{
    (void)state;
    char err[256] = "";
    sm_view_config_t cfg = {
        .width = 800, .height = 500, .headless = 1, .font_dir = "/nonexistent-font-dir"};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    if (!v)
        fail_msg("sm_view_create without fonts: %s", err);
    sm_view_model_t m = model_for(NULL, NULL);
    SDL_Surface *s = shoot(v, &m, "nofont-wait.png");
    int bright = 0;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            unsigned char c[3];
            px(s, x, y, c);
            if (lum(c) > 100)
                bright++;
        }
    assert_int_equal(bright, 0); /* no text drawn, and nothing else either */
    SDL_FreeSurface(s);
    sm_frame_t *f = new_frame(16, 16);
    set_cell(f, 4, 4, 1000);
    m = model_for(f, NULL);
    m.alert = "Mat disconnected";
    m.banner = "No mat found";
    m.recording = m.paused = m.replay = 1;
    s = shoot(v, &m, "nofont-frame.png");
    int rect[4];
    assert_int_equal(sm_view_heatmap_rect(v, rect), 1);
    SDL_FreeSurface(s);
    sm_view_destroy(v);
    free(f);
}

/* No usable display: NULL and a message that says what to do. */
static void test_no_display_message(void **state)
{
    (void)state;
    char *old = getenv("SDL_VIDEODRIVER") ? strdup(getenv("SDL_VIDEODRIVER")) : NULL;
    setenv("SDL_VIDEODRIVER", "no-such-driver", 1);
    char err[256] = "";
    sm_view_config_t cfg = {.width = 640, .height = 400};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    assert_null(v);
    assert_non_null(strstr(err, "cannot open a window"));
    assert_non_null(strstr(err, "--headless"));
    if (old) {
        setenv("SDL_VIDEODRIVER", old, 1);
        free(old);
    } else {
        unsetenv("SDL_VIDEODRIVER");
    }
    /* headless needs no display at all */
    cfg.headless = 1;
    v = sm_view_create(&cfg, err, sizeof err);
    assert_non_null(v);
    sm_view_destroy(v);
}

int main(void)
{
    if (!getenv("SDL_VIDEODRIVER"))
        setenv("SDL_VIDEODRIVER", "dummy", 1);
    tmp = ts_tempdir();
    assert_non_null(tmp);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hot_spot_where_the_cell_is),
        cmocka_unit_test(test_heatmap_is_smooth),
        cmocka_unit_test(test_cop_marker),
        cmocka_unit_test(test_alert_is_visible),
        cmocka_unit_test(test_waiting_screen),
        cmocka_unit_test(test_aspect_ratio_kept),
        cmocka_unit_test(test_picture_independent_of_the_previous),
        cmocka_unit_test(test_many_renders_bounded),
        cmocka_unit_test(test_bad_input_is_not_fatal),
        cmocka_unit_test(test_runs_without_fonts),
        cmocka_unit_test(test_window_and_keys),
        cmocka_unit_test(test_no_display_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
