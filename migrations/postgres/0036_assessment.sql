-- Supplier assessments (27002 5.19-5.23): questionnaires the organisation wrote (the shipped
-- ones live in the code), assessments sent to suppliers through a signed link with the
-- questionnaire as it was sent, and the answers, documents and reviewer's findings.

create table questionnaire (
    questionnaire_key text primary key,
    title text not null,
    body text not null,
    updated_at text not null,
    revision bigint not null default 1
);

create table assessment (
    assessment_id text primary key,
    supplier_id text not null references supplier (supplier_id),
    questionnaire_key text not null,
    questionnaire text not null,
    status text not null,
    sent_by text not null,
    sent_at text not null,
    due_on text,
    link_until text not null,
    submitted_at text,
    reviewed_by text,
    reviewed_at text,
    score_points bigint,
    score_max bigint,
    score_percent bigint,
    rating text,
    summary text not null default '',
    risk_id text,
    evidence_id text,
    revision bigint not null default 1
);
create index assessment_supplier_idx on assessment (supplier_id, sent_at, assessment_id);
create index assessment_status_idx on assessment (status, sent_at, assessment_id);
create index assessment_sent_idx on assessment (sent_at, assessment_id);

create table assessment_answer (
    assessment_id text not null references assessment (assessment_id) on delete cascade,
    question_id text not null,
    value text not null default '',
    comment text not null default '',
    evidence_id text,
    file_name text,
    finding text not null default '',
    finding_severity text,
    answered_at text,
    primary key (assessment_id, question_id)
);
