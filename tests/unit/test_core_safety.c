/* The README's safety box says exactly what the program says (sm_safety.h), line by line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsupport.h"

#include "sm_safety.h"

static void test_readme_box_matches_the_program(void **state)
{
    (void)state;
    char *readme = ts_read_file(SM_TEST_DATA "/../../README.md", NULL);
    assert_non_null(readme);
    const char *box = strstr(readme, "> **" SM_SAFETY_TITLE "**");
    assert_non_null(box);
    /* Near the top: before the first command a newcomer would type. */
    const char *first_cmd = strstr(readme, "## The two commands");
    assert_non_null(first_cmd);
    assert_true(box < first_cmd);
    const char *at = box;
    size_t n = 0;
    for (; sm_safety_line(n); n++) {
        char want[512];
        snprintf(want, sizeof want, "> - %s\n", sm_safety_line(n));
        const char *hit = strstr(at, want);
        if (!hit || hit > first_cmd)
            fail_msg("README safety box lacks (in order): %s", want);
        at = hit + strlen(want);
    }
    assert_true(n >= 4);
    /* What the issue asks the words to cover. */
    const char *must[] = {"numbness", "tingling", "pulse", "hip fold", "clinician", "30-90 s"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        int found = 0;
        for (size_t k = 0; sm_safety_line(k); k++)
            found |= strstr(sm_safety_line(k), must[i]) != NULL;
        if (!found)
            fail_msg("the safety words do not mention '%s'", must[i]);
    }
    free(readme);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_readme_box_matches_the_program)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
