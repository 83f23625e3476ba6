/* A centre-of-pressure trace from a file (force-plate export such as the BDS recordings:
 * columns Time[s], COPx[cm], COPy[cm]) to drive the simulated tool with real sway. */
#ifndef SM_COP_TRACE_H
#define SM_COP_TRACE_H

#include <stddef.h>

#include "sm_status.h"

typedef struct {
    double *x_mm, *y_mm; /* owned; n samples */
    size_t n;
    double rate_hz; /* from the time column, 100 when there is none */
} sm_cop_trace_t;

#define SM_COP_TRACE_MAX_BYTES (64u << 20)

/* Reads columns COPx/COPy (units in the name: [cm] or [mm], cm assumed otherwise) and the time
 * column for the rate. A clear message in err on failure; *out is then empty. */
sm_status sm_cop_trace_load(const char *path, sm_cop_trace_t *out, char *err, size_t errlen);
void sm_cop_trace_free(sm_cop_trace_t *t); /* NULL-safe, idempotent */

#endif
