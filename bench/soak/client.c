/*
 * client.c: the soak load client's main: options, threads, and the two
 * files each thread writes.
 *
 *   soak-client -A PORT -B PORT -C PORT -d SECONDS -T THREADS -m MAXBODY
 *               -o OUTDIR [-s SEED]
 *
 * Each thread runs scenarios (scenarios.c) one after another until the
 * time is up; each has its own connections, so THREADS connections are
 * open at once.  OUTDIR/results.N gets one line per request:
 *   class server status stale retry t0 t1 t_ref t_conn nonce/nc
 * and OUTDIR/ledger.N one line per 2xx that carried a nonce count:
 *   nonce nc class server
 * bench/soak/soak.py judges both against the faults it injected.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>

#include "soak.h"

soak_opts g_opt = {{0, 0, 0}, 60, 12, 65536, ".", 1};
CredHandle g_cred_good, g_cred_badpw, g_cred_nouser;
static double g_end;

double soak_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

unsigned soak_rand(soak_thread *t, unsigned n)
{
    return n ? (unsigned)rand_r(&t->rnd) % n : 0;
}

int soak_port(char srv)
{
    return g_opt.port[srv - 'A'];
}

void soak_record(soak_thread *t, const soak_outcome *o)
{
    fprintf(t->results, "%s %c %d %d %d %.6f %.6f %.6f %.6f %s\n", o->cls,
            o->srv, o->status, o->stale, o->retry, o->t0, o->t1, o->t_ref,
            o->t_conn, o->tag[0] ? o->tag : "-");
}

void soak_ledger(soak_thread *t, const char *nonce, const char *nc,
                 const char *cls, char srv)
{
    fprintf(t->ledger, "%s %s %s %c\n", nonce, nc, cls, srv);
}

static FILE *open_out(const char *name, int i)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.%d", g_opt.outdir, name, i);
    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    return f;
}

typedef struct {
    int index;
    soak_thread t;
} worker;

static void *run(void *arg)
{
    worker *w = arg;

    w->t.results = open_out("results", w->index);
    w->t.ledger = open_out("ledger", w->index);
    w->t.rnd = g_opt.seed * 7919u + (unsigned)w->index;
    while (soak_now() < g_end) {
        soak_one_scenario(&w->t);
    }
    fclose(w->t.results);
    fclose(w->t.ledger);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: soak-client -A PORT -B PORT -C PORT -d SECONDS "
                    "-T THREADS -m MAXBODY -o OUTDIR [-s SEED]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    int c;

    while ((c = getopt(argc, argv, "A:B:C:d:T:m:o:s:")) != -1) {
        switch (c) {
        case 'A':
        case 'B':
        case 'C':
            g_opt.port[c - 'A'] = atoi(optarg);
            break;
        case 'd':
            g_opt.seconds = atof(optarg);
            break;
        case 'T':
            g_opt.threads = atoi(optarg);
            break;
        case 'm':
            g_opt.max_body = (size_t)atol(optarg);
            break;
        case 'o':
            g_opt.outdir = optarg;
            break;
        case 's':
            g_opt.seed = (unsigned)atol(optarg);
            break;
        default:
            usage();
        }
    }
    if (g_opt.port[0] <= 0 || g_opt.port[1] <= 0 || g_opt.port[2] <= 0 ||
        g_opt.threads <= 0 || g_opt.threads > 256 || g_opt.max_body == 0 ||
        g_opt.max_body > (64u << 20)) {
        usage();
    }
}

int main(int argc, char **argv)
{
    worker *ws;
    pthread_t *tids;

    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    if (apr_initialize() != APR_SUCCESS ||
        dg_acquire(&g_cred_good, "soak", "soak password") != 0 ||
        dg_acquire(&g_cred_badpw, "soak", "not the password") != 0 ||
        dg_acquire(&g_cred_nouser, "nobody-here", "soak password") != 0) {
        fprintf(stderr, "soak-client: cannot set up the engine\n");
        return 1;
    }
    g_end = soak_now() + g_opt.seconds;
    ws = calloc((size_t)g_opt.threads, sizeof(*ws));
    tids = calloc((size_t)g_opt.threads, sizeof(*tids));
    if (ws == NULL || tids == NULL) {
        return 1;
    }
    for (int i = 0; i < g_opt.threads; i++) {
        ws[i].index = i;
        pthread_create(&tids[i], NULL, run, &ws[i]);
    }
    for (int i = 0; i < g_opt.threads; i++) {
        pthread_join(tids[i], NULL);
    }
    FreeCredentialsHandle(&g_cred_good);
    FreeCredentialsHandle(&g_cred_badpw);
    FreeCredentialsHandle(&g_cred_nouser);
    free(ws);
    free(tids);
    return 0;
}
