/* bench_model.c: speed and memory of the team model on scenarios/baseline.ini.
 *
 * Prints one JSON line per result:
 *   - model: kernel events per second and milliseconds per simulated
 *     team-year over many replications of the baseline, with the ratio to a
 *     baseline measured in the same process: the kernel alone running an
 *     M/M/c queue (events with trivial handlers), so the ratio says how much
 *     work a model event does beyond the queue itself;
 *   - memory: peak resident memory after a 2-year and after a 20-year
 *     replication (flat means no per-event records are kept).
 * Run by hand (never as a timed test): build/tools/bench/bench_model [--quick]
 */
#include "cpsim/kernel.h"
#include "cpsim/model.h"
#include "cpsim/rng.h"
#include "cpsim/scenario.h"

#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
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
    cp_kernel_schedule_in(k, gsl_ran_exponential(q->arrivals, 1.0 / q->lambda), 0, mmc_arrival, q, 0);
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

static double kernel_events_per_second(double horizon) {
    cp_kernel *k = cp_kernel_create(1024);
    mmc q = {.arrivals = cp_rng_stream_create(1, 0, 1, NULL),
             .service = cp_rng_stream_create(1, 0, 2, NULL),
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

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const char *path = CPSIM_SOURCE_DIR "/scenarios/baseline.ini";
    cp_config cfg;
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    if (cp_scenario_load(path, NULL, 0, &cfg, &d) != CP_OK) {
        fprintf(stderr, "bench_model: cannot load %s\n", path);
        return 1;
    }
    cp_diagnostics_fini(&d);
    cp_error err;

    double kernel_rate = kernel_events_per_second(quick ? 10000.0 : 100000.0);

    cp_model *m = cp_model_create(&cfg, &err);
    cp_result r;
    cp_result_init(&r, &cfg, &err);
    int reps = quick ? 50 : 500;
    double events = 0.0;
    double t0 = now_seconds();
    for (int i = 0; i < reps; i++) {
        cp_model_run(m, cfg.seed, (uint64_t)i, &r, &err);
        events += r.outcome[CP_OUT_EVENTS];
    }
    double seconds = now_seconds() - t0;
    double team_years = reps * (cfg.years + cfg.warmup_years);
    double model_rate = events / seconds;
    printf("{\"bench\":\"model\",\"scenario\":\"baseline.ini\",\"replications\":%d,"
           "\"events_per_second\":%.0f,\"ms_per_team_year\":%.4f,"
           "\"kernel_mmc_events_per_second\":%.0f,\"ratio_model_to_kernel\":%.4f}\n",
           reps, model_rate, seconds * 1000.0 / team_years, kernel_rate, model_rate / kernel_rate);
    cp_result_fini(&r);
    cp_model_destroy(m);

    /* memory over run length: 2 years, then 20 years, same model */
    long before = peak_kib();
    cp_config shortrun = cfg, longrun = cfg;
    shortrun.years = 2;
    longrun.years = 20;
    cp_model *ms = cp_model_create(&shortrun, &err);
    cp_result rs;
    cp_result_init(&rs, &shortrun, &err);
    cp_model_run(ms, 1, 0, &rs, &err);
    long after_short = peak_kib();
    cp_result_fini(&rs);
    cp_model_destroy(ms);
    cp_model *ml = cp_model_create(&longrun, &err);
    cp_result rl;
    cp_result_init(&rl, &longrun, &err);
    cp_model_run(ml, 1, 0, &rl, &err);
    long after_long = peak_kib();
    cp_result_fini(&rl);
    cp_model_destroy(ml);
    printf("{\"bench\":\"model_memory\",\"scenario\":\"baseline.ini\",\"peak_kib_before\":%ld,"
           "\"peak_kib_after_2_years\":%ld,\"peak_kib_after_20_years\":%ld,"
           "\"ratio_20_to_2_years\":%.4f}\n",
           before, after_short, after_long, (double)after_long / (double)after_short);
    return 0;
}
