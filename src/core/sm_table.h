/*
 * Numeric text tables with a header line: force-plate exports, CoP traces, spreadsheets saved as
 * CSV. Pure: the caller reads the file and hands over the bytes; nothing here touches the OS.
 *
 * Accepted input:
 *   - separator: tab, semicolon or comma, chosen from the header line (tab > semicolon > comma);
 *     a header without any of them means columns separated by runs of spaces;
 *   - the first non-blank line is the header (column names). If every field of it is a number the
 *     table has no header: that line is data and the names are empty (pick columns by index);
 *   - fields may be "double quoted" ("" inside quotes is one quote) and are trimmed of spaces;
 *   - numbers: decimal with optional sign, fraction and exponent ("-1.5e-3", ".5", "+2.").
 *     With tab or semicolon separators a decimal comma is accepted too ("1,5");
 *     inf, nan, hex and empty fields are rejected;
 *   - LF, CRLF or CR line ends, blank lines anywhere, trailing separators on any line;
 *   - encodings: ASCII/UTF-8 (a byte-order mark is skipped) and UTF-16 LE/BE with a byte-order
 *     mark (non-ASCII characters become '?' in names).
 * Every data line must have as many fields as the header. A non-number or a short/long line
 * rejects the whole table, and err says where: "line 12, column 3: 'abc' is not a number"
 * (1-based physical lines of the input, 1-based fields). Hostile input never crashes; memory
 * use is bounded by a small multiple of n.
 *
 *   Time[s]<TAB>Fx[N]<TAB>...<TAB>COPx[cm]<TAB>COPy[cm]     <- header: names
 *   0.010<TAB>-1.633567<TAB>...<TAB>-7.988789<TAB>0.998673  <- row 0
 *   ...
 *
 * Values are stored column by column, so one column is a contiguous array
 * (sm_table_col) that can be handed straight to a consumer such as the simulator's CoP trace.
 */
#ifndef SM_TABLE_H
#define SM_TABLE_H

#include <stddef.h>

#include "sm_status.h"

typedef struct {
    size_t ncols, nrows;
    char **names;   /* ncols NUL-terminated names ("" for a headerless table), owned */
    double *values; /* ncols * nrows, column-major: values[c * nrows + r], owned */
    char sep;       /* separator found: '\t', ';', ',' or ' ' */
    int has_header; /* 0 when the first line was data */
} sm_table_t;

/* Parse n bytes of text (need not be NUL-terminated; NUL bytes are not numbers). On SM_OK *out
 * owns allocations that sm_table_free releases. On error *out is empty (safe to free) and err
 * (when not NULL, errlen > 0) holds a one-line message:
 *   SM_ERR_FORMAT  no header, a non-number, a line with the wrong number of fields;
 *   SM_ERR_NOMEM   allocation failed;
 *   SM_ERR_ARG     text or out NULL.
 * A table with a header and no data lines is valid (nrows 0). */
sm_status sm_table_parse(const char *text, size_t n, sm_table_t *out, char *err, size_t errlen);

/* Release what sm_table_parse allocated and empty *t. NULL-safe, idempotent. */
void sm_table_free(sm_table_t *t);

/* Find a column and return its 0-based index, -1 when there is none. name_or_index is either a
 * 1-based column number ("8") or a name, matched in this order: exactly; ignoring case; ignoring
 * case and a trailing unit in brackets, parentheses or after a slash ("copx" finds "COPx[cm]",
 * "time" finds "Time (s)", "weight" finds "Weight/kg"). Spaces around the query are ignored.
 * The first column that matches at the earliest rule wins. */
int sm_table_column(const sm_table_t *t, const char *name_or_index);

/* The nrows values of column c (0-based), or NULL when c is out of range. Owned by t. */
const double *sm_table_col(const sm_table_t *t, size_t c);

#endif
