/*
 * mod_auth_sspidigest.h: what the glue files of mod_auth_sspidigest share:
 * the per-directory and per-server configuration, and the few functions
 * each file offers the others.  The engine's API is in include/sspi.h.
 */
#ifndef MOD_AUTH_SSPIDIGEST_H
#define MOD_AUTH_SSPIDIGEST_H

#include <stdbool.h>

#include "apr_lib.h"
#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"

#include "sspi.h"

/* Our log message tags, as httpd's APLOGNO, with our own prefix. */
#define SDLOGNO(n) "SD" #n ": "

#define ASD_DEFAULT_LIFETIME 300
#define ASD_MAX_LIFETIME 86400
#define ASD_DEFAULT_MAX_BODY (1024 * 1024)
#define ASD_DEFAULT_SHMEM (4 * 1024 * 1024)

typedef struct {
    authn_provider_list *providers;
    ULONG algs[SD_MAX_ALGORITHMS];
    ULONG nalgs;
    ULONG qop;
    int lifetime;
    const char *domain; /* space-separated URIs, or NULL */
    int userhash;       /* -1 unset */
    int nc_check;       /* -1 unset */
    apr_off_t max_body; /* -1 unset */
    unsigned providers_set : 1;
    unsigned algs_set : 1;
    unsigned qop_set : 1;
    unsigned qop_none : 1; /* AuthDigestQop none was given */
    unsigned lifetime_set : 1;
    unsigned domain_set : 1;
    /* channel bindings (mod_auth_sspidigest_binding.c) */
    int channel_binding; /* ASD_CB_* */
    const SEC_CHAR **service_names;
    ULONG nservice_names;
    unsigned service_names_set : 1;
} asd_dir_conf;

/* AuthDigestChannelBinding */
#define ASD_CB_UNSET (-1)
#define ASD_CB_OFF 0
#define ASD_CB_ON 1
#define ASD_CB_REQUIRE 2
#define ASD_CB_PROXY 3

typedef struct {
    unsigned char secret[SD_NONCE_SECRET_MAX];
    ULONG secret_len; /* 0: the process-wide random secret */
    unsigned char previous[SD_NONCE_SECRET_MAX];
    ULONG previous_len;
    const char *cache;     /* AuthDigestNonceCache, or NULL for shm */
    apr_size_t shmem_size; /* 0: unset */
} asd_server_conf;

/* Everything is built with -fvisibility=hidden, so that the engine's
   Windows-named functions stay inside the .so; only the module is
   exported. */
extern module AP_MODULE_DECLARE_DATA __attribute__((visibility("default")))
auth_sspidigest_module;

/* mod_auth_sspidigest_config.c */
extern const command_rec asd_directives[];
void *asd_create_dir_conf(apr_pool_t *p, char *dir);
void *asd_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *asd_create_server_conf(apr_pool_t *p, server_rec *s);
void *asd_merge_server_conf(apr_pool_t *p, void *base, void *add);
void asd_config_pre_config(void);
void asd_config_report(server_rec *s);
/* Effective values of a merged directory configuration. */
int asd_conf_nc_check(const asd_dir_conf *d);
apr_off_t asd_conf_max_body(const asd_dir_conf *d);

/* mod_auth_sspidigest_cred.c: one credentials handle per distinct policy,
   made on first use and shared by every thread of the process. */
void asd_cred_child_init(apr_pool_t *pchild);
PCredHandle asd_credentials(request_rec *r, const asd_dir_conf *d);

/* mod_auth_sspidigest_store.c: the engine's key callback, answered from
   the authn providers. */
typedef struct {
    request_rec *r;
    const asd_dir_conf *conf;
    int store_error; /* a provider failed (not the replay store) */
} asd_key_call;

void SEC_ENTRY asd_get_key(PVOID arg, PVOID principal, ULONG version,
                           PVOID *key, SECURITY_STATUS *status);

/* mod_auth_sspidigest_body.c: qop=auth-int request bodies. */
int asd_body_read(request_rec *r, apr_off_t max, apr_bucket_brigade **bb,
                  char **data, apr_size_t *len);
void asd_body_replay(request_rec *r, apr_bucket_brigade *bb);
void asd_body_register(void);

/* mod_auth_sspidigest_nonce.c: the nonce secret and the replay stores. */
int asd_nonce_post_config(apr_pool_t *pconf, server_rec *s);
const SD_NONCE_COUNT_STORE *asd_nonce_store(const asd_server_conf *sc);
const unsigned char *asd_random_secret(void);
const char *asd_read_secret(cmd_parms *cmd, const char *file,
                            unsigned char *out, ULONG *len);
/* Checks an AuthDigestNonceCache value: NULL, or what is wrong with it. */
const char *asd_cache_check(apr_pool_t *p, const char *arg);

/* What the stores shared by a farm (mod_auth_sspidigest_redis.c,
   _memcache.c) have in common, in _nonce.c: one record per (nonce, count)
   added only if absent, a generation record that tells a store which lost
   its records, and an outage log line at most once a minute per process.

   The generation record holds a random 64-bit number (16 hex digits),
   written once into a store that holds none: a store that restarts empty
   or is flushed loses it with the count records, and the first server to
   notice writes a new one.  Every nonce carries the generation its server
   last saw (SD_NONCE_COUNT_STORE.Generation), so a nonce minted before the
   loss, whose counts may have been recorded and lost, is answered stale,
   never accepted again; no clock is involved. */
typedef struct {
    const char *name; /* "redis 10.0.0.5:6379", for log lines */
    server_rec *s;
    _Atomic(int64_t) retry_at;  /* ms: no connection attempt before */
    _Atomic(int64_t) logged_at; /* s: the last outage line */
    _Atomic(int) down;
    /* The generation last read, 0 while not known: in shared memory, so
       that once one child has seen a new generation every child mints
       nonces with it. */
    _Atomic(uint64_t) *generation;
} asd_remote;

#define ASD_REMOTE_KEY_SIZE 64
#define ASD_GENERATION_KEY "sdnc:v2:generation"
#define ASD_GENERATION_HEX 16
/* NULL, or why the shared memory for the generation cannot be had. */
const char *asd_remote_init(asd_remote *r, apr_pool_t *pconf, server_rec *s,
                            const char *name);
bool asd_remote_key(char out[ASD_REMOTE_KEY_SIZE], const UCHAR *id,
                    ULONG id_len, ULONG nc);
int64_t asd_remote_ttl(int64_t expires, int64_t now);
bool asd_remote_may_connect(asd_remote *r);
SECURITY_STATUS asd_remote_failed(asd_remote *r, bool retry_later,
                                  const char *why);
void asd_remote_ok(asd_remote *r);
/* A new generation record's value, NUL-terminated; false without random
   octets. */
bool asd_remote_new_generation(char out[ASD_GENERATION_HEX + 1]);
/* Takes the value of a generation record read from the store: false (and
   an outage) when it is malformed. */
bool asd_remote_take_generation(asd_remote *r, const char *value,
                                apr_size_t len);
/* The record was missing: the caller has written a new one or found one
   another server wrote, and read it back.  Logs it; answers stale. */
SECURITY_STATUS asd_remote_lost(asd_remote *r);
const char *asd_redis_open(apr_pool_t *pconf, server_rec *s,
                           const char *hostport, SD_NONCE_COUNT_STORE *out);
const char *asd_memcache_open(apr_pool_t *pconf, server_rec *s,
                              const char *servers, SD_NONCE_COUNT_STORE *out);

/* mod_auth_sspidigest_binding.c: channel bindings over TLS. */
const char *asd_set_channel_binding(cmd_parms *cmd, void *dv, const char *arg);
const char *asd_add_service_name(cmd_parms *cmd, void *dv, const char *arg);
void asd_binding_register(void);
/* fContextReq flags, and buffer 5 and SD_CALL_PARAMETERS of a call */
ULONG asd_binding_req(const asd_dir_conf *d);
void asd_binding_prepare(request_rec *r, const asd_dir_conf *d, SecBuffer *b5,
                         SD_CALL_PARAMETERS *params);

/* A client-sent value for a log line: capped and escaped. */
const char *asd_log_value(apr_pool_t *p, const char *s, apr_size_t n);

#endif
