/*
 * scenario.h: what the scenario files of the soak client share (login.c:
 * connections, a login through the engine, replays; valid.c and bad.c:
 * the scenarios; scenarios.c: the mix).
 */
#ifndef SOAK_SCENARIO_H
#define SOAK_SCENARIO_H

#include "soak.h"

/* The locations soak.py configures: /alg/KEY/ per algorithm (qop auth and
   auth-int; POSTs go to .../echo), /none/ (MD5 without qop), /short/
   (a 1 s nonce lifetime), /other/ (another realm). */
#define SOAK_N_ALGS 6
extern const char *const soak_algs[SOAK_N_ALGS];

const char *soak_body(void); /* max_body + 1 octets of request body */
const char *soak_big(void);  /* 9000 octets, over httpd's 8190 limits */

/* ---- connections (login.c) ------------------------------------------- */
typedef struct {
    int fd;
    char srv;
    double t_conn;
} sconn;

bool sc_open(sconn *c, char srv);
void sc_close(sconn *c);
/* Sends head and body (a slow sender with slow), reads the response; a
   connection that failed or was closed by the server is closed, so the
   next request opens another.  Fills o's times and status. */
void sc_exchange(sconn *c, const char *head, size_t hlen, const char *body,
                 size_t blen, bool slow, h1_resp *r, soak_outcome *o);
char soak_pick_server(soak_thread *t);

/* ---- a login through the engine (login.c) ---------------------------- */
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

void lg_init(login *lg, const char *uri, size_t blen, bool integ);
double lg_fetch_challenge(soak_thread *t, sconn *c, const char *uri, char *chal,
                          size_t cap);
bool lg_challenge(soak_thread *t, sconn *c, login *lg, CredHandle *cred);
int lg_authed(soak_thread *t, sconn *c, login *lg, const char *cls, bool slow);
void lg_maybe_replays(soak_thread *t, sconn *c, const login *lg);

/* ---- the scenarios (valid.c, bad.c) ---------------------------------- */
void soak_valid_get(soak_thread *t, const char *cls, bool fresh, bool slow);
void soak_valid_int(soak_thread *t);
void soak_expired(soak_thread *t);

typedef enum { NONCE_GENUINE, NONCE_FORGED, NONCE_FOREIGN } nonce_kind;
void soak_bad_login(soak_thread *t, const char *cls, CredHandle *cred,
                    nonce_kind kind);
void soak_bad_request(soak_thread *t, unsigned kind);
void soak_body_over(soak_thread *t);
void soak_drop(soak_thread *t, bool in_body);

#endif
