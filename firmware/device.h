/*
 * The mat as a protocol v1 device: boot announcement, host commands, the frame schedule, the
 * identify blink. Pure logic over hal.h and scan.h; main.c calls device_init() once and
 * device_poll() forever. Main-loop context only.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include <stdint.h>

#include "sm_proto.h"

typedef struct {
    uint8_t rows, cols;
    uint16_t pitch_dmm;
    uint16_t max_rate_hz, default_rate_hz;
    uint8_t os_log2, row_discard;
    uint16_t row_settle_us;
} device_cfg_t;

/* Fills cfg from board.h. */
void device_cfg_board(device_cfg_t *cfg);
/* Reads (or on first power-up makes and stores) the unique id, sends the boot 0x00 and INFO,
 * and starts streaming at the default rate with seq 0. */
void device_init(const device_cfg_t *cfg);
/* One pass of the main loop: commands in, rows out, the next frame when it is due. */
void device_poll(void);
/* For tests: the INFO the device would send now. */
void device_info(sm_proto_info_t *out);

#endif
