/* pool.h (internal to sim/experiment): run numbered jobs across threads.
 *
 * Contract
 * - Jobs first .. end-1 are handed out in increasing order from a shared
 *   counter; which thread runs which job is not deterministic, so a job must
 *   write its results only to a slot owned by its index.
 * - Each thread makes its own state with thread_create (e.g. a model and a
 *   result) before its first job and frees it with thread_destroy: state is
 *   never shared and never handed between threads.
 * - `finished` is called after each successful job with the pool's lock held,
 *   so calls are serialised (a progress bar needs no lock of its own).
 * - The first failure stops new jobs from starting; when several jobs fail,
 *   the error of the lowest index is returned, so the message does not
 *   depend on thread timing. When the interrupt flag is set, no new job
 *   starts and the pool returns CP_EINTERRUPTED if any job was left undone.
 * - threads == 1 runs every job on the calling thread (no pthread at all),
 *   which keeps single-threaded runs easy to debug. If the system refuses to
 *   start a thread, the pool carries on with the threads it has.
 */
#ifndef CPSIM_EXPERIMENT_POOL_H
#define CPSIM_EXPERIMENT_POOL_H

#include "cpsim/error.h"

#include <signal.h>
#include <stddef.h>

typedef struct cp_pool_job {
    void *ctx;
    /* Per-thread state; NULL with err set on failure. May be NULL (no state). */
    void *(*thread_create)(void *ctx, cp_error *err);
    void (*thread_destroy)(void *ctx, void *state);
    cp_status (*run)(void *ctx, void *state, size_t index, cp_error *err);
    void (*finished)(void *ctx, size_t index); /* may be NULL */
} cp_pool_job;

cp_status cp_pool_run(const cp_pool_job *job, size_t first, size_t end, int threads,
                      const volatile sig_atomic_t *interrupt, cp_error *err);

#endif
