/* cmd_plan.c: `cpsim plan SWEEP --out DIR`: checks a sweep file and writes
 * its plan folder (design.csv, sweep.ini, base.ini, plan.json, shards/).
 *
 * Every point of the design is built through the scenario checks here, at
 * plan time, so a design that leaves a key's range fails in seconds on the
 * login node (exit 2, naming the sweep file, line and parameter) rather than
 * hours later in a job array. Planning the same sweep into the same folder
 * again is a no-op; planning a different one into it is refused (exit 2),
 * because its shards would mix with the old plan's.
 */
#include "cli.h"
#include "sweep_cli.h"
#include "term.h"

#include "cpsim/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *to) {
    fprintf(to, "usage: cpsim plan SWEEP --out DIR\n"
                "\n"
                "Checks the sweep file SWEEP (its [sweep] section and [param.NAME] sections;\n"
                "see docs/sweeps.md), builds every design point through the scenario checks,\n"
                "and writes the plan into DIR: design.csv (point_id and one column per\n"
                "parameter), sweep.ini (a copy of SWEEP), base.ini (the base scenario,\n"
                "normalised), plan.json, and an empty shards/ folder.\n"
                "\n"
                "options:\n"
                "  --out DIR    the plan folder (created if missing; its parent must exist)\n"
                "  --help       this text\n"
                "\n"
                "exit codes: 0 planned (or the same plan was already there), 2 bad sweep file\n"
                "or a different plan already in DIR, 1 anything else\n");
}

int cli_plan(int argc, char **argv) {
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("plan", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("plan", "expected one sweep file, got %d arguments", argc - optind);
    if (!out)
        return cli_usage_error("plan", "--out DIR is required");
    const char *file = argv[optind];

    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(file, NULL, true, &err);
    if (!sw)
        return cli_report_error("plan", &err);
    bool unchanged = false;
    cp_status st = cp_sweep_plan_write(sw, out, &unchanged, &err);
    if (st != CP_OK) {
        cp_sweep_destroy(sw);
        return cli_report_error("plan", &err);
    }
    size_t pairs = cp_sweep_pairs(sw);
    if (unchanged)
        printf("%s already holds this plan: nothing written\n", out);
    else
        printf("planned a %s design: %zu points x %zu replications = %zu runs, %zu "
               "parameter%s, seed %llu\n"
               "wrote %s/design.csv, sweep.ini, base.ini, plan.json and shards/\n",
               cp_design_name(sw->design), sw->point_count, sw->replications, pairs,
               sw->param_count, sw->param_count == 1 ? "" : "s", (unsigned long long)sw->seed, out);
    printf("next: cpsim sweep %s --points all          (every pair, here)\n"
           "  or: cpsim slurm %s --tasks M               (a SLURM job array of M tasks)\n"
           "then: cpsim merge %s\n",
           out, out, out);
    cp_sweep_destroy(sw);
    return 0;
}
