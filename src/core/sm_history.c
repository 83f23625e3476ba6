#include "sm_history.h"

#include <string.h>

void sm_history_entry_fill_sides(sm_history_entry_t *e, const sm_coach_t *co)
{
    memset(e->side, 0, sizeof e->side);
    size_t n = 0;
    const sm_coach_hold_t *h = sm_coach_holds(co, &n);
    /* Spots are numbered per session; a side's spots are the distinct numbers among its holds
     * (a hook's two phases share one spot). */
    int seen[SM_HISTORY_SIDES][64];
    int nseen[SM_HISTORY_SIDES] = {0, 0};
    double settle_sum[SM_HISTORY_SIDES] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (h[i].side != SM_SIDE_RIGHT && h[i].side != SM_SIDE_LEFT)
            continue;
        int k = h[i].side == SM_SIDE_RIGHT ? SM_HISTORY_RIGHT : SM_HISTORY_LEFT;
        sm_history_side_t *s = &e->side[k];
        s->holds++;
        s->released += h[i].release_met != 0;
        s->steady_s += h[i].steady_s;
        s->wiggles += h[i].wiggles;
        settle_sum[k] += h[i].time_to_settle_s;
        int known = 0;
        for (int j = 0; j < nseen[k]; j++)
            known |= seen[k][j] == h[i].spot;
        if (!known) {
            s->spots++;
            if (nseen[k] < 64)
                seen[k][nseen[k]++] = h[i].spot;
        }
        if (h[i].soreness >= 0 && h[i].soreness <= 10 && s->n_soreness < SM_HISTORY_MAX_RATINGS)
            s->soreness[s->n_soreness++] = h[i].soreness;
    }
    for (int k = 0; k < SM_HISTORY_SIDES; k++)
        e->side[k].settle_s = e->side[k].holds ? settle_sum[k] / e->side[k].holds : 0;
}

double sm_history_wiggles_per_hold(const sm_history_side_t *s)
{
    return s->holds > 0 ? (double)s->wiggles / s->holds : -1;
}

double sm_history_soreness_mean(const sm_history_side_t *s)
{
    if (s->n_soreness <= 0)
        return -1;
    double sum = 0;
    for (int i = 0; i < s->n_soreness; i++)
        sum += s->soreness[i];
    return sum / s->n_soreness;
}

double sm_history_settle_or_none(const sm_history_side_t *s)
{
    return s->holds > 0 ? s->settle_s : -1;
}

static int side_equal(const sm_history_side_t *a, const sm_history_side_t *b)
{
    if (a->spots != b->spots || a->holds != b->holds || a->released != b->released ||
        a->steady_s != b->steady_s || a->settle_s != b->settle_s || a->wiggles != b->wiggles ||
        a->n_soreness != b->n_soreness)
        return 0;
    for (int i = 0; i < a->n_soreness; i++)
        if (a->soreness[i] != b->soreness[i])
            return 0;
    return 1;
}

int sm_history_entry_equal(const sm_history_entry_t *a, const sm_history_entry_t *b)
{
    return !strcmp(a->session, b->session) && a->start_unix_ms == b->start_unix_ms &&
           a->duration_s == b->duration_s && a->frames == b->frames && a->protocol == b->protocol &&
           a->release_s == b->release_s && !strcmp(a->source, b->source) &&
           !strcmp(a->mat_uid, b->mat_uid) && !strcmp(a->mat_name, b->mat_name) &&
           a->rows == b->rows && a->cols == b->cols && a->tool == b->tool &&
           !strcmp(a->patient, b->patient) && side_equal(&a->side[0], &b->side[0]) &&
           side_equal(&a->side[1], &b->side[1]);
}

int sm_history_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= SM_HISTORY_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    if (name[0] != '/')
        return strchr(name, '/') == NULL && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
    /* absolute: no "." or ".." components */
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *q = strchr(p, '/');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len;
    }
    return 1;
}

const char *sm_protocol_title(sm_protocol_t p)
{
    switch (p) {
    case SM_PROTO_BALL_RELEASE:
        return "Ball release";
    case SM_PROTO_HIP_HOOK:
        return "Hip Hook, two phases";
    case SM_PROTO_BACK_OF_HIP:
        return "Back of hip";
    case SM_PROTO_REALIGN:
        return "Realignment";
    }
    return "Ball release";
}
