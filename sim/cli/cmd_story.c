/* cmd_story.c: `cpsim story FILE [--weeks N] [options]`: one replication
 * told week by week in plain language, for a trainer to read out.
 *
 * The story is replication R (default 0) of the scenario with its master
 * seed, so it is the same run as row R of runs.csv from `cpsim run` with
 * the same seed and --set values: a trainer can pick an interesting run
 * from the table and tell its story. The text comes from the model's
 * observer (cpsim/narrate.h); this file only parses and prints.
 */
#include "cli.h"
#include "term.h"

#include "cpsim/narrate.h"
#include "cpsim/scenario.h"

#include <getopt.h>
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

int cli_story(int argc, char **argv) {
    enum { OPT_WEEKS = 1000, OPT_FROM_START, OPT_SEED, OPT_REPLICATION, OPT_SET, OPT_HELP };
    static const struct option longopts[] = {
        {"weeks", required_argument, NULL, OPT_WEEKS},
        {"from-start", no_argument, NULL, OPT_FROM_START},
        {"seed", required_argument, NULL, OPT_SEED},
        {"replication", required_argument, NULL, OPT_REPLICATION},
        {"set", required_argument, NULL, OPT_SET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "cpsim story: out of memory\n");
        return 1;
    }
    size_t set_count = 0, weeks = DEFAULT_WEEKS;
    uint64_t seed = 0, replication = 0;
    bool have_seed = false, from_start = false;
    int code = -1;
    optind = 1;
    opterr = 0;
    int c;
    while (code < 0 && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_WEEKS:
            if (!cli_parse_size(optarg, 1, 100000, &weeks))
                code = cli_usage_error("story", "--weeks needs a whole number from 1, not \"%s\"",
                                       optarg);
            break;
        case OPT_FROM_START:
            from_start = true;
            break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &seed))
                code = cli_usage_error(
                    "story", "--seed needs a whole number from 0 to 2^64-1, not \"%s\"", optarg);
            have_seed = true;
            break;
        case OPT_REPLICATION:
            if (!cli_parse_u64(optarg, &replication))
                code = cli_usage_error("story", "--replication needs a whole number, not \"%s\"",
                                       optarg);
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                code =
                    cli_usage_error("story", "--set needs section.key=value, not \"%s\"", optarg);
            else
                sets[set_count++] = optarg;
            break;
        case OPT_HELP:
            usage(stdout);
            code = 0;
            break;
        case ':':
            code = cli_usage_error("story", "%s needs a value", argv[optind - 1]);
            break;
        default:
            code = cli_usage_error("story", "unknown option \"%s\"", argv[optind - 1]);
            break;
        }
    }
    if (code < 0 && optind >= argc)
        code = cli_usage_error("story", "no scenario FILE given");
    if (code < 0 && argc - optind > 1)
        code = cli_usage_error("story", "one scenario FILE at a time (extra: \"%s\")",
                               argv[optind + 1]);
    if (code >= 0) {
        free(sets);
        return code;
    }
    const char *file = argv[optind];
    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load(file, sets, set_count, &cfg, &diags);
    free(sets);
    if (st != CP_OK) {
        code = cli_report_diagnostics("story", &diags, st, file);
        cp_diagnostics_fini(&diags);
        return code;
    }
    cp_diagnostics_fini(&diags);
    if (!have_seed)
        seed = cfg.seed;

    char label[256];
    cli_scenario_basename(file, label, sizeof label);
    cp_narrate_options opt = {.weeks = (int)weeks, .from_start = from_start, .label = label};
    cp_buf out;
    cp_buf_init(&out);
    cp_error err;
    cp_error_clear(&err);
    st = cp_narrate_run(&cfg, seed, replication, &opt, &out, &err);
    if (st != CP_OK) {
        cp_buf_fini(&out);
        return cli_report_error("story", &err);
    }
    printf("(seed %" PRIu64 ", replication %" PRIu64 ")\n", seed, replication);
    fwrite(out.data, 1, out.len, stdout);
    cp_buf_fini(&out);
    return fflush(stdout) == 0 ? 0 : 1;
}
