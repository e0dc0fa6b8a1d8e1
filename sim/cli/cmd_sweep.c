/* cmd_sweep.c: `cpsim sweep DIR [--points A-B | --task I --tasks M | --mpi]`:
 * runs this process's share of a plan's (point, replication) pairs into its
 * own shard in DIR/shards.
 *
 * Which share, in order of precedence: --points (whole points A..B, inclusive,
 * or `all`), --task/--tasks (the I-th of M contiguous blocks of pairs),
 * --mpi (block `rank` of `size`), and otherwise SLURM's job array variables,
 * which we announce on stderr so a log shows where the numbers came from.
 * The array must run 0..COUNT-1: a resubmission of a few indices
 * (--array=3,7) has COUNT 2 and would silently pick the wrong blocks, so it
 * is refused, and the generated sbatch script passes --task/--tasks instead.
 *
 * Exit codes: 0 the share is complete (already, or now), 2 bad command line
 * or plan (do not retry), 75 interrupted by SIGTERM/SIGINT after saving
 * every completed pair (rerun to resume), 1 anything else.
 */
#include "cli.h"
#include "sweep_cli.h"
#include "term.h"

#include "cpsim/memcheck.h"
#include "cpsim/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 1024

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim sweep DIR [--points A-B | --task I --tasks M | --mpi] [options]\n"
            "\n"
            "Runs a share of the (point, replication) pairs of the plan in DIR (made by\n"
            "`cpsim plan`) and writes them to DIR/shards. Pairs already in a complete\n"
            "shard are skipped, so rerunning an interrupted share resumes it. Replication r\n"
            "of every point uses the plan's seed, whoever runs it: results do not depend\n"
            "on how the work is split.\n"
            "\n"
            "the share (one of):\n"
            "  --points A-B      points A to B inclusive (0-based), every replication;\n"
            "                    --points all for the whole plan\n"
            "  --task I --tasks M   the I-th (0-based) of M contiguous blocks of pairs\n"
            "  --mpi             block `rank` of `size` under mpirun/srun (%s)\n"
            "  (none)            --task $SLURM_ARRAY_TASK_ID --tasks $SLURM_ARRAY_TASK_COUNT\n"
            "\n"
            "options:\n"
            "  --threads T       worker threads (default 1)\n"
            "  --checkpoint S    save completed pairs at least every S seconds (default %g;\n"
            "                    0 = after every pair); a killed task loses at most that\n"
            "  --quiet           no progress bar\n"
            "  --help            this text\n"
            "\n"
            "exit codes: 0 share complete, 2 bad command line or plan (do not retry),\n"
            "75 interrupted, completed pairs saved (run again to resume), 1 other failure\n",
            cli_mpi_compiled() ? "this build has MPI" : "not in this build: no MPI found",
            CLI_SWEEP_CHECKPOINT_SECONDS);
}

typedef struct sweep_args {
    const char *dir;
    const char *points;
    bool have_task, have_tasks;
    size_t task, tasks;
    bool mpi;
    int threads;
    double checkpoint;
    bool quiet;
} sweep_args;

static int parse_args(int argc, char **argv, sweep_args *a) {
    enum {
        OPT_POINTS = 1000,
        OPT_TASK,
        OPT_TASKS,
        OPT_MPI,
        OPT_THREADS,
        OPT_CHECKPOINT,
        OPT_QUIET,
        OPT_HELP
    };
    static const struct option options[] = {
        {"points", required_argument, NULL, OPT_POINTS},
        {"task", required_argument, NULL, OPT_TASK},
        {"tasks", required_argument, NULL, OPT_TASKS},
        {"mpi", no_argument, NULL, OPT_MPI},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->threads = 1;
    a->checkpoint = CLI_SWEEP_CHECKPOINT_SECONDS;
    optind = 1;
    opterr = 0;
    int c;
    size_t n;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case OPT_POINTS:
            a->points = optarg;
            break;
        case OPT_TASK:
            if (!cli_parse_size(optarg, 0, SIZE_MAX - 1, &a->task))
                return cli_usage_error("sweep", "--task: \"%s\" is not a whole number", optarg);
            a->have_task = true;
            break;
        case OPT_TASKS:
            if (!cli_parse_size(optarg, 1, SIZE_MAX, &a->tasks))
                return cli_usage_error("sweep", "--tasks: \"%s\" is not a whole number >= 1",
                                       optarg);
            a->have_tasks = true;
            break;
        case OPT_MPI:
            a->mpi = true;
            break;
        case OPT_THREADS:
            if (!cli_parse_size(optarg, 1, MAX_THREADS, &n))
                return cli_usage_error("sweep",
                                       "--threads: \"%s\" is not a whole number from 1 "
                                       "to %d",
                                       optarg, MAX_THREADS);
            a->threads = (int)n;
            break;
        case OPT_CHECKPOINT:
            if (!cli_parse_real(optarg, 0, 1e7, &a->checkpoint))
                return cli_usage_error("sweep",
                                       "--checkpoint: \"%s\" is not a number of "
                                       "seconds from 0 to 1e7",
                                       optarg);
            break;
        case OPT_QUIET:
            a->quiet = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("sweep", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("sweep", "expected one plan folder, got %d arguments",
                               argc - optind);
    a->dir = argv[optind];
    if (a->have_task != a->have_tasks)
        return cli_usage_error("sweep", "--task and --tasks go together");
    if (a->have_task && a->task >= a->tasks)
        return cli_usage_error("sweep", "--task %zu is not below --tasks %zu (tasks count from 0)",
                               a->task, a->tasks);
    int shares = (a->points != NULL) + a->have_task + a->mpi;
    if (shares > 1)
        return cli_usage_error("sweep", "choose one of --points, --task/--tasks and --mpi");
    return -1;
}

/* "A-B" or "all" -> pair range and shard stem. */
static int points_share(const cp_sweep *sw, const char *text, size_t *first, size_t *end,
                        char *stem, size_t stem_size) {
    size_t a, b;
    if (strcmp(text, "all") == 0) {
        a = 0;
        b = sw->point_count - 1;
    } else {
        const char *dash = strchr(text, '-');
        char left[32];
        if (!dash || (size_t)(dash - text) >= sizeof left)
            return cli_usage_error("sweep", "--points: \"%s\" is not A-B or all", text);
        memcpy(left, text, (size_t)(dash - text));
        left[dash - text] = '\0';
        if (!cli_parse_size(left, 0, SIZE_MAX, &a) || !cli_parse_size(dash + 1, 0, SIZE_MAX, &b))
            return cli_usage_error("sweep", "--points: \"%s\" is not A-B or all", text);
        if (a > b || b >= sw->point_count)
            return cli_usage_error("sweep", "--points %zu-%zu: the plan has points 0-%zu", a, b,
                                   sw->point_count - 1);
    }
    *first = a * sw->replications;
    *end = (b + 1) * sw->replications;
    snprintf(stem, stem_size, "points-%zu-%zu", a, b);
    return -1;
}

/* SLURM_ARRAY_TASK_ID / _COUNT (and _MIN / _MAX when set) -> task, tasks. */
static int slurm_share(size_t *task, size_t *tasks) {
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    const char *count = getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count)
        return cli_usage_error("sweep",
                               "no share given: pass --points A-B (or all), --task I --tasks M, "
                               "or --mpi; or run inside a SLURM job array "
                               "(SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set)");
    if (!cli_parse_size(id, 0, SIZE_MAX - 1, task) || !cli_parse_size(count, 1, SIZE_MAX, tasks))
        return cli_usage_error("sweep",
                               "SLURM_ARRAY_TASK_ID=\"%s\" and SLURM_ARRAY_TASK_COUNT="
                               "\"%s\" are not whole numbers",
                               id, count);
    const char *min = getenv("SLURM_ARRAY_TASK_MIN");
    const char *max = getenv("SLURM_ARRAY_TASK_MAX");
    size_t lo = 0, hi = *tasks - 1;
    bool shaped = (!min || (cli_parse_size(min, 0, SIZE_MAX, &lo) && lo == 0)) &&
                  (!max || (cli_parse_size(max, 0, SIZE_MAX, &hi) && hi == *tasks - 1));
    if (!shaped || *task >= *tasks)
        return cli_usage_error("sweep",
                               "the job array is not 0..%zu (task %s, min %s, max %s): pass the "
                               "block explicitly with --task I --tasks M (as `cpsim slurm` "
                               "scripts do)",
                               *tasks - 1, id, min ? min : "unset", max ? max : "unset");
    fprintf(stderr,
            "cpsim sweep: task %zu of %zu, from SLURM_ARRAY_TASK_ID and "
            "SLURM_ARRAY_TASK_COUNT\n",
            *task, *tasks);
    return -1;
}

static int run_share(const sweep_args *a, const cp_sweep *sw, size_t first, size_t end,
                     const char *stem, const char *who) {
    cli_progress progress;
    cli_progress_init(&progress, a->quiet, stem);
    cp_sweep_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.first = first;
    opt.end = end;
    opt.stem = stem;
    opt.threads = a->threads;
    opt.checkpoint_seconds = a->checkpoint;
    opt.interrupt = &cli_interrupted;
    opt.progress = cli_progress_update;
    opt.progress_ctx = &progress;
    cp_sweep_run_report rep;
    cp_error err;
    cp_error_clear(&err);
    /* Before the first pair: a share that cannot fit is refused (exit 2)
     * in a second, not killed by the kernel on a cluster node hours later. */
    if (cp_sweep_check_memory(sw, first, end, a->threads, &err) != CP_OK)
        return cli_report_error("sweep", &err);
    double start = cp_monotonic_seconds();
    cp_status st = cp_sweep_run(sw, a->dir, &opt, &rep, &err);
    cli_progress_finish(&progress);
    double wall = cp_monotonic_seconds() - start;
    if (st == CP_EINTERRUPTED) {
        fprintf(stderr,
                "cpsim sweep: %s interrupted: %zu of %zu pairs done (%zu now), every completed "
                "pair is saved in %s/shards; run the same command again to resume\n",
                who, rep.already + rep.ran, rep.pairs, rep.ran, a->dir);
        return 75;
    }
    if (st != CP_OK)
        return cli_report_error("sweep", &err);
    printf("%s: pairs %zu-%zu (%zu): %zu already done, %zu run now in %.1f s -> %s\n", who, first,
           end ? end - 1 : 0, rep.pairs, rep.already, rep.ran, wall, rep.shard);
    return 0;
}

int cli_sweep(int argc, char **argv) {
    sweep_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;

    int rank = 0, size = 1;
    if (a.mpi) {
        char msg[512];
        int mrc = cli_mpi_start(&rank, &size, msg, sizeof msg);
        if (mrc != 0) {
            fprintf(stderr, "cpsim sweep: %s\n", msg);
            return mrc;
        }
    }
    rc = -1; /* -1: go on; an exit code once something decides it */
    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_plan_open(a.dir, &err);
    if (!sw) {
        rc = cli_report_error("sweep", &err);
        if (a.mpi)
            cli_mpi_finish();
        return rc;
    }
    size_t pairs = cp_sweep_pairs(sw);
    size_t first = 0, end = 0;
    char stem[128], who[160];
    if (a.points) {
        rc = points_share(sw, a.points, &first, &end, stem, sizeof stem);
        snprintf(who, sizeof who, "points %s", a.points);
    } else {
        size_t task = a.task, tasks = a.tasks;
        if (a.mpi) {
            task = (size_t)rank;
            tasks = (size_t)size;
        } else if (!a.have_task) {
            rc = slurm_share(&task, &tasks);
        }
        if (rc < 0) {
            if (tasks > pairs)
                fprintf(stderr,
                        "cpsim sweep: warning: %zu %s for %zu pairs: some have nothing "
                        "to do\n",
                        tasks, a.mpi ? "ranks" : "tasks", pairs);
            cp_sweep_task_range(pairs, task, tasks, &first, &end);
            snprintf(stem, sizeof stem, "%s-%zu-of-%zu", a.mpi ? "rank" : "task", task, tasks);
            snprintf(who, sizeof who, "%s %zu of %zu", a.mpi ? "rank" : "task", task, tasks);
        }
    }
    if (rc < 0) {
        cli_install_signal_handlers();
        rc = run_share(&a, sw, first, end, stem, who);
    }
    cp_sweep_destroy(sw);
    if (a.mpi)
        cli_mpi_finish();
    return rc;
}
