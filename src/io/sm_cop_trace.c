#include "sm_cop_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cop_csv.h"
#include "sm_file.h"
#include "sm_table.h"

void sm_cop_trace_free(sm_cop_trace_t *t)
{
    if (!t)
        return;
    free(t->x_mm);
    free(t->y_mm);
    memset(t, 0, sizeof *t);
}

sm_status sm_cop_trace_load(const char *path, sm_cop_trace_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    char *text;
    sm_status s = sm_file_read(path, SM_COP_TRACE_MAX_BYTES, &text, &n, err, errlen);
    if (s != SM_OK)
        return s;
    sm_table_t t;
    char perr[192];
    s = sm_table_parse(text, n, &t, perr, sizeof perr);
    free(text);
    if (s != SM_OK) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return s;
    }
    sm_cop_csv_trace_t tr;
    s = sm_cop_csv_read(&t, NULL, &tr, perr, sizeof perr);
    sm_table_free(&t);
    if (s != SM_OK) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return s;
    }
    if (tr.n < 2) {
        snprintf(err, errlen, "%s: a CoP trace needs at least 2 samples", path);
        sm_cop_csv_free(&tr);
        return SM_ERR_FORMAT;
    }
    /* Hand the arrays over rather than copying them. */
    out->x_mm = tr.x_mm;
    out->y_mm = tr.y_mm;
    out->n = tr.n;
    out->rate_hz = tr.rate_hz > 0 ? tr.rate_hz : 100;
    return SM_OK;
}
