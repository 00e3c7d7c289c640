/*
 * status.c: symbolic names of the statuses this package returns, for log
 * lines and test messages.
 */
#include "sspi.h"

#define NAME(s)                                                                \
    {                                                                          \
        s, #s                                                                  \
    }

static const struct {
    SECURITY_STATUS status;
    const char *name;
} names[] = {
    NAME(SEC_E_OK),
    NAME(SEC_E_INSUFFICIENT_MEMORY),
    NAME(SEC_E_INVALID_HANDLE),
    NAME(SEC_E_UNSUPPORTED_FUNCTION),
    NAME(SEC_E_TARGET_UNKNOWN),
    NAME(SEC_E_INTERNAL_ERROR),
    NAME(SEC_E_SECPKG_NOT_FOUND),
    NAME(SEC_E_NOT_OWNER),
    NAME(SEC_E_INVALID_TOKEN),
    NAME(SEC_E_QOP_NOT_SUPPORTED),
    NAME(SEC_E_NO_IMPERSONATION),
    NAME(SEC_E_LOGON_DENIED),
    NAME(SEC_E_UNKNOWN_CREDENTIALS),
    NAME(SEC_E_NO_CREDENTIALS),
    NAME(SEC_E_MESSAGE_ALTERED),
    NAME(SEC_E_OUT_OF_SEQUENCE),
    NAME(SEC_E_NO_AUTHENTICATING_AUTHORITY),
    NAME(SEC_I_CONTINUE_NEEDED),
    NAME(SEC_I_COMPLETE_NEEDED),
    NAME(SEC_I_COMPLETE_AND_CONTINUE),
    NAME(SEC_E_CONTEXT_EXPIRED),
    NAME(SEC_E_INCOMPLETE_MESSAGE),
    NAME(SEC_E_BUFFER_TOO_SMALL),
    NAME(SEC_I_RENEGOTIATE),
    NAME(SEC_E_WRONG_PRINCIPAL),
    NAME(SEC_E_ALGORITHM_MISMATCH),
    NAME(SEC_E_SECURITY_QOS_FAILED),
    NAME(SEC_E_WRONG_CREDENTIAL_HANDLE),
    NAME(SEC_E_BAD_BINDINGS),
    NAME(SEC_E_INVALID_PARAMETER),
    NAME(SEC_E_MUTUAL_AUTH_FAILED),
    NAME(STATUS_LOGON_FAILURE),
};

const char *SdStatusName(SECURITY_STATUS Status)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].status == Status) {
            return names[i].name;
        }
    }
    return "unknown";
}
