/* The progress chart (history plot and the summary page of a multi-session report). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sm_report_draw_internal.h"

#define DAY_MS 86400000.0

typedef struct {
    double t0, t1; /* ms since 1970 */
    int by_day;
    double step_ms;
    char title[96];
} time_axis_t;

static void local_tm(double ms, struct tm *tm)
{
    time_t t = (time_t)floor(ms / 1000);
    if (!localtime_r(&t, tm))
        memset(tm, 0, sizeof *tm);
}

static void time_axis(const sm_rd_sessions_t *s, time_axis_t *ax)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        double t = (double)s->e[i].start_unix_ms;
        lo = fmin(lo, t);
        hi = fmax(hi, t);
    }
    if (!isfinite(lo)) {
        lo = 0;
        hi = DAY_MS;
    }
    double span = hi - lo;
    ax->by_day = span >= 2 * DAY_MS;
    if (ax->by_day) {
        static const double days[] = {1, 2, 7, 14, 28, 56, 91, 182, 365};
        ax->step_ms = days[8] * DAY_MS;
        for (int i = 0; i < 9; i++)
            if (span / (days[i] * DAY_MS) <= 8) {
                ax->step_ms = days[i] * DAY_MS;
                break;
            }
        double pad = fmax(span * 0.04, DAY_MS / 2);
        ax->t0 = lo - pad;
        ax->t1 = hi + pad;
        snprintf(ax->title, sizeof ax->title, "date of the session");
    } else {
        static const double mins[] = {1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720};
        double pad = fmax(span * 0.06, 10 * 60000.0);
        ax->t0 = lo - pad;
        ax->t1 = hi + pad;
        ax->step_ms = mins[10] * 60000.0;
        for (int i = 0; i < 11; i++)
            if ((ax->t1 - ax->t0) / (mins[i] * 60000.0) <= 7) {
                ax->step_ms = mins[i] * 60000.0;
                break;
            }
        struct tm tm;
        local_tm(lo, &tm);
        char d[40];
        strftime(d, sizeof d, "%a %d %b %Y", &tm);
        snprintf(ax->title, sizeof ax->title, "time of day, %s", d);
    }
}

/* Tick positions: local midnights (days) or whole minutes, so labels read naturally. */
static double first_tick(const time_axis_t *ax)
{
    struct tm tm;
    local_tm(ax->t0, &tm);
    if (ax->by_day) {
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        double t = (double)mktime(&tm) * 1000.0;
        if (t < ax->t0) /* arithmetic, not a loop: a damaged date is far from t0 */
            t += ceil((ax->t0 - t) / DAY_MS) * DAY_MS;
        return t;
    }
    double step = ax->step_ms;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    double base = (double)mktime(&tm) * 1000.0; /* this minute */
    tm.tm_min = 0;
    double hour = (double)mktime(&tm) * 1000.0;
    double t = hour + ceil((base - hour) / step) * step;
    if (t < ax->t0)
        t += ceil((ax->t0 - t) / step) * step;
    return t;
}

typedef struct {
    const char *title, *unit, *better;
    int fixed_top; /* soreness: 0..10 */
} panel_t;

static double value(const sm_history_entry_t *e, int panel, int side)
{
    const sm_history_side_t *s = &e->side[side];
    switch (panel) {
    case 0:
        return sm_history_settle_or_none(s);
    case 1:
        return sm_history_wiggles_per_hold(s);
    case 2:
        return sm_history_soreness_mean(s);
    default:
        return s->holds > 0 ? s->steady_s : -1;
    }
}

#define PROTOCOLS 4 /* sm_protocol_t: 0..3 */

/* A protocol's line: solid, dashed, dotted, dash-dot. */
static void protocol_dash(cairo_t *cr, int protocol)
{
    static const double d[PROTOCOLS][4] = {{0}, {6, 3}, {1.5, 2.5}, {6, 2.5, 1.5, 2.5}};
    static const int n[PROTOCOLS] = {0, 2, 2, 4};
    int k = protocol >= 0 && protocol < PROTOCOLS ? protocol : 0;
    cairo_set_dash(cr, d[k], n[k], 0);
}

static void draw_panel(cairo_t *cr, const sm_rd_sessions_t *s, const time_axis_t *ta, int panel,
                       double x, double y, double w, double h)
{
    static const panel_t panels[4] = {{"Time to settle", "seconds", "lower is better", 0},
                                      {"Wiggles per hold", "wiggles", "lower is better", 0},
                                      {"Soreness", "rating, 0-10", "lower is better", 1},
                                      {"Steady time", "seconds", "higher is better", 0}};
    const panel_t *p = &panels[panel];
    rd_text(cr, x, y + 11, 11, 1, RD_LEFT, rd_ink, p->title);
    double tw = rd_text_width(cr, 11, 1, p->title);
    rd_text(cr, x + tw + 8, y + 11, 8.5, 0, RD_LEFT, rd_grey, p->better);
    double vmax = 0;
    int any = 0;
    for (size_t i = 0; i < s->n; i++)
        for (int sd = 0; sd < SM_HISTORY_SIDES; sd++) {
            double v = value(&s->e[i], panel, sd);
            if (v >= 0) {
                any = 1;
                vmax = fmax(vmax, v);
            }
        }
    double top = p->fixed_top ? 10 : rd_nice_ceil(fmax(vmax * 1.12, panel == 1 ? 1 : 5));
    rd_axes_t ax = {x + 42, y + 22, w - 50, h - 52, ta->t0, ta->t1, 0, top, 0};
    /* grid and labels by hand: the x ticks are dates */
    char b[48];
    cairo_set_line_width(cr, 0.5);
    double ystep = rd_nice_step(top, 4);
    long k0, k1;
    rd_ticks(0, top, ystep, &k0, &k1);
    for (long k = k0; k <= k1; k++) {
        double v = (double)k * ystep, yy = rd_py(&ax, v);
        rd_colour(cr, rd_grid, 1);
        cairo_move_to(cr, ax.x, yy);
        cairo_line_to(cr, ax.x + ax.w, yy);
        cairo_stroke(cr);
        rd_format_tick(v, ystep, b, sizeof b);
        rd_text(cr, ax.x - 4, yy + 3, 8, 0, RD_RIGHT, rd_grey, b);
    }
    int ticks = 0; /* a damaged history date must not make the axis spin */
    for (double t = first_tick(ta); t <= ta->t1 && ticks < RD_MAX_TICKS;
         t += ta->step_ms, ticks++) {
        double xx = rd_px(&ax, t);
        rd_colour(cr, rd_grid, 1);
        cairo_move_to(cr, xx, ax.y);
        cairo_line_to(cr, xx, ax.y + ax.h);
        cairo_stroke(cr);
        struct tm tm;
        local_tm(t, &tm);
        strftime(b, sizeof b, ta->by_day ? "%d %b" : "%H:%M", &tm);
        rd_text(cr, xx, ax.y + ax.h + 11, 8, 0, RD_CENTRE, rd_grey, b);
        if (ta->by_day && ta->step_ms < DAY_MS * 1.5) {
            /* a DST change makes a day 23 or 25 hours: step to the next local midnight */
            t = first_tick(&(time_axis_t){t + DAY_MS * 0.5, ta->t1, 1, ta->step_ms, ""}) -
                ta->step_ms;
        }
    }
    rd_colour(cr, rd_light, 1);
    cairo_set_line_width(cr, 0.7);
    cairo_rectangle(cr, ax.x, ax.y, ax.w, ax.h);
    cairo_stroke(cr);
    rd_text_vertical(cr, ax.x - 30, ax.y + ax.h / 2, 8, rd_grey, p->unit);
    rd_text(cr, ax.x + ax.w / 2, ax.y + ax.h + 23, 8, 0, RD_CENTRE, rd_grey, ta->title);
    if (!any) {
        rd_text(cr, ax.x + ax.w / 2, ax.y + ax.h / 2, 9, 0, RD_CENTRE, rd_grey,
                panel == 2 ? "no soreness ratings yet (rate 0-10 after a hold)" : "no holds yet");
        return;
    }
    for (int sd = 0; sd < SM_HISTORY_SIDES; sd++) {
        rd_colour(cr, rd_side_colour[sd], 0.8);
        cairo_set_line_width(cr, 1.4);
        /* one line per protocol when asked (one patient doing several practices), else one */
        for (int pr = 0; pr < (s->by_protocol ? PROTOCOLS : 1); pr++) {
            protocol_dash(cr, s->by_protocol ? pr : 0);
            int pen = 0;
            for (size_t i = 0; i < s->n; i++) {
                double v = value(&s->e[i], panel, sd);
                if (v < 0 || (s->by_protocol && (int)s->e[i].protocol != pr))
                    continue;
                double xx = rd_px(&ax, (double)s->e[i].start_unix_ms), yy = rd_py(&ax, v);
                if (pen)
                    cairo_line_to(cr, xx, yy);
                else
                    cairo_move_to(cr, xx, yy);
                pen = 1;
            }
            cairo_stroke(cr);
        }
        protocol_dash(cr, 0);
        for (size_t i = 0; i < s->n; i++) {
            double v = value(&s->e[i], panel, sd);
            if (v < 0)
                continue;
            double xx = rd_px(&ax, (double)s->e[i].start_unix_ms), yy = rd_py(&ax, v);
            rd_marker(cr, sd, xx, yy, 3.6);
            rd_colour(cr, rd_side_colour[sd], 1);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
        }
    }
}

void rd_trend(cairo_t *cr, double x, double y, double w, double h, const sm_rd_sessions_t *s)
{
    time_axis_t ta;
    time_axis(s, &ta);
    /* legend */
    double lx = x + w - 10;
    const char *names[SM_HISTORY_SIDES] = {"your right side", "your left side"};
    for (int sd = SM_HISTORY_SIDES - 1; sd >= 0; sd--) {
        double tw = rd_text(cr, lx, y + 10, 9.5, 0, RD_RIGHT, rd_ink, names[sd]);
        rd_colour(cr, rd_side_colour[sd], 1);
        rd_marker(cr, sd, lx - tw - 9, y + 6.5, 4);
        cairo_fill(cr);
        cairo_set_line_width(cr, 1.4);
        cairo_move_to(cr, lx - tw - 19, y + 6.5);
        cairo_line_to(cr, lx - tw - 3, y + 6.5);
        cairo_stroke(cr);
        lx -= tw + 36;
    }
    if (s->by_protocol) {
        /* the protocols this patient practised, each with its line style */
        int seen[PROTOCOLS] = {0};
        for (size_t i = 0; i < s->n; i++)
            if ((int)s->e[i].protocol >= 0 && (int)s->e[i].protocol < PROTOCOLS)
                seen[s->e[i].protocol] = 1;
        double px = x + 10;
        for (int pr = 0; pr < PROTOCOLS; pr++) {
            if (!seen[pr])
                continue;
            rd_colour(cr, rd_ink, 1);
            cairo_set_line_width(cr, 1.4);
            protocol_dash(cr, pr);
            cairo_move_to(cr, px, y + 6.5);
            cairo_line_to(cr, px + 22, y + 6.5);
            cairo_stroke(cr);
            protocol_dash(cr, 0);
            px += 28 + rd_text(cr, px + 26, y + 10, 9.5, 0, RD_LEFT, rd_ink,
                               sm_protocol_title((sm_protocol_t)pr));
            px += 10;
        }
    }
    double top = y + 20, pw = w / 2, ph = (h - 20) / 2;
    for (int p = 0; p < 4; p++)
        draw_panel(cr, s, &ta, p, x + (p % 2) * pw + 6, top + (p / 2) * ph + 4, pw - 12, ph - 8);
}

static void cell_s(double v, char *b, size_t n)
{
    if (v < 0)
        snprintf(b, n, "–");
    else
        snprintf(b, n, v < 10 ? "%.1f s" : "%.0f s", v);
}

void rd_summary_page(cairo_t *cr, const sm_rd_sessions_t *s)
{
    const double m = 30, W = SM_RD_PAGE_W_PT, cw = W - 2 * m;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    rd_text(cr, m, m + 10, 19, 1, RD_LEFT, rd_ink, s->title ? s->title : "Summary");
    if (s->subtitle)
        rd_text(cr, m, m + 27, 9, 0, RD_LEFT, rd_grey, s->subtitle);
    /* table: the most recent sessions that fit */
    const size_t max_rows = 10;
    size_t first = s->n > max_rows ? s->n - max_rows : 0;
    double y = m + 50;
    rd_section(cr, m, y, cw, first ? "Sessions (the most recent 10)" : "Sessions");
    const char *sub[] = {"Spots", "Steady", "Settle", "Wiggles", "Soreness"};
    const double c0[] = {0, 0.17, 0.29, 0.37};
    const char *h0[] = {"Date", "Protocol", "Length"};
    for (int i = 0; i < 3; i++)
        rd_text(cr, m + c0[i] * cw, y + 30, 8, 1, RD_LEFT, rd_grey, h0[i]);
    for (int sd = 0; sd < SM_HISTORY_SIDES; sd++) {
        double base = m + (c0[3] + sd * 0.315) * cw;
        rd_colour(cr, rd_side_colour[sd], 1);
        rd_marker(cr, sd, base + 4, y + 14.5, 3.2);
        cairo_fill(cr);
        rd_text(cr, base + 11, y + 18, 8.5, 1, RD_LEFT, rd_ink,
                sd ? "Your left side" : "Your right side");
        for (int k = 0; k < 5; k++)
            rd_text(cr, base + k * 0.063 * cw, y + 30, 8, 1, RD_LEFT, rd_grey, sub[k]);
    }
    for (size_t i = first; i < s->n; i++) {
        const sm_history_entry_t *e = &s->e[i];
        double ry = y + 45 + (i - first) * 14;
        if ((i - first) % 2 == 0) {
            rd_colour(cr, rd_grid, 0.5);
            cairo_rectangle(cr, m, ry - 10, cw, 14);
            cairo_fill(cr);
        }
        char b[64];
        struct tm tm;
        local_tm((double)e->start_unix_ms, &tm);
        strftime(b, sizeof b, "%a %d %b %Y %H:%M", &tm);
        rd_text(cr, m, ry, 8.5, 0, RD_LEFT, rd_ink, e->start_unix_ms ? b : "date unknown");
        rd_text(cr, m + c0[1] * cw, ry, 8.5, 0, RD_LEFT, rd_ink, sm_protocol_title(e->protocol));
        rd_format_duration(e->duration_s, b, sizeof b);
        rd_text(cr, m + c0[2] * cw, ry, 8.5, 0, RD_LEFT, rd_ink, b);
        for (int sd = 0; sd < SM_HISTORY_SIDES; sd++) {
            const sm_history_side_t *d = &e->side[sd];
            double base = m + (c0[3] + sd * 0.315) * cw;
            char v[5][32];
            snprintf(v[0], 32, "%d", d->spots);
            cell_s(d->holds ? d->steady_s : -1, v[1], 32);
            cell_s(sm_history_settle_or_none(d), v[2], 32);
            if (d->holds)
                snprintf(v[3], 32, "%d", d->wiggles);
            else
                snprintf(v[3], 32, "–");
            double sm = sm_history_soreness_mean(d);
            if (sm >= 0)
                snprintf(v[4], 32, "%.1f", sm);
            else
                snprintf(v[4], 32, "–");
            for (int k = 0; k < 5; k++)
                rd_text(cr, base + k * 0.063 * cw, ry, 8.5, 0, RD_LEFT, rd_ink, v[k]);
        }
    }
    double ty = y + 45 + (s->n - first) * 14 + 6;
    rd_section(cr, m, ty, cw, "Progress over the sessions");
    rd_trend(cr, m - 6, ty + 10, cw + 12, SM_RD_PAGE_H_PT - ty - 10 - 22, s);
}
