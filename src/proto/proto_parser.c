/* Receiver: COBS decoding byte by byte, resynchronisation at 0x00, counters. */
#include <string.h>

#include "sm_proto.h"

/* Forget the message in progress: the next non-zero byte is a COBS code. */
static void restart(sm_proto_parser_t *p)
{
    p->n = 0;
    p->code = 0;
    p->block_full = 1;
    p->discarding = 0;
}

static void append(sm_proto_parser_t *p, uint8_t b)
{
    if (p->n < sizeof p->raw) {
        p->raw[p->n++] = b;
        return;
    }
    /* Longer than any valid message: most likely two messages whose delimiter was lost. Before
     * the first delimiter it is the stream the host joined midway: not an error. */
    if (p->synced) {
        p->c.length_errors++;
        p->c.resyncs++;
    } else {
        p->c.joins++;
    }
    p->discarding = 1;
}

#ifndef SM_PROTO_RX_CMD_ONLY
static void count_frame(sm_proto_parser_t *p, uint16_t seq)
{
    if (p->have_seq) {
        uint16_t lost = (uint16_t)(seq - p->last_seq - 1u);
        if (lost >= 32767u) {
            /* The count went back (or stood still): the mat restarted it, e.g. a reboot
             * without a new INFO. A new baseline, not 65,000 lost frames. */
            p->c.seq_resets++;
        } else if (lost) {
            p->c.seq_gaps++;
            p->c.frames_lost += lost;
        }
    }
    p->have_seq = 1;
    p->last_seq = seq;
    p->c.frames++;
}
#endif

/* A delimiter arrived: decode what came before it. Returns the counter to bump (messages when
 * *out is a valid message to hand out), or NULL for nothing to count. */
static uint32_t *end_message(sm_proto_parser_t *p, sm_proto_msg_t *out)
{
    int joined_midway = !p->synced;
    sm_status st;
    p->synced = 1;
    if (p->discarding || (p->n == 0 && p->code == 0 && p->block_full))
        return NULL; /* already counted, or an empty message */
    if (p->code)     /* the delimiter came inside a block: broken framing */
        return joined_midway ? &p->c.joins : &p->c.resyncs;
    st = sm_proto_decode(p->raw, p->n, out);
    if (st == SM_OK)
        return &p->c.messages;
    if (st == SM_ERR_VERSION)
        return &p->c.version_errors;
    if (st == SM_ERR_MISMATCH)
        return &p->c.unknown_types;
    if (joined_midway)
        return &p->c.joins;
    return st == SM_ERR_CRC ? &p->c.crc_errors : &p->c.length_errors;
}

void sm_proto_parser_init(sm_proto_parser_t *p)
{
    memset(&p->c, 0, sizeof p->c);
    p->synced = 0;
    p->have_seq = 0;
    p->last_seq = 0;
    restart(p);
}

void sm_proto_parser_reset_seq(sm_proto_parser_t *p)
{
    p->have_seq = 0;
    p->synced = 0;
    restart(p);
}

size_t sm_proto_parser_feed(sm_proto_parser_t *p, const uint8_t *data, size_t n,
                            sm_proto_msg_t *out, int *got)
{
    size_t i = 0;
    *got = 0;
    out->type = 0;
    while (i < n) {
        uint8_t b = data[i++];
        if (b == 0u) {
            uint32_t *counter = end_message(p, out);
            restart(p);
            if (counter) {
                (*counter)++;
                if (counter == &p->c.messages) {
#ifndef SM_PROTO_RX_CMD_ONLY
                    if (out->type == SM_MSG_FRAME)
                        count_frame(p, out->u.frame.seq);
#endif
                    *got = 1;
                    break;
                }
            }
        } else if (p->discarding) {
            /* skip to the next delimiter */
        } else if (p->code) {
            append(p, b);
            p->code--;
        } else {
            /* A code byte: the previous block's implicit zero is now known not to be the
             * message's last byte (that one COBS drops). */
            if (!p->block_full)
                append(p, 0);
            p->code = (uint8_t)(b - 1u);
            p->block_full = (b == 0xFFu);
        }
    }
    p->c.bytes += (uint32_t)i;
    return i;
}
