/*
 * hex.h: hex for values that travel in the clear: what the client sent
 * (response, nc, a user-hash, rspauth) and what we send (H(A2), rspauth,
 * the client's response and cnonce).  Table lookups, so their time depends
 * on the data: never use them on a secret (H(A1), the -sess key, the
 * stand-in key); secret.h has the branch-free codecs for those.
 */
#ifndef SD_HEX_H
#define SD_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* Writes 2*n lower-case hex digits of in[0..n) to out (no NUL). */
void sd_hex_encode_public(char *out, const unsigned char *in, size_t n);

/* Decodes exactly 2*out_len hex digits (either case) from in; false when
   in_len is not 2*out_len or a character is not a hex digit. */
bool sd_hex_decode_public(unsigned char *out, size_t out_len, const char *in,
                          size_t in_len);

#endif
