/* End to end: what SteadyMat writes about a person is private and never clobbers anything.
 * Sessions, history, sounds and reports are 0600 in 0700 folders under an ordinary umask; an
 * output named by a symbolic link or an existing file is refused before the session starts
 * (unless --force), and the file behind it is untouched. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testsupport.h"

static unsigned mode_of(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        fail_msg("%s does not exist", path);
    return (unsigned)(st.st_mode & 07777);
}

static void expect_mode(const char *path, unsigned want)
{
    unsigned got = mode_of(path);
    if (got != want)
        fail_msg("%s is %04o, wanted %04o", path, got, want);
}

static void files_are_private_under_an_open_umask(void **state)
{
    (void)state;
    umask(022);
    const char *dir = ts_tempdir();
    const char *xdg = ts_path(dir, "xdg");
    setenv("XDG_DATA_HOME", xdg, 1);
    const char *rec = ts_path(dir, "s.smsession");
    const char *wav = ts_path(dir, "s.wav");
    const char *shot = ts_path(dir, "s.png");
    const char *a[] = {"steadymat",   "live", "--sim",        "ball-steady", "--speed",  "50",
                       "--duration",  "6",    "--headless",   "--history",   "--record", rec,
                       "--audio-out", wav,    "--screenshot", shot,          "--json",   NULL};
    int rc;
    json_object *j = ts_run_json(a, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object_put(j);
    expect_mode(rec, 0600);
    expect_mode(wav, 0600);
    expect_mode(shot, 0600);
    char hist[4096];
    snprintf(hist, sizeof hist, "%s/steadymat/sessions", xdg);
    expect_mode(hist, 0700);
    expect_mode(ts_path(hist, "index.jsonl"), 0600);

    const char *out = ts_path(dir, "report");
    const char *r[] = {"steadymat", "report", rec, "--out", out, NULL};
    char *err = NULL;
    rc = ts_run_steadymat(r, 120, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err ? err : "");
    free(err);
    assert_int_equal(rc, 0);
    expect_mode(out, 0700);
    expect_mode(ts_path(out, "report.pdf"), 0600);
    expect_mode(ts_path(out, "s.png"), 0600);
    expect_mode(ts_path(out, "s.csv"), 0600);
    expect_mode(ts_path(out, "s.json"), 0600);
}

/* The output refused before anything runs, with a message naming the path; the file behind
 * it keeps its bytes. */
static void refused(const char *const *argv, const char *victim, const char *says)
{
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    if (rc != 1 || !err || !strstr(err, says))
        fail_msg("exit %d, stderr '%s', wanted 1 and '%s'", rc, err ? err : "", says);
    free(err);
    char *text = ts_read_file(victim, NULL);
    assert_non_null(text);
    assert_string_equal(text, "keep me\n");
    free(text);
}

static void outputs_never_clobber(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    setenv("XDG_DATA_HOME", ts_path(dir, "xdg"), 1);
    const char *victim = ts_path(dir, "victim.txt");
    const char *link = ts_path(dir, "link.smsession");
    const char *wlink = ts_path(dir, "link.wav");
    assert_int_equal(ts_write_file(victim, "keep me\n", 8), 0);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(symlink(victim, wlink), 0);

    const char *rec_link[] = {"steadymat", "live",       "--sim",    "ball-steady", "--duration",
                              "2",         "--headless", "--record", link,          NULL};
    refused(rec_link, victim, "symbolic link");
    const char *wav_link[] = {"steadymat", "live",       "--sim",       "ball-steady", "--duration",
                              "2",         "--headless", "--audio-out", wlink,         NULL};
    refused(wav_link, victim, "symbolic link");
    const char *text = ts_path(dir, "frames.txt");
    assert_int_equal(ts_write_file(text, "1 2 3 4\n5 6 7 8\n", 16), 0);
    const char *imp_link[] = {"steadymat", "import", "--format", "text", "--rows", "2", "--rate",
                              "10",        "--cols", "2",        text,   link,   NULL};
    refused(imp_link, victim, "symbolic link");
    /* A link is refused even with --force. */
    const char *imp_force[] = {"steadymat", "import", "--format", "text", "--rows", "2", "--rate",
                               "10",        "--cols", "2",        "--force", text, link, NULL};
    refused(imp_force, victim, "symbolic link");

    /* An existing file is kept unless --force. */
    const char *rec_exist[] = {"steadymat", "live",       "--sim",    "ball-steady", "--duration",
                               "2",         "--headless", "--record", victim,        NULL};
    refused(rec_exist, victim, "--force");
    const char *imp_exist[] = {"steadymat", "import", "--format", "text", "--rows", "2", "--rate",
                               "10",        "--cols", "2",        text,   victim, NULL};
    refused(imp_exist, victim, "--force");
    const char *rec_force[] = {"steadymat", "live",       "--sim", "ball-steady", "--speed",
                               "20",        "--duration", "2",     "--headless",  "--force",
                               "--record",  victim,       NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(rec_force, 60, NULL, &err), 0);
    free(err);
    char *head = ts_read_file(victim, NULL);
    assert_non_null(head);
    assert_memory_equal(head, "\x89SMS", 4); /* replaced by the recording, as asked */
    free(head);

    /* A folder that does not exist: said before the session, not at its first frame. */
    const char *nodir[] = {"steadymat",   "live",       "--sim",
                           "ball-steady", "--duration", "2",
                           "--headless",  "--record",   ts_path(dir, "no/such/s.smsession"),
                           NULL};
    err = NULL;
    assert_int_equal(ts_run_steadymat(nodir, 60, NULL, &err), 1);
    assert_non_null(err);
    assert_non_null(strstr(err, "folder does not exist"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_are_private_under_an_open_umask),
        cmocka_unit_test(outputs_never_clobber),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
