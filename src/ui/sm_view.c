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

_Static_assert(sizeof LAYERS / sizeof LAYERS[0] <= DMG_LAYERS, "a layer the parts do not follow");

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
    sm_layer_trail_prepare(v, c);
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

static void draw_layers(sm_view_t *v, const sm_view_ctx_t *c)
{
    sm_view_damage_t *d = &v->dmg;
    for (size_t i = 0; i < sizeof LAYERS / sizeof LAYERS[0]; i++) {
        d->layer = (int)i;
        /* drawing a part: a layer that draws nothing there is not run at all */
        if (d->clipping && i < DMG_LAYERS && !SDL_HasIntersection(&d->layer_box[i], &d->clip))
            continue;
        LAYERS[i].draw(v, c);
    }
    d->layer = -1;
}

/* r without hole: up to 4 rectangles into out (above, below, left, right of the hole). */
static int around(SDL_Rect r, SDL_Rect hole, SDL_Rect *out)
{
    SDL_Rect h;
    if (!SDL_IntersectRect(&r, &hole, &h)) {
        out[0] = r;
        return 1;
    }
    int n = 0;
    if (h.y > r.y)
        out[n++] = (SDL_Rect){r.x, r.y, r.w, h.y - r.y};
    if (h.y + h.h < r.y + r.h)
        out[n++] = (SDL_Rect){r.x, h.y + h.h, r.w, r.y + r.h - h.y - h.h};
    if (h.x > r.x)
        out[n++] = (SDL_Rect){r.x, h.y, h.x - r.x, h.h};
    if (h.x + h.w < r.x + r.w)
        out[n++] = (SDL_Rect){h.x + h.w, h.y, r.x + r.w - h.x - h.w, h.h};
    return n;
}

/* With a renderer that keeps its picture (sm_view_damage.c): the layers say what they would
 * draw, and only the parts that changed are cleared and drawn again, each under a clip. Returns
 * 0 when nothing changed (nothing to present). */
static int draw_changed(sm_view_t *v, const sm_view_ctx_t *c, SDL_Rect *parts, int *n_parts)
{
    const sm_layout_t *L = c->L;
    sm_view_damage_t *d = &v->dmg;
    sm_view_damage_setup(v, L->W, L->H);
    uint32_t key = sm_view_hash(2166136261u, &v->pal, sizeof v->pal);
    key = sm_view_hash(key, v->face_px, sizeof v->face_px);
    key = sm_view_hash(key, &L->u, sizeof L->u);
    if (key != d->frame_key)
        d->full = 1;
    d->frame_key = key;
    sm_view_damage_begin(v);
    draw_layers(v, c);
    int n = sm_view_damage_plan(v, parts, DMG_RECTS);
    *n_parts = n > 0 ? n : 0;
    d->pictures++;
    d->drawn_sum += n < 0 ? 1.0 : (double)d->drawn_px / ((double)L->W * L->H);
    if (n < 0) {
        sm_view_clear(v, c);
        draw_layers(v, c);
        return 1;
    }
    if (n == 0) {
        d->skipped_pictures++;
        return 0;
    }
    d->parts_pictures++;
    SDL_Color w = v->pal->window;
    for (int i = 0; i < n; i++) {
        d->clip = parts[i];
        d->clipping = 1;
        SDL_RenderSetClipRect(v->ren, &parts[i]);
        /* the window colour under the part, but not under a map: its picture covers it */
        static const SDL_Rect none = {0, 0, 0, 0};
        SDL_Rect bg[4], more[16];
        int nb = around(parts[i], c->heat_ok ? L->map : none, bg), nm = 0;
        for (int k = 0; k < nb; k++)
            nm += around(bg[k], c->heat2_ok ? L->map2 : none, more + nm);
        SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(v->ren, w.r, w.g, w.b, 255);
        SDL_RenderFillRects(v->ren, more, nm);
        draw_layers(v, c);
    }
    d->clipping = 0;
    SDL_RenderSetClipRect(v->ren, NULL);
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
    SDL_Rect parts[DMG_RECTS];
    int n = 0; /* drawn in parts (0: whole) */
    if (v->retained && !v->no_cache) {
        if (!draw_changed(v, &c, parts, &n)) {
            v->have_picture = v->have_picture || v->headless;
            return SM_OK; /* the picture on screen is the one this model makes */
        }
    } else {
        sm_view_clear(v, &c);
        draw_layers(v, &c);
    }
    sm_view_present(v, &L, parts, n);
    return SM_OK;
}
