-- Conventions (shared with the PostgreSQL migrations, which must stay equivalent):
-- lowercase SQL; singular table names; keys named <table>_id; ids are TEXT;
-- timestamps are TEXT in UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (they sort as text);
-- whole numbers are INTEGER here and BIGINT on PostgreSQL; booleans are INTEGER 0/1 here.

create table organisation (
    organisation_id integer primary key check (organisation_id = 1),
    name text not null,
    created_at text not null,
    updated_at text not null
);

create table user_account (
    user_id text primary key,
    email text not null unique,
    name text not null,
    role text not null,
    password_hash text,
    disabled integer not null default 0,
    created_at text not null,
    updated_at text not null
);

create table session (
    session_id text primary key,          -- SHA-256 of the cookie value
    user_id text not null references user_account (user_id) on delete cascade,
    created_at text not null,
    last_seen_at text not null,
    expires_at text not null
);
create index session_user_idx on session (user_id);

create table api_token (
    api_token_id text primary key,
    user_id text not null references user_account (user_id) on delete cascade,
    name text not null,
    token_hash text not null unique,      -- SHA-256 of the token; the token itself is never stored
    created_at text not null,
    expires_at text,
    revoked_at text,
    last_used_at text
);

create table login_throttle (
    throttle_key text primary key,        -- 'account:<email>' or 'address:<ip>'
    failures integer not null,
    window_started_at text not null,
    locked_until text
);

create table audit_head (
    audit_head_id integer primary key check (audit_head_id = 1),
    seq integer not null,
    hash text not null
);
insert into audit_head (audit_head_id, seq, hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

create table audit_event (
    seq integer primary key,
    occurred_at text not null,
    actor text not null,
    action text not null,
    object_type text not null,
    object_id text not null,
    before_json text,
    after_json text,
    prev_hash text not null,
    hash text not null
);
create index audit_event_object_idx on audit_event (object_type, object_id, seq);
create index audit_event_actor_idx on audit_event (actor, seq);

create table framework (
    framework_id text primary key,
    name text not null,
    description text not null,
    data_version integer not null,
    content_hash text not null,
    builtin integer not null,
    loaded_at text not null
);

create table catalog_group (
    framework_id text not null references framework (framework_id) on delete cascade,
    group_id text not null,
    title text not null,
    parent_id text,
    position integer not null,
    primary key (framework_id, group_id)
);

create table attribute_type (
    framework_id text not null references framework (framework_id) on delete cascade,
    attribute_key text not null,
    name text not null,
    position integer not null,
    primary key (framework_id, attribute_key)
);

create table attribute_value (
    framework_id text not null,
    attribute_key text not null,
    value text not null,
    position integer not null,
    primary key (framework_id, attribute_key, value),
    foreign key (framework_id, attribute_key) references attribute_type (framework_id, attribute_key) on delete cascade
);

create table control (
    framework_id text not null references framework (framework_id) on delete cascade,
    control_id text not null,
    title text not null,
    theme_id text not null,
    group_id text not null,
    parent_id text,
    summary text not null,
    position integer not null,
    primary key (framework_id, control_id)
);
create index control_position_idx on control (framework_id, position);

create table control_attribute (
    framework_id text not null,
    control_id text not null,
    attribute_key text not null,
    value text not null,
    position integer not null,
    primary key (framework_id, control_id, attribute_key, value),
    foreign key (framework_id, control_id) references control (framework_id, control_id) on delete cascade
);
create index control_attribute_value_idx on control_attribute (framework_id, attribute_key, value);

create table control_mapping (
    from_framework_id text not null,
    from_control_id text not null,
    to_framework_id text not null,
    to_control_id text not null,
    primary key (from_framework_id, from_control_id, to_framework_id, to_control_id)
);
create index control_mapping_to_idx on control_mapping (to_framework_id, to_control_id);

create table control_new (
    from_framework_id text not null,
    to_framework_id text not null,
    to_control_id text not null,
    primary key (from_framework_id, to_framework_id, to_control_id)
);
