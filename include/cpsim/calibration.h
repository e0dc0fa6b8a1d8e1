/* cpsim/calibration.h: the published targets the profile scenarios must
 * reproduce (MODEL.md section 3), the check of model against target, and the
 * fit of uncertain parameters to those targets.
 *
 * Contract
 * - The targets table is data with sources: profile (average, inadequate,
 *   outstanding), outcome name, target, tolerance band, source. "lower" and
 *   "higher" targets (assessment timeliness in the inadequate and outstanding
 *   profiles) are checked against the average profile's model mean.
 * - A check passes when the model mean over replications is inside the band;
 *   the 95% CI is reported beside it so a reader sees how sure that is.
 * - Calibration minimises sum over targets of ((mean - target) / band)^2 with
 *   GSL's Nelder-Mead simplex (nmsimplex2), every evaluation with the same
 *   seed and replications (common random numbers), so the objective is a
 *   smooth-ish deterministic function of the parameters rather than noise.
 *   Parameters move inside their schema ranges.
 * Errors are values; nothing here prints.
 */
#ifndef CPSIM_CALIBRATION_H
#define CPSIM_CALIBRATION_H

#include "cpsim/config.h"
#include "cpsim/error.h"
#include "cpsim/experiment.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum cp_target_kind {
    CP_TARGET_BAND,   /* |mean - value| <= band */
    CP_TARGET_LOWER,  /* below the average profile's mean */
    CP_TARGET_HIGHER  /* above the average profile's mean */
} cp_target_kind;

typedef struct cp_target {
    const char *profile;  /* "average", "inadequate", "outstanding" */
    const char *scenario; /* file name in scenarios/ */
    const char *outcome;  /* outcome name */
    const char *label;    /* as in MODEL.md's table */
    cp_target_kind kind;
    double value;
    double band;
    const char *source;
} cp_target;

size_t cp_target_count(void);
const cp_target *cp_target_at(size_t index);

typedef struct cp_target_check {
    const cp_target *target;
    cp_summary model;     /* model outcome over replications */
    double reference;     /* for LOWER/HIGHER: the average profile's mean */
    bool pass;
} cp_target_check;

/* Checks every target of `profile` against a finished experiment of that
 * profile's scenario; `average` (may be NULL for the average profile itself)
 * gives the reference for LOWER/HIGHER targets. Fills out[] (room for
 * cp_target_count()) and returns how many it filled. */
size_t cp_targets_check(const char *profile, const cp_experiment *exp,
                        const cp_experiment *average, cp_target_check *out);

/* The fit. */
#define CP_CALIBRATION_MAX_PARAMS 8

typedef struct cp_calibration {
    const char *profile;
    size_t param_count;
    const char *params[CP_CALIBRATION_MAX_PARAMS]; /* "section.key" */
    double start[CP_CALIBRATION_MAX_PARAMS];
    double fitted[CP_CALIBRATION_MAX_PARAMS];
    double objective;     /* at the fit */
    double start_objective;
    size_t evaluations;
    bool converged;
    cp_experiment_options options; /* replications, seed, threads */
    size_t max_evaluations;
} cp_calibration;

/* Fits cal->params of cfg to the profile's targets (BAND targets only).
 * The start values are cfg's current values. On success cfg holds the
 * fitted values. */
cp_status cp_calibrate(cp_config *cfg, cp_calibration *cal, cp_error *err);

/* The objective at cfg (used by cp_calibrate; exposed for tests and tools). */
cp_status cp_calibration_objective(const cp_config *cfg, const char *profile,
                                   const cp_experiment_options *opt, double *value,
                                   cp_error *err);

#endif
