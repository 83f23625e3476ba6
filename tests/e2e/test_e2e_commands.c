/* `steadymat sim --pty` behaves like a real mat: protocol v1 commands and their replies. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sm_proto.h"
#include "sm_transport.h"
#include "testsupport.h"

typedef struct {
    sm_transport_t *t;
    sm_proto_parser_t p;
    sm_proto_msg_t m;
    uint8_t buf[4096];
    size_t off, len;
} link_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sink(void *ctx, const uint8_t *b, uint16_t n)
{
    link_t *l = ctx;
    assert_int_equal(sm_transport_write(l->t, b, n), SM_OK);
}

static void send(link_t *l, uint8_t cmd, uint8_t token, uint16_t arg)
{
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, sink, l);
    sm_proto_cmd_t c = {cmd, token, arg};
    sm_proto_write_cmd(&w, &c);
}

/* Next message of `type` (others are skipped) within timeout_s; 0 when none came. */
static int next_msg(link_t *l, uint8_t type, double timeout_s)
{
    double end = now_s() + timeout_s;
    for (;;) {
        while (l->off < l->len) {
            int got = 0;
            l->off += sm_proto_parser_feed(&l->p, l->buf + l->off, l->len - l->off, &l->m, &got);
            if (got && l->m.type == type)
                return 1;
        }
        double left = end - now_s();
        if (left <= 0)
            return 0;
        struct pollfd pf = {sm_transport_fd(l->t), POLLIN, 0};
        poll(&pf, 1, (int)(left * 1000) + 1);
        l->off = 0;
        assert_int_equal(sm_transport_read(l->t, l->buf, sizeof l->buf, &l->len), SM_OK);
    }
}

static void drain(link_t *l)
{
    while (next_msg(l, 0xFF, 0.2))
        ;
}

static void device_answers_commands(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *pty = ts_path(dir, "mat");
    const char *argv[] = {"steadymat", "sim", "--pty", pty, "--rows", "16", "--cols", "16", NULL};
    pid_t sim = ts_spawn_steadymat(argv, NULL);
    assert_int_equal(ts_wait_path(pty, 20), 0);
    static link_t l;
    char err[200];
    assert_int_equal(sm_transport_open(pty, 1000000, -1, &l.t, err, sizeof err), SM_OK);
    sm_proto_parser_init(&l.p);

    send(&l, SM_CMD_GET_INFO, 1, 0);
    assert_true(next_msg(&l, SM_MSG_INFO, 2));
    assert_int_equal(l.m.u.info.rows, 16);
    assert_int_equal(l.m.u.info.cols, 16);
    assert_int_equal(l.m.u.info.pitch_dmm, 250);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_GET_INFO);
    assert_int_equal(l.m.u.reply.token, 1);

    send(&l, SM_CMD_SET_RATE, 2, 20);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_OK);
    assert_int_equal(l.m.u.reply.value, 20);
    /* Frames now come every 50 ms of device time (averaged over 10 frames). */
    assert_true(next_msg(&l, SM_MSG_FRAME, 2));
    assert_true(next_msg(&l, SM_MSG_FRAME, 2));
    uint16_t s0 = l.m.u.frame.seq;
    uint32_t t0 = l.m.u.frame.t_us;
    for (int i = 0; i < 10; i++)
        assert_true(next_msg(&l, SM_MSG_FRAME, 2));
    uint16_t ds = (uint16_t)(l.m.u.frame.seq - s0);
    assert_true(ds >= 10);
    double period = (double)(l.m.u.frame.t_us - t0) / ds;
    assert_true(period > 49000 && period < 51000);

    send(&l, SM_CMD_SET_RATE, 3, 0);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_BAD_ARG);

    send(&l, SM_CMD_STOP, 4, 0);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_STOP);
    drain(&l);
    assert_false(next_msg(&l, SM_MSG_FRAME, 0.5)); /* stopped: silence */

    send(&l, SM_CMD_START, 5, 0);
    assert_true(next_msg(&l, SM_MSG_FRAME, 2));

    send(&l, SM_CMD_IDENTIFY, 6, 0);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_IDENTIFY);
    assert_int_equal(l.m.u.reply.status, SM_REPLY_OK);

    send(&l, 0x7E, 7, 0);
    assert_true(next_msg(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_UNKNOWN);

    assert_int_equal(l.p.c.crc_errors, 0);
    sm_transport_close(l.t);
    ts_kill(sim, SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(device_answers_commands)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
