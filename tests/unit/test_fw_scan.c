/*
 * The mat firmware's scan.c and device.c on the host, against a fake HAL that models the mat
 * electrically: a grid of cell resistances, the selected row at Vcc, every other row at 0 V, a
 * pull-down on every column, and an ADC that converts back to back and samples its input when
 * the firmware says the sample is held. The bytes the firmware sends are decoded with the
 * host's parser: the frames must equal the grid, seen through the divider.
 */
#include "testsupport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "device.h"
#include "hal.h"
#include "scan.h"
#include "sm_proto.h"

#define MAXR     64
#define MAXC     64
#define R_PD     10000.0 /* pull-down on every column, ohm (README: resistor choice) */
#define CONV_US  52      /* one conversion at a 250 kHz ADC clock */
#define TICK_US  3       /* the fake's time step per HAL call from the main loop */
#define WIRE_MAX (4u << 20)

/* ---- The fake board ------------------------------------------------------------------- */
static struct {
    int rows, cols;
    double r_cell[MAXR][MAXC]; /* ohm */
    uint64_t now_us;
    int irq_on;
    int row; /* driven row, -1 none */
    int col; /* selected column, -1 none */
    int adc_on, adc_free_running;
    uint64_t conv_end; /* running conversion ends at */
    int conv_sampled;  /* its sample is held */
    uint16_t conv_value;
    int in_isr;
    unsigned long conversions, early_switches, rows_high_errors;
    uint8_t *wire;
    size_t wire_n;
    uint32_t uart_us_per_byte; /* 0: the link is instant */
    uint8_t rx[256];
    size_t rx_n, rx_off;
    uint8_t eeprom[1024];
    int led;
    unsigned long led_toggles;
} fk;

/* Column voltage as a fraction of Vcc: the selected cell pulls up, the column's pull-down and
 * every cell of an unselected (0 V) row pull down. */
static double column_fraction(int row, int col)
{
    double g_up = 1.0 / fk.r_cell[row][col], g_down = 1.0 / R_PD;
    for (int r = 0; r < fk.rows; r++)
        if (r != row)
            g_down += 1.0 / fk.r_cell[r][col];
    return g_up / (g_up + g_down);
}

static uint16_t counts_of(double fraction)
{
    double c = floor(fraction * 1024.0);
    return (uint16_t)(c > 1023 ? 1023 : c);
}

static uint16_t sample_now(void)
{
    if (fk.row < 0 || fk.col < 0 || fk.col >= fk.cols)
        return 0;
    return counts_of(column_fraction(fk.row, fk.col));
}

static void hold_sample(void)
{
    if (!fk.conv_sampled) {
        fk.conv_value = sample_now();
        fk.conv_sampled = 1;
    }
}

/* Time passes in the main loop: conversions end, their results go to the "interrupt". */
static void tick(uint32_t us)
{
    fk.now_us += us;
    while (fk.adc_on && fk.irq_on && !fk.in_isr && fk.now_us >= fk.conv_end) {
        hold_sample();
        uint16_t v = fk.conv_value;
        fk.conversions++;
        if (fk.adc_free_running) { /* the next one starts as this one ends */
            fk.conv_end += CONV_US;
            fk.conv_sampled = 0;
        } else {
            fk.adc_on = 0;
        }
        fk.in_isr = 1;
        scan_adc_isr(v);
        fk.in_isr = 0;
    }
}

void hal_init(void) {}

static void selection_changes(void)
{
    if (fk.adc_on && !fk.conv_sampled)
        fk.early_switches++; /* the running conversion would read a mix of two cells */
}

void hal_row_select(uint8_t row)
{
    selection_changes();
    fk.row = row;
}

void hal_rows_off(void)
{
    selection_changes();
    fk.row = -1;
}

void hal_col_select(uint8_t col)
{
    selection_changes();
    fk.col = col;
}

void hal_adc_start(void)
{
    if (fk.row < 0)
        fk.rows_high_errors++;
    fk.adc_on = 1;
    fk.adc_free_running = 1;
    fk.conv_end = fk.now_us + CONV_US;
    fk.conv_sampled = 0;
}

void hal_adc_stop(void)
{
    fk.adc_free_running = 0;
}

void hal_adc_hold(void)
{
    hold_sample();
}

uint32_t hal_micros(void)
{
    tick(TICK_US);
    return (uint32_t)fk.now_us;
}

void hal_delay_us(uint16_t us)
{
    tick(us);
}

void hal_wdt_kick(void)
{
    tick(TICK_US);
}

void hal_uart_write(const uint8_t *p, uint16_t n)
{
    assert_false(fk.in_isr);
    assert_true(fk.wire_n + n <= WIRE_MAX);
    memcpy(fk.wire + fk.wire_n, p, n);
    fk.wire_n += n;
    tick(TICK_US + fk.uart_us_per_byte * n);
}

uint8_t hal_uart_read(uint8_t *b)
{
    tick(TICK_US);
    if (fk.rx_off >= fk.rx_n)
        return 0;
    *b = fk.rx[fk.rx_off++];
    return 1;
}

void hal_led(uint8_t on)
{
    if (on != fk.led)
        fk.led_toggles++;
    fk.led = on;
}

void hal_eeprom_read(uint16_t addr, uint8_t *p, uint8_t n)
{
    memcpy(p, fk.eeprom + addr, n);
}

void hal_eeprom_write(uint16_t addr, const uint8_t *p, uint8_t n)
{
    memcpy(fk.eeprom + addr, p, n);
}

uint32_t hal_entropy(void)
{
    static uint64_t s = 0x1234567;
    return (uint32_t)ts_rand(&s);
}

uint8_t hal_irq_save(void)
{
    uint8_t was = (uint8_t)fk.irq_on;
    fk.irq_on = 0;
    return was;
}

void hal_irq_restore(uint8_t saved)
{
    fk.irq_on = saved;
}

/* ---- Helpers -------------------------------------------------------------------------- */
/* A Velostat-like grid: unloaded cells around 1 Mohm, a pressed blob down to a few hundred ohm,
 * one cell pressed so hard it reads full scale. */
static void make_grid(int rows, int cols, uint64_t seed)
{
    uint64_t s = seed;
    fk.rows = rows;
    fk.cols = cols;
    double br = rows * 0.4, bc = cols * 0.6, rad = 3.0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double d2 = ((r - br) * (r - br) + (c - bc) * (c - bc)) / (rad * rad);
            double jitter = 0.8 + 0.4 * (double)(ts_rand(&s) % 1000) / 1000.0;
            fk.r_cell[r][c] = d2 < 1 ? (300.0 + 30000.0 * d2) * jitter : 1e6 * jitter;
        }
    fk.r_cell[0][cols - 1] = 1e-3; /* a short: full scale */
}

static void fake_reset(int rows, int cols)
{
    uint8_t *wire = fk.wire;
    memset(&fk, 0, sizeof fk);
    fk.wire = wire ? wire : malloc(WIRE_MAX);
    assert_non_null(fk.wire);
    fk.irq_on = 1;
    fk.row = fk.col = -1;
    memset(fk.eeprom, 0xFF, sizeof fk.eeprom);
    make_grid(rows, cols, 7);
}

static void boot(int rows, int cols, uint8_t os_log2, uint8_t discard, uint16_t rate)
{
    device_cfg_t c;
    device_cfg_board(&c);
    c.rows = (uint8_t)rows;
    c.cols = (uint8_t)cols;
    c.os_log2 = os_log2;
    c.row_discard = discard;
    c.max_rate_hz = 500;
    c.default_rate_hz = rate;
    device_init(&c);
}

typedef struct {
    sm_proto_parser_t p;
    size_t off;
    sm_proto_msg_t m;
} rx_t;

/* Next message from the wire, running the firmware until one is complete (or max_us passes). */
static int next_msg(rx_t *x, uint64_t max_us)
{
    uint64_t end = fk.now_us + max_us;
    for (;;) {
        while (x->off < fk.wire_n) {
            int got = 0;
            x->off +=
                sm_proto_parser_feed(&x->p, fk.wire + x->off, fk.wire_n - x->off, &x->m, &got);
            if (got)
                return 1;
        }
        if (fk.now_us >= end)
            return 0;
        device_poll();
    }
}

static int next_of(rx_t *x, uint8_t type, uint64_t max_us)
{
    uint64_t end = fk.now_us + max_us;
    while (fk.now_us < end)
        if (next_msg(x, end - fk.now_us) && x->m.type == type)
            return 1;
    return 0;
}

static void expect_frame_equals_grid(const sm_proto_frame_t *f, int rows, int cols)
{
    assert_int_equal(f->rows, rows);
    assert_int_equal(f->cols, cols);
    int saturated = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            uint16_t want = counts_of(column_fraction(r, c));
            if (want >= 1023)
                saturated = 1;
            if (f->samples[r * cols + c] != want)
                fail_msg("cell %d,%d: got %u, the grid gives %u", r, c, f->samples[r * cols + c],
                         want);
        }
    assert_int_equal(!!(f->flags & SM_FRAME_SATURATED), saturated);
}

/* ---- Tests ---------------------------------------------------------------------------- */
static void boots_with_delimiter_info_and_frames(void **state)
{
    (void)state;
    static rx_t x;
    fake_reset(32, 24);
    boot(32, 24, 0, 0, 20);
    sm_proto_parser_init(&x.p);
    assert_true(fk.wire_n > 0);
    assert_int_equal(fk.wire[0], 0x00); /* PROTOCOL.md 4.6 step 1 */
    assert_true(next_msg(&x, 1000));
    assert_int_equal(x.m.type, SM_MSG_INFO);
    assert_int_equal(x.m.u.info.rows, 32);
    assert_int_equal(x.m.u.info.cols, 24);
    assert_int_equal(x.m.u.info.pitch_dmm, BOARD_PITCH_DMM);
    assert_int_equal(x.m.u.info.sample_bits, 10);
    assert_int_equal(x.m.u.info.rate_hz, 20);
    assert_int_equal(x.m.u.info.streaming, 1);
    assert_int_equal(x.m.u.info.fw_major, BOARD_FW_MAJOR);
    assert_memory_equal(x.m.u.info.name, BOARD_NAME, strlen(BOARD_NAME));
    uint8_t uid[8];
    memcpy(uid, x.m.u.info.uid, 8);
    assert_memory_equal(fk.eeprom + BOARD_EE_UID_ADDR, uid, 8); /* kept in EEPROM */
    uint32_t t_prev = 0;
    for (int i = 0; i < 4; i++) {
        assert_true(next_of(&x, SM_MSG_FRAME, 200000));
        assert_int_equal(x.m.u.frame.seq, i);
        assert_int_equal(x.m.u.frame.flags & SM_FRAME_OVERRUN, 0);
        expect_frame_equals_grid(&x.m.u.frame, 32, 24);
        if (i)
            assert_in_range(x.m.u.frame.t_us - t_prev, 49900, 50100); /* 20 Hz on the device clock,
                                                                       * +- one main loop pass */
        t_prev = x.m.u.frame.t_us;
    }
    assert_int_equal(fk.early_switches, 0);
    assert_int_equal(fk.rows_high_errors, 0);
    assert_int_equal(x.p.c.crc_errors + x.p.c.length_errors + x.p.c.resyncs, 0);

    /* Power-cycled: the same uid from EEPROM. */
    fk.wire_n = 0;
    sm_proto_parser_init(&x.p);
    x.off = 0;
    boot(32, 24, 0, 0, 20);
    assert_true(next_of(&x, SM_MSG_INFO, 1000));
    assert_memory_equal(x.m.u.info.uid, uid, 8);
}

/* Geometry, oversampling and settle discards: every frame equals the grid. */
static void frames_equal_the_grid(void **state)
{
    static const struct {
        int rows, cols;
        uint8_t os, discard;
    } t[] = {
        {1, 1, 0, 0},   {16, 16, 0, 0}, {5, 7, 0, 0},   {32, 24, 1, 0}, {32, 24, 0, 2},
        {48, 32, 0, 0}, {9, 17, 2, 1},  {64, 64, 0, 0}, {3, 33, 1, 3},
    };
    (void)state;
    static rx_t x;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        fake_reset(t[i].rows, t[i].cols);
        boot(t[i].rows, t[i].cols, t[i].os, t[i].discard, 5);
        memset(&x, 0, sizeof x);
        sm_proto_parser_init(&x.p);
        for (int k = 0; k < 3; k++) {
            assert_true(next_of(&x, SM_MSG_FRAME, 2000000));
            assert_int_equal(x.m.u.frame.seq, k);
            expect_frame_equals_grid(&x.m.u.frame, t[i].rows, t[i].cols);
        }
        long per_frame = (long)t[i].rows * ((long)(t[i].cols << t[i].os) + t[i].discard);
        assert_true(fk.conversions >= 3ul * per_frame && fk.conversions <= 4ul * per_frame);
        assert_int_equal(fk.early_switches, 0);
        assert_int_equal(fk.rows_high_errors, 0);
        assert_int_equal(x.p.c.crc_errors + x.p.c.length_errors + x.p.c.seq_gaps, 0);
    }
}

/* The host's side of the link: commands go to the fake's receive queue. */
static void rx_sink(void *ctx, const uint8_t *b, uint16_t len)
{
    (void)ctx;
    if (fk.rx_off == fk.rx_n)
        fk.rx_off = fk.rx_n = 0;
    assert_true(fk.rx_n + len <= sizeof fk.rx);
    memcpy(fk.rx + fk.rx_n, b, len);
    fk.rx_n += len;
}

static void send_cmd_bytes(uint8_t cmd, uint8_t token, uint16_t arg)
{
    sm_proto_writer_t w;
    sm_proto_cmd_t c = {cmd, token, arg};
    sm_proto_writer_init(&w, rx_sink, NULL);
    sm_proto_write_cmd(&w, &c);
}

static void reply_for(rx_t *x, uint8_t cmd, uint8_t token, uint8_t status, uint16_t value)
{
    assert_true(next_of(x, SM_MSG_REPLY, 500000));
    assert_int_equal(x->m.u.reply.cmd, cmd);
    assert_int_equal(x->m.u.reply.token, token);
    assert_int_equal(x->m.u.reply.status, status);
    assert_int_equal(x->m.u.reply.value, value);
}

static void commands_take_effect(void **state)
{
    (void)state;
    static rx_t x;
    fake_reset(16, 16);
    boot(16, 16, 0, 0, 50);
    sm_proto_parser_init(&x.p);

    send_cmd_bytes(SM_CMD_GET_INFO, 1, 0);
    assert_true(next_of(&x, SM_MSG_INFO, 500000));
    assert_int_equal(x.m.u.info.rate_hz, 50);
    reply_for(&x, SM_CMD_GET_INFO, 1, SM_REPLY_OK, 0);

    send_cmd_bytes(SM_CMD_SET_RATE, 2, 10);
    reply_for(&x, SM_CMD_SET_RATE, 2, SM_REPLY_OK, 10);
    assert_true(next_of(&x, SM_MSG_FRAME, 500000));
    uint16_t s0 = x.m.u.frame.seq;
    uint32_t t0 = x.m.u.frame.t_us;
    assert_true(next_of(&x, SM_MSG_FRAME, 500000));
    assert_int_equal((uint16_t)(x.m.u.frame.seq - s0), 1);
    assert_in_range(x.m.u.frame.t_us - t0, 99900, 100100);

    send_cmd_bytes(SM_CMD_SET_RATE, 3, 0);
    reply_for(&x, SM_CMD_SET_RATE, 3, SM_REPLY_BAD_ARG, 10);
    send_cmd_bytes(SM_CMD_SET_RATE, 4, 501);
    reply_for(&x, SM_CMD_SET_RATE, 4, SM_REPLY_BAD_ARG, 10);

    send_cmd_bytes(SM_CMD_STOP, 5, 0);
    reply_for(&x, SM_CMD_STOP, 5, SM_REPLY_OK, 0);
    assert_false(next_of(&x, SM_MSG_FRAME, 1000000)); /* a second of silence */
    send_cmd_bytes(SM_CMD_GET_INFO, 6, 0);
    assert_true(next_of(&x, SM_MSG_INFO, 500000));
    assert_int_equal(x.m.u.info.streaming, 0);
    reply_for(&x, SM_CMD_GET_INFO, 6, SM_REPLY_OK, 0);
    send_cmd_bytes(SM_CMD_START, 7, 0);
    reply_for(&x, SM_CMD_START, 7, SM_REPLY_OK, 0);
    assert_true(next_of(&x, SM_MSG_FRAME, 500000));
    expect_frame_equals_grid(&x.m.u.frame, 16, 16);

    send_cmd_bytes(SM_CMD_IDENTIFY, 8, 1);
    reply_for(&x, SM_CMD_IDENTIFY, 8, SM_REPLY_OK, 0);
    next_of(&x, 0xFF, 1500000);                               /* run 1.5 s */
    assert_true(fk.led_toggles >= 6 && fk.led_toggles <= 10); /* 4 blinks a second for 1 s */
    assert_int_equal(fk.led, 0);

    send_cmd_bytes(0x7E, 9, 0);
    reply_for(&x, 0x7E, 9, SM_REPLY_UNKNOWN, 0);
    /* Replies never land inside a frame: every message decoded cleanly. */
    assert_int_equal(x.p.c.crc_errors + x.p.c.length_errors + x.p.c.resyncs, 0);
    assert_int_equal(x.p.c.seq_gaps, 0);
}

/* A link slower than the frames: scans are skipped, said so with OVERRUN, and counted by the
 * host as sequence gaps. */
static void slow_link_flags_overrun(void **state)
{
    (void)state;
    static rx_t x;
    fake_reset(16, 16);
    boot(16, 16, 0, 0, 100);
    fk.uart_us_per_byte = 100; /* 100 kbaud-ish: a 16x16 frame takes 40 ms, asked every 10 */
    sm_proto_parser_init(&x.p);
    unsigned overruns = 0;
    for (int i = 0; i < 10; i++) {
        assert_true(next_of(&x, SM_MSG_FRAME, 1000000));
        if (x.m.u.frame.flags & SM_FRAME_OVERRUN)
            overruns++;
        expect_frame_equals_grid(&x.m.u.frame, 16, 16);
    }
    assert_true(overruns >= 8);
    assert_true(x.p.c.seq_gaps >= 8);
    assert_true(x.p.c.frames_lost >= 2 * x.p.c.seq_gaps);
    assert_int_equal(x.p.c.crc_errors, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boots_with_delimiter_info_and_frames),
        cmocka_unit_test(frames_equal_the_grid),
        cmocka_unit_test(commands_take_effect),
        cmocka_unit_test(slow_link_flags_overrun),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(fk.wire);
    return rc;
}
