#define _XOPEN_SOURCE 700 /* posix_openpt */
/*
 * Benchmarks (not tests): print the numbers a release build achieves on this machine.
 *   1. frames/s through decode + pipeline on one core, 16x16, 32x32, 64x64
 *   2. latency from a frame's last byte written to a pty to its picture presented (p50, p99)
 *   3. CPU use of `steadymat live` reading a 100 Hz mat (windowed and headless)
 * Build in Release: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sm_clock.h"
#include "sm_metrics.h"
#include "sm_pipeline.h"
#include "sm_proto.h"
#include "sm_run.h"
#include "sm_sim.h"
#include "sm_source.h"
#include "sm_view.h"
#include "testsupport.h"

/* ---- 1. throughput ---------------------------------------------------------------------- */

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
    }
    memcpy(o->buf + o->n, b, n);
    o->n += n;
}

static void encode(sm_proto_writer_t *w, const uint16_t *cells, int rows, int cols, uint16_t seq,
                   uint32_t t_us)
{
    sm_proto_write_frame_begin(w, seq, t_us, (uint8_t)rows, (uint8_t)cols);
    for (int r = 0; r < rows; r++)
        sm_proto_write_frame_row(w, cells + (size_t)r * cols);
    sm_proto_write_frame_end(w, 0);
}

static void throughput(int rows, int cols, int with_coach)
{
    enum { N = 1000 };
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.rows = rows;
    cfg.cols = cols;
    sm_sim_t *sim;
    if (sm_sim_create(&cfg, &sim) != SM_OK)
        return;
    static uint16_t cells[SM_MAX_CELLS];
    bytes_t bytes = {0};
    sm_proto_writer_t w;
    sm_proto_writer_init(&w, collect, &bytes);
    uint64_t t0 = sm_clock_now_us();
    for (int k = 0; k < N; k++) {
        sm_sim_render(sim, (uint64_t)k * 10000u, cells);
        encode(&w, cells, rows, cols, (uint16_t)k, (uint32_t)k * 10000u);
    }
    double sim_us = (double)(sm_clock_now_us() - t0) / N;
    static sm_proto_parser_t p;
    static sm_proto_msg_t m;
    static sm_frame_t f;
    sm_metrics_t met;
    static sm_trail_t trail;
    sm_summary_t sum;
    unsigned long frames = 0;
    sm_pipeline_t *pipe = NULL;
    sm_pipeline_config_t pc = {rows, cols, 25.0, SM_PROTO_BALL_RELEASE, 0, 0, 0, 0, 0};
    if (with_coach && sm_pipeline_create(&pc, &pipe) != SM_OK)
        return;
    uint64_t start = sm_clock_now_us(), now, base = 0;
    do {
        base += (uint64_t)N * 10000u; /* each pass continues the session's time */
        sm_proto_parser_init(&p);
        sm_summary_init(&sum);
        sm_trail_init(&trail);
        for (size_t off = 0; off < bytes.n;) {
            size_t chunk = bytes.n - off < 4096 ? bytes.n - off : 4096;
            size_t end = off + chunk;
            while (off < end) {
                int got = 0;
                off += sm_proto_parser_feed(&p, bytes.buf + off, end - off, &m, &got);
                if (!got || m.type != SM_MSG_FRAME)
                    continue;
                f.rows = m.u.frame.rows;
                f.cols = m.u.frame.cols;
                f.seq = m.u.frame.seq;
                f.t_us = base + m.u.frame.t_us;
                memcpy(f.cells, m.u.frame.samples, (size_t)f.rows * f.cols * 2);
                sm_metrics_compute(&f, 25.0, 20, &met);
                sm_trail_push(&trail, f.t_us / 1e6, met.cop_row, met.cop_col);
                sm_summary_add(&sum, f.t_us / 1e6, &met);
                if (pipe)
                    sm_pipeline_frame(pipe, &f, NULL); /* contact detection + coach */
                frames++;
            }
        }
        now = sm_clock_now_us();
    } while (now - start < 1000000);
    double fps = frames / ((now - start) / 1e6);
    printf("decode+pipeline%s %2dx%-2d  %9.0f frames/s  (%.2f us/frame, %zu bytes/frame on the "
           "wire; simulator render %.1f us/frame)\n",
           pipe ? "+coach" : "      ", rows, cols, fps, 1e6 / fps, bytes.n / N, sim_us);
    sm_pipeline_destroy(pipe);
    free(bytes.buf);
    sm_sim_destroy(sim);
}

static void view_cost(int rows, int cols)
{
    char err[256];
    sm_view_config_t vc;
    memset(&vc, 0, sizeof vc);
    vc.width = 1280;
    vc.height = 800;
    vc.headless = 1;
    sm_view_t *v = sm_view_create(&vc, err, sizeof err);
    if (!v) {
        printf("view: %s\n", err);
        return;
    }
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.rows = rows;
    cfg.cols = cols;
    sm_sim_t *sim;
    sm_sim_create(&cfg, &sim);
    static sm_frame_t f;
    f.rows = (uint16_t)rows;
    f.cols = (uint16_t)cols;
    sm_metrics_t met;
    sm_view_model_t vm;
    memset(&vm, 0, sizeof vm);
    vm.frame = &f;
    vm.metrics = &met;
    vm.pitch_mm = 25;
    vm.scale_max = 1023;
    vm.units = "raw counts (uncalibrated)";
    vm.source_label = "bench";
    int n = 0;
    uint64_t start = sm_clock_now_us(), now;
    do {
        sm_sim_render(sim, (uint64_t)n * 20000u, f.cells);
        sm_metrics_compute(&f, 25, 20, &met);
        sm_view_render(v, &vm);
        n++;
        now = sm_clock_now_us();
    } while (now - start < 1000000);
    printf("view render %2dx%-2d at 1280x800 (software, off-screen): %.2f ms/picture\n", rows, cols,
           (now - start) / 1e3 / n);
    sm_sim_destroy(sim);
    sm_view_destroy(v);
}

/* ---- 2. latency ------------------------------------------------------------------------- */

#define LAT_N 900 /* 9 s at 100 Hz */
static uint64_t written_us[LAT_N], presented_us[LAT_N];
static int master_fd;
static volatile int writer_go;

static void *writer(void *arg)
{
    (void)arg;
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    sm_sim_t *sim;
    sm_sim_create(&cfg, &sim);
    static uint16_t cells[SM_MAX_CELLS];
    bytes_t b = {0};
    sm_proto_writer_t w;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int k = 0; k < LAT_N; k++) {
        sm_sim_render(sim, (uint64_t)k * 10000u, cells);
        b.n = 0;
        sm_proto_writer_init(&w, collect, &b);
        encode(&w, cells, cfg.rows, cfg.cols, (uint16_t)k, (uint32_t)sm_clock_now_us());
        written_us[k] =
            sm_clock_now_us(); /* just before: the reader may wake before write returns */
        size_t off = 0;
        while (off < b.n) {
            ssize_t r = write(master_fd, b.buf + off, b.n - off);
            if (r > 0)
                off += (size_t)r;
            else
                break;
        }
        next.tv_nsec += 10000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
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
    if (seq < LAT_N && !presented_us[seq])
        presented_us[seq] = t;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void latency(double fps_cap)
{
    memset(written_us, 0, sizeof written_us);
    memset(presented_us, 0, sizeof presented_us);
    master_fd = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(master_fd);
    unlockpt(master_fd);
    fcntl(master_fd, F_SETFL, O_NONBLOCK); /* never block the writer on a reader that stopped */
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(master_fd));
    sm_wire_config_t wc;
    sm_wire_config_default(&wc);
    wc.path = slave;
    sm_source_t *src;
    char err[256];
    sm_wire_source_create(&wc, &src, err, sizeof err);
    sm_run_config_t rc;
    sm_run_config_default(&rc);
    rc.duration_s = 9.5;
    rc.fps_cap = fps_cap;
    rc.on_present = on_present;
    /* The source opens the port on its first call; give the writer a head start of nothing. */
    pthread_t th;
    pthread_create(&th, NULL, writer, NULL);
    int status = sm_run(&rc, src);
    pthread_join(th, NULL);
    sm_source_destroy(src);
    close(master_fd);
    static uint64_t lat[LAT_N];
    int n = 0;
    for (int k = 0; k < LAT_N; k++)
        if (presented_us[k] && written_us[k] && presented_us[k] >= written_us[k])
            lat[n++] = presented_us[k] - written_us[k];
    qsort(lat, (size_t)n, sizeof lat[0], cmp_u64);
    if (n == 0 || status != 0) {
        printf("latency: no frames presented (status %d)\n", status);
        return;
    }
    printf("latency bytes->pixels (100 Hz mat, render cap %3.0f fps): p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms over %d presented frames\n",
           fps_cap, lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3, lat[n - 1] / 1e3, n);
}

/* ---- 3. CPU of the real program ------------------------------------------------------------ */

/* The program's config, history and templates go under dir (never the user's own); read: the
 * safety screen was read before (the marker `live` leaves), so it does not come up. */
static void own_folders(const char *dir, int read)
{
    setenv("XDG_CONFIG_HOME", ts_path(dir, "config"), 1);
    setenv("XDG_DATA_HOME", ts_path(dir, "data"), 1);
    setenv("XDG_STATE_HOME", ts_path(dir, "state"), 1);
    if (!read)
        return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/config/steadymat' && touch '%s/config/steadymat/safety-seen'", dir, dir);
    if (system(cmd) != 0)
        printf("cannot prepare %s\n", dir);
}

static double json_num(json_object *j, const char *key)
{
    json_object *v;
    return j && json_object_object_get_ex(j, key, &v) ? json_object_get_double(v) : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* `live` reading a simulated 100 Hz mat over a pty for 20 s, `runs` times: its own CPU use
 * (median and range) and how its pictures were drawn. first_run: the safety screen is up the
 * whole time (a first start); else it was read before (every day). The program keeps its config
 * and history in a folder of its own here, never the user's. */
static void cpu_live(int headless, const char *fps, int first_run, int runs)
{
    double cpu[8];
    json_object *last = NULL;
    int ok = 0;
    for (int k = 0; k < runs && k < 8; k++) {
        const char *dir = ts_tempdir();
        own_folders(dir, !first_run);
        const char *link = ts_path(dir, "mat");
        const char *sargv[] = {"steadymat", "sim", "--pty", link, "--rate", "100", NULL};
        pid_t sim = ts_spawn_steadymat(sargv, NULL);
        if (ts_wait_path(link, 10) != 0) {
            printf("cpu: simulator did not start\n");
            return;
        }
        const char *largv[] = {
            "steadymat", "live",   "--port", link, "--duration",
            "20",        "--json", "--fps",  fps,  headless ? "--headless" : NULL,
            NULL};
        char *out = NULL;
        int rc = ts_run_steadymat(largv, 90, &out, NULL);
        ts_kill(sim, SIGTERM);
        json_object *j = out ? json_tokener_parse(out) : NULL;
        free(out);
        json_object *v;
        if (rc != 0 || !j || !json_object_object_get_ex(j, "cpu_percent", &v)) {
            printf("cpu: live failed (rc %d)\n", rc);
            json_object_put(j);
            continue;
        }
        cpu[ok++] = json_object_get_double(v);
        json_object_put(last);
        last = j;
    }
    if (!ok)
        return;
    qsort(cpu, (size_t)ok, sizeof cpu[0], cmp_double);
    printf(
        "steadymat live, 100 Hz mat, %s, --fps %s%s: %.1f %% of one core (median of %d; %.1f-%.1f)"
        ", %.1f frames/s\n",
        headless ? "headless" : "1280x800 window (SDL driver from the environment)", fps,
        headless    ? ""
        : first_run ? ", safety screen up (first start)"
                    : ", safety screen read",
        cpu[ok / 2], ok, cpu[0], cpu[ok - 1], json_num(last, "frames_per_s"));
    if (!headless) {
        double pics = json_num(last, "pictures"), wall = json_num(last, "wall_s");
        printf("    pictures: %.1f a second, %.2f ms of CPU each; %.0f %% drawn only where they "
               "changed (%.0f %% of the window on average), %.0f %% unchanged (nothing drawn)\n",
               wall > 0 ? pics / wall : 0, json_num(last, "picture_cpu_ms"),
               pics > 0 ? 100.0 * json_num(last, "pictures_in_parts") / pics : 0,
               json_num(last, "picture_drawn_percent"),
               pics > 0 ? 100.0 * json_num(last, "pictures_unchanged") / pics : 0);
    }
    json_object_put(last);
}

/* Without arguments every part runs; otherwise only the parts named (throughput, view,
 * latency, cpu), e.g. `bench_pipeline latency cpu` for the live window's numbers alone. */
static int wanted(int argc, char **argv, const char *part)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], part))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("SteadyMat benchmarks\n");
    own_folders(ts_tempdir(), 1);
    if (wanted(argc, argv, "throughput"))
        for (int coach = 0; coach < 2; coach++) {
            throughput(16, 16, coach);
            throughput(32, 32, coach);
            throughput(64, 64, coach);
        }
    if (wanted(argc, argv, "view")) {
        view_cost(32, 24);
        view_cost(64, 64);
    }
    if (wanted(argc, argv, "latency")) {
        latency(60);
        latency(1000);
    }
    if (wanted(argc, argv, "cpu")) {
        cpu_live(0, "60", 0, 3);
        cpu_live(0, "30", 0, 3);
        cpu_live(0, "60", 1, 1);
        cpu_live(1, "60", 0, 3);
    }
    return 0;
}
