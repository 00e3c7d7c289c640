/*
 * initialize.c: InitializeSecurityContext (Digest) in HTTP mode.  It picks
 * the strongest challenge it supports, answers it, counts nonce uses, and
 * checks the server's rspauth.  The user's key H(user:realm:password) is
 * computed once per challenge realm and algorithm, and wiped with the
 * context.
 */
#include "initialize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "builder.h"
#include "hex.h"
#include "secret.h"

#define CNONCE_OCTETS 16

struct sd_client_state {
    const sd_algorithm *alg;
    ULONG qop; /* chosen: SD_QOP_AUTH, SD_QOP_AUTH_INT, or 0 */
    bool userhash;
    bool charset_utf8;
    char realm[SD_MAX_VALUE];
    size_t realm_len;
    char nonce[SD_MAX_VALUE];
    size_t nonce_len;
    char opaque[SD_MAX_VALUE];
    size_t opaque_len;
    bool has_opaque;
    char ha1_hex[SD_MAX_HEX]; /* secret */
    uint32_t nc;              /* the last count sent */
    bool answered;            /* a response went out for this challenge */
    /* the last request, for rspauth */
    char cnonce[SD_UPGRADED_CNONCE_MAX];
    size_t cnonce_len;
    char uri[SD_MAX_URI];
    size_t uri_len;
    char entity_hex[SD_MAX_HEX];
    size_t entity_len;
};

/* A challenge we could answer, and how good it is. */
typedef struct {
    const sd_challenge *ch;
    const sd_algorithm *alg;
    ULONG qops; /* offered */
    int rank;
} candidate;

static SECURITY_STATUS refuse(sd_ctx *ctx, SECURITY_STATUS st, const char *why)
{
    ctx->reason = why;
    return st;
}

static apr_status_t client_cleanup(void *data)
{
    sd_client_state *cs = data;

    sd_wipe(cs->ha1_hex, sizeof(cs->ha1_hex));
    return APR_SUCCESS;
}

static sd_client_state *client_state(sd_ctx *ctx)
{
    if (ctx->client == NULL) {
        ctx->client = apr_pcalloc(ctx->pool, sizeof(*ctx->client));
        apr_pool_cleanup_register(ctx->pool, ctx->client, client_cleanup,
                                  apr_pool_cleanup_null);
    }
    return ctx->client;
}

/* ---- input ---------------------------------------------------------- */

static bool read_param(const SecBuffer *b, size_t max, sd_view *out)
{
    size_t n = b->cbBuffer;
    const char *p = b->pvBuffer;

    if (p == NULL && n > 0) {
        return false;
    }
    if (n > 0 && p[n - 1] == '\0') {
        n--;
    }
    if (n > max || (n > 0 && memchr(p, '\0', n) != NULL)) {
        return false;
    }
    out->p = n ? p : "";
    out->len = n;
    return true;
}

/* Buffers 3 on, by type: the service name and the channel's
   SEC_CHANNEL_BINDINGS, each at most once; other types are ignored, as
   before channel bindings. */
static SECURITY_STATUS read_binding_input(PSecBufferDesc desc,
                                          sd_initialize_input *in)
{
    for (ULONG i = 3; i < desc->cBuffers; i++) {
        const SecBuffer *b = &desc->pBuffers[i];
        ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
        const char *p = b->pvBuffer;
        size_t n = b->cbBuffer;

        if (type == SECBUFFER_TARGET_HOST) {
            if (n > 0 && p != NULL && p[n - 1] == '\0') {
                n--;
            }
            if (in->service.p != NULL || (p == NULL && n > 0) ||
                n > SD_MAX_SERVICE_NAME || !sd_utf8_printable(p, n)) {
                return SEC_E_INVALID_PARAMETER;
            }
            in->service.p = n ? p : "";
            in->service.len = n;
        }
        else if (type == SECBUFFER_CHANNEL_BINDINGS) {
            if (in->bindings.p != NULL || (n > 0 && !sd_bindings_valid(p, n))) {
                return SEC_E_INVALID_PARAMETER;
            }
            in->bindings.p = n ? p : "";
            in->bindings.len = n;
        }
    }
    return SEC_E_OK;
}

SECURITY_STATUS sd_initialize_read_input(const SEC_CHAR *target,
                                         PSecBufferDesc desc,
                                         sd_initialize_input *in)
{
    const SecBuffer *b;
    size_t n;

    memset(in, 0, sizeof(*in));
    if (target == NULL || desc == NULL ||
        desc->ulVersion != SECBUFFER_VERSION || desc->cBuffers < 2 ||
        desc->pBuffers == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    n = strnlen(target, SD_MAX_URI + 1);
    if (n == 0 || n > SD_MAX_URI || !sd_utf8_printable(target, n)) {
        return SEC_E_INVALID_PARAMETER;
    }
    in->uri.p = target;
    in->uri.len = n;
    b = desc->pBuffers;
    if ((b[0].BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_TOKEN ||
        (b[1].BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_PKG_PARAMS ||
        (b[0].pvBuffer == NULL && b[0].cbBuffer > 0) ||
        !read_param(&b[1], SD_MAX_METHOD, &in->method) || in->method.len == 0) {
        return SEC_E_INVALID_PARAMETER;
    }
    in->token.p = b[0].cbBuffer ? b[0].pvBuffer : "";
    in->token.len = b[0].cbBuffer;
    if (desc->cBuffers > 2) {
        ULONG type = b[2].BufferType & ~SECBUFFER_ATTRMASK;

        if (type == SECBUFFER_DATA) {
            if (b[2].pvBuffer == NULL && b[2].cbBuffer > 0) {
                return SEC_E_INVALID_PARAMETER;
            }
            in->entity_body.p = b[2].cbBuffer ? b[2].pvBuffer : "";
            in->entity_body.len = b[2].cbBuffer;
            in->has_entity_body = true;
        }
        else if (type != SECBUFFER_PKG_PARAMS ||
                 !read_param(&b[2], SD_MAX_HEX, &in->entity_hex)) {
            return SEC_E_INVALID_PARAMETER;
        }
    }
    return read_binding_input(desc, in);
}

/* ---- choosing a challenge ------------------------------------------- */

/* The qop values of a challenge's comma-separated qop list. */
static ULONG offered_qops(sd_view list)
{
    ULONG qops = 0;
    size_t i = 0;

    while (i < list.len) {
        sd_view item;

        while (i < list.len && (list.p[i] == ' ' || list.p[i] == ',')) {
            i++;
        }
        item.p = list.p + i;
        item.len = 0;
        while (i < list.len && list.p[i] != ',' && list.p[i] != ' ') {
            i++;
            item.len++;
        }
        if (sd_view_eq_ci(item, "auth")) {
            qops |= SD_QOP_AUTH;
        }
        else if (sd_view_eq_ci(item, "auth-int")) {
            qops |= SD_QOP_AUTH_INT;
        }
    }
    return qops;
}

/* Stronger hash first; the plain form before -sess. */
static int rank_of(const sd_algorithm *alg)
{
    return (int)alg->family * 2 + (alg->sess ? 0 : 1);
}

static bool consider(const sd_auth_list *list, const sd_challenge *ch,
                     candidate *c)
{
    const sd_param *alg = sd_challenge_param(list, ch, "algorithm");
    const sd_param *qop = sd_challenge_param(list, ch, "qop");

    if (!sd_view_eq_ci(ch->scheme, "Digest") || ch->token68.len > 0 ||
        sd_challenge_param(list, ch, "realm") == NULL ||
        sd_challenge_param(list, ch, "nonce") == NULL) {
        return false;
    }
    c->ch = ch;
    c->alg =
        alg ? sd_algorithm_by_name(alg->value) : sd_algorithm_by_id(SD_ALG_MD5);
    c->qops = qop ? offered_qops(qop->value) : 0;
    if (c->alg == NULL || (qop != NULL && c->qops == 0) ||
        (c->alg->sess && c->qops == 0)) {
        return false; /* unknown algorithm or qop; -sess needs a cnonce */
    }
    c->rank = rank_of(c->alg);
    return true;
}

static bool choose(const sd_auth_list *list, candidate *best)
{
    bool found = false;

    for (size_t i = 0; i < list->nchallenges; i++) {
        candidate c;

        if (consider(list, &list->challenges[i], &c) &&
            (!found || c.rank > best->rank)) {
            *best = c;
            found = true;
        }
    }
    return found;
}

static bool copy_value(const sd_param *p, char *dst, size_t cap, size_t *len)
{
    if (p == NULL || p->value.len > cap) {
        return false;
    }
    memcpy(dst, p->value.p, p->value.len);
    *len = p->value.len;
    return true;
}

static bool param_is_true(const sd_auth_list *list, const sd_challenge *ch,
                          const char *name)
{
    const sd_param *p = sd_challenge_param(list, ch, name);

    return p != NULL && sd_view_eq_ci(p->value, "true");
}

/* Takes the chosen challenge into the state, computing the user's key. */
static SECURITY_STATUS take_challenge(sd_ctx *ctx, const sd_auth_list *list,
                                      const candidate *c, ULONG req)
{
    sd_client_state *cs = client_state(ctx);
    sd_cred *cred = ctx->cred;
    const sd_param *charset = sd_challenge_param(list, c->ch, "charset");
    sd_view realm;

    if (!copy_value(sd_challenge_param(list, c->ch, "realm"), cs->realm,
                    sizeof(cs->realm), &cs->realm_len) ||
        !copy_value(sd_challenge_param(list, c->ch, "nonce"), cs->nonce,
                    sizeof(cs->nonce), &cs->nonce_len) ||
        cs->nonce_len == 0) {
        return refuse(ctx, SEC_E_INVALID_TOKEN, "bad realm or nonce");
    }
    cs->has_opaque =
        copy_value(sd_challenge_param(list, c->ch, "opaque"), cs->opaque,
                   sizeof(cs->opaque), &cs->opaque_len);
    realm.p = cs->realm;
    realm.len = cs->realm_len;
    if (cred->realm.len > 0 && !sd_view_eq(cred->realm, realm)) {
        return refuse(ctx, SEC_E_WRONG_PRINCIPAL,
                      "challenge realm is not the identity's domain");
    }
    cs->alg = c->alg;
    cs->userhash = param_is_true(list, c->ch, "userhash");
    cs->charset_utf8 = charset && sd_view_eq_ci(charset->value, "UTF-8");
    if ((req & ISC_REQ_INTEGRITY) && (c->qops & SD_QOP_AUTH_INT)) {
        cs->qop = SD_QOP_AUTH_INT;
    }
    else if (c->qops & SD_QOP_AUTH) {
        cs->qop = SD_QOP_AUTH;
    }
    else {
        cs->qop = c->qops & SD_QOP_AUTH_INT;
    }
    cs->nc = 0;
    cs->answered = false;
    if (!sd_digest_ha1(ctx->hasher, c->alg->family, cred->user, realm,
                       cred->password, cs->ha1_hex)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    return SEC_E_OK;
}

/* ---- the Authorization value ---------------------------------------- */

static bool needs_ext_value(sd_view user)
{
    for (size_t i = 0; i < user.len; i++) {
        if ((unsigned char)user.p[i] >= 0x80) {
            return true;
        }
    }
    return false;
}

static void put_username(sd_ctx *ctx, sd_builder *b)
{
    sd_client_state *cs = ctx->client;
    sd_view user = ctx->cred->user;
    sd_view realm = {cs->realm, cs->realm_len};
    char hash[SD_MAX_HEX];

    if (cs->userhash) {
        /* RFC 7616 §3.4.4 */
        sd_digest_userhash(ctx->hasher, cs->alg->family, user, realm, hash);
        sd_builder_param_quoted(b, "username", hash,
                                2 * sd_hash_size(cs->alg->family));
    }
    else if (cs->charset_utf8 && needs_ext_value(user)) {
        sd_builder_puts(b, ", username*=");
        sd_ext_value_encode(b, user.p, user.len);
    }
    else {
        sd_builder_param_quoted(b, "username", user.p, user.len);
    }
}

/* The entity hash for auth-int: given, or computed from the body (an absent
   buffer is an empty body). */
static SECURITY_STATUS entity_hash(sd_ctx *ctx, const sd_initialize_input *in,
                                   char *hex, size_t *len)
{
    sd_client_state *cs = ctx->client;
    size_t want = 2 * sd_hash_size(cs->alg->family);

    if (in->entity_hex.len > 0) {
        if (in->entity_hex.len != want) {
            return refuse(ctx, SEC_E_INVALID_PARAMETER,
                          "H(entity-body) of the wrong size");
        }
        memcpy(hex, in->entity_hex.p, want);
    }
    else if (!sd_digest_entity(ctx->hasher, cs->alg->family,
                               in->entity_body.p ? in->entity_body.p : "",
                               in->entity_body.len, hex)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    *len = want;
    return SEC_E_OK;
}

static void fill_digest_input(const sd_client_state *cs, sd_view method,
                              char *nc, sd_digest_input *d)
{
    static const char *const qop_names[] = {"", "auth", "auth-int"};

    d->alg = cs->alg;
    d->ha1_hex = cs->ha1_hex;
    d->nonce.p = cs->nonce;
    d->nonce.len = cs->nonce_len;
    d->cnonce.p = cs->cnonce;
    d->cnonce.len = cs->cnonce_len;
    d->nc.p = nc;
    d->nc.len = 8;
    d->qop.p = qop_names[cs->qop];
    d->qop.len = strlen(qop_names[cs->qop]);
    d->method = method;
    d->uri.p = cs->uri;
    d->uri.len = cs->uri_len;
    d->entity_hex.p = cs->entity_hex;
    d->entity_hex.len = cs->entity_len;
}

/* sspi.h, "Channel bindings": a marked nonce, a qop to carry the cnonce,
   and a caller that gave a service name or a binding. */
static bool upgrades(const sd_client_state *cs, const sd_initialize_input *in)
{
    return cs->qop != 0 && (in->service.p != NULL || in->bindings.p != NULL) &&
           cs->nonce_len >= SD_UPGRADED_LEN &&
           memcmp(cs->nonce, SD_UPGRADED, SD_UPGRADED_LEN) == 0;
}

/* A fresh cnonce; upgraded, it carries the binding (binding.h), whose
   hex goes to cb_hex.  32 zeros when the caller has no channel. */
static bool make_cnonce(sd_ctx *ctx, const sd_initialize_input *in,
                        bool upgraded, char *cb_hex)
{
    sd_client_state *cs = ctx->client;
    unsigned char rnd[CNONCE_OCTETS];
    sd_view service = in->service.p ? in->service : (sd_view){"", 0};

    if (!sd_cred_random(ctx->cred, rnd, sizeof(rnd))) {
        return false;
    }
    if (!upgraded) {
        sd_hex_encode_public(cs->cnonce, rnd, sizeof(rnd));
        cs->cnonce_len = 2 * sizeof(rnd);
        return true;
    }
    memset(cb_hex, '0', SD_BINDING_HEX);
    if (in->bindings.len > 0 && !sd_bindings_hash(ctx->hasher, in->bindings.p,
                                                  in->bindings.len, cb_hex)) {
        return false;
    }
    cs->cnonce_len = SD_UPGRADED_CNONCE_MAX;
    return sd_binding_cnonce(ctx->hasher, service, cb_hex, rnd, cs->cnonce);
}

static void put_binding(sd_builder *b, const sd_initialize_input *in,
                        const char *cb_hex)
{
    static const char dirs[] = "service-name,channel-binding";

    sd_builder_param_quoted(b, "hashed-dirs", dirs, sizeof(dirs) - 1);
    sd_builder_param_quoted(
        b, "service-name", in->service.p ? in->service.p : "", in->service.len);
    sd_builder_param_quoted(b, "channel-binding", cb_hex, SD_BINDING_HEX);
}

/* The next Authorization value for the current challenge, nc + 1. */
static SECURITY_STATUS authorize(sd_ctx *ctx, const sd_initialize_input *in,
                                 sd_output *out)
{
    sd_client_state *cs = ctx->client;
    unsigned char raw[SD_MAX_DIGEST];
    char nc[9], hex[SD_MAX_HEX], buf[SD_MAX_TOKEN], cb_hex[SD_BINDING_HEX];
    size_t size = sd_hash_size(cs->alg->family);
    bool upgraded = upgrades(cs, in);
    sd_digest_input d;
    sd_builder b;
    SECURITY_STATUS st;

    if (cs->nc == UINT32_MAX) {
        return refuse(ctx, SEC_E_CONTEXT_EXPIRED, "nonce count exhausted");
    }
    if (!make_cnonce(ctx, in, upgraded, cb_hex)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "no random octets or digest");
    }
    memcpy(cs->uri, in->uri.p, in->uri.len);
    cs->uri_len = in->uri.len;
    cs->entity_len = 0;
    if (cs->qop == SD_QOP_AUTH_INT &&
        (st = entity_hash(ctx, in, cs->entity_hex, &cs->entity_len)) !=
            SEC_E_OK) {
        return st;
    }
    snprintf(nc, sizeof(nc), "%08x", cs->nc + 1);
    fill_digest_input(cs, in->method, nc, &d);
    if (!sd_digest_response(ctx->hasher, &d, false, raw)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    sd_hex_encode_public(hex, raw, size);
    sd_builder_init(&b, buf, sizeof(buf));
    sd_builder_puts(&b, "Digest ");
    put_username(ctx, &b);
    sd_builder_param_quoted(&b, "realm", cs->realm, cs->realm_len);
    sd_builder_param_quoted(&b, "nonce", cs->nonce, cs->nonce_len);
    sd_builder_param_quoted(&b, "uri", cs->uri, cs->uri_len);
    sd_builder_param(&b, "algorithm", cs->alg->name, strlen(cs->alg->name));
    sd_builder_param_quoted(&b, "response", hex, 2 * size);
    if (cs->has_opaque) {
        sd_builder_param_quoted(&b, "opaque", cs->opaque, cs->opaque_len);
    }
    if (cs->qop != 0) {
        sd_builder_param(&b, "qop", d.qop.p, d.qop.len);
        sd_builder_param(&b, "nc", nc, 8);
        sd_builder_param_quoted(&b, "cnonce", cs->cnonce, cs->cnonce_len);
        if (upgraded) {
            put_binding(&b, in, cb_hex);
        }
    }
    if (cs->userhash) {
        sd_builder_param(&b, "userhash", "true", 4);
    }
    if (!sd_builder_ok(&b)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "Authorization too long");
    }
    if ((st = sd_output_reserve(out, b.len)) != SEC_E_OK) {
        return st;
    }
    sd_output_commit(out, buf, b.len);
    cs->nc++;
    cs->answered = true;
    return SEC_E_OK;
}

/* ---- Authentication-Info -------------------------------------------- */

static SECURITY_STATUS check_rspauth(sd_ctx *ctx, const sd_auth_list *list,
                                     ULONG req)
{
    sd_client_state *cs = ctx->client;
    const sd_challenge *ch = &list->challenges[0];
    const sd_param *rspauth = sd_challenge_param(list, ch, "rspauth");
    const sd_param *cnonce = sd_challenge_param(list, ch, "cnonce");
    const sd_param *ncp = sd_challenge_param(list, ch, "nc");
    size_t size = sd_hash_size(cs->alg->family);
    unsigned char got[SD_MAX_DIGEST], want[SD_MAX_DIGEST];
    char nc[9];
    sd_digest_input d;
    sd_view empty = {"", 0};

    if (rspauth == NULL) {
        return (req & ISC_REQ_MUTUAL_AUTH) && cs->qop != 0
                   ? refuse(ctx, SEC_E_MUTUAL_AUTH_FAILED, "no rspauth")
                   : SEC_E_OK;
    }
    snprintf(nc, sizeof(nc), "%08x", cs->nc);
    if (cs->qop == 0 || !cs->answered ||
        !sd_hex_decode_public(got, size, rspauth->value.p,
                              rspauth->value.len) ||
        (cnonce &&
         !sd_view_eq(cnonce->value, (sd_view){cs->cnonce, cs->cnonce_len})) ||
        (ncp && !sd_view_eq_ci(ncp->value, nc))) {
        return refuse(ctx, SEC_E_MUTUAL_AUTH_FAILED,
                      "rspauth is not for our last request");
    }
    fill_digest_input(cs, empty, nc, &d);
    if (!sd_digest_response(ctx->hasher, &d, true, want)) {
        return refuse(ctx, SEC_E_INTERNAL_ERROR, "digest failed");
    }
    if (!sd_ct_equal(got, want, size)) {
        return refuse(ctx, SEC_E_MUTUAL_AUTH_FAILED, "rspauth mismatch");
    }
    return SEC_E_OK;
}

static SECURITY_STATUS take_auth_info(sd_ctx *ctx, const sd_auth_list *list,
                                      ULONG req, ULONG *attrs)
{
    sd_client_state *cs = ctx->client;
    const sd_param *next =
        sd_challenge_param(list, &list->challenges[0], "nextnonce");
    SECURITY_STATUS st = check_rspauth(ctx, list, req);

    if (st != SEC_E_OK) {
        return st;
    }
    if (next != NULL) {
        if (!copy_value(next, cs->nonce, sizeof(cs->nonce), &cs->nonce_len) ||
            cs->nonce_len == 0) {
            return refuse(ctx, SEC_E_INVALID_TOKEN, "bad nextnonce");
        }
        cs->nc = 0; /* RFC 7616 §3.5: counts restart with the new nonce */
    }
    if ((req & ISC_REQ_MUTUAL_AUTH) && cs->qop != 0) {
        *attrs |= ISC_RET_MUTUAL_AUTH;
    }
    ctx->state = SD_CTX_ESTABLISHED;
    return SEC_E_OK;
}

/* ---- the call ------------------------------------------------------- */

static SECURITY_STATUS answer(sd_ctx *ctx, const sd_initialize_input *in,
                              ULONG req, sd_output *out, ULONG *attrs)
{
    SECURITY_STATUS st = authorize(ctx, in, out);

    if (st != SEC_E_OK) {
        return st;
    }
    if (ctx->client->qop == SD_QOP_AUTH_INT) {
        *attrs |= ISC_RET_INTEGRITY;
    }
    ctx->state = SD_CTX_NEW;
    return (req & ISC_REQ_MUTUAL_AUTH) ? SEC_I_CONTINUE_NEEDED : SEC_E_OK;
}

static SECURITY_STATUS take_challenges(sd_ctx *ctx, const sd_auth_list *list,
                                       const sd_initialize_input *in, ULONG req,
                                       sd_output *out, ULONG *attrs)
{
    candidate best = {NULL, NULL, 0, 0};
    SECURITY_STATUS st;
    bool had_answered = ctx->client != NULL && ctx->client->answered;

    if (!choose(list, &best)) {
        return refuse(ctx, SEC_E_INVALID_TOKEN,
                      "no Digest challenge this client supports");
    }
    /* RFC 7616 §3.3: a new challenge without stale=true after our answer
       means the credentials were refused. */
    if (had_answered && !param_is_true(list, best.ch, "stale")) {
        return refuse(ctx, SEC_E_LOGON_DENIED, "server refused the password");
    }
    if ((st = take_challenge(ctx, list, &best, req)) != SEC_E_OK) {
        return st;
    }
    return answer(ctx, in, req, out, attrs);
}

static SECURITY_STATUS run(sd_ctx *ctx, const sd_initialize_input *in,
                           ULONG req, sd_output *out, ULONG *attrs)
{
    sd_auth_list list;
    sd_parse_status ps;

    ctx->reason = NULL;
    if (in->token.len == 0) {
        if (ctx->client == NULL || ctx->client->alg == NULL) {
            return refuse(ctx, SEC_E_INVALID_TOKEN, "no challenge to answer");
        }
        return answer(ctx, in, req, out, attrs);
    }
    ps = sd_auth_parse(&list, in->token.p, in->token.len, SD_MAX_VALUE);
    if (ps != SD_PARSE_OK) {
        return refuse(ctx, SEC_E_INVALID_TOKEN, sd_parse_reason(ps));
    }
    if (list.challenges[0].scheme.len > 0) {
        return take_challenges(ctx, &list, in, req, out, attrs);
    }
    if (ctx->client == NULL || ctx->client->alg == NULL ||
        list.nchallenges != 1) {
        return refuse(ctx, SEC_E_INVALID_TOKEN,
                      "Authentication-Info before any challenge");
    }
    return take_auth_info(ctx, &list, req, attrs);
}

/* A call that fails leaves the context as it was: a refused challenge (a
   foreign realm, say) must not become the one the next call answers. */
SECURITY_STATUS sd_initialize(sd_ctx *ctx, const sd_initialize_input *in,
                              ULONG req, sd_output *out, ULONG *attrs)
{
    sd_client_state *saved = NULL;
    sd_ctx_state state = ctx->state;
    SECURITY_STATUS st;

    *attrs = ISC_RET_USED_HTTP_STYLE | ISC_RET_CONNECTION;
    ctx->reason = NULL;
    if (ctx->client != NULL) {
        saved = malloc(sizeof(*saved));
        if (saved == NULL) {
            return refuse(ctx, SEC_E_INSUFFICIENT_MEMORY, "out of memory");
        }
        memcpy(saved, ctx->client, sizeof(*saved));
    }
    st = run(ctx, in, req, out, attrs);
    if (!SEC_SUCCESS(st)) {
        ctx->state = state;
        if (saved != NULL) {
            memcpy(ctx->client, saved, sizeof(*saved));
        }
        else if (ctx->client != NULL) {
            client_cleanup(ctx->client);
            memset(ctx->client, 0, sizeof(*ctx->client));
        }
    }
    if (saved != NULL) {
        sd_wipe(saved, sizeof(*saved));
        free(saved);
    }
    return st;
}
