/*
 * load.c: the HTTP load client of `make bench`, with Digest written on the
 * engine's client side (InitializeSecurityContext).
 *
 *   load -p PORT -u PATH [-c CONNS] [-d SECONDS] [-w WARMUP] [-T THREADS]
 *        [-a none|basic|digest] [-U USER] [-P PASSWORD] [-b BODYLEN]
 *
 * Each connection sends one request at a time on a keep-alive HTTP/1.1
 * connection to 127.0.0.1:PORT.  With -a digest the first request goes
 * without credentials; the 401's WWW-Authenticate lines go to
 * InitializeSecurityContext, and every later request carries the next
 * Authorization value of that context (same nonce, next nonce count, a new
 * cnonce and response computed per request).  An Authentication-Info
 * nextnonce, or a 401 with stale=true, is handed to the context as RFC
 * 7616 says.  A connection the server closes is reopened and keeps its
 * Digest context (as browsers reuse a nonce on new connections).  With -b
 * the request is a POST of BODYLEN octets (qop=auth-int when the server
 * offers only that).  -a basic sends "Authorization: Basic ..." each time.
 *
 * Requests completed in the SECONDS after WARMUP are counted.  Printed, one
 * line: rps, p50_us, p99_us, ok (2xx), non2xx (excluding the one expected
 * 401 per connection, counted as handshakes), errors (I/O or protocol),
 * reconnects, total (every response, warm-up included) and cpu (this
 * client's CPU time over the whole run, in % of one CPU: near 100 means
 * the client, not the server, set the pace).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>

#include "common.h"
#include "sspi.h"

#define IN_CAP 65536
#define OUT_CAP 16384
#define AUTH_CAP 4096
#define HIST_US 200000 /* 1 us buckets up to 200 ms */

typedef enum { A_NONE, A_BASIC, A_DIGEST } auth_kind;

static struct {
    int port;
    const char *path;
    int conns;
    double seconds;
    double warmup;
    int threads;
    auth_kind auth;
    const char *user;
    const char *password;
    size_t body_len;
} opt = {0, "/", 16, 4, 1, 1, A_NONE, "bench", "bench-password", 0};

static char *body;
static char basic_header[800];
static CredHandle client_cred;
static double t_start, t_measure, t_end;

typedef struct {
    uint64_t ok, non2xx, handshakes, errors, reconnects;
    uint64_t total; /* every response, warm-up included */
    uint32_t *hist;
    uint64_t over; /* latencies beyond the histogram */
} stats;

typedef struct conn {
    int fd;
    int epfd;
    stats *st;
    bool connected;
    /* request */
    char out[OUT_CAP];
    size_t out_len, out_off;
    double sent_at;
    bool sent_auth; /* the request carried Digest credentials */
    /* response */
    char in[IN_CAP];
    size_t in_len;
    /* digest */
    CtxtHandle ctx;
    bool has_ctx;
    char auth[AUTH_CAP];
    size_t auth_len;
} conn;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fatal(const char *what)
{
    fprintf(stderr, "load: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- Digest through the engine ------------------------------------------ */

static const char *method(void)
{
    return opt.body_len > 0 ? "POST" : "GET";
}

/* InitializeSecurityContext with `token` (challenges, Authentication-Info,
   or empty for the next Authorization).  Writes the Authorization value
   into c->auth when the engine produced one. */
static SECURITY_STATUS isc(conn *c, const char *token, size_t len)
{
    SecBuffer ib[3];
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {AUTH_CAP - 1, SECBUFFER_TOKEN, c->auth};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    const char *m = method();
    bool first = !c->has_ctx;
    SECURITY_STATUS st;

    ib[0] = (SecBuffer){(ULONG)len, SECBUFFER_TOKEN, (void *)(uintptr_t)token};
    ib[1] = (SecBuffer){(ULONG)strlen(m), SECBUFFER_PKG_PARAMS,
                        (void *)(uintptr_t)m};
    if (opt.body_len > 0) {
        ib[2] = (SecBuffer){(ULONG)opt.body_len, SECBUFFER_DATA, body};
        id.cBuffers = 3;
    }
    st = InitializeSecurityContext(
        first ? &client_cred : NULL, first ? NULL : &c->ctx,
        (SEC_CHAR *)(uintptr_t)opt.path, ISC_REQ_USE_HTTP_STYLE, 0, 0, &id, 0,
        &c->ctx, &od, &attrs, NULL);
    if (first && SEC_SUCCESS(st)) {
        c->has_ctx = true;
    }
    if (SEC_SUCCESS(st)) {
        c->auth_len = ob.cbBuffer;
    }
    return st;
}

static void drop_ctx(conn *c)
{
    if (c->has_ctx) {
        DeleteSecurityContext(&c->ctx);
    }
    c->has_ctx = false;
    c->auth_len = 0;
}

/* ---- requests -------------------------------------------------------------
 */

static void build_request(conn *c)
{
    int n;

    c->sent_auth = false;
    if (opt.auth == A_DIGEST && c->has_ctx) {
        if (isc(c, "", 0) != SEC_E_OK) {
            c->st->errors++;
            drop_ctx(c);
        }
    }
    n = snprintf(c->out, sizeof(c->out),
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", method(), opt.path,
                 opt.port);
    if (opt.auth == A_BASIC) {
        n += snprintf(c->out + n, sizeof(c->out) - (size_t)n, "%s",
                      basic_header);
    }
    else if (opt.auth == A_DIGEST && c->has_ctx && c->auth_len > 0) {
        n += snprintf(c->out + n, sizeof(c->out) - (size_t)n,
                      "Authorization: %.*s\r\n", (int)c->auth_len, c->auth);
        c->sent_auth = true;
    }
    if (opt.body_len > 0) {
        n += snprintf(c->out + n, sizeof(c->out) - (size_t)n,
                      "Content-Type: application/octet-stream\r\n"
                      "Content-Length: %zu\r\n",
                      opt.body_len);
    }
    n += snprintf(c->out + n, sizeof(c->out) - (size_t)n, "\r\n");
    if ((size_t)n + opt.body_len >= sizeof(c->out)) {
        fprintf(stderr, "load: request too long\n");
        exit(1);
    }
    memcpy(c->out + n, body, opt.body_len);
    c->out_len = (size_t)n + opt.body_len;
    c->out_off = 0;
}

static void conn_open(conn *c)
{
    struct sockaddr_in sa;
    struct epoll_event ev;
    int one = 1;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        fatal("socket");
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)opt.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
        errno != EINPROGRESS) {
        fatal("connect");
    }
    c->connected = false;
    c->in_len = 0;
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.ptr = c;
    if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        fatal("epoll_ctl");
    }
}

static void conn_close(conn *c)
{
    epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

static void want(conn *c, uint32_t events)
{
    struct epoll_event ev = {events, {.ptr = c}};

    epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what it can; true when the whole request is out. */
static bool flush_out(conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EAGAIN) {
                return false;
            }
            return false;
        }
        c->out_off += (size_t)n;
    }
    return true;
}

static void send_next(conn *c)
{
    build_request(c);
    c->sent_at = now_s();
    if (flush_out(c)) {
        want(c, EPOLLIN);
    }
    else {
        want(c, EPOLLIN | EPOLLOUT);
    }
}

/* ---- responses ------------------------------------------------------------
 */

typedef struct {
    int status;
    size_t head_len;     /* through the blank line */
    long content_length; /* -1: none */
    bool chunked;
    bool close;
    char chal[8192]; /* WWW-Authenticate values, CR LF separated */
    size_t chal_len;
    const char *info; /* Authentication-Info value */
    size_t info_len;
} response;

/* Parses the head when complete: 1 done, 0 need more, -1 malformed. */
static int parse_head(const char *buf, size_t len, response *r)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    const char *p, *eol;

    if (end == NULL) {
        return len >= IN_CAP ? -1 : 0;
    }
    memset(r, 0, offsetof(response, chal));
    r->chal_len = 0;
    r->info = NULL;
    r->head_len = (size_t)(end - buf) + 4;
    r->content_length = -1;
    if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
        return -1;
    }
    r->status = atoi(buf + 9);
    p = (const char *)memchr(buf, '\n', len) + 1;
    while (p < end + 2) {
        const char *v;
        size_t ll, vl; /* the line's length, the value's */

        eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        if (eol == NULL) {
            break;
        }
        ll = (size_t)(eol - p);
        if ((v = bench_header_value(p, ll, "Content-Length", &vl))) {
            r->content_length = strtol(v, NULL, 10);
        }
        else if ((v = bench_header_value(p, ll, "Transfer-Encoding", &vl))) {
            r->chunked = vl >= 7 && strncasecmp(v, "chunked", 7) == 0;
        }
        else if ((v = bench_header_value(p, ll, "Connection", &vl))) {
            r->close = vl >= 5 && strncasecmp(v, "close", 5) == 0;
        }
        else if ((v = bench_header_value(p, ll, "WWW-Authenticate", &vl))) {
            if (r->chal_len + vl + 2 < sizeof(r->chal)) {
                if (r->chal_len > 0) {
                    memcpy(r->chal + r->chal_len, "\r\n", 2);
                    r->chal_len += 2;
                }
                memcpy(r->chal + r->chal_len, v, vl);
                r->chal_len += vl;
            }
        }
        else if ((v = bench_header_value(p, ll, "Authentication-Info", &vl))) {
            r->info = v;
            r->info_len = vl;
        }
        p = eol + 2;
    }
    r->chal[r->chal_len] = '\0';
    return 1;
}

static void record(conn *c, double done)
{
    stats *s = c->st;
    double lat = (done - c->sent_at) * 1e6;

    if (c->sent_at < t_measure || done > t_end) {
        return;
    }
    if (lat < HIST_US) {
        s->hist[(size_t)lat]++;
    }
    else {
        s->over++;
    }
}

static bool counting(conn *c)
{
    return c->sent_at >= t_measure && c->sent_at <= t_end;
}

/* What a complete response means for the next request. */
static void handle_response(conn *c, const response *r, double done)
{
    bool count = counting(c);

    c->st->total++;
    if (r->status >= 200 && r->status < 300) {
        if (count) {
            c->st->ok++;
            record(c, done);
        }
        if (opt.auth == A_DIGEST && r->info != NULL && c->has_ctx &&
            memmem(r->info, r->info_len, "nextnonce", 9) != NULL) {
            char tmp[2048];
            size_t n =
                r->info_len < sizeof(tmp) - 1 ? r->info_len : sizeof(tmp) - 1;

            memcpy(tmp, r->info, n);
            tmp[n] = '\0';
            if (isc(c, tmp, n) != SEC_E_OK) {
                c->st->errors++;
            }
        }
        return;
    }
    if (r->status == 401 && opt.auth == A_DIGEST && r->chal_len > 0) {
        bool stale = strstr(r->chal, "stale=true") != NULL;

        if (!c->sent_auth) {
            if (count) {
                c->st->handshakes++;
            }
        }
        else if (count) {
            c->st->non2xx++;
        }
        if (!stale) {
            drop_ctx(c); /* a fresh login */
        }
        if (isc(c, r->chal, r->chal_len) != SEC_E_OK) {
            c->st->errors++;
            drop_ctx(c);
        }
        return;
    }
    if (count) {
        c->st->non2xx++;
        record(c, done);
    }
    if (r->status == 401 && opt.auth == A_DIGEST) {
        drop_ctx(c);
    }
}

static void reconnect(conn *c)
{
    conn_close(c);
    c->st->reconnects++;
    conn_open(c);
}

/* An I/O or protocol error: count it and start over on a new connection. */
static void fail(conn *c)
{
    c->st->errors++;
    reconnect(c);
}

static void on_readable(conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
        response r;
        size_t total;
        int ph;

        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            /* closed by the server: a keep-alive limit or an error */
            if (c->in_len > 0 || c->out_off > 0) {
                if (counting(c)) {
                    c->st->errors++;
                }
            }
            reconnect(c);
            return;
        }
        if (n < 0) {
            return; /* EAGAIN */
        }
        c->in_len += (size_t)n;
        ph = parse_head(c->in, c->in_len, &r);
        if (ph == 0) {
            continue;
        }
        if (ph < 0) {
            fail(c);
            return;
        }
        if (r.chunked) {
            long bl =
                bench_chunked_len(c->in + r.head_len, c->in_len - r.head_len);

            if (bl == 0) {
                continue;
            }
            if (bl < 0) {
                fail(c);
                return;
            }
            total = r.head_len + (size_t)bl;
        }
        else if (r.content_length >= 0) {
            total = r.head_len + (size_t)r.content_length;
            if (c->in_len < total) {
                if (total > IN_CAP) {
                    fail(c);
                    return;
                }
                continue;
            }
        }
        else {
            total = r.head_len; /* no body */
        }
        handle_response(c, &r, now_s());
        if (c->in_len > total) {
            c->st->errors++; /* nothing was pipelined */
        }
        c->in_len = 0;
        if (r.close) {
            conn_close(c);
            c->st->reconnects++;
            conn_open(c);
            return;
        }
        if (now_s() < t_end) {
            send_next(c);
        }
        return;
    }
}

static void on_event(conn *c, uint32_t ev)
{
    if (!c->connected) {
        int err = 0;
        socklen_t l = sizeof(err);

        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err != 0) {
                errno = err;
                fatal("connect to the server");
            }
            c->connected = true;
            if (now_s() < t_end) {
                send_next(c);
            }
        }
        return;
    }
    if (ev & EPOLLOUT) {
        if (flush_out(c)) {
            want(c, EPOLLIN);
        }
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
    }
}

/* ---- threads --------------------------------------------------------------
 */

typedef struct {
    int first, count;
    stats st;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    int epfd = epoll_create1(0);
    conn *conns = calloc((size_t)w->count, sizeof(conn));
    struct epoll_event evs[256];

    if (epfd < 0 || conns == NULL) {
        fatal("epoll_create1");
    }
    for (int i = 0; i < w->count; i++) {
        conns[i].epfd = epfd;
        conns[i].st = &w->st;
        conn_open(&conns[i]);
    }
    while (now_s() < t_end) {
        int n = epoll_wait(epfd, evs, 256, 50);

        for (int i = 0; i < n; i++) {
            on_event(evs[i].data.ptr, evs[i].events);
        }
    }
    for (int i = 0; i < w->count; i++) {
        if (conns[i].fd >= 0) {
            conn_close(&conns[i]);
        }
        drop_ctx(&conns[i]);
    }
    close(epfd);
    free(conns);
    return NULL;
}

static double percentile(const uint32_t *hist, uint64_t total, double q)
{
    uint64_t want = (uint64_t)(q * (double)total), seen = 0;

    for (size_t i = 0; i < HIST_US; i++) {
        seen += hist[i];
        if (seen > want) {
            return (double)i + 0.5;
        }
    }
    return HIST_US;
}

static void base64(const char *in, size_t n, char *out)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;

        if (i + 1 < n) {
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= (unsigned char)in[i + 2];
        }
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
}

static void usage(void)
{
    fprintf(stderr,
            "usage: load -p PORT -u PATH [-c CONNS] [-d SECONDS] [-w WARMUP]\n"
            "            [-T THREADS] [-a none|basic|digest] [-U USER]\n"
            "            [-P PASSWORD] [-b BODYLEN]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int c;
    worker *ws;
    pthread_t *tids;
    stats all;

    while ((c = getopt(argc, argv, "p:u:c:d:w:T:a:U:P:b:")) != -1) {
        switch (c) {
        case 'p':
            opt.port = atoi(optarg);
            break;
        case 'u':
            opt.path = optarg;
            break;
        case 'c':
            opt.conns = atoi(optarg);
            break;
        case 'd':
            opt.seconds = atof(optarg);
            break;
        case 'w':
            opt.warmup = atof(optarg);
            break;
        case 'T':
            opt.threads = atoi(optarg);
            break;
        case 'a':
            opt.auth = strcmp(optarg, "basic") == 0    ? A_BASIC
                       : strcmp(optarg, "digest") == 0 ? A_DIGEST
                                                       : A_NONE;
            break;
        case 'U':
            opt.user = optarg;
            break;
        case 'P':
            opt.password = optarg;
            break;
        case 'b':
            opt.body_len = (size_t)atol(optarg);
            break;
        default:
            usage();
        }
    }
    if (opt.port <= 0 || opt.conns <= 0 || opt.threads <= 0 ||
        opt.threads > opt.conns || opt.body_len > OUT_CAP / 2) {
        usage();
    }
    if (apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "load: apr_initialize failed\n");
        return 1;
    }
    body = malloc(opt.body_len + 1);
    memset(body, 'b', opt.body_len);
    if (opt.auth == A_BASIC) {
        char up[512], b64[700];

        snprintf(up, sizeof(up), "%s:%s", opt.user, opt.password);
        base64(up, strlen(up), b64);
        snprintf(basic_header, sizeof(basic_header),
                 "Authorization: Basic %s\r\n", b64);
    }
    if (opt.auth == A_DIGEST) {
        SECURITY_STATUS st =
            bench_client_cred(opt.user, opt.password, &client_cred);

        if (st != SEC_E_OK) {
            fprintf(stderr, "load: AcquireCredentialsHandle: %s\n",
                    SdStatusName(st));
            return 1;
        }
    }
    t_start = now_s();
    t_measure = t_start + opt.warmup;
    t_end = t_measure + opt.seconds;
    ws = calloc((size_t)opt.threads, sizeof(*ws));
    tids = calloc((size_t)opt.threads, sizeof(*tids));
    for (int i = 0; i < opt.threads; i++) {
        ws[i].first = i * opt.conns / opt.threads;
        ws[i].count = (i + 1) * opt.conns / opt.threads - ws[i].first;
        ws[i].st.hist = calloc(HIST_US, sizeof(uint32_t));
        pthread_create(&tids[i], NULL, run_worker, &ws[i]);
    }
    memset(&all, 0, sizeof(all));
    all.hist = calloc(HIST_US, sizeof(uint32_t));
    for (int i = 0; i < opt.threads; i++) {
        pthread_join(tids[i], NULL);
        all.ok += ws[i].st.ok;
        all.non2xx += ws[i].st.non2xx;
        all.handshakes += ws[i].st.handshakes;
        all.errors += ws[i].st.errors;
        all.reconnects += ws[i].st.reconnects;
        all.total += ws[i].st.total;
        all.over += ws[i].st.over;
        for (size_t k = 0; k < HIST_US; k++) {
            all.hist[k] += ws[i].st.hist[k];
        }
    }
    {
        uint64_t n = all.ok + all.non2xx;
        uint64_t timed = 0;

        for (size_t k = 0; k < HIST_US; k++) {
            timed += all.hist[k];
        }
        timed += all.over;
        struct rusage ru;
        double cpu;

        getrusage(RUSAGE_SELF, &ru);
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
        printf("rps=%.1f p50_us=%.0f p99_us=%.0f ok=%llu non2xx=%llu "
               "handshakes=%llu errors=%llu reconnects=%llu total=%llu "
               "cpu=%.0f\n",
               (double)n / opt.seconds,
               timed ? percentile(all.hist, timed, 0.50) : 0,
               timed ? percentile(all.hist, timed, 0.99) : 0,
               (unsigned long long)all.ok, (unsigned long long)all.non2xx,
               (unsigned long long)all.handshakes,
               (unsigned long long)all.errors,
               (unsigned long long)all.reconnects,
               (unsigned long long)all.total, 100 * cpu / (now_s() - t_start));
    }
    if (opt.auth == A_DIGEST) {
        FreeCredentialsHandle(&client_cred);
    }
    return 0;
}
