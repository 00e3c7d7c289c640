/*
 * fuzz_params.c: libFuzzer target for params.c.  Arbitrary octets go to
 * sd_auth_parse under several value limits, to sd_ext_value_decode, to
 * sd_ext_value_encode and to sd_utf8_printable.  It checks invariants, not
 * just memory safety, and traps on any violation:
 *   - every view lies inside the input or the used part of the scratch;
 *   - counts, names and values stay within their limits, and the grammar's
 *     promises hold (tchar names, no duplicates, no control characters);
 *   - a larger value limit never turns OK into an error;
 *   - an accepted list, written back out with the one quoting helper,
 *     parses to the same schemes, token68s, names and values;
 *   - ext-values decode only to printable UTF-8 within the capacity, and
 *     encoding then decoding gives back exactly the printable UTF-8 input.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: src/params.c src/builder.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "fuzz_check.h"
#include "params.h"


/* Ascending: OK under one limit must stay OK under every larger one. */
static const size_t limits[] = {0, 1, 16, SD_MAX_VALUE, SD_MAX_URI};

static sd_auth_list list, again;

/* A written-back list is under twice its input (`a=b,` -> `, a="b"` is the
   worst growth); three times leaves room. */
static char canon[3 * SD_MAX_TOKEN];

static bool inside(sd_view v, const void *base, size_t len)
{
    uintptr_t p = (uintptr_t)v.p, b = (uintptr_t)base;

    return v.p != NULL && p >= b && v.len <= len && p - b <= len - v.len;
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool all_tchar(sd_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (!is_tchar((unsigned char)v.p[i])) {
            return false;
        }
    }
    return true;
}

static bool no_ctl(sd_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];

        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            return false;
        }
    }
    return true;
}

/* The invariants of any parse, whatever it returned. */
static void check_list(const sd_auth_list *l, const uint8_t *in, size_t len,
                       size_t max, sd_parse_status st)
{
    size_t next_first = 0;

    CHECK(st >= SD_PARSE_OK && st <= SD_PARSE_BAD_CHAR);
    CHECK(sd_parse_reason(st) != NULL);
    CHECK(l->nchallenges <= SD_MAX_CHALLENGES);
    CHECK(l->nparams <= SD_MAX_LIST_PARAMS);
    CHECK(l->scratch_used <= sizeof(l->scratch));
    CHECK(l->scratch_used <= len);
    if (len > SD_MAX_TOKEN) {
        CHECK(st == SD_PARSE_TOO_BIG && l->nchallenges == 0);
    }
    if (st == SD_PARSE_OK) {
        CHECK(l->nchallenges >= 1);
    }
    for (size_t c = 0; c < l->nchallenges; c++) {
        const sd_challenge *ch = &l->challenges[c];

        CHECK(inside(ch->scheme, in, len));
        CHECK(ch->scheme.len <= SD_MAX_NAME && all_tchar(ch->scheme));
        CHECK(ch->first == next_first);
        CHECK(ch->count <= SD_MAX_PARAMS);
        CHECK(ch->count <= l->nparams - ch->first);
        next_first += ch->count;
        if (ch->token68.len > 0) {
            CHECK(inside(ch->token68, in, len));
            CHECK(ch->token68.len <= max);
            CHECK(ch->count == 0);
            CHECK(ch->scheme.len > 0);
        }
        if (st == SD_PARSE_OK && ch->scheme.len == 0) {
            /* Only a leading bare parameter list has no scheme. */
            CHECK(c == 0 && ch->count > 0);
        }
        for (size_t i = ch->first; i < ch->first + ch->count; i++) {
            const sd_param *p = &l->params[i];

            CHECK(inside(p->name, in, len));
            CHECK(p->name.len >= 1 && p->name.len <= SD_MAX_NAME);
            CHECK(all_tchar(p->name));
            CHECK(p->value.len <= max);
            if (p->quoted) {
                CHECK(inside(p->value, in, len) ||
                      inside(p->value, l->scratch, l->scratch_used));
                CHECK(no_ctl(p->value));
            }
            else {
                CHECK(inside(p->value, in, len));
                CHECK(p->value.len >= 1 && all_tchar(p->value));
            }
            for (size_t j = ch->first; j < i; j++) {
                const sd_view *seen = &l->params[j].name;

                CHECK(seen->len != p->name.len ||
                      strncasecmp(seen->p, p->name.p, p->name.len) != 0);
            }
        }
    }
    CHECK(next_first == l->nparams);
}

/* The list written back out: schemes, token68s, every value quoted. */
static size_t write_back(const sd_auth_list *l)
{
    sd_builder b;

    sd_builder_init(&b, canon, sizeof(canon));
    for (size_t c = 0; c < l->nchallenges; c++) {
        const sd_challenge *ch = &l->challenges[c];

        if (c > 0) {
            sd_builder_put(&b, ", ", 2);
        }
        sd_builder_put(&b, ch->scheme.p, ch->scheme.len);
        if (ch->token68.len > 0) {
            sd_builder_put(&b, " ", 1);
            sd_builder_put(&b, ch->token68.p, ch->token68.len);
        }
        else if (ch->count > 0 && ch->scheme.len > 0) {
            sd_builder_put(&b, " ", 1);
        }
        for (size_t i = ch->first; i < ch->first + ch->count; i++) {
            const sd_param *p = &l->params[i];
            char name[SD_MAX_NAME + 1];

            memcpy(name, p->name.p, p->name.len);
            name[p->name.len] = '\0';
            sd_builder_param_quoted(&b, name, p->value.p, p->value.len);
        }
    }
    CHECK(sd_builder_ok(&b));
    return b.len;
}

static void check_round_trip(size_t max)
{
    size_t n = write_back(&list);
    sd_parse_status st = sd_auth_parse(&again, canon, n, max);

    check_list(&again, (const uint8_t *)canon, n, max, st);
    if (n > SD_MAX_TOKEN) {
        CHECK(st == SD_PARSE_TOO_BIG);
        return;
    }
    CHECK(st == SD_PARSE_OK);
    CHECK(again.nchallenges == list.nchallenges);
    CHECK(again.nparams == list.nparams);
    for (size_t c = 0; c < list.nchallenges; c++) {
        const sd_challenge *a = &list.challenges[c];
        const sd_challenge *b = &again.challenges[c];

        CHECK(sd_view_eq(a->scheme, b->scheme));
        CHECK(sd_view_eq(a->token68, b->token68));
        CHECK(a->first == b->first && a->count == b->count);
    }
    for (size_t i = 0; i < list.nparams; i++) {
        CHECK(sd_view_eq(list.params[i].name, again.params[i].name));
        CHECK(sd_view_eq(list.params[i].value, again.params[i].value));
        CHECK(again.params[i].quoted);
    }
}

/* Lookup by name finds each parameter of its own challenge. */
static void check_lookup(void)
{
    for (size_t c = 0; c < list.nchallenges; c++) {
        const sd_challenge *ch = &list.challenges[c];

        for (size_t i = ch->first; i < ch->first + ch->count; i++) {
            char name[SD_MAX_NAME + 1];

            memcpy(name, list.params[i].name.p, list.params[i].name.len);
            name[list.params[i].name.len] = '\0';
            CHECK(sd_challenge_param(&list, ch, name) == &list.params[i]);
        }
    }
}

/* An independent reading of RFC 3629 §4 for sd_utf8_printable. */
static bool ref_utf8_printable(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t len;
        uint32_t min;

        if (p[i] < 0x80) {
            if (p[i] < 0x20 || p[i] == 0x7F) {
                return false;
            }
            i++;
            continue;
        }
        if ((p[i] & 0xE0) == 0xC0) {
            len = 2, min = 0x80, cp = p[i] & 0x1Fu;
        }
        else if ((p[i] & 0xF0) == 0xE0) {
            len = 3, min = 0x800, cp = p[i] & 0x0Fu;
        }
        else if ((p[i] & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, cp = p[i] & 0x07u;
        }
        else {
            return false;
        }
        if (n - i < len) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}

/* The exact-size heap buffers let ASan catch a write past cap. */
static void check_ext_value(const char *p, size_t n)
{
    static const size_t caps[] = {0, 1, 8, 64, SD_MAX_VALUE};
    sd_view in = {p, n};

    for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
        size_t cap = caps[k], got = 0;
        char *out = malloc(cap);

        if (out == NULL) {
            return;
        }
        if (sd_ext_value_decode(in, out, cap, &got)) {
            CHECK(got <= cap && got <= n);
            CHECK(n >= 7 && strncasecmp(p, "UTF-8'", 6) == 0);
            CHECK(ref_utf8_printable((const uint8_t *)out, got));
        }
        free(out);
    }
}

/* encode then decode gives back p exactly when it is printable UTF-8. */
static void check_ext_round_trip(const char *p, size_t n)
{
    size_t cap = 7 + 3 * n, got = 0;
    char *enc = malloc(cap), *dec = malloc(n ? n : 1);
    sd_builder b;
    sd_view v;
    bool ok;

    if (enc == NULL || dec == NULL) {
        free(enc);
        free(dec);
        return;
    }
    sd_builder_init(&b, enc, cap);
    sd_ext_value_encode(&b, p, n);
    CHECK(sd_builder_ok(&b));
    v.p = enc;
    v.len = b.len;
    ok = sd_ext_value_decode(v, dec, n, &got);
    CHECK(ok == ref_utf8_printable((const uint8_t *)p, n));
    if (ok) {
        CHECK(got == n && (n == 0 || memcmp(dec, p, n) == 0));
    }
    free(enc);
    free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    bool was_ok = false;

    for (size_t k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
        sd_parse_status st = sd_auth_parse(&list, in, size, limits[k]);

        check_list(&list, data, size, limits[k], st);
        if (was_ok) {
            CHECK(st == SD_PARSE_OK);
        }
        if (st != SD_PARSE_OK) {
            continue;
        }
        was_ok = true;
        check_lookup();
        for (size_t i = 0; i < list.nparams; i++) {
            check_ext_value(list.params[i].value.p, list.params[i].value.len);
        }
        check_round_trip(limits[k]);
    }
    CHECK(sd_utf8_printable(in, size) == ref_utf8_printable(data, size));
    check_ext_value(in, size);
    if (size <= SD_MAX_TOKEN) {
        check_ext_round_trip(in, size);
    }
    return 0;
}
