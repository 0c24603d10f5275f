#!/usr/bin/env bash
# Suppliers, obligations and the record of processing at scale: a release build of Annex with
# 10,000 suppliers written straight into the database after `annex init` (three assets each,
# the nine contract clauses, two certifications), 2,000 assets, 200 processes that list
# suppliers by name, 200 obligations linked to controls and 1,000 processing activities; then
# wrk on the supplier register (first page, filters), a supplier's page and record, the
# obligations register, the SoA (whose reasons the obligations derive), the record of
# processing and readiness. The first read derives every supplier's criticality (timed).
# Then a questionnaire of 50 questions is written and sent through the API, and 50,000 more
# assessments of it (five per supplier, each with 50 answers, most submitted or reviewed with
# findings) are written straight into the database: wrk on the supplier register and a
# supplier's page again, an assessment's page and the API's lists, and 200 sequential openings
# of the questionnaire page a supplier opens with its link (its rate limit allows 300 in ten
# minutes from one address, so not wrk).
#
# Usage (from anywhere in the repository):
#   CARGO_TARGET_DIR=/tmp/annex-bench-target bash benches/suppliers.sh
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/annex_suppliers bash benches/suppliers.sh
#
# Knobs: BENCH_DURATION (default 5s), BENCH_CONNECTIONS (default 2), BENCH_SKIP_BUILD=1,
# BENCH_DATABASE (an empty PostgreSQL database instead of SQLite).
# Needs: cargo, curl, wrk, python3, sqlite3 (SQLite) or psql (PostgreSQL).

NAME=suppliers.sh
BENCH_DURATION="${BENCH_DURATION:-5s}"
BENCH_CONNECTIONS="${BENCH_CONNECTIONS:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_database
T="'2026-01-01T00:00:00.000000Z'"

"${annex_cmd[@]}" init >/dev/null
echo "== writing 10,000 suppliers, 30,000 asset links, 90,000 clauses, 20,000 certifications, 200 obligations, 1,000 processing activities" >&2
FILL_START="$(now_ms)"
run_sql <<SQL
insert into asset (asset_id, name, asset_type, classification, lifecycle, created_at, updated_at)
select 'A-' || $(pad i 6), 'System ' || i, 'software',
    case i % 4 when 0 then 'public' when 1 then 'internal' when 2 then 'confidential' else 'restricted' end,
    'in_use', $T, $T
from ($(series 2000)) n;
insert into supplier (supplier_id, name, name_key, status, services, owner, personal_data, data_locations,
    contract_start, contract_end, auto_renews, notice_days, reviewed_on, clause_gaps, updated_at)
select 'SUP-' || $(pad i 6), 'Supplier ' || i, 'supplier ' || i,
    case when i % 50 = 0 then 'ended' when i % 25 = 0 then 'proposed' else 'active' end,
    'Services of supplier ' || i, 'owner' || (i % 40) || '@example.org', $(yes "i % 3 = 0"), 'Germany',
    '2024-01-01', '2027-12-31', $(yes "i % 2 = 0"), 90,
    case when i % 5 = 0 then null else '2026-0' || (1 + i % 9) || '-15' end,
    case when i % 7 = 0 then 9 when i % 3 <> 0 then 1 else 0 end, $T
from ($(series 10000)) n;
insert into supplier_asset (supplier_id, asset_id)
select distinct 'SUP-' || $(pad "(i - 1) / 3 + 1" 6), 'A-' || $(pad "(i * 7) % 2000 + 1" 6)
from ($(series 30000)) n;
insert into supplier_clause (supplier_id, clause, state, hours)
select 'SUP-' || $(pad i 6), c.clause, case when i % 7 = 0 then 'missing' else 'present' end,
    case when c.clause = 'incident_notification' then 24 + 24 * (i % 3) else null end
from ($(series 10000)) n cross join (select 'confidentiality' as clause union all select 'security_requirements'
    union all select 'right_to_audit' union all select 'incident_notification' union all select 'subprocessor_approval'
    union all select 'data_location' union all select 'return_and_deletion' union all select 'continuity'
    union all select 'screening') c;
insert into supplier_certification (supplier_id, seq, kind, reference, issuer, until_on, counts_until)
select 'SUP-' || $(pad i 6), 1, 'iso27001', 'IS ' || i, 'a body', '2027-0' || (1 + i % 9) || '-01', '2027-0' || (1 + i % 9) || '-01'
from ($(series 10000)) n;
insert into supplier_certification (supplier_id, seq, kind, reference, issuer, until_on, counts_until)
select 'SUP-' || $(pad i 6), 2, 'soc2_type2', 'FY ' || i, 'an auditor', '2026-0' || (1 + i % 9) || '-30', '2027-0' || (1 + i % 9) || '-30'
from ($(series 10000)) n;
insert into id_counter (counter_key, next_value) values ('supplier', 10001);
insert into process (process_id, name, owner, impact_4h, impact_1d, impact_3d, impact_1w, mtpd_minutes, rto_minutes, rpo_minutes, suppliers, updated_at)
select 'PR-' || $(pad i 4), 'Process ' || i, 'owner@example.org', 1, 2, 3, 4, 10080, 240 * (1 + i % 18), 60,
    'Supplier ' || (i * 37 % 10000 + 1) || $(nl) || 'Supplier ' || (i * 53 % 10000 + 1), $T
from ($(series 200)) n;
insert into obligation (obligation_id, title, kind, reference, applicable, compliance, reviewed_on, review_due, updated_at)
select 'OB-' || $(pad i 4), 'Obligation ' || i, case when i % 3 = 0 then 'contractual' else 'legal' end,
    'Ref ' || i, $(yes "i % 2 = 0"), 'compliant', '2026-06-01', '2027-06-01', $T
from ($(series 200)) n;
insert into obligation_control (obligation_id, framework_id, control_id)
select distinct 'OB-' || $(pad "(i - 1) / 5 + 1" 4), 'iso27002-2022', c.control_id
from ($(series 1000)) n join control c on c.framework_id = 'iso27002-2022' and c.position % 93 = (i * 11) % 93;
insert into processing (processing_id, name, purposes, legal_basis, data_categories, data_subjects, retention, updated_at)
select 'PA-' || $(pad i 5), 'Processing ' || i, 'purpose ' || i, 'contract', 'name' || $(nl) || 'e-mail', 'customers', '3 years', $T
from ($(series 1000)) n;
insert into processing_supplier (processing_id, supplier_id)
select 'PA-' || $(pad i 5), 'SUP-' || $(pad "i * 7 % 10000 + 1" 6) from ($(series 1000)) n;
SQL
echo "$SETTLE" | run_sql
FILL="$(( $(now_ms) - FILL_START )) ms"
echo "   filled in $FILL" >&2

start_server
sign_in
DERIVE_START="$(now_ms)"
curl -fsS -o /dev/null -H "$BEARER" "$BASE/api/v1/suppliers?limit=1" || die "the first read failed"
DERIVE="$(( $(now_ms) - DERIVE_START )) ms"
run_wrk suppliers "/suppliers" "$COOKIE"
curl -fsS -o /dev/null -X PUT -H "$BEARER" -H 'Content-Type: application/json' \
    -d '{"name": "System 7 renamed", "asset_type": "software", "classification": "restricted"}' \
    "$BASE/api/v1/assets/A-000007" || die "the asset edit failed"
REDERIVE_START="$(now_ms)"
curl -fsS -o /dev/null -H "$BEARER" "$BASE/api/v1/suppliers?limit=1" || die "the read after the edit failed"
REDERIVE="$(( $(now_ms) - REDERIVE_START )) ms"
# A questionnaire of 50 questions (ten sections of five: yes/no, a choice, text, yes/no, text),
# sent once through the API (to an active supplier); 50,000 more assessments of the same version written in SQL.
python3 - >"$WORK/q50.json" <<'PY'
import json
sections = []
for s in range(1, 11):
    questions = []
    for q in range(1, 6):
        kind = {1: "yes_no", 2: "choice", 3: "text", 4: "yes_no", 5: "text"}[q]
        question = {"id": f"{s}.{q}", "text": f"Question {q} of section {s}: how is it done?",
                    "kind": kind, "weight": 1 + (s + q) % 5,
                    "guidance": "What a good answer shows, in a sentence or two."}
        if kind == "choice":
            question["options"] = [{"label": "Within 24 hours", "points": 100},
                                   {"label": "Within 72 hours", "points": 50},
                                   {"label": "Later or never", "points": 0}]
        questions.append(question)
    sections.append({"title": f"Section {s}", "questions": questions})
print(json.dumps({"key": "bench50", "title": "Fifty questions", "sections": sections}))
PY
curl -fsS -o /dev/null -X PUT -H "$BEARER" -H 'Content-Type: application/json' \
    --data-binary "@$WORK/q50.json" "$BASE/api/v1/questionnaires/bench50" || die "the questionnaire was refused"
SENT="$(curl -fsS -X POST -H "$BEARER" -H 'Content-Type: application/json' -d '{"questionnaire": "bench50"}' \
    "$BASE/api/v1/suppliers/SUP-005001/assessments")" || die "sending the assessment failed"
read -r FIRST LINK < <(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["assessment"]["id"], d["link"])' <<<"$SENT")
[[ "$LINK" == /q/* ]] || die "no link for the assessment sent"
echo "== writing 50,000 assessments with 50 answers each (2,500,000 answers)" >&2
FILL_START="$(now_ms)"
run_sql <<SQL
insert into assessment (assessment_id, supplier_id, questionnaire_key, questionnaire_copy, status, sent_by,
    sent_at, due_on, link_until, submitted_at, reviewed_by, reviewed_at, score_points, score_max,
    score_percent, rating, summary)
select 'AS-' || $(pad "i + 1" 4), 'SUP-' || $(pad "(i - 1) / 5 + 1" 6), 'bench50',
    (select questionnaire_copy from assessment where assessment_id = '$FIRST'),
    case when i % 10 < 6 then 'reviewed' when i % 10 < 8 then 'submitted' else 'in_progress' end,
    'bench@example.org', '2025-' || $(pad "1 + i % 12" 2) || '-' || $(pad "1 + i % 28" 2) || 'T10:00:00.000000Z',
    null, '2026-12-31',
    case when i % 10 < 8 then '2025-12-01T10:00:00.000000Z' end,
    case when i % 10 < 6 then 'reviewer@example.org' end,
    case when i % 10 < 6 then '2025-12-15T10:00:00.000000Z' end,
    case when i % 10 < 8 then 120 + i % 30 end, case when i % 10 < 8 then 150 end,
    case when i % 10 < 8 then (120 + i % 30) * 100 / 150 end,
    case when i % 10 < 6 then (case i % 4 when 0 then 'low' when 1 then 'medium' when 2 then 'high' else 'critical' end) end,
    case when i % 10 < 6 then 'Reviewed with the supplier in a call.' else '' end
from ($(series 50000)) n;
insert into assessment_answer (assessment_id, question_id, value, comment, finding, finding_severity, answered_at)
select 'AS-' || $(pad "n.i + 1" 4), ((q.i - 1) / 5 + 1) || '.' || ((q.i - 1) % 5 + 1),
    case (q.i - 1) % 5 when 1 then 'Within 72 hours' when 2 then 'Described in our policy, section ' || q.i
        when 4 then 'Reviewed every year by the board' else 'yes' end,
    case when q.i % 7 = 0 then 'See the attached report.' else '' end,
    case when n.i % 10 < 6 and (q.i - 1) % 5 = 1 then 'Notification takes longer than our 24 hours.' else '' end,
    case when n.i % 10 < 6 and (q.i - 1) % 5 = 1 then 'minor' end,
    '2025-11-30T10:00:00.000000Z'
from ($(series 50000)) n cross join ($(series 50)) q;
insert into assessment_answer (assessment_id, question_id, value, answered_at)
select '$FIRST', ((i - 1) / 5 + 1) || '.' || ((i - 1) % 5 + 1),
    case (i - 1) % 5 when 1 then 'Within 72 hours' when 2 then 'A draft answer' else 'yes' end, '2026-01-01T00:00:00.000000Z'
from ($(series 50)) q;
update assessment set status = 'in_progress' where assessment_id = '$FIRST';
update id_counter set next_value = 50100 where counter_key = 'assessment';
SQL
echo "$SETTLE" | run_sql
ASSESS_FILL="$(( $(now_ms) - FILL_START )) ms"
echo "   written in $ASSESS_FILL" >&2

run_wrk suppliers-critical "/suppliers?criticality=critical&status=active" "$COOKIE"
run_wrk suppliers-review-due "/suppliers?review_due=1" "$COOKIE"
run_wrk suppliers-text "/suppliers?q=Supplier%2077" "$COOKIE"
run_wrk api-suppliers "/api/v1/suppliers?limit=100" "$BEARER"
run_wrk supplier "/suppliers/SUP-005000" "$COOKIE"
run_wrk api-supplier "/api/v1/suppliers/SUP-005000" "$BEARER"
run_wrk assessment "/suppliers/assessments/AS-25001" "$COOKIE"
run_wrk api-assessments "/api/v1/assessments?supplier=SUP-005000" "$BEARER"
run_wrk api-assess-all "/api/v1/assessments?limit=50" "$BEARER"
run_wrk api-reviewed "/api/v1/assessments?status=reviewed&limit=50" "$BEARER"
run_wrk suppliers-after "/suppliers" "$COOKIE"
LINK_ROW="$(python3 - "$BASE$LINK" <<'PY'
import statistics, sys, time, urllib.request
times = []
for _ in range(200):
    t = time.perf_counter()
    with urllib.request.urlopen(sys.argv[1]) as r:
        body = r.read()
        assert r.status == 200 and b"Question 5 of section 10" in body
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"{'questionnaire':<16} {'(200 seq)':>9} {statistics.median(times):8.2f} {times[int(len(times) * 0.99) - 1]:8.2f}")
PY
)" || die "the questionnaire page failed"
run_wrk obligations "/obligations" "$COOKIE"
run_wrk soa "/soa" "$COOKIE"
run_wrk processing "/processing" "$COOKIE"
run_wrk readiness "/api/v1/readiness" "$BEARER"
PEAK_KB="$(hwm_kb)"
stop_server

echo
echo "suppliers.sh on $DB_LABEL, $(nproc) cores; filled in $FILL; first read (derives 10,000 criticalities) $DERIVE; first read after an asset edit $REDERIVE; 50,000 assessments with 2,500,000 answers written in $ASSESS_FILL"
print_rows
echo "$LINK_ROW"
echo "server peak RSS: $(mb "$PEAK_KB") MB"
