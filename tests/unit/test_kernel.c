/* test_kernel.c: unit tests of the event kernel (include/cpsim/kernel.h).
 *
 * What is pinned down: the total order (time, then higher priority, then
 * insertion), lazy cancel and its stale handles, reschedule, the clock, reset,
 * compaction, and the always-on assertion against scheduling in the past. The
 * last test drives the heap with 100,000 random operations full of ties and
 * compares every pop with a reference model that orders by
 * (time, priority descending, sequence) directly.
 *
 * Handlers record what ran into a small log (the `trace` below) through ctx,
 * so each test states the exact order it expects. Every test owns its kernel;
 * nothing is shared between tests. The tests use only the public contract:
 * nothing here depends on how a handle is encoded or how the heap is laid
 * out, so the kernel's internals can change under them.
 */
#include "cpsim/kernel.h"

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* After setjmp.h, stdarg.h and stddef.h, which cmocka.h needs first. */
#include <cmocka.h>

/* ---- a log of what ran --------------------------------------------------- */

#define TRACE_MAX 256

typedef struct trace {
    uint64_t args[TRACE_MAX];
    double times[TRACE_MAX];
    size_t n;
} trace;

static void record(cp_kernel *k, void *ctx, uint64_t arg) {
    trace *t = ctx;
    assert_true(t->n < TRACE_MAX);
    t->args[t->n] = arg;
    t->times[t->n] = cp_kernel_now(k);
    t->n++;
}

/* Asserts that the trace holds exactly the n given args, in order. */
static void expect_args(const trace *t, size_t n, ...) {
    assert_int_equal(t->n, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(t->args[i], va_arg(ap, int));
    va_end(ap);
}

static cp_kernel *new_kernel(size_t capacity) {
    cp_kernel *k = cp_kernel_create(capacity);
    assert_non_null(k);
    return k;
}

static void run_all(cp_kernel *k) {
    while (cp_kernel_step(k)) {
    }
}

/* ---- basics --------------------------------------------------------------- */

static void a_new_kernel_is_empty_at_time_zero(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(0);
    assert_true(cp_kernel_now(k) == 0.0);
    assert_int_equal(cp_kernel_pending(k), 0);
    assert_int_equal(cp_kernel_events_run(k), 0);
    assert_true(isinf(cp_kernel_next_time(k)) && cp_kernel_next_time(k) > 0.0);
    cp_kernel_destroy(k);
}

static void step_returns_false_and_does_nothing_on_an_empty_queue(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    assert_false(cp_kernel_step(k));
    assert_true(cp_kernel_now(k) == 0.0);
    assert_int_equal(cp_kernel_events_run(k), 0);

    /* Also once the queue has been used and emptied again, and when the only
     * entries left are cancelled ones. */
    trace t = {0};
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    assert_true(cp_kernel_step(k));
    cp_event_handle h = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    assert_true(cp_kernel_cancel(k, h));
    assert_false(cp_kernel_step(k));
    assert_true(cp_kernel_now(k) == 1.0);
    expect_args(&t, 1, 1);
    cp_kernel_destroy(k);
}

static void destroying_a_null_kernel_is_a_no_op(void **state) {
    (void)state;
    cp_kernel_destroy(NULL);
}

static void events_run_in_time_order_and_the_clock_follows(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 3.0, 0, record, &t, 3);
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_kernel_schedule_at(k, 2.5, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 10.0, 0, record, &t, 4);
    assert_int_equal(cp_kernel_pending(k), 4);
    assert_true(cp_kernel_next_time(k) == 1.0);
    run_all(k);
    expect_args(&t, 4, 1, 2, 3, 4);
    assert_true(t.times[0] == 1.0 && t.times[1] == 2.5 && t.times[2] == 3.0 && t.times[3] == 10.0);
    assert_true(cp_kernel_now(k) == 10.0);
    assert_int_equal(cp_kernel_events_run(k), 4);
    assert_int_equal(cp_kernel_pending(k), 0);
    cp_kernel_destroy(k);
}

static void events_at_the_same_time_run_by_priority_then_fifo(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    /* Same time throughout: priorities 0, 5, 0, -3, 5, 0 scheduled in that
     * order must run as 5 (first), 5 (second), 0, 0, 0 (FIFO), -3. */
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 10);
    cp_kernel_schedule_at(k, 2.0, 5, record, &t, 20);
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 11);
    cp_kernel_schedule_at(k, 2.0, -3, record, &t, 30);
    cp_kernel_schedule_at(k, 2.0, 5, record, &t, 21);
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 12);
    /* An earlier time beats any priority. */
    cp_kernel_schedule_at(k, 1.0, CP_PRIORITY_MIN, record, &t, 1);
    run_all(k);
    expect_args(&t, 7, 1, 20, 21, 10, 11, 12, 30);
    cp_kernel_destroy(k);
}

static void the_extreme_priorities_order_correctly(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 1.0, CP_PRIORITY_MIN, record, &t, 3);
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 1.0, CP_PRIORITY_MAX, record, &t, 1);
    cp_kernel_schedule_at(k, 1.0, CP_PRIORITY_MIN, record, &t, 4);
    cp_kernel_schedule_at(k, 1.0, CP_PRIORITY_MAX - 1, record, &t, 5);
    run_all(k);
    expect_args(&t, 5, 1, 5, 2, 3, 4);
    cp_kernel_destroy(k);
}

/* Payload is passed through untouched: ctx pointer and the full 64-bit arg. */
typedef struct payload_seen {
    void *ctx;
    uint64_t arg;
    int calls;
} payload_seen;

static void remember_payload(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    payload_seen *p = ctx;
    p->ctx = ctx;
    p->arg = arg;
    p->calls++;
}

static void handlers_receive_their_ctx_and_full_64_bit_arg(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    payload_seen p = {0};
    cp_kernel_schedule_in(k, 0.5, 0, remember_payload, &p, UINT64_MAX - 7);
    assert_true(cp_kernel_step(k));
    assert_ptr_equal(p.ctx, &p);
    assert_true(p.arg == UINT64_MAX - 7);
    assert_int_equal(p.calls, 1);
    cp_kernel_destroy(k);
}

/* ---- handlers that act on the queue -------------------------------------- */

typedef struct chain {
    trace t;
    int remaining;
} chain;

/* Schedules itself again after 0.25 until `remaining` runs out, plus one
 * same-time follower each time, to check schedule_in is relative to now. */
static void chain_link(cp_kernel *k, void *ctx, uint64_t arg) {
    chain *c = ctx;
    record(k, &c->t, arg);
    if (arg >= 100)
        return; /* a follower */
    if (c->remaining-- > 0) {
        cp_kernel_schedule_in(k, 0.0, 0, chain_link, c, 100 + arg);
        cp_kernel_schedule_in(k, 0.25, 0, chain_link, c, arg + 1);
    }
}

static void a_handler_can_schedule_now_and_later_relative_to_the_clock(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(2);
    chain c = {.remaining = 3};
    cp_kernel_schedule_at(k, 1.0, 0, chain_link, &c, 0);
    run_all(k);
    expect_args(&c.t, 7, 0, 100, 1, 101, 2, 102, 3);
    assert_true(c.t.times[0] == 1.0 && c.t.times[1] == 1.0);
    assert_true(c.t.times[2] == 1.25 && c.t.times[6] == 1.75);
    cp_kernel_destroy(k);
}

typedef struct canceller {
    trace t;
    cp_event_handle victim;
    cp_event_handle self;
    bool victim_cancelled;
    bool self_cancelled;
    bool self_was_pending;
    cp_event_handle self_rescheduled;
} canceller;

static void cancel_victim(cp_kernel *k, void *ctx, uint64_t arg) {
    canceller *c = ctx;
    record(k, &c->t, arg);
    c->victim_cancelled = cp_kernel_cancel(k, c->victim);
}

static void a_handler_can_cancel_another_pending_event(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    canceller c = {0};
    cp_kernel_schedule_at(k, 1.0, 0, cancel_victim, &c, 1);
    c.victim = cp_kernel_schedule_at(k, 2.0, 0, record, &c.t, 2);
    cp_kernel_schedule_at(k, 3.0, 0, record, &c.t, 3);
    run_all(k);
    assert_true(c.victim_cancelled);
    expect_args(&c.t, 2, 1, 3);
    assert_false(cp_kernel_is_pending(k, c.victim));
    cp_kernel_destroy(k);
}

static void a_handler_can_cancel_an_event_due_at_the_same_time(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    canceller c = {0};
    cp_kernel_schedule_at(k, 1.0, 1, cancel_victim, &c, 1);
    c.victim = cp_kernel_schedule_at(k, 1.0, 0, record, &c.t, 2);
    run_all(k);
    assert_true(c.victim_cancelled);
    expect_args(&c.t, 1, 1);
    cp_kernel_destroy(k);
}

static void cancel_own_handle(cp_kernel *k, void *ctx, uint64_t arg) {
    canceller *c = ctx;
    record(k, &c->t, arg);
    c->self_was_pending = cp_kernel_is_pending(k, c->self);
    c->self_cancelled = cp_kernel_cancel(k, c->self);
    c->self_rescheduled = cp_kernel_reschedule(k, c->self, cp_kernel_now(k) + 1.0);
}

static void a_handler_cancelling_its_own_handle_gets_false(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    canceller c = {0};
    c.self = cp_kernel_schedule_at(k, 1.0, 0, cancel_own_handle, &c, 1);
    cp_kernel_schedule_at(k, 2.0, 0, record, &c.t, 2);
    run_all(k);
    /* The running event is already out of the queue: its handle is stale, so
     * cancel and reschedule are no-ops and nothing else is disturbed. */
    assert_false(c.self_was_pending);
    assert_false(c.self_cancelled);
    assert_int_equal(c.self_rescheduled, CP_EVENT_NONE);
    expect_args(&c.t, 2, 1, 2);
    cp_kernel_destroy(k);
}

/* A handler that cancels its own stale handle after scheduling a new event:
 * the new event likely reuses the running event's slot, and the stale handle
 * must not reach it. */
static void reschedule_then_cancel_self(cp_kernel *k, void *ctx, uint64_t arg) {
    canceller *c = ctx;
    record(k, &c->t, arg);
    if (arg == 1) {
        cp_kernel_schedule_in(k, 1.0, 0, record, &c->t, 2);
        c->self_cancelled = cp_kernel_cancel(k, c->self);
    }
}

static void a_stale_handle_never_reaches_an_event_that_reuses_its_slot(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    canceller c = {0};
    c.self = cp_kernel_schedule_at(k, 1.0, 0, reschedule_then_cancel_self, &c, 1);
    run_all(k);
    assert_false(c.self_cancelled);
    expect_args(&c.t, 2, 1, 2);
    cp_kernel_destroy(k);
}

/* ---- cancel --------------------------------------------------------------- */

static void cancel_removes_a_pending_event_and_returns_true(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_event_handle h = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 3.0, 0, record, &t, 3);
    assert_true(cp_kernel_is_pending(k, h));
    assert_true(cp_kernel_cancel(k, h));
    assert_false(cp_kernel_is_pending(k, h));
    assert_int_equal(cp_kernel_pending(k), 2);
    run_all(k);
    expect_args(&t, 2, 1, 3);
    cp_kernel_destroy(k);
}

static void cancelling_the_earliest_event_moves_next_time_on(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle h = cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    assert_true(cp_kernel_cancel(k, h));
    assert_true(cp_kernel_next_time(k) == 2.0);
    assert_true(cp_kernel_now(k) == 0.0); /* next_time only looks */
    run_all(k);
    expect_args(&t, 1, 2);
    cp_kernel_destroy(k);
}

static void cancelling_a_stale_handle_is_a_harmless_no_op(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle ran = cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_event_handle twice = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 3.0, 0, record, &t, 3);
    assert_true(cp_kernel_step(k));

    assert_false(cp_kernel_cancel(k, ran));           /* already run */
    assert_true(cp_kernel_cancel(k, twice));          /* pending */
    assert_false(cp_kernel_cancel(k, twice));         /* already cancelled */
    assert_false(cp_kernel_cancel(k, CP_EVENT_NONE)); /* never valid */
    /* Handles the kernel never issued (far beyond anything scheduled) are
     * rejected, not dereferenced: under the sanitizers an out-of-range read
     * here would fail the test. */
    assert_false(cp_kernel_cancel(k, UINT64_MAX));
    assert_false(cp_kernel_cancel(k, UINT64_C(1) << 63));
    assert_false(cp_kernel_is_pending(k, UINT64_MAX - 1));
    assert_int_equal(cp_kernel_reschedule(k, UINT64_C(0xffffffff00000001), 9.0), CP_EVENT_NONE);

    assert_int_equal(cp_kernel_pending(k), 1);
    run_all(k);
    expect_args(&t, 2, 1, 3);
    cp_kernel_destroy(k);
}

/* ---- reschedule ----------------------------------------------------------- */

static void reschedule_keeps_priority_and_payload_and_returns_a_new_handle(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    payload_seen p = {0};
    cp_event_handle old = cp_kernel_schedule_at(k, 1.0, 7, remember_payload, &p, 42);
    /* At time 5, priority 7 must still beat these priority-0 events that were
     * scheduled earlier (smaller sequence). */
    cp_kernel_schedule_at(k, 5.0, 0, record, &t, 1);
    cp_event_handle neu = cp_kernel_reschedule(k, old, 5.0);
    assert_int_not_equal(neu, CP_EVENT_NONE);
    assert_int_not_equal(neu, old);
    assert_false(cp_kernel_is_pending(k, old));
    assert_true(cp_kernel_is_pending(k, neu));
    assert_false(cp_kernel_cancel(k, old)); /* the old handle is stale */
    assert_int_equal(cp_kernel_pending(k), 2);
    assert_true(cp_kernel_next_time(k) == 5.0);

    assert_true(cp_kernel_step(k));
    assert_int_equal(p.calls, 1); /* the rescheduled event ran first */
    assert_ptr_equal(p.ctx, &p);
    assert_true(p.arg == 42);
    assert_true(cp_kernel_now(k) == 5.0);
    assert_int_equal(t.n, 0);
    run_all(k);
    expect_args(&t, 1, 1);
    cp_kernel_destroy(k);
}

static void a_rescheduled_event_queues_behind_equal_events_scheduled_before_it(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle h = cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_kernel_schedule_at(k, 4.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 4.0, 0, record, &t, 3);
    /* It takes a new insertion sequence number, so it is last among equals,
     * even if moved earlier in time than where it was. */
    h = cp_kernel_reschedule(k, h, 4.0);
    cp_kernel_schedule_at(k, 4.0, 0, record, &t, 4);
    assert_int_not_equal(h, CP_EVENT_NONE);
    run_all(k);
    expect_args(&t, 4, 2, 3, 1, 4);
    cp_kernel_destroy(k);
}

static void reschedule_can_move_an_event_earlier(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    cp_event_handle h = cp_kernel_schedule_at(k, 9.0, 0, record, &t, 1);
    h = cp_kernel_reschedule(k, h, 1.0);
    assert_true(cp_kernel_is_pending(k, h));
    run_all(k);
    expect_args(&t, 2, 1, 2);
    assert_true(t.times[0] == 1.0);
    cp_kernel_destroy(k);
}

static void rescheduling_a_stale_handle_returns_none(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle ran = cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_event_handle cancelled = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    assert_true(cp_kernel_step(k));
    assert_true(cp_kernel_cancel(k, cancelled));
    assert_int_equal(cp_kernel_reschedule(k, ran, 5.0), CP_EVENT_NONE);
    assert_int_equal(cp_kernel_reschedule(k, cancelled, 5.0), CP_EVENT_NONE);
    assert_int_equal(cp_kernel_reschedule(k, CP_EVENT_NONE, 5.0), CP_EVENT_NONE);
    assert_int_equal(cp_kernel_pending(k), 0);
    assert_false(cp_kernel_step(k));
    expect_args(&t, 1, 1);
    cp_kernel_destroy(k);
}

/* ---- run_until ------------------------------------------------------------ */

static void run_until_runs_only_events_at_or_before_t_and_sets_the_clock(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 2.0, -1, record, &t, 3); /* exactly at t: runs */
    cp_kernel_schedule_at(k, nextafter(2.0, 3.0), 0, record, &t, 4);
    cp_kernel_schedule_at(k, 7.0, 0, record, &t, 5);

    assert_int_equal(cp_kernel_run_until(k, 2.0), 3);
    expect_args(&t, 3, 1, 2, 3);
    assert_true(cp_kernel_now(k) == 2.0);
    assert_int_equal(cp_kernel_pending(k), 2);

    /* The clock moves to t even when no event falls in (2, t]. */
    assert_int_equal(cp_kernel_run_until(k, 2.0), 0);
    assert_int_equal(cp_kernel_run_until(k, 6.5), 1);
    assert_true(cp_kernel_now(k) == 6.5);
    assert_int_equal(cp_kernel_run_until(k, 6.75), 0);
    assert_true(cp_kernel_now(k) == 6.75);

    /* After run_until, "now" is t, so schedule_in counts from t: 6.75 + 0.25
     * lands on 7.0 exactly, behind event 5 which was scheduled first. */
    cp_kernel_schedule_in(k, 0.25, 0, record, &t, 6);
    assert_int_equal(cp_kernel_run_until(k, 100.0), 2);
    expect_args(&t, 6, 1, 2, 3, 4, 5, 6);
    assert_true(t.times[4] == 7.0 && t.times[5] == 7.0);
    assert_true(cp_kernel_now(k) == 100.0);
    assert_int_equal(cp_kernel_events_run(k), 6);
    cp_kernel_destroy(k);
}

static void run_until_runs_events_that_handlers_add_inside_the_window(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(2);
    chain c = {.remaining = 100};
    cp_kernel_schedule_at(k, 0.0, 0, chain_link, &c, 0);
    /* Links at 0, 0.25, ..., 1.0 and their followers, 5 + 5 events. */
    assert_int_equal(cp_kernel_run_until(k, 1.0), 10);
    assert_true(cp_kernel_next_time(k) == 1.25);
    cp_kernel_destroy(k);
}

/* Looking ahead (next_time, or run_until stopping short of the next event)
 * must not commit the queue to that event: one scheduled afterwards between
 * the clock and it still runs first. */
static void an_event_scheduled_after_a_look_ahead_still_runs_first(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(16);
    trace t = {0};
    cp_kernel_schedule_at(k, 10.0, 0, record, &t, 1);
    assert_true(cp_kernel_next_time(k) == 10.0);
    cp_kernel_schedule_at(k, 4.0, 0, record, &t, 2);
    assert_true(cp_kernel_next_time(k) == 4.0);
    cp_kernel_run_until(k, 6.0); /* runs 2, looks at 10 */
    cp_kernel_schedule_at(k, 7.0, 0, record, &t, 3);
    cp_kernel_schedule_at(k, 6.0, 0, record, &t, 4);
    /* a dead event ahead of the clock, drained past: the queue is empty at
     * time 10, and an event at 11 then comes before the dead one's 20 */
    cp_event_handle dead = cp_kernel_schedule_at(k, 20.0, 0, record, &t, 5);
    assert_true(cp_kernel_cancel(k, dead));
    run_all(k);
    assert_true(cp_kernel_now(k) == 10.0);
    cp_kernel_schedule_at(k, 11.0, 0, record, &t, 6);
    cp_kernel_schedule_at(k, 30.0, 0, record, &t, 7);
    assert_true(cp_kernel_next_time(k) == 11.0);
    run_all(k);
    expect_args(&t, 6, 2, 4, 3, 1, 6, 7);
    cp_kernel_destroy(k);
}

static void run_until_infinity_drains_the_queue_and_returns(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    assert_int_equal(cp_kernel_run_until(k, HUGE_VAL), 0); /* empty queue */
    cp_kernel_reset(k);
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_event_handle h = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    cp_kernel_schedule_at(k, 3.0, 0, record, &t, 3);
    assert_true(cp_kernel_cancel(k, h));
    assert_int_equal(cp_kernel_run_until(k, HUGE_VAL), 2);
    expect_args(&t, 2, 1, 3);
    assert_int_equal(cp_kernel_pending(k), 0);
    cp_kernel_destroy(k);
}

static void record_then_stop(cp_kernel *k, void *ctx, uint64_t arg) {
    record(k, ctx, arg);
    cp_kernel_stop(k);
}

static void stop_ends_run_until_after_the_running_event_until_a_reset(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_kernel_schedule_at(k, 2.0, 0, record_then_stop, &t, 2);
    cp_kernel_schedule_at(k, 3.0, 0, record, &t, 3);
    assert_int_equal(cp_kernel_run_until(k, 10.0), 2);
    expect_args(&t, 2, 1, 2);
    assert_true(cp_kernel_now(k) == 2.0); /* the clock stays at the last event run */
    assert_int_equal(cp_kernel_pending(k), 1);
    assert_int_equal(cp_kernel_run_until(k, 10.0), 0); /* still stopped */
    cp_kernel_reset(k);
    cp_kernel_schedule_at(k, 1.0, 0, record, &t, 4);
    assert_int_equal(cp_kernel_run_until(k, 10.0), 1);
    assert_true(cp_kernel_now(k) == 10.0);
    cp_kernel_destroy(k);
}

/* ---- reset, is_pending, growth, compaction -------------------------------- */

static void reset_empties_the_queue_rewinds_the_clock_and_stales_old_handles(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle old[8];
    for (int i = 0; i < 8; i++)
        old[i] = cp_kernel_schedule_at(k, 1.0 + i, 0, record, &t, (uint64_t)i);
    assert_true(cp_kernel_cancel(k, old[5]));
    assert_int_equal(cp_kernel_run_until(k, 3.5), 3);

    cp_kernel_reset(k);
    assert_true(cp_kernel_now(k) == 0.0);
    assert_int_equal(cp_kernel_pending(k), 0);
    assert_int_equal(cp_kernel_events_run(k), 0);
    assert_true(isinf(cp_kernel_next_time(k)));
    assert_false(cp_kernel_step(k));
    for (int i = 0; i < 8; i++)
        assert_false(cp_kernel_is_pending(k, old[i]));

    /* The kernel is as good as new, and new events (which may reuse the old
     * events' storage) are out of reach of the old handles. */
    t.n = 0;
    cp_event_handle fresh[8];
    for (int i = 0; i < 8; i++)
        fresh[i] = cp_kernel_schedule_at(k, 0.5, 0, record, &t, (uint64_t)(10 + i));
    for (int i = 0; i < 8; i++) {
        assert_false(cp_kernel_cancel(k, old[i]));
        assert_int_equal(cp_kernel_reschedule(k, old[i], 1.0), CP_EVENT_NONE);
        assert_true(cp_kernel_is_pending(k, fresh[i]));
    }
    run_all(k);
    expect_args(&t, 8, 10, 11, 12, 13, 14, 15, 16, 17);
    assert_int_equal(cp_kernel_events_run(k), 8);
    cp_kernel_destroy(k);
}

/* One small deterministic workload: a chain that also schedules, cancels and
 * reschedules as it goes, with ties. Returns a hash of the (arg, time) trace. */
typedef struct replay {
    cp_event_handle victim;
    uint64_t hash;
    int budget;
} replay;

static void replay_event(cp_kernel *k, void *ctx, uint64_t arg) {
    replay *r = ctx;
    double now = cp_kernel_now(k);
    uint64_t bits;
    memcpy(&bits, &now, sizeof bits);
    r->hash = (r->hash ^ arg ^ (bits * 31u)) * UINT64_C(0x100000001b3);
    if (r->budget-- <= 0)
        return;
    cp_kernel_schedule_in(k, (double)(arg % 3), (int)(arg % 2), replay_event, r, arg * 7 + 1);
    if (arg % 4 == 0)
        r->victim = cp_kernel_schedule_in(k, 1.0, 0, replay_event, r, arg + 2);
    else if (arg % 4 == 1)
        (void)cp_kernel_cancel(k, r->victim);
    else if (arg % 4 == 2 && cp_kernel_is_pending(k, r->victim))
        r->victim = cp_kernel_reschedule(k, r->victim, now + 0.5);
}

static uint64_t replay_once(cp_kernel *k) {
    replay r = {.hash = UINT64_C(0xcbf29ce484222325), .budget = 300};
    for (uint64_t i = 0; i < 4; i++)
        cp_kernel_schedule_at(k, 1.0, 0, replay_event, &r, i);
    run_all(k);
    return r.hash ^ cp_kernel_events_run(k);
}

static void a_reset_kernel_replays_a_run_identically(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    uint64_t first = replay_once(k);
    for (int rep = 0; rep < 500; rep++) {
        cp_kernel_reset(k);
        assert_true(replay_once(k) == first);
    }
    cp_kernel_destroy(k);
    /* ... and a fresh kernel agrees with a reused one. */
    k = new_kernel(1000);
    assert_true(replay_once(k) == first);
    cp_kernel_destroy(k);
}

static void is_pending_tracks_an_event_through_its_life(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    assert_false(cp_kernel_is_pending(k, CP_EVENT_NONE));
    cp_event_handle a = cp_kernel_schedule_at(k, 1.0, 0, record, &t, 1);
    cp_event_handle b = cp_kernel_schedule_at(k, 2.0, 0, record, &t, 2);
    assert_true(cp_kernel_is_pending(k, a));
    assert_true(cp_kernel_is_pending(k, b));
    assert_true(cp_kernel_step(k));
    assert_false(cp_kernel_is_pending(k, a)); /* ran */
    assert_true(cp_kernel_is_pending(k, b));
    cp_event_handle b2 = cp_kernel_reschedule(k, b, 3.0);
    assert_false(cp_kernel_is_pending(k, b)); /* superseded */
    assert_true(cp_kernel_is_pending(k, b2));
    assert_true(cp_kernel_cancel(k, b2));
    assert_false(cp_kernel_is_pending(k, b2)); /* cancelled */
    cp_kernel_destroy(k);
}

static void the_queue_grows_well_past_its_initial_capacity(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(1);
    enum { N = 5000 };
    trace t = {0};
    /* Descending times so every push sifts to the root, across several
     * reallocations of the heap and the slot table. */
    cp_event_handle *h = malloc(N * sizeof *h);
    assert_non_null(h);
    for (int i = 0; i < N; i++)
        h[i] = cp_kernel_schedule_at(k, (double)(N - i), 0, record, &t, 0);
    assert_int_equal(cp_kernel_pending(k), N);
    /* Handles issued before the growth still reach their events. */
    for (int i = 0; i < N; i++)
        assert_true(cp_kernel_is_pending(k, h[i]));
    for (int i = 0; i < N; i += 3)
        assert_true(cp_kernel_cancel(k, h[i]));
    for (int i = 1; i < N; i += 3) {
        h[i] = cp_kernel_reschedule(k, h[i], (double)(N - i) + 0.5);
        assert_true(cp_kernel_is_pending(k, h[i]));
    }
    assert_int_equal(cp_kernel_pending(k), N - (N + 2) / 3);
    double last = -1.0;
    size_t runs = 0;
    while (cp_kernel_next_time(k) < HUGE_VAL) {
        t.n = 0;
        assert_true(cp_kernel_step(k));
        assert_true(cp_kernel_now(k) > last);
        last = cp_kernel_now(k);
        runs++;
    }
    assert_int_equal(runs, N - (N + 2) / 3);
    free(h);
    cp_kernel_destroy(k);
}

/* Records every arg into a growable log: for tests with many events. */
typedef struct long_log {
    uint64_t *args;
    double *times;
    size_t n;
    size_t cap;
} long_log;

static void long_log_init(long_log *l, size_t cap) {
    l->args = malloc(cap * sizeof *l->args);
    l->times = malloc(cap * sizeof *l->times);
    assert_non_null(l->args);
    assert_non_null(l->times);
    l->n = 0;
    l->cap = cap;
}

static void long_log_fini(long_log *l) {
    free(l->args);
    free(l->times);
}

static void log_event(cp_kernel *k, void *ctx, uint64_t arg) {
    long_log *l = ctx;
    assert_true(l->n < l->cap);
    l->args[l->n] = arg;
    l->times[l->n] = cp_kernel_now(k);
    l->n++;
}

static void compaction_after_many_cancels_keeps_order(void **state) {
    (void)state;
    enum { N = 4000 };
    cp_kernel *k = new_kernel(16);
    long_log log;
    long_log_init(&log, N);
    cp_event_handle *h = malloc(N * sizeof *h);
    assert_non_null(h);
    /* Event i: time (i * 7919) mod 97 (many ties), priority i mod 3 - 1, arg i.
     * Cancelling all but every 10th leaves stale entries outnumbering live
     * ones many times over, so the heap is compacted repeatedly mid-way. */
    for (int i = 0; i < N; i++)
        h[i] = cp_kernel_schedule_at(k, (double)((i * 7919) % 97), i % 3 - 1, log_event, &log,
                                     (uint64_t)i);
    for (int i = 0; i < N; i++)
        if (i % 10 != 0)
            assert_true(cp_kernel_cancel(k, h[i]));
    assert_int_equal(cp_kernel_pending(k), N / 10);
    for (int i = 0; i < N; i++)
        assert_true(cp_kernel_is_pending(k, h[i]) == (i % 10 == 0));
    run_all(k);
    assert_int_equal(log.n, N / 10);
    /* Survivors must come out sorted by (time, priority desc, insertion). */
    for (size_t j = 1; j < log.n; j++) {
        int a = (int)log.args[j - 1], b = (int)log.args[j];
        double ta = (double)((a * 7919) % 97), tb = (double)((b * 7919) % 97);
        int pa = a % 3 - 1, pb = b % 3 - 1;
        assert_true(ta < tb || (ta == tb && (pa > pb || (pa == pb && a < b))));
        assert_true(log.times[j] == tb);
    }
    free(h);
    long_log_fini(&log);
    cp_kernel_destroy(k);
}

static void next_time_skips_cancelled_events_without_running_anything(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(4);
    trace t = {0};
    cp_event_handle h[100];
    for (int i = 0; i < 100; i++)
        h[i] = cp_kernel_schedule_at(k, (double)i, 0, record, &t, (uint64_t)i);
    for (int i = 0; i < 99; i++)
        assert_true(cp_kernel_cancel(k, h[i]));
    assert_true(cp_kernel_next_time(k) == 99.0);
    assert_int_equal(cp_kernel_events_run(k), 0);
    assert_int_equal(cp_kernel_pending(k), 1);
    run_all(k);
    expect_args(&t, 1, 99);
    cp_kernel_destroy(k);
}

/* ---- assertions: a broken invariant aborts -------------------------------- */

typedef enum misuse {
    PAST_ABSOLUTE,
    PAST_RELATIVE,
    NAN_TIME,
    RUN_UNTIL_PAST,
    RESCHEDULE_PAST
} misuse;

static void nothing(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    (void)ctx;
    (void)arg;
}

/* Runs one misuse in a forked child and reports whether the child died of
 * SIGABRT. The child's stderr (the assertion message) goes to /dev/null so
 * the test log stays readable. fork() keeps this to POSIX, which the project
 * targets anyway. */
static bool misuse_aborts(misuse m) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        cp_kernel *k = cp_kernel_create(4);
        if (!k)
            _exit(3);
        cp_kernel_run_until(k, 5.0);
        cp_event_handle h = cp_kernel_schedule_at(k, 6.0, 0, nothing, NULL, 0);
        switch (m) {
        case PAST_ABSOLUTE:
            cp_kernel_schedule_at(k, 4.0, 0, nothing, NULL, 0);
            break;
        case PAST_RELATIVE:
            cp_kernel_schedule_in(k, -1e-9, 0, nothing, NULL, 0);
            break;
        case NAN_TIME:
            cp_kernel_schedule_at(k, NAN, 0, nothing, NULL, 0);
            break;
        case RUN_UNTIL_PAST:
            cp_kernel_run_until(k, 1.0);
            break;
        case RESCHEDULE_PAST:
            cp_kernel_reschedule(k, h, 4.0);
            break;
        }
        _exit(0); /* survived: the assertion did not fire */
    }
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void scheduling_in_the_past_aborts(void **state) {
    (void)state;
    assert_true(misuse_aborts(PAST_ABSOLUTE));
    assert_true(misuse_aborts(PAST_RELATIVE));
    assert_true(misuse_aborts(RESCHEDULE_PAST));
}

static void scheduling_at_nan_aborts(void **state) {
    (void)state;
    assert_true(misuse_aborts(NAN_TIME));
}

static void running_until_a_time_in_the_past_aborts(void **state) {
    (void)state;
    assert_true(misuse_aborts(RUN_UNTIL_PAST));
}

/* ---- the heap against a reference model ----------------------------------- */

/* A small deterministic generator (SplitMix64) private to the test, so this
 * test does not depend on the rng module it is not about. */
static uint64_t test_rand_state;

static uint64_t test_rand(void) {
    uint64_t z = (test_rand_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned test_below(unsigned n) {
    return (unsigned)(test_rand() % n);
}

/* The reference: every live event with its own copy of the ordering key. */
typedef struct ref_event {
    double time;
    int priority;
    uint64_t seq; /* the reference's own insertion counter */
    uint64_t id;  /* the arg the kernel hands back */
    cp_event_handle handle;
} ref_event;

static int ref_compare(const void *pa, const void *pb) {
    const ref_event *a = pa, *b = pb;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->priority != b->priority)
        return a->priority > b->priority ? -1 : 1; /* higher priority first */
    return a->seq < b->seq ? -1 : (a->seq > b->seq ? 1 : 0);
}

typedef struct ref_model {
    ref_event *live;
    size_t n;
    size_t cap;
    uint64_t next_seq;
    uint64_t next_id;
    uint64_t popped_id; /* set by the handler */
    int pops_seen;      /* handler calls since the last check */
} ref_model;

static void ref_handler(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    ref_model *r = ctx;
    r->popped_id = arg;
    r->pops_seen++;
}

/* A time from a coarse grid at or after now, so equal times are common. */
static double random_time_on_a_grid(double now) {
    return now + 0.5 * (double)test_below(8);
}

/* A time at or after now at any of 40 binary scales (2^-20 to 2^20 ahead),
 * or now itself one time in ten: entries spread over many bucket levels of a
 * radix queue, with ties at the clock. */
static double random_time_over_many_scales(double now) {
    if (test_below(10) == 0)
        return now;
    return now + ldexp((double)(test_rand() >> 11) * 0x1p-53, (int)test_below(41) - 20);
}

static double (*random_time_from)(double now) = random_time_on_a_grid;

static void ref_schedule(cp_kernel *k, ref_model *r) {
    assert_true(r->n < r->cap);
    ref_event *e = &r->live[r->n++];
    e->time = random_time_from(cp_kernel_now(k));
    e->priority = (int)test_below(3) - 1;
    e->seq = r->next_seq++;
    e->id = r->next_id++;
    e->handle = cp_kernel_schedule_at(k, e->time, e->priority, ref_handler, r, e->id);
    assert_int_not_equal(e->handle, CP_EVENT_NONE);
}

static void ref_remove(ref_model *r, size_t i) {
    r->live[i] = r->live[--r->n];
}

/* The kernel against a sorted reference over 100,000 random operations,
 * with times drawn by random_time_from. Before some steps it also looks
 * ahead (next_time), which must not change what runs next. */
static void check_against_a_sorted_reference(void) {
    enum { OPS = 100000, CAP = OPS };
    test_rand_state = 20240601;
    cp_kernel *k = new_kernel(8);
    ref_model r = {.live = malloc(CAP * sizeof(ref_event)), .cap = CAP};
    assert_non_null(r.live);
    cp_event_handle *dead = malloc(OPS * sizeof *dead); /* handles gone stale */
    size_t n_dead = 0;
    assert_non_null(dead);
    size_t pops = 0, cancels = 0, reschedules = 0, max_live = 0;

    for (int op = 0; op < OPS; op++) {
        /* Phases of 5,000 operations cycle through filling, churning, mass
         * cancelling (which forces compactions) and draining, so the queue
         * size swings between empty and a few thousand. Weights are out of
         * 100: schedule, cancel, reschedule, (the rest) step. */
        static const unsigned weights[4][3] = {{70, 5, 10}, {35, 10, 20}, {10, 70, 10}, {5, 5, 5}};
        const unsigned *w = weights[(op / 5000) % 4];
        unsigned roll = test_below(100);
        if (roll < w[0]) {
            ref_schedule(k, &r);
        } else if (roll < w[0] + w[1]) {
            /* Cancel a live event, or now and then a stale handle, which must
             * change nothing. */
            if (r.n > 0 && test_below(8) != 0) {
                size_t i = test_below((unsigned)r.n);
                assert_true(cp_kernel_cancel(k, r.live[i].handle));
                dead[n_dead++] = r.live[i].handle;
                ref_remove(&r, i);
                cancels++;
            } else if (n_dead > 0) {
                assert_false(cp_kernel_cancel(k, dead[test_below((unsigned)n_dead)]));
            }
        } else if (roll < w[0] + w[1] + w[2]) {
            if (r.n > 0 && test_below(8) != 0) {
                size_t i = test_below((unsigned)r.n);
                ref_event *e = &r.live[i];
                double t = random_time_from(cp_kernel_now(k));
                cp_event_handle h = cp_kernel_reschedule(k, e->handle, t);
                assert_int_not_equal(h, CP_EVENT_NONE);
                assert_false(cp_kernel_is_pending(k, e->handle));
                dead[n_dead++] = e->handle;
                e->handle = h;
                e->time = t;
                e->seq = r.next_seq++; /* reschedule takes a new sequence */
                reschedules++;
            } else if (n_dead > 0) {
                cp_event_handle h = dead[test_below((unsigned)n_dead)];
                assert_int_equal(cp_kernel_reschedule(k, h, cp_kernel_now(k)), CP_EVENT_NONE);
            }
        } else {
            size_t best = 0;
            for (size_t i = 1; i < r.n; i++)
                if (ref_compare(&r.live[i], &r.live[best]) < 0)
                    best = i;
            if (test_below(4) == 0)
                assert_true(cp_kernel_next_time(k) == (r.n ? r.live[best].time : (double)INFINITY));
            r.pops_seen = 0;
            bool ran = cp_kernel_step(k);
            if (r.n == 0) {
                assert_false(ran);
                assert_int_equal(r.pops_seen, 0);
            } else {
                assert_true(ran);
                assert_int_equal(r.pops_seen, 1);
                assert_int_equal(r.popped_id, r.live[best].id);
                assert_true(cp_kernel_now(k) == r.live[best].time);
                dead[n_dead++] = r.live[best].handle;
                ref_remove(&r, best);
                pops++;
            }
        }
        assert_int_equal(cp_kernel_pending(k), r.n);
        if (r.n > max_live)
            max_live = r.n;
        /* Spot-check is_pending on one live handle per operation. */
        if (r.n > 0)
            assert_true(cp_kernel_is_pending(k, r.live[test_below((unsigned)r.n)].handle));
    }

    /* Drain what is left and compare with the reference sorted outright. */
    qsort(r.live, r.n, sizeof *r.live, ref_compare);
    for (size_t i = 0; i < r.n; i++) {
        r.pops_seen = 0;
        assert_true(cp_kernel_step(k));
        assert_int_equal(r.pops_seen, 1);
        assert_int_equal(r.popped_id, r.live[i].id);
        assert_true(cp_kernel_now(k) == r.live[i].time);
    }
    assert_false(cp_kernel_step(k));
    for (size_t i = 0; i < n_dead; i++)
        assert_false(cp_kernel_is_pending(k, dead[i]));

    /* The operation mix really did what the test claims to exercise. */
    assert_true(pops > 10000 && cancels > 10000 && reschedules > 5000);
    assert_true(max_live > 1000);

    free(dead);
    free(r.live);
    cp_kernel_destroy(k);
}

static void heap_matches_a_sorted_reference_over_100000_random_operations(void **state) {
    (void)state;
    test_rand_state = 20240601;
    random_time_from = random_time_on_a_grid;
    check_against_a_sorted_reference();
}

static void the_queue_matches_a_sorted_reference_with_times_over_many_scales(void **state) {
    (void)state;
    test_rand_state = 20261205;
    random_time_from = random_time_over_many_scales;
    check_against_a_sorted_reference();
    random_time_from = random_time_on_a_grid;
}

/* 100,000 events at one moment, scheduled from a handler running at that
 * moment (so they land in the front's heap, not a bucket), come out in
 * priority then FIFO order. The front cannot be rebased when all of it is at
 * one time; if it tried at every schedule this would be quadratic and run
 * for minutes instead of milliseconds. */
static uint64_t flood_next;
static void flood_record(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    (void)ctx;
    assert_int_equal(arg, flood_next);
    flood_next++;
}

static void flood_schedule(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)ctx;
    (void)arg;
    enum { N = 100000 };
    /* high-priority events get the low args, in FIFO order; then the rest */
    for (uint64_t i = 0; i < N; i++)
        cp_kernel_schedule_in(k, 0.0, i % 2 ? 0 : 1, flood_record, NULL,
                              i % 2 ? N / 2 + i / 2 : i / 2);
}

static void a_flood_of_events_at_one_moment_runs_in_priority_then_fifo_order(void **state) {
    (void)state;
    cp_kernel *k = new_kernel(16);
    cp_kernel_schedule_at(k, 3.0, 0, flood_schedule, NULL, 0);
    flood_next = 0;
    run_all(k);
    assert_int_equal(flood_next, 100000);
    assert_true(cp_kernel_now(k) == 3.0);
    cp_kernel_destroy(k);
}

/* A crowd of N events at one future time, and a loop that looks ahead
 * (next_time), schedules an event before the crowd and runs it: the crowd
 * must not be sent back and forth inside the queue at every turn. The first
 * radix kernel did that (a look-ahead split the crowd into the front's heap
 * with a stale size limit, the next schedule sent it back): O(N) an
 * operation, 2.3 ms a turn at N = 100,000. The queue's work counter says
 * which; the order is checked too. */
static void a_crowd_at_one_future_time_is_not_moved_at_every_look_ahead(void **state) {
    (void)state;
    enum { N = 20000, TURNS = 1000 };
    cp_kernel *k = new_kernel(16);
    flood_next = 0;
    for (uint64_t i = 0; i < N; i++)
        cp_kernel_schedule_at(k, 1000.0, 0, flood_record, NULL, TURNS + i);
    trace t = {0};
    for (int turn = 0; turn < TURNS; turn++) {
        assert_true(cp_kernel_next_time(k) == 1000.0);
        cp_kernel_schedule_in(k, 0.5, 0, record, &t, (uint64_t)turn);
        assert_true(cp_kernel_step(k));
        assert_int_equal(t.n, 1);
        assert_int_equal(t.args[0], (uint64_t)turn);
        t.n = 0;
    }
    uint64_t moved = cp_kernel_entries_moved(k);
    printf("# entries moved: %llu for %d scheduled\n", (unsigned long long)moved, N + TURNS);
    assert_true(moved < 10u * (N + TURNS));
    flood_next = TURNS;
    run_all(k);
    assert_int_equal(flood_next, TURNS + N);
    cp_kernel_destroy(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_kernel_is_empty_at_time_zero),
        cmocka_unit_test(stop_ends_run_until_after_the_running_event_until_a_reset),
        cmocka_unit_test(step_returns_false_and_does_nothing_on_an_empty_queue),
        cmocka_unit_test(destroying_a_null_kernel_is_a_no_op),
        cmocka_unit_test(events_run_in_time_order_and_the_clock_follows),
        cmocka_unit_test(events_at_the_same_time_run_by_priority_then_fifo),
        cmocka_unit_test(the_extreme_priorities_order_correctly),
        cmocka_unit_test(handlers_receive_their_ctx_and_full_64_bit_arg),
        cmocka_unit_test(a_handler_can_schedule_now_and_later_relative_to_the_clock),
        cmocka_unit_test(a_handler_can_cancel_another_pending_event),
        cmocka_unit_test(a_handler_can_cancel_an_event_due_at_the_same_time),
        cmocka_unit_test(a_handler_cancelling_its_own_handle_gets_false),
        cmocka_unit_test(a_stale_handle_never_reaches_an_event_that_reuses_its_slot),
        cmocka_unit_test(cancel_removes_a_pending_event_and_returns_true),
        cmocka_unit_test(cancelling_the_earliest_event_moves_next_time_on),
        cmocka_unit_test(cancelling_a_stale_handle_is_a_harmless_no_op),
        cmocka_unit_test(reschedule_keeps_priority_and_payload_and_returns_a_new_handle),
        cmocka_unit_test(a_rescheduled_event_queues_behind_equal_events_scheduled_before_it),
        cmocka_unit_test(reschedule_can_move_an_event_earlier),
        cmocka_unit_test(rescheduling_a_stale_handle_returns_none),
        cmocka_unit_test(run_until_runs_only_events_at_or_before_t_and_sets_the_clock),
        cmocka_unit_test(run_until_runs_events_that_handlers_add_inside_the_window),
        cmocka_unit_test(run_until_infinity_drains_the_queue_and_returns),
        cmocka_unit_test(reset_empties_the_queue_rewinds_the_clock_and_stales_old_handles),
        cmocka_unit_test(a_reset_kernel_replays_a_run_identically),
        cmocka_unit_test(is_pending_tracks_an_event_through_its_life),
        cmocka_unit_test(the_queue_grows_well_past_its_initial_capacity),
        cmocka_unit_test(compaction_after_many_cancels_keeps_order),
        cmocka_unit_test(next_time_skips_cancelled_events_without_running_anything),
        cmocka_unit_test(scheduling_in_the_past_aborts),
        cmocka_unit_test(scheduling_at_nan_aborts),
        cmocka_unit_test(running_until_a_time_in_the_past_aborts),
        cmocka_unit_test(heap_matches_a_sorted_reference_over_100000_random_operations),
        cmocka_unit_test(an_event_scheduled_after_a_look_ahead_still_runs_first),
        cmocka_unit_test(the_queue_matches_a_sorted_reference_with_times_over_many_scales),
        cmocka_unit_test(a_flood_of_events_at_one_moment_runs_in_priority_then_fifo_order),
        cmocka_unit_test(a_crowd_at_one_future_time_is_not_moved_at_every_look_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
