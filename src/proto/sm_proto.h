/*
 * SteadyMat wire protocol v1: mat <-> host. Shared verbatim by the host and the AVR firmware,
 * so: C99, no malloc, no float, no stdio. The byte layout is documented in firmware/PROTOCOL.md.
 *
 * Every message on the wire:
 *
 *   COBS( ver:u8=1 | type:u8 | payload ... | crc32c:u32le ) 0x00
 *
 * COBS removes every 0x00 from the encoded message, so 0x00 is a pure delimiter and the
 * receiver resynchronises at the next 0x00 after garbage. CRC-32C (Castagnoli, reflected,
 * init 0xFFFFFFFF, final xor 0xFFFFFFFF) covers version, type and payload. All multi-byte
 * integers are little-endian.
 *
 *  type 0x01 FRAME  seq:u16 | t_us:u32 | rows:u8 | cols:u8 | rows x row_bytes(cols) samples |
 *                   flags:u8
 *  type 0x02 INFO   fw_major:u8 fw_minor:u8 fw_patch:u8 | uid[8] | rows:u8 cols:u8 |
 *                   pitch_dmm:u16 | sample_bits:u8 | max_rate_hz:u16 | rate_hz:u16 |
 *                   streaming:u8 | name[16] (NUL padded)
 *  type 0x03 CMD    cmd:u8 | token:u8 | arg:u16
 *  type 0x04 REPLY  cmd:u8 | token:u8 | status:u8 | value:u16
 *
 * Samples are 12-bit, packed per row: each pair (a, b) is 3 bytes
 *   a & 0xFF, (a >> 8) | ((b & 0x0F) << 4), b >> 4
 * and an odd last sample of a row is 2 bytes: a & 0xFF, a >> 8 (whose high nibble must be 0: a
 * receiver rejects the message otherwise, so every decoded sample is <= 4095). The flags byte
 * comes after the samples so that firmware can stream rows as it scans them and report
 * saturation at the end.
 */
#ifndef SM_PROTO_H
#define SM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

#define SM_PROTO_VERSION    1u
#define SM_PROTO_MAX_ROWS   64u
#define SM_PROTO_MAX_COLS   64u
#define SM_PROTO_MAX_SAMPLE 4095u

/* Message types. */
#define SM_MSG_FRAME 0x01u
#define SM_MSG_INFO  0x02u
#define SM_MSG_CMD   0x03u
#define SM_MSG_REPLY 0x04u

/* FRAME flags. */
#define SM_FRAME_OVERRUN   0x01u /* scans were skipped before this one: the link can't keep up */
#define SM_FRAME_SATURATED 0x02u /* at least one sample is at the ADC's full scale */

/* Host commands (CMD.cmd). Every command is answered by a REPLY with the same cmd and token;
 * GET_INFO also sends an INFO message before its REPLY. */
#define SM_CMD_START    0x01u /* start streaming frames                        */
#define SM_CMD_STOP     0x02u /* stop streaming                                */
#define SM_CMD_SET_RATE 0x03u /* arg = frames per second (1..max_rate_hz)      */
#define SM_CMD_GET_INFO 0x04u /* reply with INFO                               */
#define SM_CMD_IDENTIFY 0x05u /* blink the LED for arg seconds (0 = 3 s)       */

/* REPLY.status */
#define SM_REPLY_OK      0u
#define SM_REPLY_UNKNOWN 1u /* unknown command                  */
#define SM_REPLY_BAD_ARG 2u /* argument out of range            */

/* Payload bytes (between type and CRC) of the fixed-size messages, and of a FRAME's header
 * (seq .. cols). */
#define SM_PROTO_FRAME_HEAD_BYTES 8u
#define SM_PROTO_INFO_BYTES       37u
#define SM_PROTO_CMD_BYTES        4u
#define SM_PROTO_REPLY_BYTES      5u

/* Bytes of one packed row of `cols` 12-bit samples. */
#define SM_PROTO_ROW_BYTES(cols) ((uint16_t)(((cols) / 2u) * 3u + ((cols) % 2u) * 2u))

/* Unencoded bytes of a FRAME message: version, type, header, samples, flags, CRC. */
#define SM_PROTO_FRAME_MSG_BYTES(rows, cols)                                                       \
    (2u + SM_PROTO_FRAME_HEAD_BYTES + SM_PROTO_ROW_BYTES(cols) * (rows) + 1u + 4u)

/* Largest unencoded message: FRAME of 64x64 (6159 bytes). */
#define SM_PROTO_MAX_MSG                                                                           \
    (2u + 8u + SM_PROTO_MAX_ROWS * SM_PROTO_ROW_BYTES(SM_PROTO_MAX_COLS) + 1u + 4u)
/* Bytes on the wire for an unencoded message of n bytes, at most: COBS adds at most 1 + n / 254
 * code bytes, then comes the 0x00 delimiter. */
#define SM_PROTO_WIRE_MAX(n) ((n) + (n) / 254u + 1u + 1u)

/* Receive buffer size. The host keeps the default; the firmware, which only receives short
 * commands, defines SM_PROTO_RX_MAX small (e.g. 32). These settings change the struct layouts:
 * define them on the compiler command line (-DSM_PROTO_RX_MAX=32) so that every file, those
 * in src/proto included, sees the same values. */
#ifndef SM_PROTO_RX_MAX
#define SM_PROTO_RX_MAX SM_PROTO_MAX_MSG
#endif
/* Frame sample storage in a decoded message; the firmware (which never decodes frames) sets it
 * to 1. The firmware may also define SM_PROTO_RX_CMD_ONLY: the parser then hands out CMD
 * messages only and counts the other types as unknown_types, which saves about 700 bytes of
 * AVR flash (FRAME, INFO and REPLY decoding). */
#ifndef SM_PROTO_RX_MAX_CELLS
#define SM_PROTO_RX_MAX_CELLS (SM_PROTO_MAX_ROWS * SM_PROTO_MAX_COLS)
#endif

typedef struct {
    uint8_t fw_major, fw_minor, fw_patch;
    uint8_t uid[8];       /* unique id, kept in EEPROM by the firmware */
    uint8_t rows, cols;   /* rows run along the body (head at row 0)    */
    uint16_t pitch_dmm;   /* cell pitch in 0.1 mm (25 mm -> 250)        */
    uint8_t sample_bits;  /* meaningful bits of a sample (10 for AVR)   */
    uint16_t max_rate_hz; /* fastest frame rate the mat supports        */
    uint16_t rate_hz;     /* current frame rate                         */
    uint8_t streaming;    /* 1 while frames are being sent              */
    char name[16];        /* model name, NUL padded, not always NUL-terminated when 16 long */
} sm_proto_info_t;

typedef struct {
    uint16_t seq;  /* increments by one per scanned frame, wraps */
    uint32_t t_us; /* device clock at scan start, microseconds, wraps */
    uint8_t rows, cols;
    uint8_t flags;                           /* SM_FRAME_* */
    uint16_t samples[SM_PROTO_RX_MAX_CELLS]; /* row-major, rows*cols valid */
} sm_proto_frame_t;

typedef struct {
    uint8_t cmd, token;
    uint16_t arg;
} sm_proto_cmd_t;

typedef struct {
    uint8_t cmd, token, status;
    uint16_t value;
} sm_proto_reply_t;

typedef struct {
    uint8_t type; /* SM_MSG_* */
    union {
        sm_proto_frame_t frame;
        sm_proto_info_t info;
        sm_proto_cmd_t cmd;
        sm_proto_reply_t reply;
    } u;
} sm_proto_msg_t;

/* ---- CRC-32C ------------------------------------------------------------------------- */
/* Running register, without the final xor: start with crc = 0xFFFFFFFF, feed the pieces, and the
 * CRC is ~crc. sm_crc32c() does all three for one buffer; sm_crc32c("123456789") = 0xE3069283. */
uint32_t sm_crc32c_update(uint32_t crc, const uint8_t *data, size_t n);
uint32_t sm_crc32c(const uint8_t *data, size_t n); /* complete CRC of a buffer */

/* ---- Writer: streaming encoder ---------------------------------------------------------
 * Encodes one message at a time with COBS on the fly, holding at most one COBS block (254 bytes)
 * so a microcontroller can send a 64x64 frame row by row. Output goes to `sink` in pieces of
 * 1..255 bytes, called from inside the writer calls; the bytes are only valid during the call.
 * The output is byte for byte the one-shot COBS encoding (a message ending exactly at a full
 * 254-byte block gets no extra 0x01 code byte) followed by 0x00.
 * The writer trusts its caller (the firmware): it does not check geometry or call order. */
typedef void (*sm_proto_sink_fn)(void *ctx, const uint8_t *bytes, uint16_t n);

typedef struct {
    sm_proto_sink_fn sink;
    void *ctx;
    uint32_t crc;
    uint8_t block[255]; /* block[0] is the COBS code byte slot */
    uint8_t n;          /* bytes in block including the code slot */
    uint8_t row_cols;   /* FRAME in progress: columns per row */
} sm_proto_writer_t;

void sm_proto_writer_init(sm_proto_writer_t *w, sm_proto_sink_fn sink, void *ctx);
void sm_proto_writer_begin(sm_proto_writer_t *w, uint8_t type); /* writes version and type */
void sm_proto_writer_put(sm_proto_writer_t *w, const uint8_t *p, uint16_t n); /* payload bytes */
void sm_proto_writer_end(sm_proto_writer_t *w); /* appends CRC, flushes, writes the 0x00 */

/* FRAME, streamed: begin, then exactly `rows` calls of frame_row, then frame_end. rows and cols
 * must be 1..64; only the low 12 bits of each sample are sent (samples are <= 4095). */
void sm_proto_write_frame_begin(sm_proto_writer_t *w, uint16_t seq, uint32_t t_us, uint8_t rows,
                                uint8_t cols);
void sm_proto_write_frame_row(sm_proto_writer_t *w, const uint16_t *samples); /* cols samples */
void sm_proto_write_frame_end(sm_proto_writer_t *w, uint8_t flags);
/* Whole messages. */
void sm_proto_write_info(sm_proto_writer_t *w, const sm_proto_info_t *info);
void sm_proto_write_cmd(sm_proto_writer_t *w, const sm_proto_cmd_t *cmd);
void sm_proto_write_reply(sm_proto_writer_t *w, const sm_proto_reply_t *reply);

/* ---- Parser: bytes in any chunking -> validated messages -----------------------------
 * A message is handed out only when its COBS framing, version, type, length, geometry and
 * CRC are all valid: a corrupted frame never reaches the pipeline. Every rejected message
 * bumps exactly one counter of crc_errors, resyncs, length_errors, version_errors and
 * unknown_types, except an overlong one, which counts as a length error and a resync. An empty
 * message (two 0x00 in a row) is ignored and counted nowhere. Bytes before the first 0x00 after
 * init/reset_seq are usually the tail of a message the host joined in the middle of: if they
 * fail the framing, length or CRC checks they count as a join, which is not an error. */
typedef struct {
    uint32_t bytes;          /* bytes fed                                                    */
    uint32_t messages;       /* valid messages handed out                                    */
    uint32_t frames;         /* valid FRAME messages handed out                              */
    uint32_t crc_errors;     /* complete messages whose CRC did not match                    */
    uint32_t resyncs;        /* times bytes were discarded to find the next delimiter: COBS
                                framing errors, overlong messages, leading garbage          */
    uint32_t length_errors;  /* messages too long, too short, or inconsistent with rows/cols
                                (valid CRC but bad geometry or padding counts here too)     */
    uint32_t version_errors; /* valid CRC but unsupported protocol version                    */
    uint32_t unknown_types;  /* valid CRC but unknown message type                            */
    uint32_t seq_gaps;       /* times a FRAME's seq was not the previous seq + 1             */
    uint32_t frames_lost;    /* frames missing across those gaps                              */
    uint32_t seq_resets;     /* times the seq went back (the mat restarted its count): a new
                                baseline, not 65,000 lost frames                            */
    uint32_t joins;          /* bytes skipped before the first delimiter after init/reset_seq
                                (the tail of a message the host joined midway): not errors  */
} sm_proto_counters_t;

typedef struct {
    sm_proto_counters_t c;
    uint8_t raw[SM_PROTO_RX_MAX]; /* COBS-decoded bytes of the message being received */
    uint16_t n;                   /* bytes in raw */
    uint8_t code;                 /* COBS: bytes left in the current block (0 = expect code) */
    uint8_t block_full;           /* COBS: no implicit zero before the next block: the current
                                     block had code 0xFF, or no block started yet           */
    uint8_t discarding;           /* dropping bytes until the next delimiter                 */
    uint8_t synced;               /* a delimiter was seen since init/reset_seq                */
    uint8_t have_seq;             /* last_seq is valid                                      */
    uint16_t last_seq;
} sm_proto_parser_t;

void sm_proto_parser_init(sm_proto_parser_t *p);
/* Forget the last sequence number (after a reconnect or a device restart), keep counters. Also
 * drops a partly received message: call it between messages (right after feed handed one out)
 * or when the byte stream restarts. The next FRAME sets the new baseline. */
void sm_proto_parser_reset_seq(sm_proto_parser_t *p);
/* Consume bytes from data[0..n). Stops right after a complete valid message: then *got = 1 and
 * *out holds it. Otherwise *got = 0 and out->type = 0 (the rest of *out is scratch). Returns the
 * number of bytes consumed; call again with the rest. Sequence gaps: a FRAME whose seq is ahead
 * of last + 1 by d (1 <= d < 32768, mod 65536) adds 1 to seq_gaps and d to frames_lost; a seq
 * at or behind last (by up to 32768) is a restarted count: seq_resets + 1, a new baseline. */
size_t sm_proto_parser_feed(sm_proto_parser_t *p, const uint8_t *data, size_t n,
                            sm_proto_msg_t *out, int *got);

/* ---- Small helpers -------------------------------------------------------------------- */
/* Decode one complete unencoded message (version..crc) into out. Used by the parser.
 * Checks, in this order: SM_ERR_FORMAT if shorter than 6 bytes, SM_ERR_CRC, SM_ERR_VERSION,
 * SM_ERR_MISMATCH for an unknown type, SM_ERR_RANGE for rows/cols outside 1..64 (or more cells
 * than SM_PROTO_RX_MAX_CELLS), SM_ERR_FORMAT for a length that does not match the type and
 * geometry or a non-zero padding nibble. On error out->type = 0 and the rest of *out is scratch. */
sm_status sm_proto_decode(const uint8_t *msg, size_t n, sm_proto_msg_t *out);

#endif
