/*
 * Placement template files: versioned JSON (json-c), one file per template, its no-go zones in
 * the same file (a zone belongs to the body registration of its template: zones drawn for one
 * person and placement travel, mirror and get deleted with it). Documented field by field in
 * docs/template-format.md. Outline:
 *
 *   { "format": "steadymat-template", "version": 1,
 *     "name": "Right iliacus (ASIS)", "created": "2025-01-31T10:00:00Z",
 *     "protocol": "ball-release", "posture": "prone", "side": "right", "mirrored": false,
 *     "mat": { "rows": 32, "cols": 24, "pitch_mm": 25 },
 *     "placement": { "x_mm": .., "y_mm": .., "body_dx_mm": .., "body_dy_mm": ..,
 *                    "tip_dx_mm": .., "tip_dy_mm": .., "area_mm2": ..,
 *                    "footprint": { "a_mm": .., "b_mm": .., "angle_deg": ..,
 *                                   "cells": [[dx_mm, dy_mm], ...] } },      (or null)
 *     "body": { "ref_x_mm": .., "ref_y_mm": .., "pitch_mm": 25, "x0_mm": .., "y0_mm": ..,
 *               "across": [cols numbers], "along": [rows numbers] },         (or null)
 *     "zones": [ { "shape": "ellipse", "frame": "body", "x0_mm": .., "y0_mm": ..,
 *                  "x1_mm": .., "y1_mm": .. }, ... ] }
 *
 * Readers accept any version <= SM_TEMPLATE_FILE_VERSION and ignore members they do not know.
 * Files are limited to SM_TEMPLATE_FILE_MAX bytes. Location: <data>/steadymat/templates/
 * <file name>.json, data = $XDG_DATA_HOME when absolute, else ~/.local/share; the file name is
 * the template name made safe (sm_template_file_name). Two names that make the same file name
 * ("Right ASIS", "right asis") are the same template: saving one replaces the other.
 *
 * Errors: one-line messages in err (SM_ERR_FORMAT for malformed or implausible content,
 * SM_ERR_VERSION for a newer file, SM_ERR_IO naming the path, SM_ERR_ARG for bad names).
 * Thread context: reentrant (no shared state).
 */
#ifndef SM_TEMPLATE_FILE_H
#define SM_TEMPLATE_FILE_H

#include <stddef.h>

#include "sm_status.h"
#include "sm_template.h"

#define SM_TEMPLATE_FILE_VERSION 1
#define SM_TEMPLATE_FILE_MAX     (1u << 20)
#define SM_TEMPLATE_FILE_STEM    48 /* longest file name stem (without ".json") */

/* Parse n bytes. out is fully set on SM_OK (validated with sm_template_validate) and zeroed
 * otherwise. */
sm_status sm_template_file_parse(const char *text, size_t n, sm_template_t *out, char *err,
                                 size_t errlen);
/* The JSON text of t (validated first: SM_ERR_FORMAT). created: an ISO 8601 time to record, or
 * NULL/"" for none. *out is malloc'd, NUL-terminated; the caller frees it. */
sm_status sm_template_file_format(const sm_template_t *t, const char *created, char **out,
                                  char *err, size_t errlen);
/* Read and parse a file (messages name the path). */
sm_status sm_template_file_load(const char *path, sm_template_t *out, char *err, size_t errlen);
/* Write atomically (temporary file in the same directory, fsync, rename), creating missing
 * parent directories (0755), recording the current UTC time as "created". */
sm_status sm_template_file_save(const char *path, const sm_template_t *t, char *err, size_t errlen);

/* A template name made safe as a file name stem: ASCII letters (lower-cased), digits, '-' and
 * '_' kept, every other run of bytes (spaces, dots, slashes, UTF-8) becomes one '-', no '-' at
 * either end, at most SM_TEMPLATE_FILE_STEM bytes. "Right ASIS / 2" -> "right-asis-2".
 * SM_ERR_ARG when nothing is left (e.g. "..", "///", ""); SM_ERR_RANGE if buf is too small. */
sm_status sm_template_file_name(const char *name, char *buf, size_t buflen);

/* The templates directory: <data>/steadymat/templates (no trailing slash), data as above from
 * the arguments (pure) or the environment ($XDG_DATA_HOME, $HOME). SM_ERR_ARG without either;
 * SM_ERR_RANGE when it does not fit. */
sm_status sm_template_dir_for(const char *xdg_data_home, const char *home, char *buf,
                              size_t buflen);
sm_status sm_template_default_dir(char *buf, size_t buflen);
/* dir + "/" + sm_template_file_name(name) + ".json". */
sm_status sm_template_path(const char *dir, const char *name, char *buf, size_t buflen);

/* The store (a directory, NULL = the default one): by template name. */
sm_status sm_template_store_save(const char *dir, const sm_template_t *t, char *err, size_t errlen);
sm_status sm_template_store_load(const char *dir, const char *name, sm_template_t *out, char *err,
                                 size_t errlen);
/* SM_ERR_IO "no template named ..." when there is none. */
sm_status sm_template_store_delete(const char *dir, const char *name, char *err, size_t errlen);

typedef struct {
    char name[SM_TEMPLATE_NAME_MAX];      /* the name inside the file */
    char file[SM_TEMPLATE_FILE_STEM + 6]; /* its file name, "right-asis.json" */
    sm_protocol_t protocol;
    sm_side_t side;
    int has_tool, nzones, mirrored;
} sm_template_entry_t;

/* The templates in dir (NULL = default), sorted by name; at most cap into out, *n the number
 * found (may exceed cap). Unreadable or foreign .json files are skipped and counted in *bad
 * (may be NULL), the first one's message in err. A missing directory is an empty store
 * (SM_OK, *n 0). SM_ERR_IO when the directory cannot be read. */
sm_status sm_template_store_list(const char *dir, sm_template_entry_t *out, size_t cap, size_t *n,
                                 size_t *bad, char *err, size_t errlen);

/* The posture as written in the files: "prone", "supine", "side". */
const char *sm_template_posture_name(sm_posture_t p);

#endif
