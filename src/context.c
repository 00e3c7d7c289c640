/*
 * context.c: creating, finding and destroying contexts.  The pool cleanup
 * is the one place a context ends, whether by DeleteSecurityContext or by
 * the destruction of its parent pool; it retires the handle, wipes the
 * cached key and drops the credentials reference, and is safe to run
 * twice.
 */
#include "context.h"

#include <apr_time.h>

#include "handle.h"
#include "secret.h"

static apr_status_t ctx_cleanup(void *data)
{
    sd_ctx *ctx = data;

    sd_handle_retire(&ctx->handle);
    sd_wipe(ctx->ha1_hex, sizeof(ctx->ha1_hex));
    if (ctx->cred != NULL) {
        sd_cred_release(ctx->cred);
        ctx->cred = NULL;
    }
    return APR_SUCCESS;
}

SECURITY_STATUS sd_ctx_create(sd_cred *cred, apr_pool_t *parent, bool server,
                              sd_ctx **out)
{
    apr_pool_t *pool;
    sd_ctx *ctx;

    if (apr_pool_create(&pool, parent) != APR_SUCCESS) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    ctx = apr_pcalloc(pool, sizeof(*ctx));
    ctx->pool = pool;
    ctx->server = server;
    ctx->state = SD_CTX_NEW;
    ctx->created = apr_time_now();
    ctx->hasher = sd_hasher_create(pool);
    if (ctx->hasher == NULL) {
        apr_pool_destroy(pool);
        return SEC_E_INTERNAL_ERROR;
    }
    sd_cred_hold(cred);
    ctx->cred = cred;
    apr_pool_cleanup_register(pool, ctx, ctx_cleanup, apr_pool_cleanup_null);
    *out = ctx;
    return SEC_E_OK;
}

SECURITY_STATUS sd_ctx_publish(sd_ctx *ctx, SecHandle *h)
{
    SECURITY_STATUS st = sd_handle_issue(SD_HANDLE_CONTEXT, ctx, &ctx->handle);

    if (st == SEC_E_OK) {
        *h = ctx->handle;
    }
    return st;
}

sd_ctx *sd_ctx_lookup(const SecHandle *h)
{
    return sd_handle_lookup(h, SD_HANDLE_CONTEXT);
}

void sd_ctx_destroy(sd_ctx *ctx)
{
    apr_pool_destroy(ctx->pool);
}

bool sd_ctx_nonce_keys(sd_ctx *ctx)
{
    sd_cred *c = ctx->cred;

    if (ctx->nonce_key == NULL) {
        ctx->nonce_key = sd_mac_dup(ctx->pool, c->nonce_key);
        if (ctx->nonce_key == NULL) {
            return false;
        }
    }
    if (c->nonce_key_previous != NULL && ctx->nonce_key_previous == NULL) {
        ctx->nonce_key_previous = sd_mac_dup(ctx->pool, c->nonce_key_previous);
        if (ctx->nonce_key_previous == NULL) {
            return false;
        }
    }
    return true;
}
