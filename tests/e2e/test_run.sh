#!/usr/bin/env bash
# test_run.sh: `cpsim run` and `cpsim compare` end to end, as a user's script
# would drive them.
#
# Usage: test_run.sh CPSIM_BINARY SOURCE_DIR
#
# Checks: the same bytes in runs.csv, summary.csv and timeseries.csv for 1
# and 2 threads; the summary.csv header scripts rely on; exit 2 for a bad
# --set or option (with the diagnostic on stderr and nothing written); exit 75
# and no files after SIGINT; compare.csv from a --variant. Every run works in
# a fresh temporary directory, removed on exit.
set -euo pipefail

cpsim=${1:?usage: test_run.sh CPSIM_BINARY SOURCE_DIR}
src=${2:?usage: test_run.sh CPSIM_BINARY SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() { echo "ok - $*"; }

scenario=$src/scenarios/classroom.ini
[ -f "$scenario" ] || fail "missing $scenario"

# 1. Same bytes whatever the thread count.
"$cpsim" run "$scenario" --reps 4 --threads 1 --quiet --out "$tmp/t1" >"$tmp/t1.stdout"
"$cpsim" run "$scenario" --reps 4 --threads 2 --quiet --out "$tmp/t2" >/dev/null
for f in runs.csv summary.csv timeseries.csv; do
  cmp "$tmp/t1/$f" "$tmp/t2/$f" || fail "$f differs between 1 and 2 threads"
done
pass "runs.csv, summary.csv and timeseries.csv are identical for 1 and 2 threads"

# 2. The interface scripts rely on (MODEL.md section 4).
header=$(head -n 1 "$tmp/t1/summary.csv")
[ "$header" = "outcome,n,mean,sd,ci_low,ci_high,median,p5,p95" ] ||
  fail "summary.csv header is \"$header\""
[ "$(wc -l <"$tmp/t1/runs.csv")" -eq 5 ] || fail "runs.csv should have a header and 4 rows"
head -n 1 "$tmp/t1/runs.csv" | grep -q '^replication,seed,unallocated_mean,' ||
  fail "runs.csv header"
head -n 1 "$tmp/t1/timeseries.csv" | grep -qx 'interval,day,measure,mean,p5,p95' ||
  fail "timeseries.csv header"
for name in unallocated_mean turnover_rate vacancy_rate agency_rate caseload_mean referrals; do
  grep -q "^$name,4," "$tmp/t1/summary.csv" || fail "summary.csv lacks $name with n = 4"
done
[ -f "$tmp/t1/manifest.json" ] || fail "no manifest.json"
grep -q '"replications": 4,' "$tmp/t1/manifest.json" || fail "manifest replications"
grep -q '"generator": "philox4x64-10 (Random123)"' "$tmp/t1/manifest.json" ||
  fail "manifest generator"
if command -v python3 >/dev/null; then
  python3 -m json.tool "$tmp/t1/manifest.json" >/dev/null || fail "manifest.json is not JSON"
fi
grep -q 'unallocated_mean' "$tmp/t1.stdout" || fail "no table on stdout"
ls -A "$tmp/t1" | grep -q '^\.' && fail "a temp file was left in the output directory"
pass "headers, manifest and table as documented"

# 3. Bad input: exit 2, a diagnostic naming the key, nothing written.
set +e
"$cpsim" run "$scenario" --reps 2 --set caseload.cap_cases=-3 --out "$tmp/bad" 2>"$tmp/bad.err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "a bad --set exited $code, not 2"
grep -q 'cap_cases' "$tmp/bad.err" || fail "the diagnostic does not name the key"
[ ! -e "$tmp/bad/runs.csv" ] || fail "files were written for a bad scenario"
set +e
"$cpsim" run "$scenario" --set no.such_key=1 --out "$tmp/bad" 2>/dev/null
code_unknown=$?
"$cpsim" run "$scenario" --reps zero --out "$tmp/bad" 2>/dev/null
code_reps=$?
"$cpsim" run "$scenario" --no-such-option 2>/dev/null
code_opt=$?
"$cpsim" run 2>/dev/null
code_nofile=$?
set -e
[ "$code_unknown" -eq 2 ] || fail "an unknown --set key exited $code_unknown"
[ "$code_reps" -eq 2 ] || fail "--reps zero exited $code_reps"
[ "$code_opt" -eq 2 ] || fail "an unknown option exited $code_opt"
[ "$code_nofile" -eq 2 ] || fail "no FILE exited $code_nofile"
pass "bad --set, bad option values and unknown options exit 2"

# 4. Interrupted: exit 75 and nothing written. A long queue-mode run with
# yearly series rows keeps memory small; SIGINT arrives while it works.
"$cpsim" run "$src/scenarios/queue-mode.ini" --reps 20000 --threads 2 --quiet \
  --set simulation.timeseries_interval_days=365 --out "$tmp/int" >/dev/null 2>"$tmp/int.err" &
pid=$!
# The output directory appears just before the replications start.
for _ in $(seq 100); do [ -d "$tmp/int" ] && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"
set +e
wait "$pid"
code=$?
set -e
[ "$code" -eq 75 ] || fail "an interrupted run exited $code, not 75"
for f in runs.csv summary.csv timeseries.csv manifest.json; do
  [ ! -e "$tmp/int/$f" ] || fail "$f written by an interrupted run"
done
pass "SIGINT gives exit 75 and no files"

# 5. A comparison with a variant: compare.csv, pairing, identical-to-self.
"$cpsim" compare "$scenario" --variant "caseload.cap_cases=20; team.social_workers=6" \
  --reps 4 --threads 2 --quiet --out "$tmp/cmp" >"$tmp/cmp.stdout"
head -n 1 "$tmp/cmp/compare.csv" | grep -q '^scenario,baseline,outcome,n,' ||
  fail "compare.csv header"
grep -q '^caseload.cap_cases=20; team.social_workers=6,classroom,unallocated_mean,4,' \
  "$tmp/cmp/compare.csv" || fail "compare.csv lacks the variant's rows"
"$cpsim" compare "$scenario" "$scenario" --reps 3 --quiet --out "$tmp/self" >/dev/null
awk -F, 'NR > 1 && $4 > 0 && ($7 != 0 || $8 != 0) { bad = 1 } END { exit bad }' \
  "$tmp/self/compare.csv" || fail "a scenario compared with itself has non-zero differences"
pass "compare writes compare.csv; a scenario against itself differs by exactly 0"

echo "all e2e run checks passed"
