/*
 * Cue sounds for the coach (sm_coach's SM_CUE_* kinds), synthesised: a kind and an intensity in,
 * mono PCM out. Pure and deterministic (no tables, no randomness, no I/O), so a WAV written by
 * --audio-out is the same on every run. Each cue is short, distinct and soft-edged (attack and
 * release ramps, no clicks); the peak never exceeds SM_CUE_PEAK, so mixing two never clips
 * hard, and int16 output is never clipped.
 *
 *   found        two rising tones (a fifth, C5 G5), bright
 *   steady       soft marimba-like tock (C6), quieter than the rest but in the speaker's band
 *   wiggle_start rough pulsing buzz (220 Hz, its low harmonics turned down); loudness and pulse
 *                rate follow the intensity
 *   wiggle       the same buzz, one 0.25 s pulse train (repeated while moving)
 *   wiggle_stop  a short soft downward glide ("settled")
 *   checkin      two-note question (a rising fourth, D5 G5, the second note bending up)
 *   threshold    bell-like chime: inharmonic partials with exponential decay, 2 s
 *   phase        three-note rising motif (C5 E5 G5)
 *   push / relax metronome: high / low woodblock knock
 *   lift_off     two falling pure tones, each sagging (F5 C#5)
 *   closer       short pure blip gliding up; the nearer the target (intensity 0 far .. 1 on
 *                it), the higher it starts (700 Hz .. 1400 Hz)
 *   on_target    clear double chime: two identical high bell strikes
 *   nogo         urgent two-tone alarm (alternating 880 / 660 Hz, 8 per second, mellow
 *                odd harmonics): unmistakable but not painful
 *   mat_lost     three notes sliding down and breaking off, with a tremolo
 *
 * Measured, not guessed (tests/unit/test_core_cue_measure.c, EBU R128 with libebur128, each
 * cue alone in at least one 400 ms block): every cue has most of its energy between 500 Hz and
 * 4 kHz, where laptop and phone speakers play, and all of them lie within 3 LU of each other
 * (about -18 LUFS before the mixer's gain) at the intensity the coach plays them; the steady
 * tick is at the soft end of that range. The bell and the alarm are louder by design (up to
 * 6 LU); the buzz follows the amount of movement (about -18 LUFS at intensity 0.5).
 *
 * Thread context: reentrant.
 */
#ifndef SM_CUE_H
#define SM_CUE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_coach.h"

#define SM_CUE_PEAK 0.8f /* largest absolute sample of any cue (float scale, 1 = full) */

/* The intensity a cue is usually played with (the tick 0.6, the buzz and the closer blip 0.5 -
 * the middle of their range -, the others 1): for the sound tour. */
double sm_cue_typical_intensity(sm_cue_kind_t kind);
/* A cue's duration, s (0 for an unknown kind). */
double sm_cue_duration_s(sm_cue_kind_t kind);
/* For people: the cue's name ("Found", "Steady tick", "Release bell"), */
const char *sm_cue_title(sm_cue_kind_t kind);
/* what the cue means and what to do, one short sentence each ("The tool is found
 * and the hold has started.", "Lie still and breathe slowly."); "" for an unknown kind. */
const char *sm_cue_meaning(sm_cue_kind_t kind);
const char *sm_cue_todo(sm_cue_kind_t kind);
/* The spoken phrase played with a cue under --voice, in language lang ("en", "de", "fr", "es";
 * anything else gives English), or NULL when the cue has none. The words as shown; a speech
 * synthesiser reads " - " as a pause. */
const char *sm_cue_phrase(sm_cue_kind_t kind, const char *lang);
/* 1 when the phrases exist in language lang (two letters), else 0. */
int sm_cue_phrase_lang(const char *lang);

/* Samples a cue takes at rate_hz (8000..192000); 0 for an unknown kind or rate. */
size_t sm_cue_length(sm_cue_kind_t kind, int rate_hz);

/* Render a cue into out[0..cap) as floats in -SM_CUE_PEAK..SM_CUE_PEAK; intensity 0..1
 * (clamped; wiggle cues follow it in loudness and pulse rate, closer in pitch, the others
 * scale their loudness gently with it: 0.7 .. 1 times). Returns
 * the samples written: min(cap, sm_cue_length()). */
size_t sm_cue_render(sm_cue_kind_t kind, double intensity, int rate_hz, float *out, size_t cap);

/* The same as signed 16-bit samples. */
size_t sm_cue_render_s16(sm_cue_kind_t kind, double intensity, int rate_hz, int16_t *out,
                         size_t cap);

#endif
