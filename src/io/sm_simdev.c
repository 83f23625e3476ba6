#include "sm_simdev.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "sm_clock.h"
#include "sm_proto.h"

#define SIM_MAX_RATE 500u
/* Room for the largest message either way: a 64x64 binary frame, or a text line of 4096
 * samples of up to 5 digits and a separator. */
#define OUT_MAX (SM_PROTO_MAX_ROWS * SM_PROTO_MAX_COLS * 6 + 16)

typedef struct {
    const sm_simdev_config_t *cfg;
    int master, slave;
    sm_sim_t *sim;
    sm_simdev_log_fn log;
    void *log_ctx;
    uint64_t rng;
    /* outgoing message being built */
    uint8_t out[OUT_MAX];
    int linked; /* we created the link at cfg->pty_link */
    size_t out_n;
    /* device state, as the firmware keeps it */
    int streaming;
    unsigned rate_hz;
    uint16_t seq;
    uint64_t t_sim_us; /* simulated time of the next frame: advances one period per frame, so
                          frame k is the same picture whatever the host or the machine load did */
    int overrun;
    uint64_t boot_us;
    unsigned long frames_sent, frames_dropped;
    sm_proto_parser_t parser;
    sm_proto_msg_t msg;
    uint16_t cells[SM_PROTO_MAX_ROWS * SM_PROTO_MAX_COLS];
} simdev_t;

static void say(simdev_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(simdev_t *d, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (d->log)
        d->log(d->log_ctx, line);
}

static uint64_t rnd(simdev_t *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * 0x2545F4914F6CDD1Dull;
}

static void collect(void *ctx, const uint8_t *b, uint16_t n)
{
    simdev_t *d = ctx;
    if (d->out_n + n <= sizeof d->out) {
        memcpy(d->out + d->out_n, b, n);
        d->out_n += n;
    }
}

/* Write the built message; if the host is not reading and the pty is full, the frame is lost,
 * exactly like a UART with nobody listening: flag OVERRUN on the next frame. */
static int flush_out(simdev_t *d)
{
    if (d->cfg->corrupt_p > 0) {
        uint64_t thr = (uint64_t)(d->cfg->corrupt_p * 18446744073709551615.0);
        for (size_t i = 0; i < d->out_n; i++)
            if (rnd(d) < thr)
                d->out[i] ^= (uint8_t)(1u + rnd(d) % 255u);
    }
    size_t off = 0;
    int tries = 0;
    while (off < d->out_n) {
        ssize_t w = write(d->master, d->out + off, d->out_n - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (off == 0 || tries++ > 5)
            break; /* nothing written: drop the whole message; else give up after ~50 ms */
        struct pollfd p = {d->master, POLLOUT, 0};
        poll(&p, 1, 10);
    }
    int ok = off == d->out_n;
    d->out_n = 0;
    return ok;
}

static void fill_info(simdev_t *d, sm_proto_info_t *in)
{
    memset(in, 0, sizeof *in);
    in->fw_major = 1;
    in->fw_minor = 0;
    in->fw_patch = 0;
    uint32_t seed = d->cfg->sim.seed;
    in->uid[0] = 0x53; /* 'S': simulated */
    in->uid[1] = 0x4D;
    for (int i = 0; i < 4; i++)
        in->uid[4 + i] = (uint8_t)(seed >> (8 * i));
    in->rows = (uint8_t)d->cfg->sim.rows;
    in->cols = (uint8_t)d->cfg->sim.cols;
    in->pitch_dmm = (uint16_t)lround(d->cfg->sim.pitch_mm * 10.0);
    in->sample_bits = (uint8_t)d->cfg->sim.sample_bits;
    in->max_rate_hz = SIM_MAX_RATE;
    in->rate_hz = (uint16_t)d->rate_hz;
    in->streaming = (uint8_t)d->streaming;
    const char *model = sm_sim_model_name(&d->cfg->sim);
    memcpy(in->name, model, strlen(model)); /* at most 16, NUL padded by the caller */
}

static void send_info(simdev_t *d)
{
    sm_proto_writer_t w;
    sm_proto_info_t in;
    fill_info(d, &in);
    sm_proto_writer_init(&w, collect, d);
    sm_proto_write_info(&w, &in);
    flush_out(d);
}

static void handle_cmd(simdev_t *d, const sm_proto_cmd_t *c)
{
    sm_proto_reply_t r = {c->cmd, c->token, SM_REPLY_OK, 0};
    switch (c->cmd) {
    case SM_CMD_START:
        d->streaming = 1;
        break;
    case SM_CMD_STOP:
        d->streaming = 0;
        break;
    case SM_CMD_SET_RATE:
        if (c->arg < 1 || c->arg > SIM_MAX_RATE)
            r.status = SM_REPLY_BAD_ARG;
        else
            d->rate_hz = c->arg;
        r.value = (uint16_t)d->rate_hz;
        break;
    case SM_CMD_GET_INFO:
        send_info(d);
        break;
    case SM_CMD_IDENTIFY:
        say(d, "identify: the mat's LED blinks for %u s", c->arg ? c->arg : 3u);
        break;
    default:
        r.status = SM_REPLY_UNKNOWN;
    }
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect, d);
    sm_proto_write_reply(&w, &r);
    flush_out(d);
}

static void send_frame(simdev_t *d, uint64_t now_us)
{
    uint32_t t = (uint32_t)(now_us - d->boot_us); /* the device clock, as firmware reports it */
    int rows = d->cfg->sim.rows, cols = d->cfg->sim.cols;
    sm_sim_render(d->sim, d->t_sim_us, d->cells);
    d->t_sim_us += (uint64_t)llround(1e6 / d->rate_hz);
    int ok;
    if (d->cfg->format == SM_FMT_TEXT) {
        d->out_n = sm_text_format_frame(d->cells, (uint16_t)rows, (uint16_t)cols,
                                        !d->cfg->text_no_checksum, (char *)d->out, sizeof d->out);
        ok = flush_out(d);
    } else {
        unsigned maxv = (1u << d->cfg->sim.sample_bits) - 1u;
        uint8_t flags = d->overrun ? SM_FRAME_OVERRUN : 0;
        for (int i = 0; i < rows * cols; i++)
            if (d->cells[i] >= maxv)
                flags |= SM_FRAME_SATURATED;
        sm_proto_writer_t w;
        sm_proto_writer_init(&w, collect, d);
        sm_proto_write_frame_begin(&w, d->seq, t, (uint8_t)rows, (uint8_t)cols);
        for (int r = 0; r < rows; r++)
            sm_proto_write_frame_row(&w, d->cells + (size_t)r * cols);
        sm_proto_write_frame_end(&w, flags);
        ok = flush_out(d);
    }
    d->seq++;
    if (ok) {
        d->frames_sent++;
        d->overrun = 0;
    } else {
        d->frames_dropped++;
        d->overrun = 1;
    }
}

static sm_status make_pty(simdev_t *d, char *err, size_t errlen)
{
    const char *link = d->cfg->pty_link;
    struct stat st;
    if (lstat(link, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a link: choose another --pty path", link);
            return SM_ERR_ARG;
        }
        unlink(link); /* left over from a simulator that was killed */
    }
    d->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (d->master < 0 || grantpt(d->master) || unlockpt(d->master)) {
        snprintf(err, errlen, "cannot create a pseudo-terminal: %s", strerror(errno));
        return SM_ERR_IO;
    }
    const char *slave = ptsname(d->master);
    /* Holding the slave open keeps the pty alive while hosts come and go. */
    d->slave = slave ? open(slave, O_RDWR | O_NOCTTY) : -1;
    if (d->slave < 0) {
        snprintf(err, errlen, "cannot open the pseudo-terminal: %s", strerror(errno));
        return SM_ERR_IO;
    }
    struct termios tio;
    tcgetattr(d->slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(d->slave, TCSANOW, &tio);
    fcntl(d->master, F_SETFL, fcntl(d->master, F_GETFL) | O_NONBLOCK);
    if (symlink(slave, link) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", link, strerror(errno));
        return SM_ERR_IO;
    }
    d->linked = 1;
    say(d, "simulated mat on %s (link to %s)", link, slave);
    return SM_OK;
}

/* Power-on: the device clock and frame numbers start again, INFO announces the mat. */
static void boot(simdev_t *d)
{
    d->boot_us = sm_clock_now_us();
    d->seq = 0;
    d->overrun = 0;
    d->streaming = d->cfg->stream_on_boot;
    sm_proto_parser_init(&d->parser);
    if (d->cfg->format == SM_FMT_BINARY) {
        collect(d, (const uint8_t *)"", 1); /* a lone delimiter: the host starts clean */
        flush_out(d);
        send_info(d);
    }
}

static void close_pty(simdev_t *d)
{
    if (d->linked)
        unlink(d->cfg->pty_link);
    d->linked = 0;
    if (d->slave >= 0)
        close(d->slave);
    if (d->master >= 0)
        close(d->master);
    d->slave = d->master = -1;
}

static void read_commands(simdev_t *d)
{
    uint8_t buf[512];
    ssize_t n = read(d->master, buf, sizeof buf);
    size_t off = 0;
    while (n > 0 && off < (size_t)n) {
        int got = 0;
        off += sm_proto_parser_feed(&d->parser, buf + off, (size_t)n - off, &d->msg, &got);
        if (got && d->msg.type == SM_MSG_CMD && d->cfg->format == SM_FMT_BINARY)
            handle_cmd(d, &d->msg.u.cmd);
    }
}

sm_status sm_simdev_run(const sm_simdev_config_t *cfg, volatile sig_atomic_t *stop,
                        sm_simdev_log_fn log, void *log_ctx, char *err, size_t errlen)
{
    simdev_t *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    d->cfg = cfg;
    d->master = d->slave = -1;
    d->log = log;
    d->log_ctx = log_ctx;
    d->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)cfg->sim.seed << 17);
    d->rate_hz = cfg->rate_hz >= 1 && cfg->rate_hz <= SIM_MAX_RATE ? (unsigned)cfg->rate_hz : 50u;
    sm_status s = sm_sim_create(&cfg->sim, &d->sim);
    if (s != SM_OK) {
        snprintf(err, errlen, "unknown scenario '%s' or bad mat size %dx%d",
                 cfg->sim.scenario ? cfg->sim.scenario : "?", cfg->sim.rows, cfg->sim.cols);
    } else {
        s = make_pty(d, err, errlen);
    }
    if (s == SM_OK) {
        boot(d);
        uint64_t next = d->boot_us;
        while (!*stop) {
            if (cfg->unplug && *cfg->unplug) {
                /* The cable is pulled: the port vanishes, and comes back as a fresh device. */
                *cfg->unplug = 0;
                say(d, "unplugged for %.1f s", cfg->unplug_s);
                close_pty(d);
                uint64_t back = sm_clock_now_us() + (uint64_t)(cfg->unplug_s * 1e6);
                while (!*stop && sm_clock_now_us() < back)
                    poll(NULL, 0, 10);
                if (*stop || (s = make_pty(d, err, errlen)) != SM_OK)
                    break;
                boot(d);
                next = d->boot_us;
            }
            uint64_t now = sm_clock_now_us();
            if (d->streaming && now >= next) {
                /* Stamped with the scan's scheduled start, as firmware stamps from its timer. */
                send_frame(d, next);
                uint64_t period = (uint64_t)(1e6 / d->rate_hz);
                next += period;
                if (now > next + period) { /* fell behind (suspended?): do not burst */
                    uint64_t missed = (now - next) / period;
                    next += missed * period;
                    d->seq = (uint16_t)(d->seq + missed);
                    d->t_sim_us += missed * (uint64_t)llround(1e6 / d->rate_hz);
                    d->overrun = 1;
                }
            } else if (!d->streaming) {
                next = now;
            }
            /* Round the wait up: waking early would only spin until the frame is due. */
            int wait_ms = d->streaming ? (int)((next > now ? next - now + 999 : 0) / 1000) : 100;
            struct pollfd p = {d->master, POLLIN, 0};
            if (poll(&p, 1, wait_ms) > 0 && (p.revents & POLLIN))
                read_commands(d);
        }
        say(d, "simulator stopped: %lu frames sent, %lu dropped (nobody reading)", d->frames_sent,
            d->frames_dropped);
    }
    close_pty(d);
    sm_sim_destroy(d->sim);
    free(d);
    return s;
}
