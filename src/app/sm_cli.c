#include "sm_cli.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_analysis.h"
#include "sm_clock.h"
#include "sm_config.h"
#include "sm_cop_trace.h"
#include "sm_file.h"
#include "sm_ports.h"
#include "sm_rawspec.h"
#include "sm_safety.h"
#include "sm_run.h"
#include "sm_session.h"
#include "sm_simdev.h"
#include "sm_source.h"

#ifndef SM_VERSION
#define SM_VERSION "dev"
#endif

#define USAGE 2

static volatile sig_atomic_t stop_flag, unplug_flag;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        unplug_flag = 1;
    else
        stop_flag = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* Ctrl-C, kill, a closed terminal or a dropped SSH connection: each ends the session the
     * same way (recording closed, JSON printed, history entry written). */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) makes the write fail with EFBIG, which the recorder reports
     * ("file size limit reached") and survives, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "steadymat %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'steadymat %s --help')\n", cmd);
    return USAGE;
}

/* Option values: all strict, so a typo never silently becomes 0. */
static int num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

typedef struct {
    const char *cmd;
    int argc;
    char **argv;
    int i;
    int bad; /* a usage error was reported */
} args_t;

static int is(args_t *a, const char *name)
{
    return strcmp(a->argv[a->i], name) == 0;
}

static const char *value(args_t *a)
{
    if (a->i + 1 >= a->argc) {
        usage_error(a->cmd, "%s needs a value", a->argv[a->i]);
        a->bad = 1;
        return NULL;
    }
    return a->argv[++a->i];
}

static int number(args_t *a, double lo, double hi, double *out)
{
    const char *opt = a->argv[a->i];
    const char *v = value(a);
    if (!v)
        return 0;
    if (!num(v, lo, hi, out)) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s takes a number from %g to %g, not '%%s'", opt, lo, hi);
        usage_error(a->cmd, msg, v);
        a->bad = 1;
        return 0;
    }
    return 1;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* ---- shared simulator options ------------------------------------------------------------ */

typedef struct {
    sm_sim_config_t sim;
    double rate_hz;
    const char *trace_path;
    sm_cop_trace_t trace;
} simopts_t;

static void simopts_default(simopts_t *o)
{
    memset(o, 0, sizeof *o);
    sm_sim_config_default(&o->sim);
    o->rate_hz = 50;
}

static int parse_effects(const char *list, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"nonlinear", SM_SIM_NONLINEAR},
                 {"creep", SM_SIM_CREEP},
                 {"noise", SM_SIM_NOISE},
                 {"dead", SM_SIM_DEAD},
                 {"ghost", SM_SIM_GHOST},
                 {"spread", SM_SIM_SPREAD},
                 {"all", SM_SIM_ALL},
                 {"none", 0}};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    unsigned fx = SM_SIM_ALL;
    int first = 1;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","), first = 0) {
        int minus = tok[0] == '-';
        const char *nm = tok + minus;
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; k++)
            if (!strcmp(nm, names[k].name))
                break;
        if (k == sizeof names / sizeof names[0])
            return 0;
        if (minus)
            fx &= ~names[k].bit;
        else if (first && strcmp(nm, "all") != 0)
            fx = names[k].bit; /* "noise,creep" means only those */
        else
            fx |= names[k].bit;
    }
    *out = fx;
    return 1;
}

/* Returns 1 when argv[a->i] was a simulator option (consumed), 0 when not. */
static int sim_option(args_t *a, simopts_t *o)
{
    double v;
    if (is(a, "--scenario") || is(a, "--sim")) {
        o->sim.scenario = value(a);
    } else if (is(a, "--rows")) {
        if (number(a, 1, 64, &v))
            o->sim.rows = (int)v;
    } else if (is(a, "--cols")) {
        if (number(a, 1, 64, &v))
            o->sim.cols = (int)v;
    } else if (is(a, "--pitch")) {
        if (number(a, 1, 200, &v))
            o->sim.pitch_mm = v;
    } else if (is(a, "--seed")) {
        if (number(a, 0, 4294967295.0, &v))
            o->sim.seed = (uint32_t)v;
    } else if (is(a, "--rate")) {
        if (number(a, 1, 500, &v))
            o->rate_hz = v;
    } else if (is(a, "--effects")) {
        const char *l = value(a);
        if (l && !parse_effects(l, &o->sim.effects)) {
            usage_error(
                a->cmd,
                "unknown effect in '%s' (nonlinear, creep, noise, dead, ghost, spread, all, none)",
                l);
            a->bad = 1;
        }
    } else if (is(a, "--cop-trace")) {
        o->trace_path = value(a);
    } else {
        return 0;
    }
    return 1;
}

static int sim_finish(simopts_t *o, const char *cmd)
{
    const char *sc = o->sim.scenario ? o->sim.scenario : "ball-steady";
    int known = 0;
    for (size_t i = 0; sm_sim_scenario_name(i); i++)
        known |= !strcmp(sm_sim_scenario_name(i), sc);
    if (!known)
        return usage_error(cmd, "unknown scenario '%s' (see 'steadymat sim --help' for the list)",
                           sc);
    if (o->trace_path) {
        char err[256];
        if (sm_cop_trace_load(o->trace_path, &o->trace, err, sizeof err) != SM_OK) {
            fprintf(stderr, "steadymat %s: %s\n", cmd, err);
            return 1;
        }
        o->sim.trace_x_mm = o->trace.x_mm;
        o->sim.trace_y_mm = o->trace.y_mm;
        o->sim.trace_n = o->trace.n;
        o->sim.trace_rate_hz = o->trace.rate_hz;
    }
    return 0;
}

static void print_scenarios(void)
{
    printf("Scenarios:\n");
    for (size_t i = 0; sm_sim_scenario_name(i); i++)
        printf("  %-16s %s\n", sm_sim_scenario_name(i), sm_sim_scenario_help(i));
}

static const char sim_opts_help[] =
    "  --rows R --cols C     mat size (default 32 x 24, the reference mat)\n"
    "  --pitch MM            cell pitch in mm (default 25)\n"
    "  --rate HZ             frames per second (default 50)\n"
    "  --seed N              random seed: the same seed gives the same session\n"
    "  --effects LIST        sensor effects: all (default), none, or a list of nonlinear,\n"
    "                        creep, noise, dead, ghost, spread; '-ghost' removes one\n"
    "  --cop-trace FILE      drive the tool with a real centre-of-pressure trace\n"
    "                        (tab/comma separated, columns COPx[cm] and COPy[cm])\n";

/* ---- live ---------------------------------------------------------------------------------- */

static void live_help(void)
{
    printf(
        "usage: steadymat live [--port PATH|auto] [--format FORMAT] [--rows R --cols C]\n"
        "                      [--baud N] [--sim SCENARIO] [--speed X] [--headless]\n"
        "                      [--duration S] [--record FILE] [--screenshot FILE] [--json]\n\n"
        "Shows the mat live. Without --port or --sim it looks for a mat on the USB serial\n"
        "ports and, when none answers, shows the built-in simulator.\n\n"
        "  --port PATH|auto      serial port or pty of the mat (auto: search)\n"
        "  --baud N              serial speed (default 1000000; 115200 for text and raw mats)\n"
        "  --format FORMAT       binary: SteadyMat protocol v1 (default); text: numbers on\n"
        "                        lines; m1616: the 16x16 M1616 module (header AA AB AC,\n"
        "                        big-endian uint16); raw:SPEC: another binary mat, SPEC a\n"
        "                        comma-separated list of header=HEX, trailer=HEX,\n"
        "                        sample=u8|u16be|u16le|u12le, order=rows|cols, poll=HEX,\n"
        "                        max=N (see docs/raw-mats.md)\n"
        "  --rows R --cols C     mat size (required for text and raw:; a check for binary)\n"
        "  --pitch MM            cell pitch for text mats (default 25)\n"
        "  --rate HZ             frames per second to ask of the mat (or the simulator)\n"
        "  --sim SCENARIO        use the built-in simulator\n"
        "  --speed X             simulator time runs X times faster (default 1)\n"
        "  --headless            no window (for scripts and tests)\n"
        "  --duration S          stop after S seconds of session time\n"
        "  --record FILE         record the session (see README: session files)\n"
        "  --screenshot FILE     save a PNG of the view at the end\n"
        "  --json                print a JSON summary on stdout at the end\n"
        "  --fullscreen          start fullscreen (F11 toggles)\n"
        "  --fps N               redraw at most N times a second (default 60; lower saves CPU)\n"
        "  --template NAME       show this saved placement template (g cycles, t saves)\n"
        "  --presenter           start in presenter mode (p or F10 toggles)\n"
        "  --clinician           start in the clinician view (v toggles): link status,\n"
        "                        faults, ghosts, numbers, templates; the default patient\n"
        "                        view shows the map, the tool, the timer, the instruction\n"
        "                        and the pressure in words\n"
        "  --pressure-words FIRM,HARD  the tool's force in N from which the pressure reads\n"
        "                        \"firm\" and \"too hard\" (calibrated mats; default 50,250)\n"
        "  --compare-sides       left side beside right side (c cycles the comparisons)\n"
        "  --history, --no-history  keep this session in the history (default: for a mat,\n"
        "                        not for the simulator, and not a try under 30 s without a\n"
        "                        hold); see 'steadymat history'\n"
        "  --patient NAME        who is practising: kept in the recording and the history\n"
        "                        ('steadymat history --patient NAME'); remembered for the\n"
        "                        next session with a mat, --patient '' forgets it; n in\n"
        "                        the window types or changes it\n"
        "  --no-config           ignore the remembered settings (port, baud, format, size,\n"
        "                        volume, mute, protocol, patient) in\n"
        "                        $XDG_CONFIG_HOME/steadymat/config; flags always win\n"
        "Calibration (see 'steadymat calibrate --help'):\n"
        "  --calibration FILE    use this calibration (default: the one saved for this mat)\n"
        "  --no-calibration      show raw counts\n"
        "  --units kpa|mmhg      pressure units when calibrated (total force is in N)\n"
        "The coach:\n"
        "  --protocol P          ball, hook, back or realign (default: without --protocol\n"
        "                        and --tool the tool found decides between the ball and\n"
        "                        the Hip Hook, starting from the protocol used last)\n"
        "  --release S           steady seconds on one spot for the release (default 60)\n"
        "  --tool T              the tool: " SM_TOOL_HELP "\n"
        "                        (default: the protocol's, a 10 cm ball or the Hip Hook;\n"
        "                        neither flag: either, the footprint decides)\n"
        "  --audio-out FILE.wav  also write the coaching sounds to a WAV file\n"
        "  --force               replace an existing --record or --audio-out file (without\n"
        "                        it an existing file is never written over)\n"
        "  --mute, --volume 0-100  the speaker (m mutes, [ and ] change the volume)\n"
        "  --voice               also speak at the coaching moments (\"found it - hold still\",\n"
        "                        \"keep still\", \"breathe slowly\", \"thirty seconds - is it\n"
        "                        easing?\", \"release reached - ease off\", \"mat "
        "disconnected\");\n"
        "                        remembered for the next session (--no-voice: off)\n"
        "The sounds (hear each with 'steadymat sounds', or s in the window):\n"
        "  found       two rising notes: the tool is found, the hold starts\n"
        "  steady      soft tock every 5 s of steady time: keep going\n"
        "  moving      pulsing buzz while you rub, rock or slide: keep still\n"
        "  settled     short downward glide: the count goes on\n"
        "  check-in    two-note question at 30 s: easing? if not, another spot\n"
        "  release     bell: the release threshold is reached, ease off\n"
        "  next phase  three rising notes (Hip Hook: the iliacus phase)\n"
        "  lift-off    two falling notes: the tool came off, the hold ended\n"
        "  push/relax  high / low knock (realign metronome)\n"
        "  closer, on target  rising blip / double chime (placement templates)\n"
        "  no-go       two-tone alarm: the tool is in the hip fold, move off\n"
        "  mat lost    three notes sliding down: check the cable\n"
        "Simulator options:\n%s\n"
        "Keys in the window:\n"
        "  Esc, q                quit\n"
        "  F1                    the safety screen (shown by itself until closed once)\n"
        "  space                 pause the picture (data, coaching and recording go on)\n"
        "  F11                   fullscreen on/off\n"
        "  p, F10                presenter mode: fullscreen, high contrast, huge timer\n"
        "  v                     clinician view on/off (link, faults, ghosts, numbers,\n"
        "                        templates)\n"
        "  c                     side by side: off, template vs live, left vs right\n"
        "  m, [ and ]            sound on/off, quieter, louder\n"
        "  s                     hear every coaching sound once (s again stops)\n"
        "  0-9, '                soreness rating of the current spot (' is 10)\n"
        "  h                     Hip Hook: the handle press starts now\n"
        "  t, g, G               save a placement template, show the next, mirror it\n"
        "  n                     the patient's name: type or change it, Enter (kept with\n"
        "                        this session and remembered; erased: no name)\n"
        "  mouse drag, z         draw a no-go zone (shift: ellipse), remove the zones\n"
        "  Enter, r              calibration: start the step now, redo it\n",
        sim_opts_help);
    print_scenarios();
}

typedef struct {
    sm_run_config_t rc;
    double speed;
} common_t;

static int common_option(args_t *a, common_t *c)
{
    double v;
    if (is(a, "--headless")) {
        c->rc.headless = 1;
    } else if (is(a, "--json")) {
        c->rc.json = 1;
    } else if (is(a, "--fullscreen")) {
        c->rc.fullscreen = 1;
    } else if (is(a, "--duration")) {
        if (number(a, 0.001, 1e7, &v))
            c->rc.duration_s = v;
    } else if (is(a, "--screenshot")) {
        c->rc.screenshot_path = value(a);
    } else if (is(a, "--protocol")) {
        const char *p = value(a);
        if (p && !sm_parse_protocol(p, &c->rc.protocol)) {
            usage_error(a->cmd, "--protocol is ball, hook, back or realign, not '%s'", p);
            a->bad = 1;
        }
    } else if (is(a, "--release")) {
        if (number(a, 1, 3600, &v))
            c->rc.release_s = v;
    } else if (is(a, "--tool")) {
        const char *t = value(a);
        if (t && !sm_parse_tool(t, &c->rc.tool, &c->rc.ball_mm)) {
            usage_error(a->cmd, "--tool is " SM_TOOL_HELP ", not '%s'", t);
            a->bad = 1;
        }
        c->rc.tool_set = t != NULL;
    } else if (is(a, "--audio-out")) {
        c->rc.audio_out = value(a);
    } else if (is(a, "--force")) {
        c->rc.force = 1;
    } else if (is(a, "--calibration")) {
        c->rc.calibration_path = value(a);
    } else if (is(a, "--no-calibration")) {
        c->rc.no_calibration = 1;
    } else if (is(a, "--units")) {
        const char *u = value(a);
        if (u && (!strcmp(u, "mmhg") || !strcmp(u, "mmHg")))
            c->rc.mmhg = 1;
        else if (u && strcmp(u, "kpa") != 0 && strcmp(u, "kPa") != 0) {
            usage_error(a->cmd, "--units is kpa or mmhg, not '%s'", u);
            a->bad = 1;
        }
    } else if (is(a, "--presenter")) {
        c->rc.presenter = 1;
    } else if (is(a, "--clinician")) {
        c->rc.clinician = 1;
    } else if (is(a, "--pressure-words")) {
        const char *s = value(a);
        double firm = 0, hard = 0;
        char tail = 0;
        if (s && (sscanf(s, "%lf,%lf%c", &firm, &hard, &tail) != 2 || !(firm > 0) ||
                  !(hard > firm) || hard > 1e5)) {
            usage_error(a->cmd, "--pressure-words is FIRM,HARD in N, 0 < FIRM < HARD, not '%s'", s);
            a->bad = 1;
        } else if (s) {
            c->rc.pressure_firm_n = firm;
            c->rc.pressure_hard_n = hard;
        }
    } else if (is(a, "--compare-sides")) {
        c->rc.compare = 2;
    } else if (is(a, "--template")) {
        c->rc.template_name = value(a);
    } else if (is(a, "--history")) {
        c->rc.history = 1;
    } else if (is(a, "--no-history")) {
        c->rc.history = 0;
    } else if (is(a, "--mute")) {
        c->rc.mute = 1;
    } else if (is(a, "--voice")) {
        c->rc.voice = 1;
    } else if (is(a, "--no-voice")) {
        c->rc.voice = 0;
    } else if (is(a, "--volume")) {
        if (number(a, 0, 100, &v))
            c->rc.volume = v / 100.0;
    } else if (is(a, "--fps")) {
        if (number(a, 1, 240, &v))
            c->rc.fps_cap = v;
    } else if (is(a, "--speed")) {
        if (number(a, 0.01, 1000, &v))
            c->speed = v;
    } else if (is(a, "--patient")) {
        c->rc.patient = value(a);
    } else {
        return 0;
    }
    return 1;
}

static void (*present_hook)(void *, uint32_t, uint64_t);
static void *present_hook_ctx;

void sm_cli_set_present_hook(void (*fn)(void *ctx, uint32_t seq, uint64_t present_us), void *ctx)
{
    present_hook = fn;
    present_hook_ctx = ctx;
}

int sm_cmd_live(int argc, char **argv, int no_args)
{
    if (wants_help(argc, argv)) {
        live_help();
        return 0;
    }
    args_t a = {"live", argc, argv, 0, 0};
    common_t c;
    sm_run_config_default(&c.rc);
    c.rc.history = -1; /* a mat's sessions are kept, the simulator's are not */
    c.rc.offer_sounds = 1;
    c.speed = 1;
    simopts_t so;
    simopts_default(&so);
    sm_wire_config_t wc;
    sm_wire_config_default(&wc);
    int use_sim = 0, rows = 0, cols = 0, baud_given = 0, format_given = 0;
    const char *raw_fmt = NULL;
    double pitch = 0, v;
    /* The settings of the last session with a mat, under what the flags say. */
    static sm_config_t cfg;
    int use_config = 1, config_ok = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--no-config"))
            use_config = 0;
    if (use_config) {
        char cerr[4400];
        if (sm_config_load(&cfg, cerr, sizeof cerr) != SM_OK) {
            fprintf(stderr, "steadymat: %s; using the defaults\n", cerr);
            config_ok = 0;
        }
        if (cfg.volume >= 0)
            c.rc.volume = cfg.volume / 100.0;
        if (cfg.mute >= 0)
            c.rc.mute = cfg.mute;
        if (cfg.voice >= 0)
            c.rc.voice = cfg.voice;
        if (cfg.protocol[0] && !sm_parse_protocol(cfg.protocol, &c.rc.protocol))
            fprintf(stderr,
                    "steadymat: config: unknown protocol '%s' (ball, hook, back or "
                    "realign); using ball\n",
                    cfg.protocol);
        if (cfg.patient[0])
            c.rc.patient = cfg.patient;
    }
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (common_option(&a, &c))
            continue;
        if (is(&a, "--no-config")) {
            continue;
        } else if (is(&a, "--port")) {
            wc.path = value(&a);
        } else if (is(&a, "--baud")) {
            if (number(&a, 300, 4000000, &v)) {
                if (v != (int)v)
                    return usage_error("live", "--baud takes a whole number, not '%s'", argv[a.i]);
                wc.baud = (int)v;
                baud_given = 1;
            }
        } else if (is(&a, "--format")) {
            const char *f = value(&a);
            if (f && !strcmp(f, "binary"))
                wc.format = SM_FMT_BINARY;
            else if (f && !strcmp(f, "text"))
                wc.format = SM_FMT_TEXT;
            else if (f && sm_rawspec_is_raw(f))
                wc.format = SM_FMT_RAW, raw_fmt = f;
            else if (f)
                return usage_error("live", "--format is binary, text, m1616 or raw:SPEC, not '%s'",
                                   f);
            format_given = 1;
        } else if (is(&a, "--record")) {
            c.rc.record_path = value(&a);
        } else if (is(&a, "--rate")) {
            if (number(&a, 1, 500, &v)) {
                so.rate_hz = v;
                wc.rate_hz = (unsigned)v;
            }
        } else if (is(&a, "--sim") || is(&a, "--scenario")) {
            use_sim = 1;
            sim_option(&a, &so);
        } else if (is(&a, "--rows") || is(&a, "--cols") || is(&a, "--pitch")) {
            int r = is(&a, "--rows"), cc = is(&a, "--cols");
            if (number(&a, 1, r || cc ? 64 : 200, &v)) {
                if (r)
                    rows = (int)v;
                else if (cc)
                    cols = (int)v;
                else
                    pitch = v;
            }
        } else if (sim_option(&a, &so)) {
            continue;
        } else {
            return usage_error("live", "unknown option '%s'", argv[a.i]);
        }
    }
    if (a.bad)
        return USAGE;
    /* The remembered mat (baud, format, size) goes with its port: when no port is given and it
     * is plugged in, or when that same port is given. Flags still win. */
    int auto_given = !wc.path || !strcmp(wc.path, "auto");
    if (use_config && !use_sim && cfg.port[0] &&
        ((auto_given && access(cfg.port, F_OK) == 0) || (wc.path && !strcmp(wc.path, cfg.port)))) {
        wc.path = cfg.port;
        if (cfg.baud && !baud_given)
            wc.baud = cfg.baud, baud_given = 1;
        if (!format_given && !strcmp(cfg.mat_format, "text"))
            wc.format = SM_FMT_TEXT;
        else if (!format_given && sm_rawspec_is_raw(cfg.mat_format))
            wc.format = SM_FMT_RAW, raw_fmt = cfg.mat_format;
        if (!rows && !cols && cfg.rows && cfg.cols && wc.format != SM_FMT_BINARY)
            rows = cfg.rows, cols = cfg.cols;
        fprintf(stderr, "steadymat: the mat of last time on %s (--no-config ignores it)\n",
                wc.path);
    }
    if (wc.format == SM_FMT_TEXT && (!rows || !cols))
        return usage_error("live", "%s", "--format text needs --rows R --cols C");
    if (wc.format == SM_FMT_RAW) {
        char rerr[160];
        if (sm_rawspec_parse(raw_fmt, (uint16_t)rows, (uint16_t)cols, &wc.raw, rerr, sizeof rerr) !=
            SM_OK)
            return usage_error("live", "--format: %s", rerr);
        sm_rawspec_describe(&wc.raw, raw_fmt, wc.raw_desc, sizeof wc.raw_desc);
        rows = wc.raw.rows;
        cols = wc.raw.cols;
    }
    /* DIY mats print with Arduino's usual 115200 baud; SteadyMat firmware runs at 1 Mbaud. */
    if (wc.format != SM_FMT_BINARY && !baud_given)
        wc.baud = 115200;

    char err[256], found[128];
    sm_source_t *src = NULL;
    sm_status s;
    int auto_port = !wc.path || !strcmp(wc.path, "auto");
    if (!use_sim && auto_port && wc.format == SM_FMT_BINARY) {
        sm_mat_info_t info;
        if (sm_ports_find_mat(wc.baud, 2500, found, sizeof found, &info) == SM_OK) {
            wc.path = found;
            fprintf(stderr, "steadymat: found %s %ux%u mat on %s\n", info.name[0] ? info.name : "a",
                    info.rows, info.cols, found);
        } else {
            use_sim = 1;
            c.rc.banner = "No mat found - showing the built-in simulator";
            fprintf(stderr, "steadymat: no mat found on the USB serial ports: showing the built-in "
                            "simulator (plug a mat in, or give --port PATH)\n");
        }
    } else if (!use_sim && auto_port) {
        return usage_error("live", "%s", "--format text or raw needs --port PATH");
    }
    (void)no_args;
    catch_signals(); /* after probing: Ctrl-C during a probe simply ends the program */
    c.rc.stop = &stop_flag;
    if (use_sim) {
        if (rows)
            so.sim.rows = rows;
        if (cols)
            so.sim.cols = cols;
        if (pitch > 0)
            so.sim.pitch_mm = pitch;
        int rcode = sim_finish(&so, "live");
        if (rcode)
            return rcode;
        sm_simsrc_config_t sc = {so.sim, so.rate_hz, c.speed};
        s = sm_sim_source_create(&sc, &src, err, sizeof err);
    } else {
        wc.rows = (uint16_t)rows;
        wc.cols = (uint16_t)cols;
        if (pitch > 0)
            wc.pitch_mm = pitch;
        s = sm_wire_source_create(&wc, &src, err, sizeof err);
    }
    if (s != SM_OK) {
        fprintf(stderr, "steadymat live: %s\n", err);
        sm_cop_trace_free(&so.trace);
        return s == SM_ERR_ARG ? USAGE : 1;
    }
    double final_volume = c.rc.volume;
    int final_mute = c.rc.mute;
    c.rc.final_volume = &final_volume;
    c.rc.final_mute = &final_mute;
    char final_patient[128]; /* the name at the end: --patient, the config's, or typed (n) */
    snprintf(final_patient, sizeof final_patient, "%s", c.rc.patient ? c.rc.patient : "");
    c.rc.final_patient = final_patient;
    c.rc.on_present = present_hook;
    c.rc.hook_ctx = present_hook_ctx;
    /* Nobody named the tool: the footprint decides between the ball and the Hip Hook, starting
     * from the protocol remembered (or the default). A flag always wins. */
    int named = 0;
    for (int k = 1; k < argc; k++)
        named |= !strcmp(argv[k], "--protocol") || !strcmp(argv[k], "--tool");
    c.rc.auto_tool = !named;
    sm_protocol_t final_protocol = c.rc.protocol;
    c.rc.final_protocol = &final_protocol;
    int rcode = sm_run(&c.rc, src);
    sm_source_destroy(src);
    sm_cop_trace_free(&so.trace);
    /* A session with a mat is remembered for next time (never over a broken file: its owner
     * may want to fix it). */
    if (!use_sim && use_config && config_ok && rcode == 0) {
        sm_config_t keep;
        sm_config_clear(&keep);
        snprintf(keep.port, sizeof keep.port, "%s", wc.path ? wc.path : "");
        keep.baud = wc.baud;
        snprintf(keep.mat_format, sizeof keep.mat_format, "%s",
                 wc.format == SM_FMT_TEXT  ? "text"
                 : wc.format == SM_FMT_RAW ? (raw_fmt ? raw_fmt : "")
                                           : "binary");
        keep.rows = rows;
        keep.cols = cols;
        keep.volume = (int)(final_volume * 100 + 0.5);
        keep.mute = final_mute != 0;
        keep.voice = c.rc.voice != 0;
        const char *pn = sm_protocol_name(final_protocol);
        snprintf(keep.protocol, sizeof keep.protocol, "%s",
                 !strcmp(pn, "hip-hook")      ? "hook"
                 : !strcmp(pn, "back-of-hip") ? "back"
                 : !strcmp(pn, "realignment") ? "realign"
                                              : "ball");
        snprintf(keep.patient, sizeof keep.patient, "%s", final_patient);
        char cerr[4400];
        if (sm_config_save(&keep, cerr, sizeof cerr) != SM_OK)
            fprintf(stderr, "steadymat: settings not remembered: %s\n", cerr);
    }
    return rcode;
}

/* ---- replay -------------------------------------------------------------------------------- */

int sm_cmd_replay(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf(
            "usage: steadymat replay FILE [--speed X] [--headless] [--duration S]\n"
            "                        [--screenshot FILE] [--json] [--fullscreen] [--fps N]\n"
            "                        [--protocol P] [--release S] [--tool T] [--clinician]\n"
            "                        [--audio-out FILE.wav] [--voice]\n\n"
            "--tool T is the tool: " SM_TOOL_HELP ".\n"
            "Plays a recorded session through the coach again, with the protocol and release\n"
            "threshold it was practised with (--protocol, --release override them; what is used\n"
            "is said on stderr). Keys: space pause, left/right\n"
            "5 s back/forward, up/down (or +/-) double/halve the speed, Home to the start,\n"
            "v the clinician view (--clinician starts in it), Esc/q quit.\n");
        return 0;
    }
    args_t a = {"replay", argc, argv, 0, 0};
    common_t c;
    sm_run_config_default(&c.rc);
    c.speed = 1;
    const char *path = NULL;
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (common_option(&a, &c))
            continue;
        if (argv[a.i][0] == '-' && argv[a.i][1])
            return usage_error("replay", "unknown option '%s'", argv[a.i]);
        if (path)
            return usage_error("replay", "one session file at a time ('%s' is extra)", argv[a.i]);
        path = argv[a.i];
    }
    if (a.bad)
        return USAGE;
    if (!path)
        return usage_error("replay", "%s", "which session? steadymat replay FILE");
    char err[256];
    /* Coached as the session was practised (its header), unless an option says otherwise. */
    sm_sessinfo_flags_t fl;
    memset(&fl, 0, sizeof fl);
    for (int k = 1; k + 1 < argc; k++) {
        fl.protocol_given |= !strcmp(argv[k], "--protocol");
        if (!strcmp(argv[k], "--release"))
            fl.release_s = c.rc.release_s;
    }
    fl.protocol = c.rc.protocol;
    sm_sessinfo_t info;
    if (sm_analysis_settings(path, NULL, &fl, &info, NULL, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat replay: %s\n", err);
        return 1;
    }
    c.rc.protocol = info.protocol;
    c.rc.release_s = info.release_s;
    c.rc.auto_tool = info.auto_tool; /* the footprint chooses again, as it did live */
    c.rc.protocol_from = sm_sessinfo_from_name(info.protocol_from);
    c.rc.patient = info.patient; /* said in --json; a replay is never recorded */
    sm_sessinfo_print(stderr, "steadymat replay: ", &info);
    sm_source_t *src = NULL;
    if (sm_replay_source_create(path, c.speed, &src, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat replay: %s\n", err);
        return 1;
    }
    catch_signals();
    c.rc.stop = &stop_flag;
    int rcode = sm_run(&c.rc, src);
    sm_source_destroy(src);
    return rcode;
}

/* ---- sim ------------------------------------------------------------------------------------ */

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "steadymat sim: %s\n", line);
}

/* The scenario's calibration steps as a steps file (see sm_calib_steps.h). */
static int print_scenario_steps(simopts_t *so)
{
    int rcode = sim_finish(so, "sim");
    if (rcode)
        return rcode;
    sm_sim_t *sim;
    if (sm_sim_create(&so->sim, &sim) != SM_OK)
        return usage_error("sim", "%s", "cannot create the scenario");
    const sm_sim_step_t *st;
    size_t n = sm_sim_steps(sim, &st);
    if (n == 0) {
        sm_sim_destroy(sim);
        return usage_error("sim", "scenario '%s' has no calibration steps (try calibration-steps)",
                           so->sim.scenario ? so->sim.scenario : "ball-steady");
    }
    printf("steadymat-calibration-steps 1\n# kind      start_s  end_s  mass_kg\n");
    for (size_t i = 0; i < n; i++) {
        printf("%-10s %8.3f %8.3f", st[i].kind, st[i].start_s, st[i].end_s);
        if (st[i].mass_kg > 0)
            printf(" %g", st[i].mass_kg);
        printf("\n");
    }
    sm_sim_destroy(sim);
    return 0;
}

int sm_cmd_sim(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: steadymat sim --pty PATH [--scenario NAME] [--rate HZ] [--rows R]\n"
               "                     [--cols C] [--seed N] [--corrupt P] [--format binary|text]\n\n"
               "Runs the simulated mat on a pseudo-terminal linked at PATH, speaking protocol v1\n"
               "exactly like the firmware (or plain text lines with --format text), so\n"
               "'steadymat live --port PATH' reads it like a real mat. Stops on Ctrl-C;\n"
               "SIGUSR1 (kill -USR1 PID) pulls the cable for 1 s, as a test of reconnecting.\n\n"
               "  --pty PATH            where to link the pty (e.g. /tmp/mat)\n"
               "  --scenario NAME       what the simulated person does (default ball-steady)\n"
               "  --corrupt P           corrupt each byte with probability P (0..1)\n"
               "  --print-steps         print the scenario's calibration steps file and exit\n"
               "%s\n",
               sim_opts_help);
        print_scenarios();
        return 0;
    }
    args_t a = {"sim", argc, argv, 0, 0};
    simopts_t so;
    simopts_default(&so);
    sm_simdev_config_t dc;
    memset(&dc, 0, sizeof dc);
    dc.stream_on_boot = 1;
    int print_steps = 0;
    double v;
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (sim_option(&a, &so))
            continue;
        if (is(&a, "--pty")) {
            dc.pty_link = value(&a);
        } else if (is(&a, "--print-steps")) {
            print_steps = 1;
        } else if (is(&a, "--corrupt")) {
            if (number(&a, 0, 1, &v))
                dc.corrupt_p = v;
        } else if (is(&a, "--format")) {
            const char *f = value(&a);
            if (f && !strcmp(f, "text"))
                dc.format = SM_FMT_TEXT;
            else if (f && strcmp(f, "binary") != 0)
                return usage_error("sim", "--format is binary or text, not '%s'", f);
        } else {
            return usage_error("sim", "unknown option '%s'", argv[a.i]);
        }
    }
    if (a.bad)
        return USAGE;
    if (print_steps)
        return print_scenario_steps(&so);
    if (!dc.pty_link)
        return usage_error("sim", "%s", "--pty PATH is required");
    int rcode = sim_finish(&so, "sim");
    if (rcode)
        return rcode;
    dc.sim = so.sim;
    dc.rate_hz = so.rate_hz;
    catch_signals();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    dc.unplug = &unplug_flag;
    dc.unplug_s = 1.0;
    char err[256];
    sm_status s = sm_simdev_run(&dc, &stop_flag, log_line, NULL, err, sizeof err);
    sm_cop_trace_free(&so.trace);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat sim: %s\n", err);
        return s == SM_ERR_ARG ? USAGE : 1;
    }
    return 0;
}

/* ---- import -------------------------------------------------------------------------------- */

int sm_cmd_import(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf(
            "usage: steadymat import --format text --rows R --cols C (--rate HZ | --time-column\n"
            "                        s|ms|us) [--pitch MM] IN OUT\n\n"
            "Turns a text file of frames into a session file that 'steadymat replay' plays.\n"
            "IN holds one frame per line (R*C numbers), or one matrix row per line (C numbers)\n"
            "with R lines per frame and optionally blank lines between frames. Numbers are\n"
            "separated by commas, spaces, tabs or semicolons. Bad lines are skipped and "
            "counted.\n\n"
            "  --rate HZ             frames per second of the recording\n"
            "  --time-column UNITS   instead of --rate: every line starts with its frame's time\n"
            "                        in s, ms or us (one frame per line: 1 + R*C numbers);\n"
            "                        the rate is measured from them\n"
            "  --pitch MM            cell pitch in mm, 1..100 (default 25)\n"
            "  --force               replace OUT when it exists\n");
        return 0;
    }
    args_t a = {"import", argc, argv, 0, 0};
    double rows = 0, cols = 0, rate = 0, pitch = 25, time_us = 0;
    int force = 0;
    const char *in = NULL, *out = NULL;
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is(&a, "--format")) {
            const char *f = value(&a);
            if (f && strcmp(f, "text") != 0)
                return usage_error("import", "only --format text can be imported, not '%s'", f);
        } else if (is(&a, "--rows")) {
            number(&a, 1, 64, &rows);
        } else if (is(&a, "--cols")) {
            number(&a, 1, 64, &cols);
        } else if (is(&a, "--rate")) {
            number(&a, 0.001, 10000, &rate);
        } else if (is(&a, "--pitch")) {
            number(&a, 1, 100, &pitch);
        } else if (is(&a, "--time-column")) {
            const char *u = value(&a);
            time_us = !u                 ? 0
                      : !strcmp(u, "s")  ? 1e6
                      : !strcmp(u, "ms") ? 1e3
                      : !strcmp(u, "us") ? 1
                                         : -1;
            if (time_us < 0)
                return usage_error("import", "--time-column takes s, ms or us, not '%s'", u);
        } else if (is(&a, "--force")) {
            force = 1;
        } else if (argv[a.i][0] == '-' && argv[a.i][1]) {
            return usage_error("import", "unknown option '%s'", argv[a.i]);
        } else if (!in) {
            in = argv[a.i];
        } else if (!out) {
            out = argv[a.i];
        } else {
            return usage_error("import", "too many files ('%s')", argv[a.i]);
        }
    }
    if (a.bad)
        return USAGE;
    if (!rows || !cols)
        return usage_error("import", "%s", "--rows R --cols C are required");
    if (!in || !out)
        return usage_error("import", "%s", "give the input text file and the output session file");
    /* A wrong rate makes every time and speed in the session wrong: never guess it. */
    if (!(rate > 0) && !(time_us > 0))
        return usage_error("import", "%s",
                           "how fast was it recorded? give --rate HZ, or --time-column s|ms|us "
                           "when each line starts with its time");
    if (rate > 0 && time_us > 0)
        return usage_error("import", "%s", "--rate and --time-column: give one of them");
    sm_import_stats_t st;
    char err[4200];
    if (sm_file_check_output(out, force, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat import: %s\n", err);
        return 1;
    }
    sm_status s = time_us > 0
                      ? sm_session_import_text_timed(in, out, (uint16_t)rows, (uint16_t)cols,
                                                     time_us, pitch, &st, err, sizeof err)
                      : sm_session_import_text(in, out, (uint16_t)rows, (uint16_t)cols, rate, pitch,
                                               &st, err, sizeof err);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat import: %s\n", err);
        return 1;
    }
    fprintf(stderr, "steadymat import: %lu frames of %gx%g at %.4g frames/s%s written to %s",
            st.frames, rows, cols, st.rate_hz, time_us > 0 ? " (from the time column)" : "", out);
    if (st.bad_lines)
        fprintf(stderr, "; %lu bad lines skipped (last: %s)", st.bad_lines, st.last_error);
    fprintf(stderr, "\n");
    return st.frames ? 0 : 1;
}

/* ---- ports --------------------------------------------------------------------------------- */

int sm_cmd_ports(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        printf("usage: steadymat ports [--probe] [--baud N] [--port PATH]...\n\n"
               "Lists serial ports with their description and USB VID:PID. --probe asks each USB\n"
               "port for a SteadyMat device-info reply (an Arduino resets when opened: ~2 s each)\n"
               "and says per port what happened: the mat with its name and firmware, no answer,\n"
               "cannot open (permissions: see README), or skipped (not a USB serial device).\n"
               "--port PATH probes that path too (a pty, a symlink the list cannot show).\n");
        return 0;
    }
    args_t a = {"ports", argc, argv, 0, 0};
    int probe = 0;
    double baud = 1000000;
    const char *extra[16];
    int n_extra = 0;
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is(&a, "--probe")) {
            probe = 1;
        } else if (is(&a, "--baud")) {
            number(&a, 300, 4000000, &baud);
        } else if (is(&a, "--port")) {
            const char *p = value(&a);
            if (p && n_extra < 16)
                extra[n_extra++] = p;
        } else {
            return usage_error("ports", "unknown option '%s'", argv[a.i]);
        }
    }
    if (a.bad)
        return USAGE;
    if (n_extra && !probe)
        probe = 1; /* a path is given to be probed */
    sm_port_desc_t ports[64];
    int n = sm_ports_list(ports, 64);
    if (n < 0) {
        fprintf(stderr, "steadymat ports: cannot list serial ports\n");
        return 1;
    }
    if (n == 0 && !n_extra)
        printf("No serial ports found. Plug the mat's USB cable in; a simulated mat for testing:\n"
               "  steadymat sim --pty /tmp/mat &  steadymat live --port /tmp/mat\n");
    const int timeout_ms = 2500;
    for (int i = 0; i < n && i < 64; i++) {
        sm_port_desc_t *p = &ports[i];
        printf("%-20s %s", p->name, p->description);
        if (p->usb && p->vid >= 0)
            printf("  [USB %04x:%04x%s%s]", p->vid, p->pid, p->serial[0] ? " serial " : "",
                   p->serial);
        if (probe && p->usb) {
            sm_mat_info_t info;
            char what[256];
            fflush(stdout);
            sm_port_probe_report(p->name, (int)baud, timeout_ms, &info, what, sizeof what);
            printf("  -> %s", what);
        } else if (probe) {
            printf("  -> skipped: not a USB serial device");
        }
        printf("\n");
    }
    for (int i = 0; i < n_extra; i++) {
        sm_mat_info_t info;
        char what[256];
        sm_port_probe_report(extra[i], (int)baud, timeout_ms, &info, what, sizeof what);
        printf("%-20s (given)  -> %s\n", extra[i], what);
    }
    return 0;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void help(void)
{
    printf("SteadyMat %s - pressure-mat biofeedback for steady iliacus/psoas release\n\n"
           "usage: steadymat [COMMAND] [OPTIONS]\n\n"
           "Commands:\n"
           "  live      show the mat live (default; the simulator when no mat is found)\n"
           "  replay    play a recorded session\n"
           "  sim       run the simulated mat on a pseudo-terminal\n"
           "  import    turn a text file of frames into a session file\n"
           "  ports     list serial ports (and find mats with --probe)\n"
           "  calibrate fit a calibration (raw counts -> kPa) from a recorded session\n"
           "  analyze   steadiness of a session or a CoP trace: sway, breathing, wiggles, holds\n"
           "  history   the sessions kept so far, and the progress plot (--plot FILE.png)\n"
           "  report    report pages (PNG, PDF), CSV and JSON of recorded sessions\n"
           "  sounds    hear every coaching sound once, with what it means (--audio-out FILE)\n"
           "  help      this text; 'steadymat COMMAND --help' for a command\n\n"
           "  --version print the version\n\n",
           SM_VERSION);
    printf("%s (F1 in the window shows it again):\n", SM_SAFETY_TITLE);
    for (size_t i = 0; sm_safety_line(i); i++)
        printf("  - %s\n", sm_safety_line(i));
}

int sm_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return sm_cmd_live(argc, argv, 1);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("steadymat %s (protocol v%u, session format v%d)\n", SM_VERSION, SM_PROTO_VERSION,
               SM_SESSION_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        help();
        return 0;
    }
    if (!strcmp(cmd, "live"))
        return sm_cmd_live(argc - 1, argv + 1, 0);
    if (!strcmp(cmd, "replay"))
        return sm_cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "sim"))
        return sm_cmd_sim(argc - 1, argv + 1);
    if (!strcmp(cmd, "import"))
        return sm_cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "ports"))
        return sm_cmd_ports(argc - 1, argv + 1);
    if (!strcmp(cmd, "calibrate"))
        return sm_cmd_calibrate(argc - 1, argv + 1);
    if (!strcmp(cmd, "analyze") || !strcmp(cmd, "analyse"))
        return sm_cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(cmd, "history"))
        return sm_cmd_history(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return sm_cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "sounds"))
        return sm_cmd_sounds(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return sm_cmd_live(argc, argv, 0); /* options only: live */
    fprintf(stderr, "steadymat: unknown command '%s' (see 'steadymat help')\n", cmd);
    return USAGE;
}
