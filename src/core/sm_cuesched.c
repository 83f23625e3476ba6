#include "sm_cuesched.h"

#include <string.h>

#define EPS 1e-6 /* s: frame times land exactly on a slot's end */

int sm_cuesched_priority(sm_cue_kind_t kind)
{
    if (kind == SM_CUE_STEADY)
        return 0;
    if (kind == SM_CUE_NOGO || kind == SM_CUE_MAT_LOST)
        return 3;
    if (kind == SM_CUE_THRESHOLD)
        return 2;
    return 1;
}

static int family(sm_cue_kind_t k)
{
    return k == SM_CUE_WIGGLE ? (int)SM_CUE_WIGGLE_START : (int)k;
}

void sm_cuesched_init(sm_cuesched_t *s)
{
    memset(s, 0, sizeof *s);
}

static void push(sm_cuesched_t *s, sm_cue_kind_t kind, double start, double end)
{
    if (s->n == SM_CUESCHED_SLOTS) { /* cannot happen with MAX_WAIT; keep the newest */
        memmove(s->busy, s->busy + 1, (SM_CUESCHED_SLOTS - 1) * sizeof s->busy[0]);
        s->n--;
    }
    s->busy[s->n++] = (sm_cueslot_t){kind, start, end};
    s->last = kind;
    s->have_last = 1;
}

sm_cuesched_decision_t sm_cuesched_place(sm_cuesched_t *s, sm_cue_kind_t kind, double t, double dur)
{
    sm_cuesched_decision_t d = {SM_CUESCHED_PLAY, t, -1.0};
    if (!(dur > 0))
        dur = 0;
    /* forget what is over by now */
    int keep = 0;
    for (int i = 0; i < s->n; i++)
        if (s->busy[i].end_s > t + EPS)
            s->busy[keep++] = s->busy[i];
    s->n = keep;
    if (s->n == 0) {
        push(s, kind, t, t + dur);
        return d;
    }
    const sm_cueslot_t *tail = &s->busy[s->n - 1];
    int same = s->have_last && family(kind) == family(s->last);
    /* the buzz goes on: a pulse due in the last half of the one sounding follows it without a
     * gap (merged, the buzz would stop for a pulse) */
    if (same && family(kind) == SM_CUE_WIGGLE_START && family(tail->kind) == SM_CUE_WIGGLE_START &&
        tail->start_s <= t + EPS && tail->end_s - t <= 0.5 * dur + EPS) {
        d.action = SM_CUESCHED_WAIT;
        d.start_s = tail->end_s;
        push(s, kind, d.start_s, d.start_s + dur);
        return d;
    }
    if (kind == SM_CUE_STEADY || same) {
        d.action = SM_CUESCHED_MERGED;
        return d;
    }
    int prio = sm_cuesched_priority(kind), top = 0;
    for (int i = 0; i < s->n; i++) {
        int p = sm_cuesched_priority(s->busy[i].kind);
        if (p > top)
            top = p;
    }
    if (prio > top) {
        d.action = SM_CUESCHED_CUT;
        d.cut_s = t;
        d.start_s = t + SM_CUESCHED_FADE_S;
        s->n = 0;
        push(s, kind, d.start_s, d.start_s + dur);
        return d;
    }
    double start = tail->end_s + SM_CUESCHED_GAP_S;
    if (start - t > SM_CUESCHED_MAX_WAIT_S) {
        d.action = SM_CUESCHED_STALE;
        return d;
    }
    d.action = SM_CUESCHED_WAIT;
    d.start_s = start;
    push(s, kind, start, start + dur);
    return d;
}
