/*
 * binding.c: the digestbind wire format, the caller's SEC_CHANNEL_BINDINGS
 * and the acceptance policy described in binding.h and sspi.h ("Channel
 * bindings").  It reads and writes nothing but what it is given.
 */
#include "binding.h"

#include <string.h>
#include <strings.h>

#include "hex.h"

/* ---- SEC_CHANNEL_BINDINGS ------------------------------------------- */

/* A (length, offset) pair lies inside the n-octet structure, after its
   header; no addition can overflow. */
static bool region_ok(ULONG len, ULONG offset, size_t n)
{
    return len == 0 || (offset >= sizeof(SEC_CHANNEL_BINDINGS) && offset <= n &&
                        len <= n - offset);
}

bool sd_bindings_valid(const void *p, size_t n)
{
    SEC_CHANNEL_BINDINGS cb;

    if (p == NULL || n < sizeof(cb) || n > SD_MAX_CHANNEL_BINDINGS) {
        return false;
    }
    memcpy(&cb, p, sizeof(cb)); /* the caller's octets may be unaligned */
    return region_ok(cb.cbInitiatorLength, cb.dwInitiatorOffset, n) &&
           region_ok(cb.cbAcceptorLength, cb.dwAcceptorOffset, n) &&
           region_ok(cb.cbApplicationDataLength, cb.dwApplicationDataOffset, n);
}

static bool add_le32(sd_hasher *h, ULONG v)
{
    unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24)};

    return sd_h_add(h, le, sizeof(le));
}

static bool add_region(sd_hasher *h, const unsigned char *base, ULONG len,
                       ULONG offset)
{
    return add_le32(h, len) && (len == 0 || sd_h_add(h, base + offset, len));
}

bool sd_bindings_hash(sd_hasher *h, const void *p, size_t n,
                      char hex[SD_BINDING_HEX])
{
    const unsigned char *base = p;
    unsigned char md5[SD_BINDING_HEX / 2];
    SEC_CHANNEL_BINDINGS cb;

    (void)n;
    memcpy(&cb, p, sizeof(cb));
    if (!sd_h_begin(h, SD_HASH_MD5) || !add_le32(h, cb.dwInitiatorAddrType) ||
        !add_region(h, base, cb.cbInitiatorLength, cb.dwInitiatorOffset) ||
        !add_le32(h, cb.dwAcceptorAddrType) ||
        !add_region(h, base, cb.cbAcceptorLength, cb.dwAcceptorOffset) ||
        !add_region(h, base, cb.cbApplicationDataLength,
                    cb.dwApplicationDataOffset) ||
        !sd_h_end(h, md5)) {
        return false;
    }
    sd_hex_encode_public(hex, md5, sizeof(md5));
    return true;
}

/* ---- the response's parameters -------------------------------------- */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* hashed-dirs is a comma-separated list naming exactly service-name and
   channel-binding, once each, in any order and case. */
static bool hashed_dirs_ok(sd_view v)
{
    bool service = false, channel = false;
    size_t i = 0;

    while (i <= v.len) {
        sd_view item = {v.p + i, 0};

        while (i < v.len && v.p[i] != ',') {
            i++;
        }
        item.len = (size_t)(v.p + i - item.p);
        while (item.len > 0 && is_ows(item.p[0])) {
            item.p++;
            item.len--;
        }
        while (item.len > 0 && is_ows(item.p[item.len - 1])) {
            item.len--;
        }
        if (sd_view_eq_ci(item, "service-name") && !service) {
            service = true;
        }
        else if (sd_view_eq_ci(item, "channel-binding") && !channel) {
            channel = true;
        }
        else {
            return false;
        }
        i++; /* past the comma, or past the end */
    }
    return service && channel;
}

static bool md5_of_pair(sd_hasher *h, sd_view service, sd_view channel,
                        unsigned char md5[SD_BINDING_HEX / 2])
{
    return sd_h_begin(h, SD_HASH_MD5) && sd_h_add(h, service.p, service.len) &&
           sd_h_add(h, ":", 1) && sd_h_add(h, channel.p, channel.len) &&
           sd_h_end(h, md5);
}

static bool upgraded_cnonce(sd_view cnonce)
{
    return cnonce.len >= SD_UPGRADED_CNONCE_LEN &&
           memcmp(cnonce.p, SD_UPGRADED_CNONCE, SD_UPGRADED_CNONCE_LEN) == 0;
}

/* The cnonce covers the parameters: its first 32 hex digits after the
   prefix are MD5(service-name ":" channel-binding), as sent. */
static const char *check_cnonce(sd_hasher *h, sd_view cnonce, sd_view service,
                                sd_view channel)
{
    unsigned char want[SD_BINDING_HEX / 2], got[SD_BINDING_HEX / 2];

    if (!upgraded_cnonce(cnonce) ||
        cnonce.len < SD_UPGRADED_CNONCE_LEN + SD_BINDING_HEX ||
        !sd_hex_decode_public(got, sizeof(got),
                              cnonce.p + SD_UPGRADED_CNONCE_LEN,
                              SD_BINDING_HEX)) {
        return "channel binding without an upgraded cnonce";
    }
    if (!md5_of_pair(h, service, channel, want)) {
        return "digest failed";
    }
    return memcmp(want, got, sizeof(want)) == 0
               ? NULL
               : "cnonce does not cover the channel binding";
}

const char *sd_binding_read(sd_hasher *h, sd_view hashed_dirs, sd_view service,
                            sd_view channel, sd_view cnonce, bool has_qop,
                            sd_client_binding *out)
{
    unsigned char raw[SD_BINDING_HEX / 2];
    int present =
        (hashed_dirs.p != NULL) + (service.p != NULL) + (channel.p != NULL);
    const char *why;

    memset(out, 0, sizeof(*out));
    if (present == 0) {
        /* the response covers the cnonce: a marked one means a client
           that did send its binding, and someone removed it */
        return has_qop && upgraded_cnonce(cnonce)
                   ? "upgraded cnonce without channel binding parameters"
                   : NULL;
    }
    if (present != 3) {
        return "incomplete channel binding parameters";
    }
    if (!has_qop) {
        return "channel binding without qop";
    }
    if (!hashed_dirs_ok(hashed_dirs)) {
        return "hashed-dirs is not service-name,channel-binding";
    }
    if (!sd_hex_decode_public(raw, sizeof(raw), channel.p, channel.len)) {
        return "channel-binding is not 32 hex digits";
    }
    if (service.len > SD_MAX_SERVICE_NAME ||
        !sd_utf8_printable(service.p, service.len)) {
        return "bad service-name";
    }
    if ((why = check_cnonce(h, cnonce, service, channel)) != NULL) {
        return why;
    }
    sd_hex_encode_public(out->hex, raw, sizeof(raw)); /* lower case */
    out->service = service;
    out->kind = SD_CB_UNBOUND;
    for (size_t i = 0; i < sizeof(raw); i++) {
        if (raw[i] != 0) {
            out->kind = SD_CB_BOUND;
        }
    }
    return NULL;
}

/* ---- acceptance ----------------------------------------------------- */

bool sd_binding_upgrades(const sd_binding_policy *p)
{
    return p->mode != SD_BINDING_ALLOW || p->has_own;
}

static bool service_allowed(const sd_binding_policy *p, sd_view service)
{
    if (p->nnames == 0) {
        return true;
    }
    for (size_t i = 0; i < p->nnames; i++) {
        if (strlen(p->names[i]) == service.len &&
            strncasecmp(p->names[i], service.p, service.len) == 0) {
            return true;
        }
    }
    return false;
}

/* The table in sspi.h, row by row. */
static const char *check_kind(const sd_binding_policy *p,
                              const sd_client_binding *cb)
{
    bool matches = p->has_own && memcmp(cb->hex, p->own, SD_BINDING_HEX) == 0;

    switch (p->mode) {
    case SD_BINDING_ALLOW:
        if (cb->kind == SD_CB_NONE || !p->has_own) {
            return NULL; /* nothing to compare with */
        }
        break;
    case SD_BINDING_STRICT:
        if (cb->kind == SD_CB_NONE) {
            return "no channel binding sent";
        }
        if (!p->has_own) {
            return "no channel binding of this connection to compare with";
        }
        break;
    case SD_BINDING_PROXY:
        if (cb->kind == SD_CB_NONE) {
            return "no channel binding sent";
        }
        return cb->kind == SD_CB_UNBOUND
                   ? "channel binding is unbound (the client has no TLS)"
                   : NULL;
    }
    if (cb->kind == SD_CB_UNBOUND) {
        return "channel binding is unbound (the client has no TLS)";
    }
    return matches ? NULL : "channel binding does not match this connection";
}

const char *sd_binding_check(const sd_binding_policy *p,
                             const sd_client_binding *cb)
{
    const char *why = check_kind(p, cb);

    if (why == NULL && cb->kind != SD_CB_NONE &&
        !service_allowed(p, cb->service)) {
        why = "service-name not allowed here";
    }
    return why;
}

/* ---- the client ------------------------------------------------------ */

bool sd_binding_cnonce(sd_hasher *h, sd_view service,
                       const char hex[SD_BINDING_HEX],
                       const unsigned char random[16], char *out)
{
    unsigned char md5[SD_BINDING_HEX / 2];
    sd_view channel = {hex, SD_BINDING_HEX};

    if (!md5_of_pair(h, service, channel, md5)) {
        return false;
    }
    memcpy(out, SD_UPGRADED_CNONCE, SD_UPGRADED_CNONCE_LEN);
    sd_hex_encode_public(out + SD_UPGRADED_CNONCE_LEN, md5, sizeof(md5));
    sd_hex_encode_public(out + SD_UPGRADED_CNONCE_LEN + SD_BINDING_HEX, random,
                         16);
    return true;
}
