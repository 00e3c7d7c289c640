/*
 * initialize.h: the client side of HTTP Digest: answering challenges,
 * following nonce counts and nextnonce, and checking rspauth, for
 * InitializeSecurityContext.  Argument and handle checks belong to api.c.
 */
#ifndef SD_INITIALIZE_H
#define SD_INITIALIZE_H

#include "context.h"
#include "output.h"
#include "params.h"

typedef struct {
    sd_view token;
    sd_view method;
    sd_view uri;
    sd_view entity_hex;  /* buffer 2 as SECBUFFER_PKG_PARAMS */
    sd_view entity_body; /* buffer 2 as SECBUFFER_DATA */
    bool has_entity_body;
    /* channel bindings (sspi.h, "Channel bindings"): p NULL when absent */
    sd_view service;  /* SECBUFFER_TARGET_HOST */
    sd_view bindings; /* SECBUFFER_CHANNEL_BINDINGS, checked */
} sd_initialize_input;

/* Reads pszTargetName and pInput; SEC_E_OK or SEC_E_INVALID_PARAMETER. */
SECURITY_STATUS sd_initialize_read_input(const SEC_CHAR *target,
                                         PSecBufferDesc desc,
                                         sd_initialize_input *in);

/* One InitializeSecurityContext call on ctx (new or not). */
SECURITY_STATUS sd_initialize(sd_ctx *ctx, const sd_initialize_input *in,
                              ULONG req, sd_output *out, ULONG *attrs);

#endif
