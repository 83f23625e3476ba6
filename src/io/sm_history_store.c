#include "sm_history_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sm_file.h"

static void msg(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
}

sm_status sm_history_dir_for(const char *xdg_data_home, const char *home, char *buf, size_t n)
{
    int k;
    if (xdg_data_home && xdg_data_home[0] == '/')
        k = snprintf(buf, n, "%s/steadymat/sessions", xdg_data_home);
    else if (home && home[0])
        k = snprintf(buf, n, "%s/.local/share/steadymat/sessions", home);
    else
        return SM_ERR_ARG;
    return k < 0 || (size_t)k >= n ? SM_ERR_RANGE : SM_OK;
}

sm_status sm_history_default_dir(char *buf, size_t n)
{
    return sm_history_dir_for(getenv("XDG_DATA_HOME"), getenv("HOME"), buf, n);
}

static sm_status resolve_dir(const char *dir, char *buf, size_t n, char *err, size_t errlen)
{
    if (dir) {
        if ((size_t)snprintf(buf, n, "%s", dir) >= n) {
            msg(err, errlen, "history folder name too long: %s%s", dir, "");
            return SM_ERR_RANGE;
        }
        return SM_OK;
    }
    sm_status s = sm_history_default_dir(buf, n);
    if (s != SM_OK)
        msg(err, errlen, "%s%s", "no history folder: set HOME or XDG_DATA_HOME (or give --dir DIR)",
            "");
    return s;
}

/* mkdir -p, private; the history folder made 0755 by an older version becomes 0700. */
static int make_dirs(const char *path)
{
    if (sm_file_mkdirs(path) != 0)
        return -1;
    sm_file_make_private(path);
    return 0;
}

sm_status sm_history_new_session_path_in(const char *dir, int64_t unix_ms, char *buf, size_t n,
                                         char *err, size_t errlen)
{
    char d[PATH_MAX];
    if (n)
        buf[0] = 0;
    sm_status s = resolve_dir(dir, d, sizeof d, err, errlen);
    if (s != SM_OK)
        return s;
    if (make_dirs(d) != 0) {
        msg(err, errlen, "cannot create the history folder %s: %s", d, strerror(errno));
        return SM_ERR_IO;
    }
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    char stamp[32];
    if (!localtime_r(&t, &tm) || !strftime(stamp, sizeof stamp, "%Y-%m-%d_%H-%M-%S", &tm))
        snprintf(stamp, sizeof stamp, "session");
    for (int k = 1; k < 1000; k++) {
        char suffix[8] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, "-%d", k);
        int len = snprintf(buf, n, "%s/%s%s%s", d, stamp, suffix, SM_HISTORY_EXT);
        if (len < 0 || (size_t)len >= n) {
            msg(err, errlen, "history path too long in %s%s", d, "");
            if (n)
                buf[0] = 0;
            return SM_ERR_RANGE;
        }
        int fd = sm_file_create(buf, 0);
        if (fd >= 0) {
            close(fd);
            return SM_OK;
        }
        if (errno != EEXIST) {
            msg(err, errlen, "cannot create a session file in %s: %s", d, strerror(errno));
            buf[0] = 0;
            return SM_ERR_IO;
        }
    }
    msg(err, errlen, "too many sessions started at %s in %s", stamp, d);
    buf[0] = 0;
    return SM_ERR_RANGE;
}

sm_status sm_history_new_session_path(char *buf, size_t n, int64_t unix_ms)
{
    return sm_history_new_session_path_in(NULL, unix_ms, buf, n, NULL, 0);
}

void sm_history_entry_path(const char *dir, const sm_history_entry_t *e, char *buf, size_t n)
{
    if (e->session[0] == '/')
        snprintf(buf, n, "%s", e->session);
    else
        snprintf(buf, n, "%s/%s", dir, e->session);
}

int64_t sm_history_file_mtime_ms(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

/* ---- files ---- */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Whole file written atomically (sm_file_write_atomic: new temporary, fsync, rename, fsync
 * folder). */
static sm_status write_atomic(const char *dir, const char *name, const char *data, size_t n,
                              char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return sm_file_write_atomic(path, data, n, "history file", err, errlen);
}

static int lock_dir(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, SM_HISTORY_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, SM_FILE_MODE);
    if (fd < 0)
        return -1; /* a read-only folder: read without the lock */
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    return fd;
}

static void unlock_dir(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

/* Name of the sidecar of a session: "<file>.meta.json" for a file in the folder, and
 * "external-<FNV-1a 64 of the path>.meta.json" for one elsewhere. */
static void meta_name(const char *session, char *buf, size_t n)
{
    if (session[0] != '/') {
        snprintf(buf, n, "%s%s", session, SM_HISTORY_META_EXT);
        return;
    }
    uint64_t h = 0xcbf29ce484222325u;
    for (const char *p = session; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 0x100000001b3u;
    }
    snprintf(buf, n, "external-%016llx%s", (unsigned long long)h, SM_HISTORY_META_EXT);
}

static int read_meta(const char *dir, const char *file, sm_history_meta_t *m)
{
    char path[PATH_MAX], err[200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text;
    size_t n;
    if (sm_file_read(path, SM_HISTORY_LINE_MAX, &text, &n, err, sizeof err) != SM_OK)
        return 0;
    sm_status s = sm_history_meta_parse(text, n, m, err, sizeof err);
    free(text);
    return s == SM_OK;
}

typedef struct {
    char **name; /* session names (file names in dir, or absolute paths) */
    size_t n, cap;
} names_t;

static void names_free(names_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->name[i]);
    free(v->name);
    memset(v, 0, sizeof *v);
}

static int names_add(names_t *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->name[i], s))
            return 1;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        char **nn = realloc(v->name, cap * sizeof *nn);
        if (!nn)
            return 0;
        v->name = nn;
        v->cap = cap;
    }
    v->name[v->n] = strdup(s);
    if (!v->name[v->n])
        return 0;
    v->n++;
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sessions that exist: non-empty *.smsession files in dir, and the sessions named by
 * external sidecars whose file still exists. */
static sm_status scan(const char *dir, names_t *out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return SM_OK;
        msg(err, errlen, "cannot read the history folder %s: %s", dir, strerror(errno));
        return SM_ERR_IO;
    }
    struct dirent *de;
    int ok = 1;
    while (ok && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (nm[0] == '.')
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        struct stat st;
        if (ends_with(nm, SM_HISTORY_EXT)) {
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                sm_history_name_ok(nm))
                ok = names_add(out, nm);
        } else if (!strncmp(nm, "external-", 9) && ends_with(nm, SM_HISTORY_META_EXT)) {
            sm_history_meta_t *m = malloc(sizeof *m);
            if (!m) {
                ok = 0;
                break;
            }
            if (read_meta(dir, nm, m) && m->session[0] == '/' && stat(m->session, &st) == 0 &&
                S_ISREG(st.st_mode) && st.st_size > 0)
                ok = names_add(out, m->session);
            free(m);
        }
    }
    closedir(d);
    if (!ok) {
        msg(err, errlen, "out of memory reading %s%s", dir, "");
        return SM_ERR_NOMEM;
    }
    if (out->n > 1)
        qsort(out->name, out->n, sizeof *out->name, cmp_names);
    return SM_OK;
}

static int file_exists(const char *dir, const sm_history_entry_t *e)
{
    char path[PATH_MAX];
    sm_history_entry_path(dir, e, path, sizeof path);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void append(char *buf, size_t n, const char *text)
{
    size_t len = strlen(buf);
    if (len < n)
        snprintf(buf + len, n - len, "%s%s", len ? "; " : "", text);
}

/* Under the lock: read the index, repair it (when fn), leaving the list in out and whether it
 * must be written in *dirty. */
static sm_status load_locked(const char *dir, sm_history_analyze_fn fn, void *ctx, const char *skip,
                             sm_history_list_t *out, sm_history_report_t *rep, int *dirty,
                             char *err, size_t errlen)
{
    *dirty = 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, SM_HISTORY_INDEX_FILE);
    sm_history_parse_stats_t ps;
    memset(&ps, 0, sizeof ps);
    struct stat st;
    if (stat(path, &st) != 0) {
        rep->state = SM_HISTORY_INDEX_MISSING;
    } else {
        char *text = NULL;
        size_t n = 0;
        char ferr[256];
        sm_status s = sm_file_read(path, SM_HISTORY_INDEX_MAX, &text, &n, ferr, sizeof ferr);
        if (s == SM_ERR_IO) {
            msg(err, errlen, "%s%s", ferr, "");
            return SM_ERR_IO;
        }
        if (s != SM_OK) { /* too large to be ours */
            rep->state = SM_HISTORY_INDEX_DAMAGED;
            ps.first_bad_line = 1;
            snprintf(ps.first_error, sizeof ps.first_error, "larger than %u MiB",
                     SM_HISTORY_INDEX_MAX >> 20);
        } else {
            s = sm_history_index_parse(text, n, out, &ps);
            free(text);
            if (s == SM_ERR_VERSION) {
                rep->state = SM_HISTORY_INDEX_NEWER;
                snprintf(err, errlen,
                         "%s: history index version %d is newer than this SteadyMat supports "
                         "(%d): update SteadyMat",
                         path, ps.version, SM_HISTORY_VERSION);
                return SM_ERR_VERSION;
            }
            if (s == SM_ERR_NOMEM) {
                msg(err, errlen, "out of memory reading %s%s", path, "");
                return s;
            }
            rep->state = s == SM_OK ? SM_HISTORY_INDEX_OK : SM_HISTORY_INDEX_DAMAGED;
            rep->bad_lines = ps.bad_lines;
        }
    }
    if (!fn)
        return SM_OK;

    names_t files = {NULL, 0, 0};
    sm_status s = scan(dir, &files, err, errlen);
    if (s != SM_OK)
        return s;
    char first_fail[300] = "";
    sm_history_meta_t *meta = malloc(sizeof *meta);
    if (!meta) {
        names_free(&files);
        msg(err, errlen, "%s%s", "out of memory", "");
        return SM_ERR_NOMEM;
    }
    int rebuild = rep->state != SM_HISTORY_INDEX_OK;
    for (size_t i = 0; i < files.n; i++) {
        const char *name = files.name[i];
        long at = sm_history_list_find(out, name);
        if ((at >= 0 && !rebuild) || (skip && !strcmp(name, skip)))
            continue; /* known, or the session being added (its entry comes with it) */
        char mname[PATH_MAX], spath[PATH_MAX], aerr[256];
        meta_name(name, mname, sizeof mname);
        int have_meta = read_meta(dir, mname, meta) && !strcmp(meta->session, name);
        sm_history_entry_t e;
        memset(&e, 0, sizeof e);
        snprintf(e.session, sizeof e.session, "%s", name);
        sm_history_entry_path(dir, &e, spath, sizeof spath);
        aerr[0] = 0;
        rep->analysed++;
        if (fn(ctx, spath, have_meta ? meta : NULL, &e, aerr, sizeof aerr) != SM_OK) {
            rep->failed++;
            if (!first_fail[0])
                snprintf(first_fail, sizeof first_fail, "%s", aerr[0] ? aerr : name);
            continue;
        }
        snprintf(e.session, sizeof e.session, "%s", name);
        if (at < 0)
            rep->added++;
        if (sm_history_list_put(out, &e) != SM_OK) {
            free(meta);
            names_free(&files);
            msg(err, errlen, "%s%s", "out of memory", "");
            return SM_ERR_NOMEM;
        }
        *dirty = 1;
    }
    free(meta);
    names_free(&files);
    for (size_t i = 0; i < out->n; i++)
        rep->files_missing += !file_exists(dir, &out->v[i]);
    if (rebuild) {
        *dirty = 1;
        rep->rebuilt = 1;
    }
    sm_history_list_sort(out);

    char line[256];
    if (rep->state == SM_HISTORY_INDEX_DAMAGED) {
        unsigned long k = rep->analysed - rep->failed;
        snprintf(line, sizeof line,
                 "the history index was damaged (line %lu: %s): rebuilt from %lu session "
                 "file%s, nothing lost",
                 ps.first_bad_line, ps.first_error, k, k == 1 ? "" : "s");
        append(rep->message, sizeof rep->message, line);
    } else if (rep->state == SM_HISTORY_INDEX_MISSING && rep->analysed) {
        unsigned long k = rep->analysed - rep->failed;
        snprintf(line, sizeof line,
                 "the history index was missing: rebuilt from %lu session file%s", k,
                 k == 1 ? "" : "s");
        append(rep->message, sizeof rep->message, line);
    } else if (rep->added) {
        snprintf(line, sizeof line, "added %lu session%s that were not in the history index",
                 rep->added, rep->added == 1 ? "" : "s");
        append(rep->message, sizeof rep->message, line);
    }
    if (rep->failed) {
        snprintf(line, sizeof line, "skipped %lu unreadable session file%s (%s)", rep->failed,
                 rep->failed == 1 ? "" : "s", first_fail);
        append(rep->message, sizeof rep->message, line);
    }
    return SM_OK;
}

static sm_status write_index(const char *dir, const sm_history_list_t *l, sm_history_report_t *rep)
{
    char *text;
    size_t n;
    sm_status s = sm_history_index_format(l, &text, &n);
    if (s != SM_OK) {
        append(rep->message, sizeof rep->message, "out of memory writing the history index");
        return s;
    }
    char err[300];
    s = write_atomic(dir, SM_HISTORY_INDEX_FILE, text, n, err, sizeof err);
    free(text);
    if (s != SM_OK)
        append(rep->message, sizeof rep->message, err);
    else
        rep->written = 1;
    return s;
}

sm_status sm_history_load(const char *dir, sm_history_analyze_fn fn, void *ctx,
                          sm_history_list_t *out, sm_history_report_t *rep, char *err,
                          size_t errlen)
{
    sm_history_report_t dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    if (err && errlen)
        err[0] = 0;
    sm_history_list_free(out);
    char d[PATH_MAX];
    sm_status s = resolve_dir(dir, d, sizeof d, err, errlen);
    if (s != SM_OK)
        return s;
    struct stat st;
    if (stat(d, &st) != 0) {
        if (errno == ENOENT)
            return SM_OK;
        msg(err, errlen, "cannot read the history folder %s: %s", d, strerror(errno));
        return SM_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        msg(err, errlen, "%s is not a folder%s", d, "");
        return SM_ERR_IO;
    }
    int lk = fn ? lock_dir(d) : -1;
    int dirty = 0;
    s = load_locked(d, fn, ctx, NULL, out, rep, &dirty, err, errlen);
    if (s == SM_OK && dirty)
        write_index(d, out, rep);
    unlock_dir(lk);
    if (s != SM_OK)
        sm_history_list_free(out);
    return s;
}

static sm_status write_meta(const char *dir, const sm_history_meta_t *m, char *err, size_t errlen)
{
    char name[PATH_MAX], *text;
    meta_name(m->session, name, sizeof name);
    sm_status s = sm_history_meta_format(m, &text);
    if (s != SM_OK) {
        msg(err, errlen, "cannot describe the session %s%s", m->session, "");
        return s;
    }
    s = write_atomic(dir, name, text, strlen(text), err, errlen);
    free(text);
    return s;
}

sm_status sm_history_add(const char *dir, const char *session_path, sm_history_meta_t *meta,
                         sm_history_entry_t *e, sm_history_analyze_fn fn, void *ctx,
                         sm_history_report_t *rep, char *err, size_t errlen)
{
    sm_history_report_t dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    if (err && errlen)
        err[0] = 0;
    char d[PATH_MAX], rd[PATH_MAX], rs[PATH_MAX];
    sm_status s = resolve_dir(dir, d, sizeof d, err, errlen);
    if (s != SM_OK)
        return s;
    if (make_dirs(d) != 0) {
        msg(err, errlen, "cannot create the history folder %s: %s", d, strerror(errno));
        return SM_ERR_IO;
    }
    if (!realpath(d, rd) || !realpath(session_path, rs)) {
        msg(err, errlen, "cannot add %s to the history: %s", session_path, strerror(errno));
        return SM_ERR_IO;
    }
    /* Inside the folder: by file name; elsewhere: by absolute path. */
    const char *slash = strrchr(rs, '/');
    size_t dl = strlen(rd);
    const char *name = rs;
    if (slash && (size_t)(slash - rs) == dl && !strncmp(rs, rd, dl))
        name = slash + 1;
    if (!sm_history_name_ok(name)) {
        msg(err, errlen, "cannot add %s to the history: unusable file name%s", session_path, "");
        return SM_ERR_ARG;
    }
    snprintf(meta->session, sizeof meta->session, "%s", name);
    snprintf(e->session, sizeof e->session, "%s", name);
    int lk = lock_dir(d);
    s = write_meta(d, meta, err, errlen);
    if (s == SM_OK) {
        sm_history_list_t l = {NULL, 0, 0};
        int dirty = 0;
        s = load_locked(d, fn, ctx, name, &l, rep, &dirty, err, errlen);
        if (s == SM_OK) {
            s = sm_history_list_put(&l, e);
            if (s == SM_OK) {
                sm_history_list_sort(&l);
                s = write_index(d, &l, rep);
                if (s != SM_OK)
                    snprintf(err, errlen, "%s", rep->message);
            } else {
                msg(err, errlen, "cannot add %s to the history: too many sessions%s", name, "");
            }
        }
        sm_history_list_free(&l);
    }
    unlock_dir(lk);
    return s;
}
