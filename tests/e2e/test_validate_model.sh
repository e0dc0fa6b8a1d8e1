#!/usr/bin/env bash
# The calibration targets (MODEL.md section 3): `cpsim validate-model` runs
# the three profile scenarios, 400 replications each, and exits 1 when any
# target leaves its band. Also checks the CSV it writes.
set -euo pipefail
cpsim=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
"$cpsim" validate-model --threads 2 --out "$tmp" | tee "$tmp/table.txt"
grep -q "20 of 20 targets inside their bands" "$tmp/table.txt"
head -1 "$tmp/validation.csv" | grep -qx "profile,measure,outcome,target,band,model_mean,ci_low,ci_high,n,pass,source"
[ "$(tail -n +2 "$tmp/validation.csv" | grep -c ',pass,')" -eq 20 ]
echo "validate-model: 20 of 20 targets pass"
