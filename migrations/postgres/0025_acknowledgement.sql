-- Acknowledgement of published documents (27002 5.1, 6.3): a document may require everyone,
-- or some departments or job titles, to acknowledge its published version within some days;
-- each acknowledgement records who, which version (with its SHA-256), when and how.

create table document_ack_rule (
    document_id text primary key references document (document_id) on delete cascade,
    scope text not null default 'everyone',
    groups text not null default '',
    days bigint not null default 14,
    updated_at text not null,
    revision bigint not null default 1
);

create table acknowledgement (
    document_id text not null references document (document_id) on delete cascade,
    version bigint not null,
    person_id text not null references person (person_id) on delete cascade,
    acknowledged_at text not null,
    via text not null,
    recorded_by text not null,
    sha256 text not null,
    primary key (document_id, version, person_id)
);
create index acknowledgement_person_idx on acknowledgement (person_id, document_id, version);

-- Secrets the instances share: the key personal links are signed with.
create table app_secret (
    name text primary key,
    value text not null
);

create index person_job_title_idx on person (job_title, name, person_id);
-- Who an audience holds, read without touching the table.
create index person_audience_idx on person (department, left_on, started_on, job_title, person_id);

-- Acknowledgement counts are cached by this generation (raised by every acknowledgement and
-- every change of a requirement) with the staff directory's and the documents'.
insert into register_generation (register, generation) values ('acknowledgement', 0);
