/*
 * module/scope.h: the scope of an authentication result (module/scope.c).
 */
#ifndef ASD_SCOPE_H
#define ASD_SCOPE_H

#include "module.h"

/* The directives of other modules whose sections belong to the scope, and
   the module that owns each: one list, for the directive table and for
   the checks. */
#define ASD_SHADOWED(X)                                                        \
    X("AuthType", "mod_authn_core.c")                                          \
    X("AuthName", "mod_authn_core.c")                                          \
    X("<AuthnProviderAlias", "mod_authn_core.c")                               \
    X("AuthUserFile", "mod_authn_file.c")                                      \
    X("AuthDBMUserFile", "mod_authn_dbm.c")                                    \
    X("AuthDBMType", "mod_authn_dbm.c")                                        \
    X("AuthDBDUserPWQuery", "mod_authn_dbd.c")                                 \
    X("AuthDBDUserRealmQuery", "mod_authn_dbd.c")                              \
    X("AuthnCacheSOCache", "mod_authn_socache.c")                              \
    X("AuthnCacheEnable", "mod_authn_socache.c")                               \
    X("AuthnCacheProvideFor", "mod_authn_socache.c")                           \
    X("AuthnCacheTimeout", "mod_authn_socache.c")                              \
    X("AuthnCacheContext", "mod_authn_socache.c")

/* A request's scope: its virtual host and its section chain, as octets
   for the engine (SD_CALL_PARAMETERS.pScope).  Not reusable when some
   setting that decides acceptance cannot be seen. */
#define ASD_SCOPE_BYTES                                                        \
    (sizeof(void *) + 1 + ASD_SCOPE_SECTIONS * ASD_SECTION_ID)
typedef struct {
    unsigned char bytes[ASD_SCOPE_BYTES];
    size_t len;
    bool reusable;
} asd_scope;

void asd_scope_pre_config(void);
int asd_scope_post_config(server_rec *s);
void asd_scope_note(cmd_parms *cmd, asd_dir_conf *d);
const char *asd_scope_shadow(cmd_parms *cmd, void *dv, const char *args);
bool asd_scope_provider_known(const char *name);
void asd_scope_merge(asd_dir_conf *out, const asd_dir_conf *base,
                     const asd_dir_conf *add);
void asd_scope_of(const request_rec *r, const asd_dir_conf *d, asd_scope *out);
bool asd_scope_equal(const asd_scope *a, const asd_scope *b);

#endif
