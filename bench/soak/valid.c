/*
 * valid.c: the soak's valid logins: GETs with every algorithm and qop on
 * keep-alive connections, on a new connection per request and from a slow
 * sender; auth-int POSTs up to AuthDigestMaxBody; a nonce used after its
 * 1 s lifetime.  Accepted requests may be replayed (login.c).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

/* ---- valid logins ----------------------------------------------------- */
/* GETs with one algorithm and qop (auth, or none), keep-alive or a new
   connection per request, or a slow sender. */
void soak_valid_get(soak_thread *t, const char *cls, bool fresh, bool slow)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    unsigned a = soak_rand(t, SOAK_N_ALGS + 1);
    char uri[64];
    int n = 2 + (int)soak_rand(t, 4);

    if (a == SOAK_N_ALGS) {
        snprintf(uri, sizeof(uri), "/none/index.html");
    }
    else {
        snprintf(uri, sizeof(uri), "/alg/%s/index.html", soak_algs[a]);
    }
    lg_init(&lg, uri, 0, false);
    if (!lg_challenge(t, &c, &lg, &g_cred_good)) {
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (fresh) {
            sc_close(&c);
        }
        if (lg_authed(t, &c, &lg, cls, slow) / 100 != 2) {
            goto out;
        }
    }
    if (a != SOAK_N_ALGS) { /* without qop there is no count to replay */
        lg_maybe_replays(t, &c, &lg);
    }
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* qop=auth-int POSTs of up to AuthDigestMaxBody octets. */
void soak_valid_int(soak_thread *t)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    char uri[64];
    size_t blen = soak_rand(t, 4) == 0
                      ? g_opt.max_body
                      : 1 + soak_rand(t, (unsigned)g_opt.max_body);

    snprintf(uri, sizeof(uri), "/alg/%s/echo",
             soak_algs[soak_rand(t, SOAK_N_ALGS)]);
    lg_init(&lg, uri, blen, true);
    if (!lg_challenge(t, &c, &lg, &g_cred_good)) {
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        if (lg_authed(t, &c, &lg, "valid-int", false) / 100 != 2) {
            goto out;
        }
    }
    lg_maybe_replays(t, &c, &lg);
out:
    sc_close(&c);
    dg_drop(&lg.d);
}

/* A nonce with 1 s to live, used once, then again after it expired:
   401 stale=true. */
void soak_expired(soak_thread *t)
{
    sconn c = {-1, soak_pick_server(t), 0};
    login lg;
    struct timespec ts = {2, 300000000L};

    lg_init(&lg, "/short/index.html", 0, false);
    /* valid-short: a valid login with a 1 s nonce, which may expire
       while the client repeats after 503s (then stale=true is right) */
    if (lg_challenge(t, &c, &lg, &g_cred_good) &&
        lg_authed(t, &c, &lg, "valid-short", false) / 100 == 2) {
        sc_close(&c);
        nanosleep(&ts, NULL);
        lg.retry_cls = "valid-short"; /* the fresh nonce's round */
        lg_authed(t, &c, &lg, "expired", false);
    }
    sc_close(&c);
    dg_drop(&lg.d);
}
