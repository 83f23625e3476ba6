/*
 * steadymat-avrsim: runs the real firmware ELF on a simulated ATmega328P (simavr) wired to a
 * simulated mat, and carries its UART to a pseudo-terminal, so `steadymat live --port LINK`
 * reads it exactly like a mat on a USB serial port.
 *
 * The mat, electrically (firmware/README.md has the wiring):
 *   - rows: a chain of 74HC595. The harness watches SER (PB0), SRCLK (PB1) and RCLK (PB2):
 *     a rising SRCLK shifts SER in, a rising RCLK copies the chain to the outputs. The row whose
 *     output is high is driven, every other row sits at 0 V.
 *   - columns: CD74HC4067 multiplexers on select lines PD4..PD7; multiplexer m feeds ADCm.
 *   - each cell is a divider: V = Vcc * Rpd / (Rpd + Rcell). The harness is given the map as
 *     ADC counts (the simulator's sensor model already includes the divider) and answers with
 *     the voltage that the ADC turns back into that count.
 *   - the ADC samples 1.5 ADC clocks after a conversion starts: the harness reads the row and
 *     select lines then, and hands the voltage over just before the conversion ends. A
 *     firmware that switches the multiplexer too early reads the wrong cell, and is counted.
 * The map comes from the simulator's scenarios (src/core/sm_sim.h), a ball moving along a
 * straight path, or a text file; it is re-rendered whenever the firmware selects row 0 (a new
 * frame), at the simulated time.
 *
 * Time: simulated cycles are paced to the wall clock (16 MHz = real time) unless --unthrottled.
 * At exit (--duration, SIGINT, SIGTERM) a JSON summary goes to stdout: frames decoded from the
 * UART, the frame rate in simulated time and the bounds set by the ADC and the UART.
 */
#define _DEFAULT_SOURCE /* cfmakeraw */
#define _XOPEN_SOURCE   700
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_eeprom.h"
#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"

#include "sm_proto.h"
#include "sm_sim.h"

#define F_CPU     16000000u
#define VCC_MV    5000u
#define MAX_CELLS (64 * 64)
#define OUT_CAP   (1u << 16)
#define IN_CAP    4096

typedef enum { MAP_SCENARIO, MAP_BALL, MAP_FILE } map_kind;

typedef struct {
    avr_t *avr;
    /* options */
    int rows, cols;
    map_kind kind;
    double ball[5]; /* r0 c0 r1 c1 seconds (cells, cell centres at +0.5) */
    double ball_radius, ball_peak;
    sm_sim_t *sim;
    uint16_t file_map[MAX_CELLS];
    int unthrottled;
    double duration_s;
    /* mat state */
    uint16_t map[MAX_CELLS];
    uint64_t sr, latched, chain_mask;
    int ser;
    uint8_t pinb, mux;
    avr_cycle_count_t mux_changed_at, row_changed_at;
    avr_cycle_count_t conv_start;
    unsigned adc_src, pending_mv;
    int switched, in_entropy;
    unsigned min_sp;
    unsigned long adc_gaps;
    unsigned long long adc_idle_cycles;
    unsigned long conversions, early_switches, multi_row, frames_rendered;
    long min_switch_cycles;
    unsigned prescaler;
    int led;
    unsigned long led_toggles;
    /* link */
    int master, slave;
    const char *link;
    uint8_t out[OUT_CAP];
    size_t out_n;
    uint8_t in[IN_CAP];
    size_t in_off, in_n;
    int xoff;
    /* stream check */
    sm_proto_parser_t parser;
    sm_proto_msg_t msg;
    unsigned long frames, overrun_frames, uart_bytes, infos;
    uint32_t first_t_us, last_t_us;
    unsigned long bytes_at_first, bytes_at_last;
    int info_rows, info_cols;
} harness_t;

static volatile sig_atomic_t stop_flag;

static void on_signal(int s)
{
    (void)s;
    stop_flag = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double sim_s(const harness_t *h)
{
    return (double)h->avr->cycle / F_CPU;
}

/* ---- The pressure map ---------------------------------------------------------------- */
static void render_ball(harness_t *h, double t)
{
    double f = h->ball[4] > 0 ? t / h->ball[4] : 1.0;
    if (f > 1)
        f = 1;
    double r0 = h->ball[0] + f * (h->ball[2] - h->ball[0]);
    double c0 = h->ball[1] + f * (h->ball[3] - h->ball[1]);
    for (int r = 0; r < h->rows; r++)
        for (int c = 0; c < h->cols; c++) {
            double dr = r + 0.5 - r0, dc = c + 0.5 - c0;
            double q = (dr * dr + dc * dc) / (h->ball_radius * h->ball_radius);
            double v = q < 1 ? h->ball_peak * pow(1 - q, 1.5) : 0;
            h->map[r * h->cols + c] = (uint16_t)lround(v);
        }
}

static void render(harness_t *h)
{
    double t = sim_s(h);
    h->frames_rendered++;
    if (h->kind == MAP_SCENARIO)
        sm_sim_render(h->sim, (uint64_t)(t * 1e6), h->map);
    else if (h->kind == MAP_BALL)
        render_ball(h, t);
    else
        memcpy(h->map, h->file_map, sizeof h->map);
}

/* Millivolts the ADC turns back into `count` (simavr: count = mV * 1023 / Vref, rounded down). */
static unsigned count_to_mv(unsigned count)
{
    if (count > 1023)
        count = 1023;
    return (count * VCC_MV + 1022u) / 1023u;
}

/* ---- Pins ------------------------------------------------------------------------------ */
/* The row or multiplexer changed: how long after the running conversion started? Before its
 * sample (1.5 ADC clocks) the firmware would read a mix of two cells. */
static void switched(harness_t *h)
{
    if (h->switched || !h->conv_start || h->in_entropy)
        return;
    h->switched = 1;
    long since = (long)(h->avr->cycle - h->conv_start);
    if (since < 3 * (long)h->prescaler / 2)
        h->early_switches++;
    if (h->min_switch_cycles < 0 || since < h->min_switch_cycles)
        h->min_switch_cycles = since;
}

static void portb_pin(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    int bit = (int)irq->irq, v = value ? 1 : 0;
    int was = (h->pinb >> bit) & 1;
    h->pinb = (uint8_t)((h->pinb & ~(1u << bit)) | ((unsigned)v << bit));
    if (bit == 0)
        h->ser = v;
    else if (bit == 1 && v && !was)
        h->sr = ((h->sr << 1) | (uint64_t)h->ser) & h->chain_mask; /* the last bit falls off */
    else if (bit == 2 && v && !was) {
        uint64_t old = h->latched;
        h->latched = h->sr;
        h->row_changed_at = h->avr->cycle;
        if (h->latched != old)
            switched(h);
        if (h->latched == 1 && old != 1)
            render(h); /* row 0 selected: a new frame starts */
    } else if (bit == 5 && v != h->led) {
        h->led = v;
        h->led_toggles++;
        fprintf(stderr, "avrsim: LED %s at %.3f s\n", v ? "on" : "off", sim_s(h));
    }
}

static void portd_pin(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    int bit = (int)irq->irq - 4;
    uint8_t m = (uint8_t)((h->mux & ~(1u << bit)) | ((value ? 1u : 0u) << bit));
    if (m != h->mux) {
        h->mux = m;
        h->mux_changed_at = h->avr->cycle;
        switched(h);
    }
}

/* ---- ADC ------------------------------------------------------------------------------- */
static avr_cycle_count_t adc_apply(avr_t *avr, avr_cycle_count_t when, void *param)
{
    harness_t *h = param;
    (void)when;
    /* The result register holds this value whatever ADMUX says by the time it is read. */
    for (int i = 0; i < 8; i++)
        avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + i), h->pending_mv);
    return 0;
}

static avr_cycle_count_t adc_sample(avr_t *avr, avr_cycle_count_t when, void *param)
{
    harness_t *h = param;
    (void)avr;
    (void)when;
    unsigned mv = 0;
    int col = (int)h->adc_src * 16 + h->mux;
    uint64_t rows = h->latched;
    if (rows && (rows & (rows - 1)))
        h->multi_row++; /* two rows driven: the firmware broke the one-row rule */
    if (rows && !(rows & (rows - 1)) && h->adc_src < 8 && col < h->cols) {
        int r = __builtin_ctzll(rows);
        if (r < h->rows)
            mv = count_to_mv(h->map[r * h->cols + col]);
    }
    h->pending_mv = mv;
    h->conversions++;
    return 0;
}

static void adc_trigger(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    (void)irq;
    union {
        avr_adc_mux_t mux;
        uint32_t v;
    } e;
    e.v = value;
    h->adc_src = e.mux.kind == ADC_MUX_SINGLE ? e.mux.src : 99;
    uint8_t adcsra = h->avr->data[0x7A];
    unsigned ps = adcsra & 7;
    h->prescaler = ps ? 1u << ps : 2u;
    if (h->conv_start && h->avr->cycle - h->conv_start > 13 * h->prescaler) {
        h->adc_gaps++;
        h->adc_idle_cycles += h->avr->cycle - h->conv_start - 13 * h->prescaler;
        if (getenv("AVRSIM_TRACE_GAPS"))
            fprintf(stderr, "gap %llu cycles at %llu (latched %llx mux %u)\n",
                    (unsigned long long)(h->avr->cycle - h->conv_start - 13 * h->prescaler),
                    (unsigned long long)h->avr->cycle, (unsigned long long)h->latched, h->mux);
    }
    h->conv_start = h->avr->cycle;
    h->switched = 0;
    h->in_entropy = h->adc_src >= 8; /* the firmware's own noise readings, not the mat */
    avr_cycle_timer_register(h->avr, 3 * h->prescaler / 2, adc_sample, h);
    avr_cycle_timer_register(h->avr, 13 * h->prescaler - 1, adc_apply, h);
}

/* Stack depth, sampled every few cycles (a prime, so no loop of the firmware hides from it):
 * with the static data it tells how much of the 2 KB the firmware really needs. */
static avr_cycle_count_t sample_sp(avr_t *avr, avr_cycle_count_t when, void *param)
{
    harness_t *h = param;
    unsigned sp = avr->data[0x5D] | (unsigned)avr->data[0x5E] << 8; /* SPL, SPH */
    if (sp && sp < h->min_sp)
        h->min_sp = sp;
    return when + 53;
}

/* ---- UART <-> pty ---------------------------------------------------------------------- */
static void check_stream(harness_t *h, uint8_t b)
{
    int got = 0;
    sm_proto_parser_feed(&h->parser, &b, 1, &h->msg, &got);
    if (!got)
        return;
    if (h->msg.type == SM_MSG_INFO) {
        h->infos++;
        h->info_rows = h->msg.u.info.rows;
        h->info_cols = h->msg.u.info.cols;
    } else if (h->msg.type == SM_MSG_FRAME) {
        if (!h->frames) {
            h->first_t_us = h->msg.u.frame.t_us;
            h->bytes_at_first = h->uart_bytes;
        }
        h->frames++;
        h->last_t_us = h->msg.u.frame.t_us;
        h->bytes_at_last = h->uart_bytes;
        if (h->msg.u.frame.flags & SM_FRAME_OVERRUN)
            h->overrun_frames++;
    }
}

static void uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    (void)irq;
    h->uart_bytes++;
    check_stream(h, (uint8_t)value);
    if (h->out_n < OUT_CAP)
        h->out[h->out_n++] = (uint8_t)value;
}

static void uart_xon(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    (void)irq;
    (void)value;
    h->xoff = 0;
}

static void uart_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
    harness_t *h = param;
    (void)irq;
    (void)value;
    h->xoff = 1;
}

static void pump_link(harness_t *h)
{
    if (h->master < 0)
        return;
    if (h->out_n) {
        ssize_t w = write(h->master, h->out, h->out_n);
        /* A host that does not read loses bytes, as with a real UART. */
        if (w < 0 || (size_t)w == h->out_n)
            h->out_n = 0;
        else {
            memmove(h->out, h->out + w, h->out_n - (size_t)w);
            h->out_n -= (size_t)w;
        }
    }
    if (h->in_off == h->in_n) {
        ssize_t r = read(h->master, h->in, sizeof h->in);
        h->in_off = 0;
        h->in_n = r > 0 ? (size_t)r : 0;
    }
    avr_irq_t *in = avr_io_getirq(h->avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    while (h->in_off < h->in_n && !h->xoff)
        avr_raise_irq(in, h->in[h->in_off++]);
}

static int make_pty(harness_t *h)
{
    struct stat st;
    if (lstat(h->link, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            fprintf(stderr, "avrsim: %s exists and is not a link: choose another --pty path\n",
                    h->link);
            return -1;
        }
        unlink(h->link);
    }
    h->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (h->master < 0 || grantpt(h->master) || unlockpt(h->master)) {
        fprintf(stderr, "avrsim: cannot create a pseudo-terminal: %s\n", strerror(errno));
        return -1;
    }
    const char *slave = ptsname(h->master);
    /* Holding the slave open keeps the pty alive while hosts come and go. */
    h->slave = slave ? open(slave, O_RDWR | O_NOCTTY) : -1;
    if (h->slave < 0)
        return -1;
    struct termios tio;
    tcgetattr(h->slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(h->slave, TCSANOW, &tio);
    fcntl(h->master, F_SETFL, fcntl(h->master, F_GETFL) | O_NONBLOCK);
    if (symlink(slave, h->link) != 0) {
        fprintf(stderr, "avrsim: cannot create %s: %s\n", h->link, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- Set-up ---------------------------------------------------------------------------- */
static int load_file_map(harness_t *h, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "avrsim: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < h->rows * h->cols; i++) {
        unsigned v;
        if (fscanf(f, " %u%*[ ,;\t]", &v) < 1 && fscanf(f, " %u", &v) != 1) {
            fprintf(stderr, "avrsim: %s: expected %d x %d counts (0..1023), got %d\n", path,
                    h->rows, h->cols, i);
            fclose(f);
            return -1;
        }
        h->file_map[i] = (uint16_t)(v > 1023 ? 1023 : v);
    }
    fclose(f);
    return 0;
}

static void eeprom_io(harness_t *h, const char *path, int save)
{
    static uint8_t ee[1024];
    avr_eeprom_desc_t d = {ee, 0, sizeof ee};
    if (!path)
        return;
    if (save) {
        avr_ioctl(h->avr, AVR_IOCTL_EEPROM_GET, &d);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(d.ee, 1, sizeof ee, f);
            fclose(f);
        }
        return;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return; /* a new chip: erased EEPROM */
    size_t n = fread(ee, 1, sizeof ee, f);
    fclose(f);
    if (n == sizeof ee)
        avr_ioctl(h->avr, AVR_IOCTL_EEPROM_SET, &d);
}

static void usage(FILE *to)
{
    fprintf(
        to,
        "usage: steadymat-avrsim --elf FILE [--pty PATH] [--rows R --cols C]\n"
        "         [--scenario NAME [--effects all|none] [--seed N]]\n"
        "         [--ball R0,C0[,R1,C1,SECONDS]] [--map FILE]\n"
        "         [--duration S] [--unthrottled] [--eeprom FILE]\n\n"
        "Runs the SteadyMat firmware ELF on a simulated ATmega328P at 16 MHz wired to a\n"
        "simulated %s mat and carries its UART to the pseudo-terminal PATH (a link), so\n"
        "'steadymat live --port PATH' reads it like a real mat. The mat shows a simulator\n"
        "scenario (default ball-steady, effects none), a ball of radius 2.5 cells moving from\n"
        "cell R0,C0 to R1,C1 in SECONDS, or a text file of R x C counts. Without --pty the\n"
        "output is only checked and counted (measurements). --duration counts simulated\n"
        "seconds (0 = until SIGINT/SIGTERM). Real time unless --unthrottled. --eeprom keeps\n"
        "the chip's EEPROM (its unique id) in FILE between runs. Prints a JSON summary at exit.\n",
        "rows x cols");
}

int main(int argc, char **argv)
{
    static harness_t hh;
    harness_t *h = &hh;
    const char *elf = NULL, *scenario = "ball-steady", *map_path = NULL, *eeprom = NULL;
    unsigned effects = 0;
    uint32_t seed = 1;
    h->rows = 32;
    h->cols = 24;
    h->kind = MAP_SCENARIO;
    h->master = h->slave = -1;
    h->ball_radius = 2.5;
    h->ball_peak = 900;
    h->min_switch_cycles = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--unthrottled")) {
            h->unthrottled = 1;
            takes = 0;
        } else if (!v) {
            fprintf(stderr, "avrsim: %s needs a value (see --help)\n", a);
            return 2;
        } else if (!strcmp(a, "--elf"))
            elf = v;
        else if (!strcmp(a, "--pty"))
            h->link = v;
        else if (!strcmp(a, "--rows"))
            h->rows = atoi(v);
        else if (!strcmp(a, "--cols"))
            h->cols = atoi(v);
        else if (!strcmp(a, "--scenario"))
            scenario = v, h->kind = MAP_SCENARIO;
        else if (!strcmp(a, "--effects"))
            effects = !strcmp(v, "all") ? SM_SIM_ALL : 0;
        else if (!strcmp(a, "--seed"))
            seed = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--map"))
            map_path = v, h->kind = MAP_FILE;
        else if (!strcmp(a, "--duration"))
            h->duration_s = atof(v);
        else if (!strcmp(a, "--eeprom"))
            eeprom = v;
        else if (!strcmp(a, "--ball")) {
            double b[5] = {0, 0, 0, 0, 0};
            int n = sscanf(v, "%lf,%lf,%lf,%lf,%lf", &b[0], &b[1], &b[2], &b[3], &b[4]);
            if (n != 2 && n != 5) {
                fprintf(stderr, "avrsim: --ball R0,C0 or R0,C0,R1,C1,SECONDS\n");
                return 2;
            }
            if (n == 2)
                b[2] = b[0], b[3] = b[1];
            memcpy(h->ball, b, sizeof b);
            h->kind = MAP_BALL;
        } else {
            fprintf(stderr, "avrsim: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        i += takes;
    }
    if (!elf || h->rows < 1 || h->rows > 64 || h->cols < 1 || h->cols > 64) {
        usage(stderr);
        return 2;
    }
    int chain = (h->rows + 7) / 8 * 8; /* 8 outputs per 74HC595 */
    h->chain_mask = chain >= 64 ? ~0ull : (1ull << chain) - 1;
    if (h->kind == MAP_FILE && load_file_map(h, map_path))
        return 1;
    if (h->kind == MAP_SCENARIO) {
        sm_sim_config_t sc;
        sm_sim_config_default(&sc);
        sc.scenario = scenario;
        sc.rows = h->rows;
        sc.cols = h->cols;
        sc.effects = effects;
        sc.seed = seed;
        sc.sample_bits = 10;
        if (sm_sim_create(&sc, &h->sim) != SM_OK) {
            fprintf(stderr, "avrsim: unknown scenario '%s' (steadymat sim --help lists them)\n",
                    scenario);
            return 2;
        }
    }

    elf_firmware_t fw;
    memset(&fw, 0, sizeof fw);
    /* simavr prints "Loaded ..." on stdout while loading: keep stdout for the JSON summary. */
    fflush(stdout);
    int saved_stdout = dup(1), devnull = open("/dev/null", O_WRONLY);
    if (saved_stdout >= 0 && devnull >= 0)
        dup2(devnull, 1);
    int loaded = elf_read_firmware(elf, &fw);
    if (loaded == 0) {
        h->avr = avr_make_mcu_by_name("atmega328p");
        if (h->avr) {
            avr_init(h->avr);
            h->avr->frequency = F_CPU;
            h->avr->log = LOG_ERROR;
            avr_load_firmware(h->avr, &fw);
        }
    }
    fflush(stdout);
    if (saved_stdout >= 0 && devnull >= 0)
        dup2(saved_stdout, 1);
    if (saved_stdout >= 0)
        close(saved_stdout);
    if (devnull >= 0)
        close(devnull);
    if (loaded != 0) {
        fprintf(stderr, "avrsim: cannot load %s (build the firmware first)\n", elf);
        return 1;
    }
    if (!h->avr)
        return 1;
    h->avr->frequency = F_CPU;
    /* Without these every conversion silently uses 3.3 V. */
    h->avr->vcc = h->avr->avcc = h->avr->aref = VCC_MV;
    eeprom_io(h, eeprom, 0);

    uint32_t flags = 0;
    avr_ioctl(h->avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~(uint32_t)(AVR_UART_FLAG_POLL_SLEEP | AVR_UART_FLAG_STDIO);
    avr_ioctl(h->avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(avr_io_getirq(h->avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                            uart_out, h);
    avr_irq_register_notify(avr_io_getirq(h->avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
                            uart_xon, h);
    avr_irq_register_notify(avr_io_getirq(h->avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
                            uart_xoff, h);
    avr_irq_register_notify(avr_io_getirq(h->avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER),
                            adc_trigger, h);
    for (int b = 0; b < 8; b++) {
        if (b <= 2 || b == 5)
            avr_irq_register_notify(
                avr_io_getirq(h->avr, AVR_IOCTL_IOPORT_GETIRQ('B'), IOPORT_IRQ_PIN0 + b), portb_pin,
                h);
        if (b >= 4)
            avr_irq_register_notify(
                avr_io_getirq(h->avr, AVR_IOCTL_IOPORT_GETIRQ('D'), IOPORT_IRQ_PIN0 + b), portd_pin,
                h);
    }
    sm_proto_parser_init(&h->parser);
    h->min_sp = 0x8FF; /* RAMEND */
    avr_cycle_timer_register(h->avr, 1000, sample_sp, h);
    render(h);
    h->frames_rendered = 0;

    if (h->link && make_pty(h))
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (h->link)
        fprintf(stderr, "avrsim: %s running, mat on %s\n", elf, h->link);

    /* Run in slices of 1 ms of simulated time; in real time, sleep off any lead. */
    const avr_cycle_count_t slice = F_CPU / 1000;
    double wall0 = now_s();
    int state = cpu_Running;
    while (!stop_flag && state != cpu_Done && state != cpu_Crashed) {
        avr_cycle_count_t end = h->avr->cycle + slice;
        while (h->avr->cycle < end && state != cpu_Done && state != cpu_Crashed)
            state = avr_run(h->avr);
        pump_link(h);
        double t = sim_s(h);
        if (h->duration_s > 0 && t >= h->duration_s)
            break;
        if (!h->unthrottled) {
            double lead = t - (now_s() - wall0);
            if (lead > 0.002) {
                struct pollfd pf = {h->master, POLLIN, 0};
                poll(&pf, h->master >= 0 ? 1 : 0, (int)(lead * 1000));
            }
        }
    }
    double wall = now_s() - wall0;
    eeprom_io(h, eeprom, 1);
    if (h->link)
        unlink(h->link);

    /* The bounds (firmware/README.md): conversions per second over conversions per frame, and
     * bytes per second over the bytes of a frame on the wire. */
    double conv_s = 13.0 * (h->prescaler ? h->prescaler : 32) / F_CPU;
    double adc_bound = 1.0 / (conv_s * h->rows * h->cols);
    unsigned long frame_bytes = SM_PROTO_FRAME_MSG_BYTES(h->rows, h->cols);
    double uart_bound = 100000.0 / (double)SM_PROTO_WIRE_MAX(frame_bytes);
    double bound = adc_bound < uart_bound ? adc_bound : uart_bound;
    double span = (double)(uint32_t)(h->last_t_us - h->first_t_us) / 1e6;
    double fps = h->frames > 1 && span > 0 ? (h->frames - 1) / span : 0;
    double bytes_per_frame =
        h->frames > 1 ? (double)(h->bytes_at_last - h->bytes_at_first) / (h->frames - 1) : 0;
    printf("{\"elf\":\"%s\",\"rows\":%d,\"cols\":%d,\"info_rows\":%d,\"info_cols\":%d,"
           "\"sim_s\":%.6f,\"wall_s\":%.3f,\"cycles\":%llu,\"frames\":%lu,\"infos\":%lu,"
           "\"frames_per_s\":%.3f,\"adc_bound_fps\":%.3f,\"uart_bound_fps\":%.3f,"
           "\"bound_fps\":%.3f,\"percent_of_bound\":%.1f,\"bytes_per_frame\":%.1f,"
           "\"stack_bytes\":%u,\"adc_gaps\":%lu,\"adc_idle_s\":%.6f,\"adc_prescaler\":%u,"
           "\"conversions\":%lu,\"early_switches\":%lu,\"min_switch_cycles\":%ld,"
           "\"multi_row\":%lu,\"overrun_frames\":%lu,"
           "\"crc_errors\":%u,\"resyncs\":%u,\"length_errors\":%u,\"seq_gaps\":%u,"
           "\"frames_lost\":%u,\"led_toggles\":%lu,\"uart_bytes\":%lu,\"state\":\"%s\"}\n",
           elf, h->rows, h->cols, h->info_rows, h->info_cols, sim_s(h), wall,
           (unsigned long long)h->avr->cycle, h->frames, h->infos, fps, adc_bound, uart_bound,
           bound, bound > 0 ? 100.0 * fps / bound : 0, bytes_per_frame, 0x8FFu - h->min_sp,
           h->adc_gaps, (double)h->adc_idle_cycles / F_CPU, h->prescaler, h->conversions,
           h->early_switches, h->min_switch_cycles, h->multi_row, h->overrun_frames,
           h->parser.c.crc_errors, h->parser.c.resyncs, h->parser.c.length_errors,
           h->parser.c.seq_gaps, h->parser.c.frames_lost, h->led_toggles, h->uart_bytes,
           state == cpu_Crashed ? "crashed"
           : state == cpu_Done  ? "done"
                                : "running");
    fflush(stdout);
    sm_sim_destroy(h->sim);
    avr_terminate(h->avr);
    free(fw.flash);
    free(fw.eeprom);
    for (uint32_t i = 0; i < fw.symbolcount; i++)
        free(fw.symbol[i]);
    free(fw.symbol);
    if (h->info_rows && (h->info_rows != h->rows || h->info_cols != h->cols)) {
        fprintf(stderr, "avrsim: the firmware is %dx%d but --rows/--cols say %dx%d\n", h->info_rows,
                h->info_cols, h->rows, h->cols);
        return 1;
    }
    return state == cpu_Crashed ? 1 : 0;
}
