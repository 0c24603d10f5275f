#!/usr/bin/env bash
# Policies and people at scale: a release build of Annex filled by `annex demo --size large`
# (10,000 people, 20 published documents every one of them must acknowledge, ~190,000
# acknowledgements, a training campaign with ~7,000 completions, besides the 100,000 assets
# and risks), then wrk on the document register, a document's page with its acknowledgement
# counts, the acknowledgement status page (first page and a department), the staff directory,
# a person's page, a campaign's page and a personal link's page. Then an HR export of 10,000
# people imported into a new data dir, the same file again (nothing changes), and the file
# without its last 100 people as the whole staff (100 leavers with offboarding checklists),
# each timed with its peak memory.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/people.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_people bash benches/people.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_DATABASE (an empty PostgreSQL database instead of SQLite).
# Needs: cargo, curl, wrk, python3.

NAME=people.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to write the HR export"
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "$BENCH_DATABASE")
fi
DB_LABEL="$([[ -n "${BENCH_DATABASE:-}" ]] && echo PostgreSQL || echo SQLite)"

echo "== annex demo --size large" >&2
DEMO="$(/usr/bin/time -f '%e s, peak %M KB' "${annex_cmd[@]}" demo --size large 2>&1 | grep -v '^  ' | tail -n 3 | tr '\n' ' ')"
echo "   $DEMO" >&2

start_server
sign_in
LINK="$(curl -s -X POST -H "$BEARER" -H 'Content-Type: application/json' -d '{}' "$BASE/api/v1/people/P-5000/link" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')"
[[ "$LINK" == /for/* ]] || die "no personal link for P-5000"

run_wrk documents "/documents" "$COOKIE"
run_wrk api-documents "/api/v1/documents" "$BEARER"
run_wrk document "/documents/DOC-0001" "$COOKIE"
run_wrk ack-summary "/api/v1/documents/DOC-0001/acknowledgement" "$BEARER"
run_wrk ack-status "/documents/DOC-0001/acknowledgements" "$COOKIE"
run_wrk ack-dept "/documents/DOC-0001/acknowledgements?department=finance&state=pending" "$COOKIE"
run_wrk api-acks "/api/v1/documents/DOC-0001/acknowledgements?limit=100" "$BEARER"
run_wrk people "/people" "$COOKIE"
run_wrk people-text "/people?q=Nov" "$COOKIE"
run_wrk person "/people/P-5000" "$COOKIE"
run_wrk api-person "/api/v1/people/P-5000" "$BEARER"
run_wrk campaign "/training/campaigns/TC-0001" "$COOKIE"
# A personal link opens at most 300 times in 10 minutes from one address (the rate limit):
# 200 sequential openings, not wrk.
LINK_ROW="$(python3 - "$BASE$LINK" <<'PY'
import statistics, sys, time, urllib.request
times = []
for _ in range(200):
    t = time.perf_counter()
    with urllib.request.urlopen(sys.argv[1]) as r:
        r.read()
        assert r.status == 200
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"{'link-page':<16} {'(200 seq)':>9} {statistics.median(times):8.2f} {times[int(len(times) * 0.99) - 1]:8.2f}")
PY
)"
run_wrk dashboard "/" "$COOKIE"
PEAK_KB="$(hwm_kb)"
stop_server

# The HR import: 10,000 people into a new data dir, again, then without the last 100.
python3 - "$WORK/hr.csv" "$WORK/hr-less.csv" <<'PY'
import csv, sys
teams = ["Finance", "IT", "Sales", "HR", "Legal", "Operations", "Λογιστήριο", "Vývoj"]
rows = [["Personalnummer", "Name", "E-Mail", "Abteilung", "Vorgesetzter", "Stelle", "Eintrittsdatum"]]
for i in range(10000):
    team = teams[i % len(teams)]
    rows.append([f"E{i:05d}", f"Person {i} Dvořák", f"p{i}@example.org", team,
                 "" if i < len(teams) else f"p{i % len(teams)}@example.org", f"{team} specialist",
                 f"20{10 + i % 15:02d}-0{1 + i % 9}-1{i % 9}"])
for path, n in ((sys.argv[1], len(rows)), (sys.argv[2], len(rows) - 100)):
    with open(path, "w", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows[:n])
PY
IMPORT_DATA="$WORK/import"
mkdir -p "$IMPORT_DATA"
import_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$IMPORT_DATA" --database "sqlite://$IMPORT_DATA/annex.db")
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    db="${BENCH_DATABASE##*/}"
    admin="${BENCH_DATABASE%/*}/postgres"
    psql "$admin" -qc "drop database if exists ${db}_import" -c "create database ${db}_import" >/dev/null
    import_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$IMPORT_DATA" --database "${BENCH_DATABASE}_import")
fi
"${import_cmd[@]}" init >/dev/null
IMPORTS=()
timed_import() { # label file flags...
    local label="$1" file="$2"
    shift 2
    local t
    t="$( { /usr/bin/time -f '%e s, peak %M KB' "${import_cmd[@]}" person import "$file" "$@" >"$WORK/import.out"; } 2>&1 | tail -n 1)"
    IMPORTS+=("$(printf '%-28s %s   %s' "$label" "$t" "$(grep -E 'created|recorded' "$WORK/import.out" | head -n 2 | tr '\n' ' ' | cut -c1-140)")")
}
timed_import "HR import, 10,000 new" "$WORK/hr.csv"
timed_import "the same file again" "$WORK/hr.csv"
timed_import "100 left out, --absent-left" "$WORK/hr-less.csv" --absent-left

echo
echo "people.sh on $DB_LABEL, $(nproc) cores; demo: $DEMO"
print_rows
echo "$LINK_ROW"
echo "server peak RSS: $(mb "$PEAK_KB") MB"
echo
for row in "${IMPORTS[@]}"; do echo "$row"; done
