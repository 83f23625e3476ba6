/*
 * No-go zones: areas the tool must stay out of (the fold where the hip meets the leg: blood
 * vessels and nerves), drawn by a clinician as a rectangle or an ellipse, and a tracker that
 * warns the moment a tool contact enters one and logs each visit as an event. Pure: frames,
 * labels and session times in, cues and events out; no I/O, no clock.
 *
 * Coordinates (mm): x across the mat (towards higher columns), y along it (towards the feet,
 * row 0 = head end). A zone is stored in one of two frames:
 *   - body frame (zone.body = 1): relative to the body reference point of sm_template.h (the
 *     person's body, registered on every frame), so the zone stays on the hip fold when the
 *     patient lies a little higher, lower or to one side;
 *   - mat frame (zone.body = 0): millimetres from the mat's corner (cell (0,0)'s outer corner),
 *     used when no body was on the mat.
 * sm_zone_frame_t says where the body frame's origin lies on the live mat for this frame
 * (sm_template_locate() fills it). A rectangle is the box [x0,x1] x [y0,y1]; an ellipse is the
 * one inscribed in that box (so a mouse drag from corner to corner gives either).
 *
 * What counts as "in the zone" (setting hit): any cell of the tool's blob that overlaps the
 * zone (default: a ball's edge or the hook's heel in the fold is already wrong; a loaded cell
 * may be loaded anywhere on its area, so a zone smaller than a cell is still caught), or only
 * the tool's load centroid, or only its tip (centroid around the peak cell).
 *
 * Events: a visit starts at the first frame with a hit (the NOGO cue is raised at that same
 * frame, and again every repeat_s while the tool stays in) and ends at the first frame without
 * one (tool moved out or lifted off). leave_s > 0 debounces: the visit only ends after leave_s
 * without a hit, and end_s is still the first frame without one.
 *
 * Thread context: a tracker belongs to one thread. Memory: allocated at create, nothing per
 * update.
 */
#ifndef SM_ZONE_H
#define SM_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_coach.h"
#include "sm_contact.h"
#include "sm_status.h"

#define SM_ZONE_MAX 16 /* zones per template */

typedef enum { SM_ZONE_RECT = 0, SM_ZONE_ELLIPSE = 1 } sm_zone_kind_t;

typedef struct {
    sm_zone_kind_t kind;
    int body;              /* 1: body frame, 0: mat frame (see above) */
    double x0, y0, x1, y1; /* bounding box, mm, x0 < x1, y0 < y1 */
} sm_zone_t;

/* Where the body frame lies on the live mat: mat mm = (ox_mm + u, oy_mm + v) for body-frame
 * (u, v). body = 0: no body reference this frame; body-frame zones are then placed as on the
 * mat they were drawn on (ox/oy are what sm_template_locate() falls back to). */
typedef struct {
    int body;            /* the body was found and registered this frame */
    double ox_mm, oy_mm; /* the body reference point on the live mat, mm */
} sm_zone_frame_t;

/* One frame as the placement code needs it: the contact result, its per-cell labels
 * (sm_contact_labels / sm_pipeline_labels), and the cell values the contact detector saw:
 * values (e.g. calibrated kPa) or counts (raw), or neither (then every body cell weighs 1).
 * All pointers are borrowed for the call. */
typedef struct {
    const sm_contact_frame_t *f;
    const uint8_t *labels;  /* rows*cols, SM_CONTACT_*; NULL = no cell detail */
    const float *values;    /* rows*cols or NULL */
    const uint16_t *counts; /* rows*cols or NULL (used when values is NULL) */
    int rows, cols;
    double pitch_mm;
} sm_mat_view_t;

/* Mouse drag to zone: two corners in live mat mm (any order) to a zone in the frame fr (body
 * frame when fr->body, else mat frame; fr NULL = mat frame). SM_ERR_ARG for NULL out, non-finite
 * numbers or a box smaller than 1 mm either way (*out zeroed). */
sm_status sm_zone_from_mat(sm_zone_kind_t kind, double xa, double ya, double xb, double yb,
                           const sm_zone_frame_t *fr, sm_zone_t *out);
/* The zone's box on the live mat, mm (for drawing): x0 < x1, y0 < y1. */
void sm_zone_to_mat(const sm_zone_t *z, const sm_zone_frame_t *fr, double *x0, double *y0,
                    double *x1, double *y1);
/* Is the live-mat point (x_mm, y_mm) inside the zone (edge included)? */
int sm_zone_contains(const sm_zone_t *z, const sm_zone_frame_t *fr, double x_mm, double y_mm);
/* Does the live-mat box [x0,x1] x [y0,y1] (a cell) touch the zone (edges included)? */
int sm_zone_overlaps(const sm_zone_t *z, const sm_zone_frame_t *fr, double x0, double y0, double x1,
                     double y1);
/* An outline polygon on the live mat for drawing: n points (4 for a rectangle, 4..n for an
 * ellipse) into xy[2*cap] as x, y pairs in mm; returns the count written. */
size_t sm_zone_outline(const sm_zone_t *z, const sm_zone_frame_t *fr, double *xy, size_t cap);
/* Mirror for the other side: x -> -x in the body frame (about the body midline), x -> mat_w - x
 * in the mat frame (mat_w: width of the mat the zone was drawn on, mm). */
void sm_zone_mirror(sm_zone_t *z, double mat_w_mm);
/* SM_OK when kind is known, the numbers finite, |coordinates| <= 10 m and the box at least 1 mm
 * each way; else SM_ERR_FORMAT. */
sm_status sm_zone_validate(const sm_zone_t *z);
const char *sm_zone_kind_name(sm_zone_kind_t k); /* "rect", "ellipse" */

typedef enum {
    SM_ZONE_HIT_ANY_CELL = 0, /* any tool cell overlapping the zone (default) */
    SM_ZONE_HIT_CENTROID = 1, /* the tool's load centroid inside */
    SM_ZONE_HIT_TIP = 2       /* the tool's tip (centroid around the peak) inside */
} sm_zone_hit_t;

typedef struct {
    sm_zone_hit_t hit; /* SM_ZONE_HIT_ANY_CELL */
    double repeat_s;   /* NOGO cue again every this while still inside; 1.0 (0 = once) */
    double leave_s;    /* outside this long ends a visit; 0 (the first frame outside) */
    size_t max_events; /* capacity of the log; 256 */
} sm_zone_settings_t;

void sm_zone_settings_default(sm_zone_settings_t *s);

typedef struct {
    int zone;       /* index into the zones array given to update */
    double start_s; /* first frame with a hit */
    double end_s;   /* first frame without one; -1 while the visit is still open */
} sm_zone_event_t;

#define SM_ZONE_MAX_CUES 4
typedef struct {
    sm_coach_cue_t cues[SM_ZONE_MAX_CUES]; /* raised by this frame (SM_CUE_NOGO) */
    int n_cues;
    uint32_t inside;  /* bit i: zone i is being touched (visit open) this frame */
    uint32_t entered; /* bit i: a visit of zone i started at this frame */
    int warning;      /* any visit open: show the big warning */
} sm_zone_out_t;

typedef struct sm_zone_tracker sm_zone_tracker_t;

/* s NULL = defaults. SM_ERR_ARG (negative times, max_events 0 or above 1e6, unknown hit),
 * SM_ERR_NOMEM; *out NULL then. */
sm_status sm_zone_tracker_create(const sm_zone_settings_t *s, sm_zone_tracker_t **out);
void sm_zone_tracker_destroy(sm_zone_tracker_t *zt); /* NULL-safe */
/* Forget open visits and the log (a new session or a new zone list). */
void sm_zone_tracker_reset(sm_zone_tracker_t *zt);
/* One frame at v->f->t_s (non-decreasing). zones[0..n) (n <= SM_ZONE_MAX; more are ignored)
 * placed by fr (NULL = mat frame). The zone list must keep its order between calls; after
 * changing it call reset (or the visits of removed zones end at the next update, as if left).
 * out is set on every call. */
void sm_zone_tracker_update(sm_zone_tracker_t *zt, const sm_zone_t *zones, size_t n,
                            const sm_zone_frame_t *fr, const sm_mat_view_t *v, sm_zone_out_t *out);
/* End of the session at t_s: open visits end there. */
void sm_zone_tracker_finish(sm_zone_tracker_t *zt, double t_s);
/* The visits so far (open ones with end_s -1), in start order; owned by the tracker, valid
 * until the next update/reset/finish. */
const sm_zone_event_t *sm_zone_tracker_events(const sm_zone_tracker_t *zt, size_t *n);
size_t sm_zone_tracker_dropped(const sm_zone_tracker_t *zt); /* visits lost to capacity */

#endif
