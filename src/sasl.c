/*
 * sasl.c: what both sides of SASL mode share: reading the input buffers,
 * the context's SASL state (its secrets wiped with the context), the
 * layer flags, and the context attributes of SASL contexts.
 */
#include "sasl.h"

#include <string.h>

#include "sasl_layer.h"
#include "sasl_parse.h"
#include "secret.h"

static bool string_ok(const SEC_CHAR *p, ULONG len, size_t max)
{
    return (p != NULL || len == 0) && len <= max &&
           (len == 0 || sd_utf8_printable(p, len));
}

static bool params_ok(const SD_SASL_PARAMETERS *sp)
{
    sd_view uri = {sp->DigestUri, sp->DigestUriLength};

    return string_ok(sp->Realm, sp->RealmLength, SD_MAX_REALM) &&
           (sp->Realm == NULL || sp->RealmLength > 0) &&
           (sp->DigestUri == NULL || sd_sasl_digest_uri_ok(uri)) &&
           string_ok(sp->Authzid, sp->AuthzidLength, SD_MAX_USERNAME) &&
           (sp->Ciphers & ~SD_SASL_CIPHERS_ALL) == 0 &&
           (sp->MaxBuffer == 0 ||
            (sp->MaxBuffer > 16 && sp->MaxBuffer <= SD_SASL_MAX_MAXBUF));
}

SECURITY_STATUS sd_sasl_read_input(PSecBufferDesc desc, sd_sasl_input *in)
{
    const SecBuffer *b;

    memset(in, 0, sizeof(*in));
    in->token.p = "";
    if (desc == NULL) {
        return SEC_E_OK;
    }
    if (desc->ulVersion != SECBUFFER_VERSION || desc->cBuffers < 1 ||
        desc->pBuffers == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    b = desc->pBuffers;
    if ((b[0].BufferType & ~SECBUFFER_ATTRMASK) != SECBUFFER_TOKEN ||
        (b[0].pvBuffer == NULL && b[0].cbBuffer > 0)) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (b[0].cbBuffer > 0) {
        in->token.p = b[0].pvBuffer;
        in->token.len = b[0].cbBuffer;
    }
    for (ULONG i = 1; i < desc->cBuffers; i++) {
        ULONG type = b[i].BufferType & ~SECBUFFER_ATTRMASK;

        if (type == SECBUFFER_SD_SASL_PARAMETERS) {
            const SD_SASL_PARAMETERS *sp = b[i].pvBuffer;

            if (in->params != NULL || sp == NULL ||
                b[i].cbBuffer != sizeof(*sp) || !params_ok(sp)) {
                return SEC_E_INVALID_PARAMETER;
            }
            in->params = sp;
        }
        else if (type != SECBUFFER_EMPTY) {
            return SEC_E_INVALID_PARAMETER;
        }
    }
    return SEC_E_OK;
}

apr_pool_t *sd_sasl_input_pool(const sd_sasl_input *in)
{
    return in->params != NULL ? in->params->Pool : NULL;
}

static apr_status_t sasl_cleanup(void *data)
{
    sd_sasl *s = data;

    sd_wipe(s->ha1, sizeof(s->ha1));
    sd_wipe(s->rspauth, sizeof(s->rspauth));
    return APR_SUCCESS;
}

sd_sasl *sd_sasl_attach(sd_ctx *ctx)
{
    if (ctx->sasl == NULL) {
        sd_sasl *s = apr_pcalloc(ctx->pool, sizeof(*s));

        s->step = SD_SASL_START;
        s->own_maxbuf = SD_SASL_DEFAULT_MAXBUF;
        s->peer_maxbuf = SD_SASL_DEFAULT_MAXBUF;
        /* the layer's cipher and MAC contexts, registered later, are
           freed before this runs (cleanups run in reverse order) */
        apr_pool_cleanup_register(ctx->pool, s, sasl_cleanup,
                                  apr_pool_cleanup_null);
        ctx->sasl = s;
    }
    return ctx->sasl;
}

ULONG sd_sasl_layer_attrs(ULONG qop, bool server)
{
    ULONG a = 0;

    if (qop == SD_QOP_AUTH_INT || qop == SD_QOP_AUTH_CONF) {
        a |= server ? ASC_RET_INTEGRITY | ASC_RET_REPLAY_DETECT |
                          ASC_RET_SEQUENCE_DETECT
                    : ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT |
                          ISC_RET_SEQUENCE_DETECT;
    }
    if (qop == SD_QOP_AUTH_CONF) {
        a |= server ? ASC_RET_CONFIDENTIALITY : ISC_RET_CONFIDENTIALITY;
    }
    return a;
}

bool sd_sasl_query_handles(ULONG attribute)
{
    return attribute == SECPKG_ATTR_SIZES ||
           attribute == SECPKG_ATTR_STREAM_SIZES ||
           attribute == SECPKG_ATTR_SD_SASL;
}

/* A layer's sizes; all 0 without one. */
static void layer_sizes(const sd_sasl *s, size_t *sig, size_t *block,
                        size_t *trailer, size_t *max_message)
{
    const sd_sasl_layer *l = s->step == SD_SASL_DONE ? s->layer : NULL;

    *sig = l != NULL ? SD_SASL_TRAILER : 0;
    *block = l != NULL ? sd_sasl_layer_block(l) : 0;
    *trailer = l != NULL ? sd_sasl_layer_max_trailer(l) : 0;
    *max_message = l != NULL ? sd_sasl_layer_max_message(l) : 0;
}

static void put_string(const char *p, size_t len, bool present,
                       const SEC_CHAR **out, ULONG *out_len)
{
    *out = present ? p : NULL;
    *out_len = present ? (ULONG)len : 0;
}

SECURITY_STATUS sd_sasl_query(const sd_ctx *ctx, ULONG attribute, void *buf)
{
    const sd_sasl *s = ctx->sasl;
    size_t sig, block, trailer, max_message;

    layer_sizes(s, &sig, &block, &trailer, &max_message);
    if (attribute == SECPKG_ATTR_SIZES) {
        SecPkgContext_Sizes *z = buf;

        z->cbMaxToken = SD_MAX_TOKEN;
        z->cbMaxSignature = (ULONG)sig;
        z->cbBlockSize = (ULONG)block;
        z->cbSecurityTrailer = (ULONG)sig;
    }
    else if (attribute == SECPKG_ATTR_STREAM_SIZES) {
        SecPkgContext_StreamSizes *z = buf;

        z->cbHeader = 0;
        z->cbTrailer = (ULONG)trailer;
        z->cbMaximumMessage = (ULONG)max_message;
        z->cBuffers = 3;
        z->cbBlockSize = (ULONG)block;
    }
    else {
        SecPkgContext_SdSasl *z = buf;
        bool settled = s->step == SD_SASL_DONE ||
                       (!ctx->server && s->step == SD_SASL_RESPONDED);

        memset(z, 0, sizeof(*z));
        if (!settled) {
            return SEC_E_NO_CREDENTIALS;
        }
        z->Qop = s->qop;
        z->Cipher = s->cipher;
        put_string(s->realm, s->realm_len, true, &z->sRealm, &z->cbRealm);
        put_string(s->digest_uri, s->digest_uri_len, true, &z->sDigestUri,
                   &z->cbDigestUri);
        put_string(s->authzid, s->authzid_len, s->has_authzid, &z->sAuthzid,
                   &z->cbAuthzid);
        z->PeerMaxBuffer = s->peer_maxbuf;
    }
    return SEC_E_OK;
}
