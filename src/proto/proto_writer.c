/* Streaming message writer: CRC and COBS computed on the fly, one 255-byte block of RAM. */
#include <string.h>

#include "sm_proto.h"

/* Send the current block with its COBS code: n - 1 data bytes, then (for n < 255) a zero that
 * the receiver puts back. */
static void flush_block(sm_proto_writer_t *w)
{
    w->block[0] = w->n;
    w->sink(w->ctx, w->block, w->n);
    w->n = 1;
}

static void put_byte(sm_proto_writer_t *w, uint8_t b)
{
    /* A full block goes out only when another byte follows: a message that ends exactly at a
     * full block then needs no extra 0x01 code, as in the one-shot encoding. */
    if (w->n == 255u)
        flush_block(w);
    if (b == 0u)
        flush_block(w);
    else
        w->block[w->n++] = b;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void sm_proto_writer_init(sm_proto_writer_t *w, sm_proto_sink_fn sink, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->ctx = ctx;
    w->n = 1;
}

void sm_proto_writer_begin(sm_proto_writer_t *w, uint8_t type)
{
    uint8_t head[2];
    head[0] = (uint8_t)SM_PROTO_VERSION;
    head[1] = type;
    w->crc = 0xFFFFFFFFu;
    w->n = 1;
    sm_proto_writer_put(w, head, 2);
}

void sm_proto_writer_put(sm_proto_writer_t *w, const uint8_t *p, uint16_t n)
{
    w->crc = sm_crc32c_update(w->crc, p, n);
    while (n--)
        put_byte(w, *p++);
}

void sm_proto_writer_end(sm_proto_writer_t *w)
{
    uint32_t crc = ~w->crc;
    uint8_t i;
    const uint8_t delimiter = 0;
    for (i = 0; i < 4u; i++, crc >>= 8)
        put_byte(w, (uint8_t)crc);
    flush_block(w);
    w->sink(w->ctx, &delimiter, 1);
}

void sm_proto_write_frame_begin(sm_proto_writer_t *w, uint16_t seq, uint32_t t_us, uint8_t rows,
                                uint8_t cols)
{
    uint8_t head[8];
    put_le16(head, seq);
    put_le16(head + 2, (uint16_t)t_us);
    put_le16(head + 4, (uint16_t)(t_us >> 16));
    head[6] = rows;
    head[7] = cols;
    sm_proto_writer_begin(w, SM_MSG_FRAME);
    sm_proto_writer_put(w, head, sizeof head);
    w->row_cols = cols;
}

void sm_proto_write_frame_row(sm_proto_writer_t *w, const uint16_t *samples)
{
    /* Packed 8 pairs at a time: one CRC and COBS call per 24 bytes instead of per 3 costs 24
     * bytes of stack and saves most of the call overhead on the AVR. */
    uint8_t b[24];
    uint8_t n = 0, left = w->row_cols;
    /* Masking a's high nibble keeps an out-of-range sample from spilling into its neighbour;
     * b's upper bits fall off the uint8_t conversion. */
    for (; left >= 2u; left -= 2u, samples += 2) {
        b[n] = (uint8_t)samples[0];
        b[n + 1] = (uint8_t)(((samples[0] >> 8) & 0x0Fu) | (samples[1] << 4));
        b[n + 2] = (uint8_t)(samples[1] >> 4);
        n += 3;
        if (n == sizeof b) {
            sm_proto_writer_put(w, b, n);
            n = 0;
        }
    }
    if (left) {
        b[n] = (uint8_t)samples[0];
        b[n + 1] = (uint8_t)((samples[0] >> 8) & 0x0Fu);
        n += 2;
    }
    sm_proto_writer_put(w, b, n);
}

void sm_proto_write_frame_end(sm_proto_writer_t *w, uint8_t flags)
{
    sm_proto_writer_put(w, &flags, 1);
    sm_proto_writer_end(w);
}

static void write_msg(sm_proto_writer_t *w, uint8_t type, const uint8_t *p, uint16_t n)
{
    sm_proto_writer_begin(w, type);
    sm_proto_writer_put(w, p, n);
    sm_proto_writer_end(w);
}

void sm_proto_write_info(sm_proto_writer_t *w, const sm_proto_info_t *info)
{
    uint8_t b[SM_PROTO_INFO_BYTES];
    b[0] = info->fw_major;
    b[1] = info->fw_minor;
    b[2] = info->fw_patch;
    memcpy(b + 3, info->uid, 8);
    b[11] = info->rows;
    b[12] = info->cols;
    put_le16(b + 13, info->pitch_dmm);
    b[15] = info->sample_bits;
    put_le16(b + 16, info->max_rate_hz);
    put_le16(b + 18, info->rate_hz);
    b[20] = info->streaming;
    memcpy(b + 21, info->name, 16);
    write_msg(w, SM_MSG_INFO, b, sizeof b);
}

void sm_proto_write_cmd(sm_proto_writer_t *w, const sm_proto_cmd_t *cmd)
{
    uint8_t b[SM_PROTO_CMD_BYTES];
    b[0] = cmd->cmd;
    b[1] = cmd->token;
    put_le16(b + 2, cmd->arg);
    write_msg(w, SM_MSG_CMD, b, sizeof b);
}

void sm_proto_write_reply(sm_proto_writer_t *w, const sm_proto_reply_t *reply)
{
    uint8_t b[SM_PROTO_REPLY_BYTES];
    b[0] = reply->cmd;
    b[1] = reply->token;
    b[2] = reply->status;
    put_le16(b + 3, reply->value);
    write_msg(w, SM_MSG_REPLY, b, sizeof b);
}
