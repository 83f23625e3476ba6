/* The resistive sensor matrix: true pressure in, raw ADC counts out. */
#include "sm_sim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GHOST_LOADED    0.01 /* a cell takes part in crosstalk paths above 1 % of full scale */
#define CREEP_RECOVER_S 20.0
#define CREEP_ON_KPA    0.5 /* loaded time accumulates from here ... */
#define CREEP_FULL_KPA  2.0 /* ... fully from here */

static double smoothstep(double x, double lo, double hi)
{
    if (x <= lo)
        return 0.0;
    if (x >= hi)
        return 1.0;
    double t = (x - lo) / (hi - lo);
    return t * t * (3.0 - 2.0 * t);
}

static void place_faults(sim_sensor_t *s, int avoid_r, int avoid_c)
{
    int cells = s->rows * s->cols;
    int dead = cells >= 16 ? 1 + cells / 400 : 0;
    int stuck = cells >= 64 ? (cells >= 1024 ? 2 : 1) : 0;
    int want = dead + stuck, placed = 0;
    for (uint64_t k = 0; placed < want && k < 4096; k++) {
        int i = (int)(sim_hash(s->seed, RNG_FAULT, k, 0) % (uint64_t)cells);
        int r = i / s->cols, c = i % s->cols;
        if (s->fault[i] != SM_SIM_CELL_OK)
            continue;
        /* A fault right under the tool would make every demo about the fault. */
        if (avoid_r >= 0 && abs(r - avoid_r) <= 2 && abs(c - avoid_c) <= 2)
            continue;
        s->fault[i] = placed < dead ? SM_SIM_CELL_DEAD : SM_SIM_CELL_STUCK;
        placed++;
    }
    s->faults = placed;
}

sm_status sm_sim_sensor_init(sim_sensor_t *s, int rows, int cols, unsigned effects, int bits,
                             uint32_t seed, int avoid_r, int avoid_c)
{
    memset(s, 0, sizeof *s);
    size_t n = (size_t)rows * (size_t)cols;
    s->rows = rows;
    s->cols = cols;
    s->effects = effects;
    s->seed = seed;
    s->full = (double)((1u << bits) - 1u);
    double scale = ldexp(1.0, bits - 10); /* noise is a voltage: counts scale with 2^bits */
    s->noise_sd = SM_SIM_NOISE_COUNTS * scale;
    s->gain = malloc(n * sizeof *s->gain);
    s->offset = malloc(n * sizeof *s->offset);
    s->fault = calloc(n, sizeof *s->fault);
    s->tau = calloc(n, sizeof *s->tau);
    s->v = malloc(n * sizeof *s->v);
    s->vg = malloc(n * sizeof *s->vg);
    s->lidx = malloc(n * sizeof *s->lidx);
    s->lrow_n = malloc((size_t)rows * sizeof *s->lrow_n);
    s->lcol = malloc((size_t)cols * sizeof *s->lcol);
    size_t pairs = (size_t)cols * (size_t)cols;
    s->m1 = malloc(pairs * sizeof *s->m1);
    s->m2 = malloc(pairs * sizeof *s->m2);
    s->m1row = malloc(pairs * sizeof *s->m1row);
    if (!s->gain || !s->offset || !s->fault || !s->tau || !s->v || !s->vg || !s->lidx ||
        !s->lrow_n || !s->lcol || !s->m1 || !s->m2 || !s->m1row) {
        sm_sim_sensor_free(s);
        return SM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        double z = sim_gauss(sim_hash(seed, RNG_SPREAD, i, 0));
        s->gain[i] = (effects & SM_SIM_SPREAD) ? (float)exp(SM_SIM_SPREAD_SIGMA * z) : 1.0f;
        s->offset[i] = (float)(3.0 * scale * sim_unif(sim_hash(seed, RNG_OFFSET, i, 0)));
    }
    if (effects & SM_SIM_DEAD)
        place_faults(s, avoid_r, avoid_c);
    return SM_OK;
}

void sm_sim_sensor_free(sim_sensor_t *s)
{
    if (!s)
        return;
    free(s->gain);
    free(s->offset);
    free(s->fault);
    free(s->tau);
    free(s->v);
    free(s->vg);
    free(s->lidx);
    free(s->lrow_n);
    free(s->lcol);
    free(s->m1);
    free(s->m2);
    free(s->m1row);
    memset(s, 0, sizeof *s);
}

/* Crosstalk in a passive matrix: reading (r, c) also collects current that leaves row r through
 * a loaded cell (r, c1), crosses to another row r1 through (r1, c1) and comes back into column c
 * through (r1, c). Three cells in series pass roughly a share of the weakest of them, so the
 * ghost is SM_SIM_GHOST_SHARE * max over (r1, c1) of min(v[r][c1], v[r1][c1], v[r1][c]).
 * The inner max-min over r1 depends only on the column pair (c1, c), so it is built once per
 * frame from each row's loaded cells (keeping the two best rows, so r1 = r can be excluded):
 * the cost grows with the loaded cells per row, not with (rows*cols)^2. */
static void ghost(sim_sensor_t *s)
{
    int R = s->rows, C = s->cols;
    const double *v = s->v;
    size_t pairs = (size_t)C * (size_t)C;
    memset(s->m1, 0, pairs * sizeof *s->m1);
    memset(s->m2, 0, pairs * sizeof *s->m2);
    memset(s->lcol, 0, (size_t)C);
    for (size_t k = 0; k < pairs; k++)
        s->m1row[k] = -1;
    for (int r = 0; r < R; r++) {
        int k = 0;
        for (int c = 0; c < C; c++)
            if (v[r * C + c] > GHOST_LOADED) {
                s->lidx[r * C + k++] = (uint8_t)c;
                s->lcol[c] = 1;
            }
        s->lrow_n[r] = k;
    }
    for (int r1 = 0; r1 < R; r1++) {
        int k = s->lrow_n[r1];
        const uint8_t *li = s->lidx + r1 * C;
        for (int i = 0; i < k; i++) {
            double vi = v[r1 * C + li[i]];
            for (int j = 0; j < k; j++) {
                if (j == i)
                    continue;
                double vj = v[r1 * C + li[j]];
                float m = (float)(vi < vj ? vi : vj);
                size_t q = (size_t)li[i] * C + li[j];
                if (m > s->m1[q]) {
                    s->m2[q] = s->m1[q];
                    s->m1[q] = m;
                    s->m1row[q] = (int16_t)r1;
                } else if (m > s->m2[q]) {
                    s->m2[q] = m;
                }
            }
        }
    }
    for (int r = 0; r < R; r++) {
        int k = s->lrow_n[r];
        const uint8_t *li = s->lidx + r * C;
        for (int c = 0; c < C; c++) {
            double g = 0.0;
            if (s->lcol[c]) {
                for (int i = 0; i < k; i++) {
                    int c1 = li[i];
                    if (c1 == c)
                        continue;
                    size_t q = (size_t)c1 * C + c;
                    double m = s->m1row[q] == r ? s->m2[q] : s->m1[q];
                    double a = v[r * C + c1];
                    double w = a < m ? a : m;
                    if (w > g)
                        g = w;
                }
            }
            s->vg[r * C + c] = v[r * C + c] + SM_SIM_GHOST_SHARE * g;
        }
    }
}

void sm_sim_sensor_convert(sim_sensor_t *s, const double *kpa, double t_s, uint64_t t_us,
                           uint16_t *cells)
{
    int n = s->rows * s->cols;
    unsigned fx = s->effects;
    double dt = t_s - s->t_prev_s;
    if (dt < 0.0)
        dt = 0.0; /* time going backwards is a caller bug; creep just stands still */
    s->t_prev_s = t_s > s->t_prev_s ? t_s : s->t_prev_s;
    double decay = (fx & SM_SIM_CREEP) ? exp(-dt / CREEP_RECOVER_S) : 1.0;

    for (int i = 0; i < n; i++) {
        double p = kpa[i];
        double cf = 1.0;
        if (fx & SM_SIM_CREEP) {
            /* Loaded time grows while loaded and fades while unloaded: reading after a hold
             * rises ~5 %/decade, and a cell that was unloaded for a minute starts afresh. */
            double w = smoothstep(p, CREEP_ON_KPA, CREEP_FULL_KPA);
            double tau = s->tau[i];
            tau = w * (tau + dt) + (1.0 - w) * tau * decay;
            s->tau[i] = tau;
            if (tau > 0.0)
                cf = 1.0 + SM_SIM_CREEP_PER_DECADE * log10(1.0 + tau);
        }
        double v = 0.0;
        if (p > 0.0) {
            if (fx & SM_SIM_NONLINEAR) {
                double on = smoothstep(p, SM_SIM_NL_ONSET_KPA - 0.7, SM_SIM_NL_ONSET_KPA + 0.7);
                if (on > 0.0) {
                    double g = on * pow(p / SM_SIM_NL_HALF_KPA, SM_SIM_NL_ALPHA) * s->gain[i] * cf;
                    v = g / (1.0 + g);
                }
            } else {
                v = p / SM_SIM_LINEAR_FS_KPA * s->gain[i] * cf;
            }
        }
        if (s->fault[i] == SM_SIM_CELL_DEAD)
            v = 0.0; /* an open trace conducts nothing, not even crosstalk */
        else if (s->fault[i] == SM_SIM_CELL_STUCK)
            v = 1.0; /* a short conducts fully, and feeds crosstalk paths */
        s->v[i] = v;
    }
    const double *vv = s->v;
    if (fx & SM_SIM_GHOST) {
        ghost(s);
        vv = s->vg;
    }
    /* One full hash per frame, one mixing round per cell: still a pure function of
     * (seed, t_us, cell), at a few ns per cell. */
    uint64_t frame_key = sim_hash(s->seed, RNG_NOISE, t_us, 0);
    for (int i = 0; i < n; i++) {
        double v = vv[i] > 1.0 ? 1.0 : vv[i];
        double c = v * s->full;
        if (fx & SM_SIM_NOISE)
            c += s->offset[i] +
                 s->noise_sd * sim_gauss(sim_mix(frame_key + 0x9E3779B97F4A7C15ull * (uint64_t)i));
        c = floor(c + 0.5);
        if (c < 0.0)
            c = 0.0;
        if (c > s->full)
            c = s->full;
        if (s->fault[i] == SM_SIM_CELL_DEAD)
            c = 0.0;
        else if (s->fault[i] == SM_SIM_CELL_STUCK)
            c = s->full;
        cells[i] = (uint16_t)c;
    }
}
