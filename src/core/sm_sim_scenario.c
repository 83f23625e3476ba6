/*
 * The people on the mat: postures, tools and timelines of the scenarios.
 *
 * Body coordinates are millimetres on the reference mat (80 x 60 cm, 32 x 24 cells at 25 mm):
 * x across from the person's right side when prone (the body's midline at x = 300), y along the
 * body from the chest end. Landmarks of a 1.75 m adult, measured from the top of the head and
 * shifted by 300 mm (the reference mat starts at the upper chest): shoulders y ~ 15, nipple line
 * ~ 190, ASIS ~ 510, pubis ~ 590, mid-thigh ~ 820 (the end of the reference mat), knees ~ 950,
 * toes ~ 1450, the head from about -450 to -300. ASIS are about 120 mm either side of the
 * midline. Parts outside 0..800 carry weight the reference mat does not see; a larger mat does.
 */
#include "sm_sim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

typedef struct {
    double x, y, ax, ay; /* centre and semi-axes, mm */
    double share;        /* relative share of the weight the tool does not carry */
    double bm;           /* relative load change at full inhale */
    double bdx, bdy;     /* shift at full inhale, mm */
    double follow;       /* share of the body's sway and wiggle displacement it follows */
} part_t;

typedef enum { TOOL_NONE, TOOL_BALL, TOOL_HOOK, TOOL_WEIGHT, TOOL_WEIGHTS3, TOOL_CALIB } tool_kind;

struct sim_scenario {
    const char *name, *help;
    int tool;
    const part_t *parts;
    size_t nparts;
    const double (*spots)[2]; /* tool positions, body mm */
    size_t nspots;
    double hold_s, move_s;      /* time on a spot before a relocation; length of a relocation */
    const double (*wiggles)[2]; /* start, end, s */
    size_t nwiggles;
    double phase_s, phase_len; /* hook: the handle press */
    double lift_s, lift_len;   /* weight-hold: the weight comes off */
    double duration_s;
    double tool_bm, tool_bdy; /* breathing on the tool: load change, shift along, mm */
    double tool_follow;       /* tool displacement per body displacement (a ball rolls: 0.5) */
    /* The tool arrives and leaves: placed at tool_on_s (the person settles onto it over
     * TOOL_SETTLE_S; 0 = there from the start), taken away at tool_off_s (over TOOL_LIFT_S;
     * 0 = never); no_tool: never there. Without the tool, the load it would carry lies on the
     * body: the pelvis (prone) or buttocks (supine) resting on the mat across the body at the
     * tool's height (rest_x across, rest_ax, rest_ay semi-axes, mm; rest_ax 0: spread over the
     * other contacts). */
    double tool_on_s, tool_off_s;
    int no_tool;
    double rest_x, rest_ax, rest_ay;
};

#define TOOL_SETTLE_S 3.0
#define TOOL_LIFT_S   1.5

/* Prone on a ball under the right ASIS, propped on the forearms, head resting on the hands. The
 * ball lifts the right side of the pelvis, so the pelvis contact is the pubis and the left
 * anterior pelvis, and the right thigh touches down further from the hip than the left. */
static const part_t prone[] = {
    /* {x, y, ax, ay (mm), share, bm, bdx, bdy (mm), follow}, see part_t */
    {300, 185, 125, 95, 0.22, 0.06, 0, -3, 0.3},  /* chest */
    {80, 10, 32, 95, 0.05, -0.02, 0, 0, 0.1},     /* right forearm/elbow */
    {520, 10, 32, 95, 0.05, -0.02, 0, 0, 0.1},    /* left forearm/elbow */
    {345, 550, 80, 60, 0.06, 0.04, 0, 2, 1.0},    /* pubis and left anterior pelvis */
    {215, 810, 52, 130, 0.05, -0.02, 0, 1, 0.8},  /* right thigh */
    {385, 770, 56, 150, 0.07, -0.02, 0, 1, 0.8},  /* left thigh */
    {300, -200, 70, 60, 0.04, -0.05, 0, 0, 0.1},  /* head on the hands (off the ref. mat) */
    {215, 955, 35, 40, 0.04, -0.06, 0, 0, 0.5},   /* right knee */
    {385, 955, 35, 40, 0.04, -0.06, 0, 0, 0.5},   /* left knee */
    {215, 1190, 40, 110, 0.02, -0.04, 0, 0, 0.3}, /* right shin */
    {385, 1190, 40, 110, 0.02, -0.04, 0, 0, 0.3}, /* left shin */
    {225, 1440, 25, 30, 0.02, -0.04, 0, 0, 0.2},  /* right toes */
    {375, 1440, 25, 30, 0.02, -0.04, 0, 0, 0.2},  /* left toes */
};

/* Lying on the right side, rolled slightly forward onto the Hip Hook; the front of the body
 * faces +x (rolling from prone onto the right side turns the front that way). */
static const part_t side[] = {
    {245, 555, 85, 100, 0.20, 0.02, 0, 1, 1.0},   /* right side of the pelvis, iliac crest to
                                                     trochanter (real side-lying maps: 20 x 25 cm) */
    {255, 760, 45, 130, 0.10, -0.01, 0, 0, 0.8},  /* lateral right thigh */
    {235, 245, 60, 105, 0.16, 0.06, -2, -2, 0.3}, /* lateral ribcage */
    {215, 20, 50, 70, 0.10, -0.02, 0, 0, 0.2},    /* right shoulder and upper arm */
    {470, 230, 30, 90, 0.04, -0.02, 0, 0, 0.2},   /* left forearm propped in front */
    {230, -200, 60, 60, 0.06, -0.04, 0, 0, 0.1},  /* head on the arm (off the ref. mat) */
    {255, 960, 40, 45, 0.05, -0.03, 0, 0, 0.5},   /* right knee */
    {430, 930, 40, 45, 0.05, -0.03, 0, 0, 0.5},   /* left knee forward on the floor */
    {260, 1250, 35, 130, 0.05, -0.03, 0, 0, 0.3}, /* right lower leg and ankle */
};

/* Supine with the ball beside the tailbone on the right (supine, the right side is at +x). */
static const part_t supine[] = {
    {215, 110, 55, 75, 0.07, 0.03, 0, -2, 0.3},   /* left scapula */
    {385, 110, 55, 75, 0.07, 0.03, 0, -2, 0.3},   /* right scapula */
    {300, 260, 70, 90, 0.06, 0.05, 0, -2, 0.3},   /* thoracic back */
    {300, 585, 42, 55, 0.07, 0.02, 0, 1, 1.0},    /* sacrum */
    {235, 635, 65, 75, 0.11, 0.0, 0, 1, 1.0},     /* left buttock */
    {370, 700, 55, 50, 0.03, 0.0, 0, 1, 1.0},     /* right buttock, lifted by the ball */
    {235, 810, 55, 130, 0.04, -0.02, 0, 0, 0.8},  /* left thigh */
    {365, 810, 55, 130, 0.04, -0.02, 0, 0, 0.8},  /* right thigh */
    {40, 430, 28, 110, 0.02, -0.02, 0, 0, 0.2},   /* left arm */
    {560, 430, 28, 110, 0.02, -0.02, 0, 0, 0.2},  /* right arm */
    {300, -190, 45, 45, 0.08, -0.04, 0, 0, 0.1},  /* back of the head */
    {235, 1230, 45, 110, 0.05, -0.03, 0, 0, 0.3}, /* left calf */
    {365, 1230, 45, 110, 0.05, -0.03, 0, 0, 0.3}, /* right calf */
    {235, 1480, 25, 30, 0.03, -0.03, 0, 0, 0.2},  /* left heel */
    {365, 1480, 25, 30, 0.03, -0.03, 0, 0, 0.2},  /* right heel */
};

static const double ball_spot[][2] = {{210, 510}};
static const double ball_spots2[][2] = {{210, 510}, {240, 475}};
static const double hook_spot[][2] = {{395, 525}};
static const double back_spots[][2] = {{350, 645}, {380, 600}, {340, 690}};
static const double wiggle_times[][2] = {{20, 24}, {45, 48}, {70, 73}};
static const double shift_times[][2] = {{20, 24}, {45, 48}}; /* shifting on the mat */

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* calibration-steps: what lies on the mat when (see sm_sim.h for the story). */
typedef struct {
    double on, off; /* s: ramps up over 0.5 s from on, down over 0.5 s from off */
    double fx, fy;  /* centre, fraction of the mat across / along */
    double w, h;    /* plate size across / along, mm */
    double mass_kg;
} cal_load_t;

#define BOARD(t, x, y)                                                                             \
    {                                                                                              \
        t, t + 6, x, y, 300, 400, 75                                                               \
    }
#define EQL 0.2083 /* board centres: 2.5 cm past the mat's edges on the ref. mat */
#define EQR 0.7917
#define EQT 0.21875
#define EQB 0.78125
static const cal_load_t cal_loads[] = {
    {1, 5, 0.5, 0.5, 300, 400, 75}, /* conditioning */
    {7, 11, 0.5, 0.5, 300, 400, 75},
    {13, 17, 0.5, 0.5, 300, 400, 75},
    BOARD(36, EQL, EQT), /* equalise: TL, BR, TR, BL, centre, T, B, L, R */
    BOARD(44, EQR, EQB),
    BOARD(52, EQR, EQT),
    BOARD(60, EQL, EQB),
    BOARD(68, 0.5, 0.5),
    BOARD(76, 0.5, EQT),
    BOARD(84, 0.5, EQB),
    BOARD(92, EQL, 0.5),
    BOARD(100, EQR, 0.5),
    {130, 140, 0.30, 0.28, 100, 100, 5}, /* known loads */
    {148, 158, 0.70, 0.30, 100, 100, 10},
    {166, 176, 0.32, 0.72, 100, 100, 20},
    {184, 194, 0.68, 0.70, 50, 50, 20},
    {202, 212, 0.50, 0.50, 50, 50, 10},
    {222, 312, 0.50, 0.20, 100, 100, 20}, /* creep hold */
    {322, 332, 0.45, 0.55, 100, 100, 15}, /* verify */
    {342, 352, 0.21, 0.63, 50, 50, 3},    /* checks */
    {360, 370, 0.62, 0.41, 100, 100, 8},
    {378, 388, 0.37, 0.18, 70, 70, 12},
    {396, 406, 0.55, 0.83, 100, 100, 25},
    {414, 424, 0.80, 0.47, 50, 50, 25},
    {432, 442, 0.40, 0.45, 150, 150, 40},
    {450, 460, 0.15, 0.12, 50, 50, 15},
    {468, 478, 0.74, 0.61, 70, 70, 30},
};

#define EQ(t)                                                                                      \
    {                                                                                              \
        "equalise", t + 1, t + 6, 0                                                                \
    }
static const sm_sim_step_t cal_steps[] = {
    {"condition", 0, 18, 0},
    {"zero", 24, 34, 0},
    EQ(36),
    EQ(44),
    EQ(52),
    EQ(60),
    EQ(68),
    EQ(76),
    EQ(84),
    EQ(92),
    EQ(100),
    {"load", 131.5, 140, 5},
    {"load", 149.5, 158, 10},
    {"load", 167.5, 176, 20},
    {"load", 185.5, 194, 20},
    {"load", 203.5, 212, 10},
    {"creep", 222, 312, 20},
    {"verify", 323.5, 332, 15},
    {"check", 343.5, 352, 3},
    {"check", 361.5, 370, 8},
    {"check", 379.5, 388, 12},
    {"check", 397.5, 406, 25},
    {"check", 415.5, 424, 25},
    {"check", 433.5, 442, 40},
    {"check", 451.5, 460, 15},
    {"check", 469.5, 478, 30},
};

#define PRONE .parts = prone, .nparts = N(prone)
#define BALL  .tool = TOOL_BALL, .tool_bm = 0.04, .tool_bdy = 2, .tool_follow = 0.5

static const sim_scenario_t scenarios[] = {
    {.name = "ball-steady",
     .help = "prone on a 10 cm ball inside the right ASIS, breathing, holding still",
     BALL,
     PRONE,
     .spots = ball_spot,
     .nspots = 1,
     .duration_s = 90},
    {.name = "ball-wiggle",
     .help = "as ball-steady, wiggling at 20-24, 45-48 and 70-73 s",
     BALL,
     PRONE,
     .spots = ball_spot,
     .nspots = 1,
     .wiggles = wiggle_times,
     .nwiggles = N(wiggle_times),
     .duration_s = 90},
    {.name = "ball-relocate",
     .help = "as ball-steady, the ball moves 4.6 cm to a new spot at 40-43 s",
     BALL,
     PRONE,
     .spots = ball_spots2,
     .nspots = 2,
     .hold_s = 40,
     .move_s = 3,
     .duration_s = 90},
    {.name = "hook-two-phase",
     .help = "side-lying on the Hip Hook: psoas to 45 s, handle press, iliacus to 92 s",
     .tool = TOOL_HOOK,
     .parts = side,
     .nparts = N(side),
     .spots = hook_spot,
     .nspots = 1,
     .phase_s = 45,
     .phase_len = 2,
     .duration_s = 92,
     .tool_bm = 0.03,
     .tool_bdy = 1,
     .tool_follow = 0.1},
    /* The person stays on each spot until the bell: 60 s of steady time, and the seconds
     * before the hold starts (the tool is found after 1.5 s on it and settles about 2 s later)
     * and a margin. A spot of exactly 60 s could never reach the 60 s release threshold. */
    {.name = "back-of-hip",
     .help = "supine, ball by the tailbone: 3 spots held to release, moves at 70 and 144 s",
     .tool = TOOL_BALL,
     .parts = supine,
     .nparts = N(supine),
     .spots = back_spots,
     .nspots = 3,
     .hold_s = 70,
     .move_s = 4,
     .duration_s = 218,
     .tool_bm = 0.03,
     .tool_bdy = 1,
     .tool_follow = 0.5},
    {.name = "prone-notool",
     .help = "prone on the mat without a tool, breathing, shifting at 20-24 and 45-48 s",
     .tool = TOOL_BALL,
     .no_tool = 1,
     PRONE,
     .spots = ball_spot,
     .nspots = 1,
     .wiggles = shift_times,
     .nwiggles = N(shift_times),
     .rest_x = 300,
     .rest_ax = 140,
     .rest_ay = 60,
     .tool_follow = 0.5,
     .duration_s = 90},
    {.name = "supine-notool",
     .help = "on the back without a tool, breathing, shifting at 20-24 and 45-48 s",
     .tool = TOOL_BALL,
     .no_tool = 1,
     .parts = supine,
     .nparts = N(supine),
     .spots = back_spots,
     .nspots = 1,
     .wiggles = shift_times,
     .nwiggles = N(shift_times),
     .rest_x = 300,
     .rest_ax = 120,
     .rest_ay = 70,
     .tool_follow = 0.5,
     .duration_s = 90},
    {.name = "side-notool",
     .help = "on the right side without a tool, breathing, shifting at 20-24 and 45-48 s",
     .tool = TOOL_HOOK,
     .no_tool = 1,
     .parts = side,
     .nparts = N(side),
     .spots = hook_spot,
     .nspots = 1,
     .wiggles = shift_times,
     .nwiggles = N(shift_times),
     .tool_follow = 0.5,
     .duration_s = 90},
    {.name = "ball-later",
     .help = "prone, no tool; the ball placed at 15 s, settled by 18, taken away at 80",
     BALL,
     PRONE,
     .spots = ball_spot,
     .nspots = 1,
     .tool_on_s = 15,
     .tool_off_s = 80,
     .rest_x = 300,
     .rest_ax = 140,
     .rest_ay = 60,
     .duration_s = 95},
    {.name = "empty",
     .help = "nothing on the mat: offsets, noise, dead and stuck cells",
     .tool = TOOL_NONE,
     .duration_s = 60},
    {.name = "weight-hold",
     .help = "10 kg weight on the mat centre for 90 s, then lifted: creep and recovery",
     .tool = TOOL_WEIGHT,
     .lift_s = 90,
     .lift_len = 1,
     .duration_s = 120},
    {.name = "weights-ghost",
     .help = "three 5 kg weights on three corners of a rectangle: crosstalk check",
     .tool = TOOL_WEIGHTS3,
     .duration_s = 60},
    {.name = "calibration-steps",
     .help = "calibration: zero 24 s, equalise 36, loads 130, creep 222, verify 322, checks",
     .tool = TOOL_CALIB,
     .duration_s = 485},
};

const char *sm_sim_scenario_name(size_t i)
{
    return i < N(scenarios) ? scenarios[i].name : NULL;
}

const char *sm_sim_scenario_help(size_t i)
{
    return i < N(scenarios) ? scenarios[i].help : NULL;
}

const sim_scenario_t *sm_sim_scenario_find(const char *name)
{
    if (!name)
        name = "ball-steady";
    for (size_t i = 0; i < N(scenarios); i++)
        if (strcmp(scenarios[i].name, name) == 0)
            return &scenarios[i];
    return NULL;
}

const char *sm_sim_scenario_name_of(const sim_scenario_t *sc)
{
    return sc->name;
}

double sm_sim_scenario_duration(const sim_scenario_t *sc)
{
    return sc->duration_s;
}

size_t sm_sim_scenario_steps(const sim_scenario_t *sc, const sm_sim_step_t **steps)
{
    if (sc->tool != TOOL_CALIB) {
        *steps = NULL;
        return 0;
    }
    *steps = cal_steps;
    return N(cal_steps);
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static double smooth01(double x)
{
    x = clampd(x, 0.0, 1.0);
    return x * x * (3.0 - 2.0 * x);
}

static double unif(uint32_t seed, unsigned stream, uint64_t a, uint64_t b)
{
    return sim_unif(sim_hash(seed, stream, a, b));
}

/* A band of sinusoids with random frequencies in [f_lo, f_hi], amplitudes ~ f^-1/2 (more power
 * at the slow end, like real sway and real fidgeting) scaled to the given RMS. */
static void make_band(uint32_t seed, unsigned stream, uint64_t key, double f_lo, double f_hi,
                      double rms, int k, double *f, double *a, double *ph)
{
    double ss = 0.0;
    for (int i = 0; i < k; i++) {
        /* one frequency per sub-band on a log scale, jittered, so the band is covered */
        double lo = f_lo * pow(f_hi / f_lo, (double)i / k);
        double hi = f_lo * pow(f_hi / f_lo, (double)(i + 1) / k);
        f[i] = lo + (hi - lo) * unif(seed, stream, key, (uint64_t)(3 * i));
        a[i] = (0.6 + 0.4 * unif(seed, stream, key, (uint64_t)(3 * i + 1))) / sqrt(f[i]);
        ph[i] = 2.0 * PI * unif(seed, stream, key, (uint64_t)(3 * i + 2));
        ss += a[i] * a[i] / 2.0;
    }
    double s = ss > 0.0 ? rms / sqrt(ss) : 0.0;
    for (int i = 0; i < k; i++)
        a[i] *= s;
}

static double band(const double *f, const double *a, const double *ph, int k, double t)
{
    double s = 0.0;
    for (int i = 0; i < k; i++)
        s += a[i] * sin(2.0 * PI * f[i] * t + ph[i]);
    return s;
}

static void add_event(sim_scene_t *s, int kind, double a, double b)
{
    if (s->nevents < SIM_MAX_EVENTS) {
        s->events[s->nevents].kind = kind;
        s->events[s->nevents].start_s = a;
        s->events[s->nevents].end_s = b;
        s->nevents++;
    }
}

static int cmp_event(const void *a, const void *b)
{
    const sm_sim_event_t *x = a, *y = b;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

sm_status sm_sim_scene_init(sim_scene_t *s, const sim_scenario_t *scn, const sm_sim_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    s->sc = scn;
    s->seed = cfg->seed;
    s->pitch = cfg->pitch_mm;
    s->mat_w = cfg->cols * cfg->pitch_mm;
    s->mat_h = cfg->rows * cfg->pitch_mm;
    s->weight_n = (cfg->body_mass_kg > 0 ? cfg->body_mass_kg : 75.0) * SIM_G;
    s->tool_share = cfg->tool_share;
    s->breath_hz = cfg->breath_hz > 0 ? cfg->breath_hz : 0.15;

    /* Place the mat under the body: centred on the reference mat, then moved so the tool's
     * first spot is at least 10 cm (or half the mat) inside it. */
    double tx = 300, ty = 400;
    if (scn->nspots) {
        tx = scn->spots[0][0];
        ty = scn->spots[0][1];
    }
    double mx = s->mat_w / 2 < 100 ? s->mat_w / 2 : 100;
    double my = s->mat_h / 2 < 100 ? s->mat_h / 2 : 100;
    s->ox = clampd(300.0 - s->mat_w / 2, tx - s->mat_w + mx, tx - mx);
    s->oy = clampd(400.0 - s->mat_h / 2, ty - s->mat_h + my, ty - my);
    /* The person lying elsewhere on the same mat: the mat moves the other way under them. */
    if (scn->nspots) {
        s->ox -= cfg->body_shift_x_mm;
        s->oy -= cfg->body_shift_y_mm;
    }

    uint32_t seed = cfg->seed;
    s->br_phase0 = 2.0 * PI * unif(seed, RNG_BREATH, 0, 0);
    s->br_eps[0] = 0.05;
    s->br_eps[1] = 0.03;
    s->br_g[0] = 1.0 / (45.0 + 15.0 * unif(seed, RNG_BREATH, 1, 0));
    s->br_g[1] = 1.0 / (20.0 + 10.0 * unif(seed, RNG_BREATH, 2, 0));
    s->br_th[0] = 2.0 * PI * unif(seed, RNG_BREATH, 3, 0);
    s->br_th[1] = 2.0 * PI * unif(seed, RNG_BREATH, 4, 0);
    /* Natural sway of the body over the tool: ~2 mm across, 1.5 mm along, below 0.3 Hz. */
    make_band(seed, RNG_SWAY, 0, 0.015, 0.3, 2.0, 6, s->sway_f[0], s->sway_a[0], s->sway_p[0]);
    make_band(seed, RNG_SWAY, 1, 0.015, 0.3, 1.5, 6, s->sway_f[1], s->sway_a[1], s->sway_p[1]);
    /* Wiggles: the tool's contact translates ~8 mm RMS across, 6 along (peaks 1.5-3 cm) with
     * 0.5-4 Hz broadband content; the load rocks by ~8 % RMS. */
    for (size_t e = 0; e < scn->nwiggles && e < SIM_MAX_EVENTS; e++) {
        make_band(seed, RNG_WIGGLE, 3 * e, 0.5, 4.0, 8.0, 10, s->wig_f[e][0], s->wig_a[e][0],
                  s->wig_p[e][0]);
        make_band(seed, RNG_WIGGLE, 3 * e + 1, 0.5, 4.0, 6.0, 10, s->wig_f[e][1], s->wig_a[e][1],
                  s->wig_p[e][1]);
        make_band(seed, RNG_WIGGLE, 3 * e + 2, 0.5, 4.0, 0.08, 10, s->wig_f[e][2], s->wig_a[e][2],
                  s->wig_p[e][2]);
    }

    if (cfg->trace_n > 0) {
        s->trace_x = malloc(cfg->trace_n * sizeof *s->trace_x);
        s->trace_y = malloc(cfg->trace_n * sizeof *s->trace_y);
        if (!s->trace_x || !s->trace_y) {
            sm_sim_scene_free(s);
            return SM_ERR_NOMEM;
        }
        double mxs = 0.0, mys = 0.0;
        for (size_t i = 0; i < cfg->trace_n; i++) {
            mxs += cfg->trace_x_mm[i];
            mys += cfg->trace_y_mm[i];
        }
        mxs /= (double)cfg->trace_n;
        mys /= (double)cfg->trace_n;
        for (size_t i = 0; i < cfg->trace_n; i++) {
            s->trace_x[i] = cfg->trace_x_mm[i] - mxs;
            s->trace_y[i] = cfg->trace_y_mm[i] - mys;
        }
        s->trace_n = cfg->trace_n;
        s->trace_rate = cfg->trace_rate_hz;
    }

    for (size_t i = 0; i < scn->nwiggles; i++)
        add_event(s, 0, scn->wiggles[i][0], scn->wiggles[i][1]);
    for (size_t i = 0; i + 1 < scn->nspots; i++) {
        double leave = (double)i * (scn->hold_s + scn->move_s) + scn->hold_s;
        add_event(s, 1, leave, leave + scn->move_s);
    }
    if (scn->phase_len > 0)
        add_event(s, 2, scn->phase_s, scn->phase_s + scn->phase_len);
    if (scn->lift_len > 0)
        add_event(s, 3, scn->lift_s, scn->lift_s + scn->lift_len);
    if (scn->tool_on_s > 0 && !scn->no_tool)
        add_event(s, 4, scn->tool_on_s, scn->tool_on_s + TOOL_SETTLE_S);
    if (scn->tool_off_s > 0 && !scn->no_tool)
        add_event(s, 3, scn->tool_off_s, scn->tool_off_s + TOOL_LIFT_S);
    qsort(s->events, s->nevents, sizeof s->events[0], cmp_event);
    return SM_OK;
}

void sm_sim_scene_free(sim_scene_t *s)
{
    if (!s)
        return;
    free(s->trace_x);
    free(s->trace_y);
    s->trace_x = s->trace_y = NULL;
    s->trace_n = 0;
}

int sm_sim_scene_first_tool(const sim_scene_t *s, double *x, double *y)
{
    const sim_scenario_t *sc = s->sc;
    if (sc->tool == TOOL_BALL || sc->tool == TOOL_HOOK) {
        *x = sc->spots[0][0] - s->ox;
        *y = sc->spots[0][1] - s->oy;
        return 1;
    }
    if (sc->tool == TOOL_WEIGHT) {
        *x = s->mat_w / 2;
        *y = s->mat_h / 2;
        return 1;
    }
    return 0;
}

/* Breathing phase: the rate wanders slowly around breath_hz (two slow sinusoids), and the
 * phase is its closed-form integral, so any t gives the same value without history. */
static double breath_phase(const sim_scene_t *s, double t, double *rate)
{
    double f0 = s->breath_hz, acc = t, r = 1.0;
    for (int k = 0; k < 2; k++) {
        double w = 2.0 * PI * s->br_g[k];
        acc += s->br_eps[k] / w * (cos(s->br_th[k]) - cos(w * t + s->br_th[k]));
        r += s->br_eps[k] * sin(w * t + s->br_th[k]);
    }
    *rate = f0 * r;
    return s->br_phase0 + 2.0 * PI * f0 * acc;
}

static void trace_at(const sim_scene_t *s, double t, double *x, double *y)
{
    double pos = t * s->trace_rate;
    double n = (double)s->trace_n;
    pos = fmod(pos, n);
    if (pos < 0)
        pos += n;
    size_t i = (size_t)pos;
    if (i >= s->trace_n)
        i = s->trace_n - 1;
    size_t j = i + 1 < s->trace_n ? i + 1 : 0;
    double f = pos - (double)i;
    *x = s->trace_x[i] + f * (s->trace_x[j] - s->trace_x[i]);
    *y = s->trace_y[i] + f * (s->trace_y[j] - s->trace_y[i]);
}

static size_t calib_loads(const sim_scene_t *s, double t, sim_contact_t *cs, sim_state_t *st)
{
    size_t n = 0;
    for (size_t i = 0; i < N(cal_loads) && n < SIM_MAX_CONTACTS; i++) {
        const cal_load_t *l = &cal_loads[i];
        double lift = smooth01((t - l->on) / 0.5) * (1.0 - smooth01((t - l->off) / 0.5));
        if (!(lift > 0.0))
            continue;
        sim_contact_t c = {PROF_PLATE,
                           l->fx * s->mat_w,
                           l->fy * s->mat_h,
                           l->w / 2,
                           l->h / 2,
                           0,
                           l->mass_kg * SIM_G * lift,
                           1};
        cs[n++] = c;
        st->tool_present_model = 1;
    }
    return n;
}

static size_t weights(const sim_scene_t *s, double t, sim_contact_t *cs, sim_state_t *st)
{
    const sim_scenario_t *sc = s->sc;
    if (sc->tool == TOOL_CALIB)
        return calib_loads(s, t, cs, st);
    if (sc->tool == TOOL_WEIGHT) {
        double lift = sc->lift_len > 0 ? 1.0 - smooth01((t - sc->lift_s) / sc->lift_len) : 1.0;
        sim_contact_t c = {PROF_SOFT, s->mat_w / 2, s->mat_h / 2, 50, 50, 0, 10.0 * SIM_G * lift,
                           1};
        cs[0] = c;
        st->tool_present_model = lift > 0.0;
        return 1;
    }
    /* Three weights on cell centres at 30 % / 70 % of the mat; the fourth corner stays empty. */
    int cols = (int)floor(s->mat_w / s->pitch + 0.5), rows = (int)floor(s->mat_h / s->pitch + 0.5);
    double xa = (floor(0.3 * cols) + 0.5) * s->pitch, xb = (floor(0.7 * cols) + 0.5) * s->pitch;
    double ya = (floor(0.3 * rows) + 0.5) * s->pitch, yb = (floor(0.7 * rows) + 0.5) * s->pitch;
    const double pos[3][2] = {{xa, ya}, {xb, ya}, {xa, yb}};
    for (int i = 0; i < 3; i++) {
        sim_contact_t c = {PROF_SOFT, pos[i][0], pos[i][1], 25, 25, 0, 5.0 * SIM_G, 0};
        cs[i] = c;
    }
    return 3;
}

size_t sm_sim_scene_contacts(const sim_scene_t *s, double t, sim_contact_t *cs, sim_state_t *st)
{
    const sim_scenario_t *sc = s->sc;
    memset(st, 0, sizeof *st);
    if (sc->tool == TOOL_NONE)
        return 0;
    if (sc->tool == TOOL_WEIGHT || sc->tool == TOOL_WEIGHTS3 || sc->tool == TOOL_CALIB)
        return weights(s, t, cs, st); /* nobody breathing */
    double rate;
    double b = sin(breath_phase(s, t, &rate));
    /* A CoP trace is the whole movement of the tool, breathing included: nothing of the
     * scenario's own (breathing in the load and the position, injected wiggles) is added. */
    if (s->trace_n) {
        b = 0.0;
        rate = 0.0;
    }
    st->breath = b;
    st->breath_hz = rate;

    /* Where on the timeline: holding a spot, or moving between two. */
    double melt_t = t, lift = 1.0, mix = 0.0;
    size_t si = 0;
    int moving = 0;
    if (sc->nspots > 1) {
        double period = sc->hold_s + sc->move_s;
        double k = floor(t / period);
        si = k < 0 ? 0 : (size_t)k;
        if (si > sc->nspots - 1)
            si = sc->nspots - 1;
        double local = t - (double)si * period;
        if (si + 1 < sc->nspots && local > sc->hold_s) {
            moving = 1;
            double u = (local - sc->hold_s) / sc->move_s;
            mix = smooth01(u);
            /* The person eases off the tool while moving it: load dips to 40 % mid-way. */
            lift = 1.0 - 0.6 * sin(PI * clampd(u, 0, 1)) * sin(PI * clampd(u, 0, 1));
            melt_t = sc->hold_s;
        } else {
            melt_t = local;
        }
    }
    st->spot = (int)si;
    const double *sp0 = sc->spots[si];
    const double *sp1 = sc->spots[moving ? si + 1 : si];
    double spx = sp0[0] + mix * (sp1[0] - sp0[0]);
    double spy = sp0[1] + mix * (sp1[1] - sp0[1]);
    /* Melting onto the tool: 88 % of the share on arrival, rising with a 15 s time constant;
     * while moving it fades back towards the arrival value. */
    /* the tool on the mat: placed (the person settling onto it), taken away, or never */
    double on = 1.0;
    if (sc->no_tool)
        on = 0.0;
    if (sc->tool_on_s > 0) {
        on = smooth01((t - sc->tool_on_s) / TOOL_SETTLE_S);
        melt_t = t > sc->tool_on_s ? t - sc->tool_on_s : 0.0;
    }
    if (sc->tool_off_s > 0)
        on *= 1.0 - smooth01((t - sc->tool_off_s) / TOOL_LIFT_S);
    double melt = 0.88 + 0.12 * (1.0 - exp(-melt_t / 15.0));
    if (moving)
        melt += (0.88 - melt) * mix;

    /* Sway of the body (or the real CoP trace) and injected wiggles. */
    double bx, by, tdx, tdy;
    if (s->trace_n) {
        trace_at(s, t, &tdx, &tdy);
        bx = tdx / (sc->tool_follow > 0.3 ? sc->tool_follow : 1.0);
        by = tdy / (sc->tool_follow > 0.3 ? sc->tool_follow : 1.0);
    } else {
        bx = band(s->sway_f[0], s->sway_a[0], s->sway_p[0], 6, t);
        by = band(s->sway_f[1], s->sway_a[1], s->sway_p[1], 6, t);
        tdx = sc->tool_follow * bx;
        tdy = sc->tool_follow * by;
    }
    double rock = 0.0;
    for (size_t e = 0; e < sc->nwiggles && e < SIM_MAX_EVENTS && !s->trace_n; e++) {
        double a = sc->wiggles[e][0], z = sc->wiggles[e][1];
        if (t <= a || t >= z)
            continue;
        st->wiggling = 1;
        /* 0.4 s ramps in and out: people start and stop fidgeting, they don't jump */
        double env = smooth01((t - a) / 0.4) * smooth01((z - t) / 0.4);
        double wx = env * band(s->wig_f[e][0], s->wig_a[e][0], s->wig_p[e][0], 10, t - a);
        double wy = env * band(s->wig_f[e][1], s->wig_a[e][1], s->wig_p[e][1], 10, t - a);
        rock = env * band(s->wig_f[e][2], s->wig_a[e][2], s->wig_p[e][2], 10, t - a);
        tdx += wx;
        tdy += wy;
        /* rubbing: the pelvis moves over the ball, which rolls half as far */
        bx += wx / (sc->tool_follow > 0.3 ? sc->tool_follow : 1.0);
        by += wy / (sc->tool_follow > 0.3 ? sc->tool_follow : 1.0);
    }
    /* To put a new spot over the tool the person also slides the other way a little. */
    double relx = -0.5 * (spx - sc->spots[0][0]), rely = -0.5 * (spy - sc->spots[0][1]);

    double phase = 0.0;
    if (sc->phase_len > 0) {
        phase = smooth01((t - sc->phase_s) / sc->phase_len);
        st->phase = t >= sc->phase_s;
    }

    double W = s->weight_n;
    double ftool = W * s->tool_share * melt * lift * (1.0 + sc->tool_bm * b) * (1.0 + rock);
    if (sc->tool == TOOL_HOOK)
        ftool *= 1.0 + 0.1 * phase; /* pressing the handle puts the arm's weight on the tool */
    if (ftool < 0)
        ftool = 0;
    if (ftool > W)
        ftool = W;
    /* what the tool would carry and does not: on the body where the tool would be (rest patch)
     * or over the other contacts */
    double frest = sc->rest_ax > 0 ? ftool * (1.0 - on) : 0.0;
    double fparts = W - ftool - frest + (sc->rest_ax > 0 ? 0.0 : ftool * (1.0 - on));
    ftool *= on;
    st->tool_present_model = on > 0.0;

    double tx = spx + tdx - s->ox, ty = spy + tdy + sc->tool_bdy * b - s->oy;
    size_t n = 0;
    if (frest > 0) {
        /* the pelvis (prone) or the buttocks (supine) resting evenly on the mat at the ball's
         * height; it moves with the body, not with a rolling ball */
        sim_contact_t c = {PROF_SOFT,
                           sc->rest_x + bx - s->ox,
                           spy + by - s->oy,
                           sc->rest_ax,
                           sc->rest_ay,
                           0,
                           frest,
                           0};
        cs[n++] = c;
    }
    if (!(ftool > 0)) {
        /* no tool on the mat */
    } else if (sc->tool == TOOL_BALL) {
        /* Hertz: the contact radius grows with the cube root of the load; 25 mm at 220 N
         * (a firm 10 cm massage ball through the mat's cover onto a hard floor). */
        double a = 25.0 * cbrt(ftool / 220.0);
        if (a < 2.0)
            a = 2.0;
        sim_contact_t c = {PROF_BALL, tx, ty, a, a, 0, ftool, 1};
        cs[n++] = c;
    } else {
        /* The Hip Hook's flat base, 12 x 6 cm, long side across the mat with the tip end towards
         * the body (-x), plus the heel under the tip where the hook bends up. Pressing the
         * handle pivots the load along the base towards the tip end. */
        double tip_share = 0.15 + 0.20 * phase;
        double kx = -0.8 * phase;
        sim_contact_t base = {PROF_BASE, tx, ty, 60, 30, kx, ftool * (1 - tip_share), 1};
        sim_contact_t heel = {PROF_BALL, tx - 52, ty, 10, 12, 0, ftool * tip_share, 1};
        cs[n++] = base;
        cs[n++] = heel;
    }

    /* The rest of the weight over the body contacts, shifted by breathing. */
    double sum = 0.0, w[SIM_MAX_CONTACTS];
    size_t np = sc->nparts < SIM_MAX_CONTACTS - n ? sc->nparts : SIM_MAX_CONTACTS - n;
    for (size_t i = 0; i < np; i++) {
        w[i] = sc->parts[i].share * (1.0 + sc->parts[i].bm * b);
        if (w[i] < 0)
            w[i] = 0;
        sum += w[i];
    }
    double rest = fparts;
    for (size_t i = 0; i < np; i++) {
        const part_t *pp = &sc->parts[i];
        sim_contact_t c = {PROF_SOFT,
                           pp->x + pp->follow * bx + pp->bdx * b + relx - s->ox,
                           pp->y + pp->follow * by + pp->bdy * b + rely - s->oy,
                           pp->ax,
                           pp->ay,
                           0,
                           sum > 0 ? rest * w[i] / sum : 0,
                           0};
        cs[n++] = c;
    }
    return n;
}
