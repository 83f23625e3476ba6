/*
 * Calibration files: versioned JSON (json-c), one per mat, documented field by field in
 * calibration/README.md. Outline:
 *
 *   { "format": "steadymat-calibration", "version": 1,
 *     "mat": { "uid": "0123456789abcdef", "rows": 32, "cols": 24, "pitch_mm": 25,
 *              "sample_max": 1023 },
 *     "created": "2025-01-31T10:00:00Z", "method": "zero, equalise x9, 5 loads, ...",
 *     "readout": "divider",
 *     "curve": { "model": "power-onset", "a_kpa": .., "b": .., "onset_kpa": ..,
 *                "lo_kpa": .., "hi_kpa": .., "rms_pct": .. },
 *     "creep": { "model": "log10", "per_decade": .., "t0_s": 1, "recovery_s": 20,
 *                "fitted": true, "hold_s": 90, "rms_pct": .. },
 *     "crosstalk": { "model": "rectangle-min", "share": 0.3, "source": "stuck-lines",
 *                    "points": 44, "rms_counts": .. },          (optional: absent = share 0)
 *     "verification": { "done": true, "mass_kg": 15, "expected_n": .., "measured_n": ..,
 *                       "error_pct": .., "tolerance_pct": 5, "pass": true },
 *     "loads": [ { "mass_kg": 5, "expected_n": .., "force_n": .., "error_pct": ..,
 *                  "area_cm2": .., "pressure_kpa": .., "cells": .., "points": ..,
 *                  "rms_cell_pct": .. }, ... ],
 *     "cells": { "offset": [rows*cols], "noise": [..], "gain": [..], "mask": [..] } }
 *
 * Readers accept any version <= SM_CALIB_VERSION and ignore members they do not know.
 * Files are limited to 4 MiB. Default location: $XDG_DATA_HOME/steadymat/calibration/<uid>.json
 * ($XDG_DATA_HOME defaults to ~/.local/share).
 *
 * Thread context: the functions are reentrant (no shared state).
 */
#ifndef SM_CALIB_FILE_H
#define SM_CALIB_FILE_H

#include <stddef.h>

#include "sm_calib.h"
#include "sm_frame.h"
#include "sm_status.h"

#define SM_CALIB_FILE_MAX (4u << 20)

/* Parse a calibration from n bytes. expect (may be NULL) is the connected mat: a file for
 * another uid (when both are known) or another rows x cols gives SM_ERR_MISMATCH. Errors,
 * each with a one-line message in err:
 *   SM_ERR_FORMAT   not JSON, truncated, a missing or wrongly typed member, an implausible
 *                   value ("cells.gain[17] is -1: must be > 0"), arrays of the wrong length
 *   SM_ERR_VERSION  "calibration version 3 is newer than this SteadyMat supports (1)"
 *   SM_ERR_MISMATCH "calibration is for mat 00112233aabbccdd, this mat is 0123456789abcdef"
 *   SM_ERR_ARG      NULL text or out
 * out is fully set on SM_OK and zeroed otherwise. */
sm_status sm_calib_file_parse(const char *text, size_t n, const sm_mat_info_t *expect,
                              sm_calib_data_t *out, char *err, size_t errlen);
/* Read and parse a file (errors as above plus SM_ERR_IO; messages name the path). */
sm_status sm_calib_file_load(const char *path, const sm_mat_info_t *expect, sm_calib_data_t *out,
                             char *err, size_t errlen);
/* The JSON text of d (validated first: SM_ERR_FORMAT). *out is malloc'd, NUL-terminated; the
 * caller frees it. */
sm_status sm_calib_file_format(const sm_calib_data_t *d, char **out, char *err, size_t errlen);
/* Write atomically (temporary file in the same directory, fsync, rename), creating missing
 * parent directories (mode 0755). SM_ERR_IO / SM_ERR_FORMAT with a message. */
sm_status sm_calib_file_save(const char *path, const sm_calib_data_t *d, char *err, size_t errlen);

/* The default path for a mat: <data>/steadymat/calibration/<uid>.json, data = xdg_data_home
 * when it is an absolute path, else home + "/.local/share". uid must be 16 hex digits
 * (SM_ERR_ARG); no home either is SM_ERR_ARG; too long for buf is SM_ERR_RANGE. Pure. */
sm_status sm_calib_path_for(const char *xdg_data_home, const char *home, const char *uid, char *buf,
                            size_t buflen);
/* The same from the environment ($XDG_DATA_HOME, $HOME). */
sm_status sm_calib_default_path(const char *uid, char *buf, size_t buflen);

#endif
