/*
 * cred.h: credentials.  A server credential holds the policy (algorithms,
 * qop, nonce lifetime, opaque, domain, userhash), the keys derived from the
 * nonce secret, the replay store and the user-key callback; a client
 * credential holds a user name and password.  Both are read-only once
 * acquired and are shared by every thread.
 */
#ifndef SD_CRED_H
#define SD_CRED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <apr_pools.h>

#include "digest_hash.h"
#include "bounds.h"
#include "mac.h"
#include "nc_table.h"
#include "nonce.h"
#include "sspi.h"

/* Hooks that let unit tests fix time, randomness and nonces.  Production
   credentials never set them. */
typedef struct {
    int64_t (*now)(void *arg); /* seconds since the epoch */
    bool (*random)(void *arg, unsigned char *out, size_t n);
    /* Replace nonce minting and checking (e.g. to accept an RFC example's
       fixed nonce).  mint writes at most SD_MAX_VALUE characters. */
    bool (*mint_nonce)(void *arg, sd_view realm, int64_t now, char *out,
                       size_t *len);
    sd_nonce_status (*check_nonce)(void *arg, sd_view realm, sd_view nonce,
                                   int64_t now, sd_nonce_info *info);
    void *arg;
    /* SASL client: write the cnonce (at most SD_MAX_CNONCE characters),
       e.g. an RFC example's. */
    bool (*make_cnonce)(void *arg, char *out, size_t *len);
} sd_test_hooks;

typedef struct sd_cred {
    apr_pool_t *pool;
    SecHandle handle;
    atomic_int refs; /* the handle, plus one per context */
    ULONG use;       /* SECPKG_CRED_INBOUND or SECPKG_CRED_OUTBOUND */
    sd_test_hooks hooks;

    /* server */
    const sd_algorithm *algs[SD_MAX_ALGORITHMS];
    size_t nalgs;
    ULONG qop;
    uint32_t lifetime;
    bool userhash;
    sd_view opaque; /* len 0: none */
    sd_view domain;
    sd_mac *nonce_key;
    sd_mac *nonce_key_previous; /* NULL: no rotation */
    sd_mac *standin_key;        /* for unknown users */
    SD_NONCE_COUNT_STORE store;
    SEC_GET_KEY_FN get_key;
    void *get_key_arg;

    /* client */
    sd_view user;
    char *user_name;  /* the same octets, NUL-terminated */
    sd_view password; /* wiped with the pool */
    sd_view realm;    /* from the identity's Domain; len 0: any */

    /* server, SASL mode: ciphers offered (SD_SASL_CIPHER_*), the realm */
    ULONG sasl_ciphers;
    sd_view sasl_realm;
} sd_cred;

SECURITY_STATUS sd_cred_acquire(ULONG use, void *auth_data,
                                SEC_GET_KEY_FN get_key, void *get_key_arg,
                                SecHandle *out);

/* The credentials behind h (any use), or NULL. */
sd_cred *sd_cred_lookup(const SecHandle *h);

/* Takes or drops a reference; the last drop destroys the credentials. */
void sd_cred_hold(sd_cred *c);
void sd_cred_release(sd_cred *c);

/* Retires the handle and drops its reference. */
SECURITY_STATUS sd_cred_free(const SecHandle *h);

/* The replay store's generation, which every nonce minted now carries
   (sspi.h: SD_NONCE_COUNT_STORE). */
uint64_t sd_cred_store_generation(const sd_cred *c);

int64_t sd_cred_now(const sd_cred *c);
bool sd_cred_random(const sd_cred *c, unsigned char *out, size_t n);

/* For unit tests only: install hooks on credentials. */
SECURITY_STATUS sd_cred_set_test_hooks(const SecHandle *h,
                                       const sd_test_hooks *hooks);

#endif
