/*
 * test_secret.c: both hex codecs (secret and public) over every octet and
 * every non-hex character, constant-time comparison, and wiping on pool
 * cleanup.
 */
#include "support.h"

#include <ctype.h>
#include <string.h>

#include "hex.h"
#include "secret.h"

typedef struct {
    void (*encode)(char *, const unsigned char *, size_t);
    bool (*decode)(unsigned char *, size_t, const char *, size_t);
} hex_codec;

/* The branch-free codec for secrets and the table-driven one for public
   values must behave the same. */
static const hex_codec codecs[] = {
    {sd_hex_encode, sd_hex_decode},
    {sd_hex_encode_public, sd_hex_decode_public},
};

static void hex_every_octet(void **state)
{
    unsigned char in[256], back[256];
    char hex[512];

    (void)state;
    for (int i = 0; i < 256; i++) {
        in[i] = (unsigned char)i;
    }
    for (size_t k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++) {
        codecs[k].encode(hex, in, 256);
        for (int i = 0; i < 512; i++) {
            assert_true(isxdigit((unsigned char)hex[i]) &&
                        !isupper((unsigned char)hex[i]));
        }
        assert_memory_equal(hex, "000102", 6);
        assert_memory_equal(hex + 510, "ff", 2);
        assert_true(codecs[k].decode(back, 256, hex, 512));
        assert_memory_equal(in, back, 256);
        assert_true(codecs[k].decode(back, 2, "AbCd", 4));
        assert_int_equal(back[0], 0xAB);
        assert_int_equal(back[1], 0xCD);
    }
}

static void hex_refuses_non_hex(void **state)
{
    unsigned char out[1];

    (void)state;
    for (size_t k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++) {
        for (int c = 0; c < 256; c++) {
            char in[2] = {'0', (char)c};
            bool is_hex = isxdigit(c) != 0;

            assert_int_equal(codecs[k].decode(out, 1, in, 2), is_hex);
            in[0] = (char)c;
            in[1] = '0';
            assert_int_equal(codecs[k].decode(out, 1, in, 2), is_hex);
        }
        assert_false(codecs[k].decode(out, 1, "0", 1));
        assert_false(codecs[k].decode(out, 1, "000", 3));
    }
}

/* Every pair of octets decodes to the same verdict and value. */
static void hex_codecs_agree(void **state)
{
    (void)state;
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            char in[2] = {(char)a, (char)b};
            unsigned char secret_out = 0, public_out = 0;
            bool secret_ok = sd_hex_decode(&secret_out, 1, in, 2);

            assert_int_equal(sd_hex_decode_public(&public_out, 1, in, 2),
                             secret_ok);
            if (secret_ok) {
                assert_int_equal(public_out, secret_out);
            }
        }
    }
}

static void compare(void **state)
{
    (void)state;
    assert_true(sd_ct_equal("abc", "abc", 3));
    assert_false(sd_ct_equal("abc", "abd", 3));
    assert_true(sd_ct_equal("x", "y", 0));
}

static void wiped_on_cleanup(void **state)
{
    apr_pool_t *parent = test_pool();
    apr_pool_t *child;
    char *secret;

    (void)state;
    /* wipe memory we still own: the child's data is read after its
       cleanups run but before the block is reused, so keep our own copy
       of the pointer's target in the parent */
    apr_pool_create(&child, parent);
    secret = apr_palloc(parent, 16);
    memcpy(secret, "password1234567", 16);
    sd_wipe_on_cleanup(child, secret, 16);
    apr_pool_clear(child);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(secret[i], 0);
    }
    test_pool_destroy(parent);
}

/* sd_ct_select keeps or replaces, whichever is asked. */
static void ct_select(void **state)
{
    unsigned char a[4] = {1, 2, 3, 4};
    const unsigned char b[4] = {9, 8, 7, 6};

    (void)state;
    sd_ct_select(a, b, 4, true);
    assert_memory_equal(a, "\1\2\3\4", 4);
    sd_ct_select(a, b, 4, false);
    assert_memory_equal(a, b, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_every_octet),
        cmocka_unit_test(hex_refuses_non_hex),
        cmocka_unit_test(hex_codecs_agree),
        cmocka_unit_test(compare),
        cmocka_unit_test(wiped_on_cleanup),
        cmocka_unit_test(ct_select),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
