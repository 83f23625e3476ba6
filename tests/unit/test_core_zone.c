/* No-go zones: a tool entering a zone warns at that very frame and logs a visit with the right
 * start and end; zones drawn relative to the body follow a patient lying elsewhere. */
#include "testsupport.h"

#include <math.h>
#include <string.h>

#include "sm_contact.h"
#include "sm_sim.h"
#include "sm_template.h"
#include "sm_zone.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))
#define RATE  50.0
#define MAXC  4096

static void test_geometry(void **state)
{
    (void)state;
    sm_zone_t z;
    /* corners in any order; too small or non-finite refused */
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, 50, 80, 10, 20, NULL, &z), SM_OK);
    assert_true(z.x0 == 10 && z.x1 == 50 && z.y0 == 20 && z.y1 == 80 && !z.body);
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, 10, 10, 10.5, 50, NULL, &z), SM_ERR_ARG);
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, NAN, 10, 20, 50, NULL, &z), SM_ERR_ARG);
    assert_int_equal(sm_zone_from_mat((sm_zone_kind_t)7, 0, 0, 20, 50, NULL, &z), SM_ERR_ARG);
    /* body frame: stored relative to the reference, placed back where it was drawn */
    sm_zone_frame_t fr = {1, 300, 400};
    assert_int_equal(sm_zone_from_mat(SM_ZONE_ELLIPSE, 200, 500, 260, 540, &fr, &z), SM_OK);
    assert_true(z.body && z.x0 == -100 && z.x1 == -40 && z.y0 == 100 && z.y1 == 140);
    double x0, y0, x1, y1;
    sm_zone_to_mat(&z, &fr, &x0, &y0, &x1, &y1);
    assert_true(x0 == 200 && x1 == 260 && y0 == 500 && y1 == 540);
    /* the body moved 5 cm toward the feet: the zone goes with it */
    sm_zone_frame_t moved = {1, 300, 450};
    assert_true(sm_zone_contains(&z, &moved, 230, 570));
    assert_false(sm_zone_contains(&z, &fr, 230, 570));
    /* ellipse: centre and axis ends in, box corner out; rectangle: corner in */
    assert_true(sm_zone_contains(&z, &fr, 230, 520));
    assert_true(sm_zone_contains(&z, &fr, 200, 520));
    assert_false(sm_zone_contains(&z, &fr, 202, 502));
    sm_zone_t r = z;
    r.kind = SM_ZONE_RECT;
    assert_true(sm_zone_contains(&r, &fr, 202, 502));
    /* a cell touching the ellipse only at its rightmost point, and one just missing its corner */
    assert_true(sm_zone_overlaps(&z, &fr, 260, 515, 285, 540));
    assert_false(sm_zone_overlaps(&z, &fr, 175, 475, 203, 503));
    assert_true(sm_zone_overlaps(&r, &fr, 175, 475, 203, 503));
    double xy[64];
    assert_int_equal(sm_zone_outline(&r, &fr, xy, 32), 4);
    assert_int_equal(sm_zone_outline(&z, &fr, xy, 32), 32);
    assert_true(fabs(xy[0] - 260) < 1e-9 && fabs(xy[1] - 520) < 1e-9);
    /* mirror: about the midline in the body frame, about the mat centre in the mat frame */
    sm_zone_mirror(&z, 600);
    assert_true(z.x0 == 40 && z.x1 == 100);
    sm_zone_t m;
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, 10, 10, 50, 20, NULL, &m), SM_OK);
    sm_zone_mirror(&m, 600);
    assert_true(m.x0 == 550 && m.x1 == 590);
    assert_int_equal(sm_zone_validate(&m), SM_OK);
    m.y1 = INFINITY;
    assert_int_equal(sm_zone_validate(&m), SM_ERR_FORMAT);
    assert_string_equal(sm_zone_kind_name(SM_ZONE_ELLIPSE), "ellipse");
}

typedef struct {
    sm_sim_t *sim;
    sm_contact_t *ct;
    int rows, cols;
    double pitch;
    uint16_t cells[MAXC];
    sm_contact_frame_t f;
} run_t;

static void run_open(run_t *r, const char *scenario, double sy)
{
    memset(r, 0, sizeof *r);
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.scenario = scenario;
    c.body_shift_y_mm = sy;
    assert_int_equal(sm_sim_create(&c, &r->sim), SM_OK);
    assert_int_equal(sm_contact_create(c.rows, c.cols, c.pitch_mm, NULL, &r->ct), SM_OK);
    r->rows = c.rows;
    r->cols = c.cols;
    r->pitch = c.pitch_mm;
}

static sm_mat_view_t run_step(run_t *r, double t)
{
    sm_sim_render(r->sim, US(t), r->cells);
    sm_contact_update_u16(r->ct, r->cells, t, &r->f);
    sm_mat_view_t v = {&r->f, sm_contact_labels(r->ct), NULL, r->cells, r->rows, r->cols, r->pitch};
    return v;
}

static void run_close(run_t *r)
{
    sm_contact_destroy(r->ct);
    sm_sim_destroy(r->sim);
}

/* Ground truth, recomputed here from the labels: does the tool touch the zone this frame? */
static int touches(const sm_zone_t *z, const sm_zone_frame_t *fr, const sm_mat_view_t *v,
                   sm_zone_hit_t mode)
{
    if (!v->f->present)
        return 0;
    if (mode == SM_ZONE_HIT_CENTROID)
        return sm_zone_contains(z, fr, v->f->x_mm, v->f->y_mm);
    for (int r = 0; r < v->rows; r++)
        for (int c = 0; c < v->cols; c++)
            if (v->labels[r * v->cols + c] == SM_CONTACT_TOOL &&
                sm_zone_overlaps(z, fr, c * v->pitch_mm, r * v->pitch_mm, (c + 1) * v->pitch_mm,
                                 (r + 1) * v->pitch_mm))
                return 1;
    return 0;
}

/* Where the simulated ball's centre is at time t (mat mm). */
static void ball_at(double t, double *x, double *y)
{
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    c.scenario = "ball-relocate";
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_OK);
    static uint16_t cells[MAXC];
    sm_sim_render(s, US(t), cells);
    sm_sim_truth_t tr;
    sm_sim_truth(s, &tr);
    *x = tr.tool_col * c.pitch_mm;
    *y = tr.tool_row * c.pitch_mm;
    sm_sim_destroy(s);
}

/* ball-relocate: the ball rolls 4.6 cm at 40-43 s. A zone on its path (mat frame, centroid
 * mode) gives one visit that starts and ends where the ground truth says, and the NOGO cue at
 * the entering frame; a zone at the destination (any cell) opens before the centroid gets
 * there and stays open until the session ends. */
static void test_relocate_through_zone(void **state)
{
    (void)state;
    double mx, my, ex, ey;
    ball_at(41.5, &mx, &my);
    ball_at(60, &ex, &ey);
    sm_zone_t zones[2];
    assert_int_equal(
        sm_zone_from_mat(SM_ZONE_ELLIPSE, mx - 8, my - 8, mx + 8, my + 8, NULL, &zones[0]), SM_OK);
    assert_int_equal(
        sm_zone_from_mat(SM_ZONE_RECT, ex - 5, ey - 5, ex + 5, ey + 5, NULL, &zones[1]), SM_OK);
    sm_zone_settings_t zs;
    sm_zone_settings_default(&zs);
    zs.hit = SM_ZONE_HIT_CENTROID;
    sm_zone_tracker_t *path = NULL, *dest = NULL;
    assert_int_equal(sm_zone_tracker_create(&zs, &path), SM_OK);
    assert_int_equal(sm_zone_tracker_create(NULL, &dest), SM_OK); /* any cell */
    run_t r;
    run_open(&r, "ball-relocate", 0);
    double in0 = -1, out0 = -1, in1 = -1, cue0 = -1, cue1 = -1, c_in1 = -1;
    int prev0 = 0, nogo0 = 0;
    for (int k = 0; k <= (int)(50 * RATE); k++) {
        double t = k / RATE;
        sm_mat_view_t v = run_step(&r, t);
        sm_zone_out_t o0, o1;
        sm_zone_tracker_update(path, &zones[0], 1, NULL, &v, &o0);
        sm_zone_tracker_update(dest, &zones[1], 1, NULL, &v, &o1);
        int h0 = touches(&zones[0], NULL, &v, SM_ZONE_HIT_CENTROID);
        int h1 = touches(&zones[1], NULL, &v, SM_ZONE_HIT_ANY_CELL);
        if (h0 && !prev0 && in0 < 0)
            in0 = t;
        if (!h0 && prev0 && out0 < 0)
            out0 = t;
        prev0 = h0;
        if (h1 && in1 < 0)
            in1 = t;
        if (touches(&zones[1], NULL, &v, SM_ZONE_HIT_CENTROID) && c_in1 < 0)
            c_in1 = t;
        assert_int_equal(o0.inside & 1u, (unsigned)h0);
        for (int i = 0; i < o0.n_cues; i++) {
            assert_int_equal(o0.cues[i].kind, SM_CUE_NOGO);
            assert_true(o0.cues[i].t_s == t);
            if (cue0 < 0)
                cue0 = t;
            nogo0++;
        }
        if (o1.n_cues && cue1 < 0)
            cue1 = t;
        if (o0.entered)
            assert_true(o0.n_cues == 1 && o0.warning);
    }
    sm_zone_tracker_finish(path, 50);
    sm_zone_tracker_finish(dest, 50);
    size_t n0, n1;
    const sm_zone_event_t *e0 = sm_zone_tracker_events(path, &n0);
    const sm_zone_event_t *e1 = sm_zone_tracker_events(dest, &n1);
    print_message("path zone: in %.2f out %.2f (cue %.2f, %d NOGO); destination: any cell at "
                  "%.2f, centroid at %.2f\n",
                  in0, out0, cue0, nogo0, in1, c_in1);
    assert_true(in0 > 40 && in0 < 43 && out0 > in0 && out0 < 43.5);
    assert_int_equal(n0, 1);
    assert_int_equal(e0[0].zone, 0);
    assert_true(e0[0].start_s == in0 && e0[0].end_s == out0);
    assert_true(cue0 == in0);
    /* the destination: open from the first tool cell inside to the end of the session */
    assert_int_equal(n1, 1);
    assert_true(e1[0].start_s == in1 && cue1 == in1 && e1[0].end_s == 50);
    assert_true(in1 < c_in1); /* the edge of the ball gets there first */
    sm_zone_tracker_destroy(path);
    sm_zone_tracker_destroy(dest);
    run_close(&r);
}

/* A zone drawn relative to the body on one patient fires at the same moment when the patient
 * lies 7 cm lower on the mat; a mat-frame zone drawn at the same place does not fire at all. */
static void test_body_zone_follows_patient(void **state)
{
    (void)state;
    double ex, ey;
    ball_at(60, &ex, &ey);
    run_t a;
    run_open(&a, "ball-relocate", 0);
    sm_template_t t;
    for (int k = 150; k > 0; k--) /* watched for 3 s before the capture */
        (void)run_step(&a, 30 - k / 50.0);
    sm_mat_view_t v = run_step(&a, 30);
    assert_int_equal(sm_template_capture(&v, "zones", 0, SM_POSTURE_PRONE, &t), SM_OK);
    sm_template_loc_t loc;
    sm_template_locate(&t, &v, NULL, NULL, &loc);
    assert_true(loc.frame.body);
    t.nzones = 2;
    assert_int_equal(
        sm_zone_from_mat(SM_ZONE_ELLIPSE, ex - 6, ey - 6, ex + 6, ey + 6, &loc.frame, &t.zones[0]),
        SM_OK);
    assert_int_equal(
        sm_zone_from_mat(SM_ZONE_ELLIPSE, ex - 6, ey - 6, ex + 6, ey + 6, NULL, &t.zones[1]),
        SM_OK);
    char err[160];
    assert_int_equal(sm_template_validate(&t, err, sizeof err), SM_OK);
    run_close(&a);

    double start[2] = {-1, -1};
    for (int pass = 0; pass < 2; pass++) {
        run_t r;
        run_open(&r, "ball-relocate", pass ? 70 : 0);
        sm_zone_settings_t zs;
        sm_zone_settings_default(&zs);
        zs.hit = SM_ZONE_HIT_CENTROID;
        sm_zone_tracker_t *zt = NULL;
        assert_int_equal(sm_zone_tracker_create(&zs, &zt), SM_OK);
        int first = 1;
        for (int k = (int)(30 * RATE); k <= (int)(50 * RATE); k++) {
            double tt = k / RATE;
            v = run_step(&r, tt);
            sm_template_locate(&t, &v, NULL, first ? NULL : &loc, &loc);
            first = 0;
            sm_zone_out_t o;
            sm_zone_tracker_update(zt, t.zones, (size_t)t.nzones, &loc.frame, &v, &o);
        }
        size_t n;
        const sm_zone_event_t *e = sm_zone_tracker_events(zt, &n);
        int body = 0, mat = 0;
        for (size_t i = 0; i < n; i++) {
            if (e[i].zone == 0 && !body++)
                start[pass] = e[i].start_s;
            mat += e[i].zone == 1;
        }
        print_message("patient %s: body zone visits %d (first at %.2f s), mat zone visits %d\n",
                      pass ? "7 cm lower" : "as drawn", body, start[pass], mat);
        assert_true(body >= 1);
        if (pass)
            assert_int_equal(mat, 0); /* the mat zone is 7 cm off the ball now */
        else
            assert_true(mat >= 1);
        sm_zone_tracker_destroy(zt);
        run_close(&r);
    }
    assert_true(fabs(start[1] - start[0]) < 0.3);
}

/* Hand-made frames: leave_s debounces, repeat_s repeats, a lifted tool ends the visit,
 * capacity overflow is counted. */
static void test_debounce_repeat_capacity(void **state)
{
    (void)state;
    sm_zone_t z;
    assert_int_equal(sm_zone_from_mat(SM_ZONE_RECT, 0, 0, 100, 100, NULL, &z), SM_OK);
    sm_zone_settings_t s;
    sm_zone_settings_default(&s);
    s.hit = SM_ZONE_HIT_CENTROID;
    s.leave_s = 0.3;
    s.repeat_s = 1.0;
    s.max_events = 2;
    sm_zone_tracker_t *zt = NULL;
    assert_int_equal(sm_zone_tracker_create(&s, &zt), SM_OK);
    sm_contact_frame_t f;
    memset(&f, 0, sizeof f);
    sm_mat_view_t v = {&f, NULL, NULL, NULL, 10, 10, 20};
    /* in 0-2.5 s (cues at 0, 1, 2), out 2.6-2.7 (under leave_s), in again 2.8-3.0, out 3.1-,
     * then two more short visits: the third overflows */
    static const struct {
        double t;
        int present, in;
    } seq[] = {{0.0, 1, 1}, {0.5, 1, 1}, {1.0, 1, 1}, {2.0, 1, 1}, {2.5, 1, 1}, {2.6, 1, 0},
               {2.7, 1, 0}, {2.8, 1, 1}, {3.0, 1, 1}, {3.1, 1, 0}, {3.3, 1, 0}, {3.5, 1, 0},
               {4.0, 1, 1}, {4.1, 0, 0}, {4.5, 0, 0}, {5.0, 1, 1}, {5.5, 1, 0}, {6.0, 1, 0}};
    int cues = 0;
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        f.t_s = seq[i].t;
        f.present = seq[i].present;
        f.x_mm = seq[i].in ? 50 : 150;
        f.y_mm = 50;
        sm_zone_out_t o;
        sm_zone_tracker_update(zt, &z, 1, NULL, &v, &o);
        cues += o.n_cues;
    }
    size_t n;
    const sm_zone_event_t *e = sm_zone_tracker_events(zt, &n);
    assert_int_equal(n, 2);
    assert_true(e[0].start_s == 0.0 && e[0].end_s == 3.1); /* the 2.6-2.7 gap was bridged */
    assert_true(e[1].start_s == 4.0 && e[1].end_s == 4.1); /* lifted: ends at 4.1 (+0.3 s) */
    assert_int_equal(sm_zone_tracker_dropped(zt), 1);
    assert_int_equal(cues, 3 + 1 + 1 + 1); /* 0, 1, 2 (2.8 is inside the same visit), 4, 5 */
    sm_zone_tracker_reset(zt);
    sm_zone_tracker_events(zt, &n);
    assert_int_equal(n, 0);
    sm_zone_tracker_destroy(zt);
    s.repeat_s = -1;
    assert_int_equal(sm_zone_tracker_create(&s, &zt), SM_ERR_ARG);
    assert_null(zt);
    sm_zone_tracker_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_relocate_through_zone),
        cmocka_unit_test(test_body_zone_follows_patient),
        cmocka_unit_test(test_debounce_repeat_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
