#!/usr/bin/env bash
# Load test of a release build of Annex on SQLite, on 127.0.0.1 only.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/load.sh
#
# What it does:
#   1. cargo build --release (honours CARGO_TARGET_DIR; default ./target)
#   2. starts `annex serve` on a fresh temporary data dir at 127.0.0.1:<free port> and measures
#      the time from launch to the first 200 on /healthz (polled every 10 ms): "ready"
#   3. reads the idle resident memory (VmRSS in /proc/PID/status)
#   4. sets up the first (admin) account through the /setup form, signs in through /login
#      (both with the annex_csrf cookie + _csrf field) and creates an API token with
#      `annex token create` against the same data dir
#   5. runs `wrk --latency` against a catalogue page, the API and a control page
#   6. prints requests/s, p50, p99 per endpoint, the ready time and RSS idle / after load
# The server and the temporary dir are removed on exit, whatever happens.
#
# Knobs (environment; deliberately not ANNEX_*, which Annex rejects when unknown):
#   BENCH_DURATION      wrk duration per endpoint     (default 10s)
#   BENCH_THREADS       wrk threads                   (default 2)
#   BENCH_CONNECTIONS   wrk connections               (default 16)
#   BENCH_SKIP_BUILD=1  use the existing release binary without running cargo
#
# Needs: cargo, curl, wrk (Debian: apt-get install wrk), python3 or ss (to find a free port).

set -euo pipefail

DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET_DIR/release/annex"

for tool in curl wrk; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "load.sh: '$tool' is not installed (Debian/Ubuntu: apt-get install $tool)" >&2
        exit 1
    fi
done

# --- build ------------------------------------------------------------------------------------

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
    echo "== building release binary in $TARGET_DIR" >&2
    (cd "$REPO" && cargo build --release --bin annex)
fi
[[ -x "$BIN" ]] || { echo "load.sh: no binary at $BIN" >&2; exit 1; }

# --- temp dir, cleanup ------------------------------------------------------------------------

WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-load.XXXXXX")"
DATA="$WORK/data"
LOG="$WORK/serve.log"
SERVER_PID=""

cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            alive || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $rc -ne 0 && -f "$LOG" ]]; then
        echo "---- last lines of the server log ----" >&2
        tail -n 30 "$LOG" >&2 || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The CLI and server must see only the data dir we give them, not the caller's ANNEX_* settings.
# `env` execs the binary, so a background `annex_cmd serve &` has the server's own PID.
UNSET=()
while IFS= read -r name; do UNSET+=(-u "$name"); done < <(env | awk -F= '/^ANNEX_/ {print $1}')
annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "sqlite://$DATA/annex.db")

free_port() {
    if command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null; then
        return
    fi
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 30000))
        if ! ss -Hltn "sport = :$p" | grep -q .; then
            echo "$p"
            return
        fi
    done
    echo "load.sh: no free port found" >&2
    return 1
}

# True while the server runs (an exited child stays a zombie until waited for).
alive() { [[ -r "/proc/$SERVER_PID/status" ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$SERVER_PID/status" 2>/dev/null; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# --- start and wait for /healthz --------------------------------------------------------------

PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$DATA"

echo "== starting annex serve on $BASE (data dir $DATA)" >&2
START_MS="$(now_ms)"
"${annex_cmd[@]}" serve --bind "127.0.0.1:$PORT" >"$LOG" 2>&1 &
SERVER_PID=$!
if [[ "$(readlink "/proc/$SERVER_PID/exe" 2>/dev/null || true)" != "$(readlink -f "$BIN")" ]]; then
    sleep 0.05 # env may not have exec'd the binary yet
fi

READY_MS=""
for _ in $(seq 1 3000); do # up to ~30 s plus curl time
    if ! alive; then
        echo "load.sh: the server exited during start" >&2
        exit 1
    fi
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/healthz" || true)"
    if [[ "$code" == "200" ]]; then
        READY_MS=$(($(now_ms) - START_MS))
        break
    fi
    sleep 0.01
done
[[ -n "$READY_MS" ]] || { echo "load.sh: /healthz never answered 200" >&2; exit 1; }
echo "   ready after ${READY_MS} ms" >&2

sleep 1 # let start-up allocations settle
[[ "$(readlink "/proc/$SERVER_PID/exe")" == "$(readlink -f "$BIN")" ]] || {
    echo "load.sh: PID $SERVER_PID is not the annex binary; cannot read its memory" >&2
    exit 1
}
IDLE_RSS_KB="$(rss_kb)"

# --- accounts ---------------------------------------------------------------------------------

EMAIL="bench@example.org"
PASSWORD="correct horse battery staple bench"

# The value of cookie $2 set by a response whose headers are in file $1.
set_cookie_value() { # file name
    sed -n "s/^[Ss]et-[Cc]ookie: *$2=\([^;]*\).*/\1/p" "$1" | tr -d '\r' | tail -n 1
}
csrf_field() { # html file
    grep -o 'name="_csrf"[^>]*' "$1" | sed -n 's/.*value="\([^"]*\)".*/\1/p' | head -n 1
}

# Sets ANON_CSRF from GET /$1: the pre-sign-in cookie, which the form's _csrf field repeats.
anon_csrf() { # page
    curl -s -D "$WORK/$1.h" -o "$WORK/$1.html" "$BASE/$1"
    ANON_CSRF="$(set_cookie_value "$WORK/$1.h" annex_csrf)"
    local field
    field="$(csrf_field "$WORK/$1.html")"
    [[ -n "$ANON_CSRF" && "$field" == "$ANON_CSRF" ]] || {
        echo "load.sh: no annex_csrf cookie / _csrf field on GET /$1" >&2
        exit 1
    }
}

echo "== setting up the admin account through /setup and signing in through /login" >&2
anon_csrf setup
code="$(curl -s -o /dev/null -w '%{http_code}' -D "$WORK/setup-post.h" \
    -H "Cookie: annex_csrf=$ANON_CSRF" \
    --data-urlencode "_csrf=$ANON_CSRF" \
    --data-urlencode "organisation=Bench Ltd" \
    --data-urlencode "name=Bench" \
    --data-urlencode "email=$EMAIL" \
    --data-urlencode "password=$PASSWORD" \
    --data-urlencode "confirm=$PASSWORD" \
    "$BASE/setup")"
[[ "$code" == "303" || "$code" == "302" ]] || {
    echo "load.sh: POST /setup answered $code" >&2
    exit 1
}

anon_csrf login
code="$(curl -s -o /dev/null -w '%{http_code}' -D "$WORK/login-post.h" \
    -H "Cookie: annex_csrf=$ANON_CSRF" \
    --data-urlencode "_csrf=$ANON_CSRF" \
    --data-urlencode "email=$EMAIL" \
    --data-urlencode "password=$PASSWORD" \
    --data-urlencode "next=/" \
    "$BASE/login")"
SESSION="$(set_cookie_value "$WORK/login-post.h" annex_session)"
[[ ("$code" == "303" || "$code" == "302") && -n "$SESSION" ]] || {
    echo "load.sh: POST /login answered $code without a session cookie" >&2
    exit 1
}

TOKEN="$("${annex_cmd[@]}" token create --email "$EMAIL" --name bench 2>/dev/null | tail -n 1)"
[[ -n "$TOKEN" ]] || { echo "load.sh: annex token create printed no token" >&2; exit 1; }

# --- load -------------------------------------------------------------------------------------

PAGE_PATH="/controls?attr=control_type:Detective"
API_PATH="/api/v1/frameworks/iso27002-2022/controls?attr=control_type:Detective"
CONTROL_PATH="/controls/iso27002-2022/8.13"

check_200() { # label path header
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "$3" "$BASE$2")"
    if [[ "$code" != "200" ]]; then
        echo "load.sh: $1 ($2) answered $code before the load; refusing to measure redirects" >&2
        exit 1
    fi
}
check_200 page "$PAGE_PATH" "Cookie: annex_session=$SESSION"
check_200 api "$API_PATH" "Authorization: Bearer $TOKEN"
check_200 control "$CONTROL_PATH" "Cookie: annex_session=$SESSION"

# Converts a wrk latency such as 812.00us, 1.23ms or 1.05s to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000
        else if (v ~ /ms$/) n = n
        else if (v ~ /m$/) n = n * 60000
        else if (v ~ /s$/) n = n * 1000
        printf "%.2f", n
    }'
}

ROWS=()
run_wrk() { # label path header
    local out="$WORK/wrk-$1.txt"
    echo "== wrk $1: $2 (${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections)" >&2
    wrk --latency -d "$DURATION" -t "$THREADS" -c "$CONNECTIONS" -H "$3" "$BASE$2" >"$out"
    local rps p50 p99 errors non2xx
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    errors="$(awk '/Socket errors:/ {sub(/.*Socket errors: */, ""); print}' "$out")"
    ROWS+=("$(printf '%-8s %10s %9s %9s %9s  %s' "$1" "$rps" "$p50" "$p99" "$(mb "$(rss_kb)")" \
        "${non2xx:+non-2xx=$non2xx }${errors:+socket errors: $errors}")")
}

run_wrk page "$PAGE_PATH" "Cookie: annex_session=$SESSION"
run_wrk api "$API_PATH" "Authorization: Bearer $TOKEN"
run_wrk control "$CONTROL_PATH" "Cookie: annex_session=$SESSION"

AFTER_RSS_KB="$(rss_kb)"
PEAK_RSS_KB="$(hwm_kb)"

# Graceful stop: time from SIGTERM to exit.
STOP_START_MS="$(now_ms)"
kill -TERM "$SERVER_PID"
STOP_MS="> 30000"
for _ in $(seq 1 3000); do
    if ! alive; then
        STOP_MS=$(($(now_ms) - STOP_START_MS))
        break
    fi
    sleep 0.01
done
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

# --- summary ----------------------------------------------------------------------------------

echo
echo "Annex load test: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), SQLite," \
    "wrk ${DURATION} x ${THREADS} threads x ${CONNECTIONS} connections, $(nproc) CPUs"
printf '%-8s %10s %9s %9s %9s\n' endpoint "req/s" "p50 ms" "p99 ms" "RSS MB"
for row in "${ROWS[@]}"; do echo "$row"; done
echo "  page    = GET $PAGE_PATH (session cookie)"
echo "  api     = GET $API_PATH (bearer token)"
echo "  control = GET $CONTROL_PATH (session cookie)"
echo "ready (launch to first 200 on /healthz, fresh data dir): ${READY_MS} ms"
echo "stop (SIGTERM to exit): ${STOP_MS} ms"
echo "RSS idle: $(mb "$IDLE_RSS_KB") MB   after load: $(mb "$AFTER_RSS_KB") MB   peak (VmHWM): $(mb "$PEAK_RSS_KB") MB"
