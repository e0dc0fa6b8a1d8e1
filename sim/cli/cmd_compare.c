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
#include "options.h"
#include "term.h"

#include "cpsim/experiment.h"
#include "cpsim/scenario.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const char **variants; /* --variant texts, in order */
    size_t variant_count;
} compare_args;

static void free_args(compare_args *a) {
    free(a->specs);
    free(a->variants);
}

enum { OPT_VARIANT = CLI_OPT_OWN };

static int on_own(void *ctx, int id, const char *value) {
    (void)id; /* --variant is the only one */
    compare_args *a = ctx;
    if (!strchr(value, '='))
        return cli_usage_error("compare", "--variant needs section.key=value[; ...], not \"%s\"",
                               value);
    a->variants[a->variant_count++] = value;
    return -1;
}

/* The scenarios: the FILEs in order, then the variants (collected while
 * parsing and placed last, because getopt_long moves the FILEs to the end
 * of argv). Returns -1 to go on, or an exit code. */
static int make_specs(const cli_common *c, compare_args *a) {
    a->specs = calloc(c->file_count + a->variant_count + 1, sizeof *a->specs);
    if (!a->specs) {
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < c->file_count; i++)
        a->specs[a->count++].path = c->files[i];
    for (size_t v = 0; v < a->variant_count; v++) {
        a->specs[a->count].path = a->specs[0].path;
        a->specs[a->count++].variant = a->variants[v];
    }
    if (a->count < 2)
        return cli_usage_error("compare", "nothing to compare with: give a second FILE or "
                                          "a --variant");
    return -1;
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

/* Loads scenario s: the --set values, its variant's assignments, then
 * c's --reps and --seed (cli_load_scenario). Returns -1 or an exit code. */
static int load_one(const cli_command *cmd, const cli_common *c, const compare_args *a, size_t s,
                    cp_config *cfg) {
    const char *variant = a->specs[s].variant;
    const char **pieces = NULL;
    char *storage = NULL;
    size_t n = 0;
    char note[LABEL_MAX + 32] = "";
    if (variant) {
        pieces = calloc(strlen(variant) + 1, sizeof *pieces);
        if (!pieces) {
            fprintf(stderr, "cpsim compare: out of memory\n");
            return 1;
        }
        n = split_variant(variant, &storage, pieces, 0);
        snprintf(note, sizeof note, "in --variant \"%s\":", variant);
    }
    int code = cli_load_scenario(cmd, c, a->specs[s].path, pieces, n, variant ? note : NULL, cfg);
    free(storage);
    free(pieces);
    return code;
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
    static const cli_own_option own[] = {{"variant", true, OPT_VARIANT}, {NULL, false, 0}};
    compare_args a;
    memset(&a, 0, sizeof a);
    a.variants = calloc((size_t)argc + 1, sizeof *a.variants);
    if (!a.variants) {
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    const cli_command cmd = {.name = "compare",
                             .usage = usage,
                             .common = CLI_OPT_EXPERIMENT,
                             .reps_min = 2,
                             .reps_why = " (a paired interval needs two)",
                             .reps_is_key = true,
                             .out_needs = "a directory",
                             .own = own,
                             .on_own = on_own,
                             .ctx = &a};
    cli_common c;
    int code = cli_options_parse(&cmd, argc, argv, &c); /* c released unless -1 */
    if (code < 0)
        code = make_specs(&c, &a);
    if (code >= 0) {
        cli_common_fini(&c);
        free_args(&a);
        return code;
    }
    make_labels(&a);

    /* The baseline first, to learn the shared seed and replications. */
    cp_config *cfgs = calloc(a.count, sizeof *cfgs);
    if (!cfgs) {
        cli_common_fini(&c);
        free_args(&a);
        fprintf(stderr, "cpsim compare: out of memory\n");
        return 1;
    }
    code = load_one(&cmd, &c, &a, 0, &cfgs[0]);
    if (code >= 0)
        goto out;
    uint64_t seed = cfgs[0].seed;
    size_t reps = (size_t)cfgs[0].replications;
    if (reps < 2) {
        code = cli_usage_error("compare", "a paired comparison needs at least 2 replications; "
                                          "give --reps");
        goto out;
    }

    /* Every scenario (the baseline again, so its manifest INI records the
     * shared seed and replications), all diagnostics before giving up. */
    cli_common shared = c;
    shared.have_reps = shared.have_seed = true;
    shared.reps = reps;
    shared.seed = seed;
    for (size_t s = 0; s < a.count; s++) {
        int one = load_one(&cmd, &shared, &a, s, &cfgs[s]);
        if (one >= 0 && (code < 0 || one == 2))
            code = one; /* bad input wins over any other failure */
    }
    if (code >= 0)
        goto out;

    char out_dir[CP_PATH_MAX];
    if (c.out) {
        snprintf(out_dir, sizeof out_dir, "%s", c.out);
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
    cp_status st = CP_OK;
    if (cp_output_dir_prepare(out_dir, &err) != CP_OK) {
        code = cli_report_error("compare", &err);
        goto out;
    }

    cli_progress progress;
    cli_progress_init(&progress, c.quiet, "compare");
    cp_experiment_options opt;
    memset(&opt, 0, sizeof opt);
    opt.seed = seed;
    opt.replications = reps;
    opt.threads = c.threads;
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
        cp_run_info info = {.argc = c.typed_count,
                            .argv = c.typed,
                            .start_time_utc = start_utc,
                            .wall_seconds = cp_monotonic_seconds() - t_start,
                            .scenario_path = a.specs[0].path,
                            .scenario_label = a.specs[0].label};
        st = cp_comparison_write(cmp, out_dir, &info, &err);
    }
    if (st == CP_OK) {
        /* The baseline by its path: its label is the file's base name, and
         * "baseline baseline;" for scenarios/baseline.ini read like a typo. */
        printf("Baseline: %s; %zu replications each, seed %" PRIu64 ", common random numbers\n\n",
               a.specs[0].path, reps, seed);
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
    free(cfgs);
    cli_common_fini(&c);
    free_args(&a);
    return code;
}
