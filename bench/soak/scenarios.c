/*
 * scenarios.c: what one soak thread does, one scenario at a time: valid
 * logins (every algorithm and qop, keep-alive and new connections,
 * auth-int POSTs, slow senders, HTTP/2), replays of accepted requests,
 * bad credentials, bad requests and dropped connections.  Every request's
 * outcome is recorded as it came; soak.py decides what was allowed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

/* The locations soak.py configures: /alg/KEY/ per algorithm (qop auth and
   auth-int; POSTs go to .../echo), /none/ (MD5 without qop), /short/
   (a 1 s nonce lifetime), /other/ (another realm). */
static const char *const algs[] = {"md5",     "md5-sess",    "sha-256",
                                   "sha-256-sess", "sha-512-256",
                                   "sha-512-256-sess"};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

static char *g_body; /* max_body + 1 octets, read-only once made */
static char g_big[9001]; /* over httpd's 8190-octet limits */
static pthread_once_t body_once = PTHREAD_ONCE_INIT;

static void make_body(void)
{
    g_body = malloc(g_opt.max_body + 2);
    if (g_body == NULL) {
        abort();
    }
    for (size_t i = 0; i <= g_opt.max_body; i++) {
        g_body[i] = (char)('a' + (i * 7) % 26);
    }
    memset(g_big, 'q', sizeof(g_big) - 1);
}

/* ---- connections ------------------------------------------------------- */
typedef struct {
    int fd;
    char srv;
    double t_conn;
} sconn;

static bool sc_open(sconn *c, char srv)
{
    c->srv = srv;
    c->t_conn = soak_now();
    c->fd = h1_connect(soak_port(srv));
    return c->fd >= 0;
}

static void sc_close(sconn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
}

/* Sends head and body (a slow sender with slow), reads the response; a
   connection that failed or was closed by the server is closed here, so
   the next request opens another.  Fills o's times and status. */
static void exchange(sconn *c, const char *head, size_t hlen,
                     const char *body, size_t blen, bool slow, h1_resp *r,
                     soak_outcome *o)
{
    size_t piece = slow ? 16 : 0;

    o->srv = c->srv;
    o->t0 = soak_now();
    if (c->fd < 0 && !sc_open(c, c->srv)) {
        memset(r, 0, sizeof(*r));
    }
    else if (h1_send(c->fd, head, hlen, piece, 15) != 0 ||
             (blen > 0 && h1_send(c->fd, body, blen, piece, 15) != 0)) {
        /* the server may have answered already (and closed) */
        h1_read(c->fd, r);
    }
    else {
        h1_read(c->fd, r);
    }
    o->t1 = soak_now();
    o->t_conn = c->t_conn;
    o->status = r->status;
    o->stale = r->stale;
    if (r->status == 0 || r->close) {
        sc_close(c);
    }
}

/* ---- a login through the engine ----------------------------------------- */
typedef struct {
    dg_ctx d;
    char uri[64];
    const char *method;
    const char *body;
    size_t blen;
    double t_ref;            /* when the nonce in use was obtained */
    const char *retry_cls;   /* the class of a repeat after stale=true */
    char head[SOAK_REQ_CAP]; /* the last accepted request, for replays */
    size_t hlen;
} login;

static void login_init(login *lg, const char *uri, size_t blen, bool integ)
{
    memset(lg, 0, sizeof(*lg));
    snprintf(lg->uri, sizeof(lg->uri), "%s", uri);
    lg->method = blen > 0 || integ ? "POST" : "GET";
    lg->body = blen > 0 || integ ? g_body : NULL;
    lg->blen = blen;
    lg->d.integrity = integ;
}

/* A request without credentials; it must get a challenge, copied into
   chal (cap octets).  Returns when the challenge was obtained, or 0. */
static double fetch_challenge(soak_thread *t, sconn *c, const char *uri,
                              char *chal, size_t cap)
{
    char head[1024];
    size_t hlen = h1_head(head, sizeof(head), "GET", uri, soak_port(c->srv),
                          NULL, 0, "");
    soak_outcome o = {"challenge", 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    exchange(c, head, hlen, NULL, 0, false, &r, &o);
    o.t_ref = o.t1;
    soak_record(t, &o);
    if (r.status != 401 || r.chal[0] == '\0') {
        return 0;
    }
    snprintf(chal, cap, "%s", r.chal);
    return o.t1;
}

/* The first round of a login: the challenge goes to a new context. */
static bool challenge(soak_thread *t, sconn *c, login *lg, CredHandle *cred)
{
    char chal[SOAK_CHAL_CAP];

    lg->t_ref = fetch_challenge(t, c, lg->uri, chal, sizeof(chal));
    return lg->t_ref > 0 && dg_feed(&lg->d, cred, chal, lg->method, lg->uri,
                                    lg->body, lg->blen) >= 0;
}

/* Which (nonce, nc) a request carried, for the record. */
static void tag(soak_outcome *o, const char *auth)
{
    char nonce[SOAK_NONCE_CAP], nc[16];

    if (dg_param(auth, "nonce", nonce, sizeof(nonce)) &&
        dg_param(auth, "nc", nc, sizeof(nc))) {
        snprintf(o->tag, sizeof(o->tag), "%s/%s", nonce, nc);
    }
}

static void ledger_2xx(soak_thread *t, const login *lg, const char *cls,
                       char srv)
{
    char nonce[SOAK_NONCE_CAP], nc[16];

    if (dg_param(lg->d.auth, "nonce", nonce, sizeof(nonce)) &&
        dg_param(lg->d.auth, "nc", nc, sizeof(nc))) {
        soak_ledger(t, nonce, nc, cls, srv);
    }
}

/* One authenticated request, repeated as a client would: after a 503
   (the store is down) up to three times, 250 ms apart, and once after a
   stale=true round (with the new nonce).  Returns the last status.  A
   2xx is written to the ledger and kept in lg->head for replays. */
static int authed(soak_thread *t, sconn *c, login *lg, const char *cls,
                  bool slow)
{
    bool stale_seen = false;
    int waits = 0;

    for (;;) {
        soak_outcome o = {cls, 0, 0, false, stale_seen, 0, 0, lg->t_ref, 0, ""};
        struct timespec pause = {0, 250000000L};
        h1_resp r;
        int status;

        if (stale_seen && lg->retry_cls != NULL) {
            o.cls = cls = lg->retry_cls;
        }
        if (dg_next(&lg->d, lg->method, lg->uri, lg->body, lg->blen) < 0 ||
            (lg->hlen = h1_head(lg->head, sizeof(lg->head), lg->method,
                                lg->uri, soak_port(c->srv), lg->d.auth,
                                lg->blen, "")) == 0) {
            o.cls = "client-error";
            soak_record(t, &o);
            return -1;
        }
        tag(&o, lg->d.auth);
        exchange(c, lg->head, lg->hlen, lg->body, lg->blen, slow, &r, &o);
        soak_record(t, &o);
        status = r.status;
        if (status >= 200 && status < 300) {
            ledger_2xx(t, lg, cls, o.srv);
            if (strstr(r.info, "nextnonce") != NULL &&
                dg_feed(&lg->d, NULL, r.info, lg->method, lg->uri, lg->body,
                        lg->blen) >= 0) {
                lg->t_ref = o.t1;
            }
            return status;
        }
        lg->hlen = 0;
        if (status == 503 && waits++ < 3) {
            nanosleep(&pause, NULL);
            continue;
        }
        if (status != 401 || !r.stale || stale_seen ||
            dg_feed(&lg->d, NULL, r.chal, lg->method, lg->uri, lg->body,
                    lg->blen) < 0) {
            return status;
        }
        stale_seen = true;
        lg->t_ref = o.t1;
    }
}

/* Sends the last accepted request again, byte for byte. */
static void replay(soak_thread *t, sconn *c, const login *lg, const char *cls)
{
    soak_outcome o = {cls, 0, 0, false, false, 0, 0, lg->t_ref, 0, ""};
    h1_resp r;

    tag(&o, lg->head);
    exchange(c, lg->head, lg->hlen, lg->body, lg->blen, false, &r, &o);
    soak_record(t, &o);
}

/* After an accepted request: maybe replay it, on the same connection,
   another one, or the other farm server. */
static void maybe_replays(soak_thread *t, sconn *c, const login *lg)
{
    sconn other = {-1, c->srv, 0};

    if (lg->hlen == 0) {
        return;
    }
    switch (soak_rand(t, 6)) {
    case 0:
        replay(t, c, lg, "replay-same");
        break;
    case 1:
        replay(t, &other, lg, "replay-conn");
        break;
    case 2:
        if (c->srv != 'C') {
            other.srv = c->srv == 'A' ? 'B' : 'A';
            replay(t, &other, lg, "replay-server");
        }
        break;
    default:
        break;
    }
    sc_close(&other);
}

static char pick_server(soak_thread *t)
{
    return (char)('A' + soak_rand(t, SOAK_SERVERS));
}

/* ---- valid logins ----------------------------------------------------- */
/* GETs with one algorithm and qop (auth, or none), keep-alive or a new
   connection per request, or a slow sender. */
static void valid_get(soak_thread *t, const char *cls, bool fresh, bool slow)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    unsigned a = soak_rand(t, N_ALGS + 1);
    char uri[64];
    int n = 2 + (int)soak_rand(t, 4);

    if (a == N_ALGS) {
        snprintf(uri, sizeof(uri), "/none/index.html");
    }
    else {
        snprintf(uri, sizeof(uri), "/alg/%s/index.html", algs[a]);
    }
    login_init(&lg, uri, 0, false);
    if (!challenge(t, &c, &lg, &g_cred_good)) {
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (fresh) {
            sc_close(&c);
        }
        if (authed(t, &c, &lg, cls, slow) / 100 != 2) {
            goto out;
        }
    }
    if (a != N_ALGS) { /* without qop there is no count to replay */
        maybe_replays(t, &c, &lg);
    }
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* qop=auth-int POSTs of up to AuthDigestMaxBody octets. */
static void valid_int(soak_thread *t)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    char uri[64];
    size_t blen = soak_rand(t, 4) == 0
                      ? g_opt.max_body
                      : 1 + soak_rand(t, (unsigned)g_opt.max_body);

    snprintf(uri, sizeof(uri), "/alg/%s/echo", algs[soak_rand(t, N_ALGS)]);
    login_init(&lg, uri, blen, true);
    if (!challenge(t, &c, &lg, &g_cred_good)) {
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        if (authed(t, &c, &lg, "valid-int", false) / 100 != 2) {
            goto out;
        }
    }
    maybe_replays(t, &c, &lg);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* A nonce with 1 s to live, used once, then again after it expired:
   401 stale=true. */
static void expired(soak_thread *t)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    struct timespec ts = {2, 300000000L};

    login_init(&lg, "/short/index.html", 0, false);
    /* valid-short: a valid login with a 1 s nonce, which may expire
       while the client repeats after 503s (then stale=true is right) */
    if (challenge(t, &c, &lg, &g_cred_good) &&
        authed(t, &c, &lg, "valid-short", false) / 100 == 2) {
        sc_close(&c);
        nanosleep(&ts, NULL);
        lg.retry_cls = "valid-short"; /* the fresh nonce's round */
        authed(t, &c, &lg, "expired", false);
    }
    sc_close(&c);
    dg_drop(&lg.d);
}

/* ---- bad credentials -------------------------------------------------- */
/* Credentials the server must refuse with 401 (no stale=true): a wrong
   password, an unknown user (cred), a forged nonce (one character of a
   genuine nonce changed), another realm's nonce (from /other/). */
typedef enum { NONCE_GENUINE, NONCE_FORGED, NONCE_FOREIGN } nonce_kind;

static void bad_login(soak_thread *t, const char *cls, CredHandle *cred,
                      nonce_kind kind)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    char chal[SOAK_CHAL_CAP], other[SOAK_CHAL_CAP], nonce[SOAK_NONCE_CAP];
    size_t mid;

    login_init(&lg, "/alg/md5/index.html", 0, false);
    if (kind == NONCE_FOREIGN &&
        (fetch_challenge(t, &c, "/other/index.html", other, sizeof(other)) ==
             0 ||
         !dg_param(other, "nonce", nonce, sizeof(nonce)))) {
        goto out;
    }
    lg.t_ref = fetch_challenge(t, &c, lg.uri, chal, sizeof(chal));
    if (lg.t_ref == 0) {
        goto out;
    }
    if (kind == NONCE_FORGED) {
        if (!dg_param(chal, "nonce", nonce, sizeof(nonce))) {
            goto out;
        }
        mid = strlen(nonce) / 2;
        nonce[mid] = nonce[mid] == 'A' ? 'B' : 'A';
    }
    if ((kind != NONCE_GENUINE &&
         !dg_swap_nonce(chal, sizeof(chal), nonce)) ||
        dg_feed(&lg.d, cred, chal, lg.method, lg.uri, NULL, 0) < 0) {
        goto out;
    }
    authed(t, &c, &lg, cls, false);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* ---- bad requests and dropped connections ------------------------------ */
/* Sends head (and body) on a new connection and records the answer. */
static void raw(soak_thread *t, const char *cls, const char *head,
                size_t hlen, const char *body, size_t blen)
{
    sconn c = {-1, pick_server(t), 0};
    soak_outcome o = {cls, 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    exchange(&c, head, hlen, body, blen, false, &r, &o);
    o.t_ref = o.t0;
    soak_record(t, &o);
    sc_close(&c);
}

static void bad_request(soak_thread *t, unsigned kind)
{
    char *head = malloc(SOAK_REQ_CAP);
    size_t hlen = 0;

    if (head == NULL) {
        return;
    }
    switch (kind) {
    case 0: /* an Authorization that does not parse: 400 */
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", "/alg/md5/index.html",
                       soak_port('A'), "Digest username=\"soak\", realm=\"so",
                       0, "");
        raw(t, "malformed", head, hlen, NULL, 0);
        break;
    case 1: /* a header line without a colon: 400 */
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", "/alg/md5/index.html",
                       soak_port('A'), NULL, 0, "No colon on this line\r\n");
        raw(t, "malformed", head, hlen, NULL, 0);
        break;
    case 2: { /* a header field over LimitRequestFieldSize: 400 */
        char extra[9100];

        snprintf(extra, sizeof(extra), "X-Soak-Big: %s\r\n", g_big);
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", "/alg/md5/index.html",
                       soak_port('A'), NULL, 0, extra);
        raw(t, "big-header", head, hlen, NULL, 0);
        break;
    }
    default: { /* a request line over LimitRequestLine: 414 */
        char uri[9100];

        snprintf(uri, sizeof(uri), "/alg/md5/%s", g_big);
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", uri, soak_port('A'), NULL,
                       0, "");
        raw(t, "big-uri", head, hlen, NULL, 0);
        break;
    }
    }
    free(head);
}

/* An auth-int POST one octet over AuthDigestMaxBody: 413, answered before
   the body is sent (Expect: 100-continue). */
static void body_over(soak_thread *t)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    soak_outcome o = {"body-over", 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    login_init(&lg, "/alg/md5/echo", g_opt.max_body + 1, true);
    if (!challenge(t, &c, &lg, &g_cred_good) ||
        dg_next(&lg.d, lg.method, lg.uri, lg.body, lg.blen) < 0) {
        goto out;
    }
    lg.hlen = h1_head(lg.head, sizeof(lg.head), "POST", lg.uri,
                      soak_port(c.srv), lg.d.auth, lg.blen,
                      "Expect: 100-continue\r\n");
    o.t_ref = lg.t_ref;
    exchange(&c, lg.head, lg.hlen, NULL, 0, false, &r, &o);
    if (r.status == 100 && c.fd >= 0) { /* then it wants the body */
        if (h1_send(c.fd, lg.body, lg.blen, 0, 0) == 0) {
            h1_read(c.fd, &r);
        }
        o.status = r.status;
        o.stale = r.stale;
        o.t1 = soak_now();
    }
    soak_record(t, &o);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* A connection closed halfway through the head, or through an auth-int
   body: no answer expected; the server must just cope. */
static void drop(soak_thread *t, bool in_body)
{
    sconn c = {-1, pick_server(t), 0};
    login lg;
    soak_outcome o = {in_body ? "drop-body" : "drop-header", 0, -1, false,
                      false, 0, 0, 0, 0, ""};

    login_init(&lg, "/alg/sha-256/echo", 4000, true);
    if (!challenge(t, &c, &lg, &g_cred_good) ||
        dg_next(&lg.d, lg.method, lg.uri, lg.body, lg.blen) < 0) {
        goto out;
    }
    lg.hlen = h1_head(lg.head, sizeof(lg.head), "POST", lg.uri,
                      soak_port(c.srv), lg.d.auth, lg.blen, "");
    o.srv = c.srv;
    o.t0 = soak_now();
    if (c.fd >= 0 || sc_open(&c, c.srv)) {
        if (in_body) {
            h1_send(c.fd, lg.head, lg.hlen, 0, 0);
            h1_send(c.fd, lg.body, lg.blen / 2, 0, 0);
        }
        else {
            h1_send(c.fd, lg.head, lg.hlen / 2, 0, 0);
        }
    }
    o.t1 = o.t_ref = o.t_conn = soak_now();
    soak_record(t, &o);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* ---- the mix --------------------------------------------------------- */
void soak_one_scenario(soak_thread *t)
{
    unsigned r = soak_rand(t, 100);

    pthread_once(&body_once, make_body);
    if (r < 20) {
        valid_get(t, "valid-ka", false, false);
    }
    else if (r < 32) {
        valid_get(t, "valid-new", true, false);
    }
    else if (r < 44) {
        valid_int(t);
    }
    else if (r < 47) {
        valid_get(t, "valid-slow", true, true);
    }
    else if (r < 57) {
        h2_scenario(t, algs[soak_rand(t, N_ALGS)]);
    }
    else if (r < 61) {
        bad_login(t, "forged", &g_cred_good, NONCE_FORGED);
    }
    else if (r < 64) {
        bad_login(t, "foreign", &g_cred_good, NONCE_FOREIGN);
    }
    else if (r < 68) {
        bad_login(t, "wrong-password", &g_cred_badpw, NONCE_GENUINE);
    }
    else if (r < 71) {
        bad_login(t, "unknown-user", &g_cred_nouser, NONCE_GENUINE);
    }
    else if (r < 73) {
        expired(t);
    }
    else if (r < 85) {
        bad_request(t, soak_rand(t, 4));
    }
    else if (r < 89) {
        body_over(t);
    }
    else if (r < 94) {
        drop(t, false);
    }
    else {
        drop(t, true);
    }
}
