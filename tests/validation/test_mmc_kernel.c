/* test_mmc_kernel.c: the kernel and the random streams, validated together
 * against queueing theory.
 *
 * An M/M/c queue is built directly on the kernel: arrivals and service
 * completions are events, inter-arrival and service times come from two
 * separate streams (stream 0 and 1 of the replication) created with
 * cp_rng_stream_create. For three settings, from light load to utilisation
 * 0.95, R independent replications each start empty, discard a warm-up, and
 * estimate over a fixed window
 *   - Lq: the time-average number waiting (not in service),
 *   - Wq: the mean wait before service of the customers who start service in
 *     the window (with FIFO these are a contiguous run of customers, so the
 *     window does not censor long waits),
 *   - P(wait): the fraction of those customers who waited at all.
 * Each grand mean over replications is compared with Erlang C
 * (tests/support/erlang.c).
 *
 * Acceptance, derived rather than tuned: replications are i.i.d. (distinct
 * Philox keys), and each replication's estimate averages a long window, so it
 * is close to normal; then (mean - theory) / (s / sqrt(R)) is Student-t with
 * R - 1 degrees of freedom, and the check
 *     |grand mean - theory| <= t_{R-1, 1 - alpha/2} * s / sqrt(R),
 *     alpha = 0.001,
 * fails for a correct simulator with probability 0.001 per check (nine
 * checks here, so about 1% for the file). The residual warm-up bias is kept
 * far below s / sqrt(R) by warm-ups of many relaxation times. Seeds are fixed,
 * so the outcome is deterministic: it always passes or always fails.
 *
 * The first tests check the Erlang C helper itself against closed forms and
 * against a direct log-space evaluation at c = 1000.
 */
#include "cpsim/kernel.h"
#include "cpsim/rng.h"
#include "erlang.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* After setjmp.h, stdarg.h and stddef.h, which cmocka.h needs first. */
#include <cmocka.h>

/* ---- Erlang C helper ------------------------------------------------------ */

static void assert_close(double got, double want, double rel) {
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("got %.17g, want %.17g (relative tolerance %g)\n", got, want, rel);
        fail();
    }
}

static void erlang_c_reduces_to_the_mm1_and_mm2_closed_forms(void **state) {
    (void)state;
    /* M/M/1: P(wait) = rho, Lq = rho^2 / (1 - rho), Wq = rho / (mu - lambda). */
    for (double rho = 0.05; rho < 1.0; rho += 0.1) {
        double mu = 2.0, lambda = rho * mu;
        assert_close(erlang_c_pwait(lambda, mu, 1), rho, 1e-13);
        assert_close(erlang_c_lq(lambda, mu, 1), rho * rho / (1.0 - rho), 1e-12);
        assert_close(erlang_c_wq(lambda, mu, 1), rho / (mu - lambda), 1e-12);
    }
    /* M/M/2: P(wait) = 2 rho^2 / (1 + rho), Lq = 2 rho^3 / (1 - rho^2). */
    for (double rho = 0.05; rho < 1.0; rho += 0.1) {
        double mu = 0.5, lambda = 2.0 * rho * mu;
        assert_close(erlang_c_pwait(lambda, mu, 2), 2.0 * rho * rho / (1.0 + rho), 1e-13);
        assert_close(erlang_c_lq(lambda, mu, 2), 2.0 * rho * rho * rho / (1.0 - rho * rho), 1e-12);
        /* Little's law ties the two. */
        assert_close(erlang_c_wq(lambda, mu, 2), erlang_c_lq(lambda, mu, 2) / lambda, 1e-12);
    }
}

/* Erlang C from its definition, in log space so nothing overflows:
 * C = T / (S + T), S = sum_{k<c} a^k / k!, T = a^c / c! * c / (c - a). */
static double erlang_c_by_definition(double a, int c) {
    double log_t = (double)c * log(a) - lgamma((double)c + 1.0) + log((double)c / ((double)c - a));
    double max_log = log_t;
    for (int k = 0; k < c; k++) {
        double lk = (double)k * log(a) - lgamma((double)k + 1.0);
        max_log = lk > max_log ? lk : max_log;
    }
    double s = 0.0;
    for (int k = 0; k < c; k++)
        s += exp((double)k * log(a) - lgamma((double)k + 1.0) - max_log);
    double t = exp(log_t - max_log);
    return t / (s + t);
}

static void erlang_c_is_stable_and_accurate_up_to_1000_servers(void **state) {
    (void)state;
    const int cs[] = {1, 3, 10, 50, 170, 171, 500, 1000};
    const double rhos[] = {0.3, 0.8, 0.95, 0.999};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        for (size_t j = 0; j < sizeof rhos / sizeof rhos[0]; j++) {
            double mu = 1.5, lambda = rhos[j] * mu * cs[i];
            double p = erlang_c_pwait(lambda, mu, cs[i]);
            assert_true(p > 0.0 && p < 1.0);
            /* lgamma loses a few digits at large arguments; 1e-8 is plenty to
             * catch a wrong formula and loose enough for that. */
            assert_close(p, erlang_c_by_definition(lambda / mu, cs[i]), 1e-8);
            assert_true(isfinite(erlang_c_lq(lambda, mu, cs[i])));
            assert_true(isfinite(erlang_c_wq(lambda, mu, cs[i])));
        }
    }
    /* More servers at the same utilisation wait less (economies of scale). */
    assert_true(erlang_c_pwait(950.0, 1.0, 1000) < erlang_c_pwait(95.0, 1.0, 100));
}

static void erlang_c_outside_the_stable_region_is_saturated_or_nan(void **state) {
    (void)state;
    assert_true(erlang_c_pwait(2.0, 1.0, 2) == 1.0);
    assert_true(isinf(erlang_c_lq(2.0, 1.0, 2)) && erlang_c_lq(2.0, 1.0, 2) > 0.0);
    assert_true(isinf(erlang_c_wq(3.0, 1.0, 2)));
    assert_true(erlang_c_pwait(0.0, 1.0, 3) == 0.0);
    assert_true(erlang_c_lq(0.0, 1.0, 3) == 0.0 && erlang_c_wq(0.0, 1.0, 3) == 0.0);
    assert_true(isnan(erlang_c_pwait(1.0, 1.0, 0)));
    assert_true(isnan(erlang_c_lq(1.0, 0.0, 3)));
    assert_true(isnan(erlang_c_wq(-1.0, 1.0, 3)));
}

/* ---- the simulated queue -------------------------------------------------- */

typedef struct mmc {
    cp_kernel *kernel;
    gsl_rng *arrivals; /* stream 0: inter-arrival times */
    gsl_rng *service;  /* stream 1: service times */
    double mean_interarrival, mean_service;
    int servers;
    int busy;
    /* FIFO of waiting customers' arrival times: a ring buffer, power-of-two
     * capacity, grown by doubling (rarely: it keeps its size across
     * replications). */
    double *waiting;
    size_t head, count, capacity;
    /* Statistics over the window that starts at stats_from. */
    double stats_from;
    double last_change; /* time of the last change of `count` in the window */
    double area;        /* integral of count dt since stats_from */
    uint64_t started;   /* customers who started service in the window */
    uint64_t delayed;   /* ... of whom waited a positive time */
    double wait_sum;
} mmc;

static void queue_length_changes(mmc *q) {
    double now = cp_kernel_now(q->kernel);
    if (now > q->stats_from) {
        double from = q->last_change > q->stats_from ? q->last_change : q->stats_from;
        q->area += (double)q->count * (now - from);
    }
    q->last_change = now;
}

static void on_departure(cp_kernel *k, void *ctx, uint64_t arg);

static void start_service(mmc *q, double arrived_at) {
    double now = cp_kernel_now(q->kernel);
    if (now >= q->stats_from) {
        double wait = now - arrived_at;
        q->started++;
        q->delayed += wait > 0.0;
        q->wait_sum += wait;
    }
    cp_kernel_schedule_in(q->kernel, gsl_ran_exponential(q->service, q->mean_service), 0,
                          on_departure, q, 0);
}

static void on_arrival(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    mmc *q = ctx;
    cp_kernel_schedule_in(k, gsl_ran_exponential(q->arrivals, q->mean_interarrival), 0, on_arrival,
                          q, 0);
    if (q->busy < q->servers) {
        q->busy++;
        start_service(q, cp_kernel_now(k));
        return;
    }
    if (q->count == q->capacity) {
        /* Unwrap into a buffer twice the size. */
        double *grown = malloc(2 * q->capacity * sizeof *grown);
        assert_non_null(grown);
        for (size_t i = 0; i < q->count; i++)
            grown[i] = q->waiting[(q->head + i) & (q->capacity - 1)];
        free(q->waiting);
        q->waiting = grown;
        q->head = 0;
        q->capacity *= 2;
    }
    queue_length_changes(q);
    q->waiting[(q->head + q->count) & (q->capacity - 1)] = cp_kernel_now(k);
    q->count++;
}

static void on_departure(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    (void)arg;
    mmc *q = ctx;
    if (q->count == 0) {
        q->busy--;
        return;
    }
    queue_length_changes(q);
    double arrived_at = q->waiting[q->head];
    q->head = (q->head + 1) & (q->capacity - 1);
    q->count--;
    start_service(q, arrived_at); /* the server goes straight to the next customer */
}

typedef struct setting {
    const char *name;
    int servers;
    double lambda, mu;
    double warmup, window; /* in time units where the mean service is 1 / mu */
    int replications;
    uint64_t seed;
} setting;

typedef struct estimates {
    double lq, wq, pwait;
} estimates;

/* One replication: empty and idle at time 0, warm-up discarded, statistics
 * over [warmup, warmup + window]. The kernel and streams are reused (reset
 * and repositioned), which is how a runner would use them. */
static estimates replicate(mmc *q, const setting *s, uint64_t replication) {
    cp_kernel_reset(q->kernel);
    cp_rng_stream_seed(q->arrivals, s->seed, replication, 0);
    cp_rng_stream_seed(q->service, s->seed, replication, 1);
    q->busy = 0;
    q->head = q->count = 0;
    q->stats_from = s->warmup;
    q->last_change = 0.0;
    q->area = q->wait_sum = 0.0;
    q->started = q->delayed = 0;

    cp_kernel_schedule_in(q->kernel, gsl_ran_exponential(q->arrivals, q->mean_interarrival), 0,
                          on_arrival, q, 0);
    double end = s->warmup + s->window;
    cp_kernel_run_until(q->kernel, end);
    queue_length_changes(q); /* close the area at the end of the window */
    assert_true(q->started > 0);
    return (estimates){.lq = q->area / s->window,
                       .wq = q->wait_sum / (double)q->started,
                       .pwait = (double)q->delayed / (double)q->started};
}

typedef struct summary {
    double mean, sd;
} summary;

static summary summarise(const double *x, int n) {
    double m = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    for (int i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    return (summary){.mean = m, .sd = sqrt(ss / (n - 1))};
}

/* The acceptance rule of the file header, for one quantity. Prints the
 * numbers either way, so a log shows how close a passing run was. */
static bool agrees_with_theory(const char *setting_name, const char *what, const double *x, int n,
                               double theory) {
    const double alpha = 0.001;
    summary s = summarise(x, n);
    double t = gsl_cdf_tdist_Qinv(alpha / 2.0, n - 1);
    double half_width = t * s.sd / sqrt(n);
    bool ok = fabs(s.mean - theory) <= half_width;
    printf("  %-22s %-6s mean %.5f  theory %.5f  |diff| %.5f  allowed %.5f  %s\n", setting_name,
           what, s.mean, theory, fabs(s.mean - theory), half_width, ok ? "ok" : "FAIL");
    return ok;
}

static void check_setting(const setting *s) {
    cp_error err;
    cp_error_clear(&err);
    mmc q = {.servers = s->servers,
             .mean_interarrival = 1.0 / s->lambda,
             .mean_service = 1.0 / s->mu,
             .capacity = 1024};
    q.kernel = cp_kernel_create(64);
    q.arrivals = cp_rng_stream_create(s->seed, 0, 0, &err);
    q.service = cp_rng_stream_create(s->seed, 0, 1, &err);
    q.waiting = malloc(q.capacity * sizeof *q.waiting);
    assert_non_null(q.kernel);
    assert_non_null(q.arrivals);
    assert_non_null(q.service);
    assert_non_null(q.waiting);

    int r_count = s->replications;
    double *lq = malloc((size_t)r_count * sizeof *lq);
    double *wq = malloc((size_t)r_count * sizeof *wq);
    double *pw = malloc((size_t)r_count * sizeof *pw);
    assert_true(lq && wq && pw);
    for (int r = 0; r < r_count; r++) {
        estimates e = replicate(&q, s, (uint64_t)r);
        lq[r] = e.lq;
        wq[r] = e.wq;
        pw[r] = e.pwait;
    }

    bool ok = true;
    ok &= agrees_with_theory(s->name, "Lq", lq, r_count, erlang_c_lq(s->lambda, s->mu, s->servers));
    ok &= agrees_with_theory(s->name, "Wq", wq, r_count, erlang_c_wq(s->lambda, s->mu, s->servers));
    ok &= agrees_with_theory(s->name, "P(wait)", pw, r_count,
                             erlang_c_pwait(s->lambda, s->mu, s->servers));
    free(lq);
    free(wq);
    free(pw);
    free(q.waiting);
    gsl_rng_free(q.arrivals);
    gsl_rng_free(q.service);
    cp_kernel_destroy(q.kernel);
    assert_true(ok);
}

/* Run lengths. The relaxation time of the queue grows like
 * 1 / (c mu (1 - sqrt(rho))^2): about 12 time units for c = 1, rho = 0.5;
 * 18 for c = 5, rho = 0.8; 78 for c = 20, rho = 0.95. Warm-ups are 25 or more
 * relaxation times, so the start-from-empty bias left in the window is
 * negligible next to s / sqrt(R). The customer-based estimates (Wq, P(wait))
 * also carry an edge effect of order relaxation time / window: visible with
 * 160,000 replications of a 4,000-unit M/M/1 window (P(wait) about 0.05%
 * low), and scaling to at most about 0.04% here (M/M/20), a tenth or less of
 * every tolerance below.
 * Windows are sized so the allowed half-width is a few per cent of the
 * theoretical value (the test has power) while the whole file runs in a few
 * seconds in Release and well under a minute under the sanitizers.
 *
 * Calibration of the rule, checked while writing this test (not at run
 * time): over 4,000 seeds of the M/M/1 setting with short windows, the Lq
 * check failed for 0.10% and 0.18% of seeds in two runs with different
 * generators, against the nominal 0.1%; the slight excess comes from the
 * right skew of per-replication queue lengths. */

static void mm1_at_utilisation_0_5_matches_erlang_c(void **state) {
    (void)state;
    const setting s = {.name = "M/M/1 rho=0.5",
                       .servers = 1,
                       .lambda = 0.5,
                       .mu = 1.0,
                       .warmup = 500.0,
                       .window = 100000.0,
                       .replications = 40,
                       .seed = UINT64_C(0x6d6d31)};
    check_setting(&s);
}

static void mm5_at_utilisation_0_8_matches_erlang_c(void **state) {
    (void)state;
    const setting s = {.name = "M/M/5 rho=0.8",
                       .servers = 5,
                       .lambda = 4.0,
                       .mu = 1.0,
                       .warmup = 500.0,
                       .window = 20000.0,
                       .replications = 40,
                       .seed = UINT64_C(0x6d6d35)};
    check_setting(&s);
}

static void mm20_at_utilisation_0_95_matches_erlang_c(void **state) {
    (void)state;
    const setting s = {.name = "M/M/20 rho=0.95",
                       .servers = 20,
                       .lambda = 19.0,
                       .mu = 1.0,
                       .warmup = 2500.0,
                       .window = 30000.0,
                       .replications = 40,
                       .seed = UINT64_C(0x6d6d3230)};
    check_setting(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(erlang_c_reduces_to_the_mm1_and_mm2_closed_forms),
        cmocka_unit_test(erlang_c_is_stable_and_accurate_up_to_1000_servers),
        cmocka_unit_test(erlang_c_outside_the_stable_region_is_saturated_or_nan),
        cmocka_unit_test(mm1_at_utilisation_0_5_matches_erlang_c),
        cmocka_unit_test(mm5_at_utilisation_0_8_matches_erlang_c),
        cmocka_unit_test(mm20_at_utilisation_0_95_matches_erlang_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
