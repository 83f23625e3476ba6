#include "sm_colormap.h"

void sm_colormap_rgb(double t, unsigned char rgb[3])
{
    if (!(t > 0.0)) /* also catches NaN */
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double x = t * (SM_COLORMAP_N - 1);
    int i = (int)x;
    if (i >= SM_COLORMAP_N - 1)
        i = SM_COLORMAP_N - 2;
    double f = x - i;
    for (int k = 0; k < 3; k++) {
        double a = sm_colormap_viridis[i][k], b = sm_colormap_viridis[i + 1][k];
        rgb[k] = (unsigned char)(a + (b - a) * f + 0.5);
    }
}

int sm_colormap_nearest(const unsigned char rgb[3], int *dist2)
{
    int best = 0, best_d = -1;
    for (int i = 0; i < SM_COLORMAP_N; i++) {
        int d = 0;
        for (int k = 0; k < 3; k++) {
            int e = (int)rgb[k] - (int)sm_colormap_viridis[i][k];
            d += e * e;
        }
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (dist2)
        *dist2 = best_d;
    return best;
}
