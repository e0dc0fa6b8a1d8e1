/* cmd_slurm.c: `cpsim slurm DIR --tasks M [--time T] [--partition P]
 * [--threads T]`: writes DIR/sweep.sbatch, a job array script for a plan,
 * and prints the one command that submits it.
 *
 * The script holds absolute paths (this binary, from /proc/self/exe, and
 * DIR) so it runs from any working directory on any node that sees the same
 * file system. It passes --task/--tasks explicitly instead of relying on
 * SLURM_ARRAY_TASK_COUNT: resubmitting only some indices (--array=3,7)
 * changes that count, and would change every task's block.
 *
 * We refuse paths with white space or '%' because #SBATCH lines cannot
 * quote them (and '%' is SLURM's filename pattern character).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "cli.h"
#include "sweep_cli.h"
#include "term.h"

#include "cpsim/sweep.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 1024

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim slurm DIR --tasks M [--time HH:MM:SS] [--partition P] [--threads T]\n"
            "\n"
            "Writes DIR/sweep.sbatch: a SLURM job array of M tasks, task I running the I-th\n"
            "contiguous block of the plan's pairs with `cpsim sweep DIR --task I --tasks M`.\n"
            "Tasks get SIGTERM 60 s before their time limit, save their completed pairs and\n"
            "requeue themselves; logs go to DIR/logs/. Prints the sbatch command to run.\n"
            "\n"
            "options:\n"
            "  --tasks M           array tasks (1 to the number of pairs); aim for tasks of\n"
            "                      tens of minutes or more\n"
            "  --time HH:MM:SS     time limit per task (default: the partition's)\n"
            "  --partition P       partition (default: the cluster's)\n"
            "  --threads T         threads per task, and --cpus-per-task (default 1)\n"
            "  --checkpoint S      seconds between checkpoints (default %g)\n"
            "  --help              this text\n"
            "\n"
            "exit codes: 0 written, 2 bad options or not a plan folder, 1 anything else\n",
            CLI_SWEEP_CHECKPOINT_SECONDS);
}

static bool plain_path(const char *s) {
    for (const char *c = s; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '%' || *c == '"' || *c == '\\' ||
            *c == '$' || *c == '`')
            return false;
    return true;
}

static bool time_ok(const char *s) {
    /* SLURM accepts M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; check the alphabet
     * and leave the grammar to sbatch, which reports it clearly. */
    if (!*s || strlen(s) > 20)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == ':' || *c == '-'))
            return false;
    return true;
}

static bool partition_ok(const char *s) {
    if (!*s || strlen(s) > 100)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              *c == '_' || *c == '-' || *c == '.' || *c == ','))
            return false;
    return true;
}

int cli_slurm(int argc, char **argv) {
    enum { OPT_TASKS = 1000, OPT_TIME, OPT_PARTITION, OPT_THREADS, OPT_CHECKPOINT, OPT_HELP };
    static const struct option options[] = {
        {"tasks", required_argument, NULL, OPT_TASKS},
        {"time", required_argument, NULL, OPT_TIME},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    size_t tasks = 0, threads = 1;
    const char *time_limit = NULL, *partition = NULL;
    double checkpoint = CLI_SWEEP_CHECKPOINT_SECONDS;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case OPT_TASKS:
            if (!cli_parse_size(optarg, 1, 1000000, &tasks))
                return cli_usage_error("slurm",
                                       "--tasks: \"%s\" is not a whole number from 1 "
                                       "to 1000000",
                                       optarg);
            break;
        case OPT_TIME:
            if (!time_ok(optarg))
                return cli_usage_error("slurm",
                                       "--time: \"%s\" is not a SLURM time such as "
                                       "02:00:00 or 1-12:00:00",
                                       optarg);
            time_limit = optarg;
            break;
        case OPT_PARTITION:
            if (!partition_ok(optarg))
                return cli_usage_error("slurm", "--partition: \"%s\" is not a partition name",
                                       optarg);
            partition = optarg;
            break;
        case OPT_THREADS:
            if (!cli_parse_size(optarg, 1, MAX_THREADS, &threads))
                return cli_usage_error("slurm",
                                       "--threads: \"%s\" is not a whole number from 1 "
                                       "to %d",
                                       optarg, MAX_THREADS);
            break;
        case OPT_CHECKPOINT:
            if (!cli_parse_real(optarg, 0, 1e7, &checkpoint))
                return cli_usage_error("slurm",
                                       "--checkpoint: \"%s\" is not a number of "
                                       "seconds",
                                       optarg);
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            return cli_usage_error("slurm", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("slurm", "expected one plan folder, got %d arguments",
                               argc - optind);
    if (tasks == 0)
        return cli_usage_error("slurm", "--tasks M is required");
    const char *dir_arg = argv[optind];

    cp_error err;
    cp_error_clear(&err);
    cp_sweep *sw = cp_sweep_plan_open(dir_arg, &err);
    if (!sw)
        return cli_report_error("slurm", &err);
    size_t pairs = cp_sweep_pairs(sw);
    size_t points = sw->point_count, reps = sw->replications;
    cp_sweep_destroy(sw);
    if (tasks > pairs)
        return cli_usage_error("slurm", "--tasks %zu is more than the plan's %zu pairs", tasks,
                               pairs);

    char dir[PATH_MAX], exe[PATH_MAX];
    if (!realpath(dir_arg, dir)) {
        fprintf(stderr, "cpsim slurm: cannot resolve %s: %s\n", dir_arg, strerror(errno));
        return 1;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "cpsim slurm: cannot find this program's path (/proc/self/exe): %s\n",
                strerror(errno));
        return 1;
    }
    exe[n] = '\0';
    if (!plain_path(dir) || !plain_path(exe)) {
        fprintf(stderr,
                "cpsim slurm: %s or %s holds white space, %%, quotes, $ or `, which "
                "#SBATCH lines cannot quote; use a plainer path\n",
                dir, exe);
        return 2;
    }
    char logs[PATH_MAX + 8];
    snprintf(logs, sizeof logs, "%s/logs", dir);
    if (mkdir(logs, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "cpsim slurm: cannot create %s: %s\n", logs, strerror(errno));
        return 1;
    }

    cp_buf b;
    cp_buf_init(&b);
    size_t per_task = (pairs + tasks - 1) / tasks;
    cp_buf_printf(&b,
                  "#!/bin/bash\n"
                  "# sweep.sbatch: written by `cpsim slurm` for the sweep plan in\n"
                  "#   %s\n"
                  "# Submit with:  sbatch %s/sweep.sbatch\n"
                  "#\n"
                  "# A job array of %zu tasks over %zu pairs (%zu points x %zu replications):\n"
                  "# task I runs the I-th contiguous block, about %zu pairs. Many pairs per\n"
                  "# task on purpose: starting a task costs the scheduler seconds, and\n"
                  "# clusters frown on floods of tasks that each run for seconds.\n"
                  "#\n"
                  "# Interruptions: SLURM sends SIGTERM to this script 60 s before the time\n"
                  "# limit (--signal=B:TERM@60); the trap below passes it to cpsim, which\n"
                  "# finishes the pairs in flight, saves every completed pair in shards/ and\n"
                  "# exits 75 (\"interrupted, retry me\"); the script then requeues its own\n"
                  "# array element (--requeue), and the rerun skips the saved pairs.\n"
                  "# A lost node or a cancelled job: submit this script again (or only the\n"
                  "# failed indices: sbatch --array=3,7 %s/sweep.sbatch); done pairs are\n"
                  "# skipped. Exit 2 means bad configuration: it is not retried.\n"
                  "# When every task is done: cpsim merge %s\n"
                  "#SBATCH --job-name=cpsim-sweep\n"
                  "#SBATCH --array=0-%zu\n"
                  "#SBATCH --ntasks=1\n"
                  "#SBATCH --cpus-per-task=%zu\n",
                  dir, dir, tasks, pairs, points, reps, per_task, dir, dir, tasks - 1, threads);
    if (time_limit)
        cp_buf_printf(&b, "#SBATCH --time=%s\n", time_limit);
    if (partition)
        cp_buf_printf(&b, "#SBATCH --partition=%s\n", partition);
    cp_buf_printf(&b,
                  "#SBATCH --signal=B:TERM@60\n"
                  "#SBATCH --requeue\n"
                  "#SBATCH --open-mode=append\n"
                  "#SBATCH --output=%s/logs/task-%%a.out\n"
                  "\n"
                  "set -u\n"
                  "CPSIM=%s\n"
                  "DIR=%s\n"
                  "echo \"== $(date -u +%%FT%%TZ) task ${SLURM_ARRAY_TASK_ID} of %zu on "
                  "$(hostname) (job ${SLURM_JOB_ID})\"\n"
                  "\"$CPSIM\" sweep \"$DIR\" --task \"$SLURM_ARRAY_TASK_ID\" --tasks %zu "
                  "--threads %zu --checkpoint %g --quiet &\n"
                  "pid=$!\n"
                  "trap 'kill -TERM \"$pid\" 2>/dev/null' TERM INT\n"
                  "# wait returns early (status > 128) when the trap fires: wait again for\n"
                  "# cpsim's own exit status.\n"
                  "while :; do\n"
                  "    wait \"$pid\"; rc=$?\n"
                  "    if [ \"$rc\" -gt 128 ] && kill -0 \"$pid\" 2>/dev/null; then continue; fi\n"
                  "    break\n"
                  "done\n"
                  "case $rc in\n"
                  "    0) echo \"== task ${SLURM_ARRAY_TASK_ID} done\" ;;\n"
                  "    75) echo \"== task ${SLURM_ARRAY_TASK_ID} interrupted: requeueing\"\n"
                  "        scontrol requeue \"${SLURM_JOB_ID}\" ;;\n"
                  "    2) echo \"== task ${SLURM_ARRAY_TASK_ID}: bad configuration, not "
                  "retrying\" ;;\n"
                  "    *) echo \"== task ${SLURM_ARRAY_TASK_ID} failed with exit $rc\" ;;\n"
                  "esac\n"
                  "exit \"$rc\"\n",
                  dir, exe, dir, tasks, tasks, threads, checkpoint);
    int rc = 0;
    if (b.failed) {
        fprintf(stderr, "cpsim slurm: out of memory\n");
        rc = 1;
    } else if (cp_file_write_atomic(dir, "sweep.sbatch", b.data, b.len, &err) != CP_OK) {
        rc = cli_report_error("slurm", &err);
    } else {
        char script[PATH_MAX + 16];
        snprintf(script, sizeof script, "%s/sweep.sbatch", dir);
        chmod(script, 0755);
        printf("wrote %s: %zu tasks, about %zu pairs each%s\n", script, tasks, per_task,
               per_task < 10 ? " (few: consider fewer tasks)" : "");
        printf("submit with:\n  sbatch %s\n", script);
    }
    cp_buf_fini(&b);
    return rc;
}
