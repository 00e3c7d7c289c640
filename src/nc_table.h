/*
 * nc_table.h: which nonce counts of each live nonce were accepted, in one
 * block of memory with no pointers inside, so the same table works in a
 * process's heap or in shared memory mapped by many processes.
 *
 * Nonces fall into buckets by their identity (a MAC, so uniformly spread
 * and unforgeable); each bucket has its own lock and a few slots.  A slot
 * keeps a sliding window of SD_NC_WINDOW counts below the highest one
 * seen, so counts may arrive out of order but each is accepted once.
 * When a bucket is full the record with the oldest nonce is evicted and
 * the bucket remembers that issue time as its floor: a nonce issued at or
 * before the floor that has no record may have been evicted, so it is
 * answered "stale", never accepted again.
 *
 * Each table has a random generation, fixed when it is formatted: nonces
 * carry the generation of the table they were minted for, and a nonce of
 * any other generation (another table, or this table's memory formatted
 * anew) is answered "stale" too, since its counts may have been recorded
 * where this table cannot see them.
 *
 * Each bucket counts its answers and evictions under its lock, so that
 * counting costs the request path no more than a few additions.
 */
#ifndef SD_NC_TABLE_H
#define SD_NC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sspi.h"

#define SD_NC_WINDOW 256
#define SD_NC_BUCKET_SLOTS 8

typedef struct sd_nc_table sd_nc_table;

/* Octets for a table meant to hold `nonces` live nonces: 1.5 record slots
   each, since random bucket placement fills some buckets early. */
size_t sd_nc_table_size(uint32_t nonces);

/* Formats mem (size octets, from sd_nc_table_size) as an empty table of
   the given generation (not 0); with `shared`, its locks work across
   processes.  NULL on failure. */
sd_nc_table *sd_nc_table_init(void *mem, size_t size, bool shared,
                              uint64_t generation);

/* The table that sd_nc_table_init formatted in mem (size octets), or NULL
   when mem holds none of that size. */
sd_nc_table *sd_nc_table_attach(void *mem, size_t size);

uint64_t sd_nc_table_generation(const sd_nc_table *t);

/* Pulls the bucket of nonce `id` into the CPU cache (a hint; no lock,
   no effect on the table). */
void sd_nc_table_prefetch(const sd_nc_table *t, const unsigned char *id,
                          size_t id_len);

/* The SD_NONCE_COUNT_STORE CheckAndSet contract (sspi.h). */
SECURITY_STATUS sd_nc_table_check_and_set(sd_nc_table *t,
                                          const unsigned char *id,
                                          size_t id_len, int64_t issued,
                                          int64_t expires, int64_t now,
                                          uint32_t nc, uint64_t generation);

/* What a table answered since it was formatted, and how full it is. */
typedef struct {
    uint64_t size;      /* octets of the table */
    uint64_t capacity;  /* record slots */
    uint64_t live;      /* slots holding a nonce not expired at `now` */
    uint64_t evictions; /* live records dropped to make room */
    /* sd_nc_table_check_and_set's answers SEC_E_OK, SEC_E_OUT_OF_SEQUENCE,
       SEC_E_CONTEXT_EXPIRED and SEC_E_NO_AUTHENTICATING_AUTHORITY */
    uint64_t accepted, replays, stale, unavailable;
    int64_t last_unavailable; /* `now` of the last unavailable; 0: none */
} sd_nc_stats;

/* Sums the counts of every bucket, taking each one's lock in turn: for a
   status page, not for the request path. */
void sd_nc_table_stats(sd_nc_table *t, int64_t now, sd_nc_stats *out);

#endif
