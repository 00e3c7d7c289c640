/*
 * module/user_line.h: one line of an AuthUserFile ("user:realm:hash..."),
 * as module/store.c reads it to turn a user-hash back into a user name
 * (module/user_line.c).  Nothing here uses httpd, so
 * t/fuzz/fuzz_user_file.c can feed it hostile lines.
 */
#ifndef ASD_USER_LINE_H
#define ASD_USER_LINE_H

#include <stdbool.h>

#include "params.h"

/* Splits a NUL-terminated line (as ap_cfg_getline leaves it) into user
   and realm, views into line, and *rest, what follows the realm's colon.
   False for a comment ('#' first), a line without two colons, or a user
   longer than the engine takes (SD_MAX_USER). */
bool asd_user_line(const char *line, sd_view *user, sd_view *realm,
                   const char **rest);

#endif
