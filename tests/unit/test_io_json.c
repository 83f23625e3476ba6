/* JSON that SteadyMat prints or writes is valid RFC 8259 whatever the numbers and bytes behind
 * it: non-finite numbers become null, bytes that are not UTF-8 become U+FFFD. */
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sm_json_doc.h"
#include "testsupport.h"

static void non_finite_numbers_become_null(void **state)
{
    (void)state;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "total_power", json_object_new_double(NAN));
    json_object_object_add(o, "ok", json_object_new_double(1.5));
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_double(INFINITY));
    json_object_array_add(a, json_object_new_double(-2));
    json_object *inner = json_object_new_object();
    json_object_object_add(inner, "x", json_object_new_double(-INFINITY));
    json_object_array_add(a, inner);
    json_object_object_add(o, "list", a);
    size_t nf = 99, bu = 99;
    const char *text = sm_json_clean_text(o, JSON_C_TO_STRING_PLAIN, &nf, &bu);
    assert_int_equal(nf, 3);
    assert_int_equal(bu, 0);
    assert_null(strstr(text, "NaN"));
    assert_null(strstr(text, "nfinity"));
    json_object *back = json_tokener_parse(text);
    assert_non_null(back);
    json_object *v;
    assert_true(json_object_object_get_ex(back, "total_power", &v) && v == NULL);
    assert_true(json_object_object_get_ex(back, "ok", &v) && json_object_get_double(v) == 1.5);
    json_object *l = json_object_object_get(back, "list");
    assert_null(json_object_array_get_idx(l, 0));
    assert_true(json_object_get_double(json_object_array_get_idx(l, 1)) == -2);
    assert_true(json_object_object_get_ex(json_object_array_get_idx(l, 2), "x", &v) && !v);
    json_object_put(back);
    json_object_put(o);
}

static void invalid_utf8_is_replaced_and_counted(void **state)
{
    (void)state;
    /* valid: e-acute (2 bytes), euro (3), U+1F600 (4); invalid: a lone 0xFF, an overlong NUL
     * (C0 80), a surrogate (ED A0 80), a cut-short euro (E2 82) at the end */
    const char in[] =
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 | \xff | \xc0\x80 | \xed\xa0\x80 | \xe2\x82";
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string_len(in, (int)sizeof in - 1));
    size_t nf, bu;
    const char *text = sm_json_clean_text(o, JSON_C_TO_STRING_PLAIN, &nf, &bu);
    assert_int_equal(nf, 0);
    assert_int_equal(bu, 1 + 2 + 3 + 2);
    json_object *back = json_tokener_parse(text);
    assert_non_null(back);
    const char *s = json_object_get_string(json_object_object_get(back, "name"));
    assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 | \xef\xbf\xbd | "
                           "\xef\xbf\xbd\xef\xbf\xbd | \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd | "
                           "\xef\xbf\xbd\xef\xbf\xbd");
    json_object_put(back);
    json_object_put(o);
}

/* A second, independent check: random bytes in, output accepted by json-c's strict parser and
 * every string in it valid UTF-8 by a plain decoder written here. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        unsigned long cp = k == 1 ? c : k == 2 ? (c & 0x1F) : k == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k;
    }
    return 1;
}

static void random_bytes_give_valid_json(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int t = 0; t < 2000; t++) {
        unsigned char b[24];
        size_t n = (size_t)(ts_rand(&seed) % sizeof b);
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)(ts_rand(&seed) % 255 + 1); /* no NUL */
        json_object *o = json_object_new_object();
        json_object_object_add(o, "s", json_object_new_string_len((const char *)b, (int)n));
        const char *text = sm_json_clean_text(o, JSON_C_TO_STRING_PLAIN, NULL, NULL);
        json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *back = json_tokener_parse_ex(tok, text, (int)strlen(text));
        assert_non_null(back);
        const char *s = json_object_get_string(json_object_object_get(back, "s"));
        assert_true(valid_utf8((const unsigned char *)s, strlen(s)));
        if (valid_utf8(b, n)) /* valid input passes unchanged */
            assert_memory_equal(s, b, n);
        json_object_put(back);
        json_tokener_free(tok);
        json_object_put(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(non_finite_numbers_become_null),
        cmocka_unit_test(invalid_utf8_is_replaced_and_counted),
        cmocka_unit_test(random_bytes_give_valid_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
