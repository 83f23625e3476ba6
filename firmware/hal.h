/*
 * The firmware's hardware seam. scan.c and device.c see the mat only through these calls;
 * hal_avr.c implements them with ATmega328P registers, the host tests with a fake that models
 * a resistance grid. Interrupt context is stated where it matters: the ADC interrupt calls
 * scan_adc_isr() (scan.h) for every finished conversion.
 */
#ifndef HAL_H
#define HAL_H

#include <stdint.h>

/* Pins, UART (1 Mbaud 8N1, interrupt-driven both ways), ADC (reference AVcc, free running off),
 * the microsecond timer and the watchdog (250 ms). Interrupts are on afterwards. */
void hal_init(void);

/* ---- Mat --------------------------------------------------------------------------------- */
/* Drive `row` high and hold every other row at 0 V (at most one row is ever high). Stepping to
 * row + 1 is the cheap, common case (one shift-register clock). */
void hal_row_select(uint8_t row);
/* Every row at 0 V. */
void hal_rows_off(void);
/* Route column `col` to the ADC: multiplexer select lines and ADC input. Takes effect for the
 * next conversion that starts; the one in progress has already taken its sample. */
void hal_col_select(uint8_t col);

/* Start converting the selected cell now, and keep converting back to back (free running):
 * each conversion starts as the previous one ends, and its result goes to scan_adc_isr() from
 * the ADC interrupt. */
void hal_adc_start(void);
/* No new conversion after the one in progress (whose result still arrives). Any context. */
void hal_adc_stop(void);
/* Return once the conversion that started last has taken its sample (sample-and-hold), so
 * the selection may change. Called from scan_adc_isr() and right after hal_adc_start(). */
void hal_adc_hold(void);

/* ---- Time -------------------------------------------------------------------------------- */
uint32_t hal_micros(void);      /* free-running microsecond clock, wraps after 71 min */
void hal_delay_us(uint16_t us); /* busy wait, at least us microseconds */
void hal_wdt_kick(void);        /* the main loop is alive */

/* ---- Link -------------------------------------------------------------------------------- */
/* Queue bytes for sending; waits while the transmit buffer is full (it drains at 10 us/byte). */
void hal_uart_write(const uint8_t *p, uint16_t n);
/* Next received byte into *b: 1, or 0 when none is waiting. */
uint8_t hal_uart_read(uint8_t *b);

/* ---- Odds and ends ----------------------------------------------------------------------- */
void hal_led(uint8_t on);
void hal_eeprom_read(uint16_t addr, uint8_t *p, uint8_t n);
void hal_eeprom_write(uint16_t addr, const uint8_t *p, uint8_t n);
/* 32 bits of physical noise (ADC and oscillator jitter) for making the unique id. Only before
 * scanning starts. */
uint32_t hal_entropy(void);
/* Interrupts off / back as they were: for the few statements main code shares with the ADC
 * interrupt. */
uint8_t hal_irq_save(void);
void hal_irq_restore(uint8_t saved);

#endif
