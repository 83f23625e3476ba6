#include "sm_report.h"

#include <stdio.h>

#include "sm_json_doc.h"

static json_object *num_or_null(double v, int valid)
{
    return valid ? json_object_new_double(v) : NULL;
}

void sm_report_coach(json_object *o, const sm_coach_t *co)
{
    size_t n = 0;
    const sm_coach_hold_t *h = sm_coach_holds(co, &n);
    json_object *holds = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "side", json_object_new_string(sm_side_name(h[i].side)));
        json_object_object_add(x, "phase", json_object_new_int(h[i].phase));
        json_object_object_add(x, "spot", json_object_new_int(h[i].spot));
        json_object_object_add(x, "start_s", json_object_new_double(h[i].start_s));
        json_object_object_add(x, "end_s", json_object_new_double(h[i].end_s));
        json_object_object_add(x, "steady_s", json_object_new_double(h[i].steady_s));
        json_object_object_add(x, "release_met", json_object_new_boolean(h[i].release_met));
        json_object_object_add(x, "release_s", num_or_null(h[i].release_s, h[i].release_met));
        json_object_object_add(x, "wiggles", json_object_new_int(h[i].wiggles));
        json_object_object_add(x, "time_to_settle_s",
                               json_object_new_double(h[i].time_to_settle_s));
        json_object_object_add(x, "soreness",
                               h[i].soreness >= 0 ? json_object_new_int(h[i].soreness) : NULL);
        json_object_object_add(x, "x_mm", json_object_new_double(h[i].x_mm));
        json_object_object_add(x, "y_mm", json_object_new_double(h[i].y_mm));
        json_object_array_add(holds, x);
    }
    json_object_object_add(o, "holds", holds);
    const sm_coach_event_t *e = sm_coach_events(co, &n);
    json_object *events = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "kind",
                               json_object_new_string(sm_coach_event_kind_name(e[i].kind)));
        json_object_object_add(x, "start_s", json_object_new_double(e[i].start_s));
        json_object_object_add(x, "end_s", json_object_new_double(e[i].end_s));
        json_object_object_add(x, "size_mm", json_object_new_double(e[i].size));
        json_object_array_add(events, x);
    }
    json_object_object_add(o, "events", events);
    double bpm = sm_coach_breath_bpm(co);
    json_object_object_add(o, "breathing_rate_bpm", num_or_null(bpm, bpm > 0));
    json_object *sides = json_object_new_object();
    const sm_side_t which[] = {SM_SIDE_RIGHT, SM_SIDE_LEFT};
    for (int k = 0; k < 2; k++) {
        sm_coach_side_summary_t s;
        sm_coach_side_summary(co, which[k], &s);
        json_object *x = json_object_new_object();
        json_object_object_add(x, "holds", json_object_new_int(s.holds));
        json_object_object_add(x, "released", json_object_new_int(s.released));
        json_object_object_add(x, "steady_s", json_object_new_double(s.steady_s));
        json_object_object_add(x, "wiggles", json_object_new_int(s.wiggles));
        json_object_object_add(sides, sm_side_name(which[k]), x);
    }
    json_object_object_add(o, "sides", sides);
}

void sm_report_tool(json_object *o, const sm_pipeline_t *p)
{
    unsigned long no_tool = 0;
    sm_tool_seen_t seen = SM_SEEN_NONE;
    sm_pipeline_tool_stats(p, NULL, &no_tool, &seen);
    json_object_object_add(o, "frames_no_tool", json_object_new_int64((int64_t)no_tool));
    const char *name = sm_tool_seen_name(seen);
    json_object_object_add(o, "tool_detected", name ? json_object_new_string(name) : NULL);
}

void sm_report_sway(json_object *o, const sm_sway_t *s)
{
    if (!s) {
        json_object_object_add(o, "sway", NULL);
        return;
    }
    json_object *x = json_object_new_object();
#define ADD(k, v) json_object_object_add(x, k, json_object_new_double(v))
    ADD("mean_distance_mm", s->mean_distance);
    ADD("rms_distance_mm", s->rms_distance);
    ADD("path_length_mm", s->path_length);
    ADD("mean_velocity_mm_s", s->mean_velocity);
    ADD("range_ap_mm", s->range_ap);
    ADD("range_ml_mm", s->range_ml);
    ADD("ellipse95_area_mm2", s->ellipse95_area);
    ADD("mean_frequency_hz", s->mean_frequency);
    ADD("total_power", s->total_power);
    ADD("f50_hz", s->f50);
    ADD("f95_hz", s->f95);
    ADD("centroid_frequency_hz", s->centroid_frequency);
    ADD("frequency_dispersion", s->frequency_dispersion);
#undef ADD
    json_object_object_add(o, "sway", x);
}

static void warn_replaced(const char *cmd, size_t nonfinite, size_t bad_utf8)
{
    if (nonfinite)
        fprintf(stderr,
                "steadymat %s: %zu number%s could not be computed (not finite): written as null\n",
                cmd, nonfinite, nonfinite == 1 ? "" : "s");
    if (bad_utf8)
        fprintf(stderr, "steadymat %s: %zu byte%s of text were not UTF-8: replaced by U+FFFD\n",
                cmd, bad_utf8, bad_utf8 == 1 ? "" : "s");
}

void sm_report_print_json(json_object *o, const char *cmd)
{
    size_t nf, bu;
    const char *text = sm_json_clean_text(o, JSON_C_TO_STRING_PLAIN, &nf, &bu);
    puts(text ? text : "null");
    fflush(stdout);
    warn_replaced(cmd, nf, bu);
}

const char *sm_report_json_text(json_object *o, const char *cmd)
{
    size_t nf, bu;
    const char *text = sm_json_clean_text(o, JSON_C_TO_STRING_PRETTY, &nf, &bu);
    warn_replaced(cmd, nf, bu);
    return text;
}
