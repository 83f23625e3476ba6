/* Placement templates: capture, body registration, comparison, words and guidance cues
 * (contract in sm_template.h). */
#include "sm_template.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PI 3.14159265358979323846

void sm_template_settings_default(sm_template_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->search_mm = 150.0;
    s->min_match = 0.6;
    s->on_target_mm = 10.0;
    s->off_target_mm = 15.0;
    s->closer_step_mm = 5.0;
    s->closer_interval_s = 0.5;
    s->closer_range_mm = 150.0;
    s->word_min_mm = 3.0;
    s->midline_band_mm = 15.0;
    s->describe_move = 1;
    s->ref_tau_s = 1.0;
    s->ref_jump_mm = 30.0;
    s->closer_tau_s = 0.25;
    s->closer_forget_s = 2.0;
    s->settle_s = 1.0;
}

static int nonneg(double x)
{
    return isfinite(x) && x >= 0.0;
}

sm_status sm_template_settings_check(const sm_template_settings_t *s)
{
    if (!s || !nonneg(s->search_mm) || !nonneg(s->min_match) || s->min_match > 1.0 ||
        !nonneg(s->on_target_mm) || !nonneg(s->off_target_mm) ||
        s->off_target_mm < s->on_target_mm || !nonneg(s->closer_step_mm) ||
        !nonneg(s->closer_interval_s) || !(s->closer_range_mm > 0.0) ||
        !isfinite(s->closer_range_mm) || !nonneg(s->word_min_mm) || !nonneg(s->midline_band_mm) ||
        (s->describe_move != 0 && s->describe_move != 1) || !nonneg(s->ref_tau_s) ||
        !nonneg(s->ref_jump_mm) || !nonneg(s->closer_tau_s) || !nonneg(s->closer_forget_s) ||
        !nonneg(s->settle_s))
        return SM_ERR_ARG;
    return SM_OK;
}

static const sm_template_settings_t *settings_or_default(const sm_template_settings_t *s,
                                                         sm_template_settings_t *buf)
{
    if (s && sm_template_settings_check(s) == SM_OK)
        return s;
    sm_template_settings_default(buf);
    return buf;
}

static int geometry_ok(int rows, int cols, double pitch)
{
    return rows >= 1 && rows <= SM_MAX_ROWS && cols >= 1 && cols <= SM_MAX_COLS && pitch >= 0.1 &&
           pitch <= 1000.0;
}

/* ---- body profiles and registration ---- */

void sm_template_body_measure(const sm_mat_view_t *v, sm_template_body_t *out)
{
    memset(out, 0, sizeof *out);
    if (!v || !v->f || !geometry_ok(v->rows, v->cols, v->pitch_mm))
        return;
    double p = v->pitch_mm;
    out->pitch_mm = p;
    out->nx = v->cols;
    out->ny = v->rows;
    if (!v->labels || v->f->body_r0 < 0)
        return;
    /* Each body cell weighs the square root of its load above the floor: compressive, so the
     * shape of the body (where it touches) counts more than how heavily the chest presses, and
     * nearly the same in counts or kPa; without values every body cell weighs 1. */
    double n = 0.0, sy = 0.0;
    for (int r = 0; r < v->rows; r++)
        for (int c = 0; c < v->cols; c++) {
            int i = r * v->cols + c;
            if (v->labels[i] != SM_CONTACT_BODY)
                continue;
            double w = 1.0;
            if (v->values || v->counts) {
                double x = (v->values ? (double)v->values[i] : (double)v->counts[i]) - v->f->floor;
                w = isfinite(x) && x > 0.0 ? sqrt(x) : 0.0;
            }
            out->px[c] += (float)w;
            out->py[r] += (float)w;
            sy += w * (r + 0.5) * p;
            n += w;
        }
    if (!(n > 0.0))
        return;
    out->present = 1;
    out->ref_x_mm = isfinite(v->f->midline_x_mm) ? v->f->midline_x_mm : 0.0;
    out->ref_y_mm = sy / n;
    out->x0_mm = 0.5 * p - out->ref_x_mm;
    out->y0_mm = 0.5 * p - out->ref_y_mm;
}

/* A template profile as a step function of position (relative to its reference point):
 * prefix sums give its integral up to any x in O(1). */
typedef struct {
    const float *v;
    int n;
    double x0, p; /* sample i covers [x0 + (i - 0.5) p, x0 + (i + 0.5) p) */
    double cum[SM_MAX_ROWS > SM_MAX_COLS ? SM_MAX_ROWS + 1 : SM_MAX_COLS + 1];
} steps_t;

static void steps_init(steps_t *s, const float *v, int n, double x0, double p)
{
    s->v = v;
    s->n = n;
    s->x0 = x0;
    s->p = p;
    s->cum[0] = 0.0;
    for (int i = 0; i < n; i++)
        s->cum[i + 1] = s->cum[i] + v[i] * p;
}

static double steps_integral_to(const steps_t *s, double x)
{
    double u = (x - s->x0) / s->p + 0.5; /* in samples from the left edge */
    if (u <= 0.0)
        return 0.0;
    if (u >= s->n)
        return s->cum[s->n];
    int i = (int)u;
    return s->cum[i] + s->v[i] * (u - i) * s->p;
}

/* Normalised correlation of the live profile L (sample j centred at (j + 0.5) pl on the live
 * mat) with the template profile slid so its reference point sits at R. Only the live mat's
 * extent counts: template parts off the live mat are unknown, not absent. */
static double score_at(const steps_t *t, const float *L, int nl, double pl, double R)
{
    double dot = 0.0, ll = 0.0, aa = 0.0;
    double lo = t->x0 - 0.5 * t->p, hi = t->x0 + (t->n - 0.5) * t->p;
    for (int j = 0; j < nl; j++) {
        double a = j * pl - R, b = a + pl;
        if (a < lo - 0.5 * pl || b > hi + 0.5 * pl)
            continue; /* off the template's mat: it saw nothing there, not "no body" */
        double avg = (steps_integral_to(t, b) - steps_integral_to(t, a)) / pl;
        dot += L[j] * avg;
        ll += (double)L[j] * L[j];
        aa += avg * avg;
    }
    return ll > 0.0 && aa > 0.0 ? dot / sqrt(ll * aa) : 0.0;
}

/* Best slide within centre +- search (1 mm steps, parabolic refinement); *score its value. */
static double slide(const steps_t *t, const float *L, int nl, double pl, double centre,
                    double search, double *score)
{
    int k = (int)ceil(search);
    double best = -1.0, prev = 0.0, sb_prev = 0.0, sb_next = 0.0;
    int bi = 0;
    for (int i = -k; i <= k; i++) {
        double s = score_at(t, L, nl, pl, centre + i);
        if (s > best) {
            best = s;
            bi = i;
            sb_prev = prev;
            sb_next = -1.0;
        } else if (i == bi + 1) {
            sb_next = s;
        }
        prev = s;
    }
    double r = centre + bi, off = 0.0;
    if (bi > -k && bi < k && sb_next >= 0.0) {
        double den = sb_prev - 2.0 * best + sb_next;
        if (den < 0.0)
            off = 0.5 * (sb_prev - sb_next) / den;
        if (off > 0.5)
            off = 0.5;
        if (off < -0.5)
            off = -0.5;
    }
    *score = best < 0.0 ? 0.0 : best;
    return r + off;
}

void sm_template_locate(const sm_template_t *t, const sm_mat_view_t *v,
                        const sm_template_settings_t *s_in, const sm_template_loc_t *prev,
                        sm_template_loc_t *out)
{
    sm_template_loc_t before = {0};
    int smooth = 0;
    if (prev) {
        before = *prev;
        smooth = before.registered;
    }
    memset(out, 0, sizeof *out);
    if (!t)
        return;
    out->t_s = v && v->f ? v->f->t_s : 0.0;
    sm_template_settings_t sbuf;
    const sm_template_settings_t *s = settings_or_default(s_in, &sbuf);
    sm_template_body_t live;
    sm_template_body_measure(v, &live);
    const sm_template_body_t *tb = &t->body;
    if (tb->present && live.present) {
        steps_t sx, sy;
        steps_init(&sx, tb->px, tb->nx, tb->x0_mm, tb->pitch_mm);
        steps_init(&sy, tb->py, tb->ny, tb->y0_mm, tb->pitch_mm);
        double rx =
            slide(&sx, live.px, live.nx, live.pitch_mm, live.ref_x_mm, s->search_mm, &out->match_x);
        double ry =
            slide(&sy, live.py, live.ny, live.pitch_mm, live.ref_y_mm, s->search_mm, &out->match_y);
        out->body_relative = 1;
        out->frame.body = 1;
        if (out->match_x >= s->min_match && out->match_y >= s->min_match) {
            out->registered = 1;
            out->frame.ox_mm = rx;
            out->frame.oy_mm = ry;
            /* The body moves slowly; the registration of one frame jitters by a few mm (cells
             * entering and leaving the outline). Smooth it, but follow a real move at once. */
            double dt = out->t_s - before.t_s;
            if (smooth && s->ref_tau_s > 0 && dt >= 0 && dt < 2.0 &&
                hypot(rx - before.frame.ox_mm, ry - before.frame.oy_mm) < s->ref_jump_mm) {
                double a = 1.0 - exp(-dt / s->ref_tau_s);
                out->frame.ox_mm = before.frame.ox_mm + a * (rx - before.frame.ox_mm);
                out->frame.oy_mm = before.frame.oy_mm + a * (ry - before.frame.oy_mm);
            }
        } else {
            out->frame.ox_mm = live.ref_x_mm;
            out->frame.oy_mm = live.ref_y_mm;
        }
        if (t->has_tool) {
            out->has_target = 1;
            out->target_x_mm = out->frame.ox_mm + t->rel_x_mm;
            out->target_y_mm = out->frame.oy_mm + t->rel_y_mm;
        }
    } else {
        /* Mat frame: body-frame zones land where they were drawn on the template's mat. */
        out->frame.body = 0;
        if (tb->present) {
            out->frame.ox_mm = tb->ref_x_mm;
            out->frame.oy_mm = tb->ref_y_mm;
        }
        if (t->has_tool) {
            out->has_target = 1;
            out->target_x_mm = t->tool_x_mm;
            out->target_y_mm = t->tool_y_mm;
        }
    }
    if (out->has_target) {
        out->tip_x_mm = out->target_x_mm + t->tip_dx_mm;
        out->tip_y_mm = out->target_y_mm + t->tip_dy_mm;
    }
}

/* ---- capture and mirror ---- */

static void copy_name(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > SM_TEMPLATE_NAME_MAX - 1) {
        n = SM_TEMPLATE_NAME_MAX - 1;
        /* back off to the start of a UTF-8 character */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    dst[n] = 0;
}

sm_status sm_template_capture(const sm_mat_view_t *v, const char *name, sm_protocol_t protocol,
                              sm_posture_t posture, sm_template_t *out)
{
    if (!out)
        return SM_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!v || !v->f || !name || !name[0] || !geometry_ok(v->rows, v->cols, v->pitch_mm))
        return SM_ERR_ARG;
    const sm_contact_frame_t *f = v->f;
    copy_name(out->name, name);
    out->protocol = protocol;
    out->posture = posture;
    out->rows = v->rows;
    out->cols = v->cols;
    out->pitch_mm = v->pitch_mm;
    sm_template_body_measure(v, &out->body);
    if (!f->present)
        return SM_EMPTY;
    out->side = f->side;
    out->has_tool = 1;
    out->tool_x_mm = f->x_mm;
    out->tool_y_mm = f->y_mm;
    if (out->body.present) {
        out->rel_x_mm = f->x_mm - out->body.ref_x_mm;
        out->rel_y_mm = f->y_mm - out->body.ref_y_mm;
    }
    out->tip_dx_mm = f->tip_x_mm - f->x_mm;
    out->tip_dy_mm = f->tip_y_mm - f->y_mm;
    out->area_mm2 = f->area_mm2;

    /* Footprint: the blob's cells (unweighted: the contact's extent, not its load). */
    double p = v->pitch_mm, n = 0, mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    if (v->labels) {
        for (int r = 0; r < v->rows; r++)
            for (int c = 0; c < v->cols; c++) {
                if (v->labels[r * v->cols + c] != SM_CONTACT_TOOL)
                    continue;
                double x = (c + 0.5) * p, y = (r + 0.5) * p;
                if (out->ncells < SM_TEMPLATE_MAX_CELLS) {
                    out->cell_dx_mm[out->ncells] = (float)(x - f->x_mm);
                    out->cell_dy_mm[out->ncells] = (float)(y - f->y_mm);
                    out->ncells++;
                }
                n += 1;
                mx += x;
                my += y;
                sxx += x * x;
                syy += y * y;
                sxy += x * y;
            }
    }
    if (n >= 1) {
        mx /= n;
        my /= n;
        /* a cell is a uniform square: its own variance p^2/12 adds to the spread of centres;
         * a uniform disc of radius a has variance a^2/4 per axis, hence a = 2 sigma */
        double cxx = sxx / n - mx * mx + p * p / 12, cyy = syy / n - my * my + p * p / 12;
        double cxy = sxy / n - mx * my;
        double tr = cxx + cyy, det = cxx * cyy - cxy * cxy;
        double disc = sqrt(fmax(0.0, tr * tr / 4 - det));
        double l1 = tr / 2 + disc, l2 = fmax(tr / 2 - disc, 0.0);
        out->fp_a_mm = 2 * sqrt(l1);
        out->fp_b_mm = 2 * sqrt(l2);
        out->fp_angle_rad = 0.5 * atan2(2 * cxy, cxx - cyy);
    } else {
        double r = sqrt(fmax(f->area_mm2, p * p) / PI);
        out->fp_a_mm = out->fp_b_mm = r;
    }
    return SM_OK;
}

static sm_side_t other_side(sm_side_t s)
{
    return s == SM_SIDE_RIGHT ? SM_SIDE_LEFT : s == SM_SIDE_LEFT ? SM_SIDE_RIGHT : s;
}

void sm_template_mirror(const sm_template_t *in, sm_template_t *out)
{
    if (out != in)
        *out = *in;
    double w = out->cols * out->pitch_mm;
    out->mirrored = !out->mirrored;
    out->side = other_side(out->side);
    out->tool_x_mm = w - out->tool_x_mm;
    out->rel_x_mm = -out->rel_x_mm;
    out->tip_dx_mm = -out->tip_dx_mm;
    out->fp_angle_rad = -out->fp_angle_rad;
    for (int i = 0; i < out->ncells; i++)
        out->cell_dx_mm[i] = -out->cell_dx_mm[i];
    sm_template_body_t *b = &out->body;
    if (b->nx > 0) {
        for (int i = 0, j = b->nx - 1; i < j; i++, j--) {
            float tmp = b->px[i];
            b->px[i] = b->px[j];
            b->px[j] = tmp;
        }
        b->x0_mm = -(b->x0_mm + (b->nx - 1) * b->pitch_mm);
    }
    if (b->present)
        b->ref_x_mm = w - b->ref_x_mm;
    for (int i = 0; i < out->nzones; i++)
        sm_zone_mirror(&out->zones[i], w);
}

/* ---- comparison and words ---- */

/* "1.5 cm" for a length in mm. */
static void cm(char *buf, size_t cap, double mm)
{
    snprintf(buf, cap, "%.1f cm", fabs(mm) / 10.0);
}

/* The way across the mat in the person's own words, for a move of dx mm (+ = toward higher
 * columns; the frame of sm_contact.h). Face down column 0 is the person's right, on the back
 * the left; lying on the right side the front faces high columns (on the left side the low
 * ones); a side-lying template without a side has only the mat's left and right. */
static const char *across_word(const sm_template_t *t, double dx)
{
    switch (t->posture) {
    case SM_POSTURE_PRONE:
        return dx < 0 ? "to your right" : "to your left";
    case SM_POSTURE_SUPINE:
        return dx > 0 ? "to your right" : "to your left";
    case SM_POSTURE_SIDE:
        if (t->side == SM_SIDE_RIGHT)
            return dx > 0 ? "toward your front" : "toward your back";
        if (t->side == SM_SIDE_LEFT)
            return dx < 0 ? "toward your front" : "toward your back";
        break;
    default:
        break;
    }
    return dx < 0 ? "toward the mat's left" : "toward the mat's right";
}

/* Which of the two directions an offset (dx, dy) mm names: each at least min_mm; both small
 * but not on target: the larger one. */
static void axes_to_say(double dx, double dy, double min_mm, int *say_x, int *say_y)
{
    *say_y = fabs(dy) >= min_mm;
    *say_x = fabs(dx) >= min_mm;
    if (!*say_x && !*say_y) {
        *say_y = fabs(dy) >= fabs(dx);
        *say_x = !*say_y;
    }
}

/* The instruction: where the person must move the tool to reach the target, in their own frame
 * ("move the ball 4.7 cm toward your feet, 1.2 cm to your left"). The tool lies at
 * (off_x, off_y) mm from the target (mat axes, y + = toward the feet), so the move is the
 * opposite. */
static void move_words(const sm_template_t *t, const sm_contact_frame_t *f, double off_x,
                       double off_y, double word_min_mm, char *text, size_t cap)
{
    double dx = -off_x, dy = -off_y;
    int say_x, say_y;
    axes_to_say(dx, dy, word_min_mm, &say_x, &say_y);
    char a[48] = "", b[48] = "", len[16];
    if (say_y) {
        cm(len, sizeof len, dy);
        snprintf(a, sizeof a, "%s toward your %s", len, dy < 0 ? "head" : "feet");
    }
    if (say_x) {
        cm(len, sizeof len, dx);
        snprintf(b, sizeof b, "%s %s", len, across_word(t, dx));
    }
    snprintf(text, cap, "move the %s %s%s%s", f->tool_kind == SM_TOOL_HOOK ? "Hip Hook" : "ball", a,
             say_x && say_y ? ", " : "", b);
}

void sm_template_compare(const sm_template_t *t, const sm_contact_frame_t *f,
                         const sm_template_loc_t *loc, const sm_template_settings_t *s_in,
                         sm_template_match_t *out)
{
    memset(out, 0, sizeof *out);
    sm_template_settings_t sbuf;
    const sm_template_settings_t *s = settings_or_default(s_in, &sbuf);
    if (!t || !loc || !t->has_tool || !loc->has_target) {
        snprintf(out->text, sizeof out->text, "template has no placement");
        return;
    }
    if (!f || !f->present) {
        snprintf(out->text, sizeof out->text, "no tool on the mat");
        return;
    }
    out->valid = 1;
    out->dx_mm = f->x_mm - loc->target_x_mm;
    out->dy_mm = f->y_mm - loc->target_y_mm;
    out->distance_mm = hypot(out->dx_mm, out->dy_mm);
    out->on_target = out->distance_mm <= s->on_target_mm;

    /* Which way is outward: away from the midline on the target's side. */
    int out_sign = 0;
    if (loc->body_relative && t->body.present) {
        if (fabs(t->rel_x_mm) >= s->midline_band_mm)
            out_sign = t->rel_x_mm > 0 ? 1 : -1;
    } else if (f->body_r0 >= 0 && isfinite(f->midline_x_mm)) {
        double rel = loc->target_x_mm - f->midline_x_mm;
        if (fabs(rel) >= s->midline_band_mm)
            out_sign = rel > 0 ? 1 : -1;
    }
    out->outward_mm = out_sign * out->dx_mm;
    if (out->on_target) {
        snprintf(out->text, sizeof out->text, "on target");
        return;
    }

    if (s->describe_move) {
        move_words(t, f, out->dx_mm, out->dy_mm, s->word_min_mm, out->text, sizeof out->text);
        return;
    }
    double dx = out->dx_mm, dy = out->dy_mm;
    int say_x, say_y;
    axes_to_say(dx, dy, s->word_min_mm, &say_x, &say_y);
    char a[48] = "", b[48] = "", len[16];
    if (say_y) {
        cm(len, sizeof len, dy);
        snprintf(a, sizeof a, "%s toward the %s", len, dy < 0 ? "head" : "feet");
    }
    if (say_x) {
        cm(len, sizeof len, dx);
        const char *word;
        if (out_sign)
            word = dx * out_sign > 0 ? "outward" : "inward";
        else if (t->posture == SM_POSTURE_PRONE) /* prone: col 0 is the person's right */
            word = dx < 0 ? "to the person's right" : "to the person's left";
        else if (t->posture == SM_POSTURE_SUPINE)
            word = dx > 0 ? "to the person's right" : "to the person's left";
        else
            word = dx < 0 ? "toward the mat's left" : "toward the mat's right";
        snprintf(b, sizeof b, "%s %s", len, word);
    }
    snprintf(out->text, sizeof out->text, "%s%s%s", a, say_x && say_y ? ", " : "", b);
}

size_t sm_template_outline(const sm_template_t *t, const sm_template_loc_t *loc, double *xy,
                           size_t cap)
{
    if (!t || !loc || !xy || !loc->has_target || cap < 8)
        return 0;
    double ca = cos(t->fp_angle_rad), sa = sin(t->fp_angle_rad);
    for (size_t i = 0; i < cap; i++) {
        double a = 2 * PI * (double)i / (double)cap;
        double u = t->fp_a_mm * cos(a), w = t->fp_b_mm * sin(a);
        xy[2 * i] = loc->target_x_mm + u * ca - w * sa;
        xy[2 * i + 1] = loc->target_y_mm + u * sa + w * ca;
    }
    return cap;
}

/* ---- guidance cues ---- */

void sm_template_tracker_init(sm_template_tracker_t *tr, const sm_template_settings_t *s)
{
    memset(tr, 0, sizeof *tr);
    sm_template_settings_t sbuf;
    tr->s = *settings_or_default(s, &sbuf);
    sm_template_tracker_reset(tr);
}

void sm_template_tracker_reset(sm_template_tracker_t *tr)
{
    tr->armed = 0;
    tr->on_target = 0;
    tr->anchor = 0.0;
    tr->last_s = -1e300;
}

void sm_template_tracker_update(sm_template_tracker_t *tr, const sm_template_match_t *m, double t_s,
                                sm_template_guide_t *out)
{
    memset(out, 0, sizeof *out);
    if (!m || !m->valid || !isfinite(m->distance_mm)) {
        tr->armed = 0;
        tr->on_target = 0;
        return;
    }
    const sm_template_settings_t *s = &tr->s;
    double d = m->distance_mm;
    if (!tr->armed) {
        tr->armed = 1;
        tr->since_s = t_s;
        tr->ds = d;
        tr->anchor = d;
    } else {
        double dt = t_s - tr->dt_prev;
        double a = s->closer_tau_s > 0 ? 1.0 - exp(-(dt > 0 ? dt : 0) / s->closer_tau_s) : 1.0;
        tr->ds += a * (d - tr->ds);
    }
    double since = t_s - tr->dt_prev;
    tr->dt_prev = t_s;
    double ds = tr->ds;
    /* the start of a step is forgotten slowly: only a move makes closer_step_mm in time */
    if (s->closer_forget_s > 0 && since > 0)
        tr->anchor += (1.0 - exp(-since / s->closer_forget_s)) * (ds - tr->anchor);
    if (tr->on_target) {
        if (d > s->off_target_mm) {
            tr->on_target = 0;
            tr->anchor = ds;
        }
    } else if (d <= s->on_target_mm) {
        tr->on_target = 1;
        out->cues[out->n_cues++] = (sm_coach_cue_t){SM_CUE_ON_TARGET, t_s, 1.0f};
    } else if (ds > tr->anchor || t_s - tr->since_s < s->settle_s) {
        tr->anchor = ds; /* moving away, or still settling: measure the next step from here */
    } else if (tr->anchor - ds >= s->closer_step_mm &&
               t_s - tr->last_s >= s->closer_interval_s - 1e-9) {
        double x = 1.0 - ds / s->closer_range_mm;
        x = x < 0 ? 0 : x > 1 ? 1 : x;
        out->cues[out->n_cues++] = (sm_coach_cue_t){SM_CUE_CLOSER, t_s, (float)x};
        tr->anchor = ds;
        tr->last_s = t_s;
    }
    out->on_target = tr->on_target;
}

/* ---- validation of templates from outside ---- */

#define BAD(...)                                                                                   \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        return SM_ERR_FORMAT;                                                                      \
    } while (0)

static int mm_ok(double x)
{
    return isfinite(x) && fabs(x) <= 10000.0;
}

sm_status sm_template_validate(const sm_template_t *t, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!t)
        BAD("no template");
    const char *nul = memchr(t->name, 0, SM_TEMPLATE_NAME_MAX);
    size_t nl = nul ? (size_t)(nul - t->name) : SM_TEMPLATE_NAME_MAX;
    if (nl == 0 || nl == SM_TEMPLATE_NAME_MAX)
        BAD("template name must be 1..%d bytes", SM_TEMPLATE_NAME_MAX - 1);
    for (size_t i = 0; i < nl; i++)
        if ((unsigned char)t->name[i] < 0x20 || t->name[i] == 0x7F)
            BAD("template name has a control character");
    if ((unsigned)t->protocol > SM_PROTO_REALIGN)
        BAD("unknown protocol");
    if ((unsigned)t->posture > SM_POSTURE_SIDE)
        BAD("unknown posture");
    if ((unsigned)t->side > SM_SIDE_LEFT)
        BAD("unknown side");
    if (t->mirrored != 0 && t->mirrored != 1)
        BAD("mirrored must be 0 or 1");
    if (!geometry_ok(t->rows, t->cols, t->pitch_mm))
        BAD("mat must be 1..64 x 1..64 cells at 0.1..1000 mm");
    if (t->has_tool != 0 && t->has_tool != 1)
        BAD("has_tool must be 0 or 1");
    const double mm[] = {t->tool_x_mm, t->tool_y_mm, t->rel_x_mm, t->rel_y_mm,
                         t->tip_dx_mm, t->tip_dy_mm, t->fp_a_mm,  t->fp_b_mm};
    for (size_t i = 0; i < sizeof mm / sizeof mm[0]; i++)
        if (!mm_ok(mm[i]))
            BAD("placement position out of range (more than 10 m or not a number)");
    if (!(t->fp_a_mm >= 0) || !(t->fp_b_mm >= 0) || !isfinite(t->fp_angle_rad) ||
        fabs(t->fp_angle_rad) > 10.0)
        BAD("footprint ellipse must have semi-axes >= 0 and an angle in radians");
    if (!(t->area_mm2 >= 0) || !(t->area_mm2 <= 1e8))
        BAD("contact area out of range");
    if (t->ncells < 0 || t->ncells > SM_TEMPLATE_MAX_CELLS)
        BAD("footprint has %d cells (at most %d)", t->ncells, SM_TEMPLATE_MAX_CELLS);
    for (int i = 0; i < t->ncells; i++)
        if (!mm_ok(t->cell_dx_mm[i]) || !mm_ok(t->cell_dy_mm[i]))
            BAD("footprint cell %d out of range", i);
    const sm_template_body_t *b = &t->body;
    if (b->present != 0 && b->present != 1)
        BAD("body.present must be 0 or 1");
    if (b->present) {
        if (b->nx < 1 || b->nx > SM_MAX_COLS || b->ny < 1 || b->ny > SM_MAX_ROWS ||
            !(b->pitch_mm >= 0.1 && b->pitch_mm <= 1000.0))
            BAD("body profiles must have 1..64 samples at 0.1..1000 mm");
        if (!mm_ok(b->x0_mm) || !mm_ok(b->y0_mm) || !mm_ok(b->ref_x_mm) || !mm_ok(b->ref_y_mm))
            BAD("body reference out of range");
        for (int i = 0; i < b->nx; i++)
            if (!(b->px[i] >= 0.0f) || !(b->px[i] <= 1e6f))
                BAD("body.across[%d] must be a number 0..1e6", i);
        for (int i = 0; i < b->ny; i++)
            if (!(b->py[i] >= 0.0f) || !(b->py[i] <= 1e6f))
                BAD("body.along[%d] must be a number 0..1e6", i);
    }
    if (t->nzones < 0 || t->nzones > SM_ZONE_MAX)
        BAD("%d zones (at most %d)", t->nzones, SM_ZONE_MAX);
    for (int i = 0; i < t->nzones; i++) {
        if (sm_zone_validate(&t->zones[i]) != SM_OK)
            BAD("zone %d is not a valid rectangle or ellipse (at least 1 mm each way)", i);
        if (t->zones[i].body && !b->present)
            BAD("zone %d is relative to the body but the template has no body", i);
    }
    return SM_OK;
}
