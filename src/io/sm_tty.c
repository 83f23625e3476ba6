/* termios backend: ptys, symlinks and plain tty paths that libserialport refuses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sm_transport.h"

static speed_t baud_const(int baud)
{
    switch (baud) {
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    case 230400:
        return B230400;
    case 460800:
        return B460800;
    case 500000:
        return B500000;
    case 921600:
        return B921600;
    case 1000000:
        return B1000000;
    case 1500000:
        return B1500000;
    case 2000000:
        return B2000000;
    default:
        return 0;
    }
}

int sm_tty_baud_supported(int baud)
{
    return baud_const(baud) != 0;
}

sm_status sm_tty_open(const char *path, int baud, int *fd_out, char *err, size_t errlen)
{
    *fd_out = -1;
    speed_t sp = baud_const(baud);
    if (!sp) {
        snprintf(err, errlen, "baud rate %d is not supported on %s (try 115200 or 1000000)", baud,
                 path);
        return SM_ERR_ARG;
    }
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENXIO || e == ENODEV || e == EIO) {
            snprintf(err, errlen, "%s is not there (unplugged?)", path);
            return SM_ERR_NODEV;
        }
        if (e == EACCES)
            snprintf(
                err, errlen,
                "no permission to open %s: add yourself to the 'dialout' group and log in again",
                path);
        else if (e == EBUSY)
            snprintf(err, errlen, "%s is busy: close the other program using it", path);
        else
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
        return SM_ERR_IO;
    }
    /* A link left by a killed simulator may point at a pty number the kernel has since given to
     * someone's terminal: never take over a terminal that belongs to a session. */
    if (tcgetsid(fd) != (pid_t)-1) {
        close(fd);
        snprintf(err, errlen, "%s is not there (it is somebody's terminal now)", path);
        return SM_ERR_NODEV;
    }
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        snprintf(err, errlen, "%s is not a serial port or terminal: %s", path, strerror(errno));
        close(fd);
        return SM_ERR_IO;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    cfsetispeed(&tio, sp);
    cfsetospeed(&tio, sp);
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        snprintf(err, errlen, "cannot configure %s: %s", path, strerror(errno));
        close(fd);
        return SM_ERR_IO;
    }
    /* Stale bytes from before we opened would only desynchronise the first frame. */
    tcflush(fd, TCIFLUSH);
    *fd_out = fd;
    return SM_OK;
}
