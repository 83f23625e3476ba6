/*
 * What SteadyMat remembers between runs, in $XDG_CONFIG_HOME/steadymat/ (~/.config/steadymat/
 * when XDG_CONFIG_HOME is not set):
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

/* 1 when the safety screen has been closed before (the marker exists), else 0. */
int sm_config_safety_seen(void);
/* Remember that it was: creates the marker (and the folder). SM_OK or SM_ERR_IO. */
sm_status sm_config_set_safety_seen(void);

#endif
