/*
 * `steadymat sim --pty PATH`: the simulator behind a pseudo-terminal, behaving like a real mat
 * running the firmware: sends INFO at boot, streams frames, answers protocol v1 commands
 * (start, stop, set rate, get info, identify), drops frames and flags OVERRUN when nobody reads.
 * Optionally corrupts bytes on the way out to exercise the host's error handling.
 */
#ifndef SM_SIMDEV_H
#define SM_SIMDEV_H

#include <signal.h>
#include <stddef.h>

#include "sm_sim.h"
#include "sm_source.h"
#include "sm_status.h"

typedef struct {
    const char *pty_link;  /* symlink created to the pty's slave, e.g. /tmp/mat */
    sm_sim_config_t sim;   /* scenario, geometry, seed, effects */
    double rate_hz;        /* initial frame rate (default 50) */
    double corrupt_p;      /* probability per byte of corrupting it (0 = clean) */
    sm_wire_format format; /* binary protocol v1, or plain text lines (one frame per line) */
    int text_no_checksum;  /* text: leave out the `*HH` line checksum (an unchecked DIY mat) */
    int stream_on_boot;    /* 1 (default): start streaming without waiting for START */
    /* When *unplug becomes non-zero (e.g. from SIGUSR1), behave like a pulled cable: the pty and
     * its link vanish for unplug_s seconds, then the mat comes back and boots afresh. */
    volatile sig_atomic_t *unplug;
    double unplug_s;
} sm_simdev_config_t;

typedef void (*sm_simdev_log_fn)(void *ctx, const char *line);

/* Runs until *stop becomes non-zero. Removes the link on return. Errors (cannot create the pty,
 * PATH is a regular file) return before streaming with a message in err. */
sm_status sm_simdev_run(const sm_simdev_config_t *cfg, volatile sig_atomic_t *stop,
                        sm_simdev_log_fn log, void *log_ctx, char *err, size_t errlen);

#endif
