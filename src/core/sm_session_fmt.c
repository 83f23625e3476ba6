#include "sm_session_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_proto.h"

/* ---- little-endian helpers ---- */
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

static void putf64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put64(p, v);
}

static double getf64(const uint8_t *p)
{
    uint64_t v = get64(p);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* strnlen is POSIX, not C99. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

static void errf(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* Writes a u8-length string cut to max bytes; returns the new offset, 0 if it does not fit. */
static size_t put_str(uint8_t *buf, size_t off, size_t cap, const char *s, size_t max)
{
    size_t n = s ? bounded_len(s, max) : 0;
    if (off + 1 + n > cap)
        return 0;
    buf[off] = (uint8_t)n;
    if (n)
        memcpy(buf + off + 1, s, n);
    return off + 1 + n;
}

/* Reads a u8-length string into out (size outsz, keeps outsz-1 bytes); embedded NULs end it.
 * Returns the new offset, 0 when the string runs past end. */
static size_t get_str(const uint8_t *buf, size_t off, size_t end, char *out, size_t outsz)
{
    if (off >= end)
        return 0;
    size_t n = buf[off];
    if (off + 1 + n > end)
        return 0;
    size_t keep = n < outsz - 1 ? n : outsz - 1;
    memcpy(out, buf + off + 1, keep);
    out[keep] = 0;
    return off + 1 + n;
}

/* ---- header ---- */
size_t sm_sessfmt_encode_header(const sm_session_header_t *h, uint8_t *buf, size_t cap)
{
    const sm_mat_info_t *m = &h->mat;
    if (m->rows < 1 || m->rows > SM_MAX_ROWS || m->cols < 1 || m->cols > SM_MAX_COLS)
        return 0;
    if (cap < SM_SESSFMT_HDR_FIXED + 32)
        return 0;
    memcpy(buf, SM_SESSFMT_MAGIC, SM_SESSFMT_MAGIC_LEN);
    put16(buf + 8, SM_SESSION_VERSION);
    put16(buf + 10, SM_SESSION_VERSION_MINOR);
    uint8_t *b = buf + SM_SESSFMT_HDR_FIXED;
    put16(b + 0, m->rows);
    put16(b + 2, m->cols);
    put16(b + 4, m->sample_max);
    put16(b + 6, 0);
    /* What a reader would refuse is written as unknown (0). */
    putf64(b + 8, m->pitch_mm >= SM_SESSFMT_PITCH_MIN_MM && m->pitch_mm <= SM_SESSFMT_PITCH_MAX_MM
                      ? m->pitch_mm
                      : 0.0);
    putf64(b + 16, m->rate_hz >= SM_SESSFMT_RATE_MIN_HZ && m->rate_hz <= SM_SESSFMT_RATE_MAX_HZ
                       ? m->rate_hz
                       : 0.0);
    put64(b + 24, h->start_unix_ms > 0 && h->start_unix_ms <= SM_SESSFMT_START_MAX_MS
                      ? (uint64_t)h->start_unix_ms
                      : 0);
    size_t off = SM_SESSFMT_HDR_FIXED + 32;
    if (!(off = put_str(buf, off, cap, m->uid, 16)) ||
        !(off = put_str(buf, off, cap, m->name, 16)) ||
        !(off = put_str(buf, off, cap, m->firmware, 15)) ||
        !(off = put_str(buf, off, cap, h->source, 127)))
        return 0;
    if (off + 4 > cap)
        return 0;
    put32(buf + 12, (uint32_t)(off - SM_SESSFMT_HDR_FIXED));
    put32(buf + off, sm_crc32c(buf + 8, off - 8));
    return off + 4;
}

sm_status sm_sessfmt_decode_header(const uint8_t *buf, size_t n, sm_session_header_t *h,
                                   size_t *hdr_len, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    *hdr_len = 0;
    char msg[128];
    if (n == 0) {
        errf(err, errlen, "empty file, not a SteadyMat session");
        return SM_ERR_FORMAT;
    }
    size_t cmp = n < SM_SESSFMT_MAGIC_LEN ? n : SM_SESSFMT_MAGIC_LEN;
    if (memcmp(buf, SM_SESSFMT_MAGIC, cmp) != 0) {
        /* "\x89SMS" then "\n\x1a" instead of "\r\n\x1a": an FTP/git text-mode transfer. */
        if (n >= 7 && memcmp(buf, SM_SESSFMT_MAGIC, 4) == 0 && buf[4] == '\n' && buf[5] == 0x1a)
            errf(err, errlen,
                 "not a usable SteadyMat session: damaged by a text-mode copy (line endings "
                 "converted); copy it again in binary mode");
        else
            errf(err, errlen, "not a SteadyMat session (bad magic)");
        return SM_ERR_FORMAT;
    }
    /* Bytes 8..9 are enough to tell a newer version: the more useful message, so it comes
     * before any complaint about the rest of a header whose layout may have changed. */
    if (n >= 10 && get16(buf + 8) > SM_SESSION_VERSION) {
        snprintf(msg, sizeof msg,
                 "session version %u is newer than this SteadyMat supports (%d): update SteadyMat",
                 (unsigned)get16(buf + 8), SM_SESSION_VERSION);
        errf(err, errlen, msg);
        return SM_ERR_VERSION;
    }
    if (n < SM_SESSFMT_HDR_FIXED) {
        snprintf(msg, sizeof msg, "header truncated at byte %zu", n);
        errf(err, errlen, msg);
        return SM_ERR_FORMAT;
    }
    unsigned major = get16(buf + 8);
    if (major == 0) {
        errf(err, errlen, "not a SteadyMat session (version 0)");
        return SM_ERR_FORMAT;
    }
    uint32_t body = get32(buf + 12);
    if (body < SM_SESSFMT_HDR_BODY_MIN || body > SM_SESSFMT_HDR_BODY_MAX) {
        snprintf(msg, sizeof msg, "session header is damaged (length %lu)", (unsigned long)body);
        errf(err, errlen, msg);
        return SM_ERR_FORMAT;
    }
    size_t total = SM_SESSFMT_HDR_FIXED + (size_t)body + 4;
    if (n < total) {
        snprintf(msg, sizeof msg, "header truncated at byte %zu (it needs %zu bytes)", n, total);
        errf(err, errlen, msg);
        return SM_ERR_FORMAT;
    }
    size_t end = SM_SESSFMT_HDR_FIXED + body;
    if (sm_crc32c(buf + 8, end - 8) != get32(buf + end)) {
        errf(err, errlen, "session header is damaged (checksum mismatch)");
        return SM_ERR_CRC;
    }
    const uint8_t *b = buf + SM_SESSFMT_HDR_FIXED;
    sm_mat_info_t *m = &h->mat;
    m->rows = get16(b);
    m->cols = get16(b + 2);
    m->sample_max = get16(b + 4);
    m->pitch_mm = getf64(b + 8);
    m->rate_hz = getf64(b + 16);
    h->start_unix_ms = (int64_t)get64(b + 24);
    h->version = major;
    /* A valid CRC on nonsense means a hostile or buggy writer. Values without physical sense
     * are refused by name: every later computation (mm, Hz, plots, dates) trusts them. */
    const char *bad = NULL;
    if (!(m->pitch_mm == 0 ||
          (m->pitch_mm >= SM_SESSFMT_PITCH_MIN_MM && m->pitch_mm <= SM_SESSFMT_PITCH_MAX_MM))) {
        bad = "pitch_mm";
        snprintf(msg, sizeof msg,
                 "session header is damaged: pitch_mm %g is not a cell pitch (%g..%g mm, or 0 "
                 "for unknown)",
                 m->pitch_mm, SM_SESSFMT_PITCH_MIN_MM, SM_SESSFMT_PITCH_MAX_MM);
    } else if (!(m->rate_hz == 0 ||
                 (m->rate_hz >= SM_SESSFMT_RATE_MIN_HZ && m->rate_hz <= SM_SESSFMT_RATE_MAX_HZ))) {
        bad = "rate_hz";
        snprintf(msg, sizeof msg,
                 "session header is damaged: rate_hz %g is not a frame rate (%g..%g Hz, or 0 "
                 "for unknown)",
                 m->rate_hz, SM_SESSFMT_RATE_MIN_HZ, SM_SESSFMT_RATE_MAX_HZ);
    } else if (h->start_unix_ms < 0 || h->start_unix_ms > SM_SESSFMT_START_MAX_MS) {
        bad = "start_unix_ms";
        snprintf(msg, sizeof msg,
                 "session header is damaged: start_unix_ms %lld is not a date (0 for unknown, "
                 "up to the year 9999)",
                 (long long)h->start_unix_ms);
    }
    if (bad) {
        errf(err, errlen, msg);
        memset(h, 0, sizeof *h);
        return SM_ERR_FORMAT;
    }
    if (m->rows < 1 || m->rows > SM_MAX_ROWS || m->cols < 1 || m->cols > SM_MAX_COLS) {
        snprintf(msg, sizeof msg, "session header is damaged (mat %ux%u, supported 1..64)",
                 (unsigned)m->rows, (unsigned)m->cols);
        errf(err, errlen, msg);
        memset(h, 0, sizeof *h);
        return SM_ERR_FORMAT;
    }
    size_t off = SM_SESSFMT_HDR_FIXED + 32;
    if (!(off = get_str(buf, off, end, m->uid, sizeof m->uid)) ||
        !(off = get_str(buf, off, end, m->name, sizeof m->name)) ||
        !(off = get_str(buf, off, end, m->firmware, sizeof m->firmware)) ||
        !(off = get_str(buf, off, end, h->source, sizeof h->source))) {
        errf(err, errlen, "session header is damaged (strings)");
        memset(h, 0, sizeof *h);
        return SM_ERR_FORMAT;
    }
    *hdr_len = total;
    if (err && errlen)
        err[0] = 0;
    return SM_OK;
}

/* ---- records ---- */
static size_t finish_record(uint8_t *buf, uint8_t kind, uint32_t len)
{
    buf[0] = SM_SESSFMT_SYNC0;
    buf[1] = SM_SESSFMT_SYNC1;
    buf[2] = SM_SESSFMT_SYNC2;
    buf[3] = SM_SESSFMT_SYNC3;
    buf[4] = kind;
    put32(buf + 5, len);
    put32(buf + SM_SESSFMT_REC_HEAD + len, sm_crc32c(buf + 4, 5 + (size_t)len));
    return SM_SESSFMT_REC_OVERHEAD + (size_t)len;
}

size_t sm_sessfmt_encode_frame(const sm_frame_t *f, uint8_t *buf, size_t cap)
{
    if (f->rows < 1 || f->rows > SM_MAX_ROWS || f->cols < 1 || f->cols > SM_MAX_COLS)
        return 0;
    size_t cells = (size_t)f->rows * f->cols;
    uint32_t len = (uint32_t)(SM_SESSFMT_FRAME_FIXED + 2 * cells);
    if (cap < SM_SESSFMT_REC_OVERHEAD + (size_t)len)
        return 0;
    uint8_t *p = buf + SM_SESSFMT_REC_HEAD;
    put64(p, f->t_us);
    put32(p + 8, f->seq);
    put32(p + 12, f->dev_t_us);
    put16(p + 16, f->flags);
    p[18] = (uint8_t)f->rows;
    p[19] = (uint8_t)f->cols;
    p += SM_SESSFMT_FRAME_FIXED;
    for (size_t i = 0; i < cells; i++, p += 2)
        put16(p, f->cells[i]);
    return finish_record(buf, SM_SESSFMT_REC_FRAME, len);
}

size_t sm_sessfmt_encode_gap(uint64_t start_us, uint64_t end_us, const char *reason, uint8_t *buf,
                             size_t cap)
{
    size_t rn = reason ? bounded_len(reason, 95) : 0;
    uint32_t len = (uint32_t)(SM_SESSFMT_GAP_FIXED + rn);
    if (cap < SM_SESSFMT_REC_OVERHEAD + (size_t)len)
        return 0;
    uint8_t *p = buf + SM_SESSFMT_REC_HEAD;
    put64(p, start_us);
    put64(p + 8, end_us);
    p[16] = (uint8_t)rn;
    if (rn)
        memcpy(p + 17, reason, rn);
    return finish_record(buf, SM_SESSFMT_REC_GAP, len);
}

sm_status sm_sessfmt_check_record(const uint8_t *p, size_t avail, uint8_t *kind, uint32_t *len)
{
    static const uint8_t sync[4] = {SM_SESSFMT_SYNC0, SM_SESSFMT_SYNC1, SM_SESSFMT_SYNC2,
                                    SM_SESSFMT_SYNC3};
    *kind = 0;
    *len = 0;
    size_t cmp = avail < 4 ? avail : 4;
    if (avail == 0 || memcmp(p, sync, cmp) != 0)
        return SM_ERR_FORMAT;
    if (avail < SM_SESSFMT_REC_HEAD)
        return SM_EMPTY;
    uint32_t l = get32(p + 5);
    if (p[4] == 0 || l > SM_SESSFMT_MAX_PAYLOAD)
        return SM_ERR_FORMAT;
    if (avail < SM_SESSFMT_REC_OVERHEAD + (size_t)l)
        return SM_EMPTY;
    if (sm_crc32c(p + 4, 5 + (size_t)l) != get32(p + SM_SESSFMT_REC_HEAD + l))
        return SM_ERR_CRC;
    *kind = p[4];
    *len = l;
    return SM_OK;
}

size_t sm_sessfmt_find_sync(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *q = memchr(p + i, SM_SESSFMT_SYNC0, n - i);
        if (!q)
            return n;
        i = (size_t)(q - p);
        if ((i + 1 >= n || p[i + 1] == SM_SESSFMT_SYNC1) &&
            (i + 2 >= n || p[i + 2] == SM_SESSFMT_SYNC2) &&
            (i + 3 >= n || p[i + 3] == SM_SESSFMT_SYNC3))
            return i;
        i++;
    }
    return n;
}

static int frame_geometry(const uint8_t *payload, uint32_t len, size_t *cells)
{
    if (len < SM_SESSFMT_FRAME_FIXED)
        return -1;
    unsigned rows = payload[18], cols = payload[19];
    if (rows < 1 || rows > SM_MAX_ROWS || cols < 1 || cols > SM_MAX_COLS)
        return -1;
    *cells = (size_t)rows * cols;
    if (len < SM_SESSFMT_FRAME_FIXED + 2 * *cells)
        return -1;
    return 0;
}

sm_status sm_sessfmt_peek_frame(const uint8_t *payload, uint32_t len, uint64_t *t_us,
                                uint16_t *rows, uint16_t *cols)
{
    size_t cells;
    *t_us = 0;
    *rows = *cols = 0;
    if (frame_geometry(payload, len, &cells) != 0)
        return SM_ERR_FORMAT;
    *t_us = get64(payload);
    *rows = payload[18];
    *cols = payload[19];
    return SM_OK;
}

sm_status sm_sessfmt_decode_frame(const uint8_t *payload, uint32_t len, sm_frame_t *out)
{
    size_t cells;
    if (frame_geometry(payload, len, &cells) != 0) {
        memset(out, 0, sizeof *out);
        return SM_ERR_FORMAT;
    }
    out->t_us = get64(payload);
    out->seq = get32(payload + 8);
    out->dev_t_us = get32(payload + 12);
    out->flags = get16(payload + 16);
    out->rows = payload[18];
    out->cols = payload[19];
    const uint8_t *p = payload + SM_SESSFMT_FRAME_FIXED;
    for (size_t i = 0; i < cells; i++, p += 2)
        out->cells[i] = get16(p);
    return SM_OK;
}

sm_status sm_sessfmt_decode_gap(const uint8_t *payload, uint32_t len, sm_session_record_t *out)
{
    out->gap_start_us = 0;
    out->gap_end_us = 0;
    out->gap_reason[0] = 0;
    if (len < SM_SESSFMT_GAP_FIXED)
        return SM_ERR_FORMAT;
    size_t rn = payload[16];
    if (SM_SESSFMT_GAP_FIXED + rn > len)
        return SM_ERR_FORMAT;
    out->gap_start_us = get64(payload);
    out->gap_end_us = get64(payload + 8);
    if (rn > sizeof out->gap_reason - 1)
        rn = sizeof out->gap_reason - 1;
    memcpy(out->gap_reason, payload + 17, rn);
    out->gap_reason[rn] = 0;
    return SM_OK;
}
