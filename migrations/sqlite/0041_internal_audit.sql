-- Internal audit (27001 9.2): programmes over a cycle, their audits with scope and team, each
-- audit's checklist results, and the findings audits raise.

create table audit_programme (
    programme_id text primary key,
    title text not null,
    starts_on text not null,
    ends_on text not null,
    owner text not null default '',
    notes text not null default '',
    updated_at text not null,
    revision integer not null default 1
);
create index audit_programme_start_idx on audit_programme (starts_on, programme_id);

-- clauses, controls and auditors are comma-separated lists, in order.
create table internal_audit (
    audit_id text primary key,
    programme_id text not null references audit_programme (programme_id),
    title text not null,
    clauses text not null default '',
    controls text not null default '',
    criteria text not null default '',
    starts_on text not null,
    ends_on text not null,
    lead text not null,
    auditors text not null default '',
    auditees text not null default '',
    status text not null,
    conclusion text not null default '',
    completed_on text,
    updated_at text not null,
    revision integer not null default 1
);
create index internal_audit_programme_idx on internal_audit (programme_id, starts_on, audit_id);
create index internal_audit_status_idx on internal_audit (status, starts_on, audit_id);
create index internal_audit_lead_idx on internal_audit (lead);

create table internal_audit_item (
    audit_id text not null references internal_audit (audit_id) on delete cascade,
    item text not null,
    result text not null,
    note text not null default '',
    checked_by text not null default '',
    checked_at text not null default '',
    primary key (audit_id, item)
);

create table audit_finding (
    finding_id text primary key,
    audit_id text not null references internal_audit (audit_id),
    kind text not null,
    title text not null,
    description text not null default '',
    requirement text not null default '',
    clause text,
    control_id text,
    record_id text,
    owner text not null default '',
    raised_by text not null,
    raised_on text not null,
    status text not null,
    updated_at text not null,
    revision integer not null default 1
);
create index audit_finding_audit_idx on audit_finding (audit_id, finding_id);
create index audit_finding_status_idx on audit_finding (status, kind, raised_on);
create index audit_finding_raised_idx on audit_finding (raised_on, finding_id);
create index audit_finding_control_idx on audit_finding (control_id);
create index audit_finding_clause_idx on audit_finding (clause);
create index audit_finding_owner_idx on audit_finding (owner);
