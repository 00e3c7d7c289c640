/*
 * mod_auth_sspidigest_body.c: request bodies for qop=auth-int.  The body
 * is read whole (up to AuthDigestMaxBody) before the handler runs, so it
 * can be hashed and the response verified; an input filter put at the
 * head of the chain then hands the handler exactly those octets.  Nothing
 * reaches a handler unless the request was authenticated.
 */
#include "mod_auth_sspidigest.h"

#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_filter.h"

APLOG_USE_MODULE(auth_sspidigest);

#define REPLAY_FILTER "SSPIDIGEST_BODY"

static ap_filter_rec_t *replay_handle;

int asd_body_read(request_rec *r, apr_off_t max, apr_bucket_brigade **out,
                  char **data, apr_size_t *len)
{
    apr_bucket_brigade *bb =
        apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_bucket_brigade *all =
        apr_brigade_create(r->pool, r->connection->bucket_alloc);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t total = 0;
    int seen_eos = 0;

    if (cl != NULL && apr_atoi64(cl) > max) {
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    while (!seen_eos) {
        apr_status_t rv =
            ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                           APR_BLOCK_READ, HUGE_STRING_LEN);

        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        for (apr_bucket *b = APR_BRIGADE_FIRST(bb);
             b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
            }
        }
        APR_BRIGADE_CONCAT(all, bb);
        if (apr_brigade_length(all, 1, &total) != APR_SUCCESS) {
            return HTTP_BAD_REQUEST;
        }
        if (total > max) {
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    *len = (apr_size_t)total;
    if (apr_brigade_pflatten(all, data, len, r->pool) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* keep the octets themselves: the buckets read may be transient */
    apr_brigade_cleanup(all);
    APR_BRIGADE_INSERT_TAIL(
        all, apr_bucket_pool_create(*data, *len, r->pool,
                                    r->connection->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(all,
                            apr_bucket_eos_create(r->connection->bucket_alloc));
    *out = all;
    return OK;
}

/* Returns the saved body as the handler asks for it. */
static apr_status_t replay_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                  ap_input_mode_t mode, apr_read_type_e block,
                                  apr_off_t readbytes)
{
    apr_bucket_brigade *saved = f->ctx;
    apr_bucket *split = NULL;

    (void)block;
    if (APR_BRIGADE_EMPTY(saved)) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_GETLINE) {
        return apr_brigade_split_line(bb, saved, APR_BLOCK_READ,
                                      HUGE_STRING_LEN);
    }
    if (mode == AP_MODE_SPECULATIVE) {
        for (apr_bucket *b = APR_BRIGADE_FIRST(saved);
             b != APR_BRIGADE_SENTINEL(saved); b = APR_BUCKET_NEXT(b)) {
            apr_bucket *copy;

            apr_bucket_copy(b, &copy);
            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_READBYTES &&
        apr_brigade_partition(saved, readbytes, &split) == APR_SUCCESS &&
        split != APR_BRIGADE_SENTINEL(saved)) {
        apr_bucket_brigade *rest = apr_brigade_split(saved, split);

        APR_BRIGADE_CONCAT(bb, saved);
        APR_BRIGADE_CONCAT(saved, rest);
        return APR_SUCCESS;
    }
    APR_BRIGADE_CONCAT(bb, saved);
    return APR_SUCCESS;
}

void asd_body_replay(request_rec *r, apr_bucket_brigade *bb)
{
    ap_filter_t *f =
        ap_add_input_filter_handle(replay_handle, bb, r, r->connection);
    ap_filter_t **link = &r->input_filters;

    /* The body was read through the whole chain: the replay must come
       before every other filter, or one would process it twice. */
    while (*link != NULL && *link != f) {
        link = &(*link)->next;
    }
    if (*link == f && f != r->input_filters) {
        *link = f->next;
        f->next = r->input_filters;
        r->input_filters = f;
    }
}

void asd_body_register(void)
{
    replay_handle = ap_register_input_filter(REPLAY_FILTER, replay_filter, NULL,
                                             AP_FTYPE_RESOURCE);
}
