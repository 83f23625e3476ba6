/* One byte-link API over two backends: libserialport for real ports, termios for the rest. */
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sm_transport.h"

struct sm_transport {
    struct sp_port *sp; /* libserialport backend, or NULL */
    int fd;             /* termios backend fd, or the libserialport handle */
};

/* libserialport rejects names without a /sys/class/tty entry (ptys, symlinks): decide early. */
static int wants_termios(const char *path)
{
    /* /dev/serial/by-id/... links name real adapters: libserialport takes those by their
     * target (and any baud rate); links to ptys (our simulator) go to termios. */
    char real[PATH_MAX];
    if (realpath(path, real) && strcmp(real, path) != 0)
        return wants_termios(real);
    if (strncmp(path, "/dev/pts/", 9) == 0 || strcmp(path, "/dev/ptmx") == 0)
        return 1;
    struct sp_port *p = NULL;
    if (sp_get_port_by_name(path, &p) != SP_OK)
        return 1;
    sp_free_port(p);
    return 0;
}

static sm_status open_sp(const char *path, int baud, sm_transport_t *t, char *err, size_t errlen)
{
    if (sp_get_port_by_name(path, &t->sp) != SP_OK) {
        snprintf(err, errlen, "%s is not there (unplugged?)", path);
        return SM_ERR_NODEV;
    }
    if (sp_open(t->sp, SP_MODE_READ_WRITE) != SP_OK) {
        int e = sp_last_error_code();
        char *msg = sp_last_error_message();
        if (e == EACCES)
            snprintf(
                err, errlen,
                "no permission to open %s: add yourself to the 'dialout' group and log in again",
                path);
        else if (e == ENOENT || e == ENODEV || e == ENXIO)
            snprintf(err, errlen, "%s is not there (unplugged?)", path);
        else
            snprintf(err, errlen, "cannot open %s: %s", path, msg ? msg : "unknown error");
        sp_free_error_message(msg);
        sp_free_port(t->sp);
        t->sp = NULL;
        return (e == ENOENT || e == ENODEV || e == ENXIO) ? SM_ERR_NODEV : SM_ERR_IO;
    }
    struct sp_port_config *c = NULL;
    int ok = sp_new_config(&c) == SP_OK && sp_set_config_baudrate(c, baud) == SP_OK &&
             sp_set_config_bits(c, 8) == SP_OK &&
             sp_set_config_parity(c, SP_PARITY_NONE) == SP_OK &&
             sp_set_config_stopbits(c, 1) == SP_OK &&
             sp_set_config_flowcontrol(c, SP_FLOWCONTROL_NONE) == SP_OK &&
             sp_set_config(t->sp, c) == SP_OK;
    sp_free_config(c);
    if (!ok) {
        snprintf(err, errlen, "cannot set %s to %d baud 8N1", path, baud);
        sp_close(t->sp);
        sp_free_port(t->sp);
        t->sp = NULL;
        return SM_ERR_IO;
    }
    sp_flush(t->sp, SP_BUF_INPUT);
    if (sp_get_port_handle(t->sp, &t->fd) != SP_OK)
        t->fd = -1;
    return SM_OK;
}

sm_status sm_transport_check_path(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (!path || !*path) {
        snprintf(err, errlen, "no serial port given");
        return SM_ERR_ARG;
    }
    if (stat(path, &sb) != 0)
        return SM_OK; /* not there (yet): an unplugged mat, retried */
    const char *what = S_ISREG(sb.st_mode)    ? "a regular file"
                       : S_ISDIR(sb.st_mode)  ? "a directory"
                       : S_ISFIFO(sb.st_mode) ? "a FIFO (named pipe)"
                       : S_ISSOCK(sb.st_mode) ? "a socket"
                       : S_ISBLK(sb.st_mode)  ? "a block device (a disk)"
                       : S_ISCHR(sb.st_mode)  ? NULL
                                              : "not a device";
    if (!what) {
        /* Linux says which class a character device belongs to without opening it (opening a
         * USB serial port would reset an Arduino); ptys have no entry there: open those. */
        char sys[64], link[PATH_MAX];
        snprintf(sys, sizeof sys, "/sys/dev/char/%u:%u/subsystem", major(sb.st_rdev),
                 minor(sb.st_rdev));
        ssize_t k = readlink(sys, link, sizeof link - 1);
        if (k > 0) {
            link[k] = 0;
            const char *cls = strrchr(link, '/');
            if (cls && strcmp(cls, "/tty") == 0)
                return SM_OK;
            snprintf(err, errlen,
                     "%s is a device that is not a serial port (%s): give the mat's port with "
                     "--port (see 'steadymat ports')",
                     path, cls ? cls + 1 : link);
            return SM_ERR_ARG;
        }
        int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return SM_OK; /* busy or no permission: opening it says so */
        int tty = isatty(fd);
        close(fd);
        if (tty)
            return SM_OK;
        what = "a device that is not a serial port";
    }
    snprintf(err, errlen,
             "%s is %s, not a serial port: give the mat's port with --port (see 'steadymat "
             "ports')",
             path, what);
    return SM_ERR_ARG;
}

sm_status sm_transport_open(const char *path, int baud, int use_termios, sm_transport_t **out,
                            char *err, size_t errlen)
{
    *out = NULL;
    if (!path || !*path || baud <= 0) {
        snprintf(err, errlen, "no serial port given");
        return SM_ERR_ARG;
    }
    sm_transport_t *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    t->fd = -1;
    char real[PATH_MAX];
    const char *sp_path = path;
    if (use_termios < 0)
        use_termios = wants_termios(path);
    if (!use_termios && realpath(path, real))
        sp_path = real;
    sm_status st = use_termios ? sm_tty_open(path, baud, &t->fd, err, errlen)
                               : open_sp(sp_path, baud, t, err, errlen);
    if (st != SM_OK) {
        free(t);
        return st;
    }
    *out = t;
    return SM_OK;
}

sm_status sm_transport_read(sm_transport_t *t, uint8_t *buf, size_t cap, size_t *got)
{
    *got = 0;
    if (t->sp) {
        /* libserialport reports an unplugged USB adapter as a failed read or a hung-up handle. */
        struct pollfd p = {t->fd, POLLIN, 0};
        if (t->fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
            return SM_ERR_NODEV;
        enum sp_return r = sp_nonblocking_read(t->sp, buf, cap);
        if (r < 0)
            return SM_ERR_NODEV;
        *got = (size_t)r;
        return SM_OK;
    }
    ssize_t r = read(t->fd, buf, cap);
    if (r > 0) {
        *got = (size_t)r;
        return SM_OK;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return SM_OK;
    if (r == 0) {
        /* A tty read of 0 in non-blocking raw mode is "no data" unless the line hung up. */
        struct pollfd p = {t->fd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
            return SM_ERR_NODEV;
        return SM_OK;
    }
    return SM_ERR_NODEV; /* EIO: the pty master or the USB device went away */
}

sm_status sm_transport_write(sm_transport_t *t, const uint8_t *buf, size_t n)
{
    if (t->sp) {
        enum sp_return r = sp_blocking_write(t->sp, buf, n, 100);
        return r < 0 ? SM_ERR_NODEV : ((size_t)r == n ? SM_OK : SM_ERR_TIMEOUT);
    }
    size_t off = 0;
    int tries = 0;
    while (off < n) {
        ssize_t w = write(t->fd, buf + off, n - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EINTR) && tries++ < 10) {
            struct pollfd p = {t->fd, POLLOUT, 0};
            poll(&p, 1, 10);
            continue;
        }
        return (w < 0 && errno == EAGAIN) ? SM_ERR_TIMEOUT : SM_ERR_NODEV;
    }
    return SM_OK;
}

int sm_transport_fd(const sm_transport_t *t)
{
    return t ? t->fd : -1;
}

const char *sm_transport_kind(const sm_transport_t *t)
{
    return t && t->sp ? "serial" : "tty";
}

void sm_transport_close(sm_transport_t *t)
{
    if (!t)
        return;
    if (t->sp) {
        sp_close(t->sp);
        sp_free_port(t->sp);
    } else if (t->fd >= 0) {
        close(t->fd);
    }
    free(t);
}
