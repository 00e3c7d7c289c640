/*
 * fuzz_remote_reply.c: libFuzzer target for what the module reads of the
 * replay stores' servers (module/remote_reply.c): the generation record's
 * value, a line of Redis's INFO or memcached's stats, the Redis replies to
 * a SET NX / GET round trip as hiredis decodes them from RESP octets, and
 * memcached's text replies of the start-up check (end lines, VALUE).  A
 * store is a peer on the network; what it sends is hostile input.
 * Properties checked:
 *   - every function agrees with an independent reading of its format on
 *     the raw octets (an exact-size buffer, so a read past the end is
 *     caught), and the views it returns lie inside its input;
 *   - values made here and put before the input are read back exactly: a
 *     generation from 8 octets, a statistics line, an INFO field, a
 *     memcached VALUE reply;
 *   - for every pair of replies hiredis decodes from the input, the SET
 *     and GET pair is understood exactly when SET is +OK or nil and GET a
 *     string or nil, and the reason otherwise fits the buffer given.
 * Built by scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: module/remote_reply.c
 * fuzz-libs: -lhiredis
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "../../module/remote_reply.h"
#include "fuzz_check.h"

static bool inside(const char *v, size_t len, const char *base, size_t n)
{
    return v >= base && len <= n && (size_t)(v - base) <= n - len;
}

/* ---- the generation record ------------------------------------------ */

static void check_generation(const uint8_t *data, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t want = 0, got = 0;
    bool ok = size == ASD_GENERATION_HEX;
    char made[ASD_GENERATION_HEX];

    for (size_t i = 0; ok && i < size; i++) {
        const char *d = memchr(hex, data[i], 16);

        ok = d != NULL && data[i] != '\0';
        want = want << 4 | (uint64_t)(ok ? d - hex : 0);
    }
    ok = ok && want != 0;
    CHECK(asd_remote_parse_generation((const char *)data, size, &got) == ok);
    CHECK(!ok || got == want);
    /* one made from 8 octets of the input is read back */
    want = 0;
    for (size_t i = 0; i < 8; i++) {
        want = want << 8 | (i < size ? data[i] : 0);
    }
    for (size_t i = 0; i < ASD_GENERATION_HEX; i++) {
        made[i] = hex[want >> (60 - 4 * i) & 15];
    }
    CHECK(asd_remote_parse_generation(made, sizeof(made), &got) == (want != 0));
    CHECK(want == 0 || got == want);
}

/* ---- statistics lines ------------------------------------------------ */

static const struct {
    const char *prefix, *name;
    char sep;
} stats[] = {{"", "used_memory", ':'},
             {"", "evicted_keys", ':'},
             {"STAT ", "bytes", ' '},
             {"STAT ", "curr_items", ' '},
             {"STAT ", "evictions", ' '}};

/* The first line of prefix, name and sep decides: its value must be 1 to
   18 decimal digits (then a CR before the LF is not part of it). */
static bool ref_stat(const char *p, size_t n, const char *prefix,
                     const char *name, char sep, int64_t *out)
{
    size_t pl = strlen(prefix), nl = strlen(name);

    for (size_t pos = 0; pos < n;) {
        size_t eol = pos, len;

        while (eol < n && p[eol] != '\n') {
            eol++;
        }
        len = eol - pos;
        if (len > 0 && p[pos + len - 1] == '\r') {
            len--;
        }
        if (len >= pl + nl + 1 && memcmp(p + pos, prefix, pl) == 0 &&
            memcmp(p + pos + pl, name, nl) == 0 && p[pos + pl + nl] == sep) {
            size_t v = pos + pl + nl + 1, vl = pos + len - v;
            int64_t x = 0;

            if (vl == 0 || vl > 18) {
                return false;
            }
            for (size_t i = v; i < v + vl; i++) {
                if (p[i] < '0' || p[i] > '9') {
                    return false;
                }
                x = x * 10 + (p[i] - '0');
            }
            *out = x;
            return true;
        }
        pos = eol + 1;
    }
    return false;
}

static void check_stats(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    char *made = malloc(size + 64);

    CHECK(made != NULL);
    for (size_t k = 0; k < sizeof(stats) / sizeof(stats[0]); k++) {
        int64_t got = -1, want = -1, number = 0;
        bool ok = asd_remote_stat_field(p, size, stats[k].prefix, stats[k].name,
                                        stats[k].sep, &got);
        int n;

        CHECK(ok == ref_stat(p, size, stats[k].prefix, stats[k].name,
                             stats[k].sep, &want));
        CHECK(!ok || (got == want && got >= 0 && got < INT64_C(1000000000000000000)));
        /* a line put first is the one read */
        for (size_t i = 0; i < 7 && i < size; i++) {
            number = number * 256 + data[i];
        }
        n = snprintf(made, 64, "%s%s%c%" PRId64 "\r\n", stats[k].prefix,
                     stats[k].name, stats[k].sep, number);
        CHECK(n > 0 && n < 64);
        memcpy(made + n, data, size);
        CHECK(asd_remote_stat_field(made, (size_t)n + size, stats[k].prefix,
                                    stats[k].name, stats[k].sep, &got));
        CHECK(got == number);
    }
    free(made);
}

/* ---- Redis INFO fields ------------------------------------------------- */

/* Lines are separated by runs of CR and LF; the first "field:" line with
   something after the colon decides. */
static const char *ref_info(const char *s, const char *field, size_t *len)
{
    size_t fl = strlen(field);

    while (*s != '\0') {
        size_t n = strcspn(s, "\r\n");

        if (n > fl && strncmp(s, field, fl) == 0 && s[fl] == ':') {
            *len = n - fl - 1;
            return s + fl + 1;
        }
        s += n;
        s += strspn(s, "\r\n");
    }
    return NULL;
}

static void check_info(const char *s, size_t n)
{
    static const char *const fields[] = {"maxmemory_policy", "used_memory",
                                         "a"};
    char *made = malloc(n + 64);

    CHECK(made != NULL);
    for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
        size_t len = 0, want_len = 0;
        const char *v = asd_redis_info_field(s, fields[k], &len);
        const char *want = ref_info(s, fields[k], &want_len);
        int m;

        CHECK(v == want);
        if (v != NULL) {
            CHECK(len == want_len && inside(v, len, s, n));
            CHECK(memchr(v, '\r', len) == NULL && memchr(v, '\n', len) == NULL);
        }
        /* a field put first is the one read */
        m = snprintf(made, 64, "%s:noeviction\r\n", fields[k]);
        memcpy(made + m, s, n + 1);
        v = asd_redis_info_field(made, fields[k], &len);
        CHECK(v == made + strlen(fields[k]) + 1 && len == 10);
    }
    free(made);
}

/* ---- Redis replies ----------------------------------------------------- */

static void check_pair(const redisReply *set, const redisReply *get)
{
    static const size_t sizes[] = {1, 8, 160};

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char *why = malloc(sizes[k]);
        bool added = false, has_gen = false;
        bool set_ok = (set->type == REDIS_REPLY_STATUS &&
                       strcmp(set->str, "OK") == 0) ||
                      set->type == REDIS_REPLY_NIL;
        bool get_ok = get->type == REDIS_REPLY_STRING ||
                      get->type == REDIS_REPLY_NIL;
        const char *r;

        CHECK(why != NULL);
        r = asd_redis_read_pair(set, get, &added, &has_gen, why, sizes[k]);
        CHECK((r == NULL) == (set_ok && get_ok));
        if (r == NULL) {
            CHECK(added == (set->type == REDIS_REPLY_STATUS));
            CHECK(has_gen == (get->type == REDIS_REPLY_STRING));
            if (has_gen) {
                uint64_t g;

                asd_remote_parse_generation(get->str, get->len, &g);
            }
        }
        else {
            CHECK(r == why && strlen(why) < sizes[k]);
        }
        free(why);
    }
}

static void check_redis(const uint8_t *data, size_t size)
{
    redisReader *reader = redisReaderCreate();
    redisReply *replies[16];
    int n = 0;

    CHECK(reader != NULL);
    if (redisReaderFeed(reader, (const char *)data, size) == REDIS_OK) {
        void *reply = NULL;

        while (n < 16 && redisReaderGetReply(reader, &reply) == REDIS_OK &&
               reply != NULL) {
            replies[n++] = reply;
            reply = NULL;
        }
    }
    for (int i = 0; i + 1 < n; i++) {
        check_pair(replies[i], replies[i + 1]);
    }
    for (int i = 0; i < n; i++) {
        int64_t v;

        if (replies[i]->type == REDIS_REPLY_STRING) {
            asd_remote_stat_field(replies[i]->str, replies[i]->len, "",
                                  "used_memory", ':', &v);
        }
        freeReplyObject(replies[i]);
    }
    redisReaderFree(reader);
}

/* ---- memcached text replies ---------------------------------------- */

static bool ref_has_line(const char *s, const char *start)
{
    size_t sl = strlen(start);
    const char *line = s;

    for (const char *p = s; p[0] != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            if ((size_t)(p - line) >= sl && memcmp(line, start, sl) == 0) {
                return true;
            }
            line = p + 2;
            p++;
        }
    }
    return false;
}

static void check_memcached(const char *s, size_t n)
{
    static const char *const ends[] = {"END",          "STORED",
                                       "NOT_STORED",   "ERROR",
                                       "SERVER_ERROR", "CLIENT_ERROR"};
    static const char made_head[] = "VALUE sdnc:v2:generation 0 16\r\n";
    size_t len = 0;
    const char *v;
    char *made;

    for (size_t k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
        CHECK(asd_mc_has_line(s, ends[k]) == ref_has_line(s, ends[k]));
    }
    v = asd_mc_value(s, &len);
    if (strncmp(s, "VALUE ", 6) != 0 || strstr(s, "\r\n") == NULL) {
        CHECK(v == NULL);
    }
    else {
        CHECK(v == strstr(s, "\r\n") + 2);
        CHECK(inside(v, len, s, n) && len == strcspn(v, "\r\n"));
    }
    /* a reply made here, then the input: its value is read back */
    made = malloc(sizeof(made_head) + 18 + n + 8);
    CHECK(made != NULL);
    memcpy(made, made_head, sizeof(made_head) - 1);
    memcpy(made + sizeof(made_head) - 1, "0123456789abcdef\r\n", 18);
    memcpy(made + sizeof(made_head) - 1 + 18, s, n + 1);
    v = asd_mc_value(made, &len);
    CHECK(v == made + sizeof(made_head) - 1 && len == 16);
    {
        uint64_t g = 0;

        CHECK(asd_remote_parse_generation(v, len, &g) &&
              g == UINT64_C(0x0123456789abcdef));
    }
    free(made);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0'; /* hiredis and the socket reader leave a NUL */
    check_generation(data, size);
    check_stats(data, size);
    check_info(s, size);
    check_redis(data, size);
    check_memcached(s, size);
    free(s);
    return 0;
}
