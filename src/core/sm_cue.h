/*
 * Cue sounds for the coach (sm_coach's SM_CUE_* kinds), synthesised: a kind and an intensity in,
 * mono PCM out. Pure and deterministic (no tables, no randomness, no I/O), so a WAV written by
 * --audio-out is the same on every run. Each cue is short, distinct and soft-edged (attack and
 * release ramps, no clicks); the peak never exceeds SM_CUE_PEAK, so mixing two never clips
 * hard, and int16 output is never clipped.
 *
 *   found        two rising tones (a fifth), bright
 *   steady       soft low tick
 *   wiggle_start rough pulsing buzz; loudness and pulse rate follow the intensity
 *   wiggle       the same buzz, one 0.25 s pulse train (repeated while moving)
 *   wiggle_stop  a short soft downward glide ("settled")
 *   checkin      two-note question (a rising fourth, the second note bending up)
 *   threshold    bell-like chime: inharmonic partials with exponential decay, 2 s
 *   phase        three-note rising motif
 *   push / relax metronome: high / low woodblock click
 *   lift_off     two falling tones
 *   closer       short pure blip gliding up; the nearer the target (intensity 0 far .. 1 on
 *                it), the higher it starts (700 Hz .. 1400 Hz)
 *   on_target    clear double chime: two identical high bell strikes
 *   nogo         urgent two-tone alarm (alternating 880 / 660 Hz, 8 per second, mellow
 *                odd harmonics, moderate level): unmistakable but not painful
 *
 * Thread context: reentrant.
 */
#ifndef SM_CUE_H
#define SM_CUE_H

#include <stddef.h>
#include <stdint.h>

#include "sm_coach.h"

#define SM_CUE_PEAK 0.8f /* largest absolute sample of any cue (float scale, 1 = full) */

/* Samples a cue takes at rate_hz (8000..192000); 0 for an unknown kind or rate. */
size_t sm_cue_length(sm_cue_kind_t kind, int rate_hz);

/* Render a cue into out[0..cap) as floats in -SM_CUE_PEAK..SM_CUE_PEAK; intensity 0..1
 * (clamped; wiggle cues follow it, the others scale their loudness gently with it). Returns
 * the samples written: min(cap, sm_cue_length()). */
size_t sm_cue_render(sm_cue_kind_t kind, double intensity, int rate_hz, float *out, size_t cap);

/* The same as signed 16-bit samples. */
size_t sm_cue_render_s16(sm_cue_kind_t kind, double intensity, int rate_hz, int16_t *out,
                         size_t cap);

#endif
