#include "sm_analysis.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_file.h"
#include "sm_history_store.h"

typedef struct {
    double *x, *y;
    size_t n, cap;
} trace_t;

static int push(trace_t *t, double x, double y)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        double *nx = realloc(t->x, cap * sizeof *nx);
        if (!nx)
            return 0;
        t->x = nx;
        double *ny = realloc(t->y, cap * sizeof *ny);
        if (!ny)
            return 0;
        t->y = ny;
        t->cap = cap;
    }
    t->x[t->n] = x;
    t->y[t->n] = y;
    t->n++;
    return 1;
}

void sm_analysis_free(sm_analysis_t *a)
{
    if (!a)
        return;
    sm_pipeline_destroy(a->pipe);
    free(a->x);
    free(a->y);
    memset(a, 0, sizeof *a);
}

sm_status sm_analysis_run(const char *path, const sm_analysis_opts_t *o, sm_analysis_t *a,
                          char *err, size_t errlen)
{
    static const sm_analysis_opts_t none = {.protocol = SM_PROTO_BALL_RELEASE};
    sm_calib_creep_t *creep = NULL;
    float *values = NULL;
    if (!o)
        o = &none;
    memset(a, 0, sizeof *a);
    sm_session_reader_t *r = NULL;
    sm_status s = sm_session_reader_open(path, &r, err, errlen);
    if (s != SM_OK)
        return s;
    const sm_session_header_t *h = sm_session_reader_header(r);
    a->header = *h;
    sm_pipeline_config_t pc;
    memset(&pc, 0, sizeof pc); /* no sound: analysis */
    pc.rows = h->mat.rows;
    pc.cols = h->mat.cols;
    pc.pitch_mm = h->mat.pitch_mm > 0 ? h->mat.pitch_mm : 25;
    pc.protocol = o->protocol;
    pc.auto_tool = o->auto_tool;
    pc.release_s = o->release_s;
    if (o->cal) {
        values = malloc(SM_MAX_CELLS * sizeof *values);
        if (!values || sm_calib_creep_create(o->cal, &creep) != SM_OK) {
            free(values);
            sm_session_reader_close(r);
            snprintf(err, errlen, "out of memory");
            return SM_ERR_NOMEM;
        }
        pc.creep_removed = 1;
    }
    if (sm_pipeline_create(&pc, &a->pipe) != SM_OK) {
        free(values);
        sm_calib_creep_destroy(creep);
        snprintf(err, errlen, "%s: cannot analyse a %ux%u mat", path, h->mat.rows, h->mat.cols);
        sm_session_reader_close(r);
        memset(a, 0, sizeof *a);
        return SM_ERR_RANGE;
    }
    if (o->set_tool)
        sm_pipeline_set_tool(a->pipe, o->tool, o->ball_mm);
    sm_session_record_t *rec = malloc(sizeof *rec);
    trace_t tool = {0}, body = {0};
    uint64_t first = 0, last = 0;
    size_t next_input = 0;
    int ok = rec != NULL;
    while (ok && sm_session_reader_next(r, rec) == SM_OK) {
        if (rec->kind != SM_REC_FRAME)
            continue;
        uint64_t raw = rec->frame.t_us;
        if (!a->frames)
            first = rec->frame.t_us;
        rec->frame.t_us -= rec->frame.t_us >= first ? first : rec->frame.t_us;
        last = rec->frame.t_us;
        a->frames++;
        /* As the live loop: calibrated kPa with the creep removed, else raw counts. */
        int cal_ok = o->cal && sm_calib_apply(o->cal, &rec->frame, values) == SM_OK;
        if (cal_ok)
            sm_calib_creep_correct(creep, rec->frame.t_us / 1e6, values);
        sm_pipeline_frame(a->pipe, &rec->frame, cal_ok ? values : NULL);
        /* Keys come between frames: those given at or before this frame's time. */
        while (next_input < o->n_inputs && o->inputs[next_input].t_s * 1e6 <= (double)raw) {
            const sm_history_input_t *in = &o->inputs[next_input++];
            double t = in->t_s - first / 1e6;
            sm_pipeline_input(a->pipe, t > 0 ? t : 0, in->input, in->value);
        }
        const sm_contact_frame_t *cf = sm_pipeline_contact(a->pipe);
        if (cf->present)
            ok = push(&tool, cf->x_mm, cf->y_mm);
        if (ok && cf->has_load)
            ok = push(&body, cf->cop_x_mm, cf->cop_y_mm);
        if (o->on_frame)
            o->on_frame(o->ctx, &rec->frame, rec->frame.t_us / 1e6, a->pipe);
    }
    free(rec);
    free(values);
    sm_calib_creep_destroy(creep);
    a->duration_s = last / 1e6;
    a->first_s = first / 1e6;
    for (; ok && next_input < o->n_inputs; next_input++) {
        const sm_history_input_t *in = &o->inputs[next_input];
        sm_pipeline_input(a->pipe, a->duration_s, in->input, in->value);
    }
    sm_pipeline_finish(a->pipe, a->duration_s);
    a->stats = *sm_session_reader_stats(r);
    sm_session_reader_close(r);
    /* The tool's steadiness is the point; the body's CoP stands in when no tool was found. */
    a->of_tool = tool.n >= 3;
    trace_t *tr = a->of_tool ? &tool : &body;
    trace_t *other = a->of_tool ? &body : &tool;
    free(other->x);
    free(other->y);
    a->x = tr->x;
    a->y = tr->y;
    a->n = tr->n;
    a->rate_hz = a->frames > 1 && a->duration_s > 0 ? (a->frames - 1) / a->duration_s : 0;
    sm_sway_config_t sc;
    sm_sway_config_default(&sc, a->rate_hz > 0 ? a->rate_hz : 1);
    a->have_sway =
        ok && a->rate_hz > 0 && sm_sway_compute(&sc, a->x, a->y, a->n, &a->sway) == SM_OK;
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        sm_analysis_free(a);
        return SM_ERR_NOMEM;
    }
    if (a->frames == 0) {
        snprintf(err, errlen, "%s holds no frames", path);
        sm_analysis_free(a);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

void sm_analysis_entry(const sm_analysis_t *a, const char *path, sm_protocol_t protocol,
                       double release_s, sm_history_entry_t *e)
{
    char session[SM_HISTORY_NAME_MAX];
    snprintf(session, sizeof session, "%s", e->session);
    memset(e, 0, sizeof *e);
    snprintf(e->session, sizeof e->session, "%s", session);
    e->start_unix_ms =
        a->header.start_unix_ms > 0 ? a->header.start_unix_ms : sm_history_file_mtime_ms(path);
    e->duration_s = a->duration_s;
    e->frames = a->frames;
    e->protocol = protocol;
    e->release_s = release_s;
    snprintf(e->source, sizeof e->source, "%s", a->header.source);
    snprintf(e->mat_uid, sizeof e->mat_uid, "%s", a->header.mat.uid);
    snprintf(e->mat_name, sizeof e->mat_name, "%s", a->header.mat.name);
    e->rows = a->header.mat.rows;
    e->cols = a->header.mat.cols;
    sm_history_entry_fill_sides(e, sm_pipeline_coach(a->pipe));
}

sm_status sm_analysis_settings(const char *path, const sm_history_meta_t *sidecar,
                               const sm_sessinfo_flags_t *flags, sm_sessinfo_t *info,
                               sm_session_header_t *h, char *err, size_t errlen)
{
    sm_session_reader_t *r = NULL;
    sm_status s = sm_session_reader_open(path, &r, err, errlen);
    if (s != SM_OK)
        return s;
    const sm_session_header_t *hh = sm_session_reader_header(r);
    sm_sessinfo_resolve(hh, sidecar, flags, info);
    if (h)
        *h = *hh;
    sm_session_reader_close(r);
    return SM_OK;
}

void sm_analysis_opts_apply(sm_analysis_opts_t *o, const sm_sessinfo_t *info)
{
    o->protocol = info->protocol;
    o->release_s = info->release_s;
    o->set_tool = info->set_tool;
    o->tool = sm_sesstool_kind(info->tool);
    o->ball_mm = info->ball_mm;
    o->auto_tool = info->auto_tool;
}

void sm_analysis_settle(const sm_analysis_t *a, sm_sessinfo_t *info)
{
    int detected = 0;
    sm_protocol_t p = sm_pipeline_protocol(a->pipe, &detected);
    sm_sessinfo_settle(info, p, detected);
}

void sm_analysis_entry_info(const sm_analysis_t *a, const char *path, const sm_sessinfo_t *info,
                            sm_history_entry_t *e)
{
    sm_analysis_entry(a, path, info->protocol, info->release_s, e);
    e->tool = (int)info->tool;
    snprintf(e->patient, sizeof e->patient, "%s", info->patient);
}

sm_status sm_analysis_history_fn(void *ctx, const char *session_path, const sm_history_meta_t *meta,
                                 sm_history_entry_t *out, char *err, size_t errlen)
{
    const char *dir = ctx;
    sm_analysis_opts_t o = {.protocol = SM_PROTO_BALL_RELEASE};
    sm_sessinfo_t info;
    sm_session_header_t *h = malloc(sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    sm_status s = sm_analysis_settings(session_path, meta, NULL, &info, h, err, errlen);
    if (s != SM_OK) {
        free(h);
        return s;
    }
    sm_analysis_opts_apply(&o, &info);
    if (meta) {
        o.inputs = meta->inputs;
        o.n_inputs = meta->n_inputs;
    }
    /* The calibration the session was recorded with, when it is still to be found. */
    sm_calib_t *cal = NULL;
    char cpath[PATH_MAX], why[400];
    if (!sm_sessinfo_calib_find(session_path, dir, h, &cal, cpath, sizeof cpath, why, sizeof why) &&
        why[0])
        fprintf(stderr, "steadymat: %s: %s\n", session_path, why);
    free(h);
    o.cal = cal;
    sm_analysis_t a;
    s = sm_analysis_run(session_path, &o, &a, err, errlen);
    sm_calib_destroy(cal);
    if (s != SM_OK)
        return s;
    sm_analysis_settle(&a, &info);
    sm_analysis_entry_info(&a, session_path, &info, out);
    sm_analysis_free(&a);
    return SM_OK;
}

/* A copy of the calibration in force beside the history, named by its hash, so the session
 * can be re-analysed with it after the mat is recalibrated (kept once, never overwritten). */
static void keep_calibration(const char *dir, const char *calib_path, const char *hash)
{
    char hist[PATH_MAX], copy[PATH_MAX], err[300];
    if (!calib_path || !hash || !hash[0])
        return;
    if (!dir) {
        if (sm_history_default_dir(hist, sizeof hist) != SM_OK)
            return;
        dir = hist;
    }
    if (!sm_sessinfo_calib_copy_path(dir, hash, copy, sizeof copy))
        return;
    FILE *f = fopen(copy, "rb");
    if (f) {
        fclose(f);
        return; /* kept already: the name is the content's hash */
    }
    char *text = NULL;
    size_t n;
    if (sm_file_read(calib_path, 4u << 20, &text, &n, err, sizeof err) != SM_OK ||
        sm_file_write_atomic(copy, text, n, "calibration copy", err, sizeof err) != SM_OK)
        fprintf(stderr, "steadymat: the calibration was not copied into the history: %s\n", err);
    free(text);
}

int sm_analysis_history_add_live(const sm_history_live_t *l)
{
    sm_history_meta_t *meta = malloc(sizeof *meta);
    if (!meta) {
        fprintf(stderr, "steadymat: session not added to the history: out of memory\n");
        return 1;
    }
    sm_history_meta_init(meta, l->protocol, l->release_s);
    for (size_t i = 0; l->inputs && i < l->n_inputs; i++)
        sm_history_meta_input(meta, l->inputs[i].t_s, l->inputs[i].input, l->inputs[i].value);
    sm_history_entry_t e;
    memset(&e, 0, sizeof e);
    e.start_unix_ms =
        l->start_unix_ms > 0 ? l->start_unix_ms : sm_history_file_mtime_ms(l->session_path);
    e.duration_s = l->duration_s;
    e.frames = l->frames;
    e.protocol = l->protocol;
    e.release_s = l->release_s;
    /* as re-analysis resolves it: a session that does not say has the protocol's tool */
    e.tool = l->tool == SM_SESSTOOL_BALL || l->tool == SM_SESSTOOL_HIP_HOOK ? (int)l->tool
             : l->protocol == SM_PROTO_HIP_HOOK                             ? SM_SESSTOOL_HIP_HOOK
                                                                            : SM_SESSTOOL_BALL;
    snprintf(e.patient, sizeof e.patient, "%s", l->patient ? l->patient : "");
    snprintf(e.source, sizeof e.source, "%s", l->source ? l->source : "");
    if (l->mat) {
        snprintf(e.mat_uid, sizeof e.mat_uid, "%s", l->mat->uid);
        snprintf(e.mat_name, sizeof e.mat_name, "%s", l->mat->name);
        e.rows = l->mat->rows;
        e.cols = l->mat->cols;
    }
    if (l->coach)
        sm_history_entry_fill_sides(&e, l->coach);
    sm_history_report_t rep;
    char err[512];
    keep_calibration(l->dir, l->calib_path, l->calib_hash);
    sm_status s = sm_history_add(l->dir, l->session_path, meta, &e, sm_analysis_history_fn,
                                 (void *)l->dir, &rep, err, sizeof err);
    free(meta);
    if (rep.message[0])
        fprintf(stderr, "steadymat: %s\n", rep.message);
    if (s != SM_OK) {
        fprintf(stderr, "steadymat: session not added to the history: %s\n", err);
        return 1;
    }
    fprintf(stderr, "steadymat: session saved in the history (%s)\n", l->session_path);
    return 0;
}
