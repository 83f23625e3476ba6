#include "sm_firstrun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sm_file.h"

sm_status sm_firstrun_path_for(const char *xdg_data_home, const char *home, const char *name,
                               char *buf, size_t n)
{
    if (!name || !*name)
        return SM_ERR_ARG;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-'))
            return SM_ERR_ARG;
    int k;
    if (xdg_data_home && xdg_data_home[0] == '/')
        k = snprintf(buf, n, "%s/steadymat/once/%s", xdg_data_home, name);
    else if (home && home[0])
        k = snprintf(buf, n, "%s/.local/share/steadymat/once/%s", home, name);
    else
        return SM_ERR_ARG;
    return k < 0 || (size_t)k >= n ? SM_ERR_RANGE : SM_OK;
}

int sm_firstrun_take(const char *name)
{
    char path[4096];
    if (sm_firstrun_path_for(getenv("XDG_DATA_HOME"), getenv("HOME"), name, path, sizeof path) !=
        SM_OK)
        return 0;
    char *slash = strrchr(path, '/');
    *slash = 0;
    int made = sm_file_mkdirs(path);
    *slash = '/';
    if (made != 0)
        return 0;
    int fd = sm_file_create(path, 0); /* O_EXCL: exactly one session takes it */
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}
