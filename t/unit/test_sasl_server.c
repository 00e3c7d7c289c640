/*
 * test_sasl_server.c: AcceptSecurityContext in SASL mode.  The challenge
 * in Windows' order for every fContextReq; RFC 2831 §4's responses and
 * vectors S3-S5 accepted with their rspauth (a test nonce source gives the
 * RFC's nonces); and every status it returns, with what the context does
 * after it.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "digest_hash.h"
#include "secret.h"

#define OUT_CAP 4096

static const test_user users[] = {
    {"chris", "elwood.innosoft.com", "secret", 0},
    {"chris", "realm", "secret", 0},
    {"sha-only", "realm", "pw", 1U << 0},
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

/* ---- the RFC's nonces ---------------------------------------------------- */

static const char *rfc_nonce = "OA6MG9tEQGm2hh";

static bool rfc_mint(void *arg, sd_view realm, int64_t now, char *out,
                     size_t *len)
{
    (void)arg;
    (void)realm;
    (void)now;
    *len = strlen(rfc_nonce);
    memcpy(out, rfc_nonce, *len);
    return true;
}

/* Issued at test_now's value when the credentials were made. */
static int64_t issued;

static sd_nonce_status rfc_check(void *arg, sd_view realm, sd_view nonce,
                                 int64_t now, sd_nonce_info *info)
{
    (void)arg;
    (void)realm;
    (void)nonce;
    memset(info, 0, sizeof(*info));
    info->issued = issued;
    return now - issued > 300 ? SD_NONCE_STALE : SD_NONCE_VALID;
}

static int64_t hook_now(void *arg)
{
    (void)arg;
    return test_now;
}

/* SASL credentials for the RFC's realm, with the RFC's nonces. */
static void rfc_server(ULONG ciphers, CredHandle *h)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    sd_test_hooks hooks = {0};

    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.SaslRealm = "elwood.innosoft.com";
    p.SaslCiphers = ciphers;
    test_server_cred(&p, h);
    hooks.now = hook_now;
    hooks.mint_nonce = rfc_mint;
    hooks.check_nonce = rfc_check;
    assert_status(sd_cred_set_test_hooks(h, &hooks), SEC_E_OK);
    issued = test_now;
}

/* The first call, asserting its status; the challenge into out. */
static void challenge(CredHandle *cred, CtxtHandle *ctx, ULONG req,
                      const SD_SASL_PARAMETERS *sp, char *out)
{
    assert_status(sasl_asc(cred, NULL, ctx, req, NULL, sp, out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
}

/* The challenge in Windows' order for each fContextReq. */
static void challenge_in_windows_order(void **state)
{
    static const struct {
        ULONG req;
        ULONG ciphers;
        const char *want;
    } rows[] = {
        {0, 0,
         "qop=\"auth\",algorithm=md5-sess,nonce=\"OA6MG9tEQGm2hh\",charset=utf-"
         "8"
         ",realm=\"elwood.innosoft.com\""},
        {ASC_REQ_INTEGRITY, 0,
         "qop=\"auth,auth-int\",algorithm=md5-sess,nonce=\"OA6MG9tEQGm2hh\","
         "charset=utf-8,realm=\"elwood.innosoft.com\""},
        {ASC_REQ_REPLAY_DETECT, 0, "qop=\"auth,auth-int\",algorithm="},
        {ASC_REQ_SEQUENCE_DETECT, 0, "qop=\"auth,auth-int\",algorithm="},
        {ASC_REQ_CONFIDENTIALITY, 0,
         "qop=\"auth,auth-int,auth-conf\",cipher=\"3des,rc4\",algorithm=md5-"
         "sess,nonce=\"OA6MG9tEQGm2hh\",charset=utf-8,realm=\"elwood.innosoft."
         "com\""},
        {ASC_REQ_CONFIDENTIALITY, SD_SASL_CIPHERS_ALL,
         "qop=\"auth,auth-int,auth-conf\",cipher=\"3des,rc4,des,rc4-56,rc4-40"
         "\",algorithm="},
        {ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY, SD_SASL_CIPHER_RC4_40,
         "qop=\"auth,auth-int,auth-conf\",cipher=\"rc4-40\",algorithm="},
    };
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CredHandle cred;
        CtxtHandle ctx;
        ULONG attrs = 0;

        rfc_server(rows[i].ciphers, &cred);
        assert_status(sasl_asc(&cred, NULL, &ctx, rows[i].req, NULL, NULL, out,
                               OUT_CAP, &attrs),
                      SEC_I_CONTINUE_NEEDED);
        print_message("%s\n", out);
        assert_memory_equal(out, rows[i].want, strlen(rows[i].want));
        assert_int_equal(attrs, ASC_RET_CONNECTION);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

/* What SD_SASL_PARAMETERS changes in the challenge. */
static void challenge_parameters(void **state)
{
    CredHandle cred;
    CtxtHandle ctx;
    SD_SASL_PARAMETERS sp = {0};
    char out[OUT_CAP];

    (void)state;
    rfc_server(SD_SASL_CIPHERS_ALL, &cred);
    sp.Realm = "other.example";
    sp.RealmLength = 13;
    sp.MaxBuffer = 4096;
    sp.Ciphers = SD_SASL_CIPHER_DES | SD_SASL_CIPHER_RC4;
    challenge(&cred, &ctx, ASC_REQ_CONFIDENTIALITY, &sp, out);
    assert_string_equal(out, "qop=\"auth,auth-int,auth-conf\",cipher=\"rc4,des"
                             "\",algorithm=md5-sess,nonce=\"OA6MG9tEQGm2hh\","
                             "charset=utf-8,realm=\"other.example\",maxbuf="
                             "4096");
    DeleteSecurityContext(&ctx);
    /* ciphers the policy does not have are not offered whatever the call
       asks; none left means no auth-conf */
    sp.Ciphers = SD_SASL_CIPHER_RC4_40;
    FreeCredentialsHandle(&cred);
    rfc_server(SD_SASL_CIPHER_3DES, &cred);
    challenge(&cred, &ctx, ASC_REQ_CONFIDENTIALITY, &sp, out);
    assert_non_null(strstr(out, "qop=\"auth,auth-int\",algorithm"));
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

static const char rfc_imap[] =
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA"
    "6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/"
    "elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7,qop=auth";

/* One verification of response on a fresh context challenged with req. */
static SECURITY_STATUS verify(CredHandle *cred, ULONG req, const char *response,
                              const SD_SASL_PARAMETERS *sp, char *out,
                              ULONG *attrs, CtxtHandle *ctx)
{
    char ch[OUT_CAP];

    challenge(cred, ctx, req, NULL, ch);
    return sasl_asc(cred, ctx, ctx, req, response, sp, out, OUT_CAP, attrs);
}

/* RFC 2831 §4, both examples, and vectors S3 and S4, as sent. */
static void rfc2831_examples(void **state)
{
    static const struct {
        const char *nonce;
        ULONG req;
        const char *response, *rspauth;
        ULONG attrs;
    } rows[] = {
        {"OA6MG9tEQGm2hh", 0, rfc_imap,
         "rspauth=ea40f60335c427b5527b84dbabcdfffd",
         ASC_RET_CONNECTION | ASC_RET_MUTUAL_AUTH},
        {"OA9BSXrbuRhWay", 0,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce="
         "\"OA9BSXrbuRhWay\",nc=00000001,cnonce=\"OA9BSuZWMSpW8m\",digest-uri="
         "\"acap/elwood.innosoft.com\",response=6084c6db3fede7352c551284490fd0"
         "fc,qop=auth",
         "rspauth=2f0b3d7c3c2e486600ef710726aa2eae",
         ASC_RET_CONNECTION | ASC_RET_MUTUAL_AUTH},
        {"OA6MG9tEQGm2hh", ASC_REQ_INTEGRITY,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce="
         "\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri="
         "\"imap/elwood.innosoft.com\",response=89fdc8198a2499ec4b6d0045c00ae2"
         "4a,qop=auth-int",
         "rspauth=2342e4b9b84956beda20b94d83cc8fe0",
         ASC_RET_CONNECTION | ASC_RET_MUTUAL_AUTH | ASC_RET_INTEGRITY |
             ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT},
        {"OA6MG9tEQGm2hh", ASC_REQ_CONFIDENTIALITY,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce="
         "\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri="
         "\"imap/elwood.innosoft.com\",response=c7d2efa41f50398d289b732a0c09f3"
         "81,qop=auth-conf,cipher=rc4",
         "rspauth=e2b2f2d1742ec87e03e40f22efdeaac8",
         ASC_RET_CONNECTION | ASC_RET_MUTUAL_AUTH | ASC_RET_INTEGRITY |
             ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT |
             ASC_RET_CONFIDENTIALITY},
        {"OA6MG9tEQGm2hh", 0,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce="
         "\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri="
         "\"imap/elwood.innosoft.com\",response=b1b19eb65cf78f4fa5b9fc515757b6"
         "55,qop=auth,authzid=\"chris\"",
         "rspauth=1a16e5ea733e6c675236527ffefd5156",
         ASC_RET_CONNECTION | ASC_RET_MUTUAL_AUTH},
    };
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CredHandle cred;
        CtxtHandle ctx;
        ULONG attrs = 0;
        SecPkgContext_Names names;

        rfc_nonce = rows[i].nonce;
        rfc_server(0, &cred);
        assert_status(verify(&cred, rows[i].req, rows[i].response, NULL, out,
                             &attrs, &ctx),
                      SEC_E_OK);
        assert_string_equal(out, rows[i].rspauth);
        assert_int_equal(attrs, rows[i].attrs);
        assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names),
                      SEC_E_OK);
        assert_string_equal(names.sUserName, "chris");
        /* established: no more calls */
        assert_status(sasl_asc(&cred, &ctx, &ctx, rows[i].req, rows[i].response,
                               NULL, out, OUT_CAP, NULL),
                      STATUS_LOGON_FAILURE);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
    rfc_nonce = "OA6MG9tEQGm2hh";
}

/* S5: the store holds the ISO 8859-1 key; the response names the user
   in UTF-8 (charset=utf-8) or in ISO 8859-1 (no charset): either way the
   store is asked for the UTF-8 name. */
static void SEC_ENTRY latin1_key(PVOID arg, PVOID principal, ULONG version,
                                 PVOID *key, SECURITY_STATUS *status)
{
    SD_DIGEST_KEY_REQUEST *kr = principal;

    (void)arg;
    (void)version;
    (void)key;
    assert_int_equal(kr->Algorithm, SD_ALG_MD5_SESS);
    assert_false(kr->UserHash);
    assert_int_equal(kr->UserLength, 11);
    assert_memory_equal(kr->User, "J\xc3\xa4s\xc3\xb8n Doe", 11);
    memcpy(kr->Key, "77c8872438c20138baebb581fc4043af", 32);
    kr->KeyLength = 32;
    *status = SEC_E_OK;
}

static void vector_s5(void **state)
{
    static const char *responses[] = {
        "charset=utf-8,username=\"J\xc3\xa4s\xc3\xb8n Doe\",realm=\"elwood.inno"
        "soft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTr"
        "Rk\",digest-uri=\"imap/elwood.innosoft.com\",response=bf2161f794814da"
        "36df15a1d2b055226,qop=auth",
        "username=\"J\xe4s\xf8n Doe\",realm=\"elwood.innosoft.com\",nonce=\"OA6"
        "MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/"
        "elwood.innosoft.com\",response=bf2161f794814da36df15a1d2b055226,qop="
        "auth",
    };
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        SD_DIGEST_SERVER_POLICY p;
        ULONG alg = SD_ALG_MD5;
        sd_test_hooks hooks = {0};
        CredHandle cred;
        CtxtHandle ctx;
        SecPkgContext_Names names;

        test_policy(&p, &alg, 1, SD_QOP_AUTH);
        p.SaslRealm = "elwood.innosoft.com";
        assert_status(AcquireCredentialsHandle(NULL, "WDigest",
                                               SECPKG_CRED_INBOUND, NULL, &p,
                                               latin1_key, NULL, &cred, NULL),
                      SEC_E_OK);
        hooks.now = hook_now;
        hooks.mint_nonce = rfc_mint;
        hooks.check_nonce = rfc_check;
        sd_cred_set_test_hooks(&cred, &hooks);
        issued = test_now;
        assert_status(verify(&cred, 0, responses[i], NULL, out, NULL, &ctx),
                      SEC_E_OK);
        assert_string_equal(out, "rspauth=a3090d31cba8bedb75baf732eccd061a");
        QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
        assert_string_equal(names.sUserName, "J\xc3\xa4s\xc3\xb8n Doe");
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

/* The RFC response with one directive replaced. */
static void with(char *out, const char *from, const char *to)
{
    const char *at = strstr(rfc_imap, from);

    assert_non_null(at);
    snprintf(out, OUT_CAP, "%.*s%s%s", (int)(at - rfc_imap), rfc_imap, to,
             at + strlen(from));
}

/* Each refusal: status, reason, and the exchange ends with it. */
static void refusals(void **state)
{
    static const struct {
        const char *from, *to;
        ULONG req;
        SECURITY_STATUS st;
        const char *why;
    } rows[] = {
        {"response=d388", "response=e388", 0, SEC_E_LOGON_DENIED,
         "wrong password"},
        {"username=\"chris\"", "username=\"nobody\"", 0, SEC_E_LOGON_DENIED,
         "unknown user"},
        {"nonce=\"OA6MG9tEQGm2hh\"", "nonce=\"OA6MG9tEQGm2hi\"", 0,
         SEC_E_LOGON_DENIED, "nonce not sent by this context"},
        {"realm=\"elwood.innosoft.com\"", "realm=\"elwood\"", 0,
         SEC_E_LOGON_DENIED, "realm not offered"},
        {"realm=\"elwood.innosoft.com\",", "", 0, SEC_E_LOGON_DENIED,
         "realm not offered"},
        {"nc=00000001", "nc=00000002", 0, SEC_E_LOGON_DENIED,
         "nc is not 1: subsequent authentication is not supported"},
        {"qop=auth", "qop=auth-int", 0, SEC_E_QOP_NOT_SUPPORTED,
         "qop not offered"},
        {"qop=auth", "qop=auth-none", ASC_REQ_INTEGRITY,
         SEC_E_QOP_NOT_SUPPORTED, "qop not offered"},
        {"qop=auth", "qop=auth-conf,cipher=des", ASC_REQ_CONFIDENTIALITY,
         SEC_E_QOP_NOT_SUPPORTED, "cipher not offered"},
        {"qop=auth", "qop=auth-conf", ASC_REQ_CONFIDENTIALITY,
         SEC_E_QOP_NOT_SUPPORTED, "cipher not offered"},
        {"nc=00000001", "nc=1", 0, SEC_E_INVALID_TOKEN,
         "nc is not 8 hex digits"},
        {"username=", "user=", 0, SEC_E_INVALID_TOKEN,
         "required directive missing"},
        {"qop=auth", "qop=auth,qop=auth", 0, SEC_E_INVALID_TOKEN,
         "parameter repeated"},
    };
    char response[OUT_CAP], out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CredHandle cred;
        CtxtHandle ctx;

        rfc_server(0, &cred);
        with(response, rows[i].from, rows[i].to);
        print_message("%s\n", response);
        assert_status(
            verify(&cred, rows[i].req, response, NULL, out, NULL, &ctx),
            rows[i].st);
        assert_string_equal(test_reason(&ctx), rows[i].why);
        assert_string_equal(out, "");
        /* one response per nonce: even the right one is refused now */
        assert_status(sasl_asc(&cred, &ctx, &ctx, rows[i].req, rfc_imap, NULL,
                               out, OUT_CAP, NULL),
                      SEC_E_LOGON_DENIED);
        assert_string_equal(test_reason(&ctx), "the exchange already failed");
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

/* A user the store knows without an MD5 key, an empty or malformed
   response, an expired nonce. */
static void more_refusals(void **state)
{
    char response[OUT_CAP], out[OUT_CAP];
    CredHandle cred;
    CtxtHandle ctx;

    (void)state;
    test_sasl_server_cred(0, &cred);
    assert_status(verify(&cred, 0,
                         "username=\"sha-only\",realm=\"realm\",nonce=\"x\","
                         "cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                         "response=0123456789abcdef0123456789abcdef",
                         NULL, out, NULL, &ctx),
                  SEC_E_LOGON_DENIED); /* another nonce, checked first */
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    rfc_server(0, &cred);
    with(response, "username=\"chris\"", "username=\"sha-only\"");
    /* sha-only lives in "realm"; here it is unknown, in the store's words */
    assert_status(verify(&cred, 0, response, NULL, out, NULL, &ctx),
                  SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&ctx), "unknown user");
    DeleteSecurityContext(&ctx);
    assert_status(verify(&cred, 0, "", NULL, out, NULL, &ctx),
                  SEC_E_INVALID_TOKEN);
    assert_string_equal(test_reason(&ctx), "empty digest-response");
    DeleteSecurityContext(&ctx);
    assert_status(verify(&cred, 0, "username=\"chris", NULL, out, NULL, &ctx),
                  SEC_E_INVALID_TOKEN);
    DeleteSecurityContext(&ctx);
    /* the nonce outlived NonceLifetime: right password, expired */
    challenge(&cred, &ctx, 0, NULL, out);
    test_now += 301;
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_CONTEXT_EXPIRED);
    assert_string_equal(test_reason(&ctx), "nonce expired");
    DeleteSecurityContext(&ctx);
    /* an expired nonce with a wrong password is just a wrong password */
    challenge(&cred, &ctx, 0, NULL, out);
    issued = test_now - 301;
    with(response, "response=d388", "response=e388");
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, response, NULL, out, OUT_CAP, NULL),
        SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* The RFC 2831 response with `from` changed to `to` is refused as a wrong
   password would be: LOGON_DENIED after one call of the key callback;
   with `reason`, the context says why. */
static void refused_like_wrong_password(const char *from, const char *to,
                                        const char *reason)
{
    char response[OUT_CAP], out[OUT_CAP];
    CredHandle cred;
    CtxtHandle ctx;
    unsigned before;

    rfc_server(0, &cred);
    before = test_key_calls;
    with(response, from, to);
    assert_status(verify(&cred, 0, response, NULL, out, NULL, &ctx),
                  SEC_E_LOGON_DENIED);
    assert_int_equal(test_key_calls, before + 1);
    if (reason != NULL) {
        assert_string_equal(test_reason(&ctx), reason);
    }
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* The unknown user takes the path of a wrong password: the key callback
   answers, the stand-in key is used, the status and cost are the same. */
static void unknown_user_like_wrong_password(void **state)
{
    (void)state;
    refused_like_wrong_password("username=\"chris\"", "username=\"nobody\"",
                                NULL);
}

/* So does a realm the server did not offer: the key callback answers and
   the digest is computed before the refusal. */
static void wrong_realm_like_wrong_password(void **state)
{
    (void)state;
    refused_like_wrong_password("realm=\"elwood.innosoft.com\"",
                                "realm=\"elwood\"", "realm not offered");
}

/* Expected digest-uri and authzid (SD_SASL_PARAMETERS of the second call);
   checked only once the password is right. */
static void expected_names(void **state)
{
    char response[OUT_CAP], out[OUT_CAP];
    SD_SASL_PARAMETERS sp = {0};
    CredHandle cred;
    CtxtHandle ctx;
    SecPkgContext_SdSasl z;

    (void)state;
    rfc_server(0, &cred);
    sp.DigestUri = "IMAP/Elwood.Innosoft.COM"; /* any ASCII case */
    sp.DigestUriLength = (ULONG)strlen(sp.DigestUri);
    assert_status(verify(&cred, 0, rfc_imap, &sp, out, NULL, &ctx), SEC_E_OK);
    DeleteSecurityContext(&ctx);
    sp.DigestUri = "imap/elwood.innosoft.co";
    sp.DigestUriLength = (ULONG)strlen(sp.DigestUri);
    assert_status(verify(&cred, 0, rfc_imap, &sp, out, NULL, &ctx),
                  SEC_E_WRONG_PRINCIPAL);
    assert_string_equal(test_reason(&ctx),
                        "digest-uri is not the expected one");
    DeleteSecurityContext(&ctx);
    /* a wrong password is reported as such, not as the wrong service */
    with(response, "response=d388", "response=e388");
    assert_status(verify(&cred, 0, response, &sp, out, NULL, &ctx),
                  SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&ctx);
    /* authzid: absent is fine, equal is fine, another is refused */
    memset(&sp, 0, sizeof(sp));
    sp.Authzid = "chris";
    sp.AuthzidLength = 5;
    assert_status(verify(&cred, 0, rfc_imap, &sp, out, NULL, &ctx), SEC_E_OK);
    assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_SD_SASL, &z),
                  SEC_E_OK);
    assert_null(z.sAuthzid);
    assert_int_equal(z.Qop, SD_QOP_AUTH);
    assert_int_equal(z.cbDigestUri, 24);
    assert_memory_equal(z.sDigestUri, "imap/elwood.innosoft.com", 24);
    assert_memory_equal(z.sRealm, "elwood.innosoft.com", 19);
    assert_int_equal(z.PeerMaxBuffer, 65536);
    DeleteSecurityContext(&ctx);
    sp.Authzid = "root";
    sp.AuthzidLength = 4;
    assert_status(verify(&cred, 0,
                         "charset=utf-8,username=\"chris\",realm=\"elwood."
                         "innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,"
                         "cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood."
                         "innosoft.com\",response=b1b19eb65cf78f4fa5b9fc515757"
                         "b655,qop=auth,authzid=\"chris\"",
                         &sp, out, NULL, &ctx),
                  SEC_E_WRONG_PRINCIPAL);
    assert_string_equal(test_reason(&ctx), "authzid not permitted");
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* Failures that leave the exchange open: the same call may be repeated. */
static void retryable_failures(void **state)
{
    char out[OUT_CAP], small[8];
    CredHandle cred;
    CtxtHandle ctx;

    (void)state;
    rfc_server(0, &cred);
    challenge(&cred, &ctx, 0, NULL, out);
    test_store_down = true;
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_NO_AUTHENTICATING_AUTHORITY);
    test_store_down = false;
    assert_status(sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, small,
                           sizeof(small), NULL),
                  SEC_E_BUFFER_TOO_SMALL);
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_OK);
    DeleteSecurityContext(&ctx);
    /* a challenge that does not fit makes no context */
    assert_status(
        sasl_asc(&cred, NULL, &ctx, 0, NULL, NULL, small, sizeof(small), NULL),
        SEC_E_BUFFER_TOO_SMALL);
    FreeCredentialsHandle(&cred);
}

/* RFC 2831 §2.2: an initial response (subsequent authentication) gets a
   fresh challenge, as the RFC has a server without it answer. */
static void initial_response_gets_challenge(void **state)
{
    char out[OUT_CAP];
    CredHandle cred;
    CtxtHandle ctx;

    (void)state;
    rfc_server(0, &cred);
    assert_status(
        sasl_asc(&cred, NULL, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, "algorithm=md5-sess"));
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* Any changed octet of a valid response is refused, except in two
   places where a mangled directive name (an unknown directive, which RFC
   2831 §2.1 has us skip) means what the response meant: the leading
   charset=utf-8 (charset does not enter the hash, and an ASCII name reads
   the same without it) and the name of the final qop=auth (auth is the
   default). */
static void every_mutation_refused(void **state)
{
    char response[sizeof(rfc_imap)], out[OUT_CAP];
    CredHandle cred;
    CtxtHandle ctx;

    (void)state;
    rfc_server(0, &cred);
    size_t qop_name = sizeof(rfc_imap) - 1 - strlen("qop=auth");

    for (size_t i = strlen("charset=utf-8,"); i < sizeof(rfc_imap) - 1; i++) {
        if (i >= qop_name && i < qop_name + 3) {
            continue;
        }
        memcpy(response, rfc_imap, sizeof(rfc_imap));
        response[i] ^= 0x01;
        if (verify(&cred, 0, response, NULL, out, NULL, &ctx) == SEC_E_OK) {
            fail_msg("accepted with octet %zu changed: %s", i, response);
        }
        DeleteSecurityContext(&ctx);
    }
    FreeCredentialsHandle(&cred);
}

/* Caller mistakes and the mode boundary. */
static void caller_mistakes(void **state)
{
    char out[OUT_CAP];
    CredHandle cred, client;
    CtxtHandle ctx, http;
    SD_SASL_PARAMETERS sp = {0};
    SecBuffer ib[3] = {{0, SECBUFFER_TOKEN, NULL},
                       {sizeof(sp), SECBUFFER_SD_SASL_PARAMETERS, &sp},
                       {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 3, ib};
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;
    static const ULONG qos[] = {ASC_REQ_DELEGATE, ASC_REQ_PROXY_BINDINGS,
                                ASC_REQ_USE_DCE_STYLE,
                                ASC_REQ_DATAGRAM | ASC_REQ_CONNECTION};

    (void)state;
    rfc_server(0, &cred);
    /* buffers: the EMPTY one is fine */
    assert_status(
        AcceptSecurityContext(&cred, NULL, &id, 0, 0, &ctx, &od, &attrs, NULL),
        SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&ctx);
    ib[2].BufferType = SECBUFFER_PKG_PARAMS;
    assert_status(
        AcceptSecurityContext(&cred, NULL, &id, 0, 0, &ctx, &od, &attrs, NULL),
        SEC_E_INVALID_PARAMETER);
    ib[2].BufferType = SECBUFFER_SD_SASL_PARAMETERS; /* twice */
    ib[2].pvBuffer = &sp;
    ib[2].cbBuffer = sizeof(sp);
    assert_status(
        AcceptSecurityContext(&cred, NULL, &id, 0, 0, &ctx, &od, &attrs, NULL),
        SEC_E_INVALID_PARAMETER);
    id.cBuffers = 2;
    ib[1].cbBuffer = sizeof(sp) - 1;
    assert_status(
        AcceptSecurityContext(&cred, NULL, &id, 0, 0, &ctx, &od, &attrs, NULL),
        SEC_E_INVALID_PARAMETER);
    ib[1].cbBuffer = sizeof(sp);
    /* parameters out of range */
    {
        SD_SASL_PARAMETERS bad[6];

        memset(bad, 0, sizeof(bad));
        bad[0].Ciphers = 0x20;
        bad[1].MaxBuffer = 16;
        bad[2].MaxBuffer = SD_SASL_MAX_MAXBUF + 1;
        bad[3].DigestUri = "nohost";
        bad[3].DigestUriLength = 6;
        bad[4].Realm = "";
        bad[5].Authzid = "a\nb";
        bad[5].AuthzidLength = 3;
        for (size_t i = 0; i < 6; i++) {
            assert_status(sasl_asc(&cred, NULL, &ctx, 0, NULL, &bad[i], out,
                                   OUT_CAP, NULL),
                          SEC_E_INVALID_PARAMETER);
        }
    }
    for (size_t i = 0; i < sizeof(qos) / sizeof(qos[0]); i++) {
        assert_status(
            sasl_asc(&cred, NULL, &ctx, qos[i], NULL, NULL, out, OUT_CAP, NULL),
            SEC_E_SECURITY_QOS_FAILED);
    }
    /* one context, one mode */
    challenge(&cred, &ctx, 0, NULL, out);
    assert_status(sasl_asc(&cred, &ctx, &ctx, ASC_REQ_HTTP, rfc_imap, NULL, out,
                           OUT_CAP, NULL),
                  SEC_E_INVALID_PARAMETER);
    assert_status(asc_call(&cred, &ctx, &ctx, 0, "", "GET", NULL, "realm", out,
                           OUT_CAP, NULL),
                  SEC_E_INVALID_PARAMETER);
    assert_status(cat_call(&ctx, "", "GET", NULL, "realm", NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    {
        char hex[65];

        assert_status(SdHashEntityBody(&ctx, "", 0, hex, sizeof(hex)),
                      SEC_E_UNSUPPORTED_FUNCTION);
    }
    assert_status(asc_call(&cred, NULL, &http, 0, "", "GET", NULL, "realm", out,
                           OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(
        sasl_asc(&cred, &http, &http, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_INVALID_PARAMETER);
    {
        SecPkgContext_SdSasl z;
        SecPkgContext_StreamSizes ss;

        assert_status(QueryContextAttributes(&http, SECPKG_ATTR_SD_SASL, &z),
                      SEC_E_UNSUPPORTED_FUNCTION);
        assert_status(
            QueryContextAttributes(&http, SECPKG_ATTR_STREAM_SIZES, &ss),
            SEC_E_UNSUPPORTED_FUNCTION);
        /* not settled yet */
        assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_SD_SASL, &z),
                      SEC_E_NO_CREDENTIALS);
    }
    DeleteSecurityContext(&http);
    /* handles */
    test_sasl_server_cred(0, &client);
    assert_status(
        sasl_asc(&client, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_WRONG_CREDENTIAL_HANDLE);
    FreeCredentialsHandle(&client);
    test_client_cred("chris", "secret", &client);
    assert_status(
        sasl_asc(&client, NULL, &ctx, 0, NULL, NULL, out, OUT_CAP, NULL),
        SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&client);
    DeleteSecurityContext(&ctx);
    assert_status(
        sasl_asc(&cred, &ctx, &ctx, 0, rfc_imap, NULL, out, OUT_CAP, NULL),
        SEC_E_INVALID_HANDLE);
    FreeCredentialsHandle(&cred);
}

/* ASC_REQ_ALLOCATE_MEMORY: the engine's buffer, freed by the caller. */
static void allocate_memory(void **state)
{
    CredHandle cred;
    CtxtHandle ctx;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;

    (void)state;
    rfc_server(0, &cred);
    assert_status(AcceptSecurityContext(&cred, NULL, NULL,
                                        ASC_REQ_ALLOCATE_MEMORY, 0, &ctx, &od,
                                        &attrs, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(ob.pvBuffer);
    assert_true(attrs & ASC_RET_ALLOCATED_MEMORY);
    assert_memory_equal(ob.pvBuffer, "qop=\"auth\"", 10);
    assert_status(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* The policy's SASL fields are checked when the credentials are made. */
static void policy_checked(void **state)
{
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle cred;
    char realm[SD_MAX_REALM + 2];
    char host[256], out[OUT_CAP];
    CtxtHandle ctx;

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    p.SaslCiphers = 0x40;
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, &p, test_get_key, NULL, &cred,
                                           NULL),
                  SEC_E_NO_CREDENTIALS);
    p.SaslCiphers = 0;
    memset(realm, 'r', sizeof(realm) - 1);
    realm[sizeof(realm) - 1] = '\0';
    p.SaslRealm = realm;
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, &p, test_get_key, NULL, &cred,
                                           NULL),
                  SEC_E_NO_CREDENTIALS);
    p.SaslRealm = "bad\trealm";
    assert_status(AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND,
                                           NULL, &p, test_get_key, NULL, &cred,
                                           NULL),
                  SEC_E_NO_CREDENTIALS);
    /* no realm: the host name */
    p.SaslRealm = NULL;
    test_server_cred(&p, &cred);
    challenge(&cred, &ctx, 0, NULL, out);
    assert_int_equal(gethostname(host, sizeof(host)), 0);
    {
        char want[300];

        snprintf(want, sizeof(want), ",realm=\"%s\"", host);
        assert_non_null(strstr(out, want));
    }
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(challenge_in_windows_order, setup),
        cmocka_unit_test_setup(challenge_parameters, setup),
        cmocka_unit_test_setup(rfc2831_examples, setup),
        cmocka_unit_test_setup(vector_s5, setup),
        cmocka_unit_test_setup(refusals, setup),
        cmocka_unit_test_setup(more_refusals, setup),
        cmocka_unit_test_setup(unknown_user_like_wrong_password, setup),
        cmocka_unit_test_setup(wrong_realm_like_wrong_password, setup),
        cmocka_unit_test_setup(expected_names, setup),
        cmocka_unit_test_setup(retryable_failures, setup),
        cmocka_unit_test_setup(initial_response_gets_challenge, setup),
        cmocka_unit_test_setup(every_mutation_refused, setup),
        cmocka_unit_test_setup(caller_mistakes, setup),
        cmocka_unit_test_setup(allocate_memory, setup),
        cmocka_unit_test_setup(policy_checked, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
