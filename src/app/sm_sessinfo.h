/*
 * How a recorded session is analysed, and what the output says about it. `analyze`, `replay`,
 * `report` and `history` take the protocol, release threshold and tool from the session's own
 * header (format 2.0), else from its history sidecar (sessions kept before 2.0), else the
 * defaults (ball release, 60 s, the protocol's tool) - exactly what SteadyMat 0.1 did with a
 * 1.0 file. A command-line flag overrides any of them, and every output says where each value
 * came from: "protocol: Hip Hook, two phases (from the session)" or "... (overridden by
 * --protocol)".
 *
 * Also: the session's calibration (its id and the hash of its file, recorded in the header)
 * found again for re-analysis, and the readable names of protocols and tools.
 */
#ifndef SM_SESSINFO_H
#define SM_SESSINFO_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "sm_calib.h"
#include "sm_coach.h"
#include "sm_contact.h"
#include "sm_history_index.h"
#include "sm_session.h"

typedef enum {
    SM_FROM_DEFAULT = 0, /* the session does not say: SteadyMat's default */
    SM_FROM_SESSION,     /* the session file's header */
    SM_FROM_SIDECAR,     /* the history sidecar beside a session without it in its header */
    SM_FROM_PROTOCOL,    /* tool: follows from the protocol (hook: Hip Hook, else a ball) */
    SM_FROM_FLAG,        /* the command line */
    SM_FROM_DETECTED     /* the tool's footprint, as the live session chose it (auto_tool) */
} sm_from_t;

/* What the command line asked for. Zero-initialise. */
typedef struct {
    int protocol_given;
    sm_protocol_t protocol;
    double release_s; /* > 0: given */
    int tool_given;
    sm_session_tool tool; /* SM_SESSTOOL_BALL or SM_SESSTOOL_HIP_HOOK */
    double ball_mm;       /* --tool ball:D (D in cm on the command line), 0 = not said */
} sm_sessinfo_flags_t;

typedef struct {
    sm_protocol_t protocol;
    sm_from_t protocol_from;
    double release_s;   /* for the pipeline: 0 = the protocol's default threshold */
    double threshold_s; /* the threshold in force, s (hook: each phase's) */
    sm_from_t release_from;
    sm_session_tool tool;
    double ball_mm; /* 0 = not known */
    sm_from_t tool_from;
    /* Whether the analysis names the tool to the pipeline (sm_pipeline_set_tool): only when a
     * flag or the session says more than the protocol implies, as the live session did. */
    int set_tool;
    /* The live session let the footprint choose between the ball and the Hip Hook (a 2.0 header
     * with a protocol and no tool, no flag now): the analysis does the same from the recorded
     * protocol, and sm_sessinfo_settle() then names the protocol coached. */
    int auto_tool;
    char patient[128];   /* "" = not recorded */
    char calib_id[64];   /* the calibration in force when recording, "" = raw counts */
    char calib_hash[72]; /* "crc32c:1a2b3c4d" */
} sm_sessinfo_t;

/* Resolves each setting: flag, else header (2.0 fields), else sidecar (may be NULL), else
 * default. */
void sm_sessinfo_resolve(const sm_session_header_t *h, const sm_history_meta_t *sidecar,
                         const sm_sessinfo_flags_t *flags, sm_sessinfo_t *out);

/* After an analysis with auto_tool: the protocol (and tool) the footprint chose, if it chose
 * (detected != 0), from sm_pipeline_protocol(). */
void sm_sessinfo_settle(sm_sessinfo_t *s, sm_protocol_t coached, int detected);

/* The steady seconds a release needs with protocol p and release_s (0 = default). */
double sm_sessinfo_threshold(sm_protocol_t p, double release_s);

/* Parses --protocol P, --release S or --tool ball[:CM]|hook at argv[*i] (advancing *i past the
 * value). Returns 1 when taken, 0 when argv[*i] is none of them, -1 after printing a usage
 * message naming cmd. */
int sm_sessinfo_option(int argc, char **argv, int *i, sm_sessinfo_flags_t *f, const char *cmd);

/* "from the session", "overridden by --protocol", "from the history sidecar", ... */
const char *sm_sessinfo_from_text(sm_from_t from, const char *flag);
const char *sm_sessinfo_from_name(sm_from_t from); /* "session", "flag", ... for JSON */

/* The lines analyze and report print ("protocol: Hip Hook, two phases (from the session)",
 * "release: 30 s (...)", "tool: Hip Hook (...)", "patient: ..."), each prefixed. */
void sm_sessinfo_print(FILE *fp, const char *prefix, const sm_sessinfo_t *s);
/* Adds "protocol" (the id), "protocol_title", "protocol_from", "release_threshold_s",
 * "release_from", "tool", "tool_from", "ball_diameter_mm" (null when unknown), "patient"
 * (null when not recorded) and "calibration_id" (null) to o. */
void sm_sessinfo_json(json_object *o, const sm_sessinfo_t *s);

/* Readable protocol names: sm_protocol_title (sm_history.h). */
/* "ball", "Hip Hook", "unknown" */
const char *sm_sesstool_name(sm_session_tool t);
/* The pipeline's tool kind for a session tool. */
sm_tool_kind_t sm_sesstool_kind(sm_session_tool t);

/* ---- calibration ---- */

/* The id and hash SteadyMat records for the calibration file at path (already validated):
 * id "<mat uid or RxC>@<created>" (<= 63 bytes), hash "crc32c:xxxxxxxx" of the file's bytes.
 * SM_ERR_IO with a message when the file cannot be read. */
sm_status sm_sessinfo_calib_identify(const char *path, const sm_calib_data_t *d, char *id,
                                     size_t idlen, char *hash, size_t hashlen, char *err,
                                     size_t errlen);

/* The file name a copy of a calibration is kept under in a history folder:
 * "<dir>/calibrations/crc32c-xxxxxxxx.json". 0 when hash is not of that form or too long. */
int sm_sessinfo_calib_copy_path(const char *dir, const char *hash, char *buf, size_t n);

/* The reference mat's profile installed with SteadyMat (or the source tree's, for a build run
 * in place): 1 and its path in path, or 0 when neither is readable. */
int sm_sessinfo_reference_profile(char *path, size_t n);

/* Finds the calibration a session was recorded with (its header's calib_hash): a copy kept in
 * the history folder of the session (or hist_dir, may be NULL), or the mat's own calibration
 * file if it is still the same. On success *cal is made and path says where it
 * was found; returns 1. Returns 0 with why in msg when the session was recorded uncalibrated
 * (msg ""), or its calibration is no longer to be found or does not load. The reference
 * profile is the last place looked, so a session recorded through it analyses the same anywhere. */
int sm_sessinfo_calib_find(const char *session_path, const char *hist_dir,
                           const sm_session_header_t *h, sm_calib_t **cal, char *path,
                           size_t pathlen, char *msg, size_t msglen);

#endif
