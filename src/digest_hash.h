/*
 * digest_hash.h: the hash computations of HTTP Digest (RFC 7616 §3.4,
 * RFC 2617 §3.2.2): H, KD, A1 (plain and -sess), A2, the request digest,
 * rspauth, userhash and H(entity-body), for MD5, SHA-256 and SHA-512/256.
 * Digests that feed other digests are used as lower-case hex, as the RFCs
 * define.  No parsing and no policy here.
 */
#ifndef SD_DIGEST_HASH_H
#define SD_DIGEST_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include <apr_pools.h>

#include "params.h"
#include "sspi.h"

typedef enum {
    SD_HASH_MD5 = 0,
    SD_HASH_SHA256 = 1,
    SD_HASH_SHA512_256 = 2
} sd_hash_family;

#define SD_HASH_FAMILIES 3

typedef struct {
    ULONG id;         /* SD_ALG_* */
    const char *name; /* as on the wire, e.g. "SHA-256-sess" */
    sd_hash_family family;
    bool sess;
} sd_algorithm;

/* Fetches the OpenSSL digests once per process; false when one is missing.
   Safe to call from any thread, any number of times. */
bool sd_hash_global_init(void);

const sd_algorithm *sd_algorithm_by_id(ULONG id);
const sd_algorithm *sd_algorithm_by_name(sd_view name); /* any case */

/* Digest size in octets (16 or 32); hex is twice that. */
size_t sd_hash_size(sd_hash_family family);

/* A reusable digest context; one per security context, one thread at a
   time.  Freed with its pool. */
typedef struct sd_hasher sd_hasher;

sd_hasher *sd_hasher_create(apr_pool_t *pool);

/* Streaming H(): begin, add pieces, end into sd_hash_size() octets. */
bool sd_h_begin(sd_hasher *h, sd_hash_family family);
bool sd_h_add(sd_hasher *h, const void *p, size_t n);
bool sd_h_end(sd_hasher *h, unsigned char *out);

/* What a request digest or rspauth is computed from.  ha1_hex is the
   secret H(username ":" realm ":" password) in lower-case hex.  qop empty
   means the RFC 2069 form; entity_hex is used with qop=auth-int only. */
typedef struct {
    const sd_algorithm *alg;
    const char *ha1_hex;
    sd_view nonce;
    sd_view cnonce;
    sd_view nc;
    sd_view qop;
    sd_view method;
    sd_view uri;
    sd_view entity_hex;
} sd_digest_input;

/* The request digest (rspauth when `rspauth`: A2 without the method) as
   raw octets, sd_hash_size() of them. */
bool sd_digest_response(sd_hasher *h, const sd_digest_input *in, bool rspauth,
                        unsigned char *out);

/* Lower-case hex of H(user ":" realm [":" password]); hex must hold
   2 * sd_hash_size() octets (no NUL is written).  Without a password this
   is the RFC 7616 §3.4.4 user-hash. */
bool sd_digest_ha1(sd_hasher *h, sd_hash_family family, sd_view user,
                   sd_view realm, sd_view password, char *hex);
bool sd_digest_userhash(sd_hasher *h, sd_hash_family family, sd_view user,
                        sd_view realm, char *hex);

/* Lower-case hex of H(body) into hex (2 * sd_hash_size() octets). */
bool sd_digest_entity(sd_hasher *h, sd_hash_family family, const void *body,
                      size_t len, char *hex);

#endif
