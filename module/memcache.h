/*
 * module/memcache.h: the replay store in memcached (module/memcache.c).
 */
#ifndef ASD_MEMCACHE_H
#define ASD_MEMCACHE_H

#include "module.h"

/* Sets up the store of `servers` (HOST:PORT[,HOST:PORT...]) in *out:
   NULL, or what is wrong. */
const char *asd_memcache_open(apr_pool_t *pconf, server_rec *s,
                              const char *servers, SD_NONCE_COUNT_STORE *out);

#endif
