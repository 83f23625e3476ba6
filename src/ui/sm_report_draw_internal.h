/* Drawing helpers shared by the report page and the progress plot (cairo, points). */
#ifndef SM_REPORT_DRAW_INTERNAL_H
#define SM_REPORT_DRAW_INTERNAL_H

#include <cairo.h>
#include <stddef.h>

#include "sm_report_draw.h"

typedef struct {
    double r, g, b;
} rd_rgb_t;

extern const rd_rgb_t rd_ink, rd_grey, rd_light, rd_grid, rd_side_colour[SM_HISTORY_SIDES];

typedef enum { RD_LEFT = 0, RD_CENTRE = 1, RD_RIGHT = 2 } rd_align_t;

void rd_colour(cairo_t *cr, rd_rgb_t c, double alpha);
/* Text with its baseline at y, aligned at x; returns its width. */
double rd_text(cairo_t *cr, double x, double y, double size, int bold, rd_align_t align, rd_rgb_t c,
               const char *text);
/* The same rotated 90 degrees anticlockwise (vertical axis titles), centred at (x, y). */
void rd_text_vertical(cairo_t *cr, double x, double y, double size, rd_rgb_t c, const char *text);
double rd_text_width(cairo_t *cr, double size, int bold, const char *text);

/* Ticks: a step of 1, 2 or 5 x 10^k giving about `want` intervals over lo..hi; the first tick
 * at or above lo. */
double rd_nice_step(double span, int want);
/* The ticks k*step (k = *k0 .. *k1) that lie in lo..hi. Returns their count, or 0 (no ticks
 * drawn) for non-finite input, a step that is not positive, or more than RD_MAX_TICKS ticks:
 * absurd ranges from a damaged file never make a drawing loop spin. */
#define RD_MAX_TICKS 200
long rd_ticks(double lo, double hi, double step, long *k0, long *k1);
/* Rounds up to the next 1, 2, 2.5, 5 x 10^k. */
double rd_nice_ceil(double v);
/* "12", "0.5", "1.25" (no trailing zeros), for tick labels. */
void rd_format_tick(double v, double step, char *buf, size_t n);

/* Plot area: a frame with a light grid. */
typedef struct {
    double x, y, w, h;     /* the data area on the page */
    double x0, x1, y0, y1; /* data ranges */
    int log_y;             /* y is drawn as log10 */
} rd_axes_t;

double rd_px(const rd_axes_t *a, double v);
double rd_py(const rd_axes_t *a, double v);
/* Grid, frame and tick labels; x ticks every xstep (labels from xfmt when not NULL). */
void rd_axes_draw(cairo_t *cr, const rd_axes_t *a, double xstep, double ystep,
                  void (*xfmt)(double v, double step, char *buf, size_t n), const char *xtitle,
                  const char *ytitle);
/* A section title with a thin rule. */
void rd_section(cairo_t *cr, double x, double y, double w, const char *title);
/* Marker of a side: circle (right) or square (left). */
void rd_marker(cairo_t *cr, int side, double x, double y, double r);

/* The progress chart (four panels) in the box. */
void rd_trend(cairo_t *cr, double x, double y, double w, double h, const sm_rd_sessions_t *s);
/* The summary page (table of sessions and the progress chart). */
void rd_summary_page(cairo_t *cr, const sm_rd_sessions_t *s);
/* The session page. */
void rd_session_page(cairo_t *cr, const sm_rd_page_t *pg, size_t page);

/* "1:05" for 65 s, "12:00:05" for hours. */
void rd_format_duration(double s, char *buf, size_t n);

#endif
