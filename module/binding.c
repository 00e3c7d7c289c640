/*
 * module/binding.c: channel bindings over TLS (README, "Channel bindings"):
 * the directives AuthDigestChannelBinding and AuthDigestServiceName, the
 * tls-server-end-point binding of each virtual host's certificate, computed
 * once when the configuration is checked, and what a request passes to the
 * engine (buffer 5, flags, service names).  The certificate comes from the
 * SSLCertificateFile lines of the virtual host (and of the main server,
 * which mod_ssl merges in); certificates managed by other modules (mod_md)
 * are not read.  It never looks at a request's headers.
 */
#include "binding.h"

#include <string.h>
#include <strings.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_ssl.h"
#include "util_cfgtree.h"

#include "log.h"
#include "scope.h"

APLOG_USE_MODULE(auth_sspidigest);

/* One certificate's binding (SdTlsServerEndPointBindings), and its PEM as
   mod_ssl's SSL_SERVER_CERT gives it, to tell certificates apart. */
typedef struct {
    unsigned char cb[SD_TLS_END_POINT_BINDINGS_MAX];
    ULONG cb_len;
    const char *pem;
} asd_cert_binding;

/* Per virtual host, made when the configuration is checked and read-only
   after.  Scope: one server_rec of one configuration generation. */
typedef struct {
    int tls;                         /* SSLEngine on */
    apr_array_header_t *certs;       /* asd_cert_binding */
    const SEC_CHAR *default_name[1]; /* "HTTP/" ServerName */
} asd_vhost_binding;

/* AuthDigestChannelBinding On/Require lines of the configuration being
   read (not .htaccess), to refuse them on a host without TLS. */
typedef struct {
    server_rec *s;
    const char *where;
    const char *value;
} asd_tls_need;

static apr_hash_t *vhosts;        /* server_rec * -> asd_vhost_binding */
static apr_array_header_t *needs; /* asd_tls_need */

/* ---- directives ------------------------------------------------------- */

const char *asd_set_channel_binding(cmd_parms *cmd, void *dv, const char *arg)
{
    static const char *const names[] = {"Off", "On", "Require", "Proxy"};
    asd_dir_conf *d = dv;
    int mode = ASD_CB_UNSET;

    asd_scope_note(cmd, d);
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(arg, names[i]) == 0) {
            mode = i;
        }
    }
    if (mode == ASD_CB_UNSET) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestChannelBinding: '%s' is not Off, On, "
                            "Require or Proxy",
                            arg);
    }
    d->channel_binding = mode;
    if ((mode == ASD_CB_ON || mode == ASD_CB_REQUIRE) &&
        ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_RUN_MPM) {
        asd_tls_need *n;

        if (needs == NULL) {
            needs = apr_array_make(cmd->pool, 4, sizeof(asd_tls_need));
        }
        n = apr_array_push(needs);
        n->s = cmd->server;
        n->value = names[mode];
        n->where = apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                                cmd->directive->line_num);
    }
    return NULL;
}

const char *asd_add_service_name(cmd_parms *cmd, void *dv, const char *arg)
{
    asd_dir_conf *d = dv;
    size_t n = strlen(arg);

    asd_scope_note(cmd, d);
    if (!d->service_names_set) {
        d->nservice_names = 0; /* a section's list replaces its parent's */
        d->service_names = apr_pcalloc(
            cmd->pool, SD_MAX_SERVICE_NAMES * sizeof(*d->service_names));
        d->service_names_set = 1;
    }
    if (n == 0 || n > SD_MAX_SERVICE_NAME) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestServiceName: '%s' is empty or longer "
                            "than %u octets",
                            arg, SD_MAX_SERVICE_NAME);
    }
    for (size_t i = 0; i < n; i++) {
        if (apr_iscntrl(arg[i]) || arg[i] == '"' || arg[i] == '\\') {
            return apr_psprintf(cmd->pool,
                                "AuthDigestServiceName: '%s' is not a "
                                "service name (e.g. HTTP/www.example.com)",
                                arg);
        }
    }
    if (d->nservice_names == SD_MAX_SERVICE_NAMES) {
        return apr_psprintf(cmd->pool,
                            "AuthDigestServiceName: more than %u names",
                            SD_MAX_SERVICE_NAMES);
    }
    d->service_names[d->nservice_names++] = arg;
    return NULL;
}

/* ---- the certificates, when the configuration is checked -------------- */

/* SSLEngine and SSLCertificateFile among the directives of one level of
   the configuration tree (<IfModule> and Include are already spliced in
   by httpd; nested sections cannot hold them). */
static void scan_level(apr_pool_t *p, const ap_directive_t *first, int *engine,
                       apr_array_header_t *files)
{
    for (const ap_directive_t *d = first; d != NULL; d = d->next) {
        const char *args = d->args;

        if (strcasecmp(d->directive, "SSLEngine") == 0) {
            *engine = strcasecmp(ap_getword_conf(p, &args), "on") == 0;
        }
        else if (strcasecmp(d->directive, "SSLCertificateFile") == 0) {
            const char *f =
                ap_server_root_relative(p, ap_getword_conf(p, &args));

            if (f != NULL) {
                APR_ARRAY_PUSH(files, const char *) = f;
            }
        }
    }
}

/* The <VirtualHost> section that made s (core records where). */
static const ap_directive_t *section_of(const server_rec *s)
{
    for (const ap_directive_t *d = ap_conftree; d != NULL; d = d->next) {
        if (strcasecmp(d->directive, "<VirtualHost") == 0 &&
            d->line_num == (int)s->defn_line_number && s->defn_name != NULL &&
            strcmp(d->filename, s->defn_name) == 0) {
            return d;
        }
    }
    return NULL;
}

/* The binding of the first certificate in a PEM file; NULL, or why not. */
static const char *read_cert(apr_pool_t *p, const char *file,
                             asd_cert_binding *out)
{
    BIO *in = BIO_new_file(file, "r"), *pem = BIO_new(BIO_s_mem());
    X509 *x = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    const char *err = NULL;
    char *text;
    long len;
    int n;

    if (x == NULL || pem == NULL) {
        err = "cannot read a PEM certificate from it";
    }
    else if ((n = i2d_X509(x, &der)) <= 0 ||
             SdTlsServerEndPointBindings(der, (ULONG)n, out->cb,
                                         sizeof(out->cb),
                                         &out->cb_len) != SEC_E_OK) {
        err = "its signature algorithm names no hash for tls-server-end-point "
              "(RFC 5929), or it is not DER";
    }
    else if (PEM_write_bio_X509(pem, x) != 1 ||
             (len = BIO_get_mem_data(pem, &text)) <= 0) {
        err = "cannot write it as PEM";
    }
    else {
        out->pem = apr_pstrmemdup(p, text, (apr_size_t)len);
    }
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(pem);
    BIO_free(in);
    return err;
}

static bool needed(const server_rec *s)
{
    for (int i = 0; needs != NULL && i < needs->nelts; i++) {
        if (APR_ARRAY_IDX(needs, i, asd_tls_need).s == s) {
            return true;
        }
    }
    return false;
}

/* A virtual host's TLS state and bindings; false when a certificate that
   On or Require needs cannot be used. */
static bool vhost_of(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                     int main_engine, const apr_array_header_t *main_files,
                     asd_vhost_binding *v)
{
    const ap_directive_t *sec = s->is_virtual ? section_of(s) : NULL;
    apr_array_header_t *files = apr_array_make(ptemp, 4, sizeof(char *));
    int engine = -1;
    bool ok = true;

    if (sec != NULL) {
        scan_level(ptemp, sec->first_child, &engine, files);
    }
    v->tls = engine == -1 ? main_engine == 1 : engine == 1;
    /* a virtual host's own certificates, and the main server's, which
       mod_ssl merges in: whichever it serves is then found by its PEM */
    apr_array_cat(files, main_files);
    v->certs = apr_array_make(pconf, 2, sizeof(asd_cert_binding));
    v->default_name[0] = apr_pstrcat(pconf, "HTTP/", s->server_hostname, NULL);
    for (int i = 0; v->tls && i < files->nelts; i++) {
        const char *f = APR_ARRAY_IDX(files, i, const char *);
        asd_cert_binding *cb = apr_array_push(v->certs);
        const char *err = read_cert(pconf, f, cb);

        if (err != NULL) {
            apr_array_pop(v->certs);
            ap_log_error(APLOG_MARK, needed(s) ? APLOG_EMERG : APLOG_WARNING, 0,
                         s,
                         SDLOGNO(00601) "SSLCertificateFile %s: %s; no "
                                        "channel binding for it",
                         f, err);
            ok = ok && !needed(s);
        }
    }
    return ok;
}

/* On and Require need TLS at this server: refuse them where it has none,
   rather than let them mean Off. */
static bool check_needs(apr_hash_t *table)
{
    bool ok = true;

    for (int i = 0; needs != NULL && i < needs->nelts; i++) {
        const asd_tls_need *n = &APR_ARRAY_IDX(needs, i, asd_tls_need);
        const asd_vhost_binding *v = apr_hash_get(table, &n->s, sizeof(n->s));

        if (v == NULL || !v->tls || v->certs->nelts == 0) {
            ap_log_error(
                APLOG_MARK, APLOG_EMERG, 0, n->s,
                SDLOGNO(00602) "AuthDigestChannelBinding %s (%s): the server "
                               "%s:%u has no TLS (SSLEngine on with an "
                               "SSLCertificateFile) to bind to; use Proxy "
                               "behind a TLS-terminating proxy, or Off",
                n->value, n->where, n->s->server_hostname,
                (unsigned)n->s->port);
            ok = false;
        }
    }
    return ok;
}

static int binding_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *table = apr_hash_make(pconf);
    apr_array_header_t *main_files = apr_array_make(ptemp, 4, sizeof(char *));
    int main_engine = -1;
    bool ok = true;

    (void)plog;
    scan_level(ptemp, ap_conftree, &main_engine, main_files);
    for (server_rec *v = s; v != NULL; v = v->next) {
        asd_vhost_binding *b = apr_pcalloc(pconf, sizeof(*b));
        server_rec **key = apr_pmemdup(pconf, &v, sizeof(v));

        ok = vhost_of(pconf, ptemp, v, main_engine, main_files, b) && ok;
        apr_hash_set(table, key, sizeof(*key), b);
    }
    ok = check_needs(table) && ok;
    vhosts = table;
    needs = NULL; /* the next configuration pass records its own */
    return ok ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* A configuration pass that failed left its list in a pool now gone. */
static int binding_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp)
{
    (void)pconf, (void)plog, (void)ptemp;
    needs = NULL;
    return OK;
}

void asd_binding_register(void)
{
    ap_hook_pre_config(binding_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(binding_check_config, NULL, NULL, APR_HOOK_MIDDLE);
}

/* ---- a request --------------------------------------------------------- */

static int mode_of(const asd_dir_conf *d)
{
    return d->channel_binding == ASD_CB_UNSET ? ASD_CB_OFF : d->channel_binding;
}

ULONG asd_binding_req(const asd_dir_conf *d)
{
    return mode_of(d) == ASD_CB_PROXY ? ASC_REQ_PROXY_BINDINGS : 0;
}

/* The binding of the certificate this connection was served with. */
static const asd_cert_binding *connection_binding(request_rec *r,
                                                  const asd_vhost_binding *v)
{
    /* an HTTP/2 stream's TLS is its master connection's */
    conn_rec *c = r->connection->master ? r->connection->master : r->connection;
    const char *pem;

    if (v->certs->nelts == 0 || !ap_ssl_conn_is_ssl(c)) {
        return NULL;
    }
    if (v->certs->nelts == 1) {
        return &APR_ARRAY_IDX(v->certs, 0, asd_cert_binding);
    }
    /* several certificates (RSA and ECDSA, say): the one mod_ssl chose */
    pem = ap_ssl_var_lookup(r->pool, r->server, c, r, "SSL_SERVER_CERT");
    for (int i = 0; pem != NULL && i < v->certs->nelts; i++) {
        const asd_cert_binding *cb =
            &APR_ARRAY_IDX(v->certs, i, asd_cert_binding);

        if (strcmp(cb->pem, pem) == 0) {
            return cb;
        }
    }
    return NULL;
}

void asd_binding_prepare(request_rec *r, const asd_dir_conf *d, SecBuffer *b5,
                         SD_CALL_PARAMETERS *params)
{
    int mode = mode_of(d);
    const asd_vhost_binding *v;
    const asd_cert_binding *cb;

    if (mode == ASD_CB_OFF) {
        return;
    }
    v = vhosts ? apr_hash_get(vhosts, &r->server, sizeof(r->server)) : NULL;
    if (d->service_names_set) {
        params->ServiceNames = d->service_names;
        params->ServiceNameCount = d->nservice_names;
    }
    else if (v != NULL) {
        params->ServiceNames = v->default_name;
        params->ServiceNameCount = 1;
    }
    if (mode != ASD_CB_ON) {
        params->Flags |= SD_CALL_NO_MISSING_BINDINGS;
    }
    /* Proxy: TLS ended in front of us; Require without a binding here
       (a connection without TLS) refuses every client */
    if (mode != ASD_CB_PROXY && v != NULL &&
        (cb = connection_binding(r, v)) != NULL) {
        b5->pvBuffer = (void *)(uintptr_t)cb->cb;
        b5->cbBuffer = cb->cb_len;
    }
}
