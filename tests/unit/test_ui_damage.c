/* Drawing only what changed (sm_view_damage.c) gives the very picture of drawing everything: two
 * off-screen views follow the same session, one drawing only the parts that changed, one drawing
 * the whole picture every time, and every picture is compared pixel for pixel. The session goes
 * through what a person and a clinician see: a breathing body, the tool sliding and resting,
 * its trail fading, the timer counting, the meter pulsing while moving, the instruction changing,
 * a toast, a no-go zone entered, the compare pane, presenter mode, the clinician view, the safety
 * screen, a calibration screen, a name typed, the mat lost and back. And it is cheaper: a frame
 * where only the body breathes draws a small part of the picture, an unchanged one nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>

#include "sm_colormap.h"
#include "sm_view_internal.h"
#include "ts_pixels.h"

static sm_frame_t frame, cmp;
static uint8_t labels[SM_MAX_CELLS], tmask[SM_MAX_CELLS];
static sm_trail_t trail;
static sm_metrics_t metrics;
static sm_view_zone_t zones[1] = {{0, 60.0, 300.0, 220.0, 420.0, 0}};

/* A body down the middle breathing (its pressure swells with phase), the tool at (tr, tc). */
static void make_frame(sm_frame_t *f, double breath, double tr, double tc, unsigned seed)
{
    int rows = 32, cols = 24;
    f->rows = (uint16_t)rows, f->cols = (uint16_t)cols;
    srand(seed);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double dy = (r - 12.0) / 7.0, dx = (c - 12.0) / 5.0;
            double body = dx * dx + dy * dy < 1 ? 250.0 + 30.0 * breath * (1 - dy * dy) : 0.0;
            double d2 = (r - tr) * (r - tr) + (c - tc) * (c - tc);
            double v = body + 700.0 * exp(-d2 / 3.0);
            int i = r * cols + c;
            f->cells[i] = (uint16_t)(v > 1023 ? 1023 : v);
            labels[i] = d2 < 6 ? 2 : f->cells[i] > 100 ? 1 : 0;
            tmask[i] = (r - 22) * (r - 22) + (c - 9) * (c - 9) < 7;
        }
    f->cells[3 * cols + 20] = (uint16_t)(rand() % 40); /* a noisy cell in a corner */
}

static sm_view_t *headless(int whole)
{
    sm_view_t *v = ts_headless_view(1280, 800);
    v->no_cache = whole; /* draws everything, every time */
    return v;
}

/* The view drawing in parts (parts) and the one drawing whole agree on model m at this step. */
static void render_both(sm_view_t *parts, sm_view_t *whole, const sm_view_model_t *m, int step,
                        const char *what)
{
    char label[160];
    snprintf(label, sizeof label, "step %d (%s), drawn in parts against whole", step, what);
    ts_views_agree(parts, whole, m, label);
}

static const char *const INSTR[] = {"Hold still - breathe slowly", "Settle onto the ball",
                                    "Keep still - you moved"};

static void test_parts_make_the_whole_picture(void **state)
{
    (void)state;
    sm_view_t *parts = headless(0), *whole = headless(1);
    assert_true(parts->retained);
    sm_trail_init(&trail);
    static const sm_view_calscreen_t cal = {.title = "You will need", .lines = NULL};
    long small = 0, frames_only = 0;
    for (int step = 0; step < 160; step++) {
        double t = 10.0 + step * 0.05;
        /* the tool rests, slides 3 cells toward the feet from step 40 to 60, rests again */
        double slide = step < 40 ? 0 : step < 60 ? (step - 40) / 20.0 : 1.0;
        double tr = 18.0 + 3.0 * slide, tc = 8.0 + 0.4 * slide;
        make_frame(&frame, sin(2 * PI * t / 5.0), tr, tc, (unsigned)step);
        sm_metrics_compute(&frame, 25.0, 50, &metrics);
        sm_trail_push(&trail, t, metrics.cop_row, metrics.cop_col);
        sm_view_model_t m = {0};
        m.frame = &frame, m.metrics = &metrics, m.trail = &trail, m.now_s = t;
        m.pitch_mm = 25.0, m.scale_max = 1023.0, m.units = "raw counts (uncalibrated)";
        m.source_label = "simulator: ball-steady", m.fps = 100, m.labels = labels;
        m.coach = 1, m.phase = "Hold", m.side = "right", m.volume = 0.7, m.target_s = 60;
        m.steady_s = floor(step * 0.05 * 4) / 4;
        m.meter = 0.8 + 0.1 * sin(step * 0.3);
        m.moving = step >= 40 && step < 60; /* the meter pulses, the timer turns amber */
        m.instruction = INSTR[m.moving ? 2 : step < 20 ? 1 : 0];
        m.pressure_text = "firm", m.pressure_level = 2;
        m.template_mask = tmask, m.template_on_target = step >= 60;
        m.template_text =
            step >= 60 ? "right ASIS: on target" : "move the ball 3 cm toward your feet";
        m.zones = zones, m.n_zones = 1;
        const char *what = "a frame";
        if (step >= 70 && step < 75)
            m.toast = "Soreness 6 of 10 saved for this spot, right side", what = "a toast";
        if (step >= 75 && step < 80)
            zones[0].active = 1, m.zone_alert = 1, what = "a no-go zone";
        else
            zones[0].active = 0;
        if (step >= 80 && step < 85) {
            make_frame(&cmp, 0, 20, 10, 1);
            m.compare_frame = &cmp, m.compare_label = "Template", what = "compare";
        }
        if (step >= 85 && step < 90)
            m.presenter = 1, what = "presenter";
        if (step >= 90 && step < 95)
            m.clinician = 1, m.breath_bpm = 11, what = "clinician";
        if (step >= 95 && step < 98)
            m.safety = 1, what = "safety";
        if (step >= 98 && step < 100)
            m.calscreen = &cal, what = "calibration screen";
        if (step >= 100 && step < 104)
            m.frame = NULL, m.metrics = NULL, m.alert = "Mat disconnected - check the cable",
            what = "mat lost";
        if (step >= 104 && step < 108) {
            parts->naming = whole->naming = NAMING_PATIENT;
            snprintf(parts->name, sizeof parts->name, "Jo B%.*s", step - 104, "logg");
            snprintf(whole->name, sizeof whole->name, "%s", parts->name);
            what = "a name typed";
        } else {
            parts->naming = whole->naming = 0;
        }
        if (step >= 108 && step < 112)
            m.muted = 1, m.recording = 1, m.crc_errors = (unsigned long)step, what = "status";
        if (step >= 112 && step < 116)
            m.release_met = 1, m.steady_s = 61, what = "released";
        if (step >= 120 && step < 130)
            m.paused = 1, what = "paused";
        render_both(parts, whole, &m, step, what);
        if (step >= 20 && step < 40) { /* resting, breathing: the map's body and the clock */
            frames_only++;
            small += parts->dmg.drawn_px < 1280L * 800 / 3;
        }
    }
    /* resting on the ball, most pictures redraw under a third of the window */
    assert_true(small >= frames_only * 3 / 4);
    assert_true(parts->dmg.parts_pictures > 100); /* the rest were drawn whole, on purpose */
    fprintf(stderr, "drawn in parts %ld of %ld pictures; %ld of %ld resting ones under a third\n",
            parts->dmg.parts_pictures, parts->dmg.pictures, small, frames_only);

    /* the very same model twice: the second picture draws nothing at all */
    sm_view_model_t m = {0};
    m.frame = &frame, m.metrics = &metrics, m.pitch_mm = 25.0, m.scale_max = 1023.0;
    m.units = "kPa", m.source_label = "test";
    render_both(parts, whole, &m, 200, "one model");
    long skipped = parts->dmg.skipped_pictures;
    render_both(parts, whole, &m, 201, "the same model again");
    assert_int_equal(parts->dmg.skipped_pictures, skipped + 1);
    assert_int_equal(parts->dmg.drawn_px, 0);

    sm_view_destroy(parts);
    sm_view_destroy(whole);
}

/* A second reckoning of colour difference, from the sRGB of the colours drawn: CIE L*a*b* (D65)
 * and Delta E*ab, written out here on their own. */
static void lab_of(uint32_t argb, double lab[3])
{
    double lin[3], xyz[3];
    for (int k = 0; k < 3; k++) {
        double c = ((argb >> (16 - 8 * k)) & 0xFF) / 255.0;
        lin[k] = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
    }
    static const double M[3][3] = {{0.4124564, 0.3575761, 0.1804375},
                                   {0.2126729, 0.7151522, 0.0721750},
                                   {0.0193339, 0.1191920, 0.9503041}};
    static const double white[3] = {0.95047, 1.0, 1.08883};
    for (int i = 0; i < 3; i++) {
        double t = (M[i][0] * lin[0] + M[i][1] * lin[1] + M[i][2] * lin[2]) / white[i];
        xyz[i] = t > pow(6.0 / 29.0, 3) ? cbrt(t) : t / (3 * pow(6.0 / 29.0, 2)) + 4.0 / 29.0;
    }
    lab[0] = 116 * xyz[1] - 16, lab[1] = 500 * (xyz[0] - xyz[1]), lab[2] = 200 * (xyz[1] - xyz[2]);
}

static double delta_e(uint32_t a, uint32_t b)
{
    double p[3], q[3];
    lab_of(a, p), lab_of(b, q);
    return sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                (p[2] - q[2]) * (p[2] - q[2]));
}

/* The colour a value is drawn with at its cell's centre (of 4095 counts). */
static uint32_t colour_of(const sm_view_t *v, int value)
{
    double x = value / 4095.0 * (LUT_N - 1) + 0.5;
    return v->lut[x >= LUT_N - 1 ? LUT_N - 1 : (int)x];
}

/* One of the scale's 256 colours as a colour difference: the largest between neighbours. */
static double one_colour(void)
{
    double worst = 0;
    for (int i = 1; i < SM_COLORMAP_N; i++) {
        const unsigned char *a = sm_colormap_viridis[i - 1], *b = sm_colormap_viridis[i];
        double d = delta_e(0xFF000000u | (uint32_t)a[0] << 16 | (uint32_t)a[1] << 8 | a[2],
                           0xFF000000u | (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2]);
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* The map follows every change that shows and none that does not: a cell is drawn again when
 * its reading moves more than one of the colour scale's 256 steps and its colour more than one
 * of its colours (as people see colour). So flicker within a step, changes within the faded
 * bottom of the scale or above its top draw nothing; the faded bottom, where a step shows,
 * follows every step; a slow drift is drawn once it shows; and every cell is always within a
 * step of its reading or within a colour of how it would look. */
static void test_map_follows_what_shows(void **state)
{
    (void)state;
    sm_view_t *v = headless(0);
    make_frame(&frame, 0, 18, 8, 1);
    sm_metrics_compute(&frame, 25.0, 50, &metrics);
    sm_view_model_t m = {0};
    m.frame = &frame, m.metrics = &metrics, m.pitch_mm = 25.0, m.scale_max = 4095.0;
    m.units = "raw counts (uncalibrated)", m.source_label = "test";
    const int step = 4095 / SM_COLORMAP_N, cell = 18 * 24 + 8; /* the tool's centre */
    const int bare = 30 * 24 + 2;                              /* a cell nothing presses */
    const double de1 = one_colour();
    assert_int_equal(step, 15);
    assert_true(de1 > 1.0 && de1 < 2.3); /* under the smallest difference a person notices */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    uint16_t drawn = v->heat.last[cell];
    assert_int_equal(drawn, frame.cells[cell]);

    frame.cells[cell] = (uint16_t)(drawn + step); /* flicker of a step: nothing drawn */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_equal(v->heat.n_changed, 0);
    assert_int_equal(v->heat.last[cell], drawn);
    frame.cells[cell] = drawn;

    /* an unloaded cell's noise, 1 % of the scale, is the mat's own colour: nothing drawn */
    assert_int_equal(frame.cells[bare], 0);
    assert_int_equal(colour_of(v, 41), colour_of(v, 0));
    frame.cells[bare] = 41;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_equal(v->heat.n_changed, 0);
    /* in the faded bottom a step shows: two steps are drawn at once */
    frame.cells[bare] = 120;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_equal(v->heat.last[bare], 120);
    frame.cells[bare] = 120 + 2 * step;
    assert_true(delta_e(colour_of(v, 120), colour_of(v, 120 + 2 * step)) > de1);
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_true(v->heat.n_changed > 0);
    assert_int_equal(v->heat.last[bare], 120 + 2 * step);
    /* above the scale's top every reading is its top colour: nothing drawn */
    frame.cells[bare] = 5000;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    frame.cells[bare] = 6000;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_int_equal(v->heat.n_changed, 0);
    assert_int_equal(v->heat.last[bare], 5000);
    frame.cells[bare] = 0;
    assert_int_equal(sm_view_render(v, &m), SM_OK);

    int moved = 0;
    for (int k = 1; k <= 25; k++) { /* a slow drift, 8 counts a frame */
        frame.cells[cell] = (uint16_t)(drawn + 8 * k);
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        int got = v->heat.last[cell];
        moved |= got != drawn;
        assert_true(abs((int)frame.cells[cell] - got) <= step ||
                    delta_e(colour_of(v, frame.cells[cell]), colour_of(v, got)) <= de1 + 1e-3);
    }
    assert_true(moved); /* 200 counts, more than a colour: drawn on the way */
    frame.cells[cell] = (uint16_t)(drawn + 600); /* a real change: drawn at once */
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    assert_true(v->heat.n_changed > 0);
    assert_int_equal(v->heat.last[cell], drawn + 600);

    /* noisy frames: every cell within a step or a colour of its reading, and every change
     * that shows drawn at once */
    for (int f = 0; f < 200; f++) {
        make_frame(&frame, sin(f * 0.2), 18, 8, 100u + (unsigned)f);
        for (int i = 0; i < frame.rows * frame.cols; i++) {
            int x = frame.cells[i] + rand() % 61 - 30;
            frame.cells[i] = (uint16_t)(x < 0 ? 0 : x);
        }
        uint16_t before[SM_MAX_CELLS];
        memcpy(before, v->heat.last, sizeof before);
        assert_int_equal(sm_view_render(v, &m), SM_OK);
        for (int i = 0; i < frame.rows * frame.cols; i++) {
            int x = frame.cells[i], got = v->heat.last[i], was = before[i];
            double de = delta_e(colour_of(v, x), colour_of(v, got));
            if (!(abs(x - got) <= step || de <= de1 + 1e-3))
                fail_msg("frame %d cell %d: reading %d drawn as %d (Delta E %.2f)", f, i, x, got,
                         de);
            if (abs(x - was) > step && delta_e(colour_of(v, x), colour_of(v, was)) > de1 + 1e-3)
                assert_int_equal(got, x);
        }
    }
    /* and the kept picture is the full picture of what it says it drew */
    int w = v->heat.tw, h = v->heat.th;
    uint32_t *ref = malloc((size_t)w * h * 4);
    assert_non_null(ref);
    sm_heatmap_t *hm = sm_heatmap_create();
    assert_int_equal(sm_heatmap_render(hm, v->heat.last, frame.rows, frame.cols, w, h, 4095.0,
                                       v->lut, LUT_N, ref, w * 4),
                     0);
    assert_memory_equal(ref, v->heat.px, (size_t)w * h * 4);
    sm_heatmap_destroy(hm);
    free(ref);
    sm_view_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parts_make_the_whole_picture),
                                       cmocka_unit_test(test_map_follows_what_shows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
