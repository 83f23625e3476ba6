/*
 * When each cue sound plays, so that no two ever overlap: the one rule for cues raised close
 * together (the coach's, placement's, the sound tour's). Pure: cue kinds, session times and
 * durations in (seconds), decisions out; no clock, no audio.
 *
 * The rule, for a cue due at t while another is playing or waiting to play (busy):
 *   1. merged: a STEADY tick, or a cue of the same family as the last one placed (the buzz of
 *      WIGGLE_START / WIGGLE; the same kind otherwise), is dropped - what plays already says it.
 *   2. interrupts: a cue of higher priority than everything busy cuts it at t (a short fade) and
 *      plays at once; whatever was waiting is dropped. Priorities: the tick 0 < every other cue
 *      1 < the release bell (THRESHOLD) 2 < NOGO and MAT_LOST 3, so an alarm never waits behind
 *      a 2 s bell, the bell never waits behind a cue's spoken phrase ("breathe slowly"), and
 *      the tick never delays anything.
 *   3. waits: anything else starts gap_s after the busy sounds end - unless that is more than
 *      max_wait_s late, when it is dropped (a stale cue would mislead).
 * A cue due when nothing is busy plays at t (the buzz pulses, each due as the last one ends,
 * follow each other without a gap).
 *
 * Thread context: one scheduler per thread; no allocation.
 */
#ifndef SM_CUESCHED_H
#define SM_CUESCHED_H

#include "sm_coach.h"

#define SM_CUESCHED_GAP_S      0.08 /* silence before a cue that waited */
#define SM_CUESCHED_FADE_S     0.02 /* fade-out of a cue cut by a more urgent one */
#define SM_CUESCHED_MAX_WAIT_S 3.0  /* a cue later than this is dropped */
#define SM_CUESCHED_SLOTS      16   /* busy slots remembered (more are never busy at once) */

typedef struct {
    sm_cue_kind_t kind;
    double start_s, end_s;
} sm_cueslot_t;

typedef struct {
    sm_cueslot_t busy[SM_CUESCHED_SLOTS]; /* placed and not yet over, in time order */
    int n;
    int have_last;
    sm_cue_kind_t last; /* the kind placed last (the end of the queue) */
} sm_cuesched_t;

typedef enum {
    SM_CUESCHED_PLAY = 0,   /* plays at start_s = t: nothing is busy */
    SM_CUESCHED_WAIT = 1,   /* plays at start_s, after what is busy */
    SM_CUESCHED_CUT = 2,    /* cut everything from cut_s (fade SM_CUESCHED_FADE_S), then play */
    SM_CUESCHED_MERGED = 3, /* dropped: merged into what plays */
    SM_CUESCHED_STALE = 4   /* dropped: it would have waited longer than max_wait_s */
} sm_cuesched_action_t;

typedef struct {
    sm_cuesched_action_t action;
    double start_s; /* PLAY, WAIT, CUT: when the cue starts */
    double cut_s;   /* CUT: where the busy sounds are cut */
} sm_cuesched_decision_t;

void sm_cuesched_init(sm_cuesched_t *s);
/* Place a cue due at due_s (non-decreasing between calls, else treated as due at the last time)
 * lasting dur_s. The decision says whether and when it plays; the state keeps it as busy. */
sm_cuesched_decision_t sm_cuesched_place(sm_cuesched_t *s, sm_cue_kind_t kind, double due_s,
                                         double dur_s);
/* Priority of a kind in rule 2 (0 tick, 1 cue, 2 alarm). */
int sm_cuesched_priority(sm_cue_kind_t kind);

#endif
