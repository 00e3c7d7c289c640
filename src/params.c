/*
 * params.c: a strict, bounded parser for lists of challenges or credentials
 * (RFC 7235 §2.1) and the RFC 8187 ext-value codec.  Every loop is bounded
 * by the octets left; every name and value by a limit from limits.h.  It
 * never copies a value unless unescaping a quoted-string needs it, and then
 * only into the list's own scratch area, which is as large as any input.
 */
#include "params.h"

#include <string.h>

typedef struct {
    const char *in;
    size_t len;
    size_t pos;
    size_t max_value;
    sd_auth_list *list;
    bool repeats; /* a name may occur more than once in a challenge */
} parser;

/* Octet classes, one bit each (RFC 7230 §3.2.6, RFC 7235 §2.1). */
enum {
    C_TCHAR = 1,  /* tchar */
    C_T68 = 2,    /* token68 character, without "=" */
    C_CTL = 4,    /* a control character other than HTAB */
    C_SEP = 8,    /* SP, HTAB, CR, LF or "," between list elements */
    C_QDTEXT = 16 /* inside a quoted-string: not DQUOTE, "\\" or a CTL */
};

static const unsigned char octet_class[256] = {
     4,  4,  4,  4,  4,  4,  4,  4,  4, 24, 12,  4,  4, 12,  4,  4,
     4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
    24, 17,  0, 17, 17, 17, 17, 17, 16, 16, 17, 19, 24, 19, 19, 18,
    19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 16, 16, 16, 16, 16, 16,
    16, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
    19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 16,  0, 16, 17, 19,
    17, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
    19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 16, 17, 16, 19,  4,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
};

static bool is_tchar(unsigned char c)
{
    return (octet_class[c] & C_TCHAR) != 0;
}

static bool is_token68_char(unsigned char c)
{
    return (octet_class[c] & C_T68) != 0;
}

static bool is_ctl(unsigned char c)
{
    return (octet_class[c] & C_CTL) != 0;
}

static bool at_end(const parser *ps)
{
    return ps->pos >= ps->len;
}

static unsigned char peek(const parser *ps)
{
    return (unsigned char)ps->in[ps->pos];
}

/* BWS / OWS inside an element: spaces and tabs. */
static void skip_ws(parser *ps)
{
    while (!at_end(ps) && (peek(ps) == ' ' || peek(ps) == '\t')) {
        ps->pos++;
    }
}

/* Between elements: whitespace, line breaks (headers joined by the caller)
   and empty list elements (RFC 7230 §7). */
static void skip_separators(parser *ps)
{
    while (!at_end(ps) && (octet_class[peek(ps)] & C_SEP)) {
        ps->pos++;
    }
}

/* The status for an unexpected octet at the current position. */
static sd_parse_status unexpected(const parser *ps)
{
    if (!at_end(ps) && is_ctl(peek(ps))) {
        return SD_PARSE_BAD_CHAR;
    }
    return SD_PARSE_SYNTAX;
}

static sd_view read_token(parser *ps)
{
    sd_view v = {ps->in + ps->pos, 0};

    while (!at_end(ps) && is_tchar(peek(ps))) {
        ps->pos++;
        v.len++;
    }
    return v;
}

/* After a value or a token68: only whitespace, then a comma, a line break
   or the end may follow. */
static sd_parse_status expect_element_end(parser *ps)
{
    skip_ws(ps);
    if (at_end(ps) || peek(ps) == ',' || peek(ps) == '\r' || peek(ps) == '\n') {
        return SD_PARSE_OK;
    }
    return unexpected(ps);
}

/* quoted-string; the opening quote is at pos.  Unescapes into scratch only
   when a quoted-pair occurs. */
static sd_parse_status read_quoted(parser *ps, sd_view *out)
{
    size_t start = ++ps->pos;
    size_t escapes = 0;
    size_t end;

    for (;;) {
        unsigned char c;

        while (!at_end(ps) && (octet_class[peek(ps)] & C_QDTEXT)) {
            ps->pos++; /* the common case: plain text */
        }
        if (at_end(ps) || peek(ps) == '"') {
            break;
        }
        c = peek(ps);
        if (is_ctl(c)) {
            return SD_PARSE_BAD_CHAR;
        }
        if (c == '\\') {
            ps->pos++;
            if (at_end(ps)) {
                return SD_PARSE_SYNTAX;
            }
            if (is_ctl(peek(ps))) {
                return SD_PARSE_BAD_CHAR;
            }
            escapes++;
        }
        ps->pos++;
    }
    if (at_end(ps)) {
        return SD_PARSE_SYNTAX; /* unterminated */
    }
    end = ps->pos++;
    if (end - start - escapes > ps->max_value) {
        return SD_PARSE_TOO_BIG;
    }
    if (escapes == 0) {
        out->p = ps->in + start;
        out->len = end - start;
        return SD_PARSE_OK;
    }
    {
        sd_auth_list *l = ps->list;
        char *dst = l->scratch + l->scratch_used;
        size_t n = 0;

        /* Unescaped text is shorter than the input, and all values
           together are no longer than the input: scratch cannot fill. */
        for (size_t i = start; i < end; i++) {
            if (ps->in[i] == '\\') {
                i++;
            }
            dst[n++] = ps->in[i];
        }
        l->scratch_used += n;
        out->p = dst;
        out->len = n;
    }
    return SD_PARSE_OK;
}

static sd_challenge *current(parser *ps)
{
    sd_auth_list *l = ps->list;

    return l->nchallenges ? &l->challenges[l->nchallenges - 1] : NULL;
}

static sd_parse_status open_challenge(parser *ps, sd_view scheme)
{
    sd_auth_list *l = ps->list;
    sd_challenge *ch;

    if (l->nchallenges == SD_MAX_CHALLENGES) {
        return SD_PARSE_TOO_MANY;
    }
    ch = &l->challenges[l->nchallenges++];
    ch->scheme = scheme;
    ch->token68.p = NULL;
    ch->token68.len = 0;
    ch->first = l->nparams;
    ch->count = 0;
    return SD_PARSE_OK;
}

static sd_parse_status add_param(parser *ps, sd_view name, sd_view value,
                                 bool quoted)
{
    sd_auth_list *l = ps->list;
    sd_challenge *ch = current(ps);

    if (ch->count == SD_MAX_PARAMS || l->nparams == SD_MAX_LIST_PARAMS) {
        return SD_PARSE_TOO_MANY;
    }
    for (size_t i = ch->first; !ps->repeats && i < ch->first + ch->count; i++) {
        const sd_view *seen = &l->params[i].name;

        if (seen->len == name.len &&
            strncasecmp(seen->p, name.p, name.len) == 0) {
            return SD_PARSE_DUPLICATE; /* RFC 7235 §2.2: once per challenge */
        }
    }
    l->params[l->nparams].name = name;
    l->params[l->nparams].value = value;
    l->params[l->nparams].quoted = quoted;
    l->nparams++;
    ch->count++;
    return SD_PARSE_OK;
}

/* auth-param after its name and "=" (pos is past the "=" and BWS). */
static sd_parse_status read_param_value(parser *ps, sd_view name)
{
    sd_view value;
    sd_parse_status st;
    bool quoted = false;

    if (name.len > SD_MAX_NAME) {
        return SD_PARSE_TOO_BIG;
    }
    if (!at_end(ps) && peek(ps) == '"') {
        quoted = true;
        st = read_quoted(ps, &value);
        if (st != SD_PARSE_OK) {
            return st;
        }
    }
    else {
        value = read_token(ps);
        if (value.len == 0) {
            return unexpected(ps);
        }
        if (value.len > ps->max_value) {
            return SD_PARSE_TOO_BIG;
        }
    }
    st = add_param(ps, name, value, quoted);
    return st != SD_PARSE_OK ? st : expect_element_end(ps);
}

/* True when, at pos, "name BWS = BWS" starts an auth-param rather than a
   token68 ending in padding.  pos is left after the "=" and BWS when so. */
static bool starts_param(parser *ps, sd_view *name)
{
    size_t save = ps->pos;
    unsigned char next;

    *name = read_token(ps);
    skip_ws(ps);
    if (name->len == 0 || at_end(ps) || peek(ps) != '=') {
        ps->pos = save;
        return false;
    }
    ps->pos++;
    skip_ws(ps);
    next = at_end(ps) ? ',' : peek(ps);
    if (next == '=' || next == ',' || next == '\r' || next == '\n') {
        ps->pos = save; /* "abc=" or "abc==": token68 padding */
        return false;
    }
    return true;
}

static sd_parse_status read_token68(parser *ps)
{
    sd_challenge *ch = current(ps);
    size_t start = ps->pos;

    while (!at_end(ps) && is_token68_char(peek(ps))) {
        ps->pos++;
    }
    if (ps->pos == start) {
        return unexpected(ps);
    }
    while (!at_end(ps) && peek(ps) == '=') {
        ps->pos++;
    }
    if (ps->pos - start > ps->max_value) {
        return SD_PARSE_TOO_BIG;
    }
    ch->token68.p = ps->in + start;
    ch->token68.len = ps->pos - start;
    return expect_element_end(ps);
}

/* A scheme has been read: what follows is nothing, 1*SP then token68 or a
   first auth-param, or a list separator. */
static sd_parse_status after_scheme(parser *ps, sd_view scheme)
{
    sd_parse_status st = open_challenge(ps, scheme);
    sd_view name;

    if (st != SD_PARSE_OK) {
        return st;
    }
    if (at_end(ps) || peek(ps) == ',' || peek(ps) == '\r' || peek(ps) == '\n') {
        return SD_PARSE_OK;
    }
    if (peek(ps) != ' ') {
        return unexpected(ps);
    }
    skip_ws(ps);
    if (at_end(ps) || peek(ps) == ',' || peek(ps) == '\r' || peek(ps) == '\n') {
        return SD_PARSE_OK;
    }
    if (starts_param(ps, &name)) {
        return read_param_value(ps, name);
    }
    return read_token68(ps);
}

/* One list element: an auth-param of the current challenge, or a scheme
   that opens a new one. */
static sd_parse_status read_element(parser *ps)
{
    sd_view name;

    if (starts_param(ps, &name)) {
        if (current(ps) == NULL) {
            sd_view none = {ps->in, 0};
            sd_parse_status st = open_challenge(ps, none);

            if (st != SD_PARSE_OK) {
                return st;
            }
        }
        else if (current(ps)->token68.len > 0) {
            return SD_PARSE_SYNTAX; /* token68 takes no parameters */
        }
        return read_param_value(ps, name);
    }
    name = read_token(ps);
    if (name.len == 0) {
        return unexpected(ps);
    }
    if (name.len > SD_MAX_NAME) {
        return SD_PARSE_TOO_BIG;
    }
    return after_scheme(ps, name);
}

static sd_parse_status parse_list(sd_auth_list *list, const char *in,
                                  size_t len, size_t max_value, bool repeats)
{
    parser ps = {in, len, 0, max_value, list, repeats};

    list->nchallenges = 0;
    list->nparams = 0;
    list->scratch_used = 0;
    if (len > SD_MAX_TOKEN) {
        return SD_PARSE_TOO_BIG;
    }
    for (;;) {
        sd_parse_status st;

        skip_separators(&ps);
        if (at_end(&ps)) {
            break;
        }
        st = read_element(&ps);
        if (st != SD_PARSE_OK) {
            return st;
        }
    }
    return list->nchallenges ? SD_PARSE_OK : SD_PARSE_SYNTAX;
}

sd_parse_status sd_auth_parse(sd_auth_list *list, const char *in, size_t len,
                              size_t max_value)
{
    return parse_list(list, in, len, max_value, false);
}

sd_parse_status sd_auth_parse_repeats(sd_auth_list *list, const char *in,
                                      size_t len, size_t max_value)
{
    return parse_list(list, in, len, max_value, true);
}

const char *sd_parse_reason(sd_parse_status status)
{
    switch (status) {
    case SD_PARSE_OK:
        return "ok";
    case SD_PARSE_SYNTAX:
        return "header syntax error";
    case SD_PARSE_TOO_BIG:
        return "header or parameter too long";
    case SD_PARSE_TOO_MANY:
        return "too many parameters";
    case SD_PARSE_DUPLICATE:
        return "parameter repeated";
    case SD_PARSE_BAD_CHAR:
        return "control character in header";
    }
    return "header syntax error";
}

bool sd_view_eq_ci(sd_view v, const char *lit)
{
    size_t n = strlen(lit);

    return v.len == n && strncasecmp(v.p, lit, n) == 0;
}

bool sd_view_eq(sd_view a, sd_view b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

const sd_param *sd_challenge_param(const sd_auth_list *list,
                                   const sd_challenge *ch, const char *name)
{
    for (size_t i = ch->first; i < ch->first + ch->count; i++) {
        if (sd_view_eq_ci(list->params[i].name, name)) {
            return &list->params[i];
        }
    }
    return NULL;
}

/* Length of the UTF-8 sequence starting at p (RFC 3629 §4), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    }
    else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return len;
}

bool sd_utf8_printable(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;

    while (i < n) {
        size_t step = utf8_sequence(u + i, n - i);

        if (step == 0 || (step == 1 && (u[i] < 0x20 || u[i] == 0x7F))) {
            return false;
        }
        i += step;
    }
    return true;
}

/* RFC 8187 §3.2.1 attr-char. */
static bool is_attr_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9')) {
        return true;
    }
    return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

static int hex_nibble(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (unsigned char)(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

bool sd_ext_value_decode(sd_view in, char *out, size_t cap, size_t *out_len)
{
    const char *q1 = memchr(in.p, '\'', in.len);
    const char *q2;
    const char *end = in.p + in.len;
    size_t n = 0;

    if (q1 == NULL) {
        return false;
    }
    q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1));
    if (q2 == NULL) {
        return false;
    }
    {
        sd_view charset = {in.p, (size_t)(q1 - in.p)};

        if (!sd_view_eq_ci(charset, "UTF-8")) {
            return false;
        }
    }
    for (const char *p = q2 + 1; p < end; p++) {
        unsigned char c = (unsigned char)*p;

        if (n == cap) {
            return false;
        }
        if (c == '%') {
            int hi, lo;

            if (end - p < 3) {
                return false;
            }
            hi = hex_nibble((unsigned char)p[1]);
            lo = hex_nibble((unsigned char)p[2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out[n++] = (char)(hi << 4 | lo);
            p += 2;
        }
        else if (is_attr_char(c)) {
            out[n++] = (char)c;
        }
        else {
            return false;
        }
    }
    *out_len = n;
    return sd_utf8_printable(out, n);
}

void sd_ext_value_encode(sd_builder *b, const char *p, size_t n)
{
    static const char upper_hex[] = "0123456789ABCDEF";

    sd_builder_puts(b, "UTF-8''");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];

        if (is_attr_char(c)) {
            sd_builder_put(b, (const char *)&p[i], 1);
        }
        else {
            char esc[3] = {'%', upper_hex[c >> 4], upper_hex[c & 0xF]};

            sd_builder_put(b, esc, 3);
        }
    }
}
