/*
 * fuzz_check.h: what every fuzz target shares.  CHECK traps (libFuzzer
 * reports a crash with the input) when a property of the engine fails;
 * the hooks fix the clock and the random octets, so runs repeat.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Credentials' test hooks that make runs repeat: a fixed clock and
   fixed "random" octets. */
static inline int64_t fuzz_fixed_now(void *arg)
{
    (void)arg;
    return 1700000000;
}

static inline bool fuzz_fixed_random(void *arg, unsigned char *out, size_t n)
{
    (void)arg;
    memset(out, 0x5A, n);
    return true;
}

/* What a target makes once and keeps for the whole run (a pool, a hasher)
   is made between these two, so that LeakSanitizer does not count it:
   APR's pools may take their memory from mmap, which LeakSanitizer does
   not search for pointers, so an OpenSSL object that only pool memory
   points to would look leaked after the first input.  The target frees
   it at exit. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_LSAN 1
#endif
#ifdef FUZZ_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define FUZZ_KEEP_BEGIN() __lsan_disable()
#define FUZZ_KEEP_END() __lsan_enable()
#else
#define FUZZ_KEEP_BEGIN() ((void)0)
#define FUZZ_KEEP_END() ((void)0)
#endif

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

#endif
