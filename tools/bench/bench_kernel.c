/* bench_kernel.c: throughput of the event kernel against a plain binary heap.
 *
 * Two benchmarks, each run on the real kernel API and on a baseline written
 * here (a textbook array binary heap of (time, sequence), 16 bytes an entry),
 * in the same process and on the same random numbers:
 *
 *  hold  The classic hold model (Vaucher and Duval 1975; Jones 1986): fill
 *        the queue with N events at exponential times, then repeat "pop the
 *        minimum, push a new event at now + an exponential increment". N stays
 *        constant, so ns per hold measures the queue at size N. Kernel: a
 *        trivial handler that reschedules itself with cp_kernel_schedule_in,
 *        driven by cp_kernel_step, i.e. exactly what a model pays per event
 *        (pop, slot bookkeeping, indirect call, push). The kernel may merge
 *        the pop and the push (it leaves the running event's entry at the
 *        root for the handler's schedule to overwrite); the baseline is the
 *        textbook pop then push. The increments are drawn once into a table
 *        before timing, so neither side pays for the generator, and both
 *        consume the table in the same order.
 *  mmc   An M/M/c queue (c = 20, arrival rate 18, service rate 1) to time
 *        100,000: events (queue pops) per second, including the random draws
 *        (gsl_ran_exponential on two Philox streams, one for arrivals, one for
 *        service, identical on both sides).
 *
 * Each side is timed `rounds` times, alternating kernel and baseline, and the
 * fastest round of each is kept: on a shared machine interference only ever
 * adds time, so the minimum is the least noisy estimate of the cost. Both
 * sides process the same events in the same order (ties break FIFO on both);
 * the benchmark checks that their final clocks and event counts agree, so the
 * comparison is like for like.
 *
 * Output: one JSON object per line on stdout, nothing else; notes on stderr.
 * "ratio" is always kernel cost / baseline cost: above 1 the kernel is slower
 * (for hold: ns per hold over ns per hold; for mmc: baseline events/s over
 * kernel events/s).
 * Usage: bench_kernel [--quick]   (--quick: short runs, for a smoke test)
 * For stable numbers pin it to one core (taskset -c 0 bench_kernel) and run
 * it a few times: on a shared virtual machine, cores can differ by 15% and
 * the baseline's speed moves by up to 10% with code placement alone.
 * This is not a ctest test: timing assertions would be flaky on shared CI.
 */
#include "cpsim/kernel.h"
#include "cpsim/rng.h"

#include <gsl/gsl_randist.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Elapsed time is CLOCK_MONOTONIC, the figure we report. Thread CPU time is
 * recorded beside it because on a shared machine a descheduled thread's wall
 * time grows while its CPU time does not: when the two disagree, the machine
 * was busy and the CPU-time ratio is the more trustworthy comparison. */
typedef struct stamp {
    double wall, cpu;
} stamp;

static double timespec_seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static stamp stamp_now(void) {
    return (stamp){timespec_seconds(CLOCK_MONOTONIC), timespec_seconds(CLOCK_THREAD_CPUTIME_ID)};
}

static stamp stamp_since(stamp start) {
    stamp now = stamp_now();
    return (stamp){now.wall - start.wall, now.cpu - start.cpu};
}

static stamp stamp_min(stamp a, stamp b) {
    return (stamp){a.wall < b.wall ? a.wall : b.wall, a.cpu < b.cpu ? a.cpu : b.cpu};
}

static void *checked_malloc(size_t bytes) {
    void *p = malloc(bytes);
    if (!p) {
        fprintf(stderr, "bench_kernel: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

static gsl_rng *checked_stream(uint64_t seed, uint64_t replication, uint32_t stream) {
    cp_error err;
    gsl_rng *r = cp_rng_stream_create(seed, replication, stream, &err);
    if (!r) {
        fprintf(stderr, "bench_kernel: %s\n", err.message);
        exit(1);
    }
    return r;
}

/* ---- the baseline: a plain array binary heap ------------------------------ */

/* Ordered by (time, seq); seq is unique, so the order is total and FIFO among
 * equal times, like the kernel's. */
typedef struct base_entry {
    double time;
    uint64_t seq;
} base_entry;

typedef struct base_heap {
    base_entry *a;
    size_t size;
    size_t capacity;
} base_heap;

static inline bool base_before(base_entry x, base_entry y) {
    return x.time < y.time || (x.time == y.time && x.seq < y.seq);
}

static inline void base_push(base_heap *h, base_entry e) {
    /* No growth: every caller sizes the array for its maximum up front, so
     * the baseline carries no reallocation branch (the kernel does). */
    size_t i = h->size++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!base_before(e, h->a[parent]))
            break;
        h->a[i] = h->a[parent];
        i = parent;
    }
    h->a[i] = e;
}

static inline base_entry base_pop(base_heap *h) {
    base_entry top = h->a[0];
    base_entry moving = h->a[--h->size];
    size_t n = h->size, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && base_before(h->a[child + 1], h->a[child]))
            child++;
        if (!base_before(h->a[child], moving))
            break;
        h->a[i] = h->a[child];
        i = child;
    }
    if (n > 0)
        h->a[i] = moving;
    return top;
}

static void base_init(base_heap *h, size_t capacity) {
    h->a = checked_malloc(capacity * sizeof *h->a);
    h->size = 0;
    h->capacity = capacity;
}

/* ---- hold ----------------------------------------------------------------- */

/* A power of two, so the index wraps with a mask; 2^20 doubles (8 MB) is long
 * enough that the reuse of increments does not create structure. */
#define INC_COUNT ((size_t)1 << 20)
#define INC_MASK (INC_COUNT - 1)

typedef struct hold_ctx {
    const double *inc;
    size_t next;
} hold_ctx;

static void hold_handler(cp_kernel *k, void *ctx, uint64_t arg) {
    hold_ctx *h = ctx;
    cp_kernel_schedule_in(k, h->inc[h->next++ & INC_MASK], 0, hold_handler, h, arg);
}

typedef struct hold_result {
    stamp elapsed;    /* for the timed holds only */
    double final_now; /* the clock after the last hold, to compare the two sides */
} hold_result;

static hold_result hold_kernel(const double *inc, size_t n, uint64_t warm, uint64_t holds) {
    cp_kernel *k = cp_kernel_create(n);
    if (!k) {
        fprintf(stderr, "bench_kernel: out of memory creating a kernel\n");
        exit(1);
    }
    hold_ctx ctx = {.inc = inc, .next = 0};
    for (size_t i = 0; i < n; i++)
        cp_kernel_schedule_at(k, inc[ctx.next++ & INC_MASK], 0, hold_handler, &ctx, 0);
    for (uint64_t i = 0; i < warm; i++)
        cp_kernel_step(k);
    stamp t0 = stamp_now();
    for (uint64_t i = 0; i < holds; i++)
        cp_kernel_step(k);
    hold_result r = {.elapsed = stamp_since(t0), .final_now = cp_kernel_now(k)};
    cp_kernel_destroy(k);
    return r;
}

static hold_result hold_baseline(const double *inc, size_t n, uint64_t warm, uint64_t holds) {
    base_heap h;
    base_init(&h, n + 1);
    size_t next = 0;
    uint64_t seq = 0;
    double now = 0.0;
    for (size_t i = 0; i < n; i++)
        base_push(&h, (base_entry){inc[next++ & INC_MASK], seq++});
    for (uint64_t i = 0; i < warm; i++) {
        now = base_pop(&h).time;
        base_push(&h, (base_entry){now + inc[next++ & INC_MASK], seq++});
    }
    stamp t0 = stamp_now();
    for (uint64_t i = 0; i < holds; i++) {
        now = base_pop(&h).time;
        base_push(&h, (base_entry){now + inc[next++ & INC_MASK], seq++});
    }
    hold_result r = {.elapsed = stamp_since(t0), .final_now = now};
    free(h.a);
    return r;
}

static void bench_hold(bool quick, int rounds) {
    double *inc = checked_malloc(INC_COUNT * sizeof *inc);
    gsl_rng *r = checked_stream(UINT64_C(0x686f6c64), 0, 0);
    for (size_t i = 0; i < INC_COUNT; i++)
        inc[i] = gsl_ran_exponential(r, 1.0);
    gsl_rng_free(r);

    static const size_t sizes[] = {16, 1024, 65536, 1048576};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        /* Enough holds for about a quarter of a second per round at each
         * size, and a warm-up of two queue turnovers (at least 10^6 holds) so
         * the queue reaches the hold model's steady shape before timing. */
        uint64_t holds = n >= 1048576 ? 4000000 : (n >= 65536 ? 10000000 : 20000000);
        uint64_t warm = 2 * (uint64_t)n > 1000000 ? 2 * (uint64_t)n : 1000000;
        if (quick) {
            holds /= 20;
            warm /= 20;
        }
        stamp best_k = {1e300, 1e300}, best_b = {1e300, 1e300};
        hold_result rk = {0}, rb = {0};
        for (int round = 0; round < rounds; round++) {
            rb = hold_baseline(inc, n, warm, holds);
            rk = hold_kernel(inc, n, warm, holds);
            best_b = stamp_min(best_b, rb.elapsed);
            best_k = stamp_min(best_k, rk.elapsed);
        }
        if (rk.final_now != rb.final_now)
            fprintf(stderr,
                    "bench_kernel: hold N=%zu: kernel and baseline diverged "
                    "(%.17g vs %.17g)\n",
                    n, rk.final_now, rb.final_now);
        double per = 1e9 / (double)holds;
        printf("{\"bench\":\"hold\",\"impl\":\"kernel\",\"queued\":%zu,\"holds\":%llu,"
               "\"ns_per_hold\":%.2f,\"baseline_ns_per_hold\":%.2f,\"ratio\":%.3f,"
               "\"cpu_ns_per_hold\":%.2f,\"baseline_cpu_ns_per_hold\":%.2f,\"cpu_ratio\":%.3f,"
               "\"same_trajectory\":%s,\"quick\":%s}\n",
               n, (unsigned long long)holds, best_k.wall * per, best_b.wall * per,
               best_k.wall / best_b.wall, best_k.cpu * per, best_b.cpu * per,
               best_k.cpu / best_b.cpu, rk.final_now == rb.final_now ? "true" : "false",
               quick ? "true" : "false");
        fflush(stdout);
    }
    free(inc);
}

/* ---- M/M/c ---------------------------------------------------------------- */

typedef struct mmc_params {
    int servers;
    double lambda, mu, horizon;
    uint64_t seed;
} mmc_params;

typedef struct mmc_result {
    stamp elapsed;
    uint64_t events;
    uint64_t served;
} mmc_result;

typedef struct mmc_state {
    gsl_rng *arrivals, *service;
    double mean_interarrival, mean_service;
    int servers, busy;
    uint64_t waiting, served;
} mmc_state;

static void mmc_departure(cp_kernel *k, void *ctx, uint64_t arg);

static void mmc_arrival(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    mmc_state *q = ctx;
    cp_kernel_schedule_in(k, gsl_ran_exponential(q->arrivals, q->mean_interarrival), 0, mmc_arrival,
                          q, 0);
    if (q->busy < q->servers) {
        q->busy++;
        cp_kernel_schedule_in(k, gsl_ran_exponential(q->service, q->mean_service), 0, mmc_departure,
                              q, 0);
    } else {
        q->waiting++;
    }
}

static void mmc_departure(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    mmc_state *q = ctx;
    q->served++;
    if (q->waiting > 0) {
        q->waiting--;
        cp_kernel_schedule_in(k, gsl_ran_exponential(q->service, q->mean_service), 0, mmc_departure,
                              q, 0);
    } else {
        q->busy--;
    }
}

static mmc_result mmc_kernel(const mmc_params *p) {
    mmc_state q = {.arrivals = checked_stream(p->seed, 0, 0),
                   .service = checked_stream(p->seed, 0, 1),
                   .mean_interarrival = 1.0 / p->lambda,
                   .mean_service = 1.0 / p->mu,
                   .servers = p->servers};
    cp_kernel *k = cp_kernel_create(64);
    if (!k) {
        fprintf(stderr, "bench_kernel: out of memory creating a kernel\n");
        exit(1);
    }
    stamp t0 = stamp_now();
    cp_kernel_schedule_in(k, gsl_ran_exponential(q.arrivals, q.mean_interarrival), 0, mmc_arrival,
                          &q, 0);
    cp_kernel_run_until(k, p->horizon);
    mmc_result r = {
        .elapsed = stamp_since(t0), .events = cp_kernel_events_run(k), .served = q.served};
    cp_kernel_destroy(k);
    gsl_rng_free(q.arrivals);
    gsl_rng_free(q.service);
    return r;
}

/* The same queue as a hand-written loop: the event type rides in the low bit
 * of the sequence word, so the baseline heap entry stays (time, seq). */
enum { EV_ARRIVAL = 0, EV_DEPARTURE = 1 };

static mmc_result mmc_baseline(const mmc_params *p) {
    gsl_rng *arrivals = checked_stream(p->seed, 0, 0), *service = checked_stream(p->seed, 0, 1);
    const double mean_ia = 1.0 / p->lambda, mean_s = 1.0 / p->mu;
    base_heap h;
    base_init(&h, (size_t)p->servers + 2); /* c departures and one arrival at most */
    uint64_t seq = 0, events = 0, waiting = 0, served = 0;
    int busy = 0;
    stamp t0 = stamp_now();
    base_push(&h, (base_entry){gsl_ran_exponential(arrivals, mean_ia), (seq++ << 1) | EV_ARRIVAL});
    while (h.size > 0 && h.a[0].time <= p->horizon) {
        base_entry e = base_pop(&h);
        events++;
        if ((e.seq & 1) == EV_ARRIVAL) {
            base_push(&h, (base_entry){e.time + gsl_ran_exponential(arrivals, mean_ia),
                                       (seq++ << 1) | EV_ARRIVAL});
            if (busy < p->servers) {
                busy++;
                base_push(&h, (base_entry){e.time + gsl_ran_exponential(service, mean_s),
                                           (seq++ << 1) | EV_DEPARTURE});
            } else {
                waiting++;
            }
        } else {
            served++;
            if (waiting > 0) {
                waiting--;
                base_push(&h, (base_entry){e.time + gsl_ran_exponential(service, mean_s),
                                           (seq++ << 1) | EV_DEPARTURE});
            } else {
                busy--;
            }
        }
    }
    mmc_result r = {.elapsed = stamp_since(t0), .events = events, .served = served};
    free(h.a);
    gsl_rng_free(arrivals);
    gsl_rng_free(service);
    return r;
}

static void bench_mmc(bool quick, int rounds) {
    const mmc_params p = {.servers = 20,
                          .lambda = 18.0,
                          .mu = 1.0,
                          .horizon = quick ? 10000.0 : 100000.0,
                          .seed = UINT64_C(0x6d6d63)};
    stamp best_k = {1e300, 1e300}, best_b = {1e300, 1e300};
    mmc_result k = {0}, b = {0};
    for (int round = 0; round < rounds; round++) {
        b = mmc_baseline(&p);
        k = mmc_kernel(&p);
        best_b = stamp_min(best_b, b.elapsed);
        best_k = stamp_min(best_k, k.elapsed);
    }
    bool same = k.events == b.events && k.served == b.served;
    if (!same)
        fprintf(stderr, "bench_kernel: mmc: kernel and baseline diverged (%llu vs %llu events)\n",
                (unsigned long long)k.events, (unsigned long long)b.events);
    double events = (double)k.events;
    printf("{\"bench\":\"mmc\",\"impl\":\"kernel\",\"servers\":%d,\"lambda\":%g,\"mu\":%g,"
           "\"horizon\":%g,\"events\":%llu,\"events_per_sec\":%.0f,"
           "\"baseline_events_per_sec\":%.0f,\"ratio\":%.3f,\"cpu_events_per_sec\":%.0f,"
           "\"baseline_cpu_events_per_sec\":%.0f,\"cpu_ratio\":%.3f,\"same_trajectory\":%s,"
           "\"quick\":%s}\n",
           p.servers, p.lambda, p.mu, p.horizon, (unsigned long long)k.events, events / best_k.wall,
           events / best_b.wall, best_k.wall / best_b.wall, events / best_k.cpu,
           events / best_b.cpu, best_k.cpu / best_b.cpu, same ? "true" : "false",
           quick ? "true" : "false");
    fflush(stdout);
}

int main(int argc, char **argv) {
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    int rounds = quick ? 1 : 3;
    bench_hold(quick, rounds);
    bench_mmc(quick, rounds);
    return 0;
}
