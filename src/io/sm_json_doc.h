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

#endif
