#!/usr/bin/env bash
# test_sweep.sh: end-to-end test of plan / sweep / merge / sensitivity / slurm
# against the built binary. $1 = cpsim binary, $2 = source directory.
#
# What it shows: a plan split into 1, 2 or point-range tasks merges to the
# same bytes; a deleted shard is named as missing pairs (exit 2) and a rerun
# of its task restores exactly the same merge; a SIGTERM mid-task exits 75
# having saved every completed pair, and a rerun finishes without losing or
# duplicating anything; bad input exits 2. Designs use a one-year classroom
# team (tests/fixtures/sweep), so the whole script runs in seconds.
set -u
CPSIM=$1
SRC=$2
FIX="$SRC/tests/fixtures/sweep"
T=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-sweep.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
# expect CODE NAME CMD...: runs CMD, output in $T/out and $T/err.
expect() {
    local want=$1 name=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name (exit $rc)"; else
        bad "$name: exit $rc, wanted $want"; sed 's/^/    /' "$T/err" | head -20; fi
}
contains() { # contains FILE TEXT NAME
    if grep -qF -- "$2" "$1"; then ok "$3"; else
        bad "$3: \"$2\" not in $1:"; sed 's/^/    /' "$1" | head -20; fi
}
same() { # same A B NAME
    if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi
}

# ---- plan ---------------------------------------------------------------------
expect 0 "plan writes a plan" "$CPSIM" plan "$FIX/small-lhs.ini" --out "$T/one"
for f in design.csv sweep.ini base.ini plan.json shards; do
    [ -e "$T/one/$f" ] && ok "plan wrote $f" || bad "plan did not write $f"
done
contains "$T/one/design.csv" "point_id,social_workers,cap_cases" "design.csv header"
[ "$(wc -l <"$T/one/design.csv")" -eq 9 ] && ok "design.csv has 8 points" || bad "design.csv rows"
same "$T/one/sweep.ini" "$FIX/small-lhs.ini" "sweep.ini is a copy of the sweep file"
expect 0 "planning the same sweep again is a no-op" "$CPSIM" plan "$FIX/small-lhs.ini" --out "$T/one"
contains "$T/out" "already holds this plan" "no-op is reported"
sed -e 's/^seed = 11/seed = 12/' -e "s|^scenario = .*|scenario = $FIX/base-short.ini|" \
    "$FIX/small-lhs.ini" >"$T/other-seed.ini"
expect 2 "a different plan into the same folder is refused" \
    "$CPSIM" plan "$T/other-seed.ini" --out "$T/one"
contains "$T/err" "different plan" "refusal says why"

# ---- one task, two tasks, point ranges: the same bytes -----------------------
expect 0 "one task runs every pair" "$CPSIM" sweep "$T/one" --task 0 --tasks 1
expect 0 "merge of one task" "$CPSIM" merge "$T/one"
"$CPSIM" plan "$FIX/small-lhs.ini" --out "$T/two" >/dev/null
expect 0 "task 0 of 2" "$CPSIM" sweep "$T/two" --task 0 --tasks 2
expect 0 "task 1 of 2 (two threads)" "$CPSIM" sweep "$T/two" --task 1 --tasks 2 --threads 2
expect 0 "merge of two tasks" "$CPSIM" merge "$T/two"
same "$T/one/runs.csv" "$T/two/runs.csv" "runs.csv identical for 1 and 2 tasks"
same "$T/one/summary.csv" "$T/two/summary.csv" "summary.csv identical for 1 and 2 tasks"
"$CPSIM" plan "$FIX/small-lhs.ini" --out "$T/pts" >/dev/null
expect 0 "points 0-2" "$CPSIM" sweep "$T/pts" --points 0-2
expect 0 "points 3-7" "$CPSIM" sweep "$T/pts" --points 3-7
expect 0 "merge of point ranges" "$CPSIM" merge "$T/pts"
same "$T/one/runs.csv" "$T/pts/runs.csv" "runs.csv identical for point ranges"
head -1 "$T/one/runs.csv" | grep -q '^point_id,replication,social_workers,cap_cases,unallocated_mean,' &&
    ok "runs.csv columns" || bad "runs.csv columns"
contains "$T/one/summary.csv" "point_id,outcome,n,mean,sd,ci_low,ci_high,median,p5,p95" \
    "summary.csv columns"

# ---- a lost shard: named, then restored by rerunning its task ---------------------
rm "$T/two/shards/task-1-of-2.csv"
expect 2 "merge with a shard missing" "$CPSIM" merge "$T/two"
contains "$T/err" "missing 12 of 24 pairs: points 4-7 (all reps)" "missing pairs are named"
expect 0 "rerun of the lost task" "$CPSIM" sweep "$T/two" --task 1 --tasks 2
contains "$T/out" "0 already done, 12 run now" "the rerun ran only the lost pairs"
expect 0 "merge after the rerun" "$CPSIM" merge "$T/two"
same "$T/one/runs.csv" "$T/two/runs.csv" "runs.csv restored exactly"
expect 0 "everything again: nothing to do" "$CPSIM" sweep "$T/two" --points all
contains "$T/out" "24 already done, 0 run now" "done pairs are skipped"
expect 0 "merge with overlapping shards" "$CPSIM" merge "$T/two"
same "$T/one/summary.csv" "$T/two/summary.csv" "identical duplicates do not change the merge"

# ---- SLURM's variables ------------------------------------------------------------
"$CPSIM" plan "$FIX/small-lhs.ini" --out "$T/env" >/dev/null
expect 0 "task from SLURM_ARRAY_TASK_ID" env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 \
    "$CPSIM" sweep "$T/env"
contains "$T/err" "SLURM_ARRAY_TASK_ID" "the share's origin is announced on stderr"
[ -f "$T/env/shards/task-1-of-3.csv" ] && ok "task-1-of-3.csv written" || bad "no task-1-of-3.csv"
expect 2 "no share and no SLURM variables" env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT \
    "$CPSIM" sweep "$T/env"
expect 2 "an array that is not 0..COUNT-1" env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=2 \
    SLURM_ARRAY_TASK_MIN=3 SLURM_ARRAY_TASK_MAX=7 "$CPSIM" sweep "$T/env"

# ---- interrupted: exit 75, nothing lost or duplicated -------------------------------
cat >"$T/slow.ini" <<EOF
[sweep]
scenario = $FIX/base-short.ini
design = grid
replications = 8
seed = 5
[param.years]
key = simulation.years
values = 60
[param.workers]
key = team.social_workers
values = 4, 5, 6, 7, 8
EOF
"$CPSIM" plan "$T/slow.ini" --out "$T/slow" >/dev/null
"$CPSIM" plan "$T/slow.ini" --out "$T/slowref" >/dev/null
"$CPSIM" sweep "$T/slow" --points all --checkpoint 0 >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 200); do
    ls "$T/slow/shards/"points-0-4.part-*.csv >/dev/null 2>&1 && break
    sleep 0.05
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -eq 75 ]; then ok "SIGTERM mid-task exits 75"; else bad "SIGTERM gave exit $rc"; fi
contains "$T/err" "run the same command again to resume" "the interruption says how to resume"
ls "$T/slow/shards/" | grep -q '^points-0-4\.part-[0-9]*\.csv$' && ok "checkpoints were kept" ||
    bad "no checkpoint files after the interruption"
ls -a "$T/slow/shards/" | grep -q 'tmp' && bad "a temp file was left behind" || ok "no temp files"
expect 2 "merge of the interrupted sweep is incomplete" "$CPSIM" merge "$T/slow"
expect 0 "rerun resumes" "$CPSIM" sweep "$T/slow" --points all
ls "$T/slow/shards/" | grep -q 'part' && bad "checkpoints not folded" || ok "checkpoints folded"
expect 0 "merge after resuming" "$CPSIM" merge "$T/slow"
"$CPSIM" sweep "$T/slowref" --points all >/dev/null && "$CPSIM" merge "$T/slowref" >/dev/null
same "$T/slow/runs.csv" "$T/slowref/runs.csv" "interrupted + resumed = uninterrupted"
[ "$(wc -l <"$T/slow/runs.csv")" -eq 41 ] && ok "40 pairs, none duplicated" || bad "row count"

# ---- sensitivity -------------------------------------------------------------------
cat >"$T/morris.ini" <<EOF
[sweep]
scenario = $FIX/base-short.ini
design = morris
points = 4
replications = 2
outcomes = unallocated_mean
[param.workers]
key = team.social_workers
min = 4
max = 7
[param.cap]
key = caseload.cap_cases
min = 12
max = 22
EOF
"$CPSIM" plan "$T/morris.ini" --out "$T/morris" >/dev/null
expect 2 "sensitivity of an incomplete sweep" "$CPSIM" sensitivity "$T/morris"
"$CPSIM" sweep "$T/morris" --points all >/dev/null
expect 0 "Morris sensitivity" "$CPSIM" sensitivity "$T/morris" --bootstrap 50 \
    --outcomes unallocated_mean,missed_risk_events
contains "$T/out" "mu*" "the table shows mu*"
contains "$T/morris/sensitivity.csv" "outcome,parameter,index,estimate,ci_low,ci_high,n" \
    "sensitivity.csv header"
contains "$T/morris/sensitivity.csv" "missed_risk_events,cap,mu_star," "rows per outcome"
expect 2 "sensitivity of an lhs design" "$CPSIM" sensitivity "$T/one"
expect 2 "an unknown outcome" "$CPSIM" sensitivity "$T/morris" --outcomes nonsense

# ---- slurm script --------------------------------------------------------------------
expect 0 "slurm writes a job script" "$CPSIM" slurm "$T/one" --tasks 3 --time 01:00:00 \
    --threads 2
contains "$T/out" "sbatch $(cd "$T/one" && pwd -P)/sweep.sbatch" "prints the sbatch command"
S="$T/one/sweep.sbatch"
contains "$S" "#SBATCH --array=0-2" "array 0..M-1"
contains "$S" "#SBATCH --signal=B:TERM@60" "signal before the time limit"
contains "$S" "#SBATCH --requeue" "requeueable"
contains "$S" "--task \"\$SLURM_ARRAY_TASK_ID\" --tasks 3 --threads 2" "runs its block"
contains "$S" "scontrol requeue" "requeues on exit 75"
bash -n "$S" && ok "the script parses" || bad "the script does not parse"
[ -d "$T/one/logs" ] && ok "logs/ made" || bad "no logs/"
expect 2 "more tasks than pairs" "$CPSIM" slurm "$T/one" --tasks 25

# ---- bad input ------------------------------------------------------------------------
expect 2 "sweep of a folder that is not a plan" "$CPSIM" sweep "$T" --points all
expect 2 "merge of a folder that is not a plan" "$CPSIM" merge "$T"
expect 2 "--task without --tasks" "$CPSIM" sweep "$T/one" --task 0
expect 2 "--task beyond --tasks" "$CPSIM" sweep "$T/one" --task 2 --tasks 2
expect 2 "--points beyond the plan" "$CPSIM" sweep "$T/one" --points 3-8
printf '[sweep]\nscenario = %s\ndesign = lhs\npoints = 4\n[param.w]\nkey = team.social_workers\nmin = 4\nmax = 2000000\n' \
    "$FIX/base-short.ini" >"$T/range.ini"
expect 2 "an out-of-range design fails at plan time" "$CPSIM" plan "$T/range.ini" --out "$T/range"
contains "$T/err" "$T/range.ini:8: [param.w] max:" "the error names file, line and parameter"
[ -e "$T/range" ] && bad "a bad plan left a folder" || ok "a bad plan writes nothing"
if "$CPSIM" sweep --help | grep -q "not in this build"; then
    expect 2 "--mpi without MPI compiled in" "$CPSIM" sweep "$T/one" --mpi
    contains "$T/err" "built without MPI" "says MPI is missing"
fi

echo "sweep e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
