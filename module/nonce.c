/*
 * module/nonce.c: what makes nonces hold across processes, restarts and
 * servers.
 *
 * - The random secret (when no AuthDigestNonceSecret file is given) lives
 *   in httpd's retained data, so every child agrees on it and a graceful
 *   restart keeps issued nonces valid.
 * - The replay stores.  "shm" (the default) is the engine's table in
 *   anonymous shared memory, one table per distinct AuthDigestShmemSize,
 *   created once by the parent and kept in the retained data across
 *   graceful restarts, so an issued nonce stays counted.  It is not httpd's
 *   socache shmcb on purpose: shmcb drops entries silently when full, and
 *   a nonce whose record was dropped would look unused, so its old counts
 *   could be replayed; our table remembers what it evicted and answers
 *   such nonces stale.  A table made anew (a full restart, another
 *   AuthDigestShmemSize) has a new generation, and nonces minted for
 *   another table are answered stale (sspi.h, SD_NONCE_COUNT_STORE).
 * - The stores shared by the servers of a farm, "redis:" and "memcache:"
 *   (module/redis.c and module/memcache.c; module/remote.c holds what the
 *   two have in common): this file opens one per AuthDigestNonceCache
 *   value.
 * It lists the stores for the status page (module/status.c), which reads
 * each through its Stats entry.  It mints and checks no nonce: the engine
 * does.
 */
#include "nonce.h"

#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "apr_file_io.h"
#include "apr_network_io.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_log.h"

#include <openssl/rand.h>

#include "log.h"
#include "memcache.h"
#include "redis.h"

APLOG_USE_MODULE(auth_sspidigest);

/* The layout below, and that of the tables (src/nc_table.c), is part of
   the key: a graceful restart onto a build with another layout starts
   afresh instead of misreading the old one. */
#define RETAINED_KEY "mod_auth_sspidigest-retained-5"
#define MAX_TABLES 8 /* distinct AuthDigestShmemSize values */
#define MAX_MEMCACHE_SERVERS 16

/* httpd's retained data outlives this module's code: httpd unloads the
   DSO on every restart and loads it again, often at another address (a
   configuration that loads other modules first moves it).  So nothing
   kept there points into the DSO, code or static data; the views that
   hold the engine's function pointers are made anew by each generation
   (`views`, below). */
typedef struct {
    apr_size_t size; /* 0: unused slot */
    apr_shm_t *shm;  /* from the process pool, which lives as long */
    int generation;  /* the last configuration that used it */
} table;

typedef struct {
    unsigned char secret[SD_NONCE_SECRET_MIN];
    int secret_made;
    int generation;
    table tables[MAX_TABLES];
} retained;

/* This generation's store for each kept table, by index: rebuilt by
   asd_nonce_post_config, inherited by the children. */
static SD_NONCE_COUNT_STORE views[MAX_TABLES];

/* The shared stores of this configuration generation, by their
   AuthDigestNonceCache value. */
typedef struct remote_entry {
    const char *spec;
    const char *type; /* "redis" or "memcache" */
    SD_NONCE_COUNT_STORE store;
    struct remote_entry *next;
} remote_entry;

static retained *kept;
static remote_entry *remotes;

const unsigned char *asd_random_secret(void)
{
    return kept->secret;
}

const char *asd_read_secret(cmd_parms *cmd, const char *file,
                            unsigned char *out, ULONG *len)
{
    const char *path = ap_server_root_relative(cmd->temp_pool, file);
    apr_file_t *f = NULL;
    apr_finfo_t fi;
    apr_size_t n = SD_NONCE_SECRET_MAX;

    if (path == NULL || apr_file_open(&f, path, APR_FOPEN_READ, 0,
                                      cmd->temp_pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: cannot read '%s'", file);
    }
    if (apr_file_info_get(&fi, APR_FINFO_PROT | APR_FINFO_SIZE, f) !=
            APR_SUCCESS ||
        (fi.protection & APR_FPROT_WREAD) ||
        (fi.protection & APR_FPROT_GWRITE) ||
        (fi.protection & APR_FPROT_WWRITE)) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: '%s' is readable by "
                            "others or writable by its group: chmod 600 or "
                            "640",
                            file);
    }
    if (fi.size < SD_NONCE_SECRET_MIN || fi.size > SD_NONCE_SECRET_MAX ||
        apr_file_read_full(f, out, (apr_size_t)fi.size, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: '%s' must hold %d to %d "
                            "random octets",
                            file, SD_NONCE_SECRET_MIN, SD_NONCE_SECRET_MAX);
    }
    apr_file_close(f);
    *len = (ULONG)n;
    return NULL;
}

/* ---- AuthDigestNonceCache values ----------------------------------------- */

typedef enum { CACHE_SHM, CACHE_REDIS, CACHE_MEMCACHE } cache_kind;

/* The kind of a value and what follows its "redis:" or "memcache:". */
static bool cache_kind_of(const char *spec, cache_kind *kind, const char **rest)
{
    if (spec == NULL || strcasecmp(spec, "shm") == 0) {
        *kind = CACHE_SHM;
        *rest = NULL;
        return true;
    }
    if (strncasecmp(spec, "redis:", 6) == 0) {
        *kind = CACHE_REDIS;
        *rest = spec + 6;
        return true;
    }
    if (strncasecmp(spec, "memcache:", 9) == 0) {
        *kind = CACHE_MEMCACHE;
        *rest = spec + 9;
        return true;
    }
    return false;
}

static const char *check_hostport(apr_pool_t *p, const char *hp)
{
    char *host = NULL, *scope = NULL;
    apr_port_t port = 0;

    if (apr_parse_addr_port(&host, &scope, &port, hp, p) != APR_SUCCESS ||
        host == NULL || port == 0) {
        return apr_psprintf(p, "'%s' is not HOST:PORT", hp);
    }
    return NULL;
}

const char *asd_cache_check(apr_pool_t *p, const char *arg)
{
    cache_kind kind;
    const char *rest;
    char *list, *item, *state = NULL;
    int n = 0;

    if (!cache_kind_of(arg, &kind, &rest)) {
        return apr_psprintf(p,
                            "unknown store '%s' (shm, redis:HOST:PORT or "
                            "memcache:HOST:PORT[,HOST:PORT...])",
                            arg);
    }
    switch (kind) {
    case CACHE_SHM:
        return NULL;
    case CACHE_REDIS:
        return check_hostport(p, rest);
    case CACHE_MEMCACHE:
        break;
    }
    list = apr_pstrdup(p, rest);
    if (*list == '\0' || list[strlen(list) - 1] == ',') {
        return apr_psprintf(p, "'%s' is not memcache:HOST:PORT[,HOST:PORT...]",
                            arg);
    }
    for (item = apr_strtok(list, ",", &state); item != NULL;
         item = apr_strtok(NULL, ",", &state)) {
        const char *err = check_hostport(p, item);

        if (err != NULL) {
            return err;
        }
        if (++n > MAX_MEMCACHE_SERVERS) {
            return apr_psprintf(p, "more than %d memcached servers",
                                MAX_MEMCACHE_SERVERS);
        }
    }
    return NULL;
}

static apr_size_t shm_size_of(const asd_server_conf *sc)
{
    return sc->shmem_size ? sc->shmem_size : ASD_DEFAULT_SHMEM;
}

/* ---- the shared-memory tables -------------------------------------------- */

/* The table of `size` octets, kept from an earlier generation or made now
   in anonymous shared memory (children inherit the mapping), and this
   generation's view of it.  A new table has a new generation: nonces
   minted for any earlier table are answered stale at their first use. */
static table *table_for(server_rec *s, apr_size_t size)
{
    table *free_slot = NULL, *t;
    apr_status_t rv;
    SECURITY_STATUS st;

    for (int i = 0; i < MAX_TABLES; i++) {
        t = &kept->tables[i];
        if (t->size == size) {
            st = SdNonceCountStoreAttach(apr_shm_baseaddr_get(t->shm), size,
                                         &views[i]);
            if (st != SEC_E_OK) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                             SDLOGNO(00412) "the kept nonce-count table is "
                                            "not readable: %s",
                             SdStatusName(st));
                return NULL;
            }
            t->generation = kept->generation;
            return t;
        }
        if (t->size == 0 && free_slot == NULL) {
            free_slot = t;
        }
    }
    if ((t = free_slot) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     SDLOGNO(00406) "more than %d distinct "
                                    "AuthDigestShmemSize values",
                     MAX_TABLES);
        return NULL;
    }
    rv = apr_shm_create(&t->shm, size, NULL, s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     SDLOGNO(00402) "cannot create %" APR_SIZE_T_FMT
                                    " bytes of shared memory for nonce counts",
                     size);
        return NULL;
    }
    st = SdNonceCountStoreInit(apr_shm_baseaddr_get(t->shm), size,
                               SD_STORE_SHARED, &views[t - kept->tables]);
    if (st != SEC_E_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     SDLOGNO(00403) "cannot set up the nonce-count table: %s",
                     SdStatusName(st));
        apr_shm_destroy(t->shm);
        t->shm = NULL;
        return NULL;
    }
    t->size = size;
    t->generation = kept->generation;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                 SDLOGNO(00404) "nonce-count table: %" APR_SIZE_T_FMT
                                " bytes for about %" APR_SIZE_T_FMT
                                " live nonces",
                 size, size / (SdNonceCountStoreSize(1024) / 1024));
    return t;
}

/* Tables no server of this generation uses (AuthDigestShmemSize changed
   on a graceful restart).  The children of the old generation keep their
   own mapping, so the parent may unmap it. */
static void drop_unused_tables(server_rec *s)
{
    for (int i = 0; i < MAX_TABLES; i++) {
        table *t = &kept->tables[i];

        if (t->size != 0 && t->generation != kept->generation) {
            ap_log_error(
                APLOG_MARK, APLOG_NOTICE, 0, s,
                SDLOGNO(00401) "AuthDigestShmemSize changed: "
                               "nonces counted in the old %" APR_SIZE_T_FMT
                               "-byte table are answered stale once",
                t->size);
            apr_shm_destroy(t->shm);
            memset(t, 0, sizeof(*t));
            memset(&views[i], 0, sizeof(views[i]));
        }
    }
}

/* ---- which store a server uses ------------------------------------------- */

static const remote_entry *remote_of(const char *spec)
{
    for (const remote_entry *e = remotes; e != NULL; e = e->next) {
        if (strcmp(e->spec, spec) == 0) {
            return e;
        }
    }
    return NULL;
}

static int open_remote(apr_pool_t *pconf, server_rec *s, const char *spec)
{
    remote_entry **tail = &remotes;
    remote_entry *e;
    cache_kind kind;
    const char *rest, *err;

    if (remote_of(spec) != NULL) {
        return OK;
    }
    e = apr_pcalloc(pconf, sizeof(*e));
    e->spec = spec;
    cache_kind_of(spec, &kind, &rest);
    e->type = kind == CACHE_REDIS ? "redis" : "memcache";
    err = kind == CACHE_REDIS ? asd_redis_open(pconf, s, rest, &e->store)
                              : asd_memcache_open(pconf, s, rest, &e->store);
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     SDLOGNO(00407) "AuthDigestNonceCache %s: %s", spec, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    while (*tail != NULL) {
        tail = &(*tail)->next; /* in the order first named */
    }
    *tail = e;
    return OK;
}

int asd_nonce_post_config(apr_pool_t *pconf, server_rec *s)
{
    kept = ap_retained_data_get(RETAINED_KEY);
    if (kept == NULL) {
        kept = ap_retained_data_create(RETAINED_KEY, sizeof(*kept));
        memset(kept, 0, sizeof(*kept));
    }
    if (!kept->secret_made) {
        if (RAND_bytes(kept->secret, sizeof(kept->secret)) != 1) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         SDLOGNO(00405) "no random octets for the nonce "
                                        "secret");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        kept->secret_made = 1;
    }
    kept->generation++;
    remotes = NULL; /* the last generation's went with its pconf */
    for (server_rec *v = s; v != NULL; v = v->next) {
        const asd_server_conf *sc =
            ap_get_module_config(v->module_config, &auth_sspidigest_module);
        cache_kind kind;
        const char *rest;

        cache_kind_of(sc->cache, &kind, &rest);
        if (kind == CACHE_SHM) {
            if (table_for(s, shm_size_of(sc)) == NULL) {
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        else if (open_remote(pconf, s, sc->cache) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    drop_unused_tables(s);
    return OK;
}

/* Answers every count "store unreachable": what a server gets if its
   store was somehow not set up, rather than an unchecked acceptance. */
static SECURITY_STATUS SEC_ENTRY no_store(PVOID pv, const UCHAR *id,
                                          ULONG id_len, int64_t issued,
                                          int64_t expires, int64_t now,
                                          ULONG nc, uint64_t generation)
{
    (void)pv, (void)id, (void)id_len, (void)issued, (void)expires, (void)now,
        (void)nc, (void)generation;
    return SEC_E_NO_AUTHENTICATING_AUTHORITY;
}

static const SD_NONCE_COUNT_STORE missing_store = {NULL, no_store, NULL, NULL,
                                                   NULL};

/* The store of a server, set up by asd_nonce_post_config. */
const SD_NONCE_COUNT_STORE *asd_nonce_store(const asd_server_conf *sc)
{
    cache_kind kind;
    const char *rest;
    const remote_entry *e;

    if (kept == NULL || !cache_kind_of(sc->cache, &kind, &rest)) {
        return &missing_store;
    }
    if (kind == CACHE_SHM) {
        apr_size_t size = shm_size_of(sc);

        for (int i = 0; i < MAX_TABLES; i++) {
            if (kept->tables[i].size == size && views[i].pvStore != NULL) {
                return &views[i];
            }
        }
        return &missing_store;
    }
    e = remote_of(sc->cache);
    return e != NULL ? &e->store : &missing_store;
}

apr_array_header_t *asd_nonce_stores(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(asd_store_entry));

    for (int i = 0; kept != NULL && i < MAX_TABLES; i++) {
        if (kept->tables[i].size != 0 && views[i].pvStore != NULL) {
            asd_store_entry *e = apr_array_push(list);

            e->name =
                apr_psprintf(p, "shm %" APR_SIZE_T_FMT, kept->tables[i].size);
            e->type = "shm";
            e->store = &views[i];
        }
    }
    for (const remote_entry *r = remotes; r != NULL; r = r->next) {
        asd_store_entry *e = apr_array_push(list);

        e->name = r->spec;
        e->type = r->type;
        e->store = &r->store;
    }
    return list;
}
