/* Session format 2.0: the header fields, lossless compressed chunks (random, simulated, real
 * PmatData and extreme frames), crash safety of chunked recording, torn tails and damaged
 * chunks, seeking into chunks, and a format 1.0 file made by SteadyMat 0.1 that must still
 * read frame for frame as it was recorded. */
#include "testsupport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_session.h"
#include "sm_sim.h"

static char err[512];

static const char *tmp(void)
{
    static const char *dir;
    if (!dir)
        dir = ts_tempdir();
    assert_non_null(dir);
    return dir;
}

static sm_session_header_t make_header(uint16_t rows, uint16_t cols)
{
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = rows;
    h.mat.cols = cols;
    h.mat.pitch_mm = 25.0;
    h.mat.sample_max = 1023;
    h.mat.rate_hz = 100.0;
    snprintf(h.source, sizeof h.source, "sim:test");
    h.start_unix_ms = 1700000000123;
    return h;
}

/* n simulated frames (all sensor effects) at rate_hz, frame k at t = k / rate. */
static sm_frame_t *sim_frames(const char *scenario, int rows, int cols, double rate_hz, size_t n,
                              uint32_t seed)
{
    sm_sim_config_t cfg;
    sm_sim_config_default(&cfg);
    cfg.scenario = scenario;
    cfg.rows = rows;
    cfg.cols = cols;
    cfg.seed = seed;
    sm_sim_t *sim;
    assert_int_equal(sm_sim_create(&cfg, &sim), SM_OK);
    sm_frame_t *f = malloc(n * sizeof *f);
    assert_non_null(f);
    for (size_t k = 0; k < n; k++) {
        f[k].t_us = (uint64_t)((double)k * 1e6 / rate_hz + 0.5);
        f[k].seq = (uint32_t)k;
        f[k].dev_t_us = (uint32_t)f[k].t_us;
        f[k].flags = 0;
        f[k].rows = (uint16_t)rows;
        f[k].cols = (uint16_t)cols;
        sm_sim_render(sim, f[k].t_us, f[k].cells);
    }
    sm_sim_destroy(sim);
    return f;
}

static void expect_same_frame(const sm_frame_t *got, const sm_frame_t *want, size_t k)
{
    size_t cells = (size_t)want->rows * want->cols;
    if (got->t_us != want->t_us || got->seq != want->seq || got->dev_t_us != want->dev_t_us ||
        got->flags != want->flags || got->rows != want->rows || got->cols != want->cols ||
        memcmp(got->cells, want->cells, cells * sizeof(uint16_t)) != 0)
        fail_msg("frame %zu differs: t %llu/%llu seq %u/%u dev %u/%u flags %u/%u", k,
                 (unsigned long long)got->t_us, (unsigned long long)want->t_us, got->seq, want->seq,
                 got->dev_t_us, want->dev_t_us, got->flags, want->flags);
}

static void write_frames(const char *path, const sm_session_header_t *h, const sm_frame_t *f,
                         size_t n)
{
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(path, h, &w, err, sizeof err), SM_OK);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(sm_session_writer_frame(w, &f[k], err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_frames(w), n);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
}

/* Every frame of the file, in order, equals want[first + i]; returns how many there were. */
static size_t read_expect(sm_session_reader_t *r, const sm_frame_t *want, size_t nwant,
                          size_t first)
{
    static sm_session_record_t rec;
    size_t k = first;
    sm_status st;
    while ((st = sm_session_reader_next(r, &rec)) == SM_OK) {
        if (rec.kind != SM_REC_FRAME)
            continue;
        assert_true(k < nwant);
        expect_same_frame(&rec.frame, &want[k], k);
        k++;
    }
    assert_int_equal(st, SM_EOF);
    return k - first;
}

static size_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (size_t)sb.st_size;
}

/* ---- a format 1.0 file made by SteadyMat 0.1 (tests/data/README.md) ---- */
static void test_v1_file_reads_as_recorded(void **state)
{
    (void)state;
    sm_session_reader_t *r;
    assert_int_equal(
        sm_session_reader_open(ts_data("sessions/v1-ball-steady.smsession"), &r, err, sizeof err),
        SM_OK);
    const sm_session_header_t *h = sm_session_reader_header(r);
    /* What the 0.1 recorder wrote for `live --sim ball-steady`. */
    assert_int_equal(h->version, 1);
    assert_int_equal(h->mat.rows, 32);
    assert_int_equal(h->mat.cols, 24);
    assert_int_equal(h->mat.sample_max, 1023);
    assert_true(h->mat.pitch_mm == 25.0 && h->mat.rate_hz == 50.0);
    assert_string_equal(h->source, "simulator: ball-steady");
    assert_string_equal(h->mat.uid, "5100000000000001");
    assert_string_equal(h->mat.name, "SteadyMat sim");
    assert_string_equal(h->mat.firmware, "sim");
    assert_true(h->start_unix_ms > 0);
    /* The 2.0 fields are empty in a 1.0 file. */
    assert_string_equal(h->protocol, "");
    assert_string_equal(h->patient, "");
    assert_string_equal(h->notes, "");
    assert_string_equal(h->app_version, "");
    assert_string_equal(h->calib_id, "");
    assert_true(h->release_s == 0 && h->tool == SM_SESSTOOL_UNKNOWN && h->ball_diameter_mm == 0);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->frames, 1000);
    assert_true(st->corrupt == 0 && st->unknown == 0 && st->gaps == 0 && st->torn_tail == 0);

    /* Every frame is the simulator's frame at that time: the recording is read back exactly
     * as the simulator made it (seed 1, all effects, 10-bit, 50 Hz). */
    sm_frame_t *want = sim_frames("ball-steady", 32, 24, 50.0, 1000, 1);
    assert_int_equal(read_expect(r, want, 1000, 0), 1000);
    uint64_t a, b;
    unsigned long n;
    sm_session_reader_span(r, &a, &b, &n);
    assert_true(a == 0 && b == 19980000u && n == 1000);
    /* Seeking works as before. */
    static sm_session_record_t rec;
    assert_int_equal(sm_session_reader_seek(r, 10000001), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
    expect_same_frame(&rec.frame, &want[501], 501);
    sm_session_reader_close(r);

    /* And written again as 2.0, every frame survives. */
    const char *p = ts_path(tmp(), "v1-again.smsession");
    sm_session_header_t h2 = make_header(32, 24);
    write_frames(p, &h2, want, 1000);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_header(r)->version, 2);
    assert_int_equal(read_expect(r, want, 1000, 0), 1000);
    sm_session_reader_close(r);
    free(want);
}

/* ---- lossless round trips ---- */
static void round_trip(const char *name, const sm_frame_t *f, size_t n)
{
    const char *p = ts_path(tmp(), name);
    sm_session_header_t h = make_header(f[0].rows, f[0].cols);
    write_frames(p, &h, f, n);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->frames, n);
    assert_true(st->corrupt == 0 && st->torn_tail == 0 && st->unknown == 0);
    assert_int_equal(read_expect(r, f, n, 0), n);
    sm_session_reader_close(r);
}

static void test_lossless_random_and_extreme(void **state)
{
    (void)state;
    uint64_t seed = 42;
    static const uint16_t sizes[][2] = {{1, 1}, {1, 64}, {64, 1}, {7, 5}, {32, 24}, {64, 64}};
    size_t n = 300;
    sm_frame_t *f = malloc(n * sizeof *f);
    assert_non_null(f);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint16_t rows = sizes[s][0], cols = sizes[s][1];
        size_t cells = (size_t)rows * cols;
        uint64_t t = 5;
        for (size_t k = 0; k < n; k++) {
            f[k].rows = rows;
            f[k].cols = cols;
            /* Irregular times (repeats included), seq jumps, a device clock that wraps,
             * any flags. */
            t += ts_rand(&seed) % 3 == 0 ? 0 : ts_rand(&seed) % 40000;
            if (k == 150) /* a clock set back: a new chunk */
                t = t > 100000 ? t - 100000 : 0;
            f[k].t_us = t;
            f[k].seq = (uint32_t)(k * 3 + ts_rand(&seed) % 2);
            f[k].dev_t_us = (uint32_t)(0xFFFF0000u + k * 7777u);
            f[k].flags = (uint16_t)ts_rand(&seed);
            unsigned kind = (unsigned)(k / 50) % 6;
            for (size_t i = 0; i < cells; i++) {
                uint16_t v;
                switch (kind) {
                case 0:
                    v = (uint16_t)ts_rand(&seed);
                    break; /* white noise */
                case 1:
                    v = (i + k) % 2 ? 65535 : 0;
                    break; /* checkerboard */
                case 2:
                    v = 65535;
                    break; /* full scale */
                case 3:
                    v = 0;
                    break; /* empty */
                case 4:
                    v = (uint16_t)(ts_rand(&seed) % 2 ? 65535 : 0);
                    break; /* salt */
                default:
                    v = (uint16_t)(1000 + ts_rand(&seed) % 5);
                    break; /* noise */
                }
                f[k].cells[i] = v;
            }
        }
        char name[64];
        snprintf(name, sizeof name, "random-%ux%u.smsession", rows, cols);
        round_trip(name, f, n);
    }
    free(f);
}

static void test_lossless_sim(void **state)
{
    (void)state;
    /* Every scenario with a person or a load, all sensor effects, the reference mat. */
    const char *scen[] = {"ball-wiggle", "hook-two-phase", "back-of-hip", "weights-ghost", "empty"};
    for (size_t i = 0; i < sizeof scen / sizeof scen[0]; i++) {
        sm_frame_t *f = sim_frames(scen[i], 32, 24, 100.0, 800, 3 + (uint32_t)i);
        round_trip("sim.smsession", f, 800);
        free(f);
    }
    /* A 64 x 64 mat: the size limit of a chunk, not the 250 ms, closes chunks. */
    sm_frame_t *f = sim_frames("ball-relocate", 64, 64, 100.0, 120, 9);
    round_trip("sim64.smsession", f, 120);
    free(f);
}

/* The real PmatData frames recorded as a live 1 Hz mat would be (one frame per chunk), read
 * back value for value from the text. Import (long chunks) is checked in test_io_session. */
static void test_lossless_pmatdata(void **state)
{
    (void)state;
    const char *in = ts_data("pmatdata/3.txt");
    size_t len;
    char *text = ts_read_file(in, &len);
    assert_non_null(text);
    sm_frame_t *f = malloc(90 * sizeof *f);
    assert_non_null(f);
    const char *p = text;
    for (uint32_t k = 0; k < 90; k++) {
        f[k].rows = 64;
        f[k].cols = 32;
        f[k].t_us = (uint64_t)k * 1000000u;
        f[k].seq = k;
        f[k].dev_t_us = 0;
        f[k].flags = 0;
        for (size_t i = 0; i < 2048; i++) {
            char *end;
            f[k].cells[i] = (uint16_t)strtoul(p, &end, 10);
            assert_true(end != p);
            p = end;
        }
    }
    round_trip("pmat-live.smsession", f, 90);
    free(f);
    free(text);
}

/* What a user sees on the disk: a simulated session (all effects) in at most a quarter of the
 * bytes of format 1.0 (1569 per 32 x 24 frame). */
static void test_size_quarter_of_v1(void **state)
{
    (void)state;
    const size_t n = 3000; /* 60 s at 50 Hz */
    sm_frame_t *f = sim_frames("ball-relocate", 32, 24, 50.0, n, 77);
    const char *p = ts_path(tmp(), "size.smsession");
    sm_session_header_t h = make_header(32, 24);
    write_frames(p, &h, f, n);
    uint8_t hb[SM_SESSFMT_HDR_WRITE_MAX];
    size_t hdr = sm_sessfmt_encode_header(&h, 2, hb, sizeof hb);
    double per_frame = (double)(file_size(p) - hdr) / (double)n;
    print_message("ball-relocate 32x24 at 50 Hz: %.1f bytes per frame (1.0: 1569)\n", per_frame);
    assert_true(per_frame <= 0.25 * 1569);
    free(f);
}

/* Frames of another size are refused as before; the session goes on. */
static void test_size_change_rejected(void **state)
{
    (void)state;
    const char *p = ts_path(tmp(), "size-change.smsession");
    sm_frame_t *f = sim_frames("ball-steady", 32, 24, 100.0, 60, 1);
    sm_frame_t *g = sim_frames("ball-steady", 24, 32, 100.0, 1, 1);
    sm_session_header_t h = make_header(32, 24);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(p, &h, &w, err, sizeof err), SM_OK);
    for (size_t k = 0; k < 60; k++) {
        if (k == 30) {
            g->t_us = f[k].t_us;
            assert_int_equal(sm_session_writer_frame(w, g, err, sizeof err), SM_ERR_MISMATCH);
            assert_non_null(strstr(err, "does not belong"));
        }
        assert_int_equal(sm_session_writer_frame(w, &f[k], err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_frames(w), 60);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_int_equal(read_expect(r, f, 60, 0), 60);
    sm_session_reader_close(r);
    free(f);
    free(g);
}

/* Gaps sit between the frames where they were written, chunks or not. */
static void test_gaps_between_chunks(void **state)
{
    (void)state;
    const char *p = ts_path(tmp(), "gaps.smsession");
    sm_frame_t *f = sim_frames("ball-steady", 16, 16, 100.0, 100, 2);
    sm_session_header_t h = make_header(16, 16);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(p, &h, &w, err, sizeof err), SM_OK);
    for (size_t k = 0; k < 100; k++) {
        if (k == 13 || k == 14 || k == 77)
            assert_int_equal(sm_session_writer_gap(w, f[k].t_us - 5, f[k].t_us - 1, "unplugged",
                                                   err, sizeof err),
                             SM_OK);
        assert_int_equal(sm_session_writer_frame(w, &f[k], err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    size_t k = 0, gaps = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (rec.kind == SM_REC_GAP) {
            assert_true(k == 13 || k == 14 || k == 77);
            assert_true(rec.gap_end_us == f[k].t_us - 1);
            assert_string_equal(rec.gap_reason, "unplugged");
            gaps++;
            continue;
        }
        expect_same_frame(&rec.frame, &f[k], k);
        k++;
    }
    assert_int_equal(k, 100);
    assert_int_equal(gaps, 3);
    sm_session_reader_close(r);
    free(f);
}

/* ---- the header of 2.0 ---- */
static void test_header_fields(void **state)
{
    (void)state;
    sm_session_header_t h = make_header(8, 8);
    snprintf(h.protocol, sizeof h.protocol, "hip-hook");
    h.release_s = 90;
    h.tool = SM_SESSTOOL_BALL;
    h.ball_diameter_mm = 100;
    /* 40 x "Zoë " is 200 bytes: cut to 127 at a character boundary (ë is 2 bytes). */
    h.patient[0] = 0;
    for (int i = 0; i < 40; i++)
        strcat(h.patient, "Zo\xc3\xab ");
    h.patient[sizeof h.patient - 1] = 0;
    snprintf(h.notes, sizeof h.notes, "left side sore\n\tafter 2 min\x1b[31m red");
    snprintf(h.calib_id, sizeof h.calib_id, "mat-5100000000000001-2026-12-01");
    snprintf(h.calib_hash, sizeof h.calib_hash, "crc32c:1a2b3c4d");
    snprintf(h.app_version, sizeof h.app_version, "0.2.0");
    const char *p = ts_path(tmp(), "fields.smsession");
    sm_frame_t *f = sim_frames("ball-steady", 8, 8, 100.0, 10, 1);
    write_frames(p, &h, f, 10);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *g = sm_session_reader_header(r);
    assert_int_equal(g->version, 2);
    assert_string_equal(g->protocol, "hip-hook");
    assert_true(g->release_s == 90);
    assert_int_equal(g->tool, SM_SESSTOOL_BALL);
    assert_true(g->ball_diameter_mm == 100);
    assert_true(strlen(g->patient) <= 127 && strlen(g->patient) >= 124);
    assert_int_equal(strncmp(g->patient, h.patient, strlen(g->patient)), 0);
    assert_true((g->patient[strlen(g->patient) - 1] & 0xC0) != 0xC0); /* no half character */
    /* Newline and tab kept in notes; the escape character is not. */
    assert_string_equal(g->notes, "left side sore\n\tafter 2 min?[31m red");
    assert_string_equal(g->calib_id, h.calib_id);
    assert_string_equal(g->calib_hash, "crc32c:1a2b3c4d");
    assert_string_equal(g->app_version, "0.2.0");
    assert_string_equal(g->source, "sim:test");
    assert_int_equal(read_expect(r, f, 10, 0), 10);
    sm_session_reader_close(r);

    /* A Hip Hook has no ball diameter; invalid UTF-8 reads as '?'; values a reader would
     * refuse are written as unknown. */
    h.tool = SM_SESSTOOL_HIP_HOOK;
    h.release_s = 1e9;
    snprintf(h.patient, sizeof h.patient, "A\xff\xfe B\xc3");
    assert_int_equal(sm_sessfmt_encode_header(&h, 2, (uint8_t[4096]){0}, 4096) > 0, 1);
    write_frames(p, &h, f, 10);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    g = sm_session_reader_header(r);
    assert_int_equal(g->tool, SM_SESSTOOL_HIP_HOOK);
    assert_true(g->ball_diameter_mm == 0 && g->release_s == 0);
    assert_string_equal(g->patient, "A?? B?");
    sm_session_reader_close(r);

    /* Written as 1.0, the new fields are not stored and read back empty. */
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open_version(p, &h, 1, &w, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    g = sm_session_reader_header(r);
    assert_int_equal(g->version, 1);
    assert_string_equal(g->patient, "");
    assert_string_equal(g->protocol, "");
    assert_int_equal(g->tool, SM_SESSTOOL_UNKNOWN);
    sm_session_reader_close(r);
    assert_int_equal(sm_session_writer_open_version(p, &h, 3, &w, err, sizeof err), SM_ERR_ARG);

    /* Every field full: the largest header a writer makes fits its buffer. */
    memset(h.mat.uid, 'u', sizeof h.mat.uid - 1);
    memset(h.mat.name, 'n', sizeof h.mat.name - 1);
    memset(h.mat.firmware, 'f', sizeof h.mat.firmware - 1);
    memset(h.source, 's', sizeof h.source - 1);
    memset(h.protocol, 'p', sizeof h.protocol - 1);
    memset(h.patient, 'x', sizeof h.patient - 1);
    memset(h.notes, 'y', sizeof h.notes - 1);
    memset(h.calib_id, 'c', sizeof h.calib_id - 1);
    memset(h.calib_hash, 'h', sizeof h.calib_hash - 1);
    memset(h.app_version, 'v', sizeof h.app_version - 1);
    h.tool = SM_SESSTOOL_BALL;
    h.ball_diameter_mm = 120;
    h.release_s = 60;
    static uint8_t hb[SM_SESSFMT_HDR_WRITE_MAX];
    assert_int_equal(sm_sessfmt_encode_header(&h, 2, hb, sizeof hb), SM_SESSFMT_HDR_WRITE_MAX);
    free(f);
}

/* Crafted headers with valid checksums: a later minor's tag is skipped, a field twice or a
 * value without sense is refused by name, a newer major is refused as before. */
static size_t craft(uint8_t *buf, size_t cap, const uint8_t *extra, size_t extra_len,
                    unsigned minor)
{
    sm_session_header_t h = make_header(4, 4);
    snprintf(h.protocol, sizeof h.protocol, "ball-release");
    size_t n = sm_sessfmt_encode_header(&h, 2, buf, cap);
    assert_true(n > 0 && n + extra_len <= cap);
    size_t body = n - 20 + extra_len;
    if (extra_len)
        memcpy(buf + n - 4, extra, extra_len);
    buf[10] = (uint8_t)minor;
    for (int i = 0; i < 4; i++)
        buf[12 + i] = (uint8_t)(body >> (8 * i));
    uint32_t crc = sm_crc32c(buf + 8, 8 + body);
    for (int i = 0; i < 4; i++)
        buf[16 + body + i] = (uint8_t)(crc >> (8 * i));
    return 20 + body;
}

static void test_header_crafted(void **state)
{
    (void)state;
    static uint8_t buf[8192];
    const char *p = ts_path(tmp(), "crafted.smsession");
    sm_session_reader_t *r;
    /* 2.3: tag 200 (unknown) with 5 bytes, then patient "Ann". */
    const uint8_t later[] = {200, 5, 0, 1, 2, 3, 4, 5, 4, 3, 0, 'A', 'n', 'n'};
    size_t n = craft(buf, sizeof buf, later, sizeof later, 3);
    assert_int_equal(ts_write_file(p, buf, n), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_string_equal(sm_session_reader_header(r)->patient, "Ann");
    assert_string_equal(sm_session_reader_header(r)->protocol, "ball-release");
    sm_session_reader_close(r);

    const uint8_t twice[] = {1, 4, 0, 'h', 'o', 'o', 'k'}; /* protocol again */
    n = craft(buf, sizeof buf, twice, sizeof twice, 0);
    assert_int_equal(ts_write_file(p, buf, n), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "field 1 twice"));

    uint8_t rel[11] = {2, 8, 0};
    double v = -5;
    memcpy(rel + 3, &v, 8); /* little-endian host, as everywhere this runs */
    n = craft(buf, sizeof buf, rel, sizeof rel, 0);
    assert_int_equal(ts_write_file(p, buf, n), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "release_s -5"));

    const uint8_t cut[] = {4, 50, 0, 'x'}; /* a field running past the body */
    n = craft(buf, sizeof buf, cut, sizeof cut, 0);
    assert_int_equal(ts_write_file(p, buf, n), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_ERR_FORMAT);
    assert_non_null(strstr(err, "damaged"));

    n = craft(buf, sizeof buf, NULL, 0, 0);
    buf[8] = 3;
    assert_int_equal(ts_write_file(p, buf, n), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_ERR_VERSION);
    assert_non_null(strstr(err, "session version 3 is newer than this SteadyMat supports (2)"));
}

/* ---- records of the file, for cutting and damaging at known places ---- */
typedef struct {
    size_t off, len;
    unsigned frames;
} rec_t;

static size_t list_records(const uint8_t *d, size_t n, size_t hdr, rec_t *out, size_t max)
{
    size_t k = 0, off = hdr;
    while (off < n && k < max) {
        uint8_t kind;
        uint32_t len;
        assert_int_equal(
            sm_sessfmt_check_record(d + off, n - off, SM_SESSFMT_MAX_PAYLOAD_V2, &kind, &len),
            SM_OK);
        out[k].off = off;
        out[k].len = SM_SESSFMT_REC_OVERHEAD + (size_t)len;
        out[k].frames = kind == SM_SESSFMT_REC_CHUNK
                            ? (unsigned)(d[off + 9 + 16] | d[off + 9 + 17] << 8)
                            : kind == SM_SESSFMT_REC_FRAME;
        off += out[k].len;
        k++;
    }
    assert_int_equal(off, n);
    return k;
}

static size_t header_len(const uint8_t *d, size_t n)
{
    sm_session_header_t h;
    size_t hl;
    assert_int_equal(sm_sessfmt_decode_header(d, n, &h, &hl, err, sizeof err), SM_OK);
    return hl;
}

/* A cut anywhere: the frames of the chunks before it are read, intact; a cut inside a chunk
 * is a torn tail, never damage. */
static void test_torn_tail_chunks(void **state)
{
    (void)state;
    const size_t n = 200;
    sm_frame_t *f = sim_frames("ball-wiggle", 8, 8, 100.0, n, 5);
    const char *full = ts_path(tmp(), "torn2.smsession");
    sm_session_header_t h = make_header(8, 8);
    write_frames(full, &h, f, n);
    size_t len;
    uint8_t *d = (uint8_t *)ts_read_file(full, &len);
    assert_non_null(d);
    size_t hdr = header_len(d, len);
    rec_t recs[64];
    size_t nrec = list_records(d, len, hdr, recs, 64);
    assert_true(nrec >= 8); /* 2 s in chunks of 250 ms */
    const char *p = ts_path(tmp(), "cut2.smsession");
    for (size_t cut = hdr; cut <= len; cut++) {
        /* Every byte of the first and last two chunks, every 7th elsewhere. */
        if (cut > recs[1].off + recs[1].len && cut < recs[nrec - 2].off && cut % 7)
            continue;
        assert_int_equal(ts_write_file(p, d, cut), 0);
        size_t whole = 0, frames = 0, at = hdr;
        while (whole < nrec && recs[whole].off + recs[whole].len <= cut) {
            frames += recs[whole].frames;
            at = recs[whole].off + recs[whole].len;
            whole++;
        }
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        if (st->frames != frames || st->torn_tail != (cut > at) || st->tail_bytes != cut - at ||
            st->corrupt != 0)
            fail_msg("cut at %zu: frames %lu (want %zu) torn %d tail %lu corrupt %lu", cut,
                     st->frames, frames, st->torn_tail, st->tail_bytes, st->corrupt);
        assert_int_equal(read_expect(r, f, n, 0), frames);
        sm_session_reader_close(r);
    }
    free(d);
    free(f);
}

/* A flipped bit in a chunk costs that chunk (at most 250 ms), the rest reads intact; a chunk
 * whose content is garbage under a valid checksum (a buggy writer) is damage too, counted at
 * open, and never crashes the reader. */
static void test_damaged_chunks(void **state)
{
    (void)state;
    const size_t n = 200;
    sm_frame_t *f = sim_frames("ball-steady", 6, 6, 100.0, n, 8);
    const char *full = ts_path(tmp(), "flip2.smsession");
    sm_session_header_t h = make_header(6, 6);
    write_frames(full, &h, f, n);
    size_t len;
    uint8_t *orig = (uint8_t *)ts_read_file(full, &len);
    assert_non_null(orig);
    size_t hdr = header_len(orig, len);
    rec_t recs[64];
    size_t nrec = list_records(orig, len, hdr, recs, 64);
    const rec_t *v = &recs[nrec / 2];
    size_t before = 0;
    for (const rec_t *q = recs; q < v; q++)
        before += q->frames;
    uint8_t *d = malloc(len);
    const char *p = ts_path(tmp(), "flipped2.smsession");
    for (size_t bit = 0; bit < v->len * 8; bit++) {
        memcpy(d, orig, len);
        d[v->off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(ts_write_file(p, d, len), 0);
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        if (st->frames != n - v->frames || st->corrupt != 1 || st->bytes_skipped != v->len ||
            st->torn_tail)
            fail_msg("bit %zu: frames %lu corrupt %lu skipped %lu torn %d", bit, st->frames,
                     st->corrupt, st->bytes_skipped, st->torn_tail);
        /* Frames before the chunk, then those after it. */
        static sm_session_record_t rec;
        size_t k = 0;
        while (sm_session_reader_next(r, &rec) == SM_OK) {
            if (k == before)
                k += v->frames;
            expect_same_frame(&rec.frame, &f[k], k);
            k++;
        }
        assert_int_equal(k, n);
        sm_session_reader_close(r);
    }
    /* Damage under a recomputed checksum: the chunk is refused or decodes to frames of the
     * right size; the counts agree with what is read. */
    uint64_t seed = 7;
    for (int it = 0; it < 2000; it++) {
        memcpy(d, orig, len);
        size_t pl = v->len - SM_SESSFMT_REC_OVERHEAD;
        int hits = 1 + (int)(ts_rand(&seed) % 4);
        for (int k = 0; k < hits; k++)
            d[v->off + 9 + ts_rand(&seed) % pl] ^= (uint8_t)(1 + ts_rand(&seed) % 255);
        uint32_t crc = sm_crc32c(d + v->off + 4, 5 + pl);
        for (int i = 0; i < 4; i++)
            d[v->off + 9 + pl + i] = (uint8_t)(crc >> (8 * i));
        assert_int_equal(ts_write_file(p, d, len), 0);
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        assert_true(st->corrupt <= 1);
        static sm_session_record_t rec;
        unsigned long k = 0;
        while (sm_session_reader_next(r, &rec) == SM_OK) {
            assert_true(rec.kind == SM_REC_FRAME && rec.frame.rows == 6 && rec.frame.cols == 6);
            k++;
        }
        assert_int_equal(k, st->frames);
        sm_session_reader_close(r);
    }
    free(d);
    free(orig);
    free(f);
}

/* ---- seeking into the middle of chunks ---- */
static void test_seek_into_chunks(void **state)
{
    (void)state;
    const size_t n = 500;
    sm_frame_t *f = sim_frames("ball-relocate", 12, 10, 100.0, n, 4);
    const char *p = ts_path(tmp(), "seek2.smsession");
    sm_session_header_t h = make_header(12, 10);
    write_frames(p, &h, f, n);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    uint64_t seed = 3;
    for (int it = 0; it < 300; it++) {
        /* Forwards, backwards, within the chunk just read and into other ones. */
        size_t k = (size_t)(ts_rand(&seed) % n);
        uint64_t t = f[k].t_us - (k > 0 && ts_rand(&seed) % 2 ? 1 : 0);
        assert_int_equal(sm_session_reader_seek(r, t), SM_OK);
        for (size_t j = k; j < k + 3 && j < n; j++) {
            assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
            expect_same_frame(&rec.frame, &f[j], j);
        }
    }
    assert_int_equal(sm_session_reader_seek(r, f[n - 1].t_us + 1), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    assert_int_equal(sm_session_reader_seek(r, 0), SM_OK);
    assert_int_equal(read_expect(r, f, n, 0), n);
    sm_session_reader_close(r);
    free(f);
}

/* ---- the 250 ms promise with chunks, checked by reading the file after every frame ---- */
static void test_flush_policy_chunks(void **state)
{
    (void)state;
    const size_t n = 400;
    sm_frame_t *f = sim_frames("ball-steady", 8, 8, 100.0, n, 6);
    uint64_t seed = 11, t = 0;
    for (size_t k = 0; k < n; k++) { /* irregular times, 0..40 ms apart */
        t += ts_rand(&seed) % 40000;
        f[k].t_us = t;
    }
    const char *p = ts_path(tmp(), "flush2.smsession");
    sm_session_header_t h = make_header(8, 8);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(p, &h, &w, err, sizeof err), SM_OK);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(sm_session_writer_frame(w, &f[k], err, sizeof err), SM_OK);
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        assert_true(st->corrupt == 0 && st->torn_tail == 0); /* whole records only */
        /* Every frame older than 250 ms of session time is in the file. */
        size_t on_os = st->frames;
        if (on_os <= k)
            assert_true(f[k].t_us - f[on_os].t_us < SM_SESSION_FLUSH_US);
        assert_int_equal(read_expect(r, f, n, 0), on_os);
        sm_session_reader_close(r);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    free(f);
}

/* ---- kill -9 in the middle of a chunk ---- */
static void killed_mid_chunk(const sm_frame_t *f, size_t n, uint32_t reports_before_kill)
{
    const char *path = ts_path(tmp(), "killed2.smsession");
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        sm_session_header_t h = make_header(32, 24);
        sm_session_writer_t *w;
        char e[256];
        if (sm_session_writer_open(path, &h, &w, e, sizeof e) != SM_OK)
            _exit(2);
        for (size_t k = 0;; k = (k + 1) % n) {
            if (sm_session_writer_frame(w, &f[k], e, sizeof e) != SM_OK)
                _exit(3);
            uint64_t t = f[k].t_us;
            if (write(pfd[1], &t, sizeof t) != (ssize_t)sizeof t)
                _exit(4);
            if (k == n - 1) /* the parent kills long before */
                pause();
        }
    }
    close(pfd[1]);
    uint64_t t, last = 0;
    uint32_t got = 0;
    while (got < reports_before_kill && read(pfd[0], &t, sizeof t) == (ssize_t)sizeof t) {
        last = t;
        got++;
    }
    assert_int_equal(got, reports_before_kill);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    while (read(pfd[0], &t, sizeof t) == (ssize_t)sizeof t)
        last = t;
    close(pfd[0]);

    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    size_t k = read_expect(r, f, n, 0); /* a gapless, intact prefix */
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    /* Every frame older than 250 ms before the last one the recorder took is there. */
    size_t must = 0;
    while (must < n && f[must].t_us + SM_SESSION_FLUSH_US <= last)
        must++;
    if (k < must)
        fail_msg("killed after t=%llu us: %zu frames on disk, need >= %zu",
                 (unsigned long long)last, k, must);
    sm_session_reader_close(r);
}

static void test_killed_mid_chunk(void **state)
{
    (void)state;
    const size_t n = 1500;
    sm_frame_t *f = sim_frames("ball-wiggle", 32, 24, 100.0, n, 12);
    const uint32_t when[] = {3, 37, 111, 613, 1234};
    for (size_t i = 0; i < sizeof when / sizeof when[0]; i++)
        killed_mid_chunk(f, n, when[i]);
    free(f);
}

/* A name typed after the recording began goes into the closed file's header: every frame and
 * every other header field stays as it was, "" removes the name, a file that is not a 2.0
 * session is refused and left alone, and nothing is left beside the file. */
static void test_set_patient(void **state)
{
    (void)state;
    enum { N = 700 }; /* several chunks, and more than the first block copied */
    sm_frame_t *f = sim_frames("ball-wiggle", 32, 24, 100.0, N, 7);
    sm_session_header_t h = make_header(32, 24);
    snprintf(h.protocol, sizeof h.protocol, "hip-hook");
    h.release_s = 30;
    snprintf(h.patient, sizeof h.patient, "A. Before");
    snprintf(h.notes, sizeof h.notes, "first line\nsecond");
    const char *path = ts_path(tmp(), "named.smsession");
    write_frames(path, &h, f, N);
    size_t before = file_size(path);
    const char *name = "Zo\xc3\xab ../N\x1b[31mew"; /* UTF-8 kept, the escape made harmless */
    assert_int_equal(sm_session_set_patient(path, name, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *g = sm_session_reader_header(r);
    assert_string_equal(g->patient, "Zo\xc3\xab ../N?[31mew");
    assert_string_equal(g->protocol, "hip-hook");
    assert_true(g->release_s == 30);
    assert_string_equal(g->notes, "first line\nsecond");
    assert_string_equal(g->source, "sim:test");
    assert_true(g->start_unix_ms == h.start_unix_ms);
    assert_int_equal(g->mat.rows, 32);
    assert_int_equal(read_expect(r, f, N, 0), N);
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    size_t name_len = strlen(g->patient);
    sm_session_reader_close(r);
    /* the header grew by the name's difference, the records did not change */
    assert_int_equal(file_size(path), before + name_len - strlen("A. Before"));
    /* no name */
    assert_int_equal(sm_session_set_patient(path, "", err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    assert_string_equal(sm_session_reader_header(r)->patient, "");
    assert_int_equal(read_expect(r, f, N, 0), N);
    sm_session_reader_close(r);
    /* nothing left beside it */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c 'named.smsession.tmp'", tmp());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int strays = -1;
    assert_int_equal(fscanf(p, "%d", &strays), 1);
    pclose(p);
    assert_int_equal(strays, 0);
    /* a 1.0 file has no place for a name: refused, left as it was */
    const char *v1 = ts_path(tmp(), "old.smsession");
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open_version(v1, &h, 1, &w, err, sizeof err), SM_OK);
    for (size_t k = 0; k < 10; k++)
        assert_int_equal(sm_session_writer_frame(w, &f[k], err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    size_t v1_size = file_size(v1);
    assert_int_equal(sm_session_set_patient(v1, "B", err, sizeof err), SM_ERR_VERSION);
    assert_non_null(strstr(err, "old.smsession"));
    assert_int_equal(file_size(v1), v1_size);
    /* not a session, and no file */
    const char *junk = ts_path(tmp(), "junk.smsession");
    assert_int_equal(ts_write_file(junk, "hello", 5), 0);
    assert_int_equal(sm_session_set_patient(junk, "B", err, sizeof err), SM_ERR_FORMAT);
    assert_int_equal(file_size(junk), 5);
    assert_int_equal(
        sm_session_set_patient(ts_path(tmp(), "missing.smsession"), "B", err, sizeof err),
        SM_ERR_IO);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_file_reads_as_recorded),
        cmocka_unit_test(test_lossless_random_and_extreme),
        cmocka_unit_test(test_lossless_sim),
        cmocka_unit_test(test_lossless_pmatdata),
        cmocka_unit_test(test_size_quarter_of_v1),
        cmocka_unit_test(test_size_change_rejected),
        cmocka_unit_test(test_gaps_between_chunks),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_header_crafted),
        cmocka_unit_test(test_torn_tail_chunks),
        cmocka_unit_test(test_damaged_chunks),
        cmocka_unit_test(test_seek_into_chunks),
        cmocka_unit_test(test_flush_policy_chunks),
        cmocka_unit_test(test_killed_mid_chunk),
        cmocka_unit_test(test_set_patient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
