/*
 * The session history on disk: every live session's recording in one folder with an index of
 * the numbers patients and clinicians follow (docs/history-format.md).
 *
 *   $XDG_DATA_HOME/steadymat/sessions/          (default ~/.local/share/steadymat/sessions)
 *       2025-01-31_10-15-00.smsession            the recording (docs/session-format.md)
 *       2025-01-31_10-15-00.smsession.meta.json  its sidecar: protocol, release, keys pressed
 *       external-<hash>.meta.json                sidecar of a session recorded elsewhere
 *                                                (--record FILE): names its absolute path
 *       index.jsonl                              the index (sm_history_index.h)
 *       index.lock                               advisory lock (flock) for writers
 *
 * The index is derived data: a missing or damaged index is rebuilt by re-analysing the session
 * files (through the caller's analyser, so this layer does not depend on the app), keeping the
 * good lines of a damaged index for sessions whose files are gone, so nothing is lost. Session
 * files not yet in the index (a crash before the end of a session) are added the same way.
 * Every write of the index is atomic (temporary file, fsync, rename, fsync of the folder) and
 * made under an exclusive flock on index.lock, so concurrent writers never lose each other's
 * sessions and a reader sees the old or the new index, never a mix.
 *
 * Thread context: reentrant; processes coordinate through the lock file.
 */
#ifndef SM_HISTORY_STORE_H
#define SM_HISTORY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_history.h"
#include "sm_history_index.h"
#include "sm_status.h"

#define SM_HISTORY_INDEX_FILE "index.jsonl"
#define SM_HISTORY_LOCK_FILE  "index.lock"
#define SM_HISTORY_EXT        ".smsession"
#define SM_HISTORY_META_EXT   ".meta.json"
#define SM_HISTORY_INDEX_MAX  (64u << 20)

/* <data>/steadymat/sessions with data = xdg_data_home when it is an absolute path, else
 * home + "/.local/share". Pure. SM_ERR_ARG without either, SM_ERR_RANGE when too long. */
sm_status sm_history_dir_for(const char *xdg_data_home, const char *home, char *buf, size_t n);
/* The same from $XDG_DATA_HOME and $HOME. */
sm_status sm_history_default_dir(char *buf, size_t n);

/* A new, unique session path in dir (NULL = the default folder), named by the local date and
 * time of unix_ms ("2025-01-31_10-15-00.smsession", then "-2", "-3" ... when taken). Creates
 * the missing folders (0755) and reserves the name by creating the empty file (O_EXCL), so two
 * sessions started in the same second get different names; the session writer then truncates
 * it. An empty file is ignored by the history. SM_ERR_IO / SM_ERR_RANGE with a message. */
sm_status sm_history_new_session_path_in(const char *dir, int64_t unix_ms, char *buf, size_t n,
                                         char *err, size_t errlen);
/* The brief's form: the default folder, no message. */
sm_status sm_history_new_session_path(char *buf, size_t n, int64_t unix_ms);

/* Re-analyses one session file into an entry (session name, times, per side numbers); meta
 * (may be NULL: protocol ball-release, no keys) from its sidecar. Returns SM_OK or an error with
 * a one-line message. Supplied by the app (src/app/sm_analysis.h). */
typedef sm_status (*sm_history_analyze_fn)(void *ctx, const char *session_path,
                                           const sm_history_meta_t *meta, sm_history_entry_t *out,
                                           char *err, size_t errlen);

typedef enum {
    SM_HISTORY_INDEX_OK = 0,
    SM_HISTORY_INDEX_MISSING = 1,
    SM_HISTORY_INDEX_DAMAGED = 2,
    SM_HISTORY_INDEX_NEWER = 3
} sm_history_index_state;

/* What loading or adding found and repaired. message is one line for the user when something
 * was repaired or skipped ("" otherwise). */
typedef struct {
    sm_history_index_state state;
    int rebuilt;                 /* the index was rewritten from the session files */
    int written;                 /* the index file was (re)written */
    unsigned long bad_lines;     /* damaged lines in the index */
    unsigned long analysed;      /* session files re-analysed */
    unsigned long added;         /* sessions that were not in the index */
    unsigned long failed;        /* session files that could not be analysed (skipped) */
    unsigned long files_missing; /* index entries whose session file is gone (kept) */
    char message[512];
} sm_history_report_t;

/* The whole history of dir (NULL = default), oldest first, into out (emptied first), repairing
 * the index as described above when fn is given (fn NULL: read only, nothing repaired).
 * A dir that does not exist is an empty history (SM_OK, nothing created). Errors (message in
 * err): SM_ERR_VERSION (an index of a newer SteadyMat: listed read-only is impossible, so
 * nothing is returned), SM_ERR_IO (unreadable folder), SM_ERR_NOMEM. Failing to write the
 * repaired index is not an error: rep->message says so and out holds the repaired list. */
sm_status sm_history_load(const char *dir, sm_history_analyze_fn fn, void *ctx,
                          sm_history_list_t *out, sm_history_report_t *rep, char *err,
                          size_t errlen);

/* Records a finished session: writes its sidecar (meta; meta->session is filled here) and puts
 * e (its session member is set here) into the index of dir (NULL = default), under the lock,
 * repairing a missing/damaged index first when fn is given. session_path is the recording:
 * inside dir it is stored by file name, elsewhere by absolute path (with an external sidecar).
 * SM_ERR_IO (message) when the sidecar or the index cannot be written, SM_ERR_VERSION for an
 * index of a newer SteadyMat (left untouched; the sidecar is still written). rep may be NULL. */
sm_status sm_history_add(const char *dir, const char *session_path, sm_history_meta_t *meta,
                         sm_history_entry_t *e, sm_history_analyze_fn fn, void *ctx,
                         sm_history_report_t *rep, char *err, size_t errlen);

/* Full path of an entry's session file (name inside dir, or its absolute path). */
void sm_history_entry_path(const char *dir, const sm_history_entry_t *e, char *buf, size_t n);

/* The file's modification time, ms since 1970; 0 when it cannot be read. For sessions whose
 * header has no start time (imports). */
int64_t sm_history_file_mtime_ms(const char *path);

#endif
