/*
 * cbclient.c: a Digest client over TLS that sends channel bindings, made
 * of the engine's client side (InitializeSecurityContext with a service
 * name in buffer 3 and a SEC_CHANNEL_BINDINGS in buffer 4), for the TLS
 * stage (t/tls/binding.pl).  It is a test tool: one connection, blocking
 * I/O, Content-Length bodies only.
 *
 *   cbclient [options] PORT PATH USER PASSWORD
 *     --sni NAME          TLS server name and Host (default localhost)
 *     --cafile FILE       verify the server's certificate against FILE
 *     --spn NAME          service name sent (default HTTP/ and --sni)
 *     --binding-from PORT bind to the certificate of another server
 *                         (127.0.0.1:PORT): what a relay would forward
 *     --unbound           send the service name but no binding (zeros)
 *     --legacy            neither: answer as a client without bindings
 *     --requests N        N authorized requests on the connection (the
 *                         first answers the 401, the others reuse the
 *                         nonce with the next count; default 1)
 *     --sigalgs LIST      the signature algorithms offered (OpenSSL's
 *                         form, e.g. ECDSA+SHA256), to choose which of a
 *                         server's certificates it sends
 *
 * It connects to 127.0.0.1:PORT and prints one line per response,
 * "STATUS marked=0|1 upgraded=0|1" (marked: the challenge's nonce carried
 * "+Upgraded+"; upgraded: the Authorization carried a channel binding),
 * and exits 0 when every authorized request got 200, 1 otherwise, 2 on a
 * usage or set-up error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <apr_general.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sspi.h"

#define BUF_CAP 65536
#define TOKEN_CAP 16384

static struct {
    const char *sni, *cafile, *spn, *path, *user, *password, *sigalgs;
    int port, binding_port, requests;
    bool unbound, legacy;
} opt = {"localhost", NULL, NULL, NULL, NULL,  NULL,
         NULL,        0,    0,    1,    false, false};

static void die(const char *what)
{
    fprintf(stderr, "cbclient: %s\n", what);
    exit(2);
}

/* ---- TLS ----------------------------------------------------------------- */

static SSL *tls_connect(SSL_CTX *ctx, int port)
{
    struct sockaddr_in a = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    SSL *ssl;

    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        die("cannot connect to 127.0.0.1");
    }
    ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
        SSL_set_tlsext_host_name(ssl, opt.sni) != 1 ||
        (opt.cafile != NULL && SSL_set1_host(ssl, opt.sni) != 1) ||
        SSL_connect(ssl) != 1) {
        die("TLS handshake failed (or the certificate was not trusted)");
    }
    return ssl;
}

static void tls_close(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);

    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
}

/* The tls-server-end-point binding of the certificate ssl's server sent. */
static ULONG end_point(SSL *ssl, unsigned char *cb, ULONG cap)
{
    X509 *x = SSL_get1_peer_certificate(ssl);
    unsigned char *der = NULL;
    int n = x ? i2d_X509(x, &der) : -1;
    ULONG len = 0;

    if (n <= 0 ||
        SdTlsServerEndPointBindings(der, (ULONG)n, cb, cap, &len) != SEC_E_OK) {
        die("no tls-server-end-point binding for the server's certificate");
    }
    OPENSSL_free(der);
    X509_free(x);
    return len;
}

/* ---- HTTP ---------------------------------------------------------------- */

typedef struct {
    int status;
    char challenges[TOKEN_CAP]; /* WWW-Authenticate lines, CR LF between */
    size_t challenges_len;
} response;

static void send_all(SSL *ssl, const char *p, size_t n)
{
    while (n > 0) {
        int w = SSL_write(ssl, p, (int)n);

        if (w <= 0) {
            die("write failed");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void add_challenge(response *r, const char *v, size_t n)
{
    if (r->challenges_len + n + 2 >= sizeof(r->challenges)) {
        die("challenges too long");
    }
    if (r->challenges_len > 0) {
        memcpy(r->challenges + r->challenges_len, "\r\n", 2);
        r->challenges_len += 2;
    }
    memcpy(r->challenges + r->challenges_len, v, n);
    r->challenges_len += n;
}

/* Reads one response: status, WWW-Authenticate lines, a Content-Length
   body (discarded). */
static void read_response(SSL *ssl, response *r)
{
    static char buf[BUF_CAP];
    size_t have = 0, body = 0;
    char *end = NULL, *line;

    memset(r, 0, sizeof(*r));
    while (end == NULL) {
        int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));

        if (n <= 0) {
            die("connection closed before a response");
        }
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (sscanf(buf, "HTTP/1.1 %d", &r->status) != 1) {
        die("no status line");
    }
    for (line = strstr(buf, "\r\n") + 2; line < end;
         line = strstr(line, "\r\n") + 2) {
        size_t n = (size_t)(strstr(line, "\r\n") - line);

        if (strncasecmp(line, "WWW-Authenticate: ", 18) == 0) {
            add_challenge(r, line + 18, n - 18);
        }
        else if (strncasecmp(line, "Content-Length: ", 16) == 0) {
            body = strtoul(line + 16, NULL, 10);
        }
    }
    have -= (size_t)(end + 4 - buf);
    while (have < body) {
        int n = SSL_read(ssl, buf, (int)(sizeof(buf) - 1));

        if (n <= 0) {
            die("connection closed in a body");
        }
        have += (size_t)n;
    }
}

static void request(SSL *ssl, const char *authorization, response *r)
{
    char head[TOKEN_CAP + 1024];
    int n = snprintf(
        head, sizeof(head), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%s\r\n",
        opt.path, opt.sni, opt.port, authorization ? "Authorization: " : "",
        authorization ? authorization : "", authorization ? "\r\n" : "");

    if (n < 0 || (size_t)n >= sizeof(head)) {
        die("request too long");
    }
    send_all(ssl, head, (size_t)n);
    read_response(ssl, r);
}

/* ---- Digest -------------------------------------------------------------- */

/* One InitializeSecurityContext call; the Authorization value into out. */
static SECURITY_STATUS isc(CredHandle *cred, CtxtHandle *ctx, bool first,
                           const char *token, size_t len,
                           const unsigned char *cb, ULONG cb_len, char *out)
{
    SecBuffer in[5] = {
        {(ULONG)len, SECBUFFER_TOKEN, (void *)(uintptr_t)token},
        {3, SECBUFFER_PKG_PARAMS, "GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_EMPTY, NULL},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc id = {SECBUFFER_VERSION, 5, in};
    SecBuffer ob = {TOKEN_CAP - 1, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    if (!opt.legacy) {
        in[3] = (SecBuffer){(ULONG)strlen(opt.spn), SECBUFFER_TARGET_HOST,
                            (void *)(uintptr_t)opt.spn};
    }
    if (cb_len > 0) {
        in[4] = (SecBuffer){cb_len, SECBUFFER_CHANNEL_BINDINGS,
                            (void *)(uintptr_t)cb};
    }
    st = InitializeSecurityContext(first ? cred : NULL, first ? NULL : ctx,
                                   (SEC_CHAR *)(uintptr_t)opt.path,
                                   ISC_REQ_USE_HTTP_STYLE, 0, 0, &id, 0, ctx,
                                   &od, &attrs, NULL);
    out[ob.cbBuffer < TOKEN_CAP ? ob.cbBuffer : 0] = '\0';
    return st;
}

static void parse_args(int argc, char **argv)
{
    int i = 1;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];

        if (strcmp(o, "--unbound") == 0) {
            opt.unbound = true;
        }
        else if (strcmp(o, "--legacy") == 0) {
            opt.legacy = true;
        }
        else if (i + 1 >= argc) {
            die("an option needs a value");
        }
        else if (strcmp(o, "--sni") == 0) {
            opt.sni = argv[++i];
        }
        else if (strcmp(o, "--cafile") == 0) {
            opt.cafile = argv[++i];
        }
        else if (strcmp(o, "--spn") == 0) {
            opt.spn = argv[++i];
        }
        else if (strcmp(o, "--binding-from") == 0) {
            opt.binding_port = atoi(argv[++i]);
        }
        else if (strcmp(o, "--sigalgs") == 0) {
            opt.sigalgs = argv[++i];
        }
        else if (strcmp(o, "--requests") == 0) {
            opt.requests = atoi(argv[++i]);
        }
        else {
            die("unknown option");
        }
    }
    if (argc - i != 4 || (opt.port = atoi(argv[i])) <= 0 || opt.requests < 1) {
        die("usage: cbclient [options] PORT PATH USER PASSWORD");
    }
    opt.path = argv[i + 1];
    opt.user = argv[i + 2];
    opt.password = argv[i + 3];
}

int main(int argc, char **argv)
{
    SSL_CTX *tls;
    SSL *ssl;
    CredHandle cred;
    CtxtHandle ctx;
    SEC_WINNT_AUTH_IDENTITY id = {0};
    unsigned char cb[SD_TLS_END_POINT_BINDINGS_MAX];
    ULONG cb_len = 0;
    static char authz[TOKEN_CAP], spn[512];
    response r;
    bool ok = true, marked;

    parse_args(argc, argv);
    if (opt.spn == NULL) {
        snprintf(spn, sizeof(spn), "HTTP/%s", opt.sni);
        opt.spn = spn;
    }
    if (apr_initialize() != APR_SUCCESS ||
        (tls = SSL_CTX_new(TLS_client_method())) == NULL) {
        die("set-up failed");
    }
    if (opt.sigalgs != NULL &&
        SSL_CTX_set1_sigalgs_list(tls, opt.sigalgs) != 1) {
        die("bad --sigalgs");
    }
    if (opt.cafile != NULL) {
        if (SSL_CTX_load_verify_locations(tls, opt.cafile, NULL) != 1) {
            die("cannot read --cafile");
        }
        SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, NULL);
    }
    if (opt.binding_port > 0) {
        ssl = tls_connect(tls, opt.binding_port);
        cb_len = end_point(ssl, cb, sizeof(cb));
        tls_close(ssl);
    }
    ssl = tls_connect(tls, opt.port);
    if (opt.binding_port == 0 && !opt.unbound && !opt.legacy) {
        cb_len = end_point(ssl, cb, sizeof(cb));
    }
    if (opt.legacy || opt.unbound) {
        cb_len = 0;
    }
    id.User = (UCHAR *)(uintptr_t)opt.user;
    id.UserLength = (ULONG)strlen(opt.user);
    id.Password = (UCHAR *)(uintptr_t)opt.password;
    id.PasswordLength = (ULONG)strlen(opt.password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (AcquireCredentialsHandle(NULL, "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                 &id, NULL, NULL, &cred, NULL) != SEC_E_OK) {
        die("no credentials");
    }
    request(ssl, NULL, &r);
    if (r.status != 401 || r.challenges_len == 0) {
        die("the first request did not get a Digest challenge");
    }
    r.challenges[r.challenges_len] = '\0';
    marked = strstr(r.challenges, "nonce=\"+Upgraded+") != NULL;
    for (int i = 0; i < opt.requests; i++) {
        SECURITY_STATUS st =
            i == 0 ? isc(&cred, &ctx, true, r.challenges, r.challenges_len, cb,
                         cb_len, authz)
                   : isc(&cred, &ctx, false, "", 0, cb, cb_len, authz);

        if (st != SEC_E_OK) {
            fprintf(stderr, "cbclient: InitializeSecurityContext: %s\n",
                    SdStatusName(st));
            return 2;
        }
        request(ssl, authz, &r);
        printf("%d marked=%d upgraded=%d\n", r.status, marked,
               strstr(authz, "channel-binding=") != NULL);
        ok = ok && r.status == 200;
    }
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    tls_close(ssl);
    SSL_CTX_free(tls);
    apr_terminate();
    return ok ? 0 : 1;
}
