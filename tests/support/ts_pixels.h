/* Comparing two off-screen pictures (headless views' surfaces), for the view's tests. Header only:
 * the tests that use it link SDL and the view already. */
#ifndef TS_PIXELS_H
#define TS_PIXELS_H

#include "testsupport.h"

#include <SDL.h>

#include "sm_view_internal.h"

/* Pixels that differ between a and b (the same size; alpha ignored); *box gets where (x0, y0,
 * x1, y1), or x1 < x0 when none. */
static inline long ts_pixels_differ(const SDL_Surface *a, const SDL_Surface *b, int box[4])
{
    long n = 0;
    box[0] = box[1] = 1 << 20, box[2] = box[3] = -1;
    for (int y = 0; y < a->h; y++) {
        const Uint32 *pa = (const Uint32 *)((const Uint8 *)a->pixels + y * a->pitch);
        const Uint32 *pb = (const Uint32 *)((const Uint8 *)b->pixels + y * b->pitch);
        for (int x = 0; x < a->w; x++)
            if ((pa[x] | 0xFF000000u) != (pb[x] | 0xFF000000u)) {
                n++;
                box[0] = x < box[0] ? x : box[0], box[1] = y < box[1] ? y : box[1];
                box[2] = x > box[2] ? x : box[2], box[3] = y > box[3] ? y : box[3];
            }
    }
    return n;
}

/* Both views draw model m; the test fails, saying `what` and where, unless they drew the very
 * same pixels. */
static inline void ts_views_agree(sm_view_t *a, sm_view_t *b, const sm_view_model_t *m,
                                  const char *what)
{
    assert_int_equal(sm_view_render(a, m), SM_OK);
    assert_int_equal(sm_view_render(b, m), SM_OK);
    int box[4];
    long n = ts_pixels_differ(a->target, b->target, box);
    if (n)
        fail_msg("%s: %ld pixels differ between the two views, in (%d,%d)-(%d,%d)", what, n, box[0],
                 box[1], box[2], box[3]);
}

#endif
