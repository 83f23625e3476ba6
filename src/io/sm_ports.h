/* Serial port discovery: list ports (libserialport) and find a SteadyMat by its device-info reply.
 */
#ifndef SM_PORTS_H
#define SM_PORTS_H

#include <stddef.h>

#include "sm_frame.h"
#include "sm_status.h"

typedef struct {
    char name[96];         /* /dev/ttyUSB0 */
    char description[128]; /* what the OS calls it */
    int usb;               /* 1 for USB adapters */
    int vid, pid;          /* USB vendor and product id, -1 when unknown */
    char manufacturer[64], product[64], serial[64];
} sm_port_desc_t;

/* Fills up to max entries; returns the number of ports found (may exceed max), or -1 when the
 * system's port list cannot be read. */
int sm_ports_list(sm_port_desc_t *out, int max);

/* Open path, ask for the device info and wait up to timeout_ms (an Arduino resets when the port
 * opens and needs ~2 s to boot). SM_OK with *info when a SteadyMat answered. */
sm_status sm_port_probe(const char *path, int baud, int timeout_ms, sm_mat_info_t *info);

/* The same, saying what happened in one line for `ports --probe`: "SteadyMat 'name' 32x24,
 * 25.0 mm, firmware 1.0.0, id ..." / "no answer in 2500 ms" / "bytes arrive but no SteadyMat
 * answer (another device or another --baud?)" / "cannot open: REASON". */
sm_status sm_port_probe_report(const char *path, int baud, int timeout_ms, sm_mat_info_t *info,
                               char *what, size_t whatlen);

/* The first USB serial port with a SteadyMat on it. SM_ERR_NODEV when none answers. */
sm_status sm_ports_find_mat(int baud, int timeout_ms, char *path_out, size_t n,
                            sm_mat_info_t *info);

#endif
