/*
 * A byte link to a mat: a real serial port through libserialport, or any tty/pty path through
 * termios (libserialport cannot open ptys or symlinks). Non-blocking reads; raw 8N1.
 * Thread context: one thread per transport.
 */
#ifndef SM_TRANSPORT_H
#define SM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

typedef struct sm_transport sm_transport_t;

/* use_termios: 1 termios, 0 libserialport, -1 decide from the path (ptys and links -> termios).
 * Input already waiting in the OS buffers is discarded after opening. On failure returns
 * SM_ERR_NODEV (absent), SM_ERR_IO (busy, no permission: err says what to do) or SM_ERR_ARG. */
sm_status sm_transport_open(const char *path, int baud, int use_termios, sm_transport_t **out,
                            char *err, size_t errlen);
/* Whether path could ever be a mat's port. SM_OK for a character device that is a terminal
 * (a serial port, a pty), for a path that does not exist (yet: the mat is unplugged) and for a
 * character device that cannot be opened now (busy, no permission: opening says why).
 * SM_ERR_ARG with a one-line message for what never will be: a regular file, a directory, a
 * FIFO, a socket, a block device, a character device that is not a terminal (/dev/null). */
sm_status sm_transport_check_path(const char *path, char *err, size_t errlen);
/* Reads what is available now (possibly nothing: *got = 0, SM_OK). SM_ERR_NODEV when the device
 * has gone (unplugged, pty closed). */
sm_status sm_transport_read(sm_transport_t *t, uint8_t *buf, size_t cap, size_t *got);
/* Writes all bytes (waits at most ~100 ms for room). SM_ERR_NODEV when the device has gone. */
sm_status sm_transport_write(sm_transport_t *t, const uint8_t *buf, size_t n);
int sm_transport_fd(const sm_transport_t *t);
/* "serial" (libserialport) or "tty" (termios: ptys and plain tty paths). */
const char *sm_transport_kind(const sm_transport_t *t);
void sm_transport_close(sm_transport_t *t); /* NULL-safe */

/* Backends, used by sm_transport_open. */
sm_status sm_tty_open(const char *path, int baud, int *fd_out, char *err, size_t errlen);
int sm_tty_baud_supported(int baud);

#endif
