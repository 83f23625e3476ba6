/*
 * Benchmark (not a test): session files of format 1.0 (raw frames) against 2.0 (compressed
 * chunks). For simulated sessions (32 x 24, all sensor effects) and the real PmatData frames
 * (tests/data/pmatdata, imported as `steadymat import` does) it prints bytes per frame, MB per
 * hour at 100 Hz, and the CPU time per frame of writing and of reading back, and checks that
 * every frame reads back identical. Build in Release for meaningful times:
 *   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench
 *   build-bench/tests/bench_session
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sm_session.h"
#include "sm_sim.h"
#include "testsupport.h"

typedef struct {
    char name[64];
    sm_session_header_t h;
    sm_frame_t *f;
    size_t n;
    double rate_hz;
} set_t;

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void sim_set(set_t *s, const char *scenario, double rate_hz, double seconds)
{
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg); /* 32 x 24 at 25 mm, 10-bit, all effects */
    cfg.scenario = scenario;
    sm_sim_t *sim;
    if (sm_sim_create(&cfg, &sim) != SM_OK)
        abort();
    snprintf(s->name, sizeof s->name, "sim %s %dx%d %.0f Hz", scenario, cfg.rows, cfg.cols,
             rate_hz);
    s->n = (size_t)(seconds * rate_hz);
    s->f = malloc(s->n * sizeof *s->f);
    s->rate_hz = rate_hz;
    memset(&s->h, 0, sizeof s->h);
    s->h.mat.rows = (uint16_t)cfg.rows;
    s->h.mat.cols = (uint16_t)cfg.cols;
    s->h.mat.pitch_mm = cfg.pitch_mm;
    s->h.mat.sample_max = 1023;
    s->h.mat.rate_hz = rate_hz;
    for (size_t k = 0; k < s->n; k++) {
        sm_frame_t *f = &s->f[k];
        f->t_us = (uint64_t)(k * 1e6 / rate_hz + 0.5);
        f->seq = (uint32_t)k;
        f->dev_t_us = (uint32_t)f->t_us;
        f->flags = 0;
        f->rows = (uint16_t)cfg.rows;
        f->cols = (uint16_t)cfg.cols;
        sm_sim_render(sim, f->t_us, f->cells);
    }
    sm_sim_destroy(sim);
}

/* The PmatData files as `steadymat import --rows 64 --cols 32 --rate 1` makes them. */
static void pmat_set(set_t *s, const char *dir)
{
    static sm_session_record_t rec;
    snprintf(s->name, sizeof s->name, "PmatData 1-3.txt 64x32 1 Hz");
    s->f = malloc(300 * sizeof *s->f);
    s->n = 0;
    s->rate_hz = 1.0;
    uint64_t t0 = 0;
    for (int i = 1; i <= 3; i++) {
        char in[64], err[256];
        snprintf(in, sizeof in, "pmatdata/%d.txt", i);
        const char *out = ts_path(dir, "pmat-import.smsession");
        sm_import_stats_t st;
        sm_session_reader_t *r;
        if (sm_session_import_text(ts_data(in), out, 64, 32, 1.0, 28.0, &st, err, sizeof err) !=
                SM_OK ||
            sm_session_reader_open(out, &r, err, sizeof err) != SM_OK) {
            fprintf(stderr, "%s\n", err);
            exit(1);
        }
        s->h = *sm_session_reader_header(r);
        uint64_t last = 0;
        while (sm_session_reader_next(r, &rec) == SM_OK && s->n < 300) {
            s->f[s->n] = rec.frame; /* the three files one after the other */
            s->f[s->n].t_us += t0;
            s->f[s->n].seq = (uint32_t)s->n;
            last = s->f[s->n].t_us;
            s->n++;
        }
        t0 = last + 1000000;
        sm_session_reader_close(r);
    }
}

/* span_us: the writer's chunk span, 0 for the default (recording: 250 ms). */
static void run(const set_t *s, unsigned major, uint64_t span_us, const char *dir)
{
    static sm_session_record_t rec;
    char err[256];
    const char *path = ts_path(dir, "bench.smsession");
    sm_session_writer_t *w;
    uint8_t hb[SM_SESSFMT_HDR_WRITE_MAX];
    size_t hdr = sm_sessfmt_encode_header(&s->h, major, hb, sizeof hb);
    double a = cpu_us();
    if (sm_session_writer_open_version(path, &s->h, major, &w, err, sizeof err) != SM_OK)
        abort();
    sm_session_writer_set_chunk_span(w, span_us);
    for (size_t k = 0; k < s->n; k++)
        if (sm_session_writer_frame(w, &s->f[k], err, sizeof err) != SM_OK)
            abort();
    if (sm_session_writer_close(w, err, sizeof err) != SM_OK)
        abort();
    double b = cpu_us();
    struct stat sb;
    if (stat(path, &sb) != 0)
        abort();
    sm_session_reader_t *r;
    double c = cpu_us();
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        abort();
    size_t k = 0, bad = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        const sm_frame_t *f = &s->f[k < s->n ? k : 0];
        size_t cells = (size_t)f->rows * f->cols;
        bad += rec.frame.t_us != f->t_us || rec.frame.seq != f->seq ||
               rec.frame.dev_t_us != f->dev_t_us || rec.frame.flags != f->flags ||
               memcmp(rec.frame.cells, f->cells, cells * 2) != 0;
        k++;
    }
    sm_session_reader_close(r);
    double d = cpu_us();
    double bpf = (double)((size_t)sb.st_size - hdr) / (double)s->n;
    static double v1_bpf;
    if (major == 1)
        v1_bpf = bpf;
    printf("%-34s v%u%-9s %8.1f B/frame %6.1f %%  %7.1f MB/h@100Hz  write %6.2f us/frame  read "
           "%6.2f us/frame  %s\n",
           s->name, major, span_us ? " (import)" : "", bpf, 100.0 * bpf / v1_bpf,
           bpf * 100 * 3600 / 1e6, (b - a) / (double)s->n, (d - c) / (double)s->n,
           k == s->n && bad == 0 ? "lossless" : "MISMATCH");
    if (k != s->n || bad)
        exit(1);
}

/* Reading a damaged file is linear in its size (issue 14): 64 MiB of nothing but sync markers,
 * and 64 MiB of markers 9 bytes apart that each claim a 64 KiB record, between two halves of a
 * recording; MiB/s of opening (indexing) it. */
static void flood(const char *dir, int claims)
{
    char err[256];
    const char *path = ts_path(dir, "flood.smsession");
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = 4;
    h.mat.cols = 4;
    sm_session_writer_t *w;
    if (sm_session_writer_open(path, &h, &w, err, sizeof err) != SM_OK)
        abort();
    static sm_frame_t f;
    f.rows = f.cols = 4;
    for (unsigned k = 0; k < 10; k++) {
        f.t_us = k * 10000u;
        f.seq = k;
        if (sm_session_writer_frame(w, &f, err, sizeof err) != SM_OK)
            abort();
    }
    sm_session_writer_close(w, err, sizeof err);
    FILE *fp = fopen(path, "ab");
    if (!fp)
        abort();
    static const uint8_t sync[4] = {0xD7, 0x53, 0x4D, 0xB1};
    static const uint8_t claim[9] = {0xD7, 0x53, 0x4D, 0xB1, 0x01, 0x00, 0x00, 0x01, 0x00};
    static uint8_t block[1u << 20];
    size_t unit = claims ? sizeof claim : sizeof sync, used = (sizeof block / unit) * unit;
    for (size_t i = 0; i < used; i += unit)
        memcpy(block + i, claims ? claim : sync, unit);
    for (int m = 0; m < 64; m++)
        fwrite(block, 1, used, fp);
    fclose(fp);
    struct stat sb;
    if (stat(path, &sb) != 0)
        abort();
    double a = cpu_us();
    sm_session_reader_t *r;
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        abort();
    double b = cpu_us();
    unsigned long frames = sm_session_reader_stats(r)->frames;
    sm_session_reader_close(r);
    printf("%-58s %6.1f MiB in %6.3f s CPU: %7.1f MiB/s (%lu frames found)\n",
           claims ? "sync markers each claiming a 64 KiB record, 9 B apart"
                  : "nothing but sync markers",
           (double)sb.st_size / 1048576.0, (b - a) / 1e6,
           (double)sb.st_size / 1048576.0 / ((b - a) / 1e6), frames);
}

int main(void)
{
    const char *dir = ts_tempdir();
    set_t sets[6];
    sim_set(&sets[0], "ball-steady", 50, 90);
    sim_set(&sets[1], "ball-steady", 100, 60);
    sim_set(&sets[2], "ball-wiggle", 100, 60);
    sim_set(&sets[3], "hook-two-phase", 50, 92);
    sim_set(&sets[4], "weight-hold", 100, 60);
    pmat_set(&sets[5], dir);
    printf("session format 1.0 (raw) vs 2.0 (chunks of < 250 ms, prediction + zstd level 1); CPU "
           "time per frame, written to %s\n",
           dir);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        run(&sets[i], 1, 0, dir);
        run(&sets[i], 2, 0, dir);
        if (sets[i].rate_hz < 4) /* what `steadymat import` writes: chunks of up to 60 s */
            run(&sets[i], 2, 60000000u, dir);
        free(sets[i].f);
    }
    flood(dir, 0);
    flood(dir, 1);
    return 0;
}
