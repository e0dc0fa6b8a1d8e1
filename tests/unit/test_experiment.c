/* test_experiment.c: the thread pool with a fake job, then whole experiments
 * on the real model: identical bytes whatever the thread count, the M/M/c
 * theory of queue mode, and common random numbers in comparisons.
 *
 * The pool tests need no model: their jobs square numbers into slots, so
 * they pin the pool's contract (every job exactly once, per-thread state,
 * serialised callbacks, lowest-index error, interrupt) on its own.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpsim/experiment.h"
#include "cpsim/rng.h"
#include "cpsim/scenario.h"
#include "erlang.h"
#include "experiment/pool.h"

#include <dirent.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the pool, with a fake job ----------------------------------------------- */

#define FAKE_JOBS 1000

typedef struct fake_ctx {
    double slot[FAKE_JOBS];
    int runs[FAKE_JOBS];
    int states_created;
    int states_destroyed;
    size_t finished_calls;
    int in_finished; /* detects overlapping finished calls */
    bool overlap;
    size_t fail_a, fail_b; /* jobs that fail (SIZE_MAX: none) */
    size_t interrupt_at;   /* job that raises the interrupt flag */
    volatile sig_atomic_t *flag;
    int fail_create; /* fail thread_create */
    pthread_mutex_t lock;
} fake_ctx;

typedef struct fake_state {
    size_t jobs_run;
} fake_state;

static void *fake_create(void *vctx, cp_error *err) {
    fake_ctx *c = vctx;
    pthread_mutex_lock(&c->lock);
    c->states_created++;
    int fail = c->fail_create;
    pthread_mutex_unlock(&c->lock);
    if (fail) {
        cp_error_set(err, CP_ENOMEM, "no room for a fake state");
        return NULL;
    }
    return calloc(1, sizeof(fake_state));
}

static void fake_destroy(void *vctx, void *state) {
    fake_ctx *c = vctx;
    pthread_mutex_lock(&c->lock);
    c->states_destroyed++;
    pthread_mutex_unlock(&c->lock);
    free(state);
}

static cp_status fake_run(void *vctx, void *state, size_t i, cp_error *err) {
    fake_ctx *c = vctx;
    ((fake_state *)state)->jobs_run++;
    if (i == c->fail_a || i == c->fail_b)
        return cp_error_set(err, CP_EINTERNAL, "job %zu failed on purpose", i);
    if (i == c->interrupt_at && c->flag)
        *c->flag = 1;
    c->slot[i] = (double)i * (double)i;
    c->runs[i]++; /* slot i is this job's alone */
    return CP_OK;
}

static void fake_finished(void *vctx, size_t i) {
    (void)i;
    fake_ctx *c = vctx;
    if (c->in_finished++)
        c->overlap = true;
    c->finished_calls++;
    c->in_finished--;
}

static fake_ctx *fake_new(void) {
    fake_ctx *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->fail_a = c->fail_b = c->interrupt_at = SIZE_MAX;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void fake_free(fake_ctx *c) {
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static cp_pool_job fake_job(fake_ctx *c) {
    cp_pool_job job = {.ctx = c,
                       .thread_create = fake_create,
                       .thread_destroy = fake_destroy,
                       .run = fake_run,
                       .finished = fake_finished};
    return job;
}

static void every_job_runs_exactly_once_whatever_the_thread_count(void **state) {
    (void)state;
    for (int threads = 1; threads <= 8; threads *= 2) {
        fake_ctx *c = fake_new();
        cp_pool_job job = fake_job(c);
        cp_error err;
        assert_int_equal(cp_pool_run(&job, 0, FAKE_JOBS, threads, NULL, &err), CP_OK);
        for (size_t i = 0; i < FAKE_JOBS; i++) {
            assert_int_equal(c->runs[i], 1);
            assert_true(c->slot[i] == (double)i * (double)i);
        }
        assert_int_equal(c->finished_calls, FAKE_JOBS);
        assert_false(c->overlap);
        assert_true(c->states_created >= 1 && c->states_created <= threads);
        assert_int_equal(c->states_created, c->states_destroyed);
        fake_free(c);
    }
}

static void a_range_of_jobs_runs_only_that_range(void **state) {
    (void)state;
    fake_ctx *c = fake_new();
    cp_pool_job job = fake_job(c);
    cp_error err;
    assert_int_equal(cp_pool_run(&job, 100, 200, 3, NULL, &err), CP_OK);
    for (size_t i = 0; i < FAKE_JOBS; i++)
        assert_int_equal(c->runs[i], i >= 100 && i < 200 ? 1 : 0);
    assert_int_equal(cp_pool_run(&job, 200, 200, 3, NULL, &err), CP_OK); /* empty */
    fake_free(c);
}

static void more_threads_than_jobs_start_no_idle_state(void **state) {
    (void)state;
    fake_ctx *c = fake_new();
    cp_pool_job job = fake_job(c);
    cp_error err;
    assert_int_equal(cp_pool_run(&job, 0, 2, 16, NULL, &err), CP_OK);
    assert_true(c->states_created <= 2);
    assert_int_equal(c->runs[0] + c->runs[1], 2);
    fake_free(c);
}

static void the_error_of_the_lowest_failing_job_is_reported(void **state) {
    (void)state;
    for (int rep = 0; rep < 20; rep++) {
        fake_ctx *c = fake_new();
        c->fail_a = 517;
        c->fail_b = 503;
        cp_pool_job job = fake_job(c);
        cp_error err;
        cp_error_clear(&err);
        assert_int_equal(cp_pool_run(&job, 0, FAKE_JOBS, 4, NULL, &err), CP_EINTERNAL);
        /* 503 and 517 may both fail, depending on timing, but 503 was handed
         * out before 517, so it always ran and always wins. */
        assert_string_equal(err.message, "job 503 failed on purpose");
        assert_int_equal(c->states_created, c->states_destroyed);
        fake_free(c);
    }
}

static void a_failing_thread_state_stops_the_pool_with_its_message(void **state) {
    (void)state;
    fake_ctx *c = fake_new();
    c->fail_create = 1;
    cp_pool_job job = fake_job(c);
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_pool_run(&job, 0, 10, 2, NULL, &err), CP_ENOMEM);
    assert_string_equal(err.message, "no room for a fake state");
    fake_free(c);
}

static void the_interrupt_flag_stops_new_jobs_and_reports_an_interruption(void **state) {
    (void)state;
    volatile sig_atomic_t flag = 0;
    fake_ctx *c = fake_new();
    c->flag = &flag;
    c->interrupt_at = 3;
    cp_pool_job job = fake_job(c);
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_pool_run(&job, 0, FAKE_JOBS, 1, &flag, &err), CP_EINTERRUPTED);
    assert_int_equal(err.status, CP_EINTERRUPTED);
    assert_int_equal(c->finished_calls, 4); /* jobs 0..3, then nothing new */
    assert_int_equal(c->runs[4], 0);
    fake_free(c);

    /* Already set: nothing runs at all. */
    c = fake_new();
    job = fake_job(c);
    assert_int_equal(cp_pool_run(&job, 0, 10, 2, &flag, &err), CP_EINTERRUPTED);
    assert_int_equal(c->finished_calls, 0);
    fake_free(c);
}

/* ---- experiments on the real model -------------------------------------------- */

/* The M/M/c reduction (MODEL.md section 4): every mechanism off, one stage
 * with exponential length, c = workers x cap servers. */
static cp_config queue_config(double workers, double cap, double mean_days, double rho,
                              double years) {
    cp_config cfg;
    cp_config_defaults(&cfg);
    cfg.mech_burnout = cfg.mech_sickness = cfg.mech_turnover = cfg.mech_recruitment = false;
    cfg.mech_triage_errors = cfg.mech_rereferral = cfg.mech_harm = cfg.mech_inspection = false;
    cfg.single_stage = true;
    cfg.single_stage_mean_days = mean_days;
    cfg.social_workers = workers;
    cfg.cap_cases = cap;
    for (int i = 0; i < CP_MONTHS; i++)
        cfg.seasonal[i] = 1.0;
    cfg.growth_per_year = 0.0;
    cfg.referrals_per_week = rho * workers * cap / mean_days * 7.0;
    cfg.years = years;
    cfg.warmup_years = 1.0;
    cfg.seed = 12345;
    return cfg;
}

/* Every mechanism on, short: the most random paths per replication. */
static cp_config full_config(void) {
    cp_config cfg;
    cp_config_defaults(&cfg);
    cfg.years = 1.0;
    cfg.warmup_years = 0.25;
    cfg.seed = 777;
    return cfg;
}

static cp_experiment *run_experiment(const cp_config *cfg, size_t reps, int threads,
                                     uint64_t seed) {
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, cfg);
    opt.replications = reps;
    opt.threads = threads;
    opt.seed = seed;
    cp_error err;
    cp_error_clear(&err);
    cp_experiment *exp = cp_experiment_create(cfg, &opt, &err);
    assert_non_null(exp);
    if (cp_experiment_run(exp, &err) != CP_OK)
        fail_msg("experiment failed: %s", err.message);
    assert_int_equal(exp->replications, reps);
    return exp;
}

static char *make_temp_dir(void) {
    char tmpl[] = "/tmp/cpsim-test-experiment-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = malloc(strlen(dir) + 1);
    assert_non_null(copy);
    strcpy(copy, dir);
    return copy;
}

static void remove_dir(char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char path[CP_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* The whole file into a malloc'd buffer; *len set. */
static char *slurp(const char *dir, const char *name, size_t *len) {
    char path[CP_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

static void assert_same_file(const char *dir_a, const char *dir_b, const char *name) {
    size_t la, lb;
    char *a = slurp(dir_a, name, &la);
    char *b = slurp(dir_b, name, &lb);
    if (la != lb || memcmp(a, b, la) != 0)
        fail_msg("%s differs between %s and %s", name, dir_a, dir_b);
    assert_true(la > 0);
    free(a);
    free(b);
}

static void write_experiment(const cp_experiment *exp, const char *dir) {
    const char *argv[] = {"cpsim", "run", "test"};
    cp_run_info info = {.argc = 3, .argv = argv, .start_time_utc = "2000-01-01T00:00:00Z"};
    cp_error err;
    if (cp_experiment_write(exp, dir, &info, &err) != CP_OK)
        fail_msg("write failed: %s", err.message);
}

static void files_are_byte_identical_for_one_two_and_three_threads(void **state) {
    (void)state;
    cp_config configs[2] = {queue_config(10, 18, 30, 0.9, 3), full_config()};
    for (int c = 0; c < 2; c++) {
        char *dirs[3];
        for (int t = 0; t < 3; t++) {
            cp_experiment *exp = run_experiment(&configs[c], 7, t + 1, configs[c].seed);
            dirs[t] = make_temp_dir();
            write_experiment(exp, dirs[t]);
            cp_experiment_destroy(exp);
        }
        for (int t = 1; t < 3; t++) {
            assert_same_file(dirs[0], dirs[t], "runs.csv");
            assert_same_file(dirs[0], dirs[t], "summary.csv");
            assert_same_file(dirs[0], dirs[t], "timeseries.csv");
        }
        for (int t = 0; t < 3; t++)
            remove_dir(dirs[t]);
    }
}

static void replication_r_gives_the_same_outcomes_whichever_thread_runs_it(void **state) {
    (void)state;
    cp_config cfg = full_config();
    cp_experiment *a = run_experiment(&cfg, 6, 1, 99);
    cp_experiment *b = run_experiment(&cfg, 6, 3, 99);
    assert_memory_equal(a->outcomes, b->outcomes, 6 * CP_OUTCOME_COUNT * sizeof(double));
    assert_int_equal(a->series_rows, b->series_rows);
    assert_memory_equal(a->series, b->series,
                        6 * a->series_rows * CP_SERIES_COUNT * sizeof(double));
    /* and the replications really differ from each other (in their outcome
     * rows as a whole: one count such as referrals can tie by chance) */
    assert_true(memcmp(&a->outcomes[0], &a->outcomes[CP_OUTCOME_COUNT],
                       CP_OUTCOME_COUNT * sizeof(double)) != 0);
    cp_experiment_destroy(a);
    cp_experiment_destroy(b);
}

static void the_time_series_band_holds_the_mean_between_its_percentiles(void **state) {
    (void)state;
    cp_config cfg = full_config();
    cp_experiment *exp = run_experiment(&cfg, 8, 2, 5);
    assert_true(exp->series_rows > 0);
    for (size_t c = 0; c < exp->series_rows * CP_SERIES_COUNT; c++) {
        assert_true(exp->series_p5[c] <= exp->series_mean[c] + 1e-9);
        assert_true(exp->series_mean[c] <= exp->series_p95[c] + 1e-9);
    }
    cp_experiment_destroy(exp);
}

/* Coverage of the 95% CI for the mean unallocated list over K independent
 * experiments of R replications each. Each experiment's interval covers
 * Erlang C's Lq with probability about 0.95, so the count is
 * Binomial(K, 0.95); we accept anything outside its 0.05% tails on either
 * side (central 99.9%), with bounds from GSL. The per-replication
 * time-average over ten years spans some fifty relaxation times of the queue,
 * so it is close to normal and the t interval's nominal level holds. */
static void the_mean_unallocated_ci_covers_erlang_c_in_95_percent_of_experiments(void **state) {
    (void)state;
    enum { K = 100, R = 10 };
    cp_config cfg = queue_config(10, 18, 30, 0.9, 10);
    int c = (int)(cfg.social_workers * cfg.cap_cases + 1e-9);
    double lq = erlang_c_lq(cfg.referrals_per_week / 7.0, 1.0 / cfg.single_stage_mean_days, c);
    int covered = 0;
    for (uint64_t k = 0; k < K; k++) {
        cp_experiment *exp = run_experiment(&cfg, R, 2, cp_rng_mix64(0xC0FFEE + k));
        const cp_summary *s = &exp->summary[CP_OUT_UNALLOCATED_MEAN];
        if (s->ci_low <= lq && lq <= s->ci_high)
            covered++;
        cp_experiment_destroy(exp);
    }
    int lo = 0, hi = K;
    while (lo < K && gsl_cdf_binomial_P((unsigned)lo, 0.95, K) <= 0.0005)
        lo++; /* the smallest count not in the lower 0.05% tail */
    while (hi > 0 && gsl_cdf_binomial_Q((unsigned)hi - 1, 0.95, K) <= 0.0005)
        hi--; /* P(X >= hi) = Q(hi - 1): the largest count not in the upper tail */
    print_message("# Lq = %.4f; %d of %d intervals covered it (accept %d..%d)\n", lq, covered, K,
                  lo, hi);
    assert_true(covered >= lo && covered <= hi);
}

/* Common random numbers: a scenario and the same with casework 1% quicker,
 * paired replication by replication. With the same seed their difference
 * varies far less than with independent seeds; the F test at 0.1% guards
 * against chance. (A large change at utilisation 0.9 would make the queues
 * respond so differently that little correlation is left to exploit: the
 * benefit of pairing is largest for the small differences that are hardest
 * to see.) */
static void common_random_numbers_shrink_the_variance_of_a_paired_difference(void **state) {
    (void)state;
    enum { N = 30 };
    cp_config a = queue_config(10, 18, 30, 0.9, 3);
    cp_config b = a;
    b.single_stage_mean_days = 29.7;
    cp_experiment *ea = run_experiment(&a, N, 2, 42);
    cp_experiment *eb_same = run_experiment(&b, N, 2, 42);
    cp_experiment *eb_other = run_experiment(&b, N, 2, 4242);
    double scratch[CP_STATS_SCRATCH(N)];
    cp_paired_summary crn, indep;
    const int k = CP_OUT_UNALLOCATED_MEAN;
    cp_stats_paired(&ea->outcomes[k], &eb_same->outcomes[k], N, CP_OUTCOME_COUNT, scratch, &crn);
    cp_stats_paired(&ea->outcomes[k], &eb_other->outcomes[k], N, CP_OUTCOME_COUNT, scratch, &indep);
    double f = (indep.diff_sd * indep.diff_sd) / (crn.diff_sd * crn.diff_sd);
    double f_crit = gsl_cdf_fdist_Qinv(0.001, N - 1, N - 1);
    print_message("# var(d) independent / common = %.2f (F 0.1%% critical %.2f); "
                  "paired CI %.1f%% of unpaired\n",
                  f, f_crit, 100 * crn.width_ratio);
    assert_true(f > f_crit);
    assert_true(crn.width_ratio < 1.0);
    cp_experiment_destroy(ea);
    cp_experiment_destroy(eb_same);
    cp_experiment_destroy(eb_other);
}

static void comparing_a_scenario_with_itself_gives_differences_of_exactly_zero(void **state) {
    (void)state;
    cp_config cfgs[2] = {full_config(), full_config()};
    const char *labels[] = {"a", "a again"};
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfgs[0]);
    opt.replications = 5;
    opt.threads = 2;
    cp_error err;
    cp_comparison *cmp = cp_comparison_create(cfgs, labels, NULL, 2, &opt, &err);
    assert_non_null(cmp);
    assert_int_equal(cp_comparison_run(cmp, &err), CP_OK);
    for (int k = 0; k < CP_OUTCOME_COUNT; k++) {
        const cp_paired_summary *p = &cmp->paired[k];
        if (p->n == 0)
            continue; /* undefined in every replication */
        assert_true(p->diff_mean == 0.0);
        assert_true(p->diff_sd == 0.0);
        assert_true(p->ci_low == 0.0 && p->ci_high == 0.0);
        assert_true(p->baseline_mean == p->scenario_mean);
    }
    assert_int_equal(cmp->paired[CP_OUT_REFERRALS].n, 5);
    cp_comparison_destroy(cmp);
}

static void a_comparison_writes_the_same_bytes_whatever_the_thread_count(void **state) {
    (void)state;
    cp_config cfgs[2] = {full_config(), full_config()};
    cfgs[1].cap_cases = cfgs[0].cap_cases + 2;
    const char *labels[] = {"base", "cap+2"};
    char *dirs[2];
    for (int t = 0; t < 2; t++) {
        cp_experiment_options opt;
        cp_experiment_options_defaults(&opt, &cfgs[0]);
        opt.replications = 5;
        opt.threads = t + 1;
        cp_error err;
        cp_comparison *cmp = cp_comparison_create(cfgs, labels, NULL, 2, &opt, &err);
        assert_non_null(cmp);
        assert_int_equal(cp_comparison_run(cmp, &err), CP_OK);
        dirs[t] = make_temp_dir();
        const char *argv[] = {"cpsim", "compare"};
        cp_run_info info = {.argc = 2, .argv = argv};
        assert_int_equal(cp_comparison_write(cmp, dirs[t], &info, &err), CP_OK);
        cp_comparison_destroy(cmp);
    }
    assert_same_file(dirs[0], dirs[1], "compare.csv");
    remove_dir(dirs[0]);
    remove_dir(dirs[1]);
}

static void precision_stopping_ends_on_a_batch_boundary_independent_of_threads(void **state) {
    (void)state;
    cp_config cfg = queue_config(10, 18, 30, 0.9, 10);
    size_t reps[2];
    double mean[2];
    for (int t = 0; t < 2; t++) {
        cp_experiment_options opt;
        cp_experiment_options_defaults(&opt, &cfg);
        opt.replications = 4;
        opt.threads = t + 1;
        opt.precision = 0.10;
        opt.precision_outcomes[0] = CP_OUT_UNALLOCATED_MEAN;
        opt.precision_outcome_count = 1;
        opt.max_replications = 400;
        cp_error err;
        cp_experiment *exp = cp_experiment_create(&cfg, &opt, &err);
        assert_non_null(exp);
        assert_int_equal(cp_experiment_run(exp, &err), CP_OK);
        assert_true(exp->precision_reached);
        assert_int_equal(exp->replications % 4, 0);
        assert_true(exp->replications > 4); /* one batch is not enough at 10% */
        const cp_summary *s = &exp->summary[CP_OUT_UNALLOCATED_MEAN];
        assert_true((s->ci_high - s->ci_low) / 2 <= 0.10 * s->mean);
        reps[t] = exp->replications;
        mean[t] = s->mean;
        cp_experiment_destroy(exp);
    }
    assert_int_equal(reps[0], reps[1]);
    assert_true(mean[0] == mean[1]);
}

static void precision_stopping_reports_when_the_cap_came_first(void **state) {
    (void)state;
    cp_config cfg = queue_config(10, 18, 30, 0.9, 1);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.replications = 3;
    opt.precision = 1e-6;
    opt.precision_outcomes[0] = CP_OUT_UNALLOCATED_MEAN;
    opt.precision_outcome_count = 1;
    opt.max_replications = 7; /* batches end at 3, 6, then the cap 7 */
    cp_error err;
    cp_experiment *exp = cp_experiment_create(&cfg, &opt, &err);
    assert_non_null(exp);
    assert_int_equal(cp_experiment_run(exp, &err), CP_OK);
    assert_false(exp->precision_reached);
    assert_int_equal(exp->replications, 7);
    cp_experiment_destroy(exp);
}

static void stop_after_three(void *ctx, size_t done, size_t target) {
    (void)target;
    if (done >= 3)
        *(volatile sig_atomic_t *)ctx = 1;
}

static void an_interrupt_stops_the_run_and_reports_it(void **state) {
    (void)state;
    volatile sig_atomic_t flag = 0;
    cp_config cfg = queue_config(10, 18, 30, 0.9, 1);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.replications = 50;
    opt.threads = 2;
    opt.interrupt = &flag;
    opt.progress = stop_after_three;
    opt.progress_ctx = (void *)&flag;
    cp_error err;
    cp_error_clear(&err);
    cp_experiment *exp = cp_experiment_create(&cfg, &opt, &err);
    assert_non_null(exp);
    assert_int_equal(cp_experiment_run(exp, &err), CP_EINTERRUPTED);
    assert_true(exp->replications < 50);
    assert_non_null(strstr(err.message, "interrupted"));
    cp_experiment_destroy(exp);
}

static void bad_options_are_input_errors_with_a_message(void **state) {
    (void)state;
    cp_config cfg = full_config();
    cp_experiment_options opt;
    cp_error err;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.threads = 0;
    assert_null(cp_experiment_create(&cfg, &opt, &err));
    assert_int_equal(err.status, CP_EINPUT);
    cp_experiment_options_defaults(&opt, &cfg);
    opt.replications = 10;
    opt.precision = 0.05;
    opt.precision_outcome_count = 1;
    opt.max_replications = 5;
    assert_null(cp_experiment_create(&cfg, &opt, &err));
    assert_int_equal(err.status, CP_EINPUT);
    assert_non_null(strstr(err.message, "cap"));
    const char *labels[] = {"only"};
    cp_experiment_options_defaults(&opt, &cfg);
    assert_null(cp_comparison_create(&cfg, labels, NULL, 1, &opt, &err));
    assert_int_equal(err.status, CP_EINPUT);
}

static void every_outcome_and_measure_is_documented_in_docs_outputs_md(void **state) {
    (void)state;
    size_t len;
    char *doc = slurp(CPSIM_SOURCE_DIR "/docs", "outputs.md", &len);
    char needle[128];
    for (int k = 0; k < CP_OUTCOME_COUNT; k++) {
        snprintf(needle, sizeof needle, "| `%s` |", cp_outcome_info_get((cp_outcome_id)k)->name);
        if (!strstr(doc, needle))
            fail_msg("docs/outputs.md does not document outcome %s", needle);
    }
    for (int m = 0; m < CP_SERIES_COUNT; m++) {
        snprintf(needle, sizeof needle, "| `%s` |", cp_series_info_get((cp_series_id)m)->name);
        if (!strstr(doc, needle))
            fail_msg("docs/outputs.md does not document measure %s", needle);
    }
    assert_non_null(strstr(doc, "outcome,n,mean,sd,ci_low,ci_high,median,p5,p95"));
    free(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_job_runs_exactly_once_whatever_the_thread_count),
        cmocka_unit_test(a_range_of_jobs_runs_only_that_range),
        cmocka_unit_test(more_threads_than_jobs_start_no_idle_state),
        cmocka_unit_test(the_error_of_the_lowest_failing_job_is_reported),
        cmocka_unit_test(a_failing_thread_state_stops_the_pool_with_its_message),
        cmocka_unit_test(the_interrupt_flag_stops_new_jobs_and_reports_an_interruption),
        cmocka_unit_test(files_are_byte_identical_for_one_two_and_three_threads),
        cmocka_unit_test(replication_r_gives_the_same_outcomes_whichever_thread_runs_it),
        cmocka_unit_test(the_time_series_band_holds_the_mean_between_its_percentiles),
        cmocka_unit_test(the_mean_unallocated_ci_covers_erlang_c_in_95_percent_of_experiments),
        cmocka_unit_test(common_random_numbers_shrink_the_variance_of_a_paired_difference),
        cmocka_unit_test(comparing_a_scenario_with_itself_gives_differences_of_exactly_zero),
        cmocka_unit_test(a_comparison_writes_the_same_bytes_whatever_the_thread_count),
        cmocka_unit_test(precision_stopping_ends_on_a_batch_boundary_independent_of_threads),
        cmocka_unit_test(precision_stopping_reports_when_the_cap_came_first),
        cmocka_unit_test(an_interrupt_stops_the_run_and_reports_it),
        cmocka_unit_test(bad_options_are_input_errors_with_a_message),
        cmocka_unit_test(every_outcome_and_measure_is_documented_in_docs_outputs_md),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
