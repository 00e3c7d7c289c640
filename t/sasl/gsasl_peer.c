/*
 * gsasl_peer.c: GNU SASL's DIGEST-MD5 (libgsasl, Debian's libgsasl-dev) as
 * a peer for sspidigest-sasl-sample, speaking the line protocol of Cyrus
 * SASL's sample programs (S:/C: base64 lines; mechanism list, mechanism,
 * challenge, response, rspauth, empty client line, then one protected
 * message each way, "srv message 1" and "client message 1" with their
 * NULs).  gsasl_encode and gsasl_decode frame protected messages with the
 * 4-octet length themselves, as Cyrus SASL does.  The gsasl command-line
 * program cannot be the peer: on standard input it only encodes, it never
 * decodes what the other side sends.  GNU SASL has no auth-conf.
 *
 *   gsasl_peer server SERVICE HOST REALM USER PASSWORD QOPS
 *   gsasl_peer client SERVICE HOST USER PASSWORD QOP
 *
 * QOPS as GNU SASL spells them ("qop-auth,qop-int"), QOP one of them.
 * Exit status 0 only when authentication succeeded and the message
 * received was intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

static const char server_msg[] = "srv message 1";
static const char client_msg[] = "client message 1";

static int die(const char *what, int rc)
{
    fprintf(stderr, "gsasl_peer: %s: %s\n", what, gsasl_strerror(rc));
    exit(1);
}

static void send_line(char who, const char *p, size_t n)
{
    char *b64 = NULL;
    int rc = gsasl_base64_to(p, n, &b64, NULL);

    if (rc != GSASL_OK) {
        die("base64", rc);
    }
    printf("%c: %s\n", who, b64);
    fflush(stdout);
    gsasl_free(b64);
}

/* The next "<who>: " line, decoded (caller frees); skips other lines. */
static char *recv_line(char who, size_t *n)
{
    static char line[65536];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *out = NULL;
        int rc;

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != who || line[1] != ':' ||
            (line[2] != ' ' && line[2] != '\0')) {
            continue;
        }
        if (line[2] == '\0' || line[3] == '\0') {
            *n = 0;
            return calloc(1, 1);
        }
        rc = gsasl_base64_from(line + 3, strlen(line + 3), &out, n);
        if (rc != GSASL_OK) {
            die("base64", rc);
        }
        return out;
    }
    fprintf(stderr, "gsasl_peer: end of input\n");
    exit(1);
}

static void step(Gsasl_session *s, const char *in, size_t n, char who, int want)
{
    char *out = NULL;
    size_t len = 0;
    int rc = gsasl_step(s, in, n, &out, &len);

    if (rc != want) {
        die("step", rc);
    }
    send_line(who, out, len);
    gsasl_free(out);
}

static void send_message(Gsasl_session *s, char who, const char *text)
{
    char *out = NULL;
    size_t len = 0;
    int rc = gsasl_encode(s, text, strlen(text) + 1, &out, &len);

    if (rc != GSASL_OK) {
        die("encode", rc);
    }
    send_line(who, out, len);
    gsasl_free(out);
}

static void recv_message(Gsasl_session *s, char who, const char *want)
{
    size_t n, len = 0;
    char *in = recv_line(who, &n);
    char *out = NULL;
    int rc = gsasl_decode(s, in, n, &out, &len);

    if (rc != GSASL_OK) {
        die("decode", rc);
    }
    if (len != strlen(want) + 1 || memcmp(out, want, len) != 0) {
        fprintf(stderr, "gsasl_peer: the message differs\n");
        exit(1);
    }
    gsasl_free(out);
    free(in);
}

static void server(Gsasl *ctx, char **a)
{
    Gsasl_session *s;
    const char *authid;
    char *in;
    size_t n;
    int rc = gsasl_server_start(ctx, "DIGEST-MD5", &s);

    if (rc != GSASL_OK) {
        die("server start", rc);
    }
    gsasl_property_set(s, GSASL_SERVICE, a[2]);
    gsasl_property_set(s, GSASL_HOSTNAME, a[3]);
    gsasl_property_set(s, GSASL_REALM, a[4]);
    gsasl_property_set(s, GSASL_PASSWORD, a[6]);
    gsasl_property_set(s, GSASL_QOPS, a[7]);
    send_line('S', "DIGEST-MD5", 10);
    in = recv_line('C', &n);
    if (n != 10 || memcmp(in, "DIGEST-MD5", 10) != 0) {
        fprintf(stderr, "gsasl_peer: the client chose another mechanism\n");
        exit(1);
    }
    free(in);
    step(s, NULL, 0, 'S', GSASL_NEEDS_MORE);
    in = recv_line('C', &n);
    step(s, in, n, 'S', GSASL_OK); /* verifies; the output is rspauth */
    free(in);
    authid = gsasl_property_fast(s, GSASL_AUTHID);
    if (authid == NULL || strcmp(authid, a[5]) != 0) {
        fprintf(stderr, "gsasl_peer: authenticated another user\n");
        exit(1);
    }
    free(recv_line('C', &n)); /* the client's empty line */
    send_message(s, 'S', server_msg);
    recv_message(s, 'C', client_msg);
    gsasl_finish(s);
}

static void client(Gsasl *ctx, char **a)
{
    Gsasl_session *s;
    char *in;
    size_t n;
    int rc = gsasl_client_start(ctx, "DIGEST-MD5", &s);

    if (rc != GSASL_OK) {
        die("client start", rc);
    }
    gsasl_property_set(s, GSASL_SERVICE, a[2]);
    gsasl_property_set(s, GSASL_HOSTNAME, a[3]);
    gsasl_property_set(s, GSASL_AUTHID, a[4]);
    gsasl_property_set(s, GSASL_PASSWORD, a[5]);
    gsasl_property_set(s, GSASL_QOP, a[6]);
    free(recv_line('S', &n)); /* the mechanism list */
    send_line('C', "DIGEST-MD5", 10);
    in = recv_line('S', &n);
    step(s, in, n, 'C', GSASL_NEEDS_MORE);
    free(in);
    in = recv_line('S', &n);
    step(s, in, n, 'C', GSASL_OK); /* checks rspauth; sends the empty line */
    free(in);
    recv_message(s, 'S', server_msg);
    send_message(s, 'C', client_msg);
    gsasl_finish(s);
}

int main(int argc, char **argv)
{
    Gsasl *ctx;
    int rc;

    if (!((argc == 8 && strcmp(argv[1], "server") == 0) ||
          (argc == 7 && strcmp(argv[1], "client") == 0))) {
        fprintf(stderr, "usage: see gsasl_peer.c\n");
        return 2;
    }
    if ((rc = gsasl_init(&ctx)) != GSASL_OK) {
        die("init", rc);
    }
    if (strcmp(argv[1], "server") == 0) {
        server(ctx, argv);
    }
    else {
        client(ctx, argv);
    }
    gsasl_done(ctx);
    fprintf(stderr, "gsasl_peer: done\n");
    return 0;
}
