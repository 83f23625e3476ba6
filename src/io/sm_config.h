/*
 * What SteadyMat remembers between runs, in $XDG_CONFIG_HOME/steadymat/ (~/.config/steadymat/
 * when XDG_CONFIG_HOME is not set):
 *   config        the settings of the last live session with a mat (JSON, read with json-c):
 *                   { "format": "steadymat-config", "version": 1,
 *                     "port": "/dev/ttyUSB0", "baud": 115200,
 *                     "mat_format": "m1616", "rows": 16, "cols": 16,
 *                     "volume": 80, "mute": false, "voice": false, "protocol": "ball",
 *                     "patient": "A. N." }
 *                 every member optional; command-line flags override; --no-config ignores it.
 *                 A broken file gives one line on stderr and the defaults, and is left alone.
 *   safety-seen   an empty marker: the first-run safety screen was read and closed.
 * Thread context: main thread. Files are private (sm_file.h).
 */
#ifndef SM_CONFIG_H
#define SM_CONFIG_H

#include <stddef.h>

#include "sm_status.h"

/* The folder, from the environment: SM_OK, or SM_ERR_ARG when neither XDG_CONFIG_HOME nor HOME
 * is set (or the path does not fit). */
sm_status sm_config_dir(char *buf, size_t buflen);

typedef struct {
    char port[256];      /* "" unset */
    int baud;            /* 0 unset */
    char mat_format[96]; /* --format value: "binary", "text", "m1616", "raw:..."; "" unset */
    int rows, cols;      /* 0 unset */
    int volume;          /* 0..100, -1 unset */
    int mute;            /* 0/1, -1 unset */
    int voice;           /* spoken prompts 0/1, -1 unset */
    char protocol[16];   /* "ball", "hook", "back", "realign"; "" unset */
    char patient[128];   /* the name the last session ended with (--patient, or typed with n
                            in the window); "" unset */
} sm_config_t;

void sm_config_clear(sm_config_t *c);
/* Reads the config file. SM_OK (a missing file is fine: all unset), or SM_ERR_FORMAT with a
 * one-line message naming the file and what is wrong (c is then all unset). */
sm_status sm_config_load(sm_config_t *c, char *err, size_t errlen);
/* The same from text (tests, fuzzing): n bytes. */
sm_status sm_config_parse(const char *text, size_t n, sm_config_t *c, char *err, size_t errlen);
/* Writes the file atomically (private). SM_OK or SM_ERR_IO with a message. */
sm_status sm_config_save(const sm_config_t *c, char *err, size_t errlen);

/* 1 when the safety screen has been closed before (the marker exists), else 0. */
int sm_config_safety_seen(void);
/* Remember that it was: creates the marker (and the folder). SM_OK or SM_ERR_IO. */
sm_status sm_config_set_safety_seen(void);

#endif
