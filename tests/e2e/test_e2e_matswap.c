/* End to end: another mat at the same port in the middle of a session. The session goes on for
 * every mat size, the recording continues in a sibling file per size, and everything recorded
 * replays. Run in the sanitizer build, an over-read of a buffer sized for the old mat aborts the
 * live process, which these tests see as a failed exit. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_session.h"
#include "testsupport.h"

static pid_t start_sim(const char *link, const char *rows, const char *cols)
{
    const char *argv[] = {"steadymat", "sim", "--pty", link, "--rows", rows, "--cols", cols, NULL};
    unlink(link);
    pid_t pid = ts_spawn_steadymat(argv, NULL);
    assert_true(pid > 0);
    assert_int_equal(ts_wait_path(link, 20), 0);
    return pid;
}

static json_object *read_json_log(const char *log)
{
    char *out = ts_read_file(log, NULL);
    assert_non_null(out);
    char *brace = strchr(out, '{');
    if (!brace)
        fprintf(stderr, "live printed:\n%s\n", out);
    assert_non_null(brace);
    json_object *j = json_tokener_parse(brace);
    free(out);
    assert_non_null(j);
    return j;
}

/* Frames in a session file, read back; every frame must have the header's size. */
static unsigned long frames_in(const char *path, int rows, int cols, int *markers)
{
    sm_session_reader_t *r;
    char err[256];
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    const sm_session_header_t *h = sm_session_reader_header(r);
    assert_int_equal(h->mat.rows, rows);
    assert_int_equal(h->mat.cols, cols);
    static sm_session_record_t rec;
    unsigned long n = 0;
    *markers = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (rec.kind == SM_REC_FRAME) {
            assert_int_equal(rec.frame.rows, rows);
            assert_int_equal(rec.frame.cols, cols);
            n++;
        } else if (strstr(rec.gap_reason, "mat changed")) {
            (*markers)++;
        }
    }
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    sm_session_reader_close(r);
    return n;
}

/* The JSON's recording: segments in order with the sizes expected; each file holds exactly the
 * frames the JSON counts, carries the markers, and replays through the coach. */
static void check_segments(json_object *j, const int (*sizes)[2], int n)
{
    json_object *rec, *segs;
    assert_true(json_object_object_get_ex(j, "recording", &rec));
    assert_true(json_object_get_type(json_object_object_get(rec, "error")) == json_type_null);
    assert_true(json_object_object_get_ex(rec, "segments", &segs));
    assert_int_equal((int)json_object_array_length(segs), n);
    unsigned long total = 0;
    for (int i = 0; i < n; i++) {
        json_object *sg = json_object_array_get_idx(segs, (size_t)i);
        const char *path = json_object_get_string(json_object_object_get(sg, "path"));
        assert_int_equal((int)ts_json_num(sg, "rows"), sizes[i][0]);
        assert_int_equal((int)ts_json_num(sg, "cols"), sizes[i][1]);
        unsigned long frames = (unsigned long)ts_json_num(sg, "frames");
        assert_true(frames > 10);
        int markers;
        assert_int_equal(frames_in(path, sizes[i][0], sizes[i][1], &markers), frames);
        /* a marker where the session came from and one where it goes on */
        assert_int_equal(markers, (i > 0) + (i < n - 1));
        total += frames;
        /* It replays: the coach runs over it and reports the same size and frame count. */
        const char *argv[] = {"steadymat", "replay", path,     "--headless",
                              "--speed",   "100",    "--json", NULL};
        int rc;
        json_object *rj = ts_run_json(argv, 120, &rc, NULL);
        assert_non_null(rj);
        assert_int_equal(rc, 0);
        assert_int_equal((int)ts_json_num(rj, "rows"), sizes[i][0]);
        assert_int_equal((int)ts_json_num(rj, "cols"), sizes[i][1]);
        assert_int_equal((unsigned long)ts_json_num(rj, "frames"), frames);
        json_object_put(rj);
    }
    assert_int_equal((unsigned long)ts_json_num(rec, "frames"), total);
}

/* A 16x16 mat, unplugged; a 64x64 mat plugged in at the same port; then the 16x16 again. */
static void swap_mats_by_reconnecting(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "swap.smsession");
    const char *seg2 = ts_path(dir, "swap.seg2.smsession");
    const char *seg3 = ts_path(dir, "swap.seg3.smsession");
    const char *log = ts_path(dir, "live.json");
    pid_t sim = start_sim(link, "16", "16");
    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "9",         "--json", "--record", rec,  NULL};
    pid_t live = ts_spawn_steadymat(argv, log);
    /* About 30 frames of each mat (compressed recordings: about 124 bytes a 16x16 frame and
     * 1.7 kB a 64x64 frame of the simulator). */
    assert_int_equal(ts_wait_growth(rec, 4000, 20), 0);
    ts_kill(sim, SIGTERM);
    sim = start_sim(link, "64", "64");
    assert_int_equal(ts_wait_growth(seg2, 55000, 20), 0);
    ts_kill(sim, SIGTERM);
    sim = start_sim(link, "16", "16");
    assert_int_equal(ts_wait_growth(seg3, 4000, 20), 0);
    int status = ts_wait(live);
    ts_kill(sim, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    json_object *j = read_json_log(log);
    assert_int_equal((int)ts_json_num(j, "rows"), 16);
    const int sizes[3][2] = {{16, 16}, {64, 64}, {16, 16}};
    check_segments(j, sizes, 3);
    json_object_put(j);
}

/* A scripted mat that changes size mid-stream without reconnecting or a new INFO:
 * 32x24 -> 8x8 -> 64x64 -> 32x24, shrinking then growing. */
typedef struct {
    int fd;
} pty_sink_t;

static void to_pty(void *ctx, const uint8_t *b, uint16_t n)
{
    pty_sink_t *s = ctx;
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(s->fd, b + off, n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && errno == EAGAIN) {
            usleep(1000); /* the pty is full: the host is reading, give it a moment */
            continue;
        }
        if (k <= 0)
            return;
        off += (size_t)k;
    }
}

static void frame_of(sm_proto_writer_t *w, uint16_t seq, uint32_t t_us, int rows, int cols)
{
    static uint16_t row[64];
    sm_proto_write_frame_begin(w, seq, t_us, (uint8_t)rows, (uint8_t)cols);
    for (int r = 0; r < rows; r++) {
        /* a compact bump in the middle over a light body load: something to coach */
        for (int c = 0; c < cols; c++) {
            double dr = r - rows / 2.0, dc = c - cols / 2.0;
            double v = 120 + 2500.0 / (1.0 + dr * dr + dc * dc) + (seq * 7 + r * 3 + c) % 11;
            row[c] = (uint16_t)(v > 4095 ? 4095 : v);
        }
        sm_proto_write_frame_row(w, row);
    }
    sm_proto_write_frame_end(w, 0);
}

static void swap_sizes_mid_stream(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "mid.smsession");
    const char *log = ts_path(dir, "live.json");
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    const char *slave = ptsname(master);
    assert_non_null(slave);
    int keep = open(slave, O_RDWR | O_NOCTTY); /* keeps the pty alive while the host opens it */
    assert_true(keep >= 0);
    struct termios tio;
    tcgetattr(keep, &tio);
    cfmakeraw(&tio);
    tcsetattr(keep, TCSANOW, &tio);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    assert_int_equal(symlink(slave, link), 0);

    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "60",        "--json", "--record", rec,  NULL};
    pid_t live = ts_spawn_steadymat(argv, log);
    pty_sink_t sink = {master};
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, to_pty, &sink);
    sm_proto_info_t info;
    memset(&info, 0, sizeof info);
    info.fw_major = 1;
    info.uid[7] = 0x5a;
    info.rows = 32;
    info.cols = 24;
    info.pitch_dmm = 250;
    info.sample_bits = 12;
    info.max_rate_hz = 100;
    info.rate_hz = 50;
    info.streaming = 1;
    memcpy(info.name, "scripted", 8);
    const int sizes[4][2] = {{32, 24}, {8, 8}, {64, 64}, {32, 24}};
    /* Wait for the host to open the port (it sends its commands), then stream 50 frames/s. */
    uint8_t junk[256];
    for (int i = 0; i < 2000 && read(master, junk, sizeof junk) <= 0; i++)
        usleep(5000); /* polling for the host's first bytes, bounded */
    sm_proto_write_info(&w, &info);
    uint16_t seq = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int part = 0; part < 4; part++) {
        for (int k = 0; k < 60; k++, seq++) {
            frame_of(&w, seq, (uint32_t)seq * 20000u, sizes[part][0], sizes[part][1]);
            while (read(master, junk, sizeof junk) > 0) {
            }
            /* pace the stream like a mat at 50 Hz (a data source, not a synchronisation) */
            struct timespec due = t0;
            long ns = (long)(seq + 1) * 20000000L;
            due.tv_sec += ns / 1000000000L;
            due.tv_nsec += ns % 1000000000L;
            if (due.tv_nsec >= 1000000000L) {
                due.tv_sec++;
                due.tv_nsec -= 1000000000L;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
        }
    }
    /* Let the host take the last frames off the link, then end the session as a user would. */
    for (int i = 0; i < 100 && read(master, junk, sizeof junk) > 0; i++) {
    }
    int size_now = -1;
    for (int i = 0; i < 300; i++) {
        long s4 = ts_file_size(ts_path(dir, "mid.seg4.smsession"));
        if (s4 > 0 && s4 == size_now)
            break; /* no longer growing: the host has everything */
        size_now = (int)s4;
        usleep(20000); /* polling an observable condition, bounded */
    }
    kill(live, SIGINT); /* the signal only: ts_wait reaps it */
    int status = ts_wait(live);
    close(keep);
    close(master);
    unlink(link);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    json_object *j = read_json_log(log);
    assert_int_equal((int)ts_json_num(j, "rows"), 32);
    assert_int_equal((int)ts_json_num(j, "cols"), 24);
    check_segments(j, sizes, 4);
    json_object_put(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swap_mats_by_reconnecting),
        cmocka_unit_test(swap_sizes_mid_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
