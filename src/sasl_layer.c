/*
 * sasl_layer.c: signing, sealing, verifying and unsealing DIGEST-MD5
 * messages.  Each direction keeps its own HMAC key, cipher state (the RC4
 * key stream and the CBC chain run on from message to message) and
 * sequence number, so one thread may send while another receives.
 * Receiving checks what travels in the clear (message type, sequence
 * number) before it decrypts; a message that fails its padding or MAC
 * check closes the direction for good, so nobody can probe the padding
 * or the MAC with variants of one message.
 */
#include "sasl_layer.h"

#include <string.h>

#include "sasl_digest.h"
#include "secret.h"

#define SEQ_LIMIT ((uint64_t)1 << 32) /* sequence numbers never wrap */

typedef struct {
    sd_sasl_hmac *mac;
    sd_sasl_cipher *cipher; /* NULL for auth-int */
    uint64_t seq;           /* the next one; SEQ_LIMIT: used up */
    bool closed;            /* a forged message came, or OpenSSL failed */
} direction;

struct sd_sasl_layer {
    ULONG qop;
    ULONG cipher;
    size_t block;
    uint32_t peer_maxbuf;
    direction send;
    direction recv;
};

static bool direction_init(direction *d, apr_pool_t *pool,
                           sd_sasl_crypto *crypto, ULONG cipher,
                           const unsigned char ki[SD_SASL_KEY_LEN],
                           const unsigned char kc[SD_SASL_KEY_LEN],
                           bool encrypt)
{
    d->seq = 0;
    d->closed = false;
    d->cipher = NULL;
    d->mac = sd_sasl_hmac_create(pool, crypto, ki);
    if (d->mac == NULL) {
        return false;
    }
    if (cipher != 0) {
        d->cipher = sd_sasl_cipher_create(pool, crypto, cipher, kc, encrypt);
        return d->cipher != NULL;
    }
    return true;
}

sd_sasl_layer *sd_sasl_layer_create(apr_pool_t *pool, sd_sasl_crypto *crypto,
                                    sd_hasher *h,
                                    const unsigned char ha1[SD_SASL_KEY_LEN],
                                    ULONG qop, ULONG cipher, bool client,
                                    uint32_t peer_maxbuf)
{
    sd_sasl_layer *l = apr_pcalloc(pool, sizeof(*l));
    sd_sasl_keys k;
    bool ok;

    if (qop != SD_QOP_AUTH_CONF) {
        cipher = 0;
    }
    l->qop = qop;
    l->cipher = cipher;
    l->block = sd_sasl_cipher_block(cipher);
    l->peer_maxbuf = peer_maxbuf;
    /* Kic/Kcc protect what the client sends, Kis/Kcs what the server
       sends (RFC 2831 §2.3, §2.4). */
    ok = sd_sasl_layer_keys(h, ha1, cipher, &k) &&
         direction_init(&l->send, pool, crypto, cipher, client ? k.kic : k.kis,
                        client ? k.kcc : k.kcs, true) &&
         direction_init(&l->recv, pool, crypto, cipher, client ? k.kis : k.kic,
                        client ? k.kcs : k.kcc, false);
    sd_wipe(&k, sizeof(k));
    return ok ? l : NULL;
}

ULONG sd_sasl_layer_qop(const sd_sasl_layer *l)
{
    return l->qop;
}

size_t sd_sasl_layer_block(const sd_sasl_layer *l)
{
    return l->block;
}

size_t sd_sasl_layer_max_trailer(const sd_sasl_layer *l)
{
    return SD_SASL_TRAILER + (l->block > 1 ? l->block : 0);
}

size_t sd_sasl_layer_max_message(const sd_sasl_layer *l)
{
    size_t overhead = 4 + sd_sasl_layer_max_trailer(l);

    return l->peer_maxbuf > overhead ? l->peer_maxbuf - overhead : 0;
}

size_t sd_sasl_layer_padding(const sd_sasl_layer *l, size_t len)
{
    /* RFC 2831 §2.4: message, padding and MAC fill whole blocks, and
       there is at least one octet of padding */
    return l->block > 1 ? l->block - (len + SD_SASL_MAC_SENT) % l->block : 0;
}

static void put_seq(unsigned char out[4], uint32_t seq)
{
    out[0] = (unsigned char)(seq >> 24);
    out[1] = (unsigned char)(seq >> 16);
    out[2] = (unsigned char)(seq >> 8);
    out[3] = (unsigned char)seq;
}

static uint32_t get_seq(const unsigned char in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
           (uint32_t)in[2] << 8 | in[3];
}

/* HMAC-MD5(Ki, seq | pieces), all 16 octets. */
static bool mac_of(direction *d, uint32_t seq, const sd_sasl_piece *pieces,
                   size_t n, unsigned char mac[SD_SASL_MAC_LEN])
{
    unsigned char s[4];
    bool ok;

    put_seq(s, seq);
    ok = sd_sasl_hmac_begin(d->mac) && sd_sasl_hmac_add(d->mac, s, 4);
    for (size_t i = 0; ok && i < n; i++) {
        ok = pieces[i].len == 0 ||
             sd_sasl_hmac_add(d->mac, pieces[i].p, pieces[i].len);
    }
    return ok && sd_sasl_hmac_end(d->mac, mac);
}

/* The type and sequence number that end every trailer. */
static void put_type_and_seq(unsigned char trailer[SD_SASL_TRAILER],
                             uint32_t seq)
{
    trailer[10] = 0x00;
    trailer[11] = 0x01;
    put_seq(trailer + 12, seq);
}

static SECURITY_STATUS can_send(const direction *d)
{
    if (d->closed) {
        return SEC_E_INTERNAL_ERROR;
    }
    return d->seq < SEQ_LIMIT ? SEC_E_OK : SEC_E_CONTEXT_EXPIRED;
}

SECURITY_STATUS sd_sasl_layer_sign(sd_sasl_layer *l,
                                   const sd_sasl_piece *pieces, size_t n,
                                   unsigned char trailer[SD_SASL_TRAILER])
{
    direction *d = &l->send;
    unsigned char mac[SD_SASL_MAC_LEN];
    SECURITY_STATUS st = can_send(d);

    if (st != SEC_E_OK) {
        return st;
    }
    if (!mac_of(d, (uint32_t)d->seq, pieces, n, mac)) {
        d->closed = true;
        return SEC_E_INTERNAL_ERROR;
    }
    memcpy(trailer, mac, SD_SASL_MAC_SENT);
    put_type_and_seq(trailer, (uint32_t)d->seq);
    d->seq++;
    return SEC_E_OK;
}

SECURITY_STATUS sd_sasl_layer_seal(sd_sasl_layer *l, unsigned char *data,
                                   size_t len, unsigned char *pad,
                                   unsigned char trailer[SD_SASL_TRAILER])
{
    direction *d = &l->send;
    sd_sasl_piece piece = {data, len};
    unsigned char mac[SD_SASL_MAC_LEN];
    /* the message's last partial block, padding and MAC: at most 24 */
    unsigned char tail[24];
    size_t npad = sd_sasl_layer_padding(l, len);
    size_t rem = len % l->block, whole = len - rem;
    size_t tail_len = rem + npad + SD_SASL_MAC_SENT;
    SECURITY_STATUS st = can_send(d);
    bool ok;

    if (st != SEC_E_OK) {
        return st;
    }
    /* E(message | padding | MAC): the whole blocks of the message in
       place, the rest through tail, then back where each part goes. */
    memcpy(tail, data + whole, rem);
    memset(tail + rem, (int)npad, npad);
    ok = mac_of(d, (uint32_t)d->seq, &piece, 1, mac);
    if (ok) {
        memcpy(tail + rem + npad, mac, SD_SASL_MAC_SENT);
        ok = sd_sasl_cipher_apply(d->cipher, data, whole) &&
             sd_sasl_cipher_apply(d->cipher, tail, tail_len);
    }
    if (!ok) {
        d->closed = true;
        sd_wipe(tail, sizeof(tail));
        return SEC_E_INTERNAL_ERROR;
    }
    memcpy(data + whole, tail, rem);
    if (npad > 0) {
        memcpy(pad, tail + rem, npad);
    }
    memcpy(trailer, tail + rem + npad, SD_SASL_MAC_SENT);
    put_type_and_seq(trailer, (uint32_t)d->seq);
    d->seq++;
    sd_wipe(tail, sizeof(tail));
    return SEC_E_OK;
}

/* What travels in the clear: the message type, then the sequence
   number. */
static SECURITY_STATUS check_clear(direction *d,
                                   const unsigned char type_seq[6])
{
    if (type_seq[0] != 0x00 || type_seq[1] != 0x01) {
        d->closed = true;
        return SEC_E_MESSAGE_ALTERED;
    }
    if (get_seq(type_seq + 2) != d->seq) {
        return SEC_E_OUT_OF_SEQUENCE;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS can_receive(const direction *d)
{
    if (d->seq >= SEQ_LIMIT) {
        return SEC_E_CONTEXT_EXPIRED;
    }
    return d->closed ? SEC_E_MESSAGE_ALTERED : SEC_E_OK;
}

SECURITY_STATUS sd_sasl_layer_receiving(const sd_sasl_layer *l)
{
    return can_receive(&l->recv);
}

SECURITY_STATUS sd_sasl_layer_verify(sd_sasl_layer *l,
                                     const sd_sasl_piece *pieces, size_t n,
                                     const unsigned char trailer[16])
{
    direction *d = &l->recv;
    unsigned char mac[SD_SASL_MAC_LEN];
    SECURITY_STATUS st;

    if ((st = can_receive(d)) != SEC_E_OK ||
        (st = check_clear(d, trailer + SD_SASL_MAC_SENT)) != SEC_E_OK) {
        return st;
    }
    if (!mac_of(d, (uint32_t)d->seq, pieces, n, mac) ||
        !sd_ct_equal(mac, trailer, SD_SASL_MAC_SENT)) {
        d->closed = true;
        return SEC_E_MESSAGE_ALTERED;
    }
    d->seq++;
    return SEC_E_OK;
}

/* The padding of a decrypted block-cipher body (message | padding |
   MAC): its length, or 0 when any padding octet is wrong.  Every padding
   octet holds the padding's length, 1 to 8. */
static size_t padding_of(const unsigned char *body, size_t body_len)
{
    size_t n = body[body_len - SD_SASL_MAC_SENT - 1];
    unsigned bad = 0;

    if (n < 1 || n > 8 || n > body_len - SD_SASL_MAC_SENT) {
        return 0;
    }
    for (size_t i = 1; i <= n; i++) {
        bad |= body[body_len - SD_SASL_MAC_SENT - i] ^ (unsigned)n;
    }
    return bad == 0 ? n : 0;
}

SECURITY_STATUS sd_sasl_layer_unseal(sd_sasl_layer *l, unsigned char *msg,
                                     size_t len, size_t *plain_len)
{
    direction *d = &l->recv;
    unsigned char mac[SD_SASL_MAC_LEN];
    size_t body_len, npad = 0, mlen;
    sd_sasl_piece piece;
    bool ok;
    SECURITY_STATUS st;

    if ((st = can_receive(d)) != SEC_E_OK) {
        return st;
    }
    /* the smallest message: a MAC block; with des, whole blocks holding
       at least one octet of padding and the MAC */
    body_len = len >= SD_SASL_TRAILER ? len - 6 : 0;
    if (len < SD_SASL_TRAILER ||
        (l->block > 1 && (body_len % l->block != 0 || body_len < 16))) {
        return SEC_E_INCOMPLETE_MESSAGE;
    }
    if ((st = check_clear(d, msg + body_len)) != SEC_E_OK) {
        return st;
    }
    ok = sd_sasl_cipher_apply(d->cipher, msg, body_len);
    if (ok && l->block > 1) {
        npad = padding_of(msg, body_len);
        ok = npad > 0;
    }
    /* the MAC is computed even over bad padding, so both cost alike */
    mlen = body_len - SD_SASL_MAC_SENT - npad;
    piece.p = msg;
    piece.len = mlen;
    ok =
        mac_of(d, (uint32_t)d->seq, &piece, 1, mac) &&
        sd_ct_equal(mac, msg + body_len - SD_SASL_MAC_SENT, SD_SASL_MAC_SENT) &&
        ok;
    if (!ok) {
        /* never hand out unauthenticated plaintext */
        sd_wipe(msg, body_len);
        d->closed = true;
        return SEC_E_MESSAGE_ALTERED;
    }
    *plain_len = mlen;
    d->seq++;
    return SEC_E_OK;
}

void sd_sasl_layer_set_seq(sd_sasl_layer *l, uint64_t send, uint64_t recv)
{
    l->send.seq = send;
    l->recv.seq = recv;
}
