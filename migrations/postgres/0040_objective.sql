-- Information security objectives and their indicators (27001 6.2, 9.1), with one
-- measurement per indicator and period.

create table objective (
    objective_id text primary key,
    title text not null,
    description text not null default '',
    owner text not null default '',
    due_on text,
    status text not null default 'open',
    updated_at text not null,
    revision bigint not null default 1
);
create index objective_status_idx on objective (status, title, objective_id);

create table kpi (
    kpi_id text primary key,
    objective_id text,
    name text not null,
    definition text not null default '',
    metric text not null default 'manual',
    unit text not null default '',
    target double precision not null,
    direction text not null,
    frequency text not null,
    owner text not null default '',
    updated_at text not null,
    revision bigint not null default 1
);
create index kpi_objective_idx on kpi (objective_id, kpi_id);
create index kpi_name_idx on kpi (name, kpi_id);

-- The period is the first day of the month, quarter or year measured.
create table kpi_measurement (
    kpi_id text not null references kpi (kpi_id) on delete cascade,
    period text not null,
    value double precision not null,
    note text not null default '',
    recorded_by text not null,
    recorded_at text not null,
    primary key (kpi_id, period)
);
