/*
 * digest.c: the soak client's Digest, written by the engine's client side
 * (InitializeSecurityContext), as bench/load.c does: challenges and
 * Authentication-Info go in as tokens, each request's Authorization comes
 * out of a call with an empty token.
 */
#include <stdint.h>
#include <string.h>

#include "soak.h"

int dg_acquire(CredHandle *cred, const char *user, const char *password)
{
    return bench_client_cred(user, password, cred) == SEC_E_OK ? 0 : -1;
}

static SECURITY_STATUS isc(dg_ctx *d, CredHandle *cred, const char *token,
                           const char *method, const char *uri,
                           const char *body, size_t body_len)
{
    SecBuffer ib[3];
    SecBufferDesc id = {SECBUFFER_VERSION, 3, ib};
    SecBuffer ob = {SOAK_AUTH_CAP - 1, SECBUFFER_TOKEN, d->auth};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0, req = ISC_REQ_USE_HTTP_STYLE;
    bool first = !d->has;
    SECURITY_STATUS st;

    if (d->integrity) {
        req |= ISC_REQ_INTEGRITY;
    }
    ib[0] = (SecBuffer){(ULONG)strlen(token), SECBUFFER_TOKEN,
                        (void *)(uintptr_t)token};
    ib[1] = (SecBuffer){(ULONG)strlen(method), SECBUFFER_PKG_PARAMS,
                        (void *)(uintptr_t)method};
    if (body != NULL) {
        ib[2] = (SecBuffer){(ULONG)body_len, SECBUFFER_DATA,
                            (void *)(uintptr_t)body};
    }
    else {
        id.cBuffers = 2;
    }
    st = InitializeSecurityContext(first ? cred : NULL, first ? NULL : &d->ctx,
                                   (SEC_CHAR *)(uintptr_t)uri, req, 0, 0, &id,
                                   0, &d->ctx, &od, &attrs, NULL);
    if (first && SEC_SUCCESS(st)) {
        d->has = true;
    }
    d->auth_len = SEC_SUCCESS(st) ? ob.cbBuffer : 0;
    d->auth[d->auth_len] = '\0';
    return st;
}

SECURITY_STATUS dg_feed(dg_ctx *d, CredHandle *cred, const char *token,
                        const char *method, const char *uri, const char *body,
                        size_t body_len)
{
    return isc(d, cred, token, method, uri, body, body_len);
}

SECURITY_STATUS dg_next(dg_ctx *d, const char *method, const char *uri,
                        const char *body, size_t body_len)
{
    if (!d->has) {
        return SEC_E_INVALID_HANDLE;
    }
    return isc(d, NULL, "", method, uri, body, body_len);
}

void dg_drop(dg_ctx *d)
{
    if (d->has) {
        DeleteSecurityContext(&d->ctx);
    }
    d->has = false;
    d->auth_len = 0;
    d->auth[0] = '\0';
}

/* Where parameter `name` starts in hdr (after a separator, so "nonce"
   does not match inside "cnonce"), or NULL. */
static const char *find_param(const char *hdr, const char *name)
{
    size_t n = strlen(name);
    const char *p = hdr;

    while ((p = strstr(p, name)) != NULL) {
        bool start = p == hdr || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t';

        if (start && p[n] == '=') {
            return p + n + 1;
        }
        p += n;
    }
    return NULL;
}

bool dg_param(const char *hdr, const char *name, char *out, size_t cap)
{
    const char *v = find_param(hdr, name);
    size_t len;

    if (v == NULL) {
        return false;
    }
    if (*v == '"') {
        const char *q = strchr(++v, '"');

        if (q == NULL) {
            return false;
        }
        len = (size_t)(q - v);
    }
    else {
        len = strcspn(v, ", \t\r\n");
    }
    if (len >= cap) {
        return false;
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

bool dg_swap_nonce(char *chal, size_t cap, const char *nonce)
{
    const char *v = find_param(chal, "nonce");
    size_t start, old_len, new_len = strlen(nonce), len = strlen(chal);
    const char *q;

    if (v == NULL || *v != '"' || (q = strchr(v + 1, '"')) == NULL) {
        return false;
    }
    start = (size_t)(v + 1 - chal);
    old_len = (size_t)(q - v - 1);
    if (len - old_len + new_len + 1 > cap) {
        return false;
    }
    memmove(chal + start + new_len, chal + start + old_len,
            len - start - old_len + 1);
    memcpy(chal + start, nonce, new_len);
    return true;
}
