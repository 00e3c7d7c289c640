/*
 * test_sasl_message.c: MakeSignature, VerifySignature, EncryptMessage and
 * DecryptMessage on contexts the engine's own SASL client and server
 * established: every layer and cipher both ways, every buffer form of
 * sspi.h, the sizes QueryContextAttributes reports, and every status the
 * four functions return, in the documented order.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

static const test_user users[] = {
    {"chris", "realm", "secret", 0},
};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 1;
    test_store_down = false;
    test_now = 1700000000;
    return 0;
}

#define CONF (ASC_REQ_CONFIDENTIALITY)
#define ICONF (ISC_REQ_CONFIDENTIALITY)

static const ULONG all_ciphers[] = {SD_SASL_CIPHER_3DES, SD_SASL_CIPHER_RC4,
                                    SD_SASL_CIPHER_DES, SD_SASL_CIPHER_RC4_56,
                                    SD_SASL_CIPHER_RC4_40};

/* An exchange for auth-int (cipher 0) or auth-conf with cipher. */
static void establish(sasl_exchange *x, ULONG cipher)
{
    if (cipher == 0) {
        sasl_exchange_run(x, ASC_REQ_INTEGRITY, ISC_REQ_INTEGRITY, 0, "chris",
                          "secret");
    }
    else {
        sasl_exchange_run(x, CONF, ICONF, cipher, "chris", "secret");
    }
}

/* Seals msg[0..len) on from: DATA, PADDING, TOKEN; into wire (DATA,
   PADDING, TOKEN concatenated), returns its length. */
static size_t seal3(CtxtHandle *from, const unsigned char *msg, size_t len,
                    unsigned char *wire)
{
    unsigned char data[512], pad[8], tok[16];
    SecBuffer b[3] = {{(ULONG)sizeof(tok), SECBUFFER_TOKEN, tok},
                      {(ULONG)len, SECBUFFER_DATA, data},
                      {(ULONG)sizeof(pad), SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};

    memcpy(data, msg, len);
    assert_status(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    assert_int_equal(b[0].cbBuffer, 16);
    assert_int_equal(b[1].cbBuffer, len);
    memcpy(wire, data, len);
    memcpy(wire + len, pad, b[2].cbBuffer);
    memcpy(wire + len + b[2].cbBuffer, tok, 16);
    return len + b[2].cbBuffer + 16;
}

/* The Windows Digest form: DATA and one PADDING for all the rest. */
static size_t seal2(CtxtHandle *from, const unsigned char *msg, size_t len,
                    unsigned char *wire)
{
    unsigned char data[512], rest[24];
    SecBuffer b[2] = {{(ULONG)len, SECBUFFER_DATA, data},
                      {(ULONG)sizeof(rest), SECBUFFER_PADDING, rest}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};

    memcpy(data, msg, len);
    assert_status(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    memcpy(wire, data, len);
    memcpy(wire + len, rest, b[1].cbBuffer);
    return len + b[1].cbBuffer;
}

/* Unseals a whole wire message in one DATA buffer; checks the result. */
static void open1(CtxtHandle *to, unsigned char *wire, size_t len,
                  const unsigned char *want, size_t want_len, ULONG want_qop)
{
    SecBuffer b[1] = {{(ULONG)len, SECBUFFER_DATA, wire}};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, b};
    ULONG qop = 99;

    assert_status(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
    assert_int_equal(qop, want_qop);
    assert_int_equal(b[0].cbBuffer, want_len);
    assert_memory_equal(wire, want, want_len);
}

/* The same with SECBUFFER_STREAM and a DATA buffer pointed into it. */
static void open_stream(CtxtHandle *to, unsigned char *wire, size_t len,
                        const unsigned char *want, size_t want_len)
{
    SecBuffer b[2] = {{(ULONG)len, SECBUFFER_STREAM, wire},
                      {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};

    assert_status(DecryptMessage(to, &d, 0, NULL), SEC_E_OK);
    assert_ptr_equal(b[1].pvBuffer, wire);
    assert_int_equal(b[1].cbBuffer, want_len);
    assert_memory_equal(wire, want, want_len);
}

/* Every layer, both ways, messages of 0 to 40 octets (every padding
   length), in both sealing forms and both unsealing forms: the RC4 key
   stream and the CBC chain must carry over from message to message. */
static void every_layer_both_ways(void **state)
{
    (void)state;
    for (size_t c = 0; c <= 5; c++) {
        ULONG cipher = c < 5 ? all_ciphers[c] : 0;
        ULONG want_qop = cipher ? 0 : SECQOP_WRAP_NO_ENCRYPT;
        sasl_exchange x;

        establish(&x, cipher);
        for (size_t len = 0; len <= 40; len++) {
            unsigned char msg[64], wire[128];
            size_t n;

            for (size_t i = 0; i < len; i++) {
                msg[i] = (unsigned char)(len * 7 + i);
            }
            n = seal3(&x.cctx, msg, len, wire);
            if (cipher != 0 && len > 0) {
                assert_memory_not_equal(wire, msg, len);
            }
            open1(&x.sctx, wire, n, msg, len, want_qop);
            n = seal2(&x.sctx, msg, len, wire);
            open_stream(&x.cctx, wire, n, msg, len);
        }
        sasl_exchange_finish(&x);
    }
}

static void sign_and_verify(void **state)
{
    sasl_exchange x;
    unsigned char a[] = "a001 NOOP", bb[] = "\r\n", tok[20], copy[16];
    SecBuffer b[3] = {{9, SECBUFFER_DATA, a},
                      {2, SECBUFFER_DATA | SECBUFFER_READONLY, bb},
                      {sizeof(tok), SECBUFFER_TOKEN, tok}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    unsigned char whole[11 + 16];
    SecBuffer s[2] = {{sizeof(whole), SECBUFFER_STREAM, whole},
                      {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc sd = {SECBUFFER_VERSION, 2, s};
    ULONG qop = 7;

    (void)state;
    establish(&x, 0);
    assert_status(MakeSignature(&x.cctx, 0, &d, 0), SEC_E_OK);
    assert_int_equal(b[2].cbBuffer, 16);
    memcpy(copy, tok, 16);
    /* the split form verifies as sent */
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop), SEC_E_OK);
    assert_int_equal(qop, 0);
    /* the next message in the stream form */
    assert_status(MakeSignature(&x.cctx, 0, &d, 0), SEC_E_OK);
    memcpy(whole, "a001 NOOP\r\n", 11);
    memcpy(whole + 11, tok, 16);
    assert_status(VerifySignature(&x.sctx, &sd, 0, NULL), SEC_E_OK);
    assert_ptr_equal(s[1].pvBuffer, whole);
    assert_int_equal(s[1].cbBuffer, 11);
    /* the sequence number moved: the same text signs differently */
    assert_memory_not_equal(copy, tok, 16);
    sasl_exchange_finish(&x);
}

static void sizes_by_layer(void **state)
{
    static const struct {
        ULONG cipher;
        ULONG block, trailer;
    } rows[] = {{0, 1, 16},
                {SD_SASL_CIPHER_RC4, 1, 16},
                {SD_SASL_CIPHER_DES, 8, 24},
                {SD_SASL_CIPHER_3DES, 8, 24}};

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sasl_exchange x;
        SecPkgContext_Sizes z;
        SecPkgContext_StreamSizes ss;

        establish(&x, rows[i].cipher);
        assert_status(QueryContextAttributes(&x.cctx, SECPKG_ATTR_SIZES, &z),
                      SEC_E_OK);
        assert_int_equal(z.cbMaxSignature, 16);
        assert_int_equal(z.cbSecurityTrailer, 16);
        assert_int_equal(z.cbBlockSize, rows[i].block);
        assert_int_equal(z.cbMaxToken, SD_MAX_TOKEN);
        assert_status(
            QueryContextAttributes(&x.sctx, SECPKG_ATTR_STREAM_SIZES, &ss),
            SEC_E_OK);
        assert_int_equal(ss.cbTrailer, rows[i].trailer);
        assert_int_equal(ss.cbBlockSize, rows[i].block);
        /* the peer announced the default maxbuf, 65536 */
        assert_int_equal(ss.cbMaximumMessage, 65536 - 4 - rows[i].trailer);
        sasl_exchange_finish(&x);
    }
}

/* The statuses of the four functions before any octet moves. */
static void refused_calls(void **state)
{
    sasl_exchange x;
    unsigned char data[64] = "hello", tok[16], pad[8], small[8];
    SecBuffer b[3];
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ULONG qop;

    (void)state;
    /* qop=auth: no layer */
    sasl_exchange_run(&x, 0, 0, 0, "chris", "secret");
    b[0] = (SecBuffer){5, SECBUFFER_DATA, data};
    b[1] = (SecBuffer){16, SECBUFFER_TOKEN, tok};
    d.cBuffers = 2;
    assert_status(MakeSignature(&x.cctx, 0, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    assert_status(DecryptMessage(&x.sctx, &d, 0, &qop),
                  SEC_E_QOP_NOT_SUPPORTED);
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop),
                  SEC_E_QOP_NOT_SUPPORTED);
    sasl_exchange_finish(&x);

    /* auth-conf: signing alone is not what the peer expects */
    establish(&x, SD_SASL_CIPHER_RC4);
    assert_status(MakeSignature(&x.cctx, 0, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop),
                  SEC_E_QOP_NOT_SUPPORTED);
    assert_status(EncryptMessage(&x.cctx, SECQOP_WRAP_NO_ENCRYPT, &d, 0),
                  SEC_E_QOP_NOT_SUPPORTED);
    /* buffers */
    b[1].BufferType = SECBUFFER_PKG_PARAMS;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    b[1].BufferType = SECBUFFER_TOKEN;
    b[0].BufferType = SECBUFFER_DATA | SECBUFFER_READONLY;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    b[0].BufferType = SECBUFFER_DATA;
    d.cBuffers = 1;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    d.ulVersion = 1;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    d.ulVersion = SECBUFFER_VERSION;
    d.cBuffers = 2;
    /* a message longer than the peer's maxbuf allows */
    {
        SecPkgContext_StreamSizes ss;
        static unsigned char big[70000];

        QueryContextAttributes(&x.cctx, SECPKG_ATTR_STREAM_SIZES, &ss);
        b[0] = (SecBuffer){ss.cbMaximumMessage + 1, SECBUFFER_DATA, big};
        assert_status(EncryptMessage(&x.cctx, 0, &d, 0),
                      SEC_E_INVALID_PARAMETER);
        b[0].cbBuffer = ss.cbMaximumMessage;
        assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_OK);
    }
    /* outputs too small: nothing written */
    memcpy(data, "hello", 5);
    b[0] = (SecBuffer){5, SECBUFFER_DATA, data};
    b[1] = (SecBuffer){15, SECBUFFER_TOKEN, tok};
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    assert_memory_equal(data, "hello", 5);
    b[1] = (SecBuffer){15, SECBUFFER_PADDING, tok};
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    sasl_exchange_finish(&x);

    /* des: the padding has to go somewhere */
    establish(&x, SD_SASL_CIPHER_DES);
    b[0] = (SecBuffer){5, SECBUFFER_DATA, data};
    b[1] = (SecBuffer){16, SECBUFFER_TOKEN, tok};
    d.cBuffers = 2;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_INVALID_PARAMETER);
    b[2] = (SecBuffer){0, SECBUFFER_PADDING, small};
    d.cBuffers = 3;
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    b[2] = (SecBuffer){8, SECBUFFER_PADDING, pad};
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_OK);
    assert_int_equal(b[2].cbBuffer, 1); /* 5 + 1 + 10 = 16 */
    d.cBuffers = 2;
    b[1] = (SecBuffer){16, SECBUFFER_PADDING, tok};
    assert_status(EncryptMessage(&x.cctx, 0, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    sasl_exchange_finish(&x);

    /* receiving */
    establish(&x, 0);
    b[0] = (SecBuffer){5, SECBUFFER_DATA, data};
    b[1] = (SecBuffer){15, SECBUFFER_TOKEN, tok};
    d.cBuffers = 2;
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop),
                  SEC_E_INCOMPLETE_MESSAGE);
    b[1] = (SecBuffer){17, SECBUFFER_TOKEN, data};
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop), SEC_E_INVALID_TOKEN);
    b[0] = (SecBuffer){15, SECBUFFER_STREAM, data};
    b[1] = (SecBuffer){0, SECBUFFER_DATA, NULL};
    assert_status(VerifySignature(&x.sctx, &d, 0, &qop),
                  SEC_E_INCOMPLETE_MESSAGE);
    assert_status(DecryptMessage(&x.sctx, &d, 0, &qop),
                  SEC_E_INCOMPLETE_MESSAGE);
    b[1] = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    assert_status(DecryptMessage(&x.sctx, &d, 0, &qop),
                  SEC_E_INVALID_PARAMETER);
    assert_status(EncryptMessage(&x.cctx, 0x1234, &d, 0),
                  SEC_E_QOP_NOT_SUPPORTED);
    assert_status(MakeSignature(&x.cctx, 1, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    sasl_exchange_finish(&x);
}

/* Replayed, reordered, altered: through the API, in sspi.h's order. */
static void replays_and_forgeries(void **state)
{
    for (size_t c = 0; c <= 5; c++) {
        ULONG cipher = c < 5 ? all_ciphers[c] : 0;
        unsigned char m0[64], m1[64], copy[64];
        size_t n0, n1;
        sasl_exchange x;
        SecBuffer b[1];
        SecBufferDesc d = {SECBUFFER_VERSION, 1, b};

        (void)state;
        establish(&x, cipher);
        n0 = seal3(&x.cctx, (const unsigned char *)"zero", 4, m0);
        n1 = seal3(&x.cctx, (const unsigned char *)"one", 3, m1);
        /* 1 before 0: out of sequence, nothing changed */
        memcpy(copy, m1, n1);
        b[0] = (SecBuffer){(ULONG)n1, SECBUFFER_DATA, copy};
        assert_status(DecryptMessage(&x.sctx, &d, 0, NULL),
                      SEC_E_OUT_OF_SEQUENCE);
        assert_memory_equal(copy, m1, n1);
        open1(&x.sctx, m0, n0, (const unsigned char *)"zero", 4,
              cipher ? 0 : SECQOP_WRAP_NO_ENCRYPT);
        /* replayed */
        n0 = seal3(&x.cctx, (const unsigned char *)"zero", 4, m0);
        b[0] = (SecBuffer){(ULONG)n0, SECBUFFER_DATA, m0};
        memcpy(copy, m1, n1);
        open1(&x.sctx, copy, n1, (const unsigned char *)"one", 3,
              cipher ? 0 : SECQOP_WRAP_NO_ENCRYPT);
        memcpy(copy, m1, n1);
        b[0] = (SecBuffer){(ULONG)n1, SECBUFFER_DATA, copy};
        assert_status(DecryptMessage(&x.sctx, &d, 0, NULL),
                      SEC_E_OUT_OF_SEQUENCE);
        /* altered: one bit of the message 2 that is due */
        m0[0] ^= 0x20;
        b[0] = (SecBuffer){(ULONG)n0, SECBUFFER_DATA, m0};
        assert_status(DecryptMessage(&x.sctx, &d, 0, NULL),
                      SEC_E_MESSAGE_ALTERED);
        /* that direction is closed; the other still works */
        n0 = seal3(&x.cctx, (const unsigned char *)"more", 4, m0);
        b[0] = (SecBuffer){(ULONG)n0, SECBUFFER_DATA, m0};
        assert_status(DecryptMessage(&x.sctx, &d, 0, NULL),
                      SEC_E_MESSAGE_ALTERED);
        n0 = seal2(&x.sctx, (const unsigned char *)"back", 4, m0);
        open_stream(&x.cctx, m0, n0, (const unsigned char *)"back", 4);
        sasl_exchange_finish(&x);
    }
}

/* The message functions on what is not an established SASL context. */
static void wrong_contexts(void **state)
{
    test_exchange http;
    CtxtHandle bogus = {12345, 67890};
    sasl_exchange x;
    SecBuffer b[2] = {{0, SECBUFFER_DATA, NULL}, {0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    char ch[256];
    CredHandle server;
    CtxtHandle half;
    static const test_user more[] = {{"chris", "realm", "secret", 0},
                                     {"Mufasa", "realm", "Circle Of Life", 0}};

    (void)state;
    test_users = more;
    test_nusers = 2;
    test_exchange_start(&http, SD_ALG_MD5, SD_QOP_AUTH, "Mufasa",
                        "Circle Of Life", "/");
    assert_status(MakeSignature(&http.sctx, 0, &d, 0),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(VerifySignature(&http.cctx, &d, 0, NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(EncryptMessage(&http.sctx, 0, &d, 0),
                  SEC_E_UNSUPPORTED_FUNCTION);
    assert_status(DecryptMessage(&http.sctx, &d, 0, NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    test_exchange_finish(&http);
    assert_status(MakeSignature(&bogus, 0, &d, 0), SEC_E_INVALID_HANDLE);
    assert_status(DecryptMessage(NULL, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    /* challenged, not established */
    test_sasl_server_cred(0, &server);
    assert_status(sasl_asc(&server, NULL, &half, ASC_REQ_INTEGRITY, NULL, NULL,
                           ch, sizeof(ch), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(MakeSignature(&half, 0, &d, 0), SEC_E_QOP_NOT_SUPPORTED);
    {
        SecPkgContext_Sizes z;

        assert_status(QueryContextAttributes(&half, SECPKG_ATTR_SIZES, &z),
                      SEC_E_OK);
        assert_int_equal(z.cbMaxSignature, 0);
        assert_int_equal(z.cbBlockSize, 0);
    }
    DeleteSecurityContext(&half);
    FreeCredentialsHandle(&server);
    /* deleted */
    establish(&x, 0);
    DeleteSecurityContext(&x.cctx);
    assert_status(MakeSignature(&x.cctx, 0, &d, 0), SEC_E_INVALID_HANDLE);
    sasl_exchange_finish(&x);
    test_users = users;
    test_nusers = 1;
}

/* cbMaximumMessage follows the maxbuf the peer announced. */
static void peer_maxbuf(void **state)
{
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    SD_SASL_PARAMETERS sp = {0};
    char ch[1024], resp[1024], rsp[128], empty[8];
    SecPkgContext_StreamSizes ss;

    (void)state;
    test_sasl_server_cred(0, &server);
    test_client_cred("chris", "secret", &client);
    sp.MaxBuffer = 1000;
    assert_status(sasl_asc(&server, NULL, &sctx, ASC_REQ_CONFIDENTIALITY, NULL,
                           &sp, ch, sizeof(ch), NULL),
                  SEC_I_CONTINUE_NEEDED);
    sp.MaxBuffer = 2000;
    assert_status(sasl_isc(&client, NULL, &cctx, ISC_REQ_CONFIDENTIALITY,
                           "ldap/host", ch, &sp, resp, sizeof(resp), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_status(sasl_asc(&server, &sctx, &sctx, ASC_REQ_CONFIDENTIALITY, resp,
                           NULL, rsp, sizeof(rsp), NULL),
                  SEC_E_OK);
    assert_status(sasl_isc(&client, &cctx, &cctx, ISC_REQ_CONFIDENTIALITY,
                           "ldap/host", rsp, NULL, empty, sizeof(empty), NULL),
                  SEC_E_OK);
    /* 3des: the trailer is at most 24 */
    QueryContextAttributes(&sctx, SECPKG_ATTR_STREAM_SIZES, &ss);
    assert_int_equal(ss.cbMaximumMessage, 2000 - 4 - 24);
    QueryContextAttributes(&cctx, SECPKG_ATTR_STREAM_SIZES, &ss);
    assert_int_equal(ss.cbMaximumMessage, 1000 - 4 - 24);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
}

/* The package says it can sign and seal. */
static void package_capabilities(void **state)
{
    PSecPkgInfo info = NULL;

    (void)state;
    assert_status(QuerySecurityPackageInfo("WDigest", &info), SEC_E_OK);
    assert_int_equal(info->fCapabilities & (SECPKG_FLAG_INTEGRITY |
                                            SECPKG_FLAG_PRIVACY),
                     SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY);
    FreeContextBuffer(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(every_layer_both_ways, setup),
        cmocka_unit_test_setup(sign_and_verify, setup),
        cmocka_unit_test_setup(sizes_by_layer, setup),
        cmocka_unit_test_setup(refused_calls, setup),
        cmocka_unit_test_setup(replays_and_forgeries, setup),
        cmocka_unit_test_setup(wrong_contexts, setup),
        cmocka_unit_test_setup(peer_maxbuf, setup),
        cmocka_unit_test(package_capabilities),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
