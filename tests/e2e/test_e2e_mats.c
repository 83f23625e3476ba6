/* Mats people already own, end to end: a feeder on a pseudo-terminal speaks each format (the
 * M1616 module, a uint8 mat closed by a trailer, a polled uint16 mat, a text mat), with noise,
 * glitches, cut frames and size mismatches, and `steadymat live` reads it like a serial port.
 * The feeder's encoding is written here, apart from the parser it tests. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "testsupport.h"

enum { M1616, TRAILER_U8, POLL_U16BE, TEXT_ROWS };
#define NOISE 1 /* junk bytes between frames and a garbage frame every 25th */
#define CUT   2 /* every 10th frame 7 bytes short */

typedef struct {
    pid_t pid;
    int master, slave;
} feeder_t;

static void put16be(uint8_t *b, unsigned v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

/* A tool-sized blob of 3 x 3 cells centred at (rows/3, 2*cols/3): the CoP tells whether rows,
 * columns and byte order were read right. */
static unsigned cell(int r, int c, int rows, int cols, unsigned peak)
{
    int dr = r - rows / 3, dc = c - 2 * cols / 3;
    if (dr < -1 || dr > 1 || dc < -1 || dc > 1)
        return 0;
    return dr == 0 && dc == 0 ? peak : peak / 2;
}

static size_t frame_bytes(int kind, int rows, int cols, int garbage, uint64_t *rng, uint8_t *out)
{
    size_t k = 0;
    unsigned peak = kind == TRAILER_U8 ? 200 : 3000;
    if (kind == M1616)
        out[k++] = 0xAA, out[k++] = 0xAB, out[k++] = 0xAC;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            unsigned v = cell(r, c, rows, cols, peak);
            if (garbage)
                v = (unsigned)(ts_rand(rng) % (peak + 1));
            if (kind == TRAILER_U8)
                out[k++] = (uint8_t)v;
            else
                put16be(out + k, v), k += 2;
        }
    if (kind == TRAILER_U8)
        out[k++] = 0xFF, out[k++] = 0xFE, out[k++] = 0xFE, out[k++] = 0xFF;
    return k;
}

static void write_all(int fd, const uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(0);
        b += w;
        n -= (size_t)w;
    }
}

static void feeder_loop(int fd, int kind, int rows, int cols, int flags)
{
    static uint8_t buf[16384];
    uint64_t rng = 12345;
    for (unsigned long f = 0;; f++) {
        if (kind == POLL_U16BE) { /* wait for the poll byte 0x06 */
            uint8_t b = 0;
            ssize_t n = read(fd, &b, 1);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                if (n == 0 || errno == EIO) { /* nobody has the port open yet */
                    poll(NULL, 0, 10);
                    continue;
                }
                _exit(0);
            }
            if (b != 0x06)
                continue;
            poll(NULL, 0, 10); /* the mat scans before it answers */
        } else {
            poll(NULL, 0, 20); /* 50 frames a second */
        }
        size_t k;
        if (kind == TEXT_ROWS) {
            k = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++)
                    k += (size_t)snprintf((char *)buf + k, sizeof buf - k, c ? ",%u" : "%u",
                                          cell(r, c, rows, cols, 800));
                buf[k++] = '\n';
            }
        } else {
            int garbage = (flags & NOISE) && f % 25 == 12;
            k = frame_bytes(kind, rows, cols, garbage, &rng, buf);
            if ((flags & CUT) && f % 10 == 5) { /* 7 bytes of samples lost on the way */
                memmove(buf + k - 11, buf + k - 4, 4);
                k -= 7;
            }
        }
        if ((flags & NOISE) && f % 3 == 1) {
            uint8_t junk[5];
            for (int i = 0; i < 5; i++)
                junk[i] = (uint8_t)(ts_rand(&rng) & 0x7F); /* never a header or trailer byte */
            write_all(fd, junk, 5);
        }
        write_all(fd, buf, k);
    }
}

static feeder_t start_feeder(const char *link, int kind, int rows, int cols, int flags)
{
    feeder_t fd = {0, -1, -1};
    fd.master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(fd.master >= 0);
    assert_int_equal(grantpt(fd.master), 0);
    assert_int_equal(unlockpt(fd.master), 0);
    const char *slave = ptsname(fd.master);
    assert_non_null(slave);
    /* Held open so the pty lives while the program opens and closes it. */
    fd.slave = open(slave, O_RDWR | O_NOCTTY);
    assert_true(fd.slave >= 0);
    struct termios tio;
    tcgetattr(fd.slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(fd.slave, TCSANOW, &tio);
    assert_int_equal(symlink(slave, link), 0);
    fd.pid = fork();
    assert_true(fd.pid >= 0);
    if (fd.pid == 0) {
        close(fd.slave);
        feeder_loop(fd.master, kind, rows, cols, flags);
        _exit(0);
    }
    return fd;
}

static void stop_feeder(feeder_t *f)
{
    ts_kill(f->pid, SIGKILL);
    close(f->master);
    close(f->slave);
}

static json_object *run_live(const char *link, const char *const *fmt, int *rc, char **err)
{
    const char *argv[32] = {"steadymat", "live", "--port", link};
    int n = 4;
    for (int i = 0; fmt[i]; i++)
        argv[n++] = fmt[i];
    const char *tail[] = {"--headless", "--duration", "3", "--json", NULL};
    for (int i = 0; tail[i]; i++)
        argv[n++] = tail[i];
    argv[n] = NULL;
    return ts_run_json(argv, 90, rc, err);
}

static double member(json_object *j, const char *a, const char *b)
{
    json_object *o = NULL, *v = NULL;
    assert_true(json_object_object_get_ex(j, a, &o));
    assert_true(json_object_object_get_ex(o, b, &v));
    return json_object_get_double(v);
}

static void check_blob(json_object *j, int rows, int cols)
{
    double x = member(j, "cop_mean", "x"), y = member(j, "cop_mean", "y");
    /* CoP in cells from the mat's corner: the blob's centre cell is at index + 0.5. */
    double bx = 2 * cols / 3 + 0.5, by = rows / 3 + 0.5;
    print_message("CoP %.2f, %.2f (blob at %.1f, %.1f)\n", x, y, bx, by);
    assert_true(x > bx - 0.25 && x < bx + 0.25);
    assert_true(y > by - 0.25 && y < by + 0.25);
}

static void test_m1616_with_noise_and_glitches(void **state)
{
    (void)state;
    const char *link = ts_path(ts_tempdir(), "mat");
    feeder_t f = start_feeder(link, M1616, 16, 16, NOISE);
    const char *fmt[] = {"--format", "m1616", NULL};
    int rc;
    char *err = NULL;
    json_object *j = run_live(link, fmt, &rc, &err);
    stop_feeder(&f);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "rows"), 16);
    assert_int_equal((int)ts_json_num(j, "cols"), 16);
    assert_true(ts_json_num(j, "frames") > 60); /* 50 Hz for 3 s, the garbage ones included */
    json_object *nc = NULL;
    assert_true(json_object_object_get_ex(j, "no_checksum", &nc));
    assert_true(json_object_get_boolean(nc));
    assert_true(member(j, "raw", "bytes_skipped") > 0);
    /* A garbage frame every 25th (half a second): suspect, and counted. */
    print_message("suspect %g\n", ts_json_num(j, "suspect_frames"));
    assert_true(ts_json_num(j, "suspect_frames") >= 3);
    check_blob(j, 16, 16);
    json_object_put(j);
    free(err);
}

static void test_trailer_u8_56x28_with_cut_frames(void **state)
{
    (void)state;
    const char *link = ts_path(ts_tempdir(), "mat");
    feeder_t f = start_feeder(link, TRAILER_U8, 56, 28, CUT);
    const char *fmt[] = {
        "--format", "raw:trailer=FFFEFEFF,sample=u8", "--rows", "56", "--cols", "28", NULL};
    int rc;
    json_object *j = run_live(link, fmt, &rc, NULL);
    stop_feeder(&f);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "rows"), 56);
    assert_true(ts_json_num(j, "frames") > 50);
    double lost = ts_json_num(j, "frames_lost");
    print_message("frames %g, lost %g\n", ts_json_num(j, "frames"), lost);
    assert_true(lost >= 5);                               /* one in ten cut, for 3 s */
    assert_true(lost <= 0.35 * ts_json_num(j, "frames")); /* resync costs a frame at most */
    check_blob(j, 56, 28);
    json_object_put(j);
}

static void test_polled_u16_56x19(void **state)
{
    (void)state;
    const char *link = ts_path(ts_tempdir(), "mat");
    feeder_t f = start_feeder(link, POLL_U16BE, 56, 19, 0);
    const char *fmt[] = {"--format", "raw:poll=06,sample=u16be", "--rows", "56", "--cols", "19",
                         NULL};
    int rc;
    json_object *j = run_live(link, fmt, &rc, NULL);
    stop_feeder(&f);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "cols"), 19);
    print_message("polled frames %g\n", ts_json_num(j, "frames"));
    assert_true(ts_json_num(j, "frames") > 30);
    assert_int_equal((int)ts_json_num(j, "frames_lost"), 0);
    check_blob(j, 56, 19);
    json_object_put(j);
}

/* The wrong size: no frames, and the message says what was seen. */
static void expect_failure(const char *link, const char *const *fmt, const char *says)
{
    const char *argv[32] = {"steadymat", "live", "--port", link};
    int n = 4;
    for (int i = 0; fmt[i]; i++)
        argv[n++] = fmt[i];
    argv[n++] = "--headless";
    argv[n++] = "--duration";
    argv[n++] = "30";
    argv[n] = NULL;
    char *err = NULL;
    int rc = ts_run_steadymat(argv, 90, NULL, &err);
    print_message("rc %d: %s", rc, err ? err : "");
    assert_int_equal(rc, 1);
    if (!strstr(err, says))
        fail_msg("stderr does not say '%s'", says);
    free(err);
}

static void test_size_mismatches_are_named(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *l1 = ts_path(dir, "text");
    feeder_t f = start_feeder(l1, TEXT_ROWS, 16, 15, 0);
    const char *text[] = {"--format", "text", "--rows", "16", "--cols", "16", NULL};
    expect_failure(l1, text, "lines have 15 numbers; --cols is 16");
    stop_feeder(&f);

    const char *l2 = ts_path(dir, "u8");
    f = start_feeder(l2, TRAILER_U8, 56, 28, 0);
    const char *u8[] = {"--format", "raw:trailer=FFFEFEFF", "--rows", "56", "--cols", "27", NULL};
    expect_failure(l2, u8, "1568 bytes came between trailers; 56x27 u8 samples are 1512");
    stop_feeder(&f);

    const char *l3 = ts_path(dir, "m1616");
    f = start_feeder(l3, M1616, 16, 16, 0);
    const char *m[] = {"--format", "m1616", "--rows", "16", "--cols", "20", NULL};
    expect_failure(l3, m, "512 bytes came between headers; 16x20 16-bit samples are 640");
    const char *m2[] = {"--format", "m1616", "--rows", "16", "--cols", "12", NULL};
    expect_failure(l3, m2, "512 bytes came between headers; 16x12 16-bit samples are 384");
    stop_feeder(&f);
}

static void test_format_mistakes_are_usage_errors(void **state)
{
    (void)state;
    char *err = NULL;
    const char *a[] = {"steadymat", "live", "--port", "/dev/null", "--format", "raw:sample=u8",
                       "--rows",    "4",    "--cols", "4",         NULL};
    assert_int_equal(ts_run_steadymat(a, 30, NULL, &err), 2);
    assert_non_null(strstr(err, "nothing marks a frame"));
    free(err);
}

/* import never guesses a rate: --rate, or the time column (Arduino millis() on each line). */
static void test_import_needs_a_rate_or_a_time_column(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *in = ts_path(dir, "frames.txt"), *out = ts_path(dir, "frames.smsession");
    char text[4096];
    size_t k = 0;
    for (int f = 0; f < 41; f++) /* 25 frames a second from t = 1000 ms, a little jitter */
        k += (size_t)snprintf(text + k, sizeof text - k, "%d,%d,%d,%d,%d\n",
                              1000 + 40 * f + (f % 2 ? 1 : 0), 10 + f, 20, 30, 40 + f);
    assert_int_equal(ts_write_file(in, text, k), 0);
    char *err = NULL;
    const char *norate[] = {"steadymat", "import", "--format", "text", "--rows", "2",
                            "--cols",    "2",      in,         out,    NULL};
    assert_int_equal(ts_run_steadymat(norate, 30, NULL, &err), 2);
    assert_non_null(strstr(err, "--rate HZ, or --time-column"));
    free(err);
    const char *timed[] = {"steadymat", "import", "--format",      "text", "--rows", "2", "--cols",
                           "2",         in,       "--time-column", "ms",   out,      NULL};
    assert_int_equal(ts_run_steadymat(timed, 30, NULL, &err), 0);
    print_message("%s", err);
    assert_non_null(strstr(err, "41 frames of 2x2 at 25 frames/s (from the time column)"));
    free(err);
    /* The session lasts what the file spans: 40 intervals of 40 ms. */
    const char *rp[] = {"steadymat", "replay", out, "--headless", "--speed", "20", "--json", NULL};
    int rc;
    json_object *j = ts_run_json(rp, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_int_equal((int)ts_json_num(j, "frames"), 41);
    assert_true(fabs(ts_json_num(j, "duration_s") - 1.6) < 0.01);
    json_object_put(j);
}

/* ports --probe says per port what happened. */
static void test_ports_probe_says_what_happened(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *sim_link = ts_path(dir, "sim"), *text_link = ts_path(dir, "text");
    const char *sim_argv[] = {"steadymat", "sim", "--pty", sim_link, NULL};
    pid_t sim = ts_spawn_steadymat(sim_argv, NULL);
    assert_int_equal(ts_wait_path(sim_link, 20), 0);
    feeder_t f = start_feeder(text_link, TEXT_ROWS, 16, 16, 0);
    const char *argv[] = {"steadymat", "ports",   "--probe", "--port",           sim_link,
                          "--port",    text_link, "--port",  ts_path(dir, "no"), NULL};
    char *out = NULL;
    int rc = ts_run_steadymat(argv, 120, &out, NULL);
    ts_kill(sim, SIGTERM);
    stop_feeder(&f);
    print_message("%s", out ? out : "");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "-> SteadyMat 'SteadyMat sim' 32x24, 25.0 mm, firmware 1.0.0"));
    assert_non_null(strstr(out, "-> bytes arrive but no SteadyMat answer in 2500 ms"));
    assert_non_null(strstr(out, "-> cannot open"));
    /* Every port in the list says something: a USB port its probe, any other one why not. */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        assert_non_null(strstr(line, " -> "));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_m1616_with_noise_and_glitches),
        cmocka_unit_test(test_trailer_u8_56x28_with_cut_frames),
        cmocka_unit_test(test_polled_u16_56x19),
        cmocka_unit_test(test_size_mismatches_are_named),
        cmocka_unit_test(test_format_mistakes_are_usage_errors),
        cmocka_unit_test(test_import_needs_a_rate_or_a_time_column),
        cmocka_unit_test(test_ports_probe_says_what_happened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
