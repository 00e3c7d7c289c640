/*
 * sasl_digest.c: DIGEST-MD5's digests and layer keys on the engine's MD5
 * hasher (digest_hash.c).  Pieces are streamed into MD5, never
 * concatenated; every copy of the password, the user's key or H(A1) in hex
 * is wiped before returning.
 */
#include "sasl_digest.h"

#include <string.h>

#include "hex.h"
#include "secret.h"

/* RFC 2831 §2.3 and §2.4, used without a terminating NUL (§1.1). */
static const char kic_magic[] =
    "Digest session key to client-to-server signing key magic constant";
static const char kis_magic[] =
    "Digest session key to server-to-client signing key magic constant";
static const char kcc_magic[] =
    "Digest H(A1) to client-to-server sealing key magic constant";
static const char kcs_magic[] =
    "Digest H(A1) to server-to-client sealing key magic constant";

/* §2.1.2.1: A2 for auth-int and auth-conf ends with this. */
static const char zero_hash[] = ":00000000000000000000000000000000";

#define PASSWORD_MAX 1024

bool sd_sasl_latin1_from_utf8(sd_view in, char *out, size_t cap, size_t *len)
{
    const unsigned char *p = (const unsigned char *)in.p;
    size_t n = 0;

    for (size_t i = 0; i < in.len; i++) {
        unsigned c = p[i];

        if (c >= 0x80) {
            /* only C2 and C3 lead octets encode U+0080..U+00FF */
            if ((c != 0xC2 && c != 0xC3) || i + 1 == in.len ||
                (p[i + 1] & 0xC0U) != 0x80) {
                return false;
            }
            c = (c & 0x03U) << 6 | (p[++i] & 0x3FU);
        }
        if (n == cap) {
            return false;
        }
        out[n++] = (char)c;
    }
    *len = n;
    return true;
}

bool sd_sasl_utf8_from_latin1(sd_view in, char *out, size_t cap, size_t *len)
{
    size_t n = 0;

    for (size_t i = 0; i < in.len; i++) {
        unsigned c = (unsigned char)in.p[i];
        size_t need = c < 0x80 ? 1 : 2;

        if (cap - n < need) {
            return false;
        }
        if (c < 0x80) {
            out[n++] = (char)c;
        }
        else {
            out[n++] = (char)(0xC0U | c >> 6);
            out[n++] = (char)(0x80U | (c & 0x3FU));
        }
    }
    *len = n;
    return true;
}

/* Adds one string of the user's key in the form §2.1.2.1 asks for, and
   the ":" after it when `colon`. */
static sd_sasl_key_status add_key_string(sd_hasher *h, sd_view s, bool utf8,
                                         char *scratch, bool colon)
{
    size_t n = 0;
    bool latin1 = s.len <= PASSWORD_MAX &&
                  sd_sasl_latin1_from_utf8(s, scratch, PASSWORD_MAX, &n);

    if (!latin1 && !utf8) {
        return SD_SASL_KEY_NOT_LATIN1;
    }
    if (latin1) {
        s.p = scratch;
        s.len = n;
    }
    if (!sd_h_add(h, s.p, s.len) || (colon && !sd_h_add(h, ":", 1))) {
        return SD_SASL_KEY_FAILED;
    }
    return SD_SASL_KEY_OK;
}

sd_sasl_key_status sd_sasl_user_key(sd_hasher *h, sd_view user, sd_view realm,
                                    sd_view password, bool utf8,
                                    unsigned char key[SD_SASL_KEY_LEN])
{
    char scratch[PASSWORD_MAX];
    sd_sasl_key_status st =
        sd_h_begin(h, SD_HASH_MD5) ? SD_SASL_KEY_OK : SD_SASL_KEY_FAILED;

    if (st == SD_SASL_KEY_OK) {
        st = add_key_string(h, user, utf8, scratch, true);
    }
    if (st == SD_SASL_KEY_OK) {
        st = add_key_string(h, realm, utf8, scratch, true);
    }
    if (st == SD_SASL_KEY_OK) {
        st = add_key_string(h, password, utf8, scratch, false);
    }
    if (st == SD_SASL_KEY_OK && !sd_h_end(h, key)) {
        st = SD_SASL_KEY_FAILED;
    }
    sd_wipe(scratch, sizeof(scratch));
    return st;
}

static bool add_view(sd_hasher *h, sd_view v)
{
    return sd_h_add(h, v.p, v.len);
}

bool sd_sasl_ha1(sd_hasher *h, const unsigned char key[SD_SASL_KEY_LEN],
                 const sd_sasl_digest_input *in,
                 unsigned char ha1[SD_SASL_KEY_LEN])
{
    /* A1 = { H({username ":" realm ":" passwd}), ":", nonce, ":", cnonce
              [":" authzid] }: the inner H as 16 raw octets. */
    bool ok = sd_h_begin(h, SD_HASH_MD5) && sd_h_add(h, key, SD_SASL_KEY_LEN) &&
              sd_h_add(h, ":", 1) && add_view(h, in->nonce) &&
              sd_h_add(h, ":", 1) && add_view(h, in->cnonce);

    if (in->has_authzid) {
        ok = ok && sd_h_add(h, ":", 1) && add_view(h, in->authzid);
    }
    return ok && sd_h_end(h, ha1);
}

/* HEX(H(A2)): A2 = "AUTHENTICATE:" digest-uri, the method left out for
   rspauth (§2.1.3), with ":" and 32 zeros for auth-int and auth-conf. */
static bool ha2_hex(sd_hasher *h, const sd_sasl_digest_input *in, bool rspauth,
                    char hex[2 * SD_SASL_KEY_LEN])
{
    unsigned char raw[SD_SASL_KEY_LEN];
    bool ok = sd_h_begin(h, SD_HASH_MD5) &&
              (rspauth || sd_h_add(h, "AUTHENTICATE", 12)) &&
              sd_h_add(h, ":", 1) && add_view(h, in->digest_uri);

    if (!sd_view_eq_ci(in->qop, "auth")) {
        ok = ok && sd_h_add(h, zero_hash, sizeof(zero_hash) - 1);
    }
    ok = ok && sd_h_end(h, raw);
    sd_hex_encode_public(hex, raw, sizeof(raw));
    return ok;
}

bool sd_sasl_digest_response(sd_hasher *h,
                             const unsigned char ha1[SD_SASL_KEY_LEN],
                             const sd_sasl_digest_input *in, bool rspauth,
                             unsigned char out[SD_SASL_KEY_LEN])
{
    char ha1hex[2 * SD_SASL_KEY_LEN]; /* secret */
    char ha2hex[2 * SD_SASL_KEY_LEN];
    bool ok;

    /* response = HEX(KD(HEX(H(A1)), {nonce ":" nc ":" cnonce ":" qop ":"
                                     HEX(H(A2))})), KD(k, s) = H(k ":" s) */
    sd_hex_encode(ha1hex, ha1, SD_SASL_KEY_LEN);
    ok = ha2_hex(h, in, rspauth, ha2hex) && sd_h_begin(h, SD_HASH_MD5) &&
         sd_h_add(h, ha1hex, sizeof(ha1hex)) && sd_h_add(h, ":", 1) &&
         add_view(h, in->nonce) && sd_h_add(h, ":", 1) && add_view(h, in->nc) &&
         sd_h_add(h, ":", 1) && add_view(h, in->cnonce) &&
         sd_h_add(h, ":", 1) && add_view(h, in->qop) && sd_h_add(h, ":", 1) &&
         sd_h_add(h, ha2hex, sizeof(ha2hex)) && sd_h_end(h, out);
    sd_wipe(ha1hex, sizeof(ha1hex));
    return ok;
}

static bool derive(sd_hasher *h, const unsigned char *ha1, size_t n,
                   const char *magic, size_t magic_len,
                   unsigned char out[SD_SASL_KEY_LEN])
{
    return sd_h_begin(h, SD_HASH_MD5) && sd_h_add(h, ha1, n) &&
           sd_h_add(h, magic, magic_len) && sd_h_end(h, out);
}

bool sd_sasl_layer_keys(sd_hasher *h, const unsigned char ha1[SD_SASL_KEY_LEN],
                        ULONG cipher, sd_sasl_keys *keys)
{
    /* §2.3: Kic, Kis from all of H(A1).  §2.4: Kcc, Kcs from its first n
       octets, n = 16 for des, 3des and rc4, 7 for rc4-56, 5 for rc4-40. */
    size_t n = sd_sasl_cipher_kc_octets(cipher);
    bool ok = derive(h, ha1, SD_SASL_KEY_LEN, kic_magic, sizeof(kic_magic) - 1,
                     keys->kic) &&
              derive(h, ha1, SD_SASL_KEY_LEN, kis_magic, sizeof(kis_magic) - 1,
                     keys->kis);

    if (cipher != 0) {
        ok = ok &&
             derive(h, ha1, n, kcc_magic, sizeof(kcc_magic) - 1, keys->kcc) &&
             derive(h, ha1, n, kcs_magic, sizeof(kcs_magic) - 1, keys->kcs);
    }
    return ok;
}
