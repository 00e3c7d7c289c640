/*
 * sample_opts.c: sspidigest-sasl-sample's options (Cyrus SASL's sample
 * programs' where they overlap), its two files, the key callback over the
 * user file, and the SASL-mode calls with their buffers.
 */
#include "sample_opts.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define FILE_MAX (1 << 20)

static void usage(void)
{
    fputs("usage: sspidigest-sasl-sample server [-m MECH] [-s SERVICE] "
          "[-n HOST] [-r REALM]\n"
          "           [-b min=N,max=N] -f USERFILE\n"
          "       sspidigest-sasl-sample client [-m MECH] [-s SERVICE] "
          "[-n HOST] [-r REALM]\n"
          "           [-u AUTHZID] [-a AUTHID] [-b min=N,max=N] -P PWFILE\n"
          "  -b: SSF 0 none, 1 integrity, 40 rc4-40, 55 des, 56 rc4-56, "
          "112 3des, 128 rc4\n",
          stderr);
}

/* A whole small file, NUL-terminated; NULL on error. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(FILE_MAX + 1);
    size_t n = 0;

    if (f == NULL || buf == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, FILE_MAX + 1, f);
    fclose(f);
    if (n > FILE_MAX) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static bool parse_number(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || !isdigit((unsigned char)*s)) {
        return false;
    }
    v = strtoul(s, &end, 10);
    if (*end != '\0' || v > UINT_MAX) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* -b min=N,max=N (either may be left out). */
static bool parse_bits(char *arg, sample_opts *o)
{
    for (char *item = strtok(arg, ","); item != NULL;
         item = strtok(NULL, ",")) {
        if (strncmp(item, "min=", 4) == 0) {
            if (!parse_number(item + 4, &o->min_ssf)) {
                return false;
            }
        }
        else if (strncmp(item, "max=", 4) != 0 ||
                 !parse_number(item + 4, &o->max_ssf)) {
            return false;
        }
    }
    return o->min_ssf <= o->max_ssf;
}

/* The first line of the password file. */
static bool read_password(const char *path, sample_opts *o)
{
    char *text = read_file(path);

    if (text == NULL) {
        return false;
    }
    text[strcspn(text, "\r\n")] = '\0';
    o->password = text;
    return true;
}

static bool take_option(int c, char *arg, sample_opts *o, const char **uid,
                        const char **aid, const char **pwfile,
                        const char **userfile)
{
    switch (c) {
    case 'm':
        o->mech = arg;
        return true;
    case 's':
        o->service = arg;
        return true;
    case 'n':
        snprintf(o->host, sizeof(o->host), "%s", arg);
        return true;
    case 'r':
        o->realm = arg;
        return true;
    case 'u':
        *uid = arg;
        return !o->server;
    case 'a':
        *aid = arg;
        return !o->server;
    case 'b':
        return parse_bits(arg, o);
    case 'P':
        *pwfile = arg;
        return !o->server;
    case 'f':
        *userfile = arg;
        return o->server;
    default:
        return false;
    }
}

bool sample_parse_opts(int argc, char **argv, sample_opts *o)
{
    const char *uid = NULL, *aid = NULL, *pwfile = NULL, *userfile = NULL;
    int c;

    memset(o, 0, sizeof(*o));
    o->mech = "DIGEST-MD5";
    o->service = "rcmd";
    o->max_ssf = UINT_MAX;
    if (argc < 2 ||
        (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0)) {
        usage();
        return false;
    }
    o->server = strcmp(argv[1], "server") == 0;
    optind = 2;
    while ((c = getopt(argc, argv, "m:s:n:r:u:a:b:P:f:")) != -1) {
        if (!take_option(c, optarg, o, &uid, &aid, &pwfile, &userfile)) {
            usage();
            return false;
        }
    }
    if (o->host[0] == '\0' && gethostname(o->host, sizeof(o->host) - 1) != 0) {
        return false;
    }
    if (o->server) {
        o->realm = o->realm != NULL ? o->realm : o->host;
        o->users = userfile != NULL ? read_file(userfile) : NULL;
        if (o->users == NULL || optind != argc) {
            fputs("sspidigest-sasl-sample: need a readable -f USERFILE\n",
                  stderr);
            return false;
        }
        return true;
    }
    /* Cyrus SASL: one of -u and -a is both ids, and no authzid is sent */
    o->authid = aid != NULL ? aid : uid;
    o->authzid =
        aid != NULL && uid != NULL && strcmp(aid, uid) != 0 ? uid : NULL;
    if (o->authid == NULL || pwfile == NULL || !read_password(pwfile, o) ||
        optind != argc) {
        fputs("sspidigest-sasl-sample: need -u or -a, and a readable -P "
              "PWFILE\n",
              stderr);
        return false;
    }
    return true;
}

void sample_free_opts(sample_opts *o)
{
    if (o->password != NULL) {
        OPENSSL_cleanse(o->password, strlen(o->password));
        free(o->password);
    }
    free(o->users);
}

bool sample_has_mech(const char *list, const char *mech)
{
    size_t n = strlen(mech);

    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, " ");

        if (len == n && strncasecmp(p, mech, n) == 0) {
            return true;
        }
        p += len;
        p += strspn(p, " ");
    }
    return false;
}

/* The hashes of user in realm: the rest of the line "user:realm:...". */
static const char *find_line(const char *users, const SD_DIGEST_KEY_REQUEST *kr,
                             size_t *len)
{
    for (const char *line = users; *line != '\0';) {
        size_t n = strcspn(line, "\r\n");
        size_t u = kr->UserLength, r = kr->RealmLength;

        if (n > u + r + 2 && memcmp(line, kr->User, u) == 0 && line[u] == ':' &&
            memcmp(line + u + 1, kr->Realm, r) == 0 && line[u + 1 + r] == ':') {
            *len = n - u - r - 2;
            return line + u + r + 2;
        }
        line += n;
        line += strspn(line, "\r\n");
    }
    return NULL;
}

void SEC_ENTRY sample_get_key(PVOID Arg, PVOID Principal, ULONG KeyVer,
                              PVOID *Key, SECURITY_STATUS *Status)
{
    const sample_opts *o = Arg;
    SD_DIGEST_KEY_REQUEST *kr = Principal;
    const SEC_CHAR *hex;
    const char *hashes;
    ULONG n = 0;
    size_t len = 0;

    (void)KeyVer;
    (void)Key;
    hashes = find_line(o->users, kr, &len);
    if (hashes == NULL) {
        *Status = SEC_E_UNKNOWN_CREDENTIALS;
        return;
    }
    *Status = SdRealmHashSelect(hashes, len, kr->Algorithm, &hex, &n);
    if (*Status == SEC_E_OK) {
        memcpy(kr->Key, hex, n);
        kr->KeyLength = n;
    }
}

static SECURITY_STATUS call(bool server, CredHandle *cred, CtxtHandle *ctx,
                            CtxtHandle *ctx_out, ULONG req, const char *target,
                            const unsigned char *token, size_t len,
                            const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                            ULONG *attrs)
{
    SecBuffer ib[2] = {
        {(ULONG)len, SECBUFFER_TOKEN, (void *)(uintptr_t)token},
        {sizeof(*sp), SECBUFFER_SD_SASL_PARAMETERS, (void *)(uintptr_t)sp}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {(ULONG)(cap - 1), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS st;

    if (server) {
        st = AcceptSecurityContext(cred, ctx, &id, req, 0, ctx_out, &od, attrs,
                                   NULL);
    }
    else {
        st = InitializeSecurityContext(cred, ctx, (SEC_CHAR *)(uintptr_t)target,
                                       req, 0, 0, &id, 0, ctx_out, &od, attrs,
                                       NULL);
    }
    out[ob.cbBuffer < cap ? ob.cbBuffer : 0] = '\0';
    return st;
}

SECURITY_STATUS sample_asc(CredHandle *cred, CtxtHandle *ctx,
                           CtxtHandle *ctx_out, ULONG req,
                           const unsigned char *token, size_t len,
                           const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                           ULONG *attrs)
{
    return call(true, cred, ctx, ctx_out, req, NULL, token, len, sp, out, cap,
                attrs);
}

SECURITY_STATUS sample_isc(CredHandle *cred, CtxtHandle *ctx,
                           CtxtHandle *ctx_out, ULONG req, const char *target,
                           const unsigned char *token, size_t len,
                           const SD_SASL_PARAMETERS *sp, char *out, size_t cap,
                           ULONG *attrs)
{
    return call(false, cred, ctx, ctx_out, req, target, token, len, sp, out,
                cap, attrs);
}
