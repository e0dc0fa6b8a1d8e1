/* cmd_run.c: `cpsim run FILE [options]`: replications of one scenario into
 * runs.csv, summary.csv, timeseries.csv and manifest.json.
 *
 * Order of work, chosen so that every mistake costs as little as possible:
 * parse the command line (exit 2), load and validate the scenario with every
 * diagnostic (exit 2), make sure the output directory exists and can be
 * created (exit 1) *before* the simulation starts, run (exit 75 when
 * interrupted, nothing written), then write all files as a set (exit 1 on an
 * I/O error, nothing replaced) and print the outcome table: every outcome
 * of MODEL.md section 2 (all of summary.csv's but the event count).
 *
 * --reps and --seed are passed to the scenario loader as the last `--set`
 * assignments (cli_load_scenario), so they are range-checked by the schema
 * like any key and the normalised scenario in manifest.json is exactly what
 * ran.
 *
 * --report and --live ride on the experiment's on_replication callback:
 * the report keeps each replication's end-of-run burnout histogram (the one
 * thing it needs that the experiment does not keep) and is drawn from the
 * finished experiment, so nothing runs twice; the live view reads each
 * replication's time series. Both only read what they are handed, so
 * runs.csv, summary.csv and timeseries.csv are the same bytes with them or
 * without them, and the page is the same bytes whatever --threads.
 */
#include "cli.h"
#include "live.h"
#include "options.h"
#include "report_cli.h"
#include "term.h"

#include "cpsim/experiment.h"
#include "cpsim/report.h"
#include "cpsim/scenario.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_REPS 10000
#define DEFAULT_PRECISION_OUTCOME "unallocated_mean"

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim run FILE [options]\n"
            "\n"
            "Runs replications of the scenario FILE and writes runs.csv, summary.csv,\n"
            "timeseries.csv and manifest.json into DIR (see docs/outputs.md).\n"
            "\n"
            "options:\n"
            "  --reps N              replications (default: simulation.replications)\n"
            "  --seed S              master seed, 0..2^64-1 (default: simulation.seed)\n"
            "  --threads T           worker threads (default 1); results are identical\n"
            "                        for every T\n"
            "  --set section.key=V   override a scenario key (repeatable)\n"
            "  --out DIR             output directory (default out/NAME for FILE NAME.ini);\n"
            "                        created if missing, its parent must exist\n"
            "  --precision P         run batches of N replications until the 95%% CI\n"
            "                        half-width of each chosen outcome is within P x |mean|\n"
            "                        (e.g. 0.05)\n"
            "  --precision-outcomes a,b   outcomes to check (default " DEFAULT_PRECISION_OUTCOME
            ")\n"
            "  --max-reps M          cap on replications under --precision (default %d)\n"
            "  --report PATH.html    also write the HTML report `cpsim report` writes, from\n"
            "                        these same replications (nothing runs twice)\n"
            "  --live                draw the run in the terminal as replications finish\n"
            "                        (the mean so far, as `cpsim live` draws one run);\n"
            "                        ignored, with a note, when stdout is not a terminal\n"
            "  --quiet               no progress bar\n"
            "  --help                this text\n"
            "\n"
            "exit codes: 0 done, 2 bad command line or scenario, 75 interrupted (nothing\n"
            "written; run again), 1 anything else (e.g. the output could not be written)\n",
            DEFAULT_MAX_REPS);
}

/* What `run` takes beyond the shared options (options.h). */
typedef struct run_args {
    double precision;
    const char *precision_outcomes;
    bool have_max_reps;
    size_t max_reps;
    const char *report; /* --report PATH.html, or NULL */
    bool live;
} run_args;

enum { OPT_PRECISION = CLI_OPT_OWN, OPT_PRECISION_OUTCOMES, OPT_MAX_REPS, OPT_REPORT, OPT_LIVE };

static int on_own(void *ctx, int id, const char *value) {
    run_args *a = ctx;
    switch (id) {
    case OPT_PRECISION:
        if (!cli_parse_real(value, 1e-9, 1, &a->precision) || a->precision >= 1)
            return cli_usage_error("run",
                                   "--precision needs a fraction between 0 and 1 "
                                   "(e.g. 0.05), not \"%s\"",
                                   value);
        return -1;
    case OPT_PRECISION_OUTCOMES:
        a->precision_outcomes = value;
        return -1;
    case OPT_MAX_REPS:
        if (!cli_parse_size(value, 2, SIZE_MAX / 2, &a->max_reps))
            return cli_usage_error(
                "run", "--max-reps needs a whole number of at least 2, not \"%s\"", value);
        a->have_max_reps = true;
        return -1;
    case OPT_REPORT:
        if (!*value)
            return cli_usage_error("run", "--report needs a file name");
        a->report = value;
        return -1;
    default: /* OPT_LIVE */
        a->live = true;
        return -1;
    }
}

/* Fills opt's precision outcomes from a comma-separated list of names. */
static int parse_precision_outcomes(const char *list, cp_experiment_options *opt) {
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", list);
    opt->precision_outcome_count = 0;
    for (char *save = NULL, *name = strtok_r(buf, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        while (*name == ' ')
            name++;
        int id = cp_outcome_find(name);
        if (id < 0)
            return cli_usage_error("run",
                                   "--precision-outcomes: no outcome is called \"%s\" "
                                   "(see docs/outputs.md for the list)",
                                   name);
        if (opt->precision_outcome_count == CP_OUTCOME_COUNT)
            return cli_usage_error("run", "--precision-outcomes: too many outcomes");
        opt->precision_outcomes[opt->precision_outcome_count++] = id;
    }
    if (opt->precision_outcome_count == 0)
        return cli_usage_error("run", "--precision-outcomes: no outcome named in \"%s\"", list);
    return -1;
}

static void print_summary(const cp_experiment *exp, FILE *to) {
    cli_table t;
    cli_table_init(&t, 4);
    const char *header[] = {"outcome", "mean", "95% CI", "<unit"};
    cli_table_row(&t, header);
    for (int k = 0; k < CP_OUTCOME_COUNT; k++) {
        if (k == CP_OUT_EVENTS)
            continue; /* the model's work, not an outcome of the team */
        const cp_summary *s = &exp->summary[k];
        char mean[32], lo[32], hi[32], ci[80];
        cli_format_value(s->mean, mean, sizeof mean);
        cli_format_value(s->ci_low, lo, sizeof lo);
        cli_format_value(s->ci_high, hi, sizeof hi);
        if (s->n >= 2)
            snprintf(ci, sizeof ci, "%s to %s", lo, hi);
        else
            snprintf(ci, sizeof ci, "-");
        const cp_outcome_info *info = cp_outcome_info_get((cp_outcome_id)k);
        const char *row[] = {info->name, mean, ci, info->unit};
        cli_table_row(&t, row);
    }
    cli_table_print(&t, to);
    cli_table_fini(&t);
}

/* The run's on_replication when --report or --live (or both) want each
 * replication's result: both only read it, so the run is unchanged. */
typedef struct run_hooks {
    cp_burnout_bins *bins; /* may be NULL */
    cli_live_run *live;    /* may be NULL */
} run_hooks;

static void on_replication(void *ctx, size_t replication, const cp_result *result) {
    run_hooks *h = ctx;
    if (h->bins)
        cp_burnout_bins_record(h->bins, replication, result);
    if (h->live)
        cli_live_run_record(h->live, replication, result);
}

/* Everything after parsing: load, run, write, print. */
static int run_main(const cli_command *cmd, const cli_common *c, run_args *a, double t_start,
                    const char *start_utc) {
    const char *file = c->files[0];
    cp_experiment_options opt;
    memset(&opt, 0, sizeof opt);
    if (a->precision > 0) {
        int code = parse_precision_outcomes(
            a->precision_outcomes ? a->precision_outcomes : DEFAULT_PRECISION_OUTCOME, &opt);
        if (code >= 0)
            return code;
    }
    if (a->live && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "cpsim run: --live ignored: standard output is not a terminal\n");
        a->live = false;
    }

    cp_config cfg;
    int code = cli_load_scenario(cmd, c, file, NULL, 0, NULL, &cfg);
    if (code >= 0)
        return code;

    cp_experiment_options from_cfg;
    cp_experiment_options_defaults(&from_cfg, &cfg);
    opt.seed = from_cfg.seed;
    opt.replications = from_cfg.replications;
    opt.threads = c->threads;
    opt.interrupt = &cli_interrupted;
    if (a->precision > 0) {
        opt.precision = a->precision;
        opt.max_replications = a->have_max_reps ? a->max_reps : DEFAULT_MAX_REPS;
        if (opt.replications < 2)
            return cli_usage_error("run", "--precision needs batches of at least 2 (--reps 2)");
        if (opt.max_replications < opt.replications)
            return cli_usage_error("run", "--max-reps (%zu) is below the batch size (%zu)",
                                   opt.max_replications, opt.replications);
    }

    char base[256], out_dir[CP_PATH_MAX];
    cli_scenario_basename(file, base, sizeof base);
    if (c->out) {
        snprintf(out_dir, sizeof out_dir, "%s", c->out);
    } else {
        code = cli_default_out_dir("run", base, out_dir, sizeof out_dir);
        if (code >= 0)
            return code;
    }
    cp_error err;
    cp_error_clear(&err);
    /* Before the run: a typo in --out or --report should cost a second, not
     * an hour. */
    if (cp_output_dir_prepare(out_dir, &err) != CP_OK)
        return cli_report_error("run", &err);
    if (a->report && (code = cli_report_check_path("run", "--report", a->report)) >= 0)
        return code;

    /* Every replication that can run needs its burnout slot: under precision
     * stopping that is up to the cap. */
    size_t planned = a->precision > 0 ? opt.max_replications : opt.replications;
    cp_burnout_bins bins;
    memset(&bins, 0, sizeof bins);
    run_hooks hooks = {NULL, NULL};
    if (a->report) {
        if (cp_burnout_bins_init(&bins, planned, &err) != CP_OK)
            return cli_report_error("run", &err);
        hooks.bins = &bins;
    }
    if (a->live) {
        hooks.live = cli_live_run_create(&cfg, planned, a->precision > 0, stdout, &err);
        if (!hooks.live) {
            cp_burnout_bins_fini(&bins);
            return cli_report_error("run", &err);
        }
    }
    if (hooks.bins || hooks.live) {
        opt.on_replication = on_replication;
        opt.replication_ctx = &hooks;
    }

    /* The live view is the progress display; a bar on the same terminal
     * would tear it. */
    cli_progress progress;
    cli_progress_init(&progress, c->quiet || hooks.live, "run");
    opt.progress = cli_progress_update;
    opt.progress_ctx = &progress;

    cp_status st = CP_OK;
    cp_experiment *exp = cp_experiment_create(&cfg, &opt, &err);
    if (!exp)
        st = err.status;
    else
        st = cp_experiment_run(exp, &err);
    cli_progress_finish(&progress);
    if (hooks.live)
        cli_live_run_finish(hooks.live);
    if (st == CP_OK && cli_interrupted)
        st = cp_error_set(&err, CP_EINTERRUPTED, "interrupted; nothing written");
    if (st == CP_OK) {
        cp_run_info info = {.argc = c->typed_count,
                            .argv = c->typed,
                            .start_time_utc = start_utc,
                            .wall_seconds = cp_monotonic_seconds() - t_start,
                            .scenario_path = file,
                            .scenario_label = base};
        st = cp_experiment_write(exp, out_dir, &info, &err);
    }
    /* The report comes after the CSV set, from the same experiment: the
     * page `cpsim report` would draw from these replications. */
    if (st == CP_OK && a->report)
        st =
            cli_report_write_run(exp, &bins, a->report, file, base, c->typed_count, c->typed, &err);
    cli_live_run_destroy(hooks.live);
    cp_burnout_bins_fini(&bins);
    if (st != CP_OK) {
        cp_experiment_destroy(exp);
        return cli_report_error("run", &err);
    }

    printf("%s: %zu replications, seed %" PRIu64 ", %d thread%s, %.1f s\n\n", file,
           exp->replications, exp->options.seed, c->threads, c->threads == 1 ? "" : "s",
           exp->wall_seconds);
    print_summary(exp, stdout);
    if (a->precision > 0) {
        if (exp->precision_reached)
            printf("\nPrecision reached after %zu replications: the 95%% CI half-width of "
                   "every outcome checked is within %g%% of its mean.\n",
                   exp->replications, 100 * a->precision);
        else
            printf("\nPrecision NOT reached within the cap of %zu replications: some intervals "
                   "are wider than asked.\n",
                   exp->replications);
    }
    printf("\nWrote runs.csv, summary.csv, timeseries.csv and manifest.json to %s/\n", out_dir);
    if (a->report)
        printf("Wrote the report to %s\n", a->report);
    cp_experiment_destroy(exp);
    return 0;
}

int cli_run(int argc, char **argv) {
    double t_start = cp_monotonic_seconds();
    char start_utc[32];
    cp_time_utc_iso8601(start_utc, sizeof start_utc);
    /* From the start, so Ctrl-C while loading also means "exit 75, nothing
     * written" rather than death by signal. */
    cli_install_signal_handlers();
    static const cli_own_option own[] = {
        {"precision", true, OPT_PRECISION}, {"precision-outcomes", true, OPT_PRECISION_OUTCOMES},
        {"max-reps", true, OPT_MAX_REPS},   {"report", true, OPT_REPORT},
        {"live", false, OPT_LIVE},          {NULL, false, 0}};
    run_args a;
    memset(&a, 0, sizeof a);
    const cli_command cmd = {.name = "run",
                             .usage = usage,
                             .common = CLI_OPT_EXPERIMENT,
                             .reps_min = 1,
                             .reps_is_key = true,
                             .out_needs = "a directory",
                             .files_max = 1,
                             .files_hint = "; use `cpsim compare` for several",
                             .own = own,
                             .on_own = on_own,
                             .ctx = &a};
    cli_common c;
    int code = cli_options_parse(&cmd, argc, argv, &c);
    if (code >= 0)
        return code;
    if (a.precision <= 0 && (a.precision_outcomes || a.have_max_reps))
        code = cli_usage_error("run", "%s only makes sense with --precision",
                               a.precision_outcomes ? "--precision-outcomes" : "--max-reps");
    else
        code = run_main(&cmd, &c, &a, t_start, start_utc);
    cli_common_fini(&c);
    return code;
}
