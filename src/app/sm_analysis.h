/*
 * A recorded session through the coaching pipeline, as `analyze`, `report` and the history do
 * it: every frame in file order (gaps skipped), times taken from the first frame, the coach
 * finished at the last frame, the tool contact's trace (or the whole body's CoP when no tool
 * was found) and its sway measures. Keys pressed during the live session (soreness, pivot)
 * can be replayed at their times so the holds come out as they did live.
 */
#ifndef SM_ANALYSIS_H
#define SM_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "sm_calib.h"
#include "sm_history.h"
#include "sm_history_index.h"
#include "sm_pipeline.h"
#include "sm_sessinfo.h"
#include "sm_session.h"
#include "sm_sway.h"

typedef struct {
    sm_protocol_t protocol;
    double release_s;                 /* 0 = the protocol's default */
    const sm_history_input_t *inputs; /* keys to replay (session time of the file), or NULL */
    size_t n_inputs;
    /* Called after the pipeline has taken each frame; t_s is the time from the first frame. */
    void (*on_frame)(void *ctx, const sm_frame_t *f, double t_s, const sm_pipeline_t *p);
    void *ctx;
    /* The tool named to the pipeline (sm_pipeline_set_tool) when set_tool; else the protocol's. */
    int set_tool;
    sm_tool_kind_t tool;
    double ball_mm;
    /* The footprint chooses between the ball and the Hip Hook, starting from protocol, as the
     * live session did (sm_sessinfo_t.auto_tool). */
    int auto_tool;
    /* The calibration the session was recorded with, or NULL: the coach then works on kPa with
     * the calibrated creep removed, as the live session did. Not owned. */
    const sm_calib_t *cal;
} sm_analysis_opts_t;

typedef struct {
    sm_session_header_t header;
    sm_session_stats_t stats;
    unsigned long frames;
    double first_s;      /* session time of the first frame in the file */
    double duration_s;   /* last frame minus first */
    double rate_hz;      /* (frames - 1) / duration; 0 when unknown */
    sm_pipeline_t *pipe; /* finished: holds, events, breathing */
    double *x, *y;       /* the trace the sway is of, mm */
    size_t n;
    int of_tool;   /* 1: the tool contact; 0: the whole body's CoP */
    int have_sway; /* sway valid */
    sm_sway_t sway;
} sm_analysis_t;

/* Runs the session at path. o NULL = ball-release, default release, no keys. On failure a is
 * emptied and err holds the one-line message analyze prints (SM_ERR_* of the reader,
 * SM_ERR_RANGE "PATH: cannot analyse a RxC mat", SM_ERR_FORMAT "PATH holds no frames",
 * SM_ERR_NOMEM "out of memory"). Free with sm_analysis_free. */
sm_status sm_analysis_run(const char *path, const sm_analysis_opts_t *o, sm_analysis_t *a,
                          char *err, size_t errlen);
void sm_analysis_free(sm_analysis_t *a); /* NULL-safe */

/* Reads path's header (into *h, may be NULL) and resolves how to analyse it (sm_sessinfo.h):
 * flags (may be NULL) over the header over the sidecar (may be NULL). Errors as the reader's. */
sm_status sm_analysis_settings(const char *path, const sm_history_meta_t *sidecar,
                               const sm_sessinfo_flags_t *flags, sm_sessinfo_t *info,
                               sm_session_header_t *h, char *err, size_t errlen);
/* Sets o's protocol, release and tool from info (the rest of o is kept). */
void sm_analysis_opts_apply(sm_analysis_opts_t *o, const sm_sessinfo_t *info);
/* After sm_analysis_run with o from info: info names the protocol coached (sm_sessinfo_settle). */
void sm_analysis_settle(const sm_analysis_t *a, sm_sessinfo_t *info);

/* The history's entry for a session: header facts and per-side numbers (start time from the
 * header, else the file's modification time). */
void sm_analysis_entry(const sm_analysis_t *a, const char *path, sm_protocol_t protocol,
                       double release_s, sm_history_entry_t *e);
/* The same with the resolved settings: protocol, release, tool and patient. */
void sm_analysis_entry_info(const sm_analysis_t *a, const char *path, const sm_sessinfo_t *info,
                            sm_history_entry_t *e);

/* sm_history_analyze_fn for sm_history_load / sm_history_add: re-analyses a session file with
 * the protocol, release and tool its header says (else its sidecar's; ball-release when neither
 * says), its sidecar's keys, and the calibration it was recorded with when that is still to be
 * found (a copy in the history folder, or the mat's unchanged file; else raw counts, said on
 * stderr). ctx: the history folder (const char *), or NULL. */
sm_status sm_analysis_history_fn(void *ctx, const char *session_path, const sm_history_meta_t *meta,
                                 sm_history_entry_t *out, char *err, size_t errlen);

/* What the live loop knows at the end of a session. */
typedef struct {
    const char *dir;          /* history folder; NULL = the default */
    const char *session_path; /* the recording, closed */
    const sm_mat_info_t *mat;
    const char *source; /* the source label written in the recording */
    int64_t start_unix_ms;
    unsigned long frames; /* frames recorded */
    double duration_s;    /* last frame time minus first */
    sm_protocol_t protocol;
    double release_s;
    const sm_history_input_t *inputs; /* keys given to the pipeline (session time), or NULL */
    size_t n_inputs;
    const sm_coach_t *coach; /* finished (sm_pipeline_finish) */
    const char *patient;     /* as recorded in the header, or NULL */
    sm_session_tool tool;
    const char *calib_path; /* the calibration in force (its file), or NULL */
    const char *calib_hash; /* its hash as recorded in the header */
} sm_history_live_t;

/* Puts a finished live session into the history (sidecar + index; a damaged index is
 * rebuilt), with a copy of the calibration in force in <dir>/calibrations/ so that the session
 * can be re-analysed with it after the mat is recalibrated. Prints one line on stderr: where
 * it was saved, or why not. 0 ok, 1 failure. */
int sm_analysis_history_add_live(const sm_history_live_t *l);

#endif
