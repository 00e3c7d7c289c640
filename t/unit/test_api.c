/*
 * test_api.c: the entry points' argument checks and the calls around the
 * exchange: AcquireCredentialsHandle's validation, package info,
 * attributes, lifetimes (contexts that outlive FreeCredentialsHandle,
 * contexts that die with their parent pool), impersonation.
 */
#include "support.h"

#include <string.h>

#define OUT_CAP 16384

static const test_user users[] = {{"alice", "realm", "secret", 0}};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 1;
    test_now = 1700000000;
    return 0;
}

static SECURITY_STATUS acquire_server(SD_DIGEST_SERVER_POLICY *p, CredHandle *h)
{
    return AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND, NULL,
                                    p, test_get_key, NULL, h, NULL);
}

static void acquire_validation(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG md5 = SD_ALG_MD5, sess = SD_ALG_MD5_SESS;
    CredHandle h;
    TimeStamp ts = {0, 0};
    static const unsigned char short_secret[31] = {0};

    (void)state;
    test_policy(&p, &md5, 1, SD_QOP_AUTH);
    assert_status(AcquireCredentialsHandle(NULL, "digest", SECPKG_CRED_INBOUND,
                                           NULL, &p, test_get_key, NULL, &h,
                                           &ts),
                  SEC_E_OK);
    assert_int_equal(ts.HighPart, 0x7FFFFFFF);
    FreeCredentialsHandle(&h);
    assert_status(FreeCredentialsHandle(&h), SEC_E_INVALID_HANDLE);
    assert_status(AcquireCredentialsHandle(NULL, "Kerberos",
                                           SECPKG_CRED_INBOUND, NULL, &p,
                                           test_get_key, NULL, &h, NULL),
                  SEC_E_SECPKG_NOT_FOUND);
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_BOTH,
                                           NULL, &p, test_get_key, NULL, &h,
                                           NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, &p, NULL, NULL, &h, NULL),
                  SEC_E_NO_CREDENTIALS); /* no user store */
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, &p, test_get_key, NULL, NULL,
                                           NULL),
                  SEC_E_INVALID_PARAMETER);
    {
        /* each broken policy on its own */
        SD_DIGEST_SERVER_POLICY bad[8];

        for (int i = 0; i < 8; i++) {
            test_policy(&bad[i], &md5, 1, SD_QOP_AUTH);
        }
        bad[0].Version = 2;
        bad[1].AlgorithmCount = 0;
        bad[2].Algorithms[0] = 99;
        bad[3].NonceLifetime = 0;
        bad[4].NonceSecret = short_secret;
        bad[4].NonceSecretLength = sizeof(short_secret);
        bad[5].QopFlags = 0x10;
        test_policy(&bad[6], &sess, 1, 0); /* -sess without qop */
        bad[7].Opaque = "bad\x01opaque";
        for (int i = 0; i < 8; i++) {
            if (acquire_server(&bad[i], &h) != SEC_E_NO_CREDENTIALS) {
                fail_msg("broken policy %d accepted", i);
            }
        }
        assert_status(acquire_server(NULL, &h), SEC_E_NO_CREDENTIALS);
    }
    {
        SEC_WINNT_AUTH_IDENTITY id = {0};

        id.User = (UCHAR *)(uintptr_t) "alice";
        id.UserLength = 5;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        assert_status(AcquireCredentialsHandle(NULL, "WDigest",
                                               SECPKG_CRED_OUTBOUND, NULL, &id,
                                               NULL, NULL, &h, NULL),
                      SEC_E_NO_CREDENTIALS);
        assert_status(AcquireCredentialsHandle(NULL, "WDigest",
                                               SECPKG_CRED_OUTBOUND, NULL, NULL,
                                               NULL, NULL, &h, NULL),
                      SEC_E_NO_CREDENTIALS); /* no "current user" here */
    }
}

static void package_info(void **state)
{
    PSecPkgInfo info = NULL;

    (void)state;
    assert_status(QuerySecurityPackageInfo("WDigest", &info), SEC_E_OK);
    assert_string_equal(info->Name, "WDigest");
    assert_int_equal(info->wRPCID, RPC_C_AUTHN_DIGEST);
    assert_int_equal(info->cbMaxToken, 12288);
    assert_true(info->fCapabilities & SECPKG_FLAG_MUTUAL_AUTH);
    assert_status(FreeContextBuffer(info), SEC_E_OK);
    assert_status(QuerySecurityPackageInfo("NTLM", &info),
                  SEC_E_SECPKG_NOT_FOUND);
    assert_status(FreeContextBuffer(NULL), SEC_E_OK);
}

static void attributes(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG alg = SD_ALG_SHA256;
    CredHandle srv, cli;
    CtxtHandle sctx, cctx;
    char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP];
    SecPkgContext_Names names;
    SecPkgContext_Lifespan life;
    SecPkgContext_Sizes sizes;
    SecPkgContext_SdDigest digest;
    PVOID token;

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &srv);
    test_client_cred("alice", "secret", &cli);
    asc_call(&srv, NULL, &sctx, 0, "", "GET", NULL, "realm", challenge,
             sizeof(challenge), NULL);
    /* before authentication */
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, &names),
                  SEC_E_NO_CREDENTIALS);
    assert_status(QuerySecurityContextToken(&sctx, &token),
                  SEC_E_NO_IMPERSONATION);
    isc_call(&cli, NULL, &cctx, 0, "/", challenge, "GET", authz, sizeof(authz),
             NULL);
    assert_status(asc_call(&srv, &sctx, &sctx, 0, authz, "GET", NULL, "realm",
                           info, sizeof(info), NULL),
                  SEC_E_OK);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, &names),
                  SEC_E_OK);
    assert_string_equal(names.sUserName, "alice");
    assert_status(QueryContextAttributes(&cctx, SECPKG_ATTR_NAMES, &names),
                  SEC_E_OK);
    assert_string_equal(names.sUserName, "alice");
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_LIFESPAN, &life),
                  SEC_E_OK);
    assert_int_equal(life.tsExpiry.HighPart, 0x7FFFFFFF);
    assert_true(life.tsStart.HighPart > 0);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_SIZES, &sizes),
                  SEC_E_OK);
    assert_int_equal(sizes.cbMaxToken, 12288);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_SD_DIGEST, &digest),
                  SEC_E_OK);
    assert_int_equal(digest.Algorithm, SD_ALG_SHA256);
    assert_int_equal(digest.Qop, SD_QOP_AUTH);
    assert_string_equal(digest.sUserName, "alice");
    assert_status(QueryContextAttributes(&sctx, 12345, &sizes),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, NULL),
                  SEC_E_INVALID_PARAMETER);
    assert_status(QuerySecurityContextToken(&sctx, &token), SEC_E_OK);
    assert_string_equal(token, "alice");
    assert_status(ImpersonateSecurityContext(&sctx),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(RevertSecurityContext(&sctx), SEC_E_UNSUPPORTED_FUNCTION);
    DeleteSecurityContext(&sctx);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, &names),
                  SEC_E_INVALID_HANDLE);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&srv);
    FreeCredentialsHandle(&cli);
}

/* curl's SSPI client frees its credentials right after the first call and
   keeps using the context. */
static void context_outlives_free_credentials(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG alg = SD_ALG_MD5;
    CredHandle srv, cli;
    CtxtHandle sctx, cctx;
    char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP];

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &srv);
    test_client_cred("alice", "secret", &cli);
    asc_call(&srv, NULL, &sctx, 0, "", "GET", NULL, "realm", challenge,
             sizeof(challenge), NULL);
    DeleteSecurityContext(&sctx);
    isc_call(&cli, NULL, &cctx, 0, "/", challenge, "GET", authz, sizeof(authz),
             NULL);
    assert_status(FreeCredentialsHandle(&cli), SEC_E_OK);
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/", "", "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_OK);
    assert_status(asc_call(&srv, NULL, &sctx, 0, authz, "GET", NULL, "realm",
                           info, sizeof(info), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&srv);
}

/* A context made with a parent pool dies with it; its handle is then
   refused, not followed into freed memory (caught by ASan otherwise). */
static void context_dies_with_parent_pool(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG alg = SD_ALG_MD5;
    CredHandle srv;
    CtxtHandle sctx;
    asc_buffers in;
    SD_CALL_PARAMETERS cp = {.Pool = NULL};
    char out[OUT_CAP];
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SecBuffer bufs[7];
    SecBufferDesc desc = {SECBUFFER_VERSION, 7, bufs};
    ULONG attrs;
    apr_pool_t *connection = test_pool();

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &srv);
    asc_buffers_set(&in, "", "GET", NULL, "realm");
    memcpy(bufs, in.b, sizeof(in.b));
    cp.Pool = connection;
    bufs[6].BufferType = SECBUFFER_SD_CALL_PARAMETERS;
    bufs[6].cbBuffer = sizeof(cp);
    bufs[6].pvBuffer = &cp;
    assert_status(AcceptSecurityContext(&srv, NULL, &desc, ASC_REQ_HTTP, 0,
                                        &sctx, &od, &attrs, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_SD_REASON,
                                         &(SecPkgContext_SdReason){NULL}),
                  SEC_E_OK);
    test_pool_destroy(connection);
    assert_status(QueryContextAttributes(&sctx, SECPKG_ATTR_SD_REASON,
                                         &(SecPkgContext_SdReason){NULL}),
                  SEC_E_INVALID_HANDLE);
    assert_status(DeleteSecurityContext(&sctx), SEC_E_INVALID_HANDLE);
    /* a call-parameters buffer of the wrong size is a caller error */
    bufs[6].cbBuffer = 3;
    assert_status(AcceptSecurityContext(&srv, NULL, &desc, ASC_REQ_HTTP, 0,
                                        &sctx, &od, &attrs, NULL),
                  SEC_E_INVALID_PARAMETER);
    FreeCredentialsHandle(&srv);
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(SdStatusName(SEC_E_LOGON_DENIED), "SEC_E_LOGON_DENIED");
    assert_string_equal(SdStatusName(STATUS_LOGON_FAILURE),
                        "STATUS_LOGON_FAILURE");
    assert_string_equal(SdStatusName(0x12345), "unknown");
    /* the SDK's value, not the reference page's 0x80100003 */
    assert_int_equal((uint32_t)SEC_E_INVALID_HANDLE, 0x80090301U);
    assert_int_equal(ASC_REQ_HTTP, ASC_REQ_ALLOW_MISSING_BINDINGS);
    assert_int_equal(sizeof(ULONG), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(acquire_validation, setup),
        cmocka_unit_test_setup(package_info, setup),
        cmocka_unit_test_setup(attributes, setup),
        cmocka_unit_test_setup(context_outlives_free_credentials, setup),
        cmocka_unit_test_setup(context_dies_with_parent_pool, setup),
        cmocka_unit_test_setup(status_names, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
