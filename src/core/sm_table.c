#include "sm_table.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest number accepted. Real exports never come near it; the cap keeps the strtod fallback
 * on a fixed stack buffer. */
#define MAX_NUM 400

typedef struct {
    const char *s;
    size_t n;
    char sep;
    int dec_comma;
} src_t;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Next physical line from pos: [*start, *start + *len), line ends excluded. Returns 0 at the end
 * of the text. LF, CRLF and a lone CR all end a line. */
static int next_line(const char *s, size_t n, size_t *pos, size_t *start, size_t *len)
{
    size_t p = *pos;
    if (p >= n)
        return 0;
    size_t e = p;
    while (e < n && s[e] != '\n' && s[e] != '\r')
        e++;
    *start = p;
    *len = e - p;
    if (e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n')
        e++;
    *pos = e < n ? e + 1 : n;
    return 1;
}

static int is_blank(char c, char sep)
{
    return c == ' ' || (c == '\t' && sep != '\t') || c == '\f' || c == '\v';
}

/* Trailing spaces and separators are noise from spreadsheet exports ("1\t2\t"), not empty
 * fields. A separator inside a final quoted field is protected by the closing quote. */
static size_t trim_line_end(const char *l, size_t len, char sep)
{
    while (len > 0 && (is_blank(l[len - 1], sep) || l[len - 1] == sep || l[len - 1] == '\t'))
        len--;
    return len;
}

static int line_is_blank(const char *l, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!(l[i] == ' ' || l[i] == '\t' || l[i] == '\f' || l[i] == '\v'))
            return 0;
    return 1;
}

typedef struct {
    const char *l;
    size_t len, pos;
    char sep;
    int more; /* a separator was seen: one more field follows, even if empty */
} fields_t;

static void fields_init(fields_t *it, const char *l, size_t len, char sep)
{
    it->l = l;
    it->len = trim_line_end(l, len, sep);
    it->pos = 0;
    it->sep = sep;
    it->more = it->len > 0;
}

/* Next field as a raw span; *quoted says the span is the inside of quotes (may hold ""). */
static int fields_next(fields_t *it, const char **f, size_t *flen, int *quoted)
{
    const char *l = it->l;
    size_t n = it->len, p = it->pos;
    char sep = it->sep;
    if (sep == ' ') {
        while (p < n && (l[p] == ' ' || l[p] == '\t' || l[p] == '\f' || l[p] == '\v'))
            p++;
        if (p >= n)
            return 0;
    } else {
        if (!it->more)
            return 0;
        while (p < n && is_blank(l[p], sep))
            p++;
    }
    *quoted = 0;
    size_t b, e;
    if (p < n && l[p] == '"') {
        b = ++p;
        while (p < n) {
            if (l[p] == '"') {
                if (p + 1 < n && l[p + 1] == '"') {
                    p += 2;
                    continue;
                }
                break;
            }
            p++;
        }
        e = p;
        *quoted = 1;
        if (p < n)
            p++; /* closing quote */
        /* Anything between the closing quote and the separator is ignored. */
        if (sep == ' ') {
            while (p < n && !(l[p] == ' ' || l[p] == '\t'))
                p++;
        } else {
            while (p < n && l[p] != sep)
                p++;
        }
    } else {
        b = p;
        if (sep == ' ') {
            while (p < n && !(l[p] == ' ' || l[p] == '\t' || l[p] == '\f' || l[p] == '\v'))
                p++;
        } else {
            while (p < n && l[p] != sep)
                p++;
        }
        e = p;
        while (e > b && is_blank(l[e - 1], sep))
            e--;
    }
    if (sep != ' ') {
        it->more = p < n; /* stopped on a separator */
        if (p < n)
            p++;
    }
    it->pos = p;
    *f = l + b;
    *flen = e - b;
    return 1;
}

/* Copy a field, undoing "" inside quotes. Returns the length written (dst holds cap bytes,
 * NUL-terminated, truncated when longer). */
static size_t field_copy(char *dst, size_t cap, const char *f, size_t flen, int quoted)
{
    size_t k = 0;
    for (size_t i = 0; i < flen && k + 1 < cap; i++) {
        dst[k++] = f[i];
        if (quoted && f[i] == '"' && i + 1 < flen && f[i + 1] == '"')
            i++;
    }
    if (cap)
        dst[k] = 0;
    return k;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Strict decimal number. The common short case is computed exactly without strtod (an integer
 * below 2^53 times or divided by an exact power of ten rounds correctly), so the result does not
 * depend on the C locale; long mantissas fall back to strtod with the locale's decimal point. */
static int parse_num(const char *f, size_t len, int dec_comma, double *out)
{
    char buf[MAX_NUM + 1];
    if (len == 0 || len > MAX_NUM)
        return 0;
    size_t i = 0;
    int neg = 0;
    if (f[i] == '+' || f[i] == '-') {
        neg = f[i] == '-';
        i++;
    }
    uint64_t m = 0;
    int sig = 0, digits = 0, dropped_nonzero = 0;
    long exp10 = 0;
    while (i < len && f[i] >= '0' && f[i] <= '9') {
        digits++;
        if (m == 0 && f[i] == '0') {
            i++;
            continue;
        }
        if (sig < 19) {
            m = m * 10 + (uint64_t)(f[i] - '0');
            sig++;
        } else {
            exp10++;
            dropped_nonzero |= f[i] != '0';
        }
        i++;
    }
    if (i < len && (f[i] == '.' || (dec_comma && f[i] == ','))) {
        i++;
        while (i < len && f[i] >= '0' && f[i] <= '9') {
            digits++;
            if (m == 0 && f[i] == '0') {
                exp10--;
            } else if (sig < 19) {
                m = m * 10 + (uint64_t)(f[i] - '0');
                sig++;
                exp10--;
            } else {
                dropped_nonzero |= f[i] != '0';
            }
            i++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (f[i] == 'e' || f[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (f[i] == '+' || f[i] == '-')) {
            eneg = f[i] == '-';
            i++;
        }
        if (i >= len || f[i] < '0' || f[i] > '9')
            return 0;
        long e = 0;
        while (i < len && f[i] >= '0' && f[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (f[i] - '0');
            i++;
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return 0;
    double v;
    if (m == 0) {
        v = 0.0;
    } else if (!dropped_nonzero && m < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        v = exp10 >= 0 ? (double)m * pow10_exact[exp10] : (double)m / pow10_exact[-exp10];
    } else {
        const struct lconv *lc = localeconv();
        char dp = (lc && lc->decimal_point && lc->decimal_point[0]) ? lc->decimal_point[0] : '.';
        for (size_t k = 0; k < len; k++)
            buf[k] = (f[k] == '.' || f[k] == ',') ? dp : f[k];
        buf[len] = 0;
        char *end = NULL;
        v = strtod(buf, &end);
        if (end != buf + len || !isfinite(v))
            return 0;
        *out = v;
        return 1;
    }
    *out = neg ? -v : v;
    return 1;
}

static int field_num(const char *f, size_t flen, int quoted, int dec_comma, double *out)
{
    if (!quoted)
        return parse_num(f, flen, dec_comma, out);
    char buf[MAX_NUM + 1];
    if (flen > MAX_NUM)
        return 0;
    size_t k = field_copy(buf, sizeof buf, f, flen, 1);
    size_t b = 0;
    while (b < k && buf[b] == ' ')
        b++;
    while (k > b && buf[k - 1] == ' ')
        k--;
    return parse_num(buf + b, k - b, dec_comma, out);
}

/* The cell text for an error message: short and printable. */
static void cell_excerpt(char *dst, size_t cap, const char *f, size_t flen)
{
    size_t k = 0;
    for (size_t i = 0; i < flen && k + 4 < cap; i++) {
        unsigned char c = (unsigned char)f[i];
        dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        if (i == 23 && flen > 24) {
            dst[k++] = '.';
            dst[k++] = '.';
            dst[k++] = '.';
            break;
        }
    }
    dst[k] = 0;
}

static char choose_sep(const char *l, size_t len)
{
    size_t tabs = 0, semis = 0, commas = 0;
    int inq = 0;
    for (size_t i = 0; i < len; i++) {
        if (l[i] == '"')
            inq = !inq;
        else if (!inq && l[i] == '\t')
            tabs++;
        else if (!inq && l[i] == ';')
            semis++;
        else if (!inq && l[i] == ',')
            commas++;
    }
    /* Trailing separators alone ("Time\t") still decide: they show how the file was written. */
    return tabs ? '\t' : semis ? ';' : commas ? ',' : ' ';
}

/* One pass over the data lines. With dst NULL it validates and counts rows; with dst it stores
 * values column-major (stride nrows). Returns SM_OK or SM_ERR_FORMAT with err set. */
static sm_status scan_rows(const src_t *src, size_t pos, unsigned long lineno, size_t ncols,
                           double *dst, size_t stride, size_t *nrows, char *err, size_t errlen)
{
    size_t rows = 0, start, len;
    while (next_line(src->s, src->n, &pos, &start, &len)) {
        lineno++;
        const char *l = src->s + start;
        if (line_is_blank(l, len))
            continue;
        fields_t it;
        fields_init(&it, l, len, src->sep);
        const char *f;
        size_t flen, col = 0;
        int quoted;
        while (fields_next(&it, &f, &flen, &quoted)) {
            double v = 0.0;
            if (col < ncols && !field_num(f, flen, quoted, src->dec_comma, &v)) {
                char ex[32];
                cell_excerpt(ex, sizeof ex, f, flen);
                if (flen == 0)
                    set_err(err, errlen, "line %lu, column %zu: empty field", lineno, col + 1);
                else
                    set_err(err, errlen, "line %lu, column %zu: '%s' is not a number", lineno,
                            col + 1, ex);
                *nrows = rows;
                return SM_ERR_FORMAT;
            }
            if (dst && col < ncols)
                dst[col * stride + rows] = v;
            col++;
        }
        if (col != ncols) {
            set_err(err, errlen, "line %lu: %zu field%s, expected %zu", lineno, col,
                    col == 1 ? "" : "s", ncols);
            *nrows = rows;
            return SM_ERR_FORMAT;
        }
        rows++;
    }
    *nrows = rows;
    return SM_OK;
}

/* UTF-16 with a byte-order mark (what some Windows tools save as "CSV") becomes 8-bit text:
 * ASCII stays, everything else is '?'. */
static char *from_utf16(const unsigned char *b, size_t n, int big_endian, size_t *outn)
{
    size_t units = n / 2;
    char *o = malloc(units ? units : 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < units; i++) {
        unsigned u = big_endian ? ((unsigned)b[2 * i] << 8 | b[2 * i + 1])
                                : ((unsigned)b[2 * i + 1] << 8 | b[2 * i]);
        if (u >= 0xDC00 && u <= 0xDFFF)
            continue; /* second half of a surrogate pair: already one '?' */
        o[k++] = u < 0x80 ? (char)u : '?';
    }
    *outn = k;
    return o;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int eq_nocase(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Length of a name without a trailing unit: "COPx[cm]" -> 4, "Time (s)" -> 4,
 * "Weight/kg" -> 6. */
static size_t base_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] != '[' && s[k] != '(' && s[k] != '/')
        k++;
    while (k > 0 && s[k - 1] == ' ')
        k--;
    return k;
}

sm_status sm_table_parse(const char *text, size_t n, sm_table_t *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (out)
        memset(out, 0, sizeof *out);
    if (!text || !out) {
        set_err(err, errlen, "no input");
        return SM_ERR_ARG;
    }
    const unsigned char *b = (const unsigned char *)text;
    char *conv = NULL;
    src_t src = {text, n, ' ', 0};
    if (n >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        conv = from_utf16(b + 2, n - 2, b[0] == 0xFE, &src.n);
        if (!conv) {
            set_err(err, errlen, "out of memory");
            return SM_ERR_NOMEM;
        }
        src.s = conv;
    } else if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        src.s = text + 3;
        src.n = n - 3;
    }

    sm_status st = SM_OK;
    size_t pos = 0, hstart = 0, hlen = 0;
    unsigned long lineno = 0;
    int found = 0;
    while (next_line(src.s, src.n, &pos, &hstart, &hlen)) {
        lineno++;
        if (!line_is_blank(src.s + hstart, hlen)) {
            found = 1;
            break;
        }
    }
    if (!found) {
        set_err(err, errlen, "empty table: no header line");
        free(conv);
        return SM_ERR_FORMAT;
    }
    const char *hl = src.s + hstart;
    src.sep = choose_sep(hl, hlen);
    src.dec_comma = src.sep != ',';

    /* Header: count the fields, their total length, and whether they are all numbers. */
    fields_t it;
    const char *f;
    size_t flen, ncols = 0, namebytes = 0;
    int quoted, numeric = 1;
    fields_init(&it, hl, hlen, src.sep);
    while (fields_next(&it, &f, &flen, &quoted)) {
        double v;
        ncols++;
        namebytes += flen + 1;
        if (numeric && !field_num(f, flen, quoted, src.dec_comma, &v))
            numeric = 0;
    }
    if (ncols == 0) { /* a header of separators only */
        set_err(err, errlen, "line %lu: header has no column names", lineno);
        free(conv);
        return SM_ERR_FORMAT;
    }

    size_t data_pos = numeric ? hstart : pos;
    unsigned long data_line = numeric ? lineno - 1 : lineno;
    size_t nrows = 0;
    st = scan_rows(&src, data_pos, data_line, ncols, NULL, 0, &nrows, err, errlen);
    if (st != SM_OK) {
        free(conv);
        return st;
    }

    /* One block: the pointer array, then the names. */
    char **names = malloc(ncols * sizeof *names + (numeric ? ncols : namebytes));
    double *values = nrows ? malloc(nrows * ncols * sizeof *values) : NULL;
    if (!names || (nrows && !values)) {
        free(names);
        free(values);
        free(conv);
        set_err(err, errlen, "out of memory (%zu rows x %zu columns)", nrows, ncols);
        return SM_ERR_NOMEM;
    }
    char *np = (char *)(names + ncols);
    fields_init(&it, hl, hlen, src.sep);
    for (size_t c = 0; c < ncols; c++) {
        fields_next(&it, &f, &flen, &quoted);
        names[c] = np;
        if (numeric) {
            *np++ = 0;
        } else {
            size_t k = field_copy(np, flen + 1, f, flen, quoted);
            np += k + 1;
        }
    }
    if (nrows) {
        size_t again = 0;
        scan_rows(&src, data_pos, data_line, ncols, values, nrows, &again, NULL, 0);
    }
    out->ncols = ncols;
    out->nrows = nrows;
    out->names = names;
    out->values = values;
    out->sep = src.sep;
    out->has_header = !numeric;
    free(conv);
    return SM_OK;
}

void sm_table_free(sm_table_t *t)
{
    if (!t)
        return;
    free(t->names);
    free(t->values);
    memset(t, 0, sizeof *t);
}

int sm_table_column(const sm_table_t *t, const char *name_or_index)
{
    if (!t || !name_or_index || !t->names)
        return -1;
    const char *q = name_or_index;
    while (*q == ' ')
        q++;
    size_t qn = strlen(q);
    while (qn > 0 && q[qn - 1] == ' ')
        qn--;
    if (qn == 0)
        return -1;
    if (all_digits(q, qn)) {
        size_t k = 0;
        for (size_t i = 0; i < qn; i++) {
            if (k > (size_t)INT_MAX / 10)
                return -1;
            k = k * 10 + (size_t)(q[i] - '0');
        }
        return (k >= 1 && k <= t->ncols && k <= (size_t)INT_MAX) ? (int)(k - 1) : -1;
    }
    if (t->ncols > (size_t)INT_MAX)
        return -1;
    for (size_t c = 0; c < t->ncols; c++)
        if (strlen(t->names[c]) == qn && memcmp(t->names[c], q, qn) == 0)
            return (int)c;
    for (size_t c = 0; c < t->ncols; c++)
        if (eq_nocase(t->names[c], strlen(t->names[c]), q, qn))
            return (int)c;
    size_t qb = base_len(q, qn);
    if (qb == 0)
        return -1;
    for (size_t c = 0; c < t->ncols; c++) {
        size_t nn = strlen(t->names[c]);
        if (eq_nocase(t->names[c], base_len(t->names[c], nn), q, qb))
            return (int)c;
    }
    return -1;
}

const double *sm_table_col(const sm_table_t *t, size_t c)
{
    if (!t || c >= t->ncols || !t->values)
        return NULL;
    return t->values + c * t->nrows;
}
