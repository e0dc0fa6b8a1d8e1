/* sweep_run.c: running a block of (point, replication) pairs into shards
 * (contract in cpsim/sweep.h).
 *
 * Durability without partial files. Completed pairs are kept in memory and
 * written as checkpoint files shards/STEM.part-N.csv: each holds only the
 * pairs completed since the previous one, is written whole (temp file,
 * fsync, then published under its name) and is never touched again. A
 * crash therefore leaves some complete checkpoint files and at worst a
 * hidden temp file, never a torn shard; a rerun reads them and skips their
 * pairs. We rejected rewriting one growing file on each checkpoint
 * (quadratic in a long task's output) and appending to one file (a crash
 * mid-append leaves a torn last line that a reader must then guess about).
 * When the task's range is complete, the stem's checkpoints are folded into
 * shards/STEM.csv and removed; a crash between the two leaves identical
 * duplicates, which merge drops.
 *
 * Two processes on the same share. Nothing stops a share being run twice
 * at once: a SLURM task requeued while its first run still writes from a
 * node that lost contact, a share started again by hand. Both then write
 * checkpoints of the same stem and both fold them, and neither may lose the
 * other's pairs. Two rules make that so:
 * - A checkpoint never replaces a file. It is staged under a temp name of
 *   its own (host name and process id) and published with link(2), which
 *   fails with EEXIST rather than replace; the writer then takes the next
 *   number. (rename(2) would silently replace a checkpoint another process
 *   had just published under the same number, with different pairs: both
 *   numbered their checkpoints from the highest they saw when they
 *   started.) On a file system without hard links we fall back to checking
 *   the name is free and renaming, which leaves only that check's instant
 *   open to a collision.
 * - Folding holds an exclusive POSIX lock on shards/.STEM.lock (fcntl, which
 *   works across hosts on NFSv4 and the cluster file systems, though not on
 *   an NFS mount with nolock, and which the kernel releases when its holder
 *   dies, so a killed task cannot leave a stale lock; the file itself is
 *   there only during a fold). Under the lock, the fold reads the stem's final shard and
 *   every checkpoint present (of any process), writes their union as
 *   STEM.csv and removes only the checkpoints it read. So STEM.csv only
 *   ever grows, a checkpoint is removed only once a durable STEM.csv holds
 *   its pairs, and a checkpoint published during the fold is left for the
 *   next one. Pairs are deterministic, so two processes' copies of a pair
 *   are the same bytes and the union counts them once; copies that differ
 *   are an error naming both files. Where the file system has no locks
 *   (fcntl fails with ENOLCK, EOPNOTSUPP or the like), the fold is skipped
 *   and the checkpoints stay: each is a complete shard that merge reads as
 *   it is, so that costs files, never pairs. We rejected a lock-free fold
 *   (each fold under a name of its own): the task's shard would no longer
 *   have one name, and removing what another fold had already replaced
 *   needs the same care a lock gives for free.
 * Readers that do not fold (a task starting up, merge) may list a
 * checkpoint that a fold removes before they open it; shard.c reads
 * checkpoints first and then the task's shard, which holds them by then.
 *
 * When to checkpoint: at least every checkpoint_seconds, always when
 * interrupted (the in-flight pairs finish first: the pool starts no new job
 * once the flag is set), and at the end. A SIGKILL or a lost node loses at
 * most checkpoint_seconds of work per task; SIGTERM loses nothing.
 *
 * Threads: the experiment layer's pool hands out pair indices; each thread
 * keeps a model for the point it ran last, so a block of one point's
 * replications builds that point's config and model once. Results go to the
 * slot of their index; which thread ran a pair never shows in the output.
 * Checkpoints are written from the pool's `finished` callback, which runs
 * under the pool's lock: writing and fsyncing a small file there takes
 * milliseconds, next to replications of seconds.
 */
#include "cpsim/sweep.h"

#include "pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cp_sweep_task_range(size_t pairs, size_t task, size_t tasks, size_t *first, size_t *end) {
    CP_ASSERT(tasks >= 1 && task < tasks);
    /* 128-bit products are not portable C11; split instead, exact for any
     * pairs and tasks that fit in size_t. */
    size_t q = pairs / tasks, rem = pairs % tasks;
    *first = task * q + (task * rem) / tasks;
    *end = (task + 1) * q + ((task + 1) * rem) / tasks;
}

/* dir/name[suffix] into out; false when it does not fit. */
static bool join(char *out, size_t size, const char *dir, const char *name, const char *suffix) {
    int n = snprintf(out, size, "%s/%s%s", dir, name, suffix);
    return n >= 0 && (size_t)n < size;
}

typedef struct run_ctx {
    const cp_sweep *sw;
    const cp_sweep_run_options *opt;
    const size_t *todo; /* pair numbers to run */
    size_t count;
    double *values;  /* [index * CP_OUTCOME_COUNT + k] */
    size_t *pending; /* indices completed but not yet checkpointed */
    size_t pending_count;
    size_t completed;
    double last_checkpoint;
    char shard_dir[CP_PATH_MAX];
    unsigned next_part;
    size_t checkpoints;
    atomic_int failed; /* a checkpoint failed: stop starting pairs */
    cp_error checkpoint_error;
} run_ctx;

typedef struct thread_state {
    size_t point; /* SIZE_MAX: none yet */
    cp_config cfg;
    cp_model *model;
    cp_result result;
    bool have_result;
} thread_state;

static void *thread_create(void *ctx, cp_error *err) {
    (void)ctx;
    thread_state *s = calloc(1, sizeof *s);
    if (!s) {
        cp_error_set(err, CP_ENOMEM, "out of memory for a sweep thread");
        return NULL;
    }
    s->point = SIZE_MAX;
    return s;
}

static void thread_destroy(void *ctx, void *state) {
    (void)ctx;
    thread_state *s = state;
    if (s->have_result)
        cp_result_fini(&s->result);
    cp_model_destroy(s->model);
    free(s);
}

static cp_status run_pair(void *vctx, void *state, size_t index, cp_error *err) {
    run_ctx *ctx = vctx;
    thread_state *s = state;
    if (atomic_load(&ctx->failed))
        return cp_error_set(err, CP_EIO, "stopped: a checkpoint could not be written");
    const cp_sweep *sw = ctx->sw;
    size_t pair = ctx->todo[index];
    size_t point = pair / sw->replications, rep = pair % sw->replications;
    if (s->point != point) {
        s->point = SIZE_MAX;
        if (s->have_result) {
            cp_result_fini(&s->result);
            s->have_result = false;
        }
        cp_model_destroy(s->model);
        s->model = NULL;
        cp_status st = cp_sweep_point_config(sw, point, &s->cfg, err);
        if (st != CP_OK)
            return st;
        s->model = cp_model_create(&s->cfg, err);
        if (!s->model)
            return err && err->status != CP_OK ? err->status : CP_ENOMEM;
        cp_model_set_interrupt(s->model, ctx->opt->interrupt);
        st = cp_result_init(&s->result, &s->cfg, err);
        if (st != CP_OK)
            return st;
        s->have_result = true;
        s->point = point;
    }
    /* The sweep seed and the replication number: never the task's. */
    cp_status st = cp_model_run(s->model, sw->seed, rep, &s->result, err);
    if (st != CP_OK)
        return st;
    memcpy(ctx->values + index * CP_OUTCOME_COUNT, s->result.outcome,
           CP_OUTCOME_COUNT * sizeof(double));
    return CP_OK;
}

static int compare_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* fsync a directory, so a name just made or removed in it survives a
 * crash. Some file systems refuse fsync on a directory (EINVAL); nothing
 * more could be done there, so that one is not an error. */
static cp_status sync_dir(const char *dir, cp_error *err) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cp_error_set(err, CP_EIO, "cannot sync directory %s: %s", dir, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return cp_error_set(err, CP_EIO, "cannot sync directory %s: %s", dir, strerror(e));
    }
    close(fd);
    return CP_OK;
}

/* This process among all that may write into one shards folder at once:
 * "HOST-PID", the host name cut to 64 characters of [A-Za-z0-9-]. Process
 * ids alone repeat across the hosts of a cluster. */
static void process_tag(char *buf, size_t size) {
    char host[256];
    if (gethostname(host, sizeof host) != 0 || !host[0])
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    host[64] = '\0';
    for (char *c = host; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-'))
            *c = '_';
    snprintf(buf, size, "%.64s-%ld", host, (long)getpid());
}

/* Link errors that mean "this file system has no hard links", not "this
 * name is taken" or "this disk is broken". */
static bool no_hard_links(int e) {
    return e == EPERM || e == ENOSYS || e == EOPNOTSUPP
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
           || e == ENOTSUP
#endif
        ;
}

/* Publishes data as shards/STEM.part-N.csv for the first N >= next_part
 * whose name is free, never replacing a file (see the top of this file):
 * staged as a hidden temp file named by host and process, fsync'd, then
 * linked to its name and the temp name removed. */
static cp_status publish_part(run_ctx *ctx, const char *data, size_t len, cp_error *err) {
    char tag[128], stage_name[400];
    process_tag(tag, sizeof tag);
    snprintf(stage_name, sizeof stage_name, "%s.part-%s", ctx->opt->stem, tag);
    cp_staged_file f;
    cp_status st = cp_file_stage(&f, ctx->shard_dir, stage_name, data, len, err);
    if (st != CP_OK)
        return st;
    for (;;) {
        char name[256], path[CP_PATH_MAX];
        snprintf(name, sizeof name, "%s.part-%u.csv", ctx->opt->stem, ctx->next_part);
        if (!join(path, sizeof path, ctx->shard_dir, name, "")) {
            cp_file_discard(&f);
            return cp_error_set(err, CP_EINPUT, "path too long: %s", ctx->shard_dir);
        }
        int e = link(f.tmp_path, path) == 0 ? 0 : errno;
        if (e != 0 && no_hard_links(e)) {
            struct stat sb;
            if (lstat(path, &sb) == 0)
                e = EEXIST;
            else if (errno != ENOENT)
                e = errno;
            else if (rename(f.tmp_path, path) == 0)
                f.tmp_path[0] = '\0'; /* nothing left to remove */
            else
                e = errno;
        }
        if (e == EEXIST) {
            if (ctx->next_part == UINT_MAX) {
                cp_file_discard(&f);
                return cp_error_set(err, CP_EIO, "cannot write %s: no checkpoint number is free",
                                    path);
            }
            ctx->next_part++; /* another process took this number */
            continue;
        }
        if (e != 0) {
            cp_file_discard(&f);
            return cp_error_set(err, CP_EIO, "cannot write %s: %s", path, strerror(e));
        }
        break;
    }
    ctx->next_part++;
    cp_file_discard(&f); /* the temp name; the checkpoint keeps the file */
    return sync_dir(ctx->shard_dir, err);
}

/* Writes the pending pairs as the next checkpoint file. */
static cp_status checkpoint(run_ctx *ctx, cp_error *err) {
    if (ctx->pending_count == 0)
        return CP_OK;
    qsort(ctx->pending, ctx->pending_count, sizeof *ctx->pending, compare_size);
    size_t *pairs = malloc(ctx->pending_count * sizeof *pairs);
    double *vals = malloc(ctx->pending_count * CP_OUTCOME_COUNT * sizeof *vals);
    if (!pairs || !vals) {
        free(pairs);
        free(vals);
        return cp_error_set(err, CP_ENOMEM, "out of memory writing a checkpoint");
    }
    for (size_t i = 0; i < ctx->pending_count; i++) {
        size_t index = ctx->pending[i];
        pairs[i] = ctx->todo[index];
        memcpy(vals + i * CP_OUTCOME_COUNT, ctx->values + index * CP_OUTCOME_COUNT,
               CP_OUTCOME_COUNT * sizeof *vals);
    }
    cp_buf b;
    cp_buf_init(&b);
    cp_sweep_shard_csv(&b, ctx->sw->replications, pairs, vals, ctx->pending_count);
    free(pairs);
    free(vals);
    cp_status st;
    if (b.failed)
        st = cp_error_set(err, CP_ENOMEM, "out of memory writing a checkpoint");
    else
        st = publish_part(ctx, b.data, b.len, err);
    cp_buf_fini(&b);
    if (st == CP_OK) {
        ctx->checkpoints++;
        ctx->pending_count = 0;
        ctx->last_checkpoint = cp_monotonic_seconds();
    }
    return st;
}

static void pair_finished(void *vctx, size_t index) {
    run_ctx *ctx = vctx;
    ctx->pending[ctx->pending_count++] = index;
    ctx->completed++;
    if (ctx->opt->progress)
        ctx->opt->progress(ctx->opt->progress_ctx, ctx->completed, ctx->count);
    if (atomic_load(&ctx->failed))
        return;
    bool due = ctx->opt->checkpoint_seconds <= 0 ||
               cp_monotonic_seconds() - ctx->last_checkpoint >= ctx->opt->checkpoint_seconds ||
               (ctx->opt->interrupt && *ctx->opt->interrupt);
    if (due && checkpoint(ctx, &ctx->checkpoint_error) != CP_OK)
        atomic_store(&ctx->failed, 1);
}

/* "STEM.part-N.csv" -> N, or -1 when name is not one of STEM's parts. */
static long part_number(const char *name, const char *stem) {
    size_t n = strlen(stem);
    if (strncmp(name, stem, n) != 0 || strncmp(name + n, ".part-", 6) != 0)
        return -1;
    const char *digits = name + n + 6;
    char *end;
    errno = 0;
    long v = strtol(digits, &end, 10);
    if (end == digits || strcmp(end, ".csv") != 0 || v < 0 || errno)
        return -1;
    return v;
}

/* The stem's own files: its final shard (if any) and its parts. */
typedef struct own_files {
    char **names;
    size_t count;
    bool has_final;
    long max_part;
} own_files;

static void own_files_fini(own_files *o) {
    for (size_t i = 0; i < o->count; i++)
        free(o->names[i]);
    free(o->names);
    memset(o, 0, sizeof *o);
}

static cp_status list_own(const char *shard_dir, const char *stem, own_files *o, cp_error *err) {
    memset(o, 0, sizeof *o);
    o->max_part = -1;
    DIR *d = opendir(shard_dir);
    if (!d)
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", shard_dir, strerror(errno));
    char final_name[256];
    snprintf(final_name, sizeof final_name, "%s.csv", stem);
    size_t cap = 0;
    cp_status st = CP_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long part = part_number(e->d_name, stem);
        bool is_final = strcmp(e->d_name, final_name) == 0;
        if (part < 0 && !is_final)
            continue;
        if (o->count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(o->names, cap * sizeof *grown);
            if (!grown) {
                st = cp_error_set(err, CP_ENOMEM, "out of memory listing %s", shard_dir);
                break;
            }
            o->names = grown;
        }
        o->names[o->count] = strdup(e->d_name);
        if (!o->names[o->count]) {
            st = cp_error_set(err, CP_ENOMEM, "out of memory listing %s", shard_dir);
            break;
        }
        o->count++;
        if (is_final)
            o->has_final = true;
        if (part > o->max_part)
            o->max_part = part;
    }
    closedir(d);
    if (st != CP_OK)
        own_files_fini(o);
    return st;
}

/* The exclusive lock every fold of STEM holds: a POSIX lock on the file
 * shards/.STEM.lock, which exists only while a fold runs (or after a fold
 * was killed, until the next one). The holder removes the file before
 * releasing the lock, so a process that was waiting on the old file, or
 * opened it just before, could lock a file that is no longer the one at
 * that name; so after locking, the file locked must still be the one the
 * name points to, else we try again. (The usual pattern for lock files that
 * are removed; a lock file left forever would be a hidden file in shards/
 * that every folder listing and every check for leftovers must know.) */
typedef struct stem_lock {
    char path[CP_PATH_MAX];
    int fd; /* -1: not held (no locks on this file system) */
} stem_lock;

/* Waits for the lock. lock->fd is -1 and CP_OK returned when this file
 * system has no POSIX locks. */
static cp_status stem_lock_take(const char *shard_dir, const char *stem, stem_lock *lock,
                                cp_error *err) {
    lock->fd = -1;
    if ((size_t)snprintf(lock->path, sizeof lock->path, "%s/.%s.lock", shard_dir, stem) >=
        sizeof lock->path)
        return cp_error_set(err, CP_EINPUT, "path too long: %s", shard_dir);
    for (;;) {
        int fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return cp_error_set(err, CP_EIO, "cannot open %s: %s", lock->path, strerror(errno));
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file */
        int e = 0;
        while (fcntl(fd, F_SETLKW, &fl) != 0) {
            e = errno;
            if (e != EINTR)
                break; /* EINTR: a signal (SIGTERM sets a flag); the fold is short */
            e = 0;
        }
        if (e != 0) {
            close(fd);
            /* No locks here: the caller leaves the checkpoints. The file
             * stays too: ENOLCK can be passing (an NFS lock daemon
             * restarting) while another host holds a lock on it. */
            if (e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS || e == EINVAL)
                return CP_OK;
            return cp_error_set(err, CP_EIO, "cannot lock %s: %s", lock->path, strerror(e));
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(lock->path, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino) {
            lock->fd = fd;
            return CP_OK;
        }
        close(fd); /* removed by the holder before us: take the new one */
    }
}

/* Removes the lock file, then releases the lock (closing the descriptor). */
static void stem_lock_release(stem_lock *lock) {
    if (lock->fd < 0)
        return;
    unlink(lock->path);
    close(lock->fd);
    lock->fd = -1;
}

/* Reads a whole shard into r. *vanished is set (and CP_OK returned) when
 * the file is not there. */
static cp_status add_file(cp_sweep_results *r, const char *path, bool *vanished, cp_error *err) {
    *vanished = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) {
            *vanished = true;
            return CP_OK;
        }
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    cp_buf text;
    cp_buf_init(&text);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        cp_buf_append(&text, chunk, got);
    bool bad = ferror(f) != 0;
    fclose(f);
    cp_status st;
    if (bad)
        st = cp_error_set(err, CP_EIO, "cannot read %s", path);
    else if (text.failed)
        st = cp_error_set(err, CP_ENOMEM, "out of memory reading %s", path);
    else
        st = cp_sweep_results_add(r, path, text.data ? text.data : "", text.len, err);
    cp_buf_fini(&text);
    return st;
}

/* Under the stem's lock: folds STEM.csv (if any) and every checkpoint of
 * the stem present, whichever process wrote it, into STEM.csv, then removes
 * the checkpoints it read. */
static cp_status fold_locked(run_ctx *ctx, const char *final_path, cp_error *err) {
    const cp_sweep *sw = ctx->sw;
    own_files own;
    cp_status st = list_own(ctx->shard_dir, ctx->opt->stem, &own, err);
    if (st != CP_OK)
        return st;
    if (own.has_final && own.count == 1) {
        own_files_fini(&own); /* already folded: nothing new since */
        return CP_OK;
    }
    cp_sweep_results *mine = cp_sweep_results_create(sw->point_count, sw->replications, err);
    if (!mine) {
        own_files_fini(&own);
        return err ? err->status : CP_ENOMEM;
    }
    /* The final shard first, by its name: the fold is the only writer of
     * STEM.csv and holds the lock, so this is the latest one. */
    bool vanished = false;
    st = add_file(mine, final_path, &vanished, err);
    for (size_t i = 0; i < own.count && st == CP_OK; i++) {
        if (part_number(own.names[i], ctx->opt->stem) < 0)
            continue; /* the final shard, read above */
        char path[CP_PATH_MAX];
        if (!join(path, sizeof path, ctx->shard_dir, own.names[i], "")) {
            st = cp_error_set(err, CP_EINPUT, "path too long: %s", ctx->shard_dir);
            break;
        }
        /* Only a fold removes checkpoints, and folds hold the lock. */
        st = add_file(mine, path, &vanished, err);
        if (st == CP_OK && vanished)
            st = cp_error_set(err, CP_EIO,
                              "%s vanished during the fold, under the lock that every fold "
                              "holds: is another host folding it where locks are not shared "
                              "(an NFS mount with nolock)? Nothing was written; run the share "
                              "again",
                              path);
    }
    size_t pairs = cp_sweep_pairs(sw);
    size_t *list = NULL;
    double *vals = NULL;
    if (st == CP_OK) {
        list = malloc((mine->present_count ? mine->present_count : 1) * sizeof *list);
        vals = malloc((mine->present_count ? mine->present_count : 1) * CP_OUTCOME_COUNT *
                      sizeof *vals);
        if (!list || !vals)
            st = cp_error_set(err, CP_ENOMEM, "out of memory writing %s", final_path);
    }
    if (st == CP_OK) {
        size_t n = 0;
        for (size_t pair = 0; pair < pairs; pair++) {
            if (!mine->present[pair])
                continue;
            list[n] = pair;
            memcpy(vals + n * CP_OUTCOME_COUNT, mine->values + pair * CP_OUTCOME_COUNT,
                   CP_OUTCOME_COUNT * sizeof *vals);
            n++;
        }
        cp_buf b;
        cp_buf_init(&b);
        cp_sweep_shard_csv(&b, sw->replications, list, vals, n);
        char name[256];
        snprintf(name, sizeof name, "%s.csv", ctx->opt->stem);
        if (b.failed)
            st = cp_error_set(err, CP_ENOMEM, "out of memory writing %s", final_path);
        else
            st = cp_file_write_atomic(ctx->shard_dir, name, b.data, b.len, err);
        cp_buf_fini(&b);
    }
    if (st == CP_OK) {
        /* The final shard is durable; the checkpoints read are now
         * duplicates. Ones published since the listing were not read and
         * stay for the next fold. */
        bool removed = false;
        for (size_t i = 0; i < own.count; i++) {
            if (part_number(own.names[i], ctx->opt->stem) < 0)
                continue;
            char path[CP_PATH_MAX];
            if (join(path, sizeof path, ctx->shard_dir, own.names[i], "") && unlink(path) == 0)
                removed = true;
        }
        if (removed)
            st = sync_dir(ctx->shard_dir, err);
    }
    free(list);
    free(vals);
    cp_sweep_results_destroy(mine);
    own_files_fini(&own);
    return st;
}

/* Folds the stem's checkpoints into STEM.csv under the stem's lock (see the
 * top of this file). Without locks, the checkpoints stay as they are. */
static cp_status consolidate(run_ctx *ctx, cp_sweep_run_report *rep, cp_error *err) {
    if (!join(rep->shard, sizeof rep->shard, ctx->shard_dir, ctx->opt->stem, ".csv"))
        return cp_error_set(err, CP_EINPUT, "path too long: %s", ctx->shard_dir);
    stem_lock lock;
    cp_status st = stem_lock_take(ctx->shard_dir, ctx->opt->stem, &lock, err);
    if (st != CP_OK)
        return st;
    if (lock.fd < 0) {
        if (!join(rep->shard, sizeof rep->shard, ctx->shard_dir, ctx->opt->stem, ".part-*.csv"))
            return cp_error_set(err, CP_EINPUT, "path too long: %s", ctx->shard_dir);
        return CP_OK;
    }
    st = fold_locked(ctx, rep->shard, err);
    rep->folded = st == CP_OK;
    stem_lock_release(&lock);
    return st;
}

cp_status cp_sweep_run(const cp_sweep *sw, const char *dir, const cp_sweep_run_options *opt,
                       cp_sweep_run_report *rep, cp_error *err) {
    memset(rep, 0, sizeof *rep);
    const size_t pairs = cp_sweep_pairs(sw);
    if (opt->first > opt->end || opt->end > pairs)
        return cp_error_set(err, CP_EINPUT, "pairs %zu-%zu are outside the plan's %zu pairs",
                            opt->first, opt->end, pairs);
    if (opt->threads < 1)
        return cp_error_set(err, CP_EINPUT, "threads must be at least 1");
    if (!opt->stem || !opt->stem[0] || strchr(opt->stem, '/') || opt->stem[0] == '.' ||
        strlen(opt->stem) > 200)
        return cp_error_set(err, CP_EINPUT, "bad shard name \"%s\"", opt->stem ? opt->stem : "");
    rep->pairs = opt->end - opt->first;

    run_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sw = sw;
    ctx.opt = opt;
    atomic_init(&ctx.failed, 0);
    if ((size_t)snprintf(ctx.shard_dir, sizeof ctx.shard_dir, "%s/shards", dir) >=
        sizeof ctx.shard_dir)
        return cp_error_set(err, CP_EINPUT, "path too long: %s", dir);
    if (mkdir(ctx.shard_dir, 0777) != 0 && errno != EEXIST)
        return cp_error_set(err, CP_EIO, "cannot create %s: %s", ctx.shard_dir, strerror(errno));

    /* What is done already, in any complete shard of any task. Presence
     * only: every task of a big array would otherwise hold every value of
     * the whole sweep. (Shards that disagree are merge's to find.) */
    cp_sweep_results *have = cp_sweep_results_create_index(sw->point_count, sw->replications, err);
    if (!have)
        return err ? err->status : CP_ENOMEM;
    cp_status st = cp_sweep_results_load(have, ctx.shard_dir, err);
    if (st != CP_OK) {
        cp_sweep_results_destroy(have);
        return st;
    }
    size_t todo_count = cp_sweep_results_missing(have, opt->first, opt->end);
    rep->already = rep->pairs - todo_count;
    size_t *todo = malloc((todo_count ? todo_count : 1) * sizeof *todo);
    ctx.values = malloc((todo_count ? todo_count : 1) * CP_OUTCOME_COUNT * sizeof *ctx.values);
    ctx.pending = malloc((todo_count ? todo_count : 1) * sizeof *ctx.pending);
    if (!todo || !ctx.values || !ctx.pending) {
        free(todo);
        free(ctx.values);
        free(ctx.pending);
        cp_sweep_results_destroy(have);
        return cp_error_set(err, CP_ENOMEM, "out of memory for %zu pairs", todo_count);
    }
    size_t n = 0;
    for (size_t pair = opt->first; pair < opt->end; pair++)
        if (!have->present[pair])
            todo[n++] = pair;
    cp_sweep_results_destroy(have);
    ctx.todo = todo;
    ctx.count = todo_count;

    own_files own;
    st = list_own(ctx.shard_dir, opt->stem, &own, err);
    if (st == CP_OK) {
        ctx.next_part = (unsigned)(own.max_part + 1);
        own_files_fini(&own);
    }
    ctx.last_checkpoint = cp_monotonic_seconds();

    if (st == CP_OK && todo_count > 0) {
        cp_pool_job job = {&ctx, thread_create, thread_destroy, run_pair, pair_finished};
        st = cp_pool_run(&job, 0, todo_count, opt->threads, opt->interrupt, err);
        /* Whatever happened, keep what finished. A checkpoint failure is
         * the real cause when the pool stopped because of it. */
        cp_error cerr;
        cp_error_clear(&cerr);
        cp_status cst =
            atomic_load(&ctx.failed) ? ctx.checkpoint_error.status : checkpoint(&ctx, &cerr);
        if (atomic_load(&ctx.failed))
            cerr = ctx.checkpoint_error;
        if (cst != CP_OK && (st == CP_OK || st == CP_EINTERRUPTED || atomic_load(&ctx.failed))) {
            st = cst;
            if (err)
                *err = cerr;
        }
    }
    rep->ran = ctx.completed;
    rep->checkpoints = ctx.checkpoints;
    if (st == CP_OK) {
        rep->complete = true;
        st = consolidate(&ctx, rep, err);
    }
    free(todo);
    free(ctx.values);
    free(ctx.pending);
    return st;
}
