/*
 * module/nonce.h: the nonce secret and the replay stores (module/nonce.c).
 */
#ifndef ASD_NONCE_H
#define ASD_NONCE_H

#include "apr_tables.h"

#include "module.h"

int asd_nonce_post_config(apr_pool_t *pconf, server_rec *s);
/* The replay store of a server: never NULL (a store that answers 503 when
   the server's could not be set up). */
const SD_NONCE_COUNT_STORE *asd_nonce_store(const asd_server_conf *sc);
const unsigned char *asd_random_secret(void);
const char *asd_read_secret(cmd_parms *cmd, const char *file,
                            unsigned char *out, ULONG *len);
/* Checks an AuthDigestNonceCache value: NULL, or what is wrong with it. */
const char *asd_cache_check(apr_pool_t *p, const char *arg);

/* A replay store of this configuration, for the status page. */
typedef struct {
    const char *name; /* "shm SIZE", or the AuthDigestNonceCache value */
    const char *type; /* "shm", "redis" or "memcache" */
    const SD_NONCE_COUNT_STORE *store;
} asd_store_entry;

/* The stores of this configuration (asd_store_entry): the shared-memory
   tables, then the farm stores in the order they are first named. */
apr_array_header_t *asd_nonce_stores(apr_pool_t *p);

#endif
