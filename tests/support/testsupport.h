/* Helpers shared by the tests: temporary directories, data paths, running the real program. */
#ifndef SM_TESTSUPPORT_H
#define SM_TESTSUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/types.h>

/* A fresh empty directory under $TMPDIR (or /tmp), removed with everything in it at exit. */
const char *ts_tempdir(void);
/* path = dir + "/" + name, in a static ring of buffers (valid for the next 16 calls). */
const char *ts_path(const char *dir, const char *name);
/* Path of a file under tests/data. */
const char *ts_data(const char *name);
/* Whole file into a malloc'd buffer (NUL-terminated); NULL if unreadable. */
char *ts_read_file(const char *path, size_t *len);
int ts_write_file(const char *path, const void *data, size_t len);

/* Deterministic PRNG for reproducible random tests (xorshift64*). */
uint64_t ts_rand(uint64_t *state);

/* Run the steadymat binary with argv (argv[0] is ignored and replaced), wait for it, capture
 * stdout and stderr into malloc'd strings (may be NULL to discard). Returns the exit status,
 * or -1 on timeout (the process is killed) / 128+signal when it died from a signal. */
int ts_run_steadymat(const char *const *argv, int timeout_s, char **out, char **err);
/* Start steadymat in the background (stdout/stderr to the given file or /dev/null). */
pid_t ts_spawn_steadymat(const char *const *argv, const char *log_path);
/* Start any program in the background: argv[0] is its path; stdout and stderr go to the given
 * files (created or emptied; NULL: /dev/null; the same path twice: one file). -1 when it cannot
 * start. Like every process started here, it is killed when the test process dies (Linux), and
 * by ts_kill_all. Reap it with ts_wait or ts_kill. */
pid_t ts_spawn(const char *const *argv, const char *out_path, const char *err_path);
/* End and reap every background process started by ts_spawn or ts_spawn_steadymat and not
 * reaped yet: sig first (SIGTERM lets a harness save its state, like a chip losing power), then
 * SIGKILL for one still running 5 s later. A cmocka teardown (it runs also after a failed
 * assertion), so that a failing test leaves no simulated mat or chip running into the next
 * test; SIGKILL at exit. */
void ts_kill_all(int sig);
/* Size of a file in bytes, -1 when it does not exist. */
long ts_file_size(const char *path);
/* Wait until a file has grown past `bytes` (a live process is recording), up to timeout_s:
 * polls an observable condition. 0 on success, -1 on timeout. */
int ts_wait_growth(const char *path, long bytes, double timeout_s);
/* Wait until path exists (e.g. the pty link of `sim --pty`), up to timeout_s. 0 on success. */
int ts_wait_path(const char *path, double timeout_s);
/* Run steadymat and parse the JSON object it prints on stdout (NULL, with both streams echoed to
 * stderr for the test log, when there is none). *rc gets the exit status; *err_out (may be
 * NULL) gets stderr. The caller frees with json_object_put. */
struct json_object;
struct json_object *ts_run_json(const char *const *argv, int timeout_s, int *rc, char **err_out);
/* A number member of a JSON object; the test fails when the key is missing. */
double ts_json_num(struct json_object *j, const char *key);

/* Wait for a process started by ts_spawn_steadymat; returns its waitpid status. */
int ts_wait(pid_t pid);
/* Kill with sig and reap. */
void ts_kill(pid_t pid, int sig);

#endif
