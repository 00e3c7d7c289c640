/*
 * module/reuse.c: what one authenticated request leaves for the requests
 * that carry the same Authorization without a new nonce count: its
 * subrequests and internal redirects, and, for an h2c Upgrade, the same
 * request served again as HTTP/2 stream 1 (RFC 7540 §3.2).
 *
 * Scope: each result is kept with the scope it was verified in, and only
 * a request of that scope reuses it (mod_auth_sspidigest.c verifies the
 * others from scratch and adds their results).  The results live on the
 * first request of the chain, so they end with it; the h2c record lives on
 * the connection, is bounded to one request's worth (replaced, never
 * added to), and is taken once.  It verifies nothing itself.
 */
#include "reuse.h"

#include <stdatomic.h>
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"
#include "http_request.h"

#include "body.h"
#include "scope.h"

struct asd_upgrade {
    asd_scope scope;
    const char *method;
    const char *uri;
    const char *authorization;
    const char *user;
    const char *auth_info;
};

request_rec *asd_first_request(request_rec *r)
{
    while (r->main != NULL || r->prev != NULL) {
        r = r->main != NULL ? r->main : r->prev;
    }
    return r;
}

asd_top *asd_top_of(request_rec *first)
{
    asd_top *top =
        ap_get_module_config(first->request_config, &auth_sspidigest_module);

    if (top == NULL) {
        top = apr_pcalloc(first->pool, sizeof(*top));
        top->line.method = first->method;
        ap_set_module_config(first->request_config, &auth_sspidigest_module,
                             top);
    }
    return top;
}

const asd_result *asd_top_find(const asd_top *top, const asd_scope *scope)
{
    for (const asd_result *res = top->results; res != NULL; res = res->next) {
        if (asd_scope_equal(&res->scope, scope)) {
            return res;
        }
    }
    return NULL;
}

bool asd_top_recorded(const asd_top *top, const SD_NONCE_COUNT_STORE *store)
{
    for (const asd_result *res = top->results; res != NULL; res = res->next) {
        if (res->recorded_in == store) {
            return true;
        }
    }
    return false;
}

void asd_top_add(asd_top *top, asd_result *res)
{
    res->next = top->results;
    top->results = res;
}

/* ---- h2c: the Upgrade request served again as stream 1 ------------------ */

/* mod_http2 upgrades only a request with HTTP2-Settings, "http2-settings"
   in Connection, and no body (h2_switch.c): keep nothing for others. */
static bool may_upgrade(request_rec *r)
{
    const char *upgrade = apr_table_get(r->headers_in, "Upgrade");
    const char *conn = apr_table_get(r->headers_in, "Connection");
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return r->connection->master == NULL && upgrade != NULL &&
           ap_find_token(r->pool, upgrade, "h2c") &&
           apr_table_get(r->headers_in, "HTTP2-Settings") != NULL &&
           conn != NULL && ap_find_token(r->pool, conn, "http2-settings") &&
           (cl == NULL || strcmp(cl, "0") == 0) &&
           apr_table_get(r->headers_in, "Transfer-Encoding") == NULL;
}

void asd_upgrade_keep(asd_upgrade_slot *slot, request_rec *r,
                      const asd_result *res, const char *authorization)
{
    asd_upgrade *k;

    if (!may_upgrade(r) || !res->scope.reusable) {
        return;
    }
    /* Only this connection's own HTTP/1.1 requests write here, before any
       stream exists; the pool holds one record at a time. */
    atomic_store(&slot->kept, NULL);
    if (slot->pool == NULL) {
        apr_pool_create(&slot->pool, r->connection->pool);
    }
    else {
        apr_pool_clear(slot->pool);
    }
    k = apr_pcalloc(slot->pool, sizeof(*k));
    k->scope = res->scope;
    k->method = apr_pstrdup(slot->pool, r->method);
    k->uri = apr_pstrdup(slot->pool, r->unparsed_uri);
    k->authorization = apr_pstrdup(slot->pool, authorization);
    k->user = apr_pstrdup(slot->pool, res->user);
    k->auth_info =
        res->auth_info ? apr_pstrdup(slot->pool, res->auth_info) : NULL;
    atomic_store(&slot->kept, k);
}

/* Stream 1 of an upgraded connection: the very request that was accepted
   for the Upgrade, in its scope.  Streams run on other threads: the
   record is taken with one atomic exchange, so it serves once. */
bool asd_upgrade_reuse(asd_upgrade_slot *slot, request_rec *r,
                       const asd_scope *scope, const char *authorization)
{
    asd_upgrade *k = slot ? atomic_load(&slot->kept) : NULL;

    if (k == NULL || authorization == NULL ||
        !asd_scope_equal(&k->scope, scope) ||
        strcmp(k->authorization, authorization) != 0 ||
        strcmp(k->method, r->method) != 0 ||
        strcmp(k->uri, r->unparsed_uri) != 0 ||
        !atomic_compare_exchange_strong(&slot->kept, &k, NULL)) {
        return false;
    }
    r->user = apr_pstrdup(r->pool, k->user);
    r->ap_auth_type = "Digest";
    if (k->auth_info != NULL) {
        apr_table_setn(r->err_headers_out, "Authentication-Info",
                       apr_pstrdup(r->pool, k->auth_info));
    }
    return true;
}

/* ---- auth-int bodies across internal redirects ------------------------- */

/* An internal redirect starts with the protocol's input filters only, so
   the body read for auth-int is handed on to it here, for every handler
   that may read it (the target may need no authentication at all). */
static void insert_filter(request_rec *r)
{
    asd_top *top;

    if (r->prev == NULL || r->main != NULL) {
        return;
    }
    top = ap_get_module_config(asd_first_request(r)->request_config,
                               &auth_sspidigest_module);
    if (top != NULL && top->body != NULL) {
        asd_body_replay(r, top->body);
    }
}

void asd_reuse_register(void)
{
    ap_hook_insert_filter(insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
}
