-- The asset inventory (ISO/IEC 27002 5.9-5.13).
-- Organisation-wide settings that are documents rather than rows (the classification scheme,
-- the list of asset types) live in org_setting as JSON text, like the risk matrix.

create table org_setting (
    setting_key text primary key,
    value_json text not null,
    updated_at text not null
);

-- Readable ids (A-0001, R-0042) are handed out from per-kind counters.
create table id_counter (
    counter_key text primary key,
    next_value bigint not null
);

create table asset (
    asset_id text primary key,
    name text not null,
    asset_type text not null,
    description text not null default '',
    owner text not null default '',
    custodian text not null default '',
    location text not null default '',
    classification text not null,
    confidentiality bigint,
    integrity bigint,
    availability bigint,
    lifecycle text not null,
    last_reviewed_on text,
    created_at text not null,
    updated_at text not null
);
create index asset_name_idx on asset (name, asset_id);
create index asset_type_idx on asset (asset_type, name, asset_id);
create index asset_owner_idx on asset (owner, name, asset_id);
create index asset_classification_idx on asset (classification, name, asset_id);
create index asset_lifecycle_idx on asset (lifecycle, name, asset_id);
create index asset_updated_idx on asset (updated_at, asset_id);

create table asset_tag (
    asset_id text not null references asset (asset_id) on delete cascade,
    tag text not null,
    primary key (asset_id, tag)
);
create index asset_tag_tag_idx on asset_tag (tag, asset_id);

-- "asset_id depends on depends_on_id" (a service runs on a server).
create table asset_dependency (
    asset_id text not null references asset (asset_id) on delete cascade,
    depends_on_id text not null references asset (asset_id) on delete cascade,
    primary key (asset_id, depends_on_id)
);
create index asset_dependency_reverse_idx on asset_dependency (depends_on_id, asset_id);
