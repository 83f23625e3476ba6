/*
 * Tool contact detection: per frame, find the massage ball's or the Hip Hook tip's contact among
 * the body's contacts (sacrum, hips, shoulder blades, ribs, heels...), say how sure that is, and
 * describe the body around it (outline, midline, which side of the body the tool is on). Pure:
 * cells and a session time in, numbers out; no I/O, no clock.
 *
 * Units: cell values are whatever the caller has (raw ADC counts or kPa), one float per cell,
 * row-major, row 0 = head end, col 0 = the person's right when prone. Every threshold is
 * relative to the data: a noise floor estimated from the frame itself (the unloaded majority of
 * the cells) unless given. Positions are in cells (cell r spans [r, r+1), so the middle of
 * cell r is r + 0.5, as sm_metrics) and in mm from the mat's edge (x across = columns, y along
 * = rows).
 *
 * What a tool is (the physical evidence; every number is a setting):
 *   - size: a firm ball of diameter D pressed by a pelvis (100-300 N) onto a firm floor makes a
 *     Hertz-like contact of radius a ~ 21 mm * (D / 100 mm)^(1/3) (contact diameter 3.5-5 cm
 *     for 10 cm, 3-4 cm for 6 cm, 4-6 cm for 15 cm: 1-3 cells at 25 mm, 3-6 at 10 mm). The
 *     candidate is the window of that size (plus a cell) that carries the most load, and its
 *     load must not spill past the window: a contact still at half its peak a cell beyond it is
 *     broader than the tool (a shoulder, a hip, a buttock);
 *   - load share: the tool carries a body-weight share (a person letting the pelvis sink onto
 *     a ball: 15-35 % of the load on the mat). A window that carries less than share_lo of the
 *     frame's load is not a tool; share_hi and more is full evidence. A single cell far above
 *     its eight neighbours that carries less than share_lo is a sensor fault (hot cell), never
 *     the tool, and is replaced by its neighbours' median;
 *   - contrast: the tool's peak stands far above the body around it (the ring 1-10 cm outside
 *     the window): the ball lifts the body off the mat around it;
 *   - dominance: the tool's peak is above every other contact's peak (bony contacts on a firm
 *     floor reach 30-60 kPa; a ball under a pelvis 100 kPa and more). Other contacts' peaks are
 *     the second-highest cell of each 3x3 block, so a lone hot cell does not count as one;
 *   - onset: load moving onto the contact (its share rising above its own recent level, as the
 *     body settles onto the tool over a few seconds) is extra evidence (onset_bonus); a tool
 *     already there at the first frame is judged on the rest alone.
 * Each criterion scores 0..1 on a ramp; the confidence is their geometric mean (plus the onset
 * bonus), and `present` means confidence >= conf_on (0.5) for a new tool, >= conf_keep (0.35)
 * while the same track goes on (no flicker on a breath).
 *
 * The Hip Hook is judged by the same criteria and thresholds over a window that holds its whole
 * footprint (13 cm across: the flat 12 x 6 cm base and the tip in any direction), plus its
 * shape: the footprint around the peak (the cells above 1.5 times the body's level around it,
 * or at a quarter of the peak) must spread along one axis like the base (spread 15-25 mm and
 * more; a ball's contact 10-15 mm), have the peak towards one end (10-25 mm off the middle) or
 * be clearly longer than wide (1.6-2 : 1; on coarse cells a tip split over two cells need not
 * top the base), and carry a real part of its load away from the peak (the base: 10-25 % and
 * more outside the peak's 3 x 3 cells). Its contrast ramp ends at 6 instead of 8: the base
 * carries most of the hook's load, so its tip stands less far above the body than a ball's
 * contact. A body contact (a hip, a sacrum) is broad (its load spills past the window), does
 * not stand out from the body around it, or is topped by another contact; a single hot cell
 * has no base. The shape has its own reason (SM_NOTOOL_SHAPE).
 *
 * Either tool (SM_TOOL_AUTO): both models look at every frame; a ball candidate on a contact
 * that shows the hook's shape loses that much confidence (a ball's contact shows none), the
 * best candidate starts the track and the track keeps its tool (tool_kind) until it ends.
 *
 * Side of the body (one rule for every protocol): the side is where the tool lies relative to
 * the body's load-weighted midline, read for the posture the contact pattern shows. A body
 * whose load is narrow across (load-weighted spread across below side_sigma_mm, on a mat that
 * sees at least 30 x 40 cm of it) is lying on its side, with the tool in front of the body
 * line: the front faces high columns when lying on the right side. A body lying flat is face
 * down unless posture_hint says face up (SM_POSTURE_SUPINE): face up and face down give mirror
 * images that pressure alone does not tell apart, so the protocol is used only for that, and
 * only when the body is flat. Face down: the right side is at low columns; face up: at high
 * columns.
 *
 * Sensor faults: a cell that reads the same value for stuck_s while standing far above all its
 * neighbours (stuck), or reads nothing while most neighbours are loaded (dead), is replaced by
 * its neighbours' median; a single-cell spike far above all eight neighbours is never taken for
 * the tool, even before it has been static long enough to be called stuck. Crosstalk ghosts are
 * at most a fraction of real loads and lie inside the body's bounding box, so they neither win
 * the tool search nor move the outline.
 *
 * Thread context: a detector belongs to one thread. Memory: everything is allocated at create;
 * an update allocates nothing.
 */
#ifndef SM_CONTACT_H
#define SM_CONTACT_H

#include <stdint.h>

#include "sm_status.h"

/* How the person lies; decides which side of the body a tool at a given column is on. */
typedef enum {
    SM_POSTURE_AUTO = -1,  /* settings only: from the contact pattern, flat = face down */
    SM_POSTURE_PRONE = 0,  /* face down: the right side is at low columns */
    SM_POSTURE_SUPINE = 1, /* on the back: the right side is at high columns */
    SM_POSTURE_SIDE = 2    /* side-lying: the tool lies in front of the body line; the front
                              faces high columns when lying on the right side */
} sm_posture_t;

typedef enum { SM_SIDE_UNKNOWN = 0, SM_SIDE_RIGHT = 1, SM_SIDE_LEFT = 2 } sm_side_t;

/* The tool the person uses; sets the expected contact. SM_TOOL_AUTO: either, the footprint
 * decides (both evidence models run; the first track's kind is reported in tool_kind). */
typedef enum { SM_TOOL_BALL = 0, SM_TOOL_HOOK = 1, SM_TOOL_AUTO = 2 } sm_tool_kind_t;

/* Which tool a contact's footprint shows (sm_contact_frame_t.tool_seen). */
typedef enum {
    SM_SEEN_NONE = 0, /* no tool */
    SM_SEEN_BALL,     /* a round compact contact with its peak in the middle */
    SM_SEEN_HOOK      /* a long flat base (12 x 6 cm) with the tip's peak at one end */
} sm_tool_seen_t;

/* Why no tool was found in a frame (the criterion with the lowest score). */
typedef enum {
    SM_NOTOOL_NONE = 0, /* a tool was found */
    SM_NOTOOL_EMPTY,    /* nothing on the mat */
    SM_NOTOOL_SHARE,    /* no compact contact carries a tool's share of the load */
    SM_NOTOOL_BROAD,    /* the strongest compact load belongs to a broader contact */
    SM_NOTOOL_FLAT,     /* it does not stand out from the body around it */
    SM_NOTOOL_PEAK,     /* another contact presses as hard (a bony contact, not a tool) */
    SM_NOTOOL_WEAK,     /* several criteria only partly met */
    SM_NOTOOL_CONFIRM,  /* a contact fits the tool; it must stay a moment (confirm_s) */
    SM_NOTOOL_SHAPE     /* the strongest contact is not a Hip Hook's tip with its base */
} sm_notool_t;

#define SM_TOOL_BALL_MM_MIN 60.0
#define SM_TOOL_BALL_MM_MAX 150.0
#define SM_TOOL_BALL_MM_DEF 100.0

typedef struct {
    /* Posture hint for a body lying flat (SM_POSTURE_SUPINE: face up); side-lying is always
     * told from the contact pattern. SM_POSTURE_AUTO or PRONE: face down. Default AUTO. */
    sm_posture_t posture;
    sm_tool_kind_t tool; /* default SM_TOOL_BALL */
    /* 1 (default): the ball and the Hip Hook are found by the physical evidence described
     * above; 0: the hottest compact contact (the rule before issue 18, kept for comparison;
     * SM_TOOL_AUTO then means the ball). */
    int evidence;
    double ball_mm;                  /* ball diameter, 60..150 mm; default 100 */
    double conf_on;                  /* confidence for a new tool after an onset; 0.5 */
    double conf_on_cold;             /* ... without an onset seen (there from the start); 0.8 */
    double confirm_s;                /* a new track holds this long first, s; 1.5 */
    double conf_keep;                /* confidence to keep the current track; default 0.35 */
    double share_lo, share_hi;       /* load share ramp of the window; 0.07, 0.15 */
    double share_max;                /* more than this is not a tool under a body; 0.6 (only
                                        on a mat of 30 x 40 cm and more: a small pad may see
                                        little but the tool) */
    double contrast_lo, contrast_hi; /* peak / ring level (75th percentile) ramp; 3, 8 */
    double dom_lo, dom_hi;           /* peak / strongest other contact ramp; 1.0, 1.5 */
    double spill_lo, spill_hi;       /* a cell past the window at this share of the peak:
                                        full / no size evidence; 0.35, 0.7 */
    double onset_tau_s;              /* recent level of the load share, s; 4 */
    double onset_bonus;              /* added to the confidence after an onset; 0.1 */
    double side_sigma_mm;            /* narrower load across = side-lying, mm; 0 = off (default:
                                        the spread overlaps between postures, see below) */
    double noise_floor;      /* a cell is loaded above this (input units); 0 = estimate (default) */
    double noise_k;          /* estimated floor = median + noise_k * (median - 5th percentile) +
                                floor_peak_frac * frame peak; default 4 */
    double floor_peak_frac;  /* default 0.01 */
    double floor_tau_s;      /* smoothing of the estimated floor, s; default 2 */
    double tool_floor_ratio; /* the tool's peak is >= this times the noise floor; 6 */
    double tool_frac;        /* tool blob: connected cells >= tool_frac * its peak; 0.15 */
    double spike_ratio;      /* a cell above spike_ratio times all 8 neighbours is a spike; 20 */
    double lone_ratio;       /* a cell above this times its largest neighbour that carries
                                less than share_lo of the load is a hot cell (fault); 4 */
    double stuck_s;          /* unchanged this long (and isolated) = stuck, s; 0.25 (a loaded
                                cell with any noise changes every frame) */
    double track_gate_mm;    /* the tool stays the same track within this jump, mm; 60 */
    double track_keep_ratio; /* keep the tracked blob while its peak >= this * global peak; 0.5 */
    double lost_s;           /* absent this long ends a track, s; 0.5 */
    double tip_radius_mm;    /* tip: centroid of the cells within this of the peak cell; 20 */
    double near_mm;          /* near_load: half-width of the square around the peak cell; 50 */
    /* The Hip Hook's footprint (see above): ramps of its spread along the long axis (mm; 15,
     * 25), of the peak's distance from its middle along it (mm; 10, 25) and of the base's
     * share of its load (the cells 2+ cells from the peak; 0.1, 0.25). */
    double hook_sd_lo, hook_sd_hi;
    double hook_off_lo, hook_off_hi;
    double hook_base_lo, hook_base_hi;
    double hook_lw_lo, hook_lw_hi; /* ... or of its length over width (spreads); 1.6, 2 */
    double hook_contrast_hi;       /* the hook's contrast ramp ends here (its base carries most of
                                      its load: the tip stands less far above the body); 6 */
} sm_contact_settings_t;

void sm_contact_settings_default(sm_contact_settings_t *s);

/* One frame's result. Fields marked (tool) are valid when present != 0. */
typedef struct {
    double t_s;
    /* whole frame (cells above the floor, faults replaced) */
    double floor;     /* noise floor in use, input units */
    double total;     /* sum of loaded cells */
    int loaded_cells; /* cells above the floor */
    int has_load;
    double cop_row, cop_col; /* whole-body CoP, cells (valid when has_load) */
    double cop_x_mm, cop_y_mm;
    /* the tool */
    int present;         /* a tool detected with confidence above the threshold (conf_on
                            for a new track, conf_keep for the current one) */
    double confidence;   /* 0..1 of the best candidate (also when not present) */
    sm_notool_t no_tool; /* why not, when !present */
    int onset;           /* load was seen moving onto the current track */
    /* the criteria's scores of the best candidate, 0..1 each (for the view and tests) */
    double s_share, s_size, s_contrast, s_dom;
    double s_shape;            /* the Hip Hook's tip-and-base score (1 for the ball) */
    sm_tool_kind_t tool_kind;  /* (tool) the model that found it: SM_TOOL_BALL or SM_TOOL_HOOK */
    uint32_t track_id;         /* 1, 2, ...: a new id each time the tool is found again */
    double row, col;           /* (tool) load centroid, cells */
    double x_mm, y_mm;         /* (tool) the same in mm */
    double tip_x_mm, tip_y_mm; /* (tool) centroid of the cells around the peak, mm */
    double peak;               /* (tool) highest cell */
    int peak_row, peak_col;
    double load;      /* (tool) sum of the blob's cells, input units */
    double share;     /* (tool) load / total, 0..1 */
    double near_load; /* (tool) sum of every cell within near_mm of the peak cell, no threshold:
                         follows the tool's load without cells entering and leaving the blob
                         (the breathing signal) */
    int cells;        /* (tool) cells in the blob */
    /* (tool) the footprint around the peak: the connected cells at 25 % of the peak or more
     * within 10 cm of it, their load-weighted spread along their long axis (mm) and how far the
     * peak lies from their centroid along it (mm). A Hip Hook's base (12 cm) with its tip at
     * one end spreads 25 mm and more with the peak 25 mm and more off centre; a ball's contact
     * (3.5-6 cm, peak in the middle) does neither. */
    double foot_sd_mm, foot_offset_mm;
    /* (tool) SM_SEEN_BALL or SM_SEEN_HOOK (SM_SEEN_NONE without): the model that found it
     * (tool_kind); with evidence = 0, from foot_sd_mm and foot_offset_mm */
    sm_tool_seen_t tool_seen;
    double area_mm2;
    /* the body: loaded cells outside the tool blob */
    int body_r0, body_r1, body_c0, body_c1; /* outline: bounding rows/cols (inclusive) of the
                                               loaded cells with 2+ loaded neighbours; -1 none */
    double midline_col; /* load-weighted mean column of the body, cells; valid if body_r0>=0 */
    double midline_x_mm;
    double tool_offset_mm; /* (tool) tool x minus midline x: + = towards higher columns */
    sm_side_t side;        /* (tool) which side of the person the tool is on (posture) */
    sm_posture_t posture;  /* posture the side was read for (side-lying from the pattern) */
    double body_sigma_mm;  /* load-weighted spread of the body across, mm (0: not measured) */
    int stuck_cells, dead_cells, spikes; /* faults replaced in this frame */
} sm_contact_frame_t;

typedef struct sm_contact sm_contact_t;

/* rows, cols 1..64; pitch_mm > 0; s NULL = defaults. SM_ERR_ARG / SM_ERR_NOMEM (*out NULL). */
sm_status sm_contact_create(int rows, int cols, double pitch_mm, const sm_contact_settings_t *s,
                            sm_contact_t **out);
void sm_contact_destroy(sm_contact_t *ct); /* NULL-safe */
/* Forget the tracks, the fault history and the floor (a new session). */
void sm_contact_reset(sm_contact_t *ct);
void sm_contact_set_posture(sm_contact_t *ct, sm_posture_t p);
/* The tool in use: a ball of ball_mm (clamped to 60..150; 0 = 100), the Hip Hook, or either
 * (SM_TOOL_AUTO: the footprint decides). Also turns on the evidence model (evidence = 1). */
void sm_contact_set_tool(sm_contact_t *ct, sm_tool_kind_t tool, double ball_mm);

/* Process one frame at session time t_s (non-decreasing). cells: rows*cols values (counts or
 * kPa); non-finite values are read as 0. out is set on every call. */
void sm_contact_update(sm_contact_t *ct, const float *cells, double t_s, sm_contact_frame_t *out);
/* The same for raw counts (converted into an internal buffer). */
/* The same on calibrated values, with the sensor's raw counts of the frame (rows*cols, read
 * only during the call): a cell is static (stuck) when its counts do not change, whatever a
 * creep correction does to its value. */
void sm_contact_update_sensor(sm_contact_t *ct, const float *values, const uint16_t *counts,
                              double t_s, sm_contact_frame_t *out);
void sm_contact_update_u16(sm_contact_t *ct, const uint16_t *cells, double t_s,
                           sm_contact_frame_t *out);

/* Per-cell labels of the last frame for drawing the outline: 0 unloaded, 1 body, 2 tool,
 * 3 replaced fault. rows*cols, owned by ct, valid until the next update. */
#define SM_CONTACT_NONE  0
#define SM_CONTACT_BODY  1
#define SM_CONTACT_TOOL  2
#define SM_CONTACT_FAULT 3
const uint8_t *sm_contact_labels(const sm_contact_t *ct);

const char *sm_side_name(sm_side_t s); /* "right", "left", "unknown" */
/* "ball", "hip-hook", or NULL for SM_SEEN_NONE (the JSON spelling). */
const char *sm_tool_seen_name(sm_tool_seen_t t);
/* A short reason for the view: "no contact carries a tool's share of the load"... ("" for
 * SM_NOTOOL_NONE). Static strings. */
const char *sm_notool_text(sm_notool_t r);
/* How the side was read, for the view: "tool right of the spine" (flat),
 * "lying on the right side" (side-lying), "" when unknown. Static strings. */
const char *sm_side_basis(sm_posture_t posture, sm_side_t side);
/* The expected contact radius of the configured tool (ball) or its tip (hook), mm. */
double sm_contact_tool_radius_mm(const sm_contact_settings_t *s);

#endif
