/* The toast layer: the short answer to the last key ("Sound off", "Soreness 6 saved - right
 * side", "Clinician view"), a pill over the bottom of the map (or the middle of the window
 * before the first frame), so every key shows that it was heard. The app decides how long. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

void sm_layer_toast_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_view_model_t *m = c->m;
    const sm_layout_t *L = c->L;
    if (!m->toast || !*m->toast)
        return;
    SDL_Rect over = c->f ? L->map : L->content;
    if (c->f && L->map2.w) /* side by side: under both maps */
        over = (SDL_Rect){L->map2.x, L->map.y, L->map.x + L->map.w - L->map2.x, L->map.h};
    int padx = iround(1.6 * L->u), pady = iround(0.6 * L->u);
    int tw = 0, th = 0;
    sm_text_measure(v->text, SM_FACE_BANNER, m->toast, &tw, &th);
    if (!tw)
        return;
    int maxw = over.w - 2 * L->m;
    if (tw > maxw - 2 * padx)
        tw = maxw - 2 * padx;
    SDL_Rect box = {over.x + (over.w - tw) / 2 - padx, 0, tw + 2 * padx, th + 2 * pady};
    box.y = over.y + over.h - box.h - iround(3.0 * L->u);
    fill(v, box, with_alpha(v->pal->status, 235));
    sm_view_outline(v, box, v->pal->dim, 1);
    sm_view_text(v, SM_FACE_BANNER, v->pal->text, m->toast, box.x + padx, box.y + pady, AL_LEFT, tw,
                 NULL);
}
