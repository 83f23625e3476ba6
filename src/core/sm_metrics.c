#include "sm_metrics.h"

#include <math.h>
#include <string.h>

void sm_metrics_compute_values(const float *v, int rows, int cols, double pitch_mm,
                               double threshold, sm_metrics_t *out)
{
    memset(out, 0, sizeof *out);
    double sum = 0, sr = 0, sc = 0, peak = 0;
    int n = 0, pr = 0, pc = 0;
    for (int r = 0; r < rows; r++) {
        const float *row = v + (size_t)r * cols;
        for (int c = 0; c < cols; c++) {
            double x = row[c];
            if (x > peak) {
                peak = x;
                pr = r;
                pc = c;
            }
            if (x <= threshold)
                continue;
            n++;
            sum += x;
            /* Cell centres sit at index + 0.5 so the CoP of a single cell is its middle. */
            sr += x * (r + 0.5);
            sc += x * (c + 0.5);
        }
    }
    out->total = sum;
    out->peak = peak;
    out->peak_row = pr;
    out->peak_col = pc;
    out->contact_cells = n;
    out->area_cm2 = n * (pitch_mm / 10.0) * (pitch_mm / 10.0);
    out->has_contact = n > 0 && sum > 0;
    if (out->has_contact) {
        out->cop_row = sr / sum;
        out->cop_col = sc / sum;
    }
}

void sm_metrics_compute(const sm_frame_t *f, double pitch_mm, double threshold, sm_metrics_t *out)
{
    float v[SM_MAX_CELLS];
    size_t n = (size_t)f->rows * f->cols;
    for (size_t i = 0; i < n; i++)
        v[i] = f->cells[i];
    sm_metrics_compute_values(v, f->rows, f->cols, pitch_mm, threshold, out);
}

void sm_summary_init(sm_summary_t *s)
{
    memset(s, 0, sizeof *s);
}

void sm_summary_add(sm_summary_t *s, double t_s, const sm_metrics_t *m)
{
    if (s->frames == 0)
        s->t_first_s = t_s;
    s->t_last_s = t_s;
    s->frames++;
    s->total_sum += m->total;
    if (m->peak > s->peak_max)
        s->peak_max = m->peak;
    if (m->has_contact) {
        s->cop_frames++;
        s->cop_row_sum += m->cop_row;
        s->cop_col_sum += m->cop_col;
    }
}

void sm_trail_init(sm_trail_t *tr)
{
    memset(tr, 0, sizeof *tr);
}

void sm_trail_push(sm_trail_t *tr, double t_s, double row, double col)
{
    size_t i = (tr->head + tr->count) % SM_TRAIL_MAX;
    if (tr->count == SM_TRAIL_MAX) {
        i = tr->head;
        tr->head = (tr->head + 1) % SM_TRAIL_MAX;
    } else {
        tr->count++;
    }
    tr->t_s[i] = t_s;
    tr->row[i] = (float)row;
    tr->col[i] = (float)col;
}

int sm_trail_get(const sm_trail_t *tr, size_t i, double *t_s, double *row, double *col)
{
    if (i >= tr->count)
        return 0;
    size_t k = (tr->head + i) % SM_TRAIL_MAX;
    *t_s = tr->t_s[k];
    *row = tr->row[k];
    *col = tr->col[k];
    return 1;
}

double sm_metrics_robust_peak(const float *v, const uint8_t *labels, uint8_t fault, int rows,
                              int cols)
{
    double best = -1;
    for (int i = 0; i < rows * cols; i++) {
        double x = v[i];
        if (!(x > 0) || !(x > best) || !isfinite(x) || (labels && labels[i] == fault))
            continue;
        int r = i / cols, c = i % cols, supported = 0;
        for (int dr = -1; dr <= 1 && !supported; dr++)
            for (int dc = -1; dc <= 1 && !supported; dc++) {
                int y = r + dr, xx = c + dc;
                if ((dr || dc) && y >= 0 && xx >= 0 && y < rows && xx < cols &&
                    !(labels && labels[y * cols + xx] == fault))
                    supported = v[y * cols + xx] >= 0.3 * x;
            }
        if (supported)
            best = x;
    }
    return best;
}

double sm_nice_ceil(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10.0, floor(log10(v)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

void sm_autoscale_init(sm_autoscale_t *a, double window_s, double initial)
{
    memset(a, 0, sizeof *a);
    a->window_s = window_s;
    a->value = initial;
}

double sm_autoscale_update(sm_autoscale_t *a, double t_s, double peak)
{
    if (!a->started || t_s < a->win_start_s) { /* first frame, or a replay jumped back */
        a->started = 1;
        a->win_start_s = t_s;
        a->win_peak = peak;
        a->value = sm_nice_ceil(peak > 0 ? peak : a->value);
        return a->value;
    }
    if (peak > a->win_peak)
        a->win_peak = peak;
    if (peak > a->value)
        a->value = sm_nice_ceil(peak);
    if (t_s - a->win_start_s >= a->window_s) {
        a->value = sm_nice_ceil(a->win_peak > 0 ? a->win_peak : 1);
        a->win_peak = peak;
        a->win_start_s = t_s;
    }
    return a->value;
}
