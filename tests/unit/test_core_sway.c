/* Steadiness measures (sm_sway) against hand-computed values and real force-plate traces, the
 * sliding window against the whole-window computation, and the CoP trace reader (sm_cop_csv). */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cop_csv.h"
#include "sm_sway.h"
#include "sm_table.h"

#define PI 3.14159265358979323846

static void near(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.9g, want %.9g +- %.3g", what, got, want, tol);
}

static void near_rel(double got, double want, double rel, const char *what)
{
    near(got, want, rel * fabs(want) + 1e-300, what);
}

static sm_sway_t sway(const double *x, const double *y, size_t n, double rate)
{
    sm_sway_config_t cfg;
    sm_sway_config_default(&cfg, rate);
    sm_sway_t s;
    assert_int_equal(sm_sway_compute(&cfg, x, y, n, &s), SM_OK);
    return s;
}

/* ---- F quantile -------------------------------------------------------------------------- */

static void test_f95_table(void **state)
{
    (void)state;
    /* Tabulated upper 5 % points of F(2, d), d = n - 2. */
    static const struct {
        size_t d;
        double f;
    } tab[] = {{1, 199.5}, {2, 19.00}, {5, 5.79},  {10, 4.10},
               {20, 3.49}, {30, 3.32}, {60, 3.15}, {120, 3.07}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        near(sm_sway_f95(tab[i].d + 2), tab[i].f, 0.006, "F(0.05;2,d)");
    near(sm_sway_f95(1000000000), 2.9957, 1e-4, "F(0.05;2,inf) = ln 20");
    assert_true(sm_sway_f95(6000) > 2.99 && sm_sway_f95(6000) < 3.01);
    assert_true(sm_sway_f95(2) == 0 && sm_sway_f95(0) == 0);
}

/* ---- time-domain measures on tiny traces ------------------------------------------------- */

static void test_square(void **state)
{
    (void)state;
    /* Corners of a 2 mm square around (0,0), one side each second: RD = sqrt 2 throughout,
     * 3 sides walked in 3 s, s_ap = s_ml = 1, no covariance, F(0.05;2,2) = 19. */
    const double x[] = {1, -1, -1, 1}, y[] = {1, 1, -1, -1};
    sm_sway_t s = sway(x, y, 4, 1.0);
    assert_int_equal(s.n, 4);
    near(s.duration_s, 3, 1e-12, "T");
    near(s.mean_distance, sqrt(2), 1e-12, "MDIST");
    near(s.rms_distance, sqrt(2), 1e-12, "RDIST");
    near(s.path_length, 6, 1e-12, "TOTEX");
    near(s.mean_velocity, 2, 1e-12, "MVELO");
    near(s.range_ap, 2, 1e-12, "range ap");
    near(s.range_ml, 2, 1e-12, "range ml");
    near(s.ellipse95_area, 2 * PI * 19.0, 1e-9, "AREA-CE");
    near(s.mean_frequency, 2 / (2 * PI * sqrt(2)), 1e-12, "MFREQ");

    /* Anywhere on the mat, in any units: the same square 300 mm away, and in cm. */
    const double xo[] = {301, 299, 299, 301}, yo[] = {-49, -49, -51, -51};
    sm_sway_t o = sway(xo, yo, 4, 1.0);
    near(o.mean_distance, s.mean_distance, 1e-12, "offset MDIST");
    near(o.ellipse95_area, s.ellipse95_area, 1e-9, "offset area");
    near(o.path_length, s.path_length, 1e-12, "offset TOTEX");
}

static void test_line(void **state)
{
    (void)state;
    /* Five points along x at 2 Hz: ML = -2..2, RD = 2 1 0 1 2. */
    const double x[] = {0, 1, 2, 3, 4}, y[] = {7, 7, 7, 7, 7};
    sm_sway_t s = sway(x, y, 5, 2.0);
    near(s.duration_s, 2, 1e-12, "T");
    near(s.mean_distance, 1.2, 1e-12, "MDIST");
    near(s.rms_distance, sqrt(2), 1e-12, "RDIST");
    near(s.path_length, 4, 1e-12, "TOTEX");
    near(s.mean_velocity, 2, 1e-12, "MVELO");
    near(s.range_ml, 4, 1e-12, "range ml");
    near(s.range_ap, 0, 0, "range ap");
    near(s.ellipse95_area, 0, 1e-12, "a line has no area");
    near(s.mean_frequency, 2 / (2 * PI * 1.2), 1e-12, "MFREQ");
}

static void test_still_and_minimal(void **state)
{
    (void)state;
    const double z[5] = {3, 3, 3, 3, 3};
    sm_sway_t s = sway(z, z, 5, 50);
    assert_int_equal(s.n, 5);
    near(s.duration_s, 4 / 50.0, 1e-15, "T");
    assert_true(s.mean_distance == 0 && s.path_length == 0 && s.ellipse95_area == 0);
    assert_true(s.mean_frequency == 0 && s.total_power == 0 && s.f50 == 0 && s.f95 == 0);
    const double o[3] = {0, 0, 0};
    s = sway(o, o, 3, 50); /* exactly at the origin */
    assert_true(s.n == 3 && s.rms_distance == 0);
    /* Three samples are enough. */
    const double x3[] = {0, 1, 0}, y3[] = {0, 0, 1};
    s = sway(x3, y3, 3, 10);
    near(s.path_length, 1 + sqrt(2), 1e-12, "3-sample path");
    assert_true(isfinite(s.f50) && isfinite(s.centroid_frequency));
}

/* ---- a circle ---------------------------------------------------------------------------- */

static void test_circle(void **state)
{
    (void)state;
    /* r = 5 mm at 0.5 Hz for 60 s at 100 Hz (30 whole turns). */
    const double r = 5, f = 0.5, fs = 100;
    const size_t n = 6000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = 20 + r * cos(2 * PI * f * (double)i / fs);
        y[i] = -3 + r * sin(2 * PI * f * (double)i / fs);
    }
    sm_sway_t s = sway(x, y, n, fs);
    near(s.mean_distance, r, 1e-9, "MDIST = r");
    near(s.rms_distance, r, 1e-9, "RDIST = r");
    /* n-1 chords of 2 r sin(pi f / fs) each; ~ 2 pi r f T */
    near(s.path_length, (double)(n - 1) * 2 * r * sin(PI * f / fs), 1e-8, "TOTEX");
    near_rel(s.path_length, 2 * PI * r * f * (double)(n - 1) / fs, 1e-4, "TOTEX ~ 2 pi r f T");
    near_rel(s.mean_velocity, 2 * PI * r * f, 1e-4, "MVELO = 2 pi r f");
    near_rel(s.mean_frequency, f, 1e-4, "MFREQ = f");
    near(s.range_ap, 2 * r, 1e-3, "range ap");
    near(s.range_ml, 2 * r, 1e-9, "range ml");
    /* s_ap^2 = s_ml^2 = r^2 / 2: area = pi F r^2 */
    near_rel(s.ellipse95_area, PI * sm_sway_f95(n) * r * r, 1e-9, "AREA-CE");
    /* A centred circle keeps RD constant: its spectrum holds no power. */
    assert_true(s.total_power == 0 && s.f50 == 0 && s.centroid_frequency == 0);
    free(x);
    free(y);
}

/* ---- spectral measures ------------------------------------------------------------------- */

static void test_tone_in_rd(void **state)
{
    (void)state;
    /* A point circling the mean at 0.1 Hz whose distance from it swings R + A sin(2 pi f t):
     * RD is exactly that tone (the mean stays at the origin over whole cycles). */
    const double R = 10, A = 2, f = 1.0, g = 0.1, fs = 100;
    const size_t n = 6000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, rd = R + A * sin(2 * PI * f * t);
        x[i] = rd * cos(2 * PI * g * t);
        y[i] = rd * sin(2 * PI * g * t);
    }
    sm_sway_t s = sway(x, y, n, fs);
    near_rel(s.total_power, A * A / 2, 0.01, "POWER = A^2/2");
    near(s.f50, f, 0.03, "f50");
    near(s.f95, f, 0.06, "f95");
    near(s.centroid_frequency, f, 0.01, "CFREQ");
    assert_true(s.frequency_dispersion < 0.06);
    near(s.mean_distance, R, 1e-6, "MDIST = R (mean of the tone is 0)");

    /* Outside the band the tone holds no power: at 7 Hz with the default 0.15-5 Hz band. */
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, rd = R + A * sin(2 * PI * 7.0 * t);
        x[i] = rd * cos(2 * PI * g * t);
        y[i] = rd * sin(2 * PI * g * t);
    }
    s = sway(x, y, n, fs);
    assert_true(s.total_power < 1e-3 * A * A / 2);
    free(x);
    free(y);
}

static void test_sine_one_axis(void **state)
{
    (void)state;
    /* x = A sin(2 pi 0.5 t): RD = A |sin|, whose Fourier series has lines at 1, 2, 3 .. Hz of
     * amplitude 4A / (pi (4k^2 - 1)): 95.3 % of the power at 1 Hz. The line at 5 Hz sits on the
     * band edge, where half of its (Hann-spread) power falls inside. */
    const double A = 3, fs = 100;
    const size_t n = 6000;
    double *x = malloc(n * sizeof *x), *y = calloc(n, sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = A * sin(2 * PI * 0.5 * (double)i / fs);
    double m0 = 0, m1 = 0, m2 = 0;
    for (int k = 1; k <= 5; k++) {
        double a = 4 * A / (PI * (4.0 * k * k - 1)), p = a * a / 2 * (k == 5 ? 0.5 : 1.0);
        m0 += p;
        m1 += p * k;
        m2 += p * k * k;
    }
    sm_sway_t s = sway(x, y, n, fs);
    near_rel(s.total_power, m0, 0.01, "POWER");
    near(s.f50, 1.0, 0.03, "f50 at the doubled frequency");
    assert_true(s.f95 > 0.99 && s.f95 < 1.1);
    near_rel(s.centroid_frequency, sqrt(m2 / m0), 0.01, "CFREQ with harmonics");
    near(s.frequency_dispersion, sqrt(1 - m1 * m1 / (m0 * m2)), 0.02, "FREQD with harmonics");
    print_message("sine 0.5 Hz: power %.4f (%.4f) f50 %.3f f95 %.3f cfreq %.3f (%.3f) freqd %.3f "
                  "(%.3f)\n",
                  s.total_power, m0, s.f50, s.f95, s.centroid_frequency, sqrt(m2 / m0),
                  s.frequency_dispersion, sqrt(1 - m1 * m1 / (m0 * m2)));
    /* Back and forth along a line: MVELO = 4 A f, MDIST = 2 A / pi, so MFREQ = f. */
    near_rel(s.mean_frequency, 4 * A * 0.5 / (2 * PI * 2 * A / PI), 1e-3, "MFREQ = f");
    free(x);
    free(y);
}

static double gauss(uint64_t *st)
{
    double u1 = ((double)(ts_rand(st) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(ts_rand(st) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}

static void test_white_noise(void **state)
{
    (void)state;
    /* Independent samples: RD is i.i.d. Rayleigh (variance (4 - pi)/2 sigma^2), so its spectrum
     * is flat: over 0.15 .. 5 Hz of 0 .. 50 Hz the power is 4.85/50 of the variance, f50 and
     * f95 split the band linearly, CFREQ = sqrt((a^2 + ab + b^2)/3), FREQD about 0.48. */
    const double fs = 100, sigma = 1.5, a = 0.15, b = 5;
    const size_t n = 60000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    uint64_t st = 42;
    for (size_t i = 0; i < n; i++) {
        x[i] = sigma * gauss(&st);
        y[i] = sigma * gauss(&st);
    }
    sm_sway_t s = sway(x, y, n, fs);
    double m1 = (a + b) / 2, m2 = (a * a + a * b + b * b) / 3;
    near_rel(s.total_power, (4 - PI) / 2 * sigma * sigma * (b - a) / (fs / 2), 0.05, "POWER");
    near(s.f50, a + 0.5 * (b - a), 0.1, "f50");
    near(s.f95, a + 0.95 * (b - a), 0.05, "f95");
    near(s.centroid_frequency, sqrt(m2), 0.05, "CFREQ");
    near(s.frequency_dispersion, sqrt(1 - m1 * m1 / m2), 0.02, "FREQD");
    near_rel(s.rms_distance, sqrt(2) * sigma, 0.01, "RDIST");
    near_rel(s.mean_distance, sigma * sqrt(PI / 2), 0.01, "MDIST (Rayleigh mean)");
    free(x);
    free(y);
}

static void test_config_and_errors(void **state)
{
    (void)state;
    double x[64], y[64];
    for (int i = 0; i < 64; i++) {
        x[i] = sin(i * 0.7);
        y[i] = cos(i * 0.3);
    }
    sm_sway_config_t cfg;
    sm_sway_config_default(&cfg, 10);
    assert_true(cfg.f_lo == 0.15 && cfg.f_hi == 5 && cfg.segment_s == 20);
    sm_sway_t s;
    memset(&s, 0x55, sizeof s);
    assert_int_equal(sm_sway_compute(&cfg, x, y, 2, &s), SM_ERR_ARG);
    assert_true(s.n == 0 && s.mean_distance == 0);
    assert_int_equal(sm_sway_compute(NULL, x, y, 64, &s), SM_ERR_ARG);
    assert_int_equal(sm_sway_compute(&cfg, NULL, y, 64, &s), SM_ERR_ARG);
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, NULL), SM_ERR_ARG);
    cfg.rate_hz = 0;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_ERR_ARG);
    cfg.rate_hz = NAN;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_ERR_ARG);
    sm_sway_config_default(&cfg, 10);
    cfg.f_lo = NAN;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_ERR_ARG);
    sm_sway_config_default(&cfg, 10);
    x[5] = INFINITY;
    memset(&s, 0x55, sizeof s);
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_ERR_FORMAT);
    assert_true(s.n == 0);
    x[5] = 0.3;
    /* Band above Nyquist (5 Hz at 10 Hz is the Nyquist; 6 .. 9 Hz is beyond): no spectrum. */
    cfg.f_lo = 6;
    cfg.f_hi = 9;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_OK);
    assert_true(s.total_power == 0 && s.f50 == 0 && s.mean_distance > 0);
    /* f_hi beyond Nyquist is capped: everything lies below 5 Hz. */
    cfg.f_lo = 0;
    cfg.f_hi = INFINITY;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_OK);
    assert_true(s.f95 <= 5.0 && s.f95 > 0);
    /* Whole-trace periodogram vs short segments: same power within a few %. */
    sm_sway_config_default(&cfg, 10);
    cfg.f_lo = 0;
    cfg.f_hi = 5;
    cfg.segment_s = 0;
    sm_sway_t whole;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &whole), SM_OK);
    cfg.segment_s = 1.6;
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_OK);
    near_rel(s.total_power, whole.total_power, 0.25, "Welch vs periodogram");
    /* Extreme but finite numbers stay finite. */
    for (int i = 0; i < 64; i++) {
        x[i] = 1e300 * (i % 3);
        y[i] = -1e-300 * (i % 5);
    }
    sm_sway_config_default(&cfg, 1e6);
    assert_int_equal(sm_sway_compute(&cfg, x, y, 64, &s), SM_OK);
    assert_true(isfinite(s.mean_distance) && isfinite(s.f50) && isfinite(s.mean_frequency));
}

/* ---- real traces ------------------------------------------------------------------------- */

typedef struct {
    double *x, *y; /* mm: x = COPx (ml), y = COPy (ap) */
    size_t n;
    double rate;
} trace_t;

static trace_t load_bds(const char *name)
{
    size_t len = 0;
    char *text = ts_read_file(ts_data(name), &len);
    assert_non_null(text);
    sm_table_t t;
    char err[200];
    assert_int_equal(sm_table_parse(text, len, &t, err, sizeof err), SM_OK);
    sm_cop_csv_trace_t tr;
    if (sm_cop_csv_read(&t, NULL, &tr, err, sizeof err) != SM_OK)
        fail_msg("%s: %s", name, err);
    trace_t out = {tr.x_mm, tr.y_mm, tr.n, tr.rate_hz};
    sm_table_free(&t);
    free(text);
    return out;
}

static const char *const bds_names[4] = {"bds-cop/BDS00001.txt", "bds-cop/BDS00004.txt",
                                         "bds-cop/BDS00007.txt", "bds-cop/BDS00010.txt"};
static const char *const bds_what[4] = {"eyes open, firm", "eyes closed, firm", "eyes open, foam",
                                        "eyes closed, foam"};

static void test_bds(void **state)
{
    (void)state;
    sm_sway_t s[4];
    for (int i = 0; i < 4; i++) {
        trace_t tr = load_bds(bds_names[i]);
        assert_int_equal(tr.n, 6000);
        near(tr.rate, 100, 1e-6, "rate from the time column");
        s[i] = sway(tr.x, tr.y, tr.n, tr.rate);
        print_message("%s (%s): MDIST %.2f mm RDIST %.2f mm TOTEX %.1f mm MVELO %.2f mm/s "
                      "range AP %.1f ML %.1f mm AREA %.1f mm2 MFREQ %.3f Hz | POWER %.3f mm2 "
                      "f50 %.3f f95 %.3f CFREQ %.3f Hz FREQD %.3f\n",
                      bds_names[i] + 8, bds_what[i], s[i].mean_distance, s[i].rms_distance,
                      s[i].path_length, s[i].mean_velocity, s[i].range_ap, s[i].range_ml,
                      s[i].ellipse95_area, s[i].mean_frequency, s[i].total_power, s[i].f50,
                      s[i].f95, s[i].centroid_frequency, s[i].frequency_dispersion);
        /* Quiet standing of a healthy adult (Prieto 1996; Santos & Duarte 2016). */
        assert_true(s[i].mean_distance > 1 && s[i].mean_distance < 20);
        assert_true(s[i].rms_distance > s[i].mean_distance);
        assert_true(s[i].range_ap > 5 && s[i].range_ap < 80);
        assert_true(s[i].range_ml > 2 && s[i].range_ml < 60);
        assert_true(s[i].mean_velocity > 4 && s[i].mean_velocity < 60);
        assert_true(s[i].ellipse95_area > 10 && s[i].ellipse95_area < 3000);
        assert_true(s[i].mean_frequency > 0.1 && s[i].mean_frequency < 2);
        assert_true(s[i].f50 > 0.15 && s[i].f50 < s[i].f95 && s[i].f95 < 2.5);
        assert_true(s[i].centroid_frequency > s[i].f50 * 0.8 && s[i].centroid_frequency < 2.5);
        assert_true(s[i].frequency_dispersion > 0.2 && s[i].frequency_dispersion < 0.9);
        assert_true(s[i].total_power > 0 &&
                    s[i].total_power < s[i].rms_distance * s[i].rms_distance);
        free(tr.x);
        free(tr.y);
    }
    /* Golden values from an independent double-precision reference (a plain DFT of the same
     * Welch segments, written in Python from the definitions in sm_sway.h). */
    static const double gold[2][10] = {
        {3.080, 372.11, 6.203, 94.42, 0.3206, 1.5835, 0.3999, 1.6991, 0.8491, 0.6507},
        {7.572, 1240.45, 20.678, 645.19, 0.4346, 11.4079, 0.4429, 1.7627, 0.8457, 0.6555}};
    for (int g = 0; g < 2; g++) {
        const sm_sway_t *m = &s[g ? 3 : 0];
        const double got[10] = {
            m->mean_distance,      m->path_length,         m->mean_velocity, m->ellipse95_area,
            m->mean_frequency,     m->total_power,         m->f50,           m->f95,
            m->centroid_frequency, m->frequency_dispersion};
        for (int k = 0; k < 10; k++)
            near_rel(got[k], gold[g][k], 1e-3, "BDS golden value");
    }
    /* Eyes open on firm ground: of the order of 5-20 mm/s. */
    assert_true(s[0].mean_velocity > 5 && s[0].mean_velocity < 20);
    /* Foam makes this subject sway much more, and faster, than firm ground, with eyes open or
     * closed; closing the eyes on firm ground changes little for them (path within 5 %). Eyes
     * closed on foam is the largest sway of all. */
    for (int foam = 2; foam < 4; foam++)
        for (int firm = 0; firm < 2; firm++) {
            assert_true(s[foam].path_length > 2 * s[firm].path_length);
            assert_true(s[foam].mean_velocity > 2 * s[firm].mean_velocity);
            assert_true(s[foam].ellipse95_area > 3 * s[firm].ellipse95_area);
            assert_true(s[foam].total_power > 3 * s[firm].total_power);
        }
    near_rel(s[1].path_length, s[0].path_length, 0.05, "eyes closed vs open on firm ground");
    for (int i = 0; i < 3; i++) {
        assert_true(s[3].path_length > s[i].path_length);
        assert_true(s[3].mean_distance > s[i].mean_distance);
        assert_true(s[3].ellipse95_area > s[i].ellipse95_area);
    }
}

static void test_bds_invariance(void **state)
{
    (void)state;
    trace_t tr = load_bds("bds-cop/BDS00007.txt");
    sm_sway_t a = sway(tr.x, tr.y, tr.n, tr.rate);
    double *x = malloc(tr.n * sizeof *x), *y = malloc(tr.n * sizeof *y);
    /* Moved 400 mm across the mat. */
    for (size_t i = 0; i < tr.n; i++) {
        x[i] = tr.x[i] + 400;
        y[i] = tr.y[i] - 250;
    }
    sm_sway_t b = sway(x, y, tr.n, tr.rate);
    const double t = 1e-9;
    near_rel(b.mean_distance, a.mean_distance, t, "offset MDIST");
    near_rel(b.rms_distance, a.rms_distance, t, "offset RDIST");
    near_rel(b.path_length, a.path_length, t, "offset TOTEX");
    near_rel(b.range_ap, a.range_ap, t, "offset range");
    near_rel(b.ellipse95_area, a.ellipse95_area, t, "offset AREA");
    near_rel(b.mean_frequency, a.mean_frequency, t, "offset MFREQ");
    near_rel(b.total_power, a.total_power, 1e-4, "offset POWER"); /* float FFT */
    near_rel(b.f50, a.f50, 1e-4, "offset f50");
    near_rel(b.f95, a.f95, 1e-4, "offset f95");
    near_rel(b.centroid_frequency, a.centroid_frequency, 1e-4, "offset CFREQ");
    near_rel(b.frequency_dispersion, a.frequency_dispersion, 1e-4, "offset FREQD");
    /* In cm: distances / 10, areas and power / 100, frequencies unchanged. */
    for (size_t i = 0; i < tr.n; i++) {
        x[i] = tr.x[i] / 10;
        y[i] = tr.y[i] / 10;
    }
    sm_sway_t c = sway(x, y, tr.n, tr.rate);
    near_rel(c.mean_distance * 10, a.mean_distance, t, "cm MDIST");
    near_rel(c.path_length * 10, a.path_length, t, "cm TOTEX");
    near_rel(c.mean_velocity * 10, a.mean_velocity, t, "cm MVELO");
    near_rel(c.range_ml * 10, a.range_ml, t, "cm range");
    near_rel(c.ellipse95_area * 100, a.ellipse95_area, t, "cm AREA");
    near_rel(c.total_power * 100, a.total_power, 1e-4, "cm POWER");
    near_rel(c.mean_frequency, a.mean_frequency, t, "cm MFREQ");
    near_rel(c.f50, a.f50, 1e-4, "cm f50");
    near_rel(c.centroid_frequency, a.centroid_frequency, 1e-4, "cm CFREQ");
    /* Swapping the axes changes the ranges over, nothing else. */
    sm_sway_t d = sway(tr.y, tr.x, tr.n, tr.rate);
    near_rel(d.range_ap, a.range_ml, t, "swap range");
    near_rel(d.ellipse95_area, a.ellipse95_area, t, "swap AREA");
    near_rel(d.f95, a.f95, 1e-6, "swap f95");
    free(x);
    free(y);
    free(tr.x);
    free(tr.y);
}

/* ---- sliding window ---------------------------------------------------------------------- */

static void window_matches(sm_sway_window_t *w, double rate)
{
    size_t n = sm_sway_window_count(w);
    if (n < 3) {
        sm_sway_t s;
        sm_sway_window_get(w, &s);
        assert_int_equal(s.n, n);
        if (n < 2)
            assert_true(s.path_length == 0 && s.rms_distance == 0 && s.duration_s == 0);
        return;
    }
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_int_equal(sm_sway_window_copy(w, x, y, n), n);
    sm_sway_t live, ref;
    sm_sway_window_get(w, &live);
    ref = sway(x, y, n, rate);
    assert_int_equal(live.n, n);
    const double t = 1e-9;
    near_rel(live.duration_s, ref.duration_s, t, "window T");
    near_rel(live.rms_distance, ref.rms_distance, t, "window RDIST");
    near_rel(live.path_length, ref.path_length, t, "window TOTEX");
    near_rel(live.mean_velocity, ref.mean_velocity, t, "window MVELO");
    near_rel(live.range_ap, ref.range_ap, t, "window range ap");
    near_rel(live.range_ml, ref.range_ml, t, "window range ml");
    near_rel(live.ellipse95_area, ref.ellipse95_area, 1e-7, "window AREA");
    near_rel(sm_sway_window_mean_distance(w), ref.mean_distance, t, "window MDIST");
    free(x);
    free(y);
}

static void test_window(void **state)
{
    (void)state;
    trace_t tr = load_bds("bds-cop/BDS00010.txt");
    sm_sway_window_t *w = sm_sway_window_create(tr.rate, 10.0);
    assert_non_null(w);
    assert_int_equal(sm_sway_window_capacity(w), 1000);
    sm_sway_t s;
    sm_sway_window_get(w, &s);
    assert_true(s.n == 0 && s.path_length == 0);
    for (size_t i = 0; i < tr.n; i++) {
        assert_int_equal(sm_sway_window_push(w, tr.x[i], tr.y[i]), SM_OK);
        if (i == 2 || i == 500 || i == 999 || i == 1000 || i % 737 == 0 || i == tr.n - 1)
            window_matches(w, tr.rate);
    }
    assert_int_equal(sm_sway_window_count(w), 1000);
    /* A rejected sample changes nothing. */
    assert_int_equal(sm_sway_window_push(w, NAN, 0), SM_ERR_FORMAT);
    assert_int_equal(sm_sway_window_push(w, 0, INFINITY), SM_ERR_FORMAT);
    window_matches(w, tr.rate);
    /* Copy of fewer than held: the newest ones. */
    double x2[2], y2[2];
    assert_int_equal(sm_sway_window_copy(w, x2, y2, 2), 2);
    near(x2[1], tr.x[tr.n - 1], 1e-9, "newest x");
    near(y2[0], tr.y[tr.n - 2], 1e-9, "second newest y");
    /* A new hold starts empty, and works far from the old anchor. */
    sm_sway_window_reset(w);
    assert_int_equal(sm_sway_window_count(w), 0);
    for (size_t i = 0; i < 1500; i++)
        sm_sway_window_push(w, tr.x[i] + 800, tr.y[i] - 300);
    window_matches(w, tr.rate);
    sm_sway_window_destroy(w);

    /* A long session: rounding does not build up (monotonic drift plus sway, 2 h at 50 Hz). */
    w = sm_sway_window_create(50, 5);
    for (size_t i = 0; i < 360000; i++) {
        double t = (double)i / 50;
        sm_sway_window_push(w, 1000 + 0.01 * t + 2 * sin(t), -500 + cos(1.3 * t));
    }
    window_matches(w, 50);
    sm_sway_window_destroy(w);

    /* Bad arguments and NULL. */
    assert_null(sm_sway_window_create(0, 10));
    assert_null(sm_sway_window_create(100, -1));
    assert_null(sm_sway_window_create(NAN, 1));
    assert_null(sm_sway_window_create(1e9, 1e9));
    w = sm_sway_window_create(100, 0.001); /* at least 3 samples */
    assert_int_equal(sm_sway_window_capacity(w), 3);
    sm_sway_window_destroy(w);
    sm_sway_window_destroy(NULL);
    sm_sway_window_reset(NULL);
    assert_int_equal(sm_sway_window_push(NULL, 0, 0), SM_ERR_ARG);
    assert_int_equal(sm_sway_window_count(NULL), 0);
    sm_sway_window_get(NULL, &s);
    assert_true(s.n == 0);
    assert_true(sm_sway_window_mean_distance(NULL) == 0);
    free(tr.x);
    free(tr.y);
}

/* ---- CoP trace reader -------------------------------------------------------------------- */

static sm_table_t table(const char *text)
{
    sm_table_t t;
    char err[128];
    if (sm_table_parse(text, strlen(text), &t, err, sizeof err) != SM_OK)
        fail_msg("table: %s", err);
    return t;
}

static sm_status read_cop(const char *text, const char *cols, const char *units, double rate,
                          sm_cop_csv_trace_t *tr, char *err, size_t errlen)
{
    sm_table_t t = table(text);
    sm_cop_csv_opts_t o = {cols, units, rate};
    sm_status st = sm_cop_csv_read(&t, &o, tr, err, errlen);
    sm_table_free(&t);
    return st;
}

static void test_cop_csv_bds(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = ts_read_file(ts_data("bds-cop/BDS00001.txt"), &len);
    assert_non_null(text);
    sm_table_t t;
    assert_int_equal(sm_table_parse(text, len, &t, NULL, 0), SM_OK);
    sm_cop_csv_trace_t tr;
    char err[200];

    /* Defaults: Time, COPx, COPy by name, cm from the names, rate from the time column. */
    assert_int_equal(sm_cop_csv_read(&t, NULL, &tr, err, sizeof err), SM_OK);
    assert_int_equal(tr.t_col, 0);
    assert_int_equal(tr.x_col, 7);
    assert_int_equal(tr.y_col, 8);
    assert_true(tr.x_to_mm == 10 && tr.y_to_mm == 10);
    near(tr.rate_hz, 100, 1e-6, "rate");
    assert_int_equal(tr.n, 6000);
    near(tr.x_mm[0], -79.88789, 1e-9, "first x in mm");
    near(tr.y_mm[0], 9.98673, 1e-9, "first y in mm");
    assert_string_equal(tr.warning, "");
    sm_cop_csv_free(&tr);

    /* The same by names, by index, and mixed; with the matching rate: no warning. */
    const char *specs[] = {"Time,COPx,COPy", "1,8,9", "time[s], copx , 9", "8,9"};
    for (size_t i = 0; i < 4; i++) {
        sm_cop_csv_opts_t o = {specs[i], NULL, 100};
        assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_OK);
        assert_int_equal(tr.x_col, 7);
        assert_int_equal(tr.y_col, 8);
        assert_int_equal(tr.t_col, i == 3 ? -1 : 0);
        assert_true(tr.rate_hz == 100);
        assert_string_equal(tr.warning, "");
        sm_cop_csv_free(&tr);
    }
    /* A given rate wins over the time column, with a warning when they disagree. */
    sm_cop_csv_opts_t o = {NULL, NULL, 50};
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_OK);
    assert_true(tr.rate_hz == 50);
    near(tr.time_rate_hz, 100, 1e-6, "time rate");
    assert_non_null(strstr(tr.warning, "50 Hz given"));
    assert_non_null(strstr(tr.warning, "100 Hz"));
    sm_cop_csv_free(&tr);
    o.rate_hz = 100.5; /* within 1 %: quiet */
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_OK);
    assert_string_equal(tr.warning, "");
    sm_cop_csv_free(&tr);
    /* Units given override the names. */
    o.units = "mm";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_OK);
    near(tr.x_mm[0], -7.988789, 1e-12, "x as mm");
    sm_cop_csv_free(&tr);
    o.units = "CM";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_OK);
    near(tr.x_mm[0], -79.88789, 1e-9, "x as cm");
    sm_cop_csv_free(&tr);

    /* Errors say what is wrong and what there is. */
    o.units = NULL;
    o.columns = "Time,COPx,COPz";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "column 'COPz' not found; columns are: Time[s], Fx[N], Fy[N]"));
    assert_true(tr.x_mm == NULL && tr.n == 0);
    sm_cop_csv_free(&tr);
    o.columns = "12,3";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "column '12' not found"));
    const char *bad_specs[] = {"8", "1,2,3,4", "8,,9", ",", " "};
    for (size_t i = 0; i < 5; i++) {
        o.columns = bad_specs[i];
        assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_ARG);
        assert_non_null(strstr(err, "X,Y or T,X,Y"));
    }
    o.columns = "8,8";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_ARG);
    o.columns = NULL;
    o.units = "in";
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_ARG);
    assert_non_null(strstr(err, "unknown length unit 'in'"));
    o.units = NULL;
    o.rate_hz = -1;
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_ARG);
    o.rate_hz = 0;
    o.columns = "COPx,COPy"; /* no time column and no rate */
    assert_int_equal(sm_cop_csv_read(&t, &o, &tr, err, sizeof err), SM_ERR_ARG);
    assert_non_null(strstr(err, "no rate"));
    assert_int_equal(sm_cop_csv_read(NULL, &o, &tr, err, sizeof err), SM_ERR_ARG);
    assert_int_equal(sm_cop_csv_read(&t, &o, NULL, err, sizeof err), SM_ERR_ARG);
    sm_cop_csv_free(NULL);
    sm_table_free(&t);
    free(text);
}

static void test_cop_csv_variants(void **state)
{
    (void)state;
    sm_cop_csv_trace_t tr;
    char err[200];

    /* Plain names with units in parentheses; time in ms. */
    assert_int_equal(read_cop("t (ms),x (cm),y (cm)\n0,1,2\n20,1.5,2\n40,1,2.5\n", NULL, NULL, 0,
                              &tr, err, sizeof err),
                     SM_OK);
    near(tr.rate_hz, 50, 1e-9, "ms time column");
    assert_true(tr.x_mm[1] == 15 && tr.y_mm[2] == 25);
    sm_cop_csv_free(&tr);
    /* No units in the names: mm. Lower-case cop names, semicolons. */
    assert_int_equal(
        read_cop("time;copx;copy\n0;1;2\n0.5;3;4\n1;5;6\n", NULL, NULL, 0, &tr, err, sizeof err),
        SM_OK);
    assert_true(tr.x_to_mm == 1 && tr.x_mm[2] == 5 && tr.rate_hz == 2);
    sm_cop_csv_free(&tr);
    /* A headerless three-column trace is T,X,Y; two columns are X,Y and need a rate. */
    assert_int_equal(read_cop("0.0,1,2\n0.1,3,4\n0.2,5,6\n", NULL, "cm", 0, &tr, err, sizeof err),
                     SM_OK);
    assert_true(tr.t_col == 0 && tr.x_col == 1 && tr.y_col == 2 && tr.x_mm[1] == 30);
    near(tr.rate_hz, 10, 1e-9, "headerless rate");
    sm_cop_csv_free(&tr);
    assert_int_equal(read_cop("1 2\n3 4\n5 6\n", NULL, NULL, 0, &tr, err, sizeof err), SM_ERR_ARG);
    assert_int_equal(read_cop("1 2\n3 4\n5 6\n", NULL, NULL, 25, &tr, err, sizeof err), SM_OK);
    assert_true(tr.t_col == -1 && tr.n == 3 && tr.rate_hz == 25);
    sm_cop_csv_free(&tr);
    /* Headerless with indices. */
    assert_int_equal(read_cop("9,1,2,7\n9,3,4,7\n", "3,2", NULL, 10, &tr, err, sizeof err), SM_OK);
    assert_true(tr.x_mm[0] == 2 && tr.y_mm[1] == 3);
    sm_cop_csv_free(&tr);
    /* Headerless and more columns: no guess, the message says how to choose. */
    assert_int_equal(read_cop("9,1,2,7\n9,3,4,7\n", NULL, NULL, 10, &tr, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "no header"));
    assert_int_equal(read_cop("9,1,2,7\n9,3,4,7\n", "x,y", NULL, 10, &tr, err, sizeof err),
                     SM_ERR_FORMAT);
    /* A named table without CoP columns. */
    assert_int_equal(read_cop("a,b,c,d\n1,2,3,4\n", NULL, NULL, 10, &tr, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "columns are: a, b, c, d"));
    /* A unit that is not a length, unless overridden; a parenthesised note is not a unit. */
    assert_int_equal(read_cop("x[px],y[px]\n1,2\n", NULL, NULL, 10, &tr, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "'px'"));
    assert_int_equal(read_cop("x[px],y[px]\n1,2\n", NULL, "mm", 10, &tr, err, sizeof err), SM_OK);
    sm_cop_csv_free(&tr);
    assert_int_equal(read_cop("x (left foot),y/m\n1,2\n", NULL, NULL, 10, &tr, err, sizeof err),
                     SM_OK);
    assert_true(tr.x_mm[0] == 1 && tr.y_mm[0] == 2000);
    sm_cop_csv_free(&tr);
    /* Time going backwards: an error without a rate, a warning with one. */
    const char *back = "time,x,y\n0,1,1\n0.2,2,2\n0.1,3,3\n";
    assert_int_equal(read_cop(back, NULL, NULL, 0, &tr, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "does not increase at data row 3"));
    assert_int_equal(read_cop(back, NULL, NULL, 10, &tr, err, sizeof err), SM_OK);
    assert_non_null(strstr(tr.warning, "time column ignored"));
    sm_cop_csv_free(&tr);
    /* Irregular steps are reported. */
    assert_int_equal(read_cop("time,x,y\n0,1,1\n0.1,2,2\n0.3,3,3\n0.4,1,1\n", NULL, NULL, 0, &tr,
                              err, sizeof err),
                     SM_OK);
    assert_non_null(strstr(tr.warning, "irregular"));
    sm_cop_csv_free(&tr);
    /* A header with no rows: valid, empty. */
    assert_int_equal(read_cop("x,y\n", NULL, NULL, 10, &tr, err, sizeof err), SM_OK);
    assert_int_equal(tr.n, 0);
    sm_cop_csv_free(&tr);
    /* Metres that overflow in mm. */
    assert_int_equal(read_cop("x[m],y[m]\n1e307,1\n", NULL, NULL, 10, &tr, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "data row 1"));
    /* A tiny err buffer is cut, never overrun. */
    char small[8];
    assert_int_equal(read_cop("a,b,c,d\n1,2,3,4\n", NULL, NULL, 10, &tr, small, sizeof small),
                     SM_ERR_FORMAT);
    assert_true(strlen(small) == 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f95_table),
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_still_and_minimal),
        cmocka_unit_test(test_circle),
        cmocka_unit_test(test_tone_in_rd),
        cmocka_unit_test(test_sine_one_axis),
        cmocka_unit_test(test_white_noise),
        cmocka_unit_test(test_config_and_errors),
        cmocka_unit_test(test_bds),
        cmocka_unit_test(test_bds_invariance),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_cop_csv_bds),
        cmocka_unit_test(test_cop_csv_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
