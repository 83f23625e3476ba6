/*
 * The reference DIY mat: ATmega328P at 16 MHz (Arduino Uno/Nano), rows driven by a chain of
 * 74HC595 shift registers, columns read through CD74HC4067 analog multiplexers. Everything a
 * maker may change for another mat lives here: sizes, pitch, link speed, ADC clock, settling
 * times, oversampling, pins. Sizes can also be given on the compiler command line
 * (-DBOARD_ROWS=16 -DBOARD_COLS=16); the CMake build does that for its test variants.
 *
 * This header is also compiled on the host (unit tests), so it holds numbers only: the pin
 * macros are turned into registers in hal_avr.c.
 */
#ifndef BOARD_H
#define BOARD_H

/* ---- The mat ----------------------------------------------------------------------------- */
#ifndef BOARD_ROWS
#define BOARD_ROWS 32 /* rows run along the body, row 0 at the head end */
#endif
#ifndef BOARD_COLS
#define BOARD_COLS 24 /* columns across the body: 16 per CD74HC4067, at most 64 */
#endif
#ifndef BOARD_PITCH_DMM
#define BOARD_PITCH_DMM 250 /* cell pitch in 0.1 mm: 2.5 cm strips */
#endif
#define BOARD_NAME     "SteadyMat DIY" /* INFO.name, at most 16 characters */
#define BOARD_FW_MAJOR 1
#define BOARD_FW_MINOR 0
#define BOARD_FW_PATCH 0

/* ---- Clock and link ---------------------------------------------------------------------- */
#define BOARD_F_CPU 16000000UL
/* 1 Mbaud: U2X0 = 1, UBRR0 = 1 gives exactly 1,000,000 baud from 16 MHz (0 % error); the
 * CH340/FT232/16U2 USB bridges of Uno/Nano boards all carry it. 10 bits per byte (8N1). */
#define BOARD_BAUD 1000000UL

/* ---- ADC --------------------------------------------------------------------------------- */
/* ADC clock = F_CPU / prescaler; a conversion takes 13 ADC clocks (free running).
 * Prescaler 64: 250 kHz, 52 us per conversion (832 CPU cycles). The datasheet wants 50-200 kHz
 * for the full 10 bits; 250 kHz keeps them in practice, and a 32x24 frame takes 40 ms.
 * Prescaler 32 (500 kHz, ~9 effective bits) would halve the scan time, but then the CPU is the
 * limit, not the ADC: per conversion it has 416 cycles for the interrupt (~130), and for
 * encoding ~1.5 wire bytes (CRC-32C + COBS in src/proto: ~134 cycles each) and sending them
 * (~40 each): ~95 % busy, so rows wait for the encoder and the scan only reaches ~60 % of the
 * 500 kHz bound (measured under simavr, README). At 250 kHz the CPU is ~45 % busy and the scan
 * reaches 95-98 % of its bound. Prescaler 128 (125 kHz) halves the rate again for no gain. */
#ifndef BOARD_ADC_PRESCALER
#define BOARD_ADC_PRESCALER 64
#endif
#define BOARD_ADC_CONV_CYCLES (13UL * BOARD_ADC_PRESCALER)
#define BOARD_ADC_FULL        1023u /* 10-bit full scale: a sample here sets SATURATED */
#define BOARD_SAMPLE_BITS     10

/* Oversampling: 2^BOARD_OVERSAMPLE_LOG2 conversions per cell, averaged (0 = off). Each step
 * halves the frame rate and lowers the noise by about sqrt(2). */
#ifndef BOARD_OVERSAMPLE_LOG2
#define BOARD_OVERSAMPLE_LOG2 0
#endif

/* ---- Settling ---------------------------------------------------------------------------- */
/* The ADC samples its input 1.5 ADC clocks after a conversion starts and converts the held
 * value for the remaining 11.5 clocks. The scan is pipelined: while conversion k converts, the
 * multiplexer (and, at the end of a row, the row driver) is already switched to the cell of
 * conversion k+1, so every switch gets almost a whole conversion to settle for free:
 * 13 ADC clocks - the interrupt's own time to the switch (~130 cycles, ~8 us, measured under
 * simavr) + 1.5 clocks = about 48 us at 250 kHz.
 *
 * Column switch: with a pull-down on every column (see README), an unselected column already
 * sits at its own divider voltage, so switching the mux only charges the mux and ADC input
 * capacitance (~20 pF + 14 pF sample cap) through mux on-resistance (~70 ohm) plus the column's
 * source impedance (<= 10 kohm || R_cell): tau <= 0.35 us, 8 tau (10 bits) < 3 us.
 * Row switch: every column node moves to a new divider voltage and has to charge the strip's
 * capacitance to the other layer and the wiring, some 100-300 pF for an 80 cm strip: tau <=
 * 10 kohm x 300 pF = 3 us, 7 tau about 21 us. BOARD_ROW_SETTLE_US is that need; when it is
 * longer than the pipeline's window, the scan throws away BOARD_ROW_DISCARD conversions after
 * each row switch (each one adds a conversion time). Raise it for long leads or big strips. */
#ifndef BOARD_ROW_SETTLE_US
#define BOARD_ROW_SETTLE_US 20
#endif
#ifndef BOARD_COL_SETTLE_US
#define BOARD_COL_SETTLE_US 3
#endif
/* CPU cycles from a conversion's start to the switch for the next-but-one cell, at most (the
 * ADC interrupt's entry, bookkeeping and hold wait; simavr measures 131-140, README). */
#define BOARD_SWITCH_CYCLES 160UL
#define BOARD_SETTLE_WINDOW_US                                                                     \
    ((BOARD_ADC_CONV_CYCLES - BOARD_SWITCH_CYCLES + 3UL * BOARD_ADC_PRESCALER / 2UL) /             \
     (BOARD_F_CPU / 1000000UL))
#define BOARD_ROW_DISCARD                                                                          \
    (BOARD_ROW_SETTLE_US <= BOARD_SETTLE_WINDOW_US                                                 \
         ? 0                                                                                       \
         : (((BOARD_ROW_SETTLE_US - BOARD_SETTLE_WINDOW_US) * (BOARD_F_CPU / 1000000UL) +          \
             BOARD_ADC_CONV_CYCLES - 1) /                                                          \
            BOARD_ADC_CONV_CYCLES))
/* The column settle time must fit the pipeline's window (it has no discard of its own). */
typedef char board_col_settle_fits[BOARD_COL_SETTLE_US <= BOARD_SETTLE_WINDOW_US ? 1 : -1];
/* A conversion holds its sample 1.5 ADC clocks after it starts; the ADC interrupt must not
 * switch the multiplexer before 2 ADC clocks (128 cycles at prescaler 64) have surely passed
 * (the sample is taken at 96). It gets to its wait at least BOARD_ISR_MIN_CYCLES after the
 * conversion started (4 cycles to respond, 3 for the vector jump, register saves, the result's
 * bookkeeping: 33 measured by the simavr harness as the first switch at 131 = 33 + 98), so it
 * only waits the rest. The harness counts any switch before the sample ("early_switches"). */
#define BOARD_ADC_HOLD_CYCLES (2UL * BOARD_ADC_PRESCALER)
#define BOARD_ISR_MIN_CYCLES  30UL
#define BOARD_ADC_HOLD_WAIT                                                                        \
    (BOARD_ADC_HOLD_CYCLES > BOARD_ISR_MIN_CYCLES ? BOARD_ADC_HOLD_CYCLES - BOARD_ISR_MIN_CYCLES   \
                                                  : 0UL)

/* ---- Frame rate -------------------------------------------------------------------------- */
/* Bytes of a frame on the wire, at most (PROTOCOL.md section 9). */
#define BOARD_ROW_BYTES   ((BOARD_COLS / 2) * 3 + (BOARD_COLS % 2) * 2)
#define BOARD_FRAME_BYTES (2UL + 8UL + (unsigned long)BOARD_ROW_BYTES * BOARD_ROWS + 1UL + 4UL)
#ifdef BOARD_TEXT /* text mode: up to 4 digits and a ',' per 10-bit sample, then *HH\r\n */
#define BOARD_WIRE_BYTES ((unsigned long)BOARD_ROWS * BOARD_COLS * 5UL + 4UL)
#else
#define BOARD_WIRE_BYTES (BOARD_FRAME_BYTES + BOARD_FRAME_BYTES / 254UL + 2UL)
#endif
/* The two bounds: conversions per second / conversions per frame, and bytes per second the
 * link carries / bytes per frame. */
#define BOARD_CONV_PER_FRAME                                                                       \
    ((unsigned long)BOARD_ROWS *                                                                   \
     (((unsigned long)BOARD_COLS << BOARD_OVERSAMPLE_LOG2) + BOARD_ROW_DISCARD))
#define BOARD_ADC_BOUND_HZ  (BOARD_F_CPU / BOARD_ADC_CONV_CYCLES / BOARD_CONV_PER_FRAME)
#define BOARD_UART_BOUND_HZ (BOARD_BAUD / 10UL / BOARD_WIRE_BYTES)
#define BOARD_BOUND_HZ                                                                             \
    (BOARD_ADC_BOUND_HZ < BOARD_UART_BOUND_HZ ? BOARD_ADC_BOUND_HZ : BOARD_UART_BOUND_HZ)
/* Fastest rate a host may ask for: 90 % of the bound (the whole-number bound, rounded down),
 * below the 94.7-98.5 % the scan reaches (README), so frames are never skipped for want of
 * time. A faster request is refused with BAD_ARG. 32x24: 22 Hz, 16x16: 67, 48x32: 10. */
#ifndef BOARD_MAX_RATE_HZ
#define BOARD_MAX_RATE_HZ (BOARD_BOUND_HZ * 9UL / 10UL)
#endif
/* Rate after power-up: the fastest, up to 40 frames/s. */
#ifndef BOARD_DEFAULT_RATE_HZ
#define BOARD_DEFAULT_RATE_HZ (BOARD_MAX_RATE_HZ < 40UL ? BOARD_MAX_RATE_HZ : 40UL)
#endif

/* ---- Pins (Arduino Uno/Nano names in brackets) ------------------------------------------ */
/* 74HC595 chain for the rows: SER (serial data), SRCLK (shift clock), RCLK (latch). Port B. */
#define BOARD_SR_PORT        B
#define BOARD_SR_SER_BIT     0 /* PB0 [D8]  -> SER (pin 14) of the first 74HC595          */
#define BOARD_SR_SRCLK_BIT   1 /* PB1 [D9]  -> SRCLK (pin 11) of every 74HC595            */
#define BOARD_SR_RCLK_BIT    2 /* PB2 [D10] -> RCLK (pin 12) of every 74HC595             */
#define BOARD_ROW_CHAIN_BITS (((BOARD_ROWS + 7) / 8) * 8) /* 8 outputs per 74HC595 */
/* CD74HC4067 select lines S0..S3 on PD4..PD7 [D4..D7], shared by all multiplexers; column c
 * is channel c % 16 of multiplexer c / 16, whose common pin goes to ADC(c / 16) [A0..A3]. */
#define BOARD_MUX_PORT  D
#define BOARD_MUX_SHIFT 4
/* Status LED: PB5 [D13], the on-board LED. */
#define BOARD_LED_PORT B
#define BOARD_LED_BIT  5

/* ---- EEPROM ------------------------------------------------------------------------------ */
#define BOARD_EE_MAGIC_ADDR 0 /* 2 bytes 'S' 'M': the uid below is valid */
#define BOARD_EE_UID_ADDR   2 /* 8 bytes: the mat's unique id, made once at first power-up */

#endif
