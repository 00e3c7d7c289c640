/*
 * fuzz_user_file.c: libFuzzer target for what the module reads of an
 * AuthUserFile: the line split of module/user_line.c (user, realm, rest,
 * as module/store.c turns a user-hash back into a name) and the stored
 * realm-hash list that mod_authn_file returns from the rest of the line
 * (SdRealmHashSelect, src/realm_hash.c).  A password file is written by
 * hand or by tools, so its lines are hostile input.  Properties checked:
 *   - the line split agrees with an independent reading (two colons, no
 *     leading '#', a user of at most SD_MAX_USER octets) and joining
 *     user ":" realm ":" rest gives back the line;
 *   - SdRealmHashSelect, on the rest of the line and on the raw octets
 *     (an exact-size buffer, so a read past the end is caught), answers
 *     what an independent reading of the list format answers, for every
 *     algorithm, the same with and without "-sess", and on success points
 *     at 2 * hash-size hex digits inside the list;
 *   - a list made from the input's octets (bare MD5 first or not, names in
 *     any case and order) selects exactly the hex that was put in.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: module/user_line.c src/realm_hash.c src/digest_hash.c src/params.c src/builder.c src/hex.c src/secret.c
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../module/user_line.h"
#include "digest_hash.h"
#include "fuzz_check.h"
#include "sspi.h"

static const char *const names[SD_HASH_FAMILIES] = {"MD5", "SHA-256",
                                                    "SHA-512-256"};

/* The engine's ids, MD5 .. SHA-512-256-sess, with one unknown id each
   side. */
#define FIRST_ID 0U
#define LAST_ID 7U

static bool ref_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr("0123456789abcdefABCDEF", p[i]) == NULL || p[i] == '\0') {
            return false;
        }
    }
    return true;
}

/* An independent reading of the list: comma-separated items, each
   NAME=hex (NAME one of the three families, any case, hex of its size)
   or, first only, a bare 32-hex MD5; at most one item of the family
   asked for.  Returns the status and, on success, where the hex is. */
static SECURITY_STATUS ref_select(const char *p, size_t n, int family,
                                  size_t *at, size_t *len)
{
    size_t start = 0, found = 0;
    bool bad = false;

    if (n == 0) {
        return SEC_E_INVALID_TOKEN;
    }
    for (size_t k = 0; k <= n; k++) {
        size_t item, eq;
        int fam = -1;

        if (k < n && p[k] != ',') {
            continue;
        }
        item = k - start;
        for (eq = start; eq < k && p[eq] != '='; eq++) {
        }
        if (eq == k) {
            if (start == 0 && item == 32 && ref_hex(p, 32)) {
                fam = 0;
                *at = 0;
            }
        }
        else {
            for (int f = 0; f < SD_HASH_FAMILIES; f++) {
                size_t hl = k - eq - 1;

                if (strlen(names[f]) == eq - start &&
                    strncasecmp(p + start, names[f], eq - start) == 0 &&
                    hl == 2 * sd_hash_size((sd_hash_family)f) &&
                    ref_hex(p + eq + 1, hl)) {
                    fam = f;
                    if (f == family) {
                        *at = eq + 1;
                    }
                }
            }
        }
        if (fam < 0) {
            bad = true;
        }
        else if (fam == family) {
            found++;
            *len = 2 * sd_hash_size((sd_hash_family)family);
        }
        start = k + 1;
    }
    if (bad || found > 1) {
        return SEC_E_INVALID_TOKEN;
    }
    return found == 1 ? SEC_E_OK : SEC_E_ALGORITHM_MISMATCH;
}

/* SdRealmHashSelect on p[0..n) for every id, against ref_select. */
static void check_select(const char *p, size_t n)
{
    for (ULONG id = FIRST_ID; id <= LAST_ID; id++) {
        const sd_algorithm *alg = sd_algorithm_by_id(id);
        const SEC_CHAR *hex = NULL;
        ULONG hex_len = 0;
        size_t at = 0, len = 0;
        SECURITY_STATUS st = SdRealmHashSelect(p, n, id, &hex, &hex_len);

        if (alg == NULL) {
            CHECK(st == SEC_E_INVALID_PARAMETER);
            continue;
        }
        CHECK(st == ref_select(p, n, (int)alg->family, &at, &len));
        if (st == SEC_E_OK) {
            CHECK(hex == p + at && hex_len == len);
            CHECK(hex_len == 2 * sd_hash_size(alg->family));
            CHECK(ref_hex(hex, hex_len));
        }
    }
}

/* A list from the input's octets: selects back what was put in. */
static void check_made_list(const uint8_t *data, size_t size)
{
    static const char digits[] = "0123456789abcdef0123456789ABCDEF";
    char hex[SD_HASH_FAMILIES][2 * 32 + 1];
    char list[512];
    int order = size > 0 ? data[0] % 6 : 0;
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    bool bare = size > 1 && (data[1] & 1) != 0;
    bool lower = size > 1 && (data[1] & 2) != 0;
    size_t n = 0;

    for (int f = 0; f < SD_HASH_FAMILIES; f++) {
        size_t hl = 2 * sd_hash_size((sd_hash_family)f);

        for (size_t i = 0; i < hl; i++) {
            size_t k = 2 + (size_t)f * 64 + i;

            hex[f][i] = digits[k < size ? data[k] & 31 : (i * 7 + 3) & 31];
        }
        hex[f][hl] = '\0';
    }
    for (int i = 0; i < SD_HASH_FAMILIES; i++) {
        int f = orders[order][i];
        char name[16];

        snprintf(name, sizeof(name), "%s", names[f]);
        if (lower) {
            for (char *c = name; *c != '\0'; c++) {
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
            }
        }
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s%s%s",
                              i > 0 ? "," : "",
                              bare && i == 0 && f == 0 ? "" : name,
                              bare && i == 0 && f == 0 ? "" : "=", hex[f]);
    }
    CHECK(n < sizeof(list));
    for (ULONG id = SD_ALG_MD5; id <= SD_ALG_SHA512_256_SESS; id++) {
        const sd_algorithm *alg = sd_algorithm_by_id(id);
        const SEC_CHAR *got = NULL;
        ULONG got_len = 0;

        CHECK(alg != NULL);
        CHECK(SdRealmHashSelect(list, n, id, &got, &got_len) == SEC_E_OK);
        CHECK(got_len == strlen(hex[alg->family]) &&
              memcmp(got, hex[alg->family], got_len) == 0);
    }
}

/* The line split against an independent reading, and its round trip. */
static void check_line(const char *line)
{
    const char *c1 = strchr(line, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    bool want = line[0] != '#' && c2 != NULL &&
                (size_t)(c1 - line) <= SD_MAX_USER;
    sd_view user = {NULL, 0}, realm = {NULL, 0};
    const char *rest = NULL;
    char joined[4096 + 4];
    int n;

    CHECK(asd_user_line(line, &user, &realm, &rest) == want);
    if (!want) {
        return;
    }
    CHECK(user.p == line && user.len <= SD_MAX_USER);
    CHECK(memchr(user.p, ':', user.len) == NULL);
    CHECK(memchr(realm.p, ':', realm.len) == NULL);
    CHECK(rest == realm.p + realm.len + 1);
    n = snprintf(joined, sizeof(joined), "%.*s:%.*s:%s", (int)user.len, user.p,
                 (int)realm.len, realm.p, rest);
    CHECK(n >= 0 && (size_t)n < sizeof(joined) && strcmp(joined, line) == 0);
    check_select(rest, strlen(rest));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line;

    if (size > 4096) {
        return 0; /* ap_cfg_getline's lines are shorter (MAX_STRING_LEN) */
    }
    line = malloc(size + 1);
    if (line == NULL) {
        return 0;
    }
    memcpy(line, data, size);
    line[size] = '\0';
    check_line(line);
    free(line);
    check_select((const char *)data, size);
    check_made_list(data, size);
    return 0;
}
