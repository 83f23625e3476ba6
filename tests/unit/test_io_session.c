/* Session files: round trips, seek, crash and damage recovery, full disks, hostile files,
 * and the text import of real PmatData frames. The tests that count bytes of the 1.0 layout
 * (record sizes, cuts and bit flips at known offsets, whole records after every frame) write
 * format 1.0 on purpose, which SteadyMat still reads; the others write the current format.
 * Format 2.0's chunks are tested the same ways in test_io_session_v2.c. */
#include "testsupport.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sm_proto.h"
#include "sm_session.h"

static char err[512];

/* One temporary directory for the whole run (ts_tempdir makes a new one per call). */
static const char *tmp(void)
{
    static const char *dir;
    if (!dir)
        dir = ts_tempdir();
    assert_non_null(dir);
    return dir;
}

/* ---- deterministic content ---- */
static sm_session_header_t make_header(uint16_t rows, uint16_t cols)
{
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = rows;
    h.mat.cols = cols;
    h.mat.pitch_mm = 12.5;
    h.mat.sample_max = 4095;
    h.mat.rate_hz = 100.0 / 3.0; /* not representable in decimal: must survive exactly */
    snprintf(h.mat.uid, sizeof h.mat.uid, "0123456789abcdef");
    snprintf(h.mat.name, sizeof h.mat.name, "SteadyMat 32x24");
    snprintf(h.mat.firmware, sizeof h.mat.firmware, "1.2.3");
    snprintf(h.source, sizeof h.source, "sim:test");
    h.start_unix_ms = 1700000000123;
    return h;
}

static void make_frame(sm_frame_t *f, uint16_t rows, uint16_t cols, uint32_t k, uint64_t t_us)
{
    f->t_us = t_us;
    f->seq = k;
    f->dev_t_us = k * 10007u;
    f->flags = (uint16_t)(k % 3);
    f->rows = rows;
    f->cols = cols;
    for (size_t i = 0; i < (size_t)rows * cols; i++)
        f->cells[i] = (uint16_t)((k * 31u + i * 7u) % 4096u);
}

/* The frame must be exactly what make_frame gave for its seq at time t_us. */
static void expect_frame(const sm_frame_t *got, uint16_t rows, uint16_t cols, uint64_t t_us)
{
    static sm_frame_t want;
    make_frame(&want, rows, cols, got->seq, t_us);
    assert_int_equal(got->t_us, want.t_us);
    assert_int_equal(got->dev_t_us, want.dev_t_us);
    assert_int_equal(got->flags, want.flags);
    assert_int_equal(got->rows, rows);
    assert_int_equal(got->cols, cols);
    assert_memory_equal(got->cells, want.cells, (size_t)rows * cols * sizeof(uint16_t));
}

#define DT_US 10000u /* 100 frames per second of session time */

/* n frames k = 0..n-1 at t = k * DT_US, in format `major`. */
static const char *write_session(const char *name, unsigned major, uint16_t rows, uint16_t cols,
                                 uint32_t n)
{
    static char path[16][512];
    static int slot;
    char *p = path[slot++ % 16];
    snprintf(p, 512, "%s", ts_path(tmp(), name));
    sm_session_header_t h = make_header(rows, cols);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open_version(p, &h, major, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    for (uint32_t k = 0; k < n; k++) {
        make_frame(&f, rows, cols, k, (uint64_t)k * DT_US);
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_frames(w), n);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    return p;
}

/* Header of make_header: the same length in 1.0 and 2.0 (it sets none of 2.0's fields). */
static size_t header_bytes(uint16_t rows, uint16_t cols)
{
    uint8_t buf[512];
    sm_session_header_t h = make_header(rows, cols);
    size_t n = sm_sessfmt_encode_header(&h, 1, buf, sizeof buf);
    assert_true(n > 0);
    return n;
}

static size_t frame_bytes(uint16_t rows, uint16_t cols)
{
    return 13 + 20 + 2 * (size_t)rows * cols;
}

/* Reads every record: frames must be intact and in increasing seq order at t = seq * DT_US.
 * Returns the number of frames; seqs (if set) receives them. */
static size_t read_all(sm_session_reader_t *r, uint16_t rows, uint16_t cols, uint32_t *seqs,
                       size_t max)
{
    static sm_session_record_t rec;
    size_t n = 0;
    long last = -1;
    sm_status st;
    while ((st = sm_session_reader_next(r, &rec)) == SM_OK) {
        if (rec.kind != SM_REC_FRAME)
            continue;
        expect_frame(&rec.frame, rows, cols, (uint64_t)rec.frame.seq * DT_US);
        assert_true((long)rec.frame.seq > last);
        last = rec.frame.seq;
        if (seqs && n < max)
            seqs[n] = rec.frame.seq;
        n++;
    }
    assert_int_equal(st, SM_EOF);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    return n;
}

static const char *copy_cut(const char *src, size_t cut, const char *name)
{
    size_t len;
    char *data = ts_read_file(src, &len);
    assert_non_null(data);
    assert_true(cut <= len);
    const char *p = ts_path(tmp(), name);
    assert_int_equal(ts_write_file(p, data, cut), 0);
    free(data);
    return p;
}

static void expect_open_error(const char *path, sm_status want, const char *msg_part)
{
    sm_session_reader_t *r = (sm_session_reader_t *)1;
    err[0] = 0;
    sm_status st = sm_session_reader_open(path, &r, err, sizeof err);
    if (st != want || !strstr(err, msg_part))
        fail_msg("open %s: status %d, message '%s', wanted %d and '%s'", path, st, err, want,
                 msg_part);
    assert_null(r);
}

/* ---- round trip ---- */
static void test_round_trip(void **state)
{
    (void)state;
    const char *path = ts_path(tmp(), "rt.smsession");
    sm_session_header_t h = make_header(24, 32);
    sm_session_writer_t *w;
    /* Format 1.0: its byte count is known exactly. */
    assert_int_equal(sm_session_writer_open_version(path, &h, 1, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    /* 300 frames, a 0.5 s gap, 300 more. */
    for (uint32_t k = 0; k < 600; k++) {
        if (k == 300)
            assert_int_equal(
                sm_session_writer_gap(w, 3000000, 3500000, "device unplugged", err, sizeof err),
                SM_OK);
        make_frame(&f, 24, 32, k, (uint64_t)k * DT_US);
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    assert_string_equal(err, "");

    /* Bytes on disk: header, 600 frames of 1569 bytes (32 x 24), one gap. */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(frame_bytes(24, 32), 1569);
    assert_int_equal((size_t)sb.st_size,
                     header_bytes(24, 32) + 600 * frame_bytes(24, 32) + 13 + 17 + 16);

    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *rh = sm_session_reader_header(r);
    assert_int_equal(rh->version, 1);
    assert_int_equal(rh->mat.rows, 24);
    assert_int_equal(rh->mat.cols, 32);
    assert_true(rh->mat.pitch_mm == 12.5);
    assert_true(rh->mat.rate_hz == 100.0 / 3.0);
    assert_int_equal(rh->mat.sample_max, 4095);
    assert_string_equal(rh->mat.uid, "0123456789abcdef");
    assert_string_equal(rh->mat.name, "SteadyMat 32x24");
    assert_string_equal(rh->mat.firmware, "1.2.3");
    assert_string_equal(rh->source, "sim:test");
    assert_true(rh->start_unix_ms == 1700000000123);

    static sm_session_record_t rec;
    for (uint32_t k = 0; k < 600; k++) {
        if (k == 300) {
            assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
            assert_int_equal(rec.kind, SM_REC_GAP);
            assert_true(rec.gap_start_us == 3000000);
            assert_true(rec.gap_end_us == 3500000);
            assert_string_equal(rec.gap_reason, "device unplugged");
        }
        assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
        assert_int_equal(rec.kind, SM_REC_FRAME);
        assert_int_equal(rec.frame.seq, k);
        expect_frame(&rec.frame, 24, 32, (uint64_t)k * DT_US);
    }
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->frames, 600);
    assert_int_equal(st->gaps, 1);
    assert_int_equal(st->corrupt, 0);
    assert_int_equal(st->bytes_skipped, 0);
    assert_int_equal(st->unknown, 0);
    assert_int_equal(st->torn_tail, 0);
    uint64_t a, b;
    unsigned long n;
    sm_session_reader_span(r, &a, &b, &n);
    assert_true(a == 0 && b == 599u * DT_US);
    assert_int_equal(n, 600);
    sm_session_reader_close(r);
}

/* Long strings are cut to their fields; an empty identity is fine. */
static void test_header_strings(void **state)
{
    (void)state;
    const char *path = ts_path(tmp(), "strings.smsession");
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = 1;
    h.mat.cols = 64;
    memset(h.source, 'x', sizeof h.source - 1);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(path, &h, &w, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_gap(w, 1, 2, NULL, err, sizeof err), SM_OK);
    char longreason[300];
    memset(longreason, 'r', sizeof longreason - 1);
    longreason[sizeof longreason - 1] = 0;
    assert_int_equal(sm_session_writer_gap(w, 3, 4, longreason, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *rh = sm_session_reader_header(r);
    assert_int_equal(strlen(rh->source), 127);
    assert_string_equal(rh->mat.uid, "");
    assert_true(rh->start_unix_ms == 0 && rh->mat.rate_hz == 0 && rh->mat.pitch_mm == 0);
    static sm_session_record_t rec;
    assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
    assert_int_equal(rec.kind, SM_REC_GAP);
    assert_string_equal(rec.gap_reason, "");
    assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
    assert_int_equal(strlen(rec.gap_reason), 95);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    uint64_t a = 1, b = 1;
    unsigned long n = 1;
    sm_session_reader_span(r, &a, &b, &n);
    assert_true(a == 0 && b == 0 && n == 0);
    sm_session_reader_close(r);
}

/* ---- seek ---- */
static void test_seek(void **state)
{
    (void)state;
    const char *path = write_session("seek.smsession", SM_SESSION_VERSION, 8, 8, 1000);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    const uint64_t targets[] = {
        0, 1, DT_US, 5 * DT_US - 1, 500 * DT_US, 999 * DT_US - 3, 999 * DT_US, 123456, 7777777};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        uint64_t t = targets[i];
        assert_int_equal(sm_session_reader_seek(r, t), SM_OK);
        assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
        uint64_t want = (t + DT_US - 1) / DT_US; /* first k with k * DT_US >= t */
        assert_int_equal(rec.frame.seq, want);
        expect_frame(&rec.frame, 8, 8, want * DT_US);
        if (want < 999) {
            assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
            assert_int_equal(rec.frame.seq, want + 1);
        }
    }
    /* Past the end; then back to the start reads everything again. */
    assert_int_equal(sm_session_reader_seek(r, 999 * DT_US + 1), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    assert_int_equal(sm_session_reader_seek(r, 0), SM_OK);
    assert_int_equal(read_all(r, 8, 8, NULL, 0), 1000);
    sm_session_reader_close(r);
}

/* Seek over a session whose times go backwards (clock reset): first match in file order. */
static void test_seek_unsorted(void **state)
{
    (void)state;
    const char *path = ts_path(tmp(), "unsorted.smsession");
    sm_session_header_t h = make_header(2, 2);
    sm_session_writer_t *w;
    assert_int_equal(sm_session_writer_open(path, &h, &w, err, sizeof err), SM_OK);
    static sm_frame_t f;
    const uint64_t times[] = {100, 200, 300, 50, 60, 400};
    for (uint32_t k = 0; k < 6; k++) {
        make_frame(&f, 2, 2, k, times[k]);
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
    }
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    assert_int_equal(sm_session_reader_seek(r, 55), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
    assert_int_equal(rec.frame.seq, 0);
    assert_int_equal(sm_session_reader_seek(r, 350), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
    assert_int_equal(rec.frame.seq, 5);
    assert_int_equal(sm_session_reader_seek(r, 401), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    uint64_t a, b;
    sm_session_reader_span(r, &a, &b, NULL);
    assert_true(a == 100 && b == 400);
    sm_session_reader_close(r);
}

/* ---- torn tails: cut at every byte ---- */
static void test_torn_tail_every_cut(void **state)
{
    (void)state;
    const uint32_t n = 20;
    const char *full = write_session("torn.smsession", 1, 4, 4, n);
    size_t hdr = header_bytes(4, 4), rec = frame_bytes(4, 4);
    size_t size = hdr + n * rec;
    for (size_t cut = hdr; cut <= size; cut++) {
        const char *p = copy_cut(full, cut, "cut.smsession");
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        size_t complete = (cut - hdr) / rec, partial = (cut - hdr) % rec;
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        assert_int_equal(st->frames, complete);
        assert_int_equal(st->torn_tail, partial != 0);
        assert_int_equal(st->tail_bytes, partial);
        assert_int_equal(st->corrupt, 0);
        assert_int_equal(st->bytes_skipped, 0);
        uint32_t seqs[32];
        assert_int_equal(read_all(r, 4, 4, seqs, 32), complete);
        for (size_t k = 0; k < complete; k++)
            assert_int_equal(seqs[k], k);
        sm_session_reader_close(r);
    }
    /* A large frame cut in the middle of its samples, and the header alone. */
    const char *big = write_session("torn-big.smsession", 1, 64, 64, 3);
    size_t bhdr = header_bytes(64, 64), brec = frame_bytes(64, 64);
    const size_t cuts[] = {bhdr, bhdr + 1, bhdr + 9, bhdr + brec + 5000, bhdr + 3 * brec - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = copy_cut(big, cuts[i], "cut-big.smsession");
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        assert_int_equal(read_all(r, 64, 64, NULL, 0), (cuts[i] - bhdr) / brec);
        assert_int_equal(sm_session_reader_stats(r)->torn_tail, i != 0);
        sm_session_reader_close(r);
    }
}

/* ---- bit flips in the middle: that record is lost, the rest is read ---- */
static void test_bit_flips(void **state)
{
    (void)state;
    const uint32_t n = 20, victim = 10;
    const char *full = write_session("flip.smsession", 1, 4, 4, n);
    size_t len;
    char *orig = ts_read_file(full, &len);
    assert_non_null(orig);
    size_t hdr = header_bytes(4, 4), rec = frame_bytes(4, 4);
    size_t start = hdr + victim * rec;
    char *data = malloc(len);
    const char *p = ts_path(tmp(), "flipped.smsession");
    for (size_t bit = 0; bit < rec * 8; bit++) {
        memcpy(data, orig, len);
        data[start + bit / 8] ^= (char)(1u << (bit % 8));
        assert_int_equal(ts_write_file(p, data, len), 0);
        sm_session_reader_t *r;
        assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
        const sm_session_stats_t *st = sm_session_reader_stats(r);
        if (st->frames != n - 1 || st->corrupt != 1 || st->bytes_skipped != rec || st->torn_tail)
            fail_msg("bit %zu: frames %lu corrupt %lu skipped %lu torn %d", bit, st->frames,
                     st->corrupt, st->bytes_skipped, st->torn_tail);
        uint32_t seqs[32];
        assert_int_equal(read_all(r, 4, 4, seqs, 32), n - 1);
        for (size_t k = 0; k < n - 1; k++)
            assert_int_equal(seqs[k], k < victim ? k : k + 1);
        sm_session_reader_close(r);
    }
    /* Three damaged records at once, and garbage inserted between two records. */
    memcpy(data, orig, len);
    data[hdr + 2 * rec + 30] ^= 0x10;
    data[hdr + 7 * rec + 2] ^= 0x01;
    data[hdr + 15 * rec + 60] ^= 0x80;
    assert_int_equal(ts_write_file(p, data, len), 0);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_int_equal(read_all(r, 4, 4, NULL, 0), n - 3);
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 3);
    sm_session_reader_close(r);

    char *ins = malloc(len + 100);
    memcpy(ins, orig, hdr + 5 * rec);
    for (int i = 0; i < 100; i++) /* garbage that even contains sync markers */
        ins[hdr + 5 * rec + i] = (char)((i % 7 == 0) ? 0xD7 : (i % 7 == 1) ? 0x53 : i * 37);
    memcpy(ins + hdr + 5 * rec + 100, orig + hdr + 5 * rec, len - hdr - 5 * rec);
    assert_int_equal(ts_write_file(p, ins, len + 100), 0);
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_int_equal(read_all(r, 4, 4, NULL, 0), n);
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 1);
    assert_int_equal(sm_session_reader_stats(r)->bytes_skipped, 100);
    sm_session_reader_close(r);
    free(ins);
    free(data);
    free(orig);
}

/* A file of nothing but sync markers (issue 14: 5.5 s per MiB) and one of markers that each
 * claim a 64 KiB record: reading is linear in the size, and the good records on either side
 * are all found. Generous bounds (Debug, sanitizers, a shared machine): the quadratic reader
 * needed more than 20 s here; tests/bench/bench_session.c measures the Release speed. */
static void test_sync_marker_flood(void **state)
{
    (void)state;
    const uint32_t n = 20;
    const char *full = write_session("flood-base.smsession", 1, 4, 4, n);
    size_t len;
    char *orig = ts_read_file(full, &len);
    assert_non_null(orig);
    size_t hdr = header_bytes(4, 4), rec = frame_bytes(4, 4), cut = hdr + 10 * rec;
    const size_t plain = 4u << 20, claims = 1u << 20;
    char *data = malloc(len + plain + claims);
    assert_non_null(data);
    memcpy(data, orig, cut);
    size_t k = cut;
    /* markers claiming a FRAME of 65536 bytes, 9 bytes apart (a CRC check of each would cost
     * 64 KiB per 9 bytes) */
    static const uint8_t claim[9] = {0xD7, 0x53, 0x4D, 0xB1, 0x01, 0x00, 0x00, 0x01, 0x00};
    for (size_t i = 0; i + sizeof claim <= claims; i += sizeof claim, k += sizeof claim)
        memcpy(data + k, claim, sizeof claim);
    static const uint8_t sync[4] = {0xD7, 0x53, 0x4D, 0xB1};
    for (size_t i = 0; i < plain; i += 4, k += 4)
        memcpy(data + k, sync, 4);
    memcpy(data + k, orig + cut, len - cut);
    k += len - cut;
    const char *p = ts_path(tmp(), "flood.smsession");
    assert_int_equal(ts_write_file(p, data, k), 0);
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_int_equal(read_all(r, 4, 4, NULL, 0), n);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->corrupt, 1);
    assert_int_equal(st->bytes_skipped, k - len);
    sm_session_reader_close(r);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    print_message("%.1f MiB of sync markers read in %.2f s of CPU (Debug build)\n",
                  (double)(k - len) / 1048576.0, s);
    assert_true(s < 8.0);
    free(data);
    free(orig);
}

/* ---- the 250 ms promise, checked on the file size after every frame ---- */
static void test_flush_policy(void **state)
{
    (void)state;
    const char *path = ts_path(tmp(), "flush.smsession");
    sm_session_header_t h = make_header(4, 4);
    sm_session_writer_t *w;
    /* Format 1.0, whole records of known size (2.0: test_io_session_v2.c). */
    assert_int_equal(sm_session_writer_open_version(path, &h, 1, &w, err, sizeof err), SM_OK);
    size_t hdr = header_bytes(4, 4), rec = frame_bytes(4, 4);
    static sm_frame_t f;
    uint64_t seed = 99, t = 0;
    static uint64_t times[3000];
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, hdr); /* the header goes out at open */
    for (uint32_t k = 0; k < 3000; k++) {
        t += ts_rand(&seed) % 40000; /* irregular frame times, 0..40 ms apart */
        make_frame(&f, 4, 4, k, t);
        assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
        assert_int_equal(stat(path, &sb), 0);
        size_t on_os = ((size_t)sb.st_size - hdr) / rec;
        assert_int_equal(((size_t)sb.st_size - hdr) % rec, 0); /* whole records only */
        /* Every frame older than 250 ms of session time is with the OS. Frames are written
         * in order, so it is enough to look at the first one still in the buffer. */
        times[k] = t;
        if (on_os <= k)
            assert_true(t - times[on_os] < SM_SESSION_FLUSH_US);
    }
    assert_int_equal(sm_session_writer_flush(w, err, sizeof err), SM_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((size_t)sb.st_size, hdr + 3000 * rec);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
}

/* ---- a recorder killed with SIGKILL ---- */
static void killed_recorder(uint32_t reports_before_kill)
{
    const char *path = ts_path(tmp(), "killed.smsession");
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        sm_session_header_t h = make_header(24, 32);
        sm_session_writer_t *w;
        char e[256];
        if (sm_session_writer_open(path, &h, &w, e, sizeof e) != SM_OK)
            _exit(2);
        static sm_frame_t f;
        for (uint32_t k = 0;; k++) {
            uint64_t t = (uint64_t)k * DT_US;
            make_frame(&f, 24, 32, k, t);
            if (sm_session_writer_frame(w, &f, e, sizeof e) != SM_OK)
                _exit(3);
            /* Reported only once the writer has returned: the parent's evidence. */
            if (write(pfd[1], &t, sizeof t) != (ssize_t)sizeof t)
                _exit(4);
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
    while (read(pfd[0], &t, sizeof t) == (ssize_t)sizeof t) /* reports made before it died */
        last = t;
    close(pfd[0]);

    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    uint32_t *seqs = malloc(sizeof(uint32_t) * 200000);
    size_t n = read_all(r, 24, 32, seqs, 200000);
    for (size_t k = 0; k < n && k < 200000; k++)
        assert_int_equal(seqs[k], k); /* a gapless prefix */
    /* All frames up to 250 ms before the last reported one are there. */
    if (last >= SM_SESSION_FLUSH_US) {
        uint64_t must = (last - SM_SESSION_FLUSH_US) / DT_US + 1;
        if (n < must)
            fail_msg("killed after t=%llu us: %zu frames on disk, need >= %llu",
                     (unsigned long long)last, n, (unsigned long long)must);
    }
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    print_message("killed after %u reports: last reported t = %llu us, %zu frames on disk "
                  "(up to t = %llu us), torn tail %d\n",
                  reports_before_kill, (unsigned long long)last, n,
                  n ? (unsigned long long)(n - 1) * DT_US : 0ull,
                  sm_session_reader_stats(r)->torn_tail);
    free(seqs);
    sm_session_reader_close(r);
}

static void test_killed_recorder(void **state)
{
    (void)state;
    const uint32_t when[] = {1, 24, 26, 200, 777, 3000};
    for (size_t i = 0; i < sizeof when / sizeof when[0]; i++)
        killed_recorder(when[i]);
}

/* ---- full disk ---- */
static void test_dev_full(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    sm_session_header_t h = make_header(24, 32);
    sm_session_writer_t *w = (sm_session_writer_t *)1;
    assert_int_equal(sm_session_writer_open("/dev/full", &h, &w, err, sizeof err), SM_ERR_IO);
    assert_null(w);
    assert_non_null(strstr(err, "/dev/full"));
    assert_non_null(strstr(err, "disk full"));
    assert_int_equal(sm_session_writer_close(NULL, err, sizeof err), SM_OK);
}

/* A file size limit stops the recording half-way through a buffer: a short write. */
static void file_size_limit(unsigned major)
{
    const char *path = ts_path(tmp(), "limit.smsession");
    const rlim_t limit = 100000;
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        struct rlimit rl = {limit, limit};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        sm_session_header_t h = make_header(24, 32);
        sm_session_writer_t *w;
        char e[512], e2[512], e3[512];
        if (sm_session_writer_open_version(path, &h, major, &w, e, sizeof e) != SM_OK)
            _exit(3);
        static sm_frame_t f;
        sm_status st = SM_OK;
        uint32_t k;
        for (k = 0; k < 10000 && st == SM_OK; k++) {
            make_frame(&f, 24, 32, k, (uint64_t)k * DT_US);
            st = sm_session_writer_frame(w, &f, e, sizeof e);
        }
        unsigned long counted = sm_session_writer_frames(w);
        /* Later calls fail fast with the same message, close reports it too. */
        make_frame(&f, 24, 32, k, (uint64_t)k * DT_US);
        int same = sm_session_writer_frame(w, &f, e2, sizeof e2) == SM_ERR_IO &&
                   strcmp(e, e2) == 0 &&
                   sm_session_writer_gap(w, 0, 1, "x", e2, sizeof e2) == SM_ERR_IO &&
                   sm_session_writer_close(w, e3, sizeof e3) == SM_ERR_IO && strcmp(e, e3) == 0;
        char msg[600];
        int len = snprintf(msg, sizeof msg, "%d %d %u %lu %s", (int)st, same, k, counted, e);
        if (write(pfd[1], msg, (size_t)len) != len)
            _exit(4);
        _exit(0);
    }
    close(pfd[1]);
    char msg[600] = {0};
    size_t n = 0;
    ssize_t k;
    while (n < sizeof msg - 1 && (k = read(pfd[0], msg + n, sizeof msg - 1 - n)) > 0)
        n += (size_t)k;
    close(pfd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int st, same;
    unsigned attempts;
    unsigned long counted;
    int off = 0;
    assert_int_equal(sscanf(msg, "%d %d %u %lu %n", &st, &same, &attempts, &counted, &off), 4);
    const char *text = msg + off;
    assert_int_equal(st, SM_ERR_IO);
    assert_int_equal(same, 1);
    assert_non_null(strstr(text, "recording to "));
    assert_non_null(strstr(text, "stopped: file size limit reached"));
    const char *safe = strstr(text, "; the ");
    assert_non_null(safe);
    unsigned long safe_frames = strtoul(safe + 6, NULL, 10);
    assert_non_null(strstr(text, "frames recorded so far are safe"));

    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true((size_t)sb.st_size <= limit);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(path, &r, err, sizeof err), SM_OK);
    size_t frames = read_all(r, 24, 32, NULL, 0);
    /* One count: the message, the writer's count (the JSON's) and the file agree. */
    assert_int_equal(frames, safe_frames);
    assert_int_equal(counted, safe_frames);
    assert_true(safe_frames > 0);
    assert_true(frames < attempts);
    if (major == 1) /* everything but the torn last record */
        assert_true(frames >= (limit - header_bytes(24, 32)) / frame_bytes(24, 32) - 1);
    assert_int_equal(sm_session_reader_stats(r)->corrupt, 0);
    print_message("%s\n-> %zu frames readable, torn tail %d\n", text, frames,
                  sm_session_reader_stats(r)->torn_tail);
    sm_session_reader_close(r);
}

static void test_file_size_limit(void **state)
{
    (void)state;
    file_size_limit(1);
    file_size_limit(SM_SESSION_VERSION); /* the count also holds for chunks */
}

static void test_writer_misuse(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    sm_session_header_t h = make_header(24, 32);
    sm_session_writer_t *w = (sm_session_writer_t *)1;
    assert_int_equal(
        sm_session_writer_open(ts_path(dir, "no/such/dir.smsession"), &h, &w, err, sizeof err),
        SM_ERR_IO);
    assert_null(w);
    assert_non_null(strstr(err, "cannot create"));
    h.mat.rows = 65;
    assert_int_equal(sm_session_writer_open(ts_path(dir, "big.smsession"), &h, &w, err, sizeof err),
                     SM_ERR_RANGE);
    h.mat.rows = 24;
    assert_int_equal(sm_session_writer_open(ts_path(dir, "m.smsession"), &h, &w, err, sizeof err),
                     SM_OK);
    static sm_frame_t f;
    make_frame(&f, 32, 24, 0, 0); /* transposed */
    assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_ERR_MISMATCH);
    make_frame(&f, 24, 32, 0, 0);
    assert_int_equal(sm_session_writer_frame(w, &f, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_frames(w), 1);
    assert_int_equal(sm_session_writer_frames(NULL), 0);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_close(NULL);

    expect_open_error(ts_path(dir, "missing.smsession"), SM_ERR_IO, "cannot open");
    expect_open_error(dir, SM_ERR_IO, "directory");
}

/* ---- headers: wrong, newer, empty, cut ---- */
static void test_bad_headers(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *good = write_session("good.smsession", SM_SESSION_VERSION, 24, 32, 5);
    size_t len;
    char *orig = ts_read_file(good, &len);
    assert_non_null(orig);
    const char *p = ts_path(dir, "bad.smsession");

    assert_int_equal(ts_write_file(p, "", 0), 0);
    expect_open_error(p, SM_ERR_FORMAT, "empty");

    const char *text = "0\t0\t0\t12\t\n";
    assert_int_equal(ts_write_file(p, text, strlen(text)), 0);
    expect_open_error(p, SM_ERR_FORMAT, "not a SteadyMat session (bad magic)");

    /* CR LF -> LF, as a text-mode copy does. */
    char *tm = malloc(len);
    memcpy(tm, orig, 4);
    memcpy(tm + 4, orig + 5, len - 5);
    assert_int_equal(ts_write_file(p, tm, len - 1), 0);
    expect_open_error(p, SM_ERR_FORMAT, "text-mode");
    free(tm);

    char *d = malloc(len);
    memcpy(d, orig, len);
    d[8] = 7;
    d[9] = 0;
    assert_int_equal(ts_write_file(p, d, len), 0);
    char want[600];
    snprintf(want, sizeof want,
             "%s: session version 7 is newer than this SteadyMat supports (%d): update SteadyMat",
             p, SM_SESSION_VERSION);
    expect_open_error(p, SM_ERR_VERSION, want);
    assert_string_equal(err, want);
    assert_int_equal(ts_write_file(p, d, 10), 0); /* even when that is all there is */
    expect_open_error(p, SM_ERR_VERSION, "newer");

    memcpy(d, orig, len);
    d[8] = 0;
    assert_int_equal(ts_write_file(p, d, len), 0);
    expect_open_error(p, SM_ERR_FORMAT, "version 0");

    memcpy(d, orig, len);
    d[30] ^= 4; /* inside the header body */
    assert_int_equal(ts_write_file(p, d, len), 0);
    expect_open_error(p, SM_ERR_CRC, "header is damaged");

    memcpy(d, orig, len);
    d[12] = (char)0xff; /* body length */
    d[13] = (char)0xff;
    d[14] = (char)0xff;
    d[15] = (char)0x7f;
    assert_int_equal(ts_write_file(p, d, len), 0);
    expect_open_error(p, SM_ERR_FORMAT, "header is damaged");
    free(d);

    /* Every cut inside the header. */
    size_t hdr = header_bytes(24, 32);
    for (size_t cut = 1; cut < hdr; cut++) {
        assert_int_equal(ts_write_file(p, orig, cut), 0);
        char part[64];
        snprintf(part, sizeof part, "header truncated at byte %zu", cut);
        expect_open_error(p, SM_ERR_FORMAT, part);
    }

    /* The header alone is an empty session. */
    assert_int_equal(ts_write_file(p, orig, hdr), 0);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    static sm_session_record_t rec;
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    assert_int_equal(sm_session_reader_seek(r, 0), SM_OK);
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_true(st->frames == 0 && st->corrupt == 0 && st->torn_tail == 0);
    sm_session_reader_close(r);

    /* A writer that never got a frame leaves exactly that. */
    const char *empty = write_session("none.smsession", SM_SESSION_VERSION, 3, 3, 0);
    struct stat sb;
    assert_int_equal(stat(empty, &sb), 0);
    assert_int_equal((size_t)sb.st_size, header_bytes(3, 3));
    free(orig);
}

/* A header with a valid checksum but values without physical sense is refused by name. */
static void put_f64_le(uint8_t *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

static void test_absurd_header_values(void **state)
{
    (void)state;
    const char *good = write_session("sane.smsession", SM_SESSION_VERSION, 16, 16, 5);
    size_t len;
    uint8_t *orig = (uint8_t *)ts_read_file(good, &len);
    assert_non_null(orig);
    uint32_t body = (uint32_t)orig[12] | (uint32_t)orig[13] << 8 | (uint32_t)orig[14] << 16 |
                    (uint32_t)orig[15] << 24;
    const struct {
        size_t off; /* in the body */
        double v;
        int is_int;
        const char *member;
    } bad[] = {
        {8, 1e300, 0, "pitch_mm 1e+300"}, {8, 0.2, 0, "pitch_mm 0.2"},
        {8, 250, 0, "pitch_mm 250"},      {8, -3, 0, "pitch_mm -3"},
        {16, 5000, 0, "rate_hz 5000"},    {16, 0.01, 0, "rate_hz 0.01"},
        {16, 1e308, 0, "rate_hz 1e+308"}, {24, -5, 1, "start_unix_ms -5"},
    };
    const char *p = ts_path(tmp(), "absurd.smsession");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *d = malloc(len);
        memcpy(d, orig, len);
        uint8_t *at = d + SM_SESSFMT_HDR_FIXED + bad[i].off;
        if (bad[i].is_int) {
            uint64_t u = (uint64_t)(int64_t)bad[i].v;
            for (int k = 0; k < 8; k++)
                at[k] = (uint8_t)(u >> (8 * k));
        } else {
            put_f64_le(at, bad[i].v);
        }
        uint32_t crc = sm_crc32c(d + 8, 8 + body);
        for (int k = 0; k < 4; k++)
            d[SM_SESSFMT_HDR_FIXED + body + k] = (uint8_t)(crc >> (8 * k));
        assert_int_equal(ts_write_file(p, d, len), 0);
        expect_open_error(p, SM_ERR_FORMAT, bad[i].member);
        free(d);
    }
    /* In range (and 0 = unknown) stays readable; a writer stores what a reader would refuse
     * as unknown. */
    sm_session_header_t h = make_header(4, 4);
    h.mat.pitch_mm = 0.5;
    h.mat.rate_hz = 1e9;
    h.start_unix_ms = -1;
    sm_session_writer_t *w;
    const char *q = ts_path(tmp(), "odd-mat.smsession");
    assert_int_equal(sm_session_writer_open(q, &h, &w, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_writer_close(w, err, sizeof err), SM_OK);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(q, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *got = sm_session_reader_header(r);
    assert_true(got->mat.pitch_mm == 0 && got->mat.rate_hz == 0 && got->start_unix_ms == 0);
    sm_session_reader_close(r);
    free(orig);
}

/* ---- forward compatibility: a minor version 1.3 file ---- */
static size_t put_record(uint8_t *out, uint8_t kind, const uint8_t *payload, uint32_t len)
{
    out[0] = SM_SESSFMT_SYNC0;
    out[1] = SM_SESSFMT_SYNC1;
    out[2] = SM_SESSFMT_SYNC2;
    out[3] = SM_SESSFMT_SYNC3;
    out[4] = kind;
    for (int i = 0; i < 4; i++)
        out[5 + i] = (uint8_t)(len >> (8 * i));
    memcpy(out + 9, payload, len);
    uint32_t crc = sm_crc32c(out + 4, 5 + (size_t)len);
    for (int i = 0; i < 4; i++)
        out[9 + len + i] = (uint8_t)(crc >> (8 * i));
    return 13 + (size_t)len;
}

static void test_forward_compatible(void **state)
{
    (void)state;
    static uint8_t buf[65536];
    sm_session_header_t h = make_header(4, 4);
    size_t hn = sm_sessfmt_encode_header(&h, 1, buf, sizeof buf);
    /* Minor 3 with 10 more header bytes. */
    size_t body = hn - 20 + 10;
    buf[10] = 3;
    for (int i = 0; i < 4; i++)
        buf[12 + i] = (uint8_t)(body >> (8 * i));
    memset(buf + hn - 4, 0xEE, 10);
    uint32_t crc = sm_crc32c(buf + 8, 8 + body);
    size_t off = 16 + body;
    for (int i = 0; i < 4; i++)
        buf[off + i] = (uint8_t)(crc >> (8 * i));
    off += 4;

    static sm_frame_t f;
    static uint8_t rec[16384];
    make_frame(&f, 4, 4, 0, 0);
    size_t rn = sm_sessfmt_encode_frame(&f, rec, sizeof rec);
    uint8_t payload[200];
    memcpy(payload, rec + 9, rn - 13);
    memset(payload + rn - 13, 0xAB, 6); /* a 1.3 frame carries 6 more bytes */
    off += put_record(buf + off, SM_SESSFMT_REC_FRAME, payload, (uint32_t)(rn - 13 + 6));
    memset(payload, 0x5A, sizeof payload);
    off += put_record(buf + off, 9, payload, 100); /* a record kind from 1.3 */
    make_frame(&f, 4, 5, 7, 7 * DT_US);            /* valid CRC, but not the header's 4 x 4 */
    off += sm_sessfmt_encode_frame(&f, buf + off, sizeof buf - off);
    make_frame(&f, 4, 4, 1, DT_US);
    off += sm_sessfmt_encode_frame(&f, buf + off, sizeof buf - off);

    const char *p = ts_path(tmp(), "v13.smsession");
    assert_int_equal(ts_write_file(p, buf, off), 0);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    assert_string_equal(sm_session_reader_header(r)->source, "sim:test");
    assert_int_equal(read_all(r, 4, 4, NULL, 0), 2);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->unknown, 1);
    assert_int_equal(st->corrupt, 1); /* the 4 x 5 frame */
    sm_session_reader_close(r);
}

/* ---- hostile files ---- */
static void read_hostile(const char *p, uint64_t *seed)
{
    sm_session_reader_t *r;
    if (sm_session_reader_open(p, &r, err, sizeof err) != SM_OK) {
        assert_true(err[0] != 0);
        return;
    }
    static sm_session_record_t rec;
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_true(st->bytes_skipped + st->tail_bytes <= (unsigned long)sb.st_size);
    for (int pass = 0; pass < 2; pass++) {
        unsigned long frames = 0;
        while (sm_session_reader_next(r, &rec) == SM_OK) {
            if (rec.kind == SM_REC_FRAME) {
                assert_int_equal(rec.frame.rows, sm_session_reader_header(r)->mat.rows);
                assert_int_equal(rec.frame.cols, sm_session_reader_header(r)->mat.cols);
                frames++;
            } else {
                assert_int_equal(rec.kind, SM_REC_GAP);
                assert_true(strlen(rec.gap_reason) < sizeof rec.gap_reason);
            }
        }
        if (pass == 0)
            assert_int_equal(frames, st->frames);
        sm_session_reader_seek(r, ts_rand(seed));
    }
    sm_session_reader_close(r);
}

static void hostile(unsigned major)
{
    uint64_t seed = 1234 + major;
    const char *p = ts_path(tmp(), "hostile.smsession");
    static uint8_t buf[70000];
    size_t hdr = header_bytes(4, 4);
    const char *good = write_session("h-good.smsession", major, 4, 4, 200);
    /* One damaged record costs a frame in 1.0, a chunk of 250 ms (25 frames here) in 2.0. */
    const unsigned per_record = major == 1 ? 1 : SM_SESSION_FLUSH_US / DT_US;
    size_t glen;
    char *g = ts_read_file(good, &glen);
    assert_non_null(g);
    for (int it = 0; it < 400; it++) {
        size_t n = ts_rand(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)ts_rand(&seed);
        int mode = it % 4;
        if (mode >= 1 && n > hdr) /* a valid header, then random bytes */
            memcpy(buf, g, hdr);
        if (mode >= 2 && n > hdr) { /* random sync markers and lengths among them */
            for (size_t i = hdr; i + 9 < n; i += 1 + ts_rand(&seed) % 300) {
                buf[i] = SM_SESSFMT_SYNC0;
                buf[i + 1] = SM_SESSFMT_SYNC1;
                buf[i + 2] = SM_SESSFMT_SYNC2;
                buf[i + 3] = SM_SESSFMT_SYNC3;
                buf[i + 4] = (uint8_t)(1 + ts_rand(&seed) % 3);
                uint32_t l = (uint32_t)(ts_rand(&seed) % 20000);
                memcpy(buf + i + 5, &l, 4);
            }
        }
        if (mode == 3) { /* a good file with random damage: what survives must be intact */
            n = glen;
            memcpy(buf, g, n);
            int hits = 1 + (int)(ts_rand(&seed) % 20);
            for (int k = 0; k < hits; k++)
                buf[hdr + ts_rand(&seed) % (n - hdr)] = (uint8_t)ts_rand(&seed);
            assert_int_equal(ts_write_file(p, buf, n), 0);
            sm_session_reader_t *r;
            assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
            size_t frames = read_all(r, 4, 4, NULL, 0); /* checks every frame's content */
            assert_true(frames + (unsigned)hits * per_record >= 200u);
            sm_session_reader_close(r);
            continue;
        }
        assert_int_equal(ts_write_file(p, buf, n), 0);
        read_hostile(p, &seed);
    }
    /* Back-to-back markers that each claim a maximal record: bounded work, no records. */
    memcpy(buf, g, hdr);
    size_t n = hdr;
    while (n + 9 <= 64000) {
        buf[n++] = SM_SESSFMT_SYNC0;
        buf[n++] = SM_SESSFMT_SYNC1;
        buf[n++] = SM_SESSFMT_SYNC2;
        buf[n++] = SM_SESSFMT_SYNC3;
        buf[n++] = 1;
        uint32_t l = SM_SESSFMT_MAX_PAYLOAD;
        memcpy(buf + n, &l, 4);
        n += 4;
    }
    assert_int_equal(ts_write_file(p, buf, n), 0);
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(p, &r, err, sizeof err), SM_OK);
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    assert_int_equal(st->frames, 0);
    assert_int_equal(st->bytes_skipped + st->tail_bytes, n - hdr);
    sm_session_reader_close(r);
    free(g);
}

static void test_hostile(void **state)
{
    (void)state;
    hostile(1);
    hostile(SM_SESSION_VERSION);
}

/* ---- import ---- */
static void test_import_pmatdata(void **state)
{
    (void)state;
    const char *in = ts_data("pmatdata/1.txt");
    const char *out = ts_path(tmp(), "pmat.smsession");
    sm_import_stats_t st;
    assert_int_equal(sm_session_import_text(in, out, 64, 32, 1.0, 28.0, &st, err, sizeof err),
                     SM_OK);
    assert_int_equal(st.frames,
                     82); /* every line holds 2048 values (checked in test_core_textfmt) */
    assert_int_equal(st.bad_lines, 0);

    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(out, &r, err, sizeof err), SM_OK);
    const sm_session_header_t *h = sm_session_reader_header(r);
    assert_int_equal(h->mat.rows, 64);
    assert_int_equal(h->mat.cols, 32);
    assert_int_equal(h->mat.sample_max, 4095); /* largest value in the file is 3841 */
    assert_true(h->mat.rate_hz == 1.0 && h->mat.pitch_mm == 28.0);
    assert_string_equal(h->source, "import:1.txt");

    size_t len;
    char *text = ts_read_file(in, &len);
    assert_non_null(text);
    const char *p = text;
    static sm_session_record_t rec;
    for (uint32_t k = 0; k < 82; k++) {
        assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
        assert_int_equal(rec.kind, SM_REC_FRAME);
        assert_int_equal(rec.frame.seq, k);
        assert_true(rec.frame.t_us == (uint64_t)k * 1000000u);
        assert_int_equal(rec.frame.rows, 64);
        assert_int_equal(rec.frame.cols, 32);
        for (size_t i = 0; i < 2048; i++) { /* same numbers as in the text, row-major */
            char *end;
            unsigned long v = strtoul(p, &end, 10);
            assert_true(end != p);
            assert_int_equal(rec.frame.cells[i], v);
            p = end;
        }
    }
    assert_int_equal(sm_session_reader_next(r, &rec), SM_EOF);
    uint64_t a, b;
    unsigned long n;
    sm_session_reader_span(r, &a, &b, &n);
    assert_true(a == 0 && b == 81000000u && n == 82);
    sm_session_reader_close(r);
    free(text);
}

static void test_import_text(void **state)
{
    (void)state;
    const char *dir = ts_tempdir();
    const char *in = ts_path(dir, "diy.csv");
    const char *text = "a,b,c\r\n1,2,3\r\n4,5,6\r\n\r\n9,9,9\r\n7,8,70000\r\n10,11,12\r\n"
                       "13,14,15\r\n12345\r\n16,17,18.5\r\n19,20,4095\r\n";
    assert_int_equal(ts_write_file(in, text, strlen(text)), 0);
    const char *out = ts_path(dir, "diy.smsession");
    sm_import_stats_t st;
    assert_int_equal(sm_session_import_text(in, out, 2, 3, 30.0, 0, &st, err, sizeof err), SM_OK);
    assert_int_equal(st.frames, 3);
    assert_int_equal(st.bad_lines, 4); /* header, 70000 line, the row it cut off, 12345 */
    assert_int_equal(st.last_bad_line, 9);
    assert_string_equal(st.last_error, "line 9: 1 values, expected 6 (2 x 3) or 3");
    sm_session_reader_t *r;
    assert_int_equal(sm_session_reader_open(out, &r, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_header(r)->mat.sample_max, 4095);
    assert_string_equal(sm_session_reader_header(r)->source, "import:diy.csv");
    static sm_session_record_t rec;
    const uint64_t t[] = {0, 33333, 66667}; /* k / 30 Hz, rounded to the microsecond */
    const uint16_t last[] = {6, 15, 4095};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sm_session_reader_next(r, &rec), SM_OK);
        assert_true(rec.frame.t_us == t[k]);
        assert_int_equal(rec.frame.cells[5], last[k]);
        assert_int_equal(rec.frame.flags, k == 2 ? SM_FRAME_SATURATED : 0);
    }
    assert_int_equal(rec.frame.cells[2], 19); /* 18.5 rounded */
    sm_session_reader_close(r);

    /* Values above 4095 make it a 16-bit session. */
    text = "1 2 3 4 5 60000\n";
    assert_int_equal(ts_write_file(in, text, strlen(text)), 0);
    assert_int_equal(sm_session_import_text(in, out, 2, 3, 30.0, 0, &st, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_open(out, &r, err, sizeof err), SM_OK);
    assert_int_equal(sm_session_reader_header(r)->mat.sample_max, 65535);
    sm_session_reader_close(r);

    /* Nothing usable: an error, and no output file. */
    const char *out2 = ts_path(dir, "none.smsession");
    text = "hello\n1 2\n";
    assert_int_equal(ts_write_file(in, text, strlen(text)), 0);
    assert_int_equal(sm_session_import_text(in, out2, 2, 3, 30.0, 0, &st, err, sizeof err),
                     SM_ERR_FORMAT);
    assert_non_null(strstr(err, "no 2x3 frames found"));
    assert_non_null(strstr(err, "line 2: 2 values"));
    assert_int_equal(access(out2, F_OK), -1);
    assert_int_equal(st.bad_lines, 2);

    assert_int_equal(sm_session_import_text(ts_path(dir, "missing.txt"), out2, 2, 3, 30.0, 0, &st,
                                            err, sizeof err),
                     SM_ERR_IO);
    assert_int_equal(sm_session_import_text(in, out2, 2, 3, 0.0, 0, NULL, err, sizeof err),
                     SM_ERR_ARG);
    assert_int_equal(sm_session_import_text(in, in, 2, 3, 30.0, 0, NULL, err, sizeof err),
                     SM_ERR_ARG);
    assert_non_null(strstr(err, "both input and output"));
    size_t len;
    char *still = ts_read_file(in, &len);
    assert_non_null(still);
    assert_string_equal(still, text); /* untouched */
    free(still);
    assert_int_equal(sm_session_import_text(in, out2, 0, 3, 30.0, 0, NULL, err, sizeof err),
                     SM_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_header_strings),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_seek_unsorted),
        cmocka_unit_test(test_torn_tail_every_cut),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_sync_marker_flood),
        cmocka_unit_test(test_flush_policy),
        cmocka_unit_test(test_killed_recorder),
        cmocka_unit_test(test_dev_full),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_writer_misuse),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_absurd_header_values),
        cmocka_unit_test(test_forward_compatible),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_import_pmatdata),
        cmocka_unit_test(test_import_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
