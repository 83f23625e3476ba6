/* libFuzzer target for the wire protocol parser.
 *
 * Input: byte 0 chooses the chunking (0: one piece; otherwise piece sizes 1..byte0 from a PRNG
 * seeded with it), the rest is fed to the parser twice:
 *   1. as raw wire bytes (garbage, COBS of anything, delimiters anywhere);
 *   2. as the content of one message (type = byte 1, payload = the rest) that the writer
 *      frames with a valid CRC, so the fuzzer reaches the checks behind the CRC.
 * Invariants: feed always makes progress and never consumes more than it was given; the
 * counters add up; every FRAME handed out has 1 <= rows, cols <= 64 and samples <= 4095; and
 * every message handed out, re-encoded with the writer and parsed again, is the same message. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_wire: check failed at line %d: %s\n", __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    uint8_t b[SM_PROTO_WIRE_MAX(SM_PROTO_MAX_MSG) + SM_PROTO_MAX_MSG];
    size_t n;
} wire_t;

static void sink(void *ctx, const uint8_t *bytes, uint16_t n)
{
    wire_t *w = ctx;
    CHECK(n >= 1 && n <= 255);
    CHECK(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, bytes, n);
    w->n += n;
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

static sm_proto_parser_t g_p, g_p2;
static sm_proto_msg_t g_m, g_m2;
static wire_t g_wire, g_wire2;

static void encode(const sm_proto_msg_t *m, wire_t *out)
{
    sm_proto_writer_t w;
    unsigned r;
    out->n = 0;
    sm_proto_writer_init(&w, sink, out);
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
    case SM_MSG_REPLY:
        sm_proto_write_reply(&w, &m->u.reply);
        break;
    default:
        CHECK(!"unknown type handed out");
    }
}

static void check_message(const sm_proto_msg_t *m)
{
    size_t used;
    int got = 0;
    if (m->type == SM_MSG_FRAME) {
        const sm_proto_frame_t *f = &m->u.frame;
        unsigned i;
        CHECK(f->rows >= 1 && f->rows <= SM_PROTO_MAX_ROWS);
        CHECK(f->cols >= 1 && f->cols <= SM_PROTO_MAX_COLS);
        for (i = 0; i < (unsigned)f->rows * f->cols; i++)
            CHECK(f->samples[i] <= SM_PROTO_MAX_SAMPLE);
    }
    /* re-encode, parse again: the same message, from exactly those bytes */
    encode(m, &g_wire2);
    CHECK(g_wire2.n >= 7 && g_wire2.b[g_wire2.n - 1] == 0);
    CHECK(memchr(g_wire2.b, 0, g_wire2.n - 1) == NULL);
    sm_proto_parser_init(&g_p2);
    used = sm_proto_parser_feed(&g_p2, g_wire2.b, g_wire2.n, &g_m2, &got);
    CHECK(got == 1);
    CHECK(used == g_wire2.n);
    CHECK(msg_equal(m, &g_m2));
}

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void run(const uint8_t *stream, size_t n, uint8_t chunking)
{
    uint32_t rng = 0x9E3779B9u ^ chunking;
    uint32_t handed = 0, frames = 0;
    size_t off = 0;
    sm_proto_parser_init(&g_p);
    while (off < n) {
        size_t piece = chunking ? 1 + next_rand(&rng) % chunking : n;
        size_t end = piece < n - off ? off + piece : n;
        while (off < end) {
            int got = -1;
            size_t used = sm_proto_parser_feed(&g_p, stream + off, end - off, &g_m, &got);
            CHECK(used >= 1 && used <= end - off);
            CHECK(got == 0 || got == 1);
            off += used;
            if (got) {
                handed++;
                frames += g_m.type == SM_MSG_FRAME;
                CHECK(stream[off - 1] == 0); /* a message ends at its delimiter */
                check_message(&g_m);
            } else {
                CHECK(g_m.type == 0);
            }
        }
    }
    CHECK(g_p.c.bytes == n);
    CHECK(g_p.c.messages == handed);
    CHECK(g_p.c.frames == frames);
    CHECK(g_p.c.seq_gaps <= frames);
    CHECK(g_p.c.seq_gaps <= g_p.c.frames_lost);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_proto_writer_t w;
    size_t len;
    if (size < 1)
        return 0;
    run(data + 1, size - 1, data[0]);
    if (size < 2)
        return 0;
    len = size - 2;
    if (len > SM_PROTO_MAX_MSG)
        len = SM_PROTO_MAX_MSG;
    g_wire.n = 0;
    sm_proto_writer_init(&w, sink, &g_wire);
    sm_proto_writer_begin(&w, data[1]);
    sm_proto_writer_put(&w, data + 2, (uint16_t)len);
    sm_proto_writer_end(&w);
    run(g_wire.b, g_wire.n, data[0]);
    return 0;
}
