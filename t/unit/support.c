/*
 * support.c: shared helpers of the unit tests (see support.h).
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include <apr_general.h>

#include "digest_hash.h"
#include "params.h"

const test_user *test_users;
size_t test_nusers;
bool test_store_down;
unsigned test_key_calls;
int64_t test_now = 1700000000;

static const unsigned char test_secret[32] = "0123456789abcdef0123456789abcdef";

int test_apr_up(void **state)
{
    (void)state;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

int test_apr_down(void **state)
{
    (void)state;
    apr_terminate();
    return 0;
}

apr_pool_t *test_pool(void)
{
    apr_allocator_t *a = NULL;
    apr_pool_t *p = NULL;

    assert_int_equal(apr_allocator_create(&a), APR_SUCCESS);
    apr_allocator_max_free_set(a, 1);
    assert_int_equal(apr_pool_create_ex(&p, NULL, NULL, a), APR_SUCCESS);
    apr_allocator_owner_set(a, p);
    return p;
}

void test_pool_destroy(apr_pool_t *pool)
{
    apr_pool_destroy(pool);
}

static sd_hash_family family_of(ULONG alg)
{
    return sd_algorithm_by_id(alg)->family;
}

static bool realm_is(const test_user *u, const SD_DIGEST_KEY_REQUEST *kr)
{
    return strlen(u->realm) == kr->RealmLength &&
           memcmp(u->realm, kr->Realm, kr->RealmLength) == 0;
}

/* The user a request names: by name, or by H(user:realm). */
static const test_user *find_user(const SD_DIGEST_KEY_REQUEST *kr)
{
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);
    const test_user *found = NULL;

    for (size_t i = 0; i < test_nusers && !found; i++) {
        const test_user *u = &test_users[i];
        sd_view user = {u->user, strlen(u->user)};
        sd_view realm = {u->realm, strlen(u->realm)};
        char hex[SD_MAX_HEX];
        size_t n = 2 * sd_hash_size(family_of(kr->Algorithm));

        if (!realm_is(u, kr)) {
            continue;
        }
        if (kr->UserHash) {
            sd_digest_userhash(h, family_of(kr->Algorithm), user, realm, hex);
            if (kr->UserLength == n && memcmp(hex, kr->User, n) == 0) {
                found = u;
            }
        }
        else if (strlen(u->user) == kr->UserLength &&
                 memcmp(u->user, kr->User, kr->UserLength) == 0) {
            found = u;
        }
    }
    test_pool_destroy(p);
    return found;
}

void SEC_ENTRY test_get_key(PVOID arg, PVOID principal, ULONG version,
                            PVOID *key, SECURITY_STATUS *status)
{
    SD_DIGEST_KEY_REQUEST *kr = principal;
    const test_user *u;
    sd_hash_family f;

    (void)arg;
    (void)key;
    test_key_calls++;
    assert_int_equal(version, SD_DIGEST_KEY_VERSION);
    if (test_store_down) {
        *status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
        return;
    }
    u = find_user(kr);
    if (u == NULL) {
        *status = SEC_E_UNKNOWN_CREDENTIALS;
        return;
    }
    f = family_of(kr->Algorithm);
    if (u->missing_families & (1U << f)) {
        *status = SEC_E_ALGORITHM_MISMATCH;
        return;
    }
    {
        apr_pool_t *p = test_pool();
        sd_hasher *h = sd_hasher_create(p);
        sd_view user = {u->user, strlen(u->user)};
        sd_view realm = {u->realm, strlen(u->realm)};
        sd_view pass = {u->password, strlen(u->password)};

        sd_digest_ha1(h, f, user, realm, pass, kr->Key);
        kr->KeyLength = (ULONG)(2 * sd_hash_size(f));
        memcpy(kr->ResolvedUser, u->user, strlen(u->user));
        kr->ResolvedUserLength = (ULONG)strlen(u->user);
        test_pool_destroy(p);
    }
    *status = SEC_E_OK;
}

static int64_t fixed_now(void *arg)
{
    (void)arg;
    return test_now;
}

void test_policy(SD_DIGEST_SERVER_POLICY *p, const ULONG *algs, size_t n,
                 ULONG qop)
{
    memset(p, 0, sizeof(*p));
    p->Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p->AlgorithmCount = (ULONG)n;
    for (size_t i = 0; i < n; i++) {
        p->Algorithms[i] = algs[i];
    }
    p->QopFlags = qop;
    p->NonceLifetime = 300;
    p->NonceSecret = test_secret;
    p->NonceSecretLength = sizeof(test_secret);
}

void test_server_cred(const SD_DIGEST_SERVER_POLICY *p, CredHandle *h)
{
    sd_test_hooks hooks = {0};

    hooks.now = fixed_now;
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, (PVOID)(uintptr_t)p,
                                           test_get_key, NULL, h, NULL),
                  SEC_E_OK);
    assert_status(sd_cred_set_test_hooks(h, &hooks), SEC_E_OK);
}

void test_client_cred(const char *user, const char *password, CredHandle *h)
{
    SEC_WINNT_AUTH_IDENTITY id = {0};

    id.User = (UCHAR *)(uintptr_t)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (UCHAR *)(uintptr_t)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_status(AcquireCredentialsHandle(NULL, "WDigest",
                                           SECPKG_CRED_OUTBOUND, NULL, &id,
                                           NULL, NULL, h, NULL),
                  SEC_E_OK);
}

static void set_buffer(SecBuffer *b, ULONG type, const char *s)
{
    b->BufferType = type;
    b->pvBuffer = (void *)(uintptr_t)(s ? s : "");
    b->cbBuffer = s ? (ULONG)strlen(s) : 0;
}

void asc_buffers_set(asc_buffers *in, const char *token, const char *method,
                     const char *entity_hex, const char *realm)
{
    set_buffer(&in->b[0], SECBUFFER_TOKEN, token);
    set_buffer(&in->b[1], SECBUFFER_PKG_PARAMS, method);
    set_buffer(&in->b[2], SECBUFFER_PKG_PARAMS, NULL);
    set_buffer(&in->b[3], SECBUFFER_PKG_PARAMS, entity_hex);
    set_buffer(&in->b[4], SECBUFFER_PKG_PARAMS, realm);
    in->b[5].BufferType = SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY;
    in->b[5].pvBuffer = NULL;
    in->b[5].cbBuffer = 0;
    in->desc.ulVersion = SECBUFFER_VERSION;
    in->desc.cBuffers = 6;
    in->desc.pBuffers = in->b;
}

void asc_buffers_scope(asc_buffers *in, const char *scope)
{
    memset(&in->params, 0, sizeof(in->params));
    in->params.pScope = (const UCHAR *)scope;
    in->params.cbScope = (ULONG)strlen(scope);
    in->b[6].BufferType = SECBUFFER_SD_CALL_PARAMETERS;
    in->b[6].pvBuffer = &in->params;
    in->b[6].cbBuffer = sizeof(in->params);
    in->desc.cBuffers = 7;
}

SECURITY_STATUS asc_call(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *token, const char *method,
                         const char *entity_hex, const char *realm, char *out,
                         size_t cap, ULONG *attrs)
{
    return asc_call_scoped(cred, ctx, ctx_out, req, token, method, entity_hex,
                           realm, NULL, out, cap, attrs);
}

SECURITY_STATUS asc_call_scoped(CredHandle *cred, CtxtHandle *ctx,
                                CtxtHandle *ctx_out, ULONG req,
                                const char *token, const char *method,
                                const char *entity_hex, const char *realm,
                                const char *scope, char *out, size_t cap,
                                ULONG *attrs)
{
    asc_buffers in;
    SecBuffer ob = {(ULONG)(cap - 1), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG a = 0;
    SECURITY_STATUS st;

    asc_buffers_set(&in, token, method, entity_hex, realm);
    if (scope != NULL) {
        asc_buffers_scope(&in, scope);
    }
    st = AcceptSecurityContext(cred, ctx, &in.desc, req | ASC_REQ_HTTP, 0,
                               ctx_out, &od, &a, NULL);
    out[ob.cbBuffer <= cap - 1 ? ob.cbBuffer : 0] = '\0';
    if (attrs != NULL) {
        *attrs = a;
    }
    return st;
}

SECURITY_STATUS cat_call(CtxtHandle *ctx, const char *token, const char *method,
                         const char *entity_hex, const char *realm,
                         const char *scope)
{
    asc_buffers in;

    asc_buffers_set(&in, token, method, entity_hex, realm);
    if (scope != NULL) {
        asc_buffers_scope(&in, scope);
    }
    return CompleteAuthToken(ctx, &in.desc);
}

SECURITY_STATUS isc_call(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *uri, const char *token,
                         const char *method, char *out, size_t cap,
                         ULONG *attrs)
{
    SecBuffer ib[2];
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {(ULONG)(cap - 1), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG a = 0;
    SECURITY_STATUS st;

    set_buffer(&ib[0], SECBUFFER_TOKEN, token);
    set_buffer(&ib[1], SECBUFFER_PKG_PARAMS, method);
    st = InitializeSecurityContext(cred, ctx, (SEC_CHAR *)(uintptr_t)uri,
                                   req | ISC_REQ_USE_HTTP_STYLE, 0, 0, &id, 0,
                                   ctx_out, &od, &a, NULL);
    out[ob.cbBuffer <= cap - 1 ? ob.cbBuffer : 0] = '\0';
    if (attrs != NULL) {
        *attrs = a;
    }
    return st;
}

void test_exchange_start(test_exchange *x, ULONG alg, ULONG qop,
                         const char *user, const char *password,
                         const char *uri)
{
    SD_DIGEST_SERVER_POLICY p;

    test_policy(&p, &alg, 1, qop);
    test_server_cred(&p, &x->server);
    test_client_cred(user, password, &x->client);
    assert_status(asc_call(&x->server, NULL, &x->sctx, 0, "", "GET", NULL,
                           "realm", x->challenge, sizeof(x->challenge), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(isc_call(&x->client, NULL, &x->cctx, 0, uri, x->challenge,
                           "GET", x->authz, sizeof(x->authz), NULL),
                  SEC_E_OK);
}

void test_exchange_finish(test_exchange *x)
{
    DeleteSecurityContext(&x->sctx);
    DeleteSecurityContext(&x->cctx);
    FreeCredentialsHandle(&x->server);
    FreeCredentialsHandle(&x->client);
}

const char *test_reason(CtxtHandle *ctx)
{
    SecPkgContext_SdReason r = {0};

    if (QueryContextAttributes(ctx, SECPKG_ATTR_SD_REASON, &r) != SEC_E_OK) {
        return "(no context)";
    }
    return r.sReason;
}

/* ---- SASL mode ---------------------------------------------------------- */

static SECURITY_STATUS sasl_call(bool server, CredHandle *cred, CtxtHandle *ctx,
                                 CtxtHandle *ctx_out, ULONG req,
                                 const char *target, const char *token,
                                 const SD_SASL_PARAMETERS *sp, char *out,
                                 size_t cap, ULONG *attrs)
{
    SecBuffer ib[2];
    SecBufferDesc id = {SECBUFFER_VERSION, 1, ib};
    SecBuffer ob = {(ULONG)(cap - 1), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG a = 0;
    SECURITY_STATUS st;

    set_buffer(&ib[0], SECBUFFER_TOKEN, token);
    if (sp != NULL) {
        ib[1].BufferType = SECBUFFER_SD_SASL_PARAMETERS;
        ib[1].pvBuffer = (void *)(uintptr_t)sp;
        ib[1].cbBuffer = sizeof(*sp);
        id.cBuffers = 2;
    }
    if (server) {
        st = AcceptSecurityContext(cred, ctx, token || sp ? &id : NULL, req, 0,
                                   ctx_out, &od, &a, NULL);
    }
    else {
        st = InitializeSecurityContext(cred, ctx, (SEC_CHAR *)(uintptr_t)target,
                                       req, 0, 0, token || sp ? &id : NULL, 0,
                                       ctx_out, &od, &a, NULL);
    }
    out[ob.cbBuffer <= cap - 1 ? ob.cbBuffer : 0] = '\0';
    if (attrs != NULL) {
        *attrs = a;
    }
    return st;
}

SECURITY_STATUS sasl_asc(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *token,
                         const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                         ULONG *attrs)
{
    return sasl_call(true, cred, ctx, ctx_out, req, NULL, token, sp, out, cap,
                     attrs);
}

SECURITY_STATUS sasl_isc(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *target, const char *token,
                         const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                         ULONG *attrs)
{
    return sasl_call(false, cred, ctx, ctx_out, req, target, token, sp, out,
                     cap, attrs);
}

void test_sasl_server_cred(ULONG ciphers, CredHandle *h)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;

    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.SaslRealm = "realm";
    p.SaslCiphers = ciphers;
    test_server_cred(&p, h);
}

void sasl_exchange_run(sasl_exchange *x, ULONG asc_req, ULONG isc_req,
                       ULONG isc_ciphers, const char *user,
                       const char *password)
{
    SD_SASL_PARAMETERS sp = {0};
    char empty[8];

    sp.Ciphers = isc_ciphers;
    test_sasl_server_cred(SD_SASL_CIPHERS_ALL, &x->server);
    test_client_cred(user, password, &x->client);
    assert_status(sasl_asc(&x->server, NULL, &x->sctx, asc_req, NULL, NULL,
                           x->challenge, sizeof(x->challenge), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(sasl_isc(&x->client, NULL, &x->cctx, isc_req, "ldap/host",
                           x->challenge, &sp, x->response, sizeof(x->response),
                           &x->cattrs),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(sasl_asc(&x->server, &x->sctx, &x->sctx, asc_req, x->response,
                           NULL, x->rspauth, sizeof(x->rspauth), &x->sattrs),
                  SEC_E_OK);
    assert_status(sasl_isc(&x->client, &x->cctx, &x->cctx, isc_req, "ldap/host",
                           x->rspauth, NULL, empty, sizeof(empty), &x->cattrs),
                  SEC_E_OK);
    assert_string_equal(empty, "");
}

void sasl_exchange_finish(sasl_exchange *x)
{
    DeleteSecurityContext(&x->sctx);
    DeleteSecurityContext(&x->cctx);
    FreeCredentialsHandle(&x->server);
    FreeCredentialsHandle(&x->client);
}
