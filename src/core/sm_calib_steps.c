/* The steps file: parser and writer (format in sm_calib_steps.h). */
#include "sm_calib_steps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELD 48

static int is_sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split a line into at most 5 fields copied into f (longer fields are an error). */
static int split(const char *s, size_t n, char f[5][MAX_FIELD], int *too_long)
{
    int nf = 0;
    size_t i = 0;
    *too_long = 0;
    while (i < n) {
        while (i < n && is_sp(s[i]))
            i++;
        if (i >= n || s[i] == '#')
            break;
        size_t st = i;
        while (i < n && !is_sp(s[i]) && s[i] != '#')
            i++;
        if (nf >= 5)
            return 6;
        if (i - st >= MAX_FIELD) {
            *too_long = 1;
            return nf;
        }
        memcpy(f[nf], s + st, i - st);
        f[nf][i - st] = 0;
        nf++;
    }
    return nf;
}

/* A plain decimal number: sign, digits, optional fraction and exponent; optional "kg" suffix
 * when kg is set. */
static int number(const char *s, int kg, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    size_t len = (size_t)(p - s);
    if (*p && !(kg && strcmp(p, "kg") == 0))
        return 0;
    char tmp[MAX_FIELD];
    memcpy(tmp, s, len);
    tmp[len] = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        if (err && errlen)                                                                         \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        out->n = 0;                                                                                \
        return code;                                                                               \
    } while (0)

sm_status sm_calib_steps_parse(const char *text, size_t n, sm_calib_steps_t *out, char *err,
                               size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!out)
        return SM_ERR_ARG;
    out->n = 0;
    if (!text && n)
        return SM_ERR_ARG;
    size_t pos = 0;
    unsigned long line = 0;
    int seen = 0;
    while (pos < n) {
        size_t e = pos;
        while (e < n && text[e] != '\n')
            e++;
        line++;
        char f[5][MAX_FIELD];
        int tl;
        int nf = split(text + pos, e - pos, f, &tl);
        pos = e + 1;
        if (tl)
            FAIL(SM_ERR_FORMAT, "line %lu: a field is longer than %d characters", line,
                 MAX_FIELD - 1);
        if (nf == 0)
            continue;
        if (nf > 4)
            FAIL(SM_ERR_FORMAT, "line %lu: too many fields (kind start_s end_s [mass_kg])", line);
        if (strcmp(f[0], "steadymat-calibration-steps") == 0) {
            double v;
            if (seen || nf != 2 || !number(f[1], 0, &v) || v != floor(v))
                FAIL(SM_ERR_FORMAT,
                     "line %lu: the header 'steadymat-calibration-steps 1' must come first", line);
            if (v < 1 || v > SM_CALIB_STEPS_VERSION)
                FAIL(SM_ERR_VERSION,
                     "line %lu: steps format version %.0f is not supported "
                     "(this SteadyMat reads 1)",
                     line, v > 1e9 ? 1e9 : v);
            seen = 1;
            continue;
        }
        seen = 1;
        sm_calib_step_kind k = sm_calib_step_from_name(f[0]);
        if (k == SM_CALIB_STEP_NONE)
            FAIL(SM_ERR_FORMAT,
                 "line %lu: unknown step '%s' (condition, zero, equalise, load, creep, verify, "
                 "check)",
                 line, f[0]);
        if (nf < 3)
            FAIL(SM_ERR_FORMAT, "line %lu: expected: %s start_s end_s%s", line, f[0],
                 k == SM_CALIB_STEP_LOAD || k == SM_CALIB_STEP_VERIFY ? " mass_kg" : "");
        double a, b, m = 0.0;
        if (!number(f[1], 0, &a) || !number(f[2], 0, &b))
            FAIL(SM_ERR_FORMAT, "line %lu: start and end must be numbers of seconds", line);
        if (a < 0 || b > 1e7 || !(a < b))
            FAIL(SM_ERR_FORMAT,
                 "line %lu: start %g and end %g must satisfy 0 <= start < end <= "
                 "1e7",
                 line, a, b);
        int needs = k == SM_CALIB_STEP_LOAD || k == SM_CALIB_STEP_VERIFY;
        int may = needs || k == SM_CALIB_STEP_CREEP || k == SM_CALIB_STEP_CHECK;
        if (nf == 4) {
            if (!may)
                FAIL(SM_ERR_FORMAT, "line %lu: a %s step has no mass", line, f[0]);
            if (!number(f[3], 1, &m) || !(m > 0.0 && m <= 10000.0))
                FAIL(SM_ERR_FORMAT, "line %lu: mass '%s' must be 0 < kg <= 10000", line, f[3]);
        } else if (needs) {
            FAIL(SM_ERR_FORMAT, "line %lu: a %s step needs its mass in kg", line, f[0]);
        }
        if (out->n > 0 && a < out->step[out->n - 1].end_s)
            FAIL(SM_ERR_FORMAT,
                 "line %lu: step starts at %g s, before the previous one ends (%g s)", line, a,
                 out->step[out->n - 1].end_s);
        if (out->n >= SM_CALIB_MAX_STEPS)
            FAIL(SM_ERR_RANGE, "line %lu: more than %d steps", line, SM_CALIB_MAX_STEPS);
        sm_calib_step_t *s = &out->step[out->n++];
        s->kind = k;
        s->start_s = a;
        s->end_s = b;
        s->mass_kg = m;
    }
    return SM_OK;
}

size_t sm_calib_steps_format(const sm_calib_steps_t *s, char *buf, size_t cap)
{
    size_t len = 0;
    char line[128];
    int k = snprintf(line, sizeof line,
                     "steadymat-calibration-steps %d\n# kind start_s end_s "
                     "[mass_kg]\n",
                     SM_CALIB_STEPS_VERSION);
    for (size_t i = 0;; i++) {
        if (k > 0) {
            if (len + (size_t)k < cap)
                memcpy(buf + len, line, (size_t)k);
            len += (size_t)k;
        }
        if (i >= s->n || i >= SM_CALIB_MAX_STEPS)
            break;
        const sm_calib_step_t *st = &s->step[i];
        const char *nm = sm_calib_step_name(st->kind);
        if (st->mass_kg > 0)
            k = snprintf(line, sizeof line, "%-9s %.17g %.17g %.17g\n", nm ? nm : "check",
                         st->start_s, st->end_s, st->mass_kg);
        else
            k = snprintf(line, sizeof line, "%-9s %.17g %.17g\n", nm ? nm : "check", st->start_s,
                         st->end_s);
    }
    if (cap)
        buf[len < cap ? len : cap - 1] = 0;
    return len;
}
