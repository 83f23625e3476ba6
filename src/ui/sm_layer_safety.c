/* The safety layer: the words of sm_safety.h in large type over the whole view (first run, and
 * F1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_safety.h"
#include "sm_view_internal.h"

static int frame_w(const sm_layout_t *L)
{
    return iround(fmax(2.0, 0.4 * L->u));
}

/* The safety screen: the words of sm_safety.h in large type on a panel over the whole view
 * (first run, and s / F1). The panel grows to fit; the font is the coach's, readable from the
 * floor, centred. *box gets where the panel is; size_only: nothing is drawn. */
static void draw_panel(sm_view_t *v, const sm_layout_t *L, int size_only, SDL_Rect *box)
{
    int pad = iround(2.0 * L->u);
    int w = iround(fmin(L->W - 2.0 * L->m, 120.0 * L->u));
    char body[1024];
    size_t k = 0;
    body[0] = 0;
    for (size_t i = 0; sm_safety_line(i) && k < sizeof body; i++)
        k += (size_t)snprintf(body + k, sizeof body - k, "%s\xe2\x80\xa2 %s", i ? "\n" : "",
                              sm_safety_line(i));
    int th = 0, tw = 0, hh = 0;
    SDL_Texture *tex =
        sm_text_get(v->text, SM_FACE_BANNER, v->pal->text, w - 2 * pad, body, &tw, &th);
    const char *hint = "Enter or space closes it \xc2\xb7 F1 shows it again";
    int head = sm_view_line_h(v, SM_FACE_MESSAGE), sh = sm_view_line_h(v, SM_FACE_SMALL);
    int bh = head + (tex ? th : 0) + sh + 4 * pad;
    if (bh > L->H - 2 * L->m)
        bh = L->H - 2 * L->m;
    *box = (SDL_Rect){(L->W - w) / 2, (L->H - bh) / 2, w, bh};
    if (size_only)
        return;
    fill(v, *box, v->pal->panel);
    sm_view_outline(v, *box, C_AMBER, frame_w(L));
    sm_view_text(v, SM_FACE_MESSAGE, C_AMBER, "\xe2\x9a\xa0 " SM_SAFETY_TITLE, box->x + pad,
                 box->y + pad, AL_LEFT, box->w - 2 * pad, &hh);
    if (tex) {
        SDL_Rect dst = {box->x + pad, box->y + 2 * pad + head, tw, th};
        sm_view_copy(v, tex, dst, sm_view_text_key(SM_FACE_BANNER, v->pal->text, w - 2 * pad, body),
                     0);
    }
    sm_view_text(v, SM_FACE_SMALL, v->pal->dim, hint, box->x + pad, box->y + box->h - pad - sh,
                 AL_LEFT, box->w - 2 * pad, NULL);
}

/* The panel does not change while it is up: drawn once (box and amber frame, sm_view_cache_begin),
 * then copied, not blended again, every picture; drawn again when the window's size, the
 * palette (presenter mode) or the type sizes change. */
static void draw_safety(sm_view_t *v, const sm_layout_t *L)
{
    SDL_Rect box;
    draw_panel(v, L, 1, &box);
    int fw = frame_w(L);
    SDL_Rect area = {box.x - fw, box.y - fw, box.w + 2 * fw, box.h + 2 * fw};
    uint32_t key = sm_view_hash(2166136261u, &area, sizeof area);
    key = sm_view_hash(key, &L->u, sizeof L->u);
    key = sm_view_hash(key, v->pal, sizeof *v->pal);
    key = sm_view_hash(key, v->face_px, sizeof v->face_px);
    if (sm_view_cache_begin(v, &v->safety, area, key, v->pal->panel))
        return;
    draw_panel(v, L, 0, &box);
    sm_view_cache_end(v, &v->safety);
}

void sm_layer_safety_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->m->safety)
        draw_safety(v, c->L);
}
