/*
 * sample_wire.h: the line protocol of Cyrus SASL's sample programs
 * (sample/sample-server.c, sample-client.c), which sspidigest-sasl-sample
 * speaks so that it pairs with them on a pipe: each token is one line,
 * "S: " (server) or "C: " (client) and its base64, flushed as written.
 * Other lines (those programs print progress on standard output) are
 * skipped on reading.  Also the framing of protected messages: with a
 * security layer, a 4-octet big-endian length then the protected octets,
 * as Cyrus SASL's sasl_encode writes them; without one, the message
 * itself.
 */
#ifndef SAMPLE_WIRE_H
#define SAMPLE_WIRE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest token line read (base64 included). */
#define SAMPLE_LINE_MAX 65536

/* Writes "<who>: base64(p[0..n))\n" to standard output and flushes. */
bool wire_send(char who, const void *p, size_t n);

/* Reads lines from standard input until one starts with "<who>: ", and
   decodes its base64 into out (cap octets, *n receives the length).
   False at end of input, on a line over SAMPLE_LINE_MAX, bad base64, or
   a token over cap. */
bool wire_recv(char who, unsigned char *out, size_t cap, size_t *n);

/* The 4-octet length prefix of a protected message. */
void wire_put_length(unsigned char out[4], size_t n);
bool wire_get_length(const unsigned char *in, size_t n, size_t *len);

#endif
