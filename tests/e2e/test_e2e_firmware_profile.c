/* The reference mat (the real firmware under simavr, 32x24) with no calibration of its own reads
 * through the reference calibration profile, and says so: "reference profile, not calibrated
 * for this mat". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "testsupport.h"

static void test_reference_mat_uses_the_reference_profile(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *link = ts_path(dir, "mat");
    char elf[512];
    snprintf(elf, sizeof elf, "%s/steadymat-fw.elf", SM_FW_DIR);
    const char *argv[] = {SM_AVRSIM_BIN,
                          "--elf",
                          elf,
                          "--pty",
                          link,
                          "--rows",
                          "32",
                          "--cols",
                          "24",
                          "--ball",
                          "12.5,9.5",
                          "--eeprom",
                          ts_path(dir, "eeprom.bin"),
                          NULL};
    const char *log = ts_path(dir, "avrsim.log");
    pid_t pid = ts_spawn(argv, log, log); /* the teardown kills it if an assertion fails */
    assert_true(pid > 0);
    assert_int_equal(ts_wait_path(link, 30), 0);
    const char *live[] = {"steadymat",  "live", "--port", link, "--headless",
                          "--duration", "3",    "--json", NULL};
    int rc = 0;
    char *err = NULL;
    json_object *j = ts_run_json(live, 90, &rc, &err);
    ts_kill(pid, SIGTERM);
    assert_non_null(j);
    assert_int_equal(rc, 0);
    print_message("stderr: %s", err ? err : "");
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(j, "calibrated", &v));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(j, "calibration_note", &v));
    assert_string_equal(json_object_get_string(v),
                        "reference profile, not calibrated for this mat");
    assert_true(json_object_object_get_ex(j, "units", &v));
    assert_string_equal(json_object_get_string(v), "kPa");
    assert_non_null(strstr(err, "reference-mat-32x24.json (reference profile"));
    json_object_put(j);
    free(err);
}

/* Runs also after a failed assertion: the simulated chip never outlives the test. */
static int stop_avrsim(void **state)
{
    (void)state;
    ts_kill_all(SIGTERM);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_reference_mat_uses_the_reference_profile, stop_avrsim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
