/*
 * test_sasl_parse.c: DIGEST-MD5's digest-challenge, digest-response and
 * response-auth as real peers send them (Windows, Cyrus SASL, the JDK,
 * GNU SASL, RFC 2831 §4), and every way they can be malformed, each with
 * its reason.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "sasl_parse.h"

static sd_auth_list list;

static const char *challenge(const char *in, sd_sasl_challenge *out)
{
    return sd_sasl_parse_challenge(&list, in, strlen(in), out);
}

static const char *response(const char *in, sd_sasl_response *out)
{
    return sd_sasl_parse_response(&list, in, strlen(in), out);
}

static bool view_is(sd_view v, const char *s)
{
    return v.p != NULL && v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

static void challenges_of_real_peers(void **state)
{
    sd_sasl_challenge c;

    (void)state;
    /* RFC 2831 §4 */
    assert_null(challenge("realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh"
                          "\",qop=\"auth\",algorithm=md5-sess,charset=utf-8",
                          &c));
    assert_int_equal(c.nrealms, 1);
    assert_true(view_is(c.realms[0], "elwood.innosoft.com"));
    assert_true(view_is(c.nonce, "OA6MG9tEQGm2hh"));
    assert_int_equal(c.qops, SD_QOP_AUTH);
    assert_int_equal(c.ciphers, 0);
    assert_true(c.utf8);
    assert_int_equal(c.maxbuf, 65536);
    /* Windows' order and spelling */
    assert_null(challenge("qop=\"auth,auth-int,auth-conf\",cipher=\"3des,rc4\","
                          "algorithm=md5-sess,nonce=\"+Upgraded+v1abc\","
                          "charset=utf-8,realm=\"example.com\"",
                          &c));
    assert_int_equal(c.qops, SD_QOP_AUTH | SD_QOP_AUTH_INT | SD_QOP_AUTH_CONF);
    assert_int_equal(c.ciphers, SD_SASL_CIPHER_3DES | SD_SASL_CIPHER_RC4);
    /* Cyrus SASL's, with maxbuf and every cipher */
    assert_null(challenge("nonce=\"7qnx\",realm=\"EXAMPLE.ORG\",qop=\"auth,"
                          "auth-int,auth-conf\",cipher=\"rc4-40,rc4-56,rc4,des,"
                          "3des\",maxbuf=2048,charset=utf-8,algorithm=md5-sess",
                          &c));
    assert_int_equal(c.ciphers, SD_SASL_CIPHERS_ALL);
    assert_int_equal(c.maxbuf, 2048);
    /* spaces in lists, several realms, unknown names and directives */
    assert_null(challenge("realm=\"a\", realm=\"b\" ,nonce=\"n\", qop=\"auth, "
                          "auth-new , auth-int\",cipher=\"aes, rc4\","
                          "algorithm=MD5-SESS,stale=true,future=\"x\"",
                          &c));
    assert_int_equal(c.nrealms, 2);
    assert_true(view_is(c.realms[1], "b"));
    assert_int_equal(c.qops, SD_QOP_AUTH | SD_QOP_AUTH_INT);
    assert_int_equal(c.ciphers, SD_SASL_CIPHER_RC4);
    assert_false(c.utf8);
    /* no qop-options: auth only (§2.1.1) */
    assert_null(challenge("nonce=\"n\",algorithm=md5-sess", &c));
    assert_int_equal(c.qops, SD_QOP_AUTH);
    assert_int_equal(c.nrealms, 0);
}

static void malformed_challenges(void **state)
{
    static const struct {
        const char *in, *why;
    } rows[] = {
        {"", "header syntax error"},
        {"realm=\"r\",algorithm=md5-sess", "required directive missing"},
        {"nonce=\"n\"", "required directive missing"},
        {"nonce=\"n\",algorithm=md5", "algorithm is not md5-sess"},
        {"nonce=\"n\",nonce=\"m\",algorithm=md5-sess", "directive repeated"},
        {"nonce=\"n\",algorithm=md5-sess,qop=\"auth\",qop=\"auth\"",
         "directive repeated"},
        {"nonce=\"\",algorithm=md5-sess", "empty nonce"},
        {"nonce=\"n\",algorithm=md5-sess,charset=iso-8859-1",
         "charset is not utf-8"},
        {"nonce=\"n\",algorithm=md5-sess,maxbuf=16", "bad maxbuf"},
        {"nonce=\"n\",algorithm=md5-sess,maxbuf=16777216", "bad maxbuf"},
        {"nonce=\"n\",algorithm=md5-sess,maxbuf=0x100", "bad maxbuf"},
        {"nonce=\"n\",algorithm=md5-sess,maxbuf=000000100", "bad maxbuf"},
        {"Digest nonce=\"n\",algorithm=md5-sess", "not a digest-challenge"},
        {"nonce=\"n\",algorithm=md5-sess, x", "not a digest-challenge"},
        {"nonce=\"n,algorithm=md5-sess", "header syntax error"},
        {"nonce=\"n\",algorithm=md5-sess,realm=\"a\x01\"",
         "control character in header"},
        /* without charset=utf-8 the realm is ISO 8859-1: C1 refused */
        {"nonce=\"n\",algorithm=md5-sess,realm=\"a\x85\"",
         "realm is not printable text"},
        {"nonce=\"n\",algorithm=md5-sess,charset=utf-8,realm=\"\xe4\"",
         "realm is not printable text"},
    };
    sd_sasl_challenge c;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *why = challenge(rows[i].in, &c);

        print_message("%s\n", rows[i].in);
        assert_non_null(why);
        assert_string_equal(why, rows[i].why);
    }
    /* ISO 8859-1 is printable without charset */
    assert_null(challenge("nonce=\"n\",algorithm=md5-sess,realm=\"\xe4\"", &c));
}

static void challenge_limits(void **state)
{
    char big[SD_SASL_MAX_CHALLENGE + 64];
    sd_sasl_challenge c;
    size_t n;

    (void)state;
    /* 16 realms are fine, 17 are not */
    strcpy(big, "nonce=\"n\",algorithm=md5-sess");
    for (int i = 0; i < 16; i++) {
        strcat(big, ",realm=\"r\"");
    }
    assert_null(challenge(big, &c));
    strcat(big, ",realm=\"r\"");
    assert_string_equal(challenge(big, &c), "too many realms");
    /* a realm over SD_MAX_REALM */
    strcpy(big, "nonce=\"n\",algorithm=md5-sess,realm=\"");
    n = strlen(big);
    memset(big + n, 'r', SD_MAX_REALM + 1);
    strcpy(big + n + SD_MAX_REALM + 1, "\"");
    assert_string_equal(challenge(big, &c), "realm too long");
    /* the whole challenge: SD_SASL_MAX_CHALLENGE octets at most */
    strcpy(big, "nonce=\"n\",algorithm=md5-sess,x=\"");
    n = strlen(big);
    memset(big + n, 'x', SD_SASL_MAX_CHALLENGE - n - 1);
    strcpy(big + SD_SASL_MAX_CHALLENGE - 1, "\"");
    assert_null(challenge(big, &c));
    strcpy(big + SD_SASL_MAX_CHALLENGE - 1, "x\"");
    assert_string_equal(challenge(big, &c), "digest-challenge too long");
}

static const char rfc_response[] =
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA"
    "6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/"
    "elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7,qop=auth";

static void responses_of_real_peers(void **state)
{
    sd_sasl_response r;

    (void)state;
    assert_null(response(rfc_response, &r));
    assert_true(view_is(r.username, "chris"));
    assert_true(view_is(r.realm, "elwood.innosoft.com"));
    assert_true(view_is(r.digest_uri, "imap/elwood.innosoft.com"));
    assert_int_equal(r.qop_id, SD_QOP_AUTH);
    assert_int_equal(r.nc_value, 1);
    assert_true(r.utf8);
    assert_null(r.authzid.p);
    assert_null(r.cipher.p);
    assert_int_equal(r.response[0], 0xd3);
    /* Cyrus SASL: cipher, maxbuf, lower-case names in any order */
    assert_null(
        response("username=\"alice\",realm=\"R\",nonce=\"n\",cnonce=\""
                 "c\",nc=00000001,qop=auth-conf,cipher=rc4-56,maxbuf="
                 "2048,digest-uri=\"rcmd/localhost\",response=0123456789"
                 "abcdef0123456789ABCDEF,authzid=\"bob\"",
                 &r));
    assert_int_equal(r.qop_id, SD_QOP_AUTH_CONF);
    assert_int_equal(r.cipher_id, SD_SASL_CIPHER_RC4_56);
    assert_int_equal(r.maxbuf, 2048);
    assert_true(view_is(r.authzid, "bob"));
    assert_false(r.utf8);
    /* no qop: auth; an unknown qop or cipher is kept for the caller */
    assert_null(response("username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,"
                         "digest-uri=\"a/b/c\",response=0123456789abcdef012345"
                         "6789abcdef",
                         &r));
    assert_int_equal(r.qop_id, SD_QOP_AUTH);
    assert_true(view_is(r.qop, "auth"));
    assert_null(r.realm.p);
    assert_null(response("username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,"
                         "digest-uri=\"a/b\",response=0123456789abcdef01234567"
                         "89abcdef,qop=auth-new,cipher=aes",
                         &r));
    assert_int_equal(r.qop_id, 0);
    assert_int_equal(r.cipher_id, 0);
    assert_true(view_is(r.cipher, "aes"));
}

static void malformed_responses(void **state)
{
    static const char base[] = "username=\"u\",nonce=\"n\",cnonce=\"c\","
                               "nc=00000001,digest-uri=\"a/b\",response="
                               "0123456789abcdef0123456789abcdef";
    static const struct {
        const char *extra; /* appended to base, or replaces it */
        bool replace;
        const char *why;
    } rows[] = {
        {",username=\"v\"", false, "parameter repeated"},
        {",realm=\"a\",realm=\"a\"", false, "parameter repeated"},
        {",charset=latin1", false, "charset is not utf-8"},
        {",maxbuf=", false, "header syntax error"},
        {",maxbuf=12", false, "bad maxbuf"},
        {",authzid=\"\x7f\"", false, "control character in header"},
        {",authzid=\"\x85\"", false,
         "user name, realm or authzid is not printable text"},
        {",charset=utf-8,realm=\"\xe4\"", false,
         "user name, realm or authzid is not printable text"},
        {"username=\"\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b"
         "\",response=0123456789abcdef0123456789abcdef",
         true, "user name, realm or authzid is not printable text"},
        {"username=\"u\",nonce=\"n\",cnonce=\"\",nc=00000001,digest-uri=\"a/b"
         "\",response=0123456789abcdef0123456789abcdef",
         true, "empty nonce or cnonce"},
        {"username=\"u\",nonce=\"n\",cnonce=\"c\",nc=0000001,digest-uri=\"a/b"
         "\",response=0123456789abcdef0123456789abcdef",
         true, "nc is not 8 hex digits"},
        {"username=\"u\",nonce=\"n\",cnonce=\"c\",nc=0000000g,digest-uri=\"a/"
         "b\",response=0123456789abcdef0123456789abcdef",
         true, "nc is not 8 hex digits"},
        {"username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/"
         "b\",response=0123456789abcdef0123456789abcde",
         true, "response is not 32 hex digits"},
        {"username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/"
         "b\",response=0123456789abcdef0123456789abcdeg",
         true, "response is not 32 hex digits"},
        {"username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/"
         "b\",response=0123456789abcdef0123456789abcdef0",
         true, "directive value too long"},
        {"username=\"u\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\",response"
         "=0123456789abcdef0123456789abcdef",
         true, "required directive missing"},
        {"Digest username=\"u\"", true, "not a digest-response"},
    };
    static const char *bad_uris[] = {
        "ab", "a/", "/b", "a//b", "a/b/", "a/b/c/d", "a b/c", "a/b\xe4", ""};
    char buf[512];
    sd_sasl_response r;

    (void)state;
    assert_null(response(base, &r)); /* the base is good: rows can fail */
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *why;

        snprintf(buf, sizeof(buf), "%s%s", rows[i].replace ? "" : base,
                 rows[i].extra);
        why = response(buf, &r);
        print_message("%s\n", buf);
        assert_non_null(why);
        assert_string_equal(why, rows[i].why);
    }
    for (size_t i = 0; i < sizeof(bad_uris) / sizeof(bad_uris[0]); i++) {
        snprintf(buf, sizeof(buf),
                 "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-"
                 "uri=\"%s\",response=0123456789abcdef0123456789abcdef",
                 bad_uris[i]);
        assert_string_equal(response(buf, &r),
                            "digest-uri is not serv-type/host[/serv-name]");
    }
}

static void response_limits(void **state)
{
    char big[SD_SASL_MAX_RESPONSE + 64];
    sd_sasl_response r;
    size_t n;

    (void)state;
    /* a user name of SD_MAX_USERNAME octets, then one more */
    strcpy(big, "username=\"");
    n = strlen(big);
    memset(big + n, 'u', SD_MAX_USERNAME);
    strcpy(big + n + SD_MAX_USERNAME,
           "\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
           "response=0123456789abcdef0123456789abcdef");
    assert_null(response(big, &r));
    memset(big + n, 'u', SD_MAX_USERNAME + 1);
    strcpy(big + n + SD_MAX_USERNAME + 1,
           "\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
           "response=0123456789abcdef0123456789abcdef");
    assert_string_equal(response(big, &r), "directive value too long");
    /* the whole response: under SD_SASL_MAX_RESPONSE + 1 octets */
    memset(big, ' ', sizeof(big));
    memcpy(big, rfc_response, strlen(rfc_response));
    big[SD_SASL_MAX_RESPONSE] = '\0';
    assert_null(response(big, &r));
    big[SD_SASL_MAX_RESPONSE] = ' ';
    big[SD_SASL_MAX_RESPONSE + 1] = '\0';
    assert_string_equal(response(big, &r), "digest-response too long");
}

static void rspauth(void **state)
{
    unsigned char got[16];
    static const char *bad[] = {"",
                                "rspauth=",
                                "rspauth=ea40f6",
                                "rspauth=ea40f60335c427b5527b84dbabcdfffg",
                                "nonce=\"x\"",
                                "rspauth=1,rspauth=2"};

    (void)state;
    assert_null(sd_sasl_parse_rspauth(
        &list, "rspauth=ea40f60335c427b5527b84dbabcdfffd", 40, got));
    assert_int_equal(got[0], 0xea);
    assert_int_equal(got[15], 0xfd);
    assert_null(sd_sasl_parse_rspauth(
        &list, "rspauth=\"EA40F60335C427B5527B84DBABCDFFFD\", more=1", 50,
        got));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_non_null(
            sd_sasl_parse_rspauth(&list, bad[i], strlen(bad[i]), got));
    }
}

static void names(void **state)
{
    sd_view v = {"RC4-40", 6};

    (void)state;
    assert_int_equal(sd_sasl_cipher_by_name(v), SD_SASL_CIPHER_RC4_40);
    assert_string_equal(sd_sasl_cipher_name(SD_SASL_CIPHER_3DES), "3des");
    assert_string_equal(sd_sasl_cipher_name(0), "");
    assert_string_equal(sd_sasl_qop_name(SD_QOP_AUTH_CONF), "auth-conf");
    assert_string_equal(sd_sasl_qop_name(0), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(challenges_of_real_peers),
        cmocka_unit_test(malformed_challenges),
        cmocka_unit_test(challenge_limits),
        cmocka_unit_test(responses_of_real_peers),
        cmocka_unit_test(malformed_responses),
        cmocka_unit_test(response_limits),
        cmocka_unit_test(rspauth),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
