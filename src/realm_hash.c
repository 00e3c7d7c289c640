/*
 * realm_hash.c: the stored form of a user's keys, as the password tool
 * writes it and an authn provider returns it: a bare 32-hex MD5 (an
 * htdigest line), or a comma-separated list of ALG=hex items for MD5,
 * SHA-256 and SHA-512-256, of which a bare MD5 may come first.
 */
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "digest_hash.h"
#include "sspi.h"

static const char *const family_names[SD_HASH_FAMILIES] = {"MD5", "SHA-256",
                                                           "SHA-512-256"};

static bool is_hex(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

/* One item: "hex" (only first, MD5) or "ALG=hex".  Sets *family and the
   hex view; false when malformed. */
static bool read_item(const char *p, size_t n, bool first,
                      sd_hash_family *family, const char **hex, size_t *hex_len)
{
    const char *eq = memchr(p, '=', n);

    if (eq == NULL) {
        *family = SD_HASH_MD5;
        *hex = p;
        *hex_len = n;
        return first && n == SD_HEX_MD5 && is_hex(p, n);
    }
    for (int f = 0; f < SD_HASH_FAMILIES; f++) {
        size_t name_len = strlen(family_names[f]);

        if ((size_t)(eq - p) == name_len &&
            strncasecmp(p, family_names[f], name_len) == 0) {
            *family = (sd_hash_family)f;
            *hex = eq + 1;
            *hex_len = n - name_len - 1;
            return *hex_len == 2 * sd_hash_size(*family) &&
                   is_hex(*hex, *hex_len);
        }
    }
    return false;
}

SECURITY_STATUS SEC_ENTRY SdRealmHashSelect(const SEC_CHAR *pszHashes,
                                            size_t cbHashes, ULONG Algorithm,
                                            const SEC_CHAR **ppHex,
                                            ULONG *pcchHex)
{
    const sd_algorithm *alg = sd_algorithm_by_id(Algorithm);
    const char *p = pszHashes, *end = pszHashes + cbHashes;
    const char *found = NULL;
    size_t found_len = 0;
    bool first = true;

    if (alg == NULL || pszHashes == NULL || ppHex == NULL || pcchHex == NULL) {
        return SEC_E_INVALID_PARAMETER;
    }
    if (cbHashes == 0) {
        return SEC_E_INVALID_TOKEN;
    }
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
        sd_hash_family family;
        const char *hex;
        size_t hex_len;

        if (!read_item(p, n, first, &family, &hex, &hex_len)) {
            return SEC_E_INVALID_TOKEN;
        }
        if (family == alg->family) {
            if (found != NULL) {
                return SEC_E_INVALID_TOKEN; /* one key per family */
            }
            found = hex;
            found_len = hex_len;
        }
        first = false;
        p += n + (comma != NULL);
        if (comma != NULL && p == end) {
            return SEC_E_INVALID_TOKEN; /* trailing comma */
        }
    }
    if (found == NULL) {
        return SEC_E_ALGORITHM_MISMATCH;
    }
    *ppHex = found;
    *pcchHex = (ULONG)found_len;
    return SEC_E_OK;
}
