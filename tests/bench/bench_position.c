/* Benchmark: how faithfully the tool's position follows the tool on the simulated reference mat
 * (32 x 24 cells of 25 mm, 10 cm ball), per set of sensor effects. Not a speed benchmark: it
 * prints how many millimetres the coach sees per millimetre the ball moves.
 *
 * The ball is driven by a known centre-of-pressure trace (sm_sim_config_t.trace_*): a slow
 * 30 mm sweep across the mat with a 1 mm, 0.25 Hz sway on top, so the ball passes over every
 * position relative to the cells. The tool position of the pipeline (sm_contact) is compared
 * with the trace:
 *   gain   - least-squares slope of measured against true position over the whole sweep;
 *   resid  - RMS of what that slope does not explain (the distortion across the cells), mm;
 *   local  - the slope over 2 s windows (how much the sway is magnified or shrunk where the ball
 *            is at that moment), 10th / 50th / 90th percentile over the sweep;
 *   sway   - the slope for a 2 mm, 1 Hz sway at the scenario's spot (what the coach sees of
 *            breathing and rubbing there).
 * An ideal mat gives 1 everywhere. The film's response (a power law with onset and saturation,
 * DOMAIN.md) magnifies movement where the footprint's edge cells sit in the steep part of the
 * curve and shrinks it elsewhere; crosstalk ghosts add to it.
 *
 * bench_position [CALIBRATION.json]: with a calibration for the 32 x 24 mat (e.g. the reference
 * profile, calibration/reference-mat-32x24.json), the same is measured on calibrated kPa with the
 * creep removed, as live and analyze feed the coach then. Build with -DSM_BENCH=ON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_frame.h"
#include "sm_pipeline.h"
#include "sm_sim.h"

#define RATE_HZ 25.0
#define PI      3.14159265358979323846

typedef struct {
    double gain, resid, lo, mid, hi;
} fit_t;

static const sm_calib_t *cal; /* NULL: raw counts */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double slope(const double *m, const double *t, size_t n, double *resid)
{
    double mm = 0, mt = 0, sxy = 0, sxx = 0, r2 = 0;
    for (size_t i = 0; i < n; i++) {
        mm += m[i];
        mt += t[i];
    }
    mm /= (double)n;
    mt /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (m[i] - mm) * (t[i] - mt);
        sxx += (t[i] - mt) * (t[i] - mt);
    }
    double g = sxx > 0 ? sxy / sxx : 0;
    if (resid) {
        for (size_t i = 0; i < n; i++) {
            double e = (m[i] - mm) - g * (t[i] - mt);
            r2 += e * e;
        }
        *resid = sqrt(r2 / (double)n);
    }
    return g;
}

/* Drives the ball along x by trace (n samples at RATE_HZ); measured x of every frame with a tool
 * after the first 10 s into m, the truth into t; returns how many. */
static size_t run(unsigned effects, const double *trace, size_t n, double *m, double *t)
{
    double *zero = calloc(n, sizeof *zero);
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.effects = effects;
    c.trace_x_mm = trace;
    c.trace_y_mm = zero;
    c.trace_n = n;
    c.trace_rate_hz = RATE_HZ;
    sm_sim_t *sim = NULL;
    sm_pipeline_t *p = NULL;
    sm_pipeline_config_t pc;
    memset(&pc, 0, sizeof pc);
    pc.rows = c.rows;
    pc.cols = c.cols;
    pc.pitch_mm = c.pitch_mm;
    pc.creep_removed = cal != NULL;
    static sm_frame_t f;
    static float kpa[SM_MAX_CELLS];
    sm_calib_creep_t *creep = NULL;
    size_t k = 0;
    if (!zero || sm_sim_create(&c, &sim) != SM_OK || sm_pipeline_create(&pc, &p) != SM_OK ||
        (cal && sm_calib_creep_create(cal, &creep) != SM_OK)) {
        fprintf(stderr, "bench_position: cannot set up the simulator\n");
        exit(1);
    }
    /* the trace's mean is removed by the simulator: compare against the same */
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += trace[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        memset(&f, 0, sizeof f);
        f.t_us = (uint64_t)((double)i * 1e6 / RATE_HZ + 0.5);
        f.seq = (uint32_t)i;
        f.rows = (uint16_t)c.rows;
        f.cols = (uint16_t)c.cols;
        sm_sim_render(sim, f.t_us, f.cells);
        int cal_ok = cal && sm_calib_apply(cal, &f, kpa) == SM_OK;
        if (cal_ok)
            sm_calib_creep_correct(creep, (double)f.t_us / 1e6, kpa);
        sm_pipeline_frame(p, &f, cal_ok ? kpa : NULL);
        const sm_contact_frame_t *cf = sm_pipeline_contact(p);
        if ((double)i >= 10.0 * RATE_HZ && cf->present) {
            m[k] = cf->x_mm;
            t[k] = trace[i] - mean;
            k++;
        }
    }
    sm_calib_creep_destroy(creep);
    sm_pipeline_destroy(p);
    sm_sim_destroy(sim);
    free(zero);
    return k;
}

static fit_t measure(unsigned effects)
{
    fit_t r = {0, 0, 0, 0, 0};
    size_t n = (size_t)(130 * RATE_HZ);
    double *tr = malloc(n * sizeof *tr), *m = malloc(n * sizeof *m), *t = malloc(n * sizeof *t);
    size_t nw = n / 25 + 1, nl = 0;
    double *loc = malloc(nw * sizeof *loc);
    if (!tr || !m || !t || !loc)
        exit(1);
    for (size_t i = 0; i < n; i++) {
        double s = (double)i / RATE_HZ;
        tr[i] = 30.0 * (s / 130.0 - 0.5) + 1.0 * sin(2 * PI * 0.25 * s);
    }
    size_t k = run(effects, tr, n, m, t);
    if (k < 100)
        goto out;
    r.gain = slope(m, t, k, &r.resid);
    size_t w = (size_t)(2.0 * RATE_HZ);
    for (size_t i0 = 0; i0 + w <= k && nl < nw; i0 += w / 2)
        loc[nl++] = slope(m + i0, t + i0, w, NULL);
    qsort(loc, nl, sizeof *loc, cmp_d);
    r.lo = loc[nl / 10];
    r.mid = loc[nl / 2];
    r.hi = loc[nl * 9 / 10];
out:
    free(tr);
    free(m);
    free(t);
    free(loc);
    return r;
}

static double sway_gain(unsigned effects)
{
    size_t n = (size_t)(40 * RATE_HZ);
    double *tr = malloc(n * sizeof *tr), *m = malloc(n * sizeof *m), *t = malloc(n * sizeof *t);
    if (!tr || !m || !t)
        exit(1);
    for (size_t i = 0; i < n; i++)
        tr[i] = 1.0 * sin(2 * PI * 1.0 * (double)i / RATE_HZ);
    size_t k = run(effects, tr, n, m, t);
    double g = k >= 100 ? slope(m, t, k, NULL) : 0;
    free(tr);
    free(m);
    free(t);
    return g;
}

static void table(const char *what)
{
    static const struct {
        const char *name;
        unsigned effects;
    } sets[] = {
        {"ideal (none)", 0},
        {"noise", SM_SIM_NOISE},
        {"noise+spread", SM_SIM_NOISE | SM_SIM_SPREAD},
        {"noise+ghost", SM_SIM_NOISE | SM_SIM_GHOST},
        {"noise+nonlinear", SM_SIM_NOISE | SM_SIM_NONLINEAR},
        {"all (live default)", SM_SIM_ALL},
    };
    printf("Tool position against the truth on the simulated reference mat (10 cm ball, 25 mm "
           "cells), %s:\n\n",
           what);
    printf("| sensor effects      | gain  | resid mm | local p10/p50/p90 | sway at spot |\n");
    printf("|---------------------|-------|----------|-------------------|--------------|\n");
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        fit_t f = measure(sets[i].effects);
        printf("| %-19s | %5.2f | %8.2f | %5.2f/%5.2f/%5.2f | %12.2f |\n", sets[i].name, f.gain,
               f.resid, f.lo, f.mid, f.hi, sway_gain(sets[i].effects));
    }
}

int main(int argc, char **argv)
{
    table("raw counts");
    if (argc < 2)
        return 0;
    sm_calib_data_t *d = malloc(sizeof *d);
    sm_calib_t *c = NULL;
    char err[256];
    sm_mat_info_t mat;
    memset(&mat, 0, sizeof mat);
    mat.rows = 32;
    mat.cols = 24;
    mat.pitch_mm = 25;
    mat.sample_max = 1023;
    if (!d || sm_calib_file_load(argv[1], &mat, d, err, sizeof err) != SM_OK ||
        sm_calib_create(d, &c, err, sizeof err) != SM_OK) {
        fprintf(stderr, "bench_position: %s: %s\n", argv[1], d ? err : "out of memory");
        free(d);
        return 1;
    }
    free(d);
    cal = c;
    printf("\n");
    table("calibrated kPa");
    sm_calib_destroy(c);
    return 0;
}
