-- Scan results as evidence: each report files, per host and control, one evidence item that
-- the host's next reports refresh (scan_evidence finds it again). `failing` says why the
-- item shows its control failing (the failed checks and what they saw); empty when it does
-- not. Items filed by scans are changed by reports only, never by hand.

alter table evidence add column failing text not null default '';

create table scan_evidence (
    host_id text not null references scan_host (host_id),
    control_id text not null,
    evidence_id text not null references evidence (evidence_id),
    primary key (host_id, control_id)
);
create unique index scan_evidence_item on scan_evidence (evidence_id);

-- How many evidence items each run created or refreshed.
alter table scan_run add column evidence_filed bigint not null default 0;
