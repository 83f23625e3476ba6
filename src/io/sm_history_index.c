#include "sm_history_index.h"

#include "sm_json_doc.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sm_history_list_free(sm_history_list_t *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

long sm_history_list_find(const sm_history_list_t *l, const char *session)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].session, session))
            return (long)i;
    return -1;
}

sm_status sm_history_list_put(sm_history_list_t *l, const sm_history_entry_t *e)
{
    long at = sm_history_list_find(l, e->session);
    if (at >= 0) {
        l->v[at] = *e;
        return SM_OK;
    }
    if (l->n >= SM_HISTORY_MAX_ENTRIES)
        return SM_ERR_RANGE;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        sm_history_entry_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return SM_ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *e;
    return SM_OK;
}

static int by_time(const void *a, const void *b)
{
    const sm_history_entry_t *x = a, *y = b;
    if (x->start_unix_ms != y->start_unix_ms)
        return x->start_unix_ms < y->start_unix_ms ? -1 : 1;
    return strcmp(x->session, y->session);
}

void sm_history_list_sort(sm_history_list_t *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, by_time);
}

int sm_history_protocol_parse(const char *s, sm_protocol_t *out)
{
    const sm_protocol_t all[] = {SM_PROTO_BALL_RELEASE, SM_PROTO_HIP_HOOK, SM_PROTO_BACK_OF_HIP,
                                 SM_PROTO_REALIGN};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (s && !strcmp(s, sm_protocol_name(all[i]))) {
            *out = all[i];
            return 1;
        }
    return 0;
}

static const char *input_name(sm_coach_input_t in)
{
    switch (in) {
    case SM_COACH_IN_PIVOT:
        return "pivot";
    case SM_COACH_IN_SORENESS:
        return "soreness";
    case SM_COACH_IN_RESET:
        return "reset";
    case SM_COACH_IN_NOGO:
        return "nogo";
    }
    return "?";
}

/* ---- reading members ---- */

typedef struct {
    char *err;
    size_t errlen;
    int failed;
} ctx_t;

static int fail(ctx_t *c, const char *fmt, ...)
{
    if (!c->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    c->failed = 1;
    return 0;
}

static json_object *member(ctx_t *c, json_object *o, const char *key, json_type t, int required)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v) {
        if (required)
            fail(c, "\"%s\" is missing", key);
        return NULL;
    }
    int ok = json_object_get_type(v) == t ||
             (t == json_type_double && json_object_get_type(v) == json_type_int);
    if (!ok) {
        fail(c, "\"%s\" has the wrong type", key);
        return NULL;
    }
    return v;
}

static double num(ctx_t *c, json_object *o, const char *key, double lo, double hi, int required,
                  double def)
{
    json_object *v = member(c, o, key, json_type_double, required);
    if (!v)
        return def;
    double d = json_object_get_double(v);
    if (!isfinite(d) || d < lo || d > hi) {
        fail(c, "\"%s\" is %g: must be %g .. %g", key, d, lo, hi);
        return def;
    }
    return d;
}

static int64_t integer(ctx_t *c, json_object *o, const char *key, int64_t lo, int64_t hi,
                       int required)
{
    json_object *v = member(c, o, key, json_type_int, required);
    if (!v)
        return lo;
    int64_t d = json_object_get_int64(v);
    if (d < lo || d > hi) {
        fail(c, "\"%s\" is %lld: must be %lld .. %lld", key, (long long)d, (long long)lo,
             (long long)hi);
        return lo;
    }
    return d;
}

static void str(ctx_t *c, json_object *o, const char *key, char *out, size_t cap, int required)
{
    out[0] = 0;
    json_object *v = member(c, o, key, json_type_string, required);
    if (!v)
        return;
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n >= cap || strlen(s) != n) {
        fail(c, "\"%s\" is too long or holds a NUL", key);
        return;
    }
    memcpy(out, s, n + 1);
}

static void side_parse(ctx_t *c, json_object *o, const char *key, sm_history_side_t *s)
{
    memset(s, 0, sizeof *s);
    json_object *v = member(c, o, key, json_type_object, 1);
    if (!v)
        return;
    s->spots = (int)integer(c, v, "spots", 0, 1000000, 1);
    s->holds = (int)integer(c, v, "holds", 0, 1000000, 1);
    s->released = (int)integer(c, v, "released", 0, s->holds, 1);
    s->steady_s = num(c, v, "steady_s", 0, 1e8, 1, 0);
    s->settle_s = num(c, v, "time_to_settle_s", 0, 1e8, 0, 0);
    s->wiggles = (int)integer(c, v, "wiggles", 0, 1000000000, 1);
    json_object *r = member(c, v, "soreness", json_type_array, 0);
    if (!r)
        return;
    size_t n = json_object_array_length(r);
    if (n > SM_HISTORY_MAX_RATINGS) {
        fail(c, "\"%s\": more than %d soreness ratings", key, SM_HISTORY_MAX_RATINGS);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(r, i);
        if (!x || json_object_get_type(x) != json_type_int || json_object_get_int64(x) < 0 ||
            json_object_get_int64(x) > 10) {
            fail(c, "\"%s\": a soreness rating is not a whole number 0 .. 10", key);
            return;
        }
        s->soreness[s->n_soreness++] = (int)json_object_get_int64(x);
    }
}

/* Parses one JSON value from a line; NULL with a message when it is not exactly one object. */
static json_object *parse_object(const char *line, size_t n, ctx_t *c)
{
    if (n > SM_HISTORY_LINE_MAX) {
        fail(c, "line longer than %d bytes", SM_HISTORY_LINE_MAX);
        return NULL;
    }
    if (memchr(line, 0, n)) {
        fail(c, "line holds a NUL byte");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok) {
        fail(c, "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, line, (int)n);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || je != json_tokener_success) {
        json_object_put(o);
        fail(c, "not JSON (%s)",
             je == json_tokener_continue ? "cut short" : json_tokener_error_desc(je));
        return NULL;
    }
    for (size_t i = end; i < n; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            json_object_put(o);
            fail(c, "text after the JSON object");
            return NULL;
        }
    if (json_object_get_type(o) != json_type_object) {
        json_object_put(o);
        fail(c, "not a JSON object");
        return NULL;
    }
    return o;
}

static void entry_from(ctx_t *c, json_object *o, sm_history_entry_t *e)
{
    memset(e, 0, sizeof *e);
    str(c, o, "session", e->session, sizeof e->session, 1);
    if (!c->failed && !sm_history_name_ok(e->session))
        fail(c, "\"session\" is not a plain file name or a clean absolute path");
    e->start_unix_ms = integer(c, o, "start_unix_ms", 0, INT64_C(1) << 53, 1);
    e->duration_s = num(c, o, "duration_s", 0, 1e8, 1, 0);
    e->frames = (unsigned long)integer(c, o, "frames", 0, INT64_C(1) << 40, 1);
    char proto[32];
    str(c, o, "protocol", proto, sizeof proto, 1);
    if (!c->failed && !sm_history_protocol_parse(proto, &e->protocol))
        fail(c, "unknown protocol \"%s\"", proto);
    e->release_s = num(c, o, "release_s", 0, 86400, 0, 0);
    str(c, o, "source", e->source, sizeof e->source, 0);
    json_object *m = member(c, o, "mat", json_type_object, 1);
    if (m) {
        str(c, m, "uid", e->mat_uid, sizeof e->mat_uid, 0);
        str(c, m, "name", e->mat_name, sizeof e->mat_name, 0);
        e->rows = (int)integer(c, m, "rows", 0, 64, 1);
        e->cols = (int)integer(c, m, "cols", 0, 64, 1);
    }
    char tool[16];
    str(c, o, "tool", tool, sizeof tool, 0);
    e->tool = !strcmp(tool, "ball") ? 1 : !strcmp(tool, "hip-hook") ? 2 : 0;
    str(c, o, "patient", e->patient, sizeof e->patient, 0);
    side_parse(c, o, "right", &e->side[SM_HISTORY_RIGHT]);
    side_parse(c, o, "left", &e->side[SM_HISTORY_LEFT]);
}

sm_status sm_history_entry_parse(const char *line, size_t n, sm_history_entry_t *e, char *err,
                                 size_t errlen)
{
    char dummy[8];
    ctx_t c = {err ? err : dummy, err ? errlen : sizeof dummy, 0};
    c.err[0] = 0;
    memset(e, 0, sizeof *e);
    json_object *o = parse_object(line, n, &c);
    if (!o)
        return SM_ERR_FORMAT;
    entry_from(&c, o, e);
    json_object_put(o);
    if (c.failed) {
        memset(e, 0, sizeof *e);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

static void note_bad(sm_history_parse_stats_t *st, unsigned long line, const char *why)
{
    st->bad_lines++;
    if (!st->first_bad_line) {
        st->first_bad_line = line;
        snprintf(st->first_error, sizeof st->first_error, "%s", why);
    }
}

sm_status sm_history_index_parse(const char *text, size_t n, sm_history_list_t *out,
                                 sm_history_parse_stats_t *st)
{
    if (!out || !st)
        return SM_ERR_ARG;
    memset(st, 0, sizeof *st);
    if (!text)
        n = 0;
    sm_history_list_t tmp = {NULL, 0, 0};
    unsigned long lineno = 0;
    size_t pos = 0;
    char err[160];
    sm_status rc = SM_OK;
    while (pos < n) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
        const char *line = text + pos;
        pos += len + (nl ? 1 : 0);
        lineno++;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
            k++;
        if (k == len)
            continue; /* blank lines are allowed */
        st->lines++;
        ctx_t c = {err, sizeof err, 0};
        err[0] = 0;
        json_object *o = parse_object(line, len, &c);
        if (!o) {
            note_bad(st, lineno, err);
            continue;
        }
        json_object *fmt = NULL;
        if (json_object_object_get_ex(o, "format", &fmt)) {
            /* a header: only valid as the first line */
            int version = (int)integer(&c, o, "version", 1, 1000000, 1);
            const char *f =
                json_object_get_type(fmt) == json_type_string ? json_object_get_string(fmt) : "";
            if (strcmp(f, SM_HISTORY_FORMAT) != 0)
                fail(&c, "not a SteadyMat history index (format \"%s\")", f);
            if (!c.failed && version > SM_HISTORY_VERSION && st->lines == 1) {
                json_object_put(o);
                st->version = version;
                sm_history_list_free(&tmp);
                return SM_ERR_VERSION;
            }
            if (!c.failed && st->lines != 1)
                fail(&c, "a second header line");
            if (c.failed) {
                note_bad(st, lineno, err);
            } else {
                st->header_ok = 1;
                st->version = version;
            }
            json_object_put(o);
            continue;
        }
        sm_history_entry_t e;
        entry_from(&c, o, &e);
        json_object_put(o);
        if (c.failed) {
            note_bad(st, lineno, err);
            continue;
        }
        sm_status s = sm_history_list_put(&tmp, &e);
        if (s == SM_ERR_NOMEM) {
            rc = SM_ERR_NOMEM;
            break;
        }
        if (s != SM_OK) {
            note_bad(st, lineno, "too many sessions");
            continue;
        }
        st->entries++;
    }
    if (rc == SM_OK) {
        for (size_t i = 0; i < tmp.n && rc == SM_OK; i++)
            rc = sm_history_list_put(out, &tmp.v[i]);
    }
    sm_history_list_free(&tmp);
    if (rc != SM_OK)
        return rc;
    if (!st->header_ok) {
        if (!st->first_bad_line || st->first_bad_line > 1) {
            st->first_bad_line = 1;
            snprintf(st->first_error, sizeof st->first_error,
                     n ? "the header line is missing" : "the file is empty");
        }
        return SM_ERR_FORMAT;
    }
    return st->bad_lines ? SM_ERR_FORMAT : SM_OK;
}

/* ---- writing ---- */

static void add_num(json_object *o, const char *k, double v)
{
    json_object_object_add(o, k, json_object_new_double(v));
}

static json_object *side_json(const sm_history_side_t *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "spots", json_object_new_int(s->spots));
    json_object_object_add(o, "holds", json_object_new_int(s->holds));
    json_object_object_add(o, "released", json_object_new_int(s->released));
    add_num(o, "steady_s", s->steady_s);
    add_num(o, "time_to_settle_s", s->settle_s);
    json_object_object_add(o, "wiggles", json_object_new_int(s->wiggles));
    json_object *r = json_object_new_array();
    for (int i = 0; i < s->n_soreness && i < SM_HISTORY_MAX_RATINGS; i++)
        json_object_array_add(r, json_object_new_int(s->soreness[i]));
    json_object_object_add(o, "soreness", r);
    return o;
}

static char *take_string(json_object *o)
{
    const char *s = sm_json_clean_text(o, JSON_C_TO_STRING_PLAIN, NULL, NULL);
    char *copy = s ? strdup(s) : NULL;
    json_object_put(o);
    return copy;
}

sm_status sm_history_entry_format(const sm_history_entry_t *e, char **line)
{
    *line = NULL;
    if (!sm_history_name_ok(e->session))
        return SM_ERR_ARG;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "session", json_object_new_string(e->session));
    json_object_object_add(o, "start_unix_ms", json_object_new_int64(e->start_unix_ms));
    if (e->start_unix_ms > 0) {
        time_t t = (time_t)(e->start_unix_ms / 1000);
        struct tm tm;
        char date[40];
        if (localtime_r(&t, &tm) && strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm))
            json_object_object_add(o, "date", json_object_new_string(date));
        else
            json_object_object_add(o, "date", NULL);
    } else {
        json_object_object_add(o, "date", NULL);
    }
    add_num(o, "duration_s", e->duration_s);
    json_object_object_add(o, "frames", json_object_new_int64((int64_t)e->frames));
    json_object_object_add(o, "protocol", json_object_new_string(sm_protocol_name(e->protocol)));
    add_num(o, "release_s", e->release_s);
    json_object_object_add(o, "source", json_object_new_string(e->source));
    json_object *m = json_object_new_object();
    json_object_object_add(m, "uid", json_object_new_string(e->mat_uid));
    json_object_object_add(m, "name", json_object_new_string(e->mat_name));
    json_object_object_add(m, "rows", json_object_new_int(e->rows));
    json_object_object_add(m, "cols", json_object_new_int(e->cols));
    json_object_object_add(o, "mat", m);
    if (e->tool == 1 || e->tool == 2)
        json_object_object_add(o, "tool",
                               json_object_new_string(e->tool == 1 ? "ball" : "hip-hook"));
    if (e->patient[0])
        json_object_object_add(o, "patient", json_object_new_string(e->patient));
    json_object_object_add(o, "right", side_json(&e->side[SM_HISTORY_RIGHT]));
    json_object_object_add(o, "left", side_json(&e->side[SM_HISTORY_LEFT]));
    *line = take_string(o);
    return *line ? SM_OK : SM_ERR_NOMEM;
}

sm_status sm_history_index_format(const sm_history_list_t *l, char **text, size_t *n)
{
    *text = NULL;
    *n = 0;
    char header[64];
    int hl = snprintf(header, sizeof header, "{\"format\":\"%s\",\"version\":%d}\n",
                      SM_HISTORY_FORMAT, SM_HISTORY_VERSION);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return SM_ERR_NOMEM;
    memcpy(buf, header, (size_t)hl);
    len = (size_t)hl;
    for (size_t i = 0; i < l->n; i++) {
        char *line;
        sm_status s = sm_history_entry_format(&l->v[i], &line);
        if (s != SM_OK) {
            free(buf);
            return s;
        }
        size_t ll = strlen(line);
        if (len + ll + 2 > cap) {
            while (len + ll + 2 > cap)
                cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(line);
                free(buf);
                return SM_ERR_NOMEM;
            }
            buf = nb;
        }
        memcpy(buf + len, line, ll);
        len += ll;
        buf[len++] = '\n';
        free(line);
    }
    buf[len] = 0;
    *text = buf;
    *n = len;
    return SM_OK;
}

/* ---- sidecar ---- */

void sm_history_meta_init(sm_history_meta_t *m, sm_protocol_t protocol, double release_s)
{
    memset(m, 0, sizeof *m);
    m->protocol = protocol;
    m->release_s = release_s;
}

sm_status sm_history_meta_input(sm_history_meta_t *m, double t_s, sm_coach_input_t in, int value)
{
    if (m->n_inputs >= SM_HISTORY_MAX_INPUTS)
        return SM_ERR_RANGE;
    m->inputs[m->n_inputs].t_s = t_s;
    m->inputs[m->n_inputs].input = in;
    m->inputs[m->n_inputs].value = value;
    m->n_inputs++;
    return SM_OK;
}

sm_status sm_history_meta_parse(const char *text, size_t n, sm_history_meta_t *out, char *err,
                                size_t errlen)
{
    char dummy[8];
    ctx_t c = {err ? err : dummy, err ? errlen : sizeof dummy, 0};
    c.err[0] = 0;
    sm_history_meta_init(out, SM_PROTO_BALL_RELEASE, 0);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    json_object *o = parse_object(text, n, &c);
    if (!o)
        return SM_ERR_FORMAT;
    char fmt[40], proto[32];
    str(&c, o, "format", fmt, sizeof fmt, 1);
    if (!c.failed && strcmp(fmt, SM_HISTORY_META_FORMAT) != 0)
        fail(&c, "not a SteadyMat session sidecar (format \"%s\")", fmt);
    int version = (int)integer(&c, o, "version", 1, 1000000, 1);
    if (!c.failed && version > SM_HISTORY_VERSION) {
        json_object_put(o);
        snprintf(c.err, c.errlen, "sidecar version %d is newer than this SteadyMat supports (%d)",
                 version, SM_HISTORY_VERSION);
        sm_history_meta_init(out, SM_PROTO_BALL_RELEASE, 0);
        return SM_ERR_VERSION;
    }
    str(&c, o, "session", out->session, sizeof out->session, 1);
    if (!c.failed && !sm_history_name_ok(out->session))
        fail(&c, "\"session\" is not a plain file name or a clean absolute path");
    str(&c, o, "protocol", proto, sizeof proto, 1);
    if (!c.failed && !sm_history_protocol_parse(proto, &out->protocol))
        fail(&c, "unknown protocol \"%s\"", proto);
    out->release_s = num(&c, o, "release_s", 0, 86400, 0, 0);
    json_object *in = member(&c, o, "inputs", json_type_array, 0);
    size_t k = in ? json_object_array_length(in) : 0;
    if (k > SM_HISTORY_MAX_INPUTS)
        fail(&c, "more than %d inputs", SM_HISTORY_MAX_INPUTS);
    for (size_t i = 0; i < k && !c.failed; i++) {
        json_object *x = json_object_array_get_idx(in, i);
        if (!x || json_object_get_type(x) != json_type_object) {
            fail(&c, "inputs[%zu] is not an object", i);
            break;
        }
        char name[16];
        str(&c, x, "input", name, sizeof name, 1);
        sm_coach_input_t kind = SM_COACH_IN_SORENESS;
        if (!strcmp(name, "pivot"))
            kind = SM_COACH_IN_PIVOT;
        else if (!strcmp(name, "reset"))
            kind = SM_COACH_IN_RESET;
        else if (!strcmp(name, "nogo"))
            kind = SM_COACH_IN_NOGO;
        else if (strcmp(name, "soreness") != 0)
            fail(&c, "inputs[%zu]: unknown input \"%s\"", i, name);
        double t = num(&c, x, "t_s", 0, 1e8, 1, 0);
        int v = (int)integer(&c, x, "value", 0, 10, 0);
        if (!c.failed)
            sm_history_meta_input(out, t, kind, v);
    }
    json_object_put(o);
    if (c.failed) {
        sm_history_meta_init(out, SM_PROTO_BALL_RELEASE, 0);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

sm_status sm_history_meta_format(const sm_history_meta_t *m, char **text)
{
    *text = NULL;
    if (!sm_history_name_ok(m->session))
        return SM_ERR_ARG;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string(SM_HISTORY_META_FORMAT));
    json_object_object_add(o, "version", json_object_new_int(SM_HISTORY_VERSION));
    json_object_object_add(o, "session", json_object_new_string(m->session));
    json_object_object_add(o, "protocol", json_object_new_string(sm_protocol_name(m->protocol)));
    add_num(o, "release_s", m->release_s);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < m->n_inputs && i < SM_HISTORY_MAX_INPUTS; i++) {
        json_object *x = json_object_new_object();
        add_num(x, "t_s", m->inputs[i].t_s);
        json_object_object_add(x, "input", json_object_new_string(input_name(m->inputs[i].input)));
        json_object_object_add(x, "value", json_object_new_int(m->inputs[i].value));
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "inputs", a);
    char *s = take_string(o);
    if (!s)
        return SM_ERR_NOMEM;
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return SM_ERR_NOMEM;
    }
    t[n] = '\n';
    t[n + 1] = 0;
    *text = t;
    return SM_OK;
}
