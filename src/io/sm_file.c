#include "sm_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_file_read(const char *path, size_t max, char **buf, size_t *n, char *err,
                       size_t errlen)
{
    *buf = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SM_ERR_IO;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *b = malloc(cap + 1);
    sm_status s = SM_OK;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len > max) {
            snprintf(err, errlen, "%s is larger than %zu bytes: is it the right file?", path, max);
            s = SM_ERR_RANGE;
            break;
        }
        if (len == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    if (s == SM_OK && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        s = SM_ERR_IO;
    }
    fclose(f);
    if (!b) {
        snprintf(err, errlen, "out of memory reading %s", path);
        return SM_ERR_NOMEM;
    }
    if (s != SM_OK) {
        free(b);
        return s;
    }
    b[len] = 0;
    *buf = b;
    *n = len;
    return SM_OK;
}
