/*
 * The live view: heatmap, CoP trail, big numbers, status line. The only module that includes SDL
 * (with sm_sound later). Owns the window (or, headless, an off-screen surface) and the fonts.
 * Built from layers, one file each (sm_layer_*.c; the map is in sm_view_internal.h).
 * Thread context: all functions from the main thread only.
 */
#ifndef SM_VIEW_H
#define SM_VIEW_H

#include <stddef.h>
#include <stdint.h>

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

    /* Values to draw instead of frame->cells (calibrated pressure in `units`), rows*cols; NULL:
     * the raw counts. scale_max is then in the same units (0: the frame's highest value);
     * values below 0 or not finite draw as 0, above four times scale_max as four times it. */
    const float *values;
    /* Per-cell contact labels, rows*cols (SM_CONTACT_*: 0 unloaded, 1 body, 2 the tool, 3 a
     * replaced faulty cell); NULL: none. The tool's cells get a thick white outline (a dark edge
     * under it), the strongest mark on the map; replaced cells are drawn with the median of
     * their neighbours (what the coach used), and in the clinician view a small grey cross; the
     * key under the map says so. */
    const uint8_t *labels;
    /* Where the person's right is on the map, from how they lie (the frame of sm_contact.h: row 0
     * the head end, column 0 the person's right when face down): 1 the map's left edge (face
     * down), 2 its right edge (face up), 0 unknown (side-lying: across the mat is front and
     * back). "your right" and "your left" are written at the top corners of the map. */
    int right_edge;
    /* Per-cell, rows*cols: non-zero = a likely crosstalk ghost (dashed cyan square, "ghost?" in
     * the key under the map); NULL: none. */
    const uint8_t *ghosts;

    /* The coach (coach = 1 shows it, in place of the big numbers: total, area and peak move to a
     * compact row). Readable from the floor at 2 m: the hold timer and the instruction are the
     * largest things on screen after the heatmap. */
    int coach;
    const char *phase;       /* "Find the spot", "Settle", "Hold", "Psoas", "Iliacus", ... */
    const char *instruction; /* one short line: "Hold still - breathe slowly" */
    double steady_s;         /* hold timer: steady seconds so far ... */
    double target_s;         /* ... of this many (the release threshold); 0: no target */
    double meter;            /* steadiness 0 (moving a lot) .. 1 (perfectly still): green from
                                0.7, amber from 0.4, else red */
    int mat_lost;            /* the mat is lost: the meter reads PAUSED, neither still nor moving */
    int moving;              /* a wiggle is happening now: the meter red and pulsing (at 2 Hz of
                                now_s), timer and instruction amber */
    int release_met;         /* the threshold is met: success colour */
    const char *side;        /* "right", "left" or NULL ("unknown" shows nothing) */
    double breath_bpm;       /* breathing rate, 0 = not known yet */
    const char *sides_text;  /* per-side summary, e.g. "Right 1 spot 62 s | Left -", or NULL */
    const char *protocol_text; /* the practice being coached, e.g. "Ball release", or NULL */
    const char *tool_status;   /* while searching: "No tool found - <why>" (sm_notool_text), in
                                  amber above the small lines; NULL: nothing */
    int muted;                 /* sound indicator: a red "SOUND OFF" tag (coach panel) ... */
    double volume;             /* ... else a speaker with 0-3 bars, 0..1 */

    /* Placement template (the clinician's saved placement), drawn as a ghost outline. */
    const uint8_t *template_mask; /* rows*cols (of frame), non-zero = inside the template's tool
                                     footprint: a dashed magenta outline; NULL: none */
    const char *template_text;    /* under the map in large type, e.g. "right ASIS: move the ball
                                     1.5 cm toward your feet"; NULL: none */
    int template_on_target;       /* outline and text in the success colour (green) */

    /* No-go zones (e.g. the hip fold) in mat millimetres: x across (col * pitch), y along
     * (row * pitch), from the mat's top-left corner (cell (0,0)'s outer corner); pitch_mm <= 0
     * is taken as 10 mm. Translucent red, hatched, thick border; clipped to the map. */
    const struct sm_view_zone *zones;
    int n_zones;
    /* The tool is in a zone now: a red banner across the top of the map with `alert` as its
     * text (NULL: "Out of the hip fold - move the tool now"), instead of the amber alert box,
     * and the border of the active zones (every zone when none is marked active) blinks. */
    int zone_alert;

    /* Presenter mode: black background, white and yellow type, larger timer and instruction,
     * link counters only when non-zero. Windowed, turning it on makes the window fullscreen
     * (unless it already is) and turning it off restores the window. */
    int presenter;
    /* Side by side (in either mode): compare_frame (same scale_max; compare_values like
     * `values`) on the left and the live map on the right, cells of the same size, each
     * labelled above. Overlays and mouse drags belong to the live map only. NULL: one map. */
    const sm_frame_t *compare_frame;
    const float *compare_values;
    const char *compare_label;     /* e.g. "Template: right ASIS" or "Left side"; NULL: "Compare" */
    const char *live_label;        /* e.g. "Live" or "Right side"; NULL: "Live" */
    const uint8_t *compare_labels; /* like `labels`, for compare_frame (its replaced faulty cells
                                      drawn as their neighbours' median); NULL: none */

    /* Who the picture is for. 0, the patient view (default): the map, the tool, the hold timer,
     * the steadiness meter, the instruction and the pressure in words; nothing diagnostic (no
     * ghost boxes, replaced-cell marks, template outline or offsets, breathing rate, per-side
     * summary, total / area / peak row, mat size or link counters). 1, the clinician view: all of
     * those as well. The big numbers of the view without the coach show in both. */
    int clinician;
    /* The pressure on the tool in one word, e.g. "light", "firm", "too hard" (the app decides,
     * from a calibrated force; NULL: none, e.g. uncalibrated), and its level for the colour:
     * 1 light (dim), 2 firm (green), 3 too hard (red). Shown large in the coach's panel. */
    const char *pressure_text;
    int pressure_level;

    /* A short answer to the last key (e.g. "Soreness 6 saved - right side", "Clinician view"),
     * shown over the bottom of the map while the app keeps it set (about 2.5 s); NULL: none. */
    const char *toast;

    /* The safety screen (sm_safety.h's words in a large box over everything; F1 brings it
     * back, the app decides when it shows). */
    int safety;
    /* Link line for mats without protocol v1 (text, raw): replaces the CRC/resync counters in
     * the status line, e.g. "no checksum \xc2\xb7 bad lines 3 \xc2\xb7 suspect frames 2";
     * link_bad draws it amber. NULL: the protocol counters. */
    const char *link_text;
    int link_bad;

    /* A calibration screen over the whole view (steadymat calibrate: what to prepare before the
     * first step, the result after the last); NULL: none. */
    const struct sm_view_calscreen *calscreen;
    /* The person practising (UTF-8, as the session stores it), shown in the status line and what
     * the name box opened with n starts with; NULL or "": none. */
    const char *patient;
} sm_view_model_t;

/* One full screen of the guided calibration: a title, a list, and for the result the verdict,
 * the fitted curve and the masked cells. Pointers are borrowed for sm_view_render. */
typedef struct sm_view_calscreen {
    const char *title;        /* "You will need", "Calibration passed" ... */
    int verdict;              /* 0: none (a list); 1 PASS: green title; -1 FAIL: red; 2 not
                                 verified: amber */
    const char *const *lines; /* one item a line, drawn as a list */
    int n_lines;
    const char *hint; /* the key to go on, at the bottom: "Enter: start" */
    /* The fitted curve, raw counts above zero -> kPa, curve_n points in rising counts (0: no
     * chart), on an x axis to counts_max (the mat's full scale). The pressures the fit saw
     * (fit_lo_kpa..fit_hi_kpa) are drawn solid, the extrapolation thin; the known loads
     * (load_counts, load_kpa, n_loads) as dots on it. */
    const double *curve_counts, *curve_kpa;
    int curve_n;
    double counts_max;
    double fit_lo_kpa, fit_hi_kpa;
    const double *load_counts, *load_kpa;
    int n_loads;
    /* The masked cells: rows*cols codes (0 fine, 1 dead, 2 stuck, 3 masked for another
     * reason: sm_calib.h's SM_CALIB_CELL_*) as a small map of the mat; NULL: none. */
    const uint8_t *mask;
    int mask_rows, mask_cols;
} sm_view_calscreen_t;

typedef struct sm_view_zone {
    int ellipse;           /* 0 rectangle, 1 ellipse (inscribed in the rectangle) */
    double x0, y0, x1, y1; /* mm, mat coordinates (see above); from a drag x0 < x1, y0 < y1 */
    int active;            /* the tool is inside it now (stronger fill) */
} sm_view_zone_t;

typedef enum {
    SM_ACT_NONE = 0,
    SM_ACT_QUIT,      /* Esc, q, window closed */
    SM_ACT_PAUSE,     /* space */
    SM_ACT_SEEK_BACK, /* left arrow: 5 s back (replay) */
    SM_ACT_SEEK_FWD,  /* right arrow: 5 s forward (replay) */
    SM_ACT_SLOWER,    /* down arrow / minus: half speed (replay) */
    SM_ACT_FASTER,    /* up arrow / plus: double speed (replay) */
    SM_ACT_HOME,      /* Home: back to the start (replay) */
    SM_ACT_MUTE,      /* m: sound on/off */
    SM_ACT_VOL_DOWN,  /* [ : quieter */
    SM_ACT_VOL_UP,    /* ] : louder */
    SM_ACT_PIVOT,     /* h: hip hook - the handle press starts now */
    SM_ACT_SORENESS,  /* 0-9, keypad 0-9, ' for 10: soreness rating; value in the event */
    /* t opens a name box; while it is open every key edits the name (no other action fires),
     * Backspace deletes, Esc cancels (no action), Enter with a non-empty name gives this action
     * with the name (UTF-8, at most 63 bytes, no control characters) in the event. */
    SM_ACT_TEMPLATE_SAVE,
    SM_ACT_TEMPLATE_NEXT,   /* g: show the next saved template (cycles, then none) */
    SM_ACT_TEMPLATE_MIRROR, /* G: mirror the template for the other side */
    /* left-button drag on the live map (shift held at release: ellipse), at least 4 output
     * pixels each way; the box is shown while dragging, Esc drops it; zone in the event */
    SM_ACT_ZONE_ADD,
    SM_ACT_ZONE_CLEAR, /* z: remove the no-go zones */
    SM_ACT_PRESENTER,  /* F10 or p: presenter mode on/off */
    SM_ACT_COMPARE,    /* c: side by side: off -> template vs live -> left vs right */
    SM_ACT_NEXT,       /* Enter / keypad Enter (no name box open): go on (start the step now) */
    SM_ACT_REDO,       /* r or Backspace (no name box open): redo this step */
    SM_ACT_SOUNDS,     /* s: hear every cue once with its meaning (again: stop) */
    SM_ACT_SAFETY,     /* F1: show (or close) the safety screen */
    SM_ACT_CLINICIAN,  /* v: the clinician view on/off (the patient view is the default) */
    /* n opens a box with the patient's name (the model's `patient`) to edit; Enter gives this
     * with the name in the event's text ("" when it was erased: no name), Esc cancels. */
    SM_ACT_PATIENT
} sm_action_t;

/* One user action with its details. */
typedef struct {
    sm_action_t action;
    int value;           /* SM_ACT_SORENESS: 0..10 */
    char text[128];      /* SM_ACT_TEMPLATE_SAVE: the name typed (at most 63 bytes);
                            SM_ACT_PATIENT: the patient's name (at most 127 bytes, "" none) */
    sm_view_zone_t zone; /* SM_ACT_ZONE_ADD: mat mm */
} sm_view_event_t;

typedef struct sm_view sm_view_t;

/* Returns NULL and a one-line message in err when SDL cannot start (no display, ...). */
sm_view_t *sm_view_create(const sm_view_config_t *cfg, char *err, size_t errlen);
void sm_view_destroy(sm_view_t *v); /* NULL-safe */

/* Handle pending window events (resize and F11 fullscreen are handled inside). Returns the next
 * action for the app, SM_ACT_NONE when there is none left. Call until SM_ACT_NONE. Headless:
 * always SM_ACT_NONE. Auto-repeated keys act only for seeking and volume. */
sm_action_t sm_view_poll(sm_view_t *v);
/* The same with details (soreness value, template name, zone); *ev (may be NULL) is set on
 * every call (zeros and SM_ACT_NONE when nothing happened). */
sm_action_t sm_view_poll_event(sm_view_t *v, sm_view_event_t *ev);
/* How many window events (keys, mouse, window) sm_view_poll_event has taken so far. */
unsigned long sm_view_events_seen(const sm_view_t *v);
/* 1 while a template's or the patient's name is being typed (the app may pause its own key
 * handling). */
int sm_view_text_entry(const sm_view_t *v);

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

/* How the pictures so far were drawn (benchmarks): with the software renderer only what changed
 * is drawn again. */
typedef struct {
    long pictures;        /* sm_view_render calls that drew or kept a picture */
    long in_parts;        /* drawn again only in the parts that changed */
    long unchanged;       /* nothing had changed: nothing drawn, nothing presented */
    double drawn_percent; /* of the picture drawn again, on average (100: drawn whole) */
} sm_view_draw_stats_t;
void sm_view_draw_stats(const sm_view_t *v, sm_view_draw_stats_t *s);

#endif
