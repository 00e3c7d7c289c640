/*
 * nc_store.c: the public face of the built-in replay store (sspi.h):
 * sizing, formatting (with a random generation), attaching to a table
 * formatted before, and the CheckAndSet, Prefetch, Generation and Stats
 * entries bound to nc_table.
 */
#include "nc_table.h"

#include <openssl/rand.h>

static SECURITY_STATUS SEC_ENTRY
table_check_and_set(PVOID store, const UCHAR *id, ULONG id_len, int64_t issued,
                    int64_t expires, int64_t now, ULONG nc, uint64_t generation)
{
    return sd_nc_table_check_and_set(store, id, id_len, issued, expires, now,
                                     nc, generation);
}

static uint64_t SEC_ENTRY table_generation(PVOID store)
{
    return sd_nc_table_generation(store);
}

static void SEC_ENTRY table_prefetch(PVOID store, const UCHAR *id, ULONG id_len)
{
    sd_nc_table_prefetch(store, id, id_len);
}

static SECURITY_STATUS SEC_ENTRY table_stats(PVOID store, int64_t now,
                                             PSD_NONCE_COUNT_STORE_STATS out)
{
    sd_nc_stats st;

    if (out == NULL || out->Version != SD_NONCE_COUNT_STORE_STATS_VERSION) {
        return SEC_E_INVALID_PARAMETER;
    }
    sd_nc_table_stats(store, now, &st);
    out->Size = (int64_t)st.size;
    out->Capacity = (int64_t)st.capacity;
    out->LiveRecords = (int64_t)st.live;
    out->Evictions = (int64_t)st.evictions;
    out->Accepted = (int64_t)st.accepted;
    out->Replays = (int64_t)st.replays;
    out->Stale = (int64_t)st.stale;
    out->Unavailable = (int64_t)st.unavailable;
    out->LastOutage = st.last_unavailable;
    return SEC_E_OK;
}

static void bind_store(sd_nc_table *t, PSD_NONCE_COUNT_STORE store)
{
    store->pvStore = t;
    store->CheckAndSet = table_check_and_set;
    store->Prefetch = table_prefetch;
    store->Generation = table_generation;
    store->Stats = table_stats;
}

size_t SdNonceCountStoreSize(ULONG Nonces)
{
    return sd_nc_table_size(Nonces);
}

/* A random generation, never 0 (0 is "no generation"). */
static bool new_generation(uint64_t *out)
{
    unsigned char raw[8];

    do {
        if (RAND_bytes(raw, sizeof(raw)) != 1) {
            return false;
        }
        *out = 0;
        for (size_t i = 0; i < sizeof(raw); i++) {
            *out = *out << 8 | raw[i];
        }
    } while (*out == 0);
    return true;
}

SECURITY_STATUS SdNonceCountStoreInit(PVOID Memory, size_t cbMemory,
                                      ULONG Flags, PSD_NONCE_COUNT_STORE Store)
{
    sd_nc_table *t;
    uint64_t generation;

    if (Store == NULL ||
        (Flags & ~(SD_STORE_SHARED | SD_STORE_START_FRESH)) != 0) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (!new_generation(&generation)) {
        return SEC_E_INTERNAL_ERROR;
    }
    t = sd_nc_table_init(Memory, cbMemory, (Flags & SD_STORE_SHARED) != 0,
                         generation);
    if (t == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    bind_store(t, Store);
    return SEC_E_OK;
}

SECURITY_STATUS SdNonceCountStoreAttach(PVOID Memory, size_t cbMemory,
                                        PSD_NONCE_COUNT_STORE Store)
{
    sd_nc_table *t = sd_nc_table_attach(Memory, cbMemory);

    if (Store == NULL || t == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    bind_store(t, Store);
    return SEC_E_OK;
}
