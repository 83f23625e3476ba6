/* The speaker: mixed cue samples (from sm_mix) queued to an SDL audio device. Thread context:
 * main thread; SDL pulls the queue on its own audio thread. */
#ifndef SM_SOUND_H
#define SM_SOUND_H

#include <stddef.h>
#include <stdint.h>

typedef struct sm_sound sm_sound_t;

/* Opens the default output (mono, 16-bit, rate_hz). NULL and a one-line message when there is no
 * audio device; the caller carries on silently (coaching then relies on the screen). */
sm_sound_t *sm_sound_open(int rate_hz, char *err, size_t errlen);
/* Queue samples for playback. Keeps at most ~200 ms queued so cues never lag the mat: older
 * queued audio is dropped if the device falls behind. */
void sm_sound_play(sm_sound_t *s, const int16_t *pcm, size_t n);
void sm_sound_close(sm_sound_t *s); /* NULL-safe */

#endif
