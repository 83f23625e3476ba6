/* libFuzzer target for the placement template file parser: any bytes, no crash, no leak; a
 * file that parses validates, and writes back to text that parses again to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_template.h"
#include "sm_template_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_template_t t, t2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: a read past the end is caught */
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    char err[200];
    sm_status st = sm_template_file_parse(text, size, &t, err, sizeof err);
    if (st == SM_OK) {
        if (sm_template_validate(&t, err, sizeof err) != SM_OK)
            abort();
        char *a = NULL, *b = NULL;
        if (sm_template_file_format(&t, "2025-01-01T00:00:00Z", &a, err, sizeof err) != SM_OK)
            abort();
        if (sm_template_file_parse(a, strlen(a), &t2, err, sizeof err) != SM_OK)
            abort();
        if (sm_template_file_format(&t2, "2025-01-01T00:00:00Z", &b, err, sizeof err) != SM_OK)
            abort();
        if (strcmp(a, b) != 0)
            abort();
        /* the parsed template is usable: mirror and outline do not misbehave */
        sm_template_mirror(&t, &t2);
        sm_template_loc_t loc;
        memset(&loc, 0, sizeof loc);
        loc.has_target = t.has_tool;
        double xy[32];
        sm_template_outline(&t2, &loc, xy, 16);
        free(a);
        free(b);
    } else if (!memchr(err, 0, sizeof err) || err[0] == 0) {
        abort();
    }
    free(text);
    return 0;
}
