/*
 * sasl_sample.c: sspidigest-sasl-sample, a DIGEST-MD5 server or client on
 * the engine's SASL mode that pairs on a pipe with Cyrus SASL's
 * sasl-sample-server and sasl-sample-client (and anything speaking their
 * line protocol, sample_wire.h).  It makes the exchange those programs
 * make: the mechanism list, the mechanism, challenge, response, rspauth,
 * the client's empty last line, then one protected message each way with
 * their texts ("srv message 1", "client message 1", NUL included).  Exit
 * status 0 only when authentication succeeded and the message received
 * was intact; diagnostics go to standard error.
 *
 *   sspidigest-sasl-sample server [-m MECH] [-s SERVICE] [-n HOST]
 *       [-r REALM] [-b min=N,max=N] -f USERFILE
 *   sspidigest-sasl-sample client [-m MECH] [-s SERVICE] [-n HOST]
 *       [-r REALM] [-u AUTHZID] [-a AUTHID] [-b min=N,max=N] -P PWFILE
 *
 * -b takes Cyrus SASL's security strength factors: 0 no layer, 1
 * integrity, 40 rc4-40, 55 des, 56 rc4-56, 112 3des, 128 rc4.  The layer
 * chosen must lie within [min, max].  USERFILE is in the module's user
 * file format (user:realm:hashes); PWFILE's first line is the password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <apr_general.h>

#include "sample_wire.h"
#include "sample_opts.h"
#include "sspi.h"

#define TOKEN_MAX 8192

static const char server_msg[] = "srv message 1";
static const char client_msg[] = "client message 1";

static int fail(const char *what, SECURITY_STATUS st, CtxtHandle *ctx)
{
    SecPkgContext_SdReason r = {NULL};

    if (ctx != NULL) {
        QueryContextAttributes(ctx, SECPKG_ATTR_SD_REASON, &r);
    }
    fprintf(stderr, "sspidigest-sasl-sample: %s: %s%s%s\n", what,
            SdStatusName(st), r.sReason ? ": " : "",
            r.sReason ? r.sReason : "");
    return 1;
}

static int fail_msg(const char *what)
{
    fprintf(stderr, "sspidigest-sasl-sample: %s\n", what);
    return 1;
}

/* The SSF of a negotiated layer (Cyrus SASL's numbers). */
static unsigned ssf_of(ULONG qop, ULONG cipher)
{
    static const struct {
        ULONG cipher;
        unsigned ssf;
    } table[] = {{SD_SASL_CIPHER_3DES, 112},
                 {SD_SASL_CIPHER_RC4, 128},
                 {SD_SASL_CIPHER_DES, 55},
                 {SD_SASL_CIPHER_RC4_56, 56},
                 {SD_SASL_CIPHER_RC4_40, 40}};

    if (qop == SD_QOP_AUTH_INT) {
        return 1;
    }
    for (size_t i = 0; qop == SD_QOP_AUTH_CONF && i < 5; i++) {
        if (table[i].cipher == cipher) {
            return table[i].ssf;
        }
    }
    return 0;
}

/* The ciphers whose SSF lies within [min, max]. */
static ULONG ciphers_within(unsigned min, unsigned max)
{
    ULONG all[] = {SD_SASL_CIPHER_3DES, SD_SASL_CIPHER_RC4, SD_SASL_CIPHER_DES,
                   SD_SASL_CIPHER_RC4_56, SD_SASL_CIPHER_RC4_40};
    ULONG bits = 0;

    for (size_t i = 0; i < 5; i++) {
        unsigned ssf = ssf_of(SD_QOP_AUTH_CONF, all[i]);

        if (ssf >= min && ssf <= max) {
            bits |= all[i];
        }
    }
    return bits;
}

/* fContextReq for -b: integrity from SSF 1 on, confidentiality when a
   cipher lies within [min, max]; and the digest-uri SERVICE/HOST. */
static ULONG wanted(const sample_opts *o, ULONG integrity,
                    ULONG confidentiality, char *uri, size_t cap)
{
    ULONG req = 0;

    if (o->max_ssf >= 1) {
        req |= integrity;
    }
    if (o->max_ssf > 1 && ciphers_within(o->min_ssf, o->max_ssf) != 0) {
        req |= confidentiality;
    }
    snprintf(uri, cap, "%s/%s", o->service, o->host);
    return req;
}

/* The layer settled, checked against [min, max]. */
static bool layer_within(CtxtHandle *ctx, const sample_opts *o,
                         SecPkgContext_SdSasl *z)
{
    unsigned ssf;

    if (QueryContextAttributes(ctx, SECPKG_ATTR_SD_SASL, z) != SEC_E_OK) {
        return false;
    }
    ssf = ssf_of(z->Qop, z->Cipher);
    fprintf(stderr, "sspidigest-sasl-sample: qop %s, SSF %u\n",
            z->Qop == SD_QOP_AUTH_CONF  ? "auth-conf"
            : z->Qop == SD_QOP_AUTH_INT ? "auth-int"
                                        : "auth",
            ssf);
    return ssf >= o->min_ssf && ssf <= o->max_ssf;
}

/* ---- protected messages ------------------------------------------------ */

/* Sends text (with its NUL) protected by the layer (or as it is without
   one).  The server writes DATA, PADDING, TOKEN; the client the Windows
   Digest form, DATA and one PADDING: between them both are used. */
static bool send_message(CtxtHandle *ctx, bool layer, bool server,
                         const char *text, char who)
{
    unsigned char frame[4 + 256 + 24 + 16];
    size_t n = strlen(text) + 1, tail;
    unsigned char *data = frame + 4;
    SecBuffer b[3];
    SecBufferDesc d = {SECBUFFER_VERSION, 0, b};

    if (!layer) {
        return wire_send(who, text, n);
    }
    memcpy(data, text, n);
    b[0] = (SecBuffer){(ULONG)n, SECBUFFER_DATA, data};
    if (server) {
        unsigned char tok[16], pad[8];

        b[1] = (SecBuffer){sizeof(pad), SECBUFFER_PADDING, pad};
        b[2] = (SecBuffer){sizeof(tok), SECBUFFER_TOKEN, tok};
        d.cBuffers = 3;
        if (EncryptMessage(ctx, 0, &d, 0) != SEC_E_OK) {
            return false;
        }
        memcpy(data + n, pad, b[1].cbBuffer);
        memcpy(data + n + b[1].cbBuffer, tok, b[2].cbBuffer);
        tail = b[1].cbBuffer + b[2].cbBuffer;
    }
    else {
        b[1] = (SecBuffer){24, SECBUFFER_PADDING, data + n};
        d.cBuffers = 2;
        if (EncryptMessage(ctx, 0, &d, 0) != SEC_E_OK) {
            return false;
        }
        tail = b[1].cbBuffer;
    }
    wire_put_length(frame, n + tail);
    return wire_send(who, frame, 4 + n + tail);
}

/* Receives the peer's protected message and compares it with want (NUL
   included).  The server unseals with SECBUFFER_STREAM, the client in
   place in one SECBUFFER_DATA. */
static bool recv_message(CtxtHandle *ctx, bool layer, bool server,
                         const char *want, char who)
{
    unsigned char buf[TOKEN_MAX];
    size_t n, len;
    SecBuffer b[2];
    SecBufferDesc d = {SECBUFFER_VERSION, 1, b};
    const unsigned char *msg = buf;
    SECURITY_STATUS st;

    if (!wire_recv(who, buf, sizeof(buf), &n)) {
        return false;
    }
    if (layer) {
        if (!wire_get_length(buf, n, &len)) {
            return false;
        }
        b[0] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, buf + 4};
        if (server) {
            b[0].BufferType = SECBUFFER_STREAM;
            b[1] = (SecBuffer){0, SECBUFFER_DATA, NULL};
            d.cBuffers = 2;
        }
        st = DecryptMessage(ctx, &d, 0, NULL);
        if (st != SEC_E_OK) {
            fprintf(stderr, "sspidigest-sasl-sample: DecryptMessage: %s\n",
                    SdStatusName(st));
            return false;
        }
        msg = d.cBuffers == 2 ? b[1].pvBuffer : b[0].pvBuffer;
        n = d.cBuffers == 2 ? b[1].cbBuffer : b[0].cbBuffer;
    }
    fprintf(stderr, "sspidigest-sasl-sample: received %zu octets\n", n);
    return n == strlen(want) + 1 && memcmp(msg, want, n) == 0;
}

/* ---- server ------------------------------------------------------------- */

static int server_exchange(const sample_opts *o, CredHandle *cred)
{
    unsigned char in[TOKEN_MAX];
    char out[TOKEN_MAX];
    SD_SASL_PARAMETERS sp = {0};
    char uri[512];
    CtxtHandle ctx;
    SecPkgContext_SdSasl z;
    SecPkgContext_Names names;
    ULONG req = wanted(o, ASC_REQ_INTEGRITY, ASC_REQ_CONFIDENTIALITY, uri,
                       sizeof(uri));
    ULONG attrs = 0;
    size_t n;
    SECURITY_STATUS st;

    sp.DigestUri = uri;
    sp.DigestUriLength = (ULONG)strlen(uri);
    sp.Ciphers = ciphers_within(o->min_ssf, o->max_ssf);
    if (!wire_send('S', o->mech, strlen(o->mech)) ||
        !wire_recv('C', in, sizeof(in) - 1, &n)) {
        return fail_msg("no mechanism from the client");
    }
    in[n] = '\0';
    if (strcasecmp((char *)in, o->mech) != 0) {
        return fail_msg("the client chose another mechanism");
    }
    st = sample_asc(cred, NULL, &ctx, req, NULL, 0, &sp, out, sizeof(out),
                    &attrs);
    if (st != SEC_I_CONTINUE_NEEDED) {
        return fail("challenge", st, NULL);
    }
    if (!wire_send('S', out, strlen(out)) ||
        !wire_recv('C', in, sizeof(in), &n)) {
        return fail_msg("no digest-response");
    }
    st =
        sample_asc(cred, &ctx, &ctx, req, in, n, &sp, out, sizeof(out), &attrs);
    if (st != SEC_E_OK) {
        return fail("digest-response refused", st, &ctx);
    }
    if (!wire_send('S', out, strlen(out)) ||
        !wire_recv('C', in, sizeof(in), &n) || n != 0) {
        return fail_msg("no empty line after rspauth");
    }
    if (!layer_within(&ctx, o, &z)) {
        return fail_msg("the layer is outside -b min,max");
    }
    QueryContextAttributes(&ctx, SECPKG_ATTR_NAMES, &names);
    fprintf(stderr, "sspidigest-sasl-sample: user %s, authzid %.*s\n",
            names.sUserName, (int)z.cbAuthzid, z.sAuthzid ? z.sAuthzid : "");
    if (!send_message(&ctx, z.Qop != SD_QOP_AUTH, true, server_msg, 'S') ||
        !recv_message(&ctx, z.Qop != SD_QOP_AUTH, true, client_msg, 'C')) {
        return fail_msg("protected message exchange failed");
    }
    DeleteSecurityContext(&ctx);
    fprintf(stderr, "sspidigest-sasl-sample: server done\n");
    return 0;
}

static int server_main(const sample_opts *o)
{
    SD_DIGEST_SERVER_POLICY p = {0};
    CredHandle cred;
    SECURITY_STATUS st;

    p.Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p.AlgorithmCount = 1;
    p.Algorithms[0] = SD_ALG_MD5; /* HTTP's; SASL is always md5-sess */
    p.QopFlags = SD_QOP_AUTH;
    p.NonceLifetime = 300;
    p.SaslCiphers = SD_SASL_CIPHERS_ALL;
    p.SaslRealm = o->realm;
    st = AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND, NULL,
                                  &p, sample_get_key, (PVOID)(uintptr_t)o,
                                  &cred, NULL);
    if (st != SEC_E_OK) {
        return fail("credentials", st, NULL);
    }
    return server_exchange(o, &cred);
}

/* ---- client ------------------------------------------------------------- */

static int client_exchange(const sample_opts *o, CredHandle *cred)
{
    unsigned char in[TOKEN_MAX];
    char out[TOKEN_MAX];
    SD_SASL_PARAMETERS sp = {0};
    char uri[512];
    CtxtHandle ctx;
    SecPkgContext_SdSasl z;
    ULONG req = wanted(o, ISC_REQ_INTEGRITY, ISC_REQ_CONFIDENTIALITY, uri,
                       sizeof(uri));
    ULONG attrs = 0;
    size_t n;
    SECURITY_STATUS st;

    sp.Ciphers = ciphers_within(o->min_ssf, o->max_ssf);
    if (o->authzid != NULL) {
        sp.Authzid = o->authzid;
        sp.AuthzidLength = (ULONG)strlen(o->authzid);
    }
    if (!wire_recv('S', in, sizeof(in) - 1, &n)) {
        return fail_msg("no mechanism list from the server");
    }
    in[n] = '\0';
    if (!sample_has_mech((char *)in, o->mech)) {
        return fail_msg("the server does not offer the mechanism");
    }
    st = sample_isc(cred, NULL, &ctx, req, uri, NULL, 0, &sp, out, sizeof(out),
                    &attrs);
    if (st != SEC_I_CONTINUE_NEEDED || out[0] != '\0' ||
        !wire_send('C', o->mech, strlen(o->mech)) ||
        !wire_recv('S', in, sizeof(in), &n)) {
        return fail("start", st, NULL);
    }
    st = sample_isc(cred, &ctx, &ctx, req, uri, in, n, &sp, out, sizeof(out),
                    &attrs);
    if (st != SEC_I_CONTINUE_NEEDED) {
        return fail("digest-challenge refused", st, &ctx);
    }
    if (!layer_within(&ctx, o, &z)) {
        return fail_msg("the server offers no layer within -b min,max");
    }
    if (!wire_send('C', out, strlen(out)) ||
        !wire_recv('S', in, sizeof(in), &n)) {
        return fail_msg("no rspauth");
    }
    st = sample_isc(cred, &ctx, &ctx, req, uri, in, n, &sp, out, sizeof(out),
                    &attrs);
    if (st != SEC_E_OK) {
        return fail("rspauth refused", st, &ctx);
    }
    if (!wire_send('C', "", 0) ||
        !recv_message(&ctx, z.Qop != SD_QOP_AUTH, false, server_msg, 'S') ||
        !send_message(&ctx, z.Qop != SD_QOP_AUTH, false, client_msg, 'C')) {
        return fail_msg("protected message exchange failed");
    }
    DeleteSecurityContext(&ctx);
    fprintf(stderr, "sspidigest-sasl-sample: client done\n");
    return 0;
}

static int client_main(const sample_opts *o)
{
    SEC_WINNT_AUTH_IDENTITY id = {0};
    CredHandle cred;
    SECURITY_STATUS st;

    id.User = (UCHAR *)(uintptr_t)o->authid;
    id.UserLength = (ULONG)strlen(o->authid);
    id.Password = (UCHAR *)o->password;
    id.PasswordLength = (ULONG)strlen(o->password);
    if (o->realm != NULL) {
        id.Domain = (UCHAR *)(uintptr_t)o->realm;
        id.DomainLength = (ULONG)strlen(o->realm);
    }
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    st = AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                  &id, NULL, NULL, &cred, NULL);
    if (st != SEC_E_OK) {
        return fail("credentials", st, NULL);
    }
    return client_exchange(o, &cred);
}

int main(int argc, char **argv)
{
    sample_opts o;
    ULONG ciphers;
    const SEC_CHAR *why = NULL;
    int rc;

    if (apr_initialize() != APR_SUCCESS) {
        return 2;
    }
    if (!sample_parse_opts(argc, argv, &o)) {
        return 2;
    }
    /* what this host's OpenSSL lacks, said once */
    if (SdSaslCiphers(&ciphers, &why) == SEC_E_OK && why != NULL) {
        fprintf(stderr, "sspidigest-sasl-sample: %s\n", why);
    }
    rc = o.server ? server_main(&o) : client_main(&o);
    sample_free_opts(&o);
    apr_terminate();
    return rc;
}
