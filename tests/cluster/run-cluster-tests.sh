#!/usr/bin/env bash
# run-cluster-tests.sh: the sweep runner against real engines: a SLURM job
# array, mpirun, srun, a task killed mid-run, and a task requeued by its own
# sbatch script, each merged and compared byte for byte with a serial run.
#
# Usage: tests/cluster/run-cluster-tests.sh   (as root; not part of ctest)
#
# What it does, in order:
# - installs what is missing of slurm-wlm munge libopenmpi-dev openmpi-bin
#   (apt-get, only when something is missing);
# - rebuilds cpsim in build-cluster with MPI and checks MPI made it in;
# - starts munged and a one-node slurmctld/slurmd on localhost in a scratch
#   folder (shared/CLUSTER.md: MpiDefault=pmix, munge socket folder mode
#   755), with ports of its own so it cannot meet another test cluster on
#   the same machine; every daemon's PID is recorded and a trap stops each
#   of them, by PID, on any exit;
# - runs the tests below and prints "cluster: N passed, M failed".
# Exit status: 0 when every test passed, 1 otherwise (2 when the cluster
# could not be set up at all).
#
# Why each check: an exit code alone proves little here. `mpirun` as root
# exits 0 having run nothing unless allowed (shared/CLUSTER.md), and a job
# array can "succeed" with tasks that found nothing to do; so every run is
# checked for its own shards and for a merge identical to the serial one.
set -u
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD="$SRC/build-cluster"
FIX="$SRC/tests/fixtures/sweep"
pass=0
fail=0
results=()

say() { echo "cluster: $*"; }
ok() { pass=$((pass + 1)); results+=("PASS $1"); say "PASS $1"; }
bad() { fail=$((fail + 1)); results+=("FAIL $1"); say "FAIL $1"; }

# ---- packages ---------------------------------------------------------------------
missing=()
for p in slurm-wlm munge libopenmpi-dev openmpi-bin; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >/tmp/cpsim-cluster-apt.log 2>&1; then
        tail -20 /tmp/cpsim-cluster-apt.log
        say "cannot install ${missing[*]}"
        exit 2
    fi
fi

# ---- build --------------------------------------------------------------------------
say "building cpsim with MPI in $BUILD"
mkdir -p "$BUILD"
BUILD_LOG="$BUILD/cluster-build.log"
if ! { cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCPSIM_WERROR=ON -DCPSIM_MPI=ON \
    -DCPSIM_TESTS=OFF -DCPSIM_BENCHMARKS=OFF && cmake --build "$BUILD" --target cpsim -j 2; } \
    >"$BUILD_LOG" 2>&1; then
    tail -30 "$BUILD_LOG"
    say "build failed"
    exit 2
fi
CPSIM="$BUILD/cpsim"
if ! "$CPSIM" sweep --help | grep -q "this build has MPI"; then
    say "cpsim was built without MPI (see $BUILD_LOG)"
    exit 2
fi

# ---- scratch, daemons, cleanup --------------------------------------------------------
S=$(mktemp -d /tmp/cpsim-cluster.XXXXXX)
chmod 755 "$S"
PIDS=()          # every daemon we started, stopped by PID in cleanup
MUNGED_PID=""
cleanup() {
    local rc=$?
    if [ ${#PIDS[@]} -gt 0 ]; then
        SLURM_CONF="$S/slurm/slurm.conf" timeout 10 scontrol shutdown >/dev/null 2>&1
        for _ in $(seq 1 50); do
            local alive=0
            for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            [ "$alive" -eq 0 ] && break
            sleep 0.2
        done
        for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
        sleep 0.5
        for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    fi
    if [ -n "$MUNGED_PID" ]; then
        kill -TERM "$MUNGED_PID" 2>/dev/null
        for _ in $(seq 1 25); do kill -0 "$MUNGED_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$MUNGED_PID" 2>/dev/null
    fi
    if [ "$fail" -eq 0 ] && [ "$rc" -eq 0 ]; then rm -rf "$S"; else say "logs kept in $S"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$S/munge/etc" "$S/munge/run" "$S/munge/log" "$S/munge/lib" \
    "$S/slurm/state" "$S/slurm/spool" "$S/slurm/log" "$S/work"
chmod 700 "$S/munge/etc" "$S/munge/lib" "$S/munge/log"
chmod 755 "$S/munge/run" # munged refuses a socket folder others cannot reach
mungekey --create --keyfile "$S/munge/etc/munge.key" >/dev/null 2>&1 ||
    { say "mungekey failed"; exit 2; }
chmod 600 "$S/munge/etc/munge.key"
SOCKET="$S/munge/run/munge.socket.2"
munged --foreground --key-file "$S/munge/etc/munge.key" --socket "$SOCKET" \
    --pid-file "$S/munge/run/munged.pid" --log-file "$S/munge/log/munged.log" \
    --seed-file "$S/munge/lib/munged.seed" >"$S/munge/log/munged.out" 2>&1 &
MUNGED_PID=$!
for _ in $(seq 1 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
if ! [ -S "$SOCKET" ]; then
    cat "$S/munge/log/munged.out" "$S/munge/log/munged.log" 2>/dev/null | tail -5
    say "munged did not start"
    exit 2
fi

# Ports of our own, so two test clusters on one machine do not meet.
# cred_expire=10: a requeued job waits cred_expire + 1 s before it may start
# again (120 s by default), which would make test 6 slow.
PORT=$((20000 + ($$ % 20000) * 2))
export SLURM_CONF="$S/slurm/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=cpsimtest
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET,cred_expire=10
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$S/slurm/state
SlurmdSpoolDir=$S/slurm/spool
SlurmctldPidFile=$S/slurm/slurmctld.pid
SlurmdPidFile=$S/slurm/slurmd.pid
SlurmctldLogFile=$S/slurm/log/slurmctld.log
SlurmdLogFile=$S/slurm/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -c -f "$SLURM_CONF" >"$S/slurm/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$S/slurm/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 1 150); do
    state=$(sinfo -h -o %T 2>/dev/null | head -1)
    [ "$state" = "idle" ] && break
    sleep 0.2
done
if [ "$state" != "idle" ]; then
    tail -5 "$S/slurm/log/slurmctld.log" "$S/slurm/log/slurmd.log" 2>/dev/null
    say "the node did not become idle (state \"$state\")"
    exit 2
fi
say "munged, slurmctld and slurmd up (ports $PORT-$((PORT + 1)), PIDs $MUNGED_PID ${PIDS[*]})"

W="$S/work"
# merged_same DIR [REF]: merge DIR and compare its runs.csv and summary.csv
# with REF's (default: the serial reference).
merged_same() {
    local dir=$1 ref=${2:-$W/serial}
    if ! "$CPSIM" merge "$dir" >"$dir.merge.out" 2>&1; then
        cat "$dir.merge.out"
        return 1
    fi
    cmp "$dir/runs.csv" "$ref/runs.csv" && cmp "$dir/summary.csv" "$ref/summary.csv"
}
plan() { "$CPSIM" plan "$1" --out "$2" >/dev/null; }

# ---- 1. the serial reference ------------------------------------------------------------
plan "$FIX/small-lhs.ini" "$W/serial"
if "$CPSIM" sweep "$W/serial" --points all >"$W/serial.out" 2>&1 &&
    "$CPSIM" merge "$W/serial" >/dev/null && [ "$(wc -l <"$W/serial/runs.csv")" -eq 25 ]; then
    ok "serial run of 8 points x 3 replications"
else
    cat "$W/serial.out"
    bad "serial run of 8 points x 3 replications"
fi

# ---- 2. a job array of 4 tasks, from the generated script ---------------------------------
plan "$FIX/small-lhs.ini" "$W/array"
"$CPSIM" slurm "$W/array" --tasks 4 --time 00:10:00 >"$W/array.slurm.out" 2>&1
if sbatch --wait --array=0-3 "$W/array/sweep.sbatch" >"$W/array.sbatch.out" 2>&1 &&
    [ "$(ls "$W/array/shards" | grep -c '^task-[0-3]-of-4\.csv$')" -eq 4 ] &&
    merged_same "$W/array"; then
    ok "job array of 4 tasks (sbatch --wait --array=0-3) merges identical to serial"
else
    cat "$W/array.sbatch.out" "$W"/array/logs/* 2>/dev/null | tail -20
    bad "job array of 4 tasks"
fi

# ---- 3. mpirun, 2 ranks -------------------------------------------------------------------
plan "$FIX/small-lhs.ini" "$W/mpirun"
if mpirun --allow-run-as-root -np 2 "$CPSIM" sweep "$W/mpirun" --mpi >"$W/mpirun.out" 2>&1 &&
    [ -f "$W/mpirun/shards/rank-0-of-2.csv" ] && [ -f "$W/mpirun/shards/rank-1-of-2.csv" ] &&
    merged_same "$W/mpirun"; then
    ok "mpirun -np 2: both ranks wrote shards, merge identical to serial"
else
    cat "$W/mpirun.out"
    ls "$W/mpirun/shards"
    bad "mpirun -np 2"
fi

# ---- 4. srun, 2 ranks inside sbatch (PMIx) --------------------------------------------------
plan "$FIX/small-lhs.ini" "$W/srun"
if sbatch --wait -n 2 -o "$W/srun.job.out" \
    --wrap "srun -n 2 $CPSIM sweep $W/srun --mpi" >"$W/srun.sbatch.out" 2>&1 &&
    [ -f "$W/srun/shards/rank-0-of-2.csv" ] && [ -f "$W/srun/shards/rank-1-of-2.csv" ] &&
    merged_same "$W/srun"; then
    ok "srun -n 2 --mpi under sbatch: both ranks wrote shards, merge identical to serial"
else
    cat "$W/srun.sbatch.out" "$W/srun.job.out" 2>/dev/null | tail -20
    bad "srun -n 2 --mpi"
fi

# ---- 5. killed mid-run, rerun: nothing lost or duplicated ----------------------------------
cat >"$W/slow.ini" <<EOF
; 5 points x 8 replications of a 60-year run: slow enough to kill mid-way.
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
plan "$W/slow.ini" "$W/slowref"
"$CPSIM" sweep "$W/slowref" --points all >/dev/null 2>&1 && "$CPSIM" merge "$W/slowref" >/dev/null
plan "$W/slow.ini" "$W/kill"
"$CPSIM" sweep "$W/kill" --task 0 --tasks 1 --checkpoint 0 >"$W/kill.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    [ "$(ls "$W/kill/shards" | grep -c 'part')" -ge 2 ] && break
    sleep 0.05
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
krc=$?
parts=$(ls "$W/kill/shards" | grep -c 'part')
if [ "$krc" -eq 75 ] && [ "$parts" -ge 1 ] &&
    "$CPSIM" sweep "$W/kill" --task 0 --tasks 1 >"$W/kill.rerun.out" 2>&1 &&
    merged_same "$W/kill" "$W/slowref" && [ "$(wc -l <"$W/kill/runs.csv")" -eq 41 ]; then
    ok "SIGTERM mid-task: exit 75 with $parts checkpoints, rerun completes identical to uninterrupted"
else
    cat "$W/kill.out" "$W/kill.rerun.out" 2>/dev/null
    bad "SIGTERM mid-task (exit $krc, $parts checkpoints)"
fi

# ---- 6. SLURM signals a task, its script requeues it, the rerun finishes --------------------
plan "$W/slow.ini" "$W/requeue"
"$CPSIM" slurm "$W/requeue" --tasks 1 --checkpoint 0 >/dev/null
job=$(sbatch --parsable "$W/requeue/sweep.sbatch" 2>"$W/requeue.sbatch.err")
job=${job%%;*}
for _ in $(seq 1 600); do
    [ "$(ls "$W/requeue/shards" 2>/dev/null | grep -c 'part')" -ge 2 ] && break
    sleep 0.05
done
# What --signal=B:TERM@60 does near the time limit: TERM to the batch shell.
scancel --batch --signal=TERM "${job}_0" >/dev/null 2>&1 || scancel --batch --signal=TERM "$job"
jstate=""
for _ in $(seq 1 240); do
    jstate=$(scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1)
    case "$jstate" in JobState=COMPLETED | JobState=FAILED | JobState=CANCELLED) break ;; esac
    sleep 0.5
done
log="$W/requeue/logs/task-0.out"
if [ "$jstate" = "JobState=COMPLETED" ] && grep -q "interrupted: requeueing" "$log" &&
    grep -q "task 0 done" "$log" && merged_same "$W/requeue" "$W/slowref"; then
    ok "a signalled array task exits 75, requeues itself and completes identical"
else
    echo "job $job: $jstate"
    cat "$W/requeue.sbatch.err" "$log" 2>/dev/null | tail -20
    bad "requeue of a signalled array task"
fi

echo
for r in "${results[@]}"; do echo "  $r"; done
echo "cluster: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
