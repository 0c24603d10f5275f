#!/usr/bin/env bash
# Load test of a release build of Annex on SQLite, on 127.0.0.1 only: the catalogue.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/load.sh
#
# What it does:
#   1. cargo build --release (honours CARGO_TARGET_DIR; default ./target)
#   2. starts `annex serve` on a fresh temporary data dir at 127.0.0.1:<free port> and measures
#      the time from launch to the first 200 on /healthz (polled every 10 ms): "ready"
#   3. reads the idle resident memory (VmRSS in /proc/PID/status)
#   4. sets up the first (admin) account through /setup, signs in through /login and creates
#      an API token with `annex token create`
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

NAME=load.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_server
sign_in

PAGE_PATH="/controls?attr=control_type:Detective"
API_PATH="/api/v1/frameworks/iso27002-2022/controls?attr=control_type:Detective"
CONTROL_PATH="/controls/iso27002-2022/8.13"

run_wrk page "$PAGE_PATH" "$COOKIE"
run_wrk api "$API_PATH" "$BEARER"
run_wrk control "$CONTROL_PATH" "$COOKIE"

AFTER_RSS_KB="$(rss_kb)"
PEAK_RSS_KB="$(hwm_kb)"
stop_server

echo
echo "Annex load test: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), SQLite," \
    "wrk ${DURATION} x ${THREADS} threads x ${CONNECTIONS} connections, $(nproc) CPUs"
print_rows
echo "  page    = GET $PAGE_PATH (session cookie)"
echo "  api     = GET $API_PATH (bearer token)"
echo "  control = GET $CONTROL_PATH (session cookie)"
echo "ready (launch to first 200 on /healthz, fresh data dir): ${READY_MS} ms"
echo "stop (SIGTERM to exit): ${STOP_MS} ms"
echo "RSS idle: $(mb "$IDLE_RSS_KB") MB   after load: $(mb "$AFTER_RSS_KB") MB   peak (VmHWM): $(mb "$PEAK_RSS_KB") MB"
