/* The protocol side of the mat; see device.h and firmware/PROTOCOL.md. */
#include "device.h"

#include <string.h>

#include "board.h"
#include "hal.h"
#include "scan.h"

#define CMD_QUEUE 4 /* commands waiting for the frame in progress to end */

static device_cfg_t dc;
static sm_proto_writer_t writer;
static sm_proto_parser_t parser;
static sm_proto_cmd_t queue[CMD_QUEUE];
static uint8_t queued;

static uint8_t uid[8];
static uint8_t streaming;
static uint16_t rate_hz;
static uint32_t period_us;
static uint32_t due_us, last_start_us;
static uint16_t seq;
static uint8_t overrun;
static uint8_t blinking;
static uint32_t blink_end_us, blink_next_us;
static uint8_t led;

static void sink(void *ctx, const uint8_t *bytes, uint16_t n)
{
    (void)ctx;
    hal_uart_write(bytes, n);
}

void device_cfg_board(device_cfg_t *cfg)
{
    cfg->rows = BOARD_ROWS;
    cfg->cols = BOARD_COLS;
    cfg->pitch_dmm = BOARD_PITCH_DMM;
    cfg->max_rate_hz = BOARD_MAX_RATE_HZ;
    cfg->default_rate_hz = BOARD_DEFAULT_RATE_HZ;
    cfg->os_log2 = BOARD_OVERSAMPLE_LOG2;
    cfg->row_discard = BOARD_ROW_DISCARD;
    cfg->row_settle_us = BOARD_ROW_SETTLE_US;
}

/* The uid is made once from physical noise and kept in EEPROM, so it survives re-flashing
 * (avrdude keeps the EEPROM unless told to erase it, and the EESAVE fuse protects it from a
 * chip erase). */
static void load_uid(void)
{
    uint8_t magic[2];
    hal_eeprom_read(BOARD_EE_MAGIC_ADDR, magic, 2);
    hal_eeprom_read(BOARD_EE_UID_ADDR, uid, 8);
    if (magic[0] == 'S' && magic[1] == 'M')
        return;
    uint32_t a = hal_entropy(), b = hal_entropy();
    uint32_t h1 = sm_crc32c((const uint8_t *)&a, 4), h2 = sm_crc32c((const uint8_t *)&b, 4);
    uint8_t i;
    for (i = 0; i < 4; i++) {
        uid[i] = (uint8_t)(h1 >> (8 * i));
        uid[4 + i] = (uint8_t)(h2 >> (8 * i));
    }
    hal_eeprom_write(BOARD_EE_UID_ADDR, uid, 8);
    magic[0] = 'S';
    magic[1] = 'M';
    hal_eeprom_write(BOARD_EE_MAGIC_ADDR, magic, 2);
}

void device_info(sm_proto_info_t *in)
{
    static const char name[] = BOARD_NAME;
    memset(in, 0, sizeof *in);
    in->fw_major = BOARD_FW_MAJOR;
    in->fw_minor = BOARD_FW_MINOR;
    in->fw_patch = BOARD_FW_PATCH;
    memcpy(in->uid, uid, 8);
    in->rows = dc.rows;
    in->cols = dc.cols;
    in->pitch_dmm = dc.pitch_dmm;
    in->sample_bits = BOARD_SAMPLE_BITS;
    in->max_rate_hz = dc.max_rate_hz;
    in->rate_hz = rate_hz;
    in->streaming = streaming;
    memcpy(in->name, name, sizeof name - 1 < 16 ? sizeof name - 1 : 16);
}

static void send_info(void)
{
#ifndef BOARD_TEXT /* a text mat only talks numbers */
    sm_proto_info_t in;
    device_info(&in);
    sm_proto_write_info(&writer, &in);
#endif
}

static void set_rate(uint16_t hz)
{
    rate_hz = hz;
    period_us = 1000000UL / hz;
}

static void start_streaming(void)
{
    if (streaming)
        return;
    streaming = 1;
    due_us = hal_micros();
    last_start_us = due_us - period_us;
}

void device_init(const device_cfg_t *cfg)
{
    static const uint8_t zero = 0;
    scan_cfg_t sc;
    dc = *cfg;
    sm_proto_writer_init(&writer, sink, NULL);
    sm_proto_parser_init(&parser);
    sc.rows = dc.rows;
    sc.cols = dc.cols;
    sc.os_log2 = dc.os_log2;
    sc.row_discard = dc.row_discard;
    sc.full = BOARD_ADC_FULL;
    sc.row_settle_us = dc.row_settle_us;
    scan_init(&sc, &writer);
    load_uid();
    set_rate(dc.default_rate_hz);
    seq = 0;
    overrun = 0;
    streaming = 0;
    queued = 0;
    blinking = 0;
    hal_rows_off();
    /* PROTOCOL.md 4.6: a lone delimiter ends whatever the host's receiver holds, then INFO. */
#ifdef BOARD_TEXT
    (void)zero;
#else
    hal_uart_write(&zero, 1);
#endif
    streaming = 1; /* announced in the INFO, started just below */
    send_info();
    streaming = 0;
    start_streaming();
}

static void reply(const sm_proto_cmd_t *c, uint8_t status, uint16_t value)
{
#ifdef BOARD_TEXT
    (void)c;
    (void)status;
    (void)value;
#else
    sm_proto_reply_t r;
    r.cmd = c->cmd;
    r.token = c->token;
    r.status = status;
    r.value = value;
    sm_proto_write_reply(&writer, &r);
#endif
}

static void handle(const sm_proto_cmd_t *c)
{
    switch (c->cmd) {
    case SM_CMD_START:
        start_streaming();
        reply(c, SM_REPLY_OK, 0);
        break;
    case SM_CMD_STOP:
        streaming = 0; /* the frame in progress has ended: commands wait for that */
        reply(c, SM_REPLY_OK, 0);
        break;
    case SM_CMD_SET_RATE:
        if (c->arg == 0 || c->arg > dc.max_rate_hz) {
            reply(c, SM_REPLY_BAD_ARG, rate_hz);
            break;
        }
        set_rate(c->arg);
        due_us = last_start_us + period_us; /* from the next scan on */
        reply(c, SM_REPLY_OK, rate_hz);
        break;
    case SM_CMD_GET_INFO:
        send_info();
        reply(c, SM_REPLY_OK, 0);
        break;
    case SM_CMD_IDENTIFY: {
        uint16_t s = c->arg ? c->arg : 3;
        if (s > 3600)
            s = 3600; /* the microsecond clock wraps after 71 minutes */
        blinking = 1;
        blink_next_us = hal_micros();
        blink_end_us = blink_next_us + (uint32_t)s * 1000000UL;
        reply(c, SM_REPLY_OK, 0);
        break;
    }
    default:
        reply(c, SM_REPLY_UNKNOWN, 0);
        break;
    }
}

static void receive(void)
{
    /* On the stack, not static: it is only needed here, beside (not under) the deeper writer
     * path, so it does not add to the peak stack but saves 38 bytes of RAM. */
    sm_proto_msg_t msg;
    uint8_t b;
    while (hal_uart_read(&b)) {
        int got = 0;
        sm_proto_parser_feed(&parser, &b, 1, &msg, &got);
        if (got && msg.type == SM_MSG_CMD && queued < CMD_QUEUE)
            queue[queued++] = msg.u.cmd; /* more than CMD_QUEUE at once: the host retries */
    }
}

static void blink(uint32_t now)
{
    if (!blinking)
        return;
    if ((int32_t)(now - blink_end_us) >= 0) {
        blinking = 0;
        led = 0;
        hal_led(0);
        return;
    }
    if ((int32_t)(now - blink_next_us) >= 0) {
        led ^= 1;
        hal_led(led);
        blink_next_us += 125000UL; /* 4 blinks a second: unmistakable next to a busy LED */
    }
}

/* A frame is due: scan it, or, when the device is so late that whole frame times have passed
 * (the link or the host command handling could not keep up), count those scans as skipped. */
static void next_frame(uint32_t now)
{
    uint32_t late = now - due_us;
    if (late >= period_us) {
        uint32_t missed = late / period_us;
        seq = (uint16_t)(seq + missed);
        due_us += missed * period_us;
        overrun = 1;
    }
    last_start_us = now;
    due_us += period_us;
    scan_frame_start(seq++, now, overrun ? SM_FRAME_OVERRUN : 0);
    overrun = 0;
}

void device_poll(void)
{
    uint32_t now;
    uint8_t i;
    hal_wdt_kick();
    receive();
    if (scan_poll())
        return;
    /* Between frames: nothing can land inside a FRAME. */
    for (i = 0; i < queued; i++)
        handle(&queue[i]);
    queued = 0;
    now = hal_micros();
    blink(now);
    if (streaming && (int32_t)(now - due_us) >= 0)
        next_frame(now);
}
