/* main.c: the cpsim executable: dispatches to a subcommand.
 *
 * The cli layer is the only one that prints to the user and decides exit
 * codes: 0 success, 2 bad input or configuration (do not retry), 75
 * interrupted (retry), 1 anything else. Each subcommand lives in its own
 * cmd_<name>.c and returns its exit code.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cli_run, "run a scenario's replications and write runs, summary, time series"},
    {"compare", cli_compare, "compare scenarios with common random numbers (paired differences)"},
    {"validate", cli_validate, "check scenario files; exit 2 with every error"},
    {"keys", cli_keys, "list every scenario key: section.key, type, default, range, description"},
    {"validate-model", cli_validate_model, "run the profiles and compare with published targets"},
    {"calibrate", cli_calibrate, "fit uncertain parameters to a profile's published targets"},
    {"plan", cli_plan, "check a sweep file and write its design and plan folder"},
    {"sweep", cli_sweep, "run a share of a plan's (point, replication) pairs into a shard"},
    {"merge", cli_merge, "check a sweep is complete and write runs.csv and summary.csv"},
    {"sensitivity", cli_sensitivity, "Morris or Sobol sensitivity indices of a merged sweep"},
    {"slurm", cli_slurm, "write a SLURM job array script for a sweep plan"},
    {"report", cli_report, "one self-contained HTML page: plain-language summary and charts"},
    {"story", cli_story, "tell one run week by week in plain language, for a trainer"},
    {"serve", cli_serve, "a live page with sliders that reruns the team as you move them"},
    {"live", cli_live, "draw one run in the terminal as it happens"},
};

static void usage(FILE *to) {
    fprintf(to, "cpsim %s: a discrete-event simulator of a child protection social-work team\n\n"
                "usage: cpsim COMMAND [options]\n\ncommands:\n",
            CPSIM_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n`cpsim COMMAND --help` for a command's options. Exit codes: 0 success, "
                "2 bad input, 75 interrupted (rerun to resume), 1 other failure.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cpsim %s\n", CPSIM_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cpsim: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
