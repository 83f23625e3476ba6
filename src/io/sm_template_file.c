/* Placement template files: JSON through json-c (format in sm_template_file.h,
 * docs/template-format.md). */
#include "sm_template_file.h"
#include "sm_file.h"
#include "sm_json_doc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sm_file.h"

#define FORMAT_NAME "steadymat-template"
#define PI          3.14159265358979323846

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        st = code;                                                                                 \
        goto out;                                                                                  \
    } while (0)

/* Index of s in names[0..n), or -1. */
static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *const protocols[] = {"ball-release", "hip-hook", "back-of-hip", "realignment"};
static const char *const postures[] = {"prone", "supine", "side"};
static const char *const sides[] = {"unknown", "right", "left"};

const char *sm_template_posture_name(sm_posture_t p)
{
    return (unsigned)p < 3 ? postures[p] : "unknown";
}

/* A numeric array of 1..max entries into dst; its length in *n. */
static int floats(json_object *o, const char *key, int max, float *dst, int *n)
{
    json_object *a;
    if (!sm_json_member(o, key, &a) || !json_object_is_type(a, json_type_array))
        return 0;
    size_t len = json_object_array_length(a);
    if (len < 1 || len > (size_t)max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        double d;
        if (!sm_json_num(json_object_array_get_idx(a, i), NULL, &d) || fabs(d) > 1e6)
            return 0;
        dst[i] = (float)d;
    }
    *n = (int)len;
    return 1;
}

sm_status sm_template_file_parse(const char *text, size_t n, sm_template_t *t, char *err,
                                 size_t errlen)
{
    sm_status st = SM_OK;
    json_object *root = NULL;
    if (err && errlen)
        err[0] = 0;
    if (!t)
        return SM_ERR_ARG;
    memset(t, 0, sizeof *t);
    if (!text)
        return SM_ERR_ARG;
    st = sm_json_doc_parse(text, n, SM_TEMPLATE_FILE_MAX, "template", &root, err, errlen);
    if (st != SM_OK)
        goto out;
    int ver;
    st = sm_json_doc_header(root, "template", FORMAT_NAME, SM_TEMPLATE_FILE_VERSION, &ver, err,
                            errlen);
    if (st != SM_OK)
        goto out;
    char word[32];
    if (!sm_json_str(root, "name", t->name, sizeof t->name) || !t->name[0])
        FAIL(SM_ERR_FORMAT, "\"name\" must be a string of 1..%d bytes", SM_TEMPLATE_NAME_MAX - 1);
    int k;
    if (!sm_json_str(root, "protocol", word, sizeof word) || (k = lookup(word, protocols, 4)) < 0)
        FAIL(SM_ERR_FORMAT, "\"protocol\" must be ball-release, hip-hook, back-of-hip or "
                            "realignment");
    t->protocol = (sm_protocol_t)k;
    if (!sm_json_str(root, "posture", word, sizeof word) || (k = lookup(word, postures, 3)) < 0)
        FAIL(SM_ERR_FORMAT, "\"posture\" must be prone, supine or side");
    t->posture = (sm_posture_t)k;
    if (!sm_json_str(root, "side", word, sizeof word) || (k = lookup(word, sides, 3)) < 0)
        FAIL(SM_ERR_FORMAT, "\"side\" must be right, left or unknown");
    t->side = (sm_side_t)k;
    json_object *v;
    if (!sm_json_member(root, "mirrored", &v) || !json_object_is_type(v, json_type_boolean))
        FAIL(SM_ERR_FORMAT, "\"mirrored\" must be true or false");
    t->mirrored = json_object_get_boolean(v) ? 1 : 0;

    json_object *mat;
    if (!sm_json_member(root, "mat", &mat) || !sm_json_int(mat, "rows", 1, SM_MAX_ROWS, &t->rows) ||
        !sm_json_int(mat, "cols", 1, SM_MAX_COLS, &t->cols) ||
        !sm_json_num(mat, "pitch_mm", &t->pitch_mm))
        FAIL(SM_ERR_FORMAT, "\"mat\" needs whole numbers rows and cols 1..64 and a number "
                            "pitch_mm");

    json_object *pl;
    if (!sm_json_member(root, "placement", &pl))
        FAIL(SM_ERR_FORMAT, "\"placement\" is missing (null for a zones-only template)");
    if (pl) {
        json_object *fp;
        double deg;
        if (!json_object_is_type(pl, json_type_object) || !sm_json_num(pl, "x_mm", &t->tool_x_mm) ||
            !sm_json_num(pl, "y_mm", &t->tool_y_mm) ||
            !sm_json_num(pl, "body_dx_mm", &t->rel_x_mm) ||
            !sm_json_num(pl, "body_dy_mm", &t->rel_y_mm) ||
            !sm_json_num(pl, "tip_dx_mm", &t->tip_dx_mm) ||
            !sm_json_num(pl, "tip_dy_mm", &t->tip_dy_mm) ||
            !sm_json_num(pl, "area_mm2", &t->area_mm2))
            FAIL(SM_ERR_FORMAT, "placement needs numbers x_mm, y_mm, body_dx_mm, body_dy_mm, "
                                "tip_dx_mm, tip_dy_mm and area_mm2");
        if (!sm_json_member(pl, "footprint", &fp) || !sm_json_num(fp, "a_mm", &t->fp_a_mm) ||
            !sm_json_num(fp, "b_mm", &t->fp_b_mm) || !sm_json_num(fp, "angle_deg", &deg) ||
            fabs(deg) > 360)
            FAIL(SM_ERR_FORMAT, "placement.footprint needs numbers a_mm, b_mm and angle_deg");
        t->fp_angle_rad = deg * PI / 180.0;
        json_object *cells;
        if (!sm_json_member(fp, "cells", &cells) || !json_object_is_type(cells, json_type_array))
            FAIL(SM_ERR_FORMAT, "placement.footprint.cells must be an array");
        size_t nc = json_object_array_length(cells);
        if (nc > SM_TEMPLATE_MAX_CELLS)
            FAIL(SM_ERR_FORMAT, "placement.footprint.cells has %zu entries (at most %d)", nc,
                 SM_TEMPLATE_MAX_CELLS);
        for (size_t i = 0; i < nc; i++) {
            json_object *c = json_object_array_get_idx(cells, i);
            double dx, dy;
            if (!c || !json_object_is_type(c, json_type_array) ||
                json_object_array_length(c) != 2 ||
                !sm_json_num(json_object_array_get_idx(c, 0), NULL, &dx) ||
                !sm_json_num(json_object_array_get_idx(c, 1), NULL, &dy) || fabs(dx) > 1e4 ||
                fabs(dy) > 1e4)
                FAIL(SM_ERR_FORMAT, "placement.footprint.cells[%zu] must be [dx_mm, dy_mm]", i);
            t->cell_dx_mm[i] = (float)dx;
            t->cell_dy_mm[i] = (float)dy;
        }
        t->ncells = (int)nc;
        t->has_tool = 1;
    }

    json_object *body;
    if (!sm_json_member(root, "body", &body))
        FAIL(SM_ERR_FORMAT, "\"body\" is missing (null when no body was on the mat)");
    if (body) {
        sm_template_body_t *b = &t->body;
        if (!json_object_is_type(body, json_type_object) ||
            !sm_json_num(body, "ref_x_mm", &b->ref_x_mm) ||
            !sm_json_num(body, "ref_y_mm", &b->ref_y_mm) ||
            !sm_json_num(body, "pitch_mm", &b->pitch_mm) ||
            !sm_json_num(body, "x0_mm", &b->x0_mm) || !sm_json_num(body, "y0_mm", &b->y0_mm))
            FAIL(SM_ERR_FORMAT, "body needs numbers ref_x_mm, ref_y_mm, pitch_mm, x0_mm, y0_mm");
        if (!floats(body, "across", SM_MAX_COLS, b->px, &b->nx) ||
            !floats(body, "along", SM_MAX_ROWS, b->py, &b->ny))
            FAIL(SM_ERR_FORMAT, "body.across and body.along must be arrays of 1..64 numbers");
        b->present = 1;
    }

    json_object *zones;
    if (!sm_json_member(root, "zones", &zones) || !json_object_is_type(zones, json_type_array))
        FAIL(SM_ERR_FORMAT, "\"zones\" must be an array");
    size_t nz = json_object_array_length(zones);
    if (nz > SM_ZONE_MAX)
        FAIL(SM_ERR_FORMAT, "\"zones\" has %zu entries (at most %d)", nz, SM_ZONE_MAX);
    for (size_t i = 0; i < nz; i++) {
        json_object *z = json_object_array_get_idx(zones, i);
        sm_zone_t *Z = &t->zones[i];
        char shape[16], frame[16];
        if (!sm_json_str(z, "shape", shape, sizeof shape) ||
            !sm_json_str(z, "frame", frame, sizeof frame) ||
            (strcmp(shape, "rect") != 0 && strcmp(shape, "ellipse") != 0) ||
            (strcmp(frame, "body") != 0 && strcmp(frame, "mat") != 0))
            FAIL(SM_ERR_FORMAT,
                 "zones[%zu] needs shape \"rect\" or \"ellipse\" and frame "
                 "\"body\" or \"mat\"",
                 i);
        Z->kind = strcmp(shape, "rect") == 0 ? SM_ZONE_RECT : SM_ZONE_ELLIPSE;
        Z->body = strcmp(frame, "body") == 0;
        if (!sm_json_num(z, "x0_mm", &Z->x0) || !sm_json_num(z, "y0_mm", &Z->y0) ||
            !sm_json_num(z, "x1_mm", &Z->x1) || !sm_json_num(z, "y1_mm", &Z->y1))
            FAIL(SM_ERR_FORMAT, "zones[%zu] needs numbers x0_mm, y0_mm, x1_mm, y1_mm", i);
    }
    t->nzones = (int)nz;

    char verr[160];
    if (sm_template_validate(t, verr, sizeof verr) != SM_OK)
        FAIL(SM_ERR_FORMAT, "template: %s", verr);
out:
    if (root)
        json_object_put(root);
    if (st != SM_OK)
        memset(t, 0, sizeof *t);
    return st;
}

sm_status sm_template_file_load(const char *path, sm_template_t *out, char *err, size_t errlen)
{
    if (!path || !out)
        return SM_ERR_ARG;
    memset(out, 0, sizeof *out);
    char *buf = NULL, e1[200] = "";
    size_t n = 0;
    sm_status st = sm_file_read(path, SM_TEMPLATE_FILE_MAX, &buf, &n, e1, sizeof e1);
    if (st != SM_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s", e1);
        return st == SM_ERR_RANGE ? SM_ERR_FORMAT : st;
    }
    char e2[200];
    st = sm_template_file_parse(buf, n, out, e2, sizeof e2);
    if (st != SM_OK && err && errlen)
        snprintf(err, errlen, "%s: %s", path, e2);
    free(buf);
    return st;
}

static json_object *dbl(double x, const char *fmt)
{
    char s[48];
    snprintf(s, sizeof s, fmt, x);
    return json_object_new_double_s(x, s);
}

sm_status sm_template_file_format(const sm_template_t *t, const char *created, char **out,
                                  char *err, size_t errlen)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (sm_template_validate(t, err, errlen) != SM_OK)
        return SM_ERR_FORMAT;
    json_object *r = json_object_new_object();
    if (!r)
        return SM_ERR_NOMEM;
    json_object_object_add(r, "format", json_object_new_string(FORMAT_NAME));
    json_object_object_add(r, "version", json_object_new_int(SM_TEMPLATE_FILE_VERSION));
    json_object_object_add(r, "name", json_object_new_string(t->name));
    if (created && created[0])
        json_object_object_add(r, "created", json_object_new_string(created));
    json_object_object_add(r, "protocol", json_object_new_string(protocols[t->protocol]));
    json_object_object_add(r, "posture", json_object_new_string(postures[t->posture]));
    json_object_object_add(r, "side", json_object_new_string(sides[t->side]));
    json_object_object_add(r, "mirrored", json_object_new_boolean(t->mirrored));
    json_object *mat = json_object_new_object();
    json_object_object_add(mat, "rows", json_object_new_int(t->rows));
    json_object_object_add(mat, "cols", json_object_new_int(t->cols));
    json_object_object_add(mat, "pitch_mm", dbl(t->pitch_mm, "%.6g"));
    json_object_object_add(r, "mat", mat);
    json_object *pl = NULL;
    if (t->has_tool) {
        pl = json_object_new_object();
        json_object_object_add(pl, "x_mm", dbl(t->tool_x_mm, "%.2f"));
        json_object_object_add(pl, "y_mm", dbl(t->tool_y_mm, "%.2f"));
        json_object_object_add(pl, "body_dx_mm", dbl(t->rel_x_mm, "%.2f"));
        json_object_object_add(pl, "body_dy_mm", dbl(t->rel_y_mm, "%.2f"));
        json_object_object_add(pl, "tip_dx_mm", dbl(t->tip_dx_mm, "%.2f"));
        json_object_object_add(pl, "tip_dy_mm", dbl(t->tip_dy_mm, "%.2f"));
        json_object_object_add(pl, "area_mm2", dbl(t->area_mm2, "%.1f"));
        json_object *fp = json_object_new_object();
        json_object_object_add(fp, "a_mm", dbl(t->fp_a_mm, "%.2f"));
        json_object_object_add(fp, "b_mm", dbl(t->fp_b_mm, "%.2f"));
        json_object_object_add(fp, "angle_deg", dbl(t->fp_angle_rad * 180.0 / PI, "%.2f"));
        json_object *cells = json_object_new_array();
        for (int i = 0; i < t->ncells; i++) {
            json_object *c = json_object_new_array();
            json_object_array_add(c, dbl(t->cell_dx_mm[i], "%.2f"));
            json_object_array_add(c, dbl(t->cell_dy_mm[i], "%.2f"));
            json_object_array_add(cells, c);
        }
        json_object_object_add(fp, "cells", cells);
        json_object_object_add(pl, "footprint", fp);
    }
    json_object_object_add(r, "placement", pl);
    json_object *body = NULL;
    if (t->body.present) {
        const sm_template_body_t *b = &t->body;
        body = json_object_new_object();
        json_object_object_add(body, "ref_x_mm", dbl(b->ref_x_mm, "%.3f"));
        json_object_object_add(body, "ref_y_mm", dbl(b->ref_y_mm, "%.3f"));
        json_object_object_add(body, "pitch_mm", dbl(b->pitch_mm, "%.6g"));
        json_object_object_add(body, "x0_mm", dbl(b->x0_mm, "%.3f"));
        json_object_object_add(body, "y0_mm", dbl(b->y0_mm, "%.3f"));
        json_object *ax = json_object_new_array(), *ay = json_object_new_array();
        for (int i = 0; i < b->nx; i++)
            json_object_array_add(ax, dbl(b->px[i], "%.4g"));
        for (int i = 0; i < b->ny; i++)
            json_object_array_add(ay, dbl(b->py[i], "%.4g"));
        json_object_object_add(body, "across", ax);
        json_object_object_add(body, "along", ay);
    }
    json_object_object_add(r, "body", body);
    json_object *zones = json_object_new_array();
    for (int i = 0; i < t->nzones; i++) {
        const sm_zone_t *Z = &t->zones[i];
        json_object *z = json_object_new_object();
        json_object_object_add(z, "shape", json_object_new_string(sm_zone_kind_name(Z->kind)));
        json_object_object_add(z, "frame", json_object_new_string(Z->body ? "body" : "mat"));
        json_object_object_add(z, "x0_mm", dbl(Z->x0, "%.2f"));
        json_object_object_add(z, "y0_mm", dbl(Z->y0, "%.2f"));
        json_object_object_add(z, "x1_mm", dbl(Z->x1, "%.2f"));
        json_object_object_add(z, "y1_mm", dbl(Z->y1, "%.2f"));
        json_object_array_add(zones, z);
    }
    json_object_object_add(r, "zones", zones);
    return sm_json_doc_text(r, out);
}

sm_status sm_template_file_save(const char *path, const sm_template_t *t, char *err, size_t errlen)
{
    if (!path || !t)
        return SM_ERR_ARG;
    char created[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *text = NULL, verr[160];
    sm_status st = sm_template_file_format(t, created, &text, verr, sizeof verr);
    if (st != SM_OK) {
        if (err && errlen)
            snprintf(err, errlen, "template not saved: %s", verr);
        return st;
    }
    st = sm_file_write_atomic(path, text, strlen(text), "template", err, errlen);
    free(text);
    return st;
}

sm_status sm_template_file_name(const char *name, char *buf, size_t buflen)
{
    if (buf && buflen)
        buf[0] = 0;
    if (!name || !buf)
        return SM_ERR_ARG;
    char s[SM_TEMPLATE_FILE_STEM + 1];
    size_t n = 0;
    int dash = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n < SM_TEMPLATE_FILE_STEM;
         p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            if (dash && n > 0 && c != '-')
                s[n++] = '-';
            dash = 0;
            if (n < SM_TEMPLATE_FILE_STEM && !(c == '-' && (n == 0 || s[n - 1] == '-')))
                s[n++] = (char)c;
        } else {
            dash = 1;
        }
    }
    while (n > 0 && s[n - 1] == '-')
        n--;
    s[n] = 0;
    if (n == 0)
        return SM_ERR_ARG;
    if (n + 1 > buflen)
        return SM_ERR_RANGE;
    memcpy(buf, s, n + 1);
    return SM_OK;
}

sm_status sm_template_dir_for(const char *xdg_data_home, const char *home, char *buf, size_t buflen)
{
    if (buf && buflen)
        buf[0] = 0;
    if (!buf)
        return SM_ERR_ARG;
    int n;
    if (xdg_data_home && xdg_data_home[0] == '/')
        n = snprintf(buf, buflen, "%s/steadymat/templates", xdg_data_home);
    else if (home && home[0])
        n = snprintf(buf, buflen, "%s/.local/share/steadymat/templates", home);
    else
        return SM_ERR_ARG;
    if (n < 0 || (size_t)n >= buflen) {
        if (buflen)
            buf[0] = 0;
        return SM_ERR_RANGE;
    }
    return SM_OK;
}

sm_status sm_template_default_dir(char *buf, size_t buflen)
{
    return sm_template_dir_for(getenv("XDG_DATA_HOME"), getenv("HOME"), buf, buflen);
}

sm_status sm_template_path(const char *dir, const char *name, char *buf, size_t buflen)
{
    if (buf && buflen)
        buf[0] = 0;
    char stem[SM_TEMPLATE_FILE_STEM + 1];
    if (!dir || !dir[0] || !buf)
        return SM_ERR_ARG;
    sm_status st = sm_template_file_name(name, stem, sizeof stem);
    if (st != SM_OK)
        return st;
    int n = snprintf(buf, buflen, "%s/%s.json", dir, stem);
    if (n < 0 || (size_t)n >= buflen) {
        if (buflen)
            buf[0] = 0;
        return SM_ERR_RANGE;
    }
    return SM_OK;
}

/* The path of name in dir (NULL = default), or a message. */
static sm_status store_path(const char *dir, const char *name, char *path, size_t cap, char *err,
                            size_t errlen)
{
    char d[4096];
    sm_status st = SM_OK;
    if (!dir) {
        st = sm_template_default_dir(d, sizeof d);
        if (st != SM_OK) {
            if (err && errlen)
                snprintf(err, errlen, "no place for templates: set $HOME or $XDG_DATA_HOME");
            return st;
        }
        dir = d;
    }
    st = sm_template_path(dir, name, path, cap);
    if (st == SM_ERR_ARG && err && errlen)
        snprintf(err, errlen, "template name \"%.60s\" has no letters or digits to name a file",
                 name ? name : "");
    else if (st != SM_OK && err && errlen)
        snprintf(err, errlen, "template directory path is too long");
    return st;
}

sm_status sm_template_store_save(const char *dir, const sm_template_t *t, char *err, size_t errlen)
{
    if (!t)
        return SM_ERR_ARG;
    char path[4200];
    sm_status st = store_path(dir, t->name, path, sizeof path, err, errlen);
    return st != SM_OK ? st : sm_template_file_save(path, t, err, errlen);
}

sm_status sm_template_store_load(const char *dir, const char *name, sm_template_t *out, char *err,
                                 size_t errlen)
{
    if (!out)
        return SM_ERR_ARG;
    memset(out, 0, sizeof *out);
    char path[4200];
    sm_status st = store_path(dir, name, path, sizeof path, err, errlen);
    if (st != SM_OK)
        return st;
    if (access(path, F_OK) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "no template named \"%.60s\" (%s)", name, path);
        return SM_ERR_IO;
    }
    return sm_template_file_load(path, out, err, errlen);
}

sm_status sm_template_store_delete(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[4200];
    sm_status st = store_path(dir, name, path, sizeof path, err, errlen);
    if (st != SM_OK)
        return st;
    if (unlink(path) != 0) {
        if (err && errlen) {
            if (errno == ENOENT)
                snprintf(err, errlen, "no template named \"%.60s\" (%s)", name, path);
            else
                snprintf(err, errlen, "cannot delete template %s: %s", path, strerror(errno));
        }
        return SM_ERR_IO;
    }
    return SM_OK;
}

static int cmp_entry(const void *a, const void *b)
{
    const sm_template_entry_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->file, y->file);
}

sm_status sm_template_store_list(const char *dir, sm_template_entry_t *out, size_t cap, size_t *n,
                                 size_t *bad, char *err, size_t errlen)
{
    if (n)
        *n = 0;
    if (bad)
        *bad = 0;
    if (err && errlen)
        err[0] = 0;
    if (!n || (cap && !out))
        return SM_ERR_ARG;
    char d[4096];
    if (!dir) {
        if (sm_template_default_dir(d, sizeof d) != SM_OK) {
            if (err && errlen)
                snprintf(err, errlen, "no place for templates: set $HOME or $XDG_DATA_HOME");
            return SM_ERR_ARG;
        }
        dir = d;
    }
    DIR *dp = opendir(dir);
    if (!dp) {
        if (errno == ENOENT)
            return SM_OK;
        if (err && errlen)
            snprintf(err, errlen, "cannot read the templates in %s: %s", dir, strerror(errno));
        return SM_ERR_IO;
    }
    sm_template_t *t = malloc(sizeof *t);
    if (!t) {
        closedir(dp);
        return SM_ERR_NOMEM;
    }
    struct dirent *de;
    size_t nbad = 0;
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || len > SM_TEMPLATE_FILE_STEM + 5 ||
            strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char path[4200], e[200];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (sm_template_file_load(path, t, e, sizeof e) != SM_OK) {
            if (nbad++ == 0 && err && errlen)
                snprintf(err, errlen, "%s", e);
            continue;
        }
        if (*n < cap) {
            sm_template_entry_t *en = &out[*n];
            memset(en, 0, sizeof *en);
            memcpy(en->name, t->name, sizeof en->name);
            memcpy(en->file, de->d_name, len + 1);
            en->protocol = t->protocol;
            en->side = t->side;
            en->has_tool = t->has_tool;
            en->nzones = t->nzones;
            en->mirrored = t->mirrored;
        }
        (*n)++;
    }
    closedir(dp);
    free(t);
    if (bad)
        *bad = nbad;
    if (out && cap && *n)
        qsort(out, *n < cap ? *n : cap, sizeof *out, cmp_entry);
    return SM_OK;
}
