/*
 * Session file format (*.smsession), version 2.0 (and 1.0, still read): pure byte encoding and
 * decoding of the file header and of the records, and the lossless frame prediction of 2.0.
 * File I/O (writer, reader, index, resynchronisation policy, zstd) is in src/io/sm_session.c;
 * the same layout with tables is in docs/session-format.md.
 *
 * All integers are little-endian; f64 is IEEE 754 binary64, little-endian. CRC is CRC-32C
 * (sm_crc32c, as on the wire). Strings are u8 length + bytes, no NUL, UTF-8 by convention.
 *
 * File:
 *
 *   +--------+-----------------------------+--------+--------+-----
 *   | magic  | header                      | record | record | ...
 *   | 8 B    | 12 B + body + 4 B CRC       |        |        |
 *   +--------+-----------------------------+--------+--------+-----
 *
 * Magic, bytes 0..7:  89 53 4D 53 0D 0A 1A 0A   ("\x89SMS\r\n\x1a\n", PNG style: the high
 *   byte catches 7-bit transfers, CR LF catches line-ending conversion, 1A stops DOS "type").
 *
 * Header, from byte 8:
 *   off size field
 *   8   2   major u16      = 2 (1 for files of SteadyMat 0.1); a reader refuses a larger major
 *   10  2   minor u16      = 0; larger minors only append: fields at the end of the body (1.x)
 *                            or new tags (2.x), bytes at the end of a record payload, new
 *                            record kinds
 *   12  4   body_len u32   B, SM_SESSFMT_HDR_BODY_MIN..SM_SESSFMT_HDR_BODY_MAX
 *   16  B   body:
 *           +0  2  rows u16            1..64
 *           +2  2  cols u16            1..64
 *           +4  2  sample_max u16      full scale of a raw sample (1023, 4095, ...)
 *           +6  2  reserved u16        0 (ignored by readers)
 *           +8  8  pitch_mm f64        cell pitch, mm; 0 = unknown
 *           +16 8  rate_hz f64         nominal frame rate, Hz; 0 = unknown
 *           +24 8  start_unix_ms i64   wall clock at session time 0; 0 = unknown
 *           +32    uid      str (<= 16 bytes, 16 hex digits or empty)
 *                  name     str (<= 16)
 *                  firmware str (<= 15)
 *                  source   str (<= 127)  "/dev/ttyUSB0", "sim:ball-steady", "import:1.txt"
 *                  1.x: fields of later minor versions (skipped by this reader)
 *                  2.x: tagged fields to the end of the body, each
 *                       tag u8, len u16, value (len bytes); unknown tags are skipped, a tag
 *                       present twice is damage; absent = empty / 0 / unknown:
 *                       1 protocol     text <= 31   sm_protocol_name(): "ball-release",
 *                                      "hip-hook", "back-of-hip", "realignment"
 *                       2 release_s    f64          steady seconds for a release, 0..3600
 *                       3 tool         u8 kind (0 unknown, 1 ball, 2 hip-hook; others read as
 *                                      unknown) + f64 ball diameter mm (0 unknown, 10..500)
 *                       4 patient      text <= 127  free text, data, never a path
 *                       5 notes        text <= 2047 (newlines and tabs kept)
 *                       6 calib_id     text <= 63   id of the calibration in force
 *                       7 calib_hash   text <= 71   "crc32c:1a2b3c4d" (algorithm:hex)
 *                       8 app_version  text <= 31   SteadyMat version, "0.1.0"
 *                       Text is UTF-8; longer values are cut (at a character boundary);
 *                       invalid UTF-8 and control characters read as '?'.
 *   16+B 4  crc32c u32     over bytes 8 .. 16+B-1 (major, minor, body_len, body)
 *
 * Record (any number, back to back, from byte 20+B):
 *   +0  4  sync           D7 53 4D B1; every byte > 0x0F, so it cannot occur inside 12-bit
 *                         sample data, whose every other byte is <= 0x0F
 *   +4  1  kind u8        1 FRAME, 2 GAP, 3 CHUNK (2.0); other kinds are skipped
 *   +5  4  len u32        payload bytes, <= SM_SESSFMT_MAX_PAYLOAD (1.x),
 *                         <= SM_SESSFMT_MAX_PAYLOAD_V2 (2.x)
 *   +9  len payload
 *   +9+len 4 crc32c u32   over kind, len and payload (bytes +4 .. +9+len-1)
 *
 * FRAME payload (20 + 2*rows*cols bytes; a longer payload is accepted, the tail ignored):
 *   +0  8  t_us u64       session time, microseconds since the session started
 *   +8  4  seq u32        frame number as counted by the source, unwrapped
 *   +12 4  dev_t_us u32   device timestamp, 0 when the source has none
 *   +16 2  flags u16      SM_FRAME_* (sm_proto.h, sm_frame.h)
 *   +18 1  rows u8        1..64
 *   +19 1  cols u8        1..64
 *   +20    samples        rows*cols x u16, row-major, row 0 = head end
 *
 * GAP payload (>= 17 bytes): the link was lost and came back.
 *   +0  8  start_us u64   session time the link was lost
 *   +8  8  end_us u64     session time it came back
 *   +16    reason str     (<= 95 bytes kept) "device unplugged", "read timeout", ...
 *
 * CHUNK payload (2.0; >= 26 bytes): 1..256 frames, decodable on their own (the first frame is
 * never predicted from an earlier chunk), frame times non-decreasing.
 *   +0  8  t_first_us u64 time of the first frame
 *   +8  8  t_last_us u64  time of the last frame (>= t_first)
 *   +16 2  nframes u16    1..SM_SESSFMT_CHUNK_MAX_FRAMES
 *   +18 1  rows u8        1..64, equal to the header's
 *   +19 1  cols u8
 *   +20 1  codec u8       0 body stored as is, 1 body is one zstd frame
 *   +21 1  reserved u8    0
 *   +22 4  raw_len u32    bytes of the body once decoded, <= SM_SESSFMT_CHUNK_RAW_MAX
 *   +26    body           (codec 0: raw_len bytes; codec 1: the zstd frame, to the end)
 * Body once decoded, raw_len bytes:
 *   meta of frame 0, ..., meta of frame n-1, then lo[n*cells], then hi[n*cells]
 *   meta:  pred u8              0 NONE, 1 PREV, 2 SPATIAL, 3 AVG (below)
 *          dt varint            t_us - previous t_us (t_first for frame 0)
 *          dseq zigzag varint   seq - (previous seq + 1), mod 2^32 (previous seq of frame 0:
 *                               0xFFFFFFFF, so dseq = seq)
 *          ddev zigzag varint   dev_t_us - (previous dev_t_us + dt), mod 2^32 (previous of
 *                               frame 0: 0 with dt = t_first)
 *          flags varint         SM_FRAME_*, < 65536
 *   lo/hi: low and high bytes of z = zigzag(int16(sample - prediction)), computed mod 2^16, for
 *          every cell of frame 0 (row-major), then of frame 1, ...; sample = prediction + r mod
 *          2^16, so any bytes decode to some samples (damage is caught by the CRC).
 *   varint: 7 bits per byte, low groups first, high bit = more (LEB128), at most 5 bytes.
 *   zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
 *   Predictions: NONE 0; PREV the same cell of the previous frame of the chunk (not for frame
 *   0); SPATIAL from the cells already decoded in this frame, a = left, b = above, c = above
 *   left: row 0: a (0 for cell 0); column 0: b; else MED (LOCO-I): min(a,b) if c >= max(a,b),
 *   max(a,b) if c <= min(a,b), else a + b - c; AVG (not for frame 0) (A + 128) >> 8 with A the
 *   cell's running average over the chunk's frames so far, in 1/256 counts, int32: A = x << 8
 *   after frame 0, then A += ((x << 8) - A) >> 2 (arithmetic shift) after each frame: the
 *   sensor noise averaged out of the prediction. All arithmetic on samples is mod 2^16.
 *
 * A 32 x 24 frame is 13 + 20 + 1536 = 1569 bytes on disk in 1.0; in 2.0 a 250 ms chunk of
 * simulated frames with all sensor effects takes about a fifth of that (see the doc).
 */
#ifndef SM_SESSION_FMT_H
#define SM_SESSION_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_status.h"

#define SM_SESSION_VERSION       2 /* major: readers refuse files with a larger one */
#define SM_SESSION_VERSION_MINOR 0 /* minor: what this code writes; larger ones are read */

#define SM_SESSFMT_MAGIC_LEN    8
#define SM_SESSFMT_MAGIC        "\x89SMS\r\n\x1a\n"
#define SM_SESSFMT_HDR_FIXED    16 /* magic + major + minor + body_len */
#define SM_SESSFMT_HDR_BODY_MIN 36 /* 32 fixed bytes + 4 empty strings */
#define SM_SESSFMT_HDR_BODY_MAX 65536
#define SM_SESSFMT_HDR_MAX      (SM_SESSFMT_HDR_FIXED + SM_SESSFMT_HDR_BODY_MAX + 4)

#define SM_SESSFMT_SYNC0          0xD7u
#define SM_SESSFMT_SYNC1          0x53u
#define SM_SESSFMT_SYNC2          0x4Du
#define SM_SESSFMT_SYNC3          0xB1u
#define SM_SESSFMT_REC_HEAD       9      /* sync + kind + len */
#define SM_SESSFMT_REC_OVERHEAD   13     /* sync + kind + len + crc */
#define SM_SESSFMT_MAX_PAYLOAD    16384u /* 1.x; a 64 x 64 frame is 8212 */
#define SM_SESSFMT_MAX_PAYLOAD_V2 65536u /* 2.x: room for a chunk */
#define SM_SESSFMT_MAX_RECORD     (SM_SESSFMT_REC_OVERHEAD + SM_SESSFMT_MAX_PAYLOAD_V2)
#define SM_SESSFMT_FRAME_FIXED    20
#define SM_SESSFMT_GAP_FIXED      17
/* Largest FRAME record this code writes: a 64 x 64 frame. */
#define SM_SESSFMT_MAX_FRAME_RECORD                                                                \
    (SM_SESSFMT_REC_OVERHEAD + SM_SESSFMT_FRAME_FIXED + 2 * SM_MAX_CELLS)

/* Chunks (2.0). */
#define SM_SESSFMT_CHUNK_FIXED      26
#define SM_SESSFMT_CHUNK_MAX_FRAMES 256
/* Decoded body; also the most a stored (codec 0) body can take. */
#define SM_SESSFMT_CHUNK_RAW_MAX  (SM_SESSFMT_MAX_PAYLOAD_V2 - SM_SESSFMT_CHUNK_FIXED)
#define SM_SESSFMT_FRAME_META_MAX 24 /* pred 1, dt 10, dseq 5, ddev 5, flags 3 */
#define SM_SESSFMT_CODEC_STORED   0u
#define SM_SESSFMT_CODEC_ZSTD     1u
#define SM_SESSFMT_PRED_NONE      0u
#define SM_SESSFMT_PRED_PREV      1u
#define SM_SESSFMT_PRED_SPATIAL   2u
#define SM_SESSFMT_PRED_AVG       3u

/* Header values with physical sense (0 = unknown for each); anything else is refused by
 * sm_sessfmt_decode_header with the member named. */
#define SM_SESSFMT_PITCH_MIN_MM  1.0
#define SM_SESSFMT_PITCH_MAX_MM  100.0
#define SM_SESSFMT_RATE_MIN_HZ   0.1
#define SM_SESSFMT_RATE_MAX_HZ   2000.0
#define SM_SESSFMT_START_MAX_MS  253402300799999LL /* 9999-12-31T23:59:59.999Z */
#define SM_SESSFMT_RELEASE_MAX_S 3600.0
#define SM_SESSFMT_BALL_MIN_MM   10.0
#define SM_SESSFMT_BALL_MAX_MM   500.0

#define SM_SESSFMT_REC_FRAME 1u
#define SM_SESSFMT_REC_GAP   2u
#define SM_SESSFMT_REC_CHUNK 3u

/* Header tags (2.x). */
#define SM_SESSFMT_TAG_PROTOCOL    1u
#define SM_SESSFMT_TAG_RELEASE     2u
#define SM_SESSFMT_TAG_TOOL        3u
#define SM_SESSFMT_TAG_PATIENT     4u
#define SM_SESSFMT_TAG_NOTES       5u
#define SM_SESSFMT_TAG_CALIB_ID    6u
#define SM_SESSFMT_TAG_CALIB_HASH  7u
#define SM_SESSFMT_TAG_APP_VERSION 8u

typedef enum {
    SM_SESSTOOL_UNKNOWN = 0,
    SM_SESSTOOL_BALL = 1,
    SM_SESSTOOL_HIP_HOOK = 2
} sm_session_tool;

typedef struct {
    sm_mat_info_t mat;
    char source[128];      /* where the frames came from: "/dev/ttyUSB0", "sim:ball-steady",
                              "import:1.txt" */
    int64_t start_unix_ms; /* wall-clock start of the session, ms since 1970 UTC; 0 = unknown */
    uint32_t version;      /* file format major version read (writers: see sm_session.h) */
    /* 2.0: how the session was practised, by whom, with what. Empty / 0 = not known (always
     * so in a 1.x file). Text is UTF-8, NUL-terminated. */
    char protocol[32];       /* sm_protocol_name(): "ball-release", "hip-hook", ... */
    double release_s;        /* steady seconds on one spot for a release; 0 = unknown */
    sm_session_tool tool;    /* the tool under the person */
    double ball_diameter_mm; /* SM_SESSTOOL_BALL: its diameter; 0 = unknown */
    char patient[128];       /* the person's name as typed; data, never a path */
    char notes[2048];        /* free text; newlines kept */
    char calib_id[64];       /* id of the calibration in force, "" = raw counts */
    char calib_hash[72];     /* hash of that calibration's file, "crc32c:1a2b3c4d" */
    char app_version[32];    /* SteadyMat version that recorded it, "0.1.0" */
} sm_session_header_t;

typedef enum { SM_REC_FRAME = 1, SM_REC_GAP = 2 } sm_session_rec_kind;

typedef struct {
    sm_session_rec_kind kind;
    sm_frame_t frame;      /* SM_REC_FRAME */
    uint64_t gap_start_us; /* SM_REC_GAP: session time the link was lost ... */
    uint64_t gap_end_us;   /* ... and came back */
    char gap_reason[96];
} sm_session_record_t;

/* One line of text as the header stores it (a patient's name): invalid UTF-8 and control
 * characters become '?', cut at a character boundary to fit outsz bytes with the NUL. So a
 * name typed on the command line compares equal to the same name read back from a session. */
void sm_sessfmt_clean_text(const char *in, char *out, size_t outsz);

/* ---- header ---- */
/* Encodes magic + header of h (strings cut to their limits) as format `major` (1 or 2; 1
 * leaves out everything new in 2.0) into buf. Returns the byte count, 0 when cap is too small,
 * major is neither 1 nor 2, or the geometry is outside 1..64. A 1.0 header is at most 230
 * bytes, a 2.0 header at most 230 + 3 * 8 + 31 + 8 + 9 + 127 + 2047 + 63 + 71 + 31 = 2641. */
#define SM_SESSFMT_HDR_WRITE_MAX 2641
size_t sm_sessfmt_encode_header(const sm_session_header_t *h, unsigned major, uint8_t *buf,
                                size_t cap);
/* Decodes the start of a file. buf holds the first n bytes of the file, and either all of it or
 * at least SM_SESSFMT_HDR_MAX bytes. On success *h is filled (version = major) and *hdr_len is
 * the offset of the first record. Errors, with a message in err (no file name):
 *   SM_ERR_FORMAT  "empty file", "not a SteadyMat session (bad magic)", "header truncated at
 *                  byte N", bad header length, geometry or value (named), a tag twice
 *   SM_ERR_VERSION "session version 7 is newer than this SteadyMat supports (2): update SteadyMat"
 *   SM_ERR_CRC     "session header is damaged (checksum mismatch)" */
sm_status sm_sessfmt_decode_header(const uint8_t *buf, size_t n, sm_session_header_t *h,
                                   size_t *hdr_len, char *err, size_t errlen);
/* Largest record payload of a file of this major version. */
uint32_t sm_sessfmt_max_payload(unsigned major);

/* ---- records ---- */
/* Whole records into buf; return the byte count, 0 when cap is too small or the frame's
 * geometry is outside 1..64. */
size_t sm_sessfmt_encode_frame(const sm_frame_t *f, uint8_t *buf, size_t cap);
size_t sm_sessfmt_encode_gap(uint64_t start_us, uint64_t end_us, const char *reason, uint8_t *buf,
                             size_t cap);
/* Puts sync, kind, len (= payload_len) and the CRC around a payload already at
 * buf + SM_SESSFMT_REC_HEAD; returns the record's byte count. */
size_t sm_sessfmt_finish_record(uint8_t *buf, uint8_t kind, uint32_t payload_len);

/* Checks whether a valid record starts at p, where avail bytes are available (the rest of the
 * file, or at least SM_SESSFMT_REC_OVERHEAD + max_payload). max_payload: see
 * sm_sessfmt_max_payload. Returns:
 *   SM_OK         complete, CRC good: *kind, *len (payload) set; the record is len + 13 bytes
 *   SM_EMPTY      a prefix of a record that runs past avail (sync and length plausible)
 *   SM_ERR_FORMAT no sync marker here, or an impossible length
 *   SM_ERR_CRC    complete but the CRC does not match */
sm_status sm_sessfmt_check_record(const uint8_t *p, size_t avail, uint32_t max_payload,
                                  uint8_t *kind, uint32_t *len);
/* Offset of the first byte >= 0 in p[0..n) where a sync marker starts (it may be cut short by
 * the end: then only its first bytes matched); n when none. */
size_t sm_sessfmt_find_sync(const uint8_t *p, size_t n);

/* Payload decoders (payload of a record that passed check). SM_ERR_FORMAT when the payload is
 * too short or the geometry is outside 1..64; then *out is zeroed. */
sm_status sm_sessfmt_decode_frame(const uint8_t *payload, uint32_t len, sm_frame_t *out);
/* Only the time and geometry, for indexing without copying samples. */
sm_status sm_sessfmt_peek_frame(const uint8_t *payload, uint32_t len, uint64_t *t_us,
                                uint16_t *rows, uint16_t *cols);
sm_status sm_sessfmt_decode_gap(const uint8_t *payload, uint32_t len, sm_session_record_t *out);

/* ---- chunks (2.0) ----
 * Building: the caller owns every buffer (sized as below, allocated once); frames are added
 * one by one, each predicted from the previous one of the chunk (or spatially), and the body
 * is assembled at the end. Decoding: a cursor over a decoded body, frame after frame. */
typedef struct {
    uint16_t rows, cols; /* of every frame of the chunk */
    uint16_t n;          /* frames added */
    uint64_t t_first, t_last;
    uint64_t prev_t;
    uint32_t prev_seq, prev_dev;
    size_t meta_len;
    uint8_t *meta;  /* caller's: SM_SESSFMT_CHUNK_MAX_FRAMES * SM_SESSFMT_FRAME_META_MAX */
    uint8_t *lo;    /* caller's: SM_SESSFMT_CHUNK_RAW_MAX / 2 */
    uint8_t *hi;    /* caller's: SM_SESSFMT_CHUNK_RAW_MAX / 2 */
    uint16_t *prev; /* caller's: SM_MAX_CELLS, the last frame added */
    int32_t *avg;   /* caller's: SM_MAX_CELLS, running average of the frames added */
} sm_sessfmt_chunk_t;

/* Starts an empty chunk for frames of rows x cols (1..64). */
void sm_sessfmt_chunk_reset(sm_sessfmt_chunk_t *c, uint16_t rows, uint16_t cols);
/* Whether f may join the chunk: same geometry, time not before the last frame's, fewer than
 * SM_SESSFMT_CHUNK_MAX_FRAMES frames and a body that stays within SM_SESSFMT_CHUNK_RAW_MAX. An
 * empty chunk accepts any frame of its geometry. */
int sm_sessfmt_chunk_fits(const sm_sessfmt_chunk_t *c, const sm_frame_t *f);
/* Adds f (call only when chunk_fits); picks the prediction with the fewest residual bits. */
void sm_sessfmt_chunk_add(sm_sessfmt_chunk_t *c, const sm_frame_t *f);
/* Bytes of the body so far. */
size_t sm_sessfmt_chunk_raw_len(const sm_sessfmt_chunk_t *c);
/* Writes the body (chunk_raw_len bytes) to out; returns its length, 0 when cap is too small. */
size_t sm_sessfmt_chunk_body(const sm_sessfmt_chunk_t *c, uint8_t *out, size_t cap);
/* Writes the fixed part of a CHUNK payload for c (codec, raw_len = body length) to p
 * (SM_SESSFMT_CHUNK_FIXED bytes). */
void sm_sessfmt_chunk_put_head(const sm_sessfmt_chunk_t *c, unsigned codec, uint32_t raw_len,
                               uint8_t *p);

/* The fixed part of a CHUNK payload, as read. */
typedef struct {
    uint64_t t_first, t_last;
    uint16_t n, rows, cols;
    uint8_t codec;
    uint32_t raw_len;
    const uint8_t *data; /* the body as stored: data_len bytes */
    uint32_t data_len;
} sm_sessfmt_chunk_head_t;
/* SM_ERR_FORMAT when the payload is short, n is 0 or too large, the geometry is outside
 * 1..64, the codec unknown, raw_len too large or t_last < t_first; a stored body must be
 * exactly raw_len bytes. */
sm_status sm_sessfmt_chunk_get_head(const uint8_t *payload, uint32_t len,
                                    sm_sessfmt_chunk_head_t *h);

typedef struct {
    const uint8_t *body; /* decoded body, raw_len bytes (not owned) */
    size_t len;
    uint16_t rows, cols, n;
    uint16_t next; /* index of the frame next returned */
    size_t meta_off;
    uint64_t t_first, prev_t;
    uint32_t prev_seq, prev_dev;
    uint16_t *prev; /* caller's: SM_MAX_CELLS, the last frame decoded */
    int32_t *avg;   /* caller's: SM_MAX_CELLS, running average of the frames decoded */
} sm_sessfmt_chunk_reader_t;

/* Checks a decoded body against its head: every meta parses, times are non-decreasing from
 * t_first to t_last, and the planes fill the rest exactly. On success the cursor is at frame
 * 0 and, if t_us is not NULL, t_us[0..n) receives the frame times. SM_ERR_FORMAT otherwise. */
sm_status sm_sessfmt_chunk_open(sm_sessfmt_chunk_reader_t *r, const sm_sessfmt_chunk_head_t *h,
                                const uint8_t *body, size_t len, uint16_t *prev_cells,
                                int32_t *avg_cells, uint64_t *t_us);
/* The next frame of an opened chunk into *out; SM_EOF after the last. */
sm_status sm_sessfmt_chunk_next(sm_sessfmt_chunk_reader_t *r, sm_frame_t *out);

#endif
