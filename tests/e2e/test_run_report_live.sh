#!/usr/bin/env bash
# test_run_report_live.sh: `cpsim run --report OUT.html` and `cpsim run --live`.
#
# Usage: test_run_report_live.sh CPSIM_BINARY SOURCE_DIR
#
# Checks: --report writes a well-formed page with its five <svg> charts, the
# same page `cpsim report` writes from the same replications (the time it
# was made and the command line aside) and the same bytes for 1 and 2
# threads; it leaves runs.csv, summary.csv and timeseries.csv exactly as a
# plain run writes them; a missing directory is refused before the run.
# --live with stdout not a terminal is ignored with a note and changes no
# byte; on a terminal (script(1) gives a pseudo-terminal) it draws frames,
# restores the cursor and still changes no byte.
set -euo pipefail
cpsim=${1:?usage: test_run_report_live.sh CPSIM_BINARY SOURCE_DIR}
src=${2:?usage: test_run_report_live.sh CPSIM_BINARY SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-run-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_run_report_live: FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
ini=$src/scenarios/classroom.ini
command -v xmllint >/dev/null || fail "xmllint missing: install libxml2-utils"

same_csvs() { # DIR_A DIR_B WHAT
  for f in runs.csv summary.csv timeseries.csv; do
    cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs"
  done
}
# The page less the two lines that name when and how it was made.
page_body() { grep -v -e 'made 20' -e 'To reproduce' "$1"; }

# A plain run to compare with.
"$cpsim" run "$ini" --reps 8 --threads 1 --quiet --out "$tmp/plain" >/dev/null

# 1. --report: a well-formed page with the charts, from the same run.
"$cpsim" run "$ini" --reps 8 --threads 2 --quiet --out "$tmp/r2" --report "$tmp/r2.html" \
  >"$tmp/r2.stdout"
grep -qx "Wrote the report to $tmp/r2.html" "$tmp/r2.stdout" || fail "no 'Wrote the report' line"
grep -q "^Wrote runs.csv, summary.csv" "$tmp/r2.stdout" || fail "no 'Wrote runs.csv' line"
xmllint --noout "$tmp/r2.html" || fail "the page is not well-formed XML"
# libxml2's HTML parser is HTML 4: it does not know <header>, <section>,
# <svg> and the like and says so ("Tag svg invalid"), which is no fault of
# the page; any other complaint is.
xmllint --html --noout "$tmp/r2.html" 2>"$tmp/html.err" || fail "xmllint --html failed"
if grep 'parser error' "$tmp/html.err" | grep -v 'Tag [a-z]* invalid' | grep -q .; then
  fail "xmllint --html: $(grep 'parser error' "$tmp/html.err" | grep -v 'Tag [a-z]* invalid' | head -3)"
fi
[ "$(grep -o '<svg ' "$tmp/r2.html" | wc -l)" -eq 5 ] || fail "the page should have 5 <svg> charts"
grep -q 'id="chart-burnout"' "$tmp/r2.html" || fail "no burnout chart"
grep -q 'Across 8 runs of 3 years' "$tmp/r2.html" || fail "the summary does not count 8 runs"
grep -q 'To reproduce this report exactly: <code>cpsim run ' "$tmp/r2.html" ||
  fail "the page does not give the run command line"
same_csvs "$tmp/plain" "$tmp/r2" "--report"
pass "run --report writes a well-formed page with 5 charts and leaves the CSVs unchanged"

"$cpsim" run "$ini" --reps 8 --threads 1 --quiet --out "$tmp/r1" --report "$tmp/r1.html" >/dev/null
diff <(page_body "$tmp/r1.html") <(page_body "$tmp/r2.html") >/dev/null ||
  fail "the page depends on --threads"
"$cpsim" report "$ini" --reps 8 --quiet --out "$tmp/report.html" >/dev/null
diff <(page_body "$tmp/report.html") <(page_body "$tmp/r2.html") >"$tmp/page.diff" ||
  fail "run --report and cpsim report drew different pages: $(head -5 "$tmp/page.diff")"
pass "the page is cpsim report's, for 1 and 2 threads alike"

# Precision stopping runs more than --reps replications: each needs its
# burnout slot (the page would lose its burnout bars, or worse, otherwise).
"$cpsim" run "$ini" --reps 2 --precision 0.01 --max-reps 6 --quiet --out "$tmp/p" \
  --report "$tmp/p.html" >/dev/null
[ "$(($(wc -l <"$tmp/p/runs.csv") - 1))" -eq 6 ] || fail "--precision should have run 6"
grep -q 'Across 6 runs' "$tmp/p.html" || fail "--precision --report: the page does not count 6"
grep -q '<rect x="[0-9.]*" y="[0-9.]*" width="42.0"' "$tmp/p.html" ||
  fail "--precision --report: no burnout bars"
pass "run --precision --report keeps every replication's burnout"

# A report path whose directory is missing: refused before the run (exit 1),
# and no results written; a directory as the path is bad input (exit 2).
set +e
"$cpsim" run "$ini" --reps 2 --quiet --out "$tmp/miss" --report "$tmp/nope/r.html" 2>"$tmp/miss.err"
code=$?
"$cpsim" run "$ini" --reps 2 --quiet --out "$tmp/dir" --report "$tmp/" 2>/dev/null
code_dir=$?
set -e
[ $code -eq 1 ] || fail "--report into a missing directory: exit $code, want 1"
grep -q "nope is not a directory" "$tmp/miss.err" || fail "the message does not name the directory"
[ ! -e "$tmp/miss/runs.csv" ] || fail "a run went ahead with an unwritable --report"
[ $code_dir -eq 2 ] || fail "--report DIR/: exit $code_dir, want 2"
[ ! -e "$tmp/dir/runs.csv" ] || fail "a run went ahead with --report naming a directory"
pass "an unwritable --report is refused before the run"

# 2. --live with stdout not a terminal: a note, and the same bytes.
"$cpsim" run "$ini" --reps 8 --threads 2 --quiet --live --out "$tmp/l2" >"$tmp/l2.stdout" \
  2>"$tmp/l2.err"
grep -qx 'cpsim run: --live ignored: standard output is not a terminal' "$tmp/l2.err" ||
  fail "no note that --live was ignored: $(cat "$tmp/l2.err")"
! grep -q $'\033' "$tmp/l2.stdout" || fail "escape codes on a stdout that is not a terminal"
same_csvs "$tmp/plain" "$tmp/l2" "--live (not a terminal)"
"$cpsim" run "$ini" --reps 8 --threads 2 --quiet --out "$tmp/n2" >"$tmp/n2.stdout"
diff <(grep -v ' s$' "$tmp/n2.stdout" | sed "s#$tmp/n2#DIR#") \
  <(grep -v ' s$' "$tmp/l2.stdout" | sed "s#$tmp/l2#DIR#") >/dev/null ||
  fail "--live changed what is printed when stdout is not a terminal"
pass "run --live is ignored with a note when stdout is not a terminal, CSVs unchanged"

# 3. --live on a terminal: frames, the cursor restored, the same bytes, and
# with --report as well.
if command -v script >/dev/null; then
  for t in 1 2; do
    script -qec "'$cpsim' run '$ini' --reps 8 --threads $t --live --out '$tmp/tty$t' \
      --report '$tmp/tty$t.html'" "$tmp/tty$t.txt" >/dev/null
    same_csvs "$tmp/plain" "$tmp/tty$t" "--live on a terminal, $t threads"
    diff <(page_body "$tmp/r1.html") <(page_body "$tmp/tty$t.html") >/dev/null ||
      fail "--live changed the --report page ($t threads)"
    grep -q $'\033\[H' "$tmp/tty$t.txt" || fail "no frame drawn on a terminal"
    grep -q $'\033\[?25h' "$tmp/tty$t.txt" || fail "the cursor was left hidden"
    for want in "Cases waiting for a social worker" "Staff in post" "Latest replications" \
      "8 of 8 replications done"; do
      grep -q "$want" "$tmp/tty$t.txt" || fail "no \"$want\" in the live view ($t threads)"
    done
    ! grep -q 'live ignored' "$tmp/tty$t.txt" || fail "--live ignored on a terminal"
    grep -q 'unallocated_mean' "$tmp/tty$t.txt" || fail "no summary table after the live view"
  done
  pass "run --live on a terminal draws the view and changes no byte"
else
  echo "skip - script(1) missing: --live on a terminal not tested"
fi
echo "test_run_report_live: ok"
