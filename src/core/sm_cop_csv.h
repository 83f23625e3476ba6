/*
 * A centre-of-pressure trace out of a parsed table (sm_table.h): the reader behind
 * `steadymat analyze --cop-csv FILE --rate HZ [--columns T,X,Y] [--units mm|cm]`. Pure: the
 * caller reads and parses the file; nothing here touches the OS or prints.
 *
 * Columns (opts.columns):
 *   "T,X,Y" or "X,Y": each a column name or a 1-based index, as sm_table_column matches them
 *   (exact, then ignoring case, then ignoring a trailing unit: "copx" finds "COPx[cm]");
 *   NULL or "": defaults. x = the first column called COPx, COP_x, "COP x" or x (any case and
 *   unit); y = COPy, COP_y, y; time = a column called time or t, when there is one. When no name
 *   matches, a table of exactly 2 columns is X,Y and of exactly 3 columns T,X,Y (bare traces,
 *   headerless files).
 *   x is the first axis as the file gives it and y the second; in force-plate exports such as
 *   the BDS data set COPx is medio-lateral and COPy antero-posterior, which is the order
 *   sm_sway_compute takes (x = ml, y = ap).
 * Units (opts.units): "mm", "cm" or "m" (case-insensitive) apply to both axes; NULL or "": each
 *   column's own unit from its name ("COPx[cm]", "x (mm)", "y/m"), mm when it has none.
 * Rate: opts.rate_hz > 0 is used as given; otherwise it comes from the time column
 *   (n - 1) / (t_last - t_first), with the time unit from its name (s by default, "ms" known).
 *   When both are there and differ by more than 1 %, the given rate wins and `warning` says so.
 *
 * Errors are SM_ERR_ARG (bad options: unknown unit, malformed column list, no rate) or
 * SM_ERR_FORMAT (the table does not have what is asked for), with a one-line message such as
 *   "column 'COPz' not found; columns are: Time[s], Fx[N], Fy[N], ..."
 * and SM_ERR_NOMEM.
 */
#ifndef SM_COP_CSV_H
#define SM_COP_CSV_H

#include <stddef.h>

#include "sm_status.h"
#include "sm_table.h"

typedef struct {
    const char *columns; /* "T,X,Y", "X,Y" (names or 1-based indices) or NULL for defaults */
    const char *units;   /* "mm", "cm", "m" or NULL: from the column names, else mm */
    double rate_hz;      /* > 0: the sampling rate, Hz; 0: from the time column */
} sm_cop_csv_opts_t;

typedef struct {
    double *x_mm, *y_mm; /* n samples each, mm, owned (free with sm_cop_csv_free) */
    size_t n;
    double rate_hz;          /* the rate to analyse with */
    double time_rate_hz;     /* the rate the time column implies; 0 without a time column */
    int t_col, x_col, y_col; /* 0-based columns used; t_col -1 when there is none */
    double x_to_mm, y_to_mm; /* unit factors applied */
    double t_to_s;     /* seconds per unit of column t_col when it gives a usable rate (sample i
                          is at sm_table_col(t, t_col)[i] * t_to_s); 0 otherwise */
    char warning[192]; /* "" or one line, e.g. a rate mismatch */
} sm_cop_csv_trace_t;

/* Fill *out from table t. On SM_OK *out owns x_mm and y_mm (n may be 0 for an empty table: the
 * caller decides whether that is enough samples). On error *out is empty (safe to free) and err
 * (when not NULL, errlen > 0) holds the message. opts may be NULL (all defaults). */
sm_status sm_cop_csv_read(const sm_table_t *t, const sm_cop_csv_opts_t *opts,
                          sm_cop_csv_trace_t *out, char *err, size_t errlen);

/* Release the arrays and empty *tr. NULL-safe, idempotent. */
void sm_cop_csv_free(sm_cop_csv_trace_t *tr);

#endif
