/* The status layers: the line at the bottom (recording, pause, replay position, the input,
 * frames per second, the link's counters, saturation) and the REC / PAUSED / REPLAY pills that
 * say from the floor that the numbers are frozen, replayed or recorded. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

/* State that changes what the numbers mean (frozen, replayed, being recorded), big enough to
 * notice from the floor: at the foot of the side panel, or over the map's top corner when the
 * numbers sit below the map. */
static void draw_badges(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    int gap = iround(L->u), bh = sm_view_line_h(v, SM_FACE_BANNER) + 2 * iround(0.3 * L->u);
    int x, y;
    if (!L->portrait) {
        x = L->panel.x + iround(2.4 * L->u);
        y = L->panel.y + L->panel.h - iround(2.4 * L->u) - bh;
    } else {
        x = L->map.x + gap;
        y = L->map.y + gap;
    }
    if (m->recording)
        x += sm_view_badge(v, L, x, y, C_RED, v->pal->text, "\xe2\x97\x8f REC") + gap;
    if (m->paused)
        x += sm_view_badge(v, L, x, y, C_AMBER, C_BLACK, "PAUSED") + gap;
    if (m->replay)
        sm_view_badge(v, L, x, y, C_BANNER, v->pal->text, "REPLAY");
}

static void draw_status(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->status, v->pal->status);
    int lh = sm_view_line_h(v, SM_FACE_SMALL);
    int y = L->status.y + (L->status.h - lh) / 2, x = L->m, gap = iround(2.4 * L->u);
    char buf[256];
    if (m->recording)
        x +=
            sm_view_text(v, SM_FACE_SMALL, C_RED, "\xe2\x97\x8f REC", x, y, AL_LEFT, 0, NULL) + gap;
    if (m->paused)
        x += sm_view_text(v, SM_FACE_SMALL, C_AMBER, "PAUSED", x, y, AL_LEFT, 0, NULL) + gap;
    if (m->replay) {
        char pos[32], len[32];
        sm_view_fmt_time(m->pos_s, pos, sizeof pos);
        sm_view_fmt_time(m->len_s, len, sizeof len);
        snprintf(buf, sizeof buf, "REPLAY %s / %s  at %g\xc3\x97", pos, len,
                 m->speed > 0 ? m->speed : 1.0);
        x += sm_view_text(v, SM_FACE_SMALL, v->pal->text, buf, x, y, AL_LEFT, 0, NULL) + gap;
    }
    if (m->patient && *m->patient) { /* who is practising (n changes it) */
        snprintf(buf, sizeof buf, "Patient: %s", m->patient);
        x += sm_view_text(v, SM_FACE_SMALL, v->pal->text, buf, x, y, AL_LEFT, L->W / 4, NULL) + gap;
    }
    if (m->source_label && *m->source_label) /* a long path must not push the counters away */
        x += sm_view_text(v, SM_FACE_SMALL, v->pal->dim, m->source_label, x, y, AL_LEFT,
                          L->W * 3 / 10, NULL) +
             gap;
    if (m->clinician) {
        snprintf(buf, sizeof buf, m->fps > 0 && m->fps < 10 ? "%.1f frames/s" : "%.0f frames/s",
                 m->fps > 0 ? m->fps : 0.0);
        x += sm_view_text(v, SM_FACE_SMALL, v->pal->dim, buf, x, y, AL_LEFT, 0, NULL) + gap;
    } else { /* where the rest is: at the right end, faint */
        const char *hint = "v: clinician view";
        int hw = 0, hh = 0;
        sm_text_measure(v->text, SM_FACE_SMALL, hint, &hw, &hh);
        int sat_on = m->frame && (m->frame->flags & SM_FRAME_SATURATED);
        if (hw > 0 && !sat_on && x + hw + gap < L->W - L->m - gap * 4)
            sm_view_text(v, SM_FACE_SMALL, v->pal->faint, hint, L->W - L->m, y, AL_RIGHT, 0, NULL);
    }
    const char *sat = "SATURATED: cells at full scale";
    int sat_w = 0, h = 0;
    if (m->frame && (m->frame->flags & SM_FRAME_SATURATED))
        sm_text_measure(v->text, SM_FACE_SMALL, sat, &sat_w, &h);
    else
        sat = NULL;
    int room = L->W - L->m - x - (sat ? sat_w + gap : 0);
    int bad =
        m->link_text ? m->link_bad : (m->crc_errors || m->resyncs || m->seq_gaps || m->frames_lost);
    if (L->presenter && !bad) /* presenting: the link counters only when they matter */
        room = 0;
    if (!m->clinician) /* the patient view: no counters (a lost link has its own alert) */
        room = 0;
    if (m->link_text)
        snprintf(buf, sizeof buf, "%s", m->link_text);
    else
        snprintf(
            buf, sizeof buf,
            "link: CRC errors %lu \xc2\xb7 resyncs %lu \xc2\xb7 gaps %lu \xc2\xb7 frames lost %lu",
            m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    int w = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    if (w > room && !m->link_text) /* narrow window: the same counters, shorter words */
        snprintf(buf, sizeof buf, "CRC %lu \xc2\xb7 resync %lu \xc2\xb7 gap %lu \xc2\xb7 lost %lu",
                 m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost);
    if (room > 0)
        x += sm_view_text(v, SM_FACE_SMALL, bad ? C_AMBER : v->pal->faint, buf, x, y, AL_LEFT, room,
                          NULL) +
             gap;
    if (sat)
        sm_view_text(v, SM_FACE_SMALL, C_AMBER, sat, x, y, AL_LEFT, L->W - L->m - x, NULL);
}

void sm_layer_badges_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->f)
        draw_badges(v, c->L, c->m);
}

/* The status line changes a few times a second at most (frames per second, the replay's clock,
 * a link counter): drawn once per change (sm_view_cache_begin) and copied in between. The key is
 * everything draw_status reads: a field added there belongs here too. */
void sm_layer_status_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_layout_t *L = c->L;
    const sm_view_model_t *m = c->m;
    char fps[32], pos[32], len[32];
    snprintf(fps, sizeof fps, "%.1f", m->fps > 0 ? m->fps : 0.0);
    sm_view_fmt_time(m->pos_s, pos, sizeof pos);
    sm_view_fmt_time(m->len_s, len, sizeof len);
    int flags[6] = {m->recording, m->paused,    m->replay,
                    m->clinician, L->presenter, m->frame && (m->frame->flags & SM_FRAME_SATURATED)};
    unsigned long link[5] = {m->crc_errors, m->resyncs, m->seq_gaps, m->frames_lost,
                             (unsigned long)m->link_bad};
    int geom[4] = {L->W, L->m, iround(L->u * 64), 0};
    uint32_t key = sm_view_hash(2166136261u, &L->status, sizeof L->status);
    key = sm_view_hash(key, geom, sizeof geom);
    key = sm_view_hash(key, flags, sizeof flags);
    key = sm_view_hash(key, link, sizeof link);
    key = sm_view_hash(key, &m->speed, sizeof m->speed);
    key = sm_view_hash(key, v->pal, sizeof *v->pal);
    key = sm_view_hash(key, v->face_px, sizeof v->face_px);
    key = sm_view_hash_str(key, fps);
    key = sm_view_hash_str(key, pos);
    key = sm_view_hash_str(key, len);
    key = sm_view_hash_str(key, m->source_label);
    key = sm_view_hash_str(key, m->link_text);
    key = sm_view_hash_str(key, m->patient);
    if (sm_view_cache_begin(v, &v->status, L->status, key, v->pal->status))
        return;
    draw_status(v, L, m);
    sm_view_cache_end(v, &v->status);
}
