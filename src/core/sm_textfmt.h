/*
 * Plain-text mats: numbers separated by commas, spaces, tabs or semicolons.
 * Two layouts, recognised per line:
 *   - one frame per line: rows*cols numbers on a line (PmatData: 2048 tab-separated values);
 *   - one matrix row per line: cols numbers per line, rows consecutive lines make a frame; a
 *     blank line ends a frame early (it is then rejected) and resynchronises.
 * Pure: bytes in, frames out, in any chunking. No I/O, no clock.
 *
 * Lexical rules:
 *   - a line ends at '\n'; '\r' counts as whitespace, so CRLF files work; a last line without
 *     newline is parsed by sm_text_parser_finish;
 *   - any run of ',', ' ', '\t', ';', '\r', '\v', '\f' holding at most one ',' or ';' is one
 *     separator (see Plausibility), and separators at the start or end of a line are ignored
 *     (PmatData ends every line with a tab);
 *   - a number is decimal digits with an optional fraction ("12", "12.", "12.5", ".5"); a
 *     fraction is rounded to the nearest integer, halves up ("12.5" -> 13), because some DIY
 *     mats print floats; no sign, no exponent;
 *   - a line holding only separators/whitespace is blank.
 *
 * Rejected (counted in bad_lines, with last_bad_line and a one-line reason in last_error):
 *   - a line whose value count is neither rows*cols nor cols:
 *       "line 3: 2040 values, expected 2048 (64 x 32) or 32"
 *   - a value that is not a number, negative, or above 65535 after rounding:
 *       "line 9: value 17 is not a number (\"12a\")"
 *       "line 9: value 4 is negative (\"-3\")"
 *       "line 9: value 4 is above 65535 (\"70000\")"
 *   - a line longer than SM_TEXT_MAX_LINE bytes: "line 12: longer than 65536 bytes";
 *   - a frame in row-per-line layout that ends before its last row (blank line, rejected line,
 *     a whole-frame line, or end of input): counted once, reported at the line of its first
 *     row: "line 5: frame ended after 3 of 64 rows". When a rejected line cut it short, both
 *     are counted and last_error names the rejected line.
 *
 * Line checksum (optional, NMEA style): a line may end in `*HH`, two hex digits (either case)
 * giving the XOR of every byte of the line before the `*` (from the line's first byte; the
 * '
' of CRLF after HH is not part of it). Whitespace may follow HH. A line whose checksum
 * does not match is rejected and counted in checksum_errors too:
 *       "line 7: checksum *3A does not match the line (5C): damaged in transit"
 * Once a line with a good checksum has been seen, a line without one is rejected as well
 * ("line 8: no checksum (the mat sends them): damaged in transit"), since noise can destroy
 * the `*` itself.
 *
 * Plausibility (every line, the only check of lines without a checksum): a value is never
 * empty, so a separator run holds at most one ',' or ';' ("1,,2" is a damaged "1,2" or
 * "1,42"), and the runs between values either all hold one or all hold none:
 *       "line 4: values 6 and 7 are separated differently from the rest (damaged?)"
 *
 * frames_lost counts the frames the rejected lines cost: one per rejected non-blank line
 * outside a row-per-line frame, one per row-per-line frame cut short (an estimate: noise that
 * splits a line in two counts two, noise that joins two lines counts one).
 */
#ifndef SM_TEXTFMT_H
#define SM_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_status.h"

#define SM_TEXT_MAX_LINE 65536 /* longer lines are rejected (and skipped to their end) */

typedef struct {
    unsigned long lines;           /* lines seen (including blank) */
    unsigned long frames;          /* frames handed out */
    unsigned long bad_lines;       /* lines (and incomplete row-per-line frames) rejected */
    unsigned long last_bad_line;   /* 1-based line number of the last rejected line */
    unsigned long checksum_errors; /* lines whose `*HH` checksum was wrong or missing */
    unsigned long frames_lost;     /* frames lost to rejected lines (see above) */
    char last_error[96];           /* what was wrong with it, "" while nothing was rejected */
    /* The last line rejected for its number of values had this many (0: none was), so a user
     * can be told "lines have 15 numbers; --cols is 16". */
    size_t last_wrong_count;
} sm_text_counters_t;

typedef struct {
    sm_text_counters_t c;
    uint16_t rows, cols;
    char line[SM_TEXT_MAX_LINE];    /* the line being received, without its '\n' */
    size_t n;                       /* bytes in line */
    int overlong;                   /* the current line passed SM_TEXT_MAX_LINE: dropping to '\n' */
    uint16_t pending[SM_MAX_CELLS]; /* rows collected so far in row-per-line layout */
    uint16_t pending_rows;
    unsigned long pending_line; /* line number of the first pending row */
    int checksummed;            /* a line with a good `*HH` has been seen: the mat sends them */
    int joining;       /* set by a live reader after (re)connecting: the first line is most likely
                          the tail of one the mat was sending, so if it is rejected it counts nowhere
                          (like the protocol parser's joins). Cleared by the first line. */
    int in_join;       /* the line being judged is that first line */
    int layout;        /* the last good line was 1: a whole frame, 2: a row, 0: none */
    double time_scale; /* > 0: time column on (see sm_text_parser_set_time) */
} sm_text_parser_t;

/* The `*HH` checksum of a line's bytes (XOR of all of them), for writers: the simulator and
 * the firmware's text mode. */
uint8_t sm_text_checksum(const uint8_t *line, size_t n);
/* One frame as one line, the way the simulator's text output sends it: rows*cols decimal
 * values separated by ',', then (checksum != 0) `*HH`, then "\r\n". Returns the bytes written
 * to out (at most 6 per value + 5), or 0 when cap is too small. */
size_t sm_text_format_frame(const uint16_t *cells, uint16_t rows, uint16_t cols, int checksum,
                            char *out, size_t cap);

/* rows, cols: 1..64 (the frame is rows x cols, row-major). Returns SM_ERR_RANGE otherwise,
 * SM_ERR_ARG when p is NULL. The parser is about 74 KiB: keep it in the heap or static. */
sm_status sm_text_parser_init(sm_text_parser_t *p, uint16_t rows, uint16_t cols);
/* A time column: from now on the first number of every line is the frame's time stamp (decimal,
 * fraction kept), times scale gives microseconds (1e6 for seconds, 1e3 for ms, 1 for us); the
 * frame is then one line of 1 + rows*cols numbers and its out->t_us is the stamp (t_us of a
 * negative or non-finite stamp: the line is rejected). scale <= 0 turns it off. Set it before
 * feeding; sm_text_parser_init turns it off. */
void sm_text_parser_set_time(sm_text_parser_t *p, double scale_to_us);

/* Like sm_proto_parser_feed: consumes data[0..n) and stops right after the line that completes
 * a frame (*got = 1, out->cells/rows/cols set; t_us, seq, dev_t_us and flags are set to 0 for
 * the caller to fill). Returns bytes consumed; call again with the rest. *got is always set;
 * *out is only written when *got = 1. */
size_t sm_text_parser_feed(sm_text_parser_t *p, const uint8_t *data, size_t n, sm_frame_t *out,
                           int *got);
/* End of input: a final line without newline is parsed, an unfinished row-per-line frame is
 * counted as rejected. Returns 1 when that completed a frame (then *out is set), else 0. The
 * parser is then ready for a new input (counters kept). */
int sm_text_parser_finish(sm_text_parser_t *p, sm_frame_t *out);

#endif
