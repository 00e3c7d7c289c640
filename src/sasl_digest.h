/*
 * sasl_digest.h: the digests of DIGEST-MD5 (RFC 2831 §2.1.2.1, §2.1.3):
 * the user's key with the ISO 8859-1 rule, H(A1), the response and
 * rspauth, and the security layers' keys Kic, Kis, Kcc, Kcs (§2.3, §2.4).
 * Unlike HTTP's -sess, H(A1) takes the user's key as 16 raw octets
 * (test-vectors.md, pitfall 2).  No parsing, no policy, no ciphers here.
 */
#ifndef SD_SASL_DIGEST_H
#define SD_SASL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "digest_hash.h"
#include "params.h"
#include "sasl_cipher.h"

/* What the response and rspauth are computed from, as sent. */
typedef struct {
    sd_view nonce;
    sd_view cnonce;
    sd_view nc;
    sd_view qop; /* "auth", "auth-int" or "auth-conf" */
    sd_view digest_uri;
    sd_view authzid;
    bool has_authzid; /* an authzid directive was sent, even empty */
} sd_sasl_digest_input;

typedef enum {
    SD_SASL_KEY_OK,
    SD_SASL_KEY_NOT_LATIN1, /* no charset=utf-8 and a string ISO 8859-1
                               cannot represent */
    SD_SASL_KEY_FAILED      /* the hash failed */
} sd_sasl_key_status;

/* The user's key H(user ":" realm ":" password), 16 raw octets.  With
   utf8 (charset=utf-8 was offered), each string that ISO 8859-1 can
   represent is hashed in ISO 8859-1, the others in UTF-8 (RFC 2831
   §2.1.2.1, as Cyrus SASL and the JDK do it, string by string); without,
   each must be representable in ISO 8859-1. */
sd_sasl_key_status sd_sasl_user_key(sd_hasher *h, sd_view user, sd_view realm,
                                    sd_view password, bool utf8,
                                    unsigned char key[SD_SASL_KEY_LEN]);

/* H(A1) = H(key ":" nonce ":" cnonce [":" authzid]), 16 raw octets. */
bool sd_sasl_ha1(sd_hasher *h, const unsigned char key[SD_SASL_KEY_LEN],
                 const sd_sasl_digest_input *in,
                 unsigned char ha1[SD_SASL_KEY_LEN]);

/* The response (rspauth with `rspauth`: A2 without "AUTHENTICATE") as 16
   raw octets; send it as lower-case hex. */
bool sd_sasl_digest_response(sd_hasher *h,
                             const unsigned char ha1[SD_SASL_KEY_LEN],
                             const sd_sasl_digest_input *in, bool rspauth,
                             unsigned char out[SD_SASL_KEY_LEN]);

/* The layer keys of one session: Kic and Kis sign, Kcc and Kcs seal (set
   only for a cipher: 0 is none). */
typedef struct {
    unsigned char kic[SD_SASL_KEY_LEN];
    unsigned char kis[SD_SASL_KEY_LEN];
    unsigned char kcc[SD_SASL_KEY_LEN];
    unsigned char kcs[SD_SASL_KEY_LEN];
} sd_sasl_keys;

bool sd_sasl_layer_keys(sd_hasher *h, const unsigned char ha1[SD_SASL_KEY_LEN],
                        ULONG cipher, sd_sasl_keys *keys);

/* UTF-8 in[] to ISO 8859-1 in out (cap octets); false when in is not
   UTF-8, holds a character above U+00FF, or does not fit. */
bool sd_sasl_latin1_from_utf8(sd_view in, char *out, size_t cap, size_t *len);

/* ISO 8859-1 in[] to UTF-8 in out (cap octets); false when it does not
   fit. */
bool sd_sasl_utf8_from_latin1(sd_view in, char *out, size_t cap, size_t *len);

#endif
