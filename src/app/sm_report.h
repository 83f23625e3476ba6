/* The coach's results and sway measures as JSON members, shared by `live --json`, `replay
 * --json` and `analyze --json` so every command spells them the same way. */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <json-c/json.h>

#include "sm_coach.h"
#include "sm_sway.h"

/* Adds "holds", "events", "breathing_rate_bpm" and "sides" to o. */
void sm_report_coach(json_object *o, const sm_coach_t *co);
/* Adds "sway" (the measures in mm, mm/s, mm^2, Hz) to o; s NULL gives "sway": null. */
void sm_report_sway(json_object *o, const sm_sway_t *s);

#endif
