/* A recorded session as a frame source, with its own playback clock: speed, pause and seek.
 * A stretch of more than JUMP_S seconds without frames (a long unplug, a paused recorder, or a
 * damaged file whose clock leaps by years) is not waited out: playback jumps to the next frame,
 * marks it as after a gap, and the status message says "jumped N s". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_session.h"
#include "sm_source.h"

#define JUMP_S 5.0 /* longer stretches without frames are jumped over */

typedef struct {
    sm_source_t base;
    sm_session_reader_t *r;
    sm_source_status_t st;
    uint64_t first_us, last_us;
    double speed;
    int paused;
    double base_wall_s, base_pos_s; /* pos = base_pos + (wall - base_wall) * speed */
    int have_pending;
    sm_session_record_t rec; /* the next record not yet due */
    unsigned long jumps;     /* stretches jumped over */
    double jumped_s;         /* recorded time they spanned */
} replay_t;

static double pos_s(const replay_t *p, uint64_t wall_us)
{
    if (p->paused || p->st.ended)
        return p->base_pos_s;
    return p->base_pos_s + (wall_us / 1e6 - p->base_wall_s) * p->speed;
}

static void rebase(replay_t *p, uint64_t wall_us, double pos)
{
    double len = p->last_us > p->first_us ? (p->last_us - p->first_us) / 1e6 : 0;
    if (pos < 0)
        pos = 0;
    if (pos > len)
        pos = len;
    p->base_pos_s = pos;
    p->base_wall_s = wall_us / 1e6;
}

static sm_status replay_next(sm_source_t *b, uint64_t wall_us, sm_frame_t *out)
{
    replay_t *p = (replay_t *)b;
    double pos = pos_s(p, wall_us);
    for (;;) {
        if (!p->have_pending) {
            sm_status s = sm_session_reader_next(p->r, &p->rec);
            if (s != SM_OK) {
                if (!p->st.ended) {
                    p->st.ended = 1;
                    rebase(p, wall_us, 1e12); /* clamped to the length */
                }
                return SM_EOF;
            }
            if (p->rec.kind != SM_REC_FRAME)
                continue; /* gaps are shown by the frames' own timing */
            p->have_pending = 1;
        }
        /* Signed: a damaged recording may hold a frame earlier than its first. */
        double t = ((double)p->rec.frame.t_us - (double)p->first_us) / 1e6;
        int jumped = 0;
        if (t - pos > JUMP_S && !p->paused && !p->st.ended) {
            p->jumps++;
            p->jumped_s += t - pos;
            double j = p->jumped_s;
            snprintf(p->st.message, sizeof p->st.message,
                     "gap in the recording: jumped %.*f s (%lu stretch%s without frames longer "
                     "than %.0f s, not waited out)",
                     j < 100 ? 1 : 0, j, p->jumps, p->jumps == 1 ? "" : "es", JUMP_S);
            rebase(p, wall_us, t);
            pos = pos_s(p, wall_us);
            jumped = 1;
        }
        if (t > pos)
            return SM_EMPTY;
        *out = p->rec.frame;
        if (jumped)
            out->flags |= SM_FRAME_AFTER_GAP;
        out->t_us = out->t_us > p->first_us
                        ? out->t_us - p->first_us
                        : 0; /* a replay's session time starts at its first frame */
        p->have_pending = 0;
        return SM_OK;
    }
}

static int replay_due_ms(sm_source_t *b, uint64_t wall_us)
{
    replay_t *p = (replay_t *)b;
    if (p->st.ended || p->paused)
        return -1;
    if (!p->have_pending)
        return 0;
    double t = ((double)p->rec.frame.t_us - (double)p->first_us) / 1e6;
    if (t - pos_s(p, wall_us) > JUMP_S)
        return 0; /* jumped over at once */
    double wait = (t - pos_s(p, wall_us)) / p->speed;
    return wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
}

static void replay_status(sm_source_t *b, sm_source_status_t *st)
{
    replay_t *p = (replay_t *)b;
    p->st.speed = p->speed;
    p->st.paused = p->paused;
    p->st.len_s = p->last_us > p->first_us ? (p->last_us - p->first_us) / 1e6 : 0;
    *st = p->st;
}

static sm_status seek_to(replay_t *p, double pos, uint64_t wall_us)
{
    rebase(p, wall_us, pos);
    p->have_pending = 0;
    p->st.ended = 0;
    return sm_session_reader_seek(p->r, p->first_us + (uint64_t)(p->base_pos_s * 1e6));
}

static sm_status replay_control(sm_source_t *b, sm_source_ctl ctl, double arg, uint64_t wall_us)
{
    replay_t *p = (replay_t *)b;
    double pos = pos_s(p, wall_us);
    switch (ctl) {
    case SM_CTL_PAUSE:
        rebase(p, wall_us, pos);
        p->paused = !p->paused;
        return SM_OK;
    case SM_CTL_SEEK_REL:
        return seek_to(p, pos + arg, wall_us);
    case SM_CTL_SEEK_ABS:
        return seek_to(p, arg, wall_us);
    case SM_CTL_SPEED:
        if (!(arg >= 1.0 / 64 && arg <= 1000))
            return SM_ERR_ARG;
        rebase(p, wall_us, pos);
        p->speed = arg;
        return SM_OK;
    default:
        return SM_ERR_ARG;
    }
}

static void replay_destroy(sm_source_t *b)
{
    replay_t *p = (replay_t *)b;
    sm_session_reader_close(p->r);
    free(p);
}

static const sm_source_ops_t replay_ops = {replay_next,   NULL,           replay_due_ms,
                                           replay_status, replay_control, replay_destroy};

sm_status sm_replay_source_create(const char *path, double speed, sm_source_t **out, char *err,
                                  size_t errlen)
{
    *out = NULL;
    if (!(speed > 0 && speed <= 1000)) {
        snprintf(err, errlen, "--speed must be between 0 and 1000");
        return SM_ERR_ARG;
    }
    replay_t *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    sm_status s = sm_session_reader_open(path, &p->r, err, errlen);
    if (s != SM_OK) {
        free(p);
        return s;
    }
    unsigned long frames = 0;
    sm_session_reader_span(p->r, &p->first_us, &p->last_us, &frames);
    if (frames == 0) {
        snprintf(err, errlen, "%s holds no frames", path);
        sm_session_reader_close(p->r);
        free(p);
        return SM_ERR_FORMAT;
    }
    const sm_session_header_t *h = sm_session_reader_header(p->r);
    p->base.ops = &replay_ops;
    p->speed = speed;
    snprintf(p->st.kind, sizeof p->st.kind, "replay");
    const char *base = strrchr(path, '/');
    snprintf(p->st.label, sizeof p->st.label, "replay: %s (%s)", base ? base + 1 : path, h->source);
    p->st.connected = 1;
    p->st.ever_connected = 1;
    p->st.have_info = 1;
    p->st.mat = h->mat;
    *out = &p->base;
    return SM_OK;
}
