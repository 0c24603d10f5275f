-- Roles and responsibilities of the ISMS (27001 5.3) and who holds them.

create table isms_role (
    role_id text primary key,
    name text not null,
    kind text not null,
    responsibilities text not null default '',
    authority text not null default '',
    updated_at text not null,
    revision integer not null default 1
);
create index isms_role_name_idx on isms_role (name, role_id);

create table isms_role_holder (
    role_id text not null references isms_role (role_id) on delete cascade,
    email text not null,
    primary key (role_id, email)
);
create index isms_role_holder_email_idx on isms_role_holder (email, role_id);

