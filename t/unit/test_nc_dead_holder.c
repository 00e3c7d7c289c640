/*
 * test_nc_dead_holder.c: the shared replay table when a process dies
 * holding a bucket's lock (httpd's children are killed mid-request: the
 * soak's SIGKILLs, the OOM killer).  The lock is robust: the next process
 * gets EOWNERDEAD, and the table must then neither hang, nor refuse the
 * bucket for good, nor accept again a count the dead process had recorded.
 *
 * Dying at the exact moment is made deterministic by interposing
 * pthread_mutex_unlock in this test program: a child that sets
 * die_holding_lock exits inside the table's unlock, after its update and
 * before the lock is released.  Everyone else gets the real unlock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "support.h"
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int die_holding_lock;

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    static int (*real)(pthread_mutex_t *);

    if (die_holding_lock) {
        _exit(0);
    }
    if (real == NULL) {
        real = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT,
                                                 "pthread_mutex_unlock");
    }
    return real(m);
}

static void id_of(unsigned n, unsigned char id[16])
{
    memset(id, 0, 16);
    memcpy(id, &n, sizeof(n));
    id[15] = (unsigned char)(n * 7);
}

/* A child records (id, nc 1) and dies before it unlocks. */
static void record_and_die(SD_NONCE_COUNT_STORE *store,
                           const unsigned char id[16], uint64_t gen)
{
    int status = 0;
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        die_holding_lock = 1;
        store->CheckAndSet(store->pvStore, id, 16, 100, 400, 100, 1, gen);
        _exit(1); /* not reached: the unlock exits with 0 */
    }
    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void dead_holder_neither_hangs_nor_reopens(void **state)
{
    size_t size = SdNonceCountStoreSize(1024);
    SD_NONCE_COUNT_STORE store;
    unsigned char id[16], other[16];
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint64_t gen;

    (void)state;
    assert_true(mem != MAP_FAILED);
    assert_status(SdNonceCountStoreInit(mem, size, SD_STORE_SHARED, &store),
                  SEC_E_OK);
    gen = store.Generation(store.pvStore);
    id_of(1, id);
    id_of(2, other);
    assert_status(
        store.CheckAndSet(store.pvStore, other, 16, 100, 400, 100, 1, gen),
        SEC_E_OK);
    record_and_die(&store, id, gen);

    /* The count the dead child recorded is not accepted again: the bucket
       forgot its records, so nonces issued up to now are stale. */
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, 100, 400, 101, 1, gen),
        SEC_E_CONTEXT_EXPIRED);
    /* The lock works again (this call would hang or fail otherwise), and
       a nonce issued after the recovery is served as usual. */
    id_of(3, id);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, 102, 400, 102, 1, gen),
        SEC_E_OK);
    assert_status(
        store.CheckAndSet(store.pvStore, id, 16, 102, 400, 102, 1, gen),
        SEC_E_OUT_OF_SEQUENCE);
    /* Another bucket kept its records. */
    assert_status(
        store.CheckAndSet(store.pvStore, other, 16, 100, 400, 102, 1, gen),
        SEC_E_OUT_OF_SEQUENCE);
    munmap(mem, size);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dead_holder_neither_hangs_nor_reopens),
    };

    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
