/* Wire protocol v1 parser under hostile input: every chunking, garbage, truncation, every
 * single-bit flip, random corruption; sequence gaps and counters. The invariant throughout: a
 * message handed out is always one that was sent, unchanged. */
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"
#include "sm_proto.h"

/* ---- a deterministic message stream ------------------------------------------------------
 * Message k of a stream is a pure function of k, and k is recoverable from the message (FRAME
 * t_us, INFO rate_hz, CMD arg, REPLY value), so any handed-out message can be checked against
 * what was sent without storing it. Frames are numbered 0, 1, 2, ... without gaps. */

static uint16_t sample_of(unsigned k, unsigned i)
{
    uint32_t x = (k + 1u) * 2654435761u ^ (i + 1u) * 40503u;
    x ^= x >> 13;
    /* Some zero samples (so COBS has short blocks) and some full-scale ones. */
    if (x % 17u == 0)
        return 0;
    if (x % 19u == 0)
        return SM_PROTO_MAX_SAMPLE;
    return (uint16_t)(x % 4096u);
}

/* mix: 0 = mixed types and sizes; 1 = small frames only; 2 = frames > 254 bytes only */
static void msg_for(unsigned k, int mix, sm_proto_msg_t *m)
{
    unsigned i;
    memset(m, 0, offsetof(sm_proto_msg_t, u) + sizeof m->u.info);
    if (mix == 0 && k % 7u == 3u) {
        sm_proto_info_t *in = &m->u.info;
        m->type = SM_MSG_INFO;
        in->fw_major = 1;
        in->fw_minor = (uint8_t)k;
        in->rows = (uint8_t)(1 + k % 64u);
        in->cols = (uint8_t)(1 + (k * 3u) % 64u);
        in->pitch_dmm = 250;
        in->sample_bits = 10;
        in->max_rate_hz = 200;
        in->rate_hz = (uint16_t)k;
        in->streaming = (uint8_t)(k & 1u);
        memcpy(in->name, "SteadyMat test", 14);
        for (i = 0; i < 8; i++)
            in->uid[i] = (uint8_t)(k >> i);
        return;
    }
    if (mix == 0 && k % 7u == 5u) {
        m->type = SM_MSG_REPLY;
        m->u.reply =
            (sm_proto_reply_t){SM_CMD_SET_RATE, (uint8_t)k, (uint8_t)(k % 3u), (uint16_t)k};
        return;
    }
    if (mix == 0 && k % 7u == 6u) {
        m->type = SM_MSG_CMD;
        m->u.cmd = (sm_proto_cmd_t){SM_CMD_IDENTIFY, (uint8_t)(k * 3u), (uint16_t)k};
        return;
    }
    m->type = SM_MSG_FRAME;
    /* mix 0: messages 3, 5, 6 of every 7 are not frames */
    m->u.frame.seq = (uint16_t)(mix == 0 ? k - (k + 3u) / 7u - (k + 1u) / 7u - k / 7u : k);
    m->u.frame.t_us = k * 10007u;
    if (mix == 2) {
        m->u.frame.rows = (uint8_t)(12 + k % 5u);
        m->u.frame.cols = (uint8_t)(14 + k % 7u);
    } else if (mix == 1) {
        m->u.frame.rows = (uint8_t)(1 + k % 4u);
        m->u.frame.cols = (uint8_t)(1 + (k * 5u) % 7u);
    } else {
        m->u.frame.rows = (uint8_t)(1 + (k * 7u) % 20u);
        m->u.frame.cols = (uint8_t)(1 + (k * 5u) % 23u);
    }
    m->u.frame.flags = (uint8_t)(k & 3u);
    for (i = 0; i < (unsigned)m->u.frame.rows * m->u.frame.cols; i++)
        m->u.frame.samples[i] = sample_of(k, i);
}

static unsigned key_of(const sm_proto_msg_t *m)
{
    switch (m->type) {
    case SM_MSG_FRAME:
        return m->u.frame.t_us / 10007u;
    case SM_MSG_INFO:
        return m->u.info.rate_hz;
    case SM_MSG_CMD:
        return m->u.cmd.arg;
    default:
        return m->u.reply.value;
    }
}

static int msg_equal(const sm_proto_msg_t *a, const sm_proto_msg_t *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case SM_MSG_FRAME: {
        const sm_proto_frame_t *x = &a->u.frame, *y = &b->u.frame;
        return x->seq == y->seq && x->t_us == y->t_us && x->rows == y->rows && x->cols == y->cols &&
               x->flags == y->flags &&
               memcmp(x->samples, y->samples, (size_t)x->rows * x->cols * 2u) == 0;
    }
    case SM_MSG_INFO: {
        const sm_proto_info_t *x = &a->u.info, *y = &b->u.info;
        return x->fw_major == y->fw_major && x->fw_minor == y->fw_minor &&
               x->fw_patch == y->fw_patch && !memcmp(x->uid, y->uid, 8) && x->rows == y->rows &&
               x->cols == y->cols && x->pitch_dmm == y->pitch_dmm &&
               x->sample_bits == y->sample_bits && x->max_rate_hz == y->max_rate_hz &&
               x->rate_hz == y->rate_hz && x->streaming == y->streaming &&
               !memcmp(x->name, y->name, 16);
    }
    case SM_MSG_CMD:
        return a->u.cmd.cmd == b->u.cmd.cmd && a->u.cmd.token == b->u.cmd.token &&
               a->u.cmd.arg == b->u.cmd.arg;
    case SM_MSG_REPLY:
        return a->u.reply.cmd == b->u.reply.cmd && a->u.reply.token == b->u.reply.token &&
               a->u.reply.status == b->u.reply.status && a->u.reply.value == b->u.reply.value;
    default:
        return 0;
    }
}

/* ---- encoding into a growable buffer ------------------------------------------------- */

typedef struct {
    uint8_t *b;
    size_t n, cap;
} buf_t;

static void buf_put(buf_t *s, const uint8_t *p, size_t n)
{
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2 + 1024;
        s->b = realloc(s->b, s->cap);
        assert_non_null(s->b);
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void buf_byte(buf_t *s, uint8_t b)
{
    buf_put(s, &b, 1);
}

static void sink_buf(void *ctx, const uint8_t *bytes, uint16_t n)
{
    buf_put(ctx, bytes, n);
}

static void encode(buf_t *s, const sm_proto_msg_t *m)
{
    sm_proto_writer_t w;
    unsigned r;
    sm_proto_writer_init(&w, sink_buf, s);
    switch (m->type) {
    case SM_MSG_FRAME:
        sm_proto_write_frame_begin(&w, m->u.frame.seq, m->u.frame.t_us, m->u.frame.rows,
                                   m->u.frame.cols);
        for (r = 0; r < m->u.frame.rows; r++)
            sm_proto_write_frame_row(&w, m->u.frame.samples + r * m->u.frame.cols);
        sm_proto_write_frame_end(&w, m->u.frame.flags);
        break;
    case SM_MSG_INFO:
        sm_proto_write_info(&w, &m->u.info);
        break;
    case SM_MSG_CMD:
        sm_proto_write_cmd(&w, &m->u.cmd);
        break;
    default:
        sm_proto_write_reply(&w, &m->u.reply);
        break;
    }
}

static sm_proto_msg_t g_tmp, g_want, g_out;
static sm_proto_parser_t g_p;

/* Encoded message k alone. */
static void encode_k(buf_t *s, unsigned k, int mix)
{
    msg_for(k, mix, &g_tmp);
    encode(s, &g_tmp);
}

/* ---- feeding ------------------------------------------------------------------------- */

typedef struct {
    unsigned keys[8192];
    size_t n;
    int mix;
    int out_of_order; /* set when a handed-out key is not larger than the previous one */
} received_t;

/* Check a handed-out message is exactly the one sent for its key. */
static void on_message(received_t *rx, const sm_proto_msg_t *m)
{
    unsigned k = key_of(m);
    msg_for(k, rx->mix, &g_want);
    if (!msg_equal(m, &g_want))
        fail_msg("message with key %u handed out with wrong content (type %u)", k, m->type);
    if (m->type == SM_MSG_FRAME) {
        unsigned i;
        for (i = 0; i < (unsigned)m->u.frame.rows * m->u.frame.cols; i++)
            assert_true(m->u.frame.samples[i] <= SM_PROTO_MAX_SAMPLE);
    }
    if (rx->n && k <= rx->keys[rx->n - 1])
        rx->out_of_order = 1;
    assert_true(rx->n < sizeof rx->keys / sizeof rx->keys[0]);
    rx->keys[rx->n++] = k;
}

/* Feed data[0..n) in pieces of `chunk` bytes (0: random sizes from rng, 1..max_chunk). */
static void feed_chunked(const uint8_t *data, size_t n, size_t chunk, uint64_t *rng,
                         size_t max_chunk, received_t *rx)
{
    size_t off = 0;
    while (off < n) {
        size_t piece = chunk ? chunk : 1 + (size_t)(ts_rand(rng) % max_chunk);
        size_t end = off + piece < n ? off + piece : n;
        while (off < end) {
            int got = -1;
            size_t used = sm_proto_parser_feed(&g_p, data + off, end - off, &g_out, &got);
            assert_true(used >= 1 && used <= end - off);
            assert_true(got == 0 || got == 1);
            off += used;
            if (got)
                on_message(rx, &g_out);
            else
                assert_int_equal(g_out.type, 0);
        }
    }
    /* an empty feed consumes nothing and hands nothing out */
    {
        int got = -1;
        assert_int_equal(sm_proto_parser_feed(&g_p, data, 0, &g_out, &got), 0);
        assert_int_equal(got, 0);
    }
}

static uint32_t rejected(const sm_proto_counters_t *c)
{
    /* joins: bytes before the first delimiter of a stream (here a test stream that starts with
     * garbage or a damaged message) are skipped as the tail of a message joined midway */
    return c->crc_errors + c->resyncs + c->length_errors + c->version_errors + c->unknown_types +
           c->joins;
}

/* ---- chunking ------------------------------------------------------------------------ */

static received_t g_rx;

static void test_every_chunking(void **state)
{
    buf_t s = {0};
    unsigned k;
    size_t chunk;
    const unsigned count = 12;
    (void)state;
    for (k = 0; k < count; k++)
        encode_k(&s, k, 0);
    /* plus a frame larger than one COBS block */
    msg_for(count, 2, &g_tmp);
    encode(&s, &g_tmp);
    assert_true(s.n > 600);
    for (chunk = 1; chunk <= s.n; chunk++) {
        memset(&g_rx, 0, sizeof g_rx);
        sm_proto_parser_init(&g_p);
        /* the big frame is mix 2; check keys < count with mix 0 by hand */
        {
            size_t off = 0;
            while (off < s.n) {
                size_t end = off + chunk < s.n ? off + chunk : s.n;
                while (off < end) {
                    int got;
                    off += sm_proto_parser_feed(&g_p, s.b + off, end - off, &g_out, &got);
                    if (got) {
                        g_rx.mix = key_of(&g_out) == count ? 2 : 0;
                        on_message(&g_rx, &g_out);
                    }
                }
            }
        }
        assert_int_equal(g_rx.n, count + 1);
        for (k = 0; k <= count; k++)
            assert_int_equal(g_rx.keys[k], k);
        assert_int_equal(g_p.c.messages, count + 1);
        assert_int_equal(rejected(&g_p.c), 0);
        assert_int_equal(g_p.c.bytes, s.n);
    }
    free(s.b);
}

static void test_random_chunking(void **state)
{
    buf_t s = {0};
    uint64_t rng = 1234;
    unsigned k, round;
    const unsigned count = 200;
    (void)state;
    for (k = 0; k < count; k++)
        encode_k(&s, k, 0);
    for (round = 0; round < 200; round++) {
        memset(&g_rx, 0, sizeof g_rx);
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &rng, round % 2 ? 7 : 2000, &g_rx);
        assert_int_equal(g_rx.n, count);
        assert_false(g_rx.out_of_order);
        assert_int_equal(rejected(&g_p.c), 0);
        assert_int_equal(g_p.c.seq_gaps + g_p.c.frames_lost, 0);
    }
    free(s.b);
}

/* feed() stops right after each message, even when more are in the same buffer. */
static void test_feed_stops_after_message(void **state)
{
    buf_t s = {0};
    size_t ends[3], off = 0, i;
    (void)state;
    for (i = 0; i < 3; i++) {
        encode_k(&s, (unsigned)i + 1, 1);
        ends[i] = s.n;
    }
    sm_proto_parser_init(&g_p);
    for (i = 0; i < 3; i++) {
        int got;
        off += sm_proto_parser_feed(&g_p, s.b + off, s.n - off, &g_out, &got);
        assert_int_equal(got, 1);
        assert_int_equal(off, ends[i]);
        assert_int_equal(key_of(&g_out), i + 1);
    }
    free(s.b);
}

/* ---- garbage ------------------------------------------------------------------------- */

/* Random garbage between messages. Garbage that ends at a 0x00 costs nothing; every non-empty
 * stretch of garbage between zeros is counted exactly once. */
static void test_garbage_between_messages(void **state)
{
    static const struct {
        const char *name;
        unsigned zero_odds; /* a garbage byte is 0 with probability 1/zero_odds; 0: never */
    } cases[] = {
        {"garbage without zeros, then a delimiter", 0},
        {"garbage with some zeros", 8},
        {"garbage with many zeros", 2},
    };
    size_t c;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf_t s = {0};
        uint64_t rng = 99 + c;
        unsigned k, segments = 0;
        const unsigned count = 300;
        print_message("%s\n", cases[c].name);
        for (k = 0; k < count; k++) {
            unsigned len = (unsigned)(ts_rand(&rng) % 60u), i, in_segment = 0;
            for (i = 0; i < len; i++) {
                uint8_t b = (uint8_t)(1 + ts_rand(&rng) % 255u);
                if (cases[c].zero_odds && ts_rand(&rng) % cases[c].zero_odds == 0)
                    b = 0;
                buf_byte(&s, b);
                if (b && !in_segment)
                    segments++;
                in_segment = b != 0;
            }
            if (len)
                buf_byte(&s, 0); /* garbage ends at a delimiter */
            encode_k(&s, k, 0);
        }
        memset(&g_rx, 0, sizeof g_rx);
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &rng, 100, &g_rx);
        assert_int_equal(g_rx.n, count);
        assert_false(g_rx.out_of_order);
        assert_int_equal(g_p.c.messages, count);
        /* each stretch of garbage is one rejected message (none can be overlong here) */
        assert_int_equal(rejected(&g_p.c), segments);
        assert_true(g_p.c.resyncs > 0);
        assert_int_equal(g_p.c.seq_gaps, 0);
        free(s.b);
    }
}

/* Garbage with no 0x00 after it runs into the next message: that message is lost (and
 * counted), the one after it is not. */
static void test_garbage_glued_to_message(void **state)
{
    buf_t s = {0};
    uint64_t rng = 5;
    unsigned k;
    const unsigned count = 200;
    (void)state;
    buf_byte(&s, 0);
    for (k = 0; k < count; k++) {
        if (k % 2) {
            unsigned len = 1 + (unsigned)(ts_rand(&rng) % 30u), i;
            for (i = 0; i < len; i++)
                buf_byte(&s, (uint8_t)(1 + ts_rand(&rng) % 255u));
        }
        encode_k(&s, k, 1);
    }
    memset(&g_rx, 0, sizeof g_rx);
    g_rx.mix = 1;
    sm_proto_parser_init(&g_p);
    feed_chunked(s.b, s.n, 0, &rng, 50, &g_rx);
    assert_int_equal(g_rx.n, count / 2);
    for (k = 0; k < g_rx.n; k++)
        assert_int_equal(g_rx.keys[k], 2 * k);
    assert_int_equal(g_p.c.crc_errors + g_p.c.resyncs + g_p.c.length_errors, count / 2);
    /* every other frame missing: a gap of one before each received frame but the first */
    assert_int_equal(g_p.c.seq_gaps, count / 2 - 1);
    assert_int_equal(g_p.c.frames_lost, count / 2 - 1);
    free(s.b);
}

/* Joining a stream in the middle of a message: the tail is a resync, not a CRC error. */
static void test_leading_garbage(void **state)
{
    buf_t one = {0}, s = {0};
    size_t cut;
    (void)state;
    msg_for(3, 2, &g_tmp);
    encode(&one, &g_tmp);
    for (cut = 1; cut < one.n; cut++) {
        s.n = 0;
        buf_put(&s, one.b + cut, one.n - cut); /* the tail of message 3 */
        encode_k(&s, 4, 2);
        memset(&g_rx, 0, sizeof g_rx);
        g_rx.mix = 2;
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &(uint64_t){cut}, 64, &g_rx);
        assert_int_equal(g_rx.n, 1);
        assert_int_equal(g_rx.keys[0], 4);
        /* joining midway is how every connection starts: counted, but not as an error */
        assert_int_equal(g_p.c.resyncs, 0);
        if (cut < one.n - 1) {
            assert_int_equal(g_p.c.joins, 1);
        } else {
            assert_int_equal(g_p.c.joins, 0); /* only the delimiter was left */
        }
        assert_int_equal(g_p.c.crc_errors + g_p.c.length_errors, 0);
    }
    free(one.b);
    free(s.b);
}

/* Empty messages (0x00 0x00) are ignored; "01 00", a COBS-encoded empty message, is a length
 * error. */
static void test_empty_messages(void **state)
{
    buf_t s = {0};
    unsigned i;
    (void)state;
    for (i = 0; i < 10; i++)
        buf_byte(&s, 0);
    encode_k(&s, 1, 1);
    for (i = 0; i < 10; i++)
        buf_byte(&s, 0);
    encode_k(&s, 2, 1);
    memset(&g_rx, 0, sizeof g_rx);
    g_rx.mix = 1;
    sm_proto_parser_init(&g_p);
    feed_chunked(s.b, s.n, 1, NULL, 1, &g_rx);
    assert_int_equal(g_rx.n, 2);
    assert_int_equal(rejected(&g_p.c), 0);
    assert_int_equal(g_p.c.bytes, s.n);

    s.n = 0;
    buf_put(&s, (const uint8_t *)"\x00\x01\x00\x01\x01\x00", 6);
    encode_k(&s, 3, 1);
    memset(&g_rx, 0, sizeof g_rx);
    g_rx.mix = 1;
    sm_proto_parser_init(&g_p);
    feed_chunked(s.b, s.n, 1, NULL, 1, &g_rx);
    assert_int_equal(g_rx.n, 1);
    assert_int_equal(g_p.c.length_errors, 2);
    assert_int_equal(rejected(&g_p.c), 2);
    free(s.b);
}

/* A run longer than the receive buffer: one length error and one resync, then back in sync. */
static void test_overlong(void **state)
{
    buf_t s = {0};
    size_t i;
    (void)state;
    buf_byte(&s, 0);
    for (i = 0; i < 3 * SM_PROTO_RX_MAX; i++)
        buf_byte(&s, (uint8_t)(1 + i % 255u));
    buf_byte(&s, 0);
    encode_k(&s, 9, 2);
    memset(&g_rx, 0, sizeof g_rx);
    g_rx.mix = 2;
    sm_proto_parser_init(&g_p);
    feed_chunked(s.b, s.n, 0, &(uint64_t){3}, 500, &g_rx);
    assert_int_equal(g_rx.n, 1);
    assert_int_equal(g_p.c.length_errors, 1);
    assert_int_equal(g_p.c.resyncs, 1);
    assert_int_equal(g_p.c.crc_errors, 0);
    free(s.b);
}

/* ---- truncation ---------------------------------------------------------------------- */

static void test_truncated_messages(void **state)
{
    buf_t one = {0}, s = {0};
    size_t keep;
    (void)state;
    msg_for(20, 2, &g_tmp);
    encode(&one, &g_tmp);
    /* cut after `keep` bytes; the sender restarts with a fresh message after a delimiter */
    for (keep = 1; keep < one.n - 1; keep++) {
        s.n = 0;
        buf_byte(&s, 0);
        buf_put(&s, one.b, keep);
        buf_byte(&s, 0);
        encode_k(&s, 21, 2);
        memset(&g_rx, 0, sizeof g_rx);
        g_rx.mix = 2;
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &(uint64_t){keep}, 40, &g_rx);
        assert_int_equal(g_rx.n, 1);
        assert_int_equal(g_rx.keys[0], 21);
        assert_int_equal(g_p.c.crc_errors + g_p.c.resyncs + g_p.c.length_errors, 1);
    }
    /* a stream that stops mid-message hands nothing out, and resumes where it stopped */
    sm_proto_parser_init(&g_p);
    memset(&g_rx, 0, sizeof g_rx);
    g_rx.mix = 2;
    feed_chunked(one.b, one.n - 1, 1, NULL, 1, &g_rx);
    assert_int_equal(g_rx.n, 0);
    feed_chunked(one.b + one.n - 1, 1, 1, NULL, 1, &g_rx);
    assert_int_equal(g_rx.n, 1);
    assert_int_equal(rejected(&g_p.c), 0);
    free(one.b);
    free(s.b);
}

/* ---- bit flips ----------------------------------------------------------------------- */

static void flip_every_bit(const sm_proto_msg_t *victim, int mix)
{
    buf_t one = {0}, s = {0};
    size_t bit;
    encode(&one, victim);
    for (bit = 0; bit < one.n * 8; bit++) {
        const size_t byte = bit / 8;
        const int in_delimiter = byte == one.n - 1;
        s.n = 0;
        buf_put(&s, one.b, one.n);
        s.b[byte] ^= (uint8_t)(1u << (bit % 8));
        encode_k(&s, 1001, mix);
        encode_k(&s, 1002, mix);
        memset(&g_rx, 0, sizeof g_rx);
        g_rx.mix = mix;
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &(uint64_t){bit + 1}, 97, &g_rx);
        /* The corrupted message never comes out; the clean ones do, except that a corrupted
         * delimiter glues the next message to it. */
        if (in_delimiter) {
            assert_int_equal(g_rx.n, 1);
            assert_int_equal(g_rx.keys[0], 1002);
        } else {
            assert_int_equal(g_rx.n, 2);
            assert_int_equal(g_rx.keys[0], 1001);
            assert_int_equal(g_rx.keys[1], 1002);
        }
        assert_true(g_p.c.crc_errors + g_p.c.resyncs + g_p.c.length_errors + g_p.c.joins >= 1);
        assert_int_equal(g_p.c.version_errors + g_p.c.unknown_types, 0);
    }
    free(one.b);
    free(s.b);
}

static void test_every_single_bit_flip(void **state)
{
    static const struct {
        unsigned rows, cols;
    } cases[] = {{1, 1}, {3, 5}, {8, 9}, {16, 16}, {13, 17}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned c;
        msg_for(1000, 1, &g_tmp);
        g_tmp.u.frame.rows = (uint8_t)cases[i].rows;
        g_tmp.u.frame.cols = (uint8_t)cases[i].cols;
        for (c = 0; c < cases[i].rows * cases[i].cols; c++)
            g_tmp.u.frame.samples[c] = (uint16_t)(i == 3 ? 0x111 + c % 3000 : sample_of(i, c));
        print_message("%ux%u frame\n", cases[i].rows, cases[i].cols);
        flip_every_bit(&g_tmp, 1);
    }
    /* the other message types too */
    for (i = 0; i < 3; i++) {
        msg_for(i == 0 ? 3 : i == 1 ? 5 : 6, 0, &g_tmp);
        flip_every_bit(&g_tmp, 0);
    }
}

/* ---- random corruption --------------------------------------------------------------- */

/* Corrupt bytes at random (bit flips, random bytes including 0x00, bursts) over thousands of
 * messages. Every message handed out must be one that was sent, and every message that arrived
 * intact after an intact delimiter must be handed out. */
static void test_random_corruption(void **state)
{
    static const struct {
        unsigned per_million; /* probability that a byte is corrupted */
        int mix;
    } cases[] = {
        {1000, 0}, {1000, 2}, {5000, 0}, {5000, 2}, {10000, 1}, {20000, 0}, {50000, 1},
    };
    size_t c;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf_t s = {0};
        uint64_t rng = 0xC0FFEE + c;
        const unsigned count = cases[c].mix == 2 ? 1500 : 4000;
        size_t *ends = calloc(count, sizeof *ends);
        uint8_t *bad;
        unsigned k, frames_rx = 0, gaps = 0, intact = 0;
        uint32_t lost = 0;
        size_t i, j, corrupted = 0, next = 0;
        int have = 0;
        uint16_t last = 0;
        assert_non_null(ends);
        for (k = 0; k < count; k++) {
            encode_k(&s, k, cases[c].mix);
            ends[k] = s.n;
        }
        bad = calloc(s.n, 1);
        assert_non_null(bad);
        for (i = 0; i < s.n; i++) {
            if (ts_rand(&rng) % 1000000u >= cases[c].per_million)
                continue;
            corrupted++;
            switch (ts_rand(&rng) % 3u) {
            case 0: /* one bit */
                s.b[i] ^= (uint8_t)(1u << (ts_rand(&rng) % 8u));
                bad[i] = 1;
                break;
            case 1: /* a random byte (possibly 0x00) */
                s.b[i] = (uint8_t)ts_rand(&rng);
                bad[i] = 1;
                break;
            default: /* a burst of a few bytes */
                for (j = 0; j < 4 && i + j < s.n; j++) {
                    s.b[i + j] ^= (uint8_t)(1 + ts_rand(&rng) % 255u);
                    bad[i + j] = 1;
                }
                break;
            }
        }
        memset(&g_rx, 0, sizeof g_rx);
        g_rx.mix = cases[c].mix;
        sm_proto_parser_init(&g_p);
        feed_chunked(s.b, s.n, 0, &rng, 300, &g_rx);
        print_message("1/%u corrupted (%zu bytes): %zu of %u messages, crc %u resync %u len %u\n",
                      1000000u / cases[c].per_million, corrupted, g_rx.n, count,
                      (unsigned)g_p.c.crc_errors, (unsigned)g_p.c.resyncs,
                      (unsigned)g_p.c.length_errors);
        /* on_message already checked every handed-out message against what was sent */
        assert_false(g_rx.out_of_order);
        assert_true(g_rx.n < count);
        assert_true(g_p.c.crc_errors + g_p.c.resyncs + g_p.c.length_errors > 0);
        assert_int_equal(g_p.c.messages, g_rx.n);

        /* intact messages (own bytes and the delimiter before them) all came out */
        for (k = 0; k < count; k++) {
            size_t from = k ? ends[k - 1] - 1 : 0;
            int ok = 1;
            for (i = from; i < ends[k]; i++)
                ok &= !bad[i];
            if (!ok)
                continue;
            intact++;
            while (next < g_rx.n && g_rx.keys[next] < k)
                next++;
            if (next == g_rx.n || g_rx.keys[next] != k)
                fail_msg("message %u arrived intact but was not handed out", k);
        }
        assert_true(intact > 0);

        /* sequence counters agree with the frames that came out */
        for (i = 0; i < g_rx.n; i++) {
            uint16_t seq;
            msg_for(g_rx.keys[i], cases[c].mix, &g_want);
            if (g_want.type != SM_MSG_FRAME)
                continue;
            seq = g_want.u.frame.seq;
            frames_rx++;
            if (have && (uint16_t)(seq - last - 1u)) {
                gaps++;
                lost += (uint16_t)(seq - last - 1u);
            }
            have = 1;
            last = seq;
        }
        assert_int_equal(g_p.c.frames, frames_rx);
        assert_int_equal(g_p.c.seq_gaps, gaps);
        assert_int_equal(g_p.c.frames_lost, lost);
        assert_true(gaps > 0);
        free(bad);
        free(ends);
        free(s.b);
    }
}

/* ---- sequence numbers ---------------------------------------------------------------- */

#define SEQ_END   0x10000u /* end of a seq list */
#define SEQ_RESET 0x20000u

static void test_seq_gaps(void **state)
{
    static const struct {
        const char *name;
        uint32_t seq[8];
        uint32_t gaps, lost, resets;
    } cases[] = {
        {"consecutive", {0, 1, 2, 3, SEQ_END}, 0, 0, 0},
        {"first frame is the baseline", {40000, 40001, SEQ_END}, 0, 0, 0},
        {"wrap 65535 -> 0", {65534, 65535, 0, 1, SEQ_END}, 0, 0, 0},
        {"one missing", {10, 12, SEQ_END}, 1, 1, 0},
        {"three missing", {10, 14, 15, SEQ_END}, 1, 3, 0},
        {"gap across the wrap", {65535, 2, SEQ_END}, 1, 2, 0},
        {"two gaps", {1, 3, 4, 7, SEQ_END}, 2, 3, 0},
        {"a long gap", {100, 30000, 30001, SEQ_END}, 1, 29899, 0},
        /* the count went back: the mat restarted it, nothing was lost */
        {"repeated seq", {5, 5, 6, SEQ_END}, 0, 0, 1},
        {"backwards", {100, 50, 51, SEQ_END}, 0, 0, 1},
        {"rebooted mat", {5000, 5001, 0, 1, 2, SEQ_END}, 0, 0, 1},
        {"reset_seq sets a new baseline", {1, 2, SEQ_RESET, 100, 101, SEQ_END}, 0, 0, 0},
        {"reset then gap", {1, SEQ_RESET, 7, 9, SEQ_END}, 1, 1, 0},
    };
    size_t c;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t i;
        print_message("%s\n", cases[c].name);
        sm_proto_parser_init(&g_p);
        for (i = 0; cases[c].seq[i] != SEQ_END; i++) {
            buf_t s = {0};
            int got = 0;
            size_t off = 0;
            if (cases[c].seq[i] == SEQ_RESET) {
                sm_proto_parser_reset_seq(&g_p);
                continue;
            }
            msg_for(1, 1, &g_tmp);
            g_tmp.u.frame.seq = (uint16_t)cases[c].seq[i];
            encode(&s, &g_tmp);
            /* an INFO in between does not disturb the count */
            encode_k(&s, 3, 0);
            while (off < s.n)
                off += sm_proto_parser_feed(&g_p, s.b + off, s.n - off, &g_out, &got);
            free(s.b);
        }
        assert_int_equal(g_p.c.seq_gaps, cases[c].gaps);
        assert_int_equal(g_p.c.frames_lost, cases[c].lost);
        assert_int_equal(g_p.c.seq_resets, cases[c].resets);
        assert_int_equal(rejected(&g_p.c), 0);
    }
}

/* reset_seq keeps the counters but drops a half-received message (the old connection's). */
static void test_reset_seq_keeps_counters(void **state)
{
    buf_t s = {0};
    size_t off = 0;
    int got;
    (void)state;
    sm_proto_parser_init(&g_p);
    buf_byte(&s, 0);
    buf_put(&s, (const uint8_t *)"\x03\x01\x02\x00", 4); /* a 2-byte message: length error */
    encode_k(&s, 1, 1);
    encode_k(&s, 5, 1); /* gap of 3 */
    while (off < s.n)
        off += sm_proto_parser_feed(&g_p, s.b + off, s.n - off, &g_out, &got);
    assert_int_equal(g_p.c.length_errors, 1);
    assert_int_equal(g_p.c.seq_gaps, 1);
    assert_int_equal(g_p.c.frames_lost, 3);
    assert_int_equal(g_p.c.frames, 2);

    /* half a message, then a reconnect */
    s.n = 0;
    encode_k(&s, 6, 1);
    off = 0;
    while (off < s.n - 3)
        off += sm_proto_parser_feed(&g_p, s.b + off, s.n - 3 - off, &g_out, &got);
    sm_proto_parser_reset_seq(&g_p);
    s.n = 0;
    encode_k(&s, 0, 1);
    off = 0;
    got = 0;
    while (off < s.n && !got)
        off += sm_proto_parser_feed(&g_p, s.b + off, s.n - off, &g_out, &got);
    assert_int_equal(got, 1);
    assert_int_equal(g_out.u.frame.seq, 0);
    assert_int_equal(g_p.c.length_errors, 1);
    assert_int_equal(g_p.c.crc_errors + g_p.c.resyncs, 0);
    assert_int_equal(g_p.c.seq_gaps, 1);
    assert_int_equal(g_p.c.frames_lost, 3);
    assert_int_equal(g_p.c.frames, 3);
    assert_int_equal(g_p.c.messages, 3);

    sm_proto_parser_init(&g_p);
    assert_int_equal(g_p.c.frames + g_p.c.bytes + g_p.c.seq_gaps + rejected(&g_p.c), 0);
    free(s.b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_chunking),
        cmocka_unit_test(test_random_chunking),
        cmocka_unit_test(test_feed_stops_after_message),
        cmocka_unit_test(test_garbage_between_messages),
        cmocka_unit_test(test_garbage_glued_to_message),
        cmocka_unit_test(test_leading_garbage),
        cmocka_unit_test(test_empty_messages),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_truncated_messages),
        cmocka_unit_test(test_every_single_bit_flip),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_seq_gaps),
        cmocka_unit_test(test_reset_seq_keeps_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
