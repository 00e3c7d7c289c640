/*
 * module/redis.h: the replay store in Redis (module/redis.c).
 */
#ifndef ASD_REDIS_H
#define ASD_REDIS_H

#include "module.h"

/* Sets up the store of `hostport` in *out: NULL, or what is wrong. */
const char *asd_redis_open(apr_pool_t *pconf, server_rec *s,
                           const char *hostport, SD_NONCE_COUNT_STORE *out);

#endif
