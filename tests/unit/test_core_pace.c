/* Render pacing (sm_pace.h): a frame is drawn the moment it arrives whenever the cap allows, the
 * cap holds on average, a frame the cap made wait is still drawn when no newer one comes, and
 * a change that is not a frame (a key) is drawn within one picture's time. */
#include "testsupport.h"

#include <string.h>

#include "sm_pace.h"

#define MAXP 4096

typedef struct {
    int drawn;             /* pictures */
    int frames_drawn;      /* of them showing a frame drawn in the turn it arrived */
    uint64_t at[MAXP];     /* when each picture was drawn (us) */
    uint64_t shown[MAXP];  /* arrival of the frame it shows */
    uint64_t last_arrival; /* of the newest frame */
} run_t;

/* The main loop's shape: frames arrive every period_us (jitter-free) until stop_us; between
 * them the loop sleeps as sm_pace_turn says (or until the next frame). */
static void simulate(double cap, uint64_t period_us, uint64_t stop_us, uint64_t end_us, run_t *r)
{
    memset(r, 0, sizeof *r);
    sm_pace_t p;
    sm_pace_init(&p, cap, 0);
    uint64_t t = 0, next = period_us;
    int dirty = 0;
    while (t < end_us) {
        int fresh = 0;
        if (next <= stop_us && t >= next) {
            fresh = 1;
            dirty = 1;
            r->last_arrival = next;
            next += period_us;
        }
        int64_t wait = -1;
        if (sm_pace_turn(&p, t, fresh, dirty, &wait)) {
            assert_true(r->drawn < MAXP);
            r->at[r->drawn] = t;
            r->shown[r->drawn] = r->last_arrival;
            r->frames_drawn += fresh;
            r->drawn++;
            dirty = 0;
            wait = -1;
        }
        uint64_t wake = wait >= 0 ? t + (uint64_t)(wait > 0 ? wait : 1) : end_us;
        if (next <= stop_us && next < wake)
            wake = next;
        t = wake;
    }
}

static int drawn_between(const run_t *r, uint64_t a, uint64_t b)
{
    int n = 0;
    for (int i = 0; i < r->drawn; i++)
        n += r->at[i] >= a && r->at[i] < b;
    return n;
}

/* A 100 Hz mat, 60 fps cap: 60 pictures a second, each drawn as its frame arrives. */
static void test_fast_mat_drawn_at_arrival(void **state)
{
    (void)state;
    run_t r;
    simulate(60, 10000, 10000000, 10500000, &r);
    for (int s = 1; s < 10; s++) {
        int n = drawn_between(&r, (uint64_t)s * 1000000, (uint64_t)(s + 1) * 1000000);
        assert_in_range(n, 59, 61);
    }
    for (int i = 0; i < r.drawn; i++) /* no frame waited for a tick (but the last: no newer) */
        assert_true(r.at[i] == r.shown[i] || r.shown[i] == 10000000);
    /* every picture in a second window: the cap plus at most the saved-up burst */
    for (uint64_t a = 0; a < 9000000; a += 50000)
        assert_true(drawn_between(&r, a, a + 1000000) <= 60 + (int)SM_PACE_BURST);
}

/* The same at 30 fps: a third of the frames, each at once. */
static void test_low_cap(void **state)
{
    (void)state;
    run_t r;
    simulate(30, 10000, 10000000, 10500000, &r);
    assert_in_range(drawn_between(&r, 2000000, 3000000), 29, 31);
    for (int i = 0; i < r.drawn; i++)
        assert_true(r.at[i] == r.shown[i] || r.shown[i] == 10000000);
}

/* A mat slower than the cap: every frame drawn, at once. */
static void test_slow_mat_every_frame(void **state)
{
    (void)state;
    run_t r;
    simulate(60, 40000, 4000000, 4500000, &r);
    assert_int_equal(r.drawn, 100);
    for (int i = 0; i < r.drawn; i++)
        assert_true(r.at[i] == r.shown[i]);
}

/* The mat stops right after a frame the cap made wait: that frame is still drawn, within the
 * hold (1.5 frame intervals). Tried at every phase of the budget. */
static void test_last_frame_drawn(void **state)
{
    (void)state;
    run_t r;
    for (uint64_t stop = 2000000; stop < 2050000; stop += 10000) {
        simulate(60, 10000, stop, stop + 500000, &r);
        assert_true(r.drawn > 0);
        assert_true(r.shown[r.drawn - 1] == stop); /* the last frame is on screen */
        assert_true(r.at[r.drawn - 1] - stop <= 15000 + 1);
        assert_int_equal(drawn_between(&r, stop + 15001, stop + 500000), 0); /* then quiet */
    }
}

/* Something that is not a frame (a key, the link lost) is drawn within one picture's time, and
 * nothing is drawn while nothing changes. */
static void test_other_changes(void **state)
{
    (void)state;
    sm_pace_t p;
    sm_pace_init(&p, 60, 0);
    int64_t wait = 0;
    assert_int_equal(sm_pace_turn(&p, 1000, 0, 0, &wait), 0);
    assert_true(wait < 0);
    assert_int_equal(sm_pace_turn(&p, 2000, 0, 1, &wait), 1);
    assert_int_equal(sm_pace_turn(&p, 2100, 0, 1, &wait), 1); /* the saved-up burst */
    assert_int_equal(sm_pace_turn(&p, 2200, 0, 1, &wait), 0);
    assert_true(wait > 0 && wait <= 16667);
    assert_int_equal(sm_pace_turn(&p, 2200 + (uint64_t)wait, 0, 1, &wait), 1);
    /* a cap of 0 means the default 60 */
    sm_pace_init(&p, 0, 0);
    assert_true(p.cap == 60.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_mat_drawn_at_arrival),
        cmocka_unit_test(test_low_cap),
        cmocka_unit_test(test_slow_mat_every_frame),
        cmocka_unit_test(test_last_frame_drawn),
        cmocka_unit_test(test_other_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
