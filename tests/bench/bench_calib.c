/* Benchmark: the cost of applying a calibration to one frame (sm_calib_apply), per mat size, with
 * and without crosstalk removal, on a worst case (every cell loaded), a plate with a stuck cell and
 * a person prone on a ball. Prints microseconds per frame; build with -DSM_BENCH=ON, Release. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sm_calib.h"
#include "sm_sim.h"

#define US(s) ((uint64_t)((s)*1e6 + 0.5))

static sm_frame_t frame;

static void bench(int rows, int cols, double share, int plate)
{
    sm_calib_data_t *d = malloc(sizeof *d);
    if (!d)
        exit(1);
    sm_calib_data_init(d, rows, cols, 25.0, 1023);
    for (int i = 0; i < rows * cols; i++) {
        d->offset[i] = 1.5f;
        d->gain[i] = 0.8f + 0.4f * (float)(i % 7) / 7.0f;
    }
    d->mask[5] = SM_CALIB_CELL_DEAD;
    d->xtalk.share = share;
    sm_calib_t *cal = NULL;
    char err[160];
    if (sm_calib_create(d, &cal, err, sizeof err) != SM_OK) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    frame.rows = (uint16_t)rows;
    frame.cols = (uint16_t)cols;
    /* every cell loaded (the worst case for crosstalk removal), a 5 x 5 cell plate and a
     * stuck cell, or (plate 2) a person lying prone on a ball on the reference mat */
    if (plate == 2) {
        sm_sim_config_t cfg;
        sm_sim_config_default(&cfg);
        cfg.scenario = "ball-steady";
        sm_sim_t *sim = NULL;
        if (sm_sim_create(&cfg, &sim) != SM_OK)
            exit(1);
        for (double t = 0; t <= 10.0; t += 0.5)
            sm_sim_render(sim, US(t), frame.cells);
        sm_sim_destroy(sim);
    } else
        for (int i = 0; i < rows * cols; i++)
            frame.cells[i] =
                plate ? (uint16_t)((i / cols >= 4 && i / cols < 9 && i % cols >= 6 && i % cols < 11)
                                       ? 300 + (i * 37) % 200
                                       : (i * 7) % 4)
                      : (uint16_t)((i * 37) % 1024);
    if (plate == 1)
        frame.cells[(rows - 2) * cols + 8] = 1023;
    int loaded = 0;
    for (int i = 0; i < rows * cols; i++)
        loaded += frame.cells[i] > 8;
    static float kpa[SM_MAX_CELLS];
    int iters = 2000;
    struct timespec a, b;
    double sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < iters; k++) {
        frame.cells[k % (rows * cols)] ^= 1;
        sm_calib_apply(cal, &frame, kpa);
        sink += kpa[k % (rows * cols)];
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / iters;
    printf("sm_calib_apply %dx%d, crosstalk share %.1f, %s (%d cells loaded): %.2f us per frame "
           " [%g]\n",
           rows, cols, share,
           plate == 2   ? "a person prone on a ball"
           : plate == 1 ? "a plate and a stuck cell"
                        : "every cell loaded",
           loaded, us, sink > 0 ? 1.0 : 0.0);
    sm_calib_destroy(cal);
    free(d);
}

int main(void)
{
    bench(32, 24, 0.0, 0);
    bench(64, 64, 0.0, 0);
    bench(32, 24, 0.3, 1);
    bench(32, 24, 0.3, 2);
    bench(32, 24, 0.3, 0);
    bench(64, 64, 0.3, 1);
    bench(64, 64, 0.3, 0);
    return 0;
}
