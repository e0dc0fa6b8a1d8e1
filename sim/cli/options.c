/* options.c: the shared option parser and scenario loader of the scenario
 * commands (contract in options.h).
 *
 * One getopt_long table is built per call from the shared options a command
 * asked for plus its own, so an option a command does not take is "unknown"
 * there. getopt_long permutes argv (FILEs may come after options), which is
 * why the typed command line is copied first.
 */
#include "options.h"

#include "term.h"

#include "cpsim/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { ID_REPS = 1000, ID_SEED, ID_THREADS, ID_SET, ID_OUT, ID_QUIET, ID_REPLICATION, ID_HELP };

/* Every shared option, in the order of the CLI_OPT_* bits. */
static const struct {
    unsigned bit;
    const char *name;
    int has_arg;
    int id;
} shared[] = {{CLI_OPT_REPS, "reps", required_argument, ID_REPS},
              {CLI_OPT_SEED, "seed", required_argument, ID_SEED},
              {CLI_OPT_THREADS, "threads", required_argument, ID_THREADS},
              {CLI_OPT_SET, "set", required_argument, ID_SET},
              {CLI_OPT_OUT, "out", required_argument, ID_OUT},
              {CLI_OPT_QUIET, "quiet", no_argument, ID_QUIET},
              {CLI_OPT_REPLICATION, "replication", required_argument, ID_REPLICATION}};

#define SHARED_COUNT (sizeof shared / sizeof shared[0])
#define OWN_MAX 16

/* One shared option's value into c; -1 to go on, or an exit code. */
static int take_shared(const cli_command *cmd, int id, const char *v, cli_common *c) {
    const char *name = cmd->name;
    size_t n;
    switch (id) {
    case ID_REPS: {
        size_t max = cmd->reps_max ? cmd->reps_max : SIZE_MAX / 2;
        const char *why = cmd->reps_why ? cmd->reps_why : "";
        if (!cli_parse_size(v, cmd->reps_min, max, &c->reps)) {
            if (cmd->reps_max)
                return cli_usage_error(name,
                                       "--reps needs a whole number from %zu to %zu%s, not \"%s\"",
                                       cmd->reps_min, max, why, v);
            return cli_usage_error(name,
                                   "--reps needs a whole number of at least %zu%s, not \"%s\"",
                                   cmd->reps_min, why, v);
        }
        c->have_reps = true;
        return -1;
    }
    case ID_SEED:
        if (!cli_parse_u64(v, &c->seed))
            return cli_usage_error(
                name,
                "--seed needs a whole number from 0 to 2^64-1 (decimal or 0x hex), not \"%s\"", v);
        c->have_seed = true;
        return -1;
    case ID_THREADS: {
        int max = cmd->threads_max > 0 ? cmd->threads_max : CLI_THREADS_MAX;
        if (!cli_parse_size(v, 1, (size_t)max, &n))
            return cli_usage_error(name, "--threads needs a whole number from 1 to %d, not \"%s\"",
                                   max, v);
        c->threads = (int)n;
        return -1;
    }
    case ID_SET:
        if (!strchr(v, '='))
            return cli_usage_error(name, "--set needs section.key=value, not \"%s\"", v);
        c->sets[c->set_count++] = v;
        return -1;
    case ID_OUT:
        if (!*v)
            return cli_usage_error(name, "--out needs %s",
                                   cmd->out_needs ? cmd->out_needs : "a directory");
        c->out = v;
        return -1;
    case ID_QUIET:
        c->quiet = true;
        return -1;
    case ID_REPLICATION:
        if (!cli_parse_u64(v, &c->replication))
            return cli_usage_error(name, "--replication needs a whole number, not \"%s\"", v);
        return -1;
    default:
        break;
    }
    CP_ASSERT(false);
    return 1;
}

/* The option getopt_long could not take, as the user wrote it. */
static const char *offending(int argc, char **argv, char *buf, size_t size) {
    /* A short option ("-x") leaves its letter in optopt; our own ids are
     * all >= 1000 and a long option that is unknown leaves 0. */
    if (optopt > 0 && optopt < 128) {
        snprintf(buf, size, "-%c", optopt);
        return buf;
    }
    return optind - 1 < argc ? argv[optind - 1] : "?";
}

static int parse(const cli_command *cmd, int argc, char **argv, cli_common *c) {
    memset(c, 0, sizeof *c);
    c->threads = cmd->threads_default > 0 ? cmd->threads_default : 1;
    c->typed = cli_command_line(argc, argv);
    c->typed_count = argc + 1;
    c->sets = calloc((size_t)argc + 1, sizeof *c->sets);
    if (!c->typed || !c->sets) {
        fprintf(stderr, "cpsim %s: out of memory\n", cmd->name);
        return 1;
    }

    struct option longopts[SHARED_COUNT + OWN_MAX + 2];
    size_t n = 0;
    for (size_t i = 0; i < SHARED_COUNT; i++)
        if (cmd->common & shared[i].bit)
            longopts[n++] = (struct option){shared[i].name, shared[i].has_arg, NULL, shared[i].id};
    for (size_t i = 0; cmd->own && cmd->own[i].name; i++) {
        CP_ASSERT(i < OWN_MAX && cmd->own[i].id >= CLI_OPT_OWN);
        longopts[n++] = (struct option){cmd->own[i].name,
                                        cmd->own[i].has_value ? required_argument : no_argument,
                                        NULL, cmd->own[i].id};
    }
    longopts[n++] = (struct option){"help", no_argument, NULL, ID_HELP};
    longopts[n] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    opterr = 0; /* we say what was wrong ourselves, in our words */
    int ch, code = -1;
    char buf[8];
    while (code < 0 && (ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (ch == ID_HELP) {
            cmd->usage(stdout);
            code = 0;
        } else if (ch == ':') {
            code = cli_usage_error(cmd->name, "%s needs a value",
                                   offending(argc, argv, buf, sizeof buf));
        } else if (ch == '?') {
            code = cli_usage_error(cmd->name, "unknown option \"%s\"",
                                   offending(argc, argv, buf, sizeof buf));
        } else if (ch >= CLI_OPT_OWN) {
            code = cmd->on_own(cmd->ctx, ch, optarg);
        } else {
            code = take_shared(cmd, ch, optarg, c);
        }
    }
    if (code >= 0)
        return code;
    c->files = argv + optind;
    c->file_count = (size_t)(argc - optind);
    if (c->file_count == 0)
        return cli_usage_error(cmd->name, "no scenario FILE given");
    if (cmd->files_max == 1 && c->file_count > 1)
        return cli_usage_error(cmd->name, "one scenario FILE at a time (extra: \"%s\")%s",
                               c->files[1], cmd->files_hint ? cmd->files_hint : "");
    if (cmd->files_max > 1 && c->file_count > cmd->files_max)
        return cli_usage_error(cmd->name, "at most %zu scenario FILEs (extra: \"%s\")",
                               cmd->files_max, c->files[cmd->files_max]);
    return -1;
}

int cli_options_parse(const cli_command *cmd, int argc, char **argv, cli_common *c) {
    int code = parse(cmd, argc, argv, c);
    if (code >= 0)
        cli_common_fini(c);
    return code;
}

void cli_common_fini(cli_common *c) {
    free(c->sets);
    free(c->typed);
    memset(c, 0, sizeof *c);
}

int cli_load_scenario(const cli_command *cmd, const cli_common *c, const char *file,
                      const char *const *more, size_t more_count, const char *note,
                      cp_config *cfg) {
    const char **sets = calloc(c->set_count + more_count + 3, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "cpsim %s: out of memory\n", cmd->name);
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->set_count; i++)
        sets[n++] = c->sets[i];
    for (size_t i = 0; i < more_count; i++)
        sets[n++] = more[i];
    char reps_set[64], seed_set[64];
    if (c->have_reps && cmd->reps_is_key) {
        snprintf(reps_set, sizeof reps_set, "simulation.replications=%zu", c->reps);
        sets[n++] = reps_set;
    }
    if (c->have_seed) {
        snprintf(seed_set, sizeof seed_set, "simulation.seed=%" PRIu64, c->seed);
        sets[n++] = seed_set;
    }
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load(file, sets, n, cfg, &diags);
    free(sets);
    int code = -1;
    if (st != CP_OK) {
        /* --reps travels as a --set of simulation.replications: name the
         * option the user typed in its error. */
        if (c->have_reps && cmd->reps_is_key) {
            char quoted[40];
            snprintf(quoted, sizeof quoted, "\"%zu\"", c->reps);
            for (size_t i = 0; i < diags.count; i++) {
                cp_diagnostic *d = &diags.items[i];
                if (strcmp(d->file, "--set") == 0 && strcmp(d->key, "replications") == 0 &&
                    strstr(d->message, quoted))
                    snprintf(d->file, sizeof d->file, "--reps");
            }
        }
        if (note && diags.count > 0)
            fprintf(stderr, "%s\n", note);
        code = cli_report_diagnostics(cmd->name, &diags, st, file);
    }
    cp_diagnostics_fini(&diags);
    return code;
}

int cli_options_load(const cli_command *cmd, int argc, char **argv, cli_common *c, cp_config *cfg) {
    int code = cli_options_parse(cmd, argc, argv, c);
    if (code < 0)
        code = cli_load_scenario(cmd, c, c->files[0], NULL, 0, NULL, cfg);
    if (code >= 0)
        cli_common_fini(c);
    return code;
}

int cli_one_run_load(const char *name, void (*usage)(FILE *to), const cli_own_option *own,
                     cli_own_fn on_own, void *ctx, int argc, char **argv, cli_one_run *out) {
    const cli_command cmd = {.name = name,
                             .usage = usage,
                             .common = CLI_OPT_ONE_RUN,
                             .files_max = 1,
                             .own = own,
                             .on_own = on_own,
                             .ctx = ctx};
    cli_common c;
    int code = cli_options_load(&cmd, argc, argv, &c, &out->cfg);
    if (code >= 0)
        return code;
    out->file = c.files[0]; /* inside argv, so it outlives c */
    out->replication = c.replication;
    cli_common_fini(&c);
    return -1;
}
