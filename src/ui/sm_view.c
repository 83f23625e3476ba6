/* The live view: composes the layers (see sm_view_internal.h for which file draws what) into
 * one picture. */
#include "sm_view.h"

#include <math.h>
#include <string.h>

#include "sm_view_internal.h"

const pal_t SM_PAL_NORMAL = {{12, 14, 18, 255},    {21, 24, 31, 255},    {7, 8, 11, 255},
                             {242, 244, 247, 255}, {158, 166, 180, 255}, {112, 120, 134, 255},
                             {242, 244, 247, 255}, {78, 84, 98, 255}};
const pal_t SM_PAL_PRESENTER = {{0, 0, 0, 255},       {0, 0, 0, 255},       {0, 0, 0, 255},
                                {255, 255, 255, 255}, {225, 225, 225, 255}, {185, 185, 185, 255},
                                {255, 222, 0, 255},   {140, 140, 140, 255}};

static int frame_usable(const sm_frame_t *f)
{
    return f && f->rows >= 1 && f->cols >= 1 && f->rows <= SM_MAX_ROWS && f->cols <= SM_MAX_COLS;
}

static void fill_some(sm_view_t *v, int x, int y, int w, int h, SDL_Color c)
{
    if (w > 0 && h > 0)
        fill(v, (SDL_Rect){x, y, w, h}, c);
}

/* The window colour behind everything. The maps (when their heatmaps are drawn), the side
 * panel, the status line and the strips paint every one of their pixels opaque, so only the rest
 * of the maps' column is filled: a full clear would write most of the picture twice. */
static void clear_background(sm_view_t *v, const sm_layout_t *L, int heat_ok)
{
    SDL_Rect col = L->content, map = L->map;
    if (L->panel.w && !L->portrait)
        col.w = L->panel.x - col.x;
    else if (L->panel.w)
        col.h = L->panel.y - col.y;
    SDL_Rect band = map; /* the row of maps: the compare map, a gap, the live map */
    if (L->map2.w) {
        band.x = L->map2.x;
        band.w = map.x + map.w - band.x;
        band.h = map.h > L->map2.h ? map.h : L->map2.h;
    }
    if (!heat_ok || band.x < col.x || band.y < col.y || band.x + band.w > col.x + col.w ||
        band.y + band.h > col.y + col.h) { /* waiting screen, or a window too small to lay out */
        SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(v->ren, v->pal->window.r, v->pal->window.g, v->pal->window.b, 255);
        SDL_RenderClear(v->ren);
        return;
    }
    SDL_Color w = v->pal->window;
    int right = band.x + band.w, bottom = band.y + band.h;
    fill_some(v, col.x, col.y, col.w, band.y - col.y, w);
    fill_some(v, col.x, bottom, col.w, col.y + col.h - bottom, w);
    fill_some(v, col.x, band.y, band.x - col.x, band.h, w);
    fill_some(v, right, band.y, col.x + col.w - right, band.h, w);
    if (L->map2.w) { /* between the maps, and under the shorter one */
        int gx = L->map2.x + L->map2.w;
        fill_some(v, gx, band.y, map.x - gx, band.h, w);
        fill_some(v, L->map2.x, L->map2.y + L->map2.h, L->map2.w, bottom - L->map2.y - L->map2.h,
                  w);
        fill_some(v, map.x, map.y + map.h, map.w, bottom - map.y - map.h, w);
    }
}

/* Bottom to top. Each layer decides from the context whether it has anything to draw. */
static const sm_layer_t LAYERS[] = {
    {"heatmap", sm_layer_heatmap_draw},  {"zones", sm_layer_zones_draw},
    {"marks", sm_layer_marks_draw},      {"trail", sm_layer_trail_draw},
    {"coach", sm_layer_coach_draw},      {"numbers", sm_layer_numbers_draw},
    {"badges", sm_layer_badges_draw},    {"messages", sm_layer_messages_draw},
    {"name box", sm_layer_namebox_draw}, {"toast", sm_layer_toast_draw},
    {"status", sm_layer_status_draw},    {"calibration", sm_layer_calscreen_draw},
    {"safety", sm_layer_safety_draw},
};

const sm_layer_t *sm_view_layers(int *n)
{
    *n = (int)(sizeof LAYERS / sizeof LAYERS[0]);
    return LAYERS;
}

void sm_view_clear(sm_view_t *v, const sm_view_ctx_t *c)
{
    clear_background(v, c->L, c->heat_ok && (!c->f2 || c->heat2_ok));
}

int sm_view_prepare(sm_view_t *v, const sm_view_model_t *m, sm_layout_t *L, sm_view_ctx_t *c)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->L = L;
    c->f = frame_usable(m->frame) ? m->frame : NULL;
    c->f2 = c->f && frame_usable(m->compare_frame) ? m->compare_frame : NULL;
    v->pal = m->presenter ? &SM_PAL_PRESENTER : &SM_PAL_NORMAL;
    double scale = m->scale_max;
    if (!(scale > 0) || !isfinite(scale))
        scale = c->f ? sm_view_fallback_scale(c->f, m->values) : 1023.0;
    c->scale = scale;

    sm_view_presenter_window(v, m->presenter != 0);
    /* A minimised window shows nothing: keep the last picture and spend no time drawing. */
    if (v->win && (SDL_GetWindowFlags(v->win) & SDL_WINDOW_MINIMIZED))
        return 0;

    sm_view_layout(v, m, c->f, c->f2, scale, L);
    c->heat_ok = c->f && sm_view_heat_upload(v, &v->heat, c->f, m->values, m->labels, scale,
                                             L->map.w, L->map.h) == 0;
    c->heat2_ok = c->f2 && sm_view_heat_upload(v, &v->heat2, c->f2, m->compare_values,
                                               m->compare_labels, scale, L->map2.w, L->map2.h) == 0;
    /* Where the live map is, for mouse drags and sm_view_heatmap_rect. */
    v->heat_drawn = 0;
    memset(v->heat_rect, 0, sizeof v->heat_rect);
    if (c->f) {
        v->heat_rect[0] = L->map.x, v->heat_rect[1] = L->map.y;
        v->heat_rect[2] = L->map.w, v->heat_rect[3] = L->map.h;
        v->heat_drawn = 1;
        v->map_rows = c->f->rows, v->map_cols = c->f->cols;
        v->map_pitch = m->pitch_mm > 0 && isfinite(m->pitch_mm) ? m->pitch_mm : 0.0;
    }
    return 1;
}

sm_status sm_view_render(sm_view_t *v, const sm_view_model_t *m)
{
    if (!v || !m)
        return SM_ERR_ARG;
    snprintf(v->patient, sizeof v->patient, "%s", m->patient ? m->patient : "");
    sm_layout_t L;
    sm_view_ctx_t c;
    if (!sm_view_prepare(v, m, &L, &c))
        return SM_OK;
    sm_view_clear(v, &c);
    for (size_t i = 0; i < sizeof LAYERS / sizeof LAYERS[0]; i++)
        LAYERS[i].draw(v, &c);
    sm_view_present(v, &L);
    return SM_OK;
}
