/*
 * output.h: writing a token to the caller's output SecBuffer in two steps:
 * reserve (check the caller's size, or allocate under *_ALLOCATE_MEMORY)
 * before anything irreversible happens, then commit.  A reservation that
 * is not committed is undone, so the caller's buffer is written whole or
 * not at all.  An output with no buffer discards what is committed.
 */
#ifndef SD_OUTPUT_H
#define SD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "sspi.h"

typedef struct {
    PSecBuffer buf; /* NULL: discard */
    bool allocate;  /* *_REQ_ALLOCATE_MEMORY */
    void *reserved; /* allocated and not yet committed */
    size_t reserved_len;
    bool allocated; /* committed memory the caller must free */
    bool committed;
} sd_output;

/* Checks the descriptor: one SECBUFFER_TOKEN first.  NULL pOutput gives a
   discarding output. */
SECURITY_STATUS sd_output_open(sd_output *o, PSecBufferDesc desc,
                               bool allocate);

SECURITY_STATUS sd_output_reserve(sd_output *o, size_t len);
void sd_output_commit(sd_output *o, const char *data, size_t len);
void sd_output_abandon(sd_output *o);

/* Ends the call: undoes an uncommitted reservation and, when nothing was
   committed, tells the caller so (cbBuffer 0, and pvBuffer NULL under
   *_ALLOCATE_MEMORY); the caller's octets are not touched. */
void sd_output_finish(sd_output *o);

#endif
