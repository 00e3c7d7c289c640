/*
 * h2.c: valid logins over HTTP/2 with prior knowledge (h2c), through
 * nghttp2 on a blocking socket: one request without credentials for the
 * challenge, then three requests with consecutive nonce counts sent at
 * once as parallel streams, so the server sees counts out of order.
 */
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "soak.h"

#define H2_STREAMS 3

typedef struct {
    int32_t id;
    int status;
    bool closed;
    char chal[SOAK_CHAL_CAP];
    char info[SOAK_INFO_CAP];
    char auth[SOAK_AUTH_CAP]; /* what it sent */
    double t0, t1;
} h2_stream;

typedef struct {
    int fd;
    nghttp2_session *s;
    h2_stream st[H2_STREAMS + 1];
    int n;
} h2_conn;

static h2_stream *find(h2_conn *c, int32_t id)
{
    for (int i = 0; i < c->n; i++) {
        if (c->st[i].id == id) {
            return &c->st[i];
        }
    }
    return NULL;
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len,
                       int flags, void *user)
{
    h2_conn *c = user;
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

    (void)s;
    (void)flags;
    return n > 0 ? n : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
                     const uint8_t *name, size_t nl, const uint8_t *v,
                     size_t vl, uint8_t flags, void *user)
{
    h2_stream *st = find(user, f->hd.stream_id);

    (void)s;
    (void)flags;
    if (st == NULL || f->hd.type != NGHTTP2_HEADERS) {
        return 0;
    }
    if (nl == 7 && memcmp(name, ":status", 7) == 0 && vl == 3) {
        st->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
    }
    else if (nl == 16 && memcmp(name, "www-authenticate", 16) == 0) {
        bench_append_value(st->chal, sizeof(st->chal), (const char *)v, vl);
    }
    else if (nl == 19 && memcmp(name, "authentication-info", 19) == 0) {
        bench_append_value(st->info, sizeof(st->info), (const char *)v, vl);
    }
    return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t err, void *user)
{
    h2_stream *st = find(user, id);

    (void)s;
    if (st != NULL) {
        st->closed = true;
        st->t1 = soak_now();
        if (err != NGHTTP2_NO_ERROR) {
            st->status = 0; /* reset, or refused by a GOAWAY */
        }
    }
    return 0;
}

static bool all_closed(const h2_conn *c)
{
    for (int i = 0; i < c->n; i++) {
        if (!c->st[i].closed) {
            return false;
        }
    }
    return true;
}

/* Sends and receives until every stream closed or the connection failed
   (then the open streams stay at status 0). */
static void pump(h2_conn *c)
{
    uint8_t buf[16384];

    while (!all_closed(c)) {
        ssize_t n;

        if (nghttp2_session_send(c->s) != 0) {
            break;
        }
        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0 || nghttp2_session_mem_recv(c->s, buf, (size_t)n) != n) {
            break;
        }
    }
    for (int i = 0; i < c->n; i++) {
        if (!c->st[i].closed) {
            c->st[i].status = 0;
            c->st[i].closed = true;
            c->st[i].t1 = soak_now();
        }
    }
}

#define NV(n, v)                                                               \
    {                                                                          \
        (uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), strlen(n),       \
            strlen(v), NGHTTP2_NV_FLAG_NONE                                    \
    }

/* Opens a stream for GET uri (with auth unless it is empty). */
static h2_stream *submit(h2_conn *c, const char *uri, const char *auth,
                         const char *authority)
{
    h2_stream *st = &c->st[c->n];
    nghttp2_nv nv[] = {NV(":method", "GET"), NV(":scheme", "http"),
                       NV(":authority", authority), NV(":path", uri),
                       NV("authorization", auth)};

    memset(st, 0, sizeof(*st));
    snprintf(st->auth, sizeof(st->auth), "%s", auth);
    st->t0 = soak_now();
    st->id =
        nghttp2_submit_request(c->s, NULL, nv, auth[0] ? 5 : 4, NULL, NULL);
    if (st->id < 0) {
        return NULL;
    }
    c->n++;
    return st;
}

static void record(soak_thread *t, char srv, const h2_stream *st,
                   const char *cls, double t_ref, double t_conn, bool retry)
{
    soak_outcome o = {cls,    srv,    st->status, false,  retry,
                      st->t0, st->t1, t_ref,      t_conn, ""};
    char nonce[SOAK_NONCE_CAP], nc[16];

    o.stale = strstr(st->chal, "stale=true") != NULL;
    if (dg_param(st->auth, "nonce", nonce, sizeof(nonce)) &&
        dg_param(st->auth, "nc", nc, sizeof(nc))) {
        snprintf(o.tag, sizeof(o.tag), "%s/%s", nonce, nc);
    }
    soak_record(t, &o);
    if (st->status / 100 == 2 &&
        dg_param(st->auth, "nonce", nonce, sizeof(nonce)) &&
        dg_param(st->auth, "nc", nc, sizeof(nc))) {
        soak_ledger(t, nonce, nc, cls, srv);
    }
}

/* The requests with credentials: H2_STREAMS at once, then one repeat
   after a stale=true round. */
static void logins(soak_thread *t, char srv, h2_conn *c, dg_ctx *d,
                   const char *uri, const char *authority, double t_ref,
                   double t_conn)
{
    const char *stale_chal = NULL;

    c->n = 0;
    for (int i = 0; i < H2_STREAMS; i++) {
        if (dg_next(d, "GET", uri, NULL, 0) < 0 ||
            submit(c, uri, d->auth, authority) == NULL) {
            return;
        }
    }
    pump(c);
    for (int i = 0; i < c->n; i++) {
        record(t, srv, &c->st[i], "valid-h2", t_ref, t_conn, false);
        if (c->st[i].status == 401 && strstr(c->st[i].chal, "stale=true")) {
            stale_chal = c->st[i].chal;
        }
    }
    if (stale_chal == NULL ||
        dg_feed(d, NULL, stale_chal, "GET", uri, NULL, 0) < 0 ||
        dg_next(d, "GET", uri, NULL, 0) < 0) {
        return;
    }
    t_ref = soak_now();
    c->n = 0;
    if (submit(c, uri, d->auth, authority) != NULL) {
        pump(c);
        record(t, srv, &c->st[0], "valid-h2", t_ref, t_conn, true);
    }
}

void h2_scenario(soak_thread *t, const char *alg)
{
    h2_conn c;
    nghttp2_session_callbacks *cb;
    dg_ctx d;
    char uri[64], authority[32];
    double t_conn = soak_now();
    char srv = (char)('A' + soak_rand(t, SOAK_SERVERS));

    memset(&c, 0, sizeof(c));
    memset(&d, 0, sizeof(d));
    snprintf(uri, sizeof(uri), "/alg/%s/index.html", alg);
    snprintf(authority, sizeof(authority), "127.0.0.1:%d", soak_port(srv));
    c.fd = h1_connect(soak_port(srv));
    if (c.fd < 0 || nghttp2_session_callbacks_new(&cb) != 0) {
        goto out;
    }
    nghttp2_session_callbacks_set_send_callback(cb, on_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    if (nghttp2_session_client_new(&c.s, cb, &c) != 0) {
        nghttp2_session_callbacks_del(cb);
        goto out;
    }
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c.s, NGHTTP2_FLAG_NONE, NULL, 0);
    if (submit(&c, uri, "", authority) == NULL) {
        goto out;
    }
    pump(&c);
    record(t, srv, &c.st[0], "challenge", c.st[0].t1, t_conn, false);
    if (c.st[0].status == 401 && c.st[0].chal[0] &&
        dg_feed(&d, &g_cred_good, c.st[0].chal, "GET", uri, NULL, 0) >= 0) {
        logins(t, srv, &c, &d, uri, authority, c.st[0].t1, t_conn);
    }
out:
    if (c.s != NULL) {
        nghttp2_session_del(c.s);
    }
    if (c.fd >= 0) {
        close(c.fd);
    }
    dg_drop(&d);
}
