/*
 * Session files (*.smsession): a recording of frames with the mat's geometry and identity, and
 * (format 2.0) how the session was practised (protocol, release time, tool), by whom, with
 * which calibration and SteadyMat version. The byte layout is drawn in
 * src/core/sm_session_fmt.h and tabled in docs/session-format.md. Writers write format 2.0:
 * frames are compressed losslessly in chunks of under 250 ms (prediction from the previous
 * frame or from neighbouring cells, residuals through zstd), each chunk decodable on its own.
 * Readers read 2.0 and 1.0 files.
 * Crash-safe: self-delimiting records, each with its own CRC, written to the OS at least every
 * 250 ms of session time, so after a kill -9 a reader recovers all but the last fraction of a
 * second; a torn last record is detected and skipped, a corrupt record in the middle is skipped
 * by resynchronising on the next record marker (a damaged chunk costs its frames, at most
 * 250 ms).
 *
 * Thread context: a writer or a reader belongs to one thread at a time; separate objects are
 * independent.
 */
#ifndef SM_SESSION_H
#define SM_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_session_fmt.h" /* sm_session_header_t, sm_session_record_t, SM_SESSION_VERSION */
#include "sm_status.h"

/* ---- writing ----
 * Plain POSIX file, own buffers, all allocated at open. Frames gather in a chunk that is
 * compressed and handed to the OS (write) as soon as a frame arrives 250 ms of session time
 * (SM_SESSION_FLUSH_US) after the chunk's first (that frame starts the next chunk), when the
 * chunk is full, on every gap and on flush/close; fdatasync every 5 s of session time
 * (SM_SESSION_SYNC_US) and at close. So a killed process loses at most the frames of the last
 * 250 ms of session time, and a power cut at most the last 5 s. Frame times should not
 * decrease (a decrease starts a new chunk). Cost: about 13 us per 32 x 24 frame (see
 * tests/bench/bench_session.c). */
#define SM_SESSION_FLUSH_US 250000u
#define SM_SESSION_SYNC_US  5000000u
#define SM_SESSION_BUFFER   65536u

typedef struct sm_session_writer sm_session_writer_t;

/* Creates (truncates) path, mode 0644 before umask, and writes the header at once, so an
 * unwritable target fails here rather than seconds into the session. h->mat.rows/cols must be
 * 1..64 (SM_ERR_RANGE); h->version is ignored (SM_SESSION_VERSION, 2, is written). Text
 * fields are cut to their limits (sm_session_fmt.h); fields left empty / 0 are not stored. On
 * failure returns an error, *out = NULL, and writes a one-line message to err. */
sm_status sm_session_writer_open(const char *path, const sm_session_header_t *h,
                                 sm_session_writer_t **out, char *err, size_t errlen);
/* The same, but only as a new file: an existing file or a symlink at path is never written
 * (SM_ERR_IO, "cannot create PATH: a file of that name exists already"). */
sm_status sm_session_writer_open_new(const char *path, const sm_session_header_t *h,
                                     sm_session_writer_t **out, char *err, size_t errlen);
/* As sm_session_writer_open, writing format `major`: 2, or 1 (uncompressed FRAME records and
 * the 1.0 header without the 2.0 fields) for benchmarks, tests and tools that must make a file
 * an older SteadyMat can read. Another major is SM_ERR_ARG. */
sm_status sm_session_writer_open_version(const char *path, const sm_session_header_t *h,
                                         unsigned major, sm_session_writer_t **out, char *err,
                                         size_t errlen);
/* The most session time one chunk of a 2.0 file spans: SM_SESSION_FLUSH_US unless set (0
 * restores it). A longer span lets a slow source (a 1 Hz mat) predict each frame from the one
 * before, which more than halves its size, but a crash then loses up to that span: only for
 * conversions whose source stays (import), never when recording a person. A chunk also ends at
 * 256 frames or 64 KiB of decoded body, and before a gap or a frame earlier than the last. */
void sm_session_writer_set_chunk_span(sm_session_writer_t *w, uint64_t span_us);
/* Append a frame. A frame whose rows/cols differ from the header's gives SM_ERR_MISMATCH and is
 * not written (the writer stays usable). On a write error (disk full, I/O error, file size
 * limit) returns SM_ERR_IO with a message in err, e.g.
 *   "recording to s.smsession stopped: disk full (No space left on device); the 1200 frames
 *    recorded so far are safe"
 * everything written before stays readable (at most the last record on disk is torn, which
 * readers skip) and later calls fail fast with the same message. */
sm_status sm_session_writer_frame(sm_session_writer_t *w, const sm_frame_t *f, char *err,
                                  size_t errlen);
/* Append a gap (link lost at start_us, back at end_us; reason may be NULL) and hand everything
 * to the OS. Errors as for sm_session_writer_frame. */
sm_status sm_session_writer_gap(sm_session_writer_t *w, uint64_t start_us, uint64_t end_us,
                                const char *reason, char *err, size_t errlen);
/* Hand buffered records to the OS now (e.g. when the device stalls and session time stops).
 * No fdatasync. Errors as for sm_session_writer_frame. */
sm_status sm_session_writer_flush(sm_session_writer_t *w, char *err, size_t errlen);
/* Flush, fdatasync and close; NULL-safe (returns SM_OK). Returns the first error seen, if any,
 * with its message in err. */
sm_status sm_session_writer_close(sm_session_writer_t *w, char *err, size_t errlen);
/* Frames recorded so far: accepted ones (including any still in the buffer); after a write
 * error, the frames whose records reached the file whole - the number the error message gives
 * and a reader finds. */
unsigned long sm_session_writer_frames(const sm_session_writer_t *w);

/* Writes a patient's name into the header of a closed 2.0 session file (a name typed after the
 * recording began; "" removes it), everything else byte for byte as it was. The file is copied
 * with the new header to a temporary file beside it (PATH.tmpXXXXXX, mode 0600), synced and
 * renamed over it, so a crash or a full disk on the way leaves the old file whole. Cost: one
 * copy of the file (about 0.1 s for an hour at 100 Hz). Errors, with a message naming the file:
 * SM_ERR_IO (cannot read, write or rename), SM_ERR_FORMAT / SM_ERR_CRC (not a readable session
 * header), SM_ERR_VERSION (a 1.0 file: its header has no patient), SM_ERR_NOMEM. Not while a
 * writer has the file open. */
sm_status sm_session_set_patient(const char *path, const char *patient, char *err, size_t errlen);

/* ---- reading ---- */
typedef struct {
    unsigned long frames;        /* valid frames in the file (FRAME records, frames of CHUNKs) */
    unsigned long gaps;          /* valid gap records in the file */
    unsigned long unknown;       /* valid records of kinds this version does not know (skipped) */
    unsigned long corrupt;       /* damaged stretches skipped (bad CRC, length or content, a
                                    chunk that does not decode, or a frame or chunk whose size
                                    differs from the header's) */
    unsigned long bytes_skipped; /* bytes in those stretches */
    int torn_tail;               /* 1 when the file ends in an incomplete record (crash) */
    unsigned long tail_bytes;    /* bytes of that incomplete record */
} sm_session_stats_t;

typedef struct sm_session_reader sm_session_reader_t;

/* Opens and indexes the file in one pass (stats describe the whole file from then on; every
 * chunk is decoded once to check it: opening and reading a 2.0 file costs about 5 us per
 * 32 x 24 frame). Memory: about 32 bytes per frame or gap for the index plus a 256 KiB window
 * and about 250 KiB for chunks and the zstd decoder; nothing sized from lengths in the file. Errors
 * (*out = NULL, message in err naming the file): SM_ERR_IO      cannot open or read SM_ERR_FORMAT
 * empty, not a session (bad magic), header truncated at byte N, bad header SM_ERR_VERSION "session
 * version 7 is newer than this SteadyMat supports (2): update SteadyMat" SM_ERR_CRC     header
 * damaged SM_ERR_NOMEM A file with a good header and no records opens fine (zero frames). */
sm_status sm_session_reader_open(const char *path, sm_session_reader_t **out, char *err,
                                 size_t errlen);
void sm_session_reader_close(sm_session_reader_t *r); /* NULL-safe */
const sm_session_header_t *sm_session_reader_header(const sm_session_reader_t *r);
/* Next record in file order (frames and gaps); SM_EOF at the end. SM_ERR_IO if the file can no
 * longer be read. A record that changed on disk since open is skipped and counted as corrupt. */
sm_status sm_session_reader_next(sm_session_reader_t *r, sm_session_record_t *rec);
/* Position so that the next frame returned is the first with t_us >= t_us (records before it,
 * including gaps, are skipped); past the last frame, next returns SM_EOF. With frame times in
 * order this is a binary search; otherwise the first such frame in file order. A frame inside
 * a chunk is reached by decoding the chunk from its start (at most 256 frames). */
sm_status sm_session_reader_seek(sm_session_reader_t *r, uint64_t t_us);
/* Session time of the first and last frame in file order, and the number of frames (from the
 * index); 0, 0, 0 for a session without frames. */
void sm_session_reader_span(const sm_session_reader_t *r, uint64_t *first_us, uint64_t *last_us,
                            unsigned long *frames);
const sm_session_stats_t *sm_session_reader_stats(const sm_session_reader_t *r);

/* ---- import ---- */
typedef struct {
    unsigned long frames;
    unsigned long bad_lines;
    unsigned long last_bad_line;
    char last_error[96];
    double rate_hz; /* the rate written: the one given, or measured from the time column */
} sm_import_stats_t;

/* Text frames (see sm_textfmt.h) -> session at rate_hz (frame k at t_us = round(k * 1e6 /
 * rate_hz), seq = k). rows, cols: 1..64; rate_hz > 0; pitch_mm >= 0 (0 = unknown).
 * Header: source "import:<basename of in_path>", start_unix_ms 0 (unknown), uid/name/firmware
 * empty, sample_max 4095 unless a value in the file exceeds it, then 65535 (a regular file is
 * read twice to decide; from a pipe it is 65535). Frames holding a value >= sample_max get
 * SM_FRAME_SATURATED. Rejected lines are counted in stats (which may be NULL) and do not stop
 * the import. No accepted frame at all is SM_ERR_FORMAT and leaves no output file; in_path and
 * out_path naming the same file is SM_ERR_ARG. */
sm_status sm_session_import_text(const char *in_path, const char *out_path, uint16_t rows,
                                 uint16_t cols, double rate_hz, double pitch_mm,
                                 sm_import_stats_t *stats, char *err, size_t errlen);
/* The same for files whose lines start with a time stamp (sm_text_parser_set_time): each frame
 * is one line "TIME v1 v2 ... v(rows*cols)"; time_to_us turns the stamp into microseconds (1e6
 * for seconds, 1e3 for ms, 1 for us). Frames keep their times (relative to the first; a time
 * that does not increase is moved 1 us after the previous frame), and the header's rate is
 * measured from them (a regular file; from a pipe it is 0, unknown). */
sm_status sm_session_import_text_timed(const char *in_path, const char *out_path, uint16_t rows,
                                       uint16_t cols, double time_to_us, double pitch_mm,
                                       sm_import_stats_t *stats, char *err, size_t errlen);

#endif
