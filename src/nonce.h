/*
 * nonce.h: stateless server nonces.  A nonce is base64 of
 *   version (1) | issue time, seconds (8) | lifetime, seconds (4) |
 *   replay-store generation (8) | random (8) |
 *   HMAC-SHA-256(key, everything before | realm), first 16 octets
 * (integers big-endian), so any process holding the key can check it
 * without a lookup, and a nonce of another realm or another key fails its
 * MAC.  The 16 MAC octets double as the nonce's identity in the replay
 * store.
 *
 * Scope: a nonce is bound to the replay store that records its counts
 * (the store's generation: a store that lost its records, or another
 * store, has another one) and to the lifetime it was minted with, which
 * is also how long its records are kept.  A verifier accepts it for at
 * most min(its lifetime, the verifier's own), so no location accepts a
 * nonce longer than its records live.
 *
 * A nonce minted for a caller that checks channel bindings is prefixed
 * "+Upgraded+" (binding.h).  The MAC covers the mark (as a prefix of its
 * input, which a version-2 nonce, starting with octet 2, cannot begin
 * with), so removing it, or adding it, makes the nonce forged.
 */
#ifndef SD_NONCE_H
#define SD_NONCE_H

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"
#include "params.h"

#define SD_NONCE_LEN 60 /* base64 characters, no padding */
#define SD_NONCE_ID_LEN 16
#define SD_NONCE_RANDOM_LEN 8

/* A nonce issued this far in the future is refused: clock skew allowed
   between the servers of a farm, in seconds. */
#define SD_NONCE_MAX_SKEW 60

/* The longest lifetime a nonce may carry (a day). */
#define SD_NONCE_MAX_LIFETIME 86400

typedef enum {
    SD_NONCE_VALID,
    SD_NONCE_STALE, /* genuine, expired */
    SD_NONCE_FORGED /* malformed, foreign realm or key, or from the future */
} sd_nonce_status;

typedef struct {
    int64_t issued;
    uint32_t lifetime;   /* seconds, as minted: its records live this long */
    uint64_t generation; /* of the replay store it was minted for */
    unsigned char id[SD_NONCE_ID_LEN];
    bool upgraded; /* marked "+Upgraded+" (channel bindings) */
} sd_nonce_info;

/* The nonce's length in characters: SD_NONCE_LEN, plus the mark. */
size_t sd_nonce_length(const sd_nonce_info *info);

/* Writes sd_nonce_length(info) characters (no NUL) to out.  info->issued,
   ->lifetime (1..SD_NONCE_MAX_LIFETIME), ->generation and ->upgraded are
   what the nonce carries; info->id is set. */
bool sd_nonce_mint(sd_mac *key, sd_view realm, sd_nonce_info *info,
                   const unsigned char random[SD_NONCE_RANDOM_LEN], char *out);

/* Checks nonce under key, then under previous (may be NULL): stale once
   older than min(its own lifetime, max_lifetime). */
sd_nonce_status sd_nonce_check(sd_mac *key, sd_mac *previous, sd_view realm,
                               sd_view nonce, int64_t now,
                               uint32_t max_lifetime, sd_nonce_info *info);

#endif
