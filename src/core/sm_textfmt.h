/*
 * Plain-text mats: numbers separated by commas, spaces, tabs or semicolons.
 * Two layouts, recognised per line:
 *   - one frame per line: rows*cols numbers on a line;
 *   - one matrix row per line: cols numbers per line, rows lines make a frame; a blank line
 *     ends a frame early (it is then rejected) and resynchronises.
 * Lines with other counts, non-numbers or values above 65535 are rejected and counted; the
 * parser reports the line number of the last error. Pure: bytes in, frames out.
 */
#ifndef SM_TEXTFMT_H
#define SM_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"

#define SM_TEXT_MAX_LINE 65536 /* longer lines are rejected (and skipped to their end) */

typedef struct {
    unsigned long lines;       /* lines seen (including blank) */
    unsigned long frames;      /* frames handed out */
    unsigned long bad_lines;   /* lines rejected */
    unsigned long last_bad_line; /* 1-based line number of the last rejected line */
    char last_error[96];       /* what was wrong with it */
} sm_text_counters_t;

typedef struct {
    sm_text_counters_t c;
    uint16_t rows, cols;
    char line[SM_TEXT_MAX_LINE];
    size_t n;
    int overlong;
    uint16_t pending[SM_MAX_CELLS]; /* rows collected so far in row-per-line layout */
    uint16_t pending_rows;
} sm_text_parser_t;

/* rows, cols: 1..64. Returns SM_ERR_RANGE otherwise. */
sm_status sm_text_parser_init(sm_text_parser_t *p, uint16_t rows, uint16_t cols);
/* Like sm_proto_parser_feed: stops after a complete frame (*got = 1, out->cells/rows/cols set;
 * t_us, seq, dev_t_us and flags are left 0 for the caller). Returns bytes consumed. */
size_t sm_text_parser_feed(sm_text_parser_t *p, const uint8_t *data, size_t n, sm_frame_t *out,
                           int *got);
/* End of input: a final line without newline is parsed. */
int sm_text_parser_finish(sm_text_parser_t *p, sm_frame_t *out);

#endif
