/*
 * sasl_layer.h: DIGEST-MD5's security layers on flat octets (RFC 2831
 * §2.3, §2.4): a sending and a receiving direction, each with its signing
 * key, cipher state and sequence number.  A message is
 *     auth-int:   message | MAC(10) | 0x0001 | seq(4)
 *     auth-conf:  E(message | padding | MAC(10)) | 0x0001 | seq(4)
 * The SecBuffer conventions of the Windows message functions are
 * sasl_message.c's; the SASL length prefix is the application's.
 */
#ifndef SD_SASL_LAYER_H
#define SD_SASL_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#include "digest_hash.h"
#include "sasl.h"
#include "sasl_cipher.h"

#define SD_SASL_TRAILER 16 /* MAC(10) | 0x0001 | seq(4) */
#define SD_SASL_MAC_SENT 10

/* The layer of a session with H(A1) ha1: qop SD_QOP_AUTH_INT or
   SD_QOP_AUTH_CONF (then with cipher), seen from the client or the
   server; peer_maxbuf bounds what it sends.  Freed, its keys wiped, with
   pool.  NULL when OpenSSL fails or the cipher is not available. */
sd_sasl_layer *sd_sasl_layer_create(apr_pool_t *pool, sd_sasl_crypto *crypto,
                                    sd_hasher *h,
                                    const unsigned char ha1[SD_SASL_KEY_LEN],
                                    ULONG qop, ULONG cipher, bool client,
                                    uint32_t peer_maxbuf);

ULONG sd_sasl_layer_qop(const sd_sasl_layer *l);

/* 8 for des and 3des, 1 otherwise. */
size_t sd_sasl_layer_block(const sd_sasl_layer *l);

/* The most octets that follow a message: 16, or 24 with des and 3des. */
size_t sd_sasl_layer_max_trailer(const sd_sasl_layer *l);

/* The longest message the peer accepts: its maxbuf less 4 (the length
   prefix, counted as Cyrus SASL counts it) and the longest trailer. */
size_t sd_sasl_layer_max_message(const sd_sasl_layer *l);

/* The padding octets a message of len octets gets (0 without a block
   cipher, else 1 to 8). */
size_t sd_sasl_layer_padding(const sd_sasl_layer *l, size_t len);

typedef struct {
    const unsigned char *p;
    size_t len;
} sd_sasl_piece;

/* Sending.  sign: the MAC block of pieces (one message) into trailer.
   seal: encrypts data[0..len) in place, writes the encrypted padding to
   pad (sd_sasl_layer_padding octets) and the rest into trailer.  Both
   take the next sequence number.  SEC_E_OK, SEC_E_CONTEXT_EXPIRED (2^32
   messages sent), SEC_E_INTERNAL_ERROR (then the direction is closed). */
SECURITY_STATUS sd_sasl_layer_sign(sd_sasl_layer *l,
                                   const sd_sasl_piece *pieces, size_t n,
                                   unsigned char trailer[SD_SASL_TRAILER]);
SECURITY_STATUS sd_sasl_layer_seal(sd_sasl_layer *l, unsigned char *data,
                                   size_t len, unsigned char *pad,
                                   unsigned char trailer[SD_SASL_TRAILER]);

/* Whether the receiving direction still takes messages: SEC_E_OK,
   SEC_E_CONTEXT_EXPIRED (2^32 received) or SEC_E_MESSAGE_ALTERED (one was
   forged). */
SECURITY_STATUS sd_sasl_layer_receiving(const sd_sasl_layer *l);

/* Receiving, with the statuses and their order of sspi.h ("SASL mode").
   verify: pieces (the message) and its trailer.  unseal: a whole
   auth-conf message msg[0..len), decrypted in place; *plain_len receives
   the message's length (it starts at msg). */
SECURITY_STATUS sd_sasl_layer_verify(sd_sasl_layer *l,
                                     const sd_sasl_piece *pieces, size_t n,
                                     const unsigned char trailer[16]);
SECURITY_STATUS sd_sasl_layer_unseal(sd_sasl_layer *l, unsigned char *msg,
                                     size_t len, size_t *plain_len);

/* For tests: the next sequence numbers, sending and receiving. */
void sd_sasl_layer_set_seq(sd_sasl_layer *l, uint64_t send, uint64_t recv);

#endif
