/* The calibration screen layer: the guided calibration's full screens over the whole view. Before
 * the first step, what to prepare ("You will need": the board, the plate, the masses); after the
 * last, the result: PASS or FAIL in large coloured type, the numbers, the fitted curve (raw counts
 * -> kPa) and a small map of the masked cells. The person stands at the laptop: text the size of
 * the banner, a chart as large as the right half allows. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

static const SDL_Color C_CELL_OK = {58, 64, 78, 255};
static const SDL_Color C_CELL_FILLED = {150, 150, 160, 255};

static SDL_Color verdict_color(const sm_view_t *v, int verdict)
{
    return verdict == 1 ? C_GOOD : verdict == -1 ? C_BAD : verdict == 2 ? C_AMBER : v->pal->text;
}

void sm_view_calscreen_rects(sm_view_t *v, const sm_layout_t *L, const sm_view_calscreen_t *s,
                             sm_calscreen_rects_t *r)
{
    memset(r, 0, sizeof *r);
    int pad = iround(2.4 * L->u);
    r->box = (SDL_Rect){L->m, L->m, L->W - 2 * L->m, L->H - 2 * L->m};
    int th = sm_view_line_h(v, SM_FACE_MESSAGE), hh = sm_view_line_h(v, SM_FACE_LABEL);
    r->title = (SDL_Rect){r->box.x + pad, r->box.y + pad, r->box.w - 2 * pad, th};
    int top = r->title.y + th + pad, bottom = r->box.y + r->box.h - pad - hh - pad / 2;
    int has_chart = s->curve_n >= 2 && s->counts_max > 0,
        has_mask = s->mask && s->mask_rows > 0 && s->mask_cols > 0;
    if (!has_chart && !has_mask) {
        r->list = (SDL_Rect){r->title.x, top, r->title.w, bottom - top};
        return;
    }
    /* the list on the left, the chart and the mask map stacked on the right */
    int lw = iround(r->title.w * 0.50);
    r->list = (SDL_Rect){r->title.x, top, lw, bottom - top};
    int rx = r->title.x + lw + pad, rw = r->title.x + r->title.w - rx;
    int cap = sm_view_line_h(v, SM_FACE_LABEL), tick = sm_view_line_h(v, SM_FACE_SMALL);
    int mask_h = 0;
    if (has_mask) {
        /* square cells, at most a third of the height */
        double cell = fmin(0.6 * rw / s->mask_cols, (bottom - top) / 3.0 / s->mask_rows);
        mask_h = iround(cell * s->mask_rows);
        int mw = iround(cell * s->mask_cols);
        r->mask = (SDL_Rect){rx + tick, bottom - mask_h, mw, mask_h};
        mask_h += cap + pad / 2;
    }
    if (has_chart) {
        /* the plot area inside: caption above, tick labels left and below */
        int left = iround(4.5 * tick), below = 2 * tick + iround(0.5 * L->u);
        int y0 = top + cap, y1 = bottom - mask_h - below - (has_mask ? pad : 0);
        r->chart = (SDL_Rect){rx + left, y0, rw - left - iround(1.0 * L->u), y1 - y0};
        if (r->chart.h < 20 || r->chart.w < 20)
            r->chart = (SDL_Rect){0, 0, 0, 0};
    }
}

/* A round number of kPa for the top of the y axis (1, 2 or 5 times a power of ten). */
static double nice_top(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1.0;
    double p = pow(10.0, floor(log10(x)));
    static const double k[] = {1.0, 2.0, 5.0, 10.0};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i] * p >= x * 0.999)
            return k[i] * p;
    return 10.0 * p;
}

static void draw_chart(sm_view_t *v, const sm_layout_t *L, const sm_view_calscreen_t *s,
                       SDL_Rect pa)
{
    double ymax = 0;
    for (int i = 0; i < s->curve_n; i++)
        if (isfinite(s->curve_kpa[i]) && s->curve_kpa[i] > ymax)
            ymax = s->curve_kpa[i];
    ymax = nice_top(ymax);
    double xmax = s->counts_max;
    int tick = sm_view_line_h(v, SM_FACE_SMALL);
    sm_view_text(v, SM_FACE_LABEL, v->pal->text, "Fitted curve: raw counts \xe2\x86\x92 kPa", pa.x,
                 pa.y - sm_view_line_h(v, SM_FACE_LABEL), AL_LEFT, pa.w, NULL);
    fill(v, pa, v->pal->window);
    /* grid and ticks: 0, half and top on each axis */
    char buf[32];
    for (int i = 0; i <= 4; i++) {
        int y = pa.y + pa.h - iround(pa.h * i / 4.0);
        fill(v, (SDL_Rect){pa.x, y, pa.w, 1}, i ? C_TRACK : v->pal->dim);
        if (i % 2 == 0) {
            snprintf(buf, sizeof buf, "%g", ymax * i / 4.0);
            sm_view_text(v, SM_FACE_SMALL, v->pal->dim, buf, pa.x - iround(0.6 * L->u),
                         y - tick / 2, AL_RIGHT, 0, NULL);
        }
        int x = pa.x + iround(pa.w * i / 4.0);
        fill(v, (SDL_Rect){x, pa.y, 1, pa.h}, i ? C_TRACK : v->pal->dim);
        if (i % 2 == 0) {
            snprintf(buf, sizeof buf, "%.0f", xmax * i / 4.0);
            sm_view_text(v, SM_FACE_SMALL, v->pal->dim, buf, x, pa.y + pa.h + 2, AL_CENTER, 0,
                         NULL);
        }
    }
    sm_view_text(v, SM_FACE_SMALL, v->pal->dim, "raw counts above zero", pa.x + pa.w / 2,
                 pa.y + pa.h + 2 + tick, AL_CENTER, pa.w, NULL);
    sm_view_text_up(v, SM_FACE_SMALL, v->pal->dim, "kPa", pa.x - iround(3.6 * tick),
                    pa.y + pa.h / 2, pa.h);
    /* the curve: thick where the fit had loads, thin where it extrapolates */
    float thick = (float)fmax(3.0, 0.5 * L->u), thin = (float)fmax(1.5, 0.2 * L->u);
    for (int i = 1; i < s->curve_n; i++) {
        double x0 = s->curve_counts[i - 1], x1 = s->curve_counts[i];
        double y0 = s->curve_kpa[i - 1], y1 = s->curve_kpa[i];
        if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1))
            continue;
        double mid = 0.5 * (y0 + y1);
        int fitted = mid >= s->fit_lo_kpa && mid <= s->fit_hi_kpa;
        float ax = (float)(pa.x + pa.w * clampd(x0 / xmax, 0, 1));
        float bx = (float)(pa.x + pa.w * clampd(x1 / xmax, 0, 1));
        float ay = (float)(pa.y + pa.h - pa.h * clampd(y0 / ymax, 0, 1));
        float by = (float)(pa.y + pa.h - pa.h * clampd(y1 / ymax, 0, 1));
        sm_view_geo_line(v, ax, ay, bx, by, fitted ? thick : thin, fitted ? C_GOOD : v->pal->dim);
    }
    sm_view_geo_flush(v);
    /* the known loads on it */
    int d = iround(fmax(6.0, 1.2 * L->u));
    for (int i = 0; i < s->n_loads; i++) {
        if (!isfinite(s->load_counts[i]) || !isfinite(s->load_kpa[i]))
            continue;
        int x = pa.x + iround(pa.w * clampd(s->load_counts[i] / xmax, 0, 1));
        int y = pa.y + pa.h - iround(pa.h * clampd(s->load_kpa[i] / ymax, 0, 1));
        fill(v, (SDL_Rect){x - d / 2, y - d / 2, d, d}, C_AMBER);
    }
    if (s->n_loads > 0)
        sm_view_text(v, SM_FACE_SMALL, C_AMBER, "\xe2\x96\xa0 the known loads", pa.x + pa.w,
                     pa.y + pa.h - tick - iround(0.5 * L->u), AL_RIGHT, pa.w / 2, NULL);
}

static void draw_mask(sm_view_t *v, const sm_layout_t *L, const sm_view_calscreen_t *s, SDL_Rect r)
{
    int cap = sm_view_line_h(v, SM_FACE_LABEL);
    sm_view_text(v, SM_FACE_LABEL, v->pal->text, "Masked cells", r.x, r.y - cap, AL_LEFT, 0, NULL);
    int n[4] = {0, 0, 0, 0};
    for (int i = 0; i < s->mask_rows * s->mask_cols; i++)
        n[s->mask[i] < 4 ? s->mask[i] : 3]++;
    char key[96];
    snprintf(key, sizeof key, "dead %d \xc2\xb7 stuck %d \xc2\xb7 other %d", n[1], n[2], n[3]);
    int kx = r.x + r.w + iround(1.5 * L->u);
    sm_view_text(v, SM_FACE_SMALL, v->pal->dim, key, kx, r.y, AL_LEFT, 0, NULL);
    int sh = sm_view_line_h(v, SM_FACE_SMALL), sq = sh * 2 / 3;
    static const char *const names[3] = {"dead", "stuck", "other"};
    const SDL_Color cols[3] = {C_BAD, C_AMBER, C_CELL_FILLED};
    for (int k = 0; k < 3; k++) {
        int y = r.y + (k + 1) * sh + sh / 2;
        fill(v, (SDL_Rect){kx, y + (sh - sq) / 2, sq, sq}, cols[k]);
        sm_view_text(v, SM_FACE_SMALL, v->pal->dim, names[k], kx + sq + sq / 2, y, AL_LEFT, 0,
                     NULL);
    }
    double cw = (double)r.w / s->mask_cols, ch = (double)r.h / s->mask_rows;
    fill(v, r, v->pal->window);
    for (int row = 0; row < s->mask_rows; row++)
        for (int c = 0; c < s->mask_cols; c++) {
            int k = s->mask[row * s->mask_cols + c];
            SDL_Color col = k == 1 ? C_BAD : k == 2 ? C_AMBER : k ? C_CELL_FILLED : C_CELL_OK;
            int x0 = r.x + iround(c * cw), y0 = r.y + iround(row * ch);
            int x1 = r.x + iround((c + 1) * cw), y1 = r.y + iround((row + 1) * ch);
            /* a one-pixel gap between cells when they are large enough to show it */
            int g = cw >= 6 ? 1 : 0;
            fill(v, (SDL_Rect){x0, y0, x1 - x0 - g, y1 - y0 - g}, col);
        }
}

static void draw_screen(sm_view_t *v, const sm_layout_t *L, const sm_view_calscreen_t *s)
{
    sm_calscreen_rects_t r;
    sm_view_calscreen_rects(v, L, s, &r);
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(v->ren, v->pal->window.r, v->pal->window.g, v->pal->window.b, 255);
    SDL_RenderClear(v->ren);
    fill(v, r.box, v->pal->panel);
    SDL_Color vc = verdict_color(v, s->verdict);
    if (s->verdict)
        sm_view_outline(v, r.box, vc, iround(fmax(2.0, 0.4 * L->u)));
    if (s->title)
        sm_view_text(v, SM_FACE_MESSAGE, vc, s->title, r.title.x, r.title.y, AL_LEFT, r.title.w,
                     NULL);
    /* the list: one item a line, scaled down when too long for its column */
    sm_face face = r.chart.w || r.mask.w ? SM_FACE_LABEL : SM_FACE_BANNER;
    int lh = iround(sm_view_line_h(v, face) * 1.35), y = r.list.y;
    int bullet = sm_view_line_h(v, face);
    for (int i = 0; i < s->n_lines && y + lh <= r.list.y + r.list.h + lh / 4; i++) {
        const char *line = s->lines[i] ? s->lines[i] : "";
        if (*line)
            sm_view_text(v, face, v->pal->text, "\xe2\x80\xa2", r.list.x, y, AL_LEFT, 0, NULL);
        sm_view_text(v, face, v->pal->text, line, r.list.x + bullet, y, AL_LEFT, r.list.w - bullet,
                     NULL);
        y += *line ? lh : lh / 2;
    }
    if (r.chart.w)
        draw_chart(v, L, s, r.chart);
    if (r.mask.w)
        draw_mask(v, L, s, r.mask);
    if (s->hint)
        sm_view_text(v, SM_FACE_LABEL, C_AMBER, s->hint, r.title.x,
                     r.box.y + r.box.h - iround(2.4 * L->u) - sm_view_line_h(v, SM_FACE_LABEL),
                     AL_LEFT, r.title.w, NULL);
}

void sm_layer_calscreen_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    if (c->m->calscreen && v->dmg.keying) /* drawn straight (a screen at a time): whole */
        sm_view_damage_all(v);
    else if (c->m->calscreen)
        draw_screen(v, c->L, c->m->calscreen);
}
