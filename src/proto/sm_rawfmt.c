#include "sm_rawfmt.h"

#include <string.h>

static size_t sample_bytes(sm_raw_sample s)
{
    return s == SM_RAW_U8 ? 1u : 2u;
}

size_t sm_raw_payload_bytes(const sm_raw_spec_t *spec)
{
    return (size_t)spec->rows * spec->cols * sample_bytes(spec->sample);
}

uint16_t sm_raw_full_scale(const sm_raw_spec_t *spec)
{
    if (spec->max)
        return spec->max;
    switch (spec->sample) {
    case SM_RAW_U8:
        return 255;
    case SM_RAW_U12LE:
        return 4095;
    default:
        return 65535;
    }
}

sm_status sm_raw_spec_check(const sm_raw_spec_t *spec)
{
    if (!spec)
        return SM_ERR_ARG;
    if (spec->rows < 1 || spec->rows > 64 || spec->cols < 1 || spec->cols > 64 ||
        spec->header_len > SM_RAW_MAX_MARK || spec->trailer_len > SM_RAW_MAX_MARK ||
        spec->sample > SM_RAW_U12LE || spec->poll > 255)
        return SM_ERR_RANGE;
    if (spec->header_len == 0 && spec->trailer_len == 0 && spec->poll < 0)
        return SM_ERR_ARG; /* nothing says where a frame starts */
    return SM_OK;
}

/* ---- plausibility ---- */

void sm_plaus_init(sm_plaus_t *p, uint32_t full_scale)
{
    p->cells = 0;
    p->have = 0;
    p->full = full_scale ? full_scale : 1;
    p->suspect = 0;
}

static uint32_t distance(const uint16_t *a, const uint16_t *b, size_t n)
{
    uint32_t d = 0; /* at most 4096 x 65535 < 2^32 */
    for (size_t i = 0; i < n; i++)
        d += a[i] > b[i] ? (uint32_t)(a[i] - b[i]) : (uint32_t)(b[i] - a[i]);
    return d;
}

int sm_plaus_push(sm_plaus_t *p, const uint16_t *cells, size_t n)
{
    if (n == 0 || n > SM_RAW_MAX_CELLS)
        return 0;
    if (n != p->cells) {
        p->cells = n;
        p->have = 0;
    }
    int flagged = 0;
    if (p->have >= 2) {
        /* "Wildly", on the scale the neighbours actually use (a 16-bit module whose readings
         * stay below 4096 must not need a change of 4096 a cell): a mean change of more than
         * 1/16 of their highest reading per cell, out and back again. */
        uint32_t ref = p->full / 256u;
        for (size_t i = 0; i < n; i++) {
            if (p->prev2[i] > ref)
                ref = p->prev2[i];
            if (cells[i] > ref)
                ref = cells[i];
        }
        uint32_t wild = (uint32_t)(n * (ref / 16u + 1u));
        uint32_t out = distance(p->prev, p->prev2, n), back = distance(cells, p->prev, n);
        if (out > wild && back > wild && distance(cells, p->prev2, n) < wild / 4u) {
            p->suspect++;
            flagged = 1;
        }
    }
    memcpy(p->prev2, p->prev, n * sizeof p->prev[0]);
    memcpy(p->prev, cells, n * sizeof p->prev[0]);
    if (p->have < 2)
        p->have++;
    return flagged;
}

/* ---- parser ---- */

sm_status sm_raw_parser_init(sm_raw_parser_t *p, const sm_raw_spec_t *spec)
{
    memset(&p->c, 0, sizeof p->c);
    p->n = 0;
    p->mark_got = 0;
    p->in_frame = 0;
    p->synced = 0;
    p->since = 0;
    p->cand = 0;
    p->cand_since = 0;
    p->gap = 0;
    p->pending = 0;
    p->need = 0;
    sm_status s = sm_raw_spec_check(spec);
    if (s != SM_OK)
        return s;
    p->spec = *spec;
    p->need = sm_raw_payload_bytes(spec) + spec->trailer_len;
    sm_plaus_init(&p->plaus, sm_raw_full_scale(spec));
    return SM_OK;
}

void sm_raw_parser_restart(sm_raw_parser_t *p)
{
    if (p->need == 0)
        return;
    if (p->spec.header_len ? p->in_frame && p->n > 0 : p->n > 0 && p->spec.trailer_len == 0)
        p->c.length_errors++;
    if (p->spec.header_len || p->spec.trailer_len == 0)
        p->n = 0;
    p->in_frame = 0;
    p->mark_got = 0;
    p->pending = 0;
}

/* Samples buf[0..payload) into cells (row-major); 0 when one is out of range. */
static int decode(sm_raw_parser_t *p)
{
    const sm_raw_spec_t *s = &p->spec;
    size_t cells = (size_t)s->rows * s->cols;
    uint16_t full = sm_raw_full_scale(s);
    for (size_t i = 0; i < cells; i++) {
        const uint8_t *b = p->buf + i * sample_bytes(s->sample);
        uint16_t v;
        if (s->sample == SM_RAW_U8)
            v = b[0];
        else if (s->sample == SM_RAW_U16BE)
            v = (uint16_t)(b[0] << 8 | b[1]);
        else
            v = (uint16_t)(b[1] << 8 | b[0]);
        if (v > full)
            return 0;
        size_t at = i;
        if (s->col_order) /* wire index i = c * rows + r */
            at = (i % s->rows) * s->cols + i / s->rows;
        p->cells[at] = v;
    }
    return 1;
}

static void hand_out(sm_raw_parser_t *p)
{
    p->c.frames++;
    if (sm_plaus_push(&p->plaus, p->cells, (size_t)p->spec.rows * p->spec.cols))
        p->c.suspect++;
}

/* A complete frame is in buf: 1 when it is handed out. */
static int complete(sm_raw_parser_t *p)
{
    if (!decode(p)) {
        p->c.range_errors++;
        return 0;
    }
    hand_out(p);
    return 1;
}

static int ends_with_trailer(const sm_raw_parser_t *p, size_t n)
{
    size_t tl = p->spec.trailer_len;
    return n >= tl && memcmp(p->buf + n - tl, p->spec.trailer, tl) == 0;
}

/* Header mode: one byte while hunting for the header. The longest end of what matched so far
 * (plus b) that is a start of the header stays matched, so "AA AA AB AC" finds "AA AB AC". */
static void hunt(sm_raw_parser_t *p, uint8_t b)
{
    const uint8_t *h = p->spec.header;
    size_t m = p->mark_got;
    if (b == h[m]) {
        p->mark_got = m + 1;
        return;
    }
    uint8_t w[SM_RAW_MAX_MARK + 1];
    memcpy(w, h, m);
    w[m] = b;
    size_t len = m + 1, k = len - 1;
    for (; k > 0; k--)
        if (memcmp(w + len - k, h, k) == 0)
            break;
    p->c.bytes_skipped += len - k;
    p->gap += len - k;
    p->mark_got = k;
}

/* Header mode, a frame's bytes are in: is the next header inside them (the mat's frames are
 * shorter)? Returns its position, or 0. */
static size_t header_inside(const sm_raw_parser_t *p)
{
    size_t hl = p->spec.header_len, payload = p->need - p->spec.trailer_len;
    for (size_t i = 1; i + hl <= payload; i++)
        if (memcmp(p->buf + i, p->spec.header, hl) == 0)
            return i;
    return 0;
}

/* Trailer mode: buf[0..n) holds need bytes without the trailer at the end. Resynchronise at the
 * last trailer inside them, or keep only what could still be the start of a trailer. */
static void trailer_resync(sm_raw_parser_t *p)
{
    size_t tl = p->spec.trailer_len;
    if (p->cand) {
        if (p->synced) {
            p->c.length_errors++;
            p->c.last_len = p->cand_since - tl;
        } else {
            p->c.bytes_skipped += p->cand;
        }
        size_t rest = p->n - p->cand;
        memmove(p->buf, p->buf + p->cand, rest);
        p->n = rest;
        p->since = rest;
        p->synced = 1;
        p->cand = 0;
        for (size_t e = tl; e <= rest; e++) /* the next trailer among the rest */
            if (ends_with_trailer(p, e)) {
                p->cand = e;
                p->cand_since = e;
                break;
            }
        return;
    }
    size_t keep = tl - 1;
    p->c.bytes_skipped += p->synced ? 0 : p->n - keep;
    memmove(p->buf, p->buf + p->n - keep, keep);
    p->n = keep;
}

size_t sm_raw_parser_feed(sm_raw_parser_t *p, const uint8_t *data, size_t n, int *got)
{
    *got = 0;
    if (p->need == 0)
        return n;
    const sm_raw_spec_t *s = &p->spec;
    size_t i = 0;
    while (i < n) {
        uint8_t b = data[i++];
        if (s->header_len) {
            if (!p->in_frame) {
                hunt(p, b);
                if (p->mark_got == s->header_len) {
                    p->in_frame = 1;
                    p->mark_got = 0;
                    p->n = 0;
                    unsigned long gap = p->gap;
                    p->gap = 0;
                    if (p->pending) { /* the frame before: did this header follow it at once? */
                        p->pending = 0;
                        if (gap == 0) {
                            hand_out(p);
                            *got = 1;
                            return i;
                        }
                        p->c.length_errors++;
                        p->c.last_len = p->need + gap;
                    }
                }
                continue;
            }
            p->buf[p->n++] = b;
            if (p->n < p->need)
                continue;
            p->in_frame = 0;
            p->n = 0;
            if (!ends_with_trailer(p, p->need)) {
                p->c.length_errors++;
                continue;
            }
            size_t at = s->trailer_len ? 0 : header_inside(p);
            if (at) { /* shorter frames: the next one started at `at` */
                p->c.length_errors++;
                p->c.last_len = at;
                size_t rest = p->need - at - s->header_len;
                memmove(p->buf, p->buf + at + s->header_len, rest);
                p->n = rest;
                p->in_frame = 1;
                p->pending = 0;
                continue;
            }
            if (!s->trailer_len && s->poll < 0) { /* checked when the next header comes */
                if (decode(p))
                    p->pending = 1;
                else
                    p->c.range_errors++;
                continue;
            }
            if (complete(p)) {
                *got = 1;
                return i;
            }
            continue;
        }
        p->buf[p->n++] = b;
        if (s->trailer_len == 0) { /* poll mats: the bytes after each poll */
            if (p->n == p->need) {
                p->n = 0;
                if (complete(p)) {
                    *got = 1;
                    return i;
                }
            }
            continue;
        }
        p->since++;
        if (ends_with_trailer(p, p->n)) {
            if (p->n == p->need) {
                p->n = 0;
                p->since = 0;
                p->synced = 1;
                p->cand = 0;
                if (complete(p)) {
                    *got = 1;
                    return i;
                }
                continue;
            }
            if (!p->cand) { /* the earliest: a wrong one costs a frame, later ones are tried */
                p->cand = p->n;
                p->cand_since = p->since;
            }
        }
        if (p->n == p->need)
            trailer_resync(p);
    }
    return n;
}
