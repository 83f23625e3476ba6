/* Read from across a room and from the floor, measured on the pixels through the layout: in
 * presenter mode the hold timer's digits are at least a quarter of the window's height and the
 * instruction stays on one line (1280x800 and 1920x1080, the longest instructions the coach
 * gives); in the clinician view total, area and peak are digits at least 40 px tall at 1280x800,
 * also for the widest raw-count values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>

#include "sm_view_internal.h"

static sm_frame_t frame;
static sm_metrics_t metrics;

static void setup_frame(void)
{
    memset(&frame, 0, sizeof frame);
    frame.rows = 32, frame.cols = 24;
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            double d2 = (r - 20.0) * (r - 20.0) + (c - 8.0) * (c - 8.0);
            frame.cells[r * 24 + c] = (uint16_t)(150 + 700 * exp(-d2 / 3.0));
        }
    sm_metrics_compute(&frame, 25.0, 50, &metrics);
}

static sm_view_model_t coach_model(void)
{
    sm_view_model_t m = {0};
    m.frame = &frame, m.metrics = &metrics, m.now_s = 50;
    m.pitch_mm = 25.0, m.scale_max = 1023.0, m.units = "raw counts (uncalibrated)";
    m.source_label = "test", m.fps = 50;
    m.coach = 1, m.phase = "Hold", m.instruction = "Hold still - breathe slowly";
    m.steady_s = 42, m.target_s = 60, m.meter = 0.9, m.side = "right", m.volume = 0.7;
    m.protocol_text = "Ball release";
    return m;
}

static int same(const sm_view_t *v, int x, int y, SDL_Color c)
{
    const SDL_Surface *s = v->target;
    Uint32 p = ((const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch))[x];
    Uint8 r, g, b;
    SDL_GetRGB(p, s->format, &r, &g, &b);
    return r == c.r && g == c.g && b == c.b;
}

/* Bounding box of the pixels of colour c inside box (the inside of glyphs is exactly the text's
 * colour; the anti-aliased edges are not). Returns the number of such pixels. */
static int ink_box(const sm_view_t *v, SDL_Rect box, SDL_Color c, SDL_Rect *out)
{
    int n = 0, x0 = box.x + box.w, y0 = box.y + box.h, x1 = -1, y1 = -1;
    for (int y = box.y; y < box.y + box.h; y++)
        for (int x = box.x; x < box.x + box.w; x++)
            if (same(v, x, y, c)) {
                n++;
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
            }
    *out = n ? (SDL_Rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1} : (SDL_Rect){0, 0, 0, 0};
    return n;
}

/* Render m and give back the layout it was drawn with. */
static void render(sm_view_t *v, const sm_view_model_t *m, sm_layout_t *L)
{
    sm_view_ctx_t c;
    assert_int_equal(sm_view_render(v, m), SM_OK);
    assert_int_equal(sm_view_prepare(v, m, L, &c), 1); /* the same layout, for its rects */
}

/* The height of the first glyph of the text in box (its leftmost run of ink columns): every
 * instruction starts with a capital, so this is the cap height the line is drawn at. */
static int first_glyph_h(const sm_view_t *v, SDL_Rect ink, SDL_Color c)
{
    int x = ink.x, top = ink.y + ink.h, bot = -1;
    for (; x < ink.x + ink.w; x++) {
        int any = 0;
        for (int y = ink.y; y < ink.y + ink.h; y++)
            if (same(v, x, y, c)) {
                any = 1;
                top = y < top ? y : top, bot = y > bot ? y : bot;
            }
        if (!any && bot >= 0)
            break;
    }
    return bot - top + 1;
}

static void test_presenter_timer_and_one_line(void **state)
{
    (void)state;
    setup_frame();
    static const int sizes[][2] = {{1280, 800}, {1920, 1080}};
    /* the coach's longest instructions, and the no-go override */
    static const char *const words[] = {"Hold still - breathe slowly",
                                        "Is it easing? If not, move to another spot",
                                        "Mat lost - check the cable; the hold is paused",
                                        "Released - ease off, then the other side"};
    static const double timers[][2] = {{42, 60}, {7, 60}, {118, 120}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int W = sizes[k][0], H = sizes[k][1];
        sm_view_t *v = ts_headless_view(W, H);
        for (int clin = 0; clin < 2; clin++)
            for (size_t t = 0; t < sizeof timers / sizeof timers[0]; t++) {
                sm_view_model_t m = coach_model();
                m.presenter = 1, m.clinician = clin;
                m.steady_s = timers[t][0], m.target_s = timers[t][1];
                sm_layout_t L;
                render(v, &m, &L);
                SDL_Rect ink;
                assert_true(ink_box(v, L.panel, SM_PAL_PRESENTER.number, &ink) > 1000);
                if (ink.h * 4 < H)
                    fail_msg("%dx%d: timer %.0f / %.0f s is %d px tall, under a quarter of %d", W,
                             H, m.steady_s, m.target_s, ink.h, H);
            }
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            for (int zone = 0; zone < 2; zone++) {
                sm_view_model_t m = coach_model();
                m.presenter = 1, m.instruction = words[i], m.zone_alert = zone;
                sm_layout_t L;
                render(v, &m, &L);
                assert_true(L.instr.w > 0);
                SDL_Color c = zone ? C_BAD : SM_PAL_PRESENTER.text;
                SDL_Rect ink;
                /* the strip, as much again above it and everything below it (a second line
                 * would spill there) */
                SDL_Rect band = {0, L.instr.y - L.instr.h, W, H - L.instr.y + L.instr.h};
                assert_true(ink_box(v, band, c, &ink) > 500);
                assert_true(ink.y >= L.instr.y && ink.y + ink.h <= L.instr.y + L.instr.h);
                /* one line: the ink is no taller than a capital with a descender below it
                 * (two lines would be more than twice a capital) */
                int cap = first_glyph_h(v, ink, c);
                if (ink.h > cap * 3 / 2)
                    fail_msg("%dx%d: '%s' is %d px tall with capitals of %d px: not one line", W, H,
                             zone ? "Move out of the hip fold" : words[i], ink.h, cap);
                /* large enough to read across a room: capitals 3 % of the height or more */
                if (cap * 100 < 3 * H)
                    fail_msg("%dx%d: '%s' has capitals of %d px", W, H, words[i], cap);
            }
        sm_view_destroy(v);
    }
}

/* The clinician's numbers: total, area and peak under the map, digits at least 40 px tall at
 * 1280x800 (measured: the tallest run of text-coloured pixels in each column of the row). */
static void test_clinician_numbers_40px(void **state)
{
    (void)state;
    setup_frame();
    sm_view_t *v = ts_headless_view(1280, 800);
    static const double values[][3] = {{571, 638, 150}, {45312, 1638.4, 1023}};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        sm_view_model_t m = coach_model();
        m.clinician = 1;
        sm_metrics_t mt = metrics;
        mt.total = values[k][0], mt.area_cm2 = values[k][1], mt.peak = values[k][2];
        m.metrics = &mt;
        sm_layout_t L;
        render(v, &m, &L);
        assert_true(L.numbers.w > 0);
        /* under the map, beside the panel, above the status line */
        assert_true(L.numbers.y >= L.map.y + L.map.h);
        assert_true(L.numbers.x + L.numbers.w <= L.panel.x);
        assert_true(L.numbers.y + L.numbers.h <= L.status.y);
        int cw = L.numbers.w / 3;
        for (int i = 0; i < 3; i++) {
            SDL_Rect col = {L.numbers.x + i * cw, L.numbers.y, cw, L.numbers.h}, ink;
            assert_true(ink_box(v, col, SM_PAL_NORMAL.text, &ink) > 300);
            if (ink.h < 40)
                fail_msg("number %d of %.0f/%.1f/%.0f is %d px tall", i, values[k][0], values[k][1],
                         values[k][2], ink.h);
        }
    }
    /* the patient view has no such row */
    sm_view_model_t m = coach_model();
    sm_layout_t L;
    render(v, &m, &L);
    assert_int_equal(L.numbers.w, 0);
    sm_view_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presenter_timer_and_one_line),
        cmocka_unit_test(test_clinician_numbers_40px),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
