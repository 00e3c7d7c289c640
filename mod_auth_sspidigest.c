/*
 * mod_auth_sspidigest.c: HTTP Digest authentication for httpd on the
 * portable SSPI Digest engine (include/sspi.h).  This file holds the
 * hooks and the request flow: it maps the Authorization header, the
 * method, the request target and H(entity-body) into SecBuffers, calls
 * the engine, and maps its status to an HTTP answer through one table.
 * Each connection keeps its engine context, so a client that reuses its
 * nonce on a keep-alive connection is checked with CompleteAuthToken
 * (no nonce MAC, no user lookup).  Directives are in _config.c, the user
 * store in _store.c, auth-int bodies in _body.c, nonces in _nonce.c.
 */
#include "mod_auth_sspidigest.h"

#include <string.h>
#include <strings.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#define TOKEN_CAP 12288 /* cbMaxToken of the engine */
#define MAX_TARGET 8000 /* the engine's longest digest-uri, less a host */
#define MAX_METHOD 32   /* the engine's longest method */

/* What an authenticated request passes to its subrequests and internal
   redirects, and an h2c Upgrade request to its replay as HTTP/2 stream 1:
   they carry the same Authorization, whose nonce count must not be used
   twice. */
typedef struct {
    const char *realm;
    const char *user;
    const char *authorization;
    const char *auth_info;
} asd_result;

/* Per connection: the engine context, made on first use. */
typedef struct {
    CtxtHandle ctx;
    PCredHandle cred; /* the credentials ctx was made with */
    int has_ctx;
    int established;
    asd_result *upgraded; /* an h2c Upgrade request's result, used once */
} asd_conn;

/* Per request: the buffers of the engine calls. */
typedef struct {
    SecBuffer in[7];
    SecBufferDesc desc;
    SD_CALL_PARAMETERS params;
    asd_key_call key_call;
    char entity_hex[SD_MAX_KEY_HEX + 1];
    apr_bucket_brigade *body;
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

const char *asd_log_value(apr_pool_t *p, const char *s, apr_size_t n)
{
    enum { CAP = 64 };
    const char *capped =
        n > CAP ? apr_pstrcat(p, apr_pstrmemdup(p, s, CAP), "...", NULL)
                : apr_pstrmemdup(p, s, n);

    return ap_escape_logitem(p, capped);
}

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
   port does not match; proxy (absolute) and CONNECT targets as sent. */
static const char *request_target(request_rec *r)
{
    const char *u = r->unparsed_uri;

    if (u[0] != '/' || r->method_number == M_CONNECT) {
        return u;
    }
    return ap_construct_url(r->pool, u, r);
}

static void prepare_call(request_rec *r, const asd_dir_conf *d,
                         const char *token, asd_call *call)
{
    const char *realm = ap_auth_name(r);

    memset(call, 0, sizeof(*call));
    call->key_call.r = r;
    call->key_call.conf = d;
    call->params.Pool = r->connection->pool;
    call->params.pvGetKeyArgument = &call->key_call;
    if (token[0] != '\0') {
        const char *target = request_target(r);

        call->params.RequestTarget = target;
        call->params.RequestTargetLength = (ULONG)strlen(target);
    }
    if (apr_table_get(r->subprocess_env, "AuthDigestEnableQueryStringHack")) {
        call->params.Flags = SD_CALL_URI_IGNORE_QUERY;
    }
    set_buffer(&call->in[0], SECBUFFER_TOKEN, token, strlen(token));
    set_buffer(&call->in[1], SECBUFFER_PKG_PARAMS, r->method,
               strlen(r->method));
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

static ULONG engine_flags(const asd_dir_conf *d)
{
    return ASC_REQ_HTTP | (asd_conf_nc_check(d) ? ASC_REQ_REPLAY_DETECT : 0) |
           asd_binding_req(d);
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
static int add_body(request_rec *r, const asd_dir_conf *d, asd_conn *cs,
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
        SdHashEntityBody(&cs->ctx, data, len, call->entity_hex,
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

    if (st == SEC_I_COMPLETE_NEEDED && add_body(r, d, cs, call) == OK) {
        st = CompleteAuthToken(&cs->ctx, &call->desc);
    }
    cs->established = cs->established || st == SEC_E_OK;
    return st;
}

static void auth_info_of(asd_conn *cs, char *out, ULONG *out_len)
{
    SecPkgContext_SdAuthenticationInfo ai = {NULL, 0};

    QueryContextAttributes(&cs->ctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai);
    memcpy(out, ai.sAuthInfo, ai.cbAuthInfo);
    *out_len = ai.cbAuthInfo;
}

/*
 * The engine calls for one request.  A connection whose context is
 * established tries CompleteAuthToken first (same nonce, cached key); any
 * other answer falls back to a full AcceptSecurityContext, which also
 * produces the challenges a refusal needs.
 */
static SECURITY_STATUS verify(request_rec *r, const asd_dir_conf *d,
                              asd_conn *cs, PCredHandle cred, asd_call *call,
                              char *out, ULONG *out_len)
{
    SECURITY_STATUS st;

    if (cs->has_ctx && cs->established && cs->cred == cred) {
        st = complete_call(r, d, cs, call);
        if (st == SEC_E_OK) {
            auth_info_of(cs, out, out_len);
            return st;
        }
        if (call->body_status != OK) {
            return st;
        }
        drop_context(cs);
    }
    st = accept_call(cs, cred, d, call, out, out_len);
    if (st == SEC_I_COMPLETE_NEEDED) {
        if (add_body(r, d, cs, call) != OK) {
            return st;
        }
        st = complete_call(r, d, cs, call);
        if (st == SEC_E_OK) {
            auth_info_of(cs, out, out_len);
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

/* A 401 with fresh challenges, for a request without usable credentials
   and for ap_note_auth_failure. */
static int challenge(request_rec *r, const asd_dir_conf *d)
{
    PCredHandle cred = asd_credentials(r, d);
    asd_conn *cs = conn_state(r->connection);
    asd_call call;
    char out[TOKEN_CAP];
    ULONG len = 0;
    SECURITY_STATUS st;

    if (cred == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    prepare_call(r, d, "", &call);
    st = accept_call(cs, cred, d, &call, out, &len);
    if (st != SEC_I_CONTINUE_NEEDED) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00501) "cannot make a Digest challenge: %s",
                      SdStatusName(st));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    add_challenges(r, out, len);
    return HTTP_UNAUTHORIZED;
}

static void log_refusal(request_rec *r, asd_conn *cs, int level,
                        SECURITY_STATUS st, int http)
{
    SecPkgContext_SdReason why = {"no context"};
    SecPkgContext_SdDigest dg = {0, 0, "", 0};

    if (cs->has_ctx) {
        QueryContextAttributes(&cs->ctx, SECPKG_ATTR_SD_REASON, &why);
        QueryContextAttributes(&cs->ctx, SECPKG_ATTR_SD_DIGEST, &dg);
    }
    if (http == HTTP_UNAUTHORIZED && r->proxyreq == PROXYREQ_PROXY) {
        http = HTTP_PROXY_AUTHENTICATION_REQUIRED; /* what core sends */
    }
    ap_log_rerror(APLOG_MARK, level, 0, r,
                  SDLOGNO(00502) "Digest refused (%d): user \"%s\": %s (%s)",
                  http, asd_log_value(r->pool, dg.sUserName, dg.cbUserName),
                  why.sReason, SdStatusName(st));
}

static int refuse(request_rec *r, asd_conn *cs, asd_call *call,
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
    log_refusal(r, cs, level, st, http);
    if (chal) {
        add_challenges(r, out, len);
    }
    return http;
}

/* A subrequest or internal redirect of an authenticated request of the
   same realm reuses its result. */
static int reuse_main(request_rec *r, const char *realm)
{
    request_rec *top = r;
    const asd_result *res;

    while (top->main != NULL || top->prev != NULL) {
        top = top->main != NULL ? top->main : top->prev;
    }
    if (top == r) {
        return 0;
    }
    res = ap_get_module_config(top->request_config, &auth_sspidigest_module);
    if (res == NULL || strcmp(res->realm, realm) != 0) {
        return 0;
    }
    r->user = apr_pstrdup(r->pool, res->user);
    r->ap_auth_type = "Digest";
    return 1;
}

static const char *info_header(request_rec *r)
{
    return r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authentication-Info"
                                         : "Authentication-Info";
}

/* mod_http2 serves an h2c Upgrade request again as stream 1 of the new
   connection (RFC 7540 §3.2): remember its result on the connection for
   that one replay. */
static void keep_for_upgrade(request_rec *r, const asd_result *res)
{
    const char *upgrade = apr_table_get(r->headers_in, "Upgrade");
    asd_result *kept;

    if (r->connection->master != NULL || upgrade == NULL ||
        !ap_find_token(r->pool, upgrade, "h2c")) {
        return;
    }
    kept = apr_palloc(r->connection->pool, sizeof(*kept));
    kept->realm = apr_pstrdup(r->connection->pool, res->realm);
    kept->user = apr_pstrdup(r->connection->pool, res->user);
    kept->authorization = apr_pstrdup(r->connection->pool, res->authorization);
    kept->auth_info = res->auth_info
                          ? apr_pstrdup(r->connection->pool, res->auth_info)
                          : NULL;
    conn_state(r->connection)->upgraded = kept;
}

/* Stream 1 of an upgraded connection, with the very Authorization that
   was accepted for the Upgrade request. */
static int reuse_upgrade(request_rec *r, const char *realm, const char *value)
{
    conn_rec *master = r->connection->master;
    asd_conn *mcs;
    asd_result *res;

    if (master == NULL || value == NULL) {
        return 0;
    }
    mcs = ap_get_module_config(master->conn_config, &auth_sspidigest_module);
    res = mcs ? mcs->upgraded : NULL;
    if (res == NULL || strcmp(res->realm, realm) != 0 ||
        strcmp(res->authorization, value) != 0) {
        return 0;
    }
    mcs->upgraded = NULL;
    r->user = apr_pstrdup(r->pool, res->user);
    r->ap_auth_type = "Digest";
    if (res->auth_info != NULL) {
        apr_table_setn(r->err_headers_out, info_header(r),
                       apr_pstrdup(r->pool, res->auth_info));
    }
    return 1;
}

static void accepted(request_rec *r, asd_conn *cs, asd_call *call,
                     const char *value, const char *out, ULONG len)
{
    SecPkgContext_Names names = {NULL};
    asd_result *res = apr_pcalloc(r->pool, sizeof(*res));

    QueryContextAttributes(&cs->ctx, SECPKG_ATTR_NAMES, &names);
    r->user = apr_pstrdup(r->pool, names.sUserName);
    r->ap_auth_type = "Digest";
    if (len > 0) {
        res->auth_info = apr_pstrmemdup(r->pool, out, len);
        apr_table_setn(r->err_headers_out, info_header(r), res->auth_info);
    }
    if (call->body != NULL) {
        asd_body_replay(r, call->body);
    }
    res->realm = ap_auth_name(r);
    res->user = r->user;
    res->authorization = value;
    ap_set_module_config(r->request_config, &auth_sspidigest_module, res);
    keep_for_upgrade(r, res);
}

static int is_digest(const char *value)
{
    return strncasecmp(value, "Digest", 6) == 0 &&
           (value[6] == ' ' || value[6] == '\t');
}

static int authenticate(request_rec *r)
{
    const asd_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &auth_sspidigest_module);
    const char *type = ap_auth_type(r);
    const char *realm = ap_auth_name(r);
    const char *value;
    PCredHandle cred;
    asd_conn *cs;
    asd_call call;
    char out[TOKEN_CAP];
    ULONG len = 0;
    SECURITY_STATUS st;

    if (type == NULL || strcasecmp(type, "Digest") != 0) {
        return DECLINED;
    }
    if (realm == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00503) "AuthType Digest needs an AuthName");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (reuse_main(r, realm)) {
        return OK;
    }
    value = apr_table_get(r->headers_in, r->proxyreq == PROXYREQ_PROXY
                                             ? "Proxy-Authorization"
                                             : "Authorization");
    if (reuse_upgrade(r, realm, value)) {
        return OK;
    }
    if (strlen(r->method) > MAX_METHOD) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SDLOGNO(00507) "method longer than %d octets",
                      MAX_METHOD);
        return HTTP_NOT_IMPLEMENTED;
    }
    if (value == NULL || !is_digest(value)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      SDLOGNO(00504) "no Digest credentials: challenge");
        return challenge(r, d);
    }
    if (strlen(r->unparsed_uri) > MAX_TARGET) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      SDLOGNO(00506) "request target longer than %d octets",
                      MAX_TARGET);
        return HTTP_REQUEST_URI_TOO_LARGE;
    }
    if ((cred = asd_credentials(r, d)) == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    cs = conn_state(r->connection);
    prepare_call(r, d, value, &call);
    st = verify(r, d, cs, cred, &call, out, &len);
    if (st != SEC_E_OK) {
        return refuse(r, cs, &call, st, out, len);
    }
    accepted(r, cs, &call, value, out, len);
    return OK;
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
    asd_binding_register();
}

AP_DECLARE_MODULE(auth_sspidigest) = {
    STANDARD20_MODULE_STUFF, asd_create_dir_conf,   asd_merge_dir_conf,
    asd_create_server_conf,  asd_merge_server_conf, asd_directives,
    register_hooks,          AP_MODULE_FLAG_NONE,
};
