#!/usr/bin/env bash
# The registers at 100,000 rows: a release build of Annex on SQLite, filled by
# `annex demo --size large` (100,000 assets, 100,000 risks, 2,000 measures), then wrk on the
# register pages and the API lists — first page, a filtered page, a deep page (keyset cursor
# 50,000 rows in), a text search — and the heat map, the record pages, the treatment plan,
# the header's search over every register and the forms' pickers.
# Then the import of a 100,000-row asset CSV into a new data dir, timed with its peak memory,
# the same file again, and a 100,000-row risk CSV on those assets.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/registers.sh
#
# Knobs (environment):
#   BENCH_DURATION      wrk duration per endpoint     (default 5s)
#   BENCH_THREADS       wrk threads                   (default 2)
#   BENCH_CONNECTIONS   wrk connections               (default 2: latency, not queueing, on 2 cores)
#   BENCH_SKIP_BUILD=1  use the existing release binary without running cargo
#   BENCH_DATABASE      a PostgreSQL URL to run on instead of SQLite (its database must be empty)
#
# Needs: cargo, curl, wrk, python3.

NAME=registers.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read cursors and write the CSV"
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "$BENCH_DATABASE")
fi
DB_LABEL="$([[ -n "${BENCH_DATABASE:-}" ]] && echo PostgreSQL || echo SQLite)"

echo "== annex demo --size large" >&2
DEMO="$(/usr/bin/time -f '%e s, peak %M KB' "${annex_cmd[@]}" demo --size large 2>&1 | tail -n 2 | tr '\n' ' ')"
echo "   $DEMO" >&2

start_server
sign_in

# A keyset cursor 50,000 rows into the asset register (sorted by name): follow next_cursor.
DEEP_ASSET_CURSOR="$(python3 - "$BASE" "$TOKEN" <<'PY'
import json, sys, urllib.parse, urllib.request
base, token = sys.argv[1], sys.argv[2]
cursor = None
for _ in range(100):
    q = "limit=500" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    req = urllib.request.Request(f"{base}/api/v1/assets?{q}", headers={"Authorization": f"Bearer {token}"})
    cursor = json.load(urllib.request.urlopen(req))["next_cursor"]
print(urllib.parse.quote(cursor))
PY
)"
DEEP_RISK_CURSOR="%5B%22R-050000%22%5D" # ["R-050000"]

run_wrk assets-page "/assets" "$COOKIE"
run_wrk assets-filter "/assets?type=hardware&classification=internal&lifecycle=in_use" "$COOKIE"
run_wrk assets-deep "/assets?cursor=$DEEP_ASSET_CURSOR" "$COOKIE"
run_wrk assets-text "/assets?q=Server%2077" "$COOKIE"
run_wrk assets-tag "/assets?tag=crown-jewel" "$COOKIE"
run_wrk api-assets "/api/v1/assets?limit=50" "$BEARER"
run_wrk api-assets-flt "/api/v1/assets?type=hardware&classification=internal&limit=50" "$BEARER"
run_wrk api-assets-deep "/api/v1/assets?limit=50&cursor=$DEEP_ASSET_CURSOR" "$BEARER"
run_wrk asset-record "/assets/A-050000" "$COOKIE"
run_wrk risks-page "/risks" "$COOKIE"
run_wrk risks-filter "/risks?level=high&treatment=modify" "$COOKIE"
run_wrk risks-deep "/risks?cursor=$DEEP_RISK_CURSOR" "$COOKIE"
run_wrk risks-text "/risks?q=Ransomware%20(77" "$COOKIE"
run_wrk risks-asset "/risks?asset=A-050000" "$COOKIE"
run_wrk api-risks "/api/v1/risks?limit=50" "$BEARER"
run_wrk api-risks-flt "/api/v1/risks?level=high&treatment=modify&limit=50" "$BEARER"
run_wrk api-risks-deep "/api/v1/risks?limit=50&cursor=$DEEP_RISK_CURSOR" "$BEARER"
run_wrk risk-record "/risks/R-050000" "$COOKIE"
run_wrk heat-map "/risks/heat-map" "$COOKIE"
run_wrk measures "/measures" "$COOKIE"
run_wrk dashboard "/" "$COOKIE"
run_wrk search-words "/search?q=Ransomware" "$COOKIE"
run_wrk search-id "/search?q=A-050000" "$COOKIE"
run_wrk suggest-asset "/suggest/assets?q=A-0500" "$COOKIE"
run_wrk suggest-control "/suggest/controls?q=backup" "$COOKIE"

# The dashboard right after a risk changed: the first view after a write recomputes what the
# write made stale (the SoA's risks per control, readiness's counts). Ten edits, each followed
# by one timed view.
AFTER_WRITE=()
for i in $(seq 1 10); do
    "${annex_cmd[@]}" risk edit R-000001 --title "Hardware failure (edit $i)" >/dev/null 2>&1 \
        || die "annex risk edit failed"
    AFTER_WRITE+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$COOKIE" "$BASE/")")
done
DASHBOARD_AFTER_WRITE="$(printf '%s\n' "${AFTER_WRITE[@]}" | sort -n \
    | awk '{a[NR] = $1 * 1000} END {printf "median %.0f ms, max %.0f ms", (a[5] + a[6]) / 2, a[NR]}')"

AFTER_RSS_KB="$(rss_kb)"
PEAK_RSS_KB="$(hwm_kb)"
stop_server

# The import of a 100,000-row CSV (with tags and dependencies) into a new data dir.
CSV="$WORK/assets-100k.csv"
python3 - "$CSV" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("Asset Ref,Asset Name,Type,Owner,Classification,C,I,A,Status,Tags,Depends on\n")
    for i in range(100_000):
        dep = f"IMP-{random.randrange(i) + 1:06}" if i > 10 and random.random() < 0.3 else ""
        f.write(f"IMP-{i + 1:06},Server {i + 1},hardware,ops{i % 20}@example.org,internal,"
                f"{1 + i % 5},{1 + i % 4},{1 + i % 3},Active,linux;dc{i % 3},{dep}\n")
PY
RISK_CSV="$WORK/risks-100k.csv"
python3 - "$RISK_CSV" <<'PY'
import random, sys
random.seed(2)
words = ["Ransomware", "Phishing", "Supplier outage", "Lost laptop", "Insider leak", "Fire"]
with open(sys.argv[1], "w") as f:
    f.write("Risk ID,Risk Title,Threat,Risk owner,Likelihood (1-5),Impact,Residual likelihood,Residual impact,Treatment,Status,Asset\n")
    for i in range(100_000):
        l, im = random.randint(1, 5), random.randint(1, 5)
        f.write(f"RI-{i + 1:06},{random.choice(words)} {i + 1},{random.choice(words)},owner{i % 50}@example.org,"
                f"{l},{im},{max(1, l - 1)},{im},{random.choice(['Mitigate', 'Accept', 'Transfer'])},Open,IMP-{1 + i % 100_000:06}\n")
PY
IMPORT_DIR="$WORK/import"
import_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$IMPORT_DIR" --database "sqlite://$IMPORT_DIR/annex.db")
"${import_cmd[@]}" init >/dev/null
echo "== annex asset import (100,000 rows)" >&2
IMPORT="$(/usr/bin/time -f '%e s, peak %M KB' "${import_cmd[@]}" asset import "$CSV" 2>&1 | tail -n 2 | tr '\n' ' ')"
REIMPORT="$(/usr/bin/time -f '%e s, peak %M KB' "${import_cmd[@]}" asset import "$CSV" 2>&1 | tail -n 2 | tr '\n' ' ')"
echo "== annex risk import (100,000 rows, each on an asset of the import above)" >&2
RISK_IMPORT="$(/usr/bin/time -f '%e s, peak %M KB' "${import_cmd[@]}" risk import "$RISK_CSV" 2>&1 | tail -n 2 | tr '\n' ' ')"

echo
echo "Annex registers at 100,000 rows: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), $DB_LABEL," \
    "wrk ${DURATION} x ${THREADS} threads x ${CONNECTIONS} connections, $(nproc) CPUs"
print_rows
echo "dashboard right after a risk edit (10 edits): $DASHBOARD_AFTER_WRITE"
echo "demo --size large: $DEMO"
echo "ready (launch to first 200 on /healthz, 100,000-row registers): ${READY_MS} ms"
echo "RSS idle: $(mb "$IDLE_RSS_KB") MB   after load: $(mb "$AFTER_RSS_KB") MB   peak (VmHWM): $(mb "$PEAK_RSS_KB") MB"
echo "import of a 100,000-row asset CSV (SQLite, new data dir): $IMPORT"
echo "the same file again (100,000 unchanged): $REIMPORT"
echo "import of a 100,000-row risk CSV (levels from the matrix, assets linked): $RISK_IMPORT"
