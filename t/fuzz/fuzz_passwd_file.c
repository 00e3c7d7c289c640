/*
 * fuzz_passwd_file.c: libFuzzer target for the password tool's file
 * reader (tools/passwd_file.c): sdp_file_open reads a password file whole,
 * sdp_file_find looks for the line of a user and realm as mod_authn_file
 * reads lines, and sdp_file_commit writes the file again with that line
 * replaced or appended.  The file is whatever is on disk, so hostile.
 * The input is split: a length octet each for the user and the realm,
 * those names, then the file's contents.  Properties checked:
 *   - the file is read back octet for octet;
 *   - sdp_file_find agrees with an independent reading of the lines
 *     (leading white space skipped, '#' a comment, the first line that
 *     starts with user ":" realm ":"), and the line found is inside the
 *     file and ends at its newline or at the end of the file;
 *   - after sdp_file_commit the file holds exactly the old contents with
 *     the new line in place of the one found, or appended after a newline,
 *     and finding the user again finds the new line there.
 * The files live in a directory of their own under /dev/shm when there is
 * one (fsync on tmpfs costs nothing), removed at exit.  Built by
 * scripts/fuzz; replayed without libFuzzer by t/fuzz/replay_main.c.
 *
 * fuzz-sources: tools/passwd_file.c src/secret.c
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/passwd.h"
#include "../../tools/passwd_file.h"
#include "fuzz_check.h"

/* The tool's reporter prints to stderr; here the last message is kept, so
   a run is quiet and a failure that reports nothing can be told apart. */
static char complaint[512];

void sdp_complain(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(complaint, sizeof(complaint), fmt, ap);
    va_end(ap);
}

static char dir[64];
static char path[128];

static void tear_down(void)
{
    unlink(path);
    rmdir(dir);
}

static void set_up(void)
{
    if (dir[0] != '\0') {
        return;
    }
    snprintf(dir, sizeof(dir), "%s/sd-fuzz-passwd.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/passwd", dir);
    atexit(tear_down);
}

static bool put_file(const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* The whole file, malloc'd, in *n. */
static char *get_file(size_t *n)
{
    FILE *fp = fopen(path, "rb");
    char *p = malloc(*n + 4096);
    size_t got = 0;

    CHECK(fp != NULL && p != NULL);
    got = fread(p, 1, *n + 4096, fp);
    fclose(fp);
    *n = got;
    return p;
}

static bool ref_space(char c)
{
    return c != '\0' && strchr(" \t\n\v\f\r", c) != NULL;
}

/* An independent reading: the start and end of the first line of user
   and realm, or false. */
static bool ref_find(const char *p, size_t n, sd_view user, sd_view realm,
                     size_t *start, size_t *end)
{
    for (size_t pos = 0; pos < n;) {
        size_t eol = pos, s = pos;

        while (eol < n && p[eol] != '\n') {
            eol++;
        }
        while (s < eol && ref_space(p[s])) {
            s++;
        }
        if (s < eol && p[s] != '#' &&
            eol - s >= user.len + realm.len + 2 &&
            memcmp(p + s, user.p, user.len) == 0 && p[s + user.len] == ':' &&
            memcmp(p + s + user.len + 1, realm.p, realm.len) == 0 &&
            p[s + user.len + 1 + realm.len] == ':') {
            *start = pos;
            *end = eol < n ? eol + 1 : n;
            return true;
        }
        pos = eol + 1;
    }
    return false;
}

static void check_commit(sdp_file *f, const uint8_t *old, size_t n,
                         sd_view user, sd_view realm)
{
    char line[2 * 256 + 32];
    size_t len, got_len, head = f->found ? f->start : n;
    size_t tail = f->found ? f->end : n;
    bool glue = !f->found && n > 0 && old[n - 1] != '\n';
    char *got;
    sdp_file again;

    /* user ":" realm ":0123456789\n", octet for octet (a NUL too) */
    memcpy(line, user.p, user.len);
    line[user.len] = ':';
    memcpy(line + user.len + 1, realm.p, realm.len);
    memcpy(line + user.len + 1 + realm.len, ":0123456789\n", 12);
    len = user.len + realm.len + 13;
    CHECK(sdp_file_commit(f, line, len));
    got_len = head + glue + len + (n - tail);
    got = get_file(&got_len);
    CHECK(got_len == head + glue + len + (n - tail));
    CHECK(memcmp(got, old, head) == 0);
    CHECK(!glue || got[head] == '\n');
    CHECK(memcmp(got + head + glue, line, len) == 0);
    CHECK(memcmp(got + head + glue + len, old + tail, n - tail) == 0);
    free(got);
    /* The new line is found where it was put, unless the names themselves
       break a line or the user reads as a comment or white space. */
    if (memchr(user.p, '\n', user.len) == NULL &&
        memchr(realm.p, '\n', realm.len) == NULL &&
        (user.len == 0 || (user.p[0] != '#' && !ref_space(user.p[0])))) {
        CHECK(sdp_file_open(&again, path, false));
        CHECK(sdp_file_find(&again, user, realm));
        CHECK(again.start == head + glue);
        sdp_file_close(&again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_view user, realm;
    size_t ulen, rlen, start = 0, end = 0;
    sdp_file f;
    bool found;

    if (size < 2) {
        return 0;
    }
    ulen = data[0] % 64;
    rlen = data[1] % 64;
    if (size < 2 + ulen + rlen) {
        return 0;
    }
    set_up();
    user.p = (const char *)data + 2;
    user.len = ulen;
    realm.p = user.p + ulen;
    realm.len = rlen;
    data += 2 + ulen + rlen;
    size -= 2 + ulen + rlen;
    CHECK(put_file(data, size));

    complaint[0] = '\0';
    CHECK(sdp_file_open(&f, path, false));
    CHECK(complaint[0] == '\0');
    CHECK(f.exists && f.len == size && f.len < f.cap);
    CHECK(size == 0 || memcmp(f.data, data, size) == 0);
    found = sdp_file_find(&f, user, realm);
    CHECK(found == ref_find((const char *)data, size, user, realm, &start,
                            &end));
    CHECK(found == f.found);
    if (found) {
        CHECK(f.start == start && f.end == end);
        CHECK(f.start < f.end && f.end <= f.len);
    }
    check_commit(&f, data, size, user, realm);
    sdp_file_close(&f);

    /* -c: nothing is read */
    CHECK(sdp_file_open(&f, path, true));
    CHECK(f.data == NULL && f.len == 0);
    CHECK(!sdp_file_find(&f, user, realm));
    sdp_file_close(&f);
    return 0;
}
