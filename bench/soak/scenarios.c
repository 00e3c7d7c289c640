/*
 * scenarios.c: what one soak thread does, one scenario at a time, drawn
 * at random: valid logins (valid.c, h2.c), replays of accepted requests
 * (login.c), bad credentials, bad requests and dropped connections
 * (bad.c).  Every request's outcome is recorded as it came; soak.py
 * decides what was allowed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

const char *const soak_algs[SOAK_N_ALGS] = {"md5",         "md5-sess",
                                            "sha-256",     "sha-256-sess",
                                            "sha-512-256", "sha-512-256-sess"};

static char *g_body;     /* max_body + 1 octets, read-only once made */
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

const char *soak_body(void)
{
    return g_body;
}

const char *soak_big(void)
{
    return g_big;
}

/* ---- the mix --------------------------------------------------------- */
void soak_one_scenario(soak_thread *t)
{
    unsigned r = soak_rand(t, 100);

    pthread_once(&body_once, make_body);
    if (r < 20) {
        soak_valid_get(t, "valid-ka", false, false);
    }
    else if (r < 32) {
        soak_valid_get(t, "valid-new", true, false);
    }
    else if (r < 44) {
        soak_valid_int(t);
    }
    else if (r < 47) {
        soak_valid_get(t, "valid-slow", true, true);
    }
    else if (r < 57) {
        h2_scenario(t, soak_algs[soak_rand(t, SOAK_N_ALGS)]);
    }
    else if (r < 61) {
        soak_bad_login(t, "forged", &g_cred_good, NONCE_FORGED);
    }
    else if (r < 64) {
        soak_bad_login(t, "foreign", &g_cred_good, NONCE_FOREIGN);
    }
    else if (r < 68) {
        soak_bad_login(t, "wrong-password", &g_cred_badpw, NONCE_GENUINE);
    }
    else if (r < 71) {
        soak_bad_login(t, "unknown-user", &g_cred_nouser, NONCE_GENUINE);
    }
    else if (r < 73) {
        soak_expired(t);
    }
    else if (r < 85) {
        soak_bad_request(t, soak_rand(t, 4));
    }
    else if (r < 89) {
        soak_body_over(t);
    }
    else if (r < 94) {
        soak_drop(t, false);
    }
    else {
        soak_drop(t, true);
    }
}
