/* The text helper: finds DejaVu, follows the window's sizes, caches rendered strings without
 * growing, and degrades to "no text" when no font exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include <SDL.h>

#include "sm_safety.h"
#include "sm_text.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu"

static SDL_Surface *surf;
static SDL_Renderer *ren;

static int setup(void **state)
{
    (void)state;
    surf = SDL_CreateRGBSurfaceWithFormat(0, 320, 200, 32, SDL_PIXELFORMAT_ARGB8888);
    ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    return ren ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    return 0;
}

static int have_dejavu(void)
{
    FILE *f = fopen(DEJAVU "/DejaVuSans.ttf", "rb");
    if (!f)
        return 0;
    fclose(f);
    return 1;
}

static void test_cache_hits_and_bounds(void **state)
{
    (void)state;
    if (!have_dejavu())
        skip();
    sm_text_t *t = sm_text_create(ren, DEJAVU);
    assert_non_null(t);
    assert_true(sm_text_available(t));
    assert_non_null(strstr(sm_text_font_path(t), "DejaVuSans.ttf"));
    int px[SM_FACE_COUNT] = {14, 18, 22, 30, 60};
    sm_text_set_sizes(t, px);
    SDL_Color white = {255, 255, 255, 255}, red = {255, 0, 0, 255};
    int w1, h1, w2, h2;
    SDL_Texture *a = sm_text_get(t, SM_FACE_LABEL, white, 0, "TOTAL LOAD", &w1, &h1);
    SDL_Texture *b = sm_text_get(t, SM_FACE_LABEL, white, 0, "TOTAL LOAD", &w2, &h2);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* drawn once, reused */
    assert_int_equal(w1, w2);
    assert_true(w1 > 50 && h1 >= 18);
    assert_ptr_not_equal(sm_text_get(t, SM_FACE_LABEL, red, 0, "TOTAL LOAD", &w2, &h2), a);
    /* the big face is bigger */
    int wn, hn;
    sm_text_measure(t, SM_FACE_NUMBER, "TOTAL LOAD", &wn, &hn);
    assert_true(wn > 2 * w1);
    /* a session's worth of changing numbers: the cache stays bounded */
    for (int i = 0; i < 3000; i++) {
        char num[32];
        snprintf(num, sizeof num, "%d", i);
        assert_non_null(sm_text_get(t, SM_FACE_NUMBER, white, 0, num, &w1, &h1));
    }
    int entries;
    size_t bytes;
    sm_text_stats(t, &entries, &bytes);
    assert_true(entries > 0 && entries <= 64);
    assert_true(bytes < 8u * 1024 * 1024);
    /* new sizes empty the cache (old textures would be the wrong size) */
    px[SM_FACE_NUMBER] = 80;
    sm_text_set_sizes(t, px);
    sm_text_stats(t, &entries, &bytes);
    assert_int_equal(entries, 0);
    /* longer than a cache key (still drawn, rendered each time), wrapped, empty, NULL */
    char longs[1500];
    memset(longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    assert_non_null(sm_text_get(t, SM_FACE_SMALL, white, 0, longs, &w1, &h1));
    assert_non_null(sm_text_get(t, SM_FACE_MESSAGE, white, 200,
                                "Mat disconnected - plug it back in", &w1, &h1));
    assert_true(w1 <= 200 && h1 > sm_text_line_height(t, SM_FACE_MESSAGE));
    assert_null(sm_text_get(t, SM_FACE_SMALL, white, 0, "", &w1, &h1));
    assert_null(sm_text_get(t, SM_FACE_SMALL, white, 0, NULL, &w1, &h1));
    assert_int_equal(w1, 0);
    sm_text_destroy(t);
}

/* The safety screen stays up until it is closed: its paragraph (every safety line, as the view
 * joins them) is rendered once, not once per picture, and the numbers drawn beside it do not
 * push it out of the cache. */
static void test_long_paragraph_rendered_once(void **state)
{
    (void)state;
    if (!have_dejavu())
        skip();
    sm_text_t *t = sm_text_create(ren, DEJAVU);
    assert_non_null(t);
    int px[SM_FACE_COUNT] = {14, 18, 22, 30, 60, 30, 90};
    sm_text_set_sizes(t, px);
    char body[1024];
    size_t k = 0;
    body[0] = 0;
    for (size_t i = 0; sm_safety_line(i) && k < sizeof body; i++)
        k +=
            (size_t)snprintf(body + k, sizeof body - k, "%s- %s", i ? "\n" : "", sm_safety_line(i));
    assert_true(strlen(body) > 300); /* longer than a label: the case that was not cached */
    SDL_Color white = {255, 255, 255, 255};
    int w, h;
    unsigned long before = sm_text_renders(t);
    for (int frame = 0; frame < 600; frame++) { /* ten seconds of pictures */
        assert_non_null(sm_text_get(t, SM_FACE_BANNER, white, 600, body, &w, &h));
        char num[32];
        snprintf(num, sizeof num, "%d", 7000 + frame); /* a total that changes every frame */
        assert_non_null(sm_text_get(t, SM_FACE_BANNER, white, 0, num, &w, &h));
    }
    assert_true(w > 0 && h > 0);
    assert_int_equal(sm_text_renders(t) - before, 1 + 600);
    sm_text_destroy(t);
}

static void test_no_font_no_text(void **state)
{
    (void)state;
    sm_text_t *t = sm_text_create(ren, "/nonexistent-font-dir");
    assert_non_null(t);
    assert_false(sm_text_available(t));
    assert_string_equal(sm_text_font_path(t), "");
    int px[SM_FACE_COUNT] = {14, 18, 22, 30, 60};
    sm_text_set_sizes(t, px);
    SDL_Color white = {255, 255, 255, 255};
    int w = -1, h = -1;
    assert_null(sm_text_get(t, SM_FACE_LABEL, white, 0, "hello", &w, &h));
    assert_int_equal(w, 0);
    assert_int_equal(h, 0);
    sm_text_measure(t, SM_FACE_LABEL, "hello", &w, &h);
    assert_int_equal(w, 0);
    assert_int_equal(sm_text_line_height(t, SM_FACE_LABEL), 0);
    sm_text_destroy(t);
    sm_text_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_hits_and_bounds),
        cmocka_unit_test(test_long_paragraph_rendered_once),
        cmocka_unit_test(test_no_font_no_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
