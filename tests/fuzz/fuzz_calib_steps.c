/* libFuzzer target for the calibration steps file parser: any bytes, no crash; steps that
 * parse are ordered and well formed, and survive a format/parse round trip. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib_steps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_calib_steps_t s, s2;
static char buf[SM_CALIB_MAX_STEPS * 80 + 128];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    char err[160];
    sm_status st = sm_calib_steps_parse(text, size, &s, err, sizeof err);
    if (st == SM_OK) {
        for (size_t i = 0; i < s.n; i++) {
            const sm_calib_step_t *p = &s.step[i];
            if (!sm_calib_step_name(p->kind) || !(p->start_s < p->end_s) || !isfinite(p->mass_kg) ||
                p->mass_kg < 0 || (i && p->start_s < s.step[i - 1].end_s))
                abort();
        }
        size_t len = sm_calib_steps_format(&s, buf, sizeof buf);
        if (len >= sizeof buf)
            abort();
        if (sm_calib_steps_parse(buf, len, &s2, err, sizeof err) != SM_OK || s2.n != s.n)
            abort();
        for (size_t i = 0; i < s.n; i++)
            if (s2.step[i].kind != s.step[i].kind)
                abort();
    } else if (s.n != 0 || !memchr(err, 0, sizeof err) || err[0] == 0) {
        abort();
    }
    free(text);
    return 0;
}
