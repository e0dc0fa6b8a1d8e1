#!/usr/bin/env bash
# test_cli_options.sh: the options the scenario commands share (run,
# compare, report, story, serve, live) are parsed by one parser
# (sim/cli/options.c), so a bad one gives every command exit 2, the same
# wording, the command's name and a hint to --help, and nothing is run or
# written.
#
# Usage: test_cli_options.sh CPSIM_BINARY SOURCE_DIR
set -euo pipefail
cpsim=${1:?usage: test_cli_options.sh CPSIM_BINARY SOURCE_DIR}
src=${2:?usage: test_cli_options.sh CPSIM_BINARY SOURCE_DIR}
cpsim=$(cd "$(dirname "$cpsim")" && pwd)/$(basename "$cpsim") # we cd below
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-options.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_cli_options: FAIL: $*" >&2; exit 1; }
ini=$src/scenarios/classroom.ini
cd "$tmp" # a command that wrongly ran would leave out/ here

# expect CMD WANT_STDERR ARGS...: exit 2, stderr has "cpsim CMD: WANT" and the
# --help hint, stdout is empty.
expect() {
  local cmd=$1 want=$2
  shift 2
  set +e
  # serve would listen forever if it wrongly started: cap it.
  timeout 20 "$cpsim" "$cmd" "$@" >"$tmp/stdout" 2>"$tmp/err"
  local code=$?
  set -e
  [ $code -eq 2 ] || fail "cpsim $cmd $*: exit $code, want 2 (stderr: $(cat "$tmp/err"))"
  grep -qF "cpsim $cmd: $want" "$tmp/err" ||
    fail "cpsim $cmd $*: stderr lacks \"cpsim $cmd: $want\": $(cat "$tmp/err")"
  grep -qF "(try \`cpsim $cmd --help\`)" "$tmp/err" || fail "cpsim $cmd $*: no --help hint"
  [ ! -s "$tmp/stdout" ] || fail "cpsim $cmd $*: printed on stdout: $(cat "$tmp/stdout")"
}

for cmd in run compare report story serve live; do
  expect "$cmd" 'unknown option "--bogus"' "$ini" --bogus
  expect "$cmd" 'unknown option "-z"' "$ini" -z
  expect "$cmd" '--set needs section.key=value, not "team.social_workers"' \
    "$ini" --set team.social_workers
  expect "$cmd" '--set needs a value' "$ini" --set
  expect "$cmd" 'no scenario FILE given' --set team.social_workers=3
  # --help: exit 0, the usage on stdout.
  "$cpsim" "$cmd" --help >"$tmp/help" || fail "cpsim $cmd --help: exit $?"
  grep -q "^usage: cpsim $cmd " "$tmp/help" || fail "cpsim $cmd --help: no usage line"
done

# The same wording for --seed wherever it is taken (it used to differ).
for cmd in run compare report story live; do
  expect "$cmd" '--seed needs a whole number from 0 to 2^64-1 (decimal or 0x hex), not "-1"' \
    "$ini" --seed -1
  expect "$cmd" '--seed needs a value' "$ini" --seed
done
expect serve 'unknown option "--seed"' "$ini" --seed 1 # serve runs with the file's seed

# --threads, with each command's range.
for cmd in run compare report; do
  expect "$cmd" '--threads needs a whole number from 1 to 1024, not "0"' "$ini" --threads 0
done
expect serve '--threads needs a whole number from 1 to 256, not "300"' "$ini" --threads 300

# --reps, with each command's range.
expect run '--reps needs a whole number of at least 1, not "0"' "$ini" --reps 0
expect compare '--reps needs a whole number of at least 2 (a paired interval needs two), not "1"' \
  "$ini" --reps 1
expect report '--reps needs a whole number from 1 to 1000000, not "x"' "$ini" --reps x
expect serve '--reps needs a whole number from 1 to 100000, not "0"' "$ini" --reps 0
expect serve '--reps (60) is above --max-reps (50)' "$ini" --reps 60 --max-reps 50
# a --reps the option accepts but the scenario's range does not: named as --reps
set +e
"$cpsim" run "$ini" --reps 2000000 --out "$tmp/big" >/dev/null 2>"$tmp/err"
code=$?
set -e
[ $code -eq 2 ] || fail "run --reps 2000000: exit $code, want 2"
grep -q '^--reps: \[simulation\] replications: "2000000" is out of range' "$tmp/err" ||
  fail "run --reps 2000000: error not named --reps: $(cat "$tmp/err")"

# --replication (story, live) and --out.
for cmd in story live; do
  expect "$cmd" '--replication needs a whole number, not "one"' "$ini" --replication one
  expect "$cmd" 'unknown option "--threads"' "$ini" --threads 2
done
expect run '--out needs a directory' "$ini" --out ''
expect compare '--out needs a directory' "$ini" --variant team.social_workers=3 --out ''
expect report '--out needs a file name' "$ini" --out ''

# How many FILEs.
for cmd in story serve live; do
  expect "$cmd" "one scenario FILE at a time (extra: \"$ini\")" "$ini" "$ini"
done
expect run "one scenario FILE at a time (extra: \"$ini\"); use \`cpsim compare\` for several" \
  "$ini" "$ini"
expect report "at most 8 scenario FILEs" "$ini" "$ini" "$ini" "$ini" "$ini" "$ini" "$ini" "$ini" "$ini"
expect compare 'nothing to compare with' "$ini"

# Each command's own options still go through the same parser.
expect run '--precision needs a fraction between 0 and 1' "$ini" --precision 2
expect run '--max-reps only makes sense with --precision' "$ini" --max-reps 5
expect run '--report needs a file name' "$ini" --report ''
expect compare '--variant needs section.key=value[; ...], not "x"' "$ini" --variant x
expect story '--weeks needs a whole number from 1 to 100000, not "0"' "$ini" --weeks 0
expect live '--delay-ms needs 0 to 10000, not "-5"' "$ini" --delay-ms -5
expect serve '--port needs a number from 0 to 65535, not "70000"' "$ini" --port 70000

# A bad --set value is the scenario's error (exit 2 too, naming the key).
for cmd in run compare report story live; do
  more=()
  [ "$cmd" = compare ] && more=(--variant team.social_workers=4)
  set +e
  "$cpsim" "$cmd" "$ini" "${more[@]}" --set team.social_workers=-1 >/dev/null 2>"$tmp/err"
  code=$?
  set -e
  [ $code -eq 2 ] || fail "cpsim $cmd --set team.social_workers=-1: exit $code, want 2"
  grep -q 'social_workers' "$tmp/err" || fail "cpsim $cmd: the diagnostic does not name the key"
done

[ ! -e "$tmp/out" ] || fail "bad input created out/ (something ran)"
echo "test_cli_options: ok"
