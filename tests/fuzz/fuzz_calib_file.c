/* libFuzzer target for the calibration file parser: any bytes, no crash, no leak; a file that
 * parses validates and compiles, and writes back to text that parses to the same file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_calib.h"
#include "sm_calib_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_calib_data_t d, d2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: a read past the end is caught */
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    char err[200];
    sm_mat_info_t mi;
    memset(&mi, 0, sizeof mi);
    const sm_mat_info_t *expect = size && (data[0] & 1) ? &mi : NULL;
    if (expect) {
        mi.rows = 32;
        mi.cols = 24;
        memcpy(mi.uid, "0123456789abcdef", 17);
    }
    sm_status st = sm_calib_file_parse(text, size, expect, &d, err, sizeof err);
    if (st == SM_OK) {
        if (sm_calib_data_validate(&d, err, sizeof err) != SM_OK)
            abort();
        sm_calib_t *cal = NULL;
        if (sm_calib_create(&d, &cal, err, sizeof err) != SM_OK)
            abort();
        sm_calib_destroy(cal);
        char *out = NULL;
        if (sm_calib_file_format(&d, &out, err, sizeof err) != SM_OK)
            abort();
        if (sm_calib_file_parse(out, strlen(out), NULL, &d2, err, sizeof err) != SM_OK)
            abort();
        free(out);
    } else if (!memchr(err, 0, sizeof err) || err[0] == 0) {
        abort();
    }
    free(text);
    return 0;
}
