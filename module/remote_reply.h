/*
 * module/remote_reply.h: reading what a server of a replay store sends
 * back (module/remote_reply.c): the generation record's value, a line of
 * Redis's INFO or memcached's stats, the replies to the Redis round trip
 * of module/redis.c (as hiredis decoded them) and the text replies of the
 * memcached start-up check in module/memcache.c.  Nothing here uses httpd
 * or a socket, so t/fuzz/fuzz_remote_reply.c can feed it hostile octets.
 */
#ifndef ASD_REMOTE_REPLY_H
#define ASD_REMOTE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

/* A generation record's value: 16 lower-case hex digits. */
#define ASD_GENERATION_HEX 16

/* The generation in a record's value (len octets, not NUL-terminated):
   false when it is not 16 lower-case hex digits or is 0. */
bool asd_remote_parse_generation(const char *value, size_t len, uint64_t *out);

/* The number of line `name` in a server's statistics (len octets, not
   NUL-terminated): Redis's INFO ("name:value" lines, sep ':') or
   memcached's stats ("STAT name value" lines: prefix "STAT ", sep ' ').
   False when there is no such line or its value is not a decimal number
   that fits. */
bool asd_remote_stat_field(const char *text, size_t len, const char *prefix,
                           const char *name, char sep, int64_t *out);

/* The value of `field` in a NUL-terminated INFO reply ("field:value"
   lines): a pointer into info and its length in *len, or NULL. */
const char *asd_redis_info_field(const char *info, const char *field,
                                 size_t *len);

/* The replies to the pipelined "SET key 1 NX EX ttl" and "GET generation"
   of one round trip.  NULL when both are understood: *added (SET wrote
   the record) and *has_gen (GET found a generation record, get->str).
   Otherwise why not, into why (n octets), for the outage log line. */
const char *asd_redis_read_pair(const redisReply *set, const redisReply *get,
                                bool *added, bool *has_gen, char *why,
                                size_t n);

/* Whether the NUL-terminated buf holds a complete line ("\r\n") that
   starts with `start`. */
bool asd_mc_has_line(const char *buf, const char *start);

/* The data of a memcached "get" reply in the NUL-terminated buf
   ("VALUE <key> <flags> <bytes>\r\n<data>\r\nEND\r\n"): a pointer into
   buf and its length (up to the next CR or LF), or NULL when buf does not
   start with a VALUE line. */
const char *asd_mc_value(const char *buf, size_t *len);

#endif
