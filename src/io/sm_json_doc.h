/* Strict parsing of a whole JSON document (calibration and template files): one place for the
 * size limit, truncation, trailing bytes and the one-line messages that name the file kind. */
#ifndef SM_JSON_DOC_H
#define SM_JSON_DOC_H

#include <json-c/json.h>
#include <stddef.h>

#include "sm_status.h"

/* Parse text[0..n) as exactly one JSON object of at most max bytes. On SM_OK *out owns the
 * object (json_object_put it). Otherwise *out is NULL and err says, e.g., "template file is
 * truncated (ends at byte 812 inside the JSON)"; what names the kind ("calibration"). */
sm_status sm_json_doc_parse(const char *text, size_t n, size_t max, const char *what,
                            json_object **out, char *err, size_t errlen);

/* The versioned header every SteadyMat JSON file starts with: "format" must be format_name and
 * "version" a whole number from 1 to max_version (SM_ERR_VERSION, "update SteadyMat", when
 * newer). *version is set on SM_OK. */
sm_status sm_json_doc_header(json_object *root, const char *what, const char *format_name,
                             int max_version, int *version, char *err, size_t errlen);

/* Makes o valid RFC 8259 JSON in place before it is written: every non-finite number (NaN,
 * infinity: json-c would print NaN or Infinity) becomes null, every string with bytes that are
 * not UTF-8 gets U+FFFD for each bad byte. Counts of each go to *nonfinite and *bad_utf8 (either
 * may be NULL). */
void sm_json_sanitize(json_object *o, size_t *nonfinite, size_t *bad_utf8);
/* sm_json_sanitize, then the text (json-c flags), owned by o: valid until o changes or is
 * released. The caller reports the counts (a warning on stderr). */
const char *sm_json_clean_text(json_object *o, int flags, size_t *nonfinite, size_t *bad_utf8);

/* The document as pretty-printed text ending in a newline, malloc'd into *out; r is released
 * either way. SM_ERR_NOMEM on failure. */
sm_status sm_json_doc_text(json_object *r, char **out);

/* Member getters that check types: 1 when key exists with the right type and value, else 0
 * (and *out untouched). */
int sm_json_member(json_object *o, const char *key, json_object **v);
int sm_json_is_num(json_object *v);
/* A finite number, member key of o (o itself when key is NULL). */
int sm_json_num(json_object *o, const char *key, double *out);
/* A whole number in lo..hi. */
int sm_json_int(json_object *o, const char *key, int lo, int hi, int *out);
int sm_json_bool(json_object *o, const char *key, int *out);
/* A string without NUL bytes that fits buf (cap including the NUL). */
int sm_json_str(json_object *o, const char *key, char *buf, size_t cap);

#endif
