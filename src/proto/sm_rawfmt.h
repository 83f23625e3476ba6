/*
 * Binary mats that do not speak protocol v1 ("raw" mats): fixed-size frames of samples, found by
 * a header before them, a trailer after them, or by asking for each one with a poll byte.
 * No checksum, so every frame also passes plausibility checks (length, value range, a frame that
 * differs wildly from its neighbours in time). Pure: bytes in, frames out, in any chunking; no
 * heap, no floating point, no stdio (like the rest of proto). Described in docs/raw-mats.md.
 *
 * One frame on the wire:
 *
 *   [header: 0..8 bytes] | rows*cols samples | [trailer: 0..8 bytes]
 *
 *   sample  u8     1 byte
 *           u16be  2 bytes, high byte first (the M1616 module)
 *           u16le  2 bytes, low byte first
 *           u12le  2 bytes, low byte first, 12-bit values (above 4095 is out of range)
 *   order   rows   samples row by row (row 0 first, the head end), the host's own order
 *           cols   column by column; transposed to rows here
 *
 * How a frame is found:
 *   header (with or without trailer): the header bytes, then the samples, then the trailer (if
 *     any) must follow at once; a wrong trailer drops the frame (a length error) and the
 *     search for the next header starts over. Without a trailer (and without a poll) the
 *     length is checked by the next header: a frame is handed out when the next header
 *     follows it at once (one frame later); a frame holding the next header, or followed by
 *     extra bytes before it, has the wrong length (a length error, last_len the bytes between
 *     the two headers).
 *   trailer only: the samples are the bytes before each trailer; a trailer found too early or
 *     too late drops what came before it (a length error; last_len says how many bytes came
 *     between two trailers, e.g. 1540 where 1568 were expected).
 *   neither (poll mats): the bytes after each poll; the caller calls sm_raw_parser_restart()
 *     before each poll (unfinished bytes then count as a length error).
 */
#ifndef SM_RAWFMT_H
#define SM_RAWFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

#define SM_RAW_MAX_MARK    8u
#define SM_RAW_MAX_CELLS   4096u /* 64 x 64 */
#define SM_RAW_MAX_PAYLOAD (2u * SM_RAW_MAX_CELLS)

typedef enum { SM_RAW_U8 = 0, SM_RAW_U16BE, SM_RAW_U16LE, SM_RAW_U12LE } sm_raw_sample;

typedef struct {
    uint8_t header[SM_RAW_MAX_MARK], trailer[SM_RAW_MAX_MARK];
    uint8_t header_len, trailer_len;
    sm_raw_sample sample;
    uint8_t col_order;   /* 1: samples column by column */
    int16_t poll;        /* byte sent to ask for each frame, -1: the mat streams */
    uint16_t rows, cols; /* 1..64 each */
    uint16_t max;        /* largest plausible sample (0: the sample type's full scale) */
} sm_raw_spec_t;

/* Checks that a spec can be parsed: SM_OK, SM_ERR_RANGE (size), SM_ERR_ARG (nothing marks the
 * frames: no header, no trailer, no poll). */
sm_status sm_raw_spec_check(const sm_raw_spec_t *spec);
/* Bytes per frame's samples. */
size_t sm_raw_payload_bytes(const sm_raw_spec_t *spec);
/* The sample type's full scale (255, 65535, 65535, 4095), or spec->max when set. */
uint16_t sm_raw_full_scale(const sm_raw_spec_t *spec);

typedef struct {
    unsigned long frames;        /* frames handed out */
    unsigned long length_errors; /* frames dropped for a wrong length or a missing trailer */
    unsigned long range_errors;  /* frames dropped for a sample above the full scale */
    unsigned long suspect;       /* frames handed out that differ wildly from both neighbours */
    unsigned long bytes_skipped; /* bytes outside any frame (hunting for the header) */
    unsigned long last_len;      /* bytes between two trailers (or headers) last time it was
                                    wrong, 0: none */
} sm_raw_counters_t;

/* Sudden-glitch check over consecutive frames (also used for text mats): frame k is suspect
 * when it differs wildly from k-1 and from k+1 while k-1 and k+1 agree - a person moves
 * smoothly; a misread frame comes and goes. "Wildly": a mean change per cell of more than 1/16
 * of the highest reading in k-1 and k+1 (at least full scale / 256). Counted when frame k+1 arrives
 * (the frame itself has been shown already). */
typedef struct {
    uint16_t prev[SM_RAW_MAX_CELLS], prev2[SM_RAW_MAX_CELLS];
    size_t cells;
    unsigned have; /* frames seen (saturates at 2) */
    uint32_t full;
    unsigned long suspect;
} sm_plaus_t;

void sm_plaus_init(sm_plaus_t *p, uint32_t full_scale);
/* One frame of n cells (a change of n starts over). Returns 1 when the frame BEFORE it has just
 * been counted as suspect. */
int sm_plaus_push(sm_plaus_t *p, const uint16_t *cells, size_t n);

typedef struct {
    sm_raw_spec_t spec;
    sm_raw_counters_t c;
    size_t need;              /* payload + trailer bytes per frame */
    size_t mark_got;          /* header bytes matched so far */
    size_t n;                 /* bytes collected after the header (or since the last trailer) */
    int in_frame;             /* header seen (header mode) */
    int synced;               /* trailer mode: a trailer has been seen, frames start after it */
    unsigned long since;      /* trailer mode: bytes since the last trailer (or the start) */
    size_t cand;              /* trailer mode: buf[0..cand) ends with an early trailer, 0: none */
    unsigned long cand_since; /* ... that many bytes after the trailer before it */
    unsigned long gap;        /* header mode: bytes skipped since the last frame ended */
    int pending; /* header mode: a decoded frame waits for the next header right after it */
    uint8_t buf[SM_RAW_MAX_PAYLOAD + SM_RAW_MAX_MARK];
    uint16_t cells[SM_RAW_MAX_CELLS]; /* the last frame, row-major */
    sm_plaus_t plaus;
} sm_raw_parser_t;

/* Returns sm_raw_spec_check's status; the parser then ignores its input until a valid init.
 * About 35 KiB: keep it in the heap or static. */
sm_status sm_raw_parser_init(sm_raw_parser_t *p, const sm_raw_spec_t *spec);
/* Consumes data[0..n) and stops right after the byte that completes a frame (*got = 1; the
 * frame is in p->cells, spec.rows x spec.cols, row-major). Returns bytes consumed; *got is
 * always set. */
size_t sm_raw_parser_feed(sm_raw_parser_t *p, const uint8_t *data, size_t n, int *got);
/* Drops a frame in progress (counted as a length error when bytes had arrived): before a poll,
 * or after a reconnect. Counters are kept. */
void sm_raw_parser_restart(sm_raw_parser_t *p);

#endif
