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
/* The opaque of every challenge: 16 octets of hex (RFC 7616 §3.3). */
#define ASD_OPAQUE "5d2a0e7f3c914b6e8a1d40f2c7b95e13"

/* The scope of a configuration section (mod_auth_sspidigest_scope.c): the
   ids of the sections merged into it, in order, 16 octets each. */
#define ASD_SECTION_ID 16
#define ASD_SCOPE_SECTIONS 8
#define ASD_SCOPE_UNKNOWN 0xFFFFFFFFU /* too many, or no digest: no reuse */

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
    unsigned providers_known : 1;      /* every provider's settings are seen */
    unsigned own_done : 1;             /* own is computed (config time) */
    unsigned char own[ASD_SECTION_ID]; /* this section's directives */
    unsigned nchain;
    unsigned char chain[ASD_SCOPE_SECTIONS][ASD_SECTION_ID];

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

/* A request's scope: its virtual host and its section chain, as octets
   for the engine (SD_CALL_PARAMETERS.pScope).  Not reusable when some
   setting that decides acceptance cannot be seen. */
#define ASD_SCOPE_BYTES                                                        \
    (sizeof(void *) + 1 + ASD_SCOPE_SECTIONS * ASD_SECTION_ID)
typedef struct {
    unsigned char bytes[ASD_SCOPE_BYTES];
    size_t len;
    bool reusable;
} asd_scope;

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

/* mod_auth_sspidigest_scope.c.  The directives of other modules whose
   sections belong to the scope, and the module that owns each: one list,
   for the directive table and for the checks. */
#define ASD_SHADOWED(X)                                                        \
    X("AuthType", "mod_authn_core.c")                                          \
    X("AuthName", "mod_authn_core.c")                                          \
    X("<AuthnProviderAlias", "mod_authn_core.c")                               \
    X("AuthUserFile", "mod_authn_file.c")                                      \
    X("AuthDBMUserFile", "mod_authn_dbm.c")                                    \
    X("AuthDBMType", "mod_authn_dbm.c")                                        \
    X("AuthDBDUserPWQuery", "mod_authn_dbd.c")                                 \
    X("AuthDBDUserRealmQuery", "mod_authn_dbd.c")                              \
    X("AuthnCacheSOCache", "mod_authn_socache.c")                              \
    X("AuthnCacheEnable", "mod_authn_socache.c")                               \
    X("AuthnCacheProvideFor", "mod_authn_socache.c")                           \
    X("AuthnCacheTimeout", "mod_authn_socache.c")                              \
    X("AuthnCacheContext", "mod_authn_socache.c")

void asd_scope_pre_config(void);
int asd_scope_post_config(server_rec *s);
void asd_scope_note(cmd_parms *cmd, asd_dir_conf *d);
const char *asd_scope_shadow(cmd_parms *cmd, void *dv, const char *args);
bool asd_scope_provider_known(const char *name);
void asd_scope_merge(asd_dir_conf *out, const asd_dir_conf *base,
                     const asd_dir_conf *add);
void asd_scope_of(const request_rec *r, const asd_dir_conf *d, asd_scope *out);
bool asd_scope_equal(const asd_scope *a, const asd_scope *b);

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

/* mod_auth_sspidigest_body.c: qop=auth-int request bodies, read whole
   before the handler and handed to it through the location's input
   filters. */
typedef struct asd_body asd_body;
int asd_body_read(request_rec *r, apr_off_t max, asd_body **body, char **data,
                  apr_size_t *len);
/* Hands what no handler has read yet of `body` to r's input filters. */
void asd_body_replay(request_rec *r, asd_body *body);
void asd_body_register(void);

/* mod_auth_sspidigest_reuse.c: the results a request leaves for the
   requests that may reuse them, each valid in its scope only. */
typedef struct {
    const char *method;
    const char *target; /* the absolute URL the digest-uri must name */
} asd_request_line;

typedef struct asd_result {
    asd_scope scope;
    const char *user;
    const char *auth_info; /* or NULL */
    /* the replay store that recorded the nonce count, or NULL */
    const SD_NONCE_COUNT_STORE *recorded_in;
    struct asd_result *next;
} asd_result;

/* On the first request of a chain of subrequests and internal redirects:
   its request line (the Authorization was made for it), H(entity-body)
   and the body for auth-int, and the results of each scope. */
typedef struct {
    asd_request_line line;
    char entity_hex[SD_MAX_KEY_HEX + 1];
    asd_body *body;
    asd_result *results;
} asd_top;

/* The request a chain of subrequests and internal redirects began with. */
request_rec *asd_first_request(request_rec *r);
asd_top *asd_top_of(request_rec *first);
const asd_result *asd_top_find(const asd_top *top, const asd_scope *scope);
bool asd_top_recorded(const asd_top *top, const SD_NONCE_COUNT_STORE *store);
void asd_top_add(asd_top *top, asd_result *res);

/* What an h2c Upgrade request leaves on its connection for stream 1. */
typedef struct asd_upgrade asd_upgrade;
typedef struct {
    apr_pool_t *pool;
    _Atomic(asd_upgrade *) kept;
} asd_upgrade_slot;
void asd_upgrade_keep(asd_upgrade_slot *slot, request_rec *r,
                      const asd_result *res, const char *authorization);
bool asd_upgrade_reuse(asd_upgrade_slot *slot, request_rec *r,
                       const asd_scope *scope, const char *authorization);
void asd_reuse_register(void);

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
