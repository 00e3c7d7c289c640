/*
 * module/store.c: the engine's key callback.  It asks the configured authn
 * providers (file, dbm, dbd, socache, aliases) for the user's realm hash, as
 * mod_auth_digest does, and picks the key of the algorithm's family from it
 * (SdRealmHashSelect).  A user-hash is turned back into a user name by
 * reading the AuthUserFile: no provider API can search by H(user:realm).
 */
#include "store.h"

#include <string.h>

#include "apr_strings.h"
#include "ap_provider.h"
#include "http_log.h"
#include "http_request.h"

#include "digest_hash.h"

#include "log.h"
#include "user_line.h"

APLOG_USE_MODULE(auth_sspidigest);

static const authn_provider_list *providers(request_rec *r,
                                            const asd_dir_conf *d)
{
    static authn_provider_list file_only;

    if (d->providers != NULL) {
        return d->providers;
    }
    /* The default, looked up per request as mod_auth_digest does, since
       mod_authn_file may be loaded after us. */
    file_only.provider_name = AUTHN_DEFAULT_PROVIDER;
    file_only.provider = ap_lookup_provider(
        AUTHN_PROVIDER_GROUP, AUTHN_DEFAULT_PROVIDER, AUTHN_PROVIDER_VERSION);
    if (file_only.provider == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      SDLOGNO(00301) "no AuthDigestProvider and no "
                                     "'file' provider: load mod_authn_file");
        return NULL;
    }
    return &file_only;
}

/* The realm hash of `user` from the first provider that knows the user. */
static authn_status realm_hash(request_rec *r, const asd_dir_conf *d,
                               const char *user, const char *realm, char **hash)
{
    const authn_provider_list *p = providers(r, d);
    authn_status st = AUTH_USER_NOT_FOUND;

    if (p == NULL) {
        return AUTH_GENERAL_ERROR;
    }
    for (; p != NULL && st == AUTH_USER_NOT_FOUND; p = p->next) {
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, p->provider_name);
        st = p->provider->get_realm_hash(r, user, realm, hash);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    }
    return st;
}

/* The AuthUserFile of this request, read from mod_authn_file's directory
   configuration, whose only member is the file name. */
static const char *user_file(request_rec *r)
{
    module *m = ap_find_linked_module("mod_authn_file.c");
    const char *const *conf;

    if (m == NULL) {
        return NULL;
    }
    conf = ap_get_module_config(r->per_dir_config, m);
    return conf ? conf[0] : NULL;
}

/* Reads the next line of f into line; a line longer than the buffer is
   skipped whole (its rest would read as a line of its own). */
static apr_status_t next_line(ap_configfile_t *f, char *line, size_t n)
{
    apr_status_t rv;

    while ((rv = ap_cfg_getline(line, n, f)) == APR_ENOSPC) {
        while ((rv = ap_cfg_getline(line, n, f)) == APR_ENOSPC) {
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return rv;
}

/* Finds the user whose H(user ":" realm) is `hash` in the AuthUserFile
   (lines "user:realm:..."); NULL if none.  Names longer than the engine
   takes (SD_MAX_USER) are passed over: they could not be answered.  The
   whole file is read even after a match, so that the time taken tells
   neither where the user is nor whether there is one (README, Timing). */
static const char *resolve_userhash(request_rec *r, const char *hash,
                                    apr_size_t hash_len, const char *realm,
                                    ULONG alg_id)
{
    const char *path = user_file(r);
    const sd_algorithm *alg = sd_algorithm_by_id(alg_id);
    ap_configfile_t *f = NULL;
    sd_hasher *h;
    char line[MAX_STRING_LEN];
    const char *found = NULL;

    if (path == NULL || alg == NULL ||
        ap_pcfg_openfile(&f, r->pool, path) != APR_SUCCESS) {
        return NULL;
    }
    h = sd_hasher_create(r->pool);
    while (h != NULL && next_line(f, line, sizeof(line)) == APR_SUCCESS) {
        char hex[SD_MAX_HEX];
        sd_view user, lrealm;
        const char *rest;

        if (!asd_user_line(line, &user, &lrealm, &rest)) {
            continue;
        }
        if (lrealm.len != strlen(realm) ||
            memcmp(lrealm.p, realm, lrealm.len) != 0 ||
            !sd_digest_userhash(h, alg->family, user, lrealm, hex)) {
            continue;
        }
        if (hash_len == 2 * sd_hash_size(alg->family) &&
            memcmp(hex, hash, hash_len) == 0 && found == NULL) {
            found = apr_pstrmemdup(r->pool, user.p, user.len);
        }
    }
    ap_cfg_closefile(f);
    return found;
}

static void answer_key(request_rec *r, SD_DIGEST_KEY_REQUEST *kr,
                       const char *user, const char *stored,
                       SECURITY_STATUS *status)
{
    const SEC_CHAR *hex = NULL;
    ULONG n = 0;
    SECURITY_STATUS st =
        SdRealmHashSelect(stored, strlen(stored), kr->Algorithm, &hex, &n);

    if (st == SEC_E_INVALID_TOKEN) {
        ap_log_rerror(
            APLOG_MARK, APLOG_ERR, 0, r,
            SDLOGNO(
                00302) "the stored hash of user \"%s\" is "
                       "malformed (expected 32 hex digits, or ALG=hex items)",
            asd_log_value(r->pool, user, strlen(user)));
        *status = SEC_E_UNKNOWN_CREDENTIALS;
        return;
    }
    if (st != SEC_E_OK) {
        *status = st; /* SEC_E_ALGORITHM_MISMATCH: logged by the caller */
        return;
    }
    if (n > sizeof(kr->Key)) {
        *status = SEC_E_UNKNOWN_CREDENTIALS; /* SdRealmHashSelect's bound */
        return;
    }
    if (kr->UserHash) {
        size_t len = strlen(user);

        if (len > sizeof(kr->ResolvedUser)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          SDLOGNO(00303) "user-hash names a user longer "
                                         "than %d octets: refused",
                          (int)sizeof(kr->ResolvedUser));
            *status = SEC_E_UNKNOWN_CREDENTIALS;
            return;
        }
        memcpy(kr->ResolvedUser, user, len);
        kr->ResolvedUserLength = (ULONG)len;
    }
    memcpy(kr->Key, hex, n);
    kr->KeyLength = n;
    *status = SEC_E_OK;
}

void SEC_ENTRY asd_get_key(PVOID arg, PVOID principal, ULONG version,
                           PVOID *key, SECURITY_STATUS *status)
{
    asd_key_call *call = arg;
    request_rec *r = call->r;
    SD_DIGEST_KEY_REQUEST *kr = principal;
    const char *realm, *user;
    char *stored = NULL;

    (void)key;
    if (version != SD_DIGEST_KEY_VERSION || r == NULL) {
        *status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
        return;
    }
    realm = apr_pstrmemdup(r->pool, kr->Realm, kr->RealmLength);
    user = apr_pstrmemdup(r->pool, kr->User, kr->UserLength);
    if (kr->UserHash) {
        const char *name =
            resolve_userhash(r, kr->User, kr->UserLength, realm, kr->Algorithm);

        if (name == NULL) {
            /* The providers are asked anyway, for the hash as a name (its
               answer unused), so that an unknown hash costs a lookup as a
               known one does (a DBM file opened and read: about 30 us in
               bench/userfile.py). */
            (void)realm_hash(r, call->conf, user, realm, &stored);
            *status = SEC_E_UNKNOWN_CREDENTIALS;
            return;
        }
        user = name;
    }
    switch (realm_hash(r, call->conf, user, realm, &stored)) {
    case AUTH_USER_FOUND:
        answer_key(r, kr, user, stored, status);
        break;
    case AUTH_USER_NOT_FOUND:
    case AUTH_DENIED:
        *status = SEC_E_UNKNOWN_CREDENTIALS;
        break;
    default:
        call->store_error = 1;
        *status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
        break;
    }
}
