/*
 * mac.c: HMAC-SHA-256 through OpenSSL's EVP_MAC.  The key schedule is done
 * once per template; a computation re-initialises a context without a key,
 * which OpenSSL answers from the stored pads.
 */
#include "mac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct sd_mac {
    EVP_MAC_CTX *ctx;
};

static apr_status_t mac_cleanup(void *data)
{
    sd_mac *m = data;

    EVP_MAC_CTX_free(m->ctx); /* OpenSSL cleanses the key state */
    m->ctx = NULL;
    return APR_SUCCESS;
}

static sd_mac *wrap(apr_pool_t *pool, EVP_MAC_CTX *ctx)
{
    sd_mac *m;

    if (ctx == NULL) {
        return NULL;
    }
    m = apr_palloc(pool, sizeof(*m));
    m->ctx = ctx;
    apr_pool_cleanup_register(pool, m, mac_cleanup, apr_pool_cleanup_null);
    return m;
}

sd_mac *sd_mac_create(apr_pool_t *pool, const unsigned char *key, size_t len)
{
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA2-256", 0),
        OSSL_PARAM_construct_end()};

    EVP_MAC_free(hmac); /* the context keeps its own reference */
    if (ctx != NULL && EVP_MAC_init(ctx, key, len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return wrap(pool, ctx);
}

sd_mac *sd_mac_dup(apr_pool_t *pool, const sd_mac *tmpl)
{
    return wrap(pool, EVP_MAC_CTX_dup(tmpl->ctx));
}

bool sd_mac_begin(sd_mac *m)
{
    return EVP_MAC_init(m->ctx, NULL, 0, NULL) == 1;
}

bool sd_mac_add(sd_mac *m, const void *p, size_t n)
{
    return n == 0 || EVP_MAC_update(m->ctx, p, n) == 1;
}

bool sd_mac_end(sd_mac *m, unsigned char out[SD_MAC_SIZE])
{
    size_t n = 0;

    return EVP_MAC_final(m->ctx, out, &n, SD_MAC_SIZE) == 1 && n == SD_MAC_SIZE;
}
