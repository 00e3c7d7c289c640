/*
 * test_failures.c: our own failures, injected at link time
 * (-Wl,--wrap): the FreeContextBuffer allocator running out of memory,
 * OpenSSL's digest failing, and no random octets.  Each gives its status,
 * writes no output and commits nothing.
 */
#include "support.h"

#include <string.h>

#include <openssl/evp.h>

void *__real_sd_ctxbuf_alloc(size_t n);
void *__wrap_sd_ctxbuf_alloc(size_t n);
int __real_EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type,
                              const OSSL_PARAM params[]);
int __wrap_EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type,
                              const OSSL_PARAM params[]);

static bool fail_alloc, fail_digest;

void *__wrap_sd_ctxbuf_alloc(size_t n)
{
    return fail_alloc ? NULL : __real_sd_ctxbuf_alloc(n);
}

int __wrap_EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type,
                              const OSSL_PARAM params[])
{
    return fail_digest ? 0 : __real_EVP_DigestInit_ex2(ctx, type, params);
}

static const test_user users[] = {{"alice", "realm", "secret", 0}};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 1;
    fail_alloc = fail_digest = false;
    return 0;
}

static SECURITY_STATUS accept_allocating(test_exchange *x, CtxtHandle *ctx,
                                         SecBuffer *ob)
{
    asc_buffers in;
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attrs = 0;

    ob->BufferType = SECBUFFER_TOKEN;
    ob->pvBuffer = NULL;
    ob->cbBuffer = 0;
    asc_buffers_set(&in, x->authz, "GET", NULL, "realm");
    return AcceptSecurityContext(&x->server, NULL, &in.desc,
                                 ASC_REQ_HTTP | ASC_REQ_ALLOCATE_MEMORY |
                                     ASC_REQ_REPLAY_DETECT,
                                 0, ctx, &od, &attrs, NULL);
}

static void out_of_memory(void **state)
{
    test_exchange x;
    CtxtHandle ctx = {0, 0};
    SecBuffer ob;
    PSecPkgInfo info = NULL;

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret", "/");
    fail_alloc = true;
    assert_status(accept_allocating(&x, &ctx, &ob), SEC_E_INSUFFICIENT_MEMORY);
    assert_null(ob.pvBuffer);
    assert_int_equal(ob.cbBuffer, 0);
    assert_int_equal(ctx.dwLower, 0); /* no context kept */
    assert_status(QuerySecurityPackageInfo("WDigest", &info),
                  SEC_E_INSUFFICIENT_MEMORY);
    fail_alloc = false;
    /* nothing was committed: the same nonce count is still good */
    assert_status(accept_allocating(&x, &ctx, &ob), SEC_E_OK);
    assert_status(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void digest_failure(void **state)
{
    test_exchange x;
    CtxtHandle ctx = {0, 0};
    char out[8192] = "untouched";

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret", "/");
    fail_digest = true;
    assert_status(asc_call(&x.server, NULL, &ctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", out, sizeof(out),
                           NULL),
                  SEC_E_INTERNAL_ERROR);
    assert_string_equal(out, "");
    fail_digest = false;
    assert_status(asc_call(&x.server, NULL, &ctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", out, sizeof(out),
                           NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static bool no_random(void *arg, unsigned char *out, size_t n)
{
    (void)arg, (void)out, (void)n;
    return false;
}

static void no_random_octets(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG alg = SD_ALG_MD5;
    CredHandle srv;
    CtxtHandle ctx = {0, 0};
    char out[8192];
    sd_test_hooks hooks = {0};

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &srv);
    hooks.random = no_random;
    sd_cred_set_test_hooks(&srv, &hooks);
    assert_status(asc_call(&srv, NULL, &ctx, 0, "", "GET", NULL, "realm", out,
                           sizeof(out), NULL),
                  SEC_E_INTERNAL_ERROR);
    assert_int_equal(ctx.dwLower, 0);
    FreeCredentialsHandle(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(out_of_memory, setup),
        cmocka_unit_test_setup(digest_failure, setup),
        cmocka_unit_test_setup(no_random_octets, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
