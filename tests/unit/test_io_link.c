#define _XOPEN_SOURCE 700 /* posix_openpt */
/* The live link's accounting (issue 14), with a scripted mat on a pseudo-terminal and the wire
 * source driven on a clock the test sets: frames lost while the link was down are estimated
 * from the mat's clock; text mats count the frames they drop; a link that delivers only
 * damaged frames says it is noisy rather than blaming the baud rate; and a path that can never
 * be a serial port is refused at once. */
#include "testsupport.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_source.h"
#include "sm_transport.h"

/* ---- a scripted mat: a pty whose slave is reached through a link in a temp dir ---- */
typedef struct {
    int master;
    char link[512];
    uint8_t out[8192];
    size_t n;
} mat_t;

static void mat_plug(mat_t *m)
{
    m->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m->master >= 0);
    assert_int_equal(grantpt(m->master), 0);
    assert_int_equal(unlockpt(m->master), 0);
    fcntl(m->master, F_SETFL, O_NONBLOCK);
    unlink(m->link);
    assert_int_equal(symlink(ptsname(m->master), m->link), 0);
}

static void mat_unplug(mat_t *m)
{
    close(m->master);
    unlink(m->link);
    m->master = -1;
}

static void collect(void *ctx, const uint8_t *b, uint16_t n)
{
    mat_t *m = ctx;
    assert_true(m->n + n <= sizeof m->out);
    memcpy(m->out + m->n, b, n);
    m->n += n;
}

static void mat_write(mat_t *m, const void *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(m->master, (const char *)p + off, n - off);
        assert_true(k > 0);
        off += (size_t)k;
    }
}

/* A 4x4 FRAME; crc_bad flips a sample byte after the CRC was made (a noisy line). */
static void mat_frame(mat_t *m, uint16_t seq, uint32_t t_us, int crc_bad)
{
    uint16_t cells[16];
    for (int i = 0; i < 16; i++)
        cells[i] = (uint16_t)(100 + i + seq);
    sm_proto_writer_t w;
    m->n = 0;
    sm_proto_writer_init(&w, collect, m);
    sm_proto_write_frame_begin(&w, seq, t_us, 4, 4);
    for (int r = 0; r < 4; r++)
        sm_proto_write_frame_row(&w, cells + 4 * r);
    sm_proto_write_frame_end(&w, 0);
    if (crc_bad)
        m->out[14] ^= 0x20; /* a sample byte: never 0x00 after the flip, framing intact */
    mat_write(m, m->out, m->n);
}

static sm_source_t *open_source(const char *path, sm_wire_format fmt)
{
    sm_wire_config_t wc;
    sm_wire_config_default(&wc);
    wc.path = path;
    wc.format = fmt;
    wc.rows = fmt == SM_FMT_TEXT ? 4 : 0;
    wc.cols = fmt == SM_FMT_TEXT ? 4 : 0;
    wc.stale_s = 0.5;
    sm_source_t *s;
    char err[256];
    assert_int_equal(sm_wire_source_create(&wc, &s, err, sizeof err), SM_OK);
    return s;
}

/* Frames the source hands out by wall time `wall` (it reads what the pty holds). */
static int drain(sm_source_t *s, uint64_t wall)
{
    static sm_frame_t f;
    int n = 0;
    for (int i = 0; i < 200; i++)
        if (sm_source_next(s, wall, &f) == SM_OK)
            n++;
    return n;
}

static mat_t mat;

static void setup_link(void)
{
    snprintf(mat.link, sizeof mat.link, "%s", ts_path(ts_tempdir(), "mat"));
}

/* The mat streams 50 frames at 100 Hz, the cable is pulled, and the mat comes back: either it
 * was powered off (its clock and count restart: every frame since its boot is lost) or it kept
 * scanning (the frames between the last one received and the first one after are lost). */
static void reconnect_loss(int restarted)
{
    setup_link();
    mat_plug(&mat);
    sm_source_t *s = open_source(mat.link, SM_FMT_BINARY);
    uint64_t wall = 1000000;
    assert_int_equal(drain(s, wall), 0); /* connects */
    for (uint16_t k = 0; k < 50; k++)
        mat_frame(&mat, (uint16_t)(1000 + k), 5000000u + k * 10000u, 0);
    assert_int_equal(drain(s, wall += 10000), 50);
    mat_unplug(&mat);
    drain(s, wall += 10000);
    sm_source_status_t st;
    sm_source_status(s, &st);
    assert_int_equal(st.connected, 0);
    mat_plug(&mat);
    wall += 1000000;
    drain(s, wall); /* reconnects */
    sm_source_status(s, &st);
    assert_int_equal(st.connected, 1);
    if (restarted) /* booted 0.33 s ago: frames 0..32 were sent while nobody listened */
        for (uint16_t k = 33; k < 40; k++)
            mat_frame(&mat, k, k * 10000u, 0);
    else /* the last frame was 1049 at 5.49 s; it went on scanning: 1050..1149 were lost */
        for (uint16_t k = 1150; k < 1157; k++)
            mat_frame(&mat, k, 5000000u + (k - 1000u) * 10000u, 0);
    assert_int_equal(drain(s, wall += 10000), 7);
    sm_source_status(s, &st);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(st.proto.frames_lost, restarted ? 33 : 100);
    assert_int_equal(st.proto.seq_gaps, 0);
    assert_int_equal(st.proto.crc_errors, 0);
    assert_int_equal(st.proto.resyncs, 0);
    sm_source_destroy(s);
    mat_unplug(&mat);
}

static void lost_while_reconnecting_restarted_mat(void **state)
{
    (void)state;
    reconnect_loss(1);
}

static void lost_while_reconnecting_running_mat(void **state)
{
    (void)state;
    reconnect_loss(0);
}

/* Joining a stream mid-frame is not an error: the first sync counts nowhere. */
static void first_sync_is_not_an_error(void **state)
{
    (void)state;
    setup_link();
    mat_plug(&mat);
    sm_source_t *s = open_source(mat.link, SM_FMT_BINARY);
    assert_int_equal(drain(s, 1000000), 0);
    mat_frame(&mat, 0, 0, 0);
    /* mid-stream: bytes that are no message, ended by a delimiter: one error */
    static const uint8_t tail[] = {0x17, 0x23, 0x99, 0x01, 0x42, 0x00};
    mat_write(&mat, tail, sizeof tail);
    for (uint16_t k = 1; k < 5; k++)
        mat_frame(&mat, k, k * 10000u, 0);
    assert_int_equal(drain(s, 1010000), 5);
    sm_source_status_t st;
    sm_source_status(s, &st);
    assert_int_equal(st.proto.resyncs + st.proto.crc_errors + st.proto.length_errors, 1);
    sm_source_destroy(s);
    mat_unplug(&mat);

    /* the same tail as the very first bytes after connecting: a join, no error */
    mat_plug(&mat);
    s = open_source(mat.link, SM_FMT_BINARY);
    assert_int_equal(drain(s, 1000000), 0);
    mat_write(&mat, tail, sizeof tail);
    for (uint16_t k = 1; k < 5; k++)
        mat_frame(&mat, k, k * 10000u, 0);
    assert_int_equal(drain(s, 1010000), 4);
    sm_source_status(s, &st);
    assert_int_equal(st.proto.resyncs + st.proto.crc_errors + st.proto.length_errors, 0);
    assert_int_equal(st.proto.frames_lost + st.proto.seq_gaps, 0);
    sm_source_destroy(s);
    mat_unplug(&mat);
}

/* No good frame for longer than stale_s: frames with good framing and bad CRCs are noise on
 * the cable; bytes without structure are the wrong baud rate. */
static void noisy_link_is_not_the_baud_rate(void **state)
{
    (void)state;
    setup_link();
    mat_plug(&mat);
    sm_source_t *s = open_source(mat.link, SM_FMT_BINARY);
    uint64_t wall = 1000000;
    drain(s, wall);
    for (uint16_t k = 0; k < 5; k++)
        mat_frame(&mat, k, k * 10000u, 0);
    drain(s, wall += 10000);
    for (int i = 0; i < 60; i++) {
        mat_frame(&mat, (uint16_t)(5 + i), 50000u + i * 10000u, 1);
        drain(s, wall += 10000);
    }
    sm_source_status_t st;
    sm_source_status(s, &st);
    print_message("noisy: %s\n", st.message);
    assert_true(st.proto.crc_errors >= 50);
    assert_non_null(strstr(st.message, "noisy"));
    assert_null(strstr(st.message, "baud"));
    sm_source_destroy(s);
    mat_unplug(&mat);

    /* the wrong baud rate: bytes arrive, with delimiters now and then, but nothing framed */
    mat_plug(&mat);
    s = open_source(mat.link, SM_FMT_BINARY);
    wall = 1000000;
    drain(s, wall);
    uint64_t rng = 12345;
    for (int i = 0; i < 60; i++) {
        uint8_t junk[200];
        for (size_t j = 0; j < sizeof junk; j++)
            junk[j] = (uint8_t)ts_rand(&rng);
        mat_write(&mat, junk, sizeof junk);
        drain(s, wall += 10000);
    }
    sm_source_status(s, &st);
    print_message("garbage: %s\n", st.message);
    assert_non_null(strstr(st.message, "baud"));
    sm_source_destroy(s);
    mat_unplug(&mat);
}

/* Text mats: a damaged line is a lost frame; lines failing their checksum say "noisy". */
static void text_link_counts_lost_frames(void **state)
{
    (void)state;
    setup_link();
    mat_plug(&mat);
    sm_source_t *s = open_source(mat.link, SM_FMT_TEXT);
    uint64_t wall = 1000000;
    drain(s, wall);
    static const char good[] = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16*1B\r\n";
    static const char bad_sum[] = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,17*1B\r\n";
    static const char short_line[] = "1,2,3\r\n";
    char check[8];
    snprintf(check, sizeof check, "%02X",
             sm_text_checksum((const uint8_t *)good, strchr(good, '*') - good));
    assert_memory_equal(check, strchr(good, '*') + 1, 2);
    /* the tail of a line the mat was sending when we connected: not an error */
    mat_write(&mat, good + 20, strlen(good) - 20);
    for (int i = 0; i < 3; i++)
        mat_write(&mat, good, strlen(good));
    mat_write(&mat, bad_sum, strlen(bad_sum));
    mat_write(&mat, short_line, strlen(short_line));
    mat_write(&mat, good, strlen(good));
    assert_int_equal(drain(s, wall += 10000), 4);
    sm_source_status_t st;
    sm_source_status(s, &st);
    assert_int_equal(st.proto.frames_lost, 2);
    assert_int_equal(st.text.checksum_errors, 2); /* the bad sum, and the line without one */
    assert_int_equal(st.text.bad_lines, 2);
    for (int i = 0; i < 60; i++) {
        mat_write(&mat, bad_sum, strlen(bad_sum));
        drain(s, wall += 10000);
    }
    sm_source_status(s, &st);
    print_message("text noisy: %s\n", st.message);
    assert_non_null(strstr(st.message, "noisy"));
    assert_int_equal(st.proto.frames_lost, 62);
    sm_source_destroy(s);
    mat_unplug(&mat);
}

/* A regular file, a directory, /dev/null or a FIFO can never be a mat: refused at once, with
 * what it is; a missing path (an unplugged mat) and a pty are accepted. */
static void never_a_port_fails_at_once(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *file = ts_path(dir, "file");
    const char *fifo = ts_path(dir, "fifo");
    assert_int_equal(ts_write_file(file, "x", 1), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const struct {
        const char *path, *says;
    } cases[] = {{file, "regular file"},
                 {dir, "directory"},
                 {"/dev/null", "not a serial port"},
                 {fifo, "FIFO"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_wire_config_t wc;
        sm_wire_config_default(&wc);
        wc.path = cases[i].path;
        sm_source_t *s = NULL;
        char err[256] = "";
        assert_int_equal(sm_wire_source_create(&wc, &s, err, sizeof err), SM_ERR_ARG);
        assert_null(s);
        print_message("%s\n", err);
        assert_non_null(strstr(err, cases[i].says));
        assert_non_null(strstr(err, cases[i].path));
    }
    char err[256];
    assert_int_equal(sm_transport_check_path(ts_path(dir, "absent"), err, sizeof err), SM_OK);
    setup_link();
    mat_plug(&mat);
    assert_int_equal(sm_transport_check_path(mat.link, err, sizeof err), SM_OK);
    mat_unplug(&mat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lost_while_reconnecting_restarted_mat),
        cmocka_unit_test(lost_while_reconnecting_running_mat),
        cmocka_unit_test(first_sync_is_not_an_error),
        cmocka_unit_test(noisy_link_is_not_the_baud_rate),
        cmocka_unit_test(text_link_counts_lost_frames),
        cmocka_unit_test(never_a_port_fails_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
