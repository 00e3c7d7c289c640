/*
 * module/module.h: what every glue file needs: the module record, the
 * per-directory and per-server configuration, and the defaults of its
 * directives.  What each file offers the others is in its own header
 * (module/config.h, module/nonce.h, ...); the engine's API is in
 * include/sspi.h.
 */
#ifndef ASD_MODULE_H
#define ASD_MODULE_H

#include <stdbool.h>

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"

#include "sspi.h"

#define ASD_DEFAULT_LIFETIME 300
#define ASD_MAX_LIFETIME 86400
#define ASD_DEFAULT_MAX_BODY (1024 * 1024)
#define ASD_DEFAULT_SHMEM (4 * 1024 * 1024)

/* The scope of a configuration section (module/scope.c): the ids of the
   sections merged into it, in order, 16 octets each. */
#define ASD_SECTION_ID 16
#define ASD_SCOPE_SECTIONS 8
#define ASD_SCOPE_UNKNOWN 0xFFFFFFFFU /* too many, or no digest: no reuse */

typedef struct {
    authn_provider_list *providers;
    ULONG algs[SD_MAX_ALGORITHMS];
    ULONG nalgs;
    ULONG qop;
    int lifetime;
    const char *domain; /* space-separated URIs, or NULL */
    int userhash;       /* -1 unset */
    int nc_check;       /* -1 unset */
    apr_off_t max_body; /* -1 unset */
    unsigned providers_set : 1;
    unsigned algs_set : 1;
    unsigned qop_set : 1;
    unsigned qop_none : 1; /* AuthDigestQop none was given */
    unsigned lifetime_set : 1;
    unsigned domain_set : 1;
    unsigned providers_known : 1;      /* every provider's settings are seen */
    unsigned own_done : 1;             /* own is computed (config time) */
    unsigned char own[ASD_SECTION_ID]; /* this section's directives */
    unsigned nchain;
    unsigned char chain[ASD_SCOPE_SECTIONS][ASD_SECTION_ID];

    /* channel bindings (module/binding.c) */
    int channel_binding; /* ASD_CB_* */
    const SEC_CHAR **service_names;
    ULONG nservice_names;
    unsigned service_names_set : 1;
} asd_dir_conf;

/* AuthDigestChannelBinding */
#define ASD_CB_UNSET (-1)
#define ASD_CB_OFF 0
#define ASD_CB_ON 1
#define ASD_CB_REQUIRE 2
#define ASD_CB_PROXY 3

typedef struct {
    unsigned char secret[SD_NONCE_SECRET_MAX];
    ULONG secret_len; /* 0: the process-wide random secret */
    unsigned char previous[SD_NONCE_SECRET_MAX];
    ULONG previous_len;
    const char *cache;     /* AuthDigestNonceCache, or NULL for shm */
    apr_size_t shmem_size; /* 0: unset */
} asd_server_conf;

/* Everything is built with -fvisibility=hidden, so that the engine's
   Windows-named functions stay inside the .so; only the module is
   exported. */
extern module AP_MODULE_DECLARE_DATA __attribute__((visibility("default")))
auth_sspidigest_module;

#endif
