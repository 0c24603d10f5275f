-- Hosts in groups (servers, workstations, …): a control's scan results count only from the
-- hosts of groups that evidence it. `host_group_exclusion` lists, per group, the controls its
-- hosts' scans do not evidence (a workstation without backup software does not fail the
-- organisation's 8.13). New hosts join the default group unless their first report names
-- another. Both editable records carry a revision.

create table host_group (
    group_key text primary key,
    name text not null,
    description text not null default '',
    is_default bigint not null default 0,
    revision bigint not null default 1
);
create unique index host_group_name on host_group (lower(name));

create table host_group_exclusion (
    group_key text not null references host_group (group_key) on delete cascade,
    control_id text not null,
    primary key (group_key, control_id)
);

insert into host_group (group_key, name, description, is_default) values
    ('servers', 'Servers', 'Machines that serve others: their scans evidence every control their checks cover.', 1),
    ('workstations', 'Workstations', 'Laptops and desktops: their data is expected on servers and cloud services, so their scans do not evidence backup (8.13) or redundancy (8.14).', 0);
insert into host_group_exclusion (group_key, control_id) values
    ('workstations', '8.13'),
    ('workstations', '8.14');

alter table scan_host add column group_key text not null default 'servers';
alter table scan_host add column revision bigint not null default 1;
create index scan_host_group on scan_host (group_key, host_id);
