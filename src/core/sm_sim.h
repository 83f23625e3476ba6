/*
 * The simulated mat: a physically plausible person on a tool on a resistive pressure mat.
 * Pure and deterministic: time comes in as an argument; the same config and seed give the same
 * frames bit for bit, whatever the caller's clock or speed.
 *
 * Geometry: rows run along the body (row 0 = head end), columns across it (col 0 = the
 * person's right side when prone). Default: the reference mat, 32 rows x 24 cols at 25 mm.
 */
#ifndef SM_SIM_H
#define SM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

/* Switchable sensor effects (sm_sim_config_t.effects). */
#define SM_SIM_NONLINEAR 0x01u /* power-law conductance with onset and saturation (else linear) */
#define SM_SIM_CREEP 0x02u     /* reading drifts up under constant load (log time)             */
#define SM_SIM_NOISE 0x04u     /* per-sample noise                                              */
#define SM_SIM_DEAD 0x08u      /* a few dead (always 0) and stuck (always high) cells           */
#define SM_SIM_GHOST 0x10u     /* crosstalk: phantom load at the 4th corner of loaded rectangles */
#define SM_SIM_SPREAD 0x20u    /* cell-to-cell sensitivity spread (tens of percent)             */
#define SM_SIM_ALL 0x3Fu

typedef struct {
    const char *scenario; /* see sm_sim_scenario_name(); NULL = "ball-steady" */
    uint32_t seed;
    int rows, cols;       /* 1..64 each */
    double pitch_mm;      /* cell pitch */
    unsigned effects;     /* SM_SIM_* */
    int sample_bits;      /* ADC resolution, 10 -> 0..1023 */
    double body_mass_kg;  /* default 75 */
    double tool_share;    /* share of body weight on the tool, default 0.3 */
    /* Optional real CoP trace (e.g. a force-plate recording) that drives the tool's position:
     * x = medio-lateral (across the mat), y = antero-posterior (along), in mm, mean removed by
     * the simulator. NULL = the scenario's own synthetic sway. The trace loops. */
    const double *trace_x_mm, *trace_y_mm;
    size_t trace_n;
    double trace_rate_hz;
} sm_sim_config_t;

/* Fill defaults: reference mat, ball-steady, seed 1, all effects, 10-bit samples. */
void sm_sim_config_default(sm_sim_config_t *cfg);

/* Ground truth of the most recent frame, for tests and for later calibration checks. */
typedef struct {
    double t_s;
    int tool_present;
    double tool_row, tool_col; /* tool contact centre, cells */
    double tool_force_n;       /* force through the tool */
    double total_force_n;      /* force on the whole mat */
    int wiggling;              /* inside an injected wiggle episode */
    int spot;                  /* index of the current spot (relocations increment it) */
    int phase;                 /* scenario phase (hook: 0 psoas, 1 iliacus) */
    double breath_hz;          /* breathing rate in use */
    int dead_cells;            /* number of dead/stuck cells injected */
} sm_sim_truth_t;

/* Injected episodes, so tests can compare what the pipeline detects with what happened. */
typedef struct {
    int kind; /* 0 wiggle, 1 relocation, 2 phase change, 3 lift-off */
    double start_s, end_s;
} sm_sim_event_t;

typedef struct sm_sim sm_sim_t;

/* Returns SM_ERR_ARG for an unknown scenario or out-of-range geometry; *out NULL then. */
sm_status sm_sim_create(const sm_sim_config_t *cfg, sm_sim_t **out);
void sm_sim_destroy(sm_sim_t *sim); /* NULL-safe */

/* Render the mat at time t_us (microseconds since the simulated session started) into
 * cells[rows*cols] as raw ADC counts. Calls must have non-decreasing t_us (creep integrates). */
void sm_sim_render(sm_sim_t *sim, uint64_t t_us, uint16_t *cells);
void sm_sim_truth(const sm_sim_t *sim, sm_sim_truth_t *out);
/* The scenario's injected events (wiggles, relocations...) in time order. */
size_t sm_sim_events(const sm_sim_t *sim, const sm_sim_event_t **events);

/* Scenario catalogue: index 0.. until NULL. */
const char *sm_sim_scenario_name(size_t i);
const char *sm_sim_scenario_help(size_t i);

#endif
