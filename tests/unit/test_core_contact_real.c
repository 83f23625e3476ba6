/* Tool detection on real pressure maps nobody here made (PmatData, tests/data/pmatdata: a person
 * supine, on the right side and on the left side, 64 x 32 cells, about 1 frame/s): no tool on
 * any body-only map, whatever frame the session starts at, and a ball added to the same maps is
 * found at its place.
 *
 * The augmentation is physics, not the detector's thresholds: a ball of the chosen contact
 * radius carries the chosen share of the frame's load with a Hertz profile (1 - r^2/a^2)^1.5
 * integrated over each cell; that load is taken from the body around it (cells within 15 cm,
 * weighted by their load and by closeness: the pelvis lifts off the mat around the ball), and
 * it arrives over 3 s as the person settles onto the ball. The ball moves 2 mm along the body
 * and its load 4 % with breathing (0.2 Hz). Frames are resampled to 10 frames/s (linear). */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_contact.h"

#define ROWS  64
#define COLS  32
#define N     (ROWS * COLS)
#define PITCH 25.0
#define RATE  10.0
#define MAXF  100

typedef struct {
    int n;
    float f[MAXF][N];
} pmat_t;

static pmat_t maps[3];

static void load_map(int k, pmat_t *m)
{
    char name[64];
    snprintf(name, sizeof name, "pmatdata/%d.txt", k + 1);
    size_t len = 0;
    char *txt = ts_read_file(ts_data(name), &len);
    assert_non_null(txt);
    m->n = 0;
    char *p = txt;
    while (*p && m->n < MAXF) {
        int i = 0;
        while (*p && *p != '\n') {
            if (*p < '0' || *p > '9') {
                p++; /* tabs, CR */
                continue;
            }
            long v = 0;
            while (*p >= '0' && *p <= '9')
                v = v * 10 + (*p++ - '0');
            if (i < N)
                m->f[m->n][i] = (float)v;
            i++;
        }
        if (*p == '\n')
            p++;
        if (i >= N)
            m->n++;
    }
    free(txt);
    assert_true(m->n > 60);
}

static double smooth01(double x)
{
    x = x < 0 ? 0 : x > 1 ? 1 : x;
    return x * x * (3 - 2 * x);
}

typedef struct {
    int on;            /* a ball is added */
    double x_mm, y_mm; /* its centre */
    double a_mm;       /* contact radius */
    double share;      /* of the frame's load */
    double t_on;       /* it starts settling at (session s) */
    int hot_r, hot_c;  /* an added hot single cell (-1: none) */
    float hot_v;
} aug_t;

/* Frame at session time t (s) of a session that starts at map frame f0: the map resampled to
 * 10 frames/s, with the ball added. */
static void make_frame(const pmat_t *m, int f0, double t, const aug_t *a, float *out)
{
    double pos = f0 + t; /* about 1 frame/s */
    int i0 = (int)floor(pos);
    if (i0 >= m->n - 1)
        i0 = m->n - 2;
    double u = pos - i0;
    if (u > 1)
        u = 1;
    for (int i = 0; i < N; i++)
        out[i] = (float)((1 - u) * m->f[i0][i] + u * m->f[i0 + 1][i]);
    if (a->on && t > a->t_on) {
        double ramp = smooth01((t - a->t_on) / 3.0);
        double breath = sin(2 * M_PI * 0.2 * t);
        double tot = 0;
        for (int i = 0; i < N; i++)
            tot += out[i] > 15 ? out[i] : 0;
        double load = a->share * tot * ramp * (1 + 0.04 * breath);
        double cx = a->x_mm, cy = a->y_mm + 2.0 * breath;
        /* take the load from the body around the ball */
        double wsum = 0;
        static double w[N];
        for (int i = 0; i < N; i++) {
            double dx = (i % COLS + 0.5) * PITCH - cx, dy = (i / COLS + 0.5) * PITCH - cy;
            double g = 1 - hypot(dx, dy) / 150.0;
            w[i] = g > 0 && out[i] > 15 ? out[i] * g : 0;
            wsum += w[i];
        }
        double k = wsum > 0 ? load / wsum : 0;
        double taken = 0;
        for (int i = 0; i < N; i++) {
            double d = k * w[i];
            if (d > 0.9 * out[i])
                d = 0.9 * out[i];
            out[i] -= (float)d;
            taken += d;
        }
        double rest = load - taken; /* the rest from the whole body, evenly by load */
        if (rest > 0 && tot > taken) {
            double f = 1 - rest / (tot - taken);
            for (int i = 0; i < N; i++)
                out[i] *= (float)(f > 0 ? f : 0);
        }
        /* add the ball: Hertz profile, supersampled 8 x 8 per cell */
        double sum = 0;
        static double b[N];
        memset(b, 0, sizeof b);
        int r0 = (int)floor((cy - a->a_mm) / PITCH), r1 = (int)floor((cy + a->a_mm) / PITCH);
        int c0 = (int)floor((cx - a->a_mm) / PITCH), c1 = (int)floor((cx + a->a_mm) / PITCH);
        for (int r = r0; r <= r1; r++)
            for (int c = c0; c <= c1; c++) {
                if (r < 0 || r >= ROWS || c < 0 || c >= COLS)
                    continue;
                double s = 0;
                for (int p = 0; p < 8; p++)
                    for (int q = 0; q < 8; q++) {
                        double x = (c + (q + 0.5) / 8) * PITCH - cx,
                               y = (r + (p + 0.5) / 8) * PITCH - cy;
                        double r2 = (x * x + y * y) / (a->a_mm * a->a_mm);
                        if (r2 < 1)
                            s += pow(1 - r2, 1.5);
                    }
                b[r * COLS + c] = s;
                sum += s;
            }
        for (int i = 0; i < N; i++)
            if (b[i] > 0)
                out[i] += (float)(load * b[i] / sum);
    }
    if (a->hot_r >= 0)
        out[a->hot_r * COLS + a->hot_c] = a->hot_v;
}

typedef struct {
    int frames, present, present_before, found_after;
    double sum_err, max_err;
    double first_found; /* session s, -1 never */
} result_t;

static void run_session(int map, int f0, double dur, const aug_t *a, result_t *res)
{
    memset(res, 0, sizeof *res);
    res->first_found = -1;
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.evidence = 1;
    sm_contact_t *ct = NULL;
    assert_int_equal(sm_contact_create(ROWS, COLS, PITCH, &cs, &ct), SM_OK);
    static float frame[N];
    for (int k = 0; k <= (int)(dur * RATE); k++) {
        double t = k / RATE;
        make_frame(&maps[map], f0, t, a, frame);
        sm_contact_frame_t f;
        sm_contact_update(ct, frame, t, &f);
        res->frames++;
        if (getenv("SM_TEST_VERBOSE") && k % 20 == 0)
            print_message("    t %5.1f present %d conf %.2f share %.2f size %.2f contrast %.2f "
                          "dom %.2f at %.0f,%.0f why %d\n",
                          t, f.present, f.confidence, f.s_share, f.s_size, f.s_contrast, f.s_dom,
                          f.x_mm, f.y_mm, f.no_tool);
        if (!f.present)
            continue;
        res->present++;
        if (!a->on || t < a->t_on) {
            res->present_before++;
            continue;
        }
        if (res->first_found < 0)
            res->first_found = t;
        if (t >= a->t_on + 5.0) {
            double e = hypot(f.x_mm - a->x_mm, f.y_mm - a->y_mm);
            res->found_after++;
            res->sum_err += e;
            if (e > res->max_err)
                res->max_err = e;
        }
    }
    sm_contact_destroy(ct);
}

static const char *map_name[3] = {"1 supine", "2 right side", "3 left side"};

static int setup(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++)
        load_map(k, &maps[k]);
    return 0;
}

/* Body only: sessions starting at every 20th frame (the partial first frames included) to the
 * end of the file: never a tool. */
static void test_body_only_never_tool(void **state)
{
    (void)state;
    aug_t none = {0, 0, 0, 0, 0, 0, -1, -1, 0};
    for (int m = 0; m < 3; m++) {
        int worst = 0, sessions = 0, bad = 0;
        for (int f0 = 0; f0 < maps[m].n - 2; f0 += 20) {
            result_t r;
            run_session(m, f0, maps[m].n - 1 - f0, &none, &r);
            sessions++;
            if (r.present > worst)
                worst = r.present;
            if (r.present)
                print_message("  session from frame %d: %d tool frames\n", f0, r.present);
            bad += r.present > 0;
        }
        print_message("map %-12s body only: %d sessions, tool frames %d\n", map_name[m], sessions,
                      worst);
        assert_int_equal(bad, 0);
    }
}

/* A ball added beside the sacrum / under the hip of the real maps after 15 s of body only, at
 * several places, sizes and shares (the hot cell case included): found after it arrives, never
 * before, at its place. */
static void test_added_ball_found(void **state)
{
    (void)state;
    /* body landmarks of each map (cells): supine sacrum ~ (31, 14), side hip ~ (32, 12..15) */
    static const struct {
        int map;
        double row, col; /* ball centre, cells */
        double a_mm, share;
        int hot; /* add a hot single cell next to it */
    } cases[] = {
        {0, 31.0, 12.0, 22, 0.20, 0}, /* supine, beside the sacrum, 10 cm ball */
        {0, 30.5, 17.5, 16, 0.15, 0}, /* the other side, 6 cm ball, less load */
        {0, 33.2, 11.4, 28, 0.30, 1}, /* 15 cm ball, next to a hot cell */
        {0, 55.5, 11.5, 22, 0.20, 0}, /* next to the real hot cell (56, 10) */
        {1, 29.5, 16.5, 22, 0.20, 0}, /* right side: in front of the hip */
        {1, 31.0, 18.0, 16, 0.15, 1}, /* smaller, hot cell next to it */
        {1, 27.0, 15.0, 28, 0.30, 0}, {2, 29.5, 11.0, 22, 0.20, 0}, /* left side */
        {2, 33.5, 17.5, 16, 0.15, 0}, {2, 30.0, 9.0, 28, 0.25, 1},
    };
    int bad = 0;
    print_message("map          ball a/mm share  hot  found  first s  mean err  max err (mm)\n");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        aug_t a = {1,
                   cases[k].col * PITCH,
                   cases[k].row * PITCH,
                   cases[k].a_mm,
                   cases[k].share,
                   15.0,
                   -1,
                   -1,
                   0};
        if (cases[k].hot) {
            a.hot_r = (int)cases[k].row;
            a.hot_c = (int)cases[k].col + 2; /* two cells across: beside the ball's edge */
            a.hot_v = 3841;
        }
        result_t r;
        run_session(cases[k].map, 5, 60, &a, &r);
        double mean = r.found_after ? r.sum_err / r.found_after : -1;
        print_message("%-12s %9.0f %5.2f %4s %6s %8.1f %9.1f %8.1f\n", map_name[cases[k].map],
                      cases[k].a_mm, cases[k].share, cases[k].hot ? "yes" : "no",
                      r.found_after ? "yes" : "no", r.first_found, mean, r.max_err);
        /* never before it arrives; found within 5 s of settling and followed from then on */
        int ok = r.present_before == 0 && r.first_found >= 15.0 && r.first_found <= 20.0 &&
                 r.found_after >= (int)(0.95 * 40 * RATE) && mean < 12.0 && r.max_err < 20.0;
        if (!ok)
            print_message("  FAIL: before %d, followed %d of %d frames\n", r.present_before,
                          r.found_after, (int)(40 * RATE));
        bad += !ok;
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_only_never_tool),
        cmocka_unit_test(test_added_ball_found),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
