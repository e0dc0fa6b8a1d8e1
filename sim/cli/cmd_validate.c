/* cmd_validate.c: `cpsim validate [--set section.key=value]... FILE...`.
 *
 * Contract
 * - Loads each FILE with every --set applied (in the order given, wherever
 *   they appear on the line), exactly as `cpsim run` would, and so with the
 *   same checks.
 * - stdout: "FILE: ok" for each valid file, so a script can collect them.
 *   stderr: every diagnostic of every invalid file, one per line, as
 *   "FILE:LINE: [section] key: message", then "FILE: N errors".
 * - Exit 0 when every file is valid; 2 when any is invalid or the command
 *   line is wrong (bad input: do not retry); 1 when a file could not be
 *   read for another reason (I/O error, out of memory) and none was invalid.
 * All files are checked even after a failure, so one run shows everything.
 * - A sweep file (one with a [sweep] section; scenarios/ holds some) is
 *   checked as `cpsim plan` checks it: the file, its base scenario and the
 *   config of every point of its design. It says "FILE: ok (sweep file: ...)".
 *   --set does not apply to a sweep file (its keys are the base scenario's
 *   and the [param.*] sections'): given with one, it is exit 2.
 */
#include "cli.h"

#include "cpsim/scenario.h"
#include "cpsim/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void usage(FILE *to) {
    fprintf(to, "usage: cpsim validate [--set section.key=value]... FILE...\n"
                "Checks scenario files (and sweep files, as `cpsim plan` does) and reports\n"
                "every error at once. Exit 0 when all are valid, 2 when any is not.\n");
}

/* Checks a sweep file as `cpsim plan` would, without writing anything;
 * returns its exit code (0, 1 or 2). */
static int validate_sweep(const char *path, size_t set_count) {
    if (set_count > 0) {
        fprintf(stderr,
                "%s: a sweep file: --set does not apply to it (set keys in its base "
                "scenario, or vary them in a [param.NAME] section)\n",
                path);
        return 2;
    }
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_load(path, NULL, true, &err);
    if (!sw) {
        fprintf(stderr, "%s\n", err.message[0] ? err.message : "could not be checked");
        if (err.status == CP_EINPUT)
            fprintf(stderr, "%s: invalid sweep file\n", path);
        return cp_status_exit_code(err.status);
    }
    printf("%s: ok (sweep file: %s design, %zu points x %zu replications, base %s)\n", path,
           cp_design_name(sw->design), sw->point_count, sw->replications, sw->base_path);
    cp_sweep_destroy(sw);
    return 0;
}

/* True when the loader's diagnostics say the file has a [sweep] section
 * (section names are case-insensitive: [Sweep] is one too). */
static bool has_sweep_section(const cp_diagnostics *diags) {
    for (size_t i = 0; i < diags->count; i++)
        if (strcasecmp(diags->items[i].section, "sweep") == 0)
            return true;
    return false;
}

/* Loads one file and reports on it; returns its exit code (0, 1 or 2). */
static int validate_one(const char *path, const char *const *sets, size_t set_count) {
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_config cfg;
    cp_status status = cp_scenario_load(path, sets, set_count, &cfg, &diags);
    if (status == CP_EINPUT && has_sweep_section(&diags)) {
        cp_diagnostics_fini(&diags);
        return validate_sweep(path, set_count);
    }
    char line[1200];
    for (size_t i = 0; i < diags.count; i++) {
        cp_diagnostic_format(&diags.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (status == CP_OK) {
        printf("%s: ok\n", path);
    } else if (status == CP_EINPUT) {
        fprintf(stderr, "%s: %zu error%s\n", path, diags.errors, diags.errors == 1 ? "" : "s");
    } else {
        fprintf(stderr, "%s: could not be checked (%s)\n", path,
                status == CP_ENOMEM ? "out of memory" : "read error");
    }
    cp_diagnostics_fini(&diags);
    return cp_status_exit_code(status);
}

int cli_validate(int argc, char **argv) {
    /* At most argc of each; both lists point into argv. */
    const char **sets = malloc((size_t)argc * sizeof *sets);
    const char **files = malloc((size_t)argc * sizeof *files);
    if (!sets || !files) {
        free(sets);
        free(files);
        fprintf(stderr, "cpsim validate: out of memory\n");
        return 1;
    }
    size_t set_count = 0, file_count = 0;
    bool options_done = false;
    int exit_code = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            files[file_count++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            free(sets);
            free(files);
            return 0;
        } else if (strcmp(arg, "--set") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cpsim validate: --set needs a section.key=value after it\n");
                exit_code = 2;
                break;
            }
            sets[set_count++] = argv[++i];
        } else if (strncmp(arg, "--set=", 6) == 0) {
            sets[set_count++] = arg + 6;
        } else {
            fprintf(stderr, "cpsim validate: unknown option \"%s\"\n", arg);
            exit_code = 2;
            break;
        }
    }
    if (exit_code == 0 && file_count == 0) {
        fprintf(stderr, "cpsim validate: no scenario file given\n");
        exit_code = 2;
    }
    if (exit_code != 0) {
        usage(stderr);
    } else {
        bool any_invalid = false, any_failed = false;
        for (size_t f = 0; f < file_count; f++) {
            int code = validate_one(files[f], sets, set_count);
            any_invalid |= code == 2;
            any_failed |= code != 0 && code != 2;
        }
        exit_code = any_invalid ? 2 : any_failed ? 1 : 0;
    }
    if (fflush(stdout) != 0 && exit_code == 0)
        exit_code = 1;
    free(sets);
    free(files);
    return exit_code;
}
