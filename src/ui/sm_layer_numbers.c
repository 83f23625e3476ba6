/* The numbers layer: total load, contact area and peak in large type: in the side panel (or in a
 * row under the map in a portrait window) when the coach is off; with the coach, for the
 * clinician, in a row under the map (the panel is the patient's: timer and instruction). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

/* One big number with its caption above and units below; returns the height used. */
static int draw_metric(sm_view_t *v, const sm_layout_t *L, int x, int y, int w, const char *caption,
                       const char *value, const char *units)
{
    int h1 = 0, h2 = 0, h3 = 0;
    sm_view_text(v, SM_FACE_LABEL, v->pal->dim, caption, x, y, AL_LEFT, w, &h1);
    y += h1;
    sm_view_text(v, SM_FACE_NUMBER, v->pal->text, value, x - iround(0.3 * L->u), y, AL_LEFT, w,
                 &h2);
    /* DejaVu's line box has room for descenders digits never use: tuck the units up. */
    y += h2 - h2 / 7;
    sm_view_text(v, SM_FACE_LABEL, v->pal->dim, units, x, y, AL_LEFT, w, &h3);
    return h1 + h2 - h2 / 7 + h3;
}

static void draw_panel(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->panel, v->pal->panel);
    const sm_metrics_t *mt = m->metrics;
    char total[48], area[48], peak[48];
    sm_view_fmt_value(mt ? mt->total : NAN, total, sizeof total);
    sm_view_fmt_value(mt && m->pitch_mm > 0 ? mt->area_cm2 : NAN, area, sizeof area);
    sm_view_fmt_value(mt ? mt->peak : NAN, peak, sizeof peak);
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    const char *lunits = m->load_units && *m->load_units ? m->load_units : units;
    const char *caps[3] = {"TOTAL LOAD", "CONTACT AREA", "PEAK"};
    const char *vals[3] = {total, area, peak};
    const char *uns[3] = {lunits, m->pitch_mm > 0 ? "cm\xc2\xb2" : "cm\xc2\xb2 (pitch unknown)",
                          units};
    int pad = iround(2.4 * L->u);
    if (!L->portrait) {
        int x = L->panel.x + pad, w = L->panel.w - 2 * pad;
        int y = L->panel.y + pad;
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                SDL_Rect sep = {x, y, w, 1};
                fill(v, sep, with_alpha(v->pal->frame, 160));
                y += pad;
            }
            y += draw_metric(v, L, x, y, w, caps[i], vals[i], uns[i]) + pad;
        }
    } else {
        int cw = (L->panel.w - pad) / 3;
        for (int i = 0; i < 3; i++)
            draw_metric(v, L, L->panel.x + pad + i * cw, L->panel.y + pad, cw - 2 * pad, caps[i],
                        vals[i], uns[i]);
    }
}

/* The clinician's row under the map: "total, N" over "571", three columns. */
static void draw_row(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    const sm_metrics_t *mt = m->metrics;
    char vals[3][48], caps[3][96];
    sm_view_fmt_value(mt ? mt->total : NAN, vals[0], sizeof vals[0]);
    sm_view_fmt_value(mt && m->pitch_mm > 0 ? mt->area_cm2 : NAN, vals[1], sizeof vals[1]);
    sm_view_fmt_value(mt ? mt->peak : NAN, vals[2], sizeof vals[2]);
    const char *units = m->units && *m->units ? m->units : "raw counts (uncalibrated)";
    const char *lunits = m->load_units && *m->load_units ? m->load_units : units;
    snprintf(caps[0], sizeof caps[0], "total, %s", lunits);
    snprintf(caps[1], sizeof caps[1], "contact area, cm\xc2\xb2");
    snprintf(caps[2], sizeof caps[2], "peak, %s", units);
    SDL_Rect r = L->numbers;
    fill(v, r, v->pal->window);
    int cw = r.w / 3, sh = sm_view_line_h(v, SM_FACE_SMALL), gap = iround(1.5 * L->u);
    for (int i = 0; i < 3; i++) {
        int x = r.x + i * cw;
        sm_view_text(v, SM_FACE_SMALL, v->pal->dim, caps[i], x, r.y, AL_LEFT, cw - gap, NULL);
        sm_view_text(v, SM_FACE_NUMBER, v->pal->text, vals[i], x, r.y + sh, AL_LEFT, cw - gap,
                     NULL);
    }
}

void sm_layer_numbers_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->f && !c->m->coach)
        draw_panel(v, c->L, c->m);
    else if (c->f && c->L->numbers.w > 0)
        draw_row(v, c->L, c->m);
}
