/*
 * Frame sources behind one interface: serial port (libserialport), tty/pty path (termios),
 * built-in simulator, recording. The pipeline never knows which one it reads.
 *
 * Time: the app passes `wall_us`, microseconds of wall-clock time since the session started.
 * Each source turns it into session (data) time: live sources stamp frames on arrival (anchored
 * to the device clock), the simulator runs at `speed` times the wall clock, a replay follows its
 * recording's timestamps at its playback speed. Frames carry session time in sm_frame_t.t_us.
 * Thread context: main thread only.
 */
#ifndef SM_SOURCE_H
#define SM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"
#include "sm_proto.h"
#include "sm_rawfmt.h"
#include "sm_sim.h"
#include "sm_status.h"
#include "sm_textfmt.h"

/* binary: protocol v1; text: numbers on lines; raw: a binary mat without protocol (sm_rawfmt.h). */
typedef enum { SM_FMT_BINARY = 0, SM_FMT_TEXT = 1, SM_FMT_RAW = 2 } sm_wire_format;

typedef struct {
    char kind[16];      /* "serial", "tty", "sim", "replay" */
    char label[192];    /* human name of the input, for the status line and --json */
    int connected;      /* link up (always 1 for sim and replay) */
    int ever_connected; /* a valid frame has arrived at least once */
    int ended;          /* replay: reached the end */
    unsigned long disconnects, reconnects;
    sm_proto_counters_t proto;    /* wire counters (binary live sources) */
    sm_text_counters_t text;      /* text counters (text live sources) */
    sm_raw_counters_t raw;        /* raw-mat counters (raw live sources) */
    int no_checksum;              /* text and raw mats: frames carry no checksum */
    int wire_format;              /* live mats: their sm_wire_format */
    unsigned long rx_bytes;       /* live mats: bytes received so far */
    unsigned long suspect_frames; /* text and raw: frames that differ wildly from both neighbours */
    char message[224];            /* the current problem in one line, "" when all is well */
    sm_mat_info_t mat;            /* geometry; rows == 0 until known */
    int have_info;                /* a device-info message was received */
    uint64_t last_gap_start_us, last_gap_end_us; /* session time of the last link loss / return */
    /* replay */
    double pos_s, len_s, speed;
    int paused;
} sm_source_status_t;

typedef enum {
    SM_CTL_PAUSE,    /* toggle pause (replay; live sources ignore it: the view freezes instead) */
    SM_CTL_SEEK_REL, /* arg seconds, replay */
    SM_CTL_SEEK_ABS, /* arg seconds, replay */
    SM_CTL_SPEED,    /* arg = new speed (replay, simulator) */
    SM_CTL_RATE,     /* arg = frames per second (devices that accept SET_RATE) */
    SM_CTL_IDENTIFY  /* ask the mat to blink its LED */
} sm_source_ctl;

typedef struct sm_source sm_source_t;

typedef struct {
    /* Next frame due by wall_us into *out: SM_OK (frame), SM_EMPTY (none yet), SM_EOF (replay end),
     * never an error for bad input: problems show up in status(). */
    sm_status (*next)(sm_source_t *s, uint64_t wall_us, sm_frame_t *out);
    /* A file descriptor that becomes readable when data arrives, or -1. */
    int (*fd)(sm_source_t *s);
    /* Milliseconds until the next frame is due (sim/replay), or -1 when unknown. */
    int (*due_ms)(sm_source_t *s, uint64_t wall_us);
    void (*status)(sm_source_t *s, sm_source_status_t *st);
    sm_status (*control)(sm_source_t *s, sm_source_ctl ctl, double arg, uint64_t wall_us);
    void (*destroy)(sm_source_t *s);
} sm_source_ops_t;

struct sm_source {
    const sm_source_ops_t *ops;
};

/* Generic calls (NULL-safe destroy). */
sm_status sm_source_next(sm_source_t *s, uint64_t wall_us, sm_frame_t *out);
int sm_source_fd(sm_source_t *s);
int sm_source_due_ms(sm_source_t *s, uint64_t wall_us);
void sm_source_status(sm_source_t *s, sm_source_status_t *st);
sm_status sm_source_control(sm_source_t *s, sm_source_ctl ctl, double arg, uint64_t wall_us);
void sm_source_destroy(sm_source_t *s);

/* ---- constructors ---- */
typedef struct {
    const char *path; /* "/dev/ttyUSB0", a pty link, ... */
    int baud;         /* default 1000000 */
    sm_wire_format format;
    uint16_t rows, cols; /* required for text; for binary a check (0 = accept the mat's) */
    double pitch_mm;     /* text mats: cell pitch (default 25) */
    int use_termios;     /* 1: termios (ptys, plain tty paths); 0: libserialport; -1: decide */
    double stale_s;      /* no valid frame for this long -> say so (default 2 s) */
    unsigned rate_hz;    /* binary mats: ask for this frame rate on every connect (0 = keep);
                            raw mats with a poll byte: poll at most this often (0 = at once) */
    sm_raw_spec_t raw;   /* raw mats: the frame description (sm_rawspec_parse) */
    char raw_desc[96];   /* raw mats: its description for messages ("M1616 module (...)") */
} sm_wire_config_t;

void sm_wire_config_default(sm_wire_config_t *cfg);
/* Never fails for an absent device: the source reports "not connected" and keeps retrying. */
sm_status sm_wire_source_create(const sm_wire_config_t *cfg, sm_source_t **out, char *err,
                                size_t errlen);

typedef struct {
    sm_sim_config_t sim;
    double rate_hz; /* frames per second of session time (default 50) */
    double speed;   /* session time per wall time (default 1) */
} sm_simsrc_config_t;
sm_status sm_sim_source_create(const sm_simsrc_config_t *cfg, sm_source_t **out, char *err,
                               size_t errlen);

sm_status sm_replay_source_create(const char *path, double speed, sm_source_t **out, char *err,
                                  size_t errlen);

#endif
