/*
 * The mat scanner: drives rows and columns through hal.h, collects one conversion per cell
 * (or 2^os_log2, averaged) in the ADC interrupt, and streams each finished row into a FRAME
 * with the protocol writer from the main loop, so a frame never has to fit in RAM.
 *
 * Pipeline: the ADC converts back to back. When the result of conversion k arrives, conversion
 * k+1 has already sampled its cell, so the interrupt switches the row driver and multiplexer to
 * the cell of conversion k+2, which then settles for almost a whole conversion time. Rows go to
 * a ring of SCAN_NBUF row buffers; when the main loop falls behind by that many rows the ADC
 * pauses at the next row boundary and resumes when a buffer is free (the frame just takes
 * longer; nothing is lost).
 *
 * Context: scan_adc_isr() runs in the ADC interrupt, everything else in the main loop.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stdint.h>

#include "board.h"
#include "sm_proto.h"

/* Row buffer width: the board's columns on the AVR (RAM is 2 KB), 64 in host tests. */
#ifndef SCAN_MAX_COLS
#define SCAN_MAX_COLS BOARD_COLS
#endif
#ifndef SCAN_NBUF
#define SCAN_NBUF 2 /* row buffers (a power of two): one being sent, one being scanned */
#endif

typedef struct {
    uint8_t rows, cols;     /* 1..64, cols <= SCAN_MAX_COLS                          */
    uint8_t os_log2;        /* 2^os_log2 conversions per cell, averaged (0..2)      */
    uint8_t row_discard;    /* conversions thrown away after each row switch (0..8) */
    uint16_t full;          /* ADC full scale: a sample >= full sets SATURATED      */
    uint16_t row_settle_us; /* wait after a row switch outside the pipeline (start, resume) */
} scan_cfg_t;

/* Geometry and the writer that frames go to (kept). Call while not scanning. */
void scan_init(const scan_cfg_t *cfg, sm_proto_writer_t *w);
/* Start a frame now: writes its header, starts the ADC. `flags` (SM_FRAME_OVERRUN) are added
 * to the frame's flags byte. Only while scan_busy() is 0. */
void scan_frame_start(uint16_t seq, uint32_t t_us, uint8_t flags);
/* Main loop: send the rows that are ready, resume a paused ADC, end the frame after its last
 * row. Returns 1 while a frame is in progress, 0 once it has been handed to the writer whole. */
uint8_t scan_poll(void);
uint8_t scan_busy(void);
/* ADC interrupt: the result of the oldest conversion in flight. */
void scan_adc_isr(uint16_t sample);

#endif
