/* Session files: the writer and the reader (byte layout in sm_session_fmt.h). */
#include "sm_session.h"

#include "sm_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static void set_err(char *err, size_t errlen, const char *fmt_msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", fmt_msg);
}

/* Words a user understands for the errors a recording actually meets. */
static const char *why_write_failed(int e)
{
    switch (e) {
    case ENOSPC:
        return "disk full";
#ifdef EDQUOT
    case EDQUOT:
        return "disk quota exceeded";
#endif
    case EFBIG:
        return "file size limit reached";
    case EIO:
        return "I/O error, the disk may be failing or was removed";
    case EROFS:
        return "the file system is read-only";
    default:
        return "write failed";
    }
}

/* write() until done. Returns 0, or -1 with errno set; *done says how much reached the OS. A
 * short write is retried, so the error reported is the one that stopped it (ENOSPC, EFBIG). */
static int write_all(int fd, const uint8_t *p, size_t n, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t k = write(fd, p + *done, n - *done);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        *done += (size_t)k;
    }
    return 0;
}

/* ================================ writer ================================ */

struct sm_session_writer {
    int fd;
    char *path;
    unsigned major; /* format written: 2, or 1 for tools and tests */
    uint16_t rows, cols;
    uint8_t *buf;
    size_t n;
    /* 2.0: the open chunk (frames not yet handed to the OS), its buffers and the compressor */
    sm_sessfmt_chunk_t ch;
    uint8_t *raw;     /* the chunk's body, assembled for compression */
    uint64_t span_us; /* the most session time a chunk spans */
    ZSTD_CCtx *zc;
    unsigned long frames;        /* accepted */
    unsigned long frames_on_os;  /* whole frames handed to write() successfully */
    unsigned long frames_in_buf; /* frames in buf */
    int buf_has_frame;
    uint64_t buf_first_t; /* session time of the oldest frame in buf */
    uint64_t last_sync_t; /* session time of the last fdatasync */
    sm_status failed;     /* first error: every later call returns it */
    char msg[320];
};

#define WRITER_CAP (SM_SESSION_BUFFER + SM_SESSFMT_MAX_RECORD)
/* zstd level: the residuals are mostly sensor noise, which no match finder removes; the
 * entropy stage does the work and is the same at every level, so the fastest level with
 * Huffman-coded literals is the right one (measured: tests/bench/bench_session.c). */
#define ZSTD_LEVEL 1

static sm_status writer_fail(sm_session_writer_t *w, int e, const char *what, char *err,
                             size_t errlen)
{
    w->failed = SM_ERR_IO;
    snprintf(w->msg, sizeof w->msg,
             "recording to %s stopped: %s (%s)%s; the %lu frames recorded so far are safe", w->path,
             why_write_failed(e), strerror(e), what, w->frames_on_os);
    set_err(err, errlen, w->msg);
    return SM_ERR_IO;
}

/* Frames in the whole FRAME and CHUNK records among the first `bytes` of the buffer (the rest of a
 * cut write is a torn record, which readers skip). */
static unsigned long frames_within(const uint8_t *buf, size_t bytes)
{
    unsigned long k = 0;
    size_t off = 0;
    while (off + SM_SESSFMT_REC_OVERHEAD <= bytes) {
        const uint8_t *p = buf + off;
        size_t len = (size_t)p[5] | (size_t)p[6] << 8 | (size_t)p[7] << 16 | (size_t)p[8] << 24;
        if (off + SM_SESSFMT_REC_OVERHEAD + len > bytes)
            break;
        if (p[4] == SM_SESSFMT_REC_FRAME)
            k++;
        else if (p[4] == SM_SESSFMT_REC_CHUNK && len >= SM_SESSFMT_CHUNK_FIXED)
            k += (unsigned long)p[SM_SESSFMT_REC_HEAD + 16] |
                 (unsigned long)p[SM_SESSFMT_REC_HEAD + 17] << 8;
        off += SM_SESSFMT_REC_OVERHEAD + len;
    }
    return k;
}

static sm_status writer_push(sm_session_writer_t *w, char *err, size_t errlen)
{
    if (w->n == 0)
        return SM_OK;
    size_t done;
    if (write_all(w->fd, w->buf, w->n, &done) != 0) {
        /* The file now ends with at most one torn record (the one write() cut), which
         * readers skip; no further byte is ever written after it. The frames whose records
         * reached the file whole are the ones recorded: one count for the message, the JSON
         * and the file. */
        int e = errno;
        w->frames_on_os += frames_within(w->buf, done);
        w->frames = w->frames_on_os;
        w->frames_in_buf = 0;
        w->n = 0;
        return writer_fail(w, e, "", err, errlen);
    }
    w->n = 0;
    w->frames_on_os += w->frames_in_buf;
    w->frames_in_buf = 0;
    w->buf_has_frame = 0;
    return SM_OK;
}

static sm_status writer_sync(sm_session_writer_t *w, char *err, size_t errlen)
{
    /* EINVAL: the target cannot sync (a pipe, /dev/null); nothing is lost by carrying on. */
    if (fdatasync(w->fd) != 0 && errno != EINVAL && errno != EROFS) {
        int e = errno;
        w->failed = SM_ERR_IO;
        snprintf(w->msg, sizeof w->msg,
                 "recording to %s stopped: %s (%s) while saving to disk; the last seconds may "
                 "be lost",
                 w->path, why_write_failed(e), strerror(e));
        set_err(err, errlen, w->msg);
        return SM_ERR_IO;
    }
    return SM_OK;
}

static void writer_free(sm_session_writer_t *w)
{
    if (!w)
        return;
    ZSTD_freeCCtx(w->zc);
    free(w->path);
    free(w->buf);
    free(w->raw);
    free(w->ch.meta);
    free(w->ch.lo);
    free(w->ch.hi);
    free(w->ch.prev);
    free(w->ch.avg);
    free(w);
}

static sm_status writer_open(const char *path, const sm_session_header_t *h, unsigned major,
                             int flags, sm_session_writer_t **out, char *err, size_t errlen)
{
    char msg[320];
    if (out)
        *out = NULL;
    if (!path || !h || !out || (major != 1 && major != 2)) {
        set_err(err, errlen, "session writer: missing argument");
        return SM_ERR_ARG;
    }
    uint8_t hdr[SM_SESSFMT_HDR_WRITE_MAX];
    size_t hn = sm_sessfmt_encode_header(h, major, hdr, sizeof hdr);
    if (hn == 0) {
        snprintf(msg, sizeof msg, "cannot record %s: mat %ux%u is outside 1..64", path,
                 (unsigned)h->mat.rows, (unsigned)h->mat.cols);
        set_err(err, errlen, msg);
        return SM_ERR_RANGE;
    }
    sm_session_writer_t *w = calloc(1, sizeof *w);
    int ok = w && (w->buf = malloc(WRITER_CAP)) && (w->path = strdup(path));
    if (ok && major >= 2)
        ok = (w->raw = malloc(SM_SESSFMT_CHUNK_RAW_MAX)) &&
             (w->ch.meta = malloc(SM_SESSFMT_CHUNK_MAX_FRAMES * SM_SESSFMT_FRAME_META_MAX)) &&
             (w->ch.lo = malloc(SM_SESSFMT_CHUNK_RAW_MAX / 2)) &&
             (w->ch.hi = malloc(SM_SESSFMT_CHUNK_RAW_MAX / 2)) &&
             (w->ch.prev = calloc(SM_MAX_CELLS, sizeof *w->ch.prev)) &&
             (w->ch.avg = calloc(SM_MAX_CELLS, sizeof *w->ch.avg)) && (w->zc = ZSTD_createCCtx()) &&
             !ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL));
    if (!ok) {
        writer_free(w);
        set_err(err, errlen, "session writer: out of memory");
        return SM_ERR_NOMEM;
    }
    w->major = major;
    w->span_us = SM_SESSION_FLUSH_US;
    w->rows = h->mat.rows;
    w->cols = h->mat.cols;
    sm_sessfmt_chunk_reset(&w->ch, w->rows, w->cols);
    w->fd = sm_file_create(path, flags == O_TRUNC);
    if (w->fd < 0) {
        snprintf(msg, sizeof msg, "cannot create %s: %s", path, sm_file_why(errno));
        set_err(err, errlen, msg);
        writer_free(w);
        return SM_ERR_IO;
    }
    size_t done;
    if (write_all(w->fd, hdr, hn, &done) != 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "cannot record to %s: %s (%s)", path, why_write_failed(e),
                 strerror(e));
        set_err(err, errlen, msg);
        close(w->fd);
        writer_free(w);
        return SM_ERR_IO;
    }
    *out = w;
    if (err && errlen)
        err[0] = 0;
    return SM_OK;
}

sm_status sm_session_writer_open(const char *path, const sm_session_header_t *h,
                                 sm_session_writer_t **out, char *err, size_t errlen)
{
    return writer_open(path, h, SM_SESSION_VERSION, O_TRUNC, out, err, errlen);
}

sm_status sm_session_writer_open_new(const char *path, const sm_session_header_t *h,
                                     sm_session_writer_t **out, char *err, size_t errlen)
{
    return writer_open(path, h, SM_SESSION_VERSION, O_EXCL, out, err, errlen);
}

sm_status sm_session_writer_open_version(const char *path, const sm_session_header_t *h,
                                         unsigned major, sm_session_writer_t **out, char *err,
                                         size_t errlen)
{
    return writer_open(path, h, major, O_TRUNC, out, err, errlen);
}

void sm_session_writer_set_chunk_span(sm_session_writer_t *w, uint64_t span_us)
{
    if (w)
        w->span_us = span_us > 0 ? span_us : SM_SESSION_FLUSH_US;
}

static sm_status fail_fast(const sm_session_writer_t *w, char *err, size_t errlen)
{
    set_err(err, errlen, w->msg);
    return w->failed;
}

/* The open chunk becomes one CHUNK record in buf (zstd, or stored when that is not smaller). */
static void chunk_close(sm_session_writer_t *w)
{
    sm_sessfmt_chunk_t *c = &w->ch;
    if (c->n == 0)
        return;
    size_t raw = sm_sessfmt_chunk_body(c, w->raw, SM_SESSFMT_CHUNK_RAW_MAX);
    uint8_t *rec = w->buf + w->n, *pl = rec + SM_SESSFMT_REC_HEAD;
    uint8_t *data = pl + SM_SESSFMT_CHUNK_FIXED;
    /* buf is empty here (every chunk is pushed at once), so a stored body always fits. */
    size_t cap = WRITER_CAP - w->n - SM_SESSFMT_REC_OVERHEAD - SM_SESSFMT_CHUNK_FIXED;
    size_t z = ZSTD_compress2(w->zc, data, cap < raw ? cap : raw, w->raw, raw);
    unsigned codec = SM_SESSFMT_CODEC_ZSTD;
    if (ZSTD_isError(z) || z >= raw) {
        memcpy(data, w->raw, raw);
        z = raw;
        codec = SM_SESSFMT_CODEC_STORED;
    }
    sm_sessfmt_chunk_put_head(c, codec, (uint32_t)raw, pl);
    w->n +=
        sm_sessfmt_finish_record(rec, SM_SESSFMT_REC_CHUNK, (uint32_t)(SM_SESSFMT_CHUNK_FIXED + z));
    w->frames_in_buf += c->n;
    sm_sessfmt_chunk_reset(c, w->rows, w->cols);
}

/* 2.0: frames gather in a chunk that goes to the OS, compressed, as soon as a frame arrives
 * 250 ms of session time after the chunk's first (that frame starts the next chunk): the
 * frames not yet with the OS always span less than 250 ms, as with 1.0's buffer. */
static sm_status frame_v2(sm_session_writer_t *w, const sm_frame_t *f, char *err, size_t errlen)
{
    sm_sessfmt_chunk_t *c = &w->ch;
    sm_status st = SM_OK;
    if (c->n > 0 && (!sm_sessfmt_chunk_fits(c, f) || f->t_us - c->t_first >= w->span_us)) {
        chunk_close(w);
        st = writer_push(w, err, errlen);
        if (st != SM_OK)
            return st;
    }
    sm_sessfmt_chunk_add(c, f);
    w->frames++;
    /* Every 5 s of session time everything goes to the disk, this frame included. */
    if (f->t_us < w->last_sync_t || f->t_us - w->last_sync_t >= SM_SESSION_SYNC_US) {
        chunk_close(w);
        st = writer_push(w, err, errlen);
        if (st == SM_OK)
            st = writer_sync(w, err, errlen);
        w->last_sync_t = f->t_us;
    }
    return st;
}

sm_status sm_session_writer_frame(sm_session_writer_t *w, const sm_frame_t *f, char *err,
                                  size_t errlen)
{
    if (!w || !f) {
        set_err(err, errlen, "session writer: missing argument");
        return SM_ERR_ARG;
    }
    if (w->failed)
        return fail_fast(w, err, errlen);
    if (f->rows != w->rows || f->cols != w->cols) {
        char msg[160];
        snprintf(msg, sizeof msg, "frame of %ux%u does not belong in a %ux%u session, not recorded",
                 (unsigned)f->rows, (unsigned)f->cols, (unsigned)w->rows, (unsigned)w->cols);
        set_err(err, errlen, msg);
        return SM_ERR_MISMATCH;
    }
    if (w->major >= 2) {
        sm_status st = frame_v2(w, f, err, errlen);
        if (st == SM_OK && err && errlen)
            err[0] = 0;
        return st;
    }
    size_t k = sm_sessfmt_encode_frame(f, w->buf + w->n, WRITER_CAP - w->n);
    if (k == 0) { /* cannot happen: n < SM_SESSION_BUFFER before every append */
        set_err(err, errlen, "session writer: buffer overflow");
        return SM_ERR_ARG;
    }
    w->n += k;
    w->frames++;
    w->frames_in_buf++;
    if (!w->buf_has_frame) {
        w->buf_has_frame = 1;
        w->buf_first_t = f->t_us;
    }
    /* The 250 ms promise: everything older than 250 ms of session time is with the OS, so a
     * kill -9 costs only what is younger. A time going backwards flushes too. */
    int push = w->n >= SM_SESSION_BUFFER || f->t_us < w->buf_first_t ||
               f->t_us - w->buf_first_t >= SM_SESSION_FLUSH_US;
    int do_sync = f->t_us < w->last_sync_t || f->t_us - w->last_sync_t >= SM_SESSION_SYNC_US;
    sm_status st = SM_OK;
    if (push || do_sync)
        st = writer_push(w, err, errlen);
    if (st == SM_OK && do_sync) {
        st = writer_sync(w, err, errlen);
        w->last_sync_t = f->t_us;
    }
    if (st == SM_OK && err && errlen)
        err[0] = 0;
    return st;
}

sm_status sm_session_writer_gap(sm_session_writer_t *w, uint64_t start_us, uint64_t end_us,
                                const char *reason, char *err, size_t errlen)
{
    if (!w) {
        set_err(err, errlen, "session writer: missing argument");
        return SM_ERR_ARG;
    }
    if (w->failed)
        return fail_fast(w, err, errlen);
    chunk_close(w); /* the frames before the gap come before it in the file */
    size_t k = sm_sessfmt_encode_gap(start_us, end_us, reason, w->buf + w->n, WRITER_CAP - w->n);
    if (k == 0) {
        set_err(err, errlen, "session writer: buffer overflow");
        return SM_ERR_ARG;
    }
    w->n += k;
    sm_status st = writer_push(w, err, errlen);
    if (st == SM_OK && err && errlen)
        err[0] = 0;
    return st;
}

sm_status sm_session_writer_flush(sm_session_writer_t *w, char *err, size_t errlen)
{
    if (!w) {
        set_err(err, errlen, "session writer: missing argument");
        return SM_ERR_ARG;
    }
    if (w->failed)
        return fail_fast(w, err, errlen);
    chunk_close(w);
    sm_status st = writer_push(w, err, errlen);
    if (st == SM_OK && err && errlen)
        err[0] = 0;
    return st;
}

sm_status sm_session_writer_close(sm_session_writer_t *w, char *err, size_t errlen)
{
    if (!w) {
        if (err && errlen)
            err[0] = 0;
        return SM_OK;
    }
    sm_status st = w->failed;
    if (st)
        set_err(err, errlen, w->msg);
    if (st == SM_OK) {
        chunk_close(w);
        st = writer_push(w, err, errlen);
    }
    if (st == SM_OK)
        st = writer_sync(w, err, errlen);
    if (close(w->fd) != 0 && st == SM_OK && errno != EINTR) {
        st = writer_fail(w, errno, " on close", err, errlen);
    }
    if (st == SM_OK && err && errlen)
        err[0] = 0;
    writer_free(w);
    return st;
}

/* Reads up to cap bytes (fewer only at the end of the file); -1 on an error. */
static ssize_t read_full(int fd, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        n += (size_t)k;
    }
    return (ssize_t)n;
}

sm_status sm_session_set_patient(const char *path, const char *patient, char *err, size_t errlen)
{
    char msg[4400];
    if (!path || !patient) {
        set_err(err, errlen, "session: missing argument");
        return SM_ERR_ARG;
    }
    int in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) {
        snprintf(msg, sizeof msg, "cannot open %s: %s", path, sm_file_why(errno));
        set_err(err, errlen, msg);
        return SM_ERR_IO;
    }
    size_t pl = strlen(path);
    uint8_t *buf = malloc(SM_SESSFMT_HDR_MAX);
    char *tmp = malloc(pl + 16);
    if (!buf || !tmp) {
        free(buf);
        free(tmp);
        close(in);
        set_err(err, errlen, "session: out of memory");
        return SM_ERR_NOMEM;
    }
    sm_status st = SM_OK;
    int out = -1;
    ssize_t n = read_full(in, buf, SM_SESSFMT_HDR_MAX);
    sm_session_header_t h;
    size_t hdr_len = 0;
    char why[256] = "";
    if (n < 0) {
        snprintf(msg, sizeof msg, "cannot read %s: %s", path, strerror(errno));
        st = SM_ERR_IO;
    } else if ((st = sm_sessfmt_decode_header(buf, (size_t)n, &h, &hdr_len, why, sizeof why)) !=
               SM_OK) {
        snprintf(msg, sizeof msg, "%s: %s", path, why);
    } else if (h.version != 2) { /* a 1.0 header has no place for a name */
        snprintf(msg, sizeof msg, "%s is a session of format %u: it cannot keep a patient's name",
                 path, (unsigned)h.version);
        st = SM_ERR_VERSION;
    }
    uint8_t hdr[SM_SESSFMT_HDR_WRITE_MAX];
    size_t hn = 0;
    if (st == SM_OK) {
        sm_sessfmt_clean_text(patient, h.patient, sizeof h.patient);
        hn = sm_sessfmt_encode_header(&h, 2, hdr, sizeof hdr);
        if (hn == 0) {
            snprintf(msg, sizeof msg, "%s: its header cannot be written again", path);
            st = SM_ERR_FORMAT;
        }
    }
    if (st == SM_OK) {
        /* A new file beside the old one, renamed over it when complete: a crash on the way
         * leaves the old file whole (and at most a stray PATH.tmpXXXXXX). */
        snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
        out = mkstemp(tmp);
        if (out < 0) {
            snprintf(msg, sizeof msg, "cannot write beside %s: %s", path, sm_file_why(errno));
            st = SM_ERR_IO;
        }
    }
    size_t done;
    int e = 0;
    if (st == SM_OK) {
        (void)fchmod(out, SM_FILE_MODE);
        size_t rest = (size_t)n - hdr_len;
        if (write_all(out, hdr, hn, &done) != 0 || write_all(out, buf + hdr_len, rest, &done) != 0)
            e = errno ? errno : EIO;
        while (!e && (size_t)n == SM_SESSFMT_HDR_MAX) { /* the records after the first block */
            n = read_full(in, buf, SM_SESSFMT_HDR_MAX);
            if (n < 0 || write_all(out, buf, (size_t)n, &done) != 0)
                e = errno ? errno : EIO;
        }
        if (!e && fsync(out) != 0)
            e = errno;
        if (close(out) != 0 && !e)
            e = errno;
        if (!e && rename(tmp, path) != 0)
            e = errno;
        if (e) {
            snprintf(msg, sizeof msg, "cannot write the patient's name into %s: %s (%s)", path,
                     why_write_failed(e), strerror(e));
            unlink(tmp);
            st = SM_ERR_IO;
        }
    }
    close(in);
    free(buf);
    free(tmp);
    if (st != SM_OK)
        set_err(err, errlen, msg);
    else if (err && errlen)
        err[0] = 0;
    return st;
}

unsigned long sm_session_writer_frames(const sm_session_writer_t *w)
{
    return w ? w->frames : 0;
}

/* ================================ reader ================================ */

typedef struct {
    uint64_t off;  /* file offset of the record's sync marker */
    uint64_t t_us; /* frame time, or gap start */
    uint32_t len;  /* payload bytes */
    uint16_t sub;  /* CHUNK: which of its frames */
    uint8_t kind;  /* FRAME, GAP, or CHUNK (one entry per frame) */
} idx_entry;

#define NO_CHUNK UINT64_MAX

/* The window holds a stretch of the file; it is at least one maximal record, so every record
 * and every header can be looked at in one piece. */
#define WINDOW (256u * 1024u)
/* Resynchronising: bytes searched for the next marker per look (a marker split across the
 * look's end is found by the next look, which starts at the partial marker), and the CRC work
 * a damaged stretch may spend on candidate records: two records' worth, then 2 bytes of
 * CRC per byte crossed (linear in the file size whatever the file holds). */
#define RESYNC_LOOK         4096u
#define RESYNC_CRC_BASE     (2u * SM_SESSFMT_MAX_RECORD)
#define RESYNC_CRC_PER_BYTE 2u

struct sm_session_reader {
    int fd;
    char *path;
    uint64_t size;
    sm_session_header_t h;
    uint8_t *win;
    uint64_t win_off;
    size_t win_n;
    idx_entry *idx;
    size_t nidx, cap_idx;
    size_t *fidx; /* positions in idx of the frames, for seek */
    size_t nf, cap_f;
    int frames_sorted;
    size_t pos; /* next entry of idx for reader_next */
    sm_session_stats_t st;
    uint32_t max_payload; /* of this file's version */
    /* 2.0 chunks: the one decoded last, and a chunk found damaged after indexing */
    ZSTD_DCtx *zd;
    uint8_t *raw;    /* decoded body */
    uint16_t *prev;  /* the decoder's previous frame */
    int32_t *avg;    /* and its running average */
    uint64_t *times; /* frame times of a chunk, while indexing */
    sm_sessfmt_chunk_reader_t cr;
    uint64_t cur_off, bad_off;
};

/* Points *ptr at file bytes [off, off + *avail), *avail = min(want, size - off); want <=
 * WINDOW. Returns 0, or -1 with errno on a read error or a file that shrank. */
static int win_get(sm_session_reader_t *r, uint64_t off, size_t want, const uint8_t **ptr,
                   size_t *avail)
{
    *ptr = r->win;
    *avail = 0;
    if (off >= r->size)
        return 0;
    size_t need = r->size - off < want ? (size_t)(r->size - off) : want;
    if (off >= r->win_off && off + need <= r->win_off + r->win_n) {
        *ptr = r->win + (off - r->win_off);
        *avail = need;
        return 0;
    }
    size_t fill = r->size - off < WINDOW ? (size_t)(r->size - off) : WINDOW;
    size_t got = 0;
    r->win_n = 0;
    while (got < fill) {
        ssize_t k = pread(r->fd, r->win + got, fill - got, (off_t)(off + got));
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    r->win_off = off;
    r->win_n = got;
    if (got < need) {
        errno = EIO; /* the file shrank under us */
        return -1;
    }
    *ptr = r->win;
    *avail = need;
    return 0;
}

static int push_entry(sm_session_reader_t *r, uint64_t off, uint8_t kind, uint32_t len, uint64_t t,
                      uint16_t sub)
{
    if (r->nidx == r->cap_idx) {
        size_t cap = r->cap_idx ? r->cap_idx * 2 : 1024;
        idx_entry *n = realloc(r->idx, cap * sizeof *n);
        if (!n)
            return -1;
        r->idx = n;
        r->cap_idx = cap;
    }
    if (kind == SM_SESSFMT_REC_FRAME || kind == SM_SESSFMT_REC_CHUNK) {
        if (r->nf == r->cap_f) {
            size_t cap = r->cap_f ? r->cap_f * 2 : 1024;
            size_t *n = realloc(r->fidx, cap * sizeof *n);
            if (!n)
                return -1;
            r->fidx = n;
            r->cap_f = cap;
        }
        if (r->nf > 0 && t < r->idx[r->fidx[r->nf - 1]].t_us)
            r->frames_sorted = 0;
        r->fidx[r->nf++] = r->nidx;
    }
    idx_entry *e = &r->idx[r->nidx++];
    e->off = off;
    e->t_us = t;
    e->len = len;
    e->sub = sub;
    e->kind = kind;
    return 0;
}

/* Decodes the CHUNK payload pl[0..len) into r->raw and opens r->cr on it (times, if not NULL,
 * receive the frame times). 0, or -1 when the chunk is damaged or not of this session's mat. */
static int chunk_load(sm_session_reader_t *r, const uint8_t *pl, uint32_t len, uint64_t *times)
{
    sm_sessfmt_chunk_head_t ch;
    if (sm_sessfmt_chunk_get_head(pl, len, &ch) != SM_OK || ch.rows != r->h.mat.rows ||
        ch.cols != r->h.mat.cols)
        return -1;
    if (ch.codec == SM_SESSFMT_CODEC_STORED) {
        memcpy(r->raw, ch.data, ch.raw_len);
    } else {
        unsigned long long want = ZSTD_getFrameContentSize(ch.data, ch.data_len);
        if (want != ch.raw_len)
            return -1;
        size_t got =
            ZSTD_decompressDCtx(r->zd, r->raw, SM_SESSFMT_CHUNK_RAW_MAX, ch.data, ch.data_len);
        if (ZSTD_isError(got) || got != ch.raw_len)
            return -1;
    }
    return sm_sessfmt_chunk_open(&r->cr, &ch, r->raw, ch.raw_len, r->prev, r->avg, times) == SM_OK
               ? 0
               : -1;
}

/* One pass over the records: valid ones go into the index; a damaged stretch is skipped by
 * looking for the next sync marker that starts a valid record; a stretch running to the end
 * of the file that starts with an incomplete record is the torn tail a crash leaves. */
static sm_status build_index(sm_session_reader_t *r, uint64_t start, char *err, size_t errlen)
{
    uint64_t p = start;
    int have_bad = 0, have_torn = 0;
    uint64_t bad_start = 0, torn_at = 0;
    /* CRC work allowed inside a damaged stretch (see RESYNC_CRC_PER_BYTE). */
    uint64_t crc_budget = 0;
    while (p < r->size) {
        const uint8_t *ptr;
        size_t avail;
        if (win_get(r, p, SM_SESSFMT_MAX_RECORD, &ptr, &avail) != 0)
            goto io_error;
        uint8_t kind;
        uint32_t len;
        uint32_t max_payload = r->max_payload;
        if (have_bad) {
            /* Inside a damaged stretch every sync marker is a candidate, and checking one costs
             * a CRC over the length it claims: a file of markers claiming 64 KiB each would
             * cost 64 KiB of CRC per few bytes. The stretch earns CRC work as it is crossed;
             * a candidate claiming more than is left is damage like the rest (real damage
             * has a false marker once in 4 GiB, so this only ever bites hostile files). */
            uint64_t earned = RESYNC_CRC_BASE + (p - bad_start) * RESYNC_CRC_PER_BYTE;
            uint64_t left = earned > crc_budget ? earned - crc_budget : 0;
            if (left < max_payload)
                max_payload = (uint32_t)left;
        }
        sm_status st = sm_sessfmt_check_record(ptr, avail, max_payload, &kind, &len);
        if (have_bad && (st == SM_OK || st == SM_ERR_CRC) && avail >= SM_SESSFMT_REC_HEAD)
            crc_budget += SM_SESSFMT_REC_OVERHEAD + (uint64_t)(ptr[5] | (uint32_t)ptr[6] << 8 |
                                                               (uint32_t)ptr[7] << 16 |
                                                               (uint32_t)ptr[8] << 24);
        if (st == SM_OK) {
            if (have_bad) {
                r->st.corrupt++;
                r->st.bytes_skipped += p - bad_start;
                have_bad = have_torn = 0;
                crc_budget = 0;
            }
            const uint8_t *pl = ptr + SM_SESSFMT_REC_HEAD;
            uint64_t t = 0;
            int ok = 1;
            if (kind == SM_SESSFMT_REC_FRAME) {
                /* A frame of another size than the header says would surprise every consumer
                 * (the writer never makes one): treat it as damage. */
                uint16_t fr, fc;
                ok = sm_sessfmt_peek_frame(pl, len, &t, &fr, &fc) == SM_OK && fr == r->h.mat.rows &&
                     fc == r->h.mat.cols;
                if (ok)
                    r->st.frames++;
            } else if (kind == SM_SESSFMT_REC_GAP) {
                sm_session_record_t g;
                ok = sm_sessfmt_decode_gap(pl, len, &g) == SM_OK;
                t = g.gap_start_us;
                if (ok)
                    r->st.gaps++;
            } else if (kind == SM_SESSFMT_REC_CHUNK && r->h.version >= 2) {
                /* Decoded once here, so that what the index promises is what next delivers
                 * (a CRC-valid chunk that does not decode is damage, counted now). */
                ok = chunk_load(r, pl, len, r->times) == 0;
                r->cur_off = NO_CHUNK;
                for (uint16_t j = 0; ok && j < r->cr.n; j++)
                    if (push_entry(r, p, kind, len, r->times[j], j) != 0) {
                        set_err(err, errlen, "session reader: out of memory");
                        return SM_ERR_NOMEM;
                    }
                if (ok)
                    r->st.frames += r->cr.n;
                else {
                    r->st.corrupt++;
                    r->st.bytes_skipped += SM_SESSFMT_REC_OVERHEAD + (uint64_t)len;
                }
                p += SM_SESSFMT_REC_OVERHEAD + (uint64_t)len;
                continue;
            } else {
                r->st.unknown++; /* a later minor version's record: skip it whole */
                p += SM_SESSFMT_REC_OVERHEAD + (uint64_t)len;
                continue;
            }
            if (!ok) { /* good CRC, impossible content: a buggy or hostile writer */
                r->st.corrupt++;
                r->st.bytes_skipped += SM_SESSFMT_REC_OVERHEAD + (uint64_t)len;
            } else if (push_entry(r, p, kind, len, t, 0) != 0) {
                set_err(err, errlen, "session reader: out of memory");
                return SM_ERR_NOMEM;
            }
            p += SM_SESSFMT_REC_OVERHEAD + (uint64_t)len;
            continue;
        }
        if (st == SM_EMPTY && !have_torn) {
            have_torn = 1;
            torn_at = p;
        }
        if (!have_bad) {
            have_bad = 1;
            bad_start = p;
        }
        /* Resynchronise: the next candidate marker after p. A short look (RESYNC_LOOK) so the
         * window is refilled only when p nears its end, not once per marker: linear in the
         * file size even when it is nothing but markers. */
        if (win_get(r, p + 1, RESYNC_LOOK, &ptr, &avail) != 0)
            goto io_error;
        p = p + 1 + sm_sessfmt_find_sync(ptr, avail);
    }
    if (have_bad) {
        if (have_torn) {
            if (torn_at > bad_start) {
                r->st.corrupt++;
                r->st.bytes_skipped += torn_at - bad_start;
            }
            r->st.torn_tail = 1;
            r->st.tail_bytes = r->size - torn_at;
        } else {
            r->st.corrupt++;
            r->st.bytes_skipped += r->size - bad_start;
        }
    }
    return SM_OK;
io_error:;
    char msg[320];
    snprintf(msg, sizeof msg, "cannot read %s: %s", r->path, strerror(errno));
    set_err(err, errlen, msg);
    return SM_ERR_IO;
}

sm_status sm_session_reader_open(const char *path, sm_session_reader_t **out, char *err,
                                 size_t errlen)
{
    char msg[400];
    if (out)
        *out = NULL;
    if (!path || !out) {
        set_err(err, errlen, "session reader: missing argument");
        return SM_ERR_ARG;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, sizeof msg, "cannot open %s: %s", path, strerror(errno));
        set_err(err, errlen, msg);
        return SM_ERR_IO;
    }
    struct stat sb;
    int fe = fstat(fd, &sb) != 0 ? errno : 0;
    if (fe || !S_ISREG(sb.st_mode)) {
        snprintf(msg, sizeof msg, "cannot read %s: %s", path,
                 fe                    ? strerror(fe)
                 : S_ISDIR(sb.st_mode) ? "it is a directory"
                                       : "not a regular file");
        set_err(err, errlen, msg);
        close(fd);
        return SM_ERR_IO;
    }
    sm_session_reader_t *r = calloc(1, sizeof *r);
    if (!r || !(r->win = malloc(WINDOW)) || !(r->path = strdup(path))) {
        if (r)
            free(r->win);
        free(r);
        close(fd);
        set_err(err, errlen, "session reader: out of memory");
        return SM_ERR_NOMEM;
    }
    r->fd = fd;
    r->size = (uint64_t)sb.st_size;
    r->frames_sorted = 1;

    const uint8_t *ptr;
    size_t avail;
    sm_status st;
    size_t hdr_len = 0;
    char why[200];
    if (win_get(r, 0, SM_SESSFMT_HDR_MAX, &ptr, &avail) != 0) {
        snprintf(msg, sizeof msg, "cannot read %s: %s", path, strerror(errno));
        set_err(err, errlen, msg);
        st = SM_ERR_IO;
    } else if ((st = sm_sessfmt_decode_header(ptr, avail, &r->h, &hdr_len, why, sizeof why)) !=
               SM_OK) {
        snprintf(msg, sizeof msg, "%s: %s", path, why);
        set_err(err, errlen, msg);
    } else if (r->h.version >= 2 &&
               (!(r->raw = malloc(SM_SESSFMT_CHUNK_RAW_MAX)) ||
                !(r->prev = calloc(SM_MAX_CELLS, sizeof *r->prev)) ||
                !(r->avg = calloc(SM_MAX_CELLS, sizeof *r->avg)) ||
                !(r->times = malloc(SM_SESSFMT_CHUNK_MAX_FRAMES * sizeof *r->times)) ||
                !(r->zd = ZSTD_createDCtx()) ||
                /* A chunk body is at most 64 KiB: no window larger than that is needed, so
                 * a hostile frame header cannot ask for one. */
                ZSTD_isError(ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax, 17)))) {
        set_err(err, errlen, "session reader: out of memory");
        st = SM_ERR_NOMEM;
    } else {
        r->max_payload = sm_sessfmt_max_payload(r->h.version);
        r->cur_off = r->bad_off = NO_CHUNK;
        st = build_index(r, hdr_len, err, errlen);
    }
    if (st != SM_OK) {
        sm_session_reader_close(r);
        return st;
    }
    *out = r;
    if (err && errlen)
        err[0] = 0;
    return SM_OK;
}

void sm_session_reader_close(sm_session_reader_t *r)
{
    if (!r)
        return;
    close(r->fd);
    free(r->path);
    free(r->win);
    free(r->idx);
    free(r->fidx);
    free(r->raw);
    free(r->prev);
    free(r->avg);
    free(r->times);
    ZSTD_freeDCtx(r->zd);
    free(r);
}

const sm_session_header_t *sm_session_reader_header(const sm_session_reader_t *r)
{
    return &r->h;
}

/* Frame e->sub of the chunk at e->off into *f: decodes the chunk unless it is the one decoded
 * last and not yet past that frame (a seek into a chunk decodes it from its start). 0, or -1
 * when it changed on disk since it was indexed, -2 when the file cannot be read. */
static int chunk_frame(sm_session_reader_t *r, const idx_entry *e, sm_frame_t *f)
{
    if (r->cur_off != e->off || r->cr.next > e->sub) {
        const uint8_t *ptr;
        size_t avail, need = SM_SESSFMT_REC_OVERHEAD + (size_t)e->len;
        uint8_t kind;
        uint32_t len;
        r->cur_off = NO_CHUNK;
        if (win_get(r, e->off, need, &ptr, &avail) != 0 || avail < need)
            return -2;
        if (sm_sessfmt_check_record(ptr, avail, r->max_payload, &kind, &len) != SM_OK ||
            kind != e->kind || len != e->len ||
            chunk_load(r, ptr + SM_SESSFMT_REC_HEAD, len, NULL) != 0 || e->sub >= r->cr.n)
            return -1;
        r->cur_off = e->off;
    }
    while (r->cr.next < e->sub)
        if (sm_sessfmt_chunk_next(&r->cr, f) != SM_OK)
            return -1;
    return sm_sessfmt_chunk_next(&r->cr, f) == SM_OK ? 0 : -1;
}

sm_status sm_session_reader_next(sm_session_reader_t *r, sm_session_record_t *rec)
{
    while (r->pos < r->nidx) {
        const idx_entry *e = &r->idx[r->pos++];
        const uint8_t *ptr;
        size_t avail;
        if (e->kind == SM_SESSFMT_REC_CHUNK) {
            if (e->off == r->bad_off)
                continue; /* counted once, at its first frame */
            int k = chunk_frame(r, e, &rec->frame);
            if (k == -2)
                return SM_ERR_IO;
            if (k != 0) {
                r->st.corrupt++;
                r->bad_off = e->off;
                continue;
            }
            rec->kind = SM_REC_FRAME;
            rec->gap_start_us = rec->gap_end_us = 0;
            rec->gap_reason[0] = 0;
            return SM_OK;
        }
        size_t need = SM_SESSFMT_REC_OVERHEAD + (size_t)e->len;
        if (win_get(r, e->off, need, &ptr, &avail) != 0 || avail < need)
            return SM_ERR_IO;
        uint8_t kind;
        uint32_t len;
        /* Checked again: the file may have been overwritten since it was indexed. */
        if (sm_sessfmt_check_record(ptr, avail, r->max_payload, &kind, &len) != SM_OK ||
            kind != e->kind || len != e->len) {
            r->st.corrupt++;
            continue;
        }
        const uint8_t *pl = ptr + SM_SESSFMT_REC_HEAD;
        rec->gap_start_us = rec->gap_end_us = 0;
        rec->gap_reason[0] = 0;
        if (kind == SM_SESSFMT_REC_FRAME) {
            rec->kind = SM_REC_FRAME;
            if (sm_sessfmt_decode_frame(pl, len, &rec->frame) != SM_OK) {
                r->st.corrupt++;
                continue;
            }
        } else {
            rec->kind = SM_REC_GAP;
            rec->frame.rows = rec->frame.cols = 0;
            rec->frame.t_us = 0;
            rec->frame.seq = rec->frame.dev_t_us = 0;
            rec->frame.flags = 0;
            if (sm_sessfmt_decode_gap(pl, len, rec) != SM_OK) {
                r->st.corrupt++;
                continue;
            }
        }
        return SM_OK;
    }
    return SM_EOF;
}

sm_status sm_session_reader_seek(sm_session_reader_t *r, uint64_t t_us)
{
    size_t k;
    if (r->frames_sorted) {
        size_t lo = 0, hi = r->nf; /* first k with t >= t_us */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->idx[r->fidx[mid]].t_us < t_us)
                lo = mid + 1;
            else
                hi = mid;
        }
        k = lo;
    } else {
        for (k = 0; k < r->nf && r->idx[r->fidx[k]].t_us < t_us; k++)
            ;
    }
    r->pos = k < r->nf ? r->fidx[k] : r->nidx;
    return SM_OK;
}

void sm_session_reader_span(const sm_session_reader_t *r, uint64_t *first_us, uint64_t *last_us,
                            unsigned long *frames)
{
    uint64_t a = 0, b = 0;
    if (r->nf > 0) {
        a = r->idx[r->fidx[0]].t_us;
        b = r->idx[r->fidx[r->nf - 1]].t_us;
    }
    if (first_us)
        *first_us = a;
    if (last_us)
        *last_us = b;
    if (frames)
        *frames = (unsigned long)r->nf;
}

const sm_session_stats_t *sm_session_reader_stats(const sm_session_reader_t *r)
{
    return &r->st;
}
