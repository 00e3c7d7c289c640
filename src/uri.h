/*
 * uri.h: does a Digest response's digest-uri name the request's target
 * (RFC 7616 §3.4.6)?  The forms of a request-target (origin, absolute,
 * authority) are compared by their path-and-query, so a client that sends
 * the absolute URI of a request made in origin form still matches; when
 * both name a host, scheme, host and port must agree as well.
 */
#ifndef SD_URI_H
#define SD_URI_H

#include <stdbool.h>

#include "params.h"

/* With ignore_query, a digest-uri without a query also matches a target
   that has one (old MSIE clients; httpd's AuthDigestEnableQueryStringHack). */
bool sd_uri_matches(sd_view digest_uri, sd_view target, bool ignore_query);

#endif
