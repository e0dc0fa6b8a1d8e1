/* cmd_story.c: `cpsim story FILE [--weeks N] [options]`: one replication
 * told week by week in plain language, for a trainer to read out.
 *
 * The story is replication R (default 0) of the scenario with its master
 * seed, so it is the same run as row R of runs.csv from `cpsim run` with
 * the same seed and --set values: a trainer can pick an interesting run
 * from the table and tell its story. The text comes from the model's
 * observer (cpsim/narrate.h); this file only parses (options.h) and prints.
 * --seed becomes the scenario's simulation.seed, so the seed printed is the
 * one the scenario ran with.
 */
#include "cli.h"
#include "options.h"
#include "term.h"

#include "cpsim/narrate.h"
#include "cpsim/scenario.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WEEKS 26

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim story FILE [--weeks N] [options]\n"
            "\n"
            "Tells the story of one run week by week in plain language: who joined and\n"
            "left, whose caseload went over the cap, high-risk cases left waiting,\n"
            "sickness, harm and why it was missed. Same seed, same story.\n"
            "\n"
            "options:\n"
            "  --weeks N             weeks to tell (default %d)\n"
            "  --from-start          count weeks from day 0, warm-up included (default:\n"
            "                        from the end of the warm-up)\n"
            "  --seed S              master seed (default: simulation.seed)\n"
            "  --replication R       which run (default 0; row R of runs.csv)\n"
            "  --set section.key=V   override a scenario key (repeatable)\n"
            "  --help                this text\n",
            DEFAULT_WEEKS);
}

typedef struct story_args {
    size_t weeks;
    bool from_start;
} story_args;

enum { OPT_WEEKS = CLI_OPT_OWN, OPT_FROM_START };

static int on_own(void *ctx, int id, const char *value) {
    story_args *a = ctx;
    if (id == OPT_FROM_START) {
        a->from_start = true;
        return -1;
    }
    if (!cli_parse_size(value, 1, 100000, &a->weeks))
        return cli_usage_error("story", "--weeks needs a whole number from 1 to 100000, not \"%s\"",
                               value);
    return -1;
}

int cli_story(int argc, char **argv) {
    static const cli_own_option own[] = {
        {"weeks", true, OPT_WEEKS}, {"from-start", false, OPT_FROM_START}, {NULL, false, 0}};
    story_args a = {.weeks = DEFAULT_WEEKS, .from_start = false};
    cli_one_run run;
    int code = cli_one_run_load("story", usage, own, on_own, &a, argc, argv, &run);
    if (code >= 0)
        return code;

    char label[256];
    cli_scenario_basename(run.file, label, sizeof label);
    cp_narrate_options opt = {.weeks = (int)a.weeks, .from_start = a.from_start, .label = label};
    cp_buf out;
    cp_buf_init(&out);
    cp_error err;
    cp_error_clear(&err);
    cp_status st = cp_narrate_run(&run.cfg, run.cfg.seed, run.replication, &opt, &out, &err);
    if (st != CP_OK) {
        cp_buf_fini(&out);
        return cli_report_error("story", &err);
    }
    printf("(seed %" PRIu64 ", replication %" PRIu64 ")\n", run.cfg.seed, run.replication);
    fwrite(out.data, 1, out.len, stdout);
    cp_buf_fini(&out);
    return fflush(stdout) == 0 ? 0 : 1;
}
