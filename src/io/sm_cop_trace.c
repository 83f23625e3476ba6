#include "sm_cop_trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_table.h"

void sm_cop_trace_free(sm_cop_trace_t *t)
{
    if (!t)
        return;
    free(t->x_mm);
    free(t->y_mm);
    memset(t, 0, sizeof *t);
}

static char *slurp(const char *path, size_t *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= SM_COP_TRACE_MAX_BYTES) {
                snprintf(err, errlen, "%s is larger than %u MiB: not a CoP trace?", path,
                         SM_COP_TRACE_MAX_BYTES >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        snprintf(err, errlen, "out of memory reading %s", path);
    *n = len;
    return buf;
}

static double unit_scale(const char *name)
{
    return strstr(name, "mm") ? 1.0 : 10.0; /* force plates export cm */
}

sm_status sm_cop_trace_load(const char *path, sm_cop_trace_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    char *text = slurp(path, &n, err, errlen);
    if (!text)
        return SM_ERR_IO;
    sm_table_t t;
    char perr[160];
    sm_status s = sm_table_parse(text, n, &t, perr, sizeof perr);
    free(text);
    if (s != SM_OK) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return s;
    }
    int cx = sm_table_column(&t, "COPx"), cy = sm_table_column(&t, "COPy");
    int ct = sm_table_column(&t, "time");
    if (cx < 0 || cy < 0 || t.nrows < 2) {
        snprintf(err, errlen, "%s: needs COPx and COPy columns and at least 2 rows", path);
        sm_table_free(&t);
        return SM_ERR_FORMAT;
    }
    out->x_mm = malloc(t.nrows * sizeof(double));
    out->y_mm = malloc(t.nrows * sizeof(double));
    if (!out->x_mm || !out->y_mm) {
        sm_table_free(&t);
        sm_cop_trace_free(out);
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    const double *x = sm_table_col(&t, (size_t)cx), *y = sm_table_col(&t, (size_t)cy);
    double sx = unit_scale(t.names[cx]), sy = unit_scale(t.names[cy]);
    for (size_t i = 0; i < t.nrows; i++) {
        out->x_mm[i] = x[i] * sx;
        out->y_mm[i] = y[i] * sy;
    }
    out->n = t.nrows;
    out->rate_hz = 100;
    if (ct >= 0) {
        const double *tm = sm_table_col(&t, (size_t)ct);
        double span = tm[t.nrows - 1] - tm[0];
        if (span > 0)
            out->rate_hz = (double)(t.nrows - 1) / span;
    }
    sm_table_free(&t);
    return SM_OK;
}
