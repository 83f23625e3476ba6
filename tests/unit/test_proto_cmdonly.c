/* The smallest firmware configuration: 32-byte receive buffer, one sample of storage and
 * SM_PROTO_RX_CMD_ONLY (the parser decodes CMD only). Compiled into this test from the sources
 * with those settings, like test_proto_firmware.c. */
#define SM_PROTO_RX_MAX       32
#define SM_PROTO_RX_MAX_CELLS 1
#define SM_PROTO_RX_CMD_ONLY

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

/* Only commands come out; other intact messages are unknown types, overlong ones length
 * errors; the parser stays in sync throughout. */
static void test_only_commands(void **state)
{
    const sm_proto_cmd_t cmd = {SM_CMD_SET_RATE, 42, 60};
    const sm_proto_reply_t reply = {SM_CMD_START, 1, SM_REPLY_OK, 0};
    const sm_proto_info_t info = {1, 0, 0, {0}, 16, 16, 250, 10, 100, 50, 1, "x"};
    const uint16_t one = 7;
    sm_proto_msg_t out[4];
    (void)state;
    memset(&g_wire, 0, sizeof g_wire);
    sm_proto_writer_init(&g_w, sink, &g_wire);
    sm_proto_parser_init(&g_p);
    g_wire.b[g_wire.n++] = 0;
    sm_proto_write_reply(&g_w, &reply);
    sm_proto_write_frame_begin(&g_w, 1, 2, 1, 1);
    sm_proto_write_frame_row(&g_w, &one);
    sm_proto_write_frame_end(&g_w, 0);
    sm_proto_write_info(&g_w, &info);
    sm_proto_write_cmd(&g_w, &cmd);
    assert_int_equal(receive(out, 4), 1);
    assert_int_equal(out[0].type, SM_MSG_CMD);
    assert_int_equal(out[0].u.cmd.cmd, SM_CMD_SET_RATE);
    assert_int_equal(out[0].u.cmd.token, 42);
    assert_int_equal(out[0].u.cmd.arg, 60);
    assert_int_equal(g_p.c.unknown_types, 2);
    assert_int_equal(g_p.c.length_errors, 1);
    assert_int_equal(g_p.c.resyncs, 1);
    assert_int_equal(g_p.c.crc_errors, 0);
    assert_int_equal(g_p.c.messages, 1);
    assert_int_equal(g_p.c.frames, 0);
}

/* A damaged command is never handed out, whichever bit is hit. */
static void test_damaged_commands(void **state)
{
    const sm_proto_cmd_t cmd = {SM_CMD_START, 3, 0};
    sm_proto_msg_t out[4];
    uint8_t clean[16];
    size_t n, bit;
    (void)state;
    memset(&g_wire, 0, sizeof g_wire);
    sm_proto_writer_init(&g_w, sink, &g_wire);
    sm_proto_write_cmd(&g_w, &cmd);
    n = g_wire.n;
    assert_true(n <= sizeof clean);
    memcpy(clean, g_wire.b, n);
    for (bit = 0; bit < (n - 1) * 8; bit++) {
        sm_proto_parser_init(&g_p);
        g_wire.n = 0;
        memcpy(g_wire.b, clean, n);
        g_wire.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        memcpy(g_wire.b + n, clean, n); /* then the same command intact */
        g_wire.n = 2 * n;
        assert_int_equal(receive(out, 4), 1);
        assert_int_equal(out[0].u.cmd.token, 3);
        assert_int_equal(g_p.c.messages, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_commands),
        cmocka_unit_test(test_damaged_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
