#include "sm_run.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_analysis.h"
#include "sm_calib.h"
#include "sm_calib_file.h"
#include "sm_config.h"

#define SM_REFERENCE_LABEL "reference profile, not calibrated for this mat"
#include "sm_clock.h"
#include "sm_cue.h"
#include "sm_file.h"
#include "sm_firstrun.h"
#include "sm_history.h"
#include "sm_history_store.h"
#include "sm_pace.h"
#include "sm_pipeline.h"
#include "sm_placement.h"
#include "sm_report.h"
#include "sm_session.h"
#include "sm_sim.h"
#include "sm_sound.h"
#include "sm_view.h"
#include "sm_voice.h"
#include "sm_wav.h"

#define SOUND_RATE 44100

#define TOUR_PAUSE_S 1.2 /* the sound tour: silence after each cue, to read its line */

#define MAX_FRAMES_PER_TURN 256   /* keep the window responsive when a replay or sim races ahead */
#define INPUT_US            15000  /* keys are read 66 times a second while someone uses them, */
#define INPUT_IDLE_US       40000  /* 25 times a second otherwise, */
#define INPUT_ACTIVE_US     2000000 /* for this long after the last key, click or window event */

/* A session shorter than this without a hold is a test of the mat, not kept in the history. */
#define SM_RUN_HISTORY_MIN_S 30.0

/* A mat of another size closes the segment; after this many the session stops recording (a
 * mat flipping sizes on every frame must not flood the disk with files). */
#define SM_RUN_MAX_SEGMENTS 16

typedef struct {
    char path[4096];
    int rows, cols;
    unsigned long frames;
} segment_t;

typedef struct {
    const sm_run_config_t *rc;
    sm_source_t *src;
    sm_view_t *view;
    double render_cpu_s; /* the window's pictures: CPU spent drawing them (sm_view_draw_stats) */
    sm_source_status_t st;
    sm_frame_t *frame; /* latest frame */
    sm_frame_t *shown; /* frame on screen (frozen while paused) */
    int have_frame, have_shown;
    sm_metrics_t m, shown_m;
    sm_trail_t trail;
    sm_summary_t sum;
    double scale_max;
    double fixed_max;         /* scale top when the mat told its full scale */
    sm_autoscale_t autoscale; /* when it did not (text mats, imported files) */
    int paused;
    /* frames per second over the last second of session time */
    double fps;
    uint64_t fps_t0;
    unsigned long fps_n;
    /* recording: one file per mat size (segment); a new mat size closes the segment with a
     * marker and goes on in a sibling file */
    sm_session_writer_t *rec;
    int rec_failed;
    unsigned long rec_frames;      /* frames recorded in the open segment */
    unsigned long rec_frames_done; /* ... in the segments closed before it */
    char rec_msg[256];
    char seg_path[4096]; /* the open segment's file */
    int seg_rows, seg_cols;
    double seg_first_t_s;
    sm_mat_info_t seg_mat; /* the mat of the open segment, for its history entry */
    segment_t segs[SM_RUN_MAX_SEGMENTS];
    int n_segs; /* segments begun (the open one is the last) */
    int64_t start_unix_ms;
    /* history */
    char hist_path[4096];
    int hist_failed;
    sm_history_input_t inputs[256];
    size_t n_inputs;
    int nogo; /* the coach was told the tool is in a no-go zone */
    /* calibration */
    char cal_id[64], cal_hash[72]; /* of the calibration in force, for the recording */
    char patient[128];             /* rc->patient as the header stores it, "" = none (n edits) */
    char seg_patient[128];         /* ... as the open segment's header has it */
    sm_calib_t *cal;
    sm_calib_creep_t *creep; /* removes the calibrated creep: a constant load reads constant */
    int cal_ok;              /* the latest frame was calibrated */
    int restarted;           /* the coach was restarted after a replay seek */
    int muted;               /* the sound settings survive a restart of the coach */
    double volume;
    int cal_checked;
    int cal_reference; /* the reference profile, not this mat's own calibration */
    char cal_path[1024];
    char cal_msg[256];
    float values[SM_MAX_CELLS]; /* the frame in display units: kPa/mmHg, or raw counts */
    float shown_values[SM_MAX_CELLS];
    uint8_t shown_labels[SM_MAX_CELLS];
    int have_labels; /* shown_labels belong to the shown frame */
    uint8_t ghosts[SM_MAX_CELLS];
    float cmp_values[SM_MAX_CELLS];
    char sides_text[128];
    double sides_key[4]; /* what sides_text says (sides_have) */
    int sides_have;
    char tool_text[128]; /* "No tool found - ..." while searching */
    char proto_text[96]; /* the protocol coached, for the panel */
    sm_protocol_t proto_key; /* what proto_text says (proto_have) */
    int proto_found, proto_have;
    int proto_known;     /* auto_tool: the footprint chose proto (kept over a mat change) */
    sm_protocol_t proto;
    int presenter;
    int clinician;   /* the clinician view (v): diagnostics on screen */
    char toast[200]; /* the answer to the last key, shown until toast_until (wall s) */
    double toast_until;
    /* the pressure on the tool in words: its force (N, < 0 none) and level (0 none, 1 light,
     * 2 firm, 3 too hard; held within 10 % of a threshold so it does not flicker) */
    double tool_n;
    int pressure_level;
    float tool_values[SM_MAX_CELLS];
    int safety; /* the safety screen is up */
    char link_text[192];
    int compare; /* 0 off, 1 template vs live, 2 left vs right */
    sm_placement_t *place;
    char place_msg[200];
    double place_msg_until; /* session time the message stops showing */
    /* left vs right: the last frame of each side's steadiest moment so far */
    sm_frame_t *side_frame[2];
    float *side_values[2];
    uint8_t *side_labels[2]; /* its faulty cells, drawn as their neighbours like the live map */
    int side_has_labels[2];
    double side_steady[2];
    int have_side[2];
    /* the coach and its sound */
    sm_pipeline_t *pipe;
    int pipe_failed;
    sm_sound_t *speaker;
    sm_wav_writer_t *wav;
    int wav_failed;
    char sound_msg[256];
    sm_voice_t *voice; /* --voice: the phrases, synthesised once at start */
    /* the sound tour (s): the next cue to play + 1 (0: off), when, and what the screen says */
    int tour;
    double tour_t;
    char tour_msg[400];
    int offer; /* "press s to hear the sounds" shows until s is pressed or the session ends */
    int16_t pcm[4096];
    double first_t_s, last_t_s;
} run_t;

void sm_run_config_default(sm_run_config_t *rc)
{
    memset(rc, 0, sizeof *rc);
    rc->fps_cap = 60;
    rc->threshold = -1;
    rc->start_timeout_s = 5;
    rc->width = 1280;
    rc->height = 800;
    rc->protocol = SM_PROTO_BALL_RELEASE;
    rc->volume = 0.8;
    rc->safety_first = 1;
}

/* Whether this session goes into the history: a real mat's yes, the simulator's only if asked. */
static int keeps_history(const run_t *r)
{
    if (r->rc->history >= 0)
        return r->rc->history;
    return !strcmp(r->st.kind, "serial") || !strcmp(r->st.kind, "tty");
}

/* The file of segment k (0 = the first): the path given for k = 0, else a sibling
 * "<stem>.seg<k+1><ext>" ("s.smsession" -> "s.seg2.smsession"). */
static int segment_path(const char *base, int k, char *buf, size_t n)
{
    if (k == 0)
        return snprintf(buf, n, "%s", base) < (int)n;
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(base, '.');
    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : base))
        dot = base + strlen(base);
    int len = snprintf(buf, n, "%.*s.seg%d%s", (int)(dot - base), base, k + 1, dot);
    return len > 0 && (size_t)len < n;
}

static void record(run_t *r, const sm_frame_t *f)
{
    char err[256];
    const char *path = NULL;
    if (r->rc->record_path && !r->rec && !r->rec_failed) {
        if (!segment_path(r->rc->record_path, r->n_segs, r->seg_path, sizeof r->seg_path)) {
            r->rec_failed = 1;
            snprintf(r->rec_msg, sizeof r->rec_msg, "Not recording: the file name is too long");
            fprintf(stderr, "steadymat: %s\n", r->rec_msg);
            return;
        }
    }
    if (r->rc->record_path)
        path = r->seg_path;
    if (!path && keeps_history(r) && !r->hist_failed) {
        if (!r->hist_path[0] &&
            sm_history_new_session_path_in(r->rc->history_dir, r->start_unix_ms, r->hist_path,
                                           sizeof r->hist_path, err, sizeof err) != SM_OK) {
            r->hist_failed = 1;
            fprintf(stderr, "steadymat: not saving this session in the history: %s\n", err);
        }
        path = r->hist_path[0] ? r->hist_path : NULL;
    }
    if (!path || r->rec_failed)
        return;
    if (!r->rec) {
        sm_session_header_t h;
        memset(&h, 0, sizeof h);
        h.mat = r->st.mat;
        h.mat.rows = f->rows;
        h.mat.cols = f->cols;
        snprintf(h.source, sizeof h.source, "%s", r->st.label);
        h.start_unix_ms = r->start_unix_ms;
        /* How the session was practised, so that it can be analysed the same way later. */
        sm_coach_settings_t cs;
        sm_coach_settings_default(&cs, r->rc->protocol);
        snprintf(h.protocol, sizeof h.protocol, "%s", sm_protocol_name(r->rc->protocol));
        h.release_s = r->rc->release_s > 0                   ? r->rc->release_s
                      : r->rc->protocol == SM_PROTO_HIP_HOOK ? cs.hook_phase_s
                                                             : cs.release_s;
        /* The tool the coach looks for: --tool, else the protocol's; none when the footprint
         * chooses (auto_tool: analyze and replay then choose the same way from protocol). */
        if (r->rc->auto_tool && !r->rc->tool_set) {
            h.tool = SM_SESSTOOL_UNKNOWN;
        } else if (r->rc->tool_set) {
            h.tool = r->rc->tool == SM_TOOL_HOOK ? SM_SESSTOOL_HIP_HOOK : SM_SESSTOOL_BALL;
            h.ball_diameter_mm = r->rc->tool == SM_TOOL_HOOK ? 0 : r->rc->ball_mm;
        } else {
            h.tool = r->rc->protocol == SM_PROTO_HIP_HOOK ? SM_SESSTOOL_HIP_HOOK : SM_SESSTOOL_BALL;
        }
        snprintf(h.patient, sizeof h.patient, "%s", r->patient);
        snprintf(r->seg_patient, sizeof r->seg_patient, "%s", r->patient);
        if (r->cal) {
            snprintf(h.calib_id, sizeof h.calib_id, "%s", r->cal_id);
            snprintf(h.calib_hash, sizeof h.calib_hash, "%s", r->cal_hash);
        }
        snprintf(h.app_version, sizeof h.app_version, "%s", SM_VERSION);
        /* The first file is the one asked for; the sibling files of later mats are new files,
         * never written over. */
        sm_status os = r->n_segs == 0 || !r->rc->record_path
                           ? sm_session_writer_open(path, &h, &r->rec, err, sizeof err)
                           : sm_session_writer_open_new(path, &h, &r->rec, err, sizeof err);
        if (os != SM_OK) {
            r->rec_failed = 1;
            snprintf(r->rec_msg, sizeof r->rec_msg, "Not recording: %s", err);
            fprintf(stderr, "steadymat: %s\n", r->rec_msg);
            return;
        }
        segment_t *sg = &r->segs[r->n_segs++];
        snprintf(sg->path, sizeof sg->path, "%s", path);
        sg->rows = f->rows;
        sg->cols = f->cols;
        sg->frames = 0;
        r->seg_mat = h.mat;
        if (r->n_segs > 1) {
            /* The marker at the head of a later segment: where the session came from. */
            char why[96];
            const segment_t *prev = &r->segs[r->n_segs - 2];
            const char *name = strrchr(prev->path, '/');
            snprintf(why, sizeof why, "mat changed from %dx%d; continues %s", prev->rows,
                     prev->cols, name ? name + 1 : prev->path);
            sm_session_writer_gap(r->rec, f->t_us, f->t_us, why, err, sizeof err);
        }
    }
    sm_status s = SM_OK;
    if ((f->flags & SM_FRAME_AFTER_GAP) && r->st.last_gap_end_us >= r->st.last_gap_start_us)
        s = sm_session_writer_gap(r->rec, r->st.last_gap_start_us, r->st.last_gap_end_us,
                                  "mat disconnected", err, sizeof err);
    if (s == SM_OK)
        s = sm_session_writer_frame(r->rec, f, err, sizeof err);
    r->rec_frames = sm_session_writer_frames(r->rec);
    r->segs[r->n_segs - 1].frames = r->rec_frames;
    if (s != SM_OK) {
        r->rec_failed = 1;
        snprintf(r->rec_msg, sizeof r->rec_msg, "%s", err);
        fprintf(stderr, "steadymat: %s\n", err);
    }
}

/* For "left versus right": keep a picture of each side while it is held steadily, the one
 * with the most steady time so far. */
static void keep_side_picture(run_t *r, const sm_frame_t *f)
{
    const sm_coach_out_t *co = sm_pipeline_coach_out(r->pipe);
    if (co->state != SM_STATE_HOLD || co->moving || co->side == SM_SIDE_UNKNOWN)
        return;
    int k = co->side == SM_SIDE_RIGHT ? 0 : 1;
    /* A new picture for each further second of steady time is plenty. */
    if (r->have_side[k] && co->steady_s < r->side_steady[k] + 1.0)
        return;
    if (!r->side_frame[k] || !r->side_values[k] || !r->side_labels[k]) {
        free(r->side_frame[k]);
        free(r->side_values[k]);
        free(r->side_labels[k]);
        r->side_frame[k] = malloc(sizeof *r->side_frame[k]);
        r->side_values[k] = malloc(sizeof(float) * SM_MAX_CELLS);
        r->side_labels[k] = malloc(SM_MAX_CELLS);
        if (!r->side_frame[k] || !r->side_values[k] || !r->side_labels[k])
            return;
    }
    memcpy(r->side_frame[k], f, sizeof *f);
    memcpy(r->side_values[k], r->shown_values, sizeof(float) * f->rows * f->cols);
    r->side_has_labels[k] = r->have_labels;
    if (r->have_labels)
        memcpy(r->side_labels[k], r->shown_labels, (size_t)f->rows * f->cols);
    r->side_steady[k] = co->steady_s;
    r->have_side[k] = 1;
}

/* The coach on every frame (paused or not: the session goes on); created once the mat's size
 * is known. */
static void coach(run_t *r, const sm_frame_t *f)
{
    /* The coach works in the units the mat will keep: wait until the calibration is settled. */
    if (!r->cal_checked && !r->rc->no_calibration)
        return;
    if (!r->pipe && !r->pipe_failed) {
        sm_pipeline_config_t pc = {f->rows,
                                   f->cols,
                                   r->st.mat.pitch_mm > 0 ? r->st.mat.pitch_mm : 25.0,
                                   r->proto_known ? r->proto : r->rc->protocol,
                                   r->rc->release_s,
                                   SOUND_RATE,
                                   0.8f,
                                   r->creep != NULL,
                                   r->rc->auto_tool && !r->rc->tool_set && !r->proto_known};
        if (sm_pipeline_create(&pc, &r->pipe) != SM_OK) {
            r->pipe_failed = 1;
            fprintf(stderr, "steadymat: the coach cannot run on a %ux%u mat\n", f->rows, f->cols);
            return;
        }
        if (r->rc->tool_set)
            sm_pipeline_set_tool(r->pipe, r->rc->tool, r->rc->ball_mm);
        sm_mix_set_volume(sm_pipeline_mix(r->pipe), (float)r->volume);
        sm_mix_set_mute(sm_pipeline_mix(r->pipe), r->muted);
        if (r->voice)
            sm_pipeline_set_voice(r->pipe, sm_voice_pcm(r->voice), sm_voice_len(r->voice));
        if (r->restarted) /* after a replay seek the sound goes on from here */
            sm_mix_seek(sm_pipeline_mix(r->pipe), f->t_us / 1e6);
        r->restarted = 0;
    }
    if (r->pipe) {
        sm_pipeline_frame(r->pipe, f, r->cal_ok ? r->values : NULL);
        keep_side_picture(r, f);
        if (!r->place) {
            r->place = sm_placement_create(r->rc->template_dir, r->rc->protocol);
            if (r->place && r->rc->template_name) {
                sm_placement_load(r->place, r->rc->template_name, r->place_msg,
                                  sizeof r->place_msg);
                fprintf(stderr, "steadymat: %s\n", r->place_msg);
                r->place_msg_until = f->t_us / 1e6 + 4;
            }
        }
        if (r->place)
            sm_placement_frame(r->place, r->pipe, f, r->cal_ok ? r->values : NULL,
                               r->st.mat.pitch_mm > 0 ? r->st.mat.pitch_mm : 25.0);
        /* one state at a time: while the tool is in a no-go zone the hold pauses (kept with the
         * keys, so the history's re-analysis pauses the same) */
        int nogo = r->place && sm_placement_alert(r->place);
        if (nogo != r->nogo) {
            double t = f->t_us / 1e6;
            if (sm_pipeline_input(r->pipe, t, SM_COACH_IN_NOGO, nogo) == SM_OK && r->n_inputs < 256)
                r->inputs[r->n_inputs++] = (sm_history_input_t){t, SM_COACH_IN_NOGO, nogo};
            r->nogo = nogo;
        }
    }
}

/* The reference mat (SteadyMat firmware, 32 x 24) with no calibration of its own: the installed
 * reference profile (or the source tree's, for a build run in place), labelled as such. The
 * simulated reference mat ("SteadyMat sim", every sensor effect on) models that mat, so it
 * reads through the same profile; a simulator with other effects names itself otherwise. */
static int reference_profile(run_t *r, const sm_frame_t *f)
{
    if ((strcmp(r->st.mat.name, "SteadyMat DIY") != 0 &&
         strcmp(r->st.mat.name, SM_SIM_MODEL_REFERENCE) != 0) ||
        f->rows != 32 || f->cols != 24)
        return 0;
    if (!sm_sessinfo_reference_profile(r->cal_path, sizeof r->cal_path))
        return 0;
    r->cal_reference = 1;
    return 1;
}

/* The mat's calibration: the file given, else the one saved for this mat's id. A file that does
 * not fit (another mat, another size, damaged) is reported and the session goes on uncalibrated. */
static void load_calibration(run_t *r, const sm_frame_t *f)
{
    const sm_run_config_t *rc = r->rc;
    if (r->cal_checked || rc->no_calibration)
        return;
    if (!rc->calibration_path && !r->st.mat.uid[0]) {
        /* A live mat says who it is in its INFO message, which may follow the first frames. */
        int may_tell = !r->st.have_info && r->sum.frames < 100 &&
                       (!strcmp(r->st.kind, "serial") || !strcmp(r->st.kind, "tty"));
        if (!may_tell)
            r->cal_checked = 1;
        return;
    }
    r->cal_checked = 1;
    char err[256];
    if (rc->calibration_path)
        snprintf(r->cal_path, sizeof r->cal_path, "%s", rc->calibration_path);
    else if ((sm_calib_default_path(r->st.mat.uid, r->cal_path, sizeof r->cal_path) != SM_OK ||
              access(r->cal_path, R_OK) != 0) &&
             !reference_profile(r, f))
        return; /* never calibrated: raw counts, labelled so */
    sm_mat_info_t expect = r->st.mat;
    expect.rows = f->rows;
    expect.cols = f->cols;
    sm_calib_data_t *d = malloc(sizeof *d);
    sm_status s = d ? sm_calib_file_load(r->cal_path, &expect, d, err, sizeof err) : SM_ERR_NOMEM;
    if (s == SM_OK) /* what the recording says was in force */
        s = sm_sessinfo_calib_identify(r->cal_path, d, r->cal_id, sizeof r->cal_id, r->cal_hash,
                                       sizeof r->cal_hash, err, sizeof err);
    if (s == SM_OK)
        s = sm_calib_create(d, &r->cal, err, sizeof err);
    if (s == SM_OK && sm_calib_creep_create(r->cal, &r->creep) != SM_OK) {
        snprintf(err, sizeof err, "out of memory");
        s = SM_ERR_NOMEM;
    }
    free(d);
    if (s != SM_OK) {
        snprintf(r->cal_msg, sizeof r->cal_msg, "Uncalibrated: %s", err);
        fprintf(stderr, "steadymat: %s; showing raw counts\n", err);
        sm_calib_destroy(r->cal);
        r->cal = NULL;
        return;
    }
    if (r->cal_reference)
        snprintf(r->cal_msg, sizeof r->cal_msg, "%s", SM_REFERENCE_LABEL);
    fprintf(stderr, "steadymat: calibration %s%s\n", r->cal_path,
            r->cal_reference ? " (" SM_REFERENCE_LABEL ")" : "");
}

static const char *pressure_units(const run_t *r)
{
    return r->cal_ok ? (r->rc->mmhg ? "mmHg" : "kPa") : "raw counts (uncalibrated)";
}

/* The sound tour: each cue in turn on the session clock, through the coach's scheduler (so it
 * never overlaps a coaching cue), its name and meaning on the screen and on stderr. */
static void tour_step(run_t *r)
{
    if (!r->tour || !r->pipe || !r->have_frame || r->last_t_s < r->tour_t)
        return;
    int k = r->tour - 1;
    if (k >= SM_CUE_KINDS) {
        r->tour = 0;
        r->tour_msg[0] = 0;
        return;
    }
    sm_cue_kind_t kind = (sm_cue_kind_t)k;
    double end = sm_pipeline_play(r->pipe, kind, sm_cue_typical_intensity(kind), r->last_t_s);
    snprintf(r->tour_msg, sizeof r->tour_msg, "Sound %d of %d - %s: %s %s", k + 1, SM_CUE_KINDS,
             sm_cue_title(kind), sm_cue_meaning(kind), sm_cue_todo(kind));
    fprintf(stderr, "steadymat: %s\n", r->tour_msg);
    r->tour_t = (end > r->last_t_s ? end : r->last_t_s + sm_cue_duration_s(kind)) + TOUR_PAUSE_S;
    r->tour++;
}

/* Hand the cue sounds mixed up to session time t_s to the speaker and the --audio-out file. */
static void sound(run_t *r, double t_s)
{
    if (!r->pipe)
        return;
    sm_mix_t *mix = sm_pipeline_mix(r->pipe);
    size_t n;
    char err[256];
    while ((n = sm_mix_render(mix, t_s, r->pcm, sizeof r->pcm / sizeof r->pcm[0])) > 0) {
        /* The speaker only at normal speed: a fast replay or simulation would be a blur. */
        if (r->st.speed <= 0 || (r->st.speed > 0.99 && r->st.speed < 1.01))
            sm_sound_play(r->speaker, r->pcm, n);
        if (r->wav && !r->wav_failed && sm_wav_write(r->wav, r->pcm, n, err, sizeof err) != SM_OK) {
            r->wav_failed = 1;
            snprintf(r->sound_msg, sizeof r->sound_msg, "%s", err);
            fprintf(stderr, "steadymat: %s\n", err);
        }
    }
}

/* A name typed (n) after the segment's header was written goes into its header now that the
 * file is closed, so the recording, its history entry and every report name the same person. */
static void rename_segment_patient(run_t *r)
{
    char err[4400];
    if (r->n_segs < 1 || r->rec_frames == 0 || !strcmp(r->seg_patient, r->patient))
        return;
    const char *path = r->segs[r->n_segs - 1].path;
    if (sm_session_set_patient(path, r->patient, err, sizeof err) != SM_OK)
        fprintf(stderr, "steadymat: the recording keeps the name it started with: %s\n", err);
    else
        snprintf(r->seg_patient, sizeof r->seg_patient, "%s", r->patient);
}

/* Closes the open recording segment: the file gets a marker when the session goes on elsewhere
 * (marker not NULL), and the coach's holds go into the history with it. The coach itself stays
 * (the session's end still reports it). */
static void end_segment(run_t *r, const char *marker)
{
    char err[256];
    if (r->rec && marker && !r->rec_failed) {
        uint64_t t = r->have_frame ? (uint64_t)(r->last_t_s * 1e6 + 0.5) : 0;
        if (sm_session_writer_gap(r->rec, t, t, marker, err, sizeof err) != SM_OK) {
            r->rec_failed = 1;
            snprintf(r->rec_msg, sizeof r->rec_msg, "%s", err);
            fprintf(stderr, "steadymat: %s\n", err);
        }
    }
    if (r->rec) {
        /* Flushed first: a write that fails now tells how many frames reached the file whole,
         * the one count the message, the JSON and the file agree on. */
        sm_status fs = sm_session_writer_flush(r->rec, err, sizeof err);
        r->rec_frames = sm_session_writer_frames(r->rec);
        r->segs[r->n_segs - 1].frames = r->rec_frames;
        if (fs == SM_OK)
            fs = sm_session_writer_close(r->rec, err, sizeof err);
        else
            sm_session_writer_close(r->rec, NULL, 0);
        r->rec = NULL;
        if (fs != SM_OK && !r->rec_failed) {
            fprintf(stderr, "steadymat: %s\n", err);
            r->rec_failed = 1;
            snprintf(r->rec_msg, sizeof r->rec_msg, "%s", err);
        }
        rename_segment_patient(r);
    }
    /* A recording cut short (a full disk) still goes into the history: what was recorded stays
     * readable. A short try without a hold (a mat plugged in to test it) is not kept unless
     * --history asked; the reserved file goes too, and the one that never got a frame. */
    size_t nholds = 0;
    if (r->pipe)
        sm_coach_holds(sm_pipeline_coach(r->pipe), &nholds);
    double length = r->last_t_s - r->seg_first_t_s;
    int worth = r->rc->history == 1 || nholds > 0 || length >= SM_RUN_HISTORY_MIN_S;
    /* the protocol coached: the footprint may have chosen it (auto_tool) */
    sm_protocol_t proto = r->pipe ? sm_pipeline_protocol(r->pipe, NULL) : r->rc->protocol;
    if (keeps_history(r) && r->rec_frames > 0 && worth) {
        sm_history_live_t hl = {r->rc->history_dir,
                                r->rc->record_path ? r->seg_path : r->hist_path,
                                &r->seg_mat,
                                r->st.label,
                                r->start_unix_ms,
                                r->rec_frames,
                                length,
                                proto,
                                r->rc->release_s,
                                r->inputs,
                                r->n_inputs,
                                r->pipe ? sm_pipeline_coach(r->pipe) : NULL,
                                r->patient,
                                proto == SM_PROTO_HIP_HOOK ? SM_SESSTOOL_HIP_HOOK
                                                           : SM_SESSTOOL_BALL,
                                r->cal ? r->cal_path : NULL,
                                r->cal ? r->cal_hash : NULL};
        sm_analysis_history_add_live(&hl); /* says where it was saved, or why not */
    } else if (r->hist_path[0] && (r->rec_frames == 0 || !worth)) {
        remove(r->hist_path);
        if (r->rec_frames > 0)
            fprintf(stderr,
                    "steadymat: not kept in the history: %.0f s without a hold (give --history to "
                    "keep such sessions)\n",
                    length);
    } else if (keeps_history(r) && r->rec_frames > 0) {
        fprintf(stderr,
                "steadymat: %s not added to the history: %.0f s without a hold (give --history "
                "to add such sessions)\n",
                r->seg_path, length);
    }
    r->rec_frames_done += r->rec_frames;
    r->rec_frames = 0;
    r->hist_path[0] = 0;
    r->n_inputs = 0;
    r->nogo = 0; /* a new pipeline is told again */
}

/* Another mat (or the same mat in another mode) sends frames of another size, with or without
 * a reconnect. Everything sized for the old mat is rebuilt: the coach starts over for the new
 * mat, the calibration is looked up again, the trail and colour scale start afresh, and the
 * recording goes on in a sibling file (the old one ends with a marker naming it). */
static void new_mat(run_t *r, const sm_frame_t *f)
{
    char marker[96], next[4096] = "";
    int more = r->n_segs < SM_RUN_MAX_SEGMENTS;
    if (r->rc->record_path && more &&
        !segment_path(r->rc->record_path, r->n_segs, next, sizeof next))
        next[0] = 0;
    const char *nn = strrchr(next, '/');
    snprintf(marker, sizeof marker, "mat changed to %ux%u; continues in %s", f->rows, f->cols,
             next[0] ? (nn ? nn + 1 : next) : "the next session file");
    const char *where = !r->rec ? "" : !more ? "" : next[0] ? next : "a new history session";
    fprintf(stderr,
            "steadymat: the mat changed from %dx%d to %ux%u cells: the coach starts over for the "
            "new mat%s%s\n",
            r->seg_rows, r->seg_cols, f->rows, f->cols,
            where[0] ? "; the recording continues in " : "", where);
    int was_recording = r->rec != NULL;
    if (r->place)
        sm_placement_reset(r->place); /* before the pipeline it points into goes */
    if (r->pipe)
        sm_pipeline_finish(r->pipe, r->last_t_s);
    end_segment(r, was_recording && more ? marker : NULL);
    if (was_recording && !more && !r->rec_failed) {
        r->rec_failed = 1;
        snprintf(r->rec_msg, sizeof r->rec_msg,
                 "recording stopped: the mat changed size %d times in this session; what was "
                 "recorded is safe",
                 SM_RUN_MAX_SEGMENTS - 1);
        fprintf(stderr, "steadymat: %s\n", r->rec_msg);
    }
    if (r->pipe) {
        sound(r, r->last_t_s); /* cues due so far are heard; the new coach's sound goes on */
        /* the tool the footprint chose stays chosen on the next mat */
        int detected = 0;
        sm_protocol_t pr = sm_pipeline_protocol(r->pipe, &detected);
        if (detected) {
            r->proto_known = 1;
            r->proto = pr;
        }
        sm_pipeline_destroy(r->pipe);
        r->pipe = NULL;
        r->nogo = 0;
        r->restarted = 1;
    }
    r->pipe_failed = 0;
    sm_calib_creep_destroy(r->creep);
    sm_calib_destroy(r->cal);
    r->creep = NULL;
    r->cal = NULL;
    r->cal_ok = 0;
    r->cal_checked = 0;
    r->cal_msg[0] = 0;
    r->cal_path[0] = 0;
    sm_trail_init(&r->trail);
    r->fixed_max = 0;
    double full = r->st.mat.sample_max ? r->st.mat.sample_max : 1023;
    sm_autoscale_init(&r->autoscale, 10.0, full);
    r->have_side[0] = r->have_side[1] = 0;
}

/* The top of the colour scale follows sm_metrics_robust_peak: a stuck, hot or spiking cell never
 * pins it, a contact always sets it. In the units of the picture (r->m.peak's). */
static double robust_peak(const run_t *r, const sm_frame_t *f)
{
    const uint8_t *labels = r->pipe ? sm_pipeline_labels(r->pipe, f->rows, f->cols) : NULL;
    double best = sm_metrics_robust_peak(r->values, labels, SM_CONTACT_FAULT, f->rows, f->cols);
    if (!(best > 0))
        return r->m.peak; /* nothing spread over two cells: the plain peak */
    return r->cal_ok && r->rc->mmhg ? sm_kpa_to_mmhg(best) : best;
}

static int pressure_level(const run_t *r, double n)
{
    double firm = r->rc->pressure_firm_n > 0 ? r->rc->pressure_firm_n : SM_PRESSURE_FIRM_N;
    double hard = r->rc->pressure_hard_n > 0 ? r->rc->pressure_hard_n : SM_PRESSURE_HARD_N;
    int lv = r->pressure_level;
    /* A level is reached at its threshold and left only 10 % below it: a force resting at a
     * threshold does not flicker between two words. */
    double firm_at = lv >= 2 ? 0.9 * firm : firm, hard_at = lv >= 3 ? 0.9 * hard : hard;
    return n >= hard_at ? 3 : n >= firm_at ? 2 : 1;
}

/* The force on the tool (calibrated mats, while a tool is found) and its word. */
static void tool_pressure(run_t *r, const uint8_t *labels, size_t cells)
{
    const sm_contact_frame_t *cf = r->pipe ? sm_pipeline_contact(r->pipe) : NULL;
    if (!r->cal_ok || !labels || !cf || !cf->present) {
        r->tool_n = -1;
        r->pressure_level = 0;
        return;
    }
    for (size_t i = 0; i < cells; i++)
        r->tool_values[i] = labels[i] == SM_CONTACT_TOOL ? r->values[i] : 0.0f;
    r->tool_n = sm_calib_force_n(r->cal, r->tool_values);
    r->pressure_level = isfinite(r->tool_n) ? pressure_level(r, r->tool_n) : 0;
}

static void take_frame(run_t *r)
{
    const sm_frame_t *f = r->frame;
    double t = f->t_us / 1e6;
    if (r->pipe && r->have_frame && (f->flags & SM_FRAME_AFTER_GAP) && t > r->last_t_s + 5.0 &&
        strcmp(r->st.kind, "replay") == 0) {
        /* A replay jumped over a long gap (sm_replay_source.c): so does the sound, instead of
         * mixing (and writing to --audio-out) the gap's silence, which may be years long. */
        sm_mix_seek(sm_pipeline_mix(r->pipe), t);
    }
    if (!r->have_frame || f->rows != r->seg_rows || f->cols != r->seg_cols) {
        if (r->have_frame)
            new_mat(r, f);
        r->seg_rows = f->rows;
        r->seg_cols = f->cols;
        r->seg_first_t_s = t;
    }
    if (f->rows != r->st.mat.rows || f->cols != r->st.mat.cols || !r->have_frame ||
        (f->flags & SM_FRAME_AFTER_GAP))
        sm_source_status(r->src, &r->st); /* new geometry, or the gap's times for the recording */
    double pitch = r->st.mat.pitch_mm > 0 ? r->st.mat.pitch_mm : 25.0;
    double full = r->st.mat.sample_max ? r->st.mat.sample_max : 1023;
    double thr = r->rc->threshold >= 0 ? r->rc->threshold : 0.02 * full;
    load_calibration(r, f);
    size_t cells = (size_t)f->rows * f->cols;
    r->cal_ok = r->cal && sm_calib_apply(r->cal, f, r->values) == SM_OK;
    if (r->cal && !r->cal_ok && !r->cal_msg[0])
        snprintf(r->cal_msg, sizeof r->cal_msg,
                 "Uncalibrated: the calibration is for another mat size than %ux%u", f->rows,
                 f->cols);
    if (r->cal_ok) {
        sm_calib_creep_correct(r->creep, t, r->values);
        /* Calibrated cells below their noise are exactly 0: any pressure is contact. */
        sm_metrics_compute_values(r->values, f->rows, f->cols, pitch, 0.0, &r->m);
        r->m.total = sm_calib_force_n(r->cal, r->values); /* the total is a force, N */
        if (r->rc->mmhg) /* shown in mmHg; the coach keeps working in kPa */
            r->m.peak = sm_kpa_to_mmhg(r->m.peak);
    } else {
        for (size_t i = 0; i < cells; i++)
            r->values[i] = f->cells[i];
        sm_metrics_compute_values(r->values, f->rows, f->cols, pitch, thr, &r->m);
    }
    if (r->m.has_contact)
        sm_trail_push(&r->trail, t, r->m.cop_row, r->m.cop_col);
    sm_summary_add(&r->sum, t, &r->m);
    if (!r->have_frame)
        r->first_t_s = t;
    r->last_t_s = t;
    r->have_frame = 1;
    if (f->t_us < r->fps_t0) { /* a replay jumped back */
        r->fps_t0 = f->t_us;
        r->fps_n = 0;
    } else if (f->t_us - r->fps_t0 >= 1000000u) {
        r->fps = r->fps_n * 1e6 / (double)(f->t_us - r->fps_t0);
        r->fps_t0 = f->t_us;
        r->fps_n = 0;
    }
    r->fps_n++;
    record(r, f);
    coach(r, f);
    /* A mat that told us its ADC's full scale gets that fixed scale, so breathing stays visible;
     * text mats and imported files follow their data. */
    if (!r->st.mat.firmware[0] || r->cal_ok) {
        r->scale_max = sm_autoscale_update(&r->autoscale, t, robust_peak(r, f));
    } else {
        double top = full;
        while (r->m.peak > top && top < 65535)
            top = top * 2 + 1; /* the mat sends more than it said: show it all */
        if (top > r->fixed_max)
            r->fixed_max = top;
        r->scale_max = r->fixed_max;
    }
    if (!r->paused) {
        double k = r->cal_ok && r->rc->mmhg ? SM_CALIB_MMHG_PER_KPA : 1.0;
        for (size_t i = 0; i < cells; i++)
            r->shown_values[i] = (float)(r->values[i] * k);
        const uint8_t *labels = r->pipe ? sm_pipeline_labels(r->pipe, f->rows, f->cols) : NULL;
        r->have_labels = labels != NULL;
        if (labels)
            memcpy(r->shown_labels, labels, cells);
        tool_pressure(r, labels, cells);
        memcpy(r->shown, f, sizeof *f);
        r->shown_m = r->m;
        r->have_shown = 1;
    }
}

/* Frames that did not arrive whole, whatever the mat speaks. */
static unsigned long frames_lost(const sm_source_status_t *st)
{
    if (!st->no_checksum)
        return st->proto.frames_lost;
    if (st->wire_format == SM_FMT_RAW)
        return st->raw.length_errors + st->raw.range_errors;
    return st->text.frames_lost;
}

/* The status line's link part for mats without protocol v1: they have no checksum, so say so,
 * and what was rejected or looked wrong. */
static const char *link_text(run_t *r, int *bad)
{
    const sm_source_status_t *st = &r->st;
    if (!st->no_checksum)
        return NULL;
    unsigned long lost = frames_lost(st);
    if (st->wire_format == SM_FMT_RAW)
        snprintf(r->link_text, sizeof r->link_text,
                 "no checksum \xc2\xb7 frames lost %lu (length %lu, range %lu) \xc2\xb7 suspect "
                 "frames %lu",
                 lost, st->raw.length_errors, st->raw.range_errors, st->suspect_frames);
    else
        snprintf(r->link_text, sizeof r->link_text,
                 "text, no checksum \xc2\xb7 bad lines %lu \xc2\xb7 frames lost %lu \xc2\xb7 "
                 "suspect frames %lu",
                 st->text.bad_lines, lost, st->suspect_frames);
    *bad = lost > 0 || st->suspect_frames > 0 || st->text.bad_lines > 1;
    return r->link_text;
}

static void render(run_t *r, double wall_s)
{
    sm_view_model_t vm;
    memset(&vm, 0, sizeof vm);
    vm.frame = r->have_shown ? r->shown : NULL;
    vm.metrics = r->have_shown ? &r->shown_m : NULL;
    vm.trail = &r->trail;
    vm.now_s = r->have_shown ? r->shown->t_us / 1e6 : wall_s;
    vm.pitch_mm = r->st.mat.pitch_mm > 0 ? r->st.mat.pitch_mm : 25.0;
    vm.scale_max = r->scale_max;
    vm.units = pressure_units(r);
    vm.source_label = r->st.label;
    vm.banner = r->rc->banner;
    vm.safety = r->safety;
    vm.alert = r->st.message[0] ? r->st.message : NULL;
    vm.notice = r->rec_failed ? r->rec_msg : (r->cal_msg[0] ? r->cal_msg : NULL);
    if (r->tour && r->tour_msg[0])
        vm.notice = r->tour_msg;
    else if (r->offer && !vm.notice)
        vm.notice = "New here? Press s to hear the sounds and what they mean";
    vm.fps = r->fps;
    vm.crc_errors = r->st.proto.crc_errors;
    vm.resyncs = r->st.proto.resyncs;
    vm.seq_gaps = r->st.proto.seq_gaps;
    vm.frames_lost = r->st.proto.frames_lost;
    vm.link_text = link_text(r, &vm.link_bad);
    vm.paused = r->paused || r->st.paused;
    vm.recording = r->rec != NULL && !r->rec_failed;
    vm.replay = strcmp(r->st.kind, "replay") == 0;
    vm.patient = r->patient;
    vm.pos_s = r->have_frame ? r->frame->t_us / 1e6 : 0;
    vm.len_s = r->st.len_s;
    vm.speed = r->st.speed;
    if (r->have_shown) {
        int rows = r->shown->rows, cols = r->shown->cols;
        vm.values = r->cal_ok ? r->shown_values : NULL;
        vm.labels = r->have_labels ? r->shown_labels : NULL;
        /* Crosstalk ghosts: the fourth corner of a rectangle of loaded cells reading well below
         * the other three (what the firmware cannot fully suppress). Diagnostic: the clinician
         * view shows them, so only it looks for them. */
        float loaded =
            r->cal_ok ? 1.0f : (float)(0.05 * (r->st.mat.sample_max ? r->st.mat.sample_max : 1023));
        if (r->clinician &&
            sm_calib_ghosts(r->shown_values, rows, cols, loaded, 0.5f, r->ghosts) > 0)
            vm.ghosts = r->ghosts;
    }
    if (r->cal_ok)
        vm.load_units = "N";
    if (r->pipe) {
        const sm_coach_out_t *co = sm_pipeline_coach_out(r->pipe);
        sm_mix_t *mix = sm_pipeline_mix(r->pipe);
        vm.coach = 1;
        vm.phase = co->phase_name;
        vm.instruction = co->instruction;
        vm.steady_s = co->steady_s;
        vm.target_s = co->target_s;
        vm.meter = co->meter;
        vm.moving = co->moving;
        vm.mat_lost = co->mat_lost;
        vm.release_met = co->release_met;
        vm.side = co->side == SM_SIDE_UNKNOWN ? NULL : sm_side_name(co->side);
        vm.breath_bpm = co->breath_bpm;
        sm_coach_side_summary_t rs, ls;
        sm_coach_side_summary(sm_pipeline_coach(r->pipe), SM_SIDE_RIGHT, &rs);
        sm_coach_side_summary(sm_pipeline_coach(r->pipe), SM_SIDE_LEFT, &ls);
        /* Written again only when what it says changes (whole seconds, as %.0f rounds). */
        double sides[4] = {rs.released, nearbyint(rs.steady_s), ls.released,
                           nearbyint(ls.steady_s)};
        if (!r->sides_have || memcmp(sides, r->sides_key, sizeof sides) != 0) {
            snprintf(r->sides_text, sizeof r->sides_text,
                     "Right: %d released, %.0f s steady   Left: %d released, %.0f s steady",
                     rs.released, rs.steady_s, ls.released, ls.steady_s);
            memcpy(r->sides_key, sides, sizeof sides);
            r->sides_have = 1;
        }
        vm.sides_text = r->sides_text;
        /* the protocol coached now: the footprint may have chosen it (auto_tool) */
        int found = 0;
        sm_protocol_t proto = sm_pipeline_protocol(r->pipe, &found);
        if (!r->proto_have || proto != r->proto_key || found != r->proto_found) {
            snprintf(r->proto_text, sizeof r->proto_text, "%s%s", sm_protocol_title(proto),
                     found ? " (from the tool found)" : "");
            r->proto_key = proto, r->proto_found = found, r->proto_have = 1;
        }
        vm.protocol_text = r->proto_text;
        /* searching: say why no tool is found (issue 18) */
        const sm_contact_frame_t *cf = sm_pipeline_contact(r->pipe);
        if (co->state == SM_STATE_SEARCH && !cf->present && cf->no_tool != SM_NOTOOL_NONE) {
            snprintf(r->tool_text, sizeof r->tool_text, "No tool found - %s",
                     sm_notool_text(cf->no_tool));
            vm.tool_status = r->tool_text;
        }
        vm.muted = sm_mix_muted(mix);
        vm.volume = sm_mix_volume(mix);
    }
    vm.presenter = r->presenter;
    vm.clinician = r->clinician;
    vm.toast = r->toast[0] && wall_s < r->toast_until ? r->toast : NULL;
    /* the person's right on the map, as the coach reads the side (sm_contact.h's frame) */
    sm_posture_t posture = sm_coach_posture(r->rc->protocol);
    vm.right_edge = posture == SM_POSTURE_PRONE ? 1 : posture == SM_POSTURE_SUPINE ? 2 : 0;
    if (r->pipe && r->pressure_level > 0) {
        static const char *const words[] = {"", "light", "firm", "too hard"};
        vm.pressure_text = words[r->pressure_level];
        vm.pressure_level = r->pressure_level;
    }
    if (r->place) {
        sm_placement_view(r->place, &vm);
        if (vm.zone_alert && !vm.alert)
            vm.alert = "Out of the hip fold - move the tool now";
    }
    if (r->place_msg[0] && r->have_frame && r->frame->t_us / 1e6 < r->place_msg_until && !vm.notice)
        vm.notice = r->place_msg;
    if (r->compare == 1 && r->have_shown && r->place) {
        /* Template versus live: the picture saved with the template beside the attempt. */
        const sm_frame_t *snap = sm_placement_snapshot(r->place);
        if (snap && snap->rows == r->shown->rows && snap->cols == r->shown->cols) {
            vm.compare_frame = snap;
            if (r->cal && sm_calib_apply(r->cal, snap, r->cmp_values) == SM_OK) {
                size_t cells = (size_t)snap->rows * snap->cols;
                for (size_t i = 0; r->rc->mmhg && i < cells; i++)
                    r->cmp_values[i] = (float)sm_kpa_to_mmhg(r->cmp_values[i]);
                vm.compare_values = r->cmp_values;
            }
            vm.compare_label = sm_placement_template_name(r->place);
            vm.live_label = "Live";
        }
    }
    if (r->compare == 2 && r->have_shown) {
        /* Left versus right: the other side's best moment beside the live picture. */
        int live_side = r->pipe && sm_pipeline_coach_out(r->pipe)->side == SM_SIDE_LEFT ? 1 : 0;
        int other = r->have_side[1 - live_side] ? 1 - live_side : -1;
        if (other >= 0 && r->side_frame[other]->rows == r->shown->rows &&
            r->side_frame[other]->cols == r->shown->cols) {
            vm.compare_frame = r->side_frame[other];
            vm.compare_values = r->cal ? r->side_values[other] : NULL;
            vm.compare_labels = r->side_has_labels[other] ? r->side_labels[other] : NULL;
            vm.compare_label = other == 0 ? "Right side (steadiest)" : "Left side (steadiest)";
            vm.live_label = live_side == 0 ? "Live (right)" : "Live (left)";
        }
    }
    sm_view_render(r->view, &vm);
}

/* A replay jumped: the coach, the creep state and the placement tracking start over from the
 * next frame (the sound continues from there), so nothing is counted twice or run backwards. */
static void restart_after_seek(run_t *r)
{
    sm_trail_init(&r->trail);
    sm_pipeline_destroy(r->pipe);
    r->pipe = NULL;
    r->nogo = 0;
    r->restarted = 1;
    if (r->creep)
        sm_calib_creep_reset(r->creep);
    if (r->place)
        sm_placement_reset(r->place);
    r->have_side[0] = r->have_side[1] = 0;
}

/* A key for the coach at the current session time, kept for the history's re-analysis. */
static void coach_input(run_t *r, sm_coach_input_t in, int value)
{
    if (!r->pipe || !r->have_frame)
        return;
    double t = r->frame->t_us / 1e6;
    if (sm_pipeline_input(r->pipe, t, in, value) == SM_OK && r->n_inputs < 256)
        r->inputs[r->n_inputs++] = (sm_history_input_t){t, in, value};
}

/* Every key answers on screen: a short line over the map for 2.5 s. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
toast(run_t *r, uint64_t wall_us, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->toast, sizeof r->toast, fmt, ap);
    va_end(ap);
    r->toast_until = wall_us / 1e6 + 2.5;
}

static const char *live_side_name(const run_t *r)
{
    if (!r->pipe)
        return NULL;
    sm_side_t s = sm_pipeline_coach_out(r->pipe)->side;
    return s == SM_SIDE_UNKNOWN ? NULL : sm_side_name(s);
}

/* n: the patient's name typed in the window. It is the session's from the start: the header of
 * a recording not begun yet gets it, one begun already gets it when its file closes
 * (rename_segment_patient), and the history entry and --json say it; `live` remembers it. */
static void set_patient(run_t *r, uint64_t wall_us, const char *name, int replay)
{
    if (replay) {
        toast(r, wall_us, "A replay keeps the name it was recorded with");
        return;
    }
    sm_sessfmt_clean_text(name, r->patient, sizeof r->patient);
    int kept = r->rc->record_path || keeps_history(r);
    if (!r->patient[0])
        toast(r, wall_us, kept ? "No patient's name for this session" : "No patient's name");
    else if (kept)
        toast(r, wall_us, "Patient %s: saved with this session", r->patient);
    else
        toast(r, wall_us, "Patient %s (this session is not recorded)", r->patient);
}

static void handle_actions(run_t *r, uint64_t wall_us, int *quit)
{
    sm_action_t a;
    sm_view_event_t ev;
    while ((a = sm_view_poll_event(r->view, &ev)) != SM_ACT_NONE) {
        sm_mix_t *mix = r->pipe ? sm_pipeline_mix(r->pipe) : NULL;
        int replay = strcmp(r->st.kind, "replay") == 0;
        if (r->safety && (a == SM_ACT_SAFETY || a == SM_ACT_NEXT || a == SM_ACT_PAUSE)) {
            /* Read and closed: not shown by itself again. */
            r->safety = 0;
            if (sm_config_set_safety_seen() != SM_OK)
                fprintf(stderr, "steadymat: cannot remember that the safety screen was read "
                                "(the config folder is not writable)\n");
            continue;
        }
        switch (a) {
        case SM_ACT_SAFETY:
            r->safety = 1;
            break;
        case SM_ACT_QUIT:
            *quit = 1;
            break;
        case SM_ACT_PAUSE:
            if (replay) {
                sm_source_control(r->src, SM_CTL_PAUSE, 0, wall_us);
                toast(r, wall_us, "Playback paused / resumed (space)");
            } else {
                r->paused = !r->paused;
                toast(r, wall_us,
                      r->paused ? "Picture paused - the coach and recording go on"
                                : "Picture live again");
            }
            break;
        case SM_ACT_SEEK_BACK:
        case SM_ACT_SEEK_FWD:
            if (sm_source_control(r->src, SM_CTL_SEEK_REL, a == SM_ACT_SEEK_FWD ? 5.0 : -5.0,
                                  wall_us) == SM_OK) {
                restart_after_seek(r);
                toast(r, wall_us, a == SM_ACT_SEEK_FWD ? "5 s forward" : "5 s back");
            } else {
                toast(r, wall_us, "Seeking works in a replay only");
            }
            break;
        case SM_ACT_HOME:
            if (sm_source_control(r->src, SM_CTL_SEEK_ABS, 0, wall_us) == SM_OK) {
                restart_after_seek(r);
                toast(r, wall_us, "Back to the start");
            } else {
                toast(r, wall_us, "Home works in a replay only");
            }
            break;
        case SM_ACT_FASTER:
        case SM_ACT_SLOWER:
            if (sm_source_control(r->src, SM_CTL_SPEED,
                                  r->st.speed * (a == SM_ACT_FASTER ? 2.0 : 0.5),
                                  wall_us) == SM_OK) {
                sm_source_status(r->src, &r->st);
                toast(r, wall_us, "Speed %g\xc3\x97", r->st.speed);
            } else {
                toast(r, wall_us, "The speed changes in a replay only");
            }
            break;
        case SM_ACT_SOUNDS: /* the tour, or stop it (its own line says what plays) */
            r->offer = 0;
            r->tour = r->tour ? 0 : 1;
            r->tour_t = r->last_t_s;
            r->tour_msg[0] = 0;
            if (r->tour && !r->pipe)
                snprintf(r->tour_msg, sizeof r->tour_msg, "The sounds start with the first frame");
            break;
        case SM_ACT_MUTE:
            r->muted = !r->muted;
            if (mix)
                sm_mix_set_mute(mix, r->muted);
            toast(r, wall_us, r->muted ? "Sound off (m turns it on)" : "Sound on");
            break;
        case SM_ACT_VOL_DOWN:
        case SM_ACT_VOL_UP:
            r->volume += a == SM_ACT_VOL_UP ? 0.1 : -0.1;
            r->volume = r->volume < 0 ? 0 : r->volume > 1 ? 1 : r->volume;
            if (mix)
                sm_mix_set_volume(mix, (float)r->volume);
            toast(r, wall_us, "Volume %.0f %%", r->volume * 100);
            break;
        case SM_ACT_PIVOT:
            coach_input(r, SM_COACH_IN_PIVOT, 0);
            toast(r, wall_us,
                  r->pipe ? "Handle press noted: the iliacus phase starts"
                          : "The handle press counts once the mat sends frames");
            break;
        case SM_ACT_SORENESS:
            coach_input(r, SM_COACH_IN_SORENESS, ev.value);
            if (!r->pipe)
                toast(r, wall_us, "Soreness counts once the mat sends frames");
            else if (live_side_name(r))
                toast(r, wall_us, "Soreness %d of 10 saved for this spot, %s side", ev.value,
                      live_side_name(r));
            else
                toast(r, wall_us, "Soreness %d of 10 saved for this spot", ev.value);
            break;
        case SM_ACT_PRESENTER:
            r->presenter = !r->presenter;
            toast(r, wall_us, r->presenter ? "Presenter mode (p again: normal)" : "Normal view");
            break;
        case SM_ACT_CLINICIAN:
            r->clinician = !r->clinician;
            toast(r, wall_us,
                  r->clinician ? "Clinician view: link, faults, numbers, templates"
                               : "Patient view (v: clinician view)");
            break;
        case SM_ACT_COMPARE:
            r->compare = (r->compare + 1) % 3;
            if (r->compare == 0)
                toast(r, wall_us, "Side by side off");
            else if (r->compare == 1)
                toast(r, wall_us,
                      r->place && sm_placement_snapshot(r->place)
                          ? "Side by side: template and live"
                          : "Side by side: template and live - show a template "
                            "first (g)");
            else
                toast(r, wall_us,
                      r->have_side[0] && r->have_side[1]
                          ? "Side by side: left and right"
                          : "Side by side: left and right - waiting for a steady "
                            "hold on each side");
            break;
        case SM_ACT_PATIENT:
            set_patient(r, wall_us, ev.text, replay);
            break;
        case SM_ACT_TEMPLATE_SAVE:
        case SM_ACT_TEMPLATE_NEXT:
        case SM_ACT_TEMPLATE_MIRROR:
        case SM_ACT_ZONE_ADD:
        case SM_ACT_ZONE_CLEAR:
            if (!r->place) {
                toast(r, wall_us, "Templates and zones need the coach: waiting for the mat");
                break;
            }
            if (a == SM_ACT_TEMPLATE_SAVE)
                sm_placement_save(r->place, ev.text, r->place_msg, sizeof r->place_msg);
            else if (a == SM_ACT_TEMPLATE_NEXT)
                sm_placement_next(r->place, r->place_msg, sizeof r->place_msg);
            else if (a == SM_ACT_TEMPLATE_MIRROR)
                sm_placement_mirror(r->place, r->place_msg, sizeof r->place_msg);
            else if (a == SM_ACT_ZONE_ADD)
                sm_placement_add_zone(r->place, &ev.zone, r->place_msg, sizeof r->place_msg);
            else
                sm_placement_clear_zones(r->place, r->place_msg, sizeof r->place_msg);
            r->place_msg_until = (r->have_frame ? r->frame->t_us / 1e6 : 0) + 4;
            break;
        default:
            break;
        }
    }
}

static void print_json(run_t *r, double wall_s, double cpu_s)
{
    json_object *o = json_object_new_object();
#define ADD(k, v) json_object_object_add(o, k, v)
    double span = r->last_t_s - r->first_t_s;
    ADD("frames", json_object_new_int64((int64_t)r->sum.frames));
    ADD("frames_per_s", json_object_new_double(span > 0 ? (r->sum.frames - 1) / span : 0));
    ADD("crc_errors", json_object_new_int64(r->st.proto.crc_errors));
    ADD("resyncs", json_object_new_int64(r->st.proto.resyncs));
    ADD("seq_gaps", json_object_new_int64(r->st.proto.seq_gaps));
    ADD("frames_lost", json_object_new_int64((int64_t)frames_lost(&r->st)));
    ADD("seq_resets", json_object_new_int64(r->st.proto.seq_resets));
    ADD("length_errors", json_object_new_int64(r->st.proto.length_errors));
    ADD("text_bad_lines", json_object_new_int64((int64_t)r->st.text.bad_lines));
    ADD("no_checksum", json_object_new_boolean(r->st.no_checksum));
    ADD("suspect_frames", json_object_new_int64((int64_t)r->st.suspect_frames));
    if (r->st.no_checksum && r->st.wire_format == SM_FMT_RAW) {
        json_object *raw = json_object_new_object();
        json_object_object_add(raw, "length_errors",
                               json_object_new_int64((int64_t)r->st.raw.length_errors));
        json_object_object_add(raw, "range_errors",
                               json_object_new_int64((int64_t)r->st.raw.range_errors));
        json_object_object_add(raw, "bytes_skipped",
                               json_object_new_int64((int64_t)r->st.raw.bytes_skipped));
        ADD("raw", raw);
    }
    ADD("rows", json_object_new_int(r->st.mat.rows));
    ADD("cols", json_object_new_int(r->st.mat.cols));
    ADD("pitch_mm", json_object_new_double(r->st.mat.pitch_mm));
    ADD("source", json_object_new_string(r->st.label));
    ADD("source_kind", json_object_new_string(r->st.kind));
    ADD("duration_s", json_object_new_double(r->have_frame ? span : 0));
    json_object *cop = json_object_new_object();
    if (r->sum.cop_frames) {
        json_object_object_add(cop, "x",
                               json_object_new_double(r->sum.cop_col_sum / r->sum.cop_frames));
        json_object_object_add(cop, "y",
                               json_object_new_double(r->sum.cop_row_sum / r->sum.cop_frames));
    } else {
        json_object_object_add(cop, "x", NULL);
        json_object_object_add(cop, "y", NULL);
    }
    ADD("cop_mean", cop);
    ADD("total_mean", json_object_new_double(r->sum.frames ? r->sum.total_sum / r->sum.frames : 0));
    ADD("peak_max", json_object_new_double(r->sum.peak_max));
    ADD("units", json_object_new_string(pressure_units(r)));
    ADD("force_units", json_object_new_string(r->cal_ok ? "N" : "raw counts (uncalibrated)"));
    ADD("calibrated", json_object_new_boolean(r->cal_ok));
    ADD("calibration", r->cal ? json_object_new_string(r->cal_path)
                              : (r->cal_msg[0] ? json_object_new_string(r->cal_msg) : NULL));
    if (r->cal && r->cal_reference)
        ADD("calibration_note", json_object_new_string(SM_REFERENCE_LABEL));
    ADD("disconnects", json_object_new_int64((int64_t)r->st.disconnects));
    ADD("reconnects", json_object_new_int64((int64_t)r->st.reconnects));
    json_object *mat = json_object_new_object();
    json_object_object_add(mat, "uid", json_object_new_string(r->st.mat.uid));
    json_object_object_add(mat, "name", json_object_new_string(r->st.mat.name));
    json_object_object_add(mat, "firmware", json_object_new_string(r->st.mat.firmware));
    json_object_object_add(mat, "rate_hz", json_object_new_double(r->st.mat.rate_hz));
    json_object_object_add(mat, "sample_max", json_object_new_int(r->st.mat.sample_max));
    ADD("mat", mat);
    if (r->rc->record_path) {
        json_object *rec = json_object_new_object();
        json_object_object_add(rec, "path", json_object_new_string(r->rc->record_path));
        json_object_object_add(
            rec, "frames", json_object_new_int64((int64_t)(r->rec_frames_done + r->rec_frames)));
        json_object_object_add(rec, "error",
                               r->rec_failed ? json_object_new_string(r->rec_msg) : NULL);
        /* One file per mat size, in order (one entry unless the mat changed). */
        json_object *segs = json_object_new_array();
        for (int i = 0; i < r->n_segs; i++) {
            json_object *sg = json_object_new_object();
            json_object_object_add(sg, "path", json_object_new_string(r->segs[i].path));
            json_object_object_add(sg, "rows", json_object_new_int(r->segs[i].rows));
            json_object_object_add(sg, "cols", json_object_new_int(r->segs[i].cols));
            json_object_object_add(sg, "frames", json_object_new_int64((int64_t)r->segs[i].frames));
            json_object_array_add(segs, sg);
        }
        json_object_object_add(rec, "segments", segs);
        ADD("recording", rec);
    }
    ADD("message", r->st.message[0] ? json_object_new_string(r->st.message) : NULL);
    ADD("patient", r->patient[0] ? json_object_new_string(r->patient) : NULL);
    if (r->pipe) {
        int detected = 0;
        sm_protocol_t proto = sm_pipeline_protocol(r->pipe, &detected);
        json_object_object_add(o, "protocol", json_object_new_string(sm_protocol_name(proto)));
        json_object_object_add(o, "protocol_title",
                               json_object_new_string(sm_protocol_title(proto)));
        if (r->rc->protocol_from || detected)
            json_object_object_add(
                o, "protocol_from",
                json_object_new_string(detected ? "detected" : r->rc->protocol_from));
        sm_report_coach(o, sm_pipeline_coach(r->pipe));
        sm_report_tool(o, r->pipe);
        if (r->place) {
            /* No-go zone visits are events too. */
            size_t nz;
            const sm_zone_event_t *ze = sm_placement_zone_events(r->place, &nz);
            json_object *events = NULL;
            json_object_object_get_ex(o, "events", &events);
            for (size_t i = 0; events && i < nz; i++) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "kind", json_object_new_string("no_go"));
                json_object_object_add(e, "start_s", json_object_new_double(ze[i].start_s));
                json_object_object_add(e, "end_s", json_object_new_double(ze[i].end_s));
                json_object_object_add(e, "zone", json_object_new_int(ze[i].zone));
                json_object_array_add(events, e);
            }
            const char *tn = sm_placement_template_name(r->place);
            json_object_object_add(o, "template", tn[0] ? json_object_new_string(tn) : NULL);
        }
        size_t nc;
        const sm_coach_cue_t *cues = sm_pipeline_cue_log(r->pipe, &nc);
        json_object *ca = json_object_new_array();
        for (size_t i = 0; i < nc; i++) {
            json_object *c = json_object_new_object();
            json_object_object_add(c, "kind",
                                   json_object_new_string(sm_cue_kind_name(cues[i].kind)));
            json_object_object_add(c, "t_s", json_object_new_double(cues[i].t_s));
            json_object_object_add(c, "intensity", json_object_new_double(cues[i].intensity));
            json_object_array_add(ca, c);
        }
        json_object_object_add(o, "cues", ca);
    }
    if (r->rc->audio_out)
        ADD("audio_out", json_object_new_string(r->rc->audio_out));
    if (r->view && !r->rc->headless) { /* how the window's pictures were drawn (benchmarks) */
        sm_view_draw_stats_t ds;
        sm_view_draw_stats(r->view, &ds);
        ADD("pictures", json_object_new_int64(ds.pictures));
        ADD("picture_cpu_ms",
            json_object_new_double(ds.pictures ? 1e3 * r->render_cpu_s / ds.pictures : 0));
        ADD("pictures_in_parts", json_object_new_int64(ds.in_parts));
        ADD("pictures_unchanged", json_object_new_int64(ds.unchanged));
        ADD("picture_drawn_percent", json_object_new_double(ds.drawn_percent));
    }
    ADD("wall_s", json_object_new_double(wall_s));
    ADD("cpu_s", json_object_new_double(cpu_s));
    ADD("cpu_percent", json_object_new_double(wall_s > 0 ? 100.0 * cpu_s / wall_s : 0));
#undef ADD
    sm_report_print_json(o, r->st.kind[0] && !strcmp(r->st.kind, "replay") ? "replay" : "live");
    json_object_put(o);
}

int sm_run(const sm_run_config_t *rc, sm_source_t *src)
{
    run_t *r = calloc(1, sizeof *r);
    sm_frame_t *frames = calloc(2, sizeof *frames);
    if (!r || !frames) {
        free(r);
        free(frames);
        fprintf(stderr, "steadymat: out of memory\n");
        return 1;
    }
    r->rc = rc;
    sm_sessfmt_clean_text(rc->patient, r->patient, sizeof r->patient);
    r->src = src;
    r->frame = &frames[0];
    r->shown = &frames[1];
    sm_trail_init(&r->trail);
    sm_summary_init(&r->sum);
    sm_source_status(src, &r->st);
    r->scale_max = r->st.mat.sample_max ? r->st.mat.sample_max : 1023;
    sm_autoscale_init(&r->autoscale, 10.0, r->scale_max);
    r->start_unix_ms = sm_clock_unix_ms();
    r->presenter = rc->presenter;
    r->clinician = rc->clinician;
    r->tool_n = -1;
    r->muted = rc->mute;
    r->volume = rc->volume;
    r->compare = rc->compare;
    /* Output files are checked before the person lies down, not at the first frame. */
    const char *outs[] = {rc->record_path, rc->audio_out};
    for (int i = 0; i < 2; i++) {
        char oerr[4200];
        if (outs[i] && sm_file_check_output(outs[i], rc->force, oerr, sizeof oerr) != SM_OK) {
            fprintf(stderr, "steadymat: %s\n", oerr);
            free(frames);
            free(r);
            return 1;
        }
    }
    int want_view = !rc->headless || rc->screenshot_path;
    if (want_view) {
        char err[256];
        sm_view_config_t vc;
        memset(&vc, 0, sizeof vc);
        vc.width = rc->width;
        vc.height = rc->height;
        vc.headless = rc->headless;
        vc.fullscreen = rc->fullscreen;
        vc.title = "SteadyMat";
        vc.no_readback = rc->screenshot_path == NULL; /* keeping a copy costs ~1 ms a picture */
        r->view = sm_view_create(&vc, err, sizeof err);
        if (!r->view) {
            fprintf(stderr, "steadymat: %s\n", err);
            free(frames);
            free(r);
            return 1;
        }
    }
    char err[256];
    if (!rc->headless && rc->safety_first && !sm_config_safety_seen())
        r->safety = 1;
    if (!rc->headless) {
        r->speaker = sm_sound_open(SOUND_RATE, err, sizeof err);
        if (!r->speaker)
            fprintf(stderr, "steadymat: %s: the coach will be silent\n", err);
    }
    if (rc->voice && sm_voice_create(NULL, SOUND_RATE, &r->voice, err, sizeof err) != SM_OK)
        fprintf(stderr, "steadymat: %s: the coach uses tones only\n", err);
    else if (r->voice)
        fprintf(stderr, "steadymat: spoken prompts in '%s'\n", sm_voice_lang(r->voice));
    /* offered once, and only where they can be heard (the offer keeps for a later session) */
    if (rc->offer_sounds && r->view && !rc->headless && r->speaker &&
        sm_firstrun_take("sounds-offered")) {
        r->offer = 1;
        fprintf(stderr, "steadymat: new here? press s in the window to hear the sounds and what "
                        "they mean (or run 'steadymat sounds')\n");
    }
    if (rc->audio_out &&
        sm_wav_open(rc->audio_out, SOUND_RATE, &r->wav, err, sizeof err) != SM_OK) {
        sm_voice_destroy(r->voice);
        fprintf(stderr, "steadymat: %s\n", err);
        sm_sound_close(r->speaker);
        sm_view_destroy(r->view);
        free(frames);
        free(r);
        return 1;
    }
    int status = 0, quit = 0, ended = 0;
    double cpu0 = sm_clock_cpu_s();
    uint64_t start = sm_clock_now_us(), last_render = 0, last_frame_wall = 0, last_input = 0;
    uint64_t last_event = 0; /* wall time of the last window event (the start counts as one) */
    int input_read = 0;
    int dirty = 1;
    sm_pace_t pace;
    sm_pace_init(&pace, rc->fps_cap, 0);
    double speed = r->st.speed > 0 ? r->st.speed : 1;
    while (!quit && !(rc->stop && *rc->stop)) {
        uint64_t wall = sm_clock_now_us() - start;
        /* Keys and window events at most every INPUT_US (INPUT_IDLE_US while nobody has
         * touched the keyboard, mouse or window for a while: a key is still answered within
         * 40 ms): each look asks the X server (several system calls), and the loop turns for
         * every frame of a 100 Hz mat. */
        uint64_t input_every = wall - last_event < INPUT_ACTIVE_US ? INPUT_US : INPUT_IDLE_US;
        if (r->view && !rc->headless && (!input_read || wall - last_input >= input_every)) {
            unsigned long seen = sm_view_events_seen(r->view);
            handle_actions(r, wall, &quit);
            if (sm_view_events_seen(r->view) != seen)
                last_event = wall;
            last_input = wall, input_read = 1;
        }
        int n = 0;
        sm_status s;
        while (n < MAX_FRAMES_PER_TURN && (s = sm_source_next(src, wall, r->frame)) == SM_OK) {
            if (rc->duration_s > 0 && r->frame->t_us >= (uint64_t)(rc->duration_s * 1e6)) {
                ended = 1;
                break;
            }
            take_frame(r);
            tour_step(r);
            n++;
            dirty = 1;
            /* The mixer holds a few seconds of cues ahead of what was rendered: a long batch
             * (a fast simulation or replay on a busy machine) is rendered as it goes. */
            if (n % 32 == 0)
                sound(r, r->frame->t_us / 1e6);
        }
        sm_source_status(src, &r->st);
        if (n > 0)
            sound(r, r->frame->t_us / 1e6);
        /* Issue 11: the mat went away (cable, power): the coach pauses and says so at once;
         * the sound runs on the wall clock while no frames come. */
        if (n > 0)
            last_frame_wall = wall;
        if (r->pipe && r->have_frame && r->st.ever_connected && !r->st.connected) {
            double t_lost = r->last_t_s + (wall - last_frame_wall) / 1e6 * speed;
            sm_pipeline_link_lost(r->pipe, t_lost);
            sound(r, t_lost);
            dirty = 1;
        }
        if (n == 0 && s == SM_EOF && !ended) {
            ended = 1; /* end of a recording: headless stops, the window stays on the last frame */
            dirty = 1;
        }
        if (ended && (rc->headless || rc->duration_s > 0))
            break;
        /* Sources without frames still end on time (an unplugged mat, a stalled link). A
         * recording or the simulator always has its next frame: it ends by session time, even
         * when a loaded machine makes it fall behind the wall clock. */
        if (rc->duration_s > 0 && wall / 1e6 * speed > rc->duration_s + 2.0 &&
            strcmp(r->st.kind, "replay") != 0 && strcmp(r->st.kind, "sim") != 0)
            break;
        if (rc->headless && !r->st.ever_connected && wall / 1e6 > rc->start_timeout_s) {
            fprintf(stderr, "steadymat: %s\n",
                    r->st.message[0] ? r->st.message : "no frames arrived: is the mat running?");
            status = 1;
            break;
        }
        /* Render when something changed (or at 4 Hz for status), a new frame at once, within
         * the cap (sm_pace.h). */
        uint64_t now = sm_clock_now_us() - start;
        int wait_ms = sm_source_due_ms(src, now);
        if (r->view && !rc->headless) {
            int64_t wait_us = -1;
            if (sm_pace_turn(&pace, now, n > 0, dirty || now - last_render > 250000, &wait_us)) {
                double c0 = sm_clock_thread_cpu_s();
                render(r, now / 1e6);
                r->render_cpu_s += sm_clock_thread_cpu_s() - c0;
                if (rc->on_present && r->have_shown)
                    rc->on_present(rc->hook_ctx, r->shown->seq, sm_clock_now_us());
                last_render = now;
                dirty = 0;
                wait_us = -1;
            }
            if (wait_us < 0) /* nothing new: the status line's clock */
                wait_us = (int64_t)(last_render + 250000) - (int64_t)now;
            /* Round up: waking a fraction of a millisecond early would spin. */
            int until_render = wait_us > 0 ? (int)((wait_us + 999) / 1000) : 0;
            if (wait_ms < 0 || wait_ms > until_render)
                wait_ms = until_render;
        }
        if (wait_ms < 0 || wait_ms > 100)
            wait_ms = 100;
        if (n < MAX_FRAMES_PER_TURN && wait_ms > 0)
            sm_io_wait(sm_source_fd(src), wait_ms);
    }
    double wall_s = (sm_clock_now_us() - start) / 1e6;
    double cpu_s = sm_clock_cpu_s() - cpu0;
    if (r->place)
        sm_placement_finish(r->place, r->last_t_s);
    if (r->pipe) {
        sm_pipeline_finish(r->pipe, r->last_t_s);
        sm_sound_close(r->speaker); /* the speaker stops here; the file gets the cues' tails */
        r->speaker = NULL;
        /* ...up to the end of the last sound (one may wait behind another, with a phrase) */
        size_t np;
        const sm_pipeline_played_t *pl = sm_pipeline_played(r->pipe, &np);
        double end = r->last_t_s + 3.0;
        for (size_t i = np; i-- > 0 && i + 8 >= np;)
            if (pl[i].end_s + 0.1 > end)
                end = pl[i].end_s + 0.1;
        sound(r, end);
    }
    if (r->wav && sm_wav_close(r->wav, err, sizeof err) != SM_OK && !r->wav_failed) {
        r->wav_failed = 1;
        snprintf(r->sound_msg, sizeof r->sound_msg, "%s", err);
        fprintf(stderr, "steadymat: %s\n", err);
    }
    if (r->wav_failed)
        status = 1;
    if (rc->screenshot_path && r->view) {
        render(r, wall_s);
        if (sm_file_prepare(rc->screenshot_path, err, sizeof err) != SM_OK ||
            sm_view_screenshot(r->view, rc->screenshot_path, err, sizeof err) != SM_OK) {
            fprintf(stderr, "steadymat: %s\n", err);
            status = 1;
        }
    }
    end_segment(r, NULL);
    if (r->rec_failed)
        status = 1;
    if (rc->json)
        print_json(r, wall_s, cpu_s);
    if (!r->have_frame && status == 0) {
        fprintf(stderr, "steadymat: %s\n",
                r->st.message[0] ? r->st.message : "no frames arrived: is the mat running?");
        status = 1;
    }
    if (rc->final_volume)
        *rc->final_volume = r->volume;
    if (rc->final_mute)
        *rc->final_mute = r->muted;
    if (rc->final_patient)
        snprintf(rc->final_patient, sizeof r->patient, "%s", r->patient);
    if (rc->final_protocol && r->pipe)
        *rc->final_protocol = sm_pipeline_protocol(r->pipe, NULL);
    sm_view_destroy(r->view);
    sm_sound_close(r->speaker);
    sm_pipeline_destroy(r->pipe);
    sm_voice_destroy(r->voice);
    sm_calib_creep_destroy(r->creep);
    sm_calib_destroy(r->cal);
    sm_placement_destroy(r->place);
    for (int k = 0; k < 2; k++) {
        free(r->side_frame[k]);
        free(r->side_values[k]);
        free(r->side_labels[k]);
    }
    free(frames);
    free(r);
    return status;
}
