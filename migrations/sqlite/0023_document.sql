-- Documents of the ISMS (27001 7.5): the information security policy, topic-specific
-- policies, procedures, standards and plans; their versions go from draft through review and
-- approval (the approved text frozen by its SHA-256) to publication.

create table document (
    document_id text primary key,
    kind text not null,
    title text not null,
    owner text not null default '',
    approver text not null default '',
    classification text not null default '',
    audience text not null default '',
    review_months integer not null default 12,
    status text not null default 'draft',
    current_version integer,
    latest_version integer not null default 1,
    next_review_on text,
    clauses text not null default '',
    template text,
    created_at text not null,
    updated_at text not null,
    revision integer not null default 1
);
create index document_title_idx on document (title, document_id);
create index document_status_idx on document (status, title, document_id);
create index document_kind_idx on document (kind, title, document_id);
create index document_owner_idx on document (owner, title, document_id);
create index document_review_idx on document (next_review_on, document_id);

create table document_control (
    document_id text not null references document (document_id) on delete cascade,
    framework_id text not null,
    control_id text not null,
    primary key (document_id, framework_id, control_id)
);
create index document_control_control_idx on document_control (framework_id, control_id, document_id);

create table document_version (
    document_id text not null references document (document_id) on delete cascade,
    number integer not null,
    body text not null default '',
    change_note text not null default '',
    state text not null,
    sha256 text,
    created_by text not null,
    created_at text not null,
    submitted_by text,
    submitted_at text,
    decided_by text,
    decided_at text,
    decision_note text not null default '',
    published_at text,
    -- The evidence item its publication filed for the document's controls.
    evidence_id text,
    primary key (document_id, number)
);

insert into register_generation (register, generation) values ('document', 0);
