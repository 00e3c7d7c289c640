/*
 * handle.c: the process-wide handle table.  Slots live in chunks that are
 * allocated on demand and never freed or moved, so a lookup reads two
 * atomics without a lock.  A slot's tag changes on every reuse (a global
 * generation counter), so an old handle never names a new object.
 */
#include "handle.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>

#define CHUNK_SLOTS 4096U
#define MAX_CHUNKS 256U /* a million live handles */
#define FREE_END UINT32_MAX

typedef struct {
    _Atomic(uint64_t) tag; /* 0: free; else generation << 8 | kind */
    _Atomic(void *) obj;
    uint32_t next_free;
} slot;

static _Atomic(slot *) chunks[MAX_CHUNKS];
static uint32_t nchunks;
static uint32_t free_head = FREE_END;
static uint64_t generation;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static slot *slot_at(uint64_t index)
{
    slot *chunk;

    if (index >= (uint64_t)MAX_CHUNKS * CHUNK_SLOTS) {
        return NULL;
    }
    chunk = atomic_load_explicit(&chunks[index / CHUNK_SLOTS],
                                 memory_order_acquire);
    return chunk ? &chunk[index % CHUNK_SLOTS] : NULL;
}

/* Adds a chunk to the free list; called with the lock held. */
static bool grow(void)
{
    slot *chunk;

    if (nchunks == MAX_CHUNKS) {
        return false;
    }
    chunk = calloc(CHUNK_SLOTS, sizeof(slot));
    if (chunk == NULL) {
        return false;
    }
    for (uint32_t i = 0; i < CHUNK_SLOTS; i++) {
        chunk[i].next_free =
            i + 1 < CHUNK_SLOTS ? nchunks * CHUNK_SLOTS + i + 1 : free_head;
    }
    free_head = nchunks * CHUNK_SLOTS;
    atomic_store_explicit(&chunks[nchunks], chunk, memory_order_release);
    nchunks++;
    return true;
}

SECURITY_STATUS sd_handle_issue(sd_handle_kind kind, void *obj, SecHandle *h)
{
    uint32_t index;
    uint64_t tag;
    slot *s;

    pthread_mutex_lock(&table_lock);
    if (free_head == FREE_END && !grow()) {
        pthread_mutex_unlock(&table_lock);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    index = free_head;
    s = slot_at(index);
    free_head = s->next_free;
    tag = ++generation << 8 | (uint64_t)kind;
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    atomic_store_explicit(&s->tag, tag, memory_order_release);
    pthread_mutex_unlock(&table_lock);

    /* dwLower is never 0 or all ones: neither a zeroed nor an
       invalidated (SecInvalidateHandle) handle can name a slot. */
    h->dwLower = (ULONG_PTR)index + 1;
    h->dwUpper = (ULONG_PTR)tag;
    return SEC_E_OK;
}

void *sd_handle_lookup(const SecHandle *h, sd_handle_kind kind)
{
    slot *s;
    uint64_t tag;

    if (h == NULL || h->dwLower == 0 || (h->dwUpper & 0xFFU) != kind) {
        return NULL;
    }
    s = slot_at((uint64_t)h->dwLower - 1);
    if (s == NULL) {
        return NULL;
    }
    tag = atomic_load_explicit(&s->tag, memory_order_acquire);
    if (tag == 0 || tag != (uint64_t)h->dwUpper) {
        return NULL;
    }
    return atomic_load_explicit(&s->obj, memory_order_relaxed);
}

void sd_handle_retire(const SecHandle *h)
{
    slot *s;

    if (h == NULL || h->dwLower == 0) {
        return;
    }
    pthread_mutex_lock(&table_lock);
    s = slot_at((uint64_t)h->dwLower - 1);
    if (s != NULL && h->dwUpper != 0 &&
        atomic_load_explicit(&s->tag, memory_order_relaxed) ==
            (uint64_t)h->dwUpper) {
        atomic_store_explicit(&s->tag, 0, memory_order_release);
        atomic_store_explicit(&s->obj, NULL, memory_order_relaxed);
        s->next_free = free_head;
        free_head = (uint32_t)(h->dwLower - 1);
    }
    pthread_mutex_unlock(&table_lock);
}
