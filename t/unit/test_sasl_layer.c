/*
 * test_sasl_layer.c: the security layers on flat octets.  Vectors S7 (MAC
 * blocks) and S8 (rc4 sealing) of test-vectors.md; every cipher against a
 * sealer written here from RFC 2831 §2.3-§2.4 alone (its own key
 * derivation, DES parity, padding and framing over raw OpenSSL), message
 * after message; messages that sealer forges (bad padding with a right
 * MAC, which only the padding check can catch); and every receiving
 * status in its order.
 */
#include "support.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "hex.h"
#include "sasl_layer.h"

/* H(A1) of vector S1. */
static unsigned char ha1[16];

static int setup(void **state)
{
    if (test_apr_up(state) != 0) {
        return -1;
    }
    return sd_hex_decode_public(ha1, 16, "a2549853149b0536f01f0b850c643c57", 32)
               ? 0
               : -1;
}

static void unhex(unsigned char *out, const char *hex)
{
    assert_true(sd_hex_decode_public(out, strlen(hex) / 2, hex, strlen(hex)));
}

/* Both ends of a session over ha1. */
typedef struct {
    apr_pool_t *pool;
    sd_sasl_layer *client, *server;
} ends;

static void ends_make(ends *e, ULONG qop, ULONG cipher)
{
    sd_hasher *h;

    e->pool = test_pool();
    h = sd_hasher_create(e->pool);
    e->client = sd_sasl_layer_create(e->pool, sd_sasl_crypto_get(), h, ha1, qop,
                                     cipher, true, 65536);
    e->server = sd_sasl_layer_create(e->pool, sd_sasl_crypto_get(), h, ha1, qop,
                                     cipher, false, 65536);
    assert_non_null(e->client);
    assert_non_null(e->server);
}

static void ends_free(ends *e)
{
    test_pool_destroy(e->pool);
}

static SECURITY_STATUS sign_text(sd_sasl_layer *l, const char *text,
                                 unsigned char trailer[16])
{
    sd_sasl_piece p = {(const unsigned char *)text, strlen(text)};

    return sd_sasl_layer_sign(l, &p, 1, trailer);
}

/* S7: the MAC blocks of three messages, client and server. */
static void vector_s7(void **state)
{
    unsigned char t[16], want[16];
    ends e;

    (void)state;
    ends_make(&e, SD_QOP_AUTH_INT, 0);
    assert_status(sign_text(e.client, "a001 NOOP\r\n", t), SEC_E_OK);
    unhex(want, "54593ef9fc2611ef8739000100000000");
    assert_memory_equal(t, want, 16);
    {
        sd_sasl_piece p = {(const unsigned char *)"a001 NOOP\r\n", 11};

        assert_status(sd_sasl_layer_verify(e.server, &p, 1, t), SEC_E_OK);
    }
    assert_status(sign_text(e.server, "a001 OK NOOP completed\r\n", t),
                  SEC_E_OK);
    unhex(want, "b6969267984ecb37c776000100000000");
    assert_memory_equal(t, want, 16);
    assert_status(sign_text(e.client, "a002 LOGOUT\r\n", t), SEC_E_OK);
    unhex(want, "2b1a26b82baff8aa4717000100000001");
    assert_memory_equal(t, want, 16);
    ends_free(&e);
}

/* S8: the first client message sealed with rc4. */
static void vector_s8(void **state)
{
    unsigned char msg[11], trailer[16], want[27];
    ends e;

    (void)state;
    ends_make(&e, SD_QOP_AUTH_CONF, SD_SASL_CIPHER_RC4);
    memcpy(msg, "a001 NOOP\r\n", 11);
    assert_int_equal(sd_sasl_layer_padding(e.client, 11), 0);
    assert_status(sd_sasl_layer_seal(e.client, msg, 11, NULL, trailer),
                  SEC_E_OK);
    unhex(want, "3640ac1515932c2027ee45c87eb84d5bb5bf8a8e5b000100000000");
    assert_memory_equal(msg, want, 11);
    assert_memory_equal(trailer, want + 11, 16);
    ends_free(&e);
}

/* ---- a sealer written from RFC 2831 alone ------------------------------ */

typedef struct {
    OSSL_LIB_CTX *lib;
    OSSL_PROVIDER *prov[2];
    EVP_CIPHER_CTX *enc;
    unsigned char ki[16];
    size_t block;
    uint32_t seq;
} ref_sealer;

static void md5_of(const void *a, size_t an, const char *magic,
                   unsigned char out[16])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned int n = 0;

    assert_int_equal(EVP_DigestInit_ex2(m, EVP_md5(), NULL), 1);
    EVP_DigestUpdate(m, a, an);
    EVP_DigestUpdate(m, magic, strlen(magic));
    EVP_DigestFinal_ex(m, out, &n);
    EVP_MD_CTX_free(m);
}

/* 7 octets to a DES key: bits taken one by one, odd parity added. */
static void ref_des_key(const unsigned char *in, unsigned char *out)
{
    for (int i = 0; i < 8; i++) {
        unsigned v = 0, ones = 0;

        for (int b = 0; b < 7; b++) {
            int bit = i * 7 + b;
            unsigned x = (unsigned)in[bit / 8] >> (7 - bit % 8) & 1U;

            v = v << 1 | x;
            ones += x;
        }
        out[i] = (unsigned char)(v << 1 | ((ones & 1U) ^ 1U));
    }
}

/* The client's sending side of a session over ha1 with cipher. */
static void ref_init(ref_sealer *r, ULONG cipher)
{
    static const char kic[] =
        "Digest session key to client-to-server signing key magic constant";
    static const char kcc[] =
        "Digest H(A1) to client-to-server sealing key magic constant";
    size_t n = cipher == SD_SASL_CIPHER_RC4_40   ? 5
               : cipher == SD_SASL_CIPHER_RC4_56 ? 7
                                                 : 16;
    unsigned char kc[16], key[16];
    const char *name = cipher == SD_SASL_CIPHER_DES    ? "DES-CBC"
                       : cipher == SD_SASL_CIPHER_3DES ? "DES-EDE-CBC"
                                                       : "RC4";
    EVP_CIPHER *c;

    memset(r, 0, sizeof(*r));
    md5_of(ha1, 16, kic, r->ki);
    md5_of(ha1, n, kcc, kc);
    r->lib = OSSL_LIB_CTX_new();
    r->prov[0] = OSSL_PROVIDER_load(r->lib, "default");
    r->prov[1] = OSSL_PROVIDER_load(r->lib, "legacy");
    c = EVP_CIPHER_fetch(r->lib, name, NULL);
    assert_non_null(c);
    r->block =
        cipher == SD_SASL_CIPHER_DES || cipher == SD_SASL_CIPHER_3DES ? 8 : 1;
    if (r->block == 8) {
        ref_des_key(kc, key);
        ref_des_key(kc + 7, key + 8);
    }
    else {
        memcpy(key, kc, 16);
    }
    r->enc = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex2(r->enc, c, key,
                                         r->block == 8 ? kc + 8 : NULL, NULL),
                     1);
    EVP_CIPHER_CTX_set_padding(r->enc, 0);
    EVP_CIPHER_free(c);
}

static void ref_free(ref_sealer *r)
{
    EVP_CIPHER_CTX_free(r->enc);
    OSSL_PROVIDER_unload(r->prov[0]);
    OSSL_PROVIDER_unload(r->prov[1]);
    OSSL_LIB_CTX_free(r->lib);
}

/* E(msg | padding | MAC(10)) | 0x0001 | seq into out; returns its length.
   bad_pad >= 0 puts a wrong value in that padding octet (the MAC stays
   right: it covers the message only); pad_len >= 0 forces the padding's
   length octet. */
static size_t ref_seal(ref_sealer *r, const unsigned char *msg, size_t len,
                       int bad_pad, int pad_len, unsigned char *out)
{
    unsigned char s[4] = {(unsigned char)(r->seq >> 24),
                          (unsigned char)(r->seq >> 16),
                          (unsigned char)(r->seq >> 8), (unsigned char)r->seq};
    unsigned char mac[EVP_MAX_MD_SIZE], plain[512], in[512];
    size_t maclen = 0;
    size_t npad = r->block == 8 ? 8 - (len + 10) % 8 : 0, n;
    int outl = 0;

    memcpy(in, s, 4);
    memcpy(in + 4, msg, len);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, r->ki, 16, in,
                              len + 4, mac, sizeof(mac), &maclen));
    memcpy(plain, msg, len);
    memset(plain + len, (int)npad, npad);
    if (bad_pad >= 0) {
        plain[len + (size_t)bad_pad] ^= 0x10;
    }
    if (pad_len >= 0) {
        plain[len + npad - 1] = (unsigned char)pad_len;
    }
    memcpy(plain + len + npad, mac, 10);
    n = len + npad + 10;
    assert_int_equal(EVP_EncryptUpdate(r->enc, out, &outl, plain, (int)n), 1);
    out[n] = 0;
    out[n + 1] = 1;
    memcpy(out + n + 2, s, 4);
    r->seq++;
    return n + 6;
}

static const ULONG ciphers[] = {SD_SASL_CIPHER_3DES, SD_SASL_CIPHER_RC4,
                                SD_SASL_CIPHER_DES, SD_SASL_CIPHER_RC4_56,
                                SD_SASL_CIPHER_RC4_40};

/* Our sealer and the reference agree, message after message (chain and
   key stream carried over), and ours unseals the reference's. */
static void every_cipher_against_reference(void **state)
{
    static const size_t lens[] = {0, 1, 5, 6, 7, 13, 14, 100};

    (void)state;
    for (size_t c = 0; c < 5; c++) {
        ref_sealer r;
        ends e;

        ends_make(&e, SD_QOP_AUTH_CONF, ciphers[c]);
        ref_init(&r, ciphers[c]);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            unsigned char msg[128], ours[160], want[160], pad[8], tr[16];
            size_t n = lens[i], npad = sd_sasl_layer_padding(e.client, n);
            size_t wn, plain = 0;

            for (size_t k = 0; k < n; k++) {
                msg[k] = (unsigned char)(k * 13 + c);
            }
            memcpy(ours, msg, n);
            assert_status(sd_sasl_layer_seal(e.client, ours, n, pad, tr),
                          SEC_E_OK);
            memcpy(ours + n, pad, npad);
            memcpy(ours + n + npad, tr, 16);
            wn = ref_seal(&r, msg, n, -1, -1, want);
            assert_int_equal(wn, n + npad + 16);
            assert_memory_equal(ours, want, wn);
            assert_status(sd_sasl_layer_unseal(e.server, want, wn, &plain),
                          SEC_E_OK);
            assert_int_equal(plain, n);
            assert_memory_equal(want, msg, n);
        }
        ref_free(&r);
        ends_free(&e);
    }
}

/* Every padding octet is checked: a message whose padding is wrong but
   whose MAC is right (the MAC does not cover the padding) is refused, and
   so are padding lengths 0 and 9. */
static void every_padding_octet_checked(void **state)
{
    static const ULONG cbc[] = {SD_SASL_CIPHER_DES, SD_SASL_CIPHER_3DES};

    (void)state;
    for (size_t c = 0; c < 2; c++) {
        /* a 6-octet message gets 8 octets of padding: -3 and -2 force a
           padding length of 0 and 9, -1 leaves the message right, 0 to 7
           spoil that padding octet */
        for (int bad = -3; bad < 8; bad++) {
            unsigned char wire[64];
            const unsigned char msg[6] = "sealed";
            size_t n, plain = 0;
            ref_sealer r;
            ends e;

            ends_make(&e, SD_QOP_AUTH_CONF, cbc[c]);
            ref_init(&r, cbc[c]);
            n = ref_seal(&r, msg, 6, bad >= 0 ? bad : -1,
                         bad == -3 ? 0 : (bad == -2 ? 9 : -1), wire);
            if (bad == -1) {
                /* the untouched message passes: the test can fail */
                assert_status(sd_sasl_layer_unseal(e.server, wire, n, &plain),
                              SEC_E_OK);
            }
            else {
                assert_status(sd_sasl_layer_unseal(e.server, wire, n, &plain),
                              SEC_E_MESSAGE_ALTERED);
                /* never unauthenticated plaintext: the buffer is zeroed */
                for (size_t k = 0; k < n - 6; k++) {
                    assert_int_equal(wire[k], 0);
                }
            }
            ref_free(&r);
            ends_free(&e);
        }
    }
}

/* Receiving statuses in their documented order, and what each leaves. */
static void receiving_statuses(void **state)
{
    (void)state;
    for (size_t c = 0; c < 5; c++) {
        unsigned char w0[64], w1[64], copy[64];
        size_t n0, n1, plain;
        ref_sealer r;
        ends e;

        ends_make(&e, SD_QOP_AUTH_CONF, ciphers[c]);
        ref_init(&r, ciphers[c]);
        n0 = ref_seal(&r, (const unsigned char *)"zero", 4, -1, -1, w0);
        n1 = ref_seal(&r, (const unsigned char *)"one", 3, -1, -1, w1);
        /* truncated */
        assert_status(sd_sasl_layer_unseal(e.server, w0, 15, &plain),
                      SEC_E_INCOMPLETE_MESSAGE);
        if (r.block == 8) {
            assert_status(sd_sasl_layer_unseal(e.server, w0, n0 - 1, &plain),
                          SEC_E_INCOMPLETE_MESSAGE);
            assert_status(
                sd_sasl_layer_unseal(e.server, w0 + 8, n0 - 8, &plain),
                SEC_E_INCOMPLETE_MESSAGE);
        }
        /* reordered: 1 before 0 is refused and changes nothing */
        memcpy(copy, w1, n1);
        assert_status(sd_sasl_layer_unseal(e.server, copy, n1, &plain),
                      SEC_E_OUT_OF_SEQUENCE);
        assert_memory_equal(copy, w1, n1);
        memcpy(copy, w0, n0);
        assert_status(sd_sasl_layer_unseal(e.server, copy, n0, &plain),
                      SEC_E_OK);
        /* replayed */
        memcpy(copy, w0, n0);
        assert_status(sd_sasl_layer_unseal(e.server, copy, n0, &plain),
                      SEC_E_OUT_OF_SEQUENCE);
        /* a changed message type */
        memcpy(copy, w1, n1);
        copy[n1 - 5] ^= 1;
        assert_status(sd_sasl_layer_unseal(e.server, copy, n1, &plain),
                      SEC_E_MESSAGE_ALTERED);
        /* the direction is closed: even the genuine message 1 now */
        memcpy(copy, w1, n1);
        assert_status(sd_sasl_layer_unseal(e.server, copy, n1, &plain),
                      SEC_E_MESSAGE_ALTERED);
        assert_status(sd_sasl_layer_receiving(e.server), SEC_E_MESSAGE_ALTERED);
        /* the other direction still works */
        {
            unsigned char m[3] = "out", tr[16], pad[8];

            assert_status(sd_sasl_layer_seal(e.server, m, 3, pad, tr),
                          SEC_E_OK);
        }
        ref_free(&r);
        ends_free(&e);
    }
}

/* A flipped bit anywhere in a sealed message is refused. */
static void every_flip_refused(void **state)
{
    (void)state;
    for (size_t c = 0; c < 5; c++) {
        unsigned char w[64];
        size_t n;
        ref_sealer r;

        ref_init(&r, ciphers[c]);
        n = ref_seal(&r, (const unsigned char *)"a001 NOOP\r\n", 11, -1, -1, w);
        for (size_t i = 0; i < n; i++) {
            unsigned char copy[64];
            size_t plain;
            ends e;

            ends_make(&e, SD_QOP_AUTH_CONF, ciphers[c]);
            memcpy(copy, w, n);
            copy[i] ^= 0x01;
            assert_true(sd_sasl_layer_unseal(e.server, copy, n, &plain) !=
                        SEC_E_OK);
            ends_free(&e);
        }
        ref_free(&r);
    }
}

static void integrity_statuses(void **state)
{
    unsigned char t[16];
    sd_sasl_piece p = {(const unsigned char *)"hello", 5};
    sd_sasl_piece q = {(const unsigned char *)"hellp", 5};
    ends e;

    (void)state;
    ends_make(&e, SD_QOP_AUTH_INT, 0);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t), SEC_E_OK);
    /* altered text; then the direction is closed */
    assert_status(sd_sasl_layer_verify(e.server, &q, 1, t),
                  SEC_E_MESSAGE_ALTERED);
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t),
                  SEC_E_MESSAGE_ALTERED);
    ends_free(&e);
    ends_make(&e, SD_QOP_AUTH_INT, 0);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t), SEC_E_OK);
    t[3] ^= 0x80; /* the MAC */
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t),
                  SEC_E_MESSAGE_ALTERED);
    ends_free(&e);
    /* a sequence number changed to the expected one fails the MAC: it is
       under the MAC */
    ends_make(&e, SD_QOP_AUTH_INT, 0);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t), SEC_E_OK);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t), SEC_E_OK);
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t),
                  SEC_E_OUT_OF_SEQUENCE);
    t[15] = 0;
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t),
                  SEC_E_MESSAGE_ALTERED);
    ends_free(&e);
}

/* Sequence numbers never wrap: after 2^32 messages a direction expires. */
static void sequence_numbers_run_out(void **state)
{
    unsigned char t[16];
    sd_sasl_piece p = {(const unsigned char *)"x", 1};
    ends e;

    (void)state;
    ends_make(&e, SD_QOP_AUTH_INT, 0);
    sd_sasl_layer_set_seq(e.client, 0xFFFFFFFFU, 0);
    sd_sasl_layer_set_seq(e.server, 0, 0xFFFFFFFFU);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t), SEC_E_OK);
    assert_int_equal(t[12] & t[13] & t[14] & t[15], 0xFF);
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t), SEC_E_OK);
    assert_status(sd_sasl_layer_sign(e.client, &p, 1, t),
                  SEC_E_CONTEXT_EXPIRED);
    assert_status(sd_sasl_layer_verify(e.server, &p, 1, t),
                  SEC_E_CONTEXT_EXPIRED);
    ends_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vector_s7),
        cmocka_unit_test(vector_s8),
        cmocka_unit_test(every_cipher_against_reference),
        cmocka_unit_test(every_padding_octet_checked),
        cmocka_unit_test(receiving_statuses),
        cmocka_unit_test(every_flip_refused),
        cmocka_unit_test(integrity_statuses),
        cmocka_unit_test(sequence_numbers_run_out),
    };
    return cmocka_run_group_tests(tests, setup, test_apr_down);
}
