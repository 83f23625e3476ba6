/* libFuzzer: the settings file parser with arbitrary bytes. Checks that a refused file leaves
 * every setting unset (the defaults) with a one-line message, and an accepted one stays in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_config_t c;
    char err[512];
    err[0] = 0;
    sm_status s = sm_config_parse((const char *)data, size, &c, err, sizeof err);
    if (s != SM_OK) {
        if (c.baud || c.rows || c.cols || c.volume != -1 || c.mute != -1 || c.port[0] ||
            c.patient[0] || !err[0] || strchr(err, '\n'))
            abort();
        return 0;
    }
    if ((c.baud && (c.baud < 300 || c.baud > 4000000)) || c.rows < 0 || c.rows > 64 || c.cols < 0 ||
        c.cols > 64 || c.volume < -1 || c.volume > 100 || c.mute < -1 || c.mute > 1)
        abort();
    if (memchr(c.port, 0, sizeof c.port) == NULL || memchr(c.patient, 0, sizeof c.patient) == NULL)
        abort();
    return 0;
}
