/*
 * mac.h: HMAC-SHA-256 under a fixed key, for nonces and stand-in keys.
 * A keyed template lives in the credentials; each context takes its own
 * copy, because an OpenSSL MAC context serves one thread at a time.
 */
#ifndef SD_MAC_H
#define SD_MAC_H

#include <stdbool.h>
#include <stddef.h>

#include <apr_pools.h>

#define SD_MAC_SIZE 32

typedef struct sd_mac sd_mac;

/* A MAC keyed with key[0..len), freed (and its key wiped) with pool. */
sd_mac *sd_mac_create(apr_pool_t *pool, const unsigned char *key, size_t len);

/* A copy of tmpl for one thread; tmpl may be shared read-only. */
sd_mac *sd_mac_dup(apr_pool_t *pool, const sd_mac *tmpl);

bool sd_mac_begin(sd_mac *m);
bool sd_mac_add(sd_mac *m, const void *p, size_t n);
bool sd_mac_end(sd_mac *m, unsigned char out[SD_MAC_SIZE]);

#endif
