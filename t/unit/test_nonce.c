/*
 * test_nonce.c: minting and checking nonces: round trip, any changed
 * character, another realm or key, rotation, expiry and clock skew.
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

static void round_trip_and_tamper(void **state)
{
    apr_pool_t *p = test_pool();
    sd_mac *key = sd_mac_create(p, (const unsigned char *)"k", 1);
    sd_mac *other = sd_mac_create(p, (const unsigned char *)"other", 5);
    char nonce[SD_NONCE_LEN + 1] = {0};
    sd_nonce_info info;
    sd_view realm = v("realm", 5);

    (void)state;
    assert_true(sd_nonce_mint(key, realm, 1000, rnd, nonce));
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
    assert_true(sd_nonce_mint(key, realm, 5000, rnd, nonce));
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
    sd_nonce_mint(key, realm, 7, rnd, a);
    sd_nonce_mint(key, realm, 7, (const unsigned char *)"87654321", b);
    assert_memory_not_equal(a, b, SD_NONCE_LEN);
    sd_nonce_check(key, NULL, realm, v(a, SD_NONCE_LEN), 7, 300, &ia);
    sd_nonce_check(key, NULL, realm, v(b, SD_NONCE_LEN), 7, 300, &ib);
    assert_memory_not_equal(ia.id, ib.id, SD_NONCE_ID_LEN);
    test_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_tamper),
        cmocka_unit_test(expiry_and_skew),
        cmocka_unit_test(distinct),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
