/* cmd_run.c: `cpsim run FILE [options]`: replications of one scenario into
 * runs.csv, summary.csv, timeseries.csv and manifest.json.
 *
 * Order of work, chosen so that every mistake costs as little as possible:
 * parse the command line (exit 2), load and validate the scenario with every
 * diagnostic (exit 2), make sure the output directory exists and can be
 * created (exit 1) *before* the simulation starts, run (exit 75 when
 * interrupted, nothing written), then write all files as a set (exit 1 on an
 * I/O error, nothing replaced) and print the headline table.
 *
 * --reps and --seed are passed to the scenario loader as the last `--set`
 * assignments, so they are range-checked by the schema like any key and the
 * normalised scenario in manifest.json is exactly what ran.
 */
#include "cli.h"
#include "term.h"

#include "cpsim/experiment.h"
#include "cpsim/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_REPS 10000
#define DEFAULT_PRECISION_OUTCOME "unallocated_mean"
#define MAX_THREADS 1024

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
            "  --quiet               no progress bar\n"
            "  --help                this text\n"
            "\n"
            "exit codes: 0 done, 2 bad command line or scenario, 75 interrupted (nothing\n"
            "written; run again), 1 anything else (e.g. the output could not be written)\n",
            DEFAULT_MAX_REPS);
}

typedef struct run_args {
    const char *file;
    const char **sets;
    size_t set_count;
    bool have_reps, have_seed;
    size_t reps;
    uint64_t seed;
    int threads;
    const char *out;
    double precision;
    const char *precision_outcomes;
    bool have_max_reps;
    size_t max_reps;
    bool quiet;
} run_args;

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, run_args *a) {
    enum {
        OPT_REPS = 1000,
        OPT_SEED,
        OPT_THREADS,
        OPT_SET,
        OPT_OUT,
        OPT_PRECISION,
        OPT_PRECISION_OUTCOMES,
        OPT_MAX_REPS,
        OPT_QUIET,
        OPT_HELP
    };
    static const struct option longopts[] = {
        {"reps", required_argument, NULL, OPT_REPS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"set", required_argument, NULL, OPT_SET},
        {"out", required_argument, NULL, OPT_OUT},
        {"precision", required_argument, NULL, OPT_PRECISION},
        {"precision-outcomes", required_argument, NULL, OPT_PRECISION_OUTCOMES},
        {"max-reps", required_argument, NULL, OPT_MAX_REPS},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->threads = 1;
    a->sets = calloc((size_t)argc + 2, sizeof *a->sets);
    if (!a->sets) {
        fprintf(stderr, "cpsim run: out of memory\n");
        return 1;
    }
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        size_t n;
        switch (c) {
        case OPT_REPS:
            if (!cli_parse_size(optarg, 1, SIZE_MAX / 2, &a->reps))
                return cli_usage_error(
                    "run", "--reps needs a whole number of at least 1, not \"%s\"", optarg);
            a->have_reps = true;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &a->seed))
                return cli_usage_error(
                    "run",
                    "--seed needs a whole number from 0 to 2^64-1 (decimal or 0x hex), not \"%s\"",
                    optarg);
            a->have_seed = true;
            break;
        case OPT_THREADS:
            if (!cli_parse_size(optarg, 1, MAX_THREADS, &n))
                return cli_usage_error(
                    "run", "--threads needs a whole number from 1 to 1024, not \"%s\"", optarg);
            a->threads = (int)n;
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                return cli_usage_error("run", "--set needs section.key=value, not \"%s\"", optarg);
            a->sets[a->set_count++] = optarg;
            break;
        case OPT_OUT:
            if (!*optarg)
                return cli_usage_error("run", "--out needs a directory");
            a->out = optarg;
            break;
        case OPT_PRECISION:
            if (!cli_parse_real(optarg, 1e-9, 1, &a->precision) || a->precision >= 1)
                return cli_usage_error("run",
                                       "--precision needs a fraction between 0 and 1 "
                                       "(e.g. 0.05), not \"%s\"",
                                       optarg);
            break;
        case OPT_PRECISION_OUTCOMES:
            a->precision_outcomes = optarg;
            break;
        case OPT_MAX_REPS:
            if (!cli_parse_size(optarg, 2, SIZE_MAX / 2, &a->max_reps))
                return cli_usage_error(
                    "run", "--max-reps needs a whole number of at least 2, not \"%s\"", optarg);
            a->have_max_reps = true;
            break;
        case OPT_QUIET:
            a->quiet = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case ':':
            return cli_usage_error("run", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("run", "no scenario FILE given");
    if (argc - optind > 1)
        return cli_usage_error("run",
                               "one scenario FILE at a time (extra: \"%s\"); "
                               "use `cpsim compare` for several",
                               argv[optind + 1]);
    a->file = argv[optind];
    if (a->precision <= 0 && (a->precision_outcomes || a->have_max_reps))
        return cli_usage_error("run", "%s only makes sense with --precision",
                               a->precision_outcomes ? "--precision-outcomes" : "--max-reps");
    return -1;
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
    for (size_t i = 0; cli_main_outcomes[i]; i++) {
        int k = cp_outcome_find(cli_main_outcomes[i]);
        if (k < 0)
            continue;
        const cp_summary *s = &exp->summary[k];
        char mean[32], lo[32], hi[32], ci[80];
        cli_format_value(s->mean, mean, sizeof mean);
        cli_format_value(s->ci_low, lo, sizeof lo);
        cli_format_value(s->ci_high, hi, sizeof hi);
        if (s->n >= 2)
            snprintf(ci, sizeof ci, "%s to %s", lo, hi);
        else
            snprintf(ci, sizeof ci, "-");
        const char *row[] = {cli_main_outcomes[i], mean, ci,
                             cp_outcome_info_get((cp_outcome_id)k)->unit};
        cli_table_row(&t, row);
    }
    cli_table_print(&t, to);
    cli_table_fini(&t);
}

/* Everything after parsing: load, run, write, print. */
static int run_main(run_args *a, const char *const *cmdline, int cmdline_count, double t_start,
                    const char *start_utc) {
    cp_experiment_options opt;
    memset(&opt, 0, sizeof opt);
    if (a->precision > 0) {
        int code = parse_precision_outcomes(
            a->precision_outcomes ? a->precision_outcomes : DEFAULT_PRECISION_OUTCOME, &opt);
        if (code >= 0)
            return code;
    }

    /* --reps and --seed become the last assignments (see the file comment). */
    char reps_set[64], seed_set[64];
    if (a->have_reps) {
        snprintf(reps_set, sizeof reps_set, "simulation.replications=%zu", a->reps);
        a->sets[a->set_count++] = reps_set;
    }
    if (a->have_seed) {
        snprintf(seed_set, sizeof seed_set, "simulation.seed=%" PRIu64, a->seed);
        a->sets[a->set_count++] = seed_set;
    }

    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load(a->file, a->sets, a->set_count, &cfg, &diags);
    if (st != CP_OK) {
        int code = cli_report_diagnostics("run", &diags, st, a->file);
        cp_diagnostics_fini(&diags);
        return code;
    }
    cp_diagnostics_fini(&diags);

    cp_experiment_options from_cfg;
    cp_experiment_options_defaults(&from_cfg, &cfg);
    opt.seed = from_cfg.seed;
    opt.replications = from_cfg.replications;
    opt.threads = a->threads;
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
    cli_scenario_basename(a->file, base, sizeof base);
    if (a->out) {
        snprintf(out_dir, sizeof out_dir, "%s", a->out);
    } else {
        int code = cli_default_out_dir("run", base, out_dir, sizeof out_dir);
        if (code >= 0)
            return code;
    }
    cp_error err;
    cp_error_clear(&err);
    /* Before the run: a typo in --out should cost a second, not an hour. */
    if (cp_output_dir_prepare(out_dir, &err) != CP_OK)
        return cli_report_error("run", &err);

    cli_progress progress;
    cli_progress_init(&progress, a->quiet, "run");
    opt.progress = cli_progress_update;
    opt.progress_ctx = &progress;

    cp_experiment *exp = cp_experiment_create(&cfg, &opt, &err);
    if (!exp)
        return cli_report_error("run", &err);
    st = cp_experiment_run(exp, &err);
    cli_progress_finish(&progress);
    if (st == CP_OK && cli_interrupted)
        st = cp_error_set(&err, CP_EINTERRUPTED, "interrupted; nothing written");
    if (st == CP_OK) {
        cp_run_info info = {.argc = cmdline_count,
                            .argv = cmdline,
                            .start_time_utc = start_utc,
                            .wall_seconds = cp_monotonic_seconds() - t_start,
                            .scenario_path = a->file,
                            .scenario_label = base};
        st = cp_experiment_write(exp, out_dir, &info, &err);
    }
    if (st != CP_OK) {
        cp_experiment_destroy(exp);
        return cli_report_error("run", &err);
    }

    printf("%s: %zu replications, seed %" PRIu64 ", %d thread%s, %.1f s\n\n", a->file,
           exp->replications, exp->options.seed, a->threads, a->threads == 1 ? "" : "s",
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
    /* Copied before getopt_long permutes argv: the manifest records the
     * command line as typed. */
    const char **cmdline = cli_command_line(argc, argv);
    if (!cmdline) {
        fprintf(stderr, "cpsim run: out of memory\n");
        return 1;
    }
    run_args a;
    int code = parse_args(argc, argv, &a);
    if (code < 0)
        code = run_main(&a, cmdline, argc + 1, t_start, start_utc);
    free(a.sets);
    free(cmdline);
    return code;
}
