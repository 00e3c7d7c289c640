/*
 * secret.c: constant-time comparison, wiping and hex for secrets.  Built on
 * OpenSSL's CRYPTO_memcmp and OPENSSL_cleanse; the hex codecs use
 * arithmetic instead of branches or lookup tables, because their input
 * (HA1) is secret.
 */
#include "secret.h"

#include <openssl/crypto.h>

bool sd_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void sd_ct_select(unsigned char *dst, const unsigned char *other, size_t n,
                  bool keep)
{
    unsigned char mask = (unsigned char)(0U - (unsigned)keep);

    for (size_t i = 0; i < n; i++) {
        dst[i] = (unsigned char)((dst[i] & mask) |
                                 (other[i] & (unsigned char)~mask));
    }
}

void sd_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        OPENSSL_cleanse(p, n);
    }
}

typedef struct {
    void *p;
    size_t n;
} wipe_job;

static apr_status_t wipe_cleanup(void *data)
{
    wipe_job *job = data;

    sd_wipe(job->p, job->n);
    return APR_SUCCESS;
}

void sd_wipe_on_cleanup(apr_pool_t *pool, void *p, size_t n)
{
    wipe_job *job = apr_palloc(pool, sizeof(*job));

    job->p = p;
    job->n = n;
    apr_pool_cleanup_register(pool, job, wipe_cleanup, apr_pool_cleanup_null);
}

/* 0..15 to '0'..'9','a'..'f': adds 39 more when v > 9, without a branch. */
static char hex_digit(unsigned v)
{
    unsigned above_nine = (9U - v) >> 8; /* all ones when v > 9 */

    return (char)(v + '0' + (above_nine & 39U));
}

void sd_hex_encode(char *out, const unsigned char *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digit((unsigned)in[i] >> 4);
        out[2 * i + 1] = hex_digit((unsigned)in[i] & 0xFU);
    }
}

/* Value of a hex digit, and *bad |= 1 when c is not one; branch-free.
   Each range test yields all ones in the low byte when c is inside. */
static unsigned hex_value(unsigned char c, unsigned *bad)
{
    unsigned x = c;
    unsigned lower = x | 0x20U; /* folds 'A'..'F' onto 'a'..'f' */
    unsigned is_digit = ((x - '0') >> 8 ^ 0xFFU) & ((('9' - x) >> 8) ^ 0xFFU);
    unsigned is_alpha =
        ((lower - 'a') >> 8 ^ 0xFFU) & ((('f' - lower) >> 8) ^ 0xFFU);
    unsigned value = ((x - '0') & is_digit) | ((lower - 'a' + 10U) & is_alpha);

    *bad |= ((is_digit | is_alpha) & 0xFFU) ^ 0xFFU;
    return value & 0xFU;
}

bool sd_hex_decode(unsigned char *out, size_t out_len, const char *in,
                   size_t in_len)
{
    unsigned bad = 0;

    if (in_len != 2 * out_len) {
        return false;
    }
    for (size_t i = 0; i < out_len; i++) {
        unsigned hi = hex_value((unsigned char)in[2 * i], &bad);
        unsigned lo = hex_value((unsigned char)in[2 * i + 1], &bad);

        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return bad == 0;
}
