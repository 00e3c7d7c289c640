/*
 * sasl.h: the SASL mode of a context (RFC 2831 DIGEST-MD5): what the
 * exchange offered and settled, and the entry points api.c hands SASL
 * calls to: sasl_server.c (AcceptSecurityContext), sasl_client.c
 * (InitializeSecurityContext), sasl_message.c (the four message
 * functions) and sasl.c (input buffers, state, attributes).  Argument and
 * handle checks belong to api.c.
 */
#ifndef SD_SASL_H
#define SD_SASL_H

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "output.h"
#include "params.h"
#include "sasl_cipher.h"

typedef enum {
    SD_SASL_START,           /* nothing exchanged yet */
    SD_SASL_CHALLENGED,      /* server: challenge sent */
    SD_SASL_AWAIT_CHALLENGE, /* client: told the caller to fetch it */
    SD_SASL_RESPONDED,       /* client: response sent, rspauth due */
    SD_SASL_DONE,            /* established */
    SD_SASL_FAILED           /* refused: the context takes no more */
} sd_sasl_step;

typedef struct sd_sasl_layer sd_sasl_layer;

typedef struct sd_sasl {
    sd_sasl_step step;
    /* server: what the challenge offered */
    ULONG qops_offered;
    ULONG ciphers_offered;
    char nonce[SD_MAX_VALUE];
    size_t nonce_len;
    /* what was settled (server: on SEC_E_OK; client: with the response) */
    ULONG qop;
    ULONG cipher;
    char realm[SD_MAX_REALM];
    size_t realm_len;
    char digest_uri[SD_SASL_MAX_URI];
    size_t digest_uri_len;
    char authzid[SD_MAX_USERNAME];
    size_t authzid_len;
    bool has_authzid;
    uint32_t own_maxbuf;
    uint32_t peer_maxbuf;
    /* client, between response and rspauth: secrets, wiped */
    unsigned char ha1[SD_SASL_KEY_LEN];
    unsigned char rspauth[SD_SASL_KEY_LEN];
    /* once established with auth-int or auth-conf */
    sd_sasl_layer *layer;
} sd_sasl;

/* The input of a SASL call (sspi.h, "SASL mode"). */
typedef struct {
    sd_view token;
    const SD_SASL_PARAMETERS *params; /* NULL: none given */
} sd_sasl_input;

/* Reads pInput (may be NULL); SEC_E_OK or SEC_E_INVALID_PARAMETER. */
SECURITY_STATUS sd_sasl_read_input(PSecBufferDesc desc, sd_sasl_input *in);

/* The pool a new server context of this call goes in (NULL: global). */
apr_pool_t *sd_sasl_input_pool(const sd_sasl_input *in);

/* ctx's SASL state, made (and registered for wiping) on first use; NULL
   when out of memory. */
sd_sasl *sd_sasl_attach(sd_ctx *ctx);

/* One AcceptSecurityContext / InitializeSecurityContext call in SASL mode
   on ctx (new or not); statuses as in sspi.h. */
SECURITY_STATUS sd_sasl_accept(sd_ctx *ctx, const sd_sasl_input *in, ULONG req,
                               sd_output *out, ULONG *attrs);
SECURITY_STATUS sd_sasl_initialize(sd_ctx *ctx, const SEC_CHAR *target,
                                   const sd_sasl_input *in, ULONG req,
                                   sd_output *out, ULONG *attrs);

/* The context attributes of SASL contexts (sspi.h): whether attribute is
   one sd_sasl_query answers for a SASL context, and the answer. */
bool sd_sasl_query_handles(ULONG attribute);
SECURITY_STATUS sd_sasl_query(const sd_ctx *ctx, ULONG attribute, void *buf);

/* The message functions, on an established SASL context. */
SECURITY_STATUS sd_sasl_make_signature(sd_sasl *s, ULONG qop,
                                       PSecBufferDesc msg);
SECURITY_STATUS sd_sasl_verify_signature(sd_sasl *s, PSecBufferDesc msg,
                                         ULONG *qop);
SECURITY_STATUS sd_sasl_encrypt(sd_sasl *s, ULONG qop, PSecBufferDesc msg);
SECURITY_STATUS sd_sasl_decrypt(sd_sasl *s, PSecBufferDesc msg, ULONG *qop);

/* The ASC_RET_* / ISC_RET_* flags of a negotiated layer: INTEGRITY,
   REPLAY_DETECT and SEQUENCE_DETECT for auth-int and auth-conf, plus
   CONFIDENTIALITY for auth-conf (the ASC and ISC bits differ). */
ULONG sd_sasl_layer_attrs(ULONG qop, bool server);

#endif
