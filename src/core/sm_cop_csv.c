#include "sm_cop_csv.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest column name or index accepted in a --columns field. */
#define MAX_FIELD 128

static void set_msg(char *dst, size_t len, const char *fmt, ...)
{
    if (!dst || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

/* Append ", name" for every column to buf (for "columns are: ..."), cut at its size. */
static void list_columns(const sm_table_t *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    if (!t->has_header) {
        snprintf(buf, len, "none named (no header line); use 1..%zu", t->ncols);
        return;
    }
    for (size_t c = 0; c < t->ncols && used + 1 < len; c++) {
        int k = snprintf(buf + used, len - used, "%s%s", c ? ", " : "", t->names[c]);
        if (k < 0)
            break;
        used += (size_t)k < len - used ? (size_t)k : len - used - 1;
    }
}

static void not_found(const sm_table_t *t, const char *what, char *err, size_t errlen)
{
    char cols[160];
    list_columns(t, cols, sizeof cols);
    set_msg(err, errlen, "column '%s' not found; columns are: %s", what, cols);
}

static int eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* The trailing unit of a column name: "COPx[cm]" -> "cm", "x (mm)" -> "mm", "y/m" -> "m".
 * Only a short run of letters counts, so "x (left foot)" has no unit. Writes "" when none. */
static void name_unit(const char *name, char *unit, size_t len)
{
    unit[0] = 0;
    size_t n = strlen(name);
    while (n > 0 && name[n - 1] == ' ')
        n--;
    if (n == 0)
        return;
    size_t end = n, beg;
    char close = name[n - 1];
    if (close == ']' || close == ')') {
        char open = close == ']' ? '[' : '(';
        end = n - 1;
        beg = end;
        while (beg > 0 && name[beg - 1] != open)
            beg--;
        if (beg == 0)
            return;
    } else {
        beg = end;
        while (beg > 0 && name[beg - 1] != '/')
            beg--;
        if (beg == 0)
            return;
    }
    while (beg < end && name[beg] == ' ')
        beg++;
    while (end > beg && name[end - 1] == ' ')
        end--;
    size_t ul = end - beg;
    if (ul == 0 || ul > 4 || ul + 1 > len)
        return;
    for (size_t i = beg; i < end; i++)
        if (!isalpha((unsigned char)name[i]))
            return;
    memcpy(unit, name + beg, ul);
    unit[ul] = 0;
}

/* mm per unit; 0 for a unit that is not a length we know. */
static double length_factor(const char *unit)
{
    if (eq_nocase(unit, "mm"))
        return 1.0;
    if (eq_nocase(unit, "cm"))
        return 10.0;
    if (eq_nocase(unit, "m"))
        return 1000.0;
    return 0.0;
}

static sm_status column_factor(const sm_table_t *t, int c, const char *units, double *f, char *err,
                               size_t errlen)
{
    if (units && units[0]) {
        *f = length_factor(units);
        if (*f == 0) {
            set_msg(err, errlen, "unknown length unit '%s' (use mm, cm or m)", units);
            return SM_ERR_ARG;
        }
        return SM_OK;
    }
    char u[8];
    name_unit(t->names[c], u, sizeof u);
    if (!u[0]) {
        *f = 1.0; /* no unit in the name: mm */
        return SM_OK;
    }
    *f = length_factor(u);
    if (*f == 0) {
        set_msg(err, errlen, "column '%s' is in '%s', not a length in mm, cm or m; give the units",
                t->names[c], u);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

/* Seconds per unit of a time column (from its name); 0 when the unit is not a time. */
static double time_factor(const char *name)
{
    char u[8];
    name_unit(name, u, sizeof u);
    if (!u[0] || eq_nocase(u, "s") || eq_nocase(u, "sec"))
        return 1.0;
    if (eq_nocase(u, "ms"))
        return 1e-3;
    return 0.0;
}

static int first_of(const sm_table_t *t, const char *const *names, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        int c = sm_table_column(t, names[i]);
        if (c >= 0)
            return c;
    }
    return -1;
}

/* Parse "T,X,Y" or "X,Y" into columns. */
static sm_status parse_columns(const sm_table_t *t, const char *spec, int *tc, int *xc, int *yc,
                               char *err, size_t errlen)
{
    int cols[3];
    size_t nf = 0;
    const char *p = spec;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len > 0 && isspace((unsigned char)p[len - 1]))
            len--;
        if (nf == 3 || len == 0 || len >= MAX_FIELD) {
            set_msg(err, errlen,
                    "columns '%s': give X,Y or T,X,Y (names or 1-based numbers, comma-separated)",
                    spec);
            return SM_ERR_ARG;
        }
        char field[MAX_FIELD];
        memcpy(field, p, len);
        field[len] = 0;
        int c = sm_table_column(t, field);
        if (c < 0) {
            not_found(t, field, err, errlen);
            return SM_ERR_FORMAT;
        }
        cols[nf++] = c;
        if (!e)
            break;
        p = e + 1;
    }
    if (nf < 2) {
        set_msg(err, errlen,
                "columns '%s': give X,Y or T,X,Y (names or 1-based numbers, comma-separated)",
                spec);
        return SM_ERR_ARG;
    }
    *tc = nf == 3 ? cols[0] : -1;
    *xc = cols[nf - 2];
    *yc = cols[nf - 1];
    return SM_OK;
}

static sm_status default_columns(const sm_table_t *t, int *tc, int *xc, int *yc, char *err,
                                 size_t errlen)
{
    static const char *const xs[] = {"COPx", "COP_x", "COP x", "x"};
    static const char *const ys[] = {"COPy", "COP_y", "COP y", "y"};
    static const char *const ts[] = {"time", "t"};
    *xc = t->has_header ? first_of(t, xs, sizeof xs / sizeof xs[0]) : -1;
    *yc = t->has_header ? first_of(t, ys, sizeof ys / sizeof ys[0]) : -1;
    *tc = t->has_header ? first_of(t, ts, sizeof ts / sizeof ts[0]) : -1;
    if (*xc >= 0 && *yc >= 0)
        return SM_OK;
    /* A bare trace: two columns are X,Y and three are T,X,Y. */
    if (t->ncols == 2 || t->ncols == 3) {
        *tc = t->ncols == 3 ? 0 : -1;
        *xc = (int)t->ncols - 2;
        *yc = (int)t->ncols - 1;
        return SM_OK;
    }
    char cols[160];
    list_columns(t, cols, sizeof cols);
    set_msg(err, errlen, "no column named %s found; columns are: %s; choose them (X,Y or T,X,Y)",
            *xc < 0 ? "COPx or x" : "COPy or y", cols);
    return SM_ERR_FORMAT;
}

/* The rate the time column implies, or 0 with why (a message) when it has none. */
static double time_rate(const sm_table_t *t, int tc, char *why, size_t whylen, char *note,
                        size_t notelen)
{
    const double *tv = sm_table_col(t, (size_t)tc);
    const char *name = t->names[tc][0] ? t->names[tc] : "1";
    double tf = time_factor(t->names[tc]);
    if (tf == 0) {
        set_msg(why, whylen, "time column '%s' is not in s or ms", name);
        return 0;
    }
    if (t->nrows < 2) {
        set_msg(why, whylen, "time column '%s' has fewer than 2 rows", name);
        return 0;
    }
    double dmin = 0, dmax = 0;
    for (size_t r = 1; r < t->nrows; r++) {
        double d = tv[r] - tv[r - 1];
        if (!(d > 0)) {
            set_msg(why, whylen, "time column '%s' does not increase at data row %zu", name, r + 1);
            return 0;
        }
        if (r == 1 || d < dmin)
            dmin = d;
        if (r == 1 || d > dmax)
            dmax = d;
    }
    double span = (tv[t->nrows - 1] - tv[0]) * tf;
    double rate = (double)(t->nrows - 1) / span;
    if (!isfinite(rate) || !(rate > 0)) {
        set_msg(why, whylen, "time column '%s' gives no usable rate", name);
        return 0;
    }
    double mean = span / tf / (double)(t->nrows - 1);
    if (dmax - dmin > 0.1 * mean)
        set_msg(note, notelen, "irregular sampling: steps of %.6g to %.6g s in '%s'", dmin * tf,
                dmax * tf, name);
    return rate;
}

void sm_cop_csv_free(sm_cop_csv_trace_t *tr)
{
    if (!tr)
        return;
    free(tr->x_mm);
    free(tr->y_mm);
    memset(tr, 0, sizeof *tr);
    tr->t_col = tr->x_col = tr->y_col = -1;
}

sm_status sm_cop_csv_read(const sm_table_t *t, const sm_cop_csv_opts_t *opts,
                          sm_cop_csv_trace_t *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!out) {
        set_msg(err, errlen, "no output");
        return SM_ERR_ARG;
    }
    memset(out, 0, sizeof *out);
    out->t_col = out->x_col = out->y_col = -1;
    if (!t || t->ncols == 0) {
        set_msg(err, errlen, "no table");
        return SM_ERR_ARG;
    }
    sm_cop_csv_opts_t o = {NULL, NULL, 0};
    if (opts)
        o = *opts;
    if (isnan(o.rate_hz) || o.rate_hz < 0 || isinf(o.rate_hz)) {
        set_msg(err, errlen, "the rate must be a positive number of Hz");
        return SM_ERR_ARG;
    }
    if (o.units && o.units[0] && length_factor(o.units) == 0) {
        set_msg(err, errlen, "unknown length unit '%s' (use mm, cm or m)", o.units);
        return SM_ERR_ARG;
    }

    int tc, xc, yc;
    sm_status st = o.columns && o.columns[0]
                       ? parse_columns(t, o.columns, &tc, &xc, &yc, err, errlen)
                       : default_columns(t, &tc, &xc, &yc, err, errlen);
    if (st != SM_OK)
        return st;
    if (xc == yc) {
        set_msg(err, errlen, "x and y are the same column (%d)", xc + 1);
        return SM_ERR_ARG;
    }
    double fx, fy;
    if ((st = column_factor(t, xc, o.units, &fx, err, errlen)) != SM_OK ||
        (st = column_factor(t, yc, o.units, &fy, err, errlen)) != SM_OK)
        return st;

    char why[160] = "", note[160] = "";
    double trate = tc >= 0 ? time_rate(t, tc, why, sizeof why, note, sizeof note) : 0;
    double rate = o.rate_hz;
    if (rate == 0) {
        if (tc < 0) {
            set_msg(err, errlen, "no rate given and no time column to derive it from");
            return SM_ERR_ARG;
        }
        if (trate == 0) {
            set_msg(err, errlen, "no rate given and %s", why);
            return SM_ERR_FORMAT;
        }
        rate = trate;
        if (note[0])
            set_msg(out->warning, sizeof out->warning, "%s", note);
    } else if (tc >= 0 && trate == 0) {
        set_msg(out->warning, sizeof out->warning, "time column ignored: %s", why);
    } else if (trate > 0 && fabs(trate - rate) > 0.01 * rate) {
        set_msg(out->warning, sizeof out->warning,
                "rate %.6g Hz given but time column '%s' says %.6g Hz; using %.6g Hz", rate,
                t->names[tc][0] ? t->names[tc] : "1", trate, rate);
    }

    size_t n = t->nrows;
    double *xs = malloc((n ? n : 1) * sizeof *xs);
    double *ys = malloc((n ? n : 1) * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        set_msg(err, errlen, "out of memory (%zu samples)", n);
        return SM_ERR_NOMEM;
    }
    const double *cx = sm_table_col(t, (size_t)xc), *cy = sm_table_col(t, (size_t)yc);
    for (size_t r = 0; r < n; r++) {
        xs[r] = cx[r] * fx;
        ys[r] = cy[r] * fy;
        if (!isfinite(xs[r]) || !isfinite(ys[r])) {
            free(xs);
            free(ys);
            set_msg(err, errlen, "data row %zu: a coordinate is out of range in mm", r + 1);
            return SM_ERR_FORMAT;
        }
    }
    /* A usable time column's unit, so a caller can take the sample times from it: a jump in
     * them is a gap in the recording (a cable pull) that the coach must see as one. */
    if (tc >= 0 && trate > 0)
        out->t_to_s = time_factor(t->names[tc]);
    out->x_mm = xs;
    out->y_mm = ys;
    out->n = n;
    out->rate_hz = rate;
    out->time_rate_hz = trate;
    out->t_col = tc;
    out->x_col = xc;
    out->y_col = yc;
    out->x_to_mm = fx;
    out->y_to_mm = fy;
    return SM_OK;
}
