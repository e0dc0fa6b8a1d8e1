#!/usr/bin/env bash
# test_sweep_concurrent.sh: two or three `cpsim sweep` processes working on
# the *same* share at once (a task requeued while its first run still
# writes, a share started twice by hand) lose no (point, replication) pair,
# and the merge is the same bytes as a serial run. $1 = cpsim binary,
# $2 = source directory.
#
# Why staggered starts and different thread counts: processes that start
# together with one thread each run the same pairs in the same order, so
# their checkpoints happen to hold the same pairs and overwriting one with
# the other loses nothing. A process started later skips the pairs already
# saved and numbers its checkpoints from the last one it saw, so its
# checkpoints and the first process's collide by name while holding
# different pairs: the case that lost pairs before checkpoints were created
# exclusively and shards were folded under a lock. Every scenario checks
# the exit codes, the merged files against a serial run, the row count,
# and that no checkpoint or temp file is left behind.
set -u
CPSIM=$1
SRC=$2
FIX="$SRC/tests/fixtures/sweep"
T=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-conc.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
same() { # same A B NAME
    if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi
}
# wait_for_parts DIR STEM N: until DIR/shards holds at least N checkpoints
# of STEM (or 20 s pass).
wait_for_parts() {
    for _ in $(seq 1 400); do
        [ "$(ls "$1/shards/" 2>/dev/null | grep -c "^$2\.part-")" -ge "$3" ] && return 0
        sleep 0.05
    done
    return 1
}
# finish NAME WANT PID...: waits for each PID, wants exit WANT from each.
finish() {
    local name=$1 want=$2
    shift 2
    local i=0 rc all=0
    for p in "$@"; do
        wait "$p"
        rc=$?
        i=$((i + 1))
        if [ "$rc" -ne "$want" ]; then
            all=1
            bad "$name: process $i exited $rc, wanted $want"
            sed 's/^/    /' "$T/err.$i" | head -5
        fi
    done
    [ "$all" -eq 0 ] && ok "$name: all $# processes exited $want"
    pids=()
}
# merged NAME DIR PAIRS: DIR merges, to the serial run's bytes, with PAIRS
# rows, and leaves no checkpoint or temp file in shards/.
merged() {
    local name=$1 dir=$2 pairs=$3
    if "$CPSIM" merge "$dir" >"$T/out" 2>"$T/err"; then ok "$name: merge"; else
        bad "$name: merge failed: $(head -c 400 "$T/err")"
        return
    fi
    same "$dir/runs.csv" "$T/ref/runs.csv" "$name: runs.csv identical to the serial run"
    same "$dir/summary.csv" "$T/ref/summary.csv" "$name: summary.csv identical to the serial run"
    [ "$(wc -l <"$dir/runs.csv")" -eq $((pairs + 1)) ] && ok "$name: $pairs pairs, none twice" ||
        bad "$name: runs.csv has $(wc -l <"$dir/runs.csv") lines, wanted $((pairs + 1))"
    ls "$dir/shards/" | grep -q '\.part-' && bad "$name: checkpoints left: $(ls "$dir/shards")" ||
        ok "$name: every checkpoint folded"
    [ -z "$(find "$dir/shards" -name '.*' -type f)" ] && ok "$name: no temp or lock files" ||
        bad "$name: hidden files left behind: $(find "$dir/shards" -name '.*' -type f | head -3)"
}

# 5 points x 40 replications of a 30-year team: 200 pairs, a few seconds.
cat >"$T/conc.ini" <<EOF
[sweep]
scenario = $FIX/base-short.ini
design = grid
replications = 40
seed = 9
[param.years]
key = simulation.years
values = 30
[param.workers]
key = team.social_workers
values = 4, 5, 6, 7, 8
EOF
PAIRS=200
for d in ref a b c; do "$CPSIM" plan "$T/conc.ini" --out "$T/$d" >/dev/null || bad "plan $d"; done
"$CPSIM" sweep "$T/ref" --points all --quiet >/dev/null 2>&1 && "$CPSIM" merge "$T/ref" >/dev/null ||
    bad "the serial reference run"

# ---- a: three processes on --points all, started one after another --------------
"$CPSIM" sweep "$T/a" --points all --checkpoint 0 --quiet >"$T/out.1" 2>"$T/err.1" &
pids+=($!)
wait_for_parts "$T/a" points-0-4 3 || bad "a: the first process wrote no checkpoints"
"$CPSIM" sweep "$T/a" --points all --checkpoint 0 --threads 2 --quiet >"$T/out.2" 2>"$T/err.2" &
pids+=($!)
wait_for_parts "$T/a" points-0-4 12 || true
"$CPSIM" sweep "$T/a" --points all --checkpoint 0.05 --quiet >"$T/out.3" 2>"$T/err.3" &
pids+=($!)
finish "a: three overlapping runs of one share" 0 "${pids[@]}"
merged "a" "$T/a" "$PAIRS"
[ "$(ls "$T/a/shards/" | grep -c '\.csv$')" -eq 1 ] && [ -f "$T/a/shards/points-0-4.csv" ] &&
    ok "a: one shard, points-0-4.csv" || bad "a: shards: $(ls "$T/a/shards" | tr '\n' ' ')"

# ---- b: one task of a split run twice at once, the other task once -----------------
"$CPSIM" sweep "$T/b" --task 1 --tasks 2 --checkpoint 0 --quiet >"$T/out.1" 2>"$T/err.1" &
pids+=($!)
wait_for_parts "$T/b" task-1-of-2 2 || bad "b: the first process wrote no checkpoints"
"$CPSIM" sweep "$T/b" --task 1 --tasks 2 --checkpoint 0 --threads 2 --quiet >"$T/out.2" 2>"$T/err.2" &
pids+=($!)
"$CPSIM" sweep "$T/b" --task 0 --tasks 2 --checkpoint 0 --quiet >"$T/out.3" 2>"$T/err.3" &
pids+=($!)
finish "b: task 1 of 2 twice at once, task 0 alongside" 0 "${pids[@]}"
merged "b" "$T/b" "$PAIRS"

# ---- c: two overlapping runs interrupted, then resumed --------------------------------
"$CPSIM" sweep "$T/c" --points all --checkpoint 0 --quiet >"$T/out.1" 2>"$T/err.1" &
pids+=($!)
wait_for_parts "$T/c" points-0-4 3 || bad "c: the first process wrote no checkpoints"
"$CPSIM" sweep "$T/c" --points all --checkpoint 0 --threads 2 --quiet >"$T/out.2" 2>"$T/err.2" &
pids+=($!)
wait_for_parts "$T/c" points-0-4 20 || true
kill -TERM "${pids[@]}" 2>/dev/null
finish "c: both interrupted by SIGTERM" 75 "${pids[@]}"
"$CPSIM" merge "$T/c" >/dev/null 2>&1 && bad "c: an interrupted sweep merged" ||
    ok "c: the interrupted sweep is incomplete"
ls "$T/c/shards/" | grep -q '\.part-' && ok "c: checkpoints kept" || bad "c: no checkpoints kept"
if "$CPSIM" sweep "$T/c" --points all --quiet >"$T/out" 2>"$T/err"; then
    ok "c: the rerun completes"
    grep -q " 0 run now" "$T/out" && bad "c: the rerun ran nothing: were pairs never interrupted?" ||
        ok "c: the rerun ran only what was missing: $(grep -o '[0-9]* already done, [0-9]* run now' "$T/out")"
else
    bad "c: the rerun failed: $(head -c 400 "$T/err")"
fi
merged "c" "$T/c" "$PAIRS"

echo "sweep concurrency e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
