-- Business continuity (27002 5.29, 5.30, 8.13, 8.14): business processes with their business
-- impact analysis and what they depend on, the plans that recover them (documents), and the
-- exercises and restore tests that show what is achieved.

create table process (
    process_id text primary key,
    name text not null,
    description text not null default '',
    owner text not null default '',
    impact_4h bigint,
    impact_1d bigint,
    impact_3d bigint,
    impact_1w bigint,
    mtpd_minutes bigint,
    rto_minutes bigint,
    rpo_minutes bigint,
    min_service text not null default '',
    suppliers text not null default '',
    roles text not null default '',
    locations text not null default '',
    reviewed_on text,
    updated_at text not null,
    revision bigint not null default 1
);
create index process_name_idx on process (name, process_id);

create table process_asset (
    process_id text not null references process (process_id) on delete cascade,
    asset_id text not null,
    primary key (process_id, asset_id)
);
create index process_asset_asset_idx on process_asset (asset_id, process_id);

create table process_plan (
    process_id text not null references process (process_id) on delete cascade,
    document_id text not null,
    primary key (process_id, document_id)
);

create table exercise (
    exercise_id text primary key,
    title text not null,
    kind text not null,
    held_on text not null,
    process_id text,
    plan_id text,
    scope text not null default '',
    participants text not null default '',
    result text not null,
    achieved_rto_minutes bigint,
    achieved_rpo_minutes bigint,
    findings text not null default '',
    measures text not null default '',
    evidence_id text,
    recorded_by text not null,
    recorded_at text not null
);
create index exercise_held_idx on exercise (held_on, exercise_id);
create index exercise_process_idx on exercise (process_id, held_on);

create table exercise_asset (
    exercise_id text not null references exercise (exercise_id),
    asset_id text not null,
    primary key (exercise_id, asset_id)
);
create index exercise_asset_asset_idx on exercise_asset (asset_id, exercise_id);

insert into register_generation (register, generation) values ('continuity', 0);
