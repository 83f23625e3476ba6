/*
 * The live view: heatmap, CoP trail, big numbers, status line. The only module that includes SDL
 * (with sm_sound later). Owns the window (or, headless, an off-screen surface) and the fonts.
 * Thread context: all functions from the main thread only.
 */
#ifndef SM_VIEW_H
#define SM_VIEW_H

#include "sm_frame.h"
#include "sm_metrics.h"
#include "sm_status.h"

typedef struct {
    int width, height;  /* initial window size in pixels (default 1280x800) */
    int headless;       /* 1: no window; render off-screen, only for screenshots */
    int fullscreen;
    const char *title;
} sm_view_config_t;

/* Everything one picture shows. Pointers are borrowed for the duration of sm_view_render. */
typedef struct {
    const sm_frame_t *frame;      /* NULL: no data yet */
    const sm_metrics_t *metrics;  /* NULL with frame */
    const sm_trail_t *trail;      /* CoP trail, may be NULL */
    double now_s;                 /* session time of `frame`, for trail fading */
    double pitch_mm;              /* cell pitch, for cm labels */
    double scale_max;             /* value at the top of the colour scale */
    const char *units;            /* legend units, e.g. "raw counts (uncalibrated)" */
    const char *source_label;     /* "simulator: ball-steady", "/dev/ttyUSB0", "replay: x.smsession" */
    const char *banner;           /* NULL, or a prominent notice (e.g. no mat found: simulator) */
    const char *alert;            /* NULL, or an urgent problem (e.g. "Mat disconnected - ...") */
    const char *notice;           /* NULL, or a secondary message (e.g. recording failed) */
    double fps;                   /* frames per second arriving */
    unsigned long crc_errors, resyncs, seq_gaps, frames_lost;
    int paused;
    int recording;                /* 1 while a recording is being written */
    int replay;                   /* 1 in replay: show position / length / speed */
    double pos_s, len_s, speed;
} sm_view_model_t;

typedef enum {
    SM_ACT_NONE = 0,
    SM_ACT_QUIT,       /* Esc, q, window closed */
    SM_ACT_PAUSE,      /* space */
    SM_ACT_SEEK_BACK,  /* left arrow: 5 s back (replay) */
    SM_ACT_SEEK_FWD,   /* right arrow: 5 s forward (replay) */
    SM_ACT_SLOWER,     /* down arrow / minus: half speed (replay) */
    SM_ACT_FASTER,     /* up arrow / plus: double speed (replay) */
    SM_ACT_HOME        /* Home: back to the start (replay) */
} sm_action_t;

typedef struct sm_view sm_view_t;

/* Returns NULL and a one-line message in err when SDL cannot start (no display, ...). */
sm_view_t *sm_view_create(const sm_view_config_t *cfg, char *err, size_t errlen);
void sm_view_destroy(sm_view_t *v); /* NULL-safe */

/* Handle pending window events (resize and F11 fullscreen are handled inside). Returns the next
 * action for the app, SM_ACT_NONE when there is none left. Call until SM_ACT_NONE. */
sm_action_t sm_view_poll(sm_view_t *v);

/* Draw one picture and present it (window) or keep it (headless). */
sm_status sm_view_render(sm_view_t *v, const sm_view_model_t *m);
/* Write the last rendered picture as PNG. */
sm_status sm_view_screenshot(sm_view_t *v, const char *png_path, char *err, size_t errlen);

#endif
