#include "sm_mix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sm_mix {
    int rate;
    float *ring; /* future samples; ring[(head + i) % cap] is sample pos + i */
    size_t cap, head;
    uint64_t pos; /* absolute index of the next sample to render */
    float volume;
    int mute;
};

sm_status sm_mix_create(int rate_hz, double horizon_s, sm_mix_t **out)
{
    *out = NULL;
    if (rate_hz < 8000 || rate_hz > 192000 || !(horizon_s > 0 && horizon_s <= 60))
        return SM_ERR_ARG;
    sm_mix_t *m = calloc(1, sizeof *m);
    if (!m)
        return SM_ERR_NOMEM;
    m->rate = rate_hz;
    m->cap = (size_t)ceil(horizon_s * rate_hz);
    m->ring = calloc(m->cap, sizeof *m->ring);
    if (!m->ring) {
        free(m);
        return SM_ERR_NOMEM;
    }
    /* A large calloc gets fresh pages that are not in memory yet: each would be faulted in
     * while sounding, one every 20 ms or so through the first pass around the ring (and a
     * malloc + memset is compiled into the same calloc). One write per page through a volatile
     * pointer, which no compiler can drop, brings them all in now. */
    volatile float *page = m->ring;
    for (size_t i = 0; i < m->cap; i += 1024)
        page[i] = 0.0f;
    m->volume = 1.0f;
    *out = m;
    return SM_OK;
}

void sm_mix_destroy(sm_mix_t *m)
{
    if (!m)
        return;
    free(m->ring);
    free(m);
}

void sm_mix_add(sm_mix_t *m, double t_s, const float *pcm, size_t n, float gain)
{
    if (!(t_s >= 0))
        t_s = 0;
    uint64_t at = (uint64_t)llround(t_s * m->rate);
    if (at < m->pos)
        at = m->pos; /* late: play now rather than never */
    for (size_t i = 0; i < n; i++) {
        uint64_t k = at + i - m->pos;
        if (k >= m->cap)
            break;
        m->ring[(m->head + k) % m->cap] += pcm[i] * gain;
    }
}

void sm_mix_cut(sm_mix_t *m, double t_s, double fade_s)
{
    if (!(t_s >= 0))
        t_s = 0;
    uint64_t at = (uint64_t)llround(t_s * m->rate);
    if (at < m->pos)
        at = m->pos;
    size_t fade = fade_s > 0 ? (size_t)llround(fade_s * m->rate) : 0;
    for (uint64_t k = at - m->pos; k < m->cap; k++) {
        uint64_t i = k - (at - m->pos);
        float g = i < fade ? 1.0f - (float)(i + 1) / (float)(fade + 1) : 0.0f;
        m->ring[(m->head + k) % m->cap] *= g;
    }
}

void sm_mix_set_volume(sm_mix_t *m, float volume)
{
    m->volume = volume < 0 ? 0 : volume > 1 ? 1 : volume;
}

float sm_mix_volume(const sm_mix_t *m)
{
    return m->volume;
}

void sm_mix_set_mute(sm_mix_t *m, int mute)
{
    m->mute = mute != 0;
}

int sm_mix_muted(const sm_mix_t *m)
{
    return m->mute;
}

size_t sm_mix_render(sm_mix_t *m, double t_s, int16_t *out, size_t cap)
{
    uint64_t until = t_s > 0 ? (uint64_t)llround(t_s * m->rate) : 0;
    size_t n = 0;
    float g = m->mute ? 0.0f : m->volume;
    while (m->pos < until && n < cap) {
        float v = m->ring[m->head] * g * 32767.0f;
        m->ring[m->head] = 0;
        if (++m->head == m->cap)
            m->head = 0;
        m->pos++;
        out[n++] = (int16_t)(v > 32767.0f ? 32767 : v < -32768.0f ? -32768 : lrintf(v));
    }
    return n;
}

void sm_mix_seek(sm_mix_t *m, double t_s)
{
    memset(m->ring, 0, m->cap * sizeof *m->ring);
    m->head = 0;
    m->pos = t_s > 0 ? (uint64_t)llround(t_s * m->rate) : 0;
}

double sm_mix_position(const sm_mix_t *m)
{
    return (double)m->pos / m->rate;
}
