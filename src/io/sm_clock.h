/* Time and waiting: the only clock in the program (core and proto take time as arguments). */
#ifndef SM_CLOCK_H
#define SM_CLOCK_H

#include <stdint.h>

uint64_t sm_clock_now_us(void);     /* monotonic microseconds */
int64_t sm_clock_unix_ms(void);     /* wall clock, ms since 1970 UTC */
double sm_clock_cpu_s(void);        /* CPU time used by this process (user + system), seconds */
double sm_clock_thread_cpu_s(void); /* CPU time used by the calling thread, seconds */
/* Wait until fd is readable or timeout_ms passes (fd < 0: just wait). timeout_ms < 0: forever. */
void sm_io_wait(int fd, int timeout_ms);

#endif
