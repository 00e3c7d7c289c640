/*
 * passwd_file.c: replacing one line of a password file, or appending it,
 * through a temporary file in the same directory: mkstemp, write, fsync,
 * rename, fsync of the directory.  htdigest instead copies a temporary
 * file from /tmp over the original, so a crash or a full disk halfway
 * through the copy leaves a truncated file.  Signals that end the process
 * are held back while the temporary file exists, so it is always removed.
 */
#include "passwd_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passwd.h"
#include "secret.h"

#define TEMP_NAME "/.sspidigest-passwd.XXXXXX"

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL) {
        return strdup(".");
    }
    if (slash == path) {
        return strdup("/");
    }
    return strndup(path, (size_t)(slash - path));
}

/* A symbolic link is followed, so that the link stays and its target is
   what changes (htdigest writes through the link too). */
static char *target_of(const char *path)
{
    struct stat lst;

    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        return realpath(path, NULL);
    }
    return strdup(path);
}

/* Grows f->data to `want` octets; the old buffer is wiped, not realloc'd,
   since it holds other users' hashes. */
static bool grow(sdp_file *f, size_t want)
{
    char *p = malloc(want);

    if (p == NULL) {
        return false;
    }
    if (f->data != NULL) {
        memcpy(p, f->data, f->len);
        sd_wipe(f->data, f->cap);
        free(f->data);
    }
    f->data = p;
    f->cap = want;
    return true;
}

static bool read_all(sdp_file *f)
{
    int fd = open(f->path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    bool ok = false;

    if (fd < 0) {
        sdp_complain("cannot read %s: %s", f->shown, strerror(errno));
        return false;
    }
    /* What we read is what we compare with just before the rename. */
    if (fstat(fd, &f->st) != 0) {
        sdp_complain("cannot read %s: %s", f->shown, strerror(errno));
        goto done;
    }
    if (!S_ISREG(f->st.st_mode)) {
        sdp_complain("%s is not a regular file", f->shown);
        goto done;
    }
    if ((unsigned long long)f->st.st_size > SDP_MAX_FILE) {
        goto too_big;
    }
    if (!grow(f, (size_t)f->st.st_size + 1)) {
        sdp_complain("out of memory reading %s", f->shown);
        goto done;
    }
    for (;;) {
        ssize_t r;

        if (f->len == f->cap) {
            if (f->cap > SDP_MAX_FILE) {
                goto too_big;
            }
            if (!grow(f, 2 * f->cap)) {
                sdp_complain("out of memory reading %s", f->shown);
                goto done;
            }
        }
        r = read(fd, f->data + f->len, f->cap - f->len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            sdp_complain("cannot read %s: %s", f->shown, strerror(errno));
            goto done;
        }
        if (r == 0) {
            break;
        }
        f->len += (size_t)r;
    }
    if (f->len > SDP_MAX_FILE) {
        goto too_big;
    }
    ok = true;
    goto done;
too_big:
    sdp_complain("%s is larger than %u octets, the most this tool reads",
                 f->shown, SDP_MAX_FILE);
done:
    close(fd);
    return ok;
}

bool sdp_file_open(sdp_file *f, const char *path, bool create)
{
    memset(f, 0, sizeof(*f));
    f->shown = path;
    f->path = target_of(path);
    if (f->path == NULL) {
        sdp_complain("cannot follow the symbolic link %s: %s", path,
                     strerror(errno));
        return false;
    }
    f->dir = dir_of(f->path);
    if (f->dir == NULL) {
        sdp_complain("out of memory");
        return false;
    }
    if (stat(f->path, &f->st) == 0) {
        f->exists = true;
    }
    else if (errno == ENOENT && !create) {
        sdp_complain("%s does not exist (use -c to create it)", path);
        return false;
    }
    else if (errno != ENOENT) {
        sdp_complain("cannot use %s: %s", path, strerror(errno));
        return false;
    }
    if (f->exists && !S_ISREG(f->st.st_mode)) {
        sdp_complain("%s is not a regular file", path);
        return false;
    }
    /* The rename would replace a file we may not write; refuse it, as
       htdigest (which writes into the file) does. */
    if (f->exists && access(f->path, W_OK) != 0) {
        sdp_complain("cannot write %s: %s", path, strerror(errno));
        return false;
    }
    if (access(f->dir, W_OK | X_OK) != 0) {
        sdp_complain("cannot create the new %s in %s: %s", path, f->dir,
                     strerror(errno));
        return false;
    }
    return !f->exists || create || read_all(f);
}

/* White space as apr_isspace() sees it, which ap_cfg_getline() strips. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

static bool line_is(const char *s, size_t n, sd_view user, sd_view realm)
{
    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    if (n == 0 || s[0] == '#' || n < user.len + realm.len + 2) {
        return false;
    }
    return memcmp(s, user.p, user.len) == 0 && s[user.len] == ':' &&
           memcmp(s + user.len + 1, realm.p, realm.len) == 0 &&
           s[user.len + 1 + realm.len] == ':';
}

bool sdp_file_find(sdp_file *f, sd_view user, sd_view realm)
{
    size_t pos = 0;

    while (pos < f->len) {
        const char *s = f->data + pos;
        const char *nl = memchr(s, '\n', f->len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : f->len - pos;
        size_t next = pos + n + (nl != NULL);

        if (line_is(s, n, user, realm)) {
            f->found = true;
            f->start = pos;
            f->end = next;
            return true;
        }
        pos = next;
    }
    return false;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* The old contents around the new line.  A last line without a newline
   gets one before an appended line, which htdigest would glue onto it. */
static bool write_contents(const sdp_file *f, int fd, const char *line,
                           size_t len)
{
    size_t head = f->found ? f->start : f->len;
    size_t tail = f->found ? f->end : f->len;

    if (f->data == NULL) {
        return write_all(fd, line, len); /* -c */
    }
    return write_all(fd, f->data, head) &&
           (f->found || head == 0 || f->data[head - 1] == '\n' ||
            write_all(fd, "\n", 1)) &&
           write_all(fd, line, len) &&
           write_all(fd, f->data + tail, f->len - tail);
}

/* A new file is 0666 less the umask, as htdigest -c makes it; a replaced
   one keeps its owner, group and mode.  The owner first: chown clears the
   set-id bits. */
static bool set_owner_and_mode(const sdp_file *f, int fd)
{
    struct stat st;
    mode_t mode;

    if (!f->exists) {
        mode_t mask = umask(0);

        umask(mask);
        mode = 0666 & ~mask;
    }
    else {
        if (fstat(fd, &st) != 0) {
            sdp_complain("cannot stat the new %s: %s", f->shown,
                         strerror(errno));
            return false;
        }
        if ((st.st_uid != f->st.st_uid || st.st_gid != f->st.st_gid) &&
            fchown(fd, f->st.st_uid, f->st.st_gid) != 0) {
            sdp_complain("cannot give the new %s the owner and group of the "
                         "old one (%lu:%lu): %s",
                         f->shown, (unsigned long)f->st.st_uid,
                         (unsigned long)f->st.st_gid, strerror(errno));
            return false;
        }
        mode = f->st.st_mode & 07777;
    }
    if (fchmod(fd, mode) != 0) {
        sdp_complain("cannot set the mode of the new %s: %s", f->shown,
                     strerror(errno));
        return false;
    }
    return true;
}

/* True when the file we read is no longer the one at f->path: someone
   changed it while the password was typed, and our copy is stale. */
static bool changed_since_read(const sdp_file *f)
{
    struct stat now;

    return stat(f->path, &now) != 0 || now.st_dev != f->st.st_dev ||
           now.st_ino != f->st.st_ino || now.st_size != f->st.st_size ||
           now.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
           now.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec;
}

static bool sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    int err = errno;

    if (fd >= 0) {
        close(fd);
    }
    errno = err;
    return ok;
}

bool sdp_file_commit(sdp_file *f, const char *line, size_t len)
{
    static const int held[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
    sigset_t hold, saved_mask;
    struct sigaction ignore, saved_xfsz;
    size_t tmp_size = strlen(f->dir) + sizeof(TEMP_NAME);
    char *tmp = malloc(tmp_size);
    int fd = -1;
    bool ok = false, temp_exists = false;

    if (tmp == NULL) {
        sdp_complain("out of memory");
        return false;
    }
    snprintf(tmp, tmp_size, "%s" TEMP_NAME, f->dir);

    sigemptyset(&hold);
    for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
        sigaddset(&hold, held[i]);
    }
    sigprocmask(SIG_BLOCK, &hold, &saved_mask);
    /* Over a file size limit, write() then fails with EFBIG instead of the
       process being killed with the temporary file in place. */
    memset(&ignore, 0, sizeof(ignore));
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGXFSZ, &ignore, &saved_xfsz);

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        sdp_complain("cannot create a temporary file in %s: %s", f->dir,
                     strerror(errno));
        goto done;
    }
    temp_exists = true;
    if (!set_owner_and_mode(f, fd)) {
        goto done;
    }
    if (!write_contents(f, fd, line, len) || fsync(fd) != 0) {
        sdp_complain("cannot write the new %s (%s): %s", f->shown, tmp,
                     strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        sdp_complain("cannot write the new %s (%s): %s", f->shown, tmp,
                     strerror(errno));
        goto done;
    }
    fd = -1;
    if (f->data != NULL && changed_since_read(f)) {
        sdp_complain("%s changed while the password was read; run again",
                     f->shown);
        goto done;
    }
    if (rename(tmp, f->path) != 0) {
        sdp_complain("cannot replace %s: %s", f->shown, strerror(errno));
        goto done;
    }
    temp_exists = false;
    if (!sync_dir(f->dir)) {
        sdp_complain("%s is updated, but its directory %s could not be "
                     "flushed to disk: %s",
                     f->shown, f->dir, strerror(errno));
        goto done;
    }
    ok = true;
done:
    if (fd >= 0) {
        close(fd);
    }
    if (temp_exists) {
        unlink(tmp);
    }
    sigaction(SIGXFSZ, &saved_xfsz, NULL);
    sigprocmask(SIG_SETMASK, &saved_mask, NULL);
    free(tmp);
    return ok;
}

void sdp_file_close(sdp_file *f)
{
    if (f->data != NULL) {
        sd_wipe(f->data, f->cap);
        free(f->data);
    }
    free(f->path);
    free(f->dir);
    memset(f, 0, sizeof(*f));
}
