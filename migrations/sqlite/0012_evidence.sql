-- Evidence (ISO/IEC 27002 5.28, 5.33): items with their dates, attached to controls, measures
-- and risks; each file upload is a new version, never an overwrite. File content is kept by
-- its SHA-256: under the data dir on SQLite, in evidence_blob_chunk on PostgreSQL (so that
-- every instance serves it).

create table evidence (
    evidence_id text primary key,
    title text not null,
    description text not null default '',
    url text not null default '',
    collected_at text not null,
    valid_until text,
    collected_by text not null,
    -- newest file version; 0 for a link
    version bigint not null default 0,
    created_by text not null,
    created_at text not null,
    updated_at text not null
);
create index evidence_valid_until_idx on evidence (valid_until);

create table evidence_version (
    evidence_id text not null references evidence (evidence_id),
    version bigint not null,
    file_name text not null,
    media_type text not null,
    size bigint not null,
    sha256 text not null,
    uploaded_by text not null,
    uploaded_at text not null,
    primary key (evidence_id, version)
);
create index evidence_version_sha_idx on evidence_version (sha256);

-- target_kind: control (target_id = a 2022 control id), measure or risk
create table evidence_link (
    evidence_id text not null references evidence (evidence_id),
    target_kind text not null,
    target_id text not null,
    primary key (evidence_id, target_kind, target_id)
);
create index evidence_link_target_idx on evidence_link (target_kind, target_id, evidence_id);

-- Content by hash in 1 MB chunks (used when Annex runs on PostgreSQL).
create table evidence_blob_chunk (
    sha256 text not null,
    seq bigint not null,
    data blob not null,
    primary key (sha256, seq)
);

insert into register_generation (register, generation) values ('evidence', 0);
