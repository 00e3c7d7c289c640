/*
 * test_binding.c: channel bindings (src/binding.c; sspi.h, "Channel
 * bindings"): the whole policy matrix, each cell a real exchange between
 * our client and our server; the wire format (marked nonces, the
 * upgraded cnonce, the flattened SEC_CHANNEL_BINDINGS hash) and every
 * way a response's binding can be malformed; the caller's
 * SEC_CHANNEL_BINDINGS and service-name list as hostile input; the hash
 * computed once per context, and recomputed when the buffer changes;
 * CompleteAuthToken and auth-int; QueryContextAttributes(
 * SECPKG_ATTR_CLIENT_SPECIFIED_TARGET).
 */
#include "support.h"

#include <string.h>

#include <openssl/evp.h>

#include "binding.h"
#include "nonce.h"

#define OUT_CAP 8192
#define SPN "HTTP/www.example.com"

/* Counts the engine's binding hashes (-Wl,--wrap in the Makefile). */
bool __real_sd_bindings_hash(sd_hasher *h, const void *p, size_t n,
                             char hex[SD_BINDING_HEX]);
bool __wrap_sd_bindings_hash(sd_hasher *h, const void *p, size_t n,
                             char hex[SD_BINDING_HEX]);
static unsigned hash_calls;

bool __wrap_sd_bindings_hash(sd_hasher *h, const void *p, size_t n,
                             char hex[SD_BINDING_HEX])
{
    hash_calls++;
    return __real_sd_bindings_hash(h, p, n, hex);
}

static const test_user users[] = {{"alice", "realm", "secret", 0}};

static int setup(void **state)
{
    (void)state;
    test_users = users;
    test_nusers = 1;
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
    unsigned char b[SD_MAX_CHANNEL_BINDINGS + 64];
    ULONG len;
} binding;

/* A SEC_CHANNEL_BINDINGS with application data only, as Windows makes for
   TLS ("tls-server-end-point:" and a hash; any octets do here). */
static void make_binding(binding *cb, const char *app)
{
    SEC_CHANNEL_BINDINGS h = {0};
    size_t n = strlen(app);

    h.cbApplicationDataLength = (ULONG)n;
    h.dwApplicationDataOffset = sizeof(h);
    memset(cb, 0, sizeof(*cb));
    memcpy(cb->b, &h, sizeof(h));
    memcpy(cb->b + sizeof(h), app, n);
    cb->len = (ULONG)(sizeof(h) + n);
}

/* The server side of a call: its binding (NULL: no buffer 5), flags of
   SD_CALL_PARAMETERS and allowed service names. */
typedef struct {
    const binding *own;
    ULONG req;   /* besides ASC_REQ_HTTP */
    ULONG flags; /* SD_CALL_* */
    const SEC_CHAR *const *names;
    ULONG nnames;
} server_side;

static void fill(asc_buffers *in, const char *token, const char *entity_hex,
                 const server_side *s)
{
    asc_buffers_set(in, token, "GET", entity_hex, "realm");
    if (s->own != NULL) {
        in->b[5].pvBuffer = (void *)(uintptr_t)s->own->b;
        in->b[5].cbBuffer = s->own->len;
    }
    asc_buffers_scope(in, "");
    in->params.Flags = s->flags;
    in->params.ServiceNames = s->names;
    in->params.ServiceNameCount = s->nnames;
}

static SECURITY_STATUS accept_as(CredHandle *cred, CtxtHandle *ctx,
                                 CtxtHandle *ctx_out, const char *token,
                                 const server_side *s, char *out)
{
    asc_buffers in;
    SecBuffer ob = {OUT_CAP - 1, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    fill(&in, token, NULL, s);
    st = AcceptSecurityContext(cred, ctx, &in.desc,
                               ASC_REQ_HTTP | ASC_REQ_REPLAY_DETECT | s->req, 0,
                               ctx_out, &od, &attrs, NULL);
    out[ob.cbBuffer < OUT_CAP ? ob.cbBuffer : 0] = '\0';
    return st;
}

static SECURITY_STATUS complete_as(CtxtHandle *ctx, const char *token,
                                   const char *entity_hex, const server_side *s)
{
    asc_buffers in;

    fill(&in, token, entity_hex, s);
    return CompleteAuthToken(ctx, &in.desc);
}

/* The client side: its service name (NULL: no buffer 3) and binding (NULL:
   no buffer 4). */
static SECURITY_STATUS initialize_as(CredHandle *cred, CtxtHandle *ctx,
                                     CtxtHandle *ctx_out, ULONG req,
                                     const char *token, const char *spn,
                                     const binding *cb, char *out)
{
    SecBuffer ib[5] = {
        {(ULONG)strlen(token), SECBUFFER_TOKEN, (void *)(uintptr_t)token},
        {3, SECBUFFER_PKG_PARAMS, "GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_EMPTY, NULL},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc id = {SECBUFFER_VERSION, 5, ib};
    SecBuffer ob = {OUT_CAP - 1, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if (spn != NULL) {
        ib[3] = (SecBuffer){(ULONG)strlen(spn),
                            SECBUFFER_TARGET_HOST | SECBUFFER_READONLY,
                            (void *)(uintptr_t)spn};
    }
    if (cb != NULL) {
        ib[4] = (SecBuffer){cb->len,
                            SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY,
                            (void *)(uintptr_t)cb->b};
    }
    st =
        InitializeSecurityContext(cred, ctx, "/p", req | ISC_REQ_USE_HTTP_STYLE,
                                  0, 0, &id, 0, ctx_out, &od, &attrs, NULL);
    out[ob.cbBuffer < OUT_CAP ? ob.cbBuffer : 0] = '\0';
    return st;
}

/* The server's binding in these tests, and another channel's. */
static binding ours, theirs;

static void make_bindings(void)
{
    /* the same length: the context's cache must compare octets */
    make_binding(&ours, "tls-server-end-point:our certificate hash!");
    make_binding(&theirs, "tls-server-end-point:a relay's certificate");
    assert_int_equal(ours.len, theirs.len);
}

/* A marked challenge (any marking call), our client's first answer. */
typedef enum {
    C_NONE,
    C_UNBOUND,
    C_MATCHING,
    C_WRONG,
    C_MALFORMED
} client_kind;

static const char *const client_names[] = {"none", "unbound", "matching",
                                           "wrong", "malformed"};

typedef struct {
    CredHandle server, client;
    CtxtHandle cctx;
    char challenge[OUT_CAP], authz[OUT_CAP];
} exchange;

static void start(exchange *x, ULONG alg, ULONG qop, client_kind who)
{
    SD_DIGEST_SERVER_POLICY p;
    server_side marking = {&ours, 0, 0, NULL, 0};
    CtxtHandle sctx;

    make_bindings();
    test_policy(&p, &alg, 1, qop);
    test_server_cred(&p, &x->server);
    test_client_cred("alice", "secret", &x->client);
    assert_status(
        accept_as(&x->server, NULL, &sctx, "", &marking, x->challenge),
        SEC_I_CONTINUE_NEEDED);
    DeleteSecurityContext(&sctx);
    assert_non_null(strstr(x->challenge, "nonce=\"" SD_UPGRADED));
    assert_status(initialize_as(&x->client, NULL, &x->cctx,
                                qop == SD_QOP_AUTH_INT ? ISC_REQ_INTEGRITY : 0,
                                x->challenge, who == C_NONE ? NULL : SPN,
                                who == C_MATCHING || who == C_MALFORMED ? &ours
                                : who == C_WRONG ? &theirs
                                                 : NULL,
                                x->authz),
                  SEC_E_OK);
    if (who == C_MALFORMED) {
        /* another channel's hash: the cnonce no longer covers it */
        char *cb = strstr(x->authz, "channel-binding=\"");

        assert_non_null(cb);
        cb += strlen("channel-binding=\"");
        cb[0] = cb[0] == 'a' ? 'b' : 'a';
    }
}

static void next_authz(exchange *x, const char *spn, const binding *cb)
{
    assert_status(
        initialize_as(&x->client, &x->cctx, &x->cctx, 0, "", spn, cb, x->authz),
        SEC_E_OK);
}

static void finish(exchange *x)
{
    DeleteSecurityContext(&x->cctx);
    FreeCredentialsHandle(&x->server);
    FreeCredentialsHandle(&x->client);
}

/* Replaces the first `from` in s by `to` (s has room: OUT_CAP). */
static void replace(char *s, const char *from, const char *to)
{
    char *at = strstr(s, from);
    char rest[OUT_CAP];

    assert_non_null(at);
    strcpy(rest, at + strlen(from));
    strcpy(at, to);
    strcat(at, rest);
}

/* Removes `, name="value"` (a quoted parameter) from s. */
static void remove_param(char *s, const char *name)
{
    char pat[64], *at, *end;

    snprintf(pat, sizeof(pat), ", %s=\"", name);
    at = strstr(s, pat);
    assert_non_null(at);
    end = strchr(at + strlen(pat), '"');
    assert_non_null(end);
    memmove(at, end + 1, strlen(end + 1) + 1);
}

#define OK SEC_E_OK
#define BAD SEC_E_BAD_BINDINGS
#define TOK SEC_E_INVALID_TOKEN
#define QOS SEC_E_SECURITY_QOS_FAILED

/* One exchange: our client behaving as `who`, answered by a server side
   `s`; the status must be `want` (a refusal of a binding carrying fresh
   challenges) and, when given, the reason `reason`. */
static void exchange_once(const char *name, client_kind who,
                          const server_side *s, SECURITY_STATUS want,
                          const char *reason)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];
    SECURITY_STATUS st;

    start(&x, SD_ALG_MD5, SD_QOP_AUTH, who);
    SecInvalidateHandle(&sctx);
    st = accept_as(&x.server, NULL, &sctx, x.authz, s, out);
    if (st != want) {
        fail_msg("%s: %s, expected %s (%s)", name, SdStatusName(st),
                 SdStatusName(want), test_reason(&sctx));
    }
    if (st == BAD) {
        assert_non_null(strstr(out, "Digest realm="));
    }
    if (reason != NULL) {
        assert_string_equal(test_reason(&sctx), reason);
    }
    if (SecIsValidHandle(&sctx)) {
        DeleteSecurityContext(&sctx);
    }
    finish(&x);
}

/* ---- the policy matrix ------------------------------------------------ */

typedef struct {
    const char *name;
    server_side s;
    SECURITY_STATUS want[5]; /* none, unbound, matching, wrong, malformed */
} matrix_row;

/* sspi.h, "Channel bindings", row by row; one exchange per cell. */
static void policy_matrix(void **state)
{
    const matrix_row rows[] = {
        {"ALLOW, buffer 5", {&ours, 0, 0, NULL, 0}, {OK, BAD, OK, BAD, TOK}},
        {"ALLOW, no buffer 5", {NULL, 0, 0, NULL, 0}, {OK, OK, OK, OK, TOK}},
        {"STRICT, buffer 5",
         {&ours, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         {BAD, BAD, OK, BAD, TOK}},
        {"STRICT, no buffer 5",
         {NULL, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         {BAD, BAD, BAD, BAD, TOK}},
        {"PROXY, no buffer 5",
         {NULL, ASC_REQ_PROXY_BINDINGS, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         {BAD, BAD, OK, OK, TOK}},
        {"PROXY, buffer 5 (not compared)",
         {&ours, ASC_REQ_PROXY_BINDINGS, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         {BAD, BAD, OK, OK, TOK}},
        {"PROXY with ALLOW_MISSING",
         {NULL, ASC_REQ_PROXY_BINDINGS, 0, NULL, 0},
         {QOS, QOS, QOS, QOS, QOS}},
        {"PROXY with ALLOW_MISSING, buffer 5",
         {&ours, ASC_REQ_PROXY_BINDINGS, 0, NULL, 0},
         {QOS, QOS, QOS, QOS, QOS}},
    };
    unsigned cells = 0;

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        for (int who = C_NONE; who <= C_MALFORMED; who++) {
            char name[128];

            snprintf(name, sizeof(name), "%s x %s", rows[r].name,
                     client_names[who]);
            exchange_once(name, (client_kind)who, &rows[r].s, rows[r].want[who],
                          NULL);
            cells++;
        }
    }
    assert_int_equal(cells, 40);
}

/* The reasons a refusal gives (SECPKG_ATTR_SD_REASON) name the rule. */
static void refusals_say_why(void **state)
{
    static const struct {
        client_kind who;
        server_side s;
        const char *reason;
    } cases[] = {
        {C_NONE,
         {&ours, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         "no channel binding sent"},
        {C_UNBOUND,
         {&ours, 0, 0, NULL, 0},
         "channel binding is unbound (the client has no TLS)"},
        {C_WRONG,
         {&ours, 0, 0, NULL, 0},
         "channel binding does not match this connection"},
        {C_MATCHING,
         {NULL, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0},
         "no channel binding of this connection to compare with"},
        {C_MALFORMED,
         {&ours, 0, 0, NULL, 0},
         "cnonce does not cover the channel binding"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        exchange_once(cases[i].reason, cases[i].who, &cases[i].s,
                      cases[i].who == C_MALFORMED ? TOK : BAD, cases[i].reason);
    }
}

/* The password is checked first: a wrong password with a wrong binding is
   a wrong password, so only a client that knew it learns about bindings. */
static void password_before_binding(void **state)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];
    server_side s = {&ours, 0, 0, NULL, 0};
    CredHandle bad;

    (void)state;
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_WRONG);
    test_client_cred("alice", "wrong", &bad);
    DeleteSecurityContext(&x.cctx);
    assert_status(initialize_as(&bad, NULL, &x.cctx, 0, x.challenge, SPN,
                                &theirs, x.authz),
                  SEC_E_OK);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out),
                  SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&sctx), "wrong password");
    DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&bad);
    finish(&x);
}

/* A refused binding does not use up the nonce count: the same count is
   accepted where the binding is right (a client that moved channels). */
static void bad_binding_records_no_count(void **state)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];
    server_side wrong = {&theirs, 0, 0, NULL, 0};
    server_side right = {&ours, 0, 0, NULL, 0};

    (void)state;
    start(&x, SD_ALG_SHA256, SD_QOP_AUTH, C_MATCHING);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &wrong, out), BAD);
    DeleteSecurityContext(&sctx);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &right, out), OK);
    DeleteSecurityContext(&sctx);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &right, out),
                  SEC_E_OUT_OF_SEQUENCE);
    DeleteSecurityContext(&sctx);
    finish(&x);
}

/* ---- service names ----------------------------------------------------- */

static void service_names(void **state)
{
    static const SEC_CHAR *const allowed[] = {"HTTP/other",
                                              "http/WWW.example.COM"};
    static const SEC_CHAR *const others[] = {"HTTP/other"};
    static const struct {
        client_kind who;
        server_side s;
        SECURITY_STATUS want;
    } cases[] = {
        /* any case, any of the list */
        {C_MATCHING, {&ours, 0, 0, allowed, 2}, OK},
        {C_MATCHING, {&ours, 0, 0, others, 1}, BAD},
        /* a client with no binding names no service */
        {C_NONE, {&ours, 0, 0, others, 1}, OK},
        /* under PROXY the name is what ties the response to us */
        {C_WRONG,
         {NULL, ASC_REQ_PROXY_BINDINGS, SD_CALL_NO_MISSING_BINDINGS, allowed,
          2},
         OK},
        {C_WRONG,
         {NULL, ASC_REQ_PROXY_BINDINGS, SD_CALL_NO_MISSING_BINDINGS, others, 1},
         BAD},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        exchange_once("service names", cases[i].who, &cases[i].s, cases[i].want,
                      cases[i].want == BAD ? "service-name not allowed here"
                                           : NULL);
    }
}

/* QueryContextAttributes(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET). */
static void client_specified_target(void **state)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];
    server_side s = {&ours, 0, 0, NULL, 0};
    SecPkgContext_ClientSpecifiedTarget t = {NULL};

    (void)state;
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_MATCHING);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), OK);
    assert_status(
        QueryContextAttributes(&sctx, SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, &t),
        SEC_E_OK);
    assert_string_equal(t.sTargetName, SPN);
    assert_status(QueryContextAttributes(
                      &x.cctx, SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, &t),
                  SEC_E_UNSUPPORTED_FUNCTION);
    DeleteSecurityContext(&sctx);
    finish(&x);

    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_NONE);
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), OK);
    assert_status(
        QueryContextAttributes(&sctx, SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, &t),
        SEC_E_TARGET_UNKNOWN);
    DeleteSecurityContext(&sctx);
    finish(&x);
}

/* ---- the wire format ------------------------------------------------- */

/* Marked nonces: who marks, the client's answer to one, and the mark
   covered by the nonce's MAC. */
static void marked_nonces(void **state)
{
    static const server_side plain = {NULL, 0, 0, NULL, 0};
    static const server_side strict = {NULL, 0, SD_CALL_NO_MISSING_BINDINGS,
                                       NULL, 0};
    static const server_side proxy = {NULL, ASC_REQ_PROXY_BINDINGS,
                                      SD_CALL_NO_MISSING_BINDINGS, NULL, 0};
    server_side bound = {&ours, 0, 0, NULL, 0};
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP], token[OUT_CAP];
    const server_side *marking[] = {&bound, &strict, &proxy};

    (void)state;
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_MATCHING);
    /* the upgraded response's shape: the cnonce is "+Upgraded+v1", 32 hex
       of MD5(service-name ":" channel-binding), 32 random hex */
    assert_non_null(strstr(x.authz, ", hashed-dirs=\"service-name,"
                                    "channel-binding\", service-name=\"" SPN
                                    "\", channel-binding=\""));
    assert_non_null(strstr(x.authz, "cnonce=\"+Upgraded+v1"));
    for (size_t i = 0; i < 3; i++) {
        assert_status(accept_as(&x.server, NULL, &sctx, "", marking[i], out),
                      SEC_I_CONTINUE_NEEDED);
        assert_non_null(strstr(out, "nonce=\"+Upgraded+"));
        DeleteSecurityContext(&sctx);
    }
    assert_status(accept_as(&x.server, NULL, &sctx, "", &plain, out),
                  SEC_I_CONTINUE_NEEDED);
    assert_null(strstr(out, "+Upgraded+"));
    DeleteSecurityContext(&sctx);

    /* stripping the mark (to make a client answer without its binding)
       makes the nonce forged */
    memcpy(token, x.authz, sizeof(token));
    replace(token, "nonce=\"+Upgraded+", "nonce=\"");
    assert_status(accept_as(&x.server, NULL, &sctx, token, &bound, out),
                  SEC_E_LOGON_DENIED);
    assert_string_equal(test_reason(&sctx),
                        "nonce not issued here (forged, other realm or key)");
    DeleteSecurityContext(&sctx);
    finish(&x);

    /* a plain nonce with a mark added is forged too; a plain nonce in a
       marking call is stale, so the client retries with a marked one */
    {
        CredHandle server, client;
        CtxtHandle cctx;
        SD_DIGEST_SERVER_POLICY p;
        ULONG alg = SD_ALG_MD5;
        char challenge[OUT_CAP], authz[OUT_CAP];

        test_policy(&p, &alg, 1, SD_QOP_AUTH);
        test_server_cred(&p, &server);
        test_client_cred("alice", "secret", &client);
        assert_status(accept_as(&server, NULL, &sctx, "", &plain, challenge),
                      SEC_I_CONTINUE_NEEDED);
        DeleteSecurityContext(&sctx);
        memcpy(token, challenge, sizeof(token));
        replace(token, "nonce=\"", "nonce=\"+Upgraded+");
        assert_status(
            initialize_as(&client, NULL, &cctx, 0, token, SPN, &ours, authz),
            SEC_E_OK);
        assert_status(accept_as(&server, NULL, &sctx, authz, &bound, out),
                      SEC_E_LOGON_DENIED);
        DeleteSecurityContext(&sctx);
        DeleteSecurityContext(&cctx);

        assert_status(initialize_as(&client, NULL, &cctx, 0, challenge, SPN,
                                    &ours, authz),
                      SEC_E_OK);
        assert_null(strstr(authz, "channel-binding")); /* not upgraded */
        assert_status(accept_as(&server, NULL, &sctx, authz, &bound, out),
                      SEC_E_CONTEXT_EXPIRED);
        assert_string_equal(test_reason(&sctx),
                            "nonce not marked for channel binding");
        assert_non_null(strstr(out, "stale=true"));
        assert_non_null(strstr(out, "nonce=\"+Upgraded+"));
        DeleteSecurityContext(&sctx);
        /* the client follows stale=true onto the marked nonce */
        assert_status(
            initialize_as(&client, &cctx, &cctx, 0, out, SPN, &ours, authz),
            SEC_E_OK);
        assert_status(accept_as(&server, NULL, &sctx, authz, &bound, out), OK);
        DeleteSecurityContext(&sctx);
        DeleteSecurityContext(&cctx);
        FreeCredentialsHandle(&server);
        FreeCredentialsHandle(&client);
    }
}

/* The nonce itself: the mark is part of the MAC's input. */
static void nonce_mark_is_signed(void **state)
{
    apr_pool_t *pool = test_pool();
    static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";
    sd_mac *key = sd_mac_create(pool, secret, sizeof(secret));
    unsigned char rnd[SD_NONCE_RANDOM_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
    sd_view realm = {"r", 1};
    sd_nonce_info in = {1000, 300, 7, {0}, true}, out;
    char nonce[SD_NONCE_LEN + SD_UPGRADED_LEN];

    (void)state;
    assert_non_null(key);
    assert_int_equal(sd_nonce_length(&in), SD_NONCE_LEN + SD_UPGRADED_LEN);
    assert_true(sd_nonce_mint(key, realm, &in, rnd, nonce));
    assert_memory_equal(nonce, SD_UPGRADED, SD_UPGRADED_LEN);
    memset(&out, 0, sizeof(out));
    assert_int_equal(sd_nonce_check(key, NULL, realm,
                                    (sd_view){nonce, sizeof(nonce)}, 1000, 300,
                                    &out),
                     SD_NONCE_VALID);
    assert_true(out.upgraded);
    assert_int_equal(out.generation, 7);
    assert_int_equal(
        sd_nonce_check(key, NULL, realm,
                       (sd_view){nonce + SD_UPGRADED_LEN, SD_NONCE_LEN}, 1000,
                       300, &out),
        SD_NONCE_FORGED);
    in.upgraded = false;
    assert_int_equal(sd_nonce_length(&in), SD_NONCE_LEN);
    assert_true(sd_nonce_mint(key, realm, &in, rnd, nonce + SD_UPGRADED_LEN));
    assert_int_equal(
        sd_nonce_check(key, NULL, realm,
                       (sd_view){nonce + SD_UPGRADED_LEN, SD_NONCE_LEN}, 1000,
                       300, &out),
        SD_NONCE_VALID);
    assert_false(out.upgraded);
    assert_int_equal(sd_nonce_check(key, NULL, realm,
                                    (sd_view){nonce, sizeof(nonce)}, 1000, 300,
                                    &out),
                     SD_NONCE_FORGED);
    test_pool_destroy(pool);
}

/* The channel-binding value is the MD5 of the flattened structure: types
   and lengths little-endian, octets in field order whatever the offsets
   say, offsets not hashed (Windows' format, binding.h). */
static void flattened_hash(void **state)
{
    /* initiator: type 2, "ab"; acceptor: type 0x01020304, "XYZ"; app "q",
       stored in reverse order after the header */
    static const unsigned char flat[] = {
        2, 0, 0, 0, 2,  0, 0, 0, 'a', 'b',      /* initiator */
        4, 3, 2, 1, 3,  0, 0, 0, 'X', 'Y', 'Z', /* acceptor */
        1, 0, 0, 0, 'q'};                       /* app data */
    SEC_CHANNEL_BINDINGS h = {2, 2, 38, 0x01020304, 3, 35, 1, 34};
    binding cb;
    unsigned char md5[16];
    unsigned int n = 0;
    char want[33], *got;
    exchange x;
    char authz[OUT_CAP];

    (void)state;
    memset(&cb, 0, sizeof(cb));
    memcpy(cb.b, &h, sizeof(h));
    memcpy(cb.b + 34, "qXYZab", 6);
    cb.len = 40;
    assert_int_equal(EVP_Digest(flat, sizeof(flat), md5, &n, EVP_md5(), NULL),
                     1);
    for (size_t i = 0; i < 16; i++) {
        snprintf(want + 2 * i, 3, "%02x", md5[i]);
    }
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_NONE);
    assert_status(initialize_as(&x.client, NULL, &x.cctx, 0, x.challenge, SPN,
                                &cb, authz),
                  SEC_E_OK);
    got = strstr(authz, "channel-binding=\"");
    assert_non_null(got);
    assert_memory_equal(got + strlen("channel-binding=\""), want, 32);
    /* and no channel at all is 32 zeros */
    DeleteSecurityContext(&x.cctx);
    assert_status(initialize_as(&x.client, NULL, &x.cctx, 0, x.challenge, SPN,
                                NULL, authz),
                  SEC_E_OK);
    assert_non_null(
        strstr(authz, "channel-binding=\"00000000000000000000000000000000\""));
    finish(&x);
}

/* Every malformed binding is SEC_E_INVALID_TOKEN, whatever the policy;
   what may vary (hashed-dirs order, case and spaces) is accepted. */
static void malformed_bindings(void **state)
{
    static const struct {
        /* to NULL: remove parameter `from`; "*c": overwrite the octet
           after `from` with c; "-": remove that octet; else replace */
        const char *what, *from, *to;
        SECURITY_STATUS want;
        const char *reason;
    } cases[] = {
        {"hashed-dirs missing", "hashed-dirs", NULL, TOK,
         "incomplete channel binding parameters"},
        {"service-name missing", "service-name", NULL, TOK,
         "incomplete channel binding parameters"},
        {"channel-binding missing", "channel-binding", NULL, TOK,
         "incomplete channel binding parameters"},
        {"hashed-dirs one name", "\"service-name,channel-binding\"",
         "\"service-name\"", TOK,
         "hashed-dirs is not service-name,channel-binding"},
        {"hashed-dirs extra name", "\"service-name,channel-binding\"",
         "\"service-name,channel-binding,realm\"", TOK,
         "hashed-dirs is not service-name,channel-binding"},
        {"hashed-dirs twice", "\"service-name,channel-binding\"",
         "\"service-name,service-name\"", TOK,
         "hashed-dirs is not service-name,channel-binding"},
        {"hashed-dirs empty item", "\"service-name,channel-binding\"",
         "\"service-name,,channel-binding\"", TOK,
         "hashed-dirs is not service-name,channel-binding"},
        {"hashed-dirs reordered", "\"service-name,channel-binding\"",
         "\" Channel-Binding ,\tSERVICE-NAME\"", OK, NULL},
        {"channel-binding long", "channel-binding=\"", "channel-binding=\"0",
         TOK, "parameter too long"},
        {"channel-binding not hex", "channel-binding=\"", "*g", TOK,
         "channel-binding is not 32 hex digits"},
        {"channel-binding short", "channel-binding=\"", "-", TOK,
         "channel-binding is not 32 hex digits"},
        {"service-name changed", SPN, "HTTP/www.example.org", TOK,
         "cnonce does not cover the channel binding"},
        {"cnonce not upgraded", "cnonce=\"+Upgraded+v1",
         "cnonce=\"+Upgraded+v2", TOK,
         "channel binding without an upgraded cnonce"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        exchange x;
        CtxtHandle sctx;
        char out[OUT_CAP];
        server_side s = {&ours, 0, 0, NULL, 0};
        SECURITY_STATUS st;

        start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_MATCHING);
        if (cases[i].to == NULL) {
            remove_param(x.authz, cases[i].from);
        }
        else if (cases[i].to[0] == '*') { /* overwrite the octet after */
            strstr(x.authz, cases[i].from)[strlen(cases[i].from)] =
                cases[i].to[1];
        }
        else if (cases[i].to[0] == '-') { /* remove the octet after */
            char *at = strstr(x.authz, cases[i].from) + strlen(cases[i].from);

            memmove(at, at + 1, strlen(at + 1) + 1);
        }
        else {
            replace(x.authz, cases[i].from, cases[i].to);
        }
        st = accept_as(&x.server, NULL, &sctx, x.authz, &s, out);
        if (st != cases[i].want) {
            fail_msg("%s: %s (%s)", cases[i].what, SdStatusName(st),
                     test_reason(&sctx));
        }
        if (cases[i].reason != NULL) {
            assert_string_equal(test_reason(&sctx), cases[i].reason);
        }
        DeleteSecurityContext(&sctx);
        finish(&x);
    }
}

/* A client's binding removed on the way (all three parameters) leaves its
   marked cnonce, which the response covers: refused under every policy,
   also the one that lets clients without bindings in. */
static void stripped_binding(void **state)
{
    static const server_side allow = {&ours, 0, 0, NULL, 0};
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];

    (void)state;
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_WRONG);
    remove_param(x.authz, "hashed-dirs");
    remove_param(x.authz, "service-name");
    remove_param(x.authz, "channel-binding");
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &allow, out), TOK);
    assert_string_equal(test_reason(&sctx),
                        "upgraded cnonce without channel binding parameters");
    DeleteSecurityContext(&sctx);
    finish(&x);
}

/* Binding parameters need the cnonce, hence a qop: an RFC 2069 response
   with them is malformed.  Our client sends none without a qop. */
static void binding_without_qop(void **state)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP];
    server_side s = {&ours, 0, 0, NULL, 0};

    (void)state;
    start(&x, SD_ALG_MD5, 0, C_MATCHING);
    assert_null(strstr(x.authz, "channel-binding"));
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), OK);
    DeleteSecurityContext(&sctx);
    strcat(x.authz, ", hashed-dirs=\"service-name,channel-binding\", "
                    "service-name=\"" SPN "\", channel-binding=\"0000000000000"
                    "0000000000000000000\"");
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), TOK);
    assert_string_equal(test_reason(&sctx), "channel binding without qop");
    DeleteSecurityContext(&sctx);
    finish(&x);
}

/* Property: no one-octet change inside the binding parameters' values or
   the cnonce of a valid bound response is accepted. */
static void every_binding_mutation_refused(void **state)
{
    exchange x;
    server_side s = {&ours, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0};
    unsigned tried = 0, accepted = 0;
    const char *starts[] = {"cnonce=\"", "service-name=\"",
                            "channel-binding=\""};

    (void)state;
    start(&x, SD_ALG_MD5, SD_QOP_AUTH, C_MATCHING);
    for (size_t k = 0; k < 3; k++) {
        char *v = strstr(x.authz, starts[k]);
        size_t from, to;

        assert_non_null(v);
        from = (size_t)(v - x.authz) + strlen(starts[k]);
        to = (size_t)(strchr(x.authz + from, '"') - x.authz);
        for (size_t i = from; i < to; i++) {
            static const char replacements[] = "0aF+/:";

            for (const char *r = replacements; *r; r++) {
                char token[OUT_CAP];
                CtxtHandle sctx;
                char out[OUT_CAP];

                if (*r == x.authz[i]) {
                    continue;
                }
                memcpy(token, x.authz, sizeof(token));
                token[i] = *r;
                tried++;
                SecInvalidateHandle(&sctx);
                if (accept_as(&x.server, NULL, &sctx, token, &s, out) ==
                    SEC_E_OK) {
                    print_message("accepted: %s\n", token);
                    accepted++;
                }
                if (SecIsValidHandle(&sctx)) {
                    DeleteSecurityContext(&sctx);
                }
            }
        }
    }
    assert_true(tried > 500);
    assert_int_equal(accepted, 0);
    finish(&x);
}

/* ---- the caller's buffers, as hostile input --------------------------- */

static void set_header(binding *cb, SEC_CHANNEL_BINDINGS h, ULONG len)
{
    memset(cb, 0, sizeof(*cb));
    memcpy(cb->b, &h, sizeof(h));
    cb->len = len;
}

static void malformed_channel_bindings(void **state)
{
    const struct {
        SEC_CHANNEL_BINDINGS h;
        ULONG len;
        bool valid;
    } cases[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0}, 32, true},            /* all empty */
        {{0, 0, 0, 0, 0, 0, 0, 0}, 31, false},           /* short header */
        {{0, 0, 0, 0, 0, 0, 8, 32}, 40, true},           /* data to the end */
        {{0, 0, 0, 0, 0, 0, 9, 32}, 40, false},          /* one past the end */
        {{0, 0, 0, 0, 0, 0, 8, 16}, 40, false},          /* inside the header */
        {{0, 0, 0, 0, 0, 0, 8, 0xFFFFFFF8U}, 40, false}, /* offset wraps */
        {{0, 0, 0, 0, 0, 0, 0xFFFFFFF0U, 48}, 64, false}, /* length wraps */
        {{0, 4, 36, 0, 0, 0, 0, 0}, 40, true},            /* initiator */
        {{0, 5, 36, 0, 0, 0, 0, 0}, 40, false},
        {{0, 0, 0, 0, 4, 36, 0, 0}, 40, true}, /* acceptor */
        {{0, 0, 0, 0, 4, 37, 0, 0}, 40, false},
        {{0, 0, 0, 0, 0, 0, 0, 0}, SD_MAX_CHANNEL_BINDINGS, true},
        {{0, 0, 0, 0, 0, 0, 0, 0}, SD_MAX_CHANNEL_BINDINGS + 1, false},
    };
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle server, client;

    (void)state;
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &server);
    test_client_cred("alice", "secret", &client);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        binding cb;
        server_side s = {&cb, 0, 0, NULL, 0};
        CtxtHandle ctx;
        char out[OUT_CAP];
        SECURITY_STATUS st;

        set_header(&cb, cases[i].h, cases[i].len);
        SecInvalidateHandle(&ctx);
        st = accept_as(&server, NULL, &ctx, "", &s, out);
        if (st != (cases[i].valid ? SEC_I_CONTINUE_NEEDED
                                  : SEC_E_INVALID_PARAMETER)) {
            fail_msg("case %zu: server %s", i, SdStatusName(st));
        }
        if (SecIsValidHandle(&ctx)) {
            DeleteSecurityContext(&ctx);
        }
        SecInvalidateHandle(&ctx);
        st = initialize_as(&client, NULL, &ctx, 0,
                           "Digest realm=\"realm\", nonce=\"n\", qop=auth", SPN,
                           &cb, out);
        if (st != (cases[i].valid ? SEC_E_OK : SEC_E_INVALID_PARAMETER)) {
            fail_msg("case %zu: client %s", i, SdStatusName(st));
        }
        if (SecIsValidHandle(&ctx)) {
            DeleteSecurityContext(&ctx);
        }
    }
    {
        /* a NULL pointer with a length, and two binding buffers */
        asc_buffers in;
        SecBuffer ob = {OUT_CAP - 1, SECBUFFER_TOKEN, NULL};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        char out[OUT_CAP];
        CtxtHandle ctx;
        ULONG attrs;

        ob.pvBuffer = out;
        make_bindings();
        asc_buffers_set(&in, "", "GET", NULL, "realm");
        in.b[5].cbBuffer = 40;
        assert_status(AcceptSecurityContext(&server, NULL, &in.desc,
                                            ASC_REQ_HTTP, 0, &ctx, &od, &attrs,
                                            NULL),
                      SEC_E_INVALID_PARAMETER);
        asc_buffers_set(&in, "", "GET", NULL, "realm");
        in.b[5].pvBuffer = ours.b;
        in.b[5].cbBuffer = ours.len;
        in.b[6] = in.b[5];
        in.desc.cBuffers = 7;
        assert_status(AcceptSecurityContext(&server, NULL, &in.desc,
                                            ASC_REQ_HTTP, 0, &ctx, &od, &attrs,
                                            NULL),
                      SEC_E_INVALID_PARAMETER);
    }
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
}

static void malformed_service_names(void **state)
{
    char long_name[SD_MAX_SERVICE_NAME + 2];
    const SEC_CHAR *too_many[SD_MAX_SERVICE_NAMES + 1];
    const SEC_CHAR *with_null[] = {"HTTP/a", NULL};
    const SEC_CHAR *with_long[] = {long_name};
    const SEC_CHAR *with_ctl[] = {"HTTP/a\n"};
    const SEC_CHAR *ok[SD_MAX_SERVICE_NAMES];
    const struct {
        const SEC_CHAR *const *names;
        ULONG n;
        SECURITY_STATUS want;
    } cases[] = {
        {ok, SD_MAX_SERVICE_NAMES, SEC_I_CONTINUE_NEEDED},
        {too_many, SD_MAX_SERVICE_NAMES + 1, SEC_E_INVALID_PARAMETER},
        {with_null, 2, SEC_E_INVALID_PARAMETER},
        {NULL, 1, SEC_E_INVALID_PARAMETER},
        {with_long, 1, SEC_E_INVALID_PARAMETER},
        {with_ctl, 1, SEC_E_INVALID_PARAMETER},
    };
    SD_DIGEST_SERVER_POLICY p;
    ULONG alg = SD_ALG_MD5;
    CredHandle server;

    (void)state;
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    for (size_t i = 0; i < SD_MAX_SERVICE_NAMES + 1; i++) {
        too_many[i] = "HTTP/x";
        if (i < SD_MAX_SERVICE_NAMES) {
            ok[i] = "HTTP/x";
        }
    }
    test_policy(&p, &alg, 1, SD_QOP_AUTH);
    test_server_cred(&p, &server);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        server_side s = {NULL, 0, 0, cases[i].names, cases[i].n};
        CtxtHandle ctx;
        char out[OUT_CAP];

        SecInvalidateHandle(&ctx);
        assert_status(accept_as(&server, NULL, &ctx, "", &s, out),
                      cases[i].want);
        if (SecIsValidHandle(&ctx)) {
            DeleteSecurityContext(&ctx);
        }
    }
    {
        /* and the client's service name: at most SD_MAX_SERVICE_NAME
           printable octets */
        CredHandle client;
        CtxtHandle ctx;
        char out[OUT_CAP];

        test_client_cred("alice", "secret", &client);
        assert_status(initialize_as(&client, NULL, &ctx, 0,
                                    "Digest realm=\"realm\", nonce=\"n\"",
                                    long_name, NULL, out),
                      SEC_E_INVALID_PARAMETER);
        assert_status(initialize_as(&client, NULL, &ctx, 0,
                                    "Digest realm=\"realm\", nonce=\"n\"",
                                    "HTTP/a\x01", NULL, out),
                      SEC_E_INVALID_PARAMETER);
        FreeCredentialsHandle(&client);
    }
    FreeCredentialsHandle(&server);
}

/* ---- the hash's scope; CompleteAuthToken; auth-int ------------------- */

/* The hash is computed once per context, for the octets it came from
   (context.h): the fast path on the same connection does not hash again,
   other octets are hashed (and are what the binding is then checked
   against), a new context hashes again.  Counted through the link-time
   wrap; the client's own hashing is not counted (hash_calls reset after
   each of its calls). */
static void complete_auth_token_checks_bindings(void **state)
{
    exchange x;
    CtxtHandle sctx;
    char out[OUT_CAP], authz2[OUT_CAP];
    server_side s = {&ours, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0};
    server_side other = {&theirs, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0};
    binding copy;

    (void)state;
    start(&x, SD_ALG_SHA256, SD_QOP_AUTH, C_MATCHING);
    hash_calls = 0;
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), OK);
    assert_int_equal(hash_calls, 1);
    next_authz(&x, SPN, &ours);
    memcpy(authz2, x.authz, sizeof(authz2));
    /* the same octets in another buffer: no new hash */
    copy = ours;
    s.own = &copy;
    hash_calls = 0;
    assert_status(complete_as(&sctx, authz2, NULL, &s), OK);
    assert_int_equal(hash_calls, 0);
    /* another channel's octets on this context: hashed, and refused */
    next_authz(&x, SPN, &ours);
    hash_calls = 0;
    assert_status(complete_as(&sctx, x.authz, NULL, &other), BAD);
    assert_int_equal(hash_calls, 1);
    assert_string_equal(test_reason(&sctx),
                        "channel binding does not match this connection");
    /* the refusal used no count: the right channel takes it */
    assert_status(complete_as(&sctx, x.authz, NULL, &s), OK);
    assert_int_equal(hash_calls, 2);
    /* a client that drops its binding on the fast path is refused too */
    next_authz(&x, NULL, NULL);
    hash_calls = 0;
    assert_null(strstr(x.authz, "channel-binding"));
    assert_status(complete_as(&sctx, x.authz, NULL, &s), BAD);
    assert_int_equal(hash_calls, 0);
    DeleteSecurityContext(&sctx);
    /* a new context hashes again */
    next_authz(&x, SPN, &ours);
    hash_calls = 0;
    assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out), OK);
    assert_int_equal(hash_calls, 1);
    DeleteSecurityContext(&sctx);
    finish(&x);
}

/* auth-int: the binding is checked when the response is, at completion. */
static void auth_int_checks_binding(void **state)
{
    static const client_kind clients[] = {C_MATCHING, C_WRONG};
    static const SECURITY_STATUS want[] = {OK, BAD};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        exchange x;
        CtxtHandle sctx;
        char out[OUT_CAP], hex[SD_MAX_KEY_HEX + 1];
        server_side s = {&ours, 0, SD_CALL_NO_MISSING_BINDINGS, NULL, 0};

        start(&x, SD_ALG_MD5, SD_QOP_AUTH_INT, clients[i]);
        assert_status(accept_as(&x.server, NULL, &sctx, x.authz, &s, out),
                      SEC_I_COMPLETE_NEEDED);
        assert_status(SdHashEntityBody(&sctx, "", 0, hex, sizeof(hex)),
                      SEC_E_OK);
        assert_status(complete_as(&sctx, x.authz, hex, &s), want[i]);
        DeleteSecurityContext(&sctx);
        finish(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(policy_matrix, setup),
        cmocka_unit_test_setup(refusals_say_why, setup),
        cmocka_unit_test_setup(password_before_binding, setup),
        cmocka_unit_test_setup(bad_binding_records_no_count, setup),
        cmocka_unit_test_setup(service_names, setup),
        cmocka_unit_test_setup(client_specified_target, setup),
        cmocka_unit_test_setup(marked_nonces, setup),
        cmocka_unit_test_setup(nonce_mark_is_signed, setup),
        cmocka_unit_test_setup(flattened_hash, setup),
        cmocka_unit_test_setup(malformed_bindings, setup),
        cmocka_unit_test_setup(stripped_binding, setup),
        cmocka_unit_test_setup(binding_without_qop, setup),
        cmocka_unit_test_setup(every_binding_mutation_refused, setup),
        cmocka_unit_test_setup(malformed_channel_bindings, setup),
        cmocka_unit_test_setup(malformed_service_names, setup),
        cmocka_unit_test_setup(complete_auth_token_checks_bindings, setup),
        cmocka_unit_test_setup(auth_int_checks_binding, setup),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
