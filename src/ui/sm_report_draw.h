/*
 * Report pages and progress plots drawn with cairo (vector: PDF; raster: PNG). A page is A4
 * landscape, laid out in points (1/72 inch); a PNG is the same drawing scaled to the asked
 * resolution. Everything drawn comes in the page description: this module computes only what
 * it draws (nice axis ticks, the 95 % ellipse from the path's covariance, colours).
 *
 * Colours: viridis for pressure (sm_colormap), and the Okabe-Ito colour-blind-safe pair for the
 * sides (right blue, left vermilion), each side also with its own marker shape.
 *
 * Thread context: any thread; no shared state. Fonts: DejaVu Sans through fontconfig.
 */
#ifndef SM_REPORT_DRAW_H
#define SM_REPORT_DRAW_H

#include <stddef.h>

#include "sm_coach.h"
#include "sm_history.h"
#include "sm_status.h"
#include "sm_sway.h"

#define SM_RD_PAGE_W_PT       841.8898 /* A4 landscape, 297 mm */
#define SM_RD_PAGE_H_PT       595.2756 /* 210 mm */
#define SM_RD_MAX_HOLD_PANELS 3        /* holds on a session's first page */
#define SM_RD_HOLDS_PER_PAGE  6        /* holds on each further page (two rows of three) */

/* One hold as drawn: the picture of the mat during it and the tool's path. */
typedef struct {
    sm_coach_hold_t hold;
    int number;            /* 1-based hold number in the session */
    const float *image;    /* rows*cols mean values over the hold, display units; NULL = none */
    const double *px, *py; /* tool contact during the hold, mm (x across, y along the mat) */
    size_t np;
} sm_rd_hold_t;

typedef struct {
    /* header */
    const char *date;     /* "Fri 31 Jan 2025, 10:15" or "date not recorded" */
    const char *file;     /* the session file's name */
    const char *source;   /* where the frames came from */
    const char *mat;      /* "32 x 24 cells, 25 mm pitch, id 0123..." */
    const char *protocol; /* "Hip Hook, two phases" */
    const char *patient;  /* the patient's name, NULL or "" = not recorded */
    const char *sides;    /* the sides held: "right", "left", "right and left", "none" */
    const char *tool;     /* "ball", "Hip Hook" */
    double duration_s;
    unsigned long frames;
    double rate_hz;
    int calibrated;     /* units are kPa (with mmHg) and N; else raw counts */
    const char *footer; /* e.g. "SteadyMat 0.1.0 - session 1 of 2"; " - page k of n" is added */
    /* Where the person's right is on the pictures of the mat (as the live view's right_edge: row 0
     * the head end, column 0 drawn at the left): 1 the left edge (face down), 2 the right edge
     * (on the back), 0 unknown (side-lying). Known, each heatmap is labelled "your right" /
     * "your left" along its sides and the tool's path across its bottom axis, as in the live
     * view; the holds and the summary name the sides "your right" / "your left" either way. */
    int right_edge;
    /* holds */
    int rows, cols;
    double pitch_mm;
    double image_max;          /* top of the shared colour scale, display units */
    int image_clipped;         /* some cells are above image_max (drawn at the top colour) */
    double release_target_s;   /* steady seconds the release threshold asks for */
    const sm_rd_hold_t *holds; /* every hold of the session, in order */
    size_t n_holds;
    /* load over time: one value per frame, NaN where there is no tool */
    const double *t_s, *load;
    size_t n_load;
    int load_is_tool; /* 1: the tool's load; 0: the whole frame's (no tool found) */
    const sm_coach_event_t *events;
    size_t n_events;
    const sm_coach_hold_t *all_holds;
    size_t n_all_holds;
    /* sway spectrum of the session's trace (PSD of the resultant distance) */
    const double *f_hz, *psd;
    size_t n_psd;
    int of_tool; /* the trace is the tool's (else the whole body's CoP) */
    int have_sway;
    sm_sway_t sway;
    double breath_bpm; /* 0 = none */
    /* summary */
    sm_history_side_t side[SM_HISTORY_SIDES];
} sm_rd_page_t;

/* A list of sessions for the progress plot and the summary page. */
typedef struct {
    const sm_history_entry_t *e;
    size_t n;
    const char *title;    /* e.g. "SteadyMat progress - 12 sessions" */
    const char *subtitle; /* e.g. the folder, or NULL */
    int by_protocol;      /* one patient's sessions: one line per protocol (dashed apart) */
} sm_rd_sessions_t;

typedef struct sm_rd_pdf sm_rd_pdf_t;

/* A PDF being written: one page per call. Errors (SM_ERR_IO, message naming path) come from
 * cairo, which reports a failed write at open or at close. */
sm_status sm_rd_pdf_open(const char *path, sm_rd_pdf_t **out, char *err, size_t errlen);
/* Pages a session takes: the first with its first SM_RD_MAX_HOLD_PANELS holds, the plots and
 * the summary, then as many pages of SM_RD_HOLDS_PER_PAGE holds as the rest need. */
size_t sm_rd_session_pages(const sm_rd_page_t *pg);
/* Every page of the session. */
void sm_rd_pdf_session(sm_rd_pdf_t *d, const sm_rd_page_t *pg);
void sm_rd_pdf_summary(sm_rd_pdf_t *d, const sm_rd_sessions_t *s);
/* Finishes the file; SM_ERR_IO when anything failed. NULL-safe (SM_OK). */
sm_status sm_rd_pdf_close(sm_rd_pdf_t *d, char *err, size_t errlen);

/* Page `page` (0-based, < sm_rd_session_pages) as a PNG at dpi dots per inch (150 gives
 * 1754 x 1240 pixels). */
sm_status sm_rd_png_session(const char *path, const sm_rd_page_t *pg, size_t page, double dpi,
                            char *err, size_t errlen);
sm_status sm_rd_png_summary(const char *path, const sm_rd_sessions_t *s, double dpi, char *err,
                            size_t errlen);

/* The progress plot alone: time to settle, wiggles per hold, soreness and steady time per side
 * over the sessions' dates, width x height pixels. */
sm_status sm_rd_png_history(const char *path, const sm_rd_sessions_t *s, int width, int height,
                            char *err, size_t errlen);

/* Releases cairo's font caches (call once at exit, after the last drawing), so leak checkers
 * see only real leaks. */
void sm_rd_cleanup(void);

/* Pixel size of a page PNG at dpi. */
void sm_rd_page_pixels(double dpi, int *w, int *h);

#endif
