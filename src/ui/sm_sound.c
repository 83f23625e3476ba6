#include "sm_sound.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>

struct sm_sound {
    SDL_AudioDeviceID dev;
    int rate;
};

sm_sound_t *sm_sound_open(int rate_hz, char *err, size_t errlen)
{
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
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
