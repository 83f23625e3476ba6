/*
 * The guided calibration's step sequence and load detection (`steadymat calibrate --sim/--port`).
 * Pure: no I/O, no clock; frames carry their session time. The app feeds every frame here first,
 * acts on the event (begin / end the builder's step, report a timeout), then feeds the frame to
 * the builder (sm_calib.h), so the frame that shows the load changing is not part of the step.
 *
 * Detection, per frame: before the zero step a cell is loaded above 5 % of full scale; after it,
 * above its own zero offset by 4 x its noise + 3 counts (stuck cells ignored). "Empty" is at most
 * 2 % of the cells loaded before the zero step and at most 2 cells after it; "loaded" is at least
 * 3 cells. A step waits until its load has been steady for 1 s (empty: empty for 1 s; loaded:
 * total within 4 % and centre within one cell) - or until sm_calflow_start (Enter) - then runs for
 * its duration. A loaded step ends early when the load is taken off or changes (total more than
 * 8 % off its slow average, or the centre moves by 1.5 cells); zero ends early when something is
 * put on the mat. Ended early before min_frac of its duration, the step must be redone. A load
 * step after another load waits until the previous load was changed (taken off, or total 20 %
 * different, or moved by 2 cells), so the same plate is never measured twice by accident.
 * Waiting longer than timeout_s gives SM_CALFLOW_EV_TIMEOUT with a message saying what was
 * expected and what was seen (the wait then starts again).
 */
#ifndef SM_CALFLOW_H
#define SM_CALFLOW_H

#include <stddef.h>

#include "sm_calib.h"
#include "sm_frame.h"
#include "sm_status.h"

#define SM_CALFLOW_MAX_STEPS 64

typedef enum {
    SM_CALFLOW_WANT_ANY = 0, /* condition: starts when anything is put on the mat */
    SM_CALFLOW_WANT_EMPTY,
    SM_CALFLOW_WANT_LOADED
} sm_calflow_want;

typedef enum {
    SM_CALFLOW_ITEM_NONE = 0,
    SM_CALFLOW_ITEM_BOARD, /* a flat board with weights on it (or a person standing on it) */
    SM_CALFLOW_ITEM_PLATE  /* a small flat plate carrying a known mass */
} sm_calflow_item;

typedef struct {
    sm_calib_step_kind kind;
    sm_calflow_want want;
    double mass_kg;    /* load, verify, creep (0: unknown) */
    double duration_s; /* how long the step collects */
    double min_frac;   /* a step ended by a change before this fraction of duration is redone */
    int index, count;  /* this step's number among its kind, 1-based, and how many there are */
    /* What goes on the mat: the board with its weights (condition, equalise) or the plate
     * (load, creep, verify), its size across x along in cm and the mass on it in kg; 0: nothing
     * (zero). The "you will need" list is made from these (sm_calflow_needs). */
    sm_calflow_item item;
    double item_w_cm, item_h_cm, item_kg;
    char title[48];        /* "Known load 2 of 5" */
    char instruction[112]; /* "Put the 10 kg plate in the middle" */
} sm_calflow_step_t;

typedef struct {
    const double *masses; /* known loads, kg (>= 3) */
    size_t nmasses;
    double verify_kg;              /* > 0 */
    double creep_kg;               /* 0: the largest known mass */
    int placements;                /* equalise placements, 1..SM_CALIB_MAX_EQ; 0: 9 (3 x 3) */
    double condition_s;            /* 0: 20 */
    double zero_s;                 /* 0: 10 */
    double equalise_s;             /* 0: 6 */
    double load_s;                 /* 0: 10 (load and verify) */
    double creep_s;                /* 0: 90 */
    double board_w_cm, board_h_cm; /* the board for conditioning and the even load; 0: 30 x 40 */
    double board_kg;               /* the load on it; 0: 75 (weights, or a person standing) */
    double plate_cm;               /* the known loads' plate, square; 0: 10 */
} sm_calflow_plan_config_t;

/* The step sequence: condition, zero, equalise x placements, loads, creep, verify. Returns the
 * number of steps written (0 when the config is invalid: fewer than 3 masses, a mass <= 0...). */
size_t sm_calflow_plan(const sm_calflow_plan_config_t *cfg, sm_calflow_step_t *out, size_t cap);

/* What a plan needs the user to prepare, gathered from its steps (so the list and the steps
 * cannot disagree): the board, the plate and every mass the load, creep and verify steps use. */
typedef struct {
    double board_w_cm, board_h_cm, board_kg; /* 0: no step uses a board */
    int board_steps;                         /* steps that use it */
    double plate_w_cm, plate_h_cm;           /* 0: no step uses a plate */
    double masses_kg[SM_CALIB_MAX_LOADS];    /* the known loads' masses, ascending, each once */
    size_t nmasses;
    int load_steps;           /* known-load steps (a mass may be used more than once) */
    double creep_kg, creep_s; /* the creep hold; 0: none */
    double verify_kg;         /* the fresh test load; 0: none */
    double total_s;           /* the steps' collecting time added up (without the waits) */
    size_t nsteps;
} sm_calflow_needs_t;

/* Gather what steps[0..n) need. */
void sm_calflow_needs(const sm_calflow_step_t *steps, size_t n, sm_calflow_needs_t *out);

typedef enum {
    SM_CALFLOW_WAITING = 0, /* for the step's load */
    SM_CALFLOW_RUNNING,
    SM_CALFLOW_DONE /* every step done */
} sm_calflow_state;

typedef enum {
    SM_CALFLOW_EV_NONE = 0,
    SM_CALFLOW_EV_BEGIN,  /* begin step `step` now (before feeding this frame to the builder) */
    SM_CALFLOW_EV_END,    /* the step's time is up: end it (before feeding this frame) */
    SM_CALFLOW_EV_ABORT,  /* the step ended too early: discard it and redo (message says why) */
    SM_CALFLOW_EV_TIMEOUT /* waited timeout_s for the step's load (message says what) */
} sm_calflow_event;

typedef struct {
    sm_calflow_event event;
    sm_calflow_state state;
    size_t step;       /* index into the plan of the current step */
    double elapsed_s;  /* running: seconds collected; waiting: seconds waited */
    double progress;   /* running: elapsed / duration; waiting: steady / 1 s (0..1) */
    int n_loaded;      /* cells loaded in this frame */
    double total;      /* counts above offset over the loaded cells */
    int empty, loaded; /* this frame */
    char message[192]; /* ABORT / TIMEOUT: one line; waiting: what is awaited */
} sm_calflow_out_t;

typedef struct sm_calflow sm_calflow_t;

/* steps: the plan (copied); timeout_s: session seconds of waiting before a TIMEOUT (0: 60). */
sm_status sm_calflow_create(int rows, int cols, int sample_max, const sm_calflow_step_t *steps,
                            size_t n, double timeout_s, sm_calflow_t **out);
void sm_calflow_destroy(sm_calflow_t *fl); /* NULL-safe */
/* Every frame, in time order, before the builder sees it. */
void sm_calflow_frame(sm_calflow_t *fl, const sm_frame_t *f, sm_calflow_out_t *out);
/* After EV_END: the builder's judgement. ok: go on to the next step; not ok: wait for this step
 * again. */
void sm_calflow_result(sm_calflow_t *fl, int ok);
/* Enter: start the waiting step with the next frame, whatever the load. */
void sm_calflow_start(sm_calflow_t *fl);
/* r: a running step goes back to waiting (the app discards the builder's open step). Returns 1
 * when a step was running. */
int sm_calflow_redo(sm_calflow_t *fl);
/* After the zero step: rows*cols flags, non-zero for a cell that read high with nothing on the
 * mat (stuck: ignored by the load detection, and worth hiding in a picture of the loads); NULL
 * before it. Owned by fl. */
const unsigned char *sm_calflow_stuck(const sm_calflow_t *fl);
const sm_calflow_step_t *sm_calflow_step(const sm_calflow_t *fl, size_t i);
size_t sm_calflow_count(const sm_calflow_t *fl);
sm_calflow_state sm_calflow_state_of(const sm_calflow_t *fl);
size_t sm_calflow_current(const sm_calflow_t *fl);

#endif
