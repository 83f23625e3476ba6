/*
 * Placement templates: a clinician's correct tool placement, captured from a live frame, shown
 * to a patient as a ghost outline with the way to move the tool ("move the ball 1.5 cm
 * toward your feet") and guided by sound (CLOSER, ON_TARGET). Templates also carry the no-go zones
 * (sm_zone.h) drawn for the same person. Pure: frames in, positions, words and cues out; no
 * I/O, no clock.
 *
 * Coordinates (mm): x across the mat (towards higher columns; col 0 = the person's right when
 * prone), y along it (towards the feet; row 0 = head end), from the mat's corner. A cell (r, c)
 * covers [c*p, (c+1)*p) x [r*p, (r+1)*p).
 *
 * The body reference (where "relative to the body" is measured from)
 * ------------------------------------------------------------------
 * The obvious references are not robust on a mat that covers only part of a person: the body
 * outline is cut by the mat's edges (a patient 10 cm higher loses the top rows, so the outline's
 * head-end edge stays at row 0), and the body's load centroid moves with whatever slides on or
 * off the mat (forearms, thighs): in the simulator a patient lying 10 cm higher moved the body
 * centroid relative to the pelvis by 3-7 cm. So the reference is found by registration:
 *   - a template stores the body's load profiles across and along the mat (the loaded body
 *     cells, tool and faults excluded, summed per column and per row, each weighted by the
 *     square root of its load above the floor: compressive, so where the body touches counts
 *     more than how hard the chest presses, and nearly the same in counts or kPa; every cell
 *     weighs 1 when the view has no values), positioned relative to a reference
 *     point: x = the body midline (load-weighted mean column, sm_contact), y = the body's own
 *     load centroid along the mat (tool excluded);
 *   - on every live frame the same profiles are measured and the template's profiles are slid
 *     across and along them (within search_mm of the live frame's own midline / centroid,
 *     1 mm steps, parabolic refinement) to the best normalised correlation over the stretch
 *     both mats saw. The slide is where the template's reference point lies on the live mat:
 *     the live body frame, smoothed over ref_tau_s. Parts that left the mat simply drop out of
 *     the comparison instead of dragging the reference along.
 * In the simulator (25 mm cells), a patient lying 5-10 cm higher, lower or to one side keeps
 * the body-relative offset within about 5 mm on average (worst case seen 9 mm), where the
 * centroid and outline references moved by 3-10 cm (test_core_template). The person is assumed
 * to lie along the mat (rotation is not registered: a body turned by a small angle a shifts a
 * point d mm from the reference by about a * d). When the live frame has no body, the template has
 * none, or the correlation is below min_match on either axis, positions fall back: to the live
 * midline/centroid when a body is there, else to the mat (template positions taken as mat
 * millimetres).
 *
 * Words (describe_move = 1, the default): an instruction in the person's own frame, the way
 * to move the tool (named from the contact's tool_kind: "ball" or "Hip Hook") to reach the
 * target: "move the ball 4.7 cm toward your feet, 1.2 cm to your left". Along the body
 * "toward your head" / "toward your feet"; across it "to your right" / "to your left"
 * (face down column 0 is the person's right, on the back the left: the same sides as the live
 * map's "your right" / "your left"), side-lying "toward your front" / "toward your back" (from
 * the template's side: lying on the right side the front faces high columns), a side-lying
 * template without a side "toward the mat's left/right". describe_move = 0 says where the tool
 * lies relative to the target instead: "toward the head" / "toward the feet", across "outward"
 * (away from the midline, on the target's side) / "inward" (towards it); a target within
 * midline_band_mm of the midline has no outward, so "to the person's right/left" (prone,
 * supine) or "toward the mat's left/right" (col 0 / last col, side-lying or no body). "on
 * target" within on_target_mm; components under word_min_mm are left out.
 *
 * Per frame (the lead's live view; t a loaded template, v the frame, see sm_mat_view_t):
 *     sm_template_locate(t, &v, &s, &loc, &loc);    registration: the live body frame
 *     sm_template_compare(t, v.f, &loc, &s, &m);     offset, distance, words, ghost position
 *     sm_template_tracker_update(&tr, &m, v.f->t_s, &g);   CLOSER / ON_TARGET cues
 *     sm_zone_tracker_update(zt, t->zones, t->nzones, &loc.frame, &v, &z);   NOGO
 *
 * Thread context: everything is reentrant; a tracker belongs to one thread. Nothing allocates.
 */
#ifndef SM_TEMPLATE_H
#define SM_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_coach.h"
#include "sm_contact.h"
#include "sm_frame.h"
#include "sm_status.h"
#include "sm_zone.h"

#define SM_TEMPLATE_NAME_MAX  64  /* bytes including the NUL */
#define SM_TEMPLATE_MAX_CELLS 256 /* footprint cells kept */

/* A body's load profiles on one mat (see above). Sample i of px lies at x0_mm + i * pitch_mm
 * relative to the reference point (likewise py, y0_mm); the reference point itself was at
 * (ref_x_mm, ref_y_mm) on the mat it was measured on. */
typedef struct {
    int present;
    double pitch_mm;
    int nx, ny;
    double x0_mm, y0_mm;
    double ref_x_mm, ref_y_mm;
    float px[SM_MAX_COLS], py[SM_MAX_ROWS];
} sm_template_body_t;

typedef struct {
    char name[SM_TEMPLATE_NAME_MAX]; /* UTF-8, no control characters, not empty */
    sm_protocol_t protocol;
    sm_posture_t posture;
    sm_side_t side; /* which side of the person the tool is on */
    int mirrored;   /* made by sm_template_mirror (an odd number of times) */
    /* the mat it was made on */
    int rows, cols;
    double pitch_mm;
    /* the placement (valid when has_tool; a zone-only template has none) */
    int has_tool;
    double tool_x_mm, tool_y_mm; /* tool load centroid on the template's mat */
    double rel_x_mm, rel_y_mm;   /* the same relative to the body reference (body.present) */
    double tip_dx_mm, tip_dy_mm; /* tip (centroid around the peak) minus centroid */
    double area_mm2;             /* contact area */
    /* footprint: the ellipse with the blob's second moments (semi-axes a >= b, axis a at
     * angle_rad from +x towards +y), and the blob's cell centres minus the centroid */
    double fp_a_mm, fp_b_mm, fp_angle_rad;
    int ncells;
    float cell_dx_mm[SM_TEMPLATE_MAX_CELLS], cell_dy_mm[SM_TEMPLATE_MAX_CELLS];
    sm_template_body_t body;
    /* no-go zones, in the body frame when body.present, else the mat frame */
    int nzones;
    sm_zone_t zones[SM_ZONE_MAX];
} sm_template_t;

typedef struct {
    double search_mm;         /* registration slides this far from the coarse reference; 150 */
    double min_match;         /* correlation (0..1) below which registration is not trusted;
                                 0.6 */
    double on_target_mm;      /* "on target" within this; 10 */
    double off_target_mm;     /* ... and off again beyond this (hysteresis); 15 */
    double closer_step_mm;    /* CLOSER when the distance shrank by this since the last; 5 */
    double closer_interval_s; /* at most one CLOSER this often; 0.5 */
    double closer_range_mm;   /* CLOSER intensity 1 - distance / this (pitch rises); 150 */
    double word_min_mm;       /* components smaller than this are not worded; 3 */
    double midline_band_mm;   /* no outward/inward for targets this close to the midline; 15 */
    int describe_move;        /* 1: which way to move it, in the person's frame (default);
                                 0: where the tool is */
    double ref_tau_s;         /* smoothing of the registered body frame over frames, s; 1.0
                                 (0 = none) */
    double ref_jump_mm;       /* a registration this far from the last one is taken at once
                                 (the person moved); 30 */
    double closer_tau_s;      /* the distance CLOSER follows is smoothed over this, s; 0.25 */
    double closer_forget_s;   /* a step must be made within about this long, s (body sway that
                                 creeps towards the spot is not a move); 2; 0 = forever */
    double settle_s;          /* no CLOSER in the first settle_s after the tool appears (the
                                 registration settles); 1.0 */
} sm_template_settings_t;

void sm_template_settings_default(sm_template_settings_t *s);
/* SM_ERR_ARG for negative / non-finite numbers, off_target < on_target, min_match > 1. */
sm_status sm_template_settings_check(const sm_template_settings_t *s);

/* Measure a frame's body profiles (sm_template_body_t). out->present is 0 without a body (no
 * outline, no labels or no loaded body cell). */
void sm_template_body_measure(const sm_mat_view_t *v, sm_template_body_t *out);

/* Capture the current placement. name is copied (cut at SM_TEMPLATE_NAME_MAX - 1 bytes on a
 * character boundary); control characters become spaces. Returns SM_OK; SM_EMPTY when no tool
 * is present (out is then a zone-only template: has_tool 0, the body captured); SM_ERR_ARG for
 * NULL pointers, an empty name, or a view whose geometry is not 1..64 x 1..64 at 0.1..1000 mm
 * (out zeroed). */
sm_status sm_template_capture(const sm_mat_view_t *v, const char *name, sm_protocol_t protocol,
                              sm_posture_t posture, sm_template_t *out);

/* The template for the other side: x mirrored about the body midline (body frame) or the mat's
 * centre line (mat frame), the side swapped, zones mirrored, mirrored toggled. in == out is
 * allowed. */
void sm_template_mirror(const sm_template_t *in, sm_template_t *out);

/* Where the template lies on the live mat this frame. */
typedef struct {
    double t_s;              /* the frame's session time */
    sm_zone_frame_t frame;   /* the body frame on the live mat (zones use it) */
    int body_relative;       /* positions follow the live body (else the mat) */
    int registered;          /* ... through the profile registration (else the coarse fallback) */
    double match_x, match_y; /* correlation at the registered slide, 0..1 (0 when not done) */
    int has_target;
    double target_x_mm, target_y_mm; /* where the tool should be on the live mat */
    double tip_x_mm, tip_y_mm;       /* and its tip */
} sm_template_loc_t;

/* Registration of the template on the live frame v (s NULL = defaults). prev: the previous
 * frame's result for the same template, smoothed over ref_tau_s (NULL = none: a single frame, a
 * new template, or after a seek in a replay). prev may equal out. out set on every call. */
void sm_template_locate(const sm_template_t *t, const sm_mat_view_t *v,
                        const sm_template_settings_t *s, const sm_template_loc_t *prev,
                        sm_template_loc_t *out);

/* Live tool versus the template's placement. */
typedef struct {
    int valid;           /* the template has a placement and the tool is present */
    double dx_mm, dy_mm; /* live centroid minus target, mat axes (y + = toward the feet) */
    double distance_mm;  /* hypot(dx, dy) */
    double outward_mm;   /* across component, + = away from the midline (0 if no side) */
    int on_target;       /* distance <= on_target_mm */
    char text[96];       /* "move the ball 1.5 cm toward your feet, 0.5 cm to your left",
                            "on target", or
                            "no tool on the mat" / "template has no placement" */
} sm_template_match_t;

void sm_template_compare(const sm_template_t *t, const sm_contact_frame_t *f,
                         const sm_template_loc_t *loc, const sm_template_settings_t *s,
                         sm_template_match_t *out);

/* The ghost outline: the footprint ellipse around the target on the live mat, n = cap points
 * (x, y pairs in mm) into xy[2 * cap]; 0 without a placement or cap < 8. */
size_t sm_template_outline(const sm_template_t *t, const sm_template_loc_t *loc, double *xy,
                           size_t cap);

/* Guidance cues. CLOSER when the distance (smoothed over closer_tau_s) has shrunk by
 * closer_step_mm since the last CLOSER (or since it last grew, or since the tool appeared; that
 * start point follows the distance over closer_forget_s, so slow sway never adds up to a step), at
 * most every closer_interval_s and not in the first settle_s; ON_TARGET once per entry within
 * on_target_mm (raw distance; no CLOSER while on target; leaving beyond off_target_mm re-arms
 * it). A frame without a valid match (tool lifted) re-arms both without a cue. */
typedef struct {
    sm_template_settings_t s;
    int armed;          /* a previous distance exists */
    int on_target;      /* inside since the last entry */
    double anchor;      /* distance the next CLOSER is measured from, mm */
    double last_s;      /* time of the last CLOSER */
    double since_s;     /* time the tool appeared (armed) */
    double ds, dt_prev; /* smoothed distance and its time */
} sm_template_tracker_t;

typedef struct {
    sm_coach_cue_t cues[2];
    int n_cues;
    int on_target;
} sm_template_guide_t;

/* s NULL = defaults. */
void sm_template_tracker_init(sm_template_tracker_t *tr, const sm_template_settings_t *s);
void sm_template_tracker_reset(sm_template_tracker_t *tr);
void sm_template_tracker_update(sm_template_tracker_t *tr, const sm_template_match_t *m, double t_s,
                                sm_template_guide_t *out);

/* Checks a template from outside (a file): name, enums, finite and plausible numbers
 * (|mm| <= 10 m, geometry 1..64 x 1..64 at 0.1..1000 mm, ncells/nzones in range, profile sizes
 * 1..64 with finite non-negative values), zones valid. SM_ERR_FORMAT with a one-line message. */
sm_status sm_template_validate(const sm_template_t *t, char *err, size_t errlen);

#endif
