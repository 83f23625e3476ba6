/* Talking SteadyMat protocol v1 to a mat (simulated, or the firmware in simavr) over a pty, as
 * the end-to-end tests do: send a command, wait for the next message of a type. */
#ifndef SM_TS_LINK_H
#define SM_TS_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "sm_proto.h"
#include "sm_transport.h"

typedef struct {
    sm_transport_t *t;
    sm_proto_parser_t p;
    sm_proto_msg_t m; /* the last message ts_link_next returned */
    uint8_t buf[4096];
    size_t off, len;
} ts_link_t;

/* Open path at 1 Mbaud (the test fails if it cannot). l is large: make it static. */
void ts_link_open(ts_link_t *l, const char *path);
void ts_link_close(ts_link_t *l);
void ts_link_send(ts_link_t *l, uint8_t cmd, uint8_t token, uint16_t arg);
/* The next message of `type` (others skipped) within timeout_s, in l->m: 1; 0 when none came. */
int ts_link_next(ts_link_t *l, uint8_t type, double timeout_s);

#endif
