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
    int on;            /* a ball (1) or a Hip Hook (2) is added */
    double x_mm, y_mm; /* the ball's centre; the hook's tip */
    double a_mm;       /* ball: contact radius; hook: direction from the tip along the base, deg */
    double share;      /* of the frame's load */
    double t_on;       /* it starts settling at (session s) */
    int hot_r, hot_c;  /* an added hot single cell (-1: none) */
    float hot_v;
    double tip;    /* hook: share of its load on the tip */
    double tx, ty; /* the tool's load centroid, mm (set by make_frame: the truth) */
} aug_t;

/* The Hip Hook's footprint at a point (x, y) in its own frame (u along the base from the tip,
 * v across), relative pressure: a flat 12 x 6 cm base whose middle lies 6 cm from the tip, its
 * edges softened over 5 mm (the mat's cover), and the tip where the hook bends up: a rounded
 * 2.5 cm contact (Hertz-like) carrying `tip` of the load. Returns the base and tip parts. */
static void hook_profile(double u, double v, double *base, double *tipp)
{
    double bu = 1 - fabs(u - 60.0) / 60.0, bv = 1 - fabs(v) / 30.0;
    double eu = bu * 60.0 / 5.0, ev = bv * 30.0 / 5.0;
    *base = eu > 0 && ev > 0 ? (eu < 1 ? eu : 1) * (ev < 1 ? ev : 1) : 0;
    double r2 = (u * u + v * v) / (12.5 * 12.5);
    *tipp = r2 < 1 ? pow(1 - r2, 1.5) : 0;
}

/* Frame at session time t (s) of a session that starts at map frame f0: the map resampled to
 * 10 frames/s, with the ball added. */
static void make_frame(const pmat_t *m, int f0, double t, aug_t *a, float *out)
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
        /* add the tool, supersampled 8 x 8 per cell: the ball's Hertz profile, or the hook's
         * base and tip (each normalised to its share of the load) */
        static double b[N], bt[N];
        memset(b, 0, sizeof b);
        memset(bt, 0, sizeof bt);
        double sum = 0, sumt = 0;
        double ang = a->a_mm * M_PI / 180.0, ca = cos(ang), sa = sin(ang);
        for (int i = 0; i < N; i++) {
            int r = i / COLS, c = i % COLS;
            double ccx = (c + 0.5) * PITCH - cx, ccy = (r + 0.5) * PITCH - cy;
            if (hypot(ccx, ccy) > (a->on == 2 ? 160.0 : a->a_mm + 40.0))
                continue;
            double s1 = 0, s2 = 0;
            for (int p = 0; p < 8; p++)
                for (int q = 0; q < 8; q++) {
                    double x = (c + (q + 0.5) / 8) * PITCH - cx,
                           y = (r + (p + 0.5) / 8) * PITCH - cy;
                    if (a->on == 2) {
                        double pb, pt;
                        hook_profile(x * ca + y * sa, -x * sa + y * ca, &pb, &pt);
                        s1 += pb;
                        s2 += pt;
                    } else {
                        double r2 = (x * x + y * y) / (a->a_mm * a->a_mm);
                        if (r2 < 1)
                            s1 += pow(1 - r2, 1.5);
                    }
                }
            b[i] = s1;
            bt[i] = s2;
            sum += s1;
            sumt += s2;
        }
        double lb = a->on == 2 ? load * (1 - a->tip) : load, lt = a->on == 2 ? load * a->tip : 0;
        double ms = 0, mx = 0, my = 0;
        for (int i = 0; i < N; i++) {
            double d = (sum > 0 ? lb * b[i] / sum : 0) + (sumt > 0 ? lt * bt[i] / sumt : 0);
            out[i] += (float)d;
            ms += d;
            mx += d * (i % COLS + 0.5) * PITCH;
            my += d * (i / COLS + 0.5) * PITCH;
        }
        a->tx = ms > 0 ? mx / ms : cx;
        a->ty = ms > 0 ? my / ms : cy;
    }
    if (a->hot_r >= 0)
        out[a->hot_r * COLS + a->hot_c] = a->hot_v;
}

typedef struct {
    int frames, present, present_before, found_after, kind_ok;
    double sum_err, max_err;
    double first_found; /* session s, -1 never */
} result_t;

/* A session with the detector set for `tool` (SM_TOOL_AUTO: the footprint decides). */
static void run_session(int map, int f0, double dur, aug_t *a, sm_tool_kind_t tool, result_t *res)
{
    memset(res, 0, sizeof *res);
    res->first_found = -1;
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.evidence = 1;
    cs.tool = tool;
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
                          "dom %.2f shape %.2f at %.0f,%.0f why %d\n",
                          t, f.present, f.confidence, f.s_share, f.s_size, f.s_contrast, f.s_dom,
                          f.s_shape, f.x_mm, f.y_mm, f.no_tool);
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
            double e = hypot(f.x_mm - a->tx, f.y_mm - a->ty);
            res->kind_ok += f.tool_kind == (a->on == 2 ? SM_TOOL_HOOK : SM_TOOL_BALL);
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

static const char *tool_name(sm_tool_kind_t t)
{
    return t == SM_TOOL_HOOK ? "hook" : t == SM_TOOL_AUTO ? "auto" : "ball";
}

/* Body only: sessions starting at every 20th frame (the partial first frames included) to the
 * end of the file, with the detector looking for the ball, the Hip Hook, or either: never a
 * tool. */
static void test_body_only_never_tool(void **state)
{
    (void)state;
    aug_t none = {0, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0, 0};
    static const sm_tool_kind_t tools[] = {SM_TOOL_BALL, SM_TOOL_HOOK, SM_TOOL_AUTO};
    int bad = 0;
    print_message("map          looking for  tool    sessions  found  tool frames (worst)\n");
    for (int m = 0; m < 3; m++)
        for (size_t t = 0; t < 3; t++) {
            int worst = 0, sessions = 0, found = 0;
            for (int f0 = 0; f0 < maps[m].n - 2; f0 += 20) {
                result_t r;
                run_session(m, f0, maps[m].n - 1 - f0, &none, tools[t], &r);
                sessions++;
                if (r.present > worst)
                    worst = r.present;
                if (r.present)
                    print_message("  session from frame %d: %d tool frames\n", f0, r.present);
                found += r.present > 0;
            }
            print_message("%-12s %-12s absent  %8d  %5d  %d\n", map_name[m], tool_name(tools[t]),
                          sessions, found, worst);
            bad += found;
        }
    assert_int_equal(bad, 0);
}

/* One augmented session from map frame 5, 60 s, the tool arriving at 15 s: prints its row of
 * the table; 1 when the tool is never found before it arrives, found within 5 s of settling as
 * the tool it is, and followed from then on at its place (mean and largest error below mean_mm
 * and max_mm). */
static int check_found(int map, aug_t *a, sm_tool_kind_t tool, const char *what, double mean_mm,
                       double max_mm)
{
    result_t r;
    run_session(map, 5, 60, a, tool, &r);
    double mean = r.found_after ? r.sum_err / r.found_after : -1;
    print_message("%-12s %-12s %-13s %5.2f %4s %6s %8.1f %8d %9.1f %8.1f\n", map_name[map],
                  tool_name(tool), what, a->share, a->hot_r >= 0 ? "yes" : "no",
                  r.found_after ? "yes" : "no", r.first_found, r.kind_ok, mean, r.max_err);
    int ok = r.present_before == 0 && r.first_found >= 15.0 && r.first_found <= 20.0 &&
             r.found_after >= (int)(0.95 * 40 * RATE) && r.kind_ok == r.found_after &&
             mean < mean_mm && r.max_err < max_mm;
    if (!ok)
        print_message("  FAIL: before %d, followed %d of %d frames\n", r.present_before,
                      r.found_after, (int)(40 * RATE));
    return ok;
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
    static const sm_tool_kind_t tools[] = {SM_TOOL_BALL, SM_TOOL_AUTO};
    int bad = 0;
    print_message("map          looking for  tool          share  hot  found  first s  kind ok  "
                  "mean err  max err (mm)\n");
    for (size_t t = 0; t < 2; t++)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            aug_t a = {1,
                       cases[k].col * PITCH,
                       cases[k].row * PITCH,
                       cases[k].a_mm,
                       cases[k].share,
                       15.0,
                       -1,
                       -1,
                       0,
                       0,
                       0,
                       0};
            if (cases[k].hot) {
                a.hot_r = (int)cases[k].row;
                a.hot_c = (int)cases[k].col + 2; /* two cells across: beside the ball's edge */
                a.hot_v = 3841;
            }
            char what[32];
            snprintf(what, sizeof what, "ball %2.0f cm", 2 * cases[k].a_mm / 4.4);
            bad += !check_found(cases[k].map, &a, tools[t], what, 12.0, 20.0);
        }
    assert_int_equal(bad, 0);
}

/* A Hip Hook added to the real maps after 15 s of body only: its tip in front of the hip (side
 * lying) or beside the sacrum (supine), its base in several directions, several loads and tip
 * shares (the handle pressed or not), one next to a hot single cell: found after it arrives,
 * never before, as a hook, at its place (the load centroid of tip and base). */
static void test_added_hook_found(void **state)
{
    (void)state;
    static const struct {
        int map;
        double row, col; /* the tip, cells */
        double deg;      /* the base's direction from the tip: 0 = towards higher columns */
        double share, tip;
        int hot;
    } cases[] = {
        {1, 30.0, 17.0, 0, 0.20, 0.15, 0},   /* right side, in front of the hip, base forward */
        {1, 29.0, 16.5, 30, 0.30, 0.35, 0},  /* handle pressed: more on the tip */
        {1, 32.0, 17.5, -60, 0.20, 0.25, 1}, /* next to a hot cell */
        {2, 30.0, 11.0, 180, 0.20, 0.20, 0}, /* left side: the front faces low columns */
        {2, 32.5, 10.5, 150, 0.25, 0.30, 1},
        {2, 28.0, 12.0, 90, 0.20, 0.25, 0},  /* base along the body */
        {0, 31.0, 11.5, 180, 0.20, 0.20, 0}, /* supine, beside the sacrum */
        {0, 30.0, 18.0, 45, 0.25, 0.30, 1},
    };
    static const sm_tool_kind_t tools[] = {SM_TOOL_HOOK, SM_TOOL_AUTO};
    int bad = 0;
    print_message("map          looking for  tool          share  hot  found  first s  kind ok  "
                  "mean err  max err (mm)\n");
    for (size_t t = 0; t < 2; t++)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            aug_t a = {2,
                       cases[k].col * PITCH,
                       cases[k].row * PITCH,
                       cases[k].deg,
                       cases[k].share,
                       15.0,
                       -1,
                       -1,
                       0,
                       cases[k].tip,
                       0,
                       0};
            if (cases[k].hot) {
                /* two cells from the tip, across the base */
                double ang = cases[k].deg * M_PI / 180.0;
                a.hot_r = (int)floor(cases[k].row + 2.0 * cos(ang));
                a.hot_c = (int)floor(cases[k].col - 2.0 * sin(ang));
                a.hot_v = 3841;
            }
            char what[32];
            snprintf(what, sizeof what, "hook %4.0f deg", cases[k].deg);
            /* the load centroid of a 14 cm footprint whose base shares cells with the body:
             * within a cell */
            bad += !check_found(cases[k].map, &a, tools[t], what, 15.0, 25.0);
        }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_only_never_tool),
        cmocka_unit_test(test_added_ball_found),
        cmocka_unit_test(test_added_hook_found),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
