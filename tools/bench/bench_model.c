/* bench_model.c: speed and memory of the team model on scenarios/baseline.ini.
 *
 * Prints JSON lines:
 *   - "model_round", one per round: the kernel alone running an M/M/c queue
 *     (events with trivial handlers) for a fixed number of events, then the
 *     model for a fixed number of replications; kernel events per second for
 *     both and the model's milliseconds per simulated team-year. The two
 *     alternate round by round because this machine's speed drifts (shared
 *     host: the same binary has run 1.5x slower on one day than another), so
 *     each round's ratio compares the two at the same moment;
 *   - "model": the medians over the rounds and the best round, the kernel
 *     events of a team-year, and the target (5 M model events a second,
 *     judged on the median round);
 *   - "model_memory": heap bytes the model holds during one 20-year
 *     replication, sampled at years 2 and 10 and at the end (glibc's mallinfo2: the
 *     model's own allocations, unlike peak RSS, which a process's earlier
 *     work dominates), with milliseconds per team-year of that long run.
 * Deterministic counts for the same workload (instructions, not seconds):
 * tools/bench/instructions. Run by hand, never as a timed test:
 *   build/tools/bench/bench_model [--quick | --count N]
 */
#include "cpsim/kernel.h"
#include "cpsim/model.h"
#include "cpsim/rng.h"
#include "cpsim/scenario.h"

#include <gsl/gsl_randist.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define TARGET_EVENTS_PER_SECOND 5e6

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes of heap in use (-1 where the C library cannot say). */
static long long heap_bytes(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long long)mi.uordblks + (long long)mi.hblkhd;
#else
    return -1;
#endif
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- baseline: M/M/c on the bare kernel --------------------------------- */

typedef struct mmc {
    gsl_rng *arrivals, *service;
    int busy, queue, servers;
    double lambda, mu;
} mmc;

static void mmc_departure(cp_kernel *k, void *ctx, uint64_t arg);

static void mmc_start_service(cp_kernel *k, mmc *q) {
    q->busy++;
    cp_kernel_schedule_in(k, gsl_ran_exponential(q->service, 1.0 / q->mu), 0, mmc_departure, q, 0);
}

static void mmc_arrival(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    mmc *q = ctx;
    if (q->busy < q->servers)
        mmc_start_service(k, q);
    else
        q->queue++;
    cp_kernel_schedule_in(k, gsl_ran_exponential(q->arrivals, 1.0 / q->lambda), 0, mmc_arrival, q,
                          0);
}

static void mmc_departure(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    mmc *q = ctx;
    q->busy--;
    if (q->queue > 0) {
        q->queue--;
        mmc_start_service(k, q);
    }
}

/* c = 20, lambda 18, mu 1, to `horizon`: about 36 events a time unit. */
static double kernel_events_per_second(double horizon, uint64_t round) {
    cp_kernel *k = cp_kernel_create(1024);
    mmc q = {.arrivals = cp_rng_stream_create(1, round, 1, NULL),
             .service = cp_rng_stream_create(1, round, 2, NULL),
             .servers = 20, .lambda = 18.0, .mu = 1.0};
    cp_kernel_schedule_at(k, 0.0, 0, mmc_arrival, &q, 0);
    double t0 = now_seconds();
    cp_kernel_run_until(k, horizon);
    double seconds = now_seconds() - t0;
    double rate = (double)cp_kernel_events_run(k) / seconds;
    gsl_rng_free(q.arrivals);
    gsl_rng_free(q.service);
    cp_kernel_destroy(k);
    return rate;
}

/* ---- memory during one long replication ---------------------------------- */

typedef struct memory_probe {
    long long base;       /* heap in use before the model was created */
    long long at_year[3]; /* model bytes at years 2 and 10, and at the end (20) */
} memory_probe;

/* At the first series tick of years 2 and 10. */
static void probe_memory(void *ctx, const cp_story_event *ev) {
    memory_probe *p = ctx;
    if (ev->kind != CP_STORY_TICK)
        return;
    static const double years[2] = {2.0, 10.0};
    double year = ev->time_days / 365.0;
    for (int i = 0; i < 2; i++)
        if (p->at_year[i] < 0 && year >= years[i])
            p->at_year[i] = heap_bytes() - p->base;
}

/* --count N: N replications and nothing else, for tools/bench/instructions
 * to count the instructions of (it subtracts a run with N = 0). */
static int count_only(const cp_config *cfg, int reps) {
    cp_error err;
    cp_model *m = cp_model_create(cfg, &err);
    cp_result r;
    if (!m || cp_result_init(&r, cfg, &err) != CP_OK) {
        fprintf(stderr, "bench_model: %s\n", err.message);
        return 1;
    }
    double events = 0.0;
    for (int i = 0; i < reps; i++) {
        cp_model_run(m, cfg->seed, (uint64_t)i, &r, &err);
        events += r.outcome[CP_OUT_EVENTS];
    }
    printf("{\"bench\":\"model_count\",\"replications\":%d,\"team_years\":%.1f,\"events\":%.0f}\n",
           reps, reps * (cfg->years + cfg->warmup_years), events);
    cp_result_fini(&r);
    cp_model_destroy(m);
    return 0;
}

int main(int argc, char **argv) {
    bool known = argc == 1 || (argc == 2 && strcmp(argv[1], "--quick") == 0) ||
                 (argc == 3 && strcmp(argv[1], "--count") == 0 && atoi(argv[2]) > 0);
    if (!known) {
        bool help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr,
                "usage: %s [--quick | --count N]\n"
                "  (none)     15 rounds of 100 baseline replications, then the memory run\n"
                "  --quick    3 rounds of 20\n"
                "  --count N  N replications only, for timing from outside\n",
                argv[0]);
        return help ? 0 : 2;
    }
    int quick = argc == 2;
    const char *path = CPSIM_SOURCE_DIR "/scenarios/baseline.ini";
    cp_config cfg;
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    if (cp_scenario_load(path, NULL, 0, &cfg, &d) != CP_OK) {
        fprintf(stderr, "bench_model: cannot load %s\n", path);
        return 1;
    }
    cp_diagnostics_fini(&d);
    if (argc > 2 && strcmp(argv[1], "--count") == 0)
        return count_only(&cfg, atoi(argv[2]));
    cp_error err;

    enum { ROUNDS_MAX = 15 };
    int rounds = quick ? 3 : ROUNDS_MAX;
    int reps = quick ? 20 : 100;
    double horizon = quick ? 5000.0 : 20000.0;
    double model_rate[ROUNDS_MAX], ms[ROUNDS_MAX], kernel_rate[ROUNDS_MAX], ratio[ROUNDS_MAX];
    double events_per_team_year = 0.0;
    cp_model *m = cp_model_create(&cfg, &err);
    cp_result r;
    if (!m || cp_result_init(&r, &cfg, &err) != CP_OK) {
        fprintf(stderr, "bench_model: %s\n", err.message);
        return 1;
    }
    double team_years = reps * (cfg.years + cfg.warmup_years);
    for (int round = 0; round < rounds; round++) {
        kernel_rate[round] = kernel_events_per_second(horizon, (uint64_t)round);
        double events = 0.0;
        double t0 = now_seconds();
        for (int i = 0; i < reps; i++) {
            /* the same replications every round: rounds differ only in the machine */
            cp_model_run(m, cfg.seed, (uint64_t)i, &r, &err);
            events += r.outcome[CP_OUT_EVENTS];
        }
        double seconds = now_seconds() - t0;
        model_rate[round] = events / seconds;
        ms[round] = seconds * 1000.0 / team_years;
        ratio[round] = model_rate[round] / kernel_rate[round];
        events_per_team_year = events / team_years;
        printf("{\"bench\":\"model_round\",\"round\":%d,\"replications\":%d,"
               "\"events_per_second\":%.0f,\"ms_per_team_year\":%.4f,"
               "\"kernel_mmc_events_per_second\":%.0f,\"ratio_model_to_kernel\":%.4f}\n",
               round, reps, model_rate[round], ms[round], kernel_rate[round], ratio[round]);
        fflush(stdout);
    }
    cp_result_fini(&r);
    cp_model_destroy(m);
    double best_rate = 0.0, best_ms = 1e300;
    for (int i = 0; i < rounds; i++) {
        if (model_rate[i] > best_rate)
            best_rate = model_rate[i];
        if (ms[i] < best_ms)
            best_ms = ms[i];
    }
    double median_rate = median(model_rate, rounds);
    printf("{\"bench\":\"model\",\"scenario\":\"baseline.ini\",\"rounds\":%d,"
           "\"replications_per_round\":%d,\"events_per_team_year\":%.1f,"
           "\"events_per_second_median\":%.0f,\"events_per_second_best\":%.0f,"
           "\"ms_per_team_year_median\":%.4f,\"ms_per_team_year_best\":%.4f,"
           "\"kernel_mmc_events_per_second_median\":%.0f,\"ratio_model_to_kernel_median\":%.4f,"
           "\"target_events_per_second\":%.0f,\"met\":%s}\n",
           rounds, reps, events_per_team_year, median_rate, best_rate, median(ms, rounds), best_ms,
           median(kernel_rate, rounds), median(ratio, rounds), TARGET_EVENTS_PER_SECOND,
           median_rate >= TARGET_EVENTS_PER_SECOND ? "true" : "false");
    fflush(stdout);

    /* Memory over one 20-year replication (the series rows, which are the
     * output, are allocated before the count starts). */
    cp_config longrun = cfg;
    longrun.years = 20;
    longrun.warmup_years = 0;
    cp_result rl;
    if (cp_result_init(&rl, &longrun, &err) != CP_OK) {
        fprintf(stderr, "bench_model: %s\n", err.message);
        return 1;
    }
    memory_probe probe = {.base = heap_bytes(), .at_year = {-1, -1, -1}};
    cp_model *ml = cp_model_create(&longrun, &err);
    cp_model_set_observer(ml, probe_memory, &probe);
    double t0 = now_seconds();
    cp_model_run(ml, cfg.seed, 0, &rl, &err);
    double long_ms = (now_seconds() - t0) * 1000.0 / 20.0;
    probe.at_year[2] = heap_bytes() - probe.base;
    printf("{\"bench\":\"model_memory\",\"scenario\":\"baseline.ini\",\"years\":20,"
           "\"model_bytes_at_year_2\":%lld,\"model_bytes_at_year_10\":%lld,"
           "\"model_bytes_at_year_20\":%lld,\"ratio_year_20_to_2\":%.4f,"
           "\"ms_per_team_year\":%.4f}\n",
           probe.at_year[0], probe.at_year[1], probe.at_year[2],
           probe.at_year[0] > 0 ? (double)probe.at_year[2] / (double)probe.at_year[0] : 0.0,
           long_ms);
    cp_model_destroy(ml);
    cp_result_fini(&rl);
    return 0;
}
