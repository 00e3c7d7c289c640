/*
 * module/scope.c: the scope of an authentication result, that is every
 * setting that decides whether a response is accepted.  A result (the
 * connection's engine context, a request's result reused by its subrequests
 * and internal redirects, an h2c Upgrade's reused by stream 1) is reused
 * only by a request of the same scope; any other request is verified from
 * scratch.
 *
 * The scope of a request is its virtual host (the nonce secret, the replay
 * store, DBD and socache settings, provider aliases are per server) and the
 * list of configuration sections that apply to it, each named by a digest
 * of its directives that configure Digest or an authn provider: ours
 * (AuthDigest*), AuthType and AuthName, and those of mod_authn_file, _dbm,
 * _dbd and _socache.  httpd merges a module's configuration only over the
 * sections where one of its directives appears, so we register those
 * directives too (each handler records and returns NULL, and httpd goes on
 * to the module that owns it): the sections that shape the providers'
 * configuration are then exactly the sections in our merge chain.  Two
 * requests with the same list had the same configuration merged for every
 * one of those modules.  A provider whose directives we do not know (a
 * third-party module, or an alias of one) makes the scope unknown: such
 * requests are always verified from scratch.  This file holds no state at
 * request time.
 */
#include "scope.h"

#include <string.h>
#include <strings.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"

#include <openssl/evp.h>

#include "log.h"

APLOG_USE_MODULE(auth_sspidigest);

/* The directives of other modules whose sections we must see
   (ASD_SHADOWED).  post_config checks that no module of these has a
   directive missing there (a newer httpd), else its providers are treated
   as unknown. */
#define SHADOW_ENTRY(name, module) {name, module},
static const struct {
    const char *name;
    const char *module;
} shadowed[] = {ASD_SHADOWED(SHADOW_ENTRY)};
#define NSHADOWED (sizeof(shadowed) / sizeof(shadowed[0]))

/* Providers whose configuration the directives above (and the vhost)
   fully describe. */
static const struct {
    const char *name;
    const char *module;
} known_providers[] = {
    {"file", "mod_authn_file.c"},
    {"dbm", "mod_authn_dbm.c"},
    {"dbd", "mod_authn_dbd.c"},
    {"socache", "mod_authn_socache.c"},
};
#define NKNOWN (sizeof(known_providers) / sizeof(known_providers[0]))

/* Provider aliases seen in this configuration: the alias and the provider
   behind it (<AuthnProviderAlias provider alias>).  Config time only. */
typedef struct alias {
    const char *alias;
    const char *provider;
    struct alias *next;
} alias;

static alias *aliases;
/* Modules of known_providers whose directives are not all in `shadowed`
   (set by asd_scope_post_config): their providers count as unknown. */
static bool module_incomplete[NKNOWN];

void asd_scope_pre_config(void)
{
    aliases = NULL;
    memset(module_incomplete, 0, sizeof(module_incomplete));
}

/* ---- configuration time --------------------------------------------- */

static bool is_shadowed(const char *name, const char **owner)
{
    for (size_t i = 0; i < NSHADOWED; i++) {
        if (strcasecmp(name, shadowed[i].name) == 0) {
            *owner = shadowed[i].module;
            return true;
        }
    }
    return false;
}

/* A directive that belongs to a section's scope: ours, or shadowed. */
static bool in_scope(const char *name)
{
    const char *owner;

    for (const command_rec *c = auth_sspidigest_module.cmds; c->name != NULL;
         c++) {
        if (strcasecmp(name, c->name) == 0) {
            return true;
        }
    }
    return is_shadowed(name, &owner);
}

/*
 * The section's own id: a digest of its directives in scope, in order,
 * read from the configuration tree from the first one on (the handler of
 * the first one calls us; the others of the section come after it).
 * Nested sections have ids of their own.
 */
static void compute_own(cmd_parms *cmd, asd_dir_conf *d)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    bool ok = md != NULL && EVP_DigestInit_ex2(md, EVP_sha256(), NULL) == 1;

    for (const ap_directive_t *dir = cmd->directive; ok && dir != NULL;
         dir = dir->next) {
        if (!in_scope(dir->directive)) {
            continue;
        }
        for (const char *c = dir->directive; ok && *c; c++) {
            unsigned char lower = (unsigned char)apr_tolower(*c);

            ok = EVP_DigestUpdate(md, &lower, 1) == 1;
        }
        ok = ok && EVP_DigestUpdate(md, "", 1) == 1 &&
             EVP_DigestUpdate(md, dir->args, strlen(dir->args) + 1) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, full, &n) == 1 && n >= ASD_SECTION_ID;
    EVP_MD_CTX_free(md);
    if (ok) {
        memcpy(d->own, full, ASD_SECTION_ID);
        memcpy(d->chain[0], full, ASD_SECTION_ID);
        d->nchain = 1;
    }
    else {
        d->nchain = ASD_SCOPE_UNKNOWN; /* never reused */
    }
    d->own_done = 1;
}

void asd_scope_note(cmd_parms *cmd, asd_dir_conf *d)
{
    if (!d->own_done && cmd->directive != NULL) {
        compute_own(cmd, d);
    }
}

/* The handler of every shadowed directive: notes the section, and lets
   the module that owns the directive do the rest. */
const char *asd_scope_shadow(cmd_parms *cmd, void *dv, const char *args)
{
    const char *name = cmd->cmd->name, *owner = NULL;

    (void)args;
    is_shadowed(name, &owner);
    if (owner == NULL || ap_find_linked_module(owner) == NULL) {
        /* what httpd says when no loaded module knows the directive */
        return apr_pstrcat(cmd->pool, "Invalid command '", name,
                           "', perhaps misspelled or defined by a module not "
                           "included in the server configuration",
                           NULL);
    }
    if (strcasecmp(name, "<AuthnProviderAlias") == 0) {
        const char *line = cmd->directive->args;
        char *provider = ap_getword_conf(cmd->pool, &line);
        char *name_end = ap_getword_conf(cmd->pool, &line);
        alias *a = apr_pcalloc(cmd->pool, sizeof(*a));
        char *gt = strchr(name_end, '>');

        if (gt != NULL) {
            *gt = '\0';
        }
        a->alias = name_end;
        a->provider = provider;
        a->next = aliases;
        aliases = a;
        return NULL; /* the section itself is mod_authn_core's */
    }
    asd_scope_note(cmd, dv);
    return NULL;
}

static bool provider_known_direct(const char *name)
{
    for (size_t i = 0; i < NKNOWN; i++) {
        if (strcasecmp(name, known_providers[i].name) == 0) {
            return true;
        }
    }
    return false;
}

bool asd_scope_provider_known(const char *name)
{
    bool seen = false;

    if (provider_known_direct(name)) {
        return true;
    }
    /* an alias: every definition of it (one per virtual host, perhaps)
       must stand for a known provider */
    for (const alias *a = aliases; a != NULL; a = a->next) {
        if (strcasecmp(a->alias, name) == 0) {
            if (!provider_known_direct(a->provider)) {
                return false;
            }
            seen = true;
        }
    }
    return seen;
}

void asd_scope_merge(asd_dir_conf *out, const asd_dir_conf *base,
                     const asd_dir_conf *add)
{
    if (base->nchain == ASD_SCOPE_UNKNOWN || add->nchain == ASD_SCOPE_UNKNOWN ||
        base->nchain + add->nchain > ASD_SCOPE_SECTIONS) {
        out->nchain = ASD_SCOPE_UNKNOWN;
        return;
    }
    memcpy(out->chain, base->chain, base->nchain * sizeof(out->chain[0]));
    memcpy(out->chain[base->nchain], add->chain,
           add->nchain * sizeof(out->chain[0]));
    out->nchain = base->nchain + add->nchain;
}

int asd_scope_post_config(server_rec *s)
{
    for (size_t k = 0; k < NKNOWN; k++) {
        module *m = ap_find_linked_module(known_providers[k].module);

        for (const command_rec *c = m ? m->cmds : NULL; c && c->name; c++) {
            const char *owner = NULL;

            if (!is_shadowed(c->name, &owner)) {
                module_incomplete[k] = true;
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                             SDLOGNO(00103) "%s has a directive this module "
                                            "does not know (%s): requests "
                                            "using its '%s' provider are "
                                            "verified from scratch each time",
                             known_providers[k].module, c->name,
                             known_providers[k].name);
            }
        }
    }
    return OK;
}

/* ---- request time --------------------------------------------------- */

static bool providers_known(const asd_dir_conf *d)
{
    if (!d->providers_known) {
        return false;
    }
    for (size_t k = 0; k < NKNOWN; k++) {
        if (!module_incomplete[k]) {
            continue;
        }
        if (d->providers == NULL && k == 0) {
            return false; /* the default, "file" */
        }
        for (const authn_provider_list *p = d->providers; p; p = p->next) {
            if (strcasecmp(p->provider_name, known_providers[k].name) == 0) {
                return false;
            }
        }
    }
    return true;
}

void asd_scope_of(const request_rec *r, const asd_dir_conf *d, asd_scope *out)
{
    const server_rec *server = r->server;
    unsigned char n = (unsigned char)d->nchain;

    out->len = 0;
    out->reusable = d->nchain != ASD_SCOPE_UNKNOWN && providers_known(d);
    if (!out->reusable) {
        return;
    }
    memcpy(out->bytes, &server, sizeof(server));
    out->bytes[sizeof(server)] = n;
    memcpy(out->bytes + sizeof(server) + 1, d->chain,
           (size_t)n * ASD_SECTION_ID);
    out->len = sizeof(server) + 1 + (size_t)n * ASD_SECTION_ID;
}

bool asd_scope_equal(const asd_scope *a, const asd_scope *b)
{
    return a->reusable && b->reusable && a->len == b->len &&
           memcmp(a->bytes, b->bytes, a->len) == 0;
}
