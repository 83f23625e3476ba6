/* `steadymat history`: the sessions kept in the data folder, and the progress plot. */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sm_analysis.h"
#include "sm_cli.h"
#include "sm_report.h"
#include "sm_file.h"
#include "sm_history_store.h"
#include "sm_report_draw.h"
#include "sm_sessinfo.h"

#define USAGE 2

static void help(void)
{
    printf("usage: steadymat history [--patient NAME] [--json] [--plot FILE.png] [--dir DIR]\n\n"
           "Lists the sessions SteadyMat kept (every live session with a hold, or of 30 s or\n"
           "more): date, length, protocol, tool, patient and, per side, the spots held, steady\n"
           "time, time to settle, wiggles and soreness ratings. A damaged or missing index is\n"
           "rebuilt from the session files (with the calibration each was recorded with).\n\n"
           "  --patient NAME        only this person's sessions (the name given to\n"
           "                        'live --patient', exactly)\n"
           "  --plot FILE.png       draw the progress over the sessions: time to settle, wiggles\n"
           "                        per hold, soreness and steady time for each side, one\n"
           "                        line per protocol (with --patient, one person's)\n"
           "  --json                one JSON object on stdout (the index entries)\n"
           "  --dir DIR             the history folder (default\n"
           "                        $XDG_DATA_HOME/steadymat/sessions, or\n"
           "                        ~/.local/share/steadymat/sessions)\n");
}

static void cell_s(double v, char *b, size_t n)
{
    if (v < 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, v < 10 ? "%.1f s" : "%.0f s", v);
}

static void print_side(const sm_history_side_t *s, const char *name)
{
    char steady[16], settle[16], wig[16], sore[96] = "";
    cell_s(s->holds ? s->steady_s : -1, steady, sizeof steady);
    cell_s(sm_history_settle_or_none(s), settle, sizeof settle);
    if (s->holds)
        snprintf(wig, sizeof wig, "%d", s->wiggles);
    else
        snprintf(wig, sizeof wig, "-");
    for (int i = 0; i < s->n_soreness; i++) {
        size_t l = strlen(sore);
        snprintf(sore + l, sizeof sore - l, "%s%d", i ? "," : "", s->soreness[i]);
    }
    printf("%-5s %5d %7s %7s %7s  %s\n", name, s->spots, steady, settle, wig, sore[0] ? sore : "-");
}

static const char *tool_text(int tool)
{
    return tool == SM_SESSTOOL_HIP_HOOK ? "Hip Hook"
           : tool == SM_SESSTOOL_BALL   ? "ball"
                                        : "tool unknown";
}

static void print_text(const char *dir, const sm_history_list_t *l, const char *patient)
{
    if (l->n == 0) {
        if (patient)
            printf("No sessions of patient \"%s\" in the history (%s).\n", patient, dir);
        else
            printf("No sessions in the history yet (%s). Every live session is saved there.\n",
                   dir);
        return;
    }
    printf("%zu session%s in %s%s%s%s\n", l->n, l->n == 1 ? "" : "s", dir,
           patient ? " for patient \"" : "", patient ? patient : "", patient ? "\"" : "");
    for (size_t i = 0; i < l->n; i++) {
        const sm_history_entry_t *e = &l->v[i];
        char date[32] = "date unknown", len[16];
        if (e->start_unix_ms > 0) {
            time_t t = (time_t)(e->start_unix_ms / 1000);
            struct tm tm;
            if (localtime_r(&t, &tm))
                strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
        }
        long s = (long)(e->duration_s + 0.5);
        snprintf(len, sizeof len, "%ld:%02ld", s / 60, s % 60);
        printf("\n%s  %s  %s  %s  patient: %s\n", date, len, sm_protocol_title(e->protocol),
               tool_text(e->tool), e->patient[0] ? e->patient : "not recorded");
        printf("  %-5s %5s %7s %7s %7s  %s\n", "side", "spots", "steady", "settle", "wiggles",
               "soreness");
        printf("  ");
        print_side(&e->side[SM_HISTORY_RIGHT], "right");
        printf("  ");
        print_side(&e->side[SM_HISTORY_LEFT], "left");
    }
}

static void print_json(const char *dir, const sm_history_list_t *l, const sm_history_report_t *rep)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dir", json_object_new_string(dir));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < l->n; i++) {
        char *line = NULL;
        if (sm_history_entry_format(&l->v[i], &line) != SM_OK)
            continue;
        json_object *x = json_tokener_parse(line);
        free(line);
        if (!x)
            continue;
        char path[PATH_MAX];
        sm_history_entry_path(dir, &l->v[i], path, sizeof path);
        struct stat st;
        json_object_object_add(x, "path", json_object_new_string(path));
        json_object_object_add(x, "file_exists", json_object_new_boolean(stat(path, &st) == 0));
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "sessions", a);
    json_object_object_add(o, "rebuilt", json_object_new_boolean(rep->rebuilt));
    json_object_object_add(o, "message",
                           rep->message[0] ? json_object_new_string(rep->message) : NULL);
    sm_report_print_json(o, "history");
    json_object_put(o);
}

int sm_cmd_history(int argc, char **argv)
{
    const char *dir_opt = NULL, *plot = NULL, *patient = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        if ((!strcmp(a, "--dir") || !strcmp(a, "--plot") || !strcmp(a, "--patient")) &&
            i + 1 >= argc) {
            fprintf(stderr,
                    "steadymat history: %s needs a value (see 'steadymat history --help')\n", a);
            return USAGE;
        }
        if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--dir"))
            dir_opt = argv[++i];
        else if (!strcmp(a, "--plot"))
            plot = argv[++i];
        else if (!strcmp(a, "--patient"))
            patient = argv[++i];
        else {
            fprintf(stderr,
                    "steadymat history: unknown option '%s' (see 'steadymat history --help')\n", a);
            return USAGE;
        }
    }
    char dir[PATH_MAX], err[600];
    if (dir_opt)
        snprintf(dir, sizeof dir, "%s", dir_opt);
    else if (sm_history_default_dir(dir, sizeof dir) != SM_OK) {
        fprintf(stderr, "steadymat history: no history folder: set HOME or XDG_DATA_HOME, or "
                        "give --dir DIR\n");
        return 1;
    }
    struct stat st;
    if (dir_opt && stat(dir, &st) != 0) {
        fprintf(stderr, "steadymat history: %s does not exist\n", dir);
        return 1;
    }
    sm_history_list_t l = {NULL, 0, 0};
    sm_history_report_t rep;
    sm_status s = sm_history_load(dir, sm_analysis_history_fn, dir, &l, &rep, err, sizeof err);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat history: %s\n", err);
        return 1;
    }
    if (rep.message[0])
        fprintf(stderr, "steadymat history: %s\n", rep.message);
    if (patient) {
        /* The name is data: compared as recorded (the header turns control characters and
         * invalid UTF-8 into '?', so the same is done to the name asked for). */
        char want[128];
        sm_sessfmt_clean_text(patient, want, sizeof want);
        size_t k = 0;
        for (size_t i = 0; i < l.n; i++)
            if (!strcmp(l.v[i].patient, want))
                l.v[k++] = l.v[i];
        l.n = k;
    }
    if (json)
        print_json(dir, &l, &rep);
    else
        print_text(dir, &l, patient);
    int rc = 0;
    if (plot) {
        if (l.n == 0) {
            fprintf(stderr, "steadymat history: nothing to plot yet: no sessions in %s\n", dir);
            rc = 1;
        } else {
            char title[256];
            if (patient)
                snprintf(title, sizeof title, "SteadyMat progress of %.127s: %zu session%s",
                         l.v[0].patient, l.n, l.n == 1 ? "" : "s");
            else
                snprintf(title, sizeof title, "SteadyMat progress: %zu session%s", l.n,
                         l.n == 1 ? "" : "s");
            char sub[PATH_MAX + 160], d0[32], d1[32];
            time_t t0 = (time_t)(l.v[0].start_unix_ms / 1000),
                   t1 = (time_t)(l.v[l.n - 1].start_unix_ms / 1000);
            struct tm tm;
            strftime(d0, sizeof d0, "%d %b %Y", localtime_r(&t0, &tm));
            strftime(d1, sizeof d1, "%d %b %Y", localtime_r(&t1, &tm));
            /* progress is one person's: several people's sessions on one chart are said */
            int several = 0;
            for (size_t i = 1; i < l.n; i++)
                several |= strcmp(l.v[i].patient, l.v[0].patient) != 0;
            snprintf(sub, sizeof sub, "%s to %s, from %s%s", d0, d1, dir,
                     several ? " - several patients: --patient NAME plots one person's" : "");
            if (several)
                fprintf(stderr,
                        "steadymat history: the plot mixes the sessions of several patients; "
                        "give --patient NAME for one person's progress\n");
            sm_rd_sessions_t ss = {l.v, l.n, title, sub, 1}; /* a line per protocol */
            if (sm_file_prepare(plot, err, sizeof err) != SM_OK ||
                sm_rd_png_history(plot, &ss, 1600, 1000, err, sizeof err) != SM_OK) {
                fprintf(stderr, "steadymat history: %s\n", err);
                rc = 1;
            } else if (!json) {
                printf("\nProgress plot written to %s\n", plot);
            }
        }
    }
    sm_history_list_free(&l);
    sm_rd_cleanup();
    return rc;
}
