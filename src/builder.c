/*
 * builder.c: bounded appends with a sticky overflow flag, and the quoting
 * helper.  It knows the auth-param syntax but no Digest meaning.
 */
#include "builder.h"

#include <string.h>

void sd_builder_init(sd_builder *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->overflow = false;
    b->sep = ", ";
}

void sd_builder_separator(sd_builder *b, const char *sep)
{
    b->sep = sep;
}

void sd_builder_put(sd_builder *b, const char *p, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

void sd_builder_puts(sd_builder *b, const char *s)
{
    sd_builder_put(b, s, strlen(s));
}

static void put_name(sd_builder *b, const char *name)
{
    if (b->len > 0 && b->buf[b->len - 1] != ' ') {
        sd_builder_puts(b, b->sep);
    }
    sd_builder_puts(b, name);
    sd_builder_put(b, "=", 1);
}

void sd_builder_param(sd_builder *b, const char *name, const char *value,
                      size_t n)
{
    put_name(b, name);
    sd_builder_put(b, value, n);
}

void sd_builder_param_quoted(sd_builder *b, const char *name, const char *value,
                             size_t n)
{
    size_t run = 0;

    put_name(b, name);
    sd_builder_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '"' || value[i] == '\\') {
            sd_builder_put(b, value + run, i - run);
            sd_builder_put(b, "\\", 1);
            run = i;
        }
    }
    sd_builder_put(b, value + run, n - run);
    sd_builder_put(b, "\"", 1);
}

bool sd_builder_ok(const sd_builder *b)
{
    return !b->overflow;
}
