/*
 * fuzz_binding.c: libFuzzer target for the channel-binding parsers:
 * src/binding.c (a caller's SEC_CHANNEL_BINDINGS, the digestbind
 * parameters of a client's response: hashed-dirs, service-name,
 * channel-binding and the upgraded cnonce, and the acceptance policy) and
 * src/tls_endpoint.c (a certificate's DER, for tls-server-end-point).
 * The input is read three ways: whole, as a SEC_CHANNEL_BINDINGS and as a
 * DER certificate; and after its first octet (which says which parameters
 * are present and whether qop is), as four newline-separated parameter
 * values.  Properties checked:
 *   - sd_bindings_valid agrees with an independent reading of the three
 *     (offset, length) pairs, and a valid structure hashes to 32
 *     lower-case hex digits, the same each time;
 *   - sd_binding_read accepts only all three parameters or none, only with
 *     qop, only a 32-hex channel-binding and a printable service-name of
 *     at most SD_MAX_SERVICE_NAME octets, and then gives back the
 *     service-name as sent and the channel-binding in lower case;
 *   - parameters made as a client makes them (sd_binding_cnonce, from the
 *     input's octets, hashed-dirs in any case and spacing) are accepted,
 *     unbound exactly when the binding is zeros; a change of one digit of
 *     the cnonce's MD5 is refused, one of its random part is not;
 *   - sd_binding_check follows the table of sspi.h for every mode;
 *   - SdTlsServerEndPointBindings answers OK only for one whole DER
 *     certificate, with a valid structure of the prefix and the hash RFC
 *     5929 §4.1 names, computed independently here; one octet less room
 *     is SEC_E_BUFFER_TOO_SMALL.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: src/binding.c src/tls_endpoint.c src/digest_hash.c src/hex.c src/params.c src/builder.c src/secret.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "binding.h"
#include "fuzz_check.h"

static apr_pool_t *pool;
static sd_hasher *hasher;

static void tear_down(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

static void set_up(void)
{
    if (pool != NULL) {
        return;
    }
    FUZZ_KEEP_BEGIN();
    apr_initialize();
    atexit(tear_down);
    apr_pool_create(&pool, NULL);
    hasher = sd_hasher_create(pool);
    FUZZ_KEEP_END();
    CHECK(hasher != NULL);
}

static bool lower_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static bool any_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\0' || strchr("0123456789abcdefABCDEF", p[i]) == NULL) {
            return false;
        }
    }
    return true;
}

/* ---- SEC_CHANNEL_BINDINGS ------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4); /* host order, as the structure is */
    return v;
}

static bool ref_region(uint64_t len, uint64_t off, uint64_t n)
{
    return len == 0 || (off >= 32 && off + len <= n);
}

static void check_structure(const uint8_t *data, size_t size)
{
    bool want = size >= 32 && size <= SD_MAX_CHANNEL_BINDINGS &&
                ref_region(le32(data + 4), le32(data + 8), size) &&
                ref_region(le32(data + 16), le32(data + 20), size) &&
                ref_region(le32(data + 24), le32(data + 28), size);
    char hex[SD_BINDING_HEX], again[SD_BINDING_HEX];

    CHECK(sizeof(SEC_CHANNEL_BINDINGS) == 32);
    CHECK(sd_bindings_valid(data, size) == want);
    if (!want) {
        return;
    }
    CHECK(sd_bindings_hash(hasher, data, size, hex));
    CHECK(lower_hex(hex, sizeof(hex)));
    CHECK(sd_bindings_hash(hasher, data, size, again));
    CHECK(memcmp(hex, again, sizeof(hex)) == 0);
}

/* ---- tls-server-end-point ------------------------------------------- */

/* RFC 5929 §4.1's hash for the certificate, by its own reading. */
static int ref_end_point_md(const uint8_t *data, size_t size)
{
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)size);
    int md = NID_undef;

    if (x == NULL || p != data + size ||
        X509_get_signature_info(x, &md, NULL, NULL, NULL) != 1) {
        md = NID_undef;
    }
    X509_free(x);
    return md == NID_md5 || md == NID_sha1 ? NID_sha256 : md;
}

static void check_end_point(const uint8_t *data, size_t size)
{
    static const char prefix[] = SD_TLS_END_POINT_PREFIX;
    unsigned char out[SD_TLS_END_POINT_BINDINGS_MAX];
    unsigned char want[EVP_MAX_MD_SIZE];
    unsigned int want_len = 0;
    ULONG written = 0, small = 0;
    SEC_CHANNEL_BINDINGS cb;
    SECURITY_STATUS st;
    int md;

    if (size == 0) {
        return;
    }
    st = SdTlsServerEndPointBindings(data, (ULONG)size, out, sizeof(out),
                                     &written);
    md = ref_end_point_md(data, size);
    if (md == NID_undef) {
        CHECK(st == SEC_E_INVALID_TOKEN);
        return;
    }
    CHECK(st == SEC_E_OK || st == SEC_E_INTERNAL_ERROR);
    if (st != SEC_E_OK) {
        return; /* a hash this OpenSSL cannot compute */
    }
    CHECK(EVP_Digest(data, size, want, &want_len,
                     EVP_get_digestbynid(md), NULL) == 1);
    CHECK(written == sizeof(cb) + sizeof(prefix) - 1 + want_len);
    CHECK(sd_bindings_valid(out, written));
    memcpy(&cb, out, sizeof(cb));
    CHECK(cb.cbInitiatorLength == 0 && cb.cbAcceptorLength == 0);
    CHECK(cb.cbApplicationDataLength == written - sizeof(cb));
    CHECK(memcmp(out + cb.dwApplicationDataOffset, prefix,
                 sizeof(prefix) - 1) == 0);
    CHECK(memcmp(out + cb.dwApplicationDataOffset + sizeof(prefix) - 1, want,
                 want_len) == 0);
    CHECK(SdTlsServerEndPointBindings(data, (ULONG)size, out, written - 1,
                                      &small) == SEC_E_BUFFER_TOO_SMALL);
}

/* ---- the response's parameters ---------------------------------------- */

/* The next newline-separated field of *p, or p NULL when there is none. */
static sd_view field(const char **p, const char *end)
{
    sd_view v = {NULL, 0};
    const char *nl;

    if (*p == NULL) {
        return v;
    }
    nl = memchr(*p, '\n', (size_t)(end - *p));
    v.p = *p;
    v.len = (size_t)((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : NULL;
    return v;
}

static bool zeros(const char *hex)
{
    for (size_t i = 0; i < SD_BINDING_HEX; i++) {
        if (hex[i] != '0') {
            return false;
        }
    }
    return true;
}

/* The table in sspi.h, "Channel bindings", for a binding read. */
static void check_policy(const sd_client_binding *cb)
{
    static const SEC_CHAR *const only[] = {"HTTP/fuzz.example"};
    char other[SD_BINDING_HEX];
    sd_binding_policy p;

    memset(other, 'f', sizeof(other));
    for (int mode = SD_BINDING_ALLOW; mode <= SD_BINDING_PROXY; mode++) {
        for (int own = 0; own < 3; own++) {
            const char *why;

            memset(&p, 0, sizeof(p));
            p.mode = (sd_binding_mode)mode;
            p.has_own = own > 0;
            memcpy(p.own, own == 1 ? cb->hex : other, SD_BINDING_HEX);
            why = sd_binding_check(&p, cb);
            switch (p.mode) {
            case SD_BINDING_ALLOW:
                CHECK((why == NULL) ==
                      (cb->kind == SD_CB_NONE || !p.has_own ||
                       (cb->kind == SD_CB_BOUND &&
                        memcmp(p.own, cb->hex, SD_BINDING_HEX) == 0)));
                break;
            case SD_BINDING_STRICT:
                CHECK((why == NULL) ==
                      (cb->kind == SD_CB_BOUND && p.has_own &&
                       memcmp(p.own, cb->hex, SD_BINDING_HEX) == 0));
                break;
            case SD_BINDING_PROXY:
                CHECK((why == NULL) == (cb->kind == SD_CB_BOUND));
                break;
            }
            /* a list of names only takes away */
            p.names = only;
            p.nnames = 1;
            if (sd_binding_check(&p, cb) == NULL) {
                CHECK(why == NULL);
                CHECK(cb->kind == SD_CB_NONE ||
                      (cb->service.len == strlen(only[0]) &&
                       strncasecmp(cb->service.p, only[0],
                                   cb->service.len) == 0));
            }
        }
    }
}

static void check_read(uint8_t flags, const char *p, size_t n)
{
    const char *end = p + n, *cur = p;
    sd_view dirs = field(&cur, end), service = field(&cur, end);
    sd_view channel = field(&cur, end), cnonce = field(&cur, end);
    bool has_qop = (flags & 8) != 0;
    int present;
    sd_client_binding cb;
    const char *why;

    if ((flags & 1) == 0) {
        dirs.p = NULL;
    }
    if ((flags & 2) == 0) {
        service.p = NULL;
    }
    if ((flags & 4) == 0) {
        channel.p = NULL;
    }
    if (cnonce.p == NULL) {
        cnonce.p = "";
    }
    present = (dirs.p != NULL) + (service.p != NULL) + (channel.p != NULL);
    why = sd_binding_read(hasher, dirs, service, channel, cnonce, has_qop, &cb);
    if (why != NULL) {
        CHECK(cb.kind == SD_CB_NONE);
        return;
    }
    CHECK(present == 0 || present == 3);
    if (present == 0) {
        CHECK(cb.kind == SD_CB_NONE);
        CHECK(!has_qop || cnonce.len < SD_UPGRADED_CNONCE_LEN ||
              memcmp(cnonce.p, SD_UPGRADED_CNONCE, SD_UPGRADED_CNONCE_LEN) !=
                  0);
    }
    else {
        CHECK(has_qop);
        CHECK(channel.len == SD_BINDING_HEX &&
              any_hex(channel.p, channel.len));
        CHECK(service.len <= SD_MAX_SERVICE_NAME &&
              sd_utf8_printable(service.p, service.len));
        CHECK(cb.service.p == service.p && cb.service.len == service.len);
        CHECK(lower_hex(cb.hex, SD_BINDING_HEX));
        CHECK(strncasecmp(cb.hex, channel.p, SD_BINDING_HEX) == 0);
        CHECK(cb.kind == (zeros(cb.hex) ? SD_CB_UNBOUND : SD_CB_BOUND));
        CHECK(cnonce.len >= SD_UPGRADED_CNONCE_LEN + SD_BINDING_HEX);
    }
    check_policy(&cb);
}

/* Parameters made as a client makes them, from the input's octets. */
static void check_made(uint8_t flags, const uint8_t *data, size_t size)
{
    static const char *const dirs_forms[] = {
        "service-name,channel-binding", "channel-binding,service-name",
        "Service-Name , Channel-Binding", "\tchannel-binding,\tSERVICE-NAME "};
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    char channel[SD_BINDING_HEX], cnonce[SD_UPGRADED_CNONCE_MAX];
    unsigned char random[16] = {0};
    const char *nl = memchr(data, '\n', size);
    sd_view service = {(const char *)data,
                       nl ? (size_t)(nl - (const char *)data) : size};
    sd_view dirs = {dirs_forms[flags >> 4 & 3], 0};
    sd_view ch = {channel, SD_BINDING_HEX}, cn = {cnonce, sizeof(cnonce)};
    bool unbound = (flags & 0x40) != 0;
    sd_client_binding cb;
    const char *why;

    dirs.len = strlen(dirs.p);
    for (size_t i = 0; i < SD_BINDING_HEX; i++) {
        channel[i] = unbound ? '0' : digits[i < size ? data[i] & 31 : i & 31];
    }
    if (!unbound && zeros(channel)) {
        channel[0] = '1';
    }
    memcpy(random, data, size < 16 ? size : 16);
    CHECK(sd_binding_cnonce(hasher, service, channel, random, cnonce));
    CHECK(memcmp(cnonce, SD_UPGRADED_CNONCE, SD_UPGRADED_CNONCE_LEN) == 0);
    CHECK(lower_hex(cnonce + SD_UPGRADED_CNONCE_LEN,
                    sizeof(cnonce) - SD_UPGRADED_CNONCE_LEN));
    why = sd_binding_read(hasher, dirs, service, ch, cn, true, &cb);
    if (service.len > SD_MAX_SERVICE_NAME ||
        !sd_utf8_printable(service.p, service.len)) {
        CHECK(why != NULL);
        return;
    }
    CHECK(why == NULL);
    CHECK(cb.kind == (unbound ? SD_CB_UNBOUND : SD_CB_BOUND));
    CHECK(strncasecmp(cb.hex, channel, SD_BINDING_HEX) == 0);
    /* one digit of the MD5 changed: refused; of the random part: not */
    {
        size_t at = SD_UPGRADED_CNONCE_LEN + (size % SD_BINDING_HEX);
        char saved = cnonce[at];

        cnonce[at] = saved == '0' ? '1' : '0';
        CHECK(sd_binding_read(hasher, dirs, service, ch, cn, true, &cb) !=
              NULL);
        cnonce[at] = saved;
        at += SD_BINDING_HEX;
        saved = cnonce[at];
        cnonce[at] = saved == '0' ? '1' : '0';
        CHECK(sd_binding_read(hasher, dirs, service, ch, cn, true, &cb) ==
              NULL);
        cnonce[at] = saved;
    }
    /* without qop, or one parameter short: refused */
    CHECK(sd_binding_read(hasher, dirs, service, ch, cn, false, &cb) != NULL);
    ch.p = NULL;
    CHECK(sd_binding_read(hasher, dirs, service, ch, cn, true, &cb) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    set_up();
    check_structure(data, size);
    check_end_point(data, size);
    if (size > 0) {
        check_read(data[0], (const char *)data + 1, size - 1);
        check_made(data[0], data + 1, size - 1);
    }
    return 0;
}
