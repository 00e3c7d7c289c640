/*
 * api.c: the SSPI entry points.  Each checks its arguments, handles and
 * flags, then hands over to cred.c, accept.c or initialize.c; none holds
 * protocol logic.  A context made by a call that then fails on a caller
 * error is destroyed before returning, so no handle leaks.
 */
#include <string.h>
#include <strings.h>

#include "accept.h"
#include "context.h"
#include "cred.h"
#include "ctxbuf.h"
#include "initialize.h"
#include "sasl.h"
#include "sspi.h"

/* FILETIME (100 ns since 1601) of the Unix epoch. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

static void set_max_time(PTimeStamp t)
{
    if (t != NULL) {
        t->LowPart = 0xFFFFFFFFU;
        t->HighPart = 0x7FFFFFFF;
    }
}

static void set_time(PTimeStamp t, apr_time_t when)
{
    int64_t ft = (int64_t)when * 10 + FILETIME_UNIX_EPOCH;

    t->LowPart = (ULONG)((uint64_t)ft & 0xFFFFFFFFU);
    t->HighPart = (LONG)(ft >> 32);
}

static bool package_known(const SEC_CHAR *name)
{
    return name != NULL && (strcasecmp(name, "WDigest") == 0 ||
                            strcasecmp(name, "Digest") == 0);
}

/* Statuses after which a context this call created is not kept. */
static bool is_caller_error(SECURITY_STATUS st)
{
    return st == SEC_E_INVALID_PARAMETER || st == SEC_E_INSUFFICIENT_MEMORY ||
           st == SEC_E_INTERNAL_ERROR || st == SEC_E_BUFFER_TOO_SMALL;
}

/* A context for a call that was given none, already published so that a
   failure can destroy it through its pool. */
static SECURITY_STATUS new_context(sd_cred *cred, apr_pool_t *parent,
                                   bool server, sd_ctx **ctx, SecHandle *h)
{
    SECURITY_STATUS st = sd_ctx_create(cred, parent, server, ctx);

    if (st == SEC_E_OK && (st = sd_ctx_publish(*ctx, h)) != SEC_E_OK) {
        sd_ctx_destroy(*ctx);
    }
    return st;
}

/* Hands a call's outcome to the caller.  A context the call created is
   kept only when `keep`; the expiry is set on SEC_E_OK only (the reference
   asks callers not to read it before). */
static SECURITY_STATUS finish_call(sd_ctx *ctx, SECURITY_STATUS st, bool keep,
                                   PCtxtHandle phContext,
                                   PCtxtHandle phNewContext,
                                   const SecHandle *fresh, ULONG attrs,
                                   PULONG pfContextAttr, PTimeStamp ptsExpiry)
{
    ctx->attrs = attrs;
    if (phContext == NULL) {
        if (!keep) {
            sd_ctx_destroy(ctx);
            return st;
        }
        *phNewContext = *fresh;
    }
    else if (phNewContext != NULL && phNewContext != phContext) {
        *phNewContext = *phContext;
    }
    *pfContextAttr = attrs;
    if (st == SEC_E_OK) {
        set_max_time(ptsExpiry);
    }
    return st;
}

SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandle(
    SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage, ULONG fCredentialUse,
    PLUID pvLogonID, PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    PVOID pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry)
{
    SECURITY_STATUS st;

    (void)pszPrincipal;
    (void)pvLogonID;
    if (phCredential == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (!package_known(pszPackage)) {
        return SEC_E_SECPKG_NOT_FOUND;
    }
    st = sd_cred_acquire(fCredentialUse, pAuthData, pGetKeyFn, pvGetKeyArgument,
                         phCredential);
    if (st == SEC_E_OK) {
        set_max_time(ptsExpiry);
    }
    return st;
}

SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential)
{
    return sd_cred_free(phCredential);
}

static SECURITY_STATUS check_accept_flags(ULONG req)
{
    /* Confidentiality is SASL only; delegation and DCE style have no
       meaning for Digest.  PROXY_BINDINGS: sd_accept_check_binding_flags. */
    if ((req & (ASC_REQ_DELEGATE | ASC_REQ_CONFIDENTIALITY |
                ASC_REQ_USE_DCE_STYLE)) ||
        ((req & ASC_REQ_DATAGRAM) && (req & ASC_REQ_CONNECTION))) {
        return SEC_E_SECURITY_QOS_FAILED;
    }
    return SEC_E_OK;
}

/* The server context of phContext for a call with cred. */
static SECURITY_STATUS accept_context(PCtxtHandle phContext, sd_cred *cred,
                                      sd_ctx **out)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL || !ctx->server) {
        return SEC_E_INVALID_HANDLE;
    }
    if (ctx->cred != cred) {
        return SEC_E_WRONG_CREDENTIAL_HANDLE;
    }
    if (ctx->state == SD_CTX_ESTABLISHED) {
        return STATUS_LOGON_FAILURE;
    }
    *out = ctx;
    return SEC_E_OK;
}

/* ---- SASL mode (sasl.h): the same steps, handed to sasl_*.c --------- */

/* Whether h names a SASL-mode context (a bad handle is left to the
   caller's checks). */
static bool is_sasl_context(PCtxtHandle h)
{
    sd_ctx *ctx = h != NULL ? sd_ctx_lookup(h) : NULL;

    return ctx != NULL && ctx->sasl != NULL;
}

/* Flags SASL mode cannot honour; confidentiality is its own. */
static SECURITY_STATUS check_sasl_flags(ULONG req, ULONG refused)
{
    if ((req & refused) ||
        ((req & ASC_REQ_DATAGRAM) && (req & ASC_REQ_CONNECTION))) {
        return SEC_E_SECURITY_QOS_FAILED;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS accept_sasl(sd_cred *cred, PCtxtHandle phContext,
                                   PSecBufferDesc pInput, ULONG fContextReq,
                                   PCtxtHandle phNewContext,
                                   PSecBufferDesc pOutput, PULONG pfContextAttr,
                                   PTimeStamp ptsExpiry)
{
    sd_ctx *ctx = NULL;
    sd_sasl_input in;
    sd_output out;
    SecHandle fresh;
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if ((phContext != NULL &&
         (st = accept_context(phContext, cred, &ctx)) != SEC_E_OK) ||
        (st = check_sasl_flags(fContextReq,
                               ASC_REQ_DELEGATE | ASC_REQ_PROXY_BINDINGS |
                                   ASC_REQ_USE_DCE_STYLE)) != SEC_E_OK ||
        (st = sd_sasl_read_input(pInput, &in)) != SEC_E_OK ||
        (st = sd_output_open(&out, pOutput,
                             fContextReq & ASC_REQ_ALLOCATE_MEMORY)) !=
            SEC_E_OK) {
        return st;
    }
    if ((fContextReq & ASC_REQ_HTTP) || (ctx != NULL && ctx->sasl == NULL)) {
        return SEC_E_INVALID_PARAMETER; /* one context, two modes */
    }
    if (ctx == NULL && (st = new_context(cred, sd_sasl_input_pool(&in), true,
                                         &ctx, &fresh)) != SEC_E_OK) {
        return st;
    }
    ctx->req = fContextReq;
    st = sd_sasl_accept(ctx, &in, fContextReq, &out, &attrs);
    return finish_call(ctx, st, !is_caller_error(st), phContext, phNewContext,
                       &fresh, attrs, pfContextAttr, ptsExpiry);
}

static SECURITY_STATUS
initialize_sasl(sd_cred *cred, sd_ctx *ctx, SEC_CHAR *pszTargetName,
                ULONG fContextReq, PSecBufferDesc pInput, PCtxtHandle phContext,
                PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                PULONG pfContextAttr, PTimeStamp ptsExpiry)
{
    sd_sasl_input in;
    sd_output out;
    SecHandle fresh;
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if ((fContextReq & ISC_REQ_USE_HTTP_STYLE) ||
        (ctx != NULL && ctx->sasl == NULL)) {
        return SEC_E_INVALID_PARAMETER; /* one context, two modes */
    }
    if ((st = check_sasl_flags(fContextReq,
                               ISC_REQ_DELEGATE | ISC_REQ_USE_DCE_STYLE)) !=
            SEC_E_OK ||
        (st = sd_sasl_read_input(pInput, &in)) != SEC_E_OK ||
        (st = sd_output_open(&out, pOutput,
                             fContextReq & ISC_REQ_ALLOCATE_MEMORY)) !=
            SEC_E_OK) {
        return st;
    }
    if (ctx == NULL &&
        (st = new_context(cred, NULL, false, &ctx, &fresh)) != SEC_E_OK) {
        return st;
    }
    ctx->req = fContextReq;
    st = sd_sasl_initialize(ctx, pszTargetName, &in, fContextReq, &out, &attrs);
    if (out.allocated) {
        attrs |= ISC_RET_ALLOCATED_MEMORY;
    }
    sd_output_finish(&out);
    return finish_call(ctx, st, SEC_SUCCESS(st), phContext, phNewContext,
                       &fresh, attrs, pfContextAttr, ptsExpiry);
}

SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, PULONG pfContextAttr, PTimeStamp ptsExpiry)
{
    sd_cred *cred;
    sd_ctx *ctx = NULL;
    sd_accept_input in;
    sd_output out;
    SecHandle fresh;
    ULONG attrs = 0;
    SECURITY_STATUS st;

    (void)TargetDataRep;
    if (pfContextAttr == NULL || (phContext == NULL && phNewContext == NULL)) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (phCredential == NULL) {
        return SEC_E_NO_CREDENTIALS;
    }
    if ((cred = sd_cred_lookup(phCredential)) == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    if (cred->use != SECPKG_CRED_INBOUND) {
        return SEC_E_NO_CREDENTIALS;
    }
    if (!(fContextReq & ASC_REQ_HTTP) || is_sasl_context(phContext)) {
        return accept_sasl(cred, phContext, pInput, fContextReq, phNewContext,
                           pOutput, pfContextAttr, ptsExpiry);
    }
    if ((phContext != NULL &&
         (st = accept_context(phContext, cred, &ctx)) != SEC_E_OK) ||
        (st = check_accept_flags(fContextReq)) != SEC_E_OK ||
        (st = sd_accept_read_input(pInput, &in)) != SEC_E_OK ||
        (st = sd_accept_check_binding_flags(fContextReq, &in)) != SEC_E_OK ||
        (st = sd_output_open(&out, pOutput,
                             fContextReq & ASC_REQ_ALLOCATE_MEMORY)) !=
            SEC_E_OK) {
        return st;
    }
    if (ctx == NULL &&
        (st = new_context(cred, in.parent, true, &ctx, &fresh)) != SEC_E_OK) {
        return st;
    }
    ctx->req = fContextReq;
    st = sd_accept(ctx, &in, fContextReq, false, &out, &attrs);
    return finish_call(ctx, st, !is_caller_error(st), phContext, phNewContext,
                       &fresh, attrs, pfContextAttr, ptsExpiry);
}

SECURITY_STATUS SEC_ENTRY InitializeSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, PULONG pfContextAttr, PTimeStamp ptsExpiry)
{
    sd_cred *cred;
    sd_ctx *ctx = NULL;
    sd_initialize_input in;
    sd_output out;
    SecHandle fresh;
    ULONG attrs = 0;
    SECURITY_STATUS st;

    (void)Reserved1;
    (void)TargetDataRep;
    (void)Reserved2;
    if (pfContextAttr == NULL || (phContext == NULL && phNewContext == NULL)) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (phContext != NULL) {
        ctx = sd_ctx_lookup(phContext);
        if (ctx == NULL || ctx->server) {
            return SEC_E_INVALID_HANDLE;
        }
        cred = ctx->cred; /* Windows reads phCredential on the first call */
    }
    else if (phCredential == NULL) {
        return SEC_E_NO_CREDENTIALS;
    }
    else if ((cred = sd_cred_lookup(phCredential)) == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    if (cred->use != SECPKG_CRED_OUTBOUND) {
        return SEC_E_NO_CREDENTIALS;
    }
    if (!(fContextReq & ISC_REQ_USE_HTTP_STYLE) ||
        (ctx != NULL && ctx->sasl != NULL)) {
        return initialize_sasl(cred, ctx, pszTargetName, fContextReq, pInput,
                               phContext, phNewContext, pOutput, pfContextAttr,
                               ptsExpiry);
    }
    if (fContextReq &
        (ISC_REQ_DELEGATE | ISC_REQ_CONFIDENTIALITY | ISC_REQ_USE_DCE_STYLE)) {
        return SEC_E_SECURITY_QOS_FAILED;
    }
    if ((st = sd_initialize_read_input(pszTargetName, pInput, &in)) !=
            SEC_E_OK ||
        (st = sd_output_open(&out, pOutput,
                             fContextReq & ISC_REQ_ALLOCATE_MEMORY)) !=
            SEC_E_OK) {
        return st;
    }
    if (ctx == NULL &&
        (st = new_context(cred, NULL, false, &ctx, &fresh)) != SEC_E_OK) {
        return st;
    }
    ctx->req = fContextReq;
    st = sd_initialize(ctx, &in, fContextReq, &out, &attrs);
    if (out.allocated) {
        attrs |= ISC_RET_ALLOCATED_MEMORY;
    }
    sd_output_finish(&out);
    return finish_call(ctx, st, SEC_SUCCESS(st), phContext, phNewContext,
                       &fresh, attrs, pfContextAttr, ptsExpiry);
}

SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext,
                                            PSecBufferDesc pToken)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);
    sd_accept_input in;
    sd_output discard;
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if (ctx == NULL || !ctx->server) {
        return SEC_E_INVALID_HANDLE;
    }
    if (ctx->sasl != NULL) {
        return SEC_E_UNSUPPORTED_FUNCTION; /* no CompleteAuthToken in SASL */
    }
    if ((st = sd_accept_read_input(pToken, &in)) != SEC_E_OK) {
        return st;
    }
    if (ctx->state == SD_CTX_NEW) {
        ctx->reason = "nothing to complete";
        return SEC_I_RENEGOTIATE;
    }
    if (!sd_accept_same_scope(ctx, &in)) {
        ctx->reason = "request is of another scope than the context";
        return SEC_I_RENEGOTIATE;
    }
    sd_output_open(&discard, NULL, false);
    st = sd_accept(ctx, &in, ctx->req, ctx->state == SD_CTX_ESTABLISHED,
                   &discard, &attrs);
    ctx->attrs = attrs;
    return st;
}

SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    sd_ctx_destroy(ctx);
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
    if (pvContextBuffer == NULL) {
        return SEC_E_OK;
    }
    return sd_ctxbuf_free(pvContextBuffer) ? SEC_E_OK : SEC_E_INVALID_HANDLE;
}

static SECURITY_STATUS query_names(sd_ctx *ctx, PVOID buf)
{
    SecPkgContext_Names *names = buf;

    if (ctx->server) {
        if (ctx->state != SD_CTX_ESTABLISHED) {
            return SEC_E_NO_CREDENTIALS;
        }
        names->sUserName = ctx->user;
    }
    else {
        names->sUserName = ctx->cred->user_name;
    }
    return SEC_E_OK;
}

/* The service-name of the last response (sspi.h, "Channel bindings"). */
static SECURITY_STATUS query_client_target(sd_ctx *ctx, PVOID buf)
{
    if (!ctx->server) {
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    if (!ctx->has_target) {
        return SEC_E_TARGET_UNKNOWN;
    }
    ((SecPkgContext_ClientSpecifiedTarget *)buf)->sTargetName = ctx->target;
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY QueryContextAttributes(PCtxtHandle phContext,
                                                 ULONG ulAttribute,
                                                 PVOID pBuffer)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    if (pBuffer == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (ctx->sasl != NULL && sd_sasl_query_handles(ulAttribute)) {
        return sd_sasl_query(ctx, ulAttribute, pBuffer);
    }
    switch (ulAttribute) {
    case SECPKG_ATTR_NAMES:
        return query_names(ctx, pBuffer);
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *l = pBuffer;

        set_time(&l->tsStart, ctx->created);
        set_max_time(&l->tsExpiry);
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SIZES: {
        SecPkgContext_Sizes *s = pBuffer;

        memset(s, 0, sizeof(*s));
        s->cbMaxToken = SD_MAX_TOKEN;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SD_REASON:
        ((SecPkgContext_SdReason *)pBuffer)->sReason =
            ctx->reason ? ctx->reason : "none";
        return SEC_E_OK;
    case SECPKG_ATTR_SD_DIGEST: {
        SecPkgContext_SdDigest *d = pBuffer;

        d->Algorithm = ctx->last_alg;
        d->Qop = ctx->last_qop;
        d->sUserName = ctx->sent_user;
        d->cbUserName = (ULONG)ctx->sent_user_len;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SD_AUTHENTICATION_INFO: {
        SecPkgContext_SdAuthenticationInfo *a = pBuffer;

        a->sAuthInfo = ctx->auth_info;
        a->cbAuthInfo = (ULONG)ctx->auth_info_len;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET:
        return query_client_target(ctx, pBuffer);
    default:
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
}

SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext,
                                                    PVOID *Token)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    if (Token == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (!ctx->server || ctx->state != SD_CTX_ESTABLISHED) {
        return SEC_E_NO_IMPERSONATION;
    }
    *Token = ctx->user;
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext)
{
    (void)phContext;
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext)
{
    (void)phContext;
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfo(SEC_CHAR *pszPackageName,
                                                   PSecPkgInfo *ppPackageInfo)
{
    static const char name[] = "WDigest";
    static const char comment[] = "Digest (RFC 7616) on APR and OpenSSL";
    SecPkgInfo *info;
    char *strings;

    if (!package_known(pszPackageName)) {
        return SEC_E_SECPKG_NOT_FOUND;
    }
    if (ppPackageInfo == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    info = sd_ctxbuf_alloc(sizeof(*info) + sizeof(name) + sizeof(comment));
    if (info == NULL) {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    strings = (char *)(info + 1);
    memcpy(strings, name, sizeof(name));
    memcpy(strings + sizeof(name), comment, sizeof(comment));
    info->fCapabilities = SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MUTUAL_AUTH |
                          SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY;
    info->wVersion = 1;
    info->wRPCID = RPC_C_AUTHN_DIGEST;
    info->cbMaxToken = SD_MAX_TOKEN;
    info->Name = strings;
    info->Comment = strings + sizeof(name);
    *ppPackageInfo = info;
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY SdHashEntityBody(PCtxtHandle phContext,
                                           const void *pvBody, size_t cbBody,
                                           SEC_CHAR *pszHex, ULONG cchHex)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL || !ctx->server) {
        return SEC_E_INVALID_HANDLE;
    }
    if (ctx->sasl != NULL) {
        return SEC_E_UNSUPPORTED_FUNCTION; /* no entity body in SASL */
    }
    if (pszHex == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    return sd_accept_hash_entity(ctx, pvBody, cbBody, pszHex, cchHex);
}

/* ---- the message functions: SASL contexts only (sasl_message.c) ------ */

static SECURITY_STATUS message_context(PCtxtHandle phContext, sd_sasl **out)
{
    sd_ctx *ctx = sd_ctx_lookup(phContext);

    if (ctx == NULL) {
        return SEC_E_INVALID_HANDLE;
    }
    if (ctx->sasl == NULL) {
        return SEC_E_UNSUPPORTED_FUNCTION; /* HTTP mode signs nothing */
    }
    *out = ctx->sasl;
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                        PSecBufferDesc pMessage,
                                        ULONG MessageSeqNo)
{
    sd_sasl *s;
    SECURITY_STATUS st = message_context(phContext, &s);

    (void)MessageSeqNo; /* the package counts (sspi.h) */
    return st == SEC_E_OK ? sd_sasl_make_signature(s, fQOP, pMessage) : st;
}

SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext,
                                          PSecBufferDesc pMessage,
                                          ULONG MessageSeqNo, PULONG pfQOP)
{
    sd_sasl *s;
    SECURITY_STATUS st = message_context(phContext, &s);

    (void)MessageSeqNo;
    return st == SEC_E_OK ? sd_sasl_verify_signature(s, pMessage, pfQOP) : st;
}

SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                         PSecBufferDesc pMessage,
                                         ULONG MessageSeqNo)
{
    sd_sasl *s;
    SECURITY_STATUS st = message_context(phContext, &s);

    (void)MessageSeqNo;
    return st == SEC_E_OK ? sd_sasl_encrypt(s, fQOP, pMessage) : st;
}

SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext,
                                         PSecBufferDesc pMessage,
                                         ULONG MessageSeqNo, PULONG pfQOP)
{
    sd_sasl *s;
    SECURITY_STATUS st = message_context(phContext, &s);

    (void)MessageSeqNo;
    return st == SEC_E_OK ? sd_sasl_decrypt(s, pMessage, pfQOP) : st;
}

SECURITY_STATUS SEC_ENTRY SdSaslCiphers(PULONG pfCiphers,
                                        const SEC_CHAR **ppszReason)
{
    sd_sasl_crypto *c = sd_sasl_crypto_get();

    if (pfCiphers == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    *pfCiphers = sd_sasl_crypto_ciphers(c);
    if (ppszReason != NULL) {
        *ppszReason = sd_sasl_crypto_reason(c);
    }
    return SEC_E_OK;
}
