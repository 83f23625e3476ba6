/* Placement templates on simulated patients: the body-relative placement survives the patient
 * lying elsewhere on the mat, mirrors to the other side, is described in the right words, and
 * guides the tool in with CLOSER cues and one ON_TARGET. */
#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sm_contact.h"
#include "sm_sim.h"
#include "sm_template.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))
#define RATE  50.0
#define MAXC  4096

/* A simulated patient through contact detection, optionally mirrored (columns flipped: the
 * same person with the tool on the other side). */
typedef struct {
    sm_sim_t *sim;
    sm_contact_t *ct;
    sm_sim_config_t cfg;
    int mirror;
    uint16_t raw[MAXC], cells[MAXC];
    sm_contact_frame_t f;
} patient_t;

static void patient_open(patient_t *p, const char *scenario, sm_posture_t posture, double sx,
                         double sy, int mirror)
{
    memset(p, 0, sizeof *p);
    sm_sim_config_default(&p->cfg);
    p->cfg.scenario = scenario;
    p->cfg.body_shift_x_mm = sx;
    p->cfg.body_shift_y_mm = sy;
    p->mirror = mirror;
    assert_int_equal(sm_sim_create(&p->cfg, &p->sim), SM_OK);
    sm_contact_settings_t cs;
    sm_contact_settings_default(&cs);
    cs.posture = posture;
    cs.tool = strncmp(scenario, "hook", 4) == 0 ? SM_TOOL_HOOK : SM_TOOL_BALL;
    assert_int_equal(sm_contact_create(p->cfg.rows, p->cfg.cols, p->cfg.pitch_mm, &cs, &p->ct),
                     SM_OK);
}

static void patient_close(patient_t *p)
{
    sm_contact_destroy(p->ct);
    sm_sim_destroy(p->sim);
}

static sm_mat_view_t patient_step(patient_t *p, double t)
{
    sm_sim_render(p->sim, US(t), p->raw);
    int R = p->cfg.rows, C = p->cfg.cols;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            p->cells[r * C + c] = p->raw[r * C + (p->mirror ? C - 1 - c : c)];
    sm_contact_update_u16(p->ct, p->cells, t, &p->f);
    sm_mat_view_t v = {&p->f, sm_contact_labels(p->ct), NULL, p->cells, R, C, p->cfg.pitch_mm};
    return v;
}

/* The view at t after watching the patient for the 3 s before it (50 frames/s): a tool is only
 * found once it has been seen for a moment, as on screen before a clinician presses t. */
static sm_mat_view_t patient_watch(patient_t *p, double t)
{
    for (int k = 150; k > 0; k--)
        (void)patient_step(p, t - k / 50.0);
    return patient_step(p, t);
}

/* The sim's body shift validates and moves the tool by exactly the shift. */
static void test_sim_body_shift(void **state)
{
    (void)state;
    sm_sim_config_t c;
    sm_sim_config_default(&c);
    assert_true(c.body_shift_x_mm == 0 && c.body_shift_y_mm == 0);
    c.body_shift_y_mm = NAN;
    sm_sim_t *s = NULL;
    assert_int_equal(sm_sim_create(&c, &s), SM_ERR_ARG);
    c.body_shift_y_mm = 2000;
    assert_int_equal(sm_sim_create(&c, &s), SM_ERR_ARG);
    sm_sim_t *a = NULL, *b = NULL;
    sm_sim_config_default(&c);
    assert_int_equal(sm_sim_create(&c, &a), SM_OK);
    c.body_shift_x_mm = 40;
    c.body_shift_y_mm = -75;
    assert_int_equal(sm_sim_create(&c, &b), SM_OK);
    static uint16_t cells[MAXC];
    sm_sim_render(a, US(10), cells);
    sm_sim_render(b, US(10), cells);
    sm_sim_truth_t ta, tb;
    sm_sim_truth(a, &ta);
    sm_sim_truth(b, &tb);
    assert_true(fabs((tb.tool_col - ta.tool_col) * c.pitch_mm - 40) < 1e-6);
    assert_true(fabs((tb.tool_row - ta.tool_row) * c.pitch_mm + 75) < 1e-6);
    sm_sim_destroy(a);
    sm_sim_destroy(b);
}

/* Capture at t_cap on the unshifted patient; then the same moments on a patient lying
 * (sx, sy) elsewhere: the body-relative offset must agree, the mat position must not. */
static void check_shift(const char *scenario, sm_posture_t posture, double sx, double sy,
                        double tol_mm)
{
    patient_t a, b;
    patient_open(&a, scenario, posture, 0, 0, 0);
    patient_open(&b, scenario, posture, sx, sy, 0);
    sm_template_t t;
    sm_template_loc_t la, lb;
    double sdx = 0, sdy = 0, smat = 0;
    int n = 0;
    for (int k = 0; k <= (int)(30 * RATE); k++) {
        double s = k / RATE;
        sm_mat_view_t va = patient_step(&a, s), vb = patient_step(&b, s);
        if (s < 20.0)
            continue;
        assert_true(a.f.present && b.f.present);
        if (k == (int)(20 * RATE)) {
            assert_int_equal(sm_template_capture(&va, "shift", SM_PROTO_BALL_RELEASE, posture, &t),
                             SM_OK);
            assert_true(t.body.present);
        }
        int first = k == (int)(20 * RATE);
        sm_template_locate(&t, &va, NULL, first ? NULL : &la, &la);
        sm_template_locate(&t, &vb, NULL, first ? NULL : &lb, &lb);
        assert_true(lb.body_relative && lb.registered);
        sm_template_match_t ma, mb;
        sm_template_compare(&t, &a.f, &la, NULL, &ma);
        sm_template_compare(&t, &b.f, &lb, NULL, &mb);
        assert_true(ma.valid && mb.valid);
        sdx += mb.dx_mm - ma.dx_mm;
        sdy += mb.dy_mm - ma.dy_mm;
        /* what a mat-relative template would have said */
        smat += hypot(b.f.x_mm - t.tool_x_mm, b.f.y_mm - t.tool_y_mm) -
                hypot(a.f.x_mm - t.tool_x_mm, a.f.y_mm - t.tool_y_mm);
        n++;
    }
    double mdx = sdx / n, mdy = sdy / n;
    print_message("%s shift (%+.0f, %+.0f) mm: body-relative offset changed by (%.1f, %.1f) mm, "
                  "mat-relative by %.0f mm\n",
                  scenario, sx, sy, mdx, mdy, smat / n);
    assert_true(fabs(mdx) <= tol_mm && fabs(mdy) <= tol_mm);
    assert_true(smat / n > 0.8 * hypot(sx, sy)); /* the mat position really moved */
    patient_close(&a);
    patient_close(&b);
}

static void test_body_relative_ball(void **state)
{
    (void)state;
    check_shift("ball-steady", SM_POSTURE_PRONE, 0, -75, 6);
    check_shift("ball-steady", SM_POSTURE_PRONE, 0, 100, 6);
    check_shift("ball-steady", SM_POSTURE_PRONE, -75, 0, 6);
    check_shift("ball-steady", SM_POSTURE_PRONE, 60, -50, 6);
    check_shift("ball-steady", SM_POSTURE_PRONE, -80, 80, 8);
}

static void test_body_relative_hook_and_back(void **state)
{
    (void)state;
    check_shift("hook-two-phase", SM_POSTURE_SIDE, 0, 60, 6);
    check_shift("hook-two-phase", SM_POSTURE_SIDE, 50, 0, 6);
    check_shift("back-of-hip", SM_POSTURE_SUPINE, 0, -100, 6);
    check_shift("back-of-hip", SM_POSTURE_SUPINE, -100, 0, 6);
}

/* The template made on the right side, mirrored, fits the same person with the ball on the
 * left (the columns flipped), also when lying 6 cm lower: at every moment the mirrored offset
 * is the original's with x reversed. */
static void test_mirror_other_side(void **state)
{
    (void)state;
    patient_t a, b;
    patient_open(&a, "ball-steady", SM_POSTURE_PRONE, 0, 0, 0);
    patient_open(&b, "ball-steady", SM_POSTURE_PRONE, 0, 60, 1);
    sm_template_t t, m;
    sm_template_loc_t la, lb;
    double sdx = 0, sdy = 0;
    int n = 0;
    for (int k = 0; k <= (int)(30 * RATE); k++) {
        double s = k / RATE;
        sm_mat_view_t va = patient_step(&a, s), vb = patient_step(&b, s);
        if (k < (int)(20 * RATE))
            continue;
        int first = k == (int)(20 * RATE);
        if (first) {
            assert_int_equal(
                sm_template_capture(&va, "right", SM_PROTO_BALL_RELEASE, SM_POSTURE_PRONE, &t),
                SM_OK);
            assert_int_equal(t.side, SM_SIDE_RIGHT);
            sm_template_mirror(&t, &m);
            assert_int_equal(m.side, SM_SIDE_LEFT);
            assert_true(m.mirrored);
            assert_true(fabs(m.rel_x_mm + t.rel_x_mm) < 1e-9);
        }
        assert_int_equal(b.f.side, SM_SIDE_LEFT);
        sm_template_locate(&t, &va, NULL, first ? NULL : &la, &la);
        sm_template_locate(&m, &vb, NULL, first ? NULL : &lb, &lb);
        assert_true(lb.registered);
        sm_template_match_t ma, mb;
        sm_template_compare(&t, &a.f, &la, NULL, &ma);
        sm_template_compare(&m, &b.f, &lb, NULL, &mb);
        sdx += mb.dx_mm + ma.dx_mm;
        sdy += mb.dy_mm - ma.dy_mm;
        n++;
    }
    print_message("mirrored template, left side, 6 cm lower: offset differs by (%.1f, %.1f) mm\n",
                  sdx / n, sdy / n);
    assert_true(fabs(sdx / n) < 8 && fabs(sdy / n) < 8);
    /* mirroring twice gives the original back */
    sm_template_t back;
    sm_template_mirror(&m, &back);
    assert_true(fabs(back.tool_x_mm - t.tool_x_mm) < 1e-9 && back.rel_x_mm == t.rel_x_mm);
    assert_true(fabs(back.body.ref_x_mm - t.body.ref_x_mm) < 1e-9);
    assert_true(fabs(back.body.x0_mm - t.body.x0_mm) < 1e-9);
    assert_memory_equal(back.body.px, t.body.px, sizeof t.body.px);
    assert_memory_equal(back.cell_dx_mm, t.cell_dx_mm, sizeof t.cell_dx_mm);
    assert_true(back.side == t.side && back.mirrored == t.mirrored);
    patient_close(&a);
    patient_close(&b);
}

/* The same frames flipped: the mirrored template fits exactly (same registration). */
static void test_mirror_exact(void **state)
{
    (void)state;
    patient_t a, b;
    patient_open(&a, "ball-steady", SM_POSTURE_PRONE, 0, 0, 0);
    patient_open(&b, "ball-steady", SM_POSTURE_PRONE, 0, 0, 1);
    sm_template_t t, m;
    for (int k = 0; k <= (int)(22 * RATE); k++) {
        double s = k / RATE;
        sm_mat_view_t va = patient_step(&a, s), vb = patient_step(&b, s);
        if (k == (int)(20 * RATE)) {
            assert_int_equal(sm_template_capture(&va, "r", 0, SM_POSTURE_PRONE, &t), SM_OK);
            sm_template_mirror(&t, &m);
        }
        if (k < (int)(21 * RATE))
            continue;
        sm_template_loc_t la, lb;
        sm_template_locate(&t, &va, NULL, NULL, &la);
        sm_template_locate(&m, &vb, NULL, NULL, &lb);
        sm_template_match_t ma, mb;
        sm_template_compare(&t, &a.f, &la, NULL, &ma);
        sm_template_compare(&m, &b.f, &lb, NULL, &mb);
        assert_true(fabs(mb.dx_mm + ma.dx_mm) < 1.0 && fabs(mb.dy_mm - ma.dy_mm) < 1.0);
        assert_true(fabs(mb.outward_mm - ma.outward_mm) < 1.0);
        char wa[96];
        memcpy(wa, ma.text, sizeof wa);
        assert_string_equal(mb.text, wa); /* the same words on both sides */
    }
    patient_close(&a);
    patient_close(&b);
}

/* A template and a location made by hand: target at body offset (rel_x, 0) from a reference
 * at (300, 400). */
static void words_case_tool(double rel_x, sm_posture_t posture, sm_side_t side, sm_tool_kind_t tool,
                            double dx, double dy, int move, const char *want)
{
    sm_template_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "w");
    t.posture = posture;
    t.side = side;
    t.has_tool = 1;
    t.body.present = 1;
    t.rel_x_mm = rel_x;
    sm_template_loc_t loc;
    memset(&loc, 0, sizeof loc);
    loc.frame.body = 1;
    loc.frame.ox_mm = 300;
    loc.frame.oy_mm = 400;
    loc.body_relative = loc.registered = loc.has_target = 1;
    loc.target_x_mm = 300 + rel_x;
    loc.target_y_mm = 400;
    sm_contact_frame_t f;
    memset(&f, 0, sizeof f);
    f.present = 1;
    f.x_mm = loc.target_x_mm + dx;
    f.y_mm = loc.target_y_mm + dy;
    f.body_r0 = 0;
    f.midline_x_mm = 300;
    f.tool_kind = tool;
    sm_template_settings_t s;
    sm_template_settings_default(&s);
    s.describe_move = move;
    sm_template_match_t m;
    sm_template_compare(&t, &f, &loc, &s, &m);
    assert_true(m.valid);
    if (strcmp(m.text, want) != 0)
        fail_msg("rel_x %g, offset (%g, %g): \"%s\", expected \"%s\"", rel_x, dx, dy, m.text, want);
}

static void words_case(double rel_x, sm_posture_t posture, double dx, double dy, int move,
                       const char *want)
{
    words_case_tool(rel_x, posture, SM_SIDE_UNKNOWN, SM_TOOL_BALL, dx, dy, move, want);
}

/* The instruction (the default): the way the person must move the tool, in their own frame.
 * dx, dy: where the tool lies from the target (mat axes: y + toward the feet, x + toward higher
 * columns; face down, column 0 is the person's right). */
static void test_move_instructions(void **state)
{
    (void)state;
    sm_template_settings_t s;
    sm_template_settings_default(&s);
    assert_int_equal(s.describe_move, 1); /* the live view's words */
    /* the tool above the template (toward the head): move it toward the feet, and back */
    words_case(-90, SM_POSTURE_PRONE, 0, -47, 1, "move the ball 4.7 cm toward your feet");
    words_case(-90, SM_POSTURE_PRONE, 0, 47, 1, "move the ball 4.7 cm toward your head");
    /* face down: the tool toward higher columns (the person's left) must go to their right */
    words_case(-90, SM_POSTURE_PRONE, 53, 0, 1, "move the ball 5.3 cm to your right");
    words_case(-90, SM_POSTURE_PRONE, -53, 0, 1, "move the ball 5.3 cm to your left");
    words_case(-90, SM_POSTURE_PRONE, 53, -47, 1,
               "move the ball 4.7 cm toward your feet, 5.3 cm to your right");
    /* the mirrored template (the left side): the same move has the same words, never an
     * "inward" that means the opposite way on the other side */
    words_case(90, SM_POSTURE_PRONE, 53, -47, 1,
               "move the ball 4.7 cm toward your feet, 5.3 cm to your right");
    words_case(90, SM_POSTURE_PRONE, -53, 47, 1,
               "move the ball 4.7 cm toward your head, 5.3 cm to your left");
    /* on the back the person's right is at the high columns: the across words swap */
    words_case(90, SM_POSTURE_SUPINE, 53, 0, 1, "move the ball 5.3 cm to your left");
    words_case(-90, SM_POSTURE_SUPINE, -53, 0, 1, "move the ball 5.3 cm to your right");
    /* the Hip Hook is named as the tool; lying on the right side the front faces high columns */
    words_case_tool(0, SM_POSTURE_SIDE, SM_SIDE_RIGHT, SM_TOOL_HOOK, -20, 0, 1,
                    "move the Hip Hook 2.0 cm toward your front");
    words_case_tool(0, SM_POSTURE_SIDE, SM_SIDE_LEFT, SM_TOOL_HOOK, -20, 0, 1,
                    "move the Hip Hook 2.0 cm toward your back");
    words_case_tool(0, SM_POSTURE_SIDE, SM_SIDE_UNKNOWN, SM_TOOL_HOOK, 0, 31, 1,
                    "move the Hip Hook 3.1 cm toward your head");
    /* on target: nothing to move */
    words_case(-90, SM_POSTURE_PRONE, 4, -6, 1, "on target");
}

static void test_words(void **state)
{
    (void)state;
    /* target on the person's right when prone (low columns): outward is -x */
    words_case(-90, SM_POSTURE_PRONE, -5, -15, 0, "1.5 cm toward the head, 0.5 cm outward");
    words_case(-90, SM_POSTURE_PRONE, 5, -15, 0, "1.5 cm toward the head, 0.5 cm inward");
    words_case(-90, SM_POSTURE_PRONE, 0, 22, 0, "2.2 cm toward the feet");
    words_case(-90, SM_POSTURE_PRONE, -31, 1, 0, "3.1 cm outward");
    words_case(-90, SM_POSTURE_PRONE, 4, -6, 0, "on target");
    /* the mirrored side (left, high columns): outward is +x */
    words_case(90, SM_POSTURE_PRONE, 5, -15, 0, "1.5 cm toward the head, 0.5 cm outward");
    words_case(90, SM_POSTURE_PRONE, -12, 40, 0, "4.0 cm toward the feet, 1.2 cm inward");
    /* the way to move instead */
    words_case(90, SM_POSTURE_PRONE, -12, 40, 1,
               "move the ball 4.0 cm toward your head, 1.2 cm to your left");
    /* on the midline: the person's right/left instead of outward */
    words_case(5, SM_POSTURE_PRONE, -20, 0, 0, "2.0 cm to the person's right");
    words_case(5, SM_POSTURE_SUPINE, -20, 0, 0, "2.0 cm to the person's left");
    words_case(5, SM_POSTURE_SIDE, 20, 0, 0, "2.0 cm toward the mat's right");
    /* both small but off target: the larger is said */
    sm_template_settings_t s;
    sm_template_settings_default(&s);
    assert_int_equal(sm_template_settings_check(&s), SM_OK);
    s.off_target_mm = 5;
    assert_int_equal(sm_template_settings_check(&s), SM_ERR_ARG);
}

/* Lift-off and templates without a placement are said, not computed. */
static void test_no_tool(void **state)
{
    (void)state;
    sm_template_t t;
    memset(&t, 0, sizeof t);
    sm_template_loc_t loc;
    memset(&loc, 0, sizeof loc);
    sm_contact_frame_t f;
    memset(&f, 0, sizeof f);
    sm_template_match_t m;
    sm_template_compare(&t, &f, &loc, NULL, &m);
    assert_false(m.valid);
    assert_string_equal(m.text, "template has no placement");
    t.has_tool = 1;
    loc.has_target = 1;
    sm_template_compare(&t, &f, &loc, NULL, &m);
    assert_false(m.valid);
    assert_string_equal(m.text, "no tool on the mat");
    double xy[16];
    assert_int_equal(sm_template_outline(&t, &loc, xy, 8), 8);
    loc.has_target = 0;
    assert_int_equal(sm_template_outline(&t, &loc, xy, 8), 0);
}

/* Capture without a tool gives a zone-only template; names are cleaned. */
static void test_capture_edges(void **state)
{
    (void)state;
    patient_t p;
    patient_open(&p, "ball-steady", SM_POSTURE_PRONE, 0, 0, 0);
    sm_mat_view_t v = patient_watch(&p, 5.0);
    sm_template_t t;
    assert_int_equal(sm_template_capture(&v, "", 0, 0, &t), SM_ERR_ARG);
    assert_int_equal(sm_template_capture(&v, "a\tb\nc", 0, SM_POSTURE_PRONE, &t), SM_OK);
    assert_string_equal(t.name, "a b c");
    char err[160];
    assert_int_equal(sm_template_validate(&t, err, sizeof err), SM_OK);
    assert_true(t.ncells > 3 && t.fp_a_mm > 15 && t.fp_a_mm < 60 && t.fp_b_mm > 10);
    /* a long UTF-8 name is cut on a character boundary */
    char name[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "\xc3\xa9"); /* é */
    assert_int_equal(sm_template_capture(&v, name, 0, SM_POSTURE_PRONE, &t), SM_OK);
    assert_int_equal(strlen(t.name), 62);
    sm_contact_frame_t f = p.f;
    f.present = 0;
    v.f = &f;
    assert_int_equal(sm_template_capture(&v, "zones", 0, SM_POSTURE_PRONE, &t), SM_EMPTY);
    assert_false(t.has_tool);
    assert_true(t.body.present);
    assert_int_equal(sm_template_validate(&t, err, sizeof err), SM_OK);
    t.rel_x_mm = NAN;
    assert_int_equal(sm_template_validate(&t, err, sizeof err), SM_ERR_FORMAT);
    assert_true(strlen(err) > 5 && !strchr(err, '\n'));
    patient_close(&p);
}

typedef struct {
    double t, d;
    int cue; /* -1 none, else the kind */
} guide_row_t;

/* The tracker as a table: distances over time and the cue each frame must give. */
static void test_tracker_table(void **state)
{
    (void)state;
    static const guide_row_t rows[] = {
        {0.0, 60, -1},                /* appears: no cue */
        {0.1, 57, -1},                /* 3 mm closer: not a step yet */
        {0.2, 54, SM_CUE_CLOSER},     /* 6 mm */
        {0.3, 45, -1},                /* a step, but only 0.1 s later */
        {0.7, 44, SM_CUE_CLOSER},     /* 0.5 s later, still 10 mm closer than 54 */
        {0.8, 50, -1},                /* moving away: re-anchored at 50 */
        {1.4, 46, -1},                /* 4 mm from 50 */
        {1.5, 44.5, SM_CUE_CLOSER},   /* 5.5 mm from 50 */
        {1.6, 9, SM_CUE_ON_TARGET},   /* in */
        {1.7, 12, -1},                /* inside the hysteresis: still on */
        {1.8, 4, -1},                 /* no second ON_TARGET */
        {1.9, 16, -1},                /* out beyond 15 */
        {2.0, 9.5, SM_CUE_ON_TARGET}, /* a new entry */
        {2.1, -1, -1},                /* tool lifted */
        {2.2, 8, SM_CUE_ON_TARGET},   /* back on: a new entry */
    };
    sm_template_settings_t s;
    sm_template_settings_default(&s);
    s.closer_tau_s = 0;    /* exact distances: the table is the smoothed signal */
    s.closer_forget_s = 0; /* and the steps are made at once */
    s.settle_s = 0;
    sm_template_tracker_t tr;
    sm_template_tracker_init(&tr, &s);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sm_template_match_t m;
        memset(&m, 0, sizeof m);
        m.valid = rows[i].d >= 0;
        m.distance_mm = rows[i].d;
        sm_template_guide_t g;
        sm_template_tracker_update(&tr, &m, rows[i].t, &g);
        if (rows[i].cue < 0) {
            if (g.n_cues)
                fail_msg("row %zu (t %.1f): unexpected %s", i, rows[i].t,
                         sm_cue_kind_name(g.cues[0].kind));
        } else {
            if (g.n_cues != 1 || (int)g.cues[0].kind != rows[i].cue)
                fail_msg("row %zu (t %.1f): expected %s, got %d cues", i, rows[i].t,
                         sm_cue_kind_name((sm_cue_kind_t)rows[i].cue), g.n_cues);
            assert_true(g.cues[0].t_s == rows[i].t);
        }
    }
}

/* ball-relocate: a template captured on the second spot; replaying the move there gives
 * CLOSER cues with rising intensity, spaced at least 0.5 s, then exactly one ON_TARGET. */
static void test_cues_moving_in(void **state)
{
    (void)state;
    patient_t p;
    patient_open(&p, "ball-relocate", SM_POSTURE_PRONE, 0, 0, 0);
    sm_template_t t;
    for (int k = 0; k <= (int)(60 * RATE); k++) {
        sm_mat_view_t v = patient_step(&p, k / RATE);
        if (k == (int)(60 * RATE))
            assert_int_equal(sm_template_capture(&v, "spot 2", 0, SM_POSTURE_PRONE, &t), SM_OK);
    }
    patient_close(&p);

    patient_open(&p, "ball-relocate", SM_POSTURE_PRONE, 0, 0, 0);
    sm_template_loc_t loc;
    sm_template_tracker_t tr;
    sm_template_tracker_init(&tr, NULL);
    int closer = 0, on = 0, first = 1;
    double last_closer = -10, last_int = -1, on_t = -1, d_start = 0, d_end = 0;
    for (int k = 0; k <= (int)(55 * RATE); k++) {
        double s = k / RATE;
        sm_mat_view_t v = patient_step(&p, s);
        if (s < 30)
            continue;
        sm_template_locate(&t, &v, NULL, first ? NULL : &loc, &loc);
        first = 0;
        sm_template_match_t m;
        sm_template_compare(&t, &p.f, &loc, NULL, &m);
        if (s < 30.1)
            d_start = m.distance_mm;
        d_end = m.distance_mm;
        sm_template_guide_t g;
        sm_template_tracker_update(&tr, &m, s, &g);
        for (int i = 0; i < g.n_cues; i++) {
            if (g.cues[i].kind == SM_CUE_CLOSER) {
                if (!(s >= 39.9 && s <= 47))
                    fail_msg("CLOSER at %.2f s (distance %.1f mm)", s, m.distance_mm);
                assert_true(s - last_closer >= 0.5 - 1e-9);
                assert_true(g.cues[i].intensity >= last_int - 0.02);
                last_int = g.cues[i].intensity;
                last_closer = s;
                closer++;
            } else if (g.cues[i].kind == SM_CUE_ON_TARGET) {
                on++;
                on_t = s;
            }
        }
    }
    print_message("moving in: %.0f mm -> %.1f mm, %d CLOSER, ON_TARGET x%d at %.2f s\n", d_start,
                  d_end, closer, on, on_t);
    assert_true(d_start > 40);
    assert_true(d_end < 10);
    assert_true(closer >= 3);
    assert_int_equal(on, 1);
    assert_true(on_t > last_closer && on_t < 46);
    patient_close(&p);
}

/* No body on the mat (no cell labels to find one): the template falls back to mat
 * coordinates, and so do its zones. */
static void test_mat_fallback(void **state)
{
    (void)state;
    patient_t p;
    patient_open(&p, "ball-steady", SM_POSTURE_PRONE, 0, 0, 0);
    sm_mat_view_t v = patient_watch(&p, 5);
    v.labels = NULL;
    sm_template_t t;
    assert_int_equal(sm_template_capture(&v, "no body", 0, SM_POSTURE_PRONE, &t), SM_OK);
    assert_false(t.body.present);
    v = patient_step(&p, 5.02);
    sm_template_loc_t loc;
    sm_template_locate(&t, &v, NULL, NULL, &loc);
    assert_false(loc.body_relative);
    assert_false(loc.frame.body);
    assert_true(loc.has_target && loc.target_x_mm == t.tool_x_mm);
    sm_template_match_t m;
    sm_template_compare(&t, &p.f, &loc, NULL, &m);
    assert_true(m.on_target);
    assert_string_equal(m.text, "on target");
    patient_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_body_shift),
        cmocka_unit_test(test_body_relative_ball),
        cmocka_unit_test(test_body_relative_hook_and_back),
        cmocka_unit_test(test_mirror_exact),
        cmocka_unit_test(test_mirror_other_side),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_move_instructions),
        cmocka_unit_test(test_no_tool),
        cmocka_unit_test(test_capture_edges),
        cmocka_unit_test(test_tracker_table),
        cmocka_unit_test(test_cues_moving_in),
        cmocka_unit_test(test_mat_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
