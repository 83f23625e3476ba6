/*
 * Calibration: raw ADC counts to kPa you can trust. Pure: no I/O, no clock, no printing; frames
 * and their session times come in as arguments. File format: src/io/sm_calib_file.h and
 * calibration/README.md.
 *
 * The model, per frame and per cell i (x in counts, u dimensionless, p in kPa):
 *
 *   x_i = raw_i - offset_i                          zero step: per-cell offset and noise
 *   x_i <- x_i - share * G_i                        crosstalk removed (below)
 *   u_i = gain_i * R(x_i)                           readout R, equalise step: per-cell gain
 *         R(x) = x / (full - x)   readout "divider" (film conductance relative to the divider's
 *                                 reference resistor: the usual Velostat wiring)
 *         R(x) = x / full         readout "linear"  (transimpedance or already linearised)
 *   p_i = onset_kpa + a_kpa * u_i^b   when x_i > thr_i = 2.7 * noise_i + 1, else 0   (the curve)
 *   masked cells (dead, stuck, filled) get the mean of their unmasked 8-neighbours
 *   total force, N = sum(p_i) * pitch^2 (kPa * mm^2 / 1000)
 *
 * The curve is monotone (a > 0, b > 0). Because gain and the power law commute
 * (a (g u)^b = a g^b u^b), sm_calib_apply needs one 4096-entry table of R(x)^b shared by all
 * cells plus a per-cell scale, offset and threshold: a few microseconds per 32x24 frame.
 *
 * Creep (the reading drifts up under a constant load): the sensor's response u is multiplied by
 *   1 + per_decade * log10(1 + t / t0)
 * where t is the cell's loaded time: it grows while the cell is loaded (x > thr) and decays with
 * the time constant recovery_s while it is not. In kPa that is a factor (1 + per_decade L)^b.
 * The calibration itself is creep-free (fitted readings are corrected to t = 0); the coach can
 * either expect the rise (sm_calib_creep_factor) or remove it (sm_calib_creep_correct).
 *
 * The guided workflow feeds every frame of the session to a builder and marks the steps:
 *   condition  load/unload a few times (nothing is computed; frames only advance creep state)
 *   zero       nothing on the mat:         offset, noise; stuck and silent cells flagged
 *   equalise   an even load (one placement per step: e.g. a board moved over the mat, each cell
 *              fully under it at least once) -> per-cell gain; cells that stay silent under
 *              it while their neighbours respond are flagged dead
 *   load       a known mass on a flat plate (>= 3 steps, different masses/plates)
 *   creep      one load held (90 s) -> per_decade
 *   verify     a fresh known load -> error in percent against a tolerance (default 5 %)
 * then sm_calib_builder_finish fits everything and fills an sm_calib_data_t; sm_calib_create
 * compiles that into the fast per-frame form.
 *
 * The curve fit: for each load step the calibrated total force over the plate's footprint
 * (the connected loaded region around the strongest cell) must equal m * g; (a, b, onset) are
 * chosen by least squares on the relative force errors (b and onset by search, a in closed
 * form), for both readouts, keeping the better. Per-cell (raw, kPa) points of each footprint
 * (applied pressure m * g / footprint area, the area from the frame at sub-cell precision)
 * give the per-cell residuals shown to the user.
 *
 * Crosstalk (ghosts) in a passive matrix: reading cell (r, c) also collects current that
 * leaves row r through a loaded cell (r, c1), crosses to another row r1 through (r1, c1) and
 * returns into column c through (r1, c). Three cells in series pass about a share of the
 * weakest of them, so, in counts above offset x (the domain where the matrix adds currents):
 *
 *   x_i = v_i + share * G_i(v)      G_(r,c)(v) = max over r1 != r, c1 != c of
 *                                                  min(v[r][c1], v[r1][c1], v[r1][c])
 *
 * over loaded corners (x > thr). Inside a contact every cell is inflated by about share times
 * its own level (more or less by the contact's shape), and a stuck cell (it conducts fully)
 * turns every load that shares its row or column into phantom load along its column or row.
 * sm_calib_apply removes it before the curve (three passes of the fixed point
 * v = x - share * G(v), the first from G(x) / (1 + share)); stuck cells keep full scale as
 * corners, so their phantom lines are removed with the rest. G is built like a max-min matrix
 * product over the loaded cells only: per row the pairs of loaded columns (best and second-best
 * row kept per column pair, so r1 = r can be excluded), then per loaded cell its row's loaded
 * cells: O(rows * k^2) for k loaded cells per row, nothing when share is 0.
 * The share is fitted during calibration (sm_calib_builder_finish) from the phantom readings
 * along stuck cells' rows and columns in the equalise, load and verify steps (cells whose
 * neighbours across the line are unloaded read share * G of the de-ghosted frame); without
 * such evidence, by the load steps' force consistency (the share whose de-ghosted curve fit
 * leaves the smallest force errors, kept only if clearly better than none). The gains, the
 * curve and the verification are all fitted on de-ghosted step means.
 *
 * Thread context: a builder or a compiled calibration belongs to one thread while it is being
 * changed. sm_calib_apply works in scratch memory of the compiled calibration when crosstalk
 * compensation is on (xtalk.share > 0): then one thread at a time may apply a compiled
 * calibration (compile one per thread); without it several threads may apply one.
 */
#ifndef SM_CALIB_H
#define SM_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_status.h"

#define SM_CALIB_VERSION 1 /* file format version written (sm_calib_file.h) */
/* Physical ranges a calibration must respect (sm_calib_data_validate names the member):
 * the curve's scale a_kpa, the top of the fitted range hi_kpa, and every time constant. */
#define SM_CALIB_A_MIN_KPA     1e-3
#define SM_CALIB_A_MAX_KPA     1e6
#define SM_CALIB_HI_MIN_KPA    0.1
#define SM_CALIB_HI_MAX_KPA    1e4
#define SM_CALIB_TIME_MIN_S    1e-3
#define SM_CALIB_G             9.80665
#define SM_CALIB_MMHG_PER_KPA  7.50062
#define SM_CALIB_MAX_LOADS     16 /* load steps kept */
#define SM_CALIB_MAX_EQ        32 /* equalise placements kept */
#define SM_CALIB_LUT           4096
#define SM_CALIB_TOLERANCE_PCT 5.0

/* Per-cell mask */
#define SM_CALIB_CELL_OK     0
#define SM_CALIB_CELL_DEAD   1 /* never responds (open trace) */
#define SM_CALIB_CELL_STUCK  2 /* reads high with nothing on it (short) */
#define SM_CALIB_CELL_FILLED 3 /* masked for another reason (implausible gain, very noisy) */

#define SM_CALIB_READOUT_DIVIDER 0
#define SM_CALIB_READOUT_LINEAR  1

typedef enum {
    SM_CALIB_STEP_NONE = 0,
    SM_CALIB_STEP_CONDITION,
    SM_CALIB_STEP_ZERO,
    SM_CALIB_STEP_EQUALISE,
    SM_CALIB_STEP_LOAD,
    SM_CALIB_STEP_CREEP,
    SM_CALIB_STEP_VERIFY,
    SM_CALIB_STEP_CHECK /* a load that is not used (tests, demonstrations); builders ignore it */
} sm_calib_step_kind;

/* "zero", "equalise"... for a kind; NULL for an unknown one. */
const char *sm_calib_step_name(sm_calib_step_kind kind);
/* The kind for a name ("equalize" accepted too); SM_CALIB_STEP_NONE when unknown. */
sm_calib_step_kind sm_calib_step_from_name(const char *name);

typedef struct {
    double a_kpa;          /* kPa at u = 1 */
    double b;              /* exponent, > 0 */
    double onset_kpa;      /* pressure at which a cell starts to respond, >= 0 */
    double lo_kpa, hi_kpa; /* range of applied pressures the fit saw (extrapolated outside);
                              0 <= lo < hi */
    double rms_pct;        /* RMS of the load steps' force errors, % */
} sm_calib_curve_t;

typedef struct {
    int fitted;        /* 0: per_decade is the default guess, not measured */
    double per_decade; /* relative rise of the response per decade of loaded time */
    double t0_s;       /* time scale of the log (1 s) */
    double recovery_s; /* loaded time decays with this time constant when unloaded */
    double hold_s;     /* length of the hold it was fitted from */
    double rms_pct;    /* fit residual, % */
} sm_calib_creep_model_t;

/* How the crosstalk share was found. */
#define SM_CALIB_XT_NONE  0 /* not fitted: share 0 (no compensation), or set by hand */
#define SM_CALIB_XT_LINES 1 /* from phantom load along stuck cells' rows and columns */
#define SM_CALIB_XT_FORCE 2 /* from the load steps' force consistency */

typedef struct {
    double share;      /* a cell reads share * its ghost G (see above), 0..1; 0 = no compensation */
    int fitted;        /* SM_CALIB_XT_* */
    int points;        /* phantom cells (over all steps) the LINES fit used */
    double rms_counts; /* LINES: RMS residual of the phantom readings, counts */
} sm_calib_xtalk_t;

typedef struct {
    int done;
    double mass_kg;
    double expected_n; /* m * g */
    double measured_n; /* calibrated total force, mean over the step */
    double error_pct;  /* (measured - expected) / expected * 100 */
    double tolerance_pct;
    int pass; /* |error_pct| <= tolerance_pct */
} sm_calib_verify_t;

typedef struct {
    double mass_kg;
    double expected_n, force_n, error_pct; /* calibrated force of the footprint vs m * g */
    double area_cm2, pressure_kpa;         /* footprint area and applied pressure m * g / area */
    int cells;                             /* footprint cells */
    int points;                            /* interior cells used as (raw, kPa) points */
    double rms_cell_pct;                   /* RMS per-cell error of those points, % */
} sm_calib_load_t;

/* Everything a calibration file holds. About 53 KB: allocate it rather than putting it on a
 * small stack. Arrays hold rows*cols valid entries, row-major. */
typedef struct {
    int version;  /* SM_CALIB_VERSION */
    char uid[17]; /* the mat's unique id, 16 hex digits, "" when unknown */
    int rows, cols;
    double pitch_mm;
    int sample_max;   /* full scale, counts */
    char created[32]; /* ISO 8601 UTC date, set by the caller (core has no clock) */
    char method[96];  /* free text */
    int readout;      /* SM_CALIB_READOUT_* */
    sm_calib_curve_t curve;
    sm_calib_creep_model_t creep;
    sm_calib_xtalk_t xtalk; /* crosstalk; a file without it has share 0 */
    sm_calib_verify_t verify;
    int nloads;
    sm_calib_load_t loads[SM_CALIB_MAX_LOADS];
    float offset[SM_MAX_CELLS]; /* counts at zero load */
    float noise[SM_MAX_CELLS];  /* RMS counts at zero load */
    float gain[SM_MAX_CELLS];   /* multiplies R(x); 1 = a typical cell */
    uint8_t mask[SM_MAX_CELLS]; /* SM_CALIB_CELL_* */
} sm_calib_data_t;

/* A neutral calibration for a mat: offsets 0, noise 1, gains 1, all cells OK, the reference
 * Velostat curve (divider readout, a 60 kPa, b 0.714, onset 0), creep 0.05/decade (not
 * fitted), no crosstalk compensation, no verification. SM_ERR_RANGE for rows/cols outside 1..64,
 * pitch outside 0.1..1000 mm, sample_max outside 2..65535. */
sm_status sm_calib_data_init(sm_calib_data_t *d, int rows, int cols, double pitch_mm,
                             int sample_max);
/* Check every field (geometry, finite and plausible numbers, masks, version); on failure a
 * one-line message naming the field ("gain of cell 17 (row 0, col 17) is -1: must be > 0"). */
sm_status sm_calib_data_validate(const sm_calib_data_t *d, char *err, size_t errlen);

/* ---- per-frame application ---- */
typedef struct sm_calib sm_calib_t;

/* Compile validated data into lookup tables. SM_ERR_FORMAT (with message) if it does not
 * validate, SM_ERR_NOMEM. *out NULL on failure. */
sm_status sm_calib_create(const sm_calib_data_t *d, sm_calib_t **out, char *err, size_t errlen);
void sm_calib_destroy(sm_calib_t *cal); /* NULL-safe */
const sm_calib_data_t *sm_calib_data(const sm_calib_t *cal);
/* kpa_out[rows*cols] = calibrated pressure, kPa, crosstalk removed, masked cells filled. A
 * frame of another size gives SM_ERR_MISMATCH and all-zero output. No allocation. About 1 us
 * per 32x24 frame without crosstalk compensation; with it a few us for plates, tools and a body
 * (it grows with the square of the loaded cells per row: calibration/README.md). Thread
 * context: see the top of this file. Pressures are capped at twice curve.hi_kpa: beyond the
 * fitted range (e.g. a saturated cell, whose divider readout diverges) the number is not a
 * measurement. */
sm_status sm_calib_apply(const sm_calib_t *cal, const sm_frame_t *f, float *kpa_out);
/* The fitted curve as a person reads it: kPa for a typical cell (gain 1) at `counts` above its
 * zero offset, without creep, capped like sm_calib_apply at twice curve.hi_kpa; 0 at or below
 * 0 counts. For drawing the curve (counts -> kPa) after a calibration. */
double sm_calib_typical_kpa(const sm_calib_data_t *d, double counts);
/* Total force, N = sum(kPa) * pitch^2. */
double sm_calib_force_n(const sm_calib_t *cal, const float *kpa);
/* Cell area, mm^2. */
double sm_calib_cell_area_mm2(const sm_calib_t *cal);

/* Units */
static inline double sm_kpa_to_mmhg(double kpa)
{
    return kpa * SM_CALIB_MMHG_PER_KPA;
}
static inline double sm_mmhg_to_kpa(double mmhg)
{
    return mmhg / SM_CALIB_MMHG_PER_KPA;
}
/* Force on an area at a pressure: kPa * mm^2 -> N */
static inline double sm_kpa_area_to_n(double kpa, double area_mm2)
{
    return kpa * area_mm2 / 1000.0;
}
static inline double sm_n_to_kg(double n)
{
    return n / SM_CALIB_G;
}

/* ---- creep ---- */
/* The reading (kPa) multiplier expected after loaded_s seconds of constant load. */
double sm_calib_creep_factor(const sm_calib_data_t *d, double loaded_s);

typedef struct sm_calib_creep sm_calib_creep_t;
sm_status sm_calib_creep_create(const sm_calib_t *cal, sm_calib_creep_t **out);
void sm_calib_creep_destroy(sm_calib_creep_t *cr); /* NULL-safe */
void sm_calib_creep_reset(sm_calib_creep_t *cr);
/* Advance each cell's loaded time to t_s (s, non-decreasing; loaded = kpa > 0) and divide kpa in
 * place by its creep factor, so a constant load reads constant. */
void sm_calib_creep_correct(sm_calib_creep_t *cr, double t_s, float *kpa);
/* Loaded time of a cell, s. */
double sm_calib_creep_loaded_s(const sm_calib_creep_t *cr, int cell);

/* ---- ghosts ---- */
/* Mark likely crosstalk ghosts: a cell whose value v is above loaded_min but at most
 * ratio * min(of the other three corners) of a rectangle of loaded cells (all three above
 * loaded_min, the rectangle at least 2 cells apart each way, so the edge of one contact is not
 * mistaken for a ghost) and no 8-neighbour above v / ratio (a weak cell beside a strong one
 * is the edge of a real contact). val: rows*cols values in any unit monotone in load (kPa, or
 * counts minus offset); flags[i] = 1 for a likely ghost, else 0. Returns the number flagged. ratio
 * 0.5 suits the 20-50 % ghosts of passive matrices. */
int sm_calib_ghosts(const float *val, int rows, int cols, float loaded_min, float ratio,
                    uint8_t *flags);

/* ---- steps ---- */
typedef struct {
    sm_calib_step_kind kind;
    double start_s, end_s; /* session time */
    double mass_kg;        /* load, creep, verify, check; 0 otherwise */
} sm_calib_step_t;

#define SM_CALIB_MAX_STEPS 128
typedef struct {
    size_t n;
    sm_calib_step_t step[SM_CALIB_MAX_STEPS];
} sm_calib_steps_t;

/* ---- the builder (the workflow's estimators) ---- */
typedef struct sm_calib_builder sm_calib_builder_t;

/* What the UI shows when a step ends (message is one line, e.g.
 * "zero: 768 cells, noise 1.9 counts, 1 stuck and 1 dead cell masked"). */
typedef struct {
    sm_calib_step_kind kind;
    int ok; /* 0: redo the step (message says why) */
    unsigned long frames;
    double mass_kg;
    int dead, stuck;     /* masked so far */
    int cells;           /* zero: cells; equalise: cells fully under the load; load: footprint */
    double area_cm2;     /* load: footprint area (coarse until the fit) */
    double pressure_kpa; /* load: m g / area */
    char message[160];
} sm_calib_step_report_t;

/* rows, cols 1..64; pitch_mm 0.1..1000; sample_max 2..65535. */
sm_status sm_calib_builder_create(int rows, int cols, double pitch_mm, int sample_max,
                                  sm_calib_builder_t **out);
void sm_calib_builder_destroy(sm_calib_builder_t *b); /* NULL-safe */
/* Start a step (an open step is ended first). mass_kg is needed (> 0) for load and verify.
 * SM_ERR_ARG for a bad kind or mass, SM_ERR_RANGE if the step needs the zero step first
 * (equalise, load, creep, verify) or if its table is full. */
sm_status sm_calib_builder_begin(sm_calib_builder_t *b, sm_calib_step_kind kind, double mass_kg);
/* Feed every frame of the session, in time order, inside and between steps (creep state
 * follows the loads all the time). SM_ERR_MISMATCH for a frame of another size (ignored). */
sm_status sm_calib_builder_frame(sm_calib_builder_t *b, const sm_frame_t *f);
/* End the open step and judge it (rep may be NULL). Returns SM_OK and rep->ok = 1 when it is
 * usable; SM_ERR_RANGE with rep->ok = 0 and a message when it must be redone (too few frames,
 * the mat not empty during zero, nothing loaded during a load step...), and then the step's
 * data is discarded. SM_EMPTY when no step was open. */
sm_status sm_calib_builder_end(sm_calib_builder_t *b, sm_calib_step_report_t *rep);
/* Throw away the open step ("redo this step"). */
void sm_calib_builder_discard(sm_calib_builder_t *b);
/* Drive the steps from a table: call for every frame in time order; steps begin and end by
 * the frame time (a step covers start_s <= t < end_s). The last report of an ended step goes
 * to rep (rep->kind NONE when none ended on this frame). A step that fails is reported and
 * skipped. */
sm_status sm_calib_builder_feed(sm_calib_builder_t *b, const sm_calib_steps_t *steps,
                                const sm_frame_t *f, sm_calib_step_report_t *rep);
/* Fit everything collected (an open step is ended first) into out: needs a zero step and at
 * least 3 load steps with two different masses or plates (SM_ERR_RANGE, message). Equalise is
 * optional (gains 1 without it), so are creep (default per_decade) and verify (done = 0).
 * uid, created and method are left empty for the caller; method gets a summary
 * ("zero, equalise x9, 5 loads, creep 90 s, verify"). */
sm_status sm_calib_builder_finish(sm_calib_builder_t *b, sm_calib_data_t *out, char *err,
                                  size_t errlen);

/* ---- fitting pieces, exposed for tests and tools ---- */
/* Force-consistent power-law fit: n groups (load steps), group k has m[k] response values
 * u[off[k] .. off[k]+m[k]) (cells of its footprint, already gain- and creep-corrected) and a
 * known force w_n[k]; cell area in mm^2. Fills curve (a, b, onset, rms_pct). SM_ERR_RANGE
 * with fewer than 2 groups or no spread in level. */
sm_status sm_calib_fit_power(const double *u, const size_t *off, const size_t *m, const double *w_n,
                             size_t n, double cell_area_mm2, sm_calib_curve_t *curve);
/* Crosstalk: the ghost G of every cell (targets NULL) or of the cells with tx[i] > thr[i]
 * (others get 0) of a frame x[rows*cols] (counts above offset; corners are the cells with
 * x > thr), as defined at the top of this file; and the de-ghosted frame
 * out = x - share * G(v) (three passes, see above; cells with keep[i] != 0, e.g. stuck ones,
 * are not changed; keep may be NULL). out may be x. No allocation after _create. */
typedef struct sm_calib_xt sm_calib_xt_t;
sm_status sm_calib_xt_create(int rows, int cols, sm_calib_xt_t **out);
void sm_calib_xt_destroy(sm_calib_xt_t *w); /* NULL-safe */
void sm_calib_xt_ghost(sm_calib_xt_t *w, const float *x, const float *thr, const float *tx,
                       float *g);
void sm_calib_xt_remove(sm_calib_xt_t *w, const float *x, const float *thr, const uint8_t *keep,
                        double share, float *out);
/* Creep fit: response level s[i] at loaded time t_s[i] (s > 0) -> per_decade with t0 = 1 s
 * by least squares of s = s0 (1 + c log10(1 + t)). rms_pct filled. SM_ERR_RANGE with fewer
 * than 5 points or no time span. */
sm_status sm_calib_fit_creep(const double *t_s, const double *s, size_t n,
                             sm_calib_creep_model_t *out);

#endif
