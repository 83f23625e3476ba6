/* Contact patches to cell pressures: each patch is integrated over every cell it touches. */
#include "sm_sim_internal.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

/* Above this many subsamples over a contact's whole bounding box (on and off the mat) the
 * normalisation comes from the profile's closed-form integral instead of the samples. */
#define FULL_BUDGET 20000

/* Integral of the profile over its support in normalised units (u, v in [-1, 1]). */
static double profile_integral(int prof)
{
    switch (prof) {
    case PROF_BALL:
        return PI / 2.5; /* 2 pi int_0^1 (1-r^2)^1.5 r dr */
    case PROF_SOFT:
        return 8.0 * PI / 15.0; /* pi int_0^1 (1-s^2)^2 ds */
    case PROF_PLATE:
        return 4.0;
    default:
        return (64.0 / 45.0) * (64.0 / 45.0); /* (int_-1^1 (1-u^4)^2 du)^2 */
    }
}

static double edge1(double u)
{
    double u2 = u * u;
    if (u2 >= 1.0)
        return 0.0;
    double t = 1.0 - u2 * u2;
    return t * t;
}

static double profile(int prof, double u, double v, double kx)
{
    double f;
    if (prof == PROF_PLATE) {
        f = u * u < 1.0 && v * v < 1.0 ? 1.0 : 0.0;
    } else if (prof == PROF_BASE) {
        f = edge1(u) * edge1(v);
    } else {
        double q = u * u + v * v;
        if (q >= 1.0)
            return 0.0;
        if (prof == PROF_BALL) {
            double t = 1.0 - q;
            f = t * sqrt(t);
        } else {
            double t = 1.0 - q * q;
            f = t * t;
        }
    }
    if (kx != 0.0) {
        double ramp = 1.0 + kx * u;
        f *= ramp > 0.0 ? ramp : 0.0;
    }
    return f;
}

static long cell_floor(double mm, double pitch)
{
    double c = floor(mm / pitch);
    /* Contacts live within a few metres of the mat; the clamp only guards the conversion. */
    if (c < -1e6)
        c = -1e6;
    if (c > 1e6)
        c = 1e6;
    return (long)c;
}

static void render_one(const sim_contact_t *ct, int rows, int cols, double p, double *kpa,
                       double *onmat, sim_body_scratch_t *scr)
{
    *onmat = 0.0;
    if (!(ct->f > 0.0) || !(ct->ax > 0.0) || !(ct->ay > 0.0))
        return;
    long c0 = cell_floor(ct->x - ct->ax, p), c1 = cell_floor(ct->x + ct->ax, p);
    long r0 = cell_floor(ct->y - ct->ay, p), r1 = cell_floor(ct->y + ct->ay, p);
    if (c1 < 0 || r1 < 0 || c0 >= cols || r0 >= rows)
        return; /* entirely off the mat */

    /* Subsamples per cell side: at least 5 across the contact's smaller semi-axis, 2..8. */
    double minax = ct->ax < ct->ay ? ct->ax : ct->ay;
    double nd = ceil(p / (0.2 * minax));
    int n = nd < 2.0 ? 2 : nd > 8.0 ? 8 : (int)nd;
    if (ct->prof == PROF_PLATE)
        n = 8; /* sharp edges: the finest sampling */
    double h = p / n;

    long ncx = (c1 - c0 + 1) * n, ncy = (r1 - r0 + 1) * n;
    int full = ncx <= SIM_SCRATCH && ncy <= SIM_SCRATCH && ncx * ncy <= FULL_BUDGET;
    if (!full) {
        /* Big compared with the cells: sample only the part on the mat. */
        if (c0 < 0)
            c0 = 0;
        if (r0 < 0)
            r0 = 0;
        if (c1 > cols - 1)
            c1 = cols - 1;
        if (r1 > rows - 1)
            r1 = rows - 1;
        ncx = (c1 - c0 + 1) * n;
        ncy = (r1 - r0 + 1) * n;
    }
    for (long i = 0; i < ncx; i++)
        scr->u[i] = ((double)c0 * p + (i + 0.5) * h - ct->x) / ct->ax;
    for (long j = 0; j < ncy; j++)
        scr->v[j] = ((double)r0 * p + (j + 0.5) * h - ct->y) / ct->ay;

    /* Cell sums of the on-mat part go to a rectangle buffer until the scale is known. */
    long oc0 = c0 < 0 ? 0 : c0, oc1 = c1 > cols - 1 ? cols - 1 : c1;
    long or0 = r0 < 0 ? 0 : r0, or1 = r1 > rows - 1 ? rows - 1 : r1;
    long ow = oc1 - oc0 + 1;
    double total = 0.0, on = 0.0;
    long ncells_x = c1 - c0 + 1;
    for (long cr = r0; cr <= r1; cr++) {
        double *cs = scr->cellsum;
        memset(cs, 0, (size_t)ncells_x * sizeof *cs);
        for (int j = 0; j < n; j++) {
            double v = scr->v[(cr - r0) * n + j];
            if (v * v >= 1.0)
                continue;
            const double *u = scr->u;
            for (long cc = 0; cc < ncells_x; cc++) {
                double s = 0.0;
                for (int i = 0; i < n; i++)
                    s += profile(ct->prof, u[cc * n + i], v, ct->kx);
                cs[cc] += s;
            }
        }
        int row_on = cr >= or0 && cr <= or1;
        for (long cc = 0; cc < ncells_x; cc++) {
            total += cs[cc];
            long col = c0 + cc;
            if (row_on && col >= oc0 && col <= oc1) {
                scr->rect[(cr - or0) * ow + (col - oc0)] = cs[cc];
                on += cs[cc];
            }
        }
    }
    double norm = full ? total : ct->ax * ct->ay * profile_integral(ct->prof) / (h * h);
    double area = p * p; /* mm^2 */
    if (!(norm > 0.0)) {
        /* Smaller than the subsample spacing: all of it on the cell under its centre. */
        long cc = cell_floor(ct->x, p), rr = cell_floor(ct->y, p);
        if (cc >= 0 && cc < cols && rr >= 0 && rr < rows) {
            kpa[rr * cols + cc] += ct->f / area * 1000.0;
            *onmat = ct->f;
        }
        return;
    }
    double k = ct->f / norm / area * 1000.0; /* N/mm^2 = MPa -> kPa */
    for (long rr = or0; rr <= or1; rr++)
        for (long cc = oc0; cc <= oc1; cc++)
            kpa[rr * cols + cc] += k * scr->rect[(rr - or0) * ow + (cc - oc0)];
    *onmat = ct->f * on / norm;
}

void sm_sim_body_render(const sim_contact_t *cs, size_t n, int rows, int cols, double pitch_mm,
                        double *kpa, double *onmat, sim_body_scratch_t *scr)
{
    for (size_t i = 0; i < n; i++)
        render_one(&cs[i], rows, cols, pitch_mm, kpa, &onmat[i], scr);
}
