#!/usr/bin/env bash
# test_bad_inputs.sh: every bad scenario file, given to `cpsim validate` and
# to `cpsim run`, is refused the same way: exit code exactly 2 (bad input,
# do not retry), a message on stderr naming the file and, where the problem
# is on a line, "FILE:LINE:", no output folder created, and no crash (no
# exit by signal, no sanitizer report: this script also runs against the
# ASan/UBSan build).
#
# Usage: test_bad_inputs.sh PATH/TO/cpsim SOURCE_DIR
# Inputs: tests/fixtures/invalid/*.ini (their .expect files give the first
# line to look for), plus what cannot be a fixture: a missing file, a
# directory, an unreadable file, /dev/zero and an empty path. Every check
# runs and reports; the script exits 1 if any failed.
set -u

cpsim=${1:?usage: test_bad_inputs.sh CPSIM SOURCE_DIR}
src=${2:?usage: test_bad_inputs.sh CPSIM SOURCE_DIR}
[ -x "$cpsim" ] || { echo "FAIL: $cpsim is not an executable" >&2; exit 1; }
cpsim=$(cd "$(dirname "$cpsim")" && pwd)/$(basename "$cpsim")
fixtures="$src/tests/fixtures/invalid"
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1 # `run` without --out would write under ./out
failures=0
checked=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# refused WHAT FILE LINE -- COMMAND...: COMMAND must exit 2 with FILE (and
# "FILE:LINE:" when LINE > 0) on stderr, without a crash or sanitizer report.
refused() {
    local what=$1 file=$2 line=$3
    shift 4
    "$@" >"$work/stdout" 2>"$work/stderr"
    local code=$?
    checked=$((checked + 1))
    if [ "$code" -ge 128 ]; then
        fail "$what: killed by signal $((code - 128))"
    elif [ "$code" -ne 2 ]; then
        fail "$what: exit $code, expected 2"
    fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
            "$work/stderr"; then
        fail "$what: sanitizer report"
    fi
    if ! grep -qF -- "$file" "$work/stderr"; then
        fail "$what: stderr does not name $file"
    elif [ "$line" -gt 0 ] && ! grep -qF -- "$file:$line:" "$work/stderr"; then
        fail "$what: stderr does not point at $file:$line:"
    fi
    if [ "$code" -ne 2 ] || [ -n "${VERBOSE:-}" ]; then
        sed 's/^/    /' "$work/stderr" | head -n 20 >&2
    fi
}

# The first diagnostic's line from NAME.expect (0 when it is file-wide).
first_line() {
    awk -F'\t' '!/^#/ && NF >= 4 { print $1; exit }' "$1"
}

shopt -s nullglob
fixtures_seen=0
for file in "$fixtures"/*.ini; do
    fixtures_seen=$((fixtures_seen + 1))
    expect="${file%.ini}.expect"
    line=$(first_line "$expect")
    [ -n "$line" ] || { fail "$expect: no expected diagnostic"; line=0; }
    if grep -q '^\[sweep\]' "$file"; then
        # validate checks a sweep file as `cpsim plan` does (this one's base
        # scenario is missing); run reads it as a scenario, as .expect says.
        refused "validate $(basename "$file")" "$file" 0 -- "$cpsim" validate "$file"
        grep -qxF "$file: invalid sweep file" "$work/stderr" ||
            fail "validate $(basename "$file"): does not say it is an invalid sweep file"
    else
        refused "validate $(basename "$file")" "$file" "$line" -- "$cpsim" validate "$file"
    fi
    refused "run $(basename "$file")" "$file" "$line" -- \
        "$cpsim" run "$file" --quiet --reps 1 --out "$work/out"
    [ -e "$work/out" ] && { fail "run $(basename "$file"): created its output folder"; rm -rf "$work/out"; }
done
[ "$fixtures_seen" -ge 80 ] || fail "only $fixtures_seen invalid fixtures found in $fixtures"

# ---- what cannot be a fixture ------------------------------------------------
missing="$work/no-such-file.ini"
for cmd in validate run; do
    refused "$cmd a missing file" "$missing" 0 -- "$cpsim" $cmd "$missing"
    grep -q "no such file" "$work/stderr" || fail "$cmd a missing file: does not say so"
    refused "$cmd a directory" "$fixtures" 0 -- "$cpsim" $cmd "$fixtures"
    grep -q "is a directory" "$work/stderr" || fail "$cmd a directory: does not say so"
    refused "$cmd /dev/zero" /dev/zero 0 -- "$cpsim" $cmd /dev/zero
    grep -q "larger than" "$work/stderr" || fail "$cmd /dev/zero: does not say it is too large"
    refused "$cmd a path through a file" "$src/README.md/x.ini" 0 -- \
        "$cpsim" $cmd "$src/README.md/x.ini"
done

# An unreadable file. Root reads a mode-000 file anyway, so as root the
# command runs as nobody (setpriv), for whom the mode means what it says.
unreadable="$work/unreadable.ini"
printf '[team]\nsocial_workers = 10\n' >"$unreadable"
chmod 000 "$unreadable"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
        chmod 755 "$work"
    else
        echo "note: running as root without setpriv: the unreadable-file check is skipped" >&2
        as_user=(skip)
    fi
fi
if [ "${as_user[0]:-}" != skip ]; then
    # nobody must be able to reach the binary (and its build folder).
    if [ "$(id -u)" -ne 0 ] || "${as_user[@]}" test -x "$cpsim"; then
        for cmd in validate run; do
            refused "$cmd an unreadable file" "$unreadable" 0 -- \
                "${as_user[@]}" "$cpsim" $cmd "$unreadable"
            grep -q "permission denied" "$work/stderr" ||
                fail "$cmd an unreadable file: does not say permission denied"
        done
    else
        echo "note: user nobody cannot run $cpsim: the unreadable-file check is skipped" >&2
    fi
fi

# An empty path and an option in place of the file are usage errors (2).
"$cpsim" validate "" >/dev/null 2>"$work/stderr"; code=$?
[ "$code" -eq 2 ] || fail "validate \"\": exit $code, expected 2"
"$cpsim" run "" >/dev/null 2>"$work/stderr"; code=$?
[ "$code" -eq 2 ] || fail "run \"\": exit $code, expected 2"

if [ "$failures" -ne 0 ]; then
    echo "$failures of $checked check(s) failed" >&2
    exit 1
fi
echo "all $checked bad-input checks passed ($fixtures_seen fixtures, validate and run)"
