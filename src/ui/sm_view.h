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
    int width, height; /* initial window size in pixels (default 1280x800) */
    int headless;      /* 1: no window; render off-screen, only for screenshots */
    int fullscreen;
    const char *title;
    /* Additions (0 / NULL keeps the default): */
    double floor_frac; /* values below this fraction of scale_max draw as background, fading in
                          up to twice it; 0: 0.02 */
    int no_readback;   /* windowed: 1 skips keeping a copy of every picture (one read-back from the
                          renderer per render); sm_view_screenshot then fails */
    const char *font_dir; /* folder with DejaVuSans.ttf (and -Bold); NULL: search the usual
                             places (see assets/README.md). No font found: no text, still runs */
} sm_view_config_t;

/* Everything one picture shows. Pointers are borrowed for the duration of sm_view_render. */
typedef struct {
    const sm_frame_t *frame;     /* NULL: no data yet */
    const sm_metrics_t *metrics; /* NULL with frame */
    const sm_trail_t *trail;     /* CoP trail, may be NULL */
    double now_s;                /* session time of `frame`, for trail fading */
    double pitch_mm;             /* cell pitch, for cm labels */
    double scale_max;            /* value at the top of the colour scale */
    const char *units;           /* legend units, e.g. "raw counts (uncalibrated)" */
    /* where frames come from: "simulator: ball-steady", "/dev/ttyUSB0", "replay: x.smsession" */
    const char *source_label;
    const char *banner; /* NULL, or a prominent notice (e.g. no mat found: simulator) */
    const char *alert;  /* NULL, or an urgent problem (e.g. "Mat disconnected - ...") */
    const char *notice; /* NULL, or a secondary message (e.g. recording failed) */
    double fps;         /* frames per second arriving */
    unsigned long crc_errors, resyncs, seq_gaps, frames_lost;
    int paused;
    int recording; /* 1 while a recording is being written */
    int replay;    /* 1 in replay: show position / length / speed */
    double pos_s, len_s, speed;
    /* Additions (0 / NULL keeps the default): */
    const char *load_units; /* units of metrics->total; NULL: same as `units` */
    double trail_s;         /* seconds of CoP trail drawn before now_s; 0: 3 s */
} sm_view_model_t;

typedef enum {
    SM_ACT_NONE = 0,
    SM_ACT_QUIT,      /* Esc, q, window closed */
    SM_ACT_PAUSE,     /* space */
    SM_ACT_SEEK_BACK, /* left arrow: 5 s back (replay) */
    SM_ACT_SEEK_FWD,  /* right arrow: 5 s forward (replay) */
    SM_ACT_SLOWER,    /* down arrow / minus: half speed (replay) */
    SM_ACT_FASTER,    /* up arrow / plus: double speed (replay) */
    SM_ACT_HOME       /* Home: back to the start (replay) */
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

/* Size of the picture in pixels: the renderer's output, larger than the window on HiDPI. */
void sm_view_output_size(const sm_view_t *v, int *w, int *h);
/* Where the last render drew the heatmap (the mat's cells, rows x pitch by cols x pitch, row 0 at
 * the top): x, y, w, h in output pixels. Returns 0 (and zeros) when no heatmap was drawn. Cell
 * (r, c) has its centre at x + (c + 0.5) * w / cols, y + (r + 0.5) * h / rows. */
int sm_view_heatmap_rect(const sm_view_t *v, int rect[4]);
/* Cached text textures (count and bytes), to check that long sessions do not grow memory. */
void sm_view_cache_stats(const sm_view_t *v, int *entries, size_t *bytes);

#endif
