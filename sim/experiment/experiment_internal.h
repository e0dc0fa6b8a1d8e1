/* experiment_internal.h (internal to sim/experiment): helpers shared by the
 * run and compare writers, so both manifests are filled the same way. */
#ifndef CPSIM_EXPERIMENT_INTERNAL_H
#define CPSIM_EXPERIMENT_INTERNAL_H

#include "cpsim/experiment.h"

/* names[k] = the outcome table's name of outcome k. */
void experiment_outcome_names(const char *names[CP_OUTCOME_COUNT]);

/* Zeroes m and fills what every manifest has: command, version, commit,
 * generator, seed, replications, threads, command line, times, memory. */
void experiment_manifest_common(cp_manifest *m, const char *command, const cp_experiment *exp,
                                const cp_run_info *info);

#endif
