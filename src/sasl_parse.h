/*
 * sasl_parse.h: the meaning of DIGEST-MD5's digest-challenge, digest-response
 * and response-auth (RFC 2831 §2.1.1-§2.1.3) on top of params.c's grammar,
 * which is RFC 7235's auth-param list and also RFC 2831's: which directives
 * exist, how often each may occur, and what its value must look like.
 * Values are checked, decoded where they are numbers or hex, and left as
 * views into the input.  Nothing here knows what was offered or hashes.
 * Each function returns NULL when the input is good, else a fixed reason
 * (SECPKG_ATTR_SD_REASON) for SEC_E_INVALID_TOKEN.
 */
#ifndef SD_SASL_PARSE_H
#define SD_SASL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "params.h"
#include "sasl_cipher.h"

typedef struct {
    sd_view realms[SD_SASL_MAX_REALMS];
    size_t nrealms;
    sd_view nonce;
    ULONG qops;      /* SD_QOP_* offered; SD_QOP_AUTH when qop is absent */
    ULONG ciphers;   /* SD_SASL_CIPHER_* offered (unknown names skipped) */
    bool utf8;       /* charset=utf-8 */
    uint32_t maxbuf; /* SD_SASL_DEFAULT_MAXBUF when absent */
} sd_sasl_challenge;

typedef struct {
    sd_view username;
    sd_view realm; /* p NULL: no realm directive */
    sd_view nonce;
    sd_view cnonce;
    sd_view nc;
    sd_view qop; /* as sent; "auth" when absent */
    sd_view digest_uri;
    sd_view authzid; /* p NULL: no authzid directive */
    sd_view cipher;  /* p NULL: no cipher directive */
    ULONG qop_id;    /* SD_QOP_*, 0 for a name we do not know */
    ULONG cipher_id; /* SD_SASL_CIPHER_*, 0 for none or unknown */
    bool utf8;       /* charset=utf-8 */
    uint32_t maxbuf; /* SD_SASL_DEFAULT_MAXBUF when absent */
    uint32_t nc_value;
    unsigned char response[SD_SASL_KEY_LEN];
} sd_sasl_response;

/* A digest-challenge in[0..len): nonce once, algorithm=md5-sess once,
   realm any number of times, qop, cipher, charset, maxbuf, stale at most
   once; unknown directives skipped. */
const char *sd_sasl_parse_challenge(sd_auth_list *list, const char *in,
                                    size_t len, sd_sasl_challenge *out);

/* A digest-response: each directive at most once; username, nonce,
   cnonce, nc, digest-uri and response required; unknown ones skipped.
   User name, realm and authzid are printable UTF-8 with charset=utf-8,
   printable ISO 8859-1 without. */
const char *sd_sasl_parse_response(sd_auth_list *list, const char *in,
                                   size_t len, sd_sasl_response *out);

/* A response-auth: rspauth=32 hex digits (other directives skipped). */
const char *sd_sasl_parse_rspauth(sd_auth_list *list, const char *in,
                                  size_t len,
                                  unsigned char rspauth[SD_SASL_KEY_LEN]);

/* serv-type "/" host ["/" serv-name]: non-empty parts of printable ASCII
   without "/" or space, at most SD_SASL_MAX_URI octets. */
bool sd_sasl_digest_uri_ok(sd_view uri);

/* Names on the wire: "3des", "rc4", ...; "auth", "auth-int", "auth-conf".
   By name: 0 when unknown. */
const char *sd_sasl_cipher_name(ULONG cipher);
ULONG sd_sasl_cipher_by_name(sd_view name);
const char *sd_sasl_qop_name(ULONG qop);
ULONG sd_sasl_qop_by_name(sd_view name);

/* The ciphers in the order servers offer and clients prefer them. */
extern const ULONG sd_sasl_cipher_order[5];

#endif
