/*
 * module/remote_reply.c: reading what a server of a replay store sends
 * back (module/remote_reply.h).  Every function reads only the octets it
 * is given; none writes outside its out-parameters.
 */
#include "remote_reply.h"

#include <stdio.h>
#include <string.h>

/* ---- both stores ------------------------------------------------------ */

bool asd_remote_parse_generation(const char *value, size_t len, uint64_t *out)
{
    uint64_t g = 0;

    if (len != ASD_GENERATION_HEX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        int d = value[i] >= '0' && value[i] <= '9'   ? value[i] - '0'
                : value[i] >= 'a' && value[i] <= 'f' ? value[i] - 'a' + 10
                                                     : -1;

        if (d < 0) {
            return false;
        }
        g = g << 4 | (uint64_t)d;
    }
    *out = g;
    return g != 0;
}

/* Whether line (n octets) is prefix, name, sep and the value; the value's
   start in *value. */
static bool line_names(const char *line, size_t n, const char *prefix,
                       const char *name, char sep, const char **value)
{
    size_t plen = strlen(prefix), nlen = strlen(name);

    if (n < plen + nlen + 1 || memcmp(line, prefix, plen) != 0 ||
        memcmp(line + plen, name, nlen) != 0 || line[plen + nlen] != sep) {
        return false;
    }
    *value = line + plen + nlen + 1;
    return true;
}

/* A decimal number of n octets (at least one, at most 18 digits: no
   overflow). */
static bool decimal(const char *p, size_t n, int64_t *out)
{
    int64_t v = 0;

    if (n == 0 || n > 18) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

bool asd_remote_stat_field(const char *text, size_t len, const char *prefix,
                           const char *name, char sep, int64_t *out)
{
    const char *end = text + len;

    for (const char *line = text; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)((eol ? eol : end) - line);
        const char *value;

        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (line_names(line, n, prefix, name, sep, &value)) {
            return decimal(value, (size_t)(line + n - value), out);
        }
        line = eol ? eol + 1 : end;
    }
    return false;
}

/* ---- Redis ------------------------------------------------------------ */

const char *asd_redis_info_field(const char *info, const char *field,
                                 size_t *len)
{
    size_t flen = strlen(field);

    for (const char *line = info; line != NULL && *line != '\0';) {
        const char *eol = strpbrk(line, "\r\n");
        size_t n = eol ? (size_t)(eol - line) : strlen(line);

        if (n > flen && strncmp(line, field, flen) == 0 && line[flen] == ':') {
            *len = n - flen - 1;
            return line + flen + 1;
        }
        line = eol ? eol + strspn(eol, "\r\n") : NULL;
    }
    return NULL;
}

const char *asd_redis_read_pair(const redisReply *set, const redisReply *get,
                                bool *added, bool *has_gen, char *why,
                                size_t n)
{
    if (set->type == REDIS_REPLY_ERROR || get->type == REDIS_REPLY_ERROR) {
        snprintf(why, n, "it answers: %s",
                 set->type == REDIS_REPLY_ERROR ? set->str : get->str);
        return why;
    }
    if (set->type == REDIS_REPLY_STATUS && strcmp(set->str, "OK") == 0) {
        *added = true;
    }
    else if (set->type == REDIS_REPLY_NIL) {
        *added = false;
    }
    else {
        snprintf(why, n, "unexpected reply to SET");
        return why;
    }
    if (get->type == REDIS_REPLY_STRING) {
        *has_gen = true;
    }
    else if (get->type == REDIS_REPLY_NIL) {
        *has_gen = false;
    }
    else {
        snprintf(why, n, "unexpected reply to GET");
        return why;
    }
    return NULL;
}

/* ---- memcached -------------------------------------------------------- */

bool asd_mc_has_line(const char *buf, const char *start)
{
    size_t n = strlen(start);

    for (const char *line = buf, *eol; (eol = strstr(line, "\r\n")) != NULL;
         line = eol + 2) {
        if ((size_t)(eol - line) >= n && strncmp(line, start, n) == 0) {
            return true;
        }
    }
    return false;
}

const char *asd_mc_value(const char *buf, size_t *len)
{
    const char *value = strstr(buf, "\r\n");

    if (strncmp(buf, "VALUE ", 6) != 0 || value == NULL) {
        return NULL;
    }
    *len = strcspn(value + 2, "\r\n");
    return value + 2;
}
