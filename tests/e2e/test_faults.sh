#!/usr/bin/env bash
# test_faults.sh: faults while writing and interrupted runs lose nothing.
#
# Usage: test_faults.sh PATH/TO/cpsim SOURCE_DIR
# Checks, with the real binary:
# - an output folder that cannot be made or written (under a regular file;
#   under /proc; on a read-only mount): exit 1 with a message naming the
#   path, nothing left behind;
# - a full disk (a 256 KiB tmpfs when this user may mount one, else a file
#   size limit with SIGXFSZ ignored, which fails writes the same way): exit
#   1, the previous results in the folder untouched, no temp file left;
# - a directory where an output file should go: exit 1, and the folder's
#   files are still one consistent set (all old);
# - SIGINT and SIGTERM half a second into `cpsim run`: exit 75, a message
#   saying so, no file and no temp file in the output folder; the rerun's
#   runs.csv, summary.csv and timeseries.csv are byte-identical to those of
#   a run never interrupted;
# - SIGINT, SIGTERM and SIGKILL in the middle of `cpsim sweep`: 75 (or the
#   kill), then the rerun resumes, merge succeeds, and runs.csv and
#   summary.csv are byte-identical to an uninterrupted sweep's.
# Every check runs and reports; the script exits 1 if any failed.
set -u

cpsim=${1:?usage: test_faults.sh CPSIM SOURCE_DIR}
src=${2:?usage: test_faults.sh CPSIM SOURCE_DIR}
[ -x "$cpsim" ] || { echo "FAIL: $cpsim is not an executable" >&2; exit 1; }
scenario="$src/scenarios/classroom.ini"
work=$(mktemp -d)
mounts=()
cleanup() {
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

# run_expect CODE WHAT -- COMMAND...: exit CODE, stderr kept in $work/err.
run_expect() {
    local want=$1 what=$2
    shift 3
    "$@" >"$work/out" 2>"$work/err"
    local code=$?
    if [ "$code" -ne "$want" ]; then
        fail "$what: exit $code, expected $want"
        sed 's/^/    /' "$work/err" | head -n 10 >&2
        return 1
    fi
    return 0
}

# no_temp_files DIR WHAT: no hidden temp file (.NAME.tmp.PID) under DIR.
no_temp_files() {
    local left
    left=$(find "$1" -name '.*' -type f 2>/dev/null | head -n 3)
    [ -z "$left" ] || fail "$2: temp files left behind: $left"
}

# try_mount DIR OPTIONS: mounts a tmpfs; false when this user may not.
try_mount() {
    mkdir -p "$1"
    if mount -t tmpfs -o "$2" tmpfs "$1" 2>/dev/null; then
        mounts+=("$1")
        return 0
    fi
    return 1
}

run_small() { "$cpsim" run "$scenario" --quiet --reps "$@"; }

# ---- output folders that cannot be used ------------------------------------------
touch "$work/file.txt"
# A path under a regular file fails for root too (ENOTDIR), unlike chmod.
for out in "$work/file.txt/sub" /proc/cpsim-test-out "$work/missing/parent/out"; do
    if run_expect 1 "--out $out" -- run_small 2 --out "$out"; then
        grep -qF -- "$out" "$work/err" || fail "--out $out: the message does not name it"
        ok "unusable --out $out: $(head -n 1 "$work/err")"
    fi
done
[ -e "$work/missing" ] && fail "--out under a missing parent created folders"

if try_mount "$work/ro" size=64k,ro; then
    if run_expect 1 "a read-only file system" -- run_small 2 --out "$work/ro/out"; then
        grep -q "Read-only file system" "$work/err" || fail "read-only: message: $(cat "$work/err")"
        ok "read-only file system: $(head -n 1 "$work/err")"
    fi
else
    echo "note: cannot mount a tmpfs here: the read-only check is skipped"
fi

# ---- a full disk -------------------------------------------------------------------
# Old results first (about 100 KiB), then a run whose runs.csv alone is
# 250 KiB: staging must fail, and the old set must survive byte for byte.
full="$work/full"
if try_mount "$full" size=256k; then
    limit=()
else
    mkdir -p "$full"
    limit=(64) # KiB of file size (ulimit -f); timeseries.csv alone is ~80 KiB
    echo "note: cannot mount a tmpfs here: using a file size limit instead"
fi
if [ ${#limit[@]} -eq 0 ]; then
    run_expect 0 "the first run on the small disk" -- run_small 2 --out "$full/out"
    (cd "$full/out" && md5sum ./*) >"$work/before.md5"
    if run_expect 1 "a full disk" -- run_small 400 --out "$full/out"; then
        grep -q "No space left on device" "$work/err" || fail "full disk: message: $(cat "$work/err")"
        ok "full disk: $(head -n 1 "$work/err")"
    fi
    (cd "$full/out" && md5sum ./*) >"$work/after.md5"
    cmp -s "$work/before.md5" "$work/after.md5" ||
        fail "full disk: the previous results changed: $(diff "$work/before.md5" "$work/after.md5")"
else
    if run_expect 1 "a file size limit" -- \
        bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "${limit[0]}" \
        "$cpsim" run "$scenario" --quiet --reps 2 --out "$full/out"; then
        grep -q "File too large" "$work/err" || fail "size limit: message: $(cat "$work/err")"
        ok "file size limit: $(head -n 1 "$work/err")"
    fi
    [ -z "$(ls -A "$full/out" 2>/dev/null)" ] || fail "size limit: files written: $(ls -A "$full/out")"
fi
no_temp_files "$full" "full disk"

# ---- a directory in place of an output file ------------------------------------
mixed="$work/mixed"
run_expect 0 "the first run" -- run_small 2 --out "$mixed"
rm "$mixed/summary.csv"
mkdir -p "$mixed/summary.csv/x"
(cd "$mixed" && md5sum ./*.csv ./*.json 2>/dev/null) >"$work/before.md5"
if run_expect 1 "a directory named summary.csv" -- run_small 5 --out "$mixed"; then
    grep -qF "summary.csv" "$work/err" || fail "directory in the way: message: $(cat "$work/err")"
    ok "directory in place of summary.csv: $(head -n 1 "$work/err")"
fi
(cd "$mixed" && md5sum ./*.csv ./*.json 2>/dev/null) >"$work/after.md5"
cmp -s "$work/before.md5" "$work/after.md5" ||
    fail "directory in the way: some files were replaced and some not (a mixed set): $(diff "$work/before.md5" "$work/after.md5" | tr '\n' ' ')"
no_temp_files "$mixed" "directory in the way"

# ---- interrupting `cpsim run` ---------------------------------------------------
# Long enough that half a second is mid-run even on a fast machine.
# Signals go to cpsim itself: started directly with &, never through a
# shell function, whose subshell would take the signal instead.
reps=800
long=(--quiet --reps "$reps" --threads 2)
run_expect 0 "the uninterrupted run" -- "$cpsim" run "$scenario" "${long[@]}" --out "$work/ref"

for sig in INT TERM; do
    out="$work/interrupted-$sig"
    "$cpsim" run "$scenario" "${long[@]}" --out "$out" >"$work/out" 2>"$work/err" &
    pid=$!
    sleep 0.5
    kill -s "$sig" "$pid"
    wait "$pid" 2>/dev/null
    code=$?
    if [ "$code" -ne 75 ]; then
        fail "SIG$sig during run: exit $code, expected 75 ($(cat "$work/err"))"
    else
        grep -qi "interrupted" "$work/err" || fail "SIG$sig during run: no clear message"
        ok "SIG$sig during run: exit 75: $(head -n 1 "$work/err")"
    fi
    left=$(find "$out" -type f 2>/dev/null | head -n 3)
    [ -z "$left" ] || fail "SIG$sig during run: files left in the output folder: $left"
    if run_expect 0 "the rerun after SIG$sig" -- "$cpsim" run "$scenario" "${long[@]}" --out "$out"; then
        for f in runs.csv summary.csv timeseries.csv; do
            cmp -s "$work/ref/$f" "$out/$f" ||
                fail "SIG$sig: the rerun's $f differs from the uninterrupted run's"
        done
        ok "SIG$sig: the rerun is byte-identical to the uninterrupted run"
    fi
done

# A team inside the schema's ranges but huge: a simulated day takes seconds.
# SIGINT must still end it promptly (it used to wait for a 28-day chunk,
# minutes here). 30 s is a hang bound, not a speed test.
"$cpsim" run "$scenario" --quiet --reps 1 --set team.social_workers=100000 \
    --set demand.referrals_per_week=54000 --out "$work/huge" >"$work/out" 2>"$work/err" &
pid=$!
sleep 2
kill -s INT "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    fail "SIGINT to a huge team's run: still running 30 s later"
else
    wait "$pid" 2>/dev/null
    code=$?
    [ "$code" -eq 75 ] || fail "SIGINT to a huge team's run: exit $code, expected 75 ($(cat "$work/err"))"
    [ "$code" -eq 75 ] && ok "SIGINT to a huge team's run: exit 75 within 30 s"
fi

# ---- interrupting `cpsim sweep` ------------------------------------------------
if "$cpsim" sweep --help >/dev/null 2>&1; then
    # The short classroom team over ten years: 400 pairs take a few seconds.
    sed -e 's/^years = 1$/years = 10/' "$src/tests/fixtures/sweep/base-short.ini" >"$work/base.ini"
    grep -q '^years = 10$' "$work/base.ini" || fail "could not lengthen base-short.ini"
    cat >"$work/sweep.ini" <<'SWEEP'
[sweep]
scenario = base.ini
design = lhs
points = 40
replications = 10
seed = 5

[param.workers]
key = team.social_workers
min = 4
max = 7

[param.cap]
key = caseload.cap_cases
min = 12
max = 22
SWEEP
    plan() { run_expect 0 "plan $1" -- "$cpsim" plan "$work/sweep.ini" --out "$1"; }
    share=(--points all --threads 2 --quiet --checkpoint 0.1)
    plan "$work/sweep-ref"
    run_expect 0 "the uninterrupted sweep" -- "$cpsim" sweep "$work/sweep-ref" "${share[@]}"
    run_expect 0 "merge the uninterrupted sweep" -- "$cpsim" merge "$work/sweep-ref"

    for sig in INT TERM KILL; do
        dir="$work/sweep-$sig"
        plan "$dir"
        "$cpsim" sweep "$dir" "${share[@]}" >"$work/out" 2>"$work/err" &
        pid=$!
        sleep 0.7
        kill -s "$sig" "$pid"
        { wait "$pid"; } 2>/dev/null # no "Killed" notice from bash
        code=$?
        want=75
        [ "$sig" = KILL ] && want=137
        if [ "$code" -ne "$want" ]; then
            fail "SIG$sig during sweep: exit $code, expected $want ($(cat "$work/err"))"
        else
            ok "SIG$sig during sweep: exit $code: $(head -n 1 "$work/err")"
        fi
        if [ "$sig" != KILL ]; then
            no_temp_files "$dir/shards" "SIG$sig during sweep"
            # An incomplete sweep must not merge: it names what is missing.
            run_expect 2 "merge after SIG$sig" -- "$cpsim" merge "$dir" &&
                ok "merge after SIG$sig refused: $(head -n 1 "$work/err")"
            [ -e "$dir/runs.csv" ] && fail "merge after SIG$sig wrote runs.csv"
        fi
        if run_expect 0 "resume after SIG$sig" -- "$cpsim" sweep "$dir" "${share[@]}"; then
            ok "resume after SIG$sig: $(head -n 1 "$work/out")"
        fi
        if run_expect 0 "merge after resuming from SIG$sig" -- "$cpsim" merge "$dir"; then
            for f in runs.csv summary.csv; do
                cmp -s "$work/sweep-ref/$f" "$dir/$f" ||
                    fail "SIG$sig: the resumed sweep's $f differs from the uninterrupted one's"
            done
            ok "SIG$sig: the resumed sweep's merge is byte-identical"
        fi
    done
else
    echo "note: this cpsim has no sweep command: the sweep checks are skipped"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all fault checks passed"
