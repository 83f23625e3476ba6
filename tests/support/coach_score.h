/*
 * Scoring what a coach reported on a generated trace (cop_gen.h) against its truth: the table of
 * issue 11. Neutral: it takes the events and cues as plain numbers (from `--json` output or
 * straight from sm_coach), so it shares nothing with the coach it scores.
 *
 * Rules (times in s on the trace's clock):
 *   - an event matches a true episode when it overlaps [start - 0.5, end + after], after = 1.5 s
 *     for wiggles and rocking, 4 s for slides (a relocation is only known once the tool stays);
 *   - an episode is caught when a wiggle or relocation event matches it; a slide is found as a
 *     relocation when a relocation event matches it;
 *   - a false alarm is an event (any kind) that matches no episode;
 *   - start latency (episodes in the target, caught): the first WIGGLE_START cue in
 *     [start - 0.5, end + 1.5] minus the truth start; without cues the first matching
 *     event's start;
 *   - stop latency: the first WIGGLE_STOP cue after the last WIGGLE_START cue of the episode,
 *     minus the truth end; without cues the last matching event's end;
 *   - breathing error: |reported rate - the trace's mean rate|, breaths/min;
 *   - live against analyze: the wiggle/relocation events of both, in order, same kind and start
 *     and end within 0.5 s each; size ratio live/analyze of matched wiggles.
 */
#ifndef COACH_SCORE_H
#define COACH_SCORE_H

#include <stddef.h>
#include <stdio.h>

#include "cop_gen.h"

#define SCORE_MAX_EVENTS 128
#define SCORE_MAX_CUES   1024
#define SCORE_MAX_VALUES 512

typedef enum { SCORE_EV_WIGGLE = 0, SCORE_EV_RELOCATION, SCORE_EV_OTHER } score_ev_kind_t;
typedef enum { SCORE_CUE_WIGGLE_START = 0, SCORE_CUE_WIGGLE_STOP } score_cue_kind_t;

typedef struct {
    score_ev_kind_t kind;
    double start_s, end_s, size_mm;
} score_event_t;

typedef struct {
    score_cue_kind_t kind;
    double t_s;
} score_cue_t;

/* What one run of the coach on one trace reported. */
typedef struct {
    score_event_t ev[SCORE_MAX_EVENTS];
    size_t n_ev;
    score_cue_t cue[SCORE_MAX_CUES];
    size_t n_cue;
    int has_cues; /* the run reports its sounds (cues); else latencies come from the events */
    double bpm;   /* reported breathing rate; <= 0 when none */
} score_run_t;

/* Accumulated over the traces of one category and one path. */
typedef struct {
    int traces;
    int target_eps, target_caught;            /* episodes inside the recall target */
    int other_eps, other_caught;              /* wiggles outside it (edge) */
    int fa, fa_traces;                        /* false alarms, traces with one or more */
    int reloc_true, reloc_found, reloc_other; /* slides; found as relocation; caught otherwise */
    double start_lat[SCORE_MAX_VALUES], stop_lat[SCORE_MAX_VALUES];
    size_t n_start, n_stop;
    int stop_missing; /* caught, buzz started, but never stopped */
    double bpm_err[SCORE_MAX_VALUES];
    size_t n_bpm;
    int bpm_missing;
    int agree, agree_of; /* traces where live and analyze gave the same events */
    double size_ratio[SCORE_MAX_VALUES];
    size_t n_ratio;
    int logged; /* lines written to the log so far */
} score_acc_t;

/* Score one run into acc. log (may be NULL) gets one line per missed episode and per false
 * alarm, at most SCORE_LOG_LINES per accumulator, each naming the category and seed so that
 * `steadymat-copgen CATEGORY SEED FILE.csv --truth FILE.json` makes the trace again. path names
 * the path in those lines ("analyze", "live", ...). */
#define SCORE_LOG_LINES 12
void score_trace(const copgen_trace_t *tr, const score_run_t *run, score_acc_t *acc, FILE *log,
                 const char *path);
/* live against analyze on the same trace, counted into acc (the live row). */
void score_agree(const score_run_t *analyze, const score_run_t *live, score_acc_t *acc);
/* Nearest-rank percentile (p in 0..1) of n values; NaN when n is 0. v is not changed. */
double score_percentile(const double *v, size_t n, double p);
/* Pool src into dst (for totals). */
void score_add(score_acc_t *dst, const score_acc_t *src);

void score_print_header(FILE *f);
void score_print_row(FILE *f, const char *category, const char *path, const score_acc_t *a);

#endif
