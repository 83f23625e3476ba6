/*
 * One session in the history: the numbers a patient and clinician follow over days (per side:
 * spots, holds, releases, steady time, time to settle, wiggles, soreness ratings). Pure: filled
 * from the coach's records; the index file that stores these is src/io/sm_history_index.h and
 * docs/history-format.md.
 */
#ifndef SM_HISTORY_H
#define SM_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "sm_coach.h"
#include "sm_status.h"

#define SM_HISTORY_MAX_RATINGS 32 /* soreness ratings kept per side and session */
#define SM_HISTORY_NAME_MAX    512

typedef enum {
    SM_HISTORY_RIGHT = 0,
    SM_HISTORY_LEFT = 1,
    SM_HISTORY_SIDES = 2
} sm_history_side_index;

typedef struct {
    int spots;       /* distinct spots held on this side */
    int holds;       /* holds (hip-hook: a spot's two phases are two holds) */
    int released;    /* holds that met the release threshold */
    double steady_s; /* steady time summed over the holds, s */
    double settle_s; /* mean time to settle over the holds, s; 0 when holds == 0 */
    int wiggles;     /* wiggle episodes during the holds */
    int n_soreness;  /* ratings given (0 .. SM_HISTORY_MAX_RATINGS) */
    int soreness[SM_HISTORY_MAX_RATINGS]; /* 0..10, in hold order */
} sm_history_side_t;

typedef struct {
    /* The session file: a plain file name inside the history directory, or an absolute path
     * (a session recorded elsewhere with --record). Never contains "..". */
    char session[SM_HISTORY_NAME_MAX];
    int64_t start_unix_ms; /* wall clock at session start (header; else the file's mtime) */
    double duration_s;     /* session time of the last frame */
    unsigned long frames;
    sm_protocol_t protocol;
    double release_s; /* release threshold asked for; 0 = the protocol's default */
    char source[128]; /* "simulator: ball-wiggle", "/dev/ttyUSB0", "import:1.txt" */
    char mat_uid[17]; /* 16 hex digits or "" */
    char mat_name[17];
    int rows, cols;
    int tool;          /* the session header's tool: 0 unknown, 1 ball, 2 Hip Hook */
    char patient[128]; /* the person's name as recorded, "" = none; data, never a path */
    sm_history_side_t side[SM_HISTORY_SIDES];
} sm_history_entry_t;

/* A key the user pressed during a live session (soreness rating, hip-hook pivot), in session
 * time of the recording (the frames' t_us / 1e6), kept so that re-analysing the session file
 * gives the same holds and ratings. */
typedef struct {
    double t_s;
    sm_coach_input_t input;
    int value;
} sm_history_input_t;

/* The protocol's name for people, in reports, lists and plots: "Ball release", "Hip Hook, two
 * phases", "Back of hip", "Realignment" (sm_protocol_name is the id in files). */
const char *sm_protocol_title(sm_protocol_t p);

/* Per-side numbers from the coach's holds (after sm_coach_finish). Only e->side is changed. */
void sm_history_entry_fill_sides(sm_history_entry_t *e, const sm_coach_t *co);

/* Derived numbers for lists and plots. Each returns -1 when there is nothing to show
 * (no holds, no ratings). */
double sm_history_wiggles_per_hold(const sm_history_side_t *s);
double sm_history_soreness_mean(const sm_history_side_t *s);
double sm_history_settle_or_none(const sm_history_side_t *s);

/* Equal in every stored field (doubles compared exactly: the index keeps 17 digits). */
int sm_history_entry_equal(const sm_history_entry_t *a, const sm_history_entry_t *b);

/* A session name is safe when it is a plain file name (no '/', not "." or "..") or an absolute
 * path without a ".." component, printable, shorter than SM_HISTORY_NAME_MAX. */
int sm_history_name_ok(const char *name);

#endif
