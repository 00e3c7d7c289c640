/*
 * cred.c: acquiring, sharing and freeing credentials.  Everything a caller
 * passes is validated and copied before a handle is issued; the nonce
 * secret itself is not kept, only the keys derived from it.
 */
#include "cred.h"

#include <string.h>

#include <apr_network_io.h>
#include <apr_strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "handle.h"
#include "secret.h"

#define BUILTIN_STORE_NONCES 8192
#define MAX_PASSWORD 1024

static const char nonce_label[] = "sspidigest nonce key v1";
static const char standin_label[] = "sspidigest stand-in key v1";

static apr_status_t cred_pool_cleanup(void *data)
{
    sd_cred *c = data;

    sd_handle_retire(&c->handle);
    return APR_SUCCESS;
}

/* HMAC-SHA-256(secret, label), the key for one use of the secret. */
static sd_mac *derive_key(apr_pool_t *pool, const unsigned char *secret,
                          size_t len, const char *label)
{
    sd_mac *m = sd_mac_create(pool, secret, len);
    unsigned char key[SD_MAC_SIZE];
    sd_mac *derived = NULL;

    if (m != NULL && sd_mac_begin(m) && sd_mac_add(m, label, strlen(label)) &&
        sd_mac_end(m, key)) {
        derived = sd_mac_create(pool, key, sizeof(key));
    }
    sd_wipe(key, sizeof(key));
    return derived;
}

static bool printable_ascii(const char *s, size_t max, size_t *len)
{
    size_t n = strnlen(s, max + 1);

    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7E) {
            return false;
        }
    }
    *len = n;
    return true;
}

static bool secret_ok(const UCHAR *p, ULONG len)
{
    return p == NULL ||
           (len >= SD_NONCE_SECRET_MIN && len <= SD_NONCE_SECRET_MAX);
}

static bool policy_ok(const SD_DIGEST_SERVER_POLICY *p)
{
    if (p == NULL || p->Version != SD_DIGEST_SERVER_POLICY_VERSION ||
        p->AlgorithmCount == 0 || p->AlgorithmCount > SD_MAX_ALGORITHMS ||
        (p->QopFlags & ~(SD_QOP_AUTH | SD_QOP_AUTH_INT)) != 0 ||
        p->NonceLifetime == 0 || p->NonceLifetime > 86400 ||
        (p->Flags & ~SD_POLICY_USERHASH) != 0 ||
        !secret_ok(p->NonceSecret, p->NonceSecretLength) ||
        !secret_ok(p->PreviousNonceSecret, p->PreviousNonceSecretLength) ||
        (p->PreviousNonceSecret != NULL && p->NonceSecret == NULL)) {
        return false;
    }
    for (ULONG i = 0; i < p->AlgorithmCount; i++) {
        const sd_algorithm *alg = sd_algorithm_by_id(p->Algorithms[i]);

        /* RFC 2617 §3.2.2.2: -sess needs a cnonce, sent only with qop. */
        if (alg == NULL || (alg->sess && p->QopFlags == 0)) {
            return false;
        }
        for (ULONG j = 0; j < i; j++) {
            if (p->Algorithms[j] == p->Algorithms[i]) {
                return false;
            }
        }
    }
    if (p->NonceCountStore != NULL && p->NonceCountStore->CheckAndSet == NULL) {
        return false;
    }
    return true;
}

static SECURITY_STATUS builtin_store(sd_cred *c)
{
    size_t size = sd_nc_table_size(BUILTIN_STORE_NONCES);
    void *mem = apr_palloc(c->pool, size);

    return SdNonceCountStoreInit(mem, size, 0, &c->store);
}

/* SASL mode's part of the policy: ciphers and realm (default: the host
   name, as Cyrus SASL's default realm is its server name). */
static SECURITY_STATUS setup_sasl(sd_cred *c, const SD_DIGEST_SERVER_POLICY *p)
{
    char host[APRMAXHOSTLEN + 1];
    const char *realm = p->SaslRealm;
    size_t n;

    if ((p->SaslCiphers & ~SD_SASL_CIPHERS_ALL) != 0) {
        return SEC_E_NO_CREDENTIALS;
    }
    c->sasl_ciphers =
        p->SaslCiphers != 0 ? p->SaslCiphers : SD_SASL_CIPHERS_DEFAULT;
    if (realm == NULL) {
        if (apr_gethostname(host, sizeof(host), c->pool) != APR_SUCCESS) {
            return SEC_E_INTERNAL_ERROR;
        }
        realm = host;
    }
    n = strnlen(realm, SD_MAX_REALM + 1);
    if (n == 0 || n > SD_MAX_REALM || !sd_utf8_printable(realm, n)) {
        return SEC_E_NO_CREDENTIALS;
    }
    c->sasl_realm.p = apr_pstrmemdup(c->pool, realm, n);
    c->sasl_realm.len = n;
    return SEC_E_OK;
}

static SECURITY_STATUS setup_server(sd_cred *c,
                                    const SD_DIGEST_SERVER_POLICY *p)
{
    unsigned char random_secret[SD_NONCE_SECRET_MIN];
    const unsigned char *secret = p->NonceSecret;
    size_t secret_len = p->NonceSecretLength;
    size_t n;
    SECURITY_STATUS st = setup_sasl(c, p);

    if (st != SEC_E_OK) {
        return st;
    }
    for (ULONG i = 0; i < p->AlgorithmCount; i++) {
        c->algs[i] = sd_algorithm_by_id(p->Algorithms[i]);
    }
    c->nalgs = p->AlgorithmCount;
    c->qop = p->QopFlags;
    c->lifetime = p->NonceLifetime;
    c->userhash = (p->Flags & SD_POLICY_USERHASH) != 0;
    if (p->Opaque != NULL) {
        if (!printable_ascii(p->Opaque, SD_MAX_OPAQUE, &n)) {
            return SEC_E_NO_CREDENTIALS;
        }
        c->opaque.p = apr_pstrmemdup(c->pool, p->Opaque, n);
        c->opaque.len = n;
    }
    if (p->Domain != NULL) {
        if (!printable_ascii(p->Domain, SD_MAX_DOMAIN, &n)) {
            return SEC_E_NO_CREDENTIALS;
        }
        c->domain.p = apr_pstrmemdup(c->pool, p->Domain, n);
        c->domain.len = n;
    }
    if (secret == NULL) {
        if (RAND_bytes(random_secret, sizeof(random_secret)) != 1) {
            return SEC_E_INTERNAL_ERROR;
        }
        secret = random_secret;
        secret_len = sizeof(random_secret);
    }
    c->nonce_key = derive_key(c->pool, secret, secret_len, nonce_label);
    c->standin_key = derive_key(c->pool, secret, secret_len, standin_label);
    sd_wipe(random_secret, sizeof(random_secret));
    if (p->PreviousNonceSecret != NULL) {
        c->nonce_key_previous =
            derive_key(c->pool, p->PreviousNonceSecret,
                       p->PreviousNonceSecretLength, nonce_label);
        if (c->nonce_key_previous == NULL) {
            return SEC_E_INTERNAL_ERROR;
        }
    }
    if (c->nonce_key == NULL || c->standin_key == NULL) {
        return SEC_E_INTERNAL_ERROR;
    }
    if (p->NonceCountStore != NULL) {
        c->store = *p->NonceCountStore;
        return SEC_E_OK;
    }
    return builtin_store(c);
}

/* Copies n octets into the pool, NUL-terminated, wiped when the pool
   goes. */
static char *copy_secret(apr_pool_t *pool, const UCHAR *p, size_t n, sd_view *v)
{
    char *copy = apr_pcalloc(pool, n + 1);

    if (n > 0) {
        memcpy(copy, p, n);
    }
    sd_wipe_on_cleanup(pool, copy, n + 1);
    v->p = copy;
    v->len = n;
    return copy;
}

static SECURITY_STATUS setup_client(sd_cred *c,
                                    const SEC_WINNT_AUTH_IDENTITY_A *id)
{
    if (id == NULL || id->Flags != SEC_WINNT_AUTH_IDENTITY_ANSI ||
        id->User == NULL || id->UserLength == 0 ||
        id->UserLength > SD_MAX_USERNAME ||
        (id->Password == NULL && id->PasswordLength > 0) ||
        id->PasswordLength > MAX_PASSWORD ||
        (id->Domain == NULL && id->DomainLength > 0) ||
        id->DomainLength > SD_MAX_REALM ||
        !sd_utf8_printable((const char *)id->User, id->UserLength) ||
        (id->PasswordLength > 0 &&
         memchr(id->Password, '\0', id->PasswordLength) != NULL)) {
        return SEC_E_NO_CREDENTIALS;
    }
    c->user_name = copy_secret(c->pool, id->User, id->UserLength, &c->user);
    copy_secret(c->pool, id->Password, id->PasswordLength, &c->password);
    copy_secret(c->pool, id->Domain, id->DomainLength, &c->realm);
    return SEC_E_OK;
}

SECURITY_STATUS sd_cred_acquire(ULONG use, void *auth_data,
                                SEC_GET_KEY_FN get_key, void *get_key_arg,
                                SecHandle *out)
{
    const SD_DIGEST_SERVER_POLICY *policy = auth_data;
    apr_pool_t *pool;
    sd_cred *c;
    SECURITY_STATUS st;

    if (use == SECPKG_CRED_BOTH) {
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    if (use != SECPKG_CRED_INBOUND && use != SECPKG_CRED_OUTBOUND) {
        return SEC_E_NO_CREDENTIALS;
    }
    if (use == SECPKG_CRED_INBOUND && (!policy_ok(policy) || !get_key)) {
        return SEC_E_NO_CREDENTIALS;
    }
    if (!sd_hash_global_init()) {
        return SEC_E_INTERNAL_ERROR;
    }
    if (apr_pool_create(&pool,
                        use == SECPKG_CRED_INBOUND ? policy->Pool : NULL) !=
        APR_SUCCESS) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    c = apr_pcalloc(pool, sizeof(*c));
    c->pool = pool;
    c->use = use;
    atomic_init(&c->refs, 1);
    apr_pool_cleanup_register(pool, c, cred_pool_cleanup,
                              apr_pool_cleanup_null);
    if (use == SECPKG_CRED_INBOUND) {
        c->get_key = get_key;
        c->get_key_arg = get_key_arg;
        st = setup_server(c, policy);
    }
    else {
        st = setup_client(c, auth_data);
    }
    if (st == SEC_E_OK) {
        st = sd_handle_issue(SD_HANDLE_CREDENTIALS, c, &c->handle);
    }
    if (st != SEC_E_OK) {
        apr_pool_destroy(pool);
        return st;
    }
    *out = c->handle;
    return SEC_E_OK;
}

sd_cred *sd_cred_lookup(const SecHandle *h)
{
    return sd_handle_lookup(h, SD_HANDLE_CREDENTIALS);
}

void sd_cred_hold(sd_cred *c)
{
    atomic_fetch_add(&c->refs, 1);
}

void sd_cred_release(sd_cred *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1) {
        apr_pool_destroy(c->pool);
    }
}

SECURITY_STATUS sd_cred_free(const SecHandle *h)
{
    sd_cred *c = sd_cred_lookup(h);

    if (c == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    sd_handle_retire(&c->handle);
    sd_cred_release(c);
    return SEC_E_OK;
}

uint64_t sd_cred_store_generation(const sd_cred *c)
{
    const SD_NONCE_COUNT_STORE *s = &c->store;

    return s->Generation != NULL ? s->Generation(s->pvStore) : 0;
}

int64_t sd_cred_now(const sd_cred *c)
{
    if (c->hooks.now != NULL) {
        return c->hooks.now(c->hooks.arg);
    }
    return (int64_t)time(NULL);
}

bool sd_cred_random(const sd_cred *c, unsigned char *out, size_t n)
{
    if (c->hooks.random != NULL) {
        return c->hooks.random(c->hooks.arg, out, n);
    }
    return n <= INT32_MAX && RAND_bytes(out, (int)n) == 1;
}

SECURITY_STATUS sd_cred_set_test_hooks(const SecHandle *h,
                                       const sd_test_hooks *hooks)
{
    sd_cred *c = sd_cred_lookup(h);

    if (c == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    c->hooks = *hooks;
    return SEC_E_OK;
}
