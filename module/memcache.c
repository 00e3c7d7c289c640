/*
 * module/memcache.c: the replay store of a server farm in memcached
 * (AuthDigestNonceCache memcache:HOST:PORT[,HOST:PORT...]), through
 * APR-util's apr_memcache.
 *
 * Each accepted count is one record written with memcached's `add`, which
 * fails when the key exists: the first server to add it accepts the count,
 * any other refuses the request as a replay.  Then the generation record
 * of the same memcached is read (module/remote.h), so a memcached that
 * restarted empty cannot make an old count look unused.
 * The store's generation, which nonces carry, combines those of all its
 * memcacheds: a nonce's server is chosen from its identity, which is made
 * from the generation, so no single one can be named at minting; a loss
 * on any server answers every nonce stale once.  Records expire with their
 * nonce.
 *
 * A nonce belongs to one memcached of the list, chosen from its identity;
 * there is no failover to another one (apr_memcache's own server choice
 * moves the keys of a dead server to a live one, whose records the nonce
 * never had): while a server is down, the nonces that belong to it get
 * 503.  Weaker than Redis with noeviction: memcached evicts records under
 * memory pressure unless started with -M, and an evicted record lets its
 * count be replayed.  The start-up check warns about that.  apr_memcache
 * gives its connections a 1 s connect timeout but no read timeout.
 *
 * For the status page each answer is counted on the nonce's server
 * (module/remote.c), and the memcacheds are asked for their own figures
 * only when the page is drawn.
 */
#include "memcache.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "apr_memcache.h"
#include "apr_strings.h"
#include "http_log.h"

#include "log.h"
#include "remote.h"

APLOG_USE_MODULE(auth_sspidigest);

#define CONN_SOFT_MAX 16 /* idle connections kept per server and process */
#define CONN_HARD_MAX 1024
#define CONN_TTL apr_time_from_sec(30)
#define CHECK_TIMEOUT apr_time_from_msec(200) /* start-up check only */
/* A stale pooled connection fails twice (apr_memcache puts it back after
   the first failure): enough tries to get past every idle one. */
#define ATTEMPTS (2 * CONN_SOFT_MAX + 2)

typedef struct {
    asd_remote remote;
    apr_memcache_t *mc; /* with this one server only */
    apr_memcache_server_t *ms;
} mc_server;

typedef struct {
    int n;
    mc_server *servers;
} mc_store;

/* apr_memcache's server choice, replaced: always the one server, dead or
   alive (a dead one is retried on the next request after a short wait,
   see asd_remote_may_connect, instead of apr_memcache's 5 s). */
static apr_memcache_server_t *the_server(void *baton, apr_memcache_t *mc,
                                         const apr_uint32_t hash)
{
    (void)mc, (void)hash;
    return baton;
}

/* Errors of a connection that was made but died since (memcached
   restarted): worth another try on a new one.  Errors of connecting are
   not. */
static bool stale_connection(apr_status_t rv)
{
    return rv == APR_EGENERAL || rv == APR_EOF ||
           APR_STATUS_IS_ECONNRESET(rv) || APR_STATUS_IS_EPIPE(rv) ||
           APR_STATUS_IS_ECONNABORTED(rv);
}

static SECURITY_STATUS failed(mc_server *srv, apr_status_t rv, const char *what)
{
    char err[120], why[200];

    apr_strerror(rv, err, sizeof(err));
    snprintf(why, sizeof(why), "%s: %s", what, err);
    return asd_remote_failed(&srv->remote, !stale_connection(rv), why);
}

/* The generation of the whole store: its servers' generations, mixed, as
   this process last saw them (0 while any is unknown). */
static uint64_t combined_generation(const mc_store *store)
{
    uint64_t g = UINT64_C(0x9e3779b97f4a7c15);

    for (int i = 0; i < store->n; i++) {
        uint64_t one = asd_remote_generation(&store->servers[i].remote);

        if (one == 0) {
            return 0;
        }
        g ^= one + UINT64_C(0x9e3779b97f4a7c15) + (g << 6) + (g >> 2);
    }
    return g == 0 ? 1 : g;
}

static uint64_t SEC_ENTRY mc_generation(PVOID pv)
{
    return combined_generation(pv);
}

/* Reads srv's generation record, writing one first when it has none.
   SEC_E_OK (read), SEC_E_CONTEXT_EXPIRED (it had none: lost), or the
   failure. */
static SECURITY_STATUS read_generation(mc_server *srv)
{
    apr_pool_t *p = NULL;
    char *value = NULL;
    apr_size_t len = 0;
    apr_status_t rv = APR_EGENERAL;
    SECURITY_STATUS st = SEC_E_OK;
    char fresh[ASD_GENERATION_HEX + 1];

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < ATTEMPTS; i++) {
            rv = apr_memcache_getp(srv->mc, p, ASD_GENERATION_KEY, &value, &len,
                                   NULL);
            if (rv == APR_SUCCESS || rv == APR_NOTFOUND ||
                !stale_connection(rv)) {
                break;
            }
        }
        if (rv != APR_NOTFOUND || round == 1) {
            break;
        }
        if (!asd_remote_new_generation(fresh)) {
            rv = APR_ENOMEM;
            break;
        }
        rv = apr_memcache_add(srv->mc, ASD_GENERATION_KEY, fresh,
                              ASD_GENERATION_HEX, 0, 0);
        if (rv != APR_SUCCESS && rv != APR_EEXIST) {
            break;
        }
        st = SEC_E_CONTEXT_EXPIRED; /* it had none: its records are lost */
    }
    if (rv == APR_SUCCESS) {
        if (!asd_remote_take_generation(&srv->remote, value ? value : "",
                                        value ? len : 0)) {
            st = SEC_E_NO_AUTHENTICATING_AUTHORITY;
        }
    }
    else {
        st = failed(srv, rv, "cannot read or write its generation record");
    }
    apr_pool_destroy(p);
    return st;
}

/* The verdict on a count just added to `owner`, whose generation was just
   read.  The nonce carries the generations of all the servers as its
   minting process last saw them: when the others' differ here, they are
   read again (this process may not have seen a change the minting one
   saw) before the nonce is answered stale.  A server that cannot be read
   keeps its last generation, which can only turn a match into stale. */
static SECURITY_STATUS verdict(mc_store *store, mc_server *owner,
                               uint64_t nonce_gen)
{
    if (combined_generation(store) == nonce_gen) {
        return SEC_E_OK;
    }
    for (int i = 0; i < store->n; i++) {
        if (&store->servers[i] != owner) {
            read_generation(&store->servers[i]);
        }
    }
    return combined_generation(store) == nonce_gen ? SEC_E_OK
                                                   : SEC_E_CONTEXT_EXPIRED;
}

/* Which server of n holds a nonce's records.  The identity is a MAC, so
   its octets are uniformly spread. */
static apr_uint32_t server_of(const UCHAR *id, int n)
{
    apr_uint32_t h = (apr_uint32_t)id[0] << 24 | (apr_uint32_t)id[1] << 16 |
                     (apr_uint32_t)id[2] << 8 | id[3];

    return h % (apr_uint32_t)n;
}

/* Adds the record of (nonce, count) to srv, the nonce's server. */
static SECURITY_STATUS check_and_set(mc_store *store, mc_server *srv,
                                     const char *key, apr_uint32_t ttl,
                                     uint64_t nonce_gen)
{
    apr_status_t rv = APR_EGENERAL;
    SECURITY_STATUS st;

    if (!asd_remote_may_connect(&srv->remote)) {
        return asd_remote_failed(&srv->remote, false,
                                 "a connection failed moments ago");
    }
    /* Pooled connections die when memcached restarts and fail once each;
       retrying an add that was applied after all finds the record and
       refuses the request, which is the safe side. */
    for (int i = 0; i < ATTEMPTS; i++) {
        rv = apr_memcache_add(srv->mc, key, "1", 1, ttl, 0);
        if (rv == APR_SUCCESS || rv == APR_EEXIST || !stale_connection(rv)) {
            break;
        }
    }
    if (rv == APR_EEXIST) {
        /* stale before replay, as in redis.c: the record may have been
           added after a loss by an earlier ask for this very request */
        asd_remote_ok(&srv->remote);
        st = verdict(store, srv, nonce_gen);
        return st == SEC_E_OK ? SEC_E_OUT_OF_SEQUENCE /* replay */ : st;
    }
    if (rv != APR_SUCCESS) {
        return failed(srv, rv, "add failed");
    }
    switch (st = read_generation(srv)) {
    case SEC_E_OK:
        return verdict(store, srv, nonce_gen);
    case SEC_E_CONTEXT_EXPIRED:
        return asd_remote_lost(&srv->remote);
    default:
        return st;
    }
}

static SECURITY_STATUS SEC_ENTRY mc_check_and_set(PVOID pv, const UCHAR *id,
                                                  ULONG id_len, int64_t issued,
                                                  int64_t expires, int64_t now,
                                                  ULONG nc, uint64_t nonce_gen)
{
    mc_store *store = pv;
    mc_server *srv;
    char key[ASD_REMOTE_KEY_SIZE];
    apr_uint32_t ttl = (apr_uint32_t)asd_remote_ttl(expires, now);

    (void)issued;
    if (id_len < 4 || !asd_remote_key(key, id, id_len, nc)) {
        return SEC_E_INTERNAL_ERROR;
    }
    srv = &store->servers[server_of(id, store->n)];
    return asd_remote_count(&srv->remote,
                            check_and_set(store, srv, key, ttl, nonce_gen));
}

/* ---- start-up check, on a plain socket of its own ----------------------- */

/* Sends `cmd` and reads the reply into buf (NUL-terminated) up to a line
   that starts with one of `ends` (a NULL-terminated list). */
static apr_status_t converse(apr_socket_t *sock, const char *cmd,
                             const char *const *ends, char *buf, size_t n)
{
    apr_size_t len = strlen(cmd), got = 0;
    apr_status_t rv = apr_socket_send(sock, cmd, &len);

    buf[0] = '\0';
    while (rv == APR_SUCCESS && got + 1 < n) {
        apr_size_t chunk = n - 1 - got;

        rv = apr_socket_recv(sock, buf + got, &chunk);
        got += chunk;
        buf[got] = '\0';
        for (const char *const *e = ends; *e != NULL; e++) {
            if (asd_mc_has_line(buf, *e)) {
                return APR_SUCCESS;
            }
        }
    }
    return rv == APR_SUCCESS ? APR_ENOSPC : rv;
}

/* A connection of its own to srv, with a short timeout, in pool p. */
static apr_status_t connect_plain(mc_server *srv, apr_pool_t *p,
                                  apr_socket_t **out)
{
    apr_sockaddr_t *sa = NULL;
    apr_status_t rv;

    *out = NULL;
    rv = apr_sockaddr_info_get(&sa, srv->ms->host, APR_UNSPEC, srv->ms->port, 0,
                               p);
    if (rv == APR_SUCCESS) {
        rv = apr_socket_create(out, sa->family, SOCK_STREAM, APR_PROTO_TCP, p);
    }
    if (rv == APR_SUCCESS) {
        apr_socket_timeout_set(*out, CHECK_TIMEOUT);
        rv = apr_socket_connect(*out, sa);
    }
    return rv;
}

/* At start-up: writes the generation record unless there is one, and
   reads it, on the start-up socket (a connection of apr_memcache's pool
   made in the parent would be shared by every child it forks). */
static void settle_generation(mc_server *srv, apr_socket_t *sock,
                              apr_pool_t *ptemp)
{
    static const char *const add_end[] = {
        "STORED", "NOT_STORED", "ERROR", "SERVER_ERROR", "CLIENT_ERROR", NULL};
    static const char *const get_end[] = {"END", "ERROR", "SERVER_ERROR",
                                          "CLIENT_ERROR", NULL};
    char fresh[ASD_GENERATION_HEX + 1];
    char buf[512];
    const char *value;
    size_t len = 0;

    if (!asd_remote_new_generation(fresh) ||
        converse(sock,
                 apr_psprintf(ptemp, "add %s 0 0 %d\r\n%s\r\n",
                              ASD_GENERATION_KEY, ASD_GENERATION_HEX, fresh),
                 add_end, buf, sizeof(buf)) != APR_SUCCESS ||
        converse(sock, "get " ASD_GENERATION_KEY "\r\n", get_end, buf,
                 sizeof(buf)) != APR_SUCCESS) {
        return; /* the first request tries again */
    }
    if ((value = asd_mc_value(buf, &len)) != NULL) {
        asd_remote_take_generation(&srv->remote, value, len);
    }
}

/*
 * At start-up, in the parent: warns when a memcached cannot be reached or
 * evicts records under memory pressure ("stats settings" says evictions
 * on, the default; -M turns it off), and writes and reads the generation
 * record, so the children start out knowing it.
 */
static void startup_check(mc_server *srv, apr_pool_t *ptemp, server_rec *s)
{
    static const char *const settings_end[] = {"END", "ERROR", NULL};
    apr_socket_t *sock = NULL;
    apr_status_t rv;
    char buf[8192];

    rv = connect_plain(srv, ptemp, &sock);
    if (rv == APR_SUCCESS) {
        rv = converse(sock, "stats settings\r\n", settings_end, buf,
                      sizeof(buf));
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, rv, s,
            SDLOGNO(00440) "nonce cache %s cannot be reached at "
                           "start-up; the Digest logins whose nonces it holds "
                           "get 503 until it can",
            srv->remote.name);
        if (sock != NULL) {
            apr_socket_close(sock);
        }
        return;
    }
    if (strstr(buf, "STAT evictions off\r\n") == NULL) {
        ap_log_error(
            APLOG_MARK, APLOG_WARNING, 0, s,
            SDLOGNO(
                00441) "nonce cache %s evicts records under "
                       "memory pressure (evictions on): a nonce count whose "
                       "record was evicted could be replayed.  memcached is "
                       "the weaker store; start it with -M (a full memcached "
                       "then refuses writes, and logins get 503) and enough "
                       "memory (-m), or use redis with noeviction",
            srv->remote.name);
    }
    settle_generation(srv, sock, ptemp);
    apr_socket_close(sock);
}

/* What one memcached says of itself ("stats": bytes, curr_items,
   evictions), added to *out; false when it cannot be asked. */
static bool server_stats(mc_server *srv, apr_pool_t *p,
                         SD_NONCE_COUNT_STORE_STATS *out)
{
    static const char *const stats_end[] = {"END", "ERROR", NULL};
    apr_socket_t *sock = NULL;
    char buf[8192];
    int64_t bytes, items, evictions;
    bool ok;

    ok = connect_plain(srv, p, &sock) == APR_SUCCESS &&
         converse(sock, "stats\r\n", stats_end, buf, sizeof(buf)) ==
             APR_SUCCESS &&
         asd_remote_stat_field(buf, strlen(buf), "STAT ", "bytes", ' ',
                               &bytes) &&
         asd_remote_stat_field(buf, strlen(buf), "STAT ", "curr_items", ' ',
                               &items) &&
         asd_remote_stat_field(buf, strlen(buf), "STAT ", "evictions", ' ',
                               &evictions);
    if (sock != NULL) {
        apr_socket_close(sock);
    }
    if (ok) {
        out->Size += bytes;
        out->LiveRecords += items;
        out->Evictions += evictions;
    }
    return ok;
}

/* For the status page: the counts of this configuration's processes,
   summed over the servers, and what the memcacheds say of themselves,
   each asked on a connection of its own (not apr_memcache's pool), with
   the start-up check's timeout; -1 unless every server answers. */
static SECURITY_STATUS SEC_ENTRY mc_stats(PVOID pv, int64_t now,
                                          PSD_NONCE_COUNT_STORE_STATS out)
{
    mc_store *store = pv;
    apr_pool_t *p = NULL;
    bool all = true;

    (void)now;
    if (!asd_remote_stats_start(out)) {
        return SEC_E_INVALID_PARAMETER;
    }
    for (int i = 0; i < store->n; i++) {
        asd_remote_add_stats(&store->servers[i].remote, out);
    }
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        return SEC_E_OK;
    }
    out->Size = out->LiveRecords = out->Evictions = 0;
    for (int i = 0; i < store->n && all; i++) {
        all = server_stats(&store->servers[i], p, out);
    }
    if (!all) {
        out->Size = out->LiveRecords = out->Evictions = -1;
    }
    apr_pool_destroy(p);
    return SEC_E_OK;
}

const char *asd_memcache_open(apr_pool_t *pconf, server_rec *s,
                              const char *servers, SD_NONCE_COUNT_STORE *out)
{
    mc_store *store = apr_pcalloc(pconf, sizeof(*store));
    char *list = apr_pstrdup(pconf, servers), *item, *state = NULL;
    apr_pool_t *ptemp;
    int n = 0;

    for (const char *c = servers; *c; c++) {
        n += *c == ',';
    }
    store->servers =
        apr_pcalloc(pconf, (apr_size_t)(n + 1) * sizeof(*store->servers));
    apr_pool_create(&ptemp, pconf);
    for (item = apr_strtok(list, ",", &state); item != NULL;
         item = apr_strtok(NULL, ",", &state)) {
        mc_server *srv = &store->servers[store->n];
        char *host = NULL, *scope = NULL;
        apr_port_t port = 0;

        if (apr_parse_addr_port(&host, &scope, &port, item, pconf) !=
                APR_SUCCESS ||
            host == NULL || port == 0) {
            return apr_psprintf(pconf, "'%s' is not HOST:PORT", item);
        }
        /* No connection is made here (hard minimum 0): each child makes
           its own on first use. */
        if (apr_memcache_create(pconf, 1, 0, &srv->mc) != APR_SUCCESS ||
            apr_memcache_server_create(pconf, host, port, 0, CONN_SOFT_MAX,
                                       CONN_HARD_MAX, (apr_uint32_t)CONN_TTL,
                                       &srv->ms) != APR_SUCCESS ||
            apr_memcache_add_server(srv->mc, srv->ms) != APR_SUCCESS) {
            return apr_psprintf(pconf, "cannot set up a client for %s", item);
        }
        srv->mc->server_func = the_server;
        srv->mc->server_baton = srv->ms;
        if (asd_remote_init(&srv->remote, pconf, s,
                            apr_psprintf(pconf, "memcache %s", item)) != NULL) {
            return "cannot create shared memory for its generation";
        }
        startup_check(srv, ptemp, s);
        store->n++;
    }
    apr_pool_destroy(ptemp);
    if (store->n == 0) {
        return "no memcached server given";
    }
    out->pvStore = store;
    out->CheckAndSet = mc_check_and_set;
    out->Prefetch = NULL; /* the round trip is the cost, not the cache */
    out->Generation = mc_generation;
    out->Stats = mc_stats;
    return NULL;
}
