/* libFuzzer: the session reader on arbitrary files. The first byte picks whether a valid header
 * is put in front (so the fuzzer spends its time on records, past the header CRC) or the bytes
 * are the whole file, and whether that header is of format 2.0 (chunks of compressed frames)
 * or 1.0. Reads every record, seeks to a few times, reads again. A first byte of 0xFF instead
 * makes the bytes frames (any samples, times and flags) that are written as 2.0 and must read
 * back identical: the chunk encoder and decoder on inputs no test thought of. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[256];
static int fd = -1;

static void cleanup(void)
{
    if (fd >= 0)
        unlink(path);
}

static int open_scratch(void)
{
    const char *dirs[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
    for (size_t i = 0; i < 3; i++) {
        if (!dirs[i])
            continue;
        snprintf(path, sizeof path, "%s/fuzz_session.XXXXXX", dirs[i]);
        fd = mkstemp(path);
        if (fd >= 0) {
            atexit(cleanup);
            return 0;
        }
    }
    return -1;
}

static void read_records(sm_session_reader_t *r, unsigned long max_frames)
{
    static sm_session_record_t rec;
    unsigned long frames = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (rec.kind == SM_REC_FRAME) {
            const sm_session_header_t *h = sm_session_reader_header(r);
            if (rec.frame.rows != h->mat.rows || rec.frame.cols != h->mat.cols)
                abort();
            frames++;
        } else if (rec.kind != SM_REC_GAP || strlen(rec.gap_reason) >= sizeof rec.gap_reason) {
            abort();
        }
    }
    if (frames > max_frames)
        abort();
}

/* data: rows-1, cols-1 (mod 8), then per frame dt (ms), flags, and 2 bytes per cell. */
static void round_trip(const uint8_t *data, size_t size)
{
    static sm_frame_t f[64];
    static sm_session_record_t rec;
    if (size < 2)
        return;
    uint16_t rows = (uint16_t)(1 + data[0] % 8), cols = (uint16_t)(1 + data[1] % 8);
    size_t cells = (size_t)rows * cols, per = 2 + 2 * cells, n = 0;
    uint64_t t = 0;
    for (size_t off = 2; off + per <= size && n < 64; off += per, n++) {
        t += (uint64_t)data[off] * 1000u;
        f[n].t_us = t;
        f[n].seq = (uint32_t)(n * data[off + 1]);
        f[n].dev_t_us = (uint32_t)(t * 3);
        f[n].flags = data[off + 1];
        f[n].rows = rows;
        f[n].cols = cols;
        for (size_t i = 0; i < cells; i++)
            f[n].cells[i] = (uint16_t)(data[off + 2 + 2 * i] | data[off + 3 + 2 * i] << 8);
    }
    sm_session_header_t h;
    memset(&h, 0, sizeof h);
    h.mat.rows = rows;
    h.mat.cols = cols;
    sm_session_writer_t *w;
    char err[512];
    if (sm_session_writer_open(path, &h, &w, err, sizeof err) != SM_OK)
        abort();
    for (size_t k = 0; k < n; k++)
        if (sm_session_writer_frame(w, &f[k], err, sizeof err) != SM_OK)
            abort();
    if (sm_session_writer_close(w, err, sizeof err) != SM_OK)
        abort();
    sm_session_reader_t *r;
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK)
        abort();
    size_t k = 0;
    while (sm_session_reader_next(r, &rec) == SM_OK) {
        if (k >= n || rec.frame.t_us != f[k].t_us || rec.frame.seq != f[k].seq ||
            rec.frame.dev_t_us != f[k].dev_t_us || rec.frame.flags != f[k].flags ||
            memcmp(rec.frame.cells, f[k].cells, cells * 2) != 0)
            abort();
        k++;
    }
    if (k != n || sm_session_reader_stats(r)->corrupt)
        abort();
    sm_session_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0 && open_scratch() != 0)
        abort();
    if (size < 1)
        return 0;
    if (data[0] == 0xFF) {
        round_trip(data + 1, size - 1);
        return 0;
    }
    uint8_t hdr[512];
    size_t hn = 0;
    if (data[0] & 1) {
        sm_session_header_t h;
        memset(&h, 0, sizeof h);
        h.mat.rows = (uint16_t)(1 + (data[0] >> 1) % 8);
        h.mat.cols = (uint16_t)(1 + (data[0] >> 4) % 8);
        snprintf(h.source, sizeof h.source, "fuzz");
        snprintf(h.protocol, sizeof h.protocol, "ball");
        snprintf(h.patient, sizeof h.patient, "Fuzz");
        hn = sm_sessfmt_encode_header(&h, (data[0] & 0x80) ? 1 : 2, hdr, sizeof hdr);
        if (hn == 0)
            abort();
    }
    data++;
    size--;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, hdr, hn, 0) != (ssize_t)hn ||
        pwrite(fd, data, size, (off_t)hn) != (ssize_t)size)
        abort();

    sm_session_reader_t *r;
    char err[512];
    if (sm_session_reader_open(path, &r, err, sizeof err) != SM_OK) {
        if (!err[0] || hn)
            abort(); /* a valid header always opens */
        return 0;
    }
    const sm_session_stats_t *st = sm_session_reader_stats(r);
    if (st->bytes_skipped + st->tail_bytes > size + hn)
        abort();
    unsigned long frames;
    uint64_t first, last;
    sm_session_reader_span(r, &first, &last, &frames);
    if (frames != st->frames)
        abort();
    read_records(r, frames);
    uint64_t targets[4] = {0, first, last, first + (last - first) / 2};
    for (int i = 0; i < 4; i++) {
        sm_session_reader_seek(r, targets[i]);
        read_records(r, frames);
    }
    sm_session_reader_close(r);
    return 0;
}
