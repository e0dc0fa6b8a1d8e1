#!/usr/bin/env bash
# test_absurd.sh: absurd but valid-looking runs are refused up front, in
# seconds, with exit 2 (bad input: do not retry) and a message that says
# why, never by the kernel's OOM killer hours later.
#
# Usage: test_absurd.sh PATH/TO/cpsim SOURCE_DIR
# Two guards, checked in order:
# - the schema's ranges: a billion workers, or a 10,000-year horizon, is
#   out of range ("allowed: 0.5 to 1000000 (FTE)"), refused while loading;
# - the memory check: values inside the ranges whose run could not fit in
#   this machine's memory (the largest team and demand the schema allows on
#   64 threads, about 1.4 TiB; a million replications of a 200-year daily
#   series, about 7 TiB; a sweep whose largest point is that team) are
#   refused with the estimate ("this run would need about N GiB of memory
#   (...); this machine has M GiB").
# Every check runs and reports; the script exits 1 if any failed.
set -u

cpsim=${1:?usage: test_absurd.sh CPSIM SOURCE_DIR}
src=${2:?usage: test_absurd.sh CPSIM SOURCE_DIR}
[ -x "$cpsim" ] || { echo "FAIL: $cpsim is not an executable" >&2; exit 1; }
scenario="$src/scenarios/classroom.ini"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
# Generous for a loaded CI machine; a real run of these would take hours.
limit=${ABSURD_SECONDS_MAX:-5}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# refused WHAT PATTERN -- COMMAND...: exit 2 within $limit seconds, stderr
# matching the extended regex PATTERN, and no file written.
refused() {
    local what=$1 pattern=$2
    shift 3
    local start end
    start=$(date +%s.%N)
    # SIGKILL after 30 s: a run that was not refused may be deep in one
    # replication, which an interrupt only stops at its end.
    timeout -k 2 30 "$@" >"$work/stdout" 2>"$work/stderr"
    local code=$?
    end=$(date +%s.%N)
    local took
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    if [ "$code" -ne 2 ]; then
        fail "$what: exit $code, expected 2"
        sed 's/^/    /' "$work/stderr" | head -n 10 >&2
    fi
    awk -v t="$took" -v l="$limit" 'BEGIN { exit !(t <= l) }' ||
        fail "$what: took ${took}s, more than ${limit}s"
    grep -qE -- "$pattern" "$work/stderr" ||
        fail "$what: stderr does not match /$pattern/: $(cat "$work/stderr")"
    # An empty output folder is allowed (made before the check, to catch a
    # bad --out early); a file in it is not.
    if [ -n "$(find "$work/out" -type f 2>/dev/null | head -n 1)" ]; then
        fail "$what: wrote files: $(find "$work/out" -type f | head -n 3)"
    fi
    rm -rf "$work/out"
    echo "ok ($took s): $what: $(head -c 300 "$work/stderr" | tr '\n' ' ')"
}

# ---- outside the schema's ranges ------------------------------------------------
refused "a billion workers" 'social_workers: "1000000000" is out of range; allowed: 0\.5 to 1000000' \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --set team.social_workers=1000000000
refused "a 10,000-year horizon" 'years: "10000" is out of range' \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --set simulation.years=10000
refused "ten million replications" 'replications.*out of range' \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --reps 10000000
refused "a billion workers (validate)" 'out of range' \
    -- "$cpsim" validate --set team.social_workers=1e9 "$scenario"

# ---- inside the ranges, but not inside this machine ----------------------------
estimate='this run would need about [0-9.e+]+ [KMGTPE]iB of memory \(.+\)'
machine='; this machine has [0-9.]+ [KMGTPE]iB'
# About 22 GiB a model: 64 threads make it 1.4 TiB, more than any machine
# this runs on, so the test does not depend on the machine's size.
refused "the largest team and demand the schema allows, 64 threads" "$estimate.*$machine" \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --reps 64 --threads 64 \
    --set team.social_workers=1000000 --set caseload.cap_cases=500 \
    --set demand.referrals_per_week=100000 --set simulation.years=200
refused "a million replications of a 200-year daily series" "$estimate.*$machine" \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --reps 1000000 \
    --set simulation.years=200 --set simulation.timeseries_interval_days=1
refused "the same with many threads" "$estimate.*$machine" \
    -- "$cpsim" run "$scenario" --quiet --out "$work/out" --reps 1000000 --threads 64 \
    --set simulation.years=200 --set simulation.timeseries_interval_days=1

# A sweep whose second point is the largest team and demand: `cpsim plan`
# accepts it (every point is in range), `cpsim sweep` refuses it up front.
if "$cpsim" sweep --help >/dev/null 2>&1; then
    printf '[simulation]\nyears = 200\n[caseload]\ncap_cases = 500\n[demand]\nreferrals_per_week = 100000\n' \
        >"$work/base.ini"
    printf '[sweep]\nscenario = base.ini\ndesign = grid\nreplications = 64\n[param.workers]\nkey = team.social_workers\nvalues = 10, 1000000\n' \
        >"$work/sweep.ini"
    if "$cpsim" plan "$work/sweep.ini" --out "$work/plan" >/dev/null 2>"$work/stderr"; then
        refused "a sweep reaching the largest team, 64 threads" "$estimate.*$machine" \
            -- "$cpsim" sweep "$work/plan" --points all --threads 64 --quiet
        [ -z "$(find "$work/plan/shards" -type f)" ] || fail "the refused sweep wrote shards"
    else
        fail "cpsim plan refused the absurd sweep: $(cat "$work/stderr")"
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all absurd-run checks passed"
