#include "sm_file.h"

#include <errno.h>
#include <fcntl.h>
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

int sm_file_mkdirs(const char *dir)
{
    if (!dir[0])
        return 0; /* the current folder */
    size_t n = strlen(dir);
    char *tmp = malloc(n + 1);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(tmp, dir, n + 1);
    int rc = 0;
    for (char *p = tmp + 1; rc == 0; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(tmp, SM_DIR_MODE) != 0 && errno != EEXIST)
            rc = -1;
        *p = c;
        if (!c)
            break;
    }
    struct stat st;
    if (rc == 0 && stat(tmp, &st) != 0)
        rc = -1;
    else if (rc == 0 && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        rc = -1;
    }
    free(tmp);
    return rc;
}

void sm_file_make_private(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077))
        (void)chmod(dir, SM_DIR_MODE);
}

int sm_file_create(const char *path, int replace)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (replace ? O_TRUNC : O_EXCL),
                  SM_FILE_MODE);
    if (fd >= 0 && replace)
        (void)fchmod(fd, SM_FILE_MODE); /* an old file of ours may be 0644 */
    return fd;
}

/* The folder part of path ("." when there is none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    char *d = malloc(n + 2);
    if (!d)
        return NULL;
    if (!slash)
        memcpy(d, ".", 2);
    else if (n == 0)
        memcpy(d, "/", 2);
    else {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

const char *sm_file_why(int e)
{
    if (e == ELOOP)
        return "it is a symbolic link, which SteadyMat never writes through";
    if (e == EEXIST)
        return "a file of that name exists already";
    return strerror(e);
}

sm_status sm_file_check_output(const char *path, int replace, char *err, size_t errlen)
{
    struct stat st;
    const char *why = NULL;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            why = "it is a symbolic link, which SteadyMat never writes through: give another name";
        else if (S_ISDIR(st.st_mode))
            why = "it is a folder: give a file name";
        else if (!replace)
            why = "it exists already: give --force to replace it, or another name";
    }
    char *dir = why ? NULL : dir_of(path);
    if (!why && !dir)
        why = "out of memory";
    else if (!why && access(dir, W_OK | X_OK) != 0)
        why = errno == ENOENT ? "its folder does not exist" : "its folder cannot be written to";
    free(dir);
    if (why) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write %s: %s", path, why);
        return SM_ERR_IO;
    }
    return SM_OK;
}

sm_status sm_file_prepare(const char *path, char *err, size_t errlen)
{
    int fd = sm_file_create(path, 1);
    if (fd < 0 || close(fd) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write %s: %s", path, sm_file_why(errno));
        return SM_ERR_IO;
    }
    return SM_OK;
}


sm_status sm_file_write_atomic(const char *path, const char *data, size_t n, const char *what,
                               char *err, size_t errlen)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    char *dir = dir_of(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        if (err && errlen)
            snprintf(err, errlen, "out of memory writing %s %s", what, path);
        return SM_ERR_NOMEM;
    }
    (void)sm_file_mkdirs(dir); /* errors show up when the file is created */
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* a new file, 0600, never an existing one or a link */
    sm_status st = SM_OK;
    if (fd < 0) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write %s %s: %s", what, path, strerror(errno));
        st = SM_ERR_IO;
    } else {
        size_t off = 0;
        int e = 0;
        while (off < n) {
            ssize_t w = write(fd, data + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                e = w < 0 ? errno : EIO;
                break;
            }
            off += (size_t)w;
        }
        int bad = off != n;
        if (!bad && fsync(fd) != 0) {
            e = errno;
            bad = 1;
        }
        (void)fchmod(fd, SM_FILE_MODE);
        if (close(fd) != 0 && !bad) {
            e = errno;
            bad = 1;
        }
        if (!bad && rename(tmp, path) != 0) {
            e = errno;
            bad = 1;
        }
        if (bad) {
            unlink(tmp);
            if (err && errlen)
                snprintf(err, errlen, "cannot write %s %s: %s", what, path, strerror(e));
            st = SM_ERR_IO;
        } else {
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) { /* the rename itself survives a power cut */
                (void)fsync(dfd);
                close(dfd);
            }
        }
    }
    free(tmp);
    free(dir);
    return st;
}
