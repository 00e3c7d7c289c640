/*
 * test_accept.c: AcceptSecurityContext and CompleteAuthToken (server side):
 * the RFC examples through the whole entry point (a test nonce source
 * accepts their fixed nonces), and every status it returns.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#define OUT_CAP 16384

static const test_user users[] = {
    {"Mufasa", "testrealm@host.com", "Circle Of Life", 0},
    {"Mufasa", "http-auth@example.org", "Circle of Life", 0},
    {"J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?", 0},
    {"CircleOfLife-2069", "testrealm@host.com", "CircleOfLife", 0},
    {"Mufasa", "testrealm2069", "CircleOfLife", 0},
    {"md5only", "http-auth@example.org", "pw", 1U << 1 | 1U << 2},
};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = sizeof(users) / sizeof(users[0]);
    test_store_down = false;
    test_now = 1700000000;
    return 0;
}

/* ---- a nonce source that accepts the RFC examples' nonces ------------- */

static const char *rfc_nonces[] = {
    "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
};

static bool rfc_mint(void *arg, sd_view realm, int64_t now, char *out,
                     size_t *len)
{
    (void)arg;
    (void)realm;
    (void)now;
    *len = strlen(rfc_nonces[0]);
    memcpy(out, rfc_nonces[0], *len);
    return true;
}

static sd_nonce_status rfc_check(void *arg, sd_view realm, sd_view nonce,
                                 int64_t now, sd_nonce_info *info)
{
    (void)arg;
    (void)realm;
    for (size_t i = 0; i < sizeof(rfc_nonces) / sizeof(rfc_nonces[0]); i++) {
        if (nonce.len == strlen(rfc_nonces[i]) &&
            memcmp(nonce.p, rfc_nonces[i], nonce.len) == 0) {
            memset(info->id, (int)i + 1, sizeof(info->id));
            info->issued = now;
            return SD_NONCE_VALID;
        }
    }
    return SD_NONCE_FORGED;
}

static int64_t hook_now(void *arg)
{
    (void)arg;
    return test_now;
}

static void rfc_server(ULONG alg, ULONG qop, const char *opaque, ULONG flags,
                       CredHandle *h)
{
    SD_DIGEST_SERVER_POLICY p;
    sd_test_hooks hooks = {0};

    test_policy(&p, &alg, 1, qop);
    p.Opaque = opaque;
    p.Flags = flags;
    test_server_cred(&p, h);
    hooks.now = hook_now;
    hooks.mint_nonce = rfc_mint;
    hooks.check_nonce = rfc_check;
    assert_status(sd_cred_set_test_hooks(h, &hooks), SEC_E_OK);
}

static void expect_auth_info(const char *out, const char *rspauth)
{
    char want[128];

    snprintf(want, sizeof(want), "rspauth=\"%s\"", rspauth);
    if (strstr(out, want) == NULL) {
        fail_msg("Authentication-Info %s lacks %s", out, want);
    }
}

/* RFC 2617 §3.5 (H1 of test-vectors.md). */
static void rfc2617_example(void **state)
{
    CredHandle cred;
    CtxtHandle ctx;
    char out[OUT_CAP];
    ULONG attrs;
    const char *token =
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
        "uri=\"/dir/index.html\", qop=auth, nc=00000001, "
        "cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

    (void)state;
    rfc_server(SD_ALG_MD5, SD_QOP_AUTH | SD_QOP_AUTH_INT,
               "5ccc069c403ebaf9f0171e9517f40e41", 0, &cred);
    assert_status(asc_call(&cred, NULL, &ctx, ASC_REQ_REPLAY_DETECT, token,
                           "GET", NULL, "testrealm@host.com", out, sizeof(out),
                           &attrs),
                  SEC_E_OK);
    expect_auth_info(out, "376602cfd2f4e8e5e78b948a85263e85");
    assert_non_null(strstr(out, "nc=00000001"));
    assert_non_null(strstr(out, "cnonce=\"0a4f113b\""));
    assert_true(attrs & ASC_RET_REPLAY_DETECT);
    assert_true(attrs & ASC_RET_MUTUAL_AUTH);
    {
        SecPkgContext_Names names;
        PVOID token_user = NULL;

        assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names),
                      SEC_E_OK);
        assert_string_equal(names.sUserName, "Mufasa");
        assert_status(QuerySecurityContextToken(&ctx, &token_user), SEC_E_OK);
        assert_string_equal(token_user, "Mufasa");
    }
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* RFC 7616 §3.9.1, MD5 and SHA-256 (H6, H7). */
static void rfc7616_examples(void **state)
{
    static const struct {
        ULONG alg;
        const char *algorithm, *response, *rspauth;
    } cases[] = {
        {SD_ALG_MD5, "MD5", "8ca523f5e9506fed4657c9700eebdbec",
         "9b712497bc9f91499fbcca1dfc5f09a5"},
        {SD_ALG_SHA256, "SHA-256",
         "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
         "86d3b25618d41854ca5039a5d7e53ff6355d5134a9b1fb088a78ac3c462195a0"},
    };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        CredHandle cred;
        CtxtHandle ctx;
        char token[1024], out[OUT_CAP];

        rfc_server(cases[i].alg, SD_QOP_AUTH | SD_QOP_AUTH_INT,
                   "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", 0, &cred);
        snprintf(token, sizeof(token),
                 "Digest username=\"Mufasa\", "
                 "realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
                 "algorithm=%s, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/"
                 "xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
                 "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
                 "qop=auth, response=\"%s\", "
                 "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
                 cases[i].algorithm, cases[i].response);
        assert_status(asc_call(&cred, NULL, &ctx, ASC_REQ_REPLAY_DETECT, token,
                               "GET", NULL, "http-auth@example.org", out,
                               sizeof(out), NULL),
                      SEC_E_OK);
        expect_auth_info(out, cases[i].rspauth);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

#define SHA512_FMT                                                             \
    "Digest %s, realm=\"api@example.org\", uri=\"/doe.json\", "                \
    "algorithm=SHA-512-256, "                                                  \
    "nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", "                 \
    "nc=00000001, cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", "   \
    "qop=auth, "                                                               \
    "response=\"3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1"     \
    "cec68a5\", "                                                              \
    "opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", %s"

/* RFC 7616 §3.9.2 with erratum 4897 (H8, H10): userhash, and the same
   response sent with username* instead. */
static void rfc7616_sha512_256_userhash(void **state)
{
    static const char *names[][2] = {
        {"username=\"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed0"
         "6ece9b0b\"",
         "userhash=true"},
        {"username*=UTF-8''J%C3%A4s%C3%B8n%20Doe", "userhash=false"},
    };

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        CredHandle cred;
        CtxtHandle ctx;
        char token[1024], out[OUT_CAP];
        SecPkgContext_Names n;

        rfc_server(SD_ALG_SHA512_256, SD_QOP_AUTH,
                   "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
                   SD_POLICY_USERHASH, &cred);
        snprintf(token, sizeof(token), SHA512_FMT, names[i][0], names[i][1]);
        assert_status(asc_call(&cred, NULL, &ctx, 0, token, "GET", NULL,
                               "api@example.org", out, sizeof(out), NULL),
                      SEC_E_OK);
        expect_auth_info(out, "2a14c644cc564038709393846dc914772273b178abe03"
                              "a2fb02c9684116bbc2d");
        assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &n),
                      SEC_E_OK);
        assert_string_equal(n.sUserName, "J\xc3\xa4s\xc3\xb8n Doe");
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

/* RFC 2069 §2.4 with erratum 749 (H5): no qop, accepted only when the
   policy offers no qop. */
static void rfc2069_example(void **state)
{
    CredHandle cred, strict;
    CtxtHandle ctx;
    char out[OUT_CAP];
    const char *token =
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
        "uri=\"/dir/index.html\", "
        "response=\"1949323746fe6a43ef61f9606e7febea\"";
    static const test_user u2069[] = {
        {"Mufasa", "testrealm@host.com", "CircleOfLife", 0}};

    (void)state;
    test_users = u2069;
    test_nusers = 1;
    rfc_server(SD_ALG_MD5, 0, NULL, 0, &cred);
    assert_status(asc_call(&cred, NULL, &ctx, ASC_REQ_REPLAY_DETECT, token,
                           "GET", NULL, "testrealm@host.com", out, sizeof(out),
                           NULL),
                  SEC_E_OK);
    assert_string_equal(out, ""); /* no rspauth without qop */
    DeleteSecurityContext(&ctx);
    rfc_server(SD_ALG_MD5, SD_QOP_AUTH, NULL, 0, &strict);
    assert_status(asc_call(&strict, NULL, &ctx, 0, token, "GET", NULL,
                           "testrealm@host.com", out, sizeof(out), NULL),
                  SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&ctx), "qop not offered");
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    FreeCredentialsHandle(&strict);
}

/* ---- a real exchange with our own nonces ----------------------------- */

static const test_user realm_users[] = {
    {"alice", "realm", "secret", 0},
    {"bob", "realm", "other", 1U << 2},
};

static int setup_realm(void **state)
{
    (void)state;
    test_users = realm_users;
    test_nusers = 2;
    test_store_down = false;
    test_now = 1700000000;
    return 0;
}

static SECURITY_STATUS accept_authz(test_exchange *x, CtxtHandle *ctx,
                                    ULONG req, const char *authz, char *out)
{
    return asc_call(&x->server, NULL, ctx, req, authz, "GET", NULL, "realm",
                    out, OUT_CAP, NULL);
}

static void challenge_has(const char *challenge, const char *what)
{
    if (strstr(challenge, what) == NULL) {
        fail_msg("challenge %s lacks %s", challenge, what);
    }
}

static void first_call_challenge(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    const ULONG algs[] = {SD_ALG_SHA256, SD_ALG_MD5, SD_ALG_SHA512_256_SESS};
    CredHandle cred;
    CtxtHandle ctx;
    char out[OUT_CAP];
    const char *second, *third;

    (void)state;
    test_policy(&p, algs, 3, SD_QOP_AUTH | SD_QOP_AUTH_INT);
    p.Opaque = "opq";
    p.Domain = "/a /b";
    p.Flags = SD_POLICY_USERHASH;
    test_server_cred(&p, &cred);
    assert_status(asc_call(&cred, NULL, &ctx, 0, "", "GET", NULL, "realm", out,
                           sizeof(out), NULL),
                  SEC_I_CONTINUE_NEEDED);
    /* one challenge per algorithm, in the policy's order, CR LF apart */
    second = strstr(out, "\r\nDigest ");
    assert_non_null(second);
    third = strstr(second + 2, "\r\nDigest ");
    assert_non_null(third);
    assert_null(strstr(third + 2, "\r\n"));
    assert_memory_equal(out, "Digest realm=\"realm\"", 20);
    challenge_has(out, "algorithm=SHA-256,");
    challenge_has(second, "algorithm=MD5,");
    challenge_has(third, "algorithm=SHA-512-256-sess,");
    challenge_has(out, "qop=\"auth,auth-int\"");
    challenge_has(out, "opaque=\"opq\"");
    challenge_has(out, "domain=\"/a /b\"");
    challenge_has(out, "charset=UTF-8");
    challenge_has(out, "userhash=true");
    assert_null(strstr(out, "stale"));
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

static void wrong_password(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "wrong", "/p");
    test_key_calls = 0;
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out), SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&ctx), "wrong password");
    assert_int_equal(test_key_calls, 1);
    challenge_has(out, "Digest realm=\"realm\"");
    assert_null(strstr(out, "stale"));
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

/* Same status, same output shape, same key-callback traffic: only the
   reason (for the log) tells them apart. */
static void unknown_user_like_wrong_password(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "mallory", "secret", "/p");
    test_key_calls = 0;
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out), SEC_E_LOGON_DENIED);
    assert_int_equal(test_key_calls, 1);
    assert_string_equal(test_reason(&ctx), "unknown user");
    challenge_has(out, "Digest realm=\"realm\"");
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

/* A realm we did not offer goes the same way: the key callback is asked
   and the digest computed before the refusal, so it takes the time of a
   wrong password (bench/timing.c measures it, t/timing counts it). */
static void wrong_realm_like_wrong_password(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char token[OUT_CAP], out[OUT_CAP];
    const char *at;

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    at = strstr(x.authz, "realm=\"realm\"");
    assert_non_null(at);
    snprintf(token, sizeof(token), "%.*srealm=\"other\"%s", (int)(at - x.authz),
             x.authz, at + strlen("realm=\"realm\""));
    test_key_calls = 0;
    assert_status(accept_authz(&x, &ctx, 0, token, out), SEC_E_LOGON_DENIED);
    assert_int_equal(test_key_calls, 1);
    assert_string_equal(test_reason(&ctx), "realm not offered");
    challenge_has(out, "Digest realm=\"realm\"");
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void user_without_key_for_algorithm(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA512_256, SD_QOP_AUTH, "bob", "other",
                        "/p");
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out), SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&ctx),
                        "user has no key for this algorithm");
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void success_then_replay(void **state)
{
    test_exchange x;
    CtxtHandle a, b, c;
    char out[OUT_CAP];
    ULONG attrs = 0;

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret",
                        "/p");
    assert_status(asc_call(&x.server, NULL, &a, ASC_REQ_REPLAY_DETECT, x.authz,
                           "GET", NULL, "realm", out, sizeof(out), &attrs),
                  SEC_E_OK);
    assert_true(attrs & ASC_RET_REPLAY_DETECT);
    /* the same nonce count again, on another context */
    assert_status(accept_authz(&x, &b, ASC_REQ_REPLAY_DETECT, x.authz, out),
                  SEC_E_OUT_OF_SEQUENCE);
    assert_string_equal(test_reason(&b), "nonce count used before (replay)");
    challenge_has(out, "Digest realm=\"realm\"");
    assert_null(strstr(out, "stale"));
    /* without replay detection (AuthDigestNcCheck Off) it is accepted */
    assert_status(accept_authz(&x, &c, 0, x.authz, out), SEC_E_OK);
    DeleteSecurityContext(&a);
    DeleteSecurityContext(&b);
    DeleteSecurityContext(&c);
    test_exchange_finish(&x);
}

/* HTTP/2 and parallel connections reorder counts: each is accepted once. */
static void counts_out_of_order(void **state)
{
    test_exchange x;
    char authz[5][OUT_CAP], out[OUT_CAP];
    static const int order[] = {2, 0, 4, 1, 3};

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    memcpy(authz[0], x.authz, sizeof(x.authz));
    for (int i = 1; i < 5; i++) {
        assert_status(isc_call(&x.client, &x.cctx, &x.cctx, 0, "/p", "", "GET",
                               authz[i], sizeof(authz[i]), NULL),
                      SEC_E_OK);
        assert_non_null(
            strstr(authz[i], i == 4 ? "nc=00000005" : "nc=0000000"));
    }
    for (int i = 0; i < 5; i++) {
        CtxtHandle ctx;

        assert_status(
            accept_authz(&x, &ctx, ASC_REQ_REPLAY_DETECT, authz[order[i]], out),
            SEC_E_OK);
        DeleteSecurityContext(&ctx);
    }
    for (int i = 0; i < 5; i++) {
        CtxtHandle ctx;

        assert_status(
            accept_authz(&x, &ctx, ASC_REQ_REPLAY_DETECT, authz[i], out),
            SEC_E_OUT_OF_SEQUENCE);
        DeleteSecurityContext(&ctx);
    }
    test_exchange_finish(&x);
}

static void expired_nonce_is_stale(void **state)
{
    test_exchange x, bad;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret",
                        "/p");
    test_exchange_start(&bad, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "wrong",
                        "/p");
    test_now += 301;
    assert_status(accept_authz(&x, &ctx, ASC_REQ_REPLAY_DETECT, x.authz, out),
                  SEC_E_CONTEXT_EXPIRED);
    assert_string_equal(test_reason(&ctx), "nonce expired");
    challenge_has(out, "stale=true");
    DeleteSecurityContext(&ctx);
    /* stale=true only when the password was right */
    assert_status(accept_authz(&bad, &ctx, 0, bad.authz, out),
                  SEC_E_LOGON_DENIED);
    assert_null(strstr(out, "stale"));
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
    test_exchange_finish(&bad);
}

/* A client following stale=true gets in without new credentials. */
static void client_follows_stale(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP], authz[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret",
                        "/p");
    test_now += 400;
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out),
                  SEC_E_CONTEXT_EXPIRED);
    DeleteSecurityContext(&ctx);
    assert_status(isc_call(&x.client, &x.cctx, &x.cctx, 0, "/p", out, "GET",
                           authz, sizeof(authz), NULL),
                  SEC_E_OK);
    assert_non_null(strstr(authz, "nc=00000001"));
    assert_status(accept_authz(&x, &ctx, ASC_REQ_REPLAY_DETECT, authz, out),
                  SEC_E_OK);
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void nextnonce_near_expiry(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out), SEC_E_OK);
    assert_null(strstr(out, "nextnonce"));
    DeleteSecurityContext(&ctx);
    test_now += 275; /* the last tenth of 300 s */
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out), SEC_E_OK);
    assert_non_null(strstr(out, "nextnonce=\""));
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void forged_and_foreign_nonces(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP], forged[OUT_CAP];
    char *n;

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    memcpy(forged, x.authz, sizeof(forged));
    n = strstr(forged, "nonce=\"") + 7;
    n[5] = n[5] == 'A' ? 'B' : 'A';
    assert_status(accept_authz(&x, &ctx, 0, forged, out), SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&ctx),
                        "nonce not issued here (forged, other realm or key)");
    assert_null(strstr(out, "stale"));
    DeleteSecurityContext(&ctx);
    /* the nonce is bound to the realm it was issued for */
    {
        SD_DIGEST_SERVER_POLICY p;
        ULONG alg = SD_ALG_MD5;
        CredHandle other;
        static const unsigned char other_secret[32] =
            "another secret, 32 octets long!";

        test_policy(&p, &alg, 1, SD_QOP_AUTH);
        p.NonceSecret = other_secret;
        test_server_cred(&p, &other);
        assert_status(asc_call(&other, NULL, &ctx, 0, x.authz, "GET", NULL,
                               "realm", out, sizeof(out), NULL),
                      SEC_E_LOGON_DENIED);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&other);
    }
    test_exchange_finish(&x);
}

/* Nonces minted under the previous secret are accepted after rotation. */
static void secret_rotation(void **state)
{
    static const unsigned char old_secret[32] =
        "0123456789abcdef0123456789abcdef";
    static const unsigned char new_secret[32] =
        "fedcba9876543210fedcba9876543210";
    test_exchange x;
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle rotated;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret",
                        "/p"); /* old_secret */
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.NonceSecret = new_secret;
    p.PreviousNonceSecret = old_secret;
    p.PreviousNonceSecretLength = sizeof(old_secret);
    test_server_cred(&p, &rotated);
    assert_status(asc_call(&rotated, NULL, &ctx, 0, x.authz, "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&rotated);
    test_exchange_finish(&x);
}

static void refused_by_policy(void **state)
{
    static const struct {
        const char *from, *to, *reason;
    } edits[] = {
        {"realm=\"realm\"", "realm=\"other\"", "realm not offered"},
        {"algorithm=MD5", "algorithm=MD5-sess", "algorithm not offered"},
        {"qop=auth", "qop=auth-int", "qop not offered"},
        {"username=\"alice\"",
         "username=\"0123456789abcdef0123456789abcdef\", userhash=true",
         "userhash not offered"},
        {"qop=auth", "qop=auth, opaque=\"x\"", "opaque not offered"},
    };
    test_exchange x;

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char token[OUT_CAP], out[OUT_CAP];
        char *at = strstr(x.authz, edits[i].from);
        CtxtHandle ctx;
        size_t head;

        assert_non_null(at);
        head = (size_t)(at - x.authz);
        snprintf(token, sizeof(token), "%.*s%s%s", (int)head, x.authz,
                 edits[i].to, at + strlen(edits[i].from));
        if (accept_authz(&x, &ctx, 0, token, out) != SEC_E_LOGON_DENIED) {
            fail_msg("%s: %s", token, test_reason(&ctx));
        }
        assert_string_equal(test_reason(&ctx), edits[i].reason);
        challenge_has(out, "Digest realm=");
        DeleteSecurityContext(&ctx);
    }
    test_exchange_finish(&x);
}

static void malformed_tokens(void **state)
{
    static const char *tokens[] = {
        "Digest",
        "Digest username=\"a\"",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Digest username=\"a\", username=\"b\", realm=\"realm\", nonce=\"n\", "
        "uri=\"/\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"0000000000000000000000000000000g\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", algorithm=SHA-1",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", qop=auth, nc=1, "
        "cnonce=\"c\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", qop=auth",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", cnonce=\"c\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", qop=auth, "
        "nc=00000000, cnonce=\"c\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", qop=bogus, "
        "nc=00000001, cnonce=\"c\"",
        "Digest username=\"a\", realm=\"realm, nonce=\"n\"",
        "Digest username*=\"UTF-8''a\", realm=\"realm\", nonce=\"n\", "
        "uri=\"/\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"a\", username*=UTF-8''a, realm=\"realm\", "
        "nonce=\"n\", uri=\"/\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"zz\", userhash=true, realm=\"realm\", nonce=\"n\", "
        "uri=\"/\", response=\"00000000000000000000000000000000\"",
        "Digest username=\"a\\\x01\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\"",
        "Digest realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\"",
        "Digest username=\"a\", realm=\"realm\", nonce=\"n\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\", userhash=maybe",
        "Digest username=\"a\", realm=\"realm\", nonce=\"\", uri=\"/\", "
        "response=\"00000000000000000000000000000000\"",
    };
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle cred;

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &cred);
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        CtxtHandle ctx;
        char out[OUT_CAP] = "untouched";
        SECURITY_STATUS st = asc_call(&cred, NULL, &ctx, 0, tokens[i], "GET",
                                      NULL, "realm", out, sizeof(out), NULL);

        if (st != SEC_E_INVALID_TOKEN) {
            fail_msg("token %zu: %s (%s)", i, SdStatusName(st),
                     test_reason(&ctx));
        }
        assert_string_equal(out, ""); /* no challenge for a 400 */
        DeleteSecurityContext(&ctx);
    }
    FreeCredentialsHandle(&cred);
}

static void token_over_limit(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle cred;
    CtxtHandle ctx;
    char out[OUT_CAP];
    static char token[SD_MAX_TOKEN + 64];

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &cred);
    memset(token, 'a', sizeof(token) - 1);
    memcpy(token, "Digest x=\"", 10);
    token[sizeof(token) - 2] = '"';
    assert_status(asc_call(&cred, NULL, &ctx, 0, token, "GET", NULL, "realm",
                           out, sizeof(out), NULL),
                  SEC_E_INVALID_TOKEN);
    assert_string_equal(test_reason(&ctx), "header or parameter too long");
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

static void established_context_refuses_accept(void **state)
{
    test_exchange x;
    char out[OUT_CAP];

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    assert_status(asc_call(&x.server, &x.sctx, &x.sctx, 0, x.authz, "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  SEC_E_OK);
    assert_status(asc_call(&x.server, &x.sctx, &x.sctx, 0, x.authz, "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  STATUS_LOGON_FAILURE);
    test_exchange_finish(&x);
}

/* CompleteAuthToken on an established context: the next request on the
   same connection, checked with the cached key. */
static void subsequent_requests_on_context(void **state)
{
    test_exchange x;
    asc_buffers in;
    char out[OUT_CAP], next[OUT_CAP];
    SecPkgContext_SdAuthenticationInfo ai;

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256_SESS, SD_QOP_AUTH, "alice", "secret",
                        "/p");
    assert_status(asc_call(&x.server, &x.sctx, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", out, sizeof(out),
                           NULL),
                  SEC_E_OK);
    assert_status(isc_call(&x.client, &x.cctx, &x.cctx, 0, "/p", "", "GET",
                           next, sizeof(next), NULL),
                  SEC_E_OK);
    test_key_calls = 0;
    asc_buffers_set(&in, next, "GET", NULL, "realm");
    assert_status(CompleteAuthToken(&x.sctx, &in.desc), SEC_E_OK);
    assert_int_equal(test_key_calls, 0);
    assert_status(QueryContextAttributes(
                      &x.sctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai),
                  SEC_E_OK);
    assert_non_null(strstr(ai.sAuthInfo, "nc=00000002"));
    /* the replay is caught on the fast path too */
    assert_status(CompleteAuthToken(&x.sctx, &in.desc), SEC_E_OUT_OF_SEQUENCE);
    /* a request of another nonce is not this context's */
    {
        test_exchange y;

        test_exchange_start(&y, SD_ALG_SHA256_SESS, SD_QOP_AUTH, "alice",
                            "secret", "/p");
        asc_buffers_set(&in, y.authz, "GET", NULL, "realm");
        assert_status(CompleteAuthToken(&x.sctx, &in.desc), SEC_I_RENEGOTIATE);
        test_exchange_finish(&y);
    }
    /* a wrong response on the fast path */
    {
        char *r = strstr(next, "response=\"") + 10;

        r[0] = r[0] == '0' ? '1' : '0';
        asc_buffers_set(&in, next, "GET", NULL, "realm");
        assert_status(CompleteAuthToken(&x.sctx, &in.desc), SEC_E_LOGON_DENIED);
    }
    /* an expired nonce on the fast path */
    assert_status(isc_call(&x.client, &x.cctx, &x.cctx, 0, "/p", "", "GET",
                           next, sizeof(next), NULL),
                  SEC_E_OK);
    test_now += 1000;
    asc_buffers_set(&in, next, "GET", NULL, "realm");
    assert_status(CompleteAuthToken(&x.sctx, &in.desc), SEC_E_CONTEXT_EXPIRED);
    test_exchange_finish(&x);
}

static void auth_int_completes(void **state)
{
    test_exchange x;
    SecBuffer ib[3];
    SecBufferDesc id = {SECBUFFER_VERSION, 3, ib};
    SecBuffer ob;
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    char out[OUT_CAP], authz[OUT_CAP], hex[65];
    const char body[] = "hello world\n";
    asc_buffers in;
    ULONG attrs;
    CtxtHandle ctx;

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA512_256, SD_QOP_AUTH_INT, "alice",
                        "secret", "/p");
    /* a client request with a body: buffer 2 as SECBUFFER_DATA */
    ib[0] = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ib[1] = (SecBuffer){4, SECBUFFER_PKG_PARAMS, (void *)(uintptr_t) "POST"};
    ib[2] =
        (SecBuffer){sizeof(body) - 1, SECBUFFER_DATA, (void *)(uintptr_t)body};
    ob = (SecBuffer){sizeof(authz) - 1, SECBUFFER_TOKEN, authz};
    assert_status(InitializeSecurityContext(NULL, &x.cctx, "/p",
                                            ISC_REQ_USE_HTTP_STYLE, 0, 0, &id,
                                            0, &x.cctx, &od, &attrs, NULL),
                  SEC_E_OK);
    authz[ob.cbBuffer] = '\0';
    assert_true(attrs & ISC_RET_INTEGRITY);
    assert_non_null(strstr(authz, "qop=auth-int"));
    /* the server has no body hash yet */
    assert_status(asc_call(&x.server, NULL, &ctx, ASC_REQ_REPLAY_DETECT, authz,
                           "POST", NULL, "realm", out, sizeof(out), NULL),
                  SEC_I_COMPLETE_NEEDED);
    assert_status(
        SdHashEntityBody(&ctx, body, sizeof(body) - 1, hex, sizeof(hex)),
        SEC_E_OK);
    assert_string_equal(hex, "bf73ee1fb7e8bf8fcdd5da06dd547052cd0f929a88f4aea"
                             "d68b218d3bde91134");
    /* a different body is refused */
    asc_buffers_set(&in, authz, "POST",
                    "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01e"
                    "cef0967a",
                    "realm");
    assert_status(CompleteAuthToken(&ctx, &in.desc), SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&ctx);
    assert_status(asc_call(&x.server, NULL, &ctx, ASC_REQ_REPLAY_DETECT, authz,
                           "POST", NULL, "realm", out, sizeof(out), NULL),
                  SEC_I_COMPLETE_NEEDED);
    asc_buffers_set(&in, authz, "POST", hex, "realm");
    assert_status(CompleteAuthToken(&ctx, &in.desc), SEC_E_OK);
    {
        SecPkgContext_SdAuthenticationInfo ai;

        QueryContextAttributes(&ctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai);
        assert_non_null(strstr(ai.sAuthInfo, "qop=auth-int"));
    }
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void user_store_down(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP] = "untouched";

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    test_store_down = true;
    assert_status(accept_authz(&x, &ctx, 0, x.authz, out),
                  SEC_E_NO_AUTHENTICATING_AUTHORITY);
    assert_string_equal(test_reason(&ctx), "user store failed");
    assert_string_equal(out, "");
    test_store_down = false;
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static SECURITY_STATUS SEC_ENTRY store_unreachable(PVOID s, const UCHAR *id,
                                                   ULONG n, int64_t issued,
                                                   int64_t expires, int64_t now,
                                                   ULONG nc, uint64_t gen)
{
    (void)s, (void)id, (void)n, (void)issued, (void)expires, (void)now,
        (void)nc, (void)gen;
    return SEC_E_NO_AUTHENTICATING_AUTHORITY;
}

static SECURITY_STATUS SEC_ENTRY store_evicted(PVOID s, const UCHAR *id,
                                               ULONG n, int64_t issued,
                                               int64_t expires, int64_t now,
                                               ULONG nc, uint64_t gen)
{
    (void)s, (void)id, (void)n, (void)issued, (void)expires, (void)now,
        (void)nc, (void)gen;
    return SEC_E_CONTEXT_EXPIRED;
}

/* One login as alice through a server whose replay store is `store`:
   the status of the final AcceptSecurityContext, its output, and whether
   the context ended established. */
static SECURITY_STATUS login_with_store(const SD_NONCE_COUNT_STORE *store,
                                        const char *password, char *out,
                                        size_t out_len, bool *established)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    char challenge[OUT_CAP], authz[OUT_CAP];
    SECURITY_STATUS st;

    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.NonceCountStore = store;
    test_server_cred(&p, &server);
    test_client_cred("alice", password, &client);
    asc_call(&server, NULL, &sctx, 0, "", "GET", NULL, "realm", challenge,
             sizeof(challenge), NULL);
    isc_call(&client, NULL, &cctx, 0, "/p", challenge, "GET", authz,
             sizeof(authz), NULL);
    st = asc_call(&server, &sctx, &sctx, ASC_REQ_REPLAY_DETECT, authz, "GET",
                  NULL, "realm", out, out_len, NULL);
    *established = QuerySecurityContextToken(&sctx, &(PVOID){NULL}) !=
                   SEC_E_NO_IMPERSONATION;
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
    return st;
}

static void replay_store_failures(void **state)
{
    SD_NONCE_COUNT_STORE down = {NULL, store_unreachable, NULL, NULL, NULL};
    SD_NONCE_COUNT_STORE evicted = {NULL, store_evicted, NULL, NULL, NULL};
    const SD_NONCE_COUNT_STORE *stores[] = {&down, &evicted};
    const SECURITY_STATUS want[] = {SEC_E_NO_AUTHENTICATING_AUTHORITY,
                                    SEC_E_CONTEXT_EXPIRED};

    (void)state;
    for (int i = 0; i < 2; i++) {
        char out[OUT_CAP];
        bool established;

        assert_status(login_with_store(stores[i], "secret", out, sizeof(out),
                                       &established),
                      want[i]);
        if (i == 1) {
            challenge_has(out, "stale=true");
        }
        assert_false(established); /* nothing was accepted */
    }
}

/* A store that logs its calls and keeps its records in the built-in
   table. */
typedef struct {
    SD_NONCE_COUNT_STORE inner;
    char calls[8]; /* 'p' prefetch, 'c' check-and-set, in order */
    int ncalls;
    UCHAR prefetched[SD_NONCE_ID_LEN], checked[SD_NONCE_ID_LEN];
} logging_store;

static void log_call(logging_store *ls, char what, UCHAR *keep, const UCHAR *id,
                     ULONG n)
{
    assert_int_equal(n, SD_NONCE_ID_LEN);
    memcpy(keep, id, n);
    if (ls->ncalls < (int)sizeof(ls->calls) - 1) {
        ls->calls[ls->ncalls++] = what;
    }
}

static SECURITY_STATUS SEC_ENTRY logging_check(PVOID s, const UCHAR *id,
                                               ULONG n, int64_t issued,
                                               int64_t expires, int64_t now,
                                               ULONG nc, uint64_t generation)
{
    logging_store *ls = s;

    log_call(ls, 'c', ls->checked, id, n);
    return ls->inner.CheckAndSet(ls->inner.pvStore, id, n, issued, expires, now,
                                 nc, generation);
}

static uint64_t SEC_ENTRY logging_generation(PVOID s)
{
    logging_store *ls = s;

    return ls->inner.Generation(ls->inner.pvStore);
}

static void SEC_ENTRY logging_prefetch(PVOID s, const UCHAR *id, ULONG n)
{
    logging_store *ls = s;

    log_call(ls, 'p', ls->prefetched, id, n);
    ls->inner.Prefetch(ls->inner.pvStore, id, n);
}

/* The store hears of the nonce before the digests are checked, and of the
   same nonce when the count is recorded; a wrong response records
   nothing. */
static void replay_store_prefetch(void **state)
{
    static uint64_t mem[4096];
    logging_store ls = {{NULL, NULL, NULL, NULL, NULL}, "", 0, {0}, {0}};
    SD_NONCE_COUNT_STORE store = {&ls, logging_check, logging_prefetch,
                                  logging_generation, NULL};
    const char *passwords[] = {"wrong", "secret"};
    const char *want_calls[] = {"p", "pc"};

    (void)state;
    assert_true(SdNonceCountStoreSize(10) <= sizeof(mem));
    assert_status(SdNonceCountStoreInit(mem, sizeof(mem), 0, &ls.inner),
                  SEC_E_OK);
    assert_non_null(ls.inner.Prefetch);
    for (int i = 0; i < 2; i++) {
        char out[OUT_CAP];
        bool established;

        ls.ncalls = 0;
        memset(ls.calls, 0, sizeof(ls.calls));
        assert_status(login_with_store(&store, passwords[i], out, sizeof(out),
                                       &established),
                      i == 0 ? SEC_E_LOGON_DENIED : SEC_E_OK);
        assert_int_equal(established, i == 1);
        assert_string_equal(ls.calls, want_calls[i]);
        if (i == 1) {
            assert_memory_equal(ls.prefetched, ls.checked, SD_NONCE_ID_LEN);
        }
    }
}

/* A short caller buffer: SEC_E_BUFFER_TOO_SMALL, the buffer untouched,
   and nothing committed (the nonce count can still be used). */
static void output_buffer_too_small(void **state)
{
    test_exchange x;
    CtxtHandle ctx;
    char out[OUT_CAP];
    char small[8] = "1234567";

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    assert_status(asc_call(&x.server, &x.sctx, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", small, sizeof(small),
                           NULL),
                  SEC_E_BUFFER_TOO_SMALL);
    assert_string_equal(small, "");
    assert_status(QuerySecurityContextToken(&x.sctx, &(PVOID){NULL}),
                  SEC_E_NO_IMPERSONATION);
    assert_status(asc_call(&x.server, &x.sctx, &x.sctx, ASC_REQ_REPLAY_DETECT,
                           x.authz, "GET", NULL, "realm", out, sizeof(out),
                           NULL),
                  SEC_E_OK);
    /* a new context is not kept after SEC_E_BUFFER_TOO_SMALL */
    ctx.dwLower = ctx.dwUpper = 0;
    assert_status(asc_call(&x.server, NULL, &ctx, 0, "", "GET", NULL, "realm",
                           small, sizeof(small), NULL),
                  SEC_E_BUFFER_TOO_SMALL);
    assert_int_equal(ctx.dwLower, 0);
    test_exchange_finish(&x);
}

static void allocate_memory(void **state)
{
    test_exchange x;
    asc_buffers in;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle ctx;
    ULONG attrs = 0;

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    asc_buffers_set(&in, x.authz, "GET", NULL, "realm");
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc,
                                        ASC_REQ_HTTP | ASC_REQ_ALLOCATE_MEMORY,
                                        0, &ctx, &od, &attrs, NULL),
                  SEC_E_OK);
    assert_true(attrs & ASC_RET_ALLOCATED_MEMORY);
    assert_non_null(ob.pvBuffer);
    assert_true(ob.cbBuffer > 0);
    assert_memory_equal(ob.pvBuffer, "rspauth=\"", 9);
    assert_status(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    {
        /* a pointer we own but the engine did not hand out */
        uint64_t mine[8] = {0};

        assert_status(FreeContextBuffer(&mine[4]), SEC_E_INVALID_HANDLE);
    }
    DeleteSecurityContext(&ctx);
    test_exchange_finish(&x);
}

static void bad_handles_and_flags(void **state)
{
    test_exchange x;
    CtxtHandle ctx, gone, forged = {12345, 678};
    char out[OUT_CAP];
    asc_buffers in;
    ULONG attrs;
    SecBuffer ob = {sizeof(out) - 1, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};

    (void)state;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret", "/p");
    asc_buffers_set(&in, "", "GET", NULL, "realm");
    /* handles */
    assert_status(asc_call(&x.server, &forged, &ctx, 0, "", "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  SEC_E_INVALID_HANDLE);
    asc_call(&x.server, NULL, &gone, 0, "", "GET", NULL, "realm", out,
             sizeof(out), NULL);
    DeleteSecurityContext(&gone);
    assert_status(asc_call(&x.server, &gone, &gone, 0, "", "GET", NULL, "realm",
                           out, sizeof(out), NULL),
                  SEC_E_INVALID_HANDLE);
    assert_status(asc_call(&x.server, &x.server, &ctx, 0, "", "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  SEC_E_INVALID_HANDLE); /* credentials as a context */
    assert_status(asc_call(&x.server, &x.cctx, &ctx, 0, "", "GET", NULL,
                           "realm", out, sizeof(out), NULL),
                  SEC_E_INVALID_HANDLE); /* a client context */
    assert_status(asc_call(&forged, NULL, &ctx, 0, "", "GET", NULL, "realm",
                           out, sizeof(out), NULL),
                  SEC_E_INVALID_HANDLE);
    assert_status(CompleteAuthToken(&x.server, &in.desc),
                  SEC_E_INVALID_HANDLE); /* curl's digest_sspi mistake */
    assert_status(DeleteSecurityContext(&gone), SEC_E_INVALID_HANDLE);
    /* credentials */
    assert_status(AcceptSecurityContext(NULL, NULL, &in.desc, ASC_REQ_HTTP, 0,
                                        &ctx, &od, &attrs, NULL),
                  SEC_E_NO_CREDENTIALS);
    assert_status(asc_call(&x.client, NULL, &ctx, 0, "", "GET", NULL, "realm",
                           out, sizeof(out), NULL),
                  SEC_E_NO_CREDENTIALS);
    {
        test_exchange y;

        test_exchange_start(&y, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret",
                            "/p");
        assert_status(asc_call(&y.server, &x.sctx, &ctx, 0, "", "GET", NULL,
                               "realm", out, sizeof(out), NULL),
                      SEC_E_WRONG_CREDENTIAL_HANDLE);
        test_exchange_finish(&y);
    }
    /* flags */
    {
        static const ULONG bad[] = {
            ASC_REQ_DELEGATE, ASC_REQ_CONFIDENTIALITY, ASC_REQ_PROXY_BINDINGS,
            ASC_REQ_USE_DCE_STYLE, ASC_REQ_DATAGRAM | ASC_REQ_CONNECTION};

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            assert_status(asc_call(&x.server, NULL, &ctx, bad[i], "", "GET",
                                   NULL, "realm", out, sizeof(out), NULL),
                          SEC_E_SECURITY_QOS_FAILED);
        }
    }
    /* SASL mode reads buffer 0 and SD_SASL_PARAMETERS only: HTTP's buffers
       are refused (test_sasl_server.c has the rest) */
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc, 0, 0, &ctx,
                                        &od, &attrs, NULL),
                  SEC_E_INVALID_PARAMETER);
    /* descriptors */
    in.b[4].cbBuffer = 0; /* no realm */
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc, ASC_REQ_HTTP,
                                        0, &ctx, &od, &attrs, NULL),
                  SEC_E_INVALID_PARAMETER);
    asc_buffers_set(&in, "", "GET", NULL, "realm");
    in.desc.cBuffers = 4;
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc, ASC_REQ_HTTP,
                                        0, &ctx, &od, &attrs, NULL),
                  SEC_E_INVALID_PARAMETER);
    asc_buffers_set(&in, "", "GET", NULL, "realm");
    in.b[1].BufferType = SECBUFFER_DATA;
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc, ASC_REQ_HTTP,
                                        0, &ctx, &od, &attrs, NULL),
                  SEC_E_INVALID_PARAMETER);
    asc_buffers_set(&in, "", "GET", NULL, "realm");
    assert_status(AcceptSecurityContext(&x.server, NULL, &in.desc, ASC_REQ_HTTP,
                                        0, &ctx, &od, NULL, NULL),
                  SEC_E_INVALID_PARAMETER);
    test_exchange_finish(&x);
}

/* libsodium-style property: no single-byte change to a valid response's
   values, other than a change of case where case does not matter, is
   accepted. */
static void every_mutation_refused(void **state)
{
    test_exchange x;
    char out[OUT_CAP];
    size_t len;
    unsigned accepted = 0, tried = 0;

    (void)state;
    test_exchange_start(&x, SD_ALG_SHA256, SD_QOP_AUTH, "alice", "secret",
                        "/p");
    len = strlen(x.authz);
    for (size_t i = strlen("Digest "); i < len; i++) {
        static const char replacements[] = "0aZ\"\\,= ~";

        for (const char *r = replacements; *r; r++) {
            char token[OUT_CAP];
            CtxtHandle ctx;
            char c = x.authz[i];

            if (*r == c || (*r | 0x20) == (c | 0x20)) {
                continue;
            }
            memcpy(token, x.authz, len + 1);
            token[i] = *r;
            tried++;
            if (asc_call(&x.server, NULL, &ctx, 0, token, "GET", NULL, "realm",
                         out, sizeof(out), NULL) == SEC_E_OK) {
                /* whitespace after a comma and before a name is free */
                if (!(c == ' ' && *r == ',')) {
                    print_message("accepted: %s\n", token);
                    accepted++;
                }
            }
            DeleteSecurityContext(&ctx);
        }
    }
    assert_true(tried > 1000);
    assert_int_equal(accepted, 0);
    test_exchange_finish(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(rfc2617_example, setup),
        cmocka_unit_test_setup(rfc7616_examples, setup),
        cmocka_unit_test_setup(rfc7616_sha512_256_userhash, setup),
        cmocka_unit_test_setup(rfc2069_example, setup),
        cmocka_unit_test_setup(first_call_challenge, setup_realm),
        cmocka_unit_test_setup(wrong_password, setup_realm),
        cmocka_unit_test_setup(unknown_user_like_wrong_password, setup_realm),
        cmocka_unit_test_setup(wrong_realm_like_wrong_password, setup_realm),
        cmocka_unit_test_setup(user_without_key_for_algorithm, setup_realm),
        cmocka_unit_test_setup(success_then_replay, setup_realm),
        cmocka_unit_test_setup(counts_out_of_order, setup_realm),
        cmocka_unit_test_setup(expired_nonce_is_stale, setup_realm),
        cmocka_unit_test_setup(client_follows_stale, setup_realm),
        cmocka_unit_test_setup(nextnonce_near_expiry, setup_realm),
        cmocka_unit_test_setup(forged_and_foreign_nonces, setup_realm),
        cmocka_unit_test_setup(secret_rotation, setup_realm),
        cmocka_unit_test_setup(refused_by_policy, setup_realm),
        cmocka_unit_test_setup(malformed_tokens, setup_realm),
        cmocka_unit_test_setup(token_over_limit, setup_realm),
        cmocka_unit_test_setup(established_context_refuses_accept, setup_realm),
        cmocka_unit_test_setup(subsequent_requests_on_context, setup_realm),
        cmocka_unit_test_setup(auth_int_completes, setup_realm),
        cmocka_unit_test_setup(user_store_down, setup_realm),
        cmocka_unit_test_setup(replay_store_failures, setup_realm),
        cmocka_unit_test_setup(replay_store_prefetch, setup_realm),
        cmocka_unit_test_setup(output_buffer_too_small, setup_realm),
        cmocka_unit_test_setup(allocate_memory, setup_realm),
        cmocka_unit_test_setup(bad_handles_and_flags, setup_realm),
        cmocka_unit_test_setup(every_mutation_refused, setup_realm),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
