/* libFuzzer target for the numeric table parser: any bytes, no crash, no leak, and a table that
 * parses is internally consistent. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy so reading one byte past the input is caught. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    sm_table_t t;
    char err[96];
    sm_status st = sm_table_parse(text, size, &t, err, sizeof err);
    if (st == SM_OK) {
        if (t.ncols == 0 || !t.names)
            abort();
        for (size_t c = 0; c < t.ncols; c++) {
            (void)strlen(t.names[c]);
            const double *col = sm_table_col(&t, c);
            if (t.nrows && !col)
                abort();
            for (size_t r = 0; r < t.nrows; r++)
                if (!isfinite(col[r]))
                    abort();
            /* A plain name finds its column or an earlier namesake. */
            const char *nm = t.names[c];
            size_t nl = strlen(nm);
            if (t.has_header && nl && nm[0] != ' ' && nm[nl - 1] != ' ' &&
                strspn(nm, "0123456789") != nl) {
                int k = sm_table_column(&t, nm);
                if (k < 0 || (size_t)k > c)
                    abort();
            }
        }
        (void)sm_table_column(&t, "1");
        (void)sm_table_column(&t, "COPx");
        (void)sm_table_column(&t, "time (s)");
    } else if (st != SM_ERR_FORMAT && st != SM_ERR_NOMEM) {
        abort();
    } else if (!memchr(err, 0, sizeof err) || err[0] == 0) {
        abort();
    }
    sm_table_free(&t);
    free(text);
    return 0;
}
