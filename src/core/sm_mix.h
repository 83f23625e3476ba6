/*
 * Audio cue mixer on the session clock. Cues are scheduled at session times; render() hands out
 * the mixed samples up to a session time, so the same code feeds the speaker live and writes an
 * exact --audio-out WAV at any --speed. Pure: no audio device, no clock.
 */
#ifndef SM_MIX_H
#define SM_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "sm_status.h"

typedef struct sm_mix sm_mix_t;

/* rate_hz: output sample rate (e.g. 44100); horizon_s: longest cue plus scheduling slack. */
sm_status sm_mix_create(int rate_hz, double horizon_s, sm_mix_t **out);
void sm_mix_destroy(sm_mix_t *m); /* NULL-safe */

/* Schedule mono float samples (-1..1) at session time t_s, scaled by gain. A cue earlier than the
 * rendered position starts at that position; the part beyond the horizon is dropped. */
void sm_mix_add(sm_mix_t *m, double t_s, const float *pcm, size_t n, float gain);

/* Silence everything scheduled from session time t_s on, fading out over fade_s first (a cue
 * cut by a more urgent one, sm_cuesched). Samples already rendered are not touched. */
void sm_mix_cut(sm_mix_t *m, double t_s, double fade_s);

/* Master volume 0..1 and mute; applied at render. */
void sm_mix_set_volume(sm_mix_t *m, float volume);
float sm_mix_volume(const sm_mix_t *m);
void sm_mix_set_mute(sm_mix_t *m, int mute);
int sm_mix_muted(const sm_mix_t *m);

/* Mix everything up to session time t_s into out (int16, clipped) and advance. Returns the number
 * of samples written (at most cap; call again if it filled cap). */
size_t sm_mix_render(sm_mix_t *m, double t_s, int16_t *out, size_t cap);
/* Jump to session time t_s without rendering the time in between (a replay seek): pending cues
 * are dropped. */
void sm_mix_seek(sm_mix_t *m, double t_s);
/* Session time of the next sample render() will produce. */
double sm_mix_position(const sm_mix_t *m);

#endif
