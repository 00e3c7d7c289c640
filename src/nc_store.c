/*
 * nc_store.c: the public face of the built-in replay store (sspi.h):
 * sizing, formatting, and the CheckAndSet and Prefetch entries bound to
 * nc_table.
 */
#include "nc_table.h"

#include <time.h>

static SECURITY_STATUS SEC_ENTRY
table_check_and_set(PVOID store, const UCHAR *id, ULONG id_len, int64_t issued,
                    int64_t expires, int64_t now, ULONG nc)
{
    return sd_nc_table_check_and_set(store, id, id_len, issued, expires, now,
                                     nc);
}

static void SEC_ENTRY table_prefetch(PVOID store, const UCHAR *id, ULONG id_len)
{
    sd_nc_table_prefetch(store, id, id_len);
}

size_t SdNonceCountStoreSize(ULONG Nonces)
{
    return sd_nc_table_size(Nonces);
}

SECURITY_STATUS SdNonceCountStoreInit(PVOID Memory, size_t cbMemory,
                                      ULONG Flags, PSD_NONCE_COUNT_STORE Store)
{
    sd_nc_table *t;

    if (Store == NULL ||
        (Flags & ~(SD_STORE_SHARED | SD_STORE_START_FRESH)) != 0) {
        return SEC_E_INVALID_PARAMETER;
    }
    t = sd_nc_table_init(Memory, cbMemory, (Flags & SD_STORE_SHARED) != 0,
                         (Flags & SD_STORE_START_FRESH) ? (int64_t)time(NULL)
                                                        : 0);
    if (t == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    Store->pvStore = t;
    Store->CheckAndSet = table_check_and_set;
    Store->Prefetch = table_prefetch;
    return SEC_E_OK;
}
