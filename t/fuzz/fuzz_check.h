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

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

#endif
