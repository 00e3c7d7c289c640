/*
 * passwd_file.h: rewriting a password file safely.  The old file is read
 * whole; the new one is written beside it under a temporary name, flushed
 * to disk and renamed over the old one, so that a reader or a crash sees
 * either the old file or the new one, never a part.  Every line but the
 * one replaced is kept octet for octet.  It knows the line format only as
 * far as finding "user:realm:" goes; it computes no hash.
 */
#ifndef SDP_PASSWD_FILE_H
#define SDP_PASSWD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "params.h"

typedef struct {
    const char *shown; /* the name as given, for messages */
    char *path;        /* the file replaced: a symbolic link's target */
    char *dir;         /* the directory the temporary file goes in */
    bool exists;       /* there was a file when it was opened */
    struct stat st;    /* that file's, when it exists */
    char *data;        /* its contents, when they are kept (no -c) */
    size_t len;
    size_t cap;
    bool found; /* a line of the user and realm, at [start, end) */
    size_t start;
    size_t end;
} sdp_file;

/* Checks that path can be replaced, and reads it unless `create` (-c:
   whatever is there is replaced whole).  Without `create` the file must
   exist.  Reports the problem and returns false otherwise; call
   sdp_file_close() either way. */
bool sdp_file_open(sdp_file *f, const char *path, bool create);

/* Looks for the first line of user and realm, reading lines as httpd's
   mod_authn_file does: leading white space skipped, '#' starts a comment.
   True when there is one. */
bool sdp_file_find(sdp_file *f, sd_view user, sd_view realm);

/* Writes the file with line[0..len) (newline included) in place of the
   line found, or appended; keeps the old file's owner, group and mode, or
   gives a new one 0666 less the umask, as htdigest does.  Reports and
   returns false on any failure, with the old file untouched and no
   temporary file left behind. */
bool sdp_file_commit(sdp_file *f, const char *line, size_t len);

/* Wipes and frees what sdp_file_open() kept. */
void sdp_file_close(sdp_file *f);

#endif
