/*
 * hex.c: table-driven hex for public values (see hex.h).  Profiling the
 * keep-alive path showed the branch-free codecs of secret.c at 6% of a
 * verification when used on the client's own response and count.
 */
#include "hex.h"

static const char digits[16] = "0123456789abcdef";

/* A hex digit's value plus one; zero for every other octet. */
static const unsigned char value_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

void sd_hex_encode_public(char *out, const unsigned char *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xFU];
    }
}

bool sd_hex_decode_public(unsigned char *out, size_t out_len, const char *in,
                          size_t in_len)
{
    if (in_len != 2 * out_len) {
        return false;
    }
    for (size_t i = 0; i < out_len; i++) {
        unsigned hi = value_plus_one[(unsigned char)in[2 * i]];
        unsigned lo = value_plus_one[(unsigned char)in[2 * i + 1]];

        if (hi == 0 || lo == 0) {
            return false;
        }
        out[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
    }
    return true;
}
