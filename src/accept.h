/*
 * accept.h: the server side of HTTP Digest (RFC 7616 §3.3-§3.5): issuing
 * challenges and verifying responses, for AcceptSecurityContext and
 * CompleteAuthToken.  Argument and handle checks belong to api.c.
 */
#ifndef SD_ACCEPT_H
#define SD_ACCEPT_H

#include "context.h"
#include "output.h"
#include "params.h"

/* The input buffers of one call, checked (sspi.h, AcceptSecurityContext). */
typedef struct {
    sd_view token;
    sd_view method;
    sd_view entity_hex;
    sd_view realm;
    apr_pool_t *parent;
    void *key_arg;
    bool has_key_arg;
    sd_view target; /* p NULL: the caller checks the digest-uri */
    bool ignore_query;
    sd_view scope; /* the caller's scope octets (sspi.h, "Scope") */
    /* channel bindings (sspi.h, "Channel bindings") */
    sd_view bindings; /* buffer 5, checked; len 0: none */
    bool no_missing;  /* SD_CALL_NO_MISSING_BINDINGS */
    const SEC_CHAR *const *service_names;
    size_t nservice_names;
} sd_accept_input;

/* Reads and checks pInput; SEC_E_OK or SEC_E_INVALID_PARAMETER. */
SECURITY_STATUS sd_accept_read_input(PSecBufferDesc desc, sd_accept_input *in);

/* SEC_E_SECURITY_QOS_FAILED when an HTTP call asks for PROXY_BINDINGS
   while its ASC_REQ_HTTP bit still means ALLOW_MISSING_BINDINGS. */
SECURITY_STATUS sd_accept_check_binding_flags(ULONG req,
                                              const sd_accept_input *in);

/*
 * One AcceptSecurityContext call on ctx (new or not yet established), or
 * with `subsequent`, a CompleteAuthToken on an established ctx.  Writes
 * the output token through out and sets *attrs.  Statuses as documented
 * in sspi.h.
 */
SECURITY_STATUS sd_accept(sd_ctx *ctx, const sd_accept_input *in, ULONG req,
                          bool subsequent, sd_output *out, ULONG *attrs);

/* Whether a call's scope is the one ctx was established (or left waiting
   for H(entity-body)) in: CompleteAuthToken may go on only then. */
bool sd_accept_same_scope(const sd_ctx *ctx, const sd_accept_input *in);

/* H(entity-body) in hex with the context's algorithm family. */
SECURITY_STATUS sd_accept_hash_entity(sd_ctx *ctx, const void *body, size_t len,
                                      char *hex, size_t cap);

#endif
