/*
 * Tool contact detection: per frame, find the massage ball's or the Hip Hook tip's concentrated
 * contact among the body's broad contacts (pelvis, chest, thighs, forearms), and describe the
 * body around it (outline, midline, which side of the body the tool is on). Pure: cells and a
 * session time in, numbers out; no I/O, no clock.
 *
 * Units: cell values are whatever the caller has (raw ADC counts or kPa), one float per cell,
 * row-major, row 0 = head end, col 0 = the person's right when prone. Every threshold is
 * relative to the data: a noise floor estimated from the frame itself (the unloaded majority of
 * the cells) unless given, and the tool is the concentrated blob whose peak stands far above
 * the typical loaded cell. Positions are in cells (cell r spans [r, r+1), so the middle of
 * cell r is r + 0.5, as sm_metrics) and in mm from the mat's edge (x across = columns, y along
 * = rows).
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
    SM_POSTURE_PRONE = 0,  /* face down: the right side is at low columns */
    SM_POSTURE_SUPINE = 1, /* on the back: the right side is at high columns */
    SM_POSTURE_SIDE = 2    /* side-lying: the tool lies in front of the body line; the front
                              faces high columns when lying on the right side */
} sm_posture_t;

typedef enum { SM_SIDE_UNKNOWN = 0, SM_SIDE_RIGHT = 1, SM_SIDE_LEFT = 2 } sm_side_t;

typedef struct {
    sm_posture_t posture;
    double noise_floor;      /* a cell is loaded above this (input units); 0 = estimate (default) */
    double noise_k;          /* estimated floor = median + noise_k * (median - 5th percentile) +
                                floor_peak_frac * frame peak; default 4 */
    double floor_peak_frac;  /* default 0.01 */
    double floor_tau_s;      /* smoothing of the estimated floor, s; default 2 */
    double tool_peak_ratio;  /* the tool's peak is >= this times the median loaded cell outside
                                its blob (when there are 4 or more); 4 */
    double tool_floor_ratio; /* ... and >= this times the noise floor; 6 */
    double tool_frac;        /* tool blob: connected cells >= tool_frac * its peak; 0.15 */
    double spike_ratio;      /* a cell above spike_ratio times all 8 neighbours is a spike; 20 */
    double lone_ratio;       /* a one-cell blob above this times its largest neighbour is a
                                fault, not a tool; 12 */
    double stuck_s;          /* unchanged this long (and isolated) = stuck, s; 0.25 (a loaded
                                cell with any noise changes every frame) */
    double track_gate_mm;    /* the tool stays the same track within this jump, mm; 60 */
    double track_keep_ratio; /* keep the tracked blob while its peak >= this * global peak; 0.5 */
    double lost_s;           /* absent this long ends a track, s; 0.5 */
    double tip_radius_mm;    /* tip: centroid of the cells within this of the peak cell; 20 */
    double near_mm;          /* near_load: half-width of the square around the peak cell; 50 */
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
    int present;
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
    double area_mm2;
    /* the body: loaded cells outside the tool blob */
    int body_r0, body_r1, body_c0, body_c1; /* outline: bounding rows/cols (inclusive) of the
                                               loaded cells with 2+ loaded neighbours; -1 none */
    double midline_col; /* load-weighted mean column of the body, cells; valid if body_r0>=0 */
    double midline_x_mm;
    double tool_offset_mm; /* (tool) tool x minus midline x: + = towards higher columns */
    sm_side_t side;        /* (tool) which side of the person the tool is on (posture) */
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

/* Process one frame at session time t_s (non-decreasing). cells: rows*cols values (counts or
 * kPa); non-finite values are read as 0. out is set on every call. */
void sm_contact_update(sm_contact_t *ct, const float *cells, double t_s, sm_contact_frame_t *out);
/* The same for raw counts (converted into an internal buffer). */
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

#endif
