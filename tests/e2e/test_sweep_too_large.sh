#!/usr/bin/env bash
# test_sweep_too_large.sh: a sweep file asking for a design that cannot fit
# in this machine's memory is refused by `cpsim plan` (and by `cpsim sweep`
# on a plan folder whose sweep.ini asks for it) in well under a second,
# with exit 2 and a message naming the sweep file, the design's size and
# the memory it needs against what the machine has; nothing is written.
# $1 = cpsim binary, $2 = source directory.
#
# The design: every real key `cpsim keys` lists (over a sliver of its
# default, so each point is a valid scenario) at ten million points, the
# most a design may have: some 130 parameters, about 140 GiB. A machine
# that could hold that has nothing to refuse, and the refusals are skipped
# there (said so, not passed silently).
set -u
CPSIM=$1
SRC=$2
FIX="$SRC/tests/fixtures/sweep"
T=$(mktemp -d "${TMPDIR:-/tmp}/cpsim-e2e-large.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; }
limit=${ABSURD_SECONDS_MAX:-5}

# sweep_file POINTS > FILE: the design over every real key but the
# simulation's, shocks' and policy.caseload_target (0 or at least 1).
sweep_file() {
    printf '[sweep]\nscenario = %s\ndesign = lhs\npoints = %s\nreplications = 1\n' \
        "$FIX/base-short.ini" "$1"
    "$CPSIM" keys | awk -F'\t' '$2 == "real" && $1 !~ /^simulation\./ && $1 !~ /NAME/ &&
        $1 != "policy.caseload_target" {
        d = $3 + 0; name = $1; gsub(/\./, "_", name)
        printf "[param.%s]\nkey = %s\nmin = %.17g\nmax = %.17g\n", name, $1,
            (d > 0 ? d * 0.999 : 0), (d > 0 ? d : 0.001)
    }'
}
sweep_file 4 >"$T/small.ini"
sweep_file 10000000 >"$T/huge.ini"
k=$(grep -c '^\[param\.' "$T/huge.ini")
[ "$k" -ge 100 ] && ok "the design has $k parameters" || bad "only $k parameters"

# The same four points are a valid plan: a refusal below is the size's.
if "$CPSIM" plan "$T/small.ini" --out "$T/small" >"$T/out" 2>"$T/err"; then
    ok "the 4-point design of the same parameters plans"
else
    bad "the 4-point design does not plan: $(head -c 400 "$T/err")"
fi

# cp_sweep_design_memory_estimate: 2 x 8 bytes a value, and 4 x the text
# (10 bytes a row and 25 a value).
need=$(awk -v k="$k" 'BEGIN { r = 1e7; printf "%.0f", 16 * r * k + 4 * r * (10 + 25 * k) }')
have=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo 2>/dev/null)
if [ -n "$have" ] && awk -v n="$need" -v h="$have" 'BEGIN { exit !(n <= 0.8 * h) }'; then
    echo "skip - this machine ($((have / 1073741824)) GiB) could hold the design: nothing to refuse"
    echo "sweep too-large e2e: $pass passed, $fail failed (refusals skipped)"
    [ "$fail" -eq 0 ]
    exit
fi

# refused NAME FILE-IN-MESSAGE CMD...: exit 2 within $limit s, the message.
refused() {
    local name=$1 file=$2
    shift 2
    local start end took rc
    start=$(date +%s.%N)
    timeout -k 2 60 "$@" >"$T/out" 2>"$T/err"
    rc=$?
    end=$(date +%s.%N)
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    [ "$rc" -eq 2 ] && ok "$name: exit 2" || bad "$name: exit $rc, wanted 2: $(head -c 300 "$T/err")"
    awk -v t="$took" -v l="$limit" 'BEGIN { exit !(t <= l) }' && ok "$name: in ${took}s" ||
        bad "$name: took ${took}s, more than ${limit}s"
    local want="$file:4: \[sweep\] points: a lhs design of 10000000 points x $k parameters would need about [0-9.]+ [KMGTPE]iB of memory \(.+\); this machine has [0-9.]+ [KMGTPE]iB"
    grep -qE -- "$want" "$T/err" && ok "$name: the message names the file, size, need and memory" ||
        bad "$name: stderr does not match /$want/: $(head -c 600 "$T/err")"
    echo "    $(head -c 400 "$T/err")"
}

refused "plan" "$T/huge.ini" "$CPSIM" plan "$T/huge.ini" --out "$T/huge"
[ -e "$T/huge" ] && bad "the refused plan made a folder" || ok "the refused plan wrote nothing"

# A plan folder whose sweep.ini asks for it (edited, or planned on a bigger
# machine): every command that opens the plan refuses it the same way.
cp "$T/huge.ini" "$T/small/sweep.ini"
refused "sweep on the plan" "$T/small/sweep.ini" "$CPSIM" sweep "$T/small" --points all --quiet
[ -z "$(find "$T/small/shards" -type f)" ] && ok "the refused sweep wrote no shard" ||
    bad "the refused sweep wrote shards"
refused "merge on the plan" "$T/small/sweep.ini" "$CPSIM" merge "$T/small"

echo "sweep too-large e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
