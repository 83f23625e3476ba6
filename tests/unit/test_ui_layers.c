/* The live view is a stack of layers, each drawable on its own off-screen (SDL's software renderer
 * on a surface). Each layer, drawn alone over a blank picture, draws something a person would see
 * and keeps to its own part of the screen (the coach in the side panel, the status line at the
 * bottom, the map's marks on the map), and the view is exactly its layers drawn in order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>

#include "sm_view_internal.h"

static const Uint32 BLANK = 0xFF010203u; /* a colour no layer draws */

static sm_frame_t frame;
static uint8_t labels[SM_MAX_CELLS], ghosts[SM_MAX_CELLS], tmask[SM_MAX_CELLS];
static sm_trail_t trail;
static sm_metrics_t metrics;
static sm_view_zone_t zones[1] = {{0, 20.0, 300.0, 140.0, 420.0, 1}};

/* A person on a 32 x 24 mat at 20 mm: the body down the middle, the tool low on the left. */
static void setup_frame(void)
{
    int rows = 32, cols = 24;
    memset(&frame, 0, sizeof frame);
    frame.rows = (uint16_t)rows, frame.cols = (uint16_t)cols;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double dy = (r - 16.0) / 11.0, dx = (c - 12.0) / 5.0;
            double body = dx * dx + dy * dy < 1 ? 300.0 : 0.0;
            double d2 = (r - 20.0) * (r - 20.0) + (c - 8.0) * (c - 8.0);
            double v = body + 700.0 * exp(-d2 / 3.0);
            int i = r * cols + c;
            frame.cells[i] = (uint16_t)(v > 1023 ? 1023 : v);
            labels[i] = d2 < 6 ? 2 : frame.cells[i] > 100 ? 1 : 0;
            tmask[i] = (r - 18) * (r - 18) + (c - 10) * (c - 10) < 7;
        }
    labels[5 * cols + 12] = 3;
    ghosts[26 * cols + 18] = 1;
    sm_trail_init(&trail);
    for (int i = 0; i < 60; i++)
        sm_trail_push(&trail, 10.0 + i * 0.03, 20.0 + 0.8 * sin(i * 0.2), 8.0 + 0.8 * cos(i * 0.3));
    sm_metrics_compute(&frame, 20.0, 50, &metrics);
}

static sm_view_model_t full_model(void)
{
    sm_view_model_t m = {0};
    m.frame = &frame, m.metrics = &metrics, m.trail = &trail, m.now_s = 11.8;
    m.pitch_mm = 20.0, m.scale_max = 1023.0, m.units = "raw counts (uncalibrated)";
    m.source_label = "simulator: ball-steady", m.fps = 50;
    m.labels = labels, m.ghosts = ghosts;
    m.template_mask = tmask, m.template_text = "right ASIS: move the ball 1.5 cm toward your feet";
    m.zones = zones, m.n_zones = 1;
    m.coach = 1, m.phase = "Hold", m.instruction = "Hold still - breathe slowly";
    m.steady_s = 42, m.target_s = 60, m.meter = 0.9, m.side = "right", m.volume = 0.7;
    m.recording = 1;
    m.banner = "No mat found: showing the simulator";
    m.alert = "Mat disconnected - check the cable";
    m.safety = 1;
    m.clinician = 1; /* everything on screen */
    m.toast = "Soreness 6 of 10 saved for this spot, right side";
    m.pressure_text = "firm", m.pressure_level = 2;
    return m;
}

static Uint32 pixel(const sm_view_t *v, int x, int y)
{
    const SDL_Surface *s = v->target;
    return ((const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch))[x] | 0xFF000000u;
}

/* Draws layer `name` alone over a blank picture; counts the pixels it changed inside and
 * outside box (w 0: no box). */
static void draw_alone(sm_view_t *v, const sm_view_model_t *m, const char *name, SDL_Rect box,
                       int *in, int *out, sm_layout_t *L)
{
    int n = 0;
    const sm_layer_t *layers = sm_view_layers(&n);
    sm_view_ctx_t c;
    assert_int_equal(sm_view_prepare(v, m, L, &c), 1);
    SDL_FillRect(v->target, NULL, BLANK);
    int found = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(layers[i].name, name) == 0) {
            layers[i].draw(v, &c);
            found = 1;
        }
    if (!found)
        fail_msg("no layer named %s", name);
    SDL_RenderFlush(v->ren);
    *in = *out = 0;
    for (int y = 0; y < v->target->h; y++)
        for (int x = 0; x < v->target->w; x++) {
            if (pixel(v, x, y) == BLANK)
                continue;
            int inside =
                box.w > 0 && x >= box.x && y >= box.y && x < box.x + box.w && y < box.y + box.h;
            if (inside || box.w == 0)
                (*in)++;
            else
                (*out)++;
        }
}

/* Every layer draws something of its own when its state is on. */
static void test_each_layer_draws_alone(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = full_model();
    v->naming = 1; /* the name box is open */
    snprintf(v->name, sizeof v->name, "right ASIS");
    int n = 0;
    const sm_layer_t *layers = sm_view_layers(&n);
    assert_true(n >= 10);
    for (int i = 0; i < n; i++) {
        sm_view_model_t mi = m;
        if (strcmp(layers[i].name, "numbers") == 0)
            mi.coach = 0; /* the big numbers show when the coach is off */
        static const char *const need[] = {"A board of 30 x 40 cm loaded to 75 kg"};
        sm_view_calscreen_t cs = {.title = "You will need", .lines = need, .n_lines = 1};
        if (strcmp(layers[i].name, "calibration") == 0)
            mi.calscreen = &cs; /* only while calibrating */
        int in = 0, out = 0;
        sm_layout_t L;
        draw_alone(v, &mi, layers[i].name, (SDL_Rect){0, 0, 0, 0}, &in, &out, &L);
        /* at least a short word's worth of pixels */
        if (in < 1000)
            fail_msg("layer %s drew only %d pixels", layers[i].name, in);
    }
    sm_view_destroy(v);
}

/* Layers keep to their places: a newcomer who changes the status line cannot paint the map. */
static void test_layers_keep_to_their_places(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = full_model();
    m.alert = NULL, m.banner = NULL, m.safety = 0;
    sm_layout_t L;
    int in = 0, out = 0;

    draw_alone(v, &m, "status", (SDL_Rect){0, 0, 0, 0}, &in, &out, &L);
    draw_alone(v, &m, "status", L.status, &in, &out, &L);
    assert_true(in > 1000);
    assert_int_equal(out, 0);

    draw_alone(v, &m, "coach", L.panel, &in, &out, &L);
    assert_true(in > L.panel.w * L.panel.h / 2); /* the panel's ground and everything on it */
    assert_int_equal(out, 0);

    sm_view_model_t mn = m;
    mn.coach = 0;
    draw_alone(v, &mn, "numbers", L.panel, &in, &out, &L);
    assert_true(in > L.panel.w * L.panel.h / 2);
    assert_int_equal(out, 0);

    /* The heatmap and the marks on it stay left of the panel and above the status line. */
    SDL_Rect column = {0, 0, L.panel.x, L.status.y};
    draw_alone(v, &m, "heatmap", column, &in, &out, &L);
    assert_true(in > L.map.w * L.map.h);
    assert_int_equal(out, 0);
    draw_alone(v, &m, "marks", column, &in, &out, &L);
    assert_true(in > 500);
    assert_int_equal(out, 0);

    /* Zones and the trail are on the map itself (the zone is clipped to it). */
    SDL_Rect map = L.map;
    draw_alone(v, &m, "zones", map, &in, &out, &L);
    assert_true(in > 1000);
    assert_int_equal(out, 0);
    draw_alone(v, &m, "trail", map, &in, &out, &L);
    assert_true(in > 200);
    assert_int_equal(out, 0);
    sm_view_destroy(v);
}

/* The picture sm_view_render makes is its layers over the background, in the table's order. */
static void test_view_is_its_layers(void **state)
{
    (void)state;
    sm_view_t *v = ts_headless_view(1280, 800);
    sm_view_model_t m = full_model();
    m.safety = 0;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    size_t bytes = (size_t)v->target->pitch * v->target->h;
    unsigned char *whole = malloc(bytes);
    assert_non_null(whole);
    memcpy(whole, v->target->pixels, bytes);

    int n = 0;
    const sm_layer_t *layers = sm_view_layers(&n);
    sm_layout_t L;
    sm_view_ctx_t c;
    assert_int_equal(sm_view_prepare(v, &m, &L, &c), 1);
    SDL_FillRect(v->target, NULL, BLANK);
    sm_view_clear(v, &c);
    for (int i = 0; i < n; i++)
        layers[i].draw(v, &c);
    SDL_RenderFlush(v->ren);
    assert_memory_equal(whole, v->target->pixels, bytes);
    free(whole);
    sm_view_destroy(v);
}

/* The numbers on screen (legend, totals): rounded as printf rounds (to nearest, ties to even),
 * thousands set apart by a thin space, and no "-0". Checked against printf itself. */
static void test_numbers_read_as_printf_rounds(void **state)
{
    (void)state;
    const double xs[] = {0.0,    10.0,   12.5,    13.5,      99.5,  100.0,  999.49, 999.5, 1000.0,
                         1023.0, 4095.0, 12345.6, 1234567.0, -10.0, -2.5e3, -0.4,   1e15,  3.7e17};
    srand(7);
    for (int i = 0; i < 2000 + (int)(sizeof xs / sizeof xs[0]); i++) {
        double x = i < (int)(sizeof xs / sizeof xs[0]) ? xs[i] : (rand() % 2000000 - 1000000) / 8.0;
        if (fabs(x) < 10.0)
            continue; /* small fractions get a decimal: another rule */
        char got[64], plain[40], want[64];
        sm_view_fmt_value(x, got, sizeof got);
        snprintf(plain, sizeof plain, "%.0f", fabs(x));
        size_t o = 0, len = strlen(plain);
        if (x < 0 && strcmp(plain, "0") != 0)
            want[o++] = '-';
        for (size_t k = 0; k < len; k++) {
            if (k > 0 && (len - k) % 3 == 0) {
                memcpy(want + o, "\xe2\x80\x89", 3);
                o += 3;
            }
            want[o++] = plain[k];
        }
        want[o] = '\0';
        if (strcmp(got, want) != 0)
            fail_msg("%.17g: \"%s\", printf gives \"%s\"", x, got, want);
    }
}

int main(void)
{
    setup_frame();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_layer_draws_alone),
        cmocka_unit_test(test_layers_keep_to_their_places),
        cmocka_unit_test(test_view_is_its_layers),
        cmocka_unit_test(test_numbers_read_as_printf_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
