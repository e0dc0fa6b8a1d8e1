#!/usr/bin/env bash
# cpsim report: one self-contained HTML page. Checks that it is well-formed
# (xmllint in XML mode, the strictest parser Debian has, and a nesting check
# with python3's html.parser), that it holds the expected charts and the
# plain-language summary, that it needs nothing from outside, that it is
# written atomically (no temp file left, an unwritable place changes nothing)
# and that bad input exits 2.
set -euo pipefail
cpsim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
fail() { echo "test_report: FAIL: $*" >&2; exit 1; }

if ! command -v xmllint >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >&2 \
      || fail "xmllint missing and libxml2-utils would not install"
  else
    fail "xmllint missing: install libxml2-utils"
  fi
fi
[ -x "$py" ] || fail "$py missing: install python3"

# One scenario.
"$cpsim" report "$src/scenarios/classroom.ini" --reps 12 --threads 2 --quiet \
  --out "$tmp/one.html" > "$tmp/one.out"
grep -q "Wrote the report to $tmp/one.html" "$tmp/one.out" || fail "no 'Wrote' line"
xmllint --noout "$tmp/one.html" || fail "one.html is not well-formed"
"$py" "$src/tests/e2e/check_html.py" "$tmp/one.html" \
  --svg-ids chart-unallocated,chart-caseload,chart-staff-1,chart-burnout,chart-harm \
  --text "Across 12 runs of 3 years" --text "cases waiting for a social worker (95% CI" \
  --text "How sure are these figures?" || fail "one.html structure"
[ "$(grep -o '<svg ' "$tmp/one.html" | wc -l)" -eq 5 ] || fail "one.html should have 5 charts"
! grep -qi '<script' "$tmp/one.html" || fail "the report has a script"
! grep -Eq '(src|href)="(https?:)?//' "$tmp/one.html" || fail "the report loads something from elsewhere"
[ -z "$(find "$tmp" -name '.*.tmp.*')" ] || fail "a temp file was left behind"

# Same seed, same page (the time it was made aside), whatever the threads.
"$cpsim" report "$src/scenarios/classroom.ini" --reps 12 --threads 1 --quiet \
  --out "$tmp/one1.html" > /dev/null
diff <(grep -v -e 'made 20' -e 'To reproduce' "$tmp/one.html") <(grep -v -e 'made 20' -e 'To reproduce' "$tmp/one1.html") >/dev/null \
  || fail "the page depends on the thread count"

# Side by side.
"$cpsim" report "$src/scenarios/classroom.ini" "$src/scenarios/classroom.ini" \
  --set team.social_workers=6 --reps 8 --quiet --out "$tmp/two.html" > /dev/null
xmllint --noout "$tmp/two.html" || fail "two.html is not well-formed"
"$py" "$src/tests/e2e/check_html.py" "$tmp/two.html" \
  --svg-ids chart-unallocated,chart-caseload,chart-staff-1,chart-staff-2,chart-burnout,chart-harm \
  --text "Compared with classroom, classroom (2) had" || fail "two.html structure"

# Atomic: a directory that does not exist is refused before running, and
# nothing is written; an old page survives a failed write.
set +e
"$cpsim" report "$src/scenarios/classroom.ini" --reps 2 --quiet --out "$tmp/nope/r.html" 2>/dev/null
code=$?
set -e
[ $code -eq 1 ] || fail "missing directory: exit $code, want 1"
[ ! -e "$tmp/nope" ] || fail "the missing directory was created"
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$tmp/ro" && echo old > "$tmp/ro/r.html" && chmod 555 "$tmp/ro"
  set +e; "$cpsim" report "$src/scenarios/classroom.ini" --reps 2 --quiet --out "$tmp/ro/r.html" 2>/dev/null; code=$?; set -e
  chmod 755 "$tmp/ro"
  [ $code -eq 1 ] && [ "$(cat "$tmp/ro/r.html")" = old ] || fail "a failed write touched the old page"
fi

# Bad input: exit 2.
for args in "--reps 0" "--reps x" "--set nosuch.key=1" "--threads 0" "--bogus"; do
  set +e
  # shellcheck disable=SC2086
  "$cpsim" report "$src/scenarios/classroom.ini" $args --out "$tmp/bad.html" >/dev/null 2>&1
  code=$?
  set -e
  [ $code -eq 2 ] || fail "'$args': exit $code, want 2"
done
set +e; "$cpsim" report >/dev/null 2>&1; code=$?; set -e
[ $code -eq 2 ] || fail "no file: exit $code, want 2"
[ ! -e "$tmp/bad.html" ] || fail "bad input wrote a page"
echo "test_report: ok"
