/*
 * When to draw the next picture: at most `cap` pictures a second on average, each as soon as the
 * frame it shows has arrived. Pure: times (us, any monotonic origin) come in as arguments.
 *
 * A mat faster than the cap (100 Hz against 60 fps) cannot have every frame drawn. Waiting a
 * fixed 1/cap after the last picture draws frames up to that long after they arrived (6-17 ms at
 * 60 fps); here a budget refills at `cap` pictures a second (at most SM_PACE_BURST saved up) and
 * a frame that arrives with a picture in the budget is drawn at once. One that arrives without is
 * held back: the next frame, due about one frame interval later, is drawn instead when it comes
 * with the budget refilled; the held frame is drawn after all when none comes within 1.5 frame
 * intervals (the mat stopped, the last frame of a recording). Over any second at most cap +
 * SM_PACE_BURST pictures are drawn.
 *
 * Thread context: any, one caller per sm_pace_t.
 */
#ifndef SM_PACE_H
#define SM_PACE_H

#include <stdint.h>

#define SM_PACE_BURST 2.0 /* pictures the budget saves up while nothing needs drawing */

typedef struct {
    double cap;        /* pictures per second (> 0) */
    double budget;     /* pictures that may be drawn now (fractional while refilling) */
    uint64_t t_us;     /* when the budget was last brought up to date */
    uint64_t frame_us; /* when the last frame arrived (0: none yet) */
    uint64_t gap_us;   /* between the last two frames' arrival */
    uint64_t hold_us;  /* a held frame is drawn from this time on (0: none held) */
} sm_pace_t;

/* cap <= 0 or not finite: 60. */
void sm_pace_init(sm_pace_t *p, double cap, uint64_t now_us);

/* One turn of the loop at now_us: fresh = new frames arrived in this turn, dirty = the picture on
 * screen is out of date (fresh frames, or anything else that changed). Returns 1 when a picture
 * is to be drawn now (the budget is spent); else 0 and *wait_us (may be NULL) gets how long until
 * it will be (-1: nothing to draw, wait for something to change). */
int sm_pace_turn(sm_pace_t *p, uint64_t now_us, int fresh, int dirty, int64_t *wait_us);

#endif
