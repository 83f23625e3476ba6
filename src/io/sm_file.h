/* Whole small files into memory, with a size cap and one-line messages naming the path. */
#ifndef SM_FILE_H
#define SM_FILE_H

#include <stddef.h>

#include "sm_status.h"

/* *buf is malloc'd and NUL-terminated (the caller frees it); *n excludes the NUL. Files larger
 * than max bytes are refused (SM_ERR_RANGE) rather than read. */
sm_status sm_file_read(const char *path, size_t max, char **buf, size_t *n, char *err,
                       size_t errlen);

#endif
