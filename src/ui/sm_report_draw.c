#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <cairo-pdf.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib.h"
#include "sm_colormap.h"
#include "sm_report_draw_internal.h"

#define PI 3.14159265358979323846

const rd_rgb_t rd_ink = {0.13, 0.13, 0.15}, rd_grey = {0.40, 0.40, 0.43},
               rd_light = {0.62, 0.62, 0.65}, rd_grid = {0.89, 0.89, 0.91};
/* Okabe-Ito blue and vermilion: distinguishable with every common colour-vision deficiency. */
const rd_rgb_t rd_side_colour[SM_HISTORY_SIDES] = {{0.0, 0.447, 0.698}, {0.835, 0.369, 0.0}};
static const rd_rgb_t wiggle_fill = {0.902, 0.624, 0.0};   /* Okabe-Ito orange */
static const rd_rgb_t breath_fill = {0.337, 0.706, 0.914}; /* Okabe-Ito sky blue */

/* ---- helpers ------------------------------------------------------------------------------ */

void rd_colour(cairo_t *cr, rd_rgb_t c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double rd_text_width(cairo_t *cr, double size, int bold, const char *text)
{
    cairo_text_extents_t ex;
    font(cr, size, bold);
    cairo_text_extents(cr, text, &ex);
    return ex.x_advance;
}

double rd_text(cairo_t *cr, double x, double y, double size, int bold, rd_align_t align, rd_rgb_t c,
               const char *text)
{
    double w = rd_text_width(cr, size, bold, text);
    double x0 = align == RD_LEFT ? x : align == RD_CENTRE ? x - w / 2 : x - w;
    rd_colour(cr, c, 1);
    cairo_move_to(cr, x0, y);
    cairo_show_text(cr, text);
    cairo_new_path(cr);
    return w;
}

void rd_text_vertical(cairo_t *cr, double x, double y, double size, rd_rgb_t c, const char *text)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -PI / 2);
    rd_text(cr, 0, 0, size, 0, RD_CENTRE, c, text);
    cairo_restore(cr);
}

double rd_nice_step(double span, int want)
{
    if (!(span > 0) || !isfinite(span))
        return 1;
    double raw = span / (want > 0 ? want : 5);
    double p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

long rd_ticks(double lo, double hi, double step, long *k0, long *k1)
{
    *k0 = 1;
    *k1 = 0;
    if (!isfinite(lo) || !isfinite(hi) || !isfinite(step) || !(step > 0) || hi < lo)
        return 0;
    double a = ceil(lo / step - 1e-9), b = floor(hi / step + 1e-6);
    if (!isfinite(a) || !isfinite(b) || b < a || b - a >= RD_MAX_TICKS)
        return 0;
    *k0 = (long)a;
    *k1 = (long)b;
    return *k1 - *k0 + 1;
}

double rd_nice_ceil(double v)
{
    if (!(v > 0) || !isfinite(v))
        return 1;
    double p = pow(10, floor(log10(v)));
    const double m[] = {1, 2, 2.5, 5, 10};
    for (int i = 0; i < 5; i++)
        if (m[i] * p >= v * (1 - 1e-9))
            return m[i] * p;
    return 10 * p;
}

void rd_format_tick(double v, double step, char *buf, size_t n)
{
    if (fabs(v) >= 10000 && step >= 1000) { /* "40k": keeps the labels clear of the title */
        rd_format_tick(v / 1000, step / 1000, buf, n);
        size_t l = strlen(buf);
        if (l + 1 < n) {
            buf[l] = 'k';
            buf[l + 1] = 0;
        }
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    if (fabs(v) < step * 1e-6)
        v = 0;
    snprintf(buf, n, "%.*f", dec, v);
}

void rd_format_duration(double s, char *buf, size_t n)
{
    if (!(s >= 0) || !isfinite(s))
        s = 0;
    long t = (long)floor(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

double rd_px(const rd_axes_t *a, double v)
{
    return a->x + (v - a->x0) / (a->x1 - a->x0) * a->w;
}

double rd_py(const rd_axes_t *a, double v)
{
    if (a->log_y)
        v = log10(v > 0 ? v : 1e-300);
    double y0 = a->log_y ? log10(a->y0) : a->y0, y1 = a->log_y ? log10(a->y1) : a->y1;
    return a->y + a->h - (v - y0) / (y1 - y0) * a->h;
}

void rd_axes_draw(cairo_t *cr, const rd_axes_t *a, double xstep, double ystep,
                  void (*xfmt)(double v, double step, char *buf, size_t n), const char *xtitle,
                  const char *ytitle)
{
    char b[48];
    cairo_set_line_width(cr, 0.5);
    /* y grid */
    if (a->log_y) {
        long e0, e1;
        rd_ticks(log10(a->y0), log10(a->y1), 1.0, &e0, &e1);
        for (long e = e0; e <= e1; e++) {
            double v = pow(10, (double)e), y = rd_py(a, v);
            rd_colour(cr, rd_grid, 1);
            cairo_move_to(cr, a->x, y);
            cairo_line_to(cr, a->x + a->w, y);
            cairo_stroke(cr);
            if (e >= 0)
                snprintf(b, sizeof b, "%.0f", v);
            else
                snprintf(b, sizeof b, "%.*f", (int)-e, v);
            rd_text(cr, a->x - 4, y + 3, 7.5, 0, RD_RIGHT, rd_grey, b);
        }
    } else {
        long k0, k1;
        rd_ticks(a->y0, a->y1, ystep, &k0, &k1);
        for (long k = k0; k <= k1; k++) {
            double v = (double)k * ystep, y = rd_py(a, v);
            rd_colour(cr, rd_grid, 1);
            cairo_move_to(cr, a->x, y);
            cairo_line_to(cr, a->x + a->w, y);
            cairo_stroke(cr);
            rd_format_tick(v, ystep, b, sizeof b);
            rd_text(cr, a->x - 4, y + 3, 7.5, 0, RD_RIGHT, rd_grey, b);
        }
    }
    /* x grid */
    long k0, k1;
    rd_ticks(a->x0, a->x1, xstep, &k0, &k1);
    for (long k = k0; k <= k1; k++) {
        double v = (double)k * xstep, x = rd_px(a, v);
        rd_colour(cr, rd_grid, 1);
        cairo_move_to(cr, x, a->y);
        cairo_line_to(cr, x, a->y + a->h);
        cairo_stroke(cr);
        if (xfmt)
            xfmt(v, xstep, b, sizeof b);
        else
            rd_format_tick(v, xstep, b, sizeof b);
        rd_text(cr, x, a->y + a->h + 10, 7.5, 0, RD_CENTRE, rd_grey, b);
    }
    rd_colour(cr, rd_light, 1);
    cairo_set_line_width(cr, 0.7);
    cairo_rectangle(cr, a->x, a->y, a->w, a->h);
    cairo_stroke(cr);
    if (xtitle)
        rd_text(cr, a->x + a->w / 2, a->y + a->h + 21, 8, 0, RD_CENTRE, rd_grey, xtitle);
    if (ytitle)
        rd_text_vertical(cr, a->x - 30, a->y + a->h / 2, 8, rd_grey, ytitle);
}

void rd_section(cairo_t *cr, double x, double y, double w, const char *title)
{
    rd_text(cr, x, y, 10.5, 1, RD_LEFT, rd_ink, title);
    rd_colour(cr, rd_grid, 1);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x, y + 4);
    cairo_line_to(cr, x + w, y + 4);
    cairo_stroke(cr);
}

void rd_marker(cairo_t *cr, int side, double x, double y, double r)
{
    if (side == SM_HISTORY_RIGHT)
        cairo_arc(cr, x, y, r, 0, 2 * PI);
    else
        cairo_rectangle(cr, x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
}

/* ---- the session page --------------------------------------------------------------------- */

static void fmt_s(double s, char *b, size_t n)
{
    if (s < 0)
        snprintf(b, n, "–");
    else if (s < 10)
        snprintf(b, n, "%.1f s", s);
    else
        snprintf(b, n, "%.0f s", s);
}

static void header(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double w)
{
    char dur[32], line[700];
    /* who, when, what, which side: on every page */
    snprintf(line, sizeof line, "%s",
             pg->patient && pg->patient[0] ? pg->patient : "Patient not recorded");
    rd_text(cr, x, y + 16, 19, 1, RD_LEFT, rd_ink, line);
    rd_text(cr, x + w, y + 16, 14, 0, RD_RIGHT, rd_ink, pg->date ? pg->date : "");
    rd_format_duration(pg->duration_s, dur, sizeof dur);
    snprintf(line, sizeof line,
             "Protocol: %s     Side: %s     Tool: %s     Duration: %s (%lu "
             "frames at %.3g frames/s)",
             pg->protocol ? pg->protocol : "", pg->sides ? pg->sides : "", pg->tool ? pg->tool : "",
             dur, pg->frames, pg->rate_hz);
    rd_text(cr, x, y + 33, 9, 0, RD_LEFT, rd_ink, line);
    snprintf(line, sizeof line, "Pressure: %s",
             pg->calibrated ? "calibrated, kPa (mmHg)" : "raw counts (uncalibrated)");
    rd_text(cr, x + w, y + 33, 9, !pg->calibrated, RD_RIGHT,
            pg->calibrated ? rd_ink : rd_side_colour[1], line);
    snprintf(line, sizeof line, "SteadyMat session report     Source: %s     Mat: %s     File: %s",
             pg->source ? pg->source : "", pg->mat ? pg->mat : "", pg->file ? pg->file : "");
    rd_text(cr, x, y + 46, 8, 0, RD_LEFT, rd_grey, line);
}

/* Heatmap of a hold, cells as squares, head end at the top; returns the width used. */
static void heatmap(cairo_t *cr, const sm_rd_page_t *pg, const sm_rd_hold_t *h, double x, double y,
                    double w, double hh)
{
    int rows = pg->rows, cols = pg->cols;
    rd_colour(cr, rd_grid, 1);
    cairo_rectangle(cr, x, y, w, hh);
    cairo_fill(cr);
    if (!h->image || rows <= 0 || cols <= 0)
        return;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    double top = pg->image_max > 0 ? pg->image_max : 1;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            double v = h->image[r * cols + c];
            unsigned char rgb[3];
            sm_colormap_rgb(isfinite(v) ? v / top : 0, rgb);
            uint32_t *p = (uint32_t *)(px + r * stride) + c;
            *p = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
        }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, w / cols, hh / rows);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, cols, rows);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    /* the spot */
    double pitch = pg->pitch_mm > 0 ? pg->pitch_mm : 25;
    double sx = x + h->hold.x_mm / pitch * (w / cols), sy = y + h->hold.y_mm / pitch * (hh / rows);
    cairo_set_line_width(cr, 1.6);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_arc(cr, sx, sy, fmax(5, w / cols * 1.6), 0, 2 * PI);
    cairo_stroke(cr);
    rd_colour(cr, rd_light, 1);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, x, y, w, hh);
    cairo_stroke(cr);
}

/* 95 % prediction ellipse of the path: (p - m)' S^-1 (p - m) = 2 F(0.05; 2, n-2), so that its
 * area is the posturographic 2 pi F sqrt(det S) (S with 1/n, as sm_sway). */
static int ellipse(const double *x, const double *y, size_t n, double *mx, double *my, double *a,
                   double *b, double *angle)
{
    if (n < 3)
        return 0;
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
    }
    *mx = sx / n;
    *my = sy / n;
    double cxx = 0, cyy = 0, cxy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - *mx, dy = y[i] - *my;
        cxx += dx * dx;
        cyy += dy * dy;
        cxy += dx * dy;
    }
    cxx /= n;
    cyy /= n;
    cxy /= n;
    double tr = cxx + cyy, det = cxx * cyy - cxy * cxy;
    double disc = sqrt(fmax(0, tr * tr / 4 - det));
    double l1 = tr / 2 + disc, l2 = fmax(0, tr / 2 - disc);
    double k = 2 * sm_sway_f95(n);
    *a = sqrt(k * l1);
    *b = sqrt(k * l2);
    *angle = 0.5 * atan2(2 * cxy, cxx - cyy);
    return 1;
}

/* The word for the person's side at the left edge of a picture of the mat (right_edge as in
 * sm_rd_page_t), NULL when it is not known; *other gets the right edge's. */
static const char *left_edge_word(int right_edge, const char **other)
{
    *other = right_edge == 1 ? "your left" : right_edge == 2 ? "your right" : NULL;
    return right_edge == 1 ? "your right" : right_edge == 2 ? "your left" : NULL;
}

static void cop_plot(cairo_t *cr, const sm_rd_hold_t *h, int side, int right_edge, double x,
                     double y, double s)
{
    double mx = 0, my = 0, ea = 0, eb = 0, ang = 0;
    int have = ellipse(h->px, h->py, h->np, &mx, &my, &ea, &eb, &ang);
    double reach = fmax(ea, 1);
    for (size_t i = 0; i < h->np; i++)
        reach = fmax(reach, fmax(fabs(h->px[i] - mx), fabs(h->py[i] - my)));
    double lim = rd_nice_ceil(fmax(5, reach * 1.05));
    rd_axes_t ax = {x, y, s, s, -lim, lim, lim, -lim, 0}; /* y down: toward the feet */
    double step = rd_nice_step(2 * lim, 4);
    const char *rw, *lw = left_edge_word(right_edge, &rw);
    char xt[96];
    if (lw) /* the same sides as the heatmap beside it: across the mat, column 0 at the left */
        snprintf(xt, sizeof xt, "\xe2\x86\x90 %s \xc2\xb7 across, mm \xc2\xb7 %s \xe2\x86\x92", lw,
                 rw);
    else
        snprintf(xt, sizeof xt, "across the mat, mm");
    rd_axes_draw(cr, &ax, step, step, NULL, xt, "along the body, mm");
    rd_colour(cr, rd_side_colour[side], 0.75);
    cairo_set_line_width(cr, 0.6);
    cairo_save(cr);
    cairo_rectangle(cr, x, y, s, s);
    cairo_clip(cr);
    for (size_t i = 0; i < h->np; i++) {
        double px = rd_px(&ax, h->px[i] - mx), py = rd_py(&ax, h->py[i] - my);
        if (i == 0)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
    }
    cairo_stroke(cr);
    if (have) {
        cairo_save(cr);
        cairo_translate(cr, rd_px(&ax, 0), rd_py(&ax, 0));
        /* y runs down on the page as on the mat, so the rotation keeps its sign */
        cairo_rotate(cr, ang);
        cairo_scale(cr, fmax(ea, 1e-6) * s / (2 * lim), fmax(eb, 1e-6) * s / (2 * lim));
        cairo_arc(cr, 0, 0, 1, 0, 2 * PI);
        cairo_restore(cr);
        rd_colour(cr, rd_ink, 1);
        cairo_set_line_width(cr, 1.3);
        const double dash[] = {4, 2};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_restore(cr);
    char b[64];
    if (have) {
        snprintf(b, sizeof b, "95%% ellipse %.0f mm²", PI * ea * eb);
        rd_text(cr, x + 4, y + 10, 7.5, 1, RD_LEFT, rd_ink, b);
    } else {
        rd_text(cr, x + s / 2, y + s / 2, 8, 0, RD_CENTRE, rd_grey, "no tool path");
    }
}

static void colour_legend(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double h)
{
    const double w = 11;
    for (int i = 0; i < 128; i++) {
        unsigned char rgb[3];
        sm_colormap_rgb(i / 127.0, rgb);
        cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
        cairo_rectangle(cr, x, y + h - (i + 1) * h / 128, w, h / 128 + 0.3);
        cairo_fill(cr);
    }
    rd_colour(cr, rd_light, 1);
    cairo_set_line_width(cr, 0.6);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    double top = pg->image_max > 0 ? pg->image_max : 1;
    double step = rd_nice_step(top, 4);
    char b[48];
    long k0, k1;
    rd_ticks(0, top, step, &k0, &k1);
    for (long k = k0; k <= k1; k++) {
        double v = (double)k * step, yy = y + h - v / top * h;
        rd_colour(cr, rd_grey, 1);
        cairo_move_to(cr, x + w, yy);
        cairo_line_to(cr, x + w + 3, yy);
        cairo_stroke(cr);
        rd_format_tick(v, step, b, sizeof b);
        rd_text(cr, x + w + 5, yy + 3, 7.5, 0, RD_LEFT, rd_grey, b);
    }
    if (pg->calibrated) { /* mmHg on the left, at its own round numbers */
        double mtop = sm_kpa_to_mmhg(top), mstep = rd_nice_step(mtop, 4);
        rd_ticks(0, mtop, mstep, &k0, &k1);
        for (long k = k0; k <= k1; k++) {
            double v = (double)k * mstep, yy = y + h - v / mtop * h;
            rd_colour(cr, rd_light, 1);
            cairo_move_to(cr, x - 3, yy);
            cairo_line_to(cr, x, yy);
            cairo_stroke(cr);
            rd_format_tick(v, mstep, b, sizeof b);
            rd_text(cr, x - 5, yy + 3, 7, 0, RD_RIGHT, rd_grey, b);
        }
    }
    if (pg->image_clipped) {
        rd_format_tick(top, step / 10, b, sizeof b);
        char c[64];
        snprintf(c, sizeof c, "above %s:", b);
        rd_text(cr, x + w / 2, y + h + 14, 6.5, 0, RD_CENTRE, rd_grey, c);
        rd_text(cr, x + w / 2, y + h + 22, 6.5, 0, RD_CENTRE, rd_grey, "top colour");
    }
    if (pg->calibrated) {
        rd_text(cr, x + w + 5, y - 6, 8, 1, RD_LEFT, rd_ink, "kPa");
        rd_text(cr, x - 3, y - 6, 7, 0, RD_RIGHT, rd_grey, "mmHg");
    } else {
        rd_text(cr, x + w / 2, y - 14, 7.5, 1, RD_CENTRE, rd_ink, "raw counts");
        rd_text(cr, x + w / 2, y - 5, 7, 0, RD_CENTRE, rd_side_colour[1], "(uncalibrated)");
    }
}

static void hold_facts(cairo_t *cr, const sm_rd_page_t *pg, const sm_rd_hold_t *hd, double x,
                       double y, int column)
{
    char a1[24], a2[24], b[160];
    fmt_s(hd->hold.steady_s, a1, sizeof a1);
    fmt_s(hd->hold.time_to_settle_s, a2, sizeof a2);
    char sore[32] = "not rated";
    if (hd->hold.soreness >= 0)
        snprintf(sore, sizeof sore, "%d / 10", hd->hold.soreness);
    char rel[64];
    if (hd->hold.release_met)
        snprintf(rel, sizeof rel, "met at %.0f s", hd->hold.release_s - hd->hold.start_s);
    else if (pg->release_target_s > 0)
        snprintf(rel, sizeof rel, "not reached (%.0f s)", pg->release_target_s);
    else
        snprintf(rel, sizeof rel, "not reached");
    char wig[16];
    snprintf(wig, sizeof wig, "%d", hd->hold.wiggles);
    if (column) {
        const char *k[] = {"Steady time", "Settled in", "Wiggles", "Release", "Soreness"};
        const char *v[] = {a1, a2, wig, rel, sore};
        for (int i = 0; i < 5; i++) {
            rd_text(cr, x, y + i * 30, 8, 0, RD_LEFT, rd_grey, k[i]);
            rd_text(cr, x, y + i * 30 + 15, 13, 1, RD_LEFT,
                    i == 3 && hd->hold.release_met ? rd_side_colour[0] : rd_ink, v[i]);
        }
        return;
    }
    snprintf(b, sizeof b, "steady %s  ·  settled in %s  ·  %s wiggle%s", a1, a2, wig,
             hd->hold.wiggles == 1 ? "" : "s");
    rd_text(cr, x, y, 8.5, 0, RD_LEFT, rd_ink, b);
    snprintf(b, sizeof b, "release %s  ·  soreness %s", rel, sore);
    rd_text(cr, x, y + 12, 8.5, 0, RD_LEFT, rd_ink, b);
}

/* Holds first .. first + n - 1 of the session in a row of up to SM_RD_MAX_HOLD_PANELS. */
static void holds_strip(cairo_t *cr, const sm_rd_page_t *pg, size_t first, size_t n, double x,
                        double y, double w, double h)
{
    char title[160];
    if (pg->n_holds > SM_RD_MAX_HOLD_PANELS && n > 0)
        snprintf(title, sizeof title,
                 "Holds %zu-%zu of %zu: mean pressure during each hold and the tool's path%s",
                 first + 1, first + n, pg->n_holds,
                 first == 0 ? " (the others on the next pages)" : "");
    else
        snprintf(title, sizeof title, "Holds: mean pressure during each hold and the tool's path");
    rd_section(cr, x, y, w, title);
    if (n == 0) {
        rd_text(cr, x + w / 2, y + h / 2, 11, 0, RD_CENTRE, rd_grey,
                "No hold: the tool was not held on one spot long enough to settle.");
        return;
    }
    const double legend_w = 70, gap = 46, facts_w = 150;
    double avail = w - legend_w;
    double aspect = pg->rows > 0 ? (double)pg->cols / pg->rows : 1; /* heatmap width / height */
    /* panels keep the first page's size, so every hold is drawn alike */
    double cell_w =
        avail / (double)(pg->n_holds < SM_RD_MAX_HOLD_PANELS ? pg->n_holds : SM_RD_MAX_HOLD_PANELS);
    double top = y + 26;
    /* facts beside the plots when there is room, else under them */
    double ph = h - 26 - 8 - 26;
    int column = ph * aspect + gap + ph + 16 + facts_w <= cell_w;
    if (!column) {
        ph = h - 26 - 8 - 26 - 26;
        if (ph * aspect + gap + ph + 10 > cell_w)
            ph = (cell_w - gap - 10) / (aspect + 1);
    }
    for (size_t i = 0; i < n; i++) {
        const sm_rd_hold_t *hd = &pg->holds[first + i];
        int side = hd->hold.side == SM_SIDE_LEFT ? SM_HISTORY_LEFT : SM_HISTORY_RIGHT;
        double cx = x + i * cell_w;
        double hw = ph * aspect;
        char b[160];
        snprintf(b, sizeof b, "Hold %d:  %s, spot %d%s", hd->number,
                 hd->hold.side == SM_SIDE_RIGHT  ? "your right side"
                 : hd->hold.side == SM_SIDE_LEFT ? "your left side"
                                                 : "side unknown",
                 hd->hold.spot + 1, hd->hold.phase ? " (iliacus)" : "");
        rd_text(cr, cx + 12, top - 4, 9.5, 1, RD_LEFT, rd_ink, b);
        rd_colour(cr, rd_side_colour[side], 1);
        rd_marker(cr, side, cx + 5, top - 7.5, 3.4);
        cairo_fill(cr);
        heatmap(cr, pg, hd, cx, top + 4, hw, ph);
        /* the person's sides along the map's sides, as the live map has them */
        const char *rw, *lw = left_edge_word(pg->right_edge, &rw);
        double cap_y = top + ph + 14;
        if (lw) {
            rd_text(cr, cx, cap_y, 7.5, 1, RD_LEFT, rd_ink, lw);
            rd_text(cr, cx + hw, cap_y, 7.5, 1, RD_RIGHT, rd_ink, rw);
            cap_y += 9;
        }
        rd_text(cr, cx + hw / 2, cap_y, 7, 0, RD_CENTRE, rd_grey, "head end at the top");
        cop_plot(cr, hd, side, pg->right_edge, cx + hw + gap, top + 4, ph);
        if (column)
            hold_facts(cr, pg, hd, cx + hw + gap + ph + 18, top + 14, 1);
        else
            hold_facts(cr, pg, hd, cx, top + ph + 38, 0);
    }
    colour_legend(cr, pg, x + w - legend_w + 26, top + 22, ph - 18);
}

static void time_fmt(double v, double step, char *b, size_t n)
{
    (void)step;
    rd_format_duration(v, b, n);
}

static void load_plot(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double w, double h)
{
    char title[120];
    snprintf(title, sizeof title, "%s over time, with wiggles and holds",
             pg->load_is_tool ? "Load on the tool" : "Total load (no tool found)");
    rd_section(cr, x, y, w, title);
    double lmax = 0;
    for (size_t i = 0; i < pg->n_load; i++)
        if (isfinite(pg->load[i]))
            lmax = fmax(lmax, pg->load[i]);
    double dur = pg->n_load ? pg->t_s[pg->n_load - 1] : 0;
    rd_axes_t ax = {x + 44, y + 30,
                    w - 52, h - 62,
                    0,      dur > 0 ? dur : 1,
                    0,      rd_nice_ceil(lmax > 0 ? lmax * 1.08 : 1),
                    0};
    /* holds as bands along the top, wiggles as shaded spans */
    for (size_t i = 0; i < pg->n_all_holds; i++) {
        const sm_coach_hold_t *hd = &pg->all_holds[i];
        int side = hd->side == SM_SIDE_LEFT ? SM_HISTORY_LEFT : SM_HISTORY_RIGHT;
        double a = rd_px(&ax, hd->start_s), b = rd_px(&ax, hd->end_s);
        rd_colour(cr, rd_side_colour[side], 0.85);
        cairo_rectangle(cr, a, ax.y - 12, fmax(1, b - a), 7);
        cairo_fill(cr);
        char lb[32];
        snprintf(lb, sizeof lb, "Hold %zu", i + 1);
        if (b - a > rd_text_width(cr, 6.5, 1, lb) + 4) {
            font(cr, 6.5, 1);
            rd_text(cr, a + 2, ax.y - 6.5, 6.5, 1, RD_LEFT, (rd_rgb_t){1, 1, 1}, lb);
        }
    }
    int any_wiggle = 0;
    for (size_t i = 0; i < pg->n_events; i++) {
        const sm_coach_event_t *e = &pg->events[i];
        if (e->kind != SM_EV_WIGGLE)
            continue;
        any_wiggle = 1;
        double a = rd_px(&ax, e->start_s), b = rd_px(&ax, e->end_s);
        rd_colour(cr, wiggle_fill, 0.30);
        cairo_rectangle(cr, a, ax.y, fmax(1.5, b - a), ax.h);
        cairo_fill(cr);
    }
    double ystep = rd_nice_step(ax.y1, 4);
    const char *unit = pg->calibrated ? "load, N" : "load, raw counts (sum)";
    rd_axes_draw(cr, &ax, rd_nice_step(ax.x1, 8) < 1 ? 1 : rd_nice_step(ax.x1, 8), ystep, time_fmt,
                 "time, min:s", unit);
    for (size_t i = 0; i < pg->n_events; i++) {
        const sm_coach_event_t *e = &pg->events[i];
        if (e->kind == SM_EV_WIGGLE)
            continue;
        double a = rd_px(&ax, e->start_s);
        rd_colour(cr, rd_grey, 1);
        cairo_set_line_width(cr, 0.8);
        const double dash[] = {2, 2};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, a, ax.y);
        cairo_line_to(cr, a, ax.y + ax.h);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        rd_text_vertical(cr, a - 3, ax.y + 22, 6.5, rd_grey, sm_coach_event_kind_name(e->kind));
    }
    cairo_save(cr);
    cairo_rectangle(cr, ax.x, ax.y, ax.w, ax.h);
    cairo_clip(cr);
    rd_colour(cr, rd_ink, 1);
    cairo_set_line_width(cr, 0.9);
    int pen = 0;
    for (size_t i = 0; i < pg->n_load; i++) {
        if (!isfinite(pg->load[i])) {
            pen = 0;
            continue;
        }
        double px = rd_px(&ax, pg->t_s[i]), py = rd_py(&ax, pg->load[i]);
        if (pen)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        pen = 1;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
    /* legend */
    double lx = x + w - 8;
    if (any_wiggle) {
        double tw = rd_text_width(cr, 7.5, 0, "wiggle");
        rd_text(cr, lx, y + 17, 7.5, 0, RD_RIGHT, rd_ink, "wiggle");
        rd_colour(cr, wiggle_fill, 0.45);
        cairo_rectangle(cr, lx - tw - 14, y + 10, 10, 8);
        cairo_fill(cr);
        lx -= tw + 24;
    }
    rd_text(cr, lx, y + 17, 7.5, 0, RD_RIGHT, rd_ink,
            pg->load_is_tool ? "tool load" : "total load");
    lx -= rd_text_width(cr, 7.5, 0, pg->load_is_tool ? "tool load" : "total load") + 4;
    rd_colour(cr, rd_ink, 1);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, lx - 12, y + 14);
    cairo_line_to(cr, lx, y + 14);
    cairo_stroke(cr);
}

static void spectrum_plot(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double w,
                          double h)
{
    char title[96];
    snprintf(title, sizeof title, "Sway spectrum (%s)",
             pg->of_tool ? "tool contact" : "whole body");
    rd_section(cr, x, y, w, title);
    double fmax_hz = pg->rate_hz > 0 ? fmin(5, pg->rate_hz / 2) : 5;
    double pmax = 0, pmin = INFINITY;
    for (size_t k = 1; k < pg->n_psd; k++) {
        if (pg->f_hz[k] > fmax_hz)
            break;
        if (pg->psd[k] > 0) {
            pmax = fmax(pmax, pg->psd[k]);
            pmin = fmin(pmin, pg->psd[k]);
        }
    }
    if (!(pmax > 0)) {
        rd_text(cr, x + w / 2, y + h / 2, 9, 0, RD_CENTRE, rd_grey, "too short for a spectrum");
        return;
    }
    double top = pow(10, ceil(log10(pmax) + 1e-9));
    double bot = pow(10, floor(log10(fmax(pmin, pmax * 1e-5))));
    rd_axes_t ax = {x + 44, y + 30, w - 52, h - 62, 0, fmax_hz, bot, top, 1};
    /* the bands the coach tells apart */
    double b0 = rd_px(&ax, 0.1), b1 = rd_px(&ax, fmin(0.4, fmax_hz));
    rd_colour(cr, breath_fill, 0.18);
    cairo_rectangle(cr, b0, ax.y, b1 - b0, ax.h);
    cairo_fill(cr);
    if (fmax_hz > 0.5) {
        double w0 = rd_px(&ax, 0.5), w1 = rd_px(&ax, fmin(4, fmax_hz));
        rd_colour(cr, wiggle_fill, 0.13);
        cairo_rectangle(cr, w0, ax.y, w1 - w0, ax.h);
        cairo_fill(cr);
        rd_text(cr, (w0 + w1) / 2, ax.y + ax.h - 4, 7, 0, RD_CENTRE, rd_grey, "wiggle band");
    }
    rd_text(cr, b0 + 1, ax.y + ax.h - 4, 7, 0, RD_LEFT, rd_grey, "breathing");
    rd_axes_draw(cr, &ax, rd_nice_step(fmax_hz, 5), 1, NULL, "frequency, Hz", "PSD, mm²/Hz");
    cairo_save(cr);
    cairo_rectangle(cr, ax.x, ax.y, ax.w, ax.h);
    cairo_clip(cr);
    rd_colour(cr, rd_ink, 1);
    cairo_set_line_width(cr, 1);
    int pen = 0;
    for (size_t k = 1; k < pg->n_psd && pg->f_hz[k] <= fmax_hz * 1.0001; k++) {
        double v = fmax(pg->psd[k], bot);
        if (pen)
            cairo_line_to(cr, rd_px(&ax, pg->f_hz[k]), rd_py(&ax, v));
        else
            cairo_move_to(cr, rd_px(&ax, pg->f_hz[k]), rd_py(&ax, v));
        pen = 1;
    }
    cairo_stroke(cr);
    if (pg->have_sway) {
        const double f[2] = {pg->sway.f50, pg->sway.f95};
        const char *nm[2] = {"f50", "f95"};
        for (int j = 0; j < 2; j++) {
            if (!(f[j] > 0))
                continue;
            double px = rd_px(&ax, f[j]);
            rd_colour(cr, rd_side_colour[1], 1);
            cairo_set_line_width(cr, 0.8);
            const double dash[] = {3, 2};
            cairo_set_dash(cr, dash, 2, 0);
            cairo_move_to(cr, px, ax.y + 12);
            cairo_line_to(cr, px, ax.y + ax.h);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            char b[32];
            snprintf(b, sizeof b, "%s %.2f Hz", nm[j], f[j]);
            int room = px + 2 + rd_text_width(cr, 6.5, 0, b) < ax.x + ax.w;
            rd_text(cr, room ? px + 2 : px - 2, ax.y + 20 + 9 * j, 6.5, 0,
                    room ? RD_LEFT : RD_RIGHT, rd_side_colour[1], b);
        }
    }
    cairo_restore(cr);
}

static void summary_table(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double w)
{
    rd_section(cr, x, y, w, "Summary per side");
    const char *head[] = {"Side",           "Spots",   "Holds",    "Released", "Steady time",
                          "Time to settle", "Wiggles", "per hold", "Soreness"};
    const double col[] = {0, 0.12, 0.20, 0.28, 0.39, 0.52, 0.67, 0.77, 0.88};
    double ty = y + 20;
    for (int i = 0; i < 9; i++)
        rd_text(cr, x + col[i] * w, ty, 8, 1, RD_LEFT, rd_grey, head[i]);
    for (int s = 0; s < SM_HISTORY_SIDES; s++) {
        const sm_history_side_t *sd = &pg->side[s];
        double ry = ty + 16 + s * 16;
        if (s == 0) {
            rd_colour(cr, rd_grid, 0.5);
            cairo_rectangle(cr, x, ry - 11, w, 16);
            cairo_fill(cr);
        }
        rd_colour(cr, rd_side_colour[s], 1);
        rd_marker(cr, s, x + 4, ry - 3.5, 3.2);
        cairo_fill(cr);
        char v[9][40];
        snprintf(v[0], 40, "%s", s == 0 ? "Your right" : "Your left");
        snprintf(v[1], 40, "%d", sd->spots);
        snprintf(v[2], 40, "%d", sd->holds);
        snprintf(v[3], 40, "%d", sd->released);
        if (sd->holds)
            fmt_s(sd->steady_s, v[4], 40);
        else
            snprintf(v[4], 40, "–");
        fmt_s(sm_history_settle_or_none(sd), v[5], 40);
        if (sd->holds)
            snprintf(v[6], 40, "%d", sd->wiggles);
        else
            snprintf(v[6], 40, "–");
        double wph = sm_history_wiggles_per_hold(sd);
        if (wph >= 0)
            snprintf(v[7], 40, "%.1f", wph);
        else
            snprintf(v[7], 40, "–");
        double sm = sm_history_soreness_mean(sd);
        if (sm >= 0)
            snprintf(v[8], 40, "%.1f / 10", sm);
        else
            snprintf(v[8], 40, "not rated");
        for (int i = 0; i < 9; i++)
            rd_text(cr, x + col[i] * w + (i == 0 ? 11 : 0), ry, 8.5, i == 0, RD_LEFT, rd_ink, v[i]);
    }
}

static void sway_box(cairo_t *cr, const sm_rd_page_t *pg, double x, double y, double w)
{
    rd_section(cr, x, y, w,
               pg->of_tool ? "Steadiness of the tool (whole session)"
                           : "Steadiness of the whole body (no tool found)");
    char b[160];
    double ty = y + 20;
    if (!pg->have_sway) {
        rd_text(cr, x, ty, 8.5, 0, RD_LEFT, rd_grey, "too few samples for sway measures");
        return;
    }
    const sm_sway_t *s = &pg->sway;
    snprintf(b, sizeof b, "RMS distance %.1f mm   ·   95%% ellipse %.0f mm²", s->rms_distance,
             s->ellipse95_area);
    rd_text(cr, x, ty, 8.5, 0, RD_LEFT, rd_ink, b);
    snprintf(b, sizeof b, "path %.0f mm   ·   mean velocity %.1f mm/s   ·   range %.0f × %.0f mm",
             s->path_length, s->mean_velocity, s->range_ml, s->range_ap);
    rd_text(cr, x, ty + 13, 8.5, 0, RD_LEFT, rd_ink, b);
    if (pg->breath_bpm > 0)
        snprintf(b, sizeof b, "breathing %.1f breaths/min   ·   f50 %.2f Hz   ·   f95 %.2f Hz",
                 pg->breath_bpm, s->f50, s->f95);
    else
        snprintf(b, sizeof b, "breathing not measured   ·   f50 %.2f Hz   ·   f95 %.2f Hz", s->f50,
                 s->f95);
    rd_text(cr, x, ty + 26, 8.5, 0, RD_LEFT, rd_ink, b);
}

size_t sm_rd_session_pages(const sm_rd_page_t *pg)
{
    size_t rest = pg->n_holds > SM_RD_MAX_HOLD_PANELS ? pg->n_holds - SM_RD_MAX_HOLD_PANELS : 0;
    return 1 + (rest + SM_RD_HOLDS_PER_PAGE - 1) / SM_RD_HOLDS_PER_PAGE;
}

static size_t min_z(size_t a, size_t b)
{
    return a < b ? a : b;
}

void rd_session_page(cairo_t *cr, const sm_rd_page_t *pg, size_t page)
{
    const double m = 30, W = SM_RD_PAGE_W_PT, H = SM_RD_PAGE_H_PT, cw = W - 2 * m;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    header(cr, pg, m, m - 6, cw);
    if (page == 0) {
        holds_strip(cr, pg, 0, min_z(pg->n_holds, SM_RD_MAX_HOLD_PANELS), m, 100, cw, 228);
        double lw = cw * 0.60;
        load_plot(cr, pg, m, 340, lw - 16, 150);
        spectrum_plot(cr, pg, m + lw, 340, cw - lw, 150);
        summary_table(cr, pg, m, 502, lw - 16);
        sway_box(cr, pg, m + lw, 502, cw - lw);
    } else {
        /* further holds, two rows of SM_RD_MAX_HOLD_PANELS */
        size_t first = SM_RD_MAX_HOLD_PANELS + (page - 1) * SM_RD_HOLDS_PER_PAGE;
        for (size_t row = 0; row < 2 && first < pg->n_holds; row++) {
            size_t n = min_z(pg->n_holds - first, SM_RD_MAX_HOLD_PANELS);
            holds_strip(cr, pg, first, n, m, 100 + row * 240, cw, 228);
            first += n;
        }
    }
    char foot[300];
    snprintf(foot, sizeof foot, "%s%spage %zu of %zu", pg->footer ? pg->footer : "",
             pg->footer ? "  ·  " : "", page + 1, sm_rd_session_pages(pg));
    rd_text(cr, W - m, H - 14, 7, 0, RD_RIGHT, rd_light, foot);
}

/* ---- surfaces ----------------------------------------------------------------------------- */

struct sm_rd_pdf {
    cairo_surface_t *s;
    cairo_t *cr;
    char path[512];
};

static sm_status cairo_error(cairo_status_t st, const char *path, char *err, size_t errlen)
{
    if (st == CAIRO_STATUS_SUCCESS)
        return SM_OK;
    snprintf(err, errlen, "cannot write %s: %s", path,
             st == CAIRO_STATUS_WRITE_ERROR ? "write error (is the folder writable?)"
                                            : cairo_status_to_string(st));
    return SM_ERR_IO;
}

sm_status sm_rd_pdf_open(const char *path, sm_rd_pdf_t **out, char *err, size_t errlen)
{
    *out = NULL;
    sm_rd_pdf_t *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    snprintf(d->path, sizeof d->path, "%s", path);
    d->s = cairo_pdf_surface_create(path, SM_RD_PAGE_W_PT, SM_RD_PAGE_H_PT);
    sm_status s = cairo_error(cairo_surface_status(d->s), path, err, errlen);
    if (s != SM_OK) {
        cairo_surface_destroy(d->s);
        free(d);
        return s;
    }
    cairo_pdf_surface_set_metadata(d->s, CAIRO_PDF_METADATA_TITLE, "SteadyMat session report");
    cairo_pdf_surface_set_metadata(d->s, CAIRO_PDF_METADATA_CREATOR, "SteadyMat");
    d->cr = cairo_create(d->s);
    *out = d;
    return SM_OK;
}

void sm_rd_pdf_session(sm_rd_pdf_t *d, const sm_rd_page_t *pg)
{
    size_t n = sm_rd_session_pages(pg);
    for (size_t k = 0; k < n; k++) {
        cairo_save(d->cr);
        rd_session_page(d->cr, pg, k);
        cairo_restore(d->cr);
        cairo_show_page(d->cr);
    }
}

void sm_rd_pdf_summary(sm_rd_pdf_t *d, const sm_rd_sessions_t *s)
{
    cairo_save(d->cr);
    rd_summary_page(d->cr, s);
    cairo_restore(d->cr);
    cairo_show_page(d->cr);
}

sm_status sm_rd_pdf_close(sm_rd_pdf_t *d, char *err, size_t errlen)
{
    if (!d)
        return SM_OK;
    cairo_status_t st = cairo_status(d->cr);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(d->s);
    cairo_surface_destroy(d->s);
    sm_status s = cairo_error(st, d->path, err, errlen);
    free(d);
    return s;
}

void sm_rd_cleanup(void)
{
    cairo_debug_reset_static_data();
    /* cairo's text goes through fontconfig, whose configuration lives until FcFini. It is looked
     * up at run time: fontconfig is cairo's dependency, not ours to link. */
    void *fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fini) {
        void (*fn)(void);
        memcpy(&fn, &fini, sizeof fn);
        fn();
    }
}

void sm_rd_page_pixels(double dpi, int *w, int *h)
{
    *w = (int)lround(SM_RD_PAGE_W_PT / 72.0 * dpi);
    *h = (int)lround(SM_RD_PAGE_H_PT / 72.0 * dpi);
}

typedef void (*page_fn)(cairo_t *cr, const void *what);

static sm_status png(const char *path, int w, int h, double scale_x, double scale_y, page_fn fn,
                     const void *what, char *err, size_t errlen)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    sm_status st = cairo_error(cairo_surface_status(s), path, err, errlen);
    if (st != SM_OK) {
        cairo_surface_destroy(s);
        return st;
    }
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, scale_x, scale_y);
    fn(cr, what);
    cairo_destroy(cr);
    st = cairo_error(cairo_surface_write_to_png(s, path), path, err, errlen);
    cairo_surface_destroy(s);
    return st;
}

typedef struct {
    const sm_rd_page_t *pg;
    size_t page;
} session_ctx_t;

static void session_fn(cairo_t *cr, const void *what)
{
    const session_ctx_t *c = what;
    rd_session_page(cr, c->pg, c->page);
}

static void summary_fn(cairo_t *cr, const void *what)
{
    rd_summary_page(cr, what);
}

sm_status sm_rd_png_session(const char *path, const sm_rd_page_t *pg, size_t page, double dpi,
                            char *err, size_t errlen)
{
    int w, h;
    sm_rd_page_pixels(dpi, &w, &h);
    session_ctx_t c = {pg, page};
    return png(path, w, h, w / SM_RD_PAGE_W_PT, h / SM_RD_PAGE_H_PT, session_fn, &c, err, errlen);
}

sm_status sm_rd_png_summary(const char *path, const sm_rd_sessions_t *s, double dpi, char *err,
                            size_t errlen)
{
    int w, h;
    sm_rd_page_pixels(dpi, &w, &h);
    return png(path, w, h, w / SM_RD_PAGE_W_PT, h / SM_RD_PAGE_H_PT, summary_fn, s, err, errlen);
}

typedef struct {
    const sm_rd_sessions_t *s;
    double w, h;
} history_ctx_t;

static void history_fn(cairo_t *cr, const void *what)
{
    const history_ctx_t *c = what;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    rd_text(cr, 24, 32, 17, 1, RD_LEFT, rd_ink, c->s->title ? c->s->title : "Progress");
    if (c->s->subtitle)
        rd_text(cr, 24, 48, 8.5, 0, RD_LEFT, rd_grey, c->s->subtitle);
    rd_trend(cr, 18, 60, c->w - 36, c->h - 72, c->s);
}

sm_status sm_rd_png_history(const char *path, const sm_rd_sessions_t *s, int width, int height,
                            char *err, size_t errlen)
{
    /* Laid out on an 800-point-wide canvas, scaled to the pixels asked for. */
    double k = width / 800.0;
    history_ctx_t c = {s, 800, height / k};
    return png(path, width, height, k, k, history_fn, &c, err, errlen);
}
