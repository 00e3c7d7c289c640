/*
 * module/log.h: our log message tags, and client values made fit for a
 * log line (module/log.c).
 */
#ifndef ASD_LOG_H
#define ASD_LOG_H

#include "apr_pools.h"

/* Our log message tags, as httpd's APLOGNO, with our own prefix. */
#define SDLOGNO(n) "SD" #n ": "

/* A client-sent value for a log line: capped and escaped. */
const char *asd_log_value(apr_pool_t *p, const char *s, apr_size_t n);

#endif
