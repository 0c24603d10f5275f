-- When an incident was contained and recovered (for the time to contain and to recover), and
-- the tasks of its handling, each with an owner and a due day, done or not.

alter table incident add column contained_at text;
alter table incident add column recovered_at text;

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
