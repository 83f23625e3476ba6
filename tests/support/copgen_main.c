/* steadymat-copgen: write one generated centre-of-pressure trace (cop_gen.h) as a CoP CSV that
 * `steadymat analyze --cop-csv` and `steadymat live --sim ball-steady --cop-trace` read, and
 * optionally its truth as JSON. A test-support tool: it is built with the tests, not installed.
 *
 *   steadymat-copgen CATEGORY SEED OUT.csv [--truth OUT.json] [--rate HZ] [--duration S]
 *   steadymat-copgen --list
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cop_gen.h"

static int usage(void)
{
    fprintf(stderr, "usage: steadymat-copgen CATEGORY SEED OUT.csv [--truth OUT.json] "
                    "[--rate HZ] [--duration S]\n"
                    "       steadymat-copgen --list   (the categories)\n");
    return 2;
}

static int number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return 0;
    *out = v;
    return 1;
}

int main(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}, *truth = NULL;
    double rate = 0, dur = 0, seed = 0;
    size_t np = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            for (int c = 0; c < COPGEN_CATEGORIES; c++)
                printf("%s\n", copgen_category_name((copgen_category_t)c));
            return 0;
        } else if (!strcmp(argv[i], "--truth") && i + 1 < argc) {
            truth = argv[++i];
        } else if (!strcmp(argv[i], "--rate") && i + 1 < argc) {
            if (!number(argv[++i], 1, 1000, &rate))
                return usage();
        } else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
            if (!number(argv[++i], 1, 3600, &dur))
                return usage();
        } else if (argv[i][0] == '-' || np == 3) {
            return usage();
        } else {
            pos[np++] = argv[i];
        }
    }
    if (np != 3 || !number(pos[1], 0, 1e15, &seed))
        return usage();
    int c = copgen_category_parse(pos[0]);
    if (c < 0) {
        fprintf(stderr, "steadymat-copgen: unknown category '%s' (see --list)\n", pos[0]);
        return 2;
    }
    copgen_trace_t tr;
    if (copgen_make((copgen_category_t)c, (uint64_t)seed, rate, dur, &tr) != 0) {
        fprintf(stderr, "steadymat-copgen: cannot make the trace\n");
        return 1;
    }
    int bad = copgen_write_csv(&tr, pos[2]) != 0 || (truth && copgen_write_truth_json(&tr, truth));
    if (bad)
        fprintf(stderr, "steadymat-copgen: cannot write %s\n", bad ? pos[2] : truth);
    copgen_free(&tr);
    return bad;
}
