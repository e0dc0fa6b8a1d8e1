/* options.h: the one parser of the options the scenario commands share
 * (run, compare, report, story, serve, live): --reps, --seed, --threads,
 * --set, --out, --quiet, --replication, --help and the scenario FILEs, and
 * the one way they load a scenario with those options applied.
 *
 * Contract: a command describes itself in a cli_command (which shared
 * options it takes and their ranges, its own options with a handler, its
 * usage text, how many FILEs) and cli_options_parse runs getopt_long once
 * over the union. Every command therefore words a bad value the same way,
 * and every bad command line exits 2 with "cpsim CMD: <what was wrong>" and
 * a hint to --help (cli_usage_error). Parsing returns -1 to go on, or the
 * exit code to return at once: 0 after --help, 1 when out of memory, 2 for
 * a bad command line, or whatever a command's own handler returned. On
 * such a return parsing has already released what it took; after -1 the
 * caller releases it with cli_common_fini.
 *
 * We rejected one getopt loop per command (what we had): six copies drifted
 * apart in ranges and wording ("--seed needs a whole number" in one,
 * "...from 0 to 2^64-1 (decimal or 0x hex)" in another) and each new shared
 * option had to be added six times.
 */
#ifndef CPSIM_CLI_OPTIONS_H
#define CPSIM_CLI_OPTIONS_H

#include "cpsim/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The shared options, as bits of cli_command.common. */
enum {
    CLI_OPT_REPS = 1u << 0,
    CLI_OPT_SEED = 1u << 1,
    CLI_OPT_THREADS = 1u << 2,
    CLI_OPT_SET = 1u << 3,
    CLI_OPT_OUT = 1u << 4,
    CLI_OPT_QUIET = 1u << 5,
    CLI_OPT_REPLICATION = 1u << 6,
    /* What the Monte Carlo commands (run, compare, report) all take. */
    CLI_OPT_EXPERIMENT =
        CLI_OPT_REPS | CLI_OPT_SEED | CLI_OPT_THREADS | CLI_OPT_SET | CLI_OPT_OUT | CLI_OPT_QUIET,
    /* What the commands of one replication (story, live) take. */
    CLI_OPT_ONE_RUN = CLI_OPT_SEED | CLI_OPT_REPLICATION | CLI_OPT_SET
};

/* A command's own option; ids are the command's, from CLI_OPT_OWN up. */
#define CLI_OPT_OWN 2000
typedef struct cli_own_option {
    const char *name; /* without the leading "--"; NULL ends a list */
    bool has_value;
    int id;
} cli_own_option;

/* Told of each own option as it is met; returns -1 to go on, or an exit
 * code (cli_usage_error's 2 for a bad value). */
typedef int (*cli_own_fn)(void *ctx, int id, const char *value);

typedef struct cli_command {
    const char *name;        /* "run": messages read "cpsim run: ..." */
    void (*usage)(FILE *to); /* --help prints it to stdout */
    unsigned common;         /* CLI_OPT_* bits */
    size_t reps_min;         /* --reps range; reps_max 0: no upper bound */
    size_t reps_max;
    const char *reps_why;      /* said after the --reps range, or NULL */
    bool reps_is_key;          /* --reps is simulation.replications (not serve's own) */
    int threads_default;       /* 0 means 1 */
    int threads_max;           /* 0 means CLI_THREADS_MAX */
    const char *out_needs;     /* "a directory" or "a file name" */
    size_t files_max;          /* 1: one FILE; 0: any number (at least one) */
    const char *files_hint;    /* said after "one scenario FILE at a time", or NULL */
    const cli_own_option *own; /* may be NULL */
    cli_own_fn on_own;
    void *ctx;
} cli_command;

#define CLI_THREADS_MAX 1024

/* What the shared options said. */
typedef struct cli_common {
    const char **sets; /* the --set values, in order */
    size_t set_count;
    bool have_reps, have_seed;
    size_t reps;
    uint64_t seed;
    int threads;
    const char *out;
    bool quiet;
    uint64_t replication;
    char **files; /* the FILE operands (inside argv) */
    size_t file_count;
    /* The command line as typed, copied before getopt_long permutes argv:
     * "cpsim", the subcommand, its arguments, NULL (for manifest.json and
     * the report's "To reproduce" line). */
    const char **typed;
    int typed_count;
} cli_common;

/* argv[0] is the subcommand. See the contract for the return value. */
int cli_options_parse(const cli_command *cmd, int argc, char **argv, cli_common *out);
/* Safe on a zeroed or already released cli_common. */
void cli_common_fini(cli_common *c);

/* Loads the scenario FILE with the --set values, then `more` (e.g. one
 * --variant's assignments), then --reps (when cmd->reps_is_key) and --seed
 * as the last assignments, so the schema range-checks them like any key and
 * the normalised scenario in the outputs is exactly what ran. On failure it
 * prints `note` (when not NULL and there are diagnostics) and every
 * diagnostic, and returns the exit code; -1 when loaded. */
int cli_load_scenario(const cli_command *cmd, const cli_common *c, const char *file,
                      const char *const *more, size_t more_count, const char *note, cp_config *cfg);

/* For the commands of one FILE: cli_options_parse, then cli_load_scenario
 * of that FILE into cfg; the same return values, and c is released on any
 * return but -1. */
int cli_options_load(const cli_command *cmd, int argc, char **argv, cli_common *c, cp_config *cfg);

/* The commands of one replication of one FILE (story, live): the
 * CLI_OPT_ONE_RUN options and the command's own, the scenario loaded with
 * --seed applied (so cfg.seed is the seed to run), and --replication. */
typedef struct cli_one_run {
    cp_config cfg;
    const char *file;
    uint64_t replication;
} cli_one_run;

int cli_one_run_load(const char *name, void (*usage)(FILE *to), const cli_own_option *own,
                     cli_own_fn on_own, void *ctx, int argc, char **argv, cli_one_run *out);

#endif
