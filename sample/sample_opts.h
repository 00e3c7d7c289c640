/*
 * sample_opts.h: what sspidigest-sasl-sample is told (its options, the
 * user file, the password file) and its calls into the engine: the key
 * callback over the user file, and one AcceptSecurityContext or
 * InitializeSecurityContext call in SASL mode.
 */
#ifndef SAMPLE_OPTS_H
#define SAMPLE_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "sspi.h"

typedef struct {
    bool server;
    const char *mech;    /* -m, "DIGEST-MD5" */
    const char *service; /* -s, "rcmd" as in Cyrus SASL's samples */
    char host[256];      /* -n, else the host name */
    const char *realm;   /* -r: the server's realm (default: the host), or
                            the client's Domain */
    const char *authid;  /* -a, or -u when -a is not given */
    const char *authzid; /* -u when -a is given too and differs */
    unsigned min_ssf;    /* -b min= */
    unsigned max_ssf;    /* -b max= */
    char *password;      /* client: the first line of -P FILE (wiped) */
    char *users;         /* server: the -f FILE, NUL-terminated */
} sample_opts;

/* Parses argv; prints the usage and returns false on a mistake. */
bool sample_parse_opts(int argc, char **argv, sample_opts *o);
void sample_free_opts(sample_opts *o);

/* Whether the space-separated list names mech (any case). */
bool sample_has_mech(const char *list, const char *mech);

/* SEC_GET_KEY_FN over the user file (Arg is the sample_opts). */
void SEC_ENTRY sample_get_key(PVOID Arg, PVOID Principal, ULONG KeyVer,
                              PVOID *Key, SECURITY_STATUS *Status);

/* One call with token[0..len) (NULL: no input at all) and sp; the output
   token NUL-terminated in out. */
SECURITY_STATUS sample_asc(CredHandle *cred, CtxtHandle *ctx,
                           CtxtHandle *ctx_out, ULONG req,
                           const unsigned char *token, size_t len,
                           const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                           ULONG *attrs);
SECURITY_STATUS sample_isc(CredHandle *cred, CtxtHandle *ctx,
                           CtxtHandle *ctx_out, ULONG req, const char *target,
                           const unsigned char *token, size_t len,
                           const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                           ULONG *attrs);

#endif
