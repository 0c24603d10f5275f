-- Nonconformities and corrective actions (27001 10.2). whys holds the answers to "why?",
-- one per line; effective is the last review's verdict (null until reviewed).

create table nonconformity (
    nc_id text primary key,
    title text not null,
    description text not null default '',
    source text not null,
    source_ref text,
    clause text,
    control_id text,
    owner text not null default '',
    raised_on text not null,
    correction text not null default '',
    corrected_on text,
    whys text not null default '',
    root_cause text not null default '',
    effective integer,
    review_note text not null default '',
    reviewed_by text not null default '',
    reviewed_on text,
    reviewed_at text,
    closed_on text,
    updated_at text not null,
    revision integer not null default 1
);
create index nonconformity_raised_idx on nonconformity (raised_on, nc_id);
create index nonconformity_closed_idx on nonconformity (closed_on, raised_on);
create index nonconformity_owner_idx on nonconformity (owner);
create index nonconformity_source_idx on nonconformity (source, source_ref);

create table corrective_action (
    action_id text primary key,
    nc_id text not null references nonconformity (nc_id),
    title text not null,
    owner text not null,
    due_on text not null,
    status text not null,
    done_on text,
    note text not null default '',
    updated_at text not null,
    revision integer not null default 1
);
create index corrective_action_nc_idx on corrective_action (nc_id, action_id);
create index corrective_action_due_idx on corrective_action (status, due_on, action_id);
create index corrective_action_owner_idx on corrective_action (owner);
