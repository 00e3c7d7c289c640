/*
 * ctxbuf.c: the one allocator behind FreeContextBuffer.  The header sits
 * right before the caller's pointer.  Like free(), freeing a block twice
 * is undefined: the header is gone with the block.
 */
#include "ctxbuf.h"

#include <stdint.h>
#include <stdlib.h>

#include "secret.h"

#define CTXBUF_MAGIC UINT64_C(0x5344435458425546) /* "SDCTXBUF" */

typedef struct {
    uint64_t magic;
    size_t len;
} header;

void *sd_ctxbuf_alloc(size_t n)
{
    header *h;

    if (n > SIZE_MAX - sizeof(header)) {
        return NULL;
    }
    h = malloc(sizeof(header) + n);
    if (h == NULL) {
        return NULL;
    }
    h->magic = CTXBUF_MAGIC;
    h->len = n;
    return h + 1;
}

bool sd_ctxbuf_free(void *p)
{
    header *h;

    if (p == NULL || (uintptr_t)p % _Alignof(header) != 0) {
        return false;
    }
    h = (header *)p - 1;
    if (h->magic != CTXBUF_MAGIC) {
        return false;
    }
    sd_wipe(h, sizeof(header) + h->len);
    free(h);
    return true;
}
