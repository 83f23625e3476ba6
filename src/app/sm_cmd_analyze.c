/* `steadymat analyze`: the steadiness of a recorded session or of a plain CoP trace, as numbers. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_analysis.h"
#include "sm_cli.h"
#include "sm_cop_csv.h"
#include "sm_file.h"
#include "sm_pipeline.h"
#include "sm_report.h"
#include "sm_session.h"
#include "sm_sway.h"
#include "sm_table.h"

#define USAGE           2
#define TRACE_MAX_BYTES (256u << 20)

static void help(void)
{
    printf(
        "usage: steadymat analyze FILE [--protocol P] [--release S] [--tool T] [--lowpass HZ]\n"
        "                         [--json]\n"
        "       steadymat analyze --cop-csv FILE --rate HZ [--columns T,X,Y] [--units mm|cm]\n"
        "                         [--lowpass HZ] [--json]\n\n"
        "Measures how steady a recorded session was (the tool's contact, or the whole body's\n"
        "centre of pressure when no tool was found): sway measures over the whole trace,\n"
        "breathing rate, wiggle and relocation episodes, and the holds per side. With\n"
        "--cop-csv it reads a centre-of-pressure trace such as a force-plate export instead.\n\n"
        "A session file says how it was practised (protocol, release threshold, tool) and with\n"
        "which calibration; it is analysed that way unless an option overrides it, and the\n"
        "output says which (\"protocol: Hip Hook, two phases (from the session)\").\n\n"
        "  --protocol P          ball, hook, back or realign (default: the session's, else ball)\n"
        "  --release S           steady seconds for the release threshold (default: the\n"
        "                        session's, else 60; 30 per phase for the hook)\n"
        "  --tool T              ball, ball:CM (its diameter) or hook (default: the session's)\n"
        "  --cop-csv FILE        a delimited text table with a header line\n"
        "  --rate HZ             its sampling rate (default: from its time column)\n"
        "  --columns T,X,Y       columns by name or 1-based number (X,Y without time);\n"
        "                        X is medio-lateral, Y antero-posterior\n"
        "  --units mm|cm|m       units of X and Y (default: from the column names, else mm)\n"
        "  --lowpass HZ          zero-phase low-pass of the trace before the sway measures\n"
        "                        (Prieto et al. used 5 Hz; default: off, samples as given;\n"
        "                        the coach's events are never filtered this way)\n"
        "  --json                one JSON object on stdout\n");
}

int sm_parse_protocol(const char *s, sm_protocol_t *out)
{
    static const struct {
        const char *name;
        sm_protocol_t p;
    } names[] = {{"ball", SM_PROTO_BALL_RELEASE}, {"ball-release", SM_PROTO_BALL_RELEASE},
                 {"hook", SM_PROTO_HIP_HOOK},     {"hip-hook", SM_PROTO_HIP_HOOK},
                 {"back", SM_PROTO_BACK_OF_HIP},  {"back-of-hip", SM_PROTO_BACK_OF_HIP},
                 {"realign", SM_PROTO_REALIGN},   {"realignment", SM_PROTO_REALIGN}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].p;
            return 1;
        }
    return 0;
}

int sm_parse_tool(const char *s, sm_tool_kind_t *kind, double *ball_mm)
{
    if (!strcmp(s, "hook") || !strcmp(s, "hip-hook")) {
        *kind = SM_TOOL_HOOK;
        *ball_mm = 0;
        return 1;
    }
    if (!strcmp(s, "ball")) {
        *kind = SM_TOOL_BALL;
        *ball_mm = SM_TOOL_BALL_MM_DEF;
        return 1;
    }
    if (strncmp(s, "ball:", 5) != 0)
        return 0;
    char *end = NULL;
    double cm = strtod(s + 5, &end);
    if (end == s + 5 || *end || !(cm >= SM_TOOL_BALL_MM_MIN / 10 && cm <= SM_TOOL_BALL_MM_MAX / 10))
        return 0;
    *kind = SM_TOOL_BALL;
    *ball_mm = cm * 10;
    return 1;
}

static void print_text(const char *what, double duration, const sm_sway_t *s, const sm_coach_t *co)
{
    printf("%s: %.1f s\n", what, duration);
    if (s)
        printf(
            "sway: mean distance %.2f mm, RMS %.2f mm, path %.1f mm, mean velocity %.2f mm/s,\n"
            "      range AP %.1f mm ML %.1f mm, 95%% ellipse %.1f mm2, mean frequency %.3f Hz,\n"
            "      power %.3f mm2, f50 %.3f Hz, f95 %.3f Hz, centroid %.3f Hz, dispersion %.3f\n",
            s->mean_distance, s->rms_distance, s->path_length, s->mean_velocity, s->range_ap,
            s->range_ml, s->ellipse95_area, s->mean_frequency, s->total_power, s->f50, s->f95,
            s->centroid_frequency, s->frequency_dispersion);
    double bpm = sm_coach_breath_bpm(co);
    if (bpm > 0)
        printf("breathing: %.1f breaths/min\n", bpm);
    size_t n;
    const sm_coach_event_t *e = sm_coach_events(co, &n);
    for (size_t i = 0; i < n; i++)
        printf("event: %-12s %7.1f - %7.1f s (%.0f mm)\n", sm_coach_event_kind_name(e[i].kind),
               e[i].start_s, e[i].end_s, e[i].size);
    const sm_coach_hold_t *h = sm_coach_holds(co, &n);
    for (size_t i = 0; i < n; i++)
        printf("hold: %-5s spot %d, %5.1f s steady from %.1f s, %d wiggles, release %s\n",
               sm_side_name(h[i].side), h[i].spot, h[i].steady_s, h[i].start_s, h[i].wiggles,
               h[i].release_met ? "met" : "not met");
}

/* The sway measures of x, y (n samples at rate_hz), low-passed first when lowpass_hz > 0. */
static sm_status sway_of(const double *x, const double *y, size_t n, double rate_hz,
                         double lowpass_hz, sm_sway_t *out)
{
    sm_sway_config_t sc;
    sm_sway_config_default(&sc, rate_hz);
    if (!(lowpass_hz > 0))
        return sm_sway_compute(&sc, x, y, n, out);
    double *fx = malloc((n ? n : 1) * sizeof *fx), *fy = malloc((n ? n : 1) * sizeof *fy);
    sm_status s = fx && fy ? SM_OK : SM_ERR_NOMEM;
    if (s == SM_OK) {
        memcpy(fx, x, n * sizeof *fx);
        memcpy(fy, y, n * sizeof *fy);
        s = sm_sway_lowpass(fx, n, rate_hz, lowpass_hz);
        if (s == SM_OK)
            s = sm_sway_lowpass(fy, n, rate_hz, lowpass_hz);
        if (s == SM_OK)
            s = sm_sway_compute(&sc, fx, fy, n, out);
    }
    free(fx);
    free(fy);
    return s;
}

static int analyze_session(const char *path, const sm_sessinfo_flags_t *flags, double lowpass_hz,
                           int json)
{
    char err[320];
    sm_analysis_opts_t o = {.protocol = SM_PROTO_BALL_RELEASE};
    sm_sessinfo_t info;
    sm_session_header_t *h = malloc(sizeof *h);
    if (!h) {
        fprintf(stderr, "steadymat analyze: out of memory\n");
        return 1;
    }
    if (sm_analysis_settings(path, NULL, flags, &info, h, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s\n", err);
        free(h);
        return 1;
    }
    sm_analysis_opts_apply(&o, &info);
    /* the calibration the session was recorded with, as the live coach saw the frames */
    sm_calib_t *cal = NULL;
    char cal_path[PATH_MAX] = "", why[400];
    if (!sm_sessinfo_calib_find(path, NULL, h, &cal, cal_path, sizeof cal_path, why, sizeof why) &&
        why[0])
        fprintf(stderr, "steadymat analyze: %s: %s\n", path, why);
    free(h);
    o.cal = cal;
    sm_analysis_t a;
    sm_status rs = sm_analysis_run(path, &o, &a, err, sizeof err);
    sm_calib_destroy(cal);
    if (rs != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s\n", err);
        return 1;
    }
    sm_analysis_settle(&a, &info);
    if (lowpass_hz > 0 && a.have_sway &&
        sway_of(a.x, a.y, a.n, a.rate_hz, lowpass_hz, &a.sway) != SM_OK) {
        fprintf(stderr,
                "steadymat analyze: --lowpass %g Hz: must be below half the frame rate (%g Hz)\n",
                lowpass_hz, a.rate_hz / 2);
        sm_analysis_free(&a);
        return USAGE;
    }
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "source", json_object_new_string(path));
        json_object_object_add(j, "frames", json_object_new_int64((int64_t)a.frames));
        json_object_object_add(j, "duration_s", json_object_new_double(a.duration_s));
        sm_sessinfo_json(j, &info);
        json_object_object_add(j, "calibration",
                               cal_path[0] ? json_object_new_string(cal_path) : NULL);
        json_object_object_add(j, "sway_of", json_object_new_string(a.of_tool ? "tool" : "body"));
        if (lowpass_hz > 0)
            json_object_object_add(j, "lowpass_hz", json_object_new_double(lowpass_hz));
        sm_report_sway(j, a.have_sway ? &a.sway : NULL);
        sm_report_coach(j, sm_pipeline_coach(a.pipe));
        sm_report_tool(j, a.pipe);
        /* What the person would have heard, on the recording's clock (live's and replay's):
         * the same cues as `live --json` and `replay --json` give for the same frames. */
        json_object_object_add(j, "first_frame_s", json_object_new_double(a.first_s));
        size_t nc;
        const sm_coach_cue_t *cues = sm_pipeline_cue_log(a.pipe, &nc);
        json_object *ca = json_object_new_array();
        for (size_t i = 0; i < nc; i++) {
            json_object *c = json_object_new_object();
            json_object_object_add(c, "kind",
                                   json_object_new_string(sm_cue_kind_name(cues[i].kind)));
            json_object_object_add(c, "t_s", json_object_new_double(cues[i].t_s + a.first_s));
            json_object_object_add(c, "intensity", json_object_new_double(cues[i].intensity));
            json_object_array_add(ca, c);
        }
        json_object_object_add(j, "cues", ca);
        sm_report_print_json(j, "analyze");
        json_object_put(j);
    } else {
        sm_sessinfo_print(stdout, "", &info);
        if (cal_path[0])
            printf("calibration: %s (%s, from the session)\n", info.calib_id, cal_path);
        print_text(a.of_tool ? "session (tool contact)" : "session (whole body, no tool found)",
                   a.duration_s, a.have_sway ? &a.sway : NULL, sm_pipeline_coach(a.pipe));
    }
    sm_analysis_free(&a);
    return 0;
}

/* A CoP trace through the same coach: each sample is a tool contact at that position with a
 * constant load, so movement episodes are found exactly as on the mat. */
static void coach_trace(sm_coach_t *co, const sm_cop_csv_trace_t *tr, const double *t_s)
{
    sm_contact_frame_t cf;
    sm_coach_out_t out;
    for (size_t i = 0; i < tr->n; i++) {
        memset(&cf, 0, sizeof cf);
        cf.t_s = t_s ? t_s[i] : (double)i / tr->rate_hz; /* time jumps are gaps */
        cf.has_load = cf.present = 1;
        cf.total = cf.load = cf.near_load = cf.peak = cf.share = 1;
        cf.loaded_cells = cf.cells = 1;
        cf.x_mm = cf.tip_x_mm = cf.cop_x_mm = tr->x_mm[i];
        cf.y_mm = cf.tip_y_mm = cf.cop_y_mm = tr->y_mm[i];
        cf.body_r0 = cf.body_r1 = cf.body_c0 = cf.body_c1 = -1;
        sm_coach_update(co, &cf, &out);
    }
    sm_coach_finish(co, tr->n ? (t_s ? t_s[tr->n - 1] : (double)(tr->n - 1) / tr->rate_hz) : 0);
}

static int analyze_csv(const char *path, const sm_cop_csv_opts_t *opts, sm_protocol_t proto,
                       double release_s, double lowpass_hz, int json)
{
    char err[256];
    char *text;
    size_t n;
    if (sm_file_read(path, TRACE_MAX_BYTES, &text, &n, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s\n", err);
        return 1;
    }
    sm_table_t t;
    sm_status s = sm_table_parse(text, n, &t, err, sizeof err);
    free(text);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s: %s\n", path, err);
        return 1;
    }
    sm_cop_csv_trace_t tr;
    s = sm_cop_csv_read(&t, opts, &tr, err, sizeof err);
    /* the sample times, when the table has them: the coach sees a jump in them as a gap */
    double *times = NULL;
    if (s == SM_OK && tr.t_to_s > 0 && tr.n > 0 && (times = malloc(tr.n * sizeof *times))) {
        const double *tv = sm_table_col(&t, (size_t)tr.t_col);
        for (size_t i = 0; i < tr.n; i++)
            times[i] = (tv[i] - tv[0]) * tr.t_to_s;
    }
    sm_table_free(&t);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s: %s\n", path, err);
        return s == SM_ERR_ARG ? USAGE : 1;
    }
    if (tr.warning[0])
        fprintf(stderr, "steadymat analyze: %s: %s\n", path, tr.warning);
    sm_sway_t sway;
    s = sway_of(tr.x_mm, tr.y_mm, tr.n, tr.rate_hz, lowpass_hz, &sway);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat analyze: %s: %s\n", path,
                s == SM_ERR_ARG     ? (lowpass_hz > 0 && tr.n >= 3
                                           ? "--lowpass must be below half the sampling rate"
                                           : "too few samples (3 needed)")
                : s == SM_ERR_NOMEM ? "out of memory"
                                    : "a sample is not a finite number");
        sm_cop_csv_free(&tr);
        free(times);
        return 1;
    }
    sm_coach_t *co = NULL;
    sm_coach_settings_t st;
    sm_coach_settings_default(&st, proto);
    if (release_s > 0) /* as the live pipeline does */
        st.release_s = st.hook_phase_s = release_s;
    if (sm_coach_create(&st, &co) != SM_OK) {
        sm_cop_csv_free(&tr);
        free(times);
        fprintf(stderr, "steadymat analyze: out of memory\n");
        return 1;
    }
    coach_trace(co, &tr, times);
    free(times);
    double duration = tr.n > 1 ? (tr.n - 1) / tr.rate_hz : 0;
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "source", json_object_new_string(path));
        json_object_object_add(o, "samples", json_object_new_int64((int64_t)tr.n));
        json_object_object_add(o, "rate_hz", json_object_new_double(tr.rate_hz));
        json_object_object_add(o, "duration_s", json_object_new_double(duration));
        if (lowpass_hz > 0)
            json_object_object_add(o, "lowpass_hz", json_object_new_double(lowpass_hz));
        sm_report_sway(o, &sway);
        sm_report_coach(o, co);
        sm_report_print_json(o, "analyze");
        json_object_put(o);
    } else {
        print_text("CoP trace", duration, &sway, co);
    }
    sm_coach_destroy(co);
    sm_cop_csv_free(&tr);
    return 0;
}

int sm_cmd_analyze(int argc, char **argv)
{
    const char *file = NULL, *csv = NULL;
    sm_cop_csv_opts_t opts = {NULL, NULL, 0};
    sm_sessinfo_flags_t flags;
    memset(&flags, 0, sizeof flags);
    double lowpass_hz = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        int taken = sm_sessinfo_option(argc, argv, &i, &flags, "analyze");
        if (taken < 0)
            return USAGE;
        if (taken)
            continue;
        int has_value = !strcmp(a, "--cop-csv") || !strcmp(a, "--rate") ||
                        !strcmp(a, "--columns") || !strcmp(a, "--units") || !strcmp(a, "--lowpass");
        if (has_value && i + 1 >= argc) {
            fprintf(stderr,
                    "steadymat analyze: %s needs a value (see 'steadymat analyze --help')\n", a);
            return USAGE;
        }
        char *end = NULL;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--cop-csv")) {
            csv = argv[++i];
        } else if (!strcmp(a, "--columns")) {
            opts.columns = argv[++i];
        } else if (!strcmp(a, "--units")) {
            opts.units = argv[++i];
        } else if (!strcmp(a, "--rate") || !strcmp(a, "--lowpass")) {
            double v = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(v > 0 && v < 1e6)) {
                fprintf(stderr, "steadymat analyze: %s takes a positive number, not '%s'\n", a,
                        argv[i]);
                return USAGE;
            }
            if (!strcmp(a, "--rate"))
                opts.rate_hz = v;
            else
                lowpass_hz = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr,
                    "steadymat analyze: unknown option '%s' (see 'steadymat analyze --help')\n", a);
            return USAGE;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "steadymat analyze: one file at a time ('%s' is extra)\n", a);
            return USAGE;
        }
    }
    if (csv && file) {
        fprintf(stderr, "steadymat analyze: give a session FILE or --cop-csv FILE, not both\n");
        return USAGE;
    }
    if (csv)
        return analyze_csv(csv, &opts,
                           flags.protocol_given ? flags.protocol : SM_PROTO_BALL_RELEASE,
                           flags.release_s, lowpass_hz, json);
    if (!file) {
        fprintf(stderr,
                "steadymat analyze: which session? steadymat analyze FILE (or --cop-csv FILE)\n");
        return USAGE;
    }
    return analyze_session(file, &flags, lowpass_hz, json);
}
