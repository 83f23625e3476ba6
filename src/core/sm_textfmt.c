#include "sm_textfmt.h"

#include <stdio.h>
#include <string.h>

static int is_sep(unsigned char ch)
{
    return ch == ',' || ch == ' ' || ch == '\t' || ch == ';' || ch == '\r' || ch == '\v' ||
           ch == '\f';
}

static int is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static void reject(sm_text_parser_t *p, unsigned long line, const char *fmt_reason)
{
    p->c.bad_lines++;
    p->c.last_bad_line = line;
    snprintf(p->c.last_error, sizeof p->c.last_error, "line %lu: %s", line, fmt_reason);
}

/* Copy of a token for a message, cut short and with control/non-ASCII bytes replaced, so a
 * binary line cannot put garbage into a terminal or a JSON report. */
static void quote_token(const char *s, size_t n, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < outlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch : '?';
        if (i == 11 && i + 1 < n) {
            out[k++] = '.';
            out[k++] = '.';
            break;
        }
    }
    out[k] = 0;
}

/* One pass over a line: counts values and, when dst is set, stores the first cap of them.
 * Returns 0 and the count, or -1 with a reason (without the "line N: " prefix). */
static int parse_line(const char *s, size_t n, uint16_t *dst, size_t cap, size_t *count, char *why,
                      size_t whylen)
{
    size_t i = 0, k = 0;
    *count = 0;
    for (;;) {
        while (i < n && is_sep((unsigned char)s[i]))
            i++;
        if (i == n)
            break;
        size_t start = i;
        int negative = 0;
        if (s[i] == '-') {
            negative = 1;
            i++;
        }
        uint32_t ip = 0; /* saturates just above 65535 so long digit strings cannot overflow */
        size_t digits = 0;
        while (i < n && is_digit((unsigned char)s[i])) {
            if (ip <= 65535u)
                ip = ip * 10u + (uint32_t)(s[i] - '0');
            digits++;
            i++;
        }
        if (i < n && s[i] == '.') {
            i++;
            if (i < n && is_digit((unsigned char)s[i]) && s[i] >= '5' && ip <= 65535u)
                ip++;
            while (i < n && is_digit((unsigned char)s[i])) {
                digits++;
                i++;
            }
        }
        /* The token runs to the next separator; anything left in it makes it a non-number. */
        size_t end = i;
        while (end < n && !is_sep((unsigned char)s[end]))
            end++;
        char tok[24];
        quote_token(s + start, end - start, tok, sizeof tok);
        if (digits == 0 || end != i) {
            snprintf(why, whylen, "value %zu is not a number (\"%s\")", k + 1, tok);
            return -1;
        }
        if (negative) {
            snprintf(why, whylen, "value %zu is negative (\"%s\")", k + 1, tok);
            return -1;
        }
        if (ip > 65535u) {
            snprintf(why, whylen, "value %zu is above 65535 (\"%s\")", k + 1, tok);
            return -1;
        }
        if (dst && k < cap)
            dst[k] = (uint16_t)ip;
        k++;
    }
    *count = k;
    return 0;
}

static void drop_pending(sm_text_parser_t *p)
{
    if (p->pending_rows == 0)
        return;
    p->c.frames_lost++;
    char why[64];
    snprintf(why, sizeof why, "frame ended after %u of %u rows", (unsigned)p->pending_rows,
             (unsigned)p->rows);
    reject(p, p->pending_line, why);
    p->pending_rows = 0;
}

static void emit(sm_text_parser_t *p, const uint16_t *cells, sm_frame_t *out)
{
    size_t cells_n = (size_t)p->rows * p->cols;
    if (cells != out->cells)
        memcpy(out->cells, cells, cells_n * sizeof cells[0]);
    out->rows = p->rows;
    out->cols = p->cols;
    out->t_us = 0;
    out->seq = 0;
    out->dev_t_us = 0;
    out->flags = 0;
    p->c.frames++;
}

/* A rejected line outside a row-per-line frame: where whole frames come one a line (or nothing
 * was understood yet) the line was a frame. */
static void lost_line(sm_text_parser_t *p)
{
    if (p->pending_rows == 0 && p->layout != 2)
        p->c.frames_lost++;
}

/* The time stamp at the start of a line: digits with an optional fraction. Returns the bytes it
 * took (up to and including its separators), 0 when the line does not start with one. */
static size_t parse_time(const char *s, size_t n, double *t)
{
    size_t i = 0;
    while (i < n && is_sep((unsigned char)s[i]))
        i++;
    double v = 0, f = 0.1;
    size_t digits = 0;
    while (i < n && is_digit((unsigned char)s[i])) {
        v = v * 10 + (s[i++] - '0');
        digits++;
    }
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit((unsigned char)s[i]); i++, digits++, f *= 0.1)
            v += f * (s[i] - '0');
    if (digits == 0 || (i < n && !is_sep((unsigned char)s[i])))
        return 0;
    *t = v;
    return i;
}

/* A complete line is in p->line[0..n). Returns 1 when it completed a frame in *out. */
static int end_line(sm_text_parser_t *p, sm_frame_t *out)
{
    unsigned long lineno = ++p->c.lines;
    size_t n = p->n;
    int overlong = p->overlong;
    p->n = 0;
    p->overlong = 0;

    char why[80];
    if (overlong) {
        lost_line(p);
        drop_pending(p);
        snprintf(why, sizeof why, "longer than %d bytes", SM_TEXT_MAX_LINE);
        reject(p, lineno, why);
        return 0;
    }
    const char *line = p->line;
    double t = 0;
    if (p->time_scale > 0) {
        size_t k = 0;
        for (; k < n && is_sep((unsigned char)line[k]); k++)
            ;
        if (k == n) /* blank */
            return 0;
        size_t used = parse_time(line, n, &t);
        if (!used) {
            lost_line(p);
            reject(p, lineno, "no time stamp at the start");
            return 0;
        }
        line += used;
        n -= used;
    }
    size_t count;
    if (parse_line(line, n, NULL, 0, &count, why, sizeof why) != 0) {
        lost_line(p);
        drop_pending(p);
        reject(p, lineno, why);
        return 0;
    }
    size_t cells = (size_t)p->rows * p->cols;
    if (count == 0 && p->time_scale <= 0) { /* blank: ends (and rejects) an unfinished frame */
        drop_pending(p);
        return 0;
    }
    if (count == cells) {
        drop_pending(p);
        parse_line(line, n, out->cells, cells, &count, why, sizeof why);
        emit(p, out->cells, out);
        p->layout = 1;
        if (p->time_scale > 0) {
            double us = t * p->time_scale;
            out->t_us = us < 1.8e19 ? (uint64_t)(us + 0.5) : UINT64_MAX;
        }
        return 1;
    }
    if (count == p->cols && p->time_scale <= 0) {
        if (p->pending_rows == 0)
            p->pending_line = lineno;
        parse_line(p->line, n, p->pending + (size_t)p->pending_rows * p->cols, p->cols, &count, why,
                   sizeof why);
        p->layout = 2;
        if (++p->pending_rows < p->rows)
            return 0;
        p->pending_rows = 0;
        emit(p, p->pending, out);
        return 1;
    }
    lost_line(p);
    drop_pending(p);
    p->c.last_wrong_count = count;
    if (p->time_scale > 0)
        snprintf(why, sizeof why, "%zu values after the time, expected %zu (%u x %u)", count, cells,
                 (unsigned)p->rows, (unsigned)p->cols);
    else if (p->rows == 1)
        snprintf(why, sizeof why, "%zu values, expected %zu", count, cells);
    else
        snprintf(why, sizeof why, "%zu values, expected %zu (%u x %u) or %u", count, cells,
                 (unsigned)p->rows, (unsigned)p->cols, (unsigned)p->cols);
    reject(p, lineno, why);
    return 0;
}

sm_status sm_text_parser_init(sm_text_parser_t *p, uint16_t rows, uint16_t cols)
{
    if (!p)
        return SM_ERR_ARG;
    memset(&p->c, 0, sizeof p->c);
    p->rows = 0;
    p->cols = 0;
    p->n = 0;
    p->overlong = 0;
    p->pending_rows = 0;
    p->pending_line = 0;
    p->layout = 0;
    p->time_scale = 0;
    if (rows < 1 || rows > SM_MAX_ROWS || cols < 1 || cols > SM_MAX_COLS)
        return SM_ERR_RANGE;
    p->rows = rows;
    p->cols = cols;
    return SM_OK;
}

void sm_text_parser_set_time(sm_text_parser_t *p, double scale_to_us)
{
    if (p)
        p->time_scale = scale_to_us > 0 && scale_to_us < 1e12 ? scale_to_us : 0;
}

size_t sm_text_parser_feed(sm_text_parser_t *p, const uint8_t *data, size_t n, sm_frame_t *out,
                           int *got)
{
    *got = 0;
    if (p->rows == 0) /* init failed: consume and ignore */
        return n;
    size_t i = 0;
    while (i < n) {
        const uint8_t *nl = memchr(data + i, '\n', n - i);
        size_t seg = nl ? (size_t)(nl - (data + i)) : n - i;
        if (!p->overlong) {
            size_t room = SM_TEXT_MAX_LINE - p->n;
            if (seg > room) {
                p->overlong = 1;
            } else {
                memcpy(p->line + p->n, data + i, seg);
                p->n += seg;
            }
        }
        i += seg;
        if (!nl)
            break;
        i++; /* the '\n' */
        if (end_line(p, out)) {
            *got = 1;
            return i;
        }
    }
    return n;
}

int sm_text_parser_finish(sm_text_parser_t *p, sm_frame_t *out)
{
    if (p->rows == 0)
        return 0;
    int got = 0;
    if (p->n > 0 || p->overlong)
        got = end_line(p, out);
    drop_pending(p);
    return got;
}
