/* The proto code as the ATmega328P firmware builds it: a 32-byte receive buffer and room for a
 * single sample. The sources are compiled into this test with those settings (the sm_proto
 * library's copies are then not linked), so the small configuration runs on the host too. */
#define SM_PROTO_RX_MAX       32
#define SM_PROTO_RX_MAX_CELLS 1

#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include "../../src/proto/crc32c.c"
#include "../../src/proto/proto_decode.c"
#include "../../src/proto/proto_parser.c"
#include "../../src/proto/proto_writer.c"

typedef struct {
    uint8_t b[512];
    size_t n;
} wire_t;

static void sink(void *ctx, const uint8_t *bytes, uint16_t n)
{
    wire_t *w = ctx;
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, bytes, n);
    w->n += n;
}

static wire_t g_wire;
static sm_proto_writer_t g_w;
static sm_proto_parser_t g_p;

/* Feed the wire byte by byte, as the UART receive interrupt would; collect the messages. */
static size_t receive(sm_proto_msg_t *out, size_t max)
{
    size_t i, got_n = 0;
    for (i = 0; i < g_wire.n; i++) {
        int got;
        assert_int_equal(sm_proto_parser_feed(&g_p, g_wire.b + i, 1, &out[got_n], &got), 1);
        if (got) {
            assert_true(got_n < max);
            got_n++;
        }
    }
    g_wire.n = 0;
    return got_n;
}

static void test_small_footprint(void **state)
{
    (void)state;
    assert_true(sizeof(sm_proto_parser_t) <= 96);
    assert_true(sizeof(sm_proto_msg_t) <= 64);
}

static void test_commands_decode(void **state)
{
    static const sm_proto_cmd_t cmds[] = {
        {SM_CMD_GET_INFO, 1, 0}, {SM_CMD_START, 2, 0},     {SM_CMD_SET_RATE, 3, 500},
        {SM_CMD_STOP, 4, 0},     {SM_CMD_IDENTIFY, 5, 10},
    };
    sm_proto_msg_t out[8];
    size_t i, n;
    (void)state;
    memset(&g_wire, 0, sizeof g_wire);
    sm_proto_writer_init(&g_w, sink, &g_wire);
    sm_proto_parser_init(&g_p);
    for (i = 0; i < 5; i++)
        sm_proto_write_cmd(&g_w, &cmds[i]);
    n = receive(out, 8);
    assert_int_equal(n, 5);
    for (i = 0; i < 5; i++) {
        assert_int_equal(out[i].type, SM_MSG_CMD);
        assert_int_equal(out[i].u.cmd.cmd, cmds[i].cmd);
        assert_int_equal(out[i].u.cmd.token, cmds[i].token);
        assert_int_equal(out[i].u.cmd.arg, cmds[i].arg);
    }
}

/* Messages the firmware has no room for are dropped and counted; the next command works. */
static void test_too_big_for_firmware(void **state)
{
    const sm_proto_info_t info = {1, 0, 0, {0}, 16, 16, 250, 10, 100, 50, 1, "x"};
    const sm_proto_cmd_t cmd = {SM_CMD_START, 9, 0};
    const uint16_t one = 4095, four[4] = {1, 2, 3, 4};
    sm_proto_msg_t out[4];
    (void)state;
    memset(&g_wire, 0, sizeof g_wire);
    sm_proto_writer_init(&g_w, sink, &g_wire);
    sm_proto_parser_init(&g_p);

    g_wire.b[g_wire.n++] = 0;         /* in sync: an overlong message is a length error */
    sm_proto_write_info(&g_w, &info); /* 43 bytes: more than the 32-byte buffer */
    sm_proto_write_cmd(&g_w, &cmd);
    assert_int_equal(receive(out, 4), 1);
    assert_int_equal(out[0].u.cmd.token, 9);
    assert_int_equal(g_p.c.length_errors, 1);
    assert_int_equal(g_p.c.resyncs, 1);

    /* a 1x1 frame fits; a 2x2 frame fits the buffer but not the one-sample storage */
    sm_proto_write_frame_begin(&g_w, 1, 2, 1, 1);
    sm_proto_write_frame_row(&g_w, &one);
    sm_proto_write_frame_end(&g_w, 0);
    sm_proto_write_frame_begin(&g_w, 2, 2, 2, 2);
    sm_proto_write_frame_row(&g_w, four);
    sm_proto_write_frame_row(&g_w, four + 2);
    sm_proto_write_frame_end(&g_w, 0);
    sm_proto_write_cmd(&g_w, &cmd);
    assert_int_equal(receive(out, 4), 2);
    assert_int_equal(out[0].type, SM_MSG_FRAME);
    assert_int_equal(out[0].u.frame.samples[0], 4095);
    assert_int_equal(out[1].type, SM_MSG_CMD);
    assert_int_equal(g_p.c.length_errors, 2);
    assert_int_equal(g_p.c.crc_errors, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_footprint),
        cmocka_unit_test(test_commands_decode),
        cmocka_unit_test(test_too_big_for_firmware),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
