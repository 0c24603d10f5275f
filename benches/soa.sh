#!/usr/bin/env bash
# The Statement of Applicability at a mid-sized ISMS: a release build of Annex on SQLite (or
# PostgreSQL), filled by `annex demo --size medium` (1,000 measures on the controls, 10,000
# evidence items, 5,000 risks), every one of the 93 controls decided through the API and the
# SoA approved as version 1; then wrk on the SoA page, its API, each export (XLSX, CSV, PDF —
# current and version 1), the gap analysis, the evidence list and the dashboard; then a 50 MB
# evidence upload through the API, timed, with the server's memory before and after (the
# upload streams to disk: its peak memory must not grow with the file).
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/soa.sh
#
# Knobs (environment):
#   BENCH_DURATION      wrk duration per endpoint     (default 5s)
#   BENCH_THREADS       wrk threads                   (default 2)
#   BENCH_CONNECTIONS   wrk connections               (default 2: latency, not queueing, on 2 cores)
#   BENCH_SKIP_BUILD=1  use the existing release binary without running cargo
#   BENCH_DATABASE      a PostgreSQL URL to run on instead of SQLite (its database must be empty)
#
# Needs: cargo, curl, wrk, python3.

NAME=soa.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to decide the controls"
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "$BENCH_DATABASE")
fi
DB_LABEL="$([[ -n "${BENCH_DATABASE:-}" ]] && echo PostgreSQL || echo SQLite)"

echo "== annex demo --size medium" >&2
DEMO="$(/usr/bin/time -f '%e s, peak %M KB' "${annex_cmd[@]}" demo --size medium 2>&1 | tail -n 2 | tr '\n' ' ')"
echo "   $DEMO" >&2

start_server
sign_in

echo "== deciding the 93 controls through the API and approving version 1" >&2
python3 - "$BASE" "$TOKEN" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
rows = call("GET", "/api/v1/soa")
statuses = ["implemented", "partially_implemented", "planned", "not_started"]
for i, r in enumerate(rows):
    cid = r["control"]["id"]
    if i % 12 == 5:
        body = {"applicable": "no", "exclusion_reason": "not_relevant",
                "justification": f"Nothing in scope needs control {cid}: the activity it governs is not carried out by the organisation."}
    else:
        body = {"applicable": "yes", "reasons": ["risk_treatment", "best_practice"],
                "status": statuses[i % 4], "maturity": str(i % 6), "owner": f"owner{i % 7}@example.org",
                "justification": f"Selected by the risk treatment; see the measures of {cid}."}
    call("PUT", f"/api/v1/soa/iso27002-2022/{cid}", body)
call("POST", "/api/v1/soa/versions", {"note": "bench approval"})
PY

run_wrk soa-page "/soa" "$COOKIE"
run_wrk soa-filtered "/soa?applicable=yes&warning=any" "$COOKIE"
run_wrk soa-version "/soa?version=1" "$COOKIE"
run_wrk soa-row "/soa/iso27002-2022/8.13" "$COOKIE"
run_wrk api-soa "/api/v1/soa" "$BEARER"
run_wrk export-xlsx "/soa.xlsx" "$COOKIE"
run_wrk export-csv "/soa.csv" "$COOKIE"
run_wrk export-pdf "/soa.pdf" "$COOKIE"
run_wrk export-pdf-v1 "/soa.pdf?version=1" "$COOKIE"
run_wrk export-xlsx-v1 "/soa.xlsx?version=1" "$COOKIE"
run_wrk soa-diff "/soa/diff?from=1" "$COOKIE"
run_wrk gaps "/soa/gaps?by=security_domains&within=control_type:Detective" "$COOKIE"
run_wrk readiness "/api/v1/readiness" "$BEARER"
run_wrk evidence-list "/evidence?expiring=30" "$COOKIE"
run_wrk dashboard "/" "$COOKIE"

PDF_PAGES="$(curl -s -H "$COOKIE" "$BASE/soa.pdf?version=1" | grep -ac '/Type /Page\b' || true)"
XLSX_BYTES="$(curl -s -H "$COOKIE" "$BASE/soa.xlsx?version=1" | wc -c)"

echo "== 50 MB evidence upload through the API" >&2
BIG="$WORK/capture.zip"
python3 - "$BIG" <<'PY'
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"PK\x03\x04")
    for _ in range(50):
        f.write(os.urandom(1024 * 1024 - (4 if f.tell() < 1024 * 1024 else 0)))
PY
BEFORE_UPLOAD_RSS_KB="$(rss_kb)"
BEFORE_UPLOAD_HWM_KB="$(hwm_kb)"
UPLOAD_START="$(now_ms)"
UPLOAD_CODE="$(curl -s -o "$WORK/upload.json" -w '%{http_code}' -H "$BEARER" \
    -F "title=Packet capture" -F "controls=8.16" -F "valid_until=2030-01-01" \
    -F "file=@$BIG;filename=capture.zip" "$BASE/api/v1/evidence")"
UPLOAD_MS=$(($(now_ms) - UPLOAD_START))
[[ "$UPLOAD_CODE" == "201" ]] || die "the 50 MB upload answered $UPLOAD_CODE: $(cat "$WORK/upload.json")"
AFTER_UPLOAD_RSS_KB="$(rss_kb)"
AFTER_UPLOAD_HWM_KB="$(hwm_kb)"
DOWNLOAD_START="$(now_ms)"
ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/upload.json")"
curl -s -o "$WORK/download.bin" -H "$BEARER" "$BASE/api/v1/evidence/$ID/versions/1/file"
DOWNLOAD_MS=$(($(now_ms) - DOWNLOAD_START))
cmp -s "$BIG" "$WORK/download.bin" || die "the download differs from the upload"
AFTER_DOWNLOAD_HWM_KB="$(hwm_kb)"

AFTER_RSS_KB="$(rss_kb)"
PEAK_RSS_KB="$(hwm_kb)"
stop_server

echo
echo "Annex Statement of Applicability: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), $DB_LABEL," \
    "93 controls, 1,000 measures, 10,000 evidence items, 5,000 risks;" \
    "wrk ${DURATION} x ${THREADS} threads x ${CONNECTIONS} connections, $(nproc) CPUs"
print_rows
echo "demo --size medium: $DEMO"
echo "PDF of version 1: $PDF_PAGES pages; XLSX of version 1: $XLSX_BYTES bytes"
echo "50 MB upload: $UPLOAD_MS ms; RSS $(mb "$BEFORE_UPLOAD_RSS_KB") -> $(mb "$AFTER_UPLOAD_RSS_KB") MB, peak (VmHWM) $(mb "$BEFORE_UPLOAD_HWM_KB") -> $(mb "$AFTER_UPLOAD_HWM_KB") MB"
echo "50 MB download (hash checked first): $DOWNLOAD_MS ms; peak after it $(mb "$AFTER_DOWNLOAD_HWM_KB") MB"
echo "RSS idle: $(mb "$IDLE_RSS_KB") MB   after load: $(mb "$AFTER_RSS_KB") MB   peak (VmHWM): $(mb "$PEAK_RSS_KB") MB"
