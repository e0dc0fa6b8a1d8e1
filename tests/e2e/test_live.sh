#!/usr/bin/env bash
# cpsim live: one run drawn in the terminal. Piped, it prints the final
# picture once with no escape codes; on a terminal (script(1) gives it a
# pseudo-terminal) it animates with ANSI redraws and leaves the cursor
# visible. Bad input exits 2.
set -euo pipefail
cpsim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_live: FAIL: $*" >&2; exit 1; }
ini=$src/scenarios/classroom.ini

"$cpsim" live "$ini" --delay-ms 0 > "$tmp/plain.txt"
for t in "Cases waiting for a social worker" "Cases per social worker" "Burnout, team average" \
         "Staff in post" "Latest events" "week 156 of the run"; do
  grep -q "$t" "$tmp/plain.txt" || fail "no \"$t\" in the picture"
done
! grep -q $'\033' "$tmp/plain.txt" || fail "escape codes in piped output"
"$cpsim" live "$ini" --delay-ms 0 > "$tmp/plain2.txt"
cmp -s "$tmp/plain.txt" "$tmp/plain2.txt" || fail "the same seed drew a different picture"

if command -v script >/dev/null; then
  script -qec "$cpsim live $ini --delay-ms 0" "$tmp/tty.txt" > /dev/null
  grep -q $'\033\[H' "$tmp/tty.txt" || fail "no redraw on a terminal"
  [ "$(grep -o $'\033\[H' "$tmp/tty.txt" | wc -l)" -gt 100 ] || fail "too few frames on a terminal"
  grep -q $'\033\[?25h' "$tmp/tty.txt" || fail "the cursor was left hidden"
fi

for bad in "--delay-ms x" "--seed -1" "--set nosuch.key=1" "--bogus"; do
  set +e
  # shellcheck disable=SC2086
  "$cpsim" live "$ini" $bad >/dev/null 2>&1
  code=$?
  set -e
  [ $code -eq 2 ] || fail "'$bad': exit $code, want 2"
done
echo "test_live: ok"
