/*
 * test_sasl_client.c: InitializeSecurityContext in SASL mode.  Given RFC
 * 2831 §4's challenges and cnonces (a test cnonce source), it writes the
 * RFC's responses octet for octet, and S3-S5's; it checks rspauth; it
 * picks qop, cipher and realm as sspi.h says; and every status it returns.
 */
#include "support.h"

#include <string.h>

#define OUT_CAP 4096

static const char *cnonce = "OA6MHXh6VqTrRk";

static bool fixed_cnonce(void *arg, char *out, size_t *len)
{
    (void)arg;
    *len = strlen(cnonce);
    memcpy(out, cnonce, *len);
    return true;
}

/* Client credentials (Domain may be NULL) with the fixed cnonce. */
static void client(const char *user, const char *domain, CredHandle *h)
{
    SEC_WINNT_AUTH_IDENTITY id = {0};
    sd_test_hooks hooks = {0};

    id.User = (UCHAR *)(uintptr_t)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (UCHAR *)(uintptr_t) "secret";
    id.PasswordLength = 6;
    if (domain != NULL) {
        id.Domain = (UCHAR *)(uintptr_t)domain;
        id.DomainLength = (ULONG)strlen(domain);
    }
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    assert_status(AcquireCredentialsHandle(NULL, "WDigest",
                                           SECPKG_CRED_OUTBOUND, NULL, &id,
                                           NULL, NULL, h, NULL),
                  SEC_E_OK);
    hooks.make_cnonce = fixed_cnonce;
    assert_status(sd_cred_set_test_hooks(h, &hooks), SEC_E_OK);
}

static const char imap_challenge[] =
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\","
    "algorithm=md5-sess,charset=utf-8";

/* RFC 2831 §4 and vectors S3-S5: the response as the RFC prints it (our
   directive order is the RFC's), then the rspauth accepted. */
static void rfc2831_examples(void **state)
{
    static const struct {
        const char *user, *uri, *cn, *challenge;
        ULONG req;
        const char *authzid, *response, *rspauth;
        ULONG attrs;
    } rows[] = {
        {"chris", "imap/elwood.innosoft.com", "OA6MHXh6VqTrRk", imap_challenge,
         0, NULL,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
         "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
         "digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a"
         "152321f2143af7,qop=auth",
         "rspauth=ea40f60335c427b5527b84dbabcdfffd", 0},
        {"chris", "acap/elwood.innosoft.com", "OA9BSuZWMSpW8m",
         "realm=\"elwood.innosoft.com\",nonce=\"OA9BSXrbuRhWay\",qop=\"auth\","
         "algorithm=md5-sess,charset=utf-8",
         0, NULL,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
         "nonce=\"OA9BSXrbuRhWay\",nc=00000001,cnonce=\"OA9BSuZWMSpW8m\","
         "digest-uri=\"acap/elwood.innosoft.com\",response=6084c6db3fede7352c"
         "551284490fd0fc,qop=auth",
         "rspauth=2f0b3d7c3c2e486600ef710726aa2eae", 0},
        {"chris", "imap/elwood.innosoft.com", "OA6MHXh6VqTrRk",
         "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth,"
         "auth-int\",algorithm=md5-sess,charset=utf-8",
         ISC_REQ_INTEGRITY, NULL,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
         "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
         "digest-uri=\"imap/elwood.innosoft.com\",response=89fdc8198a2499ec4b"
         "6d0045c00ae24a,qop=auth-int",
         "rspauth=2342e4b9b84956beda20b94d83cc8fe0",
         ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT},
        {"chris", "imap/elwood.innosoft.com", "OA6MHXh6VqTrRk",
         "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth,"
         "auth-int,auth-conf\",cipher=\"rc4\",algorithm=md5-sess,charset=utf-8",
         ISC_REQ_CONFIDENTIALITY, NULL,
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
         "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
         "digest-uri=\"imap/elwood.innosoft.com\",response=c7d2efa41f50398d28"
         "9b732a0c09f381,qop=auth-conf,cipher=rc4",
         "rspauth=e2b2f2d1742ec87e03e40f22efdeaac8",
         ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT |
             ISC_RET_CONFIDENTIALITY},
        {"chris", "imap/elwood.innosoft.com", "OA6MHXh6VqTrRk", imap_challenge,
         0, "chris",
         "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
         "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
         "digest-uri=\"imap/elwood.innosoft.com\",response=b1b19eb65cf78f4fa5"
         "b9fc515757b655,qop=auth,authzid=\"chris\"",
         "rspauth=1a16e5ea733e6c675236527ffefd5156", 0},
        {"J\xc3\xa4s\xc3\xb8n Doe", "imap/elwood.innosoft.com",
         "OA6MHXh6VqTrRk", imap_challenge, 0, NULL,
         "charset=utf-8,username=\"J\xc3\xa4s\xc3\xb8n Doe\",realm=\"elwood."
         "innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHX"
         "h6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\",response=bf2161f"
         "794814da36df15a1d2b055226,qop=auth",
         "rspauth=a3090d31cba8bedb75baf732eccd061a", 0},
    };
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CredHandle cred;
        CtxtHandle ctx;
        SD_SASL_PARAMETERS sp = {0};
        ULONG attrs = 0;
        SecPkgContext_SdSasl z;

        cnonce = rows[i].cn;
        client(rows[i].user, NULL, &cred);
        if (rows[i].authzid != NULL) {
            sp.Authzid = rows[i].authzid;
            sp.AuthzidLength = (ULONG)strlen(sp.Authzid);
        }
        /* no input first: DIGEST-MD5 has no initial response */
        assert_status(sasl_isc(&cred, NULL, &ctx, rows[i].req, rows[i].uri,
                               NULL, NULL, out, OUT_CAP, &attrs),
                      SEC_I_CONTINUE_NEEDED);
        assert_string_equal(out, "");
        assert_status(sasl_isc(&cred, &ctx, &ctx, rows[i].req, rows[i].uri,
                               rows[i].challenge, &sp, out, OUT_CAP, &attrs),
                      SEC_I_CONTINUE_NEEDED);
        assert_string_equal(out, rows[i].response);
        assert_int_equal(attrs, ISC_RET_CONNECTION | rows[i].attrs);
        assert_status(QueryContextAttributes(&ctx, SECPKG_ATTR_SD_SASL, &z),
                      SEC_E_OK);
        assert_int_equal(z.cbDigestUri, strlen(rows[i].uri));
        assert_status(sasl_isc(&cred, &ctx, &ctx, rows[i].req, rows[i].uri,
                               rows[i].rspauth, NULL, out, OUT_CAP, &attrs),
                      SEC_E_OK);
        assert_string_equal(out, "");
        assert_int_equal(attrs, ISC_RET_CONNECTION | ISC_RET_MUTUAL_AUTH |
                                    rows[i].attrs);
        /* over: nothing more to say */
        assert_status(sasl_isc(&cred, &ctx, &ctx, rows[i].req, rows[i].uri,
                               rows[i].rspauth, NULL, out, OUT_CAP, NULL),
                      STATUS_LOGON_FAILURE);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
    cnonce = "OA6MHXh6VqTrRk";
}

/* A wrong rspauth: the server did not prove it knows the key. */
static void wrong_rspauth(void **state)
{
    static const char *bad[] = {"rspauth=ea40f60335c427b5527b84dbabcdfffe",
                                "rspauth=2f0b3d7c3c2e486600ef710726aa2eae"};
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        CredHandle cred;
        CtxtHandle ctx;

        client("chris", NULL, &cred);
        assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/elwood.innosoft.com",
                               imap_challenge, NULL, out, OUT_CAP, NULL),
                      SEC_I_CONTINUE_NEEDED);
        assert_status(sasl_isc(&cred, &ctx, &ctx, 0, "imap/elwood.innosoft.com",
                               bad[i], NULL, out, OUT_CAP, NULL),
                      SEC_E_MUTUAL_AUTH_FAILED);
        assert_string_equal(test_reason(&ctx), "wrong rspauth");
        /* and the right one now is too late */
        assert_status(sasl_isc(&cred, &ctx, &ctx, 0, "imap/elwood.innosoft.com",
                               "rspauth=ea40f60335c427b5527b84dbabcdfffd", NULL,
                               out, OUT_CAP, NULL),
                      STATUS_LOGON_FAILURE);
        DeleteSecurityContext(&ctx);
        FreeCredentialsHandle(&cred);
    }
}

/* The response to challenge for req (and Ciphers): into out. */
static SECURITY_STATUS answer(const char *domain, ULONG req, ULONG ciphers,
                              const char *ch, char *out, ULONG *attrs)
{
    CredHandle cred;
    CtxtHandle ctx;
    SD_SASL_PARAMETERS sp = {0};
    SECURITY_STATUS st;

    sp.Ciphers = ciphers;
    client("chris", domain, &cred);
    st = sasl_isc(&cred, NULL, &ctx, req, "ldap/dc1", ch, &sp, out, OUT_CAP,
                  attrs);
    if (SEC_SUCCESS(st)) {
        DeleteSecurityContext(&ctx);
    }
    FreeCredentialsHandle(&cred);
    return st;
}

/* The strongest qop offered that the caller asked for, and the first
   cipher of 3des, rc4, des, rc4-56, rc4-40 it may use. */
static void picks_qop_and_cipher(void **state)
{
    static const char all[] =
        "nonce=\"n\",algorithm=md5-sess,qop=\"auth,auth-int,auth-conf\","
        "cipher=\"rc4-40,rc4-56,rc4,des,3des\"";
    static const struct {
        const char *ch;
        ULONG req, ciphers;
        const char *want;
    } rows[] = {
        {all, 0, 0, ",qop=auth"},
        {all, ISC_REQ_INTEGRITY, 0, ",qop=auth-int"},
        {all, ISC_REQ_REPLAY_DETECT, 0, ",qop=auth-int"},
        {all, ISC_REQ_SEQUENCE_DETECT, 0, ",qop=auth-int"},
        {all, ISC_REQ_CONFIDENTIALITY, 0, ",qop=auth-conf,cipher=3des"},
        {all, ISC_REQ_CONFIDENTIALITY, SD_SASL_CIPHER_RC4 | SD_SASL_CIPHER_DES,
         ",qop=auth-conf,cipher=rc4"},
        {all, ISC_REQ_CONFIDENTIALITY, SD_SASL_CIPHER_DES,
         ",qop=auth-conf,cipher=des"},
        {all, ISC_REQ_CONFIDENTIALITY, SD_SASL_CIPHER_RC4_56,
         ",qop=auth-conf,cipher=rc4-56"},
        {all, ISC_REQ_CONFIDENTIALITY, SD_SASL_CIPHER_RC4_40,
         ",qop=auth-conf,cipher=rc4-40"},
        /* no cipher in common: integrity */
        {"nonce=\"n\",algorithm=md5-sess,qop=\"auth,auth-int,auth-conf\","
         "cipher=\"aes\"",
         ISC_REQ_CONFIDENTIALITY, 0, ",qop=auth-int"},
        /* auth-conf without cipher-opts cannot be chosen */
        {"nonce=\"n\",algorithm=md5-sess,qop=\"auth-conf,auth\"",
         ISC_REQ_CONFIDENTIALITY, 0, ",qop=auth"},
        /* confidentiality asked, only auth offered: auth, and the flags
           tell the caller */
        {"nonce=\"n\",algorithm=md5-sess", ISC_REQ_CONFIDENTIALITY, 0,
         ",qop=auth"},
    };
    char out[OUT_CAP];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ULONG attrs = 0;
        const char *qop;

        assert_status(
            answer(NULL, rows[i].req, rows[i].ciphers, rows[i].ch, out, &attrs),
            SEC_I_CONTINUE_NEEDED);
        qop = strstr(out, ",qop=");
        assert_non_null(qop);
        print_message("%s\n", qop);
        assert_memory_equal(qop, rows[i].want, strlen(rows[i].want));
        assert_true(qop[strlen(rows[i].want)] == '\0' ||
                    qop[strlen(rows[i].want)] == ',');
        assert_int_equal((attrs & ISC_RET_CONFIDENTIALITY) != 0,
                         strstr(rows[i].want, "conf") != NULL);
    }
    /* nothing the caller accepts: auth-conf only, no confidentiality */
    assert_status(answer(NULL, 0, 0,
                         "nonce=\"n\",algorithm=md5-sess,qop=\"auth-conf\","
                         "cipher=\"rc4\"",
                         out, NULL),
                  SEC_E_QOP_NOT_SUPPORTED);
}

static void picks_realm(void **state)
{
    char out[OUT_CAP];

    (void)state;
    /* the first realm offered */
    assert_status(answer(NULL, 0, 0,
                         "realm=\"one\",realm=\"two\",nonce=\"n\",algorithm="
                         "md5-sess",
                         out, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, "username=\"chris\",realm=\"one\","));
    /* the identity's Domain when offered */
    assert_status(answer("two", 0, 0,
                         "realm=\"one\",realm=\"two\",nonce=\"n\",algorithm="
                         "md5-sess",
                         out, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, ",realm=\"two\","));
    /* not offered */
    assert_status(answer("three", 0, 0,
                         "realm=\"one\",realm=\"two\",nonce=\"n\",algorithm="
                         "md5-sess",
                         out, NULL),
                  SEC_E_WRONG_PRINCIPAL);
    /* none offered: the Domain, or no realm directive at all */
    assert_status(
        answer("mine", 0, 0, "nonce=\"n\",algorithm=md5-sess", out, NULL),
        SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, ",realm=\"mine\","));
    assert_status(
        answer(NULL, 0, 0, "nonce=\"n\",algorithm=md5-sess", out, NULL),
        SEC_I_CONTINUE_NEEDED);
    assert_null(strstr(out, "realm="));
    /* without charset=utf-8 an ISO 8859-1 realm is matched in UTF-8 */
    assert_status(answer("r\xc3\xa4", 0, 0,
                         "realm=\"r\xe4\",nonce=\"n\",algorithm=md5-sess", out,
                         NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, ",realm=\"r\xe4\","));
    /* a realm of SD_MAX_REALM octets of ISO 8859-1 is twice that in
       UTF-8, more than a context keeps */
    {
        char ch[SD_MAX_REALM + 64];
        size_t n;

        strcpy(ch, "nonce=\"n\",algorithm=md5-sess,realm=\"");
        n = strlen(ch);
        memset(ch + n, 0xe4, SD_MAX_REALM / 2);
        strcpy(ch + n + SD_MAX_REALM / 2, "\"");
        assert_status(answer(NULL, 0, 0, ch, out, NULL), SEC_I_CONTINUE_NEEDED);
        memset(ch + n, 0xe4, SD_MAX_REALM / 2 + 1);
        strcpy(ch + n + SD_MAX_REALM / 2 + 1, "\"");
        assert_status(answer(NULL, 0, 0, ch, out, NULL), SEC_E_INVALID_TOKEN);
    }
}

/* Without charset=utf-8 names travel in ISO 8859-1, or cannot travel. */
static void without_charset(void **state)
{
    CredHandle cred;
    CtxtHandle ctx;
    char out[OUT_CAP];

    (void)state;
    client("J\xc3\xa4s\xc3\xb8n Doe", NULL, &cred);
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/elwood.innosoft.com",
                           "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2"
                           "hh\",algorithm=md5-sess",
                           NULL, out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    /* no charset directive, the name in ISO 8859-1, S5's response */
    assert_string_equal(out, "username=\"J\xe4s\xf8n Doe\",realm=\"elwood."
                             "innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc="
                             "00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri="
                             "\"imap/elwood.innosoft.com\",response=bf2161f79"
                             "4814da36df15a1d2b055226,qop=auth");
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    client("\xce\xa9mega", NULL, &cred);
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h",
                           "nonce=\"n\",algorithm=md5-sess", NULL, out, OUT_CAP,
                           NULL),
                  SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&cred);
}

static void statuses(void **state)
{
    CredHandle cred, server;
    CtxtHandle ctx;
    char out[OUT_CAP], small[16];
    SD_SASL_PARAMETERS sp = {0};

    (void)state;
    client("chris", NULL, &cred);
    /* target names */
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, NULL, imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_E_INVALID_PARAMETER);
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap", imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_E_INVALID_PARAMETER);
    /* malformed challenge */
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h",
                           "nonce=\"n\",algorithm=md5", NULL, out, OUT_CAP,
                           NULL),
                  SEC_E_INVALID_TOKEN);
    /* a too small buffer leaves the exchange open */
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h", NULL, NULL, out,
                           OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(sasl_isc(&cred, &ctx, &ctx, 0, "imap/h", imap_challenge, NULL,
                           small, sizeof(small), NULL),
                  SEC_E_BUFFER_TOO_SMALL);
    assert_status(sasl_isc(&cred, &ctx, &ctx, 0, "imap/h", imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    /* rspauth due: a challenge is not one */
    assert_status(sasl_isc(&cred, &ctx, &ctx, 0, "imap/h", imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_E_INVALID_TOKEN);
    DeleteSecurityContext(&ctx);
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h", imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(
        sasl_isc(&cred, &ctx, &ctx, 0, "imap/h", "", NULL, out, OUT_CAP, NULL),
        SEC_E_INVALID_TOKEN);
    assert_string_equal(test_reason(&ctx), "rspauth expected");
    DeleteSecurityContext(&ctx);
    /* maxbuf and the flags nobody can honour */
    sp.MaxBuffer = 1024;
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h", imap_challenge, &sp,
                           out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(out, ",maxbuf=1024"));
    DeleteSecurityContext(&ctx);
    assert_status(sasl_isc(&cred, NULL, &ctx, ISC_REQ_DELEGATE, "imap/h",
                           imap_challenge, NULL, out, OUT_CAP, NULL),
                  SEC_E_SECURITY_QOS_FAILED);
    /* one context, one mode */
    assert_status(sasl_isc(&cred, NULL, &ctx, 0, "imap/h", imap_challenge, NULL,
                           out, OUT_CAP, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(
        isc_call(&cred, &ctx, &ctx, 0, "/", "", "GET", out, OUT_CAP, NULL),
        SEC_E_INVALID_PARAMETER);
    DeleteSecurityContext(&ctx);
    /* server credentials */
    test_sasl_server_cred(0, &server);
    assert_status(sasl_isc(&server, NULL, &ctx, 0, "imap/h", imap_challenge,
                           NULL, out, OUT_CAP, NULL),
                  SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&cred);
}

/* ISC_REQ_ALLOCATE_MEMORY: the response in the engine's buffer. */
static void allocate_memory(void **state)
{
    CredHandle cred;
    CtxtHandle ctx;
    SecBuffer ib = {(ULONG)strlen(imap_challenge), SECBUFFER_TOKEN,
                    (void *)(uintptr_t)imap_challenge};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;

    (void)state;
    client("chris", NULL, &cred);
    assert_status(InitializeSecurityContext(&cred, NULL, "imap/h",
                                            ISC_REQ_ALLOCATE_MEMORY, 0, 0, &id,
                                            0, &ctx, &od, &attrs, NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_true(attrs & ISC_RET_ALLOCATED_MEMORY);
    assert_memory_equal(ob.pvBuffer, "charset=utf-8,username=", 23);
    assert_status(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
}

/* Every qop and cipher between the engine's client and server, and the
   attributes each side then reports. */
static const test_user users[] = {{"chris", "realm", "secret", 0}};

static void round_trips(void **state)
{
    static const ULONG ciphers[] = {0,
                                    SD_SASL_CIPHER_3DES,
                                    SD_SASL_CIPHER_RC4,
                                    SD_SASL_CIPHER_DES,
                                    SD_SASL_CIPHER_RC4_56,
                                    SD_SASL_CIPHER_RC4_40};

    (void)state;
    test_users = users;
    test_nusers = 1;
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
        sasl_exchange x;
        SecPkgContext_SdSasl zs, zc;

        sasl_exchange_run(&x, ASC_REQ_CONFIDENTIALITY,
                          ciphers[i] ? ISC_REQ_CONFIDENTIALITY : 0, ciphers[i],
                          "chris", "secret");
        assert_status(QueryContextAttributes(&x.sctx, SECPKG_ATTR_SD_SASL, &zs),
                      SEC_E_OK);
        assert_status(QueryContextAttributes(&x.cctx, SECPKG_ATTR_SD_SASL, &zc),
                      SEC_E_OK);
        assert_int_equal(zs.Cipher, ciphers[i]);
        assert_int_equal(zc.Cipher, ciphers[i]);
        assert_int_equal(zs.Qop, ciphers[i] ? SD_QOP_AUTH_CONF : SD_QOP_AUTH);
        assert_int_equal(zc.Qop, zs.Qop);
        assert_int_equal((x.sattrs & ASC_RET_CONFIDENTIALITY) != 0,
                         ciphers[i] != 0);
        sasl_exchange_finish(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc2831_examples),     cmocka_unit_test(wrong_rspauth),
        cmocka_unit_test(picks_qop_and_cipher), cmocka_unit_test(picks_realm),
        cmocka_unit_test(without_charset),      cmocka_unit_test(statuses),
        cmocka_unit_test(allocate_memory),      cmocka_unit_test(round_trips),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
