-- The organisation's context (27001 4.1, 4.3): internal and external issues, and the scope
-- statement with its approved versions.

create table context_issue (
    issue_id text primary key,
    title text not null,
    side text not null,
    category text not null,
    description text not null default '',
    effect text not null default '',
    bearing text not null default 'risk',
    owner text not null default '',
    reviewed_on text,
    review_due text,
    updated_at text not null,
    revision integer not null default 1
);
create index context_issue_side_idx on context_issue (side, title, issue_id);
create index context_issue_due_idx on context_issue (review_due);

create table context_issue_risk (
    issue_id text not null references context_issue (issue_id) on delete cascade,
    risk_id text not null,
    primary key (issue_id, risk_id)
);
create index context_issue_risk_risk_idx on context_issue_risk (risk_id, issue_id);

-- The scope as being written: one row, there from the start. Its statement is the one the
-- organisation's settings held until now (organisation.isms_scope, no longer read).
create table isms_scope (
    scope_id text primary key,
    statement text not null default '',
    boundaries text not null default '',
    interfaces text not null default '',
    dependencies text not null default '',
    exclusions text not null default '',
    updated_at text not null default '',
    updated_by text not null default '',
    revision integer not null default 1
);
insert into isms_scope (scope_id, statement)
    values ('isms', coalesce((select isms_scope from organisation where organisation_id = 1), ''));

-- Each approval keeps the text as approved and its SHA-256; the triggers refuse to change or
-- remove it.
create table isms_scope_version (
    version integer primary key,
    text text not null,
    sha256 text not null,
    approved_by text not null,
    approved_at text not null,
    note text not null default ''
);

create trigger isms_scope_version_no_update before update on isms_scope_version
begin
    select raise(abort, 'an approved version of the scope cannot be changed');
end;

create trigger isms_scope_version_no_delete before delete on isms_scope_version
begin
    select raise(abort, 'an approved version of the scope cannot be removed');
end;
