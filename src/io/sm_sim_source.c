/* The built-in simulator as a frame source: frame k is due at session time k / rate, and session
 * time runs at `speed` times the wall clock, so --speed 20 plays a minute in three seconds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_source.h"

#define MAX_BURST 2000 /* after a stall, catch up at most this many frames per call */

typedef struct {
    sm_source_t base;
    sm_simsrc_config_t cfg;
    char scenario[48];
    sm_sim_t *sim;
    sm_source_status_t st;
    uint64_t k; /* next frame index */
    uint64_t skipped;
    double speed;
    double base_wall_s, base_session_s; /* speed changes keep session time continuous */
} simsrc_t;

static double session_s(const simsrc_t *s, uint64_t wall_us)
{
    return s->base_session_s + (wall_us / 1e6 - s->base_wall_s) * s->speed;
}

static uint64_t frame_us(const simsrc_t *s, uint64_t k)
{
    return (uint64_t)llround((double)k * 1e6 / s->cfg.rate_hz);
}

static sm_status simsrc_next(sm_source_t *b, uint64_t wall_us, sm_frame_t *out)
{
    simsrc_t *s = (simsrc_t *)b;
    double now = session_s(s, wall_us);
    uint64_t t = frame_us(s, s->k);
    if ((double)t > now * 1e6)
        return SM_EMPTY;
    /* Far behind (a stall or a suspended laptop): skip ahead rather than replay the backlog.
     * Only in real time: a faster-than-life simulation (--speed above 1, demos and tests) is
     * about its frames, so a loaded machine makes it lag rather than lose them. */
    uint64_t due = (uint64_t)(now * s->cfg.rate_hz);
    if (s->speed <= 1.0 && due > s->k + MAX_BURST) {
        s->skipped += due - s->k;
        s->k = due;
        t = frame_us(s, s->k);
    }
    out->rows = (uint16_t)s->cfg.sim.rows;
    out->cols = (uint16_t)s->cfg.sim.cols;
    out->t_us = t;
    out->dev_t_us = (uint32_t)t;
    out->seq = (uint32_t)s->k;
    out->flags = 0;
    sm_sim_render(s->sim, t, out->cells);
    s->k++;
    return SM_OK;
}

static int simsrc_due_ms(sm_source_t *b, uint64_t wall_us)
{
    simsrc_t *s = (simsrc_t *)b;
    double wait_s = (frame_us(s, s->k) / 1e6 - session_s(s, wall_us)) / s->speed;
    return wait_s <= 0 ? 0 : (int)ceil(wait_s * 1000.0);
}

static void simsrc_status(sm_source_t *b, sm_source_status_t *st)
{
    simsrc_t *s = (simsrc_t *)b;
    s->st.speed = s->speed;
    s->st.proto.frames_lost = (uint32_t)s->skipped;
    *st = s->st;
}

static sm_status simsrc_control(sm_source_t *b, sm_source_ctl ctl, double arg, uint64_t wall_us)
{
    simsrc_t *s = (simsrc_t *)b;
    if (ctl != SM_CTL_SPEED || !(arg > 0) || arg > 1000)
        return SM_ERR_ARG;
    s->base_session_s = session_s(s, wall_us);
    s->base_wall_s = wall_us / 1e6;
    s->speed = arg;
    return SM_OK;
}

static void simsrc_destroy(sm_source_t *b)
{
    simsrc_t *s = (simsrc_t *)b;
    sm_sim_destroy(s->sim);
    free(s);
}

static const sm_source_ops_t simsrc_ops = {simsrc_next,   NULL,           simsrc_due_ms,
                                           simsrc_status, simsrc_control, simsrc_destroy};

sm_status sm_sim_source_create(const sm_simsrc_config_t *cfg, sm_source_t **out, char *err,
                               size_t errlen)
{
    *out = NULL;
    if (!(cfg->rate_hz > 0 && cfg->rate_hz <= 2000) || !(cfg->speed > 0 && cfg->speed <= 1000)) {
        snprintf(err, errlen, "simulator rate must be 1..2000 Hz and speed 0..1000");
        return SM_ERR_ARG;
    }
    simsrc_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    s->base.ops = &simsrc_ops;
    s->cfg = *cfg;
    snprintf(s->scenario, sizeof s->scenario, "%s",
             cfg->sim.scenario ? cfg->sim.scenario : "ball-steady");
    s->cfg.sim.scenario = s->scenario;
    if (sm_sim_create(&s->cfg.sim, &s->sim) != SM_OK) {
        snprintf(
            err, errlen,
            "unknown simulator scenario '%s' or bad mat size %dx%d (see 'steadymat sim --help')",
            s->scenario, cfg->sim.rows, cfg->sim.cols);
        free(s);
        return SM_ERR_ARG;
    }
    s->speed = cfg->speed;
    snprintf(s->st.kind, sizeof s->st.kind, "sim");
    snprintf(s->st.label, sizeof s->st.label, "simulator: %s", s->scenario);
    s->st.connected = 1;
    s->st.ever_connected = 1;
    s->st.have_info = 1;
    sm_mat_info_t *m = &s->st.mat;
    m->rows = (uint16_t)cfg->sim.rows;
    m->cols = (uint16_t)cfg->sim.cols;
    m->pitch_mm = cfg->sim.pitch_mm;
    m->sample_max = (uint16_t)((1u << cfg->sim.sample_bits) - 1u);
    m->rate_hz = cfg->rate_hz;
    snprintf(m->uid, sizeof m->uid, "51%014x", (unsigned)cfg->sim.seed);
    snprintf(m->name, sizeof m->name, "%s", sm_sim_model_name(&cfg->sim));
    snprintf(m->firmware, sizeof m->firmware, "sim");
    *out = &s->base;
    return SM_OK;
}
