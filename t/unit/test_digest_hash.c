/*
 * test_digest_hash.c: the hash layer against the RFC examples, with their
 * errata (../shared/reference/test-vectors.md: H1-H8, X1-X4, body hashes).
 */
#include "support.h"

#include <string.h>

#include "digest_hash.h"
#include "secret.h"

typedef struct {
    const char *id; /* vector heading in test-vectors.md */
    ULONG alg;
    const char *user, *realm, *password, *method, *uri, *nonce, *cnonce, *nc,
        *qop, *body;
    const char *ha1, *response, *rspauth, *userhash;
} vector;

static const vector vectors[] = {
    {"H1 RFC 2617 3.5", SD_ALG_MD5, "Mufasa", "testrealm@host.com",
     "Circle Of Life", "GET", "/dir/index.html",
     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "00000001", "auth", NULL,
     "939e7578ed9e3c518a452acee763bce9", "6629fae49393a05397450978507c4ef1",
     "376602cfd2f4e8e5e78b948a85263e85", "74f54fe2c8045a5ffda7d02fd97f1716"},
    {"H2 MD5 auth-int, empty bodies", SD_ALG_MD5, "Mufasa",
     "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "00000001", "auth-int",
     "", "939e7578ed9e3c518a452acee763bce9", "5e6610ecf9ba3017a4870ad48e3ad30b",
     "e825c23c22381ba158888ad68fe3c866", "74f54fe2c8045a5ffda7d02fd97f1716"},
    {"H3 MD5-sess", SD_ALG_MD5_SESS, "Mufasa", "testrealm@host.com",
     "Circle Of Life", "GET", "/dir/index.html",
     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "00000001", "auth", NULL,
     "939e7578ed9e3c518a452acee763bce9", "8e3825c57e897f5a0dec6c2d4e5059d0",
     "b600873c6b5797f53d87684d8fc17026", "74f54fe2c8045a5ffda7d02fd97f1716"},
    {"H4 MD5 without qop (RFC 2617 inputs)", SD_ALG_MD5, "Mufasa",
     "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "", "", NULL,
     "939e7578ed9e3c518a452acee763bce9", "670fd8c2df070c60b045671b8b24ff02",
     "2a38c66e35e2b1f6763297add4c6c66f", "74f54fe2c8045a5ffda7d02fd97f1716"},
    {"H5 RFC 2069 2.4 (erratum 749)", SD_ALG_MD5, "Mufasa",
     "testrealm@host.com", "CircleOfLife", "GET", "/dir/index.html",
     "dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "", "", NULL,
     "4945ecf42b1bb868634058a845bedde8", "1949323746fe6a43ef61f9606e7febea",
     "123cde1ca5cf91bf86e872d42002bea9", "74f54fe2c8045a5ffda7d02fd97f1716"},
    {"H6 RFC 7616 3.9.1 MD5", SD_ALG_MD5, "Mufasa", "http-auth@example.org",
     "Circle of Life", "GET", "/dir/index.html",
     "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001", "auth", NULL,
     "3d78807defe7de2157e2b0b6573a855f", "8ca523f5e9506fed4657c9700eebdbec",
     "9b712497bc9f91499fbcca1dfc5f09a5", "4238f3a16167373febb9bc4d43db9cc4"},
    {"H7 RFC 7616 3.9.1 SHA-256", SD_ALG_SHA256, "Mufasa",
     "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html",
     "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001", "auth", NULL,
     "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
     "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
     "86d3b25618d41854ca5039a5d7e53ff6355d5134a9b1fb088a78ac3c462195a0",
     "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"},
    {"H8 RFC 7616 3.9.2 SHA-512-256 (erratum 4897)", SD_ALG_SHA512_256,
     "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?", "GET",
     "/doe.json", "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
     "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", "00000001", "auth", NULL,
     "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f",
     "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5",
     "2a14c644cc564038709393846dc914772273b178abe03a2fb02c9684116bbc2d",
     "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"},
    {"X1 SHA-256-sess auth-int POST", SD_ALG_SHA256_SESS, "Mufasa",
     "http-auth@example.org", "Circle of Life", "POST", "/dir/index.html",
     "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001", "auth-int",
     "hello world\n",
     "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
     "95dc84e563394221ce5c7c8fa90ebae1e4c6f02f6807299623f754def64b4f9b",
     "a9f93cda41467dc17aa305bbb02c687915e78487890410a02778987465f5c1a1",
     "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"},
    {"X2 SHA-256-sess auth-int GET", SD_ALG_SHA256_SESS, "Mufasa",
     "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html",
     "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
     "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001", "auth-int", "",
     "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
     "3c19fbb1d58d0c5baff1a2ef49d847b5d0dfd7e3252b355d978d3af7d895912b",
     "e0542942acf081666f74667a1b781d2fcedf5b2023f1d5cbda3a85d0269cc1e5",
     "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"},
    {"X3 SHA-512-256-sess auth-int POST", SD_ALG_SHA512_256_SESS,
     "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?", "POST",
     "/doe.json", "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
     "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", "00000001", "auth-int",
     "hello world\n",
     "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f",
     "c772006ecb9d5a72c7de2e474223037c141a1c51883c7f5256b05758138fc1f0",
     "63c009ca850333f21ef31405bbd840a1fc07a0c011b0cefb288a664522256c99",
     "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"},
    {"X4 SHA-512-256-sess auth-int GET", SD_ALG_SHA512_256_SESS,
     "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org", "Secret, or not?", "GET",
     "/doe.json", "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
     "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", "00000001", "auth-int", "",
     "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f",
     "2d326e67e8b1d6928996e97b5c6ee2143cd250ba3c119eae0d2b2c1844fbf5cf",
     "f5e808fcb3d457654379c66744aeeb18f7642da00ba5b04c2861cfec2438ae36",
     "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"},
};

static sd_view v(const char *s)
{
    sd_view view = {s, strlen(s)};
    return view;
}

static void hex_of(const unsigned char *raw, size_t n, char *out)
{
    sd_hex_encode(out, raw, n);
    out[2 * n] = '\0';
}

static void check_vector(const vector *t)
{
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);
    const sd_algorithm *alg = sd_algorithm_by_id(t->alg);
    size_t size = sd_hash_size(alg->family);
    char ha1[SD_MAX_HEX + 1] = {0}, uh[SD_MAX_HEX + 1] = {0};
    char entity[SD_MAX_HEX + 1] = {0}, got[SD_MAX_HEX + 1];
    unsigned char raw[SD_MAX_DIGEST];
    sd_digest_input d = {0};

    assert_true(sd_digest_ha1(h, alg->family, v(t->user), v(t->realm),
                              v(t->password), ha1));
    assert_string_equal(ha1, t->ha1);
    assert_true(
        sd_digest_userhash(h, alg->family, v(t->user), v(t->realm), uh));
    assert_string_equal(uh, t->userhash);
    if (t->body != NULL) {
        assert_true(
            sd_digest_entity(h, alg->family, t->body, strlen(t->body), entity));
    }
    d.alg = alg;
    d.ha1_hex = ha1;
    d.nonce = v(t->nonce);
    d.cnonce = v(t->cnonce);
    d.nc = v(t->nc);
    d.qop = v(t->qop);
    d.method = v(t->method);
    d.uri = v(t->uri);
    d.entity_hex = v(entity);
    assert_true(sd_digest_response(h, &d, false, raw));
    hex_of(raw, size, got);
    if (strcmp(got, t->response) != 0) {
        fail_msg("%s: response %s, expected %s", t->id, got, t->response);
    }
    assert_true(sd_digest_response(h, &d, true, raw));
    hex_of(raw, size, got);
    if (strcmp(got, t->rspauth) != 0) {
        fail_msg("%s: rspauth %s, expected %s", t->id, got, t->rspauth);
    }
    test_pool_destroy(p);
}

static void rfc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        check_vector(&vectors[i]);
    }
}

/* test-vectors.md, body hashes and the FIPS 180-4 example for SHA-512/256
   (plain SHA-512 cut short would give ddaf35a1...). */
static void body_hashes(void **state)
{
    static const struct {
        sd_hash_family f;
        const char *body, *hex;
    } cases[] = {
        {SD_HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e"},
        {SD_HASH_MD5, "hello world\n", "6f5902ac237024bdd0c176cb93063dc4"},
        {SD_HASH_SHA256, "",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {SD_HASH_SHA512_256, "hello world\n",
         "bf73ee1fb7e8bf8fcdd5da06dd547052cd0f929a88f4aead68b218d3bde91134"},
        {SD_HASH_SHA512_256, "abc",
         "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
    };
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char hex[SD_MAX_HEX + 1] = {0};

        assert_true(sd_digest_entity(h, cases[i].f, cases[i].body,
                                     strlen(cases[i].body), hex));
        assert_string_equal(hex, cases[i].hex);
    }
    test_pool_destroy(p);
}

/* H3x: raw octets of the inner hash in A1 (the RFC 2617 section 5 sample
   code bug, erratum 1649) must not be what we compute. */
static void sess_uses_hex_inner_hash(void **state)
{
    apr_pool_t *p = test_pool();
    sd_hasher *h = sd_hasher_create(p);
    unsigned char raw[16];
    char got[33];
    sd_digest_input d = {0};

    (void)state;
    d.alg = sd_algorithm_by_id(SD_ALG_MD5_SESS);
    d.ha1_hex = "939e7578ed9e3c518a452acee763bce9";
    d.nonce = v("dcd98b7102dd2f0e8b11d0f600bfb0c093");
    d.cnonce = v("0a4f113b");
    d.nc = v("00000001");
    d.qop = v("auth");
    d.method = v("GET");
    d.uri = v("/dir/index.html");
    assert_true(sd_digest_response(h, &d, false, raw));
    hex_of(raw, 16, got);
    assert_string_not_equal(got, "68c13aa36c0e5ab2e1e1e684dacc873b");
    assert_string_equal(got, "8e3825c57e897f5a0dec6c2d4e5059d0");
    test_pool_destroy(p);
}

static void algorithm_names(void **state)
{
    (void)state;
    assert_ptr_equal(sd_algorithm_by_name(v("sha-256")),
                     sd_algorithm_by_id(SD_ALG_SHA256));
    assert_ptr_equal(sd_algorithm_by_name(v("MD5-SESS")),
                     sd_algorithm_by_id(SD_ALG_MD5_SESS));
    assert_null(sd_algorithm_by_name(v("SHA-1")));
    assert_null(sd_algorithm_by_name(v("SHA-256-")));
    assert_null(sd_algorithm_by_id(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_vectors),
        cmocka_unit_test(body_hashes),
        cmocka_unit_test(sess_uses_hex_inner_hash),
        cmocka_unit_test(algorithm_names),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
