/* No-go zones: geometry and the visit tracker (contract in sm_zone.h). */
#include "sm_zone.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static void origin(const sm_zone_t *z, const sm_zone_frame_t *fr, double *ox, double *oy)
{
    *ox = *oy = 0.0;
    if (z->body && fr) {
        *ox = fr->ox_mm;
        *oy = fr->oy_mm;
    }
}

sm_status sm_zone_from_mat(sm_zone_kind_t kind, double xa, double ya, double xb, double yb,
                           const sm_zone_frame_t *fr, sm_zone_t *out)
{
    if (!out)
        return SM_ERR_ARG;
    memset(out, 0, sizeof *out);
    if ((kind != SM_ZONE_RECT && kind != SM_ZONE_ELLIPSE) || !isfinite(xa) || !isfinite(ya) ||
        !isfinite(xb) || !isfinite(yb) || fabs(xa - xb) < 1.0 || fabs(ya - yb) < 1.0)
        return SM_ERR_ARG;
    sm_zone_t z = {kind, fr && fr->body, fmin(xa, xb), fmin(ya, yb), fmax(xa, xb), fmax(ya, yb)};
    if (z.body) {
        z.x0 -= fr->ox_mm;
        z.x1 -= fr->ox_mm;
        z.y0 -= fr->oy_mm;
        z.y1 -= fr->oy_mm;
    }
    if (sm_zone_validate(&z) != SM_OK)
        return SM_ERR_ARG;
    *out = z;
    return SM_OK;
}

void sm_zone_to_mat(const sm_zone_t *z, const sm_zone_frame_t *fr, double *x0, double *y0,
                    double *x1, double *y1)
{
    double ox, oy;
    origin(z, fr, &ox, &oy);
    *x0 = z->x0 + ox;
    *y0 = z->y0 + oy;
    *x1 = z->x1 + ox;
    *y1 = z->y1 + oy;
}

int sm_zone_contains(const sm_zone_t *z, const sm_zone_frame_t *fr, double x_mm, double y_mm)
{
    double x0, y0, x1, y1;
    sm_zone_to_mat(z, fr, &x0, &y0, &x1, &y1);
    if (!(x_mm >= x0 && x_mm <= x1 && y_mm >= y0 && y_mm <= y1))
        return 0;
    if (z->kind == SM_ZONE_RECT)
        return 1;
    double ax = (x1 - x0) / 2, ay = (y1 - y0) / 2;
    double u = (x_mm - (x0 + ax)) / ax, v = (y_mm - (y0 + ay)) / ay;
    return u * u + v * v <= 1.0;
}

int sm_zone_overlaps(const sm_zone_t *z, const sm_zone_frame_t *fr, double x0, double y0, double x1,
                     double y1)
{
    double zx0, zy0, zx1, zy1;
    sm_zone_to_mat(z, fr, &zx0, &zy0, &zx1, &zy1);
    if (x1 < zx0 || x0 > zx1 || y1 < zy0 || y0 > zy1)
        return 0;
    if (z->kind == SM_ZONE_RECT)
        return 1;
    /* scaled so the ellipse is the unit circle, the box stays a box: its nearest point to the
     * centre decides */
    double ax = (zx1 - zx0) / 2, ay = (zy1 - zy0) / 2, cx = zx0 + ax, cy = zy0 + ay;
    double u = (fmax(x0, fmin(cx, x1)) - cx) / ax, v = (fmax(y0, fmin(cy, y1)) - cy) / ay;
    return u * u + v * v <= 1.0;
}

size_t sm_zone_outline(const sm_zone_t *z, const sm_zone_frame_t *fr, double *xy, size_t cap)
{
    double x0, y0, x1, y1;
    sm_zone_to_mat(z, fr, &x0, &y0, &x1, &y1);
    if (!xy || cap < 4)
        return 0;
    if (z->kind == SM_ZONE_RECT) {
        const double c[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
        memcpy(xy, c, sizeof c);
        return 4;
    }
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, ax = (x1 - x0) / 2, ay = (y1 - y0) / 2;
    for (size_t i = 0; i < cap; i++) {
        double a = 2 * PI * (double)i / (double)cap;
        xy[2 * i] = cx + ax * cos(a);
        xy[2 * i + 1] = cy + ay * sin(a);
    }
    return cap;
}

void sm_zone_mirror(sm_zone_t *z, double mat_w_mm)
{
    double c = z->body ? 0.0 : mat_w_mm;
    double a = c - z->x1, b = c - z->x0;
    z->x0 = a;
    z->x1 = b;
}

sm_status sm_zone_validate(const sm_zone_t *z)
{
    if (!z || (z->kind != SM_ZONE_RECT && z->kind != SM_ZONE_ELLIPSE) ||
        (z->body != 0 && z->body != 1))
        return SM_ERR_FORMAT;
    const double v[4] = {z->x0, z->y0, z->x1, z->y1};
    for (int i = 0; i < 4; i++)
        if (!isfinite(v[i]) || fabs(v[i]) > 10000.0)
            return SM_ERR_FORMAT;
    if (!(z->x1 - z->x0 >= 1.0) || !(z->y1 - z->y0 >= 1.0))
        return SM_ERR_FORMAT;
    return SM_OK;
}

const char *sm_zone_kind_name(sm_zone_kind_t k)
{
    return k == SM_ZONE_RECT ? "rect" : k == SM_ZONE_ELLIPSE ? "ellipse" : "unknown";
}

void sm_zone_settings_default(sm_zone_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->hit = SM_ZONE_HIT_ANY_CELL;
    s->repeat_s = 1.0;
    s->leave_s = 0.0;
    s->max_events = 256;
}

/* Per zone: the open visit (index into the log, or -1 when it was dropped for capacity). */
typedef struct {
    int open;
    long ev;
    double last_hit_s;  /* last frame with a hit */
    double first_out_s; /* first frame without a hit since, or -1 */
    double last_cue_s;
} zone_state_t;

struct sm_zone_tracker {
    sm_zone_settings_t s;
    zone_state_t z[SM_ZONE_MAX];
    sm_zone_event_t *ev;
    size_t n, dropped;
};

sm_status sm_zone_tracker_create(const sm_zone_settings_t *s, sm_zone_tracker_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    sm_zone_settings_t d;
    sm_zone_settings_default(&d);
    if (s)
        d = *s;
    if (!(d.repeat_s >= 0.0) || !(d.leave_s >= 0.0) || !isfinite(d.repeat_s) ||
        !isfinite(d.leave_s) || d.max_events == 0 || d.max_events > 1000000 ||
        (d.hit != SM_ZONE_HIT_ANY_CELL && d.hit != SM_ZONE_HIT_CENTROID &&
         d.hit != SM_ZONE_HIT_TIP))
        return SM_ERR_ARG;
    sm_zone_tracker_t *zt = calloc(1, sizeof *zt);
    if (!zt)
        return SM_ERR_NOMEM;
    zt->s = d;
    zt->ev = calloc(d.max_events, sizeof *zt->ev);
    if (!zt->ev) {
        free(zt);
        return SM_ERR_NOMEM;
    }
    sm_zone_tracker_reset(zt);
    *out = zt;
    return SM_OK;
}

void sm_zone_tracker_destroy(sm_zone_tracker_t *zt)
{
    if (!zt)
        return;
    free(zt->ev);
    free(zt);
}

void sm_zone_tracker_reset(sm_zone_tracker_t *zt)
{
    memset(zt->z, 0, sizeof zt->z);
    zt->n = 0;
    zt->dropped = 0;
}

static int hit(const sm_zone_tracker_t *zt, const sm_zone_t *z, const sm_zone_frame_t *fr,
               const sm_mat_view_t *v)
{
    const sm_contact_frame_t *f = v->f;
    if (!f->present)
        return 0;
    switch (zt->s.hit) {
    case SM_ZONE_HIT_CENTROID:
        return sm_zone_contains(z, fr, f->x_mm, f->y_mm);
    case SM_ZONE_HIT_TIP:
        return sm_zone_contains(z, fr, f->tip_x_mm, f->tip_y_mm);
    case SM_ZONE_HIT_ANY_CELL:
        break;
    }
    if (!v->labels) /* no cell detail: the centroid is all we know */
        return sm_zone_contains(z, fr, f->x_mm, f->y_mm);
    /* Only the zone's box can hold a hit: scan the cells it covers. */
    double x0, y0, x1, y1, p = v->pitch_mm;
    sm_zone_to_mat(z, fr, &x0, &y0, &x1, &y1);
    int c0 = (int)fmax(0.0, floor(x0 / p) - 1), c1 = (int)fmin(v->cols - 1.0, floor(x1 / p) + 1);
    int r0 = (int)fmax(0.0, floor(y0 / p) - 1), r1 = (int)fmin(v->rows - 1.0, floor(y1 / p) + 1);
    for (int r = r0; r <= r1; r++)
        for (int c = c0; c <= c1; c++)
            if (v->labels[r * v->cols + c] == SM_CONTACT_TOOL &&
                sm_zone_overlaps(z, fr, c * p, r * p, (c + 1) * p, (r + 1) * p))
                return 1;
    return 0;
}

static void end_visit(sm_zone_tracker_t *zt, int i, double end_s)
{
    zone_state_t *st = &zt->z[i];
    if (st->open && st->ev >= 0)
        zt->ev[st->ev].end_s = end_s;
    st->open = 0;
}

void sm_zone_tracker_update(sm_zone_tracker_t *zt, const sm_zone_t *zones, size_t n,
                            const sm_zone_frame_t *fr, const sm_mat_view_t *v, sm_zone_out_t *out)
{
    memset(out, 0, sizeof *out);
    if (!zt || !v || !v->f)
        return;
    double t = v->f->t_s;
    if (!zones)
        n = 0;
    if (n > SM_ZONE_MAX)
        n = SM_ZONE_MAX;
    /* Zones no longer in the list: their visits end now. */
    for (size_t i = n; i < SM_ZONE_MAX; i++)
        end_visit(zt, (int)i, t);
    int sounded = 0;
    for (size_t i = 0; i < n; i++) {
        zone_state_t *st = &zt->z[i];
        int h = sm_zone_validate(&zones[i]) == SM_OK && hit(zt, &zones[i], fr, v);
        if (h) {
            st->last_hit_s = t;
            st->first_out_s = -1.0;
            if (!st->open) {
                st->open = 1;
                st->last_cue_s = -1e300;
                out->entered |= 1u << i;
                if (zt->n < zt->s.max_events) {
                    st->ev = (long)zt->n;
                    zt->ev[zt->n++] = (sm_zone_event_t){(int)i, t, -1.0};
                } else {
                    st->ev = -1;
                    zt->dropped++;
                }
            }
            /* One NOGO per frame whatever the number of zones touched: it is one alarm. */
            int due = st->last_cue_s < -1e299 ||
                      (zt->s.repeat_s > 0 && t - st->last_cue_s >= zt->s.repeat_s - 1e-9);
            if (due) {
                st->last_cue_s = t;
                if (!sounded && out->n_cues < SM_ZONE_MAX_CUES) {
                    out->cues[out->n_cues++] = (sm_coach_cue_t){SM_CUE_NOGO, t, 1.0f};
                    sounded = 1;
                }
            }
        } else if (st->open) {
            if (st->first_out_s < 0)
                st->first_out_s = t;
            if (t - st->first_out_s >= zt->s.leave_s)
                end_visit(zt, (int)i, st->first_out_s);
        }
        if (st->open) {
            out->inside |= 1u << i;
            out->warning = 1;
        }
    }
}

void sm_zone_tracker_finish(sm_zone_tracker_t *zt, double t_s)
{
    if (!zt)
        return;
    for (int i = 0; i < SM_ZONE_MAX; i++) {
        zone_state_t *st = &zt->z[i];
        if (st->open)
            end_visit(zt, i, st->first_out_s >= 0 ? st->first_out_s : t_s);
    }
}

const sm_zone_event_t *sm_zone_tracker_events(const sm_zone_tracker_t *zt, size_t *n)
{
    *n = zt ? zt->n : 0;
    return zt ? zt->ev : NULL;
}

size_t sm_zone_tracker_dropped(const sm_zone_tracker_t *zt)
{
    return zt ? zt->dropped : 0;
}
