/* Scoring a coach's report against a generated trace's truth (coach_score.h). */
#include "coach_score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double after_s(const copgen_episode_t *ep)
{
    return ep->kind == COPGEN_EP_SLIDE ? 4.0 : 1.5;
}

static int matches(const score_event_t *e, const copgen_episode_t *ep)
{
    return e->start_s <= ep->end_s + after_s(ep) && e->end_s >= ep->start_s - 0.5;
}

static void push(double *v, size_t *n, double x)
{
    if (*n < SCORE_MAX_VALUES)
        v[(*n)++] = x;
}

static void note(score_acc_t *acc, FILE *log, const char *path, const copgen_trace_t *tr,
                 const char *what)
{
    if (!log || acc->logged >= SCORE_LOG_LINES)
        return;
    acc->logged++;
    fprintf(log, "  %s %s seed %llu (%g Hz): %s\n", path ? path : "",
            copgen_category_name(tr->category), (unsigned long long)tr->seed, tr->rate_hz, what);
}

void score_trace(const copgen_trace_t *tr, const score_run_t *run, score_acc_t *acc, FILE *log,
                 const char *path)
{
    char what[160];
    acc->traces++;
    int fa_here = 0;
    for (size_t i = 0; i < run->n_ev; i++) {
        int any = 0;
        for (size_t e = 0; e < tr->n_ep; e++)
            any |= matches(&run->ev[i], &tr->ep[e]);
        if (!any) {
            acc->fa++;
            fa_here = 1;
            const score_event_t *ev = &run->ev[i];
            snprintf(what, sizeof what, "false alarm: %s event %.2f-%.2f s, size %.1f mm",
                     ev->kind == SCORE_EV_WIGGLE       ? "wiggle"
                     : ev->kind == SCORE_EV_RELOCATION ? "relocation"
                                                       : "other",
                     ev->start_s, ev->end_s, ev->size_mm);
            note(acc, log, path, tr, what);
        }
    }
    acc->fa_traces += fa_here;
    for (size_t e = 0; e < tr->n_ep; e++) {
        const copgen_episode_t *ep = &tr->ep[e];
        int caught = 0, reloc = 0;
        double first_start = INFINITY, last_end = -INFINITY;
        for (size_t i = 0; i < run->n_ev; i++) {
            const score_event_t *ev = &run->ev[i];
            if (ev->kind == SCORE_EV_OTHER || !matches(ev, ep))
                continue;
            caught = 1;
            reloc |= ev->kind == SCORE_EV_RELOCATION;
            first_start = fmin(first_start, ev->start_s);
            last_end = fmax(last_end, ev->end_s);
        }
        if (!caught || (ep->kind == COPGEN_EP_SLIDE && !reloc)) {
            snprintf(what, sizeof what, "%s: %s %.1f mm %.2f Hz at %.0f deg, %.2f-%.2f s%s",
                     caught ? "not a relocation" : "missed", copgen_ep_kind_name(ep->kind),
                     ep->size_mm, ep->freq_hz, ep->angle_deg, ep->start_s, ep->end_s,
                     ep->in_target ? " (target)" : "");
            note(acc, log, path, tr, what);
        }
        if (ep->kind == COPGEN_EP_SLIDE) {
            acc->reloc_true++;
            acc->reloc_found += reloc;
            acc->reloc_other += caught && !reloc;
            continue;
        }
        if (!ep->in_target) {
            acc->other_eps++;
            acc->other_caught += caught;
            continue;
        }
        acc->target_eps++;
        acc->target_caught += caught;
        if (!caught)
            continue;
        if (!run->has_cues) {
            push(acc->start_lat, &acc->n_start, first_start - ep->start_s);
            push(acc->stop_lat, &acc->n_stop, last_end - ep->end_s);
            continue;
        }
        double t_on = NAN, t_last_on = NAN, t_off = NAN;
        for (size_t k = 0; k < run->n_cue; k++) {
            const score_cue_t *c = &run->cue[k];
            if (c->kind != SCORE_CUE_WIGGLE_START || c->t_s < ep->start_s - 0.5 ||
                c->t_s > ep->end_s + 1.5)
                continue;
            if (isnan(t_on))
                t_on = c->t_s;
            t_last_on = c->t_s;
        }
        if (isnan(t_on))
            continue; /* caught as an event but never buzzed: no latency to take */
        push(acc->start_lat, &acc->n_start, t_on - ep->start_s);
        if (t_on - ep->start_s > 1.0) { /* late: what it was, for the log */
            snprintf(what, sizeof what,
                     "late start %.2f s: %s %.1f mm %.2f Hz at %.0f deg, "
                     "breathing %.1f mm at %.0f deg",
                     t_on - ep->start_s, copgen_ep_kind_name(ep->kind), ep->size_mm, ep->freq_hz,
                     ep->angle_deg, tr->breath_pp_mm, tr->breath_angle_deg);
            note(acc, log, path, tr, what);
        }
        for (size_t k = 0; k < run->n_cue; k++)
            if (run->cue[k].kind == SCORE_CUE_WIGGLE_STOP && run->cue[k].t_s >= t_last_on) {
                t_off = run->cue[k].t_s;
                break;
            }
        if (isnan(t_off))
            acc->stop_missing++;
        else
            push(acc->stop_lat, &acc->n_stop, t_off - ep->end_s);
        if (!isnan(t_off) && t_off - ep->end_s > 0.8) {
            snprintf(what, sizeof what, "late stop %.2f s (last start %+.2f s): %s %.1f mm %.2f Hz",
                     t_off - ep->end_s, t_last_on - ep->end_s, copgen_ep_kind_name(ep->kind),
                     ep->size_mm, ep->freq_hz);
            note(acc, log, path, tr, what);
        }
    }
    if (run->bpm > 0)
        push(acc->bpm_err, &acc->n_bpm, fabs(run->bpm - tr->breath_bpm_mean));
    else
        acc->bpm_missing++;
}

static size_t movement_events(const score_run_t *r, const score_event_t **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_ev && n < cap; i++)
        if (r->ev[i].kind != SCORE_EV_OTHER)
            out[n++] = &r->ev[i];
    return n;
}

void score_agree(const score_run_t *analyze, const score_run_t *live, score_acc_t *acc)
{
    const score_event_t *a[SCORE_MAX_EVENTS], *l[SCORE_MAX_EVENTS];
    size_t na = movement_events(analyze, a, SCORE_MAX_EVENTS);
    size_t nl = movement_events(live, l, SCORE_MAX_EVENTS);
    int same = na == nl;
    for (size_t i = 0; i < na && i < nl; i++) {
        int pair = a[i]->kind == l[i]->kind && fabs(a[i]->start_s - l[i]->start_s) <= 0.5 &&
                   fabs(a[i]->end_s - l[i]->end_s) <= 0.5;
        same &= pair;
        if (pair && a[i]->kind == SCORE_EV_WIGGLE && a[i]->size_mm > 0)
            push(acc->size_ratio, &acc->n_ratio, l[i]->size_mm / a[i]->size_mm);
    }
    acc->agree_of++;
    acc->agree += same;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double score_percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double s[SCORE_MAX_VALUES];
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    size_t k = (size_t)ceil(p * (double)n);
    return s[k ? k - 1 : 0];
}

static void cat_values(double *dst, size_t *nd, const double *src, size_t ns)
{
    for (size_t i = 0; i < ns; i++)
        push(dst, nd, src[i]);
}

void score_add(score_acc_t *d, const score_acc_t *s)
{
    d->traces += s->traces;
    d->target_eps += s->target_eps;
    d->target_caught += s->target_caught;
    d->other_eps += s->other_eps;
    d->other_caught += s->other_caught;
    d->fa += s->fa;
    d->fa_traces += s->fa_traces;
    d->reloc_true += s->reloc_true;
    d->reloc_found += s->reloc_found;
    d->reloc_other += s->reloc_other;
    cat_values(d->start_lat, &d->n_start, s->start_lat, s->n_start);
    cat_values(d->stop_lat, &d->n_stop, s->stop_lat, s->n_stop);
    d->stop_missing += s->stop_missing;
    cat_values(d->bpm_err, &d->n_bpm, s->bpm_err, s->n_bpm);
    d->bpm_missing += s->bpm_missing;
    d->agree += s->agree;
    d->agree_of += s->agree_of;
    cat_values(d->size_ratio, &d->n_ratio, s->size_ratio, s->n_ratio);
}

void score_print_header(FILE *f)
{
    fprintf(f,
            "| %-11s | %-7s | %3s | %-9s | %-7s | %-8s | %-11s | %-11s | %-14s | %-7s | %-7s "
            "| %-9s |\n",
            "category", "path", "n", "recall", "edge", "FA(tr)", "start p50/90", "stop p50/90",
            "bpm err p50/90", "reloc", "live=an", "size l/a");
    fprintf(f, "|-------------|---------|-----|-----------|---------|----------|--------------|----"
               "---------|----------------|---------|---------|-----------|\n");
}

static void frac(char *buf, size_t n, int a, int b)
{
    if (b)
        snprintf(buf, n, "%d/%d", a, b);
    else
        snprintf(buf, n, "-");
}

static void pair(char *buf, size_t n, const double *v, size_t k, const char *fmt)
{
    if (!k) {
        snprintf(buf, n, "-");
        return;
    }
    char a[16], b[16];
    snprintf(a, sizeof a, fmt, score_percentile(v, k, 0.5));
    snprintf(b, sizeof b, fmt, score_percentile(v, k, 0.9));
    snprintf(buf, n, "%s/%s", a, b);
}

void score_print_row(FILE *f, const char *category, const char *path, const score_acc_t *a)
{
    char rec[24], edge[24], fa[24], st[32], sp[40], bpm[40], rel[24], agr[24], sz[24];
    frac(rec, sizeof rec, a->target_caught, a->target_eps);
    frac(edge, sizeof edge, a->other_caught, a->other_eps);
    snprintf(fa, sizeof fa, "%d(%d)", a->fa, a->fa_traces);
    pair(st, sizeof st, a->start_lat, a->n_start, "%.2f");
    pair(sp, sizeof sp, a->stop_lat, a->n_stop, "%.2f");
    if (a->stop_missing) {
        size_t l = strlen(sp);
        snprintf(sp + l, sizeof sp - l, " +%d!", a->stop_missing);
    }
    pair(bpm, sizeof bpm, a->bpm_err, a->n_bpm, "%.1f");
    if (a->bpm_missing) {
        size_t l = strlen(bpm);
        snprintf(bpm + l, sizeof bpm - l, " %dnull", a->bpm_missing);
    }
    frac(rel, sizeof rel, a->reloc_found, a->reloc_true);
    frac(agr, sizeof agr, a->agree, a->agree_of);
    if (a->n_ratio)
        snprintf(sz, sizeof sz, "%.2f", score_percentile(a->size_ratio, a->n_ratio, 0.5));
    else
        snprintf(sz, sizeof sz, "-");
    fprintf(f,
            "| %-11s | %-7s | %3d | %-9s | %-7s | %-8s | %-12s | %-11s | %-14s | %-7s | %-7s "
            "| %-9s |\n",
            category, path, a->traces, rec, edge, fa, st, sp, bpm, rel, agr, sz);
}
