/*
 * common.c: the pieces the bench clients share (see common.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

SECURITY_STATUS bench_client_cred(const char *user, const char *password,
                                  CredHandle *cred)
{
    SEC_WINNT_AUTH_IDENTITY id;

    memset(&id, 0, sizeof(id));
    id.User = (UCHAR *)(uintptr_t)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (UCHAR *)(uintptr_t)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                    &id, NULL, NULL, cred, NULL);
}

const char *bench_header_value(const char *line, size_t len, const char *name,
                               size_t *vlen)
{
    size_t n = strlen(name);

    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') {
        return NULL;
    }
    line += n + 1;
    len -= n + 1;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    *vlen = len;
    return line;
}

long bench_chunked_len(const char *buf, size_t len)
{
    size_t off = 0;

    for (;;) {
        const char *eol = memmem(buf + off, len - off, "\r\n", 2);
        long n;

        if (eol == NULL) {
            return 0;
        }
        n = strtol(buf + off, NULL, 16);
        if (n < 0) {
            return -1;
        }
        off = (size_t)(eol - buf) + 2;
        if (n == 0) {
            const char *fin =
                memmem(buf + off - 2, len - off + 2, "\r\n\r\n", 4);

            return fin ? (long)(fin - buf) + 4 : 0;
        }
        off += (size_t)n + 2;
        if (off > len) {
            return 0;
        }
    }
}

void bench_append_value(char *dst, size_t cap, const char *v, size_t vl)
{
    size_t have = strlen(dst);

    if (have + vl + 3 > cap) {
        return;
    }
    if (have > 0) {
        memcpy(dst + have, "\r\n", 2);
        have += 2;
    }
    memcpy(dst + have, v, vl);
    dst[have + vl] = '\0';
}
