/*
 * The real firmware ELF on a simulated ATmega328P (firmware/sim, simavr) wired to a simulated
 * mat, read the way a maker would: `steadymat live --port <pty>`, and by protocol v1 directly
 * for the host commands. Also the scan rate in simulated cycles against the ADC and UART bound.
 */
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_transport.h"
#include "testsupport.h"
#include "ts_link.h"

static char eeprom_path[512]; /* the chip's EEPROM, kept between the tests like a real chip */
static char first_uid[17];

static const char *elf(const char *name)
{
    static char path[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s.elf", SM_FW_DIR, name);
    return path[i];
}

/* Start the harness: stdout (its JSON summary) and stderr go to files in dir. The test's
 * teardown kills it when an assertion ended the test before its own ts_kill. */
static pid_t start_avrsim(const char *const *args, const char *out, const char *err)
{
    const char *argv[32] = {SM_AVRSIM_BIN};
    int n = 1;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = ts_spawn(argv, out, err);
    assert_true(pid > 0);
    return pid;
}

/* Run the harness to its end (--duration) and parse its summary. */
static json_object *run_avrsim(const char *const *args, const char *dir)
{
    const char *out = ts_path(dir, "avrsim.json"), *err = ts_path(dir, "avrsim.err");
    pid_t pid = start_avrsim(args, out, err);
    int status = ts_wait(pid);
    char *text = ts_read_file(out, NULL);
    assert_non_null(text);
    json_object *j = json_tokener_parse(text);
    if (!j || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *e = ts_read_file(err, NULL);
        print_error("avrsim failed (status %d): %s %s\n", status, text, e ? e : "");
        free(e);
        free(text);
        fail();
    }
    free(text);
    return j;
}

/* Every test's teardown (cmocka runs it also after a failed assertion): no simulated chip
 * outlives its test, to hold the shared EEPROM file or a pty into the next one. */
static int stop_avrsims(void **state)
{
    (void)state;
    ts_kill_all(SIGTERM);
    return 0;
}

static const char *json_str(json_object *j, const char *key)
{
    json_object *v;
    assert_true(json_object_object_get_ex(j, key, &v));
    return json_object_get_string(v);
}

/* ---- 1. steadymat live reads the firmware ---------------------------------------------- */
static void live_reads_the_pattern_where_it_was_put(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    snprintf(eeprom_path, sizeof eeprom_path, "%s", ts_path(dir, "eeprom.bin"));
    /* A ball pressing on cell (row 12, col 9) of the reference 32x24 mat: its centre at
     * 12.5, 9.5 cells from the edges. */
    const char *args[] = {
        "--elf",  elf("steadymat-fw"), "--pty",    link,        "--rows", "32", "--cols", "24",
        "--ball", "12.5,9.5",          "--eeprom", eeprom_path, NULL};
    pid_t sim = start_avrsim(args, ts_path(dir, "avrsim.json"), ts_path(dir, "avrsim.err"));
    assert_int_equal(ts_wait_path(link, 20), 0);

    const char *rec = ts_path(dir, "fw.smsession");
    /* Raw counts: the reference profile would turn the harness's 900 counts into kPa. */
    const char *live[] = {
        "steadymat",  "live", "--port", link,       "--headless", "--no-calibration",
        "--duration", "3",    "--json", "--record", rec,          NULL};
    int rc = 0;
    json_object *j = ts_run_json(live, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    print_message("live: %s\n", json_object_to_json_string(j));
    json_object *mat, *cop;
    assert_true(json_object_object_get_ex(j, "mat", &mat));
    assert_true(json_object_object_get_ex(j, "cop_mean", &cop));
    assert_int_equal((int)ts_json_num(j, "rows"), 32);
    assert_int_equal((int)ts_json_num(j, "cols"), 24);
    assert_string_equal(json_str(mat, "name"), "SteadyMat DIY");
    assert_string_equal(json_str(mat, "firmware"), "1.0.0");
    assert_int_equal((int)ts_json_num(mat, "sample_max"), 1023);
    double rate = ts_json_num(mat, "rate_hz");
    assert_true(rate >= 10 && rate <= 25);
    snprintf(first_uid, sizeof first_uid, "%s", json_str(mat, "uid"));
    assert_int_equal(strlen(first_uid), 16);
    /* Every frame intact and in sequence, at the mat's rate. */
    assert_int_equal((int)ts_json_num(j, "crc_errors"), 0);
    assert_int_equal((int)ts_json_num(j, "length_errors"), 0);
    assert_int_equal((int)ts_json_num(j, "seq_gaps"), 0);
    assert_int_equal((int)ts_json_num(j, "frames_lost"), 0);
    assert_true(ts_json_num(j, "resyncs") <= 1); /* joining a mat mid-frame */
    assert_true(ts_json_num(j, "frames") >= 0.85 * rate * 3);
    assert_true(fabs(ts_json_num(j, "frames_per_s") - rate) < 0.1 * rate);
    /* The ball arrives where and as it was put: centre of pressure on its centre, its peak
     * exactly the harness's 900 counts. */
    assert_true(fabs(ts_json_num(cop, "x") - 9.5) < 0.1);
    assert_true(fabs(ts_json_num(cop, "y") - 12.5) < 0.1);
    assert_int_equal((int)ts_json_num(j, "peak_max"), 900);
    json_object_put(j);

    /* A rate asked on the command line takes effect (SET_RATE from the host). */
    const char *live10[] = {"steadymat", "live",       "--port", link,     "--headless", "--rate",
                            "10",        "--duration", "2",      "--json", NULL};
    j = ts_run_json(live10, 60, &rc, NULL);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    assert_true(json_object_object_get_ex(j, "mat", &mat));
    assert_int_equal((int)ts_json_num(mat, "rate_hz"), 10);
    assert_true(fabs(ts_json_num(j, "frames_per_s") - 10) < 1.0);
    assert_int_equal((int)ts_json_num(j, "crc_errors"), 0);
    assert_int_equal((int)ts_json_num(j, "seq_gaps"), 0);
    json_object_put(j);

    ts_kill(sim, SIGTERM);
    char *summary = ts_read_file(ts_path(dir, "avrsim.json"), NULL);
    assert_non_null(summary);
    json_object *s = json_tokener_parse(summary);
    free(summary);
    assert_non_null(s);
    assert_int_equal((int)ts_json_num(s, "early_switches"), 0);
    assert_int_equal((int)ts_json_num(s, "multi_row"), 0);
    assert_int_equal((int)ts_json_num(s, "crc_errors"), 0);
    json_object_put(s);
}

/* ---- 2. protocol v1 commands, and a moving ball ---------------------------------------- */
static void expect_reply(ts_link_t *l, uint8_t cmd, uint8_t token, uint8_t status, uint16_t value)
{
    assert_true(ts_link_next(l, SM_MSG_REPLY, 2));
    assert_int_equal(l->m.u.reply.cmd, cmd);
    assert_int_equal(l->m.u.reply.token, token);
    assert_int_equal(l->m.u.reply.status, status);
    assert_int_equal(l->m.u.reply.value, value);
}

/* Centre of pressure of a frame, in cells from the edges (cell r spans [r, r+1)). */
static void frame_cop(const sm_proto_frame_t *f, double *row, double *col)
{
    double s = 0, sr = 0, sc = 0;
    for (int r = 0; r < f->rows; r++)
        for (int c = 0; c < f->cols; c++) {
            double v = f->samples[r * f->cols + c];
            s += v;
            sr += v * (r + 0.5);
            sc += v * (c + 0.5);
        }
    *row = s > 0 ? sr / s : -1;
    *col = s > 0 ? sc / s : -1;
}

static void commands_take_effect_and_the_ball_moves(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    /* The 16x16 pad; a ball rolling from (4, 4) to (12, 10) in 3 s of device time. */
    const char *args[] = {"--elf",    elf("steadymat-fw-16x16"),
                          "--pty",    link,
                          "--rows",   "16",
                          "--cols",   "16",
                          "--ball",   "4,4,12,10,3",
                          "--eeprom", eeprom_path,
                          NULL};
    const char *err = ts_path(dir, "avrsim.err");
    pid_t sim = start_avrsim(args, ts_path(dir, "avrsim.json"), err);
    assert_int_equal(ts_wait_path(link, 20), 0);
    static ts_link_t l;
    ts_link_open(&l, link);

    ts_link_send(&l, SM_CMD_GET_INFO, 1, 0);
    assert_true(ts_link_next(&l, SM_MSG_INFO, 2));
    const sm_proto_info_t *in = &l.m.u.info;
    assert_int_equal(in->rows, 16);
    assert_int_equal(in->cols, 16);
    assert_int_equal(in->pitch_dmm, 250);
    assert_int_equal(in->sample_bits, 10);
    assert_int_equal(in->streaming, 1);
    uint16_t max_rate = in->max_rate_hz;
    assert_true(max_rate >= 60); /* 90 % of the 75 frames/s the ADC allows at 16x16 */
    char uid[17];
    for (int i = 0; i < 8; i++)
        snprintf(uid + 2 * i, 3, "%02x", in->uid[i]);
    if (first_uid[0])
        assert_string_equal(uid, first_uid); /* the same chip: its uid stayed in EEPROM */
    expect_reply(&l, SM_CMD_GET_INFO, 1, SM_REPLY_OK, 0);

    /* The ball arrives where it is at each frame's device time. */
    int checked = 0;
    double worst = 0;
    for (int i = 0; i < 60; i++) {
        assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
        const sm_proto_frame_t *f = &l.m.u.frame;
        double t = f->t_us / 1e6, fr = t / 3 > 1 ? 1 : t / 3;
        double want_r = 4 + fr * 8, want_c = 4 + fr * 6, r, c;
        frame_cop(f, &r, &c);
        double e = hypot(r - want_r, c - want_c);
        worst = e > worst ? e : worst;
        checked++;
    }
    print_message("moving ball: worst CoP error %.3f cells over %d frames\n", worst, checked);
    assert_true(worst < 0.15);

    ts_link_send(&l, SM_CMD_SET_RATE, 2, 20);
    expect_reply(&l, SM_CMD_SET_RATE, 2, SM_REPLY_OK, 20);
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    uint16_t s0 = l.m.u.frame.seq;
    uint32_t t0 = l.m.u.frame.t_us;
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    assert_int_equal((uint16_t)(l.m.u.frame.seq - s0), 1);
    uint32_t dt = l.m.u.frame.t_us - t0;
    assert_in_range(dt, 49900, 50100); /* 20 Hz on the device's own clock */

    ts_link_send(&l, SM_CMD_SET_RATE, 3, 0);
    expect_reply(&l, SM_CMD_SET_RATE, 3, SM_REPLY_BAD_ARG, 20);
    ts_link_send(&l, SM_CMD_SET_RATE, 4, (uint16_t)(max_rate + 1));
    expect_reply(&l, SM_CMD_SET_RATE, 4, SM_REPLY_BAD_ARG, 20);

    ts_link_send(&l, SM_CMD_STOP, 5, 0);
    expect_reply(&l, SM_CMD_STOP, 5, SM_REPLY_OK, 0);
    assert_false(ts_link_next(&l, SM_MSG_FRAME, 0.6)); /* stopped: silence */
    ts_link_send(&l, SM_CMD_START, 6, 0);
    expect_reply(&l, SM_CMD_START, 6, SM_REPLY_OK, 0);
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 1));

    ts_link_send(&l, SM_CMD_IDENTIFY, 7, 1);
    expect_reply(&l, SM_CMD_IDENTIFY, 7, SM_REPLY_OK, 0);
    ts_link_send(&l, 0x7E, 8, 0);
    expect_reply(&l, 0x7E, 8, SM_REPLY_UNKNOWN, 0);
    ts_link_next(&l, 0xFF, 1.3); /* let the identify blink run its second */

    assert_int_equal(l.p.c.crc_errors, 0);
    assert_int_equal(l.p.c.length_errors, 0);
    assert_int_equal(l.p.c.seq_gaps, 0);
    ts_link_close(&l);
    ts_kill(sim, SIGTERM);

    /* The LED blinked: the harness logs every change of PB5. */
    char *log = ts_read_file(err, NULL);
    assert_non_null(log);
    int ons = 0;
    for (const char *p = log; (p = strstr(p, "LED on")); p++)
        ons++;
    print_message("identify: LED on %d times in 1 s\n", ons);
    assert_in_range(ons, 3, 5);
    free(log);
}

/* ---- 3. scan rate in simulated cycles, against the bound -------------------------------- */
static void scan_rate_reaches_the_bound(void **state)
{
    (void)state;
    static const struct {
        const char *size, *rows, *cols;
    } m[] = {{"16x16", "16", "16"}, {"32x24", "32", "24"}, {"48x32", "48", "32"}};
    for (size_t i = 0; i < 3; i++) {
        const char *dir = ts_tempdir();
        char name[64];
        snprintf(name, sizeof name, "steadymat-fw-%s-bench", m[i].size);
        /* Frames back to back (the bench image asks 1000 frames/s), 2 s of device time. */
        const char *args[] = {"--elf",      elf(name), "--rows",        m[i].rows,
                              "--cols",     m[i].cols, "--ball",        "6,6",
                              "--duration", "2",       "--unthrottled", NULL};
        json_object *j = run_avrsim(args, dir);
        double fps = ts_json_num(j, "frames_per_s"), bound = ts_json_num(j, "bound_fps");
        print_message("%s: %.2f frames/s, bound %.2f (ADC %.2f, UART %.2f): %.1f %%\n", m[i].size,
                      fps, bound, ts_json_num(j, "adc_bound_fps"), ts_json_num(j, "uart_bound_fps"),
                      100 * fps / bound);
        assert_true(fps >= 0.9 * bound);
        assert_int_equal((int)ts_json_num(j, "early_switches"), 0);
        assert_int_equal((int)ts_json_num(j, "multi_row"), 0);
        assert_int_equal((int)ts_json_num(j, "crc_errors"), 0);
        assert_int_equal((int)ts_json_num(j, "length_errors"), 0);
        json_object_put(j);
    }
}

/* ---- 4. text mode: one checksummed line per frame --------------------------------------- */
/* The text image (BOARD_TEXT) of a 16x16 mat: every line carries rows x cols values and a `*HH`
 * that is the XOR of the line's bytes (checked here independently of the host's parser), and
 * `steadymat live --format text` reads the ball where it was put, with no line rejected. */
static void text_mode_sends_checksummed_lines(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "textmat");
    const char *args[] = {"--elf",  elf("steadymat-fw-16x16-text"),
                          "--pty",  link,
                          "--rows", "16",
                          "--cols", "16",
                          "--ball", "8.5,5.5",
                          NULL};
    pid_t sim = start_avrsim(args, ts_path(dir, "avrsim.json"), ts_path(dir, "avrsim.err"));
    assert_int_equal(ts_wait_path(link, 20), 0);

    sm_transport_t *t;
    char err[256];
    if (sm_transport_open(link, 1000000, 1, &t, err, sizeof err) != SM_OK)
        fail_msg("%s", err);
    static char buf[65536];
    size_t n = 0;
    for (int tries = 0; tries < 400 && n < 20000; tries++) {
        size_t got = 0;
        assert_int_equal(sm_transport_read(t, (uint8_t *)buf + n, sizeof buf - 1 - n, &got), SM_OK);
        n += got;
        usleep(10000);
    }
    sm_transport_close(t);
    const char *live[] = {"steadymat",  "live",       "--port", link,     "--format",
                          "text",       "--rows",     "16",     "--cols", "16",
                          "--headless", "--duration", "3",      "--json", NULL};
    int rc = 0;
    json_object *j = ts_run_json(live, 60, &rc, NULL);
    ts_kill(sim, SIGTERM); /* the mat is done; the link's bytes are checked below */
    buf[n] = 0;
    int lines = 0;
    char *p = strstr(buf, "\r\n"); /* the first line may be joined midway */
    assert_non_null(p);
    p += 2;
    for (char *e; (e = strstr(p, "\r\n")) != NULL; p = e + 2) {
        *e = 0;
        char *star = strrchr(p, '*');
        assert_non_null(star);
        assert_int_equal(strlen(star), 3);
        unsigned want = 0, commas = 0;
        for (char *q = p; q < star; q++) {
            want ^= (unsigned char)*q;
            commas += *q == ',';
        }
        char hex[3];
        snprintf(hex, sizeof hex, "%02X", want);
        assert_string_equal(star + 1, hex);
        assert_int_equal(commas, 255);
        lines++;
    }
    print_message("%d whole text lines, every checksum right\n", lines);
    assert_true(lines >= 5);

    assert_non_null(j);
    assert_int_equal(rc, 0);
    json_object *cop;
    assert_true(json_object_object_get_ex(j, "cop_mean", &cop));
    print_message("text live: frames %.0f, %.1f frames/s, bad lines %.0f, lost %.0f\n",
                  ts_json_num(j, "frames"), ts_json_num(j, "frames_per_s"),
                  ts_json_num(j, "text_bad_lines"), ts_json_num(j, "frames_lost"));
    assert_true(ts_json_num(j, "frames") >= 0.85 * 40 * 3);
    /* joining the stream midway (the first line's tail) is no error, and nothing was lost */
    assert_int_equal((int)ts_json_num(j, "text_bad_lines"), 0);
    assert_int_equal((int)ts_json_num(j, "frames_lost"), 0);
    assert_true(fabs(ts_json_num(cop, "x") - 5.5) < 0.1);
    assert_true(fabs(ts_json_num(cop, "y") - 8.5) < 0.1);
    assert_int_equal((int)ts_json_num(j, "peak_max"), 900);
    json_object_put(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(live_reads_the_pattern_where_it_was_put, stop_avrsims),
        cmocka_unit_test_teardown(commands_take_effect_and_the_ball_moves, stop_avrsims),
        cmocka_unit_test_teardown(scan_rate_reaches_the_bound, stop_avrsims),
        cmocka_unit_test_teardown(text_mode_sends_checksummed_lines, stop_avrsims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
