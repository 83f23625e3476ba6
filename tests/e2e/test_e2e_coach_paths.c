/* One movement analysis for live, replay and analyze (issue 11): a session recorded from the
 * simulator, replayed, and analysed after the fact gives the same events, holds and cues - the
 * same samples through the same core code, whichever command runs it. */
#include "testsupport.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

static json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(o, k, &v));
    return v;
}

static double num(json_object *o, const char *k)
{
    return json_object_get_double(member(o, k));
}

static const char *str(json_object *o, const char *k)
{
    return json_object_get_string(member(o, k));
}

/* Arrays of objects equal in length, and per element in the string keys and (after adding
 * shift to the time keys) the numeric keys within float rounding. */
static void same(json_object *a, json_object *b, const char *what, const char *const *strs,
                 const char *const *nums, const char *const *times, double shift)
{
    size_t n = json_object_array_length(a);
    if (json_object_array_length(b) != n)
        fail_msg("%s: %zu against %zu", what, n, json_object_array_length(b));
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(a, i), *y = json_object_array_get_idx(b, i);
        for (const char *const *k = strs; *k; k++)
            if (strcmp(str(x, *k), str(y, *k)))
                fail_msg("%s %zu: %s %s against %s", what, i, *k, str(x, *k), str(y, *k));
        for (const char *const *k = nums; *k; k++)
            if (fabs(num(x, *k) - num(y, *k)) > 1e-6 * (1 + fabs(num(x, *k))))
                fail_msg("%s %zu: %s %.9g against %.9g", what, i, *k, num(x, *k), num(y, *k));
        for (const char *const *k = times; *k; k++)
            if (fabs(num(x, *k) - (num(y, *k) + shift)) > 1e-6 * (1 + fabs(num(x, *k))))
                fail_msg("%s %zu: %s %.9g against %.9g", what, i, *k, num(x, *k),
                         num(y, *k) + shift);
    }
}

static void live_replay_and_analyze_agree(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *rec = ts_path(dir, "paths.smsession");
    /* wiggles, breathing and sway: every part of the movement analysis has work to do */
    const char *a1[] = {"steadymat", "live",       "--sim",      "ball-wiggle", "--speed",
                        "10",        "--headless", "--duration", "80",          "--json",
                        "--record",  rec,          NULL};
    int rc;
    json_object *live = ts_run_json(a1, 240, &rc, NULL);
    assert_non_null(live);
    assert_int_equal(rc, 0);
    const char *a2[] = {"steadymat", "replay", rec, "--speed", "10", "--headless", "--json", NULL};
    json_object *rep = ts_run_json(a2, 240, &rc, NULL);
    assert_non_null(rep);
    assert_int_equal(rc, 0);
    const char *a3[] = {"steadymat", "analyze", rec, "--json", NULL};
    json_object *an = ts_run_json(a3, 240, &rc, NULL);
    assert_non_null(an);
    assert_int_equal(rc, 0);

    /* the session did have something to agree on */
    json_object *ev = member(live, "events");
    int wiggles = 0;
    for (size_t i = 0; i < json_object_array_length(ev); i++)
        wiggles += !strcmp(str(json_object_array_get_idx(ev, i), "kind"), "wiggle");
    assert_true(wiggles >= 2);
    assert_true(json_object_array_length(member(live, "holds")) >= 1);

    static const char *const ev_s[] = {"kind", NULL}, *const ev_n[] = {"size_mm", NULL},
                             *const ev_t[] = {"start_s", "end_s", NULL};
    static const char *const h_s[] = {"side", NULL},
                             *const h_n[] = {"steady_s", "wiggles", "release_met", NULL},
                             *const h_t[] = {"start_s", NULL};
    static const char *const c_s[] = {"kind", NULL}, *const c_n[] = {"intensity", NULL},
                             *const c_t[] = {"t_s", NULL};
    same(member(live, "events"), member(rep, "events"), "replay events", ev_s, ev_n, ev_t, 0);
    same(member(live, "holds"), member(rep, "holds"), "replay holds", h_s, h_n, h_t, 0);
    same(member(live, "cues"), member(rep, "cues"), "replay cues", c_s, c_n, c_t, 0);
    /* analyze counts time from the first frame and gives that frame's session time */
    double shift = num(an, "first_frame_s");
    same(member(live, "events"), member(an, "events"), "analyze events", ev_s, ev_n, ev_t, shift);
    same(member(live, "holds"), member(an, "holds"), "analyze holds", h_s, h_n, h_t, shift);
    same(member(live, "cues"), member(an, "cues"), "analyze cues", c_s, c_n, c_t, 0);
    json_object_put(live);
    json_object_put(rep);
    json_object_put(an);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(live_replay_and_analyze_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
