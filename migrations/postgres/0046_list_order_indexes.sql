-- Each register list's default order reads an index at any size (found by the query plan
-- test, tests/plans/query_plans.rs): measures by due date (those without one last), evidence and
-- written tasks newest first, internal audits by their start, corrective actions by due date.
create index measure_due_key_idx on measure ((coalesce(due_on, '9999-12-31')), measure_id);
create index evidence_created_idx on evidence (created_at, evidence_id);
create index task_created_idx on task (created_at, task_id);
create index internal_audit_starts_idx on internal_audit (starts_on, audit_id);
create index corrective_action_due_order_idx on corrective_action (due_on, action_id);
