/* cpsim/kernel.h: the discrete-event kernel. It knows nothing of social work.
 *
 * Contract
 * - Events run in order of (time, priority, insertion sequence): earliest time
 *   first; at equal times the higher priority first; at equal time and
 *   priority the one scheduled first (FIFO). The sequence number is the last
 *   tie-breaker, so the order is total and a run is deterministic.
 * - Events are stored by value in a radix heap on their time (growable
 *   arrays); scheduling never calls malloc except to grow the arrays
 *   (amortised O(1), none in steady state). Payloads live in a slot table
 *   indexed by the handle. Times are >= 0 (the clock starts at 0).
 * - schedule returns a handle. cancel is O(1) and lazy: it frees the slot,
 *   and the stale queue entry is skipped when it surfaces (the queue
 *   is compacted when stale entries outnumber live ones). A handle whose event
 *   has run or been cancelled is simply stale: cancelling it again is a no-op
 *   that returns false, never a use-after-free.
 * - Before a handler runs, its event is already out of the queue and its slot
 *   released, so a handler may schedule, cancel or reschedule anything,
 *   including its own (now stale) handle.
 * - The clock is private: read it with cp_kernel_now. It only moves forward.
 *   Scheduling before now, or at a time that is not a number, is a broken
 *   invariant (CP_ASSERT), not an error value.
 * - The kernel steps; the caller loops. Warm-up, horizons and tracing belong to
 *   the runner.
 * Not thread-safe: one kernel per replication, one replication per thread.
 */
#ifndef CPSIM_KERNEL_H
#define CPSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cp_kernel cp_kernel;

/* An event handler. ctx and arg are whatever the scheduler passed. */
typedef void (*cp_event_fn)(cp_kernel *kernel, void *ctx, uint64_t arg);

/* A handle to a scheduled event. 0 is never a valid handle. */
typedef uint64_t cp_event_handle;
#define CP_EVENT_NONE ((cp_event_handle)0)

#define CP_PRIORITY_MIN (-32768)
#define CP_PRIORITY_MAX 32767

/* Creates an empty kernel at time 0 with room for `capacity` pending events
 * (it grows past that). Returns NULL when memory runs out. */
cp_kernel *cp_kernel_create(size_t capacity);
void cp_kernel_destroy(cp_kernel *kernel);

/* Empties the queue and sets the clock back to 0, keeping the memory, so one
 * kernel can run many replications without reallocating. */
void cp_kernel_reset(cp_kernel *kernel);

/* The current simulation time (the time of the event running or last run). */
double cp_kernel_now(const cp_kernel *kernel);

/* Schedules fn(kernel, ctx, arg) at absolute time `time` (>= now). */
cp_event_handle cp_kernel_schedule_at(cp_kernel *kernel, double time, int priority,
                                      cp_event_fn fn, void *ctx, uint64_t arg);
/* Same, `delay` (>= 0) after now. */
cp_event_handle cp_kernel_schedule_in(cp_kernel *kernel, double delay, int priority,
                                      cp_event_fn fn, void *ctx, uint64_t arg);

/* Cancels a pending event. Returns true if it was pending, false if the
 * handle was stale (already run, already cancelled, or CP_EVENT_NONE). */
bool cp_kernel_cancel(cp_kernel *kernel, cp_event_handle handle);

/* Moves a pending event to a new time (>= now), keeping its priority and
 * payload; it takes a new insertion sequence number. Returns the new handle
 * (the old one becomes stale), or CP_EVENT_NONE if the handle was stale. */
cp_event_handle cp_kernel_reschedule(cp_kernel *kernel, cp_event_handle handle, double time);

/* True if the handle refers to an event still waiting to run. */
bool cp_kernel_is_pending(const cp_kernel *kernel, cp_event_handle handle);

/* The time of the next live event, or +infinity when none is pending. */
double cp_kernel_next_time(cp_kernel *kernel);

/* Runs the next live event. Returns false (and does nothing) when the queue
 * is empty. */
bool cp_kernel_step(cp_kernel *kernel);

/* Runs every event with time <= t, then sets the clock to t (t >= now).
 * Returns the number of events run. After cp_kernel_stop it returns early
 * instead, with the clock at the last event run. */
uint64_t cp_kernel_run_until(cp_kernel *kernel, double t);

/* Asks a running cp_kernel_run_until to return once the running event's
 * handler is done (for an interrupt: the run is being abandoned). Every
 * later run_until returns at once, until cp_kernel_reset. */
void cp_kernel_stop(cp_kernel *kernel);

/* Number of live pending events. */
size_t cp_kernel_pending(const cp_kernel *kernel);

/* Number of events run since creation or the last reset. */
uint64_t cp_kernel_events_run(const cp_kernel *kernel);

/* The queue's own work since creation or the last reset: how many times an
 * entry was moved inside the queue after it was scheduled (a few times an
 * event at most, on average). For benchmarks, and for tests that the cost
 * of an operation does not grow with the queue. */
uint64_t cp_kernel_entries_moved(const cp_kernel *kernel);

#endif
