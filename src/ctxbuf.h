/*
 * ctxbuf.h: memory the engine hands to the caller to free with
 * FreeContextBuffer (ALLOCATE_MEMORY outputs, SecPkgInfo).  Each block has
 * a header with a magic value and its length, so FreeContextBuffer can
 * refuse a pointer it did not hand out and wipe what it frees.
 */
#ifndef SD_CTXBUF_H
#define SD_CTXBUF_H

#include <stdbool.h>
#include <stddef.h>

/* n octets (n may be 0), or NULL. */
void *sd_ctxbuf_alloc(size_t n);

/* Wipes and frees p; false when p was not from sd_ctxbuf_alloc. */
bool sd_ctxbuf_free(void *p);

#endif
