/* The simulated mat: determinism, geometry, and the physics a user (or the coach) would notice. */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sm_sim.h"
#include "sm_table.h"

#define MAXC  4096
#define US(s) ((uint64_t)((s)*1e6 + 0.5))

static sm_sim_t *make(const char *scenario, int rows, int cols, double pitch, unsigned fx)
{
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.scenario = scenario;
    c.rows = rows;
    c.cols = cols;
    c.pitch_mm = pitch;
    c.effects = fx;
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_OK);
    assert_non_null(s);
    return s;
}

static sm_sim_t *make_ref(const char *scenario, unsigned fx)
{
    return make(scenario, 32, 24, 25.0, fx);
}

static double sum_counts(const uint16_t *cells, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += cells[i];
    return s;
}

static int argmax(const uint16_t *cells, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (cells[i] > cells[best])
            best = i;
    return best;
}

/* Count-weighted centre of the cells within rad cells of (row, col) that read more than a
 * fifth of the hottest of them (the tool's blob, not the noise floor), in cells (+0.5). */
static void local_cop(const uint16_t *cells, int rows, int cols, double row, double col, int rad,
                      double *cr, double *cc)
{
    double s = 0, sr = 0, sc = 0, top = 0;
    for (int r = (int)row - rad; r <= (int)row + rad; r++)
        for (int c = (int)col - rad; c <= (int)col + rad; c++)
            if (r >= 0 && c >= 0 && r < rows && c < cols && cells[r * cols + c] > top)
                top = cells[r * cols + c];
    for (int r = (int)row - rad; r <= (int)row + rad; r++)
        for (int c = (int)col - rad; c <= (int)col + rad; c++) {
            if (r < 0 || c < 0 || r >= rows || c >= cols || cells[r * cols + c] <= top / 5)
                continue;
            double v = cells[r * cols + c];
            s += v;
            sr += v * (r + 0.5);
            sc += v * (c + 0.5);
        }
    *cr = s > 0 ? sr / s : row;
    *cc = s > 0 ? sc / s : col;
}

static void test_catalogue(void **state)
{
    (void)state;
    static const char *const need[] = {"ball-steady",    "ball-wiggle",   "ball-relocate",
                                       "hook-two-phase", "back-of-hip",   "empty",
                                       "weight-hold",    "weights-ghost", "prone-notool",
                                       "supine-notool",  "side-notool",   "ball-later"};
    size_t n = 0;
    while (sm_sim_scenario_name(n)) {
        const char *h = sm_sim_scenario_help(n);
        assert_non_null(h);
        assert_true(strlen(h) > 10 && strlen(h) < 80);
        assert_null(strchr(h, '\n'));
        for (size_t j = 0; j < n; j++)
            assert_string_not_equal(sm_sim_scenario_name(j), sm_sim_scenario_name(n));
        n++;
    }
    assert_null(sm_sim_scenario_help(n));
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= !strcmp(sm_sim_scenario_name(i), need[k]);
        if (!found)
            fail_msg("scenario %s missing", need[k]);
    }
}

static void test_bad_config(void **state)
{
    (void)state;
    sm_sim_config_t good;
    sm_sim_config_default(&good);
    double tx[2] = {0, 1}, nan_tr[2] = {0, NAN};
    for (int k = 0; k < 16; k++) {
        sm_sim_config_t c = good;
        switch (k) {
        case 0:
            c.scenario = "no-such-scenario";
            break;
        case 1:
            c.rows = 0;
            break;
        case 2:
            c.cols = 65;
            break;
        case 3:
            c.pitch_mm = 0;
            break;
        case 4:
            c.pitch_mm = NAN;
            break;
        case 5:
            c.sample_bits = 0;
            break;
        case 6:
            c.sample_bits = 17;
            break;
        case 7:
            c.effects = 0x40;
            break;
        case 8:
            c.tool_share = 1.0;
            break;
        case 9:
            c.body_mass_kg = -5;
            break;
        case 10:
            c.breath_hz = 5;
            break;
        case 11:
            c.trace_n = 2;
            break; /* no arrays */
        case 12:
            c.trace_n = 2;
            c.trace_x_mm = c.trace_y_mm = tx;
            c.trace_rate_hz = 0;
            break;
        case 13:
            c.trace_n = 2;
            c.trace_x_mm = tx;
            c.trace_y_mm = nan_tr;
            c.trace_rate_hz = 1;
            break;
        case 14:
            c.scenario = "Ball-Steady";
            break;
        default:
            c.rows = -3;
            break;
        }
        sm_sim_t *s = (sm_sim_t *)&c; /* must be overwritten with NULL */
        if (sm_sim_create(&c, &s) != SM_ERR_ARG || s != NULL)
            fail_msg("bad config %d accepted", k);
    }
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(NULL, &s), SM_ERR_ARG);
    assert_int_equal(sm_sim_create(&good, NULL), SM_ERR_ARG);
    good.scenario = NULL; /* = ball-steady */
    assert_int_equal(sm_sim_create(&good, &s), SM_OK);
    assert_true(sm_sim_duration(s) == 90.0);
    sm_sim_destroy(s);
    sm_sim_destroy(NULL);
}

static void test_determinism(void **state)
{
    (void)state;
    static uint16_t a[MAXC], b[MAXC], c[MAXC];
    sm_sim_t *s1 = make_ref("ball-wiggle", SM_SIM_ALL);
    sm_sim_t *s2 = make_ref("ball-wiggle", SM_SIM_ALL);
    sm_sim_config_t cf;
    sm_sim_config_default(&cf);
    cf.scenario = "ball-wiggle";
    cf.seed = 2;
    sm_sim_t *s3 = NULL;
    assert_int_equal(sm_sim_create(&cf, &s3), SM_OK);
    int differ = 0;
    for (int i = 0; i < 400; i++) {
        uint64_t t = (uint64_t)i * 61234u; /* irregular, like a real clock */
        sm_sim_render(s1, t, a);
        sm_sim_render(s2, t, b);
        sm_sim_render(s3, t, c);
        assert_memory_equal(a, b, 32 * 24 * sizeof a[0]);
        differ += memcmp(a, c, 32 * 24 * sizeof a[0]) != 0;
        sm_sim_truth_t t1, t2;
        sm_sim_truth(s1, &t1);
        sm_sim_truth(s2, &t2);
        assert_memory_equal(&t1, &t2, sizeof t1);
    }
    assert_int_equal(differ, 400);
    /* Same seed, no person: the noise differs from seed to seed, not within one. */
    sm_sim_t *e1 = make_ref("empty", SM_SIM_NOISE);
    cf.scenario = "empty";
    cf.effects = SM_SIM_NOISE;
    sm_sim_t *e3 = NULL;
    assert_int_equal(sm_sim_create(&cf, &e3), SM_OK);
    sm_sim_render(e1, 5000000, a);
    sm_sim_render(e3, 5000000, c);
    assert_true(memcmp(a, c, 32 * 24 * sizeof a[0]) != 0);
    sm_sim_render(e1, 5010000, b);
    assert_true(memcmp(a, b, 32 * 24 * sizeof a[0]) != 0); /* noise changes frame to frame */
    sm_sim_destroy(e1);
    sm_sim_destroy(e3);
    sm_sim_destroy(s1);
    sm_sim_destroy(s2);
    sm_sim_destroy(s3);
}

/* Every scenario at every size renders sane frames: counts in range, truth consistent with the
 * pressure map, weight not created from nothing. */
static void test_all_sizes(void **state)
{
    (void)state;
    static const struct {
        int rows, cols;
        double pitch;
    } sizes[] = {{16, 16, 10}, {32, 24, 25}, {64, 64, 25}, {1, 1, 25},  {1, 64, 25},
                 {64, 1, 25},  {7, 13, 40},  {3, 5, 1},    {64, 64, 2}, {2, 2, 1000}};
    static const double times[] = {0, 0.5, 10, 21, 40.5, 46, 62, 100, 125, 200};
    static uint16_t cells[MAXC + 1];
    for (size_t i = 0; sm_sim_scenario_name(i); i++) {
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            for (int bits = 8; bits <= 16; bits += 4) {
                sm_sim_config_t c;
                sm_sim_config_default(&c);
                c.scenario = sm_sim_scenario_name(i);
                c.rows = sizes[z].rows;
                c.cols = sizes[z].cols;
                c.pitch_mm = sizes[z].pitch;
                c.sample_bits = bits;
                sm_sim_t *s = NULL;
                assert_int_equal(sm_sim_create(&c, &s), SM_OK);
                int n = c.rows * c.cols;
                unsigned full = (1u << bits) - 1u;
                for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
                    memset(cells, 0xAB, sizeof cells);
                    sm_sim_render(s, US(times[k]), cells);
                    for (int j = 0; j < n; j++)
                        assert_true(cells[j] <= full);
                    assert_int_equal(cells[n], 0xABAB); /* nothing written past the frame */
                    sm_sim_truth_t tr;
                    sm_sim_truth(s, &tr);
                    const double *kpa = sm_sim_pressure(s);
                    double f = 0;
                    for (int j = 0; j < n; j++) {
                        assert_true(kpa[j] >= 0 && isfinite(kpa[j]));
                        f += kpa[j] * c.pitch_mm * c.pitch_mm / 1000.0;
                    }
                    assert_true(fabs(f - tr.total_force_n) < 1e-6 * (1 + f));
                    assert_true(tr.total_force_n <= 75 * 9.81 * 1.001 + 1e-9);
                    assert_true(tr.tool_force_n <= tr.total_force_n + 1e-9);
                    assert_true(tr.dead_cells >= 0 && tr.dead_cells < n / 100 + 4);
                    assert_true(isfinite(tr.tool_row) && isfinite(tr.tool_col));
                }
                sm_sim_destroy(s);
            }
        }
    }
}

/* Lying on the ball, the hottest cell is under the ball, far hotter than anything else. */
static void test_ball_hot_spot(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    const unsigned fxs[] = {0, SM_SIM_ALL & ~SM_SIM_DEAD};
    for (int f = 0; f < 2; f++) {
        sm_sim_t *s = make_ref("ball-steady", fxs[f]);
        for (double t = 1; t < 90; t += 7.3) {
            sm_sim_render(s, US(t), cells);
            sm_sim_truth_t tr;
            sm_sim_truth(s, &tr);
            assert_true(tr.tool_present);
            int m = argmax(cells, 32 * 24);
            int r = m / 24, c = m % 24;
            if (fabs(r + 0.5 - tr.tool_row) > 1.0 || fabs(c + 0.5 - tr.tool_col) > 1.0)
                fail_msg("t=%.1f hottest (%d,%d), tool (%.2f,%.2f)", t, r, c, tr.tool_row,
                         tr.tool_col);
            /* The ball is just inside the right ASIS: col 8 (of 24), row 20 (of 32). */
            assert_true(fabs(tr.tool_col - 8.4) < 1.0 && fabs(tr.tool_row - 20.4) < 1.0);
            /* Body contacts (everything 3+ cells from the ball) stay far below the ball. */
            const double *kpa = sm_sim_pressure(s);
            double body_kpa = 0, body_cnt = 0;
            for (int i = 0; i < 32 * 24; i++) {
                int rr = i / 24, cc = i % 24;
                if (abs(rr - r) < 3 && abs(cc - c) < 3)
                    continue;
                if (kpa[i] > body_kpa)
                    body_kpa = kpa[i];
                if (cells[i] > body_cnt)
                    body_cnt = cells[i];
            }
            assert_true(kpa[m] > 8 * body_kpa);
            assert_true(cells[m] > 4 * body_cnt);
            assert_true(tr.tool_force_n > 0.25 * 75 * 9.81 && tr.tool_force_n < 0.33 * 75 * 9.81);
        }
        sm_sim_destroy(s);
    }
}

static void test_empty(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make("empty", 64, 64, 25, SM_SIM_ALL & ~(SM_SIM_NOISE | SM_SIM_DEAD));
    for (double t = 0; t < 30; t += 1.7) {
        sm_sim_render(s, US(t), cells);
        assert_true(sum_counts(cells, 64 * 64) == 0);
        sm_sim_truth_t tr;
        sm_sim_truth(s, &tr);
        assert_false(tr.tool_present);
        assert_true(tr.total_force_n == 0);
    }
    sm_sim_destroy(s);
    /* With noise: a few counts at zero load, never a phantom load. */
    s = make("empty", 32, 24, 25, SM_SIM_NOISE);
    double sum = 0, sq = 0;
    int nn = 0, maxv = 0;
    for (double t = 0; t < 10; t += 0.1) {
        sm_sim_render(s, US(t), cells);
        for (int i = 0; i < 32 * 24; i++) {
            sum += cells[i];
            sq += (double)cells[i] * cells[i];
            nn++;
            if (cells[i] > maxv)
                maxv = cells[i];
        }
    }
    double mean = sum / nn, rms = sqrt(sq / nn);
    print_message("empty mat with noise: mean %.2f, rms %.2f, max %d counts\n", mean, rms, maxv);
    assert_true(mean > 0.5 && mean < 5 && rms < 6 && maxv < 20);
    sm_sim_destroy(s);
}

/* The ideal sensor: counts are pressure, so their sum follows the force on the mat. */
static void test_ideal_proportional(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    const char *scs[] = {"ball-steady", "hook-two-phase", "back-of-hip", "weight-hold"};
    for (int k = 0; k < 4; k++) {
        sm_sim_t *s = make_ref(scs[k], 0);
        double want = 1023.0 / SM_SIM_LINEAR_FS_KPA * 1000.0 / (25.0 * 25.0); /* counts/N */
        double lo = 1e9, hi = 0;
        for (double t = 0.2; t < 80; t += 0.5) {
            sm_sim_render(s, US(t), cells);
            sm_sim_truth_t tr;
            sm_sim_truth(s, &tr);
            double r = sum_counts(cells, 32 * 24) / tr.total_force_n / want;
            lo = r < lo ? r : lo;
            hi = r > hi ? r : hi;
        }
        if (lo < 0.97 || hi > 1.03)
            fail_msg("%s: counts/force ratio %.4f..%.4f of ideal", scs[k], lo, hi);
        sm_sim_destroy(s);
    }
}

/* Weight is conserved: a mat big enough for the whole person sees nearly all of it. */
static void test_weight(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make("ball-steady", 64, 64, 25, 0);
    sm_sim_render(s, US(30), cells);
    sm_sim_truth_t tr;
    sm_sim_truth(s, &tr);
    double w = 75 * 9.80665;
    assert_true(tr.total_force_n > 0.9 * w && tr.total_force_n <= w * 1.0001);
    sm_sim_destroy(s);
    /* the reference mat sees chest to mid-thigh: most of the weight, not all */
    s = make_ref("ball-steady", 0);
    sm_sim_render(s, US(30), cells);
    sm_sim_truth(s, &tr);
    assert_true(tr.total_force_n > 0.6 * w && tr.total_force_n < 0.85 * w);
    sm_sim_destroy(s);
    /* a 16x16 tool pad at 10 mm sees the ball and a little of the pelvis */
    s = make("ball-steady", 16, 16, 10, 0);
    sm_sim_render(s, US(30), cells);
    sm_sim_truth(s, &tr);
    assert_true(tr.tool_force_n > 0.99 * 0.3 * w * 0.88);
    assert_true(tr.total_force_n > tr.tool_force_n && tr.total_force_n < tr.tool_force_n + 10);
    int m = argmax(cells, 256);
    assert_true(abs(m / 16 - 7) <= 1 && abs(m % 16 - 7) <= 1); /* tool in the middle */
    sm_sim_destroy(s);
}

/* Zero crossings of the detrended total over a minute: about two per breath. */
static int breath_crossings(double hz, unsigned fx)
{
    static uint16_t cells[MAXC];
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.effects = fx;
    c.breath_hz = hz;
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_OK);
    enum { N = 600 };
    static double y[N];
    double st = 0, sy = 0, stt = 0, sty = 0;
    for (int i = 0; i < N; i++) {
        double t = 20.0 + i * 0.1;
        sm_sim_render(s, US(t), cells);
        y[i] = sum_counts(cells, 32 * 24);
        st += t;
        sy += y[i];
        stt += t * t;
        sty += t * y[i];
    }
    double b = (N * sty - st * sy) / (N * stt - st * st), a = (sy - b * st) / N;
    double amp = 0;
    for (int i = 0; i < N; i++) {
        y[i] -= a + b * (20.0 + i * 0.1);
        amp = fabs(y[i]) > amp ? fabs(y[i]) : amp;
    }
    /* Count sign changes with a little hysteresis. */
    int crossings = 0, sign = 0;
    for (int i = 0; i < N; i++) {
        int sg = y[i] > 0.1 * amp ? 1 : y[i] < -0.1 * amp ? -1 : 0;
        if (sg && sign && sg != sign)
            crossings++;
        if (sg)
            sign = sg;
    }
    sm_sim_truth_t tr;
    sm_sim_truth(s, &tr);
    assert_true(fabs(tr.breath_hz - hz) < 0.1 * hz);
    /* The modulation is a few percent of the total, not tens. */
    assert_true(amp > 0.01 * (sy / N) && amp < 0.1 * (sy / N));
    sm_sim_destroy(s);
    return crossings;
}

static void test_breathing(void **state)
{
    (void)state;
    int c1 = breath_crossings(0.15, 0);
    int c2 = breath_crossings(0.25, 0);
    int c3 = breath_crossings(0.15, SM_SIM_NONLINEAR | SM_SIM_SPREAD | SM_SIM_CREEP);
    print_message("breathing zero crossings in 60 s: %d at 0.15 Hz, %d at 0.25 Hz, %d with "
                  "sensor effects (expect 18, 30, 18)\n",
                  c1, c2, c3);
    assert_true(abs(c1 - 18) <= 3);
    assert_true(abs(c2 - 30) <= 3);
    assert_true(abs(c3 - 18) <= 3);
}

/* Melting onto the ball: its load rises 10-15 % over the first minute. */
static void test_melt(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make_ref("ball-steady", 0);
    double early = 0, late = 0;
    int ne = 0, nl = 0;
    for (double t = 0; t < 70; t += 0.1) {
        sm_sim_render(s, US(t), cells);
        sm_sim_truth_t tr;
        sm_sim_truth(s, &tr);
        if (t < 6.7) {
            early += tr.tool_force_n;
            ne++;
        } else if (t >= 63.3) {
            late += tr.tool_force_n;
            nl++;
        }
    }
    double rise = (late / nl) / (early / ne) - 1.0;
    print_message("melt: ball load rises %.1f %% from the first to the last 6.7 s of 70 s\n",
                  100 * rise);
    assert_true(rise > 0.08 && rise < 0.16);
    sm_sim_destroy(s);
}

/* A constant load reads 5-15 % higher after 90 s with CREEP, unchanged without. */
static void test_creep(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    const unsigned fxs[] = {SM_SIM_CREEP, SM_SIM_CREEP | SM_SIM_NONLINEAR, 0, SM_SIM_NONLINEAR};
    for (int k = 0; k < 4; k++) {
        sm_sim_t *s = make_ref("weight-hold", fxs[k]);
        double first = 0, last = 0;
        for (double t = 0.1; t <= 89.95; t += 0.1) {
            sm_sim_render(s, US(t), cells);
            if (first == 0)
                first = sum_counts(cells, 32 * 24);
            last = sum_counts(cells, 32 * 24);
        }
        double rise = last / first - 1.0;
        print_message("weight-hold, effects 0x%02x: reading rises %.1f %% over 90 s\n", fxs[k],
                      100 * rise);
        if (fxs[k] & SM_SIM_CREEP)
            assert_true(rise > 0.05 && rise < 0.15);
        else
            assert_true(fabs(rise) < 0.005);
        /* lifted off at 90-91 s: the mat is empty again */
        sm_sim_render(s, US(95), cells);
        assert_true(sum_counts(cells, 32 * 24) == 0);
        sm_sim_truth_t tr;
        sm_sim_truth(s, &tr);
        assert_false(tr.tool_present);
        const sm_sim_event_t *ev;
        assert_int_equal(sm_sim_events(s, &ev), 1);
        assert_int_equal(ev[0].kind, 3);
        sm_sim_destroy(s);
    }
}

/* Three loaded corners of a rectangle light up the fourth only with GHOST. */
static void test_ghost(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    const int rows = 32, cols = 24;
    int ra = (int)(0.3 * rows), rb = (int)(0.7 * rows), ca = (int)(0.3 * cols),
        cb = (int)(0.7 * cols);
    for (int k = 0; k < 3; k++) {
        unsigned fx = k == 0 ? SM_SIM_GHOST : k == 1 ? 0 : SM_SIM_GHOST | SM_SIM_NONLINEAR;
        sm_sim_t *s = make("weights-ghost", rows, cols, 25, fx);
        sm_sim_render(s, US(5), cells);
        double c1 = cells[ra * cols + ca], c2 = cells[ra * cols + cb], c3 = cells[rb * cols + ca];
        double c4 = cells[rb * cols + cb];
        double weakest = fmin(c1, fmin(c2, c3));
        print_message("weights-ghost fx 0x%02x: corners %.0f %.0f %.0f, fourth %.0f\n", fx, c1, c2,
                      c3, c4);
        assert_true(weakest > 50);
        const double *kpa = sm_sim_pressure(s);
        assert_true(kpa[rb * cols + cb] == 0);
        if (fx & SM_SIM_GHOST)
            assert_true(c4 >= 0.2 * weakest && c4 <= 0.4 * weakest);
        else
            assert_true(c4 == 0);
        /* far from every rectangle: nothing */
        assert_int_equal(cells[0], 0);
        assert_int_equal(cells[(rows - 1) * cols + cols - 1], 0);
        sm_sim_destroy(s);
    }
}

static void test_dead_cells(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make_ref("ball-steady", SM_SIM_DEAD | SM_SIM_NOISE);
    sm_sim_render(s, US(12), cells);
    sm_sim_truth_t tr;
    sm_sim_truth(s, &tr);
    assert_true(tr.dead_cells >= 2);
    int dead = 0, stuck = 0;
    for (int r = 0; r < 32; r++)
        for (int c = 0; c < 24; c++) {
            int f = sm_sim_cell_fault(s, r, c);
            if (f == SM_SIM_CELL_DEAD) {
                assert_int_equal(cells[r * 24 + c], 0);
                dead++;
            } else if (f == SM_SIM_CELL_STUCK) {
                assert_int_equal(cells[r * 24 + c], 1023);
                stuck++;
            }
            if (f != SM_SIM_CELL_OK) /* never right under the ball */
                assert_true(abs(r - 20) > 2 || abs(c - 8) > 2);
        }
    assert_int_equal(dead + stuck, tr.dead_cells);
    assert_true(dead >= 1 && stuck >= 1);
    sm_sim_destroy(s);
    /* A dead cell reads 0 under load too: find a seed that puts one under the body. */
    int checked = 0;
    for (uint32_t seed = 1; seed < 60 && !checked; seed++) {
        sm_sim_config_t c;
        sm_sim_config_default(&c);
        c.seed = seed;
        c.effects = SM_SIM_DEAD;
        assert_int_equal(sm_sim_create(&c, &s), SM_OK);
        sm_sim_render(s, US(12), cells);
        const double *kpa = sm_sim_pressure(s);
        for (int i = 0; i < 32 * 24; i++)
            if (sm_sim_cell_fault(s, i / 24, i % 24) == SM_SIM_CELL_DEAD && kpa[i] > 3) {
                assert_int_equal(cells[i], 0);
                checked = 1;
            }
        sm_sim_destroy(s);
    }
    assert_true(checked);
    s = make_ref("ball-steady", SM_SIM_ALL & ~SM_SIM_DEAD);
    sm_sim_render(s, 0, cells);
    sm_sim_truth(s, &tr);
    assert_int_equal(tr.dead_cells, 0);
    assert_int_equal(sm_sim_cell_fault(s, 3, 3), SM_SIM_CELL_OK);
    assert_int_equal(sm_sim_cell_fault(s, -1, 99), SM_SIM_CELL_OK);
    sm_sim_destroy(s);
}

/* Wiggle episodes are reported, and the tool moves far more inside them than outside. */
static void test_wiggle(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make_ref("ball-wiggle", SM_SIM_ALL & ~SM_SIM_DEAD);
    const sm_sim_event_t *ev;
    size_t n = sm_sim_events(s, &ev);
    assert_int_equal(n, 3);
    const double want[3][2] = {{20, 24}, {45, 48}, {70, 73}};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ev[i].kind, 0);
        assert_true(ev[i].start_s == want[i][0] && ev[i].end_s == want[i][1]);
    }
    double path_in = 0, path_out = 0, cop_in = 0, cop_out = 0, t_in = 0, t_out = 0;
    double pr = 0, pc = 0, qr = 0, qc = 0;
    for (int i = 0; i < 9000; i++) {
        double t = i * 0.01;
        sm_sim_render(s, US(t), cells);
        sm_sim_truth_t tr;
        sm_sim_truth(s, &tr);
        int inside = 0;
        for (size_t k = 0; k < n; k++)
            inside |= t > ev[k].start_s && t < ev[k].end_s;
        assert_int_equal(tr.wiggling, inside);
        double cr, cc;
        local_cop(cells, 32, 24, 20.4, 8.4, 3, &cr, &cc);
        if (i > 0) {
            double d = 25.0 * hypot(tr.tool_row - pr, tr.tool_col - pc);
            double dc = 25.0 * hypot(cr - qr, cc - qc);
            if (inside) {
                path_in += d;
                cop_in += dc;
                t_in += 0.01;
            } else {
                path_out += d;
                cop_out += dc;
                t_out += 0.01;
            }
        }
        pr = tr.tool_row;
        pc = tr.tool_col;
        qr = cr;
        qc = cc;
    }
    double v_in = path_in / t_in, v_out = path_out / t_out;
    print_message("wiggle: tool speed %.1f mm/s inside episodes, %.1f outside; measured CoP "
                  "%.1f vs %.1f mm/s\n",
                  v_in, v_out, cop_in / t_in, cop_out / t_out);
    assert_true(v_in > 10 * v_out);
    assert_true(cop_in / t_in > 3 * cop_out / t_out);
    sm_sim_destroy(s);
}

static void test_relocate(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make_ref("ball-relocate", SM_SIM_ALL & ~SM_SIM_DEAD);
    const sm_sim_event_t *ev;
    assert_int_equal(sm_sim_events(s, &ev), 1);
    assert_int_equal(ev[0].kind, 1);
    assert_true(ev[0].start_s == 40 && ev[0].end_s == 43);
    sm_sim_truth_t a, b;
    sm_sim_render(s, US(39), cells);
    sm_sim_truth(s, &a);
    int ma = argmax(cells, 32 * 24);
    sm_sim_render(s, US(41.5), cells);
    sm_sim_truth_t mid;
    sm_sim_truth(s, &mid);
    sm_sim_render(s, US(47), cells);
    sm_sim_truth(s, &b);
    int mb = argmax(cells, 32 * 24);
    double d = 25.0 * hypot(a.tool_row - b.tool_row, a.tool_col - b.tool_col);
    print_message("relocation moves the ball %.1f mm\n", d);
    assert_true(d > 30);
    assert_int_equal(a.spot, 0);
    assert_int_equal(b.spot, 1);
    assert_true(mid.tool_force_n < 0.7 * a.tool_force_n); /* eased off while moving */
    assert_true(ma != mb);
    sm_sim_destroy(s);

    s = make_ref("back-of-hip", 0);
    assert_int_equal(sm_sim_events(s, &ev), 2);
    assert_true(ev[0].kind == 1 && ev[0].start_s == 70 && ev[0].end_s == 74);
    assert_true(ev[1].kind == 1 && ev[1].start_s == 144 && ev[1].end_s == 148);
    const double at[3] = {60, 130, 210};
    sm_sim_truth_t tr[3];
    for (int i = 0; i < 3; i++) {
        sm_sim_render(s, US(at[i]), cells);
        sm_sim_truth(s, &tr[i]);
        assert_int_equal(tr[i].spot, i);
        int m = argmax(cells, 32 * 24);
        assert_true(fabs(m / 24 + 0.5 - tr[i].tool_row) <= 1 &&
                    fabs(m % 24 + 0.5 - tr[i].tool_col) <= 1);
    }
    for (int i = 0; i < 2; i++)
        assert_true(
            25.0 * hypot(tr[i].tool_row - tr[i + 1].tool_row, tr[i].tool_col - tr[i + 1].tool_col) >
            30);
    assert_true(sm_sim_duration(s) == 218);
    sm_sim_destroy(s);
}

/* Pressing the Hip Hook's handle shifts the load along the base towards the tip end. */
static void test_hook(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    sm_sim_t *s = make_ref("hook-two-phase", SM_SIM_NONLINEAR | SM_SIM_NOISE);
    const sm_sim_event_t *ev;
    assert_int_equal(sm_sim_events(s, &ev), 1);
    assert_true(ev[0].kind == 2 && ev[0].start_s == 45 && ev[0].end_s == 47);
    sm_sim_truth_t tr;
    sm_sim_render(s, US(1), cells);
    sm_sim_truth(s, &tr);
    double base_r = tr.tool_row, base_c = tr.tool_col;
    double cen[2] = {0, 0}, tru[2] = {0, 0};
    int nn[2] = {0, 0};
    for (double t = 20; t < 90; t += 0.25) {
        sm_sim_render(s, US(t), cells);
        sm_sim_truth(s, &tr);
        int ph = t > 47;
        if (t > 43 && t < 50)
            continue;
        assert_int_equal(tr.phase, ph);
        /* load centroid across the mat over the base's footprint (+- 3.5 cells) */
        double sw = 0, sx = 0;
        for (int r = (int)base_r - 2; r <= (int)base_r + 2; r++)
            for (int c = (int)(base_c - 3.5); c <= (int)(base_c + 3.5); c++) {
                double v = cells[r * 24 + c] > 10 ? cells[r * 24 + c] : 0;
                sw += v;
                sx += v * (c + 0.5);
            }
        cen[ph] += 25.0 * sx / sw;
        tru[ph] += 25.0 * tr.tool_col;
        nn[ph]++;
    }
    double shift = cen[1] / nn[1] - cen[0] / nn[0], tshift = tru[1] / nn[1] - tru[0] / nn[0];
    print_message("hook: load centroid along the base moves %.1f mm at the phase change "
                  "(truth %.1f mm)\n",
                  shift, tshift);
    assert_true(shift < -5 && tshift < -10); /* towards the tip end (-x) */
    sm_sim_destroy(s);
}

/* A real CoP recording drives the tool: the rendered tool position follows it. */
static void test_trace(void **state)
{
    (void)state;
    static uint16_t cells[MAXC];
    size_t n = 0;
    char *text = ts_read_file(ts_data("bds-cop/BDS00001.txt"), &n);
    assert_non_null(text);
    sm_table_t tab;
    char err[128];
    assert_int_equal(sm_table_parse(text, n, &tab, err, sizeof err), SM_OK);
    free(text);
    int cx = sm_table_column(&tab, "COPx"), cy = sm_table_column(&tab, "COPy");
    assert_true(cx >= 0 && cy >= 0);
    double *x = malloc(tab.nrows * sizeof *x), *y = malloc(tab.nrows * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    double mx = 0, my = 0;
    for (size_t i = 0; i < tab.nrows; i++) {
        x[i] = 10.0 * sm_table_col(&tab, (size_t)cx)[i]; /* cm -> mm */
        y[i] = 10.0 * sm_table_col(&tab, (size_t)cy)[i];
        mx += x[i];
        my += y[i];
    }
    mx /= (double)tab.nrows;
    my /= (double)tab.nrows;
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.rows = c.cols = 16;
    c.pitch_mm = 10;
    c.effects = 0;
    c.trace_x_mm = x;
    c.trace_y_mm = y;
    c.trace_n = tab.nrows;
    c.trace_rate_hz = 100;
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_OK);
    /* the simulator copied the trace */
    free(x);
    free(y);
    x = malloc(tab.nrows * sizeof *x);
    y = malloc(tab.nrows * sizeof *y);
    for (size_t i = 0; i < tab.nrows; i++) {
        x[i] = 10.0 * sm_table_col(&tab, (size_t)cx)[i] - mx;
        y[i] = 10.0 * sm_table_col(&tab, (size_t)cy)[i] - my;
    }
    double x0 = 0, y0 = 0, maxerr = 0;
    double sxx = 0, syy = 0, sxy = 0, sm = 0, st = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < tab.nrows; i += 2) {
        sm_sim_render(s, US(i / 100.0), cells);
        sm_sim_truth_t tr;
        sm_sim_truth(s, &tr);
        /* breathing still shifts the ball 2 mm along the body */
        double px = tr.tool_col * 10.0, py = tr.tool_row * 10.0 - 2.0 * tr.breath;
        if (i == 0) {
            x0 = px - x[0];
            y0 = py - y[0];
        }
        double e = hypot(px - x0 - x[i], py - y0 - y[i]);
        maxerr = e > maxerr ? e : maxerr;
        /* measured: CoP of the cells around the ball */
        double cr, cc;
        local_cop(cells, 16, 16, tr.tool_row, tr.tool_col, 3, &cr, &cc);
        double m = cc * 10.0 - x0, tt = x[i];
        sm += m;
        st += tt;
        sxx += m * m;
        syy += tt * tt;
        sxy += m * tt;
        cnt++;
    }
    double k = (double)cnt;
    double corr = (sxy - sm * st / k) / sqrt((sxx - sm * sm / k) * (syy - st * st / k));
    print_message("trace: truth follows the trace within %.3f mm; rendered CoP vs trace r=%.3f\n",
                  maxerr, corr);
    assert_true(maxerr < 0.01);
    assert_true(corr > 0.95);
    sm_sim_destroy(s);
    free(x);
    free(y);
    sm_table_free(&tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_all_sizes),
        cmocka_unit_test(test_ball_hot_spot),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_ideal_proportional),
        cmocka_unit_test(test_weight),
        cmocka_unit_test(test_breathing),
        cmocka_unit_test(test_melt),
        cmocka_unit_test(test_creep),
        cmocka_unit_test(test_ghost),
        cmocka_unit_test(test_dead_cells),
        cmocka_unit_test(test_wiggle),
        cmocka_unit_test(test_relocate),
        cmocka_unit_test(test_hook),
        cmocka_unit_test(test_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
