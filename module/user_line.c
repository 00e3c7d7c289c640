/*
 * module/user_line.c: one line of an AuthUserFile (module/user_line.h).
 */
#include "user_line.h"

#include <string.h>

#include "sspi.h"

bool asd_user_line(const char *line, sd_view *user, sd_view *realm,
                   const char **rest)
{
    const char *colon = strchr(line, ':');
    const char *after = colon ? colon + 1 : NULL;
    const char *colon2 = after ? strchr(after, ':') : NULL;

    if (line[0] == '#' || colon2 == NULL ||
        (size_t)(colon - line) > SD_MAX_USER) {
        return false;
    }
    user->p = line;
    user->len = (size_t)(colon - line);
    realm->p = after;
    realm->len = (size_t)(colon2 - after);
    *rest = colon2 + 1;
    return true;
}
