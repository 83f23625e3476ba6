/* What a first-time user meets: the safety words in --help, a clear refusal without a display,
 * no sound-library noise without a sound card, and the safety marker kept in the config folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include "sm_config.h"
#include "sm_safety.h"

static int lines_in(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_help_has_the_safety_words_and_key(void **state)
{
    (void)state;
    char *out = NULL;
    const char *argv[] = {"steadymat", "--help", NULL};
    assert_int_equal(ts_run_steadymat(argv, 30, &out, NULL), 0);
    for (size_t i = 0; sm_safety_line(i); i++)
        if (!strstr(out, sm_safety_line(i)))
            fail_msg("--help lacks: %s", sm_safety_line(i));
    free(out);
    const char *live[] = {"steadymat", "live", "--help", NULL};
    assert_int_equal(ts_run_steadymat(live, 30, &out, NULL), 0);
    assert_non_null(strstr(out, "F1                    the safety screen"));
    free(out);
}

/* No X, no Wayland, no video driver chosen, and no --headless: a window nobody can see would be
 * a session nobody watches. */
static void test_no_display_is_refused(void **state)
{
    (void)state;
    char *saved_vd = getenv("SDL_VIDEODRIVER") ? strdup(getenv("SDL_VIDEODRIVER")) : NULL;
    char *saved_d = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    char *saved_w = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    char *err = NULL;
    const char *argv[] = {"steadymat", "live", "--sim", "ball-steady", "--duration", "30", NULL};
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    printf("rc %d, stderr: %s\n", rc, err ? err : "");
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "cannot open a window (no display): use --headless"));
    assert_null(strstr(err, "ALSA"));
    free(err);
    /* The same with --headless runs. */
    const char *hl[] = {"steadymat", "live",    "--sim", "ball-steady", "--duration",
                        "1",         "--speed", "10",    "--headless",  NULL};
    assert_int_equal(ts_run_steadymat(hl, 60, NULL, NULL), 0);
    if (saved_vd)
        setenv("SDL_VIDEODRIVER", saved_vd, 1);
    if (saved_d)
        setenv("DISPLAY", saved_d, 1);
    if (saved_w)
        setenv("WAYLAND_DISPLAY", saved_w, 1);
    free(saved_vd);
    free(saved_d);
    free(saved_w);
}

/* The real sound backend (not the test's dummy): without a sound card this machine's ALSA
 * prints nine lines of its own; SteadyMat says it in one. With a card there is nothing to say. */
static void test_no_alsa_chatter(void **state)
{
    (void)state;
    setenv("SDL_AUDIODRIVER", "alsa", 1);
    char *err = NULL;
    const char *argv[] = {"steadymat", "live",    "--sim", "ball-steady", "--duration",
                          "1",         "--speed", "10",    NULL};
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    printf("rc %d, stderr:\n%s\n", rc, err ? err : "");
    assert_int_equal(rc, 0);
    assert_null(strstr(err, "ALSA lib"));
    int sound_lines = 0;
    for (const char *p = err; p && (p = strstr(p, "sound")); p++)
        sound_lines++;
    assert_true(sound_lines <= 1);
    assert_true(lines_in(err) <= 2);
    free(err);
}

static void test_safety_marker_is_remembered(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    char *saved = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
    setenv("XDG_CONFIG_HOME", ts_path(dir, "cfg"), 1);
    assert_int_equal(sm_config_safety_seen(), 0);
    assert_int_equal(sm_config_set_safety_seen(), SM_OK);
    assert_int_equal(sm_config_safety_seen(), 1);
    assert_true(ts_file_size(ts_path(dir, "cfg/steadymat/safety-seen")) == 0);
    if (saved)
        setenv("XDG_CONFIG_HOME", saved, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_has_the_safety_words_and_key),
        cmocka_unit_test(test_no_display_is_refused),
        cmocka_unit_test(test_no_alsa_chatter),
        cmocka_unit_test(test_safety_marker_is_remembered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
