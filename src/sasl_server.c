/*
 * sasl_server.c: AcceptSecurityContext in SASL mode (RFC 2831 §2.1):
 * the digest-challenge, then the digest-response checked and answered
 * with rspauth.  A response is checked as parse -> what was offered ->
 * key -> digest -> expiry -> expected names -> establish; nothing is
 * committed (context state, output) before the output is known to fit.
 * A refused response ends the exchange: one guess per nonce.  Subsequent
 * authentication (§2.2) is not implemented.
 */
#include "sasl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "builder.h"
#include "hex.h"
#include "sasl_digest.h"
#include "sasl_layer.h"
#include "sasl_parse.h"
#include "secret.h"

/* Everything one call works with. */
typedef struct {
    sd_ctx *ctx;
    sd_cred *cred;
    sd_sasl *s;
    const sd_sasl_input *in;
    ULONG req;
    int64_t now;
    sd_auth_list list;
    sd_sasl_response r;
    sd_view user; /* the user name in UTF-8 */
    char user_buf[2 * SD_MAX_USERNAME];
    sd_view authzid; /* in UTF-8; p NULL: none */
    char authzid_buf[2 * SD_MAX_USERNAME];
    unsigned char key[SD_SASL_KEY_LEN]; /* secret */
    unsigned char ha1[SD_SASL_KEY_LEN]; /* secret */
    bool known_user;
    bool realm_offered; /* refused only after the digest, for timing */
    bool expired;
} call;

static SECURITY_STATUS refuse(call *c, SECURITY_STATUS st, const char *why)
{
    c->ctx->reason = why;
    return st;
}

/* ---- the challenge -------------------------------------------------- */

static bool mint_nonce(call *c, sd_view realm, char *out, size_t *len)
{
    sd_cred *cred = c->cred;
    unsigned char rnd[SD_NONCE_RANDOM_LEN];
    sd_nonce_info info;

    if (cred->hooks.mint_nonce != NULL) {
        return cred->hooks.mint_nonce(cred->hooks.arg, realm, c->now, out, len);
    }
    if (!sd_ctx_nonce_keys(c->ctx) || !sd_cred_random(cred, rnd, sizeof(rnd))) {
        return false;
    }
    memset(&info, 0, sizeof(info)); /* no channel-binding mark in SASL */
    info.issued = c->now;
    info.lifetime = cred->lifetime;
    info.generation = sd_cred_store_generation(cred);
    *len = sd_nonce_length(&info);
    return sd_nonce_mint(c->ctx->nonce_key, realm, &info, rnd, out);
}

/* What this call offers: qops from fContextReq, ciphers from the policy,
   the call and the host. */
static void choose_offer(call *c)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    ULONG allowed =
        sp != NULL && sp->Ciphers != 0 ? sp->Ciphers : SD_SASL_CIPHERS_ALL;
    sd_sasl_crypto *crypto = sd_sasl_crypto_get();
    sd_sasl *s = c->s;

    s->qops_offered = SD_QOP_AUTH;
    s->ciphers_offered = 0;
    if (crypto == NULL) {
        return; /* no HMAC-MD5 here: no layer to offer */
    }
    if (c->req & (ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                  ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONFIDENTIALITY)) {
        s->qops_offered |= SD_QOP_AUTH_INT;
    }
    if (c->req & ASC_REQ_CONFIDENTIALITY) {
        s->ciphers_offered =
            c->cred->sasl_ciphers & allowed & sd_sasl_crypto_ciphers(crypto);
        if (s->ciphers_offered != 0) {
            s->qops_offered |= SD_QOP_AUTH_CONF;
        }
    }
}

/* qop-options and cipher-opts as quoted comma lists. */
static void put_list(sd_builder *b, const char *name, ULONG bits,
                     const ULONG *order, size_t n,
                     const char *(*name_of)(ULONG))
{
    char list[64];
    sd_builder l;

    sd_builder_init(&l, list, sizeof(list));
    for (size_t i = 0; i < n; i++) {
        if (bits & order[i]) {
            if (l.len > 0) {
                sd_builder_put(&l, ",", 1);
            }
            sd_builder_puts(&l, name_of(order[i]));
        }
    }
    sd_builder_param_quoted(b, name, list, l.len);
}

/* RFC 2831 §2.1.1, in the order of Windows servers. */
static SECURITY_STATUS build_challenge(call *c, sd_builder *b)
{
    static const ULONG qop_order[] = {SD_QOP_AUTH, SD_QOP_AUTH_INT,
                                      SD_QOP_AUTH_CONF};
    sd_sasl *s = c->s;
    char maxbuf[16];

    sd_builder_separator(b, ",");
    put_list(b, "qop", s->qops_offered, qop_order, 3, sd_sasl_qop_name);
    if (s->ciphers_offered != 0) {
        put_list(b, "cipher", s->ciphers_offered, sd_sasl_cipher_order, 5,
                 sd_sasl_cipher_name);
    }
    sd_builder_param(b, "algorithm", "md5-sess", 8);
    sd_builder_param_quoted(b, "nonce", s->nonce, s->nonce_len);
    sd_builder_param(b, "charset", "utf-8", 5);
    sd_builder_param_quoted(b, "realm", s->realm, s->realm_len);
    if (s->own_maxbuf != SD_SASL_DEFAULT_MAXBUF) {
        int n = snprintf(maxbuf, sizeof(maxbuf), "%u", s->own_maxbuf);

        sd_builder_param(b, "maxbuf", maxbuf, (size_t)n);
    }
    return sd_builder_ok(b)
               ? SEC_E_OK
               : refuse(c, SEC_E_INTERNAL_ERROR, "digest-challenge too long");
}

static SECURITY_STATUS challenge(call *c, sd_output *out)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    sd_sasl *s = c->s;
    sd_view realm = c->cred->sasl_realm;
    char buf[SD_SASL_MAX_CHALLENGE];
    sd_builder b;
    SECURITY_STATUS st;

    if (sp != NULL && sp->Realm != NULL) {
        realm.p = sp->Realm;
        realm.len = sp->RealmLength;
    }
    memcpy(s->realm, realm.p, realm.len);
    s->realm_len = realm.len;
    s->own_maxbuf = sp != NULL && sp->MaxBuffer != 0 ? sp->MaxBuffer
                                                     : SD_SASL_DEFAULT_MAXBUF;
    choose_offer(c);
    if (!mint_nonce(c, realm, s->nonce, &s->nonce_len)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "nonce minting failed");
    }
    sd_builder_init(&b, buf, sizeof(buf));
    if ((st = build_challenge(c, &b)) != SEC_E_OK ||
        (st = sd_output_reserve(out, b.len)) != SEC_E_OK) {
        return st;
    }
    sd_output_commit(out, buf, b.len);
    s->step = SD_SASL_CHALLENGED;
    c->ctx->reason = NULL;
    return SEC_I_CONTINUE_NEEDED;
}

/* ---- the response --------------------------------------------------- */

/* A view in UTF-8: as sent with charset=utf-8, else from ISO 8859-1. */
static sd_view as_utf8(sd_view v, bool utf8, char *buf, size_t cap)
{
    sd_view out = v;

    if (!utf8 && sd_sasl_utf8_from_latin1(v, buf, cap, &out.len)) {
        out.p = buf;
    }
    return out;
}

/* The response names what this context offered (§2.1.2).  A wrong realm
   is noted, not refused here: refused before the key lookup and the
   digest, it would be answered faster than a wrong password or an unknown
   user (verify_digest refuses it). */
static SECURITY_STATUS check_offer(call *c)
{
    const sd_sasl_response *r = &c->r;
    sd_sasl *s = c->s;
    sd_view nonce = {s->nonce, s->nonce_len};
    sd_view realm = {s->realm, s->realm_len};
    char buf[2 * SD_MAX_REALM];

    if (!sd_view_eq(r->nonce, nonce)) {
        return refuse(c, SEC_E_LOGON_DENIED, "nonce not sent by this context");
    }
    c->realm_offered =
        r->realm.p != NULL &&
        sd_view_eq(as_utf8(r->realm, r->utf8, buf, sizeof(buf)), realm);
    if (r->nc_value != 1) {
        return refuse(c, SEC_E_LOGON_DENIED,
                      "nc is not 1: subsequent authentication is not "
                      "supported");
    }
    if ((r->qop_id & s->qops_offered) == 0) {
        return refuse(c, SEC_E_QOP_NOT_SUPPORTED, "qop not offered");
    }
    if (r->qop_id == SD_QOP_AUTH_CONF &&
        (r->cipher_id & s->ciphers_offered) == 0) {
        return refuse(c, SEC_E_QOP_NOT_SUPPORTED, "cipher not offered");
    }
    return SEC_E_OK;
}

/* Whether the nonce has outlived the policy's lifetime. */
static SECURITY_STATUS check_expiry(call *c)
{
    sd_cred *cred = c->cred;
    sd_view realm = {c->s->realm, c->s->realm_len};
    sd_nonce_info info;
    sd_nonce_status ns;

    if (cred->hooks.check_nonce != NULL) {
        ns = cred->hooks.check_nonce(cred->hooks.arg, realm, c->r.nonce, c->now,
                                     &info);
    }
    else if (!sd_ctx_nonce_keys(c->ctx)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "out of memory");
    }
    else {
        ns = sd_nonce_check(c->ctx->nonce_key, c->ctx->nonce_key_previous,
                            realm, c->r.nonce, c->now, cred->lifetime, &info);
    }
    if (ns == SD_NONCE_FORGED) {
        return refuse(c, SEC_E_LOGON_DENIED, "nonce forged");
    }
    c->expired = ns == SD_NONCE_STALE;
    return SEC_E_OK;
}

/* A stable stand-in key for a user the store does not know, so that the
   same unknown user always meets the same wrong key. */
static bool standin_key(call *c, unsigned char key[SD_SASL_KEY_LEN])
{
    sd_ctx *ctx = c->ctx;
    unsigned char mac[SD_MAC_SIZE];
    bool ok;

    if (ctx->standin_key == NULL) {
        ctx->standin_key = sd_mac_dup(ctx->pool, c->cred->standin_key);
        if (ctx->standin_key == NULL) {
            return false;
        }
    }
    ok = sd_mac_begin(ctx->standin_key) &&
         sd_mac_add(ctx->standin_key, "sasl", 5) &&
         sd_mac_add(ctx->standin_key, c->user.p, c->user.len) &&
         sd_mac_add(ctx->standin_key, "\0", 1) &&
         sd_mac_add(ctx->standin_key, c->s->realm, c->s->realm_len) &&
         sd_mac_end(ctx->standin_key, mac);
    memcpy(key, mac, SD_SASL_KEY_LEN);
    sd_wipe(mac, sizeof(mac));
    return ok;
}

/* The user's key from the key callback; an unknown user gets the
   stand-in key and the path of a wrong password, the stand-in going
   through the same hex decoding as a stored key. */
static SECURITY_STATUS lookup_key(call *c)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    SD_DIGEST_KEY_REQUEST kr;
    unsigned char standin[SD_SASL_KEY_LEN];
    char standin_hex[2 * SD_SASL_KEY_LEN];
    SECURITY_STATUS st = SEC_E_INTERNAL_ERROR;
    PVOID unused = NULL;

    if (!standin_key(c, standin)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "HMAC failed");
    }
    sd_hex_encode(standin_hex, standin, sizeof(standin));
    memset(&kr, 0, sizeof(kr));
    kr.User = c->user.p;
    kr.UserLength = (ULONG)c->user.len;
    kr.Realm = c->s->realm;
    kr.RealmLength = (ULONG)c->s->realm_len;
    kr.Algorithm = SD_ALG_MD5_SESS;
    c->cred->get_key(sp != NULL && sp->pvGetKeyArgument != NULL
                         ? sp->pvGetKeyArgument
                         : c->cred->get_key_arg,
                     &kr, SD_DIGEST_KEY_VERSION, &unused, &st);
    c->known_user = false;
    if (st == SEC_E_OK) {
        c->known_user =
            sd_hex_decode(c->key, sizeof(c->key), kr.Key, kr.KeyLength);
        c->ctx->reason = c->known_user ? NULL : "stored key is not MD5";
    }
    else if (st == SEC_E_UNKNOWN_CREDENTIALS ||
             st == SEC_E_ALGORITHM_MISMATCH) {
        (void)sd_hex_decode(c->key, sizeof(c->key), standin_hex,
                            sizeof(standin_hex)); /* for its cost only */
        c->ctx->reason = st == SEC_E_UNKNOWN_CREDENTIALS
                             ? "unknown user"
                             : "user has no MD5 key";
    }
    else {
        sd_wipe(&kr, sizeof(kr));
        sd_wipe(standin, sizeof(standin));
        sd_wipe(standin_hex, sizeof(standin_hex));
        return refuse(c, SEC_E_NO_AUTHENTICATING_AUTHORITY,
                      "user store failed");
    }
    sd_wipe(&kr, sizeof(kr));
    sd_ct_select(c->key, standin, sizeof(c->key), c->known_user);
    sd_wipe(standin, sizeof(standin));
    sd_wipe(standin_hex, sizeof(standin_hex));
    return SEC_E_OK;
}

static void digest_input(const call *c, sd_sasl_digest_input *d)
{
    d->nonce = c->r.nonce;
    d->cnonce = c->r.cnonce;
    d->nc = c->r.nc;
    d->qop = c->r.qop;
    d->digest_uri = c->r.digest_uri;
    d->authzid = c->r.authzid;
    d->has_authzid = c->r.authzid.p != NULL;
}

static SECURITY_STATUS verify_digest(call *c)
{
    unsigned char want[SD_SASL_KEY_LEN];
    sd_sasl_digest_input d;

    digest_input(c, &d);
    if (!sd_sasl_ha1(c->ctx->hasher, c->key, &d, c->ha1) ||
        !sd_sasl_digest_response(c->ctx->hasher, c->ha1, &d, false, want)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    if (!c->realm_offered) {
        return refuse(c, SEC_E_LOGON_DENIED, "realm not offered");
    }
    if (!sd_ct_equal(want, c->r.response, sizeof(want)) || !c->known_user) {
        /* keep the store's reason for an unknown user */
        return refuse(c, SEC_E_LOGON_DENIED,
                      c->known_user ? "wrong password" : c->ctx->reason);
    }
    return SEC_E_OK;
}

/* The names the caller expects, once the password is known right. */
static SECURITY_STATUS check_expected(call *c)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    sd_view want;

    if (sp == NULL) {
        return SEC_E_OK;
    }
    want.p = sp->DigestUri;
    want.len = sp->DigestUriLength;
    if (want.p != NULL && (c->r.digest_uri.len != want.len ||
                           strncasecmp(c->r.digest_uri.p, want.p, want.len))) {
        return refuse(c, SEC_E_WRONG_PRINCIPAL,
                      "digest-uri is not the expected one");
    }
    want.p = sp->Authzid;
    want.len = sp->AuthzidLength;
    if (want.p != NULL && c->authzid.p != NULL &&
        !sd_view_eq(c->authzid, want)) {
        return refuse(c, SEC_E_WRONG_PRINCIPAL, "authzid not permitted");
    }
    return SEC_E_OK;
}

static SECURITY_STATUS read_response(call *c)
{
    const char *why;

    if (c->in->token.len == 0) {
        return refuse(c, SEC_E_INVALID_TOKEN, "empty digest-response");
    }
    why = sd_sasl_parse_response(&c->list, c->in->token.p, c->in->token.len,
                                 &c->r);
    if (why != NULL) {
        return refuse(c, SEC_E_INVALID_TOKEN, why);
    }
    c->user =
        as_utf8(c->r.username, c->r.utf8, c->user_buf, sizeof(c->user_buf));
    c->authzid = c->r.authzid;
    if (c->authzid.p != NULL) {
        c->authzid = as_utf8(c->r.authzid, c->r.utf8, c->authzid_buf,
                             sizeof(c->authzid_buf));
    }
    if (c->user.len > SD_MAX_USERNAME ||
        (c->authzid.p != NULL && c->authzid.len > SD_MAX_USERNAME)) {
        return refuse(c, SEC_E_INVALID_TOKEN, "user name or authzid too long");
    }
    return SEC_E_OK;
}

/* Establishes the context: its layer first, since only that can fail. */
static SECURITY_STATUS establish(call *c, sd_output *out, const char *token,
                                 size_t len, ULONG *attrs)
{
    sd_ctx *ctx = c->ctx;
    sd_sasl *s = c->s;
    sd_sasl_layer *layer = NULL;

    if (c->r.qop_id != SD_QOP_AUTH) {
        layer = sd_sasl_layer_create(ctx->pool, sd_sasl_crypto_get(),
                                     ctx->hasher, c->ha1, c->r.qop_id,
                                     c->r.cipher_id, false, c->r.maxbuf);
        if (layer == NULL) {
            return refuse(c, SEC_E_INTERNAL_ERROR, "security layer failed");
        }
    }
    sd_output_commit(out, token, len);
    s->layer = layer;
    s->qop = c->r.qop_id;
    s->cipher = c->r.qop_id == SD_QOP_AUTH_CONF ? c->r.cipher_id : 0;
    s->peer_maxbuf = c->r.maxbuf;
    memcpy(s->digest_uri, c->r.digest_uri.p, c->r.digest_uri.len);
    s->digest_uri_len = c->r.digest_uri.len;
    s->has_authzid = c->authzid.p != NULL;
    if (s->has_authzid) {
        memcpy(s->authzid, c->authzid.p, c->authzid.len);
        s->authzid_len = c->authzid.len;
    }
    memcpy(ctx->user, c->user.p, c->user.len);
    ctx->user[c->user.len] = '\0';
    ctx->user_len = c->user.len;
    ctx->state = SD_CTX_ESTABLISHED;
    s->step = SD_SASL_DONE;
    ctx->reason = NULL;
    *attrs |= ASC_RET_MUTUAL_AUTH | sd_sasl_layer_attrs(s->qop, true);
    return SEC_E_OK;
}

/* §2.1.3: rspauth="..." (unquoted, as Cyrus SASL and Windows send it). */
static SECURITY_STATUS answer(call *c, sd_output *out, ULONG *attrs)
{
    unsigned char raw[SD_SASL_KEY_LEN];
    char token[8 + 2 * SD_SASL_KEY_LEN];
    sd_sasl_digest_input d;
    SECURITY_STATUS st;

    digest_input(c, &d);
    if (!sd_sasl_digest_response(c->ctx->hasher, c->ha1, &d, true, raw)) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    memcpy(token, "rspauth=", 8);
    sd_hex_encode_public(token + 8, raw, sizeof(raw));
    if ((st = sd_output_reserve(out, sizeof(token))) != SEC_E_OK) {
        return st;
    }
    return establish(c, out, token, sizeof(token), attrs);
}

static SECURITY_STATUS verify(call *c, sd_output *out, ULONG *attrs)
{
    SECURITY_STATUS st;

    if ((st = read_response(c)) != SEC_E_OK ||
        (st = check_offer(c)) != SEC_E_OK ||
        (st = check_expiry(c)) != SEC_E_OK ||
        (st = lookup_key(c)) != SEC_E_OK ||
        (st = verify_digest(c)) != SEC_E_OK) {
        return st;
    }
    if (c->expired) {
        return refuse(c, SEC_E_CONTEXT_EXPIRED, "nonce expired");
    }
    if ((st = check_expected(c)) != SEC_E_OK) {
        return st;
    }
    return answer(c, out, attrs);
}

/* Refusals that end the exchange; the others leave it to be retried. */
static bool ends_exchange(SECURITY_STATUS st)
{
    return st == SEC_E_INVALID_TOKEN || st == SEC_E_LOGON_DENIED ||
           st == SEC_E_QOP_NOT_SUPPORTED || st == SEC_E_WRONG_PRINCIPAL ||
           st == SEC_E_CONTEXT_EXPIRED;
}

SECURITY_STATUS sd_sasl_accept(sd_ctx *ctx, const sd_sasl_input *in, ULONG req,
                               sd_output *out, ULONG *attrs)
{
    call cs, *c = &cs;
    sd_sasl *s = sd_sasl_attach(ctx);
    SECURITY_STATUS st;

    *attrs = ASC_RET_CONNECTION;
    if (s == NULL) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    c->ctx = ctx;
    c->cred = ctx->cred;
    c->s = s;
    c->in = in;
    c->req = req;
    c->now = sd_cred_now(ctx->cred);
    c->known_user = false;
    c->realm_offered = false;
    c->expired = false;
    switch (s->step) {
    case SD_SASL_START:
        st = challenge(c, out);
        break;
    case SD_SASL_CHALLENGED:
        st = verify(c, out, attrs);
        if (ends_exchange(st)) {
            s->step = SD_SASL_FAILED;
        }
        break;
    default:
        st = refuse(c, SEC_E_LOGON_DENIED, "the exchange already failed");
    }
    if (out->allocated) {
        *attrs |= ASC_RET_ALLOCATED_MEMORY;
    }
    sd_output_finish(out);
    sd_wipe(c->key, sizeof(c->key));
    sd_wipe(c->ha1, sizeof(c->ha1));
    return st;
}
