/* Report pages: every hold is drawn, on as many pages as it takes (three on the session's first
 * page, six on each further one), and every page is headed with the patient, date, protocol,
 * side and tool (read back from the PDF with pdftotext). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_report_draw.h"
#include "testsupport.h"

#define ROWS 8
#define COLS 6

static float image_[ROWS * COLS];
static double px_[20], py_[20];

/* A page with n holds, alternating sides. */
static void make_page(sm_rd_page_t *pg, sm_rd_hold_t *h, sm_coach_hold_t *all, size_t n)
{
    for (int i = 0; i < ROWS * COLS; i++)
        image_[i] = (float)(i % 7);
    for (int i = 0; i < 20; i++) {
        px_[i] = 60 + 2 * sin(i * 0.7);
        py_[i] = 90 + 2 * cos(i * 0.5);
    }
    memset(pg, 0, sizeof *pg);
    for (size_t i = 0; i < n; i++) {
        memset(&all[i], 0, sizeof all[i]);
        all[i].side = i % 2 ? SM_SIDE_LEFT : SM_SIDE_RIGHT;
        all[i].spot = (int)i;
        all[i].start_s = 70.0 * i;
        all[i].end_s = 70.0 * i + 65;
        all[i].steady_s = 61;
        all[i].release_met = 1;
        all[i].release_s = all[i].start_s + 62;
        all[i].soreness = -1;
        all[i].x_mm = 60;
        all[i].y_mm = 90;
        h[i].hold = all[i];
        h[i].number = (int)i + 1;
        h[i].image = image_;
        h[i].px = px_;
        h[i].py = py_;
        h[i].np = 20;
    }
    pg->date = "Sat 05 Dec 2026, 10:15";
    pg->file = "s.smsession";
    pg->source = "simulator: back-of-hip";
    pg->mat = "8 x 6 cells, 25 mm pitch";
    pg->protocol = "Back of hip";
    pg->patient = "Zoë Ünïcode";
    pg->sides = "right and left";
    pg->tool = "ball";
    pg->duration_s = 70.0 * n;
    pg->frames = 100;
    pg->rate_hz = 50;
    pg->footer = "SteadyMat test";
    pg->rows = ROWS;
    pg->cols = COLS;
    pg->pitch_mm = 25;
    pg->image_max = 6;
    pg->release_target_s = 60;
    pg->holds = h;
    pg->n_holds = n;
    pg->all_holds = all;
    pg->n_all_holds = n;
}

static char *run_text(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, k;
    char *t = malloc(cap);
    assert_non_null(t);
    while ((k = fread(t + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n < 4096) {
            cap *= 2;
            t = realloc(t, cap);
            assert_non_null(t);
        }
    }
    t[n] = 0;
    pclose(p);
    return t;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void pages_for(size_t n_holds, size_t want_pages)
{
    sm_rd_hold_t h[20];
    sm_coach_hold_t all[20];
    sm_rd_page_t pg;
    make_page(&pg, h, all, n_holds);
    assert_int_equal(sm_rd_session_pages(&pg), want_pages);
    const char *pdf = ts_path(ts_tempdir(), "r.pdf");
    sm_rd_pdf_t *d;
    char err[300], cmd[1200];
    assert_int_equal(sm_rd_pdf_open(pdf, &d, err, sizeof err), SM_OK);
    sm_rd_pdf_session(d, &pg);
    assert_int_equal(sm_rd_pdf_close(d, err, sizeof err), SM_OK);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' | grep '^Pages:'", pdf);
    char *info = run_text(cmd);
    assert_int_equal(atoi(info + 6), (int)want_pages);
    free(info);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    char *text = run_text(cmd);
    /* every hold, once */
    for (size_t i = 0; i < n_holds; i++) {
        char b[32];
        snprintf(b, sizeof b, "Hold %zu:", i + 1);
        assert_int_equal(count(text, b), 1);
    }
    char b[32];
    snprintf(b, sizeof b, "Hold %zu:", n_holds + 1);
    assert_int_equal(count(text, b), 0);
    /* every page headed with who, what and which side */
    assert_int_equal(count(text, "Zoë Ünïcode"), (int)want_pages);
    assert_int_equal(count(text, "Protocol: Back of hip"), (int)want_pages);
    assert_int_equal(count(text, "Side: right and left"), (int)want_pages);
    assert_int_equal(count(text, "Tool: ball"), (int)want_pages);
    snprintf(b, sizeof b, "page %zu of %zu", want_pages, want_pages);
    assert_int_equal(count(text, b), 1);
    free(text);
    /* the further pages as PNG too */
    const char *png = ts_path(ts_tempdir(), "p.png");
    assert_int_equal(sm_rd_png_session(png, &pg, want_pages - 1, 50, err, sizeof err), SM_OK);
    assert_true(ts_file_size(png) > 1000);
}

static void three_holds_one_page(void **state)
{
    (void)state;
    pages_for(3, 1);
}

static void four_holds_two_pages(void **state)
{
    (void)state;
    pages_for(4, 2);
}

static void ten_holds_three_pages(void **state)
{
    (void)state;
    pages_for(10, 3);
}

static void no_hold_one_page(void **state)
{
    (void)state;
    pages_for(0, 1);
}

/* The line of pdftotext -layout output holding both "your right" and "your left" (the labels
 * along a heatmap's sides, or the path plot's axis), at which one comes first: 'R' or 'L', 0
 * when no line has both. */
static int first_on_a_line(const char *text, int *lines)
{
    int first = 0;
    *lines = 0;
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), l);
        const char *r = strstr(line, "your right"), *lf = strstr(line, "your left");
        if (r && lf && !strstr(line, "side")) {
            int f = r < lf ? 'R' : 'L';
            if (first && f != first)
                return '?'; /* both orders on one page: the sides are not drawn alike */
            first = f;
            ++*lines;
        }
        l = e ? e + 1 : NULL;
    }
    return first;
}

/* "your right" / "your left" as the live view has them: along the map's sides (face down the
 * person's right is column 0, drawn at the left; on the back at the right; side-lying not
 * said), and the holds and the summary name the person's sides the same way. */
static void sides_named_as_in_the_live_view(void **state)
{
    (void)state;
    static const struct {
        int right_edge;
        int first; /* 'R': "your right" left of "your left" */
    } cases[] = {{1, 'R'}, {2, 'L'}, {0, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sm_rd_hold_t h[4];
        sm_coach_hold_t all[4];
        sm_rd_page_t pg;
        make_page(&pg, h, all, 2); /* hold 1 right, hold 2 left */
        pg.right_edge = cases[k].right_edge;
        const char *pdf = ts_path(ts_tempdir(), "sides.pdf");
        sm_rd_pdf_t *d;
        char err[300], cmd[1200];
        assert_int_equal(sm_rd_pdf_open(pdf, &d, err, sizeof err), SM_OK);
        sm_rd_pdf_session(d, &pg);
        assert_int_equal(sm_rd_pdf_close(d, err, sizeof err), SM_OK);
        snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' -", pdf);
        char *text = run_text(cmd);
        int lines;
        int first = first_on_a_line(text, &lines);
        if (first != cases[k].first)
            fail_msg("right_edge %d: '%c' first, want '%c':\n%s", cases[k].right_edge,
                     first ? first : '-', cases[k].first ? cases[k].first : '-', text);
        if (cases[k].first)
            assert_true(lines >= 1);
        /* the holds and the summary say whose side, whatever the posture */
        assert_int_equal(count(text, "your right side"), 1);
        assert_int_equal(count(text, "your left side"), 1);
        assert_int_equal(count(text, "Your right"), 1);
        assert_int_equal(count(text, "Your left"), 1);
        free(text);
    }
}

static int teardown(void **state)
{
    (void)state;
    sm_rd_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_holds_one_page),
        cmocka_unit_test(four_holds_two_pages),
        cmocka_unit_test(ten_holds_three_pages),
        cmocka_unit_test(no_hold_one_page),
        cmocka_unit_test(sides_named_as_in_the_live_view),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
