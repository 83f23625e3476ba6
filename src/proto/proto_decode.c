/* One complete unencoded message -> sm_proto_msg_t, with every check the header promises. */
#include <string.h>

#include "sm_proto.h"

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

#ifndef SM_PROTO_RX_CMD_ONLY
static int geometry_ok(uint8_t rows, uint8_t cols)
{
    return rows >= 1u && rows <= SM_PROTO_MAX_ROWS && cols >= 1u && cols <= SM_PROTO_MAX_COLS;
}

/* p: payload (seq .. flags), len: its length. */
static sm_status decode_frame(const uint8_t *p, size_t len, sm_proto_frame_t *f)
{
    uint8_t r, left;
    uint16_t *d = f->samples;
    if (len < SM_PROTO_FRAME_HEAD_BYTES + 1u)
        return SM_ERR_FORMAT;
    f->seq = get_le16(p);
    f->t_us = get_le16(p + 2) | ((uint32_t)get_le16(p + 4) << 16);
    f->rows = p[6];
    f->cols = p[7];
    if (!geometry_ok(f->rows, f->cols) ||
        (uint16_t)f->rows * f->cols > (uint16_t)SM_PROTO_RX_MAX_CELLS)
        return SM_ERR_RANGE;
    if (len != SM_PROTO_FRAME_MSG_BYTES(f->rows, f->cols) - 6u)
        return SM_ERR_FORMAT;
    f->flags = p[len - 1];
    p += SM_PROTO_FRAME_HEAD_BYTES;
    for (r = 0; r < f->rows; r++) {
        for (left = f->cols; left >= 2u; left -= 2u, p += 3, d += 2) {
            d[0] = (uint16_t)(p[0] | ((p[1] & 0x0Fu) << 8));
            d[1] = (uint16_t)((p[1] >> 4) | ((uint16_t)p[2] << 4));
        }
        if (left) {
            /* Only 4 bits of the second byte carry data; anything else was not sent by a
             * correct writer, and would make a sample above 4095. */
            if (p[1] > 0x0Fu)
                return SM_ERR_FORMAT;
            *d++ = get_le16(p);
            p += 2;
        }
    }
    return SM_OK;
}

static sm_status decode_info(const uint8_t *p, size_t len, sm_proto_info_t *in)
{
    if (len != SM_PROTO_INFO_BYTES)
        return SM_ERR_FORMAT;
    in->fw_major = p[0];
    in->fw_minor = p[1];
    in->fw_patch = p[2];
    memcpy(in->uid, p + 3, 8);
    in->rows = p[11];
    in->cols = p[12];
    in->pitch_dmm = get_le16(p + 13);
    in->sample_bits = p[15];
    in->max_rate_hz = get_le16(p + 16);
    in->rate_hz = get_le16(p + 18);
    in->streaming = p[20];
    memcpy(in->name, p + 21, 16);
    return geometry_ok(in->rows, in->cols) ? SM_OK : SM_ERR_RANGE;
}
#endif

sm_status sm_proto_decode(const uint8_t *msg, size_t n, sm_proto_msg_t *out)
{
    const uint8_t *p = msg + 2;
    size_t len; /* payload bytes */
    sm_status st;
    out->type = 0;
    if (n < 6u)
        return SM_ERR_FORMAT;
    len = n - 6u;
    if (sm_crc32c(msg, n - 4u) !=
        (get_le16(msg + n - 4u) | ((uint32_t)get_le16(msg + n - 2u) << 16)))
        return SM_ERR_CRC;
    if (msg[0] != SM_PROTO_VERSION)
        return SM_ERR_VERSION;
    switch (msg[1]) {
#ifndef SM_PROTO_RX_CMD_ONLY
    case SM_MSG_FRAME:
        st = decode_frame(p, len, &out->u.frame);
        break;
    case SM_MSG_INFO:
        st = decode_info(p, len, &out->u.info);
        break;
    case SM_MSG_REPLY:
        if (len != SM_PROTO_REPLY_BYTES)
            return SM_ERR_FORMAT;
        out->u.reply.cmd = p[0];
        out->u.reply.token = p[1];
        out->u.reply.status = p[2];
        out->u.reply.value = get_le16(p + 3);
        st = SM_OK;
        break;
#endif
    case SM_MSG_CMD:
        if (len != SM_PROTO_CMD_BYTES)
            return SM_ERR_FORMAT;
        out->u.cmd.cmd = p[0];
        out->u.cmd.token = p[1];
        out->u.cmd.arg = get_le16(p + 2);
        st = SM_OK;
        break;
    default:
        return SM_ERR_MISMATCH;
    }
    if (st == SM_OK)
        out->type = msg[1];
    return st;
}
