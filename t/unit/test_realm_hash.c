/*
 * test_realm_hash.c: selecting a key from the stored realm-hash forms.
 */
#include "support.h"

#include <stdio.h>
#include <string.h>

static const char md5[] = "3d78807defe7de2157e2b0b6573a855f";
static const char sha[] =
    "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232";

static SECURITY_STATUS pick(const char *list, ULONG alg, char *out)
{
    const SEC_CHAR *hex = NULL;
    ULONG n = 0;
    SECURITY_STATUS st = SdRealmHashSelect(list, strlen(list), alg, &hex, &n);

    out[0] = '\0';
    if (st == SEC_E_OK) {
        memcpy(out, hex, n);
        out[n] = '\0';
    }
    return st;
}

static void forms(void **state)
{
    char out[80], list[300];

    (void)state;
    /* an htdigest line: bare MD5 */
    assert_status(pick(md5, SD_ALG_MD5_SESS, out), SEC_E_OK);
    assert_string_equal(out, md5);
    assert_status(pick(md5, SD_ALG_SHA256, out), SEC_E_ALGORITHM_MISMATCH);
    /* a list with a bare MD5 first */
    snprintf(list, sizeof(list), "%s,SHA-256=%s", md5, sha);
    assert_status(pick(list, SD_ALG_SHA256_SESS, out), SEC_E_OK);
    assert_string_equal(out, sha);
    assert_status(pick(list, SD_ALG_MD5, out), SEC_E_OK);
    assert_string_equal(out, md5);
    assert_status(pick(list, SD_ALG_SHA512_256, out), SEC_E_ALGORITHM_MISMATCH);
    /* named items in any case and order */
    snprintf(list, sizeof(list), "sha-512-256=%s,md5=%s", sha, md5);
    assert_status(pick(list, SD_ALG_SHA512_256, out), SEC_E_OK);
    assert_string_equal(out, sha);
}

static void malformed(void **state)
{
    static const char *bad[] = {
        "",
        "3d78807defe7de2157e2b0b6573a855",          /* short */
        "3d78807defe7de2157e2b0b6573a855g",         /* not hex */
        "SHA-256=3d78807defe7de2157e2b0b6573a855f", /* MD5 length */
        "SHA-1=3d78807defe7de2157e2b0b6573a855f",
        "3d78807defe7de2157e2b0b6573a855f,",
        "3d78807defe7de2157e2b0b6573a855f,3d78807defe7de2157e2b0b6573a855f",
        "MD5=3d78807defe7de2157e2b0b6573a855f,"
        "MD5=3d78807defe7de2157e2b0b6573a855f",
        "{SHA}abc",
    };
    char out[80];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SECURITY_STATUS st = pick(bad[i], SD_ALG_MD5, out);

        if (st != SEC_E_INVALID_TOKEN) {
            fail_msg("\"%s\": %s", bad[i], SdStatusName(st));
        }
    }
    assert_status(pick(md5, 77, out), SEC_E_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
