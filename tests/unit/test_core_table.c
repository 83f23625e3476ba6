/* The numeric table parser on real force-plate exports and on the CSV variants users bring. */
#include "testsupport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_table.h"

static sm_table_t parse_ok(const char *text)
{
    sm_table_t t;
    char err[128];
    sm_status st = sm_table_parse(text, strlen(text), &t, err, sizeof err);
    if (st != SM_OK)
        fail_msg("parse failed: %s", err);
    return t;
}

static void bds_file(const char *name, size_t rows_expected)
{
    size_t n = 0;
    char *text = ts_read_file(ts_data(name), &n);
    assert_non_null(text);
    sm_table_t t;
    char err[128];
    assert_int_equal(sm_table_parse(text, n, &t, err, sizeof err), SM_OK);
    assert_int_equal(t.ncols, 9);
    assert_int_equal(t.nrows, rows_expected);
    assert_int_equal(t.sep, '\t');
    assert_true(t.has_header);
    assert_string_equal(t.names[0], "Time[s]");
    assert_string_equal(t.names[8], "COPy[cm]");
    const double *time = sm_table_col(&t, 0);
    assert_non_null(time);
    /* 100 Hz, starting at 10 ms */
    assert_true(fabs(time[0] - 0.010) < 1e-12);
    assert_true(fabs(time[t.nrows - 1] - 0.01 * (double)t.nrows) < 1e-9);
    /* Fz is a standing person's weight: 400-1000 N throughout. */
    const double *fz = sm_table_col(&t, (size_t)sm_table_column(&t, "Fz"));
    for (size_t i = 0; i < t.nrows; i++)
        assert_true(fz[i] > 400 && fz[i] < 1000);
    /* Quiet standing: the CoP stays within a few cm of its mean. */
    const double *cx = sm_table_col(&t, (size_t)sm_table_column(&t, "COPx"));
    double mean = 0;
    for (size_t i = 0; i < t.nrows; i++)
        mean += cx[i];
    mean /= (double)t.nrows;
    for (size_t i = 0; i < t.nrows; i++)
        assert_true(fabs(cx[i] - mean) < 5.0);
    sm_table_free(&t);
    free(text);
}

static void test_bds_files(void **state)
{
    (void)state;
    bds_file("bds-cop/BDS00001.txt", 6000);
    bds_file("bds-cop/BDS00004.txt", 6000);
    bds_file("bds-cop/BDS00007.txt", 6000);
    bds_file("bds-cop/BDS00010.txt", 6000);
}

static void test_bds_values(void **state)
{
    (void)state;
    size_t n = 0;
    char *text = ts_read_file(ts_data("bds-cop/BDS00001.txt"), &n);
    assert_non_null(text);
    sm_table_t t;
    assert_int_equal(sm_table_parse(text, n, &t, NULL, 0), SM_OK);
    /* first data line: 0.010 -1.633567 -3.739135 539.066061 5.383505 43.064851 -0.570876
     * -7.988789 0.998673 */
    assert_true(sm_table_col(&t, 3)[0] == 539.066061);
    assert_true(sm_table_col(&t, 7)[0] == -7.988789);
    assert_true(sm_table_col(&t, 8)[0] == 0.998673);
    assert_true(sm_table_col(&t, 1)[1] == -1.631645);
    sm_table_free(&t);
    free(text);
}

static void test_column_lookup(void **state)
{
    (void)state;
    sm_table_t t = parse_ok("Time[s]\tFx[N]\tCOPx[cm]\tCOPy [cm]\tTime (s)\n1\t2\t3\t4\t5\n");
    static const struct {
        const char *q;
        int want;
    } cases[] = {
        {"COPx[cm]", 2},
        {"copx[cm]", 2},
        {"COPx", 2},
        {"copx", 2},
        {"COPy", 3},
        {"copy[cm]", 3},
        {"COPy [cm]", 3},
        {" COPx ", 2},
        {"Time", 0},
        {"time (s)", 4},
        {"1", 0},
        {"5", 4},
        {"6", -1},
        {"0", -1},
        {"", -1},
        {"Fz", -1},
        {"99999999999999999999", -1},
        {"[cm]", -1},
        {"COP", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sm_table_column(&t, cases[i].q);
        if (got != cases[i].want)
            fail_msg("column '%s': got %d, want %d", cases[i].q, got, cases[i].want);
    }
    assert_int_equal(sm_table_column(NULL, "1"), -1);
    assert_int_equal(sm_table_column(&t, NULL), -1);
    assert_null(sm_table_col(&t, 5));
    sm_table_free(&t);
}

/* Variants a user's CSV comes in: all must give a=[1.5, -2], b=[3, 4e3]. */
static void test_variants(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "a,b\n1.5,3\n-2,4e3\n",
        "a,b\r\n1.5,3\r\n-2,4e3\r\n",
        "a,b\r1.5,3\r-2,4e3",
        ("\xEF\xBB\xBF"
         "a,b\n1.5,3\n-2,4e3\n"),
        "\n\n  \na,b\n\n1.5,3\n\r\n-2,4e3\n\n\n",
        "a;b\n1,5;3\n-2;4e3\n",
        "a;b;\n1.5;3;\n-2;4000;;\n",
        "a\tb\t\n1.5\t3\t\n-2\t4E+3\t\n",
        "\"a\",\"b\"\n\"1.5\",\"3\"\n-2,\" 4000 \"\n",
        "  a ,  b  \n 1.5 , 3 \n -2 ,4000\n",
        "a b\n1.5   3\n  -2 \t 4000  \n",
        "a,b\n+1.50,3.\n-2.0,.4e4",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        sm_table_t t;
        char err[128] = "";
        sm_status st = sm_table_parse(texts[i], strlen(texts[i]), &t, err, sizeof err);
        if (st != SM_OK)
            fail_msg("variant %zu: %s", i, err);
        if (t.ncols != 2 || t.nrows != 2)
            fail_msg("variant %zu: %zu x %zu", i, t.nrows, t.ncols);
        assert_string_equal(t.names[0], "a");
        assert_string_equal(t.names[1], "b");
        const double *a = sm_table_col(&t, 0), *b = sm_table_col(&t, 1);
        if (a[0] != 1.5 || a[1] != -2 || b[0] != 3 || b[1] != 4000)
            fail_msg("variant %zu: %g %g %g %g", i, a[0], a[1], b[0], b[1]);
        sm_table_free(&t);
    }
}

static void test_quotes_in_names(void **state)
{
    (void)state;
    sm_table_t t = parse_ok("\"Force, left [N]\",\"say \"\"hi\"\"\"\n1,2\n");
    assert_int_equal(t.ncols, 2);
    assert_string_equal(t.names[0], "Force, left [N]");
    assert_string_equal(t.names[1], "say \"hi\"");
    assert_int_equal(sm_table_column(&t, "force, left"), 0);
    sm_table_free(&t);
}

static void test_headerless(void **state)
{
    (void)state;
    sm_table_t t = parse_ok("1\t2\t3\t\n4\t5\t6\t\n");
    assert_false(t.has_header);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(t.ncols, 3);
    assert_string_equal(t.names[2], "");
    assert_int_equal(sm_table_column(&t, "3"), 2);
    assert_true(sm_table_col(&t, 2)[1] == 6);
    sm_table_free(&t);
}

static void test_header_only(void **state)
{
    (void)state;
    sm_table_t t = parse_ok("x,y\n\n");
    assert_int_equal(t.nrows, 0);
    assert_int_equal(t.ncols, 2);
    assert_null(sm_table_col(&t, 0));
    sm_table_free(&t);
}

static void test_exact_numbers(void **state)
{
    (void)state;
    sm_table_t t = parse_ok("v\n0.1\n123456789012345678901234567890\n1e-310\n-0.000001234\n"
                            "3.141592653589793238462643383279\n1e22\n1e23\n0.3\n");
    const double *v = sm_table_col(&t, 0);
    assert_true(v[0] == 0.1);
    assert_true(v[1] == 123456789012345678901234567890.0);
    assert_true(v[2] == 1e-310);
    assert_true(v[3] == -0.000001234);
    assert_true(v[4] == 3.141592653589793);
    assert_true(v[5] == 1e22);
    assert_true(v[6] == 1e23);
    assert_true(v[7] == 0.3);
    sm_table_free(&t);
}

/* The subject table of the PmatData set is UTF-16LE with a byte-order mark. */
static void test_utf16_file(void **state)
{
    (void)state;
    size_t n = 0;
    char *text = ts_read_file(ts_data("pmatdata/subject-info-i.csv"), &n);
    assert_non_null(text);
    sm_table_t t;
    char err[128];
    assert_int_equal(sm_table_parse(text, n, &t, err, sizeof err), SM_OK);
    assert_int_equal(t.ncols, 4);
    assert_int_equal(t.nrows, 13);
    assert_string_equal(t.names[0], "Subject-Number");
    int w = sm_table_column(&t, "weight");
    assert_int_equal(w, 3);
    assert_true(sm_table_col(&t, 0)[0] == 1);
    assert_true(sm_table_col(&t, (size_t)w)[0] == 87);
    assert_true(sm_table_col(&t, 2)[12] == 174);
    sm_table_free(&t);
    free(text);

    /* big-endian too */
    const char be[] = "\xFE\xFF\0x\0\n\0"
                      "4\0\n";
    assert_int_equal(sm_table_parse(be, sizeof be - 1, &t, err, sizeof err), SM_OK);
    assert_int_equal(t.nrows, 1);
    assert_string_equal(t.names[0], "x");
    assert_true(sm_table_col(&t, 0)[0] == 4);
    sm_table_free(&t);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        sm_status st;
        const char *msg; /* must appear in err */
    } cases[] = {
        {"", SM_ERR_FORMAT, "empty"},
        {"\n\r\n  \n", SM_ERR_FORMAT, "empty"},
        {"a,b\n1,2\n3,x\n", SM_ERR_FORMAT, "line 3, column 2: 'x' is not a number"},
        {"\n\na,b\n1,2\n\n3,4,5\n", SM_ERR_FORMAT, "line 6: 3 fields, expected 2"},
        {"a,b\r\n1,2\r\n3\r\n", SM_ERR_FORMAT, "line 3: 1 field, expected 2"},
        {"a,b\n1,,2\n", SM_ERR_FORMAT, "line 2, column 2: empty field"},
        {"a;b\n1;nan\n", SM_ERR_FORMAT, "'nan' is not a number"},
        {"a;b\n1;inf\n", SM_ERR_FORMAT, "'inf' is not a number"},
        {"a,b\n1,0x10\n", SM_ERR_FORMAT, "'0x10'"},
        {"a,b\n1,1e999\n", SM_ERR_FORMAT, "'1e999'"},
        {"a,b\n1,1,5\n", SM_ERR_FORMAT, "3 fields"},
        {"a,b\n1,2e\n", SM_ERR_FORMAT, "'2e'"},
        {"a,b\n1,--2\n", SM_ERR_FORMAT, "'--2'"},
        {"a,b\n1,.\n", SM_ERR_FORMAT, "'.'"},
        {"a,b\n1,1.2.3\n", SM_ERR_FORMAT, "'1.2.3'"},
        {",,,\n1\n", SM_ERR_FORMAT, "no column names"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_table_t t;
        char err[128] = "";
        sm_status st = sm_table_parse(cases[i].text, strlen(cases[i].text), &t, err, sizeof err);
        if (st != cases[i].st || !strstr(err, cases[i].msg))
            fail_msg("case %zu: status %d, err '%s', want '%s'", i, st, err, cases[i].msg);
        assert_int_equal(t.ncols, 0);
        assert_null(t.values);
        sm_table_free(&t);
    }
    /* NUL bytes are data, not the end of the text */
    const char nul[] = "a\n1\n2\0003\n";
    sm_table_t t;
    char err[128];
    assert_int_equal(sm_table_parse(nul, sizeof nul - 1, &t, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "line 3, column 1: '2?3'"));
    assert_int_equal(sm_table_parse(NULL, 0, &t, err, sizeof err), SM_ERR_ARG);
    assert_int_equal(sm_table_parse("a", 1, NULL, err, sizeof err), SM_ERR_ARG);
    /* a tiny err buffer is still NUL-terminated */
    char small[8];
    assert_int_equal(sm_table_parse("a\nx\n", 4, &t, small, sizeof small), SM_ERR_FORMAT);
    assert_int_equal(strlen(small), 7);
    sm_table_free(NULL);
}

/* Truncations and bit flips of a real file: never a crash, and an OK result is consistent. */
static void test_hostile(void **state)
{
    (void)state;
    size_t n = 0;
    char *text = ts_read_file(ts_data("bds-cop/BDS00007.txt"), &n);
    assert_non_null(text);
    if (n > 3000)
        n = 3000;
    char *buf = malloc(n);
    assert_non_null(buf);
    uint64_t rng = 42;
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = (size_t)(ts_rand(&rng) % (n + 1));
        memcpy(buf, text, len);
        int flips = (int)(ts_rand(&rng) % 4);
        for (int k = 0; k < flips && len; k++)
            buf[ts_rand(&rng) % len] ^= (char)(1u << (ts_rand(&rng) % 8));
        sm_table_t t;
        char err[96];
        sm_status st = sm_table_parse(buf, len, &t, err, sizeof err);
        if (st == SM_OK) {
            for (size_t c = 0; c < t.ncols; c++) {
                const double *col = sm_table_col(&t, c);
                for (size_t r = 0; r < t.nrows; r++)
                    assert_true(isfinite(col[r]));
            }
        } else {
            assert_true(st == SM_ERR_FORMAT);
            assert_true(strlen(err) > 0);
        }
        sm_table_free(&t);
    }
    free(buf);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bds_files),       cmocka_unit_test(test_bds_values),
        cmocka_unit_test(test_column_lookup),   cmocka_unit_test(test_variants),
        cmocka_unit_test(test_quotes_in_names), cmocka_unit_test(test_headerless),
        cmocka_unit_test(test_header_only),     cmocka_unit_test(test_exact_numbers),
        cmocka_unit_test(test_utf16_file),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
