/*
 * module/status.c: the replay stores on mod_status's page (server-status)
 * under ExtendedStatus On, as mod_ssl and mod_proxy_balancer add theirs.
 * For each store of the configuration: its size, records and evictions;
 * the requests it accepted, refused as replays, answered stale and left
 * to a 503 (it could not be used); and when it last could not be used.
 * The ?auto form has the same as "Key: value" lines whose names do not
 * change (README, "Server status").  Everything is read from the stores
 * when the page is drawn (SD_NONCE_COUNT_STORE.Stats): nothing here runs
 * for any other request.  It counts nothing itself.
 */
#include "status.h"

#include <string.h>

#include "httpd.h"
#include "http_protocol.h"
/* after httpd.h, which brings the APR-util declarations they need */
#include "apr_optional_hooks.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "mod_status.h"

#include "nonce.h"

/* One store's figures; with no Stats entry (or a failing one), every
   figure is -1. */
static void read_stats(const asd_store_entry *e, SD_NONCE_COUNT_STORE_STATS *st)
{
    memset(st, 0, sizeof(*st));
    st->Version = SD_NONCE_COUNT_STORE_STATS_VERSION;
    if (e->store->Stats == NULL ||
        e->store->Stats(e->store->pvStore,
                        (int64_t)apr_time_sec(apr_time_now()),
                        st) != SEC_E_OK) {
        st->Size = st->Capacity = st->LiveRecords = st->Evictions = -1;
        st->Accepted = st->Replays = st->Stale = st->Unavailable = -1;
        st->LastOutage = -1;
    }
}

/* ?auto: "SspiDigestStore[i]Key: value", the mod_proxy_balancer form. */
static void auto_lines(request_rec *r, int i, const asd_store_entry *e,
                       const SD_NONCE_COUNT_STORE_STATS *st)
{
    const struct {
        const char *key;
        int64_t value;
    } figures[] = {
        {"Size", st->Size},
        {"Capacity", st->Capacity},
        {"LiveRecords", st->LiveRecords},
        {"Evictions", st->Evictions},
        {"Accepted", st->Accepted},
        {"Replays", st->Replays},
        {"Stale", st->Stale},
        {"Unavailable", st->Unavailable},
        {"LastOutage", st->LastOutage},
    };

    ap_rprintf(r, "SspiDigestStore[%d]Name: %s\n", i, e->name);
    ap_rprintf(r, "SspiDigestStore[%d]Type: %s\n", i, e->type);
    for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]); k++) {
        ap_rprintf(r, "SspiDigestStore[%d]%s: %" APR_INT64_T_FMT "\n", i,
                   figures[k].key, figures[k].value);
    }
}

static void html_cell(request_rec *r, int64_t v)
{
    if (v < 0) {
        ap_rputs("<td>-</td>", r);
    }
    else {
        ap_rprintf(r, "<td>%" APR_INT64_T_FMT "</td>", v);
    }
}

static void html_row(request_rec *r, const asd_store_entry *e,
                     const SD_NONCE_COUNT_STORE_STATS *st)
{
    ap_rvputs(r, "<tr><td>", ap_escape_html(r->pool, e->name), "</td>", NULL);
    html_cell(r, st->Size);
    html_cell(r, st->Capacity);
    html_cell(r, st->LiveRecords);
    html_cell(r, st->Evictions);
    html_cell(r, st->Accepted);
    html_cell(r, st->Replays);
    html_cell(r, st->Stale);
    html_cell(r, st->Unavailable);
    if (st->LastOutage > 0) {
        ap_rvputs(r, "<td>",
                  ap_ht_time(r->pool, apr_time_from_sec(st->LastOutage),
                             "%Y-%m-%d %H:%M:%S %Z", 1),
                  "</td>", NULL);
    }
    else {
        ap_rputs(st->LastOutage == 0 ? "<td>never</td>" : "<td>-</td>", r);
    }
    ap_rputs("</tr>\n", r);
}

static const char html_head[] =
    "<hr />\n<h2>Digest replay stores (mod_auth_sspidigest)</h2>\n"
    "<table border=\"0\"><tr><th>Store</th><th>Size</th><th>Capacity</th>"
    "<th>Live</th><th>Evicted</th><th>Accepted</th><th>Replays</th>"
    "<th>Stale</th><th>503</th><th>Last outage</th></tr>\n";

static const char html_legend[] =
    "</table>\n<table>\n"
    "<tr><th>Size</th><td>octets the store takes (Redis: used_memory; "
    "memcached: bytes)</td></tr>\n"
    "<tr><th>Capacity</th><td>records the table can hold</td></tr>\n"
    "<tr><th>Live</th><td>records of nonces not yet expired (Redis, "
    "memcached: every key they hold)</td></tr>\n"
    "<tr><th>Evicted</th><td>records dropped before their nonce expired"
    "</td></tr>\n"
    "<tr><th>Accepted</th><td>nonce counts accepted</td></tr>\n"
    "<tr><th>Replays</th><td>nonce counts refused as used before</td></tr>\n"
    "<tr><th>Stale</th><td>nonces the store could not vouch for "
    "(answered stale=true)</td></tr>\n"
    "<tr><th>503</th><td>requests answered 503: the store could not be "
    "used</td></tr>\n"
    "</table>\n";

static int status_hook(request_rec *r, int flags)
{
    apr_array_header_t *stores;

    if (!(flags & AP_STATUS_EXTENDED)) {
        return OK;
    }
    stores = asd_nonce_stores(r->pool);
    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r, "SspiDigestStores: %d\n", stores->nelts);
    }
    else {
        ap_rputs(html_head, r);
    }
    for (int i = 0; i < stores->nelts; i++) {
        const asd_store_entry *e = &APR_ARRAY_IDX(stores, i, asd_store_entry);
        SD_NONCE_COUNT_STORE_STATS st;

        read_stats(e, &st);
        if (flags & AP_STATUS_SHORT) {
            auto_lines(r, i, e, &st);
        }
        else {
            html_row(r, e, &st);
        }
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs(html_legend, r);
    }
    return OK;
}

void asd_status_register(void)
{
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
