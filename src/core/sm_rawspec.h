/*
 * The text form of a raw mat's frame description (sm_rawfmt.h), as given to --format:
 *   raw:SPEC   SPEC = comma-separated key=value:
 *                header=HEX   bytes before every frame (up to 8, e.g. AAABAC or AA:AB:AC)
 *                trailer=HEX  bytes after every frame (up to 8, e.g. FFFEFEFF)
 *                sample=u8|u16be|u16le|u12le   (default u8)
 *                order=rows|cols               (default rows)
 *                poll=HEX     one byte sent to ask for each frame (e.g. 06)
 *                max=N        largest plausible sample (default: the sample type's full scale)
 *   m1616      the 16x16 piezoresistive "M1616" module: header=AAABAC,sample=u16be (16x16)
 * The size comes from --rows/--cols (a preset has its own default). Pure; see docs/raw-mats.md.
 */
#ifndef SM_RAWSPEC_H
#define SM_RAWSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "sm_rawfmt.h"
#include "sm_status.h"

/* 1 when fmt is a raw format ("raw:..." or a preset name), else 0. */
int sm_rawspec_is_raw(const char *fmt);
/* Parses fmt ("raw:SPEC" or a preset) with rows/cols from the command line (0: the preset's,
 * required for raw:). SM_OK, or SM_ERR_ARG with a one-line message naming the bad part. */
sm_status sm_rawspec_parse(const char *fmt, uint16_t rows, uint16_t cols, sm_raw_spec_t *out,
                           char *err, size_t errlen);
/* Short human description for status lines and --json: "M1616 module (header AA AB AC,
 * u16be, no checksum)" or "raw (trailer FF FE FE FF, u8, no checksum)". */
void sm_rawspec_describe(const sm_raw_spec_t *spec, const char *fmt, char *buf, size_t buflen);

#endif
