/* Drawing only what changed. With a renderer that keeps its picture between presents (SDL's
 * software renderer: the window's own framebuffer, or the headless surface) most of a picture is
 * the same as the last one: the panel's words, the legend, the status line. Each picture the
 * layers first run "keying": every primitive (a fill, a text, a copy, a batch of triangles) only
 * adds a hash of what it would draw to the tiles its box covers. Tiles whose hash differs from
 * the last picture's, and the parts of the map the last upload coloured again, are drawn again:
 * grouped into a few rectangles, each cleared and drawn by every layer under a clip. A picture
 * drawn that way has the very pixels of one drawn whole (test_ui_damage). */
#include <string.h>

#include "sm_view_internal.h"

static uint32_t mix32(uint32_t h, uint32_t x)
{
    return (h ^ x) * 16777619u;
}

void sm_view_damage_setup(sm_view_t *v, int W, int H)
{
    sm_view_damage_t *d = &v->dmg;
    int tile = 32;
    while (((W + tile - 1) / tile) * ((H + tile - 1) / tile) > DMG_MAX_TILES)
        tile *= 2;
    if (W != d->W || H != d->H || tile != d->tile)
        d->full = 1;
    d->W = W, d->H = H, d->tile = tile;
    d->tx = (W + tile - 1) / tile, d->ty = (H + tile - 1) / tile;
}

void sm_view_damage_begin(sm_view_t *v)
{
    sm_view_damage_t *d = &v->dmg;
    int n = d->tx * d->ty;
    for (int i = 0; i < n; i++)
        d->cur[i] = 2166136261u;
    memset(d->forced, 0, (size_t)n);
    d->n_scaled = 0;
    d->kclip_on = 0;
    memset(d->layer_box, 0, sizeof d->layer_box);
    d->layer = -1;
    d->keying = 1;
}

/* The tiles r covers (clipped to the picture): [*x0, *x1) x [*y0, *y1). 0 when none. */
static int tiles_of(const sm_view_damage_t *d, SDL_Rect r, int *x0, int *y0, int *x1, int *y1)
{
    int ax = r.x < 0 ? 0 : r.x, ay = r.y < 0 ? 0 : r.y;
    int bx = r.x + r.w > d->W ? d->W : r.x + r.w, by = r.y + r.h > d->H ? d->H : r.y + r.h;
    if (r.w <= 0 || r.h <= 0 || bx <= ax || by <= ay)
        return 0;
    *x0 = ax / d->tile, *y0 = ay / d->tile;
    *x1 = (bx + d->tile - 1) / d->tile, *y1 = (by + d->tile - 1) / d->tile;
    return 1;
}

/* A layer's own clip (sm_view_clip) limits what its primitives reach. */
static SDL_Rect clipped(const sm_view_damage_t *d, SDL_Rect r)
{
    SDL_Rect out;
    if (!d->kclip_on)
        return r;
    if (!SDL_IntersectRect(&r, &d->kclip, &out))
        out.w = out.h = 0;
    return out;
}

/* What box reaches: *r inside the layer's clip, its tiles; the layer being keyed is known to
 * draw there. 0 when it reaches nothing. */
static int reach(sm_view_damage_t *d, SDL_Rect box, SDL_Rect *r, int *x0, int *y0, int *x1, int *y1)
{
    *r = clipped(d, box);
    if (!tiles_of(d, *r, x0, y0, x1, y1))
        return 0;
    if (d->layer >= 0 && d->layer < DMG_LAYERS) {
        SDL_Rect *lb = &d->layer_box[d->layer];
        if (lb->w > 0)
            SDL_UnionRect(lb, r, lb);
        else
            *lb = *r;
    }
    return 1;
}

/* A primitive that would draw what h sums up inside box. opaque: it covers every pixel of box,
 * so a tile it covers whole is what is drawn from it on (nothing under it shows, changed or
 * not); else it adds to what the tiles held. */
static void add(sm_view_damage_t *d, SDL_Rect box, uint32_t h, int scaled, int opaque)
{
    SDL_Rect r;
    int x0, y0, x1, y1;
    if (!reach(d, box, &r, &x0, &y0, &x1, &y1))
        return;
    /* Where it is belongs to what it is: the same words moved are a change. */
    h = sm_view_hash(h, &box, sizeof box);
    for (int ty = y0; ty < y1; ty++)
        for (int tx = x0; tx < x1; tx++) {
            int t = ty * d->tx + tx;
            int tx0 = tx * d->tile, ty0 = ty * d->tile;
            int tx1 = tx0 + d->tile < d->W ? tx0 + d->tile : d->W;
            int ty1 = ty0 + d->tile < d->H ? ty0 + d->tile : d->H;
            if (opaque && tx0 >= r.x && ty0 >= r.y && tx1 <= r.x + r.w && ty1 <= r.y + r.h) {
                d->cur[t] = mix32(2166136261u, h);
                d->forced[t] = 0;
            } else {
                d->cur[t] = mix32(d->cur[t], h);
            }
        }
    if (scaled) {
        if (d->n_scaled < DMG_SCALED)
            d->scaled[d->n_scaled++] = r;
        else
            d->full = 1; /* more than it can follow: draw the picture whole */
    }
}

void sm_view_damage_note(sm_view_t *v, SDL_Rect box, uint32_t h, int scaled)
{
    add(&v->dmg, box, h, scaled, 0);
}

void sm_view_damage_cover(sm_view_t *v, SDL_Rect box, uint32_t h)
{
    add(&v->dmg, box, h, 0, 1);
}

void sm_view_damage_mark(sm_view_t *v, SDL_Rect box)
{
    sm_view_damage_t *d = &v->dmg;
    SDL_Rect r;
    int x0, y0, x1, y1;
    if (!reach(d, box, &r, &x0, &y0, &x1, &y1))
        return;
    for (int ty = y0; ty < y1; ty++)
        memset(d->forced + ty * d->tx + x0, 1, (size_t)(x1 - x0));
}

void sm_view_damage_all(sm_view_t *v)
{
    v->dmg.full = 1;
    if (v->dmg.keying) /* something drawn without keys: the next picture cannot trust them */
        v->dmg.unkeyed = 1;
}

static long area_of(const SDL_Rect *r)
{
    return (long)r->w * r->h;
}

/* Every part drawn again runs every layer once more (their words looked up, the trail's and
 * contours' points worked out): parts are joined, the pair that adds the fewest pixels first,
 * down to DMG_PARTS, and below that while joining adds less than a tenth. */
static int fewer_parts(SDL_Rect *rects, int k)
{
    while (k > 1) {
        int bi = -1, bj = -1;
        long best = -1;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++) {
                SDL_Rect u;
                SDL_UnionRect(&rects[i], &rects[j], &u);
                long extra = area_of(&u) - area_of(&rects[i]) - area_of(&rects[j]);
                if (best < 0 || extra < best)
                    best = extra, bi = i, bj = j;
            }
        long sum = 0;
        for (int i = 0; i < k; i++)
            sum += area_of(&rects[i]);
        if (k <= DMG_PARTS && best * 10 > sum)
            break;
        SDL_UnionRect(&rects[bi], &rects[bj], &rects[bi]);
        rects[bj] = rects[--k];
    }
    return k;
}

static int contains(const SDL_Rect *outer, const SDL_Rect *in)
{
    return in->x >= outer->x && in->y >= outer->y && in->x + in->w <= outer->x + outer->w &&
           in->y + in->h <= outer->y + outer->h;
}

/* A scaled copy drawn under a clip samples its source from another origin than drawn whole (SDL
 * fits the source to the clipped part): a scaled copy that a part touches must lie in that one
 * part, so the parts it touches are joined around it; parts joined that way may overlap others,
 * which are joined too (a part drawn twice would blend its see-through pixels twice). */
static int whole_scaled(const sm_view_damage_t *d, SDL_Rect *rects, int k)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (int s = 0; s < d->n_scaled && !changed; s++) {
            SDL_Rect pic = {0, 0, d->W, d->H}, box;
            if (!SDL_IntersectRect(&d->scaled[s], &pic, &box))
                continue;
            const SDL_Rect *b = &box;
            int hit = -1, split = 0;
            for (int i = 0; i < k; i++)
                if (SDL_HasIntersection(b, &rects[i])) {
                    split |= hit >= 0 || !contains(&rects[i], b);
                    hit = hit < 0 ? i : hit;
                }
            if (hit < 0 || !split)
                continue;
            SDL_Rect u = *b;
            for (int i = 0; i < k;)
                if (SDL_HasIntersection(b, &rects[i])) {
                    SDL_UnionRect(&u, &rects[i], &u);
                    rects[i] = rects[--k];
                } else {
                    i++;
                }
            rects[k++] = u;
            changed = 1;
        }
        for (int i = 0; i < k && !changed; i++)
            for (int j = i + 1; j < k && !changed; j++)
                if (SDL_HasIntersection(&rects[i], &rects[j])) {
                    SDL_UnionRect(&rects[i], &rects[j], &rects[i]);
                    rects[j] = rects[--k];
                    changed = 1;
                }
    }
    return k;
}

int sm_view_damage_plan(sm_view_t *v, SDL_Rect *rects, int max)
{
    sm_view_damage_t *d = &v->dmg;
    d->keying = 0;
    int n = d->tx * d->ty, full = d->full;
    d->full = d->unkeyed;
    d->unkeyed = 0;
    for (int i = 0; i < n; i++)
        d->dirty[i] = full || d->forced[i] || d->cur[i] != d->prev[i];
    memcpy(d->prev, d->cur, (size_t)n * sizeof d->cur[0]);
    if (full)
        return -1;
    /* Runs of dirty tiles along each row of tiles, joined with the run above when they span
     * the same columns. */
    int k = 0;
    long area = 0;
    for (int ty = 0; ty < d->ty; ty++) {
        for (int tx = 0; tx < d->tx;) {
            if (!d->dirty[ty * d->tx + tx]) {
                tx++;
                continue;
            }
            int t0 = tx;
            while (tx < d->tx && d->dirty[ty * d->tx + tx])
                tx++;
            SDL_Rect r = {t0 * d->tile, ty * d->tile, (tx - t0) * d->tile, d->tile};
            if (r.x + r.w > d->W)
                r.w = d->W - r.x;
            if (r.y + r.h > d->H)
                r.h = d->H - r.y;
            area += (long)r.w * r.h;
            int joined = 0;
            for (int j = k - 1; j >= 0 && !joined; j--)
                if (rects[j].x == r.x && rects[j].w == r.w && rects[j].y + rects[j].h == r.y) {
                    rects[j].h += r.h;
                    joined = 1;
                }
            if (joined)
                continue;
            if (k == max) { /* too scattered to draw in parts */
                d->drawn_px = (long)d->W * d->H;
                return -1;
            }
            rects[k++] = r;
        }
    }
    k = fewer_parts(rects, k);
    k = whole_scaled(d, rects, k);
    area = 0;
    for (int i = 0; i < k; i++)
        area += (long)rects[i].w * rects[i].h;
    d->drawn_px = area;
    return k;
}

void sm_view_damage_clip(sm_view_t *v, const SDL_Rect *r)
{
    sm_view_damage_t *d = &v->dmg;
    if (d->keying) {
        d->kclip_on = r != NULL;
        if (r)
            d->kclip = *r;
        return;
    }
    if (!d->clipping || d->in_cache) {
        SDL_RenderSetClipRect(v->ren, r);
        return;
    }
    SDL_Rect both;
    if (!r) {
        both = d->clip;
    } else if (!SDL_IntersectRect(r, &d->clip, &both)) {
        both = (SDL_Rect){-2, -2, 1, 1}; /* nothing: a pixel outside the picture */
    }
    SDL_RenderSetClipRect(v->ren, &both);
}

int sm_view_damage_skip(const sm_view_t *v, SDL_Rect box)
{
    const sm_view_damage_t *d = &v->dmg;
    return d->clipping && !d->in_cache && !SDL_HasIntersection(&box, &d->clip);
}
