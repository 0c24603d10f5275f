-- The staff directory (27002 6.1-6.7): everyone who works for the organisation, most of whom
-- never sign in, with their screening, terms, NDA and remote-working agreement; and the
-- onboarding and offboarding checklists made from templates when someone starts or leaves.

create table person (
    person_id text primary key,
    staff_number text not null default '',
    name text not null,
    email text not null default '',
    department text not null default '',
    manager text not null default '',
    job_title text not null default '',
    employment text not null default 'employee',
    location text not null default '',
    started_on text,
    left_on text,
    screening_level text not null default 'none',
    screened_on text,
    terms_version text not null default '',
    terms_signed_on text,
    nda_version text not null default '',
    nda_signed_on text,
    remote_signed_on text,
    notes text not null default '',
    created_at text not null,
    updated_at text not null,
    revision integer not null default 1
);
create unique index person_email_idx on person (email) where email <> '';
create unique index person_staff_number_idx on person (staff_number) where staff_number <> '';
create index person_name_idx on person (name, person_id);
create index person_department_idx on person (department, name, person_id);
create index person_manager_idx on person (manager);
create index person_left_idx on person (left_on, person_id);

create table checklist (
    checklist_id text primary key,
    person_id text not null references person (person_id) on delete cascade,
    kind text not null,
    created_at text not null,
    created_by text not null,
    revision integer not null default 1
);
create index checklist_person_idx on checklist (person_id, kind);

create table checklist_step (
    checklist_id text not null references checklist (checklist_id) on delete cascade,
    number integer not null,
    title text not null,
    owner text not null default '',
    due_on text,
    asset_id text,
    done_at text,
    done_by text,
    note text not null default '',
    primary key (checklist_id, number)
);
create index checklist_step_open_idx on checklist_step (done_at, due_on);

-- The steps a checklist starts with, per kind (onboarding, offboarding) and employment type;
-- `owner` is an e-mail, or 'manager' (the person's manager) or 'person' (the person).
create table checklist_template (
    kind text not null,
    employment text not null,
    number integer not null,
    title text not null,
    owner text not null default '',
    days integer not null default 0,
    primary key (kind, employment, number)
);

-- A leaver's offboarding lists the assets they hold as well as those they own.
create index asset_custodian_idx on asset (custodian);

insert into register_generation (register, generation) values ('person', 0);
