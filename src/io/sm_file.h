/* Whole small files into memory, with a size cap and one-line messages naming the path. */
#ifndef SM_FILE_H
#define SM_FILE_H

#include <stddef.h>

#include "sm_status.h"

/* *buf is malloc'd and NUL-terminated (the caller frees it); *n excludes the NUL. Files larger
 * than max bytes are refused (SM_ERR_RANGE) rather than read. */
sm_status sm_file_read(const char *path, size_t max, char **buf, size_t *n, char *err,
                       size_t errlen);

/* Write a whole file atomically: missing parent directories are created (0755), the data goes
 * to a temporary file in the same directory, is fsync'ed and renamed over path, so a crash or a
 * full disk leaves either the old file or the new one, never half of one. what names the file
 * in messages ("calibration", "template"): "cannot write calibration PATH: REASON". */
sm_status sm_file_write_atomic(const char *path, const char *data, size_t n, const char *what,
                               char *err, size_t errlen);

#endif
