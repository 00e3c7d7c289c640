/*
 * module/reuse.h: the results a request leaves for the requests that may
 * reuse them, each valid in its scope only (module/reuse.c).
 */
#ifndef ASD_REUSE_H
#define ASD_REUSE_H

#include <stdatomic.h>

#include "body.h"
#include "scope.h"

typedef struct {
    const char *method;
    const char *target; /* the absolute URL the digest-uri must name */
} asd_request_line;

typedef struct asd_result {
    asd_scope scope;
    const char *user;
    const char *auth_info; /* or NULL */
    /* the replay store that recorded the nonce count, or NULL */
    const SD_NONCE_COUNT_STORE *recorded_in;
    struct asd_result *next;
} asd_result;

/* On the first request of a chain of subrequests and internal redirects:
   its request line (the Authorization was made for it), H(entity-body)
   and the body for auth-int, and the results of each scope. */
typedef struct {
    asd_request_line line;
    char entity_hex[SD_MAX_KEY_HEX + 1];
    asd_body *body;
    asd_result *results;
} asd_top;

/* The request a chain of subrequests and internal redirects began with. */
request_rec *asd_first_request(request_rec *r);
asd_top *asd_top_of(request_rec *first);
const asd_result *asd_top_find(const asd_top *top, const asd_scope *scope);
bool asd_top_recorded(const asd_top *top, const SD_NONCE_COUNT_STORE *store);
void asd_top_add(asd_top *top, asd_result *res);

/* What an h2c Upgrade request leaves on its connection for stream 1. */
typedef struct asd_upgrade asd_upgrade;
typedef struct {
    apr_pool_t *pool;
    _Atomic(asd_upgrade *) kept;
} asd_upgrade_slot;
void asd_upgrade_keep(asd_upgrade_slot *slot, request_rec *r,
                      const asd_result *res, const char *authorization);
bool asd_upgrade_reuse(asd_upgrade_slot *slot, request_rec *r,
                       const asd_scope *scope, const char *authorization);
void asd_reuse_register(void);

#endif
