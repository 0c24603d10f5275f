#!/usr/bin/env bash
# Tasks and reminders at scale (issue 21's targets): a release build of Annex with, written
# straight into the database after `annex init`, a staff directory of 10,000 people (each with
# a manager) and 100,000 dated records owned by them — 60,000 measures, 30,000 evidence items
# and 10,000 written tasks, due from 30 days ago to 60 days ahead. Then:
#   - `annex jobs run digests`: computes every person's digest and queues it (elapsed time and
#     peak resident memory of the process, from /usr/bin/time), then again (every digest is
#     already queued: nothing is written twice);
#   - `annex jobs run escalations`: every task overdue for 7 days or more, to the managers;
#   - wrk on "my work" (the page and GET /api/v1/tasks) for a person with 12 tasks, and on the
#     team view of one owner.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/reminders.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_reminders bash benches/reminders.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_PEOPLE (default 10000), BENCH_ITEMS (default 100000), BENCH_DATABASE.
# Needs: cargo, curl, wrk, /usr/bin/time, sqlite3 (SQLite) or psql (PostgreSQL).

NAME=reminders.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
PEOPLE="${BENCH_PEOPLE:-10000}"
ITEMS="${BENCH_ITEMS:-100000}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (Debian: apt-get install time)"
use_database
TODAY="$(date -u +%F)"
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    day() { echo "to_char(date '$TODAY' + (($1))::int, 'YYYY-MM-DD')"; }
else
    day() { echo "date('$TODAY', (($1)) || ' days')"; }
fi
T="'2026-01-01T00:00:00.000000Z'"
MEASURES=$((ITEMS * 6 / 10))
EVIDENCE=$((ITEMS * 3 / 10))
TASKS=$((ITEMS - MEASURES - EVIDENCE))

"${annex_cmd[@]}" init >/dev/null
echo "== writing $PEOPLE people, $MEASURES measures, $EVIDENCE evidence items, $TASKS written tasks" >&2
FILL_START="$(now_ms)"
run_sql <<SQL
insert into person (person_id, name, email, manager, department, created_at, updated_at)
select 'P-' || $(pad i 6), 'Person ' || i, 'person' || i || '@example.org',
    case when i > 10 then 'person' || (i / 10) || '@example.org' else '' end, 'Team ' || (i % 50), $T, $T
from ($(series "$PEOPLE")) n;
insert into measure (measure_id, name, owner, status, due_on, created_at, updated_at)
select 'M-' || $(pad i 6), 'Measure ' || i, 'person' || (1 + i % $PEOPLE) || '@example.org',
    case when i % 2 = 0 then 'planned' else 'in_progress' end, $(day "-30 + i % 91"), $T, $T
from ($(series "$MEASURES")) n;
insert into evidence (evidence_id, title, collected_at, valid_until, collected_by, created_by, created_at, updated_at)
select 'E-' || $(pad i 6), 'Evidence ' || i, '2026-01-01', $(day "-30 + (i * 7) % 91"),
    'person' || (1 + (i * 3) % $PEOPLE) || '@example.org', 'bench', $T, $T
from ($(series "$EVIDENCE")) n;
insert into task (task_id, title, owner, owner_key, due_on, status, created_by, created_at, updated_at)
select 'T-' || $(pad i 6), 'Task ' || i, 'person' || (1 + (i * 7) % $PEOPLE) || '@example.org',
    'person' || (1 + (i * 7) % $PEOPLE) || '@example.org', $(day "-30 + (i * 13) % 91"), 'open', 'bench', $T, $T
from ($(series "$TASKS")) n;
insert into measure (measure_id, name, owner, status, due_on, created_at, updated_at)
select 'M-B' || $(pad i 3), 'Bench measure ' || i, 'bench@example.org', 'planned', $(day "-5 + i * 5"), $T, $T
from ($(series 12)) n;
$SETTLE
SQL
FILL_MS=$(($(now_ms) - FILL_START))
echo "   filled in ${FILL_MS} ms" >&2

timed() { # label, then the command's arguments
    local label="$1"
    shift
    local out="$WORK/$label.out" t="$WORK/$label.time"
    /usr/bin/time -f '%e %M' -o "$t" "${annex_cmd[@]}" "$@" >"$out" 2>&1 || { cat "$out" >&2; die "$label failed"; }
    read -r secs kb <"$t"
    JOBS+=("$(printf '%-22s %8s s %8s MB   %s' "$label" "$secs" "$(mb "$kb")" "$(tail -n 1 "$out")")")
}
JOBS=()
timed digests jobs run digests
timed "digests (again)" jobs run digests
timed escalations jobs run escalations
timed "task list (team)" task list --until 7 --format csv

start_server
sign_in
run_wrk "my work page" "/my-work" "$COOKIE"
run_wrk "my tasks API" "/api/v1/tasks" "$BEARER"
run_wrk "one owner (team)" "/api/v1/tasks/team?owner=person77@example.org" "$BEARER"
run_wrk "team page 7d" "/tasks?until=7" "$COOKIE"
PEAK_KB="$(hwm_kb)"

echo
echo "reminders.sh on $DB_LABEL: $PEOPLE people, $ITEMS dated records (filled in ${FILL_MS} ms)"
printf '%-22s %10s %11s   %s\n' "command" "elapsed" "peak RSS" "outcome"
for row in "${JOBS[@]}"; do echo "$row"; done
echo
print_rows
echo "server peak RSS: $(mb "$PEAK_KB") MB"
