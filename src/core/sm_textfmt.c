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

uint8_t sm_text_checksum(const uint8_t *line, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= line[i];
    return x;
}

size_t sm_text_format_frame(const uint16_t *cells, uint16_t rows, uint16_t cols, int checksum,
                            char *out, size_t cap)
{
    size_t cells_n = (size_t)rows * cols, n = 0;
    if (cap < cells_n * 6 + 5)
        return 0;
    for (size_t i = 0; i < cells_n; i++) {
        char num[8];
        size_t k = 0;
        unsigned v = cells[i];
        do {
            num[k++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (k)
            out[n++] = num[--k];
        if (i + 1 < cells_n)
            out[n++] = ',';
    }
    if (checksum) {
        static const char hx[] = "0123456789ABCDEF";
        uint8_t x = sm_text_checksum((const uint8_t *)out, n);
        out[n++] = '*';
        out[n++] = hx[x >> 4];
        out[n++] = hx[x & 15];
    }
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

static int hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Finds a `*HH` checksum at the end of line s[0..n) (whitespace may follow). Returns 1 and the
 * length before the '*' in *body and the value in *sum, 0 when the line has none. */
static int find_checksum(const char *s, size_t n, size_t *body, uint8_t *sum)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n < 3 || s[n - 3] != '*')
        return 0;
    int hi = hex_value((unsigned char)s[n - 2]), lo = hex_value((unsigned char)s[n - 1]);
    if (hi < 0 || lo < 0)
        return 0;
    *body = n - 3;
    *sum = (uint8_t)(hi * 16 + lo);
    return 1;
}

static void reject(sm_text_parser_t *p, unsigned long line, const char *fmt_reason)
{
    if (p->in_join)
        return; /* the tail of a line sent before we listened: not an error */
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
    int first_hard = -1; /* whether the first run between two values held a ',' or ';' */
    *count = 0;
    for (;;) {
        int hard = 0;
        while (i < n && is_sep((unsigned char)s[i])) {
            hard += s[i] == ',' || s[i] == ';';
            i++;
        }
        if (i == n)
            break;
        if (k > 0) {
            /* Between two values: never an empty value, and the same kind of run throughout
             * (noise turning a digit into a separator shows here). */
            if (hard > 1 || (first_hard >= 0 && (hard > 0) != first_hard)) {
                snprintf(why, whylen,
                         "values %zu and %zu are separated differently from the rest (damaged?)", k,
                         k + 1);
                return -1;
            }
            if (first_hard < 0)
                first_hard = hard > 0;
        }
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

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_sep((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A non-blank line is rejected: it cost a frame, either the row-per-line frame it cuts short
 * (counted by drop_pending) or, outside one, the frame it was or began. */
static void lose_line(sm_text_parser_t *p)
{
    if (p->in_join)
        return;
    if (p->pending_rows == 0 && p->layout != 2)
        p->c.frames_lost++;
    drop_pending(p);
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
        lose_line(p);
        snprintf(why, sizeof why, "longer than %d bytes", SM_TEXT_MAX_LINE);
        reject(p, lineno, why);
        return 0;
    }
    size_t body;
    uint8_t sum;
    if (find_checksum(p->line, n, &body, &sum)) {
        uint8_t want = sm_text_checksum((const uint8_t *)p->line, body);
        if (want != sum) {
            lose_line(p);
            p->c.checksum_errors += !p->in_join;
            snprintf(why, sizeof why,
                     "checksum *%02X does not match the line (%02X): damaged in transit",
                     (unsigned)sum, (unsigned)want);
            reject(p, lineno, why);
            return 0;
        }
        p->checksummed = 1;
        n = body;
    } else if (p->checksummed && !blank(p->line, n)) {
        lose_line(p);
        p->c.checksum_errors += !p->in_join;
        reject(p, lineno, "no checksum (the mat sends them): damaged in transit");
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
            lose_line(p);
            reject(p, lineno, "no time stamp at the start");
            return 0;
        }
        line += used;
        n -= used;
    }
    size_t count;
    if (parse_line(line, n, NULL, 0, &count, why, sizeof why) != 0) {
        lose_line(p);
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
    lose_line(p);
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
    p->checksummed = 0;
    p->joining = 0;
    p->in_join = 0;
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
        p->in_join = p->joining;
        p->joining = 0;
        int done = end_line(p, out);
        p->in_join = 0;
        if (done) {
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
