/*
 * test_failures.c: our own failures, injected at link time
 * (-Wl,--wrap): the FreeContextBuffer allocator running out of memory,
 * OpenSSL's digest or cipher failing, and no random octets, in HTTP and
 * SASL mode.  Each gives its status, writes no output and commits
 * nothing; a cipher that failed halfway closes its direction.
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

int __real_EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out,
                            int *outl, const unsigned char *in, int inl);
int __wrap_EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out,
                            int *outl, const unsigned char *in, int inl);

static bool fail_alloc, fail_digest, fail_cipher;

void *__wrap_sd_ctxbuf_alloc(size_t n)
{
    return fail_alloc ? NULL : __real_sd_ctxbuf_alloc(n);
}

int __wrap_EVP_DigestInit_ex2(EVP_MD_CTX *ctx, const EVP_MD *type,
                              const OSSL_PARAM params[])
{
    return fail_digest ? 0 : __real_EVP_DigestInit_ex2(ctx, type, params);
}

int __wrap_EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out,
                            int *outl, const unsigned char *in, int inl)
{
    return fail_cipher ? 0 : __real_EVP_CipherUpdate(ctx, out, outl, in, inl);
}

static const test_user users[] = {{"alice", "realm", "secret", 0}};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 1;
    fail_alloc = fail_digest = fail_cipher = false;
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

/* SASL mode: the same failures leave the exchange to be repeated. */
static void sasl_failures(void **state)
{
    CredHandle server, client;
    CtxtHandle sctx, cctx, ctx = {0, 0};
    char ch[1024], resp[1024], out[256];
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    sd_test_hooks hooks = {0};

    (void)state;
    test_sasl_server_cred(0, &server);
    test_client_cred("alice", "secret", &client);
    /* no memory for an allocated challenge: no context */
    fail_alloc = true;
    assert_status(AcceptSecurityContext(&server, NULL, NULL,
                                        ASC_REQ_ALLOCATE_MEMORY, 0, &ctx, &od,
                                        &attrs, NULL),
                  SEC_E_INSUFFICIENT_MEMORY);
    assert_int_equal(ctx.dwLower, 0);
    fail_alloc = false;
    assert_status(sasl_asc(&server, NULL, &sctx, ASC_REQ_INTEGRITY, NULL, NULL,
                           ch, sizeof(ch), NULL),
                  SEC_I_CONTINUE_NEEDED);
    /* the client's digest fails, then works */
    fail_digest = true;
    assert_status(sasl_isc(&client, NULL, &cctx, ISC_REQ_INTEGRITY,
                           "ldap/host", ch, NULL, resp, sizeof(resp), NULL),
                  SEC_E_INTERNAL_ERROR);
    fail_digest = false;
    assert_status(sasl_isc(&client, NULL, &cctx, ISC_REQ_INTEGRITY,
                           "ldap/host", ch, NULL, resp, sizeof(resp), NULL),
                  SEC_I_CONTINUE_NEEDED);
    /* the server's digest fails: the same response goes through after */
    fail_digest = true;
    assert_status(sasl_asc(&server, &sctx, &sctx, ASC_REQ_INTEGRITY, resp,
                           NULL, out, sizeof(out), NULL),
                  SEC_E_INTERNAL_ERROR);
    fail_digest = false;
    assert_status(sasl_asc(&server, &sctx, &sctx, ASC_REQ_INTEGRITY, resp,
                           NULL, out, sizeof(out), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    /* no random octets: no nonce, no cnonce */
    hooks.random = no_random;
    sd_cred_set_test_hooks(&server, &hooks);
    sd_cred_set_test_hooks(&client, &hooks);
    ctx.dwLower = 0;
    assert_status(sasl_asc(&server, NULL, &ctx, 0, NULL, NULL, ch, sizeof(ch),
                           NULL),
                  SEC_E_INTERNAL_ERROR);
    assert_int_equal(ctx.dwLower, 0);
    FreeCredentialsHandle(&server);
    test_sasl_server_cred(0, &server);
    assert_status(sasl_asc(&server, NULL, &sctx, 0, NULL, NULL, ch, sizeof(ch),
                           NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(sasl_isc(&client, NULL, &cctx, 0, "ldap/host", ch, NULL,
                           resp, sizeof(resp), NULL),
                  SEC_E_INTERNAL_ERROR);
    DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
}

/* The cipher failing while a message is sealed closes that direction. */
static void cipher_failure(void **state)
{
    sasl_exchange x;
    unsigned char data[8] = "message", rest[24];
    SecBuffer b[2] = {{7, SECBUFFER_DATA, data},
                      {sizeof(rest), SECBUFFER_PADDING, rest}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    static const test_user chris[] = {{"chris", "realm", "secret", 0}};

    (void)state;
    test_users = chris;
    sasl_exchange_run(&x, ASC_REQ_CONFIDENTIALITY, ISC_REQ_CONFIDENTIALITY, 0,
                      "chris", "secret");
    fail_cipher = true;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INTERNAL_ERROR);
    fail_cipher = false;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INTERNAL_ERROR);
    /* the server's sending side is another direction */
    b[0].cbBuffer = 7;
    b[1].cbBuffer = sizeof(rest);
    assert_status(EncryptMessage(&x.sctx, 0, &d, 0), SEC_E_OK);
    sasl_exchange_finish(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(out_of_memory, setup),
        cmocka_unit_test_setup(digest_failure, setup),
        cmocka_unit_test_setup(no_random_octets, setup),
        cmocka_unit_test_setup(sasl_failures, setup),
        cmocka_unit_test_setup(cipher_failure, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
