/*
 * Session file format (*.smsession), version 1.0: pure byte encoding and decoding of the file
 * header and of the records. File I/O (writer, reader, index, resynchronisation policy) is in
 * src/io/sm_session.c; the same layout with tables is in docs/session-format.md.
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
 *   8   2   major u16      = 1; a reader refuses a larger major (incompatible layout)
 *   10  2   minor u16      = 0; larger minors only append: fields at the end of the body,
 *                            bytes at the end of a record payload, new record kinds
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
 *                  ... fields of later minor versions (skipped by this reader)
 *   16+B 4  crc32c u32     over bytes 8 .. 16+B-1 (major, minor, body_len, body)
 *
 * Record (any number, back to back, from byte 20+B):
 *   +0  4  sync           D7 53 4D B1; every byte > 0x0F, so it cannot occur inside 12-bit
 *                         sample data, whose every other byte is <= 0x0F
 *   +4  1  kind u8        1 FRAME, 2 GAP; other kinds are skipped (later minor versions)
 *   +5  4  len u32        payload bytes, <= SM_SESSFMT_MAX_PAYLOAD
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
 * A 32 x 24 frame is 13 + 20 + 1536 = 1569 bytes on disk.
 */
#ifndef SM_SESSION_FMT_H
#define SM_SESSION_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_status.h"

#define SM_SESSION_VERSION       1 /* major: readers refuse files with a larger one */
#define SM_SESSION_VERSION_MINOR 0 /* minor: what this code writes; larger ones are read */

#define SM_SESSFMT_MAGIC_LEN    8
#define SM_SESSFMT_MAGIC        "\x89SMS\r\n\x1a\n"
#define SM_SESSFMT_HDR_FIXED    16 /* magic + major + minor + body_len */
#define SM_SESSFMT_HDR_BODY_MIN 36 /* 32 fixed bytes + 4 empty strings */
#define SM_SESSFMT_HDR_BODY_MAX 65536
#define SM_SESSFMT_HDR_MAX      (SM_SESSFMT_HDR_FIXED + SM_SESSFMT_HDR_BODY_MAX + 4)

#define SM_SESSFMT_SYNC0        0xD7u
#define SM_SESSFMT_SYNC1        0x53u
#define SM_SESSFMT_SYNC2        0x4Du
#define SM_SESSFMT_SYNC3        0xB1u
#define SM_SESSFMT_REC_HEAD     9      /* sync + kind + len */
#define SM_SESSFMT_REC_OVERHEAD 13     /* sync + kind + len + crc */
#define SM_SESSFMT_MAX_PAYLOAD  16384u /* a 64 x 64 frame is 8212; room for extensions */
#define SM_SESSFMT_MAX_RECORD   (SM_SESSFMT_REC_OVERHEAD + SM_SESSFMT_MAX_PAYLOAD)
#define SM_SESSFMT_FRAME_FIXED  20
#define SM_SESSFMT_GAP_FIXED    17
/* Largest record this code writes: a 64 x 64 frame. */
#define SM_SESSFMT_MAX_FRAME_RECORD                                                                \
    (SM_SESSFMT_REC_OVERHEAD + SM_SESSFMT_FRAME_FIXED + 2 * SM_MAX_CELLS)

/* Header values with physical sense (0 = unknown for each); anything else is refused by
 * sm_sessfmt_decode_header with the member named. */
#define SM_SESSFMT_PITCH_MIN_MM 1.0
#define SM_SESSFMT_PITCH_MAX_MM 100.0
#define SM_SESSFMT_RATE_MIN_HZ  0.1
#define SM_SESSFMT_RATE_MAX_HZ  2000.0
#define SM_SESSFMT_START_MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

#define SM_SESSFMT_REC_FRAME 1u
#define SM_SESSFMT_REC_GAP   2u

typedef struct {
    sm_mat_info_t mat;
    char source[128];      /* where the frames came from: "/dev/ttyUSB0", "sim:ball-steady",
                              "import:1.txt" */
    int64_t start_unix_ms; /* wall-clock start of the session, ms since 1970 UTC; 0 = unknown */
    uint32_t version;      /* file format major version read (SM_SESSION_VERSION when writing) */
} sm_session_header_t;

typedef enum { SM_REC_FRAME = 1, SM_REC_GAP = 2 } sm_session_rec_kind;

typedef struct {
    sm_session_rec_kind kind;
    sm_frame_t frame;      /* SM_REC_FRAME */
    uint64_t gap_start_us; /* SM_REC_GAP: session time the link was lost ... */
    uint64_t gap_end_us;   /* ... and came back */
    char gap_reason[96];
} sm_session_record_t;

/* ---- header ---- */
/* Encodes magic + header of h (strings cut to their limits) into buf. Returns the byte count,
 * 0 when cap is too small or the geometry is outside 1..64. At most 20 + 32 + 4 + 16+16+15+127
 * = 230 bytes. */
size_t sm_sessfmt_encode_header(const sm_session_header_t *h, uint8_t *buf, size_t cap);
/* Decodes the start of a file. buf holds the first n bytes of the file, and either all of it or
 * at least SM_SESSFMT_HDR_MAX bytes. On success *h is filled (version = major) and *hdr_len is
 * the offset of the first record. Errors, with a message in err (no file name):
 *   SM_ERR_FORMAT  "empty file", "not a SteadyMat session (bad magic)", "header truncated at
 *                  byte N", bad header length or geometry
 *   SM_ERR_VERSION "session version 7 is newer than this SteadyMat supports (1): update SteadyMat"
 *   SM_ERR_CRC     "session header is damaged (checksum mismatch)" */
sm_status sm_sessfmt_decode_header(const uint8_t *buf, size_t n, sm_session_header_t *h,
                                   size_t *hdr_len, char *err, size_t errlen);

/* ---- records ---- */
/* Whole records into buf; return the byte count, 0 when cap is too small or the frame's
 * geometry is outside 1..64. */
size_t sm_sessfmt_encode_frame(const sm_frame_t *f, uint8_t *buf, size_t cap);
size_t sm_sessfmt_encode_gap(uint64_t start_us, uint64_t end_us, const char *reason, uint8_t *buf,
                             size_t cap);

/* Checks whether a valid record starts at p, where avail bytes are available (the rest of the
 * file, or at least SM_SESSFMT_MAX_RECORD). Returns:
 *   SM_OK         complete, CRC good: *kind, *len (payload) set; the record is len + 13 bytes
 *   SM_EMPTY      a prefix of a record that runs past avail (sync and length plausible)
 *   SM_ERR_FORMAT no sync marker here, or an impossible length
 *   SM_ERR_CRC    complete but the CRC does not match */
sm_status sm_sessfmt_check_record(const uint8_t *p, size_t avail, uint8_t *kind, uint32_t *len);
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

#endif
