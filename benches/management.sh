#!/usr/bin/env bash
# The management system over ten years (issue 20's targets): a release build of Annex with,
# written straight into the database after `annex init`, 30 indicators under 3 objectives with
# 120 monthly measurements each (3,600), an audit programme with 200 audits and 5,000 findings,
# 2,000 nonconformities with 3,000 corrective actions, and a planned management review; then
# wrk on an objective's page (10 indicators, each with its trend chart), an indicator's page
# (its 120 periods charted), the review's page and API (each request generates the input pack
# from every register), the readiness page and API (every clause 4.1 to 10.2), and the lists of
# findings and nonconformities.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/management.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_management bash benches/management.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_SPANS_LOG=FILE (keep the server log with each span's busy time),
# BENCH_DATABASE (an empty PostgreSQL database instead of SQLite).
# Needs: cargo, curl, wrk, sqlite3 (SQLite) or psql (PostgreSQL).

NAME=management.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_database
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    month() { echo "to_char(date '2016-12-01' + (($1) || ' months')::interval, 'YYYY-MM-DD')"; }
else
    month() { echo "date('2016-12-01', '+' || ($1) || ' months')"; }
fi
T="'2026-01-01T00:00:00.000000Z'"

"${annex_cmd[@]}" init >/dev/null
echo "== writing 30 indicators x 120 months, 200 audits, 5,000 findings, 2,000 nonconformities, 3,000 corrective actions" >&2
FILL_START="$(now_ms)"
run_sql <<SQL
insert into objective (objective_id, title, owner, due_on, status, updated_at)
select 'OBJ-' || $(pad i 4), 'Objective ' || i, 'ciso@example.org', '2027-12-31', 'open', $T
from ($(series 3)) n;
insert into kpi (kpi_id, objective_id, name, definition, metric, unit, target, direction, frequency, owner, updated_at)
select 'KPI-' || $(pad i 4), 'OBJ-' || $(pad "(i - 1) / 10 + 1" 4), 'Indicator ' || i, 'Measured by hand',
    'manual', '%', 90, 'at_least', 'monthly', 'ciso@example.org', $T
from ($(series 30)) n;
insert into kpi_measurement (kpi_id, period, value, note, recorded_by, recorded_at)
select 'KPI-' || $(pad "k.i" 4), $(month "m.i"), 50 + (m.i * 37 + k.i * 11) % 50, '', 'bench', $T
from ($(series 30)) k cross join ($(series 120)) m;
insert into audit_programme (programme_id, title, starts_on, ends_on, owner, updated_at)
values ('AP-0001', 'Ten years of audits', '2016-01-01', '2028-12-31', 'ciso@example.org', $T);
insert into internal_audit (audit_id, programme_id, title, clauses, controls, criteria, starts_on, ends_on,
    lead, auditors, status, conclusion, completed_on, updated_at)
select 'IA-' || $(pad i 4), 'AP-0001', 'Audit ' || i,
    case i % 3 when 0 then '9.1,9.2,9.3' when 1 then '4.1,4.2,4.3,4.4' else '6.1.1,6.1.2,6.1.3' end,
    case i % 2 when 0 then '5.15,5.16,5.17,5.18' else '8.1,8.2,8.3' end, 'ISO/IEC 27001',
    $(month "i * 120 / 200"), $(month "i * 120 / 200"), 'auditor' || (i % 5) || '@example.org', '',
    case when i > 195 then 'planned' else 'completed' end,
    case when i > 195 then '' else 'Conforms but for the findings.' end,
    case when i > 195 then null else $(month "i * 120 / 200") end, $T
from ($(series 200)) n;
insert into audit_finding (finding_id, audit_id, kind, title, description, requirement, clause, control_id,
    owner, raised_by, raised_on, status, updated_at)
select 'F-' || $(pad i 4), 'IA-' || $(pad "(i - 1) / 25 + 1" 4),
    case i % 4 when 0 then 'major' when 1 then 'minor' when 2 then 'observation' else 'ofi' end,
    'Finding ' || i, 'What the auditor saw in sample ' || i, '', case when i % 2 = 0 then '9.2' end,
    case when i % 2 = 1 then '5.18' end, 'owner' || (i % 40) || '@example.org', 'auditor@example.org',
    $(month "((i - 1) / 25 + 1) * 120 / 200"), case when i % 10 = 0 then 'open' else 'closed' end, $T
from ($(series 5000)) n;
insert into nonconformity (nc_id, title, source, source_ref, owner, raised_on, whys, root_cause, effective,
    reviewed_on, reviewed_at, closed_on, updated_at)
select 'NC-' || $(pad i 4), 'Nonconformity ' || i, 'finding', 'F-' || $(pad "(i - 1) / 2 * 4 + 2" 4),
    'owner' || (i % 40) || '@example.org', $(month "i * 118 / 2000"), 'why one' || $(nl) || 'why two',
    'Root cause ' || i, case when i % 10 = 0 then null else $(yes "1 = 1") end,
    case when i % 10 = 0 then null else $(month "i * 118 / 2000 + 2") end,
    case when i % 10 = 0 then null else $T end,
    case when i % 10 = 0 then null else $(month "i * 118 / 2000 + 2") end, $T
from ($(series 2000)) n;
insert into corrective_action (action_id, nc_id, title, owner, due_on, status, done_on, updated_at)
select 'CA-' || $(pad i 4), 'NC-' || $(pad "(i - 1) * 2 / 3 + 1" 4), 'Action ' || i, 'owner' || (i % 40) || '@example.org',
    $(month "i * 118 / 3000 + 1"), case when i % 15 = 0 then 'open' else 'done' end,
    case when i % 15 = 0 then null else $(month "i * 118 / 3000 + 1") end, $T
from ($(series 3000)) n;
insert into management_review (review_id, title, planned_on, chair, updated_at)
values ('MR-0001', 'Management review', '2026-11-30', 'ceo@example.org', $T);
update id_counter set next_value = 10000 where counter_key in ('audit_finding', 'nonconformity', 'corrective_action', 'internal_audit', 'kpi', 'objective');
SQL
echo "$SETTLE" | run_sql
FILL="$(( $(now_ms) - FILL_START )) ms"
echo "   written in $FILL" >&2

start_server
sign_in

run_wrk objective "/objectives/OBJ-0001" "$COOKIE"
run_wrk kpi "/kpis/KPI-0001" "$COOKIE"
run_wrk api-kpis "/api/v1/kpis" "$BEARER"
run_wrk review-pack "/api/v1/reviews/MR-0001" "$BEARER"
run_wrk review-page "/reviews/MR-0001" "$COOKIE"
run_wrk readiness "/soa/gaps" "$COOKIE"
run_wrk api-readiness "/api/v1/readiness" "$BEARER"
run_wrk findings "/findings?status=open" "$COOKIE"
run_wrk ncs "/nonconformities?state=open" "$COOKIE"
run_wrk programme "/internal-audits/programmes/AP-0001" "$COOKIE"
PEAK_KB="$(hwm_kb)"
stop_server

echo
echo "management.sh on $DB_LABEL, $(nproc) cores; filled in $FILL"
print_rows
echo "server peak RSS: $(mb "$PEAK_KB") MB"
