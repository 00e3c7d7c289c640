/*
 * mod_auth_sspidigest.c: HTTP Digest authentication for httpd on the
 * portable SSPI Digest engine (include/sspi.h).  This file holds the
 * hooks and the request flow: it maps the Authorization header, the
 * method, the request target and H(entity-body) into SecBuffers, calls
 * the engine, and maps its status to an HTTP answer through one table.
 *
 * The scope rule.  Every result is valid only for the configuration that
 * produced it: the virtual host and every directive of the sections that
 * configure Digest or the authn providers (module/scope.c).
 *   - Each connection keeps its engine context, so a client that reuses
 *     its nonce on a keep-alive connection is checked with
 *     CompleteAuthToken (no nonce MAC, no user lookup): the engine takes
 *     that path only for a request of the scope the context was
 *     established in (SD_CALL_PARAMETERS.pScope).
 *   - A subrequest or internal redirect reuses the result of its request
 *     only in the same scope; in another it is verified from scratch (the
 *     original request line against this section's user store and policy),
 *     and its nonce count is recorded unless it was already recorded in the
 *     same replay store.
 *   - An h2c Upgrade's result is reused once, by stream 1 replaying that
 *     very request in the same scope (module/reuse.c).
 *   - A nonce is accepted only where its replay record lives, for as long
 *     as that record is kept (the engine binds nonces to the store's
 *     generation and to their lifetime).
 * Directives are in module/config.c, the user store in module/store.c,
 * auth-int bodies in module/body.c, nonces and replay stores in
 * module/nonce.c; the header of each file in module/ says what it offers.
 */
#include <string.h>
#include <strings.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "module/binding.h"
#include "module/body.h"
#include "module/config.h"
#include "module/cred.h"
#include "module/log.h"
#include "module/module.h"
#include "module/nonce.h"
#include "module/reuse.h"
#include "module/scope.h"
#include "module/status.h"
#include "module/store.h"

#define TOKEN_CAP 12288 /* cbMaxToken of the engine */
#define MAX_TARGET 8000 /* the engine's longest digest-uri, less a host */
#define MAX_URL 8192    /* the engine's longest request target (SD_MAX_URI) */
#define MAX_METHOD 32   /* the engine's longest method */

/* Per connection: the engine context, made on first use.  Scope: the
   connection, and within it the scope the context was established in
   (the engine checks it on every CompleteAuthToken). */
typedef struct {
    CtxtHandle ctx;
    PCredHandle cred; /* the credentials ctx was made with */
    int has_ctx;
    int established;
    asd_upgrade_slot upgrade; /* an h2c Upgrade's result, for stream 1 */
} asd_conn;

/* Per request: the buffers of the engine calls. */
typedef struct {
    SecBuffer in[7];
    SecBufferDesc desc;
    SD_CALL_PARAMETERS params;
    asd_key_call key_call;
    char entity_hex[SD_MAX_KEY_HEX + 1];
    asd_body *body;
    int body_status; /* an HTTP error reading the body, or OK */
} asd_call;

/* The one place an engine status becomes an HTTP answer. */
static const struct {
    SECURITY_STATUS status;
    int http;
    int level;
    int challenge;
} outcomes[] = {
    {SEC_E_LOGON_DENIED, HTTP_UNAUTHORIZED, APLOG_INFO, 1},
    {SEC_E_OUT_OF_SEQUENCE, HTTP_UNAUTHORIZED, APLOG_INFO, 1},
    {SEC_E_CONTEXT_EXPIRED, HTTP_UNAUTHORIZED, APLOG_INFO, 1},
    {SEC_E_BAD_BINDINGS, HTTP_UNAUTHORIZED, APLOG_INFO, 1},
    {SEC_E_INVALID_TOKEN, HTTP_BAD_REQUEST, APLOG_INFO, 0},
    /* the replay store is down: its backend logs that once a minute */
    {SEC_E_NO_AUTHENTICATING_AUTHORITY, HTTP_SERVICE_UNAVAILABLE, APLOG_DEBUG,
     0},
};

static asd_conn *conn_state(conn_rec *c)
{
    asd_conn *cs =
        ap_get_module_config(c->conn_config, &auth_sspidigest_module);

    if (cs == NULL) {
        cs = apr_pcalloc(c->pool, sizeof(*cs));
        ap_set_module_config(c->conn_config, &auth_sspidigest_module, cs);
    }
    return cs;
}

static void drop_context(asd_conn *cs)
{
    if (cs->has_ctx) {
        DeleteSecurityContext(&cs->ctx);
    }
    cs->has_ctx = 0;
    cs->established = 0;
}

static void set_buffer(SecBuffer *b, ULONG type, const char *s, size_t n)
{
    b->BufferType = type;
    b->pvBuffer = (void *)(uintptr_t)s;
    b->cbBuffer = (ULONG)n;
}

/* The request's absolute URL, so that a digest-uri naming another host or
   port does not match; proxy (absolute) and CONNECT targets as sent.  The
   request line is the original one: a subrequest or internal redirect
   carries the Authorization made for it. */
static const char *request_target(request_rec *top)
{
    const char *u = top->unparsed_uri;

    if (u[0] != '/' || top->method_number == M_CONNECT) {
        return u;
    }
    return ap_construct_url(top->pool, u, top);
}

static void prepare_call(request_rec *r, const asd_request_line *line,
                         const asd_dir_conf *d, const asd_scope *scope,
                         const char *token, apr_pool_t *parent, asd_call *call)
{
    const char *realm = ap_auth_name(r);

    memset(call, 0, sizeof(*call));
    call->key_call.r = r;
    call->key_call.conf = d;
    call->params.Pool = parent;
    call->params.pvGetKeyArgument = &call->key_call;
    call->params.pScope = scope->bytes;
    call->params.cbScope = (ULONG)scope->len;
    if (token[0] != '\0') {
        call->params.RequestTarget = line->target;
        call->params.RequestTargetLength = (ULONG)strlen(line->target);
    }
    if (apr_table_get(r->subprocess_env, "AuthDigestEnableQueryStringHack")) {
        call->params.Flags = SD_CALL_URI_IGNORE_QUERY;
    }
    set_buffer(&call->in[0], SECBUFFER_TOKEN, token, strlen(token));
    set_buffer(&call->in[1], SECBUFFER_PKG_PARAMS, line->method,
               strlen(line->method));
    set_buffer(&call->in[2], SECBUFFER_PKG_PARAMS, NULL, 0);
    set_buffer(&call->in[3], SECBUFFER_PKG_PARAMS, call->entity_hex, 0);
    set_buffer(&call->in[4], SECBUFFER_PKG_PARAMS, realm, strlen(realm));
    set_buffer(&call->in[5], SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY,
               NULL, 0);
    set_buffer(&call->in[6], SECBUFFER_SD_CALL_PARAMETERS, NULL,
               sizeof(call->params));
    call->in[6].pvBuffer = &call->params;
    call->desc.ulVersion = SECBUFFER_VERSION;
    call->desc.cBuffers = 7;
    call->desc.pBuffers = call->in;
    asd_binding_prepare(r, d, &call->in[5], &call->params);
}

/* The flags of a call that verifies, or (replay false) only challenges
   or must not record its count. */
static ULONG call_flags(const asd_dir_conf *d, bool replay)
{
    return ASC_REQ_HTTP | (replay ? ASC_REQ_REPLAY_DETECT : 0) |
           asd_binding_req(d);
}

static ULONG engine_flags(const asd_dir_conf *d)
{
    return call_flags(d, asd_conf_nc_check(d));
}

/* AcceptSecurityContext on the connection's context (a new one when it
   has none, or one that cannot take another call). */
static SECURITY_STATUS accept_call(asd_conn *cs, PCredHandle cred,
                                   const asd_dir_conf *d, asd_call *call,
                                   char *out, ULONG *out_len)
{
    SecBuffer ob = {TOKEN_CAP, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if (cs->has_ctx && (cs->established || cs->cred != cred)) {
        drop_context(cs);
    }
    if (!cs->has_ctx) {
        SecInvalidateHandle(&cs->ctx);
    }
    st = AcceptSecurityContext(cred, cs->has_ctx ? &cs->ctx : NULL, &call->desc,
                               engine_flags(d), 0, &cs->ctx, &od, &attrs, NULL);
    if (!cs->has_ctx && SecIsValidHandle(&cs->ctx)) {
        cs->has_ctx = 1;
        cs->cred = cred;
    }
    cs->established = st == SEC_E_OK;
    *out_len = ob.cbBuffer;
    return st;
}

/* Reads and hashes the auth-int body once per request. */
static int add_body(request_rec *r, const asd_dir_conf *d, CtxtHandle *ctx,
                    asd_call *call)
{
    char *data;
    apr_size_t len;

    if (call->body != NULL || call->body_status != OK) {
        return call->body_status;
    }
    call->body_status =
        asd_body_read(r, asd_conf_max_body(d), &call->body, &data, &len);
    if (call->body_status == OK &&
        SdHashEntityBody(ctx, data, len, call->entity_hex,
                         sizeof(call->entity_hex)) != SEC_E_OK) {
        call->body_status = HTTP_INTERNAL_SERVER_ERROR;
    }
    call->in[3].cbBuffer = (ULONG)strlen(call->entity_hex);
    return call->body_status;
}

static SECURITY_STATUS complete_call(request_rec *r, const asd_dir_conf *d,
                                     asd_conn *cs, asd_call *call)
{
    SECURITY_STATUS st = CompleteAuthToken(&cs->ctx, &call->desc);

    if (st == SEC_I_COMPLETE_NEEDED && add_body(r, d, &cs->ctx, call) == OK) {
        st = CompleteAuthToken(&cs->ctx, &call->desc);
    }
    cs->established = cs->established || st == SEC_E_OK;
    return st;
}

static void auth_info_of(CtxtHandle *ctx, char *out, ULONG *out_len)
{
    SecPkgContext_SdAuthenticationInfo ai = {NULL, 0};

    QueryContextAttributes(ctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai);
    memcpy(out, ai.sAuthInfo, ai.cbAuthInfo);
    *out_len = ai.cbAuthInfo;
}

/*
 * The engine calls for one request on the connection's context.  A
 * connection whose context is established tries CompleteAuthToken first
 * (same nonce, cached key, same scope: the engine answers
 * SEC_I_RENEGOTIATE otherwise); any other answer falls back to a full
 * AcceptSecurityContext, which also produces the challenges a refusal
 * needs.  A request whose scope cannot be known never takes the short cut.
 */
static SECURITY_STATUS verify(request_rec *r, const asd_dir_conf *d,
                              const asd_scope *scope, asd_conn *cs,
                              PCredHandle cred, asd_call *call, char *out,
                              ULONG *out_len)
{
    SECURITY_STATUS st;

    if (cs->has_ctx && cs->established && cs->cred == cred && scope->reusable) {
        st = complete_call(r, d, cs, call);
        if (st == SEC_E_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          SDLOGNO(00508) "verified on the connection's "
                                         "context (same scope)");
            auth_info_of(&cs->ctx, out, out_len);
            return st;
        }
        if (call->body_status != OK) {
            return st;
        }
        drop_context(cs);
    }
    st = accept_call(cs, cred, d, call, out, out_len);
    if (st == SEC_I_COMPLETE_NEEDED) {
        if (add_body(r, d, &cs->ctx, call) != OK) {
            return st;
        }
        st = complete_call(r, d, cs, call);
        if (st == SEC_E_OK) {
            auth_info_of(&cs->ctx, out, out_len);
        }
        else {
            /* the refusal's challenges come from a full call */
            drop_context(cs);
            st = accept_call(cs, cred, d, call, out, out_len);
        }
    }
    return st;
}

/* Adds one WWW-Authenticate (or Proxy-Authenticate) line per challenge:
   the engine separates them with CR LF. */
static void add_challenges(request_rec *r, const char *out, ULONG len)
{
    const char *name = r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                                     : "WWW-Authenticate";
    const char *end = out + len;

    while (out < end) {
        const char *crlf = memchr(out, '\r', (size_t)(end - out));
        const char *stop = crlf ? crlf : end;

        apr_table_addn(r->err_headers_out, name,
                       apr_pstrmemdup(r->pool, out, (size_t)(stop - out)));
        out = crlf ? crlf + 2 : end;
    }
}

/* AcceptSecurityContext on a context of the call's own, which *ctx
   receives (invalid when none was made): the caller deletes it. */
static SECURITY_STATUS accept_alone(PCredHandle cred, asd_call *call,
                                    ULONG flags, CtxtHandle *ctx, char *out,
                                    ULONG *out_len)
{
    SecBuffer ob = {TOKEN_CAP, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    SecInvalidateHandle(ctx);
    st = AcceptSecurityContext(cred, NULL, &call->desc, flags, 0, ctx, &od,
                               &attrs, NULL);
    *out_len = ob.cbBuffer;
    return st;
}

static void delete_alone(CtxtHandle *ctx)
{
    if (SecIsValidHandle(ctx)) {
        DeleteSecurityContext(ctx);
    }
}

/* A 401 with fresh challenges, for a request without usable credentials
   and for ap_note_auth_failure.  The challenge is made on a context of
   the request's own: it verifies nothing. */
static int challenge(request_rec *r, const asd_dir_conf *d)
{
    PCredHandle cred = asd_credentials(r, d);
    asd_request_line line = {r->method, ""};
    asd_scope none = {{0}, 0, false};
    asd_call call;
    CtxtHandle ctx;
    char out[TOKEN_CAP];
    ULONG len = 0;
    SECURITY_STATUS st;

    if (cred == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    prepare_call(r, &line, d, &none, "", r->pool, &call);
    st = accept_alone(cred, &call, call_flags(d, false), &ctx, out, &len);
    delete_alone(&ctx);
    if (st != SEC_I_CONTINUE_NEEDED) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00501) "cannot make a Digest challenge: %s",
                      SdStatusName(st));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    add_challenges(r, out, len);
    return HTTP_UNAUTHORIZED;
}

static void log_refusal(request_rec *r, CtxtHandle *ctx, int level,
                        SECURITY_STATUS st, int http)
{
    SecPkgContext_SdReason why = {"no context"};
    SecPkgContext_SdDigest dg = {0, 0, "", 0};

    if (ctx != NULL) {
        QueryContextAttributes(ctx, SECPKG_ATTR_SD_REASON, &why);
        QueryContextAttributes(ctx, SECPKG_ATTR_SD_DIGEST, &dg);
    }
    if (http == HTTP_UNAUTHORIZED && r->proxyreq == PROXYREQ_PROXY) {
        http = HTTP_PROXY_AUTHENTICATION_REQUIRED; /* what core sends */
    }
    ap_log_rerror(APLOG_MARK, level, 0, r,
                  SDLOGNO(00502) "Digest refused (%d): user \"%s\": %s (%s)",
                  http, asd_log_value(r->pool, dg.sUserName, dg.cbUserName),
                  why.sReason, SdStatusName(st));
}

static int refuse(request_rec *r, CtxtHandle *ctx, asd_call *call,
                  SECURITY_STATUS st, const char *out, ULONG len)
{
    int http = HTTP_INTERNAL_SERVER_ERROR, level = APLOG_ERR, chal = 0;

    if (call->body_status != OK) {
        http = call->body_status; /* 413, or the body's read error */
        level = APLOG_INFO;
    }
    else {
        for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
            if (outcomes[i].status == st) {
                http = outcomes[i].http;
                level = outcomes[i].level;
                chal = outcomes[i].challenge;
            }
        }
        if (st == SEC_E_NO_AUTHENTICATING_AUTHORITY &&
            call->key_call.store_error) {
            http = HTTP_INTERNAL_SERVER_ERROR; /* a provider, not a client */
            level = APLOG_ERR;
        }
    }
    log_refusal(r, ctx, level, st, http);
    if (chal) {
        add_challenges(r, out, len);
    }
    return http;
}

static const char *info_header(request_rec *r)
{
    return r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authentication-Info"
                                         : "Authentication-Info";
}

/* Sets what a handler sees of an authenticated request. */
static void grant(request_rec *r, const char *user, const char *auth_info)
{
    r->user = apr_pstrdup(r->pool, user);
    r->ap_auth_type = "Digest";
    if (auth_info != NULL) {
        apr_table_setn(r->err_headers_out, info_header(r),
                       apr_pstrdup(r->pool, auth_info));
    }
}

static const char *user_of(CtxtHandle *ctx)
{
    SecPkgContext_Names names = {NULL};

    QueryContextAttributes(ctx, SECPKG_ATTR_NAMES, &names);
    return names.sUserName;
}

/* The result a successful verification leaves for the requests that may
   reuse it. */
static asd_result *result_of(request_rec *r, const asd_scope *scope,
                             const char *user, const char *out, ULONG len,
                             const SD_NONCE_COUNT_STORE *recorded_in)
{
    asd_result *res = apr_pcalloc(r->pool, sizeof(*res));

    res->scope = *scope;
    res->user = apr_pstrdup(r->pool, user);
    res->auth_info = len > 0 ? apr_pstrmemdup(r->pool, out, len) : NULL;
    res->recorded_in = recorded_in;
    return res;
}

static const SD_NONCE_COUNT_STORE *replay_store(request_rec *r)
{
    return asd_nonce_store(ap_get_module_config(r->server->module_config,
                                                &auth_sspidigest_module));
}

/*
 * A subrequest or internal redirect whose request's results are of other
 * scopes: the original request line is verified from scratch against this
 * section's user store and policy, on a context of its own.  Its nonce
 * count is recorded here unless a result of the same request already
 * recorded it in this replay store (recording it again would refuse it as
 * a replay of itself).
 */
static int verify_again(request_rec *r, const asd_dir_conf *d,
                        const asd_scope *scope, asd_top *top, const char *value)
{
    PCredHandle cred = asd_credentials(r, d);
    const SD_NONCE_COUNT_STORE *store = replay_store(r);
    bool record = asd_conf_nc_check(d) && !asd_top_recorded(top, store);
    asd_call call;
    CtxtHandle ctx;
    char out[TOKEN_CAP];
    ULONG len = 0;
    SECURITY_STATUS st;
    int http;

    if (cred == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  SDLOGNO(00510) "verified from scratch: another scope than "
                                 "its request's%s",
                  record ? "; its nonce count is recorded here" : "");
    prepare_call(r, &top->line, d, scope, value, r->pool, &call);
    memcpy(call.entity_hex, top->entity_hex, sizeof(call.entity_hex));
    call.in[3].cbBuffer = (ULONG)strlen(call.entity_hex);
    st = accept_alone(cred, &call, call_flags(d, record), &ctx, out, &len);
    if (st == SEC_E_OK) {
        asd_top_add(top, result_of(r, scope, user_of(&ctx), NULL, 0,
                                   record ? store : NULL));
        grant(r, user_of(&ctx), NULL);
        http = OK;
    }
    else if (st == SEC_I_COMPLETE_NEEDED) {
        /* auth-int, but the request that read the body did not verify it */
        log_refusal(r, &ctx, APLOG_INFO, st, HTTP_UNAUTHORIZED);
        http = challenge(r, d);
    }
    else {
        http = refuse(r, SecIsValidHandle(&ctx) ? &ctx : NULL, &call, st, out,
                      len);
    }
    delete_alone(&ctx);
    return http;
}

static int is_digest(const char *value)
{
    return strncasecmp(value, "Digest", 6) == 0 &&
           (value[6] == ' ' || value[6] == '\t');
}

/* A subrequest or internal redirect takes the result of its request in
   the same scope, if there is one. */
static int reuse_result(request_rec *r, const asd_scope *scope,
                        const asd_top *top)
{
    const asd_result *res = asd_top_find(top, scope);

    if (res == NULL) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  SDLOGNO(00509) "the result of its request reused (same "
                                 "scope)");
    grant(r, res->user, NULL);
    return OK;
}

/* A subrequest or internal redirect: the result of its request in the same
   scope, or a verification from scratch. */
static int authenticate_again(request_rec *r, const asd_dir_conf *d,
                              const asd_scope *scope, asd_top *top,
                              const char *value)
{
    if (reuse_result(r, scope, top) == OK) {
        return OK;
    }
    return verify_again(r, d, scope, top, value);
}

static int method_ok(request_rec *r, const asd_request_line *line)
{
    if (strlen(line->method) > MAX_METHOD) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SDLOGNO(00507) "method longer than %d octets",
                      MAX_METHOD);
        return HTTP_NOT_IMPLEMENTED;
    }
    return OK;
}

/* The engine's bound on the digest-uri, checked before any credential: a
   long Host makes the absolute URL longer than the target. */
static int target_ok(request_rec *r, const asd_request_line *line)
{
    if (strlen(r->unparsed_uri) > MAX_TARGET ||
        strlen(line->target) > MAX_URL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SDLOGNO(00506) "request target longer than %d octets "
                                     "(%d with scheme and host)",
                      MAX_TARGET, MAX_URL);
        return HTTP_REQUEST_URI_TOO_LARGE;
    }
    return OK;
}

/* The main request: the connection's context, and the result kept for
   its subrequests, internal redirects and h2c stream 1. */
static int authenticate_first(request_rec *r, const asd_dir_conf *d,
                              const asd_scope *scope, asd_top *top,
                              const char *value)
{
    PCredHandle cred;
    asd_conn *cs;
    asd_call call;
    char out[TOKEN_CAP];
    ULONG len = 0;
    SECURITY_STATUS st;
    asd_result *res;

    if ((cred = asd_credentials(r, d)) == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cs = conn_state(r->connection);
    prepare_call(r, &top->line, d, scope, value, r->connection->pool, &call);
    st = verify(r, d, scope, cs, cred, &call, out, &len);
    if (st != SEC_E_OK) {
        int http =
            refuse(r, cs->has_ctx ? &cs->ctx : NULL, &call, st, out, len);

        if (!scope->reusable) {
            drop_context(cs); /* nothing of it may serve another request */
        }
        return http;
    }
    res = result_of(r, scope, user_of(&cs->ctx), out, len,
                    asd_conf_nc_check(d) ? replay_store(r) : NULL);
    if (!scope->reusable) {
        drop_context(cs);
    }
    grant(r, res->user, res->auth_info);
    memcpy(top->entity_hex, call.entity_hex, sizeof(top->entity_hex));
    if (call.body != NULL) {
        top->body = call.body;
        asd_body_replay(r, call.body);
    }
    asd_top_add(top, res);
    asd_upgrade_keep(&cs->upgrade, r, res, value);
    return OK;
}

/* The h2c record of the connection this HTTP/2 stream came on, if any. */
static asd_upgrade_slot *upgrade_slot(request_rec *r)
{
    conn_rec *master = r->connection->master;
    asd_conn *mcs = master ? ap_get_module_config(master->conn_config,
                                                  &auth_sspidigest_module)
                           : NULL;

    return mcs ? &mcs->upgrade : NULL;
}

static int authenticate(request_rec *r)
{
    const asd_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &auth_sspidigest_module);
    const char *type = ap_auth_type(r);
    const char *realm = ap_auth_name(r);
    const char *value;
    request_rec *first;
    asd_top *top;
    asd_scope scope;
    int st;

    if (type == NULL || strcasecmp(type, "Digest") != 0) {
        return DECLINED;
    }
    if (realm == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00503) "AuthType Digest needs an AuthName");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    asd_scope_of(r, d, &scope);
    first = asd_first_request(r);
    top = asd_top_of(first);
    if (top->line.target == NULL) {
        top->line.target = request_target(first);
    }
    if ((st = method_ok(r, &top->line)) != OK) {
        return st;
    }
    value = apr_table_get(r->headers_in, r->proxyreq == PROXYREQ_PROXY
                                             ? "Proxy-Authorization"
                                             : "Authorization");
    if (first == r && asd_upgrade_reuse(upgrade_slot(r), r, &scope, value)) {
        return OK;
    }
    if (value == NULL || !is_digest(value)) {
        if (first != r && (st = reuse_result(r, &scope, top)) == OK) {
            return OK;
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      SDLOGNO(00504) "no Digest credentials: challenge");
        return challenge(r, d);
    }
    if ((st = target_ok(r, &top->line)) != OK) {
        return st;
    }
    if (first != r) {
        return authenticate_again(r, d, &scope, top, value);
    }
    return authenticate_first(r, d, &scope, top, value);
}

static int note_auth_failure(request_rec *r, const char *type)
{
    const asd_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &auth_sspidigest_module);

    if (strcasecmp(type, "Digest") != 0) {
        return DECLINED;
    }
    /* authn succeeded but authz refused: confirm nothing */
    apr_table_unset(r->err_headers_out, info_header(r));
    challenge(r, d);
    return OK;
}

/* Both modules claim AuthType Digest: refuse to run beside
   mod_auth_digest rather than let the load order decide. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                        server_rec *s)
{
    (void)pconf, (void)plog, (void)ptemp;
    if (ap_find_linked_module("mod_auth_digest.c") != NULL) {
        ap_log_error(
            APLOG_MARK, APLOG_EMERG, 0, s,
            SDLOGNO(
                00505) "mod_auth_digest is loaded too: both "
                       "handle AuthType Digest.  Remove its LoadModule line "
                       "(a2dismod auth_digest); mod_auth_sspidigest reads the "
                       "same directives");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void)pconf, (void)plog, (void)ptemp;
    asd_config_pre_config();
    asd_scope_pre_config();
    return OK;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    (void)plog, (void)ptemp;
    /* The first of the two configuration passes only checks syntax. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    asd_config_report(s);
    asd_scope_post_config(s);
    return asd_nonce_post_config(pconf, s);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
    asd_cred_child_init(pchild);
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(authenticate, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(note_auth_failure, NULL, NULL, APR_HOOK_MIDDLE);
    asd_body_register();
    asd_reuse_register();
    asd_binding_register();
    asd_status_register();
}

AP_DECLARE_MODULE(auth_sspidigest) = {
    STANDARD20_MODULE_STUFF, asd_create_dir_conf,   asd_merge_dir_conf,
    asd_create_server_conf,  asd_merge_server_conf, asd_directives,
    register_hooks,          AP_MODULE_FLAG_NONE,
};
