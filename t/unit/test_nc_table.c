/*
 * test_nc_table.c: the replay table: each count once, out of order within
 * the window, eviction answered stale and never accepted twice, expiry,
 * generations, attaching, one table shared by processes, and the counts a
 * status page reads (Stats).
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nc_table.h"

#define GEN UINT64_C(0x5eed)

static void id_of(unsigned n, unsigned char id[16])
{
    memset(id, 0, 16);
    memcpy(id, &n, sizeof(n));
    id[15] = (unsigned char)(n * 7);
}

static sd_nc_table *table(size_t nonces, void **mem)
{
    size_t size = sd_nc_table_size((uint32_t)nonces);
    sd_nc_table *t;

    *mem = aligned_alloc(8, (size + 7) / 8 * 8);
    t = sd_nc_table_init(*mem, size, false, GEN);
    assert_non_null(t);
    return t;
}

static SECURITY_STATUS use(sd_nc_table *t, unsigned nonce, int64_t issued,
                           uint32_t nc)
{
    unsigned char id[16];

    id_of(nonce, id);
    return sd_nc_table_check_and_set(t, id, 16, issued, issued + 300, issued,
                                     nc, GEN);
}

static void once_each_and_window(void **state)
{
    void *mem;
    sd_nc_table *t = table(64, &mem);

    (void)state;
    assert_status(use(t, 1, 100, 5), SEC_E_OK);
    assert_status(use(t, 1, 100, 5), SEC_E_OUT_OF_SEQUENCE);
    assert_status(use(t, 1, 100, 3), SEC_E_OK);
    assert_status(use(t, 1, 100, 4), SEC_E_OK);
    assert_status(use(t, 1, 100, 3), SEC_E_OUT_OF_SEQUENCE);
    assert_status(use(t, 1, 100, 300), SEC_E_OK);
    assert_status(use(t, 1, 100, 5), SEC_E_OUT_OF_SEQUENCE);
    /* 300 - 256 = 44: counts at or below fall out of the window */
    assert_status(use(t, 1, 100, 44), SEC_E_OUT_OF_SEQUENCE);
    assert_status(use(t, 1, 100, 45), SEC_E_OK);
    assert_status(use(t, 1, 100, 45), SEC_E_OUT_OF_SEQUENCE);
    /* bits survive shifts of every size */
    for (uint32_t nc = 301; nc < 2000; nc += 63) {
        assert_status(use(t, 1, 100, nc), SEC_E_OK);
        assert_status(use(t, 1, 100, nc - 63 + 1), SEC_E_OK);
        assert_status(use(t, 1, 100, nc), SEC_E_OUT_OF_SEQUENCE);
    }
    /* another nonce has its own counts */
    assert_status(use(t, 2, 100, 5), SEC_E_OK);
    assert_status(use(t, 0, 100, 0), SEC_E_INTERNAL_ERROR);
    free(mem);
}

/* A full bucket evicts its oldest nonce; that nonce is then stale, never
   accepted again, while newer ones still work. */
static void eviction_is_stale_never_accepted(void **state)
{
    void *mem;
    sd_nc_table *t = table(0, &mem); /* one bucket */

    (void)state;
    for (unsigned n = 0; n < SD_NC_BUCKET_SLOTS; n++) {
        assert_status(use(t, n, 100 + n, 1), SEC_E_OK);
    }
    assert_status(use(t, 99, 200, 1), SEC_E_OK); /* evicts nonce 0 */
    assert_status(use(t, 0, 100, 1), SEC_E_CONTEXT_EXPIRED);
    assert_status(use(t, 0, 100, 2), SEC_E_CONTEXT_EXPIRED);
    assert_status(use(t, 1, 101, 1), SEC_E_OUT_OF_SEQUENCE);
    assert_status(use(t, 1, 101, 2), SEC_E_OK);
    free(mem);
}

static void expired_records_are_reused(void **state)
{
    void *mem;
    sd_nc_table *t = table(0, &mem); /* one bucket */
    unsigned char id[16];

    (void)state;
    for (unsigned n = 0; n < SD_NC_BUCKET_SLOTS; n++) {
        assert_status(use(t, n, 100, 1), SEC_E_OK);
    }
    /* at time 1000 every record above has expired: no eviction floor */
    id_of(50, id);
    assert_status(sd_nc_table_check_and_set(t, id, 16, 990, 1290, 1000, 1, GEN),
                  SEC_E_OK);
    id_of(51, id);
    assert_status(sd_nc_table_check_and_set(t, id, 16, 50, 1290, 1000, 1, GEN),
                  SEC_E_OK);
    free(mem);
}

/* A store in anonymous shared memory, as the module makes one: the
   processes forked after this share it. */
static void *shared_store(size_t size, SD_NONCE_COUNT_STORE *store)
{
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    assert_true(mem != MAP_FAILED);
    assert_status(SdNonceCountStoreInit(mem, size, SD_STORE_SHARED, store),
                  SEC_E_OK);
    return mem;
}

static void child_succeeded(pid_t child)
{
    int status = 0;

    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* One table in shared memory, used by two processes. */
static void shared_between_processes(void **state)
{
    size_t size = sd_nc_table_size(1024);
    SD_NONCE_COUNT_STORE store;
    void *mem = shared_store(size, &store);
    pid_t child;
    unsigned char id[16];
    uint64_t gen;

    (void)state;
    gen = store.Generation(store.pvStore);
    id_of(7, id);
    child = fork();
    if (child == 0) {
        SECURITY_STATUS st =
            store.CheckAndSet(store.pvStore, id, 16, 100, 400, 100, 9, gen);
        _exit(st == SEC_E_OK ? 0 : 1);
    }
    child_succeeded(child);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, 100, 400, 100, 9, gen),
        SEC_E_OUT_OF_SEQUENCE);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, 100, 400, 100, 8, gen),
        SEC_E_OK);
    munmap(mem, size);
}

/* A new table has a new generation: nonces minted for any other table
   (or for this memory before it was formatted again) are stale, never
   accepted, while nonces of its own generation work from its first second
   on. */
static void generations(void **state)
{
    size_t size = SdNonceCountStoreSize(64);
    void *mem = aligned_alloc(8, (size + 7) / 8 * 8);
    SD_NONCE_COUNT_STORE store;
    unsigned char id[16];
    int64_t now = (int64_t)time(NULL);
    uint64_t first, second;

    (void)state;
    assert_status(SdNonceCountStoreInit(mem, size, 0, &store), SEC_E_OK);
    first = store.Generation(store.pvStore);
    assert_true(first != 0);
    id_of(1, id);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, now, now + 300, now, 1, first),
        SEC_E_OK);
    /* formatted again, as after a restart: the old records are gone */
    assert_status(
        SdNonceCountStoreInit(mem, size, SD_STORE_START_FRESH, &store),
        SEC_E_OK);
    second = store.Generation(store.pvStore);
    assert_true(second != 0 && second != first);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, now, now + 300, now, 1, first),
        SEC_E_CONTEXT_EXPIRED);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, now, now + 300, now, 1, 0),
        SEC_E_CONTEXT_EXPIRED);
    /* a nonce minted in the table's first second, for this table */
    id_of(2, id);
    assert_status(store.CheckAndSet(store.pvStore, id, 16, now, now + 300, now,
                                    1, second),
                  SEC_E_OK);
    assert_status(store.CheckAndSet(store.pvStore, id, 16, now, now + 300, now,
                                    1, second),
                  SEC_E_OUT_OF_SEQUENCE);
    free(mem);
}

/* Attach gives a second view of a formatted table (another process, or a
   reloaded copy of the engine): same generation, same records.  Memory
   that holds no table of that size is refused. */
static void attach(void **state)
{
    size_t size = SdNonceCountStoreSize(64);
    void *mem = aligned_alloc(8, (size + 7) / 8 * 8);
    SD_NONCE_COUNT_STORE a, b;
    unsigned char id[16];
    uint64_t gen;

    (void)state;
    memset(mem, 0x5a, size);
    assert_status(SdNonceCountStoreAttach(mem, size, &b),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreInit(mem, size, SD_STORE_SHARED, &a),
                  SEC_E_OK);
    assert_status(SdNonceCountStoreAttach(mem, size, &b), SEC_E_OK);
    assert_status(SdNonceCountStoreAttach(mem, size - 4096, &b),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreAttach(NULL, size, &b),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreAttach(mem, size, NULL),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreAttach(mem, size, &b), SEC_E_OK);
    gen = a.Generation(a.pvStore);
    assert_true(b.Generation(b.pvStore) == gen);
    id_of(3, id);
    assert_status(a.CheckAndSet(a.pvStore, id, 16, 100, 400, 100, 4, gen),
                  SEC_E_OK);
    assert_status(b.CheckAndSet(b.pvStore, id, 16, 100, 400, 100, 4, gen),
                  SEC_E_OUT_OF_SEQUENCE);
    free(mem);
}

/* A record lives as long as the longest expiry any caller gave for its
   nonce: a short-lived first use does not let a count recorded for a
   longer-lived use be accepted again after the short expiry. */
static void record_lives_for_the_longest_expiry(void **state)
{
    void *mem;
    sd_nc_table *t = table(0, &mem);
    unsigned char id[16];

    (void)state;
    id_of(9, id);
    assert_status(sd_nc_table_check_and_set(t, id, 16, 100, 160, 100, 1, GEN),
                  SEC_E_OK);
    assert_status(sd_nc_table_check_and_set(t, id, 16, 100, 3700, 110, 2, GEN),
                  SEC_E_OK);
    assert_status(sd_nc_table_check_and_set(t, id, 16, 100, 3700, 1000, 2, GEN),
                  SEC_E_OUT_OF_SEQUENCE);
    free(mem);
}

/* A store sized for n holds nearly all of n live nonces. */
static void holds_what_it_is_sized_for(void **state)
{
    enum { N = 20000 };
    size_t size = SdNonceCountStoreSize(N);
    void *mem = aligned_alloc(8, (size + 7) / 8 * 8);
    SD_NONCE_COUNT_STORE store;
    unsigned held = 0;
    unsigned seed = 7;
    uint64_t gen;

    (void)state;
    assert_status(SdNonceCountStoreInit(mem, size, 0, &store), SEC_E_OK);
    gen = store.Generation(store.pvStore);
    for (unsigned n = 0; n < N; n++) {
        unsigned char id[16];

        for (int i = 0; i < 16; i++) {
            seed = seed * 1103515245 + 12345;
            id[i] = (unsigned char)(seed >> 16);
        }
        store.CheckAndSet(store.pvStore, id, 16, 100 + n, 100000, 100, 1, gen);
    }
    seed = 7;
    for (unsigned n = 0; n < N; n++) {
        unsigned char id[16];

        for (int i = 0; i < 16; i++) {
            seed = seed * 1103515245 + 12345;
            id[i] = (unsigned char)(seed >> 16);
        }
        /* still held: the count is known; evicted: stale */
        if (store.CheckAndSet(store.pvStore, id, 16, 100 + n, 100000, 100, 1,
                              gen) == SEC_E_OUT_OF_SEQUENCE) {
            held++;
        }
    }
    print_message("held %u of %u\n", held, N);
    assert_true(held >= N * 95 / 100);
    free(mem);
}

static void store_init_checks(void **state)
{
    SD_NONCE_COUNT_STORE store;
    uint64_t small[4];

    (void)state;
    assert_status(SdNonceCountStoreInit(small, sizeof(small), 0, &store),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreInit(NULL, 4096, 0, &store),
                  SEC_E_INVALID_PARAMETER);
    assert_status(SdNonceCountStoreInit(small, sizeof(small), 0x80, &store),
                  SEC_E_INVALID_PARAMETER);
    /* the size grows linearly with the number of nonces: 123 octets each,
       as sspi.h says */
    assert_true(SdNonceCountStoreSize(1000000) / 1000000 <= 123);
}

/* What a status page reads: each answer counted once, evictions, live
   records at a given time; reading changes nothing. */
static void stats_count_each_answer(void **state)
{
    void *mem;
    sd_nc_table *t = table(0, &mem); /* one bucket */
    unsigned char id[16];
    sd_nc_stats st;

    (void)state;
    sd_nc_table_stats(t, 100, &st);
    assert_true(st.capacity == SD_NC_BUCKET_SLOTS);
    assert_true(st.size > 0 && st.size <= sd_nc_table_size(0));
    assert_true(st.live == 0 && st.evictions == 0 && st.accepted == 0 &&
                st.replays == 0 && st.stale == 0 && st.unavailable == 0 &&
                st.last_unavailable == 0);
    for (unsigned n = 0; n < SD_NC_BUCKET_SLOTS; n++) {
        assert_status(use(t, n, 100 + n, 1), SEC_E_OK);
    }
    assert_status(use(t, 99, 200, 1), SEC_E_OK); /* evicts nonce 0 */
    assert_status(use(t, 1, 101, 1), SEC_E_OUT_OF_SEQUENCE);
    assert_status(use(t, 1, 101, 2), SEC_E_OK);
    assert_status(use(t, 0, 100, 2), SEC_E_CONTEXT_EXPIRED); /* evicted */
    id_of(5, id); /* minted for another table */
    assert_status(
        sd_nc_table_check_and_set(t, id, 16, 105, 405, 105, 9, GEN + 1),
        SEC_E_CONTEXT_EXPIRED);
    assert_status(use(t, 3, 103, 0), SEC_E_INTERNAL_ERROR); /* not counted */
    for (int twice = 0; twice < 2; twice++) {
        sd_nc_table_stats(t, 200, &st);
        assert_true(st.accepted == SD_NC_BUCKET_SLOTS + 2);
        assert_true(st.replays == 1);
        assert_true(st.stale == 2);
        assert_true(st.evictions == 1);
        assert_true(st.unavailable == 0);
        assert_true(st.live == SD_NC_BUCKET_SLOTS);
    }
    /* nonces 1..7 expire at 401..407 (4..7 live at 404), nonce 99 at 500 */
    sd_nc_table_stats(t, 404, &st);
    assert_true(st.live == 5);
    sd_nc_table_stats(t, 501, &st);
    assert_true(st.live == 0 && st.accepted == SD_NC_BUCKET_SLOTS + 2);
    /* an expired record's slot is reused without an eviction */
    assert_status(use(t, 42, 600, 1), SEC_E_OK);
    sd_nc_table_stats(t, 600, &st);
    assert_true(st.evictions == 1 && st.live == 1);
    free(mem);
}

/* Through the public interface, in shared memory: counts made by another
   process, seen through another view (Attach), kept as long as the table;
   a table formatted anew starts from 0. */
static void stats_shared_and_kept(void **state)
{
    size_t size = SdNonceCountStoreSize(1024);
    SD_NONCE_COUNT_STORE store, view;
    void *mem = shared_store(size, &store);
    SD_NONCE_COUNT_STORE_STATS st;
    pid_t child;
    unsigned char id[16];
    uint64_t gen;

    (void)state;
    assert_non_null(store.Stats);
    gen = store.Generation(store.pvStore);
    id_of(7, id);
    child = fork();
    if (child == 0) {
        bool ok = store.CheckAndSet(store.pvStore, id, 16, 100, 400, 100, 1,
                                    gen) == SEC_E_OK &&
                  store.CheckAndSet(store.pvStore, id, 16, 100, 400, 100, 1,
                                    gen) == SEC_E_OUT_OF_SEQUENCE;
        _exit(ok ? 0 : 1);
    }
    child_succeeded(child);
    assert_status(SdNonceCountStoreAttach(mem, size, &view), SEC_E_OK);
    memset(&st, 0xff, sizeof(st));
    st.Version = SD_NONCE_COUNT_STORE_STATS_VERSION;
    assert_status(view.Stats(view.pvStore, 100, &st), SEC_E_OK);
    assert_true(st.Accepted == 1 && st.Replays == 1 && st.Stale == 0 &&
                st.Unavailable == 0 && st.LiveRecords == 1 &&
                st.Evictions == 0 && st.LastOutage == 0);
    assert_true(st.Size > 0 && (size_t)st.Size <= size);
    assert_true(st.Capacity >= 1024 && st.Capacity % SD_NC_BUCKET_SLOTS == 0);
    /* the caller's clock decides what is live */
    assert_status(store.Stats(store.pvStore, 401, &st), SEC_E_OK);
    assert_true(st.LiveRecords == 0 && st.Accepted == 1);
    /* a version the store does not know, or no structure */
    st.Version = SD_NONCE_COUNT_STORE_STATS_VERSION + 1;
    assert_status(store.Stats(store.pvStore, 100, &st),
                  SEC_E_INVALID_PARAMETER);
    assert_status(store.Stats(store.pvStore, 100, NULL),
                  SEC_E_INVALID_PARAMETER);
    /* formatted anew (a full restart): the counts start again */
    assert_status(SdNonceCountStoreInit(mem, size, SD_STORE_SHARED, &store),
                  SEC_E_OK);
    st.Version = SD_NONCE_COUNT_STORE_STATS_VERSION;
    assert_status(store.Stats(store.pvStore, 100, &st), SEC_E_OK);
    assert_true(st.Accepted == 0 && st.Replays == 0 && st.LiveRecords == 0);
    munmap(mem, size);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(once_each_and_window),
        cmocka_unit_test(eviction_is_stale_never_accepted),
        cmocka_unit_test(expired_records_are_reused),
        cmocka_unit_test(shared_between_processes),
        cmocka_unit_test(generations),
        cmocka_unit_test(attach),
        cmocka_unit_test(record_lives_for_the_longest_expiry),
        cmocka_unit_test(holds_what_it_is_sized_for),
        cmocka_unit_test(store_init_checks),
        cmocka_unit_test(stats_count_each_answer),
        cmocka_unit_test(stats_shared_and_kept),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
