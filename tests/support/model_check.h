/* model_check.h: what the model's tests share (test_model.c,
 * test_mechanisms_demand.c, test_mechanisms_workforce.c).
 *
 * - Statistical checks at a false-alarm probability of about 1e-4 each:
 *   a Poisson or binomial count against its mean within Z_STRICT standard
 *   deviations (printing the count, the mean and the sd as a "# " line),
 *   and a paired t statistic against its one-sided critical value.
 * - Runs: whole replications of a config, keeping one or two outcomes, or
 *   watched by an observer.
 * - The hand-driven team fixture: a replication begun by hand, measuring
 *   from time 0, whose kernel a test runs to the times it wants to look at.
 * Every helper fails the calling cmocka test on a setup error.
 */
#ifndef CPSIM_TESTS_MODEL_CHECK_H
#define CPSIM_TESTS_MODEL_CHECK_H

#include "cpsim/model.h"
#include "cpsim/scenario.h"
#include "model/model_internal.h"

#include <stdint.h>

#define Z_STRICT 3.9 /* two-sided false-alarm probability about 1e-4 */

/* The defaults with seed 4242. */
cp_config base_config(void);
/* Every mechanisms.* switch off. */
void all_mechanisms_off(cp_config *cfg);

/* Runs replications 0..reps-1 of cfg; stores outcome `id` (and `id2`, when
 * out2 is not NULL) of each in out[] (and out2[]). */
void run_outcomes(const cp_config *cfg, int reps, cp_outcome_id id, double *out, cp_outcome_id id2,
                  double *out2);
void run_outcome(const cp_config *cfg, int reps, cp_outcome_id id, double *out);
/* Runs replication `rep` of cfg with an observer; leaves its outcomes in
 * out[] (CP_OUTCOME_COUNT values) when out is not NULL. */
void run_watched(const cp_config *cfg, uint64_t rep, cp_observer_fn fn, void *ctx, double *out);

double mean_of(const double *x, int n);
double sd_of(const double *x, int n); /* sample sd, n - 1 */
/* Paired t statistic of b - a (n <= 256); +-infinity when every difference
 * is the same and non-zero. */
double paired_t(const double *a, const double *b, int n);
/* One-sided critical t for a false alarm of 1e-4 with n - 1 degrees of freedom. */
double t_crit(int n);

/* A Poisson count against its mean, at Z_STRICT. */
void assert_poisson(const char *what, double count, double mean);
/* A binomial count of n trials at probability p (0 < p < 1), at Z_STRICT. */
void assert_binomial(const char *what, double count, double n, double p);

typedef struct fixture {
    cp_config cfg;
    cp_model *m;
    cp_result r;
} fixture;

/* A team of `workers` permanent workers with case cap `cap`, no referrals
 * and every mechanism off. Child in need plans last 5000 working days, so
 * none ends within a test. */
cp_config team_config(int workers, double cap);
/* Begins replication 0 of cfg (seed 1) by hand, measuring from time 0. */
void fixture_begin_config(fixture *f, const cp_config *cfg);
/* fixture_begin_config of team_config(workers, cap). */
void fixture_begin_sized(fixture *f, int workers, double cap);
void fixture_end(fixture *f);
/* Runs the kernel to time t (the clock moves forward only). */
void run_to(fixture *f, double t);
/* A new case of the given risk (known as it is), opened as a CIN plan: on
 * the list until allocated. */
int32_t new_waiting_case(cp_model *m, int risk);

#endif
