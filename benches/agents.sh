#!/usr/bin/env bash
# Agents reporting to one server: HOSTS agents (each its own user of the role agent and its
# own token) post ROUNDS reports each of this machine's real scan (renamed per host) to
# `POST /api/v1/scans` of a release server; every report is stored as a run with its findings
# and files its results as evidence on the SoA. Prints the latency of the reports (median,
# p99, max), the server's peak memory, and the time of the SoA page and of the hosts list
# afterwards.
#
#   bash benches/agents.sh                    # SQLite
#   DATABASE=postgres://postgres@127.0.0.1:5432/annex_bench bash benches/agents.sh
#   HOSTS=100 ROUNDS=5 bash benches/agents.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
HOSTS="${HOSTS:-50}"
ROUNDS="${ROUNDS:-4}"
PORT="${PORT:-18581}"
cd "$REPO"
cargo build --release --bin annex >/dev/null 2>&1
BIN="$TARGET_DIR/release/annex"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/annex-agents.XXXXXX")"
export ANNEX_DATA_DIR="$WORK/data"
if [[ -n "${DATABASE:-}" ]]; then
    export ANNEX_DATABASE_URL="$DATABASE"
    if [[ "$DATABASE" == postgres://* ]]; then
        db="${DATABASE##*/}"
        admin="${DATABASE%/*}/postgres"
        psql "$admin" -qc "drop database if exists $db" -c "create database $db" >/dev/null
    fi
fi
SERVER=""
trap '[[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

"$BIN" init >/dev/null
echo "== $HOSTS agents, each with its own token"
for i in $(seq 1 "$HOSTS"); do
    "$BIN" user add --email "agent$i@example.org" --name "agent $i" --role agent >/dev/null 2>&1
    "$BIN" token create --email "agent$i@example.org" --name "host-$i" 2>/dev/null >>"$WORK/tokens"
done
"$BIN" scan --format json --out "$WORK/report.json" >/dev/null 2>&1 || true

if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
else
    "$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
fi
SERVER=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

python3 - "$WORK/report.json" "$WORK/tokens" "$PORT" "$ROUNDS" <<'PY'
import http.client, json, sys, time
report = json.load(open(sys.argv[1]))
tokens = [t.strip() for t in open(sys.argv[2]) if t.strip()]
port, rounds = int(sys.argv[3]), int(sys.argv[4])
checks = len(report["findings"])
times, filed = [], 0
for r in range(rounds):
    for i, token in enumerate(tokens):
        body = dict(report, host=f"host-{i + 1:03}")
        data = json.dumps(body).encode()
        c = http.client.HTTPConnection("127.0.0.1", port)
        start = time.perf_counter()
        c.request("POST", "/api/v1/scans", data, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        res = c.getresponse()
        text = res.read()
        times.append((time.perf_counter() - start) * 1000)
        if res.status != 201:
            sys.exit(f"report refused: {res.status} {text[:300]}")
        filed += json.loads(text)["evidence_filed"]
        c.close()
times.sort()
q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(f"   {len(times)} reports of {checks} findings: median {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms, max {times[-1]:.1f} ms; {filed} evidence items created or refreshed")
PY

# Agents may not read: the reads are timed with an admin's token.
"$BIN" user add --email bench-admin@example.org --name bench --role admin >/dev/null 2>&1
ADMIN="$("$BIN" token create --email bench-admin@example.org --name bench 2>/dev/null)"
for path in /api/v1/hosts /api/v1/soa "/api/v1/evidence?state=failing&limit=1000"; do
    for _ in 1 2 3; do
        t=$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT$path")
        echo "   GET $path: $(python3 -c "print(f'{$t * 1000:.1f} ms')")"
    done
done
# Stop the server (under /usr/bin/time, stop its child so that time reports).
pkill -TERM -P "$SERVER" 2>/dev/null || kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=""
[[ -f "$WORK/rss" ]] && echo "   server peak RSS $(tail -1 "$WORK/rss") kB"
