/* One status type for the whole code base: 0 is success, negative values are errors. */
#ifndef SM_STATUS_H
#define SM_STATUS_H

typedef enum {
    SM_OK = 0,
    SM_EMPTY = 1,         /* not an error: nothing available right now (no frame yet) */
    SM_EOF = 2,           /* not an error: the source has ended (end of a recording) */
    SM_ERR_ARG = -1,      /* caller passed something invalid */
    SM_ERR_FORMAT = -2,   /* input bytes or file contents are malformed */
    SM_ERR_CRC = -3,      /* checksum mismatch */
    SM_ERR_RANGE = -4,    /* value out of the supported range (e.g. mat larger than 64x64) */
    SM_ERR_IO = -5,       /* the operating system refused (see errno / the message) */
    SM_ERR_NOMEM = -6,    /* allocation failed */
    SM_ERR_NODEV = -7,    /* device not present / unplugged */
    SM_ERR_TIMEOUT = -8,  /* nothing arrived in time */
    SM_ERR_VERSION = -9,  /* file or protocol version not supported */
    SM_ERR_MISMATCH = -10 /* data does not belong here (wrong mat, wrong size) */
} sm_status;

#endif
