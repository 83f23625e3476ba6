/* The safety screen, judged from its picture: an amber-framed box with the safety words covers
 * the middle of the view, and nothing of it is there when it is off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include <SDL.h>
#include <SDL_image.h>

#include "sm_view.h"

static const char *tmp;

static SDL_Surface *shoot(int safety, const char *name)
{
    char err[256] = "";
    sm_view_config_t cfg = {.width = 1280, .height = 800, .headless = 1};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    if (!v)
        fail_msg("sm_view_create: %s", err);
    sm_frame_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->rows = 16;
    f->cols = 16;
    for (int r = 6; r < 10; r++)
        for (int c = 6; c < 10; c++)
            f->cells[r * 16 + c] = 900;
    sm_view_model_t m = {0};
    m.frame = f;
    m.pitch_mm = 15;
    m.scale_max = 1023;
    m.units = "raw counts (uncalibrated)";
    m.source_label = "test";
    m.safety = safety;
    assert_int_equal(sm_view_render(v, &m), SM_OK);
    const char *path = ts_path(tmp, name);
    if (sm_view_screenshot(v, path, err, sizeof err) != SM_OK)
        fail_msg("screenshot: %s", err);
    sm_view_destroy(v);
    free(f);
    SDL_Surface *raw = IMG_Load(path);
    assert_non_null(raw);
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    assert_non_null(s);
    return s;
}

/* Pixels of the warning amber (255, 193, 7), and bright text-like pixels in the middle band. */
static void count(SDL_Surface *s, long *amber, long *bright_mid)
{
    *amber = *bright_mid = 0;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            Uint32 p = ((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x];
            int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
            if (r > 245 && g > 180 && g < 205 && b < 30)
                (*amber)++;
            if (y > s->h / 3 && y < 2 * s->h / 3 && r > 200 && g > 200 && b > 200)
                (*bright_mid)++;
        }
}

static void test_safety_screen_shows_the_words(void **state)
{
    (void)state;
    SDL_Surface *off = shoot(0, "off.png"), *on = shoot(1, "on.png");
    long amber_off, amber_on, text_off, text_on;
    count(off, &amber_off, &text_off);
    count(on, &amber_on, &text_on);
    printf("amber pixels %ld -> %ld, bright pixels mid-screen %ld -> %ld\n", amber_off, amber_on,
           text_off, text_on);
    /* A frame of at least two pixels around a box most of the window wide, plus its title. */
    assert_true(amber_on > amber_off + 2 * 2 * 900);
    /* Lines of white text across the middle of the screen where the map was. */
    assert_true(text_on > text_off + 3000);
    SDL_FreeSurface(off);
    SDL_FreeSurface(on);
}

int main(void)
{
    tmp = ts_tempdir();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_safety_screen_shows_the_words)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
