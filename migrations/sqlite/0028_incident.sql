-- Information security events and incidents (27002 5.24-5.28, 6.8): the report and its
-- assessment, where its handling stands, the assets it affects, its timeline (appended,
-- never edited), the notifications sent under each regime that applies, and the regimes the
-- organisation has switched on.

create table incident (
    incident_id text primary key,
    title text not null,
    description text not null default '',
    affected text not null default '',
    reported_by text not null,
    reported_via text not null,
    reported_at text not null,
    noticed_at text not null,
    aware_at text not null,
    status text not null default 'reported',
    classification text,
    classification_reason text not null default '',
    classified_at text,
    category text,
    severity text,
    personal_data integer not null default 0,
    restricted integer not null default 0,
    regimes text not null default '',
    handler text not null default '',
    lessons text not null default '',
    root_cause text not null default '',
    closed_at text,
    updated_at text not null,
    revision integer not null default 1
);
create index incident_reported_idx on incident (reported_at, incident_id);
create index incident_status_idx on incident (status, reported_at, incident_id);

create table incident_asset (
    incident_id text not null references incident (incident_id) on delete cascade,
    asset_id text not null,
    primary key (incident_id, asset_id)
);
create index incident_asset_asset_idx on incident_asset (asset_id, incident_id);

create table incident_entry (
    incident_id text not null references incident (incident_id) on delete cascade,
    seq integer not null,
    at text not null,
    actor text not null,
    kind text not null,
    body text not null default '',
    primary key (incident_id, seq)
);

create table incident_notification (
    incident_id text not null references incident (incident_id) on delete cascade,
    regime text not null,
    stage text not null,
    recipient text not null,
    sent_at text not null,
    content text not null default '',
    recorded_by text not null,
    recorded_at text not null,
    primary key (incident_id, regime, stage)
);

-- The regimes that bind the organisation (shipped ones by key, switched off by default),
-- with the hours of the contractual notice if changed.
create table incident_regime (
    regime text primary key,
    enabled integer not null default 0,
    hours integer
);

insert into register_generation (register, generation) values ('incident', 0);
