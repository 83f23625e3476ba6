/* Recording, replay and import, as a user runs them. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sm_session.h"
#include "sm_source.h"
#include "testsupport.h"

/* Count the data lines of the real file with exactly rows*cols numbers, independently of the
 * parser under test. */
static int count_full_lines(const char *path, int want)
{
    size_t len;
    char *buf = ts_read_file(path, &len);
    assert_non_null(buf);
    int full = 0, vals = 0, in_num = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? buf[i] : '\n';
        if (c >= '0' && c <= '9') {
            if (!in_num)
                vals++;
            in_num = 1;
        } else {
            in_num = 0;
        }
        if (c == '\n') {
            full += vals == want;
            vals = 0;
        }
    }
    free(buf);
    return full;
}

static void record_then_replay_gives_same_frames(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *rec = ts_path(dir, "s.smsession");
    const char *a1[] = {"steadymat", "live",       "--sim",      "ball-wiggle", "--speed",
                        "10",        "--headless", "--duration", "20",          "--json",
                        "--record",  rec,          NULL};
    int rc;
    json_object *live = ts_run_json(a1, 120, &rc, NULL);
    assert_non_null(live);
    assert_int_equal(rc, 0);
    const char *a2[] = {"steadymat", "replay", rec, "--speed", "10", "--headless", "--json", NULL};
    json_object *rep = ts_run_json(a2, 120, &rc, NULL);
    assert_non_null(rep);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(rep, "frames"), (int)ts_json_num(live, "frames"));
    assert_float_equal(ts_json_num(rep, "total_mean"), ts_json_num(live, "total_mean"),
                       1e-6 * ts_json_num(live, "total_mean"));
    assert_float_equal(ts_json_num(rep, "duration_s"), ts_json_num(live, "duration_s"), 0.05);
    json_object_put(live);
    json_object_put(rep);
}

static void pmatdata_imports_as_64x32_at_1hz(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *out = ts_path(dir, "pmat.smsession");
    const char *png = ts_path(dir, "pmat.png");
    const char *in = ts_data("pmatdata/1.txt");
    const char *a1[] = {"steadymat", "import", "--format", "text", "--rows", "64", "--cols",
                        "32",        "--rate", "1",        in,     out,      NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(a1, 60, NULL, &err), 0);
    free(err);
    const char *a2[] = {"steadymat", "replay",       out, "--speed", "100", "--headless",
                        "--json",    "--screenshot", png, NULL};
    int rc;
    json_object *j = ts_run_json(a2, 120, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "rows"), 64);
    assert_int_equal((int)ts_json_num(j, "cols"), 32);
    assert_int_equal((int)ts_json_num(j, "frames"), count_full_lines(in, 64 * 32));
    assert_float_equal(ts_json_num(j, "frames_per_s"), 1.0, 0.01);
    struct stat st;
    assert_int_equal(stat(png, &st), 0);
    assert_true(st.st_size > 10000);
    json_object_put(j);
}

static void hostile_session_files_are_refused_cleanly(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *bad = ts_path(dir, "bad.smsession");
    uint64_t seed = 42;
    static uint8_t junk[20000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)ts_rand(&seed);
    assert_int_equal(ts_write_file(bad, junk, sizeof junk), 0);
    const char *a[] = {"steadymat", "replay", bad, "--headless", "--json", NULL};
    char *err = NULL;
    assert_int_equal(ts_run_steadymat(a, 60, NULL, &err), 1);
    assert_non_null(strstr(err, "session"));
    free(err);
    const char *b[] = {"steadymat", "replay", ts_path(dir, "missing.smsession"), "--headless",
                       NULL};
    assert_int_equal(ts_run_steadymat(b, 60, NULL, &err), 1);
    free(err);
}

/* A damaged recording with a frame earlier than its first must still play to the end. */
static void replay_survives_time_going_backwards(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *path = ts_path(dir, "back.smsession");
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = 4;
    h.mat.cols = 4;
    h.mat.pitch_mm = 25;
    h.mat.sample_max = 1023;
    snprintf(h.source, sizeof h.source, "test");
    sm_session_writer_t *w;
    char err[256];
    assert_int_equal(sm_session_writer_open(path, &h, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    f.rows = 4;
    f.cols = 4;
    const uint64_t times[] = {1000000, 1020000, 500000, 1040000};
    for (int i = 0; i < 4; i++) {
        f.t_us = times[i];
        f.seq = (uint32_t)i;
        f.cells[i] = 500;
        sm_session_writer_frame(w, &f, err, sizeof err);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    const char *a[] = {"steadymat", "replay", path, "--headless", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(a, 30, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_true(ts_json_num(j, "frames") >= 3);
    json_object_put(j);
}

/* A damaged but CRC-valid file whose clock leaps by 1e13 us (115 days) in the middle, and a
 * recorded 20 s unplug: both are jumped over (issue 14: the first was waited out for hours),
 * every frame is played, and --json says how much was jumped. */
static void replay_jumps_over_long_gaps(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *path = ts_path(dir, "jump.smsession");
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = 4;
    h.mat.cols = 4;
    h.mat.pitch_mm = 25;
    h.mat.sample_max = 1023;
    h.mat.rate_hz = 50;
    snprintf(h.source, sizeof h.source, "test");
    sm_session_writer_t *w;
    char err[256];
    assert_int_equal(sm_session_writer_open(path, &h, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    f.rows = 4;
    f.cols = 4;
    uint64_t t = 0;
    for (int i = 0; i < 150; i++) {
        if (i == 50)
            t += 10000000000000ull; /* the leap */
        if (i == 100) {
            assert_int_equal(
                sm_session_writer_gap(w, t, t + 20000000, "unplugged", err, sizeof err), SM_OK);
            t += 20000000;
        }
        f.t_us = t;
        f.seq = (uint32_t)i;
        f.cells[5] = 500;
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
        t += 20000;
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    const char *a[] = {"steadymat", "replay", path, "--headless", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(a, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "frames"), 150);
    /* Played in its own time (3 s of frames), not the 20 s unplug or the 115 days. */
    assert_true(ts_json_num(j, "wall_s") < 15);
    json_object *m;
    assert_true(json_object_object_get_ex(j, "message", &m));
    const char *msg = json_object_get_string(m);
    assert_non_null(msg);
    print_message("message: %s\n", msg);
    assert_non_null(strstr(msg, "jumped 10000020 s"));
    assert_non_null(strstr(msg, "2 stretches"));
    json_object_put(j);
}

/* What the replay keys do: pause holds the picture, seek jumps, speed scales time. */
static void replay_pause_seek_and_speed(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *path = ts_path(dir, "ten.smsession");
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = 4;
    h.mat.cols = 4;
    h.mat.pitch_mm = 25;
    h.mat.sample_max = 1023;
    sm_session_writer_t *w;
    char err[256];
    assert_int_equal(sm_session_writer_open(path, &h, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    f.rows = 4;
    f.cols = 4;
    for (int i = 0; i < 200; i++) { /* 20 s at 10 Hz, starting at 5 s session time */
        f.t_us = 5000000u + (uint64_t)i * 100000u;
        f.seq = (uint32_t)i;
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);

    sm_source_t *src;
    assert_int_equal(sm_replay_source_create(path, 1.0, &src, err, sizeof err), SM_OK);
    /* Wall time is passed in, so the test controls the clock. */
    uint64_t wall = 0;
    int n = 0;
    while (sm_source_next(src, wall, &f) == SM_OK)
        n++;
    assert_int_equal(n, 1);       /* only the frame at 0 s is due */
    assert_int_equal(f.t_us, 0u); /* replays start their session time at the first frame */
    wall = 1000000;
    while (sm_source_next(src, wall, &f) == SM_OK)
        n++;
    assert_int_equal(n, 11); /* 0.0 .. 1.0 s */
    assert_int_equal(sm_source_control(src, SM_CTL_PAUSE, 0, wall), SM_OK);
    assert_int_equal(sm_source_next(src, wall + 5000000, &f), SM_EMPTY); /* paused: nothing */
    wall += 5000000;
    assert_int_equal(sm_source_control(src, SM_CTL_PAUSE, 0, wall), SM_OK);
    assert_int_equal(sm_source_control(src, SM_CTL_SEEK_ABS, 10.0, wall), SM_OK);
    assert_int_equal(sm_source_next(src, wall, &f), SM_OK);
    assert_int_equal(f.t_us, 10000000u); /* the frame at 10 s */
    assert_int_equal(sm_source_control(src, SM_CTL_SPEED, 4.0, wall), SM_OK);
    int k = 0;
    while (sm_source_next(src, wall + 500000, &f) == SM_OK)
        k++;
    assert_int_equal(k, 20); /* 0.5 s of wall at 4x: 2 s of data, 10.1 .. 12.0 */
    assert_int_equal(sm_source_control(src, SM_CTL_SEEK_REL, -100.0, wall + 500000), SM_OK);
    assert_int_equal(sm_source_next(src, wall + 500000, &f), SM_OK);
    assert_int_equal(f.t_us, 0u); /* seeking before the start clamps to it */
    assert_int_equal(sm_source_control(src, SM_CTL_SEEK_ABS, 1000.0, wall), SM_OK);
    sm_status s;
    while ((s = sm_source_next(src, wall + 600000, &f)) == SM_OK)
        ;
    assert_int_equal(s, SM_EOF); /* past the end: the recording is over */
    sm_source_status_t st;
    sm_source_status(src, &st);
    assert_true(st.ended);
    assert_float_equal(st.len_s, 19.9, 1e-9);
    sm_source_destroy(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_then_replay_gives_same_frames),
        cmocka_unit_test(pmatdata_imports_as_64x32_at_1hz),
        cmocka_unit_test(hostile_session_files_are_refused_cleanly),
        cmocka_unit_test(replay_survives_time_going_backwards),
        cmocka_unit_test(replay_pause_seek_and_speed),
        cmocka_unit_test(replay_jumps_over_long_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
