/*
 * Centre-of-pressure traces of a person lying on a massage ball, with known truth: the test
 * battery of issue 11. Written apart from the coach it scores (src/core/sm_coach.c): nothing
 * here is taken from the coach's settings; every number comes from the physics of a person on a
 * ball (DOMAIN.md) and from the test description.
 *
 * Coordinates: x across the body (medio-lateral), y along the body (antero-posterior), mm, as
 * sm_cop_csv and the simulator's --cop-trace take them. Time in seconds from the first sample.
 *
 * Size convention (every "size" here): PEAK-TO-PEAK extent of the movement along its main axis,
 * mm. Breathing of 8 mm moves the contact 4 mm either way of its mean; a rub of 3 mm goes 1.5 mm
 * each way; a circle's size is its diameter along the main axis; a jiggle (aperiodic) is scaled
 * so that its actual max - min along the main axis is the size; a slide's size is its
 * displacement. (The coach reports a band RMS instead: a sinusoid of peak-to-peak P has an RMS of
 * P / (2 sqrt 2) = 0.35 P, so sizes are compared only live against analyze, never to truth.)
 *
 * What a trace holds, all deterministic from (category, seed):
 *   - breathing, always: 6-24 breaths/min (mean) whose rate wanders slowly (+-5-15 % over
 *     40-120 s periods, kept inside 6-24), a slightly asymmetric waveform (exhaling longer than
 *     inhaling), breath-to-breath depth varying +-15 %, mostly along the body (within 25 deg),
 *     one person in four more across (30-70 deg), with a small elliptic component across it;
 *   - heartbeat (ballistocardiogram) 50-80 beats/min, 0.1-0.3 mm; sensor noise 0.2-0.5 mm RMS;
 *   - the category's own content (copgen_category_t).
 * Nothing moves in the first COPGEN_LEAD_S seconds (lying down, settling, the coach learning
 * this person's breathing); episodes are at least COPGEN_SPACING_S apart.
 *
 * Memory: copgen_make allocates the sample arrays, copgen_free releases them. No global state;
 * safe to use from several threads on different traces.
 */
#ifndef COP_GEN_H
#define COP_GEN_H

#include <stddef.h>
#include <stdint.h>

#define COPGEN_LEAD_S      20.0 /* quiet breathing before the first episode, s */
#define COPGEN_SPACING_S   10.0 /* quiet time between two episodes, s */
#define COPGEN_MAX_EPS     8
#define COPGEN_MAX_GLITCH  8
#define COPGEN_MAX_GAPS    4
#define COPGEN_RELOCATE_MM 25.0 /* the issue: a move of 2.5 cm or more is a new spot */

typedef enum {
    COPGEN_BREATH = 0,  /* breathing 1-4 mm only */
    COPGEN_BREATH_DEEP, /* breathing 4-8 mm only */
    COPGEN_DRIFT,       /* breathing 1-8 mm + sinking 3-10 mm/min in one direction */
    COPGEN_GLITCH,      /* breathing + 3-5 outliers 40-50 mm off lasting <= 30 ms */
    COPGEN_GAP,         /* breathing + 1-2 gaps of 1 s with no samples (a cable pull) */
    COPGEN_WIGGLE,      /* breathing + 3 wiggles 2.5-10 mm, 0.3-3 Hz, 2-6 s (the target) */
    COPGEN_WIGGLE_EDGE, /* breathing + 3 wiggles just outside it: 2-2.5 mm or 1-2 s */
    COPGEN_ROCK,        /* breathing + 2 slow rockings 0.3-0.5 Hz, 3-5 mm, 5 s */
    COPGEN_SLIDE_FAST,  /* breathing + a slide of 28-35 mm in 0.8-1.2 s to a new spot */
    COPGEN_SLIDE_SLOW,  /* breathing + a slide of 28-35 mm over 15-20 s to a new spot */
    COPGEN_CATEGORIES
} copgen_category_t;

typedef enum {
    COPGEN_EP_RUB = 0, /* back and forth along one direction (sinusoid, jittered frequency) */
    COPGEN_EP_CIRCLE,  /* circling (ellipse 0.5-1 axis ratio) */
    COPGEN_EP_JIGGLE,  /* aperiodic: band-limited random motion */
    COPGEN_EP_ROCK,    /* slow rocking, 0.3-0.5 Hz */
    COPGEN_EP_SLIDE    /* one smooth move to a new position that stays */
} copgen_ep_kind_t;

typedef struct {
    copgen_ep_kind_t kind;
    double start_s, end_s; /* the movement is above zero from start to end (ramps included) */
    double size_mm;        /* peak-to-peak along the main axis (slide: displacement), mm */
    double freq_hz;        /* main frequency (jiggle: centre of its band; slide: 0) */
    double angle_deg;      /* main axis: 0 along the body (+y), 90 across (+x) */
    int in_target;  /* inside the recall target: >= 2.5 mm, 0.3-3 Hz, lasting >= 2 s */
    int relocation; /* ends COPGEN_RELOCATE_MM or more from where it started: a new spot */
} copgen_episode_t;

typedef struct {
    double t_s;     /* first sample of the outlier */
    int samples;    /* 1..: consecutive samples off (together <= 30 ms) */
    double size_mm; /* distance from where the contact really is, mm */
} copgen_glitch_t;

typedef struct {
    double start_s, end_s; /* no samples in [start, end) */
} copgen_gap_t;

typedef struct {
    copgen_category_t category;
    uint64_t seed;
    double rate_hz;    /* 20-100 */
    double duration_s; /* time of the last sample slot */
    /* Samples: n slots at t = i / rate_hz; present[i] = 0 inside a gap (x, y still hold where
     * the contact was, for plotting; a writer skips them). */
    size_t n;
    double *t_s, *x_mm, *y_mm;
    unsigned char *present;
    /* Breathing truth. */
    double breath_pp_mm;     /* typical depth, peak-to-peak along its direction, mm */
    double breath_angle_deg; /* 0 along the body, 90 across */
    double *breath_bpm;      /* instantaneous rate at each sample slot, breaths/min */
    double breath_bpm_mean;  /* time average over the whole trace, breaths/min */
    double breath_bpm_min, breath_bpm_max;
    /* Other truth. */
    double drift_mm_min; /* sinking speed (0 = none), mm/min */
    double drift_angle_deg;
    double noise_mm; /* sensor noise RMS, mm */
    copgen_episode_t ep[COPGEN_MAX_EPS];
    size_t n_ep;
    copgen_glitch_t glitch[COPGEN_MAX_GLITCH];
    size_t n_glitch;
    copgen_gap_t gap[COPGEN_MAX_GAPS];
    size_t n_gap;
} copgen_trace_t;

/* Make the trace of category c for seed. rate_hz 0 = the seed chooses (20-100 Hz; glitches
 * need >= 34 Hz so that one sample lasts 30 ms or less); duration_s 0 = the category's own
 * (about 80-95 s). Returns 0, or -1 (out of memory, bad category, rate outside 1-1000 Hz) with
 * *out empty. */
int copgen_make(copgen_category_t c, uint64_t seed, double rate_hz, double duration_s,
                copgen_trace_t *out);
void copgen_free(copgen_trace_t *tr); /* NULL-safe, idempotent */

/* "breath", "breath-deep", "drift", "glitch", "gap", "wiggle", "wiggle-edge", "rock",
 * "slide-fast", "slide-slow"; NULL out of range. copgen_category_parse: -1 when unknown. */
const char *copgen_category_name(copgen_category_t c);
int copgen_category_parse(const char *name);
const char *copgen_ep_kind_name(copgen_ep_kind_t k); /* "rub", "circle", ... */

/* Mean breathing rate over [t0, t1), breaths/min (the truth a windowed estimate compares with). */
double copgen_breath_bpm_between(const copgen_trace_t *tr, double t0, double t1);

/* The trace as a CoP table that `steadymat analyze --cop-csv` and `live --cop-trace` read:
 * header "Time[s],COPx[mm],COPy[mm]", one line per present sample (a gap is a jump in the time
 * column). Returns 0, -1 when the file cannot be written. */
int copgen_write_csv(const copgen_trace_t *tr, const char *path);

/* The truth as one JSON object (no library needed): category, seed, rate, breathing, episodes,
 * glitches, gaps. Returns 0, -1 when the file cannot be written. */
int copgen_write_truth_json(const copgen_trace_t *tr, const char *path);

#endif
