/*
 * Things offered once ("press s to hear the sounds" at the first live session): a marker file
 * per offer, <data>/steadymat/once/<name> with data = $XDG_DATA_HOME when it is absolute, else
 * $HOME/.local/share. Deliberately not a settings file (settings live elsewhere): the file's
 * existence is the whole record, and deleting it brings the offer back.
 */
#ifndef SM_FIRSTRUN_H
#define SM_FIRSTRUN_H

#include <stddef.h>

#include "sm_status.h"

/* The marker's path for name (letters, digits, '-'); SM_ERR_ARG without HOME or
 * XDG_DATA_HOME or for a bad name, SM_ERR_RANGE when too long. Pure. */
sm_status sm_firstrun_path_for(const char *xdg_data_home, const char *home, const char *name,
                               char *buf, size_t n);
/* 1 the first time this is asked for name (the marker is created now, 0600, folders 0700); 0
 * when it was already taken, or when there is nowhere to remember it (then it is not offered:
 * an offer that cannot be remembered would come back every time). */
int sm_firstrun_take(const char *name);

#endif
