/* The heatmap layer: the colour table and legend, the mat's values coloured straight into a
 * texture at their size on screen, the map (and the compare map) with their captions, the
 * scale bar under the map and the colour legend beside it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_colormap.h"
#include "sm_view_internal.h"

static double smoothstep(double e0, double e1, double x)
{
    if (x <= e0)
        return 0.0;
    if (x >= e1)
        return 1.0;
    double s = (x - e0) / (e1 - e0);
    return s * s * (3.0 - 2.0 * s);
}

/* ---- colour scale ------------------------------------------------------------------------- */

static uint32_t argb(int r, int g, int b)
{
    return 0xFF000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* Value -> colour, with the bottom of the scale faded into the mat's background: noise and
 * unloaded cells read as "nothing here" instead of a purple wash over the whole mat. */
void sm_view_lut_build(sm_view_t *v)
{
    double f = v->floor_frac;
    for (int i = 0; i < LUT_N; i++) {
        double t = (double)i / (LUT_N - 1);
        unsigned char rgb[3];
        sm_colormap_rgb(t, rgb);
        double a = smoothstep(f, 2.0 * f, t);
        unsigned char out[3] = {(unsigned char)iround(C_MAT.r + (rgb[0] - C_MAT.r) * a),
                                (unsigned char)iround(C_MAT.g + (rgb[1] - C_MAT.g) * a),
                                (unsigned char)iround(C_MAT.b + (rgb[2] - C_MAT.b) * a)};
        v->lut[i] = argb(out[0], out[1], out[2]);
        sm_colormap_lab(out, v->lut_lab[i]);
    }
    double de = sm_colormap_step_de();
    v->step_de2 = (float)(de * de);
}

/* The colour-table entry a cell's value is drawn with at its centre (as sm_heatmap_render). */
static int lut_index(int cell, float inv)
{
    float x = cell * inv * (float)(LUT_N - 1) + 0.5f;
    return x <= 0.0f ? 0 : x >= (float)(LUT_N - 1) ? LUT_N - 1 : (int)x;
}

/* Whether two entries of the colour table look different by more than one of the scale's 256
 * colours: Delta E*ab over the largest difference between neighbouring colours of the scale. */
static int looks_different(const sm_view_t *v, int a, int b)
{
    if (a == b || v->lut[a] == v->lut[b])
        return 0;
    const float *p = v->lut_lab[a], *q = v->lut_lab[b];
    float d0 = p[0] - q[0], d1 = p[1] - q[1], d2 = p[2] - q[2];
    return d0 * d0 + d1 * d1 + d2 * d2 > v->step_de2;
}

int sm_view_legend_make(sm_view_t *v)
{
    v->legend_tex =
        SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, 1, LEGEND_N);
    if (!v->legend_tex)
        return -1;
    uint32_t px[LEGEND_N];
    for (int y = 0; y < LEGEND_N; y++) /* top of the bar = top of the scale */
        px[y] = v->lut[(LEGEND_N - 1 - y) * (LUT_N - 1) / (LEGEND_N - 1)];
    SDL_UpdateTexture(v->legend_tex, NULL, px, (int)sizeof px[0]);
    SDL_SetTextureScaleMode(v->legend_tex, SDL_ScaleModeLinear);
    return 0;
}

double sm_view_fallback_scale(const sm_frame_t *f, const float *vals)
{
    if (vals) { /* calibrated: the highest value, so the map is never all one colour */
        double vm = 0;
        for (int i = 0; i < f->rows * f->cols; i++)
            if (isfinite(vals[i]) && vals[i] > vm)
                vm = vals[i];
        return vm > 0 ? vm : 1.0;
    }
    uint16_t mx = 0;
    for (int i = 0; f && i < f->rows * f->cols; i++)
        if (f->cells[i] > mx)
            mx = f->cells[i];
    return mx > 1023 ? 4095.0 : 1023.0;
}

/* Calibrated values (floats in the scale's units) as counts for sm_heatmap_render: the scale's
 * top becomes Q_SCALE, so values up to four times the scale keep their shape and a step of the
 * colour table (1/1024 of the scale) is 16 steps here. Below zero and non-finite read as 0. */
#define Q_SCALE 16000.0
static const uint16_t *quantise(sm_view_t *v, const float *vals, int n, double scale)
{
    double k = Q_SCALE / scale;
    for (int i = 0; i < n; i++) {
        double x = vals[i] * k;
        v->qcells[i] = (uint16_t)(x > 0 && x < 65535.0 ? x + 0.5 : x >= 65535.0 ? 65535 : 0);
    }
    return v->qcells;
}

/* Colours the frame straight at its size on screen (map_w x map_h), so drawing it is a plain
 * copy: no scaling, no filtering, no blending. A texture scaled by the renderer cost most of a
 * picture with software rendering (SDL's own, or llvmpipe). vals (NULL: the raw counts) are
 * calibrated values in the units of scale. */
/* A replaced faulty cell (stuck, dead, hot) is drawn with what the coach used instead of its
 * reading: the median of its neighbours that are not faults themselves (the grey mark of the
 * clinician view says it was replaced). A stuck cell at full scale no longer glows. */
static const uint16_t *replace_faults(sm_view_t *v, const uint16_t *cells, const uint8_t *labels,
                                      int rows, int cols)
{
    int n = rows * cols, any = 0;
    for (int i = 0; i < n && !any; i++)
        any = labels[i] == SM_VIEW_FAULT;
    if (!any)
        return cells;
    memcpy(v->fixcells, cells, (size_t)n * sizeof cells[0]);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (labels[r * cols + c] != SM_VIEW_FAULT)
                continue;
            uint16_t nb[8];
            int k = 0;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    int rr = r + dr, cc = c + dc;
                    if ((dr || dc) && rr >= 0 && cc >= 0 && rr < rows && cc < cols &&
                        labels[rr * cols + cc] != SM_VIEW_FAULT)
                        nb[k++] = cells[rr * cols + cc];
                }
            for (int a = 1; a < k; a++) /* insertion sort of at most 8 */
                for (int b = a; b > 0 && nb[b - 1] > nb[b]; b--) {
                    uint16_t t = nb[b];
                    nb[b] = nb[b - 1];
                    nb[b - 1] = t;
                }
            v->fixcells[r * cols + c] = k == 0  ? 0
                                        : k % 2 ? nb[k / 2]
                                                : (uint16_t)((nb[k / 2 - 1] + nb[k / 2] + 1) / 2);
        }
    return v->fixcells;
}

int sm_view_heat_upload(sm_view_t *v, heat_t *h, const sm_frame_t *f, const float *vals,
                        const uint8_t *labels, double scale, int map_w, int map_h)
{
    size_t n = (size_t)f->rows * f->cols;
    const uint16_t *cells = f->cells;
    if (vals) {
        cells = quantise(v, vals, (int)n, scale);
        scale = Q_SCALE;
    }
    if (labels)
        cells = replace_faults(v, cells, labels, f->rows, f->cols);
    h->n_changed = 0;
    int same = h->valid && h->tw == map_w && h->th == map_h && h->rows == f->rows &&
               h->cols == f->cols && h->scale == scale;
    if (same) {
        /* A cell is drawn again when its reading has moved from the value drawn by more than
         * one of the colour scale's 256 steps and its colour by more than one of its colours as
         * people see colour (Delta E*ab, sm_colormap_step_de, under the smallest difference
         * noticed). So the sensor's flicker does not recolour the map (most of what a still body
         * changes from frame to frame), nor do changes that keep the colour: readings within the
         * faded bottom of the scale (an unloaded mat's noise) or above its top. Every cell is
         * drawn within a step of its reading, or within a colour of how it would look. */
        int step = (int)(scale / SM_COLORMAP_N);
        float inv = (float)(1.0 / scale);
        for (size_t i = 0; i < n; i++) {
            int drawn = h->last[i];
            v->shown[i] = (uint16_t)drawn;
            if (abs((int)cells[i] - drawn) > step &&
                looks_different(v, lut_index(cells[i], inv), lut_index(drawn, inv)))
                v->shown[i] = cells[i];
        }
        cells = v->shown;
        if (memcmp(h->last, cells, n * sizeof cells[0]) == 0)
            return 0;
    }
    if (!h->tex || h->tw != map_w || h->th != map_h) {
        if (h->tex)
            SDL_DestroyTexture(h->tex);
        h->tex =
            SDL_CreateTexture(v->ren, v->pixel_format, SDL_TEXTUREACCESS_STREAMING, map_w, map_h);
        h->valid = 0, same = 0;
        h->tw = h->th = 0;
        if (!h->tex)
            return -1;
        SDL_SetTextureBlendMode(h->tex, SDL_BLENDMODE_NONE); /* opaque */
        SDL_SetTextureScaleMode(h->tex, SDL_ScaleModeNearest);
        h->tw = map_w, h->th = map_h;
    }
    size_t need = (size_t)map_w * (size_t)map_h;
    if (need > h->px_cap) {
        uint32_t *px = malloc(need * sizeof *px);
        if (!px)
            return -1;
        free(h->px);
        h->px = px, h->px_cap = need;
        same = 0;
    }
    int nr = sm_heatmap_render_changed(v->hm, cells, same ? h->last : NULL, f->rows, f->cols, map_w,
                                       map_h, scale, v->lut, LUT_N, h->px, map_w * 4, h->changed,
                                       HEAT_RECTS);
    if (nr < 0) {
        h->valid = 0;
        return -1;
    }
    for (int i = 0; i < nr; i++) {
        const sm_heatmap_rect_t *k = &h->changed[i];
        SDL_Rect r = {k->x, k->y, k->w, k->h};
        if (SDL_UpdateTexture(h->tex, &r, h->px + (size_t)k->y * map_w + k->x, map_w * 4) != 0) {
            h->valid = 0;
            return -1;
        }
    }
    h->n_changed = nr;
    memcpy(h->last, cells, n * sizeof cells[0]);
    h->rows = f->rows, h->cols = f->cols, h->scale = scale;
    h->valid = 1;
    return 0;
}

static double nice_step(double span, int target)
{
    double raw = span / (target > 0 ? target : 1);
    double p = pow(10.0, floor(log10(raw)));
    double q = raw / p;
    return (q <= 1.0 ? 1.0 : q <= 2.0 ? 2.0 : q <= 2.5 ? 2.5 : q <= 5.0 ? 5.0 : 10.0) * p;
}

/* The legend's numbers: one every `step` from 0 up to the scale's top. */
static void legend_label(double val, double step, char *buf, size_t n)
{
    if (step < 1.0)
        snprintf(buf, n, "%.*f", step < 0.1 ? 2 : 1, val);
    else
        sm_view_fmt_value(val, buf, n);
}

/* The colour bar beside the map, its ticks and numbers, and the units along it. It changes only
 * with the scale, the units, the size and the palette: drawn once (sm_view_cache_begin), a copy
 * every picture after. */
static void draw_legend(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, double scale)
{
    int bw = iround(2.6 * L->u);
    SDL_Rect bar = {L->map.x + L->map.w + iround(1.6 * L->u), L->map.y, bw, L->map.h};
    int lh = sm_view_line_h(v, SM_FACE_SMALL);
    int target = bar.h / (lh * 3);
    if (target > 8)
        target = 8;
    double step = nice_step(scale, target < 2 ? 2 : target);
    int label_x = bar.x + bar.w + iround(1.0 * L->u);
    int max_label_w = 0, top_h = 0, bottom_h = 0;
    for (int i = 0;; i++) {
        double val = i * step;
        if (val > scale * (1.0 + 1e-9))
            break;
        char buf[48];
        legend_label(val, step, buf, sizeof buf);
        int w = 0, h = 0;
        sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
        if (w > max_label_w)
            max_label_w = w;
        if (i == 0)
            bottom_h = h;
        top_h = h;
    }
    /* Units along the bar, read from bottom to top: the scale is never unlabelled. */
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    int ul = sm_view_line_h(v, SM_FACE_LABEL);
    int ux = label_x + max_label_w + iround(0.6 * L->u) + ul / 2;
    /* Everything the legend draws: the bar's outline, the numbers centred on the end ticks, the
     * units' line (as tall as the label face) centred on ux. */
    int x0 = bar.x - 1, x1 = ux + ul - ul / 2 + 2;
    int y0 = bar.y - 1 - lh / 2 - (top_h > lh ? top_h - lh : 0);
    int y1 = bar.y + bar.h + 1 + lh / 2 + (bottom_h > lh ? bottom_h - lh : 0);
    SDL_Rect area = {x0, y0, x1 - x0, y1 - y0};
    uint32_t key = sm_view_hash(2166136261u, &area, sizeof area);
    key = sm_view_hash(key, &scale, sizeof scale);
    key = sm_view_hash(key, &L->u, sizeof L->u);
    key = sm_view_hash(key, v->pal, sizeof *v->pal);
    key = sm_view_hash(key, v->face_px, sizeof v->face_px);
    key = sm_view_hash_str(key, units);
    if (sm_view_cache_begin(v, &v->legend, area, key, v->pal->window))
        return;
    sm_view_copy(v, v->legend_tex, bar, 0x6c65676eu, 1);
    sm_view_outline(v, bar, v->pal->frame, 1);
    for (int i = 0;; i++) {
        double val = i * step;
        if (val > scale * (1.0 + 1e-9))
            break;
        int y = bar.y + bar.h - 1 - iround((bar.h - 1) * val / scale);
        SDL_Rect tick = {bar.x + bar.w, y - (L->u >= 8 ? 1 : 0), iround(0.7 * L->u),
                         L->u >= 8 ? 2 : 1};
        fill(v, tick, v->pal->dim);
        char buf[48];
        legend_label(val, step, buf, sizeof buf);
        sm_view_text(v, SM_FACE_SMALL, v->pal->dim, buf, label_x, y - lh / 2, AL_LEFT, 0, NULL);
    }
    sm_view_text_up(v, SM_FACE_LABEL, v->pal->text, units, ux, bar.y + bar.h / 2, bar.h);
    sm_view_cache_end(v, &v->legend);
}

/* The scale bar's length: the largest of 1, 2, 5, 10 ... cm that takes at most a third of the
 * map's width. Returns the cm (0: no bar: pitch unknown, or the map too small); *len the pixels. */
static int scale_bar_cm(const sm_layout_t *L, const sm_frame_t *f, double pitch, int *len)
{
    *len = 0;
    if (!(pitch > 0) || !isfinite(pitch))
        return 0;
    double px_per_cm = (double)L->map.w / (f->cols * pitch / 10.0);
    static const int cms[] = {1, 2, 5, 10, 20, 50, 100};
    int cm = 0;
    for (size_t i = 0; i < sizeof cms / sizeof cms[0]; i++)
        if (cms[i] * px_per_cm <= 0.34 * L->map.w)
            cm = cms[i];
    *len = cm ? iround(cm * px_per_cm) : 0;
    return cm;
}

int sm_view_scale_bar_end(sm_view_t *v, const sm_layout_t *L, const sm_frame_t *f, double pitch)
{
    int len = 0, cm = scale_bar_cm(L, f, pitch, &len);
    if (!cm)
        return L->map.x;
    char buf[32];
    snprintf(buf, sizeof buf, "%d cm", cm);
    int w = 0, h = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    return L->map.x + len + iround(L->u) + w;
}

/* The scale bar under the map's left end, and the mat's size at its right end when the key of
 * the marks does not need that room (reserved). */
static void draw_scale_bar(sm_view_t *v, const sm_layout_t *L, const sm_frame_t *f, double pitch,
                           int reserved, int clinician)
{
    int len = 0, cm = scale_bar_cm(L, f, pitch, &len);
    if (!cm)
        return;
    int th = L->u >= 8 ? 2 : 1;
    int y = L->map.y + L->map.h + L->m / 2 + sm_view_line_h(v, SM_FACE_SMALL) / 2;
    SDL_Rect bar = {L->map.x, y - th / 2, len, th};
    fill(v, bar, v->pal->dim);
    SDL_Rect e1 = {L->map.x, y - 3 * th, th, 6 * th},
             e2 = {L->map.x + len - th, y - 3 * th, th, 6 * th};
    fill(v, e1, v->pal->dim);
    fill(v, e2, v->pal->dim);
    char buf[32];
    snprintf(buf, sizeof buf, "%d cm", cm);
    sm_view_text(v, SM_FACE_SMALL, v->pal->dim, buf, L->map.x + len + iround(L->u),
                 y - sm_view_line_h(v, SM_FACE_SMALL) / 2, AL_LEFT, 0, NULL);
    char dims[64];
    snprintf(dims, sizeof dims, "%d \xc3\x97 %d cells, %.3g mm pitch", f->rows, f->cols, pitch);
    int dw = 0, dh = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, dims, &dw, &dh);
    if (clinician && !reserved && dw > 0 && dw <= L->map.w - len - iround(9 * L->u))
        sm_view_text(v, SM_FACE_SMALL, v->pal->faint, dims, L->map.x + L->map.w,
                     y - sm_view_line_h(v, SM_FACE_SMALL) / 2, AL_RIGHT, 0, NULL);
}

static void draw_map(sm_view_t *v, heat_t *h, SDL_Rect r, int ok)
{
    if (ok && v->dmg.keying) { /* the copy, and the parts its last upload coloured again */
        uint32_t key = sm_view_hash(0x68656174u, &h, sizeof h);
        sm_view_damage_cover(v, r, sm_view_hash(key, &h->tw, sizeof h->tw)); /* opaque */
        for (int i = 0; i < h->n_changed; i++) {
            const sm_heatmap_rect_t *k = &h->changed[i];
            sm_view_damage_mark(v, (SDL_Rect){r.x + k->x, r.y + k->y, k->w, k->h});
        }
    } else if (ok) {
        sm_view_copy(v, h->tex, r, 0, 0); /* covers the map: no fill under */
    } else
        fill(v, r, C_MAT);
    sm_view_outline(v, r, v->pal->frame, 1);
}

/* "your right" and "your left" at the map's top corners, on the side where the person's right
 * and left are (the same words the coach's side tag uses). */
static void draw_sides(sm_view_t *v, const sm_layout_t *L, int right_edge)
{
    if (right_edge != 1 && right_edge != 2)
        return;
    const char *left_txt = right_edge == 1 ? "\xe2\x97\x80 your right" : "\xe2\x97\x80 your left";
    const char *right_txt = right_edge == 1 ? "your left \xe2\x96\xb6" : "your right \xe2\x96\xb6";
    int y = L->map.y - sm_view_line_h(v, SM_FACE_LABEL) - iround(0.3 * L->u);
    int room = L->map.w * 3 / 10; /* leave the middle to "head end" */
    sm_view_text(v, SM_FACE_LABEL, v->pal->text, left_txt, L->map.x, y, AL_LEFT, room, NULL);
    sm_view_text(v, SM_FACE_LABEL, v->pal->text, right_txt, L->map.x + L->map.w, y, AL_RIGHT, room,
                 NULL);
}

void sm_layer_heatmap_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_frame_t *f = c->f, *f2 = c->f2;
    if (!f)
        return;
    const sm_layout_t *L = c->L;
    const sm_view_model_t *m = c->m;
    draw_map(v, &v->heat, L->map, c->heat_ok);
    if (f2) { /* side by side: what to compare with on the left, live on the right */
        int cap_y = L->map.y - L->caption_h;
        draw_map(v, &v->heat2, L->map2, c->heat2_ok);
        const char *cl = m->compare_label && *m->compare_label ? m->compare_label : "Compare";
        const char *ll = m->live_label && *m->live_label ? m->live_label : "Live";
        sm_view_text(v, SM_FACE_BANNER, v->pal->text, cl, L->map2.x + L->map2.w / 2, cap_y,
                     AL_CENTER, L->map2.w, NULL);
        sm_view_text(v, SM_FACE_BANNER, v->pal->text, ll, L->map.x + L->map.w / 2, cap_y, AL_CENTER,
                     L->map.w, NULL);
    } else {
        /* Row 0 is the head end of the mat. */
        sm_view_text(
            v, SM_FACE_SMALL, v->pal->faint, "\xe2\x96\xb2 head end", L->map.x + L->map.w / 2,
            L->map.y - sm_view_line_h(v, SM_FACE_SMALL) - iround(0.3 * L->u), AL_CENTER, 0, NULL);
        draw_sides(v, L, m->right_edge);
    }
    draw_scale_bar(v, L, f, m->pitch_mm, sm_view_key_count(m, f) > 0, m->clinician);
    draw_legend(v, L, m, c->scale);
}
