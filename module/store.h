/*
 * module/store.h: the engine's key callback, answered from the authn
 * providers (module/store.c).
 */
#ifndef ASD_STORE_H
#define ASD_STORE_H

#include "module.h"

/* What a call passes to the callback (SD_CALL_PARAMETERS.pvGetKeyArgument). */
typedef struct {
    request_rec *r;
    const asd_dir_conf *conf;
    int store_error; /* a provider failed (not the replay store) */
} asd_key_call;

void SEC_ENTRY asd_get_key(PVOID arg, PVOID principal, ULONG version,
                           PVOID *key, SECURITY_STATUS *status);

#endif
