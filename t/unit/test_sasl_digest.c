/*
 * test_sasl_digest.c: DIGEST-MD5's digests and layer keys against RFC
 * 2831 §4 and vectors S1-S6 of test-vectors.md, and the ISO 8859-1 rule
 * of RFC 2831 §2.1.2.1 with its conversions.
 */
#include "support.h"

#include <string.h>

#include "hex.h"
#include "sasl_digest.h"

static sd_view v(const char *s)
{
    sd_view r = {s, strlen(s)};

    return r;
}

static void assert_hex(const unsigned char *raw, const char *want)
{
    char hex[2 * SD_SASL_KEY_LEN + 1];

    sd_hex_encode_public(hex, raw, SD_SASL_KEY_LEN);
    hex[2 * SD_SASL_KEY_LEN] = '\0';
    assert_string_equal(hex, want);
}

/* One row of the S1-S5 tables: inputs and the three results. */
typedef struct {
    const char *name;
    const char *user;
    const char *nonce;
    const char *cnonce;
    const char *qop;
    const char *uri;
    const char *authzid; /* NULL: none */
    const char *key, *ha1, *response, *rspauth;
} vector;

static const vector vectors[] = {
    {"S1 RFC 2831 §4 IMAP", "chris", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "auth",
     "imap/elwood.innosoft.com", NULL, "eb5a750053e4d2c34aa84bbc9b0b6ee7",
     "a2549853149b0536f01f0b850c643c57", "d388dad90d4bbd760a152321f2143af7",
     "ea40f60335c427b5527b84dbabcdfffd"},
    {"S2 RFC 2831 §4 ACAP", "chris", "OA9BSXrbuRhWay", "OA9BSuZWMSpW8m", "auth",
     "acap/elwood.innosoft.com", NULL, "eb5a750053e4d2c34aa84bbc9b0b6ee7",
     "b62e36ab7dd57c82c296186c0f062f9e", "6084c6db3fede7352c551284490fd0fc",
     "2f0b3d7c3c2e486600ef710726aa2eae"},
    {"S3 auth-int", "chris", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "auth-int",
     "imap/elwood.innosoft.com", NULL, "eb5a750053e4d2c34aa84bbc9b0b6ee7",
     "a2549853149b0536f01f0b850c643c57", "89fdc8198a2499ec4b6d0045c00ae24a",
     "2342e4b9b84956beda20b94d83cc8fe0"},
    {"S3 auth-conf", "chris", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "auth-conf",
     "imap/elwood.innosoft.com", NULL, "eb5a750053e4d2c34aa84bbc9b0b6ee7",
     "a2549853149b0536f01f0b850c643c57", "c7d2efa41f50398d289b732a0c09f381",
     "e2b2f2d1742ec87e03e40f22efdeaac8"},
    {"S4 authzid", "chris", "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "auth",
     "imap/elwood.innosoft.com", "chris", "eb5a750053e4d2c34aa84bbc9b0b6ee7",
     "208604962a682cf81359169093cbd7da", "b1b19eb65cf78f4fa5b9fc515757b655",
     "1a16e5ea733e6c675236527ffefd5156"},
    {"S5 charset=utf-8, ISO 8859-1 user", "J\xc3\xa4s\xc3\xb8n Doe",
     "OA6MG9tEQGm2hh", "OA6MHXh6VqTrRk", "auth", "imap/elwood.innosoft.com",
     NULL, "77c8872438c20138baebb581fc4043af",
     "707d0cc381745183b629cc4daec60527", "bf2161f794814da36df15a1d2b055226",
     "a3090d31cba8bedb75baf732eccd061a"},
};

static void rfc2831_vectors(void **state)
{
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const vector *t = &vectors[i];
        unsigned char key[16], ha1[16], out[16];
        sd_sasl_digest_input d = {v(t->nonce), v(t->cnonce), v("00000001"),
                                  v(t->qop),   v(t->uri),    {NULL, 0},
                                  false};

        print_message("%s\n", t->name);
        if (t->authzid != NULL) {
            d.authzid = v(t->authzid);
            d.has_authzid = true;
        }
        assert_int_equal(sd_sasl_user_key(h, v(t->user),
                                          v("elwood.innosoft.com"), v("secret"),
                                          true, key),
                         SD_SASL_KEY_OK);
        assert_hex(key, t->key);
        assert_true(sd_sasl_ha1(h, key, &d, ha1));
        assert_hex(ha1, t->ha1);
        assert_true(sd_sasl_digest_response(h, ha1, &d, false, out));
        assert_hex(out, t->response);
        assert_true(sd_sasl_digest_response(h, ha1, &d, true, out));
        assert_hex(out, t->rspauth);
    }
    test_pool_destroy(p);
}

/* S5's negative row: hashing the UTF-8 octets (right for HTTP, wrong
   here) gives another key; a name ISO 8859-1 cannot hold is hashed in
   UTF-8 with charset=utf-8 and refused without it. */
static void iso_8859_1_rule(void **state)
{
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);
    unsigned char key[16];
    char hex[33];
    sd_view omega = v("\xce\xa9mega"); /* U+03A9 */

    (void)state;
    /* without charset=utf-8 the Latin-1-representable name still hashes
       in ISO 8859-1 (it is how it travels) */
    assert_int_equal(sd_sasl_user_key(h, v("J\xc3\xa4s\xc3\xb8n Doe"),
                                      v("elwood.innosoft.com"), v("secret"),
                                      false, key),
                     SD_SASL_KEY_OK);
    assert_hex(key, "77c8872438c20138baebb581fc4043af");
    assert_int_equal(sd_sasl_user_key(h, omega, v("r"), v("p"), false, key),
                     SD_SASL_KEY_NOT_LATIN1);
    assert_int_equal(sd_sasl_user_key(h, v("u"), v("r"), omega, false, key),
                     SD_SASL_KEY_NOT_LATIN1);
    assert_int_equal(sd_sasl_user_key(h, omega, v("r"), v("p"), true, key),
                     SD_SASL_KEY_OK);
    /* the UTF-8 octets, as HTTP's MD5 H(A1) hashes them */
    assert_true(sd_digest_ha1(h, SD_HASH_MD5, omega, v("r"), v("p"), hex));
    hex[32] = '\0';
    assert_hex(key, hex);
    /* S5's wrong value is what the UTF-8 octets of Jäsøn give */
    assert_true(sd_digest_ha1(h, SD_HASH_MD5, v("J\xc3\xa4s\xc3\xb8n Doe"),
                              v("elwood.innosoft.com"), v("secret"), hex));
    assert_memory_equal(hex, "214d9584039c2a4e59839d936086e609", 32);
    test_pool_destroy(p);
}

/* S6: the four layer keys of the S1 session, n = 16, 7 and 5. */
static void layer_keys(void **state)
{
    static const struct {
        ULONG cipher;
        const char *kcc, *kcs;
    } rows[] = {
        {SD_SASL_CIPHER_RC4, "8df21180f2b8360bd1ed01f2ac38bf36",
         "e7ab8276e98ea22e6dbbe08564b1e5d4"},
        {SD_SASL_CIPHER_DES, "8df21180f2b8360bd1ed01f2ac38bf36",
         "e7ab8276e98ea22e6dbbe08564b1e5d4"},
        {SD_SASL_CIPHER_3DES, "8df21180f2b8360bd1ed01f2ac38bf36",
         "e7ab8276e98ea22e6dbbe08564b1e5d4"},
        {SD_SASL_CIPHER_RC4_56, "736fb3b8556ead6506622128d86afbe1",
         "e2a06bf4a8074a4b9ec82101b4ff5d4a"},
        {SD_SASL_CIPHER_RC4_40, "8dc49491250e22722c7d2ea948c1240f",
         "db5f2444cddfce34a62a211d9d12aad3"},
    };
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);
    unsigned char ha1[16];

    (void)state;
    assert_true(
        sd_hex_decode_public(ha1, 16, "a2549853149b0536f01f0b850c643c57", 32));
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sd_sasl_keys k;

        assert_true(sd_sasl_layer_keys(h, ha1, rows[i].cipher, &k));
        assert_hex(k.kic, "167e83eb00efac5c44f84a956e32e9c9");
        assert_hex(k.kis, "3cd17b670169e97288080d4389652b16");
        assert_hex(k.kcc, rows[i].kcc);
        assert_hex(k.kcs, rows[i].kcs);
    }
    test_pool_destroy(p);
}

static void latin1_conversions(void **state)
{
    static const struct {
        const char *in;
        const char *out; /* NULL: refused */
    } rows[] = {
        {"plain", "plain"},
        {"\xc2\x80\xc2\xbf\xc3\x80\xc3\xbf", "\x80\xbf\xc0\xff"},
        {"\xc4\x80", NULL},     /* U+0100 */
        {"\xc3", NULL},         /* truncated */
        {"\xc3\x28", NULL},     /* not a continuation */
        {"\xc0\x80", NULL},     /* overlong NUL */
        {"\xe2\x82\xac", NULL}, /* the euro sign */
        {"a\xff", NULL},        /* not UTF-8 */
    };
    char out[16];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool ok = sd_sasl_latin1_from_utf8(v(rows[i].in), out, sizeof(out), &n);

        assert_int_equal(ok, rows[i].out != NULL);
        if (ok) {
            assert_int_equal(n, strlen(rows[i].out));
            assert_memory_equal(out, rows[i].out, n);
        }
    }
    /* and back */
    assert_true(
        sd_sasl_utf8_from_latin1(v("J\xe4s\xf8n"), out, sizeof(out), &n));
    assert_int_equal(n, 7);
    assert_memory_equal(out, "J\xc3\xa4s\xc3\xb8n", 7);
    /* never past the capacity */
    assert_false(sd_sasl_latin1_from_utf8(v("abcdef"), out, 5, &n));
    assert_false(sd_sasl_utf8_from_latin1(v("\xe4\xe4\xe4"), out, 5, &n));
    assert_true(sd_sasl_utf8_from_latin1(v("\xe4\xe4\xe4"), out, 6, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc2831_vectors),
        cmocka_unit_test(iso_8859_1_rule),
        cmocka_unit_test(layer_keys),
        cmocka_unit_test(latin1_conversions),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
