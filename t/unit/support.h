/*
 * support.h: what the engine's unit tests share: APR set-up, pools that
 * really give memory back (so use-after-destroy is caught under ASan), a
 * table-driven user store behind the key callback, credentials with a
 * fixed clock, and one-call helpers around the SSPI entry points.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <apr_pools.h>

#include "cred.h"
#include "sspi.h"

/* cmocka group set-up and tear-down: apr_initialize / apr_terminate. */
int test_apr_up(void **state);
int test_apr_down(void **state);

/* A pool whose allocator keeps no free blocks. */
apr_pool_t *test_pool(void);
void test_pool_destroy(apr_pool_t *pool);

/* The user store: users with passwords; the callback answers with
   H(user:realm:password) of the requested family, resolves user-hashes,
   and can be told to fail. */
typedef struct {
    const char *user;
    const char *realm;
    const char *password;
    ULONG missing_families; /* bit (1 << family): no key of that family */
} test_user;

extern const test_user *test_users;
extern size_t test_nusers;
extern bool test_store_down;    /* answer SEC_E_NO_AUTHENTICATING_AUTHORITY */
extern unsigned test_key_calls; /* calls made to the key callback */
void SEC_ENTRY test_get_key(PVOID arg, PVOID principal, ULONG version,
                            PVOID *key, SECURITY_STATUS *status);

/* The clock the test credentials see (seconds since the epoch). */
extern int64_t test_now;

/* A policy offering `algs` (n of them), qop, lifetime 300 s, a fixed
   secret; adjust fields before test_server_cred. */
void test_policy(SD_DIGEST_SERVER_POLICY *p, const ULONG *algs, size_t n,
                 ULONG qop);

/* Server credentials from a policy, with the test clock installed. */
void test_server_cred(const SD_DIGEST_SERVER_POLICY *p, CredHandle *h);

/* Client credentials for user/password (Domain empty). */
void test_client_cred(const char *user, const char *password, CredHandle *h);

/* The six HTTP input buffers of AcceptSecurityContext, and room for a
   seventh, SD_CALL_PARAMETERS. */
typedef struct {
    SecBuffer b[7];
    SecBufferDesc desc;
    SD_CALL_PARAMETERS params;
} asc_buffers;

void asc_buffers_set(asc_buffers *in, const char *token, const char *method,
                     const char *entity_hex, const char *realm);

/* Adds the SD_CALL_PARAMETERS buffer with the caller's scope (a string). */
void asc_buffers_scope(asc_buffers *in, const char *scope);

/* One AcceptSecurityContext call with a caller output buffer of `cap`
   octets (written NUL-terminated into out).  ctx may be NULL for a new
   context; *ctx_out receives it. */
SECURITY_STATUS asc_call(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *token, const char *method,
                         const char *entity_hex, const char *realm, char *out,
                         size_t cap, ULONG *attrs);

/* The same with a caller's scope (NULL: no SD_CALL_PARAMETERS). */
SECURITY_STATUS asc_call_scoped(CredHandle *cred, CtxtHandle *ctx,
                                CtxtHandle *ctx_out, ULONG req,
                                const char *token, const char *method,
                                const char *entity_hex, const char *realm,
                                const char *scope, char *out, size_t cap,
                                ULONG *attrs);

/* One CompleteAuthToken call with the same buffers (scope may be NULL). */
SECURITY_STATUS cat_call(CtxtHandle *ctx, const char *token, const char *method,
                         const char *entity_hex, const char *realm,
                         const char *scope);

/* One InitializeSecurityContext call (HTTP style). */
SECURITY_STATUS isc_call(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *uri, const char *token,
                         const char *method, char *out, size_t cap,
                         ULONG *attrs);

/* A server offering one algorithm and qop (test_policy), a client for
   user/password, the server's challenge (its context kept in sctx), and
   the client's first Authorization for uri. */
typedef struct {
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    char challenge[16384];
    char authz[16384];
} test_exchange;

void test_exchange_start(test_exchange *x, ULONG alg, ULONG qop,
                         const char *user, const char *password,
                         const char *uri);
void test_exchange_finish(test_exchange *x);

/* The reason string of a context (SECPKG_ATTR_SD_REASON). */
const char *test_reason(CtxtHandle *ctx);

/* ---- SASL mode --------------------------------------------------------- */

/* One AcceptSecurityContext / InitializeSecurityContext call in SASL mode:
   buffer 0 holds token (NULL: pInput NULL), then sp when not NULL; the
   output token is written NUL-terminated into out (cap octets). */
SECURITY_STATUS sasl_asc(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *token,
                         const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                         ULONG *attrs);
SECURITY_STATUS sasl_isc(CredHandle *cred, CtxtHandle *ctx, CtxtHandle *ctx_out,
                         ULONG req, const char *target, const char *token,
                         const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                         ULONG *attrs);

/* Server credentials for SASL mode: test_policy (MD5, auth) with
   SaslRealm "realm" and SaslCiphers `ciphers` (0: the default). */
void test_sasl_server_cred(ULONG ciphers, CredHandle *h);

/* A whole exchange between the engine's server and client: challenge,
   response, rspauth; each step's status is asserted.  isc_ciphers goes in
   the client's SD_SASL_PARAMETERS.Ciphers (0: none given). */
typedef struct {
    CredHandle server, client;
    CtxtHandle sctx, cctx;
    char challenge[4096];
    char response[4096];
    char rspauth[256];
    ULONG sattrs, cattrs;
} sasl_exchange;

void sasl_exchange_run(sasl_exchange *x, ULONG asc_req, ULONG isc_req,
                       ULONG isc_ciphers, const char *user,
                       const char *password);
void sasl_exchange_finish(sasl_exchange *x);

/* Asserts a status, printing both names on failure. */
#define assert_status(got, want)                                               \
    do {                                                                       \
        SECURITY_STATUS got_ = (got), want_ = (want);                          \
        if (got_ != want_) {                                                   \
            fail_msg("status %s, expected %s", SdStatusName(got_),             \
                     SdStatusName(want_));                                     \
        }                                                                      \
    } while (0)

#endif
