#define _XOPEN_SOURCE 700 /* posix_openpt */
/*
 * Soak benchmark (not a test, not in CI): the real live loop (sm_run, the view drawn by SDL,
 * the coach, a recording that goes into a history at the end) reading a simulated 100 Hz 32 x 24
 * mat over a pseudo-terminal for an hour, sampling every minute:
 *   - RSS (resident memory, /proc/self/statm) and its change since the first sample,
 *   - heap: the bytes malloc has handed out and not had back (glibc's mallinfo2), which tells
 *     a leak (heap climbs with RSS) from memory the allocator or a library keeps (RSS only),
 *   - CPU (user + system time of the whole process over the minute, % of one core),
 *   - bytes-to-pixels latency: from a frame's last byte written to the pty to the picture
 *     showing it presented (p50, p99, max of the frames presented in that minute),
 *   - frames sent and frames presented, and the recording's size.
 * A leak shows as RSS climbing minute after minute, a slowdown as CPU or latency climbing.
 *
 *   build/tests/soak_live [SECONDS [INTERVAL_S]]     default 3600 s, one sample a minute
 *   build/tests/soak_live 600 60                      ten minutes
 *
 * Build in Release for meaningful CPU and latency numbers (sanitizers inflate both, and
 * AddressSanitizer's quarantine makes RSS climb until it is full):
 *   cmake -S . -B build-soak -DCMAKE_BUILD_TYPE=Release && cmake --build build-soak -j2
 * SDL_VIDEODRIVER defaults to dummy (software rendering, no window); set it to x11 to watch.
 */
#include <fcntl.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sm_clock.h"
#include "sm_proto.h"
#include "sm_run.h"
#include "sm_sim.h"
#include "sm_source.h"
#include "testsupport.h"

#define RATE_HZ 100
#define RING    65536u /* written times by the mat's 16-bit seq */
#define LAT_MAX 16384  /* presented frames per interval, at most */

static uint64_t written_us[RING];
static int master_fd;
static volatile int stop_writer;
static double duration_s = 3600, interval_s = 60;
static const char *rec_path;
/* RSS and heap of every sample, for the summary at the end */
#define MAX_SAMPLES 4096
static double rss_at[MAX_SAMPLES], heap_at[MAX_SAMPLES], min_at[MAX_SAMPLES];
static int n_samples;

static pthread_mutex_t lat_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t lat[LAT_MAX], mine[LAT_MAX]; /* the hook's latencies, and the sampler's copy */
static size_t n_lat;
static unsigned long presented, sent;

typedef struct {
    uint8_t *buf;
    size_t n, cap;
} bytes_t;

static void collect(void *ctx, const uint8_t *b, uint16_t n)
{
    bytes_t *o = ctx;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            abort();
    }
    memcpy(o->buf + o->n, b, n);
    o->n += n;
}

/* The mat: the simulator's person on a ball, one frame every 10 ms on the clock. */
static void *writer(void *arg)
{
    (void)arg;
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg); /* 32 x 24 */
    cfg.scenario = "ball-wiggle";
    sm_sim_t *sim;
    if (sm_sim_create(&cfg, &sim) != SM_OK)
        abort();
    static uint16_t cells[SM_MAX_CELLS];
    bytes_t b = {0};
    sm_proto_writer_t w;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    uint64_t boot = sm_clock_now_us();
    for (uint64_t k = 0; !stop_writer; k++) {
        sm_sim_render(sim, k * (1000000u / RATE_HZ), cells);
        b.n = 0;
        sm_proto_writer_init(&w, collect, &b);
        sm_proto_write_frame_begin(&w, (uint16_t)k, (uint32_t)(sm_clock_now_us() - boot),
                                   (uint8_t)cfg.rows, (uint8_t)cfg.cols);
        for (int r = 0; r < cfg.rows; r++)
            sm_proto_write_frame_row(&w, cells + (size_t)r * cfg.cols);
        sm_proto_write_frame_end(&w, 0);
        written_us[k % RING] = sm_clock_now_us(); /* the reader may wake before write returns */
        size_t off = 0;
        while (off < b.n) {
            ssize_t r = write(master_fd, b.buf + off, b.n - off);
            if (r > 0)
                off += (size_t)r;
            else
                break; /* full: the reader stalled; the frame is lost, as on a real link */
        }
        __atomic_add_fetch(&sent, 1, __ATOMIC_RELAXED);
        next.tv_nsec += 1000000000L / RATE_HZ;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    free(b.buf);
    sm_sim_destroy(sim);
    return NULL;
}

static void on_present(void *ctx, uint32_t seq, uint64_t t)
{
    (void)ctx;
    uint64_t w = written_us[seq % RING];
    pthread_mutex_lock(&lat_mu);
    presented++;
    if (w && t >= w && t - w < 10000000u && n_lat < LAT_MAX)
        lat[n_lat++] = t - w;
    pthread_mutex_unlock(&lat_mu);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double rss_mib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* -1 where the C library cannot tell */
static double heap_mib(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd) / 1048576.0;
#else
    return -1;
#endif
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Every interval: one line of numbers. */
static void *sampler(void *arg)
{
    (void)arg;
    double t0 = sm_clock_now_us() / 1e6, c0 = cpu_s(), first_rss = -1;
    unsigned long sent0 = 0, pres0 = 0;
    printf("%7s %9s %9s %9s %7s %9s %9s %9s %8s %8s %9s\n", "min", "RSS MiB", "dRSS MiB",
           "heap MiB", "CPU %", "lat p50", "lat p99", "lat max", "sent", "shown", "rec MiB");
    for (int k = 1;; k++) {
        double due = t0 + k * interval_s;
        while (sm_clock_now_us() / 1e6 < due) {
            if (stop_writer)
                return NULL;
            usleep(100000);
        }
        double now = sm_clock_now_us() / 1e6, c = cpu_s(), rss = rss_mib(), heap = heap_mib();
        pthread_mutex_lock(&lat_mu);
        size_t n = n_lat;
        memcpy(mine, lat, n * sizeof lat[0]);
        n_lat = 0;
        unsigned long pres = presented;
        pthread_mutex_unlock(&lat_mu);
        unsigned long s = __atomic_load_n(&sent, __ATOMIC_RELAXED);
        qsort(mine, n, sizeof mine[0], cmp_u64);
        if (first_rss < 0)
            first_rss = rss;
        if (n_samples < MAX_SAMPLES) {
            rss_at[n_samples] = rss;
            heap_at[n_samples] = heap;
            min_at[n_samples++] = (now - t0) / 60.0;
        }
        struct stat sb;
        double rec = rec_path && stat(rec_path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;
        printf("%7.1f %9.1f %+9.2f %9.2f %7.1f %8.1fms %8.1fms %8.1fms %8lu %8lu %9.1f\n",
               (now - (t0)) / 60.0, rss, rss - first_rss, heap,
               100.0 * (c - c0) / (now - (due - interval_s)), n ? mine[n / 2] / 1e3 : -1.0,
               n ? mine[(n * 99) / 100] / 1e3 : -1.0, n ? mine[n - 1] / 1e3 : -1.0, s - sent0,
               pres - pres0, rec);
        fflush(stdout);
        c0 = c;
        sent0 = s;
        pres0 = pres;
    }
    return NULL;
}

/* Least-squares slope of y over x (per unit of x). */
static double slope(const double *x, const double *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double den = n * sxx - sx * sx;
    return den > 0 ? (n * sxy - sx * sy) / den : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        duration_s = atof(argv[1]);
    if (argc > 2)
        interval_s = atof(argv[2]);
    if (!(duration_s > 0) || !(interval_s > 0)) {
        fprintf(stderr, "usage: soak_live [SECONDS [INTERVAL_S]]   (default 3600 60)\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", getenv("SDL_VIDEODRIVER") ? getenv("SDL_VIDEODRIVER") : "dummy", 1);
    setenv("SDL_AUDIODRIVER", getenv("SDL_AUDIODRIVER") ? getenv("SDL_AUDIODRIVER") : "dummy", 1);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *dir = ts_tempdir();
    rec_path = ts_path(dir, "soak.smsession");
    printf("soak: live loop (view, coach, recording to %s) on a simulated %d Hz 32x24 mat for "
           "%.0f s, a sample every %.0f s\n",
           rec_path, RATE_HZ, duration_s, interval_s);
    master_fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_fd < 0 || grantpt(master_fd) || unlockpt(master_fd))
        return 1;
    fcntl(master_fd, F_SETFL, O_NONBLOCK);
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(master_fd));
    sm_wire_config_t wc;
    sm_wire_config_default(&wc);
    wc.path = slave;
    sm_source_t *src;
    char err[256];
    if (sm_wire_source_create(&wc, &src, err, sizeof err) != SM_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sm_run_config_t rc;
    sm_run_config_default(&rc);
    rc.duration_s = duration_s;
    rc.on_present = on_present;
    rc.record_path = rec_path;
    rc.history = 1; /* as a clinic's live session: recorded, then analysed into the history */
    rc.history_dir = ts_path(dir, "history");
    rc.mute = 1;
    /* The screen a person practises with: the first-run safety screen closed, whatever the
     * config of the user running the soak says (test_ui_text covers that screen left up). */
    rc.safety_first = 0;
    /* The benchmark's own tables resident from the start: the ring of write times alone is
     * 512 KiB that 100 frames/s would fault in over the first 11 minutes, an RSS climb of 47 KiB a
     * minute that is the soak's, not the program's. */
    memset(written_us, 0, sizeof written_us);
    memset(lat, 0, sizeof lat);
    memset(mine, 0, sizeof mine);
    pthread_t th, ts;
    pthread_create(&th, NULL, writer, NULL);
    pthread_create(&ts, NULL, sampler, NULL);
    int status = sm_run(&rc, src);
    stop_writer = 1;
    pthread_join(th, NULL);
    pthread_join(ts, NULL);
    sm_source_destroy(src);
    close(master_fd);
    unlink(rec_path);
    /* A leak is a slope, not a level: least squares over the second half of the samples, where
     * allocator and cache warm-up are over. */
    if (n_samples >= 4) {
        int a = n_samples / 2;
        printf("soak: RSS %.1f MiB at the first sample, %.1f at the last (%+.2f); slope over the "
               "second half %+.4f MiB/min (%+.2f MiB/hour)\n",
               rss_at[0], rss_at[n_samples - 1], rss_at[n_samples - 1] - rss_at[0],
               slope(min_at + a, rss_at + a, n_samples - a),
               60 * slope(min_at + a, rss_at + a, n_samples - a));
        printf("soak: heap %.2f MiB at the first sample, %.2f at the last (%+.2f); slope over the "
               "second half %+.4f MiB/min (%+.2f MiB/hour)\n",
               heap_at[0], heap_at[n_samples - 1], heap_at[n_samples - 1] - heap_at[0],
               slope(min_at + a, heap_at + a, n_samples - a),
               60 * slope(min_at + a, heap_at + a, n_samples - a));
    }
    printf("soak: sm_run exit status %d\n", status);
    return status;
}
