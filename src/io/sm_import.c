/* Text mat files -> session files (sm_session_import_text). */
#include "sm_session.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sm_textfmt.h"

#define CHUNK 65536

typedef struct {
    int fd;
    sm_text_parser_t *parser;
    sm_frame_t *frame;
    uint8_t *buf;
} import_ctx;

typedef int (*frame_fn)(void *user, sm_frame_t *f);

/* Reads the whole input through the parser, calling fn for each frame; fn returning non-zero
 * stops. Returns 0, 1 when fn stopped, or -1 with errno on a read error. */
static int parse_all(import_ctx *c, frame_fn fn, void *user)
{
    for (;;) {
        ssize_t k = read(c->fd, c->buf, CHUNK);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0)
            break;
        size_t off = 0;
        while (off < (size_t)k) {
            int got;
            off += sm_text_parser_feed(c->parser, c->buf + off, (size_t)k - off, c->frame, &got);
            if (got && fn(user, c->frame))
                return 1;
        }
    }
    if (sm_text_parser_finish(c->parser, c->frame) && fn(user, c->frame))
        return 1;
    return 0;
}

typedef struct {
    uint16_t mx;
    unsigned long frames;
    uint64_t t_first, t_last; /* time column */
} scan_t;

static int max_of_frame(void *user, sm_frame_t *f)
{
    scan_t *sc = user;
    size_t cells = (size_t)f->rows * f->cols;
    for (size_t i = 0; i < cells; i++)
        if (f->cells[i] > sc->mx)
            sc->mx = f->cells[i];
    if (sc->frames++ == 0)
        sc->t_first = f->t_us;
    sc->t_last = f->t_us;
    return 0;
}

typedef struct {
    sm_session_writer_t *w;
    double rate_hz;
    int timed; /* frames carry their own time (t_us from the time column) */
    uint64_t t0, last;
    uint16_t sample_max;
    unsigned long k;
    sm_status st;
    char *err;
    size_t errlen;
} write_ctx;

static int write_frame(void *user, sm_frame_t *f)
{
    write_ctx *wc = user;
    if (wc->timed) {
        if (wc->k == 0)
            wc->t0 = f->t_us;
        uint64_t t = f->t_us >= wc->t0 ? f->t_us - wc->t0 : 0;
        if (wc->k > 0 && t <= wc->last)
            t = wc->last + 1;
        wc->last = t;
        f->t_us = t;
    } else {
        f->t_us = (uint64_t)llround((double)wc->k * 1e6 / wc->rate_hz);
    }
    f->seq = (uint32_t)wc->k;
    f->dev_t_us = 0;
    f->flags = 0;
    size_t cells = (size_t)f->rows * f->cols;
    for (size_t i = 0; i < cells; i++)
        if (f->cells[i] >= wc->sample_max) {
            f->flags |= SM_FRAME_SATURATED;
            break;
        }
    wc->k++;
    wc->st = sm_session_writer_frame(wc->w, f, wc->err, wc->errlen);
    return wc->st != SM_OK;
}

static void fill_stats(const sm_text_parser_t *p, sm_import_stats_t *stats)
{
    if (!stats)
        return;
    stats->frames = p->c.frames;
    stats->bad_lines = p->c.bad_lines;
    stats->last_bad_line = p->c.last_bad_line;
    snprintf(stats->last_error, sizeof stats->last_error, "%s", p->c.last_error);
}

#define IMPORT_CHUNK_US 60000000u /* 60 s */

static sm_status import_text(const char *in_path, const char *out_path, uint16_t rows,
                             uint16_t cols, double rate_hz, double time_to_us, double pitch_mm,
                             sm_import_stats_t *stats, char *err, size_t errlen)
{
    char msg[400];
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (err && errlen)
        err[0] = 0;
    if (!in_path || !out_path || !(rate_hz > 0 || time_to_us > 0) || !isfinite(rate_hz) ||
        !isfinite(time_to_us) || !(pitch_mm >= 0) || !isfinite(pitch_mm)) {
        if (err && errlen)
            snprintf(err, errlen,
                     "import: need input and output files, a rate > 0 Hz and a "
                     "pitch >= 0 mm");
        return SM_ERR_ARG;
    }
    if (rows < 1 || rows > SM_MAX_ROWS || cols < 1 || cols > SM_MAX_COLS) {
        snprintf(msg, sizeof msg, "import: mat %ux%u is outside 1..64", (unsigned)rows,
                 (unsigned)cols);
        if (err && errlen)
            snprintf(err, errlen, "%s", msg);
        return SM_ERR_RANGE;
    }

    import_ctx c = {.fd = -1};
    sm_status st = SM_OK;
    c.parser = malloc(sizeof *c.parser);
    c.frame = malloc(sizeof *c.frame);
    c.buf = malloc(CHUNK);
    if (!c.parser || !c.frame || !c.buf) {
        snprintf(msg, sizeof msg, "import: out of memory");
        st = SM_ERR_NOMEM;
        free(c.parser);
        c.parser = NULL;
        goto out;
    }
    sm_text_parser_init(c.parser, rows, cols);
    sm_text_parser_set_time(c.parser, time_to_us);
    c.fd = open(in_path, O_RDONLY | O_CLOEXEC);
    if (c.fd < 0) {
        snprintf(msg, sizeof msg, "cannot open %s: %s", in_path, strerror(errno));
        st = SM_ERR_IO;
        goto out;
    }
    struct stat sb, so;
    int regular = fstat(c.fd, &sb) == 0 && S_ISREG(sb.st_mode);
    /* Importing onto the input would truncate it before it is read. */
    if (regular && stat(out_path, &so) == 0 && so.st_dev == sb.st_dev && so.st_ino == sb.st_ino) {
        snprintf(msg, sizeof msg, "import: %s is both input and output", in_path);
        st = SM_ERR_ARG;
        goto out;
    }

    /* sample_max goes in the header, before the first frame: a regular file is read twice to
     * find its largest value. */
    uint16_t sample_max = 65535;
    if (regular) {
        scan_t sc = {0, 0, 0, 0};
        if (parse_all(&c, max_of_frame, &sc) < 0 || lseek(c.fd, 0, SEEK_SET) != 0) {
            snprintf(msg, sizeof msg, "cannot read %s: %s", in_path, strerror(errno));
            st = SM_ERR_IO;
            goto out;
        }
        if (c.parser->c.frames == 0)
            goto no_frames;
        sample_max = sc.mx > 4095 ? 65535 : 4095;
        if (time_to_us > 0) /* the rate the time column says: frames over the time they span */
            rate_hz = sc.frames > 1 && sc.t_last > sc.t_first
                          ? (double)(sc.frames - 1) * 1e6 / (double)(sc.t_last - sc.t_first)
                          : 0;
    } else if (time_to_us > 0) {
        rate_hz = 0; /* a pipe is read once: unknown */
    }
    if (stats)
        stats->rate_hz = rate_hz;

    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = rows;
    h.mat.cols = cols;
    h.mat.pitch_mm = pitch_mm;
    h.mat.rate_hz = rate_hz;
    h.mat.sample_max = sample_max;
    const char *base = strrchr(in_path, '/');
    base = base ? base + 1 : in_path;
    snprintf(h.source, sizeof h.source, "import:%s", base);
    h.start_unix_ms = 0;
    h.version = SM_SESSION_VERSION;

    sm_text_parser_init(c.parser, rows, cols);
    sm_text_parser_set_time(c.parser, time_to_us);
    sm_session_writer_t *w;
    st = sm_session_writer_open(out_path, &h, &w, msg, sizeof msg);
    if (st != SM_OK)
        goto out;
    /* The text file stays: an interrupted import is simply run again, so chunks may span more
     * than the 250 ms a recording promises, and a slow mat's frames (PmatData: 1 Hz) are
     * predicted from each other instead of each on its own. */
    sm_session_writer_set_chunk_span(w, IMPORT_CHUNK_US);
    write_ctx wc = {.w = w,
                    .rate_hz = rate_hz,
                    .timed = time_to_us > 0,
                    .sample_max = sample_max,
                    .err = msg,
                    .errlen = sizeof msg};
    int rc = parse_all(&c, write_frame, &wc);
    if (rc < 0) {
        int e = errno;
        sm_session_writer_close(w, NULL, 0);
        unlink(out_path);
        snprintf(msg, sizeof msg, "cannot read %s: %s", in_path, strerror(e));
        st = SM_ERR_IO;
        goto out;
    }
    if (rc > 0) { /* the writer failed: its message is in msg */
        st = wc.st;
        sm_session_writer_close(w, NULL, 0);
        goto out;
    }
    st = sm_session_writer_close(w, msg, sizeof msg);
    if (st != SM_OK)
        goto out;
    if (c.parser->c.frames == 0) {
        unlink(out_path);
        goto no_frames;
    }
    goto out;

no_frames:
    if (c.parser->c.bad_lines)
        snprintf(msg, sizeof msg, "%s: no %ux%u frames found (%lu lines, %lu rejected; last: %s)",
                 in_path, (unsigned)rows, (unsigned)cols, c.parser->c.lines, c.parser->c.bad_lines,
                 c.parser->c.last_error);
    else
        snprintf(msg, sizeof msg, "%s: no %ux%u frames found (%lu lines)", in_path, (unsigned)rows,
                 (unsigned)cols, c.parser->c.lines);
    st = SM_ERR_FORMAT;
out:
    if (c.parser) {
        double keep = stats ? stats->rate_hz : 0;
        fill_stats(c.parser, stats);
        if (stats)
            stats->rate_hz = keep;
    }
    if (st != SM_OK && err && errlen)
        snprintf(err, errlen, "%s", msg);
    if (c.fd >= 0)
        close(c.fd);
    free(c.parser);
    free(c.frame);
    free(c.buf);
    return st;
}

sm_status sm_session_import_text(const char *in_path, const char *out_path, uint16_t rows,
                                 uint16_t cols, double rate_hz, double pitch_mm,
                                 sm_import_stats_t *stats, char *err, size_t errlen)
{
    if (!(rate_hz > 0)) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        if (err && errlen)
            snprintf(err, errlen,
                     "import: need input and output files, a rate > 0 Hz and a "
                     "pitch >= 0 mm");
        return SM_ERR_ARG;
    }
    sm_status s =
        import_text(in_path, out_path, rows, cols, rate_hz, 0, pitch_mm, stats, err, errlen);
    if (stats)
        stats->rate_hz = rate_hz;
    return s;
}

sm_status sm_session_import_text_timed(const char *in_path, const char *out_path, uint16_t rows,
                                       uint16_t cols, double time_to_us, double pitch_mm,
                                       sm_import_stats_t *stats, char *err, size_t errlen)
{
    if (!(time_to_us > 0)) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        if (err && errlen)
            snprintf(err, errlen, "import: the time column needs its units");
        return SM_ERR_ARG;
    }
    return import_text(in_path, out_path, rows, cols, 0, time_to_us, pitch_mm, stats, err, errlen);
}
