/*
 * Smooth upscaling of a pressure frame for display: the cell VALUES are interpolated (then
 * coloured), so a hot cell reads as a rounded blob instead of a square block.
 *
 * Interpolation is separable monotone piecewise-cubic (PCHIP, Fritsch-Butland slopes): it passes
 * exactly through every cell value at the cell centre, is smooth (C1), and never overshoots, so a
 * hot spot is not exaggerated and no dark ring appears around it (Catmull-Rom would do both).
 * Cell centres sit at (i + 0.5) * factor pixels; the outer half cells hold the edge value.
 *
 * Pure computation, no SDL: callable from any thread on its own object.
 * Memory: the fixed-factor buffers are allocated by sm_heatmap_create for the largest frame;
 * sm_heatmap_render's grow to the largest picture asked for (a window resize), never per call
 * at an unchanged size. All freed by sm_heatmap_destroy.
 */
#ifndef SM_HEATMAP_H
#define SM_HEATMAP_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"

#define SM_HEATMAP_MAX_SIDE 512   /* upscaled picture is at most this many pixels on a side */
#define SM_HEATMAP_MAX_OUT  16384 /* sm_heatmap_render: at most this many pixels on a side */

typedef struct sm_heatmap sm_heatmap_t;

sm_heatmap_t *sm_heatmap_create(void);
void sm_heatmap_destroy(sm_heatmap_t *h); /* NULL-safe */

/* Pixels per cell for a rows x cols frame: about SM_HEATMAP_MAX_SIDE on the long side, 4..16. */
int sm_heatmap_factor(int rows, int cols);

/* Upscale rows x cols raw values (row-major, 1..SM_MAX_ROWS x 1..SM_MAX_COLS) by factor
 * (1..16, rows * factor and cols * factor at most SM_HEATMAP_MAX_SIDE), dividing by
 * scale (> 0; the value that maps to 1.0). Returns 0, or -1 for bad arguments. The
 * result (rows * factor) x (cols * factor) stays in h until the next call. */
int sm_heatmap_upsample(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int factor,
                        double scale);

/* Size and values of the last upsample: out_w = cols * factor, row-major, 1.0 = scale. */
const float *sm_heatmap_values(const sm_heatmap_t *h, int *out_w, int *out_h);

/* Colour the last upsample into 32-bit pixels (pitch in bytes): value v in [0, 1] -> lut[round(v *
 * (lut_n - 1))], values outside clamped. */
void sm_heatmap_colorize(const sm_heatmap_t *h, const uint32_t *lut, int lut_n, void *pixels,
                         int pitch);

/* Upsample straight to the size the picture takes on screen, out_w x out_h pixels (1 to
 * SM_HEATMAP_MAX_OUT a side, any ratio to the cells), and colour it in the same pass, so the
 * display copies it without scaling. Same interpolation as sm_heatmap_upsample (pixel centre p
 * sits at (p + 0.5) * cols / out_w - 0.5 in cell-centre coordinates) and the same colouring as
 * sm_heatmap_colorize: at out_w = cols * factor, out_h = rows * factor the pixels are identical.
 * pixels: out_h rows of out_w 32-bit values, pitch bytes apart (>= out_w * 4). Does not touch
 * the result of sm_heatmap_upsample. Returns 0, or -1 for bad arguments or no memory (a new,
 * larger size allocates). */
int sm_heatmap_render(sm_heatmap_t *h, const uint16_t *cells, int rows, int cols, int out_w,
                      int out_h, double scale, const uint32_t *lut, int lut_n, void *pixels,
                      int pitch);

/* A part of the picture, output pixels. */
typedef struct {
    int x, y, w, h;
} sm_heatmap_rect_t;

/* sm_heatmap_render over a picture that already shows prev (the same rows x cols, size, scale
 * and table): only the pixels whose value depends on a cell that differs between prev and cells
 * are written, so a frame where most of the mat is unchanged costs a fraction of a picture. The
 * pixels written are exactly those sm_heatmap_render would write there. prev NULL: the whole
 * picture. rects (1..max_rects of them) get the parts written, top to bottom; returns how many
 * (0: no cell changed, nothing written), or -1 (bad arguments, no memory). Too many parts for
 * max_rects are merged into the last one. */
int sm_heatmap_render_changed(sm_heatmap_t *h, const uint16_t *cells, const uint16_t *prev,
                              int rows, int cols, int out_w, int out_h, double scale,
                              const uint32_t *lut, int lut_n, void *pixels, int pitch,
                              sm_heatmap_rect_t *rects, int max_rects);

#endif
