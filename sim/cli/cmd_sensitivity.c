/* cmd_sensitivity.c: `cpsim sensitivity DIR [--outcomes a,b] [--bootstrap B]`:
 * Morris or Sobol sensitivity indices of a complete sweep, as an aligned
 * table on stdout and DIR/sensitivity.csv.
 *
 * Indices are computed on each point's mean over its replications: the
 * model's noise then enters only through those means, and because every
 * point used the same replication streams (common random numbers) that
 * noise is largely shared between points instead of inflating every effect.
 * The table lists parameters by decreasing mu* (Morris) or ST (Sobol), the
 * order a reader wants; the CSV keeps the sweep file's order, which scripts
 * want.
 */
#include "cli.h"
#include "sweep_cli.h"
#include "term.h"

#include "cpsim/sweep.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BOOTSTRAP 1000
#define MAX_BOOTSTRAP 1000000

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim sensitivity DIR [--outcomes a,b] [--bootstrap B]\n"
            "\n"
            "Sensitivity indices of a complete sweep (every pair run; see `cpsim merge`):\n"
            "  morris design:   mu* (mean |elementary effect|), mu and sigma, per unit of\n"
            "                   each parameter's range\n"
            "  saltelli design: Sobol first-order S1 (Saltelli 2010) and total ST (Jansen)\n"
            "with bootstrap 95%% intervals. Prints a table and writes DIR/sensitivity.csv\n"
            "(outcome, parameter, index, estimate, ci_low, ci_high, n).\n"
            "\n"
            "options:\n"
            "  --outcomes a,b    outcomes to analyse (default: `outcomes` of the sweep file)\n"
            "  --bootstrap B     bootstrap resamples (default %d; 0 = no intervals)\n"
            "  --help            this text\n"
            "\n"
            "exit codes: 0 done, 2 not a morris/saltelli plan, unknown outcome or pairs\n"
            "missing, 1 anything else\n",
            DEFAULT_BOOTSTRAP);
}

static int parse_outcomes(const char *text, int *ids, size_t *count) {
    char list[2048];
    if (strlen(text) >= sizeof list)
        return cli_usage_error("sensitivity", "--outcomes: list too long");
    snprintf(list, sizeof list, "%s", text);
    *count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        int id = cp_outcome_find(tok);
        if (id < 0)
            return cli_usage_error("sensitivity", "--outcomes: \"%s\" is not an outcome", tok);
        for (size_t i = 0; i < *count; i++)
            if (ids[i] == id)
                return cli_usage_error("sensitivity", "--outcomes: \"%s\" is listed twice", tok);
        if (*count == CP_OUTCOME_COUNT)
            break;
        ids[(*count)++] = id;
    }
    if (*count == 0)
        return cli_usage_error("sensitivity", "--outcomes: no outcome named");
    return -1;
}

static void interval_text(const cp_index_estimate *e, char *buf, size_t size) {
    char lo[24], hi[24];
    cli_format_value(e->ci_low, lo, sizeof lo);
    cli_format_value(e->ci_high, hi, sizeof hi);
    snprintf(buf, size, "[%s, %s]", lo, hi);
}

/* Sort key for the table: mu* or ST, NaN last. qsort takes no context
 * argument, hence the two file-level variables (the cli is single-threaded). */
static const cp_sweep_sensitivity *sort_s;
static size_t sort_outcome;

static double sort_key(size_t j) {
    size_t i = sort_outcome * sort_s->param_count + j;
    double v =
        sort_s->morris ? sort_s->morris[i].mu_star.estimate : sort_s->sobol[i].total.estimate;
    return isnan(v) ? -HUGE_VAL : v;
}

static int by_key(const void *a, const void *b) {
    double x = sort_key(*(const size_t *)a), y = sort_key(*(const size_t *)b);
    if (x != y)
        return x > y ? -1 : 1;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return (i > j) - (i < j);
}

static void print_table(const cp_sweep *sw, const cp_sweep_sensitivity *s) {
    cli_table t;
    cli_table_init(&t, 6);
    bool morris = s->morris != NULL;
    const char *head_m[] = {"outcome", "<parameter", "mu*", "mu* 95% CI", "mu", "sigma"};
    const char *head_s[] = {"outcome", "<parameter", "S1", "S1 95% CI", "ST", "ST 95% CI"};
    cli_table_row(&t, morris ? head_m : head_s);
    size_t *order = malloc(s->param_count * sizeof *order);
    if (!order) {
        cli_table_fini(&t);
        return;
    }
    for (size_t o = 0; o < s->outcome_count; o++) {
        for (size_t j = 0; j < s->param_count; j++)
            order[j] = j;
        sort_s = s;
        sort_outcome = o;
        qsort(order, s->param_count, sizeof *order, by_key);
        const char *outcome = cp_outcome_info_get((cp_outcome_id)s->outcomes[o])->name;
        for (size_t r = 0; r < s->param_count; r++) {
            size_t j = order[r];
            size_t i = o * s->param_count + j;
            char a[32], b[64], c[32], d[64];
            if (morris) {
                cli_format_value(s->morris[i].mu_star.estimate, a, sizeof a);
                interval_text(&s->morris[i].mu_star, b, sizeof b);
                cli_format_value(s->morris[i].mu.estimate, c, sizeof c);
                cli_format_value(s->morris[i].sigma.estimate, d, sizeof d);
            } else {
                cli_format_value(s->sobol[i].first.estimate, a, sizeof a);
                interval_text(&s->sobol[i].first, b, sizeof b);
                cli_format_value(s->sobol[i].total.estimate, c, sizeof c);
                interval_text(&s->sobol[i].total, d, sizeof d);
            }
            const char *row[] = {r == 0 ? outcome : "", sw->params[j].name, a, b, c, d};
            cli_table_row(&t, row);
        }
    }
    free(order);
    cli_table_print(&t, stdout);
    cli_table_fini(&t);
}

int cli_sensitivity(int argc, char **argv) {
    enum { OPT_OUTCOMES = 1000, OPT_BOOTSTRAP, OPT_HELP };
    static const struct option options[] = {
        {"outcomes", required_argument, NULL, OPT_OUTCOMES},
        {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *outcomes_text = NULL;
    size_t bootstrap = DEFAULT_BOOTSTRAP;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case OPT_OUTCOMES:
            outcomes_text = optarg;
            break;
        case OPT_BOOTSTRAP:
            if (!cli_parse_size(optarg, 0, MAX_BOOTSTRAP, &bootstrap))
                return cli_usage_error("sensitivity",
                                       "--bootstrap: \"%s\" is not a whole "
                                       "number from 0 to %d",
                                       optarg, MAX_BOOTSTRAP);
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("sensitivity", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("sensitivity", "expected one plan folder, got %d arguments",
                               argc - optind);
    const char *dir = argv[optind];
    int ids[CP_OUTCOME_COUNT];
    size_t count = 0;
    if (outcomes_text) {
        int rc = parse_outcomes(outcomes_text, ids, &count);
        if (rc >= 0)
            return rc;
    }

    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_plan_open(dir, &err);
    if (!sw)
        return cli_report_error("sensitivity", &err);
    int rc = 0;
    cp_sweep_results *r = NULL;
    cp_sweep_sensitivity *s = NULL;
    if (sw->design != CP_DESIGN_MORRIS && sw->design != CP_DESIGN_SALTELLI) {
        fprintf(stderr,
                "cpsim sensitivity: %s is a %s design; sensitivity indices need a "
                "morris design (screening) or a saltelli design (Sobol indices)\n",
                dir, cp_design_name(sw->design));
        rc = 2;
        goto done;
    }
    if (!outcomes_text) {
        count = sw->outcome_count;
        memcpy(ids, sw->outcomes, count * sizeof *ids);
    }
    if (count == 0) {
        fprintf(stderr, "cpsim sensitivity: no outcomes: list them with `outcomes = a, b` in "
                        "[sweep], or pass --outcomes a,b\n");
        rc = 2;
        goto done;
    }
    r = cp_sweep_results_create(sw->point_count, sw->replications, &err);
    char shard_dir[CP_PATH_MAX];
    snprintf(shard_dir, sizeof shard_dir, "%s/shards", dir);
    if (!r || cp_sweep_results_load(r, shard_dir, &err) != CP_OK) {
        rc = cli_report_error("sensitivity", &err);
        goto done;
    }
    size_t missing = cp_sweep_results_missing(r, 0, cp_sweep_pairs(sw));
    if (missing > 0) {
        cp_buf b;
        cp_buf_init(&b);
        cp_sweep_results_missing_text(r, 12, &b);
        fprintf(stderr, "cpsim sensitivity: the sweep is incomplete: missing %zu pair%s: %s\n",
                missing, missing == 1 ? "" : "s", b.data ? b.data : "");
        cp_buf_fini(&b);
        rc = 2;
        goto done;
    }
    s = cp_sweep_sensitivity_create(sw, r, ids, count, bootstrap, &err);
    if (!s) {
        rc = cli_report_error("sensitivity", &err);
        goto done;
    }
    cp_buf csv;
    cp_buf_init(&csv);
    cp_sweep_sensitivity_csv(sw, s, &csv);
    if (csv.failed)
        rc = cli_report_error("sensitivity", &(cp_error){CP_ENOMEM, "out of memory"});
    else if (cp_file_write_atomic(dir, "sensitivity.csv", csv.data, csv.len, &err) != CP_OK)
        rc = cli_report_error("sensitivity", &err);
    cp_buf_fini(&csv);
    if (rc == 0) {
        printf("%s indices of %zu point means (%zu replications each), %zu bootstrap "
               "resamples\n\n",
               sw->design == CP_DESIGN_MORRIS ? "Morris" : "Sobol", sw->point_count,
               sw->replications, bootstrap);
        print_table(sw, s);
        printf("\nwrote %s/sensitivity.csv\n", dir);
    }
done:
    cp_sweep_sensitivity_destroy(s);
    cp_sweep_results_destroy(r);
    cp_sweep_destroy(sw);
    return rc;
}
