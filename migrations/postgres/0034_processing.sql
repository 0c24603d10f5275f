-- The record of processing activities (GDPR Art. 30, 27002 5.34): each processing of
-- personal data, the processors (suppliers) and assets it involves.

create table processing (
    processing_id text primary key,
    name text not null,
    owner text not null default '',
    purposes text not null default '',
    legal_basis text not null,
    data_categories text not null default '',
    special_categories boolean not null default false,
    data_subjects text not null default '',
    recipients text not null default '',
    transfers text not null default '',
    retention text not null default '',
    security text not null default '',
    dpia_required boolean not null default false,
    reviewed_on text,
    updated_at text not null,
    revision bigint not null default 1
);
create index processing_name_idx on processing (name, processing_id);

create table processing_supplier (
    processing_id text not null references processing (processing_id) on delete cascade,
    supplier_id text not null,
    primary key (processing_id, supplier_id)
);
create index processing_supplier_supplier_idx on processing_supplier (supplier_id, processing_id);

create table processing_asset (
    processing_id text not null references processing (processing_id) on delete cascade,
    asset_id text not null,
    primary key (processing_id, asset_id)
);
create index processing_asset_asset_idx on processing_asset (asset_id, processing_id);
