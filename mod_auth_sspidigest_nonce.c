/*
 * mod_auth_sspidigest_nonce.c: what makes nonces hold across processes and
 * restarts.  The random secret (when no AuthDigestNonceSecret file is
 * given) and the shared-memory replay table live in httpd's retained data,
 * created once by the parent and kept across graceful restarts, so every
 * child agrees on both and an issued nonce stays valid and stays counted.
 */
#include "mod_auth_sspidigest.h"

#include <string.h>
#include <sys/stat.h>

#include "apr_file_io.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_log.h"

#include <openssl/rand.h>

APLOG_USE_MODULE(auth_sspidigest);

#define RETAINED_KEY "mod_auth_sspidigest-retained"

typedef struct {
    unsigned char secret[SD_NONCE_SECRET_MIN];
    int secret_made;
    apr_shm_t *shm;
    apr_size_t shm_size;
    SD_NONCE_COUNT_STORE store;
} retained;

static retained *kept;

const unsigned char *asd_random_secret(void)
{
    return kept->secret;
}

const SD_NONCE_COUNT_STORE *asd_nonce_store(void)
{
    return &kept->store;
}

const char *asd_read_secret(cmd_parms *cmd, const char *file,
                            unsigned char *out, ULONG *len)
{
    const char *path = ap_server_root_relative(cmd->temp_pool, file);
    apr_file_t *f = NULL;
    apr_finfo_t fi;
    apr_size_t n = SD_NONCE_SECRET_MAX;

    if (path == NULL ||
        apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) !=
            APR_SUCCESS) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: cannot read '%s'", file);
    }
    if (apr_file_info_get(&fi, APR_FINFO_PROT | APR_FINFO_SIZE, f) !=
            APR_SUCCESS ||
        (fi.protection & APR_FPROT_WREAD) || (fi.protection & APR_FPROT_GWRITE) ||
        (fi.protection & APR_FPROT_WWRITE)) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: '%s' is readable by "
                            "others or writable by its group: chmod 600 or "
                            "640",
                            file);
    }
    if (fi.size < SD_NONCE_SECRET_MIN || fi.size > SD_NONCE_SECRET_MAX ||
        apr_file_read_full(f, out, (apr_size_t)fi.size, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool,
                            "AuthDigestNonceSecret: '%s' must hold %d to %d "
                            "random octets",
                            file, SD_NONCE_SECRET_MIN, SD_NONCE_SECRET_MAX);
    }
    apr_file_close(f);
    *len = (ULONG)n;
    return NULL;
}

/* The replay table in anonymous shared memory: children inherit the
   mapping.  A new table treats nonces issued before it as evicted, since
   any records of theirs are lost (SD_STORE_START_FRESH). */
static int make_store(server_rec *s, apr_size_t size)
{
    apr_pool_t *process = s->process->pool;
    apr_status_t rv;
    SECURITY_STATUS st;

    if (kept->shm != NULL) {
        if (size != kept->shm_size) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         SDLOGNO(00401) "AuthDigestShmemSize changes on a "
                         "full restart only; keeping %" APR_SIZE_T_FMT
                         " bytes",
                         kept->shm_size);
        }
        return OK;
    }
    rv = apr_shm_create(&kept->shm, size, NULL, process);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     SDLOGNO(00402) "cannot create %" APR_SIZE_T_FMT
                     " bytes of shared memory for nonce counts",
                     size);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st = SdNonceCountStoreInit(apr_shm_baseaddr_get(kept->shm), size,
                               SD_STORE_SHARED | SD_STORE_START_FRESH,
                               &kept->store);
    if (st != SEC_E_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     SDLOGNO(00403) "cannot set up the nonce-count table: %s",
                     SdStatusName(st));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    kept->shm_size = size;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                 SDLOGNO(00404) "nonce-count table: %" APR_SIZE_T_FMT
                 " bytes for about %" APR_SIZE_T_FMT " live nonces",
                 size, size / (SdNonceCountStoreSize(1024) / 1024));
    return OK;
}

int asd_nonce_post_config(apr_pool_t *pconf, server_rec *s)
{
    const asd_server_conf *sc =
        ap_get_module_config(s->module_config, &auth_sspidigest_module);

    (void)pconf;
    kept = ap_retained_data_get(RETAINED_KEY);
    if (kept == NULL) {
        kept = ap_retained_data_create(RETAINED_KEY, sizeof(*kept));
        memset(kept, 0, sizeof(*kept));
    }
    if (!kept->secret_made) {
        if (RAND_bytes(kept->secret, sizeof(kept->secret)) != 1) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         SDLOGNO(00405) "no random octets for the nonce "
                         "secret");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        kept->secret_made = 1;
    }
    return make_store(s, sc->shmem_size ? sc->shmem_size : ASD_DEFAULT_SHMEM);
}
