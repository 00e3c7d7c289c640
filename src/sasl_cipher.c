/*
 * sasl_cipher.c: HMAC-MD5 and the DIGEST-MD5 ciphers in an OSSL_LIB_CTX
 * of our own, holding the default provider and, when the host has it, the
 * legacy one (rc4, des).  The process's default library context and its
 * configuration are never touched: OSSL_LIB_CTX_new reads no config file,
 * and nothing is loaded into the default context.  Algorithms are fetched
 * once per library context, not per message.
 */
#include "sasl_cipher.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "secret.h"

struct sd_sasl_crypto {
    OSSL_LIB_CTX *lib;
    OSSL_PROVIDER *deflt;
    OSSL_PROVIDER *legacy;
    EVP_CIPHER *rc4;     /* legacy provider */
    EVP_CIPHER *des;     /* DES-CBC, legacy provider */
    EVP_CIPHER *des_ede; /* DES-EDE-CBC (two-key), default provider */
    EVP_MAC *hmac;
    ULONG ciphers;
    const char *reason;
};

struct sd_sasl_cipher {
    EVP_CIPHER_CTX *evp;
};

struct sd_sasl_hmac {
    EVP_MAC_CTX *evp;
};

static void crypto_free(sd_sasl_crypto *c)
{
    EVP_CIPHER_free(c->rc4);
    EVP_CIPHER_free(c->des);
    EVP_CIPHER_free(c->des_ede);
    EVP_MAC_free(c->hmac);
    if (c->legacy != NULL) {
        OSSL_PROVIDER_unload(c->legacy);
    }
    if (c->deflt != NULL) {
        OSSL_PROVIDER_unload(c->deflt);
    }
    OSSL_LIB_CTX_free(c->lib);
    memset(c, 0, sizeof(*c));
}

/* Fills c; false when not even HMAC-MD5 and 3des can be had. */
static bool crypto_init(sd_sasl_crypto *c, const char *module_dir)
{
    memset(c, 0, sizeof(*c));
    c->lib = OSSL_LIB_CTX_new();
    if (c->lib == NULL ||
        (module_dir != NULL &&
         OSSL_PROVIDER_set_default_search_path(c->lib, module_dir) != 1) ||
        (c->deflt = OSSL_PROVIDER_load(c->lib, "default")) == NULL ||
        (c->hmac = EVP_MAC_fetch(c->lib, "HMAC", NULL)) == NULL ||
        (c->des_ede = EVP_CIPHER_fetch(c->lib, "DES-EDE-CBC", NULL)) == NULL) {
        crypto_free(c);
        return false;
    }
    c->ciphers = SD_SASL_CIPHER_3DES;
    c->legacy = OSSL_PROVIDER_load(c->lib, "legacy");
    if (c->legacy == NULL) {
        c->reason = "OpenSSL legacy provider not found: rc4, rc4-56, "
                    "rc4-40 and des are not offered";
        return true;
    }
    c->rc4 = EVP_CIPHER_fetch(c->lib, "RC4", NULL);
    c->des = EVP_CIPHER_fetch(c->lib, "DES-CBC", NULL);
    if (c->rc4 != NULL) {
        c->ciphers |=
            SD_SASL_CIPHER_RC4 | SD_SASL_CIPHER_RC4_56 | SD_SASL_CIPHER_RC4_40;
    }
    if (c->des != NULL) {
        c->ciphers |= SD_SASL_CIPHER_DES;
    }
    if (c->rc4 == NULL || c->des == NULL) {
        c->reason = "OpenSSL legacy provider lacks RC4 or DES-CBC: those "
                    "ciphers are not offered";
    }
    return true;
}

static sd_sasl_crypto process_crypto;
static bool process_crypto_ok;
static pthread_once_t process_crypto_once = PTHREAD_ONCE_INIT;

static void process_crypto_init(void)
{
    process_crypto_ok = crypto_init(&process_crypto, NULL);
}

sd_sasl_crypto *sd_sasl_crypto_get(void)
{
    if (pthread_once(&process_crypto_once, process_crypto_init) != 0 ||
        !process_crypto_ok) {
        return NULL;
    }
    return &process_crypto;
}

static apr_status_t crypto_cleanup(void *data)
{
    crypto_free(data);
    return APR_SUCCESS;
}

sd_sasl_crypto *sd_sasl_crypto_create(apr_pool_t *pool, const char *module_dir)
{
    sd_sasl_crypto *c = apr_palloc(pool, sizeof(*c));

    if (!crypto_init(c, module_dir)) {
        return NULL;
    }
    apr_pool_cleanup_register(pool, c, crypto_cleanup, apr_pool_cleanup_null);
    return c;
}

ULONG sd_sasl_crypto_ciphers(const sd_sasl_crypto *c)
{
    return c != NULL ? c->ciphers : 0;
}

const char *sd_sasl_crypto_reason(const sd_sasl_crypto *c)
{
    if (c == NULL) {
        return "OpenSSL default provider not available";
    }
    return c->reason;
}

size_t sd_sasl_cipher_block(ULONG cipher)
{
    return cipher == SD_SASL_CIPHER_DES || cipher == SD_SASL_CIPHER_3DES ? 8
                                                                         : 1;
}

size_t sd_sasl_cipher_kc_octets(ULONG cipher)
{
    switch (cipher) {
    case SD_SASL_CIPHER_RC4_40:
        return 5;
    case SD_SASL_CIPHER_RC4_56:
        return 7;
    default:
        return 16;
    }
}

void sd_sasl_des_key(const unsigned char in[7], unsigned char out[8])
{
    uint64_t bits = 0;

    for (int i = 0; i < 7; i++) {
        bits = bits << 8 | in[i];
    }
    for (int i = 0; i < 8; i++) {
        unsigned v = (unsigned)(bits >> (49 - 7 * i)) & 0x7FU;
        unsigned ones = (unsigned)__builtin_popcount(v);

        /* DES keys carry odd parity in each octet's low bit (FIPS 46-3);
           OpenSSL 3 refuses some operations on keys without it. */
        out[i] = (unsigned char)(v << 1 | ((ones & 1U) ^ 1U));
    }
    sd_wipe(&bits, sizeof(bits));
}

static apr_status_t cipher_cleanup(void *data)
{
    sd_sasl_cipher *ci = data;

    EVP_CIPHER_CTX_free(ci->evp); /* wipes the key schedule */
    ci->evp = NULL;
    return APR_SUCCESS;
}

/* The EVP cipher, key and IV for one of ours (RFC 2831 §2.4). */
static const EVP_CIPHER *cipher_key(const sd_sasl_crypto *c, ULONG cipher,
                                    const unsigned char kc[SD_SASL_KEY_LEN],
                                    unsigned char key[SD_SASL_KEY_LEN],
                                    const unsigned char **iv)
{
    *iv = NULL;
    switch (cipher) {
    case SD_SASL_CIPHER_RC4:
    case SD_SASL_CIPHER_RC4_56:
    case SD_SASL_CIPHER_RC4_40:
        /* all 16 octets of Kc, as Cyrus SASL and the JDK do */
        memcpy(key, kc, SD_SASL_KEY_LEN);
        return c->rc4;
    case SD_SASL_CIPHER_DES:
        sd_sasl_des_key(kc, key);
        *iv = kc + 8;
        return c->des;
    case SD_SASL_CIPHER_3DES:
        sd_sasl_des_key(kc, key);
        sd_sasl_des_key(kc + 7, key + 8);
        *iv = kc + 8;
        return c->des_ede;
    default:
        return NULL;
    }
}

sd_sasl_cipher *sd_sasl_cipher_create(apr_pool_t *pool, sd_sasl_crypto *c,
                                      ULONG cipher,
                                      const unsigned char kc[SD_SASL_KEY_LEN],
                                      bool encrypt)
{
    unsigned char key[SD_SASL_KEY_LEN];
    const unsigned char *iv;
    const EVP_CIPHER *evp_cipher;
    sd_sasl_cipher *ci;
    bool ok;

    if (c == NULL || (c->ciphers & cipher) == 0) {
        return NULL;
    }
    evp_cipher = cipher_key(c, cipher, kc, key, &iv);
    ci = apr_pcalloc(pool, sizeof(*ci));
    ci->evp = EVP_CIPHER_CTX_new();
    apr_pool_cleanup_register(pool, ci, cipher_cleanup, apr_pool_cleanup_null);
    ok = evp_cipher != NULL && ci->evp != NULL &&
         EVP_CipherInit_ex2(ci->evp, evp_cipher, key, iv, encrypt ? 1 : 0,
                            NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(ci->evp, 0) == 1;
    sd_wipe(key, sizeof(key));
    return ok ? ci : NULL;
}

bool sd_sasl_cipher_apply(sd_sasl_cipher *ci, unsigned char *buf, size_t len)
{
    /* EVP takes int lengths: go in block-aligned chunks below INT_MAX */
    const size_t chunk = (size_t)1 << 30;

    while (len > 0) {
        size_t n = len < chunk ? len : chunk;
        int out = 0;

        if (EVP_CipherUpdate(ci->evp, buf, &out, buf, (int)n) != 1 ||
            out != (int)n) {
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

static apr_status_t hmac_cleanup(void *data)
{
    sd_sasl_hmac *m = data;

    EVP_MAC_CTX_free(m->evp);
    m->evp = NULL;
    return APR_SUCCESS;
}

sd_sasl_hmac *sd_sasl_hmac_create(apr_pool_t *pool, sd_sasl_crypto *c,
                                  const unsigned char key[SD_SASL_KEY_LEN])
{
    char md5[] = "MD5";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md5, 0),
        OSSL_PARAM_construct_end()};
    sd_sasl_hmac *m;

    if (c == NULL) {
        return NULL;
    }
    m = apr_pcalloc(pool, sizeof(*m));
    m->evp = EVP_MAC_CTX_new(c->hmac);
    apr_pool_cleanup_register(pool, m, hmac_cleanup, apr_pool_cleanup_null);
    if (m->evp == NULL ||
        EVP_MAC_init(m->evp, key, SD_SASL_KEY_LEN, params) != 1) {
        return NULL;
    }
    return m;
}

bool sd_sasl_hmac_begin(sd_sasl_hmac *m)
{
    /* a NULL key restarts with the key already set */
    return EVP_MAC_init(m->evp, NULL, 0, NULL) == 1;
}

bool sd_sasl_hmac_add(sd_sasl_hmac *m, const void *p, size_t n)
{
    return EVP_MAC_update(m->evp, p, n) == 1;
}

bool sd_sasl_hmac_end(sd_sasl_hmac *m, unsigned char out[SD_SASL_MAC_LEN])
{
    size_t len = 0;

    return EVP_MAC_final(m->evp, out, &len, SD_SASL_MAC_LEN) == 1 &&
           len == SD_SASL_MAC_LEN;
}
