/* Calibration files: JSON through json-c (format in sm_calib_file.h, calibration/README.md). */
#include "sm_calib_file.h"
#include "sm_file.h"
#include "sm_json_doc.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT_NAME "steadymat-calibration"

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        st = code;                                                                                 \
        goto out;                                                                                  \
    } while (0)

static const char *const cell_arrays[] = {"offset", "noise", "gain", "mask"};

sm_status sm_calib_file_parse(const char *text, size_t n, const sm_mat_info_t *expect,
                              sm_calib_data_t *d, char *err, size_t errlen)
{
    sm_status st = SM_OK;
    json_object *root = NULL;
    if (err && errlen)
        err[0] = 0;
    if (!d)
        return SM_ERR_ARG;
    memset(d, 0, sizeof *d);
    if (!text)
        return SM_ERR_ARG;
    st = sm_json_doc_parse(text, n, SM_CALIB_FILE_MAX, "calibration", &root, err, errlen);
    if (st != SM_OK)
        goto out;
    st = sm_json_doc_header(root, "calibration", FORMAT_NAME, SM_CALIB_VERSION, &d->version, err,
                            errlen);
    if (st != SM_OK)
        goto out;

    json_object *mat;
    if (!sm_json_member(root, "mat", &mat) || !json_object_is_type(mat, json_type_object))
        FAIL(SM_ERR_FORMAT, "calibration has no \"mat\" object");
    if (!sm_json_str(mat, "uid", d->uid, sizeof d->uid))
        FAIL(SM_ERR_FORMAT, "mat.uid must be a string of 16 hex digits (or \"\")");
    if (!sm_json_int(mat, "rows", 1, SM_MAX_ROWS, &d->rows) ||
        !sm_json_int(mat, "cols", 1, SM_MAX_COLS, &d->cols))
        FAIL(SM_ERR_FORMAT, "mat.rows and mat.cols must be whole numbers 1..64");
    if (!sm_json_num(mat, "pitch_mm", &d->pitch_mm))
        FAIL(SM_ERR_FORMAT, "mat.pitch_mm must be a number");
    if (!sm_json_int(mat, "sample_max", 2, 65535, &d->sample_max))
        FAIL(SM_ERR_FORMAT, "mat.sample_max must be a whole number 2..65535");
    if (expect) {
        if (expect->uid[0] && d->uid[0] && strcasecmp(expect->uid, d->uid) != 0)
            FAIL(SM_ERR_MISMATCH, "calibration is for mat %s, this mat is %s", d->uid, expect->uid);
        if (expect->rows && expect->cols && (expect->rows != d->rows || expect->cols != d->cols))
            FAIL(SM_ERR_MISMATCH, "calibration is for a %dx%d mat, this mat is %ux%u", d->rows,
                 d->cols, expect->rows, expect->cols);
    }
    if (!sm_json_str(root, "created", d->created, sizeof d->created))
        FAIL(SM_ERR_FORMAT, "\"created\" must be a date string (ISO 8601, under 32 characters)");
    if (!sm_json_str(root, "method", d->method, sizeof d->method))
        FAIL(SM_ERR_FORMAT, "\"method\" must be a string under %zu characters", sizeof d->method);
    char ro[16];
    if (!sm_json_str(root, "readout", ro, sizeof ro) ||
        (strcmp(ro, "divider") != 0 && strcmp(ro, "linear") != 0))
        FAIL(SM_ERR_FORMAT, "\"readout\" must be \"divider\" or \"linear\"");
    d->readout = strcmp(ro, "linear") == 0 ? SM_CALIB_READOUT_LINEAR : SM_CALIB_READOUT_DIVIDER;

    json_object *cv;
    char model[32];
    if (!sm_json_member(root, "curve", &cv) || !sm_json_str(cv, "model", model, sizeof model) ||
        strcmp(model, "power-onset") != 0)
        FAIL(SM_ERR_FORMAT, "\"curve\" must be an object with \"model\": \"power-onset\"");
    if (!sm_json_num(cv, "a_kpa", &d->curve.a_kpa) || !sm_json_num(cv, "b", &d->curve.b) ||
        !sm_json_num(cv, "onset_kpa", &d->curve.onset_kpa) ||
        !sm_json_num(cv, "lo_kpa", &d->curve.lo_kpa) ||
        !sm_json_num(cv, "hi_kpa", &d->curve.hi_kpa) ||
        !sm_json_num(cv, "rms_pct", &d->curve.rms_pct))
        FAIL(SM_ERR_FORMAT, "curve needs numbers a_kpa, b, onset_kpa, lo_kpa, hi_kpa and rms_pct");

    json_object *cr;
    if (!sm_json_member(root, "creep", &cr) || !sm_json_str(cr, "model", model, sizeof model) ||
        strcmp(model, "log10") != 0)
        FAIL(SM_ERR_FORMAT, "\"creep\" must be an object with \"model\": \"log10\"");
    if (!sm_json_num(cr, "per_decade", &d->creep.per_decade) ||
        !sm_json_num(cr, "t0_s", &d->creep.t0_s) ||
        !sm_json_num(cr, "recovery_s", &d->creep.recovery_s) ||
        !sm_json_num(cr, "hold_s", &d->creep.hold_s) ||
        !sm_json_num(cr, "rms_pct", &d->creep.rms_pct) ||
        !sm_json_bool(cr, "fitted", &d->creep.fitted))
        FAIL(SM_ERR_FORMAT, "creep needs numbers per_decade, t0_s, recovery_s, hold_s, rms_pct "
                            "and a boolean fitted");

    /* Optional (added without a version change): a file without it has no crosstalk
     * compensation. */
    json_object *xo;
    d->xtalk.share = 0.0;
    d->xtalk.fitted = SM_CALIB_XT_NONE;
    if (sm_json_member(root, "crosstalk", &xo)) {
        char src[16];
        if (!json_object_is_type(xo, json_type_object) ||
            !sm_json_str(xo, "model", model, sizeof model) || strcmp(model, "rectangle-min") != 0)
            FAIL(SM_ERR_FORMAT,
                 "\"crosstalk\" must be an object with \"model\": \"rectangle-min\"");
        if (!sm_json_num(xo, "share", &d->xtalk.share) ||
            !sm_json_str(xo, "source", src, sizeof src) ||
            !sm_json_int(xo, "points", 0, 1 << 30, &d->xtalk.points) ||
            !sm_json_num(xo, "rms_counts", &d->xtalk.rms_counts))
            FAIL(SM_ERR_FORMAT, "crosstalk needs a number share, a string source, a whole number "
                                "points and a number rms_counts");
        if (strcmp(src, "none") == 0)
            d->xtalk.fitted = SM_CALIB_XT_NONE;
        else if (strcmp(src, "stuck-lines") == 0)
            d->xtalk.fitted = SM_CALIB_XT_LINES;
        else if (strcmp(src, "force") == 0)
            d->xtalk.fitted = SM_CALIB_XT_FORCE;
        else
            FAIL(SM_ERR_FORMAT, "crosstalk.source must be \"none\", \"stuck-lines\" or \"force\"");
    }

    json_object *vf;
    sm_calib_verify_t *v = &d->verify;
    if (!sm_json_member(root, "verification", &vf) || !sm_json_bool(vf, "done", &v->done) ||
        !sm_json_num(vf, "mass_kg", &v->mass_kg) ||
        !sm_json_num(vf, "expected_n", &v->expected_n) ||
        !sm_json_num(vf, "measured_n", &v->measured_n) ||
        !sm_json_num(vf, "error_pct", &v->error_pct) ||
        !sm_json_num(vf, "tolerance_pct", &v->tolerance_pct) || !sm_json_bool(vf, "pass", &v->pass))
        FAIL(SM_ERR_FORMAT, "\"verification\" needs done, mass_kg, expected_n, measured_n, "
                            "error_pct, tolerance_pct and pass");

    json_object *loads;
    if (!sm_json_member(root, "loads", &loads) || !json_object_is_type(loads, json_type_array))
        FAIL(SM_ERR_FORMAT, "\"loads\" must be an array");
    size_t nl = json_object_array_length(loads);
    if (nl > SM_CALIB_MAX_LOADS)
        FAIL(SM_ERR_FORMAT, "\"loads\" has %zu entries (at most %d)", nl, SM_CALIB_MAX_LOADS);
    d->nloads = (int)nl;
    for (size_t i = 0; i < nl; i++) {
        json_object *l = json_object_array_get_idx(loads, i);
        sm_calib_load_t *L = &d->loads[i];
        if (!sm_json_num(l, "mass_kg", &L->mass_kg) ||
            !sm_json_num(l, "expected_n", &L->expected_n) ||
            !sm_json_num(l, "force_n", &L->force_n) ||
            !sm_json_num(l, "error_pct", &L->error_pct) ||
            !sm_json_num(l, "area_cm2", &L->area_cm2) ||
            !sm_json_num(l, "pressure_kpa", &L->pressure_kpa) ||
            !sm_json_int(l, "cells", 0, SM_MAX_CELLS, &L->cells) ||
            !sm_json_int(l, "points", 0, SM_MAX_CELLS, &L->points) ||
            !sm_json_num(l, "rms_cell_pct", &L->rms_cell_pct))
            FAIL(SM_ERR_FORMAT, "loads[%zu] is incomplete or holds a value of the wrong type", i);
    }

    json_object *cells;
    if (!sm_json_member(root, "cells", &cells) || !json_object_is_type(cells, json_type_object))
        FAIL(SM_ERR_FORMAT, "calibration has no \"cells\" object");
    size_t nc = (size_t)d->rows * (size_t)d->cols;
    for (size_t a = 0; a < 4; a++) {
        json_object *arr;
        if (!sm_json_member(cells, cell_arrays[a], &arr) ||
            !json_object_is_type(arr, json_type_array))
            FAIL(SM_ERR_FORMAT, "cells.%s must be an array", cell_arrays[a]);
        size_t len = json_object_array_length(arr);
        if (len != nc)
            FAIL(SM_ERR_FORMAT, "cells.%s has %zu entries, the %dx%d mat needs %zu", cell_arrays[a],
                 len, d->rows, d->cols, nc);
        for (size_t i = 0; i < nc; i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            if (!e || !sm_json_is_num(e) || !isfinite(json_object_get_double(e)))
                FAIL(SM_ERR_FORMAT, "cells.%s[%zu] is not a number", cell_arrays[a], i);
            double x = json_object_get_double(e);
            if (a == 3) {
                if (x != floor(x) || x < 0 || x > SM_CALIB_CELL_FILLED)
                    FAIL(SM_ERR_FORMAT, "cells.mask[%zu] is %g: must be 0, 1, 2 or 3", i, x);
                d->mask[i] = (uint8_t)x;
            } else {
                if (fabs(x) > 1e30)
                    FAIL(SM_ERR_FORMAT, "cells.%s[%zu] is out of range", cell_arrays[a], i);
                float *dst = a == 0 ? d->offset : a == 1 ? d->noise : d->gain;
                dst[i] = (float)x;
            }
        }
    }
    char verr[160];
    if (sm_calib_data_validate(d, verr, sizeof verr) != SM_OK)
        FAIL(SM_ERR_FORMAT, "calibration: %s", verr);
out:
    if (root)
        json_object_put(root);
    if (st != SM_OK)
        memset(d, 0, sizeof *d);
    return st;
}

sm_status sm_calib_file_load(const char *path, const sm_mat_info_t *expect, sm_calib_data_t *out,
                             char *err, size_t errlen)
{
    if (!path || !out)
        return SM_ERR_ARG;
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "cannot open calibration %s: %s", path, strerror(errno));
        return SM_ERR_IO;
    }
    char *buf = malloc(SM_CALIB_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return SM_ERR_NOMEM;
    }
    size_t n = fread(buf, 1, SM_CALIB_FILE_MAX + 1, f);
    int rerr = ferror(f);
    fclose(f);
    sm_status st;
    if (rerr) {
        if (err && errlen)
            snprintf(err, errlen, "cannot read calibration %s", path);
        st = SM_ERR_IO;
    } else {
        char e2[200];
        st = sm_calib_file_parse(buf, n, expect, out, e2, sizeof e2);
        if (st != SM_OK && err && errlen)
            snprintf(err, errlen, "%s: %s", path, e2);
    }
    free(buf);
    return st;
}

static json_object *dbl(double x, const char *fmt)
{
    char s[48];
    snprintf(s, sizeof s, fmt, x);
    /* keep the text as written, so files are short and diffable */
    return json_object_new_double_s(x, s);
}

sm_status sm_calib_file_format(const sm_calib_data_t *d, char **out, char *err, size_t errlen)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    sm_status st = sm_calib_data_validate(d, err, errlen);
    if (st != SM_OK)
        return st;
    json_object *r = json_object_new_object();
    if (!r)
        return SM_ERR_NOMEM;
    json_object_object_add(r, "format", json_object_new_string(FORMAT_NAME));
    json_object_object_add(r, "version", json_object_new_int(SM_CALIB_VERSION));
    json_object *mat = json_object_new_object();
    json_object_object_add(mat, "uid", json_object_new_string(d->uid));
    json_object_object_add(mat, "rows", json_object_new_int(d->rows));
    json_object_object_add(mat, "cols", json_object_new_int(d->cols));
    json_object_object_add(mat, "pitch_mm", dbl(d->pitch_mm, "%.6g"));
    json_object_object_add(mat, "sample_max", json_object_new_int(d->sample_max));
    json_object_object_add(r, "mat", mat);
    json_object_object_add(r, "created", json_object_new_string(d->created));
    json_object_object_add(r, "method", json_object_new_string(d->method));
    json_object_object_add(
        r, "readout",
        json_object_new_string(d->readout == SM_CALIB_READOUT_LINEAR ? "linear" : "divider"));
    json_object *cv = json_object_new_object();
    json_object_object_add(cv, "model", json_object_new_string("power-onset"));
    json_object_object_add(cv, "a_kpa", dbl(d->curve.a_kpa, "%.9g"));
    json_object_object_add(cv, "b", dbl(d->curve.b, "%.9g"));
    json_object_object_add(cv, "onset_kpa", dbl(d->curve.onset_kpa, "%.9g"));
    json_object_object_add(cv, "lo_kpa", dbl(d->curve.lo_kpa, "%.4g"));
    json_object_object_add(cv, "hi_kpa", dbl(d->curve.hi_kpa, "%.4g"));
    json_object_object_add(cv, "rms_pct", dbl(d->curve.rms_pct, "%.3g"));
    json_object_object_add(r, "curve", cv);
    json_object *cr = json_object_new_object();
    json_object_object_add(cr, "model", json_object_new_string("log10"));
    json_object_object_add(cr, "per_decade", dbl(d->creep.per_decade, "%.6g"));
    json_object_object_add(cr, "t0_s", dbl(d->creep.t0_s, "%.6g"));
    json_object_object_add(cr, "recovery_s", dbl(d->creep.recovery_s, "%.6g"));
    json_object_object_add(cr, "fitted", json_object_new_boolean(d->creep.fitted));
    json_object_object_add(cr, "hold_s", dbl(d->creep.hold_s, "%.4g"));
    json_object_object_add(cr, "rms_pct", dbl(d->creep.rms_pct, "%.3g"));
    json_object_object_add(r, "creep", cr);
    json_object *xo = json_object_new_object();
    static const char *const xsrc[] = {"none", "stuck-lines", "force"};
    json_object_object_add(xo, "model", json_object_new_string("rectangle-min"));
    json_object_object_add(xo, "share", dbl(d->xtalk.share, "%.6g"));
    json_object_object_add(xo, "source", json_object_new_string(xsrc[d->xtalk.fitted]));
    json_object_object_add(xo, "points", json_object_new_int(d->xtalk.points));
    json_object_object_add(xo, "rms_counts", dbl(d->xtalk.rms_counts, "%.3g"));
    json_object_object_add(r, "crosstalk", xo);
    const sm_calib_verify_t *v = &d->verify;
    json_object *vf = json_object_new_object();
    json_object_object_add(vf, "done", json_object_new_boolean(v->done));
    json_object_object_add(vf, "mass_kg", dbl(v->mass_kg, "%.6g"));
    json_object_object_add(vf, "expected_n", dbl(v->expected_n, "%.6g"));
    json_object_object_add(vf, "measured_n", dbl(v->measured_n, "%.6g"));
    json_object_object_add(vf, "error_pct", dbl(v->error_pct, "%.3g"));
    json_object_object_add(vf, "tolerance_pct", dbl(v->tolerance_pct, "%.3g"));
    json_object_object_add(vf, "pass", json_object_new_boolean(v->pass));
    json_object_object_add(r, "verification", vf);
    json_object *loads = json_object_new_array();
    for (int i = 0; i < d->nloads; i++) {
        const sm_calib_load_t *L = &d->loads[i];
        json_object *l = json_object_new_object();
        json_object_object_add(l, "mass_kg", dbl(L->mass_kg, "%.6g"));
        json_object_object_add(l, "expected_n", dbl(L->expected_n, "%.6g"));
        json_object_object_add(l, "force_n", dbl(L->force_n, "%.6g"));
        json_object_object_add(l, "error_pct", dbl(L->error_pct, "%.3g"));
        json_object_object_add(l, "area_cm2", dbl(L->area_cm2, "%.5g"));
        json_object_object_add(l, "pressure_kpa", dbl(L->pressure_kpa, "%.5g"));
        json_object_object_add(l, "cells", json_object_new_int(L->cells));
        json_object_object_add(l, "points", json_object_new_int(L->points));
        json_object_object_add(l, "rms_cell_pct", dbl(L->rms_cell_pct, "%.3g"));
        json_object_array_add(loads, l);
    }
    json_object_object_add(r, "loads", loads);
    json_object *cells = json_object_new_object();
    int n = d->rows * d->cols;
    for (size_t a = 0; a < 4; a++) {
        json_object *arr = json_object_new_array_ext(n);
        for (int i = 0; i < n; i++) {
            if (a == 3)
                json_object_array_add(arr, json_object_new_int(d->mask[i]));
            else
                json_object_array_add(arr, dbl(a == 0   ? d->offset[i]
                                               : a == 1 ? d->noise[i]
                                                        : d->gain[i],
                                               a == 2 ? "%.5f" : "%.3f"));
        }
        json_object_object_add(cells, cell_arrays[a], arr);
    }
    json_object_object_add(r, "cells", cells);
    return sm_json_doc_text(r, out);
}

sm_status sm_calib_file_save(const char *path, const sm_calib_data_t *d, char *err, size_t errlen)
{
    if (!path || !d)
        return SM_ERR_ARG;
    char *text = NULL;
    char verr[160];
    sm_status st = sm_calib_file_format(d, &text, verr, sizeof verr);
    if (st != SM_OK) {
        if (err && errlen)
            snprintf(err, errlen, "calibration not saved: %s", verr);
        return st;
    }
    st = sm_file_write_atomic(path, text, strlen(text), "calibration", err, errlen);
    free(text);
    return st;
}

sm_status sm_calib_path_for(const char *xdg_data_home, const char *home, const char *uid, char *buf,
                            size_t buflen)
{
    if (buf && buflen)
        buf[0] = 0;
    if (!uid || strlen(uid) != 16 || strspn(uid, "0123456789abcdefABCDEF") != 16 || !buf)
        return SM_ERR_ARG;
    int n;
    if (xdg_data_home && xdg_data_home[0] == '/')
        n = snprintf(buf, buflen, "%s/steadymat/calibration/%s.json", xdg_data_home, uid);
    else if (home && home[0])
        n = snprintf(buf, buflen, "%s/.local/share/steadymat/calibration/%s.json", home, uid);
    else
        return SM_ERR_ARG;
    if (n < 0 || (size_t)n >= buflen) {
        if (buflen)
            buf[0] = 0;
        return SM_ERR_RANGE;
    }
    return SM_OK;
}

sm_status sm_calib_default_path(const char *uid, char *buf, size_t buflen)
{
    return sm_calib_path_for(getenv("XDG_DATA_HOME"), getenv("HOME"), uid, buf, buflen);
}
