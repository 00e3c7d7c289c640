/*
 * passwd_prompt.c: reading the new password from the terminal or from
 * standard input.  Echo is turned off with termios, the way getpass(3)
 * does it, but on our own buffer so that it can be wiped; signals that
 * would leave the terminal silent are caught, the terminal restored, and
 * the signal raised again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll; apr-1-config --cppflags sets it too */
#endif

#include "passwd_prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "passwd.h"
#include "secret.h"

static const int watched[] = {SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGTSTP};

#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

static volatile sig_atomic_t caught;

/* What the process had before the prompt: the handlers, and the signal
   mask, which is also the mask to wait for input with. */
typedef struct {
    struct sigaction actions[NWATCHED];
    sigset_t mask;
} saved_signals;

static void on_signal(int sig)
{
    caught = sig;
}

/* Catches the watched signals, except those already ignored (nohup), and
   blocks them but while waiting for input in ppoll(): a signal that came
   just before a plain read() would not end it, and the prompt would hang
   with echo off. */
static void watch_signals(saved_signals *old)
{
    struct sigaction sa;
    sigset_t set;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&set);
    caught = 0;
    for (size_t i = 0; i < NWATCHED; i++) {
        sigaddset(&set, watched[i]);
    }
    sigprocmask(SIG_BLOCK, &set, &old->mask);
    for (size_t i = 0; i < NWATCHED; i++) {
        sigaction(watched[i], NULL, &old->actions[i]);
        if (old->actions[i].sa_handler != SIG_IGN) {
            sigaction(watched[i], &sa, NULL);
        }
    }
}

/* The old handlers first: a signal still pending then meets them once it
   is unblocked, with the terminal already restored. */
static void unwatch_signals(const saved_signals *old)
{
    for (size_t i = 0; i < NWATCHED; i++) {
        sigaction(watched[i], &old->actions[i], NULL);
    }
    sigprocmask(SIG_SETMASK, &old->mask, NULL);
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR && caught == 0) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Waits until fd is readable with the signal mask `wait_mask`, under
   which a watched signal ends the wait. */
static bool wait_readable(int fd, const sigset_t *wait_mask)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (ppoll(&p, 1, NULL, wait_mask) < 0) {
        if (errno != EINTR || caught != 0) {
            return false;
        }
    }
    return true;
}

/* One line from fd into pw (SDP_MAX_PASSWORD octets), without its newline.
   A last line without a newline counts; nothing at all is SDP_PW_NO_INPUT.
   An over-long line is read to its end before it is refused.  With a
   wait_mask, input is awaited in ppoll() under that mask. */
static sdp_pw_status read_line(int fd, const sigset_t *wait_mask, char *pw,
                               size_t *len)
{
    size_t n = 0;
    bool any = false, too_long = false, nul = false;
    sdp_pw_status st = SDP_PW_OK;
    char c = 0;

    for (;;) {
        ssize_t r;

        if (wait_mask != NULL && !wait_readable(fd, wait_mask)) {
            st = caught != 0 ? SDP_PW_INTERRUPTED : SDP_PW_IO;
            break;
        }
        r = read(fd, &c, 1);
        if (caught != 0) {
            st = SDP_PW_INTERRUPTED;
            break;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            st = SDP_PW_IO;
            break;
        }
        if (r == 0) {
            st = any ? SDP_PW_OK : SDP_PW_NO_INPUT;
            break;
        }
        any = true;
        if (c == '\n') {
            break;
        }
        nul = nul || c == '\0';
        if (n < SDP_MAX_PASSWORD) {
            pw[n++] = c;
        }
        else {
            too_long = true;
        }
    }
    sd_wipe(&c, sizeof(c));
    if (st == SDP_PW_OK && too_long) {
        st = SDP_PW_TOO_LONG;
    }
    else if (st == SDP_PW_OK && nul) {
        st = SDP_PW_NUL;
    }
    *len = n;
    return st;
}

/* The prompt, the answer, and the newline the silent terminal did not
   echo. */
static sdp_pw_status ask(int fd, const sigset_t *wait_mask, const char *prompt,
                         char *pw, size_t *len)
{
    sdp_pw_status st;

    if (!write_all(fd, prompt, strlen(prompt))) {
        return caught != 0 ? SDP_PW_INTERRUPTED : SDP_PW_IO;
    }
    st = read_line(fd, wait_mask, pw, len);
    if (st != SDP_PW_INTERRUPTED && !write_all(fd, "\n", 1) &&
        st == SDP_PW_OK) {
        st = SDP_PW_IO;
    }
    return st;
}

sdp_pw_status sdp_password_prompt(char *pw, size_t *len)
{
    char again[SDP_MAX_PASSWORD];
    size_t again_len = 0;
    saved_signals old;
    struct termios saved, quiet;
    sdp_pw_status st;
    int err = 0, sig;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

    *len = 0;
    if (fd < 0) {
        return SDP_PW_NO_TTY;
    }
    if (tcgetattr(fd, &saved) != 0) {
        close(fd);
        return SDP_PW_NO_TTY;
    }
    watch_signals(&old);
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    /* TCSAFLUSH, as getpass(3): whatever was typed before echo went off
       has been shown, so it must not become the password. */
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        st = SDP_PW_IO;
        err = errno;
        goto done;
    }
    st = ask(fd, &old.mask, "New password: ", pw, len);
    if (st == SDP_PW_OK) {
        st = ask(fd, &old.mask, "Re-type new password: ", again, &again_len);
    }
    err = errno;
    if (st == SDP_PW_OK &&
        (again_len != *len || !sd_ct_equal(pw, again, again_len))) {
        st = SDP_PW_MISMATCH;
    }
done:
    tcsetattr(fd, TCSAFLUSH, &saved);
    sig = caught;
    unwatch_signals(&old);
    close(fd);
    sd_wipe(again, sizeof(again));
    if (st != SDP_PW_OK) {
        sd_wipe(pw, SDP_MAX_PASSWORD);
        *len = 0;
    }
    if (sig != 0) {
        /* With the terminal restored, let the signal do what it would
           have done; if we are still running (a stop, a handler of the
           caller's), the prompt was interrupted all the same. */
        raise(sig);
        st = SDP_PW_INTERRUPTED;
    }
    errno = err;
    return st;
}

sdp_pw_status sdp_password_stdin(char *pw, size_t *len)
{
    sdp_pw_status st;

    caught = 0;
    st = read_line(STDIN_FILENO, NULL, pw, len);
    if (st != SDP_PW_OK) {
        sd_wipe(pw, SDP_MAX_PASSWORD);
        *len = 0;
    }
    return st;
}

const char *sdp_pw_reason(sdp_pw_status status)
{
    switch (status) {
    case SDP_PW_OK:
        return "no error";
    case SDP_PW_NO_TTY:
        return "there is no terminal to ask for the password on (use -i to "
               "read it from standard input)";
    case SDP_PW_NO_INPUT:
        return "no password was given (end of input)";
    case SDP_PW_TOO_LONG:
        return "the password is longer than " SDP_STR(
            SDP_MAX_PASSWORD) " octets";
    case SDP_PW_NUL:
        return "the password contains a NUL octet";
    case SDP_PW_MISMATCH:
        return "the two passwords do not match";
    case SDP_PW_INTERRUPTED:
        return "interrupted";
    case SDP_PW_IO:
        return "cannot read the password";
    }
    return "unknown error";
}
