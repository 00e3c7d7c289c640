/*
 * test_tls_endpoint.c: SdTlsServerEndPointBindings (src/tls_endpoint.c),
 * the tls-server-end-point binding of RFC 5929 §4.1 in Windows' form.
 * The certificates are made here with OpenSSL, one per signature
 * algorithm; the hash each must get is written in the table (the RFC's
 * rule applied by hand: MD5 and SHA-1 become SHA-256), and computed
 * independently with EVP_Digest over the DER.
 */
#include "support.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

static const char prefix[] = "tls-server-end-point:";

static EVP_PKEY *key_of(const char *type, int bits_or_curve)
{
    EVP_PKEY *k = NULL;

    if (strcmp(type, "RSA") == 0) {
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits_or_curve);
    }
    else if (strcmp(type, "EC") == 0) {
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                              bits_or_curve == 384 ? "P-384" : "P-256");
    }
    else {
        k = EVP_PKEY_Q_keygen(NULL, NULL, type);
    }
    assert_non_null(k);
    return k;
}

/* A self-signed certificate, signed with md (NULL for Ed25519) and, with
   pss, RSASSA-PSS; its DER into *der. */
static int make_cert(EVP_PKEY *k, const EVP_MD *md, bool pss,
                     unsigned char **der)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int len;

    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    assert_int_equal(EVP_DigestSignInit(mctx, &pctx, md, NULL, k), 1);
    if (pss) {
        assert_int_equal(
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    }
    assert_true(X509_sign_ctx(x, mctx) > 0);
    if (pss) {
        assert_int_equal(X509_get_signature_nid(x), NID_rsassaPss);
    }
    *der = NULL;
    len = i2d_X509(x, der);
    assert_true(len > 0);
    EVP_MD_CTX_free(mctx);
    X509_NAME_free(n);
    X509_free(x);
    return len;
}

static void expect_binding(const unsigned char *der, int len, const char *hash)
{
    unsigned char out[SD_TLS_END_POINT_BINDINGS_MAX];
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned int wlen = 0;
    ULONG written = 0;
    SEC_CHANNEL_BINDINGS h;
    EVP_MD *md = EVP_MD_fetch(NULL, hash, NULL);

    assert_non_null(md);
    assert_int_equal(EVP_Digest(der, (size_t)len, want, &wlen, md, NULL), 1);
    EVP_MD_free(md);
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len, out, sizeof(out),
                                              &written),
                  SEC_E_OK);
    assert_int_equal(written, sizeof(h) + strlen(prefix) + wlen);
    memcpy(&h, out, sizeof(h));
    assert_int_equal(h.dwInitiatorAddrType, 0);
    assert_int_equal(h.cbInitiatorLength, 0);
    assert_int_equal(h.dwAcceptorAddrType, 0);
    assert_int_equal(h.cbAcceptorLength, 0);
    assert_int_equal(h.cbApplicationDataLength, strlen(prefix) + wlen);
    assert_int_equal(h.dwApplicationDataOffset, sizeof(h));
    assert_memory_equal(out + sizeof(h), prefix, strlen(prefix));
    assert_memory_equal(out + sizeof(h) + strlen(prefix), want, wlen);
}

/* RFC 5929 §4.1, one row per signature algorithm. */
static void hash_follows_signature(void **state)
{
    const struct {
        const char *what, *key;
        int size;
        const char *sign_md; /* NULL: the key type has no digest */
        bool pss;
        const char *hash; /* what the binding must use */
    } rows[] = {
        {"ECDSA with SHA-256", "EC", 256, "SHA256", false, "SHA256"},
        {"ECDSA with SHA-384", "EC", 384, "SHA384", false, "SHA384"},
        {"ECDSA with SHA-512", "EC", 256, "SHA512", false, "SHA512"},
        {"ECDSA with SHA-1 (upgraded)", "EC", 256, "SHA1", false, "SHA256"},
        {"RSA with MD5 (upgraded)", "RSA", 1024, "MD5", false, "SHA256"},
        {"RSA with SHA-1 (upgraded)", "RSA", 1024, "SHA1", false, "SHA256"},
        {"RSA with SHA-384", "RSA", 1024, "SHA384", false, "SHA384"},
        {"RSASSA-PSS with SHA-384", "RSA", 1024, "SHA384", true, "SHA384"},
    };
    EVP_PKEY *rsa = key_of("RSA", 1024), *p256 = key_of("EC", 256),
             *p384 = key_of("EC", 384);

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        EVP_PKEY *k = strcmp(rows[i].key, "RSA") == 0 ? rsa
                      : rows[i].size == 384           ? p384
                                                      : p256;
        EVP_MD *md = EVP_MD_fetch(NULL, rows[i].sign_md, NULL);
        unsigned char *der = NULL;
        int len;

        assert_non_null(md);
        len = make_cert(k, md, rows[i].pss, &der);
        print_message("%s\n", rows[i].what);
        expect_binding(der, len, rows[i].hash);
        OPENSSL_free(der);
        EVP_MD_free(md);
    }
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
}

static void refusals(void **state)
{
    EVP_PKEY *ed = key_of("ED25519", 0), *ec = key_of("EC", 256);
    unsigned char *der = NULL, *longer;
    unsigned char out[SD_TLS_END_POINT_BINDINGS_MAX];
    ULONG written = 0;
    int len;

    (void)state;
    /* Ed25519 signatures name no hash: RFC 5929 defines no binding */
    len = make_cert(ed, NULL, false, &der);
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len, out, sizeof(out),
                                              &written),
                  SEC_E_INVALID_TOKEN);
    OPENSSL_free(der);

    len = make_cert(ec, EVP_sha256(), false, &der);
    /* trailing octets, a cut certificate, garbage */
    longer = malloc((size_t)len + 1);
    assert_non_null(longer);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    assert_status(SdTlsServerEndPointBindings(longer, (ULONG)len + 1, out,
                                              sizeof(out), &written),
                  SEC_E_INVALID_TOKEN);
    free(longer);
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len - 1, out,
                                              sizeof(out), &written),
                  SEC_E_INVALID_TOKEN);
    assert_status(SdTlsServerEndPointBindings((const UCHAR *)"garbage", 7, out,
                                              sizeof(out), &written),
                  SEC_E_INVALID_TOKEN);
    /* the caller's buffer: exactly enough, one short, none */
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len, out,
                                              32 + 21 + 32, &written),
                  SEC_E_OK);
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len, out,
                                              32 + 21 + 31, &written),
                  SEC_E_BUFFER_TOO_SMALL);
    assert_status(SdTlsServerEndPointBindings(der, (ULONG)len, NULL,
                                              sizeof(out), &written),
                  SEC_E_INVALID_PARAMETER);
    assert_status(
        SdTlsServerEndPointBindings(NULL, 0, out, sizeof(out), &written),
        SEC_E_INVALID_PARAMETER);
    assert_status(
        SdTlsServerEndPointBindings(der, (ULONG)len, out, sizeof(out), NULL),
        SEC_E_INVALID_PARAMETER);
    OPENSSL_free(der);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(ec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_follows_signature),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
