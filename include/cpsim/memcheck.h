/* cpsim/memcheck.h: refusing, up front, runs that cannot fit in memory.
 *
 * Contract
 * - A run that needs more memory than the machine has must fail in a
 *   second with a message that says so, not hours later when Linux's
 *   overcommit runs out and the kernel kills the process (with nothing
 *   written and no message). The check is an input error (CP_EINPUT, exit
 *   2): rerunning the same command cannot help.
 * - The estimate is deliberately simple and on the high side: threads x the
 *   model's own peak (cp_model_memory_estimate: one model and one result)
 *   plus, per replication kept, its outcomes and (unless skipped) its time
 *   series, plus the time-series summary and the statistics' scratch. A run
 *   is refused when that exceeds CP_MEMORY_SHARE of physical memory: the
 *   rest belongs to the system and the other processes.
 * - Estimates are doubles, not size_t, so absurd inputs (a 200-year daily
 *   series times a million replications) cannot wrap around to something
 *   small. A NaN estimate is refused as "cannot be estimated": a check that
 *   a NaN silently passed would be no check.
 * Nothing here prints; messages come back in cp_error.
 */
#ifndef CPSIM_MEMCHECK_H
#define CPSIM_MEMCHECK_H

#include "cpsim/config.h"
#include "cpsim/error.h"
#include "cpsim/experiment.h"

#include <stddef.h>

/* Share of physical memory a run may plan to use. */
#define CP_MEMORY_SHARE 0.8

/* Bytes an experiment of cfg with opt would hold at its peak (see the
 * contract). Under precision stopping the arrays are sized for
 * max_replications, the most it may run. */
double cp_experiment_memory_estimate(const cp_config *cfg, const cp_experiment_options *opt);

/* Physical memory in bytes (sysconf(_SC_PHYS_PAGES) x _SC_PAGE_SIZE), or 0
 * when the system does not say. */
double cp_physical_memory_bytes(void);

/* The decision, for any total (a comparison sums its scenarios; a sweep
 * passes its own): CP_OK when need <= CP_MEMORY_SHARE x physical or physical
 * is 0 (unknown: let the allocator decide); otherwise CP_EINPUT with
 * "this run would need about N GiB of memory (BREAKDOWN); this machine has
 * M GiB" and what to change. breakdown may be NULL. */
cp_status cp_memory_check(double need, double physical, const char *breakdown, cp_error *err);

/* cp_experiment_memory_estimate against this machine, with a breakdown by
 * threads and replications in the message. Call it after the scenario is
 * loaded and before anything is allocated or written. */
cp_status cp_experiment_check_memory(const cp_config *cfg, const cp_experiment_options *opt,
                                     cp_error *err);

/* The same check for a paired comparison of count configs with opt: the
 * comparison keeps every scenario's outcomes until the end (no time series,
 * as cp_comparison_create runs them), and runs one scenario at a time, so
 * the models count once, at the largest scenario's size. */
cp_status cp_comparison_check_memory(const cp_config *configs, size_t count,
                                     const cp_experiment_options *opt, cp_error *err);

struct cp_sweep; /* cpsim/sweep.h */

/* Bytes a design of `rows` points and k parameters holds while it is made
 * (`cpsim plan`) or reopened from a plan folder (every other sweep
 * command): the values applied and, beside them, the unit coordinates or
 * grid levels (rows x k x 8 bytes each), and the text of design.csv twice,
 * once built in memory and once read back from the folder to compare, each
 * in a buffer that grows by doubling (so up to twice its text; a value
 * takes up to 25 characters). */
double cp_sweep_design_memory_estimate(size_t rows, size_t k);

/* The check for a design, made before any of it is allocated: CP_OK when
 * cp_sweep_design_memory_estimate fits CP_MEMORY_SHARE of physical (or
 * physical is 0: unknown); otherwise CP_EINPUT with "a DESIGN design of N
 * points x K parameters would need about X of memory (BREAKDOWN); this
 * machine has Y" and what to change. design is cp_design_name's; the
 * caller puts the sweep file and line in front. */
cp_status cp_sweep_design_check_memory(const char *design, size_t rows, size_t k, double physical,
                                       cp_error *err);

/* The same check for `cpsim sweep`: pairs [first, end) of sw on `threads`
 * threads. A sweep's points may differ in size (a sweep over the team's
 * size), so the model's share is the largest estimate among the points the
 * range touches (at most CP_MEMORY_SWEEP_POINTS of them, evenly spread;
 * the base scenario's when none can be built); each pair keeps its
 * outcomes and their shard text until written. The design held in memory
 * and the index of the plan's done pairs (5 bytes a pair, over every pair
 * of the plan, which a task reads to skip them) count too. */
#define CP_MEMORY_SWEEP_POINTS 1024
cp_status cp_sweep_check_memory(const struct cp_sweep *sw, size_t first, size_t end, int threads,
                                cp_error *err);

/* Writes bytes for people: "512 B", "2.7 KiB", "38 GiB" (binary units, two
 * or three significant figures), "1.2e+06 EiB" past exbibytes. */
void cp_memory_format(double bytes, char *buf, size_t size);

#endif
