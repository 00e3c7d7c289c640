/*
 * module/remote.h: what the replay stores shared by a farm (module/redis.c,
 * module/memcache.c) have in common (module/remote.c): one record per
 * (nonce, count) added only if absent, a generation record that tells a
 * store which lost its records, and an outage log line at most once a
 * minute per process.
 *
 * The generation record holds a random 64-bit number (16 hex digits),
 * written once into a store that holds none: a store that restarts empty
 * or is flushed loses it with the count records, and the first server to
 * notice writes a new one.  Every nonce carries the generation its server
 * last saw (SD_NONCE_COUNT_STORE.Generation), so a nonce minted before the
 * loss, whose counts may have been recorded and lost, is answered stale,
 * never accepted again; no clock is involved.
 */
#ifndef ASD_REMOTE_H
#define ASD_REMOTE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "httpd.h"

#include "sspi.h"

#include "remote_reply.h"

/* What every process of the server knows of one server of a store, in
   shared memory made with the configuration (so it starts again at each
   restart, graceful or not): the generation last read, 0 while not
   known, so that once one child has seen a new generation every child
   mints nonces with it; and for the status page, the answers to requests
   and the last time the server could not be used. */
typedef struct {
    _Atomic(uint64_t) generation;
    _Atomic(int64_t) accepted;
    _Atomic(int64_t) replays;
    _Atomic(int64_t) stale;
    _Atomic(int64_t) unavailable;
    _Atomic(int64_t) last_outage; /* seconds since the epoch; 0: none */
} asd_remote_shared;

/* One server of a shared store, as this process sees it. */
typedef struct {
    const char *name; /* "redis 10.0.0.5:6379", for log lines */
    server_rec *s;
    _Atomic(int64_t) retry_at;  /* ms: no connection attempt before */
    _Atomic(int64_t) logged_at; /* s: the last outage line */
    _Atomic(int) down;
    asd_remote_shared *shared;
} asd_remote;

#define ASD_REMOTE_KEY_SIZE 64
#define ASD_GENERATION_KEY "sdnc:v2:generation"

/* NULL, or why the shared memory for the generation cannot be had. */
const char *asd_remote_init(asd_remote *r, apr_pool_t *pconf, server_rec *s,
                            const char *name);
/* The generation this server of the store last had, 0 while not known. */
uint64_t asd_remote_generation(const asd_remote *r);
/* Counts a CheckAndSet answer of this server for the status page (one
   atomic addition in shared memory) and returns it. */
SECURITY_STATUS asd_remote_count(asd_remote *r, SECURITY_STATUS st);
/* Checks out->Version and sets every figure of *out to "not known" (-1),
   the counts to 0: false for a version this module does not know. */
bool asd_remote_stats_start(SD_NONCE_COUNT_STORE_STATS *out);
/* Adds this server's counts to *out, and its last outage if later. */
void asd_remote_add_stats(const asd_remote *r, SD_NONCE_COUNT_STORE_STATS *out);

/* The key of the record of count nc of nonce `id`: false when id_len is
   not that of a nonce identity (1 to 20 octets). */
bool asd_remote_key(char out[ASD_REMOTE_KEY_SIZE], const UCHAR *id,
                    ULONG id_len, ULONG nc);
/* Seconds a record must live, for a nonce expiring at `expires`. */
int64_t asd_remote_ttl(int64_t expires, int64_t now);
/* A new generation record's value, NUL-terminated; false without random
   octets. */
bool asd_remote_new_generation(char out[ASD_GENERATION_HEX + 1]);
/* Whether a new connection may be tried (not moments after one failed). */
bool asd_remote_may_connect(asd_remote *r);
/* The store cannot be used: notes it, logs it (at most once a minute),
   and answers SEC_E_NO_AUTHENTICATING_AUTHORITY.  With retry_later, no
   new connection is tried for a short while. */
SECURITY_STATUS asd_remote_failed(asd_remote *r, bool retry_later,
                                  const char *why);
/* The store answered: logs its recovery after an outage. */
void asd_remote_ok(asd_remote *r);
/* Takes the value of a generation record read from the store: false (and
   an outage) when it is malformed. */
bool asd_remote_take_generation(asd_remote *r, const char *value,
                                apr_size_t len);
/* The record was missing: the caller has written a new one or found one
   another server wrote, and read it back.  Logs it; answers stale. */
SECURITY_STATUS asd_remote_lost(asd_remote *r);

#endif
