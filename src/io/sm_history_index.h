/*
 * The history index and the per-session sidecar, as text (JSON lines, json-c). Layout and every
 * member: docs/history-format.md. Outline of the index (index.jsonl in the history folder):
 *
 *   {"format":"steadymat-history","version":1}                         <- line 1, the header
 *   {"session":"2025-01-31_10-15-00.smsession","start_unix_ms":..,"date":"2025-01-31T10:15:00+0100",
 *    "duration_s":..,"frames":..,"protocol":"ball-release","release_s":0,"source":"..",
 *    "mat":{"uid":"","name":"","rows":32,"cols":24},
 *    "right":{"spots":1,"holds":1,"released":0,"steady_s":..,"time_to_settle_s":..,
 *             "wiggles":2,"soreness":[3]},
 *    "left":{...}}                                                     <- one line per session
 *
 * The sidecar (<session>.meta.json) holds what the session file cannot: the protocol, the
 * release threshold and the keys pressed (soreness ratings, pivot), so that re-analysing the
 * file reproduces the index line.
 *
 * Parsers take any bytes: every line is checked member by member (types, ranges, names), a bad
 * line is counted with its number and skipped, never fatal. Limits: lines of 64 KiB, 1,000,000
 * entries. Thread context: reentrant.
 */
#ifndef SM_HISTORY_INDEX_H
#define SM_HISTORY_INDEX_H

#include <stddef.h>

#include "sm_history.h"
#include "sm_status.h"

#define SM_HISTORY_FORMAT      "steadymat-history"
#define SM_HISTORY_META_FORMAT "steadymat-session-meta"
#define SM_HISTORY_VERSION     1
#define SM_HISTORY_LINE_MAX    65536
#define SM_HISTORY_MAX_ENTRIES 1000000
#define SM_HISTORY_MAX_INPUTS  256

/* A growable array of entries (malloc'd; zero-initialise, free with sm_history_list_free). */
typedef struct {
    sm_history_entry_t *v;
    size_t n, cap;
} sm_history_list_t;

void sm_history_list_free(sm_history_list_t *l); /* NULL-safe; leaves it empty */
/* Appends a copy, or replaces the entry with the same session name. SM_ERR_NOMEM,
 * SM_ERR_RANGE (SM_HISTORY_MAX_ENTRIES). */
sm_status sm_history_list_put(sm_history_list_t *l, const sm_history_entry_t *e);
/* Index of the entry for session name, or -1. */
long sm_history_list_find(const sm_history_list_t *l, const char *session);
/* Oldest first (start time, then name). */
void sm_history_list_sort(sm_history_list_t *l);

typedef struct {
    unsigned long lines;          /* non-blank lines read */
    unsigned long entries;        /* good entry lines */
    unsigned long bad_lines;      /* lines skipped */
    unsigned long first_bad_line; /* 1-based line number of the first problem, 0 none */
    int header_ok;                /* line 1 was a valid header */
    int version;                  /* header version (0 when no header) */
    char first_error[160];        /* what was wrong there */
} sm_history_parse_stats_t;

/* Parses index text (n bytes, need not be NUL-terminated) into out (appended; duplicates keep
 * the last line). Returns SM_OK when the header and every line are good; SM_ERR_FORMAT when
 * the header is missing/bad or lines were skipped (the good entries are in out: the caller
 * repairs); SM_ERR_VERSION for a header of a newer version (out unchanged: do not rewrite it);
 * SM_ERR_NOMEM; SM_ERR_ARG for NULL out/st. */
sm_status sm_history_index_parse(const char *text, size_t n, sm_history_list_t *out,
                                 sm_history_parse_stats_t *st);
/* One entry as an index line (JSON, no newline), malloc'd into *line. The "date" member is the
 * local time of start_unix_ms (null when 0). SM_ERR_ARG for an entry that would not parse back
 * (bad session name), SM_ERR_NOMEM. */
sm_status sm_history_entry_format(const sm_history_entry_t *e, char **line);
/* Parse one entry line (for tests and the fuzz target); err gets what was wrong. */
sm_status sm_history_entry_parse(const char *line, size_t n, sm_history_entry_t *e, char *err,
                                 size_t errlen);
/* The whole index text (header + one line per entry, each ending in '\n'), malloc'd. */
sm_status sm_history_index_format(const sm_history_list_t *l, char **text, size_t *n);

/* ---- the sidecar ---- */
typedef struct {
    char session[SM_HISTORY_NAME_MAX]; /* as in the index */
    sm_protocol_t protocol;
    double release_s; /* 0 = protocol default */
    size_t n_inputs;
    sm_history_input_t inputs[SM_HISTORY_MAX_INPUTS]; /* in time order */
} sm_history_meta_t;

void sm_history_meta_init(sm_history_meta_t *m, sm_protocol_t protocol, double release_s);
/* Appends an input (dropped beyond SM_HISTORY_MAX_INPUTS: returns SM_ERR_RANGE). */
sm_status sm_history_meta_input(sm_history_meta_t *m, double t_s, sm_coach_input_t in, int value);
sm_status sm_history_meta_parse(const char *text, size_t n, sm_history_meta_t *out, char *err,
                                size_t errlen);
sm_status sm_history_meta_format(const sm_history_meta_t *m, char **text);

/* "ball-release" etc. -> protocol; 0 when unknown. */
int sm_history_protocol_parse(const char *s, sm_protocol_t *out);

#endif
