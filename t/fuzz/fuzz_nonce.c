/*
 * fuzz_nonce.c: libFuzzer target for the nonce decoder (src/nonce.c), the
 * first thing a server reads of a client's response after the grammar.
 * The input is split: its first octets are the verifier's clock and
 * lifetime, the rest is the nonce presented.  Properties checked:
 *   - sd_nonce_check never accepts (VALID or STALE) a nonce the key did not
 *     mint: the only genuine nonces here are the ones this target minted;
 *   - a genuine nonce decodes to exactly what it was minted with (time,
 *     lifetime, generation, channel-binding mark, id), under the current
 *     or the previous key,
 *     and is stale exactly when it is older than min(its lifetime, the
 *     verifier's);
 *   - any change of one character of a genuine nonce is FORGED.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: src/nonce.c src/mac.c src/secret.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>

#include "fuzz_check.h"
#include "nonce.h"

static apr_pool_t *pool;
static sd_mac *key, *previous;

static void tear_down(void)
{
    apr_pool_destroy(pool); /* frees the keys' OpenSSL objects too */
    apr_terminate();
}

static void set_up(void)
{
    if (pool != NULL) {
        return;
    }
    apr_initialize();
    atexit(tear_down);
    apr_pool_create(&pool, NULL);
    key = sd_mac_create(
        pool, (const unsigned char *)"fuzz nonce key, 32 octets long!", 32);
    previous = sd_mac_create(
        pool, (const unsigned char *)"the previous key, 32 octets too.", 32);
    CHECK(key != NULL && previous != NULL);
}

static uint64_t take(const uint8_t **data, size_t *size, int octets)
{
    uint64_t v = 0;

    for (int i = 0; i < octets; i++) {
        v = v << 8 | (*size > 0 ? **data : 0);
        if (*size > 0) {
            (*data)++;
            (*size)--;
        }
    }
    return v;
}

/* A genuine nonce from the same octets: decodes back to what it was made
   of, and no one-character change of it is accepted. */
static void genuine(sd_mac *minter, sd_view realm, int64_t now,
                    uint32_t max_life, const uint8_t *data, size_t size)
{
    sd_nonce_info in = {0}, out;
    unsigned char rnd[SD_NONCE_RANDOM_LEN] = {0};
    char nonce[2 * SD_NONCE_LEN];
    sd_view v = {nonce, 0};
    sd_nonce_status st;

    memset(&in, 0, sizeof(in));
    memcpy(rnd, data, size < sizeof(rnd) ? size : sizeof(rnd));
    in.issued = now - (int64_t)(size % 4000);
    in.lifetime = 1 + (uint32_t)(size * 37 % SD_NONCE_MAX_LIFETIME);
    in.generation = size * UINT64_C(0x9e3779b97f4a7c15);
    in.upgraded = (size & 1) != 0;
    CHECK(sd_nonce_length(&in) <= sizeof(nonce));
    if (!sd_nonce_mint(minter, realm, &in, rnd, nonce)) {
        return;
    }
    v.len = sd_nonce_length(&in);
    st = sd_nonce_check(key, previous, realm, v, now, max_life, &out);
    {
        uint32_t life = in.lifetime < max_life ? in.lifetime : max_life;

        CHECK(st == (now - in.issued > (int64_t)life ? SD_NONCE_STALE
                                                     : SD_NONCE_VALID));
    }
    CHECK(out.issued == in.issued && out.lifetime == in.lifetime &&
          out.generation == in.generation && out.upgraded == in.upgraded &&
          memcmp(out.id, in.id, SD_NONCE_ID_LEN) == 0);
    for (size_t i = 0; i < v.len; i += 1 + size % 7) {
        char saved = nonce[i];

        nonce[i] = saved == 'A' ? 'B' : 'A';
        CHECK(sd_nonce_check(key, previous, realm, v, now, max_life, &out) ==
              SD_NONCE_FORGED);
        nonce[i] = saved;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_view realm = {"fuzz", 4};
    int64_t now = (int64_t)(1700000000 + take(&data, &size, 3));
    uint32_t max_life = 1 + (uint32_t)(take(&data, &size, 3) % 90000);
    sd_nonce_info info;
    sd_view v = {(const char *)data, size};

    set_up();
    /* nothing but what this target minted is genuine */
    CHECK(sd_nonce_check(key, previous, realm, v, now, max_life, &info) ==
          SD_NONCE_FORGED);
    genuine(key, realm, now, max_life, data, size);
    genuine(previous, realm, now, max_life, data, size);
    return 0;
}
