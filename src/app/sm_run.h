/*
 * The main loop shared by `live` and `replay`: frames from a source, through the pipeline, to
 * the view, the recording and the --json summary. A library function so that tests and the
 * latency benchmark drive the real loop.
 */
#ifndef SM_RUN_H
#define SM_RUN_H

#include <signal.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_coach.h"
#include "sm_metrics.h"
#include "sm_source.h"

/* Default pressure words (README "Pressure in words"): below 50 N (about 5 kg) on the tool is
 * "light", from 50 N "firm" (a relaxed adult lying on a 10 cm ball under one hip puts roughly
 * 10-25 % of the body's weight on it, 70-250 N), from 250 N "too hard" (pushing into it). */
#define SM_PRESSURE_FIRM_N 50.0
#define SM_PRESSURE_HARD_N 250.0

typedef struct {
    int headless;
    double duration_s;       /* stop after this much session time; 0 = until quit/end */
    const char *record_path; /* NULL: no recording */
    const char *screenshot_path;
    int json;               /* print the summary object on stdout */
    const char *banner;     /* shown prominently (e.g. simulator fallback) */
    double fps_cap;         /* render at most this often (default 60) */
    double threshold;       /* contact threshold in raw counts (default 2 % of full scale) */
    double start_timeout_s; /* headless: give up when no frame ever arrived (default 5) */
    int fullscreen;
    /* the coach */
    sm_protocol_t protocol;
    double release_s; /* steady seconds for the release threshold; 0 = default (60) */
    int tool_set;     /* --tool given: tool and ball_mm (mm) name it; else the protocol's */
    /* live without --protocol and --tool: the footprint decides between the ball and the Hip
     * Hook (sm_pipeline_config_t.auto_tool); `protocol` is the one to start with (the
     * remembered last choice). The protocol coached at the end goes to *final_protocol. */
    int auto_tool;
    sm_protocol_t *final_protocol;
    sm_tool_kind_t tool;
    double ball_mm;
    const char *audio_out; /* write the cue sounds to this WAV file (session clock) */
    int force;             /* --force: replace an existing recording or sound file */
    int mute;              /* start with the speaker muted */
    double volume;         /* 0..1 (default 0.8) */
    int voice;             /* --voice: spoken prompts with the cues (sm_voice) */
    int offer_sounds;      /* live: the first session with a window offers the sound tour once */
    /* calibration: raw counts -> kPa */
    const char *calibration_path; /* explicit file; NULL: the mat's own file when there is one */
    int no_calibration;           /* show raw counts even when a calibration exists */
    int mmhg;                     /* pressure in mmHg instead of kPa */
    /* history: 1 save the session in the history, 0 never, -1 (live default) for a real mat
     * but not for the simulator; history_dir NULL = the default folder */
    int history;
    const char *history_dir;
    /* the person practising: stored in the recording's header and the history; NULL = none.
     * The window's n changes it for the whole session (a recording begun already gets the new
     * name in its header when it closes); the name at the end goes to *final_patient (128
     * bytes; may be NULL). */
    const char *patient;
    char *final_patient;
    /* replay: how the session is coached, where each setting came from (sm_sessinfo_from_name),
     * for --json: NULL in live */
    const char *protocol_from;
    /* placement templates and no-go zones */
    const char *template_name; /* show this saved template from the start */
    const char *template_dir;  /* the store; NULL = $XDG_DATA_HOME/steadymat/templates */
    int presenter;             /* start in presenter mode (p / F10 toggles) */
    int clinician;             /* start in the clinician view (v toggles); 0: the patient view */
    /* The pressure on the tool in words (calibrated mats): the tool's force in N from which it
     * reads "firm" and "too hard" (below firm: "light"); 0: SM_PRESSURE_FIRM_N / _HARD_N. */
    double pressure_firm_n, pressure_hard_n;
    int compare; /* start side by side: 1 template vs live, 2 left vs right */
    int width, height;
    /* The safety screen in the window: shown at the start until it has been closed once (then
     * remembered, see sm_config.h), and again with F1. 0 never shows it by itself. */
    int safety_first;
    /* Filled at the end (may be NULL): the speaker settings as the session left them. */
    double *final_volume;
    int *final_mute;
    volatile sig_atomic_t *stop; /* set by a signal handler: finish cleanly */
    /* Benchmark hook: called right after a picture showing frame `seq` was presented. */
    void (*on_present)(void *ctx, uint32_t seq, uint64_t present_us);
    void *hook_ctx;
} sm_run_config_t;

void sm_run_config_default(sm_run_config_t *rc);

/* Runs to the end; returns the process exit status (0 ok, 1 failure) and prints the one-line
 * message of a failure on stderr. Takes ownership of nothing. */
int sm_run(const sm_run_config_t *rc, sm_source_t *src);

#endif
