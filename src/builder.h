/*
 * builder.h: the one bounded string builder for everything the engine
 * writes (challenges, Authorization, Authentication-Info).  Appending past
 * the capacity sets a sticky overflow flag instead of truncating silently;
 * callers check sd_builder_ok() once at the end.
 */
#ifndef SD_BUILDER_H
#define SD_BUILDER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
    const char *sep; /* between parameters: ", " unless set otherwise */
} sd_builder;

void sd_builder_init(sd_builder *b, char *buf, size_t cap);

/* Parameters are then separated by sep (a literal), e.g. "," for SASL,
   where Windows peers send and expect no space. */
void sd_builder_separator(sd_builder *b, const char *sep);
void sd_builder_put(sd_builder *b, const char *p, size_t n);
void sd_builder_puts(sd_builder *b, const char *s);

/* Appends `, name=value` (or `name=value` first): the value unquoted. */
void sd_builder_param(sd_builder *b, const char *name, const char *value,
                      size_t n);

/* Appends `, name="value"` with `"` and `\` escaped (RFC 7230 §3.2.6). */
void sd_builder_param_quoted(sd_builder *b, const char *name, const char *value,
                             size_t n);

/* True when nothing overflowed. */
bool sd_builder_ok(const sd_builder *b);

#endif
