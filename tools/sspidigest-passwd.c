/*
 * sspidigest-passwd.c: the command line of the password tool, a superset
 * of htdigest(1): `sspidigest-passwd [-c] [-a ALG[,ALG...]] [-i] FILE
 * REALM USER` stores H(user ":" realm ":" password) under each chosen
 * algorithm on the line "user:realm:HASHES", in the form
 * SdRealmHashSelect() reads.  With -a MD5 the line is a plain htdigest
 * line.  This file checks the arguments, computes the line with the
 * engine's hashes and hands it to passwd_file.c; reading the password is
 * passwd_prompt.c's job.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "builder.h"
#include "digest_hash.h"
#include "secret.h"

#include "passwd.h"
#include "passwd_file.h"
#include "passwd_prompt.h"

/* The stored order: the bare MD5 first, so that the line stays readable
   by htdigest-era code that takes the first 32 hex digits. */
static const struct {
    sd_hash_family family;
    const char *prefix;
} stored[] = {
    {SD_HASH_MD5, ""},
    {SD_HASH_SHA256, "SHA-256="},
    {SD_HASH_SHA512_256, "SHA-512-256="},
};

#define ALL_FAMILIES                                                           \
    ((1u << SD_HASH_MD5) | (1u << SD_HASH_SHA256) | (1u << SD_HASH_SHA512_256))

/* "user:realm:" MD5 "," "SHA-256=" hex "," "SHA-512-256=" hex "\n" */
#define MAX_LINE                                                               \
    (SDP_MAX_USER + 1 + SDP_MAX_REALM + 1 + SD_HEX_MD5 + 1 + 8 + SD_HEX_256 +  \
     1 + 12 + SD_HEX_256 + 1)

void sdp_complain(const char *fmt, ...)
{
    va_list ap;

    fputs(SDP_PROGRAM ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(FILE *out)
{
    fputs("Usage: " SDP_PROGRAM " [-c] [-a ALG[,ALG...]] [-i] FILE REALM "
          "USER\n"
          "  -c  create FILE, replacing all of it if it exists\n"
          "  -a  the hashes to store, comma-separated, any case: MD5,\n"
          "      SHA-256, SHA-512-256 (default: all three; MD5 alone\n"
          "      writes a plain htdigest line)\n"
          "  -i  read the password from the first line of standard input\n"
          "      instead of asking for it twice on the terminal\n",
          out);
}

/* -a's list into a set of (1 << sd_hash_family). */
static bool parse_algorithms(const char *arg, unsigned *families)
{
    const char *p = arg;

    *families = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        sd_view name = {p, n};
        const sd_algorithm *alg = sd_algorithm_by_name(name);
        int shown = n > 64 ? 64 : (int)n;
        unsigned bit;

        if (n == 0) {
            sdp_complain("-a: an empty algorithm name in \"%s\"", arg);
            return false;
        }
        if (alg == NULL) {
            sdp_complain("-a: unknown algorithm \"%.*s\" (choose from MD5, "
                         "SHA-256, SHA-512-256)",
                         shown, p);
            return false;
        }
        if (alg->sess) {
            /* RFC 7616 §3.4.2: -sess derives its key per nonce from the
               stored H(user:realm:password) of the base algorithm. */
            sdp_complain("-a: %s uses the %.*s hash; choose that instead",
                         alg->name, (int)(strlen(alg->name) - 5), alg->name);
            return false;
        }
        bit = 1u << (unsigned)alg->family;
        if ((*families & bit) != 0) {
            sdp_complain("-a: %.*s is named twice", shown, p);
            return false;
        }
        *families |= bit;
        if (comma == NULL) {
            return true;
        }
        p = comma + 1;
    }
}

/* A user or realm must fit the engine's bounds, and not break the line
   or change how httpd's mod_authn_file reads it. */
static bool check_name(const char *what, const char *s, size_t max, bool user)
{
    size_t n = strlen(s);

    if (n == 0) {
        sdp_complain("the %s is empty", what);
        return false;
    }
    if (n > max) {
        sdp_complain("the %s is longer than %zu octets", what, max);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ':') {
            sdp_complain("the %s contains ':', which separates the fields "
                         "of the line",
                         what);
            return false;
        }
        /* A newline would split the line; the engine refuses every
           control character in a header, so such a name could never log
           in. */
        if (c < 0x20 || c == 0x7f) {
            sdp_complain("the %s contains a control character", what);
            return false;
        }
    }
    if (user && s[0] == '#') {
        sdp_complain("the %s starts with '#', which makes its line a "
                     "comment",
                     what);
        return false;
    }
    if (user && s[0] == ' ') {
        sdp_complain("the %s starts with a space, which httpd strips from "
                     "the line",
                     what);
        return false;
    }
    return true;
}

/* "user:realm:HASHES\n": each hash is H(user ":" realm ":" password) in
   lower-case hex (RFC 7616 §3.4.2, A1 without -sess). */
static bool make_line(sd_hasher *h, unsigned families, sd_view user,
                      sd_view realm, sd_view password, sd_builder *b)
{
    char hex[SD_MAX_HEX];
    bool ok = true, first = true;

    sd_builder_put(b, user.p, user.len);
    sd_builder_put(b, ":", 1);
    sd_builder_put(b, realm.p, realm.len);
    sd_builder_put(b, ":", 1);
    for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
        if ((families & (1u << (unsigned)stored[i].family)) == 0) {
            continue;
        }
        if (!sd_digest_ha1(h, stored[i].family, user, realm, password, hex)) {
            ok = false;
            break;
        }
        if (!first) {
            sd_builder_put(b, ",", 1);
        }
        sd_builder_puts(b, stored[i].prefix);
        sd_builder_put(b, hex, 2 * sd_hash_size(stored[i].family));
        first = false;
    }
    sd_builder_put(b, "\n", 1);
    sd_wipe(hex, sizeof(hex));
    return ok && sd_builder_ok(b);
}

int main(int argc, char **argv)
{
    const char *algorithms = NULL;
    bool create = false, from_stdin = false, file_open = false;
    unsigned families = ALL_FAMILIES;
    int opt, rc = SDP_EXIT_FAIL;
    apr_pool_t *pool = NULL;
    sd_hasher *h;
    sdp_file file;
    sdp_pw_status st;
    sd_view user, realm, password;
    char pw[SDP_MAX_PASSWORD];
    size_t pw_len = 0;
    char line[MAX_LINE];
    sd_builder b;

    /* '+': options come first, so a user named "-x" can follow them. */
    while ((opt = getopt(argc, argv, "+a:chi")) != -1) {
        switch (opt) {
        case 'a':
            algorithms = optarg;
            break;
        case 'c':
            create = true;
            break;
        case 'i':
            from_stdin = true;
            break;
        case 'h':
            usage(stdout);
            return SDP_EXIT_OK;
        default:
            usage(stderr);
            return SDP_EXIT_USAGE;
        }
    }
    if (argc - optind != 3) {
        usage(stderr);
        return SDP_EXIT_USAGE;
    }
    realm.p = argv[optind + 1];
    realm.len = strlen(realm.p);
    user.p = argv[optind + 2];
    user.len = strlen(user.p);
    if ((algorithms != NULL && !parse_algorithms(algorithms, &families)) ||
        !check_name("user name", user.p, SDP_MAX_USER, true) ||
        !check_name("realm", realm.p, SDP_MAX_REALM, false)) {
        return SDP_EXIT_FAIL;
    }

    if (apr_initialize() != APR_SUCCESS) {
        sdp_complain("cannot initialise APR");
        return SDP_EXIT_FAIL;
    }
    if (apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        sdp_complain("out of memory");
        goto done;
    }
    h = sd_hasher_create(pool);
    if (h == NULL) {
        sdp_complain("cannot set up the hash functions (OpenSSL)");
        goto done;
    }

    file_open = true;
    if (!sdp_file_open(&file, argv[optind], create)) {
        goto done;
    }
    /* htdigest's messages, before the prompt, so that a mistyped user
       name shows as "Adding" while there is still time to stop. */
    if (create) {
        fprintf(stderr, "Adding password for %s in realm %s.\n", user.p,
                realm.p);
    }
    else if (sdp_file_find(&file, user, realm)) {
        fprintf(stderr, "Changing password for user %s in realm %s\n", user.p,
                realm.p);
    }
    else {
        fprintf(stderr, "Adding user %s in realm %s\n", user.p, realm.p);
    }

    st = from_stdin ? sdp_password_stdin(pw, &pw_len)
                    : sdp_password_prompt(pw, &pw_len);
    if (st != SDP_PW_OK) {
        sdp_complain("%s%s%s; %s is unchanged", sdp_pw_reason(st),
                     st == SDP_PW_IO ? ": " : "",
                     st == SDP_PW_IO ? strerror(errno) : "", argv[optind]);
        goto done;
    }
    password.p = pw;
    password.len = pw_len;
    sd_builder_init(&b, line, sizeof(line));
    if (!make_line(h, families, user, realm, password, &b)) {
        sdp_complain("cannot compute the hashes; %s is unchanged",
                     argv[optind]);
        goto done;
    }
    if (!sdp_file_commit(&file, line, b.len)) {
        goto done;
    }
    rc = SDP_EXIT_OK;
done:
    sd_wipe(pw, sizeof(pw));
    sd_wipe(line, sizeof(line));
    if (file_open) {
        sdp_file_close(&file);
    }
    if (pool != NULL) {
        apr_pool_destroy(pool);
    }
    apr_terminate();
    return rc;
}
