-- When an incident was contained and recovered (for the time to contain and to recover), what
-- else it affects, the tasks of its handling (each with an owner and a due day, done or not),
-- and the organisation's severity scale.

alter table incident add column contained_at text;
alter table incident add column recovered_at text;
-- The business processes (ids), suppliers and people (in words) an incident affects.
alter table incident add column affected_processes text not null default '';
alter table incident add column affected_suppliers text not null default '';
alter table incident add column affected_people text not null default '';

create table incident_task (
    incident_id text not null references incident (incident_id),
    seq bigint not null,
    title text not null,
    owner text not null,
    due_on text,
    done_at text,
    done_by text not null default '',
    created_by text not null,
    created_at text not null,
    primary key (incident_id, seq)
);
create index incident_task_owner_idx on incident_task (owner, done_at, due_on);

-- The deadline panel reads the open incidents under a regime: a partial index keeps that a
-- seek however many incidents are closed.
create index incident_open_clock_idx on incident (aware_at, incident_id)
    where status <> 'closed' and regimes <> '';

-- The organisation's severity scale, least severe first (low to critical until it changes it).
create table incident_severity (
    severity_key text primary key,
    label text not null,
    description text not null default '',
    rank bigint not null
);
insert into incident_severity (severity_key, label, description, rank) values
    ('low', 'low', 'A nuisance: no data, service or person was harmed.', 1),
    ('medium', 'medium', 'Limited harm: one team, a few records or a short outage.', 2),
    ('high', 'high', 'Serious harm: personal or confidential data, a key service down, customers affected.', 3),
    ('critical', 'critical', 'Harm to the whole organisation: a breach at scale, a long outage, regulators or the press involved.', 4);
-- The register's filters: by severity (with the status, so a count reads the index alone), and
-- the open incidents newest first (a few among many closed ones).
create index incident_severity_idx on incident (severity, status, reported_at, incident_id);
create index incident_open_idx on incident (reported_at, incident_id) where status <> 'closed';
