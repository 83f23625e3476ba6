#include "sm_session_fmt.h"

#include <limits.h>
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

/* Length of the valid UTF-8 sequence at p[0..n), 0 when it is not one. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t k;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < k || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return k;
}

/* Copies text in[0..n) into out (outsz bytes, NUL-terminated), at most max bytes of it, cut at
 * a character boundary; invalid UTF-8 and control characters (but newline and tab when
 * multiline) become '?'. Names and notes end up in reports and terminals: no escape sequence
 * or broken character gets through. Returns the bytes copied. */
static size_t clean_text(char *out, size_t outsz, const uint8_t *in, size_t n, size_t max,
                         int multiline)
{
    if (max > outsz - 1)
        max = outsz - 1;
    size_t i = 0, o = 0;
    while (i < n && in[i]) {
        size_t k = utf8_len(in + i, n - i);
        int ctl = k == 1 && (in[i] < 0x20 || in[i] == 0x7F) &&
                  !(multiline && (in[i] == '\n' || in[i] == '\t'));
        if (k == 0 || ctl) {
            if (o + 1 > max)
                break;
            out[o++] = '?';
            i += k ? k : 1;
            continue;
        }
        if (o + k > max)
            break;
        memcpy(out + o, in + i, k);
        o += k;
        i += k;
    }
    out[o] = 0;
    return o;
}

void sm_sessfmt_clean_text(const char *in, char *out, size_t outsz)
{
    if (!outsz)
        return;
    clean_text(out, outsz, (const uint8_t *)in, in ? strlen(in) : 0, outsz - 1, 0);
}

/* ---- header ---- */
/* A tagged 2.x field: tag, u16 length, value. Returns the new offset, 0 if it does not fit. */
static size_t put_tag(uint8_t *buf, size_t off, size_t cap, unsigned tag, const void *v, size_t n)
{
    if (off + 3 + n > cap)
        return 0;
    buf[off] = (uint8_t)tag;
    put16(buf + off + 1, (uint16_t)n);
    if (n)
        memcpy(buf + off + 3, v, n);
    return off + 3 + n;
}

/* A text field, cleaned and cut; nothing for empty text. */
static size_t put_text_tag(uint8_t *buf, size_t off, size_t cap, unsigned tag, const char *s,
                           size_t max, int multiline)
{
    char tmp[2048];
    size_t n =
        clean_text(tmp, sizeof tmp, (const uint8_t *)s, bounded_len(s, sizeof tmp), max, multiline);
    return n ? put_tag(buf, off, cap, tag, tmp, n) : off;
}

static size_t put_v2_fields(const sm_session_header_t *h, uint8_t *buf, size_t off, size_t cap)
{
    uint8_t v[9];
    if (!(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_PROTOCOL, h->protocol, 31, 0)))
        return 0;
    if (h->release_s > 0 && h->release_s <= SM_SESSFMT_RELEASE_MAX_S) {
        putf64(v, h->release_s);
        if (!(off = put_tag(buf, off, cap, SM_SESSFMT_TAG_RELEASE, v, 8)))
            return 0;
    }
    if (h->tool == SM_SESSTOOL_BALL || h->tool == SM_SESSTOOL_HIP_HOOK) {
        v[0] = (uint8_t)h->tool;
        double d = h->ball_diameter_mm;
        putf64(v + 1, h->tool == SM_SESSTOOL_BALL && d >= SM_SESSFMT_BALL_MIN_MM &&
                              d <= SM_SESSFMT_BALL_MAX_MM
                          ? d
                          : 0.0);
        if (!(off = put_tag(buf, off, cap, SM_SESSFMT_TAG_TOOL, v, 9)))
            return 0;
    }
    if (!(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_PATIENT, h->patient, 127, 0)) ||
        !(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_NOTES, h->notes, 2047, 1)) ||
        !(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_CALIB_ID, h->calib_id, 63, 0)) ||
        !(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_CALIB_HASH, h->calib_hash, 71, 0)) ||
        !(off = put_text_tag(buf, off, cap, SM_SESSFMT_TAG_APP_VERSION, h->app_version, 31, 0)))
        return 0;
    return off;
}

size_t sm_sessfmt_encode_header(const sm_session_header_t *h, unsigned major, uint8_t *buf,
                                size_t cap)
{
    const sm_mat_info_t *m = &h->mat;
    if (m->rows < 1 || m->rows > SM_MAX_ROWS || m->cols < 1 || m->cols > SM_MAX_COLS)
        return 0;
    if (major != 1 && major != 2)
        return 0;
    if (cap < SM_SESSFMT_HDR_FIXED + 32)
        return 0;
    memcpy(buf, SM_SESSFMT_MAGIC, SM_SESSFMT_MAGIC_LEN);
    put16(buf + 8, (uint16_t)major);
    put16(buf + 10, major == SM_SESSION_VERSION ? SM_SESSION_VERSION_MINOR : 0);
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
    if (major >= 2 && !(off = put_v2_fields(h, buf, off, cap)))
        return 0;
    if (off + 4 > cap)
        return 0;
    put32(buf + 12, (uint32_t)(off - SM_SESSFMT_HDR_FIXED));
    put32(buf + off, sm_crc32c(buf + 8, off - 8));
    return off + 4;
}

uint32_t sm_sessfmt_max_payload(unsigned major)
{
    return major >= 2 ? SM_SESSFMT_MAX_PAYLOAD_V2 : SM_SESSFMT_MAX_PAYLOAD;
}

/* The tagged fields of a 2.x header body, buf[off..end). Returns NULL, or the message. */
static const char *get_v2_fields(const uint8_t *buf, size_t off, size_t end, sm_session_header_t *h,
                                 char *msg, size_t msglen)
{
    unsigned seen = 0;
    while (off < end) {
        if (end - off < 3)
            return "session header is damaged (tagged fields)";
        unsigned tag = buf[off];
        size_t n = get16(buf + off + 1);
        const uint8_t *v = buf + off + 3;
        if (n > end - off - 3)
            return "session header is damaged (tagged fields)";
        off += 3 + n;
        if (tag >= 1 && tag <= 8) {
            if (seen & (1u << tag)) {
                snprintf(msg, msglen, "session header is damaged (field %u twice)", tag);
                return msg;
            }
            seen |= 1u << tag;
        }
        switch (tag) {
        case SM_SESSFMT_TAG_PROTOCOL:
            clean_text(h->protocol, sizeof h->protocol, v, n, 31, 0);
            break;
        case SM_SESSFMT_TAG_RELEASE:
            if (n < 8)
                return "session header is damaged (release_s)";
            h->release_s = getf64(v);
            if (!(h->release_s >= 0 && h->release_s <= SM_SESSFMT_RELEASE_MAX_S)) {
                snprintf(msg, msglen,
                         "session header is damaged: release_s %g is not a release time (0..%g "
                         "s)",
                         h->release_s, SM_SESSFMT_RELEASE_MAX_S);
                return msg;
            }
            break;
        case SM_SESSFMT_TAG_TOOL:
            if (n < 9)
                return "session header is damaged (tool)";
            /* A tool of a later minor version reads as unknown. */
            h->tool = v[0] == SM_SESSTOOL_BALL || v[0] == SM_SESSTOOL_HIP_HOOK
                          ? (sm_session_tool)v[0]
                          : SM_SESSTOOL_UNKNOWN;
            h->ball_diameter_mm = getf64(v + 1);
            if (!(h->ball_diameter_mm == 0 || (h->ball_diameter_mm >= SM_SESSFMT_BALL_MIN_MM &&
                                               h->ball_diameter_mm <= SM_SESSFMT_BALL_MAX_MM))) {
                snprintf(msg, msglen,
                         "session header is damaged: ball_diameter_mm %g is not a ball (%g..%g "
                         "mm, or 0 for unknown)",
                         h->ball_diameter_mm, SM_SESSFMT_BALL_MIN_MM, SM_SESSFMT_BALL_MAX_MM);
                return msg;
            }
            if (h->tool != SM_SESSTOOL_BALL)
                h->ball_diameter_mm = 0;
            break;
        case SM_SESSFMT_TAG_PATIENT:
            clean_text(h->patient, sizeof h->patient, v, n, 127, 0);
            break;
        case SM_SESSFMT_TAG_NOTES:
            clean_text(h->notes, sizeof h->notes, v, n, 2047, 1);
            break;
        case SM_SESSFMT_TAG_CALIB_ID:
            clean_text(h->calib_id, sizeof h->calib_id, v, n, 63, 0);
            break;
        case SM_SESSFMT_TAG_CALIB_HASH:
            clean_text(h->calib_hash, sizeof h->calib_hash, v, n, 71, 0);
            break;
        case SM_SESSFMT_TAG_APP_VERSION:
            clean_text(h->app_version, sizeof h->app_version, v, n, 31, 0);
            break;
        default: /* a later minor version's field */
            break;
        }
    }
    return NULL;
}

sm_status sm_sessfmt_decode_header(const uint8_t *buf, size_t n, sm_session_header_t *h,
                                   size_t *hdr_len, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    *hdr_len = 0;
    char msg[200];
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
    /* 1.x: what follows belongs to later minor versions, skipped. */
    const char *why = major >= 2 ? get_v2_fields(buf, off, end, h, msg, sizeof msg) : NULL;
    if (why) {
        errf(err, errlen, why);
        memset(h, 0, sizeof *h);
        return SM_ERR_FORMAT;
    }
    *hdr_len = total;
    if (err && errlen)
        err[0] = 0;
    return SM_OK;
}

/* ---- records ---- */
size_t sm_sessfmt_finish_record(uint8_t *buf, uint8_t kind, uint32_t len)
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
    return sm_sessfmt_finish_record(buf, SM_SESSFMT_REC_FRAME, len);
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
    return sm_sessfmt_finish_record(buf, SM_SESSFMT_REC_GAP, len);
}

sm_status sm_sessfmt_check_record(const uint8_t *p, size_t avail, uint32_t max_payload,
                                  uint8_t *kind, uint32_t *len)
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
    if (p[4] == 0 || l > max_payload)
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

/* ---- chunks (2.0) ---- */
static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Reads a varint of at most maxbytes bytes from p[*off..end); -1 when cut or too long. */
static int get_varint(const uint8_t *p, size_t *off, size_t end, unsigned maxbytes, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < maxbytes; i++) {
        if (*off >= end)
            return -1;
        uint8_t b = p[(*off)++];
        x |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static uint32_t zigzag32(uint32_t d)
{
    return (d << 1) ^ (uint32_t) - (int32_t)(d >> 31);
}

static uint32_t unzigzag32(uint32_t z)
{
    return (z >> 1) ^ (uint32_t) - (int32_t)(z & 1);
}

/* zigzag of a residual mod 2^16 read as int16: small positive and negative residuals give
 * small codes, so the high byte plane is nearly all zeros. */
static uint16_t zz16(uint16_t d)
{
    return (uint16_t)((uint16_t)(d << 1) ^ (uint16_t) - (int16_t)(d >> 15));
}

static uint16_t unzz16(uint16_t z)
{
    return (uint16_t)((z >> 1) ^ (uint16_t) - (int16_t)(z & 1));
}

static uint16_t med(uint16_t a, uint16_t b, uint16_t c)
{
    uint16_t mx = a > b ? a : b, mn = a > b ? b : a;
    if (c >= mx)
        return mn;
    if (c <= mn)
        return mx;
    return (uint16_t)(a + b - c);
}

static inline uint16_t spatial(const uint16_t *x, size_t r, size_t c, size_t cols)
{
    size_t i = r * cols + c;
    if (r == 0)
        return c ? x[i - 1] : 0;
    if (c == 0)
        return x[i - cols];
    return med(x[i - 1], x[i - cols], x[i - cols - 1]);
}

/* The running average of the chunk's frames so far, in 1/256 counts: what a cell reads once
 * the sensor noise is averaged out. An exponential average with weight 1/4 keeps up with
 * breathing and still halves the noise of the prediction. */
#define AVG_SHIFT 2

static inline uint16_t predict(unsigned mode, const uint16_t *x, const uint16_t *prev,
                               const int32_t *avg, size_t r, size_t c, size_t cols)
{
    size_t i = r * cols + c;
    switch (mode) {
    case SM_SESSFMT_PRED_PREV:
        return prev[i];
    case SM_SESSFMT_PRED_SPATIAL:
        return spatial(x, r, c, cols);
    case SM_SESSFMT_PRED_AVG:
        return (uint16_t)((avg[i] + 128) >> 8);
    default:
        return 0;
    }
}

static void update_state(uint16_t *prev, int32_t *avg, const uint16_t *x, size_t cells, int first)
{
    for (size_t i = 0; i < cells; i++) {
        int32_t v = (int32_t)x[i] << 8;
        avg[i] = first ? v : avg[i] + ((v - avg[i]) >> AVG_SHIFT);
    }
    memcpy(prev, x, cells * sizeof *x);
}

/* The spatial prediction of every cell of x (the writer's side: the whole frame is known), the
 * same numbers as spatial() cell by cell, a row at a time. */
static void spatial_all(const uint16_t *x, size_t rows, size_t cols, uint16_t *p)
{
    p[0] = 0;
    for (size_t c = 1; c < cols; c++)
        p[c] = x[c - 1];
    for (size_t r = 1; r < rows; r++) {
        const uint16_t *row = x + r * cols, *up = row - cols;
        uint16_t *pr = p + r * cols;
        pr[0] = up[0];
        for (size_t c = 1; c < cols; c++)
            pr[c] = med(row[c - 1], up[c], up[c - 1]);
    }
}

/* The sum of the residual codes of x against the prediction p (NULL: 0). At most 4096 cells of
 * 16 bits: the sum fits 32 bits. */
static uint32_t residual_cost(const uint16_t *x, const uint16_t *p, size_t cells)
{
    uint32_t sum = 0;
    if (!p) {
        for (size_t i = 0; i < cells; i++)
            sum += zz16(x[i]);
        return sum;
    }
    for (size_t i = 0; i < cells; i++)
        sum += zz16((uint16_t)(x[i] - p[i]));
    return sum;
}

void sm_sessfmt_chunk_reset(sm_sessfmt_chunk_t *c, uint16_t rows, uint16_t cols)
{
    c->rows = rows;
    c->cols = cols;
    c->n = 0;
    c->t_first = c->t_last = c->prev_t = 0;
    c->prev_seq = 0xFFFFFFFFu;
    c->prev_dev = 0;
    c->meta_len = 0;
}

size_t sm_sessfmt_chunk_raw_len(const sm_sessfmt_chunk_t *c)
{
    return c->meta_len + 2 * (size_t)c->n * c->rows * c->cols;
}

int sm_sessfmt_chunk_fits(const sm_sessfmt_chunk_t *c, const sm_frame_t *f)
{
    if (f->rows != c->rows || f->cols != c->cols)
        return 0;
    if (c->n == 0)
        return 1;
    return c->n < SM_SESSFMT_CHUNK_MAX_FRAMES && f->t_us >= c->t_last &&
           sm_sessfmt_chunk_raw_len(c) + SM_SESSFMT_FRAME_META_MAX +
                   2 * (size_t)c->rows * c->cols <=
               SM_SESSFMT_CHUNK_RAW_MAX;
}

void sm_sessfmt_chunk_add(sm_sessfmt_chunk_t *c, const sm_frame_t *f)
{
    size_t rows = c->rows, cols = c->cols, cells = rows * cols;
    const uint16_t *x = f->cells;
    if (c->n == 0) {
        c->t_first = c->prev_t = f->t_us;
        c->prev_seq = 0xFFFFFFFFu;
        c->prev_dev = 0;
    }
    /* The cheapest prediction for this frame (smallest sum of residual codes, PNG's filter
     * heuristic): the previous frame while the picture holds still, the frame itself
     * (neighbours) for the first frame and after big changes. */
    static const unsigned order[] = {SM_SESSFMT_PRED_AVG, SM_SESSFMT_PRED_PREV,
                                     SM_SESSFMT_PRED_SPATIAL, SM_SESSFMT_PRED_NONE};
    uint16_t sp[SM_MAX_CELLS], av[SM_MAX_CELLS];
    const uint16_t *pred[4] = {NULL};
    pred[SM_SESSFMT_PRED_SPATIAL] = sp;
    spatial_all(x, rows, cols, sp);
    if (c->n > 0) {
        for (size_t i = 0; i < cells; i++)
            av[i] = (uint16_t)((c->avg[i] + 128) >> 8);
        pred[SM_SESSFMT_PRED_PREV] = c->prev;
        pred[SM_SESSFMT_PRED_AVG] = av;
    }
    unsigned mode = SM_SESSFMT_PRED_NONE;
    unsigned long best = ULONG_MAX;
    for (size_t o = c->n > 0 ? 0 : 2; o < sizeof order / sizeof order[0]; o++) {
        unsigned long cost = residual_cost(x, pred[order[o]], cells);
        if (cost < best) {
            best = cost;
            mode = order[o];
        }
    }

    uint8_t *m = c->meta + c->meta_len;
    size_t k = 0;
    m[k++] = (uint8_t)mode;
    uint64_t dt = f->t_us - c->prev_t;
    k += put_varint(m + k, dt);
    k += put_varint(m + k, zigzag32(f->seq - (c->prev_seq + 1u)));
    /* A device clock runs with session time: frame 0 is predicted at t_first, later ones at
     * the previous device time plus the session time between them. */
    uint32_t adv = c->n == 0 ? (uint32_t)f->t_us : (uint32_t)dt;
    k += put_varint(m + k, zigzag32(f->dev_t_us - (c->prev_dev + adv)));
    k += put_varint(m + k, f->flags);
    c->meta_len += k;

    uint8_t *lo = c->lo + (size_t)c->n * cells, *hi = c->hi + (size_t)c->n * cells;
    const uint16_t *p = pred[mode];
    for (size_t i = 0; i < cells; i++) {
        uint16_t z = zz16((uint16_t)(x[i] - (p ? p[i] : 0)));
        lo[i] = (uint8_t)z;
        hi[i] = (uint8_t)(z >> 8);
    }
    update_state(c->prev, c->avg, x, cells, c->n == 0);
    c->prev_t = c->t_last = f->t_us;
    c->prev_seq = f->seq;
    c->prev_dev = f->dev_t_us;
    c->n++;
}

size_t sm_sessfmt_chunk_body(const sm_sessfmt_chunk_t *c, uint8_t *out, size_t cap)
{
    size_t plane = (size_t)c->n * c->rows * c->cols;
    size_t len = c->meta_len + 2 * plane;
    if (len > cap)
        return 0;
    memcpy(out, c->meta, c->meta_len);
    memcpy(out + c->meta_len, c->lo, plane);
    memcpy(out + c->meta_len + plane, c->hi, plane);
    return len;
}

void sm_sessfmt_chunk_put_head(const sm_sessfmt_chunk_t *c, unsigned codec, uint32_t raw_len,
                               uint8_t *p)
{
    put64(p, c->t_first);
    put64(p + 8, c->t_last);
    put16(p + 16, c->n);
    p[18] = (uint8_t)c->rows;
    p[19] = (uint8_t)c->cols;
    p[20] = (uint8_t)codec;
    p[21] = 0;
    put32(p + 22, raw_len);
}

sm_status sm_sessfmt_chunk_get_head(const uint8_t *payload, uint32_t len,
                                    sm_sessfmt_chunk_head_t *h)
{
    memset(h, 0, sizeof *h);
    if (len < SM_SESSFMT_CHUNK_FIXED)
        return SM_ERR_FORMAT;
    h->t_first = get64(payload);
    h->t_last = get64(payload + 8);
    h->n = get16(payload + 16);
    h->rows = payload[18];
    h->cols = payload[19];
    h->codec = payload[20];
    h->raw_len = get32(payload + 22);
    h->data = payload + SM_SESSFMT_CHUNK_FIXED;
    h->data_len = len - SM_SESSFMT_CHUNK_FIXED;
    if (h->n < 1 || h->n > SM_SESSFMT_CHUNK_MAX_FRAMES || h->rows < 1 || h->rows > SM_MAX_ROWS ||
        h->cols < 1 || h->cols > SM_MAX_COLS || h->t_last < h->t_first ||
        h->raw_len > SM_SESSFMT_CHUNK_RAW_MAX ||
        (h->codec != SM_SESSFMT_CODEC_STORED && h->codec != SM_SESSFMT_CODEC_ZSTD) ||
        (h->codec == SM_SESSFMT_CODEC_STORED && h->data_len != h->raw_len)) {
        memset(h, 0, sizeof *h);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

/* One frame's meta at r->meta_off: advances it and fills the frame's header fields. */
static int read_meta(sm_sessfmt_chunk_reader_t *r, size_t end, unsigned *mode, sm_frame_t *f)
{
    uint64_t dt, dseq, ddev, flags;
    size_t off = r->meta_off;
    if (off >= end)
        return -1;
    *mode = r->body[off++];
    if (*mode > SM_SESSFMT_PRED_AVG ||
        (r->next == 0 && (*mode == SM_SESSFMT_PRED_PREV || *mode == SM_SESSFMT_PRED_AVG)) ||
        get_varint(r->body, &off, end, 10, &dt) != 0 ||
        get_varint(r->body, &off, end, 5, &dseq) != 0 || dseq > 0xFFFFFFFFu ||
        get_varint(r->body, &off, end, 5, &ddev) != 0 || ddev > 0xFFFFFFFFu ||
        get_varint(r->body, &off, end, 3, &flags) != 0 || flags > 0xFFFFu)
        return -1;
    if (r->next > 0 && dt > UINT64_MAX - r->prev_t)
        return -1;
    uint64_t t = (r->next == 0 ? r->t_first : r->prev_t) + (r->next == 0 ? 0 : dt);
    if (r->next == 0 && dt != 0)
        return -1; /* the first frame is at t_first */
    f->t_us = t;
    f->seq = r->prev_seq + 1u + unzigzag32((uint32_t)dseq);
    f->dev_t_us = r->prev_dev + (uint32_t)(r->next == 0 ? t : dt) + unzigzag32((uint32_t)ddev);
    f->flags = (uint16_t)flags;
    f->rows = r->rows;
    f->cols = r->cols;
    r->meta_off = off;
    r->prev_t = t;
    r->prev_seq = f->seq;
    r->prev_dev = f->dev_t_us;
    return 0;
}

sm_status sm_sessfmt_chunk_open(sm_sessfmt_chunk_reader_t *r, const sm_sessfmt_chunk_head_t *h,
                                const uint8_t *body, size_t len, uint16_t *prev_cells,
                                int32_t *avg_cells, uint64_t *t_us)
{
    memset(r, 0, sizeof *r);
    r->body = body;
    r->len = len;
    r->rows = h->rows;
    r->cols = h->cols;
    r->n = h->n;
    r->t_first = h->t_first;
    r->prev = prev_cells;
    r->avg = avg_cells;
    size_t planes = 2 * (size_t)h->n * h->rows * h->cols;
    if (len != h->raw_len || planes > len)
        return SM_ERR_FORMAT;
    size_t meta_end = len - planes;
    /* Walk the metas once: they must fill the space before the planes exactly. */
    sm_frame_t f; /* header fields only are written */
    r->prev_seq = 0xFFFFFFFFu;
    r->prev_dev = 0;
    for (uint16_t j = 0; j < h->n; j++) {
        unsigned mode;
        r->next = j;
        if (read_meta(r, meta_end, &mode, &f) != 0)
            return SM_ERR_FORMAT;
        if (t_us)
            t_us[j] = f.t_us;
    }
    if (r->meta_off != meta_end || r->prev_t != h->t_last)
        return SM_ERR_FORMAT;
    r->next = 0;
    r->meta_off = 0;
    r->prev_t = 0;
    r->prev_seq = 0xFFFFFFFFu;
    r->prev_dev = 0;
    return SM_OK;
}

sm_status sm_sessfmt_chunk_next(sm_sessfmt_chunk_reader_t *r, sm_frame_t *out)
{
    if (r->next >= r->n)
        return SM_EOF;
    size_t cells = (size_t)r->rows * r->cols, planes = 2 * (size_t)r->n * cells;
    unsigned mode;
    if (read_meta(r, r->len - planes, &mode, out) != 0)
        return SM_ERR_FORMAT; /* cannot happen after chunk_open */
    const uint8_t *lo = r->body + (r->len - planes) + (size_t)r->next * cells;
    const uint8_t *hi = lo + (size_t)r->n * cells;
    uint16_t *x = out->cells;
    for (size_t row = 0; row < r->rows; row++)
        for (size_t c = 0; c < r->cols; c++) {
            size_t i = row * r->cols + c;
            uint16_t p = predict(mode, x, r->prev, r->avg, row, c, r->cols);
            x[i] = (uint16_t)(p + unzz16((uint16_t)(lo[i] | hi[i] << 8)));
        }
    update_state(r->prev, r->avg, x, cells, r->next == 0);
    r->next++;
    return SM_OK;
}
