-- Suppliers (27002 5.19-5.23): the register, the assets whose data a supplier accesses, the
-- security clauses of its contract, the certifications it holds and the evidence of a cloud
-- service's configuration. A supplier's criticality is derived from the other registers; the
-- derived value is kept with the generations of the registers it was derived from.

create table supplier (
    supplier_id text primary key,
    name text not null,
    -- The name in lower case (every script), to find a supplier by its name.
    name_key text not null default '',
    status text not null default 'active',
    services text not null default '',
    owner text not null default '',
    personal_data integer not null default 0,
    data_locations text not null default '',
    sub_processors text not null default '',
    criticality_override text,
    criticality_reason text not null default '',
    derived_criticality text not null default 'low',
    derived_why text not null default '',
    criticality text not null default 'low',
    contract_start text,
    contract_end text,
    auto_renews integer not null default 0,
    notice_days integer,
    reviewed_on text,
    review_due text,
    cloud_services text not null default '',
    shared_responsibility text not null default '',
    exit_plan text not null default '',
    -- How many of the contract's security clauses are missing or weaker than asked.
    clause_gaps integer not null default 0,
    updated_at text not null,
    revision integer not null default 1
);
create index supplier_name_idx on supplier (name, supplier_id);
create index supplier_name_key_idx on supplier (name_key);
create index supplier_criticality_idx on supplier (criticality, name, supplier_id);
create index supplier_owner_idx on supplier (owner, name, supplier_id);
create index supplier_status_idx on supplier (status, name, supplier_id);
create index supplier_review_idx on supplier (review_due, supplier_id);
create index supplier_gaps_idx on supplier (criticality, status, clause_gaps, supplier_id);

create table supplier_asset (
    supplier_id text not null references supplier (supplier_id) on delete cascade,
    asset_id text not null,
    primary key (supplier_id, asset_id)
);
create index supplier_asset_asset_idx on supplier_asset (asset_id, supplier_id);

create table supplier_clause (
    supplier_id text not null references supplier (supplier_id) on delete cascade,
    clause text not null,
    state text not null,
    hours integer,
    primary key (supplier_id, clause)
);

create table supplier_certification (
    supplier_id text not null references supplier (supplier_id) on delete cascade,
    seq integer not null,
    kind text not null,
    reference text not null default '',
    issuer text not null default '',
    until_on text not null,
    -- The last day it counts: a certificate's expiry, a report's period end and a year.
    counts_until text not null,
    primary key (supplier_id, seq)
);
create index supplier_certification_until_idx on supplier_certification (counts_until, supplier_id);

create table supplier_evidence (
    supplier_id text not null references supplier (supplier_id) on delete cascade,
    evidence_id text not null,
    primary key (supplier_id, evidence_id)
);

-- The generations of the asset and continuity registers the stored derived criticalities
-- were computed from (one row).
create table supplier_derivation (
    id text primary key,
    asset_generation integer not null,
    continuity_generation integer not null
);
insert into supplier_derivation (id, asset_generation, continuity_generation) values ('mark', -1, -1);

insert into register_generation (register, generation) values ('asset', 0), ('supplier', 0);
