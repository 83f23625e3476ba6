/* steadymat sounds: every cue once, in turn, with its name, what it means and what to do -
 * to learn them before lying down (issue 17). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cli.h"
#include "sm_clock.h"
#include "sm_cue.h"
#include "sm_file.h"
#include "sm_mix.h"
#include "sm_sound.h"
#include "sm_voice.h"
#include "sm_wav.h"

#define RATE      44100
#define PAUSE_S   1.2 /* silence after each cue: time to read its line */
#define LEAD_IN_S 0.3

typedef struct {
    double start_s[SM_CUE_KINDS], end_s[SM_CUE_KINDS];
    double total_s;
} tour_t;

/* Lay the cues out one after the other (with their phrases under --voice, the tone
 * underneath as in a session) into the mixer; returns the layout. */
static void lay_out(sm_mix_t *mix, const sm_voice_t *voice, tour_t *t)
{
    static float buf[RATE * 3];
    double at = LEAD_IN_S;
    for (int k = 0; k < SM_CUE_KINDS; k++) {
        size_t n = sm_cue_render((sm_cue_kind_t)k, sm_cue_typical_intensity((sm_cue_kind_t)k), RATE,
                                 buf, RATE * 3);
        const float *pv = voice ? sm_voice_pcm(voice)[k] : NULL;
        size_t nv = voice ? sm_voice_len(voice)[k] : 0;
        double dur = (double)n / RATE;
        sm_mix_add(mix, at, buf, n, pv ? 0.5f : 1.0f);
        if (pv) {
            sm_mix_add(mix, at + 0.12, pv, nv, 1.0f);
            if (0.12 + (double)nv / RATE > dur)
                dur = 0.12 + (double)nv / RATE;
        }
        t->start_s[k] = at;
        t->end_s[k] = at + dur;
        at += dur + PAUSE_S;
    }
    t->total_s = at;
}

static void print_cue(FILE *f, int k, double t, const sm_voice_t *voice)
{
    const char *ph = voice ? sm_cue_phrase((sm_cue_kind_t)k, sm_voice_lang(voice)) : NULL;
    fprintf(f, "%5.1f s  %-13s %s %s%s%s%s\n", t, sm_cue_title((sm_cue_kind_t)k),
            sm_cue_meaning((sm_cue_kind_t)k), sm_cue_todo((sm_cue_kind_t)k), ph ? " Says: \"" : "",
            ph ? ph : "", ph ? "\"" : "");
}

int sm_cmd_sounds(int argc, char **argv)
{
    const char *out = NULL;
    int force = 0, use_voice = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf(
                "usage: steadymat sounds [--voice] [--audio-out FILE.wav [--force]]\n\n"
                "Plays every coaching sound once, in turn, printing its name, what it means\n"
                "and what to do: learn them before lying down. The same is offered once in\n"
                "the first live session (press s in the window).\n\n"
                "  --voice               with the spoken phrase of the cues that have one\n"
                "  --audio-out FILE.wav  write the sounds to a WAV file instead of playing them\n"
                "  --force               replace an existing FILE.wav\n");
            return 0;
        }
        if (!strcmp(argv[i], "--audio-out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "--voice")) {
            use_voice = 1;
        } else {
            fprintf(stderr,
                    "steadymat sounds: unknown option '%s' (see 'steadymat sounds --help')\n",
                    argv[i]);
            return 2;
        }
    }
    char err[4200];
    if (out && sm_file_check_output(out, force, err, sizeof err) != SM_OK) {
        fprintf(stderr, "steadymat sounds: %s\n", err);
        return 1;
    }
    sm_voice_t *voice = NULL;
    if (use_voice && sm_voice_create(NULL, RATE, &voice, err, sizeof err) != SM_OK)
        fprintf(stderr, "steadymat sounds: %s: tones only\n", err);
    sm_mix_t *mix = NULL;
    if (sm_mix_create(RATE, 60.0, &mix) != SM_OK) {
        fprintf(stderr, "steadymat sounds: out of memory\n");
        sm_voice_destroy(voice);
        return 1;
    }
    tour_t t;
    lay_out(mix, voice, &t);
    static int16_t pcm[RATE / 10];
    int status = 0;
    if (out) {
        sm_wav_writer_t *w = NULL;
        status = sm_wav_open(out, RATE, &w, err, sizeof err) != SM_OK;
        size_t n;
        while (!status && (n = sm_mix_render(mix, t.total_s, pcm, RATE / 10)) > 0)
            status = sm_wav_write(w, pcm, n, err, sizeof err) != SM_OK;
        if (w && sm_wav_close(w, err, sizeof err) != SM_OK)
            status = 1;
        if (status)
            fprintf(stderr, "steadymat sounds: %s\n", err);
        else
            for (int k = 0; k < SM_CUE_KINDS; k++)
                print_cue(stdout, k, t.start_s[k], voice);
    } else {
        sm_sound_t *spk = sm_sound_open(RATE, err, sizeof err);
        if (!spk) {
            fprintf(stderr,
                    "steadymat sounds: %s (write them to a file with --audio-out "
                    "FILE.wav)\n",
                    err);
            status = 1;
        }
        /* Paced by the clock: the speaker keeps only a short queue. */
        uint64_t t0 = sm_clock_now_us();
        int next = 0;
        while (spk && sm_mix_position(mix) < t.total_s) {
            double now = (sm_clock_now_us() - t0) / 1e6 + 0.1;
            size_t n = sm_mix_render(mix, now < t.total_s ? now : t.total_s, pcm, RATE / 10);
            sm_sound_play(spk, pcm, n);
            while (next < SM_CUE_KINDS && t.start_s[next] <= sm_mix_position(mix)) {
                print_cue(stdout, next, t.start_s[next], voice);
                fflush(stdout);
                next++;
            }
            sm_io_wait(-1, 20);
        }
        if (spk)
            sm_io_wait(-1, 300); /* the queue's last samples */
        sm_sound_close(spk);
    }
    sm_mix_destroy(mix);
    sm_voice_destroy(voice);
    return status;
}
