#!/usr/bin/env bash
# Seed-fixed golden runs: the same scenario, seed and replications must give
# the same bytes as the files in tests/golden/. A change to the model that
# moves any number fails here; if the change is intended, run
# tools/update-golden and commit the new files with the reason.
set -euo pipefail
cpsim=$1 src=$2
# shellcheck source=/dev/null
source "$src/tests/golden/golden.conf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for name in "${GOLDEN_SCENARIOS[@]}"; do
  "$cpsim" run "$src/scenarios/$name.ini" "${GOLDEN_ARGS[@]}" --out "$tmp/$name" >/dev/null
  for f in runs.csv summary.csv timeseries.csv; do
    if ! cmp -s "$tmp/$name/$f" "$src/tests/golden/$name/$f"; then
      echo "golden: $name/$f differs from tests/golden/$name/$f:" >&2
      diff "$src/tests/golden/$name/$f" "$tmp/$name/$f" | head -5 >&2 || true
      fail=1
    fi
  done
done
if [ $fail -ne 0 ]; then
  echo "golden: if the change is intended, run tools/update-golden and commit tests/golden" >&2
  exit 1
fi
echo "golden: ${#GOLDEN_SCENARIOS[@]} scenarios identical"
