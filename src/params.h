/*
 * params.h: the HTTP authentication grammar (RFC 7235 §2.1, RFC 7230
 * §3.2.6 quoted-string) and RFC 8187 ext-values.  It yields schemes and
 * (name, value) views and knows nothing of Digest: no parameter name is
 * special here.  Used by both the server and the client side.
 */
#ifndef SD_PARAMS_H
#define SD_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "builder.h"
#include "bounds.h"

/* A non-owning view of octets; never assume a NUL after them. */
typedef struct {
    const char *p;
    size_t len;
} sd_view;

typedef enum {
    SD_PARSE_OK = 0,
    SD_PARSE_SYNTAX,    /* the grammar is broken */
    SD_PARSE_TOO_BIG,   /* the input, a name or a value is over its limit */
    SD_PARSE_TOO_MANY,  /* too many parameters or challenges */
    SD_PARSE_DUPLICATE, /* one parameter name twice in a challenge */
    SD_PARSE_BAD_CHAR   /* NUL or a control character */
} sd_parse_status;

typedef struct {
    sd_view name;
    sd_view value; /* unescaped: into the input, or into the list's scratch */
    bool quoted;
} sd_param;

/* One challenge or credentials: a scheme with parameters or a token68.
   A bare parameter list (no scheme, e.g. Authentication-Info) is one
   challenge with an empty scheme. */
typedef struct {
    sd_view scheme;
    sd_view token68;
    size_t first; /* index of the first parameter in sd_auth_list.params */
    size_t count;
} sd_challenge;

#define SD_MAX_LIST_PARAMS (SD_MAX_PARAMS * 4)

typedef struct {
    sd_challenge challenges[SD_MAX_CHALLENGES];
    size_t nchallenges;
    sd_param params[SD_MAX_LIST_PARAMS];
    size_t nparams;
    char scratch[SD_MAX_TOKEN];
    size_t scratch_used;
} sd_auth_list;

/* Parses in[0..len) into list.  Values longer than max_value octets after
   unescaping are SD_PARSE_TOO_BIG.  The views stay valid while both the
   input and the list do. */
sd_parse_status sd_auth_parse(sd_auth_list *list, const char *in, size_t len,
                              size_t max_value);

/* The same, except that a parameter name may repeat within a challenge
   (SD_PARSE_DUPLICATE is never returned): a DIGEST-MD5 challenge may
   carry several realm directives (RFC 2831 §2.1.1). */
sd_parse_status sd_auth_parse_repeats(sd_auth_list *list, const char *in,
                                      size_t len, size_t max_value);

/* A fixed reason for a parse status, for SECPKG_ATTR_SD_REASON. */
const char *sd_parse_reason(sd_parse_status status);

/* The parameter named `name` (ASCII, any case) of a challenge, or NULL. */
const sd_param *sd_challenge_param(const sd_auth_list *list,
                                   const sd_challenge *ch, const char *name);

/* ASCII case-insensitive comparison with a NUL-terminated literal. */
bool sd_view_eq_ci(sd_view v, const char *lit);

/* Octet equality of two views. */
bool sd_view_eq(sd_view a, sd_view b);

/* True when p[0..n) is well-formed UTF-8 without C0 controls or DEL. */
bool sd_utf8_printable(const char *p, size_t n);

/* RFC 8187 ext-value with charset UTF-8 to octets in out (cap octets);
   false on any other charset, bad syntax, invalid UTF-8 or a control
   character in the result, or when it does not fit. */
bool sd_ext_value_decode(sd_view in, char *out, size_t cap, size_t *out_len);

/* Appends the RFC 8187 ext-value UTF-8''... of p[0..n) to b. */
void sd_ext_value_encode(sd_builder *b, const char *p, size_t n);

#endif
