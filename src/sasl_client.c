/*
 * sasl_client.c: InitializeSecurityContext in SASL mode (RFC 2831 §2.1):
 * reads the digest-challenge, picks qop, cipher and realm, writes the
 * digest-response, then checks the server's rspauth before it reports
 * success.  Strings are kept in UTF-8 and turned into ISO 8859-1 on the
 * wire when the server did not offer charset=utf-8.  H(A1) waits for the
 * rspauth in the context and is wiped once the layer keys are made.
 */
#include "sasl.h"

#include <stdio.h>
#include <string.h>

#include "builder.h"
#include "hex.h"
#include "sasl_digest.h"
#include "sasl_layer.h"
#include "sasl_parse.h"
#include "secret.h"

#define CNONCE_OCTETS 16

typedef struct {
    sd_ctx *ctx;
    sd_cred *cred;
    sd_sasl *s;
    const sd_sasl_input *in;
    ULONG req;
    sd_view target;
    sd_auth_list list;
    sd_sasl_challenge ch;
    ULONG qop;
    ULONG cipher;
    sd_view realm; /* UTF-8; p NULL: no realm directive */
    char realm_buf[2 * SD_MAX_REALM];
    char cnonce[SD_MAX_CNONCE];
    size_t cnonce_len;
} call;

static SECURITY_STATUS refuse(call *c, SECURITY_STATUS st, const char *why)
{
    c->ctx->reason = why;
    return st;
}

/* The strongest qop offered among those the caller asked for, and its
   cipher (sspi.h, "SASL mode"). */
static SECURITY_STATUS choose_qop(call *c)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    sd_sasl_crypto *crypto = sd_sasl_crypto_get();
    ULONG allowed =
        sp != NULL && sp->Ciphers != 0 ? sp->Ciphers : SD_SASL_CIPHERS_ALL;
    ULONG usable = c->ch.ciphers & allowed & sd_sasl_crypto_ciphers(crypto);
    bool integrity =
        crypto != NULL &&
        (c->req & (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                   ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONFIDENTIALITY)) != 0;

    c->cipher = 0;
    for (size_t i = 0; i < 5 && c->cipher == 0; i++) {
        c->cipher = usable & sd_sasl_cipher_order[i];
    }
    if ((c->req & ISC_REQ_CONFIDENTIALITY) && c->cipher != 0 &&
        (c->ch.qops & SD_QOP_AUTH_CONF)) {
        c->qop = SD_QOP_AUTH_CONF;
    }
    else if (integrity && (c->ch.qops & SD_QOP_AUTH_INT)) {
        c->qop = SD_QOP_AUTH_INT;
    }
    else if (c->ch.qops & SD_QOP_AUTH) {
        c->qop = SD_QOP_AUTH;
    }
    else {
        return refuse(c, SEC_E_QOP_NOT_SUPPORTED,
                      "the server offers no qop the caller asked for");
    }
    if (c->qop != SD_QOP_AUTH_CONF) {
        c->cipher = 0;
    }
    return SEC_E_OK;
}

/* A challenge realm in UTF-8 (ISO 8859-1 without charset=utf-8). */
static sd_view realm_utf8(call *c, sd_view r, char *buf)
{
    size_t n = 0;

    if (!c->ch.utf8 && sd_sasl_utf8_from_latin1(r, buf, 2 * SD_MAX_REALM, &n)) {
        r.p = buf;
        r.len = n;
    }
    return r;
}

/* The identity's Domain when the server offers it (or offers none),
   else the first realm offered (§2.1.2: one of them). */
static SECURITY_STATUS choose_realm(call *c)
{
    sd_view domain = c->cred->realm;
    char buf[2 * SD_MAX_REALM];

    c->realm.p = NULL;
    c->realm.len = 0;
    if (c->ch.nrealms == 0) {
        if (domain.len > 0) {
            c->realm = domain;
        }
        return SEC_E_OK;
    }
    if (domain.len == 0) {
        c->realm = realm_utf8(c, c->ch.realms[0], c->realm_buf);
        /* ISO 8859-1 doubles in UTF-8: the context keeps SD_MAX_REALM */
        return c->realm.len <= SD_MAX_REALM
                   ? SEC_E_OK
                   : refuse(c, SEC_E_INVALID_TOKEN, "realm too long");
    }
    for (size_t i = 0; i < c->ch.nrealms; i++) {
        if (sd_view_eq(realm_utf8(c, c->ch.realms[i], buf), domain)) {
            c->realm = domain;
            return SEC_E_OK;
        }
    }
    return refuse(c, SEC_E_WRONG_PRINCIPAL,
                  "the identity's Domain is not a realm the server offers");
}

static SECURITY_STATUS make_cnonce(call *c)
{
    unsigned char rnd[CNONCE_OCTETS];
    sd_cred *cred = c->cred;

    if (cred->hooks.make_cnonce != NULL) {
        return cred->hooks.make_cnonce(cred->hooks.arg, c->cnonce,
                                       &c->cnonce_len)
                   ? SEC_E_OK
                   : refuse(c, SEC_E_INTERNAL_ERROR, "no cnonce");
    }
    if (!sd_cred_random(cred, rnd, sizeof(rnd))) {
        return refuse(c, SEC_E_INTERNAL_ERROR, "no random octets");
    }
    sd_hex_encode_public(c->cnonce, rnd, sizeof(rnd));
    c->cnonce_len = 2 * sizeof(rnd);
    return SEC_E_OK;
}

/* A string as it goes on the wire: UTF-8 with charset=utf-8, else
   ISO 8859-1; false when that cannot represent it. */
static bool wire_string(const call *c, sd_view v, char *buf, size_t cap,
                        sd_view *out)
{
    *out = v;
    if (c->ch.utf8 || v.p == NULL) {
        return true;
    }
    out->p = buf;
    return sd_sasl_latin1_from_utf8(v, buf, cap, &out->len);
}

/* The directives of the response, in the order Windows clients send
   them, then those Windows leaves out. */
static void build_response(const call *c, const sd_sasl_digest_input *d,
                           const unsigned char response[SD_SASL_KEY_LEN],
                           sd_view user, sd_view realm, sd_view authzid,
                           sd_builder *b)
{
    char hex[2 * SD_SASL_KEY_LEN];
    char maxbuf[16];

    sd_builder_separator(b, ",");
    if (c->ch.utf8) {
        sd_builder_param(b, "charset", "utf-8", 5);
    }
    sd_builder_param_quoted(b, "username", user.p, user.len);
    if (realm.p != NULL) {
        sd_builder_param_quoted(b, "realm", realm.p, realm.len);
    }
    sd_builder_param_quoted(b, "nonce", d->nonce.p, d->nonce.len);
    sd_builder_param(b, "nc", d->nc.p, d->nc.len);
    sd_builder_param_quoted(b, "cnonce", d->cnonce.p, d->cnonce.len);
    sd_builder_param_quoted(b, "digest-uri", d->digest_uri.p,
                            d->digest_uri.len);
    sd_hex_encode_public(hex, response, SD_SASL_KEY_LEN);
    sd_builder_param(b, "response", hex, sizeof(hex));
    sd_builder_param(b, "qop", d->qop.p, d->qop.len);
    if (c->cipher != 0) {
        const char *name = sd_sasl_cipher_name(c->cipher);

        sd_builder_param(b, "cipher", name, strlen(name));
    }
    if (c->s->own_maxbuf != SD_SASL_DEFAULT_MAXBUF) {
        int n = snprintf(maxbuf, sizeof(maxbuf), "%u", c->s->own_maxbuf);

        sd_builder_param(b, "maxbuf", maxbuf, (size_t)n);
    }
    if (authzid.p != NULL) {
        sd_builder_param_quoted(b, "authzid", authzid.p, authzid.len);
    }
}

/* Keeps what the response settled, for rspauth, the layer and
   SECPKG_ATTR_SD_SASL. */
static void remember(call *c, sd_view authzid)
{
    sd_sasl *s = c->s;

    s->qop = c->qop;
    s->cipher = c->cipher;
    s->peer_maxbuf = c->ch.maxbuf;
    s->realm_len = c->realm.len;
    if (c->realm.len > 0) {
        memcpy(s->realm, c->realm.p, c->realm.len);
    }
    memcpy(s->digest_uri, c->target.p, c->target.len);
    s->digest_uri_len = c->target.len;
    s->has_authzid = authzid.p != NULL;
    s->authzid_len = authzid.len;
    if (authzid.len > 0) {
        memcpy(s->authzid, authzid.p, authzid.len);
    }
    s->step = SD_SASL_RESPONDED;
}

/* The user's key, H(A1), the response and the expected rspauth. */
static SECURITY_STATUS compute(call *c, const sd_sasl_digest_input *d,
                               unsigned char response[SD_SASL_KEY_LEN])
{
    sd_view realm = c->realm.p != NULL ? c->realm : (sd_view){"", 0};
    unsigned char key[SD_SASL_KEY_LEN];
    sd_sasl_key_status ks;
    bool ok;

    ks = sd_sasl_user_key(c->ctx->hasher, c->cred->user, realm,
                          c->cred->password, c->ch.utf8, key);
    if (ks == SD_SASL_KEY_NOT_LATIN1) {
        return refuse(c, SEC_E_NO_CREDENTIALS,
                      "user name or password needs UTF-8, which the server "
                      "does not offer");
    }
    ok = ks == SD_SASL_KEY_OK &&
         sd_sasl_ha1(c->ctx->hasher, key, d, c->s->ha1) &&
         sd_sasl_digest_response(c->ctx->hasher, c->s->ha1, d, false,
                                 response) &&
         sd_sasl_digest_response(c->ctx->hasher, c->s->ha1, d, true,
                                 c->s->rspauth);
    sd_wipe(key, sizeof(key));
    return ok ? SEC_E_OK : refuse(c, SEC_E_INTERNAL_ERROR, "digest failed");
}

/* The response's token, once every value is known. */
static SECURITY_STATUS write_response(call *c, const sd_sasl_digest_input *d,
                                      sd_view authzid, sd_output *out)
{
    unsigned char response[SD_SASL_KEY_LEN];
    char token[SD_SASL_MAX_RESPONSE];
    char ubuf[SD_MAX_USERNAME], rbuf[2 * SD_MAX_REALM], abuf[SD_MAX_USERNAME];
    sd_view user, realm, az;
    sd_builder b;
    SECURITY_STATUS st;

    if (!wire_string(c, c->cred->user, ubuf, sizeof(ubuf), &user) ||
        !wire_string(c, c->realm, rbuf, sizeof(rbuf), &realm) ||
        !wire_string(c, authzid, abuf, sizeof(abuf), &az)) {
        return refuse(c, SEC_E_NO_CREDENTIALS,
                      "a name needs UTF-8, which the server does not offer");
    }
    if ((st = compute(c, d, response)) != SEC_E_OK) {
        return st;
    }
    sd_builder_init(&b, token, sizeof(token));
    build_response(c, d, response, user, realm, az, &b);
    if (!sd_builder_ok(&b)) {
        return refuse(c, SEC_E_INVALID_TOKEN, "digest-response too long");
    }
    if ((st = sd_output_reserve(out, b.len)) != SEC_E_OK) {
        return st;
    }
    sd_output_commit(out, token, b.len);
    remember(c, authzid);
    return SEC_E_OK;
}

static SECURITY_STATUS respond(call *c, sd_output *out, ULONG *attrs)
{
    const SD_SASL_PARAMETERS *sp = c->in->params;
    sd_sasl_digest_input d;
    sd_view authzid = {NULL, 0};
    const char *why;
    SECURITY_STATUS st;

    if (c->target.p == NULL || !sd_sasl_digest_uri_ok(c->target)) {
        return refuse(c, SEC_E_INVALID_PARAMETER,
                      "target name is not serv-type/host[/serv-name]");
    }
    why = sd_sasl_parse_challenge(&c->list, c->in->token.p, c->in->token.len,
                                  &c->ch);
    if (why != NULL) {
        return refuse(c, SEC_E_INVALID_TOKEN, why);
    }
    if ((st = choose_qop(c)) != SEC_E_OK ||
        (st = choose_realm(c)) != SEC_E_OK ||
        (st = make_cnonce(c)) != SEC_E_OK) {
        return st;
    }
    c->s->own_maxbuf = sp != NULL && sp->MaxBuffer != 0
                           ? sp->MaxBuffer
                           : SD_SASL_DEFAULT_MAXBUF;
    if (sp != NULL && sp->Authzid != NULL) {
        authzid.p = sp->Authzid;
        authzid.len = sp->AuthzidLength;
    }
    d.nonce = c->ch.nonce;
    d.cnonce.p = c->cnonce;
    d.cnonce.len = c->cnonce_len;
    d.nc.p = "00000001"; /* no subsequent authentication: always 1 */
    d.nc.len = 8;
    d.qop.p = sd_sasl_qop_name(c->qop);
    d.qop.len = strlen(d.qop.p);
    d.digest_uri = c->target;
    d.authzid = authzid;
    d.has_authzid = authzid.p != NULL;
    if ((st = write_response(c, &d, authzid, out)) != SEC_E_OK) {
        return st;
    }
    *attrs |= sd_sasl_layer_attrs(c->qop, false);
    c->ctx->reason = NULL;
    return SEC_I_CONTINUE_NEEDED;
}

/* §2.1.3: the server proves it knows the key too. */
static SECURITY_STATUS check_rspauth(call *c, ULONG *attrs)
{
    sd_ctx *ctx = c->ctx;
    sd_sasl *s = c->s;
    unsigned char got[SD_SASL_KEY_LEN];
    const char *why;

    if (c->in->token.len == 0) {
        return refuse(c, SEC_E_INVALID_TOKEN, "rspauth expected");
    }
    why =
        sd_sasl_parse_rspauth(&c->list, c->in->token.p, c->in->token.len, got);
    if (why != NULL) {
        return refuse(c, SEC_E_INVALID_TOKEN, why);
    }
    if (!sd_ct_equal(got, s->rspauth, sizeof(got))) {
        return refuse(c, SEC_E_MUTUAL_AUTH_FAILED, "wrong rspauth");
    }
    if (s->qop != SD_QOP_AUTH) {
        s->layer = sd_sasl_layer_create(ctx->pool, sd_sasl_crypto_get(),
                                        ctx->hasher, s->ha1, s->qop, s->cipher,
                                        true, s->peer_maxbuf);
        if (s->layer == NULL) {
            return refuse(c, SEC_E_INTERNAL_ERROR, "security layer failed");
        }
    }
    sd_wipe(s->ha1, sizeof(s->ha1));
    sd_wipe(s->rspauth, sizeof(s->rspauth));
    s->step = SD_SASL_DONE;
    ctx->state = SD_CTX_ESTABLISHED;
    ctx->reason = NULL;
    *attrs |= ISC_RET_MUTUAL_AUTH | sd_sasl_layer_attrs(s->qop, false);
    return SEC_E_OK;
}

/* Failures after which the exchange cannot go on. */
static bool ends_exchange(SECURITY_STATUS st)
{
    return st == SEC_E_INVALID_TOKEN || st == SEC_E_QOP_NOT_SUPPORTED ||
           st == SEC_E_WRONG_PRINCIPAL || st == SEC_E_NO_CREDENTIALS ||
           st == SEC_E_MUTUAL_AUTH_FAILED;
}

SECURITY_STATUS sd_sasl_initialize(sd_ctx *ctx, const SEC_CHAR *target,
                                   const sd_sasl_input *in, ULONG req,
                                   sd_output *out, ULONG *attrs)
{
    call cs, *c = &cs;
    sd_sasl *s = sd_sasl_attach(ctx);
    SECURITY_STATUS st;

    *attrs = ISC_RET_CONNECTION;
    if (s == NULL) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    c->ctx = ctx;
    c->cred = ctx->cred;
    c->s = s;
    c->in = in;
    c->req = req;
    c->target.p = target;
    c->target.len = target != NULL ? strnlen(target, SD_SASL_MAX_URI + 1) : 0;
    switch (s->step) {
    case SD_SASL_START:
    case SD_SASL_AWAIT_CHALLENGE:
        if (in->token.len == 0) {
            /* DIGEST-MD5 has no initial response: fetch the challenge */
            s->step = SD_SASL_AWAIT_CHALLENGE;
            st = SEC_I_CONTINUE_NEEDED;
        }
        else {
            st = respond(c, out, attrs);
        }
        break;
    case SD_SASL_RESPONDED:
        st = check_rspauth(c, attrs);
        break;
    default:
        st = refuse(c, STATUS_LOGON_FAILURE, "the exchange is over");
    }
    if (ends_exchange(st)) {
        s->step = SD_SASL_FAILED;
    }
    return st;
}
