/*
 * engine_bench.c: the engine micro-benchmark of `make bench` (one thread).
 *
 *   engine_bench [-t SECONDS] [-g MAXNONCES] [-i IRFILE] [-q]
 *       times everything and prints the engine part of the report; with
 *       -i, adds the instructions per operation that a callgrind run
 *       (below) wrote to IRFILE ("name count" per line).
 *   engine_bench --callgrind N
 *       under `valgrind --tool=callgrind`, runs N operations of each kind
 *       and dumps one callgrind profile per kind, named after it
 *       (CALLGRIND_DUMP_STATS_AT); bench/run.sh turns them into IRFILE.
 *
 * What is measured, on ready-made valid responses made by the engine's own
 * client (InitializeSecurityContext), outside the timed loops:
 *   - asc: AcceptSecurityContext on a new context, then
 *     DeleteSecurityContext: a client that arrives with credentials on a
 *     new connection, or the first authenticated request of a connection
 *     (the module creates the context with the challenge);
 *   - cat: CompleteAuthToken on an established context: what the module
 *     does for a keep-alive client reusing its nonce (no nonce MAC, no key
 *     lookup; the count still goes through the replay store);
 *   - auth-int follows the module: a first call without H(entity-body)
 *     answers SEC_I_COMPLETE_NEEDED, SdHashEntityBody hashes the 1 KiB
 *     body, CompleteAuthToken finishes;
 *   - floor: the protocol's hashes of the same strings in a bare OpenSSL
 *     loop (H(A2), the response, rspauth's H(A2) and KD, -sess's H(A1),
 *     H(entity-body)): what any Digest server must compute;
 *   - the cost split, through the internal APIs (the src/ headers);
 *   - growth: the replay store filled with n live nonces.
 * Replay detection is on everywhere (ASC_REQ_REPLAY_DETECT), as with the
 * module's default AuthDigestNcCheck On.  Times are the best of several
 * blocks (noise only adds time).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <openssl/evp.h>

#include "common.h"
#include "context.h"
#include "cred.h"
#include "digest_hash.h"
#include "mac.h"
#include "nc_table.h"
#include "nonce.h"
#include "params.h"
#include "secret.h"
#include "sspi.h"

#define TOKEN_CAP 12288
#define TOK_MAX 640
#define BATCH 2048
#define NCLIENTS 16
#define BODY_LEN 1024
#define BLOCKS 5

static const char REALM[] = "bench@example.org";
static const char USER[] = "bench";
static const char PASSWORD[] = "bench-password";
static const char URI[] = "/bench/index.html";
static const unsigned char SECRET[32] = "0123456789abcdef0123456789abcdef";

static apr_pool_t *gpool; /* long-lived */
static apr_pool_t *cpool; /* "connection" pool: parent of contexts */
static char ha1[SD_HASH_FAMILIES][SD_MAX_HEX + 1];
static char body[BODY_LEN];
static double budget = 0.6; /* seconds of timed work per measurement */
static bool callgrind_mode;
static unsigned long cg_ops;
static unsigned long failures;

/* ---- small helpers ------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, SECURITY_STATUS st)
{
    fprintf(stderr, "engine_bench: %s: %s (0x%08x)\n", what, SdStatusName(st),
            (unsigned)st);
    exit(1);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static void SEC_ENTRY get_key(PVOID arg, PVOID principal, ULONG version,
                              PVOID *key, SECURITY_STATUS *status)
{
    SD_DIGEST_KEY_REQUEST *kr = principal;
    const sd_algorithm *alg = sd_algorithm_by_id(kr->Algorithm);
    size_t n;

    (void)arg, (void)key, (void)version;
    if (alg == NULL || kr->UserLength != strlen(USER) ||
        memcmp(kr->User, USER, kr->UserLength) != 0) {
        *status = SEC_E_UNKNOWN_CREDENTIALS;
        return;
    }
    n = 2 * sd_hash_size(alg->family);
    memcpy(kr->Key, ha1[alg->family], n);
    kr->KeyLength = (ULONG)n;
    *status = SEC_E_OK;
}

/* ---- one benchmark configuration: server and client credentials --------- */

typedef enum { V_AUTH, V_SESS, V_AUTHINT } variant;
static const char *const variant_name[] = {"auth", "auth", "auth-int 1KiB"};

typedef struct {
    ULONG alg;
    variant v;
    CredHandle server, client;
    SD_NONCE_COUNT_STORE store;
    void *store_mem;
} bench_cred;

typedef struct {
    CtxtHandle c; /* client */
    CtxtHandle s; /* server, established */
} pair;

static void cred_init(bench_cred *bc, ULONG alg, variant v, ULONG store_nonces)
{
    SD_DIGEST_SERVER_POLICY p;
    SECURITY_STATUS st;
    size_t size = SdNonceCountStoreSize(store_nonces);

    memset(bc, 0, sizeof(*bc));
    bc->alg = alg;
    bc->v = v;
    /* the module's shm store: process-shared robust locks */
    bc->store_mem = aligned_alloc(64, (size + 63) / 64 * 64);
    if (bc->store_mem == NULL) {
        die("no memory for the store", SEC_E_INSUFFICIENT_MEMORY);
    }
    st =
        SdNonceCountStoreInit(bc->store_mem, size, SD_STORE_SHARED, &bc->store);
    if (st != SEC_E_OK) {
        die("SdNonceCountStoreInit", st);
    }
    memset(&p, 0, sizeof(p));
    p.Version = SD_DIGEST_SERVER_POLICY_VERSION;
    p.AlgorithmCount = 1;
    p.Algorithms[0] = alg;
    p.QopFlags = v == V_AUTHINT ? SD_QOP_AUTH_INT : SD_QOP_AUTH;
    p.NonceLifetime = 300;
    p.NonceSecret = SECRET;
    p.NonceSecretLength = sizeof(SECRET);
    p.NonceCountStore = &bc->store;
    p.Pool = gpool;
    st = AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_INBOUND, NULL,
                                  &p, get_key, NULL, &bc->server, NULL);
    if (st != SEC_E_OK) {
        die("AcquireCredentialsHandle (server)", st);
    }
    st = bench_client_cred(USER, PASSWORD, &bc->client);
    if (st != SEC_E_OK) {
        die("AcquireCredentialsHandle (client)", st);
    }
}

static void cred_free(bench_cred *bc)
{
    /* every context made with them is deleted by now, so the credentials
       go at once and nothing uses the store any more */
    FreeCredentialsHandle(&bc->server);
    FreeCredentialsHandle(&bc->client);
    free(bc->store_mem);
}

/* The module's input descriptor: token, method, reserved, H(entity-body),
   realm, channel bindings, call parameters. */
typedef struct {
    SecBuffer b[7];
    SecBufferDesc d;
    SD_CALL_PARAMETERS cp;
    char entity_hex[SD_MAX_HEX + 1];
} asc_in;

static void asc_in_set(asc_in *in, const char *token, size_t len,
                       const char *method)
{
    memset(&in->cp, 0, sizeof(in->cp));
    in->cp.Pool = cpool;
    in->cp.RequestTarget = URI;
    in->cp.RequestTargetLength = (ULONG)strlen(URI);
    in->b[0] =
        (SecBuffer){(ULONG)len, SECBUFFER_TOKEN, (void *)(uintptr_t)token};
    in->b[1] = (SecBuffer){(ULONG)strlen(method), SECBUFFER_PKG_PARAMS,
                           (void *)(uintptr_t)method};
    in->b[2] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
    in->b[3] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, in->entity_hex};
    in->b[4] = (SecBuffer){(ULONG)strlen(REALM), SECBUFFER_PKG_PARAMS,
                           (void *)(uintptr_t)REALM};
    in->b[5] =
        (SecBuffer){0, SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, NULL};
    in->b[6] =
        (SecBuffer){sizeof(in->cp), SECBUFFER_SD_CALL_PARAMETERS, &in->cp};
    in->d.ulVersion = SECBUFFER_VERSION;
    in->d.cBuffers = 7;
    in->d.pBuffers = in->b;
}

static const char *method_of(const bench_cred *bc)
{
    return bc->v == V_AUTHINT ? "POST" : "GET";
}

static ULONG asc_flags(void)
{
    return ASC_REQ_HTTP | ASC_REQ_REPLAY_DETECT;
}

/* auth-int: the engine asked for H(entity-body) (SEC_I_COMPLETE_NEEDED);
   hash the body into buffer 3 and let CompleteAuthToken finish. */
static SECURITY_STATUS complete_with_body(CtxtHandle *ctx, asc_in *in)
{
    SECURITY_STATUS st = SdHashEntityBody(ctx, body, BODY_LEN, in->entity_hex,
                                          sizeof(in->entity_hex));

    if (st != SEC_E_OK) {
        return st;
    }
    in->b[3].cbBuffer = (ULONG)strlen(in->entity_hex);
    return CompleteAuthToken(ctx, &in->d);
}

/* AcceptSecurityContext on *ctx (NULL: a new one into *out_ctx), the
   module's way, auth-int included.  Returns the final status. */
static SECURITY_STATUS server_accept(const bench_cred *bc, CtxtHandle *ctx,
                                     CtxtHandle *out_ctx, const char *token,
                                     size_t len, char *out, ULONG *out_len)
{
    asc_in in;
    SecBuffer ob = {TOKEN_CAP, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    asc_in_set(&in, token, len, method_of(bc));
    st = AcceptSecurityContext((PCredHandle)(uintptr_t)&bc->server, ctx, &in.d,
                               asc_flags(), 0, out_ctx, &od, &attrs, NULL);
    if (st == SEC_I_COMPLETE_NEEDED) {
        st = complete_with_body(out_ctx, &in);
    }
    if (out_len != NULL) {
        *out_len = ob.cbBuffer;
    }
    return st;
}

/* CompleteAuthToken on an established context, the module's way. */
static SECURITY_STATUS server_complete(const bench_cred *bc, CtxtHandle *ctx,
                                       const char *token, size_t len)
{
    asc_in in;
    SECURITY_STATUS st;

    asc_in_set(&in, token, len, method_of(bc));
    st = CompleteAuthToken(ctx, &in.d);
    if (st == SEC_I_COMPLETE_NEEDED) {
        st = complete_with_body(ctx, &in);
    }
    if (st == SEC_E_OK) {
        SecPkgContext_SdAuthenticationInfo ai;

        QueryContextAttributes(ctx, SECPKG_ATTR_SD_AUTHENTICATION_INFO, &ai);
    }
    return st;
}

/* InitializeSecurityContext: the next Authorization value. */
static SECURITY_STATUS client_answer(bench_cred *bc, CtxtHandle *ctx,
                                     const char *challenge, char *tok,
                                     size_t *len)
{
    SecBuffer ib[3];
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {TOK_MAX - 1, SECBUFFER_TOKEN, tok};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    const char *method = method_of(bc);
    SECURITY_STATUS st;

    ib[0] = (SecBuffer){(ULONG)strlen(challenge), SECBUFFER_TOKEN,
                        (void *)(uintptr_t)challenge};
    ib[1] = (SecBuffer){(ULONG)strlen(method), SECBUFFER_PKG_PARAMS,
                        (void *)(uintptr_t)method};
    if (bc->v == V_AUTHINT) {
        ib[2] = (SecBuffer){BODY_LEN, SECBUFFER_DATA, body};
        id.cBuffers = 3;
    }
    st = InitializeSecurityContext(
        challenge[0] ? &bc->client : NULL, challenge[0] ? NULL : ctx,
        (SEC_CHAR *)(uintptr_t)URI, ISC_REQ_USE_HTTP_STYLE, 0, 0, &id, 0, ctx,
        &od, &attrs, NULL);
    *len = ob.cbBuffer;
    tok[*len] = '\0';
    return st;
}

/* A client whose first response (nc=1) established a server context. */
static void pair_make(bench_cred *bc, pair *p)
{
    static char chal[TOKEN_CAP + 1];
    char tok[TOK_MAX];
    size_t len = 0;
    ULONG olen = 0;
    SECURITY_STATUS st;

    SecInvalidateHandle(&p->s);
    st = server_accept(bc, NULL, &p->s, "", 0, chal, &olen);
    if (st != SEC_I_CONTINUE_NEEDED) {
        die("challenge", st);
    }
    chal[olen] = '\0';
    st = client_answer(bc, &p->c, chal, tok, &len);
    if (st != SEC_E_OK) {
        die("InitializeSecurityContext (first)", st);
    }
    st = server_accept(bc, &p->s, &p->s, tok, len, chal, &olen);
    if (st != SEC_E_OK) {
        die("AcceptSecurityContext (nc=1)", st);
    }
}

static void pair_free(pair *p)
{
    DeleteSecurityContext(&p->c);
    DeleteSecurityContext(&p->s);
}

/* ---- token batches ------------------------------------------------------ */

typedef struct {
    char tok[BATCH][TOK_MAX];
    size_t len[BATCH];
    int owner[BATCH];
    size_t n;
} batch;

static batch tb;

/* The next response of each client in turn, n of them. */
static void batch_fill(bench_cred *bc, pair *pairs, int npairs, size_t n)
{
    static size_t cursor;

    tb.n = n;
    for (size_t i = 0; i < n; i++) {
        int k = (int)(cursor++ % (size_t)npairs);
        SECURITY_STATUS st =
            client_answer(bc, &pairs[k].c, "", tb.tok[i], &tb.len[i]);

        if (st != SEC_E_OK) {
            die("InitializeSecurityContext", st);
        }
        tb.owner[i] = k;
    }
}

/* ---- timing harness ----------------------------------------------------- */

typedef enum { OP_ASC, OP_CAT } op_kind;

/* One pass over the batch; returns seconds. */
static double batch_run(bench_cred *bc, pair *pairs, op_kind op)
{
    char out[TOKEN_CAP];
    double t0 = now_s();

    for (size_t i = 0; i < tb.n; i++) {
        SECURITY_STATUS st;

        if (op == OP_ASC) {
            CtxtHandle h;
            ULONG olen;

            SecInvalidateHandle(&h);
            st = server_accept(bc, NULL, &h, tb.tok[i], tb.len[i], out, &olen);
            if (SecIsValidHandle(&h)) {
                DeleteSecurityContext(&h);
            }
        }
        else {
            st = server_complete(bc, &pairs[tb.owner[i]].s, tb.tok[i],
                                 tb.len[i]);
        }
        if (st != SEC_E_OK) {
            failures++;
        }
    }
    return now_s() - t0;
}

/* Seconds per operation: best of BLOCKS blocks of budget/BLOCKS each. */
static double measure_ops(bench_cred *bc, pair *pairs, int npairs, op_kind op,
                          const char *cg_name)
{
    double best = 1e9;

    if (callgrind_mode) {
        size_t n = cg_ops < BATCH ? cg_ops : BATCH;

        batch_fill(bc, pairs, npairs, n);
        batch_run(bc, pairs, op); /* warm */
        batch_fill(bc, pairs, npairs, n);
        CALLGRIND_ZERO_STATS;
        batch_run(bc, pairs, op);
        CALLGRIND_DUMP_STATS_AT(cg_name);
        return 0;
    }
    batch_fill(bc, pairs, npairs, BATCH / 4);
    batch_run(bc, pairs, op); /* warm-up */
    for (int b = 0; b < BLOCKS; b++) {
        double spent = 0;
        size_t ops = 0;

        while (spent < budget / BLOCKS) {
            batch_fill(bc, pairs, npairs, BATCH);
            spent += batch_run(bc, pairs, op);
            ops += BATCH;
        }
        if (spent / (double)ops < best) {
            best = spent / (double)ops;
        }
    }
    return best;
}

/* Times fn(arg) in a loop: best of BLOCKS blocks.  Seconds per call. */
typedef void (*loop_fn)(void *arg, size_t iters);

static double measure_loop(loop_fn fn, void *arg, const char *cg_name)
{
    double best = 1e9;
    size_t iters = 64;

    if (callgrind_mode) {
        fn(arg, 16);
        CALLGRIND_ZERO_STATS;
        fn(arg, cg_ops);
        CALLGRIND_DUMP_STATS_AT(cg_name);
        return 0;
    }
    /* calibrate to about 10 ms per call of fn */
    for (;;) {
        double t0 = now_s(), dt;

        fn(arg, iters);
        dt = now_s() - t0;
        if (dt > 0.01 || iters > (1U << 26)) {
            break;
        }
        iters *= 2;
    }
    for (int b = 0; b < BLOCKS; b++) {
        double spent = 0;
        size_t calls = 0;

        while (spent < budget / BLOCKS) {
            double t0 = now_s();

            fn(arg, iters);
            spent += now_s() - t0;
            calls += iters;
        }
        if (spent / (double)calls < best) {
            best = spent / (double)calls;
        }
    }
    return best;
}

/* ---- instruction counts from a callgrind run ------------------------------
 */

#define MAX_IR 128
static struct {
    char name[64];
    double per_op;
} irs[MAX_IR];
static int nirs;

static void ir_load(const char *path)
{
    FILE *f = fopen(path, "r");
    char name[64];
    double v;

    if (f == NULL) {
        return;
    }
    while (nirs < MAX_IR && fscanf(f, "%63s %lf", name, &v) == 2) {
        snprintf(irs[nirs].name, sizeof(irs[nirs].name), "%s", name);
        irs[nirs].per_op = v;
        nirs++;
    }
    fclose(f);
}

/* Instructions per operation, or 0 when not measured. */
static double ir(const char *name)
{
    for (int i = 0; i < nirs; i++) {
        if (strcmp(irs[i].name, name) == 0) {
            return irs[i].per_op;
        }
    }
    return 0;
}

static void fmt_ir(char *buf, size_t n, double v)
{
    if (v <= 0) {
        snprintf(buf, n, "-");
    }
    else if (v >= 100000) {
        snprintf(buf, n, "%.0fk", v / 1000);
    }
    else {
        snprintf(buf, n, "%.1fk", v / 1000);
    }
}

static void fmt_ratio(char *buf, size_t n, double a, double b)
{
    if (a <= 0 || b <= 0) {
        snprintf(buf, n, "-");
    }
    else {
        snprintf(buf, n, "%.2f", a / b);
    }
}

/* ---- the floor: the protocol's hashes in a bare OpenSSL loop --------------
 */

typedef struct {
    const EVP_MD *md;
    EVP_MD_CTX *ctx;
    size_t hex_len;
    variant v;
    char a2[256], a2r[256]; /* method:uri[:H(body)], :uri[:H(body)] */
    char kd[512];           /* HA1:nonce:nc:cnonce:qop: (then HA2) */
    size_t kd_prefix;
    char sess[256]; /* HA1:nonce:cnonce */
} floor_arg;

static void hexenc(char *out, const unsigned char *in, size_t n)
{
    static const char d[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
}

static void hash_hex(floor_arg *f, const void *p, size_t n, char *hex)
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    EVP_DigestInit_ex2(f->ctx, f->md, NULL);
    EVP_DigestUpdate(f->ctx, p, n);
    EVP_DigestFinal_ex(f->ctx, raw, &len);
    hexenc(hex, raw, len);
}

static void floor_loop(void *arg, size_t iters)
{
    floor_arg *f = arg;
    char hex[2 * EVP_MAX_MD_SIZE];
    char kd[512];
    size_t hl = f->hex_len;

    for (size_t i = 0; i < iters; i++) {
        size_t a2len = strlen(f->a2), a2rlen = strlen(f->a2r);

        memcpy(kd, f->kd, f->kd_prefix);
        if (f->v == V_SESS) {
            hash_hex(f, f->sess, strlen(f->sess), kd); /* H(A1) once */
        }
        if (f->v == V_AUTHINT) {
            /* H(entity-body), then A2 = method:uri:H(body) */
            hash_hex(f, body, BODY_LEN, f->a2 + a2len - hl);
            memcpy(f->a2r + a2rlen - hl, f->a2 + a2len - hl, hl);
        }
        hash_hex(f, f->a2, a2len, kd + f->kd_prefix); /* request */
        hash_hex(f, kd, f->kd_prefix + hl, hex);
        hash_hex(f, f->a2r, a2rlen, kd + f->kd_prefix); /* rspauth */
        hash_hex(f, kd, f->kd_prefix + hl, hex);
    }
}

static const EVP_MD *md_of(sd_hash_family fam)
{
    static const char *names[] = {"MD5", "SHA2-256", "SHA2-512/256"};
    static EVP_MD *mds[3];

    if (mds[fam] == NULL) {
        mds[fam] = EVP_MD_fetch(NULL, names[fam], NULL);
    }
    return mds[fam];
}

static void floor_init(floor_arg *f, const sd_algorithm *alg, variant v,
                       const char *nonce)
{
    size_t hl = 2 * sd_hash_size(alg->family);
    char ph[SD_MAX_HEX + 1];

    memset(f, 0, sizeof(*f));
    f->md = md_of(alg->family);
    f->ctx = EVP_MD_CTX_new();
    f->hex_len = hl;
    f->v = v;
    memset(ph, '0', hl);
    ph[hl] = '\0';
    if (v == V_AUTHINT) {
        snprintf(f->a2, sizeof(f->a2), "POST:%s:%s", URI, ph);
        snprintf(f->a2r, sizeof(f->a2r), ":%s:%s", URI, ph);
    }
    else {
        snprintf(f->a2, sizeof(f->a2), "GET:%s", URI);
        snprintf(f->a2r, sizeof(f->a2r), ":%s", URI);
    }
    snprintf(f->kd, sizeof(f->kd), "%s:%s:00000001:%s:%s:", ha1[alg->family],
             nonce, "0123456789abcdef0123456789abcdef",
             v == V_AUTHINT ? "auth-int" : "auth");
    f->kd_prefix = strlen(f->kd);
    snprintf(f->sess, sizeof(f->sess), "%s:%s:%s", ha1[alg->family], nonce,
             "0123456789abcdef0123456789abcdef");
}

/* ---- the cost split ------------------------------------------------------ */

static sd_auth_list split_list;

typedef struct {
    const char *tok;
    size_t len;
    sd_hasher *h;
    sd_digest_input d;
    sd_mac *nonce_key;
    sd_mac *standin;
    sd_view nonce;
    sd_nc_table *table;
    uint32_t nc;
    unsigned char id[16];
    bench_cred *bc;
    unsigned char family;
} split_arg;

static void parse_loop(void *arg, size_t iters)
{
    split_arg *s = arg;

    for (size_t i = 0; i < iters; i++) {
        if (sd_auth_parse(&split_list, s->tok, s->len, SD_MAX_URI) !=
            SD_PARSE_OK) {
            failures++;
        }
    }
}

static void hash_loop(void *arg, size_t iters)
{
    split_arg *s = arg;
    unsigned char out[SD_MAX_DIGEST];

    for (size_t i = 0; i < iters; i++) {
        if (!sd_digest_response(s->h, &s->d, false, out) ||
            !sd_digest_response(s->h, &s->d, true, out)) {
            failures++;
        }
    }
}

static void nonce_loop(void *arg, size_t iters)
{
    split_arg *s = arg;
    sd_view realm = {REALM, strlen(REALM)};
    sd_nonce_info info;
    int64_t now = (int64_t)time(NULL);

    for (size_t i = 0; i < iters; i++) {
        if (sd_nonce_check(s->nonce_key, NULL, realm, s->nonce, now, 300,
                           &info) != SD_NONCE_VALID) {
            failures++;
        }
    }
}

static void nc_loop(void *arg, size_t iters)
{
    split_arg *s = arg;
    int64_t now = (int64_t)time(NULL);

    for (size_t i = 0; i < iters; i++) {
        if (sd_nc_table_check_and_set(
                s->table, s->id, 16, now, now + 300, now, ++s->nc,
                sd_nc_table_generation(s->table)) != SEC_E_OK) {
            failures++;
        }
    }
}

static void standin_loop(void *arg, size_t iters)
{
    split_arg *s = arg;
    unsigned char mac[SD_MAC_SIZE];

    for (size_t i = 0; i < iters; i++) {
        if (!sd_mac_begin(s->standin) ||
            !sd_mac_add(s->standin, &s->family, 1) ||
            !sd_mac_add(s->standin, USER, strlen(USER)) ||
            !sd_mac_add(s->standin, "\0", 1) ||
            !sd_mac_add(s->standin, REALM, strlen(REALM)) ||
            !sd_mac_end(s->standin, mac)) {
            failures++;
        }
    }
}

/* What a new server context costs before any protocol work: pool, hasher,
   handle, its copies of the nonce and stand-in MAC keys, and deletion. */
static void ctx_loop(void *arg, size_t iters)
{
    split_arg *s = arg;
    sd_cred *cred = sd_cred_lookup(&s->bc->server);

    for (size_t i = 0; i < iters; i++) {
        sd_ctx *ctx = NULL;
        SecHandle h;

        if (sd_ctx_create(cred, cpool, true, &ctx) != SEC_E_OK ||
            sd_ctx_publish(ctx, &h) != SEC_E_OK || !sd_ctx_nonce_keys(ctx) ||
            (ctx->standin_key = sd_mac_dup(ctx->pool, cred->standin_key)) ==
                NULL) {
            failures++;
        }
        if (ctx != NULL) {
            sd_ctx_destroy(ctx);
        }
    }
}

/* Fills s->d from a parsed token (views into split_list). */
static void split_digest_input(split_arg *s, const sd_algorithm *alg)
{
    const sd_challenge *ch = &split_list.challenges[0];
    static char tokcopy[TOK_MAX];

    memcpy(tokcopy, s->tok, s->len);
    if (sd_auth_parse(&split_list, tokcopy, s->len, SD_MAX_URI) !=
        SD_PARSE_OK) {
        die("split: parse", SEC_E_INVALID_TOKEN);
    }
    memset(&s->d, 0, sizeof(s->d));
    s->d.alg = alg;
    s->d.ha1_hex = ha1[alg->family];
    s->d.nonce = sd_challenge_param(&split_list, ch, "nonce")->value;
    s->d.cnonce = sd_challenge_param(&split_list, ch, "cnonce")->value;
    s->d.nc = sd_challenge_param(&split_list, ch, "nc")->value;
    s->d.qop = sd_challenge_param(&split_list, ch, "qop")->value;
    s->d.method.p = "GET";
    s->d.method.len = 3;
    s->d.uri = sd_challenge_param(&split_list, ch, "uri")->value;
    s->nonce = s->d.nonce;
}

/* ---- the report ---------------------------------------------------------- */

static const ULONG algs_plain[] = {SD_ALG_MD5, SD_ALG_SHA256,
                                   SD_ALG_SHA512_256};
static const ULONG algs_sess[] = {SD_ALG_MD5_SESS, SD_ALG_SHA256_SESS,
                                  SD_ALG_SHA512_256_SESS};

typedef struct {
    double asc, cat, floor;
} row_result;

static void cg_name(char *buf, size_t n, const char *what, ULONG alg, variant v)
{
    static const char *vn[] = {"auth", "sess", "authint"};

    snprintf(buf, n, "%s.%u.%s", what, (unsigned)alg, vn[v]);
}

static void run_row(ULONG alg, variant v, row_result *r)
{
    bench_cred bc;
    pair pairs[NCLIENTS];
    floor_arg f;
    char name[64];

    cred_init(&bc, alg, v, 8192);
    for (int k = 0; k < NCLIENTS; k++) {
        pair_make(&bc, &pairs[k]);
    }
    cg_name(name, sizeof(name), "asc", alg, v);
    r->asc = measure_ops(&bc, pairs, NCLIENTS, OP_ASC, name);
    cg_name(name, sizeof(name), "cat", alg, v);
    r->cat = measure_ops(&bc, pairs, NCLIENTS, OP_CAT, name);
    {
        /* the floor hashes the strings of a real response */
        sd_ctx *sc = sd_ctx_lookup(&pairs[0].s);

        floor_init(&f, sd_algorithm_by_id(alg), v, sc->nonce);
        cg_name(name, sizeof(name), "floor", alg, v);
        r->floor = measure_loop(floor_loop, &f, name);
        EVP_MD_CTX_free(f.ctx);
    }
    for (int k = 0; k < NCLIENTS; k++) {
        pair_free(&pairs[k]);
    }
    cred_free(&bc);
}

static void mint_loop(void *arg, size_t iters)
{
    bench_cred *bc = arg;
    char out[TOKEN_CAP];

    for (size_t i = 0; i < iters; i++) {
        CtxtHandle h;
        ULONG olen;

        SecInvalidateHandle(&h);
        if (server_accept(bc, NULL, &h, "", 0, out, &olen) !=
            SEC_I_CONTINUE_NEEDED) {
            failures++;
        }
        if (SecIsValidHandle(&h)) {
            DeleteSecurityContext(&h);
        }
    }
}

typedef struct {
    double parse, hash, nonce, nc, standin, ctx;
} split_result;

static void run_split(ULONG alg, split_result *r, double *mint)
{
    bench_cred bc;
    pair p;
    split_arg s;
    char tok[TOK_MAX];
    size_t len;
    char name[64];
    const sd_algorithm *a = sd_algorithm_by_id(alg);
    sd_cred *cred;
    size_t tsize = SdNonceCountStoreSize(8192);
    void *tmem = aligned_alloc(64, (tsize + 63) / 64 * 64);

    cred_init(&bc, alg, V_AUTH, 8192);
    pair_make(&bc, &p);
    if (client_answer(&bc, &p.c, "", tok, &len) != SEC_E_OK) {
        die("split: token", SEC_E_INTERNAL_ERROR);
    }
    memset(&s, 0, sizeof(s));
    s.tok = tok;
    s.len = len;
    s.bc = &bc;
    s.family = (unsigned char)a->family;
    s.h = sd_hasher_create(gpool);
    cred = sd_cred_lookup(&bc.server);
    s.nonce_key = sd_mac_dup(gpool, cred->nonce_key);
    s.standin = sd_mac_dup(gpool, cred->standin_key);
    s.table = sd_nc_table_init(tmem, tsize, true, 1);
    for (int i = 0; i < 16; i++) {
        s.id[i] = (unsigned char)rng();
    }
    split_digest_input(&s, a);

    const struct {
        const char *what;
        loop_fn fn;
        double *us;
    } pieces[] = {
        {"parse", parse_loop, &r->parse},       {"hash", hash_loop, &r->hash},
        {"nonce", nonce_loop, &r->nonce},       {"nc", nc_loop, &r->nc},
        {"standin", standin_loop, &r->standin}, {"ctx", ctx_loop, &r->ctx}};

    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        snprintf(name, sizeof(name), "split.%s.%u", pieces[i].what,
                 (unsigned)alg);
        *pieces[i].us = measure_loop(pieces[i].fn, &s, name);
    }
    if (mint != NULL) {
        snprintf(name, sizeof(name), "mint.%u", (unsigned)alg);
        *mint = measure_loop(mint_loop, &bc, name);
    }
    pair_free(&p);
    cred_free(&bc);
    free(tmem);
}

/* ---- growth: the replay store with n live nonces --------------------------
 */

typedef struct {
    sd_nc_table *t;
    unsigned char (*ids)[16];
    uint32_t *nc;
    uint32_t n;
    int64_t issued;
    unsigned long expired;
} fill_arg;

/* One check-and-set per call on a live nonce picked at random. */
static void nc_random_loop(void *arg, size_t iters)
{
    fill_arg *f = arg;
    int64_t now = (int64_t)time(NULL);

    for (size_t i = 0; i < iters; i++) {
        uint32_t k = (uint32_t)(rng() % f->n);
        SECURITY_STATUS st = sd_nc_table_check_and_set(
            f->t, f->ids[k], 16, f->issued, f->issued + 300, now, ++f->nc[k],
            sd_nc_table_generation(f->t));

        if (st == SEC_E_CONTEXT_EXPIRED) {
            f->expired++;
        }
        else if (st != SEC_E_OK) {
            failures++;
        }
    }
}

typedef struct {
    uint32_t n;
    size_t bytes;
    double held;  /* share of the n nonces still tracked after the fill */
    double nc_ns; /* check-and-set on a random live nonce */
    double asc_us, cat_us;
    uint32_t measured; /* clients behind the asc/cat figures */
} growth_result;

static void run_growth(uint32_t n, growth_result *g)
{
    bench_cred bc;
    fill_arg f;
    pair *pairs;
    uint32_t nbuckets = (n + SD_NC_BUCKET_SLOTS - 1) / SD_NC_BUCKET_SLOTS;
    uint32_t L = n < nbuckets ? n : nbuckets;
    int64_t now = (int64_t)time(NULL);
    char name[64];

    if (L > 4096) {
        L = 4096;
    }
    if (L == 0) {
        L = 1;
    }
    memset(g, 0, sizeof(*g));
    g->n = n;
    g->bytes = SdNonceCountStoreSize(n);
    g->measured = L;
    cred_init(&bc, SD_ALG_MD5, V_AUTH, n);

    /* n live nonces, issued a little earlier than the clients' */
    memset(&f, 0, sizeof(f));
    f.t = bc.store.pvStore;
    f.n = n;
    f.issued = now - 10;
    f.ids = malloc((size_t)n * 16);
    f.nc = calloc(n, sizeof(uint32_t));
    if (f.ids == NULL || f.nc == NULL) {
        die("growth: no memory", SEC_E_INSUFFICIENT_MEMORY);
    }
    for (uint32_t k = 0; k < n; k++) {
        uint64_t a = rng(), b = rng();

        memcpy(f.ids[k], &a, 8);
        memcpy(f.ids[k] + 8, &b, 8);
        f.nc[k] = 1;
        sd_nc_table_check_and_set(f.t, f.ids[k], 16, f.issued, f.issued + 300,
                                  now, 1, sd_nc_table_generation(f.t));
    }
    /* how many of them the table still vouches for */
    for (uint32_t k = 0; k < n; k++) {
        SECURITY_STATUS st = sd_nc_table_check_and_set(
            f.t, f.ids[k], 16, f.issued, f.issued + 300, now, ++f.nc[k],
            sd_nc_table_generation(f.t));

        if (st == SEC_E_OK) {
            g->held += 1;
        }
    }
    g->held /= n;
    snprintf(name, sizeof(name), "growth.nc.%u", (unsigned)n);
    g->nc_ns = measure_loop(nc_random_loop, &f, name) * 1e9;

    /* full verifications and keep-alive checks of L clients' responses */
    pairs = calloc(L, sizeof(*pairs));
    for (uint32_t k = 0; k < L; k++) {
        pair_make(&bc, &pairs[k]);
    }
    snprintf(name, sizeof(name), "growth.asc.%u", (unsigned)n);
    g->asc_us = measure_ops(&bc, pairs, (int)L, OP_ASC, name) * 1e6;
    snprintf(name, sizeof(name), "growth.cat.%u", (unsigned)n);
    g->cat_us = measure_ops(&bc, pairs, (int)L, OP_CAT, name) * 1e6;
    for (uint32_t k = 0; k < L; k++) {
        pair_free(&pairs[k]);
    }
    free(pairs);
    free(f.ids);
    free(f.nc);
    cred_free(&bc);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: engine_bench [-t SECONDS] [-g MAXNONCES] [-i IRFILE] [-q]\n"
            "       engine_bench --callgrind N [-g MAXNONCES]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint32_t growth_max = 1000000;
    const char *irfile = NULL;
    static const uint32_t growth_n[] = {1, 1000, 100000, 1000000};
    row_result rows[3][3];
    split_result split[3];
    growth_result growth[4];
    double mint = 0;
    int ngrowth = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            budget = atof(argv[++i]);
        }
        else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc) {
            growth_max = (uint32_t)strtoul(argv[++i], NULL, 10);
        }
        else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
            irfile = argv[++i];
        }
        else if (strcmp(argv[i], "-q") == 0) {
            budget = 0.1;
        }
        else if (strcmp(argv[i], "--callgrind") == 0 && i + 1 < argc) {
            callgrind_mode = true;
            cg_ops = strtoul(argv[++i], NULL, 10);
        }
        else {
            usage();
        }
    }
    if (apr_initialize() != APR_SUCCESS || !sd_hash_global_init()) {
        fprintf(stderr, "engine_bench: cannot initialise APR or OpenSSL\n");
        return 1;
    }
    apr_pool_create(&gpool, NULL);
    apr_pool_create(&cpool, gpool);
    memset(body, 'x', sizeof(body));
    {
        sd_hasher *h = sd_hasher_create(gpool);
        sd_view u = {USER, strlen(USER)}, r = {REALM, strlen(REALM)},
                p = {PASSWORD, strlen(PASSWORD)};

        for (int fam = 0; fam < SD_HASH_FAMILIES; fam++) {
            sd_digest_ha1(h, (sd_hash_family)fam, u, r, p, ha1[fam]);
        }
    }
    if (irfile != NULL) {
        ir_load(irfile);
    }

    for (int a = 0; a < 3; a++) {
        run_row(algs_plain[a], V_AUTH, &rows[a][0]);
        run_row(algs_sess[a], V_SESS, &rows[a][1]);
        run_row(algs_plain[a], V_AUTHINT, &rows[a][2]);
        run_split(algs_plain[a], &split[a], a == 0 ? &mint : NULL);
    }
    for (int i = 0; i < 4; i++) {
        if (growth_n[i] <= growth_max) {
            run_growth(growth_n[i], &growth[ngrowth++]);
        }
    }
    if (callgrind_mode) {
        return 0;
    }

    /* ---- print ---- */
    printf("ENGINE (one thread, replay detection on; best of %d blocks; "
           "Ir = instructions per operation, callgrind)\n",
           BLOCKS);
    printf("  asc = AcceptSecurityContext on a new context + "
           "DeleteSecurityContext (new connection)\n"
           "  cat = CompleteAuthToken on the connection's context "
           "(keep-alive, what the module does)\n"
           "  floor = the same digests in a bare OpenSSL EVP loop; "
           "x = ours/floor, by time and by Ir\n");
    printf("  %-16s %-13s %9s %6s %7s | %9s %6s %7s | %6s %7s | %5s %5s %5s "
           "%5s\n",
           "algorithm", "qop", "asc/s", "us", "Ir", "cat/s", "us", "Ir",
           "floor", "Ir", "xasc", "xIr", "xcat", "xIr");
    for (int a = 0; a < 3; a++) {
        for (int v = 0; v < 3; v++) {
            ULONG alg = v == V_SESS ? algs_sess[a] : algs_plain[a];
            const row_result *r = &rows[a][v];
            char n1[64], n2[64], n3[64], i1[16], i2[16], i3[16], x1[16], x2[16],
                x3[16], x4[16];

            cg_name(n1, sizeof(n1), "asc", alg, (variant)v);
            cg_name(n2, sizeof(n2), "cat", alg, (variant)v);
            cg_name(n3, sizeof(n3), "floor", alg, (variant)v);
            fmt_ir(i1, sizeof(i1), ir(n1));
            fmt_ir(i2, sizeof(i2), ir(n2));
            fmt_ir(i3, sizeof(i3), ir(n3));
            fmt_ratio(x1, sizeof(x1), r->asc, r->floor);
            fmt_ratio(x2, sizeof(x2), ir(n1), ir(n3));
            fmt_ratio(x3, sizeof(x3), r->cat, r->floor);
            fmt_ratio(x4, sizeof(x4), ir(n2), ir(n3));
            printf("  %-16s %-13s %9.0f %6.2f %7s | %9.0f %6.2f %7s | %6.2f "
                   "%7s | %5s %5s %5s %5s\n",
                   sd_algorithm_by_id(alg)->name, variant_name[v], 1.0 / r->asc,
                   r->asc * 1e6, i1, 1.0 / r->cat, r->cat * 1e6, i2,
                   r->floor * 1e6, i3, x1, x2, x3, x4);
        }
    }
    {
        char i1[16];

        fmt_ir(i1, sizeof(i1), ir("mint.1"));
        printf("  challenge minting (ASC, empty token, new context + delete; "
               "MD5): %.0f/s, %.2f us, Ir %s\n",
               1.0 / mint, mint * 1e6, i1);
    }
    printf("\nCOST SPLIT (us per operation, qop=auth; pieces timed alone "
           "through src/*.h)\n");
    printf("  %-12s %6s %8s %7s %7s %8s %8s | %6s %6s | %6s %6s\n", "algorithm",
           "parse", "hash(2)", "nonce", "nc", "standin", "ctx", "asc", "rest",
           "cat", "rest");
    for (int a = 0; a < 3; a++) {
        const split_result *s = &split[a];
        const row_result *r = &rows[a][0];
        double asc_sum =
            s->parse + s->hash + s->nonce + s->nc + s->standin + s->ctx;
        double cat_sum = s->parse + s->hash + s->nc;

        printf("  %-12s %6.2f %8.2f %7.2f %7.2f %8.2f %8.2f | %6.2f %6.2f | "
               "%6.2f %6.2f\n",
               sd_algorithm_by_id(algs_plain[a])->name, s->parse * 1e6,
               s->hash * 1e6, s->nonce * 1e6, s->nc * 1e6, s->standin * 1e6,
               s->ctx * 1e6, r->asc * 1e6, (r->asc - asc_sum) * 1e6,
               r->cat * 1e6, (r->cat - cat_sum) * 1e6);
    }
    printf("  parse = sd_auth_parse; hash(2) = sd_digest_response for the "
           "response and for rspauth;\n"
           "  nonce = sd_nonce_check (base64 + HMAC-SHA-256); nc = "
           "sd_nc_table_check_and_set (shared, robust lock);\n"
           "  standin = the unknown-user HMAC, computed for known users "
           "too; ctx = context create/publish/MAC dups/delete;\n"
           "  rest = asc (or cat) minus its pieces (cat skips nonce, "
           "standin and ctx).\n");
    {
        char ir1[16], ir2[16], ir3[16], ir4[16], ir5[16], ir6[16];

        fmt_ir(ir1, sizeof(ir1), ir("split.parse.1"));
        fmt_ir(ir2, sizeof(ir2), ir("split.hash.1"));
        fmt_ir(ir3, sizeof(ir3), ir("split.nonce.1"));
        fmt_ir(ir4, sizeof(ir4), ir("split.nc.1"));
        fmt_ir(ir5, sizeof(ir5), ir("split.standin.1"));
        fmt_ir(ir6, sizeof(ir6), ir("split.ctx.1"));
        printf("  Ir, MD5: parse %s, hash(2) %s, nonce %s, nc %s, standin %s, "
               "ctx %s\n",
               ir1, ir2, ir3, ir4, ir5, ir6);
    }

    if (ngrowth == 0) {
        goto done;
    }
    printf("\nGROWTH (replay store sized SdNonceCountStoreSize(n) and filled "
           "with n live nonces; MD5, qop=auth)\n");
    printf("  %9s %11s %9s %8s | %9s %6s | %8s %6s %8s %6s %7s\n", "nonces",
           "store", "B/nonce", "held", "nc ns", "x n=1", "asc us", "x n=1",
           "cat us", "x n=1", "clients");
    for (int i = 0; i < ngrowth; i++) {
        const growth_result *g = &growth[i];

        printf("  %9u %9.1fMB %9.1f %7.1f%% | %9.1f %6.2f | %8.2f %6.2f %8.2f "
               "%6.2f %7u\n",
               g->n, (double)g->bytes / 1e6, (double)g->bytes / g->n,
               g->held * 100, g->nc_ns, g->nc_ns / growth[0].nc_ns, g->asc_us,
               g->asc_us / growth[0].asc_us, g->cat_us,
               g->cat_us / growth[0].cat_us, g->measured);
    }
    printf("  held = share of the n nonces the store still vouches for after "
           "the fill (the rest were evicted: stale);\n"
           "  nc ns = one check-and-set on a random live nonce; asc/cat = "
           "per-request cost with `clients` clients\n"
           "  (at most one per bucket) on top of the n live nonces.\n");
    if (ngrowth > 1) {
        const growth_result *g0 = &growth[0], *gl = &growth[ngrowth - 1];
        double store_only =
            (g0->cat_us + (gl->nc_ns - g0->nc_ns) / 1000) / g0->cat_us;

        printf(
            "  store alone: cat at n=1 plus the extra nc cost at n=%u: x%.2f "
            "of n=1\n",
            gl->n, store_only);
    }
done:
    printf("\nTARGETS (engine)\n");
    for (int a = 0; a < 3; a++) {
        const row_result *r = &rows[a][0];
        char n1[64], n2[64], n3[64];
        double xa = r->asc / r->floor, xc = r->cat / r->floor;

        cg_name(n1, sizeof(n1), "asc", algs_plain[a], V_AUTH);
        cg_name(n2, sizeof(n2), "cat", algs_plain[a], V_AUTH);
        cg_name(n3, sizeof(n3), "floor", algs_plain[a], V_AUTH);
        printf("  %-12s within 2x of the floor (qop=auth): keep-alive (cat) "
               "x%.2f %s",
               sd_algorithm_by_id(algs_plain[a])->name, xc,
               xc <= 2 ? "reached" : "MISSED");
        if (ir(n2) > 0 && ir(n3) > 0) {
            printf(" (Ir x%.2f)", ir(n2) / ir(n3));
        }
        printf("; new context (asc) x%.2f %s", xa,
               xa <= 2 ? "reached" : "MISSED");
        if (ir(n1) > 0 && ir(n3) > 0) {
            printf(" (Ir x%.2f)", ir(n1) / ir(n3));
        }
        printf("\n");
    }
    if (ngrowth > 1) {
        const growth_result *g0 = &growth[0], *gl = &growth[ngrowth - 1];
        double xa = gl->asc_us / g0->asc_us, xc = gl->cat_us / g0->cat_us;

        printf("  per-request cost flat within 10%% from 1 to %u live nonces: "
               "asc x%.2f %s, cat x%.2f %s; %.1f bytes per live nonce\n",
               gl->n, xa, xa <= 1.10 ? "reached" : "MISSED", xc,
               xc <= 1.10 ? "reached" : "MISSED", (double)gl->bytes / gl->n);
    }
    if (failures > 0) {
        printf("  WARNING: %lu operations failed during the measurements\n",
               failures);
    }
    return 0;
}
