/*
 * test_uri.c: digest-uri against request-target (RFC 7616 §3.4.6), and
 * the check through AcceptSecurityContext, before any count is used.
 */
#include "support.h"

#include <string.h>

#include "uri.h"

static sd_view v(const char *s)
{
    sd_view view = {s, strlen(s)};
    return view;
}

static void forms(void **state)
{
    (void)state;
    assert_true(
        sd_uri_matches(v("/dir/index.html"), v("/dir/index.html"), false));
    assert_true(sd_uri_matches(v("http://www.example.org/dir/index.html"),
                               v("/dir/index.html"), false));
    assert_true(sd_uri_matches(v("/a?b=c"), v("http://h:8080/a?b=c"), false));
    assert_true(sd_uri_matches(v("http://h"), v("/"), false));
    assert_true(
        sd_uri_matches(v("example.org:443"), v("example.org:443"), false));
    assert_false(
        sd_uri_matches(v("/dir/other.html"), v("/dir/index.html"), false));
    assert_false(sd_uri_matches(v("/a"), v("/a?b"), false));
    assert_false(sd_uri_matches(v("/a?b"), v("/a?c"), false));
    assert_false(sd_uri_matches(v("/A"), v("/a"), false));
    assert_false(sd_uri_matches(v("/a%20b"), v("/a b"), false));
    /* when both name a host, it must be the same one */
    assert_true(sd_uri_matches(v("http://H:80/a"), v("http://h/a"), false));
    assert_true(sd_uri_matches(v("https://h/a"), v("https://h:443/a"), false));
    assert_false(sd_uri_matches(v("http://other/a"), v("http://h/a"), false));
    assert_false(sd_uri_matches(v("http://h:8080/a"), v("http://h/a"), false));
    assert_false(sd_uri_matches(v("https://h/a"), v("http://h/a"), false));
    assert_false(sd_uri_matches(v("http://other/a"), v("http://h/a?b"), true));
    /* the MSIE query-string hack */
    assert_true(sd_uri_matches(v("/a"), v("/a?b"), true));
    assert_false(sd_uri_matches(v("/a?c"), v("/a?b"), true));
    assert_false(sd_uri_matches(v("/x"), v("/a?b"), true));
}

static const test_user users[] = {{"alice", "realm", "secret", 0}};

static SECURITY_STATUS accept_with_target(CredHandle *srv, const char *authz,
                                          const char *target, ULONG flags,
                                          CtxtHandle *ctx)
{
    asc_buffers in;
    SecBuffer b[7];
    SecBufferDesc desc = {SECBUFFER_VERSION, 7, b};
    SD_CALL_PARAMETERS cp = {.RequestTarget = target,
                             .RequestTargetLength = (ULONG)strlen(target),
                             .Flags = flags};
    char out[8192];
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs;

    asc_buffers_set(&in, authz, "GET", NULL, "realm");
    memcpy(b, in.b, sizeof(in.b));
    b[6].BufferType = SECBUFFER_SD_CALL_PARAMETERS;
    b[6].cbBuffer = sizeof(cp);
    b[6].pvBuffer = &cp;
    return AcceptSecurityContext(srv, NULL, &desc,
                                 ASC_REQ_HTTP | ASC_REQ_REPLAY_DETECT, 0, ctx,
                                 &od, &attrs, NULL);
}

static void checked_before_the_count(void **state)
{
    test_exchange x;
    CtxtHandle sctx;

    (void)state;
    test_users = users;
    test_nusers = 1;
    test_exchange_start(&x, SD_ALG_MD5, SD_QOP_AUTH, "alice", "secret",
                        "/doc?x=1");
    assert_status(accept_with_target(&x.server, x.authz, "/other", 0, &sctx),
                  SEC_E_INVALID_TOKEN);
    assert_string_equal(test_reason(&sctx),
                        "digest-uri does not match the request target");
    DeleteSecurityContext(&sctx);
    /* the count was not used by the refused request */
    assert_status(accept_with_target(&x.server, x.authz, "/doc?x=1", 0, &sctx),
                  SEC_E_OK);
    DeleteSecurityContext(&sctx);
    test_exchange_finish(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
        cmocka_unit_test(checked_before_the_count),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
