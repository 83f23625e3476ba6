/* Drawing primitives every layer of the live view uses: outlines, text (straight, turned, fitted),
 * pills, number and time formats, and thick lines batched into triangles. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

void sm_view_outline(sm_view_t *v, SDL_Rect r, SDL_Color c, int width)
{
    int wd = width > 0 ? width : 0;
    SDL_Rect box = {r.x - wd - 1, r.y - wd - 1, r.w + 2 * wd + 2, r.h + 2 * wd + 2};
    if (v->dmg.keying) {
        uint32_t h = sm_view_hash(0x6f75746cu, &c, sizeof c);
        sm_view_damage_note(v, box, sm_view_hash(h, &width, sizeof width), 0);
        return;
    }
    if (sm_view_damage_skip(v, box))
        return;
    set_color(v, c);
    if (c.a == 255 && width > 0) { /* the same pixels as the rings below, in four fills */
        SDL_Rect k[4] = {{r.x - width, r.y - width, r.w + 2 * width, width},
                         {r.x - width, r.y + r.h, r.w + 2 * width, width},
                         {r.x - width, r.y, width, r.h},
                         {r.x + r.w, r.y, width, r.h}};
        SDL_RenderFillRects(v->ren, k, 4);
        return;
    }
    for (int i = 0; i < width; i++) {
        SDL_Rect o = {r.x - i - 1, r.y - i - 1, r.w + 2 * i + 2, r.h + 2 * i + 2};
        SDL_RenderDrawRect(v->ren, &o);
    }
}

/* Draws s with its top at y, anchored at x per align, scaled down to fit maxw (0: any width).
 * Returns the width drawn; *h (may be NULL) gets the height. */
int sm_view_text(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int x, int y, int align,
                 int maxw, int *h)
{
    int w = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, 0, s, &w, &th);
    if (h)
        *h = th;
    if (!tex)
        return 0;
    int dw = w, dh = th;
    if (maxw > 0 && w > maxw) {
        dw = maxw;
        dh = (int)((double)th * maxw / w + 0.5);
    }
    int dx = align == AL_LEFT ? x : align == AL_CENTER ? x - dw / 2 : x - dw;
    /* Keep the scaled text on the same baseline region: centre it vertically in the line. */
    SDL_Rect dst = {dx, y + (th - dh) / 2, dw, dh};
    sm_view_copy(v, tex, dst, sm_view_text_key(face, c, 0, s), dw != w || dh != th);
    return dw;
}

/* Text turned a quarter to the left (read from bottom to top), centred on (cx, cy), scaled to be
 * at most maxlen long. */
void sm_view_text_up(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int cy,
                     int maxlen)
{
    int w = 0, h = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, 0, s, &w, &h);
    if (!tex)
        return;
    if (maxlen > 0 && w > maxlen) {
        h = (int)((double)h * maxlen / w + 0.5);
        w = maxlen;
    }
    SDL_Rect dst = {cx - w / 2, cy - h / 2, w, h};
    /* turned about its centre: h wide and w tall, a pixel or two of rounding either way */
    SDL_Rect box = {cx - h / 2 - 2, cy - w / 2 - 2, h + 4, w + 4};
    if (v->dmg.keying) {
        sm_view_damage_note(v, box, sm_view_text_key(face, c, -90, s), 1);
        return;
    }
    if (sm_view_damage_skip(v, box))
        return;
    SDL_RenderCopyEx(v->ren, tex, NULL, &dst, -90.0, NULL, SDL_FLIP_NONE);
}

/* Thousands grouped with a thin space (U+2009) so "12 345" reads at a glance; one decimal below
 * 10 so small calibrated values (kPa, cm2) keep their meaning. */
void sm_view_fmt_value(double x, char *buf, size_t n)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "\xe2\x80\x93"); /* en dash: no value */
        return;
    }
    if (fabs(x) < 10.0 && fabs(x - floor(x + 0.5)) > 0.05) {
        snprintf(buf, n, "%.1f", x);
        return;
    }
    char digits[32];
    double ax = nearbyint(fabs(x)); /* as "%.0f" rounds: to nearest, ties to even */
    if (ax < 1e15) {                /* the legend's numbers, each picture: no printf */
        char rev[20];
        int k = 0;
        for (long long d = (long long)ax; k == 0 || d > 0; d /= 10)
            rev[k++] = (char)('0' + d % 10);
        for (int i = 0; i < k; i++)
            digits[i] = rev[k - 1 - i];
        digits[k] = '\0';
    } else {
        snprintf(digits, sizeof digits, "%.0f", fabs(x));
    }
    if (strcmp(digits, "0") == 0)
        x = 0.0; /* no "-0" */
    size_t len = strlen(digits), o = 0;
    if (x < 0 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 4 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            memcpy(buf + o, "\xe2\x80\x89", 3);
            o += 3;
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

void sm_view_fmt_time(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0)
        s = 0;
    long t = (long)s;
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

int sm_view_line_h(sm_view_t *v, sm_face f)
{
    int h = sm_text_line_height(v->text, f);
    return h > 0 ? h : v->face_px[f] + v->face_px[f] / 4;
}

void sm_view_quad(SDL_Vertex *vt, float ax, float ay, float bx, float by, float half, SDL_Color c0,
                  SDL_Color c1)
{
    float dx = bx - ax, dy = by - ay, len = sqrtf(dx * dx + dy * dy);
    /* Extend each segment by half its width so consecutive segments overlap at the joints. */
    float ux = dx / len, uy = dy / len, nx = -uy * half, ny = ux * half;
    ax -= ux * half * 0.5f, ay -= uy * half * 0.5f;
    bx += ux * half * 0.5f, by += uy * half * 0.5f;
    SDL_FPoint p[4] = {
        {ax + nx, ay + ny}, {ax - nx, ay - ny}, {bx + nx, by + ny}, {bx - nx, by - ny}};
    static const int idx[6] = {0, 1, 2, 2, 1, 3};
    for (int i = 0; i < 6; i++) {
        vt[i].position = p[idx[i]];
        vt[i].color = idx[i] < 2 ? c0 : c1;
        vt[i].tex_coord = (SDL_FPoint){0, 0};
    }
}

/* Thick lines go through one batch of triangles per colour and blend mode: a contour of a few
 * dozen segments is one call, not one per segment. */
void sm_view_geo_flush(sm_view_t *v)
{
    if (v->geo_n)
        sm_view_geometry(v, v->geo, v->geo_n, v->geo_blend);
    v->geo_n = 0;
}

/* fminf and fmaxf (a NaN gives way to the other), inline: the library calls cost more than the
 * rest of a bounding box. */
static inline float lo(float a, float b)
{
    return a != a ? b : b < a ? b : a;
}

static inline float hi(float a, float b)
{
    return a != a ? b : b > a ? b : a;
}

void sm_view_geometry(sm_view_t *v, const SDL_Vertex *vt, int n, SDL_BlendMode blend)
{
    if (n <= 0)
        return;
    float x0 = vt[0].position.x, x1 = x0, y0 = vt[0].position.y, y1 = y0;
    for (int i = 1; i < n; i++) {
        x0 = lo(x0, vt[i].position.x), x1 = hi(x1, vt[i].position.x);
        y0 = lo(y0, vt[i].position.y), y1 = hi(y1, vt[i].position.y);
    }
    if (!(x0 > -1e6f && x1 < 1e6f && y0 > -1e6f && y1 < 1e6f)) /* NaN or far away: anywhere */
        x0 = y0 = -1e6f, x1 = y1 = 1e6f;
    SDL_Rect box = {(int)floorf(x0) - 2, (int)floorf(y0) - 2, (int)(x1 - floorf(x0)) + 5,
                    (int)(y1 - floorf(y0)) + 5};
    if (v->dmg.keying) {
        uint32_t h = sm_view_hash(0x67656f6du, &blend, sizeof blend);
        sm_view_damage_note(v, box, sm_view_hash(h, vt, (size_t)n * sizeof *vt), 0);
        return;
    }
    if (sm_view_damage_skip(v, box))
        return;
    /* Drawing a part: only the triangles that reach into it. SDL's software renderer would
     * clip away the others pixel by pixel, each triangle on its own (a long trail is hundreds
     * of them); the pixels in the part are the same. */
    if (v->dmg.clipping && !v->dmg.in_cache && n <= CULL_VERTS) {
        const SDL_Rect *cl = &v->dmg.clip;
        int k = 0;
        for (int i = 0; i + 3 <= n; i += 3) {
            float tx0 = lo(lo(vt[i].position.x, vt[i + 1].position.x), vt[i + 2].position.x);
            float tx1 = hi(hi(vt[i].position.x, vt[i + 1].position.x), vt[i + 2].position.x);
            float ty0 = lo(lo(vt[i].position.y, vt[i + 1].position.y), vt[i + 2].position.y);
            float ty1 = hi(hi(vt[i].position.y, vt[i + 1].position.y), vt[i + 2].position.y);
            /* NaN compares false: such a triangle is kept, as SDL would be given it */
            if (tx1 + 1.0f < (float)cl->x || tx0 - 1.0f > (float)(cl->x + cl->w) ||
                ty1 + 1.0f < (float)cl->y || ty0 - 1.0f > (float)(cl->y + cl->h))
                continue;
            memcpy(v->cull + k, vt + i, 3 * sizeof *vt);
            k += 3;
        }
        if (k == 0)
            return;
        vt = v->cull, n = k;
    }
    SDL_SetRenderDrawBlendMode(v->ren, blend);
    SDL_RenderGeometry(v->ren, NULL, vt, n, NULL, 0);
}

void sm_view_copy(sm_view_t *v, SDL_Texture *tex, SDL_Rect dst, uint32_t key, int scaled)
{
    if (v->dmg.keying) {
        sm_view_damage_note(v, dst, sm_view_hash(key, "copy", 4), scaled);
        return;
    }
    if (!tex || sm_view_damage_skip(v, dst))
        return;
    SDL_RenderCopy(v->ren, tex, NULL, &dst);
}

uint32_t sm_view_text_key(sm_face face, SDL_Color c, int wrap, const char *s)
{
    uint32_t h = sm_view_hash(0x74657874u, &face, sizeof face);
    h = sm_view_hash(h, &c, sizeof c);
    h = sm_view_hash(h, &wrap, sizeof wrap);
    return sm_view_hash_str(h, s);
}

void sm_view_geo_line(sm_view_t *v, float ax, float ay, float bx, float by, float width,
                      SDL_Color c)
{
    SDL_BlendMode bm = c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND;
    if (v->geo_n && (bm != v->geo_blend || v->geo_n + 6 > GEO_VERTS))
        sm_view_geo_flush(v);
    v->geo_blend = bm;
    if (ax == bx && ay == by)
        return;
    sm_view_quad(v->geo + v->geo_n, ax, ay, bx, by, width / 2, c, c);
    v->geo_n += 6;
}

void sm_view_rects_flush(sm_view_t *v, int n, SDL_Color c)
{
    if (n <= 0)
        return;
    if (v->dmg.keying || v->dmg.clipping) {
        SDL_Rect box = v->rects[0];
        for (int i = 1; i < n; i++)
            SDL_UnionRect(&box, &v->rects[i], &box);
        if (v->dmg.keying) {
            uint32_t h = sm_view_hash(0x72656374u, &c, sizeof c);
            sm_view_damage_note(v, box, sm_view_hash(h, v->rects, (size_t)n * sizeof v->rects[0]),
                                0);
            return;
        }
        if (sm_view_damage_skip(v, box))
            return;
    }
    set_color(v, c);
    SDL_RenderFillRects(v->ren, v->rects, n);
}

/* Text scaled to fit w and h (either 0: no limit), centred on cx, top at y; returns the height
 * drawn. wrap > 0 wraps (centred lines). */
int sm_view_text_fit(sm_view_t *v, sm_face face, SDL_Color c, const char *s, int cx, int y, int w,
                     int h, int wrap)
{
    int tw = 0, th = 0;
    SDL_Texture *tex = sm_text_get(v->text, face, c, wrap, s, &tw, &th);
    if (!tex)
        return 0;
    double k = 1.0;
    if (w > 0 && tw > w)
        k = (double)w / tw;
    if (h > 0 && th * k > h)
        k = (double)h / th;
    SDL_Rect dst = {cx - iround(tw * k) / 2, y, iround(tw * k), iround(th * k)};
    sm_view_copy(v, tex, dst, sm_view_text_key(face, c, wrap, s), dst.w != tw || dst.h != th);
    return dst.h;
}

/* A pill with text, top-left at (x, y); returns its width. */
int sm_view_badge(sm_view_t *v, const sm_layout_t *L, int x, int y, SDL_Color bg, SDL_Color fg,
                  const char *s)
{
    int w = 0, h = 0;
    sm_text_measure(v->text, SM_FACE_BANNER, s, &w, &h);
    if (!w)
        return 0;
    int px = iround(1.2 * L->u), py = iround(0.3 * L->u);
    SDL_Rect r = {x, y, w + 2 * px, h + 2 * py};
    fill(v, r, bg);
    sm_view_text(v, SM_FACE_BANNER, fg, s, x + px, y + py, AL_LEFT, 0, NULL);
    return r.w;
}

/* ---- parts of the picture drawn once ------------------------------------------------------- */

uint32_t sm_view_hash(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

uint32_t sm_view_hash_str(uint32_t h, const char *s)
{
    return sm_view_hash(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

int sm_view_cache_begin(sm_view_t *v, sm_view_cache_t *c, SDL_Rect r, uint32_t key, SDL_Color bg)
{
    c->drawing = 0;
    if (r.w <= 0 || r.h <= 0)
        return 1;        /* nothing to show */
    if (v->dmg.keying) { /* what it shows is what its key says, opaque */
        sm_view_damage_cover(v, r, sm_view_hash(key, "kept", 4));
        return 1;
    }
    if (v->no_cache) {
        fill(v, r, bg);
        return 0;
    }
    if (c->tex && c->valid && c->key == key && c->r.x == r.x && c->r.y == r.y && c->r.w == r.w &&
        c->r.h == r.h) {
        if (!sm_view_damage_skip(v, r))
            SDL_RenderCopy(v->ren, c->tex, NULL, &r);
        return 1;
    }
    c->valid = 0;
    if (c->tex && (c->r.w != r.w || c->r.h != r.h)) {
        SDL_DestroyTexture(c->tex);
        c->tex = NULL;
    }
    if (!c->tex)
        c->tex = SDL_CreateTexture(v->ren, v->pixel_format, SDL_TEXTUREACCESS_TARGET, r.w, r.h);
    /* Drawn with the view's own coordinates: the viewport moves them onto the texture. */
    SDL_Rect vp = {-r.x, -r.y, r.x + r.w, r.y + r.h};
    if (c->tex && SDL_SetRenderTarget(v->ren, c->tex) == 0 &&
        SDL_RenderSetViewport(v->ren, &vp) == 0) {
        c->drawing = 1;
        c->r = r;
        c->key = key;
        v->dmg.in_cache = 1; /* drawn whole, in its own texture */
    } else { /* a renderer without pictures of its own: the caller draws straight, every time */
        SDL_SetRenderTarget(v->ren, NULL);
        if (c->tex)
            SDL_DestroyTexture(c->tex);
        c->tex = NULL;
    }
    fill(v, r, bg);
    return 0;
}

void sm_view_cache_end(sm_view_t *v, sm_view_cache_t *c)
{
    if (!c->drawing)
        return;
    c->drawing = 0;
    v->dmg.in_cache = 0;
    SDL_SetRenderTarget(v->ren, NULL); /* the viewport goes back to the whole output with it */
    SDL_SetTextureBlendMode(c->tex, SDL_BLENDMODE_NONE); /* opaque: a plain copy */
    c->valid = 1;
    SDL_RenderCopy(v->ren, c->tex, NULL, &c->r);
}

void sm_view_cache_drop(sm_view_cache_t *c)
{
    if (c->tex)
        SDL_DestroyTexture(c->tex);
    memset(c, 0, sizeof *c);
}
