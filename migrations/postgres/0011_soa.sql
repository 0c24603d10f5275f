-- The Statement of Applicability (ISO/IEC 27001 6.1.3 d): the decision about each control of a
-- catalogue. A control without a row is not decided yet. What implements a control (measures)
-- and what selected it (risks treated by them) are read from measure_control and
-- risk_measure, never stored here.

create table soa_row (
    framework_id text not null,
    control_id text not null,
    applicable boolean,
    -- reason keys, comma-separated (risk_treatment, legal, contractual, business, best_practice)
    reasons text not null default '',
    exclusion_reason text,
    justification text not null default '',
    status text not null,
    maturity bigint,
    owner text not null default '',
    target_date text,
    updated_at text not null,
    primary key (framework_id, control_id)
);
create index soa_row_owner_idx on soa_row (owner, framework_id, control_id);
