#include "sm_pace.h"

#include <math.h>

void sm_pace_init(sm_pace_t *p, double cap, uint64_t now_us)
{
    p->cap = cap > 0 && isfinite(cap) ? cap : 60.0;
    p->budget = SM_PACE_BURST;
    p->t_us = now_us;
    p->frame_us = 0;
    p->gap_us = 0;
    p->hold_us = 0;
}

int sm_pace_turn(sm_pace_t *p, uint64_t now_us, int fresh, int dirty, int64_t *wait_us)
{
    if (now_us > p->t_us) {
        p->budget += (double)(now_us - p->t_us) * p->cap / 1e6;
        if (p->budget > SM_PACE_BURST)
            p->budget = SM_PACE_BURST;
        p->t_us = now_us;
    }
    if (fresh) {
        if (p->frame_us && now_us > p->frame_us)
            p->gap_us = now_us - p->frame_us;
        p->frame_us = now_us;
        /* Held for one and a half frame intervals: long enough for the next frame to come on a
         * mat that keeps time, short enough that a last frame is not left unseen (2 to 50 ms). */
        uint64_t hold = p->gap_us + p->gap_us / 2;
        hold = hold < 2000 ? 2000 : hold > 50000 ? 50000 : hold;
        p->hold_us = p->budget >= 1.0 ? 0 : now_us + hold;
    }
    if (!dirty) {
        p->hold_us = 0;
        if (wait_us)
            *wait_us = -1;
        return 0;
    }
    if (p->budget >= 1.0 && (fresh || now_us >= p->hold_us)) {
        p->budget -= 1.0;
        p->hold_us = 0;
        if (wait_us)
            *wait_us = 0;
        return 1;
    }
    uint64_t ready = now_us;
    if (p->budget < 1.0)
        ready += (uint64_t)ceil((1.0 - p->budget) * 1e6 / p->cap);
    if (p->hold_us > ready)
        ready = p->hold_us;
    if (wait_us)
        *wait_us = (int64_t)(ready - now_us);
    return 0;
}
