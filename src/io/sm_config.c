#include "sm_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>
#include <string.h>

#include "sm_file.h"
#include "sm_json_doc.h"

#define CONFIG_MAX 65536

sm_status sm_config_dir(char *buf, size_t buflen)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, buflen, "%s/steadymat", xdg);
    else if (home && *home)
        n = snprintf(buf, buflen, "%s/.config/steadymat", home);
    else
        return SM_ERR_ARG;
    return n > 0 && (size_t)n < buflen ? SM_OK : SM_ERR_ARG;
}

static sm_status marker_path(char *buf, size_t buflen)
{
    char dir[4000];
    if (sm_config_dir(dir, sizeof dir) != SM_OK)
        return SM_ERR_ARG;
    int n = snprintf(buf, buflen, "%s/safety-seen", dir);
    return n > 0 && (size_t)n < buflen ? SM_OK : SM_ERR_ARG;
}

int sm_config_safety_seen(void)
{
    char path[4096];
    return marker_path(path, sizeof path) == SM_OK && access(path, F_OK) == 0;
}

sm_status sm_config_set_safety_seen(void)
{
    char dir[4000], path[4096];
    if (sm_config_dir(dir, sizeof dir) != SM_OK || marker_path(path, sizeof path) != SM_OK)
        return SM_ERR_IO;
    if (sm_file_mkdirs(dir) != 0)
        return SM_ERR_IO;
    int fd = sm_file_create(path, 1);
    if (fd < 0)
        return SM_ERR_IO;
    close(fd);
    return SM_OK;
}

void sm_config_clear(sm_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->volume = -1;
    c->mute = -1;
    c->voice = -1;
}

static sm_status config_path(char *buf, size_t buflen)
{
    char dir[4000];
    if (sm_config_dir(dir, sizeof dir) != SM_OK)
        return SM_ERR_ARG;
    int n = snprintf(buf, buflen, "%s/config", dir);
    return n > 0 && (size_t)n < buflen ? SM_OK : SM_ERR_ARG;
}

sm_status sm_config_parse(const char *text, size_t n, sm_config_t *c, char *err, size_t errlen)
{
    sm_config_clear(c);
    json_object *root = NULL;
    sm_status s = sm_json_doc_parse(text, n, CONFIG_MAX, "config", &root, err, errlen);
    if (s != SM_OK)
        return SM_ERR_FORMAT;
    int version = 0;
    s = sm_json_doc_header(root, "config", "steadymat-config", 1, &version, err, errlen);
    const char *bad = NULL;
    json_object *v;
    if (s == SM_OK) {
        if (sm_json_member(root, "port", &v) && !sm_json_str(root, "port", c->port, sizeof c->port))
            bad = "port must be a text of at most 255 bytes";
        else if (sm_json_member(root, "baud", &v) &&
                 !sm_json_int(root, "baud", 300, 4000000, &c->baud))
            bad = "baud must be a whole number 300..4000000";
        else if (sm_json_member(root, "mat_format", &v) &&
                 !sm_json_str(root, "mat_format", c->mat_format, sizeof c->mat_format))
            bad = "mat_format must be a text (binary, text, m1616 or raw:SPEC)";
        else if (sm_json_member(root, "rows", &v) && !sm_json_int(root, "rows", 1, 64, &c->rows))
            bad = "rows must be a whole number 1..64";
        else if (sm_json_member(root, "cols", &v) && !sm_json_int(root, "cols", 1, 64, &c->cols))
            bad = "cols must be a whole number 1..64";
        else if (sm_json_member(root, "volume", &v) &&
                 !sm_json_int(root, "volume", 0, 100, &c->volume))
            bad = "volume must be a whole number 0..100";
        else if (sm_json_member(root, "mute", &v) && !sm_json_bool(root, "mute", &c->mute))
            bad = "mute must be true or false";
        else if (sm_json_member(root, "voice", &v) && !sm_json_bool(root, "voice", &c->voice))
            bad = "voice must be true or false";
        else if (sm_json_member(root, "protocol", &v) &&
                 !sm_json_str(root, "protocol", c->protocol, sizeof c->protocol))
            bad = "protocol must be ball, hook, back or realign";
        else if (sm_json_member(root, "patient", &v) &&
                 !sm_json_str(root, "patient", c->patient, sizeof c->patient))
            bad = "patient must be a text of at most 127 bytes";
        if (bad) {
            snprintf(err, errlen, "%s", bad);
            s = SM_ERR_FORMAT;
        }
    }
    json_object_put(root);
    if (s != SM_OK) {
        sm_config_clear(c);
        return SM_ERR_FORMAT;
    }
    return SM_OK;
}

sm_status sm_config_load(sm_config_t *c, char *err, size_t errlen)
{
    sm_config_clear(c);
    char path[4096], why[256];
    if (config_path(path, sizeof path) != SM_OK || access(path, F_OK) != 0)
        return SM_OK;
    char *buf = NULL;
    size_t n = 0;
    if (sm_file_read(path, CONFIG_MAX, &buf, &n, why, sizeof why) != SM_OK) {
        snprintf(err, errlen, "%s", why);
        return SM_ERR_FORMAT;
    }
    sm_status s = sm_config_parse(buf, n, c, why, sizeof why);
    free(buf);
    if (s != SM_OK)
        snprintf(err, errlen, "config %s: %s", path, why);
    return s;
}

sm_status sm_config_save(const sm_config_t *c, char *err, size_t errlen)
{
    char path[4096];
    if (config_path(path, sizeof path) != SM_OK) {
        snprintf(err, errlen, "no place for the config: set $HOME or $XDG_CONFIG_HOME");
        return SM_ERR_IO;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("steadymat-config"));
    json_object_object_add(o, "version", json_object_new_int(1));
    if (c->port[0])
        json_object_object_add(o, "port", json_object_new_string(c->port));
    if (c->baud)
        json_object_object_add(o, "baud", json_object_new_int(c->baud));
    if (c->mat_format[0])
        json_object_object_add(o, "mat_format", json_object_new_string(c->mat_format));
    if (c->rows)
        json_object_object_add(o, "rows", json_object_new_int(c->rows));
    if (c->cols)
        json_object_object_add(o, "cols", json_object_new_int(c->cols));
    if (c->volume >= 0)
        json_object_object_add(o, "volume", json_object_new_int(c->volume));
    if (c->mute >= 0)
        json_object_object_add(o, "mute", json_object_new_boolean(c->mute));
    if (c->voice >= 0)
        json_object_object_add(o, "voice", json_object_new_boolean(c->voice));
    if (c->protocol[0])
        json_object_object_add(o, "protocol", json_object_new_string(c->protocol));
    if (c->patient[0])
        json_object_object_add(o, "patient", json_object_new_string(c->patient));
    char *text = NULL;
    if (sm_json_doc_text(o, &text) != SM_OK) {
        snprintf(err, errlen, "out of memory");
        return SM_ERR_NOMEM;
    }
    sm_status s = sm_file_write_atomic(path, text, strlen(text), "config", err, errlen);
    free(text);
    return s;
}
