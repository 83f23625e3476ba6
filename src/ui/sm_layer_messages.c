/* The messages layers: the waiting screen before the first frame, the banner at the top, the
 * notice strip at the bottom, the urgent alert (or, with the tool in a no-go zone, the red
 * banner over the map), and the box where a template's or the patient's name is typed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

static void draw_strip(sm_view_t *v, SDL_Rect r, SDL_Color bg, SDL_Color fg, sm_face face,
                       const char *s, int margin)
{
    fill(v, r, bg);
    int lh = sm_view_line_h(v, face);
    sm_view_text(v, face, fg, s, r.x + r.w / 2, r.y + (r.h - lh) / 2, AL_CENTER, r.w - 2 * margin,
                 NULL);
}

/* The urgent message: a big amber box with black text (the caution colours) over a dimmed map,
 * so it is the first thing anyone sees, from across the room. */
static void draw_alert(sm_view_t *v, const sm_layout_t *L, SDL_Rect over, const char *alert)
{
    SDL_Rect dim = over;
    fill(v, dim, with_alpha(C_BLACK, 150));
    int pad = iround(2.2 * L->u);
    /* As wide as the map's column (map, legend and margins) so the message takes two or three
     * lines of big text, not five. */
    int bw = (L->panel.w && !L->portrait ? L->panel.x : L->W) - 2 * L->m;
    if (bw > iround(110 * L->u))
        bw = iround(110 * L->u);
    char s[512];
    snprintf(s, sizeof s, "\xe2\x9a\xa0 %s", alert);
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, SM_FACE_MESSAGE, C_BLACK, bw - 2 * pad, s, &tw, &th);
    int bh = (tex ? th : sm_view_line_h(v, SM_FACE_MESSAGE)) + 2 * pad;
    int cx = over.x + over.w / 2, cy = over.y + over.h / 2;
    SDL_Rect box = {cx - bw / 2, cy - bh / 2, bw, bh};
    if (box.x < L->m)
        box.x = L->m;
    if (box.x + box.w > L->W - L->m)
        box.x = L->W - L->m - box.w;
    fill(v, box, C_AMBER);
    sm_view_outline(v, box, C_BLACK, iround(fmax(2.0, 0.4 * L->u)));
    if (tex) {
        SDL_Rect dst = {box.x + (box.w - tw) / 2, box.y + pad, tw, th};
        sm_view_copy(v, tex, dst, sm_view_text_key(SM_FACE_MESSAGE, C_BLACK, bw - 2 * pad, s), 0);
    }
}

static void draw_waiting(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    int lh = sm_view_line_h(v, SM_FACE_MESSAGE), sh = sm_view_line_h(v, SM_FACE_LABEL);
    int cy = L->content.y + L->content.h / 2 - (lh + sh) / 2;
    sm_view_text(v, SM_FACE_MESSAGE, v->pal->dim, "Waiting for the mat\xe2\x80\xa6", L->W / 2, cy,
                 AL_CENTER, L->W - 4 * L->m, NULL);
    if (m->source_label && *m->source_label) {
        char buf[300];
        snprintf(buf, sizeof buf, "Listening to %s", m->source_label);
        sm_view_text(v, SM_FACE_LABEL, v->pal->faint, buf, L->W / 2, cy + lh + iround(L->u),
                     AL_CENTER, L->W - 4 * L->m, NULL);
    }
}

/* The box where a name is typed, over the bottom of the map. */
static void draw_name_box(sm_view_t *v, const sm_layout_t *L)
{
    char buf[TYPED_MAX + 48];
    int patient = v->naming == NAMING_PATIENT;
    snprintf(buf, sizeof buf, "%s: %s\xe2\x96\x8f", patient ? "Patient" : "Save template as",
             v->name);
    const char *hint = patient ? "Enter saves (empty: no name) \xc2\xb7 Esc cancels"
                               : "Enter saves \xc2\xb7 Esc cancels";
    int lh = sm_view_line_h(v, SM_FACE_BANNER), sh = sm_view_line_h(v, SM_FACE_SMALL);
    int pad = iround(1.4 * L->u);
    SDL_Rect over = L->map.w ? L->map : L->content;
    int w = iround(fmin(over.w + L->legend_w, 80.0 * L->u));
    SDL_Rect box = {over.x + over.w / 2 - w / 2, over.y + over.h - lh - sh - 3 * pad, w,
                    lh + sh + 2 * pad};
    if (box.x < L->m)
        box.x = L->m;
    fill(v, box, v->pal->panel);
    sm_view_outline(v, box, C_TEMPLATE, iround(fmax(2.0, 0.3 * L->u)));
    sm_view_text(v, SM_FACE_BANNER, v->pal->text, buf, box.x + pad, box.y + pad, AL_LEFT,
                 box.w - 2 * pad, NULL);
    sm_view_text(v, SM_FACE_SMALL, v->pal->dim, hint, box.x + pad, box.y + pad + lh, AL_LEFT,
                 box.w - 2 * pad, NULL);
}

void sm_layer_messages_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_view_model_t *m = c->m;
    const sm_layout_t *L = c->L;
    if (!c->f && !(m->alert && *m->alert))
        draw_waiting(v, L, m);
    if (L->banner.h)
        draw_strip(v, L->banner, C_BANNER, C_TOOL, SM_FACE_BANNER, m->banner, L->m);
    if (L->notice.h)
        draw_strip(v, L->notice, C_NOTICE_BG, C_NOTICE, SM_FACE_LABEL, m->notice, L->m);
    if (c->f && m->zone_alert) {
        sm_view_zone_banner(
            v, L, m->alert && *m->alert ? m->alert : "Out of the hip fold - move the tool now");
    } else if (m->alert && *m->alert) {
        SDL_Rect over = c->f ? L->map : L->content;
        draw_alert(v, L, over, m->alert);
    }
}

void sm_layer_namebox_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (v->naming)
        draw_name_box(v, c->L);
}
