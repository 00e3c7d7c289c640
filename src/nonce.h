/*
 * nonce.h: stateless server nonces.  A nonce is base64 of
 *   version (1) | issue time, seconds, big-endian (8) | random (8) |
 *   HMAC-SHA-256(key, version | time | random | realm), first 16 octets
 * so any process holding the key can check it without a lookup, and a
 * nonce of another realm or another key fails its MAC.  The 16 MAC octets
 * double as the nonce's identity in the replay store.
 */
#ifndef SD_NONCE_H
#define SD_NONCE_H

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"
#include "params.h"

#define SD_NONCE_LEN 44 /* base64 characters, no padding */
#define SD_NONCE_ID_LEN 16
#define SD_NONCE_RANDOM_LEN 8

/* A nonce issued this far in the future is refused: clock skew allowed
   between the servers of a farm, in seconds. */
#define SD_NONCE_MAX_SKEW 60

typedef enum {
    SD_NONCE_VALID,
    SD_NONCE_STALE, /* genuine, expired */
    SD_NONCE_FORGED /* malformed, foreign realm or key, or from the future */
} sd_nonce_status;

typedef struct {
    int64_t issued;
    unsigned char id[SD_NONCE_ID_LEN];
} sd_nonce_info;

/* Writes SD_NONCE_LEN characters (no NUL) to out. */
bool sd_nonce_mint(sd_mac *key, sd_view realm, int64_t now,
                   const unsigned char random[SD_NONCE_RANDOM_LEN], char *out);

/* Checks nonce under key, then under previous (may be NULL). */
sd_nonce_status sd_nonce_check(sd_mac *key, sd_mac *previous, sd_view realm,
                               sd_view nonce, int64_t now, uint32_t lifetime,
                               sd_nonce_info *info);

#endif
