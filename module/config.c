/*
 * module/config.c: the directives.  Every value is checked when it is read,
 * so a typo stops `apachectl configtest` with a message naming the directive
 * and the value; providers are resolved then too.  A nested section
 * overrides only what it sets (mod_auth_basic's merge), unlike
 * mod_auth_digest, where a section resets everything.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "ap_provider.h"
#include "http_log.h"

#include "binding.h"
#include "log.h"
#include "nonce.h"
#include "scope.h"

APLOG_USE_MODULE(auth_sspidigest);

static const struct {
    const char *name;
    ULONG id;
} algorithm_names[] = {
    {"MD5", SD_ALG_MD5},
    {"MD5-sess", SD_ALG_MD5_SESS},
    {"SHA-256", SD_ALG_SHA256},
    {"SHA-256-sess", SD_ALG_SHA256_SESS},
    {"SHA-512-256", SD_ALG_SHA512_256},
    {"SHA-512-256-sess", SD_ALG_SHA512_256_SESS},
};

void *asd_create_dir_conf(apr_pool_t *p, char *dir)
{
    asd_dir_conf *d = apr_pcalloc(p, sizeof(*d));

    (void)dir;
    d->algs[0] = SD_ALG_MD5;
    d->nalgs = 1;
    d->qop = SD_QOP_AUTH;
    d->lifetime = ASD_DEFAULT_LIFETIME;
    d->userhash = -1;
    d->nc_check = -1;
    d->max_body = -1;
    d->providers_known = 1; /* the default, "file" */
    d->channel_binding = ASD_CB_UNSET;
    return d;
}

void *asd_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const asd_dir_conf *base = basev, *add = addv;
    asd_dir_conf *d = apr_pcalloc(p, sizeof(*d));

    d->providers_set = add->providers_set || base->providers_set;
    d->providers = add->providers_set ? add->providers : base->providers;
    d->algs_set = add->algs_set || base->algs_set;
    memcpy(d->algs, add->algs_set ? add->algs : base->algs, sizeof(d->algs));
    d->nalgs = add->algs_set ? add->nalgs : base->nalgs;
    d->qop_set = add->qop_set || base->qop_set;
    d->qop = add->qop_set ? add->qop : base->qop;
    d->lifetime_set = add->lifetime_set || base->lifetime_set;
    d->lifetime = add->lifetime_set ? add->lifetime : base->lifetime;
    d->domain_set = add->domain_set || base->domain_set;
    d->domain = add->domain_set ? add->domain : base->domain;
    d->providers_known =
        add->providers_set ? add->providers_known : base->providers_known;
    d->userhash = add->userhash != -1 ? add->userhash : base->userhash;
    d->nc_check = add->nc_check != -1 ? add->nc_check : base->nc_check;
    d->max_body = add->max_body != -1 ? add->max_body : base->max_body;
    asd_scope_merge(d, base, add);
    d->channel_binding = add->channel_binding != ASD_CB_UNSET
                             ? add->channel_binding
                             : base->channel_binding;
    d->service_names_set = add->service_names_set || base->service_names_set;
    d->service_names =
        add->service_names_set ? add->service_names : base->service_names;
    d->nservice_names =
        add->service_names_set ? add->nservice_names : base->nservice_names;
    return d;
}

int asd_conf_nc_check(const asd_dir_conf *d)
{
    return d->nc_check != 0; /* On unless set Off: differs from httpd */
}

apr_off_t asd_conf_max_body(const asd_dir_conf *d)
{
    return d->max_body == -1 ? ASD_DEFAULT_MAX_BODY : d->max_body;
}

void *asd_create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(asd_server_conf));
}

void *asd_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const asd_server_conf *base = basev, *add = addv;
    asd_server_conf *sc = apr_palloc(p, sizeof(*sc));

    /* the secret (with its previous one) goes as a whole; the store and
       its size are inherited on their own */
    *sc = add->secret_len ? *add : *base;
    sc->cache = add->cache ? add->cache : base->cache;
    sc->shmem_size = add->shmem_size ? add->shmem_size : base->shmem_size;
    return sc;
}

/* ---- per directory -------------------------------------------------- */

static const char *add_provider(cmd_parms *cmd, void *dv, const char *name)
{
    asd_dir_conf *d = dv;
    authn_provider_list *item = apr_pcalloc(cmd->pool, sizeof(*item));
    authn_provider_list *last;

    asd_scope_note(cmd, d);
    if (!d->providers_set) {
        d->providers = NULL; /* a section's list replaces its parent's */
        d->providers_set = 1;
        d->providers_known = 1;
    }
    d->providers_known = d->providers_known && asd_scope_provider_known(name);
    item->provider_name = name;
    item->provider =
        ap_lookup_provider(AUTHN_PROVIDER_GROUP, name, AUTHN_PROVIDER_VERSION);
    if (item->provider == NULL) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestProvider: unknown authn provider '%s' "
                            "(is its module loaded?)",
                            name);
    }
    if (item->provider->get_realm_hash == NULL) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestProvider: the '%s' authn provider "
                            "cannot look up realm hashes, needed for Digest",
                            name);
    }
    if (d->providers == NULL) {
        d->providers = item;
        return NULL;
    }
    for (last = d->providers; last->next; last = last->next) {
    }
    last->next = item;
    return NULL;
}

/* RFC 2617 §3.2.2.2: -sess needs a cnonce, which is sent only with qop.
   Caught here when one section sets both; across sections, at the first
   request (SD00201). */
static const char *check_sess_qop(const asd_dir_conf *d)
{
    if (!d->algs_set || !d->qop_set || d->qop != 0) {
        return NULL;
    }
    for (ULONG i = 0; i < d->nalgs; i++) {
        if (d->algs[i] == SD_ALG_MD5_SESS || d->algs[i] == SD_ALG_SHA256_SESS ||
            d->algs[i] == SD_ALG_SHA512_256_SESS) {
            return "AuthDigestAlgorithm: a -sess algorithm needs a qop, but "
                   "AuthDigestQop none is set";
        }
    }
    return NULL;
}

static const char *set_algorithms(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_dir_conf *d = dv;
    ULONG id = 0;

    asd_scope_note(cmd, d);
    for (size_t i = 0; i < sizeof(algorithm_names) / sizeof(algorithm_names[0]);
         i++) {
        if (strcasecmp(arg, algorithm_names[i].name) == 0) {
            id = algorithm_names[i].id;
        }
    }
    if (id == 0) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestAlgorithm: unknown algorithm '%s' "
                            "(MD5, MD5-sess, SHA-256, SHA-256-sess, "
                            "SHA-512-256, SHA-512-256-sess)",
                            arg);
    }
    if (!d->algs_set) {
        d->nalgs = 0;
        d->algs_set = 1;
    }
    for (ULONG i = 0; i < d->nalgs; i++) {
        if (d->algs[i] == id) {
            return apr_psprintf(cmd->pool,
                                "AuthDigestAlgorithm: '%s' given twice", arg);
        }
    }
    d->algs[d->nalgs++] = id;
    return check_sess_qop(d);
}

static const char *set_qop(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_dir_conf *d = dv;
    ULONG bit;

    asd_scope_note(cmd, d);
    if (!d->qop_set) {
        d->qop = 0;
        d->qop_none = 0;
        d->qop_set = 1;
    }
    if (strcasecmp(arg, "none") == 0) {
        bit = 0;
    }
    else if (strcasecmp(arg, "auth") == 0) {
        bit = SD_QOP_AUTH;
    }
    else if (strcasecmp(arg, "auth-int") == 0) {
        bit = SD_QOP_AUTH_INT;
    }
    else {
        return apr_psprintf(cmd->pool,
                            "AuthDigestQop: unknown qop '%s' (none, auth, "
                            "auth-int)",
                            arg);
    }
    if (bit == 0 ? d->qop != 0 : d->qop_none) {
        return "AuthDigestQop: 'none' cannot be combined with auth or "
               "auth-int";
    }
    d->qop_none = bit == 0;
    d->qop |= bit;
    return check_sess_qop(d);
}

/* A decimal number; false on anything else (no strtol without an end
   check, no overflow). */
static bool parse_number(const char *s, apr_int64_t min, apr_int64_t max,
                         apr_int64_t *out)
{
    char *end = NULL;
    apr_int64_t v;

    if (*s == '\0') {
        return false;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static const char *set_lifetime(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_dir_conf *d = dv;
    apr_int64_t v;

    asd_scope_note(cmd, d);
    if (!parse_number(arg, APR_INT32_MIN, ASD_MAX_LIFETIME, &v) || v == 0) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceLifetime: '%s' is not a number of "
                            "seconds from 1 to %d (or negative: the longest)",
                            arg, ASD_MAX_LIFETIME);
    }
    /* mod_auth_digest: negative means "never expires"; our replay records
       expire with their nonce, so the longest lifetime stands in. */
    d->lifetime = v < 0 ? ASD_MAX_LIFETIME : (int)v;
    d->lifetime_set = 1;
    return NULL;
}

static const char *add_domain(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_dir_conf *d = dv;

    asd_scope_note(cmd, d);
    for (const char *p = arg; *p; p++) {
        if (*p == '"' || *p == '\\' || apr_iscntrl(*p) || *p == ' ') {
            return apr_psprintf(cmd->pool,
                                "AuthDigestDomain: '%s' is not a URI", arg);
        }
    }
    d->domain = d->domain_set && d->domain
                    ? apr_pstrcat(cmd->pool, d->domain, " ", arg, NULL)
                    : apr_pstrdup(cmd->pool, arg);
    d->domain_set = 1;
    if (strlen(d->domain) > 512) {
        return "AuthDigestDomain: the list is longer than 512 characters";
    }
    return NULL;
}

static const char *set_userhash(cmd_parms *cmd, void *dv, int on)
{
    asd_scope_note(cmd, dv);
    ((asd_dir_conf *)dv)->userhash = on;
    return NULL;
}

static const char *set_nc_check(cmd_parms *cmd, void *dv, int on)
{
    asd_scope_note(cmd, dv);
    ((asd_dir_conf *)dv)->nc_check = on;
    return NULL;
}

/* Bytes, with an optional K, M or G suffix. */
static bool parse_size(const char *arg, apr_int64_t max, apr_int64_t *out)
{
    char num[32];
    size_t n = strlen(arg);
    apr_int64_t unit = 1, v;

    if (n == 0 || n >= sizeof(num)) {
        return false;
    }
    memcpy(num, arg, n + 1);
    switch (apr_toupper(num[n - 1])) {
    case 'K':
        unit = 1024;
        break;
    case 'M':
        unit = 1024 * 1024;
        break;
    case 'G':
        unit = 1024 * 1024 * 1024;
        break;
    default:
        break;
    }
    if (unit != 1) {
        num[n - 1] = '\0';
    }
    if (!parse_number(num, 0, max / unit, &v)) {
        return false;
    }
    *out = v * unit;
    return true;
}

static const char *set_max_body(cmd_parms *cmd, void *dv, const char *arg)
{
    apr_int64_t v;

    asd_scope_note(cmd, dv);
    if (!parse_size(arg, APR_INT64_C(1) << 40, &v)) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestMaxBody: '%s' is not a size in bytes "
                            "(suffix K, M or G allowed)",
                            arg);
    }
    ((asd_dir_conf *)dv)->max_body = (apr_off_t)v;
    return NULL;
}

/* AuthDigestNonceFormat lines seen in this configuration pass, logged
   again from post_config: while the configuration is read the error log
   is not open yet, and on a real start stderr is gone. */
static apr_array_header_t *ignored_formats;

void asd_config_pre_config(void)
{
    ignored_formats = NULL;
}

void asd_config_report(server_rec *s)
{
    for (int i = 0; ignored_formats && i < ignored_formats->nelts; i++) {
        ap_log_error(
            APLOG_MARK, APLOG_WARNING, 0, s,
            SDLOGNO(00102) "AuthDigestNonceFormat %s: nonces here "
                           "are signed by the server and have one fixed format",
            APR_ARRAY_IDX(ignored_formats, i, const char *));
    }
}

static const char *nonce_format(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *where = apr_psprintf(
        cmd->pool, "%s:%d", cmd->directive->filename, cmd->directive->line_num);

    asd_scope_note(cmd, dv);
    ap_log_error(
        APLOG_MARK, APLOG_WARNING, 0, cmd->server,
        SDLOGNO(00101) "AuthDigestNonceFormat %s ignored "
                       "(%s): nonces here are signed by the server and have "
                       "one fixed format",
        arg, where);
    if (ignored_formats == NULL) {
        ignored_formats = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    APR_ARRAY_PUSH(ignored_formats, const char *) =
        apr_psprintf(cmd->pool, "%s ignored (%s)", arg, where);
    return NULL;
}

/* ---- per server ----------------------------------------------------- */

static const char *set_shmem_size(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                               &auth_sspidigest_module);
    apr_int64_t v;

    (void)dv;
    if (!parse_size(arg, APR_INT64_C(1) << 34, &v) || v < 65536) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestShmemSize: '%s' is not a size of at "
                            "least 64K (suffix K, M or G allowed)",
                            arg);
    }
    sc->shmem_size = (apr_size_t)v;
    return NULL;
}

static const char *set_secret(cmd_parms *cmd, void *dv, const char *current,
                              const char *previous)
{
    asd_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                               &auth_sspidigest_module);
    const char *err;

    (void)dv;
    err = asd_read_secret(cmd, current, sc->secret, &sc->secret_len);
    if (err == NULL && previous != NULL) {
        err = asd_read_secret(cmd, previous, sc->previous, &sc->previous_len);
    }
    return err;
}

static const char *set_cache(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                               &auth_sspidigest_module);

    const char *err = asd_cache_check(cmd->pool, arg);

    (void)dv;
    if (err != NULL) {
        return apr_pstrcat(cmd->pool, "AuthDigestNonceCache: ", err, NULL);
    }
    sc->cache = arg;
    return NULL;
}

const command_rec asd_directives[] = {
    AP_INIT_ITERATE("AuthDigestProvider", add_provider, NULL, OR_AUTHCFG,
                    "authn providers that hold the users (default: file)"),
    AP_INIT_ITERATE("AuthDigestAlgorithm", set_algorithms, NULL, OR_AUTHCFG,
                    "algorithms offered, one challenge each, in this order "
                    "(default: MD5)"),
    AP_INIT_ITERATE("AuthDigestQop", set_qop, NULL, OR_AUTHCFG,
                    "none, or auth and/or auth-int (default: auth)"),
    AP_INIT_TAKE1("AuthDigestNonceLifetime", set_lifetime, NULL, OR_AUTHCFG,
                  "seconds a nonce stays valid (default: 300)"),
    AP_INIT_ITERATE("AuthDigestDomain", add_domain, NULL, OR_AUTHCFG,
                    "URIs of the same protection space"),
    AP_INIT_FLAG("AuthDigestUserHash", set_userhash, NULL, OR_AUTHCFG,
                 "offer userhash=true and accept hashed user names "
                 "(default: Off)"),
    AP_INIT_FLAG("AuthDigestNcCheck", set_nc_check, NULL, OR_AUTHCFG,
                 "refuse a nonce count used before (default: On)"),
    AP_INIT_TAKE1("AuthDigestMaxBody", set_max_body, NULL, OR_AUTHCFG,
                  "bytes of request body buffered for qop=auth-int "
                  "(default: 1M)"),
    AP_INIT_TAKE1("AuthDigestNonceFormat", nonce_format, NULL, OR_AUTHCFG,
                  "accepted for compatibility and ignored"),
    AP_INIT_TAKE1("AuthDigestShmemSize", set_shmem_size, NULL, RSRC_CONF,
                  "bytes of shared memory for nonce-count records "
                  "(default: 4M)"),
    AP_INIT_TAKE12("AuthDigestNonceSecret", set_secret, NULL, RSRC_CONF,
                   "file with the nonce secret, and optionally the "
                   "previous one still accepted"),
    AP_INIT_TAKE1("AuthDigestNonceCache", set_cache, NULL, RSRC_CONF,
                  "where nonce counts are recorded: shm, redis:HOST:PORT or "
                  "memcache:HOST:PORT[,HOST:PORT...] (default: shm)"),
    AP_INIT_TAKE1("AuthDigestChannelBinding", asd_set_channel_binding, NULL,
                  OR_AUTHCFG,
                  "Off, On (TLS bindings checked when sent), Require (TLS "
                  "bindings required) or Proxy (TLS ends at a proxy in "
                  "front; default: Off)"),
    AP_INIT_ITERATE("AuthDigestServiceName", asd_add_service_name, NULL,
                    OR_AUTHCFG,
                    "service names a client's channel binding may name "
                    "(default: HTTP/ and the ServerName)"),
/* Other modules' directives that decide which users and keys a section
   has: noted for the scope, then handled by their own modules
   (module/scope.c).  Allowed everywhere here, so that the owning module
   alone decides where each may appear. */
#define SHADOW(name, module)                                                   \
    AP_INIT_RAW_ARGS(name, asd_scope_shadow, NULL,                             \
                     OR_ALL | ACCESS_CONF | RSRC_CONF,                         \
                     "noted for the Digest scope; handled by " module),
    ASD_SHADOWED(SHADOW){NULL},
};
