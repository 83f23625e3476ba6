/* The guided calibration (`steadymat calibrate --port PATH | --sim SCENARIO`): a live loop over a
 * source that walks the user through the steps (src/core/sm_calflow.h), in the window or
 * headless, and the end shared with the offline mode (sm_cmd_calibrate.c). */
#ifndef SM_CALGUIDE_H
#define SM_CALGUIDE_H

#include <json-c/json.h>
#include <stdio.h>

#include "sm_calib.h"

/* argv[0] is "calibrate"; returns the exit status. */
int sm_calguide_main(int argc, char **argv);

/* What sm_calibrate_finish did, for a results screen. */
typedef struct {
    int fitted; /* 0: no calibration could be fitted (why says why) */
    int saved;  /* written to path */
    char path[1024];
    char why[256];
} sm_calibrate_outcome_t;

typedef struct {
    const char *uid;                 /* the mat's id ("" or NULL: unknown: then out is needed) */
    const char *method;              /* NULL: the builder's summary */
    const char *out;                 /* NULL: the mat's default path */
    int force;                       /* save even when the verification failed */
    int json;                        /* print the result object on stdout */
    int failed_steps;                /* steps that had to be redone (for the message) */
    const char *no_uid;              /* what to say when there is no id and no out */
    json_object *steps_json;         /* added to the JSON as "steps" when not NULL (borrowed) */
    FILE *log;                       /* the summary lines (stderr when NULL) */
    sm_calib_data_t *result;         /* when not NULL: gets the fitted calibration (when fitted) */
    sm_calibrate_outcome_t *outcome; /* when not NULL: what happened */
} sm_calibrate_finish_t;

/* Fit what the builder collected, save it, print the summary (and JSON); exit status: 0 when
 * saved and the verification passed (or there was none), 1 otherwise. In sm_cmd_calibrate.c. */
int sm_calibrate_finish(sm_calib_builder_t *b, const sm_calibrate_finish_t *c);

#endif
