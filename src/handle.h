/*
 * handle.h: issues, looks up and retires SSPI handles.  A handle is a slot
 * index (dwLower) and a tag of generation and kind (dwUpper); it is never
 * a pointer, so a forged, stale or mistyped handle is refused, not
 * followed.  Lookups take no lock; issuing and retiring take a short one.
 */
#ifndef SD_HANDLE_H
#define SD_HANDLE_H

#include "sspi.h"

typedef enum {
    SD_HANDLE_CREDENTIALS = 1,
    SD_HANDLE_CONTEXT = 2
} sd_handle_kind;

/* Registers obj; fills *h.  SEC_E_OK or SEC_E_INSUFFICIENT_MEMORY (table
   full or no memory). */
SECURITY_STATUS sd_handle_issue(sd_handle_kind kind, void *obj, SecHandle *h);

/* The object behind h if h is live and of this kind, else NULL.  The
   caller must not race a retire of the same handle. */
void *sd_handle_lookup(const SecHandle *h, sd_handle_kind kind);

/* Retires h; later lookups of it fail.  Idempotent. */
void sd_handle_retire(const SecHandle *h);

#endif
