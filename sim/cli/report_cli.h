/* report_cli.h: writing the HTML report from the command line, shared by
 * `cpsim report` (cmd_report.c) and `cpsim run --report FILE`.
 *
 * Contract: the file is written atomically (cp_file_write_atomic: a temp
 * file beside the target, fsync'd, renamed over it), so a reader sees the
 * old report or the new one, never half of one. Errors come back as values;
 * nothing here prints, except cli_report_check_path, which is the cli's
 * check of a path before a run and says what is wrong.
 */
#ifndef CPSIM_CLI_REPORT_CLI_H
#define CPSIM_CLI_REPORT_CLI_H

#include "cpsim/report.h"

/* Builds r's page and writes it to path. CP_EIO names the path. */
cp_status cli_report_write_file(const char *path, const cp_report *r, cp_error *err);

/* The report of one finished experiment (e.g. `cpsim run --report`): bins
 * may be NULL (no burnout chart bars). argv is the command line as typed,
 * argv[0] = "cpsim". */
cp_status cli_report_write_run(const cp_experiment *exp, const cp_burnout_bins *bins,
                               const char *path, const char *scenario_path, const char *label,
                               int argc, const char *const *argv, cp_error *err);

/* Before a run: checks that the directory the page goes into exists and
 * that path names a file in it. Returns -1 when it does, else prints
 * "cpsim COMMAND: ..." and returns the exit code (1 for a missing
 * directory, 2 when `option`'s value names a directory). */
int cli_report_check_path(const char *command, const char *option, const char *path);

/* The command line as one shell-quoted string, newly allocated (the caller
 * frees); NULL when out of memory. */
char *cli_join_command_line(int argc, const char *const *argv);

#endif
