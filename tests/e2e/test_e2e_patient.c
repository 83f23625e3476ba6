/* The patient's name typed in the live window (n, then the name, then Enter) while a mat session
 * is being recorded: the recording's header, the history (`history --patient`) and `analyze`
 * name that person, the next session with the mat starts with the name without any flag, and
 * `--patient ""` forgets it. The real `live` command runs in this process with its window
 * (SDL's dummy video driver) against a simulated mat on a pty; the keys are pushed as SDL events
 * once the first picture is up, so the name arrives after the recording began. */
#include <SDL.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_cli.h"
#include "sm_session.h"
#include "testsupport.h"

/* A name that looks like a path: it must only ever be a name. */
#define NAME "Jo \xc3\x9cnal ../Bloggs"

static int typed; /* pictures seen when the keys were pushed; 0 before */
static int pictures;

static void push_key(SDL_Keycode k)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
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

/* After each picture: the second one (the recording has begun with the first frame) gets the
 * keys a person presses: n, the name (as a keyboard sends it: the text in pieces), Enter. */
static void on_present(void *ctx, uint32_t seq, uint64_t t_us)
{
    (void)ctx, (void)seq, (void)t_us;
    if (++pictures != 2)
        return;
    push_key(SDLK_n);
    push_text("Jo \xc3\x9cnal");
    push_text(" ../Bloggs");
    push_key(SDLK_RETURN);
    typed = pictures;
}

static const char *str_member(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        fail_msg("no member %s in %s", k, json_object_to_json_string(o));
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void header_patient(const char *path, char *out, size_t n)
{
    char err[512];
    sm_session_reader_t *r;
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    snprintf(out, n, "%s", sm_session_reader_header(r)->patient);
    unsigned long frames;
    uint64_t a, b;
    sm_session_reader_span(r, &a, &b, &frames);
    assert_true(frames > 20);
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    sm_session_reader_close(r);
}

static json_object *config_of(const char *cfg_dir)
{
    char *text = ts_read_file(ts_path(cfg_dir, "steadymat/config"), NULL);
    assert_non_null(text);
    json_object *c = json_tokener_parse(text);
    assert_non_null(c);
    free(text);
    return c;
}

static void test_name_typed_in_the_window(void **state)
{
    (void)state;
    static char dir[1024], cfg[1100], data[1100], link[1100], rec[1100], rec2[1100];
    snprintf(dir, sizeof dir, "%s", ts_tempdir());
    snprintf(cfg, sizeof cfg, "%s", ts_path(dir, "cfg"));
    snprintf(data, sizeof data, "%s", ts_path(dir, "data"));
    snprintf(link, sizeof link, "%s", ts_path(dir, "mat"));
    snprintf(rec, sizeof rec, "%s", ts_path(dir, "first.smsession"));
    snprintf(rec2, sizeof rec2, "%s", ts_path(dir, "second.smsession"));
    /* this test's own settings and history (the children inherit them) */
    setenv("XDG_CONFIG_HOME", cfg, 1);
    setenv("XDG_DATA_HOME", data, 1);
    const char *sim[] = {"steadymat", "sim",        "--pty",       link,     "--format",
                         "text",      "--scenario", "ball-steady", "--rows", "16",
                         "--cols",    "16",         NULL};
    pid_t pid = ts_spawn_steadymat(sim, NULL);
    assert_int_equal(ts_wait_path(link, 20), 0);

    /* 1. The window, no name given and none remembered: the name is typed while recording. */
    char *live[] = {"live",       "--port", link,         "--format", "text", "--rows",
                    "16",         "--cols", "16",         "--record", rec,    "--history",
                    "--protocol", "ball",   "--duration", "4",        NULL};
    sm_cli_set_present_hook(on_present, NULL);
    int rc = sm_cmd_live((int)(sizeof live / sizeof live[0]) - 1, live, 0);
    sm_cli_set_present_hook(NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(typed, 2); /* the keys went in after the first picture */
    char got[128];
    header_patient(rec, got, sizeof got);
    assert_string_equal(got, NAME);
    /* the history knows the session by that name, and so does analyze */
    const char *hist[] = {"steadymat", "history", "--patient", NAME, "--json", NULL};
    char *err = NULL;
    json_object *h = ts_run_json(hist, 120, &rc, &err);
    print_message("%s", err ? err : "");
    free(err);
    assert_non_null(h);
    assert_int_equal(rc, 0);
    json_object *ss;
    assert_true(json_object_object_get_ex(h, "sessions", &ss));
    assert_int_equal(json_object_array_length(ss), 1);
    json_object *e = json_object_array_get_idx(ss, 0);
    assert_string_equal(str_member(e, "patient"), NAME);
    assert_string_equal(str_member(e, "path"), rec);
    json_object_put(h);
    const char *an[] = {"steadymat", "analyze", rec, "--json", NULL};
    json_object *a = ts_run_json(an, 120, &rc, NULL);
    assert_non_null(a);
    assert_string_equal(str_member(a, "patient"), NAME);
    json_object_put(a);
    /* remembered for next time */
    json_object *c = config_of(cfg);
    assert_string_equal(str_member(c, "patient"), NAME);
    json_object_put(c);
    /* a name, never a path: nothing was made where it points */
    struct stat st;
    assert_int_not_equal(stat(ts_path(dir, "Bloggs"), &st), 0);
    assert_int_not_equal(stat(ts_path(data, "Bloggs"), &st), 0);
    assert_int_not_equal(stat(ts_path(data, "steadymat/Bloggs"), &st), 0);

    /* 2. The next session with the mat, no flags about the patient: the same person. */
    const char *again[] = {"steadymat",  "live",       "--port", link,     "--format", "text",
                           "--rows",     "16",         "--cols", "16",     "--record", rec2,
                           "--headless", "--duration", "2",      "--json", NULL};
    json_object *j = ts_run_json(again, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_string_equal(str_member(j, "patient"), NAME);
    json_object_put(j);
    header_patient(rec2, got, sizeof got);
    assert_string_equal(got, NAME);

    /* 3. --patient "" forgets it: this session has no name, nor has the next. */
    const char *forget[] = {"steadymat",  "live",       "--port", link,     "--format",  "text",
                            "--rows",     "16",         "--cols", "16",     "--patient", "",
                            "--headless", "--duration", "1",      "--json", NULL};
    j = ts_run_json(forget, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_null(str_member(j, "patient"));
    json_object_put(j);
    c = config_of(cfg);
    json_object *v;
    assert_false(json_object_object_get_ex(c, "patient", &v));
    json_object_put(c);
    ts_kill(pid, SIGTERM);
}

int main(void)
{
    if (!getenv("SDL_VIDEODRIVER"))
        setenv("SDL_VIDEODRIVER", "dummy", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_typed_in_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
