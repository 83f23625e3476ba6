/*
 * Placement templates and no-go zones in a live session: which template is shown, where it lies
 * on the live mat this frame, the guidance cues, zone warnings, and what the view draws. Keys and
 * mouse drags come in as calls. Templates live in the user's data directory (sm_template_file).
 */
#ifndef SM_PLACEMENT_H
#define SM_PLACEMENT_H

#include <stddef.h>

#include "sm_frame.h"
#include "sm_pipeline.h"
#include "sm_view.h"
#include "sm_zone.h"

typedef struct sm_placement sm_placement_t;

/* dir: the template store (NULL = $XDG_DATA_HOME/steadymat/templates). */
sm_placement_t *sm_placement_create(const char *dir, sm_protocol_t protocol);
void sm_placement_destroy(sm_placement_t *p); /* NULL-safe */

/* After the pipeline has seen frame f (values: its calibrated values or NULL for raw). Raises
 * the guidance and no-go cues through the pipeline. */
void sm_placement_frame(sm_placement_t *p, sm_pipeline_t *pipe, const sm_frame_t *f,
                        const float *values, double pitch_mm);

/* Keys and mouse. Each writes a one-line message for the screen into msg. */
void sm_placement_save(sm_placement_t *p, const char *name, char *msg, size_t n);
void sm_placement_next(sm_placement_t *p, char *msg, size_t n);
void sm_placement_mirror(sm_placement_t *p, char *msg, size_t n);
void sm_placement_add_zone(sm_placement_t *p, const sm_view_zone_t *z, char *msg, size_t n);
void sm_placement_clear_zones(sm_placement_t *p, char *msg, size_t n);
/* Load a template by name at the start (--template NAME). */
int sm_placement_load(sm_placement_t *p, const char *name, char *msg, size_t n);

/* Fill the view's template and zone fields; the buffers must live until the render. */
void sm_placement_view(const sm_placement_t *p, sm_view_model_t *vm);
/* The picture taken when the template was saved (for "template versus live"), or NULL. Kept
 * beside the template as a one-frame session file <name>.smsession. */
const sm_frame_t *sm_placement_snapshot(const sm_placement_t *p);
/* The tool is in a no-go zone now. */
int sm_placement_alert(const sm_placement_t *p);

/* Time jumped (a replay seek): forget where the template was and the tracking state. */
void sm_placement_reset(sm_placement_t *p);
/* End of the session: closes open zone visits. */
void sm_placement_finish(sm_placement_t *p, double t_s);
/* Zone visits {zone, start_s, end_s} and the current template's name ("" when none). */
const sm_zone_event_t *sm_placement_zone_events(const sm_placement_t *p, size_t *n);
const char *sm_placement_template_name(const sm_placement_t *p);

#endif
