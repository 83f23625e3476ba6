/* libFuzzer target for the history index and sidecar parsers: any bytes, no crash, no leak;
 * every entry read is safe (a clean session name, values in range) and writes back to a line
 * that parses to the same entry; a parsed sidecar writes back and parses the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sm_history_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_history_meta_t meta, meta2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: a read past the end is caught */
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    sm_history_list_t l = {NULL, 0, 0};
    sm_history_parse_stats_t st;
    sm_status s = sm_history_index_parse(text, size, &l, &st);
    if (s != SM_OK && s != SM_ERR_FORMAT && s != SM_ERR_VERSION && s != SM_ERR_NOMEM)
        abort();
    if (st.entries + st.bad_lines > st.lines || (st.bad_lines && !st.first_error[0]))
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const sm_history_entry_t *e = &l.v[i];
        if (!sm_history_name_ok(e->session) || e->rows < 0 || e->rows > 64 ||
            e->side[0].n_soreness > SM_HISTORY_MAX_RATINGS ||
            e->side[1].n_soreness > SM_HISTORY_MAX_RATINGS)
            abort();
        char *line = NULL, err[160];
        if (sm_history_entry_format(e, &line) != SM_OK)
            abort();
        sm_history_entry_t back;
        if (sm_history_entry_parse(line, strlen(line), &back, err, sizeof err) != SM_OK ||
            !sm_history_entry_equal(e, &back))
            abort();
        free(line);
    }
    if (l.n) {
        char *all;
        size_t n;
        if (sm_history_index_format(&l, &all, &n) != SM_OK)
            abort();
        sm_history_list_t l2 = {NULL, 0, 0};
        if (sm_history_index_parse(all, n, &l2, &st) != SM_OK || l2.n != l.n)
            abort();
        sm_history_list_free(&l2);
        free(all);
    }
    sm_history_list_free(&l);
    char err[160];
    if (sm_history_meta_parse(text, size, &meta, err, sizeof err) == SM_OK) {
        char *out;
        if (sm_history_meta_format(&meta, &out) != SM_OK)
            abort();
        if (sm_history_meta_parse(out, strlen(out), &meta2, err, sizeof err) != SM_OK ||
            meta2.n_inputs != meta.n_inputs || meta2.protocol != meta.protocol)
            abort();
        free(out);
    }
    free(text);
    return 0;
}
