/*
 * uri.c: comparing a digest-uri with the request-target.  No decoding or
 * normalisation: RFC 7616 §3.4.6 compares the URI as sent.
 */
#include "uri.h"

#include <string.h>

/* The path-and-query of an absolute URI ("scheme://authority/path?q"); an
   origin-form or authority-form target is returned whole. */
static sd_view path_and_query(sd_view u)
{
    const char *sep;
    const char *slash;

    if (u.len > 0 && u.p[0] == '/') {
        return u;
    }
    sep = memchr(u.p, ':', u.len);
    if (sep == NULL || (size_t)(u.p + u.len - sep) < 3 ||
        memcmp(sep, "://", 3) != 0) {
        return u;
    }
    sep += 3;
    slash = memchr(sep, '/', (size_t)(u.p + u.len - sep));
    if (slash == NULL) {
        sd_view root = {"/", 1}; /* "http://host" is "http://host/" */
        return root;
    }
    u.len = (size_t)(u.p + u.len - slash);
    u.p = slash;
    return u;
}

static sd_view without_query(sd_view u)
{
    const char *q = memchr(u.p, '?', u.len);

    if (q != NULL) {
        u.len = (size_t)(q - u.p);
    }
    return u;
}

bool sd_uri_matches(sd_view digest_uri, sd_view target, bool ignore_query)
{
    sd_view a = path_and_query(digest_uri);
    sd_view b = path_and_query(target);

    if (sd_view_eq(digest_uri, target) || sd_view_eq(a, b)) {
        return true;
    }
    return ignore_query && memchr(a.p, '?', a.len) == NULL &&
           sd_view_eq(a, without_query(b));
}
