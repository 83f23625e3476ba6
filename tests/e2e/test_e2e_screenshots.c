/* The pictures in the docs: tools/screenshots.sh renders every state of the window (patient,
 * clinician, presenter, side by side, no-go, the calibration's screens and steps) with the
 * program's own --headless --screenshot path into a folder; each picture is a full 1280x800
 * window with something on it (many colours, none covering 95 % of it). The README shows
 * each committed picture, and every picture it shows is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <SDL.h>
#include <SDL_image.h>

#include "testsupport.h"

#define SRC_DIR SM_TEST_DATA "/../.."

static const char *const names[] = {
    "patient",          "clinician",        "presenter",        "compare",           "nogo",
    "calibration-need", "calibration-step", "calibration-load", "calibration-result"};
#define N_NAMES (sizeof names / sizeof names[0])

/* Distinct colours (up to 4096 tracked) and the share of the commonest one. */
static void colours(SDL_Surface *s, int *distinct, double *top_share)
{
    enum { CAP = 4096 };
    static Uint32 seen[CAP];
    static long cnt[CAP];
    int n = 0;
    long total = 0;
    for (int y = 0; y < s->h; y += 2)
        for (int x = 0; x < s->w; x += 2) {
            Uint32 p = ((const Uint32 *)((const Uint8 *)s->pixels + (size_t)y * s->pitch))[x] |
                       0xFF000000u;
            total++;
            int k = 0;
            while (k < n && seen[k] != p)
                k++;
            if (k == n && n < CAP)
                seen[n] = p, cnt[n++] = 0;
            if (k < n)
                cnt[k]++;
        }
    long top = 0;
    for (int k = 0; k < n; k++)
        top = cnt[k] > top ? cnt[k] : top;
    *distinct = n;
    *top_share = total ? (double)top / total : 1.0;
}

static void script_renders_every_state(void **state)
{
    (void)state;
    const char *out = ts_tempdir();
    const char *log = ts_path(out, "script.log");
    const char *argv[] = {
        "/bin/sh", SRC_DIR "/tools/screenshots.sh", "--bin", SM_STEADYMAT_BIN, out, NULL};
    pid_t pid = ts_spawn(argv, log, log);
    assert_true(pid > 0);
    int st = ts_wait(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char *text = ts_read_file(log, NULL);
        fail_msg("tools/screenshots.sh failed:\n%s", text ? text : "");
    }
    for (size_t i = 0; i < N_NAMES; i++) {
        char file[64];
        snprintf(file, sizeof file, "%s.png", names[i]);
        const char *path = ts_path(out, file);
        SDL_Surface *raw = IMG_Load(path);
        if (!raw)
            fail_msg("%s: %s", path, IMG_GetError());
        SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
        SDL_FreeSurface(raw);
        assert_non_null(s);
        assert_int_equal(s->w, 1280);
        assert_int_equal(s->h, 800);
        int distinct;
        double top;
        colours(s, &distinct, &top);
        printf("%-20s %6ld bytes  %4d colours, commonest %.0f %%\n", file, ts_file_size(path),
               distinct, 100 * top);
        if (distinct < 64 || top > 0.95)
            fail_msg("%s looks empty: %d colours, one covers %.0f %%", file, distinct, 100 * top);
        SDL_FreeSurface(s);
    }
}

/* The committed pictures: each one the README shows exists and is small enough to keep in the
 * repository; each name the script makes is shown. */
static void readme_shows_the_committed_pictures(void **state)
{
    (void)state;
    char *readme = ts_read_file(SRC_DIR "/README.md", NULL);
    assert_non_null(readme);
    for (size_t i = 0; i < N_NAMES; i++) {
        char link[96], path[512];
        snprintf(link, sizeof link, "(docs/screenshots/%s.png)", names[i]);
        if (!strstr(readme, link))
            fail_msg("README.md does not show docs/screenshots/%s.png", names[i]);
        snprintf(path, sizeof path, "%s/docs/screenshots/%s.png", SRC_DIR, names[i]);
        long size = ts_file_size(path);
        if (size < 10000 || size > 250000)
            fail_msg("%s: %ld bytes", path, size);
    }
    free(readme);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readme_shows_the_committed_pictures),
        cmocka_unit_test(script_renders_every_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
