/* Parts of the view drawn once and copied after (the colour legend, the safety panel, the status
 * line) look exactly as if drawn every picture, and follow every change that alters them:
 * presenter mode, a calibration (units and scale), the safety screen closed and opened again,
 * the clinician view, frames per second, a recording, link errors, a replay's clock. Two off-screen
 * views are shown the same states in turn, one keeping its parts, one drawing them each time. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testsupport.h"
#include "ts_view.h"

#include <SDL.h>

#include "sm_view_internal.h"
#include "ts_pixels.h"

static sm_frame_t frame;
static sm_metrics_t metrics;

static sm_view_t *headless(int no_cache)
{
    sm_view_t *v = ts_headless_view(1280, 800);
    v->no_cache = no_cache;
    return v;
}

/* Copies the picture of v (to compare a later one with it). */
static SDL_Surface *keep(const sm_view_t *v)
{
    SDL_Surface *s = SDL_ConvertSurfaceFormat(v->target, SDL_PIXELFORMAT_ARGB8888, 0);
    assert_non_null(s);
    return s;
}

/* Pixels inside r that differ between the kept picture and v's. */
static long changed_in(const SDL_Surface *s, const sm_view_t *v, SDL_Rect r)
{
    long n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            Uint32 p = ((const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch))[x];
            Uint32 q =
                ((const Uint32 *)((const Uint8 *)v->target->pixels + y * v->target->pitch))[x];
            n += (p | 0xFF000000u) != (q | 0xFF000000u);
        }
    return n;
}

static void test_kept_parts_follow_every_change(void **state)
{
    (void)state;
    frame.rows = 32, frame.cols = 24;
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            double d2 = (r - 20.0) * (r - 20.0) + (c - 8.0) * (c - 8.0);
            frame.cells[r * 24 + c] = (uint16_t)(900.0 * exp(-d2 / 6.0));
        }
    sm_metrics_compute(&frame, 25.0, 20, &metrics);
    static float kpa[SM_MAX_CELLS];
    for (int i = 0; i < 32 * 24; i++)
        kpa[i] = frame.cells[i] * 0.08f;

    sm_view_t *kept = headless(0), *each = headless(1);
    sm_view_model_t m = {0};
    m.frame = &frame, m.metrics = &metrics, m.pitch_mm = 25.0, m.scale_max = 1023.0;
    m.units = "raw counts (uncalibrated)", m.source_label = "test";
    m.safety = 1;
    ts_views_agree(kept, each, &m, "first picture");
    /* the kept parts are in use (this renderer draws into textures) */
    assert_true(kept->legend.valid && kept->legend.tex);
    assert_true(kept->safety.valid && kept->safety.tex);
    assert_true(kept->status.valid && kept->status.tex);
    SDL_Rect legend = kept->legend.r, panel = kept->safety.r;
    SDL_Surface *first = keep(kept);
    ts_views_agree(kept, each, &m, "the same again (copied)");

    m.presenter = 1;
    ts_views_agree(kept, each, &m, "presenter mode");
    assert_true(changed_in(first, kept, panel) > panel.w * panel.h / 4); /* black panel */
    m.presenter = 0;
    ts_views_agree(kept, each, &m, "presenter mode off");
    assert_int_equal(changed_in(first, kept, legend), 0);

    /* calibrated: kPa, another scale: the numbers and units along the bar change */
    m.values = kpa, m.scale_max = 80.0, m.units = "kPa";
    ts_views_agree(kept, each, &m, "calibrated");
    assert_true(changed_in(first, kept, legend) > 200);
    SDL_Surface *cal = keep(kept);
    m.scale_max = 120.0;
    ts_views_agree(kept, each, &m, "another scale");
    assert_true(changed_in(cal, kept, kept->legend.r) > 50);
    m.units = "mmHg";
    ts_views_agree(kept, each, &m, "other units");

    m.safety = 0;
    ts_views_agree(kept, each, &m, "safety screen closed");
    m.safety = 1, m.clinician = 1;
    ts_views_agree(kept, each, &m, "safety screen again, clinician view");

    /* the status line */
    SDL_Surface *before = keep(kept);
    SDL_Rect status = kept->status.r;
    m.fps = 98.7;
    ts_views_agree(kept, each, &m, "frames per second");
    assert_true(changed_in(before, kept, status) > 20);
    m.fps = 99.2; /* shown as the same whole number */
    ts_views_agree(kept, each, &m, "frames per second, a tenth more");
    m.recording = 1;
    ts_views_agree(kept, each, &m, "recording");
    m.crc_errors = 3;
    ts_views_agree(kept, each, &m, "link errors");
    m.replay = 1, m.pos_s = 61, m.len_s = 600, m.speed = 2;
    ts_views_agree(kept, each, &m, "replay");
    m.pos_s = 62.5;
    ts_views_agree(kept, each, &m, "replay a second later");
    m.source_label = "another input";
    ts_views_agree(kept, each, &m, "another input");
    m.patient = "Jo Bloggs"; /* typed with n */
    ts_views_agree(kept, each, &m, "a patient named");
    m.patient = "Ann Other";
    ts_views_agree(kept, each, &m, "another patient");
    m.clinician = 0;
    ts_views_agree(kept, each, &m, "patient view");
    SDL_FreeSurface(before);

    SDL_FreeSurface(first);
    SDL_FreeSurface(cal);
    sm_view_destroy(kept);
    sm_view_destroy(each);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kept_parts_follow_every_change)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
