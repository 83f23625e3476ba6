/* `steadymat sim --pty` behaves like a real mat: protocol v1 commands and their replies. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sm_proto.h"
#include "sm_transport.h"
#include "testsupport.h"
#include "ts_link.h"

static void drain(ts_link_t *l)
{
    while (ts_link_next(l, 0xFF, 0.2))
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
    static ts_link_t l;
    ts_link_open(&l, pty);

    ts_link_send(&l, SM_CMD_GET_INFO, 1, 0);
    assert_true(ts_link_next(&l, SM_MSG_INFO, 2));
    assert_int_equal(l.m.u.info.rows, 16);
    assert_int_equal(l.m.u.info.cols, 16);
    assert_int_equal(l.m.u.info.pitch_dmm, 250);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_GET_INFO);
    assert_int_equal(l.m.u.reply.token, 1);

    ts_link_send(&l, SM_CMD_SET_RATE, 2, 20);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_OK);
    assert_int_equal(l.m.u.reply.value, 20);
    /* Frames now come every 50 ms of device time (averaged over 10 frames). */
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    uint16_t s0 = l.m.u.frame.seq;
    uint32_t t0 = l.m.u.frame.t_us;
    for (int i = 0; i < 10; i++)
        assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));
    uint16_t ds = (uint16_t)(l.m.u.frame.seq - s0);
    assert_true(ds >= 10);
    double period = (double)(l.m.u.frame.t_us - t0) / ds;
    assert_true(period > 49000 && period < 51000);

    ts_link_send(&l, SM_CMD_SET_RATE, 3, 0);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_BAD_ARG);

    ts_link_send(&l, SM_CMD_STOP, 4, 0);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_STOP);
    drain(&l);
    assert_false(ts_link_next(&l, SM_MSG_FRAME, 0.5)); /* stopped: silence */

    ts_link_send(&l, SM_CMD_START, 5, 0);
    assert_true(ts_link_next(&l, SM_MSG_FRAME, 2));

    ts_link_send(&l, SM_CMD_IDENTIFY, 6, 0);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.cmd, SM_CMD_IDENTIFY);
    assert_int_equal(l.m.u.reply.status, SM_REPLY_OK);

    ts_link_send(&l, 0x7E, 7, 0);
    assert_true(ts_link_next(&l, SM_MSG_REPLY, 2));
    assert_int_equal(l.m.u.reply.status, SM_REPLY_UNKNOWN);

    assert_int_equal(l.p.c.crc_errors, 0);
    ts_link_close(&l);
    ts_kill(sim, SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(device_answers_commands)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
