/* Whole small files into memory, with a size cap and one-line messages naming the path. */
#ifndef SM_FILE_H
#define SM_FILE_H

#include <stddef.h>

#include "sm_status.h"

/* *buf is malloc'd and NUL-terminated (the caller frees it); *n excludes the NUL. Files larger
 * than max bytes are refused (SM_ERR_RANGE) rather than read. */
sm_status sm_file_read(const char *path, size_t max, char **buf, size_t *n, char *err,
                       size_t errlen);

/* Everything SteadyMat keeps about a person (sessions, history, templates, calibrations,
 * reports, sounds) is private whatever the umask: files 0600, folders it creates 0700. */
#define SM_FILE_MODE 0600
#define SM_DIR_MODE  0700

/* mkdir -p of dir with SM_DIR_MODE (existing folders are left as they are). 0, or -1 with errno
 * (ENOTDIR when a component is not a folder). */
int sm_file_mkdirs(const char *dir);
/* Make a folder SteadyMat owns private (its own data folders made by older versions were
 * 0755). Errors are ignored: a folder we cannot change is one we do not own. */
void sm_file_make_private(const char *dir);

/* Creates path for writing, mode SM_FILE_MODE, never through a symlink (O_NOFOLLOW): with
 * replace 0 an existing file is an error (EEXIST), with replace 1 it is truncated. Returns the
 * fd, or -1 with errno (ELOOP for a symlink). */
int sm_file_create(const char *path, int replace);

/* Before a session starts: may an output file (a recording, a sound file, an import) be
 * created at path? Refused with a message naming the path and what to do: a symbolic link
 * (never written through), a folder, an existing file unless replace, a folder that does not
 * exist or cannot be written. SM_OK or SM_ERR_IO. */
sm_status sm_file_check_output(const char *path, int replace, char *err, size_t errlen);

/* For files a library writes by name (cairo's PNG and PDF): creates or empties path privately,
 * never through a symlink, so the library then writes into a 0600 file. Message "cannot write
 * PATH: REASON". */
sm_status sm_file_prepare(const char *path, char *err, size_t errlen);
/* The reason for errno in a message, in words for the cases SteadyMat refuses on purpose. */
const char *sm_file_why(int e);

/* Write a whole file atomically: missing parent directories are created (SM_DIR_MODE), the data
 * goes to a new temporary file in the same directory (mode SM_FILE_MODE), is fsync'ed and renamed
 * over path, and the directory is fsync'ed, so a crash or a full disk leaves either the old file
 * or the new one, never half of one. what names the file in messages ("calibration",
 * "template"): "cannot write calibration PATH: REASON". */
sm_status sm_file_write_atomic(const char *path, const char *data, size_t n, const char *what,
                               char *err, size_t errlen);

#endif
