/*
 * http1.c: HTTP/1.1 for the soak client on blocking loopback sockets with
 * timeouts.  One request at a time; a response is read whole (Content-Length
 * or chunked) so a keep-alive connection can carry the next one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

#define H1_IN_CAP 131072
#define H1_TIMEOUT_S 15 /* longer than a graceful restart takes */

int h1_connect(int port)
{
    struct sockaddr_in sa;
    struct timeval tv = {H1_TIMEOUT_S, 0};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int h1_send(int fd, const char *buf, size_t len, size_t piece, int pause_ms)
{
    size_t off = 0;

    while (off < len) {
        size_t n = len - off;
        ssize_t w;

        if (piece > 0 && n > piece) {
            n = piece;
        }
        w = send(fd, buf + off, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return -1;
        }
        off += (size_t)w;
        if (piece > 0 && off < len) {
            struct timespec ts = {0, (long)pause_ms * 1000000L};

            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

size_t h1_head(char *out, size_t cap, const char *method, const char *uri,
               int port, const char *auth, size_t body_len, const char *extra)
{
    int n = snprintf(out, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%s",
                     method, uri, port, auth ? "Authorization: " : "",
                     auth ? auth : "", auth ? "\r\n" : "");
    int m;

    if (n < 0 || (size_t)n >= cap) {
        return 0;
    }
    if (body_len > 0 || strcmp(method, "POST") == 0) {
        m = snprintf(out + n, cap - (size_t)n,
                     "Content-Type: application/octet-stream\r\n"
                     "Content-Length: %zu\r\n",
                     body_len);
        if (m < 0 || (size_t)m >= cap - (size_t)n) {
            return 0;
        }
        n += m;
    }
    m = snprintf(out + n, cap - (size_t)n, "%s\r\n", extra);
    if (m < 0 || (size_t)m >= cap - (size_t)n) {
        return 0;
    }
    return (size_t)(n + m);
}

/* Parses a complete head; fills r; *clen the body length (-1: chunked,
   -2: none given). */
static void parse_head(const char *buf, const char *end, h1_resp *r, long *clen)
{
    const char *p = strstr(buf, "\r\n") + 2;

    r->status = atoi(buf + 9);
    *clen = -2;
    while (p < end) {
        const char *eol = strstr(p, "\r\n");
        const char *v;
        size_t len = (size_t)(eol - p), vl;

        if ((v = bench_header_value(p, len, "Content-Length", &vl)) != NULL) {
            *clen = strtol(v, NULL, 10);
        }
        else if ((v = bench_header_value(p, len, "Transfer-Encoding", &vl))) {
            *clen = -1;
        }
        else if ((v = bench_header_value(p, len, "Connection", &vl)) != NULL) {
            r->close = vl >= 5 && strncasecmp(v, "close", 5) == 0;
        }
        else if ((v = bench_header_value(p, len, "WWW-Authenticate", &vl))) {
            bench_append_value(r->chal, sizeof(r->chal), v, vl);
        }
        else if ((v = bench_header_value(p, len, "Authentication-Info", &vl))) {
            bench_append_value(r->info, sizeof(r->info), v, vl);
        }
        p = eol + 2;
    }
    r->stale = strstr(r->chal, "stale=true") != NULL;
}

/* True when buf holds the whole response whose head ends at head_len. */
static bool body_complete(const char *buf, size_t len, size_t head_len,
                          long clen)
{
    if (clen == -2) {
        return true; /* no body with these responses */
    }
    if (clen == -1) {
        return bench_chunked_len(buf + head_len, len - head_len) != 0;
    }
    return len >= head_len + (size_t)clen;
}

int h1_read(int fd, h1_resp *r)
{
    char *buf = malloc(H1_IN_CAP + 1);
    size_t len = 0, head_len = 0;
    long clen = -2;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (buf == NULL) {
        return -1;
    }
    while (len < H1_IN_CAP) {
        ssize_t n = recv(fd, buf + len, H1_IN_CAP - len, 0);

        if (n <= 0) {
            break; /* EOF, reset or timeout */
        }
        len += (size_t)n;
        r->got = len;
        buf[len] = '\0';
        if (head_len == 0) {
            char *end = memmem(buf, len, "\r\n\r\n", 4);

            if (end == NULL) {
                continue;
            }
            if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
                break;
            }
            end[2] = '\0'; /* keeps the last header's CR LF */
            parse_head(buf, end + 2, r, &clen);
            end[2] = '\r';
            head_len = (size_t)(end - buf) + 4;
        }
        if (body_complete(buf, len, head_len, clen)) {
            rc = 0;
            break;
        }
    }
    if (rc != 0) {
        r->status = 0;
    }
    free(buf);
    return rc;
}
