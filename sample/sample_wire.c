/*
 * sample_wire.c: reading and writing the sample programs' token lines
 * (sample_wire.h), with APR-util's base64.  Input is read through a fixed
 * buffer; a line longer than it is an error, never split.
 */
#include "sample_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_base64.h>

bool wire_send(char who, const void *p, size_t n)
{
    char *b64;
    int len;

    if (n > SAMPLE_LINE_MAX / 2) {
        return false;
    }
    b64 = malloc((size_t)apr_base64_encode_len((int)n));
    if (b64 == NULL) {
        return false;
    }
    len = apr_base64_encode_binary(b64, p, (int)n);
    /* the length counts the terminating NUL */
    printf("%c: %.*s\n", who, len > 0 ? len - 1 : 0, b64);
    free(b64);
    return fflush(stdout) == 0;
}

static bool base64_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=')) {
            return false;
        }
    }
    return n % 4 == 0;
}

/* The exact decoded size of well-formed base64 (checked first, so that
   the decoder never writes past out). */
static size_t decoded_len(const char *s, size_t n)
{
    size_t pad =
        n > 0 && s[n - 1] == '=' ? (n > 1 && s[n - 2] == '=' ? 2 : 1) : 0;

    return n / 4 * 3 - pad;
}

bool wire_recv(char who, unsigned char *out, size_t cap, size_t *n)
{
    static char line[SAMPLE_LINE_MAX + 2];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        size_t len = strlen(line);
        char *text;

        if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
            return false; /* longer than SAMPLE_LINE_MAX */
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        if (len < 3 || line[0] != who || line[1] != ':' || line[2] != ' ') {
            if (len == 2 && line[0] == who && line[1] == ':') {
                *n = 0; /* "C:" with nothing after it */
                return true;
            }
            continue; /* the peer's progress messages */
        }
        text = line + 3;
        len -= 3;
        if (!base64_chars(text, len) || decoded_len(text, len) > cap) {
            return false;
        }
        *n = (size_t)apr_base64_decode_binary(out, text);
        return *n == decoded_len(text, len);
    }
    return false;
}

void wire_put_length(unsigned char out[4], size_t n)
{
    out[0] = (unsigned char)(n >> 24);
    out[1] = (unsigned char)(n >> 16);
    out[2] = (unsigned char)(n >> 8);
    out[3] = (unsigned char)n;
}

bool wire_get_length(const unsigned char *in, size_t n, size_t *len)
{
    if (n < 4) {
        return false;
    }
    *len =
        (size_t)in[0] << 24 | (size_t)in[1] << 16 | (size_t)in[2] << 8 | in[3];
    return *len == n - 4;
}
