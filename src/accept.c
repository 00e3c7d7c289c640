/*
 * accept.c: AcceptSecurityContext (Digest) in HTTP mode.  A call goes
 * parse -> policy -> nonce -> key -> digest -> replay -> establish, and
 * every step that refuses says why through ctx->reason.  Nothing is
 * committed (replay record, context state, output) before the output is
 * known to fit.  An unknown user is verified against a stand-in key, and
 * a realm we did not offer is refused only after the key lookup and the
 * digest, so both cost what a wrong password costs.
 */
#include "accept.h"

#include <string.h>
#include <strings.h>

#include "binding.h"
#include "builder.h"
#include "hex.h"
#include "secret.h"
#include "uri.h"

typedef enum {
    F_USERNAME,
    F_USERNAME_EXT,
    F_REALM,
    F_NONCE,
    F_URI,
    F_RESPONSE,
    F_ALGORITHM,
    F_CNONCE,
    F_OPAQUE,
    F_QOP,
    F_NC,
    F_USERHASH,
    F_HASHED_DIRS,
    F_SERVICE_NAME,
    F_CHANNEL_BINDING,
    F_COUNT
} field_id;

/* RFC 7616 §3.4 response parameters; unknown ones are skipped. */
#define FIELD(n) n, sizeof(n) - 1
static const struct {
    const char *name;
    size_t name_len;
    size_t max;
    bool required;
} fields[F_COUNT] = {
    [F_USERNAME] = {FIELD("username"), SD_MAX_USERNAME, false},
    [F_USERNAME_EXT] = {FIELD("username*"), 3 * SD_MAX_USERNAME + 16, false},
    [F_REALM] = {FIELD("realm"), SD_MAX_REALM, true},
    [F_NONCE] = {FIELD("nonce"), SD_MAX_VALUE, true},
    [F_URI] = {FIELD("uri"), SD_MAX_URI, true},
    [F_RESPONSE] = {FIELD("response"), SD_MAX_HEX, true},
    [F_ALGORITHM] = {FIELD("algorithm"), 32, false},
    [F_CNONCE] = {FIELD("cnonce"), SD_MAX_CNONCE, false},
    [F_OPAQUE] = {FIELD("opaque"), SD_MAX_OPAQUE, false},
    [F_QOP] = {FIELD("qop"), 16, false},
    [F_NC] = {FIELD("nc"), 8, false},
    [F_USERHASH] = {FIELD("userhash"), 8, false},
    /* Microsoft's channel bindings (binding.h) */
    [F_HASHED_DIRS] = {FIELD("hashed-dirs"), 64, false},
    [F_SERVICE_NAME] = {FIELD("service-name"), SD_MAX_SERVICE_NAME, false},
    [F_CHANNEL_BINDING] = {FIELD("channel-binding"), SD_BINDING_HEX, false},
};

typedef struct {
    sd_view v[F_COUNT];
    bool present[F_COUNT];
    const sd_algorithm *alg;
    ULONG qop; /* SD_QOP_AUTH, SD_QOP_AUTH_INT, or 0 for RFC 2069 */
    bool userhash;
    uint32_t nc;
    sd_view user; /* username, decoded username*, or the user-hash */
    char user_buf[SD_MAX_USERNAME];
    unsigned char response[SD_MAX_DIGEST];
    sd_client_binding binding;
} response;

/* Everything one call works with, so the steps stay small. */
typedef struct {
    sd_ctx *ctx;
    sd_cred *cred;
    const sd_accept_input *in;
    ULONG req;
    bool subsequent;
    int64_t now;
    sd_auth_list list;
    response r;
    sd_nonce_info nonce;
    bool stale;
    const char *stale_why; /* NULL: expired */
    bool known_user;
    bool realm_offered; /* refused only after the digest, for timing */
    char ha1_hex[SD_MAX_HEX];
    sd_view user; /* the authenticated user (resolved from a user-hash) */
    char resolved[SD_MAX_USERNAME];
    sd_binding_policy binding;
} call;

static SECURITY_STATUS refuse(call *c, SECURITY_STATUS st, const char *why)
{
    c->ctx->reason = why;
    return st;
}

/* ---- reading the buffers ------------------------------------------- */

static bool param_buffer(const SecBuffer *b, size_t max, sd_view *out)
{
    size_t n = b->cbBuffer;
    const char *p = b->pvBuffer;

    if ((b->BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_PKG_PARAMS ||
        (p == NULL && n > 0)) {
        return false;
    }
    if (n > 0 && p[n - 1] == '\0') {
        n--; /* a C string passed with its terminator */
    }
    if (n > max || (n > 0 && memchr(p, '\0', n) != NULL)) {
        return false;
    }
    out->p = n ? p : "";
    out->len = n;
    return true;
}

/* At most SD_MAX_SERVICE_NAMES names, each a printable string of at most
   SD_MAX_SERVICE_NAME octets. */
static bool service_names_ok(const SD_CALL_PARAMETERS *cp)
{
    if (cp->ServiceNameCount > SD_MAX_SERVICE_NAMES ||
        (cp->ServiceNames == NULL && cp->ServiceNameCount > 0)) {
        return false;
    }
    for (ULONG i = 0; i < cp->ServiceNameCount; i++) {
        const char *n = cp->ServiceNames[i];
        size_t len = n ? strnlen(n, SD_MAX_SERVICE_NAME + 1) : 0;

        if (n == NULL || len > SD_MAX_SERVICE_NAME ||
            !sd_utf8_printable(n, len)) {
            return false;
        }
    }
    return true;
}

SECURITY_STATUS sd_accept_read_input(PSecBufferDesc desc, sd_accept_input *in)
{
    const SecBuffer *b;

    memset(in, 0, sizeof(*in));
    if (desc == NULL || desc->ulVersion != SECBUFFER_VERSION ||
        desc->cBuffers < 5 || desc->pBuffers == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    b = desc->pBuffers;
    if ((b[0].BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_TOKEN ||
        (b[0].pvBuffer == NULL && b[0].cbBuffer > 0) ||
        !param_buffer(&b[1], SD_MAX_METHOD, &in->method) ||
        !param_buffer(&b[3], SD_MAX_HEX, &in->entity_hex) ||
        !param_buffer(&b[4], SD_MAX_REALM, &in->realm) || in->realm.len == 0 ||
        !sd_utf8_printable(in->realm.p, in->realm.len)) {
        return SEC_E_INVALID_PARAMETER;
    }
    in->token.p = b[0].cbBuffer ? b[0].pvBuffer : "";
    in->token.len = b[0].cbBuffer;
    for (ULONG i = 5; i < desc->cBuffers; i++) {
        ULONG type = b[i].BufferType & ~SECBUFFER_ATTRMASK;

        if (type == SECBUFFER_SD_CALL_PARAMETERS) {
            const SD_CALL_PARAMETERS *cp = b[i].pvBuffer;

            if (cp == NULL || b[i].cbBuffer != sizeof(*cp)) {
                return SEC_E_INVALID_PARAMETER;
            }
            if ((cp->Flags & ~(SD_CALL_URI_IGNORE_QUERY |
                               SD_CALL_NO_MISSING_BINDINGS)) != 0 ||
                (cp->RequestTarget == NULL && cp->RequestTargetLength > 0) ||
                cp->RequestTargetLength > SD_MAX_URI ||
                (cp->pScope == NULL && cp->cbScope > 0) ||
                cp->cbScope > SD_MAX_SCOPE || !service_names_ok(cp)) {
                return SEC_E_INVALID_PARAMETER;
            }
            in->parent = cp->Pool;
            in->key_arg = cp->pvGetKeyArgument;
            in->has_key_arg = cp->pvGetKeyArgument != NULL;
            in->target.p = cp->RequestTarget;
            in->target.len = cp->RequestTargetLength;
            in->ignore_query = (cp->Flags & SD_CALL_URI_IGNORE_QUERY) != 0;
            in->scope.p = (const char *)cp->pScope;
            in->scope.len = cp->cbScope;
            in->no_missing = (cp->Flags & SD_CALL_NO_MISSING_BINDINGS) != 0;
            in->service_names = cp->ServiceNames;
            in->nservice_names = cp->ServiceNameCount;
        }
        else if (type == SECBUFFER_CHANNEL_BINDINGS) {
            if (in->bindings.p != NULL ||
                (b[i].cbBuffer > 0 &&
                 !sd_bindings_valid(b[i].pvBuffer, b[i].cbBuffer))) {
                return SEC_E_INVALID_PARAMETER; /* twice, or malformed */
            }
            in->bindings.p = b[i].cbBuffer ? b[i].pvBuffer : "";
            in->bindings.len = b[i].cbBuffer;
        }
        else if (type != SECBUFFER_EMPTY) {
            return SEC_E_INVALID_PARAMETER;
        }
    }
    return SEC_E_OK;
}

SECURITY_STATUS sd_accept_check_binding_flags(ULONG req,
                                              const sd_accept_input *in)
{
    return (req & ASC_REQ_HTTP) && (req & ASC_REQ_PROXY_BINDINGS) &&
                   !in->no_missing
               ? SEC_E_SECURITY_QOS_FAILED
               : SEC_E_OK;
}

/* ---- parsing the response ------------------------------------------ */

static SECURITY_STATUS map_fields(call *c, const sd_challenge *ch)
{
    response *r = &c->r;

    for (size_t i = ch->first; i < ch->first + ch->count; i++) {
        const sd_param *p = &c->list.params[i];

        for (int f = 0; f < F_COUNT; f++) {
            if (p->name.len != fields[f].name_len ||
                strncasecmp(p->name.p, fields[f].name, p->name.len) != 0) {
                continue;
            }
            if (p->value.len > fields[f].max) {
                return refuse(c, SEC_E_INVALID_TOKEN, "parameter too long");
            }
            if (f == F_USERNAME_EXT && p->quoted) {
                return refuse(c, SEC_E_INVALID_TOKEN,
                              "username* must be a token (RFC 8187)");
            }
            r->v[f] = p->value;
            r->present[f] = true;
            break; /* names are distinct: the parser refuses repeats */
        }
    }
    for (int f = 0; f < F_COUNT; f++) {
        if (fields[f].required && !r->present[f]) {
            return refuse(c, SEC_E_INVALID_TOKEN, "required parameter missing");
        }
    }
    return SEC_E_OK;
}

static SECURITY_STATUS read_qop(call *c)
{
    response *r = &c->r;
    unsigned char nc[4];

    if (!r->present[F_QOP]) {
        if (r->present[F_CNONCE] || r->present[F_NC]) {
            return refuse(c, SEC_E_INVALID_TOKEN, "cnonce or nc without qop");
        }
        r->qop = 0;
        return SEC_E_OK;
    }
    if (sd_view_eq_ci(r->v[F_QOP], "auth")) {
        r->qop = SD_QOP_AUTH;
    }
    else if (sd_view_eq_ci(r->v[F_QOP], "auth-int")) {
        r->qop = SD_QOP_AUTH_INT;
    }
    else {
        return refuse(c, SEC_E_INVALID_TOKEN, "unknown qop");
    }
    if (!r->present[F_CNONCE] || r->v[F_CNONCE].len == 0 || !r->present[F_NC]) {
        return refuse(c, SEC_E_INVALID_TOKEN, "qop without cnonce or nc");
    }
    /* RFC 7616 §3.4: nc is exactly 8 hex digits, counting from 1. */
    if (!sd_hex_decode_public(nc, sizeof(nc), r->v[F_NC].p, r->v[F_NC].len)) {
        return refuse(c, SEC_E_INVALID_TOKEN, "nc is not 8 hex digits");
    }
    r->nc = (uint32_t)nc[0] << 24 | (uint32_t)nc[1] << 16 |
            (uint32_t)nc[2] << 8 | nc[3];
    if (r->nc == 0) {
        return refuse(c, SEC_E_INVALID_TOKEN, "nc is zero");
    }
    return SEC_E_OK;
}

static SECURITY_STATUS read_user(call *c)
{
    response *r = &c->r;
    size_t hex_len = 2 * sd_hash_size(r->alg->family);

    if (r->present[F_USERHASH] && !sd_view_eq_ci(r->v[F_USERHASH], "true") &&
        !sd_view_eq_ci(r->v[F_USERHASH], "false")) {
        return refuse(c, SEC_E_INVALID_TOKEN, "userhash is not true or false");
    }
    r->userhash =
        r->present[F_USERHASH] && sd_view_eq_ci(r->v[F_USERHASH], "true");
    if (r->present[F_USERNAME] == r->present[F_USERNAME_EXT]) {
        return refuse(c, SEC_E_INVALID_TOKEN,
                      "need exactly one of username and username*");
    }
    if (r->present[F_USERNAME_EXT]) {
        size_t n = 0;

        /* RFC 7616 §3.4: username* only with userhash=false. */
        if (r->userhash ||
            !sd_ext_value_decode(r->v[F_USERNAME_EXT], r->user_buf,
                                 sizeof(r->user_buf), &n)) {
            return refuse(c, SEC_E_INVALID_TOKEN, "bad username*");
        }
        r->user.p = r->user_buf;
        r->user.len = n;
    }
    else {
        r->user = r->v[F_USERNAME];
    }
    if (r->user.len == 0 || !sd_utf8_printable(r->user.p, r->user.len)) {
        return refuse(c, SEC_E_INVALID_TOKEN, "bad user name");
    }
    if (r->userhash) {
        unsigned char raw[SD_MAX_DIGEST];

        if (!sd_hex_decode_public(raw, hex_len / 2, r->user.p, r->user.len)) {
            return refuse(c, SEC_E_INVALID_TOKEN, "user-hash is not hex");
        }
        sd_hex_encode_public(r->user_buf, raw, hex_len / 2); /* lower case */
        r->user.p = r->user_buf;
    }
    return SEC_E_OK;
}

static void note_digest(call *c)
{
    sd_ctx *ctx = c->ctx;
    const response *r = &c->r;

    ctx->last_alg = r->alg ? r->alg->id : 0;
    ctx->last_qop = r->qop;
    ctx->sent_userhash = r->userhash;
    ctx->sent_user_len = r->user.len;
    memcpy(ctx->sent_user, r->user.p, r->user.len);
    ctx->sent_user[r->user.len] = '\0';
    ctx->has_target = false;
}

/* The channel binding parameters (binding.h), grammar only; the service
   name they carry is kept for SECPKG_ATTR_CLIENT_SPECIFIED_TARGET. */
static SECURITY_STATUS read_binding(call *c)
{
    response *r = &c->r;
    sd_ctx *ctx = c->ctx;
    sd_view none = {NULL, 0};
    const char *why = sd_binding_read(
        ctx->hasher, r->present[F_HASHED_DIRS] ? r->v[F_HASHED_DIRS] : none,
        r->present[F_SERVICE_NAME] ? r->v[F_SERVICE_NAME] : none,
        r->present[F_CHANNEL_BINDING] ? r->v[F_CHANNEL_BINDING] : none,
        r->v[F_CNONCE], r->qop != 0, &r->binding);

    if (why != NULL) {
        return refuse(c, SEC_E_INVALID_TOKEN, why);
    }
    if (r->binding.kind != SD_CB_NONE) {
        memcpy(ctx->target, r->binding.service.p, r->binding.service.len);
        ctx->target[r->binding.service.len] = '\0';
        ctx->has_target = true;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS parse_response(call *c)
{
    response *r = &c->r;
    const sd_challenge *ch;
    sd_parse_status ps;
    SECURITY_STATUS st;

    memset(r, 0, sizeof(*r));
    ps = sd_auth_parse(&c->list, c->in->token.p, c->in->token.len, SD_MAX_URI);
    if (ps != SD_PARSE_OK) {
        return refuse(c, SEC_E_INVALID_TOKEN, sd_parse_reason(ps));
    }
    ch = &c->list.challenges[0];
    if (c->list.nchallenges != 1 || ch->token68.len > 0 ||
        (ch->scheme.len > 0 && !sd_view_eq_ci(ch->scheme, "Digest"))) {
        return refuse(c, SEC_E_INVALID_TOKEN, "not Digest credentials");
    }
    if ((st = map_fields(c, ch)) != SEC_E_OK) {
        return st;
    }
    if (r->present[F_ALGORITHM]) {
        r->alg = sd_algorithm_by_name(r->v[F_ALGORITHM]);
        if (r->alg == NULL) {
            return refuse(c, SEC_E_INVALID_TOKEN, "unknown algorithm");
        }
    }
    else {
        r->alg = sd_algorithm_by_id(SD_ALG_MD5); /* RFC 7616 §3.3 default */
    }
    if (!sd_hex_decode_public(r->response, sd_hash_size(r->alg->family),
                              r->v[F_RESPONSE].p, r->v[F_RESPONSE].len)) {
        return refuse(c, SEC_E_INVALID_TOKEN,
                      "response is not hex of the algorithm's size");
    }
    if (r->v[F_NONCE].len == 0) {
        return refuse(c, SEC_E_INVALID_TOKEN, "empty nonce");
    }
    if ((st = read_qop(c)) != SEC_E_OK || (st = read_user(c)) != SEC_E_OK) {
        return st;
    }
    note_digest(c);
    if ((st = read_binding(c)) != SEC_E_OK) {
        return st;
    }
    if (c->in->target.p != NULL &&
        !sd_uri_matches(r->v[F_URI], c->in->target, c->in->ignore_query)) {
        return refuse(c, SEC_E_INVALID_TOKEN,
                      "digest-uri does not match the request target");
    }
    return SEC_E_OK;
}

/* ---- policy, nonce, key --------------------------------------------- */

static bool algorithm_offered(const sd_cred *cred, const sd_algorithm *alg)
{
    for (size_t i = 0; i < cred->nalgs; i++) {
        if (cred->algs[i] == alg) {
            return true;
        }
    }
    return false;
}

/* Realm, opaque, algorithm, qop and userhash must be ones we offered.  A
   wrong realm is noted, not refused here: refusing it before the key
   lookup and the digest would answer it faster than a wrong password or
   an unknown user (verify_digest refuses it). */
static SECURITY_STATUS check_policy(call *c)
{
    const response *r = &c->r;
    const sd_cred *cred = c->cred;

    c->realm_offered = sd_view_eq(r->v[F_REALM], c->in->realm);
    if (!algorithm_offered(cred, r->alg)) {
        return refuse(c, SEC_E_LOGON_DENIED, "algorithm not offered");
    }
    if (r->qop == 0 ? cred->qop != 0 : (cred->qop & r->qop) == 0) {
        return refuse(c, SEC_E_LOGON_DENIED, "qop not offered");
    }
    if (r->userhash && !cred->userhash) {
        return refuse(c, SEC_E_LOGON_DENIED, "userhash not offered");
    }
    if (r->present[F_OPAQUE] != (cred->opaque.len > 0) ||
        (r->present[F_OPAQUE] && !sd_view_eq(r->v[F_OPAQUE], cred->opaque))) {
        return refuse(c, SEC_E_LOGON_DENIED, "opaque not offered");
    }
    return SEC_E_OK;
}

/* How long this verifier accepts the nonce: no longer than the lifetime
   it was minted with (its records live that long), nor than our own. */
static uint32_t nonce_life(const call *c)
{
    return c->nonce.lifetime < c->cred->lifetime ? c->nonce.lifetime
                                                 : c->cred->lifetime;
}

static bool nonce_expired(const call *c)
{
    return c->now - c->nonce.issued > (int64_t)nonce_life(c);
}

/* The nonce that the call which returned SEC_I_COMPLETE_NEEDED checked:
   the completing call need not check it again. */
static bool nonce_checked_before(const call *c)
{
    const sd_ctx *ctx = c->ctx;
    sd_view nonce = {ctx->nonce, ctx->nonce_len};
    sd_view realm = {ctx->realm, ctx->realm_len};

    return ctx->state == SD_CTX_AWAIT_ENTITY && ctx->nonce_len > 0 &&
           sd_view_eq(c->r.v[F_NONCE], nonce) &&
           sd_view_eq(c->in->realm, realm) && sd_accept_same_scope(ctx, c->in);
}

static void remember_nonce(call *c)
{
    sd_ctx *ctx = c->ctx;

    ctx->nonce_len = 0;
    if (c->r.v[F_NONCE].len <= sizeof(ctx->nonce)) {
        memcpy(ctx->nonce, c->r.v[F_NONCE].p, c->r.v[F_NONCE].len);
        ctx->nonce_len = c->r.v[F_NONCE].len;
        memcpy(ctx->realm, c->in->realm.p, c->in->realm.len);
        ctx->realm_len = c->in->realm.len;
        ctx->nonce_info = c->nonce;
    }
}

static SECURITY_STATUS check_nonce(call *c)
{
    sd_ctx *ctx = c->ctx;
    sd_cred *cred = c->cred;
    sd_nonce_status ns;

    if (nonce_checked_before(c)) {
        c->nonce = ctx->nonce_info;
        c->stale = nonce_expired(c);
        return SEC_E_OK;
    }
    if (cred->hooks.check_nonce != NULL) {
        c->nonce.lifetime = 0;
        ns = cred->hooks.check_nonce(cred->hooks.arg, c->in->realm,
                                     c->r.v[F_NONCE], c->now, &c->nonce);
        if (c->nonce.lifetime == 0) { /* a test's nonce: bind it here */
            c->nonce.lifetime = cred->lifetime;
            c->nonce.generation = sd_cred_store_generation(cred);
        }
    }
    else if (!sd_ctx_nonce_keys(ctx)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "out of memory");
    }
    else {
        ns = sd_nonce_check(ctx->nonce_key, ctx->nonce_key_previous,
                            c->in->realm, c->r.v[F_NONCE], c->now,
                            cred->lifetime, &c->nonce);
    }
    if (ns == SD_NONCE_FORGED) {
        return refuse(c, SEC_E_LOGON_DENIED,
                      "nonce not issued here (forged, other realm or key)");
    }
    c->stale = ns == SD_NONCE_STALE;
    return SEC_E_OK;
}

/* A stable key for a user the store does not know: HMAC of the name, so
   the same unknown user always meets the same wrong key. */
static bool standin_key(call *c, char *hex)
{
    sd_ctx *ctx = c->ctx;
    unsigned char mac[SD_MAC_SIZE];
    unsigned char family = (unsigned char)c->r.alg->family;
    bool ok;

    if (ctx->standin_key == NULL) {
        ctx->standin_key = sd_mac_dup(ctx->pool, c->cred->standin_key);
        if (ctx->standin_key == NULL) {
            return false;
        }
    }
    ok = sd_mac_begin(ctx->standin_key) &&
         sd_mac_add(ctx->standin_key, &family, 1) &&
         sd_mac_add(ctx->standin_key, c->r.user.p, c->r.user.len) &&
         sd_mac_add(ctx->standin_key, "\0", 1) &&
         sd_mac_add(ctx->standin_key, c->in->realm.p, c->in->realm.len) &&
         sd_mac_end(ctx->standin_key, mac);
    sd_hex_encode(hex, mac, sd_hash_size(c->r.alg->family));
    sd_wipe(mac, sizeof(mac));
    return ok;
}

/* The key as lower-case hex in c->ha1_hex, through the constant-time
   decoder; false unless it is hex of the algorithm's size. */
static bool decode_key(call *c, const char *hex, size_t len)
{
    size_t size = sd_hash_size(c->r.alg->family);
    unsigned char raw[SD_MAX_DIGEST];
    bool ok = sd_hex_decode(raw, size, hex, len);

    sd_hex_encode(c->ha1_hex, raw, size);
    sd_wipe(raw, sizeof(raw));
    return ok;
}

/* Takes the key the store returned: right length, hex, to lower case; and
   for a user-hash, the user it names. */
static bool accept_key(call *c, const SD_DIGEST_KEY_REQUEST *kr)
{
    size_t size = sd_hash_size(c->r.alg->family);
    char check[SD_MAX_HEX];
    sd_view resolved;

    if (!decode_key(c, kr->Key, kr->KeyLength)) {
        c->ctx->reason = "stored key is not a hash of this algorithm";
        return false;
    }
    if (!c->r.userhash) {
        c->user = c->r.user;
        return true;
    }
    resolved.p = kr->ResolvedUser;
    resolved.len = kr->ResolvedUserLength;
    if (resolved.len == 0 || resolved.len > SD_MAX_USERNAME ||
        !sd_utf8_printable(resolved.p, resolved.len) ||
        !sd_digest_userhash(c->ctx->hasher, c->r.alg->family, resolved,
                            c->in->realm, check) ||
        !sd_ct_equal(check, c->r.user.p, 2 * size)) {
        c->ctx->reason = "user-hash does not match the user found";
        return false;
    }
    memcpy(c->resolved, resolved.p, resolved.len);
    c->user.p = c->resolved;
    c->user.len = resolved.len;
    return true;
}

/* Asks the store for the user's key; an unknown user gets the stand-in
   key and the same path as a wrong password: the same decoding, and for a
   user-hash the same check, on the stand-in. */
static SECURITY_STATUS lookup_key(call *c)
{
    sd_cred *cred = c->cred;
    SD_DIGEST_KEY_REQUEST kr;
    char standin[SD_MAX_HEX];
    char ha1[SD_MAX_HEX];
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    PVOID unused = NULL;
    size_t hex_len = 2 * sd_hash_size(c->r.alg->family);
    unsigned char keep;

    if (!standin_key(c, standin)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "HMAC failed");
    }
    memset(&kr, 0, sizeof(kr));
    kr.User = c->r.user.p;
    kr.UserLength = (ULONG)c->r.user.len;
    kr.Realm = c->in->realm.p;
    kr.RealmLength = (ULONG)c->in->realm.len;
    kr.Algorithm = c->r.alg->id;
    kr.UserHash = c->r.userhash;
    cred->get_key(c->in->has_key_arg ? c->in->key_arg : cred->get_key_arg, &kr,
                  SD_DIGEST_KEY_VERSION, &unused, &st);
    c->known_user = false;
    if (st == SEC_E_OK) {
        c->known_user = accept_key(c, &kr);
    }
    else if (st == SEC_E_UNKNOWN_CREDENTIALS ||
             st == SEC_E_ALGORITHM_MISMATCH) {
        memcpy(kr.Key, standin, hex_len);
        kr.KeyLength = (ULONG)hex_len;
        memcpy(kr.ResolvedUser, "-", 1);
        kr.ResolvedUserLength = 1;
        (void)accept_key(c, &kr); /* for its cost only */
        c->ctx->reason = st == SEC_E_UNKNOWN_CREDENTIALS
                             ? "unknown user"
                             : "user has no key for this algorithm";
    }
    else {
        sd_wipe(&kr, sizeof(kr));
        sd_wipe(standin, sizeof(standin));
        return refuse(c, SEC_E_NO_AUTHENTICATING_AUTHORITY,
                      "user store failed");
    }
    sd_wipe(&kr, sizeof(kr));
    /* Select without a branch on whether the user was known. */
    memcpy(ha1, c->ha1_hex, hex_len);
    keep = (unsigned char)(0U - (unsigned)c->known_user);
    for (size_t i = 0; i < hex_len; i++) {
        c->ha1_hex[i] =
            (char)(((unsigned char)ha1[i] & keep) |
                   ((unsigned char)standin[i] & (unsigned char)~keep));
    }
    sd_wipe(standin, sizeof(standin));
    sd_wipe(ha1, sizeof(ha1));
    return SEC_E_OK;
}

/* ---- digests and output --------------------------------------------- */

static void digest_input(const call *c, sd_digest_input *d)
{
    const response *r = &c->r;

    d->alg = r->alg;
    d->ha1_hex = c->ha1_hex;
    d->nonce = r->v[F_NONCE];
    d->cnonce = r->v[F_CNONCE];
    d->nc = r->v[F_NC];
    d->qop = r->v[F_QOP];
    if (r->qop == 0) {
        d->qop.len = 0;
    }
    d->method = c->in->method;
    d->uri = r->v[F_URI];
    d->entity_hex = c->in->entity_hex;
}

static SECURITY_STATUS verify_digest(call *c)
{
    unsigned char want[SD_MAX_DIGEST];
    sd_digest_input d;
    bool match;

    digest_input(c, &d);
    if (!sd_digest_response(c->ctx->hasher, &d, false, want)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    match = sd_ct_equal(want, c->r.response, sd_hash_size(c->r.alg->family));
    if (!c->realm_offered) {
        return refuse(c, SEC_E_LOGON_DENIED, "realm not offered");
    }
    if (!match || !c->known_user) {
        /* keep the store's reason for an unknown user */
        return refuse(c, SEC_E_LOGON_DENIED,
                      c->known_user ? "wrong password" : c->ctx->reason);
    }
    return SEC_E_OK;
}

static bool mint_nonce(call *c, char *out, size_t *len)
{
    sd_cred *cred = c->cred;
    unsigned char rnd[SD_NONCE_RANDOM_LEN];
    sd_nonce_info info;

    if (cred->hooks.mint_nonce != NULL) {
        return cred->hooks.mint_nonce(cred->hooks.arg, c->in->realm, c->now,
                                      out, len);
    }
    if (!sd_ctx_nonce_keys(c->ctx) || !sd_cred_random(cred, rnd, sizeof(rnd))) {
        return false;
    }
    info.issued = c->now;
    info.lifetime = cred->lifetime;
    info.generation = sd_cred_store_generation(cred);
    info.upgraded = sd_binding_upgrades(&c->binding);
    *len = sd_nonce_length(&info);
    return sd_nonce_mint(c->ctx->nonce_key, c->in->realm, &info, rnd, out);
}

/* One challenge per offered algorithm, in the policy's order, separated by
   CR LF (RFC 7616 §3.3; qop without a space, for LWP). */
static SECURITY_STATUS build_challenges(call *c, bool stale, sd_builder *b)
{
    const sd_cred *cred = c->cred;
    char nonce[SD_MAX_VALUE];
    size_t nonce_len = 0;
    static const char *const qops[] = {"", "auth", "auth-int", "auth,auth-int"};

    if (!mint_nonce(c, nonce, &nonce_len)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "nonce minting failed");
    }
    for (size_t i = 0; i < cred->nalgs; i++) {
        if (i > 0) {
            sd_builder_puts(b, "\r\n");
        }
        sd_builder_puts(b, "Digest ");
        sd_builder_param_quoted(b, "realm", c->in->realm.p, c->in->realm.len);
        if (cred->domain.len > 0) {
            sd_builder_param_quoted(b, "domain", cred->domain.p,
                                    cred->domain.len);
        }
        if (cred->qop != 0) {
            sd_builder_param_quoted(b, "qop", qops[cred->qop],
                                    strlen(qops[cred->qop]));
        }
        sd_builder_param(b, "algorithm", cred->algs[i]->name,
                         strlen(cred->algs[i]->name));
        sd_builder_param_quoted(b, "nonce", nonce, nonce_len);
        if (cred->opaque.len > 0) {
            sd_builder_param_quoted(b, "opaque", cred->opaque.p,
                                    cred->opaque.len);
        }
        if (stale) {
            sd_builder_param(b, "stale", "true", 4);
        }
        sd_builder_param(b, "charset", "UTF-8", 5);
        if (cred->userhash) {
            sd_builder_param(b, "userhash", "true", 4);
        }
    }
    return sd_builder_ok(b)
               ? SEC_E_OK
               : refuse(c, SEC_E_INTERNAL_ERROR, "challenge too long");
}

/* A refusal that carries fresh (or stale) challenges. */
static SECURITY_STATUS answer_with_challenges(call *c, SECURITY_STATUS st,
                                              bool stale, sd_output *out)
{
    char buf[SD_MAX_TOKEN];
    sd_builder b;
    SECURITY_STATUS bst;
    const char *why = c->ctx->reason;

    sd_builder_init(&b, buf, sizeof(buf));
    bst = build_challenges(c, stale, &b);
    if (bst == SEC_E_OK) {
        bst = sd_output_reserve(out, b.len);
    }
    if (bst != SEC_E_OK) {
        return bst;
    }
    sd_output_commit(out, buf, b.len);
    c->ctx->reason = why;
    return st;
}

/* RFC 7616 §3.5: rspauth, qop, cnonce, nc, and nextnonce in the last tenth
   of the nonce's life.  With auth-int, rspauth covers the H(entity-body)
   that was verified, the request's: the response body is not known when
   the header is sent. */
static SECURITY_STATUS build_auth_info(call *c, sd_builder *b)
{
    const response *r = &c->r;
    int64_t age = c->now - c->nonce.issued;

    if (r->qop != 0) {
        unsigned char raw[SD_MAX_DIGEST];
        char hex[SD_MAX_HEX];
        size_t size = sd_hash_size(r->alg->family);
        sd_digest_input d;

        digest_input(c, &d);
        if (!sd_digest_response(c->ctx->hasher, &d, true, raw)) {
            return refuse(c, SEC_E_INTERNAL_ERROR, "digest failed");
        }
        sd_hex_encode_public(hex, raw, size);
        sd_builder_param_quoted(b, "rspauth", hex, 2 * size);
        sd_builder_param(b, "qop", r->v[F_QOP].p, r->v[F_QOP].len);
        sd_builder_param_quoted(b, "cnonce", r->v[F_CNONCE].p,
                                r->v[F_CNONCE].len);
        sd_builder_param(b, "nc", r->v[F_NC].p, r->v[F_NC].len);
    }
    if (age * 10 >= (int64_t)nonce_life(c) * 9) {
        char nonce[SD_MAX_VALUE];
        size_t len = 0;

        if (!mint_nonce(c, nonce, &len)) {
            return refuse(c, SEC_E_INTERNAL_ERROR, "nonce minting failed");
        }
        sd_builder_param_quoted(b, "nextnonce", nonce, len);
    }
    return sd_builder_ok(b) ? SEC_E_OK
                            : refuse(c, SEC_E_INTERNAL_ERROR,
                                     "Authentication-Info too long");
}

/* ---- the call ------------------------------------------------------- */

/* After the password: only a client that knew it learns that its binding
   was refused (sspi.h, "Channel bindings"). */
static SECURITY_STATUS check_binding(call *c)
{
    const char *why = sd_binding_check(&c->binding, &c->r.binding);

    return why ? refuse(c, SEC_E_BAD_BINDINGS, why) : SEC_E_OK;
}

/* The call's binding policy (sspi.h, "Channel bindings"), with the hash of
   the caller's binding from the context when it is for the same octets. */
static bool binding_policy(call *c)
{
    sd_ctx *ctx = c->ctx;
    const sd_accept_input *in = c->in;
    sd_binding_policy *p = &c->binding;

    p->mode = (c->req & ASC_REQ_PROXY_BINDINGS) ? SD_BINDING_PROXY
              : in->no_missing                  ? SD_BINDING_STRICT
                                                : SD_BINDING_ALLOW;
    p->names = in->service_names;
    p->nnames = in->nservice_names;
    p->has_own = in->bindings.len > 0;
    if (!p->has_own) {
        return true;
    }
    if (ctx->bindings_len != in->bindings.len ||
        memcmp(ctx->bindings, in->bindings.p, in->bindings.len) != 0) {
        ctx->bindings_len = 0;
        if (!sd_bindings_hash(ctx->hasher, in->bindings.p, in->bindings.len,
                              ctx->bindings_hex)) {
            return false;
        }
        memcpy(ctx->bindings, in->bindings.p, in->bindings.len);
        ctx->bindings_len = in->bindings.len;
    }
    memcpy(p->own, ctx->bindings_hex, SD_BINDING_HEX);
    return true;
}

static bool checks_replay(const call *c)
{
    /* RFC 2069 responses carry no count to check */
    return (c->req & ASC_REQ_REPLAY_DETECT) && c->r.qop != 0;
}

/* Lets the store fetch the nonce's record while the digests are computed:
   in a large shared table that is a cache miss or two. */
static void prefetch_replay_record(const call *c)
{
    const SD_NONCE_COUNT_STORE *s = &c->cred->store;

    if (checks_replay(c) && s->Prefetch != NULL) {
        s->Prefetch(s->pvStore, c->nonce.id, SD_NONCE_ID_LEN);
    }
}

static SECURITY_STATUS check_replay(call *c, sd_output *out, ULONG *attrs)
{
    const SD_NONCE_COUNT_STORE *s = &c->cred->store;
    SECURITY_STATUS st;

    if (!checks_replay(c)) {
        return SEC_E_OK;
    }
    /* the records live as long as the nonce may be valid anywhere */
    st = s->CheckAndSet(s->pvStore, c->nonce.id, SD_NONCE_ID_LEN,
                        c->nonce.issued,
                        c->nonce.issued + (int64_t)c->nonce.lifetime, c->now,
                        c->r.nc, c->nonce.generation);
    switch (st) {
    case SEC_E_OK:
        *attrs |= ASC_RET_REPLAY_DETECT;
        return SEC_E_OK;
    case SEC_E_OUT_OF_SEQUENCE:
        c->ctx->reason = "nonce count used before (replay)";
        return answer_with_challenges(c, st, false, out);
    case SEC_E_CONTEXT_EXPIRED:
        c->ctx->reason = "nonce no longer tracked by the replay store";
        return answer_with_challenges(c, st, true, out);
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
        return refuse(c, st, "replay store unavailable");
    default:
        return refuse(c, SEC_E_INTERNAL_ERROR, "replay store failed");
    }
}

/* The context's state is valid in this call's scope only (sspi.h). */
static void keep_scope(sd_ctx *ctx, const sd_accept_input *in)
{
    if (in->scope.len > 0) {
        memcpy(ctx->scope, in->scope.p, in->scope.len);
    }
    ctx->scope_len = in->scope.len;
}

bool sd_accept_same_scope(const sd_ctx *ctx, const sd_accept_input *in)
{
    return in->scope.len == ctx->scope_len &&
           (in->scope.len == 0 ||
            memcmp(in->scope.p, ctx->scope, in->scope.len) == 0);
}

static void establish(call *c)
{
    sd_ctx *ctx = c->ctx;
    const response *r = &c->r;

    ctx->state = SD_CTX_ESTABLISHED;
    keep_scope(ctx, c->in);
    memcpy(ctx->user, c->user.p, c->user.len);
    ctx->user[c->user.len] = '\0';
    ctx->user_len = c->user.len;
    memcpy(ctx->established_sent, r->user.p, r->user.len);
    ctx->established_sent_len = r->user.len;
    ctx->established_userhash = r->userhash;
    memcpy(ctx->realm, c->in->realm.p, c->in->realm.len);
    ctx->realm_len = c->in->realm.len;
    ctx->nonce_len = 0; /* a nonce too long to store: no fast path */
    if (r->v[F_NONCE].len <= sizeof(ctx->nonce)) {
        memcpy(ctx->nonce, r->v[F_NONCE].p, r->v[F_NONCE].len);
        ctx->nonce_len = r->v[F_NONCE].len;
    }
    ctx->nonce_info = c->nonce;
    ctx->alg = r->alg;
    memcpy(ctx->ha1_hex, c->ha1_hex, sizeof(ctx->ha1_hex));
}

static SECURITY_STATUS succeed(call *c, sd_output *out, ULONG *attrs)
{
    sd_ctx *ctx = c->ctx;
    sd_builder b;
    SECURITY_STATUS st;

    sd_builder_init(&b, ctx->auth_info, sizeof(ctx->auth_info));
    if ((st = build_auth_info(c, &b)) != SEC_E_OK ||
        (st = sd_output_reserve(out, b.len)) != SEC_E_OK) {
        return st;
    }
    st = check_replay(c, out, attrs);
    if (st != SEC_E_OK) {
        ctx->auth_info_len = 0;
        return st;
    }
    ctx->auth_info_len = b.len;
    sd_output_commit(out, ctx->auth_info, b.len);
    if (!c->subsequent) {
        establish(c);
    }
    if (c->r.qop != 0) {
        *attrs |= ASC_RET_MUTUAL_AUTH;
    }
    if (c->r.qop == SD_QOP_AUTH_INT) {
        *attrs |= ASC_RET_INTEGRITY;
    }
    ctx->reason = NULL;
    return SEC_E_OK;
}

/* CompleteAuthToken on an established context: the request must reuse the
   context's nonce, realm, user and algorithm, else it goes to ASC. */
static SECURITY_STATUS resume(call *c)
{
    sd_ctx *ctx = c->ctx;
    const response *r = &c->r;
    sd_view realm = {ctx->realm, ctx->realm_len};
    sd_view nonce = {ctx->nonce, ctx->nonce_len};
    sd_view sent = {ctx->established_sent, ctx->established_sent_len};

    if (ctx->nonce_len == 0 || !sd_view_eq(r->v[F_NONCE], nonce) ||
        !sd_view_eq(c->in->realm, realm) || r->alg != ctx->alg ||
        r->userhash != ctx->established_userhash ||
        !sd_view_eq(r->user, sent)) {
        return refuse(c, SEC_I_RENEGOTIATE, "request is not of this context");
    }
    c->nonce = ctx->nonce_info;
    c->stale = nonce_expired(c);
    memcpy(c->ha1_hex, ctx->ha1_hex, sizeof(c->ha1_hex));
    c->known_user = true;
    c->user.p = ctx->user;
    c->user.len = ctx->user_len;
    return SEC_E_OK;
}

static SECURITY_STATUS run(call *c, bool subsequent, sd_output *out,
                           ULONG *attrs)
{
    sd_ctx *ctx = c->ctx;
    SECURITY_STATUS st;

    if (c->in->token.len == 0) {
        st = answer_with_challenges(c, SEC_I_CONTINUE_NEEDED, false, out);
        ctx->reason = NULL;
        return st;
    }
    if ((st = parse_response(c)) != SEC_E_OK) {
        return st;
    }
    if (subsequent) {
        if ((st = resume(c)) != SEC_E_OK ||
            (st = check_policy(c)) != SEC_E_OK) {
            return st;
        }
    }
    else if ((st = check_policy(c)) != SEC_E_OK ||
             (st = check_nonce(c)) != SEC_E_OK) {
        return st == SEC_E_LOGON_DENIED
                   ? answer_with_challenges(c, st, false, out)
                   : st;
    }
    if (sd_binding_upgrades(&c->binding) && !c->nonce.upgraded) {
        /* minted before this caller checked bindings: a client must move
           to a marked nonce, without asking its user again */
        c->stale = true;
        c->stale_why = "nonce not marked for channel binding";
    }
    if (c->r.qop == SD_QOP_AUTH_INT) {
        if (c->in->entity_hex.len == 0) {
            if (!subsequent) {
                remember_nonce(c);
            }
            ctx->reason = "waiting for H(entity-body)";
            return SEC_I_COMPLETE_NEEDED;
        }
        if (c->in->entity_hex.len != 2 * sd_hash_size(c->r.alg->family)) {
            return refuse(c, SEC_E_INVALID_PARAMETER,
                          "H(entity-body) of the wrong size");
        }
    }
    prefetch_replay_record(c);
    if (!subsequent && (st = lookup_key(c)) != SEC_E_OK) {
        return st;
    }
    if ((st = verify_digest(c)) != SEC_E_OK ||
        (st = check_binding(c)) != SEC_E_OK) {
        return (st == SEC_E_LOGON_DENIED || st == SEC_E_BAD_BINDINGS) &&
                       !subsequent
                   ? answer_with_challenges(c, st, false, out)
                   : st;
    }
    if (c->stale) {
        ctx->reason = c->stale_why ? c->stale_why : "nonce expired";
        return subsequent ? refuse(c, SEC_E_CONTEXT_EXPIRED, ctx->reason)
                          : answer_with_challenges(c, SEC_E_CONTEXT_EXPIRED,
                                                   true, out);
    }
    return succeed(c, out, attrs);
}

SECURITY_STATUS sd_accept(sd_ctx *ctx, const sd_accept_input *in, ULONG req,
                          bool subsequent, sd_output *out, ULONG *attrs)
{
    call c;
    SECURITY_STATUS st;
    sd_ctx_state before = ctx->state;

    *attrs = ASC_RET_CONNECTION;
    c.ctx = ctx;
    c.cred = ctx->cred;
    c.in = in;
    c.req = req;
    c.subsequent = subsequent;
    c.now = sd_cred_now(ctx->cred);
    c.stale = false;
    c.stale_why = NULL;
    c.known_user = false;
    c.realm_offered = false;
    c.user.p = NULL;
    c.user.len = 0;
    memset(&c.nonce, 0, sizeof(c.nonce));
    st = binding_policy(&c) ? run(&c, subsequent, out, attrs)
                            : refuse(&c, SEC_E_INTERNAL_ERROR, "digest failed");
    if (st == SEC_I_COMPLETE_NEEDED) {
        ctx->req = req;
        if (!subsequent) {
            ctx->state = SD_CTX_AWAIT_ENTITY;
            keep_scope(ctx, in);
        }
    }
    else if (st != SEC_E_OK && before == SD_CTX_AWAIT_ENTITY) {
        ctx->state = SD_CTX_NEW;
    }
    if (out->allocated) {
        *attrs |= ASC_RET_ALLOCATED_MEMORY;
    }
    sd_output_finish(out);
    sd_wipe(c.ha1_hex, sizeof(c.ha1_hex));
    return st;
}

SECURITY_STATUS sd_accept_hash_entity(sd_ctx *ctx, const void *body, size_t len,
                                      char *hex, size_t cap)
{
    const sd_algorithm *alg = sd_algorithm_by_id(ctx->last_alg);
    size_t hex_len;

    if (alg == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    hex_len = 2 * sd_hash_size(alg->family);
    if (cap < hex_len + 1 || (body == NULL && len > 0)) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (!sd_digest_entity(ctx->hasher, alg->family, body ? body : "", len,
                          hex)) {
        return SEC_E_INTERNAL_ERROR;
    }
    hex[hex_len] = '\0';
    return SEC_E_OK;
}
