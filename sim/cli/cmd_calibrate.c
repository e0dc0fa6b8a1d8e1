/* cmd_calibrate.c: `cpsim calibrate FILE --profile P --fit k1,k2,...`: fits
 * uncertain parameters of a profile scenario to its published targets with
 * GSL's Nelder-Mead simplex and common random numbers, and prints the fitted
 * values (as INI lines to paste into the scenario, with the comment saying
 * they were fitted) and the fit's quality, target by target.
 */
#define _GNU_SOURCE
#include "cli.h"

#include "cpsim/calibration.h"
#include "cpsim/scenario.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim calibrate FILE --profile average|inadequate|outstanding\n"
            "                       --fit section.key[,section.key...] [--reps N] [--seed S]\n"
            "                       [--threads T] [--max-evaluations M] [--set section.key=value]...\n"
            "Fits the listed real-valued keys so FILE reproduces the profile's published\n"
            "targets (see `cpsim validate-model`).\n");
}

int cli_calibrate(int argc, char **argv) {
    const char *profile = NULL, *fit = NULL;
    long reps = 40, threads = 1, max_eval = 150;
    unsigned long long seed = 0;
    int have_seed = 0;
    const char *sets[64];
    size_t set_count = 0;
    static const struct option options[] = {
        {"profile", required_argument, NULL, 'p'}, {"fit", required_argument, NULL, 'f'},
        {"reps", required_argument, NULL, 'n'},    {"seed", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 't'}, {"max-evaluations", required_argument, NULL, 'm'},
        {"set", required_argument, NULL, 'S'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'p': profile = optarg; break;
        case 'f': fit = optarg; break;
        case 'n': reps = strtol(optarg, &end, 10); if (*end || reps < 2) { usage(stderr); return 2; } break;
        case 't': threads = strtol(optarg, &end, 10); if (*end || threads < 1 || threads > 1024) { usage(stderr); return 2; } break;
        case 'm': max_eval = strtol(optarg, &end, 10); if (*end || max_eval < 1) { usage(stderr); return 2; } break;
        case 's': seed = strtoull(optarg, &end, 0); if (*end || optarg[0] == '-') { usage(stderr); return 2; } have_seed = 1; break;
        case 'S':
            if (set_count == sizeof sets / sizeof sets[0]) {
                fprintf(stderr, "cpsim calibrate: at most 64 --set options\n");
                return 2;
            }
            sets[set_count++] = optarg;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || !profile || !fit) {
        usage(stderr);
        return 2;
    }
    if (strcmp(profile, "average") != 0 && strcmp(profile, "inadequate") != 0 &&
        strcmp(profile, "outstanding") != 0) {
        fprintf(stderr, "cpsim calibrate: --profile must be average, inadequate or outstanding\n");
        return 2;
    }
    const char *path = argv[optind];
    cp_config cfg;
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    if (cp_scenario_load(path, sets, set_count, &cfg, &d) != CP_OK) {
        char line[1024];
        for (size_t i = 0; i < d.count; i++) {
            cp_diagnostic_format(&d.items[i], line, sizeof line);
            fprintf(stderr, "%s\n", line);
        }
        cp_diagnostics_fini(&d);
        return 2;
    }
    cp_diagnostics_fini(&d);

    cp_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.profile = profile;
    char *keys = strdup(fit);
    if (!keys)
        return 1;
    for (char *tok = strtok(keys, ","); tok; tok = strtok(NULL, ",")) {
        if (cal.param_count == CP_CALIBRATION_MAX_PARAMS) {
            fprintf(stderr, "cpsim calibrate: at most %d parameters\n", CP_CALIBRATION_MAX_PARAMS);
            free(keys);
            return 2;
        }
        cal.params[cal.param_count++] = tok;
    }
    cp_experiment_options_defaults(&cal.options, &cfg);
    cal.options.replications = (size_t)reps;
    cal.options.threads = (int)threads;
    if (have_seed)
        cal.options.seed = seed;
    cal.max_evaluations = (size_t)max_eval;
    cp_error err;
    cp_error_clear(&err);
    fprintf(stderr, "calibrating %zu parameter(s) of %s to the %s targets, %ld replications an "
                    "evaluation...\n", cal.param_count, path, profile, reps);
    cp_status status = cp_calibrate(&cfg, &cal, &err);
    if (status != CP_OK) {
        fprintf(stderr, "cpsim calibrate: %s\n", err.message);
        free(keys);
        return cp_status_exit_code(status);
    }
    printf("; fitted by `cpsim calibrate --profile %s` (%zu evaluations, %s): objective %.4g "
           "(from %.4g; sum of squared (model - target) / band)\n",
           profile, cal.evaluations, cal.converged ? "converged" : "stopped at the limit",
           cal.objective, cal.start_objective);
    for (size_t i = 0; i < cal.param_count; i++)
        printf("%s = %.4g    ; fitted to the %s targets (was %.4g)\n", cal.params[i],
               cal.fitted[i], profile, cal.start[i]);
    /* the fit's quality, target by target */
    cp_experiment_options o = cal.options;
    o.skip_series = true;
    cp_experiment *exp = cp_experiment_create(&cfg, &o, &err);
    if (exp && cp_experiment_run(exp, &err) == CP_OK) {
        cp_target_check checks[64];
        size_t n = cp_targets_check(profile, exp, NULL, checks);
        printf("\n%-36s %10s %10s %8s\n", "target", "value", "model", "result");
        for (size_t i = 0; i < n; i++)
            if (checks[i].target->kind == CP_TARGET_BAND)
                printf("%-36s %10.4g %10.4g %8s\n", checks[i].target->label,
                       checks[i].target->value, checks[i].model.mean,
                       checks[i].pass ? "pass" : "FAIL");
    }
    cp_experiment_destroy(exp);
    free(keys);
    return 0;
}
