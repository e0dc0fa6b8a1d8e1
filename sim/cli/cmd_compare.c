/* cmd_compare.c: `cpsim compare`: paired comparison of scenarios with common
 * random numbers.
 *
 *   cpsim compare BASE.ini [OTHER.ini ...] [--variant "k=v[; k=v ...]"]...
 *                 [--set k=v]... [--reps N] [--seed S] [--threads T]
 *                 [--out DIR] [--quiet]
 *
 * The first file is the baseline. Each further file, and each --variant (the
 * baseline with the given assignments, separated by ';' because a list value
 * such as demand.seasonal holds commas), is a scenario compared with it.
 * --set applies to every scenario alike. Every scenario runs the same
 * replication numbers with the same seed (--seed, else the baseline's
 * simulation.seed; --reps, else the baseline's simulation.replications), so
 * replication r of each sees the same random streams, and differences are
 * taken replication by replication.
 *
 * Writes compare.csv and manifest.json into DIR (default out/compare-NAME)
 * and prints, for the headline outcomes, each scenario's difference from
 * the baseline with its 95% CI and how much narrower pairing made it than
 * an unpaired comparison would have been. Exit codes as for `run`.
 */
#include "cli.h"
#include "term.h"

#include "cpsim/experiment.h"
#include "cpsim/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 1024
#define LABEL_MAX 200

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim compare BASE.ini [OTHER.ini ...] [options]\n"
            "\n"
            "Runs every scenario with the same seed and replication numbers (common random\n"
            "numbers) and reports paired differences from the first, BASE.ini.\n"
            "\n"
            "options:\n"
            "  --variant \"k=v[; k=v]\" another scenario: BASE.ini with these assignments\n"
            "                        (repeatable; separate assignments with ';')\n"
            "  --set section.key=V   override a key in every scenario (repeatable)\n"
            "  --reps N              replications per scenario (default: BASE's\n"
            "                        simulation.replications)\n"
            "  --seed S              master seed shared by all (default: BASE's simulation.seed)\n"
            "  --threads T           worker threads (default 1); results identical for every T\n"
            "  --out DIR             output directory (default out/compare-NAME)\n"
            "  --quiet               no progress bar\n"
            "  --help                this text\n"
            "\n"
            "examples:\n"
            "  cpsim compare scenarios/baseline.ini scenarios/retention-package.ini\n"
            "  cpsim compare scenarios/baseline.ini --variant \"caseload.cap_cases=20\" \\\n"
            "                --variant \"caseload.cap_cases=15; team.social_workers=14\"\n"
            "\n"
            "exit codes: 0 done, 2 bad command line or scenario, 75 interrupted (nothing\n"
            "written; run again), 1 anything else\n");
}

typedef struct scenario_spec {
    const char *path;    /* the file to load */
    const char *variant; /* NULL, or the --variant text */
    char label[LABEL_MAX];
} scenario_spec;

typedef struct compare_args {
    scenario_spec *specs;
    size_t count;
    const char **sets;
    size_t set_count;
    bool have_reps, have_seed;
    size_t reps;
    uint64_t seed;
    int threads;
    const char *out;
    bool quiet;
} compare_args;

static void free_args(compare_args *a) {
    free(a->specs);
    free(a->sets);
}

static int parse_args(int argc, char **argv, compare_args *a) {
    enum {
        OPT_VARIANT = 1000,
        OPT_SET,
        OPT_REPS,
        OPT_SEED,
        OPT_THREADS,
        OPT_OUT,
        OPT_QUIET,
        OPT_HELP
    };
    static const struct option longopts[] = {{"variant", required_argument, NULL, OPT_VARIANT},
                                             {"set", required_argument, NULL, OPT_SET},
                                             {"reps", required_argument, NULL, OPT_REPS},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             {"threads", required_argument, NULL, OPT_THREADS},
                                             {"out", required_argument, NULL, OPT_OUT},
                                             {"quiet", no_argument, NULL, OPT_QUIET},
                                             {"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->threads = 1;
    a->specs = calloc((size_t)argc + 1, sizeof *a->specs);
    a->sets = calloc((size_t)argc + 1, sizeof *a->sets);
    if (!a->specs || !a->sets) {
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    /* Variants are collected first and placed after the files once parsing
     * is done, because getopt_long moves the file operands to the end. */
    const char **variants = calloc((size_t)argc + 1, sizeof *variants);
    if (!variants) {
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    size_t variant_count = 0;
    optind = 1;
    opterr = 0;
    int c, code = -1;
    while (code < 0 && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        size_t n;
        switch (c) {
        case OPT_VARIANT:
            if (!strchr(optarg, '='))
                code = cli_usage_error("compare",
                                       "--variant needs section.key=value[; ...], "
                                       "not \"%s\"",
                                       optarg);
            else
                variants[variant_count++] = optarg;
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                code =
                    cli_usage_error("compare", "--set needs section.key=value, not \"%s\"", optarg);
            else
                a->sets[a->set_count++] = optarg;
            break;
        case OPT_REPS:
            if (!cli_parse_size(optarg, 2, SIZE_MAX / 2, &a->reps))
                code = cli_usage_error("compare",
                                       "--reps needs a whole number of at least 2 "
                                       "(a paired interval needs two), not \"%s\"",
                                       optarg);
            a->have_reps = true;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &a->seed))
                code = cli_usage_error(
                    "compare",
                    "--seed needs a whole number from 0 to 2^64-1 (decimal or 0x hex), not \"%s\"",
                    optarg);
            a->have_seed = true;
            break;
        case OPT_THREADS:
            if (!cli_parse_size(optarg, 1, MAX_THREADS, &n))
                code = cli_usage_error(
                    "compare", "--threads needs a whole number from 1 to 1024, not \"%s\"", optarg);
            a->threads = (int)n;
            break;
        case OPT_OUT:
            if (!*optarg)
                code = cli_usage_error("compare", "--out needs a directory");
            a->out = optarg;
            break;
        case OPT_QUIET:
            a->quiet = true;
            break;
        case OPT_HELP:
            usage(stdout);
            code = 0;
            break;
        case ':':
            code = cli_usage_error("compare", "%s needs a value", argv[optind - 1]);
            break;
        default:
            code = cli_usage_error("compare", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (code < 0 && optind >= argc)
        code = cli_usage_error("compare", "no baseline scenario FILE given");
    if (code < 0) {
        for (int i = optind; i < argc; i++)
            a->specs[a->count++].path = argv[i];
        for (size_t v = 0; v < variant_count; v++) {
            a->specs[a->count].path = a->specs[0].path;
            a->specs[a->count++].variant = variants[v];
        }
        if (a->count < 2)
            code = cli_usage_error("compare", "nothing to compare with: give a second FILE or "
                                              "a --variant");
    }
    free(variants);
    return code;
}

/* Splits a variant's text on ';' into trimmed assignments appended to sets.
 * The pieces point into `storage`, a copy the caller frees. */
static size_t split_variant(const char *variant, char **storage, const char **sets, size_t count) {
    size_t len = strlen(variant) + 1;
    *storage = malloc(len);
    if (!*storage)
        return count;
    memcpy(*storage, variant, len);
    for (char *save = NULL, *part = strtok_r(*storage, ";", &save); part;
         part = strtok_r(NULL, ";", &save)) {
        while (*part == ' ' || *part == '\t')
            part++;
        char *end = part + strlen(part);
        while (end > part && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*part)
            sets[count++] = part;
    }
    return count;
}

/* Gives every scenario a label: the file's base name, or the variant text;
 * a repeated label gets " (2)", " (3)"... so compare.csv rows stay apart. */
static void make_labels(compare_args *a) {
    for (size_t s = 0; s < a->count; s++) {
        scenario_spec *sp = &a->specs[s];
        if (sp->variant)
            snprintf(sp->label, sizeof sp->label, "%s", sp->variant);
        else
            cli_scenario_basename(sp->path, sp->label, sizeof sp->label);
    }
    /* Numbered from the back so earlier labels are still unsuffixed when
     * later ones are compared with them. */
    for (size_t s = a->count; s-- > 1;) {
        int same = 1;
        for (size_t t = 0; t < s; t++)
            if (strcmp(a->specs[t].label, a->specs[s].label) == 0)
                same++;
        if (same > 1) {
            char *label = a->specs[s].label;
            size_t n = strlen(label);
            if (n > LABEL_MAX - 16)
                n = LABEL_MAX - 16;
            snprintf(label + n, LABEL_MAX - n, " (%d)", same);
        }
    }
}

/* Loads scenario s with the common sets, its variant, then reps and seed. */
static cp_status load_one(const compare_args *a, size_t s, const char *const *extra,
                          size_t extra_count, cp_config *cfg, cp_diagnostics *diags) {
    const char **sets = calloc(a->set_count + extra_count + 64, sizeof *sets);
    char *storage = NULL;
    if (!sets)
        return CP_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < a->set_count; i++)
        sets[n++] = a->sets[i];
    if (a->specs[s].variant)
        n = split_variant(a->specs[s].variant, &storage, sets, n);
    for (size_t i = 0; i < extra_count; i++)
        sets[n++] = extra[i];
    cp_status st = cp_scenario_load(a->specs[s].path, sets, n, cfg, diags);
    free(storage);
    free(sets);
    return st;
}

static void print_table(const cp_comparison *cmp, FILE *to) {
    cli_table t;
    cli_table_init(&t, 6);
    const char *header[] = {"outcome", "<scenario", "baseline", "difference", "95% CI", "narrower"};
    cli_table_row(&t, header);
    for (size_t i = 0; cli_main_outcomes[i]; i++) {
        int k = cp_outcome_find(cli_main_outcomes[i]);
        if (k < 0)
            continue;
        for (size_t s = 1; s < cmp->scenario_count; s++) {
            const cp_paired_summary *p = &cmp->paired[(s - 1) * CP_OUTCOME_COUNT + (size_t)k];
            char base[32], diff[32], lo[32], hi[32], ci[80], narrow[32];
            cli_format_value(p->baseline_mean, base, sizeof base);
            cli_format_value(p->diff_mean, diff, sizeof diff);
            cli_format_value(p->ci_low, lo, sizeof lo);
            cli_format_value(p->ci_high, hi, sizeof hi);
            snprintf(ci, sizeof ci, "%s to %s", lo, hi);
            /* Rounded first, so a tiny widening reads "0%", not "-0%". */
            double pct = round(100 * (1 - p->width_ratio));
            if (isfinite(p->width_ratio))
                snprintf(narrow, sizeof narrow, "%.0f%%", pct == 0 ? 0.0 : pct);
            else
                snprintf(narrow, sizeof narrow, "-");
            const char *row[] = {
                s == 1 ? cli_main_outcomes[i] : "", cmp->labels[s], base, diff, ci, narrow};
            cli_table_row(&t, row);
        }
    }
    cli_table_print(&t, to);
    cli_table_fini(&t);
}

int cli_compare(int argc, char **argv) {
    double t_start = cp_monotonic_seconds();
    char start_utc[32];
    cp_time_utc_iso8601(start_utc, sizeof start_utc);
    /* From the start, so Ctrl-C while loading also means "exit 75, nothing
     * written" rather than death by signal. */
    cli_install_signal_handlers();
    /* Copied before getopt_long permutes argv (manifest.json). */
    const char **full = cli_command_line(argc, argv);
    if (!full) {
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    compare_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0) {
        free_args(&a);
        free(full);
        return code;
    }
    make_labels(&a);

    /* The baseline first, to learn the shared seed and replications. */
    cp_config *cfgs = calloc(a.count, sizeof *cfgs);
    if (!cfgs) {
        free_args(&a);
        free(full);
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = load_one(&a, 0, NULL, 0, &cfgs[0], &diags);
    if (st != CP_OK) {
        code = cli_report_diagnostics("compare", &diags, st, a.specs[0].path);
        goto out;
    }
    uint64_t seed = a.have_seed ? a.seed : cfgs[0].seed;
    size_t reps = a.have_reps ? a.reps : (size_t)cfgs[0].replications;
    if (reps < 2) {
        code = cli_usage_error("compare", "a paired comparison needs at least 2 replications; "
                                          "give --reps");
        goto out;
    }
    char reps_set[64], seed_set[64];
    snprintf(reps_set, sizeof reps_set, "simulation.replications=%zu", reps);
    snprintf(seed_set, sizeof seed_set, "simulation.seed=%" PRIu64, seed);
    const char *extra[] = {reps_set, seed_set};

    /* Every scenario (the baseline again, so its manifest INI records the
     * shared seed and replications), all diagnostics before giving up. */
    cp_status worst = CP_OK;
    for (size_t s = 0; s < a.count; s++) {
        cp_diagnostics_fini(&diags);
        cp_diagnostics_init(&diags);
        st = load_one(&a, s, extra, 2, &cfgs[s], &diags);
        if (st != CP_OK) {
            if (a.specs[s].variant && diags.count > 0)
                fprintf(stderr, "in --variant \"%s\":\n", a.specs[s].variant);
            code = cli_report_diagnostics("compare", &diags, st, a.specs[s].path);
            if (worst == CP_OK || st == CP_EINPUT)
                worst = st;
        }
    }
    if (worst != CP_OK) {
        code = cp_status_exit_code(worst);
        goto out;
    }

    char out_dir[CP_PATH_MAX];
    if (a.out) {
        snprintf(out_dir, sizeof out_dir, "%s", a.out);
    } else {
        char base[256], name[300];
        cli_scenario_basename(a.specs[0].path, base, sizeof base);
        snprintf(name, sizeof name, "compare-%s", base);
        code = cli_default_out_dir("compare", name, out_dir, sizeof out_dir);
        if (code >= 0)
            goto out;
    }
    cp_error err;
    cp_error_clear(&err);
    if (cp_output_dir_prepare(out_dir, &err) != CP_OK) {
        code = cli_report_error("compare", &err);
        goto out;
    }

    cli_progress progress;
    cli_progress_init(&progress, a.quiet, "compare");
    cp_experiment_options opt;
    memset(&opt, 0, sizeof opt);
    opt.seed = seed;
    opt.replications = reps;
    opt.threads = a.threads;
    opt.interrupt = &cli_interrupted;
    opt.progress = cli_progress_update;
    opt.progress_ctx = &progress;

    const char **labels = calloc(a.count, sizeof *labels);
    const char **paths = calloc(a.count, sizeof *paths);
    cp_comparison *cmp = NULL;
    if (!labels || !paths) {
        st = cp_error_set(&err, CP_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t s = 0; s < a.count; s++) {
        labels[s] = a.specs[s].label;
        paths[s] = a.specs[s].path;
    }
    cmp = cp_comparison_create(cfgs, labels, paths, a.count, &opt, &err);
    if (!cmp) {
        st = err.status;
        goto done;
    }
    st = cp_comparison_run(cmp, &err);
    cli_progress_finish(&progress);
    if (st == CP_OK && cli_interrupted)
        st = cp_error_set(&err, CP_EINTERRUPTED, "interrupted; nothing written");
    if (st == CP_OK) {
        cp_run_info info = {.argc = argc + 1,
                            .argv = full,
                            .start_time_utc = start_utc,
                            .wall_seconds = cp_monotonic_seconds() - t_start,
                            .scenario_path = a.specs[0].path,
                            .scenario_label = a.specs[0].label};
        st = cp_comparison_write(cmp, out_dir, &info, &err);
    }
    if (st == CP_OK) {
        printf("baseline %s; %zu replications each, seed %" PRIu64 ", common random numbers\n\n",
               cmp->labels[0], reps, seed);
        print_table(cmp, stdout);
        printf("\ndifference = scenario - baseline, replication by replication; \"narrower\":\n"
               "how much narrower the paired 95%% CI is than an unpaired (Welch) one would be\n"
               "(negative: wider). Every outcome is in compare.csv.\n");
        printf("\nWrote compare.csv and manifest.json to %s/\n", out_dir);
        code = 0;
    } else {
        code = cli_report_error("compare", &err);
    }
done:
    cp_comparison_destroy(cmp);
    free(labels);
    free(paths);
out:
    cp_diagnostics_fini(&diags);
    free(cfgs);
    free_args(&a);
    free(full);
    return code;
}
