#include "sm_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Create every missing directory on the way to the file path (the last component is not one). */
static void mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(path, 0755); /* EEXIST is fine; other errors show up when the file is created */
        *p = '/';
    }
}

sm_status sm_file_write_atomic(const char *path, const char *data, size_t n, const char *what,
                               char *err, size_t errlen)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory writing %s %s", what, path);
        return SM_ERR_NOMEM;
    }
    memcpy(tmp, path, pl + 1);
    mkdirs(tmp);
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    sm_status st = SM_OK;
    if (fd < 0) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write %s %s: %s", what, path, strerror(errno));
        st = SM_ERR_IO;
    } else {
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(fd, data + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        int bad = off != n || fsync(fd) != 0;
        int e = errno;
        (void)fchmod(fd, 0644);
        if (close(fd) != 0)
            bad = 1;
        if (!bad && rename(tmp, path) != 0) {
            e = errno;
            bad = 1;
        }
        if (bad) {
            unlink(tmp);
            if (err && errlen)
                snprintf(err, errlen, "cannot write %s %s: %s", what, path, strerror(e));
            st = SM_ERR_IO;
        }
    }
    free(tmp);
    return st;
}
