#include "sm_placement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_session.h"
#include "sm_template.h"
#include "sm_template_file.h"
#include "sm_zone.h"

#define MAX_LIST 64

struct sm_placement {
    const char *dir;
    sm_protocol_t protocol;
    sm_template_t tpl;
    int have_tpl;
    sm_template_settings_t settings;
    sm_template_tracker_t tracker;
    sm_zone_tracker_t *zones;
    sm_template_loc_t loc;
    int have_loc;
    sm_template_match_t match;
    sm_zone_out_t zout;
    /* the last frame, as sm_template_capture needs it */
    sm_mat_view_t view;
    const sm_frame_t *frame;
    int rows, cols;
    double pitch_mm;
    /* for the view */
    uint8_t mask[SM_MAX_CELLS];
    int have_mask;
    sm_view_zone_t vzones[SM_ZONE_MAX];
    int n_vzones;
    char text[160];
    sm_frame_t snap; /* the template's picture */
    int have_snap;
};

/* <store>/<file name of the template>.smsession */
static int snapshot_path(const sm_placement_t *p, const char *name, char *buf, size_t n)
{
    char dir[1024];
    if (p->dir)
        snprintf(dir, sizeof dir, "%s", p->dir);
    else if (sm_template_default_dir(dir, sizeof dir) != SM_OK)
        return 0;
    if (sm_template_path(dir, name, buf, n) != SM_OK)
        return 0;
    size_t len = strlen(buf);
    if (len < 5 || len + 10 > n)
        return 0;
    snprintf(buf + len - 5, n - (len - 5), ".smsession"); /* replaces ".json" */
    return 1;
}

static void save_snapshot(sm_placement_t *p, const char *name)
{
    char path[1100], err[200];
    if (!p->frame || !snapshot_path(p, name, path, sizeof path))
        return;
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = p->frame->rows;
    h.mat.cols = p->frame->cols;
    h.mat.pitch_mm = p->pitch_mm;
    h.mat.sample_max = 65535;
    snprintf(h.source, sizeof h.source, "template: %s", name);
    sm_session_writer_t *w;
    if (sm_session_writer_open(path, &h, &w, err, sizeof err) != SM_OK)
        return;
    sm_frame_t *f = &p->snap;
    *f = *p->frame;
    f->t_us = 0;
    sm_session_writer_frame(w, f, err, sizeof err);
    if (sm_session_writer_close(w, err, sizeof err) == SM_OK)
        p->have_snap = 1;
}

static void load_snapshot(sm_placement_t *p, const char *name)
{
    char path[1100], err[200];
    p->have_snap = 0;
    sm_session_reader_t *r;
    if (!snapshot_path(p, name, path, sizeof path) ||
        sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        return;
    sm_session_record_t *rec = malloc(sizeof *rec);
    while (rec && sm_session_reader_next(r, rec) == SM_OK)
        if (rec->kind == SM_REC_FRAME) {
            p->snap = rec->frame;
            p->have_snap = 1;
            break;
        }
    free(rec);
    sm_session_reader_close(r);
}

sm_placement_t *sm_placement_create(const char *dir, sm_protocol_t protocol)
{
    sm_placement_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->dir = dir;
    p->protocol = protocol;
    sm_template_settings_default(&p->settings);
    sm_template_tracker_init(&p->tracker, &p->settings);
    sm_zone_settings_t zs;
    sm_zone_settings_default(&zs);
    if (sm_zone_tracker_create(&zs, &p->zones) != SM_OK) {
        free(p);
        return NULL;
    }
    return p;
}

void sm_placement_destroy(sm_placement_t *p)
{
    if (!p)
        return;
    sm_zone_tracker_destroy(p->zones);
    free(p);
}

/* The template's footprint cells at its target on the live mat, for the ghost outline. */
static void build_mask(sm_placement_t *p)
{
    p->have_mask = 0;
    if (!p->have_tpl || !p->tpl.has_tool || !p->have_loc || !p->loc.has_target)
        return;
    memset(p->mask, 0, (size_t)p->rows * p->cols);
    for (int i = 0; i < p->tpl.ncells; i++) {
        int c = (int)floor((p->loc.target_x_mm + p->tpl.cell_dx_mm[i]) / p->pitch_mm);
        int r = (int)floor((p->loc.target_y_mm + p->tpl.cell_dy_mm[i]) / p->pitch_mm);
        if (r >= 0 && r < p->rows && c >= 0 && c < p->cols) {
            p->mask[r * p->cols + c] = 1;
            p->have_mask = 1;
        }
    }
}

static void build_zones(sm_placement_t *p)
{
    p->n_vzones = 0;
    if (!p->have_tpl || !p->have_loc)
        return;
    for (int i = 0; i < p->tpl.nzones && i < SM_ZONE_MAX; i++) {
        sm_view_zone_t *z = &p->vzones[p->n_vzones++];
        z->ellipse = p->tpl.zones[i].kind == SM_ZONE_ELLIPSE;
        sm_zone_to_mat(&p->tpl.zones[i], &p->loc.frame, &z->x0, &z->y0, &z->x1, &z->y1);
        z->active = (int)((p->zout.inside >> i) & 1u);
    }
}

void sm_placement_frame(sm_placement_t *p, sm_pipeline_t *pipe, const sm_frame_t *f,
                        const float *values, double pitch_mm)
{
    const uint8_t *labels = sm_pipeline_labels(pipe, f->rows, f->cols);
    if (!labels) { /* a frame of another mat than the coach's: nothing to compare it with */
        p->frame = NULL;
        p->have_mask = 0;
        memset(&p->view, 0, sizeof p->view);
        return;
    }
    p->frame = f;
    p->rows = f->rows;
    p->cols = f->cols;
    p->pitch_mm = pitch_mm;
    p->view = (sm_mat_view_t){sm_pipeline_contact(pipe),
                              labels,
                              values,
                              values ? NULL : f->cells,
                              f->rows,
                              f->cols,
                              pitch_mm};
    if (!p->have_tpl)
        return;
    sm_template_locate(&p->tpl, &p->view, &p->settings, p->have_loc ? &p->loc : NULL, &p->loc);
    p->have_loc = 1;
    sm_template_compare(&p->tpl, p->view.f, &p->loc, &p->settings, &p->match);
    sm_template_guide_t g;
    /* No "closer" or "on target" before the coach has found the tool: a chime while the person
     * is still lying down would praise a placement that does not exist yet. */
    int found = p->view.f->present && sm_pipeline_coach_out(pipe)->state != SM_STATE_SEARCH;
    sm_template_tracker_update(&p->tracker, found ? &p->match : NULL, p->view.f->t_s, &g);
    for (int i = 0; i < g.n_cues; i++)
        sm_pipeline_cue(pipe, &g.cues[i]);
    sm_zone_tracker_update(p->zones, p->tpl.zones, (size_t)p->tpl.nzones, &p->loc.frame, &p->view,
                           &p->zout);
    for (int i = 0; i < p->zout.n_cues; i++)
        sm_pipeline_cue(pipe, &p->zout.cues[i]);
    build_mask(p);
    build_zones(p);
    if (p->tpl.has_tool)
        snprintf(p->text, sizeof p->text, "%s: %s", p->tpl.name, p->match.text);
    else
        snprintf(p->text, sizeof p->text, "%s: no-go zones only", p->tpl.name);
}

static void use(sm_placement_t *p, const sm_template_t *t)
{
    p->tpl = *t;
    p->have_tpl = 1;
    p->have_loc = 0;
    p->zout = (sm_zone_out_t){0};
    sm_template_tracker_reset(&p->tracker);
    sm_zone_tracker_reset(p->zones);
}

static int capture(sm_placement_t *p, const char *name, sm_template_t *out, char *msg, size_t n)
{
    if (!p->frame || !p->view.f) {
        snprintf(msg, n, "No frame yet: nothing to save");
        return 0;
    }
    sm_status s =
        sm_template_capture(&p->view, name, p->protocol, sm_coach_posture(p->protocol), out);
    if (s != SM_OK && s != SM_EMPTY) {
        snprintf(msg, n, "Cannot save a template named '%s'", name);
        return 0;
    }
    return 1;
}

void sm_placement_save(sm_placement_t *p, const char *name, char *msg, size_t n)
{
    sm_template_t *t = malloc(sizeof *t);
    if (!t || !capture(p, name, t, msg, n)) {
        free(t);
        return;
    }
    if (p->have_tpl) { /* keep the zones drawn so far with the new placement */
        t->nzones = p->tpl.nzones;
        memcpy(t->zones, p->tpl.zones, sizeof t->zones);
    }
    char err[200];
    p->have_snap = 0;
    if (sm_template_store_save(p->dir, t, err, sizeof err) != SM_OK) {
        snprintf(msg, n, "Template not saved: %s", err);
    } else {
        save_snapshot(p, t->name);
        snprintf(msg, n,
                 t->has_tool ? "Saved template '%s'"
                             : "Saved '%s' (no tool on the mat: zones only)",
                 t->name);
    }
    int snap = p->have_snap;
    use(p, t);
    p->have_snap = snap;
    free(t);
}

int sm_placement_load(sm_placement_t *p, const char *name, char *msg, size_t n)
{
    sm_template_t *t = malloc(sizeof *t);
    char err[200];
    if (!t || sm_template_store_load(p->dir, name, t, err, sizeof err) != SM_OK) {
        snprintf(msg, n, "Template '%s' not loaded: %s", name, t ? err : "out of memory");
        free(t);
        return 0;
    }
    use(p, t);
    free(t);
    load_snapshot(p, name);
    snprintf(msg, n, "Template '%s'", name);
    return 1;
}

void sm_placement_next(sm_placement_t *p, char *msg, size_t n)
{
    static sm_template_entry_t list[MAX_LIST];
    size_t count = 0, bad = 0;
    char err[200];
    if (sm_template_store_list(p->dir, list, MAX_LIST, &count, &bad, err, sizeof err) != SM_OK ||
        count == 0) {
        snprintf(msg, n, "No saved templates yet: press t to save the current placement");
        return;
    }
    if (count > MAX_LIST)
        count = MAX_LIST;
    size_t next = 0;
    if (p->have_tpl) {
        for (size_t i = 0; i < count; i++)
            if (!strcmp(list[i].name, p->tpl.name))
                next = i + 1;
        if (next == count) { /* past the last: none */
            p->have_tpl = 0;
            p->have_mask = 0;
            p->n_vzones = 0;
            snprintf(msg, n, "No template shown");
            return;
        }
    }
    sm_placement_load(p, list[next].name, msg, n);
}

void sm_placement_mirror(sm_placement_t *p, char *msg, size_t n)
{
    if (!p->have_tpl) {
        snprintf(msg, n, "No template to mirror: press g to show one");
        return;
    }
    sm_template_t *t = malloc(sizeof *t);
    if (!t)
        return;
    sm_template_mirror(&p->tpl, t);
    /* Its own name, so that zone edits never overwrite the original side's file. */
    char name[SM_TEMPLATE_NAME_MAX];
    snprintf(name, sizeof name, "%s", p->tpl.name);
    size_t len = strlen(name);
    const char *tag = " (mirrored)";
    size_t tl = strlen(tag);
    if (len > tl && !strcmp(name + len - tl, tag)) {
        name[len - tl] = 0; /* mirroring back restores the original name */
        snprintf(t->name, sizeof t->name, "%s", name);
    } else {
        snprintf(t->name, sizeof t->name, "%.*s%s", (int)(sizeof t->name - tl - 1), name, tag);
    }
    use(p, t);
    p->have_snap = 0; /* the saved picture shows the other side */
    free(t);
    snprintf(msg, n, "Template '%s' mirrored for the %s side", p->tpl.name,
             sm_side_name(p->tpl.side));
}

void sm_placement_add_zone(sm_placement_t *p, const sm_view_zone_t *z, char *msg, size_t n)
{
    if (!p->have_tpl) { /* zones need a body reference: a zones-only template */
        sm_template_t *t = malloc(sizeof *t);
        if (!t || !capture(p, "no-go zones", t, msg, n)) {
            free(t);
            return;
        }
        t->has_tool = 0;
        use(p, t);
        free(t);
        if (p->view.f)
            sm_template_locate(&p->tpl, &p->view, &p->settings, NULL, &p->loc);
        p->have_loc = 1;
    }
    if (p->tpl.nzones >= SM_ZONE_MAX) {
        snprintf(msg, n, "At most %d no-go zones", SM_ZONE_MAX);
        return;
    }
    sm_zone_t zone;
    if (sm_zone_from_mat(z->ellipse ? SM_ZONE_ELLIPSE : SM_ZONE_RECT, z->x0, z->y0, z->x1, z->y1,
                         p->have_loc ? &p->loc.frame : NULL, &zone) != SM_OK) {
        snprintf(msg, n, "That zone is too small");
        return;
    }
    p->tpl.zones[p->tpl.nzones++] = zone;
    sm_zone_tracker_reset(p->zones);
    build_zones(p);
    char err[200];
    if (sm_template_store_save(p->dir, &p->tpl, err, sizeof err) != SM_OK)
        snprintf(msg, n, "No-go zone added (not saved: %s)", err);
    else
        snprintf(msg, n, "No-go zone added to '%s'", p->tpl.name);
}

void sm_placement_clear_zones(sm_placement_t *p, char *msg, size_t n)
{
    if (!p->have_tpl || p->tpl.nzones == 0) {
        snprintf(msg, n, "No no-go zones to clear");
        return;
    }
    p->tpl.nzones = 0;
    p->n_vzones = 0;
    sm_zone_tracker_reset(p->zones);
    char err[200];
    if (sm_template_store_save(p->dir, &p->tpl, err, sizeof err) != SM_OK)
        snprintf(msg, n, "Zones cleared (not saved: %s)", err);
    else
        snprintf(msg, n, "No-go zones of '%s' cleared", p->tpl.name);
}

void sm_placement_view(const sm_placement_t *p, sm_view_model_t *vm)
{
    if (!p->have_tpl)
        return;
    /* The mask is for the mat of the last frame placed: only over a picture of that size. */
    int fits = !vm->frame || (vm->frame->rows == p->rows && vm->frame->cols == p->cols);
    vm->template_mask = p->have_mask && fits ? p->mask : NULL;
    vm->template_text = p->text[0] ? p->text : NULL;
    vm->template_on_target = p->match.valid && p->match.on_target;
    vm->zones = p->n_vzones ? p->vzones : NULL;
    vm->n_zones = p->n_vzones;
    vm->zone_alert = p->zout.warning;
}

const sm_frame_t *sm_placement_snapshot(const sm_placement_t *p)
{
    return p->have_tpl && p->have_snap ? &p->snap : NULL;
}

int sm_placement_alert(const sm_placement_t *p)
{
    return p->have_tpl && p->zout.warning;
}

void sm_placement_reset(sm_placement_t *p)
{
    p->have_loc = 0;
    p->zout = (sm_zone_out_t){0};
    sm_template_tracker_reset(&p->tracker);
    sm_zone_tracker_finish(p->zones, p->view.f ? p->view.f->t_s : 0);
    /* The view points into the coach's pipeline, which is about to be rebuilt. */
    p->frame = NULL;
    p->have_mask = 0;
    p->n_vzones = 0;
    memset(&p->view, 0, sizeof p->view);
}

void sm_placement_finish(sm_placement_t *p, double t_s)
{
    sm_zone_tracker_finish(p->zones, t_s);
}

const sm_zone_event_t *sm_placement_zone_events(const sm_placement_t *p, size_t *n)
{
    return sm_zone_tracker_events(p->zones, n);
}

const char *sm_placement_template_name(const sm_placement_t *p)
{
    return p->have_tpl ? p->tpl.name : "";
}
