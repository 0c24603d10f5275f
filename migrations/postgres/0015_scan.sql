-- Scan results reported by agents (`annex scan --report-to`): one row per host with its
-- latest tally, one per run received, and each run's findings. A host is named by the host
-- name it reports; the agent token that first reported for it is bound to it, and a token
-- reports for one host only (the unique index).

create table scan_host (
    host_id text primary key,
    token_id text,
    first_seen text not null,
    last_seen text not null,
    last_pass bigint not null default 0,
    last_fail bigint not null default 0,
    last_not_applicable bigint not null default 0,
    last_error bigint not null default 0
);

create unique index scan_host_token on scan_host (token_id);

create table scan_run (
    run_id text primary key,
    host_id text not null references scan_host (host_id),
    scanned_at text not null,
    received_at text not null,
    duration_ms bigint not null,
    pass bigint not null,
    fail bigint not null,
    not_applicable bigint not null,
    error bigint not null,
    submitted_by text not null
);

-- A host's runs, newest first.
create index scan_run_host on scan_run (host_id, scanned_at desc, received_at desc);

create table scan_finding (
    run_id text not null references scan_run (run_id) on delete cascade,
    check_id text not null,
    outcome text not null check (outcome in ('pass', 'fail', 'not_applicable', 'error')),
    severity text not null,
    -- The controls the check evidences, space-separated (e.g. "8.5 8.9").
    controls text not null,
    observed text not null,
    primary key (run_id, check_id)
);

-- One check's results across runs.
create index scan_finding_check on scan_finding (check_id, run_id);
