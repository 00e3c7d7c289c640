/*
 * secret.h: handling of secret octets: constant-time comparison, wiping
 * that the optimiser cannot remove, and hex codecs without branches or
 * tables indexed by secret data (HA1 is stored and hashed as hex).
 */
#ifndef SD_SECRET_H
#define SD_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include <apr_pools.h>

/* True when the n octets at a and b are equal; time depends on n only. */
bool sd_ct_equal(const void *a, const void *b, size_t n);

/* dst[0..n) keeps its octets when keep, else takes other's, without a
   branch on keep (which user was known must not show in the timing). */
void sd_ct_select(unsigned char *dst, const unsigned char *other, size_t n,
                  bool keep);

/* Overwrites n octets at p with zeros. */
void sd_wipe(void *p, size_t n);

/* Wipes n octets at p when pool is cleared or destroyed. */
void sd_wipe_on_cleanup(apr_pool_t *pool, void *p, size_t n);

/* Writes 2*n lower-case hex digits of in[0..n) to out (no NUL). */
void sd_hex_encode(char *out, const unsigned char *in, size_t n);

/* Decodes exactly 2*out_len hex digits (either case) from in; false when
   in_len is not 2*out_len or a character is not a hex digit.  Runs in time
   that depends on the lengths only. */
bool sd_hex_decode(unsigned char *out, size_t out_len, const char *in,
                   size_t in_len);

#endif
