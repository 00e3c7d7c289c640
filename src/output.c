/*
 * output.c: reserve-then-commit writes into an output SecBuffer.
 */
#include "output.h"

#include <string.h>

#include "ctxbuf.h"

SECURITY_STATUS sd_output_open(sd_output *o, PSecBufferDesc desc, bool allocate)
{
    memset(o, 0, sizeof(*o));
    o->allocate = allocate;
    if (desc == NULL) {
        return SEC_E_OK;
    }
    if (desc->ulVersion != SECBUFFER_VERSION || desc->cBuffers < 1 ||
        desc->pBuffers == NULL ||
        (desc->pBuffers[0].BufferType & ~SECBUFFER_ATTRMASK) !=
            SECBUFFER_TOKEN ||
        (!allocate && desc->pBuffers[0].pvBuffer == NULL &&
         desc->pBuffers[0].cbBuffer > 0)) {
        return SEC_E_INVALID_PARAMETER;
    }
    o->buf = &desc->pBuffers[0];
    return SEC_E_OK;
}

SECURITY_STATUS sd_output_reserve(sd_output *o, size_t len)
{
    sd_output_abandon(o);
    if (o->buf == NULL || len == 0) {
        return SEC_E_OK;
    }
    if (!o->allocate) {
        return len > o->buf->cbBuffer ? SEC_E_BUFFER_TOO_SMALL : SEC_E_OK;
    }
    if (len > UINT32_MAX) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    o->reserved = sd_ctxbuf_alloc(len);
    if (o->reserved == NULL) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    o->reserved_len = len;
    return SEC_E_OK;
}

void sd_output_commit(sd_output *o, const char *data, size_t len)
{
    if (o->buf == NULL) {
        return;
    }
    if (o->allocate) {
        /* len == reserved_len: reserve was called with the same length */
        if (o->reserved != NULL) {
            memcpy(o->reserved, data, len);
        }
        o->buf->pvBuffer = o->reserved;
        o->allocated = o->reserved != NULL;
        o->reserved = NULL;
    }
    else if (len > 0) {
        memcpy(o->buf->pvBuffer, data, len);
    }
    o->buf->cbBuffer = (ULONG)len;
    o->committed = true;
}

void sd_output_abandon(sd_output *o)
{
    if (o->reserved != NULL) {
        sd_ctxbuf_free(o->reserved);
        o->reserved = NULL;
    }
}

void sd_output_finish(sd_output *o)
{
    sd_output_abandon(o);
    if (o->buf != NULL && !o->committed) {
        o->buf->cbBuffer = 0;
        if (o->allocate) {
            o->buf->pvBuffer = NULL;
        }
    }
}
