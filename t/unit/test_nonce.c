/*
 * test_nonce.c: minting and checking nonces: round trip, any changed
 * character, another realm or key, rotation, expiry and clock skew, and
 * the lifetime and store generation a nonce is bound to.
 */
#include "support.h"

#include <string.h>

#include "mac.h"
#include "nonce.h"

static const unsigned char rnd[SD_NONCE_RANDOM_LEN] = "12345678";

static sd_view v(const char *s, size_t n)
{
    sd_view view = {s, n};
    return view;
}

/* Mints at `now` with a 300-second lifetime and generation 42. */
static bool mint(sd_mac *key, sd_view realm, int64_t now,
                 const unsigned char *random, char *out)
{
    sd_nonce_info info = {now, 300, 42, {0}, false};

    return sd_nonce_mint(key, realm, &info, random, out);
}

static void round_trip_and_tamper(void **state)
{
    apr_pool_t *p = test_pool();
    sd_mac *key = sd_mac_create(p, (const unsigned char *)"k", 1);
    sd_mac *other = sd_mac_create(p, (const unsigned char *)"other", 5);
    char nonce[SD_NONCE_LEN + 1] = {0};
    sd_nonce_info info;
    sd_view realm = v("realm", 5);

    (void)state;
    assert_true(mint(key, realm, 1000, rnd, nonce));
    assert_int_equal(sd_nonce_check(key, NULL, realm, v(nonce, SD_NONCE_LEN),
                                    1000, 300, &info),
                     SD_NONCE_VALID);
    assert_int_equal(info.issued, 1000);
    /* every changed character is a forgery */
    for (size_t i = 0; i < SD_NONCE_LEN; i++) {
        char forged[SD_NONCE_LEN];

        memcpy(forged, nonce, SD_NONCE_LEN);
        forged[i] = forged[i] == 'A' ? 'B' : 'A';
        assert_int_equal(sd_nonce_check(key, NULL, realm,
                                        v(forged, SD_NONCE_LEN), 1000, 300,
                                        &info),
                         SD_NONCE_FORGED);
    }
    assert_int_equal(sd_nonce_check(key, NULL, v("realm2", 6),
                                    v(nonce, SD_NONCE_LEN), 1000, 300, &info),
                     SD_NONCE_FORGED);
    assert_int_equal(sd_nonce_check(other, NULL, realm, v(nonce, SD_NONCE_LEN),
                                    1000, 300, &info),
                     SD_NONCE_FORGED);
    /* rotation: accepted under the previous key */
    assert_int_equal(sd_nonce_check(other, key, realm, v(nonce, SD_NONCE_LEN),
                                    1000, 300, &info),
                     SD_NONCE_VALID);
    /* lengths and alphabet */
    assert_int_equal(sd_nonce_check(key, NULL, realm,
                                    v(nonce, SD_NONCE_LEN - 1), 1000, 300,
                                    &info),
                     SD_NONCE_FORGED);
    nonce[3] = '*';
    assert_int_equal(sd_nonce_check(key, NULL, realm, v(nonce, SD_NONCE_LEN),
                                    1000, 300, &info),
                     SD_NONCE_FORGED);
    test_pool_destroy(p);
}

static void expiry_and_skew(void **state)
{
    apr_pool_t *p = test_pool();
    sd_mac *key = sd_mac_create(p, (const unsigned char *)"k", 1);
    char nonce[SD_NONCE_LEN];
    sd_nonce_info info;
    sd_view realm = v("r", 1), n = v(nonce, SD_NONCE_LEN);

    (void)state;
    assert_true(mint(key, realm, 5000, rnd, nonce));
    assert_int_equal(sd_nonce_check(key, NULL, realm, n, 5300, 300, &info),
                     SD_NONCE_VALID);
    assert_int_equal(sd_nonce_check(key, NULL, realm, n, 5301, 300, &info),
                     SD_NONCE_STALE);
    /* a server whose clock is behind by the allowed skew still accepts */
    assert_int_equal(sd_nonce_check(key, NULL, realm, n,
                                    5000 - SD_NONCE_MAX_SKEW, 300, &info),
                     SD_NONCE_VALID);
    assert_int_equal(sd_nonce_check(key, NULL, realm, n,
                                    5000 - SD_NONCE_MAX_SKEW - 1, 300, &info),
                     SD_NONCE_FORGED);
    test_pool_destroy(p);
}

/* Two nonces minted in the same second differ, and so do their ids. */
static void distinct(void **state)
{
    apr_pool_t *p = test_pool();
    sd_mac *key = sd_mac_create(p, (const unsigned char *)"k", 1);
    char a[SD_NONCE_LEN], b[SD_NONCE_LEN];
    sd_nonce_info ia, ib;
    sd_view realm = v("r", 1);

    (void)state;
    mint(key, realm, 7, rnd, a);
    mint(key, realm, 7, (const unsigned char *)"87654321", b);
    assert_memory_not_equal(a, b, SD_NONCE_LEN);
    sd_nonce_check(key, NULL, realm, v(a, SD_NONCE_LEN), 7, 300, &ia);
    sd_nonce_check(key, NULL, realm, v(b, SD_NONCE_LEN), 7, 300, &ib);
    assert_memory_not_equal(ia.id, ib.id, SD_NONCE_ID_LEN);
    test_pool_destroy(p);
}

/* A nonce carries the lifetime and store generation it was minted with,
   under its MAC: a verifier with a longer lifetime still refuses it once
   its own lifetime is over, one with a shorter lifetime refuses it sooner,
   and neither value can be changed. */
static void bound_to_lifetime_and_generation(void **state)
{
    apr_pool_t *p = test_pool();
    sd_mac *key = sd_mac_create(p, (const unsigned char *)"k", 1);
    sd_nonce_info in = {1000, 60, UINT64_C(0x0123456789abcdef), {0}, false},
                  out;
    char nonce[SD_NONCE_LEN];
    sd_view realm = v("r", 1), n = v(nonce, SD_NONCE_LEN);

    (void)state;
    assert_true(sd_nonce_mint(key, realm, &in, rnd, nonce));
    assert_int_equal(sd_nonce_check(key, NULL, realm, n, 1060, 3600, &out),
                     SD_NONCE_VALID);
    assert_int_equal(out.lifetime, 60);
    assert_true(out.generation == in.generation);
    assert_memory_equal(out.id, in.id, SD_NONCE_ID_LEN);
    /* the verifier's 3600 s do not stretch the nonce's 60 s */
    assert_int_equal(sd_nonce_check(key, NULL, realm, n, 1061, 3600, &out),
                     SD_NONCE_STALE);
    /* a verifier with 30 s refuses it after 30 */
    assert_int_equal(sd_nonce_check(key, NULL, realm, n, 1031, 30, &out),
                     SD_NONCE_STALE);
    /* lifetimes out of range are not minted */
    in.lifetime = 0;
    assert_false(sd_nonce_mint(key, realm, &in, rnd, nonce));
    in.lifetime = SD_NONCE_MAX_LIFETIME + 1;
    assert_false(sd_nonce_mint(key, realm, &in, rnd, nonce));
    test_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_tamper),
        cmocka_unit_test(expiry_and_skew),
        cmocka_unit_test(distinct),
        cmocka_unit_test(bound_to_lifetime_and_generation),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
