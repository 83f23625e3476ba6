/* The coach's results and sway measures as JSON members, shared by `live --json`, `replay
 * --json` and `analyze --json` so every command spells them the same way. */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <json-c/json.h>

#include "sm_coach.h"
#include "sm_pipeline.h"
#include "sm_sway.h"

/* Adds "holds", "events", "breathing_rate_bpm" and "sides" to o. */
void sm_report_coach(json_object *o, const sm_coach_t *co);
/* Adds "frames_no_tool" (frames in which no tool was found: the coach was searching) and
 * "tool_detected" ("ball", "hip-hook" or null when never a tool) to o. */
void sm_report_tool(json_object *o, const sm_pipeline_t *p);
/* Adds "sway" (the measures in mm, mm/s, mm^2, Hz) to o; s NULL gives "sway": null. */
void sm_report_sway(json_object *o, const sm_sway_t *s);

/* Prints o as one line of valid JSON on stdout (non-finite numbers as null, invalid UTF-8
 * replaced: sm_json_sanitize) and says on stderr what had to be replaced, naming the command. */
void sm_report_print_json(json_object *o, const char *cmd);
/* The same text for a file (pretty), with the counts for the caller's message. */
const char *sm_report_json_text(json_object *o, const char *cmd);

#endif
