/*
 * bad.c: the soak's bad requests: credentials to refuse (wrong password,
 * unknown user, forged or foreign nonce), requests that break the syntax
 * or httpd's limits, a body over AuthDigestMaxBody, and connections
 * dropped halfway.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

/* ---- bad credentials -------------------------------------------------- */
/* Credentials the server must refuse with 401 (no stale=true): a wrong
   password, an unknown user (cred), a forged nonce (one character of a
   genuine nonce changed), another realm's nonce (from /other/). */
void soak_bad_login(soak_thread *t, const char *cls, CredHandle *cred,
                    nonce_kind kind)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    char chal[SOAK_CHAL_CAP], other[SOAK_CHAL_CAP], nonce[SOAK_NONCE_CAP];
    size_t mid;

    lg_init(&lg, "/alg/md5/index.html", 0, false);
    if (kind == NONCE_FOREIGN &&
        (lg_fetch_challenge(t, &c, "/other/index.html", other, sizeof(other)) ==
             0 ||
         !dg_param(other, "nonce", nonce, sizeof(nonce)))) {
        goto out;
    }
    lg.t_ref = lg_fetch_challenge(t, &c, lg.uri, chal, sizeof(chal));
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
    if ((kind != NONCE_GENUINE && !dg_swap_nonce(chal, sizeof(chal), nonce)) ||
        dg_feed(&lg.d, cred, chal, lg.method, lg.uri, NULL, 0) < 0) {
        goto out;
    }
    lg_authed(t, &c, &lg, cls, false);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* ---- bad requests and dropped connections ------------------------------ */
/* Sends head (and body) on a new connection and records the answer. */
static void raw(soak_thread *t, const char *cls, const char *head, size_t hlen,
                const char *body, size_t blen)
{
    sconn c = {-1, soak_pick_server(t), 0};
    soak_outcome o = {cls, 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    sc_exchange(&c, head, hlen, body, blen, false, &r, &o);
    o.t_ref = o.t0;
    soak_record(t, &o);
    sc_close(&c);
}

void soak_bad_request(soak_thread *t, unsigned kind)
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

        snprintf(extra, sizeof(extra), "X-Soak-Big: %s\r\n", soak_big());
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", "/alg/md5/index.html",
                       soak_port('A'), NULL, 0, extra);
        raw(t, "big-header", head, hlen, NULL, 0);
        break;
    }
    default: { /* a request line over LimitRequestLine: 414 */
        char uri[9100];

        snprintf(uri, sizeof(uri), "/alg/md5/%s", soak_big());
        hlen = h1_head(head, SOAK_REQ_CAP, "GET", uri, soak_port('A'), NULL, 0,
                       "");
        raw(t, "big-uri", head, hlen, NULL, 0);
        break;
    }
    }
    free(head);
}

/* An auth-int POST one octet over AuthDigestMaxBody: 413, answered before
   the body is sent (Expect: 100-continue). */
void soak_body_over(soak_thread *t)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    soak_outcome o = {"body-over", 0, 0, false, false, 0, 0, 0, 0, ""};
    h1_resp r;

    lg_init(&lg, "/alg/md5/echo", g_opt.max_body + 1, true);
    if (!lg_challenge(t, &c, &lg, &g_cred_good) ||
        dg_next(&lg.d, lg.method, lg.uri, lg.body, lg.blen) < 0) {
        goto out;
    }
    lg.hlen =
        h1_head(lg.head, sizeof(lg.head), "POST", lg.uri, soak_port(c.srv),
                lg.d.auth, lg.blen, "Expect: 100-continue\r\n");
    o.t_ref = lg.t_ref;
    sc_exchange(&c, lg.head, lg.hlen, NULL, 0, false, &r, &o);
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
void soak_drop(soak_thread *t, bool in_body)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    soak_outcome o = {in_body ? "drop-body" : "drop-header",
                      0,
                      -1,
                      false,
                      false,
                      0,
                      0,
                      0,
                      0,
                      ""};

    lg_init(&lg, "/alg/sha-256/echo", 4000, true);
    if (!lg_challenge(t, &c, &lg, &g_cred_good) ||
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
