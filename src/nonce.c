/*
 * nonce.c: mints and checks the stateless nonces described in nonce.h.
 * The MAC is compared in constant time; the layout is fixed, so a nonce
 * of any other length is refused before any work.
 */
#include "nonce.h"

#include <string.h>

#include "binding.h"
#include "secret.h"

/* Version 2 added the lifetime and the store generation. */
#define NONCE_VERSION 2
#define AT_TIME 1
#define AT_LIFETIME 9
#define AT_GENERATION 13
#define AT_RANDOM 21
#define SIGNED_LEN (AT_RANDOM + SD_NONCE_RANDOM_LEN) /* 29 */
#define RAW_LEN (SIGNED_LEN + SD_NONCE_ID_LEN)       /* 45 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 45 octets are 360 bits, exactly 60 base64 digits: no padding. */
static void b64_encode(const unsigned char raw[RAW_LEN], char *out)
{
    for (size_t i = 0, o = 0; i < RAW_LEN; i += 3, o += 4) {
        uint32_t v =
            (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

        out[o] = b64[v >> 18 & 63];
        out[o + 1] = b64[v >> 12 & 63];
        out[o + 2] = b64[v >> 6 & 63];
        out[o + 3] = b64[v & 63];
    }
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;

    return p ? (int)(p - b64) : -1;
}

static bool b64_decode(const char *in, unsigned char raw[RAW_LEN])
{
    for (size_t i = 0, o = 0; i < SD_NONCE_LEN; i += 4, o += 3) {
        uint32_t v = 0;

        for (size_t k = 0; k < 4; k++) {
            int d = b64_value(in[i + k]);

            if (d < 0) {
                return false;
            }
            v = v << 6 | (uint32_t)d;
        }
        raw[o] = (unsigned char)(v >> 16);
        raw[o + 1] = (unsigned char)(v >> 8);
        raw[o + 2] = (unsigned char)v;
    }
    return true;
}

static bool compute_tag(sd_mac *key, const unsigned char *signed_part,
                        sd_view realm, bool upgraded,
                        unsigned char tag[SD_MAC_SIZE])
{
    return sd_mac_begin(key) &&
           (!upgraded || sd_mac_add(key, SD_UPGRADED, SD_UPGRADED_LEN)) &&
           sd_mac_add(key, signed_part, SIGNED_LEN) &&
           sd_mac_add(key, realm.p, realm.len) && sd_mac_end(key, tag);
}

size_t sd_nonce_length(const sd_nonce_info *info)
{
    return SD_NONCE_LEN + (info->upgraded ? SD_UPGRADED_LEN : 0);
}

static void put_be(unsigned char *at, uint64_t v, int octets)
{
    for (int i = 0; i < octets; i++) {
        at[i] = (unsigned char)(v >> (8 * (octets - 1 - i)));
    }
}

static uint64_t get_be(const unsigned char *at, int octets)
{
    uint64_t v = 0;

    for (int i = 0; i < octets; i++) {
        v = v << 8 | at[i];
    }
    return v;
}

bool sd_nonce_mint(sd_mac *key, sd_view realm, sd_nonce_info *info,
                   const unsigned char random[SD_NONCE_RANDOM_LEN], char *out)
{
    unsigned char raw[RAW_LEN];
    unsigned char tag[SD_MAC_SIZE];

    if (info->issued < 0 || info->lifetime == 0 ||
        info->lifetime > SD_NONCE_MAX_LIFETIME) {
        return false;
    }
    raw[0] = NONCE_VERSION;
    put_be(raw + AT_TIME, (uint64_t)info->issued, 8);
    put_be(raw + AT_LIFETIME, info->lifetime, 4);
    put_be(raw + AT_GENERATION, info->generation, 8);
    memcpy(raw + AT_RANDOM, random, SD_NONCE_RANDOM_LEN);
    if (!compute_tag(key, raw, realm, info->upgraded, tag)) {
        return false;
    }
    memcpy(raw + SIGNED_LEN, tag, SD_NONCE_ID_LEN);
    memcpy(info->id, tag, SD_NONCE_ID_LEN);
    if (info->upgraded) {
        memcpy(out, SD_UPGRADED, SD_UPGRADED_LEN);
        out += SD_UPGRADED_LEN;
    }
    b64_encode(raw, out);
    return true;
}

static bool tag_matches(sd_mac *key, const unsigned char raw[RAW_LEN],
                        sd_view realm, bool upgraded)
{
    unsigned char tag[SD_MAC_SIZE];

    return key != NULL && compute_tag(key, raw, realm, upgraded, tag) &&
           sd_ct_equal(tag, raw + SIGNED_LEN, SD_NONCE_ID_LEN);
}

sd_nonce_status sd_nonce_check(sd_mac *key, sd_mac *previous, sd_view realm,
                               sd_view nonce, int64_t now,
                               uint32_t max_lifetime, sd_nonce_info *info)
{
    unsigned char raw[RAW_LEN];
    uint32_t life;
    bool upgraded = nonce.len == SD_NONCE_LEN + SD_UPGRADED_LEN &&
                    memcmp(nonce.p, SD_UPGRADED, SD_UPGRADED_LEN) == 0;

    if (upgraded) {
        nonce.p += SD_UPGRADED_LEN;
        nonce.len -= SD_UPGRADED_LEN;
    }
    if (nonce.len != SD_NONCE_LEN || !b64_decode(nonce.p, raw) ||
        raw[0] != NONCE_VERSION) {
        return SD_NONCE_FORGED;
    }
    if (!tag_matches(key, raw, realm, upgraded) &&
        !tag_matches(previous, raw, realm, upgraded)) {
        return SD_NONCE_FORGED;
    }
    info->upgraded = upgraded;
    info->issued = (int64_t)get_be(raw + AT_TIME, 8);
    info->lifetime = (uint32_t)get_be(raw + AT_LIFETIME, 4);
    info->generation = get_be(raw + AT_GENERATION, 8);
    memcpy(info->id, raw + SIGNED_LEN, SD_NONCE_ID_LEN);
    if (info->issued > now + SD_NONCE_MAX_SKEW || info->issued < 0 ||
        info->lifetime == 0 || info->lifetime > SD_NONCE_MAX_LIFETIME) {
        return SD_NONCE_FORGED;
    }
    life = info->lifetime < max_lifetime ? info->lifetime : max_lifetime;
    return now - info->issued > (int64_t)life ? SD_NONCE_STALE : SD_NONCE_VALID;
}
