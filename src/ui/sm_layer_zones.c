/* The no-go zones layer (e.g. the hip fold): each zone translucent red, hatched, with a thick
 * border that blinks while the tool is inside; the box being dragged with the mouse; and the red
 * banner across the top of the map while the tool is in a zone. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

/* Where the line x + y = k crosses the zone's shape: t range along x, 0 when it misses. */
static int hatch_span(int ellipse, double x0, double y0, double x1, double y1, double k, double *ta,
                      double *tb)
{
    if (!ellipse) {
        *ta = fmax(x0, k - y1);
        *tb = fmin(x1, k - y0);
        return *tb > *ta;
    }
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
    if (a <= 0 || b <= 0)
        return 0;
    /* ((t - cx) / a)^2 + ((k - t - cy) / b)^2 = 1, a quadratic in t */
    double d = k - cy, qa = 1 / (a * a) + 1 / (b * b);
    double qb = -2 * cx / (a * a) - 2 * d / (b * b);
    double qc = cx * cx / (a * a) + d * d / (b * b) - 1;
    double disc = qb * qb - 4 * qa * qc;
    if (disc <= 0)
        return 0;
    *ta = (-qb - sqrt(disc)) / (2 * qa);
    *tb = (-qb + sqrt(disc)) / (2 * qa);
    return 1;
}

/* A no-go zone: translucent red with red hatching and a thick border, so it reads as "keep out"
 * over any colour of the map. flash: the border blinks red and white (the tool is in it). */
static void draw_zone_shape(sm_view_t *v, const sm_layout_t *L, int ellipse, double x0, double y0,
                            double x1, double y1, int fill_a, int flash, double now_s)
{
    if (x1 - x0 < 1 || y1 - y0 < 1)
        return;
    /* translucent fill: a rectangle, or the ellipse as one span per pixel row */
    SDL_Color fc = with_alpha(C_ZONE, fill_a);
    if (!ellipse) {
        fill(v,
             (SDL_Rect){iround(x0), iround(y0), iround(x1) - iround(x0), iround(y1) - iround(y0)},
             fc);
    } else {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
        int n = 0;
        for (int y = iround(y0); y < iround(y1); y++) {
            double dy = (y + 0.5 - cy) / b;
            if (dy * dy >= 1)
                continue;
            double hw = a * sqrt(1 - dy * dy);
            if (n == RECTS_N) {
                sm_view_rects_flush(v, n, fc);
                n = 0;
            }
            v->rects[n++] = (SDL_Rect){iround(cx - hw), y, iround(cx + hw) - iround(cx - hw), 1};
        }
        sm_view_rects_flush(v, n, fc);
    }
    /* hatching at 45 degrees, opaque (drawn without blending: cheap on software renderers) */
    double step = fmax(6.0, 1.8 * L->u);
    float hw = (float)fmax(1.0, 0.2 * L->u);
    SDL_Color hc = {200, 24, 24, 255};
    for (double k = floor((x0 + y0) / step) * step + step; k < x1 + y1; k += step) {
        double ta, tb;
        if (hatch_span(ellipse, x0, y0, x1, y1, k, &ta, &tb))
            sm_view_geo_line(v, (float)ta, (float)(k - ta), (float)tb, (float)(k - tb), hw, hc);
    }
    sm_view_geo_flush(v);
    /* the border: thick, and blinking (about 2.5 times a second) while the tool is inside */
    int on = flash && fmod(now_s * 2.5, 1.0) < 0.5;
    SDL_Color bc = on ? C_TOOL : C_ZONE;
    float bw = (float)fmax(3.0, (flash ? 0.8 : 0.5) * L->u);
    if (!ellipse) { /* four opaque bars centred on the box's edges */
        int t = iround(bw), h = t / 2;
        int ax = iround(x0), ay = iround(y0), bx = iround(x1), by = iround(y1);
        fill(v, (SDL_Rect){ax - h, ay - h, bx - ax + t, t}, bc);
        fill(v, (SDL_Rect){ax - h, by - h, bx - ax + t, t}, bc);
        fill(v, (SDL_Rect){ax - h, ay - h, t, by - ay + t}, bc);
        fill(v, (SDL_Rect){bx - h, ay - h, t, by - ay + t}, bc);
    } else {
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, a = (x1 - x0) / 2, b = (y1 - y0) / 2;
        const int N = 72;
        for (int i = 0; i < N; i++) {
            double p0 = 2 * PI * i / N, p1 = 2 * PI * (i + 1) / N;
            sm_view_geo_line(v, (float)(cx + a * cos(p0)), (float)(cy + b * sin(p0)),
                             (float)(cx + a * cos(p1)), (float)(cy + b * sin(p1)), bw, bc);
        }
    }
    sm_view_geo_flush(v);
}

static void draw_zones(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m,
                       const sm_frame_t *f)
{
    double pitch = m->pitch_mm > 0 && isfinite(m->pitch_mm) ? m->pitch_mm : 10.0;
    double sx = L->map.w / (f->cols * pitch), sy = L->map.h / (f->rows * pitch);
    SDL_Rect clip = L->map; /* a zone drawn past the mat's edge stays on the map */
    sm_view_damage_clip(v, &clip);
    int any_active = 0;
    for (int i = 0; m->zones && i < m->n_zones; i++)
        any_active |= m->zones[i].active != 0;
    for (int i = 0; m->zones && i < m->n_zones; i++) {
        const sm_view_zone_t *z = &m->zones[i];
        if (!isfinite(z->x0) || !isfinite(z->x1) || !isfinite(z->y0) || !isfinite(z->y1))
            continue;
        double x0 = L->map.x + fmin(z->x0, z->x1) * sx, x1 = L->map.x + fmax(z->x0, z->x1) * sx;
        double y0 = L->map.y + fmin(z->y0, z->y1) * sy, y1 = L->map.y + fmax(z->y0, z->y1) * sy;
        /* The app says which zone the tool is in; if it does not, every zone warns. */
        int hot = z->active || (m->zone_alert && !any_active);
        draw_zone_shape(v, L, z->ellipse, x0, y0, x1, y1, hot ? 110 : 70, hot && m->zone_alert,
                        m->now_s);
    }
    if (v->dragging) { /* the box being dragged, where the mouse is */
        int ell = (SDL_GetModState() & KMOD_SHIFT) != 0;
        draw_zone_shape(v, L, ell, fmin(v->drag_x0, v->drag_x1), fmin(v->drag_y0, v->drag_y1),
                        fmax(v->drag_x0, v->drag_x1), fmax(v->drag_y0, v->drag_y1), 60, 0, 0);
    }
    sm_view_damage_clip(v, NULL);
}

/* The tool in a no-go zone: a red box with white bold text across the top of the map (the map
 * stays visible below it, to see where the tool is). */
void sm_view_zone_banner(sm_view_t *v, const sm_layout_t *L, const char *text)
{
    int pad = iround(1.8 * L->u);
    SDL_Rect over = L->map2.w
                        ? (SDL_Rect){L->map2.x, L->map.y, L->map.x + L->map.w - L->map2.x, L->map.h}
                        : L->map;
    int bw = over.w + L->legend_w;
    if (bw > iround(110 * L->u))
        bw = iround(110 * L->u);
    char s[512];
    snprintf(s, sizeof s, "\xe2\x9a\xa0 %s", text);
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, SM_FACE_MESSAGE, C_TOOL, bw - 2 * pad, s, &tw, &th);
    int bh = (tex ? th : sm_view_line_h(v, SM_FACE_MESSAGE)) + 2 * pad;
    SDL_Rect box = {over.x + over.w / 2 - bw / 2, over.y + iround(over.h * 0.04), bw, bh};
    if (box.x < L->m)
        box.x = L->m;
    fill(v, box, C_BAD);
    sm_view_outline(v, box, C_TOOL, iround(fmax(2.0, 0.4 * L->u)));
    if (tex) {
        SDL_Rect dst = {box.x + (box.w - tw) / 2, box.y + pad, tw, th};
        sm_view_copy(v, tex, dst, sm_view_text_key(SM_FACE_MESSAGE, C_TOOL, bw - 2 * pad, s), 0);
    }
}

void sm_layer_zones_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->f && ((c->m->zones && c->m->n_zones > 0) || v->dragging))
        draw_zones(v, c->L, c->m, c->f);
}
