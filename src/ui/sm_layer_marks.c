/* The marks layer, over the live map: the clinician's template as a dashed outline, likely
 * crosstalk ghosts (dashed squares) and replaced faulty cells (small grey crosses), the tool's
 * contact outlined (the thing to look at), the key that says what the marks mean, and the
 * template's offset in words under the map. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_view_internal.h"

/* Cell-centre coordinates (row, col; cell (r, c)'s centre is (r + 0.5, c + 0.5)) to pixels. */
static void cell_px(SDL_Rect map, const sm_frame_t *f, double row, double col, float *x, float *y)
{
    *x = (float)(map.x + col * map.w / f->cols);
    *y = (float)(map.y + row * map.h / f->rows);
}

typedef struct {
    const uint8_t *cells;
    int value; /* the cells equal to value (-1: any non-zero) are inside */
    int rows, cols;
} mask_t;

static int inside(const mask_t *k, int r, int c)
{
    if (r < 0 || c < 0 || r >= k->rows || c >= k->cols)
        return 0;
    uint8_t x = k->cells[r * k->cols + c];
    return k->value < 0 ? x != 0 : x == k->value;
}

/* The outline of a set of cells by marching squares over the cell centres: it runs half way
 * between a cell inside and its neighbour outside, with the corners cut at 45 degrees, so a
 * round contact gets a rounded outline instead of a staircase. dash (0..1): each segment draws
 * only its middle part (a dashed line); 0 draws it whole. Diagonal pairs join (saddles connect)
 * so a blob touching at a corner stays one outline. */
static void draw_contour(sm_view_t *v, SDL_Rect map, const sm_frame_t *f, const mask_t *k,
                         float width, SDL_Color c, double dash)
{
    /* Edge midpoints of the square between centres (i, j) .. (i + 1, j + 1), in cells:
     * 0 top, 1 right, 2 bottom, 3 left. */
    static const double er[4] = {0.0, 0.5, 1.0, 0.5}, ec[4] = {0.5, 1.0, 0.5, 0.0};
    /* Per case (tl 8, tr 4, br 2, bl 1): up to two segments as pairs of edges, -1 ends. */
    static const signed char seg[16][4] = {
        {-1, -1, -1, -1}, {3, 2, -1, -1}, {2, 1, -1, -1}, {3, 1, -1, -1},
        {0, 1, -1, -1},   {3, 0, 2, 1},   {0, 2, -1, -1}, {3, 0, -1, -1},
        {3, 0, -1, -1},   {0, 2, -1, -1}, {0, 1, 3, 2},   {0, 1, -1, -1},
        {3, 1, -1, -1},   {2, 1, -1, -1}, {3, 2, -1, -1}, {-1, -1, -1, -1}};
    double keep = dash > 0 ? dash : 1.0;
    /* only the squares around the cells inside (a tool is a few cells of a large mat) */
    int top = k->rows, bottom = -1, left = k->cols, right = -1;
    for (int r = 0; r < k->rows; r++)
        for (int col = 0; col < k->cols; col++)
            if (inside(k, r, col)) {
                top = r < top ? r : top, bottom = r > bottom ? r : bottom;
                left = col < left ? col : left, right = col > right ? col : right;
            }
    for (int i = top - 1; i <= bottom; i++) {
        for (int j = left - 1; j <= right; j++) {
            int cs = inside(k, i, j) << 3 | inside(k, i, j + 1) << 2 |
                     inside(k, i + 1, j + 1) << 1 | inside(k, i + 1, j);
            for (int s = 0; s < 4 && seg[cs][s] >= 0; s += 2) {
                int e0 = seg[cs][s], e1 = seg[cs][s + 1];
                double r0 = i + 0.5 + er[e0], c0 = j + 0.5 + ec[e0];
                double r1 = i + 0.5 + er[e1], c1 = j + 0.5 + ec[e1];
                double t0 = (1 - keep) / 2, t1 = 1 - t0;
                float ax, ay, bx, by;
                cell_px(map, f, r0 + (r1 - r0) * t0, c0 + (c1 - c0) * t0, &ax, &ay);
                cell_px(map, f, r0 + (r1 - r0) * t1, c0 + (c1 - c0) * t1, &bx, &by);
                sm_view_geo_line(v, ax, ay, bx, by, width, c);
            }
        }
    }
    sm_view_geo_flush(v);
}

/* An outline that reads on every colour of the scale: a dark edge under a light core, width_u
 * (in u) wide. */
static void draw_outline_mask(sm_view_t *v, const sm_layout_t *L, SDL_Rect map, const sm_frame_t *f,
                              const mask_t *k, SDL_Color c, double dash, double width_u)
{
    float w = (float)fmax(2.0, iround(width_u * L->u));
    draw_contour(v, map, f, k, w + 2.0f * (float)fmax(1.0, iround(0.12 * L->u)), C_BLACK, dash);
    draw_contour(v, map, f, k, w, c, dash);
}

/* Likely crosstalk ghosts: a dashed square just inside each cell. Replaced faulty cells: a small
 * grey cross, so a maker sees which readings are made up. */
static void draw_cell_marks(sm_view_t *v, const sm_layout_t *L, SDL_Rect map, const sm_frame_t *f,
                            const uint8_t *ghosts, const uint8_t *labels)
{
    double cw = (double)map.w / f->cols, ch = (double)map.h / f->rows;
    if (ghosts) {
        int t = iround(fmax(1.0, 0.2 * L->u)), n = 0;
        /* Three dashes a side on small cells, more on big ones: dash and gap about 0.8 u. */
        double side = fmin(cw, ch) * 0.8;
        int parts = (int)(side / fmax(2.0, 0.8 * L->u));
        parts = parts < 3 ? 3 : parts | 1; /* odd: every side starts and ends with a dash */
        double d = side / parts;
        for (int r = 0; r < f->rows; r++)
            for (int c = 0; c < f->cols; c++) {
                if (!ghosts[r * f->cols + c])
                    continue;
                double x0 = map.x + (c + 0.5) * cw - side / 2,
                       y0 = map.y + (r + 0.5) * ch - side / 2;
                for (int p = 0; p < parts; p += 2) {
                    if (n + 4 > RECTS_N) {
                        sm_view_rects_flush(v, n, C_GHOST);
                        n = 0;
                    }
                    int a = iround(p * d), len = iround((p + 1) * d) - a;
                    v->rects[n++] = (SDL_Rect){iround(x0) + a, iround(y0), len, t};
                    v->rects[n++] = (SDL_Rect){iround(x0) + a, iround(y0 + side) - t, len, t};
                    v->rects[n++] = (SDL_Rect){iround(x0), iround(y0) + a, t, len};
                    v->rects[n++] = (SDL_Rect){iround(x0 + side) - t, iround(y0) + a, t, len};
                }
            }
        sm_view_rects_flush(v, n, C_GHOST);
    }
    if (labels) {
        float w = (float)fmax(1.5, 0.22 * L->u);
        double hs = fmin(cw, ch) * 0.2;
        for (int r = 0; r < f->rows; r++)
            for (int c = 0; c < f->cols; c++) {
                if (labels[r * f->cols + c] != 3)
                    continue;
                float x = (float)(map.x + (c + 0.5) * cw), y = (float)(map.y + (r + 0.5) * ch);
                sm_view_geo_line(v, x - (float)hs, y - (float)hs, x + (float)hs, y + (float)hs, w,
                                 C_FAULT);
                sm_view_geo_line(v, x - (float)hs, y + (float)hs, x + (float)hs, y - (float)hs, w,
                                 C_FAULT);
            }
        sm_view_geo_flush(v);
    }
}

static int any_set(const uint8_t *a, int n, int value)
{
    for (int i = 0; a && i < n; i++)
        if (value < 0 ? a[i] != 0 : a[i] == value)
            return 1;
    return 0;
}

static int key_items(const sm_view_model_t *m, const sm_frame_t *f, const char *txt[4],
                     SDL_Color col[4], int kind[4])
{
    int n = f->rows * f->cols, k = 0;
    /* most important first: it is drawn at the right end and kept when room runs out */
    if (m->labels && any_set(m->labels, n, 2))
        txt[k] = "tool", col[k] = C_TOOL, kind[k++] = 0;
    if (!m->clinician) /* the patient sees the tool; the rest is diagnostic */
        return k;
    if (m->template_mask && any_set(m->template_mask, n, -1))
        txt[k] = "template", col[k] = m->template_on_target ? C_GOOD : C_TEMPLATE, kind[k++] = 1;
    if (m->ghosts && any_set(m->ghosts, n, -1))
        txt[k] = "\xe2\x96\xa1 ghost?", col[k] = C_GHOST, kind[k++] = 2;
    if (m->labels && any_set(m->labels, n, 3))
        txt[k] = "\xc3\x97 replaced cell", col[k] = C_FAULT, kind[k++] = 2;
    return k;
}

/* What the marks on the map mean, on the line below it, right-aligned, between left and the
 * map's right edge: only the marks shown, the least important dropped when there is no room. */
static void draw_key(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m,
                     const sm_frame_t *f, int y, int left)
{
    const char *txt[4];
    SDL_Color col[4];
    int kind[4];
    int k = key_items(m, f, txt, col, kind);
    int x = L->map.x + L->map.w, gap = iround(1.6 * L->u), lh = sm_view_line_h(v, SM_FACE_SMALL);
    int sym = iround(2.4 * L->u), th = iround(fmax(2.0, 0.26 * L->u));
    for (int i = 0; i < k; i++) {
        int w = 0, h = 0;
        sm_text_measure(v->text, SM_FACE_SMALL, txt[i], &w, &h);
        int sw = kind[i] < 2 ? sym + iround(0.5 * L->u) : 0;
        if (x - w - sw < left)
            break;
        sm_view_text(v, SM_FACE_SMALL, col[i], txt[i], x, y, AL_RIGHT, 0, NULL);
        x -= w;
        int ly = y + lh / 2 - th / 2;
        if (kind[i] == 0) { /* a solid line, like the tool's outline */
            fill(v, (SDL_Rect){x - sw, ly, sym, th}, col[i]);
        } else if (kind[i] == 1) { /* dashes, like the template's */
            fill(v, (SDL_Rect){x - sw, ly, sym * 2 / 5, th}, col[i]);
            fill(v, (SDL_Rect){x - sw + sym * 3 / 5, ly, sym * 2 / 5, th}, col[i]);
        }
        x -= sw + gap;
    }
}

/* The template's offset in large type under the map: the clinician reads it from across the
 * room, green when the tool is on target. */
static void draw_template_text(sm_view_t *v, const sm_layout_t *L, const sm_view_model_t *m)
{
    int y = L->map.y + L->map.h + L->m / 2 + sm_view_line_h(v, SM_FACE_SMALL) +
            iround(0.15 * L->tmpl_h);
    SDL_Color c = m->template_on_target ? C_GOOD : C_TEMPLATE;
    int left = L->map2.w ? L->map2.x : L->map.x;
    int right = L->map.x + L->map.w + L->legend_w;
    sm_view_text(v, SM_FACE_COACH, c, m->template_text, (left + right) / 2, y, AL_CENTER,
                 right - left, NULL);
}

int sm_view_key_count(const sm_view_model_t *m, const sm_frame_t *f)
{
    const char *txt[4];
    SDL_Color col[4];
    int kind[4];
    return key_items(m, f, txt, col, kind);
}

/* Bottom to top: template, ghosts and faults, the tool's outline (the thing to look at); then
 * the key and the template's words under the map. */
void sm_layer_marks_draw(sm_view_t *v, const sm_view_ctx_t *c)
{
    const sm_frame_t *f = c->f;
    if (!f)
        return;
    const sm_layout_t *L = c->L;
    const sm_view_model_t *m = c->m;
    int n = f->rows * f->cols;
    if (m->clinician && m->template_mask && any_set(m->template_mask, n, -1)) {
        mask_t k = {m->template_mask, -1, f->rows, f->cols};
        draw_outline_mask(v, L, L->map, f, &k, m->template_on_target ? C_GOOD : C_TEMPLATE, 0.6,
                          0.26);
    }
    if (m->clinician && (m->ghosts || m->labels))
        draw_cell_marks(v, L, L->map, f, m->ghosts, m->labels);
    if (m->labels && any_set(m->labels, n, 2)) {
        mask_t k = {m->labels, 2, f->rows, f->cols};
        /* the tool: the strongest mark on the map, twice the template's width */
        draw_outline_mask(v, L, L->map, f, &k, C_TOOL, 0, 0.5);
    }
    if (sm_view_key_count(m, f) > 0)
        draw_key(v, L, m, f, L->map.y + L->map.h + L->m / 2,
                 sm_view_scale_bar_end(v, L, f, m->pitch_mm) + iround(2.0 * L->u));
    if (L->tmpl_h)
        draw_template_text(v, L, m);
}
