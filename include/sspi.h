/*
 * sspi.h: the public API of libsspidigest, a portable re-implementation of
 * the Windows SSPI Digest security package ("WDigest") on APR and OpenSSL.
 *
 * Names, types, flags and status values follow the Windows SDK (Sspi.h,
 * winerror.h), so code written against Windows reads the same.  Our own
 * extensions carry the SD_ / Sd / SECPKG_ATTR_SD_ prefix.  Both modes of
 * the package are implemented: HTTP Digest (RFC 7616, RFC 2617, RFC 2069)
 * and the SASL mechanism DIGEST-MD5 (RFC 2831) with its integrity and
 * confidentiality layers (see "SASL mode" at the end).  Not implemented:
 * RFC 2831 §2.2 subsequent authentication, delegation, impersonation, and
 * (for now) channel-binding verification.
 *
 * ------------------------------------------------------------------------
 * Scope: what a result may be reused for
 * ------------------------------------------------------------------------
 * Every result is valid only for the configuration that produced it.  An
 * established context (the CompleteAuthToken fast path) is reused only by
 * a call with the same caller scope (SD_CALL_PARAMETERS), because it keeps
 * the key, policy and flags of its first verification.  A nonce is bound
 * to the secret and realm (its MAC), to the replay store that records its
 * counts (the store's generation) and to the lifetime its records are kept
 * for, so no verifier accepts it where its records do not live, or longer
 * than they live.  Details at SD_CALL_PARAMETERS and SD_NONCE_COUNT_STORE.
 *
 * ------------------------------------------------------------------------
 * Threads
 * ------------------------------------------------------------------------
 * The library needs apr_initialize() to have been called.  A credentials
 * handle is read-only once AcquireCredentialsHandle returns: any number of
 * threads may call AcceptSecurityContext / InitializeSecurityContext with it
 * at once, and verification takes no lock (the built-in replay store takes
 * one short striped lock per accepted nonce count).  A context handle must
 * be used by one thread at a time.  Handle creation and deletion take a
 * short process-wide lock; lookups do not.
 *
 * ------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------
 * Credentials and contexts live in APR pools of their own.  A context's
 * pool is a child of the pool named in an SD_CALL_PARAMETERS buffer (the
 * glue passes the connection's pool, so contexts die with connections) or
 * of APR's global pool.  DeleteSecurityContext destroys it; so does the
 * destruction of its parent, after which the handle is simply invalid.
 * Output buffers allocated under ASC_REQ_ALLOCATE_MEMORY /
 * ISC_REQ_ALLOCATE_MEMORY, and SecPkgInfo from QuerySecurityPackageInfo,
 * come from malloc with a checked header; free them with FreeContextBuffer,
 * which wipes them.  Everything else returned points into the context and
 * stays valid until the next call on that context.
 *
 * ------------------------------------------------------------------------
 * Two snags in the reference page, resolved
 * ------------------------------------------------------------------------
 * 1. The AcceptSecurityContext (Digest) page prints SEC_E_INVALID_HANDLE as
 *    0x80100003L; the Windows SDK (winerror.h) says 0x80090301L.  We use the
 *    SDK's value.
 * 2. ASC_REQ_HTTP is given as 0x10000000, the same bit as
 *    ASC_REQ_ALLOW_MISSING_BINDINGS.  Both names exist with that value.  In
 *    fContextReq of AcceptSecurityContext the bit selects HTTP mode, and
 *    means ALLOW_MISSING_BINDINGS too unless the call's SD_CALL_PARAMETERS
 *    carry SD_CALL_NO_MISSING_BINDINGS (see "Channel bindings").  Without
 *    the bit the call is in SASL mode.
 */
#ifndef SSPI_H
#define SSPI_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Windows base types, fixed width as on Windows (ULONG is 32 bits).        */
/* ---------------------------------------------------------------------- */

#define SEC_ENTRY
#define SEC_FAR

typedef int32_t LONG;
typedef uint32_t ULONG, *PULONG;
typedef uint16_t USHORT;
typedef unsigned char UCHAR, *PUCHAR;
typedef char SEC_CHAR;
typedef uintptr_t ULONG_PTR;
typedef void *PVOID;
typedef uint8_t BOOLEAN;
typedef LONG SECURITY_STATUS;

typedef struct _LUID {
    ULONG LowPart;
    LONG HighPart;
} LUID, *PLUID;

typedef struct _SecHandle {
    ULONG_PTR dwLower;
    ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;

typedef SecHandle CredHandle;
typedef PSecHandle PCredHandle;
typedef SecHandle CtxtHandle;
typedef PSecHandle PCtxtHandle;

#define SecInvalidateHandle(x)                                                 \
    ((PSecHandle)(x))->dwLower = ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)-1)
#define SecIsValidHandle(x)                                                    \
    ((((PSecHandle)(x))->dwLower != ((ULONG_PTR)-1)) &&                        \
     (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)-1)))

typedef struct _SECURITY_INTEGER {
    ULONG LowPart;
    LONG HighPart;
} SECURITY_INTEGER, *PSECURITY_INTEGER;

typedef SECURITY_INTEGER TimeStamp, *PTimeStamp;

/* ---------------------------------------------------------------------- */
/* Status values (winerror.h).                                              */
/* ---------------------------------------------------------------------- */

#define SEC_E_OK ((SECURITY_STATUS)0x00000000L)
#define SEC_E_INSUFFICIENT_MEMORY ((SECURITY_STATUS)0x80090300L)
#define SEC_E_INVALID_HANDLE ((SECURITY_STATUS)0x80090301L)
#define SEC_E_UNSUPPORTED_FUNCTION ((SECURITY_STATUS)0x80090302L)
#define SEC_E_TARGET_UNKNOWN ((SECURITY_STATUS)0x80090303L)
#define SEC_E_INTERNAL_ERROR ((SECURITY_STATUS)0x80090304L)
#define SEC_E_SECPKG_NOT_FOUND ((SECURITY_STATUS)0x80090305L)
#define SEC_E_NOT_OWNER ((SECURITY_STATUS)0x80090306L)
#define SEC_E_INVALID_TOKEN ((SECURITY_STATUS)0x80090308L)
#define SEC_E_QOP_NOT_SUPPORTED ((SECURITY_STATUS)0x8009030AL)
#define SEC_E_NO_IMPERSONATION ((SECURITY_STATUS)0x8009030BL)
#define SEC_E_LOGON_DENIED ((SECURITY_STATUS)0x8009030CL)
#define SEC_E_UNKNOWN_CREDENTIALS ((SECURITY_STATUS)0x8009030DL)
#define SEC_E_NO_CREDENTIALS ((SECURITY_STATUS)0x8009030EL)
#define SEC_E_MESSAGE_ALTERED ((SECURITY_STATUS)0x8009030FL)
#define SEC_E_OUT_OF_SEQUENCE ((SECURITY_STATUS)0x80090310L)
#define SEC_E_NO_AUTHENTICATING_AUTHORITY ((SECURITY_STATUS)0x80090311L)
#define SEC_I_CONTINUE_NEEDED ((SECURITY_STATUS)0x00090312L)
#define SEC_I_COMPLETE_NEEDED ((SECURITY_STATUS)0x00090313L)
#define SEC_I_COMPLETE_AND_CONTINUE ((SECURITY_STATUS)0x00090314L)
#define SEC_E_CONTEXT_EXPIRED ((SECURITY_STATUS)0x80090317L)
#define SEC_E_BUFFER_TOO_SMALL ((SECURITY_STATUS)0x80090321L)
#define SEC_I_RENEGOTIATE ((SECURITY_STATUS)0x00090321L)
#define SEC_E_WRONG_PRINCIPAL ((SECURITY_STATUS)0x80090322L)
#define SEC_E_ALGORITHM_MISMATCH ((SECURITY_STATUS)0x80090331L)
#define SEC_E_SECURITY_QOS_FAILED ((SECURITY_STATUS)0x80090332L)
#define SEC_E_WRONG_CREDENTIAL_HANDLE ((SECURITY_STATUS)0x80090336L)
#define SEC_E_BAD_BINDINGS ((SECURITY_STATUS)0x80090346L)
#define SEC_E_INVALID_PARAMETER ((SECURITY_STATUS)0x8009035DL)
#define SEC_E_MUTUAL_AUTH_FAILED ((SECURITY_STATUS)0x80090363L)
#define STATUS_LOGON_FAILURE ((SECURITY_STATUS)0xC000006DL)

/* True for success and informational statuses. */
#define SEC_SUCCESS(Status) ((Status) >= 0)

/* ---------------------------------------------------------------------- */
/* Buffers.                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct _SecBuffer {
    ULONG cbBuffer;
    ULONG BufferType;
    PVOID pvBuffer;
} SecBuffer, *PSecBuffer;

typedef struct _SecBufferDesc {
    ULONG ulVersion;
    ULONG cBuffers;
    PSecBuffer pBuffers;
} SecBufferDesc, *PSecBufferDesc;

#define SECBUFFER_VERSION 0

#define SECBUFFER_EMPTY 0
#define SECBUFFER_DATA 1
#define SECBUFFER_TOKEN 2
#define SECBUFFER_PKG_PARAMS 3
#define SECBUFFER_MISSING 4
#define SECBUFFER_EXTRA 5
#define SECBUFFER_STREAM_TRAILER 6
#define SECBUFFER_STREAM_HEADER 7
#define SECBUFFER_PADDING 9
#define SECBUFFER_STREAM 10
#define SECBUFFER_CHANNEL_BINDINGS 14
#define SECBUFFER_TARGET_HOST 16
#define SECBUFFER_ATTRMASK 0xF0000000U
#define SECBUFFER_READONLY 0x80000000U
#define SECBUFFER_READONLY_WITH_CHECKSUM 0x10000000U

typedef struct _SEC_CHANNEL_BINDINGS {
    ULONG dwInitiatorAddrType;
    ULONG cbInitiatorLength;
    ULONG dwInitiatorOffset;
    ULONG dwAcceptorAddrType;
    ULONG cbAcceptorLength;
    ULONG dwAcceptorOffset;
    ULONG cbApplicationDataLength;
    ULONG dwApplicationDataOffset;
} SEC_CHANNEL_BINDINGS, *PSEC_CHANNEL_BINDINGS;

/* ---------------------------------------------------------------------- */
/* Credentials.                                                             */
/* ---------------------------------------------------------------------- */

#define SECPKG_CRED_INBOUND 0x00000001U
#define SECPKG_CRED_OUTBOUND 0x00000002U
#define SECPKG_CRED_BOTH 0x00000003U

#define SEC_WINNT_AUTH_IDENTITY_ANSI 0x1U
#define SEC_WINNT_AUTH_IDENTITY_UNICODE 0x2U

/*
 * Client identity for SECPKG_CRED_OUTBOUND.  Only the ANSI form is
 * accepted, and its octets are read as UTF-8 (user names are hashed as
 * UTF-8 in NFC, RFC 7616 §4; the caller normalises).  Domain, when not
 * empty, restricts the credentials to challenges of that realm, as curl's
 * SSPI client uses it.  Lengths exclude any terminating NUL.
 */
typedef struct _SEC_WINNT_AUTH_IDENTITY_A {
    UCHAR *User;
    ULONG UserLength;
    UCHAR *Domain;
    ULONG DomainLength;
    UCHAR *Password;
    ULONG PasswordLength;
    ULONG Flags;
} SEC_WINNT_AUTH_IDENTITY_A, *PSEC_WINNT_AUTH_IDENTITY_A;

typedef SEC_WINNT_AUTH_IDENTITY_A SEC_WINNT_AUTH_IDENTITY;
typedef PSEC_WINNT_AUTH_IDENTITY_A PSEC_WINNT_AUTH_IDENTITY;

/*
 * The key callback (Windows' SEC_GET_KEY_FN).  For Digest, the server
 * calls it to learn a user's H(username ":" realm ":" password):
 *   Arg        pvGetKeyArgument of AcquireCredentialsHandle, or the
 *              pvGetKeyArgument of this call's SD_CALL_PARAMETERS buffer;
 *   Principal  a PSD_DIGEST_KEY_REQUEST, read and written as described
 *              there;
 *   KeyVer     SD_DIGEST_KEY_VERSION;
 *   Key        unused, NULL;
 *   Status     receives SEC_E_OK (key found), SEC_E_UNKNOWN_CREDENTIALS
 *              (no such user), SEC_E_ALGORITHM_MISMATCH (user known but no
 *              key for this algorithm) or SEC_E_NO_AUTHENTICATING_AUTHORITY
 *              (the store failed).
 * It may be called from any thread at once.
 */
typedef void(SEC_ENTRY *SEC_GET_KEY_FN)(PVOID Arg, PVOID Principal,
                                        ULONG KeyVer, PVOID *Key,
                                        SECURITY_STATUS *Status);

/* ---------------------------------------------------------------------- */
/* Context requirements and attributes.                                     */
/* ---------------------------------------------------------------------- */

#define ASC_REQ_DELEGATE 0x00000001U
#define ASC_REQ_MUTUAL_AUTH 0x00000002U
#define ASC_REQ_REPLAY_DETECT 0x00000004U
#define ASC_REQ_SEQUENCE_DETECT 0x00000008U
#define ASC_REQ_CONFIDENTIALITY 0x00000010U
#define ASC_REQ_USE_SESSION_KEY 0x00000020U
#define ASC_REQ_SESSION_TICKET 0x00000040U
#define ASC_REQ_ALLOCATE_MEMORY 0x00000100U
#define ASC_REQ_USE_DCE_STYLE 0x00000200U
#define ASC_REQ_DATAGRAM 0x00000400U
#define ASC_REQ_CONNECTION 0x00000800U
#define ASC_REQ_CALL_LEVEL 0x00001000U
#define ASC_REQ_FRAGMENT_SUPPLIED 0x00002000U
#define ASC_REQ_EXTENDED_ERROR 0x00008000U
#define ASC_REQ_STREAM 0x00010000U
#define ASC_REQ_INTEGRITY 0x00020000U
#define ASC_REQ_LICENSING 0x00040000U
#define ASC_REQ_IDENTIFY 0x00080000U
#define ASC_REQ_ALLOW_NULL_SESSION 0x00100000U
#define ASC_REQ_ALLOW_NON_USER_LOGONS 0x00200000U
#define ASC_REQ_ALLOW_CONTEXT_REPLAY 0x00400000U
#define ASC_REQ_FRAGMENT_TO_FIT 0x00800000U
#define ASC_REQ_NO_TOKEN 0x01000000U
#define ASC_REQ_PROXY_BINDINGS 0x04000000U
#define ASC_REQ_ALLOW_MISSING_BINDINGS 0x10000000U
/* Same bit as ASC_REQ_ALLOW_MISSING_BINDINGS: see "snags" above. */
#define ASC_REQ_HTTP 0x10000000U

#define ASC_RET_DELEGATE 0x00000001U
#define ASC_RET_MUTUAL_AUTH 0x00000002U
#define ASC_RET_REPLAY_DETECT 0x00000004U
#define ASC_RET_SEQUENCE_DETECT 0x00000008U
#define ASC_RET_CONFIDENTIALITY 0x00000010U
#define ASC_RET_USE_SESSION_KEY 0x00000020U
#define ASC_RET_SESSION_TICKET 0x00000040U
#define ASC_RET_ALLOCATED_MEMORY 0x00000100U
#define ASC_RET_USED_DCE_STYLE 0x00000200U
#define ASC_RET_DATAGRAM 0x00000400U
#define ASC_RET_CONNECTION 0x00000800U
#define ASC_RET_CALL_LEVEL 0x00002000U
#define ASC_RET_THIRD_LEG_FAILED 0x00004000U
#define ASC_RET_EXTENDED_ERROR 0x00008000U
#define ASC_RET_STREAM 0x00010000U
#define ASC_RET_INTEGRITY 0x00020000U
#define ASC_RET_LICENSING 0x00040000U
#define ASC_RET_IDENTIFY 0x00080000U
#define ASC_RET_NULL_SESSION 0x00100000U
#define ASC_RET_ALLOW_NON_USER_LOGONS 0x00200000U
#define ASC_RET_ALLOW_CONTEXT_REPLAY 0x00400000U
#define ASC_RET_FRAGMENT_ONLY 0x00800000U
#define ASC_RET_NO_TOKEN 0x01000000U
#define ASC_RET_NO_ADDITIONAL_TOKEN 0x02000000U

#define ISC_REQ_DELEGATE 0x00000001U
#define ISC_REQ_MUTUAL_AUTH 0x00000002U
#define ISC_REQ_REPLAY_DETECT 0x00000004U
#define ISC_REQ_SEQUENCE_DETECT 0x00000008U
#define ISC_REQ_CONFIDENTIALITY 0x00000010U
#define ISC_REQ_USE_SESSION_KEY 0x00000020U
#define ISC_REQ_PROMPT_FOR_CREDS 0x00000040U
#define ISC_REQ_USE_SUPPLIED_CREDS 0x00000080U
#define ISC_REQ_ALLOCATE_MEMORY 0x00000100U
#define ISC_REQ_USE_DCE_STYLE 0x00000200U
#define ISC_REQ_DATAGRAM 0x00000400U
#define ISC_REQ_CONNECTION 0x00000800U
#define ISC_REQ_CALL_LEVEL 0x00001000U
#define ISC_REQ_FRAGMENT_SUPPLIED 0x00002000U
#define ISC_REQ_EXTENDED_ERROR 0x00004000U
#define ISC_REQ_STREAM 0x00008000U
#define ISC_REQ_INTEGRITY 0x00010000U
#define ISC_REQ_IDENTIFY 0x00020000U
#define ISC_REQ_NULL_SESSION 0x00040000U
#define ISC_REQ_MANUAL_CRED_VALIDATION 0x00080000U
#define ISC_REQ_RESERVED1 0x00100000U
#define ISC_REQ_FRAGMENT_TO_FIT 0x00200000U
#define ISC_REQ_FORWARD_CREDENTIALS 0x00400000U
#define ISC_REQ_NO_INTEGRITY 0x00800000U
#define ISC_REQ_USE_HTTP_STYLE 0x01000000U
#define ISC_REQ_UNVERIFIED_TARGET_NAME 0x20000000U
#define ISC_REQ_CONFIDENTIALITY_ONLY 0x40000000U

#define ISC_RET_DELEGATE 0x00000001U
#define ISC_RET_MUTUAL_AUTH 0x00000002U
#define ISC_RET_REPLAY_DETECT 0x00000004U
#define ISC_RET_SEQUENCE_DETECT 0x00000008U
#define ISC_RET_CONFIDENTIALITY 0x00000010U
#define ISC_RET_USE_SESSION_KEY 0x00000020U
#define ISC_RET_USED_COLLECTED_CREDS 0x00000040U
#define ISC_RET_USED_SUPPLIED_CREDS 0x00000080U
#define ISC_RET_ALLOCATED_MEMORY 0x00000100U
#define ISC_RET_USED_DCE_STYLE 0x00000200U
#define ISC_RET_DATAGRAM 0x00000400U
#define ISC_RET_CONNECTION 0x00000800U
#define ISC_RET_INTERMEDIATE_RETURN 0x00001000U
#define ISC_RET_CALL_LEVEL 0x00002000U
#define ISC_RET_EXTENDED_ERROR 0x00004000U
#define ISC_RET_STREAM 0x00008000U
#define ISC_RET_INTEGRITY 0x00010000U
#define ISC_RET_IDENTIFY 0x00020000U
#define ISC_RET_NULL_SESSION 0x00040000U
#define ISC_RET_MANUAL_CRED_VALIDATION 0x00080000U
#define ISC_RET_RESERVED1 0x00100000U
#define ISC_RET_FRAGMENT_ONLY 0x00200000U
#define ISC_RET_FORWARD_CREDENTIALS 0x00400000U
#define ISC_RET_USED_HTTP_STYLE 0x01000000U
#define ISC_RET_NO_ADDITIONAL_TOKEN 0x02000000U
#define ISC_RET_REAUTHENTICATION 0x08000000U

#define SECURITY_NATIVE_DREP 0x00000010U
#define SECURITY_NETWORK_DREP 0x00000000U

/* ---------------------------------------------------------------------- */
/* Package and context attributes.                                          */
/* ---------------------------------------------------------------------- */

#define SECPKG_FLAG_INTEGRITY 0x00000001U
#define SECPKG_FLAG_PRIVACY 0x00000002U
#define SECPKG_FLAG_TOKEN_ONLY 0x00000004U
#define SECPKG_FLAG_DATAGRAM 0x00000008U
#define SECPKG_FLAG_CONNECTION 0x00000010U
#define SECPKG_FLAG_MULTI_REQUIRED 0x00000020U
#define SECPKG_FLAG_CLIENT_ONLY 0x00000040U
#define SECPKG_FLAG_EXTENDED_ERROR 0x00000080U
#define SECPKG_FLAG_IMPERSONATION 0x00000100U
#define SECPKG_FLAG_ACCEPT_WIN32_NAME 0x00000200U
#define SECPKG_FLAG_STREAM 0x00000400U
#define SECPKG_FLAG_NEGOTIABLE 0x00000800U
#define SECPKG_FLAG_GSS_COMPATIBLE 0x00001000U
#define SECPKG_FLAG_LOGON 0x00002000U
#define SECPKG_FLAG_ASCII_BUFFERS 0x00004000U
#define SECPKG_FLAG_FRAGMENT 0x00008000U
#define SECPKG_FLAG_MUTUAL_AUTH 0x00010000U
#define SECPKG_FLAG_DELEGATION 0x00020000U

#define RPC_C_AUTHN_DIGEST 21

typedef struct _SecPkgInfoA {
    ULONG fCapabilities;
    USHORT wVersion;
    USHORT wRPCID;
    ULONG cbMaxToken;
    SEC_CHAR *Name;
    SEC_CHAR *Comment;
} SecPkgInfoA, *PSecPkgInfoA;

typedef SecPkgInfoA SecPkgInfo;
typedef PSecPkgInfoA PSecPkgInfo;

#define SECPKG_ATTR_SIZES 0
#define SECPKG_ATTR_NAMES 1
#define SECPKG_ATTR_LIFESPAN 2

/* Our extensions; values far from Windows' own. */
#define SECPKG_ATTR_SD_REASON 0x5D000001U
#define SECPKG_ATTR_SD_DIGEST 0x5D000002U
#define SECPKG_ATTR_SD_AUTHENTICATION_INFO 0x5D000003U

typedef struct _SecPkgContext_Sizes {
    ULONG cbMaxToken;
    ULONG cbMaxSignature;
    ULONG cbBlockSize;
    ULONG cbSecurityTrailer;
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

typedef struct _SecPkgContext_NamesA {
    SEC_CHAR *sUserName;
} SecPkgContext_NamesA, *PSecPkgContext_NamesA;

typedef SecPkgContext_NamesA SecPkgContext_Names;
typedef PSecPkgContext_NamesA PSecPkgContext_Names;

typedef struct _SecPkgContext_Lifespan {
    TimeStamp tsStart;
    TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

/*
 * SECPKG_ATTR_SD_REASON: why the last call on the context failed, as a
 * fixed string naming no client data ("unknown user", "nonce forged", ...),
 * for the caller's log line.  Static storage: nobody frees it.
 */
typedef struct _SecPkgContext_SdReason {
    const SEC_CHAR *sReason;
} SecPkgContext_SdReason, *PSecPkgContext_SdReason;

/*
 * SECPKG_ATTR_SD_DIGEST: what the response in the last call named, valid
 * once the token parsed (also after most failures): the algorithm
 * (SD_ALG_*), the qop (one SD_QOP_* bit, 0 for RFC 2069), and the user name
 * as sent (the user-hash itself when userhash=true and it did not
 * resolve).  sUserName points into the context, NUL-terminated, valid until
 * the next call on the context.
 */
typedef struct _SecPkgContext_SdDigest {
    ULONG Algorithm;
    ULONG Qop;
    const SEC_CHAR *sUserName;
    ULONG cbUserName;
} SecPkgContext_SdDigest, *PSecPkgContext_SdDigest;

/*
 * SECPKG_ATTR_SD_AUTHENTICATION_INFO: the Authentication-Info value of the
 * last successful verification (the same octets as the output token of a
 * SEC_E_OK AcceptSecurityContext), needed after CompleteAuthToken, which
 * has no output descriptor.  Points into the context; cbAuthInfo may be 0.
 */
typedef struct _SecPkgContext_SdAuthenticationInfo {
    const SEC_CHAR *sAuthInfo;
    ULONG cbAuthInfo;
} SecPkgContext_SdAuthenticationInfo, *PSecPkgContext_SdAuthenticationInfo;

/* ---------------------------------------------------------------------- */
/* Digest policy: our extension, passed as pAuthData of                    */
/* AcquireCredentialsHandle(SECPKG_CRED_INBOUND).                          */
/* ---------------------------------------------------------------------- */

#define SD_ALG_MD5 1U
#define SD_ALG_MD5_SESS 2U
#define SD_ALG_SHA256 3U
#define SD_ALG_SHA256_SESS 4U
#define SD_ALG_SHA512_256 5U
#define SD_ALG_SHA512_256_SESS 6U
#define SD_MAX_ALGORITHMS 6U

#define SD_QOP_AUTH 0x1U
#define SD_QOP_AUTH_INT 0x2U

#define SD_POLICY_USERHASH 0x1U

#define SD_DIGEST_SERVER_POLICY_VERSION 1U
#define SD_NONCE_SECRET_MIN 32U
#define SD_NONCE_SECRET_MAX 256U

/*
 * Replay state: one record per live nonce of which nonce counts were used.
 * CheckAndSet must, as one atomic step, test whether NonceCount was already
 * used for the nonce named by NonceId and record it if not.  It returns:
 *   SEC_E_OK                  fresh, now recorded;
 *   SEC_E_OUT_OF_SEQUENCE     used before, or too far below the highest
 *                             count seen to be vouched for;
 *   SEC_E_CONTEXT_EXPIRED     the store can no longer vouch for this nonce
 *                             (its record may have been evicted, or the
 *                             store lost the records of the nonce's
 *                             generation): the caller answers stale=true;
 *   SEC_E_NO_AUTHENTICATING_AUTHORITY  the store cannot be reached.
 * IssuedAt and ExpiresAt are the nonce's times and Now the caller's clock,
 * in seconds since the epoch: a record must be kept until ExpiresAt.
 *
 * Scope.  Every nonce the engine mints carries the store's generation at
 * the time (Generation, below; 0 when the store has none), and
 * CheckAndSet receives the nonce's in NonceGeneration.  A store whose
 * current generation is not NonceGeneration answers SEC_E_CONTEXT_EXPIRED:
 * the nonce was minted for another store, or for this one before it lost
 * its records, so counts used then are not known here.  A store gets a new
 * generation whenever it starts without the records it had (a new table,
 * a Redis that restarted empty), so that nothing recorded before can be
 * replayed.  Generation may be NULL (every nonce then carries 0); it is
 * called once per challenge, from any thread, and must not block.
 *
 * Prefetch may be NULL.  Otherwise the engine calls it with the nonce's id
 * once the nonce is known good, before it computes the digests, and
 * CheckAndSet follows unless the response turns out wrong: a hint to start
 * fetching the record (the built-in store pulls its bucket into the CPU
 * cache), which must neither block nor fail.
 *
 * Stats may be NULL.  Otherwise it fills *Stats with what the store
 * answered and holds, for a status page; the engine never calls it.  The
 * caller sets Stats->Version to SD_NONCE_COUNT_STORE_STATS_VERSION (else
 * SEC_E_INVALID_PARAMETER) and passes its clock in Now (seconds since the
 * epoch).  It may take a while (the built-in store takes each bucket's
 * lock in turn; a store on another server may ask it), so it is not for
 * the request path.  The fields, -1 when the store cannot tell:
 *   Size         octets the store takes
 *   Capacity     records it can hold
 *   LiveRecords  records of nonces not expired at Now
 *   Evictions    records dropped before their nonce expired, to make room
 *                (a later use of such a nonce is answered stale)
 *   Accepted, Replays, Stale, Unavailable
 *                how many times CheckAndSet answered SEC_E_OK,
 *                SEC_E_OUT_OF_SEQUENCE, SEC_E_CONTEXT_EXPIRED and
 *                SEC_E_NO_AUTHENTICATING_AUTHORITY
 *   LastOutage   when the store last could not be used, in seconds since
 *                the epoch (by the clocks passed to CheckAndSet); 0: never
 * The counts start at 0 when the store is made and only grow.  The
 * built-in store keeps them in its memory, counted per bucket under the
 * lock CheckAndSet takes anyway (a few additions per call), so they last
 * as long as its records: across the processes that map it and across
 * SdNonceCountStoreAttach.  Stats returns SEC_E_OK or
 * SEC_E_INVALID_PARAMETER.
 * All are called from any thread at once.
 */
#define SD_NONCE_COUNT_STORE_STATS_VERSION 1U

typedef struct _SD_NONCE_COUNT_STORE_STATS {
    ULONG Version; /* in: SD_NONCE_COUNT_STORE_STATS_VERSION */
    int64_t Size;
    int64_t Capacity;
    int64_t LiveRecords;
    int64_t Evictions;
    int64_t Accepted;
    int64_t Replays;
    int64_t Stale;
    int64_t Unavailable;
    int64_t LastOutage;
} SD_NONCE_COUNT_STORE_STATS, *PSD_NONCE_COUNT_STORE_STATS;

typedef struct _SD_NONCE_COUNT_STORE {
    PVOID pvStore;
    SECURITY_STATUS(SEC_ENTRY *CheckAndSet)
    (PVOID pvStore, const UCHAR *NonceId, ULONG cbNonceId, int64_t IssuedAt,
     int64_t ExpiresAt, int64_t Now, ULONG NonceCount,
     uint64_t NonceGeneration);
    void(SEC_ENTRY *Prefetch)(PVOID pvStore, const UCHAR *NonceId,
                              ULONG cbNonceId);
    uint64_t(SEC_ENTRY *Generation)(PVOID pvStore);
    /* Last, so that initialisers written before it leave it NULL. */
    SECURITY_STATUS(SEC_ENTRY *Stats)
    (PVOID pvStore, int64_t Now, PSD_NONCE_COUNT_STORE_STATS Stats);
} SD_NONCE_COUNT_STORE, *PSD_NONCE_COUNT_STORE;

/*
 * The built-in replay store, in memory the caller provides: a heap block
 * for one process, or shared memory for the processes that map it (pass
 * SD_STORE_SHARED; its locks are then process-shared and robust).  The
 * memory holds no pointers, so processes may map it at any address.
 * Nonces fall into 8-record buckets at random; when a bucket is full, the
 * record of its oldest nonce is dropped and that nonce is answered
 * SEC_E_CONTEXT_EXPIRED (stale), never accepted twice.  Counts may arrive
 * out of order within a window of 256 below the highest.
 *   SdNonceCountStoreSize: octets for a store meant for Nonces live nonces:
 *   1.5 records of 82 octets each (123 octets per nonce), so that about
 *   97% of Nonces live nonces stay held, the rest answered stale.
 *   SdNonceCountStoreInit: formats Memory (8-byte aligned, cbMemory octets)
 *   with a new random generation and fills *Store.  Nonces minted for any
 *   earlier store are answered stale at their first use here.
 *   SD_STORE_START_FRESH is accepted for compatibility and changes nothing
 *   (version 1 of the nonce format had no generation and needed it).
 *   SdNonceCountStoreAttach: fills *Store for Memory that
 *   SdNonceCountStoreInit formatted earlier, possibly in another process or
 *   before the caller's code was reloaded: a *Store holds pointers to the
 *   engine's functions, which must not outlive the copy of the engine that
 *   filled it (an httpd module is unloaded and reloaded, often at another
 *   address, on every restart), while Memory may.
 *   SEC_E_OK, SEC_E_INVALID_PARAMETER (bad memory, flags, or for Attach
 *   memory that holds no table of that size), SEC_E_INTERNAL_ERROR (no
 *   random octets for the generation).
 */
#define SD_STORE_SHARED 0x1U
#define SD_STORE_START_FRESH 0x2U

size_t SdNonceCountStoreSize(ULONG Nonces);
SECURITY_STATUS SdNonceCountStoreInit(PVOID Memory, size_t cbMemory,
                                      ULONG Flags, PSD_NONCE_COUNT_STORE Store);
SECURITY_STATUS SdNonceCountStoreAttach(PVOID Memory, size_t cbMemory,
                                        PSD_NONCE_COUNT_STORE Store);

typedef struct _SD_DIGEST_SERVER_POLICY {
    ULONG Version;                       /* SD_DIGEST_SERVER_POLICY_VERSION */
    ULONG AlgorithmCount;                /* 1..SD_MAX_ALGORITHMS */
    ULONG Algorithms[SD_MAX_ALGORITHMS]; /* SD_ALG_*, challenge order */
    ULONG QopFlags;      /* SD_QOP_* bits; 0 = RFC 2069 only, no qop
                            (then no -sess algorithm: it needs cnonce) */
    ULONG NonceLifetime; /* seconds, 1..86400; nonces carry it, and no
                            verifier accepts one for longer than the
                            lifetime it was minted with */
    ULONG Flags;         /* SD_POLICY_* */
    /* At least SD_NONCE_SECRET_MIN octets; NULL for a random secret of this
       credentials handle only.  Nonces are minted under NonceSecret and
       accepted under it or PreviousNonceSecret (rotation). */
    const UCHAR *NonceSecret;
    ULONG NonceSecretLength;
    const UCHAR *PreviousNonceSecret;
    ULONG PreviousNonceSecretLength;
    const SEC_CHAR *Opaque; /* NULL: no opaque; else sent and required */
    const SEC_CHAR *Domain; /* NULL: none; else space-separated URIs */
    /* NULL: a built-in in-process store (one process only). */
    const SD_NONCE_COUNT_STORE *NonceCountStore;
    /* NULL: APR's global pool.  Parent of the credentials' pool. */
    apr_pool_t *Pool;
    /* SASL mode only (see "SASL mode"): the ciphers offered with
       auth-conf, SD_SASL_CIPHER_* bits (0: SD_SASL_CIPHERS_DEFAULT, 3des
       and rc4), and the realm of the challenge (NULL: the host name; an
       SD_SASL_PARAMETERS buffer may name another per call). */
    ULONG SaslCiphers;
    const SEC_CHAR *SaslRealm;
} SD_DIGEST_SERVER_POLICY, *PSD_DIGEST_SERVER_POLICY;

/*
 * What the key callback is asked (Principal of SEC_GET_KEY_FN).
 * In:  User/UserLength (the user name, or with UserHash the hex user-hash
 *      the client sent), Realm/RealmLength, Algorithm (SD_ALG_*; the key
 *      wanted is that of its hash family: MD5, SHA-256 or SHA-512/256).
 * Out: Key, the hex H(user ":" realm ":" password) of that family (32 or
 *      64 characters), KeyLength; with UserHash, ResolvedUser and
 *      ResolvedUserLength, the user whose H(user ":" realm) is User.
 * None of it is NUL-terminated.  The engine wipes Key after use.
 */
#define SD_DIGEST_KEY_VERSION 1U
#define SD_MAX_KEY_HEX 64U
#define SD_MAX_USER 256U

typedef struct _SD_DIGEST_KEY_REQUEST {
    const SEC_CHAR *User;
    ULONG UserLength;
    const SEC_CHAR *Realm;
    ULONG RealmLength;
    ULONG Algorithm;
    BOOLEAN UserHash;
    SEC_CHAR Key[SD_MAX_KEY_HEX];
    ULONG KeyLength;
    SEC_CHAR ResolvedUser[SD_MAX_USER];
    ULONG ResolvedUserLength;
} SD_DIGEST_KEY_REQUEST, *PSD_DIGEST_KEY_REQUEST;

/*
 * Per-call parameters: an optional input buffer of type
 * SECBUFFER_SD_CALL_PARAMETERS, placed after the documented ones, whose
 * pvBuffer points to this structure (cbBuffer = its size).
 *   Pool              the parent of a context created by this call.
 *   pvGetKeyArgument  when not NULL, replaces the credentials' key
 *                     argument for this call.
 *   RequestTarget     when not NULL, the request-target of the request line
 *                     (RequestTargetLength octets): the response's
 *                     digest-uri must name it (RFC 7616 §3.4.6), else
 *                     SEC_E_INVALID_TOKEN before anything else is checked.
 *                     Origin, absolute and authority forms are compared by
 *                     their path-and-query; when both name a host (pass
 *                     the absolute URL of the request), scheme, host (any
 *                     case) and port (default implied) must agree too.  With
 *                     SD_CALL_URI_IGNORE_QUERY a digest-uri without a query
 *                     also names a target with one (old MSIE clients).
 *                     Without RequestTarget the caller must compare the
 *                     digest-uri itself.
 *   pScope, cbScope   the caller's scope (at most SD_MAX_SCOPE octets; none
 *                     when cbScope is 0): octets that name everything
 *                     outside the engine that decides whether a response is
 *                     accepted, such as the user store behind the key
 *                     callback and its configuration.  See "Scope" below.
 *   ServiceNames, ServiceNameCount  the service names (SPNs) a client's
 *                     channel binding may name, at most
 *                     SD_MAX_SERVICE_NAMES NUL-terminated strings of at
 *                     most SD_MAX_SERVICE_NAME octets; none (count 0):
 *                     any.  See "Channel bindings" below.
 *   Flags also takes SD_CALL_NO_MISSING_BINDINGS: in this call the
 *                     ASC_REQ_HTTP bit means HTTP only, not
 *                     ASC_REQ_ALLOW_MISSING_BINDINGS.
 *
 * Scope.  An established context lets CompleteAuthToken verify later
 * requests with what the first verification fetched: the key from the
 * key callback, the credentials' policy, and the fContextReq of the
 * establishing call (ASC_REQ_REPLAY_DETECT included).  That is only right
 * while those are what a full verification would use.  So the context
 * keeps the scope octets of the call that established it (or that
 * returned SEC_I_COMPLETE_NEEDED), and CompleteAuthToken answers
 * SEC_I_RENEGOTIATE, touching nothing, unless its call carries the same
 * octets.  A caller that serves several user stores or policies with one
 * context must pass a scope that differs whenever any of them differs;
 * it then verifies from scratch with AcceptSecurityContext.  The httpd
 * module passes its virtual host and every directive that configures
 * Digest or the authn providers in the sections that apply.
 */
#define SECBUFFER_SD_CALL_PARAMETERS 0x5D01U
#define SD_CALL_URI_IGNORE_QUERY 0x1U
#define SD_MAX_SCOPE 256U

typedef struct _SD_CALL_PARAMETERS {
    apr_pool_t *Pool;
    PVOID pvGetKeyArgument;
    const SEC_CHAR *RequestTarget;
    ULONG RequestTargetLength;
    ULONG Flags;
    const UCHAR *pScope;
    ULONG cbScope;
    const SEC_CHAR *const *ServiceNames;
    ULONG ServiceNameCount;
} SD_CALL_PARAMETERS, *PSD_CALL_PARAMETERS;

/* ---------------------------------------------------------------------- */
/* Channel bindings (HTTP mode).                                            */
/* ---------------------------------------------------------------------- */

/*
 * What they stop: a man in the middle who terminates the client's TLS
 * with another certificate and forwards its Authorization to the server.
 * The client binds its response to the channel it saw; the server
 * compares that with its own channel.  The wire format is Microsoft's
 * ("digestbind", draft-santesson-digestbind-01, [MS-DPSP] §2.1), so
 * Windows clients and servers interoperate:
 *   - a server that checks bindings sends nonces that start with
 *     "+Upgraded+" (the mark is covered by the nonce's MAC: stripping it
 *     makes the nonce forged);
 *   - an upgraded client adds hashed-dirs="service-name,channel-binding",
 *     service-name="<SPN>", channel-binding="<hex MD5 of its flattened
 *     SEC_CHANNEL_BINDINGS>" (32 zeros, "unbound", when it has no secure
 *     channel), and sends the cnonce "+Upgraded+v1" hex(MD5(service-name
 *     ":" channel-binding)) followed by 32 random hex digits, so that the
 *     response digest covers the binding.
 * Windows HTTP endpoints bind to the TLS server certificate:
 * SdTlsServerEndPointBindings below makes that binding.
 *
 * Server.  The caller passes its channel's SEC_CHANNEL_BINDINGS in buffer
 * 5 (at most SD_MAX_CHANNEL_BINDINGS octets, header included, every
 * length and offset inside the buffer and after the header: otherwise
 * SEC_E_INVALID_PARAMETER).  Its hash is computed once per context and
 * kept with the octets it came from; a call with other octets computes it
 * again.  The policy of a call:
 *   ALLOW   ASC_REQ_HTTP alone (it is ASC_REQ_ALLOW_MISSING_BINDINGS);
 *   STRICT  ASC_REQ_HTTP with SD_CALL_NO_MISSING_BINDINGS in the call's
 *           SD_CALL_PARAMETERS (an HTTP caller has no other way to clear
 *           the ALLOW_MISSING bit);
 *   PROXY   ASC_REQ_PROXY_BINDINGS with SD_CALL_NO_MISSING_BINDINGS: TLS
 *           ends at a proxy in front of the caller, which has no binding
 *           of its own; buffer 5 is not compared even when given;
 *   ASC_REQ_PROXY_BINDINGS without SD_CALL_NO_MISSING_BINDINGS asks for
 *           both PROXY and ALLOW_MISSING: SEC_E_SECURITY_QOS_FAILED.
 * Nonces are marked under STRICT, PROXY, and ALLOW with a buffer 5.  What
 * the client sent decides, once its password is verified (a malformed
 * binding is SEC_E_INVALID_TOKEN, before the nonce and the password):
 *
 *                        none  unbound  bound:   bound:   malformed
 *                                       matching other
 *   ALLOW,  buffer 5     OK    BAD      OK       BAD      INVALID_TOKEN
 *   ALLOW,  no buffer 5  OK    OK       OK       OK       INVALID_TOKEN
 *   STRICT, buffer 5     BAD   BAD      OK       BAD      INVALID_TOKEN
 *   STRICT, no buffer 5  BAD   BAD      BAD      BAD      INVALID_TOKEN
 *   PROXY                BAD   BAD      OK       OK       INVALID_TOKEN
 *   (OK is SEC_E_OK, BAD is SEC_E_BAD_BINDINGS, with fresh challenges)
 *
 * "none" is a client without binding support (no binding parameters, a
 * plain cnonce); "malformed": some binding parameters without the others,
 * hashed-dirs naming anything but the two, a channel-binding that is not
 * 32 hex digits, binding parameters without qop, a cnonce that does not
 * cover the parameters, or an upgraded cnonce whose parameters were
 * stripped.  When the call gives ServiceNames, a client that sent a
 * binding must also name one of them (ASCII case-insensitive), else
 * SEC_E_BAD_BINDINGS: under PROXY that is the check that ties the
 * response to this server.  A nonce minted without the mark is stale in a
 * call that marks (SEC_E_CONTEXT_EXPIRED, challenges with stale=true), so
 * that clients move to a marked nonce without asking the user again.
 * CompleteAuthToken applies the policy of its own call: the establishing
 * call's fContextReq with its own SD_CALL_PARAMETERS and buffer 5.
 * QueryContextAttributes(SECPKG_ATTR_CLIENT_SPECIFIED_TARGET) gives the
 * service name the last response named.
 *
 * Client.  InitializeSecurityContext upgrades its response when the nonce
 * is marked, a qop is used (the binding travels in the cnonce), and the
 * caller passes buffer 3 (the service name) or buffer 4 (the channel's
 * SEC_CHANNEL_BINDINGS); without buffer 4 it sends the unbound zeros.  A
 * caller that passes neither answers as a client without binding support.
 *
 * Not done: tls-unique and tls-exporter bindings (anything the caller
 * puts in SEC_CHANNEL_BINDINGS is hashed alike, but only
 * tls-server-end-point has a helper), bindings in SASL mode.
 */
#define SD_CALL_NO_MISSING_BINDINGS 0x10U
#define SD_MAX_CHANNEL_BINDINGS 512U
#define SD_MAX_SERVICE_NAME 256U
#define SD_MAX_SERVICE_NAMES 16U

/* Windows' attribute number.  sTargetName: the service-name of the last
   response (UTF-8, NUL-terminated, inside the context until the next call
   on it); SEC_E_TARGET_UNKNOWN when that response named none. */
#define SECPKG_ATTR_CLIENT_SPECIFIED_TARGET 27

typedef struct _SecPkgContext_ClientSpecifiedTarget {
    SEC_CHAR *sTargetName;
} SecPkgContext_ClientSpecifiedTarget, *PSecPkgContext_ClientSpecifiedTarget;

/*
 * SdTlsServerEndPointBindings: the SEC_CHANNEL_BINDINGS Windows HTTP
 * endpoints use on TLS, for the server certificate pbCertificate (DER,
 * cbCertificate octets): no addresses, application data
 * "tls-server-end-point:" followed by the certificate's hash (RFC 5929
 * §4.1: the hash of its signature algorithm, SHA-256 for MD5 and SHA-1).
 * Writes the structure and its data into pvBindings (cbBindings octets
 * available; SD_TLS_END_POINT_BINDINGS_MAX always suffices) and their size
 * to *pcbWritten.  SEC_E_OK; SEC_E_INVALID_TOKEN when the octets are not
 * one DER certificate, or its signature algorithm names no hash (Ed25519,
 * Ed448: RFC 5929 defines none); SEC_E_BUFFER_TOO_SMALL;
 * SEC_E_INVALID_PARAMETER; SEC_E_INTERNAL_ERROR.  A server computes it
 * once per certificate, a client once per connection.
 */
#define SD_TLS_END_POINT_PREFIX "tls-server-end-point:"
#define SD_TLS_END_POINT_BINDINGS_MAX                                          \
    (sizeof(SEC_CHANNEL_BINDINGS) + sizeof(SD_TLS_END_POINT_PREFIX) - 1 + 64)

SECURITY_STATUS SEC_ENTRY SdTlsServerEndPointBindings(
    const UCHAR *pbCertificate, ULONG cbCertificate, PVOID pvBindings,
    ULONG cbBindings, PULONG pcbWritten);

/* ---------------------------------------------------------------------- */
/* Functions.                                                               */
/* ---------------------------------------------------------------------- */

/*
 * AcquireCredentialsHandle: pszPackage "WDigest" or "Digest" (any case),
 * else SEC_E_SECPKG_NOT_FOUND.  pszPrincipal and pvLogonID are ignored.
 *  - SECPKG_CRED_INBOUND: pAuthData is a PSD_DIGEST_SERVER_POLICY, copied;
 *    pGetKeyFn is required (the user store) and called with
 *    pvGetKeyArgument.  A missing or inconsistent policy, or no pGetKeyFn,
 *    is SEC_E_NO_CREDENTIALS.
 *  - SECPKG_CRED_OUTBOUND: pAuthData is a PSEC_WINNT_AUTH_IDENTITY with
 *    Flags SEC_WINNT_AUTH_IDENTITY_ANSI (UTF-8 octets); copied and wiped
 *    when the credentials go.  NULL (Windows' "current user") is
 *    SEC_E_NO_CREDENTIALS: there is no logon session here.
 *  - SECPKG_CRED_BOTH: SEC_E_UNSUPPORTED_FUNCTION (one pAuthData cannot
 *    describe both sides).
 * ptsExpiry receives the constant maximum time.  Returns SEC_E_OK,
 * SEC_E_SECPKG_NOT_FOUND, SEC_E_NO_CREDENTIALS, SEC_E_UNSUPPORTED_FUNCTION,
 * SEC_E_INVALID_PARAMETER (NULL phCredential), SEC_E_INSUFFICIENT_MEMORY,
 * SEC_E_INTERNAL_ERROR.  The credentials stay alive while contexts made
 * from them exist, even after FreeCredentialsHandle.
 */
SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandle(
    SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage, ULONG fCredentialUse,
    PLUID pvLogonID, PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    PVOID pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);

/* SEC_E_OK, or SEC_E_INVALID_HANDLE for a handle not issued or gone. */
SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential);

/*
 * AcceptSecurityContext, HTTP mode (fContextReq has ASC_REQ_HTTP).
 *
 * pInput buffers, addressed by index (types checked):
 *   0 SECBUFFER_TOKEN       the Authorization (or Proxy-Authorization)
 *                           value, with or without the leading "Digest";
 *                           empty on the first call;
 *   1 SECBUFFER_PKG_PARAMS  the method, as on the request line;
 *   2 SECBUFFER_PKG_PARAMS  reserved, ignored;
 *   3 SECBUFFER_PKG_PARAMS  hex H(entity-body) for qop=auth-int, or empty;
 *   4 SECBUFFER_PKG_PARAMS  the realm (UTF-8);
 *   5 SECBUFFER_CHANNEL_BINDINGS|SECBUFFER_READONLY, optional: the
 *                           caller's channel binding (see "Channel
 *                           bindings"; cbBuffer 0 is none);
 *   then optionally one SECBUFFER_SD_CALL_PARAMETERS.
 * Buffers 1, 3 and 4 are octet strings of length cbBuffer; one trailing
 * NUL is tolerated.  Buffer 0 must hold at most cbMaxToken octets.
 *
 * pOutput: one SECBUFFER_TOKEN buffer, caller-sized, or filled by the
 * engine under ASC_REQ_ALLOCATE_MEMORY (free with FreeContextBuffer).  A
 * caller buffer too small gives SEC_E_BUFFER_TOO_SMALL and is left alone.
 * The output token is one of:
 *   - challenges: one complete "Digest realm=..., ..." challenge per
 *     configured algorithm, in the policy's order, separated by CR LF (no
 *     CR LF after the last): send each as its own WWW-Authenticate line;
 *   - the Authentication-Info value (rspauth, qop, cnonce, nc and, in the
 *     last tenth of the nonce's life, nextnonce), possibly empty.
 *
 * Results:
 *   SEC_I_CONTINUE_NEEDED   empty token: output holds the challenges.
 *   SEC_E_OK                the response is valid; output holds the
 *                           Authentication-Info value; the context is
 *                           established.
 *   SEC_I_COMPLETE_NEEDED   qop=auth-int but buffer 3 is empty: call
 *                           CompleteAuthToken with H(entity-body) in
 *                           buffer 3 to finish.  Nothing is verified yet.
 *   SEC_E_LOGON_DENIED      wrong password, unknown user, foreign or
 *                           forged nonce, realm/opaque/algorithm/qop not
 *                           offered: output holds fresh challenges.  An
 *                           unknown user costs the same as a wrong
 *                           password.
 *   SEC_E_CONTEXT_EXPIRED   the nonce is genuine but expired (older than
 *                           its own lifetime or the policy's, whichever is
 *                           shorter), or, with ASC_REQ_REPLAY_DETECT, not
 *                           vouched for by the replay store (evicted, or
 *                           minted for another store or generation):
 *                           output holds challenges with stale=true.
 *   SEC_E_OUT_OF_SEQUENCE   the nonce count was used before (replay):
 *                           output holds fresh challenges.
 *   SEC_E_BAD_BINDINGS      the password is right but the client's
 *                           channel binding or service name fails the
 *                           policy ("Channel bindings"): output holds
 *                           fresh challenges.
 *   SEC_E_INVALID_TOKEN     the token breaks the grammar or a limit, lacks
 *                           a required parameter, or repeats one: no output.
 *   SEC_E_NO_AUTHENTICATING_AUTHORITY  the key callback or the replay store
 *                           failed: no output.
 *   STATUS_LOGON_FAILURE    phContext is already established.
 *   SEC_E_INVALID_HANDLE    a handle that is not ours, of the wrong kind,
 *                           or deleted.
 *   SEC_E_WRONG_CREDENTIAL_HANDLE  phContext was made with other
 *                           credentials.
 *   SEC_E_NO_CREDENTIALS    NULL phCredential, or credentials that are not
 *                           INBOUND.
 *   SEC_E_SECURITY_QOS_FAILED  a flag this package cannot honour, or
 *                           contradictory flags: ASC_REQ_DELEGATE,
 *                           ASC_REQ_CONFIDENTIALITY with HTTP,
 *                           ASC_REQ_PROXY_BINDINGS with ALLOW_MISSING
 *                           (no SD_CALL_NO_MISSING_BINDINGS),
 *                           ASC_REQ_USE_DCE_STYLE,
 *                           ASC_REQ_DATAGRAM with ASC_REQ_CONNECTION.
 *   (Without ASC_REQ_HTTP the call is in SASL mode: see "SASL mode".)
 *   SEC_E_INVALID_PARAMETER a malformed descriptor from the caller (wrong
 *                           version, count or buffer types, an empty
 *                           realm, NULL pfContextAttr, a malformed
 *                           SEC_CHANNEL_BINDINGS or service-name list).
 *   SEC_E_BUFFER_TOO_SMALL  see pOutput.
 *   SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR.
 * On failure the context (if any) stays as it was and may be used again;
 * QueryContextAttributes(SECPKG_ATTR_SD_REASON) says why.
 *
 * A new context is made when phContext is NULL and the result is
 * SEC_I_CONTINUE_NEEDED, SEC_I_COMPLETE_NEEDED, SEC_E_OK or one of the
 * failures that carry challenges; *phNewContext receives it.  phNewContext
 * may equal phContext.  With ASC_REQ_REPLAY_DETECT each nonce count is
 * accepted once per nonce (the policy's store).  pfContextAttr receives
 * ASC_RET_* flags: REPLAY_DETECT, MUTUAL_AUTH (rspauth sent), INTEGRITY
 * (auth-int), CONNECTION, ALLOCATED_MEMORY.  ptsExpiry receives the
 * constant maximum time.  TargetDataRep is ignored (Windows: pass 0).
 *
 * The digest-uri is compared with the request target when the caller
 * passes it in SD_CALL_PARAMETERS; otherwise the caller compares them.
 */
SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, PULONG pfContextAttr, PTimeStamp ptsExpiry);

/*
 * InitializeSecurityContext, HTTP mode (ISC_REQ_USE_HTTP_STYLE required).
 * pszTargetName is the digest-uri (the request target).  pInput buffers:
 *   0 SECBUFFER_TOKEN       WWW-Authenticate value(s): several challenges
 *                           may be joined with ", " or CR LF; other
 *                           schemes are skipped.  Or, on a context, an
 *                           Authentication-Info value, or empty;
 *   1 SECBUFFER_PKG_PARAMS  the method;
 *   2 SECBUFFER_PKG_PARAMS  hex H(entity-body), needed for auth-int;
 *   3 SECBUFFER_TARGET_HOST (READONLY allowed), optional: the service
 *                           name (SPN, "HTTP/host", UTF-8) for a channel
 *                           binding;
 *   4 SECBUFFER_CHANNEL_BINDINGS (READONLY allowed), optional: the
 *                           channel's SEC_CHANNEL_BINDINGS (checked as for
 *                           AcceptSecurityContext's buffer 5).
 *   Buffers 3 and 4 are found by type; see "Channel bindings" for when
 *   the response carries them.
 * pOutput: one SECBUFFER_TOKEN, as for AcceptSecurityContext.
 *
 * First call (phContext NULL): picks the strongest challenge it supports
 * (SHA-512-256, then SHA-256, then MD5; the plain form before -sess) and
 * writes the Authorization value, starting "Digest ".  qop=auth is chosen
 * when offered, auth-int when it is the only one offered or when
 * ISC_REQ_INTEGRITY asks for it; no qop (RFC 2069) when none is offered.
 * Returns SEC_I_CONTINUE_NEEDED with ISC_REQ_MUTUAL_AUTH (the context
 * waits for Authentication-Info), else SEC_E_OK.
 * Later calls on the context:
 *   - empty token: the next Authorization value, same nonce, nc + 1;
 *   - an Authentication-Info value: checks rspauth (SEC_E_OK, or
 *     SEC_E_MUTUAL_AUTH_FAILED when it does not match, or when it is
 *     missing although ISC_REQ_MUTUAL_AUTH asked for it) and takes
 *     nextnonce for the next call; no output;
 *   - a challenge: answers it; with stale=true the new nonce is used and
 *     nc starts at 1, without new credentials.  A second challenge without
 *     stale after a response means the password was refused:
 *     SEC_E_LOGON_DENIED.
 * Other results: SEC_E_INVALID_TOKEN (unparsable, or no Digest challenge
 * this client supports), SEC_E_WRONG_PRINCIPAL (the identity's Domain does
 * not match the realm), SEC_E_NO_CREDENTIALS, SEC_E_INVALID_HANDLE,
 * SEC_E_INVALID_PARAMETER, SEC_E_BUFFER_TOO_SMALL,
 * SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR.  Without
 * ISC_REQ_USE_HTTP_STYLE the call is in SASL mode: see "SASL mode".
 * Reserved1, TargetDataRep and Reserved2 are ignored.
 */
SECURITY_STATUS SEC_ENTRY InitializeSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, PULONG pfContextAttr, PTimeStamp ptsExpiry);

/*
 * CompleteAuthToken, server contexts in HTTP mode.  pToken has the layout
 * of AcceptSecurityContext's pInput.  Two uses:
 *   - after SEC_I_COMPLETE_NEEDED: pass the same buffers again (token,
 *     method, realm), now with hex H(entity-body) in buffer 3; the
 *     response is verified, without repeating the nonce check the first
 *     call made;
 *   - on an established context: authenticates a subsequent request that
 *     reuses the context's nonce, user, realm and algorithm, with the key
 *     cached at the first verification (as Windows does for "subsequent
 *     requests"), saving the nonce check and the key callback.  It also
 *     keeps the establishing call's fContextReq.  A request that does not
 *     belong to the context (another nonce, user, realm or algorithm), or
 *     whose SD_CALL_PARAMETERS scope is not the one the context was
 *     established in (see "Scope" there), gets SEC_I_RENEGOTIATE: call
 *     AcceptSecurityContext with a new context instead.
 * Results as for AcceptSecurityContext, except that failures carry no
 * challenges (call AcceptSecurityContext for them), SEC_I_COMPLETE_NEEDED
 * again when an auth-int request has an empty buffer 3, and
 * SEC_E_INVALID_HANDLE for credentials handles (a caller mistake seen in
 * the wild) or client contexts.  On SEC_E_OK the Authentication-Info value
 * is read with SECPKG_ATTR_SD_AUTHENTICATION_INFO.
 */
SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext,
                                            PSecBufferDesc pToken);

/* SEC_E_OK or SEC_E_INVALID_HANDLE.  Destroys the context's pool, wiping
   its secrets.  Safe on a context whose parent pool is already gone (the
   handle is then simply invalid). */
SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);

/* Frees what the engine allocated for the caller (ASC_REQ_ALLOCATE_MEMORY
   output, SecPkgInfo), wiping it.  SEC_E_OK (also for NULL);
   SEC_E_INVALID_HANDLE for a pointer whose header (the 16 octets before
   it) does not carry our magic.  As with free(), a pointer freed twice or
   not readable 16 octets back is undefined. */
SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer);

/*
 * QueryContextAttributes: ulAttribute
 *   SECPKG_ATTR_NAMES     SecPkgContext_Names: sUserName, the authenticated
 *                         user (resolved from a userhash), NUL-terminated,
 *                         inside the context (valid while it lives; do not
 *                         free).  SEC_E_NO_CREDENTIALS before a user is
 *                         established.
 *   SECPKG_ATTR_LIFESPAN  SecPkgContext_Lifespan: tsStart the creation
 *                         time, tsExpiry the constant maximum.
 *   SECPKG_ATTR_SIZES     SecPkgContext_Sizes: cbMaxToken; the rest 0 for
 *                         HTTP contexts, the security layer's sizes for
 *                         SASL ones ("SASL mode").
 *   SECPKG_ATTR_STREAM_SIZES, SECPKG_ATTR_SD_SASL: SASL contexts only.
 *   SECPKG_ATTR_SD_REASON, SECPKG_ATTR_SD_DIGEST,
 *   SECPKG_ATTR_SD_AUTHENTICATION_INFO: our extensions, above.
 *   SECPKG_ATTR_CLIENT_SPECIFIED_TARGET  server contexts: see "Channel
 *                         bindings" (SEC_E_TARGET_UNKNOWN when none).
 * Returns SEC_E_OK, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER (NULL
 * pBuffer), SEC_E_NO_CREDENTIALS (see NAMES), SEC_E_UNSUPPORTED_FUNCTION
 * (any other attribute).
 */
SECURITY_STATUS SEC_ENTRY QueryContextAttributes(PCtxtHandle phContext,
                                                 ULONG ulAttribute,
                                                 PVOID pBuffer);

/*
 * QuerySecurityContextToken: Windows gives an access token of the user;
 * there is none here.  *Token receives a pointer to the authenticated
 * user name (NUL-terminated, inside the context, valid while the context
 * lives; do not free).  SEC_E_OK; SEC_E_INVALID_HANDLE; SEC_E_NO_IMPERSONATION
 * when the context is not established.
 */
SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext,
                                                    PVOID *Token);

/* Impersonation has no meaning on this platform. */
SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext);
SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext);

/*
 * QuerySecurityPackageInfo: for "WDigest" or "Digest", *ppPackageInfo
 * receives a SecPkgInfo (free with FreeContextBuffer): Name "WDigest",
 * wRPCID RPC_C_AUTHN_DIGEST, cbMaxToken the largest token either side
 * reads or writes, fCapabilities what is implemented (CONNECTION,
 * MUTUAL_AUTH, and for SASL mode's layers INTEGRITY and PRIVACY).  Else
 * SEC_E_SECPKG_NOT_FOUND.
 */
SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfo(SEC_CHAR *pszPackageName,
                                                   PSecPkgInfo *ppPackageInfo);

/* ---------------------------------------------------------------------- */
/* Our helpers.                                                             */
/* ---------------------------------------------------------------------- */

/* The symbolic name of a status ("SEC_E_LOGON_DENIED"), or "unknown". */
const char *SdStatusName(SECURITY_STATUS Status);

/*
 * Hex H(entity-body) for qop=auth-int with the hash of the context's
 * algorithm family, into pszHex (cchHex >= 65), NUL-terminated.  For the
 * caller between SEC_I_COMPLETE_NEEDED and CompleteAuthToken.
 * SEC_E_OK, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER (no algorithm
 * known yet, or a small buffer), SEC_E_INTERNAL_ERROR.
 */
SECURITY_STATUS SEC_ENTRY SdHashEntityBody(PCtxtHandle phContext,
                                           const void *pvBody, size_t cbBody,
                                           SEC_CHAR *pszHex, ULONG cchHex);

/*
 * The stored form of a user's keys (what an htdigest-style file line or an
 * authn provider holds after "user:realm:"): a bare 32-hex MD5, or a
 * comma-separated list of ALG=hex items, ALG one of MD5, SHA-256 and
 * SHA-512-256 (any case), of which a bare MD5 may come first.  Selects the
 * key of Algorithm's hash family: *ppHex points into pszHashes.
 * SEC_E_OK; SEC_E_ALGORITHM_MISMATCH when that family is absent;
 * SEC_E_INVALID_TOKEN when the list is malformed (bad hex or length,
 * unknown name, a family twice); SEC_E_INVALID_PARAMETER.
 */
SECURITY_STATUS SEC_ENTRY SdRealmHashSelect(const SEC_CHAR *pszHashes,
                                            size_t cbHashes, ULONG Algorithm,
                                            const SEC_CHAR **ppHex,
                                            ULONG *pcchHex);

/* ---------------------------------------------------------------------- */
/* SASL mode: DIGEST-MD5 (RFC 2831; Historic since RFC 6331).               */
/* ---------------------------------------------------------------------- */

/*
 * AcceptSecurityContext without ASC_REQ_HTTP and InitializeSecurityContext
 * without ISC_REQ_USE_HTTP_STYLE speak DIGEST-MD5, as Windows' Digest
 * package does for LDAP and other SASL protocols, with the integrity
 * (qop=auth-int) and confidentiality (qop=auth-conf) layers through
 * MakeSignature, VerifySignature, EncryptMessage and DecryptMessage.
 *
 * Credentials are those of HTTP mode.  A server's SD_DIGEST_SERVER_POLICY
 * must be valid as for HTTP (its Algorithms and QopFlags are HTTP's and
 * unused here); NonceLifetime, the nonce secrets and the replay store's
 * generation bind the SASL nonce as they bind HTTP's; SaslCiphers and
 * SaslRealm are SASL's.  The key callback is asked for Algorithm
 * SD_ALG_MD5_SESS, UserHash FALSE: the key is the MD5
 * H(user ":" realm ":" password), the key of HTTP's MD5 when user, realm
 * and password are ASCII.  RFC 2831 §2.1.2.1 hashes a name or password
 * that ISO 8859-1 can represent in ISO 8859-1, so for such non-ASCII names
 * the store must hold that key.  A client's identity is that of HTTP mode.
 *
 * Input buffers, both sides: 0 SECBUFFER_TOKEN (empty, or pInput NULL, on
 * a first call), then optionally one SECBUFFER_SD_SASL_PARAMETERS and any
 * SECBUFFER_EMPTY; anything else is SEC_E_INVALID_PARAMETER.  The output
 * is one SECBUFFER_TOKEN as in HTTP mode (ASC_REQ_ALLOCATE_MEMORY /
 * ISC_REQ_ALLOCATE_MEMORY honoured).  Tokens are the raw SASL octets:
 * base64 and framing belong to the application protocol.  A context made
 * in one mode is refused in the other with SEC_E_INVALID_PARAMETER, and
 * CompleteAuthToken and SdHashEntityBody refuse SASL contexts with
 * SEC_E_UNSUPPORTED_FUNCTION.
 *
 * Server (AcceptSecurityContext), in two calls:
 *  1. phContext NULL: SEC_I_CONTINUE_NEEDED and the digest-challenge, its
 *     directives in the order Windows servers send them (Windows clients
 *     depend on it):
 *       qop="auth,auth-int,auth-conf",cipher="3des,rc4",algorithm=md5-sess,
 *       nonce="...",charset=utf-8,realm="..."[,maxbuf=N]
 *     qop offers auth always; auth-int when fContextReq has
 *     ASC_REQ_INTEGRITY, ASC_REQ_REPLAY_DETECT, ASC_REQ_SEQUENCE_DETECT or
 *     ASC_REQ_CONFIDENTIALITY; auth-conf with ASC_REQ_CONFIDENTIALITY when
 *     a cipher can be offered: those of the policy's SaslCiphers (narrowed
 *     by SD_SASL_PARAMETERS.Ciphers) that this host's OpenSSL has (see
 *     SdSaslCiphers), in the order 3des, rc4, des, rc4-56, rc4-40.  maxbuf
 *     is sent when SD_SASL_PARAMETERS.MaxBuffer is not 65536.  A token in
 *     this call (an RFC 2831 §2.2 subsequent authentication) is not read:
 *     subsequent authentication is not supported, as on Windows, and §2.2
 *     then has the server send a fresh challenge, which this is.
 *  2. The digest-response: RFC 2831 §2.1.2 is checked: the directives and
 *     their syntax, the nonce (the one this context sent, and younger
 *     than the policy's NonceLifetime), cnonce, nc (exactly 00000001),
 *     realm, qop and cipher among those offered, maxbuf, charset,
 *     digest-uri (serv-type "/" host ["/" serv-name]), authzid, and the
 *     response (an unknown user costs what a wrong password costs).
 *     SEC_E_OK with the output token rspauth=...: send it (Windows and
 *     other clients fail the exchange without it); the context is
 *     established.  Expected values, when this call's
 *     SD_SASL_PARAMETERS gives them: DigestUri (compared in any ASCII
 *     case) and Authzid (the response's authzid must then be absent or
 *     equal).  Otherwise the caller checks them, read through
 *     SECPKG_ATTR_SD_SASL, as Windows leaves that to the caller.
 *  Refusals of the response, after which the context answers every call
 *  with SEC_E_LOGON_DENIED (one response per nonce: no guessing):
 *    SEC_E_INVALID_TOKEN     empty, malformed, longer than
 *                            SD_SASL_MAX_RESPONSE, a value over its limit,
 *                            a directive missing or repeated;
 *    SEC_E_LOGON_DENIED      wrong password or unknown user, another nonce
 *                            or realm, an nc other than 1;
 *    SEC_E_QOP_NOT_SUPPORTED a qop or cipher that was not offered;
 *    SEC_E_WRONG_PRINCIPAL   a digest-uri or authzid not the expected one;
 *    SEC_E_CONTEXT_EXPIRED   the nonce's lifetime is over.
 *  Failures that leave the context as it was (the call may be repeated):
 *  SEC_E_NO_AUTHENTICATING_AUTHORITY (the key callback failed),
 *  SEC_E_BUFFER_TOO_SMALL, SEC_E_INVALID_PARAMETER,
 *  SEC_E_INSUFFICIENT_MEMORY, SEC_E_INTERNAL_ERROR; and as in HTTP mode
 *  SEC_E_INVALID_HANDLE, SEC_E_WRONG_CREDENTIAL_HANDLE,
 *  SEC_E_NO_CREDENTIALS, STATUS_LOGON_FAILURE (already established) and
 *  SEC_E_SECURITY_QOS_FAILED (ASC_REQ_DELEGATE, ASC_REQ_PROXY_BINDINGS,
 *  ASC_REQ_USE_DCE_STYLE, or DATAGRAM with CONNECTION).
 *  pfContextAttr: ASC_RET_CONNECTION; with SEC_E_OK also
 *  ASC_RET_MUTUAL_AUTH, and for auth-int and auth-conf ASC_RET_INTEGRITY,
 *  ASC_RET_REPLAY_DETECT and ASC_RET_SEQUENCE_DETECT, for auth-conf
 *  ASC_RET_CONFIDENTIALITY.  The client picks the layer among those
 *  offered: a server that requires one checks these flags.
 *
 * Client (InitializeSecurityContext): pszTargetName is the digest-uri,
 * serv-type "/" host ["/" serv-name], e.g. "ldap/dc1.example.com" (else
 * SEC_E_INVALID_PARAMETER).
 *  - No token on a new context: SEC_I_CONTINUE_NEEDED and an empty output
 *    token (DIGEST-MD5 has no initial response).
 *  - The digest-challenge (on a new context or that one):
 *    SEC_I_CONTINUE_NEEDED and the digest-response.  The qop is the
 *    strongest one offered among auth-conf (with ISC_REQ_CONFIDENTIALITY
 *    and a usable cipher), auth-int (with ISC_REQ_INTEGRITY,
 *    ISC_REQ_REPLAY_DETECT, ISC_REQ_SEQUENCE_DETECT or
 *    ISC_REQ_CONFIDENTIALITY) and auth; the cipher the first of 3des, rc4,
 *    des, rc4-56, rc4-40 that the server offers, this host has and
 *    SD_SASL_PARAMETERS.Ciphers allows.  pfContextAttr tells what was
 *    chosen (ISC_RET_INTEGRITY, ISC_RET_REPLAY_DETECT,
 *    ISC_RET_SEQUENCE_DETECT, ISC_RET_CONFIDENTIALITY): the challenge is
 *    not protected, so a caller that requires a layer checks them before
 *    it sends the token.  The realm is the identity's Domain (which must
 *    be among the realms offered, if any, else SEC_E_WRONG_PRINCIPAL), or
 *    the first realm offered.  With charset=utf-8 offered, user name and
 *    password are hashed in ISO 8859-1 when it can represent them (RFC
 *    2831 §2.1.2.1); without it they must be representable in ISO 8859-1
 *    (else SEC_E_NO_CREDENTIALS).  SD_SASL_PARAMETERS.Authzid is sent as
 *    authzid, and MaxBuffer as maxbuf.
 *  - The rspauth: SEC_E_OK when it is right, with an empty output token
 *    (a protocol that wants a last empty client message sends it), else
 *    SEC_E_MUTUAL_AUTH_FAILED.
 *  Other results: SEC_E_INVALID_TOKEN (a malformed challenge, one longer
 *  than SD_SASL_MAX_CHALLENGE, a repeated directive, no
 *  algorithm=md5-sess, or no rspauth where one is due);
 *  SEC_E_QOP_NOT_SUPPORTED (the server offers no qop this call accepts);
 *  STATUS_LOGON_FAILURE (a call on an established or failed context);
 *  and those of HTTP mode.
 *
 * Security layers.  After SEC_E_OK with auth-int or auth-conf, a message
 * travels as (RFC 2831 §2.3, §2.4)
 *     auth-int:   message | MAC | 0x0001 | seq
 *     auth-conf:  E(message | padding | MAC) | 0x0001 | seq
 * MAC being the first 10 octets of HMAC-MD5(Ki, seq | message), seq a
 * 4-octet big-endian count per direction from 0, and padding 1 to 8
 * octets of its own length for des and 3des (none for rc4).  The 4-octet
 * length that SASL protocols put before each protected message is the
 * caller's: these functions neither write nor expect it, as on Windows
 * and in the JDK (Cyrus SASL and GNU SASL add it themselves).
 * MessageSeqNo is ignored: the package keeps the counts (Windows asks for
 * 0).  A context may seal in one thread while it unseals in another.
 *
 * MakeSignature(phContext, fQOP 0, pMessage, 0): one or more
 *   SECBUFFER_DATA (SECBUFFER_READONLY allowed), signed in order as one
 *   message, and one SECBUFFER_TOKEN of at least cbMaxSignature (16)
 *   octets, which receives the MAC block (cbBuffer becomes 16).  Send the
 *   data, then the token.
 * VerifySignature(phContext, pMessage, 0, pfQOP): the SECBUFFER_DATA
 *   buffers and the 16-octet SECBUFFER_TOKEN as received; or one
 *   SECBUFFER_STREAM holding the whole message and one SECBUFFER_DATA,
 *   which receives (pointer, length) of the message inside the stream.
 *   *pfQOP (pfQOP may be NULL) receives 0.
 * EncryptMessage(phContext, fQOP, pMessage, 0): one SECBUFFER_DATA,
 *   encrypted in place, and either
 *   - a SECBUFFER_TOKEN of at least cbSecurityTrailer (16) octets and a
 *     SECBUFFER_PADDING for the padding (cbBlockSize octets are always
 *     enough; it may be left out when cbBlockSize is 1): PADDING
 *     receives the encrypted padding and TOKEN the encrypted MAC, 0x0001
 *     and seq (cbBuffer of each set).  Send DATA, PADDING, TOKEN, in that
 *     order whatever their order in the descriptor; or
 *   - a SECBUFFER_PADDING alone for all that follows the data (the
 *     Windows Digest form; cbMaxSignature + cbBlockSize octets are always
 *     enough).  Send DATA, then PADDING.
 *   On an auth-int context the message is signed, not encrypted (fQOP 0
 *   or SECQOP_WRAP_NO_ENCRYPT; PADDING receives nothing); on auth-conf
 *   fQOP must be 0.
 * DecryptMessage(phContext, pMessage, 0, pfQOP): one SECBUFFER_DATA
 *   holding the whole message, decrypted in place (cbBuffer becomes the
 *   message's length), or one SECBUFFER_STREAM and one SECBUFFER_DATA as
 *   for VerifySignature.  *pfQOP receives 0, or SECQOP_WRAP_NO_ENCRYPT on
 *   an auth-int context, whose messages are verified, not decrypted.
 *
 * Statuses, checked in this order:
 *   SEC_E_INVALID_HANDLE; SEC_E_UNSUPPORTED_FUNCTION (an HTTP context);
 *   SEC_E_QOP_NOT_SUPPORTED (not established, qop=auth, an fQOP not
 *   allowed, or Make/VerifySignature on an auth-conf context, whose peer
 *   expects sealed messages); SEC_E_INVALID_PARAMETER (buffer types and
 *   counts; sending a message longer than cbMaximumMessage, the peer's
 *   maxbuf less the overhead); SEC_E_BUFFER_TOO_SMALL (an output buffer
 *   under its size: nothing is written); SEC_E_CONTEXT_EXPIRED (2^32
 *   messages went this way: sequence numbers must not wrap);
 *   SEC_E_INTERNAL_ERROR (OpenSSL failed while sending: that direction
 *   is closed).  Receiving, then:
 *   SEC_E_MESSAGE_ALTERED     an earlier message of this direction was;
 *   SEC_E_INCOMPLETE_MESSAGE  shorter than the 16-octet MAC block (or a
 *                             token under 16 octets), or with des and
 *                             3des an encrypted part that is not whole
 *                             8-octet blocks: truncated;
 *   SEC_E_INVALID_TOKEN       a token longer than 16 octets;
 *   SEC_E_MESSAGE_ALTERED     a message type other than 0x0001;
 *   SEC_E_OUT_OF_SEQUENCE     seq is not the next one: replayed,
 *                             reordered or lost.  Nothing changes, and the
 *                             expected message may still come;
 *   SEC_E_MESSAGE_ALTERED     after decryption, a padding octet or the MAC
 *                             is wrong (one status for both).  The data
 *                             buffer is zeroed rather than left holding
 *                             unauthenticated plaintext, and this
 *                             direction refuses every later message.
 *   seq travels in the clear and is checked before the MAC: a changed seq
 *   only makes a message out of sequence, and a replayed message (right
 *   MAC for its own number) is told apart from a forged one.
 */
#define SEC_E_INCOMPLETE_MESSAGE ((SECURITY_STATUS)0x80090318L)

#define SECQOP_WRAP_NO_ENCRYPT 0x80000001U

#define SD_QOP_AUTH_CONF 0x4U

#define SD_SASL_CIPHER_3DES 0x01U
#define SD_SASL_CIPHER_RC4 0x02U
#define SD_SASL_CIPHER_DES 0x04U
#define SD_SASL_CIPHER_RC4_56 0x08U
#define SD_SASL_CIPHER_RC4_40 0x10U
#define SD_SASL_CIPHERS_ALL 0x1FU
#define SD_SASL_CIPHERS_DEFAULT (SD_SASL_CIPHER_3DES | SD_SASL_CIPHER_RC4)

/* RFC 2831 §2.1.1 and §2.1.2: a digest-challenge is under 2048 octets, a
   digest-response under 4096; maxbuf is at most 2^24 - 1. */
#define SD_SASL_MAX_CHALLENGE 2048U
#define SD_SASL_MAX_RESPONSE 4096U
#define SD_SASL_DEFAULT_MAXBUF 65536U
#define SD_SASL_MAX_MAXBUF 16777215U

/*
 * Per-call parameters of SASL mode: an optional input buffer of type
 * SECBUFFER_SD_SASL_PARAMETERS whose pvBuffer points to this structure
 * (cbBuffer = its size).  Strings are (pointer, length), UTF-8, not
 * NUL-terminated; NULL for none.
 *   Pool              server: the parent of a context this call creates
 *                     (as SD_CALL_PARAMETERS.Pool).
 *   pvGetKeyArgument  server: when not NULL, replaces the credentials' key
 *                     argument for this call.
 *   Realm             server, first call: the realm to offer instead of
 *                     the policy's SaslRealm.  At most SD_MAX_REALM octets.
 *   DigestUri         server, second call: the digest-uri the response
 *                     must carry (SEC_E_WRONG_PRINCIPAL otherwise).
 *   Authzid           server, second call: the one authzid a response may
 *                     carry (SEC_E_WRONG_PRINCIPAL for another);
 *                     client: the authzid to send.
 *   Ciphers           SD_SASL_CIPHER_* bits this exchange may use (0: no
 *                     restriction): the server offers the policy's less
 *                     the others, the client chooses among them.
 *   MaxBuffer         the largest protected message this side announces
 *                     it accepts (maxbuf), 17 to SD_SASL_MAX_MAXBUF; 0 for
 *                     65536.  Longer messages are still accepted.
 * Anything out of range is SEC_E_INVALID_PARAMETER.
 */
#define SECBUFFER_SD_SASL_PARAMETERS 0x5D20U

typedef struct _SD_SASL_PARAMETERS {
    apr_pool_t *Pool;
    PVOID pvGetKeyArgument;
    const SEC_CHAR *Realm;
    ULONG RealmLength;
    const SEC_CHAR *DigestUri;
    ULONG DigestUriLength;
    const SEC_CHAR *Authzid;
    ULONG AuthzidLength;
    ULONG Ciphers;
    ULONG MaxBuffer;
} SD_SASL_PARAMETERS, *PSD_SASL_PARAMETERS;

/*
 * QueryContextAttributes on SASL contexts:
 *   SECPKG_ATTR_SIZES         cbMaxToken; once a layer is negotiated,
 *                             cbMaxSignature 16 (the MAC block),
 *                             cbSecurityTrailer 16, and cbBlockSize 8 for
 *                             des and 3des, else 1 (0 all three before,
 *                             and with qop=auth).
 *   SECPKG_ATTR_STREAM_SIZES  cbHeader 0, cbTrailer (the most that follows
 *                             the data: 16, or 24 with des and 3des),
 *                             cbMaximumMessage (the peer's maxbuf less 4
 *                             and cbTrailer, as Cyrus SASL counts it),
 *                             cBuffers 3, cbBlockSize.
 *   SECPKG_ATTR_SD_SASL       what the exchange settled, once the
 *                             response is verified (server) or sent
 *                             (client), SEC_E_NO_CREDENTIALS before:
 *                             SecPkgContext_SdSasl.  Strings point into the
 *                             context (valid while it lives; not
 *                             NUL-terminated; NULL/0 when absent).
 * NAMES gives the authenticated user (server) or the identity's user
 * (client), as in HTTP mode; SD_REASON says why the last call failed.
 */
#define SECPKG_ATTR_STREAM_SIZES 4
#define SECPKG_ATTR_SD_SASL 0x5D000020U

typedef struct _SecPkgContext_StreamSizes {
    ULONG cbHeader;
    ULONG cbTrailer;
    ULONG cbMaximumMessage;
    ULONG cBuffers;
    ULONG cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

typedef struct _SecPkgContext_SdSasl {
    ULONG Qop;    /* SD_QOP_AUTH, SD_QOP_AUTH_INT or SD_QOP_AUTH_CONF */
    ULONG Cipher; /* one SD_SASL_CIPHER_* bit with auth-conf, else 0 */
    const SEC_CHAR *sRealm;
    ULONG cbRealm;
    const SEC_CHAR *sDigestUri;
    ULONG cbDigestUri;
    const SEC_CHAR *sAuthzid; /* NULL: none was sent */
    ULONG cbAuthzid;
    ULONG PeerMaxBuffer; /* the peer's maxbuf */
} SecPkgContext_SdSasl, *PSecPkgContext_SdSasl;

SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                        PSecBufferDesc pMessage,
                                        ULONG MessageSeqNo);
SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext,
                                          PSecBufferDesc pMessage,
                                          ULONG MessageSeqNo, PULONG pfQOP);
SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                         PSecBufferDesc pMessage,
                                         ULONG MessageSeqNo);
SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext,
                                         PSecBufferDesc pMessage,
                                         ULONG MessageSeqNo, PULONG pfQOP);

/*
 * The ciphers this host can offer or use in SASL mode (SD_SASL_CIPHER_*
 * bits) into *pfCiphers, and in *ppszReason (when not NULL) why the
 * others are missing, or NULL.  rc4, rc4-56, rc4-40 and des need OpenSSL
 * 3's legacy provider, which the package loads into a library context of
 * its own (the process's OpenSSL configuration is left alone); without
 * it they are neither offered nor chosen, and everything else works.
 * Call it once at start-up to log the reason.  The string is static.
 * SEC_E_OK, or SEC_E_INVALID_PARAMETER for a NULL pfCiphers.
 */
SECURITY_STATUS SEC_ENTRY SdSaslCiphers(PULONG pfCiphers,
                                        const SEC_CHAR **ppszReason);

#ifdef __cplusplus
}
#endif

#endif /* SSPI_H */
