/* End to end: a recording session ended by a signal - Ctrl-C, kill, a closed terminal or a
 * dropped SSH connection (SIGHUP) - ends exactly like a normal stop: the recording is closed and
 * readable, the JSON is printed, the history entry is written. A file size limit (SIGXFSZ) does
 * not kill the session: the recording stops with a message and the frames recorded are the same
 * number in the message, the JSON and the file. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_session.h"
#include "testsupport.h"

static pid_t start_sim(const char *link)
{
    const char *argv[] = {"steadymat", "sim", "--pty", link, "--rows", "16", "--cols", "16", NULL};
    pid_t pid = ts_spawn_steadymat(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(ts_wait_path(link, 20), 0);
    return pid;
}

static unsigned long frames_in(const char *path)
{
    sm_session_reader_t *r;
    char err[256];
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    unsigned long n = sm_session_reader_stats(r)->frames;
    sm_session_reader_close(r);
    return n;
}

/* Everything the live process printed; the JSON object is the part from the first brace. */
static json_object *json_of(const char *text)
{
    const char *brace = strchr(text, '{');
    if (!brace)
        fprintf(stderr, "live printed:\n%s\n", text);
    assert_non_null(brace);
    json_object *j = json_tokener_parse(brace);
    assert_non_null(j);
    return j;
}

/* Sessions in the history kept under xdg. */
static int history_sessions(const char *xdg)
{
    setenv("XDG_DATA_HOME", xdg, 1);
    const char *argv[] = {"steadymat", "history", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(argv, 60, &rc, NULL);
    assert_non_null(j);
    json_object *s;
    assert_true(json_object_object_get_ex(j, "sessions", &s));
    int n = (int)json_object_array_length(s);
    json_object_put(j);
    return n;
}

/* A live session from a mat with a recording, ended by sig once it has recorded for a while. */
static void ended_by(int sig)
{
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "sig.smsession");
    const char *log = ts_path(dir, "live.log");
    const char *xdg = ts_path(dir, "xdg");
    setenv("XDG_DATA_HOME", xdg, 1);
    pid_t sim = start_sim(link);
    /* --history: a mat's session this short without a hold is otherwise not kept */
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "120",       "--json", "--record", rec,  "--history",  NULL};
    pid_t live = ts_spawn_steadymat(argv, log);
    assert_int_equal(ts_wait_growth(rec, 16000, 20), 0);
    kill(live, sig); /* the signal only: ts_wait reaps it */
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(WIFEXITED(status)); /* not killed by the signal */
    assert_int_equal(WEXITSTATUS(status), 0);
    char *out = ts_read_file(log, NULL);
    assert_non_null(out);
    json_object *j = json_of(out);
    json_object *r;
    assert_true(json_object_object_get_ex(j, "recording", &r));
    unsigned long frames = (unsigned long)ts_json_num(r, "frames");
    assert_true(frames > 60);
    /* every frame the JSON counts is in the file: nothing buffered was lost */
    assert_int_equal(frames_in(rec), frames);
    assert_int_equal(history_sessions(xdg), 1);
    json_object_put(j);
    free(out);
}

static void sigint_ends_session_cleanly(void **state)
{
    (void)state;
    ended_by(SIGINT);
}

static void sigterm_ends_session_cleanly(void **state)
{
    (void)state;
    ended_by(SIGTERM);
}

static void sighup_ends_session_cleanly(void **state)
{
    (void)state;
    ended_by(SIGHUP);
}

/* ulimit -f: the recording stops at the limit with a message, the session goes on to its end,
 * and the count of frames recorded agrees everywhere. */
static void file_size_limit_stops_recording_not_session(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "limit.smsession");
    const char *log = ts_path(dir, "live.log");
    setenv("XDG_DATA_HOME", ts_path(dir, "xdg"), 1);
    pid_t sim = start_sim(link);
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "120",       "--json", "--record", rec,  NULL};
    /* The limit is inherited by the child only: lowered around the spawn. */
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 60000; /* about 110 frames of a 16x16 mat */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    pid_t live = ts_spawn_steadymat(argv, log);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    /* The limit is reached; the session goes on (it still answers to Ctrl-C with its JSON). */
    char *out = NULL;
    for (int i = 0; i < 2000; i++) {
        free(out);
        out = ts_read_file(log, NULL);
        if (out && strstr(out, "file size limit"))
            break;
        usleep(10000); /* polling an observable condition, bounded */
    }
    assert_non_null(out);
    assert_non_null(strstr(out, "file size limit"));
    int alive = kill(live, 0) == 0;
    kill(live, SIGINT); /* the signal only: ts_wait reaps it */
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(alive);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1); /* the recording failed: said by the exit code */
    free(out);
    out = ts_read_file(log, NULL);
    assert_non_null(out);
    json_object *j = json_of(out);
    json_object *r;
    assert_true(json_object_object_get_ex(j, "recording", &r));
    unsigned long frames = (unsigned long)ts_json_num(r, "frames");
    const char *msg = json_object_get_string(json_object_object_get(r, "error"));
    assert_non_null(msg);
    char said[64];
    snprintf(said, sizeof said, "the %lu frames recorded so far are safe", frames);
    assert_non_null(strstr(msg, said));
    assert_true(frames > 50);
    assert_int_equal(frames_in(rec), frames);
    json_object_put(j);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigint_ends_session_cleanly),
        cmocka_unit_test(sigterm_ends_session_cleanly),
        cmocka_unit_test(sighup_ends_session_cleanly),
        cmocka_unit_test(file_size_limit_stops_recording_not_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
