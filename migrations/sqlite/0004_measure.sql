-- Implementation measures: the organisation's own actions that put controls in place and
-- treat risks ("MFA on VPN" implements 5.17 and 8.5). Costs are whole currency units.

create table measure (
    measure_id text primary key,
    name text not null,
    description text not null default '',
    owner text not null default '',
    status text not null,
    due_on text,
    effort text not null default '',
    cost integer,
    created_at text not null,
    updated_at text not null
);
create index measure_due_idx on measure (due_on, measure_id);
create index measure_name_idx on measure (name, measure_id);
create index measure_owner_idx on measure (owner, measure_id);
create index measure_status_idx on measure (status, due_on, measure_id);

create table measure_control (
    measure_id text not null references measure (measure_id) on delete cascade,
    framework_id text not null,
    control_id text not null,
    primary key (measure_id, framework_id, control_id)
);
create index measure_control_control_idx on measure_control (framework_id, control_id, measure_id);
