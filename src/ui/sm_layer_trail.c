/* The trail layer: the last few seconds of the centre of pressure as a fading line, and a
 * reticle where it is now. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

#define MARKER_ALPHA  200 /* of 255 at the reticle's solid parts */
#define TRAIL_FADE_HZ 10  /* steps a second of the trail's fade */
#define COP_STILL_PX  2.0 /* the body's reticle moves when its CoP has moved this far */

static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
    return sqrt(ex * ex + ey * ey);
}

/* A reticle: a grey ring (the whole body's CoP is context, the tool is the point: subdued, a
 * little see-through) with four ticks outside it and a small centre dot, all outlined in black
 * so it stands out on every colour of the scale (dark purple to yellow). The inside of the ring
 * stays open so the pressure under the CoP remains visible. Drawn once per size, antialiased,
 * in its final colour: copying it is a plain blend (SDL's colour and alpha modulation cost
 * about ten times as much per pixel in its software renderer). */
static void make_marker(sm_view_t *v, double ring_r, double stroke, double edge)
{
    int key = iround(ring_r * 16) * 4096 + iround(stroke * 16) * 64 + iround(edge * 16);
    if (v->marker_tex && key == v->marker_key)
        return;
    if (v->marker_tex)
        SDL_DestroyTexture(v->marker_tex);
    v->marker_tex = NULL;
    double tick_out = ring_r * 1.85;
    int size = 2 * (int)ceil(tick_out + stroke / 2 + edge + 1.5);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, size, size, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return;
    double c = size / 2.0, dot_r = stroke * 0.55;
    for (int y = 0; y < size; y++) {
        uint32_t *row = (uint32_t *)((unsigned char *)s->pixels + (size_t)y * s->pitch);
        for (int x = 0; x < size; x++) {
            double px = x + 0.5 - c, py = y + 0.5 - c, r = sqrt(px * px + py * py);
            double d = fabs(r - ring_r) - stroke / 2;       /* ring */
            double d_dot = r - dot_r;                       /* centre dot */
            double t0 = ring_r + stroke / 2, t1 = tick_out; /* ticks */
            double dt = seg_dist(px, py, t0, 0, t1, 0);
            dt = fmin(dt, seg_dist(px, py, -t0, 0, -t1, 0));
            dt = fmin(dt, seg_dist(px, py, 0, t0, 0, t1));
            dt = fmin(dt, seg_dist(px, py, 0, -t0, 0, -t1));
            dt -= stroke / 2;
            d = fmin(fmin(d, d_dot), dt);
            double cw = fmin(fmax(0.5 - d, 0), 1);          /* white core coverage */
            double cb = fmin(fmax(0.5 - (d - edge), 0), 1); /* with the black edge */
            double a = cw + cb * (1 - cw);
            double lum = a > 0 ? cw / a : 0; /* white core over the black edge */
            row[x] = (uint32_t)iround(a * MARKER_ALPHA) << 24 |
                     (uint32_t)iround(lum * C_COP.r) << 16 | (uint32_t)iround(lum * C_COP.g) << 8 |
                     (uint32_t)iround(lum * C_COP.b);
        }
    }
    v->marker_tex = SDL_CreateTextureFromSurface(v->ren, s);
    SDL_FreeSurface(s);
    if (v->marker_tex) {
        SDL_SetTextureBlendMode(v->marker_tex, SDL_BLENDMODE_BLEND);
        v->marker_px = size;
        v->marker_key = key;
    }
}

static void cell_to_px(const sm_layout_t *L, const sm_frame_t *f, double row, double col, float *x,
                       float *y)
{
    *x = (float)(L->map.x + col * L->map.w / f->cols);
    *y = (float)(L->map.y + row * L->map.h / f->rows);
}

/* The body's CoP moves a pixel or two from frame to frame on a still body (the sensor's noise,
 * breathing): drawn where it is, its reticle and the end of its trail would change every
 * picture, and every change draws the map under them again. The reticle stays put until the
 * CoP has moved more than COP_STILL_PX from where it is drawn (2 px: about 2 mm at 1280x800,
 * well inside the ring; the tool's outline is not held back). */
static void reticle(sm_view_t *v, sm_view_ctx_t *c)
{
    const sm_metrics_t *mt = c->m->metrics;
    c->cop_ok = c->f && mt && mt->has_contact && isfinite(mt->cop_row) && isfinite(mt->cop_col);
    if (!c->cop_ok) {
        v->cop_have = 0;
        return;
    }
    float x, y;
    cell_to_px(c->L, c->f, mt->cop_row, mt->cop_col, &x, &y);
    const SDL_Rect *map = &c->L->map;
    float dx = x - v->cop_at[0], dy = y - v->cop_at[1];
    if (!v->cop_have || memcmp(map, &v->cop_map, sizeof *map) != 0 ||
        dx * dx + dy * dy > COP_STILL_PX * COP_STILL_PX) {
        v->cop_at[0] = x, v->cop_at[1] = y;
        v->cop_map = *map;
        v->cop_have = 1;
    }
    c->cop_x = v->cop_at[0], c->cop_y = v->cop_at[1];
}

/* The points the trail is drawn through (v->trail_pt), worked out once a picture for every
 * pass that draws it. Ages in tenths of a second: the fade moves on ten times a second, not
 * every picture (a change draws the map under the trail again), in steps of 1/30 of the fade
 * that do not show. One point a tenth of a second, the last of each (the newest is the
 * reticle): a point stays where it is until it fades out, so with the reticle held still the
 * line changes at most ten times a second. Ten points a second still follow the body's sway
 * and breathing. */
/* How many seconds the trail shows, and the widths of its white core and its black edge. */
static double trail_span(const sm_view_model_t *m)
{
    return m->trail_s > 0 ? m->trail_s : 3.0;
}

static void trail_widths(const sm_layout_t *L, float *core, float *edge)
{
    *core = (float)fmax(1.0, 0.2 * L->u);
    *edge = *core + (float)fmax(1.0, 0.15 * L->u);
}

static void trail_points(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_view_model_t *m = c->m;
    const sm_trail_t *tr = m->trail;
    const sm_layout_t *L = c->L;
    v->trail_n = 0;
    if (!c->f || !tr || tr->count < 2)
        return;
    double span = trail_span(m);
    double fade_now = ceil(m->now_s * TRAIL_FADE_HZ) / TRAIL_FADE_HZ;
    float core, edge;
    trail_widths(L, &core, &edge);
    float px = 0, py = 0;
    int have = 0;
    double t, r, col, tn = 0, rn = 0, cn = 0;
    int more = sm_trail_get(tr, 0, &tn, &rn, &cn);
    for (size_t i = 0; more; i++) {
        t = tn, r = rn, col = cn;
        more = i + 1 < tr->count && sm_trail_get(tr, i + 1, &tn, &rn, &cn);
        if (more && floor(tn * TRAIL_FADE_HZ) == floor(t * TRAIL_FADE_HZ))
            continue;
        double age = fade_now - floor(t * TRAIL_FADE_HZ) / TRAIL_FADE_HZ;
        if (age > span || t > m->now_s + 1e-6 || !isfinite(r) || !isfinite(col)) {
            have = 0;
            continue;
        }
        float x, y;
        cell_to_px(L, c->f, r, col, &x, &y);
        if (i + 1 == tr->count && c->cop_ok) /* it ends at the reticle */
            x = c->cop_x, y = c->cop_y;
        /* A still body moves its CoP by a pixel or less a frame: points closer to the last one
         * drawn than the line is wide are joined into one segment (the newest always ends the
         * line). Hundreds of overlapping quads hardly longer than wide, each one blended on its
         * own (SDL's software renderer blends every triangle through a surface of its own),
         * cost more than the rest of the picture and only made the line a little more opaque
         * where the body was stillest. */
        float ddx = x - px, ddy = y - py;
        if (have && ddx * ddx + ddy * ddy < edge * edge && i + 1 < tr->count)
            continue;
        int k = v->trail_n++;
        v->trail_pt[k].x = x, v->trail_pt[k].y = y;
        v->trail_pt[k].age = age;
        v->trail_pt[k].brk = !have;
        px = x, py = y, have = 1;
    }
}

void sm_layer_trail_prepare(sm_view_t *v, sm_view_ctx_t *c)
{
    reticle(v, c);
    trail_points(v, c);
}

/* The last few seconds of the CoP as a line that fades out with age: black under white, so it
 * reads on every colour of the scale. */
static void draw_trail(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    double span = trail_span(m);
    float core, edge;
    trail_widths(L, &core, &edge);
    for (int layer = 0; layer < 2; layer++) {
        int nv = 0;
        for (int i = 1; i < v->trail_n; i++) {
            const float x = v->trail_pt[i].x, y = v->trail_pt[i].y;
            const float px = v->trail_pt[i - 1].x, py = v->trail_pt[i - 1].y;
            if (v->trail_pt[i].brk || (x == px && y == py) || nv + 6 > TRAIL_VERTS)
                continue;
            double a0 = 1.0 - v->trail_pt[i - 1].age / span, a1 = 1.0 - v->trail_pt[i].age / span;
            SDL_Color k = layer == 0 ? C_BLACK : C_COP;
            int amax = layer == 0 ? 110 : 190;
            sm_view_quad(v->verts + nv, px, py, x, y, layer == 0 ? edge : core,
                         with_alpha(k, iround(amax * a0)), with_alpha(k, iround(amax * a1)));
            nv += 6;
        }
        sm_view_geometry(v, v->verts, nv, SDL_BLENDMODE_BLEND);
    }
}

static void draw_marker(sm_view_t *v, const sm_layout_t *L, const sm_frame_t *f, float x, float y)
{
    double cell = (double)L->map.w / f->cols;
    /* The whole body's CoP is context, the tool is the point: a smaller, thinner, grey reticle,
     * see-through, under the tool's white outline in strength. */
    double ring = fmax(1.5 * L->u, 0.45 * cell);
    if (ring > 3.0 * L->u)
        ring = 3.0 * L->u;
    make_marker(v, ring, fmax(1.5, 0.3 * L->u), fmax(1.0, 0.16 * L->u));
    if (!v->marker_tex)
        return;
    SDL_Rect dst = {iround(x) - v->marker_px / 2, iround(y) - v->marker_px / 2, v->marker_px,
                    v->marker_px};
    uint32_t key = sm_view_hash(0x6d61726bu, &v->marker_key, sizeof v->marker_key);
    sm_view_copy(v, v->marker_tex, dst, sm_view_hash(key, &v->marker_px, sizeof v->marker_px), 0);
}

void sm_layer_trail_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_frame_t *f = c->f;
    if (!f)
        return;
    draw_trail(v, c->L, c->m);
    if (c->cop_ok)
        draw_marker(v, c->L, f, c->cop_x, c->cop_y);
}
