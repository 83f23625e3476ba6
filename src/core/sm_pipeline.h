/*
 * The per-frame coaching pipeline shared by live, replay and `analyze`: tool contact detection,
 * the coach, and the cue sounds scheduled on the session clock. Pure: frames and times in,
 * coaching out; the app decides where the sound goes (speaker, WAV) and what the screen shows.
 */
#ifndef SM_PIPELINE_H
#define SM_PIPELINE_H

#include "sm_coach.h"
#include "sm_contact.h"
#include "sm_frame.h"
#include "sm_mix.h"
#include "sm_status.h"

typedef struct {
    int rows, cols;
    double pitch_mm;
    sm_protocol_t protocol;
    double release_s;  /* steady seconds for the release threshold; 0 = the protocol default */
    int sound_rate_hz; /* 0: no sound (analysis); else cues are mixed at this rate */
    float cue_gain;    /* loudness of the cues before the master volume, 0..1 (default 0.8) */
    int creep_removed; /* values come creep-corrected (calibration): the coach must not expect
                          creep again */
    /* 1: nobody named the tool (no --protocol, no --tool): the footprint decides between the
     * ball and the Hip Hook (SM_TOOL_AUTO, sm_contact.h). `protocol` is the one to start with
     * (the remembered last choice); the first tool found decides it once for the session: a
     * Hip Hook switches to SM_PROTO_HIP_HOOK, a ball away from it (to ball-release). Until
     * then, and when the tool found fits the protocol, nothing changes. */
    int auto_tool;
} sm_pipeline_config_t;

typedef struct sm_pipeline sm_pipeline_t;

sm_status sm_pipeline_create(const sm_pipeline_config_t *cfg, sm_pipeline_t **out);
void sm_pipeline_destroy(sm_pipeline_t *p); /* NULL-safe */

/* The tool in use (the hook protocol starts with the Hip Hook, the others with a 10 cm ball;
 * auto_tool with either): SM_TOOL_BALL with its diameter in mm (60..150; 0 = 100), or
 * SM_TOOL_HOOK (naming one turns auto_tool off: the configured protocol stays), or
 * SM_TOOL_AUTO. Call before the first frame. */
void sm_pipeline_set_tool(sm_pipeline_t *p, sm_tool_kind_t tool, double ball_mm);
/* One frame at session time f->t_us. values: the frame's cells as calibrated kPa, or NULL to use
 * the raw counts. Frames of another size than the pipeline's are ignored (SM_ERR_MISMATCH). */
sm_status sm_pipeline_frame(sm_pipeline_t *p, const sm_frame_t *f, const float *values);
/* The link to the mat is down at session time t_s (the source says so, no frames come): the
 * coach pauses and plays MAT_LOST once; the next frame (flagged SM_FRAME_AFTER_GAP or not)
 * resumes. Call it as often as convenient while the link is down. */
void sm_pipeline_link_lost(sm_pipeline_t *p, double t_s);
/* Play and log a cue that another module raised (placement guidance, no-go warning). Every cue
 * sound goes through one scheduler (sm_cuesched.h): no two overlap; a cue due while another
 * plays waits, is merged or interrupts it by that rule. */
void sm_pipeline_cue(sm_pipeline_t *p, const sm_coach_cue_t *c);
/* Play a cue's sound at session time t_s outside the coaching (the sound tour), through the same
 * scheduler, with its phrase under --voice; not logged or counted as a coach cue. Returns the
 * session time the sound ends, or a negative value when it was dropped. */
double sm_pipeline_play(sm_pipeline_t *p, sm_cue_kind_t kind, double intensity, double t_s);
/* Spoken phrases (--voice) played with the cues that have one: pcm[kind] mono floats at the
 * pipeline's sound rate, n[kind] samples (0 or NULL: none). The tone stays underneath at half
 * its level and the phrase starts SM_PIPELINE_VOICE_LEAD_S after it. The buffers are the
 * caller's and must outlive the pipeline; NULL arrays turn the voice off. */
#define SM_PIPELINE_VOICE_LEAD_S 0.12
void sm_pipeline_set_voice(sm_pipeline_t *p, const float *const *pcm, const size_t *n);
/* A key from the user (pivot, soreness, reset) at session time t_s. */
sm_status sm_pipeline_input(sm_pipeline_t *p, double t_s, sm_coach_input_t in, int value);
/* End of the session: closes the open hold. */
void sm_pipeline_finish(sm_pipeline_t *p, double t_s);

/* The protocol being coached now (the configured one until a tool found switched it, see
 * auto_tool), and whether the footprint chose it (1) or it was configured (0). */
sm_protocol_t sm_pipeline_protocol(const sm_pipeline_t *p, int *detected);
/* Tool detection over the session so far: frames seen, frames without a tool (the coach
 * searching), and the tool the footprint showed in most tool frames (SM_SEEN_NONE: never a
 * tool). Any pointer may be NULL. */
void sm_pipeline_tool_stats(const sm_pipeline_t *p, unsigned long *frames, unsigned long *no_tool,
                            sm_tool_seen_t *seen);
/* Results of the last frame, and the long-lived parts. */
const sm_contact_frame_t *sm_pipeline_contact(const sm_pipeline_t *p);
const sm_coach_out_t *sm_pipeline_coach_out(const sm_pipeline_t *p);
const sm_coach_t *sm_pipeline_coach(const sm_pipeline_t *p);
/* Per-cell labels of the last frame (0 unloaded, 1 body, 2 tool, 3 replaced fault), rows*cols
 * row-major. The caller says the size it will index them with: NULL when that is not the
 * pipeline's size (a frame from another mat), so a buffer is never read with a size it was not
 * made for. */
const uint8_t *sm_pipeline_labels(const sm_pipeline_t *p, int rows, int cols);
/* The mat size the pipeline was created for. */
void sm_pipeline_size(const sm_pipeline_t *p, int *rows, int *cols);
/* The cue mixer (NULL without sound): render it up to the session time to hear the cues. */
sm_mix_t *sm_pipeline_mix(sm_pipeline_t *p);
/* Cues raised so far, by kind (for tests and summaries). */
unsigned long sm_pipeline_cue_count(const sm_pipeline_t *p, sm_cue_kind_t kind);
/* The cues in the order they were raised (the first SM_PIPELINE_CUE_LOG of the session). */
#define SM_PIPELINE_CUE_LOG 4096
const sm_coach_cue_t *sm_pipeline_cue_log(const sm_pipeline_t *p, size_t *n);
/* What the scheduler made of every sound asked for (each logged cue and each tour sound, in the
 * order they came, the first SM_PIPELINE_CUE_LOG): when it sounded, s of session time; played 0
 * when it was merged, stale or cut before it began (start_s == end_s then). Sounds never overlap:
 * each ends before the next starts. */
typedef struct {
    sm_cue_kind_t kind;
    double due_s, start_s, end_s;
    int played;
} sm_pipeline_played_t;
const sm_pipeline_played_t *sm_pipeline_played(const sm_pipeline_t *p, size_t *n);

#endif
