#define _XOPEN_SOURCE 700 /* nftw */
#include "testsupport.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 32
static char dirs[MAX_DIRS][256];
static int ndirs;
/* Background processes still running at exit (a failed assertion skipped their kill). */
#define MAX_KIDS 64
static pid_t kids[MAX_KIDS];

static double now_s(void);

void ts_kill_all(int sig)
{
    for (int i = 0; i < MAX_KIDS; i++) {
        if (kids[i] <= 0)
            continue;
        kill(kids[i], sig);
        /* Not a sleep: waits for the process to end, for at most 5 s. */
        double deadline = now_s() + 5;
        while (sig != SIGKILL && waitpid(kids[i], NULL, WNOHANG) == 0) {
            if (now_s() > deadline) {
                sig = SIGKILL;
                break;
            }
            poll(NULL, 0, 10);
        }
        if (sig == SIGKILL) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
        }
        kids[i] = 0;
    }
}

static void kill_kids(void)
{
    ts_kill_all(SIGKILL);
}

static void track(pid_t pid, int add)
{
    static int registered;
    if (!registered) {
        registered = 1;
        atexit(kill_kids);
    }
    for (int i = 0; i < MAX_KIDS; i++)
        if (add ? kids[i] == 0 : kids[i] == pid) {
            kids[i] = add ? pid : 0;
            return;
        }
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void cleanup(void)
{
    if (getenv("SM_KEEP_TMP"))
        return;
    for (int i = 0; i < ndirs; i++)
        nftw(dirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *ts_tempdir(void)
{
    if (ndirs == MAX_DIRS)
        return NULL;
    const char *base = getenv("TMPDIR");
    snprintf(dirs[ndirs], sizeof dirs[0], "%s/smtest.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dirs[ndirs]))
        return NULL;
    if (ndirs == 0)
        atexit(cleanup);
    return dirs[ndirs++];
}

const char *ts_path(const char *dir, const char *name)
{
    static char ring[16][512];
    static int k;
    char *p = ring[k++ % 16];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

const char *ts_data(const char *name)
{
    return ts_path(SM_TEST_DATA, name);
}

char *ts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

int ts_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

uint64_t ts_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In a child after fork: die with the test. A test killed from outside (ctest's timeout, ^C)
 * runs no teardown and no atexit, and must not leave a simulated mat or chip running. */
static void die_with_parent(pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* the test died before prctl */
        _exit(127);
#else
    (void)parent;
#endif
}

static pid_t spawn(const char *const *argv, int out_fd, int err_fd)
{
    int n = 0;
    while (argv[n])
        n++;
    /* SM_TEST_RUNNER=/path/to/wrapper runs the program under it (e.g. a script that execs
     * valgrind "$@"): the whole e2e suite can be run under a memory checker. */
    const char *runner = getenv("SM_TEST_RUNNER");
    int shift = runner && *runner ? 1 : 0;
    char **args = calloc((size_t)n + 1 + (size_t)shift, sizeof *args);
    if (!args)
        return -1;
    if (shift)
        args[0] = (char *)runner;
    args[shift] = (char *)SM_STEADYMAT_BIN;
    for (int i = 1; i < n; i++)
        args[i + shift] = (char *)argv[i];
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(out_fd >= 0 ? out_fd : devnull, 1);
        dup2(err_fd >= 0 ? err_fd : devnull, 2);
        execv(args[0], args);
        _exit(127);
    }
    free(args);
    return pid;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0) {
        if (*len + (size_t)r + 1 > *cap) {
            size_t nc = (*cap + (size_t)r + 1) * 2;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return;
            *buf = nb;
            *cap = nc;
        }
        memcpy(*buf + *len, tmp, (size_t)r);
        *len += (size_t)r;
        (*buf)[*len] = 0;
    }
}

int ts_run_steadymat(const char *const *argv, int timeout_s, char **out, char **err)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe))
        return -1;
    pid_t pid = spawn(argv, po[1], pe[1]);
    close(po[1]);
    close(pe[1]);
    fcntl(po[0], F_SETFL, O_NONBLOCK);
    fcntl(pe[0], F_SETFL, O_NONBLOCK);
    char *bo = calloc(1, 1), *be = calloc(1, 1);
    size_t lo = 0, co = 1, le = 0, ce = 1;
    double deadline = now_s() + timeout_s;
    int status = 0, done = 0, timed_out = 0;
    while (!done) {
        struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
        poll(p, 2, 100);
        drain(po[0], &bo, &lo, &co);
        drain(pe[0], &be, &le, &ce);
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            done = 1;
        else if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = 1;
            done = 1;
        }
    }
    drain(po[0], &bo, &lo, &co);
    drain(pe[0], &be, &le, &ce);
    close(po[0]);
    close(pe[0]);
    if (out)
        *out = bo;
    else
        free(bo);
    if (err)
        *err = be;
    else
        free(be);
    if (timed_out)
        return -1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

pid_t ts_spawn_steadymat(const char *const *argv, const char *log_path)
{
    int fd = -1;
    if (log_path)
        fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = spawn(argv, fd, fd);
    if (fd >= 0)
        close(fd);
    if (pid > 0)
        track(pid, 1);
    return pid;
}

pid_t ts_spawn(const char *const *argv, const char *out_path, const char *err_path)
{
    int out = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    int err = !err_path ? -1
              : out_path && strcmp(err_path, out_path) == 0
                  ? dup(out)
                  : open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t parent = getpid();
    pid_t pid = (out_path && out < 0) || (err_path && err < 0) ? -1 : fork();
    if (pid == 0) {
        die_with_parent(parent);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(out >= 0 ? out : devnull, 1);
        dup2(err >= 0 ? err : devnull, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (out >= 0)
        close(out);
    if (err >= 0)
        close(err);
    if (pid > 0)
        track(pid, 1);
    return pid;
}

long ts_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int ts_wait_growth(const char *path, long bytes, double timeout_s)
{
    double deadline = now_s() + timeout_s;
    while (ts_file_size(path) <= bytes) {
        if (now_s() > deadline)
            return -1;
        poll(NULL, 0, 10);
    }
    return 0;
}

int ts_wait_path(const char *path, double timeout_s)
{
    double deadline = now_s() + timeout_s;
    struct stat st;
    while (stat(path, &st) != 0) {
        if (now_s() > deadline)
            return -1;
        poll(NULL, 0, 10);
    }
    return 0;
}

int ts_wait(pid_t pid)
{
    int status = 0;
    /* A child that was already reaped (ts_kill) has no status to give: say so, never "0". */
    if (waitpid(pid, &status, 0) != pid)
        fail_msg("ts_wait: process %d was not waited for (already reaped by ts_kill?)", (int)pid);
    track(pid, 0);
    return status;
}

void ts_kill(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill(pid, sig);
    waitpid(pid, NULL, 0);
    track(pid, 0);
}

struct json_object *ts_run_json(const char *const *argv, int timeout_s, int *rc, char **err_out)
{
    char *out = NULL, *err = NULL;
    *rc = ts_run_steadymat(argv, timeout_s, &out, &err);
    json_object *j = out ? json_tokener_parse(out) : NULL;
    if (!j)
        fprintf(stderr, "no JSON from steadymat (exit %d)\nstdout: %s\nstderr: %s\n", *rc,
                out ? out : "", err ? err : "");
    free(out);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return j;
}

double ts_json_num(struct json_object *j, const char *key)
{
    json_object *v;
    assert_true(json_object_object_get_ex(j, key, &v));
    return json_object_get_double(v);
}
