#include "sm_colormap.h"

#include <math.h>

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

static double srgb_linear(unsigned char v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t)
{
    return t > 216.0 / 24389.0 ? cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
}

void sm_colormap_lab(const unsigned char rgb[3], float lab[3])
{
    double r = srgb_linear(rgb[0]), g = srgb_linear(rgb[1]), b = srgb_linear(rgb[2]);
    /* sRGB primaries to XYZ, relative to the D65 white */
    double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
    lab[0] = (float)(116.0 * fy - 16.0);
    lab[1] = (float)(500.0 * (fx - fy));
    lab[2] = (float)(200.0 * (fy - fz));
}

double sm_colormap_step_de(void)
{
    double worst = 0;
    float a[3], b[3];
    sm_colormap_lab(sm_colormap_viridis[0], a);
    for (int i = 1; i < SM_COLORMAP_N; i++) {
        sm_colormap_lab(sm_colormap_viridis[i], b);
        double d =
            sqrt((double)(a[0] - b[0]) * (a[0] - b[0]) + (double)(a[1] - b[1]) * (a[1] - b[1]) +
                 (double)(a[2] - b[2]) * (a[2] - b[2]));
        worst = d > worst ? d : worst;
        a[0] = b[0], a[1] = b[1], a[2] = b[2];
    }
    return worst;
}
