#!/usr/bin/env bash
# Incidents and continuity at scale: a release build of Annex with 100,000 incidents and
# 1,000,000 timeline entries (ten per incident) written straight into the database after
# `annex init` (98,000 closed over 21 months, 2,000 open, 100 of those under GDPR (a third of
# them NIS2 too), half of them with the authority notified), then wrk on the incident register (first page, a
# filter, text search), an incident's page and record, the deadline panel's API, the
# dashboard (which shows the panel), the metrics page, and the continuity overview with 200
# processes on 2,000 assets.
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/incidents.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_incidents bash benches/incidents.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_DATABASE (an empty PostgreSQL database instead of SQLite).
# Needs: cargo, curl, wrk, sqlite3 (SQLite) or psql (PostgreSQL).

NAME=incidents.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_database
if [[ -n "${BENCH_DATABASE:-}" ]]; then
    stamp() { echo "to_char(timestamp '2025-01-01' + ($1) * interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS.000000\"Z\"')"; }
else
    stamp() { echo "strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2025-01-01', '+' || ($1) || ' minutes')"; }
fi

"${annex_cmd[@]}" init >/dev/null
echo "== writing 100,000 incidents, 1,000,000 timeline entries, 200 processes" >&2
FILL_START="$(now_ms)"
# Incident i was reported i*9+60 minutes after 2025-01-01 (so over about 21 months); the last
# 2,000 are open, every twentieth of those under GDPR (every sixtieth NIS2 too).
run_sql <<SQL
insert into incident (incident_id, title, description, affected, reported_by, reported_via, reported_at, noticed_at,
    aware_at, status, classification, classification_reason, classified_at, category, severity, personal_data,
    restricted, regimes, handler, lessons, root_cause, closed_at, contained_at, updated_at)
select 'INC-' || $(pad i 6), 'Incident ' || i || case when i % 7 = 0 then ' phishing e-mail' else ' lost laptop' end,
    'What happened to number ' || i, 'mailbox ' || (i % 500), 'reporter' || (i % 300) || '@example.org', 'page',
    $(stamp "i * 9 + 60"), $(stamp "i * 9 + 30"), $(stamp "i * 9 + 60"),
    case when i > 98000 then 'triaged' else 'closed' end, 'incident', 'assessed', $(stamp "i * 9 + 80"),
    case i % 4 when 0 then 'phishing' when 1 then 'lost_device' when 2 then 'malware' else 'misconfiguration' end,
    case i % 4 when 0 then 'low' when 1 then 'medium' when 2 then 'high' else 'critical' end,
    $([[ -n "${BENCH_DATABASE:-}" ]] && echo "(i % 10 = 0), false" || echo "(i % 10 = 0), 0"),
    case when i > 98000 and i % 60 = 0 then 'gdpr,nis2' when i > 98000 and i % 20 = 0 then 'gdpr' else '' end,
    'handler' || (i % 20) || '@example.org',
    case when i > 98000 then '' else 'learned ' || i end,
    case when i > 98000 then '' else 'cause ' || (i % 40) end,
    case when i > 98000 then null else $(stamp "i * 9 + 660") end,
    $(stamp "i * 9 + 180"), $(stamp "i * 9 + 660")
from ($(series 100000)) n;
insert into incident_entry (incident_id, seq, at, actor, kind, body)
select 'INC-' || $(pad "(i - 1) / 10 + 1" 6), (i - 1) % 10 + 1, $(stamp "((i - 1) / 10 + 1) * 9 + 60 + (i - 1) % 10"),
    'handler@example.org', 'action', 'step ' || i || ' of the handling'
from ($(series 1000000)) n;
insert into incident_notification (incident_id, regime, stage, recipient, sent_at, content, recorded_by, recorded_at)
select 'INC-' || $(pad i 6), 'gdpr', 'authority', 'the authority', $(stamp "i * 9 + 120"), '', 'x', $(stamp "i * 9 + 120")
from ($(series 100000)) n where i > 98000 and i % 40 = 0;
update incident_regime set enabled = $([[ -n "${BENCH_DATABASE:-}" ]] && echo true || echo 1) where regime in ('gdpr', 'nis2');
insert into incident_regime (regime, enabled) select 'gdpr', $([[ -n "${BENCH_DATABASE:-}" ]] && echo true || echo 1) where not exists (select 1 from incident_regime where regime = 'gdpr');
insert into incident_regime (regime, enabled) select 'nis2', $([[ -n "${BENCH_DATABASE:-}" ]] && echo true || echo 1) where not exists (select 1 from incident_regime where regime = 'nis2');
insert into id_counter (counter_key, next_value) values ('incident', 100001);
insert into asset (asset_id, name, asset_type, classification, lifecycle, created_at, updated_at)
select 'A-' || $(pad i 6), 'System ' || i, 'software', 'internal', 'in_use', $(stamp 0), $(stamp 0)
from ($(series 2000)) n;
insert into process (process_id, name, owner, impact_4h, impact_1d, impact_3d, impact_1w, mtpd_minutes, rto_minutes, rpo_minutes, updated_at)
select 'PR-' || $(pad i 4), 'Process ' || i, 'owner' || (i % 30) || '@example.org', 1, 2, 3, 4, 10080, 240 * (1 + i % 18), 60 * (1 + i % 24), $(stamp 0)
from ($(series 200)) n;
insert into process_asset (process_id, asset_id)
select distinct 'PR-' || $(pad "(i - 1) / 10 + 1" 4), 'A-' || $(pad "(i * 7) % 2000 + 1" 6)
from ($(series 2000)) n;
SQL
echo "analyze;" | run_sql
FILL="$(( $(now_ms) - FILL_START )) ms"
echo "   filled in $FILL" >&2

start_server
sign_in
run_wrk incidents "/incidents" "$COOKIE"
run_wrk incidents-open "/incidents?open=1&severity=high" "$COOKIE"
run_wrk incidents-text "/incidents?q=phishing" "$COOKIE"
run_wrk api-incidents "/api/v1/incidents?limit=100" "$BEARER"
run_wrk incident "/incidents/INC-050000" "$COOKIE"
run_wrk incident-open "/incidents/INC-099999" "$COOKIE"
run_wrk api-incident "/api/v1/incidents/INC-050000" "$BEARER"
run_wrk deadlines "/api/v1/incidents/deadlines" "$BEARER"
run_wrk dashboard "/" "$COOKIE"
run_wrk metrics "/incidents/metrics" "$COOKIE"
run_wrk continuity "/continuity" "$COOKIE"
run_wrk requirements "/api/v1/continuity/requirements" "$BEARER"
run_wrk asset-card "/assets/A-000008" "$COOKIE"
PEAK_KB="$(hwm_kb)"
stop_server

echo
echo "incidents.sh on $DB_LABEL, $(nproc) cores; filled in $FILL"
print_rows
echo "server peak RSS: $(mb "$PEAK_KB") MB"
