#define _XOPEN_SOURCE 700 /* posix_openpt */
/*
 * A hostile mat (issue 14): a scripted device on a pty that sends well-formed, CRC-valid
 * messages with nonsense in them - impossible sizes, lengths that do not match, sequence
 * numbers and clocks that jump forward and back, a mat that changes size, absurd INFO, floods
 * without pause, and plain garbage - between stretches of honest frames. `steadymat live`
 * with a recording must go on through all of it: no crash (the sanitizers watch), honest
 * frames before and after are taken, and every recording file reads back whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_session.h"
#include "testsupport.h"

static int master = -1;
static uint8_t out[65536];
static size_t out_n;
static uint64_t rng = 0x5EEDF00Dull;
static unsigned long written_frames;

static void collect(void *ctx, const uint8_t *b, uint16_t n)
{
    (void)ctx;
    if (out_n + n <= sizeof out) {
        memcpy(out + out_n, b, n);
        out_n += n;
    }
}

/* Hand the bytes to the pty; a full pty (the host is busy) drops the rest, as a UART would. */
static void send_out(void)
{
    size_t off = 0;
    int tries = 0;
    while (off < out_n && tries < 20) {
        ssize_t k = write(master, out + off, out_n - off);
        if (k > 0) {
            off += (size_t)k;
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            break;
        struct pollfd p = {master, POLLOUT, 0};
        poll(&p, 1, 5);
        tries++;
    }
    out_n = 0;
}

/* Drain what the host sends (commands), so its writes never block. */
static void drain_host(void)
{
    uint8_t buf[512];
    while (read(master, buf, sizeof buf) > 0) {
    }
}

static void frame(uint16_t seq, uint32_t t_us, uint8_t rows, uint8_t cols, uint16_t level)
{
    static uint16_t cells[64 * 64];
    for (int i = 0; i < rows * cols; i++)
        cells[i] = (uint16_t)((level + (i % cols) * 7 + (i / cols) * 3) & 0x0FFF);
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect, NULL);
    sm_proto_write_frame_begin(&w, seq, t_us, rows, cols);
    for (int r = 0; r < rows; r++)
        sm_proto_write_frame_row(&w, cells + r * cols);
    sm_proto_write_frame_end(&w, 0);
    send_out();
    written_frames++;
}

/* A message of `type` with any payload, CRC and COBS done right. */
static void raw_message(uint8_t type, const uint8_t *payload, uint16_t n)
{
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect, NULL);
    sm_proto_writer_begin(&w, type);
    sm_proto_writer_put(&w, payload, n);
    sm_proto_writer_end(&w);
    send_out();
}

static void info(uint8_t rows, uint8_t cols, uint16_t pitch_dmm, uint8_t bits, uint16_t rate)
{
    sm_proto_info_t in;
    memset(&in, 0, sizeof in);
    in.fw_major = 1;
    in.rows = rows;
    in.cols = cols;
    in.pitch_dmm = pitch_dmm;
    in.sample_bits = bits;
    in.rate_hz = rate;
    in.max_rate_hz = rate;
    in.streaming = 1;
    memcpy(in.uid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    memcpy(in.name, "\x1b[31mHOSTILE\xff\xfe\n", 16); /* escape codes, bad UTF-8 */
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect, NULL);
    sm_proto_write_info(&w, &in);
    send_out();
}

/* The device's own pace: a frame every 10 ms (this is the mat's clock, not synchronisation). */
static uint32_t clock_us;
static uint16_t seq;

static void honest(int n, uint8_t rows, uint8_t cols)
{
    for (int k = 0; k < n; k++) {
        frame(seq++, clock_us, rows, cols, (uint16_t)(200 + k % 50));
        clock_us += 10000;
        drain_host();
        usleep(10000);
    }
}

static void hostile_mat_does_not_stop_the_session(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    const char *rec = ts_path(dir, "hostile.smsession");
    master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    /* hold the slave open so the pty lives while the host comes and goes */
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    fcntl(master, F_SETFL, O_NONBLOCK);
    assert_int_equal(symlink(ptsname(master), link), 0);

    const char *argv[] = {"steadymat", "live",   "--port",   link, "--headless", "--duration",
                          "600",       "--json", "--record", rec,  NULL};
    const char *log = ts_path(dir, "live.json");
    pid_t live = ts_spawn_steadymat(argv, log);
    /* the host has opened the port when its first command (GET_INFO) arrives */
    struct pollfd p = {master, POLLIN, 0};
    assert_true(poll(&p, 1, 20000) == 1);
    drain_host();

    info(16, 16, 150, 12, 100);
    honest(100, 16, 16);

    /* CRC-valid frames of impossible geometry and lengths */
    uint8_t pl[6200];
    memset(pl, 0x11, sizeof pl);
    const uint8_t geo[][2] = {{0, 16}, {16, 0}, {65, 16}, {16, 200}, {255, 255}};
    for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
        pl[0] = (uint8_t)seq;
        pl[6] = geo[i][0];
        pl[7] = geo[i][1];
        raw_message(SM_MSG_FRAME, pl, 8 + 24 * 16 + 1);
    }
    for (uint16_t len = 0; len < 40; len += 3) /* too short for any frame */
        raw_message(SM_MSG_FRAME, pl, len);
    pl[6] = 16;
    pl[7] = 16;
    raw_message(SM_MSG_FRAME, pl, 8 + 24 * 16 + 1 + 7); /* longer than 16x16 */
    pl[8 + 23] = 0xF1;                                  /* a padding nibble set (odd cols) */
    pl[7] = 15;
    raw_message(SM_MSG_FRAME, pl, 8 + 23 * 16 + 1);
    for (uint8_t t = 5; t < 40; t++) /* unknown types, other versions via type byte */
        raw_message(t, pl, 12);
    honest(50, 16, 16);

    /* sequence numbers and clocks that jump */
    seq = (uint16_t)(seq + 30000);
    honest(20, 16, 16);
    seq = 3; /* back: a restart without INFO */
    honest(20, 16, 16);
    for (int k = 0; k < 10; k++) { /* the same number again and again */
        frame(seq, clock_us, 16, 16, 300);
        clock_us += 10000;
        usleep(10000);
    }
    clock_us += 3600000000u; /* an hour ahead */
    honest(20, 16, 16);
    clock_us -= 1800000000u; /* and back */
    honest(20, 16, 16);
    clock_us = 0xFFFFFF00u; /* about to wrap */
    honest(20, 16, 16);

    /* the mat changes size without a word, then with an absurd INFO */
    honest(30, 8, 8);
    info(0, 0, 0, 0, 0);
    info(64, 64, 65535, 200, 65535);
    honest(10, 64, 64);
    honest(30, 16, 16);

    /* a flood: frames back to back as fast as the pty takes them */
    for (int k = 0; k < 3000; k++) {
        frame(seq++, clock_us, 16, 16, 400);
        clock_us += 10;
        if (k % 100 == 0)
            drain_host();
    }
    honest(30, 16, 16);

    /* garbage: random bytes, runs of delimiters, a run far longer than any message */
    for (int k = 0; k < 50; k++) {
        for (size_t i = 0; i < 2048; i++)
            out[i] = (uint8_t)ts_rand(&rng);
        out_n = 2048;
        send_out();
        drain_host();
    }
    memset(out, 0, 4096);
    out_n = 4096;
    send_out();
    for (int k = 0; k < 8; k++) {
        memset(out, 0x55, 4096);
        out_n = 4096;
        send_out();
        usleep(2000);
    }
    /* honest frames at the end: the session still takes them */
    honest(100, 16, 16);

    kill(live, SIGTERM);
    int status = ts_wait(live);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *text = ts_read_file(log, NULL);
    assert_non_null(text);
    json_object *j = json_tokener_parse(strchr(text, '{'));
    assert_non_null(j);
    print_message("hostile: %lu frames written (flood included), %.0f taken; crc %.0f, length "
                  "%.0f, resyncs %.0f, seq gaps %.0f, resets %.0f, lost %.0f\n",
                  written_frames, ts_json_num(j, "frames"), ts_json_num(j, "crc_errors"),
                  ts_json_num(j, "length_errors"), ts_json_num(j, "resyncs"),
                  ts_json_num(j, "seq_gaps"), ts_json_num(j, "seq_resets"),
                  ts_json_num(j, "frames_lost"));
    assert_true(ts_json_num(j, "frames") >= 450); /* the honest ones at least */
    assert_true(ts_json_num(j, "length_errors") >= 10);
    json_object *recj, *segs;
    assert_true(json_object_object_get_ex(j, "recording", &recj));
    assert_true(json_object_object_get_ex(recj, "segments", &segs));
    size_t nseg = json_object_array_length(segs);
    print_message("recording: %zu segments\n", nseg);
    assert_true(nseg >= 3); /* 16x16, 8x8, 64x64, 16x16 again */
    unsigned long recorded = 0;
    for (size_t i = 0; i < nseg; i++) {
        json_object *seg = json_object_array_get_idx(segs, i), *pv;
        assert_true(json_object_object_get_ex(seg, "path", &pv));
        sm_session_reader_t *r;
        char err[256];
        assert_int_equal(sm_session_reader_open(json_object_get_string(pv), &r, err, sizeof err),
                         SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        print_message("  %s: %lu frames, %lu corrupt, torn %d\n", json_object_get_string(pv),
                      st->frames, st->corrupt, st->torn_tail);
        assert_int_equal(st->corrupt, 0);
        assert_int_equal(st->torn_tail, 0);
        assert_int_equal(st->frames, (unsigned long)ts_json_num(seg, "frames"));
        static sm_session_record_t rr;
        unsigned long n = 0;
        while (sm_session_reader_next(r, &rr) == SM_OK)
            n += rr.kind == SM_REC_FRAME;
        assert_int_equal(n, st->frames);
        recorded += n;
        sm_session_reader_close(r);
    }
    assert_int_equal(recorded, (unsigned long)ts_json_num(j, "frames"));
    json_object_put(j);
    free(text);
    close(slave);
    close(master);
    unlink(link);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_mat_does_not_stop_the_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
