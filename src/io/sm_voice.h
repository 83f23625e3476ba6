/*
 * Spoken prompts (--voice): the phrase of every cue that has one (sm_cue_phrase), synthesised
 * once with espeak-ng into buffers when the session starts, so nothing is synthesised on the
 * per-frame path; the pipeline mixes them with the tones (sm_pipeline_set_voice).
 *
 * Language: the one asked for, else the locale's (LC_ALL, LC_MESSAGES, LANG) when SteadyMat has
 * the phrases in it and espeak-ng a voice for it, else English.
 *
 * Thread context: espeak-ng is one per process: create and destroy from one thread, not while
 * another voice is being created. The buffers are read-only after create.
 */
#ifndef SM_VOICE_H
#define SM_VOICE_H

#include <stddef.h>

#include "sm_coach.h"
#include "sm_status.h"

typedef struct sm_voice sm_voice_t;

/* lang: two letters ("en", "de"), or NULL for the locale's. rate_hz: the mixer's rate. The
 * phrases are normalised to the cues' loudness (RMS over the phrase about -18 dBFS, peaks rounded
 * off below 0.8). SM_ERR_IO with a one-line message when espeak-ng cannot start (no data files). */
sm_status sm_voice_create(const char *lang, int rate_hz, sm_voice_t **out, char *err,
                          size_t errlen);
void sm_voice_destroy(sm_voice_t *v); /* NULL-safe */

/* The two-letter language in use ("en"). */
const char *sm_voice_lang(const sm_voice_t *v);
/* Per cue kind: the phrase's samples (mono floats at rate_hz, owned by v) and their counts, 0
 * for the kinds without a phrase; arrays of SM_CUE_KINDS for sm_pipeline_set_voice. */
const float *const *sm_voice_pcm(const sm_voice_t *v);
const size_t *sm_voice_len(const sm_voice_t *v);

#endif
