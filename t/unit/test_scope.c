/*
 * test_scope.c: an authentication result is reused only inside the scope
 * that made it (sspi.h, "Scope" and SD_NONCE_COUNT_STORE):
 *   - CompleteAuthToken on an established context, or completing an
 *     auth-int response, needs the caller's scope of the establishing
 *     call; another scope gets SEC_I_RENEGOTIATE and uses nothing;
 *   - the fast path keeps the establishing call's flags, so a scope
 *     without replay detection cannot lend its context to one with it;
 *   - a nonce is accepted only by the replay store it was minted for;
 *   - and for no longer than the lifetime it was minted with.
 */
#include "support.h"

#include <string.h>

#define OUT_CAP 8192

static const test_user users[] = {{"alice", "realm", "secret", 0}};

typedef struct {
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    char challenge[OUT_CAP], authz[OUT_CAP], out[OUT_CAP];
} exchange;

static void start(exchange *x, ULONG qop, const SD_DIGEST_SERVER_POLICY *pol)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;

    test_users = users;
    test_nusers = 1;
    test_policy(&p, &alg, 1, qop);
    if (pol != NULL) {
        p = *pol;
    }
    test_server_cred(&p, &x->server);
    test_client_cred("alice", "secret", &x->client);
    assert_status(asc_call(&x->server, NULL, &x->sctx, 0, "", "GET", NULL,
                           "realm", x->challenge, sizeof(x->challenge), NULL),
                  SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&x->sctx);
    assert_status(isc_call(&x->client, NULL, &x->cctx,
                           qop == SD_QOP_AUTH_INT ? ISC_REQ_INTEGRITY : 0, "/p",
                           x->challenge, "GET", x->authz, sizeof(x->authz),
                           NULL),
                  SEC_E_OK);
}

static void next_authz(exchange *x)
{
    assert_status(isc_call(&x->client, &x->cctx, &x->cctx, 0, "/p", "", "GET",
                           x->authz, sizeof(x->authz), NULL),
                  SEC_E_OK);
}

static void finish(exchange *x)
{
    DeleteSecurityContext(&x->cctx);
    FreeCredentialsHandle(&x->server);
    FreeCredentialsHandle(&x->client);
}

/* Establishes a new server context for x->authz in `scope`. */
static SECURITY_STATUS establish(exchange *x, ULONG req, const char *scope)
{
    return asc_call_scoped(&x->server, NULL, &x->sctx, req, x->authz, "GET",
                           NULL, "realm", scope, x->out, sizeof(x->out), NULL);
}

/* A context established in scope "a" (say one location's user file)
   verifies a later request of scope "b" only through a full call: the
   refused CompleteAuthToken consumed nothing, so the same count is then
   accepted in "a". */
static void complete_needs_the_same_scope(void **state)
{
    exchange x;

    (void)state;
    start(&x, SD_QOP_AUTH, NULL);
    assert_status(establish(&x, ASC_REQ_REPLAY_DETECT, "a"), SEC_E_OK);
    next_authz(&x);
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", "b"),
                  SEC_I_RENEGOTIATE);
    assert_string_equal(test_reason(&x.sctx),
                        "request is of another scope than the context");
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", NULL),
                  SEC_I_RENEGOTIATE);
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", "ab"),
                  SEC_I_RENEGOTIATE);
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", "a"),
                  SEC_E_OK);
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", "a"),
                  SEC_E_OUT_OF_SEQUENCE);
    DeleteSecurityContext(&x.sctx);
    finish(&x);
}

/* An auth-int response waiting for H(entity-body) is completed only in
   the scope that started it. */
static void completion_needs_the_same_scope(void **state)
{
    exchange x;
    char hex[SD_MAX_KEY_HEX + 1];

    (void)state;
    start(&x, SD_QOP_AUTH_INT, NULL);
    assert_status(establish(&x, ASC_REQ_REPLAY_DETECT, "a"),
                  SEC_I_COMPLETE_NEEDED);
    assert_status(SdHashEntityBody(&x.sctx, "", 0, hex, sizeof(hex)), SEC_E_OK);
    assert_status(cat_call(&x.sctx, x.authz, "GET", hex, "realm", "b"),
                  SEC_I_RENEGOTIATE);
    assert_status(cat_call(&x.sctx, x.authz, "GET", hex, "realm", "a"),
                  SEC_E_OK);
    DeleteSecurityContext(&x.sctx);
    finish(&x);
}

/* A context established without ASC_REQ_REPLAY_DETECT (AuthDigestNcCheck
   Off) cannot verify a request of a scope that wants it: the full call
   records the count, and the captured request replayed on a new context
   is refused. */
static void replay_detection_is_not_lent(void **state)
{
    exchange x;
    char replay[OUT_CAP];

    (void)state;
    start(&x, SD_QOP_AUTH, NULL);
    assert_status(establish(&x, 0, "nc-off"), SEC_E_OK);
    next_authz(&x);
    memcpy(replay, x.authz, sizeof(replay));
    assert_status(cat_call(&x.sctx, x.authz, "GET", NULL, "realm", "nc-on"),
                  SEC_I_RENEGOTIATE);
    DeleteSecurityContext(&x.sctx);
    assert_status(establish(&x, ASC_REQ_REPLAY_DETECT, "nc-on"), SEC_E_OK);
    DeleteSecurityContext(&x.sctx);
    memcpy(x.authz, replay, sizeof(replay));
    assert_status(establish(&x, ASC_REQ_REPLAY_DETECT, "nc-on"),
                  SEC_E_OUT_OF_SEQUENCE);
    DeleteSecurityContext(&x.sctx);
    finish(&x);
}

/* Two servers share the secret and realm but not the replay store (two
   virtual hosts with different AuthDigestShmemSize, say): a nonce minted
   by one is stale at the other, never accepted once at each. */
static void nonce_of_another_store_is_stale(void **state)
{
    exchange x;
    CredHandle other;
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;

    (void)state;
    start(&x, SD_QOP_AUTH, NULL);
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &other); /* its own built-in store */
    assert_status(asc_call(&other, NULL, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", x.out, sizeof(x.out),
                           NULL),
                  SEC_E_CONTEXT_EXPIRED);
    assert_non_null(strstr(x.out, "stale=true"));
    DeleteSecurityContext(&x.sctx);
    assert_status(establish(&x, ASC_REQ_REPLAY_DETECT, NULL), SEC_E_OK);
    DeleteSecurityContext(&x.sctx);
    FreeCredentialsHandle(&other);
    finish(&x);
}

/* Two locations share secret, realm and store but not the lifetime: the
   nonce carries the lifetime it was minted with, so the long-lived one
   does not accept a short-lived nonce past its lifetime (its records
   expire then), and the short-lived one holds its own limit too. */
static void nonce_lifetime_is_its_own(void **state)
{
    static uint64_t mem[8192];
    SD_NONCE_COUNT_STORE store;
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle long_lived;
    exchange x;
    int64_t t0 = test_now;

    (void)state;
    assert_true(SdNonceCountStoreSize(100) <= sizeof(mem));
    assert_status(SdNonceCountStoreInit(mem, sizeof(mem), 0, &store), SEC_E_OK);
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.NonceCountStore = &store;
    p.NonceLifetime = 3600;
    test_server_cred(&p, &long_lived);
    p.NonceLifetime = 60;
    start(&x, SD_QOP_AUTH, &p); /* the challenge comes from the 60 s one */
    test_now = t0 + 61;
    assert_status(asc_call(&long_lived, NULL, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", x.out, sizeof(x.out),
                           NULL),
                  SEC_E_CONTEXT_EXPIRED);
    DeleteSecurityContext(&x.sctx);
    test_now = t0 + 59;
    assert_status(asc_call(&long_lived, NULL, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", x.out, sizeof(x.out),
                           NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&x.sctx);
    test_now = t0;
    FreeCredentialsHandle(&long_lived);
    finish(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(complete_needs_the_same_scope),
        cmocka_unit_test(completion_needs_the_same_scope),
        cmocka_unit_test(replay_detection_is_not_lent),
        cmocka_unit_test(nonce_of_another_store_is_stale),
        cmocka_unit_test(nonce_lifetime_is_its_own),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
