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

sm_status sm_json_doc_text(json_object *r, char **out)
{
    const char *s = json_object_to_json_string_ext(
        r, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
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
