/*
 * login.c: the soak client's connections and logins: a request and its
 * response on a blocking connection, a challenge handed to the engine,
 * authenticated requests repeated as a client would (after a 503, after a
 * stale round), and replays of an accepted request.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

/* ---- connections ------------------------------------------------------- */
bool sc_open(sconn *c, char srv)
{
    c->srv = srv;
    c->t_conn = soak_now();
    c->fd = h1_connect(soak_port(srv));
    return c->fd >= 0;
}

void sc_close(sconn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
}

/* Sends head and body (a slow sender with slow), reads the response; a
   connection that failed or was closed by the server is closed here, so
   the next request opens another.  Fills o's times and status. */
void sc_exchange(sconn *c, const char *head, size_t hlen, const char *body,
                 size_t blen, bool slow, h1_resp *r, soak_outcome *o)
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
void lg_init(login *lg, const char *uri, size_t blen, bool integ)
{
    memset(lg, 0, sizeof(*lg));
    snprintf(lg->uri, sizeof(lg->uri), "%s", uri);
    lg->method = blen > 0 || integ ? "POST" : "GET";
    lg->body = blen > 0 || integ ? soak_body() : NULL;
    lg->blen = blen;
    lg->d.integrity = integ;
}

/* A request without credentials; it must get a challenge, copied into
   chal (cap octets).  Returns when the challenge was obtained, or 0. */
double lg_fetch_challenge(soak_thread *t, sconn *c, const char *uri, char *chal,
                          size_t cap)
{
    char head[1024];
    size_t hlen =
        h1_head(head, sizeof(head), "GET", uri, soak_port(c->srv), NULL, 0, "");
    soak_outcome o = {"challenge", 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    sc_exchange(c, head, hlen, NULL, 0, false, &r, &o);
    o.t_ref = o.t1;
    soak_record(t, &o);
    if (r.status != 401 || r.chal[0] == '\0') {
        return 0;
    }
    snprintf(chal, cap, "%s", r.chal);
    return o.t1;
}

/* The first round of a login: the challenge goes to a new context. */
bool lg_challenge(soak_thread *t, sconn *c, login *lg, CredHandle *cred)
{
    char chal[SOAK_CHAL_CAP];

    lg->t_ref = lg_fetch_challenge(t, c, lg->uri, chal, sizeof(chal));
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
int lg_authed(soak_thread *t, sconn *c, login *lg, const char *cls, bool slow)
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
            (lg->hlen = h1_head(lg->head, sizeof(lg->head), lg->method, lg->uri,
                                soak_port(c->srv), lg->d.auth, lg->blen, "")) ==
                0) {
            o.cls = "client-error";
            soak_record(t, &o);
            return -1;
        }
        tag(&o, lg->d.auth);
        sc_exchange(c, lg->head, lg->hlen, lg->body, lg->blen, slow, &r, &o);
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
    sc_exchange(c, lg->head, lg->hlen, lg->body, lg->blen, false, &r, &o);
    soak_record(t, &o);
}

/* After an accepted request: maybe replay it, on the same connection,
   another one, or the other farm server. */
void lg_maybe_replays(soak_thread *t, sconn *c, const login *lg)
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

char soak_pick_server(soak_thread *t)
{
    return (char)('A' + soak_rand(t, SOAK_SERVERS));
}
