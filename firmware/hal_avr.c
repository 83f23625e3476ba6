/*
 * hal.h on the ATmega328P: the only file that touches registers. Pins come from board.h.
 *
 *   Timer1   free running at F_CPU / 8 (2 ticks per us); its overflow counts 32.768 ms steps.
 *   USART0   1 Mbaud 8N1, receive and transmit by interrupt (transmit ring of 256 bytes, so
 *            the writer's 255-byte pieces go out while the ADC keeps scanning).
 *   ADC      AVcc reference, free running, interrupt per conversion -> scan_adc_isr().
 *   Watchdog 250 ms, kicked by the main loop.
 */
#include "hal.h"

#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/wdt.h>
#include <util/delay.h>

#include "board.h"
#include "scan.h"

#define CAT2(a, b) a##b
#define CAT(a, b)  CAT2(a, b)
#define SR_PORT    CAT(PORT, BOARD_SR_PORT)
#define SR_DDR     CAT(DDR, BOARD_SR_PORT)
#define MUX_PORT   CAT(PORT, BOARD_MUX_PORT)
#define MUX_DDR    CAT(DDR, BOARD_MUX_PORT)
#define LED_PORT   CAT(PORT, BOARD_LED_PORT)
#define LED_DDR    CAT(DDR, BOARD_LED_PORT)
#define MUX_MASK   (0x0F << BOARD_MUX_SHIFT)

#if BOARD_ADC_PRESCALER == 16
#define ADPS_BITS ((1 << ADPS2))
#elif BOARD_ADC_PRESCALER == 32
#define ADPS_BITS ((1 << ADPS2) | (1 << ADPS0))
#elif BOARD_ADC_PRESCALER == 64
#define ADPS_BITS ((1 << ADPS2) | (1 << ADPS1))
#elif BOARD_ADC_PRESCALER == 128
#define ADPS_BITS ((1 << ADPS2) | (1 << ADPS1) | (1 << ADPS0))
#else
#error "BOARD_ADC_PRESCALER must be 16, 32, 64 or 128"
#endif

#define TX_SIZE 256 /* uint8_t indices wrap by themselves */
/* A connecting host sends 37 bytes at once (0x00, SET_RATE, GET_INFO, START) while the main
 * loop may be encoding a row for ~0.35 ms (35 bytes at 1 Mbaud). */
#define RX_SIZE 64

static volatile uint32_t t1_overflows;
static uint8_t tx_buf[TX_SIZE];
static volatile uint8_t tx_head, tx_tail;
static uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head, rx_tail;
static uint8_t cur_row = 0xFF; /* the row driven high, 0xFF none */

/* After a watchdog reset the watchdog stays on with its shortest timeout: turn it off before
 * the C start-up code runs, or a large .bss clear could already trip it. */
void wdt_off_early(void) __attribute__((naked, used, section(".init3")));
void wdt_off_early(void)
{
    MCUSR = 0;
    wdt_disable();
}

void hal_init(void)
{
    cli();
    /* Rows: shift register lines low; mux select lines low; LED off. */
    SR_DDR |= (1 << BOARD_SR_SER_BIT) | (1 << BOARD_SR_SRCLK_BIT) | (1 << BOARD_SR_RCLK_BIT);
    SR_PORT &=
        (uint8_t) ~((1 << BOARD_SR_SER_BIT) | (1 << BOARD_SR_SRCLK_BIT) | (1 << BOARD_SR_RCLK_BIT));
    MUX_DDR |= MUX_MASK;
    MUX_PORT &= (uint8_t)~MUX_MASK;
    LED_DDR |= (1 << BOARD_LED_BIT);
    LED_PORT &= (uint8_t) ~(1 << BOARD_LED_BIT);

    /* Timer1: normal mode, clk/8. */
    TCCR1A = 0;
    TCCR1B = (1 << CS11);
    TIMSK1 = (1 << TOIE1);

    /* USART0. U2X0 first: UBRR0 = 1 means 1 Mbaud only with double speed on. */
    UCSR0A = (1 << U2X0);
    UBRR0 = (uint16_t)(BOARD_F_CPU / 8UL / BOARD_BAUD - 1UL);
    UCSR0C = (1 << UCSZ01) | (1 << UCSZ00);
    UCSR0B = (1 << RXEN0) | (1 << TXEN0) | (1 << RXCIE0);

    /* ADC: AVcc reference; the analog pins in use lose their digital input buffers. */
    ADMUX = (1 << REFS0);
    ADCSRB = 0; /* auto trigger source: free running */
    DIDR0 = (uint8_t)((1 << ((BOARD_COLS + 15) / 16)) - 1);
    ADCSRA = (1 << ADEN) | ADPS_BITS;

    wdt_enable(WDTO_250MS);
    sei();
}

/* ---- Rows: a chain of 74HC595, a single 1 walking through it ---------------------------- */
static inline void sr_bit(uint8_t one)
{
    if (one)
        SR_PORT |= (1 << BOARD_SR_SER_BIT);
    else
        SR_PORT &= (uint8_t) ~(1 << BOARD_SR_SER_BIT);
    SR_PORT |= (1 << BOARD_SR_SRCLK_BIT); /* 74HC595 shifts on the rising edge (>= 20 ns) */
    SR_PORT &= (uint8_t) ~(1 << BOARD_SR_SRCLK_BIT);
}

static inline void sr_latch(void)
{
    /* The outputs change only here, all at once: no two rows are ever high together. */
    SR_PORT |= (1 << BOARD_SR_RCLK_BIT);
    SR_PORT &= (uint8_t) ~(1 << BOARD_SR_RCLK_BIT);
}

static void sr_clear(void)
{
    uint8_t i;
    for (i = 0; i < BOARD_ROW_CHAIN_BITS; i++)
        sr_bit(0);
}

void hal_row_select(uint8_t row)
{
    if (cur_row != 0xFF && row == (uint8_t)(cur_row + 1)) {
        sr_bit(0); /* the 1 moves on by one output */
    } else {
        uint8_t i;
        if (cur_row != 0xFF)
            sr_clear();
        sr_bit(1);
        for (i = 0; i < row; i++)
            sr_bit(0);
    }
    sr_latch();
    cur_row = row;
}

void hal_rows_off(void)
{
    sr_clear();
    sr_latch();
    cur_row = 0xFF;
}

void hal_col_select(uint8_t col)
{
    MUX_PORT = (uint8_t)((MUX_PORT & (uint8_t)~MUX_MASK) | ((col & 0x0F) << BOARD_MUX_SHIFT));
    /* The ADC input is latched when a conversion starts: this picks the multiplexer chip for
     * the next conversion, not the running one. */
    ADMUX = (uint8_t)((1 << REFS0) | (col >> 4));
}

/* ---- ADC --------------------------------------------------------------------------------- */
void hal_adc_start(void)
{
    ADCSRA = (1 << ADEN) | (1 << ADSC) | (1 << ADATE) | (1 << ADIE) | ADPS_BITS;
}

void hal_adc_stop(void)
{
    /* Written whole (not read-modify-write) so a pending ADIF is not cleared by accident. */
    ADCSRA = (1 << ADEN) | (1 << ADIE) | ADPS_BITS;
}

void hal_adc_hold(void)
{
    /* The sample is taken 1.5 ADC clocks after the conversion starts. The interrupt gets here
     * at least BOARD_ADC_HOLD_CYCLES - this wait after the start (see board.h). */
    __builtin_avr_delay_cycles(BOARD_ADC_HOLD_WAIT);
}

ISR(ADC_vect)
{
    scan_adc_isr(ADC);
}

/* ---- Time -------------------------------------------------------------------------------- */
ISR(TIMER1_OVF_vect)
{
    t1_overflows++;
}

uint32_t hal_micros(void)
{
    uint8_t sreg = SREG;
    uint16_t t;
    uint32_t o;
    cli();
    t = TCNT1;
    o = t1_overflows;
    if ((TIFR1 & (1 << TOV1)) && t < 0x8000) /* overflowed since we stopped the interrupts */
        o++;
    SREG = sreg;
    return (o << 15) | (t >> 1);
}

void hal_delay_us(uint16_t us)
{
    while (us--)
        _delay_us(1);
}

void hal_wdt_kick(void)
{
    wdt_reset();
}

/* ---- UART -------------------------------------------------------------------------------- */
ISR(USART_UDRE_vect)
{
    uint8_t t = tx_tail;
    UDR0 = tx_buf[t];
    tx_tail = ++t;
    if (t == tx_head)
        UCSR0B &= (uint8_t) ~(1 << UDRIE0);
}

ISR(USART_RX_vect)
{
    uint8_t b = UDR0, h = rx_head, n = (uint8_t)((h + 1) & (RX_SIZE - 1));
    if (n !=
        rx_tail) { /* full: the byte is lost, the damaged command is dropped, the host retries */
        rx_buf[h] = b;
        rx_head = n;
    }
}

void hal_uart_write(const uint8_t *p, uint16_t n)
{
    /* Copy as much as fits at once, then let the interrupt go: the writer hands over up to
     * 255 bytes at a time and this is on its path for every byte sent. */
    while (n) {
        uint8_t h = tx_head;
        uint8_t room = (uint8_t)(tx_tail - h - 1u);
        if (!room)
            continue; /* full: one byte leaves every 10 us */
        if (room > n)
            room = (uint8_t)n;
        n -= room;
        do {
            tx_buf[h++] = *p++;
        } while (--room);
        tx_head = h;
        UCSR0B |= (1 << UDRIE0);
    }
}

uint8_t hal_uart_read(uint8_t *b)
{
    uint8_t t = rx_tail;
    if (t == rx_head)
        return 0;
    *b = rx_buf[t];
    rx_tail = (uint8_t)((t + 1) & (RX_SIZE - 1));
    return 1;
}

/* ---- Odds and ends ----------------------------------------------------------------------- */
void hal_led(uint8_t on)
{
    if (on)
        LED_PORT |= (1 << BOARD_LED_BIT);
    else
        LED_PORT &= (uint8_t) ~(1 << BOARD_LED_BIT);
}

void hal_eeprom_read(uint16_t addr, uint8_t *p, uint8_t n)
{
    eeprom_read_block(p, (const void *)addr, n);
}

void hal_eeprom_write(uint16_t addr, const uint8_t *p, uint8_t n)
{
    eeprom_update_block(p, (void *)addr, n);
}

uint32_t hal_entropy(void)
{
    /* The internal temperature sensor's lowest bits and Timer1 read against the ADC's own
     * timing: noise, and the start-up time of the crystal. */
    uint32_t h = 0x811C9DC5UL;
    uint8_t i;
    ADMUX = (1 << REFS1) | (1 << REFS0) | 0x08;
    for (i = 0; i < 32; i++) {
        ADCSRA = (1 << ADEN) | (1 << ADSC) | ADPS_BITS;
        while (ADCSRA & (1 << ADSC))
            ;
        h = (h ^ ADC ^ ((uint32_t)TCNT1 << 10)) * 16777619UL;
        wdt_reset();
    }
    ADMUX = (1 << REFS0);
    return h;
}

uint8_t hal_irq_save(void)
{
    uint8_t s = SREG;
    cli();
    return s;
}

void hal_irq_restore(uint8_t saved)
{
    SREG = saved;
}
