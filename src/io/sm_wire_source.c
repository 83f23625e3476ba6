/*
 * A live mat on a serial port or pty: opens (and re-opens) the link, speaks protocol v1 or reads
 * plain text, and stamps frames with session time. An unplugged mat is a state, not an error:
 * the source keeps trying to reopen the port every RETRY_US and says what is going on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_source.h"
#include "sm_transport.h"

/* Reopen attempts while the mat is away: a failed open of an absent port costs microseconds,
 * and the mat is back within RETRY_US plus one frame of returning (README: a quarter of a
 * second, checked over 20 cable pulls in test_e2e_live). */
#define RETRY_US           50000u
#define RX_CHUNK           16384
#define REANCHOR_AHEAD_US  20000  /* device clock ran ahead of arrival: trust arrival */
#define REANCHOR_BEHIND_US 500000 /* more than this behind arrival: backlog or clock jump */

typedef struct {
    sm_source_t base;
    sm_wire_config_t cfg;
    char path[160];
    sm_transport_t *t;
    sm_source_status_t st;
    uint64_t last_attempt_us;
    int attempted;
    uint64_t connect_wall_us;
    uint64_t last_frame_wall_us;
    uint64_t last_poke_us;
    uint64_t last_t_us;           /* session time of the last frame handed out */
    uint64_t last_reject_wall_us; /* frames arrive but do not fit --rows/--cols */
    char reject_msg[160];
    /* text mats have no device clock: frames are spaced by their measured rate */
    uint64_t text_frames, text_first_wall_us;
    unsigned long text_checksum_at_good, text_bad_at_good; /* text counters at the last frame */
    unsigned long text_bad_at_frame; /* bad lines counted when the last frame arrived */
    int after_gap;
    /* device clock anchoring */
    int anchored;
    uint64_t dev_unwrapped, anchor_dev, anchor_session;
    uint32_t last_dev;
    /* sequence unwrap */
    int have_seq;
    uint16_t last_seq16;
    uint32_t seq32;
    /* frames lost while the link was down, from the mat's clock: the last frame before the
     * loss, and the mat's frame period (measured between consecutive frames, else its INFO) */
    int have_last_dev;
    uint32_t last_frame_dev;
    uint16_t last_frame_seq;
    double period_us;
    int estimate_pending; /* the next frame is the first after a reconnect */
    unsigned long lost_reconnecting;
    /* parser counters at the last good frame (or the connection): what arrived since */
    sm_proto_counters_t at_good;
    uint8_t token;
    uint8_t rx[RX_CHUNK];
    size_t rx_off, rx_len;
    sm_proto_parser_t parser;
    sm_proto_msg_t msg;
    sm_text_parser_t text;
    sm_plaus_t text_plaus;
    sm_raw_parser_t raw;
    uint64_t last_poll_wall_us;
    int polled; /* a poll is out, its frame not yet in */
} wire_t;

#define POLL_TIMEOUT_US 500000u /* a polled mat that has not answered is asked again */

static void send_cmd(wire_t *w, uint8_t cmd, uint16_t arg);

void sm_wire_config_default(sm_wire_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->baud = 1000000;
    cfg->format = SM_FMT_BINARY;
    cfg->pitch_mm = 25.0;
    cfg->use_termios = -1;
    cfg->stale_s = 2.0;
}

static void disconnect(wire_t *w, uint64_t wall_us)
{
    sm_transport_close(w->t);
    w->t = NULL;
    if (w->st.connected) {
        w->st.disconnects++;
        w->st.last_gap_start_us = w->last_t_us;
    }
    w->st.connected = 0;
    w->last_attempt_us = wall_us;
    snprintf(w->st.message, sizeof w->st.message,
             "Mat disconnected (%s): plug it back in - reconnecting by itself", w->path);
}

static void try_connect(wire_t *w, uint64_t wall_us)
{
    if (w->attempted && wall_us - w->last_attempt_us < RETRY_US)
        return;
    w->attempted = 1;
    w->last_attempt_us = wall_us;
    char err[200];
    sm_status s =
        sm_transport_open(w->path, w->cfg.baud, w->cfg.use_termios, &w->t, err, sizeof err);
    if (s != SM_OK) {
        if (w->st.ever_connected)
            snprintf(w->st.message, sizeof w->st.message,
                     "Mat disconnected (%s): plug it back in - reconnecting by itself", w->path);
        else
            snprintf(w->st.message, sizeof w->st.message, "%s", err);
        return;
    }
    w->st.connected = 1;
    w->connect_wall_us = wall_us;
    w->last_poke_us = wall_us;
    w->rx_off = w->rx_len = 0;
    w->anchored = 0;
    sm_proto_parser_reset_seq(&w->parser);
    w->at_good = w->parser.c;
    w->estimate_pending = w->have_last_dev;
    if (w->cfg.format == SM_FMT_TEXT) {
        /* A new connection starts a new line; the error counts are the session's. */
        sm_text_counters_t keep = w->text.c;
        sm_text_parser_init(&w->text, w->cfg.rows, w->cfg.cols);
        w->text.c = keep;
        w->text.joining = 1; /* the first line may be the tail of one sent before */
        w->text_frames = 0;
        w->text_checksum_at_good = keep.checksum_errors;
        w->text_bad_at_good = keep.bad_lines;
    }
    if (w->cfg.format == SM_FMT_RAW) {
        sm_raw_parser_restart(&w->raw);
        w->text_frames = 0;
        w->polled = 0;
    }
    snprintf(w->st.kind, sizeof w->st.kind, "%s", sm_transport_kind(w->t));
    if (w->st.ever_connected) {
        w->st.reconnects++;
        w->after_gap = 1;
    }
    w->st.message[0] = 0;
    if (w->cfg.format == SM_FMT_BINARY) {
        /* A lone delimiter ends whatever half message the mat's parser holds. */
        static const uint8_t zero = 0;
        sm_transport_write(w->t, &zero, 1);
        if (w->cfg.rate_hz)
            send_cmd(w, SM_CMD_SET_RATE, (uint16_t)w->cfg.rate_hz);
        send_cmd(w, SM_CMD_GET_INFO, 0);
        send_cmd(w, SM_CMD_START, 0);
    }
}

static void sink(void *ctx, const uint8_t *bytes, uint16_t n)
{
    wire_t *w = ctx;
    if (w->t && sm_transport_write(w->t, bytes, n) == SM_ERR_NODEV) {
        /* The read side notices the loss on its next read. */
    }
}

static void send_cmd(wire_t *w, uint8_t cmd, uint16_t arg)
{
    if (!w->t)
        return;
    sm_proto_writer_t wr;
    sm_proto_writer_init(&wr, sink, w);
    sm_proto_cmd_t c = {cmd, ++w->token, arg};
    sm_proto_write_cmd(&wr, &c);
}

static void hex_uid(const uint8_t *uid, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hx[uid[i] >> 4];
        out[2 * i + 1] = hx[uid[i] & 15];
    }
    out[16] = 0;
}

static void take_info(wire_t *w, const sm_proto_info_t *in)
{
    sm_mat_info_t *m = &w->st.mat;
    m->rows = in->rows;
    m->cols = in->cols;
    /* Values straight off the wire: keep sane defaults for nonsense. */
    if (in->pitch_dmm > 0)
        m->pitch_mm = in->pitch_dmm / 10.0;
    unsigned bits = in->sample_bits >= 1 && in->sample_bits <= 12 ? in->sample_bits : 12;
    m->sample_max = (uint16_t)((1u << bits) - 1u);
    m->rate_hz = in->rate_hz;
    hex_uid(in->uid, m->uid);
    memcpy(m->name, in->name, 16);
    m->name[16] = 0;
    snprintf(m->firmware, sizeof m->firmware, "%u.%u.%u", in->fw_major, in->fw_minor, in->fw_patch);
    w->st.have_info = 1;
}

/* Session time for a frame: the device clock gives even spacing, the arrival time keeps it
 * honest. Re-anchor when they disagree (device restart, backlog, clock drift). */
static uint64_t stamp(wire_t *w, uint32_t dev_t, int has_dev, uint64_t wall_us)
{
    uint64_t t;
    if (!has_dev) {
        t = wall_us;
    } else {
        if (!w->anchored) {
            w->anchored = 1;
            w->dev_unwrapped = dev_t;
            w->anchor_dev = dev_t;
            w->anchor_session = wall_us;
        } else {
            w->dev_unwrapped += (uint32_t)(dev_t - w->last_dev);
        }
        w->last_dev = dev_t;
        int64_t off = (int64_t)(w->dev_unwrapped - w->anchor_dev);
        int64_t cand = (int64_t)w->anchor_session + off;
        if (off < 0 || cand > (int64_t)wall_us + REANCHOR_AHEAD_US ||
            cand + REANCHOR_BEHIND_US < (int64_t)wall_us) {
            w->anchor_dev = w->dev_unwrapped;
            w->anchor_session = wall_us;
            cand = (int64_t)wall_us;
        }
        t = (uint64_t)cand;
    }
    if (w->last_t_us && t <= w->last_t_us)
        t = w->last_t_us + 1;
    return t;
}

/* Frame numbers keep the mat's own count (mod 65536) for the whole session, across reconnects
 * and device restarts, so a recording's seq matches the mat's and never runs backwards. */
static uint32_t unwrap_seq(wire_t *w, uint16_t seq)
{
    if (!w->have_seq) {
        w->have_seq = 1;
        w->seq32 = seq;
    } else {
        uint16_t d = (uint16_t)(seq - w->last_seq16);
        w->seq32 += d ? d : 0x10000u; /* the same number again can only be a restart */
    }
    w->last_seq16 = seq;
    return w->seq32;
}

static int deliver(wire_t *w, uint64_t wall_us, sm_frame_t *out)
{
    if (w->after_gap) {
        out->flags |= SM_FRAME_AFTER_GAP;
        w->after_gap = 0;
        w->st.last_gap_end_us = out->t_us;
    }
    w->last_t_us = out->t_us;
    w->last_frame_wall_us = wall_us;
    if (!w->st.ever_connected)
        w->st.ever_connected = 1;
    w->st.message[0] = 0;
    if (!w->st.have_info || w->st.mat.rows != out->rows || w->st.mat.cols != out->cols) {
        w->st.mat.rows = out->rows;
        w->st.mat.cols = out->cols;
        if (w->st.mat.pitch_mm <= 0)
            w->st.mat.pitch_mm = w->cfg.pitch_mm;
    }
    return 1;
}

/* The first frame after a reconnect: how many frames did the mat scan while the link was
 * down? From its clock: either it kept running (time since the last frame we got, over the
 * frame period, minus one) or it restarted (a pulled USB cable powers it off), and then every
 * frame since its boot was lost (its clock, over the period). The sequence number tells which:
 * a restarted mat counts from 0 again, so its seq fits its clock from boot; a running one's
 * fits the time since the last frame. */
static void estimate_reconnect_loss(wire_t *w, uint16_t seq, uint32_t dev_t, uint64_t wall_us)
{
    w->estimate_pending = 0;
    if (!w->have_last_dev || !(w->period_us > 0))
        return;
    double since_last = (double)(uint32_t)(dev_t - w->last_frame_dev) / w->period_us;
    double since_boot = (double)dev_t / w->period_us;
    double seq_run = (double)(uint16_t)(seq - w->last_frame_seq), seq_boot = seq;
    int restarted =
        dev_t < w->last_frame_dev || fabs(seq_boot - since_boot) < fabs(seq_run - since_last);
    double n = restarted ? since_boot : since_last - 1.0;
    /* Never more than fit in the time we were away (another mat, or a clock gone wild). */
    double away = (double)(wall_us - w->last_frame_wall_us) / w->period_us;
    if (n > away)
        n = away;
    if (n >= 0.5 && n < 4e9)
        w->lost_reconnecting += (unsigned long)llround(n);
}

/* Remember the frame (mat clock and seq) and learn the frame period between consecutive
 * frames. */
static void note_frame(wire_t *w, uint16_t seq, uint32_t dev_t)
{
    if (w->have_last_dev && !w->estimate_pending && (uint16_t)(seq - w->last_frame_seq) == 1u) {
        double d = (double)(uint32_t)(dev_t - w->last_frame_dev);
        if (d > 0 && d < 10e6)
            w->period_us = w->period_us > 0 ? 0.9 * w->period_us + 0.1 * d : d;
    }
    w->have_last_dev = 1;
    w->last_frame_dev = dev_t;
    w->last_frame_seq = seq;
}

static int take_binary(wire_t *w, uint64_t wall_us, sm_frame_t *out)
{
    while (w->rx_off < w->rx_len) {
        int got = 0;
        size_t used = sm_proto_parser_feed(&w->parser, w->rx + w->rx_off, w->rx_len - w->rx_off,
                                           &w->msg, &got);
        w->rx_off += used;
        if (!got)
            continue;
        if (w->msg.type == SM_MSG_INFO) {
            /* INFO comes at boot too: a restarted mat starts counting frames again. */
            take_info(w, &w->msg.u.info);
            sm_proto_parser_reset_seq(&w->parser);
            continue;
        }
        if (w->msg.type != SM_MSG_FRAME)
            continue; /* replies: nothing waits on them yet */
        const sm_proto_frame_t *pf = &w->msg.u.frame;
        if ((w->cfg.rows && pf->rows != w->cfg.rows) || (w->cfg.cols && pf->cols != w->cfg.cols)) {
            snprintf(w->reject_msg, sizeof w->reject_msg,
                     "the mat sends %ux%u frames but --rows/--cols say %ux%u: fix the options",
                     pf->rows, pf->cols, w->cfg.rows, w->cfg.cols);
            snprintf(w->st.message, sizeof w->st.message, "%s", w->reject_msg);
            w->last_reject_wall_us = wall_us;
            continue;
        }
        if (w->estimate_pending) {
            if (!(w->period_us > 0) && w->st.have_info && w->st.mat.rate_hz > 0)
                w->period_us = 1e6 / w->st.mat.rate_hz;
            estimate_reconnect_loss(w, pf->seq, pf->t_us, wall_us);
        }
        note_frame(w, pf->seq, pf->t_us);
        w->at_good = w->parser.c;
        out->rows = pf->rows;
        out->cols = pf->cols;
        out->flags = pf->flags;
        out->dev_t_us = pf->t_us;
        out->seq = unwrap_seq(w, pf->seq);
        memcpy(out->cells, pf->samples, (size_t)pf->rows * pf->cols * sizeof out->cells[0]);
        out->t_us = stamp(w, pf->t_us, 1, wall_us);
        return deliver(w, wall_us, out);
    }
    return 0;
}

/* Frames without a device clock (text and raw mats) are spaced by the rate measured since the
 * connection. */
static void stamp_unclocked(wire_t *w, uint64_t wall_us, sm_frame_t *out)
{
    /* USB adapters deliver lines in bursts: space frames by the rate measured since the
     * connection (a synthetic device clock), re-anchored to arrival by stamp(). */
    if (w->text_frames == 0)
        w->text_first_wall_us = wall_us;
    uint64_t span = wall_us - w->text_first_wall_us;
    if (w->text_frames >= 10 && span > 0) {
        double period = (double)span / (double)w->text_frames;
        out->t_us = stamp(w, (uint32_t)((double)w->text_frames * period), 1, wall_us);
    } else {
        w->anchored = 0;
        out->t_us = stamp(w, 0, 0, wall_us);
    }
    w->text_frames++;
}

static int take_text(wire_t *w, uint64_t wall_us, sm_frame_t *out)
{
    while (w->rx_off < w->rx_len) {
        int got = 0;
        w->rx_off +=
            sm_text_parser_feed(&w->text, w->rx + w->rx_off, w->rx_len - w->rx_off, out, &got);
        if (!got)
            continue;
        out->flags = 0;
        out->dev_t_us = 0;
        out->seq = ++w->seq32;
        w->text_checksum_at_good = w->text.c.checksum_errors;
        w->text_bad_at_good = w->text.c.bad_lines;
        stamp_unclocked(w, wall_us, out);
        sm_plaus_push(&w->text_plaus, out->cells, (size_t)out->rows * out->cols);
        w->text_bad_at_frame = w->text.c.bad_lines;
        return deliver(w, wall_us, out);
    }
    return 0;
}

/* No good frame for a while: noise or the wrong speed? At the wrong baud rate the bytes are
 * garbage: delimiters come at random and what lies between them is hardly ever a well-framed
 * message (about 1 in 100), so resyncs dominate. A noisy link still frames its messages (a
 * flipped byte rarely hits a COBS code byte or makes a 0x00): complete messages that fail
 * only their CRC dominate. Text links: lines that fail their checksum against lines that do
 * not parse at all. */
static int noisy(const wire_t *w)
{
    if (w->cfg.format == SM_FMT_TEXT)
        return w->text.c.checksum_errors > w->text_checksum_at_good &&
               w->text.c.checksum_errors - w->text_checksum_at_good >=
                   (w->text.c.bad_lines - w->text_bad_at_good) / 2;
    unsigned long crc = w->parser.c.crc_errors - w->at_good.crc_errors;
    unsigned long resync = w->parser.c.resyncs - w->at_good.resyncs;
    return crc >= 2 && 4 * crc >= resync;
}

/* Mats that answer a poll byte with one frame: ask again when the answer is in (no faster than
 * --rate), or when none came within POLL_TIMEOUT_US (what had arrived is dropped). */
static void poll_mat(wire_t *w, uint64_t wall_us)
{
    if (w->cfg.raw.poll < 0 || !w->t)
        return;
    uint64_t since = wall_us - w->last_poll_wall_us;
    uint64_t period = w->cfg.rate_hz ? 1000000u / w->cfg.rate_hz : 0;
    if (w->polled && since < POLL_TIMEOUT_US)
        return;
    if (!w->polled && w->last_poll_wall_us && since < period)
        return;
    sm_raw_parser_restart(&w->raw);
    uint8_t b = (uint8_t)w->cfg.raw.poll;
    sm_transport_write(w->t, &b, 1);
    w->last_poll_wall_us = wall_us ? wall_us : 1;
    w->polled = 1;
}

static int take_raw(wire_t *w, uint64_t wall_us, sm_frame_t *out)
{
    while (w->rx_off < w->rx_len) {
        int got = 0;
        w->rx_off += sm_raw_parser_feed(&w->raw, w->rx + w->rx_off, w->rx_len - w->rx_off, &got);
        if (!got)
            continue;
        w->polled = 0;
        out->rows = w->cfg.raw.rows;
        out->cols = w->cfg.raw.cols;
        memcpy(out->cells, w->raw.cells, (size_t)out->rows * out->cols * sizeof out->cells[0]);
        out->flags = 0;
        out->dev_t_us = 0;
        out->seq = ++w->seq32;
        stamp_unclocked(w, wall_us, out);
        w->text_bad_at_frame = w->raw.c.length_errors + w->raw.c.range_errors;
        return deliver(w, wall_us, out);
    }
    return 0;
}

/* Why no frame came from a raw mat, in words. */
static void raw_stale_message(wire_t *w, double since_s)
{
    const sm_raw_counters_t *c = &w->raw.c;
    const sm_raw_spec_t *sp = &w->cfg.raw;
    size_t want = sm_raw_payload_bytes(sp);
    int new_errors = c->length_errors + c->range_errors > w->text_bad_at_frame;
    if (!new_errors)
        snprintf(w->st.message, sizeof w->st.message,
                 "no frames from %s in %.0f s (%s): check the baud rate (--baud %d now), "
                 "the format and that the mat is sending",
                 w->path, since_s, w->cfg.raw_desc, w->cfg.baud);
    else if (c->last_len)
        snprintf(w->st.message, sizeof w->st.message,
                 "no frames from %s: %lu bytes came between %s; %ux%u %s samples are %zu", w->path,
                 c->last_len, sp->trailer_len ? "trailers" : "headers", (unsigned)sp->rows,
                 (unsigned)sp->cols, sp->sample == SM_RAW_U8 ? "u8" : "16-bit", want);
    else if (c->range_errors)
        snprintf(w->st.message, sizeof w->st.message,
                 "no frames from %s: %lu frames had samples above %u: check sample= and "
                 "--rows/--cols",
                 w->path, c->range_errors, (unsigned)sm_raw_full_scale(sp));
    else if (c->length_errors)
        snprintf(w->st.message, sizeof w->st.message,
                 "no frames from %s: %lu frames did not end where %ux%u samples (%zu bytes) "
                 "should: check --rows/--cols and sample=",
                 w->path, c->length_errors, (unsigned)sp->rows, (unsigned)sp->cols, want);
    else
        snprintf(w->st.message, sizeof w->st.message,
                 "no frames from %s in %.0f s (%s): check the baud rate (--baud %d now), "
                 "the format and that the mat is sending",
                 w->path, since_s, w->cfg.raw_desc, w->cfg.baud);
}

static sm_status wire_next(sm_source_t *s, uint64_t wall_us, sm_frame_t *out)
{
    wire_t *w = (wire_t *)s;
    if (!w->t)
        try_connect(w, wall_us);
    if (!w->t)
        return SM_EMPTY;
    if (w->cfg.format == SM_FMT_RAW)
        poll_mat(w, wall_us);
    for (int round = 0; round < 4; round++) {
        int got = w->cfg.format == SM_FMT_TEXT  ? take_text(w, wall_us, out)
                  : w->cfg.format == SM_FMT_RAW ? take_raw(w, wall_us, out)
                                                : take_binary(w, wall_us, out);
        if (got)
            return SM_OK;
        size_t n = 0;
        sm_status rs = sm_transport_read(w->t, w->rx, sizeof w->rx, &n);
        if (rs == SM_ERR_NODEV) {
            disconnect(w, wall_us);
            return SM_EMPTY;
        }
        w->rx_off = 0;
        w->rx_len = n;
        w->st.rx_bytes += n;
        if (n == 0)
            break;
    }
    uint64_t since = wall_us - (w->last_frame_wall_us > w->connect_wall_us ? w->last_frame_wall_us
                                                                           : w->connect_wall_us);
    if (since > (uint64_t)(w->cfg.stale_s * 1e6) && w->last_reject_wall_us &&
        wall_us - w->last_reject_wall_us < (uint64_t)(w->cfg.stale_s * 1e6)) {
        snprintf(w->st.message, sizeof w->st.message, "%s", w->reject_msg); /* the real reason */
    } else if (since > (uint64_t)(w->cfg.stale_s * 1e6) && w->cfg.format == SM_FMT_RAW) {
        raw_stale_message(w, since / 1e6);
    } else if (since > (uint64_t)(w->cfg.stale_s * 1e6) && w->cfg.format == SM_FMT_TEXT &&
               w->text.c.last_wrong_count && w->text.c.bad_lines > w->text_bad_at_frame) {
        /* Lines arrive but have the wrong length: say what was seen, not "check the baud". */
        size_t seen = w->text.c.last_wrong_count, cells = (size_t)w->cfg.rows * w->cfg.cols;
        if (w->cfg.rows > 1 && seen > 2u * w->cfg.cols)
            snprintf(w->st.message, sizeof w->st.message,
                     "no frames from %s: lines have %zu numbers; --rows x --cols is %zu", w->path,
                     seen, cells);
        else
            snprintf(w->st.message, sizeof w->st.message,
                     "no frames from %s: lines have %zu numbers; --cols is %u", w->path, seen,
                     (unsigned)w->cfg.cols);
    } else if (since > (uint64_t)(w->cfg.stale_s * 1e6) && noisy(w)) {
        snprintf(w->st.message, sizeof w->st.message,
                 "no good frame from %s in %.0f s: frames arrive but damaged (%s): the link is "
                 "noisy - check the cable and keep it away from motors and mains leads (EMI)",
                 w->path, since / 1e6,
                 w->cfg.format == SM_FMT_TEXT ? "bad line checksums" : "CRC errors");
    } else if (since > (uint64_t)(w->cfg.stale_s * 1e6)) {
        snprintf(
            w->st.message, sizeof w->st.message,
            "no frames from %s in %.0f s: check the baud rate (--baud %d now)%s and that the mat "
            "firmware is running",
            w->path, since / 1e6, w->cfg.baud,
            w->cfg.format == SM_FMT_TEXT ? ", --rows/--cols" : "");
        if (w->cfg.format == SM_FMT_BINARY &&
            wall_us - w->last_poke_us > (uint64_t)(w->cfg.stale_s * 1e6)) {
            w->last_poke_us = wall_us;
            send_cmd(w, SM_CMD_GET_INFO, 0);
            send_cmd(w, SM_CMD_START, 0);
        }
    }
    return SM_EMPTY;
}

static int wire_fd(sm_source_t *s)
{
    wire_t *w = (wire_t *)s;
    return sm_transport_fd(w->t); /* buffered bytes are announced by due_ms() == 0 */
}

static int wire_due_ms(sm_source_t *s, uint64_t wall_us)
{
    wire_t *w = (wire_t *)s;
    if (w->rx_off < w->rx_len)
        return 0;
    if (!w->t) {
        uint64_t next = w->last_attempt_us + RETRY_US;
        return next > wall_us ? (int)((next - wall_us) / 1000) + 1 : 0;
    }
    return -1;
}

static void wire_status(sm_source_t *s, sm_source_status_t *st)
{
    wire_t *w = (wire_t *)s;
    w->st.proto = w->parser.c;
    w->st.proto.frames_lost += w->lost_reconnecting;
    if (w->cfg.format == SM_FMT_TEXT) {
        w->st.text = w->text.c;
        w->st.proto.frames_lost += w->text.c.frames_lost; /* text mats: frames on lost lines */
        w->st.suspect_frames = w->text_plaus.suspect;
        w->st.no_checksum = !w->text.checksummed; /* `*HH` lines carry one */
    }
    if (w->cfg.format == SM_FMT_RAW) {
        w->st.raw = w->raw.c;
        w->st.suspect_frames = w->raw.c.suspect;
    }
    *st = w->st;
}

static sm_status wire_control(sm_source_t *s, sm_source_ctl ctl, double arg, uint64_t wall_us)
{
    wire_t *w = (wire_t *)s;
    (void)wall_us;
    if (w->cfg.format != SM_FMT_BINARY || !w->t)
        return SM_ERR_ARG;
    if (ctl == SM_CTL_RATE && arg >= 1 && arg <= 65535) {
        send_cmd(w, SM_CMD_SET_RATE, (uint16_t)arg);
        return SM_OK;
    }
    if (ctl == SM_CTL_IDENTIFY) {
        send_cmd(w, SM_CMD_IDENTIFY, 0);
        return SM_OK;
    }
    return SM_ERR_ARG;
}

static void wire_destroy(sm_source_t *s)
{
    wire_t *w = (wire_t *)s;
    if (w->t && w->cfg.format == SM_FMT_BINARY)
        send_cmd(w, SM_CMD_STOP, 0);
    sm_transport_close(w->t);
    free(w);
}

static const sm_source_ops_t wire_ops = {wire_next,   wire_fd,      wire_due_ms,
                                         wire_status, wire_control, wire_destroy};

sm_status sm_wire_source_create(const sm_wire_config_t *cfg, sm_source_t **out, char *err,
                                size_t errlen)
{
    *out = NULL;
    if (!cfg->path || !*cfg->path) {
        snprintf(err, errlen, "no port given: use --port PATH (see 'steadymat ports')");
        return SM_ERR_ARG;
    }
    if (sm_transport_check_path(cfg->path, err, errlen) != SM_OK)
        return SM_ERR_ARG;
    if (cfg->format == SM_FMT_RAW && sm_raw_spec_check(&cfg->raw) != SM_OK) {
        snprintf(err, errlen, "the raw frame description is incomplete (see docs/raw-mats.md)");
        return SM_ERR_ARG;
    }
    if (cfg->format == SM_FMT_TEXT &&
        (cfg->rows < 1 || cfg->cols < 1 || cfg->rows > SM_MAX_ROWS || cfg->cols > SM_MAX_COLS)) {
        snprintf(err, errlen, "--format text needs --rows R --cols C (1..64 each)");
        return SM_ERR_ARG;
    }
    wire_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    w->base.ops = &wire_ops;
    w->cfg = *cfg;
    snprintf(w->path, sizeof w->path, "%s", cfg->path);
    w->cfg.path = w->path;
    sm_proto_parser_init(&w->parser);
    if (cfg->format == SM_FMT_TEXT) {
        sm_text_parser_init(&w->text, cfg->rows, cfg->cols);
        sm_plaus_init(&w->text_plaus, 1023);
    }
    if (cfg->format == SM_FMT_RAW) {
        sm_raw_parser_init(&w->raw, &cfg->raw);
        w->cfg.rows = cfg->raw.rows;
        w->cfg.cols = cfg->raw.cols;
    }
    w->st.no_checksum = cfg->format != SM_FMT_BINARY;
    w->st.wire_format = cfg->format;
    snprintf(w->st.kind, sizeof w->st.kind, "%s", "serial");
    snprintf(w->st.label, sizeof w->st.label, "%s", cfg->path);
    w->st.mat.rows = w->cfg.rows;
    w->st.mat.cols = w->cfg.cols;
    w->st.mat.pitch_mm = cfg->pitch_mm > 0 ? cfg->pitch_mm : 25.0;
    w->st.mat.sample_max = cfg->format == SM_FMT_TEXT  ? 1023
                           : cfg->format == SM_FMT_RAW ? sm_raw_full_scale(&cfg->raw)
                                                       : 4095;
    w->st.speed = 1;
    *out = &w->base;
    return SM_OK;
}
