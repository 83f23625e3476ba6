/* One pressure frame as the host pipeline sees it, whatever the source. */
#ifndef SM_FRAME_H
#define SM_FRAME_H

#include <stdint.h>

#include "sm_proto.h"

#define SM_MAX_ROWS  64
#define SM_MAX_COLS  64
#define SM_MAX_CELLS (SM_MAX_ROWS * SM_MAX_COLS)

/* Frame flags beyond the wire's SM_FRAME_OVERRUN / SM_FRAME_SATURATED (low byte). */
#define SM_FRAME_AFTER_GAP 0x100u /* first frame after the link was lost and came back */

typedef struct {
    uint64_t t_us;     /* session time: microseconds since the session started (data clock) */
    uint32_t seq;      /* frame number, unwrapped, as counted by the source */
    uint32_t dev_t_us; /* device timestamp as sent by the mat (0 when the source has none) */
    uint16_t rows, cols;
    uint16_t flags;               /* SM_FRAME_* */
    uint16_t cells[SM_MAX_CELLS]; /* raw counts, row-major, rows*cols valid; row 0 = head end */
} sm_frame_t;

/* Mat geometry and identity, known from the device-info message, the session header or options. */
typedef struct {
    uint16_t rows, cols;
    double pitch_mm;     /* distance between cell centres */
    uint16_t sample_max; /* full scale of a raw sample (1023 for 10-bit, 4095 for 12-bit) */
    double rate_hz;      /* nominal frame rate, 0 when unknown */
    char uid[17];        /* unique id as 16 hex digits, "" when unknown */
    char name[17];       /* model name, "" when unknown */
    char firmware[16];   /* "1.0.0", "" when unknown */
} sm_mat_info_t;

#endif
