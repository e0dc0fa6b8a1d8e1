#!/usr/bin/env bash
# cpsim serve: the live page. Starts the server on a free port, sends it
# malformed, oversized and path-traversal requests (each must get a 4xx with
# a JSON error, and the server must stay up), checks the API, then loads the
# page in a real headless Chromium (tests/e2e/live_page.js, Playwright),
# moves the social-workers slider and checks the charts redraw and that more
# social workers give a shorter waiting list. The screenshot goes to the
# build folder (live-page.png).
#
# Needs: curl, chromium, node and npm (playwright-core is installed from npm
# into the build folder on first use). Missing tools are installed when
# running as root; if they cannot be, the test FAILS rather than skips: CI
# must install chromium (see docs/classroom.md, "For maintainers").
set -euo pipefail
cpsim=$1 src=$2
build=$(cd "$(dirname "$cpsim")" && pwd)
work=$build/e2e-serve
rm -rf "$work" && mkdir -p "$work"
fail() { echo "test_serve: FAIL: $*" >&2; [ -f "$work/serve.err" ] && tail -5 "$work/serve.err" >&2; exit 1; }

need() { # need COMMAND DEBIAN-PACKAGE...
  local cmd=$1; shift
  command -v "$cmd" >/dev/null && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "test_serve: installing $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
      || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends "$@" >&2; } || true
  fi
  command -v "$cmd" >/dev/null || fail "$cmd is missing and could not be installed (Debian: $*)"
}
need curl curl

"$cpsim" serve "$src/scenarios/classroom.ini" --port 0 > "$work/serve.out" 2> "$work/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's|^Serving .* on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$work/serve.out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited at start"
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not say where it listens"
base=http://127.0.0.1:$port

# status URL [curl options...]: prints the HTTP status; the body goes to $work/body
status() { local u=$1; shift; curl -s --max-time 30 --path-as-is -o "$work/body" -w '%{http_code}' "$@" "$u" || true; }
alive() {
  kill -0 "$pid" 2>/dev/null || fail "the server died after: $*"
  [ "$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "$base/" || true)" = 200 ] \
    || fail "the server stopped answering after: $*"
}
expect() { # expect CODE WHAT URL [curl options...]
  local want=$1 what=$2 url=$3; shift 3
  local got; got=$(status "$url" "$@")
  [ "$got" = "$want" ] || fail "$what: HTTP $got, want $want ($(head -c 200 "$work/body"))"
  case $want in 4*) grep -q '"error"' "$work/body" || fail "$what: no JSON error";; esac
  alive "$what"
}

expect 200 "the page" "$base/"
grep -q '<script src="/app.js"' "$work/body" || fail "the page has no script"
expect 200 "the script" "$base/app.js"
expect 200 "the style" "$base/report.css"
expect 200 "the config" "$base/api/config"
grep -q '"team.social_workers"' "$work/body" || fail "config has no social-workers lever"

# Path traversal: no file is ever served, so every variant is a 404.
for p in '/../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd' \
         '/..%2f..%2fetc%2fpasswd' '/api/../../../etc/passwd' '//etc/passwd' '/etc/passwd' \
         '/app.js/../../etc/passwd' '/%252e%252e/etc/passwd' '/.%00./etc/passwd' '/index.html%00.js'; do
  expect 404 "traversal $p" "$base$p"
  ! grep -q 'root:' "$work/body" || fail "traversal $p leaked a file"
done

# Malformed and oversized.
long=$(head -c 5000 /dev/zero | tr '\0' x)
huge=$(head -c 60000 /dev/zero | tr '\0' x)
many=$(for i in $(seq 1 40); do printf 'k%d=1&' "$i"; done)
expect 414 "a 5 KB URL" "$base/api/run?team.social_workers=$long"
got=$(status "$base/api/run?a=$huge"); case $got in 4??) ;; *) fail "a 60 KB URL: HTTP $got";; esac; alive "60 KB URL"
expect 400 "too many parameters" "$base/api/run?$many"
expect 400 "an unknown key" "$base/api/run?simulation.years=100"
expect 400 "a key outside the whitelist" "$base/api/run?harm.rate=1"
expect 400 "not a number" "$base/api/run?team.social_workers=lots"
expect 400 "hexadecimal" "$base/api/run?team.social_workers=0x10"
expect 400 "NaN" "$base/api/run?team.social_workers=nan"
expect 400 "out of range" "$base/api/run?team.social_workers=100000"
expect 400 "negative" "$base/api/run?demand.referrals_per_week=-1"
expect 400 "repeated key" "$base/api/run?team.social_workers=5&team.social_workers=6"
expect 400 "empty value" "$base/api/run?caseload.cap_cases="
expect 400 "a bad boolean" "$base/api/run?policy.retention_bonus=maybe"
expect 400 "too many replications" "$base/api/run?reps=1000000"
expect 400 "zero replications" "$base/api/run?reps=0"
expect 400 "a long value" "$base/api/run?team.social_workers=$(head -c 100 /dev/zero | tr '\0' 5)"
expect 405 "POST" "$base/api/run" -X POST --data 'team.social_workers=9'
expect 405 "DELETE" "$base/" -X DELETE
# A raw request that is not HTTP at all.
printf 'GARBAGE\r\n\r\n' | curl -s --max-time 5 telnet://127.0.0.1:"$port" >/dev/null 2>&1 || true
alive "a garbage request line"

# The API: numbers, and fewer cases waiting with more workers.
expect 200 "a run" "$base/api/run?team.social_workers=5&reps=20"
w5=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["outcomes"]["unallocated_mean"]["now"]["mean"])' "$work/body")
expect 200 "a run" "$base/api/run?team.social_workers=8&reps=20"
w8=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(k in d["charts"] for k in ("unallocated","caseload","staff","burnout","harm")); print(d["outcomes"]["unallocated_mean"]["now"]["mean"])' "$work/body")
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$w8') < float('$w5') else 1)" \
  || fail "8 workers ($w8 waiting) not better than 5 ($w5)"
echo "test_serve: API ok: $w5 cases waiting with 5 workers, $w8 with 8"

# The page in a real browser.
need chromium chromium
need node nodejs
need npm npm
chromium=$(command -v chromium)
nodedir=$build/e2e-node
# playwright-core 1.57 drives Debian 12's Chromium and runs on Debian's Node 18.
pw=1.57.0
if [ "$(node -p "require('$nodedir/node_modules/playwright-core/package.json').version" 2>/dev/null)" != "$pw" ]; then
  mkdir -p "$nodedir"
  (cd "$nodedir" && npm install --no-audit --no-fund --silent --no-save "playwright-core@$pw" >&2) \
    || fail "could not install playwright-core from npm"
fi
CHROMIUM=$chromium NODE_PATH=$nodedir/node_modules \
  node "$src/tests/e2e/live_page.js" "$base/" "$build/live-page.png" || fail "the page in Chromium"
[ -s "$build/live-page.png" ] || fail "no screenshot"
alive "the browser session"
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT
echo "test_serve: ok (screenshot $build/live-page.png)"
