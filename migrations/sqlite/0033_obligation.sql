-- Obligations (27002 5.31-5.34, 27001 4.2): the legal, regulatory and contractual
-- requirements the organisation is bound by, the controls that satisfy each (from which the
-- SoA derives its reasons for inclusion) and the evidence of compliance.

create table obligation (
    obligation_id text primary key,
    title text not null,
    kind text not null,
    reference text not null default '',
    url text not null default '',
    jurisdiction text not null default '',
    summary text not null default '',
    owner text not null default '',
    applicable integer not null default 0,
    applicability_note text not null default '',
    compliance text not null default 'not_assessed',
    counterparty text not null default '',
    supplier_id text,
    reviewed_on text,
    review_due text,
    starter text,
    updated_at text not null,
    revision integer not null default 1
);
create index obligation_title_idx on obligation (title, obligation_id);
create index obligation_applicable_idx on obligation (applicable, title, obligation_id);
create unique index obligation_starter_idx on obligation (starter);

create table obligation_control (
    obligation_id text not null references obligation (obligation_id) on delete cascade,
    framework_id text not null,
    control_id text not null,
    primary key (obligation_id, framework_id, control_id)
);
create index obligation_control_control_idx on obligation_control (framework_id, control_id, obligation_id);

create table obligation_evidence (
    obligation_id text not null references obligation (obligation_id) on delete cascade,
    evidence_id text not null,
    primary key (obligation_id, evidence_id)
);

insert into register_generation (register, generation) values ('obligation', 0);
