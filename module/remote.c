/*
 * module/remote.c: what the replay stores of a farm (module/redis.c,
 * module/memcache.c) have in common (module/remote.h): the record keys and
 * their lifetime, the generation record's values, and the state of one
 * server of a store as this process sees it, with the outage log line
 * written at most once a minute per process, and the counts the status
 * page shows.  It speaks to no server and knows neither Redis nor
 * memcached; the key, lifetime, generation and statistics-line functions
 * use no httpd state at all.
 */
#include "remote.h"

#include <stdio.h>
#include <string.h>

#include "apr_shm.h"
#include "apr_time.h"
#include "http_log.h"

#include <openssl/rand.h>

#include "log.h"

APLOG_USE_MODULE(auth_sspidigest);

/* Clock skew allowed between the servers of a farm: the engine refuses a
   nonce issued further in the future (SD_NONCE_MAX_SKEW in src/nonce.h),
   so a server whose clock is this much behind may still accept a nonce
   that long after its issuer thinks it expired. */
#define CLOCK_SKEW 60
#define RETRY_MS 250    /* after a failed connection, fail fast this long */
#define LOG_INTERVAL 60 /* seconds between two outage lines per process */

/* ---- keys and values: no httpd state -------------------------------- */

/* "sdnc:v2:" hex(nonce id) ":" 8 hex digits of the count.  The version
   changes with the meaning of a record, so two releases never misread
   each other's records. */
bool asd_remote_key(char out[ASD_REMOTE_KEY_SIZE], const UCHAR *id,
                    ULONG id_len, ULONG nc)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out + 8;

    if (id_len == 0 || id_len > 20) {
        return false;
    }
    memcpy(out, "sdnc:v2:", 8);
    for (ULONG i = 0; i < id_len; i++) {
        *p++ = hex[id[i] >> 4];
        *p++ = hex[id[i] & 15];
    }
    snprintf(p, (size_t)(out + ASD_REMOTE_KEY_SIZE - p), ":%08x", (unsigned)nc);
    return true;
}

/* A record lives as long as any server of the farm may still accept its
   nonce: until the nonce expires, plus the clock skew allowed. */
int64_t asd_remote_ttl(int64_t expires, int64_t now)
{
    int64_t ttl = expires - now + CLOCK_SKEW;

    return ttl < 1 ? 1 : ttl;
}

bool asd_remote_new_generation(char out[ASD_GENERATION_HEX + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[ASD_GENERATION_HEX / 2];

    do {
        if (RAND_bytes(raw, sizeof(raw)) != 1) {
            return false;
        }
    } while (memcmp(raw, "\0\0\0\0\0\0\0\0", sizeof(raw)) == 0);
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[ASD_GENERATION_HEX] = '\0';
    return true;
}

/* ---- one server of a store, as this process sees it ----------------- */

static int64_t now_ms(void)
{
    return (int64_t)(apr_time_now() / 1000);
}

const char *asd_remote_init(asd_remote *r, apr_pool_t *pconf, server_rec *s,
                            const char *name)
{
    apr_shm_t *shm = NULL;
    asd_remote_shared *sh;

    r->name = name;
    r->s = s;
    atomic_init(&r->retry_at, 0);
    atomic_init(&r->logged_at, 0);
    atomic_init(&r->down, 0);
    if (apr_shm_create(&shm, sizeof(*sh), NULL, pconf) != APR_SUCCESS) {
        return "cannot create shared memory for its generation";
    }
    sh = apr_shm_baseaddr_get(shm);
    atomic_init(&sh->generation, 0);
    atomic_init(&sh->accepted, 0);
    atomic_init(&sh->replays, 0);
    atomic_init(&sh->stale, 0);
    atomic_init(&sh->unavailable, 0);
    atomic_init(&sh->last_outage, 0);
    r->shared = sh;
    return NULL;
}

uint64_t asd_remote_generation(const asd_remote *r)
{
    return atomic_load(&r->shared->generation);
}

SECURITY_STATUS asd_remote_count(asd_remote *r, SECURITY_STATUS st)
{
    _Atomic(int64_t) *counter = NULL;

    switch (st) {
    case SEC_E_OK:
        counter = &r->shared->accepted;
        break;
    case SEC_E_OUT_OF_SEQUENCE:
        counter = &r->shared->replays;
        break;
    case SEC_E_CONTEXT_EXPIRED:
        counter = &r->shared->stale;
        break;
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
        counter = &r->shared->unavailable;
        break;
    default:
        break;
    }
    if (counter != NULL) {
        atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
    }
    return st;
}

bool asd_remote_stats_start(SD_NONCE_COUNT_STORE_STATS *out)
{
    if (out == NULL || out->Version != SD_NONCE_COUNT_STORE_STATS_VERSION) {
        return false;
    }
    out->Size = out->Capacity = out->LiveRecords = out->Evictions = -1;
    out->Accepted = out->Replays = out->Stale = out->Unavailable = 0;
    out->LastOutage = 0;
    return true;
}

void asd_remote_add_stats(const asd_remote *r, SD_NONCE_COUNT_STORE_STATS *out)
{
    const asd_remote_shared *sh = r->shared;
    int64_t outage = atomic_load(&sh->last_outage);

    out->Accepted += atomic_load(&sh->accepted);
    out->Replays += atomic_load(&sh->replays);
    out->Stale += atomic_load(&sh->stale);
    out->Unavailable += atomic_load(&sh->unavailable);
    if (outage > out->LastOutage) {
        out->LastOutage = outage;
    }
}

bool asd_remote_may_connect(asd_remote *r)
{
    return now_ms() >= atomic_load(&r->retry_at);
}

/* Writes the outage line unless one was written in the last minute. */
static void log_outage(asd_remote *r, const char *why)
{
    int64_t now = (int64_t)apr_time_sec(apr_time_now());
    int64_t last = atomic_load(&r->logged_at);

    if (now - last >= LOG_INTERVAL &&
        atomic_compare_exchange_strong(&r->logged_at, &last, now)) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, r->s,
            SDLOGNO(00408) "nonce cache %s cannot be used: %s; "
                           "Digest logins get 503 until it works again (logged "
                           "at most once a minute per process)",
            r->name, why);
    }
}

SECURITY_STATUS asd_remote_failed(asd_remote *r, bool retry_later,
                                  const char *why)
{
    if (retry_later) {
        atomic_store(&r->retry_at, now_ms() + RETRY_MS);
    }
    atomic_store(&r->down, 1);
    atomic_store(&r->shared->last_outage,
                 (int64_t)apr_time_sec(apr_time_now()));
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, r->s,
                 SDLOGNO(00411) "nonce cache %s: %s", r->name, why);
    log_outage(r, why);
    return SEC_E_NO_AUTHENTICATING_AUTHORITY;
}

void asd_remote_ok(asd_remote *r)
{
    if (atomic_load_explicit(&r->down, memory_order_relaxed) &&
        atomic_exchange(&r->down, 0)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, r->s,
                     SDLOGNO(00409) "nonce cache %s works again", r->name);
    }
}

bool asd_remote_take_generation(asd_remote *r, const char *value,
                                apr_size_t len)
{
    uint64_t g;

    if (!asd_remote_parse_generation(value, len, &g)) {
        asd_remote_failed(r, false, "its generation record is malformed");
        return false;
    }
    asd_remote_ok(r);
    atomic_store(&r->shared->generation, g);
    return true;
}

SECURITY_STATUS asd_remote_lost(asd_remote *r)
{
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, r->s,
                 SDLOGNO(00410) "nonce cache %s held no generation record "
                                "(it restarted empty or was flushed): the "
                                "nonces issued before are answered stale once",
                 r->name);
    return SEC_E_CONTEXT_EXPIRED;
}
