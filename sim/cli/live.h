/* live.h: the terminal view of one run: ANSI text charts of the waiting
 * list, caseloads, burnout and staff in post, redrawn every series interval
 * while the run goes, with the latest events underneath.
 *
 * Contract: cli_live_show runs replication `replication` of cfg with a model
 * observer and draws to `to`. When `to` is a terminal it animates (cursor
 * home, redraw, pause delay_ms per interval; Ctrl-C skips to the end);
 * otherwise it prints the final frame once, with no escape codes, so the
 * output can go to a file. It does not change the run: the numbers are
 * replication `replication` of `cpsim run` with the same seed.
 *
 * The run view (`cpsim run --live`) draws the same charts for a whole
 * experiment: cli_live_run_record is a cp_replication_fn that adds each
 * finished replication's time series (from any worker thread; it locks) and
 * redraws the mean across those finished so far, at most 20 times a second.
 * It only reads the results it is given, so the run's outputs are the same
 * bytes with it or without it. It draws only when `to` is a terminal; the
 * caller decides what to do otherwise (`cpsim run` says --live is ignored).
 * cli_live_run_finish draws the final frame and shows the cursor again.
 */
#ifndef CPSIM_CLI_LIVE_H
#define CPSIM_CLI_LIVE_H

#include "cpsim/config.h"
#include "cpsim/error.h"

#include "cpsim/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

cp_status cli_live_show(const cp_config *cfg, uint64_t seed, uint64_t replication, FILE *to,
                        int delay_ms, cp_error *err);

typedef struct cli_live_run cli_live_run;

/* planned: the replications asked for, or with precision stopping the cap.
 * NULL (err set) when out of memory. On a terminal it clears the screen. */
cli_live_run *cli_live_run_create(const cp_config *cfg, size_t planned, bool precision, FILE *to,
                                  cp_error *err);
void cli_live_run_destroy(cli_live_run *lr);
/* A cp_replication_fn; ctx is the cli_live_run. */
void cli_live_run_record(void *ctx, size_t replication, const cp_result *result);
void cli_live_run_finish(cli_live_run *lr);

#endif
