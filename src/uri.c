/*
 * uri.c: comparing a digest-uri with the request-target.  Paths and
 * queries are compared as sent (RFC 7616 §3.4.6); when both sides name a
 * host, scheme and authority must agree too, host case-insensitively and
 * with the scheme's default port implied.
 */
#include "uri.h"

#include <string.h>
#include <strings.h>

/* The parts of an absolute URI; scheme.p is NULL for other forms. */
typedef struct {
    sd_view scheme;
    sd_view host;
    sd_view port; /* empty: the scheme's default */
} uri_authority;

static uri_authority authority_of(sd_view u)
{
    uri_authority a = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    const char *sep = memchr(u.p, ':', u.len);
    const char *start, *end, *colon;

    if (u.len == 0 || u.p[0] == '/' || sep == NULL ||
        (size_t)(u.p + u.len - sep) < 3 || memcmp(sep, "://", 3) != 0) {
        return a;
    }
    start = sep + 3;
    end = memchr(start, '/', (size_t)(u.p + u.len - start));
    if (end == NULL) {
        end = u.p + u.len;
    }
    colon = memchr(start, ':', (size_t)(end - start));
    a.scheme.p = u.p;
    a.scheme.len = (size_t)(sep - u.p);
    a.host.p = start;
    a.host.len = (size_t)((colon ? colon : end) - start);
    if (colon != NULL) {
        a.port.p = colon + 1;
        a.port.len = (size_t)(end - colon - 1);
    }
    return a;
}

static sd_view port_or_default(const uri_authority *a)
{
    sd_view http = {"80", 2}, https = {"443", 3};

    if (a->port.len > 0) {
        return a->port;
    }
    return sd_view_eq_ci(a->scheme, "https") ? https : http;
}

static bool same_authority(sd_view x, sd_view y)
{
    uri_authority a = authority_of(x), b = authority_of(y);

    if (a.scheme.p == NULL || b.scheme.p == NULL) {
        return true; /* one side names no host: nothing to compare */
    }
    return a.scheme.len == b.scheme.len &&
           strncasecmp(a.scheme.p, b.scheme.p, a.scheme.len) == 0 &&
           a.host.len == b.host.len &&
           strncasecmp(a.host.p, b.host.p, a.host.len) == 0 &&
           sd_view_eq(port_or_default(&a), port_or_default(&b));
}

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

    if (sd_view_eq(digest_uri, target)) {
        return true;
    }
    if (!same_authority(digest_uri, target)) {
        return false;
    }
    return sd_view_eq(a, b) ||
           (ignore_query && memchr(a.p, '?', a.len) == NULL &&
            sd_view_eq(a, without_query(b)));
}
