-- Risks (ISO/IEC 27001 6.1.2, 6.1.3): scenario, owner, three ratings on the risk matrix
-- (inherent, current, target/residual), each level derived from the matrix and stored so that
-- registers filter and heat maps count without recomputing; treatment and its measures;
-- formal acceptance of the residual risk by its owner.

create table risk (
    risk_id text primary key,
    title text not null,
    threat text not null default '',
    vulnerability text not null default '',
    consequence text not null default '',
    owner text not null default '',
    category text not null default '',
    inherent_likelihood bigint not null,
    inherent_impact bigint not null,
    inherent_level text not null,
    current_likelihood bigint not null,
    current_impact bigint not null,
    current_level text not null,
    target_likelihood bigint not null,
    target_impact bigint not null,
    target_level text not null,
    treatment text not null,
    review_due_on text,
    created_at text not null,
    updated_at text not null
);
create index risk_title_idx on risk (title, risk_id);
create index risk_owner_idx on risk (owner, risk_id);
create index risk_inherent_level_idx on risk (inherent_level, risk_id);
create index risk_current_level_idx on risk (current_level, risk_id);
create index risk_target_level_idx on risk (target_level, risk_id);
create index risk_treatment_idx on risk (treatment, risk_id);
create index risk_review_idx on risk (review_due_on, risk_id);

create table risk_asset (
    risk_id text not null references risk (risk_id) on delete cascade,
    asset_id text not null references asset (asset_id),
    primary key (risk_id, asset_id)
);
create index risk_asset_asset_idx on risk_asset (asset_id, risk_id);

create table risk_measure (
    risk_id text not null references risk (risk_id) on delete cascade,
    measure_id text not null references measure (measure_id),
    primary key (risk_id, measure_id)
);
create index risk_measure_measure_idx on risk_measure (measure_id, risk_id);

-- One row per acceptance; the newest is the risk's acceptance. It keeps what was accepted.
create table risk_acceptance (
    risk_acceptance_id text primary key,
    risk_id text not null references risk (risk_id) on delete cascade,
    accepted_by text not null,
    accepted_at text not null,
    rationale text not null,
    valid_until text not null,
    accepted_json text not null,
    needs_renewal boolean not null default false
);
create index risk_acceptance_risk_idx on risk_acceptance (risk_id, accepted_at);
