/* The coach layer: the side panel while coaching, read from the floor at 1-3 m. The side and
 * phase, the hold timer (the largest text on screen) with its bar to the release threshold, the
 * steadiness meter, the instruction (presenting: on one line across the screen), a few small
 * lines for the clinician, the pressure in words, and the sound state. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

static int coach_known(const char *s)
{
    return s && *s && strcmp(s, "unknown") != 0;
}

/* The phase, with the side as a blue tag before it: "[RIGHT] Hold". */
static int coach_phase(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int lh = sm_view_line_h(v, SM_FACE_COACH);
    char side[16] = "";
    if (coach_known(m->side)) {
        size_t i = 0;
        for (; m->side[i] && i + 1 < sizeof side; i++)
            side[i] = (char)(m->side[i] >= 'a' && m->side[i] <= 'z' ? m->side[i] - 32 : m->side[i]);
        side[i] = '\0';
    }
    const char *phase = m->phase && *m->phase ? m->phase : "";
    int pw = 0, ph = 0, sw = 0, sh = 0, gap = iround(1.2 * L->u), pad = iround(1.0 * L->u);
    sm_text_measure(v->text, SM_FACE_COACH, phase, &pw, &ph);
    sm_text_measure(v->text, SM_FACE_BANNER, side, &sw, &sh);
    int tag_w = side[0] ? sw + 2 * pad : 0;
    int total = tag_w + (tag_w && pw ? gap : 0) + pw;
    int left = x + (total < w ? (w - total) / 2 : 0);
    if (tag_w) {
        int bh = sm_view_line_h(v, SM_FACE_BANNER) + iround(0.4 * L->u);
        SDL_Rect tag = {left, y + (lh - bh) / 2, tag_w, bh};
        fill(v, tag, C_BANNER);
        sm_view_text(v, SM_FACE_BANNER, C_TOOL, side, left + pad, tag.y + iround(0.2 * L->u),
                     AL_LEFT, 0, NULL);
        left += tag_w + gap;
    }
    if (pw)
        sm_view_text(v, SM_FACE_COACH, v->pal->text, phase, left, y, AL_LEFT, x + w - left, NULL);
    return lh;
}

/* The hold timer "42 / 60 s" (steady seconds of the target), the largest text on screen, or
 * "Release!" in green once the threshold is met; under it a bar filling up to the target. */
static int coach_timer(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int px = v->face_px[SM_FACE_HUGE];
    int lh = sm_view_line_h(v, SM_FACE_HUGE), sh = sm_view_line_h(v, SM_FACE_MESSAGE);
    /* DejaVu's line box starts about 0.2 em above the digits: tuck the timer up into it. */
    int tuck = iround(0.16 * px);
    int row = lh - tuck - iround(0.2 * px);
    double st = isfinite(m->steady_s) && m->steady_s > 0 ? m->steady_s : 0.0;
    double tg = isfinite(m->target_s) && m->target_s > 0 ? m->target_s : 0.0;
    char num[32], suf[32];
    snprintf(num, sizeof num, "%ld", (long)floor(st));
    if (m->release_met) {
        sm_view_text_fit(v, SM_FACE_HUGE, C_GOOD, "Release!", x + w / 2, y - tuck, w, 0, 0);
    } else {
        snprintf(suf, sizeof suf, tg > 0 ? " / %.0f s" : " s", tg);
        int nw = 0, nh = 0, xw = 0, xh = 0;
        sm_text_measure(v->text, SM_FACE_HUGE, num, &nw, &nh);
        sm_text_measure(v->text, SM_FACE_MESSAGE, suf, &xw, &xh);
        SDL_Color nc = m->moving ? C_WARN : v->pal->number;
        if (L->presenter && nw + xw > w && nw <= w) {
            /* presenting: the digits keep their full size, "/ 60 s" goes under them */
            sm_view_text(v, SM_FACE_HUGE, nc, num, x + w / 2, y - tuck, AL_CENTER, w, NULL);
            sm_view_text(v, SM_FACE_MESSAGE, v->pal->dim, suf, x + w / 2, y + row, AL_CENTER, w,
                         NULL);
            row += sh;
        } else {
            double k = nw + xw > w && nw + xw > 0 ? (double)w / (nw + xw) : 1.0;
            int left = x + (w - iround((nw + xw) * k)) / 2;
            /* the suffix on the digits' baseline (about 0.8 of either line box down) */
            int base = y - tuck + iround(0.8 * lh * k);
            sm_view_text(v, SM_FACE_HUGE, nc, num, left, y - tuck, AL_LEFT, iround(nw * k), NULL);
            sm_view_text(v, SM_FACE_MESSAGE, v->pal->dim, suf, left + iround(nw * k),
                         base - iround(0.8 * sh * k), AL_LEFT, iround(xw * k), NULL);
        }
    }
    y += row + iround(0.8 * L->u);
    /* progress towards the release threshold */
    int bh = iround(fmax(4.0, 1.3 * L->u));
    if (tg > 0) {
        SDL_Rect track = {x, y, w, bh};
        fill(v, track, C_TRACK);
        double p = fmin(st / tg, 1.0);
        fill_some_rect(v, (SDL_Rect){x, y, iround(w * p), bh},
                       m->release_met ? C_GOOD : v->pal->text);
        if (m->release_met) {
            char buf[48];
            snprintf(buf, sizeof buf, "%.0f s steady", st);
            int sy = y + bh + iround(0.3 * L->u);
            sm_view_text(v, SM_FACE_LABEL, C_GOOD, buf, x + w / 2, sy, AL_CENTER, w, NULL);
            return row + iround(0.8 * L->u) + bh + iround(0.3 * L->u) +
                   sm_view_line_h(v, SM_FACE_LABEL);
        }
    }
    return row + iround(0.8 * L->u) + bh;
}

/* The steadiness meter: a wide bar, green when still, amber when drifting, red and pulsing
 * (twice a second) while the tool is moving. */
static int coach_meter(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    double q = isfinite(m->meter) ? fmin(fmax(m->meter, 0.0), 1.0) : 0.0;
    SDL_Color c;
    const char *word;
    if (m->mat_lost || m->zone_alert) { /* the hold is paused (the coach counts nothing) */
        c = (SDL_Color){150, 150, 160, 255}, word = "PAUSED";
    } else if (m->moving) {
        double pulse = 0.5 + 0.5 * sin(2 * PI * 2.0 * m->now_s);
        c = mix(C_BAD, (SDL_Color){255, 140, 120, 255}, 0.6 * pulse);
        word = "MOVING";
    } else if (q >= 0.7) {
        c = C_GOOD, word = "STILL";
    } else if (q >= 0.4) {
        c = C_WARN, word = "UNSTEADY";
    } else {
        c = C_BAD, word = "UNSTEADY";
    }
    int lh = sm_view_line_h(v, SM_FACE_LABEL);
    sm_view_text(v, SM_FACE_LABEL, v->pal->dim, "STEADINESS", x, y, AL_LEFT, w / 2, NULL);
    sm_view_text(v, SM_FACE_BANNER, c, word, x + w, y + lh - sm_view_line_h(v, SM_FACE_BANNER),
                 AL_RIGHT, w / 2, NULL);
    y += lh + iround(0.4 * L->u);
    int bh = iround(fmax(14.0, (L->presenter ? 7.0 : 6.0) * L->u));
    SDL_Rect track = {x, y, w, bh};
    fill(v, track, C_TRACK);
    /* moving: the whole bar lights up (the meter's value alone could be a sliver) */
    int fw = m->moving ? w : iround(w * q);
    fill_some_rect(v, (SDL_Rect){x, y, fw, bh}, c);
    return lh + iround(0.4 * L->u) + bh;
}

/* wrap 0: one line, scaled to fit w. */
static int coach_instruction(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x,
                             int y, int w, int max_h, int wrap)
{
    (void)L;
    if (!m->instruction || !*m->instruction || max_h <= 0)
        return 0;
    SDL_Color c = m->release_met ? C_GOOD : m->moving ? C_WARN : v->pal->text;
    const char *s = m->instruction;
    if (m->zone_alert) { /* one state at a time: the no-go zone wins over "hold still" */
        c = C_BAD;
        s = "Move out of the hip fold";
    }
    return sm_view_text_fit(v, SM_FACE_COACH, c, s, x + w / 2, y, w, max_h, wrap ? w : 0);
}

/* Breathing rate and the per-side summary: small, for the clinician. */
static int coach_small(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x, int y,
                       int w)
{
    int lh = sm_view_line_h(v, SM_FACE_LABEL), h = 0;
    char buf[64];
    if (m->protocol_text && *m->protocol_text) {
        sm_view_text(v, SM_FACE_LABEL, v->pal->dim, m->protocol_text, x + w / 2, y, AL_CENTER, w,
                     NULL);
        h += lh;
    }
    if (m->tool_status && *m->tool_status) {
        sm_view_text(v, SM_FACE_LABEL, C_WARN, m->tool_status, x + w / 2, y + h, AL_CENTER, w,
                     NULL);
        h += lh;
    }
    if (!m->clinician)
        return h; /* the rest is for the clinician */
    if (m->breath_bpm > 0 && isfinite(m->breath_bpm)) {
        snprintf(buf, sizeof buf, "breathing %.0f /min", m->breath_bpm);
        sm_view_text(v, SM_FACE_LABEL, v->pal->dim, buf, x + w / 2, y + h, AL_CENTER, w, NULL);
        h += lh;
    }
    if (m->sides_text && *m->sides_text) {
        sm_view_text(v, SM_FACE_LABEL, v->pal->dim, m->sides_text, x + w / 2, y + h, AL_CENTER, w,
                     NULL);
        h += lh;
    }
    (void)L;
    return h;
}

/* How many small lines coach_small draws. */
static int small_lines(const sm_view_model_t *m)
{
    int n = (m->tool_status && *m->tool_status) + (m->protocol_text && *m->protocol_text);
    if (m->clinician)
        n += (m->breath_bpm > 0 && isfinite(m->breath_bpm)) + (m->sides_text && *m->sides_text);
    return n;
}

static int pressure_h(sm_view_t *v, const sm_view_model_t *m)
{
    if (!m->pressure_text || !*m->pressure_text)
        return 0;
    return sm_view_line_h(v, SM_FACE_LABEL) + sm_view_line_h(v, SM_FACE_COACH);
}

/* The pressure on the tool in one word, large: "PRESSURE" above "firm" (green), "too hard"
 * (red) or "light" (dim). */
static int coach_pressure(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int x,
                          int y, int w)
{
    (void)L;
    if (!m->pressure_text || !*m->pressure_text)
        return 0;
    SDL_Color c = m->pressure_level >= 3 ? C_BAD : m->pressure_level == 2 ? C_GOOD : v->pal->dim;
    int lh = sm_view_line_h(v, SM_FACE_LABEL);
    sm_view_text(v, SM_FACE_LABEL, v->pal->dim, "PRESSURE", x + w / 2, y, AL_CENTER, w, NULL);
    sm_view_text(v, SM_FACE_COACH, c, m->pressure_text, x + w / 2, y + lh, AL_CENTER, w, NULL);
    return pressure_h(v, m);
}

/* The sound state at a glance: a speaker with one to three bars for the volume, or a red
 * "SOUND OFF" tag. Right-aligned at (right, y); returns the width. */
static int draw_sound(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m, int right,
                      int y, int h)
{
    if (m->muted) {
        int w = 0, th = 0;
        sm_text_measure(v->text, SM_FACE_BANNER, "SOUND OFF", &w, &th);
        int px = iround(1.2 * L->u);
        if (!w)
            w = iround(12 * L->u);
        return sm_view_badge(v, L, right - w - 2 * px, y, C_BAD, C_TOOL, "SOUND OFF");
    }
    /* speaker: a box and a cone, then volume bars growing to the right */
    SDL_Color c = v->pal->dim;
    float s = (float)h, x0 = (float)right - 2.1f * s, cy = (float)y + s / 2;
    int nb = m->volume > 0.66 ? 3 : m->volume > 0.33 ? 2 : m->volume > 0.0 ? 1 : 0;
    fill(v, (SDL_Rect){iround(x0), iround(cy - 0.17f * s), iround(0.25f * s), iround(0.34f * s)},
         c);
    SDL_Vertex tri[6];
    SDL_FPoint p[4] = {{x0 + 0.24f * s, cy - 0.17f * s},
                       {x0 + 0.6f * s, cy - 0.45f * s},
                       {x0 + 0.24f * s, cy + 0.17f * s},
                       {x0 + 0.6f * s, cy + 0.45f * s}};
    static const int idx[6] = {0, 1, 2, 2, 1, 3};
    for (int i = 0; i < 6; i++)
        tri[i] = (SDL_Vertex){p[idx[i]], c, {0, 0}};
    sm_view_geometry(v, tri, 6, SDL_BLENDMODE_NONE);
    for (int i = 0; i < 3; i++) {
        int bh = iround(s * (0.35f + 0.3f * i)), bx = iround(x0 + s * (0.85f + 0.42f * i));
        SDL_Rect bar = {bx, iround(cy) - bh / 2, iround(fmax(2.0, 0.22 * s)), bh};
        fill(v, bar, i < nb ? c : C_TRACK);
    }
    return iround(2.1f * s);
}

static void draw_coach(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    fill(v, L->panel, v->pal->panel);
    int pad = iround(2.2 * L->u), gap = iround(1.6 * L->u);
    int bottom_row = sm_view_line_h(v, SM_FACE_BANNER) + 2 * iround(0.3 * L->u);
    int press_h = pressure_h(v, m), nums_h = press_h;
    int own_line = L->instr.w > 0; /* presenting: the instruction has its own line */
    SDL_Rect p = L->panel;
    if (!L->portrait) {
        int x = p.x + pad, w = p.w - 2 * pad, y = p.y + pad;
        int y_end = p.y + p.h - pad - bottom_row - gap - nums_h - gap;
        y += coach_phase(v, L, m, x, y, w) + gap / 2;
        y += coach_timer(v, L, m, x, y, w) + gap;
        y += coach_meter(v, L, m, x, y, w) + gap;
        int small_h = small_lines(m) * sm_view_line_h(v, SM_FACE_LABEL);
        if (!own_line)
            y += coach_instruction(v, L, m, x, y, w, y_end - y - small_h - gap, 1) + gap;
        if (y + small_h <= y_end)
            coach_small(v, L, m, x, y, w);
        coach_pressure(v, L, m, x, y_end + gap, w);
    } else {
        /* wide and short: timer and meter on the left, words on the right */
        int cw = (p.w - 3 * pad) / 2;
        int xl = p.x + pad, xr = xl + cw + pad, y = p.y + pad;
        int yl = y + coach_phase(v, L, m, xl, y, cw) + gap / 2;
        yl += coach_timer(v, L, m, xl, yl, cw) + gap;
        coach_meter(v, L, m, xl, yl, cw);
        int y_end = p.y + p.h - pad - bottom_row - gap - nums_h;
        int small_h = small_lines(m) * sm_view_line_h(v, SM_FACE_LABEL);
        int yr = y;
        if (!own_line)
            yr += coach_instruction(v, L, m, xr, y, cw, y_end - y - small_h - gap, 1) + gap / 2;
        if (yr + small_h <= y_end - gap / 2)
            coach_small(v, L, m, xr, yr, cw);
        coach_pressure(v, L, m, xr, y_end, cw);
    }
    if (own_line) { /* one line, scaled down to fit the width rather than wrapped */
        SDL_Rect r = L->instr;
        fill(v, r, v->pal->window);
        int lh = sm_view_line_h(v, SM_FACE_COACH);
        coach_instruction(v, L, m, r.x + L->m, r.y + (r.h - lh) / 2, r.w - 2 * L->m, lh, 0);
    }
    int sy = p.y + p.h - pad - bottom_row;
    draw_sound(v, L, m, p.x + p.w - pad, sy + iround(0.15 * bottom_row), iround(0.7 * bottom_row));
}

void sm_layer_coach_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->f && c->m->coach)
        draw_coach(v, c->L, c->m);
}
