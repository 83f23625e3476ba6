/* The session history: index round trips, hostile index lines, a damaged or missing index
 * rebuilt from the session files with nothing lost, concurrent writers, unique session names. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_analysis.h"
#include "sm_history_index.h"
#include "sm_history_store.h"
#include "sm_sessinfo.h"
#include "testsupport.h"

static sm_history_entry_t sample(const char *name, int64_t ms)
{
    sm_history_entry_t e;
    memset(&e, 0, sizeof e);
    snprintf(e.session, sizeof e.session, "%s", name);
    e.start_unix_ms = ms;
    e.duration_s = 59.98;
    e.frames = 3000;
    e.protocol = SM_PROTO_HIP_HOOK;
    e.release_s = 45.5;
    snprintf(e.source, sizeof e.source, "simulator: \"hook\", é");
    snprintf(e.mat_uid, sizeof e.mat_uid, "0123456789abcdef");
    snprintf(e.mat_name, sizeof e.mat_name, "DIY 32x24");
    e.rows = 32;
    e.cols = 24;
    e.side[0] = (sm_history_side_t){1, 2, 1, 95.125, 2.5, 3, 2, {4, 7}};
    e.side[1] = (sm_history_side_t){0, 0, 0, 0, 0, 0, 0, {0}};
    return e;
}

/* ---- round trips ---- */

static void entry_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"2025-01-31_10-15-00.smsession", "/home/pt/elsewhere/x.smsession",
                           "a b,c\"d.smsession"};
    for (size_t i = 0; i < 3; i++) {
        sm_history_entry_t e = sample(names[i], 1738314900123 + (int64_t)i), back;
        e.side[1].settle_s = 1.0 / 3.0; /* all 17 digits must survive */
        char *line, err[160];
        assert_int_equal(sm_history_entry_format(&e, &line), SM_OK);
        assert_null(strchr(line, '\n'));
        assert_int_equal(sm_history_entry_parse(line, strlen(line), &back, err, sizeof err), SM_OK);
        assert_true(sm_history_entry_equal(&e, &back));
        free(line);
    }
    /* an unsafe name is never written */
    sm_history_entry_t bad = sample("../../etc/passwd", 1);
    char *line = NULL;
    assert_int_equal(sm_history_entry_format(&bad, &line), SM_ERR_ARG);
    assert_null(line);
}

static void index_round_trip(void **state)
{
    (void)state;
    sm_history_list_t l = {NULL, 0, 0}, back = {NULL, 0, 0};
    for (int i = 0; i < 50; i++) {
        char name[64];
        snprintf(name, sizeof name, "s%02d.smsession", i);
        sm_history_entry_t e = sample(name, 1700000000000 + (int64_t)i * 86400000);
        e.side[i % 2].wiggles = i;
        assert_int_equal(sm_history_list_put(&l, &e), SM_OK);
    }
    char *text;
    size_t n;
    assert_int_equal(sm_history_index_format(&l, &text, &n), SM_OK);
    assert_int_equal(strncmp(text, "{\"format\":\"steadymat-history\",\"version\":1}\n", 43), 0);
    sm_history_parse_stats_t st;
    assert_int_equal(sm_history_index_parse(text, n, &back, &st), SM_OK);
    assert_int_equal(st.entries, 50);
    assert_int_equal(st.bad_lines, 0);
    assert_int_equal(back.n, 50);
    for (size_t i = 0; i < 50; i++)
        assert_true(sm_history_entry_equal(&l.v[i], &back.v[i]));
    free(text);
    sm_history_list_free(&l);
    sm_history_list_free(&back);
}

static void meta_round_trip(void **state)
{
    (void)state;
    sm_history_meta_t *m = malloc(sizeof *m), *b = malloc(sizeof *b);
    sm_history_meta_init(m, SM_PROTO_BACK_OF_HIP, 75);
    snprintf(m->session, sizeof m->session, "x.smsession");
    assert_int_equal(sm_history_meta_input(m, 12.5, SM_COACH_IN_SORENESS, 6), SM_OK);
    assert_int_equal(sm_history_meta_input(m, 40, SM_COACH_IN_PIVOT, 0), SM_OK);
    char *text, err[160];
    assert_int_equal(sm_history_meta_format(m, &text), SM_OK);
    assert_int_equal(sm_history_meta_parse(text, strlen(text), b, err, sizeof err), SM_OK);
    assert_string_equal(b->session, "x.smsession");
    assert_int_equal(b->protocol, SM_PROTO_BACK_OF_HIP);
    assert_true(b->release_s == 75);
    assert_int_equal(b->n_inputs, 2);
    assert_true(b->inputs[0].t_s == 12.5);
    assert_int_equal(b->inputs[0].input, SM_COACH_IN_SORENESS);
    assert_int_equal(b->inputs[0].value, 6);
    assert_int_equal(b->inputs[1].input, SM_COACH_IN_PIVOT);
    free(text);
    free(m);
    free(b);
}

/* ---- hostile lines ---- */

static const char *good_line(void)
{
    static char *line;
    if (!line) {
        sm_history_entry_t e = sample("good.smsession", 1700000000000);
        sm_history_entry_format(&e, &line);
    }
    return line;
}

static void hostile_lines_are_skipped_and_counted(void **state)
{
    (void)state;
    static const char *bad[] = {
        "not json at all",
        "{\"session\":\"x.smsession\"",                            /* cut short */
        "[1,2,3]",                                                 /* not an object */
        "{}",                                                      /* members missing */
        "{\"session\":\"../x.smsession\",\"start_unix_ms\":1}",    /* path traversal */
        "{\"session\":\"/a/../b.smsession\",\"start_unix_ms\":1}", /* path traversal */
        "{\"session\":\"a/b.smsession\",\"start_unix_ms\":1}",     /* a relative path */
        "{\"session\":\"x\",\"start_unix_ms\":\"soon\"}",          /* wrong type */
        "{\"session\":\"x\",\"start_unix_ms\":-5}",                /* out of range */
        "{\"format\":\"steadymat-history\",\"version\":1}",        /* a second header */
        "{\"session\":\"x\"} trailing",                            /* text after the object */
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", /* deep */
    };
    size_t nb = sizeof bad / sizeof bad[0];
    size_t cap = 65536;
    char *text = malloc(cap);
    int len = snprintf(text, cap, "{\"format\":\"steadymat-history\",\"version\":1}\n%s\n\n",
                       good_line());
    for (size_t i = 0; i < nb; i++)
        len += snprintf(text + len, cap - (size_t)len, "%s\n", bad[i]);
    /* members with wrong values, made from the good line */
    const char *swaps[][2] = {{"\"frames\":3000", "\"frames\":3000.5"},
                              {"\"duration_s\":59.979999999999997", "\"duration_s\":NaN"},
                              {"\"protocol\":\"hip-hook\"", "\"protocol\":\"yoga\""},
                              {"\"rows\":32", "\"rows\":65"},
                              {"\"soreness\":[4,7]", "\"soreness\":[4,11]"},
                              {"\"released\":1", "\"released\":5"},
                              {"\"steady_s\":95.125", "\"steady_s\":1e308"}};
    size_t ns = sizeof swaps / sizeof swaps[0];
    for (size_t i = 0; i < ns; i++) {
        const char *at = strstr(good_line(), swaps[i][0]);
        assert_non_null(at);
        len += snprintf(text + len, cap - (size_t)len, "%.*s%s%s\n", (int)(at - good_line()),
                        good_line(), swaps[i][1], at + strlen(swaps[i][0]));
    }
    /* a NUL inside a line, and an overlong line */
    text[len++] = '{';
    text[len++] = 0;
    text[len++] = '}';
    text[len++] = '\n';
    char *big = malloc(SM_HISTORY_LINE_MAX + 100);
    memset(big, ' ', SM_HISTORY_LINE_MAX + 99);
    big[0] = '{';
    big[SM_HISTORY_LINE_MAX + 98] = '}';
    big[SM_HISTORY_LINE_MAX + 99] = 0;
    size_t total = (size_t)len + strlen(big) + 1;
    text = realloc(text, total + 1);
    memcpy(text + len, big, strlen(big));
    text[total - 1] = '\n';
    free(big);

    sm_history_list_t l = {NULL, 0, 0};
    sm_history_parse_stats_t st;
    assert_int_equal(sm_history_index_parse(text, total, &l, &st), SM_ERR_FORMAT);
    assert_true(st.header_ok);
    assert_int_equal(st.entries, 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].session, "good.smsession");
    assert_int_equal(st.bad_lines, nb + ns + 2);
    assert_int_equal(st.first_bad_line, 4); /* 1 header, 2 good, 3 blank */
    assert_true(strstr(st.first_error, "not JSON") != NULL);
    sm_history_list_free(&l);
    free(text);
}

static void header_missing_or_newer(void **state)
{
    (void)state;
    sm_history_list_t l = {NULL, 0, 0};
    sm_history_parse_stats_t st;
    /* entries without a header: kept, but the index counts as damaged */
    assert_int_equal(sm_history_index_parse(good_line(), strlen(good_line()), &l, &st),
                     SM_ERR_FORMAT);
    assert_int_equal(l.n, 1);
    assert_false(st.header_ok);
    sm_history_list_free(&l);
    assert_int_equal(sm_history_index_parse("", 0, &l, &st), SM_ERR_FORMAT);
    assert_string_equal(st.first_error, "the file is empty");
    /* a newer version: untouched, nothing read */
    char text[4096];
    snprintf(text, sizeof text, "{\"format\":\"steadymat-history\",\"version\":2}\n%s\n",
             good_line());
    assert_int_equal(sm_history_index_parse(text, strlen(text), &l, &st), SM_ERR_VERSION);
    assert_int_equal(l.n, 0);
    assert_int_equal(st.version, 2);
    /* another program's JSON lines */
    const char *other = "{\"format\":\"something-else\",\"version\":1}\n";
    assert_int_equal(sm_history_index_parse(other, strlen(other), &l, &st), SM_ERR_FORMAT);
    assert_int_equal(st.first_bad_line, 1);
    /* duplicates: the last line wins */
    sm_history_entry_t e = sample("good.smsession", 1700000000000);
    e.frames = 7;
    char *line;
    sm_history_entry_format(&e, &line);
    snprintf(text, sizeof text, "{\"format\":\"steadymat-history\",\"version\":1}\n%s\n%s\n",
             good_line(), line);
    free(line);
    assert_int_equal(sm_history_index_parse(text, strlen(text), &l, &st), SM_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].frames, 7);
    sm_history_list_free(&l);
}

static void mutated_indexes_never_crash(void **state)
{
    (void)state;
    sm_history_list_t l = {NULL, 0, 0};
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%d.smsession", i);
        sm_history_entry_t e = sample(name, 1700000000000 + i);
        sm_history_list_put(&l, &e);
    }
    char *text;
    size_t n;
    sm_history_index_format(&l, &text, &n);
    sm_history_list_free(&l);
    uint64_t rng = 42;
    char *m = malloc(n);
    for (int round = 0; round < 3000; round++) {
        memcpy(m, text, n);
        size_t len = n;
        int flips = 1 + (int)(ts_rand(&rng) % 8);
        for (int k = 0; k < flips; k++)
            m[ts_rand(&rng) % len] ^= (char)(1u << (ts_rand(&rng) % 8));
        if (round % 3 == 0)
            len = ts_rand(&rng) % (len + 1); /* truncated */
        sm_history_parse_stats_t st;
        sm_status s = sm_history_index_parse(m, len, &l, &st);
        assert_true(s == SM_OK || s == SM_ERR_FORMAT || s == SM_ERR_VERSION);
        assert_true(l.n <= 5);
        assert_true(st.entries + st.bad_lines <= st.lines);
        for (size_t i = 0; i < l.n; i++)
            assert_true(sm_history_name_ok(l.v[i].session));
        sm_history_list_free(&l);
    }
    free(m);
    free(text);
}

/* ---- on disk ---- */

static void record(const char *path, const char *scenario, const char *seconds)
{
    /* --force: the path may be a name reserved in the history (an empty file, as live makes);
     * the hook scenario is practised as the hook protocol (the session header says so) */
    const char *argv[] = {"steadymat",  "live",
                          "--sim",      scenario,
                          "--speed",    "50",
                          "--headless", "--duration",
                          seconds,      "--force",
                          "--record",   path,
                          "--protocol", strncmp(scenario, "hook", 4) ? "ball" : "hook",
                          NULL};
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 120, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "%s", err ? err : "");
    assert_int_equal(rc, 0);
    free(err);
}

/* What the live loop does at the end: the entry from the session's pipeline, plus the sidecar. */
static void add_like_live(const char *dir, const char *path, sm_protocol_t proto,
                          const sm_history_input_t *in, size_t nin)
{
    sm_analysis_opts_t o = {.protocol = proto, .inputs = in, .n_inputs = nin};
    sm_analysis_t a;
    char err[400];
    /* the values as live coached them: through the calibration the session names (the
     * simulated reference mat reads through the reference profile) */
    sm_session_reader_t *rd = NULL;
    assert_int_equal(sm_session_reader_open(path, &rd, err, sizeof err), SM_OK);
    const sm_session_header_t *h = sm_session_reader_header(rd);
    sm_calib_t *cal = NULL;
    char cpath[PATH_MAX] = "", why[400];
    int have_cal = sm_sessinfo_calib_find(path, dir, h, &cal, cpath, sizeof cpath, why, sizeof why);
    o.cal = cal;
    assert_int_equal(sm_analysis_run(path, &o, &a, err, sizeof err), SM_OK);
    sm_history_live_t l = {dir,
                           path,
                           &a.header.mat,
                           a.header.source,
                           a.header.start_unix_ms,
                           a.frames,
                           a.duration_s,
                           proto,
                           0,
                           in,
                           nin,
                           sm_pipeline_coach(a.pipe),
                           a.header.patient,
                           a.header.tool,
                           have_cal ? cpath : NULL,
                           have_cal ? h->calib_hash : NULL};
    assert_int_equal(sm_analysis_history_add_live(&l), 0);
    sm_analysis_free(&a);
    sm_calib_destroy(cal);
    sm_session_reader_close(rd);
}

static void load(const char *dir, sm_history_list_t *l, sm_history_report_t *rep)
{
    char err[600];
    sm_status s = sm_history_load(dir, sm_analysis_history_fn, NULL, l, rep, err, sizeof err);
    if (s != SM_OK)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(s, SM_OK);
}

static void assert_same(const sm_history_list_t *a, const sm_history_list_t *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        if (!sm_history_entry_equal(&a->v[i], &b->v[i]))
            fail_msg("entry %zu (%s) differs after the rebuild", i, a->v[i].session);
    }
}

static void corrupt_index_is_rebuilt_with_nothing_lost(void **state)
{
    (void)state;
    const char *dir = ts_path(ts_tempdir(), "history");
    char p1[PATH_MAX], p2[PATH_MAX], err[300];
    assert_int_equal(
        sm_history_new_session_path_in(dir, 1738314900000, p1, sizeof p1, err, sizeof err), SM_OK);
    assert_int_equal(
        sm_history_new_session_path_in(dir, 1738314900000, p2, sizeof p2, err, sizeof err), SM_OK);
    assert_string_not_equal(p1, p2); /* the same second: a second name */
    assert_non_null(strstr(p2, "-2.smsession"));
    record(p1, "ball-wiggle", "40");
    record(p2, "hook-two-phase", "100");
    /* the hook session with a soreness rating: only the sidecar knows it (the protocol is in
     * the session's header too) */
    sm_history_input_t in[] = {{30.0, SM_COACH_IN_SORENESS, 4}, {95.0, SM_COACH_IN_SORENESS, 2}};
    add_like_live(dir, p1, SM_PROTO_BALL_RELEASE, NULL, 0);
    add_like_live(dir, p2, SM_PROTO_HIP_HOOK, in, 2);
    /* and a session recorded elsewhere (--record FILE) */
    const char *p3 = ts_path(ts_tempdir(), "elsewhere.smsession");
    record(p3, "ball-steady", "30");
    add_like_live(dir, p3, SM_PROTO_BALL_RELEASE, NULL, 0);

    sm_history_list_t before = {NULL, 0, 0}, after = {NULL, 0, 0};
    sm_history_report_t rep;
    load(dir, &before, &rep);
    assert_int_equal(rep.state, SM_HISTORY_INDEX_OK);
    assert_int_equal(rep.analysed, 0); /* nothing re-analysed when the index is good */
    assert_string_equal(rep.message, "");
    assert_int_equal(before.n, 3);
    long hook = sm_history_list_find(&before, strrchr(p2, '/') + 1);
    assert_true(hook >= 0);
    assert_int_equal(before.v[hook].protocol, SM_PROTO_HIP_HOOK);
    int ratings = before.v[hook].side[0].n_soreness + before.v[hook].side[1].n_soreness;
    assert_true(ratings >= 1);
    assert_true(sm_history_list_find(&before, p3) >= 0); /* by absolute path */

    const char *index = ts_path(dir, SM_HISTORY_INDEX_FILE);
    size_t n;
    char *text = ts_read_file(index, &n);
    assert_non_null(text);
    /* damage: a line cut in half, garbage bytes in another */
    char *second = strchr(strchr(text, '\n') + 1, '\n') + 1;
    second[10] = '\x01';
    second[11] = '{';
    assert_int_equal(ts_write_file(index, text, n - 40), 0);
    free(text);
    load(dir, &after, &rep);
    assert_int_equal(rep.state, SM_HISTORY_INDEX_DAMAGED);
    assert_true(rep.rebuilt);
    assert_true(rep.written);
    assert_int_equal(rep.analysed, 3);
    assert_non_null(strstr(rep.message, "damaged"));
    assert_non_null(strstr(rep.message, "nothing lost"));
    assert_same(&before, &after);
    sm_history_list_free(&after);

    /* missing: the same */
    assert_int_equal(unlink(index), 0);
    load(dir, &after, &rep);
    assert_int_equal(rep.state, SM_HISTORY_INDEX_MISSING);
    assert_non_null(strstr(rep.message, "missing"));
    assert_same(&before, &after);
    sm_history_list_free(&after);
    /* and the rebuilt index is good again */
    load(dir, &after, &rep);
    assert_int_equal(rep.state, SM_HISTORY_INDEX_OK);
    assert_int_equal(rep.analysed, 0);
    assert_same(&before, &after);
    sm_history_list_free(&after);

    /* a session file that is gone keeps its entry (its numbers are still progress) */
    assert_int_equal(unlink(p1), 0);
    load(dir, &after, &rep);
    assert_int_equal(after.n, 3);
    assert_int_equal(rep.files_missing, 1);
    sm_history_list_free(&after);
    /* a corrupt session file in the folder is skipped with a message, never fatal */
    assert_int_equal(ts_write_file(ts_path(dir, "junk.smsession"), "not a session", 13), 0);
    load(dir, &after, &rep);
    assert_int_equal(after.n, 3);
    assert_int_equal(rep.failed, 1);
    assert_non_null(strstr(rep.message, "skipped 1 unreadable session file"));
    sm_history_list_free(&after);
    sm_history_list_free(&before);
}

static void newer_index_is_left_alone(void **state)
{
    (void)state;
    const char *dir = ts_path(ts_tempdir(), "newer");
    mkdir(dir, 0755);
    const char *index = ts_path(dir, SM_HISTORY_INDEX_FILE);
    const char *text = "{\"format\":\"steadymat-history\",\"version\":9}\n{\"future\":1}\n";
    ts_write_file(index, text, strlen(text));
    sm_history_list_t l = {NULL, 0, 0};
    char err[400];
    assert_int_equal(sm_history_load(dir, sm_analysis_history_fn, NULL, &l, NULL, err, sizeof err),
                     SM_ERR_VERSION);
    assert_non_null(strstr(err, "update SteadyMat"));
    size_t n;
    char *now = ts_read_file(index, &n);
    assert_string_equal(now, text);
    free(now);
}

static void concurrent_writers_lose_nothing(void **state)
{
    (void)state;
    const char *dir = ts_path(ts_tempdir(), "concurrent");
    char p[PATH_MAX], err[300];
    assert_int_equal(sm_history_new_session_path_in(dir, 0, p, sizeof p, err, sizeof err), SM_OK);
    enum { WRITERS = 6, EACH = 12 };
    pid_t kids[WRITERS + 1];
    for (int w = 0; w < WRITERS; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0) {
            for (int k = 0; k < EACH; k++) {
                char name[PATH_MAX];
                snprintf(name, sizeof name, "%s/w%d-%02d.smsession", dir, w, k);
                FILE *f = fopen(name, "w");
                if (!f)
                    _exit(2);
                fputs("x", f);
                fclose(f);
                sm_history_meta_t *m = malloc(sizeof *m);
                sm_history_meta_init(m, SM_PROTO_BALL_RELEASE, 0);
                sm_history_entry_t e = sample("", 1700000000000 + w * 1000 + k);
                if (sm_history_add(dir, name, m, &e, NULL, NULL, NULL, err, sizeof err) != SM_OK)
                    _exit(3);
                free(m);
            }
            _exit(0);
        }
    }
    /* a reader meanwhile: the index is always whole (the old one or the new one) */
    kids[WRITERS] = fork();
    if (kids[WRITERS] == 0) {
        for (int i = 0; i < 300; i++) {
            size_t n;
            char *text = ts_read_file(ts_path(dir, SM_HISTORY_INDEX_FILE), &n);
            if (text) {
                sm_history_list_t l = {NULL, 0, 0};
                sm_history_parse_stats_t st;
                if (sm_history_index_parse(text, n, &l, &st) != SM_OK)
                    _exit(4);
                sm_history_list_free(&l);
                free(text);
            }
            usleep(1000);
        }
        _exit(0);
    }
    for (int w = 0; w <= WRITERS; w++) {
        int st = ts_wait(kids[w]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    sm_history_list_t l = {NULL, 0, 0};
    sm_history_report_t rep;
    assert_int_equal(sm_history_load(dir, NULL, NULL, &l, &rep, err, sizeof err), SM_OK);
    assert_int_equal(rep.state, SM_HISTORY_INDEX_OK);
    assert_int_equal(l.n, WRITERS * EACH);
    for (size_t i = 1; i < l.n; i++) /* kept in time order */
        assert_true(l.v[i - 1].start_unix_ms <= l.v[i].start_unix_ms);
    sm_history_list_free(&l);
}

static void folders_and_names(void **state)
{
    (void)state;
    char b[PATH_MAX];
    assert_int_equal(sm_history_dir_for("/x/data", "/home/u", b, sizeof b), SM_OK);
    assert_string_equal(b, "/x/data/steadymat/sessions");
    assert_int_equal(sm_history_dir_for("relative", "/home/u", b, sizeof b), SM_OK);
    assert_string_equal(b, "/home/u/.local/share/steadymat/sessions");
    assert_int_equal(sm_history_dir_for(NULL, NULL, b, sizeof b), SM_ERR_ARG);
    assert_int_equal(sm_history_dir_for("/x", NULL, b, 8), SM_ERR_RANGE);
    /* an empty history folder that does not exist yet is simply empty, and not created */
    const char *none = ts_path(ts_tempdir(), "not-yet");
    sm_history_list_t l = {NULL, 0, 0};
    char err[300];
    assert_int_equal(sm_history_load(none, sm_analysis_history_fn, NULL, &l, NULL, err, sizeof err),
                     SM_OK);
    assert_int_equal(l.n, 0);
    struct stat st;
    assert_int_equal(stat(none, &st), -1);
    /* a folder that cannot be made */
    const char *file = ts_path(ts_tempdir(), "plain-file");
    ts_write_file(file, "x", 1);
    assert_int_equal(
        sm_history_new_session_path_in(ts_path(file, "sub"), 0, b, sizeof b, err, sizeof err),
        SM_ERR_IO);
    assert_non_null(strstr(err, "cannot create the history folder"));
    assert_true(sm_history_name_ok("a.smsession"));
    assert_true(sm_history_name_ok("/abs/a.smsession"));
    assert_false(sm_history_name_ok(".."));
    assert_false(sm_history_name_ok("a/b"));
    assert_false(sm_history_name_ok("/a/./b"));
    assert_false(sm_history_name_ok("a\nb"));
    assert_false(sm_history_name_ok(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_round_trip),
        cmocka_unit_test(index_round_trip),
        cmocka_unit_test(meta_round_trip),
        cmocka_unit_test(hostile_lines_are_skipped_and_counted),
        cmocka_unit_test(header_missing_or_newer),
        cmocka_unit_test(mutated_indexes_never_crash),
        cmocka_unit_test(corrupt_index_is_rebuilt_with_nothing_lost),
        cmocka_unit_test(newer_index_is_left_alone),
        cmocka_unit_test(concurrent_writers_lose_nothing),
        cmocka_unit_test(folders_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
