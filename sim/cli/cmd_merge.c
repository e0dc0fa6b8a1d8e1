/* cmd_merge.c: `cpsim merge DIR`: checks that the shards of a plan hold every
 * (point, replication) pair and writes DIR/runs.csv and DIR/summary.csv.
 *
 * An incomplete sweep is exit 2 with the missing pairs named ("point 7 reps
 * 3-5, points 10-19 (all reps)"), so the user knows which tasks to rerun;
 * nothing is written then, because a summary over part of a design looks
 * complete and is not. Identical duplicates (a task rerun, or two different
 * task splits of the same plan) are dropped and counted; differing ones are
 * an error naming both shards. The output depends only on the pairs, so two
 * splits of the same plan merge to the same bytes.
 */
#include "cli.h"
#include "sweep_cli.h"
#include "term.h"

#include "cpsim/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define MISSING_ITEMS 12

static void usage(FILE *to) {
    fprintf(to, "usage: cpsim merge DIR\n"
                "\n"
                "Reads every shard in DIR/shards, checks that each (point, replication) pair of\n"
                "the plan is there, and writes DIR/runs.csv (point_id, replication, the\n"
                "parameters, every outcome) and DIR/summary.csv (point_id, outcome, n, mean, sd,\n"
                "ci_low, ci_high, median, p5, p95). Identical duplicates are dropped.\n"
                "\n"
                "exit codes: 0 merged, 2 pairs missing (they are named) or shards that\n"
                "disagree, 1 anything else\n");
}

int cli_merge(int argc, char **argv) {
    static const struct option options[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        return cli_usage_error("merge", "unknown option \"%s\"", argv[optind - 1]);
    }
    if (optind + 1 != argc)
        return cli_usage_error("merge", "expected one plan folder, got %d arguments",
                               argc - optind);
    const char *dir = argv[optind];

    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_plan_open(dir, &err);
    if (!sw)
        return cli_report_error("merge", &err);
    cp_sweep_results *r = cp_sweep_results_create(sw->point_count, sw->replications, &err);
    char shard_dir[CP_PATH_MAX];
    snprintf(shard_dir, sizeof shard_dir, "%s/shards", dir);
    int rc = 0;
    if (!r || cp_sweep_results_load(r, shard_dir, &err) != CP_OK) {
        rc = cli_report_error("merge", &err);
        goto done;
    }
    size_t pairs = cp_sweep_pairs(sw);
    size_t missing = cp_sweep_results_missing(r, 0, pairs);
    if (missing > 0) {
        cp_buf b;
        cp_buf_init(&b);
        cp_sweep_results_missing_text(r, MISSING_ITEMS, &b);
        fprintf(stderr,
                "cpsim merge: incomplete: missing %zu of %zu pair%s: %s\n"
                "(run the tasks that hold them again: `cpsim sweep %s ...` skips pairs already "
                "done)\n",
                missing, pairs, missing == 1 ? "" : "s", b.data ? b.data : "", dir);
        cp_buf_fini(&b);
        rc = 2;
        goto done;
    }
    if (cp_sweep_merge_write(sw, r, dir, &err) != CP_OK) {
        rc = cli_report_error("merge", &err);
        goto done;
    }
    printf("merged %zu pairs (%zu points x %zu replications) from %zu shard file%s", pairs,
           sw->point_count, sw->replications, r->name_count, r->name_count == 1 ? "" : "s");
    if (r->duplicates > 0)
        printf(", %zu identical duplicate%s dropped", r->duplicates, r->duplicates == 1 ? "" : "s");
    printf("\nwrote %s/runs.csv and %s/summary.csv\n", dir, dir);
done:
    cp_sweep_results_destroy(r);
    cp_sweep_destroy(sw);
    return rc;
}
