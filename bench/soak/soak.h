/*
 * soak.h: the soak load client (bench/soak/), shared between its files.
 *
 * The client runs scenarios (valid logins, replays, bad requests, dropped
 * connections) from several threads against three httpds and writes one
 * line per request into a results file and one line per accepted
 * (nonce, nc) into a ledger file; bench/soak/soak.py classifies them
 * against the faults it injected.
 */
#ifndef SOAK_H
#define SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../common.h"
#include "sspi.h"

#define SOAK_AUTH_CAP 4096 /* one Authorization value */
#define SOAK_CHAL_CAP 4096 /* WWW-Authenticate values, CR LF separated */
#define SOAK_INFO_CAP 1024 /* one Authentication-Info value */
#define SOAK_NONCE_CAP 256 /* one nonce */
#define SOAK_REQ_CAP 32768 /* a request head */
#define SOAK_SERVERS 3     /* A and B share Redis; C is on shared memory */

/* ---- options (client.c) ---------------------------------------------- */
typedef struct {
    int port[SOAK_SERVERS];
    double seconds;
    int threads;
    size_t max_body;    /* the servers' AuthDigestMaxBody */
    const char *outdir; /* results.N and ledger.N go there */
    unsigned seed;
} soak_opts;
extern soak_opts g_opt;

extern CredHandle g_cred_good, g_cred_badpw, g_cred_nouser;

double soak_now(void); /* seconds since 1970, CLOCK_REALTIME */

/* ---- one thread's output (client.c) ---------------------------------- */
typedef struct {
    FILE *results;
    FILE *ledger;
    unsigned rnd;
} soak_thread;

/* One request's outcome.  status: the HTTP status, 0 when the connection
   was lost before a whole response, -1 when no answer was expected.
   t_ref: when the nonce was obtained (stale and replay rules); t_conn:
   when the connection was opened (a fault must fall in its lifetime for
   a lost connection to count as interrupted). */
typedef struct {
    const char *cls;
    char srv;
    int status;
    bool stale;
    bool retry; /* the repeat after a stale=true round */
    double t0, t1, t_ref, t_conn;
    char tag[SOAK_NONCE_CAP + 24]; /* "nonce/nc" sent, or empty */
} soak_outcome;

void soak_record(soak_thread *t, const soak_outcome *o);
void soak_ledger(soak_thread *t, const char *nonce, const char *nc,
                 const char *cls, char srv);
unsigned soak_rand(soak_thread *t, unsigned n); /* 0 .. n-1 */
int soak_port(char srv);

/* ---- HTTP/1.1 on blocking sockets (http1.c) -------------------------- */
typedef struct {
    int status; /* 0: no complete response */
    bool stale; /* a challenge carried stale=true */
    bool close; /* Connection: close */
    size_t got; /* octets of response read */
    char chal[SOAK_CHAL_CAP];
    char info[SOAK_INFO_CAP];
} h1_resp;

int h1_connect(int port); /* a socket, or -1 */
/* Sends all of buf; with piece > 0, in pieces of that size, pause_ms
   apart (a slow sender).  0, or -1 when the connection failed. */
int h1_send(int fd, const char *buf, size_t len, size_t piece, int pause_ms);
/* Reads one response; 0 when complete, -1 when the connection failed or
   timed out first (r->got says whether anything came). */
int h1_read(int fd, h1_resp *r);
/* Writes a request head into out; auth may be NULL; extra: more header
   lines (each ending CR LF) or "".  Returns its length, 0 if too long. */
size_t h1_head(char *out, size_t cap, const char *method, const char *uri,
               int port, const char *auth, size_t body_len, const char *extra);

/* ---- Digest through InitializeSecurityContext (digest.c) ------------- */
typedef struct {
    CtxtHandle ctx;
    bool has;
    bool integrity; /* ask for qop=auth-int */
    char auth[SOAK_AUTH_CAP];
    size_t auth_len;
} dg_ctx;

int dg_acquire(CredHandle *cred, const char *user, const char *password);
/* Hands challenges (or an Authentication-Info value) to the context;
   starts the context when it has none.  SEC_E_OK-ish or an error. */
SECURITY_STATUS dg_feed(dg_ctx *d, CredHandle *cred, const char *token,
                        const char *method, const char *uri, const char *body,
                        size_t body_len);
/* The next Authorization value into d->auth. */
SECURITY_STATUS dg_next(dg_ctx *d, const char *method, const char *uri,
                        const char *body, size_t body_len);
void dg_drop(dg_ctx *d);
/* Copies the value of parameter `name` of a Digest header (quotes
   removed) into out; false when absent or too long. */
bool dg_param(const char *hdr, const char *name, char *out, size_t cap);
/* Replaces the nonce of the challenges in chal with `nonce` (in place,
   within cap).  false when there is no nonce or no room. */
bool dg_swap_nonce(char *chal, size_t cap, const char *nonce);

/* ---- HTTP/2 with prior knowledge (h2.c) ------------------------------ */
void h2_scenario(soak_thread *t, const char *uri);

/* ---- the scenarios (scenarios.c) ------------------------------------- */
void soak_one_scenario(soak_thread *t);

#endif
