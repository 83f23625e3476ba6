/* Text mats: what was seen on a line of the wrong length, frames lost, and a time column. */
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include "sm_textfmt.h"

static sm_text_parser_t p;
static sm_frame_t f;

static int feed(const char *s)
{
    int frames = 0;
    size_t n = strlen(s), off = 0;
    while (off < n) {
        int got;
        off += sm_text_parser_feed(&p, (const uint8_t *)s + off, n - off, &f, &got);
        frames += got;
    }
    return frames;
}

static void test_wrong_length_is_named(void **state)
{
    (void)state;
    assert_int_equal(sm_text_parser_init(&p, 2, 4), SM_OK);
    /* rows of 3 numbers where --cols is 4 */
    assert_int_equal(feed("1 2 3\n4 5 6\n"), 0);
    assert_int_equal(p.c.last_wrong_count, 3);
    assert_int_equal(p.c.bad_lines, 2);
    /* A good frame, then a row-per-line frame cut short: one frame lost. */
    assert_int_equal(feed("1 2 3 4\n5 6 7 8\n"), 1);
    unsigned long lost = p.c.frames_lost;
    assert_int_equal(feed("1 2 3 4\n\n"), 0);
    assert_int_equal(p.c.frames_lost, lost + 1);
}

static void test_whole_frame_lines_lost(void **state)
{
    (void)state;
    assert_int_equal(sm_text_parser_init(&p, 2, 2), SM_OK);
    assert_int_equal(feed("1 2 3 4\n1 2 x 4\n1 2 3 4 5\n1 2 3 4\n"), 2);
    assert_int_equal(p.c.frames_lost, 2);
    assert_int_equal(p.c.last_wrong_count, 5);
}

static void test_time_column(void **state)
{
    (void)state;
    assert_int_equal(sm_text_parser_init(&p, 1, 3), SM_OK);
    sm_text_parser_set_time(&p, 1e3); /* ms */
    assert_int_equal(feed("1000.5, 1, 2, 3\n"), 1);
    assert_int_equal(f.t_us, 1000500);
    assert_int_equal(f.cells[0], 1);
    assert_int_equal(f.cells[2], 3);
    assert_int_equal(feed("1020 4 5 6\n"), 1);
    assert_int_equal(f.t_us, 1020000);
    /* Without its time, or with one value short, a line is rejected. */
    assert_int_equal(feed("x 1 2 3\n1040 1 2\n"), 0);
    assert_int_equal(p.c.bad_lines, 2);
    assert_non_null(strstr(p.c.last_error, "2 values after the time, expected 3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_length_is_named),
        cmocka_unit_test(test_whole_frame_lines_lost),
        cmocka_unit_test(test_time_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
