/*
 * binding.h: channel bindings in HTTP Digest as Windows does them
 * (Microsoft's "digestbind", draft-santesson-digestbind-01, cited by
 * [MS-DPSP] §2.1).  A server that checks bindings marks its nonces with
 * "+Upgraded+"; an upgraded client answers with three more parameters,
 *   hashed-dirs="service-name,channel-binding"
 *   service-name="HTTP/host"          (the SPN it meant to reach)
 *   channel-binding="<32 hex>"        (MD5 of its SEC_CHANNEL_BINDINGS,
 *                                      zeros when it has no secure channel)
 * and a cnonce "+Upgraded+v1" hex(MD5(service-name ":" channel-binding))
 * <random hex>, so that the response digest, which covers the cnonce,
 * covers the binding too.  This file holds the wire format (both sides),
 * the caller's SEC_CHANNEL_BINDINGS and the acceptance policy; it does not
 * know where a binding comes from (tls_endpoint.c makes TLS ones).  The
 * hashes are MD5 whatever the Digest algorithm, as Windows sends them.
 */
#ifndef SD_BINDING_H
#define SD_BINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "digest_hash.h"
#include "params.h"
#include "sspi.h"

#define SD_UPGRADED "+Upgraded+"
#define SD_UPGRADED_LEN 10
#define SD_UPGRADED_CNONCE "+Upgraded+v1"
#define SD_UPGRADED_CNONCE_LEN 12
#define SD_BINDING_HEX 32 /* hex MD5 */
/* the client's upgraded cnonce: prefix, MD5 in hex, 32 random hex digits */
#define SD_UPGRADED_CNONCE_MAX (SD_UPGRADED_CNONCE_LEN + 2 * SD_BINDING_HEX)

/* ---- the caller's SEC_CHANNEL_BINDINGS -------------------------------- */

/* True when p[0..n) is a SEC_CHANNEL_BINDINGS whose three (offset, length)
   pairs all lie inside it, after the header, and n is at most
   SD_MAX_CHANNEL_BINDINGS.  n == 0 is no binding (false). */
bool sd_bindings_valid(const void *p, size_t n);

/* Lower-case hex MD5 of the flattened structure (Windows' channel-binding
   value): for initiator, acceptor, each little-endian 32-bit address type,
   length and octets, then the application data's length and octets.  The
   offsets are not hashed.  p must be valid (sd_bindings_valid). */
bool sd_bindings_hash(sd_hasher *h, const void *p, size_t n,
                      char hex[SD_BINDING_HEX]);

/* ---- what a response carries ----------------------------------------- */

typedef enum {
    SD_CB_NONE,    /* no binding parameters: a client that knows none */
    SD_CB_UNBOUND, /* channel-binding of zeros: the client has no channel */
    SD_CB_BOUND
} sd_cb_kind;

typedef struct {
    sd_cb_kind kind;
    sd_view service;          /* service-name, into the token */
    char hex[SD_BINDING_HEX]; /* channel-binding, lower case */
} sd_client_binding;

/* The binding parameters of one response (a view with p NULL when the
   parameter is absent).  NULL when they are well-formed, else why not (a
   fixed string, for SEC_E_INVALID_TOKEN): all three or none; hashed-dirs
   naming exactly service-name and channel-binding; 32 hex digits; qop
   (hence a cnonce) present; the cnonce upgraded and covering them.  An
   upgraded cnonce without the parameters is refused too: they were
   stripped on the way. */
const char *sd_binding_read(sd_hasher *h, sd_view hashed_dirs, sd_view service,
                            sd_view channel, sd_view cnonce, bool has_qop,
                            sd_client_binding *out);

/* ---- acceptance ----------------------------------------------------- */

typedef enum {
    SD_BINDING_ALLOW,  /* ASC_REQ_ALLOW_MISSING_BINDINGS (the HTTP bit) */
    SD_BINDING_STRICT, /* SD_CALL_NO_MISSING_BINDINGS */
    SD_BINDING_PROXY   /* ASC_REQ_PROXY_BINDINGS */
} sd_binding_mode;

typedef struct {
    sd_binding_mode mode;
    bool has_own;                 /* the caller passed its binding */
    char own[SD_BINDING_HEX];     /* its hash, when has_own */
    const SEC_CHAR *const *names; /* service names allowed; none: any */
    size_t nnames;
} sd_binding_policy;

/* Whether nonces minted under this policy are marked "+Upgraded+": the
   caller checks bindings (its own, or with PROXY or STRICT). */
bool sd_binding_upgrades(const sd_binding_policy *p);

/* NULL when the response's binding passes the policy, else why not (a
   fixed string, for SEC_E_BAD_BINDINGS).  sspi.h, "Channel bindings",
   has the table. */
const char *sd_binding_check(const sd_binding_policy *p,
                             const sd_client_binding *cb);

/* ---- the client ------------------------------------------------------ */

/* The upgraded cnonce for service and binding hex, with 16 random octets:
   SD_UPGRADED_CNONCE_MAX characters into out (no NUL). */
bool sd_binding_cnonce(sd_hasher *h, sd_view service,
                       const char hex[SD_BINDING_HEX],
                       const unsigned char random[16], char *out);

#endif
