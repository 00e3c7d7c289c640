/*
 * test_initialize.c: InitializeSecurityContext (client side) against
 * AcceptSecurityContext: round trips for every algorithm and qop with
 * rspauth checked, challenge choice, userhash and username*, nextnonce,
 * and the client's own failures.
 */
#include "support.h"

#include "digest_hash.h"

#include <stdio.h>
#include <string.h>

#define OUT_CAP 16384

static const test_user users[] = {
    {"alice", "realm", "secret", 0},
    {"J\xc3\xa4s\xc3\xb8n Doe", "realm", "Secret, or not?", 0},
};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 2;
    test_store_down = false;
    test_now = 1700000000;
    return 0;
}

static void server(ULONG alg, ULONG qop, ULONG flags, CredHandle *h)
{
    SD_DIGEST_SERVER_POLICY p;

    test_policy(&p, &alg, 1, qop);
    p.Flags = flags;
    p.Opaque = "opaque-value";
    test_server_cred(&p, h);
}

static SECURITY_STATUS challenge_of(CredHandle *cred, char *out)
{
    CtxtHandle ctx;
    SECURITY_STATUS st = asc_call(cred, NULL, &ctx, 0, "", "GET", NULL, "realm",
                                  out, OUT_CAP, NULL);

    DeleteSecurityContext(&ctx);
    return st;
}

/* alice/secret, for challenges of `realm` only (the identity's Domain). */
static void client_for_realm(const char *realm, CredHandle *h)
{
    SEC_WINNT_AUTH_IDENTITY id = {0};

    id.User = (UCHAR *)(uintptr_t) "alice";
    id.UserLength = 5;
    id.Password = (UCHAR *)(uintptr_t) "secret";
    id.PasswordLength = 6;
    id.Domain = (UCHAR *)(uintptr_t)realm;
    id.DomainLength = (ULONG)strlen(realm);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_status(AcquireCredentialsHandle(NULL, "Digest", SECPKG_CRED_OUTBOUND,
                                           NULL, &id, NULL, NULL, h, NULL),
                  SEC_E_OK);
}

/* One request: the client answers (or continues), the server accepts,
   the client checks rspauth. */
static void one_round(CredHandle *srv, CtxtHandle *cctx, const char *token,
                      ULONG qop)
{
    char authz[OUT_CAP], info[OUT_CAP], none[16];
    CtxtHandle sctx;
    ULONG attrs = 0;

    assert_status(isc_call(NULL, cctx, cctx, ISC_REQ_MUTUAL_AUTH, "/doc", token,
                           "GET", authz, sizeof(authz), &attrs),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(asc_call(srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                           "GET", qop == SD_QOP_AUTH_INT ? NULL : NULL, "realm",
                           info, sizeof(info), NULL),
                  qop == SD_QOP_AUTH_INT ? SEC_I_COMPLETE_NEEDED : SEC_E_OK);
    if (qop == SD_QOP_AUTH_INT) {
        char hex[65];
        asc_buffers in;
        SecPkgContext_SdAuthenticationInfo ai;

        assert_status(SdHashEntityBody(&sctx, "", 0, hex, sizeof(hex)),
                      SEC_E_OK);
        asc_buffers_set(&in, authz, "GET", hex, "realm");
        assert_status(CompleteAuthToken(&sctx, &in.desc), SEC_E_OK);
        QueryContextAttributes(&sctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai);
        memcpy(info, ai.sAuthInfo, ai.cbAuthInfo);
        info[ai.cbAuthInfo] = '\0';
    }
    DeleteSecurityContext(&sctx);
    if (qop != 0) {
        assert_non_null(strstr(info, "rspauth="));
        assert_status(isc_call(NULL, cctx, cctx, ISC_REQ_MUTUAL_AUTH, "/doc",
                               info, "GET", none, sizeof(none), &attrs),
                      SEC_E_OK);
        assert_true(attrs & ISC_RET_MUTUAL_AUTH);
        assert_int_equal(none[0], '\0'); /* no output for Authentication-Info */
    }
}

/* Every algorithm x qop: two requests on one nonce, rspauth checked. */
static void round_trips(void **state)
{
    static const ULONG algs[] = {SD_ALG_MD5,        SD_ALG_MD5_SESS,
                                 SD_ALG_SHA256,     SD_ALG_SHA256_SESS,
                                 SD_ALG_SHA512_256, SD_ALG_SHA512_256_SESS};
    static const ULONG qops[] = {SD_QOP_AUTH, SD_QOP_AUTH_INT, 0};

    (void)state;
    for (size_t a = 0; a < 6; a++) {
        for (size_t q = 0; q < 3; q++) {
            CredHandle srv, cli;
            CtxtHandle cctx;
            char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP];

            if (qops[q] == 0 && sd_algorithm_by_id(algs[a])->sess) {
                continue; /* -sess needs qop: refused by the policy check */
            }
            server(algs[a], qops[q], 0, &srv);
            test_client_cred("alice", "secret", &cli);
            assert_status(challenge_of(&srv, challenge), SEC_I_CONTINUE_NEEDED);
            assert_status(isc_call(&cli, NULL, &cctx, ISC_REQ_MUTUAL_AUTH,
                                   "/doc", challenge, "GET", authz,
                                   sizeof(authz), NULL),
                          SEC_I_CONTINUE_NEEDED);
            /* feed the same Authorization to the server via one_round's
               second request instead: start over with an empty token */
            {
                CtxtHandle sctx;

                SECURITY_STATUS st =
                    asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                             "GET", NULL, "realm", info, sizeof(info), NULL);

                if (st != (qops[q] == SD_QOP_AUTH_INT ? SEC_I_COMPLETE_NEEDED
                                                      : SEC_E_OK)) {
                    fail_msg("%s: %s (%s)", authz, SdStatusName(st),
                             test_reason(&sctx));
                }
                DeleteSecurityContext(&sctx);
            }
            one_round(&srv, &cctx, "", qops[q]);
            one_round(&srv, &cctx, "", qops[q]);
            DeleteSecurityContext(&cctx);
            FreeCredentialsHandle(&srv);
            FreeCredentialsHandle(&cli);
        }
    }
}

/* The client takes the strongest hash, the plain form before -sess. */
static void picks_strongest(void **state)
{
    static const struct {
        const char *challenges;
        const char *want;
    } cases[] = {
        {"Digest realm=\"r\", nonce=\"n\", algorithm=MD5, qop=\"auth\", "
         "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\"",
         "algorithm=SHA-256,"},
        {"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256-sess, qop=auth\r\n"
         "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, qop=auth\r\n"
         "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256, qop=auth",
         "algorithm=SHA-512-256,"},
        {"Basic realm=\"r\", Digest realm=\"r\", nonce=\"n\"",
         "algorithm=MD5,"},
        {"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1, "
         "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=auth",
         "algorithm=MD5-sess,"},
        {"Newauth realm=\"apps\", type=1, title=\"Login\", "
         "Digest realm=\"r\", nonce=\"n\", qop=\"auth, auth-int\"",
         "qop=auth,"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CredHandle cli;
        CtxtHandle cctx;
        char authz[OUT_CAP];

        test_client_cred("alice", "secret", &cli);
        assert_status(isc_call(&cli, NULL, &cctx, 0, "/", cases[i].challenges,
                               "GET", authz, sizeof(authz), NULL),
                      SEC_E_OK);
        if (strstr(authz, cases[i].want) == NULL) {
            fail_msg("case %zu: %s lacks %s", i, authz, cases[i].want);
        }
        DeleteSecurityContext(&cctx);
        FreeCredentialsHandle(&cli);
    }
}

static void userhash_and_username_star(void **state)
{
    static const ULONG flags[] = {SD_POLICY_USERHASH, 0};

    (void)state;
    for (int i = 0; i < 2; i++) {
        CredHandle srv, cli;
        CtxtHandle cctx, sctx;
        char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP];
        SecPkgContext_Names n;

        server(SD_ALG_SHA512_256, SD_QOP_AUTH, flags[i], &srv);
        test_client_cred("J\xc3\xa4s\xc3\xb8n Doe", "Secret, or not?", &cli);
        challenge_of(&srv, challenge);
        assert_status(isc_call(&cli, NULL, &cctx, 0, "/doe.json", challenge,
                               "GET", authz, sizeof(authz), NULL),
                      SEC_E_OK);
        if (i == 0) {
            assert_non_null(strstr(authz, "userhash=true"));
            assert_null(strstr(authz, "J\xc3\xa4s"));
        }
        else {
            assert_non_null(
                strstr(authz, "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"));
        }
        assert_status(asc_call(&srv, NULL, &sctx, 0, authz, "GET", NULL,
                               "realm", info, sizeof(info), NULL),
                      SEC_E_OK);
        QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, &n);
        assert_string_equal(n.sUserName, "J\xc3\xa4s\xc3\xb8n Doe");
        DeleteSecurityContext(&sctx);
        DeleteSecurityContext(&cctx);
        FreeCredentialsHandle(&srv);
        FreeCredentialsHandle(&cli);
    }
}

/* nextnonce replaces the nonce and restarts the count. */
static void follows_nextnonce(void **state)
{
    CredHandle srv, cli;
    CtxtHandle cctx, sctx;
    char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP], none[8];
    char old_nonce[64];

    (void)state;
    server(SD_ALG_SHA256, SD_QOP_AUTH, 0, &srv);
    test_client_cred("alice", "secret", &cli);
    challenge_of(&srv, challenge);
    isc_call(&cli, NULL, &cctx, 0, "/", challenge, "GET", authz, sizeof(authz),
             NULL);
    memcpy(old_nonce, strstr(authz, "nonce=\"") + 7, 44);
    old_nonce[44] = '\0';
    test_now += 290;
    assert_status(asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                           "GET", NULL, "realm", info, sizeof(info), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    assert_non_null(strstr(info, "nextnonce=\""));
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/", info, "GET", none,
                           sizeof(none), NULL),
                  SEC_E_OK);
    test_now += 200; /* the old nonce has expired by now */
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/", "", "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_OK);
    assert_null(strstr(authz, old_nonce));
    assert_non_null(strstr(authz, "nc=00000001"));
    assert_status(asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                           "GET", NULL, "realm", info, sizeof(info), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&srv);
    FreeCredentialsHandle(&cli);
}

static void client_failures(void **state)
{
    CredHandle srv, cli, scoped, srv2;
    CtxtHandle cctx, sctx;
    char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP], tampered[OUT_CAP];

    (void)state;
    server(SD_ALG_MD5, SD_QOP_AUTH, 0, &srv);
    test_client_cred("alice", "secret", &cli);
    challenge_of(&srv, challenge);
    /* no challenge to answer */
    assert_status(isc_call(&cli, NULL, &cctx, 0, "/", "", "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_INVALID_TOKEN);
    assert_status(isc_call(&cli, NULL, &cctx, 0, "/",
                           "Basic realm=\"x\", Negotiate", "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_INVALID_TOKEN);
    /* the identity's Domain restricts the realm */
    client_for_realm("other", &scoped);
    assert_status(isc_call(&scoped, NULL, &cctx, 0, "/", challenge, "GET",
                           authz, sizeof(authz), NULL),
                  SEC_E_WRONG_PRINCIPAL);
    FreeCredentialsHandle(&scoped);
    /* a tampered rspauth */
    isc_call(&cli, NULL, &cctx, ISC_REQ_MUTUAL_AUTH, "/", challenge, "GET",
             authz, sizeof(authz), NULL);
    asc_call(&srv, NULL, &sctx, 0, authz, "GET", NULL, "realm", info,
             sizeof(info), NULL);
    DeleteSecurityContext(&sctx);
    memcpy(tampered, info, sizeof(info));
    tampered[10] = tampered[10] == '0' ? '1' : '0';
    assert_status(isc_call(NULL, &cctx, &cctx, ISC_REQ_MUTUAL_AUTH, "/",
                           tampered, "GET", authz, sizeof(authz), NULL),
                  SEC_E_MUTUAL_AUTH_FAILED);
    /* rspauth from another server (another secret, same user) */
    {
        SD_DIGEST_SERVER_POLICY p;
        ULONG alg = SD_ALG_MD5;
        static const unsigned char secret2[32] =
            "a different secret of 32 octets";

        test_policy(&p, &alg, 1, SD_QOP_AUTH);
        p.NonceSecret = secret2;
        p.Opaque = "opaque-value";
        test_server_cred(&p, &srv2);
    }
    assert_status(isc_call(NULL, &cctx, &cctx, ISC_REQ_MUTUAL_AUTH, "/",
                           "qop=auth, nc=00000001", "GET", authz, sizeof(authz),
                           NULL),
                  SEC_E_MUTUAL_AUTH_FAILED); /* no rspauth at all */
    /* a fresh challenge without stale after our answer: refused */
    challenge_of(&srv2, challenge);
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/", challenge, "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cctx);
    /* flags and handles */
    assert_status(isc_call(&srv, NULL, &cctx, 0, "/", challenge, "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_NO_CREDENTIALS);
    {
        SecBuffer ib[2] = {
            {0, SECBUFFER_TOKEN, NULL},
            {3, SECBUFFER_PKG_PARAMS, (void *)(uintptr_t) "GET"}};
        SecBufferDesc idesc = {SECBUFFER_VERSION, 2, ib};
        SecBuffer ob = {sizeof(authz), SECBUFFER_TOKEN, authz};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        ULONG attrs;

        ib[0].pvBuffer = challenge;
        ib[0].cbBuffer = (ULONG)strlen(challenge);
        assert_status(InitializeSecurityContext(&cli, NULL, "/", 0, 0, 0,
                                                &idesc, 0, &cctx, &od, &attrs,
                                                NULL),
                      SEC_E_INVALID_PARAMETER); /* SASL: HTTP's buffers */
        assert_status(InitializeSecurityContext(
                          &cli, NULL, NULL, ISC_REQ_USE_HTTP_STYLE, 0, 0,
                          &idesc, 0, &cctx, &od, &attrs, NULL),
                      SEC_E_INVALID_PARAMETER); /* no target URI */
    }
    FreeCredentialsHandle(&srv);
    FreeCredentialsHandle(&srv2);
    FreeCredentialsHandle(&cli);
}

/* Property: random users, passwords and URIs round-trip for every
   algorithm. */
/* A refused challenge leaves the context as it was (issue 10): after a
   challenge of a realm the identity is not for, the next request still
   answers the first realm's nonce, and the server accepts it. */
static void refused_challenge_changes_nothing(void **state)
{
    CredHandle srv, cli, evil;
    CtxtHandle cctx, sctx;
    char challenge[OUT_CAP], foreign[OUT_CAP], authz[OUT_CAP], out[OUT_CAP];
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CtxtHandle ectx;

    (void)state;
    server(SD_ALG_MD5, SD_QOP_AUTH, 0, &srv);
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.NonceSecret = (const UCHAR *)"another secret, another server!!";
    test_server_cred(&p, &evil);
    client_for_realm("realm", &cli);
    challenge_of(&srv, challenge);
    assert_status(asc_call(&evil, NULL, &ectx, 0, "", "GET", NULL, "evil",
                           foreign, sizeof(foreign), NULL),
                  SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&ectx);
    /* stale=true, so that only the realm check stands in its way */
    strcat(foreign, ", stale=true");
    assert_status(isc_call(&cli, NULL, &cctx, 0, "/doc", challenge, "GET",
                           authz, sizeof(authz), NULL),
                  SEC_E_OK);
    assert_status(asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                           "GET", NULL, "realm", out, sizeof(out), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/doc", foreign, "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_WRONG_PRINCIPAL);
    assert_status(isc_call(NULL, &cctx, &cctx, 0, "/doc", "", "GET", authz,
                           sizeof(authz), NULL),
                  SEC_E_OK);
    assert_non_null(strstr(authz, "realm=\"realm\""));
    assert_non_null(strstr(authz, "nc=00000002"));
    assert_status(asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz,
                           "GET", NULL, "realm", out, sizeof(out), NULL),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&srv);
    FreeCredentialsHandle(&evil);
    FreeCredentialsHandle(&cli);
}

static void random_round_trips(void **state)
{
    static const ULONG algs[] = {SD_ALG_MD5,        SD_ALG_MD5_SESS,
                                 SD_ALG_SHA256,     SD_ALG_SHA256_SESS,
                                 SD_ALG_SHA512_256, SD_ALG_SHA512_256_SESS};
    unsigned seed = 12345;

    (void)state;
    for (int iter = 0; iter < 300; iter++) {
        char user[40], pass[40], uri[80];
        test_user u[1];
        CredHandle srv, cli;
        CtxtHandle cctx, sctx;
        char challenge[OUT_CAP], authz[OUT_CAP], info[OUT_CAP];

        for (int i = 0; i < 39; i++) {
            seed = seed * 1103515245 + 12345;
            user[i] = (char)(' ' + 1 + (seed >> 16) % 94);
            pass[i] = (char)(' ' + (seed >> 8) % 95);
        }
        user[1 + iter % 38] = '\0';
        pass[iter % 39] = '\0';
        snprintf(uri, sizeof(uri), "/p%d?q=%s&x=%%22", iter,
                 iter % 2 ? "a,b" : "\"q\"");
        u[0].user = user;
        u[0].realm = "realm";
        u[0].password = pass;
        u[0].missing_families = 0;
        test_users = u;
        test_nusers = 1;
        server(algs[iter % 6], SD_QOP_AUTH, iter % 3 ? 0 : SD_POLICY_USERHASH,
               &srv);
        test_client_cred(user, pass, &cli);
        challenge_of(&srv, challenge);
        assert_status(isc_call(&cli, NULL, &cctx, 0, uri, challenge, "GET",
                               authz, sizeof(authz), NULL),
                      SEC_E_OK);
        if (asc_call(&srv, NULL, &sctx, ASC_REQ_REPLAY_DETECT, authz, "GET",
                     NULL, "realm", info, sizeof(info), NULL) != SEC_E_OK) {
            fail_msg("iteration %d refused: %s (%s)", iter, authz,
                     test_reason(&sctx));
        }
        DeleteSecurityContext(&sctx);
        DeleteSecurityContext(&cctx);
        FreeCredentialsHandle(&srv);
        FreeCredentialsHandle(&cli);
    }
    test_users = users;
    test_nusers = 2;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(round_trips, setup),
        cmocka_unit_test_setup(picks_strongest, setup),
        cmocka_unit_test_setup(userhash_and_username_star, setup),
        cmocka_unit_test_setup(follows_nextnonce, setup),
        cmocka_unit_test_setup(client_failures, setup),
        cmocka_unit_test_setup(refused_challenge_changes_nothing, setup),
        cmocka_unit_test_setup(random_round_trips, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
