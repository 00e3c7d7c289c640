/*
 * digest_hash.c: H, KD, A1, A2 for every algorithm, on OpenSSL's EVP
 * digests fetched once per process.  Pieces are streamed into the digest,
 * never concatenated, so nothing here allocates per request.  Every
 * intermediate secret (H(A1) of -sess) is wiped before returning.
 */
#include "digest_hash.h"

#include <pthread.h>

#include <openssl/evp.h>

#include "hex.h"
#include "secret.h"

struct sd_hasher {
    EVP_MD_CTX *md;
    sd_hash_family family;
};

static const sd_algorithm algorithms[] = {
    {SD_ALG_MD5, "MD5", SD_HASH_MD5, false},
    {SD_ALG_MD5_SESS, "MD5-sess", SD_HASH_MD5, true},
    {SD_ALG_SHA256, "SHA-256", SD_HASH_SHA256, false},
    {SD_ALG_SHA256_SESS, "SHA-256-sess", SD_HASH_SHA256, true},
    {SD_ALG_SHA512_256, "SHA-512-256", SD_HASH_SHA512_256, false},
    {SD_ALG_SHA512_256_SESS, "SHA-512-256-sess", SD_HASH_SHA512_256, true},
};

static EVP_MD *digests[SD_HASH_FAMILIES];
static bool digests_ok;
static pthread_once_t digests_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
    /* SHA-512/256 is FIPS 180-4's, with its own initial values: not
       SHA-512 cut short (test-vectors.md, pitfall 1). */
    static const char *names[SD_HASH_FAMILIES] = {"MD5", "SHA2-256",
                                                  "SHA2-512/256"};

    digests_ok = true;
    for (int i = 0; i < SD_HASH_FAMILIES; i++) {
        digests[i] = EVP_MD_fetch(NULL, names[i], NULL);
        digests_ok = digests_ok && digests[i] != NULL;
    }
}

bool sd_hash_global_init(void)
{
    return pthread_once(&digests_once, fetch_digests) == 0 && digests_ok;
}

const sd_algorithm *sd_algorithm_by_id(ULONG id)
{
    for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
        if (algorithms[i].id == id) {
            return &algorithms[i];
        }
    }
    return NULL;
}

const sd_algorithm *sd_algorithm_by_name(sd_view name)
{
    for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
        if (sd_view_eq_ci(name, algorithms[i].name)) {
            return &algorithms[i];
        }
    }
    return NULL;
}

size_t sd_hash_size(sd_hash_family family)
{
    return family == SD_HASH_MD5 ? 16 : 32;
}

static apr_status_t hasher_cleanup(void *data)
{
    sd_hasher *h = data;

    EVP_MD_CTX_free(h->md);
    h->md = NULL;
    return APR_SUCCESS;
}

sd_hasher *sd_hasher_create(apr_pool_t *pool)
{
    sd_hasher *h;

    if (!sd_hash_global_init()) {
        return NULL;
    }
    h = apr_pcalloc(pool, sizeof(*h));
    h->md = EVP_MD_CTX_new();
    if (h->md == NULL) {
        return NULL;
    }
    apr_pool_cleanup_register(pool, h, hasher_cleanup, apr_pool_cleanup_null);
    return h;
}

bool sd_h_begin(sd_hasher *h, sd_hash_family family)
{
    h->family = family;
    return EVP_DigestInit_ex2(h->md, digests[family], NULL) == 1;
}

bool sd_h_add(sd_hasher *h, const void *p, size_t n)
{
    return n == 0 || EVP_DigestUpdate(h->md, p, n) == 1;
}

bool sd_h_end(sd_hasher *h, unsigned char *out)
{
    unsigned int n = 0;

    return EVP_DigestFinal_ex(h->md, out, &n) == 1 &&
           n == sd_hash_size(h->family);
}

static bool add_view(sd_hasher *h, sd_view v)
{
    return sd_h_add(h, v.p, v.len);
}

static bool add_colon(sd_hasher *h)
{
    return sd_h_add(h, ":", 1);
}

/* Lower-case hex of a finished stream's digest.  With `secret` (digests
   of the password: H(A1) and the -sess key) the raw octets are wiped; the
   others (H(A2), the response, rspauth) travel in the clear anyway. */
static bool end_hex(sd_hasher *h, char *hex, bool secret)
{
    unsigned char raw[SD_MAX_DIGEST];
    bool ok = sd_h_end(h, raw);

    if (ok && secret) {
        sd_hex_encode(hex, raw, sd_hash_size(h->family));
    }
    else if (ok) {
        sd_hex_encode_public(hex, raw, sd_hash_size(h->family));
    }
    if (secret) {
        sd_wipe(raw, sizeof(raw));
    }
    return ok;
}

/* RFC 7616 §3.4.2: for -sess, A1 = H(user:realm:password) ":" nonce ":"
   cnonce, the inner H as hex (RFC 2617 erratum 1649).  We use the nonce and
   cnonce of each request, as curl, Chromium and python-requests do. */
static bool session_ha1(sd_hasher *h, const sd_digest_input *in, char *hex)
{
    size_t hex_len = 2 * sd_hash_size(in->alg->family);

    return sd_h_begin(h, in->alg->family) &&
           sd_h_add(h, in->ha1_hex, hex_len) && add_colon(h) &&
           add_view(h, in->nonce) && add_colon(h) && add_view(h, in->cnonce) &&
           end_hex(h, hex, true);
}

/* RFC 7616 §3.4.3: A2 = method ":" uri, plus ":" H(entity-body) for
   auth-int.  rspauth (§3.5) leaves the method empty. */
static bool ha2(sd_hasher *h, const sd_digest_input *in, bool rspauth,
                char *hex)
{
    bool ok = sd_h_begin(h, in->alg->family);

    if (!rspauth) {
        ok = ok && add_view(h, in->method);
    }
    ok = ok && add_colon(h) && add_view(h, in->uri);
    if (sd_view_eq_ci(in->qop, "auth-int")) {
        ok = ok && add_colon(h) && add_view(h, in->entity_hex);
    }
    return ok && end_hex(h, hex, false);
}

bool sd_digest_response(sd_hasher *h, const sd_digest_input *in, bool rspauth,
                        unsigned char *out)
{
    size_t hex_len = 2 * sd_hash_size(in->alg->family);
    char sess_hex[SD_MAX_HEX];
    char ha2_hex[SD_MAX_HEX];
    const char *ha1 = in->ha1_hex;
    bool ok = true;

    if (in->alg->sess) {
        ok = session_ha1(h, in, sess_hex);
        ha1 = sess_hex;
    }
    ok = ok && ha2(h, in, rspauth, ha2_hex);
    /* With qop:    KD(H(A1), nonce:nc:cnonce:qop:H(A2)) (RFC 7616 §3.4.1)
       Without qop: KD(H(A1), nonce:H(A2))               (RFC 2069 §2.1.2)
       where KD(secret, data) = H(secret ":" data). */
    ok = ok && sd_h_begin(h, in->alg->family) && sd_h_add(h, ha1, hex_len) &&
         add_colon(h) && add_view(h, in->nonce) && add_colon(h);
    if (in->qop.len > 0) {
        ok = ok && add_view(h, in->nc) && add_colon(h) &&
             add_view(h, in->cnonce) && add_colon(h) && add_view(h, in->qop) &&
             add_colon(h);
    }
    ok = ok && sd_h_add(h, ha2_hex, hex_len) && sd_h_end(h, out);
    if (in->alg->sess) {
        sd_wipe(sess_hex, sizeof(sess_hex));
    }
    return ok;
}

bool sd_digest_ha1(sd_hasher *h, sd_hash_family family, sd_view user,
                   sd_view realm, sd_view password, char *hex)
{
    return sd_h_begin(h, family) && add_view(h, user) && add_colon(h) &&
           add_view(h, realm) && add_colon(h) && add_view(h, password) &&
           end_hex(h, hex, true);
}

bool sd_digest_userhash(sd_hasher *h, sd_hash_family family, sd_view user,
                        sd_view realm, char *hex)
{
    /* RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)). */
    return sd_h_begin(h, family) && add_view(h, user) && add_colon(h) &&
           add_view(h, realm) && end_hex(h, hex, false);
}

bool sd_digest_entity(sd_hasher *h, sd_hash_family family, const void *body,
                      size_t len, char *hex)
{
    return sd_h_begin(h, family) && sd_h_add(h, body, len) &&
           end_hex(h, hex, false);
}
