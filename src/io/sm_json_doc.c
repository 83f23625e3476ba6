#include "sm_json_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_json_doc_parse(const char *text, size_t n, size_t max, const char *what,
                            json_object **out, char *err, size_t errlen)
{
    *out = NULL;
    char msg[192];
    sm_status st = SM_ERR_FORMAT;
    json_object *root = NULL;
    json_tokener *tok = NULL;
    if (n > max) {
        snprintf(msg, sizeof msg, "%s file is %zu bytes, more than the %zu allowed", what, n, max);
        goto fail;
    }
    if (n == 0) {
        snprintf(msg, sizeof msg, "%s file is empty", what);
        goto fail;
    }
    tok = json_tokener_new_ex(16); /* nesting depth: the formats are flat */
    if (!tok) {
        snprintf(msg, sizeof msg, "out of memory");
        st = SM_ERR_NOMEM;
        goto fail;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)n);
    enum json_tokener_error je = json_tokener_get_error(tok);
    if (!root || je != json_tokener_success) {
        if (je == json_tokener_continue)
            snprintf(msg, sizeof msg, "%s file is truncated (ends at byte %zu inside the JSON)",
                     what, n);
        else
            snprintf(msg, sizeof msg, "%s file is not valid JSON at byte %zu: %s", what,
                     json_tokener_get_parse_end(tok), json_tokener_error_desc(je));
        goto fail;
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < n; i++)
        if (!strchr(" \t\r\n", text[i])) {
            snprintf(msg, sizeof msg, "%s file has extra bytes after the JSON at byte %zu", what,
                     i);
            goto fail;
        }
    if (!json_object_is_type(root, json_type_object)) {
        snprintf(msg, sizeof msg, "%s file is not a JSON object", what);
        goto fail;
    }
    json_tokener_free(tok);
    *out = root;
    return SM_OK;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    json_object_put(root);
    if (tok) /* json_tokener_free is not NULL-safe */
        json_tokener_free(tok);
    return st;
}

int sm_json_member(json_object *o, const char *key, json_object **v)
{
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, v);
}

int sm_json_is_num(json_object *v)
{
    return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

int sm_json_num(json_object *o, const char *key, double *out)
{
    json_object *v = o;
    if (key && !sm_json_member(o, key, &v))
        return 0;
    if (!v || !sm_json_is_num(v))
        return 0;
    double d = json_object_get_double(v);
    if (!isfinite(d))
        return 0;
    *out = d;
    return 1;
}

int sm_json_int(json_object *o, const char *key, int lo, int hi, int *out)
{
    double d;
    if (!sm_json_num(o, key, &d) || d != floor(d) || d < lo || d > hi)
        return 0;
    *out = (int)d;
    return 1;
}

int sm_json_bool(json_object *o, const char *key, int *out)
{
    json_object *v;
    if (!sm_json_member(o, key, &v) || !json_object_is_type(v, json_type_boolean))
        return 0;
    *out = json_object_get_boolean(v) ? 1 : 0;
    return 1;
}

int sm_json_str(json_object *o, const char *key, char *buf, size_t cap)
{
    json_object *v;
    if (!sm_json_member(o, key, &v) || !json_object_is_type(v, json_type_string))
        return 0;
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n >= cap || memchr(s, 0, n))
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 1;
}

sm_status sm_json_doc_header(json_object *root, const char *what, const char *format_name,
                             int max_version, int *version, char *err, size_t errlen)
{
    char fmt[64];
    double ver;
    if (!sm_json_str(root, "format", fmt, sizeof fmt) || strcmp(fmt, format_name) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "not a SteadyMat %s (\"format\" is not \"%s\")", what,
                     format_name);
        return SM_ERR_FORMAT;
    }
    if (!sm_json_num(root, "version", &ver) || ver != floor(ver) || ver < 1) {
        if (err && errlen)
            snprintf(err, errlen, "%s \"version\" must be a whole number >= 1", what);
        return SM_ERR_FORMAT;
    }
    if (ver > max_version) {
        if (err && errlen)
            snprintf(err, errlen,
                     "%s version %.0f is newer than this SteadyMat supports (%d): update SteadyMat",
                     what, ver > 1e9 ? 1e9 : ver, max_version);
        return SM_ERR_VERSION;
    }
    *version = (int)ver;
    return SM_OK;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the byte there does not start one
 * (stray continuation, overlong form, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (!n || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

static void clean_string(json_object *o, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)json_object_get_string(o);
    size_t n = (size_t)json_object_get_string_len(o), k, nbad = 0;
    for (size_t i = 0; i < n; i += k ? k : 1)
        if (!(k = utf8_seq(s + i, n - i)))
            nbad++;
    if (!nbad)
        return;
    char *fixed = malloc(n + 2 * nbad + 1); /* each bad byte (1) becomes U+FFFD (3) */
    if (!fixed)
        return;
    size_t m = 0;
    for (size_t i = 0; i < n; i += k ? k : 1) {
        k = utf8_seq(s + i, n - i);
        if (k) {
            memcpy(fixed + m, s + i, k);
            m += k;
        } else {
            memcpy(fixed + m, "\xEF\xBF\xBD", 3);
            m += 3;
        }
    }
    json_object_set_string_len(o, fixed, (int)m);
    free(fixed);
    *bad += nbad;
}

static void sanitize(json_object *o, size_t *nonfinite, size_t *bad, int depth)
{
    if (!o || depth > 64)
        return;
    switch (json_object_get_type(o)) {
    case json_type_string:
        clean_string(o, bad);
        break;
    case json_type_object: {
        json_object_object_foreach(o, key, val)
        {
            if (json_object_is_type(val, json_type_double) &&
                !isfinite(json_object_get_double(val))) {
                json_object_object_add(o, key, NULL); /* replaces (and frees) the value */
                (*nonfinite)++;
            } else {
                sanitize(val, nonfinite, bad, depth + 1);
            }
        }
        break;
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            json_object *v = json_object_array_get_idx(o, i);
            if (json_object_is_type(v, json_type_double) && !isfinite(json_object_get_double(v))) {
                json_object_array_put_idx(o, i, NULL);
                (*nonfinite)++;
            } else {
                sanitize(v, nonfinite, bad, depth + 1);
            }
        }
        break;
    default:
        break;
    }
}

void sm_json_sanitize(json_object *o, size_t *nonfinite, size_t *bad_utf8)
{
    size_t nf = 0, bu = 0;
    sanitize(o, &nf, &bu, 0);
    if (nonfinite)
        *nonfinite = nf;
    if (bad_utf8)
        *bad_utf8 = bu;
}

const char *sm_json_clean_text(json_object *o, int flags, size_t *nonfinite, size_t *bad_utf8)
{
    sm_json_sanitize(o, nonfinite, bad_utf8);
    return json_object_to_json_string_ext(o, flags);
}

sm_status sm_json_doc_text(json_object *r, char **out)
{
    const char *s = sm_json_clean_text(
        r, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, NULL,
        NULL);
    char *copy = s ? malloc(strlen(s) + 2) : NULL;
    if (copy) {
        strcpy(copy, s);
        strcat(copy, "\n");
    }
    json_object_put(r);
    if (!copy)
        return SM_ERR_NOMEM;
    *out = copy;
    return SM_OK;
}
