/* cpsim/sweep.h: parameter sweeps: designs, sweep files, plans, shards,
 * merging and sensitivity indices (sim/experiment/design.c, sweep.c,
 * shard.c, sweep_run.c, sensitivity.c).
 *
 * Contract
 * - A sweep is a design (a list of points, each an assignment of values to
 *   scenario keys) times replications 0..R-1. The unit of work is a pair
 *   (point, replication), numbered pair = point * R + replication; a task
 *   takes a contiguous block of pair numbers.
 * - Replication r of every point is cp_model_run(model, sweep seed, r): the
 *   seed never depends on the task, rank or thread that runs a pair, so any
 *   pair can be rerun alone with identical numbers, and every point sees the
 *   same random streams (common random numbers across points, which lowers
 *   the noise in differences and so in sensitivity estimates).
 * - A point's config is the base scenario with its assignments made through
 *   cp_scenario_apply: the same range and cross-key checks as a scenario
 *   file, so a design that leaves a key's range fails when it is planned,
 *   naming the sweep file, line and parameter.
 * - Random designs (Latin hypercube, Morris) and the bootstrap draw from
 *   cp_rng streams of the sweep seed with stream ids of their own (below),
 *   never from the model's streams. Sobol and Saltelli designs are
 *   deterministic (GSL's Sobol sequence).
 * - A plan folder holds design.csv, sweep.ini (the sweep file's bytes),
 *   base.ini (the base scenario, normalised by cp_scenario_to_ini) and
 *   plan.json; shards/ holds the results. Every file is written atomically
 *   (cpsim/output.h), so every file a reader finds is complete.
 * - Merged results depend only on the pairs' values, never on how the pairs
 *   were split into shards: rows are sorted by pair and numbers are written
 *   in a round-trip format, so two splits give the same bytes.
 * Errors are values: bad sweep files, plans and shards are CP_EINPUT with a
 *   message naming the file (and line, section, key where there is one);
 *   nothing here prints or exits.
 */
#ifndef CPSIM_SWEEP_H
#define CPSIM_SWEEP_H

#include "cpsim/config.h"
#include "cpsim/error.h"
#include "cpsim/experiment.h"
#include "cpsim/model.h"
#include "cpsim/output.h"
#include "cpsim/scenario.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- designs on the unit cube (design.c) ---------------------------------
 * Every design but the grid fills a row-major matrix u[row * k + j] of
 * coordinates in [0, 1]; the sweep maps them onto each parameter's range. */

typedef enum cp_design_kind {
    CP_DESIGN_GRID,    /* full factorial over each parameter's values */
    CP_DESIGN_LHS,     /* Latin hypercube, N points */
    CP_DESIGN_SOBOL,   /* the first N points of a Sobol sequence */
    CP_DESIGN_MORRIS,  /* r trajectories of k + 1 points (elementary effects) */
    CP_DESIGN_SALTELLI /* N (k + 2) points for Sobol indices */
} cp_design_kind;

/* "grid", "lhs", "sobol", "morris", "saltelli". */
const char *cp_design_name(cp_design_kind kind);
bool cp_design_from_name(const char *name, cp_design_kind *kind);

/* GSL's Sobol generator has direction numbers for 40 dimensions only and
 * returns garbage (not an error) above that, so we refuse more. A Saltelli
 * design draws 2k dimensions: at most 20 parameters. */
#define CP_SOBOL_MAX_DIMENSION 40
/* A bound on design rows, so a typo cannot ask for terabytes. */
#define CP_DESIGN_MAX_POINTS ((size_t)10000000)

/* Stream ids for the sweep's own random draws (cp_rng_stream_create with the
 * sweep seed); far from the model's ids (cp_stream_id) so they can never
 * coincide. The replication word is CP_SWEEP_RNG_DESIGN for designs and the
 * outcome id for the bootstrap, so each outcome's intervals do not depend on
 * which other outcomes were asked for. */
#define CP_SWEEP_STREAM_LHS 0x5357001u
#define CP_SWEEP_STREAM_MORRIS 0x5357002u
#define CP_SWEEP_STREAM_BOOTSTRAP 0x5357003u
#define CP_SWEEP_RNG_DESIGN UINT64_MAX

/* Rows of a full factorial with levels[j] values in dimension j: their
 * product, or 0 when it is 0 or above CP_DESIGN_MAX_POINTS. */
size_t cp_design_grid_rows(const size_t *levels, size_t k);
/* Fills index[row * k + j] with the level of dimension j at that row; the
 * last dimension varies fastest (nested loops, first parameter outermost). */
void cp_design_grid(const size_t *levels, size_t k, size_t *index);

/* n points, k dimensions: in every dimension each of the n strata
 * [i/n, (i+1)/n) holds exactly one point, at a uniform position inside it. */
cp_status cp_design_lhs(size_t n, size_t k, uint64_t seed, double *u, cp_error *err);

/* The first n points of GSL's Sobol sequence (which starts at 0.5, ..., 0.5,
 * not at the origin). CP_EINPUT when k is 0 or above CP_SOBOL_MAX_DIMENSION. */
cp_status cp_design_sobol(size_t n, size_t k, double *u, cp_error *err);

/* Morris's step for p levels: p / (2 (p - 1)), in unit coordinates. */
double cp_morris_delta(unsigned levels);
/* r trajectories of k + 1 rows each (rows t(k+1) .. t(k+1)+k). Dimension j
 * lives on the grid {0, 1/(p_j - 1), ..., 1} with p_j = levels[j] (even, at
 * least 2). A trajectory starts at a random grid point, then moves one
 * dimension at a time, in a random order, by +-delta_j: consecutive rows
 * differ in exactly one coordinate, and every dimension moves once. */
cp_status cp_design_morris(size_t r, size_t k, const unsigned *levels, uint64_t seed, double *u,
                           cp_error *err);

/* Saltelli's sample for first-order and total indices: a 2k-dimensional
 * Sobol sequence of n points gives A (its first k columns) and B (the last
 * k). For each base row i the design has k + 2 rows, in this order:
 * A_i, AB_i^1, ..., AB_i^k, B_i, where AB_i^j is A_i with column j from B_i.
 * n (k + 2) rows in all. CP_EINPUT when 2k > CP_SOBOL_MAX_DIMENSION. */
cp_status cp_design_saltelli(size_t n, size_t k, double *u, cp_error *err);

/* ---- sensitivity estimators (sensitivity.c) -------------------------------
 * Confidence intervals are bootstrap percentile intervals (2.5% and 97.5% of
 * B resampled estimates), resampling trajectories (Morris) or base rows
 * (Sobol) with replacement, from the stream (seed, substream,
 * CP_SWEEP_STREAM_BOOTSTRAP). bootstrap = 0 gives NaN intervals. */

typedef struct cp_index_estimate {
    double estimate, ci_low, ci_high;
} cp_index_estimate;

typedef struct cp_morris_index {
    size_t n;                  /* finite elementary effects used */
    cp_index_estimate mu_star; /* mean |EE| (Campolongo et al. 2007) */
    cp_index_estimate mu;      /* mean EE: its sign tells the direction */
    cp_index_estimate sigma;   /* sd of EE (n - 1): interaction or curvature */
} cp_morris_index;

/* u and y are a cp_design_morris design (r (k + 1) rows) and the output at
 * each row. The elementary effect of a step is the change in y over the
 * change in the coordinate that moved (so effects are per unit of the
 * parameter's range). Non-finite effects are left out (n counts the rest).
 * CP_EINPUT when consecutive rows of a trajectory do not differ in exactly
 * one coordinate. out has k entries. */
cp_status cp_morris_analyse(const double *u, const double *y, size_t r, size_t k, size_t bootstrap,
                            uint64_t seed, uint64_t substream, cp_morris_index *out, cp_error *err);

typedef struct cp_sobol_index {
    size_t n;                /* base rows used (all k + 2 outputs finite) */
    cp_index_estimate first; /* S1: Saltelli et al. (2010), table 2 (b) */
    cp_index_estimate total; /* ST: Jansen (1999), table 2 (f) */
} cp_sobol_index;

/* y holds the outputs of a cp_design_saltelli design in its row order
 * (n (k + 2) values). With f the output, m and V the mean and variance of
 * the pooled A and B outputs (2n values, population variance):
 *   S1_j = mean_i (f(B_i) - m) (f(AB_i^j) - f(A_i)) / V
 *   ST_j = mean_i (f(A_i) - f(AB_i^j))^2 / (2 V)
 * (centring on m leaves S1's expectation alone and cuts its variance).
 * Base rows with any non-finite output are left out. out has k entries;
 * NaN estimates when fewer than 2 rows remain or V is 0. */
cp_status cp_sobol_analyse(const double *y, size_t n, size_t k, size_t bootstrap, uint64_t seed,
                           uint64_t substream, cp_sobol_index *out, cp_error *err);

/* ---- sweep files (sweep.c) -------------------------------------------------
 *   [sweep]
 *   scenario = base.ini      ; relative to the sweep file's folder
 *   design = lhs             ; grid | lhs | sobol | morris | saltelli
 *   points = 40              ; N (lhs, sobol), base sample (saltelli),
 *                            ; trajectories (morris); not for grid
 *   replications = 10        ; default: the base scenario's
 *   seed = 2024              ; default: the base scenario's
 *   outcomes = unallocated_mean, missed_risk_events   ; for sensitivity
 *
 *   [param.workers]          ; NAME: letters, digits, _ (a column name)
 *   key = team.social_workers
 *   min = 4                  ; a range: min, max, scale = linear | log,
 *   max = 12                 ; levels = L (grid: L values; morris: p)
 *   ; or values = 4, 6, 8    ; a list (grid only)
 * Integer keys take rounded values; a bool key takes values = 0, 1 (grid).
 */

typedef enum cp_sweep_scale { CP_SCALE_LINEAR, CP_SCALE_LOG } cp_sweep_scale;

#define CP_SWEEP_NAME_MAX 64

typedef struct cp_sweep_param {
    char name[CP_SWEEP_NAME_MAX]; /* NAME of [param.NAME]: the column's name */
    char section[64];             /* the scenario key, as written */
    char key[64];
    const cp_schema_entry *entry;
    bool integer;   /* int or uint64 key: values are whole numbers */
    bool boolean;   /* bool key: values 0 and 1 only */
    double *values; /* the `values` list, or NULL for a range */
    size_t value_count;
    double min, max; /* the range (or the list's extremes) */
    cp_sweep_scale scale;
    unsigned levels; /* 0 when not given */
    int line;        /* of the [param.NAME] header */
    int key_line, values_line, min_line, max_line, scale_line, levels_line;
} cp_sweep_param;

typedef struct cp_sweep {
    char path[CP_PATH_MAX];      /* the sweep file, as given */
    char scenario[CP_PATH_MAX];  /* `scenario` as written */
    char base_path[CP_PATH_MAX]; /* the base scenario file actually loaded */
    cp_design_kind design;
    size_t points_key; /* `points`: 0 for grid */
    size_t replications;
    uint64_t seed;
    size_t outcome_count; /* `outcomes`, as cp_outcome_id values */
    int outcomes[CP_OUTCOME_COUNT];
    size_t param_count;
    cp_sweep_param *params;
    cp_config base;
    size_t point_count; /* rows of the design */
    double *unit;       /* [point * param_count + j]; NULL for grid */
    double *values;     /* [point * param_count + j]: what is applied */
    char *text;         /* the sweep file's bytes, NUL-terminated */
    size_t text_len;
    int design_line; /* line of `design` in [sweep] */
} cp_sweep;

/* Reads and checks the sweep file at path, loads the base scenario (from
 * base_path when non-NULL, as a plan folder does; else from `scenario`) and
 * generates the design. Before the design is allocated, its memory is
 * checked against this machine (cp_sweep_design_check_memory in
 * cpsim/memcheck.h): a design that cannot fit is CP_EINPUT naming the file,
 * the `points` (or grid `design`) line, the design's size and the memory
 * it needs and has. When check_points is true, every point's config is
 * built through cp_scenario_apply, so a bad design fails here. Every problem
 * in the file is reported at once, one per line of err's message, as
 * "FILE:LINE: [section] key: what is wrong". */
cp_sweep *cp_sweep_load(const char *path, const char *base_path, bool check_points, cp_error *err);
void cp_sweep_destroy(cp_sweep *sw);

/* point_count x replications. */
size_t cp_sweep_pairs(const cp_sweep *sw);

/* The config of one point: the base with each parameter's value applied
 * through cp_scenario_apply. If applying them in order trips a cross-key
 * rule midway (two keys that must move together), the reverse order is
 * tried: every rule in the schema links at most two keys, and for those one
 * of the two orders always passes through valid configs. CP_EINPUT names
 * the sweep file, the parameter's line and the point. */
cp_status cp_sweep_point_config(const cp_sweep *sw, size_t point, cp_config *cfg, cp_error *err);

/* The assignment text of parameter j at a point: "section.key=value". */
void cp_sweep_assignment(const cp_sweep *sw, size_t point, size_t j, char *buf, size_t size);

/* design.csv: `point_id,NAME...`, one row per point, values as %.17g. */
void cp_sweep_design_csv(const cp_sweep *sw, cp_buf *b);

/* ---- plans (sweep.c) --------------------------------------------------------- */

/* Writes dir/base.ini, sweep.ini, design.csv and plan.json (created if
 * missing, its parent must exist) and makes dir/shards. If dir already holds
 * a plan with the same base.ini, sweep.ini and design.csv, nothing is
 * written and *unchanged is true; a different plan is CP_EINPUT (results of
 * two designs must never mix in one shards/ folder). */
cp_status cp_sweep_plan_write(const cp_sweep *sw, const char *dir, bool *unchanged, cp_error *err);

/* Opens a plan folder: loads dir/sweep.ini with dir/base.ini as its base,
 * regenerates the design and checks it is byte-for-byte dir/design.csv
 * (CP_EINPUT if it was edited or made by a cpsim that generates designs
 * differently). Points are not re-checked: the plan did that, and a run
 * builds each point's config anyway. */
cp_sweep *cp_sweep_plan_open(const char *dir, cp_error *err);

/* ---- shards and merging (shard.c) ------------------------------------------
 * A shard is a CSV file in dir/shards: header `point_id,replication,` and
 * every outcome name of cp_outcome_info_get in id order, then one row per
 * pair, numbers in cp_format_number's round-trip form. A file whose name
 * starts with '.' is a temp file and is ignored; every other *.csv file
 * there is a complete shard. */

typedef struct cp_sweep_results {
    size_t points;
    size_t replications;
    double *values;         /* [pair * CP_OUTCOME_COUNT + k]; NULL for an index */
    unsigned char *present; /* [pair]: 1 when some shard had it */
    uint32_t *source;       /* [pair]: index into names of the first shard with it */
    size_t present_count;
    size_t duplicates; /* identical repeats dropped (e.g. a rerun task) */
    char **names;      /* shard names added, in order */
    size_t name_count;
    size_t name_capacity;
} cp_sweep_results;

cp_sweep_results *cp_sweep_results_create(size_t points, size_t replications, cp_error *err);
/* Presence only (values is NULL, repeats are not compared): what a task
 * needs to know which pairs are done, in 5 bytes a pair instead of 300. */
cp_sweep_results *cp_sweep_results_create_index(size_t points, size_t replications, cp_error *err);
void cp_sweep_results_destroy(cp_sweep_results *r);

/* Appends a shard's text to b: header, then rows for pairs[i] with
 * values[i * CP_OUTCOME_COUNT + k], in the order given. */
void cp_sweep_shard_csv(cp_buf *b, size_t replications, const size_t *pairs, const double *values,
                        size_t count);

/* Parses one shard's text (name is for messages). An identical repeat of a
 * pair is counted and dropped; a repeat with any different value, a pair
 * outside the plan, a wrong header or a malformed row is CP_EINPUT naming
 * the shard and line. */
cp_status cp_sweep_results_add(cp_sweep_results *r, const char *name, const char *text, size_t len,
                               cp_error *err);
/* Adds every shard in shard_dir: checkpoints (STEM.part-N.csv) first, then
 * the other shards, each group in name order (so messages do not depend on
 * the directory's order). A missing folder holds no shards. A checkpoint
 * that disappears between the listing and its reading was folded into
 * STEM.csv by a running task (sweep_run.c); it is skipped and STEM.csv is
 * read after it, so reading while a task folds loses no pair. */
cp_status cp_sweep_results_load(cp_sweep_results *r, const char *shard_dir, cp_error *err);

/* Pairs in [first, end) not present. */
size_t cp_sweep_results_missing(const cp_sweep_results *r, size_t first, size_t end);
/* "point 7 reps 3-5, points 9-12 (all reps), ..." for the missing pairs, at
 * most max_items items, then "and N more". */
void cp_sweep_results_missing_text(const cp_sweep_results *r, size_t max_items, cp_buf *b);

/* Per-point mean over replications of one outcome (finite values only; NaN
 * when none): means[point]. */
void cp_sweep_results_point_means(const cp_sweep_results *r, int outcome, double *means);

/* Writes dir/runs.csv (point_id, replication, parameters, outcomes) and
 * dir/summary.csv (point_id, outcome, n, mean, sd, ci_low, ci_high, median,
 * p5, p95 via cp_stats_summarise) as a set. Every pair must be present. */
cp_status cp_sweep_merge_write(const cp_sweep *sw, const cp_sweep_results *r, const char *dir,
                               cp_error *err);

/* ---- running pairs (sweep_run.c) -------------------------------------------- */

/* Task `task` of `tasks` (0-based) takes pairs [first, end) with
 * first = floor(task * pairs / tasks): contiguous blocks whose sizes differ
 * by at most one. */
void cp_sweep_task_range(size_t pairs, size_t task, size_t tasks, size_t *first, size_t *end);

typedef struct cp_sweep_run_options {
    size_t first, end; /* pairs [first, end) */
    const char *stem;  /* shard name without ".csv", e.g. "task-0-of-4" */
    int threads;       /* >= 1 */
    /* Completed pairs are written to a checkpoint file
     * shards/STEM.part-N.csv at least this often (and on an interrupt), so a
     * killed task loses at most this much work; 0 writes after every pair. */
    double checkpoint_seconds;
    const volatile sig_atomic_t *interrupt; /* may be NULL */
    cp_progress_fn progress; /* may be NULL; done and target count this call's pairs */
    void *progress_ctx;
} cp_sweep_run_options;

typedef struct cp_sweep_run_report {
    size_t pairs;       /* in [first, end) */
    size_t already;     /* found in shards before starting */
    size_t ran;         /* completed by this call */
    size_t checkpoints; /* checkpoint files written */
    bool complete;      /* every pair of the range is now in some shard */
    bool folded;        /* the stem's checkpoints were folded into shard */
    /* The task's shard, when complete: DIR/shards/STEM.csv, or
     * DIR/shards/STEM.part-*.csv when the file system has no locks and the
     * checkpoints were left as they are. */
    char shard[CP_PATH_MAX];
} cp_sweep_run_report;

/* Runs the pairs of [first, end) that no complete shard in dir/shards holds
 * yet. Checkpoints are published under free numbers only, never replacing a
 * file. When the range is complete, the stem's checkpoint files (of this
 * and of any other process running the same share at the same time) are
 * folded, with the stem's final shard, into shards/STEM.csv (written
 * atomically) and removed, under an exclusive POSIX lock on
 * shards/.STEM.lock; so two processes running one share at once lose no
 * pair, and STEM.csv only grows. A pair two processes both ran is kept once
 * (their values are the same bytes); values that differ are CP_EINPUT
 * naming both files. Where the file system has no locks, the checkpoints
 * are left as they are (each a complete shard). Interrupted: completed pairs
 * are written first, then CP_EINTERRUPTED. */
cp_status cp_sweep_run(const cp_sweep *sw, const char *dir, const cp_sweep_run_options *opt,
                       cp_sweep_run_report *report, cp_error *err);

/* ---- sensitivity over a merged sweep (sensitivity.c) ------------------------ */

typedef struct cp_sweep_sensitivity {
    cp_design_kind design; /* morris or saltelli */
    size_t outcome_count;
    int outcomes[CP_OUTCOME_COUNT];
    size_t param_count;
    size_t bootstrap;
    /* [o * param_count + j]: one of the two, by design */
    cp_morris_index *morris;
    cp_sobol_index *sobol;
} cp_sweep_sensitivity;

/* Indices of every chosen outcome (means over replications at each point)
 * for a complete sweep; CP_EINPUT when the design is neither morris nor
 * saltelli. Bootstrap streams use the sweep seed, substream = outcome id. */
cp_sweep_sensitivity *cp_sweep_sensitivity_create(const cp_sweep *sw, const cp_sweep_results *r,
                                                  const int *outcomes, size_t outcome_count,
                                                  size_t bootstrap, cp_error *err);
void cp_sweep_sensitivity_destroy(cp_sweep_sensitivity *s);

/* sensitivity.csv, long format: `outcome,parameter,index,estimate,ci_low,
 * ci_high,n` with index mu_star, mu, sigma (morris) or S1, ST (saltelli). */
void cp_sweep_sensitivity_csv(const cp_sweep *sw, const cp_sweep_sensitivity *s, cp_buf *b);

#endif
