/*
 * test_params.c: the auth-param grammar (RFC 7235 §2.1, RFC 7230 §3.2.6)
 * and its limits, the RFC 8187 ext-value codec and sd_utf8_printable.
 * Every parse that succeeds is also checked for views that stay inside
 * the input or the list's scratch.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

#include "params.h"

/* 18 KiB: too large to want on every test's stack. */
static sd_auth_list list;

/* Room for inputs just over SD_MAX_TOKEN. */
static char big[SD_MAX_TOKEN + 256];

static const char *status_name(sd_parse_status st)
{
    switch (st) {
    case SD_PARSE_OK:
        return "SD_PARSE_OK";
    case SD_PARSE_SYNTAX:
        return "SD_PARSE_SYNTAX";
    case SD_PARSE_TOO_BIG:
        return "SD_PARSE_TOO_BIG";
    case SD_PARSE_TOO_MANY:
        return "SD_PARSE_TOO_MANY";
    case SD_PARSE_DUPLICATE:
        return "SD_PARSE_DUPLICATE";
    case SD_PARSE_BAD_CHAR:
        return "SD_PARSE_BAD_CHAR";
    }
    return "?";
}

static bool view_inside(sd_view v, const char *base, size_t len)
{
    uintptr_t p = (uintptr_t)v.p, b = (uintptr_t)base;

    return v.p != NULL && p >= b && v.len <= len && p - b <= len - v.len;
}

/* Every view lies in the input or in the used part of the scratch. */
static void check_views(const char *in, size_t len)
{
    assert_true(list.nchallenges >= 1);
    assert_true(list.nchallenges <= SD_MAX_CHALLENGES);
    assert_true(list.nparams <= SD_MAX_LIST_PARAMS);
    assert_true(list.scratch_used <= sizeof(list.scratch));
    for (size_t c = 0; c < list.nchallenges; c++) {
        const sd_challenge *ch = &list.challenges[c];

        assert_true(view_inside(ch->scheme, in, len));
        assert_true(ch->token68.len == 0 || view_inside(ch->token68, in, len));
        assert_true(ch->count <= SD_MAX_PARAMS);
        assert_true(ch->first <= list.nparams);
        assert_true(ch->count <= list.nparams - ch->first);
    }
    for (size_t i = 0; i < list.nparams; i++) {
        const sd_param *p = &list.params[i];

        assert_true(view_inside(p->name, in, len));
        assert_true(p->name.len >= 1 && p->name.len <= SD_MAX_NAME);
        assert_true(view_inside(p->value, in, len) ||
                    view_inside(p->value, list.scratch, list.scratch_used));
    }
}

static sd_parse_status parse_n(const char *in, size_t len, size_t max_value)
{
    sd_parse_status st = sd_auth_parse(&list, in, len, max_value);

    if (st == SD_PARSE_OK) {
        check_views(in, len);
    }
    return st;
}

static void expect_n(const char *in, size_t len, size_t max_value,
                     sd_parse_status want)
{
    sd_parse_status got = parse_n(in, len, max_value);

    if (got != want) {
        fail_msg("parsing \"%.*s\" (%zu octets): %s, expected %s",
                 len > 200 ? 200 : (int)len, in, len, status_name(got),
                 status_name(want));
    }
}

/* A NUL-terminated input with the usual value limit. */
static void expect(const char *in, sd_parse_status want)
{
    expect_n(in, strlen(in), SD_MAX_VALUE, want);
}

/* An input with embedded NULs: the length is that of the literal. */
#define expect_lit(lit, want) expect_n(lit, sizeof(lit) - 1, SD_MAX_VALUE, want)

static void assert_view(sd_view v, const char *want, size_t n)
{
    if (v.len != n || (n > 0 && memcmp(v.p, want, n) != 0)) {
        fail_msg("view \"%.*s\", expected \"%.*s\"", (int)v.len, v.p, (int)n,
                 want);
    }
}

static void assert_view_str(sd_view v, const char *want)
{
    assert_view(v, want, strlen(want));
}

static const sd_challenge *challenge(size_t i)
{
    assert_true(i < list.nchallenges);
    return &list.challenges[i];
}

/* Challenge i has parameter `name` (looked up in any case) = value. */
static const sd_param *expect_param(size_t i, const char *name,
                                    const char *value)
{
    const sd_param *p = sd_challenge_param(&list, challenge(i), name);

    if (p == NULL) {
        fail_msg("challenge %zu has no parameter %s", i, name);
    }
    assert_view_str(p->value, value);
    return p;
}

static bool in_scratch(sd_view v)
{
    return view_inside(v, list.scratch, list.scratch_used);
}

/* ---- quoted-string (RFC 7230 §3.2.6) ---------------------------------- */

static void quoted_escapes(void **state)
{
    const sd_param *p;

    (void)state;
    /* \" and \\ and an escaped ordinary character ("\d" is "d"). */
    expect("Digest realm=\"a\\\"b\\\\c\\d\"", SD_PARSE_OK);
    p = expect_param(0, "realm", "a\"b\\cd");
    assert_true(p->quoted);
    assert_true(in_scratch(p->value));
    /* Escaped SP, HTAB and obs-text are quoted-pairs too. */
    expect("Digest realm=\"\\ \\\t\\\xc3\"", SD_PARSE_OK);
    expect_param(0, "realm", " \t\xc3");
}

static void quoted_without_escapes_points_into_input(void **state)
{
    const char *in = "Digest realm=\"plain\"";
    const sd_param *p;

    (void)state;
    expect(in, SD_PARSE_OK);
    p = expect_param(0, "realm", "plain");
    assert_ptr_equal(p->value.p, in + 14);
    assert_int_equal(list.scratch_used, 0);
}

/* Two escaped values side by side in the scratch must not overlap. */
static void several_escaped_values(void **state)
{
    (void)state;
    expect("Digest a=\"\\1\\2\", b=\"x\", c=\"\\3\\\"\"", SD_PARSE_OK);
    expect_param(0, "a", "12");
    expect_param(0, "b", "x");
    expect_param(0, "c", "3\"");
    assert_int_equal(list.scratch_used, 4);
}

static void comma_and_equals_inside_quotes(void **state)
{
    (void)state;
    expect("Digest qop=\"auth, auth-int\", realm=\"a=b, c=\\\"d\\\"\", "
           "nonce=\"=,=\"",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_int_equal(challenge(0)->count, 3);
    expect_param(0, "qop", "auth, auth-int");
    expect_param(0, "realm", "a=b, c=\"d\"");
    expect_param(0, "nonce", "=,=");
}

static void empty_quoted_value(void **state)
{
    const sd_param *p;

    (void)state;
    expect("Digest realm=\"\", opaque=\"\"", SD_PARSE_OK);
    p = expect_param(0, "realm", "");
    assert_true(p->quoted);
    expect_param(0, "opaque", "");
    /* The empty value still counts against a limit of zero: it fits. */
    expect_n("a=\"\"", 4, 0, SD_PARSE_OK);
}

static void tab_and_obs_text_in_quotes(void **state)
{
    (void)state;
    expect("Digest realm=\"a\tb \xc3\xa4\xff\"", SD_PARSE_OK);
    expect_param(0, "realm", "a\tb \xc3\xa4\xff");
}

static void unterminated_quote(void **state)
{
    (void)state;
    expect("Digest realm=\"abc", SD_PARSE_SYNTAX);
    expect("Digest realm=\"", SD_PARSE_SYNTAX);
    expect("Digest realm=\"abc\\\"", SD_PARSE_SYNTAX); /* \" is not the end */
    expect("Digest realm=\"a\", nonce=\"b", SD_PARSE_SYNTAX);
}

static void trailing_backslash(void **state)
{
    (void)state;
    expect("Digest realm=\"abc\\", SD_PARSE_SYNTAX);
    expect("realm=\"\\", SD_PARSE_SYNTAX);
}

/* ---- list structure (RFC 7230 §7, RFC 7235 §2.1) ------------------------ */

static void empty_list_elements(void **state)
{
    (void)state;
    expect(", , Digest realm=\"a\", , ,nonce=b,,", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_view_str(challenge(0)->scheme, "Digest");
    assert_int_equal(challenge(0)->count, 2);
    expect_param(0, "realm", "a");
    expect_param(0, "nonce", "b");
    /* An empty element right after the scheme (#auth-param allows it). */
    expect("Digest , realm=\"a\"", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    expect_param(0, "realm", "a");
}

static void whitespace_around_equals_and_commas(void **state)
{
    (void)state;
    expect("Digest realm = \"a\" ,\tnonce\t=\tb\t, qop= auth ,opaque =\"o\"  ",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_int_equal(challenge(0)->count, 4);
    expect_param(0, "realm", "a");
    expect_param(0, "nonce", "b");
    expect_param(0, "qop", "auth");
    expect_param(0, "opaque", "o");
    expect("  \t Digest   realm=\"a\"", SD_PARSE_OK);
    expect_param(0, "realm", "a");
}

static void names_case_insensitive(void **state)
{
    const sd_param *p;
    sd_view upper = {"DIGEST", 6};

    (void)state;
    expect("dIgEsT REALM=\"a\", Nonce=b", SD_PARSE_OK);
    p = expect_param(0, "realm", "a");
    assert_view_str(p->name, "REALM"); /* the view keeps the peer's case */
    expect_param(0, "NONCE", "b");
    assert_null(sd_challenge_param(&list, challenge(0), "opaque"));
    assert_null(sd_challenge_param(&list, challenge(0), "realmx"));
    assert_null(sd_challenge_param(&list, challenge(0), "REAL"));
    assert_true(sd_view_eq_ci(challenge(0)->scheme, "Digest"));
    assert_true(sd_view_eq_ci(upper, "digest"));
    assert_false(sd_view_eq_ci(upper, "digest2"));
    assert_false(sd_view_eq(upper, challenge(0)->scheme));
}

static void scheme_without_params(void **state)
{
    (void)state;
    expect("Negotiate", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_view_str(challenge(0)->scheme, "Negotiate");
    assert_int_equal(challenge(0)->count, 0);
    assert_int_equal(challenge(0)->token68.len, 0);
    expect("Negotiate  ", SD_PARSE_OK);
    assert_int_equal(challenge(0)->count, 0);
    expect("Negotiate, NTLM", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    assert_view_str(challenge(1)->scheme, "NTLM");
}

static void several_challenges(void **state)
{
    (void)state;
    expect("Digest realm=\"a\", nonce=\"b\", Basic realm=\"c\", "
           "Digest realm=\"d\"",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 3);
    assert_view_str(challenge(0)->scheme, "Digest");
    assert_int_equal(challenge(0)->count, 2);
    expect_param(0, "realm", "a");
    expect_param(0, "nonce", "b");
    assert_view_str(challenge(1)->scheme, "Basic");
    assert_int_equal(challenge(1)->count, 1);
    expect_param(1, "realm", "c");
    assert_view_str(challenge(2)->scheme, "Digest");
    assert_int_equal(challenge(2)->count, 1);
    expect_param(2, "realm", "d");
    assert_null(sd_challenge_param(&list, challenge(2), "nonce"));
    assert_int_equal(list.nparams, 4);
}

/* Several header lines joined by the caller with CR LF. */
static void challenges_joined_by_crlf(void **state)
{
    (void)state;
    expect("Digest realm=\"a\", algorithm=SHA-256\r\n"
           "Digest realm=\"a\", algorithm=MD5\r\nBasic realm=\"c\"\r\n",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 3);
    expect_param(0, "algorithm", "SHA-256");
    expect_param(1, "algorithm", "MD5");
    assert_view_str(challenge(2)->scheme, "Basic");
    expect_param(2, "realm", "c");
    /* A scheme with nothing after it, then a line break. */
    expect("Negotiate\r\nBasic realm=\"c\"", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    assert_int_equal(challenge(0)->count, 0);
    /* A folded challenge (RFC 7616 §3.9.1 as printed): the parameters on
       the following lines belong to the scheme before them. */
    expect("Digest\r\n    realm=\"http-auth@example.org\",\r\n"
           "    algorithm=MD5",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    expect_param(0, "algorithm", "MD5");
}

/* Trailing whitespace after a bare scheme, before the line break, is the
   same as no whitespace: found as a bug (BAD_CHAR on the CR). */
static void scheme_space_then_crlf(void **state)
{
    (void)state;
    expect("Negotiate \r\nBasic realm=\"c\"", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    assert_int_equal(challenge(0)->count, 0);
    assert_int_equal(challenge(0)->token68.len, 0);
    expect_param(1, "realm", "c");
    expect("Negotiate \t\n", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
}

static void token68_forms(void **state)
{
    (void)state;
    expect("Basic dXNlcjpwYXNz", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_view_str(challenge(0)->scheme, "Basic");
    assert_view_str(challenge(0)->token68, "dXNlcjpwYXNz");
    assert_int_equal(challenge(0)->count, 0);

    expect("Negotiate abc==", SD_PARSE_OK);
    assert_view_str(challenge(0)->token68, "abc==");
    assert_int_equal(challenge(0)->count, 0);

    expect("Negotiate abc=", SD_PARSE_OK);
    assert_view_str(challenge(0)->token68, "abc=");

    expect("Bearer a-b.c_d~e+f/g=", SD_PARSE_OK);
    assert_view_str(challenge(0)->token68, "a-b.c_d~e+f/g=");

    /* A token68 challenge, then another challenge. */
    expect("Negotiate abc= , Digest realm=\"x\"", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    assert_view_str(challenge(0)->token68, "abc=");
    expect_param(1, "realm", "x");

    expect("Basic YQ==\r\nNegotiate", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
}

static void token68_is_not_followed_by_params(void **state)
{
    (void)state;
    expect("Basic abc=, realm=\"x\"", SD_PARSE_SYNTAX);
    expect("Basic abc def", SD_PARSE_SYNTAX);
    expect("Basic abc==x", SD_PARSE_SYNTAX);
    expect("Basic abc,=def", SD_PARSE_SYNTAX);
    expect("Basic \"abc\"", SD_PARSE_SYNTAX);
}

/* Authentication-Info (RFC 7616 §3.5): parameters with no scheme. */
static void bare_param_list(void **state)
{
    (void)state;
    expect("rspauth=\"9b712497bc9f91499fbcca1dfc5f09a5\", "
           "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
           "nc=00000001, qop=auth, nextnonce=\"n\"",
           SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_int_equal(challenge(0)->scheme.len, 0);
    assert_int_equal(challenge(0)->count, 5);
    expect_param(0, "nc", "00000001");
    expect_param(0, "qop", "auth");
    expect_param(0, "nextnonce", "n");
    assert_false(expect_param(0, "nc", "00000001")->quoted);
    /* A token68 cannot start with "=", so "Basic =abc" is the auth-param
       Basic=abc with BWS around the "=". */
    expect("Basic =abc", SD_PARSE_OK);
    assert_int_equal(challenge(0)->scheme.len, 0);
    expect_param(0, "basic", "abc");
    /* A bare list may be followed by a challenge. */
    expect("a=1, Digest b=2", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    assert_int_equal(challenge(0)->scheme.len, 0);
    expect_param(1, "b", "2");
}

static void duplicate_names(void **state)
{
    (void)state;
    expect("Digest realm=\"a\", realm=\"a\"", SD_PARSE_DUPLICATE);
    expect("Digest realm=\"a\", REALM=\"b\"", SD_PARSE_DUPLICATE);
    expect("Digest nonce=x, realm=\"a\", qop=auth, rEaLm=b",
           SD_PARSE_DUPLICATE);
    expect("nc=1, NC=2", SD_PARSE_DUPLICATE);
    /* A shorter or longer name is not a duplicate. */
    expect("Digest realm=a, realms=b, real=c", SD_PARSE_OK);
    /* The same name in two challenges is fine. */
    expect("Digest realm=a, Digest realm=b", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 2);
    expect_param(1, "realm", "b");
}

/* DIGEST-MD5 challenges repeat realm: the repeats parser keeps every
   occurrence, and refuses nothing else the strict one accepts. */
static void repeated_names_allowed(void **state)
{
    static const char in[] = "realm=\"a\",realm=\"b\",REALM=c,nonce=\"n\"";

    (void)state;
    expect(in, SD_PARSE_DUPLICATE);
    assert_int_equal(sd_auth_parse_repeats(&list, in, strlen(in), 64),
                     SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_int_equal(challenge(0)->count, 4);
    assert_view_str(list.params[0].value, "a");
    assert_view_str(list.params[1].value, "b");
    assert_view_str(list.params[2].name, "REALM");
    assert_view_str(list.params[2].value, "c");
    assert_int_equal(sd_auth_parse_repeats(&list, "realm=\"a", 8, 64),
                     SD_PARSE_SYNTAX);
}

/* Parameters separated by ", " by default, or by the caller's choice. */
static void builder_separator(void **state)
{
    char out[64];
    sd_builder b;

    (void)state;
    sd_builder_init(&b, out, sizeof(out));
    sd_builder_param(&b, "a", "1", 1);
    sd_builder_param_quoted(&b, "b", "2", 1);
    out[b.len] = '\0';
    assert_string_equal(out, "a=1, b=\"2\"");
    sd_builder_init(&b, out, sizeof(out));
    sd_builder_separator(&b, ",");
    sd_builder_param(&b, "a", "1", 1);
    sd_builder_param_quoted(&b, "b", "2", 1);
    out[b.len] = '\0';
    assert_string_equal(out, "a=1,b=\"2\"");
}

static void bad_tokens(void **state)
{
    (void)state;
    expect("Digest realm=/x", SD_PARSE_SYNTAX);
    expect("Digest realm=a/b", SD_PARSE_SYNTAX);
    expect("Digest realm=\"a\"b", SD_PARSE_SYNTAX);
    expect("Digest realm=\"a\" nonce=\"b\"", SD_PARSE_SYNTAX);
    expect("Digest realm=a b", SD_PARSE_SYNTAX);
    expect("Digest realm=a=b", SD_PARSE_SYNTAX);
    expect("Digest realm==a", SD_PARSE_SYNTAX);
    expect("Digest\trealm=a", SD_PARSE_SYNTAX); /* 1*SP after the scheme */
    expect("Digest, =a", SD_PARSE_SYNTAX);
    expect("=", SD_PARSE_SYNTAX);
    expect("Dig(est realm=a", SD_PARSE_SYNTAX);
    expect("\"Digest\" realm=a", SD_PARSE_SYNTAX);
    expect("Digest r@alm=a", SD_PARSE_SYNTAX);
    expect("Digest realm=\xc3\xa4", SD_PARSE_SYNTAX);
    expect("D\xc3\xa4gest", SD_PARSE_SYNTAX);
}

static void empty_input(void **state)
{
    (void)state;
    expect_n("", 0, SD_MAX_VALUE, SD_PARSE_SYNTAX);
    expect_n(NULL, 0, SD_MAX_VALUE, SD_PARSE_SYNTAX);
    expect(" ", SD_PARSE_SYNTAX);
    expect(", ,\t,", SD_PARSE_SYNTAX);
    expect("\r\n", SD_PARSE_SYNTAX);
    /* Only the given length is read: nothing after it counts. */
    expect_n("Digest", 0, SD_MAX_VALUE, SD_PARSE_SYNTAX);
    expect_n("Digest realm=\"a\"", 15, SD_MAX_VALUE, SD_PARSE_SYNTAX);
    expect_n("Digest realm=\"a\"", 16, SD_MAX_VALUE, SD_PARSE_OK);
}

/* A list used before is reset by the next parse. */
static void list_is_reset(void **state)
{
    (void)state;
    expect("Digest a=\"\\x\", b=1, Basic c=2", SD_PARSE_OK);
    expect("Basic", SD_PARSE_OK);
    assert_int_equal(list.nchallenges, 1);
    assert_int_equal(list.nparams, 0);
    assert_int_equal(list.scratch_used, 0);
    expect("Digest a=\"\\x\", a=1", SD_PARSE_DUPLICATE);
    expect("x=1", SD_PARSE_OK);
    assert_int_equal(list.nparams, 1);
    assert_int_equal(list.scratch_used, 0);
}

/* ---- control characters ------------------------------------------------ */

static void bad_char_in_quoted_string(void **state)
{
    (void)state;
    expect_lit("Digest realm=\"a\0b\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\x01\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\x1f\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\x7f\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\r\nb\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\\\0\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\\\n\"", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\\\x7f\"", SD_PARSE_BAD_CHAR);
    /* A NUL where an unterminated string would end. */
    expect_lit("Digest realm=\"abc\0", SD_PARSE_BAD_CHAR);
}

static void bad_char_in_token_position(void **state)
{
    (void)state;
    expect_lit("\0Digest", SD_PARSE_BAD_CHAR);
    expect_lit("Digest\0", SD_PARSE_BAD_CHAR);
    expect_lit("Dig\0est realm=a", SD_PARSE_BAD_CHAR);
    expect_lit("Digest \x01", SD_PARSE_BAD_CHAR);
    expect_lit("Digest re\0alm=a", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\0", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=a\0b", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\x7f", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=\"a\"\x1b", SD_PARSE_BAD_CHAR);
    expect_lit("Digest realm=a,\x0b", SD_PARSE_BAD_CHAR);
    expect_lit("Basic abc=\x7f", SD_PARSE_BAD_CHAR);
    expect_lit("Basic abc\0", SD_PARSE_BAD_CHAR);
    expect_lit("a=1, \0", SD_PARSE_BAD_CHAR);
}

/* ---- limits (bounds.h) ------------------------------------------------- */

/* big = prefix + n copies of `fill` + suffix; returns the length. */
static size_t build(const char *prefix, const char *fill, size_t n,
                    const char *suffix)
{
    size_t len = strlen(prefix), f = strlen(fill), s = strlen(suffix);

    assert_true(len + n * f + s <= sizeof(big));
    memcpy(big, prefix, len);
    for (size_t i = 0; i < n; i++) {
        memcpy(big + len, fill, f);
        len += f;
    }
    memcpy(big + len, suffix, s);
    return len + s;
}

static void check_value_limit(size_t max)
{
    size_t len;

    len = build("Digest realm=\"", "a", max, "\"");
    expect_n(big, len, max, SD_PARSE_OK);
    assert_int_equal(
        sd_challenge_param(&list, challenge(0), "realm")->value.len, max);
    len = build("Digest realm=\"", "a", max + 1, "\"");
    expect_n(big, len, max, SD_PARSE_TOO_BIG);

    len = build("Digest nonce=", "a", max, "");
    expect_n(big, len, max, SD_PARSE_OK);
    len = build("Digest nonce=", "a", max + 1, ", realm=x");
    expect_n(big, len, max, SD_PARSE_TOO_BIG);

    /* Escapes make the raw text twice the limit; the value still fits. */
    if (2 * max + 16 > SD_MAX_TOKEN) {
        return; /* the input limit would be hit first */
    }
    len = build("Digest realm=\"", "\\a", max, "\"");
    expect_n(big, len, max, SD_PARSE_OK);
    assert_int_equal(
        sd_challenge_param(&list, challenge(0), "realm")->value.len, max);
    len = build("Digest realm=\"", "\\\"", max + 1, "\"");
    expect_n(big, len, max, SD_PARSE_TOO_BIG);
}

static void value_limits(void **state)
{
    (void)state;
    check_value_limit(SD_MAX_VALUE);
    check_value_limit(SD_MAX_URI);
    check_value_limit(16);
    check_value_limit(1);
    /* max 0: only an empty quoted value is allowed. */
    expect_n("Digest a=\"\"", 11, 0, SD_PARSE_OK);
    expect_n("Digest a=\"x\"", 12, 0, SD_PARSE_TOO_BIG);
    expect_n("Digest a=x", 10, 0, SD_PARSE_TOO_BIG);
}

static void escaped_value_exactly_at_limit(void **state)
{
    size_t len;
    const sd_param *p;

    (void)state;
    /* 1023 plain octets and one escaped quote: 1024 after unescaping. */
    len = build("Digest realm=\"", "b", SD_MAX_VALUE - 1, "\\\"\"");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    p = sd_challenge_param(&list, challenge(0), "realm");
    assert_int_equal(p->value.len, SD_MAX_VALUE);
    assert_int_equal(p->value.p[SD_MAX_VALUE - 1], '"');
    assert_int_equal(p->value.p[0], 'b');
    len = build("Digest realm=\"", "b", SD_MAX_VALUE, "\\\"\"");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
}

static void token68_limit(void **state)
{
    size_t len;

    (void)state;
    len = build("Negotiate ", "A", SD_MAX_VALUE - 2, "==");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(challenge(0)->token68.len, SD_MAX_VALUE);
    len = build("Negotiate ", "A", SD_MAX_VALUE - 1, "==");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
}

static void name_limit(void **state)
{
    size_t len;

    (void)state;
    len = build("Digest ", "n", SD_MAX_NAME, "=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(list.params[0].name.len, SD_MAX_NAME);
    len = build("Digest ", "n", SD_MAX_NAME + 1, "=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
    len = build("Digest ", "n", SD_MAX_NAME + 1, "=\"1\"");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
    /* In a bare list too. */
    len = build("", "n", SD_MAX_NAME + 1, "=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
    /* The scheme is a name as well. */
    len = build("", "S", SD_MAX_NAME, " a=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    len = build("", "S", SD_MAX_NAME + 1, " a=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
    len = build("", "S", SD_MAX_NAME + 1, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);
}

static void input_limit(void **state)
{
    size_t len;

    (void)state;
    len = build("", " ", SD_MAX_TOKEN - 6, "Digest");
    assert_int_equal(len, SD_MAX_TOKEN);
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    len = build("", " ", SD_MAX_TOKEN - 5, "Digest");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_BIG);

    /* One value as large as the whole input, all of it escaped: the
       scratch must hold it. */
    len = build("a=\"", "\\x", (SD_MAX_TOKEN - 4) / 2, "\"");
    assert_int_equal(len, SD_MAX_TOKEN);
    expect_n(big, len, SD_MAX_TOKEN, SD_PARSE_OK);
    assert_int_equal(list.params[0].value.len, (SD_MAX_TOKEN - 4) / 2);
    len = build("a=\"", "\\x", (SD_MAX_TOKEN - 4) / 2, "\" ");
    expect_n(big, len, SD_MAX_TOKEN, SD_PARSE_TOO_BIG);
}

static void too_many_params(void **state)
{
    char in[SD_MAX_PARAMS * 12 + 32];
    size_t full, len = (size_t)snprintf(in, sizeof(in), "Digest p0=0");

    (void)state;
    for (int i = 1; i < SD_MAX_PARAMS; i++) {
        len += (size_t)snprintf(in + len, sizeof(in) - len, ", p%d=%d", i, i);
    }
    full = len;
    expect_n(in, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(challenge(0)->count, SD_MAX_PARAMS);
    expect_param(0, "p31", "31");
    len += (size_t)snprintf(in + len, sizeof(in) - len, ", q=1");
    expect_n(in, len, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
    /* The same count in a bare list ("Digest " left off). */
    expect_n(in + 7, full - 7, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(challenge(0)->scheme.len, 0);
    assert_int_equal(challenge(0)->count, SD_MAX_PARAMS);
    expect_n(in + 7, len - 7, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
}

/* SD_MAX_LIST_PARAMS: full challenges until the list has no room. */
static void too_many_params_in_list(void **state)
{
    size_t len = 0;

    (void)state;
    for (int c = 0; c < SD_MAX_LIST_PARAMS / SD_MAX_PARAMS; c++) {
        len += (size_t)snprintf(big + len, sizeof(big) - len, "%sD p0=0",
                                c ? ", " : "");
        for (int i = 1; i < SD_MAX_PARAMS; i++) {
            len += (size_t)snprintf(big + len, sizeof(big) - len, ", p%d=1", i);
        }
    }
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(list.nparams, SD_MAX_LIST_PARAMS);
    len += (size_t)snprintf(big + len, sizeof(big) - len, ", E");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK); /* no param: fits */
    len += (size_t)snprintf(big + len, sizeof(big) - len, " a=1");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
}

static void too_many_challenges(void **state)
{
    size_t len;

    (void)state;
    len = build("A", ", A", SD_MAX_CHALLENGES - 1, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_int_equal(list.nchallenges, SD_MAX_CHALLENGES);
    len = build("A", ", A", SD_MAX_CHALLENGES, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
    len = build("A x=1", ", A x=1", SD_MAX_CHALLENGES, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
    len = build("A t=", "\r\nA t=", SD_MAX_CHALLENGES, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_TOO_MANY);
    len = build("A t=", "\r\nA t=", SD_MAX_CHALLENGES - 1, "");
    expect_n(big, len, SD_MAX_VALUE, SD_PARSE_OK);
    assert_view_str(challenge(SD_MAX_CHALLENGES - 1)->token68, "t=");
}

/* Every prefix of a valid value either parses or is refused with a
   status; every accepted prefix passes check_views. */
static void prefixes(void **state)
{
    static const char in[] =
        "Digest username=\"Mufasa\", realm=\"a \\\"b\\\"\", nc=00000001, "
        "Negotiate abc==, Basic realm=\"x\"\r\nNTLM";

    (void)state;
    for (size_t n = 0; n <= sizeof(in) - 1; n++) {
        sd_parse_status st = parse_n(in, n, SD_MAX_VALUE);

        assert_true(st == SD_PARSE_OK || st == SD_PARSE_SYNTAX);
    }
}

static void parse_reasons(void **state)
{
    static const sd_parse_status all[] = {
        SD_PARSE_OK,       SD_PARSE_SYNTAX,    SD_PARSE_TOO_BIG,
        SD_PARSE_TOO_MANY, SD_PARSE_DUPLICATE, SD_PARSE_BAD_CHAR,
    };
    const size_t n = sizeof(all) / sizeof(all[0]);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(sd_parse_reason(all[i]));
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(sd_parse_reason(all[i]),
                                    sd_parse_reason(all[j]));
        }
    }
    assert_string_equal(sd_parse_reason(SD_PARSE_OK), "ok");
    assert_string_equal(sd_parse_reason((sd_parse_status)99),
                        "header syntax error");
}

/* ---- RFC 8187 ext-value ------------------------------------------------- */

static bool decode(const char *s, char *out, size_t cap, size_t *n)
{
    sd_view in = {s, strlen(s)};

    return sd_ext_value_decode(in, out, cap, n);
}

static void ext_value_examples(void **state)
{
    static const struct {
        const char *where, *in, *out;
    } cases[] = {
        {"RFC 7616 3.9.2", "UTF-8''J%C3%A4s%C3%B8n%20Doe",
         "J\xc3\xa4s\xc3\xb8n Doe"},
        {"RFC 8187 3.2.3", "utf-8'en'%C2%A3%20rates", "\xc2\xa3 rates"},
        {"RFC 8187 3.2.3", "UTF-8''%c2%a3%20and%20%e2%82%ac%20rates",
         "\xc2\xa3 and \xe2\x82\xac rates"},
        {"empty value", "UTF-8''", ""},
        {"attr-chars", "UTF-8''!#$&+-.^_`|~aZ09", "!#$&+-.^_`|~aZ09"},
        {"4-octet UTF-8", "Utf-8'de-CH'%F0%9F%98%80", "\xf0\x9f\x98\x80"},
        {"escaped ASCII", "UTF-8''%41%2a", "A*"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        size_t n = 999;

        if (!decode(cases[i].in, out, sizeof(out), &n)) {
            fail_msg("%s: %s refused", cases[i].where, cases[i].in);
        }
        assert_view((sd_view){out, n}, cases[i].out, strlen(cases[i].out));
    }
}

static void expect_refused(const char *in)
{
    char out[64];
    size_t n = 0;

    if (decode(in, out, sizeof(out), &n)) {
        fail_msg("%s accepted", in);
    }
}

static void ext_value_other_charsets(void **state)
{
    (void)state;
    expect_refused("ISO-8859-1'en'%A3%20rates");
    expect_refused("iso-8859-1''abc");
    expect_refused("US-ASCII''abc");
    expect_refused("UTF8''abc");
    expect_refused("UTF-8 ''abc");
    expect_refused("UTF-16''abc");
    expect_refused("''abc");
    expect_refused("abc");
    expect_refused("UTF-8'abc");
    expect_refused("UTF-8");
    expect_refused("");
}

static void ext_value_bad_escapes(void **state)
{
    (void)state;
    expect_refused("UTF-8''%");
    expect_refused("UTF-8''%4");
    expect_refused("UTF-8''abc%");
    expect_refused("UTF-8''abc%4");
    expect_refused("UTF-8''%G1");
    expect_refused("UTF-8''%1g");
    expect_refused("UTF-8''% 41");
    expect_refused("UTF-8''%%41");
    expect_refused("UTF-8''%+1");
    expect_refused("UTF-8''%-1");
    /* Characters that are not attr-chars must be escaped. */
    expect_refused("UTF-8''a b");
    expect_refused("UTF-8''a'b");
    expect_refused("UTF-8''a*b");
    expect_refused("UTF-8''a\"b");
    expect_refused("UTF-8''a=b");
    expect_refused("UTF-8''\xc3\xa4");
}

static void ext_value_invalid_utf8(void **state)
{
    (void)state;
    expect_refused("UTF-8''%C3");          /* truncated */
    expect_refused("UTF-8''a%C3");         /* truncated at the end */
    expect_refused("UTF-8''%C3%28");       /* bad continuation */
    expect_refused("UTF-8''%80");          /* lone continuation */
    expect_refused("UTF-8''%C0%AF");       /* overlong */
    expect_refused("UTF-8''%C1%BF");       /* overlong */
    expect_refused("UTF-8''%E0%80%AF");    /* overlong */
    expect_refused("UTF-8''%F0%80%80%AF"); /* overlong */
    expect_refused("UTF-8''%ED%A0%80");    /* surrogate */
    expect_refused("UTF-8''%F4%90%80%80"); /* above U+10FFFF */
    expect_refused("UTF-8''%F5%80%80%80");
    expect_refused("UTF-8''%FF");
    expect_refused("UTF-8''%E2%82");
    /* Controls in the result. */
    expect_refused("UTF-8''%00");
    expect_refused("UTF-8''a%00b");
    expect_refused("UTF-8''%0A");
    expect_refused("UTF-8''%09");
    expect_refused("UTF-8''%7F");
}

static void ext_value_capacity(void **state)
{
    char out[8];
    size_t n = 0;

    (void)state;
    assert_true(decode("UTF-8''abc", out, 3, &n));
    assert_int_equal(n, 3);
    assert_false(decode("UTF-8''abcd", out, 3, &n));
    assert_true(decode("UTF-8''%C2%A3", out, 2, &n));
    assert_int_equal(n, 2);
    assert_false(decode("UTF-8''%C2%A3", out, 1, &n));
    assert_false(decode("UTF-8''a", out, 0, &n));
    assert_true(decode("UTF-8''", out, 0, &n));
    assert_int_equal(n, 0);
    /* Nothing is written past cap. */
    memset(out, 'Z', sizeof(out));
    assert_false(decode("UTF-8''abcdef", out, 4, &n));
    assert_int_equal(out[4], 'Z');
    memset(out, 'Z', sizeof(out));
    assert_false(decode("UTF-8''%41%41%41%41%41", out, 4, &n));
    assert_int_equal(out[4], 'Z');
}

static void encode(const char *p, size_t n, char *out, size_t cap)
{
    sd_builder b;

    sd_builder_init(&b, out, cap - 1);
    sd_ext_value_encode(&b, p, n);
    assert_true(sd_builder_ok(&b));
    out[b.len] = '\0';
}

static void ext_value_encode(void **state)
{
    char out[256];

    (void)state;
    encode("J\xc3\xa4s\xc3\xb8n Doe", 11, out, sizeof(out));
    assert_string_equal(out, "UTF-8''J%C3%A4s%C3%B8n%20Doe");
    encode("\xc2\xa3 and \xe2\x82\xac rates", 16, out, sizeof(out));
    assert_string_equal(out, "UTF-8''%C2%A3%20and%20%E2%82%AC%20rates");
    /* attr-chars stay literal; everything else is escaped, upper case. */
    encode("!#$&+-.^_`|~azAZ09", 18, out, sizeof(out));
    assert_string_equal(out, "UTF-8''!#$&+-.^_`|~azAZ09");
    encode("'%*\"=,;\\ ():<>?@[]{}/", 21, out, sizeof(out));
    assert_string_equal(out, "UTF-8''%27%25%2A%22%3D%2C%3B%5C%20%28%29%3A%3C"
                             "%3E%3F%40%5B%5D%7B%7D%2F");
    encode("\xff\x00\x7f\x0a", 4, out, sizeof(out));
    assert_string_equal(out, "UTF-8''%FF%00%7F%0A");
    encode("", 0, out, sizeof(out));
    assert_string_equal(out, "UTF-8''");
}

static void ext_value_encode_overflow(void **state)
{
    char out[16];
    sd_builder b;

    (void)state;
    memset(out, 'Z', sizeof(out));
    sd_builder_init(&b, out, 9);
    sd_ext_value_encode(&b, "ab", 2);
    assert_true(sd_builder_ok(&b));
    sd_builder_init(&b, out, 9);
    sd_ext_value_encode(&b, "a ", 2); /* 7 + 1 + 3 = 11 octets */
    assert_false(sd_builder_ok(&b));
    assert_true(b.len <= 9);
    assert_int_equal(out[9], 'Z');
}

static void round_trip(const char *p, size_t n)
{
    char enc[3 * 64 + 8], dec[64];
    size_t got = 0;
    sd_view v;

    assert_true(n <= sizeof(dec));
    encode(p, n, enc, sizeof(enc));
    v.p = enc;
    v.len = strlen(enc);
    if (!sd_ext_value_decode(v, dec, n, &got)) {
        fail_msg("%s does not decode", enc);
    }
    assert_view((sd_view){dec, got}, p, n);
}

static void ext_value_round_trip(void **state)
{
    static const char *const strings[] = {
        "J\xc3\xa4s\xc3\xb8n Doe",
        "Mufasa",
        "\xf0\x9f\x98\x80 \xe2\x82\xac \xc2\xa3 \xed\x9f\xbf \xf4\x8f\xbf\xbf",
        "quote\" back\\slash 'tick' 100%",
        "",
    };
    char ascii[96];
    size_t n = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        round_trip(strings[i], strlen(strings[i]));
    }
    for (int c = 0x20; c < 0x7F; c++) {
        ascii[n++] = (char)c;
    }
    round_trip(ascii, 48);
    round_trip(ascii + 48, n - 48);
}

/* ---- sd_utf8_printable --------------------------------------------------- */

static void utf8_printable(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        {"", 0, true},
        {"Mufasa ~", 8, true},
        {"J\xc3\xa4s\xc3\xb8n", 7, true},
        {"\xc2\x80", 2, true},         /* lowest 2-octet */
        {"\xdf\xbf", 2, true},         /* highest 2-octet */
        {"\xe0\xa0\x80", 3, true},     /* lowest 3-octet */
        {"\xed\x9f\xbf", 3, true},     /* below the surrogates */
        {"\xee\x80\x80", 3, true},     /* above the surrogates */
        {"\xef\xbf\xbd", 3, true},     /* U+FFFD */
        {"\xf0\x90\x80\x80", 4, true}, /* lowest 4-octet */
        {"\xf4\x8f\xbf\xbf", 4, true}, /* U+10FFFF */
        {"\x00", 1, false},
        {"a\tb", 3, false},
        {"\x1f", 1, false},
        {"\x7f", 1, false},
        {"\x80", 1, false},
        {"\xc0\x80", 2, false}, /* overlong NUL */
        {"\xc1\xbf", 2, false},
        {"\xc3", 1, false}, /* truncated */
        {"\xc3\xc3", 2, false},
        {"\xe0\x9f\xbf", 3, false}, /* overlong */
        {"\xed\xa0\x80", 3, false}, /* surrogate */
        {"\xed\xbf\xbf", 3, false},
        {"\xe2\x82", 2, false},
        {"\xe2\x82\x41", 3, false},
        {"\xf0\x8f\xbf\xbf", 4, false}, /* overlong */
        {"\xf4\x90\x80\x80", 4, false}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", 4, false},
        {"\xf0\x90\x80", 3, false},
        {"\xf0\x90\x80\x41", 4, false},
        {"\xfe", 1, false},
        {"\xff", 1, false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (sd_utf8_printable(cases[i].s, cases[i].n) != cases[i].ok) {
            fail_msg("case %zu: expected %s", i,
                     cases[i].ok ? "printable" : "refused");
        }
    }
    /* The length is honoured: a bad octet just past it is not read. */
    assert_true(sd_utf8_printable("ab\x01", 2));
    assert_false(sd_utf8_printable("\xc3\xa4", 1));
}

/* The parser classifies octets with a table: every one of the 256 octets
   must land where the RFC definitions put it (RFC 7230 §3.2.6 tchar and
   qdtext, RFC 7235 §2.1 token68, control characters). */
static bool rfc_tchar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static bool rfc_token68(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c != 0 && strchr("-._~+/", c));
}

static bool rfc_ctl(int c)
{
    return (c < 0x20 && c != '\t') || c == 0x7F;
}

static bool rfc_qdtext(int c)
{
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
           (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

static void octet_classes_match_rfc(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        char in[16];
        sd_parse_status st;

        /* an unquoted one-octet value */
        memcpy(in, "n=?", 3);
        in[2] = (char)c;
        st = parse_n(in, 3, SD_MAX_VALUE);
        /* CR and LF end a list element: there, a syntax error */
        if ((st == SD_PARSE_OK) != rfc_tchar(c) ||
            (c != '\r' && c != '\n' &&
             (st == SD_PARSE_BAD_CHAR) != rfc_ctl(c))) {
            fail_msg("octet 0x%02x as a token value: %s", c, status_name(st));
        }
        /* a one-octet quoted-string */
        memcpy(in, "n=\"?\"", 5);
        in[3] = (char)c;
        st = parse_n(in, 5, SD_MAX_VALUE);
        if ((st == SD_PARSE_OK) != rfc_qdtext(c) ||
            (st == SD_PARSE_BAD_CHAR) != rfc_ctl(c)) {
            fail_msg("octet 0x%02x in a quoted-string: %s", c,
                     status_name(st));
        }
        /* a one-octet token68, where a separator would end the element */
        if (strchr(" \t\r\n,", c) == NULL || c == 0) {
            memcpy(in, "Basic ?", 7);
            in[6] = (char)c;
            st = parse_n(in, 7, SD_MAX_VALUE);
            if ((st == SD_PARSE_OK) != rfc_token68(c)) {
                fail_msg("octet 0x%02x as token68: %s", c, status_name(st));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(octet_classes_match_rfc),
        cmocka_unit_test(quoted_escapes),
        cmocka_unit_test(quoted_without_escapes_points_into_input),
        cmocka_unit_test(several_escaped_values),
        cmocka_unit_test(comma_and_equals_inside_quotes),
        cmocka_unit_test(empty_quoted_value),
        cmocka_unit_test(tab_and_obs_text_in_quotes),
        cmocka_unit_test(unterminated_quote),
        cmocka_unit_test(trailing_backslash),
        cmocka_unit_test(empty_list_elements),
        cmocka_unit_test(whitespace_around_equals_and_commas),
        cmocka_unit_test(names_case_insensitive),
        cmocka_unit_test(scheme_without_params),
        cmocka_unit_test(several_challenges),
        cmocka_unit_test(challenges_joined_by_crlf),
        cmocka_unit_test(scheme_space_then_crlf),
        cmocka_unit_test(token68_forms),
        cmocka_unit_test(token68_is_not_followed_by_params),
        cmocka_unit_test(bare_param_list),
        cmocka_unit_test(duplicate_names),
        cmocka_unit_test(repeated_names_allowed),
        cmocka_unit_test(builder_separator),
        cmocka_unit_test(bad_tokens),
        cmocka_unit_test(empty_input),
        cmocka_unit_test(list_is_reset),
        cmocka_unit_test(bad_char_in_quoted_string),
        cmocka_unit_test(bad_char_in_token_position),
        cmocka_unit_test(value_limits),
        cmocka_unit_test(escaped_value_exactly_at_limit),
        cmocka_unit_test(token68_limit),
        cmocka_unit_test(name_limit),
        cmocka_unit_test(input_limit),
        cmocka_unit_test(too_many_params),
        cmocka_unit_test(too_many_params_in_list),
        cmocka_unit_test(too_many_challenges),
        cmocka_unit_test(prefixes),
        cmocka_unit_test(parse_reasons),
        cmocka_unit_test(ext_value_examples),
        cmocka_unit_test(ext_value_other_charsets),
        cmocka_unit_test(ext_value_bad_escapes),
        cmocka_unit_test(ext_value_invalid_utf8),
        cmocka_unit_test(ext_value_capacity),
        cmocka_unit_test(ext_value_encode),
        cmocka_unit_test(ext_value_encode_overflow),
        cmocka_unit_test(ext_value_round_trip),
        cmocka_unit_test(utf8_printable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
