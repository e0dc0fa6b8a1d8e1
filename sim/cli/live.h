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
 */
#ifndef CPSIM_CLI_LIVE_H
#define CPSIM_CLI_LIVE_H

#include "cpsim/config.h"
#include "cpsim/error.h"

#include <stdint.h>
#include <stdio.h>

cp_status cli_live_show(const cp_config *cfg, uint64_t seed, uint64_t replication, FILE *to,
                        int delay_ms, cp_error *err);

#endif
