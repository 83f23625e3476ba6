/* Where everything goes in one picture of the live view: the sizes of the faces, the strips at
 * the top and bottom, the side (or bottom) panel, and the maps with square cells, as large as
 * fit. Depends on the output size, the model's modes and the mat's shape only. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

static void set_faces(sm_view_t *v, double u, int presenter, int coach)
{
    int px[SM_FACE_COUNT];
    px[SM_FACE_SMALL] = iround(fmax(12.0, 2.1 * u));
    px[SM_FACE_LABEL] = iround(fmax(13.0, 2.6 * u));
    px[SM_FACE_BANNER] = iround(fmax(15.0, 3.3 * u));
    px[SM_FACE_MESSAGE] = iround(fmax(20.0, 5.6 * u));
    /* Digits of DejaVu Sans Bold are 0.73 em tall: 9.5 u gives digits about 7 % of the height
     * of a landscape window, readable from the floor 2 m away on a laptop. */
    px[SM_FACE_NUMBER] = iround(fmax(28.0, 9.5 * u));
    /* With the coach the numbers are the clinician's row under the map: 7.4 u puts the digits
     * at 0.73 * 7.4 = 5.4 % of a landscape window's height, 43 px at 1280x800. */
    if (coach)
        px[SM_FACE_NUMBER] = iround(fmax(24.0, 7.4 * u));
    /* The coach is read from the floor (1-3 m, head down) or across a room (presenter): the
     * instruction as large as the alert, the hold timer's digits about 12 % of the window's
     * height. Presenting (a projector across a room) the digits are 0.73 * 36 = 26 % of a
     * landscape window's height: at least a quarter of the screen. */
    px[SM_FACE_COACH] = iround(fmax(18.0, (presenter ? 8.0 : 5.8) * u));
    px[SM_FACE_HUGE] = iround(fmax(40.0, (presenter ? 36.0 : 16.5) * u));
    sm_text_set_sizes(v->text, px);
    memcpy(v->face_px, px, sizeof px);
}

/* The widest tick label the legend will need, for its column width. */
static int legend_width(sm_view_t *v, const sm_layout_t *L, double scale)
{
    char buf[48];
    sm_view_fmt_value(scale, buf, sizeof buf);
    int w = 0, h = 0;
    sm_text_measure(v->text, SM_FACE_SMALL, buf, &w, &h);
    if (w == 0)
        w = (int)strlen(buf) * v->face_px[SM_FACE_SMALL] * 6 / 10;
    return iround(2.6 * L->u) + iround(1.0 * L->u) + w + iround(1.2 * L->u) +
           sm_view_line_h(v, SM_FACE_LABEL);
}

void sm_view_layout(sm_view_t *v, const sm_view_model_t *m, const sm_frame_t *f,
                    const sm_frame_t *f2, double scale, sm_layout_t *L)
{
    memset(L, 0, sizeof *L);
    SDL_GetRendererOutputSize(v->ren, &L->W, &L->H);
    L->u = (L->W < L->H ? L->W : L->H) / 100.0;
    L->presenter = m->presenter != 0;
    L->coach = m->coach != 0;
    set_faces(v, L->u, L->presenter, L->coach);
    L->m = iround(2.0 * L->u);
    L->portrait = L->W < L->H * 1.15;

    int y0 = 0, y1 = L->H;
    int sh = iround(sm_view_line_h(v, SM_FACE_SMALL) * 1.7);
    L->status = (SDL_Rect){0, y1 - sh, L->W, sh};
    y1 -= sh;
    if (m->banner && *m->banner) {
        int bh = iround(sm_view_line_h(v, SM_FACE_BANNER) * 1.7);
        L->banner = (SDL_Rect){0, 0, L->W, bh};
        y0 += bh;
    }
    if (m->notice && *m->notice) {
        int nh = iround(sm_view_line_h(v, SM_FACE_LABEL) * 1.6);
        L->notice = (SDL_Rect){0, y1 - nh, L->W, nh};
        y1 -= nh;
    }
    /* Presenting with the coach, the instruction gets a line of its own across the screen: in
     * the panel beside the huge timer it would wrap to three lines. */
    if (f && L->presenter && L->coach) {
        int ih = iround(sm_view_line_h(v, SM_FACE_COACH) * 1.2);
        L->instr = (SDL_Rect){0, y1 - ih, L->W, ih};
        y1 -= ih;
    }
    L->content = (SDL_Rect){0, y0, L->W, y1 - y0};
    if (!f)
        return;

    L->legend_w = legend_width(v, L, scale);
    int head = sm_view_line_h(v, SM_FACE_SMALL);  /* "head end" above the map */
    if (m->right_edge == 1 || m->right_edge == 2) /* and "your right", "your left" */
        head = sm_view_line_h(v, SM_FACE_LABEL) + iround(0.3 * L->u);
    int foot = sm_view_line_h(v, SM_FACE_SMALL) + L->m / 2; /* scale bar below it */
    if (f2) {
        L->caption_h = sm_view_line_h(v, SM_FACE_BANNER) + iround(0.4 * L->u);
        head = L->caption_h;
    }
    if (m->clinician && m->template_text && *m->template_text) {
        L->tmpl_h = iround(sm_view_line_h(v, SM_FACE_COACH) * 1.15);
        foot += L->tmpl_h;
    }
    int foot_marks = foot; /* the scale bar and the template's text, under the map */
    int nums_h = 0;
    if (m->clinician && L->coach) { /* caption line, then the digits (their line box's descent
                                       left out: digits have none) */
        nums_h = sm_view_line_h(v, SM_FACE_SMALL) +
                 iround(sm_view_line_h(v, SM_FACE_NUMBER) * 0.88) + L->m / 2;
        foot += nums_h;
    }
    /* The coach's panel is wider: its timer and instruction are the largest things on screen
     * after the map. */
    /* Presenting, half the width: the timer's two digits at a quarter of the height need it. */
    double pw_frac = L->coach ? (L->presenter ? 0.50 : 0.35) : (L->presenter ? 0.30 : 0.27);
    if (!L->portrait) {
        int pw = iround(fmax(pw_frac * L->W, (L->coach ? 40.0 : 30.0) * L->u));
        L->panel = (SDL_Rect){L->W - pw, y0, pw, y1 - y0};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - pw - L->legend_w - 2 * L->m,
                                 y1 - y0 - 2 * L->m - head - foot};
    } else {
        int ph = iround(fmax((L->coach ? 0.36 : 0.26) * (y1 - y0), 24.0 * L->u));
        L->panel = (SDL_Rect){0, y1 - ph, L->W, ph};
        L->map_area = (SDL_Rect){L->m, y0 + L->m + head, L->W - L->legend_w - 2 * L->m,
                                 y1 - ph - y0 - 2 * L->m - head - foot};
    }
    if (L->map_area.w < 8)
        L->map_area.w = 8;
    if (L->map_area.h < 8)
        L->map_area.h = 8;
    /* Square cells: rows x pitch by cols x pitch, as large as fits, centred. Side by side, both
     * maps get the same cell size (the same mat shows at the same size). */
    int gap = f2 ? iround(3.0 * L->u) : 0;
    double aw = f2 ? (L->map_area.w - gap) / 2.0 : L->map_area.w;
    double cell = fmin(aw / f->cols, (double)L->map_area.h / f->rows);
    if (f2)
        cell = fmin(cell, fmin(aw / f2->cols, (double)L->map_area.h / f2->rows));
    int mw = iround(cell * f->cols), mh = iround(cell * f->rows);
    int mw2 = f2 ? iround(cell * f2->cols) : 0, mh2 = f2 ? iround(cell * f2->rows) : 0;
    int group_w = mw2 + gap + mw + L->legend_w; /* maps and legend travel together */
    int gx = L->map_area.x + (L->map_area.w + L->legend_w - group_w) / 2;
    int top = L->map_area.y + (L->map_area.h - (mh > mh2 ? mh : mh2)) / 2;
    if (f2)
        L->map2 = (SDL_Rect){gx, top, mw2, mh2};
    L->map = (SDL_Rect){gx + mw2 + gap, top, mw, mh};
    if (nums_h) {
        int colw = L->portrait ? L->W - 2 * L->m : L->panel.x - 2 * L->m;
        int bottom = top + (mh > mh2 ? mh : mh2);
        L->numbers = (SDL_Rect){L->m, bottom + foot_marks + L->m / 2, colw, nums_h - L->m / 2};
    }
}
