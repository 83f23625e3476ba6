#include "sm_wav.h"

#include "sm_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sm_wav_writer {
    FILE *f;
    char path[256];
    uint32_t samples;
    int rate;
    int failed;
};

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void header(uint8_t h[44], int rate, uint32_t samples)
{
    uint32_t data = samples * 2u;
    memcpy(h, "RIFF", 4);
    le32(h + 4, 36u + data);
    memcpy(h + 8, "WAVEfmt ", 8);
    le32(h + 16, 16);
    le16(h + 20, 1); /* PCM */
    le16(h + 22, 1); /* mono */
    le32(h + 24, (uint32_t)rate);
    le32(h + 28, (uint32_t)rate * 2u);
    le16(h + 32, 2);
    le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    le32(h + 40, data);
}

static int rate_of(const uint8_t h[44])
{
    return (int)(h[24] | h[25] << 8 | h[26] << 16 | (uint32_t)h[27] << 24);
}

sm_status sm_wav_open(const char *path, int rate_hz, sm_wav_writer_t **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    sm_wav_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    int fd = sm_file_create(path, 1); /* private, never through a symlink */
    w->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!w->f) {
        snprintf(err, errlen, "cannot write the sound to %s: %s", path, sm_file_why(errno));
        if (fd >= 0)
            close(fd);
        free(w);
        return SM_ERR_IO;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    w->rate = rate_hz;
    uint8_t h[44];
    header(h, rate_hz, 0);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        snprintf(err, errlen, "cannot write the sound to %s: %s", path, strerror(errno));
        fclose(w->f);
        free(w);
        return SM_ERR_IO;
    }
    *out = w;
    return SM_OK;
}

sm_status sm_wav_write(sm_wav_writer_t *w, const int16_t *pcm, size_t n, char *err, size_t errlen)
{
    if (w->failed)
        return SM_ERR_IO;
    uint8_t buf[4096];
    size_t done = 0;
    while (done < n) {
        size_t k = 0;
        for (; k < sizeof buf / 2 && done + k < n; k++)
            le16(buf + 2 * k, (uint16_t)pcm[done + k]);
        if (fwrite(buf, 2, k, w->f) != k) {
            w->failed = 1;
            snprintf(err, errlen, "writing the sound to %s stopped: %s", w->path, strerror(errno));
            return SM_ERR_IO;
        }
        done += k;
    }
    w->samples += (uint32_t)n;
    return SM_OK;
}

sm_status sm_wav_close(sm_wav_writer_t *w, char *err, size_t errlen)
{
    if (!w)
        return SM_OK;
    sm_status s = w->failed ? SM_ERR_IO : SM_OK;
    uint8_t h[44];
    header(h, w->rate, w->samples);
    if (fflush(w->f) != 0 || fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, 44, w->f) != 44)
        s = SM_ERR_IO;
    if (fclose(w->f) != 0)
        s = SM_ERR_IO;
    if (s != SM_OK)
        snprintf(err, errlen, "finishing the sound file %s failed: %s", w->path, strerror(errno));
    free(w);
    return s;
}

sm_status sm_wav_read(const char *path, int16_t **pcm, size_t *n, int *rate_hz, char *err,
                      size_t errlen)
{
    *pcm = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SM_ERR_IO;
    }
    uint8_t h[44];
    if (fread(h, 1, 44, f) != 44 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVEfmt ", 8) ||
        h[20] != 1 || h[22] != 1 || h[34] != 16 || memcmp(h + 36, "data", 4)) {
        snprintf(err, errlen, "%s is not a 16-bit mono PCM WAV file", path);
        fclose(f);
        return SM_ERR_FORMAT;
    }
    *rate_hz = rate_of(h);
    uint32_t bytes = (uint32_t)(h[40] | h[41] << 8 | h[42] << 16 | (uint32_t)h[43] << 24);
    if (bytes > (1u << 30)) {
        snprintf(err, errlen, "%s: data size %u is not plausible", path, bytes);
        fclose(f);
        return SM_ERR_FORMAT;
    }
    int16_t *buf = malloc(bytes ? bytes : 2);
    size_t got = buf ? fread(buf, 2, bytes / 2, f) : 0;
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    for (size_t i = 0; i < got; i++) {
        const uint8_t *p = (const uint8_t *)&buf[i];
        buf[i] = (int16_t)(uint16_t)(p[0] | p[1] << 8);
    }
    *pcm = buf;
    *n = got;
    return SM_OK;
}
