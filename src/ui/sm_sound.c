#define _POSIX_C_SOURCE 200809L /* dup, O_CLOEXEC */
#include "sm_sound.h"

#include <SDL.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct sm_sound {
    SDL_AudioDeviceID dev;
    int rate;
};

/* libasound prints its own diagnostics to stderr (nine lines when there is no sound card at
 * all) before SDL reports the failure: while the device is looked for, stderr goes to
 * /dev/null, and the caller says what happened in one line. */
static int quiet_begin(void)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved < 0 || devnull < 0) {
        if (saved >= 0)
            close(saved);
        if (devnull >= 0)
            close(devnull);
        return -1;
    }
    dup2(devnull, STDERR_FILENO);
    close(devnull);
    return saved;
}

static void quiet_end(int saved)
{
    if (saved < 0)
        return;
    dup2(saved, STDERR_FILENO);
    close(saved);
}

sm_sound_t *sm_sound_open(int rate_hz, char *err, size_t errlen)
{
    int saved = quiet_begin();
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        quiet_end(saved);
        snprintf(err, errlen, "no sound: %s", SDL_GetError());
        return NULL;
    }
    SDL_AudioSpec want, have;
    SDL_zero(want);
    want.freq = rate_hz;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 512; /* ~12 ms at 44.1 kHz: cues follow the mat closely */
    SDL_AudioDeviceID dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    quiet_end(saved);
    if (!dev) {
        snprintf(err, errlen, "no sound device: %s", SDL_GetError());
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return NULL;
    }
    sm_sound_t *s = calloc(1, sizeof *s);
    if (!s) {
        SDL_CloseAudioDevice(dev);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->dev = dev;
    s->rate = rate_hz;
    SDL_PauseAudioDevice(dev, 0);
    return s;
}

void sm_sound_play(sm_sound_t *s, const int16_t *pcm, size_t n)
{
    if (!s || n == 0)
        return;
    Uint32 limit = (Uint32)(s->rate / 5) * 2u; /* 200 ms of 16-bit mono */
    if (SDL_GetQueuedAudioSize(s->dev) > limit)
        SDL_ClearQueuedAudio(s->dev);
    SDL_QueueAudio(s->dev, pcm, (Uint32)(n * sizeof *pcm));
}

void sm_sound_close(sm_sound_t *s)
{
    if (!s)
        return;
    SDL_CloseAudioDevice(s->dev);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    free(s);
}
