/*
 * passwd.h: what the parts of sspidigest-passwd share: its name, its
 * limits, its exit statuses and its one way of reporting an error.  The
 * tool is built from sspidigest-passwd.c (the command line),
 * passwd_prompt.c (reading the password) and passwd_file.c (rewriting the
 * file); none of them prints a password or a hash.
 */
#ifndef SDP_PASSWD_H
#define SDP_PASSWD_H

#include "bounds.h"

#define SDP_PROGRAM "sspidigest-passwd"

#define SDP_STR_(x) #x
#define SDP_STR(x) SDP_STR_(x)

/* The longest password, in octets: htdigest's limit (it refuses 256 and
   more as "password too long"). */
#define SDP_MAX_PASSWORD 255

/* User and realm: the engine's own bounds, so that every name it accepts
   can be stored and none that it refuses can. */
#define SDP_MAX_USER SD_MAX_USERNAME
#define SDP_MAX_REALM SD_MAX_REALM

/* The largest password file we read into memory. */
#define SDP_MAX_FILE (64u * 1024u * 1024u)

/* Exit statuses.  htdigest exits 1 for everything (5 for a password that
   is too long); we keep 1 for every refusal and, as htpasswd does, give
   usage errors their own status. */
enum { SDP_EXIT_OK = 0, SDP_EXIT_FAIL = 1, SDP_EXIT_USAGE = 2 };

/* "sspidigest-passwd: <message>\n" on stderr. */
void sdp_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
