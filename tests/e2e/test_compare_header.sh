#!/usr/bin/env bash
# test_compare_header.sh: the first line `cpsim compare` prints names the
# baseline once, by its path. It used to print the label after the word
# "baseline", which for scenarios/baseline.ini read "baseline baseline;".
#
# Usage: test_compare_header.sh CPSIM_BINARY SOURCE_DIR
set -euo pipefail
cpsim=${1:?usage: test_compare_header.sh CPSIM_BINARY SOURCE_DIR}
src=${2:?usage: test_compare_header.sh CPSIM_BINARY SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-compare-header.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_compare_header: FAIL: $*" >&2; exit 1; }

# A baseline file called baseline.ini (the classroom team, so it is quick).
cp "$src/scenarios/classroom.ini" "$tmp/baseline.ini"
"$cpsim" compare "$tmp/baseline.ini" --variant "team.social_workers=6" --reps 3 --seed 11 \
  --quiet --out "$tmp/cmp" >"$tmp/stdout"
header=$(head -n 1 "$tmp/stdout")
want="Baseline: $tmp/baseline.ini; 3 replications each, seed 11, common random numbers"
[ "$header" = "$want" ] || fail "header is \"$header\", want \"$want\""
! grep -Eqi '\b(baseline) \1\b' <<<"$header" || fail "a doubled word in \"$header\""
[ -z "$(sed -n 2p "$tmp/stdout")" ] || fail "no blank line after the header"
sed -n 3p "$tmp/stdout" | grep -q '^outcome  *scenario  *baseline  *difference' ||
  fail "the table does not follow the header"

# Two files: still the first file's path, not a label of the other.
"$cpsim" compare "$src/scenarios/classroom.ini" "$tmp/baseline.ini" --reps 2 --quiet \
  --out "$tmp/cmp2" >"$tmp/stdout2"
header=$(head -n 1 "$tmp/stdout2")
want="Baseline: $src/scenarios/classroom.ini; 2 replications each, seed 7, common random numbers"
[ "$header" = "$want" ] || fail "header is \"$header\", want \"$want\""
grep -q '^unallocated_mean  *baseline ' "$tmp/stdout2" ||
  fail "the other scenario's label should be in the table"
echo "test_compare_header: ok"
