/* cmd_report.c: `cpsim report FILE [FILE...] [options]`: one self-contained
 * HTML page (inline SVG charts, inline CSS, no script, works offline) with a
 * plain-language summary, for trainers showing what caseloads do to a team.
 *
 * With several files the scenarios run with the same master seed and
 * replication numbers (common random numbers: the first file's seed unless
 * --seed is given), so the page can show paired differences; --set applies
 * to every scenario. --reps and --seed become the last --set assignments,
 * exactly as in `cpsim run`, so the schema range-checks them.
 *
 * Order of work: parse (exit 2), load every scenario with all diagnostics
 * (exit 2), check the output's directory exists (exit 1) before spending
 * minutes on the run, run (exit 75 when interrupted, nothing written), then
 * write the page atomically (exit 1 on an I/O error, old page untouched).
 */
#include "cli.h"
#include "options.h"
#include "report_cli.h"
#include "term.h"

#include "cpsim/chart.h"
#include "cpsim/experiment.h"
#include "cpsim/report.h"
#include "cpsim/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SCENARIOS 8

static void usage(FILE *to) {
    fprintf(to, "usage: cpsim report FILE [FILE...] [options]\n"
                "\n"
                "Runs the scenario(s) and writes one self-contained HTML page: a plain-language\n"
                "summary with confidence intervals, the waiting list, caseloads, staff in post,\n"
                "burnout and harm by cause as inline charts. It opens offline in any browser.\n"
                "With several FILEs the scenarios are shown side by side and compared run for\n"
                "run (same seed and replications for all: common random numbers).\n"
                "\n"
                "options:\n"
                "  --reps N              replications (default: the first file's\n"
                "                        simulation.replications)\n"
                "  --seed S              master seed (default: the first file's simulation.seed)\n"
                "  --set section.key=V   override a key in every scenario (repeatable)\n"
                "  --threads T           worker threads (default 1); same page for every T\n"
                "  --out PATH.html       where to write (default out/NAME.html)\n"
                "  --title TEXT          the page's title\n"
                "  --quiet               no progress bar\n"
                "  --help                this text\n"
                "\n"
                "exit codes: 0 done, 2 bad command line or scenario, 75 interrupted (nothing\n"
                "written), 1 anything else\n");
}

enum { OPT_TITLE = CLI_OPT_OWN };

static int on_own(void *ctx, int id, const char *value) {
    (void)id; /* --title is the only one */
    *(const char **)ctx = value;
    return -1;
}

/* ---- shared with `cpsim run --report` ------------------------------------------ */

char *cli_join_command_line(int argc, const char *const *argv) {
    cp_buf b;
    cp_buf_init(&b);
    for (int i = 0; i < argc && argv[i]; i++) {
        const char *s = argv[i];
        bool plain = *s != '\0';
        for (const char *p = s; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "-_./=:,+@%",
                        *p))
                plain = false;
        if (i)
            cp_buf_puts(&b, " ");
        if (plain) {
            cp_buf_puts(&b, s);
            continue;
        }
        /* single quotes, with ' written as '\'' */
        cp_buf_puts(&b, "'");
        for (const char *p = s; *p; p++) {
            if (*p == '\'')
                cp_buf_puts(&b, "'\\''");
            else
                cp_buf_append(&b, p, 1);
        }
        cp_buf_puts(&b, "'");
    }
    if (b.failed || !b.data) {
        cp_buf_fini(&b);
        return NULL;
    }
    return b.data;
}

cp_status cli_report_write_file(const char *path, const cp_report *r, cp_error *err) {
    char dir[CP_PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name)
        return cp_error_set(err, CP_EINPUT, "the report needs a file name, not the directory %s",
                            path);
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    cp_buf b;
    cp_buf_init(&b);
    cp_report_html(&b, r);
    cp_status st;
    if (b.failed || !b.data)
        st = cp_error_set(err, CP_ENOMEM, "out of memory building the report");
    else
        st = cp_file_write_atomic(dir, name, b.data, b.len, err);
    cp_buf_fini(&b);
    return st;
}

cp_status cli_report_write_run(const cp_experiment *exp, const cp_burnout_bins *bins,
                               const char *path, const char *scenario_path, const char *label,
                               int argc, const char *const *argv, cp_error *err) {
    char utc[32];
    cp_time_utc_iso8601(utc, sizeof utc);
    char *cmd = cli_join_command_line(argc, argv);
    cp_report_scenario sc = {.label = label, .path = scenario_path, .exp = exp, .burnout = bins};
    cp_report r = {.scenarios = &sc, .count = 1, .command_line = cmd, .generated_utc = utc};
    cp_status st = cli_report_write_file(path, &r, err);
    free(cmd);
    return st;
}

int cli_report_check_path(const char *command, const char *option, const char *path) {
    char dir[CP_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        return -1;
    snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "cpsim %s: cannot write %s: %s is not a directory%s\n", command, path, dir,
                errno == ENOENT ? " (it does not exist)" : "");
        return 1;
    }
    if (slash[1] == '\0')
        return cli_usage_error(command, "%s needs a file name, not a directory", option);
    return -1;
}

/* ---- the command ------------------------------------------------------------------- */

static int report_main(const cli_command *cmd, const cli_common *a, const char *title) {
    cp_config cfgs[MAX_SCENARIOS];
    char labels[MAX_SCENARIOS][256];
    for (size_t s = 0; s < a->file_count; s++) {
        int code = cli_load_scenario(cmd, a, a->files[s], NULL, 0, NULL, &cfgs[s]);
        if (code >= 0)
            return code;
        cli_scenario_basename(a->files[s], labels[s], sizeof labels[s]);
    }
    /* Two files with one base name still need telling apart. */
    for (size_t s = 1; s < a->file_count; s++)
        for (size_t t = 0; t < s; t++)
            if (strcmp(labels[s], labels[t]) == 0)
                snprintf(labels[s] + strlen(labels[s]), sizeof labels[s] - strlen(labels[s]),
                         " (%zu)", s + 1);

    char out[CP_PATH_MAX];
    if (a->out) {
        snprintf(out, sizeof out, "%s", a->out);
    } else {
        char dir[CP_PATH_MAX];
        char name[600];
        snprintf(name, sizeof name, "%s%s%s", labels[0], a->file_count > 1 ? "-vs-" : "",
                 a->file_count > 1 ? labels[1] : "");
        int code = cli_default_out_dir("report", "", dir, sizeof dir);
        if (code >= 0)
            return code;
        snprintf(out, sizeof out, "out/%s.html", name);
    }
    int code = cli_report_check_path("report", "--out", out);
    if (code >= 0)
        return code;

    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfgs[0]); /* seed and replications of the first */
    opt.threads = a->threads;
    opt.interrupt = &cli_interrupted;
    cli_progress progress;
    cli_progress_init(&progress, a->quiet, "report");
    cp_error err;
    cp_error_clear(&err);
    cp_experiment *exps[MAX_SCENARIOS] = {NULL};
    cp_burnout_bins bins[MAX_SCENARIOS];
    memset(bins, 0, sizeof bins);
    cp_report_scenario scen[MAX_SCENARIOS];
    cp_status st = CP_OK;
    cli_install_signal_handlers();
    double t0 = cp_monotonic_seconds();
    for (size_t s = 0; s < a->file_count && st == CP_OK; s++) {
        st = cp_burnout_bins_init(&bins[s], opt.replications, &err);
        if (st != CP_OK)
            break;
        cp_experiment_options o = opt;
        o.on_replication = cp_burnout_bins_record;
        o.replication_ctx = &bins[s];
        o.progress = cli_progress_update;
        o.progress_ctx = &progress;
        exps[s] = cp_experiment_create(&cfgs[s], &o, &err);
        if (!exps[s]) {
            st = err.status;
            break;
        }
        st = cp_experiment_run(exps[s], &err);
        scen[s] = (cp_report_scenario){
            .label = labels[s], .path = a->files[s], .exp = exps[s], .burnout = &bins[s]};
    }
    cli_progress_finish(&progress);
    if (st == CP_OK && cli_interrupted)
        st = cp_error_set(&err, CP_EINTERRUPTED, "interrupted; nothing written");
    if (st == CP_OK) {
        char utc[32];
        cp_time_utc_iso8601(utc, sizeof utc);
        char *line = cli_join_command_line(a->typed_count, a->typed);
        cp_report r = {.title = title,
                       .scenarios = scen,
                       .count = a->file_count,
                       .command_line = line,
                       .generated_utc = utc};
        st = cli_report_write_file(out, &r, &err);
        free(line);
    }
    if (st == CP_OK) {
        const cp_summary *u = &exps[0]->summary[CP_OUT_UNALLOCATED_MEAN];
        char m[32], lo[32], hi[32];
        cp_format_plain(m, sizeof m, u->mean);
        cp_format_plain(lo, sizeof lo, u->ci_low);
        cp_format_plain(hi, sizeof hi, u->ci_high);
        printf("%s: %zu runs, seed %" PRIu64 ", %.1f s: on average %s cases waiting "
               "(95%% CI %s to %s)\n",
               labels[0], exps[0]->replications, exps[0]->options.seed, cp_monotonic_seconds() - t0,
               m, lo, hi);
        printf("Wrote the report to %s\n", out);
    }
    for (size_t s = 0; s < a->file_count; s++) {
        cp_experiment_destroy(exps[s]);
        cp_burnout_bins_fini(&bins[s]);
    }
    return st == CP_OK ? 0 : cli_report_error("report", &err);
}

int cli_report(int argc, char **argv) {
    static const cli_own_option own[] = {{"title", true, OPT_TITLE}, {NULL, false, 0}};
    const char *title = NULL;
    const cli_command cmd = {.name = "report",
                             .usage = usage,
                             .common = CLI_OPT_EXPERIMENT,
                             .reps_min = 1,
                             .reps_max = 1000000,
                             .reps_is_key = true,
                             .out_needs = "a file name",
                             .files_max = MAX_SCENARIOS,
                             .own = own,
                             .on_own = on_own,
                             .ctx = &title};
    cli_common c;
    int code = cli_options_parse(&cmd, argc, argv, &c);
    if (code >= 0)
        return code;
    code = report_main(&cmd, &c, title);
    cli_common_fini(&c);
    return code;
}
