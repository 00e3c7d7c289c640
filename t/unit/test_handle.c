/*
 * test_handle.c: handles are refused when forged, stale, of the other
 * kind or invalidated, and never name a new object after reuse.
 */
#include "support.h"

#include <string.h>

#include "handle.h"

static void kinds_and_retirement(void **state)
{
    int a, b;
    SecHandle ha, hb, copy;

    (void)state;
    assert_status(sd_handle_issue(SD_HANDLE_CONTEXT, &a, &ha), SEC_E_OK);
    assert_ptr_equal(sd_handle_lookup(&ha, SD_HANDLE_CONTEXT), &a);
    assert_null(sd_handle_lookup(&ha, SD_HANDLE_CREDENTIALS));
    copy = ha;
    sd_handle_retire(&ha);
    sd_handle_retire(&ha); /* idempotent */
    assert_null(sd_handle_lookup(&copy, SD_HANDLE_CONTEXT));
    /* the slot is reused, the old handle still names nothing */
    assert_status(sd_handle_issue(SD_HANDLE_CONTEXT, &b, &hb), SEC_E_OK);
    assert_int_equal(hb.dwLower, copy.dwLower);
    assert_null(sd_handle_lookup(&copy, SD_HANDLE_CONTEXT));
    assert_ptr_equal(sd_handle_lookup(&hb, SD_HANDLE_CONTEXT), &b);
    sd_handle_retire(&hb);
}

static void forged_handles(void **state)
{
    SecHandle h;
    unsigned seed = 1;

    (void)state;
    SecInvalidateHandle(&h);
    assert_null(sd_handle_lookup(&h, SD_HANDLE_CONTEXT));
    h.dwLower = 0;
    h.dwUpper = 0;
    assert_null(sd_handle_lookup(&h, SD_HANDLE_CONTEXT));
    assert_null(sd_handle_lookup(NULL, SD_HANDLE_CONTEXT));
    for (int i = 0; i < 100000; i++) {
        seed = seed * 1103515245 + 12345;
        h.dwLower = (ULONG_PTR)seed % 10000;
        h.dwUpper = (ULONG_PTR)seed << 8 | (seed & 3);
        assert_null(sd_handle_lookup(&h, SD_HANDLE_CONTEXT));
        assert_null(sd_handle_lookup(&h, SD_HANDLE_CREDENTIALS));
    }
}

/* More live handles than one chunk of the table holds. */
static void many(void **state)
{
    enum { N = 10000 };
    static SecHandle hs[N];
    static int objs[N];

    (void)state;
    for (int i = 0; i < N; i++) {
        assert_status(sd_handle_issue(SD_HANDLE_CREDENTIALS, &objs[i], &hs[i]),
                      SEC_E_OK);
    }
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(sd_handle_lookup(&hs[i], SD_HANDLE_CREDENTIALS),
                         &objs[i]);
        sd_handle_retire(&hs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_and_retirement),
        cmocka_unit_test(forged_handles),
        cmocka_unit_test(many),
    };
    return cmocka_run_group_tests(tests, test_apr_up, test_apr_down);
}
