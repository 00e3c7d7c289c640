/*
 * test_sasl_cipher.c: the layers' cryptography and its library context.
 * DES keys get odd parity; RC4 keys with all 16 octets of Kc and its key
 * stream runs on across calls (checked against an RC4 written here); the
 * CBC chain runs on; HMAC-MD5 meets RFC 2202.  Without OpenSSL's legacy
 * provider rc4 and des are not offered and everything else works: this
 * process is started with OPENSSL_MODULES pointing at an empty directory,
 * so its own library context cannot find legacy.so, while the tests that
 * need the legacy ciphers make a context over OpenSSL's real module
 * directory.  The process's default library context is never changed.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "hex.h"
#include "sasl_cipher.h"

static sd_sasl_crypto *with_legacy(apr_pool_t *p)
{
    sd_sasl_crypto *c =
        sd_sasl_crypto_create(p, OPENSSL_info(OPENSSL_INFO_MODULES_DIR));

    assert_non_null(c);
    assert_int_equal(sd_sasl_crypto_ciphers(c), SD_SASL_CIPHERS_ALL);
    assert_null(sd_sasl_crypto_reason(c));
    return c;
}

static int popcount8(unsigned v)
{
    int n = 0;

    for (; v != 0; v >>= 1) {
        n += (int)(v & 1U);
    }
    return n;
}

/* RFC 2831 §2.4: 56 key bits, 7 to each octet's top, parity below. */
static void des_keys_have_odd_parity(void **state)
{
    static const unsigned char kc[7] = {0x8d, 0xf2, 0x11, 0x80,
                                        0xf2, 0xb8, 0x36};
    unsigned char k[8];
    unsigned char bits[56], back[56];

    (void)state;
    sd_sasl_des_key(kc, k);
    for (int i = 0; i < 56; i++) {
        bits[i] = (unsigned char)((unsigned)kc[i / 8] >> (7 - i % 8) & 1U);
        back[i] = (unsigned char)((unsigned)k[i / 7] >> (7 - i % 7) & 1U);
    }
    assert_memory_equal(bits, back, sizeof(bits));
    for (int i = 0; i < 8; i++) {
        assert_int_equal(popcount8(k[i]) % 2, 1);
    }
    /* Cyrus SASL's slide of the same octets, before parity, agrees */
    assert_int_equal(k[0] & 0xFE, kc[0] & 0xFE);
    assert_int_equal(k[1] & 0xFE,
                     (unsigned char)(kc[0] << 7 | kc[1] >> 1) & 0xFE);
    assert_int_equal(k[7] & 0xFE, (unsigned char)(kc[6] << 1));
}

/* RC4 written out, to check OpenSSL's through our keying. */
static void rc4_reference(const unsigned char *key, size_t klen,
                          unsigned char *buf, size_t n)
{
    unsigned char s[256];
    unsigned i = 0, j = 0;

    for (unsigned k = 0; k < 256; k++) {
        s[k] = (unsigned char)k;
    }
    for (unsigned k = 0; k < 256; k++) {
        unsigned char t = s[k];

        j = (j + t + key[k % klen]) & 0xFFU;
        s[k] = s[j];
        s[j] = t;
    }
    j = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char t;

        i = (i + 1) & 0xFFU;
        j = (j + s[i]) & 0xFFU;
        t = s[i];
        s[i] = s[j];
        s[j] = t;
        buf[k] ^= s[(s[i] + s[j]) & 0xFFU];
    }
}

static void rc4_family_keystream(void **state)
{
    static const ULONG family[] = {SD_SASL_CIPHER_RC4, SD_SASL_CIPHER_RC4_56,
                                   SD_SASL_CIPHER_RC4_40};
    apr_pool_t *p = test_pool();
    sd_sasl_crypto *c = with_legacy(p);
    unsigned char kc[16];

    (void)state;
    for (int i = 0; i < 16; i++) {
        kc[i] = (unsigned char)(0x8d + 7 * i);
    }
    for (size_t f = 0; f < 3; f++) {
        sd_sasl_cipher *ci = sd_sasl_cipher_create(p, c, family[f], kc, true);
        unsigned char ours[300] = {0}, ref[300] = {0};

        assert_non_null(ci);
        /* every rc4 variant keys RC4 with all 16 octets of its Kc; the
           stream runs on from one call to the next */
        assert_true(sd_sasl_cipher_apply(ci, ours, 7));
        assert_true(sd_sasl_cipher_apply(ci, ours + 7, 0));
        assert_true(sd_sasl_cipher_apply(ci, ours + 7, 293));
        rc4_reference(kc, 16, ref, sizeof(ref));
        assert_memory_equal(ours, ref, sizeof(ref));
        /* keyed with 5 octets it would differ (NetBSD libsaslc's way) */
        memset(ref, 0, sizeof(ref));
        rc4_reference(kc, 5, ref, sizeof(ref));
        assert_memory_not_equal(ours, ref, sizeof(ref));
    }
    test_pool_destroy(p);
}

/* des and 3des: the chain runs on across calls, decryption inverts, and
   3des is two-key EDE with the IV from Kc[8..16). */
static void cbc_chain_runs_on(void **state)
{
    static const ULONG cbc[] = {SD_SASL_CIPHER_DES, SD_SASL_CIPHER_3DES};
    apr_pool_t *p = test_pool();
    sd_sasl_crypto *c = with_legacy(p);
    unsigned char kc[16];

    (void)state;
    for (int i = 0; i < 16; i++) {
        kc[i] = (unsigned char)(i * 29 + 3);
    }
    for (size_t k = 0; k < 2; k++) {
        sd_sasl_cipher *e1 = sd_sasl_cipher_create(p, c, cbc[k], kc, true);
        sd_sasl_cipher *e2 = sd_sasl_cipher_create(p, c, cbc[k], kc, true);
        sd_sasl_cipher *d = sd_sasl_cipher_create(p, c, cbc[k], kc, false);
        unsigned char plain[48], once[48], twice[48];

        for (int i = 0; i < 48; i++) {
            plain[i] = (unsigned char)i;
        }
        memcpy(once, plain, 48);
        memcpy(twice, plain, 48);
        assert_true(sd_sasl_cipher_apply(e1, once, 48));
        assert_true(sd_sasl_cipher_apply(e2, twice, 16));
        assert_true(sd_sasl_cipher_apply(e2, twice + 16, 32));
        assert_memory_equal(once, twice, 48);
        assert_true(sd_sasl_cipher_apply(d, twice, 24));
        assert_true(sd_sasl_cipher_apply(d, twice + 24, 24));
        assert_memory_equal(twice, plain, 48);
    }
    {
        /* 3des against OpenSSL's DES-EDE-CBC in the default context, with
           the keys and IV the RFC's slicing gives */
        unsigned char key[16], buf[16] = "3des two-key ede", ref[16];
        int n = 0;
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        sd_sasl_cipher *e =
            sd_sasl_cipher_create(p, c, SD_SASL_CIPHER_3DES, kc, true);

        sd_sasl_des_key(kc, key);
        sd_sasl_des_key(kc + 7, key + 8);
        memcpy(ref, buf, 16);
        assert_int_equal(
            EVP_EncryptInit_ex2(x, EVP_des_ede_cbc(), key, kc + 8, NULL), 1);
        EVP_CIPHER_CTX_set_padding(x, 0);
        assert_int_equal(EVP_EncryptUpdate(x, ref, &n, ref, 16), 1);
        EVP_CIPHER_CTX_free(x);
        assert_true(sd_sasl_cipher_apply(e, buf, 16));
        assert_memory_equal(buf, ref, 16);
    }
    test_pool_destroy(p);
}

static void hmac_md5_rfc2202(void **state)
{
    apr_pool_t *p = test_pool();
    unsigned char key1[16], key3[16], data3[50], out[16];
    char hex[33];
    sd_sasl_hmac *m;

    (void)state;
    memset(key1, 0x0b, 16);
    memset(key3, 0xaa, 16);
    memset(data3, 0xdd, 50);
    m = sd_sasl_hmac_create(p, sd_sasl_crypto_get(), key1);
    assert_non_null(m);
    /* RFC 2202 test case 1, then again on the same context */
    for (int round = 0; round < 2; round++) {
        assert_true(sd_sasl_hmac_begin(m) && sd_sasl_hmac_add(m, "Hi ", 3) &&
                    sd_sasl_hmac_add(m, "There", 5) &&
                    sd_sasl_hmac_end(m, out));
        sd_hex_encode_public(hex, out, 16);
        hex[32] = '\0';
        assert_string_equal(hex, "9294727a3638bb1c13f48ef8158bfc9d");
    }
    /* test case 3 */
    m = sd_sasl_hmac_create(p, sd_sasl_crypto_get(), key3);
    assert_true(sd_sasl_hmac_begin(m) && sd_sasl_hmac_add(m, data3, 50) &&
                sd_sasl_hmac_end(m, out));
    sd_hex_encode_public(hex, out, 16);
    assert_string_equal(hex, "56be34521d144c88dbb8c733f0e8b3f6");
    test_pool_destroy(p);
}

/* This process's own library context cannot find legacy.so (see the
   top): rc4 and des are gone, 3des and HMAC-MD5 remain, and the reason is
   there to log. */
static void no_legacy_provider(void **state)
{
    apr_pool_t *p = test_pool();
    sd_sasl_crypto *c = sd_sasl_crypto_get();
    unsigned char kc[16] = {1, 2, 3};
    ULONG ciphers = 0;
    const SEC_CHAR *why = NULL;

    (void)state;
    assert_non_null(c);
    assert_int_equal(sd_sasl_crypto_ciphers(c), SD_SASL_CIPHER_3DES);
    assert_null(sd_sasl_cipher_create(p, c, SD_SASL_CIPHER_RC4, kc, true));
    assert_null(sd_sasl_cipher_create(p, c, SD_SASL_CIPHER_DES, kc, true));
    assert_non_null(sd_sasl_cipher_create(p, c, SD_SASL_CIPHER_3DES, kc, true));
    assert_non_null(sd_sasl_hmac_create(p, c, kc));
    assert_status(SdSaslCiphers(&ciphers, &why), SEC_E_OK);
    assert_int_equal(ciphers, SD_SASL_CIPHER_3DES);
    assert_non_null(why);
    assert_non_null(strstr(why, "legacy provider"));
    assert_status(SdSaslCiphers(NULL, &why), SEC_E_INVALID_PARAMETER);
    assert_status(SdSaslCiphers(&ciphers, NULL), SEC_E_OK);
    /* a context over a directory without modules has the same limits */
    c = sd_sasl_crypto_create(p, "/nonexistent");
    assert_non_null(c);
    assert_int_equal(sd_sasl_crypto_ciphers(c), SD_SASL_CIPHER_3DES);
    test_pool_destroy(p);
}

/* The same, through the API: the server offers only 3des, a policy of
   rc4 alone offers no auth-conf, a client that may only use rc4 gets
   auth-int, and the exchange still works. */
static const test_user users[] = {{"chris", "realm", "secret", 0}};

static void no_legacy_through_the_api(void **state)
{
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    char challenge[1024], response[1024];
    SD_SASL_PARAMETERS sp = {0};
    ULONG attrs = 0;

    (void)state;
    test_users = users;
    test_nusers = 1;
    test_sasl_server_cred(SD_SASL_CIPHERS_ALL, &server);
    test_client_cred("chris", "secret", &client);
    assert_status(sasl_asc(&server, NULL, &sctx, ASC_REQ_CONFIDENTIALITY, NULL,
                           NULL, challenge, sizeof(challenge), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(challenge, "cipher=\"3des\","));
    /* the client may only use rc4: not here, so integrity */
    sp.Ciphers = SD_SASL_CIPHER_RC4;
    assert_status(sasl_isc(&client, NULL, &cctx, ISC_REQ_CONFIDENTIALITY,
                           "ldap/host", challenge, &sp, response,
                           sizeof(response), &attrs),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(response, "qop=auth-int"));
    assert_int_equal(attrs & ISC_RET_CONFIDENTIALITY, 0);
    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    FreeCredentialsHandle(&server);
    test_sasl_server_cred(SD_SASL_CIPHER_RC4, &server);
    assert_status(sasl_asc(&server, NULL, &sctx, ASC_REQ_CONFIDENTIALITY, NULL,
                           NULL, challenge, sizeof(challenge), NULL),
                  SEC_I_CONTINUE_NEEDED);
    assert_non_null(strstr(challenge, "qop=\"auth,auth-int\","));
    assert_null(strstr(challenge, "cipher"));
    DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
}

/* Loading the legacy provider into our own context left the process's
   default context as it was. */
static void default_context_untouched(void **state)
{
    apr_pool_t *p = test_pool();
    int legacy_before = OSSL_PROVIDER_available(NULL, "legacy");
    EVP_CIPHER *rc4_before = EVP_CIPHER_fetch(NULL, "RC4", NULL);

    (void)state;
    with_legacy(p);
    assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), legacy_before);
    {
        EVP_CIPHER *rc4_after = EVP_CIPHER_fetch(NULL, "RC4", NULL);

        assert_int_equal(rc4_after != NULL, rc4_before != NULL);
        EVP_CIPHER_free(rc4_after);
    }
    EVP_CIPHER_free(rc4_before);
    test_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(des_keys_have_odd_parity),
        cmocka_unit_test(rc4_family_keystream),
        cmocka_unit_test(cbc_chain_runs_on),
        cmocka_unit_test(hmac_md5_rfc2202),
        cmocka_unit_test(no_legacy_provider),
        cmocka_unit_test(no_legacy_through_the_api),
        cmocka_unit_test(default_context_untouched),
    };

    /* before any library context of ours exists (see the top) */
    setenv("OPENSSL_MODULES", "/nonexistent", 1);
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
