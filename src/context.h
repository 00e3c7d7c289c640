/*
 * context.h: the security context.  One pool each; the server side keeps
 * what a verified response established (user, realm, nonce, algorithm and
 * the user's key) so later requests on the same connection can be checked
 * without the nonce MAC or the key callback; the client side keeps the
 * challenge it answers.  A context never points into a caller's request
 * memory.
 */
#ifndef SD_CONTEXT_H
#define SD_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <apr_pools.h>

#include "cred.h"
#include "digest_hash.h"
#include "bounds.h"
#include "mac.h"
#include "nonce.h"
#include "sspi.h"

#define SD_AUTH_INFO_MAX 1024
#define SD_STORED_NONCE_MAX 128

typedef enum {
    SD_CTX_NEW,          /* challenge issued, or nothing verified yet */
    SD_CTX_AWAIT_ENTITY, /* auth-int response waiting for H(entity-body) */
    SD_CTX_ESTABLISHED
} sd_ctx_state;

typedef struct sd_client_state sd_client_state;

typedef struct sd_ctx {
    apr_pool_t *pool;
    SecHandle handle;
    sd_cred *cred;
    bool server;
    sd_ctx_state state;
    apr_time_t created;
    ULONG req; /* fContextReq of the call that set the state */
    /* the caller's scope in that call (sspi.h, "Scope") */
    unsigned char scope[SD_MAX_SCOPE];
    size_t scope_len;
    ULONG attrs; /* ASC_RET_* / ISC_RET_* of the last call */
    const char *reason;
    sd_hasher *hasher;
    sd_mac *nonce_key; /* this context's copies of the cred's keys */
    sd_mac *nonce_key_previous;
    sd_mac *standin_key;

    /* what the last response named (SECPKG_ATTR_SD_DIGEST) */
    ULONG last_alg;
    ULONG last_qop;
    char sent_user[SD_MAX_USERNAME + 1];
    size_t sent_user_len;
    bool sent_userhash;

    /* server: what the verified response established */
    char user[SD_MAX_USERNAME + 1];
    size_t user_len;
    char established_sent[SD_MAX_USERNAME]; /* username as sent (or hash) */
    size_t established_sent_len;
    bool established_userhash;
    char realm[SD_MAX_REALM];
    size_t realm_len;
    char nonce[SD_STORED_NONCE_MAX];
    size_t nonce_len;
    sd_nonce_info nonce_info;
    const sd_algorithm *alg;
    char ha1_hex[SD_MAX_HEX]; /* secret: wiped with the pool */
    char auth_info[SD_AUTH_INFO_MAX];
    size_t auth_info_len;

    /* client */
    sd_client_state *client;

    /* server, channel bindings: the caller's SEC_CHANNEL_BINDINGS and its
       hash, computed once per context.  Scope: the hash is reused only
       for the very octets it was computed from; a call with others (or
       none) hashes again. */
    unsigned char bindings[SD_MAX_CHANNEL_BINDINGS];
    size_t bindings_len;
    char bindings_hex[32];
    /* the service-name of the last response, or has_target false */
    char target[SD_MAX_SERVICE_NAME + 1];
    bool has_target;
    /* SASL mode (sasl.h); NULL for an HTTP-mode context */
    struct sd_sasl *sasl;
} sd_ctx;

/* A new context in a child of parent (NULL: APR's global pool), holding a
   reference on cred.  The handle is issued by sd_ctx_publish. */
SECURITY_STATUS sd_ctx_create(sd_cred *cred, apr_pool_t *parent, bool server,
                              sd_ctx **out);
SECURITY_STATUS sd_ctx_publish(sd_ctx *ctx, SecHandle *h);

/* The context behind h, or NULL. */
sd_ctx *sd_ctx_lookup(const SecHandle *h);

/* Destroys the context (retiring its handle). */
void sd_ctx_destroy(sd_ctx *ctx);

/* The context's own copies of the nonce keys, made on first use. */
bool sd_ctx_nonce_keys(sd_ctx *ctx);

#endif
