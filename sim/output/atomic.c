/* atomic.c: files that appear whole or not at all.
 *
 * A file is staged as DIR/.NAME.tmp.PID (hidden, and named by process so two
 * runs writing the same directory do not trample each other's temp files),
 * written with a write(2) loop that retries short writes and EINTR, fsync'd
 * and closed; committing renames it over DIR/NAME, which POSIX makes atomic
 * within a file system, then fsyncs DIR so the rename itself survives a
 * crash. The temp file lives in DIR, not in /tmp, because rename cannot cross
 * file systems.
 *
 * Error policy: every failing call becomes CP_EIO with the path and
 * strerror(errno), and the temp file is unlinked before returning, so a
 * failure leaves DIR exactly as it was. A failed directory fsync after the
 * rename is still reported: the data is in place but not known to be
 * durable, and the caller should know.
 */
#include "cpsim/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cp_status io_error(cp_error *err, const char *what, const char *path, int errnum) {
    return cp_error_set(err, CP_EIO, "cannot %s %s: %s", what, path, strerror(errnum));
}

static bool join_path(char *out, size_t size, const char *dir, const char *prefix, const char *name,
                      const char *suffix) {
    int n = snprintf(out, size, "%s/%s%s%s", dir, prefix, name, suffix);
    return n >= 0 && (size_t)n < size;
}

void cp_file_discard(cp_staged_file *f) {
    if (f->tmp_path[0]) {
        unlink(f->tmp_path);
        f->tmp_path[0] = '\0';
    }
}

cp_status cp_file_stage(cp_staged_file *f, const char *dir, const char *name, const char *data,
                        size_t len, cp_error *err) {
    memset(f, 0, sizeof *f);
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    if (!join_path(f->path, sizeof f->path, dir, "", name, "") ||
        !join_path(f->tmp_path, sizeof f->tmp_path, dir, ".", name, suffix) ||
        !join_path(f->dir, sizeof f->dir, dir, "", "", "")) {
        f->tmp_path[0] = '\0';
        return cp_error_set(err, CP_EIO, "cannot write %s/%s: path too long", dir, name);
    }
    f->dir[strlen(f->dir) - 1] = '\0'; /* drop the "/" join_path added */

    int fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        f->tmp_path[0] = '\0'; /* nothing was created */
        return io_error(err, "write", f->path, e);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* write returning 0 for a non-zero count should not happen on a
             * regular file; treat it as the disk being full. */
            int e = n < 0 ? errno : ENOSPC;
            close(fd);
            cp_file_discard(f);
            return io_error(err, "write", f->path, e);
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        cp_file_discard(f);
        return io_error(err, "write", f->path, e);
    }
    if (close(fd) != 0) {
        int e = errno;
        cp_file_discard(f);
        return io_error(err, "write", f->path, e);
    }
    return CP_OK;
}

cp_status cp_file_commit(cp_staged_file *f, cp_error *err) {
    CP_ASSERT(f->tmp_path[0] != '\0');
    if (rename(f->tmp_path, f->path) != 0) {
        int e = errno;
        cp_file_discard(f);
        return io_error(err, "replace", f->path, e);
    }
    f->tmp_path[0] = '\0';
    int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return io_error(err, "sync directory", f->dir, errno);
    /* Some file systems refuse fsync on a directory (EINVAL); the rename has
     * happened and there is nothing more we could do, so that one is not an
     * error. */
    if (fsync(dfd) != 0 && errno != EINVAL) {
        int e = errno;
        close(dfd);
        return io_error(err, "sync directory", f->dir, e);
    }
    close(dfd);
    return CP_OK;
}

cp_status cp_file_write_atomic(const char *dir, const char *name, const char *data, size_t len,
                               cp_error *err) {
    cp_staged_file f;
    cp_status st = cp_file_stage(&f, dir, name, data, len, err);
    if (st != CP_OK)
        return st;
    return cp_file_commit(&f, err);
}

cp_status cp_files_write_atomic(const char *dir, const char *const *names, const cp_buf *bufs,
                                size_t count, cp_error *err) {
    cp_staged_file *staged = calloc(count ? count : 1, sizeof *staged);
    if (!staged)
        return cp_error_set(err, CP_ENOMEM, "out of memory writing into %s", dir);
    /* rename(2) over a directory fails (EISDIR): the one way the commit
     * below could stop half-way that can be seen in advance. Refuse before
     * staging anything, so the set stays all old rather than mixed. */
    for (size_t k = 0; k < count; k++) {
        char path[CP_PATH_MAX];
        struct stat sb;
        if (join_path(path, sizeof path, dir, "", names[k], "") && lstat(path, &sb) == 0 &&
            S_ISDIR(sb.st_mode)) {
            free(staged);
            return io_error(err, "replace", path, EISDIR);
        }
    }
    cp_status st = CP_OK;
    size_t i = 0;
    for (; i < count; i++) {
        st = cp_file_stage(&staged[i], dir, names[i], bufs[i].data ? bufs[i].data : "", bufs[i].len,
                           err);
        if (st != CP_OK)
            break;
    }
    if (st != CP_OK) {
        for (size_t j = 0; j < i; j++)
            cp_file_discard(&staged[j]);
    } else {
        /* A rename failing half-way (rare: the directory vanished or went
         * read-only) leaves the files before it replaced; the rest are
         * discarded so no temp file stays behind. */
        for (i = 0; i < count && st == CP_OK; i++)
            st = cp_file_commit(&staged[i], err);
        for (; i < count; i++)
            cp_file_discard(&staged[i]);
    }
    free(staged);
    return st;
}

cp_status cp_output_dir_prepare(const char *dir, cp_error *err) {
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return cp_error_set(err, CP_EIO, "cannot use %s as the output directory: %s", dir,
                                strerror(ENOTDIR));
        return CP_OK;
    }
    if (errno != ENOENT)
        return io_error(err, "use output directory", dir, errno);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return io_error(err, "create output directory", dir, errno);
    return CP_OK;
}
