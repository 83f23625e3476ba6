/* Wire protocol v1: CRC-32C, the streaming COBS writer against a one-shot reference encoder,
 * sample packing, round trips of every message type and the decoder's checks. */
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "sm_proto.h"

/* ---- helpers ------------------------------------------------------------------------- */

#define CAP_MAX (SM_PROTO_WIRE_MAX(SM_PROTO_MAX_MSG) + 16u)

typedef struct {
    uint8_t buf[CAP_MAX];
    size_t n;
    size_t pieces;
} capture_t;

static void capture_sink(void *ctx, const uint8_t *bytes, uint16_t n)
{
    capture_t *c = ctx;
    /* The writer promises pieces of 1..255 bytes (one COBS block at most). */
    assert_true(n >= 1 && n <= 255);
    assert_true(c->n + n <= sizeof c->buf);
    memcpy(c->buf + c->n, bytes, n);
    c->n += n;
    c->pieces++;
}

/* One-shot COBS encoder (the well-known reference form): returns the encoded length, without
 * the delimiter. A message ending exactly at a full 254-byte block gets no trailing 0x01. */
static size_t ref_cobs(const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t *code_at = out;
    uint8_t *o = out + 1;
    uint8_t code = 1;
    size_t i;
    for (i = 0; i < n; i++) {
        if (in[i])
            *o++ = in[i], code++;
        if (!in[i] || code == 0xFF) {
            *code_at = code;
            code = 1;
            code_at = o;
            if (!in[i] || i + 1 < n)
                o++;
        }
    }
    *code_at = code;
    return (size_t)(o - out);
}

/* ver | type | payload | crc32c le */
static size_t make_raw(uint8_t ver, uint8_t type, const uint8_t *payload, size_t len, uint8_t *raw)
{
    uint32_t crc;
    raw[0] = ver;
    raw[1] = type;
    if (len)
        memcpy(raw + 2, payload, len);
    crc = sm_crc32c(raw, len + 2);
    raw[len + 2] = (uint8_t)crc;
    raw[len + 3] = (uint8_t)(crc >> 8);
    raw[len + 4] = (uint8_t)(crc >> 16);
    raw[len + 5] = (uint8_t)(crc >> 24);
    return len + 6;
}

/* Reference packing, written from the header's description. */
static size_t ref_pack_row(const uint16_t *s, unsigned cols, uint8_t *out)
{
    size_t o = 0;
    unsigned c;
    for (c = 0; c + 1 < cols; c += 2) {
        out[o++] = (uint8_t)(s[c] & 0xFF);
        out[o++] = (uint8_t)((s[c] >> 8) | ((s[c + 1] & 0x0F) << 4));
        out[o++] = (uint8_t)(s[c + 1] >> 4);
    }
    if (cols % 2) {
        out[o++] = (uint8_t)(s[cols - 1] & 0xFF);
        out[o++] = (uint8_t)(s[cols - 1] >> 8);
    }
    return o;
}

static uint8_t g_payload[SM_PROTO_MAX_MSG];
static uint8_t g_raw[SM_PROTO_MAX_MSG + 16];
static uint8_t g_ref[CAP_MAX];
static capture_t g_cap;
static sm_proto_parser_t g_parser;
static sm_proto_msg_t g_msg;

/* Feed everything; expect exactly one message; returns it in g_msg. */
static void parse_one(const uint8_t *bytes, size_t n)
{
    size_t off = 0, handed = 0;
    sm_proto_parser_init(&g_parser);
    while (off < n) {
        int got = -1;
        size_t used = sm_proto_parser_feed(&g_parser, bytes + off, n - off, &g_msg, &got);
        assert_true(used >= 1 && used <= n - off);
        off += used;
        if (got) {
            handed++;
            assert_int_equal(off, n); /* the message is the whole stream */
        } else {
            assert_int_equal(g_msg.type, 0);
        }
    }
    assert_int_equal(handed, 1);
    assert_int_equal(g_parser.c.messages, 1);
    assert_int_equal(g_parser.c.crc_errors + g_parser.c.resyncs + g_parser.c.length_errors +
                         g_parser.c.version_errors + g_parser.c.unknown_types,
                     0);
}

static void writer_start(sm_proto_writer_t *w)
{
    memset(&g_cap, 0, sizeof g_cap);
    sm_proto_writer_init(w, capture_sink, &g_cap);
}

/* Writer output must equal ref_cobs(raw) + 0x00 and contain no other 0x00. */
static void assert_matches_reference(const uint8_t *raw, size_t raw_n)
{
    size_t ref_n = ref_cobs(raw, raw_n, g_ref);
    size_t i;
    g_ref[ref_n++] = 0;
    assert_int_equal(g_cap.n, ref_n);
    assert_memory_equal(g_cap.buf, g_ref, ref_n);
    for (i = 0; i + 1 < g_cap.n; i++)
        assert_int_not_equal(g_cap.buf[i], 0);
    assert_true(g_cap.n <= SM_PROTO_WIRE_MAX(raw_n));
}

/* ---- CRC ----------------------------------------------------------------------------- */

static void test_crc_check_values(void **state)
{
    static const struct {
        const char *name;
        uint8_t data[32];
        size_t n;
        uint32_t crc;
    } cases[] = {
        {"check \"123456789\"", {'1', '2', '3', '4', '5', '6', '7', '8', '9'}, 9, 0xE3069283u},
        {"empty", {0}, 0, 0x00000000u},
        {"32 zeros (RFC 3720 B.4)", {0}, 32, 0x8A9136AAu},
    };
    uint8_t ff[32], inc[32];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("%s\n", cases[i].name);
        assert_int_equal(sm_crc32c(cases[i].data, cases[i].n), cases[i].crc);
    }
    memset(ff, 0xFF, sizeof ff);
    for (i = 0; i < sizeof inc; i++)
        inc[i] = (uint8_t)i;
    assert_int_equal(sm_crc32c(ff, 32), 0x62A8AB43u);
    assert_int_equal(sm_crc32c(inc, 32), 0x46DD794Eu);
}

static void test_crc_incremental(void **state)
{
    const uint8_t *s = (const uint8_t *)"123456789";
    size_t split;
    (void)state;
    for (split = 0; split <= 9; split++) {
        uint32_t r = sm_crc32c_update(0xFFFFFFFFu, s, split);
        r = sm_crc32c_update(r, s + split, 9 - split);
        assert_int_equal(~r, 0xE3069283u);
    }
}

/* ---- COBS ---------------------------------------------------------------------------- */

/* A raw message of exactly `total` bytes (total >= 6) in which every byte is non-zero, CRC
 * included: vary the first payload byte until the CRC has no zero byte. */
static size_t raw_all_nonzero(size_t total, uint8_t type, size_t *payload_len)
{
    size_t len = total - 6, i, n = 0;
    unsigned tweak;
    for (i = 0; i < len; i++)
        g_payload[i] = (uint8_t)(1 + (i * 37u) % 255u);
    for (tweak = 1; tweak < 256; tweak++) {
        if (len)
            g_payload[0] = (uint8_t)tweak;
        n = make_raw(SM_PROTO_VERSION, type, g_payload, len, g_raw);
        if (g_raw[n - 1] && g_raw[n - 2] && g_raw[n - 3] && g_raw[n - 4])
            break;
        assert_true(len > 0); /* an empty payload cannot be tweaked */
    }
    for (i = 0; i < n; i++)
        assert_int_not_equal(g_raw[i], 0);
    *payload_len = len;
    return n;
}

/* Unknown type 0x7E: a message with a valid CRC reaches the type check, so unknown_types == 1
 * and no other error proves the parser's COBS decoding reproduced every byte. */
#define TYPE_PROBE 0x7Eu

static void expect_probe_parsed(const uint8_t *bytes, size_t n)
{
    size_t off = 0;
    sm_proto_parser_init(&g_parser);
    while (off < n) {
        int got;
        off += sm_proto_parser_feed(&g_parser, bytes + off, n - off, &g_msg, &got);
        assert_int_equal(got, 0);
    }
    assert_int_equal(g_parser.c.unknown_types, 1);
    assert_int_equal(g_parser.c.crc_errors + g_parser.c.resyncs + g_parser.c.length_errors +
                         g_parser.c.version_errors + g_parser.c.messages,
                     0);
}

static void test_cobs_edge_cases(void **state)
{
    static const struct {
        const char *name;
        size_t total;  /* raw message bytes */
        int zero_fill; /* payload all zeros instead of all non-zero */
    } cases[] = {
        {"empty payload", 6, 0},
        {"253 non-zero", 253, 0},
        {"254 non-zero (ends at a full block)", 254, 0},
        {"255 non-zero", 255, 0},
        {"508 non-zero (two full blocks)", 508, 0},
        {"509 non-zero", 509, 0},
        {"762 non-zero", 762, 0},
        {"all-zero payload of 1", 7, 1},
        {"all-zero payload of 300", 306, 1},
        {"all-zero payload of 600", 606, 1},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_proto_writer_t w;
        size_t len, n;
        print_message("%s\n", cases[i].name);
        if (cases[i].zero_fill) {
            len = cases[i].total - 6;
            memset(g_payload, 0, len);
            n = make_raw(SM_PROTO_VERSION, TYPE_PROBE, g_payload, len, g_raw);
        } else {
            n = raw_all_nonzero(cases[i].total, TYPE_PROBE, &len);
        }
        assert_int_equal(n, cases[i].total);
        writer_start(&w);
        sm_proto_writer_begin(&w, TYPE_PROBE);
        sm_proto_writer_put(&w, g_payload, (uint16_t)len);
        sm_proto_writer_end(&w);
        assert_matches_reference(g_raw, n);
        expect_probe_parsed(g_cap.buf, g_cap.n);
    }
}

/* Exact sizes of the reference form at the block boundaries. */
static void test_cobs_reference_sizes(void **state)
{
    uint8_t in[600];
    uint8_t out[700];
    (void)state;
    memset(in, 0x11, sizeof in);
    assert_int_equal(ref_cobs(in, 0, out), 1);
    assert_int_equal(out[0], 0x01);
    assert_int_equal(ref_cobs(in, 253, out), 254);
    assert_int_equal(out[0], 0xFE);
    assert_int_equal(ref_cobs(in, 254, out), 255);
    assert_int_equal(out[0], 0xFF);
    assert_int_equal(ref_cobs(in, 255, out), 257);
    assert_int_equal(out[255], 0x02);
    assert_int_equal(ref_cobs(in, 508, out), 510);
    memset(in, 0, 3);
    assert_int_equal(ref_cobs(in, 3, out), 4);
    assert_memory_equal(out, "\x01\x01\x01\x01", 4);
}

/* Every payload length across two block boundaries, with zeros at varying places, pieces fed
 * to writer_put in varying sizes: always the reference bytes. */
static void test_cobs_writer_sweep(void **state)
{
    uint64_t rng = 42;
    size_t len;
    (void)state;
    for (len = 0; len < 800; len++) {
        sm_proto_writer_t w;
        size_t i, off, n;
        int zero_every = (int)(ts_rand(&rng) % 300u); /* 0: no zeros */
        for (i = 0; i < len; i++) {
            g_payload[i] = (uint8_t)(1 + ts_rand(&rng) % 255u);
            if (zero_every && ts_rand(&rng) % (unsigned)zero_every == 0)
                g_payload[i] = 0;
        }
        n = make_raw(SM_PROTO_VERSION, TYPE_PROBE, g_payload, len, g_raw);
        writer_start(&w);
        sm_proto_writer_begin(&w, TYPE_PROBE);
        for (off = 0; off < len;) {
            size_t piece = 1 + ts_rand(&rng) % 300u;
            if (piece > len - off)
                piece = len - off;
            sm_proto_writer_put(&w, g_payload + off, (uint16_t)piece);
            off += piece;
        }
        sm_proto_writer_end(&w);
        assert_matches_reference(g_raw, n);
        expect_probe_parsed(g_cap.buf, g_cap.n);
    }
}

/* A sender that always closes with a code byte (FF <254 bytes> 01) is also understood. */
static void test_cobs_noncanonical_accepted(void **state)
{
    size_t len, n, i;
    uint8_t *e = g_ref;
    (void)state;
    n = raw_all_nonzero(254, TYPE_PROBE, &len);
    e[0] = 0xFF;
    for (i = 0; i < n; i++)
        e[1 + i] = g_raw[i];
    e[255] = 0x01;
    e[256] = 0x00;
    expect_probe_parsed(e, 257);
}

/* The worked example of firmware/PROTOCOL.md: CMD START, token 7, arg 0. */
static void test_doc_example_bytes(void **state)
{
    static const uint8_t raw[] = {0x01, 0x03, 0x01, 0x07, 0x00, 0x00, 0xB6, 0x69, 0x9C, 0x59};
    static const uint8_t wire[] = {0x05, 0x01, 0x03, 0x01, 0x07, 0x01,
                                   0x05, 0xB6, 0x69, 0x9C, 0x59, 0x00};
    const sm_proto_cmd_t cmd = {SM_CMD_START, 7, 0};
    sm_proto_writer_t w;
    (void)state;
    assert_int_equal(sm_crc32c(raw, 6), 0x599C69B6u);
    writer_start(&w);
    sm_proto_write_cmd(&w, &cmd);
    assert_int_equal(g_cap.n, sizeof wire);
    assert_memory_equal(g_cap.buf, wire, sizeof wire);
    assert_matches_reference(raw, sizeof raw);
    parse_one(g_cap.buf, g_cap.n);
    assert_int_equal(g_msg.type, SM_MSG_CMD);
    assert_int_equal(g_msg.u.cmd.cmd, SM_CMD_START);
    assert_int_equal(g_msg.u.cmd.token, 7);
    assert_int_equal(g_msg.u.cmd.arg, 0);
}

/* The FRAME example of firmware/PROTOCOL.md: 1x3, seq 0x0102, t_us 1000000, flags SATURATED. */
static void test_doc_frame_example(void **state)
{
    static const uint16_t row[3] = {0x123, 0xABC, 0xFFF};
    static const uint8_t wire[] = {0x08, 0x01, 0x01, 0x02, 0x01, 0x40, 0x42, 0x0F,
                                   0x0D, 0x01, 0x03, 0x23, 0xC1, 0xAB, 0xFF, 0x0F,
                                   0x02, 0xBE, 0x85, 0xBE, 0xE9, 0x00};
    sm_proto_writer_t w;
    (void)state;
    writer_start(&w);
    sm_proto_write_frame_begin(&w, 0x0102, 1000000u, 1, 3);
    sm_proto_write_frame_row(&w, row);
    sm_proto_write_frame_end(&w, SM_FRAME_SATURATED);
    assert_int_equal(g_cap.n, sizeof wire);
    assert_memory_equal(g_cap.buf, wire, sizeof wire);
    parse_one(g_cap.buf, g_cap.n);
    assert_int_equal(g_msg.u.frame.seq, 0x0102);
    assert_int_equal(g_msg.u.frame.t_us, 1000000u);
    assert_memory_equal(g_msg.u.frame.samples, row, sizeof row);
}

/* ---- round trips ------------------------------------------------------------------- */

static void test_roundtrip_cmd(void **state)
{
    static const sm_proto_cmd_t cases[] = {
        {SM_CMD_START, 0, 0},        {SM_CMD_STOP, 1, 0},       {SM_CMD_SET_RATE, 2, 100},
        {SM_CMD_SET_RATE, 3, 0},     {SM_CMD_GET_INFO, 255, 0}, {SM_CMD_IDENTIFY, 4, 0},
        {SM_CMD_IDENTIFY, 5, 65535}, {0xEE, 0x80, 0x1234},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_proto_writer_t w;
        uint8_t pl[4] = {cases[i].cmd, cases[i].token, (uint8_t)cases[i].arg,
                         (uint8_t)(cases[i].arg >> 8)};
        size_t n = make_raw(SM_PROTO_VERSION, SM_MSG_CMD, pl, 4, g_raw);
        writer_start(&w);
        sm_proto_write_cmd(&w, &cases[i]);
        assert_matches_reference(g_raw, n);
        parse_one(g_cap.buf, g_cap.n);
        assert_int_equal(g_msg.type, SM_MSG_CMD);
        assert_int_equal(g_msg.u.cmd.cmd, cases[i].cmd);
        assert_int_equal(g_msg.u.cmd.token, cases[i].token);
        assert_int_equal(g_msg.u.cmd.arg, cases[i].arg);
        assert_int_equal(g_parser.c.frames, 0);
    }
}

static void test_roundtrip_reply(void **state)
{
    static const sm_proto_reply_t cases[] = {
        {SM_CMD_START, 0, SM_REPLY_OK, 0},           {SM_CMD_SET_RATE, 9, SM_REPLY_BAD_ARG, 0},
        {SM_CMD_SET_RATE, 10, SM_REPLY_OK, 250},     {0x77, 11, SM_REPLY_UNKNOWN, 0},
        {SM_CMD_GET_INFO, 255, SM_REPLY_OK, 0xFFFF},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_proto_writer_t w;
        uint8_t pl[5] = {cases[i].cmd, cases[i].token, cases[i].status, (uint8_t)cases[i].value,
                         (uint8_t)(cases[i].value >> 8)};
        size_t n = make_raw(SM_PROTO_VERSION, SM_MSG_REPLY, pl, 5, g_raw);
        writer_start(&w);
        sm_proto_write_reply(&w, &cases[i]);
        assert_matches_reference(g_raw, n);
        parse_one(g_cap.buf, g_cap.n);
        assert_int_equal(g_msg.type, SM_MSG_REPLY);
        assert_int_equal(g_msg.u.reply.cmd, cases[i].cmd);
        assert_int_equal(g_msg.u.reply.token, cases[i].token);
        assert_int_equal(g_msg.u.reply.status, cases[i].status);
        assert_int_equal(g_msg.u.reply.value, cases[i].value);
    }
}

static void test_roundtrip_info(void **state)
{
    sm_proto_info_t in[3];
    size_t i;
    (void)state;
    memset(in, 0, sizeof in);
    in[0] = (sm_proto_info_t){
        1, 2, 3, {1, 2, 3, 4, 5, 6, 7, 8}, 16, 16, 250, 10, 100, 50, 1, "SteadyMat-16"};
    in[1] = (sm_proto_info_t){0, 0, 0, {0}, 64, 64, 0, 12, 0xFFFF, 0, 0, "0123456789abcdef"};
    in[2] = (sm_proto_info_t){
        255, 255, 255, {0xFF, 0, 0xFF, 0, 0xFF, 0, 0xFF, 0}, 1, 1, 65535, 1, 1, 1, 0, ""};
    for (i = 0; i < 3; i++) {
        sm_proto_writer_t w;
        const sm_proto_info_t *a = &in[i], *b = &g_msg.u.info;
        writer_start(&w);
        sm_proto_write_info(&w, a);
        parse_one(g_cap.buf, g_cap.n);
        assert_int_equal(g_msg.type, SM_MSG_INFO);
        assert_int_equal(b->fw_major, a->fw_major);
        assert_int_equal(b->fw_minor, a->fw_minor);
        assert_int_equal(b->fw_patch, a->fw_patch);
        assert_memory_equal(b->uid, a->uid, 8);
        assert_int_equal(b->rows, a->rows);
        assert_int_equal(b->cols, a->cols);
        assert_int_equal(b->pitch_dmm, a->pitch_dmm);
        assert_int_equal(b->sample_bits, a->sample_bits);
        assert_int_equal(b->max_rate_hz, a->max_rate_hz);
        assert_int_equal(b->rate_hz, a->rate_hz);
        assert_int_equal(b->streaming, a->streaming);
        assert_memory_equal(b->name, a->name, 16);
    }
}

/* INFO byte layout, offsets as in PROTOCOL.md. */
static void test_info_layout(void **state)
{
    const sm_proto_info_t in = {
        1,      2,      3,      {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17},
        48,     32,     0x1234, 10,
        0x0201, 0x0403, 1,      "ABCDEFGHIJKLMNOP"};
    static const uint8_t pl[37] = {1,    2,   3,   0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                                   0x17, 48,  32,  0x34, 0x12, 10,   0x01, 0x02, 0x03, 0x04,
                                   1,    'A', 'B', 'C',  'D',  'E',  'F',  'G',  'H',  'I',
                                   'J',  'K', 'L', 'M',  'N',  'O',  'P'};
    sm_proto_writer_t w;
    size_t n = make_raw(SM_PROTO_VERSION, SM_MSG_INFO, pl, sizeof pl, g_raw);
    (void)state;
    assert_int_equal(sizeof pl, SM_PROTO_INFO_BYTES);
    writer_start(&w);
    sm_proto_write_info(&w, &in);
    assert_matches_reference(g_raw, n);
}

/* ---- frames -------------------------------------------------------------------------- */

enum { FILL_RANDOM, FILL_MAX, FILL_ZERO, FILL_RAMP };

static uint16_t g_samples[SM_PROTO_MAX_ROWS * SM_PROTO_MAX_COLS];

static void fill_samples(unsigned cells, int fill, uint64_t *rng)
{
    unsigned i;
    for (i = 0; i < cells; i++) {
        switch (fill) {
        case FILL_RANDOM:
            g_samples[i] = (uint16_t)(ts_rand(rng) % 4096u);
            break;
        case FILL_MAX:
            g_samples[i] = SM_PROTO_MAX_SAMPLE;
            break;
        case FILL_ZERO:
            g_samples[i] = 0;
            break;
        default:
            g_samples[i] = (uint16_t)(i % 4096u);
            break;
        }
    }
}

static void write_frame(sm_proto_writer_t *w, uint16_t seq, uint32_t t_us, unsigned rows,
                        unsigned cols, uint8_t flags, const uint16_t *s)
{
    unsigned r;
    sm_proto_write_frame_begin(w, seq, t_us, (uint8_t)rows, (uint8_t)cols);
    for (r = 0; r < rows; r++)
        sm_proto_write_frame_row(w, s + r * cols);
    sm_proto_write_frame_end(w, flags);
}

static void test_roundtrip_frames(void **state)
{
    static const struct {
        unsigned rows, cols;
        int fill;
    } cases[] = {
        {1, 1, FILL_RANDOM},   {1, 1, FILL_MAX},      {1, 2, FILL_RANDOM},   {1, 3, FILL_MAX},
        {2, 5, FILL_RAMP},     {16, 16, FILL_RANDOM}, {16, 16, FILL_ZERO},   {16, 16, FILL_MAX},
        {32, 24, FILL_RANDOM}, {24, 32, FILL_RAMP},   {48, 32, FILL_RANDOM}, {64, 64, FILL_RANDOM},
        {64, 64, FILL_MAX},    {64, 64, FILL_ZERO},   {64, 64, FILL_RAMP},   {7, 63, FILL_RANDOM},
        {63, 63, FILL_MAX},    {64, 1, FILL_RANDOM},  {1, 64, FILL_RANDOM},  {5, 17, FILL_RANDOM},
        {3, 9, FILL_MAX},      {33, 33, FILL_RANDOM},
    };
    uint64_t rng = 7;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const unsigned rows = cases[i].rows, cols = cases[i].cols;
        const uint16_t seq = (uint16_t)(ts_rand(&rng));
        const uint32_t t_us = (uint32_t)ts_rand(&rng);
        const uint8_t flags = (uint8_t)(i % 4u);
        sm_proto_writer_t w;
        size_t len = 0, n;
        unsigned r;
        print_message("%ux%u fill %d\n", rows, cols, cases[i].fill);
        fill_samples(rows * cols, cases[i].fill, &rng);

        /* reference raw message built independently of the writer */
        g_payload[len++] = (uint8_t)seq;
        g_payload[len++] = (uint8_t)(seq >> 8);
        g_payload[len++] = (uint8_t)t_us;
        g_payload[len++] = (uint8_t)(t_us >> 8);
        g_payload[len++] = (uint8_t)(t_us >> 16);
        g_payload[len++] = (uint8_t)(t_us >> 24);
        g_payload[len++] = (uint8_t)rows;
        g_payload[len++] = (uint8_t)cols;
        for (r = 0; r < rows; r++)
            len += ref_pack_row(g_samples + r * cols, cols, g_payload + len);
        g_payload[len++] = flags;
        n = make_raw(SM_PROTO_VERSION, SM_MSG_FRAME, g_payload, len, g_raw);
        assert_int_equal(n, SM_PROTO_FRAME_MSG_BYTES(rows, cols));

        writer_start(&w);
        write_frame(&w, seq, t_us, rows, cols, flags, g_samples);
        assert_matches_reference(g_raw, n);

        parse_one(g_cap.buf, g_cap.n);
        assert_int_equal(g_msg.type, SM_MSG_FRAME);
        assert_int_equal(g_msg.u.frame.seq, seq);
        assert_int_equal(g_msg.u.frame.t_us, t_us);
        assert_int_equal(g_msg.u.frame.rows, rows);
        assert_int_equal(g_msg.u.frame.cols, cols);
        assert_int_equal(g_msg.u.frame.flags, flags);
        assert_memory_equal(g_msg.u.frame.samples, g_samples, rows * cols * sizeof(uint16_t));
        assert_int_equal(g_parser.c.frames, 1);
    }
}

/* The packing, byte by byte, for the example in PROTOCOL.md. */
static void test_pack_example(void **state)
{
    static const uint16_t row[3] = {0x123, 0xABC, 0xFFF};
    static const uint8_t packed[5] = {0x23, 0xC1, 0xAB, 0xFF, 0x0F};
    uint8_t out[5];
    (void)state;
    assert_int_equal(SM_PROTO_ROW_BYTES(3), 5);
    assert_int_equal(ref_pack_row(row, 3, out), 5);
    assert_memory_equal(out, packed, 5);
    assert_int_equal(SM_PROTO_ROW_BYTES(64), 96);
    assert_int_equal(SM_PROTO_ROW_BYTES(1), 2);
    assert_int_equal(SM_PROTO_MAX_MSG, 6159);
}

/* Out-of-range samples lose their high bits but never spill into a neighbour. */
static void test_writer_masks_samples(void **state)
{
    const uint16_t in[5] = {0xF123, 0xFFFF, 0x8001, 0x1FFF, 0xF00F};
    const uint16_t want[5] = {0x123, 0xFFF, 0x001, 0xFFF, 0x00F};
    sm_proto_writer_t w;
    (void)state;
    writer_start(&w);
    write_frame(&w, 1, 2, 1, 5, 0, in);
    parse_one(g_cap.buf, g_cap.n);
    assert_int_equal(g_msg.type, SM_MSG_FRAME);
    assert_memory_equal(g_msg.u.frame.samples, want, sizeof want);
}

/* ---- decoder checks ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    uint8_t ver, type;
    uint8_t rows, cols;
    int len_delta; /* payload length relative to the correct one */
    int pad_bad;   /* set a padding nibble of an odd row */
    int crc_bad;
    sm_status want;
} decode_case_t;

static void test_decode_rejects(void **state)
{
    static const decode_case_t cases[] = {
        {"good 2x3 frame", 1, SM_MSG_FRAME, 2, 3, 0, 0, 0, SM_OK},
        {"good 64x64 frame", 1, SM_MSG_FRAME, 64, 64, 0, 0, 0, SM_OK},
        {"bad crc", 1, SM_MSG_FRAME, 2, 3, 0, 0, 1, SM_ERR_CRC},
        {"version 2", 2, SM_MSG_FRAME, 2, 3, 0, 0, 0, SM_ERR_VERSION},
        {"version 0", 0, SM_MSG_FRAME, 2, 3, 0, 0, 0, SM_ERR_VERSION},
        {"type 0", 1, 0x00, 2, 3, 0, 0, 0, SM_ERR_MISMATCH},
        {"type 5", 1, 0x05, 2, 3, 0, 0, 0, SM_ERR_MISMATCH},
        {"rows 0", 1, SM_MSG_FRAME, 0, 3, 0, 0, 0, SM_ERR_RANGE},
        {"cols 0", 1, SM_MSG_FRAME, 2, 0, 0, 0, 0, SM_ERR_RANGE},
        {"rows 65", 1, SM_MSG_FRAME, 65, 3, 0, 0, 0, SM_ERR_RANGE},
        {"cols 65", 1, SM_MSG_FRAME, 3, 65, 0, 0, 0, SM_ERR_RANGE},
        {"rows 255", 1, SM_MSG_FRAME, 255, 2, 0, 0, 0, SM_ERR_RANGE},
        {"cols 255", 1, SM_MSG_FRAME, 1, 255, 0, 0, 0, SM_ERR_RANGE},
        {"one byte short", 1, SM_MSG_FRAME, 2, 3, -1, 0, 0, SM_ERR_FORMAT},
        {"one byte long", 1, SM_MSG_FRAME, 2, 3, 1, 0, 0, SM_ERR_FORMAT},
        {"no flags, no samples", 1, SM_MSG_FRAME, 2, 3, -11, 0, 0, SM_ERR_FORMAT},
        {"odd padding nibble", 1, SM_MSG_FRAME, 2, 3, 0, 1, 0, SM_ERR_FORMAT},
        {"info short", 1, SM_MSG_INFO, 0, 0, -1, 0, 0, SM_ERR_FORMAT},
        {"info long", 1, SM_MSG_INFO, 0, 0, 1, 0, 0, SM_ERR_FORMAT},
        {"cmd short", 1, SM_MSG_CMD, 0, 0, -1, 0, 0, SM_ERR_FORMAT},
        {"cmd long", 1, SM_MSG_CMD, 0, 0, 1, 0, 0, SM_ERR_FORMAT},
        {"reply short", 1, SM_MSG_REPLY, 0, 0, -1, 0, 0, SM_ERR_FORMAT},
        {"reply long", 1, SM_MSG_REPLY, 0, 0, 1, 0, 0, SM_ERR_FORMAT},
        {"reply", 1, SM_MSG_REPLY, 0, 0, 0, 0, 0, SM_OK},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const decode_case_t *c = &cases[i];
        size_t len, n;
        print_message("%s\n", c->name);
        memset(g_payload, 0x5A, sizeof g_payload);
        switch (c->type) {
        case SM_MSG_INFO:
            len = SM_PROTO_INFO_BYTES;
            g_payload[11] = 4; /* rows */
            g_payload[12] = 4; /* cols */
            break;
        case SM_MSG_CMD:
            len = SM_PROTO_CMD_BYTES;
            break;
        case SM_MSG_REPLY:
            len = SM_PROTO_REPLY_BYTES;
            break;
        default:
            len = 8 + (size_t)c->rows * SM_PROTO_ROW_BYTES(c->cols) + 1;
            g_payload[6] = c->rows;
            g_payload[7] = c->cols;
            if (c->cols % 2) /* padding nibbles of the odd last samples must be 0 */
                for (unsigned r = 0; r < c->rows; r++)
                    g_payload[8 + (r + 1) * SM_PROTO_ROW_BYTES(c->cols) - 1] =
                        c->pad_bad ? 0x10 : 0x0F;
            break;
        }
        len = (size_t)((long)len + c->len_delta);
        n = make_raw(c->ver, c->type, g_payload, len, g_raw);
        if (c->crc_bad)
            g_raw[n - 1] ^= 0x80;
        assert_int_equal(sm_proto_decode(g_raw, n, &g_msg), c->want);
        if (c->want == SM_OK)
            assert_int_equal(g_msg.type, c->type);
        else
            assert_int_equal(g_msg.type, 0);
    }
}

static void test_decode_short(void **state)
{
    uint8_t b[6] = {1, 1, 0, 0, 0, 0};
    size_t n;
    (void)state;
    for (n = 0; n < 6; n++)
        assert_int_equal(sm_proto_decode(b, n, &g_msg), SM_ERR_FORMAT);
    /* 6 bytes: a message with an empty payload and a valid CRC */
    make_raw(1, SM_MSG_CMD, NULL, 0, b);
    assert_int_equal(sm_proto_decode(b, 6, &g_msg), SM_ERR_FORMAT);
    make_raw(1, 0x42, NULL, 0, b);
    assert_int_equal(sm_proto_decode(b, 6, &g_msg), SM_ERR_MISMATCH);
}

/* The same checks seen through the parser's counters. */
static void test_parser_counts_decode_errors(void **state)
{
    static const struct {
        uint8_t ver, type;
        size_t len;
        int counter; /* 0 length, 1 version, 2 unknown type */
    } cases[] = {
        {2, SM_MSG_CMD, 4, 1},
        {1, 0x33, 4, 2},
        {1, SM_MSG_CMD, 3, 0},
        {1, SM_MSG_INFO, 37, 0}, /* rows/cols 0 in an INFO */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n, e, off = 0;
        int got;
        memset(g_payload, 0, 64);
        g_ref[0] = 0; /* a leading delimiter: the parser is in sync */
        n = make_raw(cases[i].ver, cases[i].type, g_payload, cases[i].len, g_raw);
        e = 1 + ref_cobs(g_raw, n, g_ref + 1);
        g_ref[e++] = 0;
        sm_proto_parser_init(&g_parser);
        while (off < e) {
            off += sm_proto_parser_feed(&g_parser, g_ref + off, e - off, &g_msg, &got);
            assert_int_equal(got, 0);
        }
        assert_int_equal(g_parser.c.length_errors, cases[i].counter == 0);
        assert_int_equal(g_parser.c.version_errors, cases[i].counter == 1);
        assert_int_equal(g_parser.c.unknown_types, cases[i].counter == 2);
        assert_int_equal(g_parser.c.crc_errors + g_parser.c.resyncs + g_parser.c.messages, 0);
        assert_int_equal(g_parser.c.bytes, e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_values),
        cmocka_unit_test(test_crc_incremental),
        cmocka_unit_test(test_cobs_reference_sizes),
        cmocka_unit_test(test_cobs_edge_cases),
        cmocka_unit_test(test_cobs_writer_sweep),
        cmocka_unit_test(test_cobs_noncanonical_accepted),
        cmocka_unit_test(test_doc_example_bytes),
        cmocka_unit_test(test_doc_frame_example),
        cmocka_unit_test(test_roundtrip_cmd),
        cmocka_unit_test(test_roundtrip_reply),
        cmocka_unit_test(test_roundtrip_info),
        cmocka_unit_test(test_info_layout),
        cmocka_unit_test(test_roundtrip_frames),
        cmocka_unit_test(test_pack_example),
        cmocka_unit_test(test_writer_masks_samples),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_decode_short),
        cmocka_unit_test(test_parser_counts_decode_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
