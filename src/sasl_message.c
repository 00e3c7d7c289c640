/*
 * sasl_message.c: MakeSignature, VerifySignature, EncryptMessage and
 * DecryptMessage on a SASL context: which buffer holds what (sspi.h,
 * "SASL mode").  Every buffer is checked, and every output sized, before
 * a sequence number is taken or an octet written; then sasl_layer.c does
 * the work on flat octets.
 */
#include "sasl.h"

#include <string.h>

#include "sasl_layer.h"

#define MAX_BUFFERS 16

/* A descriptor's buffers by type. */
typedef struct {
    SecBuffer *data[MAX_BUFFERS];
    size_t ndata;
    SecBuffer *token;
    SecBuffer *padding;
    SecBuffer *stream;
} buffers;

static bool take_one(SecBuffer **slot, SecBuffer *b)
{
    if (*slot != NULL) {
        return false;
    }
    *slot = b;
    return true;
}

static SECURITY_STATUS sort_buffers(PSecBufferDesc desc, buffers *b)
{
    memset(b, 0, sizeof(*b));
    if (desc == NULL || desc->ulVersion != SECBUFFER_VERSION ||
        desc->cBuffers == 0 || desc->cBuffers > MAX_BUFFERS ||
        desc->pBuffers == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *sb = &desc->pBuffers[i];
        bool ok = true;

        if (sb->pvBuffer == NULL && sb->cbBuffer > 0) {
            return SEC_E_INVALID_PARAMETER;
        }
        switch (sb->BufferType & ~SECBUFFER_ATTRMASK) {
        case SECBUFFER_DATA:
            b->data[b->ndata++] = sb;
            break;
        case SECBUFFER_TOKEN:
            ok = take_one(&b->token, sb);
            break;
        case SECBUFFER_PADDING:
            ok = take_one(&b->padding, sb);
            break;
        case SECBUFFER_STREAM:
            ok = take_one(&b->stream, sb);
            break;
        case SECBUFFER_EMPTY:
            break;
        default:
            ok = false;
        }
        if (!ok) {
            return SEC_E_INVALID_PARAMETER;
        }
    }
    return SEC_E_OK;
}

static bool read_only(const SecBuffer *b)
{
    return (b->BufferType & SECBUFFER_READONLY) != 0;
}

/* The layer of an established context, if its qop is one of `qops`. */
static SECURITY_STATUS layer_of(const sd_sasl *s, ULONG qops, sd_sasl_layer **l)
{
    if (s->step != SD_SASL_DONE || s->layer == NULL ||
        (sd_sasl_layer_qop(s->layer) & qops) == 0) {
        return SEC_E_QOP_NOT_SUPPORTED;
    }
    *l = s->layer;
    return SEC_E_OK;
}

SECURITY_STATUS sd_sasl_make_signature(sd_sasl *s, ULONG qop,
                                       PSecBufferDesc msg)
{
    sd_sasl_piece pieces[MAX_BUFFERS];
    unsigned char trailer[SD_SASL_TRAILER];
    sd_sasl_layer *l;
    buffers b;
    size_t total = 0;
    SECURITY_STATUS st;

    if ((st = layer_of(s, SD_QOP_AUTH_INT, &l)) != SEC_E_OK) {
        return st;
    }
    if (qop != 0) {
        return SEC_E_QOP_NOT_SUPPORTED;
    }
    if ((st = sort_buffers(msg, &b)) != SEC_E_OK) {
        return st;
    }
    if (b.ndata == 0 || b.token == NULL || b.padding != NULL ||
        b.stream != NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    for (size_t i = 0; i < b.ndata; i++) {
        pieces[i].p = b.data[i]->pvBuffer;
        pieces[i].len = b.data[i]->cbBuffer;
        total += pieces[i].len;
    }
    if (total > sd_sasl_layer_max_message(l)) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (b.token->cbBuffer < SD_SASL_TRAILER) {
        return SEC_E_BUFFER_TOO_SMALL;
    }
    if ((st = sd_sasl_layer_sign(l, pieces, b.ndata, trailer)) != SEC_E_OK) {
        return st;
    }
    memcpy(b.token->pvBuffer, trailer, SD_SASL_TRAILER);
    b.token->cbBuffer = SD_SASL_TRAILER;
    return SEC_E_OK;
}

/* The whole message of the stream form (one STREAM, one DATA for the
   result) or of a single DATA buffer; NULL when the buffers are neither. */
static SecBuffer *whole_message(const buffers *b)
{
    if (b->token != NULL || b->padding != NULL || b->ndata != 1) {
        return NULL;
    }
    return b->stream != NULL ? b->stream : b->data[0];
}

/* Points the result DATA buffer at the message, inside the stream or in
   place. */
static void set_result(const buffers *b, size_t len)
{
    if (b->stream != NULL) {
        b->data[0]->pvBuffer = b->stream->pvBuffer;
    }
    b->data[0]->cbBuffer = (ULONG)len;
}

/* A whole auth-int message: the message, then the MAC block. */
static SECURITY_STATUS verify_whole(sd_sasl_layer *l, const SecBuffer *m,
                                    size_t *len)
{
    const unsigned char *p = m->pvBuffer;
    sd_sasl_piece piece;
    SECURITY_STATUS st;

    if (m->cbBuffer < SD_SASL_TRAILER) {
        return SEC_E_INCOMPLETE_MESSAGE;
    }
    piece.p = p;
    piece.len = m->cbBuffer - SD_SASL_TRAILER;
    st = sd_sasl_layer_verify(l, &piece, 1, p + piece.len);
    *len = piece.len;
    return st;
}

SECURITY_STATUS sd_sasl_verify_signature(sd_sasl *s, PSecBufferDesc msg,
                                         ULONG *qop)
{
    sd_sasl_piece pieces[MAX_BUFFERS];
    sd_sasl_layer *l;
    const SecBuffer *m;
    buffers b;
    size_t len = 0;
    SECURITY_STATUS st;

    if ((st = layer_of(s, SD_QOP_AUTH_INT, &l)) != SEC_E_OK ||
        (st = sort_buffers(msg, &b)) != SEC_E_OK) {
        return st;
    }
    if (b.stream != NULL) {
        if ((m = whole_message(&b)) == NULL) {
            return SEC_E_INVALID_PARAMETER;
        }
        if ((st = sd_sasl_layer_receiving(l)) != SEC_E_OK ||
            (st = verify_whole(l, m, &len)) != SEC_E_OK) {
            return st;
        }
        set_result(&b, len);
    }
    else {
        if (b.ndata == 0 || b.token == NULL || b.padding != NULL) {
            return SEC_E_INVALID_PARAMETER;
        }
        if ((st = sd_sasl_layer_receiving(l)) != SEC_E_OK) {
            return st;
        }
        if (b.token->cbBuffer != SD_SASL_TRAILER) {
            return b.token->cbBuffer < SD_SASL_TRAILER
                       ? SEC_E_INCOMPLETE_MESSAGE
                       : SEC_E_INVALID_TOKEN;
        }
        for (size_t i = 0; i < b.ndata; i++) {
            pieces[i].p = b.data[i]->pvBuffer;
            pieces[i].len = b.data[i]->cbBuffer;
        }
        st = sd_sasl_layer_verify(l, pieces, b.ndata, b.token->pvBuffer);
        if (st != SEC_E_OK) {
            return st;
        }
    }
    if (qop != NULL) {
        *qop = 0;
    }
    return SEC_E_OK;
}

/* Where EncryptMessage's output goes: padding and trailer, or (the
   Windows Digest form) all of it in PADDING. */
static SECURITY_STATUS check_seal_outputs(const buffers *b, size_t npad)
{
    if (b->token != NULL) {
        if (npad > 0 && b->padding == NULL) {
            return SEC_E_INVALID_PARAMETER;
        }
        if (b->token->cbBuffer < SD_SASL_TRAILER ||
            (npad > 0 && b->padding->cbBuffer < npad)) {
            return SEC_E_BUFFER_TOO_SMALL;
        }
        return SEC_E_OK;
    }
    if (b->padding == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    return b->padding->cbBuffer < npad + SD_SASL_TRAILER
               ? SEC_E_BUFFER_TOO_SMALL
               : SEC_E_OK;
}

static void put_seal_outputs(const buffers *b, const unsigned char *pad,
                             size_t npad,
                             const unsigned char trailer[SD_SASL_TRAILER])
{
    unsigned char *p;

    if (b->token != NULL) {
        if (b->padding != NULL) {
            if (npad > 0) {
                memcpy(b->padding->pvBuffer, pad, npad);
            }
            b->padding->cbBuffer = (ULONG)npad;
        }
        memcpy(b->token->pvBuffer, trailer, SD_SASL_TRAILER);
        b->token->cbBuffer = SD_SASL_TRAILER;
        return;
    }
    p = b->padding->pvBuffer;
    memcpy(p, pad, npad);
    memcpy(p + npad, trailer, SD_SASL_TRAILER);
    b->padding->cbBuffer = (ULONG)(npad + SD_SASL_TRAILER);
}

SECURITY_STATUS sd_sasl_encrypt(sd_sasl *s, ULONG qop, PSecBufferDesc msg)
{
    unsigned char trailer[SD_SASL_TRAILER];
    unsigned char pad[8];
    unsigned char none[1]; /* stands for an empty message's NULL */
    unsigned char *text;
    sd_sasl_layer *l;
    sd_sasl_piece piece;
    SecBuffer *data;
    buffers b;
    size_t npad;
    bool seal;
    SECURITY_STATUS st;

    if ((st = layer_of(s, SD_QOP_AUTH_INT | SD_QOP_AUTH_CONF, &l)) !=
        SEC_E_OK) {
        return st;
    }
    seal = sd_sasl_layer_qop(l) == SD_QOP_AUTH_CONF;
    if (seal ? qop != 0 : (qop != 0 && qop != SECQOP_WRAP_NO_ENCRYPT)) {
        return SEC_E_QOP_NOT_SUPPORTED;
    }
    if ((st = sort_buffers(msg, &b)) != SEC_E_OK) {
        return st;
    }
    if (b.ndata != 1 || b.stream != NULL || (seal && read_only(b.data[0]))) {
        return SEC_E_INVALID_PARAMETER;
    }
    data = b.data[0];
    if (data->cbBuffer > sd_sasl_layer_max_message(l)) {
        return SEC_E_INVALID_PARAMETER;
    }
    npad = seal ? sd_sasl_layer_padding(l, data->cbBuffer) : 0;
    if ((st = check_seal_outputs(&b, npad)) != SEC_E_OK) {
        return st;
    }
    text = data->cbBuffer > 0 ? data->pvBuffer : none;
    if (seal) {
        st = sd_sasl_layer_seal(l, text, data->cbBuffer, pad, trailer);
    }
    else {
        piece.p = text;
        piece.len = data->cbBuffer;
        st = sd_sasl_layer_sign(l, &piece, 1, trailer);
    }
    if (st == SEC_E_OK) {
        put_seal_outputs(&b, pad, npad, trailer);
    }
    return st;
}

SECURITY_STATUS sd_sasl_decrypt(sd_sasl *s, PSecBufferDesc msg, ULONG *qop)
{
    sd_sasl_layer *l;
    SecBuffer *m;
    buffers b;
    size_t len = 0;
    bool seal;
    SECURITY_STATUS st;

    if ((st = layer_of(s, SD_QOP_AUTH_INT | SD_QOP_AUTH_CONF, &l)) !=
            SEC_E_OK ||
        (st = sort_buffers(msg, &b)) != SEC_E_OK) {
        return st;
    }
    seal = sd_sasl_layer_qop(l) == SD_QOP_AUTH_CONF;
    if ((m = whole_message(&b)) == NULL || (seal && read_only(m))) {
        return SEC_E_INVALID_PARAMETER;
    }
    if ((st = sd_sasl_layer_receiving(l)) != SEC_E_OK) {
        return st;
    }
    st = seal ? sd_sasl_layer_unseal(l, m->pvBuffer, m->cbBuffer, &len)
              : verify_whole(l, m, &len);
    if (st != SEC_E_OK) {
        return st;
    }
    set_result(&b, len);
    if (qop != NULL) {
        *qop = seal ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    }
    return SEC_E_OK;
}
