/*
 * sasl_parse.c: DIGEST-MD5 directives (RFC 2831 §2.1) over params.c.  The
 * grammar, quoting and the bounds of the whole token come from params.c;
 * here each directive is looked up in a table giving its longest value,
 * then checked for what it may hold.  Every loop is bounded by the input.
 */
#include "sasl_parse.h"

#include <string.h>

#include "hex.h"

const ULONG sd_sasl_cipher_order[5] = {
    SD_SASL_CIPHER_3DES, SD_SASL_CIPHER_RC4, SD_SASL_CIPHER_DES,
    SD_SASL_CIPHER_RC4_56, SD_SASL_CIPHER_RC4_40};

static const struct {
    ULONG id;
    const char *name;
} cipher_names[] = {
    {SD_SASL_CIPHER_3DES, "3des"},     {SD_SASL_CIPHER_RC4, "rc4"},
    {SD_SASL_CIPHER_DES, "des"},       {SD_SASL_CIPHER_RC4_56, "rc4-56"},
    {SD_SASL_CIPHER_RC4_40, "rc4-40"},
};

static const struct {
    ULONG id;
    const char *name;
} qop_names[] = {
    {SD_QOP_AUTH, "auth"},
    {SD_QOP_AUTH_INT, "auth-int"},
    {SD_QOP_AUTH_CONF, "auth-conf"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sd_sasl_cipher_name(ULONG cipher)
{
    for (size_t i = 0; i < COUNT(cipher_names); i++) {
        if (cipher_names[i].id == cipher) {
            return cipher_names[i].name;
        }
    }
    return "";
}

ULONG sd_sasl_cipher_by_name(sd_view name)
{
    for (size_t i = 0; i < COUNT(cipher_names); i++) {
        if (sd_view_eq_ci(name, cipher_names[i].name)) {
            return cipher_names[i].id;
        }
    }
    return 0;
}

const char *sd_sasl_qop_name(ULONG qop)
{
    for (size_t i = 0; i < COUNT(qop_names); i++) {
        if (qop_names[i].id == qop) {
            return qop_names[i].name;
        }
    }
    return "";
}

ULONG sd_sasl_qop_by_name(sd_view name)
{
    for (size_t i = 0; i < COUNT(qop_names); i++) {
        if (sd_view_eq_ci(name, qop_names[i].name)) {
            return qop_names[i].id;
        }
    }
    return 0;
}

/* The next element of a comma-separated list inside a quoted value (the
   #rule of RFC 2831 §1.2: LWS around elements, empty elements allowed). */
static bool list_next(sd_view *rest, sd_view *item)
{
    const char *p = rest->p, *end = rest->p + rest->len;

    while (p < end && (*p == ',' || *p == ' ' || *p == '\t')) {
        p++;
    }
    if (p == end) {
        return false;
    }
    item->p = p;
    while (p < end && *p != ',') {
        p++;
    }
    item->len = (size_t)(p - item->p);
    while (item->len > 0 &&
           (item->p[item->len - 1] == ' ' || item->p[item->len - 1] == '\t')) {
        item->len--;
    }
    rest->p = p;
    rest->len = (size_t)(end - p);
    return true;
}

/* maxbuf: 1 to 8 decimal digits, over 16 (a smaller buffer cannot hold a
   MAC block, and Cyrus SASL refuses it too) and at most 2^24 - 1. */
static bool read_maxbuf(sd_view v, uint32_t *out)
{
    uint32_t n = 0;

    if (v.len == 0 || v.len > 8) {
        return false;
    }
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') {
            return false;
        }
        n = n * 10 + (uint32_t)(v.p[i] - '0');
    }
    if (n <= 16 || n > SD_SASL_MAX_MAXBUF) {
        return false;
    }
    *out = n;
    return true;
}

/* Printable text: UTF-8 with charset=utf-8, else ISO 8859-1 (no C0, DEL
   or C1). */
static bool text_ok(sd_view v, bool utf8)
{
    if (utf8) {
        return sd_utf8_printable(v.p, v.len);
    }
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];

        if (c < 0x20 || (c >= 0x7F && c < 0xA0)) {
            return false;
        }
    }
    return true;
}

bool sd_sasl_digest_uri_ok(sd_view uri)
{
    size_t parts = 1, part_len = 0;

    if (uri.len == 0 || uri.len > SD_SASL_MAX_URI) {
        return false;
    }
    for (size_t i = 0; i < uri.len; i++) {
        unsigned char c = (unsigned char)uri.p[i];

        if (c == '/') {
            if (part_len == 0 || ++parts > 3) {
                return false;
            }
            part_len = 0;
        }
        else if (c <= 0x20 || c >= 0x7F) {
            return false;
        }
        else {
            part_len++;
        }
    }
    return parts >= 2 && part_len > 0;
}

/* A directive: its name, longest value, and whether it must be there. */
typedef struct {
    const char *name;
    size_t max;
    bool required;
} directive;

/* Finds the table entry of name; -1 for a directive we skip. */
static int directive_index(const directive *table, size_t n, sd_view name)
{
    for (size_t i = 0; i < n; i++) {
        if (sd_view_eq_ci(name, table[i].name)) {
            return (int)i;
        }
    }
    return -1;
}

/* The one element of a bare directive list, or NULL. */
static const sd_challenge *single_list(const sd_auth_list *list)
{
    const sd_challenge *ch = &list->challenges[0];

    if (list->nchallenges != 1 || ch->scheme.len > 0 || ch->token68.len > 0) {
        return NULL;
    }
    return ch;
}

/* Maps the directives of ch through table into vals (p NULL: absent);
   realms, when given, collects every realm. */
static const char *map_directives(const sd_auth_list *list,
                                  const sd_challenge *ch,
                                  const directive *table, size_t n,
                                  sd_view *vals, sd_sasl_challenge *realms)
{
    for (size_t i = 0; i < n; i++) {
        vals[i].p = NULL;
        vals[i].len = 0;
    }
    for (size_t i = ch->first; i < ch->first + ch->count; i++) {
        const sd_param *p = &list->params[i];
        int d;

        if (realms != NULL && sd_view_eq_ci(p->name, "realm")) {
            if (realms->nrealms == SD_SASL_MAX_REALMS) {
                return "too many realms";
            }
            if (p->value.len > SD_MAX_REALM) {
                return "realm too long";
            }
            realms->realms[realms->nrealms++] = p->value;
            continue;
        }
        if ((d = directive_index(table, n, p->name)) < 0) {
            continue; /* RFC 2831 §2.1: unknown directives are ignored */
        }
        if (vals[d].p != NULL) {
            return "directive repeated";
        }
        if (p->value.len > table[d].max) {
            return "directive value too long";
        }
        vals[d] = p->value;
    }
    for (size_t i = 0; i < n; i++) {
        if (table[i].required && vals[i].p == NULL) {
            return "required directive missing";
        }
    }
    return NULL;
}

enum { C_NONCE, C_QOP, C_CIPHER, C_CHARSET, C_ALGORITHM, C_MAXBUF, C_STALE };

static const directive challenge_table[] = {
    [C_NONCE] = {"nonce", SD_MAX_VALUE, true},
    [C_QOP] = {"qop", 256, false},
    [C_CIPHER] = {"cipher", 256, false},
    [C_CHARSET] = {"charset", 16, false},
    [C_ALGORITHM] = {"algorithm", 16, true},
    [C_MAXBUF] = {"maxbuf", 16, false},
    [C_STALE] = {"stale", 16, false},
};

/* The known names of a list, as bits; unknown names are skipped. */
static ULONG list_bits(sd_view list, ULONG (*by_name)(sd_view))
{
    ULONG bits = 0;
    sd_view item;

    while (list_next(&list, &item)) {
        bits |= by_name(item);
    }
    return bits;
}

const char *sd_sasl_parse_challenge(sd_auth_list *list, const char *in,
                                    size_t len, sd_sasl_challenge *out)
{
    sd_view v[COUNT(challenge_table)];
    const sd_challenge *ch;
    const char *why;
    sd_parse_status ps;

    memset(out, 0, sizeof(*out));
    if (len > SD_SASL_MAX_CHALLENGE) {
        return "digest-challenge too long";
    }
    ps = sd_auth_parse_repeats(list, in, len, SD_SASL_MAX_CHALLENGE);
    if (ps != SD_PARSE_OK) {
        return sd_parse_reason(ps);
    }
    if ((ch = single_list(list)) == NULL) {
        return "not a digest-challenge";
    }
    if ((why = map_directives(list, ch, challenge_table, COUNT(challenge_table),
                              v, out)) != NULL) {
        return why;
    }
    if (!sd_view_eq_ci(v[C_ALGORITHM], "md5-sess")) {
        return "algorithm is not md5-sess";
    }
    if (v[C_NONCE].len == 0) {
        return "empty nonce";
    }
    if (v[C_CHARSET].p != NULL && !sd_view_eq_ci(v[C_CHARSET], "utf-8")) {
        return "charset is not utf-8";
    }
    out->utf8 = v[C_CHARSET].p != NULL;
    out->maxbuf = SD_SASL_DEFAULT_MAXBUF;
    if (v[C_MAXBUF].p != NULL && !read_maxbuf(v[C_MAXBUF], &out->maxbuf)) {
        return "bad maxbuf";
    }
    for (size_t i = 0; i < out->nrealms; i++) {
        if (!text_ok(out->realms[i], out->utf8)) {
            return "realm is not printable text";
        }
    }
    out->nonce = v[C_NONCE];
    /* §2.1.1: without qop-options, only auth is offered */
    out->qops = v[C_QOP].p != NULL ? list_bits(v[C_QOP], sd_sasl_qop_by_name)
                                   : SD_QOP_AUTH;
    out->ciphers = v[C_CIPHER].p != NULL
                       ? list_bits(v[C_CIPHER], sd_sasl_cipher_by_name)
                       : 0;
    return NULL;
}

enum {
    R_USERNAME,
    R_REALM,
    R_NONCE,
    R_CNONCE,
    R_NC,
    R_QOP,
    R_DIGEST_URI,
    R_RESPONSE,
    R_MAXBUF,
    R_CHARSET,
    R_CIPHER,
    R_AUTHZID
};

static const directive response_table[] = {
    [R_USERNAME] = {"username", SD_MAX_USERNAME, true},
    [R_REALM] = {"realm", SD_MAX_REALM, false},
    [R_NONCE] = {"nonce", SD_MAX_VALUE, true},
    [R_CNONCE] = {"cnonce", SD_MAX_CNONCE, true},
    [R_NC] = {"nc", 8, true},
    [R_QOP] = {"qop", 16, false},
    [R_DIGEST_URI] = {"digest-uri", SD_SASL_MAX_URI, true},
    [R_RESPONSE] = {"response", 32, true},
    [R_MAXBUF] = {"maxbuf", 16, false},
    [R_CHARSET] = {"charset", 16, false},
    [R_CIPHER] = {"cipher", 16, false},
    [R_AUTHZID] = {"authzid", SD_MAX_USERNAME, false},
};

/* Values whose form the grammar does not settle. */
static const char *check_response_values(const sd_view *v,
                                         sd_sasl_response *out)
{
    unsigned char nc[4];

    if (v[R_USERNAME].len == 0 || !text_ok(v[R_USERNAME], out->utf8) ||
        (v[R_REALM].p != NULL && !text_ok(v[R_REALM], out->utf8)) ||
        (v[R_AUTHZID].p != NULL && !text_ok(v[R_AUTHZID], out->utf8))) {
        return "user name, realm or authzid is not printable text";
    }
    if (v[R_NONCE].len == 0 || v[R_CNONCE].len == 0) {
        return "empty nonce or cnonce";
    }
    /* §2.1.2: nc-value is 8 hex digits */
    if (!sd_hex_decode_public(nc, sizeof(nc), v[R_NC].p, v[R_NC].len)) {
        return "nc is not 8 hex digits";
    }
    out->nc_value = (uint32_t)nc[0] << 24 | (uint32_t)nc[1] << 16 |
                    (uint32_t)nc[2] << 8 | nc[3];
    if (!sd_hex_decode_public(out->response, sizeof(out->response),
                              v[R_RESPONSE].p, v[R_RESPONSE].len)) {
        return "response is not 32 hex digits";
    }
    if (!sd_sasl_digest_uri_ok(v[R_DIGEST_URI])) {
        return "digest-uri is not serv-type/host[/serv-name]";
    }
    if (v[R_MAXBUF].p != NULL && !read_maxbuf(v[R_MAXBUF], &out->maxbuf)) {
        return "bad maxbuf";
    }
    return NULL;
}

const char *sd_sasl_parse_response(sd_auth_list *list, const char *in,
                                   size_t len, sd_sasl_response *out)
{
    sd_view v[COUNT(response_table)];
    const sd_challenge *ch;
    const char *why;
    sd_parse_status ps;

    memset(out, 0, sizeof(*out));
    if (len > SD_SASL_MAX_RESPONSE) {
        return "digest-response too long";
    }
    ps = sd_auth_parse(list, in, len, SD_SASL_MAX_RESPONSE);
    if (ps != SD_PARSE_OK) {
        return sd_parse_reason(ps);
    }
    if ((ch = single_list(list)) == NULL) {
        return "not a digest-response";
    }
    if ((why = map_directives(list, ch, response_table, COUNT(response_table),
                              v, NULL)) != NULL) {
        return why;
    }
    if (v[R_CHARSET].p != NULL && !sd_view_eq_ci(v[R_CHARSET], "utf-8")) {
        return "charset is not utf-8";
    }
    out->utf8 = v[R_CHARSET].p != NULL;
    out->maxbuf = SD_SASL_DEFAULT_MAXBUF;
    if ((why = check_response_values(v, out)) != NULL) {
        return why;
    }
    out->username = v[R_USERNAME];
    out->realm = v[R_REALM];
    out->nonce = v[R_NONCE];
    out->cnonce = v[R_CNONCE];
    out->nc = v[R_NC];
    out->digest_uri = v[R_DIGEST_URI];
    out->authzid = v[R_AUTHZID];
    out->cipher = v[R_CIPHER];
    /* §2.1.2: qop defaults to auth */
    out->qop = v[R_QOP].p != NULL ? v[R_QOP] : (sd_view){"auth", 4};
    out->qop_id = sd_sasl_qop_by_name(out->qop);
    out->cipher_id =
        out->cipher.p != NULL ? sd_sasl_cipher_by_name(out->cipher) : 0;
    return NULL;
}

const char *sd_sasl_parse_rspauth(sd_auth_list *list, const char *in,
                                  size_t len,
                                  unsigned char rspauth[SD_SASL_KEY_LEN])
{
    static const directive table[] = {{"rspauth", 32, true}};
    const sd_challenge *ch;
    const char *why;
    sd_view v[1];
    sd_parse_status ps;

    if (len > SD_SASL_MAX_CHALLENGE) {
        return "response-auth too long";
    }
    ps = sd_auth_parse(list, in, len, SD_SASL_MAX_CHALLENGE);
    if (ps != SD_PARSE_OK) {
        return sd_parse_reason(ps);
    }
    if ((ch = single_list(list)) == NULL) {
        return "not a response-auth";
    }
    if ((why = map_directives(list, ch, table, 1, v, NULL)) != NULL) {
        return why;
    }
    if (!sd_hex_decode_public(rspauth, SD_SASL_KEY_LEN, v[0].p, v[0].len)) {
        return "rspauth is not 32 hex digits";
    }
    return NULL;
}
