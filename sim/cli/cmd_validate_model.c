/* cmd_validate_model.c: `cpsim validate-model`: runs the three profile
 * scenarios and prints MODEL.md section 3's table: target, model mean with
 * its 95% confidence interval, band, pass or fail. Writes validation.csv.
 * Exit 0 when every target passes, 1 when one fails (the model is wrong,
 * not the input), 2 for bad options or scenarios.
 */
#define _GNU_SOURCE
#include "cli.h"

#include "cpsim/calibration.h"
#include "cpsim/output.h"
#include "cpsim/scenario.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const profiles[] = {"average", "inadequate", "outstanding"};
static const char *const profile_files[] = {"baseline.ini", "inadequate.ini", "outstanding.ini"};
#define PROFILES 3

static void usage(FILE *to) {
    fprintf(to, "usage: cpsim validate-model [--scenarios DIR] [--reps N] [--seed S] [--threads T]\n"
                "                            [--out DIR] [--quiet]\n"
                "Runs scenarios/baseline.ini, inadequate.ini and outstanding.ini and compares\n"
                "each with the published targets (MODEL.md section 3).\n");
}

static void print_scenario_errors(const cp_diagnostics *d) {
    char line[1024];
    for (size_t i = 0; i < d->count; i++) {
        cp_diagnostic_format(&d->items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
}

static const char *target_text(const cp_target_check *c, char *buf, size_t size) {
    const cp_target *t = c->target;
    if (t->kind == CP_TARGET_LOWER)
        snprintf(buf, size, "< %.3g", c->reference);
    else if (t->kind == CP_TARGET_HIGHER)
        snprintf(buf, size, "> %.3g", c->reference);
    else
        snprintf(buf, size, "%.3g", t->value);
    return buf;
}

int cli_validate_model(int argc, char **argv) {
    const char *dir = "scenarios", *out = "out/validation";
    long reps = 400, threads = 1;
    unsigned long long seed = 0;
    int have_seed = 0;
    static const struct option options[] = {
        {"scenarios", required_argument, NULL, 'd'}, {"reps", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},      {"threads", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},       {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'o': out = optarg; break;
        case 'q': break;
        case 'n':
            reps = strtol(optarg, &end, 10);
            if (*end || reps < 2 || reps > 1000000) {
                fprintf(stderr, "cpsim validate-model: --reps must be an integer from 2 to 1000000\n");
                return 2;
            }
            break;
        case 't':
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 1024) {
                fprintf(stderr, "cpsim validate-model: --threads must be an integer from 1 to 1024\n");
                return 2;
            }
            break;
        case 's':
            seed = strtoull(optarg, &end, 0);
            if (*end || optarg[0] == '-') {
                fprintf(stderr, "cpsim validate-model: --seed must be a non-negative integer\n");
                return 2;
            }
            have_seed = 1;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    cp_experiment *runs[PROFILES] = {NULL, NULL, NULL};
    int code = 0;
    cp_error err;
    cp_error_clear(&err);
    for (int p = 0; p < PROFILES && code == 0; p++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, profile_files[p]);
        cp_config cfg;
        cp_diagnostics d;
        cp_diagnostics_init(&d);
        if (cp_scenario_load(path, NULL, 0, &cfg, &d) != CP_OK) {
            print_scenario_errors(&d);
            cp_diagnostics_fini(&d);
            code = 2;
            break;
        }
        cp_diagnostics_fini(&d);
        cp_experiment_options o;
        cp_experiment_options_defaults(&o, &cfg);
        o.replications = (size_t)reps;
        o.threads = (int)threads;
        o.skip_series = true;
        if (have_seed)
            o.seed = seed;
        runs[p] = cp_experiment_create(&cfg, &o, &err);
        if (!runs[p] || cp_experiment_run(runs[p], &err) != CP_OK) {
            fprintf(stderr, "cpsim validate-model: %s: %s\n", path, err.message);
            code = cp_status_exit_code(err.status);
        }
    }
    if (code != 0) {
        for (int p = 0; p < PROFILES; p++)
            cp_experiment_destroy(runs[p]);
        return code;
    }
    cp_target_check *checks = calloc(cp_target_count(), sizeof *checks);
    cp_buf csv;
    cp_buf_init(&csv);
    cp_buf_puts(&csv, "profile,measure,outcome,target,band,model_mean,ci_low,ci_high,n,pass,source\n");
    size_t failed = 0, total = 0;
    printf("%-12s %-36s %10s %8s %10s %23s  %s\n", "profile", "measure", "target", "band", "model",
           "95% CI", "result");
    for (int p = 0; p < PROFILES; p++) {
        size_t n = cp_targets_check(profiles[p], runs[p], p == 0 ? NULL : runs[0], checks);
        for (size_t i = 0; i < n; i++) {
            const cp_target_check *c = &checks[i];
            char target[32], band[32] = "";
            target_text(c, target, sizeof target);
            if (c->target->kind == CP_TARGET_BAND)
                snprintf(band, sizeof band, "+-%.3g", c->target->band);
            printf("%-12s %-36s %10s %8s %10.4g   [%9.4g, %9.4g]  %s\n", profiles[p],
                   c->target->label, target, band, c->model.mean, c->model.ci_low,
                   c->model.ci_high, c->pass ? "pass" : "FAIL");
            cp_csv_field(&csv, profiles[p]);
            cp_buf_puts(&csv, ",");
            cp_csv_field(&csv, c->target->label);
            cp_buf_puts(&csv, ",");
            cp_csv_field(&csv, c->target->outcome);
            cp_buf_puts(&csv, ",");
            cp_csv_field(&csv, target);
            cp_buf_puts(&csv, ",");
            if (c->target->kind == CP_TARGET_BAND)
                cp_format_number(&csv, c->target->band);
            cp_buf_puts(&csv, ",");
            cp_format_number(&csv, c->model.mean);
            cp_buf_puts(&csv, ",");
            cp_format_number(&csv, c->model.ci_low);
            cp_buf_puts(&csv, ",");
            cp_format_number(&csv, c->model.ci_high);
            cp_buf_printf(&csv, ",%zu,%s,", c->model.n, c->pass ? "pass" : "fail");
            cp_csv_field(&csv, c->target->source);
            cp_buf_puts(&csv, "\n");
            total++;
            failed += !c->pass;
        }
    }
    printf("\n%zu of %zu targets inside their bands (%ld replications a profile)\n", total - failed,
           total, reps);
    if (cp_output_dir_prepare(out, &err) != CP_OK ||
        cp_file_write_atomic(out, "validation.csv", csv.data, csv.len, &err) != CP_OK) {
        fprintf(stderr, "cpsim validate-model: %s\n", err.message);
        code = 1;
    } else {
        printf("wrote %s/validation.csv\n", out);
    }
    cp_buf_fini(&csv);
    free(checks);
    for (int p = 0; p < PROFILES; p++)
        cp_experiment_destroy(runs[p]);
    if (code == 0 && failed > 0)
        code = 1;
    return code;
}
