/*
 * The simulated mat: a physically plausible person on a tool on a resistive pressure mat.
 * Pure and deterministic: time comes in as an argument; the same config, seed and sequence of
 * t_us give the same frames bit for bit, whatever the caller's clock or speed (all randomness
 * is a hash of seed, time and cell; only creep carries state from frame to frame).
 *
 * Geometry: rows run along the body (row 0 = head end), columns across it (col 0 = the
 * person's right side when prone). Default: the reference mat, 32 rows x 24 cols at 25 mm
 * (80 x 60 cm), which covers chest to mid-thigh of a prone adult. Other sizes and pitches see
 * the same body in millimetres: the mat is centred on the body and then shifted, if needed, so
 * the tool's first spot lies at least 10 cm (or half the mat) inside it; a 16x16 pad at 10 mm
 * sees the ball and the edge of the pelvis, a 64x64 mat at 25 mm sees head to shins.
 *
 * Physics (what a test or a calibration can rely on):
 *   - every body part and tool touching the floor is a smooth-edged elliptical contact patch
 *     (ball: Hertz-like (1-r^2)^1.5; soft tissue and flat weights: flat top (1-r^4)^2; the hook's
 *     base: a rounded 12 x 6 cm rectangle) integrated over each cell by supersampling, so the
 *     rendered kPa times the cell area sums to the force on the mat;
 *   - body weight is conserved: the tool carries tool_share of it (less while the person
 *     "melts" onto it: 88 % at arrival on a spot rising to 100 % with a 15 s time constant),
 *     the rest is shared by the body contacts, some of which (head, knees, shins, feet) lie off
 *     the reference mat; breathing shifts a few percent of load between them and moves contacts
 *     a few millimetres; a ball rolls, so its floor contact moves half as far as the body;
 *   - the sensor (SM_SIM_* effects) turns kPa into counts, see the constants below.
 *
 * Scenario timelines (s; after the last entry the person stays as they are, still breathing):
 *   ball-steady     prone on a 10 cm ball just inside the right ASIS; no events.
 *   ball-wiggle     as ball-steady; wiggles (event 0) at 20-24, 45-48, 70-73.
 *   ball-relocate   spot 0 until 40; relocation (event 1) 40-43; spot 1 (4.6 cm away) after.
 *   hook-two-phase  side-lying on the Hip Hook; phase 0 (psoas) until 45; phase change
 *                   (event 2) 45-47; phase 1 (iliacus) until 92.
 *   back-of-hip     supine, ball beside the tailbone: spot 0 until 60; relocation 60-64;
 *                   spot 1 until 124; relocation 124-128; spot 2 until 188.
 *   prone-notool    prone as ball-steady but no tool: the right front pelvis rests on the mat
 *                   where the ball would be; shifting (event 0) at 20-24 and 45-48.
 *   supine-notool   on the back as back-of-hip but no tool (the right buttock rests on the
 *                   mat); shifting at 20-24 and 45-48.
 *   side-notool     lying on the right side as hook-two-phase but no tool (its load on the
 *                   hip, ribs and thigh); shifting at 20-24 and 45-48.
 *   ball-later      prone without a tool (the pelvis resting there), the ball placed at 15
 *                   (event 4, the person settling onto it until 18), taken away at 80 (lift-off,
 *                   event 3, 80-81.5); body only after. tool_present is 0 without the ball.
 *   empty           nothing on the mat: offsets, noise, dead and stuck cells only.
 *   weight-hold     a 10 kg weight with a 10 cm flat base on the mat centre; lifted off
 *                   (event 3) 90-91; the mat is empty after (creep and its recovery).
 *   weights-ghost   three 5 kg weights (5 cm bases) on three corners of a rectangle (cells at
 *                   30 %/70 % of the mat); the fourth corner is empty (crosstalk check).
 *   calibration-steps  the calibration workflow (sm_calib.h) with rigid flat plates (uniform
 *                   pressure, sharp edges); positions are fractions of the mat (x across,
 *                   y along), placed for the reference mat; each load ramps on and off over
 *                   0.5 s. sm_sim_steps() gives the annotations (the steady part of each step):
 *                     condition  1-5, 7-11, 13-17: a 30 x 40 cm board with 75 kg at the centre
 *                     zero       24-34: empty
 *                     equalise   9 placements of the board (6.1 kPa), 6 s each from 36 s,
 *                                every 8 s, overlapping 3 x 3 over the mat and past its edges
 *                                (order TL, BR, TR, BL, centre, T, B, L, R); annotated on+1..off
 *                     load       10 s each, annotated on+1.5..off: 5 kg 10x10 cm at 130,
 *                                10 kg 10x10 cm at 148, 20 kg 10x10 cm at 166,
 *                                20 kg 5x5 cm at 184, 10 kg 5x5 cm at 202
 *                     creep      20 kg 10x10 cm held 222-312 (90 s)
 *                     verify     15 kg 10x10 cm 322-332 (annotated from 323.5)
 *                     check      fresh test loads, 10 s each every 18 s from 342 (not for the
 *                                calibration): 3 kg 5x5, 8 kg 10x10, 12 kg 7x7, 25 kg 10x10,
 *                                25 kg 5x5, 40 kg 15x15, 15 kg 5x5, 30 kg 7x7 cm; ends 485 s.
 *
 * Thread context: a simulator object belongs to one thread; the scenario catalogue functions
 * are reentrant.
 */
#ifndef SM_SIM_H
#define SM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

/* Switchable sensor effects (sm_sim_config_t.effects). */
#define SM_SIM_NONLINEAR 0x01u /* power-law conductance with onset and saturation (else linear) */
#define SM_SIM_CREEP     0x02u /* reading drifts up under constant load (log time)             */
#define SM_SIM_NOISE     0x04u /* per-sample noise                                              */
#define SM_SIM_DEAD      0x08u /* a few dead (always 0) and stuck (always high) cells           */
#define SM_SIM_GHOST     0x10u /* crosstalk: phantom load at the 4th corner of loaded rectangles */
#define SM_SIM_SPREAD    0x20u /* cell-to-cell sensitivity spread (tens of percent)             */
#define SM_SIM_ALL       0x3Fu

/* Sensor model constants. Ideal (no effects): counts = full * kPa / SM_SIM_LINEAR_FS_KPA,
 * clipped at full scale (full = 2^sample_bits - 1). NONLINEAR: conductance
 * G = onset(kPa) * (kPa / SM_SIM_NL_HALF_KPA)^SM_SIM_NL_ALPHA, onset a smooth step from
 * SM_SIM_NL_ONSET_KPA - 0.7 to + 0.7 kPa, read through a divider: counts = full * G / (1 + G).
 * SPREAD multiplies G (or kPa) by a per-cell gain, log-normal with sigma SM_SIM_SPREAD_SIGMA.
 * CREEP multiplies it by 1 + SM_SIM_CREEP_PER_DECADE * log10(1 + loaded time / 1 s); loaded
 * time accumulates above about 1 kPa and decays with a 20 s time constant when unloaded.
 * GHOST adds SM_SIM_GHOST_SHARE * the weakest of the three other corners of the strongest
 * loaded rectangle through a cell. NOISE adds a per-cell offset (0-3 counts at 10 bits) and
 * SM_SIM_NOISE_COUNTS RMS of noise (both scale with 2^(sample_bits-10)). DEAD: about one dead
 * cell (0) per 400 cells and one or two stuck cells (full scale), never within 2 cells of the
 * tool's first spot. */
#define SM_SIM_LINEAR_FS_KPA    400.0
#define SM_SIM_NL_HALF_KPA      60.0
#define SM_SIM_NL_ALPHA         1.4
#define SM_SIM_NL_ONSET_KPA     1.5
#define SM_SIM_SPREAD_SIGMA     0.2
#define SM_SIM_CREEP_PER_DECADE 0.05
#define SM_SIM_GHOST_SHARE      0.3
#define SM_SIM_NOISE_COUNTS     2.0

/* sm_sim_cell_fault() */
#define SM_SIM_CELL_OK    0
#define SM_SIM_CELL_DEAD  1 /* always reads 0 */
#define SM_SIM_CELL_STUCK 2 /* always reads full scale */

typedef struct {
    const char *scenario; /* see sm_sim_scenario_name(); NULL = "ball-steady" */
    uint32_t seed;
    int rows, cols;      /* 1..64 each */
    double pitch_mm;     /* cell pitch */
    unsigned effects;    /* SM_SIM_* */
    int sample_bits;     /* ADC resolution, 10 -> 0..1023; 1..16 */
    double body_mass_kg; /* default 75; 0 = 75; else 10..300 */
    double tool_share;   /* share of body weight on the tool, default 0.3; 0..0.9 */
    /* Optional real CoP trace (e.g. a force-plate recording) that drives the tool's position:
     * x = medio-lateral (across the mat), y = antero-posterior (along), in mm, mean removed by
     * the simulator. NULL = the scenario's own synthetic sway. The trace loops. With a trace,
     * the trace is the tool's whole movement: the simulator adds no breathing (to the tool's
     * load or position, or the body's) and none of the scenario's wiggles; truth breath_hz is
     * 0 then (the trace's rate is the trace's own). */
    const double *trace_x_mm, *trace_y_mm;
    size_t trace_n;
    double trace_rate_hz;
    /* Breathing rate, Hz (0.1-0.4 is typical); it wanders +-8 % around it. 0 = 0.15. */
    double breath_hz;
    /* Where the person lies on the mat: the whole person and the tool moved by this, mm
     * (x across towards higher columns, y along towards the feet), after the mat has been
     * placed under the body as described above; parts pushed past the edge leave the mat.
     * Scenarios without a person (weights, calibration) ignore it. Default 0, 0 (the person as
     * placed); -1000..1000 each. */
    double body_shift_x_mm, body_shift_y_mm;
} sm_sim_config_t;

/* Fill defaults: reference mat, ball-steady, seed 1, all effects, 10-bit samples, 75 kg,
 * tool_share 0.3, breathing 0.15 Hz, no trace. */
void sm_sim_config_default(sm_sim_config_t *cfg);

/* The model name the simulated mat reports (at most 16 characters): "SteadyMat sim" when it
 * models the reference mat exactly (32 x 24 cells, 25 mm, 10-bit, every sensor effect on), so
 * it reads through the reference profile as a real reference mat does; "SteadyMat sim-x" for
 * any other size, resolution or set of effects, which no profile fits. */
#define SM_SIM_MODEL_REFERENCE "SteadyMat sim"
#define SM_SIM_MODEL_OTHER     "SteadyMat sim-x"
const char *sm_sim_model_name(const sm_sim_config_t *cfg);

/* Ground truth of the most recent frame, for tests and for later calibration checks. */
typedef struct {
    double t_s;
    int tool_present; /* the tool presses on the mat (more than 0.5 N of it lands) */
    /* Tool contact centre (its load centroid; for the hook base + heel), in cells from the
     * mat's edge: cell r spans [r, r+1), so a centre on cell r's middle is r + 0.5 (the
     * convention of sm_metrics' CoP). Valid also when the tool is off the mat. */
    double tool_row, tool_col;
    double tool_force_n;  /* force through the tool that lands on the mat, N */
    double total_force_n; /* force on the whole mat (sum of cell kPa x cell area), N */
    int wiggling;         /* inside an injected wiggle episode */
    int spot;             /* index of the current spot (incremented at the end of a relocation) */
    int phase;            /* scenario phase (hook: 0 psoas, 1 iliacus from the event start) */
    double breath_hz;     /* breathing rate in use (instantaneous); 0 when nobody is on the mat
                             or a CoP trace drives the tool */
    int dead_cells;       /* number of dead/stuck cells injected */
    double breath;        /* breathing: -1 fully out .. +1 fully in (sin of the phase), or 0 */
} sm_sim_truth_t;

/* Injected episodes, so tests can compare what the pipeline detects with what happened. */
typedef struct {
    int kind; /* 0 wiggle (shifting without a tool), 1 relocation, 2 phase change, 3 lift-off,
                 4 tool placed */
    double start_s, end_s;
} sm_sim_event_t;

typedef struct sm_sim sm_sim_t;

/* Returns SM_ERR_ARG for an unknown scenario, out-of-range geometry (rows, cols 1..64, pitch
 * 0.1..1000 mm), sample_bits, mass, tool_share, breath_hz (0.02..2 Hz), body shift, unknown
 * effect bits or
 * an unusable trace (NULL arrays, rate <= 0, non-finite values, more than 2^26 samples);
 * SM_ERR_NOMEM; *out NULL then. The trace is copied: the caller's arrays need not outlive the
 * call. */
sm_status sm_sim_create(const sm_sim_config_t *cfg, sm_sim_t **out);
void sm_sim_destroy(sm_sim_t *sim); /* NULL-safe */

/* Render the mat at time t_us (microseconds since the simulated session started) into
 * cells[rows*cols] as raw ADC counts. Calls must have non-decreasing t_us (creep integrates). */
void sm_sim_render(sm_sim_t *sim, uint64_t t_us, uint16_t *cells);
void sm_sim_truth(const sm_sim_t *sim, sm_sim_truth_t *out);
/* The scenario's injected events (wiggles, relocations...) in time order; owned by sim. */
size_t sm_sim_events(const sm_sim_t *sim, const sm_sim_event_t **events);
/* Length of the scenario's timeline, s (ball-steady 90, back-of-hip 188...). Rendering past it
 * is fine: the person stays as they are. */
double sm_sim_duration(const sm_sim_t *sim);
/* The true pressure of the last rendered frame, kPa per cell (rows*cols, row-major, cell
 * average), before the sensor model; owned by sim, valid until the next render. */
const double *sm_sim_pressure(const sm_sim_t *sim);
/* Step annotations of the calibration-steps scenario (kind "condition", "zero", "equalise",
 * "load", "creep", "verify" or "check"; mass in kg, 0 when none), in time order; owned by the
 * catalogue (static). 0 steps for the other scenarios. */
typedef struct {
    const char *kind;
    double start_s, end_s;
    double mass_kg;
} sm_sim_step_t;
size_t sm_sim_steps(const sm_sim_t *sim, const sm_sim_step_t **steps);

/* SM_SIM_CELL_* for a cell (SM_SIM_CELL_OK outside the mat or with DEAD off). */
int sm_sim_cell_fault(const sm_sim_t *sim, int row, int col);

/* Scenario catalogue: index 0.. until NULL. Help is one line. */
const char *sm_sim_scenario_name(size_t i);
const char *sm_sim_scenario_help(size_t i);

#endif
