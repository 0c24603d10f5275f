#!/usr/bin/env bash
# A million rows (issue 22's targets): a release build of Annex makes `annex demo --size huge`
# (1,000,000 assets and 1,000,000 risks, written as an import writes them, with their audit
# entries), then serves it, and wrk measures every register list, filter, sort, keyset page,
# facet page and record; then a CSV of BENCH_IMPORT_ROWS assets is imported into a new
# database, then through the upload page (upload, review, import) into another. Reported: the
# demo's and the import's elapsed time and peak resident memory (/usr/bin/time), each upload
# step's time and the server's peak then, p50/p99 of each request, and the server's peak
# resident memory.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/million.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_million bash benches/million.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_SIZE (demo size, default huge), BENCH_IMPORT_ROWS (default 1000000; 0 skips the
# import), BENCH_ASSET_TEXT and BENCH_ASSET_RARE (a word many asset names share, default
# payroll, and one few do, default A-004242), BENCH_DATABASE, BENCH_REUSE (a data dir kept
# by BENCH_KEEP=1, with BENCH_DATABASE's database as it is, to serve instead of a new demo),
# BENCH_ONLY_IMPORT=1 (no demo and no lists: the import, by the command line and through the
# upload page, only), BENCH_ONLY (a regular expression: only the endpoints whose label it
# matches are measured), BENCH_IMPORT_RUNS (default 1: the command line's import is made that
# many times, each into a new database, and their median reported; a 2-core machine shared
# with others varied by 15% from one run to the next).
# Needs: cargo, curl, wrk, python3, /usr/bin/time, psql (PostgreSQL).

NAME=million.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
SIZE="${BENCH_SIZE:-huge}"
IMPORT_ROWS="${BENCH_IMPORT_ROWS:-1000000}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (Debian: apt-get install time)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to write the import file"
# BENCH_REUSE=DIR: serve what an earlier run left (the data dir kept with BENCH_KEEP=1, and
# with BENCH_DATABASE its PostgreSQL database, kept as it is) instead of making the demo again.
if [[ -n "${BENCH_REUSE:-}" ]]; then
    DATA="$BENCH_REUSE"
    annex_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$DATA" --database "${BENCH_DATABASE:-sqlite://$DATA/annex.db}")
    DB_LABEL="$([[ -n "${BENCH_DATABASE:-}" ]] && echo PostgreSQL || echo SQLite)"
else
    use_database
fi

JOBS=()
timed() { # label, then the command's arguments
    local label="$1"
    shift
    local out="$WORK/${label// /-}.out" t="$WORK/${label// /-}.time"
    /usr/bin/time -f '%e %M' -o "$t" "$@" >"$out" 2>&1 || { tail -n 20 "$out" >&2; die "$label failed"; }
    read -r secs kb <"$t"
    JOBS+=("$(printf '%-28s %8s s %8s MB   %s' "$label" "$secs" "$(mb "$kb")" "$(tail -n 1 "$out" | cut -c1-90)")")
}

if [[ "${BENCH_ONLY_IMPORT:-0}" != 1 ]]; then
if [[ -z "${BENCH_REUSE:-}" ]]; then
    echo "== annex demo --size $SIZE" >&2
    timed "demo --size $SIZE" "${annex_cmd[@]}" demo --size "$SIZE"
fi
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    # What autovacuum does within a minute of a bulk load (statistics, the visibility map).
    psql "$BENCH_DATABASE" -qc "vacuum analyze" >/dev/null
fi

start_server
sign_in
ASSETS="/api/v1/assets?limit=50"
RISKS="/api/v1/risks?limit=50"
next() { curl -s -H "$BEARER" "$BASE$1" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["next_cursor"] or "", safe=""))'; }
NEXT_ASSETS="$(next "$ASSETS")"
NEXT_RISKS="$(next "$RISKS")"

run_wrk "assets" "$ASSETS" "$BEARER"
run_wrk "assets page 2" "$ASSETS&cursor=$NEXT_ASSETS" "$BEARER"
run_wrk "asset type" "$ASSETS&type=hardware" "$BEARER"
run_wrk "asset type+class" "$ASSETS&type=Hardware&classification=internal" "$BEARER"
run_wrk "asset owner" "$ASSETS&owner=it1@example.org" "$BEARER"
run_wrk "asset lifecycle" "$ASSETS&lifecycle=retired" "$BEARER"
run_wrk "asset tag" "$ASSETS&tag=crown-jewel" "$BEARER"
run_wrk "asset tag+type" "$ASSETS&tag=site-3&type=software" "$BEARER"
run_wrk "asset text" "$ASSETS&q=${BENCH_ASSET_TEXT:-payroll}" "$BEARER"
run_wrk "asset text rare" "$ASSETS&q=${BENCH_ASSET_RARE:-A-004242}" "$BEARER"
for sort in id type owner classification lifecycle updated; do
    run_wrk "asset sort $sort" "$ASSETS&sort=$sort" "$BEARER"
done
run_wrk "one asset" "/api/v1/assets/A-500000" "$BEARER"
if [[ -z "$NEXT_RISKS" ]]; then
    echo "== fewer than 51 risks: the risk register is not measured" >&2
else
run_wrk "risks" "$RISKS" "$BEARER"
run_wrk "risks page 2" "$RISKS&cursor=$NEXT_RISKS" "$BEARER"
run_wrk "risk level" "$RISKS&level=high" "$BEARER"
run_wrk "risk owner" "$RISKS&owner=it1@example.org" "$BEARER"
run_wrk "risk treatment" "$RISKS&treatment=share" "$BEARER"
run_wrk "risk status" "$RISKS&status=closed" "$BEARER"
run_wrk "risk asset" "$RISKS&asset=A-000042" "$BEARER"
run_wrk "risk measure" "$RISKS&measure=M-00042" "$BEARER"
run_wrk "risk control" "$RISKS&control=8.5" "$BEARER"
run_wrk "risk cell" "$RISKS&cell=target:3:4" "$BEARER"
run_wrk "risk review due" "$RISKS&attention=review" "$BEARER"
run_wrk "risk text" "$RISKS&q=ransomware" "$BEARER"
for sort in id title owner residual review updated; do
    run_wrk "risk sort $sort" "$RISKS&sort=$sort" "$BEARER"
done
run_wrk "one risk" "/api/v1/risks/R-500000" "$BEARER"
# One owner's tasks (5,000 risk reviews each in the demo): the soonest 50, and the soonest
# thousand a list holds by default.
run_wrk "owner's tasks" "/api/v1/tasks/team?owner=it1@example.org&limit=50" "$BEARER"
run_wrk "owner's tasks 1000" "/api/v1/tasks/team?owner=it1@example.org" "$BEARER"
fi
run_wrk "measures" "/api/v1/measures?limit=50" "$BEARER"
run_wrk "measure control" "/api/v1/measures?control=8.5&limit=50" "$BEARER"
run_wrk "assets page" "/assets" "$COOKIE"
run_wrk "assets page tag" "/assets?tag=crown-jewel&type=hardware" "$COOKIE"
if [[ -n "$NEXT_RISKS" ]]; then
    run_wrk "risks page" "/risks" "$COOKIE"
    run_wrk "risks page level" "/risks?level=high&status=active" "$COOKIE"
    # The team view: every owner's tasks due within a month, counted.
    run_wrk "team view" "/tasks" "$COOKIE"
fi
PEAK_KB="$(hwm_kb)"
stop_server
fi

if [[ "$IMPORT_ROWS" -gt 0 ]]; then
    FILE="$WORK/cmdb.csv"
    echo "== writing $IMPORT_ROWS assets to $FILE" >&2
    python3 - "$FILE" "$IMPORT_ROWS" <<'PY'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
with open(path, "w") as f:
    f.write("Asset Ref,Asset Name,Type,Owner,Classification,C,I,A,Status,Tags,Depends on\n")
    for i in range(n):
        dep = f"CMDB-{random.randrange(i) + 1:07}" if i > 10 and random.random() < 0.3 else ""
        f.write(f"CMDB-{i + 1:07},Server {i + 1},hardware,ops{i % 20}@example.org,internal,"
                f"{1 + i % 5},{1 + i % 4},{1 + i % 3},Active,linux;dc{i % 3},{dep}\n")
PY
    # The file on disk before it is read: else the kernel writes it out during the import.
    sync
    # A new database for a step, ready: data dir $1, and with BENCH_DATABASE the PostgreSQL
    # database of that name with suffix $2 (made again); sets FRESH_DB and fresh_cmd.
    fresh_database() {
        mkdir -p "$1"
        if [[ -n "${BENCH_DATABASE:-}" ]]; then
            FRESH_DB="${BENCH_DATABASE}_$2"
            psql "${BENCH_DATABASE%/*}/postgres" -qc "drop database if exists ${FRESH_DB##*/}" -c "create database ${FRESH_DB##*/}" >/dev/null
        else
            FRESH_DB="sqlite://$1/annex.db"
        fi
        fresh_cmd=(env "${UNSET[@]}" "$BIN" --data-dir "$1" --database "$FRESH_DB")
        "${fresh_cmd[@]}" init >/dev/null
    }
    drop_fresh() {
        if [[ -n "${BENCH_DATABASE:-}" ]]; then
            psql "${BENCH_DATABASE%/*}/postgres" -qc "drop database if exists ${FRESH_DB##*/}" >/dev/null
        fi
    }
    RUNS="${BENCH_IMPORT_RUNS:-1}"
    [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_IMPORT_RUNS must be a whole number from 1, not '$RUNS'"
    SECS=()
    for ((run = 1; run <= RUNS; run++)); do
        [[ "$run" -gt 1 ]] && { drop_fresh; rm -rf "$WORK/import"; }
        fresh_database "$WORK/import" import
        label="import $IMPORT_ROWS assets"
        [[ "$RUNS" -gt 1 ]] && label="import $IMPORT_ROWS: $run of $RUNS"
        timed "$label" "${fresh_cmd[@]}" asset import "$FILE"
        SECS+=("$secs")
    done
    if [[ "$RUNS" -gt 1 ]]; then
        JOBS+=("$(printf '%-28s %8s s %11s   %s' "import, median of $RUNS" \
            "$(printf '%s\n' "${SECS[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" "" \
            "of $(IFS=' '; echo "${SECS[*]}") s")")
    fi
    timed "the same again (unchanged)" "${fresh_cmd[@]}" asset import "$FILE"
    drop_fresh

    # The same file through the upload page, into another new database: streamed to disk and
    # kept in parts, its review (a dry run of every row), its import. The server's peak
    # resident memory is read after each step.
    DATA="$WORK/upload"
    fresh_database "$DATA" upload
    annex_cmd=("${fresh_cmd[@]}")
    start_server
    sign_in
    curl -s -H "$COOKIE" -o "$WORK/upload-form.html" "$BASE/assets/import"
    FORM_CSRF="$(csrf_field "$WORK/upload-form.html")"
    [[ -n "$FORM_CSRF" ]] || die "the upload page has no form token"
    stepped() { # label, then curl's arguments; the answer must be $EXPECT
        local label="$1" start code
        shift
        start="$(now_ms)"
        code="$(curl -s -o "$WORK/step.html" -D "$WORK/step.h" -w '%{http_code}' -H "$COOKIE" "$@")"
        [[ "$code" == "$EXPECT" ]] || { grep -o 'class="error">[^<]*' "$WORK/step.html" | head -n 3 >&2; die "$label answered $code"; }
        JOBS+=("$(printf '%-28s %8s s %8s MB   %s' "$label" "$(awk -v ms=$(($(now_ms) - start)) 'BEGIN { printf "%.1f", ms / 1000 }')" "$(mb "$(hwm_kb)")" "server's peak so far")")
    }
    EXPECT=303 stepped "upload page: upload" -F "_csrf=$FORM_CSRF" -F "file=@$FILE;type=text/csv" "$BASE/assets/import"
    REVIEW="$(sed -n 's/^[Ll]ocation: *//p' "$WORK/step.h" | tr -d '\r')"
    EXPECT=200 stepped "upload page: review" "$BASE$REVIEW"
    grep -q "$IMPORT_ROWS new, 0 updated" "$WORK/step.html" || die "the review did not find $IMPORT_ROWS new assets"
    EXPECT=200 stepped "upload page: import" --data-urlencode "_csrf=$FORM_CSRF" "$BASE$REVIEW"
    stop_server
    drop_fresh
fi

echo
echo "million.sh on $DB_LABEL: $([[ "${BENCH_ONLY_IMPORT:-0}" == 1 ]] || echo "annex demo --size $SIZE, ")$IMPORT_ROWS-row import"
printf '%-28s %10s %11s   %s\n' "command" "elapsed" "peak RSS" "outcome"
for row in "${JOBS[@]}"; do echo "$row"; done
echo
if [[ "${BENCH_ONLY_IMPORT:-0}" != 1 ]]; then
    print_rows
    echo "server peak RSS: $(mb "$PEAK_KB") MB"
fi
