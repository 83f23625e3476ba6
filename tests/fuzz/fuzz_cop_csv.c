/* libFuzzer target for the CoP trace path of `steadymat analyze --cop-csv`: table text -> table
 * parser -> CoP reader (options chosen by the first input byte) -> sway measures and the
 * sliding window. Any bytes: no crash, no leak, finite answers for finite traces. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_cop_csv.h"
#include "sm_sway.h"
#include "sm_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const columns[] = {NULL,    "1,2", "T,X,Y", "x,y", "2,3", "time,COPx,COPy",
                                      "3,2,1", " , ", "1,,2"};
static const char *const units[] = {NULL, "mm", "cm", "m", "furlong"};
static const double rates[] = {0, 100, 1, 1e-3, 1e6, 37.5};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    sm_table_t t;
    if (sm_table_parse(text, size, &t, NULL, 0) == SM_OK) {
        sm_cop_csv_opts_t o = {columns[sel % 9], units[(sel / 9) % 5], rates[(sel / 45) % 6]};
        sm_cop_csv_trace_t tr;
        char err[96];
        sm_status st = sm_cop_csv_read(&t, &o, &tr, err, sizeof err);
        if (st == SM_OK) {
            if (!memchr(tr.warning, 0, sizeof tr.warning) || !(tr.rate_hz > 0))
                abort();
            sm_sway_config_t cfg;
            sm_sway_config_default(&cfg, tr.rate_hz);
            sm_sway_t s;
            st = sm_sway_compute(&cfg, tr.x_mm, tr.y_mm, tr.n, &s);
            if (st == SM_OK) {
                if (s.n != tr.n || !(s.mean_distance >= 0) || !(s.frequency_dispersion >= 0) ||
                    !(s.frequency_dispersion <= 1) || !(s.f50 <= s.f95) || isnan(s.total_power))
                    abort();
            } else if (!(st == SM_ERR_ARG && tr.n < 3) && st != SM_ERR_NOMEM) {
                abort();
            }
            sm_sway_window_t *w = sm_sway_window_create(tr.rate_hz, 0.5);
            for (size_t i = 0; w && i < tr.n; i++)
                (void)sm_sway_window_push(w, tr.x_mm[i], tr.y_mm[i]);
            sm_sway_window_get(w, &s);
            (void)sm_sway_window_mean_distance(w);
            sm_sway_window_destroy(w);
        } else if ((st != SM_ERR_FORMAT && st != SM_ERR_ARG && st != SM_ERR_NOMEM) ||
                   !memchr(err, 0, sizeof err) || err[0] == 0) {
            abort();
        }
        sm_cop_csv_free(&tr);
    }
    sm_table_free(&t);
    free(text);
    return 0;
}
