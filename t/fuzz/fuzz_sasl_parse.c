/*
 * fuzz_sasl_parse.c: libFuzzer target for sasl_parse.c, DIGEST-MD5's
 * digest-challenge, digest-response and response-auth parsers.  Every
 * input goes to all three.  It checks what a caller relies on, not just
 * memory safety, and traps on any violation:
 *   - a refusal always has a reason;
 *   - every view lies inside the input or the parse list's scratch;
 *   - an accepted challenge has a non-empty nonce, at most
 *     SD_SASL_MAX_REALMS realms of at most SD_MAX_REALM octets, qop and
 *     cipher bits within their sets, maxbuf within 17..2^24-1;
 *   - an accepted response has a non-empty user name and cnonce, an nc of
 *     8 hex digits equal to its value, a well-formed digest-uri, a known or
 *     zero qop and cipher, maxbuf in range, and no value over its limit;
 *   - inputs over SD_SASL_MAX_CHALLENGE / SD_SASL_MAX_RESPONSE are refused.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: src/sasl_parse.c src/params.c src/builder.c src/hex.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "hex.h"
#include "sasl_parse.h"

static sd_auth_list list;

/* Inside the input, or inside the used part of the list's scratch. */
static bool inside(sd_view v, const uint8_t *in, size_t len)
{
    uintptr_t p = (uintptr_t)v.p;
    uintptr_t b = (uintptr_t)in, s = (uintptr_t)list.scratch;

    if (v.p == NULL) {
        return false;
    }
    return (p >= b && v.len <= len && p - b <= len - v.len) ||
           (p >= s && v.len <= list.scratch_used &&
            p - s <= list.scratch_used - v.len);
}

static bool one_bit_or_zero(ULONG v)
{
    return (v & (v - 1)) == 0;
}

static void check_challenge(const uint8_t *in, size_t len)
{
    sd_sasl_challenge c;
    const char *why = sd_sasl_parse_challenge(&list, (const char *)in, len, &c);

    if (why != NULL) {
        CHECK(why[0] != '\0');
        return;
    }
    CHECK(len <= SD_SASL_MAX_CHALLENGE);
    CHECK(inside(c.nonce, in, len) && c.nonce.len > 0 &&
          c.nonce.len <= SD_MAX_VALUE);
    CHECK(c.nrealms <= SD_SASL_MAX_REALMS);
    for (size_t i = 0; i < c.nrealms; i++) {
        CHECK(inside(c.realms[i], in, len) && c.realms[i].len <= SD_MAX_REALM);
    }
    CHECK((c.qops & ~(SD_QOP_AUTH | SD_QOP_AUTH_INT | SD_QOP_AUTH_CONF)) == 0);
    CHECK((c.ciphers & ~SD_SASL_CIPHERS_ALL) == 0);
    CHECK(c.maxbuf > 16 && c.maxbuf <= SD_SASL_MAX_MAXBUF);
}

static void check_response(const uint8_t *in, size_t len)
{
    sd_sasl_response r;
    unsigned char nc[4];
    const char *why = sd_sasl_parse_response(&list, (const char *)in, len, &r);

    if (why != NULL) {
        CHECK(why[0] != '\0');
        return;
    }
    CHECK(len <= SD_SASL_MAX_RESPONSE);
    CHECK(inside(r.username, in, len) && r.username.len > 0 &&
          r.username.len <= SD_MAX_USERNAME);
    CHECK(inside(r.nonce, in, len) && r.nonce.len > 0);
    CHECK(inside(r.cnonce, in, len) && r.cnonce.len > 0 &&
          r.cnonce.len <= SD_MAX_CNONCE);
    CHECK(r.realm.p == NULL ||
          (inside(r.realm, in, len) && r.realm.len <= SD_MAX_REALM));
    CHECK(r.authzid.p == NULL ||
          (inside(r.authzid, in, len) && r.authzid.len <= SD_MAX_USERNAME));
    CHECK(inside(r.nc, in, len) &&
          sd_hex_decode_public(nc, 4, r.nc.p, r.nc.len));
    CHECK(r.nc_value == ((uint32_t)nc[0] << 24 | (uint32_t)nc[1] << 16 |
                         (uint32_t)nc[2] << 8 | nc[3]));
    CHECK(inside(r.digest_uri, in, len) && sd_sasl_digest_uri_ok(r.digest_uri));
    CHECK(one_bit_or_zero(r.qop_id) && r.qop_id <= SD_QOP_AUTH_CONF);
    CHECK(one_bit_or_zero(r.cipher_id) &&
          (r.cipher_id & ~SD_SASL_CIPHERS_ALL) == 0);
    CHECK(r.cipher_id == 0 || r.cipher.p != NULL);
    CHECK(r.maxbuf > 16 && r.maxbuf <= SD_SASL_MAX_MAXBUF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char rspauth[SD_SASL_KEY_LEN];
    const char *why;

    check_challenge(data, size);
    check_response(data, size);
    why = sd_sasl_parse_rspauth(&list, (const char *)data, size, rspauth);
    CHECK(why == NULL || why[0] != '\0');
    CHECK(why != NULL || size <= SD_SASL_MAX_CHALLENGE);
    return 0;
}
