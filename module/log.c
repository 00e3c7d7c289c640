/*
 * module/log.c: client values for log lines.  A value a client sent is
 * capped, so that a long one cannot flood the log, and escaped with
 * ap_escape_logitem, since httpd leaves '"' as it is (and a build with
 * AP_UNSAFE_ERROR_LOG_UNESCAPED escapes nothing).  It writes no log line.
 */
#include "log.h"

#include "apr_strings.h"
#include "httpd.h"

const char *asd_log_value(apr_pool_t *p, const char *s, apr_size_t n)
{
    enum { CAP = 64 };
    const char *capped =
        n > CAP ? apr_pstrcat(p, apr_pstrmemdup(p, s, CAP), "...", NULL)
                : apr_pstrmemdup(p, s, n);

    return ap_escape_logitem(p, capped);
}
