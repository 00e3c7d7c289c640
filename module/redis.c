/*
 * module/redis.c: the replay store of a server farm in Redis
 * (AuthDigestNonceCache redis:HOST:PORT), through Debian's hiredis.
 *
 * Each accepted count is one record, written with the atomic
 *     SET sdnc:v2:<nonce id>:<count> 1 NX EX <ttl>
 * The first server to write it accepts the count; any other gets nil and
 * refuses the request as a replay.  The same round trip reads the
 * generation record (module/remote.h), so a Redis that restarted empty
 * cannot make an old count look unused: a nonce minted under another
 * generation is answered stale.  Records expire with their nonce.
 *
 * Connections: a small pool per process, made on first use in the child
 * (the parent only opens one for its start-up check, and closes it), with
 * short timeouts.  A connection that fails is dropped and the next request
 * makes a new one, so the store recovers by itself; while it cannot be
 * reached every count is refused with SEC_E_NO_AUTHENTICATING_AUTHORITY
 * (503), never accepted unchecked.  An evicting Redis could drop records,
 * so the start-up check warns unless maxmemory-policy is noeviction.
 *
 * For the status page each answer is counted (module/remote.c), and Redis
 * is asked for its own figures only when the page is drawn.
 */
#include "redis.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "apr_strings.h"
#include "http_log.h"

#include "log.h"
#include "remote.h"

APLOG_USE_MODULE(auth_sspidigest);

#define CONNECT_TIMEOUT_MS 100
#define IO_TIMEOUT_MS 200
#define POOL_MAX 64 /* idle connections kept per process */

typedef struct {
    asd_remote remote;
    char *host;
    int port;
    pthread_mutex_t lock;
    int nidle;
    redisContext *idle[POOL_MAX];
} redis_store;

static struct timeval ms_to_tv(long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    return tv;
}

static redisContext *connect_one(redis_store *rs, char *why, size_t n)
{
    redisContext *c = redisConnectWithTimeout(rs->host, rs->port,
                                              ms_to_tv(CONNECT_TIMEOUT_MS));

    if (c == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    if (c->err == 0 &&
        redisSetTimeout(c, ms_to_tv(IO_TIMEOUT_MS)) != REDIS_OK) {
        snprintf(why, n, "cannot set its timeout");
        redisFree(c);
        return NULL;
    }
    if (c->err != 0) {
        snprintf(why, n, "%s", c->errstr);
        redisFree(c);
        return NULL;
    }
    redisEnableKeepAlive(c);
    return c;
}

/* An idle connection of the pool, or a new one.  NULL with `why` set when
   none can be made; *tried says whether a connection was attempted (not
   when one failed moments ago: the wait after it is not extended). */
static redisContext *take(redis_store *rs, bool *reused, bool *tried, char *why,
                          size_t n)
{
    redisContext *c = NULL;

    pthread_mutex_lock(&rs->lock);
    if (rs->nidle > 0) {
        c = rs->idle[--rs->nidle];
    }
    pthread_mutex_unlock(&rs->lock);
    *reused = c != NULL;
    *tried = false;
    if (c != NULL) {
        return c;
    }
    if (!asd_remote_may_connect(&rs->remote)) {
        snprintf(why, n, "a connection failed moments ago");
        return NULL;
    }
    *tried = true;
    return connect_one(rs, why, n);
}

static void give_back(redis_store *rs, redisContext *c)
{
    pthread_mutex_lock(&rs->lock);
    if (rs->nidle < POOL_MAX) {
        rs->idle[rs->nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&rs->lock);
    if (c != NULL) {
        redisFree(c);
    }
}

/* Closes the idle connections: at the end of a generation, and when one
   of them turned out dead (Redis restarted: the others are dead too). */
static apr_status_t drop_idle(void *data)
{
    redis_store *rs = data;
    redisContext *old[POOL_MAX];
    int n;

    pthread_mutex_lock(&rs->lock);
    n = rs->nidle;
    memcpy(old, rs->idle, (size_t)n * sizeof(old[0]));
    rs->nidle = 0;
    pthread_mutex_unlock(&rs->lock);
    while (n > 0) {
        redisFree(old[--n]);
    }
    return APR_SUCCESS;
}

typedef enum {
    EX_OK,     /* both replies read; see the out-parameters */
    EX_BROKEN, /* the connection failed: drop it */
    EX_REFUSED /* Redis answered with an error (OOM, READONLY, ...) */
} exchange_result;

/*
 * One round trip: SET key 1 NX EX ttl and GET of the generation record,
 * pipelined.  *added: the SET wrote the record; *epoch: the generation
 * reply (NULL when the record is missing), for the caller to free.
 */
static exchange_result exchange(redisContext *c, const char *key, long long ttl,
                                bool *added, redisReply **epoch, char *why,
                                size_t n)
{
    redisReply *set = NULL, *get = NULL;
    exchange_result res = EX_OK;
    bool has_gen = false;

    *epoch = NULL;
    if (redisAppendCommand(c, "SET %s 1 NX EX %lld", key, ttl) != REDIS_OK ||
        redisAppendCommand(c, "GET %s", ASD_GENERATION_KEY) != REDIS_OK ||
        redisGetReply(c, (void **)&set) != REDIS_OK ||
        redisGetReply(c, (void **)&get) != REDIS_OK) {
        snprintf(why, n, "%s", c->err ? c->errstr : "out of memory");
        res = EX_BROKEN;
        goto done;
    }
    if (asd_redis_read_pair(set, get, added, &has_gen, why, n) != NULL) {
        res = EX_REFUSED;
    }
    else if (has_gen) {
        *epoch = get;
        get = NULL;
    }
done:
    if (set != NULL) {
        freeReplyObject(set);
    }
    if (get != NULL) {
        freeReplyObject(get);
    }
    return res;
}

/* Writes a generation record unless there is one, and takes the one
   that is there then: false when Redis cannot be asked. */
static bool settle_generation(redis_store *rs, redisContext *c, char *why,
                              size_t n)
{
    char fresh[ASD_GENERATION_HEX + 1];
    redisReply *set = NULL, *get = NULL;
    bool ok = false;

    if (!asd_remote_new_generation(fresh)) {
        snprintf(why, n, "no random octets for a generation");
        return false;
    }
    if (redisAppendCommand(c, "SET %s %s NX", ASD_GENERATION_KEY, fresh) !=
            REDIS_OK ||
        redisAppendCommand(c, "GET %s", ASD_GENERATION_KEY) != REDIS_OK ||
        redisGetReply(c, (void **)&set) != REDIS_OK ||
        redisGetReply(c, (void **)&get) != REDIS_OK) {
        snprintf(why, n, "%s", c->err ? c->errstr : "out of memory");
    }
    else if (get->type != REDIS_REPLY_STRING) {
        snprintf(why, n, "cannot write its generation record: %s",
                 get->type == REDIS_REPLY_ERROR ? get->str : "no record");
    }
    else {
        ok = asd_remote_take_generation(&rs->remote, get->str, get->len);
        snprintf(why, n, "its generation record is malformed");
    }
    if (set != NULL) {
        freeReplyObject(set);
    }
    if (get != NULL) {
        freeReplyObject(get);
    }
    return ok;
}

/* The verdict on a count just added, from the generation record read in
   the same round trip. */
static SECURITY_STATUS verdict(redis_store *rs, redisContext *c,
                               const redisReply *gen, uint64_t nonce_gen)
{
    char why[160];

    if (gen == NULL) {
        return settle_generation(rs, c, why, sizeof(why))
                   ? asd_remote_lost(&rs->remote)
                   : asd_remote_failed(&rs->remote, false, why);
    }
    if (!asd_remote_take_generation(&rs->remote, gen->str, gen->len)) {
        return SEC_E_NO_AUTHENTICATING_AUTHORITY;
    }
    return asd_remote_generation(&rs->remote) == nonce_gen
               ? SEC_E_OK
               : SEC_E_CONTEXT_EXPIRED;
}

static uint64_t SEC_ENTRY redis_generation(PVOID pv)
{
    return asd_remote_generation(&((redis_store *)pv)->remote);
}

static SECURITY_STATUS check_and_set(redis_store *rs, const UCHAR *id,
                                     ULONG id_len, int64_t expires, int64_t now,
                                     ULONG nc, uint64_t nonce_gen)
{
    char key[ASD_REMOTE_KEY_SIZE];
    char why[160];
    long long ttl = (long long)asd_remote_ttl(expires, now);

    if (!asd_remote_key(key, id, id_len, nc)) {
        return SEC_E_INTERNAL_ERROR;
    }
    /* A pooled connection may have died since its last use (Redis
       restarted): then the pool is emptied and a new connection tried.
       Should the first SET have been applied after all, the second finds
       the record and refuses the request, which is the safe side. */
    for (int attempt = 0; attempt < 2; attempt++) {
        bool reused = false, tried = false, added = false;
        redisReply *gen = NULL;
        redisContext *c = take(rs, &reused, &tried, why, sizeof(why));
        SECURITY_STATUS st;

        if (c == NULL) {
            return asd_remote_failed(&rs->remote, tried, why);
        }
        switch (exchange(c, key, ttl, &added, &gen, why, sizeof(why))) {
        case EX_BROKEN:
            redisFree(c);
            if (reused) {
                drop_idle(rs);
                continue;
            }
            return asd_remote_failed(&rs->remote, true, why);
        case EX_REFUSED:
            give_back(rs, c);
            return asd_remote_failed(&rs->remote, false, why);
        case EX_OK:
            break;
        }
        /* The generation before the record, as the shared-memory table
           answers: a nonce minted before the store lost its records is
           stale even when its count is there now, since it may have
           been written after the loss by an earlier ask for this very
           request (an auth-int request is verified, then refused with
           challenges from a second call). */
        st = verdict(rs, c, gen, nonce_gen);
        if (st == SEC_E_OK && !added) {
            st = SEC_E_OUT_OF_SEQUENCE; /* replay */
        }
        if (gen != NULL) {
            freeReplyObject(gen);
        }
        if (c->err != 0) {
            redisFree(c);
        }
        else {
            give_back(rs, c);
        }
        return st;
    }
    return asd_remote_failed(&rs->remote, true, why);
}

static SECURITY_STATUS SEC_ENTRY
redis_check_and_set(PVOID pv, const UCHAR *id, ULONG id_len, int64_t issued,
                    int64_t expires, int64_t now, ULONG nc, uint64_t nonce_gen)
{
    redis_store *rs = pv;

    (void)issued;
    return asd_remote_count(&rs->remote, check_and_set(rs, id, id_len, expires,
                                                       now, nc, nonce_gen));
}

/* For the status page: the counts of this configuration's processes, and
   what Redis says of its whole database (INFO's used_memory and
   evicted_keys, DBSIZE), asked on a connection of its own that does not
   touch the pool or the outage state; -1 where Redis does not answer. */
static SECURITY_STATUS SEC_ENTRY redis_stats(PVOID pv, int64_t now,
                                             PSD_NONCE_COUNT_STORE_STATS out)
{
    redis_store *rs = pv;
    char why[160];
    redisContext *c;
    redisReply *info = NULL, *size = NULL;

    (void)now;
    if (!asd_remote_stats_start(out)) {
        return SEC_E_INVALID_PARAMETER;
    }
    asd_remote_add_stats(&rs->remote, out);
    if ((c = connect_one(rs, why, sizeof(why))) == NULL) {
        return SEC_E_OK;
    }
    if (redisAppendCommand(c, "INFO") == REDIS_OK &&
        redisAppendCommand(c, "DBSIZE") == REDIS_OK &&
        redisGetReply(c, (void **)&info) == REDIS_OK &&
        redisGetReply(c, (void **)&size) == REDIS_OK) {
        if (info->type == REDIS_REPLY_STRING) {
            asd_remote_stat_field(info->str, info->len, "", "used_memory", ':',
                                  &out->Size);
            asd_remote_stat_field(info->str, info->len, "", "evicted_keys", ':',
                                  &out->Evictions);
        }
        if (size->type == REDIS_REPLY_INTEGER && size->integer >= 0) {
            out->LiveRecords = size->integer;
        }
    }
    if (info != NULL) {
        freeReplyObject(info);
    }
    if (size != NULL) {
        freeReplyObject(size);
    }
    redisFree(c);
    return SEC_E_OK;
}

/*
 * At start-up (in the parent, on its own connection, closed again before
 * any child exists): warns when Redis cannot be reached or may evict
 * records, writes the generation record into a store that has none, and
 * learns the generation, so the children start out knowing it.
 */
static void startup_check(redis_store *rs, apr_pool_t *ptemp, server_rec *s)
{
    char why[160];
    redisContext *c = connect_one(rs, why, sizeof(why));
    redisReply *reply;
    const char *policy = NULL;
    size_t len = 0;

    if (c == NULL) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, s,
            SDLOGNO(00420) "nonce cache %s cannot be reached at "
                           "start-up: %s; Digest logins get 503 until it can",
            rs->remote.name, why);
        return;
    }
    reply = redisCommand(c, "INFO memory");
    if (reply != NULL && reply->type == REDIS_REPLY_STRING) {
        policy = asd_redis_info_field(reply->str, "maxmemory_policy", &len);
        policy = policy ? apr_pstrmemdup(ptemp, policy, len) : NULL;
    }
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    if (policy == NULL || strcmp(policy, "noeviction") != 0) {
        ap_log_error(
            APLOG_MARK, APLOG_WARNING, 0, s,
            SDLOGNO(00421) "nonce cache %s: maxmemory-policy is "
                           "%s, not noeviction: Redis may evict nonce-count "
                           "records under memory pressure, and a count whose "
                           "record was evicted could be replayed.  Set "
                           "maxmemory-policy noeviction (a full Redis then "
                           "refuses writes, and logins get 503)",
            rs->remote.name, policy ? policy : "unknown");
    }
    if (!settle_generation(rs, c, why, sizeof(why))) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     SDLOGNO(00422) "nonce cache %s: %s", rs->remote.name, why);
    }
    redisFree(c);
}

const char *asd_redis_open(apr_pool_t *pconf, server_rec *s,
                           const char *hostport, SD_NONCE_COUNT_STORE *out)
{
    redis_store *rs = apr_pcalloc(pconf, sizeof(*rs));
    const char *err;
    char *scope = NULL;
    apr_port_t port = 0;
    apr_pool_t *ptemp;

    if (apr_parse_addr_port(&rs->host, &scope, &port, hostport, pconf) !=
            APR_SUCCESS ||
        rs->host == NULL || port == 0) {
        return apr_psprintf(pconf, "'%s' is not HOST:PORT", hostport);
    }
    rs->port = port;
    if (pthread_mutex_init(&rs->lock, NULL) != 0) {
        return "cannot create a mutex";
    }
    err = asd_remote_init(&rs->remote, pconf, s,
                          apr_psprintf(pconf, "redis %s", hostport));
    if (err != NULL) {
        return err;
    }
    apr_pool_cleanup_register(pconf, rs, drop_idle, apr_pool_cleanup_null);
    apr_pool_create(&ptemp, pconf);
    startup_check(rs, ptemp, s);
    apr_pool_destroy(ptemp);
    out->pvStore = rs;
    out->CheckAndSet = redis_check_and_set;
    out->Prefetch = NULL; /* the round trip is the cost, not the cache */
    out->Generation = redis_generation;
    out->Stats = redis_stats;
    return NULL;
}
