/* The settings file: what is read, what a broken file says, and that it round-trips privately. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testsupport.h"

#include "sm_config.h"

static void test_parse_a_full_file(void **state)
{
    (void)state;
    const char *t =
        "{ \"format\": \"steadymat-config\", \"version\": 1, \"port\": \"/dev/ttyUSB0\","
        " \"baud\": 115200, \"mat_format\": \"m1616\", \"rows\": 16, \"cols\": 16,"
        " \"volume\": 35, \"mute\": true, \"voice\": true, \"protocol\": \"hook\","
        " \"patient\": \"A. N. Other\" }";
    sm_config_t c;
    char err[256] = "";
    assert_int_equal(sm_config_parse(t, strlen(t), &c, err, sizeof err), SM_OK);
    assert_string_equal(c.port, "/dev/ttyUSB0");
    assert_int_equal(c.baud, 115200);
    assert_string_equal(c.mat_format, "m1616");
    assert_int_equal(c.rows, 16);
    assert_int_equal(c.volume, 35);
    assert_int_equal(c.mute, 1);
    assert_int_equal(c.voice, 1);
    assert_string_equal(c.protocol, "hook");
    assert_string_equal(c.patient, "A. N. Other");
    /* Everything is optional. */
    const char *min = "{\"format\": \"steadymat-config\", \"version\": 1}";
    assert_int_equal(sm_config_parse(min, strlen(min), &c, err, sizeof err), SM_OK);
    assert_int_equal(c.volume, -1);
    assert_int_equal(c.mute, -1);
    assert_int_equal(c.port[0], 0);
}

static void test_broken_files_say_what_is_wrong(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"{\"format\": \"steadymat-config\", \"version\": 1, \"baud\": \"fast\"}", "baud must be"},
        {"{\"format\": \"steadymat-config\", \"version\": 1, \"volume\": 150}", "volume must be"},
        {"{\"format\": \"steadymat-config\", \"version\": 1, \"mute\": 1}", "mute must be"},
        {"{\"format\": \"steadymat-config\", \"version\": 1, \"rows\": 65}", "rows must be"},
        {"{\"format\": \"steadymat-config\", \"version\": 9}", "update SteadyMat"},
        {"{\"format\": \"steadymat-config\", \"version\": 1, \"port\": \"/dev/tty", "truncated"},
        {"port=/dev/ttyUSB0\n", "config"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_config_t c;
        char err[256] = "";
        assert_int_equal(sm_config_parse(cases[i].text, strlen(cases[i].text), &c, err, sizeof err),
                         SM_ERR_FORMAT);
        if (!strstr(err, cases[i].says))
            fail_msg("'%s': '%s' does not say '%s'", cases[i].text, err, cases[i].says);
        assert_null(strchr(err, '\n'));
        assert_int_equal(c.baud, 0); /* the defaults, nothing half-read */
        assert_int_equal(c.volume, -1);
    }
}

static void test_save_and_load_privately(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    setenv("XDG_CONFIG_HOME", ts_path(dir, "cfg"), 1);
    sm_config_t c, back;
    sm_config_clear(&c);
    snprintf(c.port, sizeof c.port, "/dev/ttyACM0");
    c.baud = 9600;
    snprintf(c.mat_format, sizeof c.mat_format, "raw:trailer=FFFEFEFF");
    c.rows = 56;
    c.cols = 28;
    c.volume = 0;
    c.mute = 0;
    c.voice = 1;
    char err[4400] = "";
    assert_int_equal(sm_config_save(&c, err, sizeof err), SM_OK);
    struct stat st;
    assert_int_equal(stat(ts_path(dir, "cfg/steadymat/config"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sm_config_load(&back, err, sizeof err), SM_OK);
    assert_string_equal(back.port, "/dev/ttyACM0");
    assert_int_equal(back.baud, 9600);
    assert_string_equal(back.mat_format, "raw:trailer=FFFEFEFF");
    assert_int_equal(back.cols, 28);
    assert_int_equal(back.volume, 0);
    assert_int_equal(back.mute, 0);
    assert_int_equal(back.voice, 1);
    assert_int_equal(back.protocol[0], 0);
    /* A broken file: one line naming it, and the defaults. */
    assert_int_equal(ts_write_file(ts_path(dir, "cfg/steadymat/config"), "{ nope", 6), 0);
    assert_int_equal(sm_config_load(&back, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "cfg/steadymat/config"));
    assert_int_equal(back.baud, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_a_full_file),
        cmocka_unit_test(test_broken_files_say_what_is_wrong),
        cmocka_unit_test(test_save_and_load_privately),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
