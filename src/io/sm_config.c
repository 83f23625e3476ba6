#include "sm_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sm_file.h"

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
