/*
 * fuzz_digest.c: libFuzzer target for the whole engine behind
 * AcceptSecurityContext and InitializeSecurityContext.  The first octet
 * picks what the rest becomes:
 *   0  an Authorization value, as it comes, for AcceptSecurityContext;
 *   1  a patch: octets 1-2 give an offset into a valid Authorization (made
 *      by our own client with a fixed clock and fixed random octets, so
 *      that the nonce is genuine and the fuzzer reaches verification), the
 *      rest overwrites it from there;
 *   2  the same patch, then CompleteAuthToken on an established context
 *      (the per-connection path the module uses);
 *   3  WWW-Authenticate value(s) for InitializeSecurityContext, then the
 *      same octets as an Authentication-Info value on that context;
 *   (octets 0xF0 and above)
 *   even: the patch of 1 over a valid response with a channel binding
 *      (sspi.h, "Channel bindings"), accepted with the server's binding
 *      in buffer 5 and strict bindings;
 *   odd: the rest as a caller's SEC_CHANNEL_BINDINGS, given to
 *      AcceptSecurityContext (buffer 5) and InitializeSecurityContext
 *      (buffer 4) on a marked challenge.
 * It traps when a call returns a status its documentation does not list,
 * when an output is longer than its buffer, or when a success leaves no
 * user behind.  It compiles in every engine source file.
 *
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

#define CAP 16384

static CredHandle server, client;
static char valid[CAP], valid_bound[CAP];
static size_t valid_len, valid_bound_len;

/* The server's channel binding: application data only, as on TLS. */
static struct {
    SEC_CHANNEL_BINDINGS h;
    char app[24];
} binding = {{0, 0, 0, 0, 0, 0, 24, sizeof(SEC_CHANNEL_BINDINGS)},
             "tls-server-end-point:xyz"};

/* Users alice/secret and "Jäsøn Doe"/pw in realm "realm". */
static void SEC_ENTRY get_key(PVOID arg, PVOID principal, ULONG version,
                              PVOID *key, SECURITY_STATUS *status)
{
    SD_DIGEST_KEY_REQUEST *kr = principal;
    static const char *const names[] = {"alice", "J\xc3\xa4s\xc3\xb8n Doe"};
    static const char *const passwords[] = {"secret", "pw"};
    sd_hash_family f = sd_algorithm_by_id(kr->Algorithm)->family;
    apr_pool_t *p;

    (void)arg, (void)version, (void)key;
    *status = SEC_E_UNKNOWN_CREDENTIALS;
    apr_pool_create(&p, NULL);
    for (int i = 0; i < 2; i++) {
        sd_view user = {names[i], strlen(names[i])};
        sd_view realm = {kr->Realm, kr->RealmLength};
        sd_view pass = {passwords[i], strlen(passwords[i])};
        char uh[SD_MAX_HEX];
        sd_hasher *h = sd_hasher_create(p);
        bool match;

        if (kr->UserHash) {
            sd_digest_userhash(h, f, user, realm, uh);
            match = kr->UserLength == 2 * sd_hash_size(f) &&
                    memcmp(uh, kr->User, kr->UserLength) == 0;
        }
        else {
            match = kr->UserLength == user.len &&
                    memcmp(kr->User, user.p, user.len) == 0;
        }
        if (match) {
            sd_digest_ha1(h, f, user, realm, pass, kr->Key);
            kr->KeyLength = (ULONG)(2 * sd_hash_size(f));
            memcpy(kr->ResolvedUser, user.p, user.len);
            kr->ResolvedUserLength = (ULONG)user.len;
            *status = SEC_E_OK;
        }
    }
    apr_pool_destroy(p);
}

static void set(SecBuffer *b, ULONG type, const void *p, size_t n)
{
    b->BufferType = type;
    b->pvBuffer = (void *)(uintptr_t)p;
    b->cbBuffer = (ULONG)n;
}

/* With cb (cb_len octets) in buffer 5 and strict bindings when cb is not
   NULL. */
static SECURITY_STATUS accept_bound(PCtxtHandle ctx, PCtxtHandle out_ctx,
                                    const char *token, size_t n, const void *cb,
                                    size_t cb_len, char *out, ULONG *out_len)
{
    SecBuffer in[7], ob;
    SecBufferDesc id = {SECBUFFER_VERSION, 6, in};
    SD_CALL_PARAMETERS params = {0};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    set(&in[0], SECBUFFER_TOKEN, token, n);
    set(&in[1], SECBUFFER_PKG_PARAMS, "GET", 3);
    set(&in[2], SECBUFFER_PKG_PARAMS, NULL, 0);
    set(&in[3], SECBUFFER_PKG_PARAMS, NULL, 0);
    set(&in[4], SECBUFFER_PKG_PARAMS, "realm", 5);
    set(&in[5], SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, cb, cb_len);
    if (cb != NULL) {
        params.Flags = SD_CALL_NO_MISSING_BINDINGS;
        set(&in[6], SECBUFFER_SD_CALL_PARAMETERS, &params, sizeof(params));
        id.cBuffers = 7;
    }
    set(&ob, SECBUFFER_TOKEN, out, CAP);
    st = AcceptSecurityContext(&server, ctx, &id, ASC_REQ_HTTP, 0, out_ctx, &od,
                               &attrs, NULL);
    CHECK(ob.cbBuffer <= CAP);
    *out_len = ob.cbBuffer;
    return st;
}

static SECURITY_STATUS accept_call(PCtxtHandle ctx, PCtxtHandle out_ctx,
                                   const char *token, size_t n, char *out,
                                   ULONG *out_len)
{
    return accept_bound(ctx, out_ctx, token, n, NULL, 0, out, out_len);
}

/* With a service name and cb in buffers 3 and 4 when cb is not NULL. */
static SECURITY_STATUS initialize_bound(PCtxtHandle ctx, const char *token,
                                        size_t n, const void *cb, size_t cb_len,
                                        char *out)
{
    SecBuffer in[5], ob;
    SecBufferDesc id = {SECBUFFER_VERSION, cb ? 5 : 2, in};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    set(&in[0], SECBUFFER_TOKEN, token, n);
    set(&in[1], SECBUFFER_PKG_PARAMS, "GET", 3);
    set(&in[2], SECBUFFER_PKG_PARAMS, NULL, 0);
    set(&in[3], SECBUFFER_TARGET_HOST, "HTTP/fuzz", 9);
    set(&in[4], SECBUFFER_CHANNEL_BINDINGS, cb, cb_len);
    set(&ob, SECBUFFER_TOKEN, out, CAP);
    st = InitializeSecurityContext(SecIsValidHandle(ctx) ? NULL : &client,
                                   SecIsValidHandle(ctx) ? ctx : NULL,
                                   "/doc?x=1", ISC_REQ_USE_HTTP_STYLE, 0, 0,
                                   &id, 0, ctx, &od, &attrs, NULL);
    CHECK(ob.cbBuffer <= CAP);
    return st;
}

static SECURITY_STATUS initialize(PCtxtHandle ctx, const char *token, size_t n,
                                  char *out)
{
    return initialize_bound(ctx, token, n, NULL, 0, out);
}

static void tear_down(void)
{
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
    apr_terminate();
}

static void set_up(void)
{
    static const ULONG algs[] = {SD_ALG_SHA256, SD_ALG_MD5,
                                 SD_ALG_SHA512_256_SESS};
    static const unsigned char secret[32] = "fuzz secret, thirty-two octets!";
    SD_DIGEST_SERVER_POLICY p = {0};
    SEC_WINNT_AUTH_IDENTITY id = {0};
    sd_test_hooks hooks = {0};
    CtxtHandle s, c;
    char challenge[CAP];
    ULONG n;

    apr_initialize();
    atexit(tear_down);
    p.Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p.AlgorithmCount = 3;
    memcpy(p.Algorithms, algs, sizeof(algs));
    p.QopFlags = SD_QOP_AUTH | SD_QOP_AUTH_INT;
    p.NonceLifetime = 300;
    p.Flags = SD_POLICY_USERHASH;
    p.NonceSecret = secret;
    p.NonceSecretLength = sizeof(secret);
    p.Opaque = "opq";
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
    CHECK(accept_call(NULL, &s, "", 0, challenge, &n) == SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&s);
    SecInvalidateHandle(&c);
    CHECK(initialize(&c, challenge, n, valid) == SEC_E_OK);
    valid_len = strlen(valid);
    DeleteSecurityContext(&c);
    /* and with a channel binding, on a marked nonce */
    CHECK(accept_bound(NULL, &s, "", 0, &binding, sizeof(binding), challenge,
                       &n) == SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&s);
    SecInvalidateHandle(&c);
    CHECK(initialize_bound(&c, challenge, n, &binding, sizeof(binding),
                           valid_bound) == SEC_E_OK);
    valid_bound_len = strlen(valid_bound);
    CHECK(strstr(valid_bound, "channel-binding=") != NULL);
    DeleteSecurityContext(&c);
}

static bool documented_accept(SECURITY_STATUS st)
{
    return st == SEC_E_OK || st == SEC_I_COMPLETE_NEEDED ||
           st == SEC_E_LOGON_DENIED || st == SEC_E_CONTEXT_EXPIRED ||
           st == SEC_E_OUT_OF_SEQUENCE || st == SEC_E_INVALID_TOKEN ||
           st == SEC_I_RENEGOTIATE || st == SEC_I_CONTINUE_NEEDED ||
           st == SEC_E_BAD_BINDINGS;
}

static void check_success(PCtxtHandle ctx, SECURITY_STATUS st)
{
    SecPkgContext_Names names;

    if (st == SEC_E_OK) {
        CHECK(QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, &names) ==
              SEC_E_OK);
        CHECK(names.sUserName != NULL && names.sUserName[0] != '\0');
    }
}

/* The valid Authorization (base: valid or valid_bound) with data written
   over it from an offset. */
static size_t patch_of(const char *base, size_t base_len, const uint8_t *data,
                       size_t size, char *token)
{
    size_t at, n;

    if (size < 2) {
        return 0;
    }
    at = ((size_t)data[0] << 8 | data[1]) % (base_len + 1);
    n = size - 2;
    if (at + n > CAP - 1) {
        n = CAP - 1 - at;
    }
    memcpy(token, base, base_len);
    memcpy(token + at, data + 2, n);
    return at + n > base_len ? at + n : base_len;
}

static size_t patch(const uint8_t *data, size_t size, char *token)
{
    return patch_of(valid, valid_len, data, size, token);
}

/* The two channel-binding modes (first octet 0xF0 and above). */
static void bound(const uint8_t *data, size_t size, char *token, char *out)
{
    CtxtHandle ctx;
    SECURITY_STATUS st;
    ULONG n = 0;

    SecInvalidateHandle(&ctx);
    if (data[0] % 2 == 0) {
        size_t len =
            patch_of(valid_bound, valid_bound_len, data + 1, size - 1, token);

        st = accept_bound(NULL, &ctx, token, len, &binding, sizeof(binding),
                          out, &n);
        CHECK(documented_accept(st));
        check_success(&ctx, st);
    }
    else {
        /* the caller's structure: exactly size - 1 octets, so that a read
           past them is caught */
        st = accept_bound(NULL, &ctx, "", 0, data + 1, size - 1, out, &n);
        CHECK(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_INVALID_PARAMETER);
        if (st == SEC_I_CONTINUE_NEEDED) {
            CHECK(n < CAP);
            out[n] = '\0';
            CHECK(strstr(out, "nonce=\"+Upgraded+") != NULL);
            DeleteSecurityContext(&ctx);
            SecInvalidateHandle(&ctx);
            st = initialize_bound(&ctx, out, n, data + 1, size - 1, token);
            CHECK(st == SEC_E_OK);
        }
    }
    if (SecIsValidHandle(&ctx)) {
        DeleteSecurityContext(&ctx);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static char token[CAP], out[CAP];
    CtxtHandle ctx;
    SECURITY_STATUS st;
    ULONG n = 0;
    size_t len;

    if (!ready) {
        set_up();
        ready = true;
    }
    if (size == 0 || size > CAP) {
        return 0;
    }
    if (data[0] >= 0xF0) {
        bound(data, size, token, out);
        return 0;
    }
    SecInvalidateHandle(&ctx);
    switch (data[0] % 4) {
    case 0:
        st = accept_call(NULL, &ctx, (const char *)data + 1, size - 1, out, &n);
        /* only an empty token asks for a challenge */
        CHECK(documented_accept(st) &&
              (st != SEC_I_CONTINUE_NEEDED) == (size > 1));
        check_success(&ctx, st);
        break;
    case 1:
    case 2:
        len = patch(data + 1, size - 1, token);
        st = accept_call(NULL, &ctx, token, len, out, &n);
        CHECK(documented_accept(st));
        check_success(&ctx, st);
        if (data[0] % 4 == 2 && st == SEC_E_OK) {
            SecBuffer in[6];
            SecBufferDesc id = {SECBUFFER_VERSION, 6, in};

            set(&in[0], SECBUFFER_TOKEN, valid, valid_len);
            set(&in[1], SECBUFFER_PKG_PARAMS, "GET", 3);
            set(&in[2], SECBUFFER_PKG_PARAMS, NULL, 0);
            set(&in[3], SECBUFFER_PKG_PARAMS, NULL, 0);
            set(&in[4], SECBUFFER_PKG_PARAMS, "realm", 5);
            set(&in[5], SECBUFFER_CHANNEL_BINDINGS, NULL, 0);
            CHECK(documented_accept(CompleteAuthToken(&ctx, &id)));
        }
        break;
    default:
        st = initialize(&ctx, (const char *)data + 1, size - 1, out);
        CHECK(st == SEC_E_OK || st == SEC_E_INVALID_TOKEN ||
              st == SEC_E_WRONG_PRINCIPAL || st == SEC_E_LOGON_DENIED);
        if (st == SEC_E_OK) {
            st = initialize(&ctx, (const char *)data + 1, size - 1, out);
            CHECK(st == SEC_E_OK || st == SEC_E_INVALID_TOKEN ||
                  st == SEC_E_MUTUAL_AUTH_FAILED || st == SEC_E_LOGON_DENIED);
        }
        break;
    }
    if (SecIsValidHandle(&ctx)) {
        DeleteSecurityContext(&ctx);
    }
    return 0;
}
