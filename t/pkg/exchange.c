/*
 * exchange.c: one HTTP Digest exchange through the installed engine, as a
 * program that embeds it would do it: built with nothing but
 * `pkg-config --cflags --libs sspidigest` (scripts/test-packages), and
 * linked to the shared library.  The server side takes its keys from a
 * password file written by the installed sspidigest-passwd, so the tool
 * and the library are checked against each other.
 *
 * usage: exchange FILE REALM USER PASSWORD
 * Prints TAP; exits 0 when every step passed.  It does not test the
 * engine's behaviour (the unit tests do): only that the installed
 * library, header and .pc file make a working program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <sspi.h>

#define TOKEN_MAX 16384

static int failed;
static int n;

static void check(int ok, const char *what, SECURITY_STATUS st)
{
    n++;
    printf("%sok %d - %s (%s)\n", ok ? "" : "not ", n, what, SdStatusName(st));
    failed += !ok;
}

/* The password file, whole, NUL-terminated. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len;

    if (f == NULL) {
        return NULL;
    }
    buf = calloc(1, 65536);
    if (buf != NULL) {
        len = fread(buf, 1, 65535, f);
        buf[len] = '\0';
    }
    fclose(f);
    return buf;
}

/* SEC_GET_KEY_FN: the key of the request's family, from the line
   "user:realm:HASHES" of the file (Arg), through SdRealmHashSelect. */
static void SEC_ENTRY get_key(PVOID Arg, PVOID Principal, ULONG KeyVer,
                              PVOID *Key, SECURITY_STATUS *Status)
{
    const char *line = Arg;
    PSD_DIGEST_KEY_REQUEST req = Principal;
    const SEC_CHAR *hex = NULL;
    ULONG hex_len = 0;

    (void)Key;
    *Status = SEC_E_UNKNOWN_CREDENTIALS;
    if (KeyVer != SD_DIGEST_KEY_VERSION) {
        *Status = SEC_E_NO_AUTHENTICATING_AUTHORITY;
        return;
    }
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        size_t head = req->UserLength + 1 + req->RealmLength + 1;

        if (len > head && memcmp(line, req->User, req->UserLength) == 0 &&
            line[req->UserLength] == ':' &&
            memcmp(line + req->UserLength + 1, req->Realm, req->RealmLength) ==
                0 &&
            line[head - 1] == ':') {
            *Status = SdRealmHashSelect(line + head, len - head, req->Algorithm,
                                        &hex, &hex_len);
            if (*Status == SEC_E_OK) {
                memcpy(req->Key, hex, hex_len);
                req->KeyLength = hex_len;
            }
            return;
        }
        line = end != NULL ? end + 1 : NULL;
    }
}

static void set(SecBuffer *b, ULONG type, const char *s)
{
    b->BufferType = type;
    b->pvBuffer = (PVOID)(uintptr_t)s;
    b->cbBuffer = s != NULL ? (ULONG)strlen(s) : 0;
}

/* AcceptSecurityContext, HTTP mode: token, method, -, H(body), realm. */
static SECURITY_STATUS accept_token(CredHandle *cred, CtxtHandle *ctx,
                                    int have_ctx, const char *token,
                                    const char *realm, char *out)
{
    SecBuffer in[5], ob;
    SecBufferDesc id = {SECBUFFER_VERSION, 5, in},
                  od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;

    set(&in[0], SECBUFFER_TOKEN, token);
    set(&in[1], SECBUFFER_PKG_PARAMS, "GET");
    set(&in[2], SECBUFFER_PKG_PARAMS, NULL);
    set(&in[3], SECBUFFER_PKG_PARAMS, NULL);
    set(&in[4], SECBUFFER_PKG_PARAMS, realm);
    ob.BufferType = SECBUFFER_TOKEN;
    ob.pvBuffer = out;
    ob.cbBuffer = TOKEN_MAX - 1;
    st = AcceptSecurityContext(cred, have_ctx ? ctx : NULL, &id,
                               ASC_REQ_HTTP | ASC_REQ_REPLAY_DETECT, 0, ctx,
                               &od, &attrs, NULL);
    out[ob.cbBuffer < TOKEN_MAX ? ob.cbBuffer : 0] = '\0';
    return st;
}

/* InitializeSecurityContext, HTTP style, for GET /private/. */
static SECURITY_STATUS initialize(CredHandle *cred, CtxtHandle *ctx,
                                  int have_ctx, const char *token, char *out)
{
    SecBuffer in[2], ob;
    SecBufferDesc id = {SECBUFFER_VERSION, 2, in},
                  od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attrs = 0;
    SECURITY_STATUS st;
    char uri[] = "/private/";

    set(&in[0], SECBUFFER_TOKEN, token);
    set(&in[1], SECBUFFER_PKG_PARAMS, "GET");
    ob.BufferType = SECBUFFER_TOKEN;
    ob.pvBuffer = out;
    ob.cbBuffer = TOKEN_MAX - 1;
    st = InitializeSecurityContext(cred, have_ctx ? ctx : NULL, uri,
                                   ISC_REQ_USE_HTTP_STYLE | ISC_REQ_MUTUAL_AUTH,
                                   0, 0, &id, 0, ctx, &od, &attrs, NULL);
    out[ob.cbBuffer < TOKEN_MAX ? ob.cbBuffer : 0] = '\0';
    return st;
}

static SECURITY_STATUS client_cred(const char *user, const char *password,
                                   CredHandle *h)
{
    SEC_WINNT_AUTH_IDENTITY_A id = {
        .User = (UCHAR *)(uintptr_t)user,
        .UserLength = (ULONG)strlen(user),
        .Password = (UCHAR *)(uintptr_t)password,
        .PasswordLength = (ULONG)strlen(password),
        .Flags = SEC_WINNT_AUTH_IDENTITY_ANSI,
    };
    char package[] = "WDigest";

    return AcquireCredentialsHandle(NULL, package, SECPKG_CRED_OUTBOUND, NULL,
                                    &id, NULL, NULL, h, NULL);
}

int main(int argc, char **argv)
{
    static char challenge[TOKEN_MAX], authz[TOKEN_MAX], info[TOKEN_MAX],
        scratch[TOKEN_MAX];
    SD_DIGEST_SERVER_POLICY policy = {
        .Version = SD_DIGEST_SERVER_POLICY_VERSION,
        .AlgorithmCount = 2,
        .Algorithms = {SD_ALG_SHA256, SD_ALG_MD5},
        .QopFlags = SD_QOP_AUTH,
        .NonceLifetime = 300,
    };
    CredHandle server, client, wrong;
    CtxtHandle sctx, cctx, sctx2, cctx2;
    SecPkgContext_Names names = {NULL};
    PSecPkgInfo info_pkg = NULL;
    SECURITY_STATUS st;
    char package[] = "WDigest";
    char *file;

    SecInvalidateHandle(&sctx);
    SecInvalidateHandle(&cctx);
    SecInvalidateHandle(&sctx2);
    SecInvalidateHandle(&cctx2);
    if (argc != 5) {
        fprintf(stderr, "usage: exchange FILE REALM USER PASSWORD\n");
        return 2;
    }
    file = read_file(argv[1]);
    if (file == NULL || apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "exchange: cannot read %s or start APR\n", argv[1]);
        return 1;
    }
    printf("1..8\n");

    st = QuerySecurityPackageInfo(package, &info_pkg);
    check(st == SEC_E_OK && strcmp(info_pkg->Name, "WDigest") == 0,
          "QuerySecurityPackageInfo names WDigest", st);
    FreeContextBuffer(info_pkg);

    st = AcquireCredentialsHandle(NULL, package, SECPKG_CRED_INBOUND, NULL,
                                  &policy, get_key, file, &server, NULL);
    if (st == SEC_E_OK) {
        st = client_cred(argv[3], argv[4], &client);
    }
    if (st == SEC_E_OK) {
        st = client_cred(argv[3], "not the password", &wrong);
    }
    check(st == SEC_E_OK, "server and client credentials", st);
    if (st != SEC_E_OK) {
        return 1;
    }

    st = accept_token(&server, &sctx, 0, "", argv[2], challenge);
    check(st == SEC_I_CONTINUE_NEEDED && strstr(challenge, "SHA-256") != NULL,
          "AcceptSecurityContext challenges with SHA-256", st);

    st = initialize(&client, &cctx, 0, challenge, authz);
    check(st == SEC_I_CONTINUE_NEEDED &&
              strstr(authz, "algorithm=SHA-256") != NULL,
          "InitializeSecurityContext answers with SHA-256", st);

    st = accept_token(&server, &sctx, 1, authz, argv[2], info);
    check(st == SEC_E_OK && strstr(info, "rspauth=") != NULL,
          "AcceptSecurityContext accepts the password", st);

    st = QueryContextAttributes(&sctx, SECPKG_ATTR_NAMES, &names);
    check(st == SEC_E_OK && strcmp(names.sUserName, argv[3]) == 0,
          "the server context names the user", st);

    st = initialize(&client, &cctx, 1, info, scratch);
    check(st == SEC_E_OK, "InitializeSecurityContext verifies rspauth", st);

    /* The same exchange with a wrong password must be refused: this is
       what makes the steps above mean something. */
    st = accept_token(&server, &sctx2, 0, "", argv[2], challenge);
    if (st == SEC_I_CONTINUE_NEEDED) {
        st = initialize(&wrong, &cctx2, 0, challenge, authz);
    }
    if (st == SEC_I_CONTINUE_NEEDED) {
        st = accept_token(&server, &sctx2, 1, authz, argv[2], scratch);
    }
    check(st == SEC_E_LOGON_DENIED,
          "AcceptSecurityContext refuses a wrong password", st);

    DeleteSecurityContext(&sctx);
    DeleteSecurityContext(&cctx);
    DeleteSecurityContext(&sctx2);
    DeleteSecurityContext(&cctx2);
    FreeCredentialsHandle(&server);
    FreeCredentialsHandle(&client);
    FreeCredentialsHandle(&wrong);
    free(file);
    apr_terminate();
    return failed == 0 ? 0 : 1;
}
