#!/usr/bin/env bash
# cpsim story: one run told week by week. It mentions weeks and events, is
# the same for the same seed, differs for another run, says where it
# starts, and rejects bad input with exit 2.
set -euo pipefail
cpsim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_story: FAIL: $*" >&2; exit 1; }
ini=$src/scenarios/classroom.ini
# A stretched team, so that things happen.
args=(--weeks 60 --seed 11 --set demand.referrals_per_week=4)

"$cpsim" story "$ini" "${args[@]}" > "$tmp/a.txt"
"$cpsim" story "$ini" "${args[@]}" > "$tmp/b.txt"
cmp -s "$tmp/a.txt" "$tmp/b.txt" || fail "two tellings of one seed differ"
grep -q "from the end of the warm-up" "$tmp/a.txt" || fail "does not say where it starts"
grep -Eq '^Week [0-9]+ \(' "$tmp/a.txt" || fail "no week headings"
grep -Eq '^Weeks? [0-9]+(-[0-9]+)?: no staff changes' "$tmp/a.txt" || fail "quiet weeks not summarised"
grep -Eq 'joined|left|handed in notice|went off sick|over the case cap|waited' "$tmp/a.txt" \
  || fail "no events told"
grep -q "Team at the end of the week" "$tmp/a.txt" || fail "no weekly status"
grep -q "^In these 60 weeks:" "$tmp/a.txt" || fail "no closing tally"
# Weeks are in order and each week is told at most once.
grep -Eo '^Weeks? [0-9]+' "$tmp/a.txt" | grep -Eo '[0-9]+' > "$tmp/weeks"
sort -n -c "$tmp/weeks" || fail "weeks out of order"
[ "$(sort -n "$tmp/weeks" | uniq -d | wc -l)" -eq 0 ] || fail "a week told twice"

"$cpsim" story "$ini" "${args[@]}" --replication 1 > "$tmp/c.txt"
! cmp -s "$tmp/a.txt" "$tmp/c.txt" || fail "another replication tells the same story"
"$cpsim" story "$ini" --weeks 30 --from-start > "$tmp/d.txt"
grep -q "from the very start" "$tmp/d.txt" || fail "--from-start not said"
grep -q "warm-up)" "$tmp/d.txt" || fail "--from-start weeks not marked as warm-up"

for bad in "--weeks 0" "--weeks x" "--seed -1" "--set nosuch.key=1" "--bogus"; do
  set +e
  # shellcheck disable=SC2086
  "$cpsim" story "$ini" $bad >/dev/null 2>&1
  code=$?
  set -e
  [ $code -eq 2 ] || fail "'$bad': exit $code, want 2"
done
echo "test_story: ok ($(grep -c '^Week' "$tmp/a.txt") eventful weeks in 60)"
