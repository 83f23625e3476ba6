/*
 * Session files (*.smsession): a recording of frames with the mat's geometry and identity.
 * Format documented in docs of this header's implementation and in README ("Session files").
 * Crash-safe: self-delimiting records, each with its own CRC, written to the OS at least every
 * 250 ms of session time, so after a kill -9 a reader recovers all but the last fraction of a
 * second; a torn last record is detected and skipped, a corrupt record in the middle is skipped
 * by resynchronising on the next record marker.
 */
#ifndef SM_SESSION_H
#define SM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_status.h"

#define SM_SESSION_VERSION 1

typedef struct {
    sm_mat_info_t mat;
    char source[128];       /* where the frames came from: "/dev/ttyUSB0", "sim:ball-steady", "import:1.txt" */
    int64_t start_unix_ms;  /* wall-clock start of the session, ms since 1970 UTC */
    uint32_t version;       /* file format version read (SM_SESSION_VERSION when writing) */
} sm_session_header_t;

typedef enum { SM_REC_FRAME = 1, SM_REC_GAP = 2 } sm_session_rec_kind;

typedef struct {
    sm_session_rec_kind kind;
    sm_frame_t frame;        /* SM_REC_FRAME */
    uint64_t gap_start_us;   /* SM_REC_GAP: session time the link was lost ... */
    uint64_t gap_end_us;     /* ... and came back */
    char gap_reason[96];
} sm_session_record_t;

/* ---- writing ---- */
typedef struct sm_session_writer sm_session_writer_t;

/* Creates (truncates) path. On failure returns an error and writes a one-line message to err. */
sm_status sm_session_writer_open(const char *path, const sm_session_header_t *h,
                                 sm_session_writer_t **out, char *err, size_t errlen);
/* Append a frame. On a write error (disk full, I/O error) returns SM_ERR_IO with a message in
 * err; everything written before stays readable and later calls keep failing fast. */
sm_status sm_session_writer_frame(sm_session_writer_t *w, const sm_frame_t *f, char *err, size_t errlen);
sm_status sm_session_writer_gap(sm_session_writer_t *w, uint64_t start_us, uint64_t end_us,
                                const char *reason, char *err, size_t errlen);
/* Flush, fsync and close; NULL-safe. Returns the first error seen, if any. */
sm_status sm_session_writer_close(sm_session_writer_t *w, char *err, size_t errlen);
/* Frames written so far. */
unsigned long sm_session_writer_frames(const sm_session_writer_t *w);

/* ---- reading ---- */
typedef struct {
    unsigned long frames;         /* frame records read */
    unsigned long gaps;           /* gap records read */
    unsigned long corrupt;        /* records skipped because their CRC or length was wrong */
    unsigned long bytes_skipped;  /* bytes skipped while resynchronising */
    int torn_tail;                /* 1 when the file ends in an incomplete record (crash) */
} sm_session_stats_t;

typedef struct sm_session_reader sm_session_reader_t;

/* Opens and indexes the file (one pass). A file that is not a session, or of a newer version,
 * gives SM_ERR_FORMAT / SM_ERR_VERSION and a message naming the offset or version. */
sm_status sm_session_reader_open(const char *path, sm_session_reader_t **out, char *err,
                                 size_t errlen);
void sm_session_reader_close(sm_session_reader_t *r); /* NULL-safe */
const sm_session_header_t *sm_session_reader_header(const sm_session_reader_t *r);
/* Next record in file order; SM_EOF at the end. */
sm_status sm_session_reader_next(sm_session_reader_t *r, sm_session_record_t *rec);
/* Position so that the next frame returned is the first with t_us >= t_us. */
sm_status sm_session_reader_seek(sm_session_reader_t *r, uint64_t t_us);
/* Session time of the first and last frame, and the number of frames (from the index). */
void sm_session_reader_span(const sm_session_reader_t *r, uint64_t *first_us, uint64_t *last_us,
                            unsigned long *frames);
const sm_session_stats_t *sm_session_reader_stats(const sm_session_reader_t *r);

/* ---- import ---- */
typedef struct {
    unsigned long frames;
    unsigned long bad_lines;
    unsigned long last_bad_line;
    char last_error[96];
} sm_import_stats_t;

/* Text frames (see sm_textfmt.h) -> session at rate_hz (frame k at t = k / rate_hz). */
sm_status sm_session_import_text(const char *in_path, const char *out_path, uint16_t rows,
                                 uint16_t cols, double rate_hz, double pitch_mm,
                                 sm_import_stats_t *stats, char *err, size_t errlen);

#endif
