/*
 * nc_table.c: the replay table described in nc_table.h.  A bucket's lock
 * is a pthread mutex inside the table; in shared memory it is
 * process-shared and robust, so a child that dies holding it does not
 * wedge the others: the survivor empties that bucket and raises its floor,
 * which can only turn acceptances into "stale" answers.
 *
 * Each bucket also counts what it answered (accepted, replays, stale) and
 * the records it evicted, under the lock it takes anyway; the status page
 * sums the buckets (sd_nc_table_stats).  The counts live in the table, so
 * they last as long as its records: across processes, graceful restarts
 * and reloads of the engine.
 */
#include "nc_table.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define TABLE_MAGIC UINT64_C(0x5344434e54424c34) /* "SDCNTBL4" */
#define WINDOW_WORDS (SD_NC_WINDOW / 64)
#define ID_LEN 16
#define TAG_AT 8 /* octets 0..7 choose the bucket */

/* 64 octets.  The highest count of each slot sits in the bucket, beside
   the tags: in the slot it would leave 4 octets of padding, and the eight
   paddings pay for the bucket's counts. */
typedef struct {
    unsigned char id[ID_LEN];
    int64_t issued;
    int64_t expires;             /* 0: free */
    uint64_t seen[WINDOW_WORDS]; /* bit d: count top - d was accepted */
} nc_slot;

/* What a bucket answered since the table was formatted. */
typedef struct {
    uint64_t accepted;  /* SEC_E_OK */
    uint64_t replays;   /* SEC_E_OUT_OF_SEQUENCE */
    uint64_t stale;     /* SEC_E_CONTEXT_EXPIRED */
    uint64_t evictions; /* live records dropped to make room */
} nc_counts;

/* A lookup reads the tags beside the lock and then touches only the slot
   whose tag matches: with a million live nonces every slot is a cache miss,
   and scanning eight of them cost more than the rest of a verification. */
typedef struct {
    pthread_mutex_t lock;
    int64_t floor;
    uint32_t tag[SD_NC_BUCKET_SLOTS]; /* id octets 8..11 of each slot */
    uint32_t top[SD_NC_BUCKET_SLOTS]; /* each slot's highest count */
    nc_counts counts;
    nc_slot slots[SD_NC_BUCKET_SLOTS];
} nc_bucket;

struct sd_nc_table {
    uint64_t magic;
    uint64_t generation;
    uint32_t nbuckets;
    uint32_t reserved;
    /* Answers "store unavailable" (a bucket lock that failed), and the
       time of the last one: atomic, as no lock is held then. */
    uint64_t unavailable;
    int64_t last_unavailable;
    nc_bucket buckets[];
};

/* Nonces fall into buckets at random, so a bucket fills before the table
   does: with 1.5 slots per nonce, about 97% of a full load stays held. */
size_t sd_nc_table_size(uint32_t nonces)
{
    size_t slots = (size_t)nonces + nonces / 2;
    size_t nbuckets = (slots + SD_NC_BUCKET_SLOTS - 1) / SD_NC_BUCKET_SLOTS;

    if (nbuckets == 0) {
        nbuckets = 1;
    }
    return sizeof(sd_nc_table) + nbuckets * sizeof(nc_bucket);
}

static bool init_lock(pthread_mutex_t *lock, bool shared)
{
    pthread_mutexattr_t attr;
    bool ok = pthread_mutexattr_init(&attr) == 0;

    if (ok && shared) {
        ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
             pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0;
    }
    ok = ok && pthread_mutex_init(lock, &attr) == 0;
    pthread_mutexattr_destroy(&attr);
    return ok;
}

/* The buckets that fit in size octets; 0 when not even one does. */
static size_t buckets_in(const void *mem, size_t size)
{
    size_t nbuckets;

    if (mem == NULL || size < sizeof(sd_nc_table) + sizeof(nc_bucket) ||
        (uintptr_t)mem % sizeof(uint64_t) != 0) {
        return 0;
    }
    nbuckets = (size - sizeof(sd_nc_table)) / sizeof(nc_bucket);
    return nbuckets > UINT32_MAX ? UINT32_MAX : nbuckets;
}

sd_nc_table *sd_nc_table_init(void *mem, size_t size, bool shared,
                              uint64_t generation)
{
    sd_nc_table *t = mem;
    size_t nbuckets = buckets_in(mem, size);

    if (nbuckets == 0 || generation == 0) {
        return NULL;
    }
    memset(mem, 0, sizeof(sd_nc_table) + nbuckets * sizeof(nc_bucket));
    for (size_t i = 0; i < nbuckets; i++) {
        if (!init_lock(&t->buckets[i].lock, shared)) {
            return NULL;
        }
    }
    t->nbuckets = (uint32_t)nbuckets;
    t->generation = generation;
    t->magic = TABLE_MAGIC;
    return t;
}

sd_nc_table *sd_nc_table_attach(void *mem, size_t size)
{
    sd_nc_table *t = mem;
    size_t nbuckets = buckets_in(mem, size);

    if (nbuckets == 0 || t->magic != TABLE_MAGIC || t->nbuckets != nbuckets ||
        t->generation == 0) {
        return NULL;
    }
    return t;
}

uint64_t sd_nc_table_generation(const sd_nc_table *t)
{
    return t != NULL && t->magic == TABLE_MAGIC ? t->generation : 0;
}

/* Locks a bucket; after a holder died mid-update, forgets its records. */
static bool lock_bucket(nc_bucket *b, int64_t now)
{
    int rc = pthread_mutex_lock(&b->lock);

    if (rc == EOWNERDEAD) {
        memset(b->tag, 0, sizeof(b->tag));
        memset(b->top, 0, sizeof(b->top));
        memset(b->slots, 0, sizeof(b->slots));
        b->floor = now;
        rc = pthread_mutex_consistent(&b->lock);
    }
    return rc == 0;
}

/* Moves the window (seen, with its highest count *top) up so that count
   `nc` is its newest entry. */
static void window_advance(uint64_t seen[WINDOW_WORDS], uint32_t *top,
                           uint32_t nc)
{
    uint32_t shift = nc - *top;

    if (shift >= SD_NC_WINDOW) {
        memset(seen, 0, WINDOW_WORDS * sizeof(seen[0]));
    }
    else {
        uint32_t words = shift / 64, bits = shift % 64;

        for (int i = WINDOW_WORDS - 1; i >= 0; i--) {
            int from = i - (int)words;
            uint64_t v = from >= 0 ? seen[from] << bits : 0;

            if (bits && from - 1 >= 0) {
                v |= seen[from - 1] >> (64 - bits);
            }
            seen[i] = v;
        }
    }
    *top = nc;
}

static SECURITY_STATUS window_check_and_set(uint64_t seen[WINDOW_WORDS],
                                            uint32_t *top, uint32_t nc)
{
    uint32_t d;

    if (nc > *top) {
        window_advance(seen, top, nc);
    }
    d = *top - nc;
    if (d >= SD_NC_WINDOW) {
        return SEC_E_OUT_OF_SEQUENCE; /* too old to vouch for */
    }
    if (seen[d / 64] >> (d % 64) & 1U) {
        return SEC_E_OUT_OF_SEQUENCE;
    }
    seen[d / 64] |= UINT64_C(1) << (d % 64);
    return SEC_E_OK;
}

static uint32_t tag_of(const unsigned char *id)
{
    uint32_t tag;

    memcpy(&tag, id + TAG_AT, sizeof(tag));
    return tag;
}

static nc_slot *find_slot(nc_bucket *b, const unsigned char *id, int64_t now)
{
    uint32_t tag = tag_of(id);

    for (int i = 0; i < SD_NC_BUCKET_SLOTS; i++) {
        nc_slot *s = &b->slots[i];

        if (b->tag[i] == tag && s->expires >= now &&
            memcmp(s->id, id, ID_LEN) == 0) {
            return s;
        }
    }
    return NULL;
}

static bool slot_live(const nc_slot *s, int64_t now)
{
    return s->expires != 0 && s->expires >= now;
}

/* A free or expired slot, else the one holding the oldest nonce, whose
   issue time then becomes the bucket's floor. */
static nc_slot *claim_slot(nc_bucket *b, int64_t now)
{
    nc_slot *oldest = &b->slots[0];

    for (int i = 0; i < SD_NC_BUCKET_SLOTS; i++) {
        nc_slot *s = &b->slots[i];

        if (!slot_live(s, now)) {
            return s;
        }
        if (s->issued < oldest->issued) {
            oldest = s;
        }
    }
    if (oldest->issued > b->floor) {
        b->floor = oldest->issued;
    }
    b->counts.evictions++;
    return oldest;
}

static nc_bucket *bucket_of(const sd_nc_table *t, const unsigned char *id)
{
    uint64_t key;

    memcpy(&key, id, sizeof(key));
    return (nc_bucket *)(uintptr_t)&t->buckets[key % t->nbuckets];
}

void sd_nc_table_prefetch(const sd_nc_table *t, const unsigned char *id,
                          size_t id_len)
{
    const char *b;

    if (t == NULL || t->magic != TABLE_MAGIC || id_len != ID_LEN) {
        return;
    }
    b = (const char *)bucket_of(t, id);
    for (size_t off = 0; off < sizeof(nc_bucket); off += 64) {
        __builtin_prefetch(b + off, 1);
    }
}

/* Checks and records count nc of nonce `id` in its bucket, locked. */
static SECURITY_STATUS bucket_check_and_set(nc_bucket *b,
                                            const unsigned char *id,
                                            int64_t issued, int64_t expires,
                                            int64_t now, uint32_t nc)
{
    nc_slot *s = find_slot(b, id, now);
    size_t i;

    if (s != NULL) {
        i = (size_t)(s - b->slots);
        if (expires > s->expires) {
            s->expires = expires; /* keep it while any caller may accept */
        }
        return window_check_and_set(s->seen, &b->top[i], nc);
    }
    if (issued <= b->floor) {
        return SEC_E_CONTEXT_EXPIRED; /* its record may have been evicted */
    }
    s = claim_slot(b, now);
    i = (size_t)(s - b->slots);
    b->tag[i] = tag_of(id);
    b->top[i] = nc;
    memcpy(s->id, id, ID_LEN);
    s->issued = issued;
    s->expires = expires;
    memset(s->seen, 0, sizeof(s->seen));
    s->seen[0] = 1;
    return SEC_E_OK;
}

static void count(nc_counts *c, SECURITY_STATUS st)
{
    switch (st) {
    case SEC_E_OK:
        c->accepted++;
        break;
    case SEC_E_OUT_OF_SEQUENCE:
        c->replays++;
        break;
    case SEC_E_CONTEXT_EXPIRED:
        c->stale++;
        break;
    default:
        break;
    }
}

SECURITY_STATUS sd_nc_table_check_and_set(sd_nc_table *t,
                                          const unsigned char *id,
                                          size_t id_len, int64_t issued,
                                          int64_t expires, int64_t now,
                                          uint32_t nc, uint64_t generation)
{
    nc_bucket *b;
    SECURITY_STATUS st;

    if (t == NULL || t->magic != TABLE_MAGIC || id_len != ID_LEN || nc == 0) {
        return SEC_E_INTERNAL_ERROR;
    }
    b = bucket_of(t, id);
    if (!lock_bucket(b, now)) {
        __atomic_fetch_add(&t->unavailable, 1, __ATOMIC_RELAXED);
        __atomic_store_n(&t->last_unavailable, now, __ATOMIC_RELAXED);
        return SEC_E_NO_AUTHENTICATING_AUTHORITY;
    }
    /* A nonce minted for another table is stale; it is counted under the
       lock of the bucket its id falls in, like every other answer. */
    st = generation != t->generation
             ? SEC_E_CONTEXT_EXPIRED
             : bucket_check_and_set(b, id, issued, expires, now, nc);
    count(&b->counts, st);
    pthread_mutex_unlock(&b->lock);
    return st;
}

void sd_nc_table_stats(sd_nc_table *t, int64_t now, sd_nc_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (t == NULL || t->magic != TABLE_MAGIC) {
        return;
    }
    out->size = sizeof(sd_nc_table) + t->nbuckets * sizeof(nc_bucket);
    out->capacity = (uint64_t)t->nbuckets * SD_NC_BUCKET_SLOTS;
    out->unavailable = __atomic_load_n(&t->unavailable, __ATOMIC_RELAXED);
    out->last_unavailable =
        __atomic_load_n(&t->last_unavailable, __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        nc_bucket *b = &t->buckets[i];

        if (!lock_bucket(b, now)) {
            continue; /* counted when requests meet it */
        }
        out->accepted += b->counts.accepted;
        out->replays += b->counts.replays;
        out->stale += b->counts.stale;
        out->evictions += b->counts.evictions;
        for (int k = 0; k < SD_NC_BUCKET_SLOTS; k++) {
            out->live += slot_live(&b->slots[k], now);
        }
        pthread_mutex_unlock(&b->lock);
    }
}
