/* An off-screen view (SDL surface, no window) for the view's tests. Header only: the tests that
 * use it link SDL and the view already. */
#ifndef TS_VIEW_H
#define TS_VIEW_H

#include "testsupport.h"

#include "sm_view.h"

/* A headless view of w x h pixels; the test fails when it cannot be made. */
static inline sm_view_t *ts_headless_view(int w, int h)
{
    char err[256] = "";
    sm_view_config_t cfg = {.width = w, .height = h, .headless = 1};
    sm_view_t *v = sm_view_create(&cfg, err, sizeof err);
    if (!v)
        fail_msg("sm_view_create: %s", err);
    return v;
}

#endif
