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
 * Memory: all buffers are allocated by sm_heatmap_create for the largest frame.
 */
#ifndef SM_HEATMAP_H
#define SM_HEATMAP_H

#include <stddef.h>
#include <stdint.h>

#include "sm_frame.h"

#define SM_HEATMAP_MAX_SIDE 512 /* upscaled picture is at most this many pixels on a side */

typedef struct sm_heatmap sm_heatmap_t;

sm_heatmap_t *sm_heatmap_create(void);
void sm_heatmap_destroy(sm_heatmap_t *h); /* NULL-safe */

/* Pixels per cell for a rows x cols frame: about SM_HEATMAP_MAX_SIDE on the long side, 4..16.
 * The display scales the result to the window with linear filtering. */
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

#endif
