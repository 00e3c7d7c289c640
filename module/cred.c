/*
 * module/cred.c: the engine credentials each request uses.  A request's
 * merged configuration exists only for that request, so the credentials are
 * found by the policy they carry (algorithms, qop, lifetime, userhash,
 * domain, the server's secret): a small table per child process, filled on
 * first use under a lock and read without one.  Scope: one process and one
 * configuration generation (the table dies with the child); an entry serves
 * every request whose policy fields and server configuration are those of
 * its key.  The user store is not part of credentials: the key callback asks
 * the request's own providers.
 */
#include "cred.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"

#include "log.h"
#include "nonce.h"
#include "store.h"

APLOG_USE_MODULE(auth_sspidigest);

/* The opaque of every challenge: 16 octets of hex (RFC 7616 §3.3). */
#define ASD_OPAQUE "5d2a0e7f3c914b6e8a1d40f2c7b95e13"

/* Far more than the sections of any configuration: a policy is one
   distinct combination of Digest directives. */
#define MAX_POLICIES 256

typedef struct {
    ULONG algs[SD_MAX_ALGORITHMS];
    ULONG nalgs;
    ULONG qop;
    ULONG lifetime;
    ULONG flags;
    const char *domain;
    const asd_server_conf *server;
} policy_key;

typedef struct {
    policy_key key;
    CredHandle cred;
} entry;

static entry entries[MAX_POLICIES];
static _Atomic(size_t) nentries;
static pthread_mutex_t fill_lock = PTHREAD_MUTEX_INITIALIZER;
static apr_pool_t *cred_pool;

void asd_cred_child_init(apr_pool_t *pchild)
{
    apr_pool_create(&cred_pool, pchild);
    apr_pool_tag(cred_pool, "sspidigest-credentials");
}

static void key_of(request_rec *r, const asd_dir_conf *d, policy_key *k)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->algs, d->algs, sizeof(k->algs));
    k->nalgs = d->nalgs;
    k->qop = d->qop;
    k->lifetime = (ULONG)d->lifetime;
    k->flags = d->userhash == 1 ? SD_POLICY_USERHASH : 0;
    k->domain = d->domain;
    k->server =
        ap_get_module_config(r->server->module_config, &auth_sspidigest_module);
}

static bool same(const policy_key *a, const policy_key *b)
{
    return a->nalgs == b->nalgs &&
           memcmp(a->algs, b->algs, sizeof(a->algs)) == 0 && a->qop == b->qop &&
           a->lifetime == b->lifetime && a->flags == b->flags &&
           a->server == b->server &&
           (a->domain == b->domain ||
            (a->domain && b->domain && strcmp(a->domain, b->domain) == 0));
}

static PCredHandle find(const policy_key *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (same(&entries[i].key, k)) {
            return &entries[i].cred;
        }
    }
    return NULL;
}

static SECURITY_STATUS acquire(request_rec *r, const policy_key *k,
                               CredHandle *out)
{
    SD_DIGEST_SERVER_POLICY p;
    const asd_server_conf *sc = k->server;

    memset(&p, 0, sizeof(p));
    p.Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p.AlgorithmCount = k->nalgs;
    memcpy(p.Algorithms, k->algs, sizeof(p.Algorithms));
    p.QopFlags = k->qop;
    p.NonceLifetime = k->lifetime;
    p.Flags = k->flags;
    p.Domain = k->domain;
    /* Sent and required, as mod_auth_digest does; it carries nothing: the
       same constant on every server of a farm and across secret
       rotations. */
    p.Opaque = ASD_OPAQUE;
    if (sc->secret_len > 0) {
        p.NonceSecret = sc->secret;
        p.NonceSecretLength = sc->secret_len;
        if (sc->previous_len > 0) {
            p.PreviousNonceSecret = sc->previous;
            p.PreviousNonceSecretLength = sc->previous_len;
        }
    }
    else {
        p.NonceSecret = asd_random_secret();
        p.NonceSecretLength = SD_NONCE_SECRET_MIN;
    }
    p.NonceCountStore = asd_nonce_store(sc);
    p.Pool = cred_pool;
    (void)r;
    return AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND, NULL,
                                    &p, asd_get_key, NULL, out, NULL);
}

PCredHandle asd_credentials(request_rec *r, const asd_dir_conf *d)
{
    policy_key k;
    PCredHandle found;
    size_t n;

    key_of(r, d, &k);
    n = atomic_load_explicit(&nentries, memory_order_acquire);
    if ((found = find(&k, n)) != NULL) {
        return found;
    }
    pthread_mutex_lock(&fill_lock);
    n = atomic_load_explicit(&nentries, memory_order_relaxed);
    found = find(&k, n);
    if (found == NULL && n < MAX_POLICIES) {
        SECURITY_STATUS st;
        entry *e = &entries[n];

        e->key = k;
        if (k.domain != NULL) {
            e->key.domain = apr_pstrdup(cred_pool, k.domain);
        }
        st = acquire(r, &k, &e->cred);
        if (st == SEC_E_OK) {
            found = &e->cred;
            atomic_store_explicit(&nentries, n + 1, memory_order_release);
        }
        else {
            ap_log_rerror(
                APLOG_MARK, APLOG_ERR, 0, r,
                SDLOGNO(00201) "cannot make Digest credentials "
                               "for this configuration: %s (is a -sess "
                               "algorithm offered with AuthDigestQop none?)",
                SdStatusName(st));
        }
    }
    else if (found == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00202) "more than %d distinct Digest "
                                     "configurations",
                      MAX_POLICIES);
    }
    pthread_mutex_unlock(&fill_lock);
    return found;
}
