/* End to end, as a user runs it: `steadymat sim --pty` in one process, `steadymat live --port`
 * in another, judged by the --json summary and the recording. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_clock.h"
#include "sm_proto.h"
#include "sm_session.h"
#include "sm_source.h"
#include "sm_sim.h"
#include "testsupport.h"

static size_t collected;

static void collect_bytes(void *ctx, const uint8_t *b, uint16_t n)
{
    uint8_t *buf = ctx;
    if (collected + n <= 8192) {
        memcpy(buf + collected, b, n);
        collected += n;
    }
}

static pid_t start_sim(const char *link, const char *const *extra)
{
    const char *argv[24] = {"steadymat", "sim", "--pty", link};
    int n = 4;
    for (int i = 0; extra && extra[i] && n < 23; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = ts_spawn_steadymat(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(ts_wait_path(link, 20), 0);
    return pid;
}

static void live_reads_simulated_mat(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    pid_t sim = start_sim(link, NULL);
    const char *argv[] = {"steadymat",  "live", "--port", link, "--headless",
                          "--duration", "3",    "--json", NULL};
    int rc;
    json_object *j = ts_run_json(argv, 60, &rc, NULL);
    ts_kill(sim, SIGTERM);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "rows"), 32);
    assert_int_equal((int)ts_json_num(j, "cols"), 24);
    assert_true(ts_json_num(j, "frames") >= 100); /* 50 Hz for ~3 s */
    assert_true(ts_json_num(j, "frames_per_s") > 40 && ts_json_num(j, "frames_per_s") < 60);
    assert_int_equal((int)ts_json_num(j, "crc_errors"), 0);
    assert_int_equal((int)ts_json_num(j, "seq_gaps"), 0);
    assert_true(ts_json_num(j, "total_mean") > 0);
    json_object *cop;
    assert_true(json_object_object_get_ex(j, "cop_mean", &cop));
    double x = ts_json_num(cop, "x"), y = ts_json_num(cop, "y");
    assert_true(x > 0 && x < 24 && y > 0 && y < 32);
    json_object_put(j);
}

/* Corrupted bytes are counted and never reach the pipeline: every recorded frame must equal the
 * frame the simulator rendered for that sequence number. */
static void corruption_is_counted_never_accepted(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "corrupt.smsession");
    const char *extra[] = {"--corrupt", "0.001",  "--effects", "none", "--seed",
                           "7",         "--rate", "100",       NULL};
    pid_t sim = start_sim(link, extra);
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "5",         "--json", "--record", rec,  NULL};
    int rc;
    json_object *j = ts_run_json(argv, 60, &rc, NULL);
    ts_kill(sim, SIGTERM);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    double bad =
        ts_json_num(j, "crc_errors") + ts_json_num(j, "resyncs") + ts_json_num(j, "length_errors");
    assert_true(bad > 0);
    /* 1175 bytes a frame: 0.999^1175 = 31 % of the 500 frames arrive intact. */
    assert_true(ts_json_num(j, "frames") > 80);
    assert_true(ts_json_num(j, "seq_gaps") > 0); /* the frames that were corrupted are missing */
    json_object_put(j);

    sm_session_reader_t *r;
    char err[256];
    assert_int_equal(sm_session_reader_open(rec, &r, err, sizeof err), SM_OK);
    /* The recording says how the session was practised (format 2.0). */
    const sm_session_header_t *rh = sm_session_reader_header(r);
    assert_string_equal(rh->protocol, "ball-release");
    assert_true(rh->release_s == 60);
    assert_true(rh->app_version[0] != 0);
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.effects = 0;
    cfg.seed = 7;
    sm_sim_t *sim_ref;
    assert_int_equal(sm_sim_create(&cfg, &sim_ref), SM_OK);
    static sm_session_record_t rr;
    static uint16_t ref[SM_MAX_CELLS];
    uint32_t k = 0;
    unsigned long checked = 0;
    while (sm_session_reader_next(r, &rr) == SM_OK) {
        if (rr.kind != SM_REC_FRAME)
            continue;
        while (k <= rr.frame.seq) { /* render every frame in order, as the device did */
            sm_sim_render(sim_ref, (uint64_t)k * 10000u, ref);
            k++;
        }
        assert_memory_equal(rr.frame.cells, ref, 32 * 24 * sizeof ref[0]);
        checked++;
    }
    assert_true(checked > 80);
    sm_sim_destroy(sim_ref);
    sm_session_reader_close(r);
}

/* Pull the plug mid-session: the session goes on, reconnects when the mat returns, and the
 * recording marks the gap. */
static void reconnects_after_unplug(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "gap.smsession");
    pid_t sim = start_sim(link, NULL);
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "6",         "--json", "--record", rec,  NULL};
    char *out = NULL;
    /* Run live in the background through a log file so we can act while it runs. */
    const char *log = ts_path(dir, "live.json");
    pid_t live = ts_spawn_steadymat(argv, log);
    assert_int_equal(ts_wait_growth(rec, 4096, 20), 0);
    ts_kill(sim, SIGKILL); /* the cable is pulled: no goodbye */
    long before = ts_file_size(rec);
    sim = start_sim(link, NULL);
    assert_int_equal(ts_wait_growth(rec, before + 4096, 20), 0);
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    out = ts_read_file(log, NULL);
    assert_non_null(out);
    char *brace = strchr(out, '{');
    assert_non_null(brace);
    json_object *j = json_tokener_parse(brace);
    assert_non_null(j);
    assert_true(ts_json_num(j, "disconnects") >= 1);
    assert_true(ts_json_num(j, "reconnects") >= 1);
    json_object_put(j);
    free(out);

    sm_session_reader_t *r;
    char err[256];
    assert_int_equal(sm_session_reader_open(rec, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rr;
    int gaps = 0;
    uint64_t last_t = 0;
    unsigned long frames = 0;
    while (sm_session_reader_next(r, &rr) == SM_OK) {
        if (rr.kind == SM_REC_GAP) {
            gaps++;
            assert_true(rr.gap_end_us >= rr.gap_start_us);
        } else {
            assert_true(rr.frame.t_us >= last_t);
            last_t = rr.frame.t_us;
            frames++;
        }
    }
    assert_true(gaps >= 1);
    assert_true(frames > 100);
    sm_session_reader_close(r);
}

/* The cable is pulled for exactly 1 s (SIGUSR1 to the simulator): the session reconnects by
 * itself within about a second of the mat returning, and the recorded gap says how long. */
static void reconnects_within_a_second_of_replug(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "replug.smsession");
    pid_t sim = start_sim(link, NULL);
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "6",         "--json", "--record", rec,  NULL};
    const char *log = ts_path(dir, "live.json");
    pid_t live = ts_spawn_steadymat(argv, log);
    assert_int_equal(ts_wait_growth(rec, 4096, 20), 0);
    kill(sim, SIGUSR1);
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    sm_session_reader_t *r;
    char err[256];
    assert_int_equal(sm_session_reader_open(rec, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rr;
    int gaps = 0;
    unsigned long after = 0;
    while (sm_session_reader_next(r, &rr) == SM_OK) {
        if (rr.kind == SM_REC_GAP) {
            gaps++;
            double gap_s = (rr.gap_end_us - rr.gap_start_us) / 1e6;
            print_message("gap %.3f s for a 1 s unplug\n", gap_s);
            assert_true(gap_s >= 0.95 && gap_s < 2.0);
        } else if (gaps) {
            after++;
        }
    }
    assert_int_equal(gaps, 1);
    assert_true(after > 50); /* frames keep coming after the replug */
    sm_session_reader_close(r);
}

/* Issue 14: within a quarter of a second of the mat returning, at the 100th percentile over 20
 * cable pulls (SIGUSR1: the simulator's pty vanishes for 1 s and comes back as a freshly booted
 * mat). Each recorded gap runs from the last frame before the pull to the first after; minus
 * the 1 s the mat was away it bounds the reconnect time from above (it also holds up to a
 * frame period before the pull and the simulator's 10 ms wake-up). */
static void reconnects_within_250ms_over_20_unplugs(void **state)
{
    (void)state;
    enum { PULLS = 20 };
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "pulls.smsession");
    const char *extra[] = {"--rate", "100", NULL};
    pid_t sim = start_sim(link, extra);
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "600",       "--json", "--record", rec,  NULL};
    const char *log = ts_path(dir, "live.json");
    pid_t live = ts_spawn_steadymat(argv, log);
    assert_int_equal(ts_wait_growth(rec, 4096, 20), 0);
    for (int k = 0; k < PULLS; k++) {
        kill(sim, SIGUSR1);
        /* the port vanishes, comes back, and frames flow again into the recording */
        for (int i = 0; i < 400 && access(link, F_OK) == 0; i++)
            usleep(5000);
        assert_int_equal(ts_wait_path(link, 10), 0);
        long size = ts_file_size(rec);
        assert_int_equal(ts_wait_growth(rec, size + 2048, 10), 0);
    }
    kill(live, SIGTERM); /* ends the session cleanly: recording closed, JSON printed */
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *out = ts_read_file(log, NULL);
    assert_non_null(out);
    json_object *j = json_tokener_parse(strchr(out, '{'));
    assert_non_null(j);
    print_message("disconnects %.0f, reconnects %.0f, frames lost while away %.0f\n",
                  ts_json_num(j, "disconnects"), ts_json_num(j, "reconnects"),
                  ts_json_num(j, "frames_lost"));
    assert_int_equal((int)ts_json_num(j, "reconnects"), PULLS);
    json_object_put(j);
    free(out);

    sm_session_reader_t *r;
    char err[256];
    assert_int_equal(sm_session_reader_open(rec, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rr;
    double worst = 0, sum = 0;
    int gaps = 0;
    while (sm_session_reader_next(r, &rr) == SM_OK) {
        if (rr.kind != SM_REC_GAP)
            continue;
        double back_s = (rr.gap_end_us - rr.gap_start_us) / 1e6 - 1.0;
        print_message("pull %2d: first frame %.0f ms after the mat returned (at most)\n", gaps + 1,
                      back_s * 1e3);
        worst = back_s > worst ? back_s : worst;
        sum += back_s;
        gaps++;
    }
    sm_session_reader_close(r);
    print_message("over %d pulls: mean %.0f ms, worst %.0f ms\n", gaps, sum / gaps * 1e3,
                  worst * 1e3);
    assert_int_equal(gaps, PULLS);
    assert_true(worst <= 0.25);
}

static void text_mat_over_pty(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *extra[] = {"--format", "text",    "--rows", "16", "--cols",
                           "16",       "--pitch", "15",     NULL};
    pid_t sim = start_sim(link, extra);
    const char *argv[] = {"steadymat",  "live",       "--port", link,     "--format",
                          "text",       "--rows",     "16",     "--cols", "16",
                          "--headless", "--duration", "2",      "--json", NULL};
    int rc;
    json_object *j = ts_run_json(argv, 60, &rc, NULL);
    ts_kill(sim, SIGTERM);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "rows"), 16);
    assert_true(ts_json_num(j, "frames") > 50);
    assert_int_equal((int)ts_json_num(j, "text_bad_lines") <= 1,
                     1); /* at most the line cut at connect */
    json_object_put(j);
}

static void wrong_protocol_fails_with_advice(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *extra[] = {"--format", "text", NULL};
    pid_t sim = start_sim(link, extra);
    const char *argv[] = {"steadymat",  "live",       "--port", link,
                          "--headless", "--duration", "30",     NULL};
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    ts_kill(sim, SIGTERM);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "no frames from"));
    assert_non_null(strstr(err, "--baud"));
    free(err);
}

static void absent_port_fails_with_advice(void **state)
{
    (void)state;
    const char *argv[] = {"steadymat",  "live",       "--port", "/dev/ttyNOPE",
                          "--headless", "--duration", "30",     NULL};
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "/dev/ttyNOPE"));
    free(err);
}

static void duration_is_session_time(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *png = ts_path(dir, "sim.png");
    const char *argv[] = {"steadymat",    "live",       "--sim",      "ball-steady", "--speed",
                          "20",           "--headless", "--duration", "60",          "--json",
                          "--screenshot", png,          NULL};
    int rc;
    json_object *j = ts_run_json(argv, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_true(ts_json_num(j, "duration_s") > 59.5 && ts_json_num(j, "duration_s") <= 60.0);
    assert_true(ts_json_num(j, "wall_s") < 15); /* 60 s of session in about 3 s */
    assert_true(ts_json_num(j, "frames") >= 2990);
    assert_true(ts_file_size(png) > 10000);
    json_object_put(j);
}

static void wrong_geometry_is_named(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    pid_t sim = start_sim(link, NULL);
    const char *argv[] = {"steadymat", "live", "--port",     link,         "--rows", "16",
                          "--cols",    "16",   "--headless", "--duration", "30",     NULL};
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 60, NULL, &err);
    ts_kill(sim, SIGTERM);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "32x24"));
    assert_non_null(strstr(err, "--rows/--cols"));
    free(err);
}

/* A mat (or line noise that passes the CRC) announcing nonsense must not take the host down. */
static void hostile_device_info_is_survived(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(master));
    sm_wire_config_t wc;
    sm_wire_config_default(&wc);
    wc.path = slave;
    sm_source_t *src;
    char err[200];
    assert_int_equal(sm_wire_source_create(&wc, &src, err, sizeof err), SM_OK);
    static sm_frame_t f;
    assert_int_equal(sm_source_next(src, 0, &f), SM_EMPTY); /* opens the port */
    static uint8_t buf[8192];
    collected = 0;
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect_bytes, buf);
    sm_proto_info_t info;
    memset(&info, 0xFF, sizeof info); /* every field at its most absurd */
    info.rows = 4;
    info.cols = 4;
    sm_proto_write_info(&w, &info);
    uint16_t cells[16] = {0};
    cells[5] = 4095;
    sm_proto_write_frame_begin(&w, 1, 1000, 4, 4);
    for (int r = 0; r < 4; r++)
        sm_proto_write_frame_row(&w, cells + 4 * r);
    sm_proto_write_frame_end(&w, 0);
    assert_true(write(master, buf, collected) == (ssize_t)collected);
    sm_status s = SM_EMPTY;
    for (int i = 0; i < 200 && s != SM_OK; i++) {
        sm_io_wait(sm_source_fd(src), 10);
        s = sm_source_next(src, 1000u * (uint64_t)i, &f);
    }
    assert_int_equal(s, SM_OK);
    assert_int_equal(f.cells[5], 4095);
    sm_source_status_t st;
    sm_source_status(src, &st);
    assert_true(st.have_info);
    assert_true(st.mat.sample_max >= 1 && st.mat.sample_max <= 4095);
    sm_source_destroy(src);
    close(master);
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    const char *a1[] = {"steadymat", "live", "--bogus", NULL};
    const char *a2[] = {"steadymat", "sim", NULL};
    const char *a3[] = {"steadymat", "live", "--format", "text", "--port", "/tmp/x", NULL};
    const char *a4[] = {"steadymat", "live", "--sim", "no-such-scenario", "--headless", NULL};
    const char *a5[] = {"steadymat", "frobnicate", NULL};
    const char *const *all[] = {a1, a2, a3, a4, a5};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char *err = NULL;
        assert_int_equal(ts_run_steadymat(all[i], 30, NULL, &err), 2);
        assert_true(strlen(err) > 10); /* a message that says what to do */
        free(err);
    }
    const char *v[] = {"steadymat", "--version", NULL};
    char *out = NULL;
    assert_int_equal(ts_run_steadymat(v, 30, &out, NULL), 0);
    assert_non_null(strstr(out, "steadymat"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_reads_simulated_mat),
        cmocka_unit_test(corruption_is_counted_never_accepted),
        cmocka_unit_test(reconnects_after_unplug),
        cmocka_unit_test(reconnects_within_a_second_of_replug),
        cmocka_unit_test(reconnects_within_250ms_over_20_unplugs),
        cmocka_unit_test(text_mat_over_pty),
        cmocka_unit_test(wrong_protocol_fails_with_advice),
        cmocka_unit_test(absent_port_fails_with_advice),
        cmocka_unit_test(duration_is_session_time),
        cmocka_unit_test(wrong_geometry_is_named),
        cmocka_unit_test(hostile_device_info_is_survived),
        cmocka_unit_test(usage_errors_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
