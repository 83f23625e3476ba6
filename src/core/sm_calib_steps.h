/*
 * Step annotations of a recorded calibration session (`steadymat calibrate --from SESSION
 * --steps FILE`): which seconds of the session were which step, and the mass of each load.
 * Pure: the caller reads the file and hands over the bytes. Format (text, one step per line,
 * fields separated by spaces or tabs, '#' starts a comment, blank lines ignored, LF or CRLF):
 *
 *   steadymat-calibration-steps 1        <- optional header: format name and version
 *   # kind      start_s  end_s  mass_kg
 *   condition   0        18
 *   zero        24       34
 *   equalise    37       42
 *   load        113      120    5
 *   load        127      134    10kg       <- "kg" may follow the number
 *   creep       190      280    20
 *   verify      301      308    15
 *
 * kind: condition, zero, equalise (or equalize), load, creep, verify, check. start_s < end_s,
 * both finite, 0..1e7 s of session time; mass 0 < m <= 10000 kg, required for load and verify,
 * optional for creep and check, not allowed for the others. Steps must be in time order and
 * must not overlap. At most SM_CALIB_MAX_STEPS steps. Version numbers above 1 are refused.
 */
#ifndef SM_CALIB_STEPS_H
#define SM_CALIB_STEPS_H

#include <stddef.h>

#include "sm_calib.h"
#include "sm_status.h"

#define SM_CALIB_STEPS_VERSION 1

/* Parse n bytes (need not be NUL-terminated). On error out->n = 0 and err gets a one-line
 * message with the 1-based line: "line 4: unknown step 'zer0'". SM_ERR_FORMAT,
 * SM_ERR_VERSION, SM_ERR_RANGE (too many steps), SM_ERR_ARG (NULL text or out). */
sm_status sm_calib_steps_parse(const char *text, size_t n, sm_calib_steps_t *out, char *err,
                               size_t errlen);
/* Write steps in the format above (with the header). Returns the length it needs (excluding the
 * NUL); the output is complete when that is < cap. */
size_t sm_calib_steps_format(const sm_calib_steps_t *s, char *buf, size_t cap);

#endif
