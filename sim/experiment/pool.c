/* pool.c: a fork-join pool over numbered jobs (contract in pool.h).
 *
 * One mutex guards the counter, the error record and the `finished`
 * callback. It is taken twice per job, which is nothing next to a
 * replication (milliseconds to seconds); a lock-free counter would save
 * nothing measurable and make the error and progress bookkeeping harder to
 * read. Threads are started per call and joined before returning, rather
 * than kept alive between batches: a batch is long, and a pool that owns no
 * threads between calls cannot leak them.
 */
#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pool_shared {
    const cp_pool_job *job;
    const volatile sig_atomic_t *interrupt;
    pthread_mutex_t lock;
    size_t next;
    size_t end;
    size_t completed;
    bool stop;
    size_t error_index; /* SIZE_MAX: none, or a failure outside any job */
    bool has_error;
    cp_error error;
} pool_shared;

/* Records a failure, keeping the one with the lowest job index. Called with
 * the lock held. */
static void record_error(pool_shared *p, size_t index, const cp_error *e) {
    p->stop = true;
    if (!p->has_error || index < p->error_index) {
        p->has_error = true;
        p->error_index = index;
        p->error = *e;
    }
}

static void *worker(void *arg) {
    pool_shared *p = arg;
    const cp_pool_job *job = p->job;
    cp_error e;
    cp_error_clear(&e);
    void *state = NULL;
    if (job->thread_create) {
        state = job->thread_create(job->ctx, &e);
        if (!state) {
            pthread_mutex_lock(&p->lock);
            /* A failure before any job ranks above every job's error: with
             * no state, this thread's jobs could not even start. */
            record_error(p, 0, &e);
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
    }
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->stop || p->next >= p->end || (p->interrupt && *p->interrupt)) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t index = p->next++;
        pthread_mutex_unlock(&p->lock);

        cp_error_clear(&e);
        cp_status st = job->run(job->ctx, state, index, &e);

        pthread_mutex_lock(&p->lock);
        if (st != CP_OK) {
            if (e.status == CP_OK)
                cp_error_set(&e, st, "job %zu failed", index);
            record_error(p, index, &e);
        } else {
            p->completed++;
            if (job->finished)
                job->finished(job->ctx, index);
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (job->thread_destroy && state)
        job->thread_destroy(job->ctx, state);
    return NULL;
}

cp_status cp_pool_run(const cp_pool_job *job, size_t first, size_t end, int threads,
                      const volatile sig_atomic_t *interrupt, cp_error *err) {
    CP_ASSERT(job && job->run && first <= end && threads >= 1);
    if (first == end)
        return CP_OK;
    pool_shared p;
    memset(&p, 0, sizeof p);
    p.job = job;
    p.interrupt = interrupt;
    p.next = first;
    p.end = end;
    p.error_index = SIZE_MAX;
    if (pthread_mutex_init(&p.lock, NULL) != 0)
        return cp_error_set(err, CP_EINTERNAL, "cannot create a mutex for the thread pool");

    size_t want = (size_t)threads;
    if (want > end - first)
        want = end - first;
    /* The calling thread is worker 0; the others are extra. */
    pthread_t *extra = NULL;
    size_t started = 0;
    if (want > 1) {
        extra = calloc(want - 1, sizeof *extra);
        if (extra) {
            for (size_t i = 0; i + 1 < want; i++) {
                if (pthread_create(&extra[i], NULL, worker, &p) != 0)
                    break;
                started++;
            }
        }
    }
    worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(extra[i], NULL);
    free(extra);
    pthread_mutex_destroy(&p.lock);

    if (p.has_error) {
        if (err)
            *err = p.error;
        return p.error.status;
    }
    if (p.completed < end - first)
        return cp_error_set(err, CP_EINTERRUPTED, "interrupted with %zu of %zu jobs done",
                            p.completed, end - first);
    return CP_OK;
}
