/*
 * The hold-steady coach: from the tool contact of every frame (sm_contact) to what the person
 * on the floor hears and sees, and to the session's record of holds and episodes. Pure: frames
 * and session times in (seconds, non-decreasing), cues/view/records out; no I/O, no clock.
 *
 * Signals (all time constants in seconds, so any frame rate works):
 *   - position: the tool contact's load centroid, mm, after a running median over median_s
 *     (an outlier lasting glitch_s or less - a stray sample, a mis-detected frame - never gets
 *     through, so it never makes an event or a sound); whole-body CoP, mm;
 *   - movement, judged against this person's own breathing (the personal baseline):
 *       fast: the position band-passed to wiggle_lo_hz..wiggle_hi_hz (4th-order high-pass),
 *         its RMS over wiggle_tau_s; breathing (0.1-0.4 Hz) is far below the band;
 *       slow: the velocity of the position low-passed at vel_lp_hz, its mean square over
 *         vel_tau_s, split along and across the learned breathing direction. During the first
 *         learn_s of quiet contact on each spot (a new spot or lying down again changes how
 *         breathing moves the tool) the coach learns how fast this person's breathing moves the
 *         tool along its direction and across it (and the fast band's noise), then keeps
 *         adapting slowly (adapt_tau_s) while the person is still. Movement counts when it
 *         departs from that pattern: along_k times the breathing's speed plus vel_margin_mm_s
 *         along it (larger or faster: rocking, rubbing), across_k times plus the margin across
 *         it; before the baseline is learned, vel_default_mm_s (deep breathing, 8 mm at
 *         0.4 Hz, stays below it);
 *       excursion: the position (low-passed at exc_lp_hz) against its own average over
 *         exc_tau_s, along and across the breathing, against exc_k_along / exc_k_across times
 *         the learned breathing's excursion RMS plus exc_margin_mm (exc_default_mm before it is
 *         learned): slow movement the velocity hardly shows - rocking across the breathing at
 *         its own pace, a slow rub - once it has lasted exc_sustain_s;
 *     an episode starts when any of them (averaged over wiggle_tau_s / vel_tau_s) crosses its
 *     threshold and ends when the distance moved along and across over the last fast_window_s
 *     (as a speed) is below off_ratio of it for quiet_s, unless the tool is still out on an
 *     excursion that began or moved within exc_hold_s (the turn of a slow rock); where it then
 *     rests is the new average. The baseline only learns from movement below off_ratio of the
 *     levels once learned (a rock just under them must not become "breathing");
 *   - steadiness windows (sway_window_s, O(1) running sums): mean velocity, RMS distance, path
 *     length, 95 % ellipse area of the tool contact and of the whole-body CoP;
 *   - load stability: the tool's load (low-passed) relative to the hold's reference, with the
 *     expected creep under constant load divided out (creep model hook or creep_per_decade);
 *   - breathing rate: autocorrelation (0.1 s bins, last breath_window_s, strongest period in
 *     1/breath_hi_hz .. 1/breath_lo_hz) of the tool's movement (along and across together) and
 *     of its relative load; the more confident of the two is given (a CoP-only trace gets a
 *     rate from movement alone), both averaged when they agree.
 *
 * Spot: the position where the hold settled; it follows the contact no faster than
 *   sink_mm_min (sinking into the ball), so a move of relocate_mm or more away from it for
 *   classify_s is a relocation at any speed (a slow slide too).
 * Gaps: a frame marked as following a link gap (sm_coach_gap), a jump in time of more than
 *   gap_s and gap_frames typical frame intervals, or sm_coach_link_lost pause the coach: no steady
 * time, the MAT_LOST cue, "mat lost" on the panel; when frames come back the filters start again
 * and nothing counts as movement for gap_settle_s (the reconnect transient); the tool back on the
 * same spot continues the same hold.
 *
 * State machine (per protocol; every number is a setting):
 *   SEARCH --tool present found_s--> SETTLE --quiet settle_s--> HOLD (cue FOUND)
 *   HOLD: steady time accumulates while quiet, loaded and out of no-go zones
 *         (SM_COACH_IN_NOGO); a movement episode pauses it (cue
 *         WIGGLE_START, WIGGLE pulses with intensity, WIGGLE_STOP); when it ends it is
 *         classified: back near the spot = wiggle event; more than relocate_mm away and
 *         staying = relocation event (the hold ends, a new one starts settling); hip-hook in
 *         the psoas phase with a shift of pivot_mm or more along the base towards the body =
 *         phase change (handle press; or SM_COACH_IN_PIVOT). Cues: STEADY every
 *         steady_tick_s of steady time, CHECKIN at checkin_s, THRESHOLD at the target.
 *   tool gone for liftoff_s --> lift-off event, the hold ends, SEARCH.
 *   realignment: no tool; push/relax repetitions counted from the whole-frame load, with a
 *         metronome (cues PUSH / RELAX).
 *
 * Thread context: one coach per thread. Memory: allocated at create, nothing per update.
 */
#ifndef SM_COACH_H
#define SM_COACH_H

#include <stddef.h>

#include "sm_contact.h"
#include "sm_status.h"

typedef enum {
    SM_PROTO_BALL_RELEASE = 0, /* prone, ball inside the front of the pelvis */
    SM_PROTO_HIP_HOOK = 1,     /* side-lying: psoas on the tip, then iliacus (handle press) */
    SM_PROTO_BACK_OF_HIP = 2,  /* supine, ball beside the tailbone, several spots */
    SM_PROTO_REALIGN = 3       /* supine, push 2 s / relax 2 s, ~10 repetitions */
} sm_protocol_t;

/* Expected relative drift of a reading under constant load after loaded_s seconds (0.05 =
 * reads 5 % high). From calibration; NULL in the settings = creep_per_decade's log model. */
typedef double (*sm_creep_fn)(void *ctx, double loaded_s);

typedef struct {
    sm_protocol_t protocol;
    double release_s;        /* steady seconds on one spot for the release threshold; 60 */
    double hook_phase_s;     /* hip-hook: target steady seconds per phase; 30 (30-90) */
    double hook_phase_max_s; /* hip-hook: suggest the next step after this; 90 */
    int spots_target;        /* back-of-hip: spots to do; 3 */
    double found_s;          /* tool present this long = found; 0.5 */
    double settle_s;         /* quiet this long after found = hold starts; 2 */
    double liftoff_s;        /* tool gone this long = lift-off, the hold ends; 1.0 */
    double checkin_s;        /* "is it easing?" after this much steady time; 30 */
    double steady_tick_s;    /* calm tick every this much steady time; 5 */
    double wiggle_pulse_s;   /* WIGGLE cue repeat while moving; 0.25 */
    /* movement */
    double median_s;                   /* glitch filter: running median over this; 0.12 */
    double glitch_s;                   /* longest outlier it must reject (<= median_s/2); 0.03 */
    double wiggle_lo_hz, wiggle_hi_hz; /* fast band; 0.8, 4 */
    double wiggle_tau_s;               /* fast band RMS averaging; 0.25 */
    double wiggle_on_mm;               /* fast band RMS that always counts (floor); 0.6 */
    double hf_k;                       /* ... or this times the learned still-time RMS; 3.5 */
    double hf_default_mm;              /* ... before it is learned, and never more than this; 2.0 */
    double vel_lp_hz;                  /* position low-pass before the velocity; 1.0 */
    double vel_tau_s;                  /* velocity mean-square averaging; 0.3 */
    double fast_window_s;              /* the end: the distance moved over this, as a speed; 0.3 */
    double learn_s;     /* quiet contact needed to learn the baseline (at each new spot); 15 */
    double adapt_tau_s; /* then it follows slowly while still; 20 */
    double along_k, across_k; /* departure from the breathing's speed; 2.5, 4.0 */
    double vel_margin_mm_s;   /* added to both; 1.5 */
    double vel_default_mm_s;  /* velocity RMS threshold before learning; 16 */
    double off_ratio;         /* an episode ends below this part of the on level; 0.7 */
    double slide_tau_s;       /* slow position filter; 0.5 */
    double quiet_s;           /* below the thresholds this long = the episode ended; 0.2 */
    double classify_s;        /* then wait this long before calling it wiggle/relocation; 1.0 */
    double relocate_mm;       /* a new spot: the contact moved this far from the spot; 25 */
    double sink_mm_min;       /* the spot follows the contact at most this fast (sinking); 10 */
    double pivot_mm;          /* hip-hook handle press: centroid shift along the base; 8 */
    double wiggle_full_mm;    /* movement giving wiggle intensity 1; 10 */
    /* excursion: how far the position departs from where it has lately been (slow movement
     * that the velocity hardly shows: rocking across the breathing, a slow rub) */
    double exc_lp_hz;      /* the position low-passed at this (sensor noise); 2.5 */
    double exc_tau_s;      /* "lately": the position averaged over this; 2 */
    double exc_k_along;    /* on level: this times the breathing's own excursion RMS; 2.6 */
    double exc_k_across;   /* ... across the breathing; 3.0 */
    double exc_margin_mm;  /* plus this (sensor noise, heartbeat); 0.35 */
    double exc_default_mm; /* before the baseline is learned (deep breathing stays below); 6 */
    double exc_hold_s;     /* an excursion keeps an episode open this long without speed; 0.6 */
    double exc_sustain_s;  /* an excursion counts once it has lasted this long; 0.06 */
    /* link gaps */
    double gap_s;        /* frames this far apart, and more than gap_frames typical frame intervals,
                            = the link was lost; 0.5 (0 = only flagged gaps: sm_coach_gap) */
    double gap_frames;   /* 5: a mat sending 1 frame/s is not a lost mat */
    double gap_settle_s; /* after a gap, nothing counts as movement for this long; 1.0 */
    /* load */
    double ref_s;            /* reference load: the first ref_s of the hold; 3 */
    double load_tau_s;       /* load smoothing for stability; 1 */
    double load_drop;        /* relative drop that pauses the count ("eased off"); 0.3 */
    double creep_per_decade; /* default creep model: 1 + c*log10(1 + t/1 s); 0.05 */
    sm_creep_fn creep;       /* optional, overrides creep_per_decade */
    void *creep_ctx;
    /* breathing */
    double breath_lo_hz, breath_hi_hz; /* 0.1, 0.4 */
    double breath_window_s;            /* 30 */
    double breath_min_s;               /* data needed before a rate is given; 15 */
    double breath_min_corr;            /* autocorrelation peak needed; 0.3 */
    /* steadiness windows */
    double sway_window_s; /* 5 */
    double max_rate_hz;   /* highest frame rate the windows are sized for; 200 */
    /* realignment */
    double push_s, relax_s; /* metronome; 2, 2 */
    int reps_target;        /* 10 */
    double rep_min_rel;     /* smallest load swing that counts, relative to the mean; 0.02 */
    /* records */
    size_t max_holds, max_events; /* capacity; 128, 512 */
} sm_coach_settings_t;

void sm_coach_settings_default(sm_coach_settings_t *s, sm_protocol_t protocol);
/* The posture each protocol implies (prone, side, supine, supine), for sm_contact. */
sm_posture_t sm_coach_posture(sm_protocol_t protocol);

typedef enum {
    SM_CUE_FOUND = 0,        /* tool found, hold started */
    SM_CUE_STEADY = 1,       /* periodic calm tick while steady */
    SM_CUE_WIGGLE_START = 2, /* movement began (intensity) */
    SM_CUE_WIGGLE = 3,       /* movement continues (intensity follows the amount) */
    SM_CUE_WIGGLE_STOP = 4,  /* settled again */
    SM_CUE_CHECKIN = 5,      /* "is it easing?" */
    SM_CUE_THRESHOLD = 6,    /* release threshold met */
    SM_CUE_PHASE = 7,        /* phase change (hook: iliacus); a new spot gets FOUND again */
    SM_CUE_PUSH = 8,         /* realignment metronome: push */
    SM_CUE_RELAX = 9,        /* realignment metronome: relax */
    SM_CUE_LIFTOFF = 10,     /* the tool came off: hold ended */
    /* Placement guidance (sm_template, sm_zone); the coach itself never raises these. */
    SM_CUE_CLOSER = 11,    /* the tool moved closer to the template (intensity: nearness) */
    SM_CUE_ON_TARGET = 12, /* the tool reached the template placement */
    SM_CUE_NOGO = 13,      /* the tool touched a no-go zone (hip fold): move off at once */
    SM_CUE_MAT_LOST = 14,  /* the mat stopped sending (cable, power): coaching paused */
    SM_CUE_KINDS = 15
} sm_cue_kind_t;

typedef struct {
    sm_cue_kind_t kind;
    double t_s;      /* session time the cue belongs to */
    float intensity; /* 0..1 (wiggle: amount of movement; others 1) */
} sm_coach_cue_t;

typedef enum {
    SM_EV_WIGGLE = 0,
    SM_EV_RELOCATION = 1,
    SM_EV_PHASE_CHANGE = 2,
    SM_EV_LIFTOFF = 3,
    SM_EV_REP = 4 /* realignment repetition (push start .. end) */
} sm_coach_event_kind_t;

typedef struct {
    sm_coach_event_kind_t kind;
    double start_s, end_s;
    double size; /* wiggle: its amplitude (half the largest extent of the tool's movement, or
                    the fast band's peak RMS if larger), mm; relocation/phase: displacement, mm;
                    else 0 */
} sm_coach_event_t;

typedef struct {
    sm_side_t side;
    int phase;       /* hip-hook: 0 psoas, 1 iliacus; else 0 */
    int spot;        /* 0, 1, ... within the session */
    double found_s;  /* tool found */
    double start_s;  /* hold started (settled) */
    double end_s;    /* ended (lift-off, relocation, phase change, session end) */
    double steady_s; /* accumulated steady time */
    int release_met;
    double release_s; /* session time the threshold was met (0 if not) */
    int wiggles;
    double time_to_settle_s;
    int soreness;      /* 0..10, -1 = not rated */
    double x_mm, y_mm; /* the spot */
} sm_coach_hold_t;

/* Steadiness over the last sway_window_s (mean removed). */
typedef struct {
    size_t n;
    double duration_s;
    double mean_velocity_mm_s, rms_distance_mm, path_length_mm, ellipse95_area_mm2;
} sm_coach_sway_t;

typedef enum {
    SM_STATE_SEARCH = 0,
    SM_STATE_SETTLE = 1,
    SM_STATE_HOLD = 2,
    SM_STATE_REALIGN = 3
} sm_coach_state_t;

#define SM_COACH_MAX_CUES 8
typedef struct {
    /* cues produced by this update, in time order */
    sm_coach_cue_t cues[SM_COACH_MAX_CUES];
    int n_cues;
    /* for the view */
    sm_coach_state_t state;
    const char *phase_name;    /* "Find the spot", "Settle", "Hold", "Psoas", "Iliacus", ... */
    const char *instruction;   /* one short line, e.g. "Hold still - breathe slowly" */
    double steady_s, target_s; /* hold timer */
    double meter; /* steadiness 0..1 (1 = perfectly still); >= 0.7 whenever steady time is
                     being counted, below it only while movement or a load drop pauses it;
                     held while mat_lost (the view reads PAUSED) */
    int moving;   /* inside a movement episode (the coach is counting movement) */
    int mat_lost; /* the link is down: coaching paused */
    double wiggle_intensity; /* 0..1 */
    int release_met;
    double load_rel;      /* tool load vs the hold's reference, creep removed (0 = same) */
    double breath_bpm;    /* 0 = no estimate yet */
    double breath_conf;   /* autocorrelation peak 0..1 of the source used */
    double wiggle_rms_mm; /* fast-band RMS of the tool position */
    int baseline_learned; /* the personal breathing baseline is known */
    sm_side_t side;
    int hold_index;        /* index into the holds list, -1 none */
    int spots_done;        /* holds that met their threshold */
    int reps, reps_target; /* realignment */
    sm_coach_sway_t tool_sway, body_sway;
} sm_coach_out_t;

/* Inputs from the app (keys). */
typedef enum {
    SM_COACH_IN_PIVOT = 0,    /* hip-hook: the handle press started (key) */
    SM_COACH_IN_SORENESS = 1, /* value 0..10 for the current (or last) hold */
    SM_COACH_IN_RESET = 2,    /* start the protocol over (records kept) */
    /* value 1: the tool is in a no-go zone (the hip fold; the app tracks the zones): the hold
     * pauses, no steady time, until the same input with value 0 says it left. 0 or 1. */
    SM_COACH_IN_NOGO = 3
} sm_coach_input_t;

typedef struct sm_coach sm_coach_t;

/* s NULL = defaults for ball-release. SM_ERR_ARG (bad numbers), SM_ERR_NOMEM; *out NULL then. */
sm_status sm_coach_create(const sm_coach_settings_t *s, sm_coach_t **out);
void sm_coach_destroy(sm_coach_t *co); /* NULL-safe */

/* One frame: its contact result (sm_contact_update) at f->t_s. out set on every call. */
void sm_coach_update(sm_coach_t *co, const sm_contact_frame_t *f, sm_coach_out_t *out);
/* A key from the app at session time t_s. SM_ERR_ARG for an out-of-range value. Cues it
 * raises (the pivot's PHASE) come out with the next update. */
sm_status sm_coach_input(sm_coach_t *co, double t_s, sm_coach_input_t in, int value);
/* The next frame follows a gap in the data (the link was lost and came back): the coach
 * pauses over it (no steady time) and ignores the reconnect transient. */
void sm_coach_gap(sm_coach_t *co);
/* The link is down now (session time t_s): the MAT_LOST cue once, the panel says so; out is
 * set as by an update (the cue in it). Frames coming back resume as after sm_coach_gap. */
void sm_coach_link_lost(sm_coach_t *co, double t_s, sm_coach_out_t *out);
/* End of the session at t_s: closes the open hold and episodes. Records stay readable. */
void sm_coach_finish(sm_coach_t *co, double t_s);

/* Records, owned by the coach, valid until the next update/finish/destroy. */
const sm_coach_hold_t *sm_coach_holds(const sm_coach_t *co, size_t *n);
const sm_coach_event_t *sm_coach_events(const sm_coach_t *co, size_t *n);
size_t sm_coach_dropped(const sm_coach_t *co); /* records lost to full capacity */

/* Per side summary ("check both sides"). */
typedef struct {
    int holds, released;
    double steady_s;
    int wiggles;
} sm_coach_side_summary_t;
void sm_coach_side_summary(const sm_coach_t *co, sm_side_t side, sm_coach_side_summary_t *out);
/* Breathing rate over the session so far (mean of the estimates), bpm; 0 = none. */
double sm_coach_breath_bpm(const sm_coach_t *co);

const char *sm_coach_event_kind_name(sm_coach_event_kind_t k); /* "wiggle", "relocation", ... */
const char *sm_cue_kind_name(sm_cue_kind_t k);                 /* "found", "steady", ... */
const char *sm_protocol_name(sm_protocol_t p);                 /* "ball-release", "hip-hook", ... */

#endif
