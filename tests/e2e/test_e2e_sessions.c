/* Sessions that tell the truth (issue 12), end to end on the simulator: each protocol recorded
 * with a patient, then `analyze`, `report` (the PDF's text through pdftotext) and `history
 * --patient` agree on protocol, side, tool and patient without any flag; a flag overrides and
 * says so; patient names are data (a name like a path, a unicode name); a short try without a
 * hold is not kept in the history, a kept session is in the index when the program exits. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_calib.h"
#include "sm_calib_file.h"
#include "testsupport.h"

typedef struct {
    const char *protocol_opt; /* --protocol */
    const char *protocol;     /* the id analyze prints */
    const char *title;        /* the readable name in the report and history */
    const char *scenario;
    const char *duration_s;
    const char *patient;
    const char *tool;       /* analyze's "tool" */
    const char *tool_title; /* in the report */
} case_t;

static const case_t cases[] = {
    {"ball", "ball-release", "Ball release", "ball-steady", "40", "Ann Example", "ball", "ball"},
    {"hook", "hip-hook", "Hip Hook, two phases", "hook-two-phase", "92", "Ann Example", "hip-hook",
     "Hip Hook"},
    {"back", "back-of-hip", "Back of hip", "back-of-hip", "150", "../../etc/x", "ball", "ball"},
    {"realign", "realignment", "Realignment", "back-of-hip", "30", "Zoë Ünïcode-Łukasz", "ball",
     "ball"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static const char *dir_, *xdg_;
static char rec_[NCASES][1024];

static void run_ok(const char *const *argv, char **out, char **err_out)
{
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 240, out, &err);
    if (rc != 0)
        fprintf(stderr, "%s", err ? err : "");
    assert_int_equal(rc, 0);
    if (err_out)
        *err_out = err;
    else
        free(err);
}

static int setup(void **state)
{
    (void)state;
    dir_ = strdup(ts_tempdir());
    xdg_ = strdup(ts_path(dir_, "xdg"));
    setenv("XDG_DATA_HOME", xdg_, 1);
    for (size_t i = 0; i < NCASES; i++) {
        const case_t *c = &cases[i];
        char name[64];
        snprintf(name, sizeof name, "%s.smsession", c->protocol_opt);
        snprintf(rec_[i], sizeof rec_[i], "%s", ts_path(dir_, name));
        /* 25 frames/s: the coach's numbers at a SteadyMat mat's lower rate, in half the time */
        const char *argv[] = {"steadymat",     "live",      "--sim",    c->scenario,  "--speed",
                              "100",           "--rate",    "25",       "--headless", "--duration",
                              c->duration_s,   "--record",  rec_[i],    "--history",  "--protocol",
                              c->protocol_opt, "--patient", c->patient, NULL};
        run_ok(argv, NULL, NULL);
    }
    return 0;
}

static const char *str_member(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        fail_msg("member %s is missing or not a string", k);
    return json_object_get_string(v);
}

/* "right", "left", "right and left" or "none held" from per-side hold counts */
static const char *sides_of(int right, int left)
{
    return right && left ? "right and left" : right ? "right" : left ? "left" : "none held";
}

static json_object *analyze(const char *session, const char *opt, const char *val)
{
    const char *argv[] = {"steadymat", "analyze", session, "--json", opt, val, NULL};
    int rc;
    json_object *j = ts_run_json(argv, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    return j;
}

static void analyze_sides(json_object *j, int *right, int *left)
{
    json_object *sides, *r, *l;
    assert_true(json_object_object_get_ex(j, "sides", &sides));
    assert_true(json_object_object_get_ex(sides, "right", &r));
    assert_true(json_object_object_get_ex(sides, "left", &l));
    *right = (int)ts_json_num(r, "holds") > 0;
    *left = (int)ts_json_num(l, "holds") > 0;
}

static char *pdf_text(const char *pdf)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' - 2>/dev/null", pdf);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    size_t k;
    while ((k = fread(t + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 4096) {
            cap *= 2;
            t = realloc(t, cap);
            assert_non_null(t);
        }
    }
    t[n] = 0;
    assert_int_equal(pclose(p), 0);
    return t;
}

/* Which of "your right" / "your left" comes first on the lines that have both (the labels along
 * the heatmaps' sides): 'R', 'L', 0 when no line has both, '?' when the lines disagree. */
static int sides_first(const char *text)
{
    int first = 0;
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char line[2048];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), l);
        const char *r = strstr(line, "your right"), *lf = strstr(line, "your left");
        if (r && lf && !strstr(line, "side")) {
            int f = r < lf ? 'R' : 'L';
            first = first && first != f ? '?' : f;
        }
        l = e ? e + 1 : NULL;
    }
    return first;
}

static void contains(const char *text, const char *what, const char *where)
{
    if (!strstr(text, what))
        fail_msg("%s does not say \"%s\"", where, what);
}

/* The history entries of one patient (history --patient NAME --json). */
static json_object *history_of(const char *patient, char **err)
{
    const char *argv[] = {"steadymat", "history", "--patient", patient, "--json", NULL};
    int rc;
    json_object *j = ts_run_json(argv, 120, &rc, err);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object *s;
    assert_true(json_object_object_get_ex(j, "sessions", &s));
    json_object_get(s);
    json_object_put(j);
    return s;
}

static json_object *entry_for(json_object *sessions, const char *path)
{
    for (size_t i = 0; i < json_object_array_length(sessions); i++) {
        json_object *e = json_object_array_get_idx(sessions, i);
        if (!strcmp(str_member(e, "path"), path))
            return e;
    }
    fail_msg("%s is not in the history", path);
    return NULL;
}

static void all_agree_without_flags(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const case_t *c = &cases[i];
        /* analyze: what the session says, and that it is the session that says it */
        json_object *an = analyze(rec_[i], NULL, NULL);
        assert_string_equal(str_member(an, "protocol"), c->protocol);
        assert_string_equal(str_member(an, "protocol_from"), "session");
        assert_string_equal(str_member(an, "protocol_title"), c->title);
        assert_string_equal(str_member(an, "tool"), c->tool);
        assert_string_equal(str_member(an, "tool_from"), "session");
        assert_string_equal(str_member(an, "patient"), c->patient);
        int right, left;
        analyze_sides(an, &right, &left);
        assert_true(right || left || !strcmp(c->protocol, "realignment"));
        const char *sides = sides_of(right, left);
        /* report: the PDF's page header */
        char out[1024], pdf[1100];
        snprintf(out, sizeof out, "%s/report-%s", dir_, c->protocol_opt);
        snprintf(pdf, sizeof pdf, "%s/report.pdf", out);
        const char *rep[] = {"steadymat", "report", rec_[i], "--out", out, NULL};
        char *err = NULL;
        run_ok(rep, NULL, &err);
        contains(err, "(from the session)", "report's stderr");
        free(err);
        char *text = pdf_text(pdf);
        char want[256];
        contains(text, c->patient, "the report");
        snprintf(want, sizeof want, "Protocol: %s", c->title);
        contains(text, want, "the report");
        snprintf(want, sizeof want, "Side: %s", sides);
        contains(text, want, "the report");
        snprintf(want, sizeof want, "Tool: %s", c->tool_title);
        contains(text, want, "the report");
        /* the person's sides along the maps as the live view has them: face down (ball) the
         * right at the left, on the back (back, realign) at the right, side-lying (hook) none */
        int want_first = !strcmp(c->protocol_opt, "ball")   ? 'R'
                         : !strcmp(c->protocol_opt, "hook") ? 0
                                                            : 'L';
        if (json_object_array_length(json_object_object_get(an, "holds")) > 0 &&
            sides_first(text) != want_first)
            fail_msg("%s: the map's sides read '%c', want '%c'", c->protocol_opt,
                     sides_first(text) ? sides_first(text) : '-', want_first ? want_first : '-');
        if (right)
            contains(text, "your right side", "the report");
        if (left)
            contains(text, "your left side", "the report");
        /* every hold is in the report */
        json_object *holds;
        assert_true(json_object_object_get_ex(an, "holds", &holds));
        for (size_t k = 0; k < json_object_array_length(holds); k++) {
            snprintf(want, sizeof want, "Hold %zu:", k + 1);
            contains(text, want, "the report");
        }
        free(text);
        /* history --patient: the same session, the same facts */
        json_object *hs = history_of(c->patient, NULL);
        json_object *e = entry_for(hs, rec_[i]);
        assert_string_equal(str_member(e, "protocol"), c->protocol);
        assert_string_equal(str_member(e, "tool"), c->tool);
        assert_string_equal(str_member(e, "patient"), c->patient);
        json_object *r, *l;
        assert_true(json_object_object_get_ex(e, "right", &r));
        assert_true(json_object_object_get_ex(e, "left", &l));
        assert_string_equal(
            sides_of((int)ts_json_num(r, "holds") > 0, (int)ts_json_num(l, "holds") > 0), sides);
        /* only this patient's sessions */
        for (size_t k = 0; k < json_object_array_length(hs); k++)
            assert_string_equal(str_member(json_object_array_get_idx(hs, k), "patient"),
                                c->patient);
        json_object_put(hs);
        json_object_put(an);
    }
    /* Ann practised two protocols: both hers, nobody else's */
    json_object *ann = history_of("Ann Example", NULL);
    assert_int_equal(json_object_array_length(ann), 2);
    json_object_put(ann);
    json_object *nobody = history_of("Ann", NULL);
    assert_int_equal(json_object_array_length(nobody), 0);
    json_object_put(nobody);
    /* a name like a path is only a name: nothing was written where it points */
    struct stat st;
    assert_int_not_equal(stat(ts_path(xdg_, "etc/x"), &st), 0);
    assert_int_not_equal(stat(ts_path(dir_, "etc/x"), &st), 0);
    /* the progress plot of one patient */
    const char *png = ts_path(dir_, "ann.png");
    const char *plot[] = {"steadymat", "history", "--patient", "Ann Example", "--plot", png, NULL};
    run_ok(plot, NULL, NULL);
    assert_true(ts_file_size(png) > 1000);
}

/* A flag overrides what the session says, and the output says it was overridden. */
static void a_flag_overrides_and_says_so(void **state)
{
    (void)state;
    json_object *an = analyze(rec_[1], "--protocol", "ball");
    assert_string_equal(str_member(an, "protocol"), "ball-release");
    assert_string_equal(str_member(an, "protocol_from"), "flag");
    /* the hook's tool followed from its protocol: it follows the protocol given */
    assert_string_equal(str_member(an, "tool"), "ball");
    /* the hook's 30 s per phase was its default: the ball's default applies */
    assert_true(ts_json_num(an, "release_threshold_s") == 60);
    json_object_put(an);
    const char *argv[] = {"steadymat", "analyze", rec_[1], "--protocol", "ball", NULL};
    char *out = NULL;
    run_ok(argv, &out, NULL);
    contains(out, "protocol: Ball release (overridden by --protocol)", "analyze");
    free(out);
    const char *argv2[] = {"steadymat", "analyze", rec_[1], NULL};
    run_ok(argv2, &out, NULL);
    contains(out, "protocol: Hip Hook, two phases (from the session)", "analyze");
    contains(out, "patient: Ann Example", "analyze");
    free(out);
}

/* The same analysis as live: the hook's holds as the live coach counted them. */
static void replay_uses_the_session(void **state)
{
    (void)state;
    const char *argv[] = {"steadymat", "replay", rec_[1],  "--headless",
                          "--speed",   "100",    "--json", NULL};
    int rc;
    char *err = NULL;
    json_object *j = ts_run_json(argv, 120, &rc, &err);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_string_equal(str_member(j, "protocol"), "hip-hook");
    assert_string_equal(str_member(j, "protocol_from"), "session");
    assert_string_equal(str_member(j, "patient"), "Ann Example");
    assert_non_null(err);
    contains(err, "protocol: Hip Hook, two phases (from the session)", "replay's stderr");
    free(err);
    json_object_put(j);
}

static void same_member(json_object *a, json_object *b, const char *k)
{
    json_object *x = NULL, *y = NULL;
    assert_true(json_object_object_get_ex(a, k, &x));
    assert_true(json_object_object_get_ex(b, k, &y));
    if (!json_object_equal(x, y))
        fail_msg("member %s differs: %s vs %s", k, json_object_to_json_string(x),
                 json_object_to_json_string(y));
}

/* A file of SteadyMat 0.1 says nothing of how it was practised: analysed with 0.1's defaults
 * (ball release, 60 s, the protocol's tool), said to be the defaults, and numbers equal to
 * those options given explicitly. */
static void v1_files_analyse_as_before(void **state)
{
    (void)state;
    const char *v1 = ts_data("sessions/v1-ball-steady.smsession");
    json_object *d = analyze(v1, NULL, NULL);
    assert_string_equal(str_member(d, "protocol"), "ball-release");
    assert_string_equal(str_member(d, "protocol_from"), "default");
    assert_string_equal(str_member(d, "release_from"), "default");
    assert_string_equal(str_member(d, "tool_from"), "protocol");
    assert_true(ts_json_num(d, "release_threshold_s") == 60);
    json_object *p;
    assert_true(json_object_object_get_ex(d, "patient", &p));
    assert_null(p);
    const char *argv[] = {"steadymat", "analyze",   v1,   "--json", "--protocol",
                          "ball",      "--release", "60", NULL};
    int rc;
    json_object *e = ts_run_json(argv, 120, &rc, NULL);
    assert_non_null(e);
    assert_int_equal(rc, 0);
    const char *same[] = {"frames", "duration_s", "sway", "holds", "events", "sides", "cues"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        same_member(d, e, same[i]);
    json_object_put(e);
    json_object_put(d);
}

static pid_t start_sim(const char *link, const char *scenario)
{
    const char *argv[] = {"steadymat", "sim", "--pty", link, "--scenario", scenario, NULL};
    pid_t pid = ts_spawn_steadymat(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(ts_wait_path(link, 20), 0);
    return pid;
}

static size_t session_files(const char *sessions_dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '\\.smsession$'", sessions_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = 0;
    if (fscanf(p, "%d", &n) != 1)
        n = 0;
    pclose(p);
    return (size_t)n;
}

/* A mat's session is kept by default; a short try without a hold is not (unless --history
 * asks), and what is kept is in the index at once: nothing to add later. */
static void short_tries_are_not_kept(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *xdg = ts_path(dir, "xdg");
    char sessions[1024];
    snprintf(sessions, sizeof sessions, "%s/steadymat/sessions", xdg);
    setenv("XDG_DATA_HOME", xdg, 1);
    const char *link = ts_path(dir, "mat");
    /* nothing on the mat for 4 s: a connection test */
    pid_t sim = start_sim(link, "empty");
    const char *live[] = {"steadymat",  "live",       "--port", link,
                          "--headless", "--duration", "4",      NULL};
    char *err = NULL;
    run_ok(live, NULL, &err);
    contains(err, "not kept in the history", "live's stderr");
    free(err);
    assert_int_equal(session_files(sessions), 0);
    /* the same with --history: kept */
    const char *asked[] = {"steadymat",  "live", "--port",    link, "--headless",
                           "--duration", "4",    "--history", NULL};
    run_ok(asked, NULL, NULL);
    ts_kill(sim, SIGTERM);
    assert_int_equal(session_files(sessions), 1);
    /* a ball held for 9 s: a hold, kept though short */
    sim = start_sim(link, "ball-steady");
    const char *held[] = {"steadymat",  "live",       "--port", link,
                          "--headless", "--duration", "9",      NULL};
    run_ok(held, NULL, NULL);
    ts_kill(sim, SIGTERM);
    assert_int_equal(session_files(sessions), 2);
    /* both in the index already: history has nothing to add */
    const char *hist[] = {"steadymat", "history", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(hist, 60, &rc, &err);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object *s;
    assert_true(json_object_object_get_ex(j, "sessions", &s));
    assert_int_equal(json_object_array_length(s), 2);
    assert_null(strstr(err ? err : "", "not in the history index"));
    free(err);
    json_object_put(j);
    setenv("XDG_DATA_HOME", xdg_, 1);
}

/* A neutral calibration of the simulator's mat, dated `created`. */
static void write_calibration(const char *path, const char *created)
{
    sm_calib_data_t *d = malloc(sizeof *d);
    assert_non_null(d);
    assert_int_equal(sm_calib_data_init(d, 32, 24, 25, 1023), SM_OK);
    snprintf(d->created, sizeof d->created, "%s", created);
    char err[300];
    if (sm_calib_file_save(path, d, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    free(d);
}

/* The calibration in force is recorded (id and hash) and found again for re-analysis: after
 * the mat is recalibrated, from the copy the history keeps; without it, said. */
static void the_sessions_calibration_is_used(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *xdg = ts_path(dir, "xdg");
    setenv("XDG_DATA_HOME", xdg, 1);
    char cal[1024], rec[1024];
    snprintf(cal, sizeof cal, "%s", ts_path(dir, "cal.json"));
    snprintf(rec, sizeof rec, "%s", ts_path(dir, "cal.smsession"));
    write_calibration(cal, "2026-01-01T10:00:00Z");
    const char *live[] = {"steadymat", "live",      "--sim",       "ball-steady", "--speed",
                          "100",       "--rate",    "25",          "--headless",  "--duration",
                          "20",        "--record",  rec,           "--history",   "--calibration",
                          cal,         "--patient", "Ann Example", NULL};
    run_ok(live, NULL, NULL);
    json_object *an = analyze(rec, NULL, NULL);
    const char *id = str_member(an, "calibration_id");
    assert_non_null(strstr(id, "2026-01-01T10:00:00Z"));
    assert_non_null(strstr(str_member(an, "calibration"), ".json"));
    json_object_put(an);
    /* recalibrated: the mat's file changes; the history's copy still has the old one */
    write_calibration(cal, "2026-06-01T10:00:00Z");
    char *err = NULL;
    const char *argv[] = {"steadymat", "analyze", rec, "--json", NULL};
    int rc;
    an = ts_run_json(argv, 120, &rc, &err);
    assert_non_null(an);
    assert_non_null(strstr(str_member(an, "calibration"), "/calibrations/crc32c-"));
    assert_null(strstr(err ? err : "", "no longer available"));
    free(err);
    json_object_put(an);
    /* the report is calibrated too */
    const char *out = ts_path(dir, "rep");
    const char *rep[] = {"steadymat", "report", rec, "--out", out, NULL};
    run_ok(rep, NULL, &err);
    contains(err, "calibration: ", "report's stderr");
    free(err);
    char pdf[1100];
    snprintf(pdf, sizeof pdf, "%s/report.pdf", out);
    char *text = pdf_text(pdf);
    contains(text, "calibrated, kPa", "the report");
    free(text);
    /* without the copy: analysed in raw counts, and said */
    char copies[1100];
    snprintf(copies, sizeof copies, "rm -r '%s/steadymat/sessions/calibrations'", xdg);
    assert_int_equal(system(copies), 0);
    an = ts_run_json(argv, 120, &rc, &err);
    assert_non_null(an);
    json_object *c;
    assert_true(json_object_object_get_ex(an, "calibration", &c));
    assert_null(c);
    contains(err ? err : "", "no longer available", "analyze's stderr");
    free(err);
    json_object_put(an);
    setenv("XDG_DATA_HOME", xdg_, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_agree_without_flags),
        cmocka_unit_test(a_flag_overrides_and_says_so),
        cmocka_unit_test(replay_uses_the_session),
        cmocka_unit_test(v1_files_analyse_as_before),
        cmocka_unit_test(short_tries_are_not_kept),
        cmocka_unit_test(the_sessions_calibration_is_used),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
