#include "sm_json_doc.h"

#include <stdio.h>
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
