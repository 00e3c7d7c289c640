/*
 * module/body.c: request bodies for qop=auth-int.  The body is read whole
 * (up to AuthDigestMaxBody) before the handler runs, so it can be hashed and
 * the response verified.  It is read below the request's own input filters
 * (from the protocol's, which undo the transfer coding: RFC 7616's
 * entity-body), and handed back by a filter that sits just above the
 * protocol's: every request filter of the location (DEFLATE, Sed, charset
 * filters, whether added before or after authentication) sees it once, as it
 * would without auth-int.  What no handler has read yet passes on to
 * internal redirects.  Nothing reaches a handler unless the request was
 * authenticated.
 */
#include "body.h"

#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"
#include "util_filter.h"

#define REPLAY_FILTER "SSPIDIGEST_BODY"

/* The body of a request, as not yet read by any handler: shared by the
   replay filters of the request and of its internal redirects. */
struct asd_body {
    apr_bucket_brigade *rest;
};

static ap_filter_rec_t *replay_handle;

int asd_body_read(request_rec *r, apr_off_t max, asd_body **out, char **data,
                  apr_size_t *len)
{
    apr_bucket_brigade *bb =
        apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_bucket_brigade *all =
        apr_brigade_create(r->pool, r->connection->bucket_alloc);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t total = 0;
    int seen_eos = 0;
    asd_body *body;

    if (cl != NULL && apr_atoi64(cl) > max) {
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    while (!seen_eos) {
        apr_status_t rv =
            ap_get_brigade(r->proto_input_filters, bb, AP_MODE_READBYTES,
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
    body = apr_palloc(r->pool, sizeof(*body));
    body->rest = all;
    *out = body;
    return OK;
}

/* Returns the saved body as the filters above ask for it. */
static apr_status_t replay_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                  ap_input_mode_t mode, apr_read_type_e block,
                                  apr_off_t readbytes)
{
    apr_bucket_brigade *saved = ((asd_body *)f->ctx)->rest;
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

void asd_body_replay(request_rec *r, asd_body *body)
{
    /* Its type puts it below every request filter and above the
       protocol's, whose part of the body it has taken. */
    ap_add_input_filter_handle(replay_handle, body, r, r->connection);
}

void asd_body_register(void)
{
    replay_handle =
        ap_register_input_filter(REPLAY_FILTER, replay_filter, NULL,
                                 (ap_filter_type)(AP_FTYPE_PROTOCOL - 1));
}
