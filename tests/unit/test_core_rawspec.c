/* --format raw:SPEC and the m1616 preset: what a maker types, and the message for a mistake. */
#include <string.h>

#include "testsupport.h"

#include "sm_rawspec.h"

static void test_m1616_preset(void **state)
{
    (void)state;
    sm_raw_spec_t s;
    char err[160] = "";
    assert_int_equal(sm_rawspec_parse("m1616", 0, 0, &s, err, sizeof err), SM_OK);
    assert_int_equal(s.rows, 16);
    assert_int_equal(s.cols, 16);
    assert_int_equal(s.header_len, 3);
    assert_memory_equal(s.header, "\xAA\xAB\xAC", 3);
    assert_int_equal(s.sample, SM_RAW_U16BE);
    assert_int_equal(s.poll, -1);
    assert_int_equal(sm_raw_payload_bytes(&s), 512);
    char d[96];
    sm_rawspec_describe(&s, "m1616", d, sizeof d);
    assert_non_null(strstr(d, "M1616"));
    assert_non_null(strstr(d, "AA AB AC"));
    assert_non_null(strstr(d, "no checksum"));
    /* --rows/--cols override the preset's size */
    assert_int_equal(sm_rawspec_parse("m1616", 32, 32, &s, err, sizeof err), SM_OK);
    assert_int_equal(s.rows, 32);
}

static void test_diy_mats(void **state)
{
    (void)state;
    sm_raw_spec_t s;
    char err[160] = "";
    assert_int_equal(
        sm_rawspec_parse("raw:trailer=FFFEFEFF,sample=u8", 56, 28, &s, err, sizeof err), SM_OK);
    assert_int_equal(s.trailer_len, 4);
    assert_memory_equal(s.trailer, "\xFF\xFE\xFE\xFF", 4);
    assert_int_equal(s.sample, SM_RAW_U8);
    assert_int_equal(sm_raw_payload_bytes(&s) + s.trailer_len, 56 * 28 + 4);
    assert_int_equal(
        sm_rawspec_parse("raw:poll=06,sample=u16be,order=cols", 56, 19, &s, err, sizeof err),
        SM_OK);
    assert_int_equal(s.poll, 6);
    assert_int_equal(s.col_order, 1);
    assert_int_equal(
        sm_rawspec_parse("raw:header=AA:55,sample=u12le,max=4000", 8, 8, &s, err, sizeof err),
        SM_OK);
    assert_int_equal(s.header_len, 2);
    assert_int_equal(sm_raw_full_scale(&s), 4000);
}

static void test_mistakes_are_named(void **state)
{
    (void)state;
    static const struct {
        const char *fmt;
        int rows, cols;
        const char *says;
    } cases[] = {
        {"raw:sample=u16be", 16, 16, "nothing marks a frame"},
        {"raw:header=AAB", 16, 16, "header takes 1 to 8 bytes"},
        {"raw:header=001122334455667788", 16, 16, "header takes 1 to 8 bytes"},
        {"raw:sample=s16", 16, 16, "sample is u8, u16be, u16le or u12le"},
        {"raw:order=diag,poll=06", 16, 16, "order is rows or cols"},
        {"raw:poll=0607", 16, 16, "poll takes one byte"},
        {"raw:poll=06,speed=3", 16, 16, "unknown key"},
        {"raw:poll", 16, 16, "expected key=value"},
        {"raw:poll=06", 0, 16, "needs --rows R --cols C"},
        {"raw:poll=06", 16, 65, "outside 1..64"},
        {"raw:poll=06,sample=u8,max=300", 16, 16, "above what u8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_raw_spec_t s;
        char err[160] = "";
        assert_int_equal(sm_rawspec_parse(cases[i].fmt, (uint16_t)cases[i].rows,
                                          (uint16_t)cases[i].cols, &s, err, sizeof err),
                         SM_ERR_ARG);
        if (!strstr(err, cases[i].says))
            fail_msg("%s: '%s' does not say '%s'", cases[i].fmt, err, cases[i].says);
    }
    assert_true(sm_rawspec_is_raw("m1616"));
    assert_true(sm_rawspec_is_raw("raw:poll=06"));
    assert_false(sm_rawspec_is_raw("text"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_m1616_preset),
        cmocka_unit_test(test_diy_mats),
        cmocka_unit_test(test_mistakes_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
