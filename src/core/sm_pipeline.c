#include "sm_pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "sm_cue.h"
#include "sm_cuesched.h"

#define CUE_MAX_S 3.0 /* longest cue rendered */
/* How far ahead the mixer holds sound: a cue may wait SM_CUESCHED_MAX_WAIT_S and then last a
 * bell with a phrase. */
#define MIX_HORIZON_S (SM_CUESCHED_MAX_WAIT_S + 2 * CUE_MAX_S + 2.0)

struct sm_pipeline {
    sm_pipeline_config_t cfg;
    sm_contact_t *contact;
    sm_coach_t *coach;
    /* auto_tool: the coach for the other protocol, fed the same frames until the first tool
     * found decides which one coaches (then swapped in when it is the other) */
    sm_coach_t *alt;
    sm_protocol_t protocol, alt_protocol;
    int decided, switched;
    sm_mix_t *mix;
    float *cue_buf;
    size_t cue_cap;
    sm_contact_frame_t cf;
    sm_coach_out_t out;
    unsigned long cues[SM_CUE_KINDS];
    sm_coach_cue_t *log;
    size_t nlog;
    sm_cuesched_t sched;
    sm_pipeline_played_t *played;
    size_t nplayed;
    const float *const *voice;
    const size_t *voice_n;
    unsigned long frames, no_tool, seen[3]; /* tool detection counts (sm_tool_seen_t) */
};

static void coach_settings(const sm_pipeline_config_t *cfg, sm_protocol_t protocol,
                           sm_coach_settings_t *st)
{
    sm_coach_settings_default(st, protocol);
    if (cfg->creep_removed)
        st->creep_per_decade = 0;
    if (cfg->release_s > 0) {
        st->release_s = cfg->release_s;
        st->hook_phase_s = cfg->release_s;
    }
}

sm_status sm_pipeline_create(const sm_pipeline_config_t *cfg, sm_pipeline_t **out)
{
    *out = NULL;
    sm_pipeline_t *p = calloc(1, sizeof *p);
    if (!p)
        return SM_ERR_NOMEM;
    p->cfg = *cfg;
    if (!(p->cfg.cue_gain > 0))
        p->cfg.cue_gain = 0.8f;
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.posture = sm_coach_posture(cfg->protocol);
    cs.tool = cfg->protocol == SM_PROTO_HIP_HOOK ? SM_TOOL_HOOK : SM_TOOL_BALL;
    p->protocol = cfg->protocol;
    p->alt_protocol =
        cfg->protocol == SM_PROTO_HIP_HOOK ? SM_PROTO_BALL_RELEASE : SM_PROTO_HIP_HOOK;
    if (cfg->auto_tool) {
        cs.tool = SM_TOOL_AUTO;
        /* flat unless the protocol says face up; a hook is read as side-lying */
        if (cs.posture != SM_POSTURE_SUPINE)
            cs.posture = SM_POSTURE_AUTO;
    }
    sm_coach_settings_t st, alt;
    coach_settings(cfg, cfg->protocol, &st);
    coach_settings(cfg, p->alt_protocol, &alt);
    sm_cuesched_init(&p->sched);
    p->log = malloc(SM_PIPELINE_CUE_LOG * sizeof *p->log);
    p->played = malloc(SM_PIPELINE_CUE_LOG * sizeof *p->played);
    sm_status s = p->log && p->played
                      ? sm_contact_create(cfg->rows, cfg->cols, cfg->pitch_mm, &cs, &p->contact)
                      : SM_ERR_NOMEM;
    if (s == SM_OK)
        s = sm_coach_create(&st, &p->coach);
    if (s == SM_OK && cfg->auto_tool)
        s = sm_coach_create(&alt, &p->alt);
    if (s == SM_OK && cfg->sound_rate_hz > 0) {
        s = sm_mix_create(cfg->sound_rate_hz, MIX_HORIZON_S, &p->mix);
        p->cue_cap = (size_t)(CUE_MAX_S * cfg->sound_rate_hz);
        p->cue_buf = s == SM_OK ? malloc(p->cue_cap * sizeof *p->cue_buf) : NULL;
        if (s == SM_OK && !p->cue_buf)
            s = SM_ERR_NOMEM;
    }
    if (s != SM_OK) {
        sm_pipeline_destroy(p);
        return s;
    }
    *out = p;
    return SM_OK;
}

void sm_pipeline_destroy(sm_pipeline_t *p)
{
    if (!p)
        return;
    sm_contact_destroy(p->contact);
    sm_coach_destroy(p->coach);
    sm_coach_destroy(p->alt);
    sm_mix_destroy(p->mix);
    free(p->cue_buf);
    free(p->played);
    free(p->log);
    free(p);
}

void sm_pipeline_set_tool(sm_pipeline_t *p, sm_tool_kind_t tool, double ball_mm)
{
    sm_contact_set_tool(p->contact, tool, ball_mm);
    if (tool != SM_TOOL_AUTO && p->alt && !p->decided) {
        /* a tool named: the protocol configured stays */
        p->decided = 1;
        sm_contact_set_posture(p->contact, sm_coach_posture(p->protocol));
    }
}

sm_status sm_pipeline_frame(sm_pipeline_t *p, const sm_frame_t *f, const float *values)
{
    if (f->rows != p->cfg.rows || f->cols != p->cfg.cols)
        return SM_ERR_MISMATCH;
    double t = f->t_us / 1e6;
    if (f->flags & SM_FRAME_AFTER_GAP) {
        sm_coach_gap(p->coach);
        if (p->alt && !p->decided)
            sm_coach_gap(p->alt);
    }
    if (values)
        sm_contact_update_sensor(p->contact, values, f->cells, t, &p->cf);
    else
        sm_contact_update_u16(p->contact, f->cells, t, &p->cf);
    p->frames++;
    p->no_tool += !p->cf.present;
    if (p->cf.present && (unsigned)p->cf.tool_seen < 3)
        p->seen[p->cf.tool_seen]++;
    if (p->alt && !p->decided) {
        if (p->cf.present) {
            /* the first tool found decides the protocol, before its first frame is coached */
            p->decided = 1;
            int hook = p->cf.tool_kind == SM_TOOL_HOOK;
            if (hook != (p->protocol == SM_PROTO_HIP_HOOK)) {
                sm_coach_t *other = p->coach;
                p->coach = p->alt;
                p->alt = other;
                sm_protocol_t tp = p->protocol;
                p->protocol = p->alt_protocol;
                p->alt_protocol = tp;
                p->switched = 1;
                sm_contact_set_posture(p->contact, sm_coach_posture(p->protocol));
                /* this frame's side was read for the protocol it was found as */
                if (hook)
                    p->cf.posture = SM_POSTURE_SIDE;
            }
        } else {
            sm_coach_out_t scratch;
            sm_coach_update(p->alt, &p->cf, &scratch); /* searching, like the coach */
        }
    }
    sm_coach_update(p->coach, &p->cf, &p->out);
    for (int i = 0; i < p->out.n_cues; i++)
        sm_pipeline_cue(p, &p->out.cues[i]);
    return SM_OK;
}

void sm_pipeline_link_lost(sm_pipeline_t *p, double t_s)
{
    if (p->alt && !p->decided) {
        sm_coach_out_t scratch;
        sm_coach_link_lost(p->alt, t_s, &scratch);
    }
    sm_coach_link_lost(p->coach, t_s, &p->out);
    for (int i = 0; i < p->out.n_cues; i++)
        sm_pipeline_cue(p, &p->out.cues[i]);
}

/* The phrase of a cue under --voice (NULL when none). */
static const float *phrase(const sm_pipeline_t *p, sm_cue_kind_t kind, size_t *n)
{
    *n = p->voice && p->voice_n && p->voice[kind] ? p->voice_n[kind] : 0;
    return *n ? p->voice[kind] : NULL;
}

/* Schedule one sound; returns its end time, or -1 when it was dropped. */
static double schedule(sm_pipeline_t *p, sm_cue_kind_t kind, double intensity, double t)
{
    size_t nv;
    const float *pv = phrase(p, kind, &nv);
    double dur = sm_cue_duration_s(kind);
    int rate = p->cfg.sound_rate_hz;
    if (pv && rate > 0 && SM_PIPELINE_VOICE_LEAD_S + (double)nv / rate > dur)
        dur = SM_PIPELINE_VOICE_LEAD_S + (double)nv / rate;
    sm_cuesched_decision_t d = sm_cuesched_place(&p->sched, kind, t, dur);
    int plays = d.action <= SM_CUESCHED_CUT;
    if (d.action == SM_CUESCHED_CUT) {
        /* what was cut ends at the cut; what had not begun never sounds (the sounds are in
         * order: back to the first that ended before the cut, past the dropped ones) */
        for (size_t i = p->nplayed; i-- > 0;) {
            if (!p->played[i].played)
                continue;
            if (p->played[i].end_s <= d.cut_s)
                break;
            if (p->played[i].start_s >= d.cut_s) {
                p->played[i].played = 0;
                p->played[i].end_s = p->played[i].start_s;
            } else {
                p->played[i].end_s = d.cut_s + SM_CUESCHED_FADE_S;
            }
        }
        if (p->mix)
            sm_mix_cut(p->mix, d.cut_s, SM_CUESCHED_FADE_S);
    }
    if (p->nplayed < SM_PIPELINE_CUE_LOG)
        p->played[p->nplayed++] = (sm_pipeline_played_t){kind, t, plays ? d.start_s : t,
                                                         plays ? d.start_s + dur : t, plays};
    if (!plays)
        return -1.0;
    if (p->mix) {
        size_t n = sm_cue_render(kind, intensity, rate, p->cue_buf, p->cue_cap);
        sm_mix_add(p->mix, d.start_s, p->cue_buf, n, p->cfg.cue_gain * (pv ? 0.5f : 1.0f));
        if (pv)
            sm_mix_add(p->mix, d.start_s + SM_PIPELINE_VOICE_LEAD_S, pv, nv, p->cfg.cue_gain);
    }
    return d.start_s + dur;
}

void sm_pipeline_cue(sm_pipeline_t *p, const sm_coach_cue_t *c)
{
    if ((unsigned)c->kind >= SM_CUE_KINDS)
        return;
    p->cues[c->kind]++;
    if (p->nlog < SM_PIPELINE_CUE_LOG)
        p->log[p->nlog++] = *c;
    schedule(p, c->kind, c->intensity, c->t_s);
}

double sm_pipeline_play(sm_pipeline_t *p, sm_cue_kind_t kind, double intensity, double t_s)
{
    if ((unsigned)kind >= SM_CUE_KINDS)
        return -1.0;
    return schedule(p, kind, intensity, t_s);
}

void sm_pipeline_set_voice(sm_pipeline_t *p, const float *const *pcm, const size_t *n)
{
    p->voice = pcm;
    p->voice_n = n;
}

sm_status sm_pipeline_input(sm_pipeline_t *p, double t_s, sm_coach_input_t in, int value)
{
    return sm_coach_input(p->coach, t_s, in, value);
}

void sm_pipeline_finish(sm_pipeline_t *p, double t_s)
{
    sm_coach_finish(p->coach, t_s);
}

sm_protocol_t sm_pipeline_protocol(const sm_pipeline_t *p, int *detected)
{
    if (detected)
        *detected = p->switched;
    return p->protocol;
}

void sm_pipeline_tool_stats(const sm_pipeline_t *p, unsigned long *frames, unsigned long *no_tool,
                            sm_tool_seen_t *seen)
{
    if (frames)
        *frames = p->frames;
    if (no_tool)
        *no_tool = p->no_tool;
    if (seen)
        *seen = p->seen[SM_SEEN_HOOK] > p->seen[SM_SEEN_BALL] ? SM_SEEN_HOOK
                : p->seen[SM_SEEN_BALL] > 0                   ? SM_SEEN_BALL
                                                              : SM_SEEN_NONE;
}

const sm_contact_frame_t *sm_pipeline_contact(const sm_pipeline_t *p)
{
    return &p->cf;
}

const sm_coach_out_t *sm_pipeline_coach_out(const sm_pipeline_t *p)
{
    return &p->out;
}

const sm_coach_t *sm_pipeline_coach(const sm_pipeline_t *p)
{
    return p->coach;
}

const uint8_t *sm_pipeline_labels(const sm_pipeline_t *p, int rows, int cols)
{
    if (rows != p->cfg.rows || cols != p->cfg.cols)
        return NULL;
    return sm_contact_labels(p->contact);
}

void sm_pipeline_size(const sm_pipeline_t *p, int *rows, int *cols)
{
    *rows = p->cfg.rows;
    *cols = p->cfg.cols;
}

sm_mix_t *sm_pipeline_mix(sm_pipeline_t *p)
{
    return p->mix;
}

const sm_coach_cue_t *sm_pipeline_cue_log(const sm_pipeline_t *p, size_t *n)
{
    *n = p->nlog;
    return p->log;
}

const sm_pipeline_played_t *sm_pipeline_played(const sm_pipeline_t *p, size_t *n)
{
    *n = p->nplayed;
    return p->played;
}

unsigned long sm_pipeline_cue_count(const sm_pipeline_t *p, sm_cue_kind_t kind)
{
    return (unsigned)kind < SM_CUE_KINDS ? p->cues[kind] : 0;
}
