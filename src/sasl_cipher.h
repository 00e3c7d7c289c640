/*
 * sasl_cipher.h: the cryptography of the DIGEST-MD5 security layers
 * (RFC 2831 §2.3-§2.4): HMAC-MD5 and the five ciphers, from an OpenSSL
 * library context of the engine's own.  rc4 and des live in OpenSSL 3's
 * legacy provider; loading it into the process's default context would
 * change what the host's other OpenSSL users get, so it is loaded here
 * only.  No framing, sequence numbers or keys derivation here (that is
 * sasl_layer.c and sasl_digest.c).
 */
#ifndef SD_SASL_CIPHER_H
#define SD_SASL_CIPHER_H

#include <stdbool.h>
#include <stddef.h>

#include <apr_pools.h>

#include "sspi.h"

#define SD_SASL_KEY_LEN 16 /* Ki, Kc and H(A1): MD5 outputs */
#define SD_SASL_MAC_LEN 16 /* HMAC-MD5; the layers send the first 10 */

typedef struct sd_sasl_crypto sd_sasl_crypto;

/* The process's library context, made on first use (any thread) and kept
   until exit; NULL only when not even the default provider loads. */
sd_sasl_crypto *sd_sasl_crypto_get(void);

/* A library context whose provider modules are searched for in
   module_dir instead of OpenSSL's default directory; freed with pool.
   For tests: a directory without legacy.so is a host without the legacy
   provider.  NULL when the default provider does not load. */
sd_sasl_crypto *sd_sasl_crypto_create(apr_pool_t *pool, const char *module_dir);

/* The SD_SASL_CIPHER_* bits usable with c (0 for NULL), and why the others
   are not (a fixed string, or NULL when all are). */
ULONG sd_sasl_crypto_ciphers(const sd_sasl_crypto *c);
const char *sd_sasl_crypto_reason(const sd_sasl_crypto *c);

/* The cipher's block size (8 for des and 3des, 1 for the rc4 family) and
   n, how many leading octets of H(A1) its sealing key Kc is derived from
   (RFC 2831 §2.4: 5 for rc4-40, 7 for rc4-56, 16 for the others). */
size_t sd_sasl_cipher_block(ULONG cipher);
size_t sd_sasl_cipher_kc_octets(ULONG cipher);

/* One direction of a cipher keyed from Kc (RFC 2831 §2.4): the rc4
   family with all 16 octets of Kc; des with Kc[0..7) and 3des (two-key
   EDE, K3 = K1) with Kc[0..7) and Kc[7..14), each widened to 8 octets
   with odd parity; the des/3des IV is Kc[8..16).  The cipher state (RC4
   key stream, CBC chain) carries over from one message to the next.
   Freed, its key schedule wiped, with pool.  NULL when the cipher is not
   usable with c or OpenSSL fails. */
typedef struct sd_sasl_cipher sd_sasl_cipher;

sd_sasl_cipher *sd_sasl_cipher_create(apr_pool_t *pool, sd_sasl_crypto *c,
                                      ULONG cipher,
                                      const unsigned char kc[SD_SASL_KEY_LEN],
                                      bool encrypt);

/* Encrypts or decrypts buf[0..len) in place; len is a multiple of the
   block size. */
bool sd_sasl_cipher_apply(sd_sasl_cipher *ci, unsigned char *buf, size_t len);

/* HMAC-MD5 under a 16-octet key, reusable message after message; freed
   with pool. */
typedef struct sd_sasl_hmac sd_sasl_hmac;

sd_sasl_hmac *sd_sasl_hmac_create(apr_pool_t *pool, sd_sasl_crypto *c,
                                  const unsigned char key[SD_SASL_KEY_LEN]);
bool sd_sasl_hmac_begin(sd_sasl_hmac *m);
bool sd_sasl_hmac_add(sd_sasl_hmac *m, const void *p, size_t n);
bool sd_sasl_hmac_end(sd_sasl_hmac *m, unsigned char out[SD_SASL_MAC_LEN]);

/* 7 octets of key material to an 8-octet DES key: 7 bits per octet, the
   low bit set for odd parity. */
void sd_sasl_des_key(const unsigned char in[7], unsigned char out[8]);

#endif
