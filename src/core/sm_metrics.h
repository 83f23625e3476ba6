/* Whole-frame measures shown in the live view and the --json summary. Pure: no I/O, no clock. */
#ifndef SM_METRICS_H
#define SM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"

typedef struct {
    double total; /* sum of loaded cells above the threshold, in raw counts (sample units) */
    double peak;  /* highest cell, raw counts */
    int peak_row, peak_col;
    int contact_cells; /* cells above the contact threshold */
    double area_cm2;   /* contact_cells * pitch^2 */
    double cop_row; /* centre of pressure in cells (fractional); valid only if contact_cells > 0 */
    double cop_col;
    int has_contact;
} sm_metrics_t;

/* threshold: a cell counts as loaded when its raw value is above it (noise floor). */
void sm_metrics_compute(const sm_frame_t *f, double pitch_mm, double threshold, sm_metrics_t *out);
/* The same on any per-cell values (raw counts, or kPa after calibration): v[rows*cols]. */
void sm_metrics_compute_values(const float *v, int rows, int cols, double pitch_mm,
                               double threshold, sm_metrics_t *out);

/* Running statistics for the session summary. */
typedef struct {
    double t_first_s, t_last_s;
    unsigned long frames;
    unsigned long cop_frames; /* frames with contact */
    double cop_row_sum, cop_col_sum;
    double total_sum;
    double peak_max;
} sm_summary_t;

void sm_summary_init(sm_summary_t *s);
void sm_summary_add(sm_summary_t *s, double t_s, const sm_metrics_t *m);

/* CoP trail: the last points for drawing a fading trail. */
#define SM_TRAIL_MAX 512
typedef struct {
    double t_s[SM_TRAIL_MAX];
    float row[SM_TRAIL_MAX], col[SM_TRAIL_MAX];
    size_t head, count;
} sm_trail_t;

void sm_trail_init(sm_trail_t *tr);
void sm_trail_push(sm_trail_t *tr, double t_s, double row, double col);
/* i = 0 is the oldest point kept; returns 0 when i is out of range. */
int sm_trail_get(const sm_trail_t *tr, size_t i, double *t_s, double *row, double *col);

/* Colour-scale top for mats whose full scale is unknown (text mats, imported files): follows the
 * highest peak of the last window_s seconds, rounded up to a readable number; rises at once,
 * falls only when the window has passed, so the picture does not pump with every breath. */
typedef struct {
    double window_s;
    double value;    /* current scale top */
    double win_peak; /* highest peak in the current window */
    double win_start_s;
    int started;
} sm_autoscale_t;

void sm_autoscale_init(sm_autoscale_t *a, double window_s, double initial);
double sm_autoscale_update(sm_autoscale_t *a, double t_s, double peak);
/* A peak for the colour scale that one faulty cell cannot pin: the highest value v[i] (rows*cols)
 * whose cell is not labelled `fault` in labels (may be NULL: none are) and has an 8-neighbour
 * (not a fault) at 30 % of it or more. A stuck, hot or spiking cell stands alone; a contact
 * (a ball, a hand, a body) spreads over neighbouring cells. Returns -1 when no cell qualifies. */
double sm_metrics_robust_peak(const float *v, const uint8_t *labels, uint8_t fault, int rows,
                              int cols);

/* Smallest of 1, 2, 2.5, 5 x 10^k that is >= v (v > 0). */
double sm_nice_ceil(double v);

#endif
