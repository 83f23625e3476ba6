/* Private to sm_calib*.c: helpers shared by the compiled form and the builder. */
#ifndef SM_CALIB_INTERNAL_H
#define SM_CALIB_INTERNAL_H

#include "sm_calib.h"

/* R(x): counts above offset -> response (see sm_calib.h); 0 for x <= 0. */
double sm_calib_readout(int readout, double x, double full);
/* Counts above offset below which a cell reads 0 kPa. */
double sm_calib_threshold(double noise);
/* kPa for a gain-corrected response u (0 for u <= 0). */
double sm_calib_curve_kpa(const sm_calib_curve_t *c, double u);

#endif
