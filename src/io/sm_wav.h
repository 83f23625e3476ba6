/* Writing 16-bit mono PCM WAV files (--audio-out). Sizes in the header are patched at close; a
 * file cut short by a crash still plays in most players up to its last complete write. */
#ifndef SM_WAV_H
#define SM_WAV_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

typedef struct sm_wav_writer sm_wav_writer_t;

sm_status sm_wav_open(const char *path, int rate_hz, sm_wav_writer_t **out, char *err,
                      size_t errlen);
sm_status sm_wav_write(sm_wav_writer_t *w, const int16_t *pcm, size_t n, char *err, size_t errlen);
/* Patches the header and closes; NULL-safe. */
sm_status sm_wav_close(sm_wav_writer_t *w, char *err, size_t errlen);

/* Reads a file written by sm_wav (or any 16-bit mono PCM WAV) into a malloc'd buffer, for tests
 * and checks. */
sm_status sm_wav_read(const char *path, int16_t **pcm, size_t *n, int *rate_hz, char *err,
                      size_t errlen);

#endif
