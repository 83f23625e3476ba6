/*
 * Private to the simulator (sm_sim*.c): the body/contact layer, the sensor layer and the
 * scenario layer, and the counter-based random numbers they share. Not part of the contract.
 *
 * Coordinates inside the simulator are millimetres on the mat: x across (from the edge of
 * column 0), y along the body (from the edge of row 0). Cell (r, c) covers
 * [c*pitch, (c+1)*pitch) x [r*pitch, (r+1)*pitch).
 */
#ifndef SM_SIM_INTERNAL_H
#define SM_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sm_sim.h"

#define SIM_G            9.80665 /* m/s^2 */
#define SIM_MAX_CONTACTS 32
#define SIM_MAX_EVENTS   16
#define SIM_SCRATCH      (64 * 8 + 16) /* subsamples per axis on the mat: 64 cells x 8 */

/* ---- counter-based random numbers: a pure function of (seed, stream, a, b) ---- */

enum { RNG_SPREAD = 1, RNG_OFFSET, RNG_FAULT, RNG_NOISE, RNG_BREATH, RNG_SWAY, RNG_WIGGLE };

static inline uint64_t sim_mix(uint64_t z)
{
    /* splitmix64 finaliser */
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t sim_hash(uint32_t seed, unsigned stream, uint64_t a, uint64_t b)
{
    return sim_mix(sim_mix(sim_mix(((uint64_t)seed << 8) ^ stream) ^ a) ^ b);
}

/* Uniform in [0, 1). */
static inline double sim_unif(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* Approximately standard normal (Irwin-Hall of four 16-bit uniforms): one hash per draw, which
 * is what keeps per-cell noise cheap at 64x64 and 100 Hz. Bounded at +-3.46. */
static inline double sim_gauss(uint64_t h)
{
    double s = (double)(h & 0xFFFF) + (double)((h >> 16) & 0xFFFF) + (double)((h >> 32) & 0xFFFF) +
               (double)(h >> 48);
    return (s / 65536.0 - 2.0) * 1.7320508075688772;
}

/* ---- contacts: what touches the mat in one frame ---- */

typedef enum {
    PROF_BALL, /* Hertz-like (1 - r^2)^1.5: a firm ball or a rigid edge */
    PROF_SOFT, /* flat top with smooth edges (1 - r^4)^2: soft tissue, a flat weight */
    PROF_BASE, /* rounded rectangle (1-u^4)^2 (1-v^4)^2: the hook's flat base */
    PROF_PLATE /* rigid flat plate: uniform over the rectangle |u|, |v| < 1 (calibration loads) */
} sim_profile;

typedef struct {
    int prof;      /* sim_profile */
    double x, y;   /* centre, mat mm */
    double ax, ay; /* semi-axes (half width across, half length along), mm */
    double kx;     /* load ramp across: pressure * (1 + kx * u), u = (x - cx) / ax, |kx| <= 1 */
    double f;      /* force, N */
    int tool;      /* part of the tool */
} sim_contact_t;

/* Scratch for rendering, allocated with the simulator. */
typedef struct {
    double u[SIM_SCRATCH], v[SIM_SCRATCH];
    double cellsum[SIM_SCRATCH];
    double rect[64 * 64]; /* on-mat cell sums of one contact */
} sim_body_scratch_t;

/* Add the contacts' pressure (kPa, averaged over each cell) to kpa[rows*cols]. onmat[i] gets
 * the force of contact i that landed on the mat, N. */
void sm_sim_body_render(const sim_contact_t *cs, size_t n, int rows, int cols, double pitch_mm,
                        double *kpa, double *onmat, sim_body_scratch_t *scr);

/* ---- sensor: pressure to raw counts ---- */

typedef struct {
    int rows, cols;
    unsigned effects;
    uint32_t seed;
    double full;     /* full-scale count, 2^bits - 1 */
    double noise_sd; /* counts */
    float *gain;     /* per cell, SPREAD */
    float *offset;   /* per cell, counts at zero load (NOISE) */
    uint8_t *fault;  /* SM_SIM_CELL_* */
    double *tau;     /* creep: loaded time per cell, s */
    double *v, *vg;  /* reading as a fraction of full scale, before and after crosstalk */
    uint8_t *lidx;   /* ghost: loaded columns per row */
    int *lrow_n;     /* ghost: how many per row */
    uint8_t *lcol;   /* ghost: column has a loaded cell */
    float *m1, *m2;  /* ghost: best and second best min-load over rows, per column pair */
    int16_t *m1row;  /* ghost: the row of m1 */
    int faults;      /* dead + stuck cells */
    double t_prev_s;
} sim_sensor_t;

/* avoid_r/avoid_c: a cell (the tool's first spot) kept free of injected faults, -1 for none. */
sm_status sm_sim_sensor_init(sim_sensor_t *s, int rows, int cols, unsigned effects, int bits,
                             uint32_t seed, int avoid_r, int avoid_c);
void sm_sim_sensor_free(sim_sensor_t *s);
void sm_sim_sensor_convert(sim_sensor_t *s, const double *kpa, double t_s, uint64_t t_us,
                           uint16_t *cells);

/* ---- scenarios: the person and the timeline ---- */

typedef struct sim_scenario sim_scenario_t;

typedef struct {
    const sim_scenario_t *sc;
    uint32_t seed;
    double pitch, mat_w, mat_h; /* mm */
    double ox, oy;              /* reference-body mm minus mat mm */
    double weight_n;            /* body weight */
    double tool_share;
    double breath_hz;
    /* breathing rate variation and phase, sway and wiggle signals: drawn once from the seed */
    double br_phase0, br_eps[2], br_g[2], br_th[2];
    double sway_f[2][6], sway_a[2][6], sway_p[2][6];
    double wig_f[SIM_MAX_EVENTS][3][10], wig_a[SIM_MAX_EVENTS][3][10], wig_p[SIM_MAX_EVENTS][3][10];
    /* optional CoP trace, mean removed, owned */
    double *trace_x, *trace_y;
    size_t trace_n;
    double trace_rate;
    sm_sim_event_t events[SIM_MAX_EVENTS];
    size_t nevents;
} sim_scene_t;

/* What the scenario layer reports besides the contacts. */
typedef struct {
    int tool_present_model; /* the scenario has a tool in place */
    int wiggling, spot, phase;
    double breath, breath_hz;
} sim_state_t;

const sim_scenario_t *sm_sim_scenario_find(const char *name);
const char *sm_sim_scenario_name_of(const sim_scenario_t *sc);
double sm_sim_scenario_duration(const sim_scenario_t *sc);
/* Prepare a scene for a mat; the trace (if any) is copied. */
sm_status sm_sim_scene_init(sim_scene_t *sc, const sim_scenario_t *scn, const sm_sim_config_t *cfg);
void sm_sim_scene_free(sim_scene_t *sc);
/* The tool's first spot on this mat, mm (for keeping faults away from it). */
int sm_sim_scene_first_tool(const sim_scene_t *sc, double *x, double *y);
/* The scenario's calibration step annotations (calibration-steps; 0 for the others). */
size_t sm_sim_scenario_steps(const sim_scenario_t *sc, const sm_sim_step_t **steps);
/* Fill the contacts at time t_s; returns how many. */
size_t sm_sim_scene_contacts(const sim_scene_t *sc, double t_s, sim_contact_t *cs, sim_state_t *st);

#endif
