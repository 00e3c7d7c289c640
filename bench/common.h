/*
 * common.h: what the bench clients share (bench/load.c, bench/timing.c,
 * bench/engine_bench.c and the soak client in bench/soak/), so that a fix
 * to one of them reaches all.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>

#include "sspi.h"

/* The callgrind client requests when valgrind's header is there; without
   it the --callgrind modes still build and run, only without the dumps. */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(x) ((void)(x))
#define CALLGRIND_TOGGLE_COLLECT
#endif

/* Outbound (client) credentials of the engine for user and password, as
   an ANSI identity; the status of AcquireCredentialsHandle. */
SECURITY_STATUS bench_client_cred(const char *user, const char *password,
                                  CredHandle *cred);

/* The value of header `name` (any case) when line, len bytes without its
   CR LF, is that header, with *vlen its length; else NULL. */
const char *bench_header_value(const char *line, size_t len, const char *name,
                               size_t *vlen);

/* Length of a complete chunked body at buf, trailer included, else 0
   (-1 malformed). */
long bench_chunked_len(const char *buf, size_t len);

/* Appends v to a CR LF separated list in the string dst of cap bytes; a
   value that does not fit whole is dropped. */
void bench_append_value(char *dst, size_t cap, const char *v, size_t vl);

#endif
