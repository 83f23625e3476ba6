/* Calibration: the fit recovers known curves, masking finds dead and stuck cells, gains equalise
 * the spread, creep is measured, and the whole workflow on the simulator gives forces within
 * 5 % of the truth. */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm_calib.h"
#include "sm_calib_steps.h"
#include "sm_sim.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))

static sm_frame_t frame;
static sm_calib_data_t data, data2;

/* ---- a small synthetic mat with a known sensor: divider readout of G = g (p / 60)^1.4 ---- */

#define SR   16
#define SC   16
#define FULL 1023.0

typedef struct {
    double gain[SR * SC];
    double off[SR * SC];
    int fault[SR * SC]; /* 0 ok, 1 dead, 2 stuck */
    uint64_t rng;
} synth_t;

static double urand(uint64_t *s)
{
    return (double)(ts_rand(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double grand(uint64_t *s)
{
    double a = urand(s) + 1e-12, b = urand(s);
    return sqrt(-2.0 * log(a)) * cos(6.283185307179586 * b);
}

static void synth_init(synth_t *m, uint64_t seed)
{
    m->rng = seed;
    for (int i = 0; i < SR * SC; i++) {
        m->gain[i] = exp(0.25 * grand(&m->rng));
        m->off[i] = 3.0 * urand(&m->rng);
        m->fault[i] = 0;
    }
}

/* kPa map: a plate of mass kg over cells [r0, r0+h) x [c0, c0+w), uniform. */
static void plate(double *p, int r0, int c0, int h, int w, double kg, double pitch)
{
    memset(p, 0, SR * SC * sizeof *p);
    double kpa = kg * SM_CALIB_G / (h * w * pitch * pitch) * 1000.0;
    for (int r = r0; r < r0 + h; r++)
        for (int c = c0; c < c0 + w; c++)
            p[r * SC + c] = kpa;
}

static void synth_frame(synth_t *m, const double *p, double t)
{
    frame.rows = SR;
    frame.cols = SC;
    frame.t_us = US(t);
    for (int i = 0; i < SR * SC; i++) {
        double g = p[i] > 0 ? m->gain[i] * pow(p[i] / 60.0, 1.4) : 0.0;
        double x = FULL * g / (1.0 + g) + m->off[i] + 1.5 * grand(&m->rng);
        x = floor(x + 0.5);
        x = x < 0 ? 0 : x > FULL ? FULL : x;
        if (m->fault[i] == 1)
            x = 0;
        else if (m->fault[i] == 2)
            x = FULL;
        frame.cells[i] = (uint16_t)x;
    }
}

static double t_now;

static void run_step(sm_calib_builder_t *b, synth_t *m, sm_calib_step_kind k, double kg,
                     const double *p, double secs)
{
    assert_int_equal(sm_calib_builder_begin(b, k, kg), SM_OK);
    for (double t = 0; t < secs; t += 0.05) {
        synth_frame(m, p, t_now);
        t_now += 0.05;
        assert_int_equal(sm_calib_builder_frame(b, &frame), SM_OK);
    }
    sm_calib_step_report_t rep;
    assert_int_equal(sm_calib_builder_end(b, &rep), SM_OK);
    assert_true(rep.ok);
}

static void test_synthetic_workflow(void **state)
{
    (void)state;
    synth_t m;
    synth_init(&m, 42);
    /* faults, two of them under the known-load plates */
    int dead[] = {3 * SC + 3, 8 * SC + 8, 14 * SC + 1}, stuck[] = {6 * SC + 12};
    for (size_t i = 0; i < 3; i++)
        m.fault[dead[i]] = 1;
    m.fault[stuck[0]] = 2;
    const double pitch = 20.0;
    sm_calib_builder_t *b = NULL;
    assert_int_equal(sm_calib_builder_create(SR, SC, pitch, (int)FULL, &b), SM_OK);
    static double p[SR * SC];
    t_now = 0;
    memset(p, 0, sizeof p);
    run_step(b, &m, SM_CALIB_STEP_ZERO, 0, p, 5);
    /* even load: four overlapping placements of a board, each fully covering part of the mat */
    const int eq[4][2] = {{0, 0}, {0, 6}, {6, 0}, {6, 6}};
    for (int k = 0; k < 4; k++) {
        plate(p, eq[k][0], eq[k][1], 10, 10, 0, pitch);
        for (int i = 0; i < SR * SC; i++)
            p[i] = p[i] > 0 || (i / SC >= eq[k][0] && i / SC < eq[k][0] + 10 &&
                                i % SC >= eq[k][1] && i % SC < eq[k][1] + 10)
                       ? 8.0
                       : 0.0;
        run_step(b, &m, SM_CALIB_STEP_EQUALISE, 0, p, 3);
    }
    const double masses[] = {5, 10, 20, 20};
    const int where[][4] = {{2, 2, 4, 4}, {7, 7, 3, 3}, {1, 9, 4, 4}, {10, 3, 2, 2}};
    for (int k = 0; k < 4; k++) {
        plate(p, where[k][0], where[k][1], where[k][2], where[k][3], masses[k], pitch);
        run_step(b, &m, SM_CALIB_STEP_LOAD, masses[k], p, 3);
    }
    plate(p, 4, 4, 3, 3, 12, pitch);
    run_step(b, &m, SM_CALIB_STEP_VERIFY, 12, p, 3);
    char err[160];
    assert_int_equal(sm_calib_builder_finish(b, &data, err, sizeof err), SM_OK);
    sm_calib_builder_destroy(b);
    printf("synthetic: readout %d a %.2f kPa b %.4f (true 60, %.4f) onset %.2f rms %.2f %%\n",
           data.readout, data.curve.a_kpa, data.curve.b, 1 / 1.4, data.curve.onset_kpa,
           data.curve.rms_pct);
    assert_int_equal(data.readout, SM_CALIB_READOUT_DIVIDER);
    assert_true(fabs(data.curve.b - 1 / 1.4) < 0.03);
    /* every injected fault found, nothing else masked */
    for (int i = 0; i < SR * SC; i++) {
        int want = m.fault[i] == 1   ? SM_CALIB_CELL_DEAD
                   : m.fault[i] == 2 ? SM_CALIB_CELL_STUCK
                                     : SM_CALIB_CELL_OK;
        if (data.mask[i] != want)
            printf("cell %d: mask %d want %d\n", i, data.mask[i], want);
        assert_int_equal(data.mask[i], want);
    }
    /* gains: the spread (25 % sigma) is undone to within 3 % (relative to the median) */
    double ratio[SR * SC];
    int nr = 0;
    for (int i = 0; i < SR * SC; i++)
        if (!m.fault[i])
            ratio[nr++] = log(data.gain[i] * m.gain[i]);
    double mean = 0, sd = 0, sdraw = 0;
    for (int i = 0; i < nr; i++)
        mean += ratio[i] / nr;
    for (int i = 0; i < nr; i++)
        sd += (ratio[i] - mean) * (ratio[i] - mean) / nr;
    for (int i = 0; i < SR * SC; i++)
        sdraw += log(m.gain[i]) * log(m.gain[i]) / (SR * SC);
    printf("synthetic: gain spread %.1f %% -> residual %.2f %%\n", 100 * sqrt(sdraw),
           100 * sqrt(sd));
    assert_true(sqrt(sdraw) > 0.15);
    assert_true(sqrt(sd) < 0.03);
    /* fresh loads, including over a dead cell (filled from its neighbours) */
    sm_calib_t *cal = NULL;
    assert_int_equal(sm_calib_create(&data, &cal, err, sizeof err), SM_OK);
    static float kpa[SR * SC];
    const double tests[][5] = {
        {7, 7, 3, 3, 15}, {2, 10, 5, 5, 8}, {12, 12, 2, 2, 6}, {0, 0, 6, 6, 40}};
    for (size_t k = 0; k < 4; k++) {
        plate(p, (int)tests[k][0], (int)tests[k][1], (int)tests[k][2], (int)tests[k][3],
              tests[k][4], pitch);
        double f = 0;
        for (int j = 0; j < 20; j++) {
            synth_frame(&m, p, t_now);
            assert_int_equal(sm_calib_apply(cal, &frame, kpa), SM_OK);
            f += sm_calib_force_n(cal, kpa) / 20;
        }
        double e = 100 * (f / (tests[k][4] * SM_CALIB_G) - 1);
        printf("synthetic: fresh %.0f kg on %.0fx%.0f cells: %.1f N, error %+.2f %%\n", tests[k][4],
               tests[k][2], tests[k][3], f, e);
        assert_true(fabs(e) < 3.0);
        if (k == 0) /* the dead cell at (8, 8) lies under this plate: filled like its neighbours */
            assert_true(fabs(kpa[8 * SC + 8] / (float)p[8 * SC + 8] - 1.0f) < 0.1f);
    }
    sm_calib_destroy(cal);
}

/* The power-law fit recovers known curves, with and without onset. */
static void test_fit_power_recovers(void **state)
{
    (void)state;
    const double curves[][3] = {{60, 0.714, 0}, {25, 0.5, 0}, {120, 1.1, 0}, {60, 0.714, 1.2}};
    for (size_t c = 0; c < 4; c++) {
        double A = curves[c][0], B = curves[c][1], ON = curves[c][2];
        static double u[16 * 64];
        size_t off[8], m[8];
        double w[8];
        const double pk[] = {5, 12, 25, 50, 90, 140};
        size_t p = 0;
        uint64_t rng = 7 + c;
        for (size_t k = 0; k < 6; k++) {
            off[k] = p;
            double force = 0;
            for (int j = 0; j < 36; j++) {
                /* plateau cells and partly covered edge cells */
                double frac = j < 16 ? 1.0 : 0.2 + 0.8 * urand(&rng);
                double kp = pk[k] * frac;
                if (kp <= ON)
                    continue;
                u[p++] = pow((kp - ON) / A, 1.0 / B);
                force += kp * 400.0 / 1000.0; /* 20 mm cells */
            }
            m[k] = p - off[k];
            w[k] = force;
        }
        sm_calib_curve_t cv;
        assert_int_equal(sm_calib_fit_power(u, off, m, w, 6, 400.0, &cv), SM_OK);
        double worst = 0;
        for (double kp = 5; kp <= 140; kp *= 1.3) {
            double uu = pow((kp - ON) / A, 1.0 / B);
            double got = cv.onset_kpa + cv.a_kpa * pow(uu, cv.b);
            double e = fabs(got / kp - 1);
            worst = e > worst ? e : worst;
        }
        printf("curve %zu: a %.2f b %.4f onset %.2f (true %.0f %.3f %.1f): worst %.2f %%, "
               "rms %.3f %%\n",
               c, cv.a_kpa, cv.b, cv.onset_kpa, A, B, ON, 100 * worst, cv.rms_pct);
        assert_true(worst < 0.02);
        if (ON == 0)
            assert_true(fabs(cv.b / B - 1) < 0.01);
    }
    /* degenerate input */
    double u1[1] = {1};
    size_t o1[1] = {0}, m1[1] = {1};
    double w1[1] = {1};
    sm_calib_curve_t cv;
    assert_int_equal(sm_calib_fit_power(u1, o1, m1, w1, 1, 400, &cv), SM_ERR_RANGE);
}

static void test_fit_creep_recovers(void **state)
{
    (void)state;
    double t[400], s[400];
    uint64_t rng = 3;
    for (int i = 0; i < 360; i++) {
        t[i] = 2.0 + i * 0.25;
        s[i] = 7.0 * (1 + 0.05 * log10(1 + t[i])) * (1 + 0.002 * grand(&rng));
    }
    sm_calib_creep_model_t cm;
    memset(&cm, 0, sizeof cm);
    assert_int_equal(sm_calib_fit_creep(t, s, 360, &cm), SM_OK);
    printf("creep: %.4f per decade (true 0.05), rms %.2f %%\n", cm.per_decade, cm.rms_pct);
    assert_true(fabs(cm.per_decade - 0.05) < 0.003);
    assert_int_equal(sm_calib_fit_creep(t, s, 3, &cm), SM_ERR_RANGE);
}

/* ---- the whole workflow on the simulator ---- */

typedef struct {
    double t;
    double truth_n;
    uint16_t cells[32 * 24];
} rec_t;

static void run_scenario(uint32_t seed, unsigned effects, double *worst_plain, double *worst_creep)
{
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "calibration-steps";
    cfg.seed = seed;
    cfg.effects = effects;
    sm_sim_t *sim = NULL;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    const sm_sim_step_t *ss;
    size_t ns = sm_sim_steps(sim, &ss);
    assert_true(ns >= 15);
    static sm_calib_steps_t steps;
    steps.n = 0;
    for (size_t i = 0; i < ns; i++) {
        sm_calib_step_t *s = &steps.step[steps.n++];
        s->kind = sm_calib_step_from_name(ss[i].kind);
        assert_int_not_equal(s->kind, SM_CALIB_STEP_NONE);
        s->start_s = ss[i].start_s;
        s->end_s = ss[i].end_s;
        s->mass_kg = ss[i].mass_kg;
    }
    /* The steps also survive the steps file format. */
    static char buf[8192];
    size_t len = sm_calib_steps_format(&steps, buf, sizeof buf);
    assert_true(len < sizeof buf);
    static sm_calib_steps_t back;
    char err[160];
    assert_int_equal(sm_calib_steps_parse(buf, len, &back, err, sizeof err), SM_OK);
    assert_int_equal(back.n, steps.n);

    sm_calib_builder_t *b = NULL;
    assert_int_equal(sm_calib_builder_create(32, 24, 25.0, 1023, &b), SM_OK);
    const double rate = 25.0;
    double dur = sm_sim_duration(sim);
    size_t nrec = 0, caprec = 8 * 12 * 25 + 64;
    rec_t *rec = calloc(caprec, sizeof *rec);
    assert_non_null(rec);
    int fails = 0;
    for (long k = 0; k / rate < dur; k++) {
        double t = k / rate;
        frame.rows = 32;
        frame.cols = 24;
        frame.t_us = US(t);
        frame.seq = (uint32_t)k;
        sm_sim_render(sim, frame.t_us, frame.cells);
        sm_calib_step_report_t rep;
        assert_int_equal(sm_calib_builder_feed(b, &steps, &frame, &rep), SM_OK);
        if (rep.kind != SM_CALIB_STEP_NONE) {
            if (!rep.ok)
                fails++;
            if (seed == 1 && rep.kind != SM_CALIB_STEP_EQUALISE)
                printf("  %6.2f s  %s%s\n", t, rep.message, rep.ok ? "" : "  (REDO)");
        }
        /* keep the check loads' frames (from just before they land) for after the fit */
        for (size_t i = 0; i < steps.n; i++)
            if (steps.step[i].kind == SM_CALIB_STEP_CHECK && t >= steps.step[i].start_s - 2.0 &&
                t < steps.step[i].end_s && nrec < caprec) {
                sm_sim_truth_t tr;
                sm_sim_truth(sim, &tr);
                rec[nrec].t = t;
                rec[nrec].truth_n = tr.total_force_n;
                memcpy(rec[nrec].cells, frame.cells, sizeof rec[nrec].cells);
                nrec++;
                break;
            }
    }
    assert_int_equal(fails, 0);
    assert_int_equal(sm_calib_builder_finish(b, &data, err, sizeof err), SM_OK);
    sm_calib_builder_destroy(b);

    const sm_calib_data_t *d = &data;
    printf("seed %u: readout %s, curve kPa = %.2f + %.2f u^%.4f (loads %.1f..%.1f kPa, force rms "
           "%.2f %%)\n",
           seed, d->readout ? "linear" : "divider", d->curve.onset_kpa, d->curve.a_kpa, d->curve.b,
           d->curve.lo_kpa, d->curve.hi_kpa, d->curve.rms_pct);
    printf("seed %u: crosstalk share %.4f (simulator %.2f), source %d, %d phantom cells, rms "
           "%.2f counts\n",
           seed, d->xtalk.share, (effects & SM_SIM_GHOST) ? SM_SIM_GHOST_SHARE : 0.0,
           d->xtalk.fitted, d->xtalk.points, d->xtalk.rms_counts);
    printf("seed %u: creep %.4f per decade (simulator %.4f), fit rms %.2f %%; method: %s\n", seed,
           d->creep.per_decade, SM_SIM_CREEP_PER_DECADE, d->creep.rms_pct, d->method);
    for (int k = 0; k < d->nloads; k++)
        printf("  load %5.1f kg: force %6.1f N (expected %6.1f) %+5.2f %%, footprint %d cells "
               "%.0f cm2, %.1f kPa, %d points rms %.1f %%\n",
               d->loads[k].mass_kg, d->loads[k].force_n, d->loads[k].expected_n,
               d->loads[k].error_pct, d->loads[k].cells, d->loads[k].area_cm2,
               d->loads[k].pressure_kpa, d->loads[k].points, d->loads[k].rms_cell_pct);
    printf("  verify %.1f kg: %.1f N vs %.1f N, %+.2f %% -> %s (tolerance %.0f %%)\n",
           d->verify.mass_kg, d->verify.measured_n, d->verify.expected_n, d->verify.error_pct,
           d->verify.pass ? "PASS" : "FAIL", d->verify.tolerance_pct);
    assert_true(d->verify.done);
    assert_true(d->verify.pass);
    /* the crosstalk share is measured along the stuck cell's lines (every seed has one) */
    if (effects & SM_SIM_GHOST)
        assert_true(fabs(d->xtalk.share - SM_SIM_GHOST_SHARE) < 0.02);
    else
        assert_true(d->xtalk.share < 0.01);
    assert_true(fabs(d->creep.per_decade - SM_SIM_CREEP_PER_DECADE) < 0.015);
    assert_true(d->creep.fitted);

    /* dead and stuck cells */
    int found = 0, missed = 0, extra = 0;
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            int f = sm_sim_cell_fault(sim, r, c), mk = d->mask[r * 24 + c];
            if (f == SM_SIM_CELL_DEAD || f == SM_SIM_CELL_STUCK) {
                int want = f == SM_SIM_CELL_DEAD ? SM_CALIB_CELL_DEAD : SM_CALIB_CELL_STUCK;
                if (mk == want)
                    found++;
                else
                    missed++;
            } else if (mk != SM_CALIB_CELL_OK) {
                extra++;
            }
        }
    printf("seed %u: faults found %d, missed %d, extra cells masked %d\n", seed, found, missed,
           extra);
    assert_int_equal(missed, 0);
    assert_true(found >= 2);
    assert_true(extra <= 2);

    /* fresh check loads */
    sm_calib_t *cal = NULL;
    assert_int_equal(sm_calib_create(d, &cal, err, sizeof err), SM_OK);
    sm_calib_creep_t *cr = NULL;
    assert_int_equal(sm_calib_creep_create(cal, &cr), SM_OK);
    static float kpa[32 * 24];
    *worst_plain = *worst_creep = 0;
    size_t j = 0;
    for (size_t i = 0; i < steps.n; i++) {
        const sm_calib_step_t *s = &steps.step[i];
        if (s->kind != SM_CALIB_STEP_CHECK)
            continue;
        double fp = 0, fc = 0, ft = 0;
        int cnt = 0;
        for (; j < nrec && rec[j].t < s->end_s; j++) {
            frame.t_us = US(rec[j].t);
            memcpy(frame.cells, rec[j].cells, sizeof rec[j].cells);
            assert_int_equal(sm_calib_apply(cal, &frame, kpa), SM_OK);
            double plain = sm_calib_force_n(cal, kpa);
            sm_calib_creep_correct(cr, rec[j].t, kpa);
            if (rec[j].t >= s->start_s) {
                fp += plain;
                fc += sm_calib_force_n(cal, kpa);
                ft += rec[j].truth_n;
                cnt++;
            }
        }
        assert_true(cnt > 0);
        fp /= cnt;
        fc /= cnt;
        ft /= cnt;
        double ep = 100 * (fp / ft - 1), ec = 100 * (fc / ft - 1);
        printf("  check %4.1f kg at %5.1f s: truth %6.1f N, calibrated %6.1f N (%+5.2f %%), "
               "creep-corrected %6.1f N (%+5.2f %%)\n",
               s->mass_kg, s->start_s, ft, fp, ep, fc, ec);
        *worst_plain = fabs(ep) > *worst_plain ? fabs(ep) : *worst_plain;
        *worst_creep = fabs(ec) > *worst_creep ? fabs(ec) : *worst_creep;
    }
    printf("seed %u effects 0x%02x: worst check error %.2f %% (plain), %.2f %% "
           "(creep-corrected)\n",
           seed, effects, *worst_plain, *worst_creep);
    sm_calib_creep_destroy(cr);
    sm_calib_destroy(cal);
    free(rec);
    sm_sim_destroy(sim);
}

/* Every effect but crosstalk: the check loads' forces land within about 5 % of the truth. */
static void test_scenario_accuracy(void **state)
{
    (void)state;
    const uint32_t seeds[] = {1, 7, 2024};
    for (size_t i = 0; i < 3; i++) {
        double wp, wc;
        run_scenario(seeds[i], SM_SIM_ALL & ~SM_SIM_GHOST, &wp, &wc);
        assert_true(wp < 8.0); /* the raw reading still holds the creep rise (5 %/decade) */
        assert_true(wc < 5.0); /* what SteadyMat shows: creep removed */
    }
}

/* All effects, crosstalk included: the share is measured, faults and creep are found, the
 * verification passes and the check loads' forces land within 5 % of the truth (without
 * compensation: up to +51 %). */
static void test_scenario_all_effects(void **state)
{
    (void)state;
    const uint32_t seeds[] = {1, 5, 7, 2024};
    for (size_t i = 0; i < 4; i++) {
        double wp, wc;
        run_scenario(seeds[i], SM_SIM_ALL, &wp, &wc);
        assert_true(wp < 8.0); /* the raw reading still holds the creep rise (5 %/decade) */
        assert_true(wc < 5.0); /* what SteadyMat shows: creep removed */
    }
}

/* Per-cell: under a big fresh plate the calibrated cells agree with the true pressure, while
 * the raw counts spread by tens of percent. Uses the calibration of the last scenario run. */
static void test_scenario_per_cell(void **state)
{
    (void)state;
    double wp, wc;
    run_scenario(5, SM_SIM_ALL, &wp, &wc);
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "calibration-steps";
    cfg.seed = 5;
    sm_sim_t *sim = NULL;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    sm_calib_t *cal = NULL;
    char err[160];
    assert_int_equal(sm_calib_create(&data, &cal, err, sizeof err), SM_OK);
    static float kpa[768];
    /* the 40 kg 15 x 15 cm check: render up to 2 s into it */
    for (double t = 0; t <= 435.5; t += 0.1) {
        frame.t_us = US(t);
        sm_sim_render(sim, frame.t_us, frame.cells);
    }
    frame.rows = 32;
    frame.cols = 24;
    assert_int_equal(sm_calib_apply(cal, &frame, kpa), SM_OK);
    const double *truth = sm_sim_pressure(sim);
    double pmax = 0;
    for (int i = 0; i < 768; i++)
        pmax = truth[i] > pmax ? truth[i] : pmax;
    double se = 0, sr = 0, mr = 0;
    int n = 0;
    for (int i = 0; i < 768; i++)
        if (truth[i] > 0.999 * pmax && data.mask[i] == SM_CALIB_CELL_OK) {
            mr += frame.cells[i];
            n++;
        }
    mr /= n;
    for (int i = 0; i < 768; i++)
        if (truth[i] > 0.999 * pmax && data.mask[i] == SM_CALIB_CELL_OK) {
            double e = kpa[i] / truth[i] - 1;
            se += e * e;
            sr += (frame.cells[i] / mr - 1) * (frame.cells[i] / mr - 1);
        }
    printf("per cell under 40 kg on 15x15 cm (%d fully covered cells, %.1f kPa): raw spread "
           "%.1f %%, calibrated error rms %.1f %%\n",
           n, pmax, 100 * sqrt(sr / n), 100 * sqrt(se / n));
    assert_true(n >= 16);
    assert_true(sqrt(sr / n) > 0.12);
    assert_true(sqrt(se / n) < 0.06);
    sm_calib_destroy(cal);
    sm_sim_destroy(sim);
}

/* The crosstalk ghost straight from its definition (sm_calib.h): G(r, c) is the strongest
 * three-corner path min(x[r][c1], x[r1][c1], x[r1][c]) over r1 != r, c1 != c with all three
 * corners loaded (x > thr); 0 without one, and 0 where the target set tx is not loaded. */
static void ghost_by_definition(int R, int C, const float *x, const float *thr, const float *tx,
                                float *g)
{
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            float best = 0.0f;
            for (int r1 = 0; r1 < R && (!tx || tx[r * C + c] > thr[r * C + c]); r1++)
                for (int c1 = 0; c1 < C; c1++) {
                    if (r1 == r || c1 == c)
                        continue;
                    float a = x[r * C + c1], b = x[r1 * C + c1], d = x[r1 * C + c];
                    if (!(a > thr[r * C + c1] && b > thr[r1 * C + c1] && d > thr[r1 * C + c]))
                        continue;
                    float m = a < b ? a : b;
                    m = m < d ? m : d;
                    best = m > best ? m : best;
                }
            g[r * C + c] = best;
        }
}

/* A frame with what a passive matrix sees: a body, a tool, stuck lines, noise around the
 * thresholds, some cells negative (below their offset). */
static void xt_frame(uint64_t *rng, int R, int C, float *x, float *thr, uint8_t *keep)
{
    double br = urand(rng) * R, bc = urand(rng) * C, tr = urand(rng) * R, tc = urand(rng) * C;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            int i = r * C + c;
            double body = 300.0 * exp(-((r - br) * (r - br) + (c - bc) * (c - bc)) / (0.1 * R * C));
            double tool = 700.0 * exp(-((r - tr) * (r - tr) + (c - tc) * (c - tc)) / 2.0);
            thr[i] = (float)(5.0 + 10.0 * urand(rng));
            x[i] = (float)(body + tool + 8.0 * grand(rng));
            if (urand(rng) < 0.05)
                x[i] = thr[i]; /* exactly on the threshold: not loaded */
            keep[i] = 0;
        }
    int sr = (int)(urand(rng) * R), sc = (int)(urand(rng) * C);
    x[sr * C + sc] = 1023.0f; /* a stuck cell */
    keep[sr * C + sc] = 1;
    for (int k = 0; k < 3; k++) { /* ties between corners */
        int i = (int)(urand(rng) * R * C), j = (int)(urand(rng) * R * C);
        x[j] = x[i];
    }
}

static void test_crosstalk_matches_definition(void **state)
{
    (void)state;
    static const int dims[][2] = {{2, 2}, {3, 5}, {16, 16}, {32, 24}, {24, 32}, {64, 64}};
    static float x[64 * 64], thr[64 * 64], g[64 * 64], ref[64 * 64], v[64 * 64], out[64 * 64];
    static uint8_t keep[64 * 64];
    uint64_t rng = 99;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        int R = dims[d][0], C = dims[d][1], n = R * C;
        sm_calib_xt_t *w = NULL;
        assert_int_equal(sm_calib_xt_create(R, C, &w), SM_OK);
        for (int trial = 0; trial < (n > 1000 ? 3 : 20); trial++) {
            xt_frame(&rng, R, C, x, thr, keep);
            /* every cell, and only the loaded ones of another frame */
            sm_calib_xt_ghost(w, x, thr, NULL, g);
            ghost_by_definition(R, C, x, thr, NULL, ref);
            assert_memory_equal(g, ref, (size_t)n * sizeof *g);
            for (int i = 0; i < n; i++)
                v[i] = x[i] * (float)(0.5 + urand(&rng));
            sm_calib_xt_ghost(w, v, thr, x, g);
            ghost_by_definition(R, C, v, thr, x, ref);
            assert_memory_equal(g, ref, (size_t)n * sizeof *g);
            /* removal: three passes of v = x - share G(v), the first from G(x) / (1 + share);
             * kept cells keep their reading; a cell with a ghost never goes below 0 */
            float share = (float)(0.05 + 0.4 * urand(&rng));
            const uint8_t *k = trial % 2 ? keep : NULL;
            sm_calib_xt_remove(w, x, thr, k, share, out);
            memcpy(v, x, (size_t)n * sizeof *v);
            for (int pass = 1; pass <= 3; pass++) {
                ghost_by_definition(R, C, pass == 1 ? x : v, thr, x, ref);
                float q = pass == 1 ? (float)((double)share / (1.0 + (double)share)) : share;
                for (int i = 0; i < n; i++) {
                    float e = k && k[i] ? x[i] : x[i] - q * ref[i];
                    v[i] = ref[i] > 0.0f && e < 0.0f ? 0.0f : e;
                }
            }
            assert_memory_equal(out, v, (size_t)n * sizeof *out);
            /* in place, as sm_calib_apply does it */
            memcpy(v, x, (size_t)n * sizeof *v);
            sm_calib_xt_remove(w, v, thr, k, share, v);
            assert_memory_equal(out, v, (size_t)n * sizeof *out);
        }
        sm_calib_xt_destroy(w);
    }
}

static void test_ghosts(void **state)
{
    (void)state;
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = "weights-ghost";
    cfg.effects = SM_SIM_ALL & ~SM_SIM_DEAD;
    sm_sim_t *sim = NULL;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    frame.rows = 32;
    frame.cols = 24;
    sm_sim_render(sim, US(5), frame.cells);
    static float v[768];
    for (int i = 0; i < 768; i++)
        v[i] = frame.cells[i];
    uint8_t flags[768];
    int n = sm_calib_ghosts(v, 32, 24, 10.0f, 0.5f, flags);
    int gr = (int)floor(0.7 * 32), gc = (int)floor(0.7 * 24);
    const double *truth = sm_sim_pressure(sim);
    printf("ghosts: %d flagged; 4th corner (%d, %d) reads %u counts, flagged %d\n", n, gr, gc,
           frame.cells[gr * 24 + gc], flags[gr * 24 + gc]);
    assert_true(flags[gr * 24 + gc]);
    double tmax = 0;
    for (int i = 0; i < 768; i++)
        tmax = truth[i] > tmax ? truth[i] : tmax;
    for (int i = 0; i < 768; i++)
        if (flags[i])
            assert_true(truth[i] < 0.25 * tmax); /* never the body of a real load */
    sm_sim_destroy(sim);
    /* a single contact's own edge is never a ghost */
    static float one[100];
    for (int i = 0; i < 100; i++)
        one[i] = (i / 10 >= 3 && i / 10 <= 6 && i % 10 >= 3 && i % 10 <= 6) ? 100.0f : 0.0f;
    one[3 * 10 + 3] = 20.0f;
    assert_int_equal(sm_calib_ghosts(one, 10, 10, 5.0f, 0.5f, flags), 0);
}

static void test_units_and_validate(void **state)
{
    (void)state;
    assert_true(fabs(sm_kpa_to_mmhg(1.0) - 7.50062) < 1e-9);
    assert_true(fabs(sm_mmhg_to_kpa(7.50062) - 1.0) < 1e-9);
    assert_true(fabs(sm_kpa_area_to_n(10.0, 625.0) - 6.25) < 1e-9);
    assert_true(fabs(sm_n_to_kg(9.80665) - 1.0) < 1e-12);
    char err[160];
    assert_int_equal(sm_calib_data_init(&data2, 32, 24, 25.0, 1023), SM_OK);
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_OK);
    assert_int_equal(sm_calib_data_init(&data2, 65, 24, 25.0, 1023), SM_ERR_RANGE);
    sm_calib_data_init(&data2, 4, 4, 10.0, 1023);
    data2.gain[5] = -1.0f;
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_ERR_FORMAT);
    printf("validate: %s\n", err);
    assert_non_null(strstr(err, "gain of cell 5"));
    data2.gain[5] = NAN;
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_ERR_FORMAT);
    data2.gain[5] = 1.0f;
    data2.curve.b = INFINITY;
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_ERR_FORMAT);
    data2.curve.b = 0.7;
    strcpy(data2.uid, "xyz");
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_ERR_FORMAT);
    strcpy(data2.uid, "0123456789abcdef");
    assert_int_equal(sm_calib_data_validate(&data2, err, sizeof err), SM_OK);
    sm_calib_t *cal = NULL;
    data2.mask[0] = 9;
    assert_int_equal(sm_calib_create(&data2, &cal, err, sizeof err), SM_ERR_FORMAT);
    assert_null(cal);
    data2.mask[0] = SM_CALIB_CELL_DEAD;
    assert_int_equal(sm_calib_create(&data2, &cal, err, sizeof err), SM_OK);
    frame.rows = 5;
    frame.cols = 4;
    static float kpa[64];
    assert_int_equal(sm_calib_apply(cal, &frame, kpa), SM_ERR_MISMATCH);
    frame.rows = 4;
    for (int i = 0; i < 16; i++)
        frame.cells[i] = 500;
    assert_int_equal(sm_calib_apply(cal, &frame, kpa), SM_OK);
    assert_true(kpa[1] > 0 && fabsf(kpa[0] - kpa[1]) < 1e-3f); /* dead cell filled */
    /* creep: a constant load reads constant after correction, and the factor rises by decades */
    double f10 = sm_calib_creep_factor(&data2, 9.0), f100 = sm_calib_creep_factor(&data2, 99.0);
    assert_true(f10 > 1.03 && f100 > f10);
    sm_calib_creep_t *cr = NULL;
    assert_int_equal(sm_calib_creep_create(cal, &cr), SM_OK);
    for (int k = 0; k <= 100; k++) {
        double c = sm_calib_creep_factor(&data2, k);
        for (int i = 0; i < 16; i++)
            kpa[i] = (float)(50.0 * c);
        sm_calib_creep_correct(cr, k, kpa);
        assert_true(fabsf(kpa[3] - 50.0f) < 0.05f);
    }
    sm_calib_creep_destroy(cr);
    sm_calib_destroy(cal);
}

static void test_steps_parse(void **state)
{
    (void)state;
    static sm_calib_steps_t s;
    char err[160];
    const char *good = "steadymat-calibration-steps 1\r\n# comment\n\nzero 0 10\n"
                       "equalize 12 15 # a board\nload 20 30 5kg\nload\t31\t40\t10.5\n"
                       "creep 41 131\nverify 140 150 15\ncheck 151 152 1e1";
    assert_int_equal(sm_calib_steps_parse(good, strlen(good), &s, err, sizeof err), SM_OK);
    assert_int_equal(s.n, 7);
    assert_int_equal(s.step[1].kind, SM_CALIB_STEP_EQUALISE);
    assert_true(s.step[2].mass_kg == 5.0 && s.step[3].mass_kg == 10.5);
    assert_true(s.step[6].mass_kg == 10.0);
    const struct {
        const char *text;
        sm_status st;
        const char *msg;
    } bad[] = {
        {"zer0 0 10", SM_ERR_FORMAT, "line 1: unknown step"},
        {"zero 0", SM_ERR_FORMAT, "line 1"},
        {"zero 10 5", SM_ERR_FORMAT, "start"},
        {"load 0 10", SM_ERR_FORMAT, "needs its mass"},
        {"zero 0 10 5", SM_ERR_FORMAT, "has no mass"},
        {"load 0 10 -5", SM_ERR_FORMAT, "mass"},
        {"load 0 10 nan", SM_ERR_FORMAT, "mass"},
        {"zero 0 inf", SM_ERR_FORMAT, "numbers"},
        {"zero 0 10\nload 5 12 3", SM_ERR_FORMAT, "line 2: step starts"},
        {"steadymat-calibration-steps 2\nzero 0 1", SM_ERR_VERSION, "version 2"},
        {"zero 0 1\nsteadymat-calibration-steps 1", SM_ERR_FORMAT, "must come first"},
        {"zero 0 1 2 3 4", SM_ERR_FORMAT, "too many"},
        {"zero 0x10 20", SM_ERR_FORMAT, "numbers"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_status st = sm_calib_steps_parse(bad[i].text, strlen(bad[i].text), &s, err, sizeof err);
        if (st != bad[i].st || !strstr(err, bad[i].msg))
            printf("case %zu: %d '%s'\n", i, st, err);
        assert_int_equal(st, bad[i].st);
        assert_non_null(strstr(err, bad[i].msg));
        assert_int_equal(s.n, 0);
    }
    /* random bytes never crash */
    uint64_t rng = 11;
    static char junk[512];
    for (int k = 0; k < 2000; k++) {
        size_t n = ts_rand(&rng) % sizeof junk;
        for (size_t i = 0; i < n; i++)
            junk[i] = "zerolad 0123456789.\n#kgcp-e\t"[ts_rand(&rng) % 29];
        (void)sm_calib_steps_parse(junk, n, &s, err, sizeof err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_and_validate), cmocka_unit_test(test_fit_power_recovers),
        cmocka_unit_test(test_fit_creep_recovers), cmocka_unit_test(test_steps_parse),
        cmocka_unit_test(test_synthetic_workflow), cmocka_unit_test(test_ghosts),
        cmocka_unit_test(test_crosstalk_matches_definition),
        cmocka_unit_test(test_scenario_accuracy),  cmocka_unit_test(test_scenario_all_effects),
        cmocka_unit_test(test_scenario_per_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
