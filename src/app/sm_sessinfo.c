#include "sm_sessinfo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_calib_file.h"
#include "sm_cli.h"
#include "sm_file.h"
#include "sm_history_store.h"
#include "sm_proto.h"

double sm_sessinfo_threshold(sm_protocol_t p, double release_s)
{
    if (release_s > 0)
        return release_s;
    sm_coach_settings_t cs;
    sm_coach_settings_default(&cs, p);
    return p == SM_PROTO_HIP_HOOK ? cs.hook_phase_s : cs.release_s;
}

void sm_sessinfo_resolve(const sm_session_header_t *h, const sm_history_meta_t *sidecar,
                         const sm_sessinfo_flags_t *flags, sm_sessinfo_t *out)
{
    static const sm_sessinfo_flags_t none;
    if (!flags)
        flags = &none;
    memset(out, 0, sizeof *out);
    out->protocol = SM_PROTO_BALL_RELEASE;
    sm_protocol_t hp;
    /* protocol */
    if (flags->protocol_given) {
        out->protocol = flags->protocol;
        out->protocol_from = SM_FROM_FLAG;
    } else if (h && h->protocol[0] && sm_history_protocol_parse(h->protocol, &hp)) {
        out->protocol = hp;
        out->protocol_from = SM_FROM_SESSION;
    } else if (sidecar) {
        out->protocol = sidecar->protocol;
        out->protocol_from = SM_FROM_SIDECAR;
    }
    /* release threshold: the header keeps the threshold in force; the pipeline is given 0 when
     * that is the protocol's default, exactly as the live session was. */
    if (flags->release_s > 0) {
        out->release_s = flags->release_s;
        out->release_from = SM_FROM_FLAG;
    } else if (h && h->release_s > 0) {
        out->release_s = h->release_s;
        out->release_from = SM_FROM_SESSION;
    } else if (sidecar && sidecar->release_s > 0) {
        out->release_s = sidecar->release_s;
        out->release_from = SM_FROM_SIDECAR;
    } else if (sidecar && out->protocol_from == SM_FROM_SIDECAR) {
        out->release_from = SM_FROM_SIDECAR;
    }
    /* A recorded threshold that was its protocol's default is "the default": with another
     * protocol given, that protocol's default applies (a hook's 30 s per phase is not a ball's
     * release). */
    sm_protocol_t recorded = out->protocol;
    if (flags->protocol_given) {
        recorded = SM_PROTO_BALL_RELEASE;
        if (h && h->protocol[0])
            sm_history_protocol_parse(h->protocol, &recorded);
        else if (sidecar)
            recorded = sidecar->protocol;
    }
    if (out->release_from != SM_FROM_FLAG && out->release_s > 0 &&
        out->release_s == sm_sessinfo_threshold(recorded, 0)) {
        out->release_s = 0;
        if (flags->protocol_given)
            out->release_from = SM_FROM_PROTOCOL;
    }
    out->threshold_s = sm_sessinfo_threshold(out->protocol, out->release_s);
    /* tool */
    sm_session_tool implied =
        out->protocol == SM_PROTO_HIP_HOOK ? SM_SESSTOOL_HIP_HOOK : SM_SESSTOOL_BALL;
    if (flags->tool_given) {
        out->tool = flags->tool;
        out->ball_mm = flags->tool == SM_SESSTOOL_BALL ? flags->ball_mm : 0;
        out->tool_from = SM_FROM_FLAG;
        out->set_tool = 1;
    } else if (h && (h->tool == SM_SESSTOOL_BALL || h->tool == SM_SESSTOOL_HIP_HOOK) &&
               !(flags->protocol_given && h->ball_diameter_mm <= 0 &&
                 h->tool ==
                     (recorded == SM_PROTO_HIP_HOOK ? SM_SESSTOOL_HIP_HOOK : SM_SESSTOOL_BALL))) {
        /* (a tool that only followed from the recorded protocol follows a protocol given) */
        out->tool = h->tool;
        out->ball_mm = h->tool == SM_SESSTOOL_BALL ? h->ball_diameter_mm : 0;
        out->tool_from = SM_FROM_SESSION;
        /* The recorder stores a diameter only when it named the ball to the pipeline. */
        out->set_tool = out->tool != implied || out->ball_mm > 0;
    } else {
        out->tool = implied;
        out->tool_from = SM_FROM_PROTOCOL;
    }
    out->auto_tool = !flags->protocol_given && !flags->tool_given && h && h->protocol[0] &&
                     out->protocol_from == SM_FROM_SESSION && h->tool == SM_SESSTOOL_UNKNOWN;
    if (h) {
        snprintf(out->patient, sizeof out->patient, "%s", h->patient);
        snprintf(out->calib_id, sizeof out->calib_id, "%s", h->calib_id);
        snprintf(out->calib_hash, sizeof out->calib_hash, "%s", h->calib_hash);
    }
}

int sm_sessinfo_option(int argc, char **argv, int *i, sm_sessinfo_flags_t *f, const char *cmd)
{
    const char *a = argv[*i];
    int p = !strcmp(a, "--protocol"), r = !strcmp(a, "--release"), t = !strcmp(a, "--tool");
    if (!p && !r && !t)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "steadymat %s: %s needs a value (see 'steadymat %s --help')\n", cmd, a,
                cmd);
        return -1;
    }
    const char *v = argv[++*i];
    if (p) {
        if (!sm_parse_protocol(v, &f->protocol)) {
            fprintf(stderr, "steadymat %s: --protocol is ball, hook, back or realign, not '%s'\n",
                    cmd, v);
            return -1;
        }
        f->protocol_given = 1;
    } else if (r) {
        char *end;
        double s = strtod(v, &end);
        if (end == v || *end || !(s >= 1 && s <= 3600)) {
            fprintf(stderr, "steadymat %s: --release takes seconds from 1 to 3600, not '%s'\n", cmd,
                    v);
            return -1;
        }
        f->release_s = s;
    } else {
        f->ball_mm = 0;
        if (!strcmp(v, "hook") || !strcmp(v, "hip-hook")) {
            f->tool = SM_SESSTOOL_HIP_HOOK;
        } else if (!strncmp(v, "ball", 4) && (!v[4] || v[4] == ':')) {
            f->tool = SM_SESSTOOL_BALL;
            if (v[4] == ':') {
                char *end;
                double cm = strtod(v + 5, &end);
                if (end == v + 5 || *end || !(cm >= 6 && cm <= 15)) {
                    fprintf(stderr,
                            "steadymat %s: --tool ball:D takes the diameter in cm (6 to 15), "
                            "not '%s'\n",
                            cmd, v);
                    return -1;
                }
                f->ball_mm = cm * 10;
            }
        } else {
            fprintf(stderr, "steadymat %s: --tool is ball, ball:CM or hook, not '%s'\n", cmd, v);
            return -1;
        }
        f->tool_given = 1;
    }
    return 1;
}

const char *sm_sessinfo_from_text(sm_from_t from, const char *flag)
{
    switch (from) {
    case SM_FROM_SESSION:
        return "from the session";
    case SM_FROM_SIDECAR:
        return "from the history sidecar";
    case SM_FROM_PROTOCOL:
        return "for the protocol";
    case SM_FROM_FLAG:
        return !strcmp(flag, "--protocol") ? "overridden by --protocol"
               : !strcmp(flag, "--tool")   ? "overridden by --tool"
                                           : "overridden by --release";
    case SM_FROM_DETECTED:
        return "found from the tool on the mat";
    case SM_FROM_DEFAULT:
        break;
    }
    return "default: the session does not say";
}

void sm_sessinfo_settle(sm_sessinfo_t *s, sm_protocol_t coached, int detected)
{
    if (!s->auto_tool || !detected)
        return;
    s->protocol = coached;
    s->protocol_from = SM_FROM_DETECTED;
    s->threshold_s = sm_sessinfo_threshold(coached, s->release_s);
    s->tool = coached == SM_PROTO_HIP_HOOK ? SM_SESSTOOL_HIP_HOOK : SM_SESSTOOL_BALL;
    s->tool_from = SM_FROM_DETECTED;
}

const char *sm_sessinfo_from_name(sm_from_t from)
{
    static const char *const n[] = {"default",  "session", "sidecar",
                                    "protocol", "flag",    "detected"};
    return (unsigned)from < sizeof n / sizeof n[0] ? n[from] : "default";
}

static void tool_text(const sm_sessinfo_t *s, char *b, size_t n)
{
    if (s->tool == SM_SESSTOOL_BALL && s->ball_mm > 0)
        snprintf(b, n, "ball, %g cm", s->ball_mm / 10);
    else
        snprintf(b, n, "%s", sm_sesstool_name(s->tool));
}

void sm_sessinfo_print(FILE *fp, const char *prefix, const sm_sessinfo_t *s)
{
    char tool[48];
    tool_text(s, tool, sizeof tool);
    fprintf(fp, "%sprotocol: %s (%s)\n", prefix, sm_protocol_title(s->protocol),
            sm_sessinfo_from_text(s->protocol_from, "--protocol"));
    fprintf(fp, "%srelease: %g s of steady time%s (%s)\n", prefix, s->threshold_s,
            s->protocol == SM_PROTO_HIP_HOOK ? " per phase" : "",
            sm_sessinfo_from_text(s->release_from, "--release"));
    fprintf(fp, "%stool: %s (%s)\n", prefix, tool, sm_sessinfo_from_text(s->tool_from, "--tool"));
    fprintf(fp, "%spatient: %s\n", prefix, s->patient[0] ? s->patient : "not recorded");
}

static json_object *str_or_null(const char *s)
{
    return s && s[0] ? json_object_new_string(s) : NULL;
}

void sm_sessinfo_json(json_object *o, const sm_sessinfo_t *s)
{
    json_object_object_add(o, "protocol", json_object_new_string(sm_protocol_name(s->protocol)));
    json_object_object_add(o, "protocol_title",
                           json_object_new_string(sm_protocol_title(s->protocol)));
    json_object_object_add(o, "protocol_from",
                           json_object_new_string(sm_sessinfo_from_name(s->protocol_from)));
    json_object_object_add(o, "release_threshold_s", json_object_new_double(s->threshold_s));
    json_object_object_add(o, "release_from",
                           json_object_new_string(sm_sessinfo_from_name(s->release_from)));
    json_object_object_add(o, "tool",
                           json_object_new_string(s->tool == SM_SESSTOOL_HIP_HOOK ? "hip-hook"
                                                  : s->tool == SM_SESSTOOL_BALL   ? "ball"
                                                                                  : "unknown"));
    json_object_object_add(o, "tool_from",
                           json_object_new_string(sm_sessinfo_from_name(s->tool_from)));
    json_object_object_add(o, "ball_diameter_mm",
                           s->ball_mm > 0 ? json_object_new_double(s->ball_mm) : NULL);
    json_object_object_add(o, "patient", str_or_null(s->patient));
    json_object_object_add(o, "calibration_id", str_or_null(s->calib_id));
}

const char *sm_sesstool_name(sm_session_tool t)
{
    return t == SM_SESSTOOL_BALL ? "ball" : t == SM_SESSTOOL_HIP_HOOK ? "Hip Hook" : "unknown";
}

sm_tool_kind_t sm_sesstool_kind(sm_session_tool t)
{
    return t == SM_SESSTOOL_HIP_HOOK ? SM_TOOL_HOOK : SM_TOOL_BALL;
}

/* ---- calibration ---- */

sm_status sm_sessinfo_calib_identify(const char *path, const sm_calib_data_t *d, char *id,
                                     size_t idlen, char *hash, size_t hashlen, char *err,
                                     size_t errlen)
{
    char *text;
    size_t n;
    sm_status s = sm_file_read(path, SM_CALIB_FILE_MAX, &text, &n, err, errlen);
    if (s != SM_OK)
        return s;
    uint32_t crc = sm_crc32c((const uint8_t *)text, n);
    free(text);
    snprintf(hash, hashlen, "crc32c:%08x", (unsigned)crc);
    char mat[24];
    if (d->uid[0])
        snprintf(mat, sizeof mat, "%s", d->uid);
    else
        snprintf(mat, sizeof mat, "%dx%d", d->rows, d->cols);
    snprintf(id, idlen, "%s@%.40s", mat, d->created[0] ? d->created : "undated");
    return SM_OK;
}

int sm_sessinfo_calib_copy_path(const char *dir, const char *hash, char *buf, size_t n)
{
    if (!dir || strncmp(hash, "crc32c:", 7) != 0 || strlen(hash) != 15)
        return 0;
    for (const char *p = hash + 7; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return 0;
    int len = snprintf(buf, n, "%s/calibrations/crc32c-%s.json", dir, hash + 7);
    return len > 0 && (size_t)len < n;
}

/* The calibration at path if its file hashes to want and fits the mat. */
static int try_calib(const char *path, const sm_session_header_t *h, sm_calib_t **cal)
{
    if (access(path, R_OK) != 0)
        return 0;
    sm_calib_data_t *d = malloc(sizeof *d);
    char err[300], id[64], hash[72];
    int ok = d && sm_calib_file_load(path, &h->mat, d, err, sizeof err) == SM_OK &&
             sm_sessinfo_calib_identify(path, d, id, sizeof id, hash, sizeof hash, err,
                                        sizeof err) == SM_OK &&
             !strcmp(hash, h->calib_hash) && sm_calib_create(d, cal, err, sizeof err) == SM_OK;
    free(d);
    return ok;
}

int sm_sessinfo_reference_profile(char *path, size_t n)
{
    const char *paths[] = {
#ifdef SM_REFERENCE_PROFILE
        SM_REFERENCE_PROFILE,
#endif
#ifdef SM_REFERENCE_PROFILE_SRC
        SM_REFERENCE_PROFILE_SRC,
#endif
        NULL};
    for (size_t i = 0; paths[i]; i++)
        if (access(paths[i], R_OK) == 0) {
            snprintf(path, n, "%s", paths[i]);
            return 1;
        }
    return 0;
}

int sm_sessinfo_calib_find(const char *session_path, const char *hist_dir,
                           const sm_session_header_t *h, sm_calib_t **cal, char *path,
                           size_t pathlen, char *msg, size_t msglen)
{
    *cal = NULL;
    if (msg && msglen)
        msg[0] = 0;
    if (!h->calib_hash[0])
        return 0; /* recorded in raw counts */
    char dir[PATH_MAX], cand[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", session_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    const char *dirs[2] = {dir, hist_dir};
    char defdir[PATH_MAX];
    if (!hist_dir && sm_history_default_dir(defdir, sizeof defdir) == SM_OK)
        dirs[1] = defdir;
    for (int i = 0; i < 2; i++)
        if (dirs[i] && sm_sessinfo_calib_copy_path(dirs[i], h->calib_hash, cand, sizeof cand) &&
            try_calib(cand, h, cal)) {
            snprintf(path, pathlen, "%s", cand);
            return 1;
        }
    if (h->mat.uid[0] && sm_calib_default_path(h->mat.uid, cand, sizeof cand) == SM_OK &&
        try_calib(cand, h, cal)) {
        snprintf(path, pathlen, "%s", cand);
        return 1;
    }
    if (sm_sessinfo_reference_profile(cand, sizeof cand) && try_calib(cand, h, cal)) {
        snprintf(path, pathlen, "%s", cand);
        return 1;
    }
    snprintf(msg, msglen,
             "the calibration it was recorded with (%s, %s) is no longer available: analysed "
             "in raw counts",
             h->calib_id[0] ? h->calib_id : "no id", h->calib_hash);
    return 0;
}
