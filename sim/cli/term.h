/* term.h: what `run` and `compare` share on the terminal side: the interrupt
 * flag and its signal handlers, a progress bar with an ETA, aligned tables,
 * number formatting for people, and strict parsing of option values.
 *
 * Contract: everything here writes only to the FILE it is given (stdout for
 * results, stderr for progress and errors). The interrupt flag is the one
 * piece of global mutable state in the program, because a signal handler can
 * reach nothing else.
 */
#ifndef CPSIM_CLI_TERM_H
#define CPSIM_CLI_TERM_H

#include "cpsim/error.h"
#include "cpsim/scenario.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- interrupts ------------------------------------------------------------- */

/* Set to 1 by SIGINT or SIGTERM once cli_install_signal_handlers has run. */
extern volatile sig_atomic_t cli_interrupted;

/* Installs the handlers (sigaction). The first signal sets the flag and
 * restores the default action, so a second Ctrl-C stops at once. */
void cli_install_signal_handlers(void);

/* ---- progress --------------------------------------------------------------- */

typedef struct cli_progress {
    bool enabled; /* stderr is a terminal and not --quiet */
    bool drawn;   /* something is on the line and must be cleared */
    double start; /* cp_monotonic_seconds at init */
    double last_draw;
    const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, bool quiet, const char *label);
/* A cp_progress_fn: redraws at most ten times a second, and only once the
 * run has taken a second (a short run prints no bar at all). */
void cli_progress_update(void *ctx, size_t done, size_t target);
/* Clears the bar's line, if one was drawn. */
void cli_progress_finish(cli_progress *p);

/* ---- tables -------------------------------------------------------------------- */

#define CLI_TABLE_COLS 8
#define CLI_CELL_MAX 64

/* Cells are copied; the first column is left-aligned, the others right-aligned
 * unless the column's header starts with '<' (then left, '<' dropped). */
typedef struct cli_table {
    size_t cols;
    size_t rows; /* including the header row */
    size_t cap;
    char (*cells)[CLI_CELL_MAX];
    bool failed;
} cli_table;

void cli_table_init(cli_table *t, size_t cols);
void cli_table_fini(cli_table *t);
/* Adds a row of t->cols strings (NULL cells print empty). */
void cli_table_row(cli_table *t, const char *const *cells);
/* Prints with two spaces between columns and a rule under the header. */
void cli_table_print(const cli_table *t, FILE *to);

/* ---- formatting and parsing ------------------------------------------------- */

/* About four significant figures, no exponent for ordinary magnitudes:
 * 123456, 1234.6, 16.32, 0.1543; NA for NaN. */
void cli_format_value(double x, char *buf, size_t size);

/* The headline outcomes of MODEL.md section 4, in that order, NULL-ended. */
extern const char *const cli_main_outcomes[];

/* Strict parsing: decimal (or 0x hex for cli_parse_u64); no sign, no
 * spaces, no trailing text, no overflow. */
bool cli_parse_u64(const char *s, uint64_t *out);
bool cli_parse_size(const char *s, size_t min, size_t max, size_t *out);
/* A finite real in [min, max]. */
bool cli_parse_real(const char *s, double min, double max, double *out);

/* "path/to/name.ini" -> "name" into buf. */
void cli_scenario_basename(const char *path, char *buf, size_t size);

/* Prints "cpsim CMD: message" for an error value to stderr and returns the
 * exit code of its status. */
int cli_report_error(const char *command, const cp_error *err);

/* A copy of the command line as typed, for manifest.json: "cpsim", then
 * argv[0..argc) (argv[0] is the subcommand), then NULL. NULL when out of
 * memory; the caller frees the array (not the strings). */
const char **cli_command_line(int argc, char **argv);

/* Prints "cpsim CMD: <message>" and a hint to stderr; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints every diagnostic (cp_diagnostic_format), one a line, to stderr and
 * returns the exit code for the load status. */
int cli_report_diagnostics(const char *command, const cp_diagnostics *diags, cp_status st,
                           const char *file);

/* The default output directory "out/NAME" into buf, creating out/ in the
 * current directory if needed. Returns -1 on success, or an exit code after
 * printing why. */
int cli_default_out_dir(const char *command, const char *name, char *buf, size_t size);

#endif
