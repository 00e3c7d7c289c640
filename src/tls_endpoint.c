/*
 * tls_endpoint.c: SdTlsServerEndPointBindings, the tls-server-end-point
 * channel binding (RFC 5929 §4) in the SEC_CHANNEL_BINDINGS form Windows
 * HTTP endpoints use.  It hashes the certificate octets it is given; it
 * does not look at a TLS connection, and it verifies nothing about the
 * certificate.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "sspi.h"

/* RFC 5929 §4.1: the hash of the certificate's signature algorithm, but
   SHA-256 where that is MD5 or SHA-1; none for algorithms without one. */
static int end_point_hash(X509 *x)
{
    int md = NID_undef;

    if (X509_get_signature_info(x, &md, NULL, NULL, NULL) != 1) {
        return NID_undef;
    }
    return md == NID_md5 || md == NID_sha1 ? NID_sha256 : md;
}

SECURITY_STATUS SEC_ENTRY SdTlsServerEndPointBindings(
    const UCHAR *pbCertificate, ULONG cbCertificate, PVOID pvBindings,
    ULONG cbBindings, PULONG pcbWritten)
{
    static const char prefix[] = SD_TLS_END_POINT_PREFIX;
    const size_t plen = sizeof(prefix) - 1;
    const unsigned char *p = pbCertificate;
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    SEC_CHANNEL_BINDINGS cb;
    SECURITY_STATUS st = SEC_E_INVALID_TOKEN;
    EVP_MD *md = NULL;
    X509 *x;
    int nid;

    if (pbCertificate == NULL || cbCertificate == 0 || pvBindings == NULL ||
        pcbWritten == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    x = d2i_X509(NULL, &p, (long)cbCertificate);
    if (x == NULL || p != pbCertificate + cbCertificate ||
        (nid = end_point_hash(x)) == NID_undef) {
        goto done;
    }
    st = SEC_E_INTERNAL_ERROR;
    md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
    if (md == NULL ||
        EVP_Digest(pbCertificate, cbCertificate, hash, &hlen, md, NULL) != 1 ||
        hlen > 64) {
        goto done;
    }
    if (cbBindings < sizeof(cb) + plen + hlen) {
        st = SEC_E_BUFFER_TOO_SMALL;
        goto done;
    }
    memset(&cb, 0, sizeof(cb));
    cb.cbApplicationDataLength = (ULONG)(plen + hlen);
    cb.dwApplicationDataOffset = (ULONG)sizeof(cb);
    memcpy(pvBindings, &cb, sizeof(cb));
    memcpy((unsigned char *)pvBindings + sizeof(cb), prefix, plen);
    memcpy((unsigned char *)pvBindings + sizeof(cb) + plen, hash, hlen);
    *pcbWritten = (ULONG)(sizeof(cb) + plen + hlen);
    st = SEC_E_OK;
done:
    EVP_MD_free(md);
    X509_free(x);
    return st;
}
