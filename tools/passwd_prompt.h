/*
 * passwd_prompt.h: getting the new password, either typed twice on the
 * controlling terminal with echo off, or as one line of standard input.
 * It reads octet by octet with read(2), so no stdio buffer ever holds the
 * password, and it wipes what it no longer needs.  It knows nothing of
 * files, users or hashes.
 */
#ifndef SDP_PASSWD_PROMPT_H
#define SDP_PASSWD_PROMPT_H

#include <stddef.h>

typedef enum {
    SDP_PW_OK = 0,
    SDP_PW_NO_TTY,      /* no controlling terminal to prompt on */
    SDP_PW_NO_INPUT,    /* end of input before anything was read */
    SDP_PW_TOO_LONG,    /* over SDP_MAX_PASSWORD octets */
    SDP_PW_NUL,         /* a NUL octet in the password */
    SDP_PW_MISMATCH,    /* the two entries differ */
    SDP_PW_INTERRUPTED, /* a signal ended the prompt */
    SDP_PW_IO           /* a read or terminal error; errno says which */
} sdp_pw_status;

/* Prompts "New password: " and "Re-type new password: " on /dev/tty (as
   getpass(3) and htdigest do) with echo off, and restores the terminal
   however the prompt ends; a signal that ends it is re-raised once the
   terminal is restored.  pw holds SDP_MAX_PASSWORD octets; on SDP_PW_OK
   *len is the password's length (it may be 0), otherwise pw is wiped. */
sdp_pw_status sdp_password_prompt(char *pw, size_t *len);

/* The first line of standard input, without its newline, and no prompt
   (for -i).  Same buffer and result rules as sdp_password_prompt. */
sdp_pw_status sdp_password_stdin(char *pw, size_t *len);

/* A fixed description of a status, for the error message. */
const char *sdp_pw_reason(sdp_pw_status status);

#endif
