/* The mat scanner; see scan.h for the pipeline. */
#include "scan.h"

#include "hal.h"

/* Text mode builds send each frame as a checksummed text line (textout.h) instead of a
 * protocol FRAME; the scan itself is the same. */
#ifdef BOARD_TEXT
#include "textout.h"
#define FRAME_BEGIN(seq, t_us, rows, cols) ((void)(seq), (void)(t_us), textout_begin())
#define FRAME_ROW(samples)                 textout_row(samples, cfg.cols)
#define FRAME_END(flags)                   textout_end()
#else
#define FRAME_BEGIN(seq, t_us, rows, cols) sm_proto_write_frame_begin(wr, seq, t_us, rows, cols)
#define FRAME_ROW(samples)                 sm_proto_write_frame_row(wr, samples)
#define FRAME_END(flags)                   sm_proto_write_frame_end(wr, flags)
#endif

static scan_cfg_t cfg;

/* On the AVR the oversampling and discard counts are compile-time constants from board.h
 * (SCAN_FIXED_CFG), so the ADC interrupt shifts by constants instead of looping: about 40
 * cycles less per conversion, which the encoder needs. Host tests vary them at run time. */
#ifdef SCAN_FIXED_CFG
#define OS_LOG2 BOARD_OVERSAMPLE_LOG2
#define DISCARD BOARD_ROW_DISCARD
#define OS_MASK ((1u << BOARD_OVERSAMPLE_LOG2) - 1u)
#if BOARD_ROW_DISCARD == 0
#define PAST_DISCARD(s) 1 /* (a comparison would be always true: -Wtype-limits) */
#endif
#else
#define OS_LOG2 cfg.os_log2
#define DISCARD cfg.row_discard
#define OS_MASK os_mask
#endif
#ifndef PAST_DISCARD
#define PAST_DISCARD(s) ((s) >= DISCARD)
#endif
static sm_proto_writer_t *wr;
static uint8_t slots; /* conversions per row: row_discard + cols << os_log2 */
static uint8_t os_mask;
static uint8_t frame_flags;
static uint8_t in_frame;

/* Row buffers, written by the interrupt, read by the main loop. */
static uint16_t rowbuf[SCAN_NBUF][SCAN_MAX_COLS];
static volatile uint8_t rows_done; /* rows complete in rowbuf (interrupt writes)  */
static volatile uint8_t rows_sent; /* rows handed to the writer (main writes)     */
static volatile uint8_t running;   /* conversions in flight (interrupt clears)    */
static volatile uint8_t saturated;

/* Interrupt state: where the next result belongs, and the next selection to program. */
static uint8_t res_slot;
static uint16_t acc;
static uint8_t sel_row, sel_slot;
static uint8_t stopping;

void scan_init(const scan_cfg_t *c, sm_proto_writer_t *w)
{
    cfg = *c;
    wr = w;
    os_mask = (uint8_t)((1u << cfg.os_log2) - 1u);
    slots = (uint8_t)(cfg.row_discard + (cfg.cols << cfg.os_log2));
    in_frame = 0;
    running = 0;
}

/* Select the cell of the conversion at the sel cursor, then move the cursor on. 0 (and nothing
 * selected) at the end of the frame, or at a row start whose buffer is still being sent. */
static uint8_t program_next(void)
{
    uint8_t s = sel_slot;
    if (sel_row >= cfg.rows)
        return 0;
    if (s == 0) {
        if ((uint8_t)(sel_row - rows_sent) >= SCAN_NBUF)
            return 0;
        hal_row_select(sel_row);
        hal_col_select(0);
    } else if (PAST_DISCARD(s)) {
        uint8_t k = (uint8_t)(s - DISCARD);
        if ((k & OS_MASK) == 0)
            hal_col_select((uint8_t)(k >> OS_LOG2));
    }
    if (++s == slots) {
        s = 0;
        sel_row++;
    }
    sel_slot = s;
    return 1;
}

void scan_adc_isr(uint16_t v)
{
    uint8_t s = res_slot;
    if (PAST_DISCARD(s)) {
        uint8_t k = (uint8_t)(s - DISCARD);
        acc += v;
        if ((k & OS_MASK) == OS_MASK) {
            uint16_t x = (uint16_t)(acc >> OS_LOG2);
            acc = 0;
            if (x >= cfg.full)
                saturated = 1;
            rowbuf[rows_done & (SCAN_NBUF - 1)][k >> OS_LOG2] = x;
        }
    }
    if (++s == slots) {
        s = 0;
        rows_done++;
    }
    res_slot = s;
    if (stopping) { /* that was the last conversion in flight */
        stopping = 0;
        running = 0;
        return;
    }
    /* Conversion k+1 is under way: once it holds its sample, switch to the cell of k+2. */
    hal_adc_hold();
    if (!program_next()) {
        hal_adc_stop();
        stopping = 1;
    }
}

/* Start the ADC at the sel cursor (a row start: frame start, or resuming after a pause). */
static void run_from_cursor(void)
{
    uint8_t irq = hal_irq_save();
    if (program_next()) {
        /* The row just switched: give the columns their settling time before the first sample
         * (inside the pipeline the switch gets a conversion time for free, here nothing). */
        hal_delay_us(cfg.row_settle_us);
        running = 1;
        stopping = 0;
        hal_adc_start();
        hal_adc_hold();
        if (!program_next()) {
            hal_adc_stop();
            stopping = 1;
        }
    }
    hal_irq_restore(irq);
}

void scan_frame_start(uint16_t seq, uint32_t t_us, uint8_t flags)
{
    FRAME_BEGIN(seq, t_us, cfg.rows, cfg.cols);
    frame_flags = flags;
    saturated = 0;
    rows_done = rows_sent = 0;
    res_slot = sel_row = sel_slot = 0;
    acc = 0;
    in_frame = 1;
    run_from_cursor();
}

uint8_t scan_poll(void)
{
    if (!in_frame)
        return 0;
    while (rows_sent != rows_done) {
        FRAME_ROW(rowbuf[rows_sent & (SCAN_NBUF - 1)]);
        rows_sent++;
        if (!running && sel_row < cfg.rows)
            run_from_cursor(); /* the ADC paused for want of a row buffer */
    }
    if (!running && sel_row < cfg.rows)
        run_from_cursor();
    if (rows_sent < cfg.rows)
        return 1;
    in_frame = 0;
    hal_rows_off();
    FRAME_END((uint8_t)(frame_flags | (saturated ? SM_FRAME_SATURATED : 0)));
    return 0;
}

uint8_t scan_busy(void)
{
    return in_frame;
}
