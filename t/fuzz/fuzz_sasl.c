/*
 * fuzz_sasl.c: libFuzzer target for SASL mode through the API: the
 * exchange, and DecryptMessage / VerifySignature on what an attacker
 * sends.  Credentials have a fixed clock and fixed random octets, so the
 * nonce, cnonce and keys repeat from run to run.  The first octet picks
 * what the rest becomes:
 *   0  a digest-response for a context that sent its challenge;
 *   1  a patch over a valid digest-response (our own client's): octets 1-2
 *      give an offset, the rest overwrites from there;
 *   2  a digest-challenge for a new client context, then the same octets
 *      as the rspauth on it;
 *   3  octet 1 picks a layer (auth-int or a cipher) and a buffer form, the
 *      rest is a message for DecryptMessage or VerifySignature on a fresh
 *      established pair;
 *   4  the same layer choice; octets 2-3 give a position and a mask, the
 *      rest is a message the client seals (EncryptMessage) and the server
 *      unseals after the mask was applied at that position.
 * It traps on a status the documentation does not list, an output longer
 * than its buffer, a success without a user, and for 4: a mask of zero
 * that is not accepted with the very message, or any other mask that is.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "cred.h"
#include "digest_hash.h"
#include "fuzz_check.h"
#include "sspi.h"

#define CAP 8192

static CredHandle server, client;
static char valid[CAP];
static size_t valid_len;

static const ULONG layers[] = {0,
                               SD_SASL_CIPHER_3DES,
                               SD_SASL_CIPHER_RC4,
                               SD_SASL_CIPHER_DES,
                               SD_SASL_CIPHER_RC4_56,
                               SD_SASL_CIPHER_RC4_40};

/* alice/secret in realm "realm". */
static void SEC_ENTRY get_key(PVOID arg, PVOID principal, ULONG version,
                              PVOID *key, SECURITY_STATUS *status)
{
    SD_DIGEST_KEY_REQUEST *kr = principal;
    sd_view user = {"alice", 5}, realm = {kr->Realm, kr->RealmLength};
    sd_view pass = {"secret", 6};
    apr_pool_t *p;

    (void)arg, (void)version, (void)key;
    *status = SEC_E_UNKNOWN_CREDENTIALS;
    if (kr->UserLength == 5 && memcmp(kr->User, "alice", 5) == 0) {
        apr_pool_create(&p, NULL);
        sd_digest_ha1(sd_hasher_create(p), SD_HASH_MD5, user, realm, pass,
                      kr->Key);
        kr->KeyLength = 32;
        *status = SEC_E_OK;
        apr_pool_destroy(p);
    }
}

static SECURITY_STATUS call(bool server_side, PCtxtHandle ctx, ULONG req,
                            const void *token, size_t n, ULONG ciphers,
                            char *out, ULONG *out_len)
{
    SD_SASL_PARAMETERS sp = {0};
    SecBuffer in[2] = {{(ULONG)n, SECBUFFER_TOKEN, (void *)(uintptr_t)token},
                       {sizeof(sp), SECBUFFER_SD_SASL_PARAMETERS, &sp}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, in};
    SecBuffer ob = {CAP, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    bool fresh = !SecIsValidHandle(ctx);
    SECURITY_STATUS st;

    sp.Ciphers = ciphers;
    if (server_side) {
        st = AcceptSecurityContext(&server, fresh ? NULL : ctx, &id, req, 0,
                                   ctx, &od, &attrs, NULL);
    }
    else {
        st = InitializeSecurityContext(&client, fresh ? NULL : ctx, "ldap/host",
                                       req, 0, 0, &id, 0, ctx, &od, &attrs,
                                       NULL);
    }
    CHECK(ob.cbBuffer <= CAP);
    *out_len = ob.cbBuffer;
    return st;
}

/* An established pair over `layer` (an index into layers). */
static void establish(size_t layer, PCtxtHandle s, PCtxtHandle c)
{
    ULONG cipher = layers[layer];
    ULONG areq = cipher ? ASC_REQ_CONFIDENTIALITY : ASC_REQ_INTEGRITY;
    ULONG ireq = cipher ? ISC_REQ_CONFIDENTIALITY : ISC_REQ_INTEGRITY;
    char a[CAP], b[CAP];
    ULONG an, bn;

    SecInvalidateHandle(s);
    SecInvalidateHandle(c);
    CHECK(call(true, s, areq, "", 0, 0, a, &an) == SEC_I_CONTINUE_NEEDED);
    CHECK(call(false, c, ireq, a, an, cipher, b, &bn) == SEC_I_CONTINUE_NEEDED);
    CHECK(call(true, s, areq, b, bn, 0, a, &an) == SEC_E_OK);
    CHECK(call(false, c, ireq, a, an, cipher, b, &bn) == SEC_E_OK);
}

static void tear_down(void)
{
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
    apr_terminate();
}

static void set_up(void)
{
    static const unsigned char secret[32] = "fuzz secret, thirty-two octets!";
    SD_DIGEST_SERVER_POLICY p = {0};
    SEC_WINNT_AUTH_IDENTITY id = {0};
    sd_test_hooks hooks = {0};
    CtxtHandle s, c;
    char ch[CAP];
    ULONG n, vn;

    apr_initialize();
    atexit(tear_down);
    p.Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p.AlgorithmCount = 1;
    p.Algorithms[0] = SD_ALG_MD5;
    p.QopFlags = SD_QOP_AUTH;
    p.NonceLifetime = 300;
    p.NonceSecret = secret;
    p.NonceSecretLength = sizeof(secret);
    p.SaslCiphers = SD_SASL_CIPHERS_ALL;
    p.SaslRealm = "realm";
    AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND, NULL, &p,
                             get_key, NULL, &server, NULL);
    id.User = (UCHAR *)(uintptr_t) "alice";
    id.UserLength = 5;
    id.Password = (UCHAR *)(uintptr_t) "secret";
    id.PasswordLength = 6;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_OUTBOUND, NULL, &id,
                             NULL, NULL, &client, NULL);
    hooks.now = fuzz_fixed_now;
    hooks.random = fuzz_fixed_random;
    sd_cred_set_test_hooks(&server, &hooks);
    sd_cred_set_test_hooks(&client, &hooks);
    SecInvalidateHandle(&s);
    SecInvalidateHandle(&c);
    CHECK(call(true, &s, ASC_REQ_CONFIDENTIALITY, "", 0, 0, ch, &n) ==
          SEC_I_CONTINUE_NEEDED);
    CHECK(call(false, &c, ISC_REQ_CONFIDENTIALITY, ch, n, 0, valid, &vn) ==
          SEC_I_CONTINUE_NEEDED);
    valid_len = vn;
    DeleteSecurityContext(&s);
    DeleteSecurityContext(&c);
}

static bool documented_verify(SECURITY_STATUS st)
{
    return st == SEC_E_OK || st == SEC_E_INVALID_TOKEN ||
           st == SEC_E_LOGON_DENIED || st == SEC_E_QOP_NOT_SUPPORTED ||
           st == SEC_E_WRONG_PRINCIPAL || st == SEC_E_CONTEXT_EXPIRED;
}

static bool documented_receive(SECURITY_STATUS st)
{
    return st == SEC_E_OK || st == SEC_E_INCOMPLETE_MESSAGE ||
           st == SEC_E_INVALID_TOKEN || st == SEC_E_MESSAGE_ALTERED ||
           st == SEC_E_OUT_OF_SEQUENCE;
}

/* A response (patched over the valid one, or as it comes) to a context
   that sent the challenge the valid one answers. */
static void respond(const uint8_t *data, size_t size, bool patch)
{
    static char token[CAP], out[CAP];
    CtxtHandle s;
    ULONG n;
    size_t len = size;
    SECURITY_STATUS st;

    SecInvalidateHandle(&s);
    CHECK(call(true, &s, ASC_REQ_CONFIDENTIALITY, "", 0, 0, out, &n) ==
          SEC_I_CONTINUE_NEEDED);
    if (patch) {
        size_t at;

        if (size < 2) {
            DeleteSecurityContext(&s);
            return;
        }
        at = ((size_t)data[0] << 8 | data[1]) % (valid_len + 1);
        len = size - 2 < CAP - at ? size - 2 : CAP - at;
        memcpy(token, valid, valid_len);
        memcpy(token + at, data + 2, len);
        len = at + len > valid_len ? at + len : valid_len;
        data = (const uint8_t *)token;
    }
    st = call(true, &s, ASC_REQ_CONFIDENTIALITY, data, len, 0, out, &n);
    CHECK(documented_verify(st));
    if (st == SEC_E_OK) {
        SecPkgContext_Names names;

        CHECK(QueryContextAttributes(&s, SECPKG_ATTR_NAMES, &names) ==
              SEC_E_OK);
        CHECK(strcmp(names.sUserName, "alice") == 0);
        CHECK(n == 40 && memcmp(out, "rspauth=", 8) == 0);
    }
    DeleteSecurityContext(&s);
}

static void challenged(const uint8_t *data, size_t size)
{
    static char out[CAP];
    CtxtHandle c;
    ULONG n;
    SECURITY_STATUS st;

    SecInvalidateHandle(&c);
    st = call(false, &c, ISC_REQ_CONFIDENTIALITY, data, size, 0, out, &n);
    CHECK(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_INVALID_TOKEN ||
          st == SEC_E_QOP_NOT_SUPPORTED || st == SEC_E_NO_CREDENTIALS);
    if (st == SEC_I_CONTINUE_NEEDED) {
        CHECK(size == 0 || n > 0);
        st = call(false, &c, ISC_REQ_CONFIDENTIALITY, data, size, 0, out, &n);
        /* an empty token on a new context only asked for the challenge */
        CHECK(st == SEC_E_INVALID_TOKEN || st == SEC_E_MUTUAL_AUTH_FAILED ||
              (size == 0 && st == SEC_I_CONTINUE_NEEDED));
        DeleteSecurityContext(&c);
    }
}

/* Arbitrary octets to the receiving side, in one of three forms. */
static void receive(const uint8_t *data, size_t size)
{
    static unsigned char msg[CAP];
    size_t layer = (size_t)(data[0] % 6), form = (size_t)(data[0] / 6 % 3);
    CtxtHandle s, c;
    SecBuffer b[2];
    SecBufferDesc d = {SECBUFFER_VERSION, 1, b};
    ULONG qop;
    SECURITY_STATUS st;

    size = size - 1 < CAP ? size - 1 : CAP;
    memcpy(msg, data + 1, size);
    establish(layer, &s, &c);
    b[0] = (SecBuffer){(ULONG)size, SECBUFFER_DATA, msg};
    if (form == 1) {
        b[0].BufferType = SECBUFFER_STREAM;
        b[1] = (SecBuffer){0, SECBUFFER_DATA, NULL};
        d.cBuffers = 2;
    }
    if (form == 2 && layers[layer] == 0) {
        /* the split form of VerifySignature: the last 16 are the token */
        size_t cut = size >= 16 ? size - 16 : 0;

        b[0].cbBuffer = (ULONG)cut;
        b[1] = (SecBuffer){(ULONG)(size - cut), SECBUFFER_TOKEN, msg + cut};
        d.cBuffers = 2;
        st = VerifySignature(&s, &d, 0, &qop);
    }
    else {
        st = DecryptMessage(&s, &d, 0, &qop);
    }
    CHECK(documented_receive(st));
    DeleteSecurityContext(&s);
    DeleteSecurityContext(&c);
}

/* A sealed message, masked at one position: only mask 0 may pass, and
   then with the very message. */
static void masked(const uint8_t *data, size_t size)
{
    static unsigned char msg[CAP], wire[CAP + 32];
    size_t layer, len, at;
    unsigned char mask;
    CtxtHandle s, c;
    SecBuffer b[2];
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS st;

    size_t msg_len;

    if (size < 3) {
        return;
    }
    layer = (size_t)(data[0] % 6);
    msg_len = len = size - 3 < 1024 ? size - 3 : 1024;
    memcpy(msg, data + 3, len);
    memcpy(wire, msg, len);
    establish(layer, &s, &c);
    b[0] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, wire};
    b[1] = (SecBuffer){24, SECBUFFER_PADDING, wire + len};
    CHECK(EncryptMessage(&c, 0, &d, 0) == SEC_E_OK);
    len += b[1].cbBuffer;
    at = data[1] % len;
    mask = data[2];
    wire[at] ^= mask;
    b[0] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, wire};
    d.cBuffers = 1;
    st = DecryptMessage(&s, &d, 0, NULL);
    CHECK(documented_receive(st));
    if (mask == 0) {
        CHECK(st == SEC_E_OK && b[0].cbBuffer == msg_len);
        CHECK(memcmp(wire, msg, msg_len) == 0);
    }
    else {
        CHECK(st != SEC_E_OK);
    }
    DeleteSecurityContext(&s);
    DeleteSecurityContext(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;

    if (!ready) {
        set_up();
        ready = true;
    }
    if (size == 0 || size > CAP) {
        return 0;
    }
    switch (data[0] % 5) {
    case 0:
        respond(data + 1, size - 1, false);
        break;
    case 1:
        respond(data + 1, size - 1, true);
        break;
    case 2:
        challenged(data + 1, size - 1);
        break;
    case 3:
        if (size > 1) {
            receive(data + 1, size - 1);
        }
        break;
    default:
        masked(data + 1, size - 1);
        break;
    }
    return 0;
}
