# Shared by the load scripts in benches/ (sourced, not run): building the release binary, a
# temporary data dir removed on exit, starting `annex serve` on a free port and waiting for
# /healthz, setting up the first account and signing in, and running wrk with a summary row.
#
# The sourcing script sets NAME (for messages) and may set BENCH_* knobs before sourcing.
# BENCH_KEEP=1 keeps the working directory (the database, the server log) for a look after.

set -euo pipefail

DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET_DIR/release/annex"

die() { echo "$NAME: $*" >&2; exit 1; }

for tool in curl wrk; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (Debian/Ubuntu: apt-get install $tool)"
done

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
    echo "== building release binary in $TARGET_DIR" >&2
    (cd "$REPO" && cargo build --release --bin annex)
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-bench.XXXXXX")"
DATA="$WORK/data"
LOG="$WORK/serve.log"
SERVER_PID=""
mkdir -p "$DATA"

# True while the server runs (an exited child stays a zombie until waited for).
alive() { [[ -r "/proc/$SERVER_PID/status" ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$SERVER_PID/status" 2>/dev/null; }

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
    if [[ -n "${BENCH_SPANS_LOG:-}" && -f "$LOG" ]]; then cp "$LOG" "$BENCH_SPANS_LOG"; fi
    if [[ "${BENCH_KEEP:-0}" == "1" ]]; then
        echo "kept the data (BENCH_KEEP=1): $WORK" >&2
    else
        rm -rf "$WORK"
    fi
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
    die "no free port found"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# Starts `annex serve` on a free port; sets BASE, SERVER_PID, READY_MS (launch to first 200
# on /healthz) and IDLE_RSS_KB (after a second of rest).
start_server() {
    PORT="$(free_port)"
    BASE="http://127.0.0.1:$PORT"
    echo "== starting annex serve on $BASE (data dir $DATA)" >&2
    local start
    start="$(now_ms)"
    # BENCH_SPANS_LOG=FILE: the server logs each use case's span with its busy time, and the
    # log is kept in FILE (where a slow page spends its time).
    local spans=()
    [[ -n "${BENCH_SPANS_LOG:-}" ]] && spans=(env ANNEX_LOG_SPANS=true)
    "${spans[@]}" "${annex_cmd[@]}" serve --bind "127.0.0.1:$PORT" >"$LOG" 2>&1 &
    SERVER_PID=$!
    READY_MS=""
    for _ in $(seq 1 3000); do # up to ~30 s plus curl time
        alive || die "the server exited during start"
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/healthz" || true)"
        if [[ "$code" == "200" ]]; then
            READY_MS=$(($(now_ms) - start))
            break
        fi
        sleep 0.01
    done
    [[ -n "$READY_MS" ]] || die "/healthz never answered 200"
    echo "   ready after ${READY_MS} ms" >&2
    sleep 1 # let start-up allocations settle
    [[ "$(readlink "/proc/$SERVER_PID/exe")" == "$(readlink -f "$BIN")" ]] ||
        die "PID $SERVER_PID is not the annex binary; cannot read its memory"
    IDLE_RSS_KB="$(rss_kb)"
}

EMAIL="bench@example.org"
PASSWORD="correct horse battery staple bench"

# The value of cookie $2 set by a response whose headers are in file $1.
set_cookie_value() { sed -n "s/^[Ss]et-[Cc]ookie: *$2=\([^;]*\).*/\1/p" "$1" | tr -d '\r' | tail -n 1; }
csrf_field() { grep -o 'name="_csrf"[^>]*' "$1" | sed -n 's/.*value="\([^"]*\)".*/\1/p' | head -n 1; }

# Sets ANON_CSRF from GET /$1: the pre-sign-in cookie, which the form's _csrf field repeats.
anon_csrf() {
    curl -s -D "$WORK/$1.h" -o "$WORK/$1.html" "$BASE/$1"
    ANON_CSRF="$(set_cookie_value "$WORK/$1.h" annex_csrf)"
    local field
    field="$(csrf_field "$WORK/$1.html")"
    [[ -n "$ANON_CSRF" && "$field" == "$ANON_CSRF" ]] || die "no annex_csrf cookie / _csrf field on GET /$1"
}

# Sets up the first (admin) account through /setup, signs in through /login and creates an
# API token with the CLI; sets SESSION and TOKEN.
sign_in() {
    echo "== setting up the admin account through /setup and signing in through /login" >&2
    local code
    # A store served again (BENCH_REUSE) has its account already: /setup then sends to /login.
    code="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/setup")"
    if [[ "$code" == "200" ]]; then
        anon_csrf setup
        code="$(curl -s -o /dev/null -w '%{http_code}' -D "$WORK/setup-post.h" \
            -H "Cookie: annex_csrf=$ANON_CSRF" \
            --data-urlencode "_csrf=$ANON_CSRF" --data-urlencode "organisation=Bench Ltd" \
            --data-urlencode "name=Bench" --data-urlencode "email=$EMAIL" \
            --data-urlencode "password=$PASSWORD" --data-urlencode "confirm=$PASSWORD" \
            "$BASE/setup")"
        [[ "$code" == "303" || "$code" == "302" ]] || die "POST /setup answered $code"
    fi
    anon_csrf login
    code="$(curl -s -o /dev/null -w '%{http_code}' -D "$WORK/login-post.h" \
        -H "Cookie: annex_csrf=$ANON_CSRF" \
        --data-urlencode "_csrf=$ANON_CSRF" --data-urlencode "email=$EMAIL" \
        --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" \
        "$BASE/login")"
    SESSION="$(set_cookie_value "$WORK/login-post.h" annex_session)"
    [[ ("$code" == "303" || "$code" == "302") && -n "$SESSION" ]] || die "POST /login answered $code without a session cookie"
    TOKEN="$("${annex_cmd[@]}" token create --email "$EMAIL" --name bench 2>/dev/null | tail -n 1)"
    [[ -n "$TOKEN" ]] || die "annex token create printed no token"
    COOKIE="Cookie: annex_session=$SESSION"
    BEARER="Authorization: Bearer $TOKEN"
}

check_200() { # label path header
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' -H "$3" "$BASE$2")"
    [[ "$code" == "200" ]] || die "$1 ($2) answered $code before the load; refusing to measure it"
}

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
# Runs wrk on one endpoint and keeps a summary row: label, req/s, p50, p99, RSS.
# BENCH_ONLY (a regular expression) measures only the endpoints whose label it matches.
run_wrk() { # label path header
    if [[ -n "${BENCH_ONLY:-}" ]] && ! [[ "$1" =~ $BENCH_ONLY ]]; then return 0; fi
    check_200 "$1" "$2" "$3"
    local out="$WORK/wrk-$1.txt"
    echo "== wrk $1: $2 (${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections)" >&2
    wrk --latency -d "$DURATION" -t "$THREADS" -c "$CONNECTIONS" -H "$3" "$BASE$2" >"$out"
    local rps p50 p99 errors non2xx
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    errors="$(awk '/Socket errors:/ {sub(/.*Socket errors: */, ""); print}' "$out")"
    ROWS+=("$(printf '%-16s %9s %8s %8s %8s  %s' "$1" "$rps" "$p50" "$p99" "$(mb "$(rss_kb)")" \
        "${non2xx:+non-2xx=$non2xx }${errors:+socket errors: $errors}")")
}

print_rows() {
    printf '%-16s %9s %8s %8s %8s\n' endpoint "req/s" "p50 ms" "p99 ms" "RSS MB"
    for row in "${ROWS[@]}"; do echo "$row"; done
}

# Stops the server with SIGTERM; sets STOP_MS.
stop_server() {
    local start
    start="$(now_ms)"
    kill -TERM "$SERVER_PID"
    STOP_MS="> 30000"
    for _ in $(seq 1 3000); do
        if ! alive; then
            STOP_MS=$(($(now_ms) - start))
            break
        fi
        sleep 0.01
    done
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# The database a benchmark fills with SQL: PostgreSQL when BENCH_DATABASE names an (emptied)
# database, else the data dir's SQLite file. Defines annex_cmd for it, run_sql (SQL on stdin),
# and the SQL pieces that differ between the two: series N (rows i = 1..N), pad EXPR WIDTH
# (zero-padded text), yes COND (a boolean), nl (a line feed); SETTLE (statistics after a bulk
# load) and DB_LABEL.
use_database() {
    if [[ -n "${BENCH_DATABASE:-}" ]]; then
        command -v psql >/dev/null 2>&1 || die "psql is needed to fill the database"
        annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "$BENCH_DATABASE")
        local db="${BENCH_DATABASE##*/}" admin="${BENCH_DATABASE%/*}/postgres"
        psql "$admin" -qc "drop database if exists $db" -c "create database $db" >/dev/null
        run_sql() { psql "$BENCH_DATABASE" -q -v ON_ERROR_STOP=1; }
        series() { echo "select g as i from generate_series(1, $1) as g"; }
        pad() { echo "lpad(($1)::text, greatest($2, length(($1)::text)), '0')"; }
        yes() { echo "($1)"; }
        nl() { echo "chr(10)"; }
        # What autovacuum does within a minute of a bulk load: statistics and the visibility
        # map (without it, counts cannot be answered from an index).
        SETTLE="vacuum analyze;"
        DB_LABEL=PostgreSQL
    else
        command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is needed to fill the database (apt-get install sqlite3)"
        run_sql() { sqlite3 -cmd ".timeout 30000" "$DATA/annex.db"; }
        series() { echo "with recursive s(i) as (select 1 union all select i + 1 from s where i < $1) select i from s"; }
        pad() { echo "printf('%0$2d', $1)"; }
        yes() { echo "(case when $1 then 1 else 0 end)"; }
        nl() { echo "char(10)"; }
        SETTLE="analyze;"
        DB_LABEL=SQLite
    fi
}
